/*
 * pkt.c --
 *	Probe packets and the Internet checksum (see pkt.h).
 *
 *	Paris traceroute (Augustin et al., IMC 2006) keeps every field a
 *	per-flow load balancer may hash constant across the probes of one
 *	trace.  For ICMP that includes the checksum, which sits in the first
 *	four bytes of the ICMP header that some routers hash; so the probe
 *	number goes in the sequence field and a payload word compensates it.
 *	For UDP the ports are the flow and the checksum carries the probe
 *	number, made valid by the same payload word.
 */
#include <string.h>

#include <arpa/inet.h>

#include "pkt.h"

#define ICMP_ECHO_REQUEST  8
#define ICMP6_ECHO_REQUEST 128
#define UDP_HLEN           8
#define TCP_HLEN           20
#define ICMP_HLEN          8

uint32_t
pkt_cksum_add(uint32_t sum, const void *data, size_t len)
{
	const uint8_t *p = data;

	while (len > 1) {
		sum += (uint32_t)p[0] << 8 | p[1];
		p += 2;
		len -= 2;
	}
	if (len == 1)
		sum += (uint32_t)p[0] << 8;
	return sum;
}

uint16_t
pkt_cksum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

static void
put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void
put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)(v >> 16));
	put16(p + 2, (uint16_t)v);
}

static uint16_t
get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t
get32(const uint8_t *p)
{
	return (uint32_t)get16(p) << 16 | get16(p + 2);
}

/* The IPv4 header (RFC 791); checksum and total length left to Linux. */
static void
ip4_header(const struct pkt_probe *p, uint8_t proto, size_t total, uint8_t *b)
{
	memset(b, 0, PKT_IP4_HLEN);
	b[0] = 0x45;
	put16(b + 2, (uint16_t)total);
	put16(b + 4, p->ipid);
	b[8] = (uint8_t)p->ttl;
	b[9] = proto;
	memcpy(b + 12, p->src.b, 4);
	memcpy(b + 16, p->dst.b, 4);
}

/*
 * The IPv6 header (RFC 8200).  The flow label is part of the flow that
 * load balancers hash (RFC 6438), so a Paris trace keeps it constant.
 */
static void
ip6_header(const struct pkt_probe *p, uint8_t proto, size_t total, uint8_t *b)
{
	memset(b, 0, PKT_IP6_HLEN);
	put32(b, 6U << 28 | (p->flow & 0xfffff));
	put16(b + 4, (uint16_t)(total - PKT_IP6_HLEN));
	b[6] = proto;
	b[7] = (uint8_t)p->ttl;
	memcpy(b + 8, p->src.b, 16);
	memcpy(b + 24, p->dst.b, 16);
}

/* The IP header for 'p''s family; returns its length. */
static size_t
ip_header(const struct pkt_probe *p, uint8_t proto, size_t total, uint8_t *b)
{
	if (p->dst.af == 6) {
		ip6_header(p, proto, total, b);
		return PKT_IP6_HLEN;
	}
	ip4_header(p, proto, total, b);
	return PKT_IP4_HLEN;
}

static size_t
ip_hlen(const struct pkt_probe *p)
{
	return p->dst.af == 6 ? PKT_IP6_HLEN : PKT_IP4_HLEN;
}

/*
 * The pseudo-header sum of UDP, TCP (RFC 768, RFC 9293 3.1) and, over
 * IPv6, ICMPv6 (RFC 8200 8.1, RFC 4443 2.3).
 */
static uint32_t
pseudo_sum(const struct pkt_probe *p, uint8_t proto, size_t len)
{
	uint8_t ph[40];

	if (p->dst.af == 6) {
		memcpy(ph, p->src.b, 16);
		memcpy(ph + 16, p->dst.b, 16);
		put32(ph + 32, (uint32_t)len);
		put32(ph + 36, proto);
		return pkt_cksum_add(0, ph, 40);
	}
	memcpy(ph, p->src.b, 4);
	memcpy(ph + 4, p->dst.b, 4);
	ph[8] = 0;
	ph[9] = proto;
	put16(ph + 10, (uint16_t)len);
	return pkt_cksum_add(0, ph, 12);
}

/*
 * Make the checksum field hold 'want' and the packet still verify: with
 * the field set to 'want' and the adjustment word 'adj' zero, the sum over
 * everything is S; the receiver accepts when the total sums to 0xffff, so
 * adj = ~S (one's complement arithmetic, RFC 1071).
 */
static void
fix_cksum(uint32_t sum, uint8_t *adj)
{
	put16(adj, pkt_cksum_fold(sum));
}

/*
 * Layout after the transport header: a 16-bit adjustment word (zero when
 * unused) then PKT_PAYLOAD padded with a NUL to an even length so the
 * word stays aligned for the checksum.
 */
static size_t
payload_len(void)
{
	size_t n = 2 + sizeof(PKT_PAYLOAD) - 1;

	return n + (n & 1);
}

static void
put_payload(uint8_t *b)
{
	memset(b, 0, payload_len());
	memcpy(b + 2, PKT_PAYLOAD, sizeof(PKT_PAYLOAD) - 1);
}

