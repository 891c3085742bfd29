/*
 * page_admin.c --
 *	?page=admin: the control plane.  GET shows the scheduling flag, the
 *	failed jobs, the latest entries of pingsvc.admin_log and one form per
 *	action; POST performs one action:
 *
 *	  action=pause | resume            pingsvc.control_flags
 *	                                   'scheduling_paused' (the frontier
 *	                                   calls pingsvc.scheduling_paused())
 *	  action=add_target&address=A      pingsvc.targets, source 'manual'
 *	  action=add_optout&prefix=P       pingsvc.opt_outs (migration 0002),
 *	        [&contact=..][&reason=..]  targets inside become opted_out
 *	                                   and their ready jobs fail
 *	  action=requeue_failed[&target=A] failed jobs become ready again
 *	  action=enroll&worker=N&caps=C    a new worker; its bearer token
 *	                                   ("<id>.<64 hex>", sha256 of the
 *	                                   hex stored, as pingsvc-ingest
 *	                                   enroll does) is shown once
 *	  action=revoke&worker=N           disables the worker and returns
 *	                                   its leased jobs to the queue
 *
 *	Every POST needs REMOTE_USER (the web server's authentication), the
 *	user listed in 'admins' and a valid CSRF token (csrf.h); anything
 *	else is a 403.  Actions run over a second connection, 'admin_db',
 *	as a role in pingsvc_viewer_admin, and each attempt, refused or not,
 *	is written to pingsvc.admin_log (in the action's transaction when it
 *	runs).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <gnutls/crypto.h>

#include "csrf.h"
#include "vdb.h"
#include "view.h"

static const char SQL_LOG[] =
    "INSERT INTO pingsvc.admin_log (remote_user, action, outcome, detail, "
    "                               remote_addr) "
    "VALUES ($1, $2, $3, jsonb_strip_nulls(jsonb_build_object("
    "    'address', $4::text, 'prefix', $5::text, 'target', $6::text, "
    "    'reason', $7::text, 'contact', $8::text, 'rows', $9::bigint, "
    "    'error', $10::text, 'worker', $12::text, 'caps', $13::text)), "
    "    $11::inet)";

static const char SQL_FLAG[] =
    "UPDATE pingsvc.control_flags SET enabled = $1::boolean, "
    "       updated_at = now(), updated_by = $2 "
    "WHERE name = 'scheduling_paused'";

static const char SQL_OPTED_OUT[] =
    "SELECT count(*) FROM pingsvc.opt_outs WHERE prefix >>= $1::inet";

static const char SQL_ADD_TARGET[] =
    "INSERT INTO pingsvc.targets (address, source, source_detail) "
    "VALUES ($1::inet, 'manual', 'viewer: ' || $2) "
    "ON CONFLICT (address) DO NOTHING";

static const char SQL_ADD_OPTOUT[] =
    "INSERT INTO pingsvc.opt_outs (prefix, contact, reason) "
    "VALUES ($1::cidr, $2, $3) "
    "ON CONFLICT (prefix) DO UPDATE SET contact = EXCLUDED.contact, "
    "    reason = EXCLUDED.reason";

static const char SQL_OPTOUT_TARGETS[] =
    "UPDATE pingsvc.targets SET state = 'opted_out' "
    "WHERE address <<= $1::cidr AND state <> 'opted_out'";

static const char SQL_OPTOUT_JOBS[] =
    "UPDATE pingsvc.jobs SET state = 'failed', done_at = now(), "
    "       last_error = 'opted out' "
    "WHERE state = 'ready' AND target <<= $1::cidr";

static const char SQL_REQUEUE[] =
    "UPDATE pingsvc.jobs SET state = 'ready', attempts = 0, "
    "       done_at = NULL, leased_at = NULL, lease_expires = NULL, "
    "       worker_id = NULL, last_error = NULL, not_before = now() "
    "WHERE state = 'failed' AND ($1::inet IS NULL OR target = $1::inet)";

/* The secret is hashed as its hex text, as ingest/token.c does. */
static const char SQL_ENROLL[] =
    "INSERT INTO pingsvc.workers (name, token_hash, caps) "
    "VALUES ($1, sha256(convert_to($2, 'UTF8')), "
    "        string_to_array($3, ',')) "
    "RETURNING worker_id";

