/*
 * ping_cmd.c --
 *	Ping arguments and jobs into a struct ping_cmd (see ping_cmd.h).
 */
#include <getopt.h>
#include <string.h>

#include "cmd.h"
#include "ping_cmd.h"

static void
ping_cmd_defaults(struct ping_cmd *c)
{
	memset(c, 0, sizeof(*c));
	c->proto = PROTO_ICMP;
	c->port = PING_DEF_PORT;
	c->count = PING_DEF_COUNT;
	c->interval_ms = PING_DEF_GAP_MS;
	c->timeout_ms = PING_DEF_WAIT_MS;
	c->allow = (struct prefix_set)PREFIX_SET_INIT;
}

const char *
ping_cmd_usage(void)
{
	return "ping [--proto icmp|tcp] [--port N] [--count N] "
	       "[--interval MS]\n"
	       "     [--wait MS] [--allow CIDR]... ADDRESS | --targets FILE\n";
}

int
ping_cmd_parse(int argc, char **argv, struct ping_cmd *c, struct errbuf *eb)
{
	static const struct option opts[] = {
		{ "proto", required_argument, NULL, 'P' },
		{ "port", required_argument, NULL, 'p' },
		{ "count", required_argument, NULL, 'n' },
		{ "interval", required_argument, NULL, 'i' },
		{ "wait", required_argument, NULL, 'w' },
		{ "allow", required_argument, NULL, 'a' },
		{ "targets", required_argument, NULL, 'T' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int ch, port_given = 0;

	ping_cmd_defaults(c);
	optind = 0; /* glibc: full reset, so the parser can run again */
	opterr = 0;
	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (ch) {
		case 'P':
			if (cmd_proto(optarg,
				(1U << PROTO_ICMP) | (1U << PROTO_TCP),
				&c->proto, eb) == -1)
				return -1;
			break;
		case 'p':
			if (cmd_int("--port", optarg, 1, 65535, &c->port, eb) ==
			    -1)
				return -1;
			port_given = 1;
			break;
		case 'n':
			if (cmd_int("--count", optarg, 1, RESULT_MAX_PINGS,
				&c->count, eb) == -1)
				return -1;
			break;
		case 'i':
			if (cmd_int("--interval", optarg, 0, 60000,
				&c->interval_ms, eb) == -1)
				return -1;
			break;
		case 'w':
			if (cmd_int("--wait", optarg, 1, 60000, &c->timeout_ms,
				eb) == -1)
				return -1;
			break;
		case 'a':
			if (prefix_set_add_str(&c->allow, optarg, eb) == -1)
				return errbuf_prefix(eb, "--allow");
			break;
		case 'T':
			c->targets = optarg;
			break;
		case 'h':
			c->help = 1;
			return 0;
		default:
			return errbuf_set(eb, "ping: unknown option \"%s\"",
			    argv[optind - 1]);
		}
	}
	if (port_given && c->proto != PROTO_TCP)
		return errbuf_set(eb, "--port: only for --proto tcp");
	return cmd_operands(
	    "ping", argc, argv, optind, c->targets, &c->dst, eb);
}

int
ping_cmd_from_job(const struct job *j, struct ping_cmd *c, struct errbuf *eb)
{
	ping_cmd_defaults(c);
	if (j->type != RESULT_PING)
		return errbuf_set(
		    eb, "job %lld is not a ping", (long long)j->job_id);
	if (j->proto != PROTO_ICMP && j->proto != PROTO_TCP)
		return errbuf_set(eb, "job %lld: ping over %s is not supported",
		    (long long)j->job_id, result_proto_name(j->proto));
	c->proto = j->proto;
	c->dst = j->dst;
	if (j->port > 0)
		c->port = j->port;
	if (j->packets > 0)
		c->count = j->packets > RESULT_MAX_PINGS ? RESULT_MAX_PINGS
							 : j->packets;
	if (j->timeout_ms > 0)
		c->timeout_ms = j->timeout_ms;
	return 0;
}

void
ping_cmd_free(struct ping_cmd *c)
{
	prefix_set_free(&c->allow);
}
