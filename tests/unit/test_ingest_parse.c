/*
 * test_ingest_parse.c --
 *	Table-driven tests of the gateway's validation helpers: bearer token
 *	parsing and hashing, capability lists, the Atlas idempotency key, and
 *	the submit-body parser (errors naming the item and field, the byte
 *	offset of malformed JSON).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "enroll.h"
#include "import.h"
#include "submit_parse.h"
#include "token.h"

#define HEX64 "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

static void
test_token_parse(void **state)
{
	static const struct {
		const char *tok;
		int ok;
		int64_t id;
	} rows[] = {
		{ "1." HEX64, 1, 1 },
		{ "42." HEX64, 1, 42 },
		{ "9223372036854775807." HEX64, 1, INT64_MAX },
		{ "0." HEX64, 0, 0 },                    /* ids start at 1 */
		{ "." HEX64, 0, 0 },                     /* no id */
		{ "1" HEX64, 0, 0 },                     /* no dot */
		{ "1." HEX64 "0", 0, 0 },                /* 65 digits */
		{ "1.0123456789abcdef", 0, 0 },          /* short */
		{ "1." HEX64 "\n", 0, 0 },               /* trailing byte */
		{ "-1." HEX64, 0, 0 },                   /* sign */
		{ "99999999999999999999." HEX64, 0, 0 }, /* overflow */
		{ "1.0123456789abcdefg123456789abcdef0123456789abcdef"
		  "0123456789abcdef",
		    0, 0 }, /* not hex */
		{ "", 0, 0 },
	};
	const char *secret;
	int64_t id;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		int rc = token_parse(rows[i].tok, &id, &secret);

		if (rows[i].ok) {
			assert_int_equal(rc, 0);
			assert_int_equal(id, rows[i].id);
			assert_string_equal(secret, HEX64);
		} else {
			if (rc != -1)
				fail_msg("accepted: %s", rows[i].tok);
		}
	}
}

static void
test_token_hash(void **state)
{
	/* sha256("abc"), FIPS 180-2 appendix B.1. */
	static const char *const abc = "\\xba7816bf8f01cfea414140de5dae2223"
				       "b00361a396177a9cb410ff61f20015ad";
	unsigned char h[TOKEN_HASH_BYTES], want[TOKEN_HASH_BYTES];
	char a[TOKEN_SECRET_HEX + 1], b[TOKEN_SECRET_HEX + 1];
	struct errbuf eb;

	(void)state;
	assert_int_equal(token_hash("abc", 3, h), 0);
	assert_int_equal(token_hash_from_bytea(abc, want), 0);
	assert_true(token_equal(h, want));
	want[31] ^= 1;
	assert_false(token_equal(h, want));
	assert_int_equal(token_hash_from_bytea("\\xba78", want), -1);
	assert_int_equal(token_hash_from_bytea("ba7816bf", want), -1);
	/* Fresh secrets: 64 hex digits, different each time. */
	assert_int_equal(token_secret_new(a, &eb), 0);
	assert_int_equal(token_secret_new(b, &eb), 0);
	assert_int_equal(strlen(a), TOKEN_SECRET_HEX);
	assert_int_equal(strspn(a, "0123456789abcdef"), TOKEN_SECRET_HEX);
	assert_string_not_equal(a, b);
}

static void
test_caps(void **state)
{
	static const struct {
		const char *in, *out; /* out NULL: refused */
	} rows[] = {
		{ "icmp,udp,tcp", "{icmp,udp,tcp}" },
		{ "tcp", "{tcp}" },
		{ "icmp,tcp", "{icmp,tcp}" },
		{ "", "{}" },
		{ "icmp,icmp", NULL },
		{ "ICMP", NULL },
		{ "gre", NULL },
		{ "icmp,", "{icmp}" },
		{ "icmpx", NULL },
		{ "icm", NULL },
	};
	struct errbuf eb;
	char out[32];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		int rc = enroll_caps_parse(rows[i].in, out, sizeof(out), &eb);

		if (rows[i].out != NULL) {
			assert_int_equal(rc, 0);
			assert_string_equal(out, rows[i].out);
		} else {
			if (rc != -1)
				fail_msg("accepted caps: %s", rows[i].in);
		}
	}
}

