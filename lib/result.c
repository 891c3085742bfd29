/*
 * result.c --
 *	The result format: decoder, encoder, constructors (see result.h).
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "result.h"

/* 2000-01-01: no measurement of ours or Atlas's is older. */
#define TS_MIN 946684800LL
/* 2100-01-01: anything later is a broken clock. */
#define TS_MAX 4102444800LL

static const char *const proto_names[] = {
	[PROTO_ICMP] = "ICMP",
	[PROTO_UDP] = "UDP",
	[PROTO_TCP] = "TCP",
};

const char *
result_proto_name(enum result_proto p)
{
	if (p < PROTO_ICMP || p > PROTO_TCP)
		return "?";
	return proto_names[p];
}

int
result_proto_parse(const char *s, enum result_proto *out)
{
	int p;

	for (p = PROTO_ICMP; p <= PROTO_TCP; p++) {
		if (strcasecmp(s, proto_names[p]) == 0) {
			*out = (enum result_proto)p;
			return 0;
		}
	}
	return -1;
}

struct result *
result_new(enum result_type type)
{
	struct result *r;

	if ((r = calloc(1, sizeof(*r))) == NULL)
		return NULL;
	r->type = type;
	r->endtime = r->fw = r->msm_id = r->prb_id = r->job_id = -1;
	r->paris_id = r->size = r->port = r->reply_ttl = -1;
	r->min_ms = r->avg_ms = r->max_ms = -1;
	return r;
}

void
result_free(struct result *r)
{
	size_t i;

	if (r == NULL)
		return;
	for (i = 0; i < r->nhops; i++) {
		free(r->hops[i].replies);
		free(r->hops[i].error);
	}
	free(r->hops);
	for (i = 0; i < r->npings; i++)
		free(r->pings[i].error);
	free(r->pings);
	free(r->dst_name);
	free(r->worker);
	free(r->idem_key);
	free(r);
}

/* ---------------------------------------------------------------------
 * Decoding
 * --------------------------------------------------------------------- */

/*
 * Atlas firmware before 4460 wrote numbers as strings ("rcvd": "3").  In
 * Atlas mode such a string is read as the number it spells; on our wire it
 * is a type error.
 */
static yajl_val
numeric_string(yajl_val obj, const char *key, enum result_mode mode, double *d)
{
	yajl_val v = json_get(obj, key);
	char *end;

	if (mode != RESULT_ATLAS || v == NULL || !YAJL_IS_STRING(v) ||
	    v->u.string == NULL || v->u.string[0] == '\0')
		return NULL;
	errno = 0;
	*d = strtod(v->u.string, &end);
	if (errno != 0 || *end != '\0' || !isfinite(*d))
		return NULL;
	return v;
}

static int
get_int(yajl_val obj, const char *key, int required, int64_t def, int64_t min,
    int64_t max, enum result_mode mode, int64_t *out, struct errbuf *eb)
{
	double d;

	if (numeric_string(obj, key, mode, &d) != NULL) {
		if (d != floor(d) || d < (double)min || d > (double)max)
			return errbuf_set(eb,
			    "\"%s\": \"%s\" is not an integer "
			    "in [%lld, %lld]",
			    key, json_get(obj, key)->u.string, (long long)min,
			    (long long)max);
		*out = (int64_t)d;
		return 0;
	}
	return json_int(obj, key, required, def, min, max, out, eb);
}

static int
get_small(yajl_val obj, const char *key, int required, int def, int min,
    int max, enum result_mode mode, int *out, struct errbuf *eb)
{
	int64_t v;

	if (get_int(obj, key, required, def, min, max, mode, &v, eb) == -1)
		return -1;
	*out = (int)v;
	return 0;
}

static int
get_double(yajl_val obj, const char *key, int required, double def, double min,
    double max, enum result_mode mode, double *out, struct errbuf *eb)
{
	double d;

	if (numeric_string(obj, key, mode, &d) != NULL) {
		if (d < min || d > max)
			return errbuf_set(eb,
			    "\"%s\": %g is out of range "
			    "[%g, %g]",
			    key, d, min, max);
		*out = d;
		return 0;
	}
	return json_double(obj, key, required, def, min, max, out, eb);
}

