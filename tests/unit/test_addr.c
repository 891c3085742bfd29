/*
 * test_addr.c --
 *	Table-driven tests of address parsing, classification and the
 *	probing safety rule (lib/addr.c).
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

#include "addr.h"

struct parse_case {
	const char *in;
	int ok;
	const char *canon; /* expected formatted form */
};

static const struct parse_case parse_cases[] = {
	{ "192.0.2.1", 1, "192.0.2.1" },
	{ "198.18.0.1", 1, "198.18.0.1" },
	{ "2001:db8::1", 1, "2001:db8::1" },
	{ "2001:DB8:0:0::1", 1, "2001:db8::1" },
	{ "::", 1, "::" },
	{ "", 0, NULL },
	{ "192.0.2", 0, NULL },
	{ "192.0.2.256", 0, NULL },
	{ "192.0.2.1 ", 0, NULL },
	{ " 192.0.2.1", 0, NULL },
	{ "192.0.2.1/32", 0, NULL },
	{ "0x7f.0.0.1", 0, NULL },
	{ "2001:db8::1::2", 0, NULL },
	{ "fe80::1%eth0", 0, NULL },
	{ "example.org", 0, NULL },
};

static void
test_addr_parse(void **state)
{
	struct addr a;
	struct errbuf eb;
	char s[ADDR_STRLEN];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(parse_cases) / sizeof(parse_cases[0]); i++) {
		const struct parse_case *c = &parse_cases[i];
		int rc = addr_parse(c->in, &a, &eb);

		if (rc != (c->ok ? 0 : -1))
			fail_msg("addr_parse(\"%s\") returned %d", c->in, rc);
		if (c->ok)
			assert_string_equal(
			    addr_format(&a, s, sizeof(s)), c->canon);
		else
			assert_true(strlen(eb.msg) > 0);
	}
}

struct prefix_case {
	const char *in;
	int ok;
	const char *canon;
};

static const struct prefix_case prefix_cases[] = {
	{ "198.18.0.0/15", 1, "198.18.0.0/15" },
	{ "0.0.0.0/0", 1, "0.0.0.0/0" },
	{ "192.0.2.7", 1, "192.0.2.7/32" },
	{ "2001:db8::/32", 1, "2001:db8::/32" },
	{ "2001:db8::1", 1, "2001:db8::1/128" },
	{ "198.18.0.1/15", 0, NULL }, /* host bits set */
	{ "192.0.2.0/33", 0, NULL },
	{ "192.0.2.0/-1", 0, NULL },
	{ "192.0.2.0/", 0, NULL },
	{ "192.0.2.0/24x", 0, NULL },
	{ "/24", 0, NULL },
	{ "2001:db8::/129", 0, NULL },
};

static void
test_prefix_parse(void **state)
{
	struct prefix p;
	struct errbuf eb;
	char s[ADDR_STRLEN];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(prefix_cases) / sizeof(prefix_cases[0]); i++) {
		const struct prefix_case *c = &prefix_cases[i];
		int rc = prefix_parse(c->in, &p, &eb);

		if (rc != (c->ok ? 0 : -1))
			fail_msg("prefix_parse(\"%s\") returned %d", c->in, rc);
		if (c->ok)
			assert_string_equal(
			    prefix_format(&p, s, sizeof(s)), c->canon);
	}
}

struct class_case {
	const char *in;
	enum addr_class cls;
};

