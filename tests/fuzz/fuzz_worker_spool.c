/*
 * fuzz_worker_spool.c --
 *	libFuzzer harness for the worker's spool reader (worker/spool.c):
 *	what it finds on disk at start-up after a crash, a kill -9 in the
 *	middle of a write, a full disk or a hand edit.  The input becomes the
 *	spool's oldest segment, and its first half a second, torn, segment;
 *	the spool is opened under a bound chosen by the first byte, drained
 *	batch by batch (every other result acknowledged, the rest refused
 *	into rejected/), appended to, and must end empty.  Nothing may crash
 *	or leak, and a batch never holds more than it was asked for.
 */
#include <dirent.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sys/stat.h>

#include "../../worker/spool.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char dir[128];

static void
write_file(const char *name, const uint8_t *data, size_t size)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if ((f = fopen(path, "w")) == NULL)
		abort();
	if (size > 0 && fwrite(data, 1, size, f) != size)
		abort();
	fclose(f);
}

/* Empty the directory (and rejected/) for the next input. */
static void
clear_dir(const char *d)
{
	char path[512];
	struct dirent *e;
	DIR *dp;

	if ((dp = opendir(d)) == NULL)
		return;
	while ((e = readdir(dp)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", d, e->d_name);
		if (strcmp(e->d_name, "rejected") == 0) {
			clear_dir(path);
			rmdir(path);
		} else
			unlink(path);
	}
	closedir(dp);
}

/* At exit (libFuzzer's time is up): leave nothing in /tmp. */
static void
remove_dir(void)
{
	clear_dir(dir);
	rmdir(dir);
}

static void
drain(struct spool *s)
{
	struct spool_batch b = SPOOL_BATCH_INIT;
	struct errbuf eb;
	size_t i, rounds = 0;
	int n;

	while ((n = spool_next(s, 7, 4096, &b, &eb)) > 0) {
		if ((size_t)n > 7 || b.n != (size_t)n)
			abort();
		for (i = 0; i < b.n; i++) {
			if ((i % 2 ? spool_reject(s, b.ids[i], &eb)
				   : spool_ack(s, b.ids[i], &eb)) == -1)
				abort();
		}
		spool_batch_free(&b);
		if (++rounds > 100000)
			abort(); /* it must make progress */
	}
	spool_batch_free(&b);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char line[] = "{\"idem_key\":\"k-new\",\"type\":\"ping\"}";
	struct spool *s;
	struct errbuf eb;
	uint64_t bound;

	if (dir[0] == '\0') {
		snprintf(dir, sizeof(dir), "/tmp/fuzz_worker_spool.%d",
		    (int)getpid());
		if (mkdir(dir, 0700) == -1)
			abort();
		atexit(remove_dir);
	}
	clear_dir(dir);
	bound = size > 0 && data[0] & 1 ? 4096 : 1 << 20;
	write_file("00000000000000000001.seg", data, size);
	write_file("00000000000000000002.seg", data, size / 2);
	errbuf_clear(&eb);
	if ((s = spool_open(dir, bound, &eb)) == NULL) {
		if (eb.msg[0] == '\0')
			abort(); /* a refusal must say why */
		return 0;
	}
	drain(s);
	if (spool_append(s, line, strlen(line), "k-new", &eb) == -1)
		abort();
	drain(s);
	if (spool_depth(s) != 0)
		abort();
	spool_close(s);
	return 0;
}
