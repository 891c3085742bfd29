/*
 * main.c --
 *	pingsvc-ingest: command line.
 *
 *	pingsvc-ingest [--db CONNINFO] import --format atlas|scamper|native
 *	    [--worker NAME] [--vantage NAME] [--strict] FILE...
 *	pingsvc-ingest [--db CONNINFO] enroll NAME [--caps icmp,udp,tcp]
 *	    [--kinds ping,traceroute] [--prefix CIDR]... [--rate N]
 *	pingsvc-ingest [--db CONNINFO] scope NAME [--caps LIST]
 *	    [--kinds LIST] [--prefix CIDR]... [--any-prefix] [--rate N]
 *	    [--no-rate]
 *	pingsvc-ingest [--db CONNINFO] revoke NAME
 *	pingsvc-ingest [--db CONNINFO] serve [--config FILE]
 *
 *	Options may come before or after the command.  Exit status: 0 done,
 *	1 failure (or --strict refusals), 2 usage.
 */
#include <err.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "enroll.h"
#include "import.h"
#include "log.h"
#include "scope.h"
#include "server.h"

#define DEFAULT_CONFIG "/usr/local/etc/pingsvc/ingest.conf"

static void
usage(void)
{
	fprintf(stderr,
	    "usage: pingsvc-ingest [--db CONNINFO] import --format "
	    "atlas|scamper|native\n"
	    "                      [--worker NAME] [--vantage NAME] "
	    "[--strict] FILE...\n"
	    "       pingsvc-ingest [--db CONNINFO] enroll NAME "
	    "[--caps icmp,udp,tcp]\n"
	    "                      [--kinds ping,traceroute] "
	    "[--prefix CIDR]... [--rate N]\n"
	    "       pingsvc-ingest [--db CONNINFO] scope NAME [--caps LIST] "
	    "[--kinds LIST]\n"
	    "                      [--prefix CIDR]... [--any-prefix] "
	    "[--rate N] [--no-rate]\n"
	    "       pingsvc-ingest [--db CONNINFO] revoke NAME\n"
	    "       pingsvc-ingest [--db CONNINFO] serve [--config FILE]\n");
	exit(2);
}

