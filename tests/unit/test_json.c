/*
 * test_json.c --
 *	Tests of the yajl helpers (lib/json.c): parsing limits, typed field
 *	access with precise errors, and the writer.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "json.h"

static yajl_val
parse(const char *s, struct errbuf *eb)
{
	return json_parse(s, strlen(s), eb);
}

struct parse_case {
	const char *in;
	int ok;
};

static const struct parse_case parse_cases[] = {
	{ "{}", 1 }, { "{\"a\": [1, 2, {\"b\": null}]}", 1 },
	{ "[\"[[[[ in a string ]]]]\"]", 1 }, { "", 0 }, { "{", 0 },
	{ "{\"a\": 1,}", 0 }, { "{'a': 1}", 0 }, { "{\"a\": 01}", 0 },
	{ "\"\\ud800\"", 1 }, /* yajl passes lone surrogates through */
};

static void
test_json_parse(void **state)
{
	struct errbuf eb;
	yajl_val v;
	size_t i;
	char deep[200];

	(void)state;
	for (i = 0; i < sizeof(parse_cases) / sizeof(parse_cases[0]); i++) {
		errbuf_clear(&eb);
		v = parse(parse_cases[i].in, &eb);
		if ((v != NULL) != parse_cases[i].ok)
			fail_msg("\"%s\": %s", parse_cases[i].in, eb.msg);
		if (v == NULL)
			assert_non_null(strstr(eb.msg, "invalid JSON"));
		yajl_tree_free(v);
	}
	/* Too deep. */
	memset(deep, '[', 100);
	memset(deep + 100, ']', 100);
	assert_null(json_parse(deep, sizeof(deep), &eb));
	assert_non_null(strstr(eb.msg, "nested deeper"));
	/* Exactly at the limit. */
	assert_non_null(v = json_parse(deep + 100 - JSON_MAX_DEPTH,
			    2 * JSON_MAX_DEPTH, &eb));
	yajl_tree_free(v);
	/* Embedded NUL. */
	assert_null(json_parse("{}\0{}", 5, &eb));
	/* Not NUL-terminated input is fine. */
	assert_non_null(v = json_parse("{}garbage", 2, &eb));
	yajl_tree_free(v);
}

static void
test_json_fields(void **state)
{
	struct errbuf eb;
	yajl_val v;
	int64_t i;
	double d;
	int b;
	const char *s;

	(void)state;
	v = parse("{\"ttl\": 64, \"rtt\": 1.25, \"big\": 99999999999999999999,"
		  " \"name\": \"192.0.2.1\", \"ok\": true, \"nul\": null,"
		  " \"neg\": -3}",
	    &eb);
	assert_non_null(v);

	assert_int_equal(json_int(v, "ttl", 1, 0, 1, 255, &i, &eb), 0);
	assert_int_equal(i, 64);
	assert_int_equal(json_int(v, "absent", 0, 7, 1, 255, &i, &eb), 0);
	assert_int_equal(i, 7);
	assert_int_equal(json_int(v, "nul", 0, 7, 1, 255, &i, &eb), 0);
	assert_int_equal(i, 7);
	assert_int_equal(json_int(v, "absent", 1, 0, 1, 255, &i, &eb), -1);
	assert_string_equal(eb.msg, "\"absent\": missing");
	assert_int_equal(json_int(v, "neg", 1, 0, 1, 255, &i, &eb), -1);
	assert_string_equal(eb.msg, "\"neg\": -3 is out of range [1, 255]");
	assert_int_equal(json_int(v, "rtt", 1, 0, 0, 9, &i, &eb), -1);
	assert_string_equal(eb.msg, "\"rtt\": must be an integer");
	assert_int_equal(json_int(v, "big", 1, 0, 0, INT64_MAX, &i, &eb), -1);
	assert_int_equal(json_int(v, "name", 1, 0, 0, 9, &i, &eb), -1);

	assert_int_equal(json_double(v, "rtt", 1, 0, 0, 60000, &d, &eb), 0);
	assert_true(d == 1.25);
	assert_int_equal(json_double(v, "ttl", 1, 0, 0, 60000, &d, &eb), 0);
	assert_true(d == 64.0);
	assert_int_equal(json_double(v, "neg", 1, 0, 0, 60000, &d, &eb), -1);
	assert_non_null(strstr(eb.msg, "out of range"));
	assert_int_equal(json_double(v, "ok", 1, 0, 0, 1, &d, &eb), -1);

	assert_int_equal(json_bool(v, "ok", 1, 0, &b, &eb), 0);
	assert_int_equal(b, 1);
	assert_int_equal(json_bool(v, "ttl", 1, 0, &b, &eb), -1);

	assert_int_equal(json_str(v, "name", 1, NULL, 64, &s, &eb), 0);
	assert_string_equal(s, "192.0.2.1");
	assert_int_equal(json_str(v, "name", 1, NULL, 4, &s, &eb), -1);
	assert_non_null(strstr(eb.msg, "longer than 4"));
	assert_int_equal(json_str(v, "ttl", 1, NULL, 64, &s, &eb), -1);
	assert_int_equal(json_str(v, "absent", 0, "dflt", 64, &s, &eb), 0);
	assert_string_equal(s, "dflt");

	/* Not an object: every field is absent. */
	assert_null(json_get(v->u.object.values[0], "x"));
	yajl_tree_free(v);
}

static void
test_json_out(void **state)
{
	struct buf b = BUF_INIT;
	struct json_out j;
	struct errbuf eb;
	yajl_val v;

	(void)state;
	assert_int_equal(json_out_init(&j, &b), 0);
	assert_int_equal(json_out_open(&j, NULL, 0), 0);
	assert_int_equal(json_out_str(&j, "type", "traceroute"), 0);
	assert_int_equal(json_out_int(&j, "af", 4), 0);
	assert_int_equal(json_out_double(&j, "rtt", 1.1), 0);
	assert_int_equal(json_out_double(&j, "whole", 3.0), 0);
	assert_int_equal(json_out_double(&j, "tiny", 0.0004), 0);
	assert_int_equal(json_out_bool(&j, "ok", 1), 0);
	assert_int_equal(json_out_null(&j, "none"), 0);
	assert_int_equal(json_out_str(&j, "esc", "a\"b\n"), 0);
	assert_int_equal(json_out_open(&j, "result", 1), 0);
	assert_int_equal(json_out_int(&j, NULL, 1), 0);
	assert_int_equal(json_out_close(&j, 1), 0);
	assert_int_equal(json_out_close(&j, 0), 0);
	json_out_next(&j);
	assert_int_equal(json_out_open(&j, NULL, 1), 0);
	assert_int_equal(json_out_close(&j, 1), 0);
	/* Closing what is not open is refused. */
	assert_int_equal(json_out_close(&j, 0), -1);
	assert_string_equal(buf_str(&b),
	    "{\"type\":\"traceroute\",\"af\":4,\"rtt\":1.1,\"whole\":3,"
	    "\"tiny\":0,\"ok\":true,\"none\":null,\"esc\":\"a\\\"b\\n\","
	    "\"result\":[1]}\n[]");
	/* What we write, we read back. */
	v = json_parse(b.data, strcspn(b.data, "\n"), &eb);
	assert_non_null(v);
	yajl_tree_free(v);
	/* Non-finite numbers have no JSON form. */
	json_out_next(&j);
	assert_int_equal(json_out_double(&j, NULL, 1.0 / 0.0), -1);
	json_out_free(&j);
	buf_free(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_json_parse),
		cmocka_unit_test(test_json_fields),
		cmocka_unit_test(test_json_out),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
