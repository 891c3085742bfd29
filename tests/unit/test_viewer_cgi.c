/*
 * test_viewer_cgi.c --
 *	The viewer's request parsing, validators, escaping and CSRF tokens,
 *	table-driven: each row an input and what must come of it, rejected
 *	inputs included.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "cgi.h"
#include "csrf.h"
#include "html.h"
#include "params.h"

static const struct cgi_spec specs[] = {
	{ "page", CGI_PAGE, 0, 0, NULL },
	{ "at", CGI_TS, 0, 0, NULL },
	{ "target", CGI_ADDR, 0, 0, NULL },
	{ "prefix", CGI_PREFIX, 0, 0, NULL },
	{ "vantage", CGI_VANTAGE, 0, 0, NULL },
	{ "limit", CGI_INT, 1, 1000, NULL },
	{ "proto", CGI_ENUM, 0, 0, "icmp|udp|tcp" },
	{ "csrf", CGI_TOKEN, 0, 0, NULL },
	{ "reason", CGI_TEXT, 0, 10, NULL },
	{ NULL, CGI_TEXT, 0, 0, NULL },
};

static const struct {
	const char *qs;
	int ok;
	const char *name, *value; /* expected value of 'name' when ok */
	const char *err;          /* expected start of the error */
} parse_rows[] = {
	{ "", 1, "page", NULL, NULL },
	{ "page=target", 1, "page", "target", NULL },
	{ "page=target&target=192.0.2.1", 1, "target", "192.0.2.1", NULL },
	{ "target=2001%3Adb8%3A%3A1", 1, "target", "2001:db8::1", NULL },
	{ "at=2026-11-26T14%3A00%3A00Z", 1, "at", "2026-11-26T14:00:00Z",
	    NULL },
	{ "at=2026-11-26", 1, "at", "2026-11-26", NULL },
	{ "at=2024-02-29T00:00%2B01:00", 1, "at", "2024-02-29T00:00+01:00",
	    NULL },
	{ "at=2026-11-26+14:00:00.123456Z", 1, "at",
	    "2026-11-26 14:00:00.123456Z", NULL },
	{ "vantage=atlas%3A6001", 1, "vantage", "atlas:6001", NULL },
	{ "vantage=lab-a.b_c", 1, "vantage", "lab-a.b_c", NULL },
	{ "limit=1000", 1, "limit", "1000", NULL },
	{ "proto=udp", 1, "proto", "udp", NULL },
	{ "reason=caf%C3%A9+ok", 1, "reason", "caf\xc3\xa9 ok", NULL },
	{ "prefix=198.18.0.0%2F15", 1, "prefix", "198.18.0.0/15", NULL },
	{ "target=&page=geo", 1, "target", NULL, NULL },
	{ "page=geo&&limit=5&", 1, "limit", "5", NULL },
	/* rejected */
	{ "page=Target", 0, NULL, NULL, "page: not a page name" },
	{ "page=%3Cscript%3E", 0, NULL, NULL, "page: not a page name" },
	{ "target=%3Cscript%3Ealert(1)%3C%2Fscript%3E", 0, NULL, NULL,
	    "target: not an IPv4" },
	{ "target=192.0.2.1%2F32", 0, NULL, NULL, "target: not an IPv4" },
	{ "target=192.0.2.256", 0, NULL, NULL, "target: not an IPv4" },
	{ "vantage='+OR+1%3D1+--", 0, NULL, NULL, "vantage: not a worker" },
	{ "vantage=atlas%3A", 0, NULL, NULL, "vantage: not a worker" },
	{ "at=2026-02-29", 0, NULL, NULL, "at: not an ISO 8601" },
	{ "at=2026-11-26T24:00Z", 0, NULL, NULL, "at: not an ISO 8601" },
	{ "at=2026-11-26T10:00:00.1234567Z", 0, NULL, NULL,
	    "at: not an ISO 8601" },
	{ "at=now", 0, NULL, NULL, "at: not an ISO 8601" },
	{ "at=2026-11-26T10:00Z%27", 0, NULL, NULL, "at: not an ISO 8601" },
	{ "limit=0", 0, NULL, NULL, "limit: not an integer in 1..1000" },
	{ "limit=1e3", 0, NULL, NULL, "limit: not an integer" },
	{ "limit=99999999999999999999", 0, NULL, NULL,
	    "limit: not an integer" },
	{ "proto=icmpx", 0, NULL, NULL, "proto: must be one of" },
	{ "csrf=abc", 0, NULL, NULL, "csrf: malformed token" },
	{ "reason=%0Aline", 0, NULL, NULL, "reason: must be at most" },
	{ "reason=%C3", 0, NULL, NULL, "reason: must be at most" },
	{ "reason=12345678901", 0, NULL, NULL, "reason: must be at most" },
	{ "prefix=10.0.0.1%2F8", 0, NULL, NULL, "prefix: not an address" },
	{ "page=a&page=b", 0, NULL, NULL, "page: given twice" },
	{ "bogus=1", 0, NULL, NULL, "bogus: unknown parameter" },
	{ "%3Cscript%3E=1", 0, NULL, NULL, "unknown parameter" },
	{ "target=%zz", 0, NULL, NULL, "target: bad %-escape" },
	{ "target=%4", 0, NULL, NULL, "target: bad %-escape" },
	{ "target=a%00b", 0, NULL, NULL, "target: NUL byte" },
};

