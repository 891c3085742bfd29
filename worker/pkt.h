/*
 * pkt.h --
 *	Building the IPv4 probes the worker sends (ICMP echo, UDP, TCP SYN)
 *	from a raw IP_HDRINCL socket, the Internet checksum, and parsing the
 *	TCP segments (SYN-ACK, RST) that answer TCP probes.  Nothing here
 *	touches a socket: functions fill or read byte buffers only.
 */
#ifndef PINGSVC_WORKER_PKT_H
#define PINGSVC_WORKER_PKT_H

#include <stddef.h>
#include <stdint.h>

#include "addr.h"

/*
 * The identifying payload every probe that can carry data carries, so
 * that an operator who captures one can find out who sends it.  Kept
 * short: it rides in every probe.
 */
#define PKT_PAYLOAD "pingsvc https://github.com/ping-service"

#define PKT_IP4_HLEN 20
#define PKT_IP6_HLEN 40
#define PKT_MAX      256 /* largest probe we build, bytes */

/*
 * What identifies one probe in the IP header and its transport header.
 * The family is dst.af; src must have the same.
 */
struct pkt_probe {
	struct addr src, dst; /* IPv4 or IPv6 */
	int ttl;              /* IPv4 TTL or IPv6 hop limit, 1..255 */
	uint16_t ipid;        /* IPv4 identification */
	uint32_t flow;        /* IPv6 flow label, 20 bits */
	uint16_t sport;       /* UDP/TCP source port */
	uint16_t dport;       /* UDP/TCP destination port */
	uint16_t icmp_id;     /* ICMP echo identifier */
	uint16_t icmp_seq;    /* ICMP echo sequence */
	uint32_t tcp_seq;     /* TCP sequence number */
	/*
	 * ICMP and UDP: the value the checksum field must hold; a 16-bit
	 * word of the payload is chosen so the checksum is still correct
	 * (Paris traceroute).  -1: an ordinary checksum.
	 */
	int cksum;
};

/*
 * pkt_cksum_add --
 *	Add 'len' bytes to a running 32-bit one's complement sum (RFC 1071).
 *	Odd lengths are padded with a zero byte.
 */
uint32_t pkt_cksum_add(uint32_t sum, const void *data, size_t len);

/* pkt_cksum_fold -- Fold a running sum to the 16-bit checksum (~sum). */
uint16_t pkt_cksum_fold(uint32_t sum);

/*
 * pkt_build_icmp_echo / pkt_build_udp / pkt_build_tcp_syn --
 *	Write one complete IPv4 or IPv6 packet (by p->dst.af) for 'p' into
 *	'buf' ('cap' bytes, at least PKT_MAX): ICMP or ICMPv6 echo request,
 *	UDP, TCP SYN.  Return its length, or 0 when 'cap' is too small.  The
 *	IPv4 header checksum is left to the kernel (IP_HDRINCL fills it).
 */
size_t pkt_build_icmp_echo(const struct pkt_probe *p, uint8_t *buf, size_t cap);
size_t pkt_build_udp(const struct pkt_probe *p, uint8_t *buf, size_t cap);
size_t pkt_build_tcp_syn(const struct pkt_probe *p, uint8_t *buf, size_t cap);

/* TCP flags we look at (RFC 9293). */
#define PKT_TCP_FIN 0x01
#define PKT_TCP_SYN 0x02
#define PKT_TCP_RST 0x04
#define PKT_TCP_ACK 0x10

/* A TCP segment received on the raw TCP socket. */
struct pkt_tcp_reply {
	struct addr from, to;
	int ttl;     /* IP TTL of the segment */
	size_t size; /* IP total length, bytes */
	uint16_t sport, dport;
	uint32_t seq, ack;
	uint8_t flags;
};

/*
 * pkt_parse_tcp4 --
 *	Parse an IPv4 packet holding a TCP segment (as a raw IPPROTO_TCP
 *	socket delivers it).  Returns 0, or -1 when it is truncated or not
 *	IPv4/TCP.
 */
int pkt_parse_tcp4(const uint8_t *pkt, size_t len, struct pkt_tcp_reply *out);

/*
 * pkt_parse_tcp6 --
 *	Parse a TCP segment as a raw AF_INET6 socket delivers it (no IPv6
 *	header: the sender 'from' and hop limit 'hlim' come from recvmsg).
 *	Returns 0, or -1 when it is truncated.
 */
int pkt_parse_tcp6(const uint8_t *seg, size_t len, const struct addr *from,
    int hlim, struct pkt_tcp_reply *out);

#endif
