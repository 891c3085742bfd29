/*
 * result_scamper.c --
 *	scamper JSON records into results (see result_scamper.h).
 *
 *	Each record is rewritten as a RIPE-Atlas-format object and handed to
 *	result_decode(RESULT_ATLAS): the bounds and rules of one format are
 *	kept in one place.  The scamper fields are checked here first, so that
 *	a refusal names the field of the input, not of the rewrite.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "result_scamper.h"

/* ICMP codes that mean "the destination answered", per family. */
#define ICMP4_UNREACH      3
#define ICMP4_PORT_UNREACH 3
#define ICMP6_UNREACH      1
#define ICMP6_PORT_UNREACH 4

/* More reply entries than this in one trace is not scamper output. */
#define SCAMPER_MAX_HOP_ENTRIES (RESULT_MAX_HOPS * RESULT_MAX_REPLIES)

/* The parts of a record every measurement has. */
struct head {
	const char *type; /* "trace" or "ping" */
	const char *method;
	struct addr src, dst;
	int64_t sec, usec;
	enum result_proto proto;
	int64_t probe_size, dport;
};

/* One checked entry of a trace's hops[]. */
struct hop_in {
	yajl_val v;
	struct addr addr;
	int64_t ttl;
};

static int
get_addr(
    yajl_val v, const char *key, int af, struct addr *out, struct errbuf *eb)
{
	const char *s;

	if (json_str(v, key, 1, NULL, ADDR_STRLEN, &s, eb) == -1)
		return -1;
	if (addr_parse(s, out, eb) == -1)
		return errbuf_prefix(eb, "\"%s\"", key);
	if (af != 0 && out->af != af)
		return errbuf_set(
		    eb, "\"%s\": %s is not an IPv%d address", key, s, af);
	return 0;
}

/*
 * scamper names its probing methods "icmp-paris", "udp-paris", "tcp-ack",
 * "icmp-echo", "udp-dport"...: the protocol is the word before the dash.
 */
static int
method_proto(const char *m, enum result_proto *p, struct errbuf *eb)
{
	if (strncmp(m, "icmp", 4) == 0)
		*p = PROTO_ICMP;
	else if (strncmp(m, "udp", 3) == 0)
		*p = PROTO_UDP;
	else if (strncmp(m, "tcp", 3) == 0)
		*p = PROTO_TCP;
	else
		return errbuf_set(eb,
		    "\"method\": \"%s\" is not an ICMP, UDP or TCP "
		    "method",
		    m);
	return 0;
}

static int
read_head(yajl_val v, struct head *h, struct errbuf *eb)
{
	yajl_val start;

	if (json_str(v, "method", 1, NULL, 32, &h->method, eb) == -1 ||
	    method_proto(h->method, &h->proto, eb) == -1 ||
	    get_addr(v, "dst", 0, &h->dst, eb) == -1 ||
	    get_addr(v, "src", h->dst.af, &h->src, eb) == -1)
		return -1;
	if ((start = json_get(v, "start")) == NULL)
		return errbuf_set(eb, "\"start\": missing");
	if (!YAJL_IS_OBJECT(start))
		return errbuf_set(eb, "\"start\": must be an object");
	if (json_int(start, "sec", 1, 0, 0, INT32_MAX, &h->sec, eb) == -1 ||
	    json_int(start, "usec", 0, 0, 0, 999999, &h->usec, eb) == -1)
		return errbuf_prefix(eb, "start");
	if (json_int(v, "probe_size", 0, -1, 0, 65535, &h->probe_size, eb) ==
		-1 ||
	    json_int(v, "dport", 0, -1, 0, 65535, &h->dport, eb) == -1)
		return -1;
	if (h->dport == 0 || h->proto == PROTO_ICMP)
		h->dport = -1;
	return 0;
}

