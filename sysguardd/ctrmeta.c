// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Container runtime metadata readers (see ctrmeta.h): one reader per
 * runtime, the bounded JSON and HTTP helpers they share, and the cache of
 * containers/storage's two index files, parsed again only when they change.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <json-c/json.h>
#include "ctrmeta.h"
#include "jsonget.h"
#include "strnum.h"
#include "ctrspec.h"
#include "unixhttp.h"
#include "fileio.h"

#define JSON_DEPTH 64

/* containers/storage graph drivers, in the order they are looked for */
static const char *const storage_drivers[] = { "overlay", "vfs", "btrfs", "zfs" };
#define STORAGE "/var/lib/containers/storage"
#define RUNROOT "/run/containers/storage"
#define CONTAINERD_TASKS "/run/containerd/io.containerd.runtime.v2.task"

/* One of containers/storage's index files, parsed: id -> its entry. */
struct jcache {
	char path[PATH_MAX];
	bool valid;
	dev_t dev;
	ino_t ino;
	off_t size;
	struct timespec mtime;
	struct json_object *by_id;
};

struct ctrmeta {
	char root[PATH_MAX]; /* "" for the real root; never ends in '/' */
	char sock[sizeof(((struct sockaddr_un *)0)->sun_path)]; /* "" for none */
	int timeout_ms;
	int cancel_fd;
	struct jcache ctrs;
	struct jcache images;
	struct ctrmeta_stats st;
};

/* ---- paths, files, JSON ------------------------------------------------ */

/* <root> followed by fmt into buf. */
static int rpath(const struct ctrmeta *m, char *buf, size_t size, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static int rpath(const struct ctrmeta *m, char *buf, size_t size, const char *fmt, ...)
{
	size_t rl = strlen(m->root);
	va_list ap;
	int n;

	if (rl >= size)
		return -ENAMETOOLONG;
	memcpy(buf, m->root, rl);
	va_start(ap, fmt);
	n = vsnprintf(buf + rl, size - rl, fmt, ap);
	va_end(ap);
	return n < 0 || (size_t)n >= size - rl ? -ENAMETOOLONG : 0;
}

static bool is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* Exactly one JSON value in buf[0, len), or NULL. */
static struct json_object *parse_json(const char *buf, size_t len)
{
	struct json_tokener *tok;
	struct json_object *o;
	enum json_tokener_error jerr;
	size_t end;

	while (len && is_blank(buf[len - 1]))
		len--;
	if (!len || len > INT32_MAX)
		return NULL;
	tok = json_tokener_new_ex(JSON_DEPTH);
	if (!tok)
		return NULL;
	o = json_tokener_parse_ex(tok, buf, (int)len);
	jerr = json_tokener_get_error(tok);
	if (jerr == json_tokener_continue) {
		o = json_tokener_parse_ex(tok, "", 1);
		jerr = json_tokener_get_error(tok);
		end = len;
	} else {
		end = json_tokener_get_parse_end(tok);
	}
	json_tokener_free(tok);
	if (jerr != json_tokener_success || end < len) {
		json_object_put(o);
		return NULL;
	}
	return o;
}

/* A JSON file of at most max bytes: 0, -errno, or -EBADMSG when it is not JSON. */
static int read_json_fd(int fd, size_t max, struct json_object **ret)
{
	char *buf;
	size_t len;
	int r = fio_read_fd(fd, max, &buf, &len, NULL);

	if (r < 0)
		return r;
	*ret = parse_json(buf, len);
	free(buf);
	return *ret ? 0 : -EBADMSG;
}

static int read_json(const char *path, size_t max, struct json_object **ret)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	int r;

	if (fd < 0)
		return -errno;
	r = read_json_fd(fd, max, ret);
	close(fd);
	return r;
}

/* The first string of an array member. */
static const char *jfirst(struct json_object *o, const char *key)
{
	struct json_object *a = jget(o, key), *v;

	if (!a || !json_object_is_type(a, json_type_array) || !json_object_array_length(a))
		return NULL;
	v = json_object_array_get_idx(a, 0);
	return json_object_is_type(v, json_type_string) ? json_object_get_string(v) : NULL;
}

static uint64_t mtime_ns(const char *path)
{
	struct stat st;

	if (stat(path, &st) < 0)
		return 0;
	return (uint64_t)st.st_mtim.tv_sec * 1000000000ull + (uint64_t)st.st_mtim.tv_nsec;
}

