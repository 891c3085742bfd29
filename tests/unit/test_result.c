/*
 * test_result.c --
 *	The result format (lib/result.c): real RIPE Atlas results decode and
 *	survive a round trip; our wire format is strict; absurd values are
 *	refused with an error naming the field.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "result.h"

static const char *
data_path(const char *rel, char *buf, size_t len)
{
	const char *dir = getenv("PINGSVC_DATA");

	snprintf(buf, len, "%s/%s", dir != NULL ? dir : "../shared/data", rel);
	return buf;
}

/*
 * Decode every line of an Atlas file; re-encode; decode the encoding and
 * encode again: the two encodings must be identical.  Returns the number
 * of lines decoded; 'rejected' counts lines refused.
 */
static int
round_trip_file(const char *rel, int *rejected)
{
	char path[512], *line = NULL, *a, *b;
	size_t cap = 0;
	ssize_t n;
	int ok = 0;
	FILE *fp;
	struct errbuf eb;

	*rejected = 0;
	if ((fp = fopen(data_path(rel, path, sizeof(path)), "r")) == NULL)
		return -1;
	while ((n = getline(&line, &cap, fp)) > 0) {
		struct result *r1 = NULL, *r2 = NULL;

		if (result_decode_text(
			line, (size_t)n, RESULT_ATLAS, &r1, &eb) == -1) {
			(*rejected)++;
			continue;
		}
		assert_non_null(a = result_to_json(r1));
		if (result_decode_text(a, strlen(a), RESULT_ATLAS, &r2, &eb) ==
		    -1)
			fail_msg("re-decoding our own output failed: %s\n%s",
			    eb.msg, a);
		assert_non_null(b = result_to_json(r2));
		assert_string_equal(a, b);
		free(a);
		free(b);
		result_free(r1);
		result_free(r2);
		ok++;
	}
	free(line);
	fclose(fp);
	return ok;
}

static void
test_atlas_files(void **state)
{
	int n, rej;

	(void)state;
	n = round_trip_file(
	    "traceroute/ripe-atlas/sagan_traceroute_results.jsonl", &rej);
	if (n < 0)
		skip();
	/* One result lacks dst_addr: it is the only one refused. */
	assert_int_equal(n, 21);
	assert_int_equal(rej, 1);
	n = round_trip_file(
	    "traceroute/ripe-atlas/sagan_ping_results.jsonl", &rej);
	assert_int_equal(n + rej, 15);
	assert_true(n >= 13);
	n = round_trip_file(
	    "traceroute/ripe-atlas/atlas_tools_traceroute_results.jsonl", &rej);
	assert_int_equal(n, 2);
	n = round_trip_file(
	    "traceroute/ripe-atlas/atlas_tools_ping_results.jsonl", &rej);
	assert_int_equal(n + rej, 16);
	n = round_trip_file("route-changes/route-change-vectors.jsonl", &rej);
	assert_int_equal(n, 54);
	assert_int_equal(rej, 0);
}

/* A traceroute of ours, as the worker would send it. */
static const char *const good_trace =
    "{\"type\":\"traceroute\",\"af\":4,\"proto\":\"UDP\","
    "\"dst_addr\":\"198.18.2.10\",\"src_addr\":\"198.18.0.2\","
    "\"timestamp\":1764000000,\"endtime\":1764000003,\"paris_id\":7,"
    "\"port\":33435,\"lts\":12,\"job_id\":42,\"idem_key\":\"w1:42:1\","
    "\"result\":[{\"hop\":1,\"result\":[{\"from\":\"198.18.0.1\","
    "\"rtt\":0.512,\"size\":56,\"ttl\":64},{\"x\":\"*\"}]},"
    "{\"hop\":2,\"result\":[{\"from\":\"198.18.1.1\",\"rtt\":1.5,"
    "\"ttl\":63,\"icmpext\":{\"version\":2,\"rfc4884\":1,\"obj\":["
    "{\"class\":1,\"type\":1,\"mpls\":[{\"label\":16005,\"exp\":0,"
    "\"s\":1,\"ttl\":1}]}]}}]},"
    "{\"hop\":3,\"result\":[{\"from\":\"198.18.2.10\",\"rtt\":2,"
    "\"ttl\":62}]}]}";

