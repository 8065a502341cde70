/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Records held back while their cgroup's container is being looked up, so
 * that the first exec in a new container is judged with its name and image:
 * kept raw, in arrival order, per cgroup, for at most a set time and within
 * a byte bound.  A cgroup whose wait ran out is remembered for a while so
 * that its next records are not held again (they go out marked pending).
 * Allocates per held record (holding is rare: a new container's first
 * milliseconds); nothing else.  No logging.
 */
#ifndef SG_HOLD_H
#define SG_HOLD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define HOLD_GAVE_UP_MAX 64    /* cgroups remembered as not worth holding for */

struct hold;

struct hold_stats {
	size_t records;       /* held now */
	size_t bytes;
	uint64_t held;        /* records ever held */
	uint64_t released;    /* ... released with their container known */
	uint64_t expired;     /* ... released unresolved: the wait or the byte bound ran out */
};

/* max_ns: the longest a record waits; max_bytes: all held records together. NULL on ENOMEM. */
struct hold *hold_new(uint64_t max_ns, size_t max_bytes);
void hold_free(struct hold *h);

/* Whether records of cgroup_id wait (the next one must wait behind them). */
bool hold_has(const struct hold *h, uint64_t cgroup_id);
/* Whether cgroup_id's wait ran out lately: its records pass, marked pending. */
bool hold_gave_up(const struct hold *h, uint64_t cgroup_id);
/* Forget that (its container is known now). */
void hold_forget(struct hold *h, uint64_t cgroup_id);

/* Keep a copy of a record.  0, or -ENOBUFS (no room even after the oldest went: pass it on). */
int hold_push(struct hold *h, uint64_t cgroup_id, const void *data, size_t size, uint64_t now_ns);

enum hold_take {
	HOLD_CGROUP,    /* the records of one cgroup: its container is known now */
	HOLD_EXPIRED,   /* the records of every cgroup whose oldest waited max_ns by now */
	HOLD_OLDEST,    /* the records of the cgroup that waits longest (room is needed) */
	HOLD_ALL,       /* everything (at exit) */
};

/*
 * The next record to release, oldest first, into *data and *size (valid until the
 * next call), and its cgroup into *ret_cgroup.  A cgroup released by
 * HOLD_EXPIRED or HOLD_OLDEST is given up on (hold_gave_up()).  HOLD_OLDEST
 * stops after one cgroup.  Returns false when there is nothing (more).
 */
bool hold_next(struct hold *h, enum hold_take how, uint64_t cgroup_id, uint64_t now_ns,
	       const void **data, size_t *size, uint64_t *ret_cgroup);

/* The first cgroup, in arrival order, that keep(cgroup_id, arg) accepts; 0 when none. */
uint64_t hold_find(const struct hold *h, bool (*keep)(uint64_t cgroup_id, void *arg), void *arg);

void hold_stats(const struct hold *h, struct hold_stats *ret);

#endif /* SG_HOLD_H */
