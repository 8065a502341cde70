/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Windows over events, for the policy's correlation rules: a table of groups
 * (one per value of the rule's 'by' key: a process, a user, a file...), each
 * holding what the rule needs to decide over a sliding window:
 *   - count: the times of the last N events;
 *   - distinct: up to N values (hashes) with when each was last seen;
 *   - sequence: for each step, the latest start of a partial match that has
 *     reached it (ordered), or when each step was last seen (any order).
 * Bounded: at most max_groups groups, all allocated when the table is made;
 * a new group takes the least recently fed one, and taking one whose window
 * was still open counts as an eviction.  Feeding allocates nothing.  Knows
 * nothing of events or policies: keys and values come hashed.
 */
#ifndef SG_CORRELATE_H
#define SG_CORRELATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CORR_THRESHOLD_MAX 1000  /* the largest count or distinct threshold */
#define CORR_STEPS_MAX 8         /* steps of a sequence */
#define CORR_GROUPS_MAX 65536    /* groups one rule may keep */

enum corr_kind {
	CORR_COUNT,              /* threshold events */
	CORR_DISTINCT,           /* threshold distinct values */
	CORR_ORDERED,            /* steps 0..n-1 in that order */
	CORR_ANY_ORDER,          /* every step, in any order */
};

struct corr_spec {
	enum corr_kind kind;
	uint64_t window_ns;      /* > 0 */
	uint32_t threshold;      /* count, distinct: 1..CORR_THRESHOLD_MAX; sequences: the steps */
	uint32_t max_groups;     /* 1..CORR_GROUPS_MAX */
};

/* What a group had when its rule held. */
struct corr_fire {
	uint32_t count;          /* events, distinct values or steps */
	uint64_t first_ns;       /* the oldest of them */
};

struct corr_stats {
	uint64_t groups;         /* in use now (some may be past their window) */
	uint64_t fired;
	uint64_t evictions;      /* groups taken while their window was open */
};

struct corr_table;

/* NULL and errno (EINVAL, ENOMEM) on failure. */
struct corr_table *corr_table_new(const struct corr_spec *spec);
void corr_table_free(struct corr_table *t);

/*
 * Feed one event at now_ns to the group of key: steps is the mask of the steps it matched
 * (bit 0 for count and distinct), value the hash of its distinct value.
 * create false: only a group that exists is fed.  Returns 1 when the rule
 * holds (out filled; the group starts afresh), 0 when it does not yet, and
 * -ENOENT when there is no such group and create is false.
 */
int corr_feed(struct corr_table *t, uint64_t key, uint64_t now_ns, uint32_t steps,
	      uint64_t value, bool create, struct corr_fire *out);

void corr_table_stats(const struct corr_table *t, struct corr_stats *ret);

/* A 64-bit hash of len bytes, continuing from h (start with CORR_HASH_INIT). */
#define CORR_HASH_INIT 0xcbf29ce484222325ull
uint64_t corr_hash(uint64_t h, const void *p, size_t len);

#endif /* SG_CORRELATE_H */
