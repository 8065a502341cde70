// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Unit tests for sysguardd/encode.c: every event type encoded, parsed back
 * with json-c, and its fields checked.
 */
#include <errno.h>
#include <fcntl.h>
#include <regex.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <cmocka.h>
#include <sys/stat.h>
#include <json-c/json.h>
#include "encode.h"
#include "sg_limits.h"
#include "proctable.h"

static char line[SG_JSON_LINE_MAX];
static json_object *root;
static struct sg_event ev;

static int setup(void **state)
{
	memset(&ev, 0, sizeof(ev));
	ev.seq = 42;
	ev.ts_ns = 1700000000123456789ull;
	ev.proc.pid = 100;
	ev.proc.tid = 101;
	ev.proc.ppid = 1;
	ev.proc.uid = 1000;
	ev.proc.gid = 1001;
	ev.proc.cgroup_id = 9876543210ull;
	snprintf(ev.proc.comm, sizeof(ev.proc.comm), "bash");
	ev.proc.exe = "/usr/bin/bash";
	root = NULL;
	return 0;
}

static int teardown(void **state)
{
	json_object_put(root);
	root = NULL;
	return 0;
}

static json_object *encode_ctx(const struct encode_ctx *ctx)
{
	int n = encode_event(&ev, ctx, line, sizeof(line));

	if (n < 0)
		fail_msg("encode_event: %d", n);
	assert_int_equal(n, strlen(line));
	assert_null(strchr(line, '\n'));
	json_object_put(root);
	root = json_tokener_parse(line);
	if (!root || !json_object_is_type(root, json_type_object))
		fail_msg("not a JSON object: %s", line);
	return root;
}

static json_object *encode(void)
{
	return encode_ctx(NULL);
}

/* The member at a dotted path ("proc.parent.pid"), or NULL. */
static json_object *get(json_object *o, const char *path)
{
	char key[64];

	while (o && *path) {
		const char *dot = strchr(path, '.');
		size_t l = dot ? (size_t)(dot - path) : strlen(path);

		assert_true(l < sizeof(key));
		memcpy(key, path, l);
		key[l] = '\0';
		if (!json_object_object_get_ex(o, key, &o))
			return NULL;
		path += l + (dot ? 1 : 0);
	}
	return o;
}

static void has_not(const char *path)
{
	if (get(root, path))
		fail_msg("'%s' present in %s", path, line);
}

static json_object *must(const char *path, json_type t)
{
	json_object *o = get(root, path);

	if (!o)
		fail_msg("'%s' missing in %s", path, line);
	if (!json_object_is_type(o, t))
		fail_msg("'%s' has type %s in %s", path, json_type_to_name(json_object_get_type(o)),
			 line);
	return o;
}

static void str_is(const char *path, const char *want)
{
	const char *s = json_object_get_string(must(path, json_type_string));

	if (strcmp(s, want) != 0)
		fail_msg("'%s' is '%s', want '%s'", path, s, want);
}

static void int_is(const char *path, int64_t want)
{
	int64_t v = json_object_get_int64(must(path, json_type_int));

	if (v != want)
		fail_msg("'%s' is %lld, want %lld", path, (long long)v, (long long)want);
}

static void uint_is(const char *path, uint64_t want)
{
	uint64_t v = json_object_get_uint64(must(path, json_type_int));

	if (v != want)
		fail_msg("'%s' is %llu, want %llu", path, (unsigned long long)v,
			 (unsigned long long)want);
}

static void bool_is(const char *path, bool want)
{
	assert_int_equal(json_object_get_boolean(must(path, json_type_boolean)), want);
}

static void null_is(const char *path)
{
	json_object *o = NULL;
	const char *dot = strrchr(path, '.');

	/* present and null (json-c gives NULL for a null member, so look up the key) */
	if (dot) {
		char parent[64];

		snprintf(parent, sizeof(parent), "%.*s", (int)(dot - path), path);
		o = must(parent, json_type_object);
		path = dot + 1;
	} else {
		o = root;
	}
	if (!json_object_object_get_ex(o, path, &o) || o)
		fail_msg("'%s' not null in %s", path, line);
}

