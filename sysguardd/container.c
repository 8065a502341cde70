// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The container cache and its resolver thread (see container.h).  The table
 * (a fixed array of entries, a chained hash over it, a free list and an age
 * list of resolved entries, oldest first) and the containers belong to the
 * loop thread.  The request ring and the result list are shared with the
 * resolver under one mutex.  The metadata readers, the cgroup2 mount's fd and
 * the tree walks are the resolver's own.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/eventfd.h>
#include <sys/stat.h>
#include <event2/event.h>
#include "container.h"
#include "fileio.h"

#define NIL UINT32_MAX
#define FILEID_KERNFS 0xfe /* the file handle type of kernfs (cgroupfs): the node's 64-bit id */
#define MOUNTINFO_MAX (1 << 20)
#define CGROUP_ROOT_INO 1 /* the v2 hierarchy's root cgroup: its directory's inode, its id */

/* One container, shared by its cgroups. */
struct cobj {
	struct ctr_info info;
	enum ctr_runtime path_rt; /* what the cgroup path said (cri for the cgroupfs driver) */
	int error;                /* of the metadata read */
	size_t refs;              /* cgroup entries pointing here */
	size_t bytes;
	bool announced;           /* its start (or finding) is in the news */
	struct cobj *prev, *next;
};

struct centry {
	struct container_entry pub;
	struct cobj *obj;
	uint32_t hnext;        /* hash chain; the free list when unused */
	uint32_t aprev, anext; /* age list */
	uint32_t gen;          /* never 0 for a used entry */
	bool used;
	bool aged;   /* on the age list: resolved, may be evicted */
	bool doomed; /* removed while pending: dropped once announced */
	bool made;   /* its mkdir was seen: a container first seen here has just started */
};

struct req {
	uint64_t id;
	uint32_t gen;
	char *path; /* from container_cgroup_created(), or NULL: find it */
};

struct result {
	struct result *next;
	bool scan_done; /* the scan has finished: nothing else in here */
	uint64_t id;
	uint32_t gen; /* 0: found by the scan, no entry waits for it */
	enum container_state state;
	struct ctr_ref ref;
	struct ctr_info *info; /* CONTAINER_IN */
	int error;
};

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
};

/* ---- the table (loop thread) ------------------------------------------- */

static uint32_t bucket_of(const struct container *c, uint64_t id)
{
	return (uint32_t)((id * 0x9e3779b97f4a7c15ull) >> 32) & c->mask;
}

static struct centry *find(const struct container *c, uint64_t id)
{
	for (uint32_t i = c->buckets[bucket_of(c, id)]; i != NIL; i = c->e[i].hnext)
		if (c->e[i].pub.cgroup_id == id)
			return &c->e[i];
	return NULL;
}

static uint32_t idx(const struct container *c, const struct centry *e)
{
	return (uint32_t)(e - c->e);
}

static void age_append(struct container *c, struct centry *e)
{
	uint32_t i = idx(c, e);

	e->aprev = c->age_tail;
	e->anext = NIL;
	if (c->age_tail != NIL)
		c->e[c->age_tail].anext = i;
	else
		c->age_head = i;
	c->age_tail = i;
	e->aged = true;
}

static void age_unlink(struct container *c, struct centry *e)
{
	if (!e->aged)
		return;
	if (e->aprev != NIL)
		c->e[e->aprev].anext = e->anext;
	else
		c->age_head = e->anext;
	if (e->anext != NIL)
		c->e[e->anext].aprev = e->aprev;
	else
		c->age_tail = e->aprev;
	e->aged = false;
}

/* A container started, was found, or stopped: for container_news_next(). */
static void news(struct container *c, const struct ctr_info *info, enum container_op op)
{
	struct container_news *n;

	if (c->news_len == CONTAINER_NEWS_MAX) {
		c->st.news_lost++;
		return;
	}
	n = &c->news[(c->news_head + c->news_len++) % CONTAINER_NEWS_MAX];
	n->op = op;
	n->runtime = info->runtime;
	snprintf(n->id, sizeof(n->id), "%s", info->id);
	snprintf(n->name, sizeof(n->name), "%s", info->name);
	snprintf(n->image, sizeof(n->image), "%s", info->image);
}

