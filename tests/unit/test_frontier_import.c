/*
 * test_frontier_import.c --
 *	Table-driven tests of the frontier's bootstrap parsers (each format,
 *	accepted and rejected inputs with the place they name) and of the
 *	representative-address rule (frontier/represent.c).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "import.h"
#include "represent.h"

struct parse_case {
	const char *format;
	const char *in;
	int ok;
	const char *expect; /* ok: "addr addr ..."; else a substring of eb */
};

static const struct parse_case parse_cases[] = {
	{ "aws",
	    "{\"prefixes\":[{\"ip_prefix\":\"3.5.140.0/22\"}],"
	    "\"ipv6_prefixes\":[{\"ipv6_prefix\":\"2600:1f00::/40\"}]}",
	    1, "3.5.140.1 2600:1f00::1" },
	{ "aws", "{\"prefixes\":[{\"ip_prefix\":\"3.5.140.1/22\"}]}", 0,
	    "prefixes[0].ip_prefix" },
	{ "aws", "{\"prefixes\":[{\"ip_prefix\":\"3.5.140.0/22\"}", 0,
	    "invalid JSON" },
	{ "aws", "{\"prefixes\":\n [}", 0, "line 2, column 3: invalid JSON" },
	{ "aws", "{\"ipv6_prefixes\":[]}", 0, "prefixes: missing" },
	{ "aws", "[]", 0, "top level: not an object" },
	{ "gcp",
	    "{\"prefixes\":[{\"ipv4Prefix\":\"34.1.208.0/20\"},"
	    "{\"ipv6Prefix\":\"2600:1900:8000::/44\"}]}",
	    1, "34.1.208.1 2600:1900:8000::1" },
	{ "gcp", "{\"prefixes\":[{\"ipv4Prefix\":7}]}", 0,
	    "prefixes[0].ipv4Prefix: not a string" },
	{ "azure",
	    "{\"values\":[{\"properties\":{\"addressPrefixes\":"
	    "[\"4.145.74.52/30\",\"4.145.74.56/30\"]}}]}",
	    1, "4.145.74.53" },
	{ "azure", "{\"values\":[{\"name\":\"x\"}]}", 0,
	    "values[0].properties: missing" },
	{ "oracle",
	    "{\"regions\":[{\"cidrs\":[{\"cidr\":\"129.80.0.0/16\"}]}]}", 1,
	    "129.80.0.1 129.80.64.1 129.80.128.1 129.80.192.1" },
	{ "oracle", "{\"regions\":[{\"cidrs\":{}}]}", 0,
	    "regions[0].cidrs: not an array" },
	{ "list", "# c\n1.1.1.1\t\n\n 2606:4700::/32 # x\r\n8.8.8.0/24", 1,
	    "1.1.1.1 8.8.8.1 2606:4700::1" },
	{ "list", "1.1.1.1\n1.1.1.1/33\n", 0, "line 2" },
	{ "list", "1.1.1.1 2.2.2.2\n", 0, "line 1" },
	{ "geofeed",
	    "# h\n5.101.96.0/21,NL,NL-NH,Amsterdam,1098 XH\n"
	    "2600:3c00::/32,US,US-TX,Richardson,",
	    1, "5.101.96.1 2600:3c00::1" },
	{ "geofeed", "5.101.96.0/21,NL\n5.101.96.0/33,NL\n", 0,
	    "line 2: prefix" },
	{ "geofeed", "5.101.96.0/21,\"NL\"\n", 0, "line 1: quoted" },
	{ "geofeed", "5.101.96.0/21,N1\n", 0, "line 1: country" },
};

static int
test_sink(
    void *arg, const struct prefix *p, const char *label, struct errbuf *eb)
{
	return represent_add(arg, p, label, eb);
}

