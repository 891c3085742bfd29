/*
 * main.c --
 *	pingsvc-frontier: the command line.
 *
 *	pingsvc-frontier import FORMAT FILE [--provider NAME] [--per-prefix N]
 *	    [--allow CIDR]... [--db CONNINFO] [--config FILE]
 *	pingsvc-frontier run [--once] [--interval S] [--db CONNINFO]
 *	    [--config FILE]
 *	pingsvc-frontier optout add CIDR --reason TEXT [--contact TEXT]
 *	    [--db CONNINFO] [--config FILE]
 *	pingsvc-frontier import dbip FILE [--provider NAME]
 *	pingsvc-frontier bogons load FILE... [--source NAME]
 *	pingsvc-frontier worker-location NAME LAT LON [--label TEXT]
 *
 *	Exit status: 0 success, 1 failure (parse, database), 2 usage.
 */
#include <err.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <curl/curl.h>

#include "addr.h"
#include "bogons.h"
#include "db.h"
#include "geo_cmd.h"
#include "import.h"
#include "import_cmd.h"
#include "log.h"
#include "schedule.h"
#include "settings.h"

static volatile sig_atomic_t main_stop;

struct main_opts {
	const char *config;
	const char *db;
	const char *provider;
	const char *reason;
	const char *contact;
	const char *log_level;
	const char *source;   /* bogons load --source */
	const char *label;    /* worker-location --label */
	long long per_prefix; /* -1: from the config */
	long long interval;   /* -1: from the config */
	int once;
	struct prefix_set allow; /* --allow, added to the config's */
};

static void
usage(void)
{
	size_t i;

	fprintf(stderr,
	    "usage: pingsvc-frontier import FORMAT FILE [--provider NAME] "
	    "[--per-prefix N]\n"
	    "           [--allow CIDR]... [--db CONNINFO] [--config FILE]\n"
	    "       pingsvc-frontier run [--once] [--interval S] "
	    "[--db CONNINFO] [--config FILE]\n"
	    "       pingsvc-frontier optout add CIDR --reason TEXT "
	    "[--contact TEXT] [--db CONNINFO]\n"
	    "       pingsvc-frontier import dbip FILE|URL [--provider NAME]\n"
	    "       pingsvc-frontier bogons load FILE|URL... [--source NAME]\n"
	    "       pingsvc-frontier worker-location NAME LAT LON "
	    "[--label TEXT]\n"
	    "formats:\n");
	for (i = 0; import_formats[i] != NULL; i++)
		fprintf(stderr, "  %-8s %s\n", import_formats[i]->name,
		    import_formats[i]->what);
	fprintf(stderr, "  %-8s %s\n", "dbip",
	    "DB-IP lite range CSV, into geolocations (not targets)");
	exit(2);
}

static void
main_signal(int sig)
{
	(void)sig;
	main_stop = 1;
}

static long long
main_number(const char *s, long long min, long long max, const char *what)
{
	char *end;
	long long v;

	v = strtoll(s, &end, 10);
	if (*s == '\0' || *end != '\0' || v < min || v > max)
		errx(2, "%s: \"%s\" is not a number in %lld..%lld", what, s,
		    min, max);
	return v;
}

/*
 * The provider name a list file implies: its base name without extension
 * and without a "-ip-ranges" suffix ("cloudflare-v4-ip-ranges.txt" ->
 * "cloudflare-v4").
 */
static void
main_provider(const char *path, char *out, size_t len)
{
	static const char suffix[] = "-ip-ranges";
	const char *b = strrchr(path, '/');
	size_t n;

	b = b != NULL ? b + 1 : path;
	n = strcspn(b, ".");
	if (n == 0)
		n = strlen(b);
	if (n > sizeof(suffix) - 1 &&
	    memcmp(b + n - (sizeof(suffix) - 1), suffix, sizeof(suffix) - 1) ==
		0)
		n -= sizeof(suffix) - 1;
	if (n >= len)
		n = len - 1;
	memcpy(out, b, n);
	out[n] = '\0';
}

