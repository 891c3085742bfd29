/*
 * geo_cmd.h --
 *	The geolocation commands: `import dbip FILE` (a DB-IP lite range
 *	database into pingsvc.geolocations) and `worker-location NAME LAT LON`
 *	(where a vantage stands; workers do not report it themselves).
 */
#ifndef PINGSVC_FRONTIER_GEO_CMD_H
#define PINGSVC_FRONTIER_GEO_CMD_H

#include <libpq-fe.h>

#include "errbuf.h"
#include "geo.h"

struct geo_dbip_counts {
	size_t ranges;   /* lines of the file */
	size_t prefixes; /* CIDR prefixes tiling them */
	struct geo_counts store;
	int unchanged; /* a URL that answered 304: nothing imported */
};

/*
 * geo_cmd_dbip --
 *	Read 'path', a file or a URL (at most 'max_bytes'; a URL fetched
 *	conditionally, source.h: a 304 sets c->unchanged and imports
 *	nothing), parse it (import_dbip.h) and, in one transaction, make its
 *	prefixes the rows of 'source' (method database) in
 *	pingsvc.geolocations and record the input in pingsvc.import_sources
 *	(format "dbip", with a URL's validators).  All or nothing: a bad
 *	line, a failed download or a database error changes nothing.  Returns 0 with '*c', or -1 with 'eb'
 *	("FILE: line N: ...").
 */
int geo_cmd_dbip(PGconn *db, const char *path, const char *source,
    long long max_bytes, struct geo_dbip_counts *c, struct errbuf *eb);

/*
 * geo_cmd_worker_location --
 *	Set the location (and the label, when 'label' is not NULL) of the
 *	worker called 'name'.  'lat' in -90..90, 'lon' in -180..180 degrees.
 *	Returns 0, or -1 with 'eb' (no such worker, database).
 */
int geo_cmd_worker_location(PGconn *db, const char *name, double lat,
    double lon, const char *label, struct errbuf *eb);

#endif