/* ---- filling a ctr_info ------------------------------------------------- */

/* src into dst (cap bytes with the NUL) when src is not empty; cut if longer. */
static void set_str(struct ctr_info *ci, char *dst, size_t cap, const char *src)
{
	size_t n;

	if (!src || !*src)
		return;
	n = strlen(src);
	if (n >= cap) {
		n = cap - 1;
		ci->truncated = true;
	}
	memcpy(dst, src, n);
	dst[n] = '\0';
}

/* As set_str, only when dst is still empty. */
static void fill_str(struct ctr_info *ci, char *dst, size_t cap, const char *src)
{
	if (!dst[0])
		set_str(ci, dst, cap, src);
}

#define SET(ci, field, src) set_str((ci), (ci)->field, sizeof((ci)->field), (src))
#define FILL(ci, field, src) fill_str((ci), (ci)->field, sizeof((ci)->field), (src))

/* An image id without its "sha256:" */
static const char *bare_digest(const char *s)
{
	if (s && !strncmp(s, "sha256:", 7))
		return s + 7;
	return s;
}

static size_t labels_bytes(const struct ctr_info *ci)
{
	size_t n = 0;

	for (unsigned int i = 0; i < ci->nlabels; i++)
		n += strlen(ci->labels[i].key) + strlen(ci->labels[i].value) + 2;
	return n;
}

/* Add or replace a label, kept sorted by key; bounds refused are counted. */
static void label_set(struct ctr_info *ci, const char *key, const char *value)
{
	size_t kl = strlen(key), vl = strlen(value);
	unsigned int i;
	char *k, *v;
	int c = 1;

	for (i = 0; i < ci->nlabels; i++) {
		c = strcmp(key, ci->labels[i].key);
		if (c <= 0)
			break;
	}
	if (!kl || kl > CTR_LABEL_KEY_MAX || vl > CTR_LABEL_VAL_MAX)
		goto drop;
	if (i < ci->nlabels && c == 0) {
		size_t old = strlen(ci->labels[i].value);

		if (labels_bytes(ci) - old + vl > CTR_LABELS_BYTES)
			goto drop;
		v = strdup(value);
		if (!v)
			goto drop;
		free(ci->labels[i].value);
		ci->labels[i].value = v;
		return;
	}
	if (ci->nlabels == CTR_LABELS_MAX || labels_bytes(ci) + kl + vl + 2 > CTR_LABELS_BYTES)
		goto drop;
	k = strdup(key);
	v = strdup(value);
	if (!k || !v) {
		free(k);
		free(v);
		goto drop;
	}
	memmove(&ci->labels[i + 1], &ci->labels[i], (ci->nlabels - i) * sizeof(ci->labels[0]));
	ci->labels[i].key = k;
	ci->labels[i].value = v;
	ci->nlabels++;
	return;
drop:
	ci->labels_dropped++;
}

/* Every string member of a JSON object as a label. */
static void labels_from(struct ctr_info *ci, struct json_object *obj)
{
	if (!obj || !json_object_is_type(obj, json_type_object))
		return;
	json_object_object_foreach(obj, k, v)
	{
		if (json_object_is_type(v, json_type_string))
			label_set(ci, k, json_object_get_string(v));
	}
}

const char *ctrmeta_label(const struct ctr_info *info, const char *key)
{
	for (unsigned int i = 0; i < info->nlabels; i++)
		if (!strcmp(info->labels[i].key, key))
			return info->labels[i].value;
	return NULL;
}

/* Pod fields from the Kubernetes keys of a map (annotations or labels), where still empty. */
static void k8s_from_map(struct ctr_info *ci, const char *(*get)(const void *, const char *),
			 const void *map)
{
	FILL(ci, pod, get(map, "io.kubernetes.pod.name"));
	FILL(ci, pod_namespace, get(map, "io.kubernetes.pod.namespace"));
	FILL(ci, pod_uid, get(map, "io.kubernetes.pod.uid"));
	FILL(ci, k8s_container, get(map, "io.kubernetes.container.name"));
}

static const char *get_json(const void *map, const char *key)
{
	return jstr((struct json_object *)map, key);
}

static const char *get_label(const void *map, const char *key)
{
	return ctrmeta_label(map, key);
}

