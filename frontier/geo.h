/*
 * geo.h --
 *	Locations of prefixes for pingsvc.geolocations: rows gathered from a
 *	geofeed (country, region, city; the point is the country's from the
 *	basemap) or a range database (coordinates), then stored in one
 *	statement that replaces the rows of their source.
 */
#ifndef PINGSVC_FRONTIER_GEO_H
#define PINGSVC_FRONTIER_GEO_H

#include <libpq-fe.h>

#include "addr.h"
#include "buf.h"
#include "errbuf.h"

/* Rows waiting to be stored, kept as COPY text. */
struct geo_rows {
	struct buf copy;
	size_t n; /* rows */
};

#define GEO_ROWS_INIT                                                          \
	{                                                                      \
		BUF_INIT, 0                                                    \
	}

struct geo_counts {
	size_t located;   /* rows stored (new or updated) */
	size_t unlocated; /* no point: no coordinates, country not mapped */
	size_t removed;   /* rows of the source no longer in it */
};

/*
 * geo_rows_add --
 *	Add one prefix.  'country', 'region', 'city' may be NULL; 'lat' and
 *	'lon' NULL when the source has no coordinates (then the country's
 *	point is used).  Returns 0, or -1 with 'eb' (out of memory).
 */
int geo_rows_add(struct geo_rows *g, const struct prefix *p,
    const char *country, const char *region, const char *city,
    const double *lat, const double *lon, struct errbuf *eb);

/* geo_rows_free -- Release 'g'; it may be reused.  NULL-safe. */
void geo_rows_free(struct geo_rows *g);

/*
 * geo_store --
 *	In the caller's open transaction: store 'g' in pingsvc.geolocations
 *	with 'source' and 'method' ("geofeed" or "database"), and delete the
 *	rows of 'source' and 'method' that 'g' no longer holds.  A geofeed
 *	row is never overwritten by a database row of the same prefix.
 *	Returns 0 with '*c' filled, or -1 with 'eb'.
 */
int geo_store(PGconn *db, const struct geo_rows *g, const char *source,
    const char *method, struct geo_counts *c, struct errbuf *eb);

#endif
