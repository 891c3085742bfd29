/*
 * test_worker_paris.c --
 *	Paris traceroute probe construction (worker/pkt.c): across every TTL
 *	and probe number of a trace, the header fields a per-flow load
 *	balancer hashes stay constant -- for ICMP the checksum itself (held at
 *	the paris_id value by a payload word), for UDP and TCP the ports --
 *	while every packet still carries a valid checksum (RFC 1071) and the
 *	identifying payload.  Also: the key of each probe is found again in
 *	the copy the kernel returns with its send stamp (probe_key_sent).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>

#include <cmocka.h>

#include <netinet/in.h>

#include "pkt.h"
#include "probe.h"
#include "trace_do.h"

static uint16_t
get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static void
lab_probe(struct pkt_probe *p)
{
	memset(p, 0, sizeof(*p));
	p->src.af = p->dst.af = 4;
	memcpy(p->src.b, (uint8_t[]){ 198, 18, 1, 10 }, 4);
	memcpy(p->dst.b, (uint8_t[]){ 198, 18, 100, 10 }, 4);
}

/* The transport checksum over pseudo header + segment must verify. */
static int
l4_valid(const uint8_t *pkt, size_t len)
{
	uint8_t ph[12];
	uint32_t sum;

	memcpy(ph, pkt + 12, 8);
	ph[8] = 0;
	ph[9] = pkt[9];
	ph[10] = (uint8_t)((len - 20) >> 8);
	ph[11] = (uint8_t)(len - 20);
	sum = pkt_cksum_add(0, ph, sizeof(ph));
	sum = pkt_cksum_add(sum, pkt + 20, len - 20);
	return pkt_cksum_fold(sum) == 0;
}

static const int paris_ids[] = { 0, 1, 16, 255, 4660, 65535 };

static void
test_paris_icmp_constant_checksum(void **state)
{
	uint8_t b[PKT_MAX];
	struct pkt_probe p;
	size_t i, n;
	int ttl, seq;

	(void)state;
	for (i = 0; i < sizeof(paris_ids) / sizeof(paris_ids[0]); i++) {
		lab_probe(&p);
		p.icmp_id = 0xbeef;
		p.cksum = paris_ids[i];
		for (ttl = 1; ttl <= 32; ttl++)
			for (seq = 0; seq < 3; seq++) {
				p.ttl = ttl;
				p.icmp_seq = (uint16_t)(ttl * 977 + seq);
				p.ipid = (uint16_t)(ttl * 3 + seq);
				n = pkt_build_icmp_echo(&p, b, sizeof(b));
				assert_true(n > 28);
				assert_int_equal(b[8], ttl);
				assert_int_equal(b[20], 8); /* echo request */
				/* Same checksum for every TTL and probe ... */
				assert_int_equal(get16(b + 22), paris_ids[i]);
				/* ... and still a correct one (RFC 1071). */
				assert_int_equal(pkt_cksum_fold(pkt_cksum_add(
						     0, b + 20, n - 20)),
				    0);
				assert_non_null(memmem(b, n, PKT_PAYLOAD,
				    sizeof(PKT_PAYLOAD) - 1));
			}
	}
}

static void
test_paris_udp_constant_ports(void **state)
{
	uint8_t b[PKT_MAX];
	struct pkt_probe p;
	size_t i, n;
	int ttl;

	(void)state;
	for (i = 0; i < sizeof(paris_ids) / sizeof(paris_ids[0]); i++) {
		lab_probe(&p);
		p.sport = TRACE_SPORT(paris_ids[i]);
		p.dport = 33435;
		for (ttl = 1; ttl <= 32; ttl++) {
			p.ttl = ttl;
			p.cksum = ttl * 1000 + 1; /* the probe number */
			n = pkt_build_udp(&p, b, sizeof(b));
			assert_int_equal(
			    get16(b + 20), TRACE_SPORT(paris_ids[i]));
			assert_int_equal(get16(b + 22), 33435);
			assert_int_equal(get16(b + 26), ttl * 1000 + 1);
			assert_true(l4_valid(b, n));
		}
	}
	/* The source port rule keeps to the dynamic range (RFC 6335). */
	assert_int_equal(TRACE_SPORT(0), 49152);
	assert_int_equal(TRACE_SPORT(16383), 65535);
	assert_int_equal(TRACE_SPORT(16384), 49152);
}

