/*
 * job.c --
 *	The job format (see job.h).
 */
#include <string.h>

#include "job.h"

#define JOB_DEFAULT_PACKETS    3
#define JOB_DEFAULT_MAX_HOPS   32
#define JOB_DEFAULT_GAP        5
#define JOB_DEFAULT_TIMEOUT_MS 1000

void
job_init(struct job *j, enum result_type type)
{
	memset(j, 0, sizeof(*j));
	j->type = type;
	j->proto = PROTO_ICMP;
	j->port = j->paris_id = -1;
	j->lease_expires = -1;
	j->packets = JOB_DEFAULT_PACKETS;
	j->first_hop = 1;
	j->max_hops = JOB_DEFAULT_MAX_HOPS;
	j->gap_limit = JOB_DEFAULT_GAP;
	j->timeout_ms = JOB_DEFAULT_TIMEOUT_MS;
}

static int
get_small(yajl_val v, const char *key, int def, int min, int max, int *out,
    struct errbuf *eb)
{
	int64_t n;

	if (json_int(v, key, 0, def, min, max, &n, eb) == -1)
		return -1;
	*out = (int)n;
	return 0;
}

/* Fields whose meaning depends on the kind and protocol. */
static int
check_combination(const struct job *j, struct errbuf *eb)
{
	if (j->type == RESULT_PING && j->proto == PROTO_UDP)
		return errbuf_set(eb, "\"proto\": a ping is ICMP or TCP");
	if (j->proto == PROTO_TCP && j->port == -1)
		return errbuf_set(eb, "\"port\": missing (TCP needs a port)");
	if (j->proto == PROTO_ICMP && j->port != -1)
		return errbuf_set(eb, "\"port\": not used with ICMP");
	if (j->first_hop > j->max_hops)
		return errbuf_set(eb,
		    "\"first_hop\": %d is above \"max_hops\" "
		    "%d",
		    j->first_hop, j->max_hops);
	return 0;
}

/*
 * "stop_set": an array of at most JOB_MAX_STOP_SET addresses of the
 * target's family, for a traceroute only.  Absent or null: none.
 */
static int
decode_stop_set(yajl_val v, struct job *out, struct errbuf *eb)
{
	yajl_val a = json_get(v, "stop_set"), e;
	size_t i;

	out->nstop_set = 0;
	if (a == NULL || YAJL_IS_NULL(a))
		return 0;
	if (!YAJL_IS_ARRAY(a))
		return errbuf_set(eb, "\"stop_set\": must be an array");
	if (out->type != RESULT_TRACEROUTE)
		return errbuf_set(eb, "\"stop_set\": only for a traceroute");
	if (a->u.array.len > JOB_MAX_STOP_SET)
		return errbuf_set(eb,
		    "\"stop_set\": %zu entries, at most %d allowed",
		    a->u.array.len, JOB_MAX_STOP_SET);
	for (i = 0; i < a->u.array.len; i++) {
		e = a->u.array.values[i];
		if (!YAJL_IS_STRING(e))
			return errbuf_set(
			    eb, "\"stop_set\"[%zu]: must be a string", i);
		if (addr_parse(e->u.string, &out->stop_set[i], eb) == -1)
			return errbuf_prefix(eb, "\"stop_set\"[%zu]", i);
		if (out->stop_set[i].af != out->dst.af)
			return errbuf_set(eb,
			    "\"stop_set\"[%zu]: %s is not of the family of "
			    "\"dst_addr\"",
			    i, e->u.string);
		out->nstop_set++;
	}
	return 0;
}

static int
encode_stop_set(const struct job *j, struct json_out *o)
{
	char a[ADDR_STRLEN];
	int i;

	if (j->nstop_set == 0)
		return 0;
	if (json_out_open(o, "stop_set", 1) == -1)
		return -1;
	for (i = 0; i < j->nstop_set; i++)
		if (json_out_str(o, NULL,
			addr_format(&j->stop_set[i], a, sizeof(a))) == -1)
			return -1;
	return json_out_close(o, 1);
}

