/*
 * cgi.c --
 *	Form decoding and the per-parameter validators (see cgi.h).  Values
 *	that reach a page have passed here; everything else is a 400.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "cgi.h"
#include "hex.h"

/*
 * decode --
 *	Percent-decode 'len' bytes of 's' ('+' is a space) into a new string
 *	of at most CGI_MAX_VALUE bytes.  NUL bytes, bad escapes and bytes
 *	that are not valid UTF-8 are refused.  Returns the string (caller
 *	frees) or NULL with 'eb'.
 */
static char *
decode(const char *s, size_t len, const char *what, struct errbuf *eb)
{
	char *d;
	size_t i, n = 0;
	int hi, lo, c;

	if ((d = malloc(len + 1)) == NULL) {
		errbuf_set(eb, "out of memory");
		return NULL;
	}
	for (i = 0; i < len; i++) {
		c = (unsigned char)s[i];
		if (c == '+')
			c = ' ';
		else if (c == '%') {
			if (i + 2 >= len)
				goto bad;
			hi = hex_digit((unsigned char)s[i + 1]);
			lo = hex_digit((unsigned char)s[i + 2]);
			if (hi < 0 || lo < 0)
				goto bad;
			c = hi * 16 + lo;
			i += 2;
		}
		if (c == 0) {
			errbuf_set(eb, "%s: NUL byte", what);
			goto fail;
		}
		d[n++] = (char)c;
	}
	d[n] = '\0';
	if (n > CGI_MAX_VALUE) {
		errbuf_set(eb, "%s: longer than %d bytes", what, CGI_MAX_VALUE);
		goto fail;
	}
	return d;
bad:
	errbuf_set(eb, "%s: bad %%-escape", what);
fail:
	free(d);
	return NULL;
}

/* text_ok -- 1 when 's' is well-formed UTF-8 (RFC 3629) with no controls. */
static int
text_ok(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	int i, n;
	unsigned int cp;

	while (*p != '\0') {
		if (*p < 0x80) {
			if (*p < 0x20 || *p == 0x7f)
				return 0;
			p++;
			continue;
		}
		if ((*p & 0xe0) == 0xc0) {
			n = 1;
			cp = *p & 0x1f;
		} else if ((*p & 0xf0) == 0xe0) {
			n = 2;
			cp = *p & 0x0f;
		} else if ((*p & 0xf8) == 0xf0) {
			n = 3;
			cp = *p & 0x07;
		} else
			return 0;
		for (i = 1; i <= n; i++) {
			if ((p[i] & 0xc0) != 0x80)
				return 0;
			cp = (cp << 6) | (p[i] & 0x3f);
		}
		if ((n == 1 && cp < 0x80) || (n == 2 && cp < 0x800) ||
		    (n == 3 && cp < 0x10000) || cp > 0x10ffff ||
		    (cp >= 0xd800 && cp <= 0xdfff) || (cp >= 0x80 && cp < 0xa0))
			return 0;
		p += n + 1;
	}
	return 1;
}

/* digits -- Read exactly 'n' decimal digits at 's' into '*v'; 1 if so. */
static int
digits(const char *s, int n, int *v)
{
	int i;

	*v = 0;
	for (i = 0; i < n; i++) {
		if (!isdigit((unsigned char)s[i]))
			return 0;
		*v = *v * 10 + (s[i] - '0');
	}
	return 1;
}

