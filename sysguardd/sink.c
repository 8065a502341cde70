// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The sink helpers and the NDJSON sink (see sink.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <json-c/json.h>
#include "sink.h"

void sink_stats_extra(struct sink_stats *st, const char *key, uint64_t value)
{
	if (st->nextra < SINK_EXTRA_MAX) {
		st->extra[st->nextra].key = key;
		st->extra[st->nextra].value = value;
		st->nextra++;
	}
}

uint64_t sink_stats_get(const struct sink_stats *st, const char *key)
{
	for (size_t i = 0; i < st->nextra; i++)
		if (!strcmp(st->extra[i].key, key))
			return st->extra[i].value;
	return 0;
}

struct json_object *sink_stats_json(const struct sink_stats *st)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "name", json_object_new_string(st->name));
	if (st->path)
		json_object_object_add(o, "path", json_object_new_string(st->path));
	json_object_object_add(o, "written", json_object_new_uint64(st->written));
	json_object_object_add(o, "dropped", json_object_new_uint64(st->dropped));
	json_object_object_add(o, "queued", json_object_new_uint64(st->queued));
	json_object_object_add(o, "bytes", json_object_new_uint64(st->bytes));
	json_object_object_add(o, "failing", json_object_new_boolean(st->failing));
	json_object_object_add(o, "last_error", st->last_error ?
			       json_object_new_string(strerror(st->last_error)) : NULL);
	for (size_t i = 0; i < st->nextra; i++)
		json_object_object_add(o, st->extra[i].key, json_object_new_uint64(st->extra[i].value));
	return o;
}

struct ndjson {
	struct sink base;
	char *path;                 /* NULL: stdout */
	int fd;
	int saved_flags;            /* stdout's flags, restored at close */
	bool regular;               /* a regular file: torn lines are cut back off it */
	bool dead;                  /* the reader is gone (EPIPE): everything is dropped */
	bool midline;               /* buf starts inside a line whose start is written */
	dev_t dev;
	ino_t ino;
	char *buf;
	size_t len;
	size_t cap;
	uint64_t lines;             /* complete or partial lines in buf */
	uint64_t written;
	uint64_t dropped;
	uint64_t dropped_type[SG_EV_MAX];
	uint64_t bytes;
	uint64_t reopens;
	int last_error;
	bool failing;
};

#define NDJSON(s) ((struct ndjson *)(s))

static int open_file(const char *path)
{
	return open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOCTTY, 0640);
}

static void remember_file(struct ndjson *n)
{
	struct stat st;

	n->regular = false;
	if (fstat(n->fd, &st) == 0) {
		n->regular = S_ISREG(st.st_mode);
		n->dev = st.st_dev;
		n->ino = st.st_ino;
	}
}

static size_t count_lines(const char *p, size_t len)
{
	const char *end = p + len;
	size_t c = 0;

	while (p < end && (p = memchr(p, '\n', end - p))) {
		c++;
		p++;
	}
	return c;
}

/* Drop everything buffered (the reader is gone); the types are unknown by now. */
static void discard(struct ndjson *n)
{
	n->dropped += n->lines;
	n->lines = 0;
	n->len = 0;
	n->midline = false;
}

static void ndjson_write(struct sink *s, const struct sg_event *ev, const char *line, size_t len)
{
	struct ndjson *n = NDJSON(s);

	if (!n->dead && n->len + len + 1 > n->cap && !n->failing)
		s->ops->flush(s); /* a burst larger than the buffer */
	if (n->dead || n->len + len + 1 > n->cap) {
		n->dropped++;
		if (ev && (unsigned int)ev->type < SG_EV_MAX)
			n->dropped_type[ev->type]++;
		return;
	}
	memcpy(n->buf + n->len, line, len);
	n->buf[n->len + len] = '\n';
	n->len += len + 1;
	n->lines++;
}

/*
 * A write stopped inside a line: cut the part of it that reached the file
 * back off, so that the file holds only whole lines and the line is written
 * again whole.  Returns how many bytes of buf[0..off) remain written.
 */
static size_t cut_torn_line(struct ndjson *n, size_t off)
{
	const char *nl = memrchr(n->buf, '\n', off);
	size_t start = nl ? (size_t)(nl - n->buf) + 1 : 0;
	size_t part = off - start;
	struct stat st;

	if (!n->regular || part == 0)
		return off;
	if (fstat(n->fd, &st) < 0 || (uint64_t)st.st_size < part ||
	    ftruncate(n->fd, st.st_size - part) < 0)
		return off; /* then it is finished before anything else */
	return start;
}

