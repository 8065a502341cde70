// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Unit tests for sysguardd/ctrmeta.c: each runtime's reader against a
 * fixture tree written here in the runtime's on-disk format (podman's as
 * observed on a real host, the others' as documented), the podman API client
 * against a fake server thread (chunked and sized bodies, 404, errors,
 * timeouts, cancellation, oversized answers; the files read apart from the
 * API, then the API), and the bounds.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <cmocka.h>
#include "ctrmeta.h"

#define ID1 "e4ccd71207c38e4b97f5e78a32e63892685a93e8fcda4addaa861d892c5c59e4"
#define ID2 "ffa7f216d4c4ba3e6a71cd8218d4b0a020a6fce105fa2f31247234fc595fd8b0"
#define ID3 "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
#define IMG1 "52f8f6d2a47f3063bbb0580b6cf8434b5d84ae28ec408c2f6e6cffbed403cdb8"
#define IMG2 "a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f90"
#define UID "0a1b2c3d-4e5f-6789-abcd-ef0123456789"
#define PODMAN_CTRS "/var/lib/containers/storage/overlay-containers"

static char root[64];

static void mkdirs(const char *path)
{
	char p[512];

	snprintf(p, sizeof(p), "%s", path);
	for (char *s = p + 1; *s; s++) {
		if (*s == '/') {
			*s = '\0';
			mkdir(p, 0755);
			*s = '/';
		}
	}
	mkdir(p, 0755);
}

