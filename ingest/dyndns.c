/*
 * dyndns.c --
 *	The dyndns2 updater of `pingsvc-ingest serve` (see dyndns.h).
 *
 *	One thread wakes every check_s seconds, finds the public address
 *	(a "what is my IP" URL, an interface, or a fixed address), and sends
 *	an update only when dyndns_due says so.  The protocol is dyndns2 as
 *	documented by Dyn ("Perform Update", "Return Codes") and dy.fi:
 *	GET UPDATE_URL?hostname=NAME&myip=ADDRESS with HTTP basic auth,
 *	answered by one line "good ADDRESS", "nochg ADDRESS" or an error
 *	word.  Error words that no retry can fix (badauth, nohost, notfqdn,
 *	abuse, badagent, !donator, numhost) stop the updater until the
 *	configuration changes; the others (911, dnserr, HTTP or network
 *	errors) are retried after retry_s, doubling up to a day, because the
 *	providers ask clients to wait rather than hammer them.  dy.fi drops a
 *	name not refreshed for 7 days, hence refresh_days = 5 by default.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <curl/curl.h>
#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>

#include "buf.h"
#include "dyndns.h"
#include "log.h"

#define DYNDNS_BODY_MAX    65536 /* bytes of an answer we read */
#define DYNDNS_BACKOFF_MAX 86400 /* longest wait after errors, s */
#define DYNDNS_AGENT       "pingsvc-ingest/1.0 dyndns2"

struct dyndns {
	const struct dyndns_conf *dc;
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int stop; /* under mu */
	struct dyndns_state st;
};

/* --- configuration ----------------------------------------------------- */

static char *
read_password_file(const char *file, struct errbuf *eb)
{
	struct buf b = BUF_INIT;
	char chunk[256];
	ssize_t n;
	int fd;

	if ((fd = open(file, O_RDONLY | O_CLOEXEC)) == -1) {
		errbuf_set(
		    eb, "dyndns.password_file: %s: %s", file, strerror(errno));
		return NULL;
	}
	b.max = 1024;
	while ((n = read(fd, chunk, sizeof(chunk))) > 0)
		if (buf_append(&b, chunk, (size_t)n) == -1)
			break;
	close(fd);
	explicit_bzero(chunk, sizeof(chunk));
	if (n != 0 || b.data == NULL) {
		errbuf_set(eb, "dyndns.password_file: %s: %s", file,
		    n != 0 ? "unreadable or longer than 1024 bytes" : "empty");
		if (b.data != NULL)
			explicit_bzero(b.data, b.cap);
		buf_free(&b);
		return NULL;
	}
	/* A trailing newline is the editor's, not the password's. */
	while (b.len > 0 &&
	    (b.data[b.len - 1] == '\n' || b.data[b.len - 1] == '\r'))
		b.data[--b.len] = '\0';
	return b.data;
}

static int
get_int(const struct conf *c, const char *key, long long def, long long min,
    long long max, int *out, struct errbuf *eb)
{
	long long v;

	if (conf_int(c, key, def, min, max, &v, eb) == -1)
		return -1;
	*out = (int)v;
	return 0;
}

static int
any_set(const struct dyndns_conf *d, const char *pw, const char *pwfile)
{
	return d->server != NULL || d->hostname != NULL || d->user != NULL ||
	    pw != NULL || pwfile != NULL || d->address_url != NULL ||
	    d->address != NULL || d->interface != NULL || d->ca_file != NULL ||
	    d->state_file != NULL;
}

int
dyndns_conf_load(const struct conf *c, const char *path,
    struct dyndns_conf **out, struct errbuf *eb)
{
	struct dyndns_conf *d;
	const char *pw = NULL, *pwfile = NULL;
	unsigned char bin[16];
	int sources;

