/*
 * schedule.c --
 *	The scheduling loop; see schedule.h.  The C side only sequences the
 *	SQL functions, times them and logs what they did.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "db.h"
#include "log.h"
#include "schedule.h"

/*
 * Claim the daily maintenance in the same transaction that runs it: if it
 * fails (lock_timeout on a busy parent), the claim rolls back with it and
 * the next cycle tries again.
 */
static const char SQL_MAINT_CLAIM[] =
    "UPDATE pingsvc.frontier_state SET last_run = now()"
    " WHERE task = 'maintain_partitions'"
    "   AND last_run <= now() - make_interval(secs => $1::int)"
    " RETURNING 1";
static const char SQL_LOCK_TIMEOUT[] =
    "SELECT set_config('lock_timeout', $1, true)";
static const char SQL_MAINTAIN[] =
    "SELECT count(*) FROM pingsvc.maintain_partitions()";
/*
 * Scoring reads every ping result of the window, so it runs every
 * score.every seconds, not every cycle; the claim and the scoring are one
 * statement (one transaction), -1 when not due.
 */
static const char SQL_SCORE[] =
    "WITH claim AS ("
    "  UPDATE pingsvc.frontier_state SET last_run = now()"
    "   WHERE task = 'score_targets'"
    "     AND last_run <= now() - make_interval(secs => $3::int)"
    "  RETURNING 1)"
    " SELECT CASE WHEN EXISTS (SELECT 1 FROM claim)"
    "   THEN pingsvc.score_targets(make_interval(secs => $1::int),"
    "        make_interval(secs => $2::int)) ELSE -1 END";
/*
 * Hop locations from RTT constraints (estimate_hop_locations, 0011) on the
 * scoring period and window: it too reads a window of measurements (hops
 * and traces), too much for every cycle.  Claim and estimate are one
 * statement; -1 when not due.
 */
static const char SQL_LOCATE[] =
    "WITH claim AS ("
    "  UPDATE pingsvc.frontier_state SET last_run = now()"
    "   WHERE task = 'estimate_locations'"
    "     AND last_run <= now() - make_interval(secs => $2::int)"
    "  RETURNING 1)"
    " SELECT CASE WHEN EXISTS (SELECT 1 FROM claim)"
    "   THEN (SELECT estimated FROM pingsvc.estimate_hop_locations("
    "         make_interval(secs => $1::int))) ELSE -1 END";
/*
 * The viewer's control page may pause scheduling (migration 0007 makes
 * pingsvc.scheduling_paused()); a database without it is never paused.
 */
static const char SQL_HAS_PAUSE[] =
    "SELECT to_regprocedure('pingsvc.scheduling_paused()') IS NOT NULL";
static const char SQL_PAUSED[] = "SELECT pingsvc.scheduling_paused()";
static const char SQL_CYCLE[] =
    "SELECT requeued, failed, targets, ping_jobs, trace_jobs, skipped"
    "  FROM pingsvc.schedule_cycle($1::int, $2::int, $3::int, $4::cidr[],"
    "       make_interval(secs => $5::int), $6::int, $7::boolean)";

/*
 * Traces the gateway stored and queued but did not derive (derive =
 * "deferred", or an inline derivation that failed): derive_pending (0018,
 * SECURITY DEFINER, granted to pingsvc_frontier) drains the oldest, at most
 * 10000 per call, a few calls per cycle.  Absent on older databases.
 */
static const char SQL_DERIVE[] =
    "SELECT CASE WHEN to_regprocedure('pingsvc.derive_pending(integer)')"
    "            IS NULL THEN -1"
    "       ELSE (SELECT traces FROM pingsvc.derive_pending(10000)) END";
#define SCHEDULE_DERIVE_CALLS 8

/* Failures only log: the traces stay queued for the next cycle. */
static void
schedule_derive(PGconn *db)
{
	struct errbuf deb;
	PGresult *res;
	long long n, total = 0;
	int i;

	for (i = 0; i < SCHEDULE_DERIVE_CALLS; i++) {
		if ((res = db_exec(db, SQL_DERIVE, 0, NULL, &deb)) == NULL) {
			LOG(LOG_LVL_WARN,
			    "derive_pending: %s (retried next "
			    "cycle)",
			    errbuf_msg(&deb));
			break;
		}
		n = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
		PQclear(res);
		if (n <= 0)
			break;
		total += n;
		if (n < 10000)
			break;
	}
	if (total > 0)
		LOG(LOG_LVL_INFO, "derived %lld queued traces", total);
}

static int
schedule_maintain(
    PGconn *db, const struct settings *s, long long *out, struct errbuf *eb)
{
	PGresult *res = NULL;
	char every[32], timeout[32];
	const char *p[1];
	int rc = -1;

	*out = -1;
	snprintf(every, sizeof(every), "%lld", s->maintain_every);
	snprintf(timeout, sizeof(timeout), "%lldms", s->lock_timeout_ms);
	if (db_command(db, "BEGIN", 0, NULL, eb) == -1)
		return -1;
	p[0] = every;
	if ((res = db_exec(db, SQL_MAINT_CLAIM, 1, p, eb)) == NULL)
		goto out;
	if (PQntuples(res) == 0) {
		rc = 0; /* not due */
		goto out;
	}
	PQclear(res);
	p[0] = timeout;
	if ((res = db_exec(db, SQL_LOCK_TIMEOUT, 1, p, eb)) == NULL)
		goto out;
	PQclear(res);
	if ((res = db_exec(db, SQL_MAINTAIN, 0, NULL, eb)) == NULL)
		goto out;
	*out = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
	rc = 0;
out:
	PQclear(res);
	if (db_command(db, rc == 0 ? "COMMIT" : "ROLLBACK", 0, NULL,
		rc == 0 ? eb : NULL) == -1)
		rc = -1;
	return rc;
}