/* removed: its last cgroup is gone, not evicted, so the container stopped. */
static void obj_unref(struct container *c, struct cobj *o, bool removed)
{
	if (--o->refs)
		return;
	if (removed && o->announced)
		news(c, &o->info, CONTAINER_STOP);
	if (o->prev)
		o->prev->next = o->next;
	else
		c->objs = o->next;
	if (o->next)
		o->next->prev = o->prev;
	c->nobjs--;
	c->st.info_bytes -= o->bytes;
	ctrmeta_info_clear(&o->info);
	free(o);
}

static struct cobj *obj_find(const struct container *c, enum ctr_runtime rt, const char *id)
{
	for (struct cobj *o = c->objs; o; o = o->next)
		if (o->path_rt == rt && !strcmp(o->info.id, id))
			return o;
	return NULL;
}

/* A container from a resolved info (whose labels it takes over; *info is zeroed). */
static struct cobj *obj_add(struct container *c, enum ctr_runtime rt, struct ctr_info *info,
			    int error)
{
	struct cobj *o = calloc(1, sizeof(*o));

	if (!o)
		return NULL;
	o->info = *info;
	memset(info, 0, sizeof(*info));
	o->path_rt = rt;
	o->error = error;
	o->bytes = sizeof(*o);
	for (unsigned int i = 0; i < o->info.nlabels; i++)
		o->bytes += strlen(o->info.labels[i].key) + strlen(o->info.labels[i].value) + 2;
	o->next = c->objs;
	if (c->objs)
		c->objs->prev = o;
	c->objs = o;
	c->nobjs++;
	c->st.info_bytes += o->bytes;
	return o;
}

static void entry_set_obj(struct centry *e, struct cobj *o)
{
	e->obj = o;
	o->refs++;
	e->pub.state = CONTAINER_IN;
	e->pub.info = &o->info;
	e->pub.error = o->error;
}

static void entry_drop(struct container *c, struct centry *e, bool removed)
{
	uint32_t i = idx(c, e), *p = &c->buckets[bucket_of(c, e->pub.cgroup_id)];

	while (*p != i)
		p = &c->e[*p].hnext;
	*p = e->hnext;
	age_unlink(c, e);
	if (e->pub.state == CONTAINER_PENDING)
		c->npending--;
	if (e->obj)
		obj_unref(c, e->obj, removed);
	memset(e, 0, sizeof(*e));
	e->hnext = c->free_head;
	c->free_head = i;
	c->n--;
}

/* A new entry for id (state PENDING, not aged); the oldest resolved one goes when full. */
static struct centry *entry_new(struct container *c, uint64_t id)
{
	struct centry *e;
	uint32_t i, b;

	if (c->free_head == NIL) {
		if (c->age_head == NIL)
			return NULL; /* every entry is pending */
		entry_drop(c, &c->e[c->age_head], false);
		c->st.evicted++;
	}
	i = c->free_head;
	e = &c->e[i];
	c->free_head = e->hnext;
	memset(e, 0, sizeof(*e));
	e->used = true;
	if (++c->gen == 0)
		c->gen = 1;
	e->gen = c->gen;
	e->pub.cgroup_id = id;
	e->pub.state = CONTAINER_PENDING;
	e->aprev = e->anext = NIL;
	b = bucket_of(c, id);
	e->hnext = c->buckets[b];
	c->buckets[b] = i;
	c->n++;
	return e;
}

/* ---- requests and results (shared) ------------------------------------- */

static int enqueue(struct container *c, uint64_t id, uint32_t gen, char *path)
{
	pthread_mutex_lock(&c->mu);
	if (c->qlen == CONTAINER_PENDING_MAX) {
		pthread_mutex_unlock(&c->mu);
		return -EAGAIN;
	}
	c->q[(c->qhead + c->qlen) % CONTAINER_PENDING_MAX] =
		(struct req){ .id = id, .gen = gen, .path = path };
	c->qlen++;
	pthread_cond_signal(&c->cv);
	pthread_mutex_unlock(&c->mu);
	return 0;
}