/* An array of strings, compared with a NULL-terminated list. */
static void strs_are(const char *path, const char *const *want)
{
	json_object *a = must(path, json_type_array);
	size_t n = 0;

	while (want[n])
		n++;
	if (json_object_array_length(a) != n)
		fail_msg("'%s' has %zu entries, want %zu: %s", path, json_object_array_length(a),
			 n, line);
	for (size_t i = 0; i < n; i++) {
		json_object *e = json_object_array_get_idx(a, i);

		if (!json_object_is_type(e, json_type_string) ||
		    strcmp(json_object_get_string(e), want[i]) != 0)
			fail_msg("'%s'[%zu] is %s, want '%s'", path, i, json_object_to_json_string(e),
				 want[i]);
	}
}

#define STRS(path, ...) strs_are(path, (const char *const[]){ __VA_ARGS__, NULL })

/* ---- common fields ---- */

static void common_fields(void **state)
{
	regex_t re;

	ev.type = SG_EV_FORK;
	ev.fork.child_pid = 555;
	encode();
	uint_is("schema", SG_EVENT_SCHEMA);
	uint_is("seq", 42);
	str_is("time", "2023-11-14T22:13:20.123456789Z");
	str_is("type", "fork");
	str_is("action", "log");
	has_not("rule");
	has_not("severity");
	has_not("enforced");
	has_not("repeat");
	has_not("host");
	has_not("syscall");
	has_not("result");
	has_not("error");
	has_not("incomplete");
	uint_is("proc.pid", 100);
	uint_is("proc.tid", 101);
	uint_is("proc.ppid", 1);
	uint_is("proc.uid", 1000);
	uint_is("proc.gid", 1001);
	str_is("proc.comm", "bash");
	str_is("proc.exe", "/usr/bin/bash");
	uint_is("proc.cgroup_id", 9876543210ull);
	has_not("proc.argv");
	has_not("proc.parent");
	uint_is("fork.child_pid", 555);

	assert_int_equal(regcomp(&re, "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}"
				      "\\.[0-9]{9}Z$", REG_EXTENDED | REG_NOSUB), 0);
	for (uint64_t ts = 0; ts < 4000000000000000000ull; ts = ts * 7 + 123456789) {
		ev.ts_ns = ts;
		encode();
		if (regexec(&re, json_object_get_string(must("time", json_type_string)), 0, NULL,
			    0) != 0)
			fail_msg("bad time: %s", line);
	}
	regfree(&re);

	ev.ts_ns = 5;
	encode();
	str_is("time", "1970-01-01T00:00:00.000000005Z");
	ev.ts_ns = 1000000000;
	encode();
	str_is("time", "1970-01-01T00:00:01.000000000Z");

	/* unknown exe, a comm that needs escaping */
	ev.proc.exe = NULL;
	snprintf(ev.proc.comm, sizeof(ev.proc.comm), "a\"b\\c\x01\xff");
	encode();
	null_is("proc.exe");
	str_is("proc.comm", "a\"b\\c\x01\xef\xbf\xbd");
}

static void host_and_time(void **state)
{
	struct encode_ctx ctx = { .host = "web-1" };
	char t[64];

	ev.type = SG_EV_FORK;
	encode_ctx(&ctx);
	str_is("host", "web-1");

	assert_int_equal(encode_time(t, sizeof(t), 0), 30);
	assert_string_equal(t, "1970-01-01T00:00:00.000000000Z");
	encode_time(t, sizeof(t), 951782400999999999ull); /* a leap day */
	assert_string_equal(t, "2000-02-29T00:00:00.999999999Z");
}