/* n decimal digits at s, within [lo, hi]. */
static bool digits(const char *s, int n, int lo, int hi, int *ret)
{
	int v = 0;

	for (int i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (s[i] - '0');
	}
	if (v < lo || v > hi)
		return false;
	*ret = v;
	return true;
}

uint64_t ctrmeta_parse_time(const char *s)
{
	struct tm tm = { 0 };
	int y, mo, d, h, mi, sec, oh = 0, om = 0, sign = 0;
	uint64_t frac = 0;
	int nd = 0;
	time_t t;

	if (!s || strlen(s) < 20)
		return 0;
	if (!digits(s, 4, 1, 9999, &y) || s[4] != '-' || !digits(s + 5, 2, 1, 12, &mo) ||
	    s[7] != '-' || !digits(s + 8, 2, 1, 31, &d) || (s[10] != 'T' && s[10] != 't') ||
	    !digits(s + 11, 2, 0, 23, &h) || s[13] != ':' || !digits(s + 14, 2, 0, 59, &mi) ||
	    s[16] != ':' || !digits(s + 17, 2, 0, 60, &sec))
		return 0;
	s += 19;
	if (*s == '.') {
		s++;
		while (*s >= '0' && *s <= '9') {
			if (nd < 9) {
				frac = frac * 10 + (uint64_t)(*s - '0');
				nd++;
			}
			s++;
		}
		if (!nd)
			return 0;
		for (; nd < 9; nd++)
			frac *= 10;
	}
	if (*s == 'Z' || *s == 'z') {
		s++;
	} else if (*s == '+' || *s == '-') {
		sign = *s == '+' ? 1 : -1;
		if (!digits(s + 1, 2, 0, 23, &oh) || s[3] != ':' || !digits(s + 4, 2, 0, 59, &om))
			return 0;
		s += 6;
	} else {
		return 0;
	}
	if (*s)
		return 0;
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = sec;
	t = timegm(&tm);
	if (t == (time_t)-1)
		return 0;
	t -= sign * (oh * 3600 + om * 60);
	if (t <= 0)
		return 0; /* docker's "0001-01-01T00:00:00Z": never started */
	return (uint64_t)t * 1000000000ull + frac;
}

/* ---- containers/storage index files ------------------------------------- */

static void jcache_drop(struct jcache *c)
{
	json_object_put(c->by_id);
	c->by_id = NULL;
	c->valid = false;
}

/*
 * The entries of a containers/storage index file (an array of objects with
 * an "id") by id: parsed again only when the file changed (it is replaced by
 * a rename on every write, so its inode changes; size and mtime too).
 */
static int jcache_get(struct ctrmeta *m, struct jcache *c, const char *path,
		      struct json_object **ret)
{
	struct json_object *arr, *by_id;
	struct stat st;
	int fd, r;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0) {
		r = -errno;
		if (!strcmp(c->path, path))
			jcache_drop(c);
		return r;
	}
	if (fstat(fd, &st) < 0) {
		r = -errno;
		close(fd);
		return r;
	}
	if (c->valid && !strcmp(c->path, path) && c->dev == st.st_dev && c->ino == st.st_ino &&
	    c->size == st.st_size && c->mtime.tv_sec == st.st_mtim.tv_sec &&
	    c->mtime.tv_nsec == st.st_mtim.tv_nsec) {
		close(fd);
		*ret = c->by_id;
		return 0;
	}
	r = read_json_fd(fd, CTR_STATE_FILE_MAX, &arr);
	close(fd);
	m->st.storage_reads++;
	if (r < 0)
		return r;
	if (!json_object_is_type(arr, json_type_array)) {
		json_object_put(arr);
		return -EBADMSG;
	}
	by_id = json_object_new_object();
	if (!by_id) {
		json_object_put(arr);
		return -ENOMEM;
	}
	for (size_t i = 0; i < json_object_array_length(arr); i++) {
		struct json_object *e = json_object_array_get_idx(arr, i);
		const char *id = jstr(e, "id");

		if (id && json_object_object_add(by_id, id, json_object_get(e)) < 0) {
			json_object_put(e);
			json_object_put(by_id);
			json_object_put(arr);
			return -ENOMEM;
		}
	}
	json_object_put(arr);
	jcache_drop(c);
	snprintf(c->path, sizeof(c->path), "%s", path);
	c->by_id = by_id;
	c->dev = st.st_dev;
	c->ino = st.st_ino;
	c->size = st.st_size;
	c->mtime = st.st_mtim;
	c->valid = true;
	*ret = by_id;
	return 0;
}

