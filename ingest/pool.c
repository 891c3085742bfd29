/*
 * pool.c --
 *	PostgreSQL connection pool (see pool.h).
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "log.h"
#include "metrics.h"
#include "pool.h"

struct slot {
	PGconn *c;         /* NULL: not connected */
	int busy;          /* borrowed */
	long long next_ms; /* no connection attempt before this */
	int backoff_ms;    /* delay after the next failure */
};

struct pool {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct slot *slots;
	int n;
	char *conninfo;
	int wait_ms, retry_min_ms, retry_max_ms, statement_ms;
	pool_setup_fn setup;
};

static long long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

struct pool *
pool_new(const char *conninfo, int size, int wait_ms, int retry_min_ms,
    int retry_max_ms, int statement_ms, pool_setup_fn setup)
{
	pthread_condattr_t ca;
	struct pool *p;
	int i;

	if ((p = calloc(1, sizeof(*p))) == NULL)
		return NULL;
	if ((p->slots = calloc((size_t)size, sizeof(*p->slots))) == NULL ||
	    (p->conninfo = strdup(conninfo != NULL ? conninfo : "")) == NULL) {
		free(p->slots);
		free(p);
		return NULL;
	}
	pthread_mutex_init(&p->mu, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&p->cv, &ca);
	pthread_condattr_destroy(&ca);
	p->n = size;
	p->wait_ms = wait_ms;
	p->retry_min_ms = retry_min_ms;
	p->retry_max_ms = retry_max_ms;
	p->statement_ms = statement_ms;
	p->setup = setup;
	for (i = 0; i < size; i++)
		p->slots[i].backoff_ms = retry_min_ms;
	return p;
}

/* Connect slot 's' (borrowed, so ours alone).  0 or -1. */
static int
slot_connect(struct pool *p, struct slot *s, struct errbuf *eb)
{
	const char *keys[4], *vals[4];
	char opts[64];
	PGconn *c;

	snprintf(
	    opts, sizeof(opts), "-c statement_timeout=%d", p->statement_ms);
	/* Later keywords override what the conninfo string says. */
	keys[0] = "dbname";
	vals[0] = p->conninfo;
	keys[1] = "connect_timeout";
	vals[1] = "5";
	keys[2] = "options";
	vals[2] = opts;
	keys[3] = NULL;
	vals[3] = NULL;
	c = PQconnectdbParams(keys, vals, 1);
	if (c == NULL) {
		errbuf_set(eb, "database: out of memory");
		return -1;
	}
	if (PQstatus(c) != CONNECTION_OK) {
		errbuf_set(eb, "database: %s", PQerrorMessage(c));
		PQfinish(c);
		return -1;
	}
	if (p->setup != NULL && p->setup(c, eb) == -1) {
		PQfinish(c);
		return -1;
	}
	s->c = c;
	return 0;
}

PGconn *
pool_get(struct pool *p, int *retry_s, struct errbuf *eb)
{
	struct timespec until;
	struct slot *s = NULL;
	long long now, wait_left;
	int i, rc = 0;

	*retry_s = 1;
	clock_gettime(CLOCK_MONOTONIC, &until);
	until.tv_sec += p->wait_ms / 1000;
	until.tv_nsec += (long)(p->wait_ms % 1000) * 1000000L;
	if (until.tv_nsec >= 1000000000L) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&p->mu);
	for (;;) {
		/* Prefer a connected slot; else any free one. */
		for (i = 0; i < p->n; i++)
			if (!p->slots[i].busy && p->slots[i].c != NULL) {
				s = &p->slots[i];
				break;
			}
		for (i = 0; s == NULL && i < p->n; i++)
			if (!p->slots[i].busy) {
				s = &p->slots[i];
				break;
			}
		if (s != NULL || rc == ETIMEDOUT)
			break;
		rc = pthread_cond_timedwait(&p->cv, &p->mu, &until);
	}
	if (s == NULL) {
		pthread_mutex_unlock(&p->mu);
		errbuf_set(eb, "all %d database connections busy", p->n);
		return NULL;
	}
	s->busy = 1;
	now = now_ms();
	if (s->c == NULL && now < s->next_ms) {
		wait_left = s->next_ms - now;
		*retry_s = (int)((wait_left + 999) / 1000);
		s->busy = 0;
		pthread_cond_signal(&p->cv);
		pthread_mutex_unlock(&p->mu);
		errbuf_set(eb, "database unreachable; next attempt in %lld ms",
		    wait_left);
		return NULL;
	}
	pthread_mutex_unlock(&p->mu);
	if (s->c != NULL)
		return s->c;

	/* Connect outside the lock; the slot is ours. */
	if (slot_connect(p, s, eb) == 0) {
		metrics_add(M_DB_RECONNECTS, 1);
		pthread_mutex_lock(&p->mu);
		s->backoff_ms = p->retry_min_ms;
		pthread_mutex_unlock(&p->mu);
		return s->c;
	}
	metrics_add(M_DB_ERRORS, 1);
	LOG(LOG_LVL_WARN, "%s", errbuf_msg(eb));
	pthread_mutex_lock(&p->mu);
	s->next_ms = now_ms() + s->backoff_ms;
	*retry_s = (s->backoff_ms + 999) / 1000;
	s->backoff_ms *= 2;
	if (s->backoff_ms > p->retry_max_ms)
		s->backoff_ms = p->retry_max_ms;
	s->busy = 0;
	pthread_cond_signal(&p->cv);
	pthread_mutex_unlock(&p->mu);
	return NULL;
}

void
pool_put(struct pool *p, PGconn *c)
{
	PGconn *drop = NULL;
	int i;

	if (c == NULL)
		return;
	pthread_mutex_lock(&p->mu);
	for (i = 0; i < p->n; i++) {
		if (p->slots[i].c != c)
			continue;
		if (PQstatus(c) != CONNECTION_OK ||
		    PQtransactionStatus(c) != PQTRANS_IDLE) {
			drop = c;
			p->slots[i].c = NULL;
			p->slots[i].next_ms = now_ms();
		}
		p->slots[i].busy = 0;
		break;
	}
	pthread_cond_signal(&p->cv);
	pthread_mutex_unlock(&p->mu);
	if (drop != NULL) {
		LOG(LOG_LVL_WARN, "database connection lost; reconnecting");
		PQfinish(drop);
	}
}

void
pool_free(struct pool *p)
{
	int i;

	if (p == NULL)
		return;
	for (i = 0; i < p->n; i++)
		PQfinish(p->slots[i].c);
	pthread_cond_destroy(&p->cv);
	pthread_mutex_destroy(&p->mu);
	free(p->slots);
	free(p->conninfo);
	free(p);
}