/* One statement: no claim slips in between disabling and releasing. */
static const char SQL_REVOKE[] =
    "WITH w AS ("
    "  UPDATE pingsvc.workers SET enabled = false, revoked_at = now() "
    "  WHERE name = $1 AND revoked_at IS NULL RETURNING worker_id), "
    "j AS ("
    "  UPDATE pingsvc.jobs "
    "     SET state = CASE WHEN attempts >= max_attempts "
    "                      THEN 'failed' ELSE 'ready' END, "
    "         done_at = CASE WHEN attempts >= max_attempts "
    "                        THEN now() END, "
    "         leased_at = NULL, lease_expires = NULL, "
    "         last_error = 'worker revoked' "
    "   WHERE state = 'leased' AND worker_id IN (SELECT worker_id FROM w) "
    "  RETURNING job_id) "
    "SELECT (SELECT count(*) FROM w), (SELECT count(*) FROM j)";

static int
is_admin(const struct view *v)
{
	const char *const *a;

	if (v->user == NULL || v->conf->admins == NULL)
		return 0;
	for (a = v->conf->admins; *a != NULL; a++)
		if (strcmp(*a, v->user) == 0)
			return 1;
	return 0;
}

/* log_attempt -- One admin_log row; 'rows' and 'error' may be NULL. */
static int
log_attempt(struct view *v, PGconn *c, const char *outcome, const char *rows,
    const char *error, struct errbuf *eb)
{
	const char *vals[13];

	vals[0] = v->user != NULL ? v->user : "";
	vals[1] = cgi_get(v->params, "action") != NULL
	    ? cgi_get(v->params, "action")
	    : "none";
	vals[2] = outcome;
	vals[3] = cgi_get(v->params, "address");
	vals[4] = cgi_get(v->params, "prefix");
	vals[5] = cgi_get(v->params, "target");
	vals[6] = cgi_get(v->params, "reason");
	vals[7] = cgi_get(v->params, "contact");
	vals[8] = rows;
	vals[9] = error;
	vals[10] = v->remote_addr;
	vals[11] = cgi_get(v->params, "worker");
	vals[12] = cgi_get(v->params, "caps");
	return vdb_cmd(c, SQL_LOG, 13, vals, eb);
}

/*
 * refuse --
 *	Answer 'status' with 'why', after logging the refused attempt (best
 *	effort: a refusal stands even when the log cannot be written).
 */
static int
refuse(struct view *v, int status, const char *why)
{
	struct errbuf leb;
	PGconn *c;

	if (v->conf->admin_db != NULL &&
	    (c = vdb_connect(v->conf->admin_db, &leb)) != NULL) {
		if (vdb_begin(c, v->conf->statement_timeout_ms, 0, &leb) != 0 ||
		    log_attempt(v, c, "refused", NULL, why, &leb) != 0 ||
		    vdb_cmd(c, "COMMIT", 0, NULL, &leb) != 0)
			fprintf(stderr, "pingsvc-viewer: admin_log: %s\n",
			    errbuf_msg(&leb));
		PQfinish(c);
	}
	v->status = status;
	errbuf_set(v->eb, "%s", why);
	return -1;
}

/* act -- Perform the action on 'c' (transaction open); '*rows' affected. */
static int
act(struct view *v, PGconn *c, long long *rows, int *status, char *token,
    struct errbuf *eb)
{
	static const char hex[] = "0123456789abcdef";
	const char *action = cgi_get(v->params, "action"), *vals[3];
	unsigned char rnd[32];
	char secret[65];
	struct addr a;
	struct errbuf aeb;
	PGresult *res = NULL;
	int have, i, rc = -1;

