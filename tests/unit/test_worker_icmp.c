/*
 * test_worker_icmp.c --
 *	Table-driven tests of the ICMP reply parser (worker/icmp_parse.c):
 *	echo replies, time exceeded and unreachables quoting our ICMP, UDP
 *	and TCP probes, truncated quotes, RFC 4884 extensions with an MPLS
 *	label stack (RFC 4950) in both the compliant and the pre-4884 layout,
 *	and garbage; then the same for ICMPv6 (RFC 4443), whose types and
 *	codes come back in ICMPv4 terms.  Packets are built here byte by byte from lab addresses.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>

#include <cmocka.h>

#include <netinet/in.h>

#include "icmp_parse.h"
#include "pkt.h"

#define MAXPKT 512

static const uint8_t ME[4] = { 198, 18, 1, 10 };
static const uint8_t ROUTER[4] = { 198, 18, 10, 2 };
static const uint8_t TARGET[4] = { 198, 18, 100, 10 };

static void
put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/* An outer IPv4 header of 'total' bytes from 'src' to us. */
static void
ip4(uint8_t *b, size_t total, const uint8_t *src, uint8_t ttl)
{
	memset(b, 0, 20);
	b[0] = 0x45;
	put16(b + 2, (uint16_t)total);
	b[8] = ttl;
	b[9] = IPPROTO_ICMP;
	memcpy(b + 12, src, 4);
	memcpy(b + 16, ME, 4);
}

/* One of our probes to the target, as the router would quote it. */
static size_t
probe(uint8_t proto, uint8_t *b)
{
	struct pkt_probe p;

	memset(&p, 0, sizeof(p));
	p.src.af = p.dst.af = 4;
	memcpy(p.src.b, ME, 4);
	memcpy(p.dst.b, TARGET, 4);
	p.ttl = 1; /* as it arrived where it expired */
	p.ipid = 0x1234;
	p.icmp_id = 0xbeef;
	p.icmp_seq = 7;
	p.sport = 49155;
	p.dport = 33435;
	p.tcp_seq = 0xdeadbeef;
	p.cksum = proto == IPPROTO_ICMP ? 3 : proto == IPPROTO_UDP ? 42 : -1;
	if (proto == IPPROTO_ICMP)
		return pkt_build_icmp_echo(&p, b, MAXPKT);
	if (proto == IPPROTO_UDP)
		return pkt_build_udp(&p, b, MAXPKT);
	return pkt_build_tcp_syn(&p, b, MAXPKT);
}

/*
 * An ICMP error of 'type'/'code' from ROUTER quoting 'qlen' bytes of a
 * probe of 'proto'.  'lenbyte' >= 0 sets the RFC 4884 length (and pads the
 * quote to it); 'ext' appends an extension structure with one MPLS label
 * at offset 128 (or after the padded quote).
 */
static size_t
error_pkt(uint8_t *b, uint8_t type, uint8_t code, uint8_t proto, size_t qlen,
    int lenbyte, int ext)
{
	uint8_t q[MAXPKT];
	size_t plen = probe(proto, q), body, total;
	uint8_t *icmp = b + 20, *e;

	if (qlen > plen)
		qlen = plen;
	memset(b, 0, MAXPKT);
	icmp[0] = type;
	icmp[1] = code;
	memcpy(icmp + 8, q, qlen);
	body = qlen;
	if (lenbyte > 0) {
		icmp[type == ICMP_T_PARAMPROB ? 4 : 5] = (uint8_t)lenbyte;
		body = (size_t)lenbyte * 4;
	} else if (ext)
		body = 128;
	if (ext) {
		e = icmp + 8 + body;
		e[0] = 0x20;     /* version 2 */
		put16(e + 4, 8); /* object length */
		e[6] = 1;        /* class: MPLS label stack */
		e[7] = 1;        /* c-type: incoming stack */
		/* label 16004, exp 5, bottom of stack, TTL 1 */
		e[8] = (uint8_t)(16004 >> 12);
		e[9] = (uint8_t)(16004 >> 4);
		e[10] = (uint8_t)((16004 & 0xf) << 4 | 5 << 1 | 1);
		e[11] = 1;
		body += 12;
	}
	total = 20 + 8 + body;
	ip4(b, total, ROUTER, 254);
	return total;
}

static size_t
echo_reply(uint8_t *b)
{
	memset(b, 0, 64);
	ip4(b, 20 + 8 + 16, TARGET, 58);
	b[20] = ICMP_T_ECHOREPLY;
	put16(b + 24, 0xbeef);
	put16(b + 26, 9);
	return 20 + 8 + 16;
}

