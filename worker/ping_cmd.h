/*
 * ping_cmd.h --
 *	A ping measurement as a validated struct, from one-shot command line
 *	arguments or from a job (lib/job.h).
 */
#ifndef PINGSVC_WORKER_PING_CMD_H
#define PINGSVC_WORKER_PING_CMD_H

#include "addr.h"
#include "errbuf.h"
#include "job.h"
#include "result.h"

#define PING_DEF_COUNT   3
#define PING_DEF_PORT    80
#define PING_DEF_WAIT_MS 1000 /* per probe */
#define PING_DEF_GAP_MS  1000 /* between the probes of one ping */

struct ping_cmd {
	enum result_proto proto; /* PROTO_ICMP or PROTO_TCP */
	struct addr dst;
	int port;                /* TCP destination port */
	int count;               /* probes, 1..RESULT_MAX_PINGS */
	int interval_ms;         /* between probes, ms */
	int timeout_ms;          /* wait for each reply, ms */
	struct prefix_set allow; /* --allow */
	const char *targets;     /* --targets FILE ("-": stdin), or NULL */
	int help;                /* --help given: nothing else is valid */
};

/*
 * ping_cmd_parse --
 *	Parse "ping [options] ADDRESS" ('argv[0]' is "ping") into '*c'.
 *	Returns 0, or -1 with 'eb' saying which argument is wrong.  '*c'
 *	holds an allow set to release with ping_cmd_free, on failure too.
 */
int ping_cmd_parse(
    int argc, char **argv, struct ping_cmd *c, struct errbuf *eb);

/*
 * ping_cmd_from_job --
 *	The command for a ping job.  Returns 0, or -1 with 'eb' when the job
 *	asks for something a ping cannot do.
 */
int ping_cmd_from_job(
    const struct job *j, struct ping_cmd *c, struct errbuf *eb);

/* ping_cmd_usage -- The option summary for --help. */
const char *ping_cmd_usage(void);

/* ping_cmd_free -- Release what '*c' holds. */
void ping_cmd_free(struct ping_cmd *c);

#endif
