/*
 * fuzz_result.c --
 *	libFuzzer harness for the result and job decoders (untrusted input
 *	from workers, importers and the gateway).  Whatever decodes must
 *	encode, and the encoding must decode to the same encoding.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "job.h"
#include "result.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
round_trip(const struct result *r, enum result_mode mode)
{
	struct result *r2;
	struct errbuf eb;
	char *a, *b;

	if ((a = result_to_json(r)) == NULL)
		abort();
	if (result_decode_text(a, strlen(a), mode, &r2, &eb) == -1)
		abort();
	if ((b = result_to_json(r2)) == NULL || strcmp(a, b) != 0)
		abort();
	free(a);
	free(b);
	result_free(r2);
}

/* A decoded job encodes, and its encoding decodes to the same encoding. */
static void
job_round_trip(const struct job *j)
{
	struct buf a = BUF_INIT, b = BUF_INIT;
	struct json_out o;
	struct errbuf eb;
	struct job j2;
	yajl_val v;

	if (json_out_init(&o, &a) == -1 || job_encode(j, &o) == -1)
		abort();
	json_out_free(&o);
	if ((v = json_parse(buf_str(&a), a.len, &eb)) == NULL ||
	    job_decode(v, &j2, &eb) == -1 || j2.nstop_set != j->nstop_set)
		abort();
	yajl_tree_free(v);
	if (json_out_init(&o, &b) == -1 || job_encode(&j2, &o) == -1 ||
	    strcmp(buf_str(&a), buf_str(&b)) != 0)
		abort();
	json_out_free(&o);
	buf_free(&a);
	buf_free(&b);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct errbuf eb;
	struct result *r;
	struct job j;
	yajl_val v;

	if ((v = json_parse((const char *)data, size, &eb)) == NULL)
		return 0;
	if (result_decode(v, RESULT_WIRE, &r, &eb) == 0) {
		round_trip(r, RESULT_WIRE);
		result_free(r);
	}
	if (result_decode(v, RESULT_ATLAS, &r, &eb) == 0) {
		round_trip(r, RESULT_ATLAS);
		result_free(r);
	}
	if (job_decode(v, &j, &eb) == 0)
		job_round_trip(&j);
	yajl_tree_free(v);
	return 0;
}