struct icmp_case {
	const char *name;
	size_t (*build)(uint8_t *b);
	size_t cut; /* bytes removed from the end (a short read) */
	enum icmp_parse_rc rc;
	uint8_t type;
	uint8_t q_proto; /* 0: no quote expected */
	size_t nmpls;
};

static size_t
b_echo(uint8_t *b)
{
	return echo_reply(b);
}

static size_t
b_timx_icmp(uint8_t *b)
{
	return error_pkt(b, ICMP_T_TIMXCEED, 0, IPPROTO_ICMP, 28, 0, 0);
}

static size_t
b_timx_udp(uint8_t *b)
{
	return error_pkt(b, ICMP_T_TIMXCEED, 0, IPPROTO_UDP, 28, 0, 0);
}

static size_t
b_unreach_tcp(uint8_t *b)
{
	return error_pkt(b, ICMP_T_UNREACH, 1, IPPROTO_TCP, 28, 0, 0);
}

static size_t
b_quote_short(uint8_t *b)
{
	/* IP header and only 4 bytes of the probe's header (RFC 792: 8) */
	return error_pkt(b, ICMP_T_TIMXCEED, 0, IPPROTO_UDP, 24, 0, 0);
}

static size_t
b_quote_noip(uint8_t *b)
{
	return error_pkt(b, ICMP_T_TIMXCEED, 0, IPPROTO_UDP, 12, 0, 0);
}

static size_t
b_rfc4884_mpls(uint8_t *b)
{
	return error_pkt(b, ICMP_T_TIMXCEED, 0, IPPROTO_ICMP, 50, 32, 1);
}

static size_t
b_pre4884_mpls(uint8_t *b)
{
	return error_pkt(b, ICMP_T_TIMXCEED, 0, IPPROTO_UDP, 50, 0, 1);
}

static size_t
b_rfc4884_paramprob(uint8_t *b)
{
	return error_pkt(b, ICMP_T_PARAMPROB, 0, IPPROTO_UDP, 50, 32, 1);
}

static size_t
b_rfc4884_too_long(uint8_t *b)
{
	size_t n = error_pkt(b, ICMP_T_TIMXCEED, 0, IPPROTO_UDP, 28, 0, 0);

	b[20 + 5] = 200; /* 800 bytes claimed */
	return n;
}

static size_t
b_ext_bad_object(uint8_t *b)
{
	size_t n = error_pkt(b, ICMP_T_TIMXCEED, 0, IPPROTO_UDP, 50, 32, 1);

	put16(b + 20 + 8 + 128 + 4, 400); /* object longer than the packet */
	return n;
}

static size_t
b_echo_request(uint8_t *b)
{
	size_t n = echo_reply(b);

	b[20] = 8;
	return n;
}

static size_t
b_not_icmp(uint8_t *b)
{
	size_t n = echo_reply(b);

	b[9] = IPPROTO_UDP;
	return n;
}

static size_t
b_bad_ihl(uint8_t *b)
{
	size_t n = echo_reply(b);

	b[0] = 0x43;
	return n;
}

static size_t
b_garbage(uint8_t *b)
{
	size_t i;

	for (i = 0; i < 64; i++)
		b[i] = (uint8_t)(i * 37 + 11);
	return 64;
}

static size_t
b_tiny(uint8_t *b)
{
	b[0] = 0x45;
	return 7;
}

