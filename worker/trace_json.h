/*
 * trace_json.h --
 *	A finished trace (struct trace_outcome) as a result in the common
 *	format.
 */
#ifndef PINGSVC_WORKER_TRACE_JSON_H
#define PINGSVC_WORKER_TRACE_JSON_H

#include "result.h"
#include "trace_do.h"

/*
 * trace_json_result --
 *	Build the result of a finished trace (caller frees with
 *	result_free), or NULL on memory exhaustion.
 */
struct result *trace_json_result(
    const struct trace_cmd *c, const struct trace_outcome *o);

#endif