/* The header fields of the Atlas form. */
static int
put_head(struct json_out *j, const struct head *h, const char *type)
{
	char a[ADDR_STRLEN];

	if (json_out_str(j, "type", type) == -1 ||
	    json_out_int(j, "af", h->dst.af) == -1 ||
	    json_out_str(j, "proto", result_proto_name(h->proto)) == -1 ||
	    json_out_str(j, "dst_addr", addr_format(&h->dst, a, sizeof(a))) ==
		-1 ||
	    json_out_str(j, "src_addr", addr_format(&h->src, a, sizeof(a))) ==
		-1 ||
	    json_out_int(j, "timestamp", h->sec) == -1)
		return -1;
	if (h->probe_size >= 0 && json_out_int(j, "size", h->probe_size) == -1)
		return -1;
	if (h->dport > 0 && json_out_int(j, "port", h->dport) == -1)
		return -1;
	return 0;
}

/* "trace:SRC:DST:SEC.USEC:METHOD": what identifies one scamper record. */
static int
make_key(const struct head *h, char *out, size_t size, struct errbuf *eb)
{
	char s[ADDR_STRLEN], d[ADDR_STRLEN];
	const char *p;
	int n;

	for (p = h->method; *p != '\0'; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
			*p == '-'))
			return errbuf_set(eb,
			    "\"method\": \"%s\" has characters other than "
			    "a-z, 0-9 and -",
			    h->method);
	n = snprintf(out, size, "%s:%s:%s:%" PRId64 ".%06" PRId64 ":%s",
	    h->type, addr_format(&h->src, s, sizeof(s)),
	    addr_format(&h->dst, d, sizeof(d)), h->sec, h->usec, h->method);
	if (n < 0 || (size_t)n >= size)
		return errbuf_set(eb, "record key too long");
	return 0;
}

/* MPLS stacks of scamper's "icmpext" list as Atlas's "icmpext" object. */
static int
check_icmpext(yajl_val ext, size_t *nlabels, struct errbuf *eb)
{
	yajl_val ie, labels, l;
	size_t i, k;
	int64_t n;

	*nlabels = 0;
	if (!YAJL_IS_ARRAY(ext))
		return errbuf_set(eb, "\"icmpext\": must be an array");
	for (i = 0; i < ext->u.array.len; i++) {
		ie = ext->u.array.values[i];
		if (!YAJL_IS_OBJECT(ie))
			return errbuf_set(
			    eb, "icmpext[%zu]: must be an object", i);
		if ((labels = json_get(ie, "mpls_labels")) == NULL)
			continue;
		if (!YAJL_IS_ARRAY(labels))
			return errbuf_set(eb,
			    "icmpext[%zu].mpls_labels: must be an array", i);
		for (k = 0; k < labels->u.array.len; k++) {
			l = labels->u.array.values[k];
			if (++*nlabels > RESULT_MAX_MPLS)
				return errbuf_set(eb,
				    "icmpext: more than %d MPLS labels",
				    RESULT_MAX_MPLS);
			if (json_int(l, "mpls_label", 1, 0, 0, 0xfffff, &n,
				eb) == -1 ||
			    json_int(l, "mpls_exp", 0, 0, 0, 7, &n, eb) == -1 ||
			    json_int(l, "mpls_s", 0, 0, 0, 1, &n, eb) == -1 ||
			    json_int(l, "mpls_ttl", 0, 0, 0, 255, &n, eb) == -1)
				return errbuf_prefix(
				    eb, "icmpext[%zu].mpls_labels[%zu]", i, k);
		}
	}
	return 0;
}