static void put(const char *rel, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(const char *rel, const char *fmt, ...)
{
	char p[512], tmp[520], *slash;
	va_list ap;
	FILE *f;

	snprintf(p, sizeof(p), "%s%s", root, rel);
	slash = strrchr(p, '/');
	*slash = '\0';
	mkdirs(p);
	*slash = '/';
	/* replaced by a rename, as containers/storage does */
	snprintf(tmp, sizeof(tmp), "%s.tmp", p);
	f = fopen(tmp, "w");
	assert_non_null(f);
	va_start(ap, fmt);
	vfprintf(f, fmt, ap);
	va_end(ap);
	assert_int_equal(fclose(f), 0);
	assert_int_equal(rename(tmp, p), 0);
}

static void set_mtime(const char *rel, time_t sec, long nsec)
{
	struct timespec ts[2] = { { sec, nsec }, { sec, nsec } };
	char p[512];

	snprintf(p, sizeof(p), "%s%s", root, rel);
	assert_int_equal(utimensat(AT_FDCWD, p, ts, 0), 0);
}

static void rm_rel(const char *rel)
{
	char cmd[600];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s%s'", root, rel);
	assert_int_equal(system(cmd), 0);
}

static struct ctrmeta *meta(const char *sock)
{
	struct ctrmeta_opts o = { .root = root, .podman_socket = sock, .cancel_fd = -1 };
	struct ctrmeta *m = ctrmeta_new(&o);

	assert_non_null(m);
	return m;
}

static struct ctr_ref ref(enum ctr_runtime rt, const char *id, const char *uid)
{
	struct ctr_ref r = { .runtime = rt };

	snprintf(r.id, sizeof(r.id), "%s", id);
	snprintf(r.pod_uid, sizeof(r.pod_uid), "%s", uid ? uid : "");
	return r;
}

static int setup(void **state)
{
	snprintf(root, sizeof(root), "/tmp/sg-ctrmeta-XXXXXX");
	return mkdtemp(root) ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	return system(cmd) == 0 ? 0 : -1;
}

/* ---- podman ------------------------------------------------------------- */

/* The three files as podman 4.3 wrote them for a real container (trimmed). */
static void podman_fixture(void)
{
	put(PODMAN_CTRS "/containers.json",
	    "[{\"id\":\"" ID1 "\",\"names\":[\"web\"],\"image\":\"" IMG1 "\","
	    "\"layer\":\"de4e3951c55d15162967d4f3db4b1ef02292e5085689cf3d681ef8cb5307443b\","
	    "\"metadata\":\"{\\\"image-name\\\":\\\"localhost/sgtest-bb:1\\\",\\\"image-id\\\":"
	    "\\\"" IMG1 "\\\",\\\"name\\\":\\\"web\\\",\\\"created-at\\\":1796667183}\","
	    "\"created\":\"2026-12-07T18:13:03.802990112Z\","
	    "\"flags\":{\"MountLabel\":\"\",\"ProcessLabel\":\"\"}},"
	    /* run by image id: no image name in its metadata */
	    "{\"id\":\"" ID2 "\",\"names\":[\"byid\"],\"image\":\"" IMG2 "\","
	    "\"metadata\":\"{\\\"image-name\\\":\\\"\\\",\\\"image-id\\\":\\\"" IMG2 "\\\","
	    "\\\"name\\\":\\\"byid\\\",\\\"created-at\\\":1796667184}\"}]\n");
	put("/var/lib/containers/storage/overlay-images/images.json",
	    "[{\"id\":\"" IMG1 "\",\"names\":[\"localhost/sgtest-bb:1\"]},"
	    "{\"id\":\"" IMG2 "\",\"names\":[\"localhost/other:2\"],"
	    "\"names-history\":[\"localhost/other:2\"]}]");
	put(PODMAN_CTRS "/" ID1 "/userdata/config.json",
	    "{\"ociVersion\":\"1.0.2-dev\",\"process\":{\"capabilities\":{\"bounding\":"
	    "[\"CAP_AUDIT_CONTROL\",\"CAP_SYS_ADMIN\"]}},\"annotations\":{"
	    "\"io.container.manager\":\"libpod\","
	    "\"io.kubernetes.cri-o.Created\":\"2026-12-07T18:13:03.799867174Z\","
	    "\"io.kubernetes.cri-o.TTY\":\"false\","
	    "\"io.podman.annotations.autoremove\":\"FALSE\","
	    "\"io.podman.annotations.privileged\":\"TRUE\"},"
	    "\"linux\":{\"cgroupsPath\":\"/libpod_parent/libpod-" ID1 "\"}}");
	put(PODMAN_CTRS "/" ID2 "/userdata/config.json",
	    "{\"process\":{\"capabilities\":{\"bounding\":[\"CAP_CHOWN\"]}},"
	    "\"annotations\":{\"io.container.manager\":\"libpod\"},"
	    "\"linux\":{\"maskedPaths\":[\"/proc/acpi\"]}}");
	put("/run/containers/storage/overlay-containers/" ID1 "/userdata/pidfile", "11525");
	set_mtime("/run/containers/storage/overlay-containers/" ID1 "/userdata/pidfile",
		  1796667183, 985464417);
}

static void podman_files(void **state)
{
	struct ctrmeta *m = meta("");
	struct ctr_ref r1 = ref(CTR_RT_PODMAN, ID1, NULL), r2 = ref(CTR_RT_PODMAN, ID2, NULL);
	struct ctr_ref r3 = ref(CTR_RT_PODMAN, ID3, NULL);
	struct ctrmeta_stats st;
	struct ctr_info ci;

	podman_fixture();
	assert_int_equal(ctrmeta_read(m, &r1, &ci), 0);
	assert_int_equal(ci.runtime, CTR_RT_PODMAN);
	assert_string_equal(ci.id, ID1);
	assert_string_equal(ci.name, "web");
	assert_string_equal(ci.image, "localhost/sgtest-bb:1");
	assert_string_equal(ci.image_id, IMG1);
	assert_int_equal(ci.privileged, 1);
	assert_true(ci.started_ns == 1796667183985464417ull);
	assert_false(ci.labels_known);
	assert_non_null(ci.labels_why);
	assert_int_equal(ci.nlabels, 0);
	assert_false(ci.truncated);
	ctrmeta_info_clear(&ci);

	/* the image name from images.json; no pidfile: the creation time */
	assert_int_equal(ctrmeta_read(m, &r2, &ci), 0);
	assert_string_equal(ci.name, "byid");
	assert_string_equal(ci.image, "localhost/other:2");
	assert_string_equal(ci.image_id, IMG2);
	assert_int_equal(ci.privileged, 0);
	assert_true(ci.started_ns == 1796667184000000000ull);
	ctrmeta_info_clear(&ci);

	/* not there: -ENOENT, with what the path said */
	assert_int_equal(ctrmeta_read(m, &r3, &ci), -ENOENT);
	assert_string_equal(ci.id, ID3);
	assert_string_equal(ci.name, "");
	ctrmeta_info_clear(&ci);

	/* containers.json was parsed once for the three, images.json once */
	ctrmeta_stats(m, &st);
	assert_int_equal(st.storage_reads, 2);
	assert_int_equal(st.api_calls, 0);
	/* rewritten: parsed again, and the new container is found */
	put(PODMAN_CTRS "/containers.json",
	    "[{\"id\":\"" ID3 "\",\"names\":[\"new\"],\"image\":\"" IMG1 "\"}]");
	assert_int_equal(ctrmeta_read(m, &r3, &ci), 0);
	assert_string_equal(ci.name, "new");
	assert_string_equal(ci.image, "localhost/sgtest-bb:1");
	assert_int_equal(ci.privileged, -1); /* no spec */
	ctrmeta_info_clear(&ci);
	ctrmeta_stats(m, &st);
	assert_int_equal(st.storage_reads, 3);
	assert_int_equal(ctrmeta_read(m, &r1, &ci), -ENOENT);
	ctrmeta_info_clear(&ci);
	ctrmeta_stats(m, &st);
	assert_int_equal(st.storage_reads, 3);
	ctrmeta_free(m);
}

static void podman_bad_state(void **state)
{
	struct ctrmeta *m = meta("");
	struct ctr_ref r1 = ref(CTR_RT_PODMAN, ID1, NULL);
	struct ctr_info ci;

	put(PODMAN_CTRS "/containers.json", "[{\"id\":\"" ID1 "\",");
	assert_int_equal(ctrmeta_read(m, &r1, &ci), -EBADMSG);
	assert_non_null(ci.labels_why);
	ctrmeta_info_clear(&ci);
	put(PODMAN_CTRS "/containers.json", "{\"id\":\"" ID1 "\"}");
	assert_int_equal(ctrmeta_read(m, &r1, &ci), -EBADMSG);
	ctrmeta_info_clear(&ci);
	/* members of the wrong type are ignored */
	put(PODMAN_CTRS "/containers.json",
	    "[{\"id\":\"" ID1 "\",\"names\":\"web\",\"image\":7,\"metadata\":\"{not json\"},"
	    "{\"id\":3},\"x\"]");
	put(PODMAN_CTRS "/" ID1 "/userdata/config.json", "[]");
	assert_int_equal(ctrmeta_read(m, &r1, &ci), 0);
	assert_string_equal(ci.name, "");
	assert_string_equal(ci.image, "");
	assert_int_equal(ci.privileged, -1);
	ctrmeta_info_clear(&ci);
	/* no storage at all */
	rm_rel("/var");
	assert_int_equal(ctrmeta_read(m, &r1, &ci), -ENOENT);
	ctrmeta_info_clear(&ci);
	ctrmeta_free(m);
}

/* ---- a fake podman API -------------------------------------------------- */

struct fake_api {
	char path[108];
	int lfd;
	pthread_t th;
	const char *const *responses; /* one per connection, NULL-ended */
	int hold;                     /* after the responses: accept and say nothing */
	char request[1024];
	int conns;
	int stop_efd;
};

static void write_all(int fd, const char *s, size_t n)
{
	while (n) {
		ssize_t w = send(fd, s, n, MSG_NOSIGNAL);

		if (w <= 0)
			return;
		s += w;
		n -= (size_t)w;
	}
}

static void *fake_api_main(void *arg)
{
	struct fake_api *f = arg;

	for (int i = 0;; i++) {
		int c = accept4(f->lfd, NULL, NULL, SOCK_CLOEXEC);
		size_t n = 0;

		if (c < 0)
			return NULL;
		f->conns++;
		while (n < sizeof(f->request) - 1 && !strstr(f->request, "\r\n\r\n")) {
			ssize_t r = read(c, f->request + n, sizeof(f->request) - 1 - n);

			if (r <= 0)
				break;
			n += (size_t)r;
			f->request[n] = '\0';
		}
		if (f->responses[i]) {
			/* in small pieces, so the client sees partial reads */
			const char *s = f->responses[i];
			size_t len = strlen(s), piece = len > 4096 ? 65536 : 7;

			for (size_t o = 0; o < len; o += piece) {
				write_all(c, s + o, len - o < piece ? len - o : piece);
				usleep(100);
			}
		} else {
			uint64_t v;

			/* say nothing until told to stop */
			if (read(f->stop_efd, &v, sizeof(v)) < 0)
				v = 0;
			close(c);
			return NULL;
		}
		close(c);
	}
}

static void fake_api_start(struct fake_api *f, const char *const *responses)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };

	memset(f->request, 0, sizeof(f->request));
	f->responses = responses;
	f->conns = 0;
	snprintf(f->path, sizeof(f->path), "%s/api.sock", root);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", f->path);
	unlink(f->path);
	f->lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(f->lfd >= 0);
	assert_int_equal(bind(f->lfd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(f->lfd, 8), 0);
	f->stop_efd = eventfd(0, EFD_CLOEXEC);
	assert_int_equal(pthread_create(&f->th, NULL, fake_api_main, f), 0);
}

