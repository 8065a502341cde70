// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Unit tests of sysguardd/pinlink.c without root: the pin directory, the
 * pin paths, and what a failed attach leaves (nothing taken, what was
 * pinned kept, a file that is no link removed only when replacing).  Real
 * links need root: the system tests (test_enforce.py) restart the daemon
 * over pinned links.
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
#include <unistd.h>
#include <sys/stat.h>
#include <cmocka.h>
#include <linux/types.h>
#include <bpf/libbpf.h>
#include "pinlink.h"
#include "enforce.skel.h"

static char dir[64];
static struct enforce_bpf *skel;

static int setup(void **state)
{
	snprintf(dir, sizeof(dir), "/tmp/sg-pinlink-XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	skel = enforce_bpf__open();
	return skel ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[128];

	enforce_bpf__destroy(skel);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static int calls;

static struct bpf_link *attach_fails(struct bpf_program *prog, void *arg)
{
	calls++;
	errno = *(int *)arg;
	return NULL;
}

static void make_file(const char *path)
{
	int fd = open(path, O_CREAT | O_WRONLY | O_CLOEXEC, 0600);

	assert_true(fd >= 0);
	close(fd);
}

static void directory(void **state)
{
	char sub[128], err[256] = "";
	struct pinlinks *pl;
	struct stat st;

	snprintf(sub, sizeof(sub), "%s/pins", dir);
	pl = pinlinks_new(sub, "blocks", PINLINK_UPDATE, err, sizeof(err));
	assert_non_null(pl);
	assert_int_equal(stat(sub, &st), 0);
	assert_true(S_ISDIR(st.st_mode));
	assert_int_equal(st.st_mode & 07777, 0700);
	assert_int_equal(pinlinks_count(pl), 0);
	assert_false(pinlinks_adopted(pl));
	pinlinks_free(pl, true);
	/* there already: fine */
	pl = pinlinks_new(sub, "blocks", PINLINK_REPLACE, err, sizeof(err));
	assert_non_null(pl);
	pinlinks_free(pl, false);
	pinlinks_free(NULL, true);

	snprintf(sub, sizeof(sub), "%s/no/pins", dir);
	assert_null(pinlinks_new(sub, "blocks", PINLINK_UPDATE, err, sizeof(err)));
	assert_int_equal(errno, ENOENT);
	assert_non_null(strstr(err, "cannot create"));
	assert_non_null(strstr(err, sub));
}

static void paths(void **state)
{
	struct bpf_program *prog = bpf_object__find_program_by_name(skel->obj, "enf_bind4");
	struct pinlinks *pl = pinlinks_new(dir, "blocks", PINLINK_UPDATE, NULL, 0);
	char want[128], buf[128];

	assert_non_null(prog);
	assert_non_null(pl);
	snprintf(want, sizeof(want), "%s/link_enf_bind4", dir);
	assert_int_equal(pinlinks_path(pl, prog, buf, sizeof(buf)), 0);
	assert_string_equal(buf, want);
	assert_int_equal(pinlinks_path(pl, prog, buf, strlen(want)), -ENAMETOOLONG);
	pinlinks_free(pl, false);
}

/* A failed attach: its errno, nothing taken; a pinned file stays unless replacing. */
static void failed_attach(void **state)
{
	struct bpf_program *prog = bpf_object__find_program_by_name(skel->obj, "enf_connect4");
	struct pinlinks *pl;
	char path[128];
	int e = EPERM;

	assert_non_null(prog);
	pl = pinlinks_new(dir, "blocks", PINLINK_UPDATE, NULL, 0);
	assert_non_null(pl);
	assert_int_equal(pinlinks_path(pl, prog, path, sizeof(path)), 0);
	calls = 0;
	assert_int_equal(pinlinks_attach(pl, prog, attach_fails, &e), -EPERM);
	assert_int_equal(calls, 1);
	assert_int_equal(pinlinks_count(pl), 0);
	assert_int_equal(access(path, F_OK), -1);

	/* not a link (no bpffs here): an update cannot take it; the failed attach leaves it */
	make_file(path);
	assert_int_equal(pinlinks_attach(pl, prog, attach_fails, &e), -EPERM);
	assert_int_equal(access(path, F_OK), 0);
	assert_false(pinlinks_adopted(pl));
	pinlinks_free(pl, true);

	/* replacing: a file that is no link is removed before the attach */
	pl = pinlinks_new(dir, "blocks", PINLINK_REPLACE, NULL, 0);
	assert_non_null(pl);
	e = EOPNOTSUPP;
	assert_int_equal(pinlinks_attach(pl, prog, attach_fails, &e), -EOPNOTSUPP);
	assert_int_equal(access(path, F_OK), -1);
	assert_false(pinlinks_adopted(pl));
	assert_int_equal(pinlinks_count(pl), 0);
	pinlinks_free(pl, false);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(directory),
		cmocka_unit_test(paths),
		cmocka_unit_test(failed_attach),
	};

	libbpf_set_print(NULL);
	return cmocka_run_group_tests(tests, setup, teardown);
}
