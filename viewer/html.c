/*
 * html.c --
 *	Escaping and the page frame (see html.h).
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "html.h"

int
html_esc(struct buf *b, const char *s)
{
	const char *p, *rep;
	size_t run;

	if (s == NULL)
		return 0;
	for (p = s; *p != '\0'; p++) {
		switch (*p) {
		case '&':
			rep = "&amp;";
			break;
		case '<':
			rep = "&lt;";
			break;
		case '>':
			rep = "&gt;";
			break;
		case '"':
			rep = "&quot;";
			break;
		case '\'':
			rep = "&#39;";
			break;
		default:
			if ((unsigned char)*p < 0x20 && *p != '\t' &&
			    *p != '\n')
				rep = "\xef\xbf\xbd";
			else
				rep = NULL;
		}
		if (rep == NULL)
			continue;
		run = (size_t)(p - s);
		if (buf_append(b, s, run) != 0 || buf_puts(b, rep) != 0)
			return -1;
		s = p + 1;
	}
	return buf_append(b, s, (size_t)(p - s));
}

int
svg_esc(struct buf *b, const char *s)
{
	return html_esc(b, s);
}

int
uri_esc(struct buf *b, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	const unsigned char *p;
	char e[3];

	if (s == NULL)
		return 0;
	for (p = (const unsigned char *)s; *p != '\0'; p++) {
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || *p == '-' || *p == '.' ||
		    *p == '_' || *p == '~') {
			if (buf_append(b, p, 1) != 0)
				return -1;
			continue;
		}
		e[0] = '%';
		e[1] = hex[*p >> 4];
		e[2] = hex[*p & 15];
		if (buf_append(b, e, 3) != 0)
			return -1;
	}
	return 0;
}

void
html_put(struct html *h, const char *fmt, ...)
{
	va_list ap;
	const char *p, *lit;
	char num[64];
	int prec, rc = 0;

	va_start(ap, fmt);
	for (p = fmt; *p != '\0' && rc == 0; p++) {
		if (*p != '%') {
			lit = strchr(p, '%');
			if (lit == NULL)
				lit = p + strlen(p);
			rc = buf_append(&h->buf, p, (size_t)(lit - p));
			p = lit - 1;
			continue;
		}
		p++;
		num[0] = '\0';
		switch (*p) {
		case 's':
			rc = html_esc(&h->buf, va_arg(ap, const char *));
			break;
		case 'u':
			rc = uri_esc(&h->buf, va_arg(ap, const char *));
			break;
		case 'r':
			rc = buf_puts(&h->buf, va_arg(ap, const char *));
			break;
		case 'd':
			snprintf(num, sizeof(num), "%d", va_arg(ap, int));
			break;
		case 'l':
			if (p[1] == 'd') {
				p++;
				snprintf(
				    num, sizeof(num), "%ld", va_arg(ap, long));
			} else if (p[1] == 'l' && p[2] == 'd') {
				p += 2;
				snprintf(num, sizeof(num), "%lld",
				    va_arg(ap, long long));
			} else
				rc = -1;
			break;
		case 'z':
			if (p[1] != 'u') {
				rc = -1;
				break;
			}
			p++;
			snprintf(num, sizeof(num), "%zu", va_arg(ap, size_t));
			break;
		case '.':
			if (p[1] < '0' || p[1] > '9' || p[2] != 'f') {
				rc = -1;
				break;
			}
			prec = p[1] - '0';
			p += 2;
			snprintf(
			    num, sizeof(num), "%.*f", prec, va_arg(ap, double));
			break;
		case '%':
			rc = buf_append(&h->buf, "%", 1);
			break;
		default:
			rc = -1; /* a bad format is a programming error */
		}
		if (rc == 0 && num[0] != '\0')
			rc = buf_puts(&h->buf, num);
		if (*p == '\0')
			break;
	}
	va_end(ap);
	if (rc != 0)
		h->oom = 1;
}

static const char style[] =
    "body{font-family:sans-serif;margin:0;color:#222;background:#fafafa}"
    "header{background:#234;color:#fff;padding:6px 12px}"
    "header a{color:#cde;margin-right:12px;text-decoration:none}"
    "header a.cur{color:#fff;font-weight:bold}"
    "header form{display:inline;float:right}"
    "main{padding:8px 16px}"
    "h1{font-size:1.3em}h2{font-size:1.1em;margin-top:1.4em}"
    "table{border-collapse:collapse;margin:4px 0}"
    "td,th{border:1px solid #ccc;padding:2px 6px;font-size:.9em;"
    "text-align:left}"
    "th{background:#eee}"
    ".ok{color:#070}.bad{color:#a00}.notice{background:#ffd;padding:4px;"
    "border:1px solid #cc8}"
    "ol.path{display:flex;flex-wrap:wrap;list-style:none;padding:0;"
    "margin:2px 0 8px 0}"
    "ol.path li{border:1px solid #789;background:#eef4fa;margin:2px;"
    "padding:2px 5px;font-family:monospace;font-size:.85em}"
    "ol.path li.star{background:#eee;color:#888}"
    "ol.path li.dst{background:#dfd}"
    "svg{background:#fff;border:1px solid #ddd}"
    "svg text{font-family:sans-serif}"
    "svg.change-paths g.hop rect{fill:#eef4fa}"
    "svg.change-paths g.star rect{fill:#eee}"
    "svg.change-paths g.hop:not(.chg) rect{stroke:#789;stroke-width:1}"
    "svg.change-paths g.hop text{font-size:10px;font-family:monospace}"
    "form.admin{border:1px solid #ccc;padding:6px;margin:6px 0;"
    "background:#fff}";

static const struct {
	const char *page, *label;
} nav[] = {
	{ "overview", "Overview" },
	{ "changes", "Route changes" },
	{ "graph", "Graph" },
	{ "geo", "Map" },
	{ "admin", "Control" },
};

void
html_begin(struct html *h, const char *title, const char *page, const char *at,
    const char *const *hidden)
{
	size_t i;

	html_put(h,
	    "<!DOCTYPE html>\n<html lang=\"en\"><head>"
	    "<meta charset=\"utf-8\"><title>%s &#8211; ping_service</title>"
	    "<style>%r</style></head>\n<body><header>",
	    title, style);
	for (i = 0; i < sizeof(nav) / sizeof(nav[0]); i++) {
		html_put(h, "<a href=\"?page=%r", nav[i].page);
		if (at != NULL)
			html_put(h, "&amp;at=%u", at);
		html_put(h, "\"%r>%r</a>",
		    strcmp(page, nav[i].page) == 0 ? " class=\"cur\"" : "",
		    nav[i].label);
	}
	html_put(h,
	    "<form method=\"get\" action=\"\">"
	    "<input type=\"hidden\" name=\"page\" value=\"%s\">",
	    page);
	for (i = 0; hidden != NULL && hidden[i] != NULL; i += 2)
		if (hidden[i + 1] != NULL)
			html_put(h,
			    "<input type=\"hidden\" name=\"%s\" value=\"%s\">",
			    hidden[i], hidden[i + 1]);
	html_put(h,
	    "<label>at <input name=\"at\" size=\"20\" value=\"%s\" "
	    "placeholder=\"now (YYYY-MM-DDThh:mmZ)\"></label> "
	    "<button>go</button></form></header>\n<main>"
	    "<h1>%s</h1>\n",
	    at, title);
}

void
html_end(struct html *h)
{
	html_put(h, "</main></body></html>\n");
}

void
html_free(struct html *h)
{
	if (h != NULL)
		buf_free(&h->buf);
}
