// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Unit tests of sysguardd/metrics_textfile.c: the atomic write, the first
 * write at start and the last one at the end, the timer, and a failure
 * logged once per reason; with a render callback made here.
 */
#include <errno.h>
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
#include <event2/event.h>
#include "metrics_textfile.h"

static char dir[64];
static char text[64];
static int renders, render_err, logged;
static char last[512];

static void __attribute__((format(printf, 2, 3))) test_log(int prio, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(last, sizeof(last), fmt, ap);
	va_end(ap);
	logged++;
}

static int render(void *arg, const char **ret_text)
{
	renders++;
	if (render_err)
		return render_err;
	snprintf(text, sizeof(text), "sysguard_x %d\n", renders);
	*ret_text = text;
	return (int)strlen(text);
}

static int setup(void **state)
{
	snprintf(dir, sizeof(dir), "/tmp/sg-textfile-XXXXXX");
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static void read_file(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "re");
	size_t n;

	assert_non_null(f);
	n = fread(buf, 1, len - 1, f);
	buf[n] = '\0';
	fclose(f);
}

static void atomic_write(void **state)
{
	char path[128], tmp[140], buf[64];
	struct stat st;

	snprintf(path, sizeof(path), "%s/a.prom", dir);
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	assert_int_equal(metrics_textfile_write(path, "a 1\n", 4), 0);
	read_file(path, buf, sizeof(buf));
	assert_string_equal(buf, "a 1\n");
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0644);
	assert_int_equal(access(tmp, F_OK), -1);
	/* replaced whole */
	assert_int_equal(metrics_textfile_write(path, "b\n", 2), 0);
	read_file(path, buf, sizeof(buf));
	assert_string_equal(buf, "b\n");
	/* a link where the temporary file goes is not followed */
	assert_int_equal(symlink("/nonexistent-target", tmp), 0);
	assert_int_equal(metrics_textfile_write(path, "c\n", 2), -ELOOP);
	unlink(tmp);
	snprintf(path, sizeof(path), "%s/no/such/dir.prom", dir);
	assert_int_equal(metrics_textfile_write(path, "a\n", 2), -ENOENT);
}

static void life_cycle(void **state)
{
	struct event_base *base = event_base_new();
	char path[128], buf[64];
	struct metrics_textfile_opts o = { .path = path, .interval_ms = 10, .render = render,
					   .log = test_log };
	struct metrics_textfile *t;
	struct timeval tv = { 0, 60000 };

	assert_non_null(base);
	snprintf(path, sizeof(path), "%s/m.prom", dir);
	renders = render_err = logged = 0;
	t = metrics_textfile_new(base, &o);
	assert_non_null(t);
	read_file(path, buf, sizeof(buf));
	assert_string_equal(buf, "sysguard_x 1\n");
	/* the timer writes again */
	event_base_loopexit(base, &tv);
	event_base_dispatch(base);
	assert_true(renders > 2);
	/* a failure is logged once, its end once */
	render_err = -ENOSPC;
	event_base_loopexit(base, &tv);
	event_base_dispatch(base);
	assert_int_equal(logged, 1);
	assert_non_null(strstr(last, "metrics: cannot write"));
	render_err = 0;
	event_base_loopexit(base, &tv);
	event_base_dispatch(base);
	assert_int_equal(logged, 2);
	assert_non_null(strstr(last, "writing"));
	/* the last values at the end */
	renders = 100;
	metrics_textfile_free(t);
	read_file(path, buf, sizeof(buf));
	assert_string_equal(buf, "sysguard_x 101\n");
	metrics_textfile_free(NULL);
	event_base_free(base);
}

static void first_write_fails(void **state)
{
	struct event_base *base = event_base_new();
	char path[128];
	struct metrics_textfile_opts o = { .path = path, .render = render, .log = test_log };

	snprintf(path, sizeof(path), "%s/none/m.prom", dir);
	renders = render_err = logged = 0;
	assert_null(metrics_textfile_new(base, &o));
	assert_int_equal(errno, ENOENT);
	assert_int_equal(logged, 1);
	assert_non_null(strstr(last, path));
	event_base_free(base);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(atomic_write),
		cmocka_unit_test(life_cycle),
		cmocka_unit_test(first_write_fails),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
