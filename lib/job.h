/*
 * job.h --
 *	The job format, defined once: what the gateway hands a worker to
 *	measure.  A struct, its JSON encoder and its validating decoder.
 *	Field names follow RIPE Atlas's measurement definitions where the
 *	concept exists there (packets, first_hop, max_hops, port, paris_id)
 *	and the result format elsewhere (type, af, dst_addr, proto).
 */
#ifndef PINGSVC_JOB_H
#define PINGSVC_JOB_H

#include <stdint.h>

#include "addr.h"
#include "errbuf.h"
#include "json.h"
#include "result.h"

/*
 * The most stop-set addresses a job carries: Doubletree's global stop set
 * for one destination, bounded so that a job stays a small message.
 */
#define JOB_MAX_STOP_SET 32

struct job {
	int64_t job_id;          /* >= 1 */
	enum result_type type;   /* ping or traceroute */
	struct addr dst;         /* the target */
	enum result_proto proto; /* ping: ICMP|TCP; trace: any */
	int port;                /* UDP/TCP dst port, -1 absent */
	int paris_id;            /* flow id 0..65535, -1 absent */
	int packets;             /* pings, or probes per hop */
	int first_hop;           /* TTL of the first probe */
	int max_hops;            /* highest TTL probed */
	int gap_limit;           /* stop after this many silent hops */
	int timeout_ms;          /* wait per probe, ms */
	int64_t lease_expires;   /* s since the epoch, -1 absent */
	/*
	 * Traceroute only: interface addresses already seen on paths to
	 * 'dst' (Doubletree's global stop set, "stop_set"); a trace stops
	 * at the first hop answering from one of them.  Same family as
	 * 'dst'; none when nstop_set is 0.
	 */
	struct addr stop_set[JOB_MAX_STOP_SET];
	int nstop_set;
};

/* job_init -- A job of 'type' with the defaults of every optional field. */
void job_init(struct job *j, enum result_type type);

/*
 * job_decode --
 *	Validate the JSON object 'v' as a job into '*out'.  Returns 0, or -1
 *	with 'eb' naming the field.
 */
int job_decode(yajl_val v, struct job *out, struct errbuf *eb);

/* job_encode -- Append 'j' as one JSON object.  Returns 0 or -1 (memory). */
int job_encode(const struct job *j, struct json_out *o);

#endif
