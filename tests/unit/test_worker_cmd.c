/*
 * test_worker_cmd.c --
 *	Table-driven tests of the one-shot argument parsers
 *	(worker/ping_cmd.c, worker/trace_cmd.c) and the configuration file
 *	(worker/settings.c): what is accepted, with which values, and what
 *	is rejected with a message naming the culprit.
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

#include "cmd.h"
#include "ping_cmd.h"
#include "settings.h"
#include "trace_cmd.h"

#define MAXARGS 16

struct cmd_case {
	const char *args; /* space-separated, after the command name */
	int ok;
	const char *msg; /* substring of the error, or of nothing */
};

static const struct cmd_case ping_cases[] = {
	{ "198.18.100.10", 1, NULL },
	{ "--proto tcp --port 80 --count 5 198.18.100.20", 1, NULL },
	{ "--allow 198.18.0.0/15 --wait 500 --interval 0 198.18.100.10", 1,
	    NULL },
	{ "198.18.100.10 --count 2", 1, NULL }, /* options after ADDRESS */
	{ "2001:db8::1", 1, NULL },
	{ "", 0, "ADDRESS" },
	{ "198.18.100.10 198.18.100.20", 0, "exactly one" },
	{ "--count 0 198.18.100.10", 0, "--count" },
	{ "--count 65 198.18.100.10", 0, "--count" },
	{ "--count 3x 198.18.100.10", 0, "not a number" },
	{ "--proto udp 198.18.100.10", 0, "--proto" },
	{ "--port 80 198.18.100.10", 0, "--port" },
	{ "--proto tcp --port 0 198.18.100.10", 0, "--port" },
	{ "--allow 198.18.0.1/15 198.18.100.10", 0, "--allow" },
	{ "--bogus 198.18.100.10", 0, "unknown option" },
	{ "example.org", 0, "not an IP address" },
	{ "198.18.100.10/32", 0, "not an IP address" },
};

static const struct cmd_case trace_cases[] = {
	{ "198.18.100.10", 1, NULL },
	{ "--proto udp --paris-id 7 --max-hops 16 198.18.100.10", 1, NULL },
	{ "--proto tcp --port 443 --packets 16 --gap-limit 2 198.18.100.10", 1,
	    NULL },
	{ "--first-hop 3 --max-hops 3 198.18.100.10", 1, NULL },
	{ "--first-hop 4 --max-hops 3 198.18.100.10", 0, "--first-hop" },
	{ "--max-hops 256 198.18.100.10", 0, "--max-hops" },
	{ "--packets 17 198.18.100.10", 0, "--packets" },
	{ "--paris-id 65536 198.18.100.10", 0, "--paris-id" },
	{ "--paris-id -1 198.18.100.10", 0, "--paris-id" },
	{ "--port 53 198.18.100.10", 0, "--port" }, /* ICMP has no port */
	{ "--proto sctp 198.18.100.10", 0, "--proto" },
	{ "--wait 0 198.18.100.10", 0, "--wait" },
	{ "", 0, "ADDRESS" },
	{ "--stop-set 198.18.10 198.18.100.10", 0, "--stop-set" },
	{ "--stop-set 2001:db8::1 198.18.100.10", 0, "--stop-set" },
	{ "--stop-set 198.18.10.2 --stop-set 198.18.16.2 198.18.100.10", 1,
	    NULL },
};

/* Split 'args' into argv after 'cmd'; returns argc. */
static int
split(const char *cmd, const char *args, char *store, size_t len, char **argv)
{
	char *tok, *save = NULL;
	int argc = 0;

	snprintf(store, len, "%s", args);
	argv[argc++] = (char *)(uintptr_t)cmd;
	for (tok = strtok_r(store, " ", &save); tok != NULL && argc < MAXARGS;
	     tok = strtok_r(NULL, " ", &save))
		argv[argc++] = tok;
	argv[argc] = NULL;
	return argc;
}

static void
check(
    const struct cmd_case *c, int rc, const struct errbuf *eb, const char *what)
{
	if (rc != (c->ok ? 0 : -1))
		fail_msg("%s \"%s\": rc %d (%s)", what, c->args, rc, eb->msg);
	if (!c->ok && strstr(eb->msg, c->msg) == NULL)
		fail_msg("%s \"%s\": message \"%s\" lacks \"%s\"", what,
		    c->args, eb->msg, c->msg);
}

