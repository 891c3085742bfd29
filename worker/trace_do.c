/*
 * trace_do.c --
 *	The Paris traceroute state machine (see trace_do.h).
 */
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "trace_do.h"
#include "util.h"

struct trace_do {
	struct trace_cmd cmd; /* allow set not copied */
	struct loop *loop;
	uint32_t seq0; /* TCP sequence base */
	int n;         /* probes */
	int done;
	int end_ttl;           /* lowest TTL known to end the path, or 256 */
	int near_ttl;          /* highest TTL answered so far, or 0 */
	uint64_t near_wait_us; /* wait below it (expire_below), µs */
	int hold_ttl;          /* probes above it held back (hint), or 0 */
	int router_ttl; /* highest TTL a router answered (not ending), or 0 */
	int gss_ttl;    /* lowest TTL answered from a stop-set address, or 0 */
	int dst_ttl;    /* lowest TTL the destination answered at, or 256 */
	struct probe *probes;
	struct trace_outcome out;
};

static int
pending(const struct probe *p)
{
	return p->state == PROBE_NEW || p->state == PROBE_SCHEDULED ||
	    p->state == PROBE_QUEUED || p->state == PROBE_INFLIGHT;
}

/*
 * Distance hints, shared by the traces of this process: the TTL at which
 * a destination in each /24 (IPv4) or /48 (IPv6) was last found to end
 * its path.  A trace's probes are sent in a random order, so without a
 * hint some of those beyond the destination's distance leave before its
 * answer could cancel them: with a hint, a probe above it is held back
 * (trace_do_hold) while the probes up to the hint are unsent or recently
 * sent, and is cancelled if the destination answers there.  A wrong hint
 * costs a little time (see wait_upto: 20 ms or two round trips after the
 * last probe up to the hint left), never a hop.  Direct-mapped: a
 * collision forgets a hint.
 */
#define HINTS 1024

struct hint {
	uint8_t af, ttl;
	uint8_t pfx[6];
};

static struct hint hints[HINTS];

static struct hint *
hint_slot(const struct addr *a, uint8_t pfx[6])
{
	uint32_t h = 2166136261u;
	int i;

	memset(pfx, 0, 6);
	memcpy(pfx, a->b, a->af == 6 ? 6 : 3);
	for (i = 0; i < 6; i++)
		h = (h ^ pfx[i]) * 16777619u;
	return &hints[(h ^ a->af) % HINTS];
}

/* The hinted distance of 'a', or 0. */
static int
hint_get(const struct addr *a)
{
	uint8_t pfx[6];
	const struct hint *h = hint_slot(a, pfx);

	if (h->af != a->af || memcmp(h->pfx, pfx, sizeof(pfx)) != 0)
		return 0;
	return h->ttl;
}

/*
 * The destination 'a' ends its path at 'ttl'; 'exact' when every TTL
 * below is resolved (else 'ttl' is only a bound, say an echo reply to
 * a probe sent beyond the destination, and lowers a hint but never
 * raises it).
 */
static void
hint_set(const struct addr *a, int ttl, int exact)
{
	uint8_t pfx[6];
	struct hint *h = hint_slot(a, pfx);

	if (ttl < 1 || ttl > 255)
		return;
	if (h->af == a->af && memcmp(h->pfx, pfx, sizeof(pfx)) == 0 && !exact &&
	    h->ttl <= ttl)
		return;
	h->af = a->af;
	memcpy(h->pfx, pfx, sizeof(pfx));
	h->ttl = (uint8_t)ttl;
}

/*
 * How long a probe above 'ttl' should still wait for those at or below
 * it, at 'now' (µs): HOLD_STEP_US while one is still to be sent (in a
 * long send queue its turn may be far off), else until the newest in
 * flight has been out for two of the longest round trips the trace has
 * seen (near_wait_us is ten of them), at least HOLD_MIN_US: the
 * destination's answer, if it comes, has come by then.  Else 0.
 */
