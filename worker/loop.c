/*
 * loop.c --
 *	The event loop (see loop.h).
 *
 *	One thread owns all state (a helper only sends half of a large
 *	batch, sendhelp.h); ppoll(2) on the two receiving sockets, with the wait
 *	bounded by the earliest of: the next timer (a probe's send time or
 *	its reply deadline, kept in a binary heap), the next token of the
 *	rate cap when probes are queued, and the next measurement a target
 *	interval holds back.  All times are CLOCK_MONOTONIC µs, so a clock
 *	step cannot fire or starve timers; RTTs come from the kernel's
 *	receive stamps (CLOCK_REALTIME) against its send stamps (read from
 *	the sending socket's error queue, drain_txstamps), or where there is
 *	none CLOCK_REALTIME read around each sendmmsg (flush_batch), falling
 *	back to the monotonic clock when the kernel gave no receive stamp or
 *	the wall clock moved meanwhile.
 */
#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <netinet/in.h>
#include <sys/prctl.h>

#include "log.h"
#include "loop.h"
#include "sendhelp.h"
#include "util.h"

#define HEAP_NONE     SIZE_MAX
#define RECV_BATCH    256  /* packets per socket per turn */
#define BACKOFF_US    1000 /* after ENOBUFS from sendto */
#define SEND_BATCH    32   /* probes per flush (two sendmmsg with the helper) */
#define BURST_SECONDS 0.01 /* token bucket depth: 10 ms of probes, */
#define BURST_MAX                                                              \
	128 /* but never more than this many at once:
				    longer bursts overflow device queues
				    (netdev_max_backlog) and lose probes */

struct task {
	const struct probe_ops *ops;
	void *arg;
	struct addr dst;
	int started;
};

/* Last start of a measurement per target, for the per-target interval. */
struct target_seen {
	struct addr a;
	uint64_t last_us;
	struct target_seen *next;
};

/* The probes of one sendmmsg, all to one family's socket. */
struct send_batch {
	struct probe *p[SEND_BATCH];
	uint8_t pkt[SEND_BATCH][PKT_MAX];
	size_t len[SEND_BATCH];
	struct addr dst[SEND_BATCH];
	int n, af;
};

struct loop {
	struct sock_set socks;
	struct loop_conf conf;
	uint16_t icmp_id;
	uint32_t counter;

	struct probe **heap; /* timers, earliest first */
	size_t nheap, capheap;

	struct probe **hash; /* in-flight and past probes by key */
	size_t nhash, caphash;

	struct probe *qhead, *qtail; /* waiting for rate-cap tokens */
	size_t nqueue;

	struct task *tasks;
	size_t ntasks, captasks, first_pending;

	struct target_seen **seen; /* per-target last start */
	size_t capseen;

	double tokens;
	uint64_t refill_us, backoff_until;
	size_t outstanding; /* probes scheduled, queued or in flight */

	struct loop_stats stats;
	struct send_batch tx;    /* probes being sent */
	struct sock_batch rx;    /* received packets */
	struct sock_txbatch txs; /* kernel send stamps */
	int txs_matched;         /* a send stamp has matched a probe */
	struct sendhelp *helper; /* sends half of a large batch, or NULL */
	int helper_tried;        /* started on the first large batch */
};

static double burst_max(const struct loop *l);

uint64_t
loop_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

/*
 * The key's bytes (zeroed padding included, see probe.h) four at a time,
 * each multiplied in and folded: a handful of instructions per probe sent
 * or reply matched, where a byte-wise FNV-1a took 28 rounds.
 */
static size_t
key_hash(const struct probe_key *k)
{
	const uint8_t *p = (const uint8_t *)k;
	uint64_t h = 0x9e3779b97f4a7c15ULL;
	uint32_t w;
	size_t i;

	_Static_assert(sizeof(*k) % sizeof(w) == 0, "key of whole words");
	for (i = 0; i < sizeof(*k); i += sizeof(w)) {
		memcpy(&w, p + i, sizeof(w));
		h = (h ^ w) * 0xff51afd7ed558ccdULL;
		h ^= h >> 29;
	}
	return (size_t)(h ^ (h >> 32));
}

static size_t
addr_hash(const struct addr *a)
{
	struct probe_key k;

	probe_key_icmp(&k, a, 0, 0);
	return key_hash(&k);
}

/* ---------------------------------------------------------------------
 * Timer heap
 * --------------------------------------------------------------------- */

static void
heap_set(struct loop *l, size_t i, struct probe *p)
{
	l->heap[i] = p;
	p->heap_idx = i;
}

static void
heap_up(struct loop *l, size_t i)
{
	struct probe *p = l->heap[i];

	while (i > 0 && l->heap[(i - 1) / 2]->at_us > p->at_us) {
		heap_set(l, i, l->heap[(i - 1) / 2]);
		i = (i - 1) / 2;
	}
	heap_set(l, i, p);
}