static void
test_ping_args(void **state)
{
	char store[256], *argv[MAXARGS + 1];
	struct ping_cmd pc;
	struct errbuf eb;
	size_t i;
	int argc;

	(void)state;
	for (i = 0; i < sizeof(ping_cases) / sizeof(ping_cases[0]); i++) {
		argc = split(
		    "ping", ping_cases[i].args, store, sizeof(store), argv);
		errbuf_clear(&eb);
		check(&ping_cases[i], ping_cmd_parse(argc, argv, &pc, &eb), &eb,
		    "ping");
		ping_cmd_free(&pc);
	}
	argc = split("ping", "--proto tcp --count 5 198.18.100.20", store,
	    sizeof(store), argv);
	assert_int_equal(ping_cmd_parse(argc, argv, &pc, &eb), 0);
	assert_int_equal(pc.proto, PROTO_TCP);
	assert_int_equal(pc.port, PING_DEF_PORT);
	assert_int_equal(pc.count, 5);
	ping_cmd_free(&pc);
}

static void
test_trace_args(void **state)
{
	char store[256], *argv[MAXARGS + 1];
	struct trace_cmd tc;
	struct errbuf eb;
	size_t i;
	int argc;

	(void)state;
	for (i = 0; i < sizeof(trace_cases) / sizeof(trace_cases[0]); i++) {
		argc = split(
		    "trace", trace_cases[i].args, store, sizeof(store), argv);
		errbuf_clear(&eb);
		check(&trace_cases[i], trace_cmd_parse(argc, argv, &tc, &eb),
		    &eb, "trace");
		trace_cmd_free(&tc);
	}
	/* Defaults, and the default port of each protocol. */
	argc = split(
	    "trace", "--proto udp 198.18.100.10", store, sizeof(store), argv);
	assert_int_equal(trace_cmd_parse(argc, argv, &tc, &eb), 0);
	assert_int_equal(tc.port, TRACE_DEF_UDP_PORT);
	assert_int_equal(tc.max_hops, TRACE_DEF_MAX_HOPS);
	assert_int_equal(tc.packets, TRACE_DEF_PACKETS);
	assert_int_equal(tc.paris_id, 0);
	trace_cmd_free(&tc);
	argc = split(
	    "trace", "--proto tcp 198.18.100.10", store, sizeof(store), argv);
	assert_int_equal(trace_cmd_parse(argc, argv, &tc, &eb), 0);
	assert_int_equal(tc.port, TRACE_DEF_TCP_PORT);
	trace_cmd_free(&tc);
}

static void
test_trace_from_job(void **state)
{
	struct trace_cmd tc;
	struct errbuf eb;
	struct job j;

	(void)state;
	job_init(&j, RESULT_TRACEROUTE);
	j.job_id = 1;
	assert_int_equal(addr_parse("198.18.100.10", &j.dst, &eb), 0);
	j.proto = PROTO_UDP;
	j.paris_id = 9;
	j.max_hops = 20;
	assert_int_equal(trace_cmd_from_job(&j, &tc, &eb), 0);
	assert_int_equal(tc.paris_id, 9);
	assert_int_equal(tc.max_hops, 20);
	assert_int_equal(tc.port, TRACE_DEF_UDP_PORT);
	assert_int_equal(tc.nstop_set, 0);
	trace_cmd_free(&tc);
	/* The job's stop set travels into the command. */
	assert_int_equal(addr_parse("198.18.10.2", &j.stop_set[0], &eb), 0);
	j.nstop_set = 1;
	assert_int_equal(trace_cmd_from_job(&j, &tc, &eb), 0);
	assert_int_equal(tc.nstop_set, 1);
	assert_int_equal(addr_cmp(&tc.stop_set[0], &j.stop_set[0]), 0);
	trace_cmd_free(&tc);
	j.type = RESULT_PING;
	assert_int_equal(trace_cmd_from_job(&j, &tc, &eb), -1);
	trace_cmd_free(&tc);
}

struct conf_case {
	const char *text;
	int ok;
	const char *msg;
};

static const struct conf_case conf_cases[] = {
	{ "", 1, NULL },
	{ "rate_pps = 500;\ntarget_interval_ms = 0;\nuser = \"pingsvc\";\n"
	  "allow = [\"198.18.0.0/15\"];\nlog_level = \"debug\";\n",
	    1, NULL },
	{ "rate_ppps = 5;\n", 0, "rate_ppps" },
	{ "rate_pps = 0;\n", 0, "rate_pps" },
	{ "rate_pps = \"fast\";\n", 0, "rate_pps" },
	{ "allow = [\"198.18.0.1/15\"];\n", 0, "allow" },
	{ "log_level = \"loud\";\n", 0, "log_level" },
	{ "user = \"\";\n", 0, "user" },
	{ "bogons = \"/nonexistent/bogons.txt\";\n", 0, "bogons" },
	{ "rate_pps = ;\n", 0, ":1" },
	{ "selftest_address = \"198.18.100.10\";\n", 0, "selftest_address" },
	{ "selftest_address = \"2001:db8::1\";\nallow = [\"2001:db8::/32\"];\n",
	    0, "not an IPv4 address" },
	{ "selftest_address = \"198.18.100.x\";\n", 0, "selftest_address" },
	{ "selftest_address = \"198.18.100.10\";\nallow = "
	  "[\"198.18.0.0/15\"];\n",
	    1, NULL },
	{ "selftest_address = \"\";\n", 1, NULL },
};

