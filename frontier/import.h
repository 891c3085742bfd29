/*
 * import.h --
 *	Bootstrap list parsers.  Each format (a cloud provider's published
 *	ranges, a plain list, an RFC 8805 geofeed) is one module exporting one
 *	struct import_format; a parser turns file bytes into prefixes handed
 *	to a sink, and says where the input broke (a line number or a JSON
 *	path such as "prefixes[12].ip_prefix") when it cannot.
 */
#ifndef PINGSVC_FRONTIER_IMPORT_H
#define PINGSVC_FRONTIER_IMPORT_H

#include <stddef.h>

#include "addr.h"
#include "errbuf.h"
#include "json.h"

/* Longest location label a geofeed line may carry (bytes, without NUL). */
#define IMPORT_LABEL_MAX 200

/*
 * Where parsed prefixes go.  'prefix' is called once per prefix of the
 * file, in file order, with 'label' a location label ("Amsterdam, NL-NH,
 * NL") or NULL; it returns 0, or -1 with 'eb' to stop the parse.  Neither
 * pointer outlives the call.
 */
struct import_sink {
	int (*prefix)(void *arg, const struct prefix *p, const char *label,
	    struct errbuf *eb);
	void *arg;
};

/*
 * A format: 'parse' reads 'len' bytes of 'data' (not NUL-terminated) and
 * feeds the sink.  Returns 0, or -1 with 'eb' naming the place that broke;
 * prefixes handed over before the failure are the caller's to discard.
 */
struct import_format {
	const char *name; /* command-line name: aws, gcp, ... */
	const char *what; /* one line for usage() */
	int (*parse)(const char *data, size_t len,
	    const struct import_sink *sink, struct errbuf *eb);
};

extern const struct import_format import_aws;
extern const struct import_format import_gcp;
extern const struct import_format import_azure;
extern const struct import_format import_oracle;
extern const struct import_format import_list;
extern const struct import_format import_geofeed;

/* One line of an RFC 8805 geofeed, fields trimmed, NULL when empty. */
struct import_geofeed_row {
	struct prefix prefix;
	const char *country; /* upper case */
	const char *region;  /* ISO 3166-2 as published */
	const char *city;
	const char *label; /* "City, REGION, CC" */
};

/*
 * import_geofeed_rows --
 *	Walk a geofeed as import_geofeed's parser does (same checks, same
 *	"line N: ..." errors), calling 'fn' per data line; the row's pointers
 *	do not outlive the call.  Returns 0, or -1 with 'eb'.
 */
int import_geofeed_rows(const char *data, size_t len,
    int (*fn)(
	void *arg, const struct import_geofeed_row *row, struct errbuf *eb),
    void *arg, struct errbuf *eb);

/* import_formats -- NULL-terminated table of every format. */
extern const struct import_format *const import_formats[];

/* import_format_find -- The format called 'name', or NULL. */
const struct import_format *import_format_find(const char *name);

/*
 * import_line --
 *	The next line of a text file: from '*p' (before 'end') up to its
 *	newline, copied NUL-terminated into 'line' (room for 'max' bytes and
 *	the NUL), a CR before the newline dropped; '*p' moves past it.
 *	'lineno' numbers it in messages.  Returns its length, or -1 with 'eb'
 *	when it is longer than 'max' bytes or holds a NUL byte.
 */
long import_line(const char **p, const char *end, char *line, size_t max,
    size_t lineno, struct errbuf *eb);

/*
 * import_json_prefix --
 *	Shared by the JSON formats: parse node 'v' (must be a string) as a
 *	prefix and hand it to 'sink'.  'path' is the JSON path of 'v', used in
 *	messages.  Returns 0 or -1 with 'eb'.
 */
int import_json_prefix(yajl_val v, const char *path,
    const struct import_sink *sink, struct errbuf *eb);

/*
 * import_json_parse --
 *	json_parse() (lib/json.h) whose error also says where the text broke
 *	("line 3, column 17: invalid JSON: ...").  Returns the tree (the
 *	caller frees it with yajl_tree_free), or NULL with 'eb'.
 */
yajl_val import_json_parse(const char *data, size_t len, struct errbuf *eb);

/*
 * import_json_array --
 *	Member 'key' of object 'obj' as an array into '*out' (NULL when absent
 *	and not 'required').  'path' names 'obj' in messages ("" for the
 *	root).  Returns 0 or -1 with 'eb'.
 */
int import_json_array(yajl_val obj, const char *path, const char *key,
    int required, yajl_val *out, struct errbuf *eb);

#endif
