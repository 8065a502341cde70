/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The daemon's listening Unix sockets (the control socket, the metrics
 * socket): the socket's directory (the last component made 0750, in the
 * socket's group), a stale socket removed but a live one or a file that is
 * no socket refused, the bind under a umask that lets nobody in before the
 * group and mode 0660 are set, and the listen.  Removal on exit only while
 * the file is still the one made here.
 */
#ifndef SG_USOCK_H
#define SG_USOCK_H

#include <sys/types.h>
#include <sys/un.h>

struct usock_opts {
	const char *path;            /* absolute, shorter than sun_path */
	const char *group;           /* the socket's group; NULL or "": root's */
	const char *who;             /* prefix of messages: "control" */
	int backlog;
	/* Diagnostics (syslog priorities). NULL: silent. */
	void (*log)(int prio, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
};

struct usock {
	int fd;                      /* listening, non-blocking, close-on-exec */
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	dev_t dev;                   /* the socket file, to remove it only while it is ours */
	ino_t ino;
	gid_t gid;                   /* its group */
};

/*
 * Create the socket at o->path and listen.  Returns 0 with *ret filled, or
 * -errno (the reason logged: -EADDRINUSE when a live daemon answers there,
 * -EEXIST when the path is no socket); *ret is untouched on failure.
 */
int usock_listen(const struct usock_opts *o, struct usock *ret);

/* Remove the socket file if it is still the one usock_listen() made (the fd stays open). */
void usock_unlink(const struct usock *s);

/* The gid of group name: 0, or -ENOENT (no such group) or -errno. */
int usock_group(const char *name, gid_t *ret);

#endif /* SG_USOCK_H */
