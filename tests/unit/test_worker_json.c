/*
 * test_worker_json.c --
 *	Results built by the worker (worker/ping_json.c, worker/trace_json.c)
 *	go through the project's encoder and come back through its validating
 *	decoder (lib/result.h, wire mode) unchanged: timeouts, unreachable
 *	letters, ittl, MPLS labels, ping statistics with min <= avg <= max.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ping_json.h"
#include "trace_json.h"

static struct result *
roundtrip(const struct result *r)
{
	struct result *back = NULL;
	struct errbuf eb;
	char *s;

	assert_non_null(s = result_to_json(r));
	if (result_decode_text(s, strlen(s), RESULT_WIRE, &back, &eb) != 0)
		fail_msg("decode: %s\n%s", eb.msg, s);
	free(s);
	return back;
}

static void
lab_addr(const char *s, struct addr *a)
{
	struct errbuf eb;

	assert_int_equal(addr_parse(s, a, &eb), 0);
}

/* One row per TTL of a 3-hop, 2-packet UDP trace. */
struct hop_row {
	const char *from[2]; /* NULL: timeout */
	int icmp_type, icmp_code, ittl;
	size_t nmpls;
	const char *want_err; /* "" when none */
};

static const struct hop_row rows[] = {
	{ { "198.18.1.1", NULL }, ICMP_T_TIMXCEED, 0, 1, 0, "" },
	{ { "198.18.10.2", "198.18.10.2" }, ICMP_T_TIMXCEED, 0, 2, 2, "" },
	{ { NULL, NULL }, 0, 0, -1, 0, "" },
	{ { "198.18.100.10", NULL }, ICMP_T_UNREACH, 3, 1, 0, "" },
};

static void
test_trace_result(void **state)
{
	struct trace_probe_outcome v[8];
	struct trace_outcome o;
	struct trace_cmd c;
	struct result *r, *back;
	size_t i, k;

	(void)state;
	memset(&c, 0, sizeof(c));
	memset(&o, 0, sizeof(o));
	memset(v, 0, sizeof(v));
	c.proto = PROTO_UDP;
	c.port = 33435;
	c.paris_id = 5;
	lab_addr("198.18.100.10", &c.dst);
	lab_addr("198.18.1.10", &o.src);
	o.timestamp = 1795700000;
	o.endtime = 1795700001;
	o.size = 70;
	o.first_hop = 1;
	o.nttl = 4;
	o.packets = 2;
	o.last_ttl = 4;
	o.v = v;
	for (i = 0; i < 4; i++)
		for (k = 0; k < 2; k++) {
			struct trace_probe_outcome *p = &v[i * 2 + k];

			p->ittl = -1;
			p->mtu = -1;
			p->icmp_type = -1;
			if (rows[i].from[k] == NULL)
				continue;
			p->answered = 1;
			lab_addr(rows[i].from[k], &p->from);
			p->rtt_us = 1234;
			p->ttl = 64 - (int)i;
			p->size = 56;
			p->icmp_type = rows[i].icmp_type;
			p->icmp_code = rows[i].icmp_code;
			p->ittl = rows[i].ittl;
			p->reached = addr_cmp(&p->from, &c.dst) == 0;
			p->nmpls = rows[i].nmpls;
			if (p->nmpls > 0) {
				p->mpls[0].label = 16004;
				p->mpls[1].label = 3;
				p->mpls[1].s = 1;
				p->mpls[1].ttl = 1;
			}
		}
	assert_non_null(r = trace_json_result(&c, &o));
	back = roundtrip(r);
	assert_int_equal(back->nhops, 4);
	assert_int_equal(back->paris_id, 5);
	assert_int_equal(back->port, 33435);
	assert_non_null(back->idem_key);
	assert_int_equal(strlen(back->idem_key), 32);
	for (i = 0; i < 4; i++) {
		assert_int_equal(back->hops[i].hop, (int)i + 1);
		assert_int_equal(back->hops[i].nreplies, 2);
		for (k = 0; k < 2; k++) {
			const struct result_reply *rr =
			    &back->hops[i].replies[k];

			assert_int_equal(rr->timeout, rows[i].from[k] == NULL);
			if (rr->timeout)
				continue;
			assert_true(rr->rtt_ms > 1.233 && rr->rtt_ms < 1.235);
			assert_string_equal(rr->err, rows[i].want_err);
			assert_int_equal(rr->nmpls, rows[i].nmpls);
			/* Atlas omits ittl when it is 1. */
			assert_int_equal(
			    rr->ittl, rows[i].ittl == 1 ? -1 : rows[i].ittl);
		}
	}
	assert_int_equal(back->hops[1].replies[0].mpls[0].label, 16004);
	assert_int_equal(back->hops[1].replies[0].mpls[1].s, 1);
	result_free(back);
	result_free(r);
}

