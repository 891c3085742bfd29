/*
 * rows.c --
 *	Traces, hops and derive_queue rows of a decoded traceroute (see
 *	rows.h), by the rules of pingsvc.extract_results():
 *	  - hop entries have TTL 1..255 (the decoder checks it);
 *	  - the replies of an entry are numbered from 0 in order, "dup"
 *	    replies left out before numbering, across entries when a result
 *	    repeats a TTL; timeouts take a number but give no row; numbers
 *	    above 63 and replies from the other address family give no row;
 *	  - rtt_ms is the stored rtt when in [0, 60000), reply_ttl and size
 *	    the reply's when present, mpls the label stack entries, icmp_type
 *	    3 when "err" is present and icmp_code the number or letter
 *	    (N 0, H 1, P 2, p 3, A 13);
 *	  - the path runs to the highest TTL below 255, or to 255 when an
 *	    entry has TTL 255 and the rest reach 254 or 255 answered; per TTL
 *	    the most frequent responder, ties to the lowest probe number;
 *	  - reached_ttl is the lowest TTL answered by the target.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "rows.h"

#define ROWS_MAX_PROBE 63

/* One hop row of the trace being built. */
struct hop_row {
	int ttl, probe;
	const struct result_reply *rr;
};

void
rows_rtt_text(double rtt_ms, char *dst, size_t len)
{
	int n;
	double v;

	dst[0] = '\0';
	if (rtt_ms < 0)
		return;
	/* As json_out_double writes it, so the value is the body's. */
	n = snprintf(dst, len, "%.3f", rtt_ms);
	if (n < 0 || (size_t)n >= len) {
		dst[0] = '\0';
		return;
	}
	while (n > 1 && dst[n - 1] == '0' && strchr(dst, '.') != NULL)
		dst[--n] = '\0';
	if (n > 1 && dst[n - 1] == '.')
		dst[--n] = '\0';
	v = strtod(dst, NULL);
	if (!(v >= 0 && v < RESULT_MAX_RTT_MS))
		dst[0] = '\0';
}

