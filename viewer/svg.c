/*
 * svg.c --
 *	Time charts (see svg.h).  Coordinates are computed here; every text
 *	goes through html_put's escaping.
 */
#include <math.h>
#include <stdio.h>
#include <time.h>

#include "svg.h"

#define W  640
#define H  170
#define ML 56 /* left margin: y labels */
#define MR 10
#define MT 22 /* top: the title */
#define MB 24 /* bottom: x labels */

void
svg_fmt_time(double t, char *dst, size_t len)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (gmtime_r(&tt, &tm) == NULL ||
	    strftime(dst, len, "%Y-%m-%d %H:%M", &tm) == 0)
		snprintf(dst, len, "?");
}

void
svg_timeplot(struct html *h, const char *cls, const char *title,
    const char *unit, enum svg_style style, size_t n, const double *t,
    const double *y, const double *lo, const double *hi)
{
	double t0, t1, ymax = 0, x, yy, bw;
	char a[32], b[32];
	size_t i;

	html_put(h,
	    "<svg class=\"%s\" xmlns=\"http://www.w3.org/2000/svg\" "
	    "width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" role=\"img\">"
	    "<title>%s</title>"
	    "<text x=\"%d\" y=\"15\" font-size=\"12\">%s</text>",
	    cls, W, H, W, H, title, ML, title);
	html_put(h,
	    "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#888\"/>"
	    "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#888\"/>",
	    ML, MT, ML, H - MB, ML, H - MB, W - MR, H - MB);
	if (n == 0) {
		html_put(h,
		    "<text x=\"%d\" y=\"%d\" font-size=\"12\" fill=\"#888\">"
		    "no data</text></svg>\n",
		    W / 2 - 20, H / 2);
		return;
	}
	t0 = t[0];
	t1 = t[n - 1];
	if (t1 <= t0)
		t1 = t0 + 1;
	for (i = 0; i < n; i++) {
		if (isfinite(y[i]) && y[i] > ymax)
			ymax = y[i];
		if (hi != NULL && isfinite(hi[i]) && hi[i] > ymax)
			ymax = hi[i];
	}
	if (ymax <= 0)
		ymax = 1;
#define PX(tv) (ML + ((tv)-t0) / (t1 - t0) * (W - ML - MR))
#define PY(v)  (H - MB - (v) / ymax * (H - MT - MB))
	svg_fmt_time(t0, a, sizeof(a));
	svg_fmt_time(t1, b, sizeof(b));
	html_put(h,
	    "<text x=\"%d\" y=\"%d\" font-size=\"10\">%s</text>"
	    "<text x=\"%d\" y=\"%d\" font-size=\"10\" "
	    "text-anchor=\"end\">%s</text>"
	    "<text x=\"%d\" y=\"%d\" font-size=\"10\" "
	    "text-anchor=\"end\">%.1f %s</text>"
	    "<text x=\"%d\" y=\"%d\" font-size=\"10\" "
	    "text-anchor=\"end\">0</text>",
	    ML, H - 8, a, W - MR, H - 8, b, ML - 4, MT + 8, ymax, unit, ML - 4,
	    H - MB);
	if (style == SVG_BARS) {
		/* Bars are for evenly spaced bins: one slot each. */
		bw = (double)(W - ML - MR) / (double)n;
		for (i = 0; i < n; i++) {
			x = ML + (double)i * bw + bw * 0.1;
			yy = PY(y[i]);
			html_put(h,
			    "<rect class=\"bar\" x=\"%.1f\" y=\"%.1f\" "
			    "width=\"%.1f\" height=\"%.1f\" fill=\"#4a7\">"
			    "<title>%.0f</title></rect>",
			    x, yy, bw * 0.8, (double)(H - MB) - yy, y[i]);
		}
		html_put(h, "</svg>\n");
		return;
	}
	if (style == SVG_BAND && lo != NULL && hi != NULL) {
		html_put(h, "<polygon class=\"band\" fill=\"#cde\" points=\"");
		for (i = 0; i < n; i++)
			html_put(h, "%.1f,%.1f ", PX(t[i]), PY(hi[i]));
		for (i = n; i-- > 0;)
			html_put(h, "%.1f,%.1f ", PX(t[i]), PY(lo[i]));
		html_put(h, "\"/>");
	}
	html_put(h,
	    "<polyline class=\"line\" fill=\"none\" stroke=\"#236\" "
	    "stroke-width=\"1.5\" points=\"");
	for (i = 0; i < n; i++)
		html_put(h, "%.1f,%.1f ", PX(t[i]), PY(y[i]));
	html_put(h, "\"/>");
	for (i = 0; i < n && n <= 60; i++)
		html_put(h,
		    "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"2\" fill=\"#236\">"
		    "<title>%.1f</title></circle>",
		    PX(t[i]), PY(y[i]), y[i]);
	html_put(h, "</svg>\n");
#undef PX
#undef PY
}

