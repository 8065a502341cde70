// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Windows over events (correlate.h).  Groups live in one array with their
 * data beside them; a chained hash finds a group by key and a doubly linked
 * list keeps them in the order they were last fed, so that the one a new
 * group replaces is found at once.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "correlate.h"

struct cgroup_ent {
	uint64_t key;
	uint64_t last_ns;        /* when it was last fed */
	int32_t next;            /* hash chain; -1 ends it */
	int32_t prev_lru, next_lru;
	uint32_t n;              /* count, distinct: entries kept */
	uint32_t head;           /* count: the next slot of the ring */
};

struct corr_table {
	struct corr_spec s;
	uint32_t per;            /* uint64_t words of data per group */
	uint32_t nbuckets;       /* a power of 2 */
	uint32_t used;
	int32_t lru_head, lru_tail; /* most, least recently fed */
	int32_t *buckets;
	struct cgroup_ent *g;
	uint64_t *data;
	uint64_t fired, evictions;
};

uint64_t corr_hash(uint64_t h, const void *p, size_t len)
{
	const unsigned char *b = p;
	uint64_t w;

	/* 8 bytes at a time: keys are paths and command lines, hashed per event */
	for (; len >= 8; b += 8, len -= 8) {
		memcpy(&w, b, 8);
		h = (h ^ w) * 0x9e3779b97f4a7c15ull;
		h ^= h >> 29;
	}
	w = 0; /* the tail, with its length: "a" and "a\0" differ */
	memcpy(&w, b, len);
	w ^= (uint64_t)len << 56;
	h = (h ^ w) * 0x9e3779b97f4a7c15ull;
	return h ^ (h >> 32);
}

struct corr_table *corr_table_new(const struct corr_spec *spec)
{
	struct corr_table *t;
	uint32_t per;

	if (!spec->window_ns || !spec->max_groups || spec->max_groups > CORR_GROUPS_MAX ||
	    !spec->threshold ||
	    ((spec->kind == CORR_COUNT || spec->kind == CORR_DISTINCT) &&
	     spec->threshold > CORR_THRESHOLD_MAX) ||
	    ((spec->kind == CORR_ORDERED || spec->kind == CORR_ANY_ORDER) &&
	     (spec->threshold > CORR_STEPS_MAX))) {
		errno = EINVAL;
		return NULL;
	}
	/* count: a ring of times; distinct: (hash, time) pairs; sequences: a time per step */
	per = spec->kind == CORR_DISTINCT ? 2 * spec->threshold : spec->threshold;
	t = calloc(1, sizeof(*t));
	if (!t)
		return NULL;
	t->s = *spec;
	t->per = per;
	for (t->nbuckets = 16; t->nbuckets < spec->max_groups; t->nbuckets *= 2)
		;
	t->buckets = malloc(t->nbuckets * sizeof(*t->buckets));
	t->g = calloc(spec->max_groups, sizeof(*t->g));
	t->data = calloc((size_t)spec->max_groups * per, sizeof(*t->data));
	if (!t->buckets || !t->g || !t->data) {
		corr_table_free(t);
		errno = ENOMEM;
		return NULL;
	}
	memset(t->buckets, 0xff, t->nbuckets * sizeof(*t->buckets));
	t->lru_head = t->lru_tail = -1;
	return t;
}

void corr_table_free(struct corr_table *t)
{
	if (!t)
		return;
	free(t->buckets);
	free(t->g);
	free(t->data);
	free(t);
}

static void lru_unlink(struct corr_table *t, int32_t i)
{
	struct cgroup_ent *e = &t->g[i];

	if (e->prev_lru >= 0)
		t->g[e->prev_lru].next_lru = e->next_lru;
	else
		t->lru_head = e->next_lru;
	if (e->next_lru >= 0)
		t->g[e->next_lru].prev_lru = e->prev_lru;
	else
		t->lru_tail = e->prev_lru;
}

static void lru_push(struct corr_table *t, int32_t i)
{
	struct cgroup_ent *e = &t->g[i];

	e->prev_lru = -1;
	e->next_lru = t->lru_head;
	if (t->lru_head >= 0)
		t->g[t->lru_head].prev_lru = i;
	t->lru_head = i;
	if (t->lru_tail < 0)
		t->lru_tail = i;
}

static int32_t find(const struct corr_table *t, uint64_t key)
{
	for (int32_t i = t->buckets[key & (t->nbuckets - 1)]; i >= 0; i = t->g[i].next)
		if (t->g[i].key == key)
			return i;
	return -1;
}

static void unhash(struct corr_table *t, int32_t i)
{
	int32_t *pp = &t->buckets[t->g[i].key & (t->nbuckets - 1)];

	while (*pp >= 0 && *pp != i)
		pp = &t->g[*pp].next;
	if (*pp == i)
		*pp = t->g[i].next;
}

static void reset(struct corr_table *t, int32_t i)
{
	t->g[i].n = 0;
	t->g[i].head = 0;
	memset(&t->data[(size_t)i * t->per], 0, t->per * sizeof(*t->data));
}