int
cgi_valid_ts(const char *s)
{
	static const int mdays[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30,
		31 };
	int y, mo, d, h, mi, sec, zh, zm, leap, i;

	if (!digits(s, 4, &y) || s[4] != '-' || !digits(s + 5, 2, &mo) ||
	    s[7] != '-' || !digits(s + 8, 2, &d))
		return 0;
	if (y < 1900 || mo < 1 || mo > 12 || d < 1)
		return 0;
	leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	if (d > mdays[mo - 1] + (mo == 2 && leap))
		return 0;
	s += 10;
	if (*s == '\0')
		return 1;
	if (*s != 'T' && *s != ' ')
		return 0;
	s++;
	if (!digits(s, 2, &h) || s[2] != ':' || !digits(s + 3, 2, &mi) ||
	    h > 23 || mi > 59)
		return 0;
	s += 5;
	if (*s == ':') {
		if (!digits(s + 1, 2, &sec) || sec > 59)
			return 0;
		s += 3;
		if (*s == '.') {
			s++;
			for (i = 0; isdigit((unsigned char)s[i]); i++)
				;
			if (i < 1 || i > 6)
				return 0;
			s += i;
		}
	}
	if (*s == '\0')
		return 1;
	if (*s == 'Z')
		return s[1] == '\0';
	if (*s != '+' && *s != '-')
		return 0;
	s++;
	if (!digits(s, 2, &zh) || zh > 14)
		return 0;
	s += 2;
	if (*s == '\0')
		return 1;
	if (*s == ':')
		s++;
	if (!digits(s, 2, &zm) || zm > 59)
		return 0;
	return s[2] == '\0';
}

int
cgi_valid_vantage(const char *s)
{
	size_t i, n = strlen(s);

	if (strncmp(s, "atlas:", 6) == 0) {
		if (n < 7 || n > 16)
			return 0;
		for (i = 6; i < n; i++)
			if (!isdigit((unsigned char)s[i]))
				return 0;
		return 1;
	}
	if (n < 1 || n > 63 || !isalnum((unsigned char)s[0]))
		return 0;
	for (i = 1; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '.' &&
		    s[i] != '_' && s[i] != '-')
			return 0;
	return 1;
}

static int
enum_ok(const char *words, const char *v)
{
	const char *p = words, *e;
	size_t n = strlen(v);

	while (*p != '\0') {
		if ((e = strchr(p, '|')) == NULL)
			e = p + strlen(p);
		if ((size_t)(e - p) == n && strncmp(p, v, n) == 0)
			return 1;
		p = *e == '|' ? e + 1 : e;
	}
	return 0;
}

int
cgi_check(const struct cgi_spec *sp, const char *v, struct errbuf *eb)
{
	struct errbuf sub;
	struct addr a;
	struct prefix pf;
	char *end;
	long long i;
	size_t k;

	switch (sp->kind) {
	case CGI_PAGE:
		for (k = 0; v[k] != '\0'; k++)
			if (v[k] < 'a' || v[k] > 'z')
				break;
		if (k == 0 || k > 20 || v[k] != '\0')
			return errbuf_set(eb, "%s: not a page name", sp->name);
		return 0;
	case CGI_TS:
		if (!cgi_valid_ts(v))
			return errbuf_set(eb,
			    "%s: not an ISO 8601 timestamp "
			    "(YYYY-MM-DD or YYYY-MM-DDThh:mm[:ss][Z|+hh:mm])",
			    sp->name);
		return 0;
	case CGI_ADDR:
		if (addr_parse(v, &a, &sub) != 0)
			return errbuf_set(
			    eb, "%s: not an IPv4 or IPv6 address", sp->name);
		return 0;
	case CGI_PREFIX:
		if (prefix_parse(v, &pf, &sub) != 0)
			return errbuf_set(eb,
			    "%s: not an address prefix (CIDR with zero host "
			    "bits)",
			    sp->name);
		return 0;
	case CGI_VANTAGE:
		if (!cgi_valid_vantage(v))
			return errbuf_set(eb,
			    "%s: not a worker name ([A-Za-z0-9][A-Za-z0-9._-]"
			    "{0,62}) or atlas:PROBE_ID",
			    sp->name);
		return 0;
	case CGI_INT:
		if (v[0] == '\0' || strlen(v) > 12 ||
		    !(isdigit((unsigned char)v[0]) || v[0] == '-'))
			goto badint;
		i = strtoll(v, &end, 10);
		if (*end != '\0' || i < sp->min || i > sp->max)
			goto badint;
		return 0;
	badint:
		return errbuf_set(eb, "%s: not an integer in %lld..%lld",
		    sp->name, sp->min, sp->max);
	case CGI_ENUM:
		if (!enum_ok(sp->words, v))
			return errbuf_set(
			    eb, "%s: must be one of %s", sp->name, sp->words);
		return 0;
	case CGI_TOKEN:
		for (k = 0; v[k] != '\0'; k++)
			if (!isdigit((unsigned char)v[k]) &&
			    (v[k] < 'a' || v[k] > 'f'))
				break;
		if (k != 64 || v[k] != '\0')
			return errbuf_set(eb, "%s: malformed token", sp->name);
		return 0;
	case CGI_TEXT:
		if ((long long)strlen(v) > sp->max || !text_ok(v))
			return errbuf_set(eb,
			    "%s: must be at most %lld bytes of printable UTF-8",
			    sp->name, sp->max);
		return 0;
	}
	return errbuf_set(eb, "%s: no validator (cannot happen)", sp->name);
}

