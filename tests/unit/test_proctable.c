// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Unit tests for sysguardd/proctable.c: learning from fork, exec and exit
 * events, enrichment, the parent chain, LRU eviction, and seeding from a fake
 * procfs tree built under a temporary directory.
 */
#include <errno.h>
#include <ftw.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>
#include "proctable.h"

static struct sg_event mk(int type, uint32_t pid, uint32_t ppid)
{
	struct sg_event e;

	memset(&e, 0, sizeof(e));
	e.type = type;
	e.proc.pid = pid;
	e.proc.tid = pid;
	e.proc.ppid = ppid;
	e.proc.uid = 1000;
	e.proc.gid = 100;
	e.ts_ns = 1000 + pid;
	snprintf(e.proc.comm, sizeof(e.proc.comm), "c%u", (unsigned)pid);
	return e;
}

static void do_exec(struct proctable *pt, uint32_t pid, uint32_t ppid, const char *exe,
		    const char *argv, size_t argv_len, unsigned int argc)
{
	struct sg_event e = mk(SG_EV_EXEC, pid, ppid);

	e.has_result = true;
	e.proc.exe = exe;
	e.exec.filename = exe;
	e.exec.argv = argv;
	e.exec.argv_len = argv_len;
	e.exec.argc = argc;
	proctable_update(pt, &e);
}

static void do_fork(struct proctable *pt, uint32_t pid, uint32_t ppid, uint32_t child)
{
	struct sg_event e = mk(SG_EV_FORK, pid, ppid);

	e.fork.child_pid = child;
	proctable_update(pt, &e);
}

static void do_event(struct proctable *pt, int type, uint32_t pid, uint32_t ppid)
{
	struct sg_event e = mk(type, pid, ppid);

	proctable_update(pt, &e);
}

static void new_free(void **state)
{
	struct proctable *pt = proctable_new(0);

	assert_non_null(pt);
	assert_int_equal(proctable_count(pt), 0);
	assert_int_equal(proctable_evictions(pt), 0);
	assert_null(proctable_get(pt, 1));
	proctable_free(pt);
	proctable_free(NULL);

	pt = proctable_new(1);
	assert_non_null(pt);
	proctable_free(pt);
}

static void any_event_adds(void **state)
{
	struct proctable *pt = proctable_new(16);
	const struct proc_entry *e;

	do_event(pt, SG_EV_OPEN, 50, 1);
	e = proctable_get(pt, 50);
	assert_non_null(e);
	assert_int_equal(e->pid, 50);
	assert_int_equal(e->ppid, 1);
	assert_int_equal(e->uid, 1000);
	assert_int_equal(e->gid, 100);
	assert_string_equal(e->comm, "c50");
	assert_null(e->exe);
	assert_null(e->argv);
	assert_false(e->seeded);
	assert_int_equal(e->start_ns, 1050);
	assert_int_equal(proctable_count(pt), 1);

	/* a later event refreshes uid, gid, ppid and comm, not start_ns */
	{
		struct sg_event ev = mk(SG_EV_CONNECT, 50, 7);

		ev.proc.uid = 0;
		ev.proc.gid = 0;
		ev.ts_ns = 99999;
		snprintf(ev.proc.comm, sizeof(ev.proc.comm), "renamed");
		proctable_update(pt, &ev);
	}
	e = proctable_get(pt, 50);
	assert_int_equal(e->ppid, 7);
	assert_int_equal(e->uid, 0);
	assert_int_equal(e->gid, 0);
	assert_string_equal(e->comm, "renamed");
	assert_int_equal(e->start_ns, 1050);
	assert_int_equal(proctable_count(pt), 1);

	/* types that do not come from the kernel teach nothing */
	do_event(pt, SG_EV_MARK, 60, 1);
	do_event(pt, SG_EV_NONE, 61, 1);
	assert_null(proctable_get(pt, 60));
	assert_null(proctable_get(pt, 61));
	assert_int_equal(proctable_count(pt), 1);
	proctable_free(pt);
}

