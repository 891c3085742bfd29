/*
 * sock.c --
 *	Raw sockets for IPv4 and IPv6 (see sock.h).
 */
#include <errno.h>
#include <poll.h>
#include <time.h>
#include <string.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <linux/errqueue.h>
#include <linux/filter.h>
#include <linux/icmp.h>
#include <linux/net_tstamp.h>
#include <netinet/icmp6.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "icmp_parse.h"
#include "sock.h"

/* Room for bursts of replies while the loop is busy sending. */
#define SOCK_RCVBUF (4 * 1024 * 1024)

static int
raw_socket(int af, int proto)
{
	return socket(af, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, proto);
}

/*
 * A bigger receive buffer; SO_RCVBUFFORCE works only with CAP_NET_ADMIN
 * (root), otherwise the system's rmem_max caps SO_RCVBUF.  Neither is
 * fatal.
 */
static void
grow_rcvbuf(int fd)
{
	int n = SOCK_RCVBUF;

	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &n, sizeof(n)) == -1)
		(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &n, sizeof(n));
}

/*
 * A raw TCP socket gets a copy of every TCP segment the host receives.
 * Only SYN-ACK and RST-ACK can answer a probe, so a classic BPF filter
 * drops everything else in the kernel, before it costs us a wake-up:
 *	X = IP header length; A = TCP flags (byte 13 of the header);
 *	accept when ACK is set and SYN or RST is.
 */
static int
tcp_filter(int fd, int v6)
{
	static struct sock_filter v4code[] = {
		BPF_STMT(BPF_LDX | BPF_B | BPF_MSH, 0),
		BPF_STMT(BPF_LD | BPF_B | BPF_IND, 13),
		BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, 0x10, 0, 2),
		BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, 0x06, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, 0xffff),
		BPF_STMT(BPF_RET | BPF_K, 0),
	};
	/* Over IPv6 the filter sees the TCP header first. */
	static struct sock_filter v6code[] = {
		BPF_STMT(BPF_LD | BPF_B | BPF_ABS, 13),
		BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, 0x10, 0, 2),
		BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, 0x06, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, 0xffff),
		BPF_STMT(BPF_RET | BPF_K, 0),
	};
	struct sock_fprog prog = v6
	    ? (struct sock_fprog){ sizeof(v6code) / sizeof(v6code[0]), v6code }
	    : (struct sock_fprog){ sizeof(v4code) / sizeof(v4code[0]), v4code };

	return setsockopt(
	    fd, SOL_SOCKET, SO_ATTACH_FILTER, &prog, sizeof(prog));
}

static int
stamp(int fd)
{
	int on = 1;

	return setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPNS, &on, sizeof(on));
}

/*
 * Kernel send stamps on a sending socket: the time the packet reached
 * the device (software), returned on the error queue with a copy of the
 * packet, by which it is matched to its probe.  User space can only
 * read the clock around a whole sendmmsg, and in a fast network (the
 * lab: a round trip takes tens of µs) the answers to its first packets
 * arrive before the call returns.  Not fatal: without them RTTs are
 * taken from the clock around the call.
 */
static int
tx_stamp(int fd)
{
	int f = SOF_TIMESTAMPING_TX_SOFTWARE | SOF_TIMESTAMPING_SOFTWARE;

	return setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPING, &f, sizeof(f)) == 0;
}

/*
 * The IPv6 sockets.  A kernel without IPv6 (EAFNOSUPPORT) is not an
 * error: IPv6 targets are then refused when measured.
 */
