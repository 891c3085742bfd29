/*
 * test_worker_spool.c --
 *	The worker's on-disk spool (worker/spool.c): append and read back in
 *	order, acknowledge and delete, reopen after a "crash" (the spool is
 *	closed without acknowledging), the byte bound dropping the oldest,
 *	torn and garbage lines skipped and counted, quarantine of rejected
 *	results.  Each test works in a fresh temporary directory.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sys/stat.h>

#include <cmocka.h>

#include "spool.h"

struct fixture {
	char dir[64];
};

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	snprintf(f->dir, sizeof(f->dir), "/tmp/test_spool.XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
	assert_int_equal(system(cmd), 0);
	free(f);
	return 0;
}

/* A result line with key "k<i>" and some padding. */
static size_t
line(char *buf, size_t len, int i, size_t pad)
{
	char p[512];

	assert_true(pad < sizeof(p));
	memset(p, 'x', pad);
	p[pad] = '\0';
	return (size_t)snprintf(buf, len,
	    "{\"type\":\"ping\",\"idem_key\":\"k%d\",\"pad\":\"%s\"}", i, p);
}

static void
append(struct spool *s, int i, size_t pad)
{
	char l[1024], key[16];
	struct errbuf eb;
	size_t n = line(l, sizeof(l), i, pad);

	snprintf(key, sizeof(key), "k%d", i);
	if (spool_append(s, l, n, key, &eb) == -1)
		fail_msg("append %d: %s", i, errbuf_msg(&eb));
}

/* The number of *.seg files in 'dir'. */
static int
nsegs(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	int n = 0;

	assert_non_null(d);
	while ((de = readdir(d)) != NULL)
		n += strstr(de->d_name, ".seg") != NULL;
	closedir(d);
	return n;
}

static void
test_append_next_ack(void **state)
{
	struct fixture *f = *state;
	struct spool_batch b = SPOOL_BATCH_INIT;
	struct errbuf eb;
	struct spool *s;
	size_t i;

	assert_non_null(s = spool_open(f->dir, 1 << 20, &eb));
	assert_int_equal(spool_next(s, 10, 1 << 20, &b, &eb), 0);
	for (i = 0; i < 5; i++)
		append(s, (int)i, 10);
	assert_int_equal(spool_depth(s), 5);
	assert_int_equal(spool_next(s, 3, 1 << 20, &b, &eb), 3);
	assert_string_equal(b.keys[0], "k0");
	assert_string_equal(b.keys[2], "k2");
	/* The lines form the inside of a JSON array. */
	assert_non_null(strstr(buf_str(&b.lines), "\"k0\""));
	assert_non_null(strstr(buf_str(&b.lines), "},{"));
	for (i = 0; i < b.n; i++)
		assert_int_equal(spool_ack(s, b.ids[i], &eb), 0);
	assert_int_equal(spool_ack(s, b.ids[0], &eb), 0); /* twice: ignored */
	assert_int_equal(spool_depth(s), 2);
	assert_int_equal(spool_next(s, 10, 1 << 20, &b, &eb), 2);
	assert_string_equal(b.keys[0], "k3");
	for (i = 0; i < b.n; i++)
		assert_int_equal(spool_ack(s, b.ids[i], &eb), 0);
	assert_int_equal(spool_depth(s), 0);
	assert_int_equal(spool_bytes(s), 0);
	assert_int_equal(nsegs(f->dir), 0); /* nothing waits: no file */
	assert_int_equal(spool_stats(s)->appended, 5);
	assert_int_equal(spool_stats(s)->acked, 5);
	spool_batch_free(&b);
	spool_close(s);
}

static void
test_byte_limit_of_batch(void **state)
{
	struct fixture *f = *state;
	struct spool_batch b = SPOOL_BATCH_INIT;
	struct errbuf eb;
	struct spool *s;
	int i;

	assert_non_null(s = spool_open(f->dir, 1 << 20, &eb));
	for (i = 0; i < 10; i++)
		append(s, i, 100);
	/* Lines are ~140 bytes: 300 bytes hold two; a tiny limit one. */
	assert_int_equal(spool_next(s, 10, 300, &b, &eb), 2);
	assert_int_equal(spool_next(s, 10, 1, &b, &eb), 1);
	spool_batch_free(&b);
	spool_close(s);
}