static void
test_wire_trace(void **state)
{
	struct result *r;
	struct errbuf eb;
	char *s;

	(void)state;
	assert_int_equal(result_decode_text(good_trace, strlen(good_trace),
			     RESULT_WIRE, &r, &eb),
	    0);
	assert_int_equal(r->type, RESULT_TRACEROUTE);
	assert_int_equal(r->proto, PROTO_UDP);
	assert_int_equal(r->nhops, 3);
	assert_int_equal(r->hops[0].nreplies, 2);
	assert_true(r->hops[0].replies[1].timeout);
	assert_true(r->hops[0].replies[0].rtt_ms == 0.512);
	assert_int_equal(r->hops[1].replies[0].nmpls, 1);
	assert_int_equal(r->hops[1].replies[0].mpls[0].label, 16005);
	assert_int_equal(r->job_id, 42);
	assert_true(r->has_lts);
	assert_int_equal(r->lts, 12);
	assert_string_equal(r->idem_key, "w1:42:1");
	assert_int_equal(r->stop_reason, RESULT_STOP_NONE);
	s = result_to_json(r);
	assert_null(strstr(s, "stop_reason"));
	assert_non_null(strstr(s, "\"mpls\":[{\"label\":16005"));
	assert_non_null(strstr(s, "{\"x\":\"*\"}"));
	assert_non_null(strstr(s, "\"rtt\":2,"));
	free(s);
	result_free(r);
}

struct bad_case {
	const char *from; /* substring of good_trace to replace */
	const char *to;
	const char *msg; /* expected in the error */
};

static const struct bad_case bad_cases[] = {
	{ "\"hop\":2,", "\"hop\":0,", "result[1]: \"hop\": 0 is out of range" },
	{ "\"hop\":3,", "\"hop\":300,", "result[2]: \"hop\": 300 is out" },
	{ "\"hop\":3,", "\"hop\":2,", "result[2]: \"hop\": 2 does not follow" },
	{ "\"rtt\":1.5", "\"rtt\":-1.5",
	    "result[1]: result[0]: \"rtt\": -1.5" },
	{ "\"rtt\":1.5", "\"rtt\":3600000",
	    "\"rtt\": 3.6e+06 is out of range" },
	{ "\"rtt\":1.5", "\"rtt\":\"1.5\"", "\"rtt\": must be a number" },
	{ "\"ttl\":63", "\"ttl\":300", "\"ttl\": 300 is out of range" },
	{ "\"from\":\"198.18.1.1\"", "\"from\":\"2001:db8::1\"",
	    "\"from\": 2001:db8::1 is not an IPv4 address" },
	{ "\"from\":\"198.18.1.1\"", "\"from\":\"198.18.1\"",
	    "\"from\": invalid IPv4" },
	{ "\"af\":4", "\"af\":6", "\"dst_addr\": not an IPv6 address" },
	{ "\"af\":4,", "", "\"af\": missing" },
	{ "\"idem_key\":\"w1:42:1\",", "", "\"idem_key\": missing" },
	{ "\"idem_key\":\"w1:42:1\"", "\"idem_key\":\"a b\"",
	    "\"idem_key\": only" },
	{ "\"proto\":\"UDP\"", "\"proto\":\"SCTP\"", "\"proto\": \"SCTP\"" },
	{ "\"type\":\"traceroute\"", "\"type\":\"dns\"", "\"type\": \"dns\"" },
	{ "\"timestamp\":1764000000", "\"timestamp\":-5", "\"timestamp\": -5" },
	{ "\"endtime\":1764000003", "\"endtime\":1763999999", "\"endtime\"" },
	{ "\"label\":16005", "\"label\":2000000", "mpls[0]: \"label\"" },
	{ "{\"x\":\"*\"}", "{\"x\":\"?\"}", "\"x\": must be \"*\"" },
	{ "{\"x\":\"*\"}", "7", "result[0]: result[1]: must be an object" },
	{ "\"job_id\":42", "\"job_id\":0", "\"job_id\": 0 is out of range" },
	{ "\"dst_addr\":\"198.18.2.10\",", "", "\"dst_addr\": missing" },
	{ "\"job_id\":42,", "\"job_id\":42,\"stop_reason\":\"COMPLETED\",",
	    "\"stop_reason\": \"COMPLETED\" is not GSS" },
	{ "\"job_id\":42,", "\"job_id\":42,\"stop_reason\":1,",
	    "\"stop_reason\": must be a string" },
	{ "\"dst_addr\":\"198.18.2.10\"", "\"dst_addr\":\"0.0.0.0\"",
	    "\"dst_addr\": the unspecified address is no destination" },
};

