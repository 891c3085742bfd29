/*
 * test_ingest_rows.c --
 *	The COPY rows of ingest/rows.c for decoded traceroutes: vantage
 *	rules, probe numbering (timeouts numbered, dups not), the path (most
 *	frequent responder, closing hop 255), reached_ttl, rtt rounding as
 *	the body stores it, MPLS, ICMP type and code, the GSS detect flag.
 *	That they equal pingsvc.extract_results() is ingest_rows.t's job.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "rows.h"

static struct result *
decode(const char *json)
{
	struct result *r = NULL;
	struct errbuf eb;

	if (result_decode_text(json, strlen(json), RESULT_WIRE, &r, &eb) != 0)
		fail_msg("decode: %s", eb.msg);
	return r;
}

#define HEAD(extra)                                                            \
	"{\"type\": \"traceroute\", \"af\": 4, \"proto\": \"ICMP\", "          \
	"\"dst_addr\": \"198.51.100.10\", \"timestamp\": 1700000000, "         \
	"\"idem_key\": \"k\", " extra "\"result\": "

static void
test_rows_full(void **state)
{
	struct rows_out o = ROWS_OUT_INIT;
	struct result *r;

	(void)state;
	r = decode(HEAD(
	    "\"paris_id\": 7, ") "["
				 "{\"hop\": 1, \"result\": [{\"x\": \"*\"}, "
				 "{\"from\": \"192.0.2.1\", \"rtt\": 1.2345, "
				 "\"ttl\": 64, "
				 "\"size\": 56}, {\"from\": \"192.0.2.1\", "
				 "\"rtt\": 2, "
				 "\"dup\": true}, {\"from\": \"192.0.2.9\", "
				 "\"rtt\": 3}]},"
				 "{\"hop\": 2, \"result\": [{\"from\": "
				 "\"192.0.2.2\", "
				 "\"rtt\": 4, \"err\": \"N\", \"icmpext\": "
				 "{\"obj\": [{"
				 "\"mpls\": [{\"label\": 16, \"exp\": 1, "
				 "\"s\": 1, "
				 "\"ttl\": 2}]}]}}, {\"from\": "
				 "\"198.51.100.10\", "
				 "\"rtt\": 60000, \"err\": 13}]},"
				 "{\"hop\": 255, \"result\": [{\"x\": "
				 "\"*\"}]}]}");
	assert_true(rows_wanted(r, "pingsvc", "w-1"));
	assert_int_equal(rows_add(&o, r, 11, 22, 5, "pingsvc", "w-1"), 0);
	assert_int_equal(o.ntraces, 1);
	assert_int_equal(o.nhops, 4);
	/* Silent closing hop 255 dropped; 192.0.2.1 (one row) ties with
	 * 192.0.2.9 and answered first; reached at 2. */
	assert_string_equal(buf_str(&o.traces),
	    "11\t22\tw-1\t5\t198.51.100.10\t2023-11-14 22:13:20+00\ticmp\t7\t"
	    "{192.0.2.1,192.0.2.2}\tt\t2\tpingsvc\n");
	/* Probe 0 was the timeout, the dup took no number. */
	assert_string_equal(buf_str(&o.hops),
	    "11\t2023-11-14 22:13:20+00\t1\t1\t192.0.2.1\t1.234\t64\t56\t\\N"
	    "\t\\N\t\\N\n"
	    "11\t2023-11-14 22:13:20+00\t1\t2\t192.0.2.9\t3\t\\N\t\\N\t\\N"
	    "\t\\N\t\\N\n"
	    "11\t2023-11-14 22:13:20+00\t2\t0\t192.0.2.2\t4\t\\N\t\\N\t"
	    "[{\"label\": 16, \"exp\": 1, \"s\": 1, \"ttl\": 2}]\t3\t0\n"
	    "11\t2023-11-14 22:13:20+00\t2\t1\t198.51.100.10\t\\N\t\\N\t\\N"
	    "\t\\N\t3\t13\n");
	assert_string_equal(
	    buf_str(&o.queue), "11\t2023-11-14 22:13:20+00\tt\n");
	rows_free(&o);
	result_free(r);
}

static void
test_rows_gss_and_255(void **state)
{
	struct rows_out o = ROWS_OUT_INIT;
	struct result *r;

	(void)state;
	r = decode(
	    HEAD("\"stop_reason\": \"GSS\", ") "["
					       "{\"hop\": 1, \"result\": "
					       "[{\"from\": \"192.0.2.1\", "
					       "\"rtt\": 1}]},"
					       "{\"hop\": 255, \"result\": "
					       "[{\"from\": \"203.0.113.1\", "
					       "\"rtt\": 5}]}]}");
	assert_int_equal(rows_add(&o, r, 1, 2, -1, "pingsvc", "w"), 0);
	/* Answered 255: the path runs to 255, NULLs in the gap. */
	assert_non_null(strstr(buf_str(&o.traces), "{192.0.2.1,NULL,"));
	assert_non_null(strstr(buf_str(&o.traces), ",203.0.113.1}\tf\t\\N"));
	assert_non_null(strstr(buf_str(&o.traces), "\t\\N\t198.51.100.10"));
	assert_string_equal(
	    buf_str(&o.queue), "1\t2023-11-14 22:13:20+00\tf\n");
	rows_free(&o);
	result_free(r);
}

static void
test_vantage(void **state)
{
	struct result *r;
	char v[ROWS_VANTAGE_MAX + 1];

	(void)state;
	r = decode(HEAD("") "[{\"hop\": 1, \"result\": [{\"x\": \"*\"}]}]}");
	assert_int_equal(rows_vantage(r, "pingsvc", "lab-1.a_b", v), 1);
	assert_string_equal(v, "lab-1.a_b");
	assert_int_equal(rows_vantage(r, "pingsvc", "-lead", v), 0);
	assert_int_equal(rows_vantage(r, "pingsvc", "sp ace", v), 0);
	assert_int_equal(rows_vantage(r, "pingsvc", NULL, v), 0);
	assert_int_equal(rows_vantage(r, "atlas", NULL, v), 0); /* no prb */
	r->prb_id = 190;
	assert_int_equal(rows_vantage(r, "atlas", NULL, v), 1);
	assert_string_equal(v, "atlas:190");
	assert_true(rows_wanted(r, "atlas", NULL));
	r->nhops = 0;
	assert_false(rows_wanted(r, "atlas", NULL));
	r->nhops = 1;
	r->type = RESULT_PING;
	assert_false(rows_wanted(r, "atlas", NULL));
	r->type = RESULT_TRACEROUTE;
	result_free(r);
}

static void
test_rtt_text(void **state)
{
	char t[64];

	(void)state;
	rows_rtt_text(1.5, t, sizeof(t));
	assert_string_equal(t, "1.5");
	rows_rtt_text(2.0, t, sizeof(t));
	assert_string_equal(t, "2");
	rows_rtt_text(0.0004, t, sizeof(t));
	assert_string_equal(t, "0");
	rows_rtt_text(59999.9996, t, sizeof(t));
	assert_string_equal(t, ""); /* stored as 60000: NULL */
	rows_rtt_text(-1, t, sizeof(t));
	assert_string_equal(t, "");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rows_full),
		cmocka_unit_test(test_rows_gss_and_255),
		cmocka_unit_test(test_vantage),
		cmocka_unit_test(test_rtt_text),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
