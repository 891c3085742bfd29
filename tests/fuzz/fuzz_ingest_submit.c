/*
 * fuzz_ingest_submit.c --
 *	libFuzzer harness for the gateway's submit-body parser
 *	(ingest/submit_parse.c): untrusted bytes from any holder of a token.
 *	Whatever it accepts must hold decoded results that encode; whatever
 *	it refuses must say why; nothing may leak.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "submit_parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct submit_batch b;
	struct errbuf eb;
	size_t i;
	char *s;

	errbuf_clear(&eb);
	if (submit_parse((const char *)data, size, 50, &b, &eb) == -1) {
		if (eb.msg[0] == '\0')
			abort();
		return 0;
	}
	if (b.n == 0 || b.n > 50)
		abort();
	for (i = 0; i < b.n; i++) {
		if (b.results[i] == NULL || b.results[i]->idem_key == NULL)
			abort();
		if ((s = result_to_json(b.results[i])) == NULL)
			abort();
		free(s);
	}
	submit_batch_free(&b);
	return 0;
}