static int
open6(struct sock_set *s, struct errbuf *eb)
{
	struct icmp6_filter filt;
	int on = 1;

	if ((s->send6_fd = raw_socket(AF_INET6, IPPROTO_RAW)) == -1) {
		if (errno == EAFNOSUPPORT)
			return 0;
		return errbuf_set(
		    eb, "cannot open a raw IPv6 socket: %s", strerror(errno));
	}
	if ((s->icmp6_fd = raw_socket(AF_INET6, IPPROTO_ICMPV6)) == -1 ||
	    (s->tcp6_fd = raw_socket(AF_INET6, IPPROTO_TCP)) == -1)
		return errbuf_set(
		    eb, "cannot open a raw IPv6 socket: %s", strerror(errno));
	ICMP6_FILTER_SETBLOCKALL(&filt);
	ICMP6_FILTER_SETPASS(ICMP6_ECHO_REPLY, &filt);
	ICMP6_FILTER_SETPASS(ICMP6_DST_UNREACH, &filt);
	ICMP6_FILTER_SETPASS(ICMP6_PACKET_TOO_BIG, &filt);
	ICMP6_FILTER_SETPASS(ICMP6_TIME_EXCEEDED, &filt);
	ICMP6_FILTER_SETPASS(ICMP6_PARAM_PROB, &filt);
	/* The hop limit of replies comes as ancillary data (RFC 3542). */
	if (setsockopt(s->icmp6_fd, IPPROTO_ICMPV6, ICMP6_FILTER, &filt,
		sizeof(filt)) == -1 ||
	    setsockopt(s->icmp6_fd, IPPROTO_IPV6, IPV6_RECVHOPLIMIT, &on,
		sizeof(on)) == -1 ||
	    setsockopt(s->tcp6_fd, IPPROTO_IPV6, IPV6_RECVHOPLIMIT, &on,
		sizeof(on)) == -1 ||
	    stamp(s->icmp6_fd) == -1 || stamp(s->tcp6_fd) == -1 ||
	    tcp_filter(s->tcp6_fd, 1) == -1)
		return errbuf_set(
		    eb, "raw IPv6 socket options: %s", strerror(errno));
	grow_rcvbuf(s->icmp6_fd);
	grow_rcvbuf(s->tcp6_fd);
	s->tx_stamps6 = tx_stamp(s->send6_fd);
	return 0;
}

int
sock_open(struct sock_set *s, struct errbuf *eb)
{
	struct icmp_filter filt;
	int rc = -1;

	*s = (struct sock_set)SOCK_SET_INIT;
	if ((s->send_fd = raw_socket(AF_INET, IPPROTO_RAW)) == -1 ||
	    (s->icmp_fd = raw_socket(AF_INET, IPPROTO_ICMP)) == -1 ||
	    (s->tcp_fd = raw_socket(AF_INET, IPPROTO_TCP)) == -1) {
		errbuf_set(eb,
		    "cannot open a raw socket: %s (run as root, or grant "
		    "CAP_NET_RAW as the systemd unit does)",
		    strerror(errno));
		goto out;
	}
	/*
	 * Only the ICMP types that answer probes reach us (Linux
	 * ICMP_FILTER: a set bit drops the type).
	 */
	filt.data = ~((1U << ICMP_ECHOREPLY) | (1U << ICMP_DEST_UNREACH) |
	    (1U << ICMP_TIME_EXCEEDED) | (1U << ICMP_PARAMETERPROB));
	if (setsockopt(s->icmp_fd, SOL_RAW, ICMP_FILTER, &filt, sizeof(filt)) ==
		-1 ||
	    stamp(s->icmp_fd) == -1 || stamp(s->tcp_fd) == -1 ||
	    tcp_filter(s->tcp_fd, 0) == -1) {
		errbuf_set(eb, "raw socket options: %s", strerror(errno));
		goto out;
	}
	grow_rcvbuf(s->icmp_fd);
	grow_rcvbuf(s->tcp_fd);
	/* The stamps of a burst wait on the error queue until read. */
	if ((s->tx_stamps = tx_stamp(s->send_fd)) != 0)
		grow_rcvbuf(s->send_fd);
	if (open6(s, eb) == -1)
		goto out;
	rc = 0;
out:
	if (rc == -1)
		sock_close(s);
	return rc;
}

