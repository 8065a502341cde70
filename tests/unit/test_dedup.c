// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Unit tests of sysguardd/dedup.c: first occurrence emitted at once, repeats
 * counted and summarised when the window closes (by flush or by the next
 * occurrence), keys (pid, type, target, action), block (and an event with
 * which a correlation held) never deduplicated,
 * eviction from a full table, strings kept after the caller's buffers change.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>
#include "dedup.h"

#define MS 1000000ull
#define W (2000 * MS)

static struct {
	int n;
	uint32_t repeat[64];
	uint32_t pid[64];
	char path[64][600];
	char rule[64][64];
} got;

static void emit(struct sg_event *ev, void *arg)
{
	got.repeat[got.n] = ev->verdict.repeat;
	got.pid[got.n] = ev->proc.pid;
	if (ev->type == SG_EV_OPEN || ev->type == SG_EV_RENAME || ev->type == SG_EV_UNLINK)
		snprintf(got.path[got.n], sizeof(got.path[0]), "%s", ev->file.path);
	else if (ev->type == SG_EV_EXEC)
		snprintf(got.path[got.n], sizeof(got.path[0]), "%s", ev->exec.filename);
	snprintf(got.rule[got.n], sizeof(got.rule[0]), "%s",
		 ev->verdict.rule_id ? ev->verdict.rule_id : "");
	got.n++;
}

static int reset(void **state)
{
	memset(&got, 0, sizeof(got));
	return 0;
}

static struct sg_event open_ev(uint32_t pid, const char *path, enum sg_action a)
{
	struct sg_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.type = SG_EV_OPEN;
	ev.proc.pid = pid;
	ev.file.path = path;
	ev.verdict.action = a;
	ev.verdict.rule_id = "rule-1";
	ev.verdict.repeat = 1;
	return ev;
}

static void test_window(void **state)
{
	struct dedup *d = dedup_new(0, W, emit, NULL);
	struct sg_event ev = open_ev(5, "/etc/shadow", SG_ACT_ALERT);
	struct dedup_stats st;
	char buf[32];

	assert_non_null(d);
	assert_int_equal(dedup_submit(d, &ev, 1000 * MS), 1);
	/* repeats inside the window are counted, not emitted */
	for (int i = 1; i <= 4; i++) {
		/* the caller's buffer changes between events */
		snprintf(buf, sizeof(buf), "/etc/shadow");
		ev.file.path = buf;
		ev.ts_ns = (uint64_t)i;
		assert_int_equal(dedup_submit(d, &ev, (1000 + 100 * (uint64_t)i) * MS), 0);
		memset(buf, 'x', sizeof(buf) - 1);
	}
	assert_int_equal(got.n, 0);
	/* not yet */
	assert_int_equal(dedup_flush(d, 2999 * MS), 0);
	/* the window closes: one summary */
	assert_int_equal(dedup_flush(d, 3000 * MS), 1);
	assert_int_equal(got.n, 1);
	assert_int_equal(got.repeat[0], 4);
	assert_string_equal(got.path[0], "/etc/shadow");
	assert_string_equal(got.rule[0], "rule-1");
	/* a new window: emitted at once again */
	ev.file.path = "/etc/shadow";
	assert_int_equal(dedup_submit(d, &ev, 3001 * MS), 1);
	dedup_stats(d, &st);
	assert_int_equal(st.suppressed, 4);
	assert_int_equal(st.summaries, 1);
	assert_int_equal(st.open, 1);
	/* nothing pending: flush emits nothing */
	assert_int_equal(dedup_flush(d, 9000 * MS), 0);
	dedup_free(d);
}

static void test_next_occurrence_closes(void **state)
{
	struct dedup *d = dedup_new(0, W, emit, NULL);
	struct sg_event ev = open_ev(5, "/x", SG_ACT_LOG);

	assert_int_equal(dedup_submit(d, &ev, 0), 1);
	assert_int_equal(dedup_submit(d, &ev, 1 * MS), 0);
	assert_int_equal(dedup_submit(d, &ev, 2 * MS), 0);
	/* after the window, without a flush: summary first, then the event itself */
	assert_int_equal(dedup_submit(d, &ev, W + 5 * MS), 1);
	assert_int_equal(got.n, 1);
	assert_int_equal(got.repeat[0], 2);
	dedup_free(d);
}

