/*
 * main.c --
 *	pingsvc-worker: argument parsing, start-up and the one-shot modes.
 *
 *	Order of start-up, each step before the next may fail:
 *	  1. parse arguments and the configuration (-c FILE);
 *	  2. apply the safety rule to the target (addr_check_target): a
 *	     refused target ends the program before any socket exists, so
 *	     not a single packet can leave;
 *	  3. open the raw sockets (needs root or CAP_NET_RAW);
 *	  4. drop privileges (priv_drop) -- all packet parsing happens after;
 *	  5. run the event loop and print one result line.
 *
 *	Exit status: 0 the measurement ran (whether or not the target
 *	answered) or the command succeeded; 1 usage, configuration or system
 *	errors (no raw socket, no route); 2 the safety rule refused the
 *	target.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "json.h"
#include "cmd.h"
#include "daemon.h"
#include "log.h"
#include "loop.h"
#include "ping_do.h"
#include "ping_json.h"
#include "priv.h"
#include "result.h"
#include "selftest.h"
#include "settings.h"
#include "sock.h"
#include "trace_do.h"
#include "trace_json.h"
#include "util.h"
#include "version.h"

#define EXIT_USAGE   1
#define EXIT_REFUSED 2

static volatile sig_atomic_t stop_flag;

static void
on_signal(int sig)
{
	(void)sig;
	stop_flag = 1;
}

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: pingsvc-worker [-c CONFIG] [-d] COMMAND [options]\n"
	    "commands:\n"
	    "  %s"
	    "  %s"
	    "  selftest            print what this host lets us measure "
	    "(JSON)\n"
	    "  check               validate result lines on stdin and "
	    "summarise them\n"
	    "  run [--allow CIDR]  daemon: claim jobs from the gateway, "
	    "measure, submit\n"
	    "  pingsvc-worker --version | --help\n"
	    "Exit status: 0 measured, 1 usage/config/system error, "
	    "2 target refused.\n"
	    "See pingsvc-worker(8).\n",
	    ping_cmd_usage(), trace_cmd_usage());
}

/*
 * Results go out one a line through one JSON generator writing into a
 * buffer that is flushed to stdout every OUT_FLUSH bytes: a sweep prints
 * tens of thousands of lines.  yajl puts the newline in front of the
 * next document (json_out_next), so the last line gets its own.
 */
#define OUT_FLUSH 65536

struct out_lines {
	struct buf b;
	struct json_out j;
	int started;
};

static int
out_flush(struct out_lines *o)
{
	if (o->b.len > 0 && fwrite(o->b.data, 1, o->b.len, stdout) != o->b.len)
		return -1;
	buf_reset(&o->b);
	return 0;
}

/* Append 'r' as one line.  Returns 0 or -1 (memory, or stdout failed). */
static int
out_result(struct out_lines *o, const struct result *r)
{
	if (o->started)
		json_out_next(&o->j);
	o->started = 1;
	if (result_encode(r, &o->j) == -1)
		return -1;
	return o->b.len >= OUT_FLUSH ? out_flush(o) : 0;
}

/* The final newline and flush. */
static int
out_finish(struct out_lines *o)
{
	if (o->started && buf_puts(&o->b, "\n") == -1)
		return -1;
	if (out_flush(o) == -1 || fflush(stdout) != 0)
		return -1;
	return 0;
}

/*
 * The common part of ping and trace once the command is parsed: the
 * safety rule for every target, source addresses, sockets, privilege drop,
 * the loop, and one result line per target in the order given.  'add'
 * creates the measurement of one target and adds it to the loop; 'finish'
 * turns it into a result.
 */
struct measure {
	struct addr *dsts; /* targets */
	size_t ndst;
	const struct prefix_set *cmd_allow;
	const void *cmd;
	void *(*add)(const void *cmd, struct loop *l, const struct addr *dst,
	    const struct addr *src, struct errbuf *eb);
	struct result *(*finish)(void *state);
};