static int
put_icmpext(struct json_out *j, yajl_val ext)
{
	yajl_val labels, l;
	size_t i, k;
	int64_t n;

	if (json_out_open(j, "icmpext", 0) == -1 ||
	    json_out_int(j, "version", 2) == -1 ||
	    json_out_int(j, "rfc4884", 1) == -1 ||
	    json_out_open(j, "obj", 1) == -1)
		return -1;
	for (i = 0; i < ext->u.array.len; i++) {
		labels = json_get(ext->u.array.values[i], "mpls_labels");
		if (labels == NULL)
			continue;
		if (json_out_open(j, NULL, 0) == -1 ||
		    json_out_int(j, "class", 1) == -1 ||
		    json_out_int(j, "type", 1) == -1 ||
		    json_out_open(j, "mpls", 1) == -1)
			return -1;
		for (k = 0; k < labels->u.array.len; k++) {
			l = labels->u.array.values[k];
			if (json_out_open(j, NULL, 0) == -1)
				return -1;
			(void)json_int(
			    l, "mpls_label", 1, 0, 0, 0xfffff, &n, NULL);
			if (json_out_int(j, "label", n) == -1)
				return -1;
			(void)json_int(l, "mpls_exp", 0, 0, 0, 7, &n, NULL);
			if (json_out_int(j, "exp", n) == -1)
				return -1;
			(void)json_int(l, "mpls_s", 0, 0, 0, 1, &n, NULL);
			if (json_out_int(j, "s", n) == -1)
				return -1;
			(void)json_int(l, "mpls_ttl", 0, 0, 0, 255, &n, NULL);
			if (json_out_int(j, "ttl", n) == -1 ||
			    json_out_close(j, 0) == -1)
				return -1;
		}
		if (json_out_close(j, 1) == -1 || json_out_close(j, 0) == -1)
			return -1;
	}
	return json_out_close(j, 1) == -1 ? -1 : json_out_close(j, 0);
}

/* Check hops[i] of a trace whose destination is 'dst'. */
static int
check_hop(yajl_val v, int af, struct hop_in *h, struct errbuf *eb)
{
	yajl_val ext;
	double rtt;
	int64_t n;
	size_t nl;

	h->v = v;
	if (!YAJL_IS_OBJECT(v))
		return errbuf_set(eb, "must be an object");
	if (get_addr(v, "addr", af, &h->addr, eb) == -1 ||
	    json_int(v, "probe_ttl", 1, 0, 1, 255, &h->ttl, eb) == -1 ||
	    json_double(v, "rtt", 0, -1, 0, RESULT_MAX_RTT_MS, &rtt, eb) ==
		-1 ||
	    json_int(v, "reply_ttl", 0, -1, 0, 255, &n, eb) == -1 ||
	    json_int(v, "reply_size", 0, -1, 0, 65535, &n, eb) == -1 ||
	    json_int(v, "icmp_type", 0, -1, 0, 255, &n, eb) == -1 ||
	    json_int(v, "icmp_code", 0, -1, 0, 255, &n, eb) == -1 ||
	    json_int(v, "icmp_q_ttl", 0, -1, 0, 255, &n, eb) == -1)
		return -1;
	if ((ext = json_get(v, "icmpext")) != NULL &&
	    check_icmpext(ext, &nl, eb) == -1)
		return -1;
	return 0;
}

/*
 * Atlas's "err" of a reply: an ICMP destination unreachable, except the
 * port unreachable by which the destination itself answers a UDP probe.
 * ICMPv6 codes go by Atlas's letters (trace_replies reads numbers as
 * ICMPv4 codes).
 */
static int
put_err(struct json_out *j, const struct hop_in *h, const struct addr *dst)
{
	static const char *const v6[] = { "N", "A", "h", "H", "p" };
	int64_t type, code;

	(void)json_int(h->v, "icmp_type", 0, -1, 0, 255, &type, NULL);
	(void)json_int(h->v, "icmp_code", 0, -1, 0, 255, &code, NULL);
	if (code < 0)
		return 0;
	if (dst->af == 4 && type == ICMP4_UNREACH) {
		if (code == ICMP4_PORT_UNREACH && addr_cmp(&h->addr, dst) == 0)
			return 0;
		return json_out_int(j, "err", code);
	}
	if (dst->af == 6 && type == ICMP6_UNREACH) {
		if (code == ICMP6_PORT_UNREACH && addr_cmp(&h->addr, dst) == 0)
			return 0;
		if (code < (int64_t)(sizeof(v6) / sizeof(v6[0])))
			return json_out_str(j, "err", v6[code]);
		return json_out_int(j, "err", code);
	}
	return 0;
}