/*
 * A duplicate flag: true/false on our wire; Atlas firmware also writes
 * "dup": 1 in ping replies.
 */
static int
get_flag(yajl_val obj, const char *key, enum result_mode mode, int *out,
    struct errbuf *eb)
{
	yajl_val v = json_get(obj, key);

	if (mode == RESULT_ATLAS && v != NULL && YAJL_IS_INTEGER(v) &&
	    (YAJL_GET_INTEGER(v) == 0 || YAJL_GET_INTEGER(v) == 1)) {
		*out = (int)YAJL_GET_INTEGER(v);
		return 0;
	}
	return json_bool(obj, key, 0, 0, out, eb);
}

/*
 * Read an address field of family 'af' (0: any) into 'out'.  Atlas writes
 * "from": "" when a probe's public address is unknown: absent, there.
 */
static int
get_addr(yajl_val obj, const char *key, int required, int af,
    enum result_mode mode, struct addr *out, struct errbuf *eb)
{
	const char *s;

	memset(out, 0, sizeof(*out));
	if (json_str(obj, key, required, NULL, ADDR_STRLEN, &s, eb) == -1)
		return -1;
	if (s == NULL || (*s == '\0' && !required && mode == RESULT_ATLAS))
		return 0;
	if (addr_parse(s, out, eb) == -1)
		return errbuf_prefix(eb, "\"%s\"", key);
	if (af != 0 && out->af != af)
		return errbuf_set(
		    eb, "\"%s\": %s is not an IPv%d address", key, s, af);
	return 0;
}

static int
dup_str(
    yajl_val obj, const char *key, size_t maxlen, char **out, struct errbuf *eb)
{
	const char *s;

	*out = NULL;
	if (json_str(obj, key, 0, NULL, maxlen, &s, eb) == -1)
		return -1;
	if (s != NULL && (*out = strdup(s)) == NULL)
		return errbuf_set(eb, "out of memory");
	return 0;
}

/* Idempotency keys are opaque to us but must be printable and short. */
static int
check_key(const char *k, struct errbuf *eb)
{
	const char *p;

	if (*k == '\0')
		return errbuf_set(eb, "\"idem_key\": empty");
	for (p = k; *p != '\0'; p++)
		if (!isalnum((unsigned char)*p) && strchr("._:-/", *p) == NULL)
			return errbuf_set(eb,
			    "\"idem_key\": only letters, "
			    "digits and ._:-/ are allowed");
	return 0;
}

static yajl_val
get_array(yajl_val obj, const char *key, size_t max, int required,
    struct errbuf *eb, int *failed)
{
	yajl_val v = json_get(obj, key);

	*failed = 0;
	if (v == NULL || YAJL_IS_NULL(v)) {
		if (required) {
			*failed = 1;
			errbuf_set(eb, "\"%s\": missing", key);
		}
		return NULL;
	}
	if (!YAJL_IS_ARRAY(v)) {
		*failed = 1;
		errbuf_set(eb, "\"%s\": must be an array", key);
		return NULL;
	}
	if (v->u.array.len > max) {
		*failed = 1;
		errbuf_set(eb, "\"%s\": %zu entries, at most %zu allowed", key,
		    v->u.array.len, max);
		return NULL;
	}
	return v;
}