static int
cmd_import(PGconn *c, const char *format, const char *worker,
    const char *vantage, int strict, char *const *files, int n)
{
	struct import_opts o;
	struct import_stats st;
	struct errbuf eb;
	int i, rc;

	memset(&o, 0, sizeof(o));
	if (format == NULL)
		errx(2, "import: --format atlas|scamper|native is required");
	o.mode = RESULT_ATLAS;
	if (strcmp(format, "atlas") == 0)
		o.format = IMPORT_ATLAS;
	else if (strcmp(format, "scamper") == 0)
		o.format = IMPORT_SCAMPER;
	else if (strcmp(format, "native") == 0) {
		o.format = IMPORT_NATIVE;
		o.mode = RESULT_WIRE;
	} else
		errx(2, "import: --format must be atlas, scamper or native");
	if (o.format == IMPORT_NATIVE && worker == NULL)
		errx(2, "import: --format native needs --worker NAME");
	if (o.format != IMPORT_NATIVE && worker != NULL)
		errx(2, "import: --worker is only for --format native");
	if (o.format != IMPORT_SCAMPER && vantage != NULL)
		errx(2, "import: --vantage is only for --format scamper");
	if (n == 0)
		errx(2, "import: no FILE given");
	for (i = 0; strict && i < n; i++)
		if (strcmp(files[i], "-") == 0)
			errx(2,
			    "import: --strict reads files twice; "
			    "not standard input");
	o.strict = strict;
	o.worker = worker;
	o.vantage = vantage;
	rc = import_files(c, &o, files, n, stderr, &st, &eb);
	if (rc == -1) {
		warnx("import: %s", errbuf_msg(&eb));
		return 1;
	}
	printf("results stored %lld\n", st.c.stored);
	printf("duplicates %lld\n", st.c.duplicates);
	printf("refused %lld\n", st.refused);
	printf("traces %lld\n", st.c.traces);
	printf("hops %lld\n", st.c.hops);
	printf("links %lld\n", st.c.links);
	printf("new_targets %lld\n", st.c.new_targets);
	printf("route_changes %lld\n", st.c.route_changes);
	if (rc == 1) {
		warnx("import: --strict: %lld item(s) refused, nothing stored",
		    st.refused);
		return 1;
	}
	return 0;
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "db", required_argument, NULL, 'd' },
		{ "format", required_argument, NULL, 'f' },
		{ "worker", required_argument, NULL, 'w' },
		{ "vantage", required_argument, NULL, 'V' },
		{ "strict", no_argument, NULL, 's' },
		{ "caps", required_argument, NULL, 'c' },
		{ "config", required_argument, NULL, 'C' },
		{ "kinds", required_argument, NULL, 'k' },
		{ "prefix", required_argument, NULL, 'p' },
		{ "any-prefix", no_argument, NULL, 'A' },
		{ "rate", required_argument, NULL, 'r' },
		{ "no-rate", no_argument, NULL, 'R' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *conninfo = NULL, *format = NULL, *worker = NULL;
	const char *vantage = NULL;
	const char *caps = NULL, *kinds = NULL, *config = DEFAULT_CONFIG;
	char capsarr[32], kindsarr[32], token[TOKEN_MAX + 1], line[2048];
	struct enroll_scope es;
	struct scope prefixes;
	unsigned kindset;
	char *end;
	long rate;
	struct errbuf eb;
	PGconn *c = NULL;
	const char *cmd;
	int ch, strict = 0, rc = 1, n;

	log_init("pingsvc-ingest", LOG_LVL_INFO);
	memset(&es, 0, sizeof(es));
	memset(&prefixes, 0, sizeof(prefixes));
	/* "+" would stop at the command; permute so options go anywhere. */
	while ((ch = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (ch) {
		case 'd':
			conninfo = optarg;
			break;
		case 'f':
			format = optarg;
			break;
		case 'w':
			worker = optarg;
			break;
		case 'V':
			vantage = optarg;
			break;
		case 's':
			strict = 1;
			break;
		case 'c':
			caps = optarg;
			break;
		case 'C':
			config = optarg;
			break;
		case 'k':
			kinds = optarg;
			break;
		case 'p':
			if (scope_prefix_add(&prefixes, optarg, &eb) == -1)
				errx(2, "--prefix %s: %s", optarg,
				    errbuf_msg(&eb));
			break;
		case 'A':
			es.any_prefix = 1;
			break;
		case 'r':
			rate = strtol(optarg, &end, 10);
			if (*optarg == '\0' || *end != '\0' || rate < 1 ||
			    rate > 100000000)
				errx(2,
				    "--rate: results per minute, 1 .. "
				    "100000000");
			es.rate = (int)rate;
			break;
		case 'R':
			es.rate = -1;
			break;
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (argc < 1)
		usage();
	cmd = argv[0];
	if (strcmp(cmd, "serve") == 0) {
		if (argc != 1)
			usage();
		return server_main(config, conninfo) == 0 ? 0 : 1;
	}
	if (strcmp(cmd, "import") != 0 && strcmp(cmd, "enroll") != 0 &&
	    strcmp(cmd, "revoke") != 0 && strcmp(cmd, "scope") != 0)
		usage();
	if (strcmp(cmd, "import") != 0 && argc != 2)
		usage();
	if (strcmp(cmd, "enroll") == 0 || strcmp(cmd, "scope") == 0) {
		if (caps != NULL || strcmp(cmd, "enroll") == 0) {
			if (enroll_caps_parse(
				caps != NULL ? caps : "icmp,udp,tcp", capsarr,
				sizeof(capsarr), &eb) == -1)
				errx(2, "%s: %s", cmd, errbuf_msg(&eb));
			es.caps = capsarr;
		}
		if (kinds != NULL) {
			if (scope_kinds_parse(kinds, &kindset, &eb) == -1)
				errx(2, "%s: %s", cmd, errbuf_msg(&eb));
			scope_kinds_lit(kindset, kindsarr, sizeof(kindsarr));
			es.kinds = kindsarr;
		}
		es.prefixes = prefixes.prefixes_lit;
		if (es.any_prefix && es.prefixes != NULL)
			errx(2,
			    "%s: --any-prefix and --prefix exclude each "
			    "other",
			    cmd);
		if (strcmp(cmd, "enroll") == 0 &&
		    (es.any_prefix || es.rate < 0))
			errx(2,
			    "enroll: --any-prefix and --no-rate are for "
			    "scope (enroll's defaults)");
	} else if (caps != NULL || kinds != NULL || prefixes.nprefixes > 0 ||
	    es.any_prefix || es.rate != 0) {
		usage();
	}
	if ((c = db_connect(conninfo, &eb)) == NULL)
		errx(1, "%s", errbuf_msg(&eb));
	if (strcmp(cmd, "import") == 0) {
		rc = cmd_import(
		    c, format, worker, vantage, strict, argv + 1, argc - 1);
	} else if (strcmp(cmd, "enroll") == 0) {
		if (enroll_worker(c, argv[1], &es, token, &eb) == -1) {
			warnx("enroll: %s", errbuf_msg(&eb));
		} else {
			/* The only copy of the token anywhere. */
			printf("%s\n", token);
			explicit_bzero(token, sizeof(token));
			rc = 0;
		}
	} else if (strcmp(cmd, "scope") == 0) {
		if (enroll_scope_set(
			c, argv[1], &es, line, sizeof(line), &eb) == -1) {
			warnx("scope: %s", errbuf_msg(&eb));
		} else {
			printf("%s\n", line);
			rc = 0;
		}
	} else {
		if ((n = enroll_revoke(c, argv[1], &eb)) == -1) {
			warnx("revoke: %s", errbuf_msg(&eb));
		} else {
			printf("revoked %s; %d leased job(s) back to the "
			       "queue\n",
			    argv[1], n);
			rc = 0;
		}
	}
	PQfinish(c);
	scope_free(&prefixes);
	return rc;
}