static void
test_parse(void **state)
{
	struct cgi_params p = { .n = 0 };
	struct errbuf eb;
	size_t i;
	int rc;

	(void)state;
	for (i = 0; i < sizeof(parse_rows) / sizeof(parse_rows[0]); i++) {
		errbuf_clear(&eb);
		rc = cgi_parse(
		    parse_rows[i].qs, strlen(parse_rows[i].qs), specs, &p, &eb);
		if (parse_rows[i].ok) {
			if (rc != 0)
				fail_msg("row %zu (%s): %s", i,
				    parse_rows[i].qs, eb.msg);
			if (parse_rows[i].value == NULL)
				assert_null(cgi_get(&p, parse_rows[i].name));
			else
				assert_string_equal(
				    cgi_get(&p, parse_rows[i].name),
				    parse_rows[i].value);
		} else {
			if (rc != -1)
				fail_msg("row %zu (%s) accepted", i,
				    parse_rows[i].qs);
			if (strncmp(eb.msg, parse_rows[i].err,
				strlen(parse_rows[i].err)) != 0)
				fail_msg("row %zu: '%s', want '%s'", i, eb.msg,
				    parse_rows[i].err);
			/* Errors never echo markup. */
			assert_null(strchr(eb.msg, '<'));
		}
		cgi_params_free(&p);
	}
}

static void
test_limits(void **state)
{
	struct cgi_params p = { .n = 0 };
	struct errbuf eb;
	char big[CGI_MAX_VALUE + 20];

	(void)state;
	memcpy(big, "reason=", 7);
	memset(big + 7, 'x', sizeof(big) - 8);
	big[sizeof(big) - 1] = '\0';
	assert_int_equal(cgi_parse(big, strlen(big), specs, &p, &eb), -1);
	assert_non_null(strstr(eb.msg, "longer than"));
	cgi_params_free(&p);
}

/*
 * The program's own table (viewer/params.c): for every parameter a page or
 * a control action takes, an accepted value and a rejected one.  A
 * parameter added to the table without a row here fails test_params.
 */