static void fake_api_stop(struct fake_api *f)
{
	uint64_t one = 1;

	assert_int_equal(write(f->stop_efd, &one, sizeof(one)), sizeof(one));
	shutdown(f->lfd, SHUT_RDWR);
	pthread_join(f->th, NULL);
	close(f->lfd);
	close(f->stop_efd);
	unlink(f->path);
}

#define INSPECT_JSON                                                                               \
	"{\"Id\":\"" ID1 "\",\"Name\":\"web\",\"ImageName\":\"localhost/sgtest-bb:1\","           \
	"\"Image\":\"" IMG1 "\",\"State\":{\"StartedAt\":\"2026-12-07T18:13:03.999634973Z\"},"     \
	"\"Config\":{\"Labels\":{\"foo\":\"bar\",\"io.kubernetes.pod.name\":\"mypod\","            \
	"\"io.kubernetes.pod.namespace\":\"shop\",\"n\":7}},\"HostConfig\":{\"Privileged\":true}}"
#define NOT_FOUND "{\"cause\":\"no such container\",\"response\":404}"

static void podman_api(void **state)
{
	const char *body = INSPECT_JSON;
	char chunked[1024], sized[1024], notfound[256];
	const char *answers[] = {
		/* chunked, as podman 4.3 answers; a chunk extension in the second */
		chunked,
		/* sized */
		sized,
		notfound,
		"HTTP/1.1 500 Internal Server Error\r\nContent-Length: 2\r\n\r\n{}",
		/* not HTTP */
		"SSH-2.0-OpenSSH_9.2\r\n\r\n",
		/* cut short */
		"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n{\"Id\":",
		NULL,
	};
	struct ctr_ref r1 = ref(CTR_RT_PODMAN, ID1, NULL);
	struct ctrmeta_stats st;
	struct fake_api f;
	struct ctrmeta *m;
	struct ctr_info ci;

	snprintf(chunked, sizeof(chunked),
		 "HTTP/1.1 200 OK\r\nApi-Version: 1.41\r\nContent-Type: application/json\r\n"
		 "Libpod-Api-Version: 4.3.1\r\ntransfer-encoding: Chunked\r\n\r\n"
		 "10\r\n%.16s\r\n%zx;ext=1\r\n%s\r\n0\r\n\r\n",
		 body, strlen(body) - 16, body + 16);
	snprintf(sized, sizeof(sized), "HTTP/1.1 200 OK\r\nContent-Length: %zu\r\n\r\n%s",
		 strlen(body), body);
	snprintf(notfound, sizeof(notfound),
		 "HTTP/1.1 404 Not Found\r\nContent-Length: %zu\r\n\r\n%s", strlen(NOT_FOUND),
		 NOT_FOUND);
	podman_fixture();
	fake_api_start(&f, answers);
	m = meta(f.path);

	assert_int_equal(ctrmeta_read(m, &r1, &ci), 0);
	assert_non_null(strstr(f.request, "GET /v4.0.0/libpod/containers/" ID1 "/json HTTP/1.1\r\n"));
	assert_non_null(strstr(f.request, "\r\nHost: d\r\n"));
	assert_true(ci.labels_known);
	assert_null(ci.labels_why);
	assert_int_equal(ci.nlabels, 3); /* "n" is not a string */
	assert_string_equal(ci.labels[0].key, "foo");
	assert_string_equal(ci.labels[0].value, "bar");
	assert_string_equal(ctrmeta_label(&ci, "io.kubernetes.pod.name"), "mypod");
	assert_null(ctrmeta_label(&ci, "nope"));
	/* the labels name a pod; the API's start time replaces the pidfile's */
	assert_string_equal(ci.pod, "mypod");
	assert_true(ci.started_ns == 1796667183999634973ull);
	assert_int_equal(ci.privileged, 1);
	ctrmeta_info_clear(&ci);

	assert_int_equal(ctrmeta_read(m, &r1, &ci), 0);
	assert_true(ci.labels_known);
	assert_int_equal(ci.nlabels, 3);
	assert_string_equal(ci.pod_namespace, "shop");
	ctrmeta_info_clear(&ci);

	for (int i = 0; i < 4; i++) {
		assert_int_equal(ctrmeta_read(m, &r1, &ci), 0);
		assert_false(ci.labels_known);
		assert_int_equal(ci.nlabels, 0);
		assert_non_null(ci.labels_why);
		/* what the files said stays */
		assert_string_equal(ci.name, "web");
		ctrmeta_info_clear(&ci);
	}
	ctrmeta_stats(m, &st);
	assert_int_equal(st.api_calls, 6);
	assert_int_equal(st.api_errors, 3); /* the 404 is an answer */
	fake_api_stop(&f);
	ctrmeta_free(m);

	/* a socket path where nothing listens, and a path that is not a socket */
	m = meta(f.path);
	assert_int_equal(ctrmeta_read(m, &r1, &ci), 0);
	assert_false(ci.labels_known);
	assert_non_null(strstr(ci.labels_why, "socket"));
	ctrmeta_info_clear(&ci);
	ctrmeta_free(m);
}