static int
put_reply(struct json_out *j, const struct hop_in *h, const struct addr *dst)
{
	char a[ADDR_STRLEN];
	yajl_val ext;
	double rtt;
	int64_t n;
	size_t nl = 0;

	if (json_out_open(j, NULL, 0) == -1 ||
	    json_out_str(j, "from", addr_format(&h->addr, a, sizeof(a))) == -1)
		return -1;
	(void)json_double(h->v, "rtt", 0, -1, 0, RESULT_MAX_RTT_MS, &rtt, NULL);
	if (rtt >= 0 && json_out_double(j, "rtt", rtt) == -1)
		return -1;
	(void)json_int(h->v, "reply_size", 0, -1, 0, 65535, &n, NULL);
	if (n >= 0 && json_out_int(j, "size", n) == -1)
		return -1;
	(void)json_int(h->v, "reply_ttl", 0, -1, 0, 255, &n, NULL);
	if (n >= 0 && json_out_int(j, "ttl", n) == -1)
		return -1;
	/* Atlas gives "ittl" only when the quoted TTL is not the usual 1. */
	(void)json_int(h->v, "icmp_q_ttl", 0, -1, 0, 255, &n, NULL);
	if (n >= 0 && n != 1 && json_out_int(j, "ittl", n) == -1)
		return -1;
	if (put_err(j, h, dst) == -1)
		return -1;
	ext = json_get(h->v, "icmpext");
	if (ext != NULL && check_icmpext(ext, &nl, NULL) == 0 && nl > 0 &&
	    put_icmpext(j, ext) == -1)
		return -1;
	return json_out_close(j, 0);
}

/*
 * result[]: one entry per TTL from firsthop to the last probed one (the
 * highest answered TTL, or hop_count when scamper probed further), the
 * replies of that TTL, or 'attempts' timeouts when none came.
 */
static int
put_hops(struct json_out *j, const struct hop_in *hops, size_t n, int64_t first,
    int64_t last, int64_t attempts, const struct addr *dst)
{
	int64_t ttl, k;
	size_t i, got;

	if (json_out_open(j, "result", 1) == -1)
		return -1;
	for (ttl = first; ttl <= last; ttl++) {
		if (json_out_open(j, NULL, 0) == -1 ||
		    json_out_int(j, "hop", ttl) == -1 ||
		    json_out_open(j, "result", 1) == -1)
			return -1;
		for (i = 0, got = 0; i < n; i++) {
			if (hops[i].ttl != ttl)
				continue;
			got++;
			if (put_reply(j, &hops[i], dst) == -1)
				return -1;
		}
		for (k = 0; got == 0 && k < attempts; k++) {
			if (json_out_open(j, NULL, 0) == -1 ||
			    json_out_str(j, "x", "*") == -1 ||
			    json_out_close(j, 0) == -1)
				return -1;
		}
		if (json_out_close(j, 1) == -1 || json_out_close(j, 0) == -1)
			return -1;
	}
	return json_out_close(j, 1);
}

