/*
 * server.h --
 *	`pingsvc-ingest serve`: the HTTPS gateway.
 */
#ifndef PINGSVC_INGEST_SERVER_H
#define PINGSVC_INGEST_SERVER_H

/*
 * server_main --
 *	Read the config at 'config_path', serve until SIGTERM or SIGINT, then
 *	finish the requests in flight and return 0.  'conninfo' (may be NULL)
 *	overrides the config's database setting.  Returns -1 after logging
 *	why the server could not start.
 */
int server_main(const char *config_path, const char *conninfo);

#endif