void
sock_close(struct sock_set *s)
{
	int *fds[] = { &s->send_fd, &s->icmp_fd, &s->tcp_fd, &s->send6_fd,
		&s->icmp6_fd, &s->tcp6_fd };
	size_t i;

	for (i = 0; i < sizeof(fds) / sizeof(fds[0]); i++)
		if (*fds[i] != -1) {
			close(*fds[i]);
			*fds[i] = -1;
		}
}

/* 'a' as a socket address of its family; returns the length. */
static socklen_t
to_sa(const struct addr *a, struct sockaddr_storage *ss, uint16_t port)
{
	struct sockaddr_in *sin = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof(*ss));
	if (a->af == 6) {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(port);
		memcpy(&sin6->sin6_addr, a->b, 16);
		return sizeof(*sin6);
	}
	sin->sin_family = AF_INET;
	sin->sin_port = htons(port);
	memcpy(&sin->sin_addr, a->b, 4);
	return sizeof(*sin);
}

/* The address in 'ss' (AF_INET or AF_INET6) into 'a'. */
static void
from_sa(const struct sockaddr_storage *ss, struct addr *a)
{
	memset(a, 0, sizeof(*a));
	if (ss->ss_family == AF_INET6) {
		a->af = 6;
		memcpy(a->b, &((const struct sockaddr_in6 *)ss)->sin6_addr, 16);
	} else if (ss->ss_family == AF_INET) {
		a->af = 4;
		memcpy(a->b, &((const struct sockaddr_in *)ss)->sin_addr, 4);
	}
}

int
sock_route_src(struct sock_router *r, const struct addr *dst, struct addr *src,
    struct errbuf *eb)
{
	struct sockaddr_storage ss;
	socklen_t slen;
	int *fd = dst->af == 6 ? &r->fd6 : &r->fd4;

	/* A UDP socket may be connected again and again (connect(2)). */
	if (*fd == -1 &&
	    (*fd = socket(dst->af == 6 ? AF_INET6 : AF_INET,
		 SOCK_DGRAM | SOCK_CLOEXEC, 0)) == -1)
		return errbuf_set(eb, "socket: %s", strerror(errno));
	slen = to_sa(dst, &ss, 9);
	if (connect(*fd, (struct sockaddr *)&ss, slen) == -1)
		return errbuf_set(
		    eb, "no route to the target: %s", strerror(errno));
	slen = sizeof(ss);
	if (getsockname(*fd, (struct sockaddr *)&ss, &slen) == -1)
		return errbuf_set(eb, "getsockname: %s", strerror(errno));
	from_sa(&ss, src);
	return 0;
}

void
sock_router_close(struct sock_router *r)
{
	if (r->fd4 != -1)
		close(r->fd4);
	if (r->fd6 != -1)
		close(r->fd6);
	*r = (struct sock_router)SOCK_ROUTER_INIT;
}

int
sock_send_batch(int fd, uint8_t (*pkt)[PKT_MAX], const size_t *len,
    const struct addr *dst, int n)
{
	struct mmsghdr mh[SOCK_BATCH];
	struct iovec iov[SOCK_BATCH];
	struct sockaddr_storage ss[SOCK_BATCH];
	int i, done = 0, r;

	while (done < n) {
		int k = n - done < SOCK_BATCH ? n - done : SOCK_BATCH;

		memset(mh, 0, sizeof(mh[0]) * (size_t)k);
		for (i = 0; i < k; i++) {
			iov[i].iov_base = pkt[done + i];
			iov[i].iov_len = len[done + i];
			mh[i].msg_hdr.msg_name = &ss[i];
			mh[i].msg_hdr.msg_namelen =
			    to_sa(&dst[done + i], &ss[i], 0);
			mh[i].msg_hdr.msg_iov = &iov[i];
			mh[i].msg_hdr.msg_iovlen = 1;
		}
		if ((r = sendmmsg(fd, mh, (unsigned int)k, 0)) == -1)
			return done > 0 ? done : -1;
		done += r;
		if (r < k) /* the next one failed; the caller hears why */
			break;
	}
	return done;
}