/* Series colours of svg_stacked, the last one for "other". */
static const char *const palette[] = { "#4e79a7", "#f28e2b", "#e15759",
	"#76b7b2", "#59a14f", "#edc948", "#b07aa1", "#ff9da7", "#9c755f",
	"#bab0ac" };
#define NPAL (sizeof(palette) / sizeof(palette[0]))

/* stack_axes -- The frame, the time labels and the y maximum. */
static void
stack_axes(struct html *h, double t0, double t1, double ymax)
{
	char a[32], b[32];

	svg_fmt_time(t0, a, sizeof(a));
	svg_fmt_time(t1, b, sizeof(b));
	html_put(h,
	    "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#888\"/>"
	    "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#888\"/>"
	    "<text x=\"%d\" y=\"%d\" font-size=\"10\">%s</text>"
	    "<text x=\"%d\" y=\"%d\" font-size=\"10\" "
	    "text-anchor=\"end\">%s</text>"
	    "<text x=\"%d\" y=\"%d\" font-size=\"10\" "
	    "text-anchor=\"end\">%.0f</text>"
	    "<text x=\"%d\" y=\"%d\" font-size=\"10\" "
	    "text-anchor=\"end\">0</text>",
	    ML, MT, ML, H - MB, ML, H - MB, W - MR, H - MB, ML, H - 8, a,
	    W - MR, H - 8, b, ML - 4, MT + 8, ymax, ML - 4, H - MB);
}

void
svg_stacked(struct html *h, const char *cls, const char *title, double t0,
    double t1, size_t nb, size_t ng, const char *const *names, const double *y)
{
	double ymax = 0, sum, bw, base, hgt, total;
	char when[32];
	size_t b, g, k;
	int ht = H + 16 * (int)((ng + 3) / 4); /* legend: 4 per row */

	for (b = 0; b < nb; b++) {
		for (sum = 0, g = 0; g < ng; g++)
			sum += y[g * nb + b];
		if (sum > ymax)
			ymax = sum;
	}
	if (ymax <= 0)
		ymax = 1;
	html_put(h,
	    "<svg class=\"%s\" xmlns=\"http://www.w3.org/2000/svg\" "
	    "width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" role=\"img\">"
	    "<title>%s</title>"
	    "<text x=\"%d\" y=\"15\" font-size=\"12\">%s</text>",
	    cls, W, ht, W, ht, title, ML, title);
	stack_axes(h, t0, t1, ymax);
	bw = nb > 0 ? (double)(W - ML - MR) / (double)nb : 1;
	for (g = 0; g < ng; g++) {
		for (total = 0, b = 0; b < nb; b++)
			total += y[g * nb + b];
		html_put(h,
		    "<g class=\"series\" data-group=\"%s\" data-total=\"%.0f\" "
		    "fill=\"%r\">",
		    names[g], total, palette[g < NPAL ? g : NPAL - 1]);
		for (b = 0; b < nb; b++) {
			if (y[g * nb + b] <= 0)
				continue;
			for (base = 0, k = 0; k < g; k++)
				base += y[k * nb + b];
			hgt = y[g * nb + b] / ymax * (H - MT - MB);
			svg_fmt_time(t0 + (t1 - t0) * (double)b / (double)nb,
			    when, sizeof(when));
			html_put(h,
			    "<rect class=\"bar\" x=\"%.1f\" y=\"%.1f\" "
			    "width=\"%.1f\" height=\"%.1f\"><title>%s: %.0f "
			    "from %s</title></rect>",
			    ML + (double)b * bw + bw * 0.1,
			    H - MB - base / ymax * (H - MT - MB) - hgt,
			    bw * 0.8, hgt, names[g], y[g * nb + b], when);
		}
		html_put(h,
		    "<rect x=\"%zu\" y=\"%zu\" width=\"10\" height=\"10\"/>"
		    "<text x=\"%zu\" y=\"%zu\" font-size=\"10\" "
		    "fill=\"#000\">%s (%.0f)</text></g>",
		    (size_t)ML + (g % 4) * 145, (size_t)H + 4 + (g / 4) * 16,
		    (size_t)ML + 14 + (g % 4) * 145,
		    (size_t)H + 13 + (g / 4) * 16, names[g], total);
	}
	if (ng == 0)
		html_put(h,
		    "<text x=\"%d\" y=\"%d\" font-size=\"12\" fill=\"#888\">"
		    "no data</text>",
		    W / 2 - 20, H / 2);
	html_put(h, "</svg>\n");
}