static void
test_reopen(void **state)
{
	struct fixture *f = *state;
	struct spool_batch b = SPOOL_BATCH_INIT;
	struct errbuf eb;
	struct spool *s;
	int i;

	assert_non_null(s = spool_open(f->dir, 1 << 20, &eb));
	for (i = 0; i < 4; i++)
		append(s, i, 10);
	assert_int_equal(spool_next(s, 1, 1 << 20, &b, &eb), 1);
	assert_int_equal(spool_ack(s, b.ids[0], &eb), 0);
	spool_close(s); /* as if the process died here */

	assert_non_null(s = spool_open(f->dir, 1 << 20, &eb));
	/* k0 was acknowledged but shares its segment: it comes back too. */
	assert_true(spool_depth(s) == 3 || spool_depth(s) == 4);
	assert_int_equal(spool_stats(s)->corrupt, 0);
	append(s, 9, 10); /* new results after the recovered ones */
	assert_int_equal(
	    spool_next(s, 10, 1 << 20, &b, &eb), (int)spool_depth(s));
	assert_string_equal(b.keys[b.n - 1], "k9");
	assert_string_equal(b.keys[b.n - 2], "k3");
	spool_batch_free(&b);
	spool_close(s);
}

/* Keys the bound dropped, as spool_on_drop reports them. */
struct drops {
	int n;
	int next; /* the key expected next: the oldest first, none skipped */
	int out_of_order;
};

static void
on_drop(const char *key, void *arg)
{
	struct drops *d = arg;
	char want[16];

	snprintf(want, sizeof(want), "k%d", d->next++);
	if (strcmp(key, want) != 0)
		d->out_of_order++;
	d->n++;
}

static void
test_bound_drops_oldest(void **state)
{
	struct fixture *f = *state;
	struct spool_batch b = SPOOL_BATCH_INIT;
	struct errbuf eb;
	struct spool *s;
	struct drops d = { 0, 0, 0 };
	char key[16];
	int i;

	/* 8 KiB: segments of 1 KiB, lines of ~240 bytes. */
	assert_non_null(s = spool_open(f->dir, 8192, &eb));
	spool_on_drop(s, on_drop, &d);
	for (i = 0; i < 200; i++) {
		append(s, i, 200);
		assert_true(spool_bytes(s) <= 8192);
	}
	assert_true(spool_stats(s)->dropped > 150);
	assert_int_equal(spool_stats(s)->dropped + spool_depth(s), 200);
	/* Each dropped key named once, oldest first. */
	assert_int_equal(d.n, (int)spool_stats(s)->dropped);
	assert_int_equal(d.out_of_order, 0);
	/* What is left is the newest, in order. */
	assert_int_equal(
	    spool_next(s, 1000, 1 << 20, &b, &eb), (int)spool_depth(s));
	snprintf(key, sizeof(key), "k%d", 200 - (int)b.n);
	assert_string_equal(b.keys[0], key);
	assert_string_equal(b.keys[b.n - 1], "k199");
	/* Acknowledging a dropped id is harmless. */
	assert_int_equal(spool_ack(s, 1, &eb), 0);
	/* A line larger than the spool is refused, and nothing is lost. */
	{
		char *big = malloc(9000);

		assert_non_null(big);
		memset(big, ' ', 9000);
		assert_int_equal(spool_append(s, big, 9000, "kb", &eb), -1);
		assert_non_null(strstr(errbuf_msg(&eb), "spool_max_bytes"));
		free(big);
	}
	assert_int_equal(spool_stats(s)->dropped + spool_depth(s), 200);
	spool_close(s);

	/* Reopened with a smaller bound: the oldest go again. */
	assert_non_null(s = spool_open(f->dir, 4096, &eb));
	assert_true(spool_bytes(s) <= 4096);
	assert_true(spool_stats(s)->dropped > 0);
	spool_batch_free(&b);
	spool_close(s);
}

