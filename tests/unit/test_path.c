// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Unit tests for sysguardd/path.c: dentry walks to absolute paths, lexical
 * normalisation and joining.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>
#include "path.h"

/* A walk literal: sizeof includes the literal's own trailing NUL, drop it. */
#define WALK(s) (s), (sizeof(s) - 1)

static void walk_empty_is_root(void **state)
{
	char out[16];

	assert_int_equal(path_from_walk(out, sizeof(out), "", 0), 1);
	assert_string_equal(out, "/");
}

static void walk_components_reversed(void **state)
{
	char out[64];

	assert_int_equal(path_from_walk(out, sizeof(out), WALK("c\0b\0a\0")), 6);
	assert_string_equal(out, "/a/b/c");
	assert_int_equal(path_from_walk(out, sizeof(out), WALK("etc\0")), 4);
	assert_string_equal(out, "/etc");
	assert_int_equal(path_from_walk(out, sizeof(out), WALK("name with space\0home\0")), 21);
	assert_string_equal(out, "/home/name with space");
}

static void walk_malformed(void **state)
{
	char out[64];

	/* last component not NUL-terminated */
	assert_int_equal(path_from_walk(out, sizeof(out), WALK("c\0b\0a")), -EINVAL);
	/* an empty component in the middle and at the start */
	assert_int_equal(path_from_walk(out, sizeof(out), WALK("c\0\0a\0")), -EINVAL);
	assert_int_equal(path_from_walk(out, sizeof(out), WALK("\0a\0")), -EINVAL);
	assert_int_equal(path_from_walk(out, sizeof(out), WALK("\0")), -EINVAL);
}

static void walk_too_long(void **state)
{
	char out[8];
	char walk[200];
	size_t n = 0;

	/* "/a/b/c" + NUL fits exactly in 7 bytes, not in 6 */
	assert_int_equal(path_from_walk(out, 7, WALK("c\0b\0a\0")), 6);
	assert_string_equal(out, "/a/b/c");
	assert_int_equal(path_from_walk(out, 6, WALK("c\0b\0a\0")), -ENAMETOOLONG);
	assert_int_equal(path_from_walk(out, 1, "", 0), -ENAMETOOLONG);
	assert_int_equal(path_from_walk(out, 0, "", 0), -ENAMETOOLONG);

	/* more components than a walk can hold */
	for (int i = 0; i < 100; i++) {
		walk[n++] = 'x';
		walk[n++] = '\0';
	}
	{
		char big[4096];

		assert_int_equal(path_from_walk(big, sizeof(big), walk, n), -ENAMETOOLONG);
		/* 40 components (SG_PATH_DEPTH) are fine */
		assert_int_equal(path_from_walk(big, sizeof(big), walk, 80), 80);
	}
}

static void check_norm(const char *in, const char *want)
{
	char buf[256];
	size_t len;

	snprintf(buf, sizeof(buf), "%s", in);
	len = path_normalize(buf);
	if (strcmp(buf, want) != 0)
		fail_msg("normalize('%s') = '%s', want '%s'", in, buf, want);
	assert_int_equal(len, strlen(want));
}

static void normalize_absolute(void **state)
{
	check_norm("/", "/");
	check_norm("//", "/");
	check_norm("///a//b///", "/a/b");
	check_norm("/a/b/", "/a/b");
	check_norm("/a/./b/.", "/a/b");
	check_norm("/./", "/");
	check_norm("/a/b/..", "/a");
	check_norm("/a/b/../..", "/");
	check_norm("/a/b/../../..", "/");
	check_norm("/..", "/");
	check_norm("/../../x", "/x");
	check_norm("/a/../b/../c", "/c");
	check_norm("/usr/lib/../bin/./sh", "/usr/bin/sh");
	check_norm("/...", "/...");
	check_norm("/a/..b/.c", "/a/..b/.c");
	check_norm("/a/b../..", "/a");
}

static void normalize_relative(void **state)
{
	check_norm("", ".");
	check_norm(".", ".");
	check_norm("./", ".");
	check_norm("a", "a");
	check_norm("a/", "a");
	check_norm("./a", "a");
	check_norm("a//b", "a/b");
	check_norm("a/..", ".");
	check_norm("a/b/..", "a");
	check_norm("..", "..");
	check_norm("../a", "../a");
	check_norm("../../a", "../../a");
	check_norm("a/../..", "..");
	check_norm("a/../../b", "../b");
	check_norm("../a/..", "..");
	check_norm("../a/../..", "../..");
	check_norm("./../.", "..");
}

static void normalize_many_components(void **state)
{
	/* more components than the normaliser keeps offsets for, then as many ".." */
	static char buf[8192];
	size_t n = 0;

	buf[n++] = '/';
	for (int i = 0; i < 600; i++) {
		buf[n++] = 'a';
		buf[n++] = '/';
	}
	buf[n++] = 'z';
	for (int i = 0; i < 600; i++) {
		memcpy(buf + n, "/..", 3);
		n += 3;
	}
	buf[n] = '\0';
	path_normalize(buf);
	assert_string_equal(buf, "/a");
}

static void join(void **state)
{
	char out[64];

	assert_int_equal(path_join(out, sizeof(out), "/home/u", "f.txt"), 13);
	assert_string_equal(out, "/home/u/f.txt");
	assert_int_equal(path_join(out, sizeof(out), "/home/u", "../v/./f"), 9);
	assert_string_equal(out, "/home/v/f");
	assert_int_equal(path_join(out, sizeof(out), "/", "etc//passwd"), 11);
	assert_string_equal(out, "/etc/passwd");
	assert_int_equal(path_join(out, sizeof(out), "/", "../../.."), 1);
	assert_string_equal(out, "/");
	assert_int_equal(path_join(out, sizeof(out), "/tmp", "dir/"), 8);
	assert_string_equal(out, "/tmp/dir");
	assert_int_equal(path_join(out, sizeof(out), "/tmp", ""), 4);
	assert_string_equal(out, "/tmp");
	assert_int_equal(path_join(out, sizeof(out), "/tmp", "."), 4);
	assert_string_equal(out, "/tmp");
	/* a relative directory keeps its leading ".." */
	assert_int_equal(path_join(out, sizeof(out), "..", "a/../../b"), 7);
	assert_string_equal(out, "../../b");
}

static void join_too_long(void **state)
{
	char out[12];

	/* "/abc" + "/" + "defghi" + NUL = 12 bytes: fits */
	assert_int_equal(path_join(out, sizeof(out), "/abc", "defghi"), 11);
	assert_string_equal(out, "/abc/defghi");
	assert_int_equal(path_join(out, sizeof(out), "/abc", "defghij"), -ENAMETOOLONG);
	/* too long before normalising is too long, even if it would shrink */
	assert_int_equal(path_join(out, sizeof(out), "/abc", "x/../y/../z"), -ENAMETOOLONG);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(walk_empty_is_root),
		cmocka_unit_test(walk_components_reversed),
		cmocka_unit_test(walk_malformed),
		cmocka_unit_test(walk_too_long),
		cmocka_unit_test(normalize_absolute),
		cmocka_unit_test(normalize_relative),
		cmocka_unit_test(normalize_many_components),
		cmocka_unit_test(join),
		cmocka_unit_test(join_too_long),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