	*out = NULL;
	if ((d = calloc(1, sizeof(*d))) == NULL)
		return errbuf_set(eb, "out of memory");
	if (conf_str(c, "dyndns.server", NULL, 0, &d->server, eb) == -1 ||
	    conf_str(c, "dyndns.hostname", NULL, 0, &d->hostname, eb) == -1 ||
	    conf_str(c, "dyndns.user", NULL, 0, &d->user, eb) == -1 ||
	    conf_str(c, "dyndns.password", NULL, 0, &pw, eb) == -1 ||
	    conf_str(c, "dyndns.password_file", NULL, 0, &pwfile, eb) == -1 ||
	    conf_str(c, "dyndns.address_url", NULL, 0, &d->address_url, eb) ==
		-1 ||
	    conf_str(c, "dyndns.address", NULL, 0, &d->address, eb) == -1 ||
	    conf_str(c, "dyndns.interface", NULL, 0, &d->interface, eb) == -1 ||
	    conf_str(c, "dyndns.ca_file", NULL, 0, &d->ca_file, eb) == -1 ||
	    conf_str(c, "dyndns.state_file", NULL, 0, &d->state_file, eb) ==
		-1 ||
	    get_int(c, "dyndns.refresh_days", 5, 1, 365, &d->refresh_days,
		eb) == -1 ||
	    get_int(c, "dyndns.check_s", 300, 1, 86400, &d->check_s, eb) ==
		-1 ||
	    get_int(c, "dyndns.retry_s", 1800, 1, 86400, &d->retry_s, eb) ==
		-1 ||
	    get_int(c, "dyndns.timeout_s", 30, 1, 300, &d->timeout_s, eb) == -1)
		goto fail;
	if (!any_set(d, pw, pwfile)) {
		free(d); /* no dyndns group: nothing to do */
		return 0;
	}
	if (d->server == NULL || d->hostname == NULL || d->user == NULL) {
		errbuf_set(eb,
		    "%s: dyndns needs server, hostname and user (and "
		    "password or password_file)",
		    path);
		goto fail;
	}
	if (strncmp(d->server, "https://", 8) != 0) {
		errbuf_set(eb,
		    "%s: dyndns.server: \"%s\" is not an https:// URL (the "
		    "password travels with every update)",
		    path, d->server);
		goto fail;
	}
	if ((pw == NULL) == (pwfile == NULL)) {
		errbuf_set(eb,
		    "%s: dyndns: give exactly one of password and "
		    "password_file",
		    path);
		goto fail;
	}
	sources = (d->address_url != NULL) + (d->address != NULL) +
	    (d->interface != NULL);
	if (sources != 1) {
		errbuf_set(eb,
		    "%s: dyndns: give exactly one address source: "
		    "address_url, interface or address",
		    path);
		goto fail;
	}
	if (d->address != NULL && inet_pton(AF_INET, d->address, bin) != 1 &&
	    inet_pton(AF_INET6, d->address, bin) != 1) {
		errbuf_set(eb, "%s: dyndns.address: \"%s\" is not an address",
		    path, d->address);
		goto fail;
	}
	if (d->address_url != NULL &&
	    strncmp(d->address_url, "https://", 8) != 0 &&
	    strncmp(d->address_url, "http://", 7) != 0) {
		errbuf_set(eb, "%s: dyndns.address_url: \"%s\" is not a URL",
		    path, d->address_url);
		goto fail;
	}
	if (d->state_file == NULL)
		d->state_file = "/var/lib/pingsvc-ingest/dyndns.state";
	d->password = pw != NULL ? strdup(pw) : read_password_file(pwfile, eb);
	if (d->password == NULL) {
		if (pw != NULL)
			errbuf_set(eb, "out of memory");
		goto fail;
	}
	*out = d;
	return 0;
fail:
	dyndns_conf_free(d);
	return -1;
}

void
dyndns_conf_free(struct dyndns_conf *dc)
{
	if (dc == NULL)
		return;
	if (dc->password != NULL) {
		explicit_bzero(dc->password, strlen(dc->password));
		free(dc->password);
	}
	free(dc);
}

/* --- answers and addresses --------------------------------------------- */

enum dyndns_verdict
dyndns_parse_answer(const char *body, char *code, size_t len)
{
	static const char *const fatal[] = { "badauth", "nohost", "notfqdn",
		"abuse", "badagent", "!donator", "numhost", "!yours", NULL };
	size_t n, i;

	body += strspn(body, " \t\r\n");
	n = strcspn(body, " \t\r\n");
	if (len > 0) {
		i = n < len - 1 ? n : len - 1;
		memcpy(code, body, i);
		code[i] = '\0';
	}
	if ((n == 4 && strncmp(body, "good", 4) == 0) ||
	    (n == 5 && strncmp(body, "nochg", 5) == 0))
		return DYNDNS_OK;
	for (i = 0; fatal[i] != NULL; i++)
		if (n == strlen(fatal[i]) && strncmp(body, fatal[i], n) == 0)
			return DYNDNS_FATAL;
	return DYNDNS_RETRY;
}

