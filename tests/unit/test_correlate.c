// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Unit tests of correlation: the windows (correlate.c) on their own --
 * counts, distinct values, ordered and unordered sequences, the sliding
 * window, groups and their eviction -- and correlation rules in the policy
 * engine: parsing and its errors, the dump, and verdicts over streams of
 * hand-built events with a test process tree.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <cmocka.h>
#include <json-c/json.h>
#include "correlate.h"
#include "policy.h"
#include "policy_int.h"
#include "proctable.h"

#define S 1000000000ull  /* a second in ns */
#define T0 (1700000000ull * S)

static struct corr_table *table(enum corr_kind kind, uint32_t threshold, uint64_t window,
				uint32_t groups)
{
	struct corr_spec s = { .kind = kind, .window_ns = window, .threshold = threshold,
			       .max_groups = groups };
	struct corr_table *t = corr_table_new(&s);

	assert_non_null(t);
	return t;
}

static int feed(struct corr_table *t, uint64_t key, uint64_t at, uint32_t steps, uint64_t value,
		struct corr_fire *f)
{
	return corr_feed(t, key, T0 + at, steps, value, true, f);
}

static void test_count_window(void **state)
{
	struct corr_table *t = table(CORR_COUNT, 3, 10 * S, 16);
	struct corr_fire f;

	assert_int_equal(feed(t, 1, 1 * S, 1, 0, &f), 0);
	assert_int_equal(feed(t, 1, 2 * S, 1, 0, &f), 0);
	assert_int_equal(feed(t, 2, 2 * S, 1, 0, &f), 0); /* another group counts apart */
	assert_int_equal(feed(t, 1, 3 * S, 1, 0, &f), 1);
	assert_int_equal(f.count, 3);
	assert_int_equal(f.first_ns, T0 + 1 * S);
	/* after it held, the group starts afresh */
	assert_int_equal(feed(t, 1, 4 * S, 1, 0, &f), 0);
	assert_int_equal(feed(t, 1, 5 * S, 1, 0, &f), 0);
	/* 4, 5, 20: the window of 10 s holds two of them at most */
	assert_int_equal(feed(t, 1, 20 * S, 1, 0, &f), 0);
	assert_int_equal(feed(t, 1, 21 * S, 1, 0, &f), 0);
	/* 20, 21, 22 */
	assert_int_equal(feed(t, 1, 22 * S, 1, 0, &f), 1);
	assert_int_equal(f.first_ns, T0 + 20 * S);
	/* exactly the window apart still counts */
	assert_int_equal(feed(t, 3, 0, 1, 0, &f), 0);
	assert_int_equal(feed(t, 3, 5 * S, 1, 0, &f), 0);
	assert_int_equal(feed(t, 3, 10 * S, 1, 0, &f), 1);
	corr_table_free(t);
}

static void test_distinct(void **state)
{
	struct corr_table *t = table(CORR_DISTINCT, 3, 10 * S, 16);
	struct corr_fire f;

	assert_int_equal(feed(t, 1, 1 * S, 1, 'A', &f), 0);
	assert_int_equal(feed(t, 1, 2 * S, 1, 'A', &f), 0);
	assert_int_equal(feed(t, 1, 3 * S, 1, 'B', &f), 0);
	assert_int_equal(feed(t, 1, 4 * S, 1, 'B', &f), 0);
	assert_int_equal(feed(t, 1, 5 * S, 1, 'C', &f), 1);
	assert_int_equal(f.count, 3);
	assert_int_equal(f.first_ns, T0 + 2 * S); /* A was seen again at 2 */
	/* values fall out of the window: A at 10, B at 16, C at 27 never hold together */
	assert_int_equal(feed(t, 1, 10 * S, 1, 'A', &f), 0);
	assert_int_equal(feed(t, 1, 16 * S, 1, 'B', &f), 0);
	assert_int_equal(feed(t, 1, 27 * S, 1, 'C', &f), 0);
	/* a value seen again stays in: B 16 -> 26 keeps B, C, D together */
	assert_int_equal(feed(t, 1, 30 * S, 1, 'D', &f), 0);
	assert_int_equal(feed(t, 1, 31 * S, 1, 'E', &f), 1);
	assert_int_equal(f.count, 3);
	corr_table_free(t);
}