/* Parse the MPLS label stacks of Atlas's "icmpext" object. */
static int
decode_icmpext(yajl_val ext, struct result_reply *rr, struct errbuf *eb)
{
	yajl_val objs, o, stack, e;
	size_t i, k;
	int64_t v;
	int failed;

	if (!YAJL_IS_OBJECT(ext))
		return errbuf_set(eb, "\"icmpext\": must be an object");
	if ((objs = get_array(ext, "obj", 16, 0, eb, &failed)) == NULL)
		return failed ? errbuf_prefix(eb, "icmpext") : 0;
	for (i = 0; i < objs->u.array.len; i++) {
		o = objs->u.array.values[i];
		if ((stack = get_array(
			 o, "mpls", RESULT_MAX_MPLS, 0, eb, &failed)) == NULL) {
			if (failed)
				return errbuf_prefix(eb, "icmpext.obj[%zu]", i);
			continue;
		}
		for (k = 0; k < stack->u.array.len; k++) {
			struct result_mpls *m;

			if (rr->nmpls == RESULT_MAX_MPLS)
				return errbuf_set(eb,
				    "icmpext: more than %d "
				    "MPLS labels",
				    RESULT_MAX_MPLS);
			m = &rr->mpls[rr->nmpls];
			e = stack->u.array.values[k];
			if (json_int(e, "label", 1, 0, 0, 0xfffff, &v, eb) ==
			    -1)
				goto bad;
			m->label = (uint32_t)v;
			if (json_int(e, "exp", 0, 0, 0, 7, &v, eb) == -1)
				goto bad;
			m->exp = (uint8_t)v;
			if (json_int(e, "s", 0, 0, 0, 1, &v, eb) == -1)
				goto bad;
			m->s = (uint8_t)v;
			if (json_int(e, "ttl", 0, 0, 0, 255, &v, eb) == -1)
				goto bad;
			m->ttl = (uint8_t)v;
			rr->nmpls++;
		}
	}
	return 0;
bad:
	return errbuf_prefix(eb, "icmpext.obj[%zu].mpls[%zu]", i, k);
}

/*
 * An object v of a reply list: '*timeout' is set when it is Atlas's
 * {"x": "*"}.  Any other "x" is an error.
 */
static int
timeout_entry(yajl_val v, int *timeout, struct errbuf *eb)
{
	yajl_val x;

	*timeout = 0;
	if (!YAJL_IS_OBJECT(v))
		return errbuf_set(eb, "must be an object");
	if ((x = json_get(v, "x")) == NULL)
		return 0;
	if (!YAJL_IS_STRING(x) || x->u.string == NULL ||
	    strcmp(x->u.string, "*") != 0)
		return errbuf_set(eb, "\"x\": must be \"*\"");
	*timeout = 1;
	return 0;
}

static int
decode_reply(yajl_val v, int af, enum result_mode mode, struct result_reply *rr,
    struct errbuf *eb)
{
	yajl_val err, ext;
	int dup;

	memset(rr, 0, sizeof(*rr));
	rr->rtt_ms = -1;
	rr->size = rr->ttl = rr->ittl = rr->late = rr->mtu = -1;
	if (timeout_entry(v, &rr->timeout, eb) == -1)
		return -1;
	if (rr->timeout)
		return 0;
	if (get_addr(v, "from", 1, af, mode, &rr->from, eb) == -1 ||
	    get_double(v, "rtt", 0, -1, 0, RESULT_MAX_RTT_MS, mode, &rr->rtt_ms,
		eb) == -1 ||
	    get_small(v, "size", 0, -1, 0, 65535, mode, &rr->size, eb) == -1 ||
	    get_small(v, "ttl", 0, -1, 0, 255, mode, &rr->ttl, eb) == -1 ||
	    get_small(v, "ittl", 0, -1, 0, 255, mode, &rr->ittl, eb) == -1 ||
	    get_small(v, "late", 0, -1, 0, 255, mode, &rr->late, eb) == -1 ||
	    get_small(v, "mtu", 0, -1, 0, 65535, mode, &rr->mtu, eb) == -1 ||
	    get_flag(v, "dup", mode, &dup, eb) == -1)
		return -1;
	rr->dup = dup;
	/* A reply with neither an RTT nor "late" is meaningless. */
	if (rr->rtt_ms < 0 && rr->late < 0 && mode == RESULT_WIRE)
		return errbuf_set(eb, "\"rtt\": missing");
	if ((err = json_get(v, "err")) != NULL) {
		if (YAJL_IS_INTEGER(err) && YAJL_GET_INTEGER(err) >= 0 &&
		    YAJL_GET_INTEGER(err) <= 255) {
			snprintf(rr->err, sizeof(rr->err), "%d",
			    (int)YAJL_GET_INTEGER(err));
			rr->err_is_num = 1;
		} else if (YAJL_IS_STRING(err) && err->u.string != NULL &&
		    strlen(err->u.string) == 1 &&
		    isalpha((unsigned char)err->u.string[0])) {
			rr->err[0] = err->u.string[0];
		} else
			return errbuf_set(eb,
			    "\"err\": must be a letter or "
			    "an ICMP code 0..255");
	}
	if ((ext = json_get(v, "icmpext")) != NULL &&
	    decode_icmpext(ext, rr, eb) == -1)
		return -1;
	return 0;
}

