/*
 * test_result_scamper.c --
 *	scamper JSON into results (lib/result_scamper.c): the real captures
 *	of ../shared/data/traceroute/scamper-warts decode with the expected
 *	hops, replies, timeouts and keys; cycle records are skipped, MDA
 *	traces refused; ICMP errors, MPLS stacks, duplicate and foreign ping
 *	replies map to their Atlas fields; bad input names the scamper field.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "result_scamper.h"

#define DIR "traceroute/scamper-warts/"

/* Decode each line of a sample: results into 'out', returns the count. */
static int
decode_file(const char *name, struct result **out, int max, int *skipped,
    int *refused, char *host, size_t hostsize)
{
	const char *dir = getenv("PINGSVC_DATA"), *h;
	char path[512], *line = NULL;
	size_t cap = 0;
	ssize_t n;
	int got = 0, rc;
	struct errbuf eb;
	yajl_val v;
	FILE *fp;

	*skipped = *refused = 0;
	snprintf(path, sizeof(path), "%s/" DIR "%s",
	    dir != NULL ? dir : "../shared/data", name);
	if ((fp = fopen(path, "r")) == NULL)
		fail_msg("%s: cannot open", path);
	while ((n = getline(&line, &cap, fp)) > 0) {
		assert_non_null(v = json_parse(line, (size_t)n, &eb));
		rc = result_scamper_decode(v, &out[got], &h, &eb);
		if (rc == 1) {
			(*skipped)++;
			if (h != NULL && host != NULL)
				snprintf(host, hostsize, "%s", h);
		} else if (rc == -1)
			(*refused)++;
		else if (got < max)
			got++;
		yajl_tree_free(v);
	}
	free(line);
	fclose(fp);
	return got;
}

static void
test_trace_v4(void **state)
{
	struct result *r[2];
	char host[256] = "", a[ADDR_STRLEN];
	int skipped, refused;

	(void)state;
	assert_int_equal(decode_file("trace_google_dns_v4_default.json", r, 2,
			     &skipped, &refused, host, sizeof(host)),
	    1);
	assert_int_equal(skipped, 2);
	assert_int_equal(refused, 0);
	assert_string_equal(host, "ubuntu-linux-20-04-desktop");
	assert_int_equal(r[0]->type, RESULT_TRACEROUTE);
	assert_int_equal(r[0]->af, 4);
	assert_int_equal(r[0]->proto, PROTO_UDP);
	assert_int_equal(r[0]->port, 33435);
	assert_int_equal(r[0]->size, 44);
	assert_int_equal(r[0]->timestamp, 1644327319);
	assert_string_equal(
	    addr_format(&r[0]->src, a, sizeof(a)), "137.194.165.109");
	assert_string_equal(r[0]->idem_key,
	    "trace:137.194.165.109:8.8.8.8:1644327319.811234:udp-paris");
	/* TTL 1..7, hop 6 silent: two timeouts (attempts 2). */
	assert_int_equal(r[0]->nhops, 7);
	assert_int_equal(r[0]->hops[5].hop, 6);
	assert_int_equal(r[0]->hops[5].nreplies, 2);
	assert_true(r[0]->hops[5].replies[0].timeout);
	assert_true(r[0]->hops[5].replies[1].timeout);
	assert_int_equal(r[0]->hops[0].nreplies, 1);
	assert_string_equal(
	    addr_format(&r[0]->hops[0].replies[0].from, a, sizeof(a)),
	    "137.194.164.254");
	assert_float_equal(r[0]->hops[0].replies[0].rtt_ms, 1.057, 1e-9);
	assert_int_equal(r[0]->hops[0].replies[0].ttl, 254);
	assert_int_equal(r[0]->hops[0].replies[0].size, 56);
	assert_string_equal(r[0]->hops[0].replies[0].err, "");
	/* The destination's port unreachable is its answer, not an error. */
	assert_string_equal(
	    addr_format(&r[0]->hops[6].replies[0].from, a, sizeof(a)),
	    "8.8.8.8");
	assert_string_equal(r[0]->hops[6].replies[0].err, "");
	result_free(r[0]);
}