static void
heap_down(struct loop *l, size_t i)
{
	struct probe *p = l->heap[i];
	size_t c;

	for (;;) {
		c = 2 * i + 1;
		if (c >= l->nheap)
			break;
		if (c + 1 < l->nheap &&
		    l->heap[c + 1]->at_us < l->heap[c]->at_us)
			c++;
		if (l->heap[c]->at_us >= p->at_us)
			break;
		heap_set(l, i, l->heap[c]);
		i = c;
	}
	heap_set(l, i, p);
}

static int
heap_push(struct loop *l, struct probe *p)
{
	struct probe **n;
	size_t cap;

	if (l->nheap == l->capheap) {
		cap = l->capheap == 0 ? 256 : l->capheap * 2;
		if ((n = realloc(l->heap, cap * sizeof(*n))) == NULL)
			return -1;
		l->heap = n;
		l->capheap = cap;
	}
	heap_set(l, l->nheap++, p);
	heap_up(l, l->nheap - 1);
	return 0;
}

static void
heap_remove(struct loop *l, struct probe *p)
{
	size_t i = p->heap_idx;

	if (i == HEAP_NONE || i >= l->nheap || l->heap[i] != p)
		return;
	p->heap_idx = HEAP_NONE;
	if (--l->nheap == i)
		return;
	heap_set(l, i, l->heap[l->nheap]);
	heap_down(l, i);
	heap_up(l, l->heap[i]->heap_idx);
}

/* ---------------------------------------------------------------------
 * Probe hash
 * --------------------------------------------------------------------- */

/* Rehash into 'cap' buckets (a power of two above the current). */
static int
hash_resize(struct loop *l, size_t cap)
{
	struct probe **n, *p, *next;
	size_t i, h;

	if ((n = calloc(cap, sizeof(*n))) == NULL)
		return -1;
	for (i = 0; i < l->caphash; i++)
		for (p = l->hash[i]; p != NULL; p = next) {
			next = p->hnext;
			h = key_hash(&p->key) & (cap - 1);
			p->hnext = n[h];
			n[h] = p;
		}
	free(l->hash);
	l->hash = n;
	l->caphash = cap;
	return 0;
}

static int
hash_grow(struct loop *l)
{
	return hash_resize(l, l->caphash == 0 ? 1024 : l->caphash * 2);
}

/*
 * Room for 'n' probes without growing: a sweep knows how many
 * measurements it starts, and rehashing tens of thousands of scattered
 * probes while they are being sent costs a cache miss each.  Best effort
 * (without memory the table grows as it goes).
 */
static void
hash_reserve(struct loop *l, size_t n)
{
	size_t cap = l->caphash == 0 ? 1024 : l->caphash;

	while (cap < n)
		cap *= 2;
	if (cap > l->caphash)
		(void)hash_resize(l, cap);
}

/*
 * Newest first: when a counter wraps and a key repeats, the probe sent
 * last is the one a fresh reply belongs to.
 */
static int
hash_insert(struct loop *l, struct probe *p)
{
	size_t h;

	if (l->nhash >= l->caphash && hash_grow(l) == -1)
		return -1;
	h = key_hash(&p->key) & (l->caphash - 1);
	p->hnext = l->hash[h];
	l->hash[h] = p;
	p->hashed = 1;
	l->nhash++;
	return 0;
}

static struct probe *
hash_find(const struct loop *l, const struct probe_key *k)
{
	struct probe *p;

	if (l->caphash == 0)
		return NULL;
	for (p = l->hash[key_hash(k) & (l->caphash - 1)]; p != NULL;
	     p = p->hnext)
		if (memcmp(&p->key, k, sizeof(*k)) == 0)
			return p;
	return NULL;
}

/* ---------------------------------------------------------------------
 * Send queue
 * --------------------------------------------------------------------- */

static void
queue_append(struct loop *l, struct probe *p)
{
	p->qnext = NULL;
	p->qprev = l->qtail;
	if (l->qtail != NULL)
		l->qtail->qnext = p;
	else
		l->qhead = p;
	l->qtail = p;
	l->nqueue++;
}

static void
queue_remove(struct loop *l, struct probe *p)
{
	if (p->qprev != NULL)
		p->qprev->qnext = p->qnext;
	else
		l->qhead = p->qnext;
	if (p->qnext != NULL)
		p->qnext->qprev = p->qprev;
	else
		l->qtail = p->qprev;
	p->qprev = p->qnext = NULL;
	l->nqueue--;
}

/* ---------------------------------------------------------------------
 * Life cycle
 * --------------------------------------------------------------------- */

