/*
 * csrf.c --
 *	CSRF tokens (see csrf.h), HMAC-SHA256 from GnuTLS.
 */
#include <stdio.h>
#include <string.h>

#include <gnutls/crypto.h>

#include "buf.h"
#include "csrf.h"

static int
token_for(const char *secret, const char *user, long long window, char *out,
    struct errbuf *eb)
{
	static const char hex[] = "0123456789abcdef";
	struct buf msg = BUF_INIT;
	unsigned char mac[32];
	char w[32];
	int i, rc = -1;

	snprintf(w, sizeof(w), "%lld", window);
	if (buf_puts(&msg, "pingsvc-viewer-csrf") != 0 ||
	    buf_append(&msg, "", 1) != 0 || buf_puts(&msg, user) != 0 ||
	    buf_append(&msg, "", 1) != 0 || buf_puts(&msg, w) != 0) {
		errbuf_set(eb, "out of memory");
		goto out;
	}
	if (gnutls_hmac_fast(GNUTLS_MAC_SHA256, secret, strlen(secret),
		msg.data, msg.len, mac) != 0) {
		errbuf_set(eb, "HMAC-SHA256 failed");
		goto out;
	}
	for (i = 0; i < 32; i++) {
		out[2 * i] = hex[mac[i] >> 4];
		out[2 * i + 1] = hex[mac[i] & 15];
	}
	out[CSRF_TOKEN_LEN] = '\0';
	rc = 0;
out:
	buf_free(&msg);
	return rc;
}

int
csrf_token(const char *secret, const char *user, time_t now, long long window_s,
    char *out, struct errbuf *eb)
{
	return token_for(secret, user, (long long)now / window_s, out, eb);
}

int
csrf_check(const char *secret, const char *user, const char *token, time_t now,
    long long window_s)
{
	char want[CSRF_TOKEN_LEN + 1];
	unsigned char diff;
	long long w;
	int k, i, ok = 0;

	if (token == NULL || strlen(token) != CSRF_TOKEN_LEN)
		return 0;
	for (k = 0; k < 2; k++) {
		w = (long long)now / window_s - k;
		if (token_for(secret, user, w, want, NULL) != 0)
			return 0;
		diff = 0;
		for (i = 0; i < CSRF_TOKEN_LEN; i++)
			diff |= (unsigned char)(want[i] ^ token[i]);
		ok |= diff == 0;
	}
	return ok;
}