static int
decode_hop(yajl_val v, int af, enum result_mode mode, struct result_hop *h,
    struct errbuf *eb)
{
	yajl_val arr;
	int64_t hop;
	size_t i;
	int failed;

	if (!YAJL_IS_OBJECT(v))
		return errbuf_set(eb, "must be an object");
	if (get_int(v, "hop", 1, 0, 1, 255, mode, &hop, eb) == -1)
		return -1;
	h->hop = (int)hop;
	if (dup_str(v, "error", 256, &h->error, eb) == -1)
		return -1;
	arr = get_array(
	    v, "result", RESULT_MAX_REPLIES, h->error == NULL, eb, &failed);
	if (failed)
		return -1;
	if (arr == NULL || arr->u.array.len == 0)
		return 0;
	if ((h->replies = calloc(arr->u.array.len, sizeof(*h->replies))) ==
	    NULL)
		return errbuf_set(eb, "out of memory");
	for (i = 0; i < arr->u.array.len; i++) {
		if (decode_reply(arr->u.array.values[i], af, mode,
			&h->replies[i], eb) == -1)
			return errbuf_prefix(eb, "result[%zu]", i);
		h->nreplies++;
	}
	return 0;
}

static int
decode_traceroute(
    yajl_val v, enum result_mode mode, struct result *r, struct errbuf *eb)
{
	yajl_val arr;
	size_t i;
	int failed;

	arr = get_array(v, "result", RESULT_MAX_HOPS, 1, eb, &failed);
	if (failed)
		return -1;
	if (arr->u.array.len == 0)
		return 0;
	if ((r->hops = calloc(arr->u.array.len, sizeof(*r->hops))) == NULL)
		return errbuf_set(eb, "out of memory");
	for (i = 0; i < arr->u.array.len; i++) {
		r->nhops++;
		if (decode_hop(arr->u.array.values[i], r->af, mode, &r->hops[i],
			eb) == -1)
			return errbuf_prefix(eb, "result[%zu]", i);
		/* Paths are indexed by TTL: hops must ascend. */
		if (i > 0 && r->hops[i].hop <= r->hops[i - 1].hop)
			return errbuf_set(eb,
			    "result[%zu]: \"hop\": %d does "
			    "not follow hop %d",
			    i, r->hops[i].hop, r->hops[i - 1].hop);
	}
	return 0;
}

static int
decode_ping_reply(
    yajl_val v, enum result_mode mode, struct result_ping *p, struct errbuf *eb)
{
	int dup;

	memset(p, 0, sizeof(*p));
	p->rtt_ms = -1;
	p->ttl = -1;
	if (timeout_entry(v, &p->timeout, eb) == -1)
		return -1;
	if (p->timeout)
		return 0;
	if (json_get(v, "error") != NULL)
		return dup_str(v, "error", 256, &p->error, eb);
	if (get_double(v, "rtt", 1, -1, 0, RESULT_MAX_RTT_MS, mode, &p->rtt_ms,
		eb) == -1 ||
	    get_small(v, "ttl", 0, -1, 0, 255, mode, &p->ttl, eb) == -1 ||
	    get_flag(v, "dup", mode, &dup, eb) == -1)
		return -1;
	p->dup = dup;
	return 0;
}