static bool dequeue(struct container *c, struct req *ret)
{
	if (!c->qlen)
		return false;
	*ret = c->q[c->qhead];
	c->qhead = (c->qhead + 1) % CONTAINER_PENDING_MAX;
	c->qlen--;
	return true;
}

static void result_free(struct result *r)
{
	if (r->info) {
		ctrmeta_info_clear(r->info);
		free(r->info);
	}
	free(r);
}

static void post(struct container *c, struct result *r)
{
	uint64_t one = 1;

	pthread_mutex_lock(&c->mu);
	*c->res_tail = r;
	c->res_tail = &r->next;
	pthread_mutex_unlock(&c->mu);
	if (write(c->efd, &one, sizeof(one)) < 0) {
		/* EAGAIN: the counter is already far from 0, the loop will come */
	}
}

static bool stopping(struct container *c)
{
	return __atomic_load_n(&c->stop, __ATOMIC_RELAXED);
}

/* A result struct; retried while memory is short (the entry waits for it). */
static struct result *result_new(struct container *c)
{
	for (;;) {
		struct result *r = calloc(1, sizeof(*r));

		if (r || stopping(c))
			return r;
		nanosleep(&(struct timespec){ .tv_nsec = 10 * 1000 * 1000 }, NULL);
	}
}

/* ---- installing results (loop thread) ---------------------------------- */

static void install(struct container *c, struct result *r)
{
	struct centry *e = find(c, r->id);
	bool doomed = false;
	struct cobj *o;

	if (r->gen) {
		if (!e || e->gen != r->gen || e->pub.state != CONTAINER_PENDING)
			return;
		c->npending--;
		doomed = e->doomed;
	} else {
		if (e)
			return; /* the scan found what is known already */
		e = entry_new(c, r->id);
		if (!e)
			return;
	}
	c->st.resolved++;
	if (r->state == CONTAINER_UNKNOWN || r->error < 0)
		c->st.failed++;
	switch (r->state) {
	case CONTAINER_IN:
		o = obj_find(c, r->ref.runtime, r->ref.id);
		if (!o) {
			o = obj_add(c, r->ref.runtime, r->info, r->error);
			if (o && !o->info.vm) {
				o->announced = true;
				news(c, &o->info, e->made ? CONTAINER_START : CONTAINER_FOUND);
			}
		}
		if (o) {
			entry_set_obj(e, o);
			break;
		}
		e->pub.state = CONTAINER_UNKNOWN;
		e->pub.error = -ENOMEM;
		break;
	case CONTAINER_HOST:
		e->pub.state = CONTAINER_HOST;
		break;
	default:
		e->pub.state = CONTAINER_UNKNOWN;
		e->pub.error = r->error < 0 ? r->error : -ENOENT;
		break;
	}
	age_append(c, e);
	if (r->gen && c->on_resolved)
		c->on_resolved(c->ctx, r->id);
	if (doomed) {
		/* the callback may have changed the table: find it again */
		e = find(c, r->id);
		if (e && e->gen == r->gen)
			entry_drop(c, e, true);
	}
}

static void on_results(evutil_socket_t fd, short what, void *arg)
{
	struct container *c = arg;
	struct result *list;
	uint64_t v;

	if (read(c->efd, &v, sizeof(v)) < 0) {
		/* EAGAIN: an earlier call took the list already */
	}
	pthread_mutex_lock(&c->mu);
	list = c->res_head;
	c->res_head = NULL;
	c->res_tail = &c->res_head;
	pthread_mutex_unlock(&c->mu);
	while (list) {
		struct result *next = list->next;

		if (list->scan_done)
			c->st.scan_done = true;
		else
			install(c, list);
		result_free(list);
		list = next;
	}
}

/* ---- the public table API (loop thread) -------------------------------- */

static const struct container_entry *unknown(struct container *c, uint64_t id, int err)
{
	c->st.dropped++;
	c->unknown = (struct container_entry){ .cgroup_id = id, .state = CONTAINER_UNKNOWN,
					       .error = err };
	return &c->unknown;
}