static void fork_copies_parent(void **state)
{
	struct proctable *pt = proctable_new(16);
	const struct proc_entry *p, *c;

	do_exec(pt, 10, 1, "/bin/bash", "bash\0-l\0", 8, 2);
	do_fork(pt, 10, 1, 11);
	p = proctable_get(pt, 10);
	c = proctable_get(pt, 11);
	assert_non_null(p);
	assert_non_null(c);
	assert_int_equal(proctable_count(pt), 2);
	assert_int_equal(c->ppid, 10);
	assert_int_equal(c->uid, p->uid);
	assert_int_equal(c->gid, p->gid);
	assert_string_equal(c->comm, "c10");
	assert_string_equal(c->exe, "/bin/bash");
	assert_int_equal(c->argc, 2);
	assert_int_equal(c->argv_len, 8);
	assert_memory_equal(c->argv, "bash\0-l\0", 8);
	assert_false(c->seeded);

	/* the child execs: its exe and argv change, the parent's stay */
	do_exec(pt, 11, 10, "/usr/bin/id", "id\0-u\0", 6, 2);
	c = proctable_get(pt, 11);
	p = proctable_get(pt, 10);
	assert_string_equal(c->exe, "/usr/bin/id");
	assert_memory_equal(c->argv, "id\0-u\0", 6);
	assert_int_equal(c->argc, 2);
	assert_string_equal(p->exe, "/bin/bash");
	assert_memory_equal(p->argv, "bash\0-l\0", 8);

	/* the parent exits: the child keeps what it had */
	do_fork(pt, 10, 1, 12);
	do_event(pt, SG_EV_EXIT, 10, 1);
	do_event(pt, SG_EV_OPEN, 12, 10);
	assert_null(proctable_get(pt, 10));
	c = proctable_get(pt, 12);
	assert_string_equal(c->exe, "/bin/bash");
	assert_memory_equal(c->argv, "bash\0-l\0", 8);
	proctable_free(pt);
}

static void fork_of_unknown_parent(void **state)
{
	struct proctable *pt = proctable_new(16);
	const struct proc_entry *c;

	do_fork(pt, 20, 1, 21);
	c = proctable_get(pt, 21);
	assert_non_null(c);
	assert_non_null(proctable_get(pt, 20));
	assert_int_equal(c->ppid, 20);
	assert_null(c->exe);
	assert_null(c->argv);
	assert_int_equal(c->argc, 0);
	proctable_free(pt);
}

static void exec_replaces(void **state)
{
	struct proctable *pt = proctable_new(16);
	const struct proc_entry *e;

	do_exec(pt, 30, 1, "/bin/sh", "sh\0", 3, 1);
	do_exec(pt, 30, 1, "/usr/bin/python3", "python3\0x.py\0", 13, 2);
	e = proctable_get(pt, 30);
	assert_string_equal(e->exe, "/usr/bin/python3");
	assert_int_equal(e->argc, 2);
	assert_int_equal(e->argv_len, 13);
	assert_memory_equal(e->argv, "python3\0x.py\0", 13);

	/* exe unknown to the kernel: the filename stands in */
	{
		struct sg_event ev = mk(SG_EV_EXEC, 30, 1);

		ev.has_result = true;
		ev.exec.filename = "/opt/tool";
		ev.exec.argv = "tool\0";
		ev.exec.argv_len = 5;
		ev.exec.argc = 1;
		proctable_update(pt, &ev);
	}
	e = proctable_get(pt, 30);
	assert_string_equal(e->exe, "/opt/tool");
	assert_int_equal(e->argc, 1);
	proctable_free(pt);
}

static void failed_exec_changes_nothing(void **state)
{
	struct proctable *pt = proctable_new(16);
	const struct proc_entry *e;
	struct sg_event ev;

	do_exec(pt, 40, 1, "/bin/sh", "sh\0-c\0", 6, 2);
	ev = mk(SG_EV_EXEC, 40, 1);
	ev.has_result = true;
	ev.result = -ENOENT;
	ev.exec.filename = "/no/such";
	ev.exec.argv = "such\0";
	ev.exec.argv_len = 5;
	ev.exec.argc = 1;
	proctable_update(pt, &ev);
	e = proctable_get(pt, 40);
	assert_string_equal(e->exe, "/bin/sh");
	assert_int_equal(e->argc, 2);
	assert_memory_equal(e->argv, "sh\0-c\0", 6);
	proctable_free(pt);
}

