/*
 * submit_parse.h --
 *	The body of POST /v1/submit, {"results": [result, ...]}, validated
 *	whole: every item is decoded with result_decode(RESULT_WIRE), and the
 *	first invalid one rejects the batch with an error naming it
 *	("results[3]: result[2]: \"rtt\": ...").  Separate from the server so
 *	that a fuzzer can drive it (tests/fuzz/fuzz_ingest_submit.c).
 */
#ifndef PINGSVC_INGEST_SUBMIT_PARSE_H
#define PINGSVC_INGEST_SUBMIT_PARSE_H

#include <stddef.h>

#include "errbuf.h"
#include "result.h"

struct submit_batch {
	struct result **results; /* owned */
	size_t n;
};

/*
 * submit_json_error --
 *	Describe why 'len' bytes of 'text' are not JSON, with the position
 *	where the parser stopped (1-based byte number of the offending byte,
 *	"invalid JSON at byte 17: ...") in 'eb'.
 *	Returns -1.
 */
int submit_json_error(const char *text, size_t len, struct errbuf *eb);

/*
 * submit_parse --
 *	Parse and validate a submit body of 'len' bytes holding at most 'max'
 *	results.  Returns 0 with '*out' filled (free with submit_batch_free),
 *	or -1 with 'eb' saying which item and field is wrong.
 */
int submit_parse(const char *text, size_t len, size_t max,
    struct submit_batch *out, struct errbuf *eb);

/* submit_batch_free -- Release the results of 'b'.  NULL-safe. */
void submit_batch_free(struct submit_batch *b);

#endif