int
cgi_parse(const char *s, size_t len, const struct cgi_spec *specs,
    struct cgi_params *out, struct errbuf *eb)
{
	const struct cgi_spec *sp;
	const char *p = s, *end = s + len, *amp, *eq;
	char *name = NULL, *value = NULL;
	size_t i;
	int rc = -1;

	while (p < end) {
		if ((amp = memchr(p, '&', (size_t)(end - p))) == NULL)
			amp = end;
		if (amp == p) { /* "a=1&&b=2": tolerate empty pairs */
			p++;
			continue;
		}
		if ((eq = memchr(p, '=', (size_t)(amp - p))) == NULL)
			eq = amp;
		if ((name = decode(
			 p, (size_t)(eq - p), "parameter name", eb)) == NULL)
			goto out;
		for (sp = specs; sp->name != NULL; sp++)
			if (strcmp(sp->name, name) == 0)
				break;
		if (sp->name == NULL) {
			/* Name only known-safe characters of the bad name. */
			for (i = 0; name[i] != '\0'; i++)
				if (!isalnum((unsigned char)name[i]) &&
				    name[i] != '_')
					break;
			if (name[i] == '\0' && i <= 32)
				errbuf_set(eb, "%s: unknown parameter", name);
			else
				errbuf_set(eb, "unknown parameter");
			goto out;
		}
		for (i = 0; i < out->n; i++)
			if (out->v[i].spec == sp) {
				errbuf_set(eb, "%s: given twice", sp->name);
				goto out;
			}
		if (out->n == CGI_MAX_PARAMS) {
			errbuf_set(eb, "too many parameters");
			goto out;
		}
		if ((value = decode(eq < amp ? eq + 1 : amp,
			 eq < amp ? (size_t)(amp - eq - 1) : 0, sp->name,
			 eb)) == NULL)
			goto out;
		/* An empty form field means "not given". */
		if (value[0] == '\0') {
			free(value);
			value = NULL;
			free(name);
			name = NULL;
			p = amp < end ? amp + 1 : end;
			continue;
		}
		if (cgi_check(sp, value, eb) != 0)
			goto out;
		out->v[out->n].spec = sp;
		out->v[out->n].value = value;
		out->n++;
		value = NULL;
		free(name);
		name = NULL;
		p = amp < end ? amp + 1 : end;
	}
	rc = 0;
out:
	free(name);
	free(value);
	return rc;
}

const char *
cgi_get(const struct cgi_params *p, const char *name)
{
	size_t i;

	for (i = 0; i < p->n; i++)
		if (strcmp(p->v[i].spec->name, name) == 0)
			return p->v[i].value;
	return NULL;
}

void
cgi_params_free(struct cgi_params *p)
{
	size_t i;

	if (p == NULL)
		return;
	for (i = 0; i < p->n; i++)
		free(p->v[i].value);
	p->n = 0;
}