struct loop *
loop_new(const struct sock_set *socks, const struct loop_conf *c,
    uint16_t icmp_id, struct errbuf *eb)
{
	struct loop *l;

	if (c->rate_pps <= 0) {
		errbuf_set(eb, "rate cap must be positive");
		return NULL;
	}
	if ((l = calloc(1, sizeof(*l))) == NULL) {
		errbuf_set(eb, "out of memory");
		return NULL;
	}
	l->socks = *socks;
	l->conf = *c;
	l->icmp_id = icmp_id;
	/*
	 * A random start for probe numbers: two workers on one host that
	 * happen to share an ICMP identifier still number their probes
	 * differently, so neither takes the other's replies.
	 */
	l->counter = util_random32();
	/*
	 * Full, as after any idle 10 ms: nothing was sent before, and a run
	 * capped at its rate_pps should not spend its first 10 ms filling.
	 */
	l->tokens = burst_max(l);
	l->refill_us = loop_now_us();
	/*
	 * The waits between tokens are short (100 µs at 10,000 probes/s);
	 * the default 50 µs of timer slack would make them half as long
	 * again and the probes leave in pairs.
	 */
	(void)prctl(PR_SET_TIMERSLACK, 1000UL, 0UL, 0UL, 0UL);
	return l;
}

void
loop_free(struct loop *l)
{
	struct target_seen *s, *next;
	size_t i;

	if (l == NULL)
		return;
	sendhelp_free(l->helper);
	for (i = 0; i < l->capseen; i++)
		for (s = l->seen[i]; s != NULL; s = next) {
			next = s->next;
			free(s);
		}
	free(l->seen);
	free(l->heap);
	free(l->hash);
	for (i = 0; i < l->ntasks; i++)
		l->tasks[i].ops->free(l->tasks[i].arg);
	free(l->tasks);
	free(l);
}

int
loop_add(struct loop *l, const struct probe_ops *ops, void *arg,
    const struct addr *dst, struct errbuf *eb)
{
	struct task *n;
	size_t cap;

	if (l->ntasks == l->captasks) {
		cap = l->captasks == 0 ? 16 : l->captasks * 2;
		if ((n = realloc(l->tasks, cap * sizeof(*n))) == NULL)
			return errbuf_set(eb, "out of memory");
		l->tasks = n;
		l->captasks = cap;
	}
	l->tasks[l->ntasks].ops = ops;
	l->tasks[l->ntasks].arg = arg;
	l->tasks[l->ntasks].dst = *dst;
	l->tasks[l->ntasks].started = 0;
	l->ntasks++;
	return 0;
}

uint32_t
loop_next_id(struct loop *l)
{
	return ++l->counter;
}

uint16_t
loop_icmp_id(const struct loop *l)
{
	return l->icmp_id;
}

const struct loop_stats *
loop_stats(const struct loop *l)
{
	return &l->stats;
}

void
loop_probe_at(struct loop *l, struct probe *p, uint64_t delay_us)
{
	p->heap_idx = HEAP_NONE;
	p->qprev = p->qnext = NULL;
	l->outstanding++;
	if (delay_us == 0) {
		p->state = PROBE_QUEUED;
		queue_append(l, p);
		return;
	}
	p->state = PROBE_SCHEDULED;
	p->at_us = loop_now_us() + delay_us;
	if (heap_push(l, p) == -1) {
		/* No memory for a timer: send it now rather than never. */
		p->state = PROBE_QUEUED;
		queue_append(l, p);
	}
}

void
loop_probe_cancel(struct loop *l, struct probe *p)
{
	switch (p->state) {
	case PROBE_SCHEDULED:
	case PROBE_INFLIGHT:
		heap_remove(l, p);
		break;
	case PROBE_QUEUED:
		queue_remove(l, p);
		break;
	default:
		return;
	}
	l->outstanding--;
	p->state = PROBE_CANCELLED;
}

void
loop_probe_expire_by(struct loop *l, struct probe *p, uint64_t at_us)
{
	if (p->state != PROBE_INFLIGHT || p->at_us <= at_us ||
	    p->heap_idx == HEAP_NONE)
		return;
	/* An earlier deadline only ever moves a timer up the heap. */
	p->at_us = at_us;
	heap_up(l, p->heap_idx);
}

/* ---------------------------------------------------------------------
 * Per-target interval
 * --------------------------------------------------------------------- */

static struct target_seen *
seen_find(struct loop *l, const struct addr *a, int create)
{
	struct target_seen *s;
	size_t h;

	if (l->capseen == 0) {
		if (!create ||
		    (l->seen = calloc(4096, sizeof(*l->seen))) == NULL)
			return NULL;
		l->capseen = 4096;
	}
	h = addr_hash(a) & (l->capseen - 1);
	for (s = l->seen[h]; s != NULL; s = s->next)
		if (addr_cmp(&s->a, a) == 0)
			return s;
	if (!create || (s = calloc(1, sizeof(*s))) == NULL)
		return NULL;
	s->a = *a;
	s->next = l->seen[h];
	l->seen[h] = s;
	return s;
}

/*
 * Interleave the probes queued after 'after' (NULL: the whole queue) at
 * random, keeping each measurement's own order: a random merge of the
 * sequences the measurements started this turn appended one after the
 * other.  As Yarrp permutes its whole (target, TTL) space, a router then
 * sees the probes of many measurements spread over the run rather than
 * one measurement's in a burst, and the probes of one trace are far
 * enough apart in time that an earlier one's answer (the destination
 * reached) can cancel later ones before they leave.  Without memory for
 * the scratch arrays the queue stays as it is.
 */
