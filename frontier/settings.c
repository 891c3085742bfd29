/*
 * settings.c --
 *	Loading etc/frontier.conf; the keys are documented in that file.
 */
#include <stdlib.h>
#include <string.h>

#include "settings.h"

static const char *const settings_known[] = {
	"db",
	"log_level",
	"allow",
	"deny_files",
	"import.per_prefix",
	"import.max_bytes",
	"schedule.interval",
	"schedule.budget",
	"schedule.prefix_budget",
	"schedule.vantages",
	"schedule.worker_online",
	"schedule.tcp_port",
	"schedule.stop_sets",
	"schedule.maintain_every",
	"schedule.lock_timeout_ms",
	"score.window",
	"score.half_life",
	"score.every",
	NULL,
};

int
settings_load(struct settings *s, const char *path, struct errbuf *eb)
{
	const char **list, *stop_sets;
	size_t n, i;

	memset(s, 0, sizeof(*s));
	if (path == NULL) {
		if ((s->conf = conf_load_string("", "(defaults)", eb)) == NULL)
			return -1;
	} else if ((s->conf = conf_load(path, eb)) == NULL)
		return -1;
	if (conf_check_known(s->conf, settings_known, eb) == -1 ||
	    conf_str(s->conf, "db", "", 0, &s->db, eb) == -1 ||
	    conf_str(s->conf, "log_level", "info", 1, &s->log_level, eb) ==
		-1 ||
	    conf_int(s->conf, "import.per_prefix", 4, 1, 4096,
		&s->import_per_prefix, eb) == -1 ||
	    conf_int(s->conf, "import.max_bytes", 64LL << 20, 1024, 1LL << 30,
		&s->import_max_bytes, eb) == -1 ||
	    conf_int(s->conf, "schedule.interval", 60, 1, 86400, &s->interval,
		eb) == -1 ||
	    conf_int(s->conf, "schedule.budget", 5000, 1, 10000000, &s->budget,
		eb) == -1 ||
	    conf_int(s->conf, "schedule.prefix_budget", 4, 1, 65536,
		&s->prefix_budget, eb) == -1 ||
	    conf_int(s->conf, "schedule.vantages", 3, 0, 100, &s->vantages,
		eb) == -1 ||
	    conf_int(s->conf, "schedule.worker_online", 300, 1, 86400 * 7,
		&s->worker_online, eb) == -1 ||
	    conf_int(s->conf, "schedule.tcp_port", 443, 1, 65535, &s->tcp_port,
		eb) == -1 ||
	    conf_int(s->conf, "schedule.maintain_every", 86400, 60, 86400 * 7,
		&s->maintain_every, eb) == -1 ||
	    conf_int(s->conf, "schedule.lock_timeout_ms", 5000, 1, 600000,
		&s->lock_timeout_ms, eb) == -1 ||
	    conf_int(s->conf, "score.window", 7 * 86400, 3600, 180 * 86400,
		&s->score_window, eb) == -1 ||
	    conf_int(s->conf, "score.half_life", 86400, 60, 180 * 86400,
		&s->score_half_life, eb) == -1 ||
	    conf_int(s->conf, "score.every", 600, 0, 86400, &s->score_every,
		eb) == -1)
		goto fail;
	if (conf_str(s->conf, "schedule.stop_sets", "on", 1, &stop_sets, eb) ==
	    -1)
		goto fail;
	if (strcmp(stop_sets, "on") != 0 && strcmp(stop_sets, "off") != 0) {
		errbuf_set(eb, "schedule.stop_sets: \"%s\" is not on or off",
		    stop_sets);
		goto fail;
	}
	s->stop_sets = strcmp(stop_sets, "on") == 0;
	if (conf_str_list(s->conf, "allow", &list, &n, eb) == -1)
		goto fail;
	for (i = 0; i < n; i++)
		if (prefix_set_add_str(&s->allow, list[i], eb) == -1) {
			errbuf_prefix(eb, "allow");
			goto fail;
		}
	if (conf_str_list(s->conf, "deny_files", &list, &n, eb) == -1)
		goto fail;
	for (i = 0; i < n; i++)
		if (prefix_set_load(&s->deny, list[i], eb) == -1)
			goto fail;
	return 0;
fail:
	if (path != NULL)
		errbuf_prefix(eb, "%s", path);
	settings_free(s);
	return -1;
}

void
settings_free(struct settings *s)
{
	if (s == NULL)
		return;
	prefix_set_free(&s->allow);
	prefix_set_free(&s->deny);
	conf_free(s->conf);
	s->conf = NULL;
}
