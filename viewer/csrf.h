/*
 * csrf.h --
 *	Tokens that tie a control-plane form to the user it was shown to and
 *	to a time window: HMAC-SHA256(secret, "pingsvc-viewer-csrf" NUL user
 *	NUL window) in hex, window = floor(unix time / window_s).  A token is
 *	accepted in its window and the next, so a form stays usable for one
 *	to two windows and a token stolen later is worthless.
 */
#ifndef PINGSVC_VIEWER_CSRF_H
#define PINGSVC_VIEWER_CSRF_H

#include <time.h>

#include "errbuf.h"

#define CSRF_TOKEN_LEN 64 /* hex digits, without the NUL */

/*
 * csrf_token --
 *	Write the token of 'user' for the window holding 'now' into 'out'
 *	(CSRF_TOKEN_LEN + 1 bytes).  Returns 0, or -1 with 'eb'.
 */
int csrf_token(const char *secret, const char *user, time_t now,
    long long window_s, char *out, struct errbuf *eb);

/*
 * csrf_check --
 *	1 when 'token' is the token of 'user' for the window of 'now' or the
 *	one before (compared in constant time), else 0.
 */
int csrf_check(const char *secret, const char *user, const char *token,
    time_t now, long long window_s);

#endif