/* The files alone, then the API: what ctrmeta_read() does in one go. */
static void podman_api_apart(void **state)
{
	char sized[1024];
	const char *answers[] = { sized, NULL };
	struct ctr_ref r1 = ref(CTR_RT_PODMAN, ID1, NULL);
	struct ctrmeta_stats st;
	struct ctr_info ci, copy;
	struct fake_api f;
	struct ctrmeta *m;

	snprintf(sized, sizeof(sized), "HTTP/1.1 200 OK\r\nContent-Length: %zu\r\n\r\n%s",
		 strlen(INSPECT_JSON), INSPECT_JSON);
	podman_fixture();
	fake_api_start(&f, answers);
	m = meta(f.path);
	assert_int_equal(ctrmeta_read_files(m, &r1, &ci), 0);
	ctrmeta_stats(m, &st);
	assert_int_equal(st.api_calls, 0);
	assert_true(ci.labels_pending);
	assert_false(ci.labels_known);
	assert_non_null(strstr(ci.labels_why, "API"));
	assert_string_equal(ci.name, "web");
	assert_string_equal(ci.image, "localhost/sgtest-bb:1");
	assert_int_equal(ci.privileged, 1);
	assert_string_equal(ci.pod, "");

	ctrmeta_read_api(m, &ci);
	ctrmeta_stats(m, &st);
	assert_int_equal(st.api_calls, 1);
	assert_false(ci.labels_pending);
	assert_true(ci.labels_known);
	assert_int_equal(ci.nlabels, 3);
	assert_string_equal(ci.pod, "mypod"); /* from the labels */
	assert_true(ci.started_ns == 1796667183999634973ull);
	/* once only */
	ctrmeta_read_api(m, &ci);
	ctrmeta_stats(m, &st);
	assert_int_equal(st.api_calls, 1);

	/* a deep copy */
	assert_int_equal(ctrmeta_info_copy(&copy, &ci), 0);
	ctrmeta_info_clear(&ci);
	assert_int_equal(copy.nlabels, 3);
	assert_string_equal(ctrmeta_label(&copy, "foo"), "bar");
	assert_string_equal(copy.name, "web");
	ctrmeta_info_clear(&copy);
	fake_api_stop(&f);
	ctrmeta_free(m);

	/* no socket: nothing pending */
	m = meta("");
	assert_int_equal(ctrmeta_read_files(m, &r1, &ci), 0);
	assert_false(ci.labels_pending);
	assert_non_null(strstr(ci.labels_why, "not to be asked"));
	ctrmeta_info_clear(&ci);
	ctrmeta_free(m);
}

static void podman_api_slow(void **state)
{
	static const char *const none[] = { NULL };
	struct ctr_ref r1 = ref(CTR_RT_PODMAN, ID1, NULL);
	struct ctrmeta_opts o = { .root = root, .api_timeout_ms = 200, .cancel_fd = -1 };
	struct timespec t0, t1;
	struct fake_api f;
	struct ctrmeta *m;
	struct ctr_info ci;
	uint64_t one = 1;
	int efd;

	podman_fixture();
	/* an API that never answers: given up after the timeout */
	fake_api_start(&f, none);
	o.podman_socket = f.path;
	m = ctrmeta_new(&o);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(ctrmeta_read(m, &r1, &ci), 0);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	assert_false(ci.labels_known);
	assert_non_null(strstr(ci.labels_why, "in time"));
	assert_true(t1.tv_sec - t0.tv_sec < 2);
	ctrmeta_info_clear(&ci);
	ctrmeta_free(m);
	fake_api_stop(&f);

	/* cancelled: returns at once */
	fake_api_start(&f, none);
	efd = eventfd(0, EFD_CLOEXEC);
	assert_int_equal(write(efd, &one, sizeof(one)), sizeof(one));
	o.api_timeout_ms = 60000;
	o.cancel_fd = efd;
	m = ctrmeta_new(&o);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(ctrmeta_read(m, &r1, &ci), 0);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	assert_false(ci.labels_known);
	assert_true(t1.tv_sec - t0.tv_sec < 2);
	ctrmeta_info_clear(&ci);
	ctrmeta_free(m);
	fake_api_stop(&f);
	close(efd);
}

static void podman_api_oversized(void **state)
{
	const char *answers[2] = { NULL, NULL };
	struct ctr_ref r1 = ref(CTR_RT_PODMAN, ID1, NULL);
	size_t n = CTR_API_RESPONSE_MAX + 100;
	struct fake_api f;
	struct ctrmeta *m;
	struct ctr_info ci;
	char *big = malloc(n + 1);

	assert_non_null(big);
	n = (size_t)snprintf(big, n, "HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n",
			     CTR_API_RESPONSE_MAX);
	memset(big + n, ' ', CTR_API_RESPONSE_MAX + 100 - n);
	big[CTR_API_RESPONSE_MAX + 100] = '\0';
	answers[0] = big;
	podman_fixture();
	fake_api_start(&f, answers);
	m = meta(f.path);
	assert_int_equal(ctrmeta_read(m, &r1, &ci), 0);
	assert_false(ci.labels_known);
	ctrmeta_info_clear(&ci);
	ctrmeta_free(m);
	fake_api_stop(&f);
	free(big);
}

/* ---- docker ------------------------------------------------------------- */

