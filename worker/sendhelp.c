/*
 * sendhelp.c --
 *	The sending helper thread (see sendhelp.h).
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>

#include "loop.h"
#include "sendhelp.h"
#include "sock.h"

#define SENDHELP_STACK (64 * 1024)
/*
 * Before sleeping on the condition variable, each side watches the
 * state for this long: in a sweep the next batch (or the other half)
 * comes within tens of µs, and a futex wake-up per batch was 4 % of the
 * sweep's profile (try_to_wake_up).  Bounded, so an idle helper costs
 * one such wait after its last batch.  The watcher yields its CPU every
 * few rounds: on a busy host the two threads may share one CPU, and a
 * pure spin then held back the very thread it waited for (measured:
 * spinning alone was 10 % slower than sleeping under load, 20 % faster
 * on idle CPUs; spinning with yields was as fast as either).
 */
#define SENDHELP_SPIN_US 50

enum job_state { JOB_IDLE, JOB_READY, JOB_RUNNING, JOB_DONE };

struct sendhelp {
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	enum job_state state; /* written under mu; read without it to spin */
	int stop;
	int sleepers; /* threads in pthread_cond_wait: only they need a signal */

	/* The job, lent by the loop between start and wait. */
	int fd, n;
	uint8_t (*pkt)[PKT_MAX];
	const size_t *len;
	const struct addr *dst;
	struct sendhelp_result res;
};

void
sendhelp_send(int fd, uint8_t (*pkt)[PKT_MAX], const size_t *len,
    const struct addr *dst, int n, struct sendhelp_result *r)
{
	clock_gettime(CLOCK_REALTIME, &r->r0);
	r->m0 = loop_now_us();
	/* A partial send sets no errno: the rest is simply tried again. */
	r->err = 0;
	if ((r->sent = sock_send_batch(fd, pkt, len, dst, n)) == -1) {
		r->err = errno;
		r->sent = 0;
	}
	clock_gettime(CLOCK_REALTIME, &r->r1);
	r->m1 = loop_now_us();
}

/* A hint to the CPU that this is a spin loop (another thread may run). */
static inline void
cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#elif defined(__aarch64__) || defined(__arm__)
	__asm__ __volatile__("yield");
#endif
}

/*
 * Watch h->state for SENDHELP_SPIN_US while it is 'busy' (or, with
 * busy -1, until it is JOB_READY); the caller then takes the mutex and
 * checks again, so this only saves the sleep, never decides anything.
 */
static void
spin(struct sendhelp *h, int busy)
{
	uint64_t end = loop_now_us() + SENDHELP_SPIN_US;
	unsigned i = 0;
	int st;

	for (;;) {
		st = (int)__atomic_load_n(&h->state, __ATOMIC_ACQUIRE);
		if (busy == -1 ? st == JOB_READY : st != busy)
			return;
		if (__atomic_load_n(&h->stop, __ATOMIC_ACQUIRE))
			return;
		if (++i % 8 == 0) {
			if (loop_now_us() >= end)
				return;
			/* Let a thread waiting for this CPU (ours) run. */
			sched_yield();
		}
		cpu_relax();
	}
}

/* Wait on the condition variable, counted so signals go only to sleepers. */
static void
sleep_cv(struct sendhelp *h)
{
	h->sleepers++;
	pthread_cond_wait(&h->cv, &h->mu);
	h->sleepers--;
}

static void
wake(struct sendhelp *h)
{
	if (h->sleepers > 0)
		pthread_cond_broadcast(&h->cv);
}

static void *
helper_main(void *arg)
{
	struct sendhelp *h = arg;

	pthread_mutex_lock(&h->mu);
	for (;;) {
		if (h->state != JOB_READY && !h->stop) {
			pthread_mutex_unlock(&h->mu);
			spin(h, -1);
			pthread_mutex_lock(&h->mu);
		}
		while (h->state != JOB_READY && !h->stop)
			sleep_cv(h);
		if (h->stop)
			break;
		__atomic_store_n(&h->state, JOB_RUNNING, __ATOMIC_RELEASE);
		pthread_mutex_unlock(&h->mu);
		sendhelp_send(h->fd, h->pkt, h->len, h->dst, h->n, &h->res);
		pthread_mutex_lock(&h->mu);
		__atomic_store_n(&h->state, JOB_DONE, __ATOMIC_RELEASE);
		wake(h);
	}
	pthread_mutex_unlock(&h->mu);
	return NULL;
}

struct sendhelp *
sendhelp_new(void)
{
	struct sendhelp *h;
	pthread_attr_t attr;
	sigset_t all, old;
	int rc;

	if ((h = calloc(1, sizeof(*h))) == NULL)
		return NULL;
	if (pthread_mutex_init(&h->mu, NULL) != 0) {
		free(h);
		return NULL;
	}
	if (pthread_cond_init(&h->cv, NULL) != 0) {
		pthread_mutex_destroy(&h->mu);
		free(h);
		return NULL;
	}
	/* Signals (SIGTERM, SIGALRM) stay with the loop's thread. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	rc = pthread_attr_init(&attr);
	if (rc == 0) {
		(void)pthread_attr_setstacksize(&attr, SENDHELP_STACK);
		rc = pthread_create(&h->thread, &attr, helper_main, h);
		pthread_attr_destroy(&attr);
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc != 0) {
		pthread_cond_destroy(&h->cv);
		pthread_mutex_destroy(&h->mu);
		free(h);
		return NULL;
	}
	return h;
}

void
sendhelp_free(struct sendhelp *h)
{
	if (h == NULL)
		return;
	pthread_mutex_lock(&h->mu);
	__atomic_store_n(&h->stop, 1, __ATOMIC_RELEASE);
	pthread_cond_broadcast(&h->cv);
	pthread_mutex_unlock(&h->mu);
	pthread_join(h->thread, NULL);
	pthread_cond_destroy(&h->cv);
	pthread_mutex_destroy(&h->mu);
	free(h);
}

void
sendhelp_start(struct sendhelp *h, int fd, uint8_t (*pkt)[PKT_MAX],
    const size_t *len, const struct addr *dst, int n)
{
	pthread_mutex_lock(&h->mu);
	h->fd = fd;
	h->pkt = pkt;
	h->len = len;
	h->dst = dst;
	h->n = n;
	__atomic_store_n(&h->state, JOB_READY, __ATOMIC_RELEASE);
	wake(h);
	pthread_mutex_unlock(&h->mu);
}

void
sendhelp_wait(struct sendhelp *h, struct sendhelp_result *r)
{
	pthread_mutex_lock(&h->mu);
	if (h->state == JOB_READY) {
		/*
		 * Not picked up yet (a busy host has not scheduled the
		 * thread): send it here rather than wait for the scheduler.
		 */
		__atomic_store_n(&h->state, JOB_IDLE, __ATOMIC_RELEASE);
		pthread_mutex_unlock(&h->mu);
		sendhelp_send(h->fd, h->pkt, h->len, h->dst, h->n, r);
		return;
	}
	if (h->state == JOB_RUNNING) {
		pthread_mutex_unlock(&h->mu);
		spin(h, JOB_RUNNING);
		pthread_mutex_lock(&h->mu);
	}
	while (h->state != JOB_DONE)
		sleep_cv(h);
	*r = h->res;
	__atomic_store_n(&h->state, JOB_IDLE, __ATOMIC_RELEASE);
	pthread_mutex_unlock(&h->mu);
}
