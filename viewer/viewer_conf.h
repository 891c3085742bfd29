/*
 * viewer_conf.h --
 *	Reading etc/viewer.conf into struct viewer_conf (view.h).
 */
#ifndef PINGSVC_VIEWER_CONF_H
#define PINGSVC_VIEWER_CONF_H

#include "conf.h"
#include "view.h"

/* Where the configuration is looked for when PINGSVC_VIEWER_CONF is unset. */
#ifndef VIEWER_CONF_PATH
#define VIEWER_CONF_PATH "/etc/pingsvc/viewer.conf"
#endif

/*
 * viewer_conf_load --
 *	Fill 'vc' from the file 'path' (NULL: defaults only).  Strings in
 *	'vc' point into '*cp' (conf_free it after use, even on failure; it
 *	may be NULL).  'vc->allow' is freed with prefix_set_free.  Returns 0,
 *	or -1 with 'eb' naming the file, setting and what is wrong.
 */
int viewer_conf_load(const char *path, struct viewer_conf *vc, struct conf **cp,
    struct errbuf *eb);

#endif