static int
measure(struct settings *st, struct measure *m)
{
	struct prefix_set allow = PREFIX_SET_INIT;
	struct sock_set socks = SOCK_SET_INIT;
	struct loop_conf lc;
	struct loop *l = NULL;
	struct result *r = NULL;
	struct addr *srcs = NULL;
	struct errbuf eb;
	char as[ADDR_STRLEN];
	void **states = NULL;
	uint64_t start = loop_now_us(), t0, t1;
	size_t i, k, *perm = NULL;
	struct sock_router router = SOCK_ROUTER_INIT;
	struct out_lines out;
	int rc = EXIT_USAGE, v6 = 0, out_init = 0;

	errbuf_clear(&eb);
	memset(&out, 0, sizeof(out));
	out.b = (struct buf)BUF_INIT;
	for (i = 0; i < st->allow.n; i++)
		if (prefix_set_add(&allow, &st->allow.v[i], &eb) == -1)
			goto fail;
	for (i = 0; i < m->cmd_allow->n; i++)
		if (prefix_set_add(&allow, &m->cmd_allow->v[i], &eb) == -1)
			goto fail;
	/* Every target passes the rule before the first packet leaves. */
	for (i = 0; i < m->ndst; i++)
		if (addr_check_target(&m->dsts[i], &allow, &st->deny, &eb) ==
		    -1) {
			fprintf(
			    stderr, "pingsvc-worker: %s\n", errbuf_msg(&eb));
			rc = EXIT_REFUSED;
			goto out;
		}
	if ((srcs = calloc(m->ndst, sizeof(*srcs))) == NULL ||
	    (states = calloc(m->ndst, sizeof(*states))) == NULL) {
		errbuf_set(&eb, "out of memory");
		goto fail;
	}
	for (i = 0; i < m->ndst; i++) {
		v6 |= m->dsts[i].af == 6;
		if (sock_route_src(&router, &m->dsts[i], &srcs[i], &eb) == -1) {
			errbuf_prefix(&eb, "%s",
			    addr_format(&m->dsts[i], as, sizeof(as)));
			goto fail;
		}
	}
	sock_router_close(&router);
	if (sock_open(&socks, &eb) == -1 || priv_drop(st->user, &eb) == -1)
		goto fail;
	if (v6 && socks.send6_fd == -1) {
		errbuf_set(&eb, "IPv6 targets, but this host has no IPv6");
		goto fail;
	}
	lc.rate_pps = st->rate_pps;
	lc.target_interval_ms = (uint32_t)st->target_interval_ms;
	if ((l = loop_new(&socks, &lc, (uint16_t)util_random32(), &eb)) == NULL)
		goto fail;
	/*
	 * Created and added in a random order (loop_add); the results are
	 * printed in the order given.  Without memory for the order, as
	 * given.
	 */
	perm = util_permutation(m->ndst);
	for (k = 0; k < m->ndst; k++) {
		i = perm != NULL ? perm[k] : k;
		if ((states[i] = m->add(
			 m->cmd, l, &m->dsts[i], &srcs[i], &eb)) == NULL)
			goto fail;
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	t0 = loop_now_us();
	if (loop_run(l, &stop_flag, &eb) == -1)
		goto fail;
	t1 = loop_now_us();
	LOG(LOG_LVL_DEBUG,
	    "%zu measurements in %.3f s (start-up %.3f s): "
	    "sent %llu, replies %llu, late %llu, dups %llu, truncated %llu, "
	    "malformed %llu, foreign %llu, send stamps %llu",
	    m->ndst, (double)(t1 - t0) / 1e6, (double)(t0 - start) / 1e6,
	    (unsigned long long)loop_stats(l)->sent,
	    (unsigned long long)loop_stats(l)->replies,
	    (unsigned long long)loop_stats(l)->late,
	    (unsigned long long)loop_stats(l)->dups,
	    (unsigned long long)loop_stats(l)->truncated,
	    (unsigned long long)loop_stats(l)->malformed,
	    (unsigned long long)loop_stats(l)->foreign,
	    (unsigned long long)loop_stats(l)->tx_stamps);
	if (loop_stats(l)->send_errors > 0)
		LOG(LOG_LVL_WARN,
		    "%llu probes could not be sent (%s): their results say "
		    "\"send failed\" and do not count them as sent",
		    (unsigned long long)loop_stats(l)->send_errors,
		    strerror(loop_stats(l)->send_errno));
	if (json_out_init(&out.j, &out.b) == -1) {
		errbuf_set(&eb, "out of memory");
		goto fail;
	}
	out_init = 1;
	for (i = 0; i < m->ndst; i++) {
		if ((r = m->finish(states[i])) == NULL) {
			errbuf_set(&eb, "out of memory");
			goto fail;
		}
		if (out_result(&out, r) == -1) {
			errbuf_set(
			    &eb, "writing the results: %s", strerror(errno));
			goto fail;
		}
		result_free(r);
		r = NULL;
	}
	if (out_finish(&out) == -1) {
		errbuf_set(&eb, "writing the results: %s", strerror(errno));
		goto fail;
	}
	LOG(LOG_LVL_DEBUG, "results written in %.3f s",
	    (double)(loop_now_us() - t1) / 1e6);
	rc = 0;
	goto out;
fail:
	fprintf(stderr, "pingsvc-worker: %s\n", errbuf_msg(&eb));
out:
	if (out_init)
		json_out_free(&out.j);
	buf_free(&out.b);
	result_free(r);
	loop_free(l); /* frees the measurements in 'states' */
	sock_close(&socks);
	prefix_set_free(&allow);
	free(states);
	free(srcs);
	free(perm);
	sock_router_close(&router);
	return rc;
}

static void *
ping_add(const void *cmd, struct loop *l, const struct addr *dst,
    const struct addr *src, struct errbuf *eb)
{
	struct ping_cmd c = *(const struct ping_cmd *)cmd;
	struct ping_do *pd;

	c.dst = *dst;
	if ((pd = ping_do_new(&c, l, src, eb)) == NULL)
		return NULL;
	if (loop_add(l, &ping_do_ops, pd, dst, eb) == -1) {
		ping_do_ops.free(pd);
		return NULL;
	}
	return pd;
}

static struct result *
ping_finish(void *state)
{
	return ping_json_result(ping_do_cmd(state), ping_do_outcome(state));
}

static void *
trace_add(const void *cmd, struct loop *l, const struct addr *dst,
    const struct addr *src, struct errbuf *eb)
{
	struct trace_cmd c = *(const struct trace_cmd *)cmd;
	struct trace_do *td;

	c.dst = *dst;
	if ((td = trace_do_new(&c, l, src, eb)) == NULL)
		return NULL;
	if (loop_add(l, &trace_do_ops, td, dst, eb) == -1) {
		trace_do_ops.free(td);
		return NULL;
	}
	return td;
}

static struct result *
trace_finish(void *state)
{
	return trace_json_result(trace_do_cmd(state), trace_do_outcome(state));
}

/*
 * The targets of a command: its ADDRESS, or the addresses in its
 * --targets file.  Returns 0 or -1 with 'eb'; '*dsts' is the caller's.
 */
static int
targets(const char *file, const struct addr *one, struct addr **dsts, size_t *n,
    struct errbuf *eb)
{
	if (file != NULL)
		return cmd_targets_load(file, dsts, n, eb);
	if ((*dsts = malloc(sizeof(**dsts))) == NULL)
		return errbuf_set(eb, "out of memory");
	**dsts = *one;
	*n = 1;
	return 0;
}

/*
 * oneshot --
 *	The common tail of `ping` and `trace` once their arguments are
 *	parsed ('parsed' is the parser's 0/-1, 'eb' its complaint): usage
 *	errors, --help, the target list, then the measurement.  'm' holds the
 *	command and its add/finish callbacks.
 */
static int
oneshot(struct settings *st, int parsed, const struct errbuf *eb,
    const char *usage, int help, const char *targets_file,
    const struct addr *dst, struct measure *m)
{
	struct errbuf teb;
	int rc = EXIT_USAGE;

	if (parsed == -1) {
		fprintf(stderr, "pingsvc-worker: %s\nusage: pingsvc-worker %s",
		    errbuf_msg(eb), usage);
		return rc;
	}
	if (help) {
		printf("usage: pingsvc-worker %s", usage);
		return 0;
	}
	if (targets(targets_file, dst, &m->dsts, &m->ndst, &teb) == -1) {
		fprintf(stderr, "pingsvc-worker: %s\n", errbuf_msg(&teb));
		return rc;
	}
	rc = measure(st, m);
	free(m->dsts);
	m->dsts = NULL;
	return rc;
}

static int
cmd_ping(struct settings *st, int argc, char **argv)
{
	struct ping_cmd c;
	struct measure m = {
		.cmd = &c, .add = ping_add, .finish = ping_finish
	};
	struct errbuf eb;
	int parsed, rc;

	parsed = ping_cmd_parse(argc, argv, &c, &eb);
	m.cmd_allow = &c.allow;
	rc = oneshot(
	    st, parsed, &eb, ping_cmd_usage(), c.help, c.targets, &c.dst, &m);
	ping_cmd_free(&c);
	return rc;
}

static int
cmd_trace(struct settings *st, int argc, char **argv)
{
	struct trace_cmd c;
	struct measure m = {
		.cmd = &c, .add = trace_add, .finish = trace_finish
	};
	struct errbuf eb;
	int parsed, rc;

	parsed = trace_cmd_parse(argc, argv, &c, &eb);
	m.cmd_allow = &c.allow;
	rc = oneshot(
	    st, parsed, &eb, trace_cmd_usage(), c.help, c.targets, &c.dst, &m);
	trace_cmd_free(&c);
	return rc;
}

static int
cmd_selftest(const struct settings *st)
{
	struct buf b = BUF_INIT;
	int rc;

	if ((rc = selftest_json(&b,
		 st->has_selftest_addr ? &st->selftest_addr : NULL)) == -1) {
		fprintf(stderr, "pingsvc-worker: out of memory\n");
		buf_free(&b);
		return EXIT_USAGE;
	}
	printf("%s\n", buf_str(&b));
	buf_free(&b);
	return rc == 1 ? 0 : EXIT_USAGE;
}

/*
 * run: the daemon (daemon.c).  Its only option, --allow CIDR (repeatable),
 * adds to the configuration's allowed ranges as in ping and trace.
 */
static int
cmd_run(struct settings *st, int argc, char **argv)
{
	struct prefix_set allow = PREFIX_SET_INIT;
	struct errbuf eb;
	int i, rc = EXIT_USAGE;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--allow") == 0 && i + 1 < argc) {
			if (prefix_set_add_str(&allow, argv[++i], &eb) == -1) {
				fprintf(stderr, "pingsvc-worker: --allow: %s\n",
				    errbuf_msg(&eb));
				goto out;
			}
		} else if (strcmp(argv[i], "--help") == 0) {
			printf("usage: pingsvc-worker [-c CONFIG] [-d] run "
			       "[--allow CIDR]...\n");
			rc = 0;
			goto out;
		} else {
			fprintf(stderr,
			    "pingsvc-worker: run: unknown argument %s\n"
			    "usage: pingsvc-worker [-c CONFIG] [-d] run "
			    "[--allow CIDR]...\n",
			    argv[i]);
			goto out;
		}
	}
	rc = daemon_run(st, &allow);
