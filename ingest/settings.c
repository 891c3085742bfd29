/*
 * settings.c --
 *	Loading etc/ingest.conf (see settings.h).
 */
#include <string.h>

#include "settings.h"

static const char *const known[] = {
	"listen",
	"port",
	"tls",
	"tls_cert",
	"tls_key",
	"threads",
	"max_connections",
	"connection_timeout_s",
	"db",
	"db_pool",
	"db_wait_ms",
	"db_retry_min_ms",
	"db_retry_max_ms",
	"db_statement_timeout_ms",
	"max_body_bytes",
	"max_results",
	"claim_max",
	"lease_s",
	"silent_after_s",
	"log_level",
	"derive",
	DYNDNS_CONF_KEYS,
	NULL,
};

static int
get_int(struct settings *s, const char *key, long long def, long long min,
    long long max, int *out, struct errbuf *eb)
{
	long long v;

	if (conf_int(s->conf, key, def, min, max, &v, eb) == -1)
		return -1;
	*out = (int)v;
	return 0;
}

int
settings_load(struct settings *s, const char *path, struct errbuf *eb)
{
	const char *level, *derive;

	memset(s, 0, sizeof(*s));
	if ((s->conf = conf_load(path, eb)) == NULL)
		return -1;
	if (conf_check_known(s->conf, known, eb) == -1 ||
	    conf_str(s->conf, "listen", "0.0.0.0", 1, &s->listen, eb) == -1 ||
	    get_int(s, "port", 8443, 1, 65535, &s->port, eb) == -1 ||
	    conf_bool(s->conf, "tls", 1, &s->tls, eb) == -1 ||
	    conf_str(s->conf, "tls_cert", NULL, 0, &s->tls_cert, eb) == -1 ||
	    conf_str(s->conf, "tls_key", NULL, 0, &s->tls_key, eb) == -1 ||
	    get_int(s, "threads", 8, 1, 256, &s->threads, eb) == -1 ||
	    get_int(s, "max_connections", 1024, 1, 65536, &s->max_connections,
		eb) == -1 ||
	    get_int(s, "connection_timeout_s", 30, 1, 3600, &s->conn_timeout_s,
		eb) == -1 ||
	    conf_str(s->conf, "db", "", 0, &s->db, eb) == -1 ||
	    get_int(s, "db_pool", 4, 1, 256, &s->db_pool, eb) == -1 ||
	    get_int(s, "db_wait_ms", 2000, 0, 60000, &s->db_wait_ms, eb) ==
		-1 ||
	    get_int(s, "db_retry_min_ms", 250, 10, 60000, &s->db_retry_min_ms,
		eb) == -1 ||
	    get_int(s, "db_retry_max_ms", 10000, 10, 600000,
		&s->db_retry_max_ms, eb) == -1 ||
	    get_int(s, "db_statement_timeout_ms", 30000, 0, 3600000,
		&s->db_statement_ms, eb) == -1 ||
	    conf_int(s->conf, "max_body_bytes", 8 << 20, 1024, 1LL << 30,
		&s->max_body, eb) == -1 ||
	    get_int(s, "max_results", 1000, 1, 100000, &s->max_results, eb) ==
		-1 ||
	    get_int(s, "claim_max", 100, 1, 10000, &s->claim_max, eb) == -1 ||
	    get_int(s, "lease_s", 300, 1, 86400, &s->lease_s, eb) == -1 ||
	    get_int(s, "silent_after_s", 3600, 60, 31622400, &s->silent_after_s,
		eb) == -1 ||
	    conf_str(s->conf, "log_level", "info", 1, &level, eb) == -1 ||
	    conf_str(s->conf, "derive", "inline", 1, &derive, eb) == -1)
		return -1;
	if (strcmp(derive, "inline") == 0)
		s->derive_inline = 1;
	else if (strcmp(derive, "deferred") != 0)
		return errbuf_set(eb,
		    "%s: derive: \"%s\" is not inline or deferred", path,
		    derive);
	if (log_level_parse(level, &s->log_level) == -1)
		return errbuf_set(eb,
		    "%s: log_level: \"%s\" is not error, warn, info or debug",
		    path, level);
	if (s->db_retry_max_ms < s->db_retry_min_ms)
		return errbuf_set(
		    eb, "%s: db_retry_max_ms is below db_retry_min_ms", path);
	if (s->tls && (s->tls_cert == NULL || s->tls_key == NULL))
		return errbuf_set(eb,
		    "%s: tls_cert and tls_key are required (or say "
		    "tls = false to serve plain HTTP)",
		    path);
	return dyndns_conf_load(s->conf, path, &s->dyndns, eb);
}

void
settings_free(struct settings *s)
{
	if (s == NULL)
		return;
	dyndns_conf_free(s->dyndns);
	s->dyndns = NULL;
	conf_free(s->conf);
	s->conf = NULL;
}