size_t
pkt_build_icmp_echo(const struct pkt_probe *p, uint8_t *buf, size_t cap)
{
	size_t hl = ip_hlen(p), ilen = ICMP_HLEN + payload_len();
	size_t len = hl + ilen;
	uint8_t *icmp = buf + hl;
	uint32_t sum = 0;
	int v6 = p->dst.af == 6;

	if (cap < len)
		return 0;
	ip_header(p, v6 ? IPPROTO_ICMPV6 : IPPROTO_ICMP, len, buf);
	icmp[0] = v6 ? ICMP6_ECHO_REQUEST : ICMP_ECHO_REQUEST;
	icmp[1] = 0;
	put16(icmp + 4, p->icmp_id);
	put16(icmp + 6, p->icmp_seq);
	put_payload(icmp + ICMP_HLEN);
	/* ICMPv6 covers a pseudo header too; ICMPv4 does not. */
	if (v6)
		sum = pseudo_sum(p, IPPROTO_ICMPV6, ilen);
	if (p->cksum >= 0) {
		put16(icmp + 2, (uint16_t)p->cksum);
		fix_cksum(pkt_cksum_add(sum, icmp, ilen), icmp + ICMP_HLEN);
	} else {
		put16(icmp + 2, 0);
		put16(icmp + 2, pkt_cksum_fold(pkt_cksum_add(sum, icmp, ilen)));
	}
	return len;
}

size_t
pkt_build_udp(const struct pkt_probe *p, uint8_t *buf, size_t cap)
{
	size_t ulen = UDP_HLEN + payload_len();
	size_t len = ip_hlen(p) + ulen;
	uint8_t *udp = buf + ip_hlen(p);
	uint32_t sum;
	uint16_t c;

	if (cap < len)
		return 0;
	ip_header(p, IPPROTO_UDP, len, buf);
	put16(udp, p->sport);
	put16(udp + 2, p->dport);
	put16(udp + 4, (uint16_t)ulen);
	put_payload(udp + UDP_HLEN);
	if (p->cksum > 0) {
		/* 0 would mean "no checksum" (RFC 768): never asked for. */
		put16(udp + 6, (uint16_t)p->cksum);
		sum =
		    pkt_cksum_add(pseudo_sum(p, IPPROTO_UDP, ulen), udp, ulen);
		fix_cksum(sum, udp + UDP_HLEN);
	} else {
		put16(udp + 6, 0);
		sum =
		    pkt_cksum_add(pseudo_sum(p, IPPROTO_UDP, ulen), udp, ulen);
		c = pkt_cksum_fold(sum);
		put16(udp + 6, c == 0 ? 0xffff : c);
	}
	return len;
}

/*
 * A bare SYN with no options and no data: middleboxes drop SYNs carrying
 * data or odd options, and the sequence number already identifies the
 * probe.  (So TCP probes do not carry PKT_PAYLOAD.)
 */
size_t
pkt_build_tcp_syn(const struct pkt_probe *p, uint8_t *buf, size_t cap)
{
	size_t len = ip_hlen(p) + TCP_HLEN;
	uint8_t *tcp = buf + ip_hlen(p);
	uint32_t sum;

	if (cap < len)
		return 0;
	ip_header(p, IPPROTO_TCP, len, buf);
	memset(tcp, 0, TCP_HLEN);
	put16(tcp, p->sport);
	put16(tcp + 2, p->dport);
	put32(tcp + 4, p->tcp_seq);
	tcp[12] = (TCP_HLEN / 4) << 4;
	tcp[13] = PKT_TCP_SYN;
	put16(tcp + 14, 5840);
	sum =
	    pkt_cksum_add(pseudo_sum(p, IPPROTO_TCP, TCP_HLEN), tcp, TCP_HLEN);
	put16(tcp + 16, pkt_cksum_fold(sum));
	return len;
}

/* The TCP header fields of a segment of 'len' bytes at 'tcp'. */
static int
parse_tcp_segment(const uint8_t *tcp, size_t len, struct pkt_tcp_reply *out)
{
	if (len < TCP_HLEN)
		return -1;
	out->sport = get16(tcp);
	out->dport = get16(tcp + 2);
	out->seq = get32(tcp + 4);
	out->ack = get32(tcp + 8);
	out->flags = tcp[13];
	return 0;
}

int
pkt_parse_tcp4(const uint8_t *pkt, size_t len, struct pkt_tcp_reply *out)
{
	size_t ihl, total;

	memset(out, 0, sizeof(*out));
	if (len < PKT_IP4_HLEN || (pkt[0] >> 4) != 4 || pkt[9] != IPPROTO_TCP)
		return -1;
	ihl = (size_t)(pkt[0] & 0x0f) * 4;
	total = get16(pkt + 2);
	/* Linux may deliver total == 0 for GSO packets; trust 'len' then. */
	if (total == 0 || total > len)
		total = len;
	if (ihl < PKT_IP4_HLEN || total < ihl + TCP_HLEN)
		return -1;
	out->from.af = out->to.af = 4;
	memcpy(out->from.b, pkt + 12, 4);
	memcpy(out->to.b, pkt + 16, 4);
	out->ttl = pkt[8];
	out->size = total;
	return parse_tcp_segment(pkt + ihl, total - ihl, out);
}

int
pkt_parse_tcp6(const uint8_t *seg, size_t len, const struct addr *from,
    int hlim, struct pkt_tcp_reply *out)
{
	memset(out, 0, sizeof(*out));
	out->from = *from;
	out->ttl = hlim;
	out->size = len;
	return parse_tcp_segment(seg, len, out);
}