static void test_ordered(void **state)
{
	struct corr_table *t = table(CORR_ORDERED, 3, 10 * S, 16);
	struct corr_fire f;

	/* out of order does not count: 0, 2, then 1, 2 */
	assert_int_equal(feed(t, 1, 1 * S, 1u << 0, 0, &f), 0);
	assert_int_equal(feed(t, 1, 2 * S, 1u << 2, 0, &f), 0);
	assert_int_equal(feed(t, 1, 3 * S, 1u << 1, 0, &f), 0);
	assert_int_equal(feed(t, 1, 4 * S, 1u << 2, 0, &f), 1);
	assert_int_equal(f.count, 3);
	assert_int_equal(f.first_ns, T0 + 1 * S);
	/* too slow: 0 at 20, 1 at 25, 2 at 31 */
	assert_int_equal(feed(t, 1, 20 * S, 1u << 0, 0, &f), 0);
	assert_int_equal(feed(t, 1, 25 * S, 1u << 1, 0, &f), 0);
	assert_int_equal(feed(t, 1, 31 * S, 1u << 2, 0, &f), 0);
	/* a later start gives room: 0 at 40, 0 at 48, 1 at 49, 2 at 52 */
	assert_int_equal(feed(t, 1, 40 * S, 1u << 0, 0, &f), 0);
	assert_int_equal(feed(t, 1, 48 * S, 1u << 0, 0, &f), 0);
	assert_int_equal(feed(t, 1, 49 * S, 1u << 1, 0, &f), 0);
	assert_int_equal(feed(t, 1, 52 * S, 1u << 2, 0, &f), 1);
	assert_int_equal(f.first_ns, T0 + 48 * S);
	corr_table_free(t);

	/* one event that matches two steps takes a sequence one step on, not two */
	t = table(CORR_ORDERED, 2, 10 * S, 16);
	assert_int_equal(feed(t, 1, 1 * S, 3, 0, &f), 0);
	assert_int_equal(feed(t, 1, 2 * S, 2, 0, &f), 1);
	corr_table_free(t);
}

static void test_any_order(void **state)
{
	struct corr_table *t = table(CORR_ANY_ORDER, 2, 10 * S, 16);
	struct corr_fire f;

	assert_int_equal(feed(t, 1, 1 * S, 2, 0, &f), 0);
	assert_int_equal(feed(t, 1, 2 * S, 1, 0, &f), 1);
	assert_int_equal(f.first_ns, T0 + 1 * S);
	assert_int_equal(feed(t, 1, 3 * S, 1, 0, &f), 0);
	assert_int_equal(feed(t, 1, 14 * S, 2, 0, &f), 0); /* 3 is out of the window */
	corr_table_free(t);
}

static void test_groups_evicted(void **state)
{
	struct corr_table *t = table(CORR_COUNT, 2, 10 * S, 2);
	struct corr_stats st;
	struct corr_fire f;

	assert_int_equal(feed(t, 1, 1 * S, 1, 0, &f), 0);
	assert_int_equal(feed(t, 2, 2 * S, 1, 0, &f), 0);
	assert_int_equal(feed(t, 1, 3 * S, 1, 0, &f), 1); /* 1 was fed last: 2 is the oldest */
	assert_int_equal(feed(t, 3, 4 * S, 1, 0, &f), 0); /* takes 2's place, within its window */
	corr_table_stats(t, &st);
	assert_int_equal(st.groups, 2);
	assert_int_equal(st.evictions, 1);
	assert_int_equal(st.fired, 1);
	/* 2 comes back with nothing: it was evicted */
	assert_int_equal(feed(t, 2, 5 * S, 1, 0, &f), 0);
	corr_table_stats(t, &st);
	assert_int_equal(st.evictions, 2);
	/* groups whose window has passed are taken without counting */
	assert_int_equal(feed(t, 4, 30 * S, 1, 0, &f), 0);
	assert_int_equal(feed(t, 5, 31 * S, 1, 0, &f), 0);
	corr_table_stats(t, &st);
	assert_int_equal(st.evictions, 2);
	/* only a group that exists is fed when creating is not allowed */
	assert_int_equal(corr_feed(t, 9, T0 + 32 * S, 1, 0, false, &f), -ENOENT);
	assert_int_equal(corr_feed(t, 5, T0 + 32 * S, 1, 0, false, &f), 1);
	corr_table_free(t);
}