static void exit_stays_until_next_update(void **state)
{
	struct proctable *pt = proctable_new(16);
	struct sg_event ev;

	do_exec(pt, 50, 1, "/bin/sleep", "sleep\0", 6, 1);
	do_exec(pt, 51, 1, "/bin/cat", "cat\0", 4, 1);
	ev = mk(SG_EV_EXIT, 50, 1);
	ev.exit.code = 0;
	proctable_update(pt, &ev);
	/* the exit event itself is still enriched */
	assert_non_null(proctable_get(pt, 50));
	proctable_enrich(pt, &ev);
	assert_non_null(ev.proc.entry);
	assert_int_equal(ev.proc.entry->pid, 50);
	assert_string_equal(ev.proc.exe, "/bin/sleep");
	assert_int_equal(proctable_count(pt), 2);

	/* the next update, whatever it is about, removes it */
	do_event(pt, SG_EV_OPEN, 51, 1);
	assert_null(proctable_get(pt, 50));
	assert_non_null(proctable_get(pt, 51));
	assert_int_equal(proctable_count(pt), 1);
	/* so does a non-kernel event */
	do_event(pt, SG_EV_EXIT, 51, 1);
	do_event(pt, SG_EV_MARK, 0, 0);
	assert_null(proctable_get(pt, 51));
	assert_int_equal(proctable_count(pt), 0);
	assert_int_equal(proctable_evictions(pt), 0);

	/* two exits in a row: each goes at the following update */
	do_event(pt, SG_EV_OPEN, 52, 1);
	do_event(pt, SG_EV_OPEN, 53, 1);
	do_event(pt, SG_EV_EXIT, 52, 1);
	do_event(pt, SG_EV_EXIT, 53, 1);
	assert_null(proctable_get(pt, 52));
	assert_non_null(proctable_get(pt, 53));
	do_event(pt, SG_EV_OPEN, 54, 1);
	assert_null(proctable_get(pt, 53));
	assert_int_equal(proctable_count(pt), 1);
	proctable_free(pt);
}

static void enrich(void **state)
{
	struct proctable *pt = proctable_new(16);
	struct sg_event ev;

	do_exec(pt, 60, 1, "/usr/sbin/sshd", "sshd\0", 5, 1);

	ev = mk(SG_EV_OPEN, 60, 1);
	proctable_update(pt, &ev);
	proctable_enrich(pt, &ev);
	assert_string_equal(ev.proc.exe, "/usr/sbin/sshd");
	assert_non_null(ev.proc.entry);
	assert_ptr_equal(ev.proc.entry, proctable_get(pt, 60));
	assert_ptr_equal(ev.proc.exe, ev.proc.entry->exe);

	/* an exe the event already has is kept */
	ev = mk(SG_EV_OPEN, 60, 1);
	ev.proc.exe = "/from/event";
	proctable_enrich(pt, &ev);
	assert_string_equal(ev.proc.exe, "/from/event");
	assert_non_null(ev.proc.entry);

	/* unknown process */
	ev = mk(SG_EV_OPEN, 61, 1);
	ev.proc.entry = (const void *)&ev; /* must be overwritten */
	proctable_enrich(pt, &ev);
	assert_null(ev.proc.exe);
	assert_null(ev.proc.entry);
	proctable_free(pt);
}

static void parent_chain(void **state)
{
	struct proctable *pt = proctable_new(16);
	const struct proc_entry *e;

	do_event(pt, SG_EV_OPEN, 1, 0);
	do_fork(pt, 1, 0, 100);
	do_fork(pt, 100, 1, 200);
	do_fork(pt, 200, 100, 300);
	e = proctable_get(pt, 300);
	assert_int_equal(e->pid, 300);
	e = proctable_parent(pt, e);
	assert_non_null(e);
	assert_int_equal(e->pid, 200);
	e = proctable_parent(pt, e);
	assert_int_equal(e->pid, 100);
	e = proctable_parent(pt, e);
	assert_int_equal(e->pid, 1);
	assert_null(proctable_parent(pt, e)); /* ppid 0 */
	assert_null(proctable_parent(pt, NULL));

	/* a parent that is not known, and a process that is its own parent */
	do_event(pt, SG_EV_OPEN, 400, 399);
	assert_null(proctable_parent(pt, proctable_get(pt, 400)));
	do_event(pt, SG_EV_OPEN, 500, 500);
	assert_null(proctable_parent(pt, proctable_get(pt, 500)));
	proctable_free(pt);
}