/* What came with a packet: sender, kernel stamp, IPv6 hop limit. */
static void
rx_meta(
    struct msghdr *mh, const struct sockaddr_storage *from, struct sock_rx *rx)
{
	struct cmsghdr *cm;

	memset(rx, 0, sizeof(*rx));
	rx->hlim = -1;
	rx->truncated = (mh->msg_flags & MSG_TRUNC) != 0;
	from_sa(from, &rx->from);
	for (cm = CMSG_FIRSTHDR(mh); cm != NULL; cm = CMSG_NXTHDR(mh, cm)) {
		if (cm->cmsg_level == SOL_SOCKET &&
		    cm->cmsg_type == SCM_TIMESTAMPNS)
			memcpy(&rx->ts, CMSG_DATA(cm), sizeof(rx->ts));
		else if (cm->cmsg_level == IPPROTO_IPV6 &&
		    cm->cmsg_type == IPV6_HOPLIMIT)
			memcpy(&rx->hlim, CMSG_DATA(cm), sizeof(rx->hlim));
	}
}

/*
 * One message of a recvmmsg batch, emptied and pointed at its packet
 * buffer and control buffer (replies and send stamps alike); returns its
 * msghdr for the caller's extras (the sender's address).
 */
static struct msghdr *
mh_init(struct mmsghdr *m, struct iovec *iov, void *pkt, size_t len, void *ctl,
    size_t ctllen)
{
	struct msghdr *mh = &m->msg_hdr;

	memset(mh, 0, sizeof(*mh));
	iov->iov_base = pkt;
	iov->iov_len = len;
	mh->msg_iov = iov;
	mh->msg_iovlen = 1;
	mh->msg_control = ctl;
	mh->msg_controllen = ctllen;
	return mh;
}

int
sock_recv_batch(int fd, struct sock_batch *b)
{
	struct msghdr *mh;
	int i, n;

	for (i = 0; i < SOCK_BATCH; i++) {
		mh = mh_init(&b->mh[i], &b->iov[i], b->pkt[i],
		    sizeof(b->pkt[i]), b->ctl[i].b, sizeof(b->ctl[i].b));
		mh->msg_name = &b->from[i];
		mh->msg_namelen = sizeof(b->from[i]);
	}
	if ((n = recvmmsg(fd, b->mh, SOCK_BATCH, MSG_DONTWAIT, NULL)) == -1)
		return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : -1;
	for (i = 0; i < n; i++) {
		b->len[i] = b->mh[i].msg_len;
		rx_meta(&b->mh[i].msg_hdr, &b->from[i], &b->rx[i]);
	}
	return n;
}

/* The software send stamp of one error queue message, or 0. */
static void
tx_meta(struct msghdr *mh, struct timespec *ts)
{
	struct scm_timestamping st;
	struct sock_extended_err ee;
	struct cmsghdr *cm;
	int is_stamp = 0;

	memset(ts, 0, sizeof(*ts));
	memset(&st, 0, sizeof(st));
	for (cm = CMSG_FIRSTHDR(mh); cm != NULL; cm = CMSG_NXTHDR(mh, cm)) {
		if (cm->cmsg_level == SOL_SOCKET &&
		    cm->cmsg_type == SO_TIMESTAMPING &&
		    cm->cmsg_len >= CMSG_LEN(sizeof(st)))
			memcpy(&st, CMSG_DATA(cm), sizeof(st));
		else if (((cm->cmsg_level == IPPROTO_IP &&
			      cm->cmsg_type == IP_RECVERR) ||
			     (cm->cmsg_level == IPPROTO_IPV6 &&
				 cm->cmsg_type == IPV6_RECVERR)) &&
		    cm->cmsg_len >= CMSG_LEN(sizeof(ee))) {
			memcpy(&ee, CMSG_DATA(cm), sizeof(ee));
			is_stamp = ee.ee_errno == ENOMSG &&
			    ee.ee_origin == SO_EE_ORIGIN_TIMESTAMPING &&
			    ee.ee_info == SCM_TSTAMP_SND;
		}
	}
	if (is_stamp)
		*ts = st.ts[0];
}