int
dyndns_address_from_text(const char *text, char out[DYNDNS_ADDR_MAX])
{
	unsigned char bin[16];
	const char *p;
	size_t n;

	for (p = text; *p != '\0'; p += n > 0 ? n : 1) {
		n = strspn(p, "0123456789abcdefABCDEF.:");
		if (n == 0 || n >= DYNDNS_ADDR_MAX)
			continue;
		/* Only at a token start: not the tail of a longer word. */
		if (p > text && strchr("0123456789abcdefABCDEF.:", p[-1]))
			continue;
		memcpy(out, p, n);
		out[n] = '\0';
		if (inet_pton(AF_INET, out, bin) == 1 ||
		    (strchr(out, ':') != NULL &&
			inet_pton(AF_INET6, out, bin) == 1))
			return 0;
	}
	out[0] = '\0';
	return -1;
}

int
dyndns_due(const struct dyndns_state *st, const char *addr, const char *config,
    time_t now, long refresh_s)
{
	if (st->blocked && strcmp(st->config, config) == 0)
		return 0;
	if (now < st->retry_at)
		return 0;
	if (strcmp(st->address, addr) != 0 || st->updated == 0)
		return 1;
	return now - st->updated >= refresh_s;
}

/* --- the state file ----------------------------------------------------- */

/* The fingerprint of what a fatal answer was about (password included). */
static int
config_fingerprint(const struct dyndns_conf *dc, char out[65])
{
	struct buf b = BUF_INIT;
	unsigned char h[32];
	int i, rc = -1;

	if (buf_printf(&b, "%s\n%s\n%s\n%s", dc->server, dc->hostname, dc->user,
		dc->password) == -1)
		goto out;
	if (gnutls_hash_fast(GNUTLS_DIG_SHA256, b.data, b.len, h) < 0)
		goto out;
	for (i = 0; i < 32; i++)
		snprintf(out + 2 * i, 3, "%02x", h[i]);
	rc = 0;
out:
	if (b.data != NULL)
		explicit_bzero(b.data, b.cap);
	buf_free(&b);
	return rc;
}

/* Copy 'src' into 'dst' of size 'n', cut to fit. */
static void
copy(char *dst, size_t n, const char *src)
{
	size_t l = strnlen(src, n - 1);

	memcpy(dst, src, l);
	dst[l] = '\0';
}

/* Missing or unreadable state is a fresh start, logged. */
static void
state_load(const char *file, struct dyndns_state *st)
{
	char line[256], key[32], val[128];
	long long v;
	FILE *f;

	memset(st, 0, sizeof(*st));
	if ((f = fopen(file, "re")) == NULL) {
		if (errno != ENOENT)
			LOG(LOG_LVL_WARN, "dyndns: %s: %s; starting afresh",
			    file, strerror(errno));
		return;
	}
	while (fgets(line, sizeof(line), f) != NULL) {
		if (sscanf(line, "%31s %127s", key, val) != 2)
			continue;
		v = strtoll(val, NULL, 10);
		if (strcmp(key, "address") == 0)
			copy(st->address, sizeof(st->address), val);
		else if (strcmp(key, "updated") == 0)
			st->updated = (time_t)v;
		else if (strcmp(key, "retry_at") == 0)
			st->retry_at = (time_t)v;
		else if (strcmp(key, "backoff_s") == 0)
			st->backoff_s = (int)v;
		else if (strcmp(key, "blocked") == 0)
			st->blocked = v != 0;
		else if (strcmp(key, "code") == 0)
			copy(st->code, sizeof(st->code), val);
		else if (strcmp(key, "config") == 0)
			copy(st->config, sizeof(st->config), val);
	}
	fclose(f);
}

