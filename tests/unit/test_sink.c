// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Unit tests of sysguardd/sink.c (the NDJSON sink) and of the pipeline's
 * handling of sinks: lines written whole and counted, a write stopped inside
 * a line (a file size limit stands in for a full file system) cut back off
 * the file and completed later, lines dropped when the buffer is full
 * counted per type, a reader gone (EPIPE) counted, reopen after a rename
 * (asked for, or noticed by the tick), drop reports made by pipeline_tick,
 * and dedup inside the pipeline.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <cmocka.h>
#include "pipeline.h"
#include "proctable.h"
#include "sink.h"

static char dir[64];

static int setup(void **state)
{
	snprintf(dir, sizeof(dir), "/tmp/sg-sink-XXXXXX");
	assert_non_null(mkdtemp(dir));
	return 0;
}

static int teardown(void **state)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
	return 0;
}

static char *slurp(const char *path)
{
	static char buf[8192];
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	assert_true(fd >= 0);
	n = read(fd, buf, sizeof(buf) - 1);
	assert_true(n >= 0);
	buf[n] = '\0';
	close(fd);
	return buf;
}

static struct sg_event ev_of(int type)
{
	struct sg_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.type = type;
	return ev;
}

/* A line of 29 characters (30 with its newline). */
static void put(struct sink *s, int type, char c)
{
	struct sg_event ev = ev_of(type);
	char line[29];

	memset(line, c, sizeof(line));
	sink_write(s, &ev, line, sizeof(line));
}

static void test_file_lines(void **state)
{
	char path[128];
	struct sink_stats st;
	struct sink *s;

	snprintf(path, sizeof(path), "%s/out", dir);
	s = sink_ndjson_new(path, 0);
	assert_non_null(s);
	put(s, SG_EV_OPEN, 'a');
	put(s, SG_EV_EXEC, 'b');
	sink_stats(s, &st);
	assert_int_equal(st.written, 0);
	assert_int_equal(st.queued, 2);
	assert_int_equal(sink_flush(s), 0);
	sink_stats(s, &st);
	assert_string_equal(st.name, "ndjson");
	assert_string_equal(st.where, "output");
	assert_string_equal(st.path, path);
	assert_int_equal(st.written, 2);
	assert_int_equal(st.queued, 0);
	assert_int_equal(st.bytes, 60);
	assert_int_equal(st.dropped, 0);
	assert_false(st.failing);
	assert_int_equal(strlen(slurp(path)), 60);
	sink_free(s);
}

/* Lines whole on the file at every moment; the cut line is written again. */
static void test_torn_line_cut_and_completed(void **state)
{
	struct rlimit old, lim;
	struct sink_stats st;
	char path[128], *text;
	struct sink *s;

	signal(SIGXFSZ, SIG_IGN);
	snprintf(path, sizeof(path), "%s/out", dir);
	s = sink_ndjson_new(path, 128); /* room for 4 lines */
	assert_non_null(s);
	for (int i = 0; i < 4; i++)
		put(s, SG_EV_OPEN, 'a' + i);
	assert_int_equal(getrlimit(RLIMIT_FSIZE, &old), 0);
	lim = old;
	lim.rlim_cur = 100; /* the write stops 10 bytes into the fourth line */
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &lim), 0);
	assert_int_equal(sink_flush(s), -EFBIG);
	put(s, SG_EV_EXEC, 'x');   /* these three fit */
	put(s, SG_EV_OPEN, 'y');
	put(s, SG_EV_OPEN, 'z');
	put(s, SG_EV_OPEN, 'u');   /* buffer full: dropped */
	put(s, SG_EV_CONNECT, 'v'); /* dropped */
	sink_stats(s, &st);
	assert_int_equal(st.written, 3);
	assert_int_equal(st.queued, 4);
	assert_int_equal(st.dropped, 2);
	assert_int_equal(st.dropped_type[SG_EV_OPEN], 1);
	assert_int_equal(st.dropped_type[SG_EV_CONNECT], 1);
	assert_true(st.failing);
	assert_int_equal(st.last_error, EFBIG);
	text = slurp(path);
	assert_int_equal(strlen(text), 90); /* three whole lines, no part of the fourth */
	assert_int_equal(text[89], '\n');

	assert_int_equal(setrlimit(RLIMIT_FSIZE, &old), 0);
	assert_int_equal(sink_flush(s), 0);
	sink_stats(s, &st);
	assert_int_equal(st.written, 7);
	assert_int_equal(st.queued, 0);
	assert_false(st.failing);
	assert_int_equal(st.written * 30, st.bytes);
	text = slurp(path);
	assert_int_equal(strlen(text), 210);
	for (int i = 0; i < 7; i++) {
		assert_int_equal(text[i * 30], "abcdxyz"[i]);
		assert_int_equal(text[i * 30 + 29], '\n');
	}
	sink_free(s);
}