static const struct icmp_case cases[] = {
	{ "echo reply", b_echo, 0, ICMP_PARSE_OK, ICMP_T_ECHOREPLY, 0, 0 },
	{ "time exceeded quoting ICMP", b_timx_icmp, 0, ICMP_PARSE_OK,
	    ICMP_T_TIMXCEED, IPPROTO_ICMP, 0 },
	{ "time exceeded quoting UDP", b_timx_udp, 0, ICMP_PARSE_OK,
	    ICMP_T_TIMXCEED, IPPROTO_UDP, 0 },
	{ "host unreachable quoting TCP", b_unreach_tcp, 0, ICMP_PARSE_OK,
	    ICMP_T_UNREACH, IPPROTO_TCP, 0 },
	{ "quote shorter than 8 bytes of transport", b_quote_short, 0,
	    ICMP_PARSE_TRUNCATED, 0, 0, 0 },
	{ "quote without a whole IP header", b_quote_noip, 0,
	    ICMP_PARSE_TRUNCATED, 0, 0, 0 },
	{ "RFC 4884 with MPLS", b_rfc4884_mpls, 0, ICMP_PARSE_OK,
	    ICMP_T_TIMXCEED, IPPROTO_ICMP, 1 },
	{ "pre-RFC 4884 MPLS at 128", b_pre4884_mpls, 0, ICMP_PARSE_OK,
	    ICMP_T_TIMXCEED, IPPROTO_UDP, 1 },
	{ "RFC 4884 parameter problem", b_rfc4884_paramprob, 0, ICMP_PARSE_OK,
	    ICMP_T_PARAMPROB, IPPROTO_UDP, 1 },
	{ "RFC 4884 length beyond the packet", b_rfc4884_too_long, 0,
	    ICMP_PARSE_TRUNCATED, 0, 0, 0 },
	{ "extension object too long: quote kept", b_ext_bad_object, 0,
	    ICMP_PARSE_OK, ICMP_T_TIMXCEED, IPPROTO_UDP, 0 },
	{ "short read of an error", b_timx_udp, 10, ICMP_PARSE_TRUNCATED, 0, 0,
	    0 },
	{ "echo request (not ours to handle)", b_echo_request, 0,
	    ICMP_PARSE_OTHER, 0, 0, 0 },
	{ "not ICMP", b_not_icmp, 0, ICMP_PARSE_BAD, 0, 0, 0 },
	{ "IP header length 12", b_bad_ihl, 0, ICMP_PARSE_BAD, 0, 0, 0 },
	{ "garbage", b_garbage, 0, ICMP_PARSE_BAD, 0, 0, 0 },
	{ "7 bytes", b_tiny, 0, ICMP_PARSE_TRUNCATED, 0, 0, 0 },
};

static void
test_icmp_table(void **state)
{
	uint8_t b[MAXPKT];
	struct icmp_reply r;
	struct errbuf eb;
	size_t i, n;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct icmp_case *c = &cases[i];
		enum icmp_parse_rc rc;

		memset(b, 0, sizeof(b));
		n = c->build(b) - c->cut;
		errbuf_clear(&eb);
		rc = icmp_parse4(b, n, &r, &eb);
		if (rc != c->rc)
			fail_msg("%s: rc %d, want %d (%s)", c->name, rc, c->rc,
			    eb.msg);
		if (rc != ICMP_PARSE_OK) {
			assert_true(eb.msg[0] != '\0');
			continue;
		}
		if (r.type != c->type)
			fail_msg("%s: type %d", c->name, r.type);
		if (c->q_proto != 0 &&
		    (!r.has_quote || r.q_proto != c->q_proto))
			fail_msg("%s: quote proto %d", c->name, r.q_proto);
		if (r.nmpls != c->nmpls)
			fail_msg("%s: %zu MPLS labels, want %zu", c->name,
			    r.nmpls, c->nmpls);
	}
}

/* The fields that identify our probe come out of each kind of quote. */
static void
test_icmp_quote_fields(void **state)
{
	uint8_t b[MAXPKT];
	struct icmp_reply r;
	struct errbuf eb;

	(void)state;
	assert_int_equal(icmp_parse4(b, b_timx_icmp(b), &r, &eb), 0);
	assert_memory_equal(r.from.b, ROUTER, 4);
	assert_memory_equal(r.q_dst.b, TARGET, 4);
	assert_int_equal(r.q_icmp_id, 0xbeef);
	assert_int_equal(r.q_icmp_seq, 7);
	assert_int_equal(r.q_cksum, 3);
	assert_int_equal(r.q_ttl, 1);
	assert_int_equal(r.ttl, 254);

	assert_int_equal(icmp_parse4(b, b_timx_udp(b), &r, &eb), 0);
	assert_int_equal(r.q_sport, 49155);
	assert_int_equal(r.q_dport, 33435);
	assert_int_equal(r.q_cksum, 42);
	assert_int_equal(r.q_ipid, 0x1234);

	assert_int_equal(icmp_parse4(b, b_unreach_tcp(b), &r, &eb), 0);
	assert_int_equal(r.code, 1);
	assert_int_equal(r.q_tcp_seq, 0xdeadbeef);

	assert_int_equal(icmp_parse4(b, b_echo(b), &r, &eb), 0);
	assert_memory_equal(r.from.b, TARGET, 4);
	assert_int_equal(r.echo_id, 0xbeef);
	assert_int_equal(r.echo_seq, 9);
	assert_int_equal(r.has_quote, 0);
}

