/*
 * settings.c --
 *	Loading etc/worker.conf (see settings.h).
 */
#include <string.h>

#include "settings.h"

/* Every key the file may hold; anything else is a typo (conf.h). */
static const char *const known[] = {
	"rate_pps",
	"target_interval_ms",
	"user",
	"allow",
	"bogons",
	"log_level",
	"gateway_url",
	"token",
	"token_file",
	"ca_file",
	"pinned_pubkey",
	"spool_dir",
	"spool_max_bytes",
	"claim_max",
	"submit_max",
	"heartbeat_s",
	"idle_s",
	"http_timeout_s",
	"backoff_max_s",
	"stop_grace_s",
	"metrics_listen",
	"selftest_address",
	NULL,
};

static void
settings_defaults(struct settings *s)
{
	memset(s, 0, sizeof(*s));
	s->rate_pps = SETTINGS_DEF_RATE_PPS;
	s->target_interval_ms = SETTINGS_DEF_INTERVAL_MS;
	s->user = SETTINGS_DEF_USER;
	s->allow = (struct prefix_set)PREFIX_SET_INIT;
	s->deny = (struct prefix_set)PREFIX_SET_INIT;
	s->log_level = LOG_LVL_INFO;
	s->spool_dir = SETTINGS_DEF_SPOOL_DIR;
	s->spool_max_bytes = SETTINGS_DEF_SPOOL_MAX;
	s->claim_max = SETTINGS_DEF_CLAIM_MAX;
	s->submit_max = SETTINGS_DEF_SUBMIT_MAX;
	s->heartbeat_s = SETTINGS_DEF_HEARTBEAT_S;
	s->idle_s = SETTINGS_DEF_IDLE_S;
	s->http_timeout_s = SETTINGS_DEF_HTTP_TIMEOUT_S;
	s->backoff_max_s = SETTINGS_DEF_BACKOFF_MAX_S;
	s->stop_grace_s = SETTINGS_DEF_STOP_GRACE_S;
	s->metrics_listen = SETTINGS_DEF_METRICS;
}

/* An integer key into an int field. */
static int
int_key(struct settings *s, const char *key, long long def, long long min,
    long long max, int *out, struct errbuf *eb)
{
	long long v;

	if (conf_int(s->conf, key, def, min, max, &v, eb) == -1)
		return -1;
	*out = (int)v;
	return 0;
}

/* The keys of the daemon mode. */
static int
settings_daemon(struct settings *s, const char *path, struct errbuf *eb)
{
	const char *url;

	if (conf_str(s->conf, "gateway_url", NULL, 0, &s->gateway_url, eb) ==
		-1 ||
	    conf_str(s->conf, "token", NULL, 0, &s->token, eb) == -1 ||
	    conf_str(s->conf, "token_file", NULL, 0, &s->token_file, eb) ==
		-1 ||
	    conf_str(s->conf, "ca_file", NULL, 0, &s->ca_file, eb) == -1 ||
	    conf_str(s->conf, "pinned_pubkey", NULL, 0, &s->pinned_pubkey,
		eb) == -1 ||
	    conf_str(s->conf, "spool_dir", SETTINGS_DEF_SPOOL_DIR, 1,
		&s->spool_dir, eb) == -1 ||
	    conf_int(s->conf, "spool_max_bytes", SETTINGS_DEF_SPOOL_MAX, 4096,
		1LL << 40, &s->spool_max_bytes, eb) == -1 ||
	    int_key(s, "claim_max", SETTINGS_DEF_CLAIM_MAX, 1, 10000,
		&s->claim_max, eb) == -1 ||
	    int_key(s, "submit_max", SETTINGS_DEF_SUBMIT_MAX, 1, 100000,
		&s->submit_max, eb) == -1 ||
	    int_key(s, "heartbeat_s", SETTINGS_DEF_HEARTBEAT_S, 1, 86400,
		&s->heartbeat_s, eb) == -1 ||
	    int_key(s, "idle_s", SETTINGS_DEF_IDLE_S, 1, 3600, &s->idle_s,
		eb) == -1 ||
	    int_key(s, "http_timeout_s", SETTINGS_DEF_HTTP_TIMEOUT_S, 1, 600,
		&s->http_timeout_s, eb) == -1 ||
	    int_key(s, "backoff_max_s", SETTINGS_DEF_BACKOFF_MAX_S, 1, 3600,
		&s->backoff_max_s, eb) == -1 ||
	    int_key(s, "stop_grace_s", SETTINGS_DEF_STOP_GRACE_S, 0, 600,
		&s->stop_grace_s, eb) == -1 ||
	    conf_str(s->conf, "metrics_listen", SETTINGS_DEF_METRICS, 0,
		&s->metrics_listen, eb) == -1)
		return -1;
	url = s->gateway_url;
	if (url != NULL && *url != '\0' && strncmp(url, "https://", 8) != 0 &&
	    strncmp(url, "http://", 7) != 0)
		return errbuf_set(eb,
		    "%s: gateway_url: \"%s\" is not an https:// URL", path,
		    url);
	if (s->token != NULL && *s->token != '\0' && s->token_file != NULL &&
	    *s->token_file != '\0')
		return errbuf_set(eb,
		    "%s: token and token_file: set one of them, not both",
		    path);
	return 0;
}

