/*
 * test_worker_client.c --
 *	The parsers of the gateway's answers (worker/client.c): claim
 *	answers (jobs through lib/job's decoder, bad jobs skipped and
 *	counted, server_time), submit acknowledgements matched by key, error
 *	bodies naming the refused item; and the daemon's configuration keys
 *	(worker/settings.c).  Table-driven where there are many cases.
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

#include "client.h"
#include "settings.h"

struct claim_case {
	const char *body;
	int rc;      /* 0 or -1 */
	size_t n;    /* jobs decoded */
	size_t bad;  /* jobs refused */
	double time; /* server_time, -1 absent */
};

static const struct claim_case claim_cases[] = {
	{ "{\"jobs\":[],\"server_time\":1764000000.5}", 0, 0, 0, 1764000000.5 },
	{ "{\"jobs\":[{\"job_id\":1,\"type\":\"traceroute\",\"af\":4,"
	  "\"dst_addr\":\"198.51.100.1\",\"proto\":\"ICMP\",\"packets\":3,"
	  "\"first_hop\":1,\"max_hops\":20,\"gap_limit\":5,"
	  "\"timeout_ms\":1000,\"lease_expires\":1764000300}],"
	  "\"server_time\":1764000000.12,\"lease_s\":300}",
	    0, 1, 0, 1764000000.12 },
	{ "{\"jobs\":[{\"job_id\":2,\"type\":\"ping\",\"dst_addr\":"
	  "\"198.51.100.2\",\"proto\":\"TCP\",\"port\":443},"
	  "{\"job_id\":3,\"type\":\"dance\",\"dst_addr\":\"198.51.100.3\"},"
	  "{\"job_id\":0,\"type\":\"ping\",\"dst_addr\":\"198.51.100.3\"},"
	  "17]}",
	    0, 1, 3, -1 },
	{ "{\"server_time\":1}", -1, 0, 0, -1 },
	{ "{\"jobs\":{}}", -1, 0, 0, -1 },
	{ "{\"jobs\":[],\"server_time\":\"now\"}", -1, 0, 0, -1 },
	{ "[]", -1, 0, 0, -1 },
	{ "{\"jobs\":[", -1, 0, 0, -1 },
	{ "", -1, 0, 0, -1 },
};

static void
test_claim(void **state)
{
	struct errbuf eb;
	struct job *jobs;
	size_t i, n, bad;
	double t;
	int rc;

	(void)state;
	for (i = 0; i < sizeof(claim_cases) / sizeof(claim_cases[0]); i++) {
		const struct claim_case *c = &claim_cases[i];

		rc = client_parse_claim(
		    c->body, strlen(c->body), &jobs, &n, &bad, &t, &eb);
		if (rc != c->rc)
			fail_msg("case %zu: rc %d, want %d (%s)", i, rc, c->rc,
			    errbuf_msg(&eb));
		if (rc == 0) {
			assert_int_equal(n, c->n);
			assert_int_equal(bad, c->bad);
			assert_true(t == c->time);
		}
		free(jobs);
	}
	rc = client_parse_claim(claim_cases[1].body,
	    strlen(claim_cases[1].body), &jobs, &n, &bad, &t, &eb);
	assert_int_equal(rc, 0);
	assert_int_equal(jobs[0].job_id, 1);
	assert_int_equal(jobs[0].type, RESULT_TRACEROUTE);
	assert_int_equal(jobs[0].max_hops, 20);
	assert_int_equal(jobs[0].lease_expires, 1764000300);
	free(jobs);
}

static void
test_submit(void **state)
{
	char keys[3][RESULT_KEY_MAX + 1] = { "a1", "b2", "c3" };
	enum client_ack acks[3];
	struct errbuf eb;
	const char *body;

	(void)state;
	body = "{\"results\":[{\"idem_key\":\"a1\",\"status\":\"stored\"},"
	       "{\"idem_key\":\"b2\",\"status\":\"duplicate\"},"
	       "{\"idem_key\":\"c3\",\"status\":\"stored\"}],"
	       "\"stored\":2,\"duplicates\":1}";
	assert_int_equal(
	    client_parse_submit(body, strlen(body), keys, 3, acks, &eb), 3);
	assert_int_equal(acks[0], CLIENT_ACK_STORED);
	assert_int_equal(acks[1], CLIENT_ACK_DUP);
	/* Out of order, an unknown key, a strange status, one missing. */
	body = "{\"results\":[{\"idem_key\":\"c3\",\"status\":\"stored\"},"
	       "{\"idem_key\":\"zz\",\"status\":\"stored\"},"
	       "{\"idem_key\":\"a1\",\"status\":\"lost\"},"
	       "{\"status\":\"stored\"}, 5]}";
	assert_int_equal(
	    client_parse_submit(body, strlen(body), keys, 3, acks, &eb), 1);
	assert_int_equal(acks[0], CLIENT_ACK_NONE);
	assert_int_equal(acks[1], CLIENT_ACK_NONE);
	assert_int_equal(acks[2], CLIENT_ACK_STORED);
	body = "{\"error\":\"bad_request\"}";
	assert_int_equal(
	    client_parse_submit(body, strlen(body), keys, 3, acks, &eb), -1);
	body = "not json";
	assert_int_equal(
	    client_parse_submit(body, strlen(body), keys, 3, acks, &eb), -1);
}

struct error_case {
	const char *body;
	long idx;
	const char *msg; /* substring */
};

