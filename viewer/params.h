/*
 * params.h --
 *	The one table of every parameter the viewer's pages and control
 *	actions accept, with its validator.  main.c parses each request
 *	against it; the unit test and the fuzzer use the same table, so a
 *	parameter added to a page is tested without being listed twice.
 */
#ifndef PINGSVC_VIEWER_PARAMS_H
#define PINGSVC_VIEWER_PARAMS_H

#include "cgi.h"

/* Terminated by an entry whose name is NULL. */
extern const struct cgi_spec viewer_params[];

#endif