static void verdicts(void **state)
{
	ev.type = SG_EV_OPEN;
	ev.file.path = "/etc/shadow";

	ev.verdict.action = SG_ACT_ALERT;
	ev.verdict.rule_id = "shadow-read";
	ev.verdict.severity = SG_SEV_HIGH;
	encode();
	str_is("action", "alert");
	str_is("rule", "shadow-read");
	str_is("severity", "high");
	has_not("enforced");

	ev.verdict.action = SG_ACT_BLOCK;
	ev.verdict.severity = SG_SEV_CRITICAL;
	ev.verdict.enforced = true;
	encode();
	str_is("action", "block");
	str_is("severity", "critical");
	bool_is("enforced", true);

	ev.verdict.enforced = false;
	encode();
	bool_is("enforced", false);

	/* a rule that only logs */
	ev.verdict.action = SG_ACT_LOG;
	ev.verdict.severity = SG_SEV_INFO;
	ev.verdict.repeat = 1;
	encode();
	str_is("action", "log");
	str_is("rule", "shadow-read");
	str_is("severity", "info");
	has_not("enforced");
	has_not("repeat");

	ev.verdict.repeat = 17;
	encode();
	uint_is("repeat", 17);

	/* no rule: no rule, no severity, even with one set */
	ev.verdict.rule_id = NULL;
	ev.verdict.action = SG_ACT_NONE;
	ev.verdict.severity = SG_SEV_LOW;
	encode();
	str_is("action", "log");
	has_not("rule");
	has_not("severity");
}

static void alert_context(void **state)
{
	struct proctable *pt = proctable_new(16);
	struct encode_ctx ctx = { .pt = pt };
	struct sg_event p;

	assert_non_null(pt);
	/* parent 1 execs, forks 100, which execs */
	memset(&p, 0, sizeof(p));
	p.type = SG_EV_EXEC;
	p.proc.pid = 1;
	snprintf(p.proc.comm, sizeof(p.proc.comm), "init");
	p.proc.exe = "/sbin/init";
	p.exec.argv = "init\0";
	p.exec.argv_len = 5;
	p.exec.argc = 1;
	proctable_update(pt, &p);
	p.type = SG_EV_FORK;
	p.fork.child_pid = 100;
	proctable_update(pt, &p);
	memset(&p, 0, sizeof(p));
	p.type = SG_EV_EXEC;
	p.proc.pid = 100;
	p.proc.ppid = 1;
	p.proc.exe = "/usr/bin/curl";
	p.exec.argv = "curl\0-s\0http://x\0";
	p.exec.argv_len = 18;
	p.exec.argc = 3;
	proctable_update(pt, &p);

	ev.type = SG_EV_CONNECT;
	ev.net.family = AF_INET;
	proctable_enrich(pt, &ev);
	assert_non_null(ev.proc.entry);

	/* logged: small */
	encode_ctx(&ctx);
	has_not("proc.argv");
	has_not("proc.parent");

	ev.verdict.action = SG_ACT_ALERT;
	ev.verdict.rule_id = "r";
	encode_ctx(&ctx);
	STRS("proc.argv", "curl", "-s", "http://x");
	uint_is("proc.parent.pid", 1);
	str_is("proc.parent.comm", "init");
	str_is("proc.parent.exe", "/sbin/init");

	ev.verdict.action = SG_ACT_BLOCK;
	encode_ctx(&ctx);
	STRS("proc.argv", "curl", "-s", "http://x");
	uint_is("proc.parent.pid", 1);

	/* no table, or a parent the table does not know */
	encode();
	has_not("proc.parent");
	STRS("proc.argv", "curl", "-s", "http://x");
	ev.proc.ppid = 77;
	encode_ctx(&ctx);
	has_not("proc.parent");

	/* an exec carries its argv in exec.argv, not twice */
	ev.type = SG_EV_EXEC;
	ev.exec.filename = "/usr/bin/curl";
	ev.exec.argv = "curl\0";
	ev.exec.argv_len = 5;
	ev.exec.argc = 1;
	encode_ctx(&ctx);
	has_not("proc.argv");
	STRS("exec.argv", "curl");
	proctable_free(pt);
}