static int
trace_to_atlas(
    yajl_val v, const struct head *h, struct json_out *j, struct errbuf *eb)
{
	struct hop_in *hops = NULL;
	yajl_val arr, stop;
	int64_t first, count, attempts, last;
	size_t i, n = 0, per_ttl[RESULT_MAX_HOPS + 1];
	int rc = -1;

	if (json_int(v, "firsthop", 0, 1, 1, 255, &first, eb) == -1 ||
	    json_int(v, "hop_count", 0, 0, 0, 255, &count, eb) == -1 ||
	    json_int(v, "attempts", 0, 1, 1, RESULT_MAX_REPLIES, &attempts,
		eb) == -1)
		return -1;
	if ((arr = json_get(v, "hops")) != NULL) {
		if (!YAJL_IS_ARRAY(arr))
			return errbuf_set(eb, "\"hops\": must be an array");
		if (arr->u.array.len > SCAMPER_MAX_HOP_ENTRIES)
			return errbuf_set(eb, "\"hops\": more than %d entries",
			    SCAMPER_MAX_HOP_ENTRIES);
		n = arr->u.array.len;
	}
	if (n > 0 && (hops = calloc(n, sizeof(*hops))) == NULL)
		return errbuf_set(eb, "out of memory");
	memset(per_ttl, 0, sizeof(per_ttl));
	last = count;
	for (i = 0; i < n; i++) {
		if (check_hop(arr->u.array.values[i], h->dst.af, &hops[i],
			eb) == -1) {
			errbuf_prefix(eb, "hops[%zu]", i);
			goto out;
		}
		if (hops[i].ttl < first) {
			errbuf_set(eb,
			    "hops[%zu].probe_ttl: %" PRId64 " is below "
			    "firsthop %" PRId64,
			    i, hops[i].ttl, first);
			goto out;
		}
		if (++per_ttl[hops[i].ttl] > RESULT_MAX_REPLIES) {
			errbuf_set(eb,
			    "hops[%zu]: more than %d replies at TTL %" PRId64,
			    i, RESULT_MAX_REPLIES, hops[i].ttl);
			goto out;
		}
		if (hops[i].ttl > last)
			last = hops[i].ttl;
	}
	/*
	 * scamper's doubletree mode stops a trace at a hop of its global
	 * stop set: "GSS", which our format keeps (lib/result.h).  Its other
	 * stop reasons describe a plain end of the path and are not kept.
	 */
	stop = json_get(v, "stop_reason");
	if (put_head(j, h, "traceroute") == -1 ||
	    (stop != NULL && YAJL_IS_STRING(stop) &&
		strcmp(stop->u.string, "GSS") == 0 &&
		json_out_str(j, "stop_reason", "GSS") == -1) ||
	    put_hops(j, hops, n, first, last, attempts, &h->dst) == -1) {
		errbuf_set(eb, "out of memory");
		goto out;
	}
	rc = 0;
out:
	free(hops);
	return rc;
}

/* One ping reply: from the destination, or an ICMP error from elsewhere. */
static int
check_response(yajl_val v, int64_t sent, const struct addr *dst, int64_t *seq,
    int *mine, double *rtt, struct errbuf *eb)
{
	struct addr from;
	int64_t n;

	if (!YAJL_IS_OBJECT(v))
		return errbuf_set(eb, "must be an object");
	if (get_addr(v, "from", 0, &from, eb) == -1 ||
	    json_int(v, "seq", 1, 0, 0, sent - 1, seq, eb) == -1 ||
	    json_double(v, "rtt", 1, 0, 0, RESULT_MAX_RTT_MS, rtt, eb) == -1 ||
	    json_int(v, "reply_ttl", 0, -1, 0, 255, &n, eb) == -1)
		return -1;
	*mine = addr_cmp(&from, dst) == 0;
	return 0;
}

static int
put_ping_entry(struct json_out *j, yajl_val v, int mine, double rtt, int dup)
{
	char a[ADDR_STRLEN], msg[128];
	struct addr from;
	int64_t n, type, code;

	if (json_out_open(j, NULL, 0) == -1)
		return -1;
	if (!mine) {
		/* An answer from elsewhere (an ICMP error) is no echo. */
		(void)get_addr(v, "from", 0, &from, NULL);
		(void)json_int(v, "icmp_type", 0, -1, 0, 255, &type, NULL);
		(void)json_int(v, "icmp_code", 0, -1, 0, 255, &code, NULL);
		snprintf(msg, sizeof(msg),
		    "reply from %s, ICMP type %" PRId64 " code %" PRId64,
		    addr_format(&from, a, sizeof(a)), type, code);
		if (json_out_str(j, "error", msg) == -1)
			return -1;
		return json_out_close(j, 0);
	}
	if (json_out_double(j, "rtt", rtt) == -1)
		return -1;
	(void)json_int(v, "reply_ttl", 0, -1, 0, 255, &n, NULL);
	if (n >= 0 && json_out_int(j, "ttl", n) == -1)
		return -1;
	if (dup && json_out_bool(j, "dup", 1) == -1)
		return -1;
	return json_out_close(j, 0);
}

