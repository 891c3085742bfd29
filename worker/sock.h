/*
 * sock.h --
 *	The worker's raw sockets, opened once at start-up while it still has
 *	CAP_NET_RAW (before privileges are dropped).  Per family: one
 *	header-included socket to send every probe (IPPROTO_RAW; we write
 *	the IP header), one raw ICMP (ICMPv6) socket and one raw TCP socket
 *	to receive replies with kernel receive time stamps (SO_TIMESTAMPNS).
 */
#ifndef PINGSVC_WORKER_SOCK_H
#define PINGSVC_WORKER_SOCK_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <time.h>

#include "addr.h"
#include "errbuf.h"
#include "pkt.h"

struct sock_set {
	int send_fd;  /* AF_INET, IPPROTO_RAW */
	int icmp_fd;  /* AF_INET, IPPROTO_ICMP: echo replies and errors */
	int tcp_fd;   /* AF_INET, IPPROTO_TCP: SYN-ACK and RST */
	int send6_fd; /* AF_INET6, IPPROTO_RAW (IPV6_HDRINCL); -1: no IPv6 */
	int icmp6_fd; /* AF_INET6, IPPROTO_ICMPV6 */
	int tcp6_fd;  /* AF_INET6, IPPROTO_TCP */
	/*
	 * The sending sockets return kernel send stamps on their error
	 * queues (SO_TIMESTAMPING, software, with the packet): 1 when the
	 * kernel took the option for send_fd (IPv4) / send6_fd.
	 */
	int tx_stamps, tx_stamps6;
};

#define SOCK_SET_INIT                                                          \
	{                                                                      \
		-1, -1, -1, -1, -1, -1, 0, 0                                   \
	}

/*
 * sock_open --
 *	Open the sockets into 's' (all non-blocking, close-on-exec).  IPv6
 *	sockets are left at -1 when the kernel has no IPv6.  Returns 0, or -1
 *	with 'eb' saying what to do (run as root or grant CAP_NET_RAW);
 *	nothing stays open on failure.
 */
int sock_open(struct sock_set *s, struct errbuf *eb);

/* sock_close -- Close what 's' holds; safe on SOCK_SET_INIT. */
void sock_close(struct sock_set *s);

/* Cached UDP sockets for sock_route_src, one per family. */
struct sock_router {
	int fd4, fd6;
};

#define SOCK_ROUTER_INIT                                                       \
	{                                                                      \
		-1, -1                                                         \
	}

/*
 * sock_route_src --
 *	The source address the kernel would use towards 'dst', found by
 *	connecting a UDP socket (which sends nothing; the socket is kept in
 *	'r' for the next call).  Returns 0, or -1 with 'eb' (e.g. no route).
 */
int sock_route_src(struct sock_router *r, const struct addr *dst,
    struct addr *src, struct errbuf *eb);

/* sock_router_close -- Close the cached sockets. */
void sock_router_close(struct sock_router *r);

/*
 * sock_send_batch --
 *	Send the 'n' complete IP packets 'pkt[i]' ('len[i]' bytes) to 'dst[i]'
 *	on 'fd' with as few system calls as sendmmsg allows.  Returns how
 *	many left in order (n when all did), or -1 with errno when the first
 *	could not (EAGAIN/ENOBUFS: try again later).
 */
int sock_send_batch(int fd, uint8_t (*pkt)[PKT_MAX], const size_t *len,
    const struct addr *dst, int n);

/* What came with a received packet. */
struct sock_rx {
	struct timespec ts; /* kernel receive time (CLOCK_REALTIME), or 0 */
	struct addr from;   /* sender */
	int hlim;           /* IPv6 hop limit, -1 (IPv4: in the packet) */
	int truncated;      /* longer than the buffer */
};

/*
 * Receiving many packets per system call (recvmmsg): a sweep gets
 * thousands of replies a second and one recvmsg each cost a system call
 * per reply.  SOCK_BATCH_PKT bytes hold any ICMP error we parse (Linux
 * quotes at most 576 bytes over IPv4 and 1280 over IPv6); a longer packet
 * is marked truncated.
 */
#define SOCK_BATCH     32
#define SOCK_BATCH_PKT 2048

