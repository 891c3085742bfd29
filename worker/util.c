/*
 * util.c --
 *	Randomness and idempotency keys (see util.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sys/random.h>

#include "util.h"

void
util_random(void *buf, size_t n)
{
	uint8_t *p = buf;
	ssize_t got;
	struct timespec ts;
	size_t i;

	while (n > 0) {
		got = getrandom(p, n, 0);
		if (got == -1 && errno == EINTR)
			continue;
		if (got <= 0)
			break;
		p += got;
		n -= (size_t)got;
	}
	/*
	 * getrandom cannot fail on Linux >= 3.17 once the pool is seeded;
	 * should it anyway, probe ids must still differ between runs.
	 */
	clock_gettime(CLOCK_REALTIME, &ts);
	for (i = 0; i < n; i++)
		p[i] = (uint8_t)((uint64_t)ts.tv_nsec >> (i % 4 * 8) ^
		    (uint64_t)getpid() ^ i * 131);
}

/*
 * Keys and ids are needed by the ten thousand in a sweep; one getrandom(2)
 * call per 4 KiB rather than per key.  One thread only, like the loop.
 */
static void
pooled_random(void *buf, size_t n)
{
	static uint8_t pool[4096];
	static size_t left;

	if (n > sizeof(pool) / 4) {
		util_random(buf, n);
		return;
	}
	if (left < n) {
		util_random(pool, sizeof(pool));
		left = sizeof(pool);
	}
	memcpy(buf, pool + sizeof(pool) - left, n);
	/* Never hand out the same bytes twice. */
	memset(pool + sizeof(pool) - left, 0, n);
	left -= n;
}

uint32_t
util_random32(void)
{
	uint32_t v;

	pooled_random(&v, sizeof(v));
	return v;
}

void
util_shuffle(size_t *v, size_t n)
{
	size_t i, j, t;

	for (i = n; i > 1; i--) {
		j = util_random32() % (uint32_t)i;
		t = v[i - 1];
		v[i - 1] = v[j];
		v[j] = t;
	}
}

size_t *
util_permutation(size_t n)
{
	size_t *v, i;

	if ((v = malloc((n > 0 ? n : 1) * sizeof(*v))) == NULL)
		return NULL;
	for (i = 0; i < n; i++)
		v[i] = i;
	util_shuffle(v, n);
	return v;
}

char *
util_idem_key(char *buf, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	uint8_t r[16];
	size_t i;

	pooled_random(r, sizeof(r));
	for (i = 0; i < sizeof(r) && 2 * i + 2 < len; i++) {
		buf[2 * i] = hex[r[i] >> 4];
		buf[2 * i + 1] = hex[r[i] & 15];
	}
	buf[2 * i] = '\0';
	return buf;
}
