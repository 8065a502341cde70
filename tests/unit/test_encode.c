// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Unit tests for sysguardd/encode.c: every event type encoded, parsed back
 * with json-c, and its fields checked.
 *
 * Most cases are rows of cases[]: an event and what its JSON must hold
 * (members by dotted path), run by run_case(), each as its own test.  The
 * functions after the table sweep values, use the process table, or test
 * the encoder's helpers directly.
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

/* ---- the table ------------------------------------------------------------------------------ */

/* What one member of the JSON object must be. */
enum jkind {
	J_STR,     /* a string equal to s */
	J_INT,     /* an integer equal to i */
	J_UINT,    /* an integer equal to u */
	J_BOOL,    /* a boolean equal to i */
	J_NULL,    /* present and null */
	J_ABSENT,  /* not there */
	J_STRS,    /* an array of exactly the strings of strs */
	J_MEMBERS, /* an object of i members */
};

struct jwant {
	const char *path; /* NULL ends the list */
	enum jkind kind;
	const char *s;
	int64_t i;
	uint64_t u;
	const char *const *strs;
};

#define IS_STR(p, v) { p, J_STR, .s = (v) }
#define IS_INT(p, v) { p, J_INT, .i = (v) }
#define IS_UINT(p, v) { p, J_UINT, .u = (v) }
#define IS_BOOL(p, v) { p, J_BOOL, .i = (v) }
#define IS_NULL(p) { p, J_NULL }
#define ABSENT(p) { p, J_ABSENT }
#define ARE_STRS(p, ...) { p, J_STRS, .strs = (const char *const[]){ __VA_ARGS__, NULL } }
#define NO_STRS(p) { p, J_STRS, .strs = (const char *const[]){ NULL } }
#define MEMBERS(p, n) { p, J_MEMBERS, .i = (n) }

struct ecase {
	const char *name;
	struct sg_event ev;
	const char *host; /* encode_ctx.host, or no context */
	struct jwant want[28];
};

/* what setup() gives the functions below */
#define PROC_AS(comm_, exe_)                                                                      \
	.seq = 42,                                                                                \
	.proc = { .pid = 100, .tid = 101, .ppid = 1, .uid = 1000, .gid = 1001,                    \
		  .cgroup_id = 9876543210ull, .comm = comm_, .exe = exe_ }
#define PROC PROC_AS("bash", "/usr/bin/bash")
#define NOW .ts_ns = 1700000000123456789ull

#define EXEC_LS                                                                                   \
	PROC, NOW, .type = SG_EV_EXEC, .has_result = true,                                        \
	.exec.filename = "/usr/bin/ls", .exec.at_flags = 0x1000
#define EXEC_SH                                                                                   \
	PROC, NOW, .type = SG_EV_EXEC, .syscall = SG_SC_EXECVE, .has_result = true,               \
	.exec.filename = "/bin/sh", .exec.argv = "sh\0", .exec.argv_len = 3, .exec.argc = 1
#define OPEN_PASSWD(flags_)                                                                       \
	PROC, NOW, .type = SG_EV_OPEN, .syscall = SG_SC_OPENAT, .has_result = true, .result = 4,  \
	.file = { .path = "/etc/passwd", .path_resolved = true, .mode = 0644, .write = true,      \
		  .flags = (flags_) }
#define OPEN_FLAGS(flags_, ...)                                                                   \
	{ "open: flags " #flags_, { OPEN_PASSWD(flags_) },                                        \
	  .want = { ARE_STRS("file.flags", __VA_ARGS__) } }
#define RESULT(r)                                                                                 \
	PROC, NOW, .type = SG_EV_OPEN, .syscall = SG_SC_OPENAT, .file.path = "/x",                \
	.has_result = true, .result = (r)
#define SHADOW(...)                                                                               \
	PROC, NOW, .type = SG_EV_OPEN, .file.path = "/etc/shadow", .verdict = { __VA_ARGS__ }

/* the other end of a pipe */
static const struct proc_entry curl = { .pid = 77, .comm = "curl", .exe = "/usr/bin/curl" };

