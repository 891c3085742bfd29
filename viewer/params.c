/*
 * params.c --
 *	Every parameter any page takes, with its validator (cgi.h).  The
 *	README's parameter table documents the same list.
 */
#include <stddef.h>

#include "params.h"

const struct cgi_spec viewer_params[] = {
	{ "page", CGI_PAGE, 0, 0, NULL },
	{ "at", CGI_TS, 0, 0, NULL },
	{ "from", CGI_TS, 0, 0, NULL },
	{ "to", CGI_TS, 0, 0, NULL },
	{ "target", CGI_ADDR, 0, 0, NULL },
	{ "vantage", CGI_VANTAGE, 0, 0, NULL },
	{ "worker", CGI_VANTAGE, 0, 0, NULL },
	{ "limit", CGI_INT, 1, 1000, NULL },
	{ "agg", CGI_ENUM, 0, 0, "ip|24|as" },
	{ "by", CGI_ENUM, 0, 0, "as|country" },
	{ "action", CGI_ENUM, 0, 0,
	    "pause|resume|add_target|add_optout|requeue_failed|enroll|revoke" },
	{ "caps", CGI_ENUM, 0, 0,
	    "icmp|udp|tcp|icmp,udp|icmp,tcp|udp,tcp|icmp,udp,tcp" },
	{ "csrf", CGI_TOKEN, 0, 0, NULL },
	{ "address", CGI_ADDR, 0, 0, NULL },
	{ "prefix", CGI_PREFIX, 0, 0, NULL },
	{ "contact", CGI_TEXT, 0, 200, NULL },
	{ "reason", CGI_TEXT, 0, 1000, NULL },
	{ NULL, CGI_TEXT, 0, 0, NULL },
};