	*rows = 0;
	*status = 400;
	token[0] = '\0';
	if (strcmp(action, "pause") == 0 || strcmp(action, "resume") == 0) {
		if ((have = vdb_exists(c, "pingsvc.control_flags", 0, eb)) < 0)
			goto out;
		if (!have) {
			*status = 409;
			errbuf_set(eb,
			    "pingsvc.control_flags is missing: apply "
			    "migration 0007_viewer");
			goto out;
		}
		vals[0] = action[0] == 'p' ? "true" : "false";
		vals[1] = v->user;
		res = vdb_exec(c, SQL_FLAG, 2, vals, NULL, eb);
	} else if (strcmp(action, "add_target") == 0) {
		vals[0] = cgi_get(v->params, "address");
		vals[1] = v->user;
		if (vals[0] == NULL) {
			errbuf_set(eb, "address: required for add_target");
			goto out;
		}
		if (addr_parse(vals[0], &a, &aeb) != 0 ||
		    addr_check_target(&a, &v->conf->allow, NULL, &aeb) != 0) {
			*status = 422;
			errbuf_set(eb, "address: %s", errbuf_msg(&aeb));
			goto out;
		}
		if ((have = vdb_exists(c, "pingsvc.opt_outs", 0, eb)) < 0)
			goto out;
		if (have) {
			if ((res = vdb_exec(
				 c, SQL_OPTED_OUT, 1, vals, NULL, eb)) == NULL)
				goto out;
			if (strcmp(PQgetvalue(res, 0, 0), "0") != 0) {
				*status = 422;
				errbuf_set(eb,
				    "address: inside an opt-out "
				    "range");
				goto out;
			}
			PQclear(res);
		}
		res = vdb_exec(c, SQL_ADD_TARGET, 2, vals, NULL, eb);
	} else if (strcmp(action, "add_optout") == 0) {
		vals[0] = cgi_get(v->params, "prefix");
		vals[1] = cgi_get(v->params, "contact");
		vals[2] = cgi_get(v->params, "reason");
		if (vals[0] == NULL) {
			errbuf_set(eb, "prefix: required for add_optout");
			goto out;
		}
		if ((have = vdb_exists(c, "pingsvc.opt_outs", 0, eb)) < 0)
			goto out;
		if (!have) {
			*status = 409;
			errbuf_set(eb,
			    "pingsvc.opt_outs is missing: apply "
			    "migration 0002_routes");
			goto out;
		}
		if (vdb_cmd(c, SQL_ADD_OPTOUT, 3, vals, eb) != 0 ||
		    vdb_cmd(c, SQL_OPTOUT_JOBS, 1, vals, eb) != 0)
			goto out;
		res = vdb_exec(c, SQL_OPTOUT_TARGETS, 1, vals, NULL, eb);
	} else if (strcmp(action, "requeue_failed") == 0) {
		vals[0] = cgi_get(v->params, "target");
		res = vdb_exec(c, SQL_REQUEUE, 1, vals, NULL, eb);
	} else if (strcmp(action, "enroll") == 0) {
		vals[0] = cgi_get(v->params, "worker");
		vals[1] = secret;
		vals[2] = cgi_get(v->params, "caps");
		if (vals[0] == NULL || strncmp(vals[0], "atlas:", 6) == 0 ||
		    vals[2] == NULL) {
			errbuf_set(eb,
			    "worker and caps: required for enroll "
			    "(a worker name, not atlas:)");
			goto out;
		}
		if (gnutls_rnd(GNUTLS_RND_KEY, rnd, sizeof(rnd)) != 0) {
			*status = 500;
			errbuf_set(eb, "no random bytes for the token");
			goto out;
		}
		for (i = 0; i < 32; i++) {
			secret[2 * i] = hex[rnd[i] >> 4];
			secret[2 * i + 1] = hex[rnd[i] & 15];
		}
		secret[64] = '\0';
		if ((res = vdb_exec(c, SQL_ENROLL, 3, vals, token, eb)) ==
		    NULL) {
			/* token holds the SQLSTATE here: 23505 = name taken. */
			*status = strcmp(token, "23505") == 0 ? 409 : 500;
			if (*status == 409)
				errbuf_set(eb, "worker: the name is taken");
			token[0] = '\0';
			goto out;
		}
		snprintf(token, 96, "%s.%s", PQgetvalue(res, 0, 0), secret);
	} else if (strcmp(action, "revoke") == 0) {
		vals[0] = cgi_get(v->params, "worker");
		if (vals[0] == NULL) {
			errbuf_set(eb, "worker: required for revoke");
			goto out;
		}
		if ((res = vdb_exec(c, SQL_REVOKE, 1, vals, NULL, eb)) ==
		    NULL) {
			*status = 500;
			goto out;
		}
		if (strcmp(PQgetvalue(res, 0, 0), "1") != 0) {
			*status = 404;
			errbuf_set(eb,
			    "worker: no enrolled worker of that "
			    "name (unknown, or already revoked)");
			goto out;
		}
		*rows = 1 + strtoll(PQgetvalue(res, 0, 1), NULL, 10);
		*status = 200;
		rc = 0;
		goto out;
	} else {
		errbuf_set(eb, "action: unknown");
		goto out;
	}
	if (res == NULL) {
		*status = 500;
		goto out;
	}
	*rows = strtoll(PQcmdTuples(res), NULL, 10);
	*status = 200;
	rc = 0;
out:
	PQclear(res);
	return rc;
}