static void results(void **state)
{
	ev.type = SG_EV_OPEN;
	ev.syscall = SG_SC_OPENAT;
	ev.file.path = "/x";
	ev.has_result = true;
	ev.result = 3;
	encode();
	str_is("syscall", "openat");
	int_is("result", 3);
	has_not("error");

	ev.result = 0;
	encode();
	int_is("result", 0);
	has_not("error");

	ev.result = -ENOENT;
	encode();
	int_is("result", -ENOENT);
	str_is("error", "ENOENT");

	ev.result = -EACCES;
	encode();
	str_is("error", "EACCES");

	ev.result = -EPERM;
	encode();
	str_is("error", "EPERM");

	/* an errno without a name */
	ev.result = -4000;
	encode();
	int_is("result", -4000);
	int_is("error", 4000);

	/* the most negative result a record can carry */
	ev.result = INT32_MIN;
	encode();
	int_is("result", INT32_MIN);
	int_is("error", 2147483648ll);

	/* syscall names */
	for (int sc = SG_SC_EXECVE; sc < SG_SC_MAX; sc++)
		assert_non_null(encode_syscall_name(sc));
	assert_string_equal(encode_syscall_name(SG_SC_RMDIR), "rmdir");
	assert_string_equal(encode_syscall_name(SG_SC_EXECVEAT), "execveat");
	assert_null(encode_syscall_name(SG_SC_NONE));
	assert_null(encode_syscall_name(SG_SC_MAX));
	assert_null(encode_syscall_name(-1));
}

static void exec_event(void **state)
{
	ev.type = SG_EV_EXEC;
	ev.syscall = SG_SC_EXECVE;
	ev.has_result = true;
	ev.exec.filename = "/usr/bin/ls";
	ev.exec.argv = "ls\0-l\0/tmp dir\0";
	ev.exec.argv_len = 15;
	ev.exec.argc = 3;
	ev.exec.cwd = "/home/u";
	ev.exec.at_flags = 0x1000;
	encode();
	str_is("type", "exec");
	str_is("syscall", "execve");
	int_is("result", 0);
	str_is("exec.filename", "/usr/bin/ls");
	STRS("exec.argv", "ls", "-l", "/tmp dir");
	bool_is("exec.argv_truncated", false);
	str_is("exec.cwd", "/home/u");
	has_not("exec.at_flags");

	/* execveat shows its flags; unknown cwd is null; truncated argv */
	ev.syscall = SG_SC_EXECVEAT;
	ev.exec.cwd = NULL;
	ev.exec.argv_truncated = true;
	ev.exec.argv = "sh\0-c\0echo hel\0";
	ev.exec.argv_len = 15;
	encode();
	uint_is("exec.at_flags", 0x1000);
	null_is("exec.cwd");
	bool_is("exec.argv_truncated", true);
	STRS("exec.argv", "sh", "-c", "echo hel");

	/* argc larger than the bytes hold: stops at the end of the bytes */
	ev.exec.argv = "a\0b\0";
	ev.exec.argv_len = 4;
	ev.exec.argc = 9;
	encode();
	STRS("exec.argv", "a", "b");

	/* no argv at all, and an empty argument */
	ev.exec.argv = "";
	ev.exec.argv_len = 0;
	ev.exec.argc = 0;
	encode();
	must("exec.argv", json_type_array);
	assert_int_equal(json_object_array_length(get(root, "exec.argv")), 0);
	ev.exec.argv = "x\0\0y\0";
	ev.exec.argv_len = 5;
	ev.exec.argc = 3;
	encode();
	STRS("exec.argv", "x", "", "y");

	/* a failed exec */
	ev.syscall = SG_SC_EXECVE;
	ev.result = -ENOENT;
	ev.proc.exe = NULL;
	encode();
	int_is("result", -ENOENT);
	str_is("error", "ENOENT");
	null_is("proc.exe");
}

