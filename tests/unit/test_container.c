// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Unit tests for sysguardd/container*.c: lookups that queue a resolution and
 * are announced from the loop, cgroups made and removed (also while
 * pending), the start-up scan, the bounds (eviction, a full queue), a churn
 * of 1,000 containers that must leave the cache at its idle size, podman's
 * labels from a slow API coming after the container (which waits for none
 * of it), and the process's own cgroup on the real cgroup2 mount.  The containers live in a
 * fake cgroup tree (directories whose inode numbers stand for cgroup ids,
 * found by walking, as without open_by_handle_at) over fixture state.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <pthread.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <cmocka.h>
#include <event2/event.h>
#include "container.h"

#define ID1 "e4ccd71207c38e4b97f5e78a32e63892685a93e8fcda4addaa861d892c5c59e4"
#define ID2 "ffa7f216d4c4ba3e6a71cd8218d4b0a020a6fce105fa2f31247234fc595fd8b0"
#define ID3 "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
#define IMG1 "52f8f6d2a47f3063bbb0580b6cf8434b5d84ae28ec408c2f6e6cffbed403cdb8"
#define UID "0a1b2c3d-4e5f-6789-abcd-ef0123456789"
#define CTRS "/state/var/lib/containers/storage/overlay-containers"

static char tmp[64];
static struct event_base *base;
static int announced;
static uint64_t last_announced;
static struct container *remove_in_callback;

static void mkdirs(const char *rel)
{
	char p[1024];

	snprintf(p, sizeof(p), "%s%s", tmp, rel);
	for (char *s = p + strlen(tmp) + 1; *s; s++) {
		if (*s == '/') {
			*s = '\0';
			mkdir(p, 0755);
			*s = '/';
		}
	}
	mkdir(p, 0755);
}

static void put(const char *rel, const char *text)
{
	char p[1024], *slash;
	FILE *f;

	snprintf(p, sizeof(p), "%s", rel);
	slash = strrchr(p, '/');
	*slash = '\0';
	mkdirs(p);
	snprintf(p, sizeof(p), "%s%s", tmp, rel);
	f = fopen(p, "w");
	assert_non_null(f);
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
}

/* The inode of a directory of the fake cgroup tree: its "cgroup id". */
static uint64_t cgid(const char *rel)
{
	char p[1024];
	struct stat st;

	snprintf(p, sizeof(p), "%s/cg%s", tmp, rel);
	assert_int_equal(stat(p, &st), 0);
	return st.st_ino;
}

static void on_resolved(void *ctx, uint64_t id)
{
	announced++;
	last_announced = id;
	if (remove_in_callback) {
		const struct container_entry *e = container_lookup(remove_in_callback, id);

		/* installed before it is announced */
		assert_true(e->state == CONTAINER_IN || e->state == CONTAINER_HOST);
		container_cgroup_removed(remove_in_callback, id);
	}
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Run the loop until announced reaches n (5 s at most). */
static void run_until(int n)
{
	int64_t deadline = now_ms() + 5000;

	while (announced < n && now_ms() < deadline) {
		struct timeval tv = { 0, 20000 };

		event_base_loopexit(base, &tv);
		event_base_dispatch(base);
	}
	assert_int_equal(announced, n);
}

static struct container *make_api(size_t max, void *ctx, const char *sock)
{
	char cg[128], state[128];
	struct container_opts o = {
		.cgroup_root = cg,
		.state_root = state,
		.podman_socket = sock,
		.api_timeout_ms = 60000,
		.max_entries = max,
		.no_handles = true,
		.on_resolved = on_resolved,
		.ctx = ctx,
	};
	struct container *c;

	snprintf(cg, sizeof(cg), "%s/cg", tmp);
	snprintf(state, sizeof(state), "%s/state", tmp);
	c = container_new(base, &o);
	assert_non_null(c);
	return c;
}

static struct container *make(size_t max, void *ctx)
{
	return make_api(max, ctx, "");
}

/* A fake cgroup tree and the state of the containers in it. */
static int setup(void **state)
{
	snprintf(tmp, sizeof(tmp), "/tmp/sg-container-XXXXXX");
	if (!mkdtemp(tmp))
		return -1;
	base = event_base_new();
	announced = 0;
	mkdirs("/cg/system.slice/sshd.service");
	mkdirs("/cg/libpod_parent/libpod-" ID1 "/init.scope");
	mkdirs("/cg/libpod_parent/libpod-conmon-" ID1);
	mkdirs("/cg/system.slice/docker-" ID2 ".scope");
	mkdirs("/cg/kubepods/besteffort/pod" UID "/" ID3);
	put(CTRS "/containers.json",
	    "[{\"id\":\"" ID1 "\",\"names\":[\"web\"],\"image\":\"" IMG1 "\",\"metadata\":"
	    "\"{\\\"image-name\\\":\\\"localhost/sgtest-bb:1\\\",\\\"name\\\":\\\"web\\\","
	    "\\\"created-at\\\":1796667183}\"}]");
	put(CTRS "/" ID1 "/userdata/config.json",
	    "{\"annotations\":{\"io.podman.annotations.privileged\":\"FALSE\"}}");
	put("/state/var/lib/docker/containers/" ID2 "/config.v2.json",
	    "{\"Name\":\"/db\",\"Config\":{\"Image\":\"postgres:16\",\"Labels\":{\"a\":\"b\"}}}");
	return base ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[128];

	event_base_free(base);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmp);
	return system(cmd) == 0 ? 0 : -1;
}

