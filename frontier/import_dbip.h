/*
 * import_dbip.h --
 *	Range geolocation databases in the DB-IP lite CSV layout
 *	("ip_start,ip_end,continent,country,stateprov,city,latitude,
 *	longitude", no header).  Each range is cut into the CIDR prefixes that
 *	tile it exactly, so that pingsvc.geolocations keeps one lookup rule
 *	(the most specific prefix >>= address, GiST inet_ops index).
 */
#ifndef PINGSVC_FRONTIER_IMPORT_DBIP_H
#define PINGSVC_FRONTIER_IMPORT_DBIP_H

#include <stddef.h>

#include "addr.h"
#include "errbuf.h"

/* One prefix of a range, with the range's fields. */
struct dbip_row {
	struct prefix prefix;
	const char *country; /* ISO 3166-1 alpha-2, upper case, or NULL */
	const char *region;  /* stateprov, or NULL when empty */
	const char *city;    /* or NULL when empty */
	double lat, lon;     /* degrees, WGS 84 */
};

/*
 * import_dbip_parse --
 *	Parse 'len' bytes of 'data' and call 'fn' once per prefix (pointers
 *	in the row do not outlive the call; 'fn' returns 0 or -1 with 'eb' to
 *	stop).  Fields may be quoted as RFC 4180 says ("" is a quote).
 *	Returns 0 with '*ranges' = lines read, or -1 with 'eb' saying "line
 *	N: ..." for the first bad line (start after end, mixed families, bad
 *	address, country, latitude or longitude, wrong field count).
 */
int import_dbip_parse(const char *data, size_t len,
    int (*fn)(void *arg, const struct dbip_row *row, struct errbuf *eb),
    void *arg, size_t *ranges, struct errbuf *eb);

/*
 * import_dbip_split --
 *	Cut the range [first, last] (same family, first <= last) into its
 *	CIDR prefixes, smallest address first, calling 'fn' for each.
 *	Returns 0, or -1 when 'fn' fails.
 */
int import_dbip_split(const struct addr *first, const struct addr *last,
    int (*fn)(void *arg, const struct prefix *p), void *arg);

#endif