/* The allow list as a PostgreSQL array literal: {"a/n","b/m"}. */
static int
schedule_allow(const struct settings *s, struct buf *b)
{
	char p[ADDR_STRLEN];
	size_t i;

	if (buf_puts(b, "{") == -1)
		return -1;
	for (i = 0; i < s->allow.n; i++) {
		prefix_format(&s->allow.v[i], p, sizeof(p));
		if (buf_printf(b, "%s\"%s\"", i > 0 ? "," : "", p) == -1)
			return -1;
	}
	return buf_puts(b, "}");
}

int
schedule_once(PGconn *db, const struct settings *s, struct schedule_counts *c,
    struct errbuf *eb)
{
	struct errbuf meb;
	struct buf allow = BUF_INIT;
	PGresult *res = NULL;
	char a[7][32];
	const char *p[7];
	int rc = -1, i;

	c->maintained = c->located = -1;
	c->paused = 0;
	c->scored = c->requeued = c->failed = 0;
	c->targets = c->ping_jobs = c->trace_jobs = c->skipped = 0;
	errbuf_clear(&meb);
	if (schedule_maintain(db, s, &c->maintained, &meb) == -1)
		LOG(LOG_LVL_WARN,
		    "partition maintenance: %s (retried next "
		    "cycle)",
		    errbuf_msg(&meb));
	schedule_derive(db);

	snprintf(a[0], sizeof(a[0]), "%lld", s->score_window);
	snprintf(a[1], sizeof(a[1]), "%lld", s->score_half_life);
	snprintf(a[2], sizeof(a[2]), "%lld", s->score_every);
	p[0] = a[0];
	p[1] = a[1];
	p[2] = a[2];
	if ((res = db_exec(db, SQL_SCORE, 3, p, eb)) == NULL)
		goto out;
	c->scored = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
	PQclear(res);
	res = NULL;
	/*
	 * A failed estimate (a geometry error on odd data) must not stop
	 * scheduling: logged, retried next period.
	 */
	p[1] = a[2];
	if ((res = db_exec(db, SQL_LOCATE, 2, p, &meb)) == NULL)
		LOG(LOG_LVL_WARN, "hop locations: %s (retried next period)",
		    errbuf_msg(&meb));
	else
		c->located = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
	PQclear(res);
	res = NULL;

	if ((res = db_exec(db, SQL_HAS_PAUSE, 0, NULL, eb)) == NULL)
		goto out;
	i = strcmp(PQgetvalue(res, 0, 0), "t") == 0;
	PQclear(res);
	res = NULL;
	if (i) {
		if ((res = db_exec(db, SQL_PAUSED, 0, NULL, eb)) == NULL)
			goto out;
		c->paused = strcmp(PQgetvalue(res, 0, 0), "t") == 0;
		PQclear(res);
		res = NULL;
		if (c->paused) {
			rc = 0;
			goto out;
		}
	}
	if (schedule_allow(s, &allow) == -1) {
		errbuf_set(eb, "out of memory");
		goto out;
	}
	snprintf(a[0], sizeof(a[0]), "%lld", s->budget);
	snprintf(a[1], sizeof(a[1]), "%lld", s->prefix_budget);
	snprintf(a[2], sizeof(a[2]), "%lld", s->vantages);
	snprintf(a[4], sizeof(a[4]), "%lld", s->worker_online);
	snprintf(a[5], sizeof(a[5]), "%lld", s->tcp_port);
	snprintf(a[6], sizeof(a[6]), "%s", s->stop_sets ? "true" : "false");
	for (i = 0; i < 7; i++)
		p[i] = a[i];
	p[3] = buf_str(&allow);
	if ((res = db_exec(db, SQL_CYCLE, 7, p, eb)) == NULL)
		goto out;
	c->requeued = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
	c->failed = strtoll(PQgetvalue(res, 0, 1), NULL, 10);
	c->targets = strtoll(PQgetvalue(res, 0, 2), NULL, 10);
	c->ping_jobs = strtoll(PQgetvalue(res, 0, 3), NULL, 10);
	c->trace_jobs = strtoll(PQgetvalue(res, 0, 4), NULL, 10);
	c->skipped = strtoll(PQgetvalue(res, 0, 5), NULL, 10);
	rc = 0;
out:
	PQclear(res);
	buf_free(&allow);
	return rc;
}

int
schedule_loop(PGconn *db, const struct settings *s, volatile sig_atomic_t *stop)
{
	struct schedule_counts c;
	struct errbuf eb;
	long long slept;

	while (!*stop) {
		errbuf_clear(&eb);
		if (schedule_once(db, s, &c, &eb) == -1) {
			LOG(LOG_LVL_ERROR, "cycle: %s", errbuf_msg(&eb));
			if (PQstatus(db) != CONNECTION_OK)
				PQreset(db);
		} else
			LOG(LOG_LVL_INFO,
			    "cycle:%s requeued %lld failed %lld targets %lld "
			    "ping_jobs %lld trace_jobs %lld skipped %lld "
			    "scored %lld maintained %lld located %lld",
			    c.paused ? " paused," : "", c.requeued, c.failed,
			    c.targets, c.ping_jobs, c.trace_jobs, c.skipped,
			    c.scored, c.maintained, c.located);
		/* Sleep in 1 s steps so that a signal stops us promptly. */
		for (slept = 0; slept < s->interval && !*stop; slept++)
			sleep(1);
	}
	return 0;
}