/* import dbip FILE: a range database into pingsvc.geolocations. */
static int
main_dbip(PGconn *db, struct settings *s, struct main_opts *o, const char *path)
{
	struct geo_dbip_counts c;
	struct errbuf eb;
	char source[101];

	if (o->provider != NULL)
		snprintf(source, sizeof(source), "%s", o->provider);
	else
		main_provider(path, source, sizeof(source));
	if (source[0] == '\0')
		errx(2, "%s: no source name in it; give --provider NAME", path);
	errbuf_clear(&eb);
	if (geo_cmd_dbip(db, path, source, s->import_max_bytes, &c, &eb) ==
	    -1) {
		fprintf(stderr,
		    "pingsvc-frontier: import: %s (nothing imported)\n",
		    errbuf_msg(&eb));
		return 1;
	}
	if (c.unchanged)
		printf("unchanged 1\n");
	printf("ranges %zu\nprefixes %zu\nlocated %zu\nunlocated %zu\n"
	       "removed %zu\n",
	    c.ranges, c.prefixes, c.store.located, c.store.unlocated,
	    c.store.removed);
	return 0;
}

/* bogons load FILE...: replace the bogon rows of pingsvc.special_ranges. */
static int
main_bogons(
    PGconn *db, struct settings *s, struct main_opts *o, int argc, char **argv)
{
	struct bogons_counts c;
	struct errbuf eb;
	char source[101];

	if (argc < 2 || strcmp(argv[0], "load") != 0)
		usage();
	if (o->source != NULL)
		snprintf(source, sizeof(source), "%s", o->source);
	else
		main_provider(argv[1], source, sizeof(source));
	if (source[0] == '\0')
		errx(
		    2, "%s: no source name in it; give --source NAME", argv[1]);
	errbuf_clear(&eb);
	if (bogons_load(db, argv + 1, argc - 1, source, s->import_max_bytes, &c,
		&eb) == -1) {
		fprintf(stderr,
		    "pingsvc-frontier: bogons: %s (nothing changed)\n",
		    errbuf_msg(&eb));
		return 1;
	}
	if (c.unchanged)
		printf("unchanged 1\n");
	printf("prefixes %zu\nremoved %lld\nadded %lld\nspecial %lld\n",
	    c.prefixes, c.removed, c.added, c.special);
	return 0;
}

static double
main_degrees(const char *s, double max, const char *what)
{
	char *end;
	double v;

	v = strtod(s, &end);
	if (*s == '\0' || *end != '\0' || !(v >= -max && v <= max))
		errx(2, "%s: \"%s\" is not a number in -%g..%g", what, s, max,
		    max);
	return v;
}

/* worker-location NAME LAT LON: where a vantage stands. */
static int
main_worker_location(PGconn *db, struct main_opts *o, int argc, char **argv)
{
	struct errbuf eb;
	double lat, lon;

	if (argc != 3)
		usage();
	lat = main_degrees(argv[1], 90, "latitude");
	lon = main_degrees(argv[2], 180, "longitude");
	errbuf_clear(&eb);
	if (geo_cmd_worker_location(db, argv[0], lat, lon, o->label, &eb) ==
	    -1) {
		fprintf(stderr, "pingsvc-frontier: worker-location: %s\n",
		    errbuf_msg(&eb));
		return 1;
	}
	printf("worker %s\nlatitude %.6f\nlongitude %.6f\n", argv[0], lat, lon);
	return 0;
}

