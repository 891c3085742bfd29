/*
 * represent.c --
 *	Representative target addresses of bootstrap prefixes; the rule is
 *	described in represent.h.
 */
#include <stdlib.h>
#include <string.h>

#include "represent.h"

void
represent_init(struct represent *r, unsigned per_prefix)
{
	memset(r, 0, sizeof(*r));
	r->per_prefix = per_prefix > 0 ? per_prefix : 1;
}

/* Zero the bits of 'a' beyond 'len'. */
static void
represent_mask(struct addr *a, unsigned len)
{
	unsigned nbytes = a->af == 4 ? 4 : 16, i;

	for (i = 0; i < nbytes; i++) {
		if (len >= 8 * (i + 1))
			continue;
		if (len <= 8 * i)
			a->b[i] = 0;
		else
			a->b[i] &= (uint8_t)(0xff << (8 - (len - 8 * i)));
	}
}

/* Add 'n' to the address (big-endian), within its family's width. */
static void
represent_addn(struct addr *a, uint32_t n, unsigned shift_bits)
{
	unsigned nbytes = a->af == 4 ? 4 : 16;
	uint64_t carry;
	int i;

	/* Adding n << shift_bits: shift_bits is a multiple of 4, < 32. */
	carry = (uint64_t)n << shift_bits;
	for (i = (int)nbytes - 1; i >= 0 && carry != 0; i--) {
		carry += a->b[i];
		a->b[i] = (uint8_t)(carry & 0xff);
		carry >>= 8;
	}
}

static int
represent_push(struct represent *r, const struct addr *a, unsigned blocklen,
    const char *label, struct errbuf *eb)
{
	struct represent_item *it, *nv;
	size_t ncap;

	if (r->n == r->cap) {
		ncap = r->cap > 0 ? r->cap * 2 : 1024;
		if ((nv = realloc(r->v, ncap * sizeof(*nv))) == NULL)
			return errbuf_set(eb, "out of memory");
		r->v = nv;
		r->cap = ncap;
	}
	it = &r->v[r->n];
	it->addr = *a;
	it->block = *a;
	represent_mask(&it->block, blocklen);
	it->label = NULL;
	if (label != NULL && (it->label = strdup(label)) == NULL)
		return errbuf_set(eb, "out of memory");
	r->n++;
	return 0;
}

/* First usable address of a prefix of length 'len' starting at 'a'. */
static void
represent_first(struct addr *a, unsigned len)
{
	if (len <= (a->af == 4 ? 30u : 126u))
		represent_addn(a, 1, 0);
}

int
represent_add(struct represent *r, const struct prefix *p, const char *label,
    struct errbuf *eb)
{
	struct addr a;
	uint32_t k, m, i;
	unsigned blocklen;

	r->prefixes++;
	blocklen = p->addr.af == 4 ? REPRESENT_V4_BLOCK : REPRESENT_V6_BLOCK;
	if (p->len >= blocklen || p->addr.af == 6) {
		a = p->addr;
		represent_first(&a, p->len);
		return represent_push(r, &a, blocklen, label, eb);
	}
	/* A wide IPv4 prefix: k blocks, m of them spread evenly. */
	k = (uint32_t)1 << (blocklen - p->len);
	m = k < r->per_prefix ? k : r->per_prefix;
	for (i = 0; i < m; i++) {
		a = p->addr;
		represent_addn(
		    &a, (uint32_t)((uint64_t)i * k / m), 32 - blocklen);
		represent_first(&a, blocklen);
		if (represent_push(r, &a, blocklen, label, eb) == -1)
			return -1;
	}
	return 0;
}

static int
represent_cmp(const void *x, const void *y)
{
	const struct represent_item *a = x, *b = y;
	int c;

	if ((c = addr_cmp(&a->block, &b->block)) != 0)
		return c;
	return addr_cmp(&a->addr, &b->addr);
}

void
represent_finish(struct represent *r)
{
	size_t i, o = 0;

	if (r->n == 0)
		return;
	qsort(r->v, r->n, sizeof(r->v[0]), represent_cmp);
	for (i = 0; i < r->n; i++) {
		if (o > 0 &&
		    addr_cmp(&r->v[o - 1].block, &r->v[i].block) == 0) {
			free(r->v[i].label);
			continue;
		}
		r->v[o++] = r->v[i];
	}
	r->n = o;
}

void
represent_free(struct represent *r)
{
	size_t i;

	if (r == NULL)
		return;
	for (i = 0; i < r->n; i++)
		free(r->v[i].label);
	free(r->v);
	r->v = NULL;
	r->n = r->cap = 0;
	r->prefixes = 0;
}