static void lookups(void **state)
{
	struct container *c = make(0, NULL);
	uint64_t pod = cgid("/libpod_parent/libpod-" ID1);
	uint64_t init = cgid("/libpod_parent/libpod-" ID1 "/init.scope");
	uint64_t conmon = cgid("/libpod_parent/libpod-conmon-" ID1);
	uint64_t dock = cgid("/system.slice/docker-" ID2 ".scope");
	uint64_t kube = cgid("/kubepods/besteffort/pod" UID "/" ID3);
	uint64_t sshd = cgid("/system.slice/sshd.service");
	const struct container_entry *e;
	const struct ctr_info *info;
	struct container_stats st;

	e = container_lookup(c, pod);
	assert_int_equal(e->state, CONTAINER_PENDING);
	assert_true(e->cgroup_id == pod);
	assert_null(e->info);
	/* asked again before it is resolved: still the one entry, queued once */
	assert_ptr_equal(container_lookup(c, pod), e);
	container_stats(c, &st);
	assert_int_equal(st.pending, 1);
	assert_int_equal(st.entries, 1);
	assert_false(st.handles);
	run_until(1);
	assert_true(last_announced == pod);
	e = container_lookup(c, pod);
	assert_int_equal(e->state, CONTAINER_IN);
	assert_int_equal(e->error, 0);
	info = e->info;
	assert_int_equal(info->runtime, CTR_RT_PODMAN);
	assert_string_equal(info->id, ID1);
	assert_string_equal(info->name, "web");
	assert_string_equal(info->image, "localhost/sgtest-bb:1");
	assert_string_equal(info->image_id, IMG1);
	assert_int_equal(info->privileged, 0);
	assert_false(info->labels_known);

	/* a cgroup below the container's shares its info */
	assert_int_equal(container_lookup(c, init)->state, CONTAINER_PENDING);
	assert_int_equal(container_lookup(c, conmon)->state, CONTAINER_PENDING);
	assert_int_equal(container_lookup(c, dock)->state, CONTAINER_PENDING);
	assert_int_equal(container_lookup(c, kube)->state, CONTAINER_PENDING);
	assert_int_equal(container_lookup(c, sshd)->state, CONTAINER_PENDING);
	assert_int_equal(container_lookup(c, 987654321987ull)->state, CONTAINER_PENDING);
	run_until(7);
	e = container_lookup(c, init);
	assert_int_equal(e->state, CONTAINER_IN);
	assert_ptr_equal(e->info, info);
	assert_int_equal(container_lookup(c, conmon)->state, CONTAINER_HOST);
	assert_int_equal(container_lookup(c, sshd)->state, CONTAINER_HOST);
	e = container_lookup(c, dock);
	assert_int_equal(e->state, CONTAINER_IN);
	assert_string_equal(e->info->name, "db");
	assert_true(e->info->labels_known);
	/* Kubernetes with no runtime state for it: a container all the same */
	e = container_lookup(c, kube);
	assert_int_equal(e->state, CONTAINER_IN);
	assert_int_equal(e->error, -ENOENT);
	assert_int_equal(e->info->runtime, CTR_RT_CRI);
	assert_string_equal(e->info->pod_uid, UID);
	/* no such cgroup */
	e = container_lookup(c, 987654321987ull);
	assert_int_equal(e->state, CONTAINER_UNKNOWN);
	assert_int_equal(e->error, -ESTALE);

	container_stats(c, &st);
	assert_int_equal(st.entries, 7);
	assert_int_equal(st.containers, 3);
	assert_int_equal(st.pending, 0);
	assert_int_equal(st.resolved, 7);
	assert_int_equal(st.failed, 2);
	assert_int_equal(st.evicted, 0);
	assert_true(st.info_bytes > 0);

	/* the container goes with its last cgroup */
	container_cgroup_removed(c, pod);
	container_stats(c, &st);
	assert_int_equal(st.containers, 3);
	assert_string_equal(container_lookup(c, init)->info->name, "web");
	container_cgroup_removed(c, init);
	container_cgroup_removed(c, init);
	container_stats(c, &st);
	assert_int_equal(st.entries, 5);
	assert_int_equal(st.containers, 2);
	container_free(c);
}

