/*
 * settings.h --
 *	The worker's configuration file (etc/worker.conf, libconfig syntax),
 *	validated with lib/conf: every key typed and ranged, unknown keys
 *	are errors.  etc/worker.conf documents each key.
 */
#ifndef PINGSVC_WORKER_SETTINGS_H
#define PINGSVC_WORKER_SETTINGS_H

#include "addr.h"
#include "conf.h"
#include "errbuf.h"
#include "log.h"

#define SETTINGS_DEF_RATE_PPS    100
#define SETTINGS_DEF_INTERVAL_MS 1000
#define SETTINGS_DEF_USER        "nobody"

/* Daemon mode (`run`) defaults. */
#define SETTINGS_DEF_SPOOL_DIR      "/var/lib/pingsvc-worker/spool"
#define SETTINGS_DEF_SPOOL_MAX      67108864 /* 64 MiB */
#define SETTINGS_DEF_CLAIM_MAX      50
#define SETTINGS_DEF_SUBMIT_MAX     500
#define SETTINGS_DEF_HEARTBEAT_S    60
#define SETTINGS_DEF_IDLE_S         10
#define SETTINGS_DEF_HTTP_TIMEOUT_S 30
#define SETTINGS_DEF_BACKOFF_MAX_S  60
#define SETTINGS_DEF_STOP_GRACE_S   10
#define SETTINGS_DEF_METRICS        "127.0.0.1:9101"

struct settings {
	int rate_pps;            /* global probe cap, probes per second */
	int target_interval_ms;  /* min. gap between measurements of one
				   target, ms */
	const char *user;        /* service user to drop privileges to */
	struct prefix_set allow; /* ranges permitted despite their class */
	struct prefix_set deny;  /* bogons and opt-outs, from 'bogons' */
	const char *bogons;      /* file of CIDRs, or NULL */
	enum log_level log_level;

	/* Daemon mode (`run`); strings NULL or "" when not set. */
	const char *gateway_url;   /* https://host:8443 (no /v1) */
	const char *token;         /* bearer token, or */
	const char *token_file;    /* a file holding it (first line) */
	const char *ca_file;       /* PEM CA bundle instead of the system's */
	const char *pinned_pubkey; /* CURLOPT_PINNEDPUBLICKEY value */
	const char *spool_dir;
	long long spool_max_bytes;  /* bound of the spool, bytes */
	int claim_max;              /* jobs asked for per claim */
	int submit_max;             /* results per submit */
	int heartbeat_s;            /* between heartbeats, s */
	int idle_s;                 /* wait after an empty claim, s */
	int http_timeout_s;         /* whole request, s */
	int backoff_max_s;          /* cap of the retry backoff, s */
	int stop_grace_s;           /* wait for probes in flight at stop, s */
	const char *metrics_listen; /* "ADDR:PORT", "" for none */

	/* The self-test's real-egress probe (sock_probe_caps). */
	struct addr selftest_addr;
	int has_selftest_addr;

	struct conf *conf; /* owns the strings above */
};

/*
 * settings_load --
 *	Fill '*s' from the file 'path', or with the defaults when 'path' is
 *	NULL.  Returns 0, or -1 with 'eb' naming the file, line and key.
 *	Release with settings_free (also after a failure).
 */
int settings_load(struct settings *s, const char *path, struct errbuf *eb);

/* settings_free -- Release what '*s' holds. */
void settings_free(struct settings *s);

#endif
