/*
 * client.h --
 *	The worker's side of the gateway contract (ingest/README.md): HTTPS
 *	POSTs of JSON to /v1/claim, /v1/submit and /v1/heartbeat with the
 *	worker's bearer token, through libcurl.  The system's CA store is
 *	used unless 'ca_file' names another bundle; 'pinned_pubkey' pins the
 *	gateway's public key (a self-signed gateway): given alone, the pin is
 *	the whole check (no chain, no host name); with 'ca_file', both.  The parsers of the
 *	gateway's answers are exported for the unit tests and the fuzzer:
 *	they read untrusted input.
 */
#ifndef PINGSVC_WORKER_CLIENT_H
#define PINGSVC_WORKER_CLIENT_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "errbuf.h"
#include "job.h"
#include "result.h"

#define CLIENT_MAX_BODY (16 * 1024 * 1024) /* largest answer read, bytes */

struct client; /* opaque */

struct client_conf {
	const char *url;           /* "https://gw:8443", no trailing /v1 */
	const char *token;         /* bearer token */
	const char *ca_file;       /* NULL: the system's CAs */
	const char *pinned_pubkey; /* NULL: no pinning */
	int timeout_s;             /* whole request, s */
};

/* One answer of the gateway. */
struct client_resp {
	long status;       /* HTTP status */
	struct buf body;   /* the body, NUL-terminated */
	int retry_after_s; /* Retry-After in seconds, -1 absent */
	double date;       /* Date header, s since the epoch, -1 absent */
	double t_sent;     /* local wall clock at send / answer, s */
	double t_done;
};

/* Per-item answer of a submit. */
enum client_ack { CLIENT_ACK_NONE = 0, CLIENT_ACK_STORED, CLIENT_ACK_DUP };

/*
 * client_new --
 *	A client for 'c' (strings copied).  Returns NULL with 'eb'.
 *	curl_global_init must have been called.
 */
struct client *client_new(const struct client_conf *c, struct errbuf *eb);

/* client_free -- NULL-safe. */
void client_free(struct client *c);

/*
 * client_post --
 *	POST 'len' bytes of JSON 'body' to 'path' ("/v1/claim").  Returns 0
 *	when an HTTP answer came (any status: see r->status), or -1 with 'eb'
 *	when none did (connection, TLS, timeout).  '*r' is reset first and
 *	belongs to the caller (client_resp_free).
 */
int client_post(struct client *c, const char *path, const char *body,
    size_t len, struct client_resp *r, struct errbuf *eb);

/* client_resp_free -- Release the body; '*r' may be reused. */
void client_resp_free(struct client_resp *r);

/*
 * client_parse_claim --
 *	Decode a claim answer {"jobs": [...], "server_time": T}: the jobs
 *	(lib/job.h's decoder) into '*jobs' (caller frees; '*n' of them) and
 *	server_time into '*server_time' (-1 when absent).  A job the decoder
 *	refuses is skipped and counted in '*bad'.  Returns 0, or -1 with 'eb'
 *	when the answer as a whole is not a claim answer.
 */
int client_parse_claim(const char *text, size_t len, struct job **jobs,
    size_t *n, size_t *bad, double *server_time, struct errbuf *eb);

/*
 * client_parse_submit --
 *	Decode a submit answer {"results": [{"idem_key", "status"}]} and set
 *	acks[i] for each of the 'n' keys the batch sent ('keys[i]'), matched
 *	by key (not by position).  Keys the answer does not mention stay
 *	CLIENT_ACK_NONE.  Returns the number acknowledged, or -1 with 'eb'.
 */
int client_parse_submit(const char *text, size_t len,
    char (*keys)[RESULT_KEY_MAX + 1], size_t n, enum client_ack *acks,
    struct errbuf *eb);

/*
 * client_parse_error --
 *	From an error answer {"error": E, "detail": D}, copy "E: D" into
 *	'msg' and return the index i of the item the detail names
 *	("results[i]: ..."), or -1 when it names none.
 */
long client_parse_error(const char *text, size_t len, char *msg, size_t msglen);

/* client_time_now -- The wall clock, s since the epoch. */
double client_time_now(void);

#endif