static void
test_settings(void **state)
{
	char path[] = "/tmp/test_worker_cmd.XXXXXX";
	struct settings st;
	struct errbuf eb;
	size_t i;
	FILE *f;
	int fd, rc;

	(void)state;
	for (i = 0; i < sizeof(conf_cases) / sizeof(conf_cases[0]); i++) {
		const struct conf_case *c = &conf_cases[i];

		assert_int_not_equal(fd = mkstemp(path), -1);
		assert_non_null(f = fdopen(fd, "w"));
		fputs(c->text, f);
		fclose(f);
		errbuf_clear(&eb);
		rc = settings_load(&st, path, &eb);
		unlink(path);
		memcpy(path + strlen(path) - 6, "XXXXXX", 6);
		if (rc != (c->ok ? 0 : -1))
			fail_msg(
			    "config \"%s\": rc %d (%s)", c->text, rc, eb.msg);
		if (!c->ok && strstr(eb.msg, c->msg) == NULL)
			fail_msg("config \"%s\": \"%s\" lacks \"%s\"", c->text,
			    eb.msg, c->msg);
		if (c->ok && i == 1) {
			assert_int_equal(st.rate_pps, 500);
			assert_string_equal(st.user, "pingsvc");
			assert_int_equal(st.allow.n, 1);
			assert_int_equal(st.log_level, LOG_LVL_DEBUG);
		}
		/* The address is kept only when given (and allowed). */
		if (c->ok && strstr(c->text, "selftest_address") != NULL)
			assert_int_equal(st.has_selftest_addr,
			    strstr(c->text, "198.18.100.10") != NULL);
		settings_free(&st);
	}
	assert_int_equal(settings_load(&st, NULL, &eb), 0);
	assert_int_equal(st.rate_pps, SETTINGS_DEF_RATE_PPS);
	assert_string_equal(st.user, SETTINGS_DEF_USER);
	settings_free(&st);
}

struct targets_case {
	const char *text;
	int ok;
	size_t n;        /* addresses read */
	const char *msg; /* for failures */
};

static const struct targets_case targets_cases[] = {
	{ "198.19.0.1\n198.19.0.2\n", 1, 2, NULL },
	{ "# sweep\n\n  198.19.0.1  # first\n2001:db8::1\n198.19.0.3", 1, 3,
	    NULL },
	{ "", 0, 0, "no target" },
	{ "# only a comment\n", 0, 0, "no target" },
	{ "198.19.0.1\nexample.org\n", 0, 0, ":2" },
	{ "198.19.0.0/16\n", 0, 0, ":1" },
};

static void
test_targets_file(void **state)
{
	char path[] = "/tmp/test_worker_targets.XXXXXX";
	struct addr *v;
	struct errbuf eb;
	size_t i, n;
	FILE *f;
	int fd, rc;

	(void)state;
	for (i = 0; i < sizeof(targets_cases) / sizeof(targets_cases[0]); i++) {
		const struct targets_case *c = &targets_cases[i];

		assert_int_not_equal(fd = mkstemp(path), -1);
		assert_non_null(f = fdopen(fd, "w"));
		fputs(c->text, f);
		fclose(f);
		errbuf_clear(&eb);
		rc = cmd_targets_load(path, &v, &n, &eb);
		unlink(path);
		memcpy(path + strlen(path) - 6, "XXXXXX", 6);
		if (rc != (c->ok ? 0 : -1) || (c->ok && n != c->n))
			fail_msg("targets \"%s\": rc %d, %zu read (%s)",
			    c->text, rc, n, eb.msg);
		if (!c->ok && strstr(eb.msg, c->msg) == NULL)
			fail_msg("targets \"%s\": \"%s\" lacks \"%s\"", c->text,
			    eb.msg, c->msg);
		free(v);
	}
	assert_int_equal(
	    cmd_targets_load("/nonexistent/targets", &v, &n, &eb), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ping_args),
		cmocka_unit_test(test_trace_args),
		cmocka_unit_test(test_trace_from_job),
		cmocka_unit_test(test_settings),
		cmocka_unit_test(test_targets_file),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