static void
test_trace_v6(void **state)
{
	struct result *r[2];
	int skipped, refused;

	(void)state;
	assert_int_equal(decode_file("trace_google_dns_v6_default.json", r, 2,
			     &skipped, &refused, NULL, 0),
	    1);
	assert_int_equal(r[0]->af, 6);
	assert_int_equal(r[0]->nhops, 7);
	assert_true(r[0]->hops[2].replies[0].timeout); /* TTL 3 */
	assert_string_equal(r[0]->hops[6].replies[0].err, "");
	result_free(r[0]);
}

static void
test_pings(void **state)
{
	struct result *r[2];
	int skipped, refused;

	(void)state;
	assert_int_equal(decode_file("ping_google_dns_v4_default.json", r, 2,
			     &skipped, &refused, NULL, 0),
	    1);
	assert_int_equal(r[0]->type, RESULT_PING);
	assert_int_equal(r[0]->proto, PROTO_ICMP);
	assert_int_equal(r[0]->sent, 4);
	assert_int_equal(r[0]->rcvd, 4);
	assert_int_equal(r[0]->npings, 4);
	assert_float_equal(r[0]->min_ms, 1.591, 1e-9);
	assert_float_equal(r[0]->max_ms, 2.368, 1e-9);
	assert_float_equal(r[0]->avg_ms, 1.947, 1e-9);
	assert_int_equal(r[0]->reply_ttl, 118);
	assert_string_equal(r[0]->idem_key,
	    "ping:137.194.165.109:8.8.8.8:1644339038.115756:"
	    "icmp-echo");
	result_free(r[0]);
	assert_int_equal(decode_file("ping_google_dns_v6_default.json", r, 2,
			     &skipped, &refused, NULL, 0),
	    1);
	assert_int_equal(r[0]->af, 6);
	assert_int_equal(r[0]->rcvd, 4);
	result_free(r[0]);
}

static void
test_tracelb_refused(void **state)
{
	struct result *r[2];
	struct errbuf eb;
	int skipped, refused;

	(void)state;
	assert_int_equal(decode_file("tracelb_google_dns_v4_default.json", r, 2,
			     &skipped, &refused, NULL, 0),
	    0);
	assert_int_equal(skipped, 2);
	assert_int_equal(refused, 1);
	assert_int_equal(result_scamper_decode_text(
			     "{\"type\":\"tracelb\"}", 18, &r[0], &eb),
	    -1);
	assert_string_equal(eb.msg,
	    "\"type\": \"tracelb\" is not imported (only trace and ping "
	    "records)");
}

static struct result *
decode_ok(const char *json)
{
	struct result *r;
	struct errbuf eb;

	if (result_scamper_decode_text(json, strlen(json), &r, &eb) != 0)
		fail_msg("refused: %s\n%s", eb.msg, json);
	return r;
}

static void
refused_with(const char *json, const char *msg)
{
	struct result *r;
	struct errbuf eb;

	assert_int_equal(
	    result_scamper_decode_text(json, strlen(json), &r, &eb), -1);
	assert_null(r);
	assert_string_equal(eb.msg, msg);
}

#define TRACE_HEAD                                                             \
	"{\"type\":\"trace\",\"method\":\"icmp-paris\",\"src\":\"192.0.2.1\"," \
	"\"dst\":\"198.51.100.9\",\"start\":{\"sec\":1700000000,"              \
	"\"usec\":5},\"attempts\":3,"