static void test_table_limits(void **state)
{
	struct corr_spec s = { .kind = CORR_COUNT, .window_ns = S, .threshold = 0,
			       .max_groups = 4 };

	assert_null(corr_table_new(&s));
	assert_int_equal(errno, EINVAL);
	s.threshold = CORR_THRESHOLD_MAX + 1;
	assert_null(corr_table_new(&s));
	s.threshold = 3;
	s.max_groups = CORR_GROUPS_MAX + 1;
	assert_null(corr_table_new(&s));
	s.kind = CORR_ORDERED;
	s.max_groups = 4;
	s.threshold = CORR_STEPS_MAX + 1;
	assert_null(corr_table_new(&s));
}

/* ---- correlation rules in the policy ----------------------------------- */

/* init(1) -> sshd(10) -> bash(20) -> sh(30); bash(40) under init */
static struct proc_entry procs[5];

static const struct proc_entry *t_get(void *arg, uint32_t pid)
{
	for (size_t i = 0; i < 5; i++)
		if (procs[i].pid == pid)
			return &procs[i];
	return NULL;
}

static const struct proc_entry *t_parent(void *arg, const struct proc_entry *e)
{
	return t_get(arg, e->ppid);
}

static const struct policy_lineage lineage = { .get = t_get, .parent = t_parent };

static int setup_tree(void **state)
{
	static const struct { uint32_t pid, ppid; const char *comm; } rows[] = {
		{ 1, 0, "systemd" }, { 10, 1, "sshd" }, { 20, 10, "bash" }, { 30, 20, "sh" },
		{ 40, 1, "bash" },
	};

	for (size_t i = 0; i < 5; i++) {
		memset(&procs[i], 0, sizeof(procs[i]));
		procs[i].pid = rows[i].pid;
		procs[i].ppid = rows[i].ppid;
		snprintf(procs[i].comm, sizeof(procs[i].comm), "%s", rows[i].comm);
	}
	return 0;
}

static struct policy *load(const char *text)
{
	struct policy_diag d;
	struct policy *p = NULL;
	int r;

	policy_diag_init(&d);
	r = policy_load_string("t.yaml", text, strlen(text), &p, &d);
	if (r < 0)
		policy_diag_print(&d, stderr);
	assert_int_equal(r, 0);
	policy_diag_fini(&d);
	return p;
}

static struct sg_event ev_base(int type, uint32_t pid, uint32_t uid, uint64_t at)
{
	struct sg_event ev;
	const struct proc_entry *e = t_get(NULL, pid);

	memset(&ev, 0, sizeof(ev));
	ev.type = type;
	ev.ts_ns = T0 + at;
	ev.proc.pid = ev.proc.tid = pid;
	ev.proc.ppid = e ? e->ppid : 0;
	ev.proc.uid = uid;
	snprintf(ev.proc.comm, sizeof(ev.proc.comm), "%s", e ? e->comm : "x");
	ev.has_result = true;
	return ev;
}

static struct sg_event connect_to(uint32_t pid, uint16_t port, uint64_t at)
{
	struct sg_event ev = ev_base(SG_EV_CONNECT, pid, 1000, at);

	ev.net.family = AF_INET;
	inet_pton(AF_INET, "127.0.0.1", ev.net.addr);
	ev.net.port = port;
	ev.net.sock_type = SOCK_STREAM;
	return ev;
}