static void lru_eviction(void **state)
{
	struct proctable *pt = proctable_new(4);

	for (uint32_t pid = 1; pid <= 4; pid++)
		do_event(pt, SG_EV_OPEN, pid, 1);
	assert_int_equal(proctable_count(pt), 4);
	do_event(pt, SG_EV_OPEN, 1, 1); /* 1 is now the most recent: 2 is the oldest */
	do_event(pt, SG_EV_OPEN, 5, 1);
	assert_int_equal(proctable_count(pt), 4);
	assert_int_equal(proctable_evictions(pt), 1);
	assert_null(proctable_get(pt, 2));
	assert_non_null(proctable_get(pt, 1));
	assert_non_null(proctable_get(pt, 3));
	assert_non_null(proctable_get(pt, 4));
	assert_non_null(proctable_get(pt, 5));

	/* lookups and enrichment do not count as use */
	proctable_get(pt, 3);
	{
		struct sg_event ev = mk(SG_EV_OPEN, 3, 1);

		proctable_enrich(pt, &ev);
	}
	do_event(pt, SG_EV_OPEN, 6, 1);
	assert_null(proctable_get(pt, 3));
	assert_int_equal(proctable_evictions(pt), 2);

	/* a fork in a full table: the parent (just touched) and the child survive */
	do_fork(pt, 4, 1, 7);
	assert_non_null(proctable_get(pt, 4));
	assert_non_null(proctable_get(pt, 7));
	assert_int_equal(proctable_get(pt, 7)->ppid, 4);
	assert_int_equal(proctable_count(pt), 4);
	assert_int_equal(proctable_evictions(pt), 3);

	/* many more processes than fit: bounded, the last four remain */
	for (uint32_t pid = 100; pid < 1100; pid++)
		do_event(pt, SG_EV_OPEN, pid, 1);
	assert_int_equal(proctable_count(pt), 4);
	assert_int_equal(proctable_evictions(pt), 1003);
	for (uint32_t pid = 1096; pid < 1100; pid++)
		assert_non_null(proctable_get(pt, pid));
	assert_null(proctable_get(pt, 1095));
	proctable_free(pt);
}

static void lru_fork_refreshes_known_child(void **state)
{
	struct proctable *pt = proctable_new(3);

	/* 10 is known but old (a seeded or reused pid), then 1 forks it */
	do_event(pt, SG_EV_OPEN, 10, 1);
	do_event(pt, SG_EV_OPEN, 1, 0);
	do_event(pt, SG_EV_OPEN, 2, 1);
	do_fork(pt, 1, 0, 10);
	/* the fork made 10 recent: the next insertion evicts 2, not the new child */
	do_event(pt, SG_EV_OPEN, 3, 1);
	assert_non_null(proctable_get(pt, 10));
	assert_non_null(proctable_get(pt, 1));
	assert_null(proctable_get(pt, 2));
	proctable_free(pt);
}

static void table_of_one(void **state)
{
	struct proctable *pt = proctable_new(1);

	do_exec(pt, 1, 0, "/sbin/init", "init\0", 5, 1);
	/* the child's insertion evicts the parent: no use after free */
	do_fork(pt, 1, 0, 2);
	assert_int_equal(proctable_count(pt), 1);
	assert_int_equal(proctable_evictions(pt), 1);
	assert_non_null(proctable_get(pt, 2));
	proctable_free(pt);
}