static void
test_parse(void **state)
{
	const struct parse_case *c;
	const struct import_format *f;
	struct represent r;
	struct import_sink sink;
	struct errbuf eb;
	char got[512], a[ADDR_STRLEN];
	size_t i, k;
	int rc;

	(void)state;
	for (k = 0; k < sizeof(parse_cases) / sizeof(parse_cases[0]); k++) {
		c = &parse_cases[k];
		f = import_format_find(c->format);
		assert_non_null(f);
		represent_init(&r, 4);
		sink.prefix = test_sink;
		sink.arg = &r;
		errbuf_clear(&eb);
		rc = f->parse(c->in, strlen(c->in), &sink, &eb);
		if (c->ok != (rc == 0))
			fail_msg("case %zu (%s): rc %d: %s", k, c->format, rc,
			    errbuf_msg(&eb));
		if (rc == 0) {
			represent_finish(&r);
			got[0] = '\0';
			for (i = 0; i < r.n; i++) {
				addr_format(&r.v[i].addr, a, sizeof(a));
				snprintf(got + strlen(got),
				    sizeof(got) - strlen(got), "%s%s",
				    i > 0 ? " " : "", a);
			}
			if (strcmp(got, c->expect) != 0)
				fail_msg("case %zu: got \"%s\", want \"%s\"", k,
				    got, c->expect);
		} else if (strstr(errbuf_msg(&eb), c->expect) == NULL)
			fail_msg("case %zu: \"%s\" lacks \"%s\"", k,
			    errbuf_msg(&eb), c->expect);
		represent_free(&r);
	}
}

struct rep_case {
	const char *prefixes; /* space-separated */
	unsigned cap;
	const char *expect;
};

static const struct rep_case rep_cases[] = {
	/* Inside one /20: the first usable address. */
	{ "192.0.2.0/24", 4, "192.0.2.1" },
	{ "192.0.2.8/31", 4, "192.0.2.8" },
	{ "192.0.2.9/32", 4, "192.0.2.9" },
	/* Several prefixes of one /20: the lowest candidate. */
	{ "198.51.100.128/25 198.51.100.0/30", 4, "198.51.100.1" },
	/* Wide prefixes: cap blocks spread evenly. */
	{ "10.0.0.0/8", 4, "10.0.0.1 10.64.0.1 10.128.0.1 10.192.0.1" },
	{ "10.0.0.0/8", 1, "10.0.0.1" },
	{ "10.0.0.0/19", 16, "10.0.0.1 10.0.16.1" },
	/* IPv6: ::1 of the prefix, one per /48. */
	{ "2001:db8::/32 2001:db8:0:1::/64", 4, "2001:db8::1" },
	{ "2001:db8::/127 2001:db8:1::5/128", 4, "2001:db8:: 2001:db8:1::5" },
	/* Order does not matter. */
	{ "8.8.8.0/24 8.8.4.0/24 1.1.1.0/24", 4, "1.1.1.1 8.8.4.1" },
	{ "1.1.1.0/24 8.8.4.0/24 8.8.8.0/24", 4, "1.1.1.1 8.8.4.1" },
};

static void
test_represent(void **state)
{
	const struct rep_case *c;
	struct represent r;
	struct prefix p;
	struct errbuf eb;
	char buf[256], got[512], a[ADDR_STRLEN], *tok, *save;
	size_t i, k;

	(void)state;
	for (k = 0; k < sizeof(rep_cases) / sizeof(rep_cases[0]); k++) {
		c = &rep_cases[k];
		represent_init(&r, c->cap);
		snprintf(buf, sizeof(buf), "%s", c->prefixes);
		for (tok = strtok_r(buf, " ", &save); tok != NULL;
		     tok = strtok_r(NULL, " ", &save)) {
			assert_int_equal(prefix_parse(tok, &p, &eb), 0);
			assert_int_equal(represent_add(&r, &p, NULL, &eb), 0);
		}
		represent_finish(&r);
		got[0] = '\0';
		for (i = 0; i < r.n; i++) {
			addr_format(&r.v[i].addr, a, sizeof(a));
			snprintf(got + strlen(got), sizeof(got) - strlen(got),
			    "%s%s", i > 0 ? " " : "", a);
		}
		if (strcmp(got, c->expect) != 0)
			fail_msg("case %zu (%s): got \"%s\", want \"%s\"", k,
			    c->prefixes, got, c->expect);
		represent_free(&r);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_represent),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