const struct container_entry *container_lookup(struct container *c, uint64_t cgroup_id)
{
	struct centry *e = find(c, cgroup_id);

	if (e)
		return &e->pub;
	if (c->npending >= CONTAINER_PENDING_MAX)
		return unknown(c, cgroup_id, -EAGAIN);
	e = entry_new(c, cgroup_id);
	if (!e)
		return unknown(c, cgroup_id, -ENOSPC);
	if (enqueue(c, cgroup_id, e->gen, NULL) < 0) {
		entry_drop(c, e, false);
		return unknown(c, cgroup_id, -EAGAIN);
	}
	c->npending++;
	return &e->pub;
}

int container_cgroup_created(struct container *c, uint64_t cgroup_id, const char *path)
{
	struct ctr_ref ref;
	struct centry *e;
	struct cobj *o;
	char *p;
	int r;

	if (find(c, cgroup_id))
		return 0; /* ids are not reused: seen already */
	r = cgpath_parse(path, &ref);
	if (r < 0)
		return r;
	if (r == 1 && c->npending >= CONTAINER_PENDING_MAX)
		return -EAGAIN;
	e = entry_new(c, cgroup_id);
	if (!e)
		return -ENOSPC;
	e->made = true;
	if (r == 0) {
		e->pub.state = CONTAINER_HOST;
		age_append(c, e);
		return 0;
	}
	o = obj_find(c, ref.runtime, ref.id);
	if (o) {
		entry_set_obj(e, o);
		age_append(c, e);
		return 0;
	}
	p = strdup(path);
	r = p ? enqueue(c, cgroup_id, e->gen, p) : -ENOMEM;
	if (r < 0) {
		free(p);
		entry_drop(c, e, false);
		return r;
	}
	c->npending++;
	return 0;
}

void container_cgroup_removed(struct container *c, uint64_t cgroup_id)
{
	struct centry *e = find(c, cgroup_id);

	if (!e)
		return;
	if (e->pub.state == CONTAINER_PENDING)
		e->doomed = true;
	else
		entry_drop(c, e, true);
}

int container_scan(struct container *c)
{
	pthread_mutex_lock(&c->mu);
	c->scan = true;
	pthread_cond_signal(&c->cv);
	pthread_mutex_unlock(&c->mu);
	return 0;
}

bool container_news_next(struct container *c, struct container_news *ret)
{
	if (!c->news_len)
		return false;
	*ret = c->news[c->news_head];
	c->news_head = (c->news_head + 1) % CONTAINER_NEWS_MAX;
	c->news_len--;
	return true;
}

const struct ctr_info *container_find_named(const struct container *c, const char *s)
{
	const struct ctr_info *by_id = NULL;
	size_t len = strlen(s), n = 0;

	for (const struct cobj *o = c->objs; o; o = o->next) {
		if (!strcmp(o->info.name, s))
			return &o->info;
		if (len && !strncmp(o->info.id, s, len)) {
			by_id = &o->info;
			n++;
		}
	}
	return n == 1 ? by_id : NULL;
}

const struct ctr_info *container_find(const struct container *c, enum ctr_runtime rt,
				      const char *id)
{
	for (const struct cobj *o = c->objs; o; o = o->next)
		if (o->info.runtime == rt && !strcmp(o->info.id, id))
			return &o->info;
	return NULL;
}

void container_stats(const struct container *c, struct container_stats *ret)
{
	*ret = c->st;
	ret->entries = c->n;
	ret->containers = c->nobjs;
	ret->pending = c->npending;
	ret->handles = __atomic_load_n(&c->handles, __ATOMIC_RELAXED);
}

void container_foreach(const struct container *c,
		       void (*fn)(const struct ctr_info *info, size_t ncgroups, void *arg),
		       void *arg)
{
	for (const struct cobj *o = c->objs; o; o = o->next)
		fn(&o->info, o->refs, arg);
}

/* ---- the resolver thread ----------------------------------------------- */