static int
decode_ping(
    yajl_val v, enum result_mode mode, struct result *r, struct errbuf *eb)
{
	yajl_val arr;
	size_t i;
	int failed;
	int64_t n;

	if (get_int(v, "sent", 1, 0, 0, 1000, mode, &n, eb) == -1)
		return -1;
	r->sent = (int)n;
	if (get_int(v, "rcvd", 1, 0, 0, r->sent, mode, &n, eb) == -1)
		return -1;
	r->rcvd = (int)n;
	if (get_int(v, "dup", 0, 0, 0, 1000, mode, &n, eb) == -1)
		return -1;
	r->dups = (int)n;
	/* Atlas writes -1 for min/avg/max when nothing came back. */
	if (get_double(v, "min", 0, -1, -1, RESULT_MAX_RTT_MS, mode, &r->min_ms,
		eb) == -1 ||
	    get_double(v, "avg", 0, -1, -1, RESULT_MAX_RTT_MS, mode, &r->avg_ms,
		eb) == -1 ||
	    get_double(v, "max", 0, -1, -1, RESULT_MAX_RTT_MS, mode, &r->max_ms,
		eb) == -1 ||
	    get_small(v, "ttl", 0, -1, 0, 255, mode, &r->reply_ttl, eb) == -1)
		return -1;
	if (r->rcvd > 0 && r->min_ms >= 0 &&
	    !(r->min_ms <= r->avg_ms && r->avg_ms <= r->max_ms))
		return errbuf_set(eb, "\"min\"/\"avg\"/\"max\": not in order");
	arr = get_array(
	    v, "result", RESULT_MAX_PINGS, mode == RESULT_WIRE, eb, &failed);
	if (failed)
		return -1;
	if (arr == NULL || arr->u.array.len == 0)
		return 0;
	if ((r->pings = calloc(arr->u.array.len, sizeof(*r->pings))) == NULL)
		return errbuf_set(eb, "out of memory");
	for (i = 0; i < arr->u.array.len; i++) {
		r->npings++;
		if (decode_ping_reply(
			arr->u.array.values[i], mode, &r->pings[i], eb) == -1)
			return errbuf_prefix(eb, "result[%zu]", i);
	}
	return 0;
}

/* type, af, proto and the addresses, shared by both kinds. */
static int
decode_header(
    yajl_val v, enum result_mode mode, struct result *r, struct errbuf *eb)
{
	const char *s;
	int64_t n;

	if (get_addr(v, "dst_addr", 1, 0, mode, &r->dst, eb) == -1)
		return -1;
	if (get_int(v, "af", mode == RESULT_WIRE, r->dst.af, 4, 6, mode, &n,
		eb) == -1)
		return -1;
	if (n != 4 && n != 6)
		return errbuf_set(eb, "\"af\": must be 4 or 6");
	r->af = (int)n;
	if (r->dst.af != r->af)
		return errbuf_set(
		    eb, "\"dst_addr\": not an IPv%d address", r->af);
	/* 0.0.0.0 and :: name no host: nothing can have been measured. */
	if (addr_classify(&r->dst, NULL) == ADDR_UNSPECIFIED)
		return errbuf_set(eb,
		    "\"dst_addr\": the unspecified address is no "
		    "destination");
	if (json_str(v, "proto", mode == RESULT_WIRE, "ICMP", 8, &s, eb) == -1)
		return -1;
	if (result_proto_parse(s, &r->proto) == -1)
		return errbuf_set(eb,
		    "\"proto\": \"%s\" is not ICMP, UDP or "
		    "TCP",
		    s);
	if (get_addr(v, "src_addr", 0, r->af, mode, &r->src, eb) == -1 ||
	    get_addr(v, "from", 0, 0, mode, &r->from, eb) == -1 ||
	    dup_str(v, "dst_name", RESULT_NAME_MAX, &r->dst_name, eb) == -1)
		return -1;
	if (get_int(v, "timestamp", 1, 0, TS_MIN, TS_MAX, mode, &r->timestamp,
		eb) == -1 ||
	    get_int(v, "endtime", 0, -1, r->timestamp, TS_MAX, mode,
		&r->endtime, eb) == -1)
		return -1;
	return 0;
}