/* The statistics Atlas gives beside the replies, from the replies. */
struct ping_stats {
	int rcvd, dups;
	double min, max, sum;
	int64_t ttl;
};

static int
put_ping_stats(struct json_out *j, const struct ping_stats *s, int64_t sent)
{
	double avg = -1, min = -1, max = -1;

	if (s->rcvd > 0) {
		min = s->min;
		max = s->max;
		avg = s->sum / s->rcvd;
		/* A mean of equal values may round past them. */
		avg = avg < min ? min : avg > max ? max : avg;
	}
	if (json_out_int(j, "sent", sent) == -1 ||
	    json_out_int(j, "rcvd", s->rcvd) == -1 ||
	    json_out_int(j, "dup", s->dups) == -1 ||
	    json_out_double(j, "min", min) == -1 ||
	    json_out_double(j, "avg", avg) == -1 ||
	    json_out_double(j, "max", max) == -1)
		return -1;
	if (s->ttl >= 0 && json_out_int(j, "ttl", s->ttl) == -1)
		return -1;
	return 0;
}

/*
 * result[]: per probe (seq 0 .. ping_sent-1) its echo reply, an error entry
 * for an ICMP error from elsewhere, or {"x":"*"}; further replies to the
 * same probe follow as "dup".
 */
static int
ping_to_atlas(
    yajl_val v, const struct head *h, struct json_out *j, struct errbuf *eb)
{
	struct ping_stats st = { 0, 0, 0, 0, 0, -1 };
	yajl_val arr = NULL, r;
	int64_t sent, seq, s;
	double rtt;
	size_t i, nresp = 0, entries;
	int mine, seen;

	if (json_int(v, "ping_sent", 1, 0, 0, RESULT_MAX_PINGS, &sent, eb) ==
	    -1)
		return -1;
	if ((arr = json_get(v, "responses")) != NULL) {
		if (!YAJL_IS_ARRAY(arr))
			return errbuf_set(
			    eb, "\"responses\": must be an array");
		nresp = arr->u.array.len;
	}
	entries = (size_t)sent;
	for (i = 0; i < nresp; i++) {
		if (check_response(arr->u.array.values[i], sent, &h->dst, &seq,
			&mine, &rtt, eb) == -1)
			return errbuf_prefix(eb, "responses[%zu]", i);
		/* Only the first reply to a probe takes its place. */
		seen = 0;
		for (size_t k = 0; k < i; k++) {
			(void)json_int(arr->u.array.values[k], "seq", 1, 0, 0,
			    INT64_MAX, &s, NULL);
			seen |= s == seq;
		}
		if (seen)
			entries++;
		if (!mine)
			continue;
		if (seen) {
			st.dups++;
			continue;
		}
		if (st.rcvd == 0 || rtt < st.min)
			st.min = rtt;
		if (st.rcvd == 0 || rtt > st.max)
			st.max = rtt;
		if (st.rcvd == 0)
			(void)json_int(arr->u.array.values[i], "reply_ttl", 0,
			    -1, 0, 255, &st.ttl, NULL);
		st.sum += rtt;
		st.rcvd++;
	}
	if (entries > RESULT_MAX_PINGS)
		return errbuf_set(eb,
		    "\"responses\": more than %d replies and timeouts",
		    RESULT_MAX_PINGS);
	if (put_head(j, h, "ping") == -1 ||
	    put_ping_stats(j, &st, sent) == -1 ||
	    json_out_open(j, "result", 1) == -1)
		return errbuf_set(eb, "out of memory");
	for (seq = 0; seq < sent; seq++) {
		seen = 0;
		for (i = 0; i < nresp; i++) {
			r = arr->u.array.values[i];
			(void)json_int(r, "seq", 1, 0, 0, INT64_MAX, &s, NULL);
			if (s != seq)
				continue;
			(void)check_response(
			    r, sent, &h->dst, &s, &mine, &rtt, NULL);
			if (put_ping_entry(j, r, mine, rtt, seen && mine) == -1)
				return errbuf_set(eb, "out of memory");
			seen = 1;
		}
		if (!seen &&
		    (json_out_open(j, NULL, 0) == -1 ||
			json_out_str(j, "x", "*") == -1 ||
			json_out_close(j, 0) == -1))
			return errbuf_set(eb, "out of memory");
	}
	if (json_out_close(j, 1) == -1)
		return errbuf_set(eb, "out of memory");
	return 0;
}