/* Written to a temporary file and renamed: never half a state. */
static void
state_save(const char *file, const struct dyndns_state *st)
{
	char tmp[4096];
	FILE *f = NULL;
	int fd = -1;

	if (snprintf(tmp, sizeof(tmp), "%s.tmp", file) >= (int)sizeof(tmp))
		goto fail;
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600)) ==
	    -1)
		goto fail;
	if ((f = fdopen(fd, "w")) == NULL)
		goto fail;
	fd = -1;
	fprintf(f,
	    "# pingsvc-ingest dyndns state (rewritten after each update)\n"
	    "address %s\nupdated %lld\nretry_at %lld\nbackoff_s %d\n"
	    "blocked %d\ncode %s\nconfig %s\n",
	    st->address[0] != '\0' ? st->address : "-", (long long)st->updated,
	    (long long)st->retry_at, st->backoff_s, st->blocked,
	    st->code[0] != '\0' ? st->code : "-", st->config);
	if (fflush(f) != 0 || fsync(fileno(f)) != 0)
		goto fail;
	if (fclose(f) != 0) {
		f = NULL;
		goto fail;
	}
	f = NULL;
	if (rename(tmp, file) == 0)
		return;
fail:
	LOG(LOG_LVL_WARN, "dyndns: cannot write %s: %s", file, strerror(errno));
	if (f != NULL)
		fclose(f);
	if (fd != -1)
		close(fd);
	unlink(tmp);
}

/* --- HTTP ------------------------------------------------------------------ */

static size_t
on_body(char *p, size_t size, size_t n, void *arg)
{
	struct buf *b = arg;

	if (buf_append(b, p, size * n) == -1)
		return 0; /* too big: abort */
	return size * n;
}

/* Abort a transfer in flight when the gateway stops. */
static int
on_progress(void *arg, curl_off_t a, curl_off_t b, curl_off_t c, curl_off_t d)
{
	struct dyndns *dd = arg;
	int stop;

	(void)a, (void)b, (void)c, (void)d;
	pthread_mutex_lock(&dd->mu);
	stop = dd->stop;
	pthread_mutex_unlock(&dd->mu);
	return stop;
}

/*
 * http_get --
 *	GET 'url' into 'body'; with 'auth', basic auth as the configured
 *	user.  No redirects (credentials must not travel on), 'protocols'
 *	only.  Returns the HTTP status, or -1 with 'eb'.
 */
static long
http_get(struct dyndns *dd, const char *url, int auth, const char *protocols,
    struct buf *body, struct errbuf *eb)
{
	const struct dyndns_conf *dc = dd->dc;
	char cerr[CURL_ERROR_SIZE] = "";
	CURLcode cc;
	CURL *h;
	long status = -1;

	buf_reset(body);
	body->max = DYNDNS_BODY_MAX;
	if ((h = curl_easy_init()) == NULL) {
		errbuf_set(eb, "curl_easy_init failed");
		return -1;
	}
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, protocols);
	curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_USERAGENT, DYNDNS_AGENT);
	curl_easy_setopt(h, CURLOPT_TIMEOUT, (long)dc->timeout_s);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, (long)dc->timeout_s);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, cerr);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, body);
	curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
	curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, on_progress);
	curl_easy_setopt(h, CURLOPT_XFERINFODATA, dd);
	if (dc->ca_file != NULL)
		curl_easy_setopt(h, CURLOPT_CAINFO, dc->ca_file);
	if (auth) {
		curl_easy_setopt(h, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
		curl_easy_setopt(h, CURLOPT_USERNAME, dc->user);
		curl_easy_setopt(h, CURLOPT_PASSWORD, dc->password);
	}
	if ((cc = curl_easy_perform(h)) != CURLE_OK)
		errbuf_set(
		    eb, "%s", cerr[0] != '\0' ? cerr : curl_easy_strerror(cc));
	else
		curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
	curl_easy_cleanup(h);
	return status;
}

/*
 * The configured interface's address: its first IPv4 one (dyndns2's myip
 * is the A record), else its first IPv6 one that is not link-local.
 */
static int
interface_address(
    const char *ifname, char out[DYNDNS_ADDR_MAX], struct errbuf *eb)
{
	static const int families[] = { AF_INET, AF_INET6 };
	struct ifaddrs *ifa = NULL, *i;
	const struct in6_addr *a6;
	const void *a;
	size_t f;
	int rc = -1;

	if (getifaddrs(&ifa) == -1)
		return errbuf_set(eb, "getifaddrs: %s", strerror(errno));
	for (f = 0; f < 2 && rc == -1; f++) {
		for (i = ifa; i != NULL && rc == -1; i = i->ifa_next) {
			if (i->ifa_addr == NULL ||
			    i->ifa_addr->sa_family != families[f] ||
			    strcmp(i->ifa_name, ifname) != 0)
				continue;
			if (families[f] == AF_INET) {
				a = &((struct sockaddr_in *)(void *)i->ifa_addr)
					 ->sin_addr;
			} else {
				a6 = &(
				    (struct sockaddr_in6 *)(void *)i->ifa_addr)
					  ->sin6_addr;
				if (IN6_IS_ADDR_LINKLOCAL(a6))
					continue;
				a = a6;
			}
			if (inet_ntop(families[f], a, out, DYNDNS_ADDR_MAX) !=
			    NULL)
				rc = 0;
		}
	}
	freeifaddrs(ifa);
	if (rc == -1)
		errbuf_set(eb, "interface %s has no address", ifname);
	return rc;
}