/* ---- the podman API ---------------------------------------------------- */

/* Whether podman's API is there to be asked; labels_why says why not. */
static bool podman_api_there(const struct ctrmeta *m, struct ctr_info *ci)
{
	struct stat st;

	if (!m->sock[0]) {
		ci->labels_why = "the podman API is not to be asked";
		return false;
	}
	if (stat(m->sock, &st) < 0 || !S_ISSOCK(st.st_mode)) {
		ci->labels_why = "no podman API socket (podman.socket is not running)";
		return false;
	}
	return true;
}

/* Labels (and the rest it knows better) from podman's API. */
static void podman_api(struct ctrmeta *m, struct ctr_info *ci)
{
	struct json_object *o, *priv;
	char path[CTR_ID_MAX + 64], *body = NULL;
	uint64_t started;
	size_t len = 0;
	int status = 0, r;

	if (!podman_api_there(m, ci))
		return;
	snprintf(path, sizeof(path), "/v4.0.0/libpod/containers/%s/json", ci->id);
	m->st.api_calls++;
	r = unixhttp_get(m->sock, path, m->timeout_ms, m->cancel_fd, CTR_API_RESPONSE_MAX, &status,
			  &body, &len);
	if (r < 0) {
		m->st.api_errors++;
		ci->labels_why = r == -ETIMEDOUT ? "the podman API did not answer in time"
						 : "the podman API could not be reached";
		return;
	}
	if (status == 404) {
		free(body);
		ci->labels_why = "the podman API does not know the container";
		return;
	}
	o = status == 200 ? parse_json(body, len) : NULL;
	free(body);
	if (!o || !json_object_is_type(o, json_type_object)) {
		json_object_put(o);
		m->st.api_errors++;
		ci->labels_why = "the podman API answered with an error";
		return;
	}
	labels_from(ci, jget(jget(o, "Config"), "Labels"));
	ci->labels_known = true;
	ci->labels_why = NULL;
	FILL(ci, name, jstr(o, "Name"));
	FILL(ci, image, jstr(o, "ImageName"));
	FILL(ci, image_id, bare_digest(jstr(o, "Image")));
	started = ctrmeta_parse_time(jstr(jget(o, "State"), "StartedAt"));
	if (started)
		ci->started_ns = started;
	priv = jget(jget(o, "HostConfig"), "Privileged");
	if (priv && json_object_is_type(priv, json_type_boolean))
		ci->privileged = json_object_get_boolean(priv);
	json_object_put(o);
}

/* ---- the readers -------------------------------------------------------- */

/*
 * podman: containers/storage's index files and the container's OCI spec;
 * labels from the API later (ctrmeta_read_api()), when its socket is there.
 */