static const struct {
	const char *name;
	const char *good; /* urlencoded, accepted; decodes to 'value' */
	const char *value;
	const char *bad; /* urlencoded, rejected with 'err' */
	const char *err;
} param_rows[] = {
	{ "page", "geo", "geo", "Geo", "page: not a page name" },
	{ "at", "2026-11-26T14%3A00Z", "2026-11-26T14:00Z", "yesterday",
	    "at: not an ISO 8601" },
	{ "from", "2026-11-01", "2026-11-01", "2026-13-01",
	    "from: not an ISO 8601" },
	{ "to", "2026-11-26+10:00:00", "2026-11-26 10:00:00",
	    "2026-11-26T10:00:00Z%3Cb%3E", "to: not an ISO 8601" },
	{ "target", "2001%3Adb8%3A%3A5", "2001:db8::5", "192.0.2.0%2F24",
	    "target: not an IPv4" },
	{ "vantage", "atlas%3A6001", "atlas:6001", "vp%203",
	    "vantage: not a worker" },
	{ "worker", "lab-a", "lab-a", "-lab", "worker: not a worker" },
	{ "limit", "1", "1", "1001", "limit: not an integer in 1..1000" },
	{ "agg", "24", "24", "16", "agg: must be one of ip|24|as" },
	{ "by", "country", "country", "asn", "by: must be one of as|country" },
	{ "action", "requeue_failed", "requeue_failed", "drop",
	    "action: must be one of" },
	{ "caps", "icmp%2Ctcp", "icmp,tcp", "tcp%2Cicmp",
	    "caps: must be one of" },
	{ "csrf",
	    "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff",
	    "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff",
	    "00112233445566778899AABBCCDDEEFF00112233445566778899AABBCCDDEEFF",
	    "csrf: malformed token" },
	{ "address", "198.18.7.7", "198.18.7.7", "198.18.7",
	    "address: not an" },
	{ "prefix", "2001%3Adb8%3A%3A%2F32", "2001:db8::/32",
	    "2001%3Adb8%3A%3A1%2F32", "prefix: not an address" },
	{ "contact", "noc%40example.net", "noc@example.net", "a%09b",
	    "contact: must be at most 200" },
	{ "reason", "%3Cb%3E+%27x%27", "<b> 'x'", "a%7Fb",
	    "reason: must be at most 1000" },
};

static void
test_params(void **state)
{
	struct cgi_params p = { .n = 0 };
	const struct cgi_spec *sp;
	struct errbuf eb;
	char qs[512];
	size_t i, rows = sizeof(param_rows) / sizeof(param_rows[0]), n = 0;

	(void)state;
	for (sp = viewer_params; sp->name != NULL; sp++) {
		for (i = 0; i < rows; i++)
			if (strcmp(param_rows[i].name, sp->name) == 0)
				break;
		if (i == rows)
			fail_msg(
			    "parameter %s has no row in param_rows", sp->name);
		n++;
	}
	assert_int_equal(n, rows); /* and no row for a removed one */
	for (i = 0; i < rows; i++) {
		snprintf(qs, sizeof(qs), "%s=%s", param_rows[i].name,
		    param_rows[i].good);
		errbuf_clear(&eb);
		if (cgi_parse(qs, strlen(qs), viewer_params, &p, &eb) != 0)
			fail_msg("%s refused: %s", qs, eb.msg);
		assert_string_equal(
		    cgi_get(&p, param_rows[i].name), param_rows[i].value);
		cgi_params_free(&p);
		snprintf(qs, sizeof(qs), "%s=%s", param_rows[i].name,
		    param_rows[i].bad);
		errbuf_clear(&eb);
		if (cgi_parse(qs, strlen(qs), viewer_params, &p, &eb) != -1)
			fail_msg("%s accepted", qs);
		if (strncmp(eb.msg, param_rows[i].err,
			strlen(param_rows[i].err)) != 0)
			fail_msg("%s: '%s', want '%s'", qs, eb.msg,
			    param_rows[i].err);
		assert_null(strchr(eb.msg, '<'));
		cgi_params_free(&p);
	}
	/* The free-text limits of the table: 200 and 1000 bytes. */
	memset(qs, 'x', sizeof(qs));
	memcpy(qs, "contact=", 8);
	qs[8 + 201] = '\0';
	assert_int_equal(cgi_parse(qs, strlen(qs), viewer_params, &p, &eb), -1);
	cgi_params_free(&p);
	qs[8 + 200] = '\0';
	assert_int_equal(cgi_parse(qs, strlen(qs), viewer_params, &p, &eb), 0);
	cgi_params_free(&p);
	/* A whole graph and a whole changes request, as the pages send them. */
	snprintf(qs, sizeof(qs), "%s",
	    "page=graph&vantage=vp3&agg=as&at=2026-11-26");
	assert_int_equal(cgi_parse(qs, strlen(qs), viewer_params, &p, &eb), 0);
	assert_string_equal(cgi_get(&p, "agg"), "as");
	cgi_params_free(&p);
	snprintf(qs, sizeof(qs), "%s",
	    "page=changes&by=as&from=2026-11-01&to=2026-11-26&target=192.0.2.1"
	    "&vantage=lab-a&limit=20");
	assert_int_equal(cgi_parse(qs, strlen(qs), viewer_params, &p, &eb), 0);
	assert_string_equal(cgi_get(&p, "by"), "as");
	cgi_params_free(&p);
}

