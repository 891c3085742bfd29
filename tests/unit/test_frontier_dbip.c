/*
 * test_frontier_dbip.c --
 *	Table-driven tests of the DB-IP lite range parser
 *	(frontier/import_dbip.c): ranges cut into the prefixes that tile them,
 *	fields and quoting, and rejected lines with the place they name.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "import_dbip.h"

struct dbip_case {
	const char *in;
	int ok;
	const char *expect; /* ok: "prefix|country|region|city|lat|lon ..." */
};

static const struct dbip_case dbip_cases[] = {
	{ "1.0.0.0,1.0.0.255,OC,AU,Queensland,\"South Brisbane\",-27.4767,"
	  "153.017\n",
	    1, "1.0.0.0/24|AU|Queensland|South Brisbane|-27.4767|153.017" },
	/* 1.0.1.0 - 1.0.3.255: a /24 then a /23. */
	{ "1.0.1.0,1.0.3.255,AS,cn,Fujian,Fuzhou,26.0614,119.306", 1,
	    "1.0.1.0/24|CN|Fujian|Fuzhou|26.0614|119.306 "
	    "1.0.2.0/23|CN|Fujian|Fuzhou|26.0614|119.306" },
	/* An unaligned range: .1 .2-.3 .4-.7 .8 */
	{ "192.0.2.1,192.0.2.8,NA,US,,,1,2\r\n", 1,
	    "192.0.2.1/32|US|-|-|1|2 192.0.2.2/31|US|-|-|1|2 "
	    "192.0.2.4/30|US|-|-|1|2 192.0.2.8/32|US|-|-|1|2" },
	{ "0.0.0.0,255.255.255.255,ZZ,,,,0,0\n", 1, "0.0.0.0/0|-|-|-|0|0" },
	{ "2001:db8::,2001:db8:0:1:ffff:ffff:ffff:ffff,EU,DE,Hessen,"
	  "\"Frankfurt am Main\",50.1,8.7\n",
	    1, "2001:db8::/63|DE|Hessen|Frankfurt am Main|50.1|8.7" },
	{ "::,ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff,ZZ,ZZ,,,0,0", 1,
	    "::/0|ZZ|-|-|0|0" },
	{ "198.51.100.7,198.51.100.7,EU,FR,x,\"a \"\"b\"\", c\",1,2\n", 1,
	    "198.51.100.7/32|FR|x|a \"b\", c|1|2" },
	{ "\n\n", 1, "" },
	{ "1.0.0.0,1.0.0.255,OC,AU,Q,B,1,2\n1.0.8.0,1.0.7.255,AS,CN,x,y,1,2\n",
	    0, "line 2: ip_start 1.0.8.0 after ip_end 1.0.7.255" },
	{ "1.0.8.0,2001:db8::,AS,CN,x,y,1,2", 0,
	    "line 1: ip_start and ip_end of different families" },
	{ "1.0.8.0,1.0.8.255,AS,CN,x,y,-90.5,2", 0, "line 1: latitude" },
	{ "1.0.8.0,1.0.8.255,AS,CN,x,y,1,180.01", 0, "line 1: longitude" },
	{ "1.0.8.0,1.0.8.255,AS,CN,x,y,1,nan", 0, "line 1: longitude" },
	{ "1.0.8.0,1.0.8.255,AS,CN,x,y,1,", 0, "line 1: longitude" },
	{ "1.0.8.0,1.0.8.255,AS,C1,x,y,1,2", 0, "line 1: country \"C1\"" },
	{ "1.0.8.0,1.0.8.255,AS,CN,x,y,1", 0, "line 1: 7 fields" },
	{ "1.0.8.0,1.0.8.255,AS,CN,x,y,1,2,3", 0, "line 1: more than 8" },
	{ "1.0.8.0,1.0.8.255,AS,CN,x,\"y,1,2", 0,
	    "line 1: field 6: unterminated quote" },
	{ "1.0.8.0,1.0.8.255,AS,CN,x,\"y\"z,1,2", 0,
	    "line 1: field 6: text after the closing quote" },
	{ "1.0.8.0,1.0.8.255,AS,CN,x,y\"z,1,2", 0,
	    "line 1: field 6: quote inside a bare field" },
	{ "1.0.8.0/24,1.0.8.255,AS,CN,x,y,1,2", 0, "line 1: ip_start" },
	{ "1.0.8.0,1.0.8.256,AS,CN,x,y,1,2", 0, "line 1: ip_end" },
};

static int
test_row(void *arg, const struct dbip_row *row, struct errbuf *eb)
{
	char *got = arg, p[ADDR_STRLEN];
	size_t n = strlen(got);

	(void)eb;
	snprintf(got + n, 1024 - n, "%s%s|%s|%s|%s|%g|%g", n > 0 ? " " : "",
	    prefix_format(&row->prefix, p, sizeof(p)),
	    row->country != NULL ? row->country : "-",
	    row->region != NULL ? row->region : "-",
	    row->city != NULL ? row->city : "-", row->lat, row->lon);
	return 0;
}

static void
test_dbip(void **state)
{
	const struct dbip_case *c;
	struct errbuf eb;
	char got[1024];
	size_t k, ranges;
	int rc;

	(void)state;
	for (k = 0; k < sizeof(dbip_cases) / sizeof(dbip_cases[0]); k++) {
		c = &dbip_cases[k];
		got[0] = '\0';
		errbuf_clear(&eb);
		rc = import_dbip_parse(
		    c->in, strlen(c->in), test_row, got, &ranges, &eb);
		if (c->ok && rc != 0)
			fail_msg("case %zu: refused: %s", k, errbuf_msg(&eb));
		if (!c->ok && rc == 0)
			fail_msg("case %zu: accepted \"%s\"", k, c->in);
		if (c->ok && strcmp(got, c->expect) != 0)
			fail_msg("case %zu: got \"%s\", want \"%s\"", k, got,
			    c->expect);
		if (!c->ok && strstr(errbuf_msg(&eb), c->expect) == NULL)
			fail_msg("case %zu: error \"%s\", want \"%s\"", k,
			    errbuf_msg(&eb), c->expect);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dbip),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