static void
test_icmp_errors_and_mpls(void **state)
{
	struct result *r;
	char *enc;

	(void)state;
	r = decode_ok(TRACE_HEAD "\"hop_count\":4,\"hops\":["
				 "{\"addr\":\"203.0.113.1\",\"probe_ttl\":1,"
				 "\"rtt\":1.5,\"icmp_type\":11,\"icmp_code\":0,"
				 "\"icmp_q_ttl\":2,\"icmpext\":[{\"ie_cn\":1,"
				 "\"ie_ct\":1,\"ie_dl\":8,\"mpls_labels\":["
				 "{\"mpls_ttl\":1,\"mpls_s\":0,\"mpls_exp\":0,"
				 "\"mpls_label\":24001},{\"mpls_ttl\":1,"
				 "\"mpls_s\":1,\"mpls_exp\":5,\"mpls_label\":"
				 "16}]}]},"
				 "{\"addr\":\"203.0.113.2\",\"probe_ttl\":2,"
				 "\"rtt\":2.5,\"icmp_type\":3,\"icmp_code\":13}"
				 "]}");
	assert_int_equal(r->proto, PROTO_ICMP);
	assert_int_equal(r->port, -1);
	/* TTL 1, 2 answered; 3 and 4 probed (hop_count) without answer. */
	assert_int_equal(r->nhops, 4);
	assert_int_equal(r->hops[3].nreplies, 3);
	assert_int_equal(r->hops[0].replies[0].ittl, 2);
	assert_int_equal(r->hops[0].replies[0].nmpls, 2);
	assert_int_equal(r->hops[0].replies[0].mpls[0].label, 24001);
	assert_int_equal(r->hops[0].replies[0].mpls[1].exp, 5);
	assert_int_equal(r->hops[0].replies[0].mpls[1].s, 1);
	assert_string_equal(r->hops[1].replies[0].err, "13");
	assert_true(r->hops[1].replies[0].err_is_num);
	/* What is stored decodes as an Atlas result again. */
	assert_non_null(enc = result_to_json(r));
	assert_non_null(strstr(enc, "\"mpls\":[{\"label\":24001"));
	free(enc);
	result_free(r);

	r = decode_ok("{\"type\":\"trace\",\"method\":\"udp-paris\","
		      "\"src\":\"2001:db8::1\",\"dst\":\"2001:db8:1::9\","
		      "\"start\":{\"sec\":1700000000},\"hops\":["
		      "{\"addr\":\"2001:db8:2::1\",\"probe_ttl\":1,\"rtt\":1,"
		      "\"icmp_type\":1,\"icmp_code\":1}]}");
	assert_string_equal(r->hops[0].replies[0].err, "A");
	assert_false(r->hops[0].replies[0].err_is_num);
	result_free(r);
}

/* Doubletree: scamper's "GSS" stop is kept, its other stop reasons not. */
static void
test_stop_reason(void **state)
{
	struct result *r;
	char *enc;

	(void)state;
	r = decode_ok(TRACE_HEAD "\"stop_reason\":\"GSS\",\"hop_count\":1,"
				 "\"hops\":[{\"addr\":\"203.0.113.1\","
				 "\"probe_ttl\":1,\"rtt\":1.5,\"icmp_type\":11,"
				 "\"icmp_code\":0}]}");
	assert_int_equal(r->stop_reason, RESULT_STOP_GSS);
	assert_non_null(enc = result_to_json(r));
	assert_non_null(strstr(enc, "\"stop_reason\":\"GSS\""));
	free(enc);
	result_free(r);
	r = decode_ok(
	    TRACE_HEAD "\"stop_reason\":\"COMPLETED\",\"hop_count\":1,"
		       "\"hops\":[{\"addr\":\"198.51.100.9\","
		       "\"probe_ttl\":1,\"rtt\":1.5,\"icmp_type\":0,"
		       "\"icmp_code\":0}]}");
	assert_int_equal(r->stop_reason, RESULT_STOP_NONE);
	result_free(r);
}

