/*
 * spool.c --
 *	The on-disk result spool (see spool.h).
 *
 *	In memory: the segments oldest first (number, bytes, results still
 *	waiting) and one entry per result not yet forgotten, in append order
 *	with consecutive ids, giving its segment, offset, length and key.
 *	Lines are read back from the files when a batch is made, so memory
 *	does not grow with the spool's bound.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sys/stat.h>
#include <sys/uio.h>

#include "json.h"
#include "result.h"
#include "spool.h"

enum entry_state { ENTRY_LIVE = 0, ENTRY_GONE };

struct entry {
	uint64_t id;
	uint64_t seg_no;
	uint64_t off; /* byte offset of the line in its segment */
	uint32_t len; /* bytes, without the newline */
	int state;
	char key[RESULT_KEY_MAX + 1];
};

struct seg {
	uint64_t no;
	uint64_t size; /* bytes of the file */
	size_t live;   /* entries still waiting */
};

struct spool {
	int dirfd;
	uint64_t max_bytes; /* bound on the sum of the segment files */
	uint64_t seg_max;   /* a new segment starts beyond this, bytes */
	uint64_t total;     /* bytes of the segment files */
	struct seg *segs;   /* oldest first */
	size_t nsegs, capsegs;
	int act_fd; /* the segment appended to (the last), or -1 */
	struct entry *ents;
	size_t head, n, cap; /* ents[head .. n) are the remembered ones */
	uint64_t next_id, next_seg;
	size_t depth;
	struct spool_stats st;
	spool_drop_fn *drop_fn; /* told each key the bound deletes */
	void *drop_arg;
};

static void
seg_name(uint64_t no, char *buf, size_t len)
{
	snprintf(buf, len, "%020" PRIu64 ".seg", no);
}

static struct seg *
seg_find(struct spool *s, uint64_t no)
{
	size_t i;

	for (i = 0; i < s->nsegs; i++)
		if (s->segs[i].no == no)
			return &s->segs[i];
	return NULL;
}

/* The entry with 'id', or NULL when it is no longer remembered. */
static struct entry *
entry_find(struct spool *s, uint64_t id)
{
	uint64_t first;

	if (s->head >= s->n)
		return NULL;
	first = s->ents[s->head].id;
	if (id < first || id - first >= s->n - s->head)
		return NULL;
	return &s->ents[s->head + (id - first)];
}

/* Forget entries gone at the front; compact when half the array is dead. */
static void
entries_trim(struct spool *s)
{
	while (s->head < s->n && s->ents[s->head].state == ENTRY_GONE)
		s->head++;
	if (s->head == s->n) {
		s->head = s->n = 0;
	} else if (s->head > 1024 && s->head > s->n / 2) {
		memmove(s->ents, s->ents + s->head,
		    (s->n - s->head) * sizeof(*s->ents));
		s->n -= s->head;
		s->head = 0;
	}
}

static int
entry_add(struct spool *s, uint64_t seg_no, uint64_t off, size_t len,
    const char *key, struct errbuf *eb)
{
	struct entry *e, *ne;
	size_t ncap;

	if (s->n == s->cap) {
		ncap = s->cap == 0 ? 256 : s->cap * 2;
		if ((ne = realloc(s->ents, ncap * sizeof(*ne))) == NULL)
			return errbuf_set(eb, "out of memory");
		s->ents = ne;
		s->cap = ncap;
	}
	e = &s->ents[s->n++];
	memset(e, 0, sizeof(*e));
	e->id = s->next_id++;
	e->seg_no = seg_no;
	e->off = off;
	e->len = (uint32_t)len;
	e->state = ENTRY_LIVE;
	snprintf(e->key, sizeof(e->key), "%s", key);
	s->depth++;
	return 0;
}

static int
seg_push(struct spool *s, uint64_t no, struct errbuf *eb)
{
	struct seg *ns;
	size_t ncap;

	if (s->nsegs == s->capsegs) {
		ncap = s->capsegs == 0 ? 16 : s->capsegs * 2;
		if ((ns = realloc(s->segs, ncap * sizeof(*ns))) == NULL)
			return errbuf_set(eb, "out of memory");
		s->segs = ns;
		s->capsegs = ncap;
	}
	s->segs[s->nsegs].no = no;
	s->segs[s->nsegs].size = 0;
	s->segs[s->nsegs].live = 0;
	s->nsegs++;
	return 0;
}

