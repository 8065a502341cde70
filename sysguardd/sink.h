/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Sinks: where emitted events go.  One interface (struct sink and its ops)
 * for every consumer of the pipeline's encoded events -- the NDJSON file or
 * stdout (here), the journal (journal.c) and the control-socket subscribers
 * (control.c).  The pipeline owns the sinks: it hands each emitted event to
 * every sink, flushes them after each batch, ticks them once a second,
 * reopens them on request and frees them.  A sink never blocks the pipeline:
 * what it cannot deliver it counts, per sink, and reports in its stats (the
 * pipeline turns new counts into `drop` events).
 *
 * The NDJSON sink: one event per line to stdout or a file.  Lines gather in
 * a bounded buffer that is written out after each batch.  A line is never
 * torn: a line cut short by a full file system is cut back off the file
 * (ftruncate) and written again whole once there is room, or, where the
 * output cannot be truncated (a pipe), finished before anything else.  While
 * the output cannot take more, lines wait in the buffer; when it is full,
 * new lines are dropped and counted.  A reader gone from a pipe (EPIPE) is
 * counted, never fatal.  A file deleted or renamed away is noticed within a
 * tick and reopened at its path (log rotation without a signal).
 */
#ifndef SG_SINK_H
#define SG_SINK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "event.h"

#define SINK_EXTRA_MAX 4

struct sink_stats {
	const char *name;            /* "ndjson", "journal", "subscribers" */
	const char *where;           /* drop.where of its drop reports; NULL: none are made */
	const char *path;            /* file, "-" for stdout, socket; NULL if none */
	uint64_t written;            /* lines (entries) delivered */
	uint64_t dropped;            /* lines that were not and never will be delivered */
	uint64_t dropped_type[SG_EV_MAX]; /* of those, per event type (where known) */
	uint64_t queued;             /* lines waiting to be written */
	uint64_t bytes;              /* bytes delivered */
	int last_error;              /* errno of the last failure, 0 if none yet */
	bool failing;                /* the last attempt to deliver failed or fell short */
	struct {
		const char *key;
		uint64_t value;
	} extra[SINK_EXTRA_MAX];     /* kind-specific counters, by name */
	size_t nextra;
};

struct sink;

struct sink_ops {
	/* One emitted event, line its encoding (len bytes, no newline). Never blocks. */
	void (*write)(struct sink *s, const struct sg_event *ev, const char *line, size_t len);
	/* Deliver what is queued. 0, or -errno of a failure (counted, retried later). */
	int (*flush)(struct sink *s);
	void (*stats)(const struct sink *s, struct sink_stats *ret);
	/* Reopen the output (log rotation). 0 or -errno; the old one stays on failure. NULL: none. */
	int (*reopen)(struct sink *s);
	/* Once a second (optional): notice an output deleted or renamed away, retry, ... */
	void (*tick)(struct sink *s);
	void (*free)(struct sink *s);
};

/* Implementations embed this first and recover their own struct from it. */
struct sink {
	const struct sink_ops *ops;
};

static inline void sink_write(struct sink *s, const struct sg_event *ev, const char *line,
			      size_t len)
{
	s->ops->write(s, ev, line, len);
}

static inline int sink_flush(struct sink *s)
{
	return s->ops->flush ? s->ops->flush(s) : 0;
}

static inline void sink_stats(const struct sink *s, struct sink_stats *ret)
{
	s->ops->stats(s, ret);
}

static inline int sink_reopen(struct sink *s)
{
	return s->ops->reopen ? s->ops->reopen(s) : 0;
}

static inline void sink_tick(struct sink *s)
{
	if (s->ops->tick)
		s->ops->tick(s);
}

/* NULL is fine. */
static inline void sink_free(struct sink *s)
{
	if (s)
		s->ops->free(s);
}

/* Add a kind-specific counter to stats (ignored beyond SINK_EXTRA_MAX). */
void sink_stats_extra(struct sink_stats *st, const char *key, uint64_t value);
/* A kind-specific counter by name; 0 when there is none. */
uint64_t sink_stats_get(const struct sink_stats *st, const char *key);

/*
 * The stats as a JSON object for status: name, path, written, dropped,
 * queued, bytes, failing, last_error (a message, or null), and the
 * kind-specific counters.
 */
struct json_object;
struct json_object *sink_stats_json(const struct sink_stats *st);

/*
 * The NDJSON sink.  path "-" (or NULL) is stdout; buffer_bytes 0 is 1 MiB
 * for stdout (a reader on a pipe may lag) and 256 KiB for a file.  A file's
 * missing directory is made (mode 0750), the last component only.
 * Returns NULL with errno set.
 */
struct sink *sink_ndjson_new(const char *path, size_t buffer_bytes);

#endif /* SG_SINK_H */