static void count_ctr(const struct ctr_info *info, size_t n, void *arg)
{
	size_t *total = arg;

	total[0]++;
	total[1] += n;
	assert_true(info->id[0]);
}

static void created(void **state)
{
	struct container *c = make(0, NULL);
	const struct container_entry *e;
	struct container_stats st;
	size_t count[2] = { 0, 0 };

	/* a host path: installed at once, nothing queued */
	assert_int_equal(container_cgroup_created(c, 100, "/system.slice/cron.service"), 0);
	assert_int_equal(container_lookup(c, 100)->state, CONTAINER_HOST);
	/* a container's: resolved from the path given (no cgroup with that id exists) */
	assert_int_equal(container_cgroup_created(c, 101, "/libpod_parent/libpod-" ID1), 0);
	assert_int_equal(container_cgroup_created(c, 101, "/libpod_parent/libpod-" ID1), 0);
	assert_int_equal(container_lookup(c, 101)->state, CONTAINER_PENDING);
	run_until(1);
	e = container_lookup(c, 101);
	assert_int_equal(e->state, CONTAINER_IN);
	assert_string_equal(e->info->name, "web");
	/* below a known container: at once */
	assert_int_equal(container_cgroup_created(c, 102, "/libpod_parent/libpod-" ID1 "/x"), 0);
	e = container_lookup(c, 102);
	assert_int_equal(e->state, CONTAINER_IN);
	assert_ptr_equal(e->info, container_lookup(c, 101)->info);
	assert_int_equal(container_cgroup_created(c, 103, "relative"), -EINVAL);
	assert_int_equal(container_cgroup_created(c, 104, "/lxc/.."), -EINVAL);
	container_foreach(c, count_ctr, count);
	assert_int_equal(count[0], 1);
	assert_int_equal(count[1], 2);

	/* removed while pending: announced, then gone */
	assert_int_equal(container_cgroup_created(c, 105, "/system.slice/docker-" ID2 ".scope"),
			 0);
	container_cgroup_removed(c, 105);
	container_stats(c, &st);
	assert_int_equal(st.entries, 4);
	run_until(2);
	assert_true(last_announced == 105);
	container_stats(c, &st);
	assert_int_equal(st.entries, 3);
	assert_int_equal(st.pending, 0);
	assert_int_equal(st.containers, 1);
	assert_int_equal(container_lookup(c, 105)->state, CONTAINER_PENDING);
	container_free(c);
}

