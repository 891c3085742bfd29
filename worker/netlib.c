/*
 * netlib.c --
 *	Loading libcurl and libmicrohttpd on demand (see netlib.h).
 */
#include <dlfcn.h>
#include <stddef.h>

#include "netlib.h"

struct netlib netlib;

/*
 * The shared objects by soname: the ABI the headers we compiled against
 * describe (libcurl4-gnutls-dev, libmicrohttpd-dev); each is tried in
 * order.
 */
static const char *const curl_names[] = { "libcurl-gnutls.so.4", "libcurl.so.4",
	NULL };
static const char *const mhd_names[] = { "libmicrohttpd.so.12", NULL };

struct sym {
	void **slot;
	const char *name;
	int mhd; /* from libmicrohttpd, else libcurl */
};

#define SYM(f, mhd)                                                            \
	{                                                                      \
		(void **)&netlib.f, #f, mhd                                    \
	}

static const struct sym syms[] = {
	SYM(curl_global_init, 0),
	SYM(curl_global_cleanup, 0),
	SYM(curl_easy_init, 0),
	SYM(curl_easy_cleanup, 0),
	SYM(curl_easy_reset, 0),
	SYM(curl_easy_setopt, 0),
	SYM(curl_easy_perform, 0),
	SYM(curl_easy_getinfo, 0),
	SYM(curl_easy_strerror, 0),
	SYM(curl_getdate, 0),
	SYM(curl_slist_append, 0),
	SYM(curl_slist_free_all, 0),
	SYM(MHD_start_daemon, 1),
	SYM(MHD_stop_daemon, 1),
	SYM(MHD_create_response_from_buffer, 1),
	SYM(MHD_add_response_header, 1),
	SYM(MHD_queue_response, 1),
	SYM(MHD_destroy_response, 1),
};

static void *
open_first(const char *const *names, const char *pkg, struct errbuf *eb)
{
	void *h;
	size_t i;

	for (i = 0; names[i] != NULL; i++)
		if ((h = dlopen(names[i], RTLD_NOW | RTLD_LOCAL)) != NULL)
			return h;
	errbuf_set(
	    eb, "cannot load %s (install %s): %s", names[0], pkg, dlerror());
	return NULL;
}

int
netlib_load(struct errbuf *eb)
{
	static void *curl_h, *mhd_h;
	static int loaded;
	size_t i;
	void *p;

	if (loaded)
		return 0;
	if (curl_h == NULL &&
	    (curl_h = open_first(curl_names, "libcurl3-gnutls", eb)) == NULL)
		return -1;
	if (mhd_h == NULL &&
	    (mhd_h = open_first(mhd_names, "libmicrohttpd12", eb)) == NULL)
		return -1;
	for (i = 0; i < sizeof(syms) / sizeof(syms[0]); i++) {
		if ((p = dlsym(syms[i].mhd ? mhd_h : curl_h, syms[i].name)) ==
		    NULL)
			return errbuf_set(eb, "%s: no symbol %s",
			    syms[i].mhd ? mhd_names[0] : curl_names[0],
			    syms[i].name);
		*syms[i].slot = p;
	}
	loaded = 1;
	return 0;
}
