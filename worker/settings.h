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

struct settings {
	int rate_pps;            /* global probe cap, probes per second */
	int target_interval_ms;  /* min. gap between measurements of one
				   target, ms */
	const char *user;        /* service user to drop privileges to */
	struct prefix_set allow; /* ranges permitted despite their class */
	struct prefix_set deny;  /* bogons and opt-outs, from 'bogons' */
	const char *bogons;      /* file of CIDRs, or NULL */
	enum log_level log_level;
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
