/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The metrics as a node_exporter textfile: the exposition written every
 * interval, and a last time at the end, to a temporary file renamed over
 * the path, so that a reader never sees half of one.  A failure is logged
 * once per change of its reason.  What it writes comes from a render
 * callback (metrics.c).
 */
#ifndef SG_METRICS_TEXTFILE_H
#define SG_METRICS_TEXTFILE_H

#include <stddef.h>
#include <stdint.h>

#define METRICS_TEXTFILE_INTERVAL_MS 15000 /* the default interval */

struct event_base;

struct metrics_textfile_opts {
	const char *path;
	uint32_t interval_ms;        /* 0: METRICS_TEXTFILE_INTERVAL_MS */
	/* The exposition into *ret_text (the callee's, until the next call): its length or -errno. */
	int (*render)(void *arg, const char **ret_text);
	void *arg;
	/* Diagnostics (syslog priorities). NULL: silent. */
	void (*log)(int prio, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
};

struct metrics_textfile;

/*
 * Write the file once and every interval from then on.  NULL with errno set
 * (and a logged reason) when the first write fails.
 */
struct metrics_textfile *metrics_textfile_new(struct event_base *base,
					      const struct metrics_textfile_opts *o);
/* Write the file a last time and stop. NULL is fine. */
void metrics_textfile_free(struct metrics_textfile *t);

/* text[0..len) into path by way of "path.tmp" and a rename: 0 or -errno. */
int metrics_textfile_write(const char *path, const char *text, size_t len);

#endif /* SG_METRICS_TEXTFILE_H */
