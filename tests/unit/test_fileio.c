// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Unit tests for shared/fileio.c: bounded whole-file reads and sorted
 * directory listings, on files made in a temporary directory.
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
#include "fileio.h"

static char dir[64];

static void put(const char *name, const char *text)
{
	char p[128];
	FILE *f;

	assert_int_equal(fio_join(p, sizeof(p), dir, name), 0);
	f = fopen(p, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static int setup(void **state)
{
	snprintf(dir, sizeof(dir), "/tmp/sg-fileio-XXXXXX");
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static void read_whole(void **state)
{
	char p[128], *buf;
	size_t len;

	put("a", "hello\n");
	fio_join(p, sizeof(p), dir, "a");
	assert_int_equal(fio_read(p, 64, &buf, &len, NULL), 0);
	assert_int_equal(len, 6);
	assert_string_equal(buf, "hello\n");
	free(buf);
	put("empty", "");
	fio_join(p, sizeof(p), dir, "empty");
	assert_int_equal(fio_read(p, 64, &buf, &len, NULL), 0);
	assert_int_equal(len, 0);
	assert_string_equal(buf, "");
	free(buf);
}

static void read_refused(void **state)
{
	const char *why = NULL;
	char p[128], *buf = NULL;
	size_t len;

	put("big", "0123456789");
	fio_join(p, sizeof(p), dir, "big");
	assert_int_equal(fio_read(p, 9, &buf, &len, &why), -EFBIG);
	assert_string_equal(why, "file too large");
	assert_null(buf);
	assert_int_equal(fio_read(p, 10, &buf, &len, NULL), 0);
	free(buf);
	buf = NULL;
	assert_int_equal(fio_read(dir, 4096, &buf, &len, &why), -EINVAL);
	assert_string_equal(why, "not a regular file");
	fio_join(p, sizeof(p), dir, "missing");
	assert_int_equal(fio_read(p, 4096, &buf, &len, &why), -ENOENT);
	assert_string_equal(why, strerror(ENOENT));
	assert_null(buf);
}

/* A pseudo file with st_size 0 is read to its end, still bounded. */
static void read_proc(void **state)
{
	char *buf;
	size_t len;

	assert_int_equal(fio_read("/proc/self/status", 1 << 20, &buf, &len, NULL), 0);
	assert_non_null(strstr(buf, "Pid:"));
	assert_int_equal(strlen(buf), len);
	free(buf);
	assert_int_equal(fio_read("/proc/self/status", 16, &buf, &len, NULL), -EFBIG);
}

static bool keep_txt(const char *name, void *arg)
{
	size_t n = strlen(name);

	return n > 4 && !strcmp(name + n - 4, ".txt");
}

static void list_sorted(void **state)
{
	struct fio_names n;
	char sub[128];

	put("b.txt", "");
	put("a.txt", "");
	put("c.yaml", "");
	fio_join(sub, sizeof(sub), dir, "d.txt");
	assert_int_equal(mkdir(sub, 0700), 0);
	assert_int_equal(fio_list(dir, keep_txt, NULL, 16, &n, NULL), 0);
	assert_int_equal(n.n, 3);
	assert_string_equal(n.v[0], "a.txt");
	assert_string_equal(n.v[1], "b.txt");
	assert_string_equal(n.v[2], "d.txt");
	fio_names_free(&n);
	assert_int_equal(n.n, 0);
	assert_int_equal(fio_list(dir, keep_txt, NULL, 2, &n, NULL), -E2BIG);
	assert_int_equal(n.n, 2);
	fio_names_free(&n);
	assert_int_equal(fio_list("/nonexistent-sg", NULL, NULL, 2, &n, NULL), -ENOENT);
}

static void join(void **state)
{
	char b[8];

	assert_int_equal(fio_join(b, sizeof(b), "/a/", "b"), 0);
	assert_string_equal(b, "/a/b");
	assert_int_equal(fio_join(b, sizeof(b), "/a", "b"), 0);
	assert_string_equal(b, "/a/b");
	assert_int_equal(fio_join(b, sizeof(b), "/abc", "defg"), -ENAMETOOLONG);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(read_whole),   cmocka_unit_test(read_refused),
		cmocka_unit_test(read_proc),    cmocka_unit_test(list_sorted),
		cmocka_unit_test(join),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