static const struct class_case class_cases[] = {
	{ "8.8.8.8", ADDR_PUBLIC }, { "52.94.76.1", ADDR_PUBLIC },
	{ "0.0.0.0", ADDR_UNSPECIFIED }, { "0.1.2.3", ADDR_RESERVED },
	{ "10.1.2.3", ADDR_PRIVATE }, { "172.16.0.1", ADDR_PRIVATE },
	{ "172.32.0.1", ADDR_PUBLIC }, { "192.168.1.1", ADDR_PRIVATE },
	{ "100.64.0.1", ADDR_SHARED }, { "100.128.0.1", ADDR_PUBLIC },
	{ "127.0.0.1", ADDR_LOOPBACK }, { "169.254.1.1", ADDR_LINKLOCAL },
	{ "192.0.0.1", ADDR_RESERVED },
	{ "192.0.0.9", ADDR_PUBLIC }, /* PCP anycast, reachable */
	{ "192.0.2.1", ADDR_DOCUMENTATION },
	{ "198.51.100.1", ADDR_DOCUMENTATION },
	{ "203.0.113.1", ADDR_DOCUMENTATION }, { "198.18.0.1", ADDR_BENCHMARK },
	{ "198.19.255.255", ADDR_BENCHMARK }, { "198.20.0.1", ADDR_PUBLIC },
	{ "224.0.0.1", ADDR_MULTICAST }, { "239.255.255.250", ADDR_MULTICAST },
	{ "240.0.0.1", ADDR_RESERVED }, { "255.255.255.255", ADDR_BROADCAST },
	{ "2600::1", ADDR_PUBLIC }, { "2001:4860:4860::8888", ADDR_PUBLIC },
	{ "::", ADDR_UNSPECIFIED }, { "::1", ADDR_LOOPBACK },
	{ "::ffff:8.8.8.8", ADDR_RESERVED },
	{ "64:ff9b::808:808", ADDR_RESERVED },
	{ "2001:db8::1", ADDR_DOCUMENTATION },
	{ "3fff::1", ADDR_DOCUMENTATION }, { "2001:2::1", ADDR_BENCHMARK },
	{ "2001::1", ADDR_RESERVED }, /* Teredo */
	{ "2001:1::1", ADDR_PUBLIC }, /* inside 2001::/23 */
	{ "2001:4:112::1", ADDR_PUBLIC }, { "2002::1", ADDR_RESERVED },
	{ "fd00::1", ADDR_PRIVATE }, { "fe80::1", ADDR_LINKLOCAL },
	{ "ff02::1", ADDR_MULTICAST },
	{ "4000::1", ADDR_RESERVED }, /* outside 2000::/3 */
};

static void
test_addr_classify(void **state)
{
	struct addr a;
	const char *why;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(class_cases) / sizeof(class_cases[0]); i++) {
		enum addr_class got;

		assert_int_equal(addr_parse(class_cases[i].in, &a, NULL), 0);
		got = addr_classify(&a, &why);
		if (got != class_cases[i].cls)
			fail_msg("%s: got %s, want %s", class_cases[i].in,
			    addr_class_name(got),
			    addr_class_name(class_cases[i].cls));
		assert_true((got == ADDR_PUBLIC) == (why == NULL));
	}
}

struct check_case {
	const char *in;
	int ok;
	const char *msg_part; /* expected in the refusal */
};

/* Allow list: the lab range.  Deny list: an opt-out and a bogon. */
static const struct check_case check_cases[] = {
	{ "8.8.8.8", 1, NULL },
	{ "198.18.3.4", 1, NULL }, /* allowed lab */
	{ "10.0.0.1", 0, "private" },
	{ "192.168.0.1", 0, "--allow" },
	{ "100.64.1.1", 0, "shared" },
	{ "224.0.0.5", 0, "never a valid target" },
	{ "255.255.255.255", 0, "never a valid target" },
	{ "0.0.0.0", 0, "never a valid target" },
	{ "23.135.225.9", 0, "23.135.225.0/24" }, /* denied */
	{ "2001:db8::1", 0, "documentation" },
	{ "2600::1", 1, NULL },
};

static void
test_check_target(void **state)
{
	struct prefix_set allow = PREFIX_SET_INIT, deny = PREFIX_SET_INIT;
	struct errbuf eb;
	struct addr a;
	size_t i;

	(void)state;
	assert_int_equal(prefix_set_add_str(&allow, "198.18.0.0/15", &eb), 0);
	assert_int_equal(prefix_set_add_str(&deny, "23.135.225.0/24", &eb), 0);
	/* The lab is in the deny list too (full bogons list it): allow wins. */
	assert_int_equal(prefix_set_add_str(&deny, "198.18.0.0/15", &eb), 0);
	for (i = 0; i < sizeof(check_cases) / sizeof(check_cases[0]); i++) {
		const struct check_case *c = &check_cases[i];
		int rc;

		errbuf_clear(&eb);
		assert_int_equal(addr_parse(c->in, &a, NULL), 0);
		rc = addr_check_target(&a, &allow, &deny, &eb);
		if (rc != (c->ok ? 0 : -1))
			fail_msg(
			    "%s: check returned %d (%s)", c->in, rc, eb.msg);
		if (!c->ok && strstr(eb.msg, c->msg_part) == NULL)
			fail_msg("%s: message \"%s\" lacks \"%s\"", c->in,
			    eb.msg, c->msg_part);
	}
	/* Without an allow list the lab is refused. */
	assert_int_equal(addr_parse("198.18.3.4", &a, NULL), 0);
	assert_int_equal(addr_check_target(&a, NULL, NULL, &eb), -1);
	assert_non_null(strstr(eb.msg, "benchmarking"));
	prefix_set_free(&allow);
	prefix_set_free(&deny);
}