static struct sg_event open_of(uint32_t pid, uint32_t uid, const char *path, bool write,
			       int result, uint64_t at)
{
	struct sg_event ev = ev_base(SG_EV_OPEN, pid, uid, at);

	ev.file.path = path;
	ev.file.path_resolved = true;
	ev.file.write = write;
	ev.result = result;
	return ev;
}

static struct sg_event exec_of(uint32_t pid, const char *exe, uint64_t at)
{
	struct sg_event ev = ev_base(SG_EV_EXEC, pid, 1000, at);

	ev.exec.filename = exe;
	ev.proc.exe = exe;
	snprintf(ev.proc.comm, sizeof(ev.proc.comm), "%s", strrchr(exe, '/') + 1);
	return ev;
}

static const char *judge(const struct policy *p, struct sg_event ev)
{
	static struct sg_event last;

	last = ev;
	policy_eval_lineage(p, &last, &lineage);
	return last.verdict.rule_id ? last.verdict.rule_id : "-";
}

static const struct sg_corr *last_corr(const struct policy *p, struct sg_event ev)
{
	static struct sg_event last;

	last = ev;
	policy_eval_lineage(p, &last, &lineage);
	return last.verdict.corr.rule_id ? &last.verdict.corr : NULL;
}

#define SCAN_POLICY                                                                                \
	"version: 1\ndefaults: {action: allow}\nrules:\n"                                          \
	"  - id: scan\n    correlate:\n      window: 10s\n      by: process\n"                 \
	"      count: 5\n      distinct: net.port\n      events: [connect]\n"                  \
	"      match: {net.family: [inet, inet6]}\n    action: alert\n    severity: high\n"   \
	"  - id: to-22\n    events: [connect]\n    match: {net.port: 22}\n    action: log\n"

static void test_policy_distinct_ports(void **state)
{
	struct policy *p = load(SCAN_POLICY);
	const struct sg_corr *k;
	struct policy_rule_info ri;

	/* the same port again and again is no scan */
	for (int i = 0; i < 10; i++)
		assert_string_equal(judge(p, connect_to(20, 443, (uint64_t)i * S / 10)), "-");
	/* four more ports: five distinct with 443 */
	assert_string_equal(judge(p, connect_to(20, 21, 2 * S)), "-");
	assert_string_equal(judge(p, connect_to(20, 23, 2 * S)), "-");
	assert_string_equal(judge(p, connect_to(10, 24, 2 * S)), "-"); /* another process */
	assert_string_equal(judge(p, connect_to(20, 25, 3 * S)), "-");
	k = last_corr(p, connect_to(20, 22, 3 * S));
	assert_non_null(k);
	assert_string_equal(k->rule_id, "scan");
	assert_string_equal(k->kind, "distinct");
	assert_int_equal(k->count, 5);
	assert_int_equal(k->window_ns, 10 * S);
	assert_string_equal(k->group, "process=20(bash)");
	/* the port-22 rule matched too: the correlation decides, the other is named */
	{
		struct sg_event ev = connect_to(30, 22, 4 * S);

		for (uint16_t port = 1; port < 5; port++)
			assert_string_equal(judge(p, connect_to(30, port, 4 * S)), "-");
		policy_eval_lineage(p, &ev, &lineage);
		assert_string_equal(ev.verdict.rule_id, "scan");
		assert_int_equal(ev.verdict.action, SG_ACT_ALERT);
		assert_int_equal(ev.verdict.severity, SG_SEV_HIGH);
		assert_int_equal(ev.verdict.nmatches, 1);
		assert_string_equal(ev.verdict.matches[0].rule_id, "to-22");
	}
	/* hits: the correlation's count when it held, its step's every matching event */
	for (size_t i = 0; i < policy_rule_count(p); i++) {
		assert_int_equal(policy_rule_info(p, i, &ri), 0);
		if (!strcmp(ri.id, "scan"))
			assert_int_equal(ri.hits, 2);
		if (!strcmp(ri.id, "scan#1"))
			assert_int_equal(ri.hits, 20);
	}
	policy_free(p);
}