static void
test_paris_tcp_syn(void **state)
{
	uint8_t b[PKT_MAX];
	struct pkt_probe p;
	struct pkt_tcp_reply r;
	size_t n;

	(void)state;
	lab_probe(&p);
	p.ttl = 5;
	p.sport = TRACE_SPORT(7);
	p.dport = 80;
	p.tcp_seq = 0x01020304;
	n = pkt_build_tcp_syn(&p, b, sizeof(b));
	assert_int_equal(n, 40);
	assert_true(l4_valid(b, n));
	assert_int_equal(pkt_parse_tcp4(b, n, &r), 0);
	assert_int_equal(r.flags, PKT_TCP_SYN);
	assert_int_equal(r.seq, 0x01020304);
	assert_int_equal(r.sport, TRACE_SPORT(7));
	assert_int_equal(pkt_parse_tcp4(b, 30, &r), -1); /* truncated */
}

static void
test_plain_checksums(void **state)
{
	uint8_t b[PKT_MAX];
	struct pkt_probe p;
	size_t n;

	(void)state;
	lab_probe(&p);
	p.ttl = 64;
	p.cksum = -1;
	n = pkt_build_icmp_echo(&p, b, sizeof(b));
	assert_int_equal(pkt_cksum_fold(pkt_cksum_add(0, b + 20, n - 20)), 0);
	n = pkt_build_udp(&p, b, sizeof(b));
	assert_true(l4_valid(b, n));
	assert_int_equal(pkt_build_udp(&p, b, 10), 0); /* no room */
}

/* The upper-layer checksum over an IPv6 pseudo header (RFC 8200 8.1). */
static int
l4_valid6(const uint8_t *pkt, size_t len)
{
	uint8_t ph[40];
	uint32_t sum;

	memcpy(ph, pkt + 8, 32);
	memset(ph + 32, 0, 8);
	ph[34] = (uint8_t)((len - 40) >> 8);
	ph[35] = (uint8_t)(len - 40);
	ph[39] = pkt[6];
	sum = pkt_cksum_add(0, ph, sizeof(ph));
	sum = pkt_cksum_add(sum, pkt + 40, len - 40);
	return pkt_cksum_fold(sum) == 0;
}

/*
 * IPv6: the ICMPv6 checksum (which covers a pseudo header) is held at
 * paris_id like ICMPv4's, the flow label stays constant, and every probe
 * verifies.
 */
static void
test_paris_ipv6(void **state)
{
	uint8_t b[PKT_MAX];
	struct pkt_probe p;
	size_t n;
	int ttl;

	(void)state;
	memset(&p, 0, sizeof(p));
	p.src.af = p.dst.af = 6;
	p.src.b[0] = p.dst.b[0] = 0x20;
	p.src.b[1] = p.dst.b[1] = 0x01;
	p.src.b[15] = 1;
	p.dst.b[15] = 2;
	p.flow = 4660;
	p.icmp_id = 0xbeef;
	p.sport = TRACE_SPORT(4660);
	p.dport = 33435;
	for (ttl = 1; ttl <= 32; ttl++) {
		p.ttl = ttl;
		p.icmp_seq = (uint16_t)(ttl * 31);
		p.cksum = 4660;
		n = pkt_build_icmp_echo(&p, b, sizeof(b));
		assert_int_equal(b[0] >> 4, 6);
		assert_int_equal(b[6], 58); /* next header: ICMPv6 */
		assert_int_equal(b[7], ttl);
		assert_int_equal(
		    (b[1] & 0x0f) << 16 | b[2] << 8 | b[3], 4660); /* flow */
		assert_int_equal(b[40], 128); /* echo request */
		assert_int_equal(get16(b + 42), 4660);
		assert_true(l4_valid6(b, n));
		p.cksum = ttl + 1;
		n = pkt_build_udp(&p, b, sizeof(b));
		assert_int_equal(get16(b + 40), TRACE_SPORT(4660));
		assert_int_equal(get16(b + 46), ttl + 1);
		assert_true(l4_valid6(b, n));
		p.tcp_seq = (uint32_t)ttl;
		n = pkt_build_tcp_syn(&p, b, sizeof(b));
		assert_int_equal(n, 60);
		assert_true(l4_valid6(b, n));
	}
}