/* fds 0-2 of an exec: a socket, a pipe to curl, a file */
#define STDIO(kind0, kind1)                                                                       \
	.exec.has_stdio = true,                                                                   \
	.exec.stdio = { { .kind = (kind0), .family = AF_INET6, .lport = 22, .rport = 40000,       \
			  .laddr = { [15] = 1 }, .raddr = { [15] = 2 } },                         \
			{ .kind = (kind1), .ino = 123, .peer = &curl },                           \
			{ .kind = SG_FD_FILE, .path = "/tmp/log" } },                             \
	.exec.fileless = "memfd", .exec.via = "loader", .exec.loader_target = "/tmp/prog"

#define NET(...) PROC, NOW, .syscall = SG_SC_CONNECT, .has_result = true, __VA_ARGS__

static const struct ecase cases[] = {
	/* ---- what every event has ---- */
	{ "common: every field of a fork", { PROC, NOW, .type = SG_EV_FORK, .fork.child_pid = 555 },
	  .want = { IS_UINT("schema", SG_EVENT_SCHEMA), IS_UINT("seq", 42),
		    IS_STR("time", "2023-11-14T22:13:20.123456789Z"), IS_STR("type", "fork"),
		    IS_STR("action", "log"), ABSENT("rule"), ABSENT("severity"), ABSENT("enforced"),
		    ABSENT("repeat"), ABSENT("host"), ABSENT("syscall"), ABSENT("result"),
		    ABSENT("error"), ABSENT("incomplete"), IS_UINT("proc.pid", 100),
		    IS_UINT("proc.tid", 101), IS_UINT("proc.ppid", 1), IS_UINT("proc.uid", 1000),
		    IS_UINT("proc.gid", 1001), IS_STR("proc.comm", "bash"),
		    IS_STR("proc.exe", "/usr/bin/bash"), IS_UINT("proc.cgroup_id", 9876543210ull),
		    ABSENT("proc.argv"), ABSENT("proc.parent"), IS_UINT("fork.child_pid", 555) } },
	{ "common: time 5 ns after the epoch",
	  { PROC, .ts_ns = 5, .type = SG_EV_FORK, .fork.child_pid = 555 },
	  .want = { IS_STR("time", "1970-01-01T00:00:00.000000005Z") } },
	{ "common: time 1 s after the epoch",
	  { PROC, .ts_ns = 1000000000, .type = SG_EV_FORK, .fork.child_pid = 555 },
	  .want = { IS_STR("time", "1970-01-01T00:00:01.000000000Z") } },
	/* unknown exe, a comm that needs escaping */
	{ "common: unknown exe, comm escaped",
	  { PROC_AS("a\"b\\c\x01\xff", NULL), .ts_ns = 1000000000, .type = SG_EV_FORK,
	    .fork.child_pid = 555 },
	  .want = { IS_NULL("proc.exe"), IS_STR("proc.comm", "a\"b\\c\x01\xef\xbf\xbd") } },
	{ "common: host", { PROC, NOW, .type = SG_EV_FORK }, .host = "web-1",
	  .want = { IS_STR("host", "web-1") } },

	/* ---- verdicts ---- */
	{ "verdict: alert",
	  { SHADOW(.action = SG_ACT_ALERT, .rule_id = "shadow-read", .severity = SG_SEV_HIGH) },
	  .want = { IS_STR("action", "alert"), IS_STR("rule", "shadow-read"),
		    IS_STR("severity", "high"), ABSENT("enforced") } },
	{ "verdict: block, enforced",
	  { SHADOW(.action = SG_ACT_BLOCK, .rule_id = "shadow-read", .severity = SG_SEV_CRITICAL,
		   .enforced = true) },
	  .want = { IS_STR("action", "block"), IS_STR("severity", "critical"),
		    IS_BOOL("enforced", true) } },
	{ "verdict: block, not enforced",
	  { SHADOW(.action = SG_ACT_BLOCK, .rule_id = "shadow-read", .severity = SG_SEV_CRITICAL,
		   .enforced = false) },
	  .want = { IS_BOOL("enforced", false) } },
	/* a rule that only logs */
	{ "verdict: log by a rule",
	  { SHADOW(.action = SG_ACT_LOG, .rule_id = "shadow-read", .severity = SG_SEV_INFO,
		   .repeat = 1) },
	  .want = { IS_STR("action", "log"), IS_STR("rule", "shadow-read"),
		    IS_STR("severity", "info"), ABSENT("enforced"), ABSENT("repeat") } },
	{ "verdict: repeated",
	  { SHADOW(.action = SG_ACT_LOG, .rule_id = "shadow-read", .severity = SG_SEV_INFO,
		   .repeat = 17) },
	  .want = { IS_UINT("repeat", 17) } },
	/* no rule: no rule, no severity, even with one set */
	{ "verdict: no rule",
	  { SHADOW(.action = SG_ACT_NONE, .rule_id = NULL, .severity = SG_SEV_LOW, .repeat = 17) },
	  .want = { IS_STR("action", "log"), ABSENT("rule"), ABSENT("severity") } },

	/* ---- results ---- */
	{ "result: a descriptor", { RESULT(3) },
	  .want = { IS_STR("syscall", "openat"), IS_INT("result", 3), ABSENT("error") } },
	{ "result: 0", { RESULT(0) }, .want = { IS_INT("result", 0), ABSENT("error") } },
	{ "result: ENOENT", { RESULT(-ENOENT) },
	  .want = { IS_INT("result", -ENOENT), IS_STR("error", "ENOENT") } },
	{ "result: EACCES", { RESULT(-EACCES) }, .want = { IS_STR("error", "EACCES") } },
	{ "result: EPERM", { RESULT(-EPERM) }, .want = { IS_STR("error", "EPERM") } },
	/* an errno without a name */
	{ "result: an errno without a name", { RESULT(-4000) },
	  .want = { IS_INT("result", -4000), IS_INT("error", 4000) } },
	/* the most negative result a record can carry */
	{ "result: the most negative", { RESULT(INT32_MIN) },
	  .want = { IS_INT("result", INT32_MIN), IS_INT("error", 2147483648ll) } },

	/* ---- exec ---- */
	{ "exec: execve",
	  { EXEC_LS, .syscall = SG_SC_EXECVE, .exec.argv = "ls\0-l\0/tmp dir\0",
	    .exec.argv_len = 15, .exec.argc = 3, .exec.cwd = "/home/u" },
	  .want = { IS_STR("type", "exec"), IS_STR("syscall", "execve"), IS_INT("result", 0),
		    IS_STR("exec.filename", "/usr/bin/ls"),
		    ARE_STRS("exec.argv", "ls", "-l", "/tmp dir"),
		    IS_BOOL("exec.argv_truncated", false), IS_STR("exec.cwd", "/home/u"),
		    ABSENT("exec.at_flags") } },
	/* execveat shows its flags; unknown cwd is null; truncated argv */
	{ "exec: execveat, unknown cwd, truncated argv",
	  { EXEC_LS, .syscall = SG_SC_EXECVEAT, .exec.argv = "sh\0-c\0echo hel\0",
	    .exec.argv_len = 15, .exec.argc = 3, .exec.argv_truncated = true },
	  .want = { IS_UINT("exec.at_flags", 0x1000), IS_NULL("exec.cwd"),
		    IS_BOOL("exec.argv_truncated", true),
		    ARE_STRS("exec.argv", "sh", "-c", "echo hel") } },
	/* argc larger than the bytes hold: stops at the end of the bytes */
	{ "exec: argc beyond the bytes",
	  { EXEC_LS, .syscall = SG_SC_EXECVEAT, .exec.argv = "a\0b\0", .exec.argv_len = 4,
	    .exec.argc = 9, .exec.argv_truncated = true },
	  .want = { ARE_STRS("exec.argv", "a", "b") } },
	/* no argv at all, and an empty argument */
	{ "exec: no argv",
	  { EXEC_LS, .syscall = SG_SC_EXECVEAT, .exec.argv = "", .exec.argv_len = 0,
	    .exec.argc = 0, .exec.argv_truncated = true },
	  .want = { NO_STRS("exec.argv") } },
	{ "exec: an empty argument",
	  { EXEC_LS, .syscall = SG_SC_EXECVEAT, .exec.argv = "x\0\0y\0", .exec.argv_len = 5,
	    .exec.argc = 3, .exec.argv_truncated = true },
	  .want = { ARE_STRS("exec.argv", "x", "", "y") } },
	/* a failed exec */
	{ "exec: failed",
	  { PROC_AS("bash", NULL), NOW, .type = SG_EV_EXEC, .has_result = true,
	    .exec.filename = "/usr/bin/ls", .exec.at_flags = 0x1000, .syscall = SG_SC_EXECVE,
	    .result = -ENOENT, .exec.argv = "x\0\0y\0", .exec.argv_len = 5, .exec.argc = 3,
	    .exec.argv_truncated = true },
	  .want = { IS_INT("result", -ENOENT), IS_STR("error", "ENOENT"), IS_NULL("proc.exe") } },
	{ "exec: context unknown", { EXEC_SH },
	  .want = { ABSENT("exec.stdio"), /* unknown: not shown */
		    ABSENT("exec.fileless"), ABSENT("exec.via") } },
	{ "exec: stdio, fileless, loader", { EXEC_SH, STDIO(SG_FD_SOCKET, SG_FD_PIPE) },
	  .want = { IS_STR("exec.stdio.stdin.kind", "socket"),
		    IS_STR("exec.stdio.stdin.family", "inet6"),
		    IS_STR("exec.stdio.stdin.local", "[::1]:22"),
		    IS_STR("exec.stdio.stdin.remote", "[::2]:40000"),
		    IS_STR("exec.stdio.stdout.kind", "pipe"),
		    IS_UINT("exec.stdio.stdout.inode", 123),
		    IS_UINT("exec.stdio.stdout.peer.pid", 77),
		    IS_STR("exec.stdio.stdout.peer.exe", "/usr/bin/curl"),
		    IS_STR("exec.stdio.stderr.path", "/tmp/log"), IS_STR("exec.fileless", "memfd"),
		    IS_STR("exec.via", "loader"), IS_STR("exec.loader_target", "/tmp/prog") } },
	{ "exec: stdio null and closed", { EXEC_SH, STDIO(SG_FD_NULL, SG_FD_CLOSED) },
	  .want = { IS_STR("exec.stdio.stdin.kind", "null"), ABSENT("exec.stdio.stdin.family"),
		    IS_STR("exec.stdio.stdout.kind", "closed"),
		    ABSENT("exec.stdio.stdout.peer") } },

	/* ---- exit ---- */
	{ "exit: code", { PROC, NOW, .type = SG_EV_EXIT, .exit.code = 3 },
	  .want = { IS_STR("type", "exit"), IS_INT("exit.code", 3), IS_NULL("exit.signal"),
		    IS_BOOL("exit.core_dumped", false), ABSENT("result"), ABSENT("syscall") } },
	{ "exit: SIGKILL", { PROC, NOW, .type = SG_EV_EXIT, .exit.signal = SIGKILL },
	  .want = { IS_INT("exit.code", 0), IS_STR("exit.signal", "SIGKILL") } },
	{ "exit: SIGSEGV, core dumped",
	  { PROC, NOW, .type = SG_EV_EXIT, .exit.signal = SIGSEGV, .exit.core = true },
	  .want = { IS_STR("exit.signal", "SIGSEGV"), IS_BOOL("exit.core_dumped", true) } },
	/* a signal number without a name */
	{ "exit: a signal without a name", { PROC, NOW, .type = SG_EV_EXIT, .exit.signal = 127 },
	  .want = { IS_INT("exit.signal", 127) } },

	/* ---- open ---- */
	{ "open: fields", { OPEN_PASSWD(O_WRONLY | O_CREAT | O_TRUNC) },
	  .want = { IS_STR("type", "open"), IS_STR("file.path", "/etc/passwd"),
		    IS_BOOL("file.resolved", true), IS_UINT("file.mode", 0644),
		    IS_BOOL("file.write", true), ABSENT("file.new_path"), ABSENT("file.dir") } },
	OPEN_FLAGS(O_RDONLY, "O_RDONLY"),
	OPEN_FLAGS(O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, "O_WRONLY", "O_CREAT", "O_TRUNC",
		   "O_CLOEXEC"),
	OPEN_FLAGS(O_RDWR | O_APPEND | O_EXCL | O_NOFOLLOW, "O_RDWR", "O_EXCL", "O_APPEND",
		   "O_NOFOLLOW"),
	OPEN_FLAGS(O_RDONLY | O_DIRECTORY | O_NONBLOCK, "O_RDONLY", "O_DIRECTORY", "O_NONBLOCK"),
	OPEN_FLAGS(O_RDWR | O_TMPFILE, "O_RDWR", "O_TMPFILE"),
	OPEN_FLAGS(O_WRONLY | O_SYNC, "O_WRONLY", "O_SYNC"),
	OPEN_FLAGS(O_WRONLY | O_DSYNC, "O_WRONLY", "O_DSYNC"),
	OPEN_FLAGS(O_PATH | O_NOCTTY | O_NOATIME | O_DIRECT, "O_RDONLY", "O_NOCTTY", "O_DIRECT",
		   "O_NOATIME", "O_PATH"),
	/* unresolved relative path; a path that is not UTF-8 stays valid JSON */
	{ "open: unresolved path, not UTF-8",
	  { PROC, NOW, .type = SG_EV_OPEN, .syscall = SG_SC_OPENAT, .has_result = true,
	    .result = 4,
	    .file = { .path = "rel/f\xff", .path_resolved = false, .mode = 0644, .write = false,
		      .flags = O_PATH | O_NOCTTY | O_NOATIME | O_DIRECT } },
	  .want = { IS_STR("file.path", "rel/f\xef\xbf\xbd"), IS_BOOL("file.resolved", false),
		    IS_BOOL("file.write", false) } },

	/* ---- rename, unlink, chmod ---- */
	{ "rename: fields",
	  { PROC, NOW, .type = SG_EV_RENAME, .syscall = SG_SC_RENAMEAT2, .has_result = true,
	    .file = { .path = "/a/old", .path_resolved = true, .new_path = "new",
		      .new_path_resolved = false, .flags = 1 } },
	  .want = { IS_STR("type", "rename"), IS_STR("syscall", "renameat2"),
		    IS_STR("file.path", "/a/old"), IS_STR("file.new_path", "new"),
		    IS_BOOL("file.new_resolved", false), IS_UINT("file.flags", 1),
		    ABSENT("file.write"), ABSENT("file.mode") } },
	{ "unlink: a directory",
	  { PROC, NOW, .type = SG_EV_UNLINK, .syscall = SG_SC_UNLINKAT, .has_result = true,
	    .file = { .path = "/tmp/d", .path_resolved = true, .dir = true } },
	  .want = { IS_STR("type", "unlink"), IS_BOOL("file.dir", true),
		    ABSENT("file.new_path") } },
	{ "unlink: a file",
	  { PROC, NOW, .type = SG_EV_UNLINK, .syscall = SG_SC_UNLINKAT, .has_result = true,
	    .file = { .path = "/tmp/d", .path_resolved = true, .dir = false } },
	  .want = { IS_BOOL("file.dir", false) } },
	{ "chmod: set-uid, only the permission bits shown",
	  { PROC, NOW, .type = SG_EV_CHMOD, .syscall = SG_SC_FCHMODAT, .has_result = true,
	    .file = { .path = "/tmp/x", .path_resolved = true, .mode = S_IFREG | 04755 } },
	  .want = { IS_STR("type", "chmod"), IS_STR("syscall", "fchmodat"),
		    IS_STR("file.path", "/tmp/x"), IS_UINT("file.mode", 04755),
		    IS_STR("file.mode_octal", "4755"), IS_BOOL("file.setuid", true),
		    IS_BOOL("file.setgid", false), IS_BOOL("file.sticky", false),
		    IS_BOOL("file.exec", true), ABSENT("file.flags"), ABSENT("file.write") } },
	{ "chmod: fchmodat2 with flags",
	  { PROC, NOW, .type = SG_EV_CHMOD, .syscall = SG_SC_FCHMODAT2, .has_result = true,
	    .file = { .path = "/tmp/x", .path_resolved = true, .mode = 03600, .flags = 0x100 } },
	  .want = { IS_STR("file.mode_octal", "3600"), IS_BOOL("file.setuid", false),
		    IS_BOOL("file.setgid", true), IS_BOOL("file.sticky", true),
		    IS_BOOL("file.exec", false), IS_UINT("file.flags", 0x100) } },
	/* fchmod of a descriptor whose path could not be walked */
	{ "chmod: fchmod, no path",
	  { PROC, NOW, .type = SG_EV_CHMOD, .syscall = SG_SC_FCHMOD, .has_result = true,
	    .file = { .path = NULL, .path_resolved = false, .mode = 0, .flags = 0 } },
	  .want = { IS_NULL("file.path"), IS_STR("file.mode_octal", "0000") } },

	/* ---- network ---- */
	{ "connect: IPv4",
	  { NET(.type = SG_EV_CONNECT, .result = -EINPROGRESS,
		.net = { .family = AF_INET, .sock_type = SOCK_STREAM, .port = 443,
			 .addr = { 192, 0, 2, 10 } }) },
	  .want = { IS_STR("type", "connect"), IS_STR("error", "EINPROGRESS"),
		    IS_STR("net.family", "inet"), IS_STR("net.proto", "tcp"),
		    IS_STR("net.addr", "192.0.2.10"), IS_UINT("net.port", 443),
		    ABSENT("net.unix_path"), ABSENT("net.backlog") } },
	{ "bind: IPv6, UDP",
	  { NET(.type = SG_EV_BIND, .result = 0,
		.net = { .family = AF_INET6, .sock_type = SOCK_DGRAM, .protocol = IPPROTO_UDP,
			 .port = 53, .addr = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 } }) },
	  .want = { IS_STR("type", "bind"), IS_STR("net.family", "inet6"),
		    IS_STR("net.proto", "udp"), IS_STR("net.addr", "2001:db8::1"),
		    IS_UINT("net.port", 53) } },
	{ "listen: any address, backlog",
	  { NET(.type = SG_EV_LISTEN, .result = 0,
		.net = { .family = AF_INET, .sock_type = SOCK_STREAM, .port = 8080,
			 .backlog = 4096 }) },
	  .want = { IS_STR("type", "listen"), IS_STR("net.addr", "0.0.0.0"),
		    IS_UINT("net.backlog", 4096) } },
	{ "connect: unix, abstract",
	  { NET(.type = SG_EV_CONNECT, .result = 0,
		.net = { .family = AF_UNIX, .sock_type = SOCK_SEQPACKET, .port = 8080,
			 .backlog = 4096, .unix_path = "@abstract" }) },
	  .want = { IS_STR("net.family", "unix"), IS_STR("net.proto", "seqpacket"),
		    IS_STR("net.unix_path", "@abstract"), ABSENT("net.addr"),
		    ABSENT("net.port") } },
	{ "connect: unix, no path",
	  { NET(.type = SG_EV_CONNECT, .result = 0,
		.net = { .family = AF_UNIX, .sock_type = SOCK_SEQPACKET, .port = 8080,
			 .backlog = 4096 }) },
	  .want = { IS_NULL("net.unix_path") } },
	/* a family without a name, a protocol without one */
	{ "connect: a family without a name",
	  { NET(.type = SG_EV_CONNECT, .result = 0,
		.net = { .family = AF_NETLINK, .port = 8080, .backlog = 4096 }) },
	  .want = { IS_INT("net.family", AF_NETLINK), IS_NULL("net.proto"), ABSENT("net.addr"),
		    ABSENT("net.unix_path") } },

	/* ---- the daemon's own events ---- */
	{ "mark", { PROC, NOW, .type = SG_EV_MARK, .mark.text = "test marker \"1\"" },
	  .want = { IS_STR("type", "mark"), IS_STR("mark.text", "test marker \"1\""),
		    ABSENT("proc"), ABSENT("result") } },
	{ "drop",
	  { PROC, NOW, .type = SG_EV_DROP,
	    .drop = { .where = "ring", .lost = { [SG_EV_OPEN] = 10, [SG_EV_EXEC] = 2 },
		      .total = 12 } },
	  .want = { IS_STR("type", "drop"), IS_STR("drop.where", "ring"),
		    IS_UINT("drop.total", 12), IS_UINT("drop.lost.open", 10),
		    IS_UINT("drop.lost.exec", 2), ABSENT("drop.lost.fork"),
		    MEMBERS("drop.lost", 2), ABSENT("proc") } },
	{ "block_change",
	  { PROC, NOW, .type = SG_EV_BLOCKCHG,
	    .blockchg = { .op = "add", .rule = "connect 10.0.0.0/8", .source = "runtime",
			  .by_uid = 0 } },
	  .want = { IS_STR("type", "block_change"), IS_STR("block_change.op", "add"),
		    IS_STR("block_change.rule", "connect 10.0.0.0/8"),
		    IS_STR("block_change.source", "runtime"), IS_UINT("block_change.by_uid", 0) } },
	{ "policy: loaded",
	  { PROC, NOW, .type = SG_EV_POLICY,
	    .policy = { .source = "/etc/sysguard/policies.d", .rules = 12, .ok = true } },
	  .want = { IS_STR("type", "policy"), IS_STR("policy.source", "/etc/sysguard/policies.d"),
		    IS_UINT("policy.rules", 12), IS_BOOL("policy.ok", true),
		    ABSENT("policy.error") } },
	{ "policy: refused",
	  { PROC, NOW, .type = SG_EV_POLICY,
	    .policy = { .source = "/etc/sysguard/policies.d", .rules = 12, .ok = false,
			.error = "x.yaml:3:1: unknown key" } },
	  .want = { IS_BOOL("policy.ok", false),
		    IS_STR("policy.error", "x.yaml:3:1: unknown key") } },

	/* ---- what the kernel could not capture ---- */
	{ "incomplete: path and entry",
	  { PROC, NOW, .type = SG_EV_OPEN, .file.path = "",
	    .kflags = SG_F_TRUNC_PATH | SG_F_PATH_FAULT | SG_F_NO_ENTER | SG_F_DIR_UNRES },
	  .want = { ARE_STRS("incomplete", "path_truncated", "path_unreadable",
			     "entry_not_seen") } },
	{ "incomplete: entry not seen",
	  { PROC, NOW, .type = SG_EV_OPEN, .file.path = "", .kflags = SG_F_NO_ENTER },
	  .want = { ARE_STRS("incomplete", "entry_not_seen") } },
	{ "incomplete: nothing to say",
	  { PROC, NOW, .type = SG_EV_OPEN, .file.path = "",
	    .kflags = SG_F_DIR_UNRES | SG_F_TRUNC_ARGV },
	  .want = { ABSENT("incomplete") } },
};