static void exec_context(void **state)
{
	struct proc_entry curl = { .pid = 77, .comm = "curl", .exe = "/usr/bin/curl" };

	ev.type = SG_EV_EXEC;
	ev.syscall = SG_SC_EXECVE;
	ev.has_result = true;
	ev.exec.filename = "/bin/sh";
	ev.exec.argv = "sh\0";
	ev.exec.argv_len = 3;
	ev.exec.argc = 1;
	encode();
	has_not("exec.stdio"); /* unknown: not shown */
	has_not("exec.fileless");
	has_not("exec.via");
	ev.exec.has_stdio = true;
	ev.exec.stdio[0].kind = SG_FD_SOCKET;
	ev.exec.stdio[0].family = AF_INET6;
	ev.exec.stdio[0].lport = 22;
	ev.exec.stdio[0].rport = 40000;
	ev.exec.stdio[0].laddr[15] = 1;
	ev.exec.stdio[0].raddr[15] = 2;
	ev.exec.stdio[1].kind = SG_FD_PIPE;
	ev.exec.stdio[1].ino = 123;
	ev.exec.stdio[1].peer = &curl;
	ev.exec.stdio[2].kind = SG_FD_FILE;
	ev.exec.stdio[2].path = "/tmp/log";
	ev.exec.fileless = "memfd";
	ev.exec.via = "loader";
	ev.exec.loader_target = "/tmp/prog";
	encode();
	str_is("exec.stdio.stdin.kind", "socket");
	str_is("exec.stdio.stdin.family", "inet6");
	str_is("exec.stdio.stdin.local", "[::1]:22");
	str_is("exec.stdio.stdin.remote", "[::2]:40000");
	str_is("exec.stdio.stdout.kind", "pipe");
	uint_is("exec.stdio.stdout.inode", 123);
	uint_is("exec.stdio.stdout.peer.pid", 77);
	str_is("exec.stdio.stdout.peer.exe", "/usr/bin/curl");
	str_is("exec.stdio.stderr.path", "/tmp/log");
	str_is("exec.fileless", "memfd");
	str_is("exec.via", "loader");
	str_is("exec.loader_target", "/tmp/prog");
	ev.exec.stdio[0].kind = SG_FD_NULL;
	ev.exec.stdio[1].kind = SG_FD_CLOSED;
	encode();
	str_is("exec.stdio.stdin.kind", "null");
	has_not("exec.stdio.stdin.family");
	str_is("exec.stdio.stdout.kind", "closed");
	has_not("exec.stdio.stdout.peer");
}

static void exit_event(void **state)
{
	ev.type = SG_EV_EXIT;
	ev.exit.code = 3;
	encode();
	str_is("type", "exit");
	int_is("exit.code", 3);
	null_is("exit.signal");
	bool_is("exit.core_dumped", false);
	has_not("result");
	has_not("syscall");

	ev.exit.code = 0;
	ev.exit.signal = SIGKILL;
	encode();
	int_is("exit.code", 0);
	str_is("exit.signal", "SIGKILL");

	ev.exit.signal = SIGSEGV;
	ev.exit.core = true;
	encode();
	str_is("exit.signal", "SIGSEGV");
	bool_is("exit.core_dumped", true);

	/* a signal number without a name */
	ev.exit.signal = 127;
	ev.exit.core = false;
	encode();
	int_is("exit.signal", 127);
}

static void open_flags_is(uint32_t flags, const char *const *want)
{
	ev.file.flags = flags;
	encode();
	strs_are("file.flags", want);
}

#define FLAGS(f, ...) open_flags_is(f, (const char *const[]){ __VA_ARGS__, NULL })

