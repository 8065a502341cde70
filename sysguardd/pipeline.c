// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The event pipeline (see pipeline.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "container.h"
#include "ctrmeta.h"
#include "decode.h"
#include "dedup.h"
#include "encode.h"
#include "hold.h"
#include "kernel.h"
#include "sg_limits.h"
#include "log.h"
#include "pipeline.h"
#include "proctable.h"
#include "sink.h"

/* A sink and what its drop reports have said so far. */
struct sink_slot {
	struct sink *s;
	uint64_t reported;                  /* dropped lines already reported */
	uint64_t reported_type[SG_EV_MAX];
	uint64_t last_report_ns;
	bool trouble;                       /* reported as failing, not yet delivering again */
};

/*
 * The ring buffer's losses: what was reported so far, in total and per
 * process.  The per-process table is the kernel's map as it was at the last
 * report (sorted by pid, at most SG_LOST_PIDS), so a pid the map forgot is
 * forgotten here too and the table never fills up.
 */
struct ring_losses {
	struct kernel *k;                   /* NULL: no ring, nothing to report */
	struct sg_counters last;            /* counters at the last report */
	struct sg_droppid *seen, *cur;      /* reported; being read from the map */
	size_t nseen, ncur;
	struct sg_droppid *changed;         /* grown since the last report */
	size_t nchanged;
};

/* Processes a drop event lists; a report with more goes on in further drop events. */
#define DROP_PIDS_PER_EVENT 32

#define READY_MAX 64 /* cgroups resolved while a record is in flight, released after it */

struct pipeline {
	struct decoder dec;
	struct proctable *pt;
	struct pipeline_hooks hooks;
	struct ring_losses losses;
	struct container *ctr;           /* NULL: no container look-ups */
	struct hold *hold;               /* records waiting for their container */
	bool busy;                       /* a record is in flight: releases wait for it */
	uint64_t ready[READY_MAX];       /* resolved while busy */
	size_t nready;
	bool ready_lost;                 /* more than READY_MAX: look at every held cgroup */
	struct dedup *dedup;
	struct sink_slot sinks[PIPELINE_SINKS_MAX];
	size_t nsinks;
	struct encode_ctx ectx;
	uint64_t seq;
	struct pipeline_stats stats;
	struct sg_event ev;              /* the event in flight */
	char host_path[4096];            /* its file.host_path */
	char line[SG_JSON_LINE_MAX];
};

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void emit(struct pipeline *p, struct sg_event *ev);

/* Dedup summaries join the path after dedup. */
static void dedup_summary(struct sg_event *ev, void *arg)
{
	emit(arg, ev);
}

struct pipeline *pipeline_new(struct proctable *pt, const struct pipeline_hooks *hooks)
{
	struct pipeline *p = calloc(1, sizeof(*p));

	if (!p)
		return NULL;
	p->dedup = dedup_new(0, 0, dedup_summary, p);
	if (!p->dedup) {
		free(p);
		errno = ENOMEM;
		return NULL;
	}
	decoder_init(&p->dec);
	p->pt = pt;
	p->ectx.pt = pt;
	encode_read_hostns(&p->ectx.hostns, "/proc");
	if (hooks)
		p->hooks = *hooks;
	return p;
}

void pipeline_free(struct pipeline *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->nsinks; i++)
		sink_free(p->sinks[i].s); /* each flushes what it still holds */
	dedup_free(p->dedup);
	hold_free(p->hold);
	free(p->losses.seen);
	free(p->losses.cur);
	free(p->losses.changed);
	free(p);
}

int pipeline_add_sink(struct pipeline *p, struct sink *s)
{
	if (p->nsinks >= PIPELINE_SINKS_MAX)
		return -ENOSPC;
	memset(&p->sinks[p->nsinks], 0, sizeof(p->sinks[0]));
	p->sinks[p->nsinks++].s = s;
	return 0;
}

int pipeline_take_sink(struct pipeline *p, struct sink *s, const char *what)
{
	int r;

	if (!s) {
		r = errno ? -errno : -ENOMEM;
		sg_log(LOG_ERR, "cannot open the output '%s': %s", what, strerror(-r));
		return r;
	}
	r = pipeline_add_sink(p, s);
	if (r < 0) {
		sink_free(s);
		sg_log(LOG_ERR, "too many outputs: '%s' is one too many", what);
	}
	return r;
}