static const struct {
	const char *in, *out;
} esc_rows[] = {
	{ "plain", "plain" },
	{ "<script>alert(1)</script>",
	    "&lt;script&gt;alert(1)&lt;/script&gt;" },
	{ "\"><svg onload=x>", "&quot;&gt;&lt;svg onload=x&gt;" },
	{ "' OR 1=1 --", "&#39; OR 1=1 --" },
	{ "a&b", "a&amp;b" },
	{ "bell\x07", "bell\xef\xbf\xbd" },
	{ "", "" },
};

static void
test_escape(void **state)
{
	struct buf b = BUF_INIT;
	struct html h = HTML_INIT;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(esc_rows) / sizeof(esc_rows[0]); i++) {
		buf_reset(&b);
		assert_int_equal(html_esc(&b, esc_rows[i].in), 0);
		assert_string_equal(buf_str(&b), esc_rows[i].out);
		buf_reset(&b);
		assert_int_equal(svg_esc(&b, esc_rows[i].in), 0);
		assert_string_equal(buf_str(&b), esc_rows[i].out);
	}
	buf_reset(&b);
	assert_int_equal(uri_esc(&b, "a b&c=/\xc3\xa9"), 0);
	assert_string_equal(buf_str(&b), "a%20b%26c%3D%2F%C3%A9");
	buf_free(&b);

	html_put(&h, "<p title=\"%s\">%s %d %lld %zu %.2f %u %r%%</p>", "\"q",
	    "<b>", -3, 12345678901LL, (size_t)7, 1.5, "x y", "<i>");
	assert_int_equal(h.oom, 0);
	assert_string_equal(buf_str(&h.buf),
	    "<p title=\"&quot;q\">&lt;b&gt; -3 12345678901 7 1.50 x%20y "
	    "<i>%</p>");
	html_put(&h, "%s", (const char *)NULL);
	assert_int_equal(h.oom, 0);
	html_put(&h, "%q");
	assert_int_equal(h.oom, 1);
	html_free(&h);
}

static void
test_csrf(void **state)
{
	const char *secret = "0123456789abcdef0123456789abcdef";
	char t[CSRF_TOKEN_LEN + 1], u[CSRF_TOKEN_LEN + 1];
	struct errbuf eb;
	time_t now = 1800000000;

	(void)state;
	assert_int_equal(csrf_token(secret, "alice", now, 3600, t, &eb), 0);
	assert_int_equal(strlen(t), CSRF_TOKEN_LEN);
	assert_int_equal(csrf_check(secret, "alice", t, now, 3600), 1);
	/* Still valid in the next window, not in the one after. */
	assert_int_equal(csrf_check(secret, "alice", t, now + 3600, 3600), 1);
	assert_int_equal(
	    csrf_check(secret, "alice", t, now + 2 * 3600, 3600), 0);
	assert_int_equal(csrf_check(secret, "bob", t, now, 3600), 0);
	assert_int_equal(csrf_check("another secret of 32 characters!", "alice",
			     t, now, 3600),
	    0);
	assert_int_equal(csrf_check(secret, "alice", NULL, now, 3600), 0);
	assert_int_equal(csrf_check(secret, "alice", "", now, 3600), 0);
	/* "alice" + "" must not collide with "alic" + "e". */
	assert_int_equal(csrf_token(secret, "alic", now, 3600, u, &eb), 0);
	assert_string_not_equal(t, u);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_params),
		cmocka_unit_test(test_escape),
		cmocka_unit_test(test_csrf),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