static int copy_str(char *buf, size_t size, const char *s)
{
	size_t n = strlen(s);

	if (n >= size)
		return -ENAMETOOLONG;
	memcpy(buf, s, n + 1);
	return 0;
}

/* Walks of the cgroup tree: to find one id, or to find the running containers. */
struct walk {
	struct container *c;
	size_t visited;
	uint64_t want;   /* find mode: the id looked for */
	char *found;     /* find mode: its path from the root */
	size_t found_size;
	bool scan;
};

static void resolve_req(struct container *c, const struct req *rq);

/* Serve the lookups that came in while a long scan runs. */
static void serve_queue(struct container *c)
{
	for (;;) {
		struct req rq;
		bool got;

		pthread_mutex_lock(&c->mu);
		got = !c->stop && dequeue(c, &rq);
		pthread_mutex_unlock(&c->mu);
		if (!got)
			return;
		resolve_req(c, &rq);
		free(rq.path);
	}
}

static void resolve_path(struct container *c, const char *path, struct result *r);

/* 1: found (find mode), 0: walked, -errno. path holds len bytes, PATH_MAX big. */
static int walk_dir(struct walk *w, char *path, size_t len, int depth)
{
	struct container *c = w->c;
	struct dirent *de;
	DIR *d;
	int fd, r = 0;

	fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? 0 : -errno; /* gone while walked */
	d = fdopendir(fd);
	if (!d) {
		r = -errno;
		close(fd);
		return r;
	}
	while (!r && (de = readdir(d))) {
		const char *rel;
		struct stat st;
		uint64_t ino = de->d_ino;
		size_t nl = strlen(de->d_name);
		bool descend = true;

		if (de->d_type != DT_DIR && de->d_type != DT_UNKNOWN)
			continue;
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (de->d_type == DT_UNKNOWN) {
			if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
			    !S_ISDIR(st.st_mode))
				continue;
			ino = st.st_ino;
		}
		if (++w->visited > CONTAINER_WALK_MAX || stopping(c)) {
			r = -E2BIG;
			break;
		}
		if (len + 1 + nl >= PATH_MAX)
			continue;
		path[len] = '/';
		memcpy(path + len + 1, de->d_name, nl + 1);
		rel = path + c->root_len;
		if (w->want && ino == w->want) {
			r = copy_str(w->found, w->found_size, rel);
			if (r == 0)
				r = 1;
		} else if (w->scan) {
			struct ctr_ref ref;

			/* a container's own cgroup: resolved now; deeper ones when looked up */
			if (cgpath_parse(rel, &ref) == 1) {
				struct result *res = result_new(c);

				descend = false;
				if (res) {
					res->id = ino;
					resolve_path(c, rel, res);
					post(c, res);
				}
				serve_queue(c);
			}
		}
		if (!r && descend && depth + 1 < CONTAINER_WALK_DEPTH)
			r = walk_dir(w, path, len + 1 + nl, depth + 1);
		path[len] = '\0';
	}
	closedir(d);
	return r;
}

static int walk(struct walk *w)
{
	char path[PATH_MAX];

	memcpy(path, w->c->root, w->c->root_len + 1);
	return walk_dir(w, path, w->c->root_len, 0);
}