static const struct error_case error_cases[] = {
	{ "{\"error\":\"bad_request\",\"detail\":\"results[3]: result[2]: "
	  "\\\"rtt\\\": -1 is out of range\"}",
	    3, "bad_request: results[3]" },
	{ "{\"error\":\"conflict\",\"detail\":\"results[0]: \\\"job_id\\\": 7 "
	  "is leased to another worker\"}",
	    0, "conflict" },
	{ "{\"error\":\"too_large\",\"detail\":\"body over 1048576 bytes\"}",
	    -1, "too_large" },
	{ "{\"error\":\"bad_request\",\"detail\":\"results[x]: ?\"}", -1,
	    "results[x]" },
	{ "{\"error\":\"bad_request\",\"detail\":\"results[-1]: ?\"}", -1,
	    "bad_request" },
	{ "{\"error\":\"bad_request\",\"detail\":\"results[12\"}", -1,
	    "bad_request" },
	{ "<html>502 Bad Gateway</html>", -1, "no JSON" },
	{ "[1]", -1, "no JSON" },
};

static void
test_error(void **state)
{
	char msg[256];
	size_t i;
	long idx;

	(void)state;
	for (i = 0; i < sizeof(error_cases) / sizeof(error_cases[0]); i++) {
		const struct error_case *c = &error_cases[i];

		idx = client_parse_error(
		    c->body, strlen(c->body), msg, sizeof(msg));
		if (idx != c->idx || strstr(msg, c->msg) == NULL)
			fail_msg("case %zu: %ld \"%s\", want %ld \"%s\"", i,
			    idx, msg, c->idx, c->msg);
	}
}

struct conf_case {
	const char *text;
	int ok;
	const char *msg;
};

static const struct conf_case conf_cases[] = {
	{ "gateway_url = \"https://gw.example:8443\";\n"
	  "token_file = \"/etc/pingsvc/worker.token\";\n"
	  "spool_max_bytes = 1048576;\nclaim_max = 10;\n"
	  "metrics_listen = \"\";\n",
	    1, NULL },
	{ "gateway_url = \"ftp://gw.example\";\n", 0, "https://" },
	{ "token = \"1.ab\";\ntoken_file = \"/x\";\n", 0, "not both" },
	{ "spool_max_bytes = 100;\n", 0, "spool_max_bytes" },
	{ "claim_max = 0;\n", 0, "claim_max" },
	{ "heartbeat_s = \"often\";\n", 0, "heartbeat_s" },
	{ "stop_grace_s = 601;\n", 0, "stop_grace_s" },
	{ "spool = \"/tmp\";\n", 0, "spool" },
};

static void
test_settings(void **state)
{
	char path[] = "/tmp/test_worker_client.XXXXXX";
	struct settings st;
	struct errbuf eb;
	size_t i;
	int fd, rc;

	(void)state;
	for (i = 0; i < sizeof(conf_cases) / sizeof(conf_cases[0]); i++) {
		const struct conf_case *c = &conf_cases[i];

		memcpy(path + strlen(path) - 6, "XXXXXX", 6);
		assert_true((fd = mkstemp(path)) != -1);
		assert_true(write(fd, c->text, strlen(c->text)) ==
		    (ssize_t)strlen(c->text));
		close(fd);
		rc = settings_load(&st, path, &eb);
		unlink(path);
		if ((rc == 0) != c->ok ||
		    (!c->ok && strstr(errbuf_msg(&eb), c->msg) == NULL))
			fail_msg("case %zu: rc %d: %s", i, rc,
			    rc == 0 ? "accepted" : errbuf_msg(&eb));
		if (rc == 0 && i == 0) {
			assert_string_equal(
			    st.gateway_url, "https://gw.example:8443");
			assert_int_equal(st.spool_max_bytes, 1048576);
			assert_int_equal(st.claim_max, 10);
			assert_int_equal(
			    st.submit_max, SETTINGS_DEF_SUBMIT_MAX);
			assert_string_equal(st.metrics_listen, "");
		}
		settings_free(&st);
	}
}

/* etc/worker.conf as shipped loads and holds the documented defaults. */
static void
test_shipped_conf(void **state)
{
	struct settings st;
	struct errbuf eb;

	(void)state;
	if (access("etc/worker.conf", R_OK) != 0)
		skip();
	if (settings_load(&st, "etc/worker.conf", &eb) != 0)
		fail_msg("etc/worker.conf: %s", errbuf_msg(&eb));
	assert_null(st.gateway_url);
	assert_string_equal(st.spool_dir, SETTINGS_DEF_SPOOL_DIR);
	assert_int_equal(st.spool_max_bytes, SETTINGS_DEF_SPOOL_MAX);
	assert_int_equal(st.claim_max, SETTINGS_DEF_CLAIM_MAX);
	assert_int_equal(st.submit_max, SETTINGS_DEF_SUBMIT_MAX);
	assert_int_equal(st.heartbeat_s, SETTINGS_DEF_HEARTBEAT_S);
	assert_int_equal(st.idle_s, SETTINGS_DEF_IDLE_S);
	assert_int_equal(st.http_timeout_s, SETTINGS_DEF_HTTP_TIMEOUT_S);
	assert_int_equal(st.backoff_max_s, SETTINGS_DEF_BACKOFF_MAX_S);
	assert_int_equal(st.stop_grace_s, SETTINGS_DEF_STOP_GRACE_S);
	assert_string_equal(st.metrics_listen, SETTINGS_DEF_METRICS);
	settings_free(&st);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_claim),
		cmocka_unit_test(test_submit),
		cmocka_unit_test(test_error),
		cmocka_unit_test(test_settings),
		cmocka_unit_test(test_shipped_conf),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