/*
 * Delete segment number 'idx' from disk and memory.  Its entries still
 * waiting are forgotten; 'dropped' says whether they count as dropped.
 */
static int
seg_remove(struct spool *s, size_t idx, int dropped, struct errbuf *eb)
{
	char name[32];
	struct seg *g = &s->segs[idx];
	size_t i;

	if (g->live > 0)
		for (i = s->head; i < s->n; i++) {
			if (s->ents[i].seg_no != g->no ||
			    s->ents[i].state != ENTRY_LIVE)
				continue;
			s->ents[i].state = ENTRY_GONE;
			s->depth--;
			if (!dropped)
				continue;
			s->st.dropped++;
			if (s->drop_fn != NULL)
				s->drop_fn(s->ents[i].key, s->drop_arg);
		}
	if (idx == s->nsegs - 1 && s->act_fd != -1) {
		close(s->act_fd);
		s->act_fd = -1;
	}
	seg_name(g->no, name, sizeof(name));
	if (unlinkat(s->dirfd, name, 0) == -1 && errno != ENOENT)
		return errbuf_set(
		    eb, "spool: deleting %s: %s", name, strerror(errno));
	s->total -= g->size;
	memmove(g, g + 1, (s->nsegs - idx - 1) * sizeof(*g));
	s->nsegs--;
	entries_trim(s);
	return 0;
}

/* One result line read back: its key, or -1 when it does not decode. */
static int
line_key(const char *line, size_t len, char *key, size_t keylen)
{
	struct errbuf eb;
	yajl_val v;
	const char *k;
	int rc = -1;

	if ((v = json_parse(line, len, &eb)) == NULL)
		return -1;
	if (YAJL_IS_OBJECT(v) &&
	    json_str(v, "idem_key", 1, NULL, RESULT_KEY_MAX, &k, &eb) == 0 &&
	    *k != '\0') {
		snprintf(key, keylen, "%s", k);
		rc = 0;
	}
	yajl_tree_free(v);
	return rc;
}

/* Read segment 'no' back, adding an entry per good line. */
static int
seg_recover(struct spool *s, uint64_t no, struct errbuf *eb)
{
	char name[32], key[RESULT_KEY_MAX + 1];
	FILE *f = NULL;
	char *line = NULL;
	size_t cap = 0;
	ssize_t got;
	uint64_t off = 0;
	struct seg *g;
	int fd = -1, rc = -1;

	seg_name(no, name, sizeof(name));
	if ((fd = openat(s->dirfd, name, O_RDONLY | O_CLOEXEC)) == -1) {
		errbuf_set(eb, "spool: %s: %s", name, strerror(errno));
		goto out;
	}
	if ((f = fdopen(fd, "r")) == NULL) {
		errbuf_set(eb, "spool: %s: %s", name, strerror(errno));
		goto out;
	}
	fd = -1;
	if (seg_push(s, no, eb) == -1)
		goto out;
	while ((got = getline(&line, &cap, f)) > 0) {
		/* A line without its newline is a torn write. */
		if (line[got - 1] != '\n' || got == 1 ||
		    line_key(line, (size_t)got - 1, key, sizeof(key)) == -1) {
			s->st.corrupt++;
		} else {
			if (entry_add(s, no, off, (size_t)got - 1, key, eb) ==
			    -1)
				goto out;
			s->segs[s->nsegs - 1].live++;
			s->st.recovered++;
		}
		off += (uint64_t)got;
	}
	if (ferror(f)) {
		errbuf_set(eb, "spool: reading %s: %s", name, strerror(errno));
		goto out;
	}
	g = &s->segs[s->nsegs - 1];
	g->size = off;
	s->total += off;
	rc = g->live == 0 ? seg_remove(s, s->nsegs - 1, 0, eb) : 0;
out:
	free(line);
	if (f != NULL)
		fclose(f);
	if (fd != -1)
		close(fd);
	return rc;
}

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* The segment numbers in the directory, sorted. */
static int
seg_list(struct spool *s, uint64_t **out, size_t *n, struct errbuf *eb)
{
	DIR *d = NULL;
	struct dirent *de;
	uint64_t *v = NULL, *nv, no;
	size_t cap = 0;
	char *end;
	int fd = -1, rc = -1;

	*n = 0;
	if ((fd = dup(s->dirfd)) == -1 || (d = fdopendir(fd)) == NULL) {
		errbuf_set(eb, "spool: listing: %s", strerror(errno));
		goto out;
	}
	fd = -1;
	while ((de = readdir(d)) != NULL) {
		if (strlen(de->d_name) != 24 ||
		    strcmp(de->d_name + 20, ".seg") != 0)
			continue;
		errno = 0;
		no = strtoull(de->d_name, &end, 10);
		if (errno != 0 || end != de->d_name + 20)
			continue;
		if (*n == cap) {
			cap = cap == 0 ? 16 : cap * 2;
			if ((nv = realloc(v, cap * sizeof(*v))) == NULL) {
				errbuf_set(eb, "out of memory");
				goto out;
			}
			v = nv;
		}
		v[(*n)++] = no;
	}
	if (*n > 0)
		qsort(v, *n, sizeof(*v), cmp_u64);
	*out = v;
	v = NULL;
	rc = 0;
out:
	if (d != NULL)
		closedir(d);
	if (fd != -1)
		close(fd);
	free(v);
	return rc;
}

