/*
 * fuzz_worker_client.c --
 *	libFuzzer harness for the worker's parsers of gateway answers
 *	(worker/client.c): the same bytes as a claim answer, a submit
 *	answer and an error body.  They read what a network peer sends, so
 *	they must never crash or leak, whatever the bytes.  Seeds in
 *	tests/fuzz/corpus/fuzz_worker_client/.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../worker/client.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char keys[4][RESULT_KEY_MAX + 1] = { "a", "k-1", "k-2", "" };
	enum client_ack acks[4];
	const char *text = (const char *)data;
	struct errbuf eb;
	struct job *jobs = NULL;
	size_t n, bad;
	double t;
	char msg[256];

	if (client_parse_claim(text, size, &jobs, &n, &bad, &t, &eb) == 0)
		free(jobs);
	(void)client_parse_submit(text, size, keys, 4, acks, &eb);
	(void)client_parse_error(text, size, msg, sizeof(msg));
	return 0;
}