/* The path from the cgroup v2 root of cgroup id: 0, -ESTALE (gone), -errno. */
static int path_of_id(struct container *c, uint64_t id, char *buf, size_t size)
{
	struct walk w = { .c = c, .want = id, .found = buf, .found_size = size };
	struct stat st;
	int r;

	if (__atomic_load_n(&c->handles, __ATOMIC_RELAXED)) {
		struct {
			struct file_handle fh;
			uint64_t id;
		} h = { .fh = { .handle_bytes = sizeof(uint64_t), .handle_type = FILEID_KERNFS },
			.id = id };
		char link[64], target[PATH_MAX];
		ssize_t n;
		int fd;

		fd = open_by_handle_at(c->mnt_fd, &h.fh, O_PATH | O_CLOEXEC);
		if (fd >= 0) {
			snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
			n = readlink(link, target, sizeof(target) - 1);
			r = -errno;
			close(fd);
			if (n < 0)
				return r;
			target[n] = '\0';
			if (n > 10 && !strcmp(target + n - 10, " (deleted)"))
				return -ESTALE;
			if (strncmp(target, c->root, c->root_len) ||
			    (target[c->root_len] && target[c->root_len] != '/'))
				return -EXDEV; /* not below the mount we know */
			return copy_str(buf, size, target[c->root_len] ? target + c->root_len : "/");
		}
		if (errno == ESTALE || errno == ENOENT)
			return -ESTALE;
		if (errno != EPERM && errno != EOPNOTSUPP && errno != EINVAL && errno != ENOSYS)
			return -errno;
		/* no handles here: walk from now on */
		__atomic_store_n(&c->handles, 0, __ATOMIC_RELAXED);
	}
	if (stat(c->root, &st) == 0 && st.st_ino == id)
		return copy_str(buf, size, "/");
	r = walk(&w);
	if (r == 1)
		return 0;
	return r < 0 && r != -E2BIG ? r : -ESTALE;
}

/* Name the container of path, reading its metadata: into r. */
static void resolve_path(struct container *c, const char *path, struct result *r)
{
	int k = cgpath_parse(path, &r->ref);

	if (k < 0) {
		r->state = CONTAINER_UNKNOWN;
		r->error = k;
		return;
	}
	if (k == 0) {
		r->state = CONTAINER_HOST;
		return;
	}
	r->info = malloc(sizeof(*r->info));
	if (!r->info) {
		r->state = CONTAINER_UNKNOWN;
		r->error = -ENOMEM;
		return;
	}
	r->error = ctrmeta_read(c->meta, &r->ref, r->info);
	if (r->ref.base_len < sizeof(r->info->cgroup))
		snprintf(r->info->cgroup, sizeof(r->info->cgroup), "%.*s", (int)r->ref.base_len, path);
	if (r->info->vm) {
		/* a virtual machine's emulator: a host process */
		ctrmeta_info_clear(r->info);
		free(r->info);
		r->info = NULL;
		r->error = 0;
		r->state = CONTAINER_HOST;
		return;
	}
	r->state = CONTAINER_IN;
}

static void resolve_req(struct container *c, const struct req *rq)
{
	struct result *r = result_new(c);
	char path[PATH_MAX];
	int e;

	if (!r)
		return; /* stopping */
	r->id = rq->id;
	r->gen = rq->gen;
	if (rq->path) {
		resolve_path(c, rq->path, r);
	} else {
		e = path_of_id(c, rq->id, path, sizeof(path));
		if (e < 0) {
			r->state = CONTAINER_UNKNOWN;
			r->error = e;
		} else {
			resolve_path(c, path, r);
		}
	}
	post(c, r);
}

static void scan(struct container *c)
{
	struct walk w = { .c = c, .scan = true };
	struct result *r;

	walk(&w);
	r = result_new(c);
	if (r) {
		r->scan_done = true;
		post(c, r);
	}
}

static void *resolver_main(void *arg)
{
	struct container *c = arg;

	for (;;) {
		bool do_scan = false;
		struct req rq;

		pthread_mutex_lock(&c->mu);
		while (!c->stop && !c->qlen && !c->scan)
			pthread_cond_wait(&c->cv, &c->mu);
		if (c->stop) {
			pthread_mutex_unlock(&c->mu);
			return NULL;
		}
		if (!dequeue(c, &rq)) {
			do_scan = true;
			c->scan = false;
		}
		pthread_mutex_unlock(&c->mu);
		if (do_scan) {
			scan(c);
		} else {
			resolve_req(c, &rq);
			free(rq.path);
		}
	}
}

/* ---- set-up ------------------------------------------------------------ */

/* mountinfo's octal escapes (\040 for a space) undone in place. */
static void unoctal(char *s)
{
	char *o = s;

	for (; *s; s++) {
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] >= '0' && s[2] <= '7' &&
		    s[3] >= '0' && s[3] <= '7') {
			*o++ = (char)((s[1] - '0') << 6 | (s[2] - '0') << 3 | (s[3] - '0'));
			s += 3;
		} else {
			*o++ = *s;
		}
	}
	*o = '\0';
}