static void
queue_interleave(struct loop *l, struct probe *after)
{
	struct probe *p, **v = NULL, **out = NULL;
	size_t n = 0, nrun = 0, i, *run = NULL, *cur = NULL;

	for (p = after != NULL ? after->qnext : l->qhead; p != NULL;
	     p = p->qnext)
		n++;
	if (n < 2 || (v = malloc(n * sizeof(*v))) == NULL ||
	    (out = malloc(n * sizeof(*out))) == NULL ||
	    (run = malloc(n * sizeof(*run))) == NULL ||
	    (cur = malloc(n * sizeof(*cur))) == NULL)
		goto out;
	/* The runs of consecutive probes of one measurement. */
	for (i = 0, p = after != NULL ? after->qnext : l->qhead; p != NULL;
	     p = p->qnext, i++) {
		v[i] = p;
		if (i == 0 || p->arg != v[i - 1]->arg)
			cur[nrun++] = i;
		run[i] = nrun - 1;
	}
	/* Shuffle the run labels (Fisher-Yates), then deal each run's
	   probes, in their order, to the places its label landed on. */
	util_shuffle(run, n);
	for (i = 0; i < n; i++)
		out[i] = v[cur[run[i]]++];
	for (i = 0; i < n; i++) {
		out[i]->qprev = i > 0 ? out[i - 1] : after;
		out[i]->qnext = i + 1 < n ? out[i + 1] : NULL;
	}
	if (after != NULL)
		after->qnext = out[0];
	else
		l->qhead = out[0];
	l->qtail = out[n - 1];
out:
	free(v);
	free(out);
	free(run);
	free(cur);
}

/*
 * Start the measurements whose target is free.  Returns the µs until the
 * next held-back one may start, or UINT64_MAX.
 */
static uint64_t
start_tasks(struct loop *l, uint64_t now)
{
	uint64_t gap = (uint64_t)l->conf.target_interval_ms * 1000, wait;
	uint64_t next = UINT64_MAX;
	struct target_seen *s;
	struct probe *tail = l->qtail;
	struct task *t;
	size_t i, before;
	int all = 1, started = 0, several = 0;

	for (i = l->first_pending; i < l->ntasks; i++) {
		t = &l->tasks[i];
		if (t->started)
			continue;
		/* Without an interval there is nothing to remember. */
		s = gap > 0 ? seen_find(l, &t->dst, 1) : NULL;
		if (s != NULL && s->last_us != 0 && now < s->last_us + gap) {
			wait = s->last_us + gap - now;
			if (wait < next)
				next = wait;
			all = 0;
			continue;
		}
		if (s != NULL)
			s->last_us = now;
		t->started = 1;
		started++;
		before = l->nqueue;
		if (t->ops->start(t->arg) == -1)
			LOG(LOG_LVL_WARN, "%s: could not start", t->ops->name);
		several |= l->nqueue > before + 1;
		if (all)
			l->first_pending = i + 1;
	}
	/*
	 * The measurements were added in a random order (loop_add), so
	 * those that queued one probe each (a ping sweep) are in a random
	 * order already, and in the order of their memory: no relinking.
	 */
	if (started > 1 && several)
		queue_interleave(l, tail);
	return next;
}

/* ---------------------------------------------------------------------
 * Sending
 * --------------------------------------------------------------------- */

/* The bucket's depth: 10 ms of probes, 1 .. BURST_MAX. */
static double
burst_max(const struct loop *l)
{
	double burst = l->conf.rate_pps * BURST_SECONDS;

	if (burst > BURST_MAX)
		burst = BURST_MAX;
	if (burst < 1)
		burst = 1;
	return burst;
}

static void
refill(struct loop *l, uint64_t now)
{
	double burst = burst_max(l);

	l->tokens += (double)(now - l->refill_us) * l->conf.rate_pps / 1e6;
	if (l->tokens > burst)
		l->tokens = burst;
	l->refill_us = now;
}

static void
fail_probe(struct loop *l, struct probe *p, int err)
{
	p->state = PROBE_FAILED;
	p->err = err;
	l->outstanding--;
	l->stats.send_errors++;
	l->stats.send_errno = err;
	p->ops->timeout(p->arg, p);
}

/* The probed address of 'p', from its key. */
static void
probe_dst(const struct probe *p, struct addr *dst)
{
	memset(dst, 0, sizeof(*dst));
	dst->af = p->key.af;
	memcpy(dst->b, p->key.dst, sizeof(dst->b));
}

/* Put 'p' back at the head of the queue (after EAGAIN/ENOBUFS). */
static void
queue_push_front(struct loop *l, struct probe *p)
{
	p->qnext = l->qhead;
	p->qprev = NULL;
	if (l->qhead != NULL)
		l->qhead->qprev = p;
	else
		l->qtail = p;
	l->qhead = p;
	l->nqueue++;
}

