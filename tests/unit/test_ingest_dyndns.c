/*
 * test_ingest_dyndns.c --
 *	The dyndns updater's pure parts, table-driven: dyndns2 answers,
 *	addresses in "what is my IP" answers, when an update is due, and the
 *	sample group of etc/ingest.conf (uncommented) loading with the
 *	documented defaults.
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

#include "buf.h"
#include "conf.h"
#include "dyndns.h"

static void
test_answers(void **state)
{
	static const struct {
		const char *body, *code;
		enum dyndns_verdict v;
	} rows[] = {
		{ "good 192.0.2.7\n", "good", DYNDNS_OK },
		{ "nochg 192.0.2.7", "nochg", DYNDNS_OK },
		{ "  good\r\n", "good", DYNDNS_OK },
		{ "badauth\n", "badauth", DYNDNS_FATAL },
		{ "nohost", "nohost", DYNDNS_FATAL },
		{ "notfqdn\n", "notfqdn", DYNDNS_FATAL },
		{ "abuse\n", "abuse", DYNDNS_FATAL },
		{ "badagent", "badagent", DYNDNS_FATAL },
		{ "!donator", "!donator", DYNDNS_FATAL },
		{ "numhost", "numhost", DYNDNS_FATAL },
		{ "911\n", "911", DYNDNS_RETRY },
		{ "dnserr", "dnserr", DYNDNS_RETRY },
		{ "", "", DYNDNS_RETRY },
		{ "goodbye", "goodbye", DYNDNS_RETRY },
		{ "<html>error</html>", "<html>error</html>", DYNDNS_RETRY },
	};
	char code[32];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		assert_int_equal(
		    dyndns_parse_answer(rows[i].body, code, sizeof(code)),
		    rows[i].v);
		assert_string_equal(code, rows[i].code);
	}
	/* The code is cut to fit, never overflows. */
	assert_int_equal(dyndns_parse_answer("badauth", code, 4), DYNDNS_FATAL);
	assert_string_equal(code, "bad");
}

static void
test_addresses(void **state)
{
	static const struct {
		const char *text, *want; /* want NULL: none found */
	} rows[] = {
		{ "192.0.2.7\n", "192.0.2.7" },
		{ "Current IP Address: 198.51.100.23", "198.51.100.23" },
		{ "<html><body>Current IP Address: 203.0.113.9</body></html>",
		    "203.0.113.9" },
		{ "2001:db8::42\n", "2001:db8::42" },
		{ "version 1.2 then 192.0.2.1", "192.0.2.1" },
		{ "999.1.1.1 no", NULL },
		{ "deadbeef", NULL },
		{ "", NULL },
		{ "no address here", NULL },
	};
	char out[DYNDNS_ADDR_MAX];
	size_t i;
	int rc;

	(void)state;
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		rc = dyndns_address_from_text(rows[i].text, out);
		if (rows[i].want == NULL) {
			assert_int_equal(rc, -1);
		} else {
			assert_int_equal(rc, 0);
			assert_string_equal(out, rows[i].want);
		}
	}
}

static void
test_due(void **state)
{
	static const struct {
		const char *last;
		time_t updated, retry_at;
		int blocked;
		const char *blocked_for, *addr;
		time_t now;
		int due;
	} rows[] = {
		/* never updated */
		{ "", 0, 0, 0, "", "192.0.2.1", 1000, 1 },
		/* same address, fresh */
		{ "192.0.2.1", 1000, 0, 0, "", "192.0.2.1", 1050, 0 },
		/* changed address */
		{ "192.0.2.1", 1000, 0, 0, "", "192.0.2.2", 2000, 1 },
		/* refresh interval (100 s here) passed */
		{ "192.0.2.1", 1000, 0, 0, "", "192.0.2.1", 1100, 1 },
		{ "192.0.2.1", 1000, 0, 0, "", "192.0.2.1", 1099, 0 },
		/* backing off */
		{ "192.0.2.1", 1000, 5000, 0, "", "192.0.2.2", 4999, 0 },
		{ "192.0.2.1", 1000, 5000, 0, "", "192.0.2.2", 5000, 1 },
		/* blocked for these settings, whatever the address */
		{ "192.0.2.1", 1000, 0, 1, "cfg", "192.0.2.2", 9999, 0 },
		/* blocked for other settings */
		{ "192.0.2.1", 1000, 0, 1, "old", "192.0.2.2", 9999, 1 },
	};
	struct dyndns_state st;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		memset(&st, 0, sizeof(st));
		snprintf(st.address, sizeof(st.address), "%s", rows[i].last);
		st.updated = rows[i].updated;
		st.retry_at = rows[i].retry_at;
		st.blocked = rows[i].blocked;
		snprintf(
		    st.config, sizeof(st.config), "%s", rows[i].blocked_for);
		assert_int_equal(
		    dyndns_due(&st, rows[i].addr, "cfg", rows[i].now, 100),
		    rows[i].due);
	}
}

/* The commented sample group of etc/ingest.conf, uncommented, loads. */
static void
test_shipped_sample(void **state)
{
	struct buf text = BUF_INIT;
	struct dyndns_conf *dc = NULL;
	struct conf *c;
	struct errbuf eb;
	char line[512], *p;
	int in = 0;
	FILE *f;

	(void)state;
	if ((f = fopen("etc/ingest.conf", "r")) == NULL)
		skip();
	buf_puts(&text, "dyndns = {\n");
	while (fgets(line, sizeof(line), f) != NULL) {
		if (strncmp(line, "# dyndns = {", 12) == 0) {
			in = 1;
			continue;
		}
		if (in && strncmp(line, "# };", 4) == 0)
			break;
		/* "#\tkey = value;" lines; "#\t#" ones stay comments. */
		if (in && strncmp(line, "#\t", 2) == 0 && line[2] != '#')
			buf_puts(&text, line + 2);
	}
	fclose(f);
	buf_puts(&text, "password = \"x\";\n};\n");
	/* The sample's password_file does not exist here: comment it out. */
	assert_non_null(p = strstr(text.data, "password_file"));
	p[0] = '#';
	c = conf_load_string(buf_str(&text), "sample", &eb);
	if (c == NULL)
		fail_msg("%s", eb.msg);
	if (dyndns_conf_load(c, "sample", &dc, &eb) != 0)
		fail_msg("%s", eb.msg);
	assert_non_null(dc);
	assert_string_equal(dc->server, "https://www.dy.fi/nic/update");
	assert_string_equal(dc->address_url, "https://checkip.dy.fi/");
	assert_null(dc->interface);
	assert_int_equal(dc->refresh_days, 5);
	assert_int_equal(dc->check_s, 300);
	assert_int_equal(dc->retry_s, 1800);
	assert_int_equal(dc->timeout_s, 30);
	assert_string_equal(
	    dc->state_file, "/var/lib/pingsvc-ingest/dyndns.state");
	dyndns_conf_free(dc);
	conf_free(c);
	buf_free(&text);
}

/* No dyndns setting at all: no updater. */
static void
test_absent(void **state)
{
	struct dyndns_conf *dc = (struct dyndns_conf *)1;
	struct errbuf eb;
	struct conf *c;

	(void)state;
	c = conf_load_string("port = 8443;\n", "t", &eb);
	assert_non_null(c);
	assert_int_equal(dyndns_conf_load(c, "t", &dc, &eb), 0);
	assert_null(dc);
	conf_free(c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_answers),
		cmocka_unit_test(test_addresses),
		cmocka_unit_test(test_due),
		cmocka_unit_test(test_shipped_sample),
		cmocka_unit_test(test_absent),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
