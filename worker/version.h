/*
 * version.h --
 *	The worker's version, printed by --version and reported by selftest.
 */
#ifndef PINGSVC_WORKER_VERSION_H
#define PINGSVC_WORKER_VERSION_H

#define WORKER_VERSION "0.1.0"

#endif
