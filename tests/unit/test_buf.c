/*
 * test_buf.c --
 *	Tests of the growable buffer, error buffers and log levels.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>

#include <cmocka.h>

#include "buf.h"
#include "errbuf.h"
#include "log.h"

static void
test_buf_grow(void **state)
{
	struct buf b = BUF_INIT;
	int i;

	(void)state;
	assert_string_equal(buf_str(&b), "");
	for (i = 0; i < 1000; i++)
		assert_int_equal(buf_printf(&b, "%d,", i % 10), 0);
	assert_int_equal(b.len, 2000);
	assert_int_equal(strncmp(b.data, "0,1,2,", 6), 0);
	assert_int_equal(b.data[b.len], '\0');
	buf_reset(&b);
	assert_int_equal(b.len, 0);
	assert_string_equal(buf_str(&b), "");
	assert_int_equal(buf_puts(&b, "abc"), 0);
	assert_int_equal(buf_append(&b, "\0x", 2), 0);
	assert_int_equal(b.len, 5);
	buf_free(&b);
	buf_free(NULL);
}

static void
test_buf_max(void **state)
{
	struct buf b = BUF_INIT;

	(void)state;
	b.max = 8;
	assert_int_equal(buf_puts(&b, "12345678"), 0);
	assert_int_equal(buf_puts(&b, "9"), -1);
	assert_int_equal(buf_printf(&b, "%d", 1), -1);
	assert_string_equal(buf_str(&b), "12345678");
	buf_free(&b);
}

static void
test_errbuf(void **state)
{
	struct errbuf eb;
	char big[2 * ERRBUF_LEN];

	(void)state;
	errbuf_clear(&eb);
	assert_string_equal(errbuf_msg(&eb), "unknown error");
	assert_int_equal(errbuf_set(&eb, "bad %s", "ttl"), -1);
	assert_int_equal(errbuf_prefix(&eb, "result[%d]", 3), -1);
	assert_string_equal(errbuf_msg(&eb), "result[3]: bad ttl");
	assert_int_equal(errbuf_set(NULL, "dropped"), -1);
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	errbuf_set(&eb, "%s", big);
	assert_int_equal(strlen(eb.msg), ERRBUF_LEN - 1);
	errbuf_prefix(&eb, "ctx");
	assert_int_equal(strncmp(eb.msg, "ctx: xxx", 8), 0);
}

static void
test_log_levels(void **state)
{
	enum log_level l;

	(void)state;
	assert_int_equal(log_level_parse("debug", &l), 0);
	assert_int_equal(l, LOG_LVL_DEBUG);
	assert_int_equal(log_level_parse("error", &l), 0);
	assert_int_equal(l, LOG_LVL_ERROR);
	assert_int_equal(log_level_parse("loud", &l), -1);
	log_init("test_buf", LOG_LVL_ERROR);
	/* Below the threshold the arguments are not evaluated. */
	l = LOG_LVL_INFO;
	LOG(LOG_LVL_DEBUG, "%d", (int)(l = LOG_LVL_WARN));
	assert_int_equal(l, LOG_LVL_INFO);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_buf_grow),
		cmocka_unit_test(test_buf_max),
		cmocka_unit_test(test_errbuf),
		cmocka_unit_test(test_log_levels),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
