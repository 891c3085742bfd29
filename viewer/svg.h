/*
 * svg.h --
 *	Small inline SVG charts over time, drawn on the server so pages read
 *	without JavaScript.
 */
#ifndef PINGSVC_VIEWER_SVG_H
#define PINGSVC_VIEWER_SVG_H

#include <stddef.h>

#include "html.h"

enum svg_style {
	SVG_LINE, /* a polyline through (t, y) */
	SVG_BARS, /* one bar per point */
	SVG_BAND  /* lo..hi band with the y line (median) over it */
};

/*
 * svg_timeplot --
 *	Draw 'n' points: t[] in seconds since the epoch (ascending), y[]
 *	values, lo[]/hi[] the band (SVG_BAND only, else NULL).  'cls' is the
 *	svg element's class, 'title' its caption, 'unit' the y unit.  With
 *	n == 0 an empty frame saying "no data" is drawn.
 */
void svg_timeplot(struct html *h, const char *cls, const char *title,
    const char *unit, enum svg_style style, size_t n, const double *t,
    const double *y, const double *lo, const double *hi);

/*
 * svg_stacked --
 *	A stacked bar chart over time: 'nb' equal bins from t0 to t1 (epoch
 *	seconds), 'ng' series named names[g], counts in y[g * nb + b].  Each
 *	series is a <g class="series" data-group=NAME data-total=N> of
 *	<rect class="bar"> (one per non-empty bin), with a legend.  'cls' is
 *	the svg element's class, 'title' its caption.
 */
void svg_stacked(struct html *h, const char *cls, const char *title, double t0,
    double t1, size_t nb, size_t ng, const char *const *names, const double *y);

/* svg_fmt_time -- Format epoch seconds as "YYYY-MM-DD hh:mm" into 'dst'. */
void svg_fmt_time(double t, char *dst, size_t len);

#endif
