/*
 * spool.h --
 *	The worker's on-disk spool: every result is written here, one JSON
 *	line each and fsync'd, before it is offered to the gateway, and
 *	removed only once the gateway acknowledged it (stored or duplicate).
 *	A crash, a reboot or a gateway outage therefore loses nothing, and
 *	re-delivery is harmless because every result carries its idempotency
 *	key.
 *
 *	Layout: a directory of segment files "<20 digits>.seg", appended to
 *	in order, plus "rejected/results.jsonl" for results the gateway
 *	refused (quarantined, never retried).  The spool is bounded in bytes
 *	(the sum of the segment files): when an append would exceed the
 *	bound, whole oldest segments are deleted and their results counted
 *	as dropped.  A segment is deleted as soon as none of its results is
 *	waiting.  On open, existing segments are read back oldest first;
 *	lines that do not decode (a torn write after a crash) are skipped
 *	and counted.  New results always go to a new segment, never after a
 *	torn line.
 *
 *	One thread only.
 */
#ifndef PINGSVC_WORKER_SPOOL_H
#define PINGSVC_WORKER_SPOOL_H

#include <stddef.h>
#include <stdint.h>

#include <sys/types.h>

#include "buf.h"
#include "errbuf.h"
#include "result.h"

#define SPOOL_MIN_BYTES   4096       /* smallest bound accepted */
#define SPOOL_SEG_MAX     4194304    /* largest segment file, bytes */
#define SPOOL_REJECTED    "rejected" /* sub-directory of quarantine */
#define SPOOL_REJECT_FILE "results.jsonl"

struct spool; /* opaque */

/* Counters since spool_open (the metrics show them). */
struct spool_stats {
	uint64_t appended;  /* results written */
	uint64_t acked;     /* results the gateway acknowledged */
	uint64_t dropped;   /* oldest results deleted to respect the bound */
	uint64_t corrupt;   /* unreadable lines skipped when re-reading */
	uint64_t rejected;  /* results quarantined into rejected/ */
	uint64_t recovered; /* results found on disk at open */
};

/*
 * A batch of the oldest waiting results: 'lines' holds them as the
 * elements of a JSON array body ("l1,l2,..."), 'ids' their spool ids in
 * order, 'keys' their idempotency keys.
 */
struct spool_batch {
	struct buf lines;
	uint64_t *ids;
	char (*keys)[RESULT_KEY_MAX + 1];
	size_t n;
};

/*
 * spool_open --
 *	Open (creating it and rejected/ if needed, mode 0700) the spool in
 *	'dir', bounded to 'max_bytes' (>= SPOOL_MIN_BYTES), and read back
 *	what it holds.  Returns the spool (spool_close), or NULL with 'eb'.
 */
struct spool *spool_open(
    const char *dir, uint64_t max_bytes, struct errbuf *eb);

/* spool_close -- Close the files and free the spool.  NULL-safe. */
void spool_close(struct spool *s);

/*
 * spool_append --
 *	Write the result 'line' ('len' bytes, one JSON object, no newline)
 *	with idempotency key 'key' and fsync it, deleting the oldest segments
 *	first when the bound requires.  Returns 0, or -1 with 'eb' (disk
 *	error, or a line larger than the spool).
 */
int spool_append(struct spool *s, const char *line, size_t len, const char *key,
    struct errbuf *eb);

/*
 * spool_next --
 *	Fill '*b' (initialised with SPOOL_BATCH_INIT or emptied by
 *	spool_batch_free) with up to 'max_n' of the oldest waiting results,
 *	at most 'max_bytes' of lines (but always at least one).  Returns the
 *	number taken (0: nothing waits), or -1 with 'eb'.
 */
int spool_next(struct spool *s, size_t max_n, size_t max_bytes,
    struct spool_batch *b, struct errbuf *eb);

#define SPOOL_BATCH_INIT                                                       \
	{                                                                      \
		BUF_INIT, NULL, NULL, 0                                        \
	}

/* spool_batch_free -- Release and empty '*b'; it may be reused. */
void spool_batch_free(struct spool_batch *b);

/*
 * spool_ack --
 *	The gateway acknowledged result 'id': forget it, deleting its
 *	segment when nothing else there waits.  An id already gone (dropped
 *	meanwhile, acknowledged twice) is ignored.  Returns 0, or -1 with
 *	'eb' when the segment cannot be deleted.
 */
int spool_ack(struct spool *s, uint64_t id, struct errbuf *eb);

/*
 * spool_reject --
 *	The gateway refused result 'id' for good: append its line to
 *	rejected/results.jsonl (fsync'd; the reason belongs in the caller's
 *	log, so the file stays one result a line), then forget it as
 *	spool_ack does.  Returns 0 or -1 with 'eb'.
 */
int spool_reject(struct spool *s, uint64_t id, struct errbuf *eb);

/*
 * spool_chown --
 *	Give the spool directory, rejected/ and every file in them to
 *	'uid':'gid' (when started as root, before dropping to the service
 *	user, so that it can go on writing).  Returns 0 or -1 with 'eb'.
 */
int spool_chown(struct spool *s, uid_t uid, gid_t gid, struct errbuf *eb);

/* spool_depth -- Results waiting. */
size_t spool_depth(const struct spool *s);

/* spool_bytes -- Bytes of the segment files. */
uint64_t spool_bytes(const struct spool *s);

/*
 * spool_on_drop --
 *	From now on call 'fn'('key', 'arg') for each waiting result the bound
 *	deletes, as it is deleted, so that the caller can name what was lost
 *	(the counter alone cannot say which).  'fn' NULL stops it.
 */
typedef void spool_drop_fn(const char *key, void *arg);
void spool_on_drop(struct spool *s, spool_drop_fn *fn, void *arg);

/* spool_stats -- The counters. */
const struct spool_stats *spool_stats(const struct spool *s);

#endif
