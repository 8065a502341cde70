// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The container cache's resolver (see container.h), a thread of its own:
 * the queue of cgroups to resolve, the path of a cgroup from its id
 * (open_by_handle_at() on the cgroup2 mount, or a bounded walk of the
 * tree), the start-up scan of the containers already running, naming a
 * path's container (cgpath) with its runtime's metadata files (ctrmeta),
 * and the results posted back to the loop through an eventfd (container.c
 * installs them).  A podman container's labels come from podman's API,
 * which is socket-activated and may take seconds: a second thread asks it,
 * and posts the answer as an update, so that neither the container's
 * events nor other lookups wait.  The file readers, the cgroup2 mount's fd
 * and the tree walks are the resolver's own, the API reader the API
 * thread's; the request ring, the API job ring and the result list are
 * shared with the loop under one mutex.  Also the cgroup of a pid, for
 * tools and tests.
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
#include "container_int.h"
#include "fileio.h"

#define FILEID_KERNFS 0xfe /* the file handle type of kernfs (cgroupfs): the node's 64-bit id */
#define MOUNTINFO_MAX (1 << 20)
#define CGROUP_ROOT_INO 1 /* the v2 hierarchy's root cgroup: its directory's inode, its id */

/* ---- requests and results (shared) ------------------------------------- */

int resolver_enqueue(struct container *c, uint64_t id, uint32_t gen, char *path)
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

void result_free(struct result *r)
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

/* Queue a job for the API thread (once per container); false when the ring is full. */
static bool api_enqueue(struct container *c, const struct ctr_ref *ref, struct ctr_info *info)
{
	bool queued = false;

	pthread_mutex_lock(&c->mu);
	for (size_t i = 0; i < c->jlen; i++) {
		const struct api_job *j = &c->jobs[(c->jhead + i) % CONTAINER_API_PENDING_MAX];

		if (j->ref.runtime == ref->runtime && !strcmp(j->ref.id, ref->id)) {
			pthread_mutex_unlock(&c->mu);
			ctrmeta_info_clear(info); /* asked for already */
			free(info);
			return true;
		}
	}
	if (c->jlen < CONTAINER_API_PENDING_MAX) {
		c->jobs[(c->jhead + c->jlen) % CONTAINER_API_PENDING_MAX] =
			(struct api_job){ .ref = *ref, .info = info };
		c->jlen++;
		pthread_cond_signal(&c->api_cv);
		queued = true;
	}
	pthread_mutex_unlock(&c->mu);
	return queued;
}

/* Post info as the API's answer for the container ref names. */
static void post_update(struct container *c, const struct ctr_ref *ref, struct ctr_info *info)
{
	struct result *u = result_new(c);

	if (!u) {
		ctrmeta_info_clear(info);
		free(info);
		return; /* stopping */
	}
	u->update = true;
	u->ref = *ref;
	u->state = CONTAINER_IN;
	u->info = info;
	post(c, u);
}

/*
 * Post a resolution; a container's labels that podman's API is still to be
 * asked for are asked by the API thread, and come as an update.
 */
static void post_resolved(struct container *c, struct result *r)
{
	struct ctr_info *job = NULL;
	struct ctr_ref ref = r->ref;

	if (r->info && r->info->labels_pending) {
		job = malloc(sizeof(*job));
		if (job && ctrmeta_info_copy(job, r->info) < 0) {
			free(job);
			job = NULL;
		}
		if (!job) {
			r->info->labels_pending = false;
			r->info->labels_why = "no memory to ask podman's API";
		}
	}
	post(c, r);
	if (!job || api_enqueue(c, &ref, job))
		return;
	job->labels_pending = false;
	job->labels_why = "too many containers wait for podman's API";
	post_update(c, &ref, job);
}

struct result *resolver_results(struct container *c)
{
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
	return list;
}

