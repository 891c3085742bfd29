/*
 * test_conf.c --
 *	Tests of validated configuration loading (lib/conf.c): each row a
 *	config text and the outcome it must have.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "conf.h"

static const char *const known[] = { "db", "listen.port", "listen.address",
	"rate.pps", "rate.jitter", "tls", "allow", "debug", NULL };

struct conf_case {
	const char *text;
	int ok;
	const char *msg_part; /* expected in the error */
};

static const struct conf_case conf_cases[] = {
	{ "db = \"dbname=pingsvc\";\nlisten = { port = 8443; };\n", 1, NULL },
	{ "listen = { port = 8443; address = \"127.0.0.1\"; };\n"
	  "rate = { pps = 100; jitter = 0.5; };\nallow = [\"198.18.0.0/15\"];"
	  "\ndebug = true;\n",
	    1, NULL },
	/* Syntax error: file and line. */
	{ "db = \"x\";\nlisten = { port = ; };\n", 0, "test.conf:2" },
	/* Unknown setting (a typo) is an error, naming it. */
	{ "listen = { prot = 8443; };\n", 0,
	    "unknown setting \"listen.prot\"" },
	{ "dbname = \"x\";\n", 0, "unknown setting \"dbname\"" },
	/* Wrong type. */
	{ "listen = { port = \"8443\"; };\n", 0, "must be an integer" },
	/* Out of range. */
	{ "listen = { port = 70000; };\n", 0, "between 1 and 65535" },
	{ "rate = { pps = 0; };\n", 0, "between 1 and 100000" },
	{ "rate = { jitter = 1.5; };\n", 0, "between 0 and 1" },
	{ "debug = 1;\n", 0, "true or false" },
	{ "allow = [1, 2];\n", 0, "a string" },
	{ "allow = \"198.18.0.0/15\";\n", 0, "list of strings" },
	{ "db = \"\";\n", 0, "must not be empty" },
};

/* Read every known setting the way a program would. */
static int
read_all(struct conf *c, struct errbuf *eb)
{
	long long port, pps;
	double jitter;
	const char *db, *addr, **allow;
	size_t nallow;
	int debug;

	if (conf_check_known(c, known, eb) == -1 ||
	    conf_str(c, "db", "dbname=pingsvc", 1, &db, eb) == -1 ||
	    conf_int(c, "listen.port", 8443, 1, 65535, &port, eb) == -1 ||
	    conf_str(c, "listen.address", "0.0.0.0", 1, &addr, eb) == -1 ||
	    conf_int(c, "rate.pps", 100, 1, 100000, &pps, eb) == -1 ||
	    conf_double(c, "rate.jitter", 0.1, 0, 1, &jitter, eb) == -1 ||
	    conf_bool(c, "debug", 0, &debug, eb) == -1 ||
	    conf_str_list(c, "allow", &allow, &nallow, eb) == -1)
		return -1;
	return 0;
}

static void
test_conf_cases(void **state)
{
	struct errbuf eb;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(conf_cases) / sizeof(conf_cases[0]); i++) {
		const struct conf_case *t = &conf_cases[i];
		struct conf *c;
		int rc = -1;

		errbuf_clear(&eb);
		if ((c = conf_load_string(t->text, "test.conf", &eb)) != NULL)
			rc = read_all(c, &eb);
		conf_free(c);
		if (rc != (t->ok ? 0 : -1))
			fail_msg("case %zu: rc %d (%s)", i, rc, eb.msg);
		if (!t->ok && strstr(eb.msg, t->msg_part) == NULL)
			fail_msg("case %zu: \"%s\" lacks \"%s\"", i, eb.msg,
			    t->msg_part);
	}
}

static void
test_conf_values(void **state)
{
	struct errbuf eb;
	struct conf *c;
	long long port;
	double jitter;
	const char *addr, **allow;
	size_t n;

	(void)state;
	c = conf_load_string(
	    "listen = { port = 9000; };\n"
	    "rate = { jitter = 1; };\nallow = [\"198.18.0.0/15\", "
	    "\"2001:db8::/32\"];\n",
	    "v.conf", &eb);
	assert_non_null(c);
	assert_int_equal(
	    conf_int(c, "listen.port", 1, 1, 65535, &port, &eb), 0);
	assert_int_equal(port, 9000);
	assert_int_equal(
	    conf_str(c, "listen.address", "::1", 0, &addr, &eb), 0);
	assert_string_equal(addr, "::1");
	/* An integer is accepted where a number is wanted. */
	assert_int_equal(
	    conf_double(c, "rate.jitter", 0, 0, 1, &jitter, &eb), 0);
	assert_true(jitter == 1.0);
	assert_int_equal(conf_str_list(c, "allow", &allow, &n, &eb), 0);
	assert_int_equal(n, 2);
	assert_string_equal(allow[1], "2001:db8::/32");
	assert_null(allow[2]);
	/* Absent list: empty, not NULL. */
	assert_int_equal(conf_str_list(c, "nothing", &allow, &n, &eb), 0);
	assert_int_equal(n, 0);
	assert_null(allow[0]);
	/* Required and absent. */
	assert_int_equal(conf_str(c, "db", NULL, 1, &addr, &eb), -1);
	assert_non_null(strstr(eb.msg, "required setting \"db\""));
	conf_free(c);
}

static void
test_conf_file(void **state)
{
	struct errbuf eb;
	struct conf *c;
	char path[] = "/tmp/test_conf.XXXXXX";
	int fd;

	(void)state;
	assert_null(conf_load("/nonexistent/pingsvc.conf", &eb));
	assert_non_null(strstr(eb.msg, "/nonexistent/pingsvc.conf"));
	assert_non_null(strstr(eb.msg, "cannot read"));

	assert_true((fd = mkstemp(path)) != -1);
	assert_true(write(fd, "db = \"dbname=x\";\n", 17) == 17);
	close(fd);
	assert_non_null(c = conf_load(path, &eb));
	conf_free(c);
	unlink(path);
	conf_free(NULL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_conf_cases),
		cmocka_unit_test(test_conf_values),
		cmocka_unit_test(test_conf_file),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