#define HOLD_STEP_US 5000
#define HOLD_MIN_US  20000

static uint64_t
wait_upto(const struct trace_do *td, int ttl, uint64_t now)
{
	uint64_t w = 0, lim = td->near_wait_us / 5, end;
	const struct probe *p;
	int i;

	if (lim < HOLD_MIN_US)
		lim = HOLD_MIN_US;
	if (lim > (uint64_t)td->cmd.timeout_ms * 1000)
		lim = (uint64_t)td->cmd.timeout_ms * 1000;
	for (i = 0; i < td->n && td->probes[i].ttl <= ttl; i++) {
		p = &td->probes[i];
		if (p->state == PROBE_INFLIGHT) {
			end = p->tx_us + lim;
			if (end > now && end - now > w)
				w = end - now;
		} else if (pending(p) && w < HOLD_STEP_US)
			w = HOLD_STEP_US;
	}
	return w;
}

static int
trace_do_start(void *arg)
{
	struct trace_do *td = arg;
	size_t order[256];
	int k, t;

	td->out.timestamp = (int64_t)time(NULL);
	/*
	 * In rounds: one probe of every TTL, then the next of every TTL, so
	 * that the probes one router gets are spread over the trace rather
	 * than sent back to back (routers rate-limit their ICMP errors).
	 * Within a round the TTLs go out in a random order (Fisher-Yates,
	 * afresh per round), as Yarrp does: no router sees the trace's
	 * probes in a predictable burst and no hop is always probed last.
	 */
	for (k = 0; k < td->out.packets; k++) {
		for (t = 0; t < td->out.nttl; t++)
			order[t] = (size_t)t;
		util_shuffle(order, (size_t)td->out.nttl);
		for (t = 0; t < td->out.nttl; t++)
			loop_probe_at(td->loop,
			    &td->probes[order[t] * td->out.packets + k], 0);
	}
	return 0;
}

/*
 * A probe above the hinted distance is put back (the loop asks again
 * when the time returned has passed) while the probes at or below it are
 * unsent or recently sent: if the destination answers there, the probe
 * is cancelled unsent.  The threshold a trace uses only comes down
 * (hints learnt meanwhile).  Not held once a router answered at or above
 * it: the path goes on.
 */
static uint64_t
trace_do_hold(void *arg, const struct probe *p, uint64_t now)
{
	struct trace_do *td = arg;
	int h = hint_get(&td->cmd.dst);

	if (h == 0 || (td->hold_ttl != 0 && td->hold_ttl < h))
		h = td->hold_ttl;
	if (h == 0 || p->ttl <= h || td->router_ttl >= h)
		return 0;
	td->hold_ttl = h;
	return wait_upto(td, h, now);
}

static size_t
trace_do_send(void *arg, struct probe *p, uint8_t *pkt, size_t cap)
{
	struct trace_do *td = arg;
	struct pkt_probe pp;
	uint32_t id = loop_next_id(td->loop);

	/* Sent after a higher TTL answered: the shorter wait from the start. */
	if (p->ttl < td->near_ttl && td->near_wait_us < p->timeout_us)
		p->timeout_us = (uint32_t)td->near_wait_us;
	memset(&pp, 0, sizeof(pp));
	pp.src = td->out.src;
	pp.dst = td->cmd.dst;
	pp.ttl = p->ttl;
	pp.ipid = (uint16_t)id;
	pp.cksum = -1;
	switch (td->cmd.proto) {
	case PROTO_ICMP:
		pp.flow = (uint32_t)td->cmd.paris_id;
		pp.icmp_id = loop_icmp_id(td->loop);
		pp.icmp_seq = (uint16_t)id;
		pp.cksum = td->cmd.paris_id;
		probe_key_icmp(&p->key, &pp.dst, pp.icmp_id, pp.icmp_seq);
		return pkt_build_icmp_echo(&pp, pkt, cap);
	case PROTO_UDP:
		pp.flow = (uint32_t)td->cmd.paris_id;
		pp.sport = TRACE_SPORT(td->cmd.paris_id);
		pp.dport = (uint16_t)td->cmd.port;
		pp.cksum = (int)(id % 65535) + 1; /* never 0: RFC 768 */
		probe_key_ports(&p->key, IPPROTO_UDP, &pp.dst, pp.sport,
		    pp.dport, (uint32_t)pp.cksum);
		return pkt_build_udp(&pp, pkt, cap);
	case PROTO_TCP:
		pp.flow = (uint32_t)td->cmd.paris_id;
		pp.sport = TRACE_SPORT(td->cmd.paris_id);
		pp.dport = (uint16_t)td->cmd.port;
		pp.tcp_seq = td->seq0 + id;
		probe_key_ports(&p->key, IPPROTO_TCP, &pp.dst, pp.sport,
		    pp.dport, pp.tcp_seq);
		return pkt_build_tcp_syn(&pp, pkt, cap);
	}
	return 0;
}

