/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The container of every cgroup, cached by cgroup id (the cgroup v2
 * directory's inode number, what bpf_get_current_cgroup_id() returns): the
 * event path looks an id up in O(1) with no system call and no allocation.
 * An id not seen yet is queued to a resolver thread, which finds the
 * cgroup's path (open_by_handle_at() on the cgroup2 mount, or a bounded walk
 * of the tree), names its container (cgpath) and reads the runtime's
 * metadata from its files (ctrmeta); results come back to the libevent loop
 * through an eventfd, are installed there, and on_resolved() is called for
 * each, so the caller can release what it held for that cgroup.  podman's
 * labels come later: an API thread asks podman's API (socket-activated, it
 * may take seconds to answer) and its answer updates the container's info
 * on the loop, so that neither the container's events nor other lookups
 * wait for it.  Cgroups of one container share one struct ctr_info.
 * Bounded: CONTAINER_CGROUPS_MAX cgroups (the oldest resolved one is evicted
 * when full), CONTAINER_PENDING_MAX queued, CONTAINER_API_PENDING_MAX
 * containers waiting for the API.
 */
#ifndef SG_CONTAINER_H
#define SG_CONTAINER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include "ctrmeta.h"

#define CONTAINER_CGROUPS_MAX 16384 /* cgroups cached, host and container alike */
#define CONTAINER_PENDING_MAX 1024  /* resolutions queued at once */
#define CONTAINER_API_PENDING_MAX 64 /* containers waiting for podman's API; more: no labels */
#define CONTAINER_WALK_MAX    65536 /* cgroup directories one walk of the tree visits */
#define CONTAINER_WALK_DEPTH  32    /* levels below the cgroup root a walk descends */
#define CONTAINER_NEWS_MAX    64    /* containers started or stopped, not taken yet */

struct event_base;

enum container_state {
	CONTAINER_PENDING = 0, /* being resolved: on_resolved() will be called for it */
	CONTAINER_HOST,        /* not in a container */
	CONTAINER_IN,          /* in the container info names */
	CONTAINER_UNKNOWN,     /* could not be resolved: cgroup gone, or a bound reached */
};

struct container_entry {
	uint64_t cgroup_id;
	enum container_state state;
	const struct ctr_info *info; /* CONTAINER_IN: never NULL; otherwise NULL */
	int error; /* CONTAINER_IN: -errno of the metadata read (0: all read); UNKNOWN: why */
};

struct container_opts {
	const char *cgroup_root;   /* the cgroup v2 mount; NULL: from /proc/self/mountinfo */
	const char *state_root;    /* prefix of the runtimes' state paths (tests); NULL: "/" */
	const char *podman_socket; /* NULL: /run/podman/podman.sock; "": never ask the API */
	int api_timeout_ms;        /* one podman API call; 0: CTR_API_TIMEOUT_MS */
	size_t max_entries;        /* 0: CONTAINER_CGROUPS_MAX */
	bool no_handles;           /* find paths by walking the tree only (tests) */
	/* called on the loop for every cgroup a lookup left PENDING, once it is resolved */
	void (*on_resolved)(void *ctx, uint64_t cgroup_id);
	void *ctx;
};

struct container_stats {
	size_t entries;     /* cgroups cached */
	size_t containers;  /* distinct containers among them */
	size_t pending;     /* cgroups being resolved */
	uint64_t resolved;  /* resolutions installed */
	uint64_t failed;    /* ... that could not find the cgroup, or read its metadata in full */
	uint64_t evicted;   /* resolved cgroups dropped to make room */
	uint64_t dropped;   /* lookups answered UNKNOWN at once: queue or table full */
	uint64_t news_lost; /* starts and stops not told: nobody took the news in time */
	uint64_t api_updates; /* containers' infos replaced by podman's API's answer */
	size_t info_bytes;  /* memory the containers' metadata holds */
	bool handles;       /* paths are found with open_by_handle_at() */
	bool scan_done;     /* container_scan() has finished */
};

struct container;

/*
 * Start the resolver thread and register its eventfd on base.  Returns NULL
 * and sets errno on failure (ENOENT: no cgroup2 mount found).
 */
struct container *container_new(struct event_base *base, const struct container_opts *opts);
/* Stop the threads (an API call in flight is given up), free everything; c may be NULL. */
void container_free(struct container *c);

/*
 * The entry of cgroup_id.  An unknown id gets a PENDING entry and is queued
 * for resolution; when the queue or the table is full, a transient UNKNOWN
 * entry is returned (not cached, counted as dropped).  The pointer and the
 * info it points to are valid until control returns to the loop or the next
 * container_* call.  A container's info may be replaced on the loop when
 * podman's API answers (labels_pending was set): the info pointer stays.
 */
const struct container_entry *container_lookup(struct container *c, uint64_t cgroup_id);

/*
 * A cgroup was made (the BPF side saw its mkdir) at path, from the cgroup v2
 * root: a host path is installed at once; a cgroup of a known container
 * shares its info at once; another container's is queued (no path lookup
 * then).  0, -EAGAIN when the queue is full, -EINVAL for a bad path.
 */
int container_cgroup_created(struct container *c, uint64_t cgroup_id, const char *path);

/*
 * A cgroup was removed: its entry goes, and the container's metadata with
 * its last cgroup.  A PENDING entry goes once its on_resolved() was called.
 */
void container_cgroup_removed(struct container *c, uint64_t cgroup_id);

/*
 * Queue a walk of the whole cgroup tree that installs the containers already
 * running (their own cgroups; deeper ones are resolved when looked up).
 */
int container_scan(struct container *c);

/*
 * What happened to containers, oldest first: one seen starting (its cgroup
 * was made while the daemon watched), one found running (already there, or
 * first seen by a look-up), one stopped (its last cgroup removed; an entry
 * evicted from the cache is not a stop).  A machine of class vm is neither.
 */
enum container_op { CONTAINER_START, CONTAINER_FOUND, CONTAINER_STOP };

struct container_news {
	enum container_op op;
	enum ctr_runtime runtime;
	char id[CTR_ID_MAX + 1];
	char name[CTR_NAME_MAX + 1];
	char image[CTR_IMAGE_MAX + 1];
};

/* The next news into *ret; false when there is none (bounded: CONTAINER_NEWS_MAX). */
bool container_news_next(struct container *c, struct container_news *ret);

/* A running container's metadata (until the next container_* call), or NULL. */
const struct ctr_info *container_find(const struct container *c, enum ctr_runtime rt,
				      const char *id);

/* A running container by its name, else by a unique prefix of its id; NULL when none (or two). */
const struct ctr_info *container_find_named(const struct container *c, const char *s);

void container_stats(const struct container *c, struct container_stats *ret);

/* Every known container, with the count of its cgroups cached. */
void container_foreach(const struct container *c,
		       void (*fn)(const struct ctr_info *info, size_t ncgroups, void *arg),
		       void *arg);

/*
 * The cgroup v2 id of pid, as bpf_get_current_cgroup_id() would give it in
 * that process (the inode of its /proc/<pid>/cgroup "0::" path under the
 * cgroup v2 root), and that path into path (may be NULL).  For tools and
 * tests: it makes system calls.  0 or -errno.
 */
int container_pid_cgroup(const struct container *c, pid_t pid, uint64_t *ret, char *path,
			 size_t size);

#endif /* SG_CONTAINER_H */
