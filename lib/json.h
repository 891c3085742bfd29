/*
 * json.h --
 *	Small helpers on yajl shared by the wire formats: parsing a document
 *	into a tree with a size and depth limit, typed field access that says
 *	precisely which field is wrong, and a generator writing into a buf.
 */
#ifndef PINGSVC_JSON_H
#define PINGSVC_JSON_H

#include <stddef.h>
#include <stdint.h>

#include <yajl/yajl_gen.h>
#include <yajl/yajl_tree.h>

#include "buf.h"
#include "errbuf.h"

/* Deepest nesting accepted; real results nest 5 levels (ICMP extensions). */
#define JSON_MAX_DEPTH 32

/*
 * json_parse --
 *	Parse 'len' bytes of 'text' (need not be NUL-terminated) into a tree.
 *	Returns the tree (free with yajl_tree_free), or NULL with 'eb' saying
 *	where it broke.  Documents nested deeper than JSON_MAX_DEPTH are
 *	refused before yajl's recursive tree builder sees them.
 */
yajl_val json_parse(const char *text, size_t len, struct errbuf *eb);

/* json_get -- Member 'key' of object 'obj', or NULL (also if not an object). */
yajl_val json_get(yajl_val obj, const char *key);

/*
 * Typed field readers.  Each looks up 'key' in 'obj'; when absent it
 * stores the default (or fails with "missing" when 'required').  A value of
 * the wrong type or out of range fails with 'eb' = "\"key\": why".  They
 * return 0 or -1.
 */
int json_int(yajl_val obj, const char *key, int required, int64_t def,
    int64_t min, int64_t max, int64_t *out, struct errbuf *eb);
int json_double(yajl_val obj, const char *key, int required, double def,
    double min, double max, double *out, struct errbuf *eb);
int json_bool(yajl_val obj, const char *key, int required, int def, int *out,
    struct errbuf *eb);

/*
 * json_str --
 *	As above for strings of at most 'maxlen' bytes.  '*out' points into
 *	the tree (it lives as long as the tree); 'def' may be NULL.
 */
int json_str(yajl_val obj, const char *key, int required, const char *def,
    size_t maxlen, const char **out, struct errbuf *eb);

/*
 * A JSON writer: yajl_gen with a buf as output, so that callers append
 * several documents (one per line) without copying.
 */
struct json_out {
	yajl_gen g;
	struct buf *out;
};

/* json_out_init -- Start writing into 'out'.  Returns 0 or -1 (memory). */
int json_out_init(struct json_out *j, struct buf *out);

/* json_out_free -- Release the generator (not the buf).  NULL-safe. */
void json_out_free(struct json_out *j);

/*
 * Emitters; each returns 0, or -1 when yajl refuses (bad nesting) or the
 * buf cannot grow.  A NULL 'key' emits a bare value (array element).
 */
int json_out_key(struct json_out *j, const char *key);
int json_out_str(struct json_out *j, const char *key, const char *v);
int json_out_int(struct json_out *j, const char *key, int64_t v);
int json_out_double(struct json_out *j, const char *key, double v);
int json_out_bool(struct json_out *j, const char *key, int v);
int json_out_null(struct json_out *j, const char *key);
int json_out_open(struct json_out *j, const char *key, int array);
int json_out_close(struct json_out *j, int array);

/*
 * json_out_next --
 *	After a complete document, start the next one on a new line (the
 *	one-result-per-line format of results and spools).
 */
void json_out_next(struct json_out *j);

#endif
