/*
 * conf.h --
 *	Configuration files (libconfig syntax) with validation: typed getters
 *	with defaults and ranges, and a check that rejects settings nobody
 *	reads, so a typo is an error and not a silently ignored line.
 */
#ifndef PINGSVC_CONF_H
#define PINGSVC_CONF_H

#include <stddef.h>

#include "errbuf.h"

struct conf; /* opaque */

/*
 * conf_load --
 *	Parse the file at 'path'.  Returns a conf (free with conf_free), or
 *	NULL with 'eb' naming the file, line and libconfig's complaint.
 */
struct conf *conf_load(const char *path, struct errbuf *eb);

/* conf_load_string -- As conf_load, from text in memory ('name' for errors). */
struct conf *conf_load_string(
    const char *text, const char *name, struct errbuf *eb);

/* conf_free -- Release 'c' and every string a getter returned.  NULL-safe. */
void conf_free(struct conf *c);

/*
 * conf_check_known --
 *	Fail when the file holds a setting whose dotted path is not in the
 *	NULL-terminated list 'known' (groups are implied by their members).
 *	Returns 0, or -1 with 'eb' naming the first unknown setting and line.
 */
int conf_check_known(
    const struct conf *c, const char *const *known, struct errbuf *eb);

/*
 * conf_int --
 *	Read integer setting 'path' into '*out', or 'def' when absent.  Fails
 *	on another type or a value outside [min, max].  Returns 0 or -1.
 */
int conf_int(const struct conf *c, const char *path, long long def,
    long long min, long long max, long long *out, struct errbuf *eb);

/* conf_double -- As conf_int for floating point (integers accepted). */
int conf_double(const struct conf *c, const char *path, double def, double min,
    double max, double *out, struct errbuf *eb);

/* conf_bool -- Read a boolean setting, or 'def' when absent. */
int conf_bool(const struct conf *c, const char *path, int def, int *out,
    struct errbuf *eb);

/*
 * conf_str --
 *	Read a string setting, or 'def' (may be NULL) when absent.  '*out'
 *	belongs to 'c' and lives until conf_free.  Empty strings are refused
 *	when 'required' is set, as is an absent setting.
 */
int conf_str(const struct conf *c, const char *path, const char *def,
    int required, const char **out, struct errbuf *eb);

/*
 * conf_str_list --
 *	Read an array or list of strings.  '*out' is a NULL-terminated array
 *	owned by 'c'; '*n' its length (0 and an empty array when absent).
 */
int conf_str_list(struct conf *c, const char *path, const char ***out,
    size_t *n, struct errbuf *eb);

#endif