/*
 * Mark the probes b->p[lo, hi) that segment 'r' sent as in flight, their
 * send times spread over the system call (below); fail the one the
 * kernel refused for good.  Returns the index of the first probe to put
 * back in the queue.
 */
static int
settle(struct loop *l, int lo, int hi, const struct sendhelp_result *r)
{
	struct send_batch *b = &l->tx;
	uint64_t span_ns, off, n = (uint64_t)(hi - lo);
	struct probe *p;
	int i, k;

	span_ns = (uint64_t)(r->r1.tv_sec - r->r0.tv_sec) * 1000000000 +
	    (uint64_t)r->r1.tv_nsec - (uint64_t)r->r0.tv_nsec;
	if (r->r1.tv_sec < r->r0.tv_sec ||
	    span_ns > (r->m1 - r->m0 + 1000) * 1000)
		span_ns = (r->m1 - r->m0) * 1000; /* the wall clock stepped */
	for (k = 0; k < r->sent; k++) {
		p = b->p[lo + k];
		l->tokens -= 1;
		l->stats.sent++;
		if (p->state != PROBE_SCHEDULED)
			continue; /* cancelled meanwhile: a reply is late */
		off = (uint64_t)r->r0.tv_nsec + span_ns * (uint64_t)k / n;
		p->tx_real.tv_sec = r->r0.tv_sec + (time_t)(off / 1000000000);
		p->tx_real.tv_nsec = (long)(off % 1000000000);
		p->tx_us = r->m0 + span_ns * (uint64_t)k / n / 1000;
		p->tx_kernel = 0;
		if (!p->hashed && hash_insert(l, p) == -1) {
			fail_probe(l, p, ENOMEM);
			continue;
		}
		p->state = PROBE_INFLIGHT;
		p->at_us = p->tx_us + p->timeout_us;
		if (heap_push(l, p) == -1)
			fail_probe(l, p, ENOMEM);
	}
	i = lo + r->sent;
	if (r->err != 0 && r->err != EAGAIN && r->err != ENOBUFS && i < hi) {
		/* This one cannot be sent; the others may. */
		if (b->p[i]->state == PROBE_SCHEDULED)
			fail_probe(l, b->p[i], r->err);
		i++;
	}
	return i;
}

/* Put b->p[from, hi) back at the head of the queue, in order. */
static void
requeue(struct loop *l, int from, int hi)
{
	struct send_batch *b = &l->tx;
	int i;

	for (i = hi - 1; i >= from; i--)
		if (b->p[i]->state == PROBE_SCHEDULED) {
			b->p[i]->state = PROBE_QUEUED;
			queue_push_front(l, b->p[i]);
		}
}

/*
 * Send what l->tx holds.  The send times are read once before and once
 * after the system call and spread evenly over the batch: the kernel
 * sends the packets one after the other, so the k-th left about k/n of
 * the way through (in the lab, where a whole round trip happens inside
 * the call, this keeps each RTT within its own share of it).  A batch of
 * SENDHELP_MIN or more is split in two, the second half sent by the
 * helper thread at the same time (sendhelp.h), each half timed on its
 * own.  Returns 0, or -1 when the socket asked us to wait
 * (EAGAIN/ENOBUFS).  Unsent probes go back to the head of the queue, in
 * order.
 */
static int
flush_batch(struct loop *l, uint64_t now)
{
	struct send_batch *b = &l->tx;
	struct sendhelp_result ra, rb;
	int fd = b->af == 6 ? l->socks.send6_fd : l->socks.send_fd;
	int n = b->n, half = n, next_a, next_b = n;

	if (n == 0)
		return 0;
	b->n = 0;
	/* Only a run that sends large batches ever starts the thread. */
	if (n >= SENDHELP_MIN && !l->helper_tried) {
		l->helper_tried = 1;
		if ((l->helper = sendhelp_new()) == NULL)
			LOG(LOG_LVL_DEBUG,
			    "no sending helper thread: one sends all");
	}
	if (l->helper != NULL && n >= SENDHELP_MIN) {
		half = n / 2;
		sendhelp_start(l->helper, fd, b->pkt + half, b->len + half,
		    b->dst + half, n - half);
	}
	sendhelp_send(fd, b->pkt, b->len, b->dst, half, &ra);
	if (half < n)
		sendhelp_wait(l->helper, &rb);
	next_a = settle(l, 0, half, &ra);
	if (half < n)
		next_b = settle(l, half, n, &rb);
	/* The second half's leftovers first, so the first half's lead. */
	requeue(l, next_b, n);
	requeue(l, next_a, half);
	if (ra.err == EAGAIN || ra.err == ENOBUFS ||
	    (half < n && (rb.err == EAGAIN || rb.err == ENOBUFS))) {
		l->backoff_until = now + BACKOFF_US;
		return -1;
	}
	return 0;
}

