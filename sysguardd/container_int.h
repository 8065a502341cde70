/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What the container cache (container.c, the loop thread's) and its
 * resolver (container_resolve.c: a resolver thread and a podman API
 * thread) share: struct container, with the loop's table, the requests,
 * API jobs and results that pass between the threads under one mutex, and
 * each thread's own state; and the resolver's functions the cache calls,
 * to start and stop it, to queue a request and to take the results posted.  Not for use outside
 * sysguardd/container*.c.
 */
#ifndef SG_CONTAINER_INT_H
#define SG_CONTAINER_INT_H

#include <limits.h>
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "container.h"

struct centry;
struct cobj;

/* A resolution asked for (the loop to the resolver). */
struct req {
	uint64_t id;
	uint32_t gen;
	char *path; /* from container_cgroup_created(), or NULL: find it */
};

/* A container whose labels podman's API is to be asked for (resolver to API thread). */
struct api_job {
	struct ctr_ref ref;    /* as its cgroup path named it: the cache's key */
	struct ctr_info *info; /* from the files, labels_pending */
};

/* A resolution done, an API answer, or the scan finished (the resolver to the loop). */
struct result {
	struct result *next;
	bool scan_done; /* the scan has finished: nothing else in here */
	bool update;    /* the API's answer for the container ref names: info replaces its own */
	uint64_t id;
	uint32_t gen; /* 0: found by the scan, no entry waits for it */
	enum container_state state;
	struct ctr_ref ref;
	struct ctr_info *info; /* CONTAINER_IN */
	int error;
};

/* The cache and its resolver: who may touch what is marked. */
struct container {
	struct event_base *base;
	struct event *ev;
	int efd;       /* results posted */
	int cancel_fd; /* readable: the resolver must stop */
	void (*on_resolved)(void *ctx, uint64_t cgroup_id);
	void *ctx;

	/* the loop's */
	struct centry *e;
	uint32_t *buckets;
	uint32_t mask;
	uint32_t free_head, age_head, age_tail;
	size_t n, max, npending, nobjs;
	uint32_t gen;
	struct cobj *objs;
	struct container_entry unknown;
	struct container_stats st;
	struct container_news news[CONTAINER_NEWS_MAX];
	size_t news_head, news_len;

	/* shared, under mu */
	pthread_mutex_t mu;
	pthread_cond_t cv;
	bool mu_init;
	struct req q[CONTAINER_PENDING_MAX];
	size_t qhead, qlen;
	pthread_cond_t api_cv;
	struct api_job jobs[CONTAINER_API_PENDING_MAX];
	size_t jhead, jlen;
	struct result *res_head, **res_tail;
	bool scan;
	int stop;    /* also read without the lock (__atomic) by the walks */
	int handles; /* __atomic: written by the resolver */

	/* the resolver's */
	pthread_t th;
	bool th_started;
	struct ctrmeta *meta;
	int mnt_fd;
	char root[PATH_MAX]; /* the cgroup v2 mount, canonical, no trailing '/' */
	size_t root_len;

	/* the API thread's */
	pthread_t api_th;
	bool api_started;
	struct ctrmeta *api_meta;
};

/* ---- container_resolve.c ----------------------------------------------- */

/*
 * The resolver's state, before its thread starts: the cgroup v2 mount
 * (opts->cgroup_root, else the one in /proc/self/mountinfo) and an fd on
 * it, whether cgroups open by handle, the eventfds (c->efd: results
 * posted), the metadata readers.  0 or -errno; container_free() undoes a
 * part done.
 */
int resolver_init(struct container *c, const struct container_opts *opts);
/* Start the threads (they take no signals), with the lock they share. 0 or -errno. */
int resolver_start(struct container *c);
/* Stop the threads, and drop the requests and API jobs queued and the results not taken. */
void resolver_stop(struct container *c);
/* Free what resolver_init() and resolver_start() made, once stopped. */
void resolver_fini(struct container *c);

/*
 * Queue the resolution of cgroup id for the entry of generation gen; path
 * (taken over; NULL: find it from the id) as container_cgroup_created() had
 * it.  0 or -EAGAIN when CONTAINER_PENDING_MAX are queued.
 */
int resolver_enqueue(struct container *c, uint64_t id, uint32_t gen, char *path);
/* The results posted so far, oldest first (c->efd was readable); NULL when none. */
struct result *resolver_results(struct container *c);
void result_free(struct result *r);

#endif /* SG_CONTAINER_INT_H */
