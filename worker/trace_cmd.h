/*
 * trace_cmd.h --
 *	A Paris traceroute as a validated struct, from one-shot command line
 *	arguments or from a job (lib/job.h).
 */
#ifndef PINGSVC_WORKER_TRACE_CMD_H
#define PINGSVC_WORKER_TRACE_CMD_H

#include "addr.h"
#include "errbuf.h"
#include "job.h"
#include "result.h"

#define TRACE_DEF_MAX_HOPS 32
#define TRACE_DEF_PACKETS  3
#define TRACE_DEF_GAPLIMIT 5
#define TRACE_DEF_WAIT_MS  2000
#define TRACE_DEF_UDP_PORT 33435 /* traceroute's traditional base */
#define TRACE_DEF_TCP_PORT 80

struct trace_cmd {
	enum result_proto proto; /* ICMP, UDP or TCP */
	struct addr dst;
	int port;                /* UDP/TCP destination port */
	int paris_id;            /* flow, 0..65535 */
	int first_hop;           /* TTL of the nearest hop probed */
	int max_hops;            /* highest TTL probed, 1..255 */
	int packets;             /* probes per hop, 1..RESULT_MAX_REPLIES */
	int gap_limit;           /* stop after this many silent hops in a row */
	int timeout_ms;          /* wait for each reply, ms */
	struct prefix_set allow; /* --allow */
	/* Doubletree's global stop set (job "stop_set", --stop-set). */
	struct addr stop_set[JOB_MAX_STOP_SET];
	int nstop_set;
	const char *targets; /* --targets FILE ("-": stdin), or NULL */
	int help;
};

/*
 * trace_cmd_parse --
 *	Parse "trace [options] ADDRESS" ('argv[0]' is "trace").  Returns 0,
 *	or -1 with 'eb'.  Release '*c' with trace_cmd_free, on failure too.
 */
int trace_cmd_parse(
    int argc, char **argv, struct trace_cmd *c, struct errbuf *eb);

/* trace_cmd_from_job -- The command for a traceroute job; 0 or -1. */
int trace_cmd_from_job(
    const struct job *j, struct trace_cmd *c, struct errbuf *eb);

/* trace_cmd_usage -- The option summary for --help. */
const char *trace_cmd_usage(void);

/* trace_cmd_free -- Release what '*c' holds. */
void trace_cmd_free(struct trace_cmd *c);

#endif