static void
test_ping_dup_and_foreign(void **state)
{
	struct result *r;

	(void)state;
	r = decode_ok("{\"type\":\"ping\",\"method\":\"icmp-echo\","
		      "\"src\":\"192.0.2.1\",\"dst\":\"198.51.100.9\","
		      "\"start\":{\"sec\":1700000000,\"usec\":0},"
		      "\"ping_sent\":3,\"responses\":["
		      "{\"from\":\"198.51.100.9\",\"seq\":0,\"rtt\":0.1,"
		      "\"reply_ttl\":60},"
		      "{\"from\":\"198.51.100.9\",\"seq\":0,\"rtt\":0.1},"
		      "{\"from\":\"203.0.113.7\",\"seq\":2,\"rtt\":3,"
		      "\"icmp_type\":3,\"icmp_code\":1}]}");
	assert_int_equal(r->sent, 3);
	assert_int_equal(r->rcvd, 1);
	assert_int_equal(r->dups, 1);
	/* seq 0, its duplicate, seq 1 lost, seq 2 an error from elsewhere. */
	assert_int_equal(r->npings, 4);
	assert_true(r->pings[1].dup);
	assert_true(r->pings[2].timeout);
	assert_string_equal(
	    r->pings[3].error, "reply from 203.0.113.7, ICMP type 3 code 1");
	assert_float_equal(r->avg_ms, 0.1, 1e-9);
	result_free(r);
}

static void
test_refusals(void **state)
{
	struct result *r;
	struct errbuf eb;
	const char *h, *cyc;
	yajl_val v;

	(void)state;
	refused_with(TRACE_HEAD "\"hops\":[{\"addr\":\"203.0.113.1\","
				"\"probe_ttl\":300}]}",
	    "hops[0]: \"probe_ttl\": 300 is out of range [1, 255]");
	refused_with(TRACE_HEAD "\"hops\":[{\"addr\":\"2001:db8::1\","
				"\"probe_ttl\":1}]}",
	    "hops[0]: \"addr\": 2001:db8::1 is not an IPv4 address");
	refused_with(TRACE_HEAD "\"hops\":[{\"addr\":\"203.0.113.1\","
				"\"probe_ttl\":1,\"rtt\":-2}]}",
	    "hops[0]: \"rtt\": -2 is out of range [0, 60000]");
	refused_with("{\"type\":\"trace\",\"method\":\"sctp\",\"src\":"
		     "\"192.0.2.1\",\"dst\":\"198.51.100.9\"}",
	    "\"method\": \"sctp\" is not an ICMP, UDP or TCP method");
	refused_with("{\"type\":\"ping\",\"method\":\"icmp-echo\",\"src\":"
		     "\"192.0.2.1\",\"dst\":\"198.51.100.9\"}",
	    "\"start\": missing");
	refused_with("{\"type\":\"ping\",\"method\":\"icmp-echo\",\"src\":"
		     "\"192.0.2.1\",\"dst\":\"198.51.100.9\",\"start\":"
		     "{\"sec\":1700000000},\"ping_sent\":2,\"responses\":"
		     "[{\"from\":\"198.51.100.9\",\"seq\":2,\"rtt\":1}]}",
	    "responses[0]: \"seq\": 2 is out of range [0, 1]");
	/* Before 2000: the result format's own bound applies. */
	refused_with("{\"type\":\"ping\",\"method\":\"icmp-echo\",\"src\":"
		     "\"192.0.2.1\",\"dst\":\"198.51.100.9\",\"start\":"
		     "{\"sec\":5},\"ping_sent\":0}",
	    "\"timestamp\": 5 is out of range [946684800, 4102444800]");
	refused_with("[1]", "a scamper record must be a JSON object");
	/* Cycle records are skipped, with the hostname. */
	cyc = "{\"type\":\"cycle-stop\",\"hostname\":\"vp1\"}";
	assert_non_null(v = json_parse(cyc, strlen(cyc), &eb));
	assert_int_equal(result_scamper_decode(v, &r, &h, &eb), 1);
	assert_null(r);
	assert_string_equal(h, "vp1");
	yajl_tree_free(v);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_trace_v4),
		cmocka_unit_test(test_trace_v6),
		cmocka_unit_test(test_pings),
		cmocka_unit_test(test_tracelb_refused),
		cmocka_unit_test(test_icmp_errors_and_mpls),
		cmocka_unit_test(test_stop_reason),
		cmocka_unit_test(test_ping_dup_and_foreign),
		cmocka_unit_test(test_refusals),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