static void open_event(void **state)
{
	ev.type = SG_EV_OPEN;
	ev.syscall = SG_SC_OPENAT;
	ev.has_result = true;
	ev.result = 4;
	ev.file.path = "/etc/passwd";
	ev.file.path_resolved = true;
	ev.file.mode = 0644;
	ev.file.write = true;
	ev.file.flags = O_WRONLY | O_CREAT | O_TRUNC;
	encode();
	str_is("type", "open");
	str_is("file.path", "/etc/passwd");
	bool_is("file.resolved", true);
	uint_is("file.mode", 0644);
	bool_is("file.write", true);
	has_not("file.new_path");
	has_not("file.dir");

	FLAGS(O_RDONLY, "O_RDONLY");
	FLAGS(O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, "O_WRONLY", "O_CREAT", "O_TRUNC",
	      "O_CLOEXEC");
	FLAGS(O_RDWR | O_APPEND | O_EXCL | O_NOFOLLOW, "O_RDWR", "O_EXCL", "O_APPEND",
	      "O_NOFOLLOW");
	FLAGS(O_RDONLY | O_DIRECTORY | O_NONBLOCK, "O_RDONLY", "O_DIRECTORY", "O_NONBLOCK");
	FLAGS(O_RDWR | O_TMPFILE, "O_RDWR", "O_TMPFILE");
	FLAGS(O_WRONLY | O_SYNC, "O_WRONLY", "O_SYNC");
	FLAGS(O_WRONLY | O_DSYNC, "O_WRONLY", "O_DSYNC");
	FLAGS(O_PATH | O_NOCTTY | O_NOATIME | O_DIRECT, "O_RDONLY", "O_NOCTTY", "O_DIRECT",
	      "O_NOATIME", "O_PATH");

	/* unresolved relative path; a path that is not UTF-8 stays valid JSON */
	ev.file.path = "rel/f\xff";
	ev.file.path_resolved = false;
	ev.file.write = false;
	encode();
	str_is("file.path", "rel/f\xef\xbf\xbd");
	bool_is("file.resolved", false);
	bool_is("file.write", false);
}

static void rename_unlink_events(void **state)
{
	ev.type = SG_EV_RENAME;
	ev.syscall = SG_SC_RENAMEAT2;
	ev.has_result = true;
	ev.file.path = "/a/old";
	ev.file.path_resolved = true;
	ev.file.new_path = "new";
	ev.file.new_path_resolved = false;
	ev.file.flags = 1;
	encode();
	str_is("type", "rename");
	str_is("syscall", "renameat2");
	str_is("file.path", "/a/old");
	str_is("file.new_path", "new");
	bool_is("file.new_resolved", false);
	uint_is("file.flags", 1);
	has_not("file.write");
	has_not("file.mode");

	memset(&ev.file, 0, sizeof(ev.file));
	ev.type = SG_EV_UNLINK;
	ev.syscall = SG_SC_UNLINKAT;
	ev.file.path = "/tmp/d";
	ev.file.path_resolved = true;
	ev.file.dir = true;
	encode();
	str_is("type", "unlink");
	bool_is("file.dir", true);
	has_not("file.new_path");
	ev.file.dir = false;
	encode();
	bool_is("file.dir", false);
}

static void chmod_event(void **state)
{
	ev.type = SG_EV_CHMOD;
	ev.syscall = SG_SC_FCHMODAT;
	ev.has_result = true;
	ev.file.path = "/tmp/x";
	ev.file.path_resolved = true;
	ev.file.mode = S_IFREG | 04755; /* only the permission bits are shown */
	encode();
	str_is("type", "chmod");
	str_is("syscall", "fchmodat");
	str_is("file.path", "/tmp/x");
	uint_is("file.mode", 04755);
	str_is("file.mode_octal", "4755");
	bool_is("file.setuid", true);
	bool_is("file.setgid", false);
	bool_is("file.sticky", false);
	bool_is("file.exec", true);
	has_not("file.flags");
	has_not("file.write");

	ev.syscall = SG_SC_FCHMODAT2;
	ev.file.mode = 03600;
	ev.file.flags = 0x100;
	encode();
	str_is("file.mode_octal", "3600");
	bool_is("file.setuid", false);
	bool_is("file.setgid", true);
	bool_is("file.sticky", true);
	bool_is("file.exec", false);
	uint_is("file.flags", 0x100);

	/* fchmod of a descriptor whose path could not be walked */
	ev.syscall = SG_SC_FCHMOD;
	ev.file.path = NULL;
	ev.file.path_resolved = false;
	ev.file.flags = 0;
	ev.file.mode = 0;
	encode();
	null_is("file.path");
	str_is("file.mode_octal", "0000");
}