static int read_podman(struct ctrmeta *m, struct ctr_info *ci)
{
	struct json_object *by_id = NULL, *e, *md = NULL, *spec = NULL, *ann;
	const char *drv = NULL, *meta, *v;
	uint64_t created = 0;
	char path[PATH_MAX];
	int r = -ENOENT;

	for (size_t i = 0; i < sizeof(storage_drivers) / sizeof(storage_drivers[0]); i++) {
		r = rpath(m, path, sizeof(path), STORAGE "/%s-containers/containers.json",
			  storage_drivers[i]);
		if (r < 0)
			return r;
		r = jcache_get(m, &m->ctrs, path, &by_id);
		if (r != -ENOENT) {
			drv = storage_drivers[i];
			break;
		}
	}
	if (r < 0)
		return r;
	e = jget(by_id, ci->id);
	if (!e)
		return -ENOENT;
	SET(ci, name, jfirst(e, "names"));
	SET(ci, image_id, bare_digest(jstr(e, "image")));
	meta = jstr(e, "metadata");
	if (meta)
		md = parse_json(meta, strlen(meta));
	if (md) {
		int64_t c;

		FILL(ci, name, jstr(md, "name"));
		SET(ci, image, jstr(md, "image-name"));
		FILL(ci, image_id, bare_digest(jstr(md, "image-id")));
		c = json_object_get_int64(jget(md, "created-at"));
		if (c > 0)
			created = (uint64_t)c * 1000000000ull;
		json_object_put(md);
	}
	if (!ci->image[0] && ci->image_id[0] &&
	    rpath(m, path, sizeof(path), STORAGE "/%s-images/images.json", drv) == 0 &&
	    jcache_get(m, &m->images, path, &by_id) == 0)
		SET(ci, image, jfirst(jget(by_id, ci->image_id), "names"));

	r = rpath(m, path, sizeof(path), STORAGE "/%s-containers/%s/userdata/config.json", drv,
		  ci->id);
	if (r == 0) {
		m->st.spec_reads++;
		r = read_json(path, CTR_SPEC_FILE_MAX, &spec);
	}
	if (r == 0) {
		ann = jget(spec, "annotations");
		v = jstr(ann, "io.podman.annotations.privileged");
		ci->privileged = v ? !strcasecmp(v, "TRUE") : ctrspec_privileged(spec);
		ctrspec_root(ci, spec, NULL);
		k8s_from_map(ci, get_json, ann);
		json_object_put(spec);
	}
	/* the pidfile is written by the OCI runtime at create, just before start */
	if (rpath(m, path, sizeof(path), RUNROOT "/%s-containers/%s/userdata/pidfile", drv,
		  ci->id) == 0)
		ci->started_ns = mtime_ns(path);
	if (!ci->started_ns)
		ci->started_ns = created;
	if (podman_api_there(m, ci)) {
		ci->labels_pending = true;
		ci->labels_why = "podman's API has not been asked yet";
	}
	return r == -ENOENT ? 0 : r; /* the spec is gone when the container just ended */
}

/* docker: config.v2.json and hostconfig.json of the container. */
static int read_docker(struct ctrmeta *m, struct ctr_info *ci)
{
	struct json_object *cfg, *hc, *priv;
	char path[PATH_MAX];
	const char *name;
	int r;

	r = rpath(m, path, sizeof(path), "/var/lib/docker/containers/%s/config.v2.json", ci->id);
	if (r < 0)
		return r;
	m->st.spec_reads++;
	r = read_json(path, CTR_SPEC_FILE_MAX, &cfg);
	if (r < 0)
		return r;
	name = jstr(cfg, "Name");
	SET(ci, name, name && name[0] == '/' ? name + 1 : name);
	SET(ci, image, jstr(jget(cfg, "Config"), "Image"));
	SET(ci, image_id, bare_digest(jstr(cfg, "Image")));
	labels_from(ci, jget(jget(cfg, "Config"), "Labels"));
	ci->labels_known = true;
	ci->labels_why = NULL;
	ci->started_ns = ctrmeta_parse_time(jstr(jget(cfg, "State"), "StartedAt"));
	json_object_put(cfg);
	if (rpath(m, path, sizeof(path), "/var/lib/docker/containers/%s/hostconfig.json",
		  ci->id) == 0 &&
	    read_json(path, CTR_SPEC_FILE_MAX, &hc) == 0) {
		priv = jget(hc, "Privileged");
		if (priv && json_object_is_type(priv, json_type_boolean))
			ci->privileged = json_object_get_boolean(priv);
		json_object_put(hc);
	}
	return 0;
}