/* The probes of TTL index 'i'. */
static struct probe *
ttl_probes(struct trace_do *td, int i)
{
	return &td->probes[i * td->out.packets];
}

/* Does an answer at this TTL end the trace (destination, unreachable)? */
static int
halts(const struct trace_probe_outcome *o)
{
	return o->answered && (o->reached || o->icmp_type == ICMP_T_UNREACH);
}

/*
 * Decide whether the trace is complete: walking from the first TTL,
 * every TTL must be resolved (answered, timed out or failed) up to the
 * first that halts or ends a run of gap_limit silent hops.  Then cancel
 * whatever is still outstanding beyond it.
 */
static void
check_done(struct trace_do *td)
{
	struct trace_outcome *o = &td->out;
	int i, k, last = -1, run = 0, silent, halt = 0;

	if (td->done)
		return;
	for (i = 0; i < o->nttl && last < 0; i++) {
		silent = 1;
		halt = 0;
		for (k = 0; k < o->packets; k++) {
			if (pending(&ttl_probes(td, i)[k]))
				return;
			if (o->v[i * o->packets + k].answered)
				silent = 0;
			if (halts(&o->v[i * o->packets + k]))
				halt = 1;
		}
		run = silent ? run + 1 : 0;
		if (halt || o->first_hop + i >= td->end_ttl ||
		    run >= td->cmd.gap_limit)
			last = i;
	}
	if (last < 0)
		last = o->nttl - 1;
	td->done = 1;
	o->last_ttl = o->first_hop + last;
	o->gss = td->gss_ttl == o->last_ttl && !halt;
	o->endtime = (int64_t)time(NULL);
	for (k = 0; k < o->packets; k++)
		if (o->v[last * o->packets + k].reached)
			hint_set(&td->cmd.dst, o->last_ttl, 1);
	for (i = (last + 1) * o->packets; i < td->n; i++)
		loop_probe_cancel(td->loop, &td->probes[i]);
}

/*
 * An answer at 'ttl' ends the path there: probes with a higher TTL that
 * have not left yet would only reach the same end, so they are not sent,
 * which saves the rate cap for other measurements.  Those already in
 * flight are left to answer or time out.
 */
static void
drop_beyond(struct trace_do *td, int ttl)
{
	int i;

	for (i = (ttl - td->out.first_hop + 1) * td->out.packets; i < td->n;
	     i++)
		if (td->probes[i].state == PROBE_QUEUED ||
		    td->probes[i].state == PROBE_SCHEDULED)
			loop_probe_cancel(td->loop, &td->probes[i]);
}

/* The path ends at 'ttl' (or earlier, if already known). */
static void
end_at(struct trace_do *td, int ttl)
{
	if (ttl < td->out.first_hop || ttl >= td->end_ttl)
		return;
	td->end_ttl = ttl;
	drop_beyond(td, ttl);
}

