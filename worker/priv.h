/*
 * priv.h --
 *	Dropping privileges once the raw sockets are open, as OpenBSD's ping
 *	does: the rest of the program parses untrusted packets and must not
 *	be able to open more raw sockets, bind low ports or read files it
 *	has no business with.
 */
#ifndef PINGSVC_WORKER_PRIV_H
#define PINGSVC_WORKER_PRIV_H

#include "errbuf.h"

/*
 * priv_drop --
 *	When running as root: switch groups, gid and uid to 'user' (keeping
 *	no supplementary group) and check that root cannot be regained.  In
 *	every case: drop all capabilities (a non-root service started by
 *	systemd with CAP_NET_RAW loses it here, after the sockets exist) and
 *	set no_new_privs.  Returns 0, or -1 with 'eb'.
 */
int priv_drop(const char *user, struct errbuf *eb);

#endif
