// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The event pipeline (see pipeline.h).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "decode.h"
#include "encode.h"
#include "sg_limits.h"
#include "log.h"
#include "pipeline.h"
#include "proctable.h"
#include "sink.h"

#define MAX_SINKS 4

struct pipeline {
	struct decoder dec;
	struct proctable *pt;
	struct pipeline_hooks hooks;
	struct sink *sinks[MAX_SINKS];
	size_t nsinks;
	struct {
		void (*fn)(void *ctx, const struct sg_event *ev, const char *json, size_t len);
		void *ctx;
	} observers[PIPELINE_OBSERVERS_MAX];
	size_t nobservers;
	struct encode_ctx ectx;
	uint64_t seq;
	struct pipeline_stats stats;
	struct sg_event ev;              /* the event in flight */
	char line[SG_JSON_LINE_MAX];
};

struct pipeline *pipeline_new(struct proctable *pt, const struct pipeline_hooks *hooks)
{
	struct pipeline *p = calloc(1, sizeof(*p));

	if (!p)
		return NULL;
	decoder_init(&p->dec);
	p->pt = pt;
	p->ectx.pt = pt;
	if (hooks)
		p->hooks = *hooks;
	return p;
}

void pipeline_free(struct pipeline *p)
{
	free(p);
}

void pipeline_add_sink(struct pipeline *p, struct sink *s)
{
	if (p->nsinks < MAX_SINKS)
		p->sinks[p->nsinks++] = s;
}

int pipeline_add_observer(struct pipeline *p,
			  void (*fn)(void *ctx, const struct sg_event *ev, const char *json, size_t len),
			  void *ctx)
{
	if (p->nobservers >= PIPELINE_OBSERVERS_MAX)
		return -ENOSPC;
	p->observers[p->nobservers].fn = fn;
	p->observers[p->nobservers].ctx = ctx;
	p->nobservers++;
	return 0;
}

void pipeline_set_host(struct pipeline *p, const char *host)
{
	p->ectx.host = host;
}

void pipeline_emit(struct pipeline *p, struct sg_event *ev)
{
	int len;

	if (ev->verdict.action == SG_ACT_NONE)
		ev->verdict.action = SG_ACT_LOG;
	if (ev->verdict.action == SG_ACT_ALLOW) {
		p->stats.allowed[ev->type]++;
		return;
	}
	ev->seq = ++p->seq;
	len = encode_event(ev, &p->ectx, p->line, sizeof(p->line));
	if (len < 0) {
		p->stats.encode_errors++;
		return;
	}
	p->stats.emitted[ev->type]++;
	if (ev->verdict.action == SG_ACT_ALERT)
		p->stats.alerts++;
	else if (ev->verdict.action == SG_ACT_BLOCK)
		p->stats.blocks++;
	for (size_t i = 0; i < p->nsinks; i++)
		sink_write(p->sinks[i], p->line, len);
	if (p->hooks.publish)
		p->hooks.publish(p->hooks.ctx, ev, p->line, len);
	for (size_t i = 0; i < p->nobservers; i++)
		p->observers[i].fn(p->observers[i].ctx, ev, p->line, len);
}

static void judge_and_emit(struct pipeline *p, struct sg_event *ev)
{
	p->stats.received[ev->type]++;
	if (p->hooks.judge)
		p->hooks.judge(p->hooks.ctx, ev);
	pipeline_emit(p, ev);
}

int pipeline_record(void *ctx, const void *data, size_t size)
{
	struct pipeline *p = ctx;
	struct sg_event *ev = &p->ev;

	if (decode_record(&p->dec, data, size, ev) < 0) {
		p->stats.malformed++;
		return 0;
	}
	proctable_update(p->pt, ev);
	proctable_enrich(p->pt, ev);
	judge_and_emit(p, ev);
	return 0;
}

void pipeline_inject(struct pipeline *p, struct sg_event *ev)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	ev->ts_ns = (uint64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
	judge_and_emit(p, ev);
}

void pipeline_flush(struct pipeline *p)
{
	for (size_t i = 0; i < p->nsinks; i++) {
		int r = sink_flush(p->sinks[i]);

		if (r < 0) {
			static int warned;

			if (!warned++)
				sg_log(LOG_ERR, "cannot write events to '%s': %s",
				       sink_path(p->sinks[i]), strerror(-r));
		}
	}
}

void pipeline_sync_clock(struct pipeline *p)
{
	decoder_sync_clock(&p->dec);
}

const struct pipeline_stats *pipeline_stats(const struct pipeline *p)
{
	return &p->stats;
}

uint64_t pipeline_last_seq(const struct pipeline *p)
{
	return p->seq;
}