int
sock_recv_txstamps(int fd, struct sock_txbatch *b)
{
	int i, n;

	for (i = 0; i < SOCK_BATCH; i++)
		mh_init(&b->mh[i], &b->iov[i], b->pkt[i], sizeof(b->pkt[i]),
		    b->ctl[i].b, sizeof(b->ctl[i].b));
	if ((n = recvmmsg(fd, b->mh, SOCK_BATCH, MSG_ERRQUEUE | MSG_DONTWAIT,
		 NULL)) == -1)
		return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : -1;
	for (i = 0; i < n; i++) {
		b->len[i] = b->mh[i].msg_len;
		tx_meta(&b->mh[i].msg_hdr, &b->ts[i]);
	}
	return n;
}

/*
 * Does a packet built for 127.0.0.1 by 'build' get its answer?  Sent from
 * a header-included raw socket as probes are; 'answer' says whether a
 * packet read from the raw socket of protocol 'proto' answers it.
 * Returns 1, 0 (refused or no answer in SOCK_LOOPBACK_WAIT_MS), or -1
 * (cannot tell: no socket, no loopback route).
 */
static int
loopback_passes(int proto, const struct pkt_probe *pp,
    size_t (*build)(const struct pkt_probe *, uint8_t *, size_t),
    int (*answer)(const struct pkt_probe *, const uint8_t *, size_t))
{
	uint8_t pkt[PKT_MAX], rbuf[2048];
	struct pollfd pfd;
	uint64_t deadline, now;
	struct timespec ts;
	size_t len;
	ssize_t n;
	int sfd = -1, rfd = -1, rc = -1;

	if ((sfd = raw_socket(AF_INET, IPPROTO_RAW)) == -1 ||
	    (rfd = raw_socket(AF_INET, proto)) == -1 ||
	    (len = build(pp, pkt, sizeof(pkt))) == 0)
		goto out;
	if (sendto(sfd, pkt, len, 0,
		(const struct sockaddr *)&(struct sockaddr_in){
		    .sin_family = AF_INET,
		    .sin_addr.s_addr = htonl(INADDR_LOOPBACK) },
		sizeof(struct sockaddr_in)) == -1) {
		/* A firewall rejecting our output says EPERM. */
		rc = errno == EPERM || errno == EACCES ? 0 : -1;
		goto out;
	}
	clock_gettime(CLOCK_MONOTONIC, &ts);
	deadline = (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000 +
	    SOCK_LOOPBACK_WAIT_MS;
	rc = 0;
	for (;;) {
		clock_gettime(CLOCK_MONOTONIC, &ts);
		now =
		    (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
		if (now >= deadline)
			break;
		pfd.fd = rfd;
		pfd.events = POLLIN;
		if (poll(&pfd, 1, (int)(deadline - now)) <= 0)
			continue;
		while ((n = recv(rfd, rbuf, sizeof(rbuf), 0)) > 0)
			if (answer(pp, rbuf, (size_t)n)) {
				rc = 1;
				goto out;
			}
	}
out:
	if (sfd != -1)
		close(sfd);
	if (rfd != -1)
		close(rfd);
	return rc;
}

/* An IPv4 echo reply with our identifier and sequence. */
static int
is_echo_reply(const struct pkt_probe *pp, const uint8_t *b, size_t n)
{
	size_t hl;

	if (n < 20 || (b[0] >> 4) != 4 || b[9] != IPPROTO_ICMP)
		return 0;
	hl = (size_t)(b[0] & 0x0f) * 4;
	return n >= hl + 8 && b[hl] == ICMP_ECHOREPLY &&
	    ((b[hl + 4] << 8) | b[hl + 5]) == pp->icmp_id &&
	    ((b[hl + 6] << 8) | b[hl + 7]) == pp->icmp_seq;
}

/* The kernel's RST (or a SYN-ACK) to our SYN's ports. */
static int
is_tcp_answer(const struct pkt_probe *pp, const uint8_t *b, size_t n)
{
	struct pkt_tcp_reply tr;

	return pkt_parse_tcp4(b, n, &tr) == 0 && tr.sport == pp->dport &&
	    tr.dport == pp->sport && (tr.flags & PKT_TCP_ACK) &&
	    (tr.flags & (PKT_TCP_RST | PKT_TCP_SYN)) &&
	    tr.ack == pp->tcp_seq + 1;
}

/* CLOCK_MONOTONIC in ms. */
static uint64_t
mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/*
 * Does an answer to one of our echoes to 'dst' come back: its echo reply,
 * or an ICMP error (time exceeded from the first router, unreachable)
 * quoting it?  Either crossed the real egress both ways.
 */
static int
is_egress_answer(const uint8_t *b, size_t n, uint16_t id, uint16_t seq0,
    int sent, const struct addr *dst)
{
	struct icmp_reply ir;
	struct errbuf eb;

	if (icmp_parse4(b, n, &ir, &eb) != ICMP_PARSE_OK)
		return 0;
	if (ir.type == ICMP_T_ECHOREPLY)
		return ir.echo_id == id &&
		    (uint16_t)(ir.echo_seq - seq0) < (uint16_t)sent &&
		    addr_cmp(&ir.from, dst) == 0;
	return ir.has_quote && ir.q_proto == IPPROTO_ICMP &&
	    ir.q_icmp_id == id &&
	    (uint16_t)(ir.q_icmp_seq - seq0) < (uint16_t)sent &&
	    addr_cmp(&ir.q_dst, dst) == 0;
}

/*
 * The real egress: up to SOCK_EGRESS_TRIES ICMP echoes to 'dst', one
 * every SOCK_EGRESS_WAIT_MS / SOCK_EGRESS_TRIES, alternately with TTL 1
 * (the first router's time exceeded: what a traceroute needs) and TTL
 * 64 (the echo reply); stop at the first answer.  The kernel fills in
 * the source address.  Returns 1, 0 (refused with EPERM, or no answer in
 * SOCK_EGRESS_WAIT_MS) or -1 (cannot tell: no socket, no route).
 */
static int
egress_passes(const struct addr *dst)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	uint8_t pkt[PKT_MAX], rbuf[2048];
	struct pkt_probe pp;
	struct pollfd pfd;
	uint64_t start = mono_ms(), now, next = start;
	uint16_t seq0 = (uint16_t)(getpid() * 7919);
	size_t len;
	ssize_t n;
	int sfd = -1, rfd = -1, rc = -1, sent = 0;

	memcpy(&sin.sin_addr, dst->b, 4);
	memset(&pp, 0, sizeof(pp));
	pp.src.af = 4; /* 0.0.0.0: the kernel puts the route's source */
	pp.dst = *dst;
	pp.cksum = -1;
	pp.icmp_id = (uint16_t)(getpid() ^ 0xa5a5);
	if ((sfd = raw_socket(AF_INET, IPPROTO_RAW)) == -1 ||
	    (rfd = raw_socket(AF_INET, IPPROTO_ICMP)) == -1)
		goto out;
	rc = 0;
	while ((now = mono_ms()) < start + SOCK_EGRESS_WAIT_MS) {
		if (sent < SOCK_EGRESS_TRIES && now >= next) {
			pp.ttl = sent % 2 == 0 ? 1 : 64;
			pp.icmp_seq = (uint16_t)(seq0 + sent);
			pp.ipid = pp.icmp_seq;
			if ((len = pkt_build_icmp_echo(
				 &pp, pkt, sizeof(pkt))) == 0) {
				rc = -1;
				goto out;
			}
			if (sendto(sfd, pkt, len, 0, (struct sockaddr *)&sin,
				sizeof(sin)) == -1) {
				/* A firewall refusing our output: EPERM. */
				rc = errno == EPERM || errno == EACCES ? 0 : -1;
				goto out;
			}
			sent++;
			next = now + SOCK_EGRESS_WAIT_MS / SOCK_EGRESS_TRIES;
		}
		pfd.fd = rfd;
		pfd.events = POLLIN;
		if (poll(&pfd, 1,
			(int)((sent < SOCK_EGRESS_TRIES
				      ? next
				      : start + SOCK_EGRESS_WAIT_MS) -
			    now)) <= 0)
			continue;
		while ((n = recv(rfd, rbuf, sizeof(rbuf), 0)) > 0)
			if (is_egress_answer(
				rbuf, (size_t)n, pp.icmp_id, seq0, sent, dst)) {
				rc = 1;
				goto out;
			}
	}
out:
	if (sfd != -1)
		close(sfd);
	if (rfd != -1)
		close(rfd);
	return rc;
}

void
sock_probe_caps(struct sock_caps *c, const struct addr *egress)
{
	struct pkt_probe pp;
	int fd;

	memset(c, 0, sizeof(*c));
	c->icmp_passes = c->tcp_passes = c->egress_passes = -1;
	if ((fd = raw_socket(AF_INET, IPPROTO_ICMP)) != -1) {
		c->icmp = 1;
		c->timestamp = stamp(fd) == 0;
		close(fd);
	}
	if ((fd = raw_socket(AF_INET, IPPROTO_TCP)) != -1) {
		c->tcp = 1;
		close(fd);
	}
	if ((fd = raw_socket(AF_INET, IPPROTO_RAW)) != -1) {
		c->hdrincl = 1;
		close(fd);
	}
	if ((fd = raw_socket(AF_INET6, IPPROTO_RAW)) != -1) {
		close(fd);
		if ((fd = raw_socket(AF_INET6, IPPROTO_ICMPV6)) != -1) {
			c->ipv6 = 1;
			close(fd);
		}
	}
	memset(&pp, 0, sizeof(pp));
	pp.src.af = pp.dst.af = 4;
	pp.src.b[0] = pp.dst.b[0] = 127;
	pp.src.b[3] = pp.dst.b[3] = 1;
	pp.ttl = 64;
	pp.cksum = -1;
	pp.icmp_id = (uint16_t)(getpid() ^ 0x5a5a);
	pp.icmp_seq = 1;
	pp.sport = (uint16_t)(49152 + getpid() % 16384);
	pp.dport = 9; /* discard: closed almost everywhere, so a RST */
	pp.tcp_seq = 0x70696e67;
	if (c->icmp && c->hdrincl)
		c->icmp_passes = loopback_passes(
		    IPPROTO_ICMP, &pp, pkt_build_icmp_echo, is_echo_reply);
	if (c->tcp && c->hdrincl)
		c->tcp_passes = loopback_passes(
		    IPPROTO_TCP, &pp, pkt_build_tcp_syn, is_tcp_answer);
	if (egress != NULL && egress->af == 4 && c->icmp && c->hdrincl)
		c->egress_passes = egress_passes(egress);
}

int
sock_caps_icmp(const struct sock_caps *c)
{
	return c->icmp && c->hdrincl && c->icmp_passes != 0 &&
	    c->egress_passes != 0;
}

int
sock_caps_udp(const struct sock_caps *c)
{
	return sock_caps_icmp(c);
}

int
sock_caps_tcp(const struct sock_caps *c)
{
	return c->tcp && c->hdrincl && c->tcp_passes != 0;
}