/* The callback may change the table: here it removes the cgroup it is told of. */
static void callback_removes(void **state)
{
	struct container *c = make(0, NULL);
	struct container_stats st;

	remove_in_callback = c;
	assert_int_equal(container_cgroup_created(c, 7, "/libpod_parent/libpod-" ID1), 0);
	/* and one removed while pending, which the callback removes again */
	assert_int_equal(container_cgroup_created(c, 8, "/system.slice/docker-" ID2 ".scope"), 0);
	container_cgroup_removed(c, 8);
	run_until(2);
	remove_in_callback = NULL;
	container_stats(c, &st);
	assert_int_equal(st.entries, 0);
	assert_int_equal(st.containers, 0);
	assert_int_equal(st.pending, 0);
	assert_int_equal(st.info_bytes, 0);
	container_free(c);
}

static void scan(void **state)
{
	struct container *c = make(0, NULL);
	const struct container_entry *e;
	struct container_stats st;
	int64_t deadline = now_ms() + 5000;

	assert_int_equal(container_scan(c), 0);
	do {
		struct timeval tv = { 0, 20000 };

		event_base_loopexit(base, &tv);
		event_base_dispatch(base);
		container_stats(c, &st);
	} while (!st.scan_done && now_ms() < deadline);
	assert_true(st.scan_done);
	/* the three containers' own cgroups, nothing else, announced to nobody */
	assert_int_equal(st.entries, 3);
	assert_int_equal(st.containers, 3);
	assert_int_equal(st.pending, 0);
	assert_int_equal(announced, 0);
	e = container_lookup(c, cgid("/libpod_parent/libpod-" ID1));
	assert_int_equal(e->state, CONTAINER_IN);
	assert_string_equal(e->info->name, "web");
	e = container_lookup(c, cgid("/system.slice/docker-" ID2 ".scope"));
	assert_int_equal(e->state, CONTAINER_IN);
	assert_string_equal(e->info->image, "postgres:16");
	/* deeper cgroups when they are looked up */
	assert_int_equal(container_lookup(c, cgid("/libpod_parent/libpod-" ID1 "/init.scope"))->state,
			 CONTAINER_PENDING);
	run_until(1);
	container_stats(c, &st);
	assert_int_equal(st.containers, 3);
	container_free(c);
}

static void bounds(void **state)
{
	struct container *c = make(4, NULL);
	struct container_stats st;
	const struct container_entry *e;

	/* full of resolved entries: the oldest goes */
	for (uint64_t id = 1; id <= 6; id++)
		assert_int_equal(container_cgroup_created(c, id, "/system.slice/a.service"), 0);
	container_stats(c, &st);
	assert_int_equal(st.entries, 4);
	assert_int_equal(st.evicted, 2);
	assert_int_equal(container_lookup(c, 6)->state, CONTAINER_HOST);
	assert_int_equal(container_lookup(c, 3)->state, CONTAINER_HOST);
	/* 1 was evicted: asked again, it is resolved again (and evicts 4, the oldest now) */
	e = container_lookup(c, 1);
	assert_int_equal(e->state, CONTAINER_PENDING);
	container_stats(c, &st);
	assert_int_equal(st.evicted, 3);
	/* pending entries are never evicted: with all four pending, a lookup is turned away */
	for (uint64_t id = 10; id < 13; id++)
		assert_int_equal(container_lookup(c, id)->state, CONTAINER_PENDING);
	e = container_lookup(c, 13);
	assert_int_equal(e->state, CONTAINER_UNKNOWN);
	assert_true(e->cgroup_id == 13);
	assert_int_equal(e->error, -ENOSPC);
	assert_int_equal(container_cgroup_created(c, 14, "/system.slice/a.service"), -ENOSPC);
	container_stats(c, &st);
	assert_int_equal(st.dropped, 1);
	assert_int_equal(st.pending, 4);
	run_until(4);
	container_stats(c, &st);
	assert_int_equal(st.pending, 0);
	container_free(c);
}