/* "stop_reason": absent, or a known value for a traceroute. */
static int
decode_stop_reason(yajl_val v, struct result *r, struct errbuf *eb)
{
	const char *s;

	if (json_str(v, "stop_reason", 0, NULL, 16, &s, eb) == -1)
		return -1;
	if (s == NULL)
		return 0;
	if (r->type != RESULT_TRACEROUTE)
		return errbuf_set(eb, "\"stop_reason\": only for a traceroute");
	if (strcmp(s, "GSS") != 0)
		return errbuf_set(eb, "\"stop_reason\": \"%s\" is not GSS", s);
	r->stop_reason = RESULT_STOP_GSS;
	return 0;
}

static int
decode_extra(
    yajl_val v, enum result_mode mode, struct result *r, struct errbuf *eb)
{
	if (get_small(v, "paris_id", 0, -1, 0, 65535, mode, &r->paris_id, eb) ==
		-1 ||
	    get_small(v, "size", 0, -1, 0, 65535, mode, &r->size, eb) == -1 ||
	    get_small(v, "port", 0, -1, 1, 65535, mode, &r->port, eb) == -1 ||
	    get_int(v, "fw", 0, -1, 0, INT32_MAX, mode, &r->fw, eb) == -1 ||
	    get_int(v, "msm_id", 0, -1, 0, INT64_MAX, mode, &r->msm_id, eb) ==
		-1 ||
	    get_int(v, "prb_id", 0, -1, 0, INT64_MAX, mode, &r->prb_id, eb) ==
		-1 ||
	    get_int(v, "job_id", 0, -1, 1, INT64_MAX, mode, &r->job_id, eb) ==
		-1 ||
	    get_int(v, "lts", 0, INT64_MIN, -1, INT32_MAX, mode, &r->lts, eb) ==
		-1 ||
	    dup_str(v, "worker", RESULT_NAME_MAX, &r->worker, eb) == -1 ||
	    dup_str(v, "idem_key", RESULT_KEY_MAX, &r->idem_key, eb) == -1 ||
	    decode_stop_reason(v, r, eb) == -1)
		return -1;
	r->has_lts = r->lts != INT64_MIN;
	if (r->idem_key != NULL && check_key(r->idem_key, eb) == -1)
		return -1;
	if (r->idem_key == NULL && mode == RESULT_WIRE)
		return errbuf_set(eb, "\"idem_key\": missing");
	if (r->proto == PROTO_TCP && r->port == -1 && mode == RESULT_WIRE)
		return errbuf_set(eb, "\"port\": missing (TCP needs a port)");
	return 0;
}

int
result_decode(
    yajl_val v, enum result_mode mode, struct result **out, struct errbuf *eb)
{
	struct result *r = NULL;
	const char *type;
	int rc = -1;

	*out = NULL;
	if (v == NULL || !YAJL_IS_OBJECT(v)) {
		errbuf_set(eb, "a result must be a JSON object");
		goto out;
	}
	if (json_str(v, "type", 1, NULL, 16, &type, eb) == -1)
		goto out;
	if (strcmp(type, "ping") != 0 && strcmp(type, "traceroute") != 0) {
		errbuf_set(
		    eb, "\"type\": \"%s\" is not ping or traceroute", type);
		goto out;
	}
	if ((r = result_new(strcmp(type, "ping") == 0 ? RESULT_PING
						      : RESULT_TRACEROUTE)) ==
	    NULL) {
		errbuf_set(eb, "out of memory");
		goto out;
	}
	if (decode_header(v, mode, r, eb) == -1 ||
	    decode_extra(v, mode, r, eb) == -1)
		goto out;
	if (r->type == RESULT_PING ? decode_ping(v, mode, r, eb)
				   : decode_traceroute(v, mode, r, eb))
		goto out;
	*out = r;
	r = NULL;
	rc = 0;
out:
	result_free(r);
	return rc;
}