static void argv_shared_and_freed(void **state)
{
	/* exe and argv are shared between a parent and its children: free in any order */
	struct proctable *pt = proctable_new(8);

	do_exec(pt, 1, 0, "/bin/p", "p\0", 2, 1);
	for (uint32_t c = 2; c < 6; c++)
		do_fork(pt, 1, 0, c);
	do_event(pt, SG_EV_EXIT, 1, 0);
	do_event(pt, SG_EV_EXIT, 3, 1);
	do_exec(pt, 4, 1, "/bin/q", "q\0", 2, 1);
	assert_string_equal(proctable_get(pt, 2)->exe, "/bin/p");
	assert_string_equal(proctable_get(pt, 5)->exe, "/bin/p");
	assert_string_equal(proctable_get(pt, 4)->exe, "/bin/q");
	for (uint32_t c = 10; c < 20; c++) /* evicts everything */
		do_event(pt, SG_EV_OPEN, c, 1);
	proctable_free(pt);
}

/* ---- seeding ---- */

static char procdir[64];

static void write_file(const char *pid, const char *name, const void *data, size_t len)
{
	char p[256];
	FILE *f;

	snprintf(p, sizeof(p), "%s/%s", procdir, pid);
	mkdir(p, 0755);
	snprintf(p, sizeof(p), "%s/%s/%s", procdir, pid, name);
	f = fopen(p, "w");
	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, len, f), len);
	fclose(f);
}

#define WRITE(pid, name, lit) write_file(pid, name, lit, sizeof(lit) - 1)

static void write_exe(const char *pid, const char *target)
{
	char p[256];

	snprintf(p, sizeof(p), "%s/%s/exe", procdir, pid);
	assert_int_equal(symlink(target, p), 0);
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	return remove(path);
}

static int seed_setup(void **state)
{
	snprintf(procdir, sizeof(procdir), "/tmp/sg-procfs-XXXXXX");
	if (!mkdtemp(procdir))
		return -1;

	WRITE("1", "stat", "1 (systemd) S 0 1 1 0 -1 4194560 0 0\n");
	WRITE("1", "status", "Name:\tsystemd\nUmask:\t0000\nState:\tS (sleeping)\n"
			     "Uid:\t0\t0\t0\t0\nGid:\t0\t0\t0\t0\n");
	write_exe("1", "/usr/lib/systemd/systemd");
	WRITE("1", "cmdline", "/sbin/init\0splash\0");

	/* a comm with spaces, parentheses and a ')' followed by a space */
	WRITE("200", "stat", "200 (a) b (c) S 1 200 200 0 -1\n");
	WRITE("200", "status", "Name:\ta) b (c\nUid:\t1000\t1000\t1000\t1000\n"
			       "Gid:\t1001\t1001\t1001\t1001\n");
	write_exe("200", "/home/u/weird prog");
	/* an argv rewritten without a final NUL */
	WRITE("200", "cmdline", "weird: worker\0x");

	/* a comm longer than the kernel's 15 characters is cut */
	WRITE("250", "stat", "250 (abcdefghijklmnopq) R 200 1 1\n");
	WRITE("250", "status", "Name:\tabc\nUid:\t5\t5\t5\t5\nGid:\t6\t6\t6\t6\n");

	/* a kernel thread: no exe, empty cmdline */
	WRITE("2", "stat", "2 (kthreadd) S 0 0 0 0\n");
	WRITE("2", "status", "Name:\tkthreadd\nUid:\t0\t0\t0\t0\nGid:\t0\t0\t0\t0\n");
	WRITE("2", "cmdline", "");

	/* malformed or vanished: skipped */
	WRITE("300", "stat", "300 (broken S 1 2 3\n");
	WRITE("301", "stat", "301 (x) S\n");
	WRITE("302", "stat", "302 (x) S notanumber 1\n");
	WRITE("303", "stat", "");
	WRITE("304", "status", "Uid:\t0\n"); /* no stat at all */

	/* not processes */
	WRITE("self", "stat", "1 (x) S 0\n");
	WRITE("0", "stat", "0 (swapper) S 0\n");
	WRITE("12abc", "stat", "12 (x) S 0\n");
	WRITE("99999999999", "stat", "1 (x) S 0\n");
	write_file(".", "uptime", "1.0 2.0\n", 8);
	return 0;
}