static char *
replace(const char *s, const char *from, const char *to)
{
	const char *p = strstr(s, from);
	size_t n;
	char *o;

	assert_non_null(p);
	n = strlen(s) - strlen(from) + strlen(to) + 1;
	o = malloc(n);
	assert_non_null(o);
	snprintf(o, n, "%.*s%s%s", (int)(p - s), s, to, p + strlen(from));
	return o;
}

/* "stop_reason": "GSS" survives a round trip; a ping may not carry it. */
static void
test_stop_reason(void **state)
{
	struct result *r, *r2;
	struct errbuf eb;
	char *in, *s;

	(void)state;
	in = replace(good_trace, "\"job_id\":42,",
	    "\"job_id\":42,\"stop_reason\":\"GSS\",");
	assert_int_equal(
	    result_decode_text(in, strlen(in), RESULT_WIRE, &r, &eb), 0);
	assert_int_equal(r->stop_reason, RESULT_STOP_GSS);
	s = result_to_json(r);
	assert_non_null(strstr(s, "\"stop_reason\":\"GSS\""));
	assert_int_equal(
	    result_decode_text(s, strlen(s), RESULT_WIRE, &r2, &eb), 0);
	assert_int_equal(r2->stop_reason, RESULT_STOP_GSS);
	result_free(r2);
	free(s);
	result_free(r);
	free(in);
	in = "{\"type\":\"ping\",\"af\":4,\"proto\":\"ICMP\","
	     "\"dst_addr\":\"198.18.2.10\",\"timestamp\":1764000000,"
	     "\"idem_key\":\"k\",\"stop_reason\":\"GSS\",\"sent\":1,"
	     "\"rcvd\":0,\"result\":[{\"x\":\"*\"}]}";
	assert_int_equal(
	    result_decode_text(in, strlen(in), RESULT_WIRE, &r, &eb), -1);
	assert_non_null(
	    strstr(eb.msg, "\"stop_reason\": only for a traceroute"));
}

static void
test_wire_rejects(void **state)
{
	struct result *r;
	struct errbuf eb;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
		char *s =
		    replace(good_trace, bad_cases[i].from, bad_cases[i].to);

		errbuf_clear(&eb);
		if (result_decode_text(s, strlen(s), RESULT_WIRE, &r, &eb) !=
		    -1)
			fail_msg("case %zu accepted: %s", i, s);
		assert_null(r);
		if (strstr(eb.msg, bad_cases[i].msg) == NULL)
			fail_msg("case %zu: \"%s\" lacks \"%s\"", i, eb.msg,
			    bad_cases[i].msg);
		free(s);
	}
}

/* 10,000 hops and 1,000 replies in a hop are refused before allocation. */
static void
test_wire_sizes(void **state)
{
	struct buf b = BUF_INIT;
	struct result *r;
	struct errbuf eb;
	int i;

	(void)state;
	buf_puts(&b,
	    "{\"type\":\"traceroute\",\"af\":4,\"proto\":\"ICMP\","
	    "\"dst_addr\":\"198.18.2.10\",\"timestamp\":1764000000,"
	    "\"idem_key\":\"k\",\"result\":[");
	for (i = 0; i < 10000; i++)
		buf_printf(&b, "%s{\"hop\":%d,\"result\":[{\"x\":\"*\"}]}",
		    i ? "," : "", i % 255 + 1);
	buf_puts(&b, "]}");
	assert_int_equal(
	    result_decode_text(b.data, b.len, RESULT_WIRE, &r, &eb), -1);
	assert_non_null(strstr(eb.msg, "10000 entries, at most 255"));
	buf_reset(&b);
	buf_puts(&b,
	    "{\"type\":\"traceroute\",\"af\":4,\"proto\":\"ICMP\","
	    "\"dst_addr\":\"198.18.2.10\",\"timestamp\":1764000000,"
	    "\"idem_key\":\"k\",\"result\":[{\"hop\":1,\"result\":[");
	for (i = 0; i < 1000; i++)
		buf_printf(&b, "%s{\"x\":\"*\"}", i ? "," : "");
	buf_puts(&b, "]}]}");
	assert_int_equal(
	    result_decode_text(b.data, b.len, RESULT_WIRE, &r, &eb), -1);
	assert_non_null(strstr(eb.msg, "result[0]: \"result\": 1000 entries"));
	buf_free(&b);
}