static int
main_import(
    PGconn *db, struct settings *s, struct main_opts *o, int argc, char **argv)
{
	struct import_opts io;
	struct import_counts c;
	struct errbuf eb;
	char provider[201];
	size_t i;

	if (argc != 2)
		usage();
	if (strcmp(argv[0], "dbip") == 0)
		return main_dbip(db, s, o, argv[1]);
	memset(&io, 0, sizeof(io));
	if ((io.format = import_format_find(argv[0])) == NULL) {
		warnx("unknown format \"%s\"", argv[0]);
		usage();
	}
	io.path = argv[1];
	if (o->provider != NULL)
		snprintf(provider, sizeof(provider), "%s", o->provider);
	else if (strcmp(io.format->name, "list") == 0 ||
	    strcmp(io.format->name, "geofeed") == 0)
		main_provider(io.path, provider, sizeof(provider));
	else
		snprintf(provider, sizeof(provider), "%s", io.format->name);
	if (provider[0] == '\0')
		errx(2, "%s: no provider name in it; give --provider NAME",
		    io.path);
	io.provider = provider;
	io.per_prefix = (unsigned)(o->per_prefix > 0 ? o->per_prefix
						     : s->import_per_prefix);
	io.max_bytes = s->import_max_bytes;
	for (i = 0; i < o->allow.n; i++)
		if (prefix_set_add(&s->allow, &o->allow.v[i], &eb) == -1)
			errx(1, "%s", errbuf_msg(&eb));
	io.allow = &s->allow;
	io.deny = &s->deny;
	io.progress = isatty(STDERR_FILENO);
	errbuf_clear(&eb);
	if (import_cmd_run(db, &io, &c, &eb) == -1) {
		fprintf(stderr,
		    "pingsvc-frontier: import: %s (nothing "
		    "imported)\n",
		    errbuf_msg(&eb));
		return 1;
	}
	if (c.unchanged)
		printf("unchanged 1\n");
	printf("prefixes %zu\naddresses %zu\nnew %zu\nknown %zu\n"
	       "refused %zu\n",
	    c.prefixes, c.addresses, c.new_, c.known, c.refused);
	if (c.geo)
		printf("located %zu\nunlocated %zu\n", c.located, c.unlocated);
	return 0;
}

static int
main_run(PGconn *db, struct settings *s, struct main_opts *o, int argc)
{
	struct schedule_counts c;
	struct errbuf eb;
	struct sigaction sa;

	if (argc != 0)
		usage();
	if (o->interval > 0)
		s->interval = o->interval;
	if (o->once) {
		errbuf_clear(&eb);
		if (schedule_once(db, s, &c, &eb) == -1) {
			fprintf(stderr, "pingsvc-frontier: run: %s\n",
			    errbuf_msg(&eb));
			return 1;
		}
		printf("paused %d\nrequeued %lld\nfailed %lld\ntargets %lld\n"
		       "ping_jobs %lld\ntrace_jobs %lld\nskipped %lld\n"
		       "scored %lld\n"
		       "maintained %lld\nlocated %lld\n",
		    c.paused, c.requeued, c.failed, c.targets, c.ping_jobs,
		    c.trace_jobs, c.skipped, c.scored, c.maintained, c.located);
		return 0;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = main_signal;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGTERM, &sa, NULL) == -1 ||
	    sigaction(SIGINT, &sa, NULL) == -1)
		err(1, "sigaction");
	LOG(LOG_LVL_INFO, "scheduling every %lld s", s->interval);
	return schedule_loop(db, s, &main_stop);
}

