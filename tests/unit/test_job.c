/*
 * test_job.c --
 *	The job format (lib/job.c): defaults, round trip, and a table of jobs
 *	that must be refused with the field named.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "job.h"

struct job_case {
	const char *json;
	int ok;
	const char *msg; /* error part, or the re-encoding when ok */
};

static const struct job_case job_cases[] = {
	{ "{\"job_id\":1,\"type\":\"ping\",\"dst_addr\":\"198.18.2.10\"}", 1,
	    "{\"job_id\":1,\"type\":\"ping\",\"af\":4,\"dst_addr\":\"198.18.2."
	    "10\","
	    "\"proto\":\"ICMP\",\"packets\":3,\"timeout_ms\":1000}" },
	{ "{\"job_id\":9,\"type\":\"traceroute\",\"dst_addr\":\"2001:db8::1\","
	  "\"proto\":\"tcp\",\"port\":443,\"paris_id\":5,\"max_hops\":20,"
	  "\"lease_expires\":1764000300}",
	    1,
	    "{\"job_id\":9,\"type\":\"traceroute\",\"af\":6,"
	    "\"dst_addr\":\"2001:db8::1\",\"proto\":\"TCP\",\"port\":443,"
	    "\"paris_id\":5,\"packets\":3,\"first_hop\":1,\"max_hops\":20,"
	    "\"gap_limit\":5,\"timeout_ms\":1000,\"lease_expires\":"
	    "1764000300}" },
	{ "{\"type\":\"ping\",\"dst_addr\":\"198.18.2.10\"}", 0,
	    "\"job_id\": missing" },
	{ "{\"job_id\":1,\"type\":\"dns\",\"dst_addr\":\"198.18.2.10\"}", 0,
	    "\"type\": \"dns\"" },
	{ "{\"job_id\":1,\"type\":\"ping\",\"dst_addr\":\"198.18.2\"}", 0,
	    "\"dst_addr\": invalid IPv4" },
	{ "{\"job_id\":1,\"type\":\"ping\",\"dst_addr\":\"198.18.2.1\","
	  "\"af\":6}",
	    0, "\"af\": 6 does not match" },
	{ "{\"job_id\":1,\"type\":\"ping\",\"dst_addr\":\"198.18.2.1\","
	  "\"proto\":\"UDP\",\"port\":53}",
	    0, "a ping is ICMP or TCP" },
	{ "{\"job_id\":1,\"type\":\"ping\",\"dst_addr\":\"198.18.2.1\","
	  "\"proto\":\"TCP\"}",
	    0, "TCP needs a port" },
	{ "{\"job_id\":1,\"type\":\"ping\",\"dst_addr\":\"198.18.2.1\","
	  "\"port\":80}",
	    0, "not used with ICMP" },
	{ "{\"job_id\":1,\"type\":\"traceroute\",\"dst_addr\":\"198.18.2.1\","
	  "\"first_hop\":9,\"max_hops\":4}",
	    0, "above \"max_hops\"" },
	{ "{\"job_id\":1,\"type\":\"traceroute\",\"dst_addr\":\"198.18.2.1\","
	  "\"max_hops\":300}",
	    0, "\"max_hops\": 300 is out of range" },
	{ "{\"job_id\":1,\"type\":\"ping\",\"dst_addr\":\"198.18.2.1\","
	  "\"packets\":0}",
	    0, "\"packets\": 0" },
	{ "{\"job_id\":1,\"type\":\"ping\",\"dst_addr\":\"198.18.2.1\","
	  "\"timeout_ms\":5}",
	    0, "\"timeout_ms\": 5" },
	{ "[]", 0, "must be a JSON object" },
	/* Doubletree's stop set: traceroute only, addresses of dst's family. */
	{ "{\"job_id\":3,\"type\":\"traceroute\",\"dst_addr\":\"198.18.100."
	  "10\","
	  "\"stop_set\":[\"198.18.10.2\",\"198.18.16.2\"],\"vantage\":\"v2\"}",
	    1,
	    "{\"job_id\":3,\"type\":\"traceroute\",\"af\":4,"
	    "\"dst_addr\":\"198.18.100.10\",\"proto\":\"ICMP\",\"packets\":3,"
	    "\"first_hop\":1,\"max_hops\":32,\"gap_limit\":5,"
	    "\"stop_set\":[\"198.18.10.2\",\"198.18.16.2\"],"
	    "\"timeout_ms\":1000}" },
	{ "{\"job_id\":3,\"type\":\"traceroute\",\"dst_addr\":\"198.18.100."
	  "10\","
	  "\"stop_set\":[]}",
	    1,
	    "{\"job_id\":3,\"type\":\"traceroute\",\"af\":4,"
	    "\"dst_addr\":\"198.18.100.10\",\"proto\":\"ICMP\",\"packets\":3,"
	    "\"first_hop\":1,\"max_hops\":32,\"gap_limit\":5,"
	    "\"timeout_ms\":1000}" },
	{ "{\"job_id\":1,\"type\":\"ping\",\"dst_addr\":\"198.18.2.1\","
	  "\"stop_set\":[\"198.18.10.2\"]}",
	    0, "\"stop_set\": only for a traceroute" },
	{ "{\"job_id\":1,\"type\":\"traceroute\",\"dst_addr\":\"198.18.2.1\","
	  "\"stop_set\":\"198.18.10.2\"}",
	    0, "\"stop_set\": must be an array" },
	{ "{\"job_id\":1,\"type\":\"traceroute\",\"dst_addr\":\"198.18.2.1\","
	  "\"stop_set\":[\"198.18.10.2\",7]}",
	    0, "\"stop_set\"[1]: must be a string" },
	{ "{\"job_id\":1,\"type\":\"traceroute\",\"dst_addr\":\"198.18.2.1\","
	  "\"stop_set\":[\"198.18.10\"]}",
	    0, "\"stop_set\"[0]: invalid IPv4" },
	{ "{\"job_id\":1,\"type\":\"traceroute\",\"dst_addr\":\"198.18.2.1\","
	  "\"stop_set\":[\"2001:db8::1\"]}",
	    0, "\"stop_set\"[0]: 2001:db8::1 is not of the family" },
	{ "{\"job_id\":1,\"type\":\"traceroute\",\"dst_addr\":\"198.18.2.1\","
	  "\"stop_set\":[\"198.18.0.1\",\"198.18.0.2\",\"198.18.0.3\","
	  "\"198.18.0.4\",\"198.18.0.5\",\"198.18.0.6\",\"198.18.0.7\","
	  "\"198.18.0.8\",\"198.18.0.9\",\"198.18.0.10\",\"198.18.0.11\","
	  "\"198.18.0.12\",\"198.18.0.13\",\"198.18.0.14\",\"198.18.0.15\","
	  "\"198.18.0.16\",\"198.18.0.17\",\"198.18.0.18\",\"198.18.0.19\","
	  "\"198.18.0.20\",\"198.18.0.21\",\"198.18.0.22\",\"198.18.0.23\","
	  "\"198.18.0.24\",\"198.18.0.25\",\"198.18.0.26\",\"198.18.0.27\","
	  "\"198.18.0.28\",\"198.18.0.29\",\"198.18.0.30\",\"198.18.0.31\","
	  "\"198.18.0.32\",\"198.18.0.33\"]}",
	    0, "\"stop_set\": 33 entries, at most 32 allowed" },
};

static void
test_job_cases(void **state)
{
	struct errbuf eb;
	struct buf b = BUF_INIT;
	struct json_out o;
	struct job j;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(job_cases) / sizeof(job_cases[0]); i++) {
		const struct job_case *c = &job_cases[i];
		yajl_val v = json_parse(c->json, strlen(c->json), &eb);
		int rc;

		assert_non_null(v);
		errbuf_clear(&eb);
		rc = job_decode(v, &j, &eb);
		yajl_tree_free(v);
		if (rc != (c->ok ? 0 : -1))
			fail_msg("case %zu: rc %d (%s)", i, rc, eb.msg);
		if (!c->ok) {
			if (strstr(eb.msg, c->msg) == NULL)
				fail_msg("case %zu: \"%s\" lacks \"%s\"", i,
				    eb.msg, c->msg);
			continue;
		}
		buf_reset(&b);
		assert_int_equal(json_out_init(&o, &b), 0);
		assert_int_equal(job_encode(&j, &o), 0);
		json_out_free(&o);
		assert_string_equal(buf_str(&b), c->msg);
	}
	buf_free(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_job_cases),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