void pipeline_set_judge(struct pipeline *p, void (*judge)(void *ctx, struct sg_event *ev),
			void *ctx)
{
	p->hooks.judge = judge;
	p->hooks.ctx = ctx;
}

void pipeline_set_kernel(struct pipeline *p, struct kernel *k)
{
	p->losses.k = k;
	if (!k || kernel_counters(k, &p->losses.last) < 0)
		memset(&p->losses.last, 0, sizeof(p->losses.last));
}

void pipeline_set_host(struct pipeline *p, const char *host)
{
	p->ectx.host = host;
}

void pipeline_set_dedup_window(struct pipeline *p, uint64_t window_ns)
{
	dedup_flush_all(p->dedup);
	dedup_set_window(p->dedup, window_ns);
}

/* Encode once, count, hand to every sink. */
static void emit(struct pipeline *p, struct sg_event *ev)
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
		sink_write(p->sinks[i].s, ev, p->line, len);
}

/* judge -> dedup -> emit */
static void judge_and_emit(struct pipeline *p, struct sg_event *ev)
{
	p->stats.received[ev->type]++;
	if (p->hooks.judge)
		p->hooks.judge(p->hooks.ctx, ev);
	/* a repeat inside the dedup window waits to be summarised */
	if (ev->verdict.action != SG_ACT_ALLOW && ev->verdict.action != SG_ACT_NONE &&
	    dedup_submit(p->dedup, ev, mono_ns()) == 0)
		ev->verdict.action = SG_ACT_ALLOW;
	emit(p, ev);
}

/* The container of ev's process. */
static void enrich_container(struct pipeline *p, struct sg_event *ev)
{
	const struct container_entry *e = container_lookup(p->ctr, ev->proc.cgroup_id);

	switch (e->state) {
	case CONTAINER_HOST:
		ev->ctr.where = SG_WHERE_HOST;
		break;
	case CONTAINER_IN:
		ev->ctr.where = SG_WHERE_CONTAINER;
		ev->ctr.info = e->info;
		ev->ctr.id = e->info->id;
		ev->ctr.name = e->info->name;
		ev->ctr.image = e->info->image;
		ev->ctr.runtime = cgpath_runtime_name(e->info->runtime);
		/* a file event: the path the container sees, and the host's */
		if ((sg_evtype(ev->type)->pfields & SG_PFG_PATH) && ev->file.path_resolved &&
		    ev->file.path &&
		    ctrmeta_host_path(e->info, ev->file.path, p->host_path, sizeof(p->host_path)) == 0)
			ev->file.host_path = p->host_path;
		break;
	case CONTAINER_PENDING:
		ev->ctr.where = SG_WHERE_PENDING;
		break;
	default:
		ev->ctr.where = SG_WHERE_UNKNOWN;
		break;
	}
}

/* decode -> process table -> enrich -> judge -> dedup -> emit */
static void process(struct pipeline *p, const void *data, size_t size)
{
	struct sg_event *ev = &p->ev;

	if (decode_record(&p->dec, data, size, ev) < 0) {
		p->stats.malformed++;
		return;
	}
	proctable_update(p->pt, ev);
	proctable_enrich(p->pt, ev);
	if (ev->proc.mntns) {
		const struct sg_hostns *h = &p->ectx.hostns;

		ev->proc.hostns = (ev->proc.pidns == h->pid ? SG_NS_PID : 0) |
				  (ev->proc.mntns == h->mnt ? SG_NS_MNT : 0) |
				  (ev->proc.netns == h->net ? SG_NS_NET : 0) |
				  (ev->proc.userns == h->user ? SG_NS_USER : 0);
	}
	if (p->ctr)
		enrich_container(p, ev);
	judge_and_emit(p, ev);
}

/* Release the held records that how says, each through the whole path. */
static void release(struct pipeline *p, enum hold_take how, uint64_t cgroup_id)
{
	uint64_t now = mono_ns(), cg;
	bool busy = p->busy;
	const void *data;
	size_t size;

	p->busy = true; /* a cgroup resolved meanwhile waits its turn */
	while (hold_next(p->hold, how, cgroup_id, now, &data, &size, &cg))
		process(p, data, size);
	if (how == HOLD_CGROUP)
		hold_forget(p->hold, cgroup_id);
	p->busy = busy;
}