static void net_events(void **state)
{
	ev.type = SG_EV_CONNECT;
	ev.syscall = SG_SC_CONNECT;
	ev.has_result = true;
	ev.result = -EINPROGRESS;
	ev.net.family = AF_INET;
	ev.net.sock_type = SOCK_STREAM;
	ev.net.port = 443;
	inet_pton(AF_INET, "192.0.2.10", ev.net.addr);
	encode();
	str_is("type", "connect");
	str_is("error", "EINPROGRESS");
	str_is("net.family", "inet");
	str_is("net.proto", "tcp");
	str_is("net.addr", "192.0.2.10");
	uint_is("net.port", 443);
	has_not("net.unix_path");
	has_not("net.backlog");

	ev.type = SG_EV_BIND;
	ev.result = 0;
	ev.net.family = AF_INET6;
	ev.net.sock_type = SOCK_DGRAM;
	ev.net.protocol = IPPROTO_UDP;
	ev.net.port = 53;
	inet_pton(AF_INET6, "2001:db8::1", ev.net.addr);
	encode();
	str_is("type", "bind");
	str_is("net.family", "inet6");
	str_is("net.proto", "udp");
	str_is("net.addr", "2001:db8::1");
	uint_is("net.port", 53);

	ev.type = SG_EV_LISTEN;
	ev.net.family = AF_INET;
	ev.net.sock_type = SOCK_STREAM;
	ev.net.protocol = 0;
	memset(ev.net.addr, 0, sizeof(ev.net.addr));
	ev.net.port = 8080;
	ev.net.backlog = 4096;
	encode();
	str_is("type", "listen");
	str_is("net.addr", "0.0.0.0");
	uint_is("net.backlog", 4096);

	ev.type = SG_EV_CONNECT;
	ev.net.family = AF_UNIX;
	ev.net.sock_type = SOCK_SEQPACKET;
	ev.net.unix_path = "@abstract";
	encode();
	str_is("net.family", "unix");
	str_is("net.proto", "seqpacket");
	str_is("net.unix_path", "@abstract");
	has_not("net.addr");
	has_not("net.port");
	ev.net.unix_path = NULL;
	encode();
	null_is("net.unix_path");

	/* a family without a name, a protocol without one */
	ev.net.family = AF_NETLINK;
	ev.net.sock_type = 0;
	encode();
	int_is("net.family", AF_NETLINK);
	null_is("net.proto");
	has_not("net.addr");
	has_not("net.unix_path");

	assert_string_equal(encode_proto_name(SOCK_RAW, IPPROTO_ICMP), "icmp");
	assert_string_equal(encode_proto_name(SOCK_STREAM, IPPROTO_SCTP), "sctp");
	assert_string_equal(encode_proto_name(SOCK_RAW, 0), "raw");
	assert_string_equal(encode_proto_name(SOCK_STREAM, IPPROTO_MPTCP), "stream");
}

static void addr_text(void **state)
{
	uint8_t a[16] = { 0 };
	char b[INET6_ADDRSTRLEN];

	inet_pton(AF_INET6, "::ffff:10.0.0.1", a);
	assert_int_equal(encode_addr(b, sizeof(b), AF_INET6, a), 0);
	assert_string_equal(b, "::ffff:10.0.0.1");
	assert_int_equal(encode_addr(b, sizeof(b), AF_UNIX, a), -EAFNOSUPPORT);
	assert_int_equal(encode_addr(b, 4, AF_INET6, a), -ENOSPC);
}