static void test_policy_probe_does_not_count(void **state)
{
	struct policy *p = load(SCAN_POLICY);
	struct sg_event ev;

	for (uint16_t port = 1; port < 10; port++) {
		ev = connect_to(20, port, S);
		policy_eval_probe_lineage(p, &ev, &lineage);
		assert_null(ev.verdict.corr.rule_id);
	}
	for (uint16_t port = 1; port < 5; port++)
		assert_string_equal(judge(p, connect_to(20, port, S)), "-");
	assert_string_equal(judge(p, connect_to(20, 5, S)), "scan");
	policy_free(p);
}

static void test_policy_write_then_exec(void **state)
{
	struct policy *p = load(
		"version: 1\ndefaults: {action: allow}\nrules:\n"
		"  - id: dropped-run\n    correlate:\n      window: 60s\n      by: [file.path]\n"
		"      sequence:\n"
		"        - events: [write]\n          match: {file.path: {prefix: [/tmp/]}}\n"
		"        - events: [exec]\n          by: [proc.exe]\n"
		"    action: alert\n    severity: high\n");
	const struct sg_corr *k;

	struct policy_stats st;

	/* run first, written later: not the sequence; and a run makes no group */
	assert_string_equal(judge(p, exec_of(30, "/tmp/a", 1 * S)), "-");
	policy_stats(p, &st);
	assert_int_equal(st.corr_groups, 0);
	assert_string_equal(judge(p, open_of(20, 1000, "/tmp/a", true, 3, 2 * S)), "-");
	/* a read is no write; another file is another group */
	assert_string_equal(judge(p, open_of(20, 1000, "/tmp/b", false, 3, 2 * S)), "-");
	assert_string_equal(judge(p, exec_of(30, "/tmp/b", 3 * S)), "-");
	policy_stats(p, &st);
	assert_int_equal(st.corr_groups, 1); /* /tmp/a's write */
	/* written by one process, run by any within the minute */
	k = last_corr(p, exec_of(40, "/tmp/a", 30 * S));
	assert_non_null(k);
	assert_string_equal(k->kind, "sequence");
	assert_int_equal(k->count, 2);
	assert_string_equal(k->group, "file.path=/tmp/a");
	assert_int_equal(k->first_ns, T0 + 2 * S);
	/* too late */
	assert_string_equal(judge(p, open_of(20, 1000, "/tmp/c", true, 3, 100 * S)), "-");
	assert_string_equal(judge(p, exec_of(30, "/tmp/c", 161 * S)), "-");
	policy_free(p);
}

static void test_policy_tree(void **state)
{
	struct policy *p = load(
		"version: 1\ndefaults: {action: allow}\nrules:\n"
		"  - id: read-then-connect\n    correlate:\n      window: 10s\n      by: tree\n"
		"      sequence:\n"
		"        - events: [open]\n          match: {file.path: [/etc/shadow]}\n"
		"        - events: [connect]\n"
		"    action: alert\n"
		"  - id: shadow-burst\n    correlate:\n      window: 10s\n      by: [tree]\n"
		"      count: 3\n      events: [open]\n"
		"      match: {file.path: [/etc/gshadow], result: failure}\n"
		"    action: alert\n");
	const struct sg_corr *k;

	/* the reader's parent connects: not in the reader's tree */
	assert_string_equal(judge(p, open_of(30, 0, "/etc/shadow", false, 3, 1 * S)), "-");
	assert_string_equal(judge(p, connect_to(20, 443, 2 * S)), "-");
	/* an unrelated process neither */
	assert_string_equal(judge(p, connect_to(40, 443, 2 * S)), "-");
	/* the reader itself does */
	assert_string_equal(judge(p, connect_to(30, 443, 3 * S)), "read-then-connect");
	/* bash reads, its child sh connects */
	assert_string_equal(judge(p, open_of(20, 0, "/etc/shadow", false, 3, 4 * S)), "-");
	k = last_corr(p, connect_to(30, 443, 5 * S));
	assert_non_null(k);
	assert_string_equal(k->group, "tree=20(bash)");

	/* failed reads: sh twice and its parent once make three in bash's tree */
	assert_string_equal(judge(p, open_of(30, 1000, "/etc/gshadow", false, -13, 1 * S)), "-");
	assert_string_equal(judge(p, open_of(30, 1000, "/etc/gshadow", false, 3, 1 * S)), "-");
	assert_string_equal(judge(p, open_of(30, 1000, "/etc/gshadow", false, -13, 2 * S)), "-");
	k = last_corr(p, open_of(20, 1000, "/etc/gshadow", false, -13, 3 * S));
	assert_non_null(k);
	assert_string_equal(k->rule_id, "shadow-burst");
	assert_string_equal(k->group, "tree=20(bash)");
	assert_int_equal(k->count, 3);
	policy_free(p);
}