static bool resolved(uint64_t cgroup_id, void *arg)
{
	struct pipeline *p = arg;

	return container_lookup(p->ctr, cgroup_id)->state != CONTAINER_PENDING;
}

/* Containers started, found or stopped: each one event, judged like the rest. */
static void container_news(struct pipeline *p)
{
	struct container_news n;

	while (p->ctr && container_news_next(p->ctr, &n)) {
		struct sg_event ev;

		memset(&ev, 0, sizeof(ev));
		ev.type = SG_EV_CONTAINER;
		ev.lifecycle.op = n.op;
		ev.ctr.where = SG_WHERE_CONTAINER;
		ev.ctr.info = n.op != CONTAINER_STOP ? container_find(p->ctr, n.runtime, n.id) : NULL;
		ev.ctr.id = n.id;
		ev.ctr.name = n.name;
		ev.ctr.image = n.image;
		ev.ctr.runtime = cgpath_runtime_name(n.runtime);
		pipeline_inject(p, &ev);
	}
}

/* The cgroups resolved while a record was in flight. */
static void release_ready(struct pipeline *p)
{
	uint64_t cg;

	container_news(p);
	while (p->nready)
		release(p, HOLD_CGROUP, p->ready[--p->nready]);
	if (p->ready_lost) {
		p->ready_lost = false;
		while ((cg = hold_find(p->hold, resolved, p)))
			release(p, HOLD_CGROUP, cg);
	}
}

void pipeline_container_resolved(void *ctx, uint64_t cgroup_id)
{
	struct pipeline *p = ctx;

	if (!p->hold)
		return;
	if (p->busy) {
		if (p->nready < READY_MAX)
			p->ready[p->nready++] = cgroup_id;
		else
			p->ready_lost = true;
		return;
	}
	container_news(p); /* a container's start goes before its first events */
	release(p, HOLD_CGROUP, cgroup_id);
	pipeline_flush(p);
}

/*
 * Hold a record whose container is being looked up, behind the ones of its
 * cgroup that wait already.  Returns false when it must go on now.
 */
static bool hold_record(struct pipeline *p, const void *data, size_t size)
{
	const struct sg_hdr *h = data;
	uint64_t cg;

	if (size < sizeof(*h))
		return false;
	cg = h->cgroup_id;
	if (!hold_has(p->hold, cg) &&
	    (hold_gave_up(p->hold, cg) || container_lookup(p->ctr, cg)->state != CONTAINER_PENDING))
		return false;
	while (hold_push(p->hold, cg, data, size, mono_ns()) < 0) {
		struct hold_stats st;

		hold_stats(p->hold, &st);
		if (!st.records)
			return false; /* larger than the whole bound */
		release(p, HOLD_OLDEST, 0);
		if (hold_gave_up(p->hold, cg))
			return false;
	}
	return true;
}

/* A cgroup made or removed (SG_REC_CGROUP): the container cache knows before a lookup. */
static void cgroup_record(struct pipeline *p, const void *data, size_t size)
{
	const struct sg_hdr *h = data;
	const struct sg_cgroup *cg = (const void *)((const char *)data + sizeof(*h));
	const char *path = (const char *)data + SG_DATA_OFF;
	int r;

	if (size < SG_DATA_OFF || size < SG_DATA_OFF + (size_t)cg->path_len) {
		p->stats.malformed++;
		return;
	}
	if (!p->ctr)
		return;
	if (cg->op == SG_CGROUP_RMDIR) {
		container_cgroup_removed(p->ctr, cg->id);
		return;
	}
	if (cg->op != SG_CGROUP_MKDIR || !cg->path_len || path[cg->path_len - 1] != '\0') {
		p->stats.malformed++;
		return;
	}
	r = container_cgroup_created(p->ctr, cg->id, path);
	if (r < 0 && r != -EAGAIN)
		sg_log(LOG_DEBUG, "cgroup '%s' (%llu): %s", path, (unsigned long long)cg->id,
		       strerror(-r));
}

int pipeline_record(void *ctx, const void *data, size_t size)
{
	struct pipeline *p = ctx;

	p->busy = true;
	if (size >= sizeof(struct sg_hdr) && ((const struct sg_hdr *)data)->type == SG_REC_CGROUP) {
		cgroup_record(p, data, size);
		if (p->hold)
			release_ready(p);
		p->busy = false;
		return 0;
	}
	if (p->hold) {
		release_ready(p);
		if (hold_record(p, data, size)) {
			p->busy = false;
			return 0;
		}
	}
	process(p, data, size);
	if (p->hold)
		release_ready(p);
	else
		container_news(p);
	p->busy = false;
	return 0;
}