struct sock_batch {
	struct mmsghdr mh[SOCK_BATCH];
	struct iovec iov[SOCK_BATCH];
	struct sockaddr_storage from[SOCK_BATCH];
	union {
		char b[CMSG_SPACE(sizeof(struct timespec)) +
		    CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} ctl[SOCK_BATCH];
	uint8_t pkt[SOCK_BATCH][SOCK_BATCH_PKT];
	size_t len[SOCK_BATCH]; /* bytes received */
	struct sock_rx rx[SOCK_BATCH];
};

/*
 * sock_recv_batch --
 *	Receive up to SOCK_BATCH waiting packets into 'b' without blocking.
 *	Returns how many (b->pkt[i], b->len[i], b->rx[i]), 0 when none was
 *	waiting, or -1 with errno.
 */
int sock_recv_batch(int fd, struct sock_batch *b);

/*
 * Send stamps read back from a sending socket's error queue: each with
 * a copy of the packet sent (from its link-layer header on), enough for
 * probe_key_sent.
 */
#define SOCK_TX_PKT (PKT_MAX + 32)

struct sock_txbatch {
	struct mmsghdr mh[SOCK_BATCH];
	struct iovec iov[SOCK_BATCH];
	union {
		char b[256];
		struct cmsghdr align;
	} ctl[SOCK_BATCH];
	uint8_t pkt[SOCK_BATCH][SOCK_TX_PKT];
	size_t len[SOCK_BATCH];
	struct timespec ts[SOCK_BATCH]; /* CLOCK_REALTIME; 0: none */
};

/*
 * sock_recv_txstamps --
 *	Read up to SOCK_BATCH send stamps waiting on 'fd''s error queue
 *	without blocking.  Returns how many (b->pkt[i], b->len[i],
 *	b->ts[i]), 0 when none waited, or -1 with errno.
 */
int sock_recv_txstamps(int fd, struct sock_txbatch *b);

/* What this process may do, for `pingsvc-worker selftest`. */
struct sock_caps {
	int icmp;      /* raw ICMP socket opens */
	int tcp;       /* raw TCP socket opens */
	int hdrincl;   /* IPPROTO_RAW (needed for every probe) */
	int timestamp; /* SO_TIMESTAMPNS accepted */
	int ipv6;      /* the same for IPv6 */
	/*
	 * A firewall may drop what the sockets send or receive: one ICMP
	 * echo and one TCP SYN (to port 9, answered by a RST) sent to
	 * 127.0.0.1 tell.  1 answered, 0 dropped or refused (EPERM), -1
	 * untested (no socket, no loopback).
	 */
	int icmp_passes, tcp_passes;
	/*
	 * A firewall that lets loopback through may still drop ICMP on the
	 * real egress: with an address to try (selftest_address), up to
	 * four echoes to it, TTL 1 and 64 alternately, any answer (the first
	 * router's time exceeded, the echo reply) counts.  1, 0 or -1 as
	 * above.
	 */
	int egress_passes;
};

/*
 * sock_probe_caps --
 *	Try each socket, send the two loopback packets (waiting at most
 *	SOCK_LOOPBACK_WAIT_MS for each answer), with 'egress' (IPv4, or
 *	NULL: untested) the echoes to it (at most SOCK_EGRESS_WAIT_MS), and
 *	close everything.
 */
#define SOCK_LOOPBACK_WAIT_MS 300
#define SOCK_EGRESS_WAIT_MS   1200
#define SOCK_EGRESS_TRIES     4
void sock_probe_caps(struct sock_caps *c, const struct addr *egress);

/*
 * sock_caps_icmp / sock_caps_tcp --
 *	What 'c' allows: ICMP probes (ping, ICMP and UDP traces, which need
 *	the ICMP answers too) and TCP probes.  Both need header-included
 *	sending; a firewall found dropping them (above) takes them away.
 */
int sock_caps_icmp(const struct sock_caps *c);
int sock_caps_tcp(const struct sock_caps *c);

/*
 * sock_caps_udp --
 *	UDP traces: the probes are UDP, but every answer (time exceeded,
 *	the destination's port unreachable) is ICMP on the raw ICMP socket,
 *	so a node that cannot send ICMP and get the answers (the loopback
 *	echo, selftest_address) cannot do them either.  The same as
 *	sock_caps_icmp, on purpose; a rule dropping only outgoing ICMP
 *	echoes would make this too strict, never too lax.
 */
int sock_caps_udp(const struct sock_caps *c);

#endif