int
result_decode_text(const char *text, size_t len, enum result_mode mode,
    struct result **out, struct errbuf *eb)
{
	yajl_val v;
	int rc;

	*out = NULL;
	if ((v = json_parse(text, len, eb)) == NULL)
		return -1;
	rc = result_decode(v, mode, out, eb);
	yajl_tree_free(v);
	return rc;
}

/* ---------------------------------------------------------------------
 * Encoding
 * --------------------------------------------------------------------- */

/* Emit an optional integer: absent (-1) fields are left out. */
static int
opt_int(struct json_out *j, const char *key, int64_t v)
{
	return v < 0 ? 0 : json_out_int(j, key, v);
}

static int
out_addr(struct json_out *j, const char *key, const struct addr *a)
{
	char s[ADDR_STRLEN];

	if (a->af == 0)
		return 0;
	return json_out_str(j, key, addr_format(a, s, sizeof(s)));
}

static int
encode_mpls(struct json_out *j, const struct result_reply *rr)
{
	size_t i;

	if (json_out_open(j, "icmpext", 0) == -1 ||
	    json_out_int(j, "version", 2) == -1 ||
	    json_out_int(j, "rfc4884", 1) == -1 ||
	    json_out_open(j, "obj", 1) == -1 || json_out_open(j, NULL, 0) ||
	    json_out_int(j, "class", 1) == -1 ||
	    json_out_int(j, "type", 1) == -1 ||
	    json_out_open(j, "mpls", 1) == -1)
		return -1;
	for (i = 0; i < rr->nmpls; i++) {
		const struct result_mpls *m = &rr->mpls[i];

		if (json_out_open(j, NULL, 0) == -1 ||
		    json_out_int(j, "label", m->label) == -1 ||
		    json_out_int(j, "exp", m->exp) == -1 ||
		    json_out_int(j, "s", m->s) == -1 ||
		    json_out_int(j, "ttl", m->ttl) == -1 ||
		    json_out_close(j, 0) == -1)
			return -1;
	}
	return json_out_close(j, 1) | json_out_close(j, 0) |
	    json_out_close(j, 1) | json_out_close(j, 0);
}

static int
encode_reply(struct json_out *j, const struct result_reply *rr)
{
	if (json_out_open(j, NULL, 0) == -1)
		return -1;
	if (rr->timeout)
		return json_out_str(j, "x", "*") | json_out_close(j, 0);
	if (out_addr(j, "from", &rr->from) == -1 ||
	    (rr->rtt_ms >= 0 && json_out_double(j, "rtt", rr->rtt_ms) == -1) ||
	    opt_int(j, "size", rr->size) == -1 ||
	    opt_int(j, "ttl", rr->ttl) == -1 ||
	    opt_int(j, "ittl", rr->ittl) == -1 ||
	    opt_int(j, "late", rr->late) == -1 ||
	    opt_int(j, "mtu", rr->mtu) == -1 ||
	    (rr->dup && json_out_bool(j, "dup", 1) == -1))
		return -1;
	if (rr->err[0] != '\0' &&
	    (rr->err_is_num ? json_out_int(j, "err", atoi(rr->err))
			    : json_out_str(j, "err", rr->err)) == -1)
		return -1;
	if (rr->nmpls > 0 && encode_mpls(j, rr) == -1)
		return -1;
	return json_out_close(j, 0);
}

static int
encode_hops(struct json_out *j, const struct result *r)
{
	size_t i, k;

	if (json_out_open(j, "result", 1) == -1)
		return -1;
	for (i = 0; i < r->nhops; i++) {
		const struct result_hop *h = &r->hops[i];

		if (json_out_open(j, NULL, 0) == -1 ||
		    json_out_int(j, "hop", h->hop) == -1 ||
		    (h->error != NULL &&
			json_out_str(j, "error", h->error) == -1))
			return -1;
		if (h->nreplies > 0 || h->error == NULL) {
			if (json_out_open(j, "result", 1) == -1)
				return -1;
			for (k = 0; k < h->nreplies; k++)
				if (encode_reply(j, &h->replies[k]) == -1)
					return -1;
			if (json_out_close(j, 1) == -1)
				return -1;
		}
		if (json_out_close(j, 0) == -1)
			return -1;
	}
	return json_out_close(j, 1);
}