static int
post(struct view *v)
{
	struct errbuf aeb;
	PGconn *c = NULL;
	long long rows = 0;
	char nrows[32], token[96];
	int status, rc = -1;

	if (v->user == NULL)
		return refuse(v, 403,
		    "authentication required: the web "
		    "server must set REMOTE_USER");
	if (!is_admin(v))
		return refuse(v, 403, "not an administrator");
	if (v->conf->csrf_secret == NULL)
		return refuse(v, 403, "csrf_secret is not configured");
	if (!csrf_check(v->conf->csrf_secret, v->user,
		cgi_get(v->params, "csrf"), time(NULL), v->conf->csrf_window_s))
		return refuse(v, 403,
		    "missing or expired CSRF token: reload "
		    "the control page and try again");
	if (cgi_get(v->params, "action") == NULL)
		return refuse(v, 400, "action: required");
	if (v->conf->admin_db == NULL)
		return refuse(v, 403, "admin_db is not configured");
	if ((c = vdb_connect(v->conf->admin_db, v->eb)) == NULL)
		goto out;
	if (vdb_begin(c, v->conf->statement_timeout_ms, 0, v->eb) != 0)
		goto out;
	if (act(v, c, &rows, &status, token, &aeb) != 0) {
		/* The failed action is rolled back; its attempt is logged. */
		vdb_cmd(c, "ROLLBACK", 0, NULL, v->eb);
		PQfinish(c);
		c = NULL;
		return refuse(v, status, errbuf_msg(&aeb));
	}
	snprintf(nrows, sizeof(nrows), "%lld", rows);
	if (log_attempt(v, c, "ok", nrows, NULL, v->eb) != 0 ||
	    vdb_cmd(c, "COMMIT", 0, NULL, v->eb) != 0)
		goto out;
	html_begin(v->h, "Control", "admin", v->at, NULL);
	html_put(v->h,
	    "<p class=\"ok\" id=\"action-done\">Done: %s (%lld row%r).</p>"
	    "<p><a href=\"?page=admin\">back to the control page</a></p>",
	    cgi_get(v->params, "action"), rows, rows == 1 ? "" : "s");
	if (token[0] != '\0')
		html_put(v->h,
		    "<p class=\"notice\">The worker's bearer token, shown "
		    "only now (put it in the worker's configuration):</p>"
		    "<pre id=\"token\">%s</pre>",
		    token);
	html_end(v->h);
	rc = 0;
out:
	PQfinish(c);
	return rc;
}

static void
form(struct view *v, const char *token, const char *action, const char *label,
    const char *fields)
{
	html_put(v->h,
	    "<form class=\"admin\" method=\"post\" action=\"?page=admin\" "
	    "id=\"form-%r\"><input type=\"hidden\" name=\"csrf\" value=\"%s\">"
	    "<input type=\"hidden\" name=\"action\" value=\"%r\">%r "
	    "<button>%r</button></form>\n",
	    action, token, action, fields, label);
}

