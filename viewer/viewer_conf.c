/*
 * viewer_conf.c --
 *	etc/viewer.conf: the settings, their defaults and ranges (see
 *	etc/viewer.conf for what each does).
 */
#include <string.h>

#include "log.h"
#include "viewer_conf.h"

static const char *const known[] = { "db", "admin_db", "admins", "csrf_secret",
	"statement_timeout_ms", "csrf_window_s", "max_graph_nodes",
	"online_after_s", "max_rows", "allow", "log_level", NULL };

int
viewer_conf_load(const char *path, struct viewer_conf *vc, struct conf **cp,
    struct errbuf *eb)
{
	struct conf *c;
	const char **list, *level;
	enum log_level lvl;
	size_t n, i;

	memset(vc, 0, sizeof(*vc));
	vc->log_level = LOG_LVL_WARN;
	vc->statement_timeout_ms = 5000;
	vc->csrf_window_s = 3600;
	vc->max_graph_nodes = 200;
	vc->online_after_s = 300;
	vc->max_rows = 200;
	*cp = NULL;
	if (path == NULL)
		return 0;
	if ((c = conf_load(path, eb)) == NULL)
		return -1;
	*cp = c;
	if (conf_check_known(c, known, eb) != 0 ||
	    conf_str(c, "db", "", 0, &vc->db, eb) != 0 ||
	    conf_str(c, "admin_db", NULL, 0, &vc->admin_db, eb) != 0 ||
	    conf_str(c, "csrf_secret", NULL, 0, &vc->csrf_secret, eb) != 0 ||
	    conf_str(c, "log_level", "warn", 0, &level, eb) != 0 ||
	    conf_int(c, "statement_timeout_ms", 5000, 100, 600000,
		&vc->statement_timeout_ms, eb) != 0 ||
	    conf_int(c, "csrf_window_s", 3600, 60, 86400, &vc->csrf_window_s,
		eb) != 0 ||
	    conf_int(c, "max_graph_nodes", 200, 2, 5000, &vc->max_graph_nodes,
		eb) != 0 ||
	    conf_int(c, "online_after_s", 300, 10, 86400, &vc->online_after_s,
		eb) != 0 ||
	    conf_int(c, "max_rows", 200, 10, 10000, &vc->max_rows, eb) != 0 ||
	    conf_str_list(c, "admins", &list, &n, eb) != 0)
		goto fail;
	vc->admins = list;
	if (log_level_parse(level, &lvl) != 0) {
		errbuf_set(eb, "log_level: must be error, warn, info or debug");
		goto fail;
	}
	vc->log_level = (int)lvl;
	if (vc->csrf_secret != NULL && strlen(vc->csrf_secret) < 32) {
		errbuf_set(eb,
		    "csrf_secret: must be at least 32 characters "
		    "(e.g. openssl rand -hex 32)");
		goto fail;
	}
	if (n > 0 && vc->csrf_secret == NULL) {
		errbuf_set(eb, "admins: set csrf_secret too");
		goto fail;
	}
	if (conf_str_list(c, "allow", &list, &n, eb) != 0)
		goto fail;
	for (i = 0; i < n; i++)
		if (prefix_set_add_str(&vc->allow, list[i], eb) != 0) {
			errbuf_prefix(eb, "allow");
			goto fail;
		}
	return 0;
fail:
	errbuf_prefix(eb, "%s", path);
	return -1;
}