static void
test_icmp_mpls_fields(void **state)
{
	uint8_t b[MAXPKT];
	struct icmp_reply r;
	struct errbuf eb;

	(void)state;
	assert_int_equal(icmp_parse4(b, b_rfc4884_mpls(b), &r, &eb), 0);
	assert_int_equal(r.nmpls, 1);
	assert_int_equal(r.mpls[0].label, 16004);
	assert_int_equal(r.mpls[0].exp, 5);
	assert_int_equal(r.mpls[0].s, 1);
	assert_int_equal(r.mpls[0].ttl, 1);
	/* The quote still identifies the probe. */
	assert_int_equal(r.q_icmp_seq, 7);
}

/* ---------------------------------------------------------------------
 * ICMPv6 (RFC 4443), as a raw ICMPv6 socket delivers it: no IPv6 header.
 * --------------------------------------------------------------------- */

static const uint8_t ME6[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 1, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0x10 };
static const uint8_t TARGET6[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 0x64, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0x10 };

/* One of our IPv6 probes, as a router would quote it. */
static size_t
probe6(uint8_t proto, uint8_t *b)
{
	struct pkt_probe p;

	memset(&p, 0, sizeof(p));
	p.src.af = p.dst.af = 6;
	memcpy(p.src.b, ME6, 16);
	memcpy(p.dst.b, TARGET6, 16);
	p.ttl = 1;
	p.flow = 5;
	p.icmp_id = 0xbeef;
	p.icmp_seq = 7;
	p.sport = 49157;
	p.dport = 33435;
	p.tcp_seq = 0xdeadbeef;
	p.cksum = proto == IPPROTO_UDP ? 42 : 5;
	if (proto == IPPROTO_ICMPV6)
		return pkt_build_icmp_echo(&p, b, MAXPKT);
	if (proto == IPPROTO_UDP)
		return pkt_build_udp(&p, b, MAXPKT);
	return pkt_build_tcp_syn(&p, b, MAXPKT);
}

/*
 * An ICMPv6 error quoting 'qlen' bytes of a probe; 'words' > 0 sets the
 * RFC 4884 length (64-bit words) and appends an MPLS extension.
 */
static size_t
error6(uint8_t *b, uint8_t type, uint8_t code, uint8_t proto, size_t qlen,
    int words)
{
	uint8_t q[MAXPKT], *e;
	size_t plen = probe6(proto, q), body;

	if (qlen > plen)
		qlen = plen;
	memset(b, 0, MAXPKT);
	b[0] = type;
	b[1] = code;
	if (type == ICMP6_T_TOOBIG)
		b[6] = 0x05, b[7] = 0x00; /* MTU 1280 */
	memcpy(b + 8, q, qlen);
	body = qlen;
	if (words > 0) {
		b[4] = (uint8_t)words;
		body = (size_t)words * 8;
		e = b + 8 + body;
		e[0] = 0x20;
		put16(e + 4, 8);
		e[6] = 1;
		e[7] = 1;
		e[8] = 0x01;  /* label 4096 */
		e[10] = 0x01; /* bottom of stack */
		e[11] = 2;
		body += 12;
	}
	return 8 + body;
}

struct icmp6_case {
	const char *name;
	uint8_t type, code, proto;
	size_t qlen;
	int words;
	enum icmp_parse_rc rc;
	uint8_t want_type, want_code; /* in ICMPv4 terms */
	size_t nmpls;
};

static const struct icmp6_case cases6[] = {
	{ "time exceeded quoting ICMPv6", ICMP6_T_TIMXCEED, 0, IPPROTO_ICMPV6,
	    48, 0, ICMP_PARSE_OK, ICMP_T_TIMXCEED, 0, 0 },
	{ "port unreachable quoting UDP", ICMP6_T_UNREACH, 4, IPPROTO_UDP, 48,
	    0, ICMP_PARSE_OK, ICMP_T_UNREACH, 3, 0 },
	{ "address unreachable quoting TCP", ICMP6_T_UNREACH, 3, IPPROTO_TCP,
	    48, 0, ICMP_PARSE_OK, ICMP_T_UNREACH, 1, 0 },
	{ "no route", ICMP6_T_UNREACH, 0, IPPROTO_UDP, 48, 0, ICMP_PARSE_OK,
	    ICMP_T_UNREACH, 0, 0 },
	{ "admin prohibited", ICMP6_T_UNREACH, 1, IPPROTO_UDP, 48, 0,
	    ICMP_PARSE_OK, ICMP_T_UNREACH, 13, 0 },
	{ "packet too big", ICMP6_T_TOOBIG, 0, IPPROTO_UDP, 48, 0,
	    ICMP_PARSE_OK, ICMP_T_UNREACH, ICMP_C_NEEDFRAG, 0 },
	{ "RFC 4884 with MPLS (16 words)", ICMP6_T_TIMXCEED, 0, IPPROTO_UDP, 48,
	    16, ICMP_PARSE_OK, ICMP_T_TIMXCEED, 0, 1 },
	{ "quote cut inside the IPv6 header", ICMP6_T_TIMXCEED, 0, IPPROTO_UDP,
	    30, 0, ICMP_PARSE_TRUNCATED, 0, 0, 0 },
	{ "quote without 8 transport bytes", ICMP6_T_TIMXCEED, 0, IPPROTO_UDP,
	    44, 0, ICMP_PARSE_TRUNCATED, 0, 0, 0 },
	{ "neighbour solicitation", 135, 0, IPPROTO_UDP, 48, 0,
	    ICMP_PARSE_OTHER, 0, 0, 0 },
};

