// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The node_exporter textfile (see metrics_textfile.h): a persistent timer
 * of the event loop and the atomic write.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>
#include <event2/event.h>
#include "metrics_textfile.h"

struct metrics_textfile {
	char *path;
	struct event *ev;
	int err;                         /* last write's -errno, logged once per change */
	int (*render)(void *arg, const char **ret_text);
	void *arg;
	void (*log)(int prio, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
};

#define LOG(t, prio, ...)                                  \
	do {                                               \
		if ((t)->log)                              \
			(t)->log(prio, __VA_ARGS__);       \
	} while (0)

int metrics_textfile_write(const char *path, const char *text, size_t len)
{
	char tmp[4200];
	size_t off = 0;
	int fd, r = 0;

	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= sizeof(tmp))
		return -ENAMETOOLONG;
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (fd < 0)
		return -errno;
	while (off < len) {
		ssize_t w = write(fd, text + off, len - off);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			r = w < 0 ? -errno : -EIO;
			break;
		}
		off += w;
	}
	if (close(fd) < 0 && !r)
		r = -errno;
	if (!r && rename(tmp, path) < 0)
		r = -errno;
	if (r)
		unlink(tmp);
	return r;
}

static int write_now(struct metrics_textfile *t)
{
	const char *text;
	int n = t->render(t->arg, &text);

	return n < 0 ? n : metrics_textfile_write(t->path, text, n);
}

static void on_timer(evutil_socket_t fd, short what, void *arg)
{
	struct metrics_textfile *t = arg;
	int r = write_now(t);

	if (r < 0 && r != t->err)
		LOG(t, LOG_WARNING, "metrics: cannot write '%s': %s", t->path, strerror(-r));
	else if (r == 0 && t->err)
		LOG(t, LOG_INFO, "metrics: writing '%s' again", t->path);
	t->err = r;
}

struct metrics_textfile *metrics_textfile_new(struct event_base *base,
					      const struct metrics_textfile_opts *o)
{
	uint32_t ms = o->interval_ms ? o->interval_ms : METRICS_TEXTFILE_INTERVAL_MS;
	struct timeval tv = { ms / 1000, (ms % 1000) * 1000 };
	struct metrics_textfile *t = calloc(1, sizeof(*t));
	int r;

	if (!t)
		return NULL;
	t->render = o->render;
	t->arg = o->arg;
	t->log = o->log;
	t->path = strdup(o->path);
	t->ev = t->path ? event_new(base, -1, EV_PERSIST, on_timer, t) : NULL;
	if (!t->ev || event_add(t->ev, &tv) < 0) {
		r = -ENOMEM;
		goto fail;
	}
	r = write_now(t);
	if (r < 0) {
		LOG(t, LOG_ERR, "metrics: cannot write '%s': %s", t->path, strerror(-r));
		goto fail;
	}
	return t;
fail:
	if (t->ev)
		event_free(t->ev);
	free(t->path);
	free(t);
	errno = -r;
	return NULL;
}

void metrics_textfile_free(struct metrics_textfile *t)
{
	if (!t)
		return;
	on_timer(-1, 0, t); /* the last values */
	event_free(t->ev);
	free(t->path);
	free(t);
}