/* Unreachable codes from a router become Atlas's letters. */
static void
test_trace_err_letters(void **state)
{
	static const struct {
		int code;
		const char *err;
	} codes[] = { { 0, "N" }, { 1, "H" }, { 2, "P" }, { 3, "p" },
		{ 13, "A" }, { 7, "7" } };
	struct trace_probe_outcome v;
	struct trace_outcome o;
	struct trace_cmd c;
	struct result *r, *back;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(codes) / sizeof(codes[0]); i++) {
		memset(&c, 0, sizeof(c));
		memset(&o, 0, sizeof(o));
		memset(&v, 0, sizeof(v));
		c.proto = PROTO_ICMP;
		c.paris_id = 0;
		lab_addr("198.18.100.99", &c.dst);
		o.timestamp = o.endtime = 1795700000;
		o.first_hop = o.last_ttl = 6;
		o.nttl = o.packets = 1;
		o.v = &v;
		v.answered = 1;
		lab_addr("198.18.16.2", &v.from);
		v.icmp_type = ICMP_T_UNREACH;
		v.icmp_code = codes[i].code;
		v.ittl = v.mtu = -1;
		assert_non_null(r = trace_json_result(&c, &o));
		back = roundtrip(r);
		assert_string_equal(back->hops[0].replies[0].err, codes[i].err);
		result_free(back);
		result_free(r);
	}
}

/*
 * ping_setup --
 *	A ping of 'dst' by 'proto' from the lab vantage v1 (198.18.2.10) and
 *	its outcome of 'n' probes 'v': one second long, 48-byte probes; a
 *	test changes what it checks.
 */
static void
ping_setup(struct ping_cmd *c, struct ping_outcome *o, enum result_proto proto,
    const char *dst, struct ping_probe_outcome *v, int n)
{
	memset(c, 0, sizeof(*c));
	memset(o, 0, sizeof(*o));
	c->proto = proto;
	lab_addr(dst, &c->dst);
	lab_addr("198.18.2.10", &o->src);
	o->timestamp = 1795700000;
	o->endtime = o->timestamp + 1;
	o->size = 48;
	o->n = n;
	o->v = v;
}

static void
test_ping_result(void **state)
{
	/* 0.1 ms three times: a naive float mean exceeds the maximum. */
	struct ping_probe_outcome v[5] = {
		{ 1, 100, 58, 0, 0, NULL },
		{ 1, 100, 58, 1, 0, NULL },
		{ 1, 100, 58, 0, 0, NULL },
		{ 0, 0, 0, 0, 0, NULL },
		{ 0, 0, 0, 0, 0, "host unreachable from 198.18.100.1" },
	};
	struct ping_outcome o;
	struct ping_cmd c;
	struct result *r, *back;

	(void)state;
	ping_setup(&c, &o, PROTO_TCP, "198.18.100.20", v, 5);
	c.port = 80;
	o.endtime = o.timestamp + 4;
	o.size = 20;
	assert_non_null(r = ping_json_result(&c, &o));
	back = roundtrip(r);
	assert_int_equal(back->sent, 5);
	assert_int_equal(back->rcvd, 3);
	assert_int_equal(back->dups, 1);
	assert_true(
	    back->min_ms <= back->avg_ms && back->avg_ms <= back->max_ms);
	assert_int_equal(back->port, 80);
	assert_int_equal(back->npings, 5);
	assert_true(back->pings[3].timeout);
	assert_non_null(back->pings[4].error);
	assert_int_equal(back->reply_ttl, 58);
	result_free(back);
	result_free(r);
}

/*
 * Probes the kernel refused (a firewall's EPERM) were not sent: "sent"
 * counts only the others, and each refused one carries its error.
 */
static void
test_ping_send_failed(void **state)
{
	struct ping_probe_outcome v[3] = {
		{ 0, 0, 0, 0, 1, "send failed: Operation not permitted" },
		{ 1, 250, 60, 0, 0, NULL },
		{ 0, 0, 0, 0, 1, "send failed: Operation not permitted" },
	};
	struct ping_outcome o;
	struct ping_cmd c;
	struct result *r, *back;

	(void)state;
	ping_setup(&c, &o, PROTO_ICMP, "198.18.100.10", v, 3);
	assert_non_null(r = ping_json_result(&c, &o));
	back = roundtrip(r);
	assert_int_equal(back->sent, 1);
	assert_int_equal(back->rcvd, 1);
	assert_int_equal(back->npings, 3);
	assert_string_equal(
	    back->pings[0].error, "send failed: Operation not permitted");
	assert_false(back->pings[0].timeout);
	assert_string_equal(
	    back->pings[2].error, "send failed: Operation not permitted");
	result_free(back);
	result_free(r);

	/* None taken: sent 0, nothing received. */
	v[1] = v[0];
	assert_non_null(r = ping_json_result(&c, &o));
	back = roundtrip(r);
	assert_int_equal(back->sent, 0);
	assert_int_equal(back->rcvd, 0);
	result_free(back);
	result_free(r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_trace_result),
		cmocka_unit_test(test_trace_err_letters),
		cmocka_unit_test(test_ping_result),
		cmocka_unit_test(test_ping_send_failed),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