struct spool *
spool_open(const char *dir, uint64_t max_bytes, struct errbuf *eb)
{
	struct spool *s = NULL;
	uint64_t *nos = NULL;
	size_t n = 0, i;

	if (max_bytes < SPOOL_MIN_BYTES) {
		errbuf_set(eb,
		    "spool: a bound of %" PRIu64
		    " bytes is below the minimum %d",
		    max_bytes, SPOOL_MIN_BYTES);
		goto fail;
	}
	if ((s = calloc(1, sizeof(*s))) == NULL) {
		errbuf_set(eb, "out of memory");
		goto fail;
	}
	s->dirfd = s->act_fd = -1;
	s->max_bytes = max_bytes;
	s->seg_max = max_bytes / 16;
	if (s->seg_max < SPOOL_MIN_BYTES / 4)
		s->seg_max = SPOOL_MIN_BYTES / 4;
	if (s->seg_max > SPOOL_SEG_MAX)
		s->seg_max = SPOOL_SEG_MAX;
	s->next_id = 1;
	if (mkdir(dir, 0700) == -1 && errno != EEXIST) {
		errbuf_set(eb, "spool: creating %s: %s", dir, strerror(errno));
		goto fail;
	}
	if ((s->dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1) {
		errbuf_set(eb, "spool: %s: %s", dir, strerror(errno));
		goto fail;
	}
	if (mkdirat(s->dirfd, SPOOL_REJECTED, 0700) == -1 && errno != EEXIST) {
		errbuf_set(eb, "spool: creating %s/%s: %s", dir, SPOOL_REJECTED,
		    strerror(errno));
		goto fail;
	}
	if (seg_list(s, &nos, &n, eb) == -1)
		goto fail;
	for (i = 0; i < n; i++)
		if (seg_recover(s, nos[i], eb) == -1)
			goto fail;
	s->next_seg = n > 0 ? nos[n - 1] + 1 : 1;
	/* A bound made smaller since: the oldest go. */
	while (s->total > s->max_bytes && s->nsegs > 0)
		if (seg_remove(s, 0, 1, eb) == -1)
			goto fail;
	free(nos);
	return s;
fail:
	errbuf_prefix(eb, "%s", dir);
	free(nos);
	spool_close(s);
	return NULL;
}

void
spool_close(struct spool *s)
{
	if (s == NULL)
		return;
	if (s->act_fd != -1)
		close(s->act_fd);
	if (s->dirfd != -1)
		close(s->dirfd);
	free(s->segs);
	free(s->ents);
	free(s);
}

/* Start a new segment file and make it the active one. */
static int
seg_create(struct spool *s, struct errbuf *eb)
{
	char name[32];
	uint64_t no = s->next_seg++;

	seg_name(no, name, sizeof(name));
	if ((s->act_fd = openat(s->dirfd, name,
		 O_WRONLY | O_CREAT | O_EXCL | O_APPEND | O_CLOEXEC, 0600)) ==
	    -1)
		return errbuf_set(
		    eb, "spool: creating %s: %s", name, strerror(errno));
	/* The new name must survive a crash as the lines in it will. */
	if (fsync(s->dirfd) == -1 || seg_push(s, no, eb) == -1) {
		errbuf_set(eb, "spool: creating %s: %s", name, strerror(errno));
		close(s->act_fd);
		s->act_fd = -1;
		unlinkat(s->dirfd, name, 0);
		return -1;
	}
	return 0;
}

int
spool_append(struct spool *s, const char *line, size_t len, const char *key,
    struct errbuf *eb)
{
	struct iovec iov[2];
	struct seg *g;
	uint64_t need = (uint64_t)len + 1;
	ssize_t w;

	if (need > s->max_bytes)
		return errbuf_set(eb,
		    "spool: a result of %zu bytes is larger than the whole "
		    "spool (spool_max_bytes)",
		    len);
	if (*key == '\0' || strlen(key) > RESULT_KEY_MAX)
		return errbuf_set(eb, "spool: bad idempotency key");
	if (s->act_fd != -1 && s->segs[s->nsegs - 1].size > 0 &&
	    s->segs[s->nsegs - 1].size + need > s->seg_max) {
		close(s->act_fd);
		s->act_fd = -1;
	}
	while (s->total + need > s->max_bytes && s->nsegs > 0)
		if (seg_remove(s, 0, 1, eb) == -1)
			return -1;
	if (s->act_fd == -1 && seg_create(s, eb) == -1)
		return -1;
	g = &s->segs[s->nsegs - 1];
	iov[0].iov_base = (void *)(uintptr_t)line;
	iov[0].iov_len = len;
	iov[1].iov_base = (void *)(uintptr_t) "\n";
	iov[1].iov_len = 1;
	while ((w = writev(s->act_fd, iov, 2)) == -1 && errno == EINTR)
		;
	if (w != (ssize_t)need || fdatasync(s->act_fd) == -1) {
		errbuf_set(eb, "spool: writing: %s",
		    w == -1 ? strerror(errno) : "short write");
		/* Take a partial line back; a new segment starts next time. */
		if (ftruncate(s->act_fd, (off_t)g->size) == -1)
			errbuf_prefix(eb, "(and the partial line stays)");
		close(s->act_fd);
		s->act_fd = -1;
		return -1;
	}
	if (entry_add(s, g->no, g->size, len, key, eb) == -1)
		return -1;
	g->size += need;
	g->live++;
	s->total += need;
	s->st.appended++;
	return 0;
}

void
spool_batch_free(struct spool_batch *b)
{
	buf_free(&b->lines);
	free(b->ids);
	free(b->keys);
	b->ids = NULL;
	b->keys = NULL;
	b->n = 0;
}

int
spool_next(struct spool *s, size_t max_n, size_t max_bytes,
    struct spool_batch *b, struct errbuf *eb)
{
	char name[32];
	struct entry *e;
	uint64_t open_no = 0;
	char *tmp = NULL;
	size_t i, want, tmpcap = 0;
	ssize_t got;
	int fd = -1, rc = -1;

	spool_batch_free(b);
	want = s->depth < max_n ? s->depth : max_n;
	if (want == 0)
		return 0;
	if ((b->ids = calloc(want, sizeof(*b->ids))) == NULL ||
	    (b->keys = calloc(want, sizeof(*b->keys))) == NULL) {
		errbuf_set(eb, "out of memory");
		goto out;
	}
	for (i = s->head; i < s->n && b->n < want; i++) {
		e = &s->ents[i];
		if (e->state != ENTRY_LIVE)
			continue;
		if (b->n > 0 && b->lines.len + e->len + 1 > max_bytes)
			break;
		if (fd == -1 || open_no != e->seg_no) {
			if (fd != -1)
				close(fd);
			seg_name(e->seg_no, name, sizeof(name));
			if ((fd = openat(
				 s->dirfd, name, O_RDONLY | O_CLOEXEC)) == -1) {
				errbuf_set(
				    eb, "spool: %s: %s", name, strerror(errno));
				goto out;
			}
			open_no = e->seg_no;
		}
		if (e->len > tmpcap) {
			free(tmp);
			tmpcap = e->len;
			if ((tmp = malloc(tmpcap)) == NULL)
				goto nomem;
		}
		got = pread(fd, tmp, e->len, (off_t)e->off);
		if (got != (ssize_t)e->len) {
			errbuf_set(eb, "spool: reading %s: %s", name,
			    got == -1 ? strerror(errno) : "file shrank");
			goto out;
		}
		if ((b->n > 0 && buf_append(&b->lines, ",", 1) == -1) ||
		    buf_append(&b->lines, tmp, e->len) == -1)
			goto nomem;
		b->ids[b->n] = e->id;
		snprintf(b->keys[b->n], sizeof(b->keys[b->n]), "%s", e->key);
		b->n++;
	}
	rc = (int)b->n;
	goto out;
nomem:
	errbuf_set(eb, "out of memory");
out:
	if (fd != -1)
		close(fd);
	free(tmp);
	if (rc == -1)
		spool_batch_free(b);
	return rc;
}

/* Forget live entry 'e' and delete its segment once nothing there waits. */
static int
entry_forget(struct spool *s, struct entry *e, struct errbuf *eb)
{
	struct seg *g;
	size_t idx;

	e->state = ENTRY_GONE;
	s->depth--;
	if ((g = seg_find(s, e->seg_no)) == NULL)
		return 0;
	if (--g->live > 0) {
		entries_trim(s);
		return 0;
	}
	idx = (size_t)(g - s->segs);
	return seg_remove(s, idx, 0, eb);
}

int
spool_ack(struct spool *s, uint64_t id, struct errbuf *eb)
{
	struct entry *e;

	if ((e = entry_find(s, id)) == NULL || e->state != ENTRY_LIVE)
		return 0;
	s->st.acked++;
	return entry_forget(s, e, eb);
}

int
spool_reject(struct spool *s, uint64_t id, struct errbuf *eb)
{
	char name[32], *line = NULL;
	struct entry *e;
	ssize_t got;
	int fd = -1, out = -1, rc = -1;

	if ((e = entry_find(s, id)) == NULL || e->state != ENTRY_LIVE)
		return 0;
	seg_name(e->seg_no, name, sizeof(name));
	if ((line = malloc((size_t)e->len + 1)) == NULL) {
		errbuf_set(eb, "out of memory");
		goto out;
	}
	if ((fd = openat(s->dirfd, name, O_RDONLY | O_CLOEXEC)) == -1 ||
	    (got = pread(fd, line, e->len, (off_t)e->off)) != (ssize_t)e->len) {
		errbuf_set(eb, "spool: reading %s: %s", name, strerror(errno));
		goto out;
	}
	line[e->len] = '\n';
	if ((out = openat(s->dirfd, SPOOL_REJECTED "/" SPOOL_REJECT_FILE,
		 O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600)) == -1 ||
	    write(out, line, (size_t)e->len + 1) != (ssize_t)e->len + 1 ||
	    fdatasync(out) == -1) {
		errbuf_set(eb, "spool: writing %s/%s: %s", SPOOL_REJECTED,
		    SPOOL_REJECT_FILE, strerror(errno));
		goto out;
	}
	s->st.rejected++;
	rc = entry_forget(s, e, eb);
out:
	if (fd != -1)
		close(fd);
	if (out != -1)
		close(out);
	free(line);
	return rc;
}

size_t
spool_depth(const struct spool *s)
{
	return s->depth;
}

uint64_t
spool_bytes(const struct spool *s)
{
	return s->total;
}

void
spool_on_drop(struct spool *s, spool_drop_fn *fn, void *arg)
{
	s->drop_fn = fn;
	s->drop_arg = arg;
}

const struct spool_stats *
spool_stats(const struct spool *s)
{
	return &s->st;
}

int
spool_chown(struct spool *s, uid_t uid, gid_t gid, struct errbuf *eb)
{
	char name[32];
	size_t i;

	if (fchownat(s->dirfd, "", uid, gid, AT_EMPTY_PATH) == -1 ||
	    fchownat(s->dirfd, SPOOL_REJECTED, uid, gid, 0) == -1 ||
	    (fchownat(s->dirfd, SPOOL_REJECTED "/" SPOOL_REJECT_FILE, uid, gid,
		 0) == -1 &&
		errno != ENOENT))
		return errbuf_set(eb, "spool: chown: %s", strerror(errno));
	for (i = 0; i < s->nsegs; i++) {
		seg_name(s->segs[i].no, name, sizeof(name));
		if (fchownat(s->dirfd, name, uid, gid, 0) == -1 &&
		    errno != ENOENT)
			return errbuf_set(
			    eb, "spool: chown %s: %s", name, strerror(errno));
	}
	return 0;
}