/* The task's bundle of containerd's namespace ns: 0, -ENOENT, -errno. */
static int containerd_try(struct ctrmeta *m, struct ctr_info *ci, const char *ns)
{
	struct json_object *spec, *ann;
	char path[PATH_MAX];
	const char *type;
	int r;

	if (ns[0] == '.' || strchr(ns, '/'))
		return -ENOENT;
	r = rpath(m, path, sizeof(path), CONTAINERD_TASKS "/%s/%s/config.json", ns, ci->id);
	if (r < 0)
		return r;
	m->st.spec_reads++;
	r = read_json(path, CTR_SPEC_FILE_MAX, &spec);
	if (r < 0)
		return r;
	ann = jget(spec, "annotations");
	type = jstr(ann, "io.kubernetes.cri.container-type");
	FILL(ci, pod, jstr(ann, "io.kubernetes.cri.sandbox-name"));
	FILL(ci, pod_namespace, jstr(ann, "io.kubernetes.cri.sandbox-namespace"));
	FILL(ci, pod_uid, jstr(ann, "io.kubernetes.cri.sandbox-uid"));
	if (type && !strcmp(type, "sandbox")) {
		SET(ci, name, ci->pod);
	} else {
		FILL(ci, k8s_container, jstr(ann, "io.kubernetes.cri.container-name"));
		SET(ci, name, ci->k8s_container);
	}
	SET(ci, image, jstr(ann, "io.kubernetes.cri.image-name"));
	k8s_from_map(ci, get_json, ann);
	ci->privileged = ctrspec_privileged(spec);
	{
		char bundle[PATH_MAX]; /* a relative root is the bundle's: as the host names it */

		snprintf(bundle, sizeof(bundle), CONTAINERD_TASKS "/%s/%s", ns, ci->id);
		ctrspec_root(ci, spec, bundle);
	}
	json_object_put(spec);
	/* the labels as the CRI names them; containerd keeps the rest in its database */
	if (ci->pod[0])
		label_set(ci, "io.kubernetes.pod.name", ci->pod);
	if (ci->pod_namespace[0])
		label_set(ci, "io.kubernetes.pod.namespace", ci->pod_namespace);
	if (ci->pod_uid[0])
		label_set(ci, "io.kubernetes.pod.uid", ci->pod_uid);
	if (ci->k8s_container[0])
		label_set(ci, "io.kubernetes.container.name", ci->k8s_container);
	ci->labels_why = "containerd keeps a container's labels in its database";
	/* init.pid: written by the shim when the task is created */
	if (rpath(m, path, sizeof(path), CONTAINERD_TASKS "/%s/%s/init.pid", ns, ci->id) == 0)
		ci->started_ns = mtime_ns(path);
	return 0;
}

static bool not_k8s(const char *name, void *arg)
{
	return strcmp(name, "k8s.io") != 0;
}

/* containerd: the task's OCI spec, in namespace k8s.io first, then the others. */
static int read_containerd(struct ctrmeta *m, struct ctr_info *ci)
{
	struct fio_names ns = { 0 };
	char path[PATH_MAX];
	int r = containerd_try(m, ci, "k8s.io");

	if (r != -ENOENT)
		return r;
	r = rpath(m, path, sizeof(path), CONTAINERD_TASKS);
	if (r < 0)
		return r;
	r = fio_list(path, not_k8s, NULL, CTR_NAMESPACES_MAX, &ns, NULL);
	if (r < 0 && r != -E2BIG)
		return r == -ENOTDIR ? -ENOENT : r;
	r = -ENOENT;
	for (size_t i = 0; i < ns.n && r == -ENOENT; i++)
		r = containerd_try(m, ci, ns.v[i]);
	fio_names_free(&ns);
	return r;
}

/* CRI-O: the OCI spec it keeps in its run root (or storage root), annotations and all. */
static int read_crio(struct ctrmeta *m, struct ctr_info *ci)
{
	static const char *const roots[] = { RUNROOT, STORAGE };
	struct json_object *spec = NULL, *ann, *o;
	char path[PATH_MAX];
	const char *v, *dir = NULL, *drv = NULL;
	int r = -ENOENT;

	for (size_t i = 0; i < 2 && r == -ENOENT; i++) {
		for (size_t d = 0; d < sizeof(storage_drivers) / sizeof(storage_drivers[0]); d++) {
			r = rpath(m, path, sizeof(path), "%s/%s-containers/%s/userdata/config.json",
				  roots[i], storage_drivers[d], ci->id);
			if (r < 0)
				return r;
			r = read_json(path, CTR_SPEC_FILE_MAX, &spec);
			if (r != -ENOENT) {
				m->st.spec_reads++;
				dir = roots[i];
				drv = storage_drivers[d];
				break;
			}
		}
	}
	if (r < 0)
		return r;
	ann = jget(spec, "annotations");
	v = jstr(ann, "io.kubernetes.cri-o.Labels");
	o = v ? parse_json(v, strlen(v)) : NULL;
	if (o && json_object_is_type(o, json_type_object)) {
		labels_from(ci, o);
		ci->labels_known = true;
		ci->labels_why = NULL;
	} else {
		ci->labels_why = "CRI-O's spec has no labels annotation";
	}
	json_object_put(o);
	k8s_from_map(ci, get_json, ann);
	k8s_from_map(ci, get_label, ci);
	v = jstr(ann, "io.kubernetes.cri-o.Metadata");
	o = v ? parse_json(v, strlen(v)) : NULL;
	v = jstr(ann, "io.kubernetes.cri-o.ContainerType");
	if (v && !strcmp(v, "sandbox")) {
		SET(ci, name, ci->pod);
	} else {
		FILL(ci, k8s_container, jstr(o, "name"));
		SET(ci, name, ci->k8s_container);
	}
	json_object_put(o);
	FILL(ci, name, jstr(ann, "io.kubernetes.cri-o.ContainerName"));
	SET(ci, image, jstr(ann, "io.kubernetes.cri-o.ImageName"));
	SET(ci, image_id, bare_digest(jstr(ann, "io.kubernetes.cri-o.Image")));
	ci->started_ns = ctrmeta_parse_time(jstr(ann, "io.kubernetes.cri-o.Created"));
	ci->privileged = ctrspec_privileged(spec);
	ctrspec_root(ci, spec, NULL);
	json_object_put(spec);
	/* conmon's pidfile, written when the OCI runtime created the container */
	if (rpath(m, path, sizeof(path), "%s/%s-containers/%s/userdata/pidfile", dir, drv,
		  ci->id) == 0 &&
	    mtime_ns(path))
		ci->started_ns = mtime_ns(path);
	return 0;
}