static void internal_events(void **state)
{
	ev.type = SG_EV_MARK;
	ev.mark.text = "test marker \"1\"";
	encode();
	str_is("type", "mark");
	str_is("mark.text", "test marker \"1\"");
	has_not("proc");
	has_not("result");

	memset(&ev.drop, 0, sizeof(ev.drop));
	ev.type = SG_EV_DROP;
	ev.drop.where = "ring";
	ev.drop.lost[SG_EV_OPEN] = 10;
	ev.drop.lost[SG_EV_EXEC] = 2;
	ev.drop.total = 12;
	encode();
	str_is("type", "drop");
	str_is("drop.where", "ring");
	uint_is("drop.total", 12);
	uint_is("drop.lost.open", 10);
	uint_is("drop.lost.exec", 2);
	has_not("drop.lost.fork");
	assert_int_equal(json_object_object_length(must("drop.lost", json_type_object)), 2);
	has_not("proc");

	ev.type = SG_EV_BLOCKCHG;
	ev.blockchg.op = "add";
	ev.blockchg.rule = "connect 10.0.0.0/8";
	ev.blockchg.source = "runtime";
	ev.blockchg.by_uid = 0;
	encode();
	str_is("type", "block_change");
	str_is("block_change.op", "add");
	str_is("block_change.rule", "connect 10.0.0.0/8");
	str_is("block_change.source", "runtime");
	uint_is("block_change.by_uid", 0);

	ev.type = SG_EV_POLICY;
	ev.policy.source = "/etc/sysguard/policies.d";
	ev.policy.rules = 12;
	ev.policy.ok = true;
	ev.policy.error = NULL;
	encode();
	str_is("type", "policy");
	str_is("policy.source", "/etc/sysguard/policies.d");
	uint_is("policy.rules", 12);
	bool_is("policy.ok", true);
	has_not("policy.error");
	ev.policy.ok = false;
	ev.policy.error = "x.yaml:3:1: unknown key";
	encode();
	bool_is("policy.ok", false);
	str_is("policy.error", "x.yaml:3:1: unknown key");
}

static void incomplete(void **state)
{
	ev.type = SG_EV_OPEN;
	ev.file.path = "";
	ev.kflags = SG_F_TRUNC_PATH | SG_F_PATH_FAULT | SG_F_NO_ENTER | SG_F_DIR_UNRES;
	encode();
	STRS("incomplete", "path_truncated", "path_unreadable", "entry_not_seen");
	ev.kflags = SG_F_NO_ENTER;
	encode();
	STRS("incomplete", "entry_not_seen");
	ev.kflags = SG_F_DIR_UNRES | SG_F_TRUNC_ARGV;
	encode();
	has_not("incomplete");
}

static void too_small(void **state)
{
	int n;

	ev.type = SG_EV_EXEC;
	ev.exec.filename = "/usr/bin/something-long";
	ev.exec.argv = "a\0";
	ev.exec.argv_len = 2;
	ev.exec.argc = 1;
	n = encode_event(&ev, NULL, line, sizeof(line));
	assert_true(n > 0);
	for (size_t cap = 0; cap <= (size_t)n; cap++) {
		memset(line, 0x55, sizeof(line));
		assert_int_equal(encode_event(&ev, NULL, line, cap), -ENOSPC);
		for (size_t i = cap; i < (size_t)n + 16; i++)
			if ((unsigned char)line[i] != 0x55)
				fail_msg("cap %zu: byte %zu written", cap, i);
	}
	assert_int_equal(encode_event(&ev, NULL, line, n + 1), n);
	assert_int_equal(strlen(line), n);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(common_fields, setup, teardown),
		cmocka_unit_test_setup_teardown(host_and_time, setup, teardown),
		cmocka_unit_test_setup_teardown(verdicts, setup, teardown),
		cmocka_unit_test_setup_teardown(alert_context, setup, teardown),
		cmocka_unit_test_setup_teardown(results, setup, teardown),
		cmocka_unit_test_setup_teardown(exec_event, setup, teardown),
		cmocka_unit_test_setup_teardown(exec_context, setup, teardown),
		cmocka_unit_test_setup_teardown(exit_event, setup, teardown),
		cmocka_unit_test_setup_teardown(open_event, setup, teardown),
		cmocka_unit_test_setup_teardown(rename_unlink_events, setup, teardown),
		cmocka_unit_test_setup_teardown(chmod_event, setup, teardown),
		cmocka_unit_test_setup_teardown(net_events, setup, teardown),
		cmocka_unit_test_setup_teardown(addr_text, setup, teardown),
		cmocka_unit_test_setup_teardown(internal_events, setup, teardown),
		cmocka_unit_test_setup_teardown(incomplete, setup, teardown),
		cmocka_unit_test_setup_teardown(too_small, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
