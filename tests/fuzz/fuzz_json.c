/*
 * fuzz_json.c --
 *	libFuzzer harness for the JSON helpers: parsing with limits, then the
 *	typed readers on every member of the top-level object.
 */
#include <stddef.h>
#include <stdint.h>

#include "json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct errbuf eb;
	yajl_val v;
	size_t i;
	int64_t n;
	double d;
	int b;
	const char *s;

	if ((v = json_parse((const char *)data, size, &eb)) == NULL)
		return 0;
	if (YAJL_IS_OBJECT(v)) {
		for (i = 0; i < v->u.object.len; i++) {
			const char *k = v->u.object.keys[i];

			(void)json_int(v, k, 1, 0, -5, 255, &n, &eb);
			(void)json_double(v, k, 1, 0, 0, 1e6, &d, &eb);
			(void)json_bool(v, k, 1, 0, &b, &eb);
			(void)json_str(v, k, 1, NULL, 64, &s, &eb);
		}
	}
	yajl_tree_free(v);
	return 0;
}