static int
main_optout(PGconn *db, struct main_opts *o, int argc, char **argv)
{
	static const char sql[] =
	    "SELECT jobs_removed, targets_marked"
	    "  FROM pingsvc.opt_out_add($1::cidr, $2, $3)";
	struct prefix p;
	struct errbuf eb;
	PGresult *res;
	char cidr[ADDR_STRLEN];
	const char *params[3];

	if (argc != 2 || strcmp(argv[0], "add") != 0)
		usage();
	if (o->reason == NULL || o->reason[0] == '\0')
		errx(2, "optout add: --reason TEXT is required");
	if (prefix_parse(argv[1], &p, &eb) == -1)
		errx(2, "optout add: %s", errbuf_msg(&eb));
	params[0] = prefix_format(&p, cidr, sizeof(cidr));
	params[1] = o->reason;
	params[2] = o->contact;
	if ((res = db_exec(db, sql, 3, params, &eb)) == NULL) {
		fprintf(
		    stderr, "pingsvc-frontier: optout: %s\n", errbuf_msg(&eb));
		return 1;
	}
	printf("opted_out %s\njobs_removed %s\ntargets_marked %s\n", cidr,
	    PQgetvalue(res, 0, 0), PQgetvalue(res, 0, 1));
	PQclear(res);
	return 0;
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "db", required_argument, NULL, 'd' },
		{ "allow", required_argument, NULL, 'a' },
		{ "per-prefix", required_argument, NULL, 'n' },
		{ "provider", required_argument, NULL, 'p' },
		{ "once", no_argument, NULL, '1' },
		{ "interval", required_argument, NULL, 'i' },
		{ "reason", required_argument, NULL, 'r' },
		{ "contact", required_argument, NULL, 'C' },
		{ "log-level", required_argument, NULL, 'l' },
		{ "source", required_argument, NULL, 's' },
		{ "label", required_argument, NULL, 'L' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct main_opts o;
	struct settings s;
	struct errbuf eb;
	enum log_level lvl;
	PGconn *db = NULL;
	const char *cmd;
	int ch, rc;

	memset(&o, 0, sizeof(o));
	o.per_prefix = o.interval = -1;
	o.config = getenv("PINGSVC_FRONTIER_CONF");
	while ((ch = getopt_long(argc, argv, "c:d:h", longopts, NULL)) != -1) {
		switch (ch) {
		case 'c':
			o.config = optarg;
			break;
		case 'd':
			o.db = optarg;
			break;
		case 'a':
			if (prefix_set_add_str(&o.allow, optarg, &eb) == -1)
				errx(2, "--allow: %s", errbuf_msg(&eb));
			break;
		case 'n':
			o.per_prefix =
			    main_number(optarg, 1, 4096, "--per-prefix");
			break;
		case 'p':
			o.provider = optarg;
			break;
		case '1':
			o.once = 1;
			break;
		case 'i':
			o.interval =
			    main_number(optarg, 1, 86400, "--interval");
			break;
		case 'r':
			o.reason = optarg;
			break;
		case 'C':
			o.contact = optarg;
			break;
		case 'l':
			o.log_level = optarg;
			break;
		case 's':
			o.source = optarg;
			break;
		case 'L':
			o.label = optarg;
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
	argc--;
	argv++;

	if (settings_load(&s,
		o.config != NULL && o.config[0] != '\0' ? o.config : NULL,
		&eb) == -1)
		errx(1, "%s", errbuf_msg(&eb));
	if (log_level_parse(
		o.log_level != NULL ? o.log_level : s.log_level, &lvl) == -1)
		errx(2, "log level: use error, warn, info or debug");
	log_init("pingsvc-frontier", lvl);
	if (strcmp(cmd, "import") != 0 && strcmp(cmd, "run") != 0 &&
	    strcmp(cmd, "optout") != 0 && strcmp(cmd, "bogons") != 0 &&
	    strcmp(cmd, "worker-location") != 0)
		usage();
	if (strcmp(cmd, "import") == 0 && argc == 2 &&
	    strcmp(argv[0], "dbip") != 0 &&
	    import_format_find(argv[0]) == NULL) {
		warnx("unknown format \"%s\"", argv[0]);
		usage();
	}
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != 0)
		errx(1, "cannot initialise libcurl");
	if ((db = db_connect(o.db != NULL ? o.db : s.db, &eb)) == NULL)
		errx(1, "%s", errbuf_msg(&eb));

	if (strcmp(cmd, "import") == 0)
		rc = main_import(db, &s, &o, argc, argv);
	else if (strcmp(cmd, "run") == 0)
		rc = main_run(db, &s, &o, argc);
	else if (strcmp(cmd, "bogons") == 0)
		rc = main_bogons(db, &s, &o, argc, argv);
	else if (strcmp(cmd, "worker-location") == 0)
		rc = main_worker_location(db, &o, argc, argv);
	else
		rc = main_optout(db, &o, argc, argv);

	PQfinish(db);
	curl_global_cleanup();
	prefix_set_free(&o.allow);
	settings_free(&s);
	return rc;
}
