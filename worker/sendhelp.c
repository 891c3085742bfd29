/*
 * sendhelp.c --
 *	The sending helper thread (see sendhelp.h).
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>

#include "loop.h"
#include "sendhelp.h"
#include "sock.h"

#define SENDHELP_STACK (64 * 1024)

enum job_state { JOB_IDLE, JOB_READY, JOB_RUNNING, JOB_DONE };

struct sendhelp {
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	enum job_state state;
	int stop;

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

static void *
helper_main(void *arg)
{
	struct sendhelp *h = arg;

	pthread_mutex_lock(&h->mu);
	for (;;) {
		while (h->state != JOB_READY && !h->stop)
			pthread_cond_wait(&h->cv, &h->mu);
		if (h->stop)
			break;
		h->state = JOB_RUNNING;
		pthread_mutex_unlock(&h->mu);
		sendhelp_send(h->fd, h->pkt, h->len, h->dst, h->n, &h->res);
		pthread_mutex_lock(&h->mu);
		h->state = JOB_DONE;
		pthread_cond_broadcast(&h->cv);
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
	h->stop = 1;
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
	h->state = JOB_READY;
	pthread_cond_broadcast(&h->cv);
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
		h->state = JOB_IDLE;
		pthread_mutex_unlock(&h->mu);
		sendhelp_send(h->fd, h->pkt, h->len, h->dst, h->n, r);
		return;
	}
	while (h->state != JOB_DONE)
		pthread_cond_wait(&h->cv, &h->mu);
	*r = h->res;
	h->state = JOB_IDLE;
	pthread_mutex_unlock(&h->mu);
}
