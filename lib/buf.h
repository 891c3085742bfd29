/*
 * buf.h --
 *	A small growable byte buffer, always NUL-terminated, used instead of
 *	sprintf/strcat when output length is not known in advance.
 */
#ifndef PINGSVC_BUF_H
#define PINGSVC_BUF_H

#include <stddef.h>

struct buf {
	char *data; /* NUL-terminated; NULL until the first append */
	size_t len; /* bytes used, excluding the NUL */
	size_t cap; /* bytes allocated */
	size_t max; /* hard limit on len (0: none); appends beyond fail */
};

#define BUF_INIT                                                               \
	{                                                                      \
		NULL, 0, 0, 0                                                  \
	}

/*
 * buf_append --
 *	Append 'n' bytes.  Returns 0, or -1 when memory runs out or the buffer
 *	would exceed its 'max' (the buffer is then unchanged).
 */
int buf_append(struct buf *b, const void *p, size_t n);

/* buf_puts -- Append a NUL-terminated string.  Returns 0 or -1. */
int buf_puts(struct buf *b, const char *s);

/* buf_printf -- Append formatted text.  Returns 0 or -1. */
int buf_printf(struct buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* buf_reset -- Empty the buffer, keeping its memory. */
void buf_reset(struct buf *b);

/* buf_free -- Release the memory; the buffer may be reused.  NULL-safe. */
void buf_free(struct buf *b);

/* buf_str -- The contents as a string ("" when empty); owned by 'b'. */
const char *buf_str(const struct buf *b);

#endif
