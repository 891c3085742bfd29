/*
 * test_ingest_settings.c --
 *	etc/ingest.conf as shipped loads and holds the documented defaults;
 *	table-driven rows of settings that must be accepted or refused.
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

#include "settings.h"

/* Write 'text' to a temporary file; its name into 'path' (unlink it). */
static void
temp_conf(const char *text, char *path, size_t size)
{
	FILE *f;
	int fd;

	snprintf(path, size, "/tmp/test_ingest_settings.XXXXXX");
	fd = mkstemp(path);
	assert_true(fd != -1);
	f = fdopen(fd, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void
test_shipped_file(void **state)
{
	struct settings s;
	struct errbuf eb;

	(void)state;
	if (access("etc/ingest.conf", R_OK) != 0)
		skip();
	if (settings_load(&s, "etc/ingest.conf", &eb) != 0)
		fail_msg("etc/ingest.conf: %s", eb.msg);
	assert_string_equal(s.listen, "0.0.0.0");
	assert_int_equal(s.port, 8443);
	assert_true(s.tls);
	assert_string_equal(s.tls_cert, "/etc/pingsvc/ingest.crt");
	assert_int_equal(s.threads, 8);
	assert_int_equal(s.db_pool, 4);
	assert_int_equal(s.max_body, 8388608);
	assert_int_equal(s.max_results, 1000);
	assert_int_equal(s.claim_max, 100);
	assert_int_equal(s.lease_s, 300);
	assert_true(s.derive_inline);
	settings_free(&s);
}

static void
test_rows(void **state)
{
	static const struct {
		const char *text;
		const char *err; /* substring of the error; NULL: accepted */
	} rows[] = {
		{ "tls = false;", NULL },
		{ "tls_cert = \"c\"; tls_key = \"k\";", NULL },
		{ "", "tls_cert and tls_key are required" },
		{ "tls = true; tls_cert = \"c\";", "required" },
		{ "tls = false; port = 0;", "port" },
		{ "tls = false; port = 65536;", "port" },
		{ "tls = false; prot = 8443;", "prot" },
		{ "tls = false; threads = 0;", "threads" },
		{ "tls = false; lease_s = \"300\";", "lease_s" },
		{ "tls = false; log_level = \"loud\";", "log_level" },
		{ "tls = false; db_retry_min_ms = 500; db_retry_max_ms = 100;",
		    "db_retry_max_ms" },
		{ "tls = false; max_body_bytes = 100;", "max_body_bytes" },
		{ "tls = false; db = \"dbname=pingsvc\"; db_pool = 16;", NULL },
		{ "tls = false; derive = \"deferred\";", NULL },
		{ "tls = false; derive = \"inline\";", NULL },
		{ "tls = false; derive = \"later\";", "derive" },
		{ "tls = false; derive = 1;", "derive" },
	};
	struct settings s;
	struct errbuf eb;
	char path[64];
	size_t i;
	int rc;

	(void)state;
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		temp_conf(rows[i].text, path, sizeof(path));
		errbuf_clear(&eb);
		rc = settings_load(&s, path, &eb);
		unlink(path);
		if (rows[i].err == NULL) {
			if (rc != 0)
				fail_msg("row %zu refused: %s", i, eb.msg);
		} else {
			if (rc != -1)
				fail_msg("row %zu accepted", i);
			if (strstr(eb.msg, rows[i].err) == NULL)
				fail_msg("row %zu: \"%s\" lacks \"%s\"", i,
				    eb.msg, rows[i].err);
		}
		settings_free(&s);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_shipped_file),
		cmocka_unit_test(test_rows),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