/*
 * The copy of a sent packet as the kernel returns it with its send
 * stamp, from 'link' bytes of link-layer header on, gives back the key
 * the sender set (probe_key_*); cut short or garbled, no key.
 */
static void
check_sent(const uint8_t *pkt, size_t n, const struct probe_key *want)
{
	static const size_t links[] = { 0, 14, 18 };
	uint8_t b[PKT_MAX + 32];
	struct probe_key k;
	size_t i;

	for (i = 0; i < sizeof(links) / sizeof(links[0]); i++) {
		memset(b, 0xa5, links[i]);
		memcpy(b + links[i], pkt, n);
		memset(&k, 0xff, sizeof(k));
		assert_int_equal(probe_key_sent(&k, b, links[i] + n), 0);
		assert_memory_equal(&k, want, sizeof(k));
		assert_int_equal(probe_key_sent(&k, b, links[i] + n - 1), -1);
		assert_int_equal(probe_key_sent(&k, b, links[i] + 7), -1);
	}
}

static void
test_sent_keys(void **state)
{
	uint8_t b[PKT_MAX];
	struct probe_key want;
	struct pkt_probe p;
	size_t n;
	int af;

	(void)state;
	for (af = 4; af <= 6; af += 2) {
		lab_probe(&p);
		if (af == 6) {
			memset(p.src.b, 0, 16);
			memset(p.dst.b, 0, 16);
			p.src.af = p.dst.af = 6;
			p.src.b[0] = p.dst.b[0] = 0x20;
			p.src.b[15] = 1;
			p.dst.b[15] = 2;
		}
		p.ttl = 5;
		p.ipid = 77;
		p.icmp_id = 0xbeef;
		p.icmp_seq = 4242;
		p.cksum = 4660;
		n = pkt_build_icmp_echo(&p, b, sizeof(b));
		probe_key_icmp(&want, &p.dst, p.icmp_id, p.icmp_seq);
		check_sent(b, n, &want);
		p.sport = TRACE_SPORT(4660);
		p.dport = 33435;
		p.cksum = 999;
		n = pkt_build_udp(&p, b, sizeof(b));
		probe_key_ports(
		    &want, IPPROTO_UDP, &p.dst, p.sport, p.dport, 999);
		check_sent(b, n, &want);
		p.tcp_seq = 0x12345678;
		n = pkt_build_tcp_syn(&p, b, sizeof(b));
		probe_key_ports(
		    &want, IPPROTO_TCP, &p.dst, p.sport, p.dport, p.tcp_seq);
		check_sent(b, n, &want);
		/* Not an echo request: not a probe of ours. */
		n = pkt_build_icmp_echo(&p, b, sizeof(b));
		b[af == 6 ? 40 : 20] = af == 6 ? 129 : 0;
		assert_int_equal(probe_key_sent(&want, b, n), -1);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_paris_icmp_constant_checksum),
		cmocka_unit_test(test_paris_udp_constant_ports),
		cmocka_unit_test(test_paris_tcp_syn),
		cmocka_unit_test(test_plain_checksums),
		cmocka_unit_test(test_paris_ipv6),
		cmocka_unit_test(test_sent_keys),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