static void
test_torn_and_garbage(void **state)
{
	struct fixture *f = *state;
	struct spool_batch b = SPOOL_BATCH_INIT;
	struct errbuf eb;
	struct spool *s;
	char path[128];
	FILE *fp;

	/* A segment as a crash leaves it: good, garbage, good, torn. */
	snprintf(path, sizeof(path), "%s/00000000000000000007.seg", f->dir);
	assert_non_null(fp = fopen(path, "w"));
	fputs("{\"idem_key\":\"a\"}\n", fp);
	fputs("not json at all\n", fp);
	fputs("{\"no_key\":1}\n", fp);
	fputs("\n", fp);
	fputs("{\"idem_key\":\"b\"}\n", fp);
	fputs("{\"idem_key\":\"c\",\"type\":\"pi", fp);
	fclose(fp);
	/* Names that are not segments are left alone. */
	snprintf(path, sizeof(path), "%s/README", f->dir);
	assert_non_null(fp = fopen(path, "w"));
	fclose(fp);

	assert_non_null(s = spool_open(f->dir, 1 << 20, &eb));
	assert_int_equal(spool_depth(s), 2);
	assert_int_equal(spool_stats(s)->corrupt, 4);
	assert_int_equal(spool_stats(s)->recovered, 2);
	append(s, 1, 0);
	assert_int_equal(spool_next(s, 10, 1 << 20, &b, &eb), 3);
	assert_string_equal(b.keys[0], "a");
	assert_string_equal(b.keys[1], "b");
	assert_string_equal(b.keys[2], "k1");
	/* The new line went to a new segment, not after the torn one. */
	assert_int_equal(nsegs(f->dir), 2);
	assert_int_equal(spool_ack(s, b.ids[0], &eb), 0);
	assert_int_equal(spool_ack(s, b.ids[1], &eb), 0);
	assert_int_equal(nsegs(f->dir), 1); /* torn segment gone with them */
	spool_batch_free(&b);
	spool_close(s);
}

static void
test_reject(void **state)
{
	struct fixture *f = *state;
	struct spool_batch b = SPOOL_BATCH_INIT;
	struct errbuf eb;
	struct spool *s;
	char path[128], got[256];
	FILE *fp;

	assert_non_null(s = spool_open(f->dir, 1 << 20, &eb));
	append(s, 1, 0);
	append(s, 2, 0);
	assert_int_equal(spool_next(s, 10, 1 << 20, &b, &eb), 2);
	assert_int_equal(spool_reject(s, b.ids[0], &eb), 0);
	assert_int_equal(spool_depth(s), 1);
	assert_int_equal(spool_stats(s)->rejected, 1);
	snprintf(path, sizeof(path), "%s/rejected/results.jsonl", f->dir);
	assert_non_null(fp = fopen(path, "r"));
	assert_non_null(fgets(got, sizeof(got), fp));
	fclose(fp);
	assert_string_equal(got,
	    "{\"type\":\"ping\",\"idem_key\":\"k1\","
	    "\"pad\":\"\"}\n");
	spool_batch_free(&b);
	spool_close(s);
}

static void
test_bad_open(void **state)
{
	struct fixture *f = *state;
	struct errbuf eb;
	char path[128];

	assert_null(spool_open(f->dir, 100, &eb));
	assert_non_null(strstr(errbuf_msg(&eb), "minimum"));
	snprintf(path, sizeof(path), "%s/no/such/dir", f->dir);
	assert_null(spool_open(path, 1 << 20, &eb));
	assert_non_null(strstr(errbuf_msg(&eb), "no/such/dir"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
		    test_append_next_ack, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_byte_limit_of_batch, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reopen, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_bound_drops_oldest, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_torn_and_garbage, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reject, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_open, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