void pipeline_set_containers(struct pipeline *p, struct container *c, uint64_t hold_ms,
			     size_t hold_bytes)
{
	p->ctr = c;
	if (c && hold_ms && !p->hold)
		p->hold = hold_new(hold_ms * 1000000ull, hold_bytes);
}

void pipeline_hold_stats(const struct pipeline *p, struct hold_stats *ret)
{
	if (p->hold)
		hold_stats(p->hold, ret);
	else
		memset(ret, 0, sizeof(*ret));
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
	if (p->ctr && !p->busy)
		container_news(p);
	if (p->hold && !p->busy)
		release(p, HOLD_EXPIRED, 0); /* those that waited long enough go, unresolved */
	for (size_t i = 0; i < p->nsinks; i++)
		sink_flush(p->sinks[i].s); /* failures are counted and reported by pipeline_tick */
}

/* A drop event for what slot's sink lost since its last report. */
static void report_drops(struct pipeline *p, struct sink_slot *slot, const struct sink_stats *st,
			 uint64_t now)
{
	struct sg_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.type = SG_EV_DROP;
	ev.drop.where = st->where;
	ev.drop.total = st->dropped - slot->reported;
	for (int t = 1; t < SG_EV_KERNEL_MAX; t++)
		ev.drop.lost[t] = st->dropped_type[t] - slot->reported_type[t];
	slot->reported = st->dropped;
	memcpy(slot->reported_type, st->dropped_type, sizeof(slot->reported_type));
	slot->last_report_ns = now;
	pipeline_inject(p, &ev);
}

/* One entry of the kernel's per-process map, read into cur. */
static void lost_cb(void *arg, uint32_t pid, const uint64_t *lost)
{
	struct ring_losses *l = arg;
	struct sg_droppid *s;

	if (l->ncur == SG_LOST_PIDS)
		return; /* the map holds no more */
	s = &l->cur[l->ncur++];
	s->pid = pid;
	s->comm[0] = '\0';
	memcpy(s->lost, lost, sizeof(s->lost));
}

static int cmp_droppid(const void *a, const void *b)
{
	uint32_t x = ((const struct sg_droppid *)a)->pid, y = ((const struct sg_droppid *)b)->pid;

	return x < y ? -1 : x > y;
}

/* cur against seen: every process whose losses grew goes into changed; cur becomes seen. */
static void diff_losses(struct pipeline *p)
{
	struct ring_losses *l = &p->losses;
	struct sg_droppid *t;

	qsort(l->cur, l->ncur, sizeof(*l->cur), cmp_droppid);
	/* a map that changes while it is walked may show a pid twice: keep the last */
	size_t o = 0;

	for (size_t i = 0; i < l->ncur; i++) {
		if (o && l->cur[o - 1].pid == l->cur[i].pid)
			o--;
		l->cur[o++] = l->cur[i];
	}
	l->ncur = o;
	l->nchanged = 0;
	for (size_t i = 0; i < l->ncur; i++) {
		struct sg_droppid *c = &l->cur[i];
		const struct sg_droppid *s = bsearch(c, l->seen, l->nseen, sizeof(*l->seen),
						     cmp_droppid);
		const struct proc_entry *pe;

		if (s && memcmp(s->lost, c->lost, sizeof(c->lost)) == 0)
			continue;
		pe = proctable_get(p->pt, c->pid);
		snprintf(c->comm, sizeof(c->comm), "%s", pe ? pe->comm : "");
		l->changed[l->nchanged++] = *c;
	}
	t = l->seen;
	l->seen = l->cur;
	l->nseen = l->ncur;
	l->cur = t;
	l->ncur = 0;
}

