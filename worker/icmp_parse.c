/*
 * icmp_parse.c --
 *	Parsing received ICMPv4 (see icmp_parse.h).
 *
 *	An ICMP error (RFC 792) is: 8 bytes of ICMP header, then the IP
 *	header of the datagram that caused it and at least 8 bytes of its
 *	payload -- enough for UDP/TCP ports, the TCP sequence number, or the
 *	ICMP echo id/seq/checksum that identify our probe.
 *
 *	RFC 4884 lets time exceeded, destination unreachable and parameter
 *	problem carry an extension structure after the quote: the "length"
 *	byte of the ICMP header gives the quote's length in 32-bit words
 *	(padded to at least 128 bytes), then comes a 4-byte extension header
 *	(version 2, checksum) and objects (length, class, c-type).  MPLS
 *	routers report the label stack the probe carried as class 1, c-type
 *	1 (RFC 4950).  Routers built before RFC 4884 put the extension right
 *	after a 128-byte quote and leave the length byte zero (RFC 4884
 *	section 5.5 describes that compatibility case), which we accept too.
 */
#include <string.h>

#include <netinet/in.h>

#include "icmp_parse.h"

#define IP4_HLEN    20
#define IP6_HLEN    40
#define ICMP_HLEN   8
#define QUOTE_MIN   8   /* transport bytes a quote must hold (RFC 792) */
#define EXT_OFFSET  128 /* RFC 4884: original datagram field, bytes */
#define EXT_VERSION 2
#define EXT_HLEN    4
#define OBJ_HLEN    4
#define MPLS_CLASS  1
#define MPLS_CTYPE  1

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

static void
get_addr4(const uint8_t *p, struct addr *a)
{
	memset(a, 0, sizeof(*a));
	a->af = 4;
	memcpy(a->b, p, 4);
}

static void
get_addr6(const uint8_t *p, struct addr *a)
{
	memset(a, 0, sizeof(*a));
	a->af = 6;
	memcpy(a->b, p, 16);
}

/*
 * Walk the objects of an extension structure of 'len' bytes at 'ext',
 * keeping the MPLS label stack entries (RFC 4950 section 7).  A malformed
 * structure is ignored from the first bad object on.
 */
static void
parse_extensions(const uint8_t *ext, size_t len, struct icmp_reply *out)
{
	size_t off, olen, i;

	if (len < EXT_HLEN || (ext[0] >> 4) != EXT_VERSION)
		return;
	for (off = EXT_HLEN; off + OBJ_HLEN <= len; off += olen) {
		olen = get16(ext + off);
		if (olen < OBJ_HLEN || olen > len - off)
			return;
		if (ext[off + 2] != MPLS_CLASS || ext[off + 3] != MPLS_CTYPE)
			continue;
		for (i = off + OBJ_HLEN; i + 4 <= off + olen; i += 4) {
			uint32_t e = get32(ext + i);
			struct result_mpls *m;

			if (out->nmpls == RESULT_MAX_MPLS)
				return;
			m = &out->mpls[out->nmpls++];
			m->label = e >> 12;
			m->exp = (uint8_t)((e >> 9) & 7);
			m->s = (uint8_t)((e >> 8) & 1);
			m->ttl = (uint8_t)(e & 0xff);
		}
	}
}

/* The identifying fields of the quoted transport header 't' (8 bytes). */
static void
quote_transport(const uint8_t *t, struct icmp_reply *out)
{
	switch (out->q_proto) {
	case IPPROTO_ICMP:
	case IPPROTO_ICMPV6:
		out->q_cksum = get16(t + 2);
		out->q_icmp_id = get16(t + 4);
		out->q_icmp_seq = get16(t + 6);
		break;
	case IPPROTO_UDP:
		out->q_sport = get16(t);
		out->q_dport = get16(t + 2);
		out->q_cksum = get16(t + 6);
		break;
	case IPPROTO_TCP:
		out->q_sport = get16(t);
		out->q_dport = get16(t + 2);
		out->q_tcp_seq = get32(t + 4);
		break;
	default:
		break;
	}
}

/* An IPv4 quote: the probe's IP header and 8 bytes of its payload. */
static enum icmp_parse_rc
parse_quote4(
    const uint8_t *q, size_t qlen, struct icmp_reply *out, struct errbuf *eb)
{
	size_t ihl;

	if (qlen < IP4_HLEN) {
		errbuf_set(
		    eb, "quote: %zu bytes, no room for an IP header", qlen);
		return ICMP_PARSE_TRUNCATED;
	}
	ihl = (size_t)(q[0] & 0x0f) * 4;
	if (ihl < IP4_HLEN) {
		errbuf_set(eb, "quote: IP header length %zu", ihl);
		return ICMP_PARSE_BAD;
	}
	if (qlen < ihl + QUOTE_MIN) {
		errbuf_set(
		    eb, "quote: %zu bytes, need %zu", qlen, ihl + QUOTE_MIN);
		return ICMP_PARSE_TRUNCATED;
	}
	out->has_quote = 1;
	out->q_proto = q[9];
	out->q_ttl = q[8];
	out->q_ipid = get16(q + 4);
	get_addr4(q + 12, &out->q_src);
	get_addr4(q + 16, &out->q_dst);
	quote_transport(q + ihl, out);
	return ICMP_PARSE_OK;
}