out:
	prefix_set_free(&allow);
	return rc;
}

/* Print one validated result as lines a shell test can grep. */
static void
summarise(const struct result *r)
{
	char a[ADDR_STRLEN], s[ADDR_STRLEN];
	size_t i, k;

	printf("%s %s %s src %s", r->type == RESULT_PING ? "ping" : "trace",
	    result_proto_name(r->proto), addr_format(&r->dst, a, sizeof(a)),
	    r->src.af != 0 ? addr_format(&r->src, s, sizeof(s)) : "-");
	if (r->type == RESULT_PING) {
		printf(" sent %d rcvd %d\n", r->sent, r->rcvd);
		for (i = 0; i < r->npings; i++)
			if (r->pings[i].timeout)
				printf("reply *\n");
			else if (r->pings[i].error != NULL)
				printf("reply error %s\n", r->pings[i].error);
			else
				printf("reply %.3f\n", r->pings[i].rtt_ms);
		return;
	}
	printf(" paris_id %d\n", r->paris_id);
	for (i = 0; i < r->nhops; i++) {
		printf("hop %d", r->hops[i].hop);
		for (k = 0; k < r->hops[i].nreplies; k++) {
			const struct result_reply *rr = &r->hops[i].replies[k];

			if (rr->timeout)
				printf(" *");
			else
				printf(" %s%s%s",
				    addr_format(&rr->from, a, sizeof(a)),
				    rr->err[0] != '\0' ? "!" : "", rr->err);
		}
		printf("\n");
	}
}