/*
 * Send queued probes while the rate cap has tokens, SEND_BATCH per
 * sendmmsg.  A probe taken into the batch is PROBE_SCHEDULED outside the
 * heap, so that cancelling it meanwhile (a callback of another probe)
 * only marks it.
 */
static void
send_queued(struct loop *l, uint64_t now)
{
	struct send_batch *b = &l->tx;
	struct probe *p;
	uint64_t hold;
	size_t len;

	if (now < l->backoff_until)
		return;
	refill(l, now);
	b->n = 0;
	while ((p = l->qhead) != NULL && l->tokens >= 1 + b->n) {
		queue_remove(l, p);
		/*
		 * The queue is in a random order over memory: ask for the
		 * next probes' lines now, so that building this one hides
		 * the cache misses.
		 */
		if (l->qhead != NULL) {
			__builtin_prefetch(l->qhead->arg);
			if (l->qhead->qnext != NULL)
				__builtin_prefetch(l->qhead->qnext);
		}
		p->state = PROBE_SCHEDULED;
		p->heap_idx = HEAP_NONE;
		/* Held back: a timer queues it again (no timer: send it). */
		if (p->ops->hold != NULL &&
		    (hold = p->ops->hold(p->arg, p, now)) > 0) {
			p->at_us = now + hold;
			if (heap_push(l, p) == 0)
				continue;
		}
		if ((len = p->ops->send(p->arg, p, b->pkt[b->n], PKT_MAX)) ==
		    0) {
			fail_probe(l, p, EINVAL);
			continue;
		}
		if (b->n > 0 && p->key.af != b->af) {
			/*
			 * One family per system call: send the others first;
			 * this one is built again on its turn.
			 */
			p->state = PROBE_QUEUED;
			queue_push_front(l, p);
			if (flush_batch(l, now) == -1)
				return;
			continue;
		}
		b->af = p->key.af;
		probe_dst(p, &b->dst[b->n]);
		b->len[b->n] = len;
		b->p[b->n++] = p;
		if (b->n == SEND_BATCH && flush_batch(l, now) == -1)
			return;
	}
	(void)flush_batch(l, now);
}

/* ---------------------------------------------------------------------
 * Timers
 * --------------------------------------------------------------------- */

static void
fire_timers(struct loop *l, uint64_t now)
{
	struct probe *p;

	while (l->nheap > 0 && l->heap[0]->at_us <= now) {
		p = l->heap[0];
		heap_remove(l, p);
		if (p->state == PROBE_SCHEDULED) {
			p->state = PROBE_QUEUED;
			queue_append(l, p);
		} else if (p->state == PROBE_INFLIGHT) {
			p->state = PROBE_TIMEDOUT;
			l->outstanding--;
			p->ops->timeout(p->arg, p);
		}
	}
}

/* ---------------------------------------------------------------------
 * Receiving
 * --------------------------------------------------------------------- */

/*
 * Read the kernel's send stamps waiting on 'fd' and give each to its
 * probe, if still in flight: the time the packet reached the device,
 * where tx_real was only an estimate from the clock around sendmmsg.
 * The monotonic send time moves by as much, so timeouts and the
 * fallback below agree with it.
 */
static void
drain_txstamps(struct loop *l, int fd)
{
	struct sock_txbatch *b = &l->txs;
	struct probe_key k;
	struct probe *p;
	int64_t d;
	int i, n;

	do {
		if ((n = sock_recv_txstamps(fd, b)) <= 0)
			return;
		for (i = 0; i < n; i++) {
			if ((b->ts[i].tv_sec == 0 && b->ts[i].tv_nsec == 0) ||
			    probe_key_sent(&k, b->pkt[i], b->len[i]) == -1 ||
			    (p = hash_find(l, &k)) == NULL ||
			    p->state != PROBE_INFLIGHT || p->tx_kernel)
				continue;
			d = ((int64_t)b->ts[i].tv_sec -
				(int64_t)p->tx_real.tv_sec) *
				1000000 +
			    ((int64_t)b->ts[i].tv_nsec -
				(int64_t)p->tx_real.tv_nsec) /
				1000;
			/* Off by more than a second: the wall clock moved. */
			if (d < -1000000 || d > 1000000)
				continue;
			p->tx_real = b->ts[i];
			p->tx_us = (uint64_t)((int64_t)p->tx_us + d);
			p->tx_kernel = 1;
			l->txs_matched = 1;
			l->stats.tx_stamps++;
		}
	} while (n == SOCK_BATCH);
}

static int
send_fd_of(const struct loop *l, const struct probe *p)
{
	if (p->key.af == 6)
		return l->socks.tx_stamps6 ? l->socks.send6_fd : -1;
	return l->socks.tx_stamps ? l->socks.send_fd : -1;
}

/*
 * The RTT in µs: receive stamp minus send time (the kernel's send stamp
 * where it gave one).  A round trip is never 0: one shorter than the
 * resolution (the lab's first hop takes about 2 µs) is reported as 1.
 */