static void
write_file(const char *path, const char *text)
{
	FILE *fp = fopen(path, "w");

	assert_non_null(fp);
	fputs(text, fp);
	fclose(fp);
}

static void
test_prefix_set_load(void **state)
{
	struct prefix_set s = PREFIX_SET_INIT;
	struct errbuf eb;
	struct addr a;
	char path[] = "/tmp/test_addr.XXXXXX";
	int fd;

	(void)state;
	assert_true((fd = mkstemp(path)) != -1);
	close(fd);
	write_file(path, "# bogons\n 192.0.2.0/24 \n\n2001:db8::/32 # doc\n");
	assert_int_equal(prefix_set_load(&s, path, &eb), 0);
	assert_int_equal(s.n, 2);
	assert_int_equal(addr_parse("2001:db8::5", &a, NULL), 0);
	assert_non_null(prefix_set_match(&s, &a));
	assert_int_equal(addr_parse("192.0.3.1", &a, NULL), 0);
	assert_null(prefix_set_match(&s, &a));

	/* A bad line adds nothing and names the line. */
	write_file(path, "203.0.113.0/24\n10.0.0.1/8\n");
	assert_int_equal(prefix_set_load(&s, path, &eb), -1);
	assert_int_equal(s.n, 2);
	assert_non_null(strstr(eb.msg, ":2:"));
	unlink(path);

	assert_int_equal(prefix_set_load(&s, "/nonexistent/x", &eb), -1);
	assert_non_null(strstr(eb.msg, "/nonexistent/x"));
	prefix_set_free(&s);
}

/*
 * The second-to-last comma-separated field of a registry row: "Globally
 * Reachable".  Returns NULL for rows that are not single-line records.
 */
static const char *
reachable_field(char *line)
{
	char *fields[16];
	size_t n = 0;
	char *p = line;

	while (n < 16) {
		fields[n++] = p;
		if ((p = strchr(p, ',')) == NULL)
			break;
		*p++ = '\0';
	}
	return n >= 10 ? fields[n - 2] : NULL;
}

/* The real IANA registries: no block that is not reachable is public. */
static void
test_iana_registry(void **state)
{
	const char *files[] = {
		"../shared/data/bogons/iana-ipv4-special-registry-1.csv",
		"../shared/data/bogons/iana-ipv6-special-registry-1.csv",
	};
	char line[1024], cidr[128];
	size_t i, checked = 0;

	(void)state;
	for (i = 0; i < 2; i++) {
		FILE *fp = fopen(files[i], "r");

		if (fp == NULL)
			skip();
		while (fgets(line, sizeof(line), fp) != NULL) {
			struct prefix p;
			size_t n = strcspn(line, ", \"[");
			const char *reach;

			if (n == 0 || n >= sizeof(cidr))
				continue;
			memcpy(cidr, line, n);
			cidr[n] = '\0';
			if (prefix_parse(cidr, &p, NULL) == -1)
				continue;
			reach = reachable_field(line);
			if (reach == NULL || strncmp(reach, "False", 5) != 0)
				continue;
			if (addr_classify(&p.addr, NULL) == ADDR_PUBLIC)
				fail_msg("%s is not globally reachable but "
					 "classified public",
				    cidr);
			checked++;
		}
		fclose(fp);
	}
	assert_true(checked >= 25);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_addr_parse),
		cmocka_unit_test(test_prefix_parse),
		cmocka_unit_test(test_addr_classify),
		cmocka_unit_test(test_check_target),
		cmocka_unit_test(test_prefix_set_load),
		cmocka_unit_test(test_iana_registry),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