static void docker(void **state)
{
	struct ctrmeta *m = meta("");
	struct ctr_ref r = ref(CTR_RT_DOCKER, ID1, NULL);
	struct ctr_info ci;

	/* config.v2.json and hostconfig.json as the docker engine writes them (trimmed) */
	put("/var/lib/docker/containers/" ID1 "/config.v2.json",
	    "{\"StreamConfig\":{},\"State\":{\"Running\":true,\"Paused\":false,\"Pid\":4242,"
	    "\"ExitCode\":0,\"Error\":\"\",\"StartedAt\":\"2024-05-01T10:20:30.123456789Z\","
	    "\"FinishedAt\":\"0001-01-01T00:00:00Z\",\"Health\":null},\"ID\":\"" ID1 "\","
	    "\"Created\":\"2024-05-01T10:20:29.9Z\",\"Path\":\"nginx\",\"Args\":[\"-g\","
	    "\"daemon off;\"],\"Config\":{\"Hostname\":\"e4ccd71207c3\",\"Image\":\"nginx:1.25\","
	    "\"Labels\":{\"com.example.team\":\"web\",\"maintainer\":\"NGINX Docker Maintainers\"}},"
	    "\"Image\":\"sha256:" IMG1 "\",\"Name\":\"/web\",\"Driver\":\"overlay2\","
	    "\"OS\":\"linux\",\"RestartCount\":0}");
	put("/var/lib/docker/containers/" ID1 "/hostconfig.json",
	    "{\"Binds\":null,\"NetworkMode\":\"default\",\"RestartPolicy\":{\"Name\":\"no\","
	    "\"MaximumRetryCount\":0},\"AutoRemove\":false,\"Privileged\":true,"
	    "\"PublishAllPorts\":false,\"ReadonlyRootfs\":false}");
	assert_int_equal(ctrmeta_read(m, &r, &ci), 0);
	assert_int_equal(ci.runtime, CTR_RT_DOCKER);
	assert_string_equal(ci.name, "web");
	assert_string_equal(ci.image, "nginx:1.25");
	assert_string_equal(ci.image_id, IMG1);
	assert_true(ci.labels_known);
	assert_int_equal(ci.nlabels, 2);
	assert_string_equal(ci.labels[0].key, "com.example.team");
	assert_string_equal(ci.labels[1].value, "NGINX Docker Maintainers");
	assert_true(ci.started_ns == 1714558830123456789ull);
	assert_int_equal(ci.privileged, 1);
	ctrmeta_info_clear(&ci);

	/* never started, no hostconfig */
	put("/var/lib/docker/containers/" ID2 "/config.v2.json",
	    "{\"State\":{\"StartedAt\":\"0001-01-01T00:00:00Z\"},\"Name\":\"/x\","
	    "\"Config\":{\"Image\":\"busybox\",\"Labels\":null}}");
	r = ref(CTR_RT_DOCKER, ID2, NULL);
	assert_int_equal(ctrmeta_read(m, &r, &ci), 0);
	assert_string_equal(ci.name, "x");
	assert_true(ci.started_ns == 0);
	assert_int_equal(ci.privileged, -1);
	assert_true(ci.labels_known);
	assert_int_equal(ci.nlabels, 0);
	ctrmeta_info_clear(&ci);

	r = ref(CTR_RT_DOCKER, ID3, NULL);
	assert_int_equal(ctrmeta_read(m, &r, &ci), -ENOENT);
	ctrmeta_info_clear(&ci);
	ctrmeta_free(m);
}

/* ---- containerd (CRI) --------------------------------------------------- */

#define TASKS "/run/containerd/io.containerd.runtime.v2.task"

static void containerd_fixture(void)
{
	put(TASKS "/k8s.io/" ID1 "/config.json",
	    "{\"ociVersion\":\"1.1.0\",\"process\":{\"args\":[\"nginx\"],\"capabilities\":{"
	    "\"bounding\":[\"CAP_CHOWN\",\"CAP_NET_BIND_SERVICE\"]}},\"root\":{\"path\":\"rootfs\"},"
	    "\"annotations\":{\"io.kubernetes.cri.container-name\":\"nginx\","
	    "\"io.kubernetes.cri.container-type\":\"container\","
	    "\"io.kubernetes.cri.image-name\":\"docker.io/library/nginx:1.25\","
	    "\"io.kubernetes.cri.sandbox-id\":\"" ID2 "\","
	    "\"io.kubernetes.cri.sandbox-name\":\"web-7d4b9c-abcde\","
	    "\"io.kubernetes.cri.sandbox-namespace\":\"shop\","
	    "\"io.kubernetes.cri.sandbox-uid\":\"" UID "\"},"
	    "\"linux\":{\"maskedPaths\":[\"/proc/acpi\",\"/proc/kcore\"]}}");
	put(TASKS "/k8s.io/" ID1 "/init.pid", "4321");
	set_mtime(TASKS "/k8s.io/" ID1 "/init.pid", 1714558830, 5);
	/* the pod's sandbox, privileged */
	put(TASKS "/k8s.io/" ID2 "/config.json",
	    "{\"process\":{\"capabilities\":{\"bounding\":[\"CAP_SYS_ADMIN\"]}},"
	    "\"annotations\":{\"io.kubernetes.cri.container-type\":\"sandbox\","
	    "\"io.kubernetes.cri.sandbox-id\":\"" ID2 "\","
	    "\"io.kubernetes.cri.sandbox-name\":\"web-7d4b9c-abcde\","
	    "\"io.kubernetes.cri.sandbox-namespace\":\"shop\"},\"linux\":{}}");
	/* another namespace */
	put(TASKS "/moby/" ID3 "/config.json", "{\"annotations\":{}}");
}