/*
 * An IPv6 quote: the 40-byte header, then at least 8 bytes of the probe's
 * transport header (our probes carry no extension headers; a quote with
 * one is kept with its next-header value and matches nothing).
 */
static enum icmp_parse_rc
parse_quote6(
    const uint8_t *q, size_t qlen, struct icmp_reply *out, struct errbuf *eb)
{
	if (qlen < IP6_HLEN + QUOTE_MIN) {
		errbuf_set(eb, "quote: %zu bytes, need %d", qlen,
		    IP6_HLEN + QUOTE_MIN);
		return ICMP_PARSE_TRUNCATED;
	}
	out->has_quote = 1;
	out->q_proto = q[6];
	out->q_ttl = q[7];
	get_addr6(q + 8, &out->q_src);
	get_addr6(q + 24, &out->q_dst);
	quote_transport(q + IP6_HLEN, out);
	return ICMP_PARSE_OK;
}

/*
 * The quoted datagram of an error: 'q' holds 'qlen' bytes (the quote
 * only, without extensions).  ICMP quotes IPv4 and ICMPv6 quotes IPv6
 * ('af'); anything else is malformed.
 */
static enum icmp_parse_rc
parse_quote(int af, const uint8_t *q, size_t qlen, struct icmp_reply *out,
    struct errbuf *eb)
{
	if (qlen < 1) {
		errbuf_set(eb, "quote: empty");
		return ICMP_PARSE_TRUNCATED;
	}
	if ((q[0] >> 4) != af) {
		errbuf_set(eb, "quote: IP version %d in ICMP%s", q[0] >> 4,
		    af == 6 ? "v6" : "");
		return ICMP_PARSE_BAD;
	}
	return af == 6 ? parse_quote6(q, qlen, out, eb)
		       : parse_quote4(q, qlen, out, eb);
}

/*
 * Split an error's body into quote and extensions (RFC 4884).  'qlen' is
 * the quote's length from the length attribute, in bytes (0: none).
 */
static enum icmp_parse_rc
parse_error(int af, const uint8_t *icmp, size_t ilen, size_t qlen,
    struct icmp_reply *out, struct errbuf *eb)
{
	const uint8_t *body = icmp + ICMP_HLEN;
	size_t blen = ilen - ICMP_HLEN;
	enum icmp_parse_rc rc;

	if (qlen != 0 && qlen <= blen) {
		if ((rc = parse_quote(af, body, qlen, out, eb)) !=
		    ICMP_PARSE_OK)
			return rc;
		/* RFC 4884 5.1: a compliant quote is at least 128 bytes. */
		if (qlen >= EXT_OFFSET)
			parse_extensions(body + qlen, blen - qlen, out);
		return ICMP_PARSE_OK;
	}
	if (qlen != 0) {
		errbuf_set(
		    eb, "RFC 4884 length %zu beyond the %zu bytes", qlen, blen);
		return ICMP_PARSE_TRUNCATED;
	}
	/*
	 * No length attribute.  A pre-RFC 4884 MPLS router may still have
	 * appended a version 2 extension after exactly 128 bytes (RFC 4884
	 * 5.5); if one is there, the quote ends where it starts.
	 */
	if (blen > EXT_OFFSET + EXT_HLEN &&
	    (body[EXT_OFFSET] >> 4) == EXT_VERSION) {
		if ((rc = parse_quote(af, body, EXT_OFFSET, out, eb)) !=
		    ICMP_PARSE_OK)
			return rc;
		parse_extensions(body + EXT_OFFSET, blen - EXT_OFFSET, out);
		return ICMP_PARSE_OK;
	}
	return parse_quote(af, body, blen, out, eb);
}