static void queue_full(void **state)
{
	struct container *c = make(CONTAINER_PENDING_MAX + 10, NULL);
	struct container_stats st;
	uint64_t id;

	/* more unknown ids than may wait at once: the rest are turned away, not queued */
	for (id = 1; id <= CONTAINER_PENDING_MAX; id++)
		assert_int_equal(container_lookup(c, 1000000000000ull + id)->state,
				 CONTAINER_PENDING);
	assert_int_equal(container_lookup(c, 1000000000000ull + id)->state, CONTAINER_UNKNOWN);
	assert_int_equal(container_cgroup_created(c, 5, "/lxc/x"), -EAGAIN);
	/* a host path needs no queue */
	assert_int_equal(container_cgroup_created(c, 6, "/init.scope"), 0);
	container_stats(c, &st);
	assert_int_equal(st.pending, CONTAINER_PENDING_MAX);
	assert_int_equal(st.dropped, 1);
	/* freed with everything pending: nothing leaks, the thread stops */
	container_free(c);
}

/* 1,000 containers come and go, twice: the cache returns to its idle size. */
static void churn(void **state)
{
	enum { N = 1000 };
	struct container *c;
	struct container_stats idle, st;
	size_t cap = N * 256 + 16, n = 0;
	char *json = malloc(cap), id[65], path[256], rel[256];

	assert_non_null(json);
	n += (size_t)snprintf(json + n, cap - n, "[");
	for (int i = 0; i < N; i++) {
		snprintf(id, sizeof(id), "%064x", i + 1);
		n += (size_t)snprintf(json + n, cap - n,
				      "%s{\"id\":\"%s\",\"names\":[\"c%d\"],\"image\":\"" IMG1 "\","
				      "\"metadata\":\"{\\\"image-name\\\":\\\"img:%d\\\"}\"}",
				      i ? "," : "", id, i, i % 7);
		snprintf(rel, sizeof(rel), CTRS "/%s/userdata/config.json", id);
		put(rel, i % 2 ? "{\"annotations\":{\"io.podman.annotations.privileged\":\"TRUE\"}}"
			       : "{}");
	}
	snprintf(json + n, cap - n, "]");
	put(CTRS "/containers.json", json);
	free(json);

	c = make(0, NULL);
	container_stats(c, &idle);
	for (int round = 0; round < 2; round++) {
		announced = 0;
		for (int i = 0; i < N; i++) {
			snprintf(id, sizeof(id), "%064x", i + 1);
			snprintf(path, sizeof(path), "/machine.slice/libpod-%s.scope", id);
			assert_int_equal(container_cgroup_created(c, 1000 + 2 * i, path), 0);
		}
		run_until(N);
		/* and a cgroup inside each: shared at once */
		for (int i = 0; i < N; i++) {
			snprintf(id, sizeof(id), "%064x", i + 1);
			snprintf(path, sizeof(path), "/machine.slice/libpod-%s.scope/container", id);
			assert_int_equal(container_cgroup_created(c, 1001 + 2 * i, path), 0);
			assert_int_equal(container_lookup(c, 1001 + 2 * i)->state, CONTAINER_IN);
		}
		container_stats(c, &st);
		assert_int_equal(st.entries, 2 * N);
		assert_int_equal(st.containers, N);
		assert_int_equal(st.pending, 0);
		assert_int_equal(st.failed, 0);
		assert_true(st.info_bytes >= N * sizeof(struct ctr_info));
		assert_string_equal(container_lookup(c, 1000 + 2 * 77)->info->name, "c77");
		assert_string_equal(container_lookup(c, 1000 + 2 * 77)->info->image, "img:0");
		assert_int_equal(container_lookup(c, 1001 + 2 * 77)->info->privileged, 1);
		for (int i = 0; i < N; i++) {
			container_cgroup_removed(c, 1001 + 2 * i);
			container_cgroup_removed(c, 1000 + 2 * i);
		}
		container_stats(c, &st);
		assert_int_equal(st.entries, idle.entries);
		assert_int_equal(st.containers, idle.containers);
		assert_int_equal(st.pending, idle.pending);
		assert_int_equal(st.info_bytes, idle.info_bytes);
		assert_int_equal(st.evicted, 0);
	}
	container_free(c);
}

/* ---- a podman API that answers when told to ---------------------------- */

struct slow_api {
	char path[108];
	int lfd;
	int go_efd; /* one write per answer */
	pthread_t th;
	const char *const *answers; /* one per connection, NULL-ended */
	int conns;                  /* __atomic */
};