/* A value of machined's state file: "x" or "\"x\"" with backslash escapes. */
static void env_value(char *v)
{
	size_t n = strlen(v), o = 0;

	if (n < 2 || v[0] != '"' || v[n - 1] != '"')
		return;
	for (size_t i = 1; i < n - 1; i++) {
		if (v[i] == '\\' && i + 1 < n - 1)
			i++;
		v[o++] = v[i];
	}
	v[o] = '\0';
}

/* machined: /run/systemd/machines/<name>, KEY=VALUE lines. */
static int read_machine(struct ctrmeta *m, struct ctr_info *ci)
{
	char path[PATH_MAX], *buf, *line, *save = NULL;
	size_t len;
	int r;

	SET(ci, name, ci->id);
	r = rpath(m, path, sizeof(path), "/run/systemd/machines/%s", ci->id);
	if (r < 0)
		return r;
	m->st.spec_reads++;
	r = fio_read(path, CTR_SMALL_FILE_MAX, &buf, &len, NULL);
	if (r < 0)
		return r;
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *eq = strchr(line, '=');
		uint64_t us;

		if (!eq)
			continue;
		*eq++ = '\0';
		env_value(eq);
		if (!strcmp(line, "NAME"))
			SET(ci, name, eq);
		else if (!strcmp(line, "ROOT"))
			SET(ci, image, eq);
		else if (!strcmp(line, "CLASS"))
			ci->vm = !strcmp(eq, "vm");
		else if (!strcmp(line, "REALTIME") && strnum_u64(eq, &us) && us < UINT64_MAX / 1000)
			ci->started_ns = us * 1000;
	}
	free(buf);
	return 0;
}

/* ---- the module -------------------------------------------------------- */

struct ctrmeta *ctrmeta_new(const struct ctrmeta_opts *opts)
{
	struct ctrmeta *m = calloc(1, sizeof(*m));
	const char *root = opts && opts->root ? opts->root : "";
	size_t rl = strlen(root);
	int r;

	if (!m)
		return NULL;
	while (rl && root[rl - 1] == '/')
		rl--;
	if (rl >= sizeof(m->root)) {
		free(m);
		errno = ENAMETOOLONG;
		return NULL;
	}
	memcpy(m->root, root, rl);
	m->root[rl] = '\0';
	if (opts && opts->podman_socket)
		r = snprintf(m->sock, sizeof(m->sock), "%s", opts->podman_socket);
	else
		r = rpath(m, m->sock, sizeof(m->sock), "/run/podman/podman.sock");
	if (r < 0 || (size_t)r >= sizeof(m->sock)) {
		free(m);
		errno = ENAMETOOLONG;
		return NULL;
	}
	m->timeout_ms = opts && opts->api_timeout_ms > 0 ? opts->api_timeout_ms
							 : CTR_API_TIMEOUT_MS;
	m->cancel_fd = opts ? opts->cancel_fd : -1;
	return m;
}

void ctrmeta_free(struct ctrmeta *m)
{
	if (!m)
		return;
	jcache_drop(&m->ctrs);
	jcache_drop(&m->images);
	free(m);
}

