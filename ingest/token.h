/*
 * token.h --
 *	Worker bearer tokens.  A token is "<worker_id>.<64 hex digits>": the
 *	number says which workers row to read, the 32 random bytes (from
 *	getrandom) are the secret.  Only sha256 of the secret's hex text is
 *	stored (workers.token_hash); the gateway compares hashes in constant
 *	time, so a guess reveals nothing through timing.
 */
#ifndef PINGSVC_INGEST_TOKEN_H
#define PINGSVC_INGEST_TOKEN_H

#include <stddef.h>
#include <stdint.h>

#include "errbuf.h"

#define TOKEN_SECRET_BYTES 32
#define TOKEN_SECRET_HEX   (2 * TOKEN_SECRET_BYTES)
#define TOKEN_HASH_BYTES   32
#define TOKEN_MAX          (20 + 1 + TOKEN_SECRET_HEX)

/*
 * token_secret_new --
 *	Fill 'hex' (TOKEN_SECRET_HEX + 1 bytes) with a fresh random secret.
 *	Returns 0, or -1 with 'eb'.
 */
int token_secret_new(char *hex, struct errbuf *eb);

/*
 * token_hash --
 *	sha256 of the 'len' bytes of 'secret' into 'out' (32 bytes).
 *	Returns 0 or -1.
 */
int token_hash(const char *secret, size_t len, unsigned char *out);

/*
 * token_parse --
 *	Split a presented token into its worker id and secret.  '*secret'
 *	points into 'tok'.  Returns 0, or -1 when it is not of the form
 *	"<id>.<64 hex>" (the caller answers 401 without saying more).
 */
int token_parse(const char *tok, int64_t *worker_id, const char **secret);

/* token_equal -- 1 when the two 32-byte hashes match; constant time. */
int token_equal(const unsigned char *a, const unsigned char *b);

/*
 * token_hash_from_bytea --
 *	Decode PostgreSQL's hex bytea text ("\x...") of a stored hash into
 *	'out' (32 bytes).  Returns 0, or -1 when it is not 32 bytes.
 */
int token_hash_from_bytea(const char *text, unsigned char *out);

#endif
