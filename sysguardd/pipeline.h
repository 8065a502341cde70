/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The event pipeline, one stage after another: decode -> process table ->
 * enrich -> judge (a hook: the policy's verdict) -> dedup -> encode once ->
 * every sink.  It owns the decoder, the dedup table, the sinks, the sequence
 * numbers, the encode buffer and the counts; an event never returns through
 * the daemon's main loop on its way.  Dedup summaries and the sinks' own
 * drop reports enter the same path.  Nothing is allocated per event here.
 */
#ifndef SG_PIPELINE_H
#define SG_PIPELINE_H

#include <stddef.h>
#include <stdint.h>
#include "event.h"

struct container;
struct hold_stats;
struct kernel;
struct proctable;
struct sink;
struct sink_stats;

struct pipeline_hooks {
	/* fills ev->verdict; NULL logs everything */
	void (*judge)(void *ctx, struct sg_event *ev);
	void *ctx;
};

struct pipeline_stats {
	uint64_t received[SG_EV_MAX];   /* decoded or injected */
	uint64_t emitted[SG_EV_MAX];    /* handed to the sinks */
	uint64_t allowed[SG_EV_MAX];    /* judged 'allow' (or folded by dedup), not emitted */
	uint64_t alerts;
	uint64_t blocks;
	uint64_t malformed;             /* records the decoder refused */
	uint64_t encode_errors;         /* events too large to encode */
};

struct pipeline;

/* Returns NULL with errno set. */
struct pipeline *pipeline_new(struct proctable *pt, const struct pipeline_hooks *hooks);
/* Frees the sinks too (after a last flush). */
void pipeline_free(struct pipeline *p);
/*
 * Hand a sink over: every emitted event goes to it from now on, and the
 * pipeline frees it.  At most PIPELINE_SINKS_MAX; returns 0 or -ENOSPC (the
 * sink then stays the caller's).
 */
#define PIPELINE_SINKS_MAX 4
int pipeline_add_sink(struct pipeline *p, struct sink *s);
/* The same for a sink just made (NULL: it could not be, errno says why); logs, frees on failure. */
int pipeline_take_sink(struct pipeline *p, struct sink *s, const char *what);
void pipeline_set_host(struct pipeline *p, const char *host);
/* The judge (NULL logs everything), e.g. the verdict module installing itself. */
void pipeline_set_judge(struct pipeline *p, void (*judge)(void *ctx, struct sg_event *ev),
			void *ctx);
/* The kernel whose ring buffer feeds the pipeline: its losses are reported (pipeline_tick). */
void pipeline_set_kernel(struct pipeline *p, struct kernel *k);

/* The dedup window (0: off), e.g. from a newly loaded policy; open windows are closed first. */
void pipeline_set_dedup_window(struct pipeline *p, uint64_t window_ns);

/* A ring-buffer record (the kernel_opts.sample callback). Returns 0. */
int pipeline_record(void *p, const void *data, size_t size);

/*
 * Name every kernel event's container (c: container.h).  With hold_ms, a
 * record whose cgroup is still being looked up waits, with the later ones
 * of its cgroup, until the container is known (pipeline_container_resolved(),
 * the container module's on_resolved) or hold_ms have passed, all held
 * records together within hold_bytes; then it goes on marked pending.
 */
void pipeline_set_containers(struct pipeline *p, struct container *c, uint64_t hold_ms,
			     size_t hold_bytes);
void pipeline_container_resolved(void *p, uint64_t cgroup_id);
void pipeline_hold_stats(const struct pipeline *p, struct hold_stats *ret);

/* An event made in userspace (mark, drop report, ...): timestamped and emitted. */
void pipeline_inject(struct pipeline *p, struct sg_event *ev);

/* Write out what the sinks buffered; called after each batch. */
void pipeline_flush(struct pipeline *p);
/*
 * Once a second: keep the decoder's clock in step, close the dedup windows
 * that ended, let the sinks notice a rotated or deleted output, and emit
 * `drop` events: for what a sink could not deliver since the last report
 * (drop.where: the sink's) -- at once when it delivers again, else once when
 * the trouble starts and then at most every PIPELINE_DROP_REPORT_SEC while it
 * lasts -- and for what the ring buffer lost (drop.where "ring", with the
 * processes whose losses grew), with a warning in the log.
 */
#define PIPELINE_DROP_REPORT_SEC 60
void pipeline_tick(struct pipeline *p);
/* Close every dedup window now and flush (at exit). */
void pipeline_drain(struct pipeline *p);
/* Reopen every sink that has something to reopen.  0, or the first -errno. */
int pipeline_reopen(struct pipeline *p);
size_t pipeline_sink_count(const struct pipeline *p);
/* The stats of sink i (in the order they were added). */
void pipeline_sink_stats(const struct pipeline *p, size_t i, struct sink_stats *ret);
/* The stats of the first sink named name; -ENOENT when there is none. */
int pipeline_find_sink(const struct pipeline *p, const char *name, struct sink_stats *ret);
const struct pipeline_stats *pipeline_stats(const struct pipeline *p);
uint64_t pipeline_last_seq(const struct pipeline *p);

#endif /* SG_PIPELINE_H */