static void *slow_api_main(void *arg)
{
	struct slow_api *f = arg;

	for (int i = 0; f->answers[i]; i++) {
		int c = accept4(f->lfd, NULL, NULL, SOCK_CLOEXEC);
		char req[1024];
		size_t n = 0;
		uint64_t v;

		if (c < 0)
			return NULL;
		__atomic_add_fetch(&f->conns, 1, __ATOMIC_RELAXED);
		while (n < sizeof(req) - 1) {
			ssize_t r = read(c, req + n, sizeof(req) - 1 - n);

			if (r <= 0)
				break;
			n += (size_t)r;
			req[n] = '\0';
			if (strstr(req, "\r\n\r\n"))
				break;
		}
		if (read(f->go_efd, &v, sizeof(v)) == sizeof(v))
			(void)!write(c, f->answers[i], strlen(f->answers[i]));
		close(c);
	}
	return NULL;
}

static void slow_api_start(struct slow_api *f, const char *const *answers)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };

	memset(f, 0, sizeof(*f));
	f->answers = answers;
	snprintf(f->path, sizeof(f->path), "%s/api.sock", tmp);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", f->path);
	f->lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(f->lfd >= 0);
	assert_int_equal(bind(f->lfd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(f->lfd, 8), 0);
	f->go_efd = eventfd(0, EFD_CLOEXEC | EFD_SEMAPHORE);
	assert_true(f->go_efd >= 0);
	assert_int_equal(pthread_create(&f->th, NULL, slow_api_main, f), 0);
}

static void slow_api_go(struct slow_api *f)
{
	uint64_t one = 1;

	assert_int_equal(write(f->go_efd, &one, sizeof(one)), sizeof(one));
}

static void slow_api_stop(struct slow_api *f)
{
	uint64_t many = 100;

	assert_int_equal(write(f->go_efd, &many, sizeof(many)), sizeof(many));
	shutdown(f->lfd, SHUT_RDWR);
	pthread_join(f->th, NULL);
	close(f->lfd);
	close(f->go_efd);
	unlink(f->path);
}

/* Run the loop until the cache has taken n answers of the API (5 s at most). */
static void run_until_api(struct container *c, uint64_t n)
{
	int64_t deadline = now_ms() + 5000;
	struct container_stats st;

	for (;;) {
		struct timeval tv = { 0, 20000 };

		container_stats(c, &st);
		if (st.api_updates >= n || now_ms() >= deadline)
			break;
		event_base_loopexit(base, &tv);
		event_base_dispatch(base);
	}
	assert_int_equal(st.api_updates, n);
}

#define INSPECT "{\"Id\":\"" ID1 "\",\"Name\":\"web\",\"Config\":{\"Labels\":{\"sg\":\"x\"}}}"

/*
 * An API socket-activated podman takes seconds to answer on: the container is
 * named from its files at once, other cgroups are resolved meanwhile, and the
 * labels come when the API answers.  A later failed answer keeps them.
 */