/*
 * selftest_address: an IPv4 address the safety rule lets us probe (the
 * self-test sends it up to four ICMP echoes).
 */
static int
settings_selftest(struct settings *s, const char *path, struct errbuf *eb)
{
	const char *a;

	if (conf_str(s->conf, "selftest_address", NULL, 0, &a, eb) == -1)
		return -1;
	if (a == NULL || *a == '\0')
		return 0;
	if (addr_parse(a, &s->selftest_addr, eb) == -1)
		return errbuf_prefix(eb, "%s: selftest_address", path);
	if (s->selftest_addr.af != 4)
		return errbuf_set(eb,
		    "%s: selftest_address: \"%s\" is not an IPv4 address", path,
		    a);
	if (addr_check_target(&s->selftest_addr, &s->allow, &s->deny, eb) == -1)
		return errbuf_prefix(eb, "%s: selftest_address", path);
	s->has_selftest_addr = 1;
	return 0;
}

int
settings_load(struct settings *s, const char *path, struct errbuf *eb)
{
	const char **list, *level;
	long long v;
	size_t n, i;
	int rc = -1;

	settings_defaults(s);
	if (path == NULL)
		return 0;
	if ((s->conf = conf_load(path, eb)) == NULL)
		goto out;
	if (conf_check_known(s->conf, known, eb) == -1)
		goto out;
	if (conf_int(s->conf, "rate_pps", SETTINGS_DEF_RATE_PPS, 1, 1000000, &v,
		eb) == -1)
		goto out;
	s->rate_pps = (int)v;
	if (conf_int(s->conf, "target_interval_ms", SETTINGS_DEF_INTERVAL_MS, 0,
		86400000, &v, eb) == -1)
		goto out;
	s->target_interval_ms = (int)v;
	if (conf_str(s->conf, "user", SETTINGS_DEF_USER, 1, &s->user, eb) == -1)
		goto out;
	if (conf_str_list(s->conf, "allow", &list, &n, eb) == -1)
		goto out;
	for (i = 0; i < n; i++)
		if (prefix_set_add_str(&s->allow, list[i], eb) == -1) {
			errbuf_prefix(eb, "%s: allow[%zu]", path, i);
			goto out;
		}
	if (conf_str(s->conf, "bogons", NULL, 0, &s->bogons, eb) == -1)
		goto out;
	if (s->bogons != NULL && *s->bogons != '\0' &&
	    prefix_set_load(&s->deny, s->bogons, eb) == -1)
		goto out;
	if (conf_str(s->conf, "log_level", "info", 1, &level, eb) == -1)
		goto out;
	if (log_level_parse(level, &s->log_level) == -1) {
		errbuf_set(eb,
		    "%s: log_level: \"%s\" is not error, warn, info or debug",
		    path, level);
		goto out;
	}
	if (settings_daemon(s, path, eb) == -1)
		goto out;
	if (settings_selftest(s, path, eb) == -1)
		goto out;
	rc = 0;
out:
	return rc;
}

void
settings_free(struct settings *s)
{
	prefix_set_free(&s->allow);
	prefix_set_free(&s->deny);
	conf_free(s->conf);
	s->conf = NULL;
}
