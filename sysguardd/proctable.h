/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The process table: what sysguard knows of every live process, seeded from
 * /proc at start-up and kept current from fork, exec and exit events.  Bounded
 * (SG_PROCTABLE_MAX by default); when full, the entry seen longest ago is
 * evicted.  Lookups are O(1).
 */
#ifndef SG_PROCTABLE_H
#define SG_PROCTABLE_H

#include <stddef.h>
#include <stdint.h>
#include "event.h"

struct proc_entry {
	uint32_t pid;
	uint32_t ppid;
	uint32_t uid;
	uint32_t gid;
	char comm[SG_COMM_LEN + 1];
	const char *exe;         /* absolute path, or NULL when unknown */
	const char *argv;        /* argc NUL-terminated strings back to back, or NULL */
	size_t argv_len;
	unsigned int argc;
	uint64_t start_ns;       /* when sysguard learnt of it (CLOCK_REALTIME), 0 if seeded */
	bool seeded;             /* known from /proc rather than from events */
};

struct proctable;

struct proctable *proctable_new(size_t max_entries);
void proctable_free(struct proctable *pt);

/* Read every process under procfs (normally "/proc"). Returns the count or -errno. */
int proctable_seed(struct proctable *pt, const char *procfs);

const struct proc_entry *proctable_get(const struct proctable *pt, uint32_t pid);

/* The parent of e, or NULL. */
const struct proc_entry *proctable_parent(const struct proctable *pt, const struct proc_entry *e);

/*
 * Learn from a decoded event: fork adds the child (a copy of the parent),
 * exec replaces exe and comm, exit removes the process.  Any event refreshes
 * uid, gid, ppid and comm of its process, and adds it when unknown.
 */
void proctable_update(struct proctable *pt, const struct sg_event *ev);

/* Fill ev->proc.exe and ev->proc.entry from the table. */
void proctable_enrich(struct proctable *pt, struct sg_event *ev);

size_t proctable_count(const struct proctable *pt);
uint64_t proctable_evictions(const struct proctable *pt);

#endif /* SG_PROCTABLE_H */