static void api_later(void **state)
{
	static char ok[256];
	static const char *const answers[] = {
		ok, "HTTP/1.1 500 Internal Server Error\r\nContent-Length: 2\r\n\r\n{}", NULL
	};
	uint64_t pod = cgid("/libpod_parent/libpod-" ID1);
	uint64_t init = cgid("/libpod_parent/libpod-" ID1 "/init.scope");
	uint64_t sshd = cgid("/system.slice/sshd.service");
	const struct container_entry *e;
	const struct ctr_info *info;
	struct container_stats st;
	struct slow_api f;
	struct container *c;
	int64_t t0;

	snprintf(ok, sizeof(ok), "HTTP/1.1 200 OK\r\nContent-Length: %zu\r\n\r\n%s",
		 strlen(INSPECT), INSPECT);
	slow_api_start(&f, answers);
	c = make_api(0, NULL, f.path);
	t0 = now_ms();
	assert_int_equal(container_lookup(c, pod)->state, CONTAINER_PENDING);
	run_until(1);
	e = container_lookup(c, pod);
	assert_int_equal(e->state, CONTAINER_IN);
	info = e->info;
	assert_string_equal(info->name, "web");
	assert_string_equal(info->image, "localhost/sgtest-bb:1");
	assert_false(info->labels_known);
	assert_true(info->labels_pending);
	assert_non_null(strstr(info->labels_why, "API"));
	/* the API is being asked (and says nothing till told): other cgroups go on */
	while (!__atomic_load_n(&f.conns, __ATOMIC_RELAXED) && now_ms() - t0 < 5000)
		usleep(1000);
	assert_int_equal(__atomic_load_n(&f.conns, __ATOMIC_RELAXED), 1);
	assert_int_equal(container_lookup(c, sshd)->state, CONTAINER_PENDING);
	run_until(2);
	assert_int_equal(container_lookup(c, sshd)->state, CONTAINER_HOST);
	container_stats(c, &st);
	assert_int_equal(st.api_updates, 0);
	assert_true(info->labels_pending);

	/* the answer: the same info, now with the labels */
	slow_api_go(&f);
	run_until_api(c, 1);
	e = container_lookup(c, pod);
	assert_ptr_equal(e->info, info);
	assert_true(info->labels_known);
	assert_false(info->labels_pending);
	assert_null(info->labels_why);
	assert_string_equal(ctrmeta_label(info, "sg"), "x");
	assert_string_equal(info->name, "web");
	assert_int_equal(info->privileged, 0);

	/* another cgroup of it asks again; the error does not take the labels away */
	assert_int_equal(container_lookup(c, init)->state, CONTAINER_PENDING);
	run_until(3);
	assert_ptr_equal(container_lookup(c, init)->info, info);
	slow_api_go(&f);
	while (__atomic_load_n(&f.conns, __ATOMIC_RELAXED) < 2 && now_ms() - t0 < 5000)
		usleep(1000);
	for (int i = 0; i < 10; i++) {
		struct timeval tv = { 0, 20000 };

		event_base_loopexit(base, &tv);
		event_base_dispatch(base);
	}
	assert_true(info->labels_known);
	assert_string_equal(ctrmeta_label(info, "sg"), "x");
	container_stats(c, &st);
	assert_int_equal(st.api_updates, 1);
	assert_int_equal(st.containers, 1);

	/* the container goes with its cgroups */
	container_cgroup_removed(c, pod);
	container_cgroup_removed(c, init);
	container_free(c);
	slow_api_stop(&f);
}

/* This process's own cgroup on the real cgroup2 mount: the host. */
static void real_cgroup(void **state)
{
	struct container_opts o = { .podman_socket = "", .on_resolved = on_resolved };
	const struct container_entry *e;
	struct container_stats st;
	struct container *c;
	char path[4096];
	uint64_t id;

	for (int walk = 0; walk < 2; walk++) {
		o.no_handles = walk;
		c = container_new(base, &o);
		if (!c && errno == ENOENT)
			skip(); /* no cgroup2 mount here */
		assert_non_null(c);
		if (container_pid_cgroup(c, getpid(), &id, path, sizeof(path)) < 0) {
			container_free(c);
			skip();
		}
		announced = 0;
		e = container_lookup(c, id);
		assert_int_equal(e->state, CONTAINER_PENDING);
		run_until(1);
		e = container_lookup(c, id);
		container_stats(c, &st);
		/* open_by_handle_at() needs CAP_DAC_READ_SEARCH */
		if (walk)
			assert_false(st.handles);
		if (e->state == CONTAINER_IN)
			print_message("(running in a container: %s)\n", e->info->id);
		else
			assert_int_equal(e->state, CONTAINER_HOST);
		assert_int_equal(container_pid_cgroup(c, 999999999, &id, NULL, 0), -ENOENT);
		container_free(c);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(lookups, setup, teardown),
		cmocka_unit_test_setup_teardown(created, setup, teardown),
		cmocka_unit_test_setup_teardown(callback_removes, setup, teardown),
		cmocka_unit_test_setup_teardown(scan, setup, teardown),
		cmocka_unit_test_setup_teardown(bounds, setup, teardown),
		cmocka_unit_test_setup_teardown(queue_full, setup, teardown),
		cmocka_unit_test_setup_teardown(churn, setup, teardown),
		cmocka_unit_test_setup_teardown(api_later, setup, teardown),
		cmocka_unit_test_setup_teardown(real_cgroup, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
