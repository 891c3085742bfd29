/*
 * icmp_parse.h --
 *	Parsing what arrives on the raw ICMP and ICMPv6 sockets: echo
 *	replies, and errors (time exceeded, destination unreachable, ...)
 *	with the probe they quote (RFC 792, RFC 4443) and the RFC 4884
 *	extension structure, whose MPLS label stack objects (RFC 4950) are
 *	extracted.  Input comes from the
 *	network, so every length is checked against the bytes received; this
 *	is what tests/fuzz/fuzz_icmp.c feeds.
 */
#ifndef PINGSVC_WORKER_ICMP_PARSE_H
#define PINGSVC_WORKER_ICMP_PARSE_H

#include <stddef.h>
#include <stdint.h>

#include "addr.h"
#include "errbuf.h"
#include "result.h"

/* ICMP types we act on (RFC 792). */
#define ICMP_T_ECHOREPLY 0
#define ICMP_T_UNREACH   3
#define ICMP_T_TIMXCEED  11
#define ICMP_T_PARAMPROB 12
#define ICMP_C_PORT_UNR  3
#define ICMP_C_NEEDFRAG  4

/* ICMPv6 types (RFC 4443); icmp_parse6 reports them in ICMPv4 terms. */
#define ICMP6_T_UNREACH   1
#define ICMP6_T_TOOBIG    2
#define ICMP6_T_TIMXCEED  3
#define ICMP6_T_PARAMPROB 4
#define ICMP6_T_ECHOREPLY 129

struct icmp_reply {
	struct addr from;   /* source of the ICMP message */
	struct addr to;     /* its destination (us) */
	int ttl;            /* IP TTL (hop limit) of the message, -1 */
	size_t size;        /* bytes of the ICMP message (IP payload) */
	uint8_t type, code; /* ICMPv4 terms, also for ICMPv6 */

	/* Echo reply (type 0). */
	uint16_t echo_id, echo_seq;

	/* Errors: the quoted probe (RFC 792: IP header + 8 bytes). */
	int has_quote;
	uint8_t q_proto; /* IPPROTO_ICMP, _UDP, _TCP, ... */
	struct addr q_src, q_dst;
	int q_ttl; /* TTL the probe had on arrival (ittl) */
	uint16_t q_ipid;
	uint16_t q_sport, q_dport;      /* UDP, TCP */
	uint16_t q_icmp_id, q_icmp_seq; /* ICMP echo */
	uint16_t q_cksum;               /* ICMP or UDP checksum */
	uint32_t q_tcp_seq;             /* TCP */
	int mtu; /* next-hop MTU of "fragmentation needed", -1 */

	/* RFC 4884 extensions: MPLS label stack (RFC 4950). */
	struct result_mpls mpls[RESULT_MAX_MPLS];
	size_t nmpls;
};

/* What icmp_parse4 made of a packet. */
enum icmp_parse_rc {
	ICMP_PARSE_OK = 0,         /* 'out' holds an echo reply or an error */
	ICMP_PARSE_OTHER = 1,      /* valid ICMP we do not handle (echo
				     request, redirect, ...) */
	ICMP_PARSE_TRUNCATED = -1, /* shorter than its headers say */
	ICMP_PARSE_BAD = -2        /* not IPv4/ICMP, or inconsistent */
};

/*
 * icmp_parse4 --
 *	Parse 'len' bytes of an IPv4 packet carrying ICMP, as a raw
 *	IPPROTO_ICMP socket delivers it (IP header included).  On
 *	ICMP_PARSE_OK '*out' is filled; otherwise 'eb' says what was wrong
 *	(for debug logs) and '*out' is unspecified.  Never reads beyond
 *	'len'.  Malformed extensions are ignored: the quote is still good.
 */
enum icmp_parse_rc icmp_parse4(
    const uint8_t *pkt, size_t len, struct icmp_reply *out, struct errbuf *eb);

/*
 * icmp_parse6 --
 *	Parse 'len' bytes of an ICMPv6 message as a raw IPPROTO_ICMPV6
 *	socket delivers it: no IPv6 header, so the sender 'from' and the hop
 *	limit 'hlim' (-1 unknown) come from recvmsg.  Types and codes are
 *	reported in ICMPv4 terms (echo reply 0, destination unreachable 3
 *	with the ICMPv4 code of the same meaning, packet too big as 3/4 with
 *	'mtu', time exceeded 11, parameter problem 12), so measurements
 *	handle both families alike.  Quotes, RFC 4884 (length in 64-bit
 *	words) and MPLS extensions as icmp_parse4.
 */
enum icmp_parse_rc icmp_parse6(const uint8_t *icmp, size_t len,
    const struct addr *from, int hlim, struct icmp_reply *out,
    struct errbuf *eb);

#endif