static void containerd(void **state)
{
	struct ctrmeta *m = meta("");
	struct ctr_ref r = ref(CTR_RT_CONTAINERD, ID1, UID);
	struct ctr_info ci;

	containerd_fixture();
	assert_int_equal(ctrmeta_read(m, &r, &ci), 0);
	assert_int_equal(ci.runtime, CTR_RT_CONTAINERD);
	assert_string_equal(ci.name, "nginx");
	assert_string_equal(ci.k8s_container, "nginx");
	assert_string_equal(ci.pod, "web-7d4b9c-abcde");
	assert_string_equal(ci.pod_namespace, "shop");
	assert_string_equal(ci.pod_uid, UID);
	assert_string_equal(ci.image, "docker.io/library/nginx:1.25");
	assert_int_equal(ci.privileged, 0);
	assert_true(ci.started_ns == 1714558830000000005ull);
	/* the CRI's own label names */
	assert_false(ci.labels_known);
	assert_string_equal(ctrmeta_label(&ci, "io.kubernetes.pod.name"), "web-7d4b9c-abcde");
	assert_string_equal(ctrmeta_label(&ci, "io.kubernetes.pod.namespace"), "shop");
	assert_string_equal(ctrmeta_label(&ci, "io.kubernetes.container.name"), "nginx");
	assert_string_equal(ctrmeta_label(&ci, "io.kubernetes.pod.uid"), UID);
	ctrmeta_info_clear(&ci);

	r = ref(CTR_RT_CONTAINERD, ID2, NULL);
	assert_int_equal(ctrmeta_read(m, &r, &ci), 0);
	assert_string_equal(ci.name, "web-7d4b9c-abcde");
	assert_string_equal(ci.k8s_container, "");
	assert_null(ctrmeta_label(&ci, "io.kubernetes.container.name"));
	assert_int_equal(ci.privileged, 1);
	ctrmeta_info_clear(&ci);

	/* found in the other namespace */
	r = ref(CTR_RT_CONTAINERD, ID3, NULL);
	assert_int_equal(ctrmeta_read(m, &r, &ci), 0);
	assert_int_equal(ci.privileged, -1);
	ctrmeta_info_clear(&ci);
	ctrmeta_free(m);
}

/* ---- CRI-O -------------------------------------------------------------- */

static void crio_fixture(void)
{
	put("/run/containers/storage/overlay-containers/" ID2 "/userdata/config.json",
	    "{\"process\":{\"capabilities\":{\"bounding\":[\"CAP_CHOWN\"]}},\"annotations\":{"
	    "\"io.container.manager\":\"cri-o\","
	    "\"io.kubernetes.container.name\":\"api\","
	    "\"io.kubernetes.cri-o.ContainerID\":\"" ID2 "\","
	    "\"io.kubernetes.cri-o.ContainerName\":\"k8s_api_api-5f6d_shop_" UID "_0\","
	    "\"io.kubernetes.cri-o.ContainerType\":\"container\","
	    "\"io.kubernetes.cri-o.Created\":\"2024-05-01T12:00:00.5+02:00\","
	    "\"io.kubernetes.cri-o.Image\":\"" IMG2 "\","
	    "\"io.kubernetes.cri-o.ImageName\":\"quay.io/shop/api:3\","
	    "\"io.kubernetes.cri-o.ImageRef\":\"quay.io/shop/api@sha256:" IMG2 "\","
	    "\"io.kubernetes.cri-o.Labels\":\"{\\\"io.kubernetes.container.name\\\":\\\"api\\\","
	    "\\\"io.kubernetes.pod.name\\\":\\\"api-5f6d\\\",\\\"io.kubernetes.pod.namespace\\\":"
	    "\\\"shop\\\",\\\"io.kubernetes.pod.uid\\\":\\\"" UID "\\\",\\\"tier\\\":\\\"back\\\"}\","
	    "\"io.kubernetes.cri-o.Metadata\":\"{\\\"name\\\":\\\"api\\\",\\\"attempt\\\":0}\","
	    "\"io.kubernetes.pod.name\":\"api-5f6d\","
	    "\"io.kubernetes.pod.namespace\":\"shop\"},"
	    "\"linux\":{\"maskedPaths\":[\"/proc/kcore\"]}}");
}

static void crio(void **state)
{
	struct ctrmeta *m = meta("");
	struct ctr_ref r = ref(CTR_RT_CRIO, ID2, UID);
	struct ctr_info ci;

	crio_fixture();
	assert_int_equal(ctrmeta_read(m, &r, &ci), 0);
	assert_int_equal(ci.runtime, CTR_RT_CRIO);
	assert_string_equal(ci.name, "api");
	assert_string_equal(ci.k8s_container, "api");
	assert_string_equal(ci.pod, "api-5f6d");
	assert_string_equal(ci.pod_namespace, "shop");
	assert_string_equal(ci.image, "quay.io/shop/api:3");
	assert_string_equal(ci.image_id, IMG2);
	assert_int_equal(ci.privileged, 0);
	assert_true(ci.labels_known);
	assert_int_equal(ci.nlabels, 5);
	assert_string_equal(ctrmeta_label(&ci, "tier"), "back");
	/* 12:00:00.5 at +02:00 */
	assert_true(ci.started_ns == 1714557600500000000ull);
	ctrmeta_info_clear(&ci);
	/* conmon's pidfile, when there, is the better time */
	put("/run/containers/storage/overlay-containers/" ID2 "/userdata/pidfile", "77");
	set_mtime("/run/containers/storage/overlay-containers/" ID2 "/userdata/pidfile",
		  1714557601, 0);
	assert_int_equal(ctrmeta_read(m, &r, &ci), 0);
	assert_true(ci.started_ns == 1714557601000000000ull);
	ctrmeta_info_clear(&ci);
	ctrmeta_free(m);
}

/* cgroupfs driver: the id is looked for in each runtime's state */
static void cri_any(void **state)
{
	struct ctrmeta *m = meta("");
	struct ctr_ref r = ref(CTR_RT_CRI, ID1, UID);
	struct ctr_info ci;

	containerd_fixture();
	crio_fixture();
	assert_int_equal(ctrmeta_read(m, &r, &ci), 0);
	assert_int_equal(ci.runtime, CTR_RT_CONTAINERD);
	assert_string_equal(ci.name, "nginx");
	ctrmeta_info_clear(&ci);
	r = ref(CTR_RT_CRI, ID2, UID);
	/* the containerd sandbox has ID2 too: containerd is asked first */
	assert_int_equal(ctrmeta_read(m, &r, &ci), 0);
	assert_int_equal(ci.runtime, CTR_RT_CONTAINERD);
	ctrmeta_info_clear(&ci);
	rm_rel("/run/containerd");
	assert_int_equal(ctrmeta_read(m, &r, &ci), 0);
	assert_int_equal(ci.runtime, CTR_RT_CRIO);
	assert_string_equal(ci.name, "api");
	ctrmeta_info_clear(&ci);
	r = ref(CTR_RT_CRI, ID3, UID);
	assert_int_equal(ctrmeta_read(m, &r, &ci), -ENOENT);
	assert_int_equal(ci.runtime, CTR_RT_CRI);
	assert_string_equal(ci.pod_uid, UID);
	ctrmeta_info_clear(&ci);
	ctrmeta_free(m);
}