/*
 * The cgroup v2 mount point from /proc/self/mountinfo.  Best is one that shows
 * the whole hierarchy: its directory is the root cgroup, inode 1 (in a
 * container with a cgroup namespace of its own, /sys/fs/cgroup may show only
 * the container's subtree, where the other cgroups cannot be named); among
 * equals /sys/fs/cgroup, else the first.
 */
static int find_cgroup2(char *buf, size_t size)
{
	char *mi, *line, *save = NULL;
	int found = -1; /* how good what buf holds is: -1 none, 0 a cgroup2 mount, 1 its root */
	size_t len;
	int r = fio_read("/proc/self/mountinfo", MOUNTINFO_MAX, &mi, &len, NULL);

	if (r < 0)
		return r;
	for (line = strtok_r(mi, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *sep = strstr(line, " - "), *f[5], *s2 = NULL;
		struct stat st;
		int good;
		int i;

		if (!sep || strncmp(sep + 3, "cgroup2 ", 8))
			continue;
		*sep = '\0';
		for (i = 0; i < 5; i++) {
			f[i] = strtok_r(i ? NULL : line, " ", &s2);
			if (!f[i])
				break;
		}
		if (i < 5)
			continue;
		unoctal(f[4]);
		good = stat(f[4], &st) == 0 && st.st_ino == CGROUP_ROOT_INO;
		if (good > found || (good == found && !strcmp(f[4], "/sys/fs/cgroup"))) {
			if ((size_t)snprintf(buf, size, "%s", f[4]) >= size)
				continue;
			found = good;
		}
	}
	free(mi);
	return found >= 0 ? 0 : -ENOENT;
}

struct container *container_new(struct event_base *base, const struct container_opts *opts)
{
	struct ctrmeta_opts mo = { .cancel_fd = -1 };
	struct container *c = calloc(1, sizeof(*c));
	char found[PATH_MAX];
	sigset_t all, old;
	struct stat st;
	size_t nb = 1;
	int r;

	if (!c)
		return NULL;
	c->efd = c->cancel_fd = c->mnt_fd = -1;
	c->max = opts && opts->max_entries ? opts->max_entries : CONTAINER_CGROUPS_MAX;
	if (c->max >= NIL / 2) {
		r = -EINVAL;
		goto fail;
	}
	c->on_resolved = opts ? opts->on_resolved : NULL;
	c->ctx = opts ? opts->ctx : NULL;
	c->res_tail = &c->res_head;
	c->free_head = c->age_head = c->age_tail = NIL;
	while (nb < c->max * 2)
		nb <<= 1;
	c->mask = (uint32_t)nb - 1;
	c->e = calloc(c->max, sizeof(*c->e));
	c->buckets = malloc(nb * sizeof(*c->buckets));
	if (!c->e || !c->buckets) {
		r = -ENOMEM;
		goto fail;
	}
	memset(c->buckets, 0xff, nb * sizeof(*c->buckets));
	for (size_t i = c->max; i-- > 0;) {
		c->e[i].hnext = c->free_head;
		c->free_head = (uint32_t)i;
	}

	if (opts && opts->cgroup_root) {
		r = copy_str(found, sizeof(found), opts->cgroup_root);
	} else {
		r = find_cgroup2(found, sizeof(found));
	}
	if (r < 0)
		goto fail;
	if (!realpath(found, c->root)) {
		r = -errno;
		goto fail;
	}
	c->root_len = strlen(c->root);
	if (c->root_len == 1) {
		r = -EINVAL; /* "/" is no cgroup mount */
		goto fail;
	}
	c->mnt_fd = open(c->root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (c->mnt_fd < 0 || fstat(c->mnt_fd, &st) < 0) {
		r = -errno;
		goto fail;
	}
	/* can this process open cgroups by handle (CAP_DAC_READ_SEARCH, kernfs)? */
	if (!opts || !opts->no_handles) {
		struct {
			struct file_handle fh;
			uint64_t id;
		} h = { .fh = { .handle_bytes = sizeof(uint64_t), .handle_type = FILEID_KERNFS },
			.id = st.st_ino };
		int fd = open_by_handle_at(c->mnt_fd, &h.fh, O_PATH | O_CLOEXEC);

		if (fd >= 0) {
			c->handles = 1;
			close(fd);
		}
	}

	c->efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	c->cancel_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (c->efd < 0 || c->cancel_fd < 0) {
		r = -errno;
		goto fail;
	}
	mo.root = opts ? opts->state_root : NULL;
	mo.podman_socket = opts ? opts->podman_socket : NULL;
	mo.cancel_fd = c->cancel_fd;
	c->meta = ctrmeta_new(&mo);
	if (!c->meta) {
		r = -errno;
		goto fail;
	}
	c->ev = event_new(base, c->efd, EV_READ | EV_PERSIST, on_results, c);
	if (!c->ev || event_add(c->ev, NULL) < 0) {
		r = -ENOMEM;
		goto fail;
	}
	c->base = base;
	if (pthread_mutex_init(&c->mu, NULL) || pthread_cond_init(&c->cv, NULL)) {
		r = -ENOMEM;
		goto fail;
	}
	c->mu_init = true;
	/* the resolver takes no signals: they are the loop's */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	r = -pthread_create(&c->th, NULL, resolver_main, c);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (r < 0)
		goto fail;
	c->th_started = true;
	return c;
fail:
	container_free(c);
	errno = -r;
	return NULL;
}

void container_free(struct container *c)
{
	uint64_t one = 1;
	struct req rq;

	if (!c)
		return;
	if (c->th_started) {
		pthread_mutex_lock(&c->mu);
		__atomic_store_n(&c->stop, 1, __ATOMIC_RELAXED);
		pthread_cond_signal(&c->cv);
		pthread_mutex_unlock(&c->mu);
		if (write(c->cancel_fd, &one, sizeof(one)) < 0) {
			/* cannot fail on a fresh eventfd; the API call times out anyway */
		}
		pthread_join(c->th, NULL);
	}
	while (dequeue(c, &rq))
		free(rq.path);
	while (c->res_head) {
		struct result *r = c->res_head;

		c->res_head = r->next;
		result_free(r);
	}
	if (c->e) {
		for (size_t i = 0; i < c->max; i++)
			if (c->e[i].used)
				entry_drop(c, &c->e[i], false);
	}
	if (c->ev)
		event_free(c->ev);
	if (c->mu_init) {
		pthread_mutex_destroy(&c->mu);
		pthread_cond_destroy(&c->cv);
	}
	ctrmeta_free(c->meta);
	if (c->efd >= 0)
		close(c->efd);
	if (c->cancel_fd >= 0)
		close(c->cancel_fd);
	if (c->mnt_fd >= 0)
		close(c->mnt_fd);
	free(c->e);
	free(c->buckets);
	free(c);
}

int container_pid_cgroup(const struct container *c, pid_t pid, uint64_t *ret, char *path,
			 size_t size)
{
	char p[64], *buf, *line, *save = NULL, full[PATH_MAX];
	const char *rel = NULL;
	struct stat st;
	size_t len;
	int r;

	snprintf(p, sizeof(p), "/proc/%d/cgroup", (int)pid);
	r = fio_read(p, 1 << 16, &buf, &len, NULL);
	if (r < 0)
		return r;
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
		if (!strncmp(line, "0::", 3))
			rel = line + 3;
	if (!rel || rel[0] != '/') {
		free(buf);
		return -ENOENT;
	}
	r = snprintf(full, sizeof(full), "%s%s", c->root, rel);
	if (r < 0 || (size_t)r >= sizeof(full) ||
	    (path && (size_t)snprintf(path, size, "%s", rel) >= size)) {
		free(buf);
		return -ENAMETOOLONG;
	}
	free(buf);
	if (stat(full, &st) < 0)
		return -errno;
	*ret = st.st_ino;
	return 0;
}