static int
encode_pings(struct json_out *j, const struct result *r)
{
	size_t i;

	if (json_out_int(j, "sent", r->sent) == -1 ||
	    json_out_int(j, "rcvd", r->rcvd) == -1 ||
	    json_out_int(j, "dup", r->dups) == -1 ||
	    json_out_double(j, "min", r->min_ms) == -1 ||
	    json_out_double(j, "avg", r->avg_ms) == -1 ||
	    json_out_double(j, "max", r->max_ms) == -1 ||
	    opt_int(j, "ttl", r->reply_ttl) == -1 ||
	    json_out_open(j, "result", 1) == -1)
		return -1;
	for (i = 0; i < r->npings; i++) {
		const struct result_ping *p = &r->pings[i];
		int rc;

		if (json_out_open(j, NULL, 0) == -1)
			return -1;
		if (p->timeout)
			rc = json_out_str(j, "x", "*");
		else if (p->error != NULL)
			rc = json_out_str(j, "error", p->error);
		else
			rc = json_out_double(j, "rtt", p->rtt_ms) |
			    opt_int(j, "ttl", p->ttl) |
			    (p->dup ? json_out_bool(j, "dup", 1) : 0);
		if (rc != 0 || json_out_close(j, 0) == -1)
			return -1;
	}
	return json_out_close(j, 1);
}

int
result_encode(const struct result *r, struct json_out *j)
{
	if (json_out_open(j, NULL, 0) == -1 ||
	    json_out_str(j, "type",
		r->type == RESULT_PING ? "ping" : "traceroute") == -1 ||
	    json_out_int(j, "af", r->af) == -1 ||
	    json_out_str(j, "proto", result_proto_name(r->proto)) == -1 ||
	    out_addr(j, "dst_addr", &r->dst) == -1 ||
	    (r->dst_name != NULL &&
		json_out_str(j, "dst_name", r->dst_name) == -1) ||
	    out_addr(j, "src_addr", &r->src) == -1 ||
	    out_addr(j, "from", &r->from) == -1 ||
	    json_out_int(j, "timestamp", r->timestamp) == -1 ||
	    opt_int(j, "endtime", r->endtime) == -1 ||
	    opt_int(j, "paris_id", r->paris_id) == -1 ||
	    opt_int(j, "size", r->size) == -1 ||
	    opt_int(j, "port", r->port) == -1 ||
	    opt_int(j, "fw", r->fw) == -1 ||
	    opt_int(j, "msm_id", r->msm_id) == -1 ||
	    opt_int(j, "prb_id", r->prb_id) == -1 ||
	    (r->has_lts && json_out_int(j, "lts", r->lts) == -1) ||
	    opt_int(j, "job_id", r->job_id) == -1 ||
	    (r->worker != NULL && json_out_str(j, "worker", r->worker) == -1) ||
	    (r->idem_key != NULL &&
		json_out_str(j, "idem_key", r->idem_key) == -1) ||
	    (r->stop_reason == RESULT_STOP_GSS &&
		json_out_str(j, "stop_reason", "GSS") == -1))
		return -1;
	if ((r->type == RESULT_PING ? encode_pings(j, r) : encode_hops(j, r)) ==
	    -1)
		return -1;
	return json_out_close(j, 0);
}

char *
result_to_json(const struct result *r)
{
	struct buf b = BUF_INIT;
	struct json_out j;
	char *s = NULL;

	if (json_out_init(&j, &b) == -1)
		return NULL;
	if (result_encode(r, &j) == 0 && b.data != NULL) {
		s = b.data;
		b.data = NULL;
	}
	json_out_free(&j);
	buf_free(&b);
	return s;
}
