/*
 * settings.h --
 *	etc/ingest.conf: every setting of `pingsvc-ingest serve`, with its
 *	default and range.  Unknown settings are refused (conf.h).
 */
#ifndef PINGSVC_INGEST_SETTINGS_H
#define PINGSVC_INGEST_SETTINGS_H

#include "conf.h"
#include "dyndns.h"
#include "errbuf.h"
#include "log.h"

struct settings {
	struct conf *conf;    /* owns the strings below */
	const char *listen;   /* address to bind, "0.0.0.0" */
	int port;             /* 8443 */
	int tls;              /* 0 only when the file says tls = false */
	const char *tls_cert; /* PEM certificate chain file */
	const char *tls_key;  /* PEM private key file */
	int threads;          /* libmicrohttpd thread pool */
	int max_connections;  /* concurrent client connections */
	int conn_timeout_s;   /* idle connection timeout, s */
	const char *db;       /* conninfo; "" = PG* variables */
	int db_pool;          /* PostgreSQL connections */
	int db_wait_ms;       /* wait for a free connection, ms */
	int db_retry_min_ms;  /* first reconnect delay, ms */
	int db_retry_max_ms;  /* longest reconnect delay, ms */
	int db_statement_ms;  /* statement_timeout, ms */
	long long max_body;   /* request body limit, bytes */
	int max_results;      /* results per submit */
	int claim_max;        /* jobs per claim */
	int lease_s;          /* lease length, s */
	int silent_after_s;   /* /metrics: silent workers after, s */
	int derive_inline;    /* derive = "inline" (1) or "deferred" (0) */
	enum log_level log_level;
	struct dyndns_conf *dyndns; /* the dyndns group, or NULL */
};

/*
 * settings_load --
 *	Defaults, then the file at 'path' (required: TLS needs tls_cert and
 *	tls_key, or an explicit tls = false).  Returns 0, or -1 with 'eb'
 *	naming the file and setting.  Free with settings_free (also after a
 *	failure).
 */
int settings_load(struct settings *s, const char *path, struct errbuf *eb);

/* settings_free -- Release the file's strings.  NULL-safe. */
void settings_free(struct settings *s);

#endif
