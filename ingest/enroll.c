/*
 * enroll.c --
 *	Worker enrolment and revocation (see enroll.h).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "db.h"
#include "enroll.h"

int
enroll_caps_parse(const char *list, char *out, size_t size, struct errbuf *eb)
{
	static const char *const known[] = { "icmp", "udp", "tcp" };
	int seen[3] = { 0, 0, 0 };
	const char *p = list, *e;
	size_t len, k, used = 0;
	int n;

	if (size < 3)
		return errbuf_set(eb, "caps: no room");
	out[used++] = '{';
	while (*p != '\0') {
		e = strchr(p, ',');
		len = e != NULL ? (size_t)(e - p) : strlen(p);
		for (k = 0; k < 3; k++)
			if (strlen(known[k]) == len &&
			    strncmp(known[k], p, len) == 0)
				break;
		if (k == 3)
			return errbuf_set(eb,
			    "caps: \"%.*s\" is not icmp, udp or tcp", (int)len,
			    p);
		if (seen[k]++)
			return errbuf_set(
			    eb, "caps: \"%s\" given twice", known[k]);
		n = snprintf(out + used, size - used, "%s%s",
		    used > 1 ? "," : "", known[k]);
		if (n < 0 || (size_t)n >= size - used)
			return errbuf_set(eb, "caps: too long");
		used += (size_t)n;
		p += len;
		if (*p == ',')
			p++;
	}
	if (used + 2 > size)
		return errbuf_set(eb, "caps: too long");
	out[used++] = '}';
	out[used] = '\0';
	return 0;
}

int
enroll_worker(PGconn *c, const char *name, const struct enroll_scope *s,
    char *token, struct errbuf *eb)
{
	unsigned char hash[TOKEN_HASH_BYTES];
	char secret[TOKEN_SECRET_HEX + 1],
	    hashtext[2 + 2 * TOKEN_HASH_BYTES + 1];
	const char *vals[6];
	char rate[24];
	PGresult *res = NULL;
	size_t i;
	int rc = -1;

	if (token_secret_new(secret, eb) == -1)
		goto out;
	if (token_hash(secret, TOKEN_SECRET_HEX, hash) == -1) {
		errbuf_set(eb, "sha256 failed");
		goto out;
	}
	hashtext[0] = '\\';
	hashtext[1] = 'x';
	for (i = 0; i < TOKEN_HASH_BYTES; i++)
		snprintf(hashtext + 2 + 2 * i, 3, "%02x", hash[i]);
	vals[0] = name;
	vals[1] = hashtext;
	vals[2] = s->caps != NULL ? s->caps : "{icmp,udp,tcp}";
	vals[3] = s->kinds != NULL ? s->kinds : "{ping,traceroute}";
	vals[4] = s->prefixes;
	snprintf(rate, sizeof(rate), "%d", s->rate);
	vals[5] = s->rate > 0 ? rate : NULL;
	res = db_exec(c,
	    "INSERT INTO pingsvc.workers (name, token_hash, caps,"
	    "       scope_protos, scope_kinds, scope_prefixes, rate_per_min)"
	    " VALUES ($1, $2::bytea, $3::text[], $3::text[], $4::text[],"
	    "         $5::cidr[], $6::int)"
	    " RETURNING worker_id",
	    6, vals, NULL, eb);
	if (res == NULL)
		goto out;
	snprintf(token, TOKEN_MAX + 1, "%s.%s", PQgetvalue(res, 0, 0), secret);
	rc = 0;
out:
	explicit_bzero(secret, sizeof(secret));
	PQclear(res);
	return rc;
}

int
enroll_revoke(PGconn *c, const char *name, struct errbuf *eb)
{
	const char *vals[1] = { name };
	PGresult *res = NULL;
	int rc = -1;

	/*
	 * One statement: the worker is disabled and its leases end in the
	 * same snapshot, so no claim can slip in between.
	 */
	res = db_exec(c,
	    "WITH w AS ("
	    "  UPDATE pingsvc.workers SET enabled = false, revoked_at = now()"
	    "   WHERE name = $1 AND revoked_at IS NULL"
	    "  RETURNING worker_id"
	    "), j AS ("
	    "  UPDATE pingsvc.jobs"
	    "     SET state = CASE WHEN attempts >= max_attempts"
	    "                      THEN 'failed' ELSE 'ready' END,"
	    "         done_at = CASE WHEN attempts >= max_attempts"
	    "                        THEN now() END,"
	    "         leased_at = NULL, lease_expires = NULL,"
	    "         last_error = 'worker revoked'"
	    "   WHERE state = 'leased' AND worker_id IN (SELECT worker_id FROM "
	    "w)"
	    "  RETURNING job_id"
	    ")"
	    "SELECT (SELECT count(*) FROM w), (SELECT count(*) FROM j)",
	    1, vals, NULL, eb);
	if (res == NULL)
		goto out;
	if (strcmp(PQgetvalue(res, 0, 0), "1") != 0) {
		errbuf_set(eb,
		    "no enrolled worker \"%s\" (unknown, or already revoked)",
		    name);
		goto out;
	}
	rc = atoi(PQgetvalue(res, 0, 1));
out:
	PQclear(res);
	return rc;
}

int
enroll_scope_set(PGconn *c, const char *name, const struct enroll_scope *s,
    char *out, size_t size, struct errbuf *eb)
{
	const char *vals[7];
	char rate[24];
	PGresult *res = NULL;
	int rc = -1;

	snprintf(rate, sizeof(rate), "%d", s->rate);
	vals[0] = name;
	vals[1] = s->caps;
	vals[2] = s->kinds;
	vals[3] = s->prefixes;
	vals[4] = s->any_prefix ? "t" : "f";
	vals[5] = s->rate != 0 ? rate : NULL;
	/*
	 * SET expressions see the old row: caps are re-clamped to the new
	 * protocols from what the worker last reported (or, never having
	 * reported, from all of them).
	 */
	res = db_exec(c,
	    "UPDATE pingsvc.workers"
	    "   SET scope_protos = coalesce($2::text[], scope_protos, caps),"
	    "       caps = CASE WHEN $2::text[] IS NULL THEN caps"
	    "              ELSE ARRAY(SELECT p FROM unnest(ARRAY['icmp',"
	    "                     'udp', 'tcp']) AS p"
	    "                   WHERE p = ANY ($2::text[])"
	    "                     AND p = ANY (coalesce(reported_caps,"
	    "                                           $2::text[])))"
	    "              END,"
	    "       scope_kinds = coalesce($3::text[], scope_kinds),"
	    "       scope_prefixes = CASE WHEN $5::boolean THEN NULL"
	    "                        ELSE coalesce($4::cidr[], scope_prefixes)"
	    "                        END,"
	    "       rate_per_min = CASE WHEN $6::int IS NULL THEN rate_per_min"
	    "                      WHEN $6::int < 0 THEN NULL ELSE $6::int END"
	    " WHERE name = $1"
	    " RETURNING format('%s: kinds %s, protocols %s (usable now %s), "
	    "prefixes %s, rate %s', name, scope_kinds, scope_protos, caps,"
	    "   coalesce(scope_prefixes::text, 'any'),"
	    "   coalesce(rate_per_min || '/min', 'no cap'))",
	    6, vals, NULL, eb);
	if (res == NULL)
		goto out;
	if (PQntuples(res) != 1) {
		errbuf_set(eb, "no worker \"%s\"", name);
		goto out;
	}
	snprintf(out, size, "%s", PQgetvalue(res, 0, 0));
	rc = 0;
out:
	PQclear(res);
	return rc;
}