/* A drop event (drop.where "ring") for what the ring buffer lost since the last one. */
static bool report_ring_losses(struct pipeline *p)
{
	struct ring_losses *l = &p->losses;
	struct sg_counters now;
	struct sg_event ev;

	if (!l->k || kernel_counters(l->k, &now) < 0)
		return false;
	memset(&ev, 0, sizeof(ev));
	ev.type = SG_EV_DROP;
	ev.drop.where = "ring";
	for (int t = 1; t < SG_EV_KERNEL_MAX; t++) {
		ev.drop.lost[t] = now.dropped[t] - l->last.dropped[t];
		ev.drop.total += ev.drop.lost[t];
	}
	l->last = now;
	if (!ev.drop.total)
		return false;
	sg_log(LOG_WARNING, "%llu events lost: the ring buffer was full",
	       (unsigned long long)ev.drop.total);
	if (!l->seen) {
		l->seen = calloc(SG_LOST_PIDS, sizeof(*l->seen));
		l->cur = calloc(SG_LOST_PIDS, sizeof(*l->cur));
		l->changed = calloc(SG_LOST_PIDS, sizeof(*l->changed));
	}
	l->nchanged = 0;
	if (l->seen && l->cur && l->changed) {
		l->ncur = 0;
		kernel_lost_by_pid(l->k, lost_cb, l);
		diff_losses(p);
	}
	/* every process whose losses grew, DROP_PIDS_PER_EVENT to an event: the
	 * first event has the totals, the ones after it total 0 */
	for (size_t off = 0;;) {
		size_t n = l->nchanged - off;

		ev.drop.pids = l->changed ? l->changed + off : NULL;
		ev.drop.npids = n < DROP_PIDS_PER_EVENT ? n : DROP_PIDS_PER_EVENT;
		pipeline_inject(p, &ev);
		off += ev.drop.npids;
		if (off >= l->nchanged)
			break;
		ev.drop.total = 0;
		memset(ev.drop.lost, 0, sizeof(ev.drop.lost));
	}
	return true;
}

void pipeline_tick(struct pipeline *p)
{
	uint64_t now = mono_ns();
	bool emitted = false;

	decoder_sync_clock(&p->dec);

	if (dedup_flush(p->dedup, now) > 0)
		emitted = true;
	for (size_t i = 0; i < p->nsinks; i++) {
		struct sink_slot *slot = &p->sinks[i];
		struct sink_stats st;

		sink_tick(slot->s);
		sink_stats(slot->s, &st);
		if (!st.where || st.dropped == slot->reported) {
			if (!st.failing && slot->trouble) {
				slot->trouble = false;
				sg_log(LOG_NOTICE, "events are delivered to '%s' again", st.name);
			}
			continue;
		}
		if (st.failing && slot->trouble &&
		    now - slot->last_report_ns < PIPELINE_DROP_REPORT_SEC * 1000000000ull)
			continue; /* reported when it began: the rest once it is over */
		if (st.failing && !slot->trouble)
			sg_log(LOG_ERR, "events cannot be delivered to '%s' ('%s'): %s; they are "
			       "counted as dropped", st.name, st.path ? st.path : "",
			       st.last_error ? strerror(st.last_error) : "too slow");
		else if (!st.failing && slot->trouble)
			sg_log(LOG_NOTICE, "events are delivered to '%s' again", st.name);
		slot->trouble = st.failing;
		report_drops(p, slot, &st, now);
		emitted = true;
	}
	if (report_ring_losses(p))
		emitted = true;
	if (emitted)
		pipeline_flush(p);
}

void pipeline_drain(struct pipeline *p)
{
	if (p->hold && !p->busy)
		release(p, HOLD_ALL, 0);
	dedup_flush_all(p->dedup);
	pipeline_flush(p);
}

int pipeline_reopen(struct pipeline *p)
{
	int ret = 0;

	for (size_t i = 0; i < p->nsinks; i++) {
		int r = sink_reopen(p->sinks[i].s);

		if (r < 0 && ret == 0)
			ret = r;
	}
	return ret;
}

size_t pipeline_sink_count(const struct pipeline *p)
{
	return p->nsinks;
}

void pipeline_sink_stats(const struct pipeline *p, size_t i, struct sink_stats *ret)
{
	sink_stats(p->sinks[i].s, ret);
}

int pipeline_find_sink(const struct pipeline *p, const char *name, struct sink_stats *ret)
{
	for (size_t i = 0; i < p->nsinks; i++) {
		sink_stats(p->sinks[i].s, ret);
		if (!strcmp(ret->name, name))
			return 0;
	}
	return -ENOENT;
}

const struct pipeline_stats *pipeline_stats(const struct pipeline *p)
{
	return &p->stats;
}

uint64_t pipeline_last_seq(const struct pipeline *p)
{
	return p->seq;
}
