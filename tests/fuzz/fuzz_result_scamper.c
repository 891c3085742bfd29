/*
 * fuzz_result_scamper.c --
 *	libFuzzer harness for the scamper JSON reader (files from anywhere
 *	go through it).  Whatever it accepts must be a valid Atlas-form
 *	result: its encoding decodes again, to the same encoding.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "result_scamper.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct result *r, *r2;
	struct errbuf eb;
	char *a, *b;
	int rc;

	rc = result_scamper_decode_text((const char *)data, size, &r, &eb);
	if (rc != 0) {
		if (r != NULL)
			abort();
		return 0;
	}
	if (r->idem_key == NULL || (a = result_to_json(r)) == NULL)
		abort();
	if (result_decode_text(a, strlen(a), RESULT_ATLAS, &r2, &eb) == -1)
		abort();
	if ((b = result_to_json(r2)) == NULL || strcmp(a, b) != 0)
		abort();
	free(a);
	free(b);
	result_free(r2);
	result_free(r);
	return 0;
}
