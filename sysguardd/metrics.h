/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The daemon's counters in the Prometheus text exposition format (0.0.4),
 * served over HTTP on a Unix socket and, when configured, on a loopback TCP
 * port (metrics_http.h), and written atomically as a node_exporter textfile
 * (metrics_textfile.h).  The module reads the other modules through struct
 * metrics_sources (each may be NULL) at scrape time; the only counters it
 * keeps itself are the emitted events per type and action (a counting sink)
 * and the policy reloads (metrics_note_reload()).  Names and labels:
 * sysguard.yaml(5).
 */
#ifndef SG_METRICS_H
#define SG_METRICS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "event.h"

#define METRICS_TEXT_MAX      (2u << 20) /* bytes of one exposition; more is an error */
#define METRICS_BLOCK_RULES_MAX 256      /* block rules listed one by one in block_hits */

struct event_base;
struct pipeline;
struct kernel;
struct policy;
struct control;
struct journal;
struct sink;
struct enforce;
struct proctable;

/*
 * Where the counters live.  Each member points at the daemon's own pointer to
 * a module (so that a policy swapped on reload is seen), and both the member
 * and what it points at may be NULL: that module's families are left out.
 */
struct metrics_sources {
	struct pipeline *const *pipe;
	struct kernel *const *kernel;
	struct policy *const *policy;
	struct control *const *ctl;
	struct enforce *const *enforce;
	struct proctable *const *pt;
	const char *version;                /* NULL: SG_VERSION */
};

struct metrics_options {
	const char *socket;          /* Unix socket path; NULL or "": none */
	const char *group;           /* its group (mode 0660); NULL or "": root's */
	const char *listen;          /* "127.0.0.1:9477", "[::1]:9477"; NULL or "": none */
	bool allow_remote;           /* accept a listen address that is not loopback */
	const char *textfile;        /* node_exporter textfile path; NULL or "": none */
	uint32_t textfile_interval_ms; /* 0: 15 s */
	/* Diagnostics (syslog priorities). NULL: silent. */
	void (*log)(int prio, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
};

struct metrics;

/*
 * Open the configured endpoints on base.  Call after the pipeline exists: it
 * registers an observer on *src->pipe.  src is copied.  Returns NULL with
 * errno set (and a logged reason) when an endpoint cannot be opened.
 */
struct metrics *metrics_new(struct event_base *base, const struct metrics_options *opts,
			    const struct metrics_sources *src);
/* Write the textfile a last time, close the endpoints, remove the socket. NULL is fine. */
void metrics_free(struct metrics *m);

/* Count a policy (re)load attempt: ok is whether the new policy is in force. */
void metrics_note_reload(bool ok);

/*
 * Render the exposition into buf (NUL-terminated).  Returns its length, or
 * -ENOSPC when it does not fit in len.  m may be NULL (no per-action counts).
 */
int metrics_render(struct metrics *m, const struct metrics_sources *src, char *buf,
		   size_t len);

/* The observer metrics_new() registers (exposed for tests). */
void metrics_observe(void *m, const struct sg_event *ev, const char *json, size_t len);

/*
 * The sink that counts emitted events by type and action for m: metrics_new()
 * adds one to the pipeline itself; the pipeline owns (and frees) it.
 */
struct sink *metrics_sink_new(struct metrics *m);

/* A metrics object without endpoints, for metrics_observe()/metrics_render() in tests. */
struct metrics *metrics_new_detached(void);

/* Label value escaping of the text format (\\, \", \n) into buf. Returns length or -ENOSPC. */
int metrics_escape_label(const char *s, char *buf, size_t len);

#endif /* SG_METRICS_H */
