/*
 * trace_cmd.c --
 *	Traceroute arguments and jobs into a struct trace_cmd.
 */
#include <getopt.h>
#include <string.h>

#include "cmd.h"
#include "trace_cmd.h"

static void
trace_cmd_defaults(struct trace_cmd *c)
{
	memset(c, 0, sizeof(*c));
	c->proto = PROTO_ICMP;
	c->port = -1;
	c->paris_id = 0;
	c->first_hop = 1;
	c->max_hops = TRACE_DEF_MAX_HOPS;
	c->packets = TRACE_DEF_PACKETS;
	c->gap_limit = TRACE_DEF_GAPLIMIT;
	c->timeout_ms = TRACE_DEF_WAIT_MS;
	c->allow = (struct prefix_set)PREFIX_SET_INIT;
}

const char *
trace_cmd_usage(void)
{
	return "trace [--proto icmp|udp|tcp] [--port N] [--paris-id N] "
	       "[--first-hop N]\n"
	       "      [--max-hops N] [--packets N] [--gap-limit N] "
	       "[--wait MS]\n"
	       "      [--stop-set ADDRESS]... [--allow CIDR]... "
	       "ADDRESS | --targets FILE\n";
}

/* Checks across options, and the protocol's default port. */
static int
trace_cmd_check(struct trace_cmd *c, struct errbuf *eb)
{
	int i;

	for (i = 0; i < c->nstop_set; i++)
		if (c->targets == NULL && c->stop_set[i].af != c->dst.af)
			return errbuf_set(
			    eb, "--stop-set: not of the destination's family");
	if (c->first_hop > c->max_hops)
		return errbuf_set(eb, "--first-hop %d is beyond --max-hops %d",
		    c->first_hop, c->max_hops);
	if (c->proto == PROTO_ICMP && c->port != -1)
		return errbuf_set(eb, "--port: only for --proto udp or tcp");
	if (c->port == -1 && c->proto == PROTO_UDP)
		c->port = TRACE_DEF_UDP_PORT;
	if (c->port == -1 && c->proto == PROTO_TCP)
		c->port = TRACE_DEF_TCP_PORT;
	return 0;
}

/* One --stop-set address. */
static int
add_stop(struct trace_cmd *c, const char *s, struct errbuf *eb)
{
	if (c->nstop_set == JOB_MAX_STOP_SET)
		return errbuf_set(
		    eb, "--stop-set: at most %d addresses", JOB_MAX_STOP_SET);
	if (addr_parse(s, &c->stop_set[c->nstop_set], eb) == -1)
		return errbuf_prefix(eb, "--stop-set");
	c->nstop_set++;
	return 0;
}

int
trace_cmd_parse(int argc, char **argv, struct trace_cmd *c, struct errbuf *eb)
{
	static const struct option opts[] = {
		{ "proto", required_argument, NULL, 'P' },
		{ "port", required_argument, NULL, 'p' },
		{ "paris-id", required_argument, NULL, 'I' },
		{ "first-hop", required_argument, NULL, 'f' },
		{ "max-hops", required_argument, NULL, 'm' },
		{ "packets", required_argument, NULL, 'q' },
		{ "gap-limit", required_argument, NULL, 'g' },
		{ "wait", required_argument, NULL, 'w' },
		{ "allow", required_argument, NULL, 'a' },
		{ "targets", required_argument, NULL, 'T' },
		{ "stop-set", required_argument, NULL, 'S' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int ch, rc = 0;

	trace_cmd_defaults(c);
	optind = 0;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (ch) {
		case 'P':
			rc = cmd_proto(optarg,
			    (1U << PROTO_ICMP) | (1U << PROTO_UDP) |
				(1U << PROTO_TCP),
			    &c->proto, eb);
			break;
		case 'p':
			rc = cmd_int("--port", optarg, 1, 65535, &c->port, eb);
			break;
		case 'I':
			rc = cmd_int(
			    "--paris-id", optarg, 0, 65535, &c->paris_id, eb);
			break;
		case 'f':
			rc = cmd_int(
			    "--first-hop", optarg, 1, 255, &c->first_hop, eb);
			break;
		case 'm':
			rc = cmd_int(
			    "--max-hops", optarg, 1, 255, &c->max_hops, eb);
			break;
		case 'q':
			rc = cmd_int("--packets", optarg, 1, RESULT_MAX_REPLIES,
			    &c->packets, eb);
			break;
		case 'g':
			rc = cmd_int(
			    "--gap-limit", optarg, 1, 255, &c->gap_limit, eb);
			break;
		case 'w':
			rc = cmd_int(
			    "--wait", optarg, 1, 60000, &c->timeout_ms, eb);
			break;
		case 'a':
			if ((rc = prefix_set_add_str(&c->allow, optarg, eb)) ==
			    -1)
				errbuf_prefix(eb, "--allow");
			break;
		case 'T':
			c->targets = optarg;
			break;
		case 'S':
			rc = add_stop(c, optarg, eb);
			break;
		case 'h':
			c->help = 1;
			return 0;
		default:
			return errbuf_set(eb, "trace: unknown option \"%s\"",
			    argv[optind - 1]);
		}
		if (rc == -1)
			return -1;
	}
	if (cmd_operands(
		"trace", argc, argv, optind, c->targets, &c->dst, eb) == -1)
		return -1;
	return trace_cmd_check(c, eb);
}

int
trace_cmd_from_job(const struct job *j, struct trace_cmd *c, struct errbuf *eb)
{
	trace_cmd_defaults(c);
	if (j->type != RESULT_TRACEROUTE)
		return errbuf_set(
		    eb, "job %lld is not a traceroute", (long long)j->job_id);
	c->proto = j->proto;
	c->dst = j->dst;
	c->port = j->port > 0 && j->proto != PROTO_ICMP ? j->port : -1;
	if (j->paris_id >= 0)
		c->paris_id = j->paris_id;
	if (j->first_hop > 0)
		c->first_hop = j->first_hop;
	if (j->max_hops > 0)
		c->max_hops = j->max_hops > 255 ? 255 : j->max_hops;
	if (j->packets > 0)
		c->packets = j->packets > RESULT_MAX_REPLIES
		    ? RESULT_MAX_REPLIES
		    : j->packets;
	if (j->gap_limit > 0)
		c->gap_limit = j->gap_limit;
	if (j->timeout_ms > 0)
		c->timeout_ms = j->timeout_ms;
	memcpy(c->stop_set, j->stop_set, sizeof(c->stop_set));
	c->nstop_set = j->nstop_set;
	return trace_cmd_check(c, eb);
}

void
trace_cmd_free(struct trace_cmd *c)
{
	prefix_set_free(&c->allow);
}