enum icmp_parse_rc
icmp_parse4(
    const uint8_t *pkt, size_t len, struct icmp_reply *out, struct errbuf *eb)
{
	const uint8_t *icmp;
	size_t ihl, total, ilen;

	memset(out, 0, sizeof(*out));
	out->mtu = -1;
	out->q_ttl = -1;
	if (len < IP4_HLEN) {
		errbuf_set(eb, "%zu bytes, no room for an IP header", len);
		return ICMP_PARSE_TRUNCATED;
	}
	if ((pkt[0] >> 4) != 4 || pkt[9] != IPPROTO_ICMP) {
		errbuf_set(eb, "not IPv4 ICMP");
		return ICMP_PARSE_BAD;
	}
	ihl = (size_t)(pkt[0] & 0x0f) * 4;
	total = get16(pkt + 2);
	if (ihl < IP4_HLEN || total < ihl) {
		errbuf_set(eb, "IP header length %zu, total %zu", ihl, total);
		return ICMP_PARSE_BAD;
	}
	if (total > len) {
		errbuf_set(
		    eb, "IP total length %zu, %zu bytes received", total, len);
		return ICMP_PARSE_TRUNCATED;
	}
	if (total < ihl + ICMP_HLEN) {
		errbuf_set(eb, "%zu bytes, no room for an ICMP header", total);
		return ICMP_PARSE_TRUNCATED;
	}
	icmp = pkt + ihl;
	ilen = total - ihl;
	get_addr4(pkt + 12, &out->from);
	get_addr4(pkt + 16, &out->to);
	out->ttl = pkt[8];
	out->size = ilen;
	out->type = icmp[0];
	out->code = icmp[1];
	switch (out->type) {
	case ICMP_T_ECHOREPLY:
		out->echo_id = get16(icmp + 4);
		out->echo_seq = get16(icmp + 6);
		return ICMP_PARSE_OK;
	case ICMP_T_UNREACH:
	case ICMP_T_TIMXCEED:
	case ICMP_T_PARAMPROB:
		if (out->type == ICMP_T_UNREACH && out->code == ICMP_C_NEEDFRAG)
			out->mtu = get16(icmp + 6);
		/* RFC 4884 length: 32-bit words, byte 5 (byte 4 for 12). */
		return parse_error(4, icmp, ilen,
		    (size_t)(out->type == ICMP_T_PARAMPROB ? icmp[4]
							   : icmp[5]) *
			4,
		    out, eb);
	default:
		errbuf_set(eb, "ICMP type %d not handled", out->type);
		return ICMP_PARSE_OTHER;
	}
}

/*
 * ICMPv6 destination unreachable codes (RFC 4443 3.1) as ICMPv4 codes
 * of the same meaning (RFC 792, RFC 1812), which is how results report
 * them (Atlas "err" letters).
 */
static uint8_t
unreach6_code(uint8_t code)
{
	switch (code) {
	case 0:           /* no route */
	case 2:           /* beyond the scope of the source address */
		return 0; /* network unreachable */
	case 3:           /* address unreachable */
		return 1; /* host unreachable */
	case 4:           /* port unreachable */
		return 3;
	default:           /* 1 admin prohibited, 5 policy, 6 reject route */
		return 13; /* communication administratively prohibited */
	}
}

enum icmp_parse_rc
icmp_parse6(const uint8_t *icmp, size_t len, const struct addr *from, int hlim,
    struct icmp_reply *out, struct errbuf *eb)
{
	memset(out, 0, sizeof(*out));
	out->mtu = -1;
	out->q_ttl = -1;
	if (len < ICMP_HLEN) {
		errbuf_set(eb, "%zu bytes, no room for an ICMPv6 header", len);
		return ICMP_PARSE_TRUNCATED;
	}
	out->from = *from;
	out->ttl = hlim;
	out->size = len;
	switch (icmp[0]) {
	case ICMP6_T_ECHOREPLY:
		out->type = ICMP_T_ECHOREPLY;
		out->echo_id = get16(icmp + 4);
		out->echo_seq = get16(icmp + 6);
		return ICMP_PARSE_OK;
	case ICMP6_T_UNREACH:
		out->type = ICMP_T_UNREACH;
		out->code = unreach6_code(icmp[1]);
		/* RFC 4884 length: 64-bit words, byte 4. */
		return parse_error(6, icmp, len, (size_t)icmp[4] * 8, out, eb);
	case ICMP6_T_TOOBIG:
		out->type = ICMP_T_UNREACH;
		out->code = ICMP_C_NEEDFRAG;
		out->mtu =
		    get32(icmp + 4) > 65535 ? 65535 : (int)get32(icmp + 4);
		return parse_error(6, icmp, len, 0, out, eb);
	case ICMP6_T_TIMXCEED:
		out->type = ICMP_T_TIMXCEED;
		out->code = icmp[1];
		return parse_error(6, icmp, len, (size_t)icmp[4] * 8, out, eb);
	case ICMP6_T_PARAMPROB:
		out->type = ICMP_T_PARAMPROB;
		out->code = icmp[1];
		return parse_error(6, icmp, len, 0, out, eb);
	default:
		errbuf_set(eb, "ICMPv6 type %d not handled", icmp[0]);
		return ICMP_PARSE_OTHER;
	}
}
