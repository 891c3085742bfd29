/*
 * result_scamper.h --
 *	scamper's JSON output (sc_warts2json, `scamper -O json`) read into
 *	the result format of result.h.  A "trace" record becomes a
 *	traceroute, a "ping" record a ping, with RIPE Atlas field meanings:
 *	scamper's hops[] (one entry per reply, TTL in probe_ttl) become
 *	result[].result[] grouped by TTL, TTLs probed without an answer
 *	become {"x":"*"} entries, ICMP unreachable codes become "err" and
 *	MPLS label stacks from ICMP extensions become "icmpext".  The result
 *	is then checked by result_decode(RESULT_ATLAS), so a scamper result
 *	obeys exactly the rules an Atlas one does.  Records that carry no
 *	measurement ("cycle-start", "cycle-stop", "cycle-def", "list") are
 *	recognised and skipped; MDA traces ("tracelb") and anything else are
 *	refused, since the result format has no place for them.
 */
#ifndef PINGSVC_RESULT_SCAMPER_H
#define PINGSVC_RESULT_SCAMPER_H

#include "errbuf.h"
#include "json.h"
#include "result.h"

/* Longest hostname of a cycle record that is kept. */
#define SCAMPER_HOST_MAX 255

/*
 * result_scamper_decode --
 *	Read one scamper JSON object 'v'.  Returns
 *	   0  a measurement: '*out' is the result (free with result_free),
 *	      its idem_key the stable key of the record
 *	      ("trace:SRC:DST:SEC.USEC:METHOD", likewise "ping:..."), so that
 *	      reading the same record twice gives the same key;
 *	   1  a record without a measurement: '*out' is NULL and '*host', when
 *	      'host' is not NULL, the cycle's "hostname" (NULL when it has
 *	      none; it points into 'v');
 *	  -1  refused: 'eb' names the scamper field, e.g.
 *	      "hops[2].probe_ttl: 300 is out of range [1, 255]".
 */
int result_scamper_decode(
    yajl_val v, struct result **out, const char **host, struct errbuf *eb);

/*
 * result_scamper_decode_text --
 *	As result_scamper_decode, from 'len' bytes of JSON text.  '*host' is
 *	not available here (the tree is freed).
 */
int result_scamper_decode_text(
    const char *text, size_t len, struct result **out, struct errbuf *eb);

#endif