static void test_reader_gone(void **state)
{
	int fds[2], saved = dup(STDOUT_FILENO);
	struct sink_stats st;
	struct sink *s;

	signal(SIGPIPE, SIG_IGN);
	assert_int_equal(pipe(fds), 0);
	fflush(stdout);
	assert_true(dup2(fds[1], STDOUT_FILENO) >= 0);
	close(fds[1]);
	s = sink_ndjson_new("-", 0);
	assert_non_null(s);
	close(fds[0]); /* the reader goes away */
	put(s, SG_EV_OPEN, 'a');
	put(s, SG_EV_OPEN, 'b');
	assert_int_equal(sink_flush(s), -EPIPE);
	put(s, SG_EV_EXEC, 'c');
	assert_int_equal(sink_flush(s), 0);
	sink_stats(s, &st);
	assert_string_equal(st.path, "-");
	assert_int_equal(st.written, 0);
	assert_int_equal(st.dropped, 3);
	assert_int_equal(st.queued, 0);
	assert_true(st.failing);
	assert_int_equal(st.last_error, EPIPE);
	sink_free(s);
	assert_true(dup2(saved, STDOUT_FILENO) >= 0);
	close(saved);
}

static void test_reopen_after_rename(void **state)
{
	char path[128], old1[140], old2[140];
	struct sink_stats st;
	struct sink *s;

	snprintf(path, sizeof(path), "%s/out", dir);
	snprintf(old1, sizeof(old1), "%s.1", path);
	snprintf(old2, sizeof(old2), "%s.2", path);
	s = sink_ndjson_new(path, 0);
	assert_non_null(s);
	put(s, SG_EV_OPEN, 'a');
	assert_int_equal(sink_flush(s), 0);
	assert_int_equal(rename(path, old1), 0);
	put(s, SG_EV_OPEN, 'b');       /* buffered: goes to the renamed file */
	assert_int_equal(sink_reopen(s), 0);
	put(s, SG_EV_OPEN, 'c');
	assert_int_equal(sink_flush(s), 0);
	assert_int_equal(strlen(slurp(old1)), 60);
	assert_int_equal(slurp(path)[0], 'c');

	/* renamed with nobody asking: the tick notices */
	assert_int_equal(rename(path, old2), 0);
	sink_tick(s);
	put(s, SG_EV_OPEN, 'd');
	assert_int_equal(sink_flush(s), 0);
	assert_int_equal(slurp(old2)[0], 'c');
	assert_int_equal(slurp(path)[0], 'd');
	sink_tick(s); /* nothing changed: no reopen */
	sink_stats(s, &st);
	assert_int_equal(sink_stats_get(&st, "reopens"), 2);
	assert_int_equal(st.written, 4);
	assert_int_equal(st.dropped, 0);
	sink_free(s);
}

/* A sink whose troubles the test decides. */
struct fake {
	struct sink base;
	struct sink_stats st;
	int drops_seen;
	uint64_t last_total;
	uint64_t last_lost_open;
	int opens;
	uint32_t last_repeat;
};

