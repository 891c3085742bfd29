/*
 * fuzz_conf.c --
 *	libFuzzer harness for configuration files: libconfig parsing plus our
 *	validating getters.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const known[] = { "db", "listen.port", "listen.address",
	"rate.pps", "allow", "debug", NULL };

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct errbuf eb;
	struct conf *c;
	char *s;
	long long i;
	double d;
	int b;
	const char *str, **list;
	size_t n;

	if ((s = malloc(size + 1)) == NULL)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	if ((c = conf_load_string(s, "fuzz.conf", &eb)) != NULL) {
		(void)conf_check_known(c, known, &eb);
		(void)conf_str(c, "db", NULL, 1, &str, &eb);
		(void)conf_int(c, "listen.port", 1, 1, 65535, &i, &eb);
		(void)conf_double(c, "rate.pps", 1, 0, 1e6, &d, &eb);
		(void)conf_bool(c, "debug", 0, &b, &eb);
		(void)conf_str_list(c, "allow", &list, &n, &eb);
		conf_free(c);
	}
	free(s);
	return 0;
}