void ctrmeta_info_clear(struct ctr_info *info)
{
	if (!info)
		return;
	for (unsigned int i = 0; i < info->nlabels; i++) {
		free(info->labels[i].key);
		free(info->labels[i].value);
	}
	for (unsigned int i = 0; i < info->nmounts; i++) {
		free(info->mounts[i].dst);
		free(info->mounts[i].src);
	}
	memset(info, 0, sizeof(*info));
}

void ctrmeta_stats(const struct ctrmeta *m, struct ctrmeta_stats *ret)
{
	*ret = m->st;
}

/* strdup() that keeps NULL: true unless memory ran out. */
static bool dup_or_null(char **dst, const char *src)
{
	*dst = src ? strdup(src) : NULL;
	return !src || *dst;
}

int ctrmeta_info_copy(struct ctr_info *dst, const struct ctr_info *src)
{
	bool ok = true;

	*dst = *src;
	for (unsigned int i = 0; i < src->nlabels; i++) {
		ok &= dup_or_null(&dst->labels[i].key, src->labels[i].key);
		ok &= dup_or_null(&dst->labels[i].value, src->labels[i].value);
	}
	for (unsigned int i = 0; i < src->nmounts; i++) {
		ok &= dup_or_null(&dst->mounts[i].dst, src->mounts[i].dst);
		ok &= dup_or_null(&dst->mounts[i].src, src->mounts[i].src);
	}
	if (!ok) {
		ctrmeta_info_clear(dst); /* free(NULL) for what failed */
		return -ENOMEM;
	}
	return 0;
}

/* Why there are no labels after a failed read. */
static void why_unread(struct ctr_info *ci, int r)
{
	if (r < 0 && !ci->labels_known)
		ci->labels_why = r == -ENOENT ? "the runtime's state does not have the container"
					      : "the runtime's state could not be read";
}

int ctrmeta_read(struct ctrmeta *m, const struct ctr_ref *ref, struct ctr_info *ret)
{
	int r = ctrmeta_read_files(m, ref, ret);

	if (ret->labels_pending) {
		ctrmeta_read_api(m, ret);
		why_unread(ret, r);
	}
	return r;
}

void ctrmeta_read_api(struct ctrmeta *m, struct ctr_info *info)
{
	if (!info->labels_pending)
		return;
	info->labels_pending = false;
	if (info->runtime == CTR_RT_PODMAN)
		podman_api(m, info);
	k8s_from_map(info, get_label, info);
	FILL(info, name, info->k8s_container);
}

int ctrmeta_read_files(struct ctrmeta *m, const struct ctr_ref *ref, struct ctr_info *ret)
{
	int r;

	memset(ret, 0, sizeof(*ret));
	ret->runtime = ref->runtime;
	ret->privileged = -1;
	ret->labels_why = "the runtime keeps no labels";
	snprintf(ret->id, sizeof(ret->id), "%s", ref->id);
	snprintf(ret->pod_uid, sizeof(ret->pod_uid), "%s", ref->pod_uid);
	switch (ref->runtime) {
	case CTR_RT_PODMAN:
		r = read_podman(m, ret);
		break;
	case CTR_RT_DOCKER:
		r = read_docker(m, ret);
		break;
	case CTR_RT_CONTAINERD:
		r = read_containerd(m, ret);
		break;
	case CTR_RT_CRIO:
		r = read_crio(m, ret);
		break;
	case CTR_RT_CRI:
		/* cgroupfs driver: whichever runtime's state has the id */
		r = read_containerd(m, ret);
		if (r == 0)
			ret->runtime = CTR_RT_CONTAINERD;
		if (r == -ENOENT) {
			r = read_crio(m, ret);
			if (r == 0)
				ret->runtime = CTR_RT_CRIO;
		}
		if (r == -ENOENT) {
			r = read_docker(m, ret);
			if (r == 0)
				ret->runtime = CTR_RT_DOCKER;
		}
		break;
	case CTR_RT_NSPAWN:
	case CTR_RT_MACHINED:
		r = read_machine(m, ret);
		break;
	case CTR_RT_LXC:
		SET(ret, name, ret->id);
		r = 0;
		break;
	default:
		return -EINVAL;
	}
	k8s_from_map(ret, get_label, ret);
	FILL(ret, name, ret->k8s_container);
	why_unread(ret, r);
	return r;
}
