// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Listening Unix sockets (see usock.h), for control.c and the metrics
 * endpoint: one way to make the directory, judge what is already at the
 * path, and set the group and mode.
 */
#include <errno.h>
#include <grp.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include "usock.h"

#define LOG(o, prio, ...)                                \
	do {                                             \
		if ((o)->log)                            \
			(o)->log(prio, __VA_ARGS__);     \
	} while (0)

int usock_group(const char *name, gid_t *ret)
{
	struct group gr, *res = NULL;
	char buf[4096];
	int r;

	r = getgrnam_r(name, &gr, buf, sizeof(buf), &res);
	if (r != 0 || !res)
		return r ? -r : -ENOENT;
	*ret = gr.gr_gid;
	return 0;
}

/* Create the socket's directory (last component only) 0750, group gid when known. */
static int make_dir(const struct usock_opts *o, gid_t gid, bool have_gid)
{
	char *dir = strdup(o->path), *slash;
	int r = 0;

	if (!dir)
		return -ENOMEM;
	slash = strrchr(dir, '/');
	if (!slash || slash == dir)
		goto out;
	*slash = '\0';
	if (mkdir(dir, 0750) < 0) {
		if (errno != EEXIST) {
			r = -errno;
			LOG(o, LOG_ERR, "%s: cannot create '%s': %m", o->who, dir);
		}
		goto out;
	}
	if (chmod(dir, 0750) < 0 || (have_gid && chown(dir, (uid_t)-1, gid) < 0)) {
		r = -errno;
		LOG(o, LOG_ERR, "%s: cannot set the owner and mode of '%s': %m", o->who, dir);
	}
out:
	free(dir);
	return r;
}

/* Remove a stale socket at the path; refuse when a live daemon answers or when it is no socket. */
static int remove_stale(const struct usock_opts *o, const struct sockaddr_un *sa)
{
	struct stat st;
	int fd, r;

	if (lstat(sa->sun_path, &st) < 0)
		return errno == ENOENT ? 0 : -errno;
	if (!S_ISSOCK(st.st_mode)) {
		LOG(o, LOG_ERR, "%s: '%s' exists and is not a socket; not touching it", o->who,
		    sa->sun_path);
		return -EEXIST;
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -errno;
	r = connect(fd, (const struct sockaddr *)sa, sizeof(*sa));
	if (r < 0)
		r = -errno;
	close(fd);
	if (r == 0 || r == -EAGAIN || r == -EINPROGRESS) {
		LOG(o, LOG_ERR, "%s: another daemon is listening on '%s'", o->who, sa->sun_path);
		return -EADDRINUSE;
	}
	if (r != -ECONNREFUSED) {
		LOG(o, LOG_ERR, "%s: cannot probe '%s': %s", o->who, sa->sun_path, strerror(-r));
		return r;
	}
	if (unlink(sa->sun_path) < 0 && errno != ENOENT)
		return -errno;
	LOG(o, LOG_INFO, "%s: removed the stale socket '%s'", o->who, sa->sun_path);
	return 0;
}

int usock_listen(const struct usock_opts *o, struct usock *ret)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	bool have_gid = false;
	struct stat st;
	gid_t gid = 0;
	mode_t old;
	int fd, r;

	if (!o->path || o->path[0] != '/' || strlen(o->path) >= sizeof(sa.sun_path)) {
		LOG(o, LOG_ERR, "%s: bad socket path '%s'", o->who, o->path ? o->path : "");
		return -EINVAL;
	}
	strcpy(sa.sun_path, o->path);

	if (o->group && *o->group) {
		if (usock_group(o->group, &gid) == 0)
			have_gid = true;
		else
			LOG(o, LOG_WARNING, "%s: group '%s' does not exist; only root and root's "
			    "group can use '%s'", o->who, o->group, o->path);
	}
	r = make_dir(o, gid, have_gid);
	if (r < 0)
		return r;
	r = remove_stale(o, &sa);
	if (r < 0)
		return r;

	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -errno;
	/* Nobody but us may connect before the group and mode are set. */
	old = umask(0177);
	r = bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ? -errno : 0;
	umask(old);
	if (r < 0) {
		LOG(o, LOG_ERR, "%s: bind '%s': %s", o->who, o->path, strerror(-r));
		close(fd);
		return r;
	}
	if (have_gid && chown(o->path, (uid_t)-1, gid) < 0)
		LOG(o, LOG_WARNING, "%s: cannot give '%s' to group '%s': %m", o->who, o->path,
		    o->group);
	if (chmod(o->path, 0660) < 0 || stat(o->path, &st) < 0) {
		r = -errno;
		LOG(o, LOG_ERR, "%s: chmod '%s': %s", o->who, o->path, strerror(-r));
		goto fail;
	}
	if (listen(fd, o->backlog) < 0) {
		r = -errno;
		LOG(o, LOG_ERR, "%s: listen on '%s': %s", o->who, o->path, strerror(-r));
		goto fail;
	}
	ret->fd = fd;
	strcpy(ret->path, o->path);
	ret->dev = st.st_dev;
	ret->ino = st.st_ino;
	ret->gid = st.st_gid;
	return 0;
fail:
	unlink(o->path);
	close(fd);
	return r;
}

void usock_unlink(const struct usock *s)
{
	struct stat st;

	if (s->path[0] && stat(s->path, &st) == 0 && st.st_dev == s->dev && st.st_ino == s->ino)
		unlink(s->path);
}
