/*
 * cmd.h --
 *	What the ping and trace command parsers share: strict number and
 *	protocol parsing for options, and the --allow list.
 */
#ifndef PINGSVC_WORKER_CMD_H
#define PINGSVC_WORKER_CMD_H

#include "addr.h"
#include "errbuf.h"
#include "result.h"

/*
 * cmd_int --
 *	Parse 's' as a decimal integer in [min, max] into '*out'.  Returns 0,
 *	or -1 with 'eb' naming 'opt' ("--count: 0 is not in 1..64").
 */
int cmd_int(const char *opt, const char *s, long min, long max, int *out,
    struct errbuf *eb);

/*
 * cmd_proto --
 *	Parse "icmp", "udp" or "tcp" (any case) into '*out'; 'allowed' is a
 *	bit mask of (1 << PROTO_*) the command accepts.  Returns 0 or -1.
 */
int cmd_proto(
    const char *s, unsigned allowed, enum result_proto *out, struct errbuf *eb);

/*
 * cmd_target --
 *	Parse the ADDRESS operand (IPv4 or IPv6 literal; no names: the
 *	worker never resolves).  Returns 0, or -1 with 'eb'.
 */
int cmd_target(const char *s, struct addr *out, struct errbuf *eb);

/*
 * cmd_operands --
 *	The operands after the options of command 'name' ("ping", "trace"):
 *	with --targets ('targets' not NULL) there must be none; otherwise
 *	exactly one ADDRESS, parsed into '*dst'.  Returns 0, or -1 with 'eb'.
 */
int cmd_operands(const char *name, int argc, char **argv, int first,
    const char *targets, struct addr *dst, struct errbuf *eb);

/*
 * cmd_targets_load --
 *	Read target addresses from 'path' ("-": standard input), one a line;
 *	'#' starts a comment, blank lines are skipped.  '*out' (caller frees)
 *	gets '*n' addresses.  Returns 0, or -1 with 'eb' naming the line.
 */
int cmd_targets_load(
    const char *path, struct addr **out, size_t *n, struct errbuf *eb);

#endif