static uint32_t
rtt_us(const struct probe *p, const struct timespec *ts, uint64_t now)
{
	uint64_t mono = now > p->tx_us ? now - p->tx_us : 0;
	int64_t k;

	if (ts->tv_sec == 0 && ts->tv_nsec == 0)
		return mono > 0 ? (uint32_t)mono : 1;
	k = ((int64_t)ts->tv_sec - (int64_t)p->tx_real.tv_sec) * 1000000 +
	    ((int64_t)ts->tv_nsec - (int64_t)p->tx_real.tv_nsec) / 1000;
	/* The kernel stamp precedes our reading it; else the clock moved. */
	if (k < 0 || (uint64_t)k > mono + 1000)
		k = (int64_t)mono;
	return k > 0 ? (uint32_t)k : 1;
}

static void
deliver(struct loop *l, const struct probe_key *k, struct probe_reply *r,
    const struct timespec *ts)
{
	struct probe *p;
	uint64_t now;

	if ((p = hash_find(l, k)) == NULL) {
		l->stats.foreign++;
		return;
	}
	switch (p->state) {
	case PROBE_INFLIGHT:
		/*
		 * Its send stamp may have come after the error queue was
		 * last read (the sockets are read in turn); once stamps are
		 * known to match, read it before taking the RTT.
		 */
		if (!p->tx_kernel && l->txs_matched && send_fd_of(l, p) != -1)
			drain_txstamps(l, send_fd_of(l, p));
		now = loop_now_us();
		heap_remove(l, p);
		p->state = PROBE_ANSWERED;
		l->outstanding--;
		l->stats.replies++;
		r->rtt_us = rtt_us(p, ts, now);
		p->ops->reply(p->arg, p, r);
		break;
	case PROBE_ANSWERED:
		p->ndup++;
		l->stats.dups++;
		break;
	case PROBE_TIMEDOUT:
	case PROBE_CANCELLED:
		p->nlate++;
		l->stats.late++;
		break;
	default:
		l->stats.foreign++;
		break;
	}
}

/* Which socket a packet came from. */
enum rx_kind { RX_ICMP4, RX_TCP4, RX_ICMP6, RX_TCP6 };

static void
on_icmp(struct loop *l, enum rx_kind kind, const uint8_t *b, size_t n,
    const struct sock_rx *rx)
{
	struct icmp_reply ir;
	struct probe_reply r;
	struct probe_key k;
	struct errbuf eb;
	enum icmp_parse_rc rc;

	errbuf_clear(&eb);
	if (kind == RX_ICMP6)
		rc = icmp_parse6(b, n, &rx->from, rx->hlim, &ir, &eb);
	else
		rc = icmp_parse4(b, n, &ir, &eb);
	switch (rc) {
	case ICMP_PARSE_OK:
		break;
	case ICMP_PARSE_TRUNCATED:
		l->stats.truncated++;
		LOG(LOG_LVL_DEBUG, "icmp: %s", eb.msg);
		return;
	case ICMP_PARSE_BAD:
		l->stats.malformed++;
		LOG(LOG_LVL_DEBUG, "icmp: %s", eb.msg);
		return;
	default:
		l->stats.foreign++;
		return;
	}
	if (ir.type == ICMP_T_ECHOREPLY) {
		if (ir.echo_id != l->icmp_id) {
			l->stats.foreign++;
			return;
		}
		probe_key_icmp(&k, &ir.from, ir.echo_id, ir.echo_seq);
	} else if (ir.q_proto == IPPROTO_ICMP || ir.q_proto == IPPROTO_ICMPV6) {
		if (ir.q_icmp_id != l->icmp_id) {
			l->stats.foreign++;
			return;
		}
		probe_key_icmp(&k, &ir.q_dst, ir.q_icmp_id, ir.q_icmp_seq);
	} else if (ir.q_proto == IPPROTO_UDP) {
		probe_key_ports(&k, IPPROTO_UDP, &ir.q_dst, ir.q_sport,
		    ir.q_dport, ir.q_cksum);
	} else if (ir.q_proto == IPPROTO_TCP) {
		probe_key_ports(&k, IPPROTO_TCP, &ir.q_dst, ir.q_sport,
		    ir.q_dport, ir.q_tcp_seq);
	} else {
		l->stats.foreign++;
		return;
	}
	memset(&r, 0, sizeof(r));
	r.kind = PROBE_REPLY_ICMP;
	r.from = ir.from;
	r.ttl = ir.ttl;
	r.size = (int)ir.size;
	r.icmp = &ir;
	deliver(l, &k, &r, &rx->ts);
}