static int ndjson_flush(struct sink *s)
{
	struct ndjson *n = NDJSON(s);
	size_t off = 0, done;
	int err = 0;

	if (n->dead)
		return 0;
	while (off < n->len) {
		ssize_t w = write(n->fd, n->buf + off, n->len - off);

		if (w >= 0) {
			off += w;
			continue;
		}
		if (errno == EINTR)
			continue;
		err = errno;
		break;
	}
	if (err && err != EAGAIN)
		n->last_error = err;
	if (err == EPIPE) {
		/* nobody will ever read this pipe again: count, do not die */
		n->dead = true;
		n->failing = true;
		done = count_lines(n->buf, off);
		n->written += done;
		n->lines -= done;
		n->bytes += off;
		discard(n);
		return -EPIPE;
	}
	if (err && off > 0 && n->buf[off - 1] != '\n')
		off = cut_torn_line(n, off);
	/* all of it (the usual case): no need to count the lines again */
	done = off == n->len && !n->midline ? n->lines : count_lines(n->buf, off);
	n->written += done;
	n->lines -= done;
	n->bytes += off;
	if (off > 0)
		n->midline = n->buf[off - 1] != '\n';
	memmove(n->buf, n->buf + off, n->len - off);
	n->len -= off;
	n->failing = n->len > 0;
	return err && err != EAGAIN ? -err : 0;
}

static int ndjson_reopen(struct sink *s)
{
	struct ndjson *n = NDJSON(s);
	int fd;

	if (!n->path)
		return 0;
	ndjson_flush(s); /* into the old file: a renamed file keeps its lines */
	fd = open_file(n->path);
	if (fd < 0) {
		n->last_error = errno;
		return -errno;
	}
	if (n->midline) {
		/* the start of this line is in the old file: it cannot be made whole */
		const char *nl = memchr(n->buf, '\n', n->len);
		size_t cut = nl ? (size_t)(nl - n->buf) + 1 : n->len;

		memmove(n->buf, n->buf + cut, n->len - cut);
		n->len -= cut;
		n->lines--;
		n->dropped++;
		n->midline = false;
	}
	close(n->fd);
	n->fd = fd;
	remember_file(n);
	n->reopens++;
	return 0;
}

/* A file deleted (no links left) or renamed away (another file, or none, at the path). */
static void ndjson_tick(struct sink *s)
{
	struct ndjson *n = NDJSON(s);
	struct stat st;
	bool gone;

	if (!n->path)
		return;
	if (fstat(n->fd, &st) == 0 && st.st_nlink == 0)
		gone = true;
	else if (stat(n->path, &st) < 0)
		gone = errno == ENOENT;
	else
		gone = st.st_dev != n->dev || st.st_ino != n->ino;
	if (gone)
		ndjson_reopen(s);
	else if (n->failing)
		ndjson_flush(s);
}

static void ndjson_stats(const struct sink *s, struct sink_stats *st)
{
	const struct ndjson *n = (const struct ndjson *)s;

	memset(st, 0, sizeof(*st));
	st->name = "ndjson";
	st->where = "output";
	st->path = n->path ? n->path : "-";
	st->written = n->written;
	st->dropped = n->dropped;
	memcpy(st->dropped_type, n->dropped_type, sizeof(st->dropped_type));
	st->queued = n->lines;
	st->bytes = n->bytes;
	st->last_error = n->last_error;
	st->failing = n->failing;
	sink_stats_extra(st, "reopens", n->reopens);
	sink_stats_extra(st, "buffer_bytes", n->cap);
}

static void ndjson_free(struct sink *s)
{
	struct ndjson *n = NDJSON(s);

	ndjson_flush(s);
	if (n->path)
		close(n->fd);
	else if (n->saved_flags >= 0)
		fcntl(n->fd, F_SETFL, n->saved_flags);
	free(n->path);
	free(n->buf);
	free(n);
}

static const struct sink_ops ndjson_ops = {
	.write = ndjson_write,
	.flush = ndjson_flush,
	.stats = ndjson_stats,
	.reopen = ndjson_reopen,
	.tick = ndjson_tick,
	.free = ndjson_free,
};

struct sink *sink_ndjson_new(const char *path, size_t buffer_bytes)
{
	struct ndjson *n = calloc(1, sizeof(*n));
	struct stat st;
	int e;

	if (!n)
		return NULL;
	n->base.ops = &ndjson_ops;
	n->fd = -1;
	/* flushed after every batch; a pipe's reader may lag, a file's writes do not */
	n->cap = buffer_bytes ? buffer_bytes : path && strcmp(path, "-") ? 256 << 10 : 1 << 20;
	n->buf = malloc(n->cap);
	n->saved_flags = -1;
	if (!n->buf)
		goto fail;
	if (!path || strcmp(path, "-") == 0) {
		n->fd = STDOUT_FILENO;
		/* never block the pipeline on a slow pipe or socket reader */
		if (fstat(n->fd, &st) == 0 && (S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode))) {
			n->saved_flags = fcntl(n->fd, F_GETFL);
			if (n->saved_flags >= 0)
				fcntl(n->fd, F_SETFL, n->saved_flags | O_NONBLOCK);
		}
		remember_file(n);
	} else {
		char dir[4096], *slash;

		n->path = strdup(path);
		if (!n->path)
			goto fail;
		/* the file's directory, the last component only (as /var/log/sysguard) */
		snprintf(dir, sizeof(dir), "%s", path);
		slash = strrchr(dir, '/');
		if (slash && slash != dir) {
			*slash = '\0';
			mkdir(dir, 0750);
		}
		n->fd = open_file(path);
		if (n->fd < 0)
			goto fail;
		remember_file(n);
	}
	return &n->base;
fail:
	e = errno;
	free(n->path);
	free(n->buf);
	free(n);
	errno = e;
	return NULL;
}