static int
public_address(struct dyndns *dd, char out[DYNDNS_ADDR_MAX], struct errbuf *eb)
{
	const struct dyndns_conf *dc = dd->dc;
	struct buf body = BUF_INIT;
	long status;
	int rc = -1;

	if (dc->address != NULL) {
		snprintf(out, DYNDNS_ADDR_MAX, "%s", dc->address);
		return 0;
	}
	if (dc->interface != NULL)
		return interface_address(dc->interface, out, eb);
	status = http_get(dd, dc->address_url, 0, "http,https", &body, eb);
	if (status == -1)
		errbuf_prefix(eb, "%s: ", dc->address_url);
	else if (status != 200)
		errbuf_set(eb, "%s: HTTP status %ld", dc->address_url, status);
	else if (dyndns_address_from_text(buf_str(&body), out) == -1)
		errbuf_set(eb, "%s: no address in the answer", dc->address_url);
	else
		rc = 0;
	buf_free(&body);
	return rc;
}

/* --- one update ------------------------------------------------------------- */

static void
backoff(struct dyndns *dd, time_t now)
{
	struct dyndns_state *st = &dd->st;

	st->backoff_s =
	    st->backoff_s == 0 ? dd->dc->retry_s : st->backoff_s * 2;
	if (st->backoff_s > DYNDNS_BACKOFF_MAX)
		st->backoff_s = DYNDNS_BACKOFF_MAX;
	st->retry_at = now + st->backoff_s;
	LOG(LOG_LVL_WARN, "dyndns: next try in %d s", st->backoff_s);
}

static void
update(struct dyndns *dd, const char *addr, const char *config)
{
	const struct dyndns_conf *dc = dd->dc;
	struct dyndns_state *st = &dd->st;
	struct buf url = BUF_INIT, body = BUF_INIT;
	struct errbuf eb;
	char *host = NULL, code[32];
	time_t now = time(NULL);
	long status;

	if ((host = curl_easy_escape(NULL, dc->hostname, 0)) == NULL ||
	    buf_printf(&url, "%s%shostname=%s&myip=%s", dc->server,
		strchr(dc->server, '?') != NULL ? "&" : "?", host,
		addr) == -1) {
		LOG(LOG_LVL_ERROR, "dyndns: out of memory");
		goto out;
	}
	LOG(LOG_LVL_INFO, "dyndns: updating %s to %s", dc->hostname, addr);
	status = http_get(dd, buf_str(&url), 1, "https", &body, &eb);
	if (status == -1) {
		LOG(LOG_LVL_WARN, "dyndns: %s: %s", dc->server,
		    errbuf_msg(&eb));
		snprintf(st->code, sizeof(st->code), "neterr");
		backoff(dd, now);
		goto save;
	}
	if (status == 401 || status == 403) {
		snprintf(code, sizeof(code), "badauth");
	} else if (status != 200) {
		LOG(LOG_LVL_WARN, "dyndns: %s: HTTP status %ld", dc->server,
		    status);
		snprintf(st->code, sizeof(st->code), "http%ld", status);
		backoff(dd, now);
		goto save;
	}
	switch (status == 200
		? dyndns_parse_answer(buf_str(&body), code, sizeof(code))
		: DYNDNS_FATAL) {
	case DYNDNS_OK:
		LOG(LOG_LVL_INFO, "dyndns: %s: %s %s", dc->hostname, code,
		    addr);
		snprintf(st->address, sizeof(st->address), "%s", addr);
		st->updated = now;
		st->retry_at = 0;
		st->backoff_s = 0;
		break;
	case DYNDNS_FATAL:
		LOG(LOG_LVL_ERROR,
		    "dyndns: %s answered \"%s\" for %s: no more updates until "
		    "the dyndns settings change",
		    dc->server, code, dc->hostname);
		st->blocked = 1;
		snprintf(st->config, sizeof(st->config), "%s", config);
		break;
	case DYNDNS_RETRY:
		LOG(LOG_LVL_WARN, "dyndns: %s answered \"%s\"", dc->server,
		    code[0] != '\0' ? code : "(nothing)");
		backoff(dd, now);
		break;
	}
	snprintf(st->code, sizeof(st->code), "%s", code[0] ? code : "-");
save:
	state_save(dc->state_file, st);
out:
	curl_free(host);
	buf_free(&url);
	buf_free(&body);
}