static void
test_icmp6_table(void **state)
{
	uint8_t b[MAXPKT];
	struct icmp_reply r;
	struct errbuf eb;
	struct addr from;
	size_t i, n;

	(void)state;
	memset(&from, 0, sizeof(from));
	from.af = 6;
	from.b[15] = 1;
	for (i = 0; i < sizeof(cases6) / sizeof(cases6[0]); i++) {
		const struct icmp6_case *c = &cases6[i];
		enum icmp_parse_rc rc;

		n = error6(b, c->type, c->code, c->proto, c->qlen, c->words);
		errbuf_clear(&eb);
		rc = icmp_parse6(b, n, &from, 61, &r, &eb);
		if (rc != c->rc)
			fail_msg("%s: rc %d, want %d (%s)", c->name, rc, c->rc,
			    eb.msg);
		if (rc != ICMP_PARSE_OK)
			continue;
		if (r.type != c->want_type || r.code != c->want_code)
			fail_msg("%s: %d/%d", c->name, r.type, r.code);
		if (!r.has_quote || r.q_proto != c->proto)
			fail_msg("%s: quote proto %d", c->name, r.q_proto);
		if (r.nmpls != c->nmpls)
			fail_msg("%s: %zu labels", c->name, r.nmpls);
		assert_int_equal(r.q_dst.af, 6);
		assert_memory_equal(r.q_dst.b, TARGET6, 16);
		assert_int_equal(r.q_ttl, 1);
		assert_int_equal(r.ttl, 61);
	}
	n = error6(b, ICMP6_T_TOOBIG, 0, IPPROTO_UDP, 48, 0);
	assert_int_equal(icmp_parse6(b, n, &from, 61, &r, &eb), 0);
	assert_int_equal(r.mtu, 1280);
	n = error6(b, ICMP6_T_UNREACH, 4, IPPROTO_UDP, 48, 0);
	assert_int_equal(icmp_parse6(b, n, &from, 61, &r, &eb), 0);
	assert_int_equal(r.q_sport, 49157);
	assert_int_equal(r.q_cksum, 42);
	n = error6(b, ICMP6_T_TIMXCEED, 0, IPPROTO_ICMPV6, 48, 0);
	assert_int_equal(icmp_parse6(b, n, &from, 61, &r, &eb), 0);
	assert_int_equal(r.q_icmp_id, 0xbeef);
	assert_int_equal(r.q_icmp_seq, 7);
	/* An echo reply, and something too short to be ICMPv6. */
	memset(b, 0, 16);
	b[0] = ICMP6_T_ECHOREPLY;
	put16(b + 4, 0xbeef);
	put16(b + 6, 9);
	assert_int_equal(icmp_parse6(b, 16, &from, 64, &r, &eb), 0);
	assert_int_equal(r.type, ICMP_T_ECHOREPLY);
	assert_int_equal(r.echo_seq, 9);
	assert_int_equal(
	    icmp_parse6(b, 7, &from, 64, &r, &eb), ICMP_PARSE_TRUNCATED);
	/* RFC 4884 length beyond the message. */
	n = error6(b, ICMP6_T_TIMXCEED, 0, IPPROTO_UDP, 48, 0);
	b[4] = 40;
	assert_int_equal(
	    icmp_parse6(b, n, &from, 64, &r, &eb), ICMP_PARSE_TRUNCATED);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_icmp_table),
		cmocka_unit_test(test_icmp_quote_fields),
		cmocka_unit_test(test_icmp_mpls_fields),
		cmocka_unit_test(test_icmp6_table),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