static void
on_tcp(struct loop *l, enum rx_kind kind, const uint8_t *b, size_t n,
    const struct sock_rx *rx)
{
	struct pkt_tcp_reply tr;
	struct probe_reply r;
	struct probe_key k;

	if ((kind == RX_TCP6 ? pkt_parse_tcp6(b, n, &rx->from, rx->hlim, &tr)
			     : pkt_parse_tcp4(b, n, &tr)) == -1) {
		l->stats.malformed++;
		return;
	}
	/* SYN-ACK or RST-ACK acknowledging our SYN's sequence number. */
	if (!(tr.flags & PKT_TCP_ACK) ||
	    !(tr.flags & (PKT_TCP_SYN | PKT_TCP_RST))) {
		l->stats.foreign++;
		return;
	}
	probe_key_ports(
	    &k, IPPROTO_TCP, &tr.from, tr.dport, tr.sport, tr.ack - 1);
	memset(&r, 0, sizeof(r));
	r.kind = PROBE_REPLY_TCP;
	r.from = tr.from;
	r.ttl = tr.ttl;
	r.size = (int)tr.size;
	r.tcp = &tr;
	deliver(l, &k, &r, &rx->ts);
}

/*
 * Read what waits on 'fd', SOCK_BATCH packets per recvmmsg, at most
 * RECV_BATCH per turn so that sending and timers keep their turn.
 */
static int
drain(struct loop *l, int fd, enum rx_kind kind, struct errbuf *eb)
{
	struct sock_batch *b = &l->rx;
	int i, n, total = 0;

	do {
		if ((n = sock_recv_batch(fd, b)) == -1) {
			if (errno == EINTR)
				return 0;
			return errbuf_set(eb, "recvmmsg: %s", strerror(errno));
		}
		for (i = 0; i < n; i++) {
			if (b->rx[i].truncated) {
				l->stats.truncated++;
				continue;
			}
			if (kind == RX_TCP4 || kind == RX_TCP6)
				on_tcp(
				    l, kind, b->pkt[i], b->len[i], &b->rx[i]);
			else
				on_icmp(
				    l, kind, b->pkt[i], b->len[i], &b->rx[i]);
		}
		total += n;
	} while (n == SOCK_BATCH && total < RECV_BATCH);
	return 0;
}

int
loop_run(struct loop *l, volatile sig_atomic_t *stop, struct errbuf *eb)
{
	const int fds[] = { l->socks.icmp_fd, l->socks.tcp_fd,
		l->socks.icmp6_fd, l->socks.tcp6_fd };
	const enum rx_kind kinds[] = { RX_ICMP4, RX_TCP4, RX_ICMP6, RX_TCP6 };
	struct pollfd pfd[6];
	enum rx_kind pkind[6];
	struct timespec tmo;
	uint64_t now, wait, held;
	nfds_t nfd = 0, nstamp, i;

	/*
	 * The sending sockets first (their send stamps, POLLERR), so that
	 * the stamps are in place when the replies are matched.
	 */
	if (l->socks.tx_stamps)
		pfd[nfd++] = (struct pollfd){ l->socks.send_fd, 0, 0 };
	if (l->socks.tx_stamps6 && l->socks.send6_fd != -1)
		pfd[nfd++] = (struct pollfd){ l->socks.send6_fd, 0, 0 };
	nstamp = nfd;
	for (i = 0; i < 4; i++)
		if (fds[i] != -1) {
			pfd[nfd].fd = fds[i];
			pfd[nfd].events = POLLIN;
			pkind[nfd++] = kinds[i];
		}
	/* Room in the hash for a probe per measurement. */
	hash_reserve(l, l->nhash + (l->ntasks - l->first_pending));
	for (;;) {
		if (stop != NULL && *stop)
			return errbuf_set(eb, "interrupted");
		now = loop_now_us();
		held = start_tasks(l, now);
		fire_timers(l, now);
		send_queued(l, now);
		if (l->outstanding == 0 && held == UINT64_MAX &&
		    l->first_pending >= l->ntasks)
			return 0;

		wait = held;
		now = loop_now_us();
		if (l->nheap > 0)
			wait = l->heap[0]->at_us > now
			    ? (l->heap[0]->at_us - now < wait
				      ? l->heap[0]->at_us - now
				      : wait)
			    : 0;
		if (l->qhead != NULL) {
			uint64_t t = l->backoff_until > now
			    ? l->backoff_until - now
			    : (uint64_t)((1 - l->tokens) * 1e6 /
				  l->conf.rate_pps) +
				1;

			if (l->tokens >= 1 && l->backoff_until <= now)
				t = 0;
			if (t < wait)
				wait = t;
		}
		if (wait > 1000000)
			wait = 1000000;
		tmo.tv_sec = (time_t)(wait / 1000000);
		tmo.tv_nsec = (long)(wait % 1000000) * 1000;
		if (ppoll(pfd, nfd, &tmo, NULL) == -1) {
			if (errno == EINTR)
				continue;
			return errbuf_set(eb, "ppoll: %s", strerror(errno));
		}
		for (i = 0; i < nstamp; i++)
			if (pfd[i].revents & POLLERR)
				drain_txstamps(l, pfd[i].fd);
		for (i = nstamp; i < nfd; i++)
			if ((pfd[i].revents & POLLIN) &&
			    drain(l, pfd[i].fd, pkind[i], eb) == -1)
				return -1;
	}
}
