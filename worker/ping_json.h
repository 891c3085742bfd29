/*
 * ping_json.h --
 *	A finished ping (struct ping_outcome) as a result in the common
 *	format.
 */
#ifndef PINGSVC_WORKER_PING_JSON_H
#define PINGSVC_WORKER_PING_JSON_H

#include "ping_do.h"
#include "result.h"

/*
 * ping_json_result --
 *	Build the result (lib/result.h) of a finished ping: caller frees it
 *	with result_free.  Returns NULL on memory exhaustion.
 */
struct result *ping_json_result(
    const struct ping_cmd *c, const struct ping_outcome *o);

#endif