/* Records of a scamper file that hold no measurement. */
static int
is_meta(const char *type)
{
	static const char *const meta[] = { "cycle-start", "cycle-stop",
		"cycle-def", "list" };
	size_t i;

	for (i = 0; i < sizeof(meta) / sizeof(meta[0]); i++)
		if (strcmp(type, meta[i]) == 0)
			return 1;
	return 0;
}

/* The Atlas form of a trace or ping record into 'text', with its key. */
static int
to_atlas(yajl_val v, struct head *h, struct buf *text, char *key,
    size_t keysize, struct errbuf *eb)
{
	struct json_out j;
	int rc = -1;

	if (read_head(v, h, eb) == -1 || make_key(h, key, keysize, eb) == -1)
		return -1;
	if (json_out_init(&j, text) == -1)
		return errbuf_set(eb, "out of memory");
	if (json_out_open(&j, NULL, 0) == -1) {
		errbuf_set(eb, "out of memory");
		goto out;
	}
	if ((strcmp(h->type, "trace") == 0 ? trace_to_atlas(v, h, &j, eb)
					   : ping_to_atlas(v, h, &j, eb)) == -1)
		goto out;
	if (json_out_close(&j, 0) == -1) {
		errbuf_set(eb, "out of memory");
		goto out;
	}
	rc = 0;
out:
	json_out_free(&j);
	return rc;
}

int
result_scamper_decode(
    yajl_val v, struct result **out, const char **host, struct errbuf *eb)
{
	struct buf text = BUF_INIT;
	struct head h;
	char key[RESULT_KEY_MAX + 1];
	int rc = -1;

	*out = NULL;
	if (host != NULL)
		*host = NULL;
	memset(&h, 0, sizeof(h));
	if (v == NULL || !YAJL_IS_OBJECT(v))
		return errbuf_set(eb, "a scamper record must be a JSON object");
	if (json_str(v, "type", 1, NULL, 32, &h.type, eb) == -1)
		return -1;
	if (is_meta(h.type)) {
		if (host != NULL &&
		    json_str(v, "hostname", 0, NULL, SCAMPER_HOST_MAX, host,
			NULL) == -1)
			*host = NULL;
		return 1;
	}
	if (strcmp(h.type, "trace") != 0 && strcmp(h.type, "ping") != 0)
		return errbuf_set(eb,
		    "\"type\": \"%s\" is not imported (only trace and "
		    "ping records)",
		    h.type);
	if (to_atlas(v, &h, &text, key, sizeof(key), eb) == -1)
		goto out;
	if (result_decode_text(
		buf_str(&text), text.len, RESULT_ATLAS, out, eb) == -1)
		goto out;
	if (((*out)->idem_key = strdup(key)) == NULL) {
		result_free(*out);
		*out = NULL;
		errbuf_set(eb, "out of memory");
		goto out;
	}
	rc = 0;
out:
	buf_free(&text);
	return rc;
}

int
result_scamper_decode_text(
    const char *text, size_t len, struct result **out, struct errbuf *eb)
{
	yajl_val v;
	int rc;

	*out = NULL;
	if ((v = json_parse(text, len, eb)) == NULL)
		return -1;
	rc = result_scamper_decode(v, out, NULL, eb);
	yajl_tree_free(v);
	return rc;
}