static void fake_write(struct sink *s, const struct sg_event *ev, const char *line, size_t len)
{
	struct fake *f = (struct fake *)s;

	if (ev->type == SG_EV_DROP) {
		f->drops_seen++;
		f->last_total = ev->drop.total;
		f->last_lost_open = ev->drop.lost[SG_EV_OPEN];
		assert_string_equal(ev->drop.where, "fake");
		assert_non_null(strstr(line, "\"where\":\"fake\""));
	} else if (ev->type == SG_EV_OPEN) {
		f->opens++;
		f->last_repeat = ev->verdict.repeat;
	}
}

static void fake_stats(const struct sink *s, struct sink_stats *ret)
{
	*ret = ((const struct fake *)s)->st;
}

static void fake_free(struct sink *s)
{
}

static const struct sink_ops fake_ops = {
	.write = fake_write,
	.stats = fake_stats,
	.free = fake_free,
};

static void judge_log(void *ctx, struct sg_event *ev)
{
	ev->verdict.action = SG_ACT_LOG;
}

static void test_pipeline_drop_reports(void **state)
{
	struct pipeline_hooks hooks = { .judge = judge_log };
	struct proctable *pt = proctable_new(64);
	struct fake f = { .base.ops = &fake_ops, .st = { .name = "fake", .where = "fake" } };
	struct pipeline *p = pipeline_new(pt, &hooks);
	struct sink_stats st;

	assert_non_null(p);
	assert_int_equal(pipeline_add_sink(p, &f.base), 0);
	pipeline_tick(p);
	assert_int_equal(f.drops_seen, 0);

	/* trouble starts: reported at once */
	f.st.dropped = 5;
	f.st.dropped_type[SG_EV_OPEN] = 4;
	f.st.failing = true;
	pipeline_tick(p);
	assert_int_equal(f.drops_seen, 1);
	assert_int_equal(f.last_total, 5);
	assert_int_equal(f.last_lost_open, 4);
	/* while it lasts: not again */
	f.st.dropped = 9;
	pipeline_tick(p);
	assert_int_equal(f.drops_seen, 1);
	/* over: the rest */
	f.st.dropped = 10;
	f.st.failing = false;
	pipeline_tick(p);
	assert_int_equal(f.drops_seen, 2);
	assert_int_equal(f.last_total, 5);
	assert_int_equal(f.last_lost_open, 0);
	pipeline_tick(p);
	assert_int_equal(f.drops_seen, 2);

	assert_int_equal(pipeline_find_sink(p, "fake", &st), 0);
	assert_int_equal(st.dropped, 10);
	assert_int_equal(pipeline_find_sink(p, "none", &st), -ENOENT);
	assert_int_equal(pipeline_sink_count(p), 1);
	pipeline_free(p);
	proctable_free(pt);
}

static void test_pipeline_dedup(void **state)
{
	struct pipeline_hooks hooks = { .judge = judge_log };
	struct proctable *pt = proctable_new(64);
	struct fake f = { .base.ops = &fake_ops, .st = { .name = "fake" } };
	struct pipeline *p = pipeline_new(pt, &hooks);

	assert_non_null(p);
	assert_int_equal(pipeline_add_sink(p, &f.base), 0);
	pipeline_set_dedup_window(p, 60ull * 1000000000);
	for (int i = 0; i < 3; i++) {
		struct sg_event ev = ev_of(SG_EV_OPEN);

		ev.proc.pid = 42;
		ev.file.path = "/etc/shadow";
		pipeline_inject(p, &ev);
	}
	assert_int_equal(f.opens, 1);
	assert_int_equal(pipeline_stats(p)->allowed[SG_EV_OPEN], 2);
	pipeline_drain(p); /* the window closes: one summary for the two repeats */
	assert_int_equal(f.opens, 2);
	assert_int_equal(f.last_repeat, 2);
	pipeline_free(p);
	proctable_free(pt);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_file_lines, setup, teardown),
		cmocka_unit_test_setup_teardown(test_torn_line_cut_and_completed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reader_gone, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reopen_after_rename, setup, teardown),
		cmocka_unit_test(test_pipeline_drop_reports),
		cmocka_unit_test(test_pipeline_dedup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
