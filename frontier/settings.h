/*
 * settings.h --
 *	The frontier's configuration (etc/frontier.conf, libconfig syntax):
 *	every key, its default and its range.  Unknown keys are refused.
 */
#ifndef PINGSVC_FRONTIER_SETTINGS_H
#define PINGSVC_FRONTIER_SETTINGS_H

#include "addr.h"
#include "conf.h"
#include "errbuf.h"

struct settings {
	struct conf *conf;           /* owns the strings below */
	const char *db;              /* conninfo; "" = PG* variables */
	const char *log_level;       /* error, warn, info, debug */
	struct prefix_set allow;     /* ranges permitted despite their class */
	struct prefix_set deny;      /* bogon files etc., refused */
	long long import_per_prefix; /* /20 blocks per wide IPv4 prefix */
	long long import_max_bytes;  /* largest input file (bytes) */
	long long interval;          /* s between cycles */
	long long budget;            /* targets scheduled per cycle */
	long long prefix_budget;     /* targets per /24 (/48) per cycle */
	long long vantages;          /* K: traceroute vantages per target */
	long long worker_online;     /* s: a worker seen since is online */
	long long tcp_port;          /* port of TCP-only jobs */
	int stop_sets;               /* stop sets on discovery traces */
	long long maintain_every;    /* s between partition maintenance */
	long long lock_timeout_ms;   /* for maintenance (ms) */
	long long score_window;      /* s of results scoring looks at */
	long long score_half_life;   /* s: a result's weight halves */
	long long score_every;       /* s between two scorings */
};

/*
 * settings_load --
 *	Fill 's' with defaults, then from the file at 'path' (NULL: defaults
 *	only).  Returns 0, or -1 with 'eb' naming the file, line and key.
 *	Release with settings_free.
 */
int settings_load(struct settings *s, const char *path, struct errbuf *eb);

/* settings_free -- Release 's'.  NULL-safe. */
void settings_free(struct settings *s);

#endif
