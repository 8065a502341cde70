// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The deduplication table: open addressing over a power-of-two array, a probe
 * of DEDUP_PROBE slots, keyed by a 64-bit FNV-1a hash of (pid, type, action,
 * target), the target as each type's row of the event table defines it.  Each entry keeps a copy of the last suppressed event with its
 * strings in a fixed text buffer, so that its summary can be emitted after
 * the decoder's buffers are gone.  No allocation after dedup_new().
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "dedup.h"
#include "sg_limits.h"

#define DEDUP_PROBE 8

struct dslot {
	uint64_t hash;           /* 0: free */
	uint32_t pid;
	int type;
	int action;
	uint64_t start_ns;       /* first occurrence: the window starts here */
	uint32_t count;          /* suppressed since */
	struct sg_event last;    /* the last suppressed one, strings in text */
	char text[SG_DEDUP_TEXT];
};

struct dedup {
	struct dslot *slots;
	size_t mask;
	uint64_t window_ns;
	dedup_emit_fn emit;
	void *arg;
	struct dedup_stats st;
};

struct dedup *dedup_new(size_t slots, uint64_t window_ns, dedup_emit_fn emit, void *arg)
{
	struct dedup *d;
	size_t n = 1;

	if (!emit) {
		errno = EINVAL;
		return NULL;
	}
	if (!slots)
		slots = SG_DEDUP_SLOTS;
	while (n < slots || n < DEDUP_PROBE)
		n <<= 1;
	d = calloc(1, sizeof(*d));
	if (!d)
		return NULL;
	d->slots = calloc(n, sizeof(*d->slots));
	if (!d->slots) {
		free(d);
		return NULL;
	}
	d->mask = n - 1;
	d->window_ns = window_ns;
	d->emit = emit;
	d->arg = arg;
	return d;
}

void dedup_free(struct dedup *d)
{
	if (!d)
		return;
	free(d->slots);
	free(d);
}

void dedup_set_window(struct dedup *d, uint64_t window_ns)
{
	d->window_ns = window_ns;
}

uint64_t dedup_hash(uint64_t h, const void *p, size_t n)
{
	const unsigned char *s = p;

	for (size_t i = 0; i < n; i++) {
		h ^= s[i];
		h *= 0x100000001b3ull;
	}
	return h;
}

uint64_t dedup_hash_str(uint64_t h, const char *s)
{
	/* the NUL separates consecutive strings */
	return s ? dedup_hash(h, s, strlen(s) + 1) : dedup_hash(h, "", 1);
}

/* (pid, type, action) and the type's target (its row's dedup_key). */
static uint64_t key_hash(const struct sg_evtype *t, const struct sg_event *ev)
{
	uint64_t h = 0xcbf29ce484222325ull;

	h = dedup_hash(h, &ev->proc.pid, sizeof(ev->proc.pid));
	h = dedup_hash(h, &ev->type, sizeof(ev->type));
	h = dedup_hash(h, &ev->verdict.action, sizeof(ev->verdict.action));
	if (t->dedup_key)
		h = t->dedup_key(h, ev);
	return h ? h : 1;
}

/* Copies s into the keeper's text; NULL when it does not fit (or truncates when must). */
static const char *keep(struct dedup_keep *k, const char *s, size_t len, bool must)
{
	char *r = k->pos;

	if (!s)
		return NULL;
	if (len + 1 > k->left) {
		if (!must || k->left < 4)
			return NULL;
		len = k->left - 4;
		memcpy(r, s, len);
		memcpy(r + len, "...", 4);
		k->pos += k->left;
		k->left = 0;
		return r;
	}
	memcpy(r, s, len);
	r[len] = '\0';
	k->pos += len + 1;
	k->left -= len + 1;
	return r;
}

void dedup_keep_str(struct dedup_keep *k, const char **s, bool must)
{
	*s = keep(k, *s, *s ? strlen(*s) : 0, must);
}

void dedup_keep_mem(struct dedup_keep *k, const char **s, size_t len)
{
	*s = keep(k, *s, len, false);
}