static void test_policy_by_user_and_allow(void **state)
{
	struct policy *p = load(
		"version: 1\ndefaults: {action: allow}\nrules:\n"
		"  - id: quiet-root\n    events: [open]\n    match: {proc.uid: 0}\n"
		"    action: allow\n"
		"  - id: burst\n    correlate:\n      window: 1m\n      by: user\n      count: 2\n"
		"      events: [open]\n      match: {file.path: [/etc/shadow]}\n"
		"    action: alert\n    severity: medium\n");
	const struct sg_corr *k;

	/* the allow rule before it silences root's opens */
	for (int i = 0; i < 4; i++)
		assert_string_equal(judge(p, open_of(20, 0, "/etc/shadow", false, 3, S)), "quiet-root");
	assert_string_equal(judge(p, open_of(20, 1000, "/etc/shadow", false, 3, S)), "-");
	k = last_corr(p, open_of(40, 1000, "/etc/shadow", false, 3, 2 * S));
	assert_non_null(k);
	assert_string_equal(k->group, "proc.uid=1000");
	policy_free(p);
}

struct ecase {
	const char *text, *msg;
};

#define RULE(corr) "version: 1\nrules:\n  - id: c\n    action: alert\n    correlate:\n" corr

static const struct ecase ecases[] = {
	{ RULE("      count: 3\n      events: [open]\n"), "t.yaml:6:7: correlation 'c' has no 'window'" },
	{ RULE("      window: 10\n      count: 3\n      events: [open]\n"), "bad window '10'" },
	{ RULE("      window: 25h\n      count: 3\n      events: [open]\n"), "bad window '25h' (expected a number and ms, s, m, h or d; from 1ms to 24h)" },
	{ RULE("      window: 1s\n      events: [open]\n"), "has neither 'count' nor 'sequence'" },
	{ RULE("      window: 1s\n      count: 1\n      events: [open]\n"),
	  "'count' must be a number from 2 to 1000, not '1'" },
	{ RULE("      window: 1s\n      count: 3\n      events: [open]\n      by: [process, tree]\n"),
	  "'by' takes one of process and tree" },
	{ RULE("      window: 1s\n      count: 3\n      events: [open]\n      by: net.port\n"),
	  "field 'net.port' in 'by' does not exist for every event of its step" },
	{ RULE("      window: 1s\n      count: 3\n      events: [open]\n      distinct: bogus\n"),
	  "unknown field 'bogus' in 'distinct'" },
	{ RULE("      window: 1s\n      count: 3\n      events: [open]\n      colour: red\n"),
	  "unknown key 'colour' in 'correlate'" },
	{ RULE("      window: 1s\n      sequence:\n        - events: [open]\n"),
	  "'sequence' is a list of 2 to 8 steps" },
	{ RULE("      window: 1s\n      by: [file.path]\n      sequence:\n        - events: [open]\n"
	       "        - events: [exec]\n"),
	  "field 'file.path' in 'by' does not exist for every event of step 2" },
	{ RULE("      window: 1s\n      by: [file.path]\n      sequence:\n        - events: [open]\n"
	       "        - events: [exec]\n          by: [tree]\n"),
	  "'tree' goes in the correlation's 'by', not a step's" },
	{ RULE("      window: 1s\n      count: 3\n      events: [open]\n      sequence: []\n"),
	  "a correlation has a 'sequence', or 'events' with 'count'" },
	{ RULE("      window: 1s\n      count: 1000\n      groups: 65536\n      events: [open]\n"),
	  "keeps 510 MiB of windows (groups x count); the most is 64 MiB" },
	{ "version: 1\nrules:\n  - id: c\n    action: block\n    correlate:\n      window: 1s\n"
	  "      count: 3\n      events: [open]\n", "too late to block them" },
	{ "version: 1\nrules:\n  - id: c\n    action: alert\n    events: [open]\n    correlate:\n"
	  "      window: 1s\n      count: 3\n      events: [open]\n",
	  "a correlation rule has 'events', 'match' and 'except' in its steps" },
	{ "version: 1\nrules:\n  - id: c#1\n    action: log\n    events: [open]\n"
	  "  - id: c\n    action: alert\n    correlate:\n      window: 1s\n      count: 3\n"
	  "      events: [open]\n", "a rule's id 'c#1' is the name of this correlation's step 1" },
};