static const char *const good_ping =
    "{\"type\":\"ping\",\"af\":6,\"proto\":\"TCP\","
    "\"dst_addr\":\"2001:db8::10\",\"timestamp\":1764000000,"
    "\"port\":80,\"idem_key\":\"w2:7:1\",\"sent\":3,\"rcvd\":2,\"dup\":0,"
    "\"min\":1.25,\"avg\":1.5,\"max\":1.75,"
    "\"result\":[{\"rtt\":1.25,\"ttl\":60},{\"x\":\"*\"},{\"rtt\":1.75}]}";

static void
test_wire_ping(void **state)
{
	struct result *r;
	struct errbuf eb;
	char *s, *bad;

	(void)state;
	assert_int_equal(result_decode_text(good_ping, strlen(good_ping),
			     RESULT_WIRE, &r, &eb),
	    0);
	assert_int_equal(r->type, RESULT_PING);
	assert_int_equal(r->af, 6);
	assert_int_equal(r->port, 80);
	assert_int_equal(r->npings, 3);
	assert_true(r->pings[1].timeout);
	s = result_to_json(r);
	assert_string_equal(s, good_ping);
	free(s);
	result_free(r);

	bad = replace(good_ping, "\"rcvd\":2", "\"rcvd\":4");
	assert_int_equal(
	    result_decode_text(bad, strlen(bad), RESULT_WIRE, &r, &eb), -1);
	assert_non_null(strstr(eb.msg, "\"rcvd\": 4 is out of range [0, 3]"));
	free(bad);
	bad = replace(good_ping, "\"min\":1.25", "\"min\":1.95");
	assert_int_equal(
	    result_decode_text(bad, strlen(bad), RESULT_WIRE, &r, &eb), -1);
	assert_non_null(strstr(eb.msg, "not in order"));
	free(bad);
	bad = replace(good_ping, "\"port\":80,", "");
	assert_int_equal(
	    result_decode_text(bad, strlen(bad), RESULT_WIRE, &r, &eb), -1);
	assert_non_null(strstr(eb.msg, "TCP needs a port"));
	free(bad);
}

/* Atlas leniency never applies on our wire. */
static void
test_modes(void **state)
{
	const char *old =
	    "{\"avg\":\"58.042\",\"dst_addr\":\"62.2.16.12\","
	    "\"dup\":\"0\",\"fw\":0,\"max\":\"58.272\",\"min\":\"57.876\","
	    "\"rcvd\":\"3\",\"sent\":\"3\",\"src_addr\":\"78.128.9.202\","
	    "\"timestamp\":1328019792,\"type\":\"ping\"}";
	struct result *r;
	struct errbuf eb;

	(void)state;
	assert_int_equal(
	    result_decode_text(old, strlen(old), RESULT_ATLAS, &r, &eb), 0);
	assert_int_equal(r->af, 4);
	assert_int_equal(r->rcvd, 3);
	assert_true(r->avg_ms == 58.042);
	result_free(r);
	assert_int_equal(
	    result_decode_text(old, strlen(old), RESULT_WIRE, &r, &eb), -1);
	assert_int_equal(
	    result_decode_text("[1]", 3, RESULT_ATLAS, &r, &eb), -1);
	assert_non_null(strstr(eb.msg, "must be a JSON object"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_atlas_files),
		cmocka_unit_test(test_wire_trace),
		cmocka_unit_test(test_wire_rejects),
		cmocka_unit_test(test_stop_reason),
		cmocka_unit_test(test_wire_sizes),
		cmocka_unit_test(test_wire_ping),
		cmocka_unit_test(test_modes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