int
page_admin(struct view *v)
{
	PGresult *res = NULL;
	char token[CSRF_TOKEN_LEN + 1];
	int have, i, rc = -1;

	if (strcmp(v->method, "POST") == 0)
		return post(v);
	if (v->user == NULL || !is_admin(v)) {
		v->status = 403;
		errbuf_set(v->eb, "%s",
		    v->user == NULL ? "authentication required: the web "
				      "server must set REMOTE_USER"
				    : "not an administrator");
		return -1;
	}
	if (v->conf->csrf_secret == NULL) {
		v->status = 403;
		errbuf_set(v->eb, "csrf_secret is not configured");
		return -1;
	}
	if (csrf_token(v->conf->csrf_secret, v->user, time(NULL),
		v->conf->csrf_window_s, token, v->eb) != 0)
		return -1;
	html_begin(v->h, "Control", "admin", v->at, NULL);
	html_put(
	    v->h, "<p>Signed in as <b id=\"admin-user\">%s</b>.</p>", v->user);
	if ((have = vdb_exists(v->db, "pingsvc.control_flags", 0, v->eb)) < 0)
		goto out;
	if (have) {
		if ((res = vdb_exec(v->db,
			 "SELECT enabled, coalesce(updated_by, ''), "
			 "       to_char(updated_at, 'YYYY-MM-DD HH24:MI:SS') "
			 "FROM pingsvc.control_flags "
			 "WHERE name = 'scheduling_paused'",
			 0, NULL, NULL, v->eb)) == NULL)
			goto out;
		if (PQntuples(res) == 1)
			html_put(v->h,
			    "<p id=\"scheduling\">Scheduling is <b>%r</b> "
			    "(since %s%r%s).</p>",
			    PQgetvalue(res, 0, 0)[0] == 't' ? "paused"
							    : "running",
			    PQgetvalue(res, 0, 2),
			    PQgetvalue(res, 0, 1)[0] != '\0' ? ", set by " : "",
			    PQgetvalue(res, 0, 1));
		PQclear(res);
		res = NULL;
	}
	form(v, token, "pause", "pause scheduling", "");
	form(v, token, "resume", "resume scheduling", "");
	form(v, token, "add_target", "add target",
	    "<label>address <input name=\"address\" size=\"30\"></label>");
	form(v, token, "add_optout", "add opt-out",
	    "<label>prefix <input name=\"prefix\" size=\"24\"></label> "
	    "<label>contact <input name=\"contact\" size=\"20\"></label> "
	    "<label>reason <input name=\"reason\" size=\"30\"></label>");
	form(v, token, "requeue_failed", "requeue failed jobs",
	    "<label>only target <input name=\"target\" size=\"24\"></label>");
	form(v, token, "enroll", "enrol worker",
	    "<label>name <input name=\"worker\" size=\"20\"></label> "
	    "<label>capabilities <select name=\"caps\">"
	    "<option>icmp,udp,tcp</option><option>icmp,udp</option>"
	    "<option>icmp,tcp</option><option>udp,tcp</option>"
	    "<option>icmp</option><option>udp</option><option>tcp</option>"
	    "</select></label>");
	form(v, token, "revoke", "revoke worker",
	    "<label>name <input name=\"worker\" size=\"20\"></label>");
	if ((have = vdb_exists(v->db, "pingsvc.admin_log", 0, v->eb)) < 0)
		goto out;
	if (have) {
		if ((res = vdb_exec(v->db,
			 "SELECT to_char(at, 'YYYY-MM-DD HH24:MI:SS'), "
			 "       remote_user, action, outcome, detail::text "
			 "FROM pingsvc.admin_log ORDER BY log_id DESC "
			 "LIMIT 20",
			 0, NULL, NULL, v->eb)) == NULL)
			goto out;
		html_put(v->h,
		    "<h2>Recent actions</h2><table class=\"log\">"
		    "<tr><th>time</th><th>user</th><th>action</th>"
		    "<th>outcome</th><th>detail</th></tr>");
		for (i = 0; i < PQntuples(res); i++)
			html_put(v->h,
			    "<tr><td>%s</td><td>%s</td><td>%s</td><td>%s</td>"
			    "<td>%s</td></tr>",
			    PQgetvalue(res, i, 0), PQgetvalue(res, i, 1),
			    PQgetvalue(res, i, 2), PQgetvalue(res, i, 3),
			    PQgetvalue(res, i, 4));
		html_put(v->h, "</table>\n");
	}
	html_end(v->h);
	rc = 0;
out:
	PQclear(res);
	return rc;
}
