/*
 * trace_json.c --
 *	A finished trace as a result in the common format (lib/result.h,
 *	RIPE Atlas traceroute field names): one entry per TTL up to the last
 *	one reported, each with 'packets' replies or {"x": "*"}.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "trace_json.h"
#include "util.h"

/*
 * Atlas's "err" letters for destination unreachable codes (RFC 792,
 * RFC 1812 5.2.7.1): N network, H host, P protocol, p port (only when a
 * router, not the destination, says so), A administratively prohibited;
 * any other code is written as the number.
 */
static void
set_err(const struct trace_probe_outcome *o, struct result_reply *rr)
{
	const char *letter = NULL;

	if (o->icmp_type != ICMP_T_UNREACH)
		return;
	switch (o->icmp_code) {
	case 0:
		letter = "N";
		break;
	case 1:
		letter = "H";
		break;
	case 2:
		letter = "P";
		break;
	case 3:
		if (o->reached)
			return; /* the UDP probe reached its target */
		letter = "p";
		break;
	case 9:
	case 10:
	case 13:
		letter = "A";
		break;
	default:
		snprintf(rr->err, sizeof(rr->err), "%d", o->icmp_code);
		rr->err_is_num = 1;
		return;
	}
	snprintf(rr->err, sizeof(rr->err), "%s", letter);
}

static void
fill_reply(const struct trace_probe_outcome *o, struct result_reply *rr)
{
	memset(rr, 0, sizeof(*rr));
	rr->rtt_ms = -1;
	rr->size = rr->ttl = rr->ittl = rr->late = rr->mtu = -1;
	if (!o->answered) {
		rr->timeout = 1;
		return;
	}
	rr->from = o->from;
	rr->rtt_ms = o->rtt_us / 1000.0;
	rr->size = o->size;
	rr->ttl = o->ttl;
	/* Atlas leaves "ittl" out when it is 1, the normal case. */
	if (o->ittl >= 0 && o->ittl != 1)
		rr->ittl = o->ittl;
	rr->mtu = o->mtu;
	set_err(o, rr);
	memcpy(rr->mpls, o->mpls, sizeof(rr->mpls));
	rr->nmpls = o->nmpls;
}

struct result *
trace_json_result(const struct trace_cmd *c, const struct trace_outcome *o)
{
	struct result *r = NULL;
	char key[UTIL_KEY_LEN];
	int nhops = o->last_ttl - o->first_hop + 1, i, k;

	if ((r = result_new(RESULT_TRACEROUTE)) == NULL ||
	    (r->hops = calloc((size_t)nhops, sizeof(*r->hops))) == NULL ||
	    (r->idem_key = strdup(util_idem_key(key, sizeof(key)))) == NULL)
		goto fail;
	r->af = c->dst.af;
	r->proto = c->proto;
	r->dst = c->dst;
	r->src = o->src;
	r->timestamp = o->timestamp;
	r->endtime = o->endtime >= o->timestamp ? o->endtime : o->timestamp;
	r->paris_id = c->paris_id;
	r->size = o->size;
	if (c->proto != PROTO_ICMP)
		r->port = c->port;
	if (o->gss)
		r->stop_reason = RESULT_STOP_GSS;
	for (i = 0; i < nhops; i++) {
		struct result_hop *h = &r->hops[r->nhops++];

		h->hop = o->first_hop + i;
		if ((h->replies = calloc(
			 (size_t)o->packets, sizeof(*h->replies))) == NULL)
			goto fail;
		for (k = 0; k < o->packets; k++)
			fill_reply(&o->v[i * o->packets + k],
			    &h->replies[h->nreplies++]);
	}
	return r;
fail:
	result_free(r);
	return NULL;
}
