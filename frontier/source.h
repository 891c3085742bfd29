/*
 * source.h --
 *	The input of an import that is not a target list (`bogons load`,
 *	`import dbip`): a file, or a URL fetched with the validators its last
 *	import stored in pingsvc.import_sources (fetch.h), so that a refresh
 *	of an unchanged list costs one conditional request and changes
 *	nothing; and the record of an import in that table.
 */
#ifndef PINGSVC_FRONTIER_SOURCE_H
#define PINGSVC_FRONTIER_SOURCE_H

#include <libpq-fe.h>

#include "errbuf.h"
#include "fetch.h"

/*
 * source_get --
 *	The bytes of 'path' into '*f' (release with fetch_result_free): a
 *	file (at most 'max' bytes), or a URL (fetch_is_url) fetched with the
 *	validators stored for ('path', 'format') when 'conditional', else
 *	without (a refetch).  f->unchanged when the server answered 304 (no
 *	body).  Returns 0, or -1 with 'eb' naming 'path'.
 */
int source_get(PGconn *db, const char *path, const char *format, long long max,
    int conditional, struct fetch_result *f, struct errbuf *eb);

/*
 * source_remember --
 *	Record an import of 'path' as 'format' from 'provider' in
 *	pingsvc.import_sources ('count' items read, 'added' kept), with the
 *	validators of 'f' (NULL ones for a file), in the caller's
 *	transaction.  Returns 0 or -1 with 'eb'.
 */
int source_remember(PGconn *db, const char *path, const char *format,
    const char *provider, long long count, long long added,
    const struct fetch_result *f, struct errbuf *eb);

#endif