/*
 * An answer from TTL 'p->ttl' after 'rtt_us' shows the path beyond the
 * lower TTLs working: a router there that has not answered its probe,
 * sent at about the same time, is very likely silent.  As Linux
 * traceroute does (its -w MAX,HERE,NEAR, NEAR = 10), such a probe waits
 * at most NEAR times that round trip from its own send time, but never
 * less than NEAR_FLOOR_US (routers answer from their slow path, and a
 * LAN round trip of 50 µs says little about that), nor more than --wait.
 * Without this every trace through a silent hop would last the whole
 * --wait even though all its TTLs were answered long before.
 */
#define NEAR          10
#define NEAR_FLOOR_US 20000

static void
expire_below(struct trace_do *td, const struct probe *p, uint32_t rtt_us)
{
	uint64_t wait = (uint64_t)rtt_us * NEAR;
	int i;

	if (wait < NEAR_FLOOR_US)
		wait = NEAR_FLOOR_US;
	if (wait > td->near_wait_us)
		td->near_wait_us = wait;
	if (p->ttl > td->near_ttl)
		td->near_ttl = p->ttl;
	for (i = 0; i < td->n && td->probes[i].ttl < p->ttl; i++)
		loop_probe_expire_by(td->loop, &td->probes[i],
		    td->probes[i].tx_us + td->near_wait_us);
}

/* Is 'a' in the command's stop set? */
static int
in_stop_set(const struct trace_do *td, const struct addr *a)
{
	int i;

	for (i = 0; i < td->cmd.nstop_set; i++)
		if (addr_cmp(&td->cmd.stop_set[i], a) == 0)
			return 1;
	return 0;
}

/*
 * Doubletree's forward stop rule: a router answering from an address
 * of the stop set is on a path already known from other vantages, so
 * the TTLs beyond it would only measure that path again.  The trace ends
 * there as it would at the destination: probes not yet sent are
 * cancelled, those in flight are ignored.
 */
static void
stop_at_known(struct trace_do *td, const struct probe *p,
    const struct trace_probe_outcome *o)
{
	if (halts(o) || o->reached || !in_stop_set(td, &o->from))
		return;
	if (td->gss_ttl == 0 || p->ttl < td->gss_ttl)
		td->gss_ttl = p->ttl;
	end_at(td, p->ttl);
}

static void
trace_do_reply(void *arg, struct probe *p, const struct probe_reply *r)
{
	struct trace_do *td = arg;
	struct trace_probe_outcome *o = &td->out.v[p->index];

	o->answered = 1;
	o->from = r->from;
	o->rtt_us = r->rtt_us;
	o->ttl = r->ttl;
	o->size = r->size;
	o->reached = addr_cmp(&r->from, &td->cmd.dst) == 0;
	if (r->kind == PROBE_REPLY_ICMP) {
		o->icmp_type = r->icmp->type;
		o->icmp_code = r->icmp->code;
		o->ittl = r->icmp->has_quote ? r->icmp->q_ttl : -1;
		o->mtu = r->icmp->mtu;
		memcpy(o->mpls, r->icmp->mpls, sizeof(o->mpls));
		o->nmpls = r->icmp->nmpls;
	}
	expire_below(td, p, r->rtt_us);
	if (!halts(o) && !o->reached && p->ttl > td->router_ttl)
		td->router_ttl = p->ttl;
	if (halts(o))
		end_at(td, p->ttl);
	stop_at_known(td, p, o);
	/*
	 * The destination's ICMP error quotes our probe with the TTL it had
	 * left on arrival, so it tells the destination's distance even when
	 * the answering probe was sent with a higher TTL: sent t, arrived
	 * with q, the destination is t - q + 1 hops away.  Hosts rate-limit
	 * their ICMP errors (Linux: about one a second per peer), so the
	 * probes at that very distance may go unanswered while a higher one
	 * gets through; without this the trace would end one or more hops
	 * too far, after stars.
	 */
	if (o->reached && o->ittl >= 1 && o->ittl <= p->ttl)
		end_at(td, p->ttl - o->ittl + 1);
	/*
	 * The hint is the destination's distance, which a stop at a known
	 * hop (in end_ttl once gss_ttl is set) says nothing about.
	 */
	if (o->reached) {
		if (p->ttl < td->dst_ttl)
			td->dst_ttl = p->ttl;
		if (o->ittl >= 1 && o->ittl <= p->ttl &&
		    p->ttl - o->ittl + 1 < td->dst_ttl)
			td->dst_ttl = p->ttl - o->ittl + 1;
		hint_set(&td->cmd.dst,
		    td->gss_ttl != 0 ? td->dst_ttl : td->end_ttl, 0);
	}
	check_done(td);
}