static void test_errors(void **state)
{
	for (size_t i = 0; i < sizeof(ecases) / sizeof(ecases[0]); i++) {
		struct policy_diag d;
		struct policy *p = NULL;
		char *buf = NULL;
		size_t len = 0;
		FILE *f;

		policy_diag_init(&d);
		if (policy_load_string("t.yaml", ecases[i].text, strlen(ecases[i].text), &p, &d) !=
		    -EINVAL)
			fail_msg("case %zu loads", i);
		f = open_memstream(&buf, &len);
		policy_diag_print(&d, f);
		fclose(f);
		if (!strstr(buf, ecases[i].msg))
			fail_msg("case %zu: expected '%s' in:\n%s", i, ecases[i].msg, buf);
		free(buf);
		policy_diag_fini(&d);
	}
}

static void test_dump_and_json(void **state)
{
	static const char text[] =
		"version: 1\nrules:\n"
		"  - id: d\n    correlate:\n      window: 90s\n      by: [tree, file.path]\n"
		"      ordered: false\n      groups: 64\n"
		"      sequence:\n"
		"        - events: [write]\n          match: {file.path: {prefix: [/tmp/]}}\n"
		"        - events: [exec]\n          by: [proc.exe]\n"
		"    action: alert\n";
	struct policy *p = load(text), *q;
	struct json_object *j, *rules;
	char *a = NULL, *b = NULL;

	assert_int_equal(policy_dump_string(p, &a), 0);
	assert_non_null(strstr(a, "      by: [tree, file.path]\n"));
	assert_non_null(strstr(a, "        - by: [proc.exe]\n"));
	assert_non_null(strstr(a, "      ordered: false\n"));
	assert_non_null(strstr(a, "      window: 90s\n"));
	assert_null(strstr(a, "d#1")); /* the steps are inside the correlation */
	q = load(a);
	assert_int_equal(policy_dump_string(q, &b), 0);
	assert_string_equal(a, b);
	assert_int_equal(policy_to_json(p, &j), 0);
	rules = json_object_object_get(j, "rules");
	assert_int_equal(json_object_array_length(rules), 3);
	assert_string_equal(json_object_get_string(json_object_object_get(
				    json_object_array_get_idx(rules, 2), "step_of")), "d");
	json_object_put(j);
	free(a);
	free(b);
	policy_free(p);
	policy_free(q);
}

int main(void)
{
	static const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_count_window),
		cmocka_unit_test(test_distinct),
		cmocka_unit_test(test_ordered),
		cmocka_unit_test(test_any_order),
		cmocka_unit_test(test_groups_evicted),
		cmocka_unit_test(test_table_limits),
		cmocka_unit_test_setup(test_policy_distinct_ports, setup_tree),
		cmocka_unit_test_setup(test_policy_probe_does_not_count, setup_tree),
		cmocka_unit_test_setup(test_policy_write_then_exec, setup_tree),
		cmocka_unit_test_setup(test_policy_tree, setup_tree),
		cmocka_unit_test_setup(test_policy_by_user_and_allow, setup_tree),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_dump_and_json),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