int container_scan(struct container *c)
{
	pthread_mutex_lock(&c->mu);
	c->scan = true;
	pthread_cond_signal(&c->cv);
	pthread_mutex_unlock(&c->mu);
	return 0;
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
					post_resolved(c, res);
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
	r->error = ctrmeta_read_files(c->meta, &r->ref, r->info);
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
	post_resolved(c, r);
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

/* ---- the API thread ----------------------------------------------------- */

static void *api_main(void *arg)
{
	struct container *c = arg;

	for (;;) {
		struct api_job j;

		pthread_mutex_lock(&c->mu);
		while (!c->stop && !c->jlen)
			pthread_cond_wait(&c->api_cv, &c->mu);
		if (c->stop) {
			pthread_mutex_unlock(&c->mu);
			return NULL;
		}
		j = c->jobs[c->jhead];
		c->jhead = (c->jhead + 1) % CONTAINER_API_PENDING_MAX;
		c->jlen--;
		pthread_mutex_unlock(&c->mu);
		ctrmeta_read_api(c->api_meta, j.info);
		post_update(c, &j.ref, j.info);
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

int resolver_init(struct container *c, const struct container_opts *opts)
{
	struct ctrmeta_opts mo = { .cancel_fd = -1 };
	char found[PATH_MAX];
	struct stat st;
	int r;

	c->res_tail = &c->res_head;
	if (opts && opts->cgroup_root) {
		r = copy_str(found, sizeof(found), opts->cgroup_root);
	} else {
		r = find_cgroup2(found, sizeof(found));
	}
	if (r < 0)
		return r;
	if (!realpath(found, c->root))
		return -errno;
	c->root_len = strlen(c->root);
	if (c->root_len == 1)
		return -EINVAL; /* "/" is no cgroup mount */
	c->mnt_fd = open(c->root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (c->mnt_fd < 0 || fstat(c->mnt_fd, &st) < 0)
		return -errno;
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
	if (c->efd < 0 || c->cancel_fd < 0)
		return -errno;
	mo.root = opts ? opts->state_root : NULL;
	mo.podman_socket = opts ? opts->podman_socket : NULL;
	mo.api_timeout_ms = opts ? opts->api_timeout_ms : 0;
	mo.cancel_fd = c->cancel_fd;
	c->meta = ctrmeta_new(&mo);
	if (!c->meta)
		return -errno;
	c->api_meta = ctrmeta_new(&mo);
	if (!c->api_meta)
		return -errno;
	return 0;
}

int resolver_start(struct container *c)
{
	sigset_t all, old;
	int r;

	if (pthread_mutex_init(&c->mu, NULL) || pthread_cond_init(&c->cv, NULL) ||
	    pthread_cond_init(&c->api_cv, NULL))
		return -ENOMEM;
	c->mu_init = true;
	/* the threads take no signals: they are the loop's */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	r = -pthread_create(&c->th, NULL, resolver_main, c);
	if (r == 0) {
		c->th_started = true;
		r = -pthread_create(&c->api_th, NULL, api_main, c);
		c->api_started = r == 0;
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return r;
}

void resolver_stop(struct container *c)
{
	uint64_t one = 1;
	struct req rq;

	if (c->th_started) {
		pthread_mutex_lock(&c->mu);
		__atomic_store_n(&c->stop, 1, __ATOMIC_RELAXED);
		pthread_cond_signal(&c->cv);
		pthread_cond_signal(&c->api_cv);
		pthread_mutex_unlock(&c->mu);
		if (write(c->cancel_fd, &one, sizeof(one)) < 0) {
			/* cannot fail on a fresh eventfd; the API call times out anyway */
		}
		pthread_join(c->th, NULL);
		c->th_started = false;
		if (c->api_started)
			pthread_join(c->api_th, NULL);
		c->api_started = false;
	}
	while (dequeue(c, &rq))
		free(rq.path);
	for (; c->jlen; c->jlen--) {
		struct api_job *j = &c->jobs[c->jhead];

		c->jhead = (c->jhead + 1) % CONTAINER_API_PENDING_MAX;
		ctrmeta_info_clear(j->info);
		free(j->info);
	}
	while (c->res_head) {
		struct result *r = c->res_head;

		c->res_head = r->next;
		result_free(r);
	}
}

void resolver_fini(struct container *c)
{
	if (c->mu_init) {
		pthread_mutex_destroy(&c->mu);
		pthread_cond_destroy(&c->cv);
		pthread_cond_destroy(&c->api_cv);
		c->mu_init = false;
	}
	ctrmeta_free(c->meta);
	ctrmeta_free(c->api_meta);
	c->meta = c->api_meta = NULL;
	if (c->efd >= 0)
		close(c->efd);
	if (c->cancel_fd >= 0)
		close(c->cancel_fd);
	if (c->mnt_fd >= 0)
		close(c->mnt_fd);
	c->efd = c->cancel_fd = c->mnt_fd = -1;
}

/* ---- the cgroup of a pid (tools and tests, any thread) ----------------- */

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