static void save(struct dslot *s, const struct sg_event *ev)
{
	const struct sg_evtype *t = sg_evtype(ev->type);
	struct dedup_keep k = { .pos = s->text, .left = sizeof(s->text) };
	struct sg_event *e = &s->last;

	*e = *ev;
	e->proc.entry = NULL;
	e->ctr.info = NULL; /* the container may be gone when the summary goes out */
	dedup_keep_str(&k, &e->verdict.rule_id, true);
	for (size_t i = 0; i < e->verdict.nmatches; i++)
		dedup_keep_str(&k, &e->verdict.matches[i].rule_id, false);
	dedup_keep_str(&k, &e->verdict.corr.rule_id, false);
	dedup_keep_str(&k, &e->ctr.id, true);
	if (t->dedup_keep)
		t->dedup_keep(&k, e); /* its strings, and the exe where it matters */
	else
		dedup_keep_str(&k, &e->proc.exe, false);
	dedup_keep_str(&k, &e->ctr.name, false);
	dedup_keep_str(&k, &e->ctr.image, false);
}

/* Emits the summary of an entry with repeats, and frees it. */
static int close_slot(struct dedup *d, struct dslot *s)
{
	int n = 0;

	if (s->hash && s->count) {
		s->last.verdict.repeat = s->count;
		d->emit(&s->last, d->arg);
		d->st.summaries++;
		n = 1;
	}
	if (s->hash)
		d->st.open--;
	s->hash = 0;
	s->count = 0;
	return n;
}

static bool expired(const struct dedup *d, const struct dslot *s, uint64_t now_ns)
{
	return now_ns >= s->start_ns && now_ns - s->start_ns >= d->window_ns;
}

/* Which slot to reuse: a free one, else an expired one, else the oldest. */
static int rank(const struct dedup *d, const struct dslot *s, uint64_t now_ns)
{
	return !s->hash ? 0 : expired(d, s, now_ns) ? 1 : 2;
}

int dedup_submit(struct dedup *d, struct sg_event *ev, uint64_t now_ns)
{
	const struct sg_evtype *t = sg_evtype(ev->type);
	struct dslot *victim = NULL;
	uint64_t h;

	if (!d->window_ns || !t || !t->kernel ||
	    (ev->verdict.action != SG_ACT_LOG && ev->verdict.action != SG_ACT_ALERT) ||
	    ev->verdict.corr.rule_id)
		return 1; /* blocks, and the event with which a correlation held, go out at once */
	h = key_hash(t, ev);
	for (size_t i = 0; i < DEDUP_PROBE; i++) {
		struct dslot *s = &d->slots[(h + i) & d->mask];

		if (s->hash == h && s->pid == ev->proc.pid && s->type == ev->type &&
		    s->action == (int)ev->verdict.action) {
			if (!expired(d, s, now_ns)) {
				s->count++;
				save(s, ev);
				d->st.suppressed++;
				return 0;
			}
			close_slot(d, s);
			victim = s;
			break;
		}
		if (!victim || rank(d, s, now_ns) < rank(d, victim, now_ns) ||
		    (rank(d, s, now_ns) == rank(d, victim, now_ns) &&
		     s->start_ns < victim->start_ns))
			victim = s;
	}
	if (victim->hash) {
		if (!expired(d, victim, now_ns))
			d->st.evictions++;
		close_slot(d, victim);
	}
	victim->hash = h;
	victim->pid = ev->proc.pid;
	victim->type = ev->type;
	victim->action = ev->verdict.action;
	victim->start_ns = now_ns;
	victim->count = 0;
	d->st.open++;
	return 1;
}

int dedup_flush(struct dedup *d, uint64_t now_ns)
{
	int n = 0;

	for (size_t i = 0; i <= d->mask; i++) {
		struct dslot *s = &d->slots[i];

		if (s->hash && expired(d, s, now_ns))
			n += close_slot(d, s);
	}
	return n;
}

int dedup_flush_all(struct dedup *d)
{
	int n = 0;

	for (size_t i = 0; i <= d->mask; i++)
		n += close_slot(d, &d->slots[i]);
	return n;
}

void dedup_stats(const struct dedup *d, struct dedup_stats *ret)
{
	*ret = d->st;
}
