// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Unit tests of sysguardd/usock.c in a temporary directory: the socket's
 * directory and mode, its group, a stale socket replaced, a live one and a
 * file that is no socket refused, bad paths, and removal only while the
 * file is still ours.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <cmocka.h>
#include "usock.h"

static char dir[64];
static char last[512];

static void __attribute__((format(printf, 2, 3))) test_log(int prio, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(last, sizeof(last), fmt, ap);
	va_end(ap);
}

static int setup(void **state)
{
	snprintf(dir, sizeof(dir), "/tmp/sg-usock-XXXXXX");
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static int connect_to(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	assert_true(fd >= 0);
	strcpy(sa.sun_path, path);
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		close(fd);
		return -errno;
	}
	return fd;
}

static void listens(void **state)
{
	struct group *gr = getgrgid(getgid());
	char path[160], sub[128];
	struct usock_opts o = { .path = path, .group = gr ? gr->gr_name : NULL, .who = "test",
				.backlog = 4, .log = test_log };
	struct usock s;
	struct stat st;
	int fd, fl;

	snprintf(sub, sizeof(sub), "%s/run", dir);
	snprintf(path, sizeof(path), "%s/x.sock", sub);
	assert_int_equal(usock_listen(&o, &s), 0);
	assert_string_equal(s.path, path);
	fl = fcntl(s.fd, F_GETFL);
	assert_true(fl & O_NONBLOCK);
	assert_true(fcntl(s.fd, F_GETFD) & FD_CLOEXEC);
	assert_int_equal(stat(sub, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0750);
	assert_int_equal(stat(path, &st), 0);
	assert_true(S_ISSOCK(st.st_mode));
	assert_int_equal(st.st_mode & 07777, 0660);
	assert_int_equal(s.dev, st.st_dev);
	assert_int_equal(s.ino, st.st_ino);
	assert_int_equal(s.gid, st.st_gid);
	if (gr)
		assert_int_equal(st.st_gid, gr->gr_gid);
	fd = connect_to(path);
	assert_true(fd >= 0);
	close(fd);

	/* a live one is refused */
	{
		struct usock s2 = { .fd = -7 };

		assert_int_equal(usock_listen(&o, &s2), -EADDRINUSE);
		assert_int_equal(s2.fd, -7);
		assert_non_null(strstr(last, "test: another daemon is listening on"));
	}
	close(s.fd);
	usock_unlink(&s);
	assert_int_equal(access(path, F_OK), -1);
}

static void stale_replaced(void **state)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char path[128];
	struct usock_opts o = { .path = path, .who = "test", .backlog = 4, .log = test_log };
	struct usock s;
	int fd;

	snprintf(path, sizeof(path), "%s/stale.sock", dir);
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	close(fd); /* bound, never listened: refuses connections */
	assert_int_equal(usock_listen(&o, &s), 0);
	assert_non_null(strstr(last, "removed the stale socket"));
	fd = connect_to(path);
	assert_true(fd >= 0);
	close(fd);
	close(s.fd);
	usock_unlink(&s);
}

static void refused(void **state)
{
	char path[128], buf[200];
	struct usock_opts o = { .path = path, .who = "test", .backlog = 4, .log = test_log };
	struct usock s;
	int fd;

	/* a file that is no socket stays */
	snprintf(path, sizeof(path), "%s/file", dir);
	fd = open(path, O_CREAT | O_WRONLY | O_CLOEXEC, 0600);
	close(fd);
	assert_int_equal(usock_listen(&o, &s), -EEXIST);
	assert_non_null(strstr(last, "is not a socket"));
	assert_int_equal(access(path, F_OK), 0);

	/* relative, too long */
	o.path = "rel.sock";
	assert_int_equal(usock_listen(&o, &s), -EINVAL);
	assert_non_null(strstr(last, "bad socket path 'rel.sock'"));
	memset(buf, 'a', sizeof(buf) - 1);
	buf[0] = '/';
	buf[sizeof(buf) - 1] = '\0';
	o.path = buf;
	assert_int_equal(usock_listen(&o, &s), -EINVAL);

	/* a group that does not exist: a warning, the socket all the same */
	snprintf(path, sizeof(path), "%s/g.sock", dir);
	o.path = path;
	o.group = "sg-no-such-group-here";
	assert_int_equal(usock_listen(&o, &s), 0);
	assert_non_null(strstr(last, "group 'sg-no-such-group-here' does not exist"));
	close(s.fd);
	usock_unlink(&s);
}

/* Only the file made here is removed: not one that replaced it. */
static void unlink_only_ours(void **state)
{
	char path[128], moved[140];
	struct usock_opts o = { .path = path, .who = "test", .backlog = 4 };
	struct usock s;
	int fd;

	snprintf(path, sizeof(path), "%s/ours.sock", dir);
	snprintf(moved, sizeof(moved), "%s.old", path);
	assert_int_equal(usock_listen(&o, &s), 0);
	assert_int_equal(rename(path, moved), 0);
	fd = open(path, O_CREAT | O_WRONLY | O_CLOEXEC, 0600);
	close(fd);
	usock_unlink(&s);
	assert_int_equal(access(path, F_OK), 0);
	close(s.fd);
}

static void groups(void **state)
{
	gid_t gid = 12345;

	assert_int_equal(usock_group("root", &gid), 0);
	assert_int_equal(gid, 0);
	gid = 12345;
	assert_int_equal(usock_group("sg-no-such-group-here", &gid), -ENOENT);
	assert_int_equal(gid, 12345);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(listens),
		cmocka_unit_test(stale_replaced),
		cmocka_unit_test(refused),
		cmocka_unit_test(unlink_only_ours),
		cmocka_unit_test(groups),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
