/*
 * util.h --
 *	Small helpers of the worker: random numbers from the kernel and the
 *	idempotency keys results carry.
 */
#ifndef PINGSVC_WORKER_UTIL_H
#define PINGSVC_WORKER_UTIL_H

#include <stddef.h>
#include <stdint.h>

/* util_random -- 'n' random bytes (getrandom(2)); never fails. */
void util_random(void *buf, size_t n);

/* util_random32 -- A random 32-bit number (from a pool; one thread). */
uint32_t util_random32(void);

/* util_shuffle -- Put v[0..n) in a uniformly random order (Fisher-Yates). */
void util_shuffle(size_t *v, size_t n);

/*
 * util_permutation --
 *	0 .. n-1 in a random order (malloc'd; free it), or NULL without
 *	memory.
 */
size_t *util_permutation(size_t n);

/*
 * util_idem_key --
 *	A fresh idempotency key, 32 lower-case hex digits (128 random bits),
 *	into 'buf' (at least UTIL_KEY_LEN bytes).  Returns 'buf'.
 */
#define UTIL_KEY_LEN 33
char *util_idem_key(char *buf, size_t len);

#endif