/* A group for key: a free one, or the least recently fed. */
static int32_t make(struct corr_table *t, uint64_t key, uint64_t now)
{
	int32_t i;

	if (t->used < t->s.max_groups) {
		i = (int32_t)t->used++;
	} else {
		i = t->lru_tail;
		/* still within its window: what it held is lost */
		if (now - t->g[i].last_ns <= t->s.window_ns || now < t->g[i].last_ns)
			t->evictions++;
		unhash(t, i);
		lru_unlink(t, i);
	}
	t->g[i].key = key;
	t->g[i].next = t->buckets[key & (t->nbuckets - 1)];
	t->buckets[key & (t->nbuckets - 1)] = i;
	reset(t, i);
	lru_push(t, i);
	return i;
}

/* Whether then is within the window before now (times slightly out of order count). */
static bool within(const struct corr_table *t, uint64_t then, uint64_t now)
{
	return then && (now <= then || now - then <= t->s.window_ns);
}

static bool feed_count(struct corr_table *t, struct cgroup_ent *e, uint64_t *d, uint64_t now,
		       struct corr_fire *out)
{
	uint64_t oldest;

	d[e->head] = now;
	e->head = (e->head + 1) % t->s.threshold;
	if (e->n < t->s.threshold)
		e->n++;
	if (e->n < t->s.threshold)
		return false;
	oldest = d[e->head]; /* full: the next slot holds the oldest */
	if (!within(t, oldest, now))
		return false;
	out->count = e->n;
	out->first_ns = oldest;
	return true;
}

static bool feed_distinct(struct corr_table *t, struct cgroup_ent *e, uint64_t *d,
			  uint64_t now, uint64_t value, struct corr_fire *out)
{
	uint32_t k = 0;
	bool seen = false;
	uint64_t first = now;

	/* what fell out of the window goes; the value is refreshed or added */
	for (uint32_t i = 0; i < e->n; i++) {
		if (!within(t, d[2 * i + 1], now))
			continue;
		d[2 * k] = d[2 * i];
		d[2 * k + 1] = d[2 * i + 1];
		if (d[2 * k] == value) {
			d[2 * k + 1] = now;
			seen = true;
		}
		k++;
	}
	e->n = k;
	if (!seen && e->n < t->s.threshold) {
		d[2 * e->n] = value;
		d[2 * e->n + 1] = now;
		e->n++;
	}
	if (e->n < t->s.threshold)
		return false;
	for (uint32_t i = 0; i < e->n; i++)
		if (d[2 * i + 1] < first)
			first = d[2 * i + 1];
	out->count = e->n;
	out->first_ns = first;
	return true;
}

/*
 * Ordered: d[s] is the latest start of a partial match that has reached step
 * s (0: none).  Taking the latest start keeps the most of the window for the
 * steps still to come, so a match is found whenever one exists.  Steps are
 * taken last first, so one event advances a partial match by one step only.
 */
static bool feed_ordered(struct corr_table *t, uint64_t *d, uint64_t now, uint32_t steps,
			 struct corr_fire *out)
{
	uint32_t n = t->s.threshold;

	for (uint32_t s = 0; s < n; s++)
		if (d[s] && !within(t, d[s], now))
			d[s] = 0;
	for (uint32_t s = n; s-- > 0;) {
		if (!(steps & (1u << s)))
			continue;
		if (s == 0)
			d[0] = now;
		else if (d[s - 1] && d[s - 1] > d[s])
			d[s] = d[s - 1];
	}
	if (!d[n - 1])
		return false;
	out->count = n;
	out->first_ns = d[n - 1];
	return true;
}

/* Any order: d[s] is when step s was last seen. */
static bool feed_any(struct corr_table *t, uint64_t *d, uint64_t now, uint32_t steps,
		     struct corr_fire *out)
{
	uint32_t n = t->s.threshold;
	uint64_t first = now;

	for (uint32_t s = 0; s < n; s++)
		if (steps & (1u << s))
			d[s] = now;
	for (uint32_t s = 0; s < n; s++) {
		if (!within(t, d[s], now))
			return false;
		if (d[s] < first)
			first = d[s];
	}
	out->count = n;
	out->first_ns = first;
	return true;
}

int corr_feed(struct corr_table *t, uint64_t key, uint64_t now_ns, uint32_t steps,
	      uint64_t value, bool create, struct corr_fire *out)
{
	struct cgroup_ent *e;
	uint64_t *d;
	int32_t i;
	bool fire = false;

	i = find(t, key);
	if (i < 0) {
		if (!create)
			return -ENOENT;
		i = make(t, key, now_ns);
	} else if (i != t->lru_head) {
		lru_unlink(t, i);
		lru_push(t, i);
	}
	e = &t->g[i];
	e->last_ns = now_ns;
	d = &t->data[(size_t)i * t->per];
	switch (t->s.kind) {
	case CORR_COUNT:
		fire = feed_count(t, e, d, now_ns, out);
		break;
	case CORR_DISTINCT:
		fire = feed_distinct(t, e, d, now_ns, value, out);
		break;
	case CORR_ORDERED:
		fire = feed_ordered(t, d, now_ns, steps, out);
		break;
	case CORR_ANY_ORDER:
		fire = feed_any(t, d, now_ns, steps, out);
		break;
	}
	if (!fire)
		return 0;
	t->fired++;
	reset(t, i);
	return 1;
}

void corr_table_stats(const struct corr_table *t, struct corr_stats *ret)
{
	*ret = (struct corr_stats){ .groups = t->used, .fired = t->fired,
				    .evictions = t->evictions };
}