static void
trace_do_timeout(void *arg, struct probe *p)
{
	(void)p;
	check_done(arg);
}

static void
trace_do_free(void *arg)
{
	struct trace_do *td = arg;

	if (td == NULL)
		return;
	free(td->probes);
	free(td->out.v);
	free(td);
}

const struct probe_ops trace_do_ops = {
	.name = "trace",
	.start = trace_do_start,
	.hold = trace_do_hold,
	.send = trace_do_send,
	.reply = trace_do_reply,
	.timeout = trace_do_timeout,
	.free = trace_do_free,
};

struct trace_do *
trace_do_new(const struct trace_cmd *c, struct loop *l, const struct addr *src,
    struct errbuf *eb)
{
	struct trace_do *td;
	int nttl = c->max_hops - c->first_hop + 1, i;
	size_t n = (size_t)nttl * (size_t)c->packets;
	uint8_t scratch[PKT_MAX];
	struct pkt_probe pp;

	if ((td = calloc(1, sizeof(*td))) == NULL ||
	    (td->probes = calloc(n, sizeof(*td->probes))) == NULL ||
	    (td->out.v = calloc(n, sizeof(*td->out.v))) == NULL) {
		trace_do_free(td);
		errbuf_set(eb, "out of memory");
		return NULL;
	}
	td->cmd = *c;
	td->cmd.allow = (struct prefix_set)PREFIX_SET_INIT;
	td->loop = l;
	td->n = (int)n;
	td->end_ttl = td->dst_ttl = 256;
	td->seq0 = util_random32();
	td->out.src = *src;
	td->out.endtime = -1;
	td->out.first_hop = c->first_hop;
	td->out.nttl = nttl;
	td->out.packets = c->packets;
	td->out.last_ttl = c->max_hops;
	memset(&pp, 0, sizeof(pp));
	pp.dst.af = c->dst.af;
	pp.cksum = -1;
	td->out.size = (int)(c->proto == PROTO_ICMP
		? pkt_build_icmp_echo(&pp, scratch, sizeof(scratch))
		: c->proto == PROTO_UDP
		? pkt_build_udp(&pp, scratch, sizeof(scratch))
		: pkt_build_tcp_syn(&pp, scratch, sizeof(scratch)));
	for (i = 0; i < td->n; i++) {
		td->probes[i].ops = &trace_do_ops;
		td->probes[i].arg = td;
		td->probes[i].index = i;
		td->probes[i].ttl = c->first_hop + i / c->packets;
		td->probes[i].timeout_us = (uint32_t)c->timeout_ms * 1000;
		td->out.v[i].ittl = -1;
		td->out.v[i].icmp_type = -1;
		td->out.v[i].mtu = -1;
	}
	return td;
}

const struct trace_outcome *
trace_do_outcome(const struct trace_do *td)
{
	return &td->out;
}

const struct trace_cmd *
trace_do_cmd(const struct trace_do *td)
{
	return &td->cmd;
}