int
job_decode(yajl_val v, struct job *out, struct errbuf *eb)
{
	const char *type, *dst, *proto;
	int64_t n;

	if (v == NULL || !YAJL_IS_OBJECT(v))
		return errbuf_set(eb, "a job must be a JSON object");
	if (json_str(v, "type", 1, NULL, 16, &type, eb) == -1)
		return -1;
	if (strcmp(type, "ping") == 0)
		job_init(out, RESULT_PING);
	else if (strcmp(type, "traceroute") == 0)
		job_init(out, RESULT_TRACEROUTE);
	else
		return errbuf_set(eb,
		    "\"type\": \"%s\" is not ping or "
		    "traceroute",
		    type);
	if (json_int(v, "job_id", 1, 0, 1, INT64_MAX, &out->job_id, eb) == -1 ||
	    json_str(v, "dst_addr", 1, NULL, ADDR_STRLEN, &dst, eb) == -1)
		return -1;
	if (addr_parse(dst, &out->dst, eb) == -1)
		return errbuf_prefix(eb, "\"dst_addr\"");
	if (json_int(v, "af", 0, out->dst.af, 4, 6, &n, eb) == -1)
		return -1;
	if (n != out->dst.af)
		return errbuf_set(eb,
		    "\"af\": %lld does not match \"dst_addr\" "
		    "%s",
		    (long long)n, dst);
	if (json_str(v, "proto", 0, "ICMP", 8, &proto, eb) == -1)
		return -1;
	if (result_proto_parse(proto, &out->proto) == -1)
		return errbuf_set(eb,
		    "\"proto\": \"%s\" is not ICMP, UDP or "
		    "TCP",
		    proto);
	if (get_small(v, "port", -1, 1, 65535, &out->port, eb) == -1 ||
	    get_small(v, "paris_id", -1, 0, 65535, &out->paris_id, eb) == -1 ||
	    get_small(v, "packets", out->packets, 1, 64, &out->packets, eb) ==
		-1 ||
	    get_small(v, "first_hop", 1, 1, 255, &out->first_hop, eb) == -1 ||
	    get_small(v, "max_hops", out->max_hops, 1, 255, &out->max_hops,
		eb) == -1 ||
	    get_small(v, "gap_limit", out->gap_limit, 1, 255, &out->gap_limit,
		eb) == -1 ||
	    get_small(v, "timeout_ms", out->timeout_ms, 10, 60000,
		&out->timeout_ms, eb) == -1 ||
	    json_int(v, "lease_expires", 0, -1, 0, INT64_MAX,
		&out->lease_expires, eb) == -1 ||
	    decode_stop_set(v, out, eb) == -1)
		return -1;
	return check_combination(out, eb);
}

int
job_encode(const struct job *j, struct json_out *o)
{
	char dst[ADDR_STRLEN];

	if (json_out_open(o, NULL, 0) == -1 ||
	    json_out_int(o, "job_id", j->job_id) == -1 ||
	    json_out_str(o, "type",
		j->type == RESULT_PING ? "ping" : "traceroute") == -1 ||
	    json_out_int(o, "af", j->dst.af) == -1 ||
	    json_out_str(
		o, "dst_addr", addr_format(&j->dst, dst, sizeof(dst))) == -1 ||
	    json_out_str(o, "proto", result_proto_name(j->proto)) == -1 ||
	    (j->port != -1 && json_out_int(o, "port", j->port) == -1) ||
	    (j->paris_id != -1 &&
		json_out_int(o, "paris_id", j->paris_id) == -1) ||
	    json_out_int(o, "packets", j->packets) == -1)
		return -1;
	if (j->type == RESULT_TRACEROUTE &&
	    (json_out_int(o, "first_hop", j->first_hop) == -1 ||
		json_out_int(o, "max_hops", j->max_hops) == -1 ||
		json_out_int(o, "gap_limit", j->gap_limit) == -1 ||
		encode_stop_set(j, o) == -1))
		return -1;
	if (json_out_int(o, "timeout_ms", j->timeout_ms) == -1 ||
	    (j->lease_expires != -1 &&
		json_out_int(o, "lease_expires", j->lease_expires) == -1))
		return -1;
	return json_out_close(o, 0);
}