static int
vantage_name_ok(const char *s)
{
	size_t i, n = strlen(s);

	if (n < 1 || n > 63)
		return 0;
	for (i = 0; i < n; i++) {
		char ch = s[i];
		int alnum = (ch >= 'A' && ch <= 'Z') ||
		    (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9');

		if (!alnum && (i == 0 || (ch != '.' && ch != '_' && ch != '-')))
			return 0;
	}
	return 1;
}

int
rows_vantage(const struct result *r, const char *source, const char *worker,
    char out[ROWS_VANTAGE_MAX + 1])
{
	out[0] = '\0';
	if (source != NULL && strcmp(source, "atlas") == 0) {
		if (r->prb_id < 0 || r->prb_id > INT64_C(9999999999))
			return 0;
		snprintf(
		    out, ROWS_VANTAGE_MAX + 1, "atlas:%" PRId64, r->prb_id);
		return 1;
	}
	if (worker == NULL || !vantage_name_ok(worker))
		return 0;
	snprintf(out, ROWS_VANTAGE_MAX + 1, "%s", worker);
	return 1;
}

int
rows_wanted(const struct result *r, const char *source, const char *worker)
{
	char v[ROWS_VANTAGE_MAX + 1];

	return r->type == RESULT_TRACEROUTE && r->nhops > 0 &&
	    rows_vantage(r, source, worker, v);
}

const char *
rows_ts_text(int64_t s, char *dst, size_t len)
{
	struct tm tm;
	time_t t = (time_t)s;

	if (gmtime_r(&t, &tm) == NULL) {
		snprintf(dst, len, "epoch");
		return dst;
	}
	snprintf(dst, len, "%04d-%02d-%02d %02d:%02d:%02d+00",
	    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
	    tm.tm_sec);
	return dst;
}

static const char *
proto_text(enum result_proto p)
{
	switch (p) {
	case PROTO_UDP:
		return "udp";
	case PROTO_TCP:
		return "tcp";
	default:
		return "icmp";
	}
}

/* The ICMP code of Atlas's "err", or -1 (unknown letter: NULL). */
static int
icmp_code(const struct result_reply *rr)
{
	if (rr->err_is_num)
		return atoi(rr->err);
	switch (rr->err[0]) {
	case 'N':
		return 0;
	case 'H':
		return 1;
	case 'P':
		return 2;
	case 'p':
		return 3;
	case 'A':
		return 13;
	default:
		return -1;
	}
}

/*
 * The answered probes of 'r' in entry order; returns their number, or -1
 * (memory) with '*out' to free.
 */
static long
collect(const struct result *r, struct hop_row **out)
{
	struct hop_row *rows;
	int next[256];
	size_t i, k, max = 0;
	long n = 0;

	for (i = 0; i < r->nhops; i++)
		max += r->hops[i].nreplies;
	*out = NULL;
	if (max == 0)
		return 0;
	if ((rows = calloc(max, sizeof(*rows))) == NULL)
		return -1;
	/* Numbered per TTL: across entries when a TTL repeats. */
	memset(next, 0, sizeof(next));
	for (i = 0; i < r->nhops; i++) {
		const struct result_hop *h = &r->hops[i];

		if (h->hop < 1 || h->hop > 255)
			continue;
		for (k = 0; k < h->nreplies; k++) {
			const struct result_reply *rr = &h->replies[k];
			int probe;

			if (rr->dup && !rr->timeout)
				continue;
			probe = next[h->hop]++;
			if (rr->timeout || probe > ROWS_MAX_PROBE ||
			    rr->from.af != r->dst.af)
				continue;
			rows[n].ttl = h->hop;
			rows[n].probe = probe;
			rows[n].rr = rr;
			n++;
		}
	}
	*out = rows;
	return n;
}

/* Path length: the highest TTL, Atlas's closing lone hop 255 dropped. */
static int
path_len(const struct result *r, const struct hop_row *rows, long n)
{
	int m = 0, has255 = 0, answered255 = 0;
	size_t i;
	long k;

	for (i = 0; i < r->nhops; i++) {
		if (r->hops[i].hop == 255)
			has255 = 1;
		else if (r->hops[i].hop >= 1 && r->hops[i].hop > m)
			m = r->hops[i].hop;
	}
	for (k = 0; k < n; k++)
		if (rows[k].ttl == 255)
			answered255 = 1;
	if (has255 && (m == 0 || m >= 254 || answered255))
		return 255;
	return m;
}

/* The most frequent responder at 'ttl', ties to the first probe; or NULL. */
static const struct addr *
responder(const struct hop_row *rows, long n, int ttl)
{
	const struct addr *best = NULL;
	long i, j, cnt, best_cnt = 0;
	int first, best_first = 0;

	for (i = 0; i < n; i++) {
		if (rows[i].ttl != ttl)
			continue;
		cnt = 0;
		first = rows[i].probe;
		for (j = 0; j < n; j++) {
			if (rows[j].ttl != ttl ||
			    addr_cmp(&rows[j].rr->from, &rows[i].rr->from) != 0)
				continue;
			cnt++;
			if (rows[j].probe < first)
				first = rows[j].probe;
		}
		if (best == NULL || cnt > best_cnt ||
		    (cnt == best_cnt && first < best_first)) {
			best = &rows[i].rr->from;
			best_cnt = cnt;
			best_first = first;
		}
	}
	return best;
}

static int
put_path(struct buf *b, const struct hop_row *rows, long n, int len)
{
	char a[ADDR_STRLEN];
	const struct addr *p;
	int ttl;

	if (buf_puts(b, "{") == -1)
		return -1;
	for (ttl = 1; ttl <= len; ttl++) {
		p = responder(rows, n, ttl);
		if (buf_printf(b, "%s%s", ttl > 1 ? "," : "",
			p != NULL ? addr_format(p, a, sizeof(a)) : "NULL") ==
		    -1)
			return -1;
	}
	return buf_puts(b, "}");
}

static int
put_mpls(struct buf *b, const struct result_reply *rr)
{
	size_t i;

	if (rr->nmpls == 0)
		return buf_puts(b, "\\N");
	if (buf_puts(b, "[") == -1)
		return -1;
	for (i = 0; i < rr->nmpls; i++) {
		const struct result_mpls *m = &rr->mpls[i];

		if (buf_printf(b,
			"%s{\"label\": %u, \"exp\": %u, \"s\": %u, "
			"\"ttl\": %u}",
			i > 0 ? ", " : "", (unsigned)m->label, (unsigned)m->exp,
			(unsigned)m->s, (unsigned)m->ttl) == -1)
			return -1;
	}
	return buf_puts(b, "]");
}

static int
put_opt(struct buf *b, int v)
{
	return v < 0 ? buf_puts(b, "\t\\N") : buf_printf(b, "\t%d", v);
}

static int
put_hop(
    struct buf *b, int64_t trace_id, const char *ts, const struct hop_row *h)
{
	const struct result_reply *rr = h->rr;
	char a[ADDR_STRLEN], rtt[64];
	int code = rr->err[0] != '\0' ? icmp_code(rr) : -1;

	rows_rtt_text(rr->rtt_ms, rtt, sizeof(rtt));
	if (buf_printf(b, "%" PRId64 "\t%s\t%d\t%d\t%s\t%s", trace_id, ts,
		h->ttl, h->probe, addr_format(&rr->from, a, sizeof(a)),
		rtt[0] != '\0' ? rtt : "\\N") == -1 ||
	    put_opt(b, rr->ttl) == -1 || put_opt(b, rr->size) == -1 ||
	    buf_puts(b, "\t") == -1 || put_mpls(b, rr) == -1 ||
	    put_opt(b, rr->err[0] != '\0' ? 3 : -1) == -1 ||
	    put_opt(b, code) == -1 || buf_puts(b, "\n") == -1)
		return -1;
	return 0;
}

static int
put_trace(struct rows_out *o, const struct result *r, int64_t trace_id,
    int64_t result_id, int64_t worker_id, const char *source,
    const char *vantage, const char *ts, const struct hop_row *rows, long n)
{
	char a[ADDR_STRLEN], wid[24], paris[16];
	int reached = 0;
	long k;

	for (k = 0; k < n; k++)
		if (addr_cmp(&rows[k].rr->from, &r->dst) == 0 &&
		    (reached == 0 || rows[k].ttl < reached))
			reached = rows[k].ttl;
	if (worker_id >= 1)
		snprintf(wid, sizeof(wid), "%" PRId64, worker_id);
	else
		snprintf(wid, sizeof(wid), "\\N");
	if (r->paris_id >= 0 && r->paris_id <= 65535)
		snprintf(paris, sizeof(paris), "%d", r->paris_id);
	else
		snprintf(paris, sizeof(paris), "\\N");
	if (buf_printf(&o->traces,
		"%" PRId64 "\t%" PRId64 "\t%s\t%s\t%s\t%s\t%s\t%s\t", trace_id,
		result_id, vantage, wid, addr_format(&r->dst, a, sizeof(a)), ts,
		proto_text(r->proto), paris) == -1 ||
	    put_path(&o->traces, rows, n, path_len(r, rows, n)) == -1)
		return -1;
	if (reached > 0)
		return buf_printf(&o->traces, "\tt\t%d\t%s\n", reached, source);
	return buf_printf(&o->traces, "\tf\t\\N\t%s\n", source);
}

int
rows_add(struct rows_out *o, const struct result *r, int64_t trace_id,
    int64_t result_id, int64_t worker_id, const char *source,
    const char *worker)
{
	struct hop_row *rows = NULL;
	char vantage[ROWS_VANTAGE_MAX + 1], ts[40];
	long n, k;
	int rc = -1;

	if (!rows_vantage(r, source, worker, vantage))
		return -1;
	rows_ts_text(r->timestamp, ts, sizeof(ts));
	if ((n = collect(r, &rows)) == -1)
		return -1;
	if (put_trace(o, r, trace_id, result_id, worker_id, source, vantage, ts,
		rows, n) == -1)
		goto out;
	for (k = 0; k < n; k++)
		if (put_hop(&o->hops, trace_id, ts, &rows[k]) == -1)
			goto out;
	if (buf_printf(&o->queue, "%" PRId64 "\t%s\t%s\n", trace_id, ts,
		r->stop_reason == RESULT_STOP_GSS ? "f" : "t") == -1)
		goto out;
	o->ntraces++;
	o->nhops += n;
	rc = 0;
out:
	free(rows);
	return rc;
}

void
rows_reset(struct rows_out *o)
{
	buf_reset(&o->traces);
	buf_reset(&o->hops);
	buf_reset(&o->queue);
	o->ntraces = o->nhops = 0;
}

void
rows_free(struct rows_out *o)
{
	buf_free(&o->traces);
	buf_free(&o->hops);
	buf_free(&o->queue);
	o->ntraces = o->nhops = 0;
}