/* One row: encode its event, parse it back, check the members. */
static void run_case(void **state)
{
	const struct ecase *c = *state;
	struct encode_ctx ctx = { .host = c->host };

	ev = c->ev;
	encode_ctx(c->host ? &ctx : NULL);
	for (const struct jwant *w = c->want; w->path; w++) {
		switch (w->kind) {
		case J_STR:
			str_is(w->path, w->s);
			break;
		case J_INT:
			int_is(w->path, w->i);
			break;
		case J_UINT:
			uint_is(w->path, w->u);
			break;
		case J_BOOL:
			bool_is(w->path, w->i);
			break;
		case J_NULL:
			null_is(w->path);
			break;
		case J_ABSENT:
			has_not(w->path);
			break;
		case J_STRS:
			strs_are(w->path, w->strs);
			break;
		case J_MEMBERS:
			assert_int_equal(json_object_object_length(must(w->path, json_type_object)),
					 w->i);
			break;
		}
	}
}

/* ---- sweeps, the process table, and the encoder's helpers ---------------------------------- */

static void time_format_sweep(void **state)
{
	regex_t re;

	ev.type = SG_EV_FORK;
	ev.fork.child_pid = 555;
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
}

static void time_strings(void **state)
{
	char t[64];

	assert_int_equal(encode_time(t, sizeof(t), 0), 30);
	assert_string_equal(t, "1970-01-01T00:00:00.000000000Z");
	encode_time(t, sizeof(t), 951782400999999999ull); /* a leap day */
	assert_string_equal(t, "2000-02-29T00:00:00.999999999Z");
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

static void syscall_names(void **state)
{
	for (int sc = SG_SC_EXECVE; sc < SG_SC_MAX; sc++)
		assert_non_null(encode_syscall_name(sc));
	assert_string_equal(encode_syscall_name(SG_SC_RMDIR), "rmdir");
	assert_string_equal(encode_syscall_name(SG_SC_EXECVEAT), "execveat");
	assert_null(encode_syscall_name(SG_SC_NONE));
	assert_null(encode_syscall_name(SG_SC_MAX));
	assert_null(encode_syscall_name(-1));
}

static void proto_names(void **state)
{
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

/* The other rules that held: after the verdict, strongest first, with the count beyond. */
static void matches(void **state)
{
	int n;

	ev.type = SG_EV_OPEN;
	ev.file.path = "/etc/shadow";
	ev.verdict = (struct sg_verdict){ .action = SG_ACT_ALERT, .severity = SG_SEV_HIGH,
					  .rule_id = "a", .repeat = 1, .nmatches = 2,
					  .matches_more = 3 };
	ev.verdict.matches[0] = (struct sg_match){ "b", SG_ACT_ALERT, SG_SEV_LOW };
	ev.verdict.matches[1] = (struct sg_match){ "c\"q", SG_ACT_LOG, SG_SEV_INFO };
	n = encode_event(&ev, NULL, line, sizeof(line));
	assert_true(n > 0);
	if (!strstr(line, "\"rule\":\"a\",\"severity\":\"high\",\"matches\":["
			  "{\"rule\":\"b\",\"action\":\"alert\",\"severity\":\"low\"},"
			  "{\"rule\":\"c\\\"q\",\"action\":\"log\",\"severity\":\"info\"}],"
			  "\"matches_more\":3,"))
		fail_msg("%s", line);
	ev.verdict.nmatches = 0;
	assert_true(encode_event(&ev, NULL, line, sizeof(line)) > 0);
	assert_null(strstr(line, "matches"));
}

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

int main(void)
{
	static const struct CMUnitTest funcs[] = {
		cmocka_unit_test_setup_teardown(time_format_sweep, setup, teardown),
		cmocka_unit_test_setup_teardown(time_strings, setup, teardown),
		cmocka_unit_test_setup_teardown(alert_context, setup, teardown),
		cmocka_unit_test_setup_teardown(syscall_names, setup, teardown),
		cmocka_unit_test_setup_teardown(proto_names, setup, teardown),
		cmocka_unit_test_setup_teardown(addr_text, setup, teardown),
		cmocka_unit_test_setup_teardown(too_small, setup, teardown),
		cmocka_unit_test_setup_teardown(matches, setup, teardown),
	};
	struct CMUnitTest tests[ARRAY_SIZE(cases) + ARRAY_SIZE(funcs)];
	size_t n = 0;

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++)
		tests[n++] = (struct CMUnitTest){ cases[i].name, run_case, setup, teardown,
						  (void *)&cases[i] };
	for (size_t i = 0; i < ARRAY_SIZE(funcs); i++)
		tests[n++] = funcs[i];
	return _cmocka_run_group_tests("test_encode", tests, n, NULL, NULL);
}
