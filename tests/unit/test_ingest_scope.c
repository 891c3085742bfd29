/*
 * test_ingest_scope.c --
 *	Worker scopes (ingest/scope.h): the --kinds list, the database's array
 *	literals, --prefix, and the check of a result against a scope (kind,
 *	protocol, target prefix; the message names the field).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "scope.h"

static void
test_kinds_parse(void **state)
{
	static const struct {
		const char *list;
		int ok;
		unsigned kinds;
	} rows[] = {
		{ "ping", 1, SCOPE_PING },
		{ "traceroute", 1, SCOPE_TRACEROUTE },
		{ "traceroute,ping", 1, SCOPE_PING | SCOPE_TRACEROUTE },
		{ "", 0, 0 },
		{ "ping,", 0, 0 },
		{ "ping,ping", 0, 0 },
		{ "dns", 0, 0 },
		{ "pin", 0, 0 },
	};
	struct errbuf eb;
	unsigned kinds;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		int rc = scope_kinds_parse(rows[i].list, &kinds, &eb);

		assert_int_equal(rc == 0, rows[i].ok);
		if (rows[i].ok)
			assert_int_equal(kinds, rows[i].kinds);
	}
}

static void
test_literals(void **state)
{
	char out[32];

	(void)state;
	assert_int_equal(scope_kinds_from_lit("{ping,traceroute}"),
	    SCOPE_PING | SCOPE_TRACEROUTE);
	assert_int_equal(
	    scope_kinds_from_lit("{traceroute}"), SCOPE_TRACEROUTE);
	assert_int_equal(
	    scope_protos_from_lit("{tcp,icmp}"), SCOPE_TCP | SCOPE_ICMP);
	assert_int_equal(scope_protos_from_lit("{}"), 0);
	assert_int_equal(scope_protos_from_lit(NULL), 0);
	assert_int_equal(scope_protos_from_lit("{icmpx,udp}"), SCOPE_UDP);
	scope_protos_lit(SCOPE_TCP | SCOPE_ICMP, out, sizeof(out));
	assert_string_equal(out, "{icmp,tcp}");
	scope_kinds_lit(SCOPE_PING, out, sizeof(out));
	assert_string_equal(out, "{ping}");
	scope_protos_lit(0, out, sizeof(out));
	assert_string_equal(out, "{}");
}

static void
test_prefixes(void **state)
{
	struct scope s;
	struct errbuf eb;

	(void)state;
	memset(&s, 0, sizeof(s));
	assert_int_equal(scope_prefix_add(&s, "192.0.2.0/24", &eb), 0);
	assert_int_equal(scope_prefix_add(&s, "2001:db8::/32", &eb), 0);
	assert_string_equal(s.prefixes_lit, "{192.0.2.0/24,2001:db8::/32}");
	assert_int_equal(scope_prefix_add(&s, "10.0.0.1/8", &eb), -1);
	assert_int_equal(scope_prefix_add(&s, "bogus", &eb), -1);
	assert_int_equal(s.nprefixes, 2);
	scope_free(&s);
	assert_null(s.prefixes_lit);

	assert_int_equal(
	    scope_prefixes_from_lit(
		&s, "{198.51.100.0/25,2001:db8::/32,203.0.113.7/32}", &eb),
	    0);
	assert_int_equal(s.nprefixes, 3);
	assert_string_equal(
	    s.prefixes_lit, "{198.51.100.0/25,2001:db8::/32,203.0.113.7/32}");
	scope_free(&s);
	assert_int_equal(scope_prefixes_from_lit(&s, "", &eb), 0);
	assert_int_equal(s.nprefixes, 0);
	assert_int_equal(scope_prefixes_from_lit(&s, "192.0.2.0/24", &eb), -1);
	scope_free(&s);
}

static void
test_check(void **state)
{
	struct scope s;
	struct result r;
	struct errbuf eb;

	(void)state;
	memset(&s, 0, sizeof(s));
	memset(&r, 0, sizeof(r));
	s.kinds = SCOPE_PING;
	s.protos = SCOPE_ICMP | SCOPE_TCP;
	assert_int_equal(scope_prefix_add(&s, "198.51.100.0/25", &eb), 0);
	r.type = RESULT_PING;
	r.proto = PROTO_ICMP;
	assert_int_equal(addr_parse("198.51.100.9", &r.dst, &eb), 0);
	assert_int_equal(scope_check(&s, &r, &eb), 0);

	r.proto = PROTO_UDP;
	assert_int_equal(scope_check(&s, &r, &eb), -1);
	assert_non_null(strstr(errbuf_msg(&eb), "\"proto\": UDP is outside"));
	assert_non_null(strstr(errbuf_msg(&eb), "{icmp,tcp}"));

	r.proto = PROTO_TCP;
	r.type = RESULT_TRACEROUTE;
	assert_int_equal(scope_check(&s, &r, &eb), -1);
	assert_non_null(
	    strstr(errbuf_msg(&eb), "\"type\": traceroute is outside"));

	r.type = RESULT_PING;
	assert_int_equal(addr_parse("198.51.100.200", &r.dst, &eb), 0);
	assert_int_equal(scope_check(&s, &r, &eb), -1);
	assert_non_null(strstr(errbuf_msg(&eb),
	    "\"dst_addr\": 198.51.100.200 is outside this worker's scope "
	    "(prefixes {198.51.100.0/25})"));
	assert_int_equal(addr_parse("2001:db8::1", &r.dst, &eb), 0);
	assert_int_equal(scope_check(&s, &r, &eb), -1);

	/* No prefixes: any target. */
	scope_free(&s);
	s.kinds = SCOPE_PING | SCOPE_TRACEROUTE;
	s.protos = SCOPE_TCP;
	assert_int_equal(scope_check(&s, &r, &eb), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_kinds_parse),
		cmocka_unit_test(test_literals),
		cmocka_unit_test(test_prefixes),
		cmocka_unit_test(test_check),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