/* --- the thread ---------------------------------------------------------------- */

/* Sleep up to 's' seconds; returns 1 when asked to stop. */
static int
nap(struct dyndns *dd, int s)
{
	struct timespec until;
	int stop;

	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += s;
	pthread_mutex_lock(&dd->mu);
	while (!dd->stop &&
	    pthread_cond_timedwait(&dd->cv, &dd->mu, &until) != ETIMEDOUT)
		;
	stop = dd->stop;
	pthread_mutex_unlock(&dd->mu);
	return stop;
}

static void *
run(void *arg)
{
	struct dyndns *dd = arg;
	const struct dyndns_conf *dc = dd->dc;
	char addr[DYNDNS_ADDR_MAX], config[65] = "";
	struct errbuf eb;
	long refresh_s = (long)dc->refresh_days * 86400;

	if (config_fingerprint(dc, config) == -1)
		LOG(LOG_LVL_WARN, "dyndns: cannot hash the settings");
	state_load(dc->state_file, &dd->st);
	if (dd->st.blocked && strcmp(dd->st.config, config) != 0)
		dd->st.blocked = 0; /* the settings changed since */
	if (dd->st.blocked)
		LOG(LOG_LVL_ERROR,
		    "dyndns: the provider answered \"%s\" to these settings "
		    "before (%s); not updating %s until they change",
		    dd->st.code, dc->state_file, dc->hostname);
	do {
		if (dd->st.blocked && strcmp(dd->st.config, config) == 0)
			continue;
		if (public_address(dd, addr, &eb) == -1) {
			LOG(LOG_LVL_WARN, "dyndns: public address: %s",
			    errbuf_msg(&eb));
			continue;
		}
		if (dyndns_due(&dd->st, addr, config, time(NULL), refresh_s))
			update(dd, addr, config);
		else
			LOG(LOG_LVL_DEBUG, "dyndns: %s is %s; nothing to do",
			    dc->hostname, addr);
	} while (!nap(dd, dc->check_s));
	return NULL;
}

struct dyndns *
dyndns_start(const struct dyndns_conf *dc, struct errbuf *eb)
{
	struct dyndns *dd;

	if (curl_global_init(CURL_GLOBAL_DEFAULT) != 0) {
		errbuf_set(eb, "dyndns: curl_global_init failed");
		return NULL;
	}
	if ((dd = calloc(1, sizeof(*dd))) == NULL) {
		errbuf_set(eb, "out of memory");
		return NULL;
	}
	dd->dc = dc;
	pthread_mutex_init(&dd->mu, NULL);
	pthread_cond_init(&dd->cv, NULL);
	if ((errno = pthread_create(&dd->thread, NULL, run, dd)) != 0) {
		errbuf_set(eb, "dyndns: pthread_create: %s", strerror(errno));
		pthread_cond_destroy(&dd->cv);
		pthread_mutex_destroy(&dd->mu);
		free(dd);
		return NULL;
	}
	LOG(LOG_LVL_INFO,
	    "dyndns: keeping %s current via %s (check every %d s, refresh "
	    "every %d days)",
	    dc->hostname, dc->server, dc->check_s, dc->refresh_days);
	return dd;
}

void
dyndns_stop(struct dyndns *d)
{
	if (d == NULL)
		return;
	pthread_mutex_lock(&d->mu);
	d->stop = 1;
	pthread_cond_signal(&d->cv);
	pthread_mutex_unlock(&d->mu);
	pthread_join(d->thread, NULL);
	pthread_cond_destroy(&d->cv);
	pthread_mutex_destroy(&d->mu);
	free(d);
	curl_global_cleanup();
}
