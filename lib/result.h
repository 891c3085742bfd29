/*
 * result.h --
 *	The result format, defined once: one measurement (a ping or a
 *	traceroute) as a struct, its JSON encoder and its validating decoder.
 *	The worker encodes with it; the gateway and the importers decode with
 *	it.  Field names and meanings follow RIPE Atlas's ping and traceroute
 *	result formats (type, af, proto, dst_addr, src_addr, from, paris_id,
 *	timestamp, endtime, result[].hop, result[].result[].from/rtt/size/ttl,
 *	{"x":"*"}, sent/rcvd/min/avg/max), so that tools reading Atlas results
 *	read ours; our own fields (job_id, worker, idem_key, port) sit beside
 *	them.
 */
#ifndef PINGSVC_RESULT_H
#define PINGSVC_RESULT_H

#include <stddef.h>
#include <stdint.h>

#include "addr.h"
#include "errbuf.h"
#include "json.h"

/* Bounds that make a result absurd rather than merely unusual. */
#define RESULT_MAX_HOPS    255     /* hop entries, one per TTL at most */
#define RESULT_MAX_REPLIES 16      /* replies per hop (Atlas: packets <= 16) */
#define RESULT_MAX_PINGS   64      /* ping replies */
#define RESULT_MAX_MPLS    8       /* labels in one stack */
#define RESULT_MAX_RTT_MS  60000.0 /* a reply after a minute is no reply */
#define RESULT_KEY_MAX     128     /* idempotency key length */
#define RESULT_NAME_MAX    255     /* dst_name, worker name */

enum result_type { RESULT_PING = 1, RESULT_TRACEROUTE };

enum result_proto { PROTO_ICMP = 1, PROTO_UDP, PROTO_TCP };

/*
 * Why a traceroute stopped, when that is not the plain end of the path
 * ("stop_reason", scamper's names).  RESULT_STOP_GSS: at a hop in the
 * job's global stop set (Doubletree), so the path beyond it was not
 * probed.
 */
enum result_stop { RESULT_STOP_NONE = 0, RESULT_STOP_GSS };

/* One MPLS label stack entry from ICMP extensions (RFC 4884, RFC 4950). */
struct result_mpls {
	uint32_t label; /* 20 bits */
	uint8_t exp;    /* traffic class, 3 bits */
	uint8_t s;      /* bottom of stack */
	uint8_t ttl;
};

/*
 * One reply to a traceroute probe, or its absence ("x": "*").  Optional
 * numeric fields hold -1 when absent.
 */
struct result_reply {
	int timeout;      /* 1: no reply ("x": "*") */
	struct addr from; /* replying address (not for timeouts) */
	double rtt_ms;    /* ms, -1 when absent (late or old fw) */
	int size;         /* reply size in bytes, -1 absent */
	int ttl;          /* TTL of the reply packet, -1 absent */
	int ittl;         /* TTL of the quoted probe, -1 absent */
	int late;         /* replies that came too late, -1 absent */
	int mtu;          /* from "packet too big", -1 absent */
	int dup;          /* 1: duplicate reply */
	char err[8];      /* Atlas "err" as text ("N", "H", "9") */
	int err_is_num;   /* "err" was a number (ICMP code) */
	struct result_mpls mpls[RESULT_MAX_MPLS];
	size_t nmpls;
};

struct result_hop {
	int hop; /* TTL of the probes, 1..255 */
	struct result_reply *replies;
	size_t nreplies;
	char *error; /* Atlas per-hop "error", or NULL */
};

/* One ping reply: an RTT, a timeout, or an error text. */
struct result_ping {
	int timeout;
	double rtt_ms; /* -1 when timeout or error */
	int ttl;       /* -1 absent */
	int dup;
	char *error; /* NULL unless an error entry */
};

struct result {
	enum result_type type;
	int af; /* 4 or 6 */
	enum result_proto proto;
	struct addr dst;   /* dst_addr */
	char *dst_name;    /* NULL when absent */
	struct addr src;   /* src_addr; af 0 when absent */
	struct addr from;  /* public address; af 0 absent */
	int64_t timestamp; /* s since the epoch, start */
	int64_t endtime;   /* s, -1 when absent */
	int paris_id;      /* -1 when absent */
	int size;          /* probe size (bytes), -1 absent */
	int port;          /* dst port (udp/tcp), -1 absent */
	int64_t fw;        /* Atlas firmware, -1 absent */
	int64_t msm_id;    /* Atlas measurement, -1 */
	int64_t prb_id;    /* Atlas probe, -1 */
	int has_lts;       /* "lts" present */
	int64_t lts;       /* s since the clock was last synchronised (Atlas) */

	/* Our fields. */
	int64_t job_id; /* -1 when not from a job */
	char *worker;   /* set by the gateway, NULL */
	char *idem_key; /* idempotency key, NULL */

	/* Traceroute. */
	enum result_stop stop_reason; /* "stop_reason", NONE: absent */
	struct result_hop *hops;
	size_t nhops;

	/* Ping. */
	int sent, rcvd, dups;
	double min_ms, avg_ms, max_ms; /* -1: no reply */
	int reply_ttl;                 /* ping "ttl", -1 absent */
	struct result_ping *pings;
	size_t npings;
};

/* How strictly to decode. */
enum result_mode {
	/*
	 * Our wire: what the worker sends.  af, proto, timestamp, idem_key
	 * are required and numbers must be JSON numbers.
	 */
	RESULT_WIRE = 1,
	/*
	 * RIPE Atlas's own results as downloaded: older firmware writes
	 * numbers as strings and omits af (derived from dst_addr) or rtt;
	 * no idem_key (the importer derives one).
	 */
	RESULT_ATLAS
};

/*
 * result_decode --
 *	Validate the JSON object 'v' as a result and build '*out' (free with
 *	result_free).  Returns 0, or -1 with 'eb' naming the field, e.g.
 *	"result[3].result[0].rtt: -1 is out of range [0, 60000]".
 */
int result_decode(
    yajl_val v, enum result_mode mode, struct result **out, struct errbuf *eb);

/*
 * result_decode_text --
 *	As result_decode, from JSON text of 'len' bytes.
 */
int result_decode_text(const char *text, size_t len, enum result_mode mode,
    struct result **out, struct errbuf *eb);

/*
 * result_encode --
 *	Append 'r' as one JSON object to 'j' (no newline).  Returns 0 or -1
 *	(memory).  Decoding the output gives back the same result.
 */
int result_encode(const struct result *r, struct json_out *j);

/*
 * result_to_json --
 *	Encode 'r' into a new NUL-terminated string (caller frees), or NULL.
 */
char *result_to_json(const struct result *r);

/* result_new -- An empty result of 'type' with optional fields absent. */
struct result *result_new(enum result_type type);

/* result_free -- Release 'r' and everything it holds.  NULL-safe. */
void result_free(struct result *r);

/* result_proto_name -- "ICMP", "UDP", "TCP" (the JSON spelling). */
const char *result_proto_name(enum result_proto p);

/* result_proto_parse -- Inverse of result_proto_name, case-insensitive. */
int result_proto_parse(const char *s, enum result_proto *out);

#endif
