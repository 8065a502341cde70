// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The NDJSON sink (see sink.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include "sink.h"

struct sink {
	char *path;                 /* NULL: stdout */
	int fd;
	int saved_flags;            /* stdout's flags, restored at close */
	char *buf;
	size_t len;
	size_t cap;
	uint64_t dropped;
	uint64_t written;
};

static int open_file(const char *path)
{
	return open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOCTTY, 0640);
}

struct sink *sink_open(const char *path, size_t buffer_bytes)
{
	struct sink *s = calloc(1, sizeof(*s));
	struct stat st;

	if (!s)
		return NULL;
	s->cap = buffer_bytes ? buffer_bytes : 1 << 20; /* flushed after every batch */
	s->buf = malloc(s->cap);
	s->saved_flags = -1;
	if (!s->buf)
		goto fail;
	if (!path || strcmp(path, "-") == 0) {
		s->fd = STDOUT_FILENO;
		/* never block the pipeline on a slow pipe or socket reader */
		if (fstat(s->fd, &st) == 0 && (S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode))) {
			s->saved_flags = fcntl(s->fd, F_GETFL);
			if (s->saved_flags >= 0)
				fcntl(s->fd, F_SETFL, s->saved_flags | O_NONBLOCK);
		}
	} else {
		s->path = strdup(path);
		if (!s->path)
			goto fail;
		s->fd = open_file(path);
		if (s->fd < 0)
			goto fail;
	}
	return s;
fail:
	{
		int e = errno;

		free(s->path);
		free(s->buf);
		free(s);
		errno = e;
	}
	return NULL;
}

void sink_close(struct sink *s)
{
	if (!s)
		return;
	sink_flush(s);
	if (s->path)
		close(s->fd);
	else if (s->saved_flags >= 0)
		fcntl(s->fd, F_SETFL, s->saved_flags);
	free(s->path);
	free(s->buf);
	free(s);
}

void sink_write(struct sink *s, const char *line, size_t len)
{
	if (s->len + len + 1 > s->cap) {
		sink_flush(s);
		if (s->len + len + 1 > s->cap) {
			s->dropped++;
			return;
		}
	}
	memcpy(s->buf + s->len, line, len);
	s->buf[s->len + len] = '\n';
	s->len += len + 1;
	s->written++;
}

int sink_flush(struct sink *s)
{
	size_t off = 0;

	while (off < s->len) {
		ssize_t n = write(s->fd, s->buf + off, s->len - off);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN)
				break; /* the reader is slow: keep the rest for later */
			{
				int e = errno;

				s->len = 0; /* a dead output: do not grow stale */
				return -e;
			}
		}
		off += n;
	}
	memmove(s->buf, s->buf + off, s->len - off);
	s->len -= off;
	return 0;
}

int sink_reopen(struct sink *s)
{
	int fd;

	if (!s->path)
		return 0;
	sink_flush(s);
	fd = open_file(s->path);
	if (fd < 0)
		return -errno;
	close(s->fd);
	s->fd = fd;
	return 0;
}

uint64_t sink_dropped(const struct sink *s)
{
	return s->dropped;
}

uint64_t sink_written(const struct sink *s)
{
	return s->written;
}

const char *sink_path(const struct sink *s)
{
	return s->path ? s->path : "-";
}
