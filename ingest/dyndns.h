/*
 * dyndns.h --
 *	Keeping a dynamic DNS name pointed at the gateway: the dyndns2 update
 *	protocol (GET /nic/update?hostname=H&myip=A with basic auth over
 *	HTTPS), which dy.fi and most providers speak.  A thread of
 *	`pingsvc-ingest serve`, started only when etc/ingest.conf has a
 *	`dyndns` group.  It sends an update only when the public address
 *	changed or the provider's refresh interval passed, backs off after
 *	errors, stops for good after an answer that says the request can never
 *	succeed (badauth, nohost, ...), and keeps its state in a small file so
 *	that a restart does not update again.
 */
#ifndef PINGSVC_INGEST_DYNDNS_H
#define PINGSVC_INGEST_DYNDNS_H

#include <stddef.h>
#include <time.h>

#include "conf.h"
#include "errbuf.h"

#define DYNDNS_ADDR_MAX 46 /* INET6_ADDRSTRLEN */

/* The `dyndns` group of etc/ingest.conf (strings belong to the conf). */
struct dyndns_conf {
	const char *server;      /* update URL, https://.../nic/update */
	const char *hostname;    /* the name to keep current */
	const char *user;        /* basic auth user */
	char *password;          /* owned: from `password` or password_file */
	const char *address_url; /* "what is my IP" URL, or NULL */
	const char *address;     /* fixed address, or NULL */
	const char *interface;   /* take the interface's address, or NULL */
	const char *ca_file;     /* CA bundle for both URLs, or NULL */
	const char *state_file;  /* last update, kept across restarts */
	int refresh_days;        /* update at least this often, days */
	int check_s;             /* look at the public address this often, s */
	int retry_s;             /* first wait after an error, s (doubles) */
	int timeout_s;           /* whole HTTP request, s */
};

/*
 * The dotted keys of the group, for conf_check_known (settings.c lists
 * them with the gateway's own).
 */
#define DYNDNS_CONF_KEYS                                                       \
	"dyndns.server", "dyndns.hostname", "dyndns.user", "dyndns.password",  \
	    "dyndns.password_file", "dyndns.address_url", "dyndns.address",    \
	    "dyndns.interface", "dyndns.ca_file", "dyndns.state_file",         \
	    "dyndns.refresh_days", "dyndns.check_s", "dyndns.retry_s",         \
	    "dyndns.timeout_s"

/*
 * dyndns_conf_load --
 *	Read the `dyndns` group of 'c' (the file 'path', for messages).  Sets
 *	'*out' to NULL when the file has no dyndns setting, else to a new
 *	config (free with dyndns_conf_free).  Returns 0, or -1 with 'eb'
 *	naming the setting (missing, wrong, unreadable password_file, not
 *	exactly one address source, a non-https server URL).
 */
int dyndns_conf_load(const struct conf *c, const char *path,
    struct dyndns_conf **out, struct errbuf *eb);

/* dyndns_conf_free -- Release 'dc' (wiping the password).  NULL-safe. */
void dyndns_conf_free(struct dyndns_conf *dc);

/* What a dyndns2 answer means for us. */
enum dyndns_verdict {
	DYNDNS_OK,    /* good, nochg: the name holds the address */
	DYNDNS_FATAL, /* badauth, nohost, notfqdn, abuse, ...: never retry */
	DYNDNS_RETRY, /* 911, dnserr, anything unknown: retry after backoff */
};

/*
 * dyndns_parse_answer --
 *	Classify the body of an update answer (its first word; dy.fi and
 *	dyndns2 answer one line per hostname).  Copies that word into 'code'
 *	(at most 'len' - 1 bytes, "" for an empty body).
 */
enum dyndns_verdict dyndns_parse_answer(
    const char *body, char *code, size_t len);

/*
 * dyndns_address_from_text --
 *	Find the first IPv4 or IPv6 address in 'text' (a "what is my IP"
 *	answer: a bare address, or HTML such as "Current IP Address:
 *	192.0.2.7").  Writes it to 'out' (DYNDNS_ADDR_MAX bytes).  Returns 0,
 *	or -1 when there is none.
 */
int dyndns_address_from_text(const char *text, char out[DYNDNS_ADDR_MAX]);

/* The state kept across restarts (the state file). */
struct dyndns_state {
	char address[DYNDNS_ADDR_MAX]; /* what the provider last accepted */
	time_t updated;                /* when, s since the epoch; 0 never */
	time_t retry_at;               /* no request before this, s */
	int backoff_s;                 /* the current error backoff, s */
	int blocked;                   /* a fatal answer for this config */
	char code[32];                 /* the last answer's first word */
	char config[65];               /* SHA-256 (hex) of the config */
};

/*
 * dyndns_due --
 *	Whether an update should go out now for public address 'addr':
 *	never while blocked for the config whose fingerprint is 'config', or
 *	before retry_at; else when the address differs from the last one
 *	accepted, or 'refresh_s' passed since the last update.
 */
int dyndns_due(const struct dyndns_state *st, const char *addr,
    const char *config, time_t now, long refresh_s);

struct dyndns; /* opaque: the running updater */

/*
 * dyndns_start --
 *	Start the updater thread for 'dc' (borrowed: it must outlive
 *	dyndns_stop).  Call before other threads use libcurl (it calls
 *	curl_global_init).  Returns the updater, or NULL with 'eb'.
 */
struct dyndns *dyndns_start(const struct dyndns_conf *dc, struct errbuf *eb);

/*
 * dyndns_stop --
 *	Ask the thread to stop (an HTTP request in flight is aborted), join
 *	it and free 'd'.  NULL-safe.
 */
void dyndns_stop(struct dyndns *d);

#endif
