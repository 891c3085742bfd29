/*
 * fuzz_worker_settings.c --
 *	libFuzzer harness for the worker's configuration loader
 *	(worker/settings.c): libconfig, then every key's validation, the
 *	allow list and the daemon-mode keys.  A configuration file is
 *	operator input, but one copied around machines of outside
 *	contributors: it must be refused with a reason, never crash or leak.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../worker/settings.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char path[64];
	struct settings s;
	struct errbuf eb;
	FILE *f;

	if (path[0] == '\0') {
		snprintf(path, sizeof(path), "/tmp/fuzz_worker_settings.%d",
		    (int)getpid());
	}
	if ((f = fopen(path, "w")) == NULL)
		abort();
	if (size > 0 && fwrite(data, 1, size, f) != size)
		abort();
	fclose(f);
	errbuf_clear(&eb);
	if (settings_load(&s, path, &eb) == -1 && eb.msg[0] == '\0')
		abort(); /* a refusal must say why */
	settings_free(&s);
	unlink(path);
	return 0;
}
