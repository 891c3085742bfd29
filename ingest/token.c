/*
 * token.c --
 *	Worker bearer tokens (see token.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>

#include "hex.h"
#include "token.h"

static const char hexdig[] = "0123456789abcdef";

int
token_secret_new(char *hex, struct errbuf *eb)
{
	unsigned char raw[TOKEN_SECRET_BYTES];
	size_t got = 0, i;
	ssize_t n;

	while (got < sizeof(raw)) {
		n = getrandom(raw + got, sizeof(raw) - got, 0);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			return errbuf_set(eb, "getrandom: %s", strerror(errno));
		}
		got += (size_t)n;
	}
	for (i = 0; i < sizeof(raw); i++) {
		hex[2 * i] = hexdig[raw[i] >> 4];
		hex[2 * i + 1] = hexdig[raw[i] & 0xf];
	}
	hex[TOKEN_SECRET_HEX] = '\0';
	return 0;
}

int
token_hash(const char *secret, size_t len, unsigned char *out)
{
	return gnutls_hash_fast(GNUTLS_DIG_SHA256, secret, len, out) == 0 ? 0
									  : -1;
}

int
token_parse(const char *tok, int64_t *worker_id, const char **secret)
{
	const char *p;
	int64_t id = 0;
	size_t i;

	for (p = tok; *p >= '0' && *p <= '9'; p++) {
		if (id > (INT64_MAX - (*p - '0')) / 10)
			return -1;
		id = id * 10 + (*p - '0');
	}
	if (p == tok || *p != '.' || id < 1)
		return -1;
	p++;
	for (i = 0; p[i] != '\0'; i++)
		if (hex_digit((unsigned char)p[i]) == -1)
			return -1;
	if (i != TOKEN_SECRET_HEX)
		return -1;
	*worker_id = id;
	*secret = p;
	return 0;
}

int
token_equal(const unsigned char *a, const unsigned char *b)
{
	volatile unsigned char d = 0;
	size_t i;

	for (i = 0; i < TOKEN_HASH_BYTES; i++)
		d |= a[i] ^ b[i];
	return d == 0;
}

int
token_hash_from_bytea(const char *text, unsigned char *out)
{
	size_t i;
	int hi, lo;

	if (text[0] != '\\' || text[1] != 'x' ||
	    strlen(text + 2) != 2 * TOKEN_HASH_BYTES)
		return -1;
	for (i = 0; i < TOKEN_HASH_BYTES; i++) {
		hi = hex_digit((unsigned char)text[2 + 2 * i]);
		lo = hex_digit((unsigned char)text[3 + 2 * i]);
		if (hi == -1 || lo == -1)
			return -1;
		out[i] = (unsigned char)(hi << 4 | lo);
	}
	return 0;
}