static int seed_teardown(void **state)
{
	return nftw(procdir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

static void seed(void **state)
{
	struct proctable *pt = proctable_new(64);
	const struct proc_entry *e;

	assert_int_equal(proctable_seed(pt, procdir), 4);
	assert_int_equal(proctable_count(pt), 4);

	e = proctable_get(pt, 1);
	assert_non_null(e);
	assert_true(e->seeded);
	assert_int_equal(e->ppid, 0);
	assert_string_equal(e->comm, "systemd");
	assert_int_equal(e->uid, 0);
	assert_string_equal(e->exe, "/usr/lib/systemd/systemd");
	assert_int_equal(e->argc, 2);
	assert_memory_equal(e->argv, "/sbin/init\0splash\0", 18);
	assert_int_equal(e->start_ns, 0);

	e = proctable_get(pt, 200);
	assert_non_null(e);
	assert_int_equal(e->ppid, 1);
	assert_string_equal(e->comm, "a) b (c");
	assert_int_equal(e->uid, 1000);
	assert_int_equal(e->gid, 1001);
	assert_string_equal(e->exe, "/home/u/weird prog");
	assert_int_equal(e->argc, 2);
	assert_int_equal(e->argv_len, 16);
	assert_memory_equal(e->argv, "weird: worker\0x\0", 16);
	assert_ptr_equal(proctable_parent(pt, e), proctable_get(pt, 1));

	e = proctable_get(pt, 250);
	assert_non_null(e);
	assert_string_equal(e->comm, "abcdefghijklmno");
	assert_int_equal(e->ppid, 200);
	assert_int_equal(e->uid, 5);
	assert_int_equal(e->gid, 6);
	assert_null(e->exe);
	assert_null(e->argv);

	e = proctable_get(pt, 2);
	assert_non_null(e);
	assert_string_equal(e->comm, "kthreadd");
	assert_null(e->exe);
	assert_null(e->argv);
	assert_int_equal(e->argc, 0);

	for (uint32_t pid = 300; pid <= 304; pid++)
		assert_null(proctable_get(pt, pid));
	assert_null(proctable_get(pt, 0));
	assert_null(proctable_get(pt, 12));

	/* events keep working on seeded entries; seeding again refreshes them */
	do_fork(pt, 200, 1, 201);
	assert_string_equal(proctable_get(pt, 201)->exe, "/home/u/weird prog");
	assert_false(proctable_get(pt, 201)->seeded);
	assert_int_equal(proctable_seed(pt, procdir), 4);
	assert_int_equal(proctable_count(pt), 5);
	proctable_free(pt);
}

static void seed_bounded(void **state)
{
	struct proctable *pt = proctable_new(2);

	assert_int_equal(proctable_seed(pt, procdir), 4);
	assert_int_equal(proctable_count(pt), 2);
	assert_int_equal(proctable_evictions(pt), 2);
	proctable_free(pt);
}

static void seed_missing(void **state)
{
	struct proctable *pt = proctable_new(8);

	assert_int_equal(proctable_seed(pt, "/nonexistent/proc"), -ENOENT);
	assert_int_equal(proctable_count(pt), 0);
	proctable_free(pt);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(new_free),
		cmocka_unit_test(any_event_adds),
		cmocka_unit_test(fork_copies_parent),
		cmocka_unit_test(fork_of_unknown_parent),
		cmocka_unit_test(exec_replaces),
		cmocka_unit_test(failed_exec_changes_nothing),
		cmocka_unit_test(exit_stays_until_next_update),
		cmocka_unit_test(enrich),
		cmocka_unit_test(parent_chain),
		cmocka_unit_test(lru_eviction),
		cmocka_unit_test(lru_fork_refreshes_known_child),
		cmocka_unit_test(table_of_one),
		cmocka_unit_test(argv_shared_and_freed),
		cmocka_unit_test(seed),
		cmocka_unit_test(seed_bounded),
		cmocka_unit_test(seed_missing),
	};

	return cmocka_run_group_tests(tests, seed_setup, seed_teardown);
}