/* ---- machines and LXC --------------------------------------------------- */

static void machines(void **state)
{
	struct ctrmeta *m = meta("");
	struct ctr_ref r = ref(CTR_RT_NSPAWN, "debian", NULL);
	struct ctr_info ci;

	put("/run/systemd/machines/debian",
	    "# This is private data. Do not parse.\nNAME=debian\nSCOPE=machine-debian.scope\n"
	    "SERVICE=systemd-nspawn\nROOT=\"/var/lib/machines/deb ian\"\n"
	    "ID=1b4e28ba2fa1421c8e4a1d8c9e5f0a2b\nLEADER=4711\nCLASS=container\n"
	    "REALTIME=1714558830123456\nMONOTONIC=1234\nNETIF=3\n");
	put("/run/systemd/machines/qemu-1-vm", "NAME=qemu-1-vm\nCLASS=vm\nSERVICE=libvirt-qemu\n");
	assert_int_equal(ctrmeta_read(m, &r, &ci), 0);
	assert_string_equal(ci.name, "debian");
	assert_string_equal(ci.image, "/var/lib/machines/deb ian");
	assert_true(ci.started_ns == 1714558830123456000ull);
	assert_false(ci.vm);
	assert_int_equal(ci.privileged, -1);
	assert_false(ci.labels_known);
	ctrmeta_info_clear(&ci);
	r = ref(CTR_RT_MACHINED, "qemu-1-vm", NULL);
	assert_int_equal(ctrmeta_read(m, &r, &ci), 0);
	assert_true(ci.vm);
	ctrmeta_info_clear(&ci);
	/* no state file: the name from the path */
	r = ref(CTR_RT_NSPAWN, "other", NULL);
	assert_int_equal(ctrmeta_read(m, &r, &ci), -ENOENT);
	assert_string_equal(ci.name, "other");
	ctrmeta_info_clear(&ci);

	r = ref(CTR_RT_LXC, "web", NULL);
	assert_int_equal(ctrmeta_read(m, &r, &ci), 0);
	assert_int_equal(ci.runtime, CTR_RT_LXC);
	assert_string_equal(ci.name, "web");
	ctrmeta_info_clear(&ci);

	r = ref(CTR_RT_HOST, "", NULL);
	assert_int_equal(ctrmeta_read(m, &r, &ci), -EINVAL);
	ctrmeta_info_clear(&ci);
	ctrmeta_free(m);
}

/* ---- bounds ------------------------------------------------------------- */

static void label_bounds(void **state)
{
	struct ctrmeta *m = meta("");
	struct ctr_ref r = ref(CTR_RT_DOCKER, ID1, NULL);
	struct ctr_info ci;
	size_t cap = 1 << 20, n = 0;
	char *j = malloc(cap);
	int i;

	assert_non_null(j);
	n += (size_t)snprintf(j + n, cap - n, "{\"Name\":\"/%0300d\",\"Config\":{\"Labels\":{", 0);
	/* a key and a value one byte too long each, then 70 labels in reverse order */
	n += (size_t)snprintf(j + n, cap - n, "\"%0*d\":\"x\",", CTR_LABEL_KEY_MAX + 1, 0);
	n += (size_t)snprintf(j + n, cap - n, "\"long\":\"%0*d\",", CTR_LABEL_VAL_MAX + 1, 0);
	for (i = 69; i >= 0; i--)
		n += (size_t)snprintf(j + n, cap - n, "\"k%02d\":\"v%d\"%s", i, i, i ? "," : "");
	n += (size_t)snprintf(j + n, cap - n, "}}}");
	put("/var/lib/docker/containers/" ID1 "/config.v2.json", "%s", j);
	assert_int_equal(ctrmeta_read(m, &r, &ci), 0);
	assert_int_equal(ci.nlabels, CTR_LABELS_MAX);
	assert_int_equal(ci.labels_dropped, 2 + 70 - CTR_LABELS_MAX);
	for (i = 1; i < (int)ci.nlabels; i++)
		assert_true(strcmp(ci.labels[i - 1].key, ci.labels[i].key) < 0);
	/* the name was cut to its bound */
	assert_true(ci.truncated);
	assert_int_equal(strlen(ci.name), CTR_NAME_MAX);
	ctrmeta_info_clear(&ci);

	/* CTR_LABELS_BYTES for all of them together */
	n = (size_t)snprintf(j, cap, "{\"Config\":{\"Labels\":{");
	for (i = 0; i < 20; i++)
		n += (size_t)snprintf(j + n, cap - n, "\"k%02d\":\"%0*d\"%s", i, CTR_LABEL_VAL_MAX - 8,
				      0, i < 19 ? "," : "");
	snprintf(j + n, cap - n, "}}}");
	put("/var/lib/docker/containers/" ID1 "/config.v2.json", "%s", j);
	assert_int_equal(ctrmeta_read(m, &r, &ci), 0);
	assert_true(ci.nlabels < 20);
	assert_int_equal(ci.nlabels + ci.labels_dropped, 20);
	ctrmeta_info_clear(&ci);
	free(j);
	ctrmeta_free(m);
}

static void file_bounds(void **state)
{
	struct ctrmeta *m = meta("");
	struct ctr_ref r = ref(CTR_RT_DOCKER, ID1, NULL);
	struct ctr_info ci;
	char p[512];
	FILE *f;

	put("/var/lib/docker/containers/" ID1 "/config.v2.json", "{}");
	snprintf(p, sizeof(p), "%s/var/lib/docker/containers/" ID1 "/config.v2.json", root);
	f = fopen(p, "w");
	assert_non_null(f);
	fputc('{', f);
	for (int i = 0; i < CTR_SPEC_FILE_MAX; i++)
		fputc(' ', f);
	fputc('}', f);
	fclose(f);
	assert_int_equal(ctrmeta_read(m, &r, &ci), -EFBIG);
	ctrmeta_info_clear(&ci);
	/* too deep for the parser */
	f = fopen(p, "w");
	for (int i = 0; i < 100; i++)
		fputc('[', f);
	for (int i = 0; i < 100; i++)
		fputc(']', f);
	fclose(f);
	assert_int_equal(ctrmeta_read(m, &r, &ci), -EBADMSG);
	ctrmeta_info_clear(&ci);
	/* a directory where the file should be */
	unlink(p);
	mkdir(p, 0755);
	assert_int_equal(ctrmeta_read(m, &r, &ci), -EINVAL);
	ctrmeta_info_clear(&ci);
	rmdir(p);
	ctrmeta_free(m);
}