static void test_keys(void **state)
{
	struct dedup *d = dedup_new(0, W, emit, NULL);
	struct sg_event ev = open_ev(5, "/x", SG_ACT_LOG);

	assert_int_equal(dedup_submit(d, &ev, 0), 1);
	ev.proc.pid = 6;
	assert_int_equal(dedup_submit(d, &ev, 0), 1);
	ev.file.path = "/y";
	assert_int_equal(dedup_submit(d, &ev, 0), 1);
	ev.verdict.action = SG_ACT_ALERT;
	assert_int_equal(dedup_submit(d, &ev, 0), 1);
	ev.type = SG_EV_UNLINK;
	assert_int_equal(dedup_submit(d, &ev, 0), 1);
	/* a rename is keyed by both paths */
	ev.type = SG_EV_RENAME;
	ev.file.new_path = "/a";
	assert_int_equal(dedup_submit(d, &ev, 0), 1);
	ev.file.new_path = "/b";
	assert_int_equal(dedup_submit(d, &ev, 0), 1);
	assert_int_equal(dedup_submit(d, &ev, 0), 0);
	/* network targets: address and port */
	memset(&ev, 0, sizeof(ev));
	ev.type = SG_EV_CONNECT;
	ev.proc.pid = 7;
	ev.verdict.action = SG_ACT_ALERT;
	ev.net.family = 2;
	ev.net.port = 4444;
	ev.net.addr[0] = 10;
	assert_int_equal(dedup_submit(d, &ev, 0), 1);
	assert_int_equal(dedup_submit(d, &ev, 0), 0);
	ev.net.port = 4445;
	assert_int_equal(dedup_submit(d, &ev, 0), 1);
	ev.net.addr[0] = 11;
	assert_int_equal(dedup_submit(d, &ev, 0), 1);
	/* exec: keyed by filename */
	memset(&ev, 0, sizeof(ev));
	ev.type = SG_EV_EXEC;
	ev.proc.pid = 8;
	ev.verdict.action = SG_ACT_LOG;
	ev.exec.filename = "/usr/bin/id";
	ev.exec.argv = "id\0";
	ev.exec.argv_len = 3;
	ev.exec.argc = 1;
	assert_int_equal(dedup_submit(d, &ev, 0), 1);
	assert_int_equal(dedup_submit(d, &ev, 0), 0);
	ev.exec.filename = "/usr/bin/ls";
	assert_int_equal(dedup_submit(d, &ev, 0), 1);
	assert_int_equal(got.n, 0);
	assert_int_equal(dedup_flush_all(d), 3);
	assert_string_equal(got.path[2], "/usr/bin/id");
	dedup_free(d);
}

static void test_never_block_or_allow(void **state)
{
	struct dedup *d = dedup_new(0, W, emit, NULL);
	struct sg_event ev = open_ev(5, "/x", SG_ACT_BLOCK);

	for (int i = 0; i < 5; i++)
		assert_int_equal(dedup_submit(d, &ev, (uint64_t)i), 1);
	ev.verdict.action = SG_ACT_ALLOW;
	assert_int_equal(dedup_submit(d, &ev, 0), 1);
	/* an alert with which a correlation held is a finding of its own */
	ev = open_ev(6, "/y", SG_ACT_ALERT);
	assert_int_equal(dedup_submit(d, &ev, 0), 1);
	ev.verdict.corr.rule_id = "scan";
	assert_int_equal(dedup_submit(d, &ev, 1), 1);
	assert_int_equal(dedup_submit(d, &ev, 2), 1);
	ev.verdict.corr.rule_id = NULL;
	assert_int_equal(dedup_submit(d, &ev, 3), 0);
	ev = open_ev(5, "/x", SG_ACT_LOG);
	ev.type = SG_EV_MARK;
	assert_int_equal(dedup_submit(d, &ev, 0), 1);
	assert_int_equal(dedup_submit(d, &ev, 0), 1);
	dedup_free(d);
	/* window 0: off */
	d = dedup_new(0, 0, emit, NULL);
	ev = open_ev(5, "/x", SG_ACT_LOG);
	assert_int_equal(dedup_submit(d, &ev, 0), 1);
	assert_int_equal(dedup_submit(d, &ev, 0), 1);
	dedup_set_window(d, W);
	assert_int_equal(dedup_submit(d, &ev, 0), 1);
	assert_int_equal(dedup_submit(d, &ev, 0), 0);
	dedup_free(d);
	dedup_free(NULL);
}

static void test_eviction(void **state)
{
	/* a table of 8 slots, all in one probe window */
	struct dedup *d = dedup_new(8, W, emit, NULL);
	struct dedup_stats st;
	char paths[20][16];

	for (int i = 0; i < 20; i++) {
		struct sg_event ev;

		snprintf(paths[i], sizeof(paths[i]), "/f%d", i);
		ev = open_ev(1, paths[i], SG_ACT_LOG);
		assert_int_equal(dedup_submit(d, &ev, (uint64_t)i * MS), 1);
		assert_int_equal(dedup_submit(d, &ev, (uint64_t)i * MS), 0);
	}
	/* 12 entries were pushed out, each with its summary */
	assert_int_equal(got.n, 12);
	for (int i = 0; i < 12; i++) {
		assert_int_equal(got.repeat[i], 1);
		assert_string_equal(got.path[i], paths[i]);
	}
	dedup_stats(d, &st);
	assert_int_equal(st.evictions, 12);
	assert_int_equal(st.open, 8);
	assert_int_equal(dedup_flush_all(d), 8);
	dedup_stats(d, &st);
	assert_int_equal(st.open, 0);
	dedup_free(d);
}

static void test_long_strings(void **state)
{
	struct dedup *d = dedup_new(0, W, emit, NULL);
	char path[1000];
	struct sg_event ev;

	memset(path, 'a', sizeof(path) - 1);
	path[0] = '/';
	path[sizeof(path) - 1] = '\0';
	ev = open_ev(9, path, SG_ACT_ALERT);
	assert_int_equal(dedup_submit(d, &ev, 0), 1);
	assert_int_equal(dedup_submit(d, &ev, 0), 0);
	assert_int_equal(dedup_flush(d, W), 1);
	/* kept truncated, marked with "..." */
	assert_int_equal(strncmp(got.path[0], path, 100), 0);
	assert_non_null(strstr(got.path[0], "..."));
	assert_string_equal(got.rule[0], "rule-1");
	dedup_free(d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_window, reset),
		cmocka_unit_test_setup(test_next_occurrence_closes, reset),
		cmocka_unit_test_setup(test_keys, reset),
		cmocka_unit_test_setup(test_never_block_or_allow, reset),
		cmocka_unit_test_setup(test_eviction, reset),
		cmocka_unit_test_setup(test_long_strings, reset),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
