/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The event pipeline, one stage after another: decode -> process table ->
 * enrich -> judge (the policy) -> encode once -> sinks and subscribers.  It
 * owns the decoder, the sequence numbers, the encode buffer and the counts;
 * the stages it does not own come in as hooks.  Nothing is allocated per
 * event here.
 */
#ifndef SG_PIPELINE_H
#define SG_PIPELINE_H

#include <stddef.h>
#include <stdint.h>
#include "event.h"

struct proctable;
struct sink;

struct pipeline_hooks {
	/* fills ev->verdict; NULL logs everything */
	void (*judge)(void *ctx, struct sg_event *ev);
	/* every emitted event, with its encoded line (no newline) */
	void (*publish)(void *ctx, const struct sg_event *ev, const char *json, size_t len);
	void *ctx;
};

struct pipeline_stats {
	uint64_t received[SG_EV_MAX];   /* decoded or injected */
	uint64_t emitted[SG_EV_MAX];    /* written to the sinks */
	uint64_t allowed[SG_EV_MAX];    /* judged 'allow', not emitted */
	uint64_t alerts;
	uint64_t blocks;
	uint64_t malformed;             /* records the decoder refused */
	uint64_t encode_errors;         /* events too large to encode */
};

struct pipeline;

struct pipeline *pipeline_new(struct proctable *pt, const struct pipeline_hooks *hooks);
void pipeline_free(struct pipeline *p);
void pipeline_add_sink(struct pipeline *p, struct sink *s);
void pipeline_set_host(struct pipeline *p, const char *host);
/*
 * One more consumer of every emitted event, called after the sinks and the
 * publish hook (the journal sink is one).  At most PIPELINE_OBSERVERS_MAX.
 * Returns 0 or -ENOSPC.
 */
#define PIPELINE_OBSERVERS_MAX 4
int pipeline_add_observer(struct pipeline *p,
			  void (*fn)(void *ctx, const struct sg_event *ev, const char *json, size_t len),
			  void *ctx);

/* A ring-buffer record (the kernel_opts.sample callback). Returns 0. */
int pipeline_record(void *p, const void *data, size_t size);

/* An event made in userspace (mark, drop report, ...): timestamped and emitted. */
void pipeline_inject(struct pipeline *p, struct sg_event *ev);

/* Emit an event that is already judged (dedup summaries come back this way). */
void pipeline_emit(struct pipeline *p, struct sg_event *ev);

/* Write out what the sinks buffered; called after each batch. */
void pipeline_flush(struct pipeline *p);
void pipeline_sync_clock(struct pipeline *p);
const struct pipeline_stats *pipeline_stats(const struct pipeline *p);
uint64_t pipeline_last_seq(const struct pipeline *p);

#endif /* SG_PIPELINE_H */
