/*
 * ping_json.c --
 *	A finished ping as a result in the common format (lib/result.h, RIPE
 *	Atlas ping field names): per probe {"rtt", "ttl"}, {"x": "*"} or
 *	{"error"}, and sent/rcvd/dup/min/avg/max.
 */
#include <stdlib.h>
#include <string.h>

#include "ping_json.h"
#include "util.h"

struct result *
ping_json_result(const struct ping_cmd *c, const struct ping_outcome *o)
{
	struct result *r = NULL;
	char key[UTIL_KEY_LEN];
	uint64_t sum_us = 0;
	double ms;
	int i;

	if ((r = result_new(RESULT_PING)) == NULL ||
	    (r->pings = calloc((size_t)o->n, sizeof(*r->pings))) == NULL ||
	    (r->idem_key = strdup(util_idem_key(key, sizeof(key)))) == NULL)
		goto fail;
	r->af = c->dst.af;
	r->proto = c->proto;
	r->dst = c->dst;
	r->src = o->src;
	r->timestamp = o->timestamp;
	r->endtime = o->endtime >= o->timestamp ? o->endtime : o->timestamp;
	r->size = o->size;
	if (c->proto == PROTO_TCP)
		r->port = c->port;
	/* Only what the kernel took counts as sent (not EPERM, ...). */
	r->sent = 0;
	for (i = 0; i < o->n; i++) {
		const struct ping_probe_outcome *po = &o->v[i];
		struct result_ping *rp = &r->pings[r->npings++];

		rp->rtt_ms = -1;
		rp->ttl = -1;
		r->dups += po->ndup;
		r->sent += !po->send_failed;
		if (po->answered) {
			ms = po->rtt_us / 1000.0;
			rp->rtt_ms = ms;
			rp->ttl = po->ttl;
			if (r->rcvd == 0 || ms < r->min_ms)
				r->min_ms = ms;
			if (r->rcvd == 0 || ms > r->max_ms)
				r->max_ms = ms;
			if (r->reply_ttl < 0)
				r->reply_ttl = po->ttl;
			sum_us += po->rtt_us;
			r->rcvd++;
		} else if (po->error != NULL) {
			if ((rp->error = strdup(po->error)) == NULL)
				goto fail;
		} else
			rp->timeout = 1;
	}
	if (r->rcvd > 0)
		r->avg_ms = (double)((sum_us + (uint64_t)r->rcvd / 2) /
				(uint64_t)r->rcvd) /
		    1000.0;
	return r;
fail:
	result_free(r);
	return NULL;
}