static void
test_atlas_key(void **state)
{
	static const char *v4 =
	    "{\"type\": \"ping\", \"msm_id\": 1000192, \"prb_id\": 165, "
	    "\"timestamp\": 1340523908, \"dst_addr\": \"62.2.16.12\", "
	    "\"sent\": 1, \"rcvd\": 0, \"result\": [{\"x\": \"*\"}]}";
	static const char *v6 =
	    "{\"type\": \"ping\", \"msm_id\": 1, \"prb_id\": 2, "
	    "\"timestamp\": 1340523908, \"dst_addr\": \"2001:db8::1\", "
	    "\"sent\": 1, \"rcvd\": 0, \"result\": [{\"x\": \"*\"}]}";
	static const char *noprb =
	    "{\"type\": \"ping\", \"msm_id\": 1, "
	    "\"timestamp\": 1340523908, \"dst_addr\": \"62.2.16.12\", "
	    "\"sent\": 1, \"rcvd\": 0, \"result\": [{\"x\": \"*\"}]}";
	struct result *r;
	struct errbuf eb;
	char key[RESULT_KEY_MAX + 1];

	(void)state;
	assert_int_equal(
	    result_decode_text(v4, strlen(v4), RESULT_ATLAS, &r, &eb), 0);
	assert_int_equal(import_atlas_key(r, key, sizeof(key), &eb), 0);
	assert_string_equal(key, "1000192:165:1340523908:62.2.16.12");
	result_free(r);
	assert_int_equal(
	    result_decode_text(v6, strlen(v6), RESULT_ATLAS, &r, &eb), 0);
	assert_int_equal(import_atlas_key(r, key, sizeof(key), &eb), 0);
	assert_string_equal(key, "1:2:1340523908:2001:db8::1");
	result_free(r);
	assert_int_equal(
	    result_decode_text(noprb, strlen(noprb), RESULT_ATLAS, &r, &eb), 0);
	assert_int_equal(import_atlas_key(r, key, sizeof(key), &eb), -1);
	assert_non_null(strstr(eb.msg, "prb_id"));
	result_free(r);
}

#define PING(key)                                                              \
	"{\"type\": \"ping\", \"af\": 4, \"proto\": \"ICMP\", "                \
	"\"dst_addr\": \"198.51.100.1\", \"timestamp\": 1764000000, "          \
	"\"idem_key\": \"" key "\", \"sent\": 2, \"rcvd\": 2, \"min\": 1, "    \
	"\"avg\": 1.5, \"max\": 2, \"result\": [{\"rtt\": 1}, {\"rtt\": 2}]}"

static void
test_submit_parse(void **state)
{
	static const struct {
		const char *body;
		size_t n;        /* results when accepted */
		const char *err; /* substring of the error; NULL: accepted */
	} rows[] = {
		{ "{\"results\": [" PING("a") "]}", 1, NULL },
		{ "{\"results\": [" PING("a") ", " PING("b") "]}", 2, NULL },
		{ "{\"results\": [" PING("a") ", " PING("b") ", " PING(
		      "c") "]}",
		    0, "at most 2" },
		{ "{\"results\": []}", 0, "\"results\": empty" },
		{ "{\"results\": {}}", 0, "must be an array" },
		{ "{}", 0, "\"results\": missing" },
		{ "[]", 0, "must be a JSON object" },
		{ "", 0, "invalid JSON" },
		{ "{\"results\": [", 0, "invalid JSON" },
		{ "{\"results\": [1,, 2]}", 0, "invalid JSON at byte 16" },
		{ "{\"results\": [" PING("a") ", 7]}", 0, "results[1]: " },
		{ "{\"results\": [" PING("bad key") "]}", 0,
		    "results[0]: \"idem_key\"" },
		{ "{\"results\": [{\"type\": \"ping\"}]}", 0, "results[0]: " },
	};
	struct submit_batch b;
	struct errbuf eb;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		int rc = submit_parse(
		    rows[i].body, strlen(rows[i].body), 2, &b, &eb);

		if (rows[i].err == NULL) {
			if (rc != 0)
				fail_msg("row %zu refused: %s", i, eb.msg);
			assert_int_equal(b.n, rows[i].n);
			submit_batch_free(&b);
			continue;
		}
		if (rc != -1)
			fail_msg("row %zu accepted", i);
		if (strstr(eb.msg, rows[i].err) == NULL)
			fail_msg("row %zu: \"%s\" lacks \"%s\"", i, eb.msg,
			    rows[i].err);
		assert_null(b.results);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_token_parse),
		cmocka_unit_test(test_token_hash),
		cmocka_unit_test(test_caps),
		cmocka_unit_test(test_atlas_key),
		cmocka_unit_test(test_submit_parse),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
