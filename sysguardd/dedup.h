/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Deduplication of emitted events: identical events (same pid, type, target
 * -- path(s), exec filename, address:port or unix path, child pid, exit
 * status -- and action) within a window collapse into one.  The first
 * occurrence is always emitted at once; later ones within the window are
 * counted, and when the window closes one summary is emitted: a copy of the
 * last of them with verdict.repeat = how many it stands for.  Block verdicts
 * and events that are not emitted (allow) are never deduplicated.  A fixed
 * table (SG_DEDUP_SLOTS entries, allocated once); an entry pushed out of a
 * full table emits its summary first, so nothing is hidden for longer than
 * the window plus the flush period.  An event with which a correlation rule
 * held is never deduplicated either: it is a finding of its own.
 */
#ifndef SG_DEDUP_H
#define SG_DEDUP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "event.h"

struct dedup;

/* Receives summaries; ev (and its strings) is valid only during the call. */
typedef void (*dedup_emit_fn)(struct sg_event *ev, void *arg);

/*
 * slots: table size, rounded up to a power of two (0: SG_DEDUP_SLOTS).
 * window_ns: 0 disables deduplication.  Returns NULL and sets errno on failure.
 */
struct dedup *dedup_new(size_t slots, uint64_t window_ns, dedup_emit_fn emit, void *arg);
void dedup_free(struct dedup *d);

/* A new window length, e.g. from a reloaded policy; open entries keep counting. */
void dedup_set_window(struct dedup *d, uint64_t window_ns);

/*
 * Call for each event about to be emitted, after the policy verdict.
 * Returns 1: emit ev now; 0: it was counted and must not be emitted.  May first
 * call emit() with summaries of entries it closes or evicts.  now_ns is any
 * monotonic clock, the same for every call.
 */
int dedup_submit(struct dedup *d, struct sg_event *ev, uint64_t now_ns);

/*
 * Close every window that ended by now_ns, emitting summaries of those with
 * repeats.  Drive it from a timer (every window/2 or so).  Returns how many
 * summaries were emitted.
 */
int dedup_flush(struct dedup *d, uint64_t now_ns);

/* Close every window now (at exit). */
int dedup_flush_all(struct dedup *d);

struct dedup_stats {
	uint64_t suppressed;     /* events counted instead of emitted */
	uint64_t summaries;      /* summaries emitted */
	uint64_t evictions;      /* open entries pushed out of a full table */
	size_t open;             /* entries in use */
};

void dedup_stats(const struct dedup *d, struct dedup_stats *ret);

/* For the types' dedup_key (ev_*.c): FNV-1a over bytes, and over a string (NULL as ""). */
uint64_t dedup_hash(uint64_t h, const void *p, size_t n);
uint64_t dedup_hash_str(uint64_t h, const char *s);

/*
 * For the types' dedup_keep: copy a string the event points at into the
 * entry's text and point at the copy.  must: cut it to fit (ending in "...")
 * rather than drop it; else it becomes NULL when it does not fit.
 */
struct dedup_keep {
	char *pos;
	size_t left;
};

void dedup_keep_str(struct dedup_keep *k, const char **s, bool must);
/* len bytes (argv); NULL when they do not fit */
void dedup_keep_mem(struct dedup_keep *k, const char **s, size_t len);

#endif /* SG_DEDUP_H */
