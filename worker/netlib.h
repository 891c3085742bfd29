/*
 * netlib.h --
 *	libcurl and libmicrohttpd, loaded with dlopen(3) when the daemon
 *	starts rather than linked.  Only `run` talks HTTPS; linked, the two
 *	libraries and their dependencies (GnuTLS, nettle, Kerberos, LDAP,
 *	...: some thirty objects) were mapped, relocated and initialised by
 *	every one-shot `ping` and `trace` too, which cost about 6 MiB of
 *	resident memory and milliseconds of start-up for nothing.
 *
 *	The callers use the functions through 'netlib', typed by the
 *	libraries' own headers, e.g. netlib.curl_easy_init().  With GCC,
 *	curl.h makes curl_easy_setopt and curl_easy_getinfo type-checking
 *	macros, so those two are called as (netlib.curl_easy_setopt)(...).
 */
#ifndef PINGSVC_WORKER_NETLIB_H
#define PINGSVC_WORKER_NETLIB_H

#include <curl/curl.h>
#include <microhttpd.h>

#include "errbuf.h"

struct netlib {
	__typeof__(curl_global_init) *curl_global_init;
	__typeof__(curl_global_cleanup) *curl_global_cleanup;
	__typeof__(curl_easy_init) *curl_easy_init;
	__typeof__(curl_easy_cleanup) *curl_easy_cleanup;
	__typeof__(curl_easy_reset) *curl_easy_reset;
	__typeof__(curl_easy_setopt) *curl_easy_setopt;
	__typeof__(curl_easy_perform) *curl_easy_perform;
	__typeof__(curl_easy_getinfo) *curl_easy_getinfo;
	__typeof__(curl_easy_strerror) *curl_easy_strerror;
	__typeof__(curl_getdate) *curl_getdate;
	__typeof__(curl_slist_append) *curl_slist_append;
	__typeof__(curl_slist_free_all) *curl_slist_free_all;
	__typeof__(MHD_start_daemon) *MHD_start_daemon;
	__typeof__(MHD_stop_daemon) *MHD_stop_daemon;
	__typeof__(MHD_create_response_from_buffer)
	    *MHD_create_response_from_buffer;
	__typeof__(MHD_add_response_header) *MHD_add_response_header;
	__typeof__(MHD_queue_response) *MHD_queue_response;
	__typeof__(MHD_destroy_response) *MHD_destroy_response;
};

/* Valid after netlib_load returned 0; all NULL before. */
extern struct netlib netlib;

/*
 * netlib_load --
 *	Load both libraries and every function above (once; later calls
 *	return at once).  Returns 0, or -1 with 'eb' naming the library or
 *	symbol missing and the package that provides it.  The libraries stay
 *	loaded until exit.
 */
int netlib_load(struct errbuf *eb);

#endif
