/*
 * fuzz_addr.c --
 *	libFuzzer harness for address and prefix parsing (operator input:
 *	--allow, config lists, bogon files) and classification.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct prefix_set allow = PREFIX_SET_INIT;
	struct prefix p;
	struct addr a;
	struct errbuf eb;
	char *s, out[ADDR_STRLEN];

	if ((s = malloc(size + 1)) == NULL)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	if (addr_parse(s, &a, &eb) == 0) {
		(void)addr_classify(&a, NULL);
		(void)addr_check_target(&a, NULL, NULL, &eb);
		addr_format(&a, out, sizeof(out));
	}
	if (prefix_parse(s, &p, &eb) == 0) {
		prefix_format(&p, out, sizeof(out));
		/* What we print we must read back identically. */
		if (prefix_parse(out, &p, &eb) != 0)
			abort();
		(void)prefix_set_add(&allow, &p, &eb);
		(void)addr_check_target(&p.addr, &allow, NULL, &eb);
	}
	prefix_set_free(&allow);
	free(s);
	return 0;
}