static void options(void **state)
{
	struct ctrmeta_opts o = { .root = "/x", .cancel_fd = -1 };
	char longp[300];
	struct ctrmeta *m;

	memset(longp, 'a', sizeof(longp) - 1);
	longp[sizeof(longp) - 1] = '\0';
	o.podman_socket = longp;
	errno = 0;
	assert_null(ctrmeta_new(&o));
	assert_int_equal(errno, ENAMETOOLONG);
	m = ctrmeta_new(NULL);
	assert_non_null(m);
	ctrmeta_free(m);
	ctrmeta_free(NULL);
	ctrmeta_info_clear(NULL);
}

static void times(void **state)
{
	assert_true(ctrmeta_parse_time("1970-01-01T00:00:01Z") == 1000000000ull);
	assert_true(ctrmeta_parse_time("2026-12-07T18:13:03.999634973Z") ==
		    1796667183999634973ull);
	assert_true(ctrmeta_parse_time("2026-12-07T18:13:03.9Z") == 1796667183900000000ull);
	/* more than 9 digits: the rest is below a ns */
	assert_true(ctrmeta_parse_time("2026-12-07T18:13:03.9996349731Z") ==
		    1796667183999634973ull);
	assert_true(ctrmeta_parse_time("2026-12-07T19:13:03+01:00") == 1796667183000000000ull);
	assert_true(ctrmeta_parse_time("2026-12-07T17:13:03-01:00") == 1796667183000000000ull);
	assert_true(ctrmeta_parse_time("0001-01-01T00:00:00Z") == 0);
	assert_true(ctrmeta_parse_time("2026-12-07 18:13:03Z") == 0);
	assert_true(ctrmeta_parse_time("2026-13-07T18:13:03Z") == 0);
	assert_true(ctrmeta_parse_time("2026-12-07T18:13:03") == 0);
	assert_true(ctrmeta_parse_time("2026-12-07T18:13:03.Z") == 0);
	assert_true(ctrmeta_parse_time("2026-12-07T18:13:03Zx") == 0);
	assert_true(ctrmeta_parse_time("2026-12-07T18:13:03+0100") == 0);
	assert_true(ctrmeta_parse_time("") == 0);
	assert_true(ctrmeta_parse_time(NULL) == 0);
}

/* Host paths: the deepest mount over a path decides; a mount without a host source has none. */
static void host_paths(void **state)
{
	static struct ctr_info ci;
	char buf[256];
	struct {
		const char *path, *want;
	} cases[] = {
		{ "/etc/passwd", "/var/lib/c/merged/etc/passwd" },
		{ "/etc/hostname", "/run/c/userdata/hostname" },
		{ "/etc/hostnamex", "/var/lib/c/merged/etc/hostnamex" },
		{ "/data", "/srv/vol" },
		{ "/data/a/b", "/srv/vol/a/b" },
		{ "/data/inner/x", "/srv/inner/x" },
		{ "/proc/1/status", NULL },
		{ "/", "/var/lib/c/merged/" },
		{ "relative", NULL },
	};

	snprintf(ci.rootfs, sizeof(ci.rootfs), "/var/lib/c/merged");
	ci.mounts[0] = (struct ctr_mount){ "/proc", NULL };
	ci.mounts[1] = (struct ctr_mount){ "/etc/hostname", "/run/c/userdata/hostname" };
	ci.mounts[2] = (struct ctr_mount){ "/data/", "/srv/vol" };
	ci.mounts[3] = (struct ctr_mount){ "/data/inner", "/srv/inner" };
	ci.nmounts = 4;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int r = ctrmeta_host_path(&ci, cases[i].path, buf, sizeof(buf));

		if (!cases[i].want) {
			assert_int_equal(r, -ENOENT);
			continue;
		}
		if (r != 0 || strcmp(buf, cases[i].want) != 0)
			fail_msg("%s: %d '%s', expected '%s'", cases[i].path, r, r ? "" : buf,
				 cases[i].want);
	}
	/* no root file system known: only what a bind mount says */
	ci.rootfs[0] = '\0';
	assert_int_equal(ctrmeta_host_path(&ci, "/etc/passwd", buf, sizeof(buf)), -ENOENT);
	assert_int_equal(ctrmeta_host_path(&ci, "/data/x", buf, sizeof(buf)), 0);
	assert_int_equal(ctrmeta_host_path(&ci, "/data/x", buf, 8), -ENAMETOOLONG);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(podman_files, setup, teardown),
		cmocka_unit_test_setup_teardown(podman_bad_state, setup, teardown),
		cmocka_unit_test_setup_teardown(podman_api, setup, teardown),
		cmocka_unit_test_setup_teardown(podman_api_apart, setup, teardown),
		cmocka_unit_test_setup_teardown(podman_api_slow, setup, teardown),
		cmocka_unit_test_setup_teardown(podman_api_oversized, setup, teardown),
		cmocka_unit_test_setup_teardown(docker, setup, teardown),
		cmocka_unit_test_setup_teardown(containerd, setup, teardown),
		cmocka_unit_test_setup_teardown(crio, setup, teardown),
		cmocka_unit_test_setup_teardown(cri_any, setup, teardown),
		cmocka_unit_test_setup_teardown(machines, setup, teardown),
		cmocka_unit_test_setup_teardown(label_bounds, setup, teardown),
		cmocka_unit_test_setup_teardown(file_bounds, setup, teardown),
		cmocka_unit_test(options),
		cmocka_unit_test(times),
		cmocka_unit_test(host_paths),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
