/*
 * fuzz_frontier_import.c --
 *	libFuzzer harness for the frontier's bootstrap parsers (aws, gcp,
 *	azure, oracle, list, geofeed: files fetched from providers are
 *	untrusted input).  Every input goes through every format, and what a
 *	parser accepts goes through the representative-address rule, whose
 *	output must be sorted, one address per block and inside a prefix
 *	family the parser handed over.  No leaks (ASan's leak check).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "import.h"
#include "represent.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int
fuzz_sink(
    void *arg, const struct prefix *p, const char *label, struct errbuf *eb)
{
	return represent_add(arg, p, label, eb);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct represent r;
	struct import_sink sink;
	struct errbuf eb;
	size_t i, k;

	for (k = 0; import_formats[k] != NULL; k++) {
		represent_init(&r, 1 + (unsigned)(size % 16));
		sink.prefix = fuzz_sink;
		sink.arg = &r;
		if (import_formats[k]->parse(
			(const char *)data, size, &sink, &eb) == 0) {
			represent_finish(&r);
			for (i = 1; i < r.n; i++)
				if (addr_cmp(
					&r.v[i - 1].block, &r.v[i].block) >= 0)
					abort();
			for (i = 0; i < r.n; i++)
				if (r.v[i].addr.af != 4 && r.v[i].addr.af != 6)
					abort();
		} else if (errbuf_msg(&eb)[0] == '\0')
			abort(); /* a failure must say why */
		represent_free(&r);
	}
	return 0;
}