/*
 * check: read result lines on stdin, decode each with the project's
 * validating decoder (lib/result.h, wire mode) and summarise it.  Tests
 * use it to check what the worker prints without a second JSON parser.
 */
static int
cmd_check(void)
{
	struct result *r;
	struct errbuf eb;
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	int rc = 0, lineno = 0;

	while ((n = getline(&line, &cap, stdin)) != -1) {
		lineno++;
		if (n <= 1)
			continue;
		if (result_decode_text(line, (size_t)n, RESULT_WIRE, &r, &eb) ==
		    -1) {
			fprintf(stderr, "pingsvc-worker: line %d: %s\n", lineno,
			    errbuf_msg(&eb));
			rc = EXIT_USAGE;
			continue;
		}
		summarise(r);
		result_free(r);
	}
	free(line);
	return rc;
}

int
main(int argc, char **argv)
{
	struct settings st;
	struct errbuf eb;
	const char *config = NULL;
	int i, rc = EXIT_USAGE, debug = 0;

	log_init("pingsvc-worker", LOG_LVL_INFO);
	memset(&st, 0, sizeof(st));
	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		if (strcmp(argv[i], "--version") == 0) {
			printf("pingsvc-worker %s\n", WORKER_VERSION);
			return 0;
		} else if (strcmp(argv[i], "--help") == 0 ||
		    strcmp(argv[i], "-h") == 0) {
			usage(stdout);
			return 0;
		} else if ((strcmp(argv[i], "-c") == 0 ||
			       strcmp(argv[i], "--config") == 0) &&
		    i + 1 < argc) {
			config = argv[++i];
		} else if (strcmp(argv[i], "-d") == 0) {
			debug = 1;
		} else {
			fprintf(stderr, "pingsvc-worker: unknown option %s\n",
			    argv[i]);
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (i >= argc) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (settings_load(&st, config, &eb) == -1) {
		fprintf(stderr, "pingsvc-worker: %s\n", errbuf_msg(&eb));
		goto out;
	}
	log_init("pingsvc-worker", debug ? LOG_LVL_DEBUG : st.log_level);
	if (strcmp(argv[i], "ping") == 0)
		rc = cmd_ping(&st, argc - i, argv + i);
	else if (strcmp(argv[i], "trace") == 0)
		rc = cmd_trace(&st, argc - i, argv + i);
	else if (strcmp(argv[i], "selftest") == 0)
		rc = cmd_selftest(&st);
	else if (strcmp(argv[i], "check") == 0)
		rc = cmd_check();
	else if (strcmp(argv[i], "run") == 0)
		rc = cmd_run(&st, argc - i, argv + i);
	else {
		fprintf(stderr, "pingsvc-worker: unknown command \"%s\"\n",
		    argv[i]);
		usage(stderr);
	}
out:
	settings_free(&st);
	return rc;
}
