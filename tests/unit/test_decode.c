// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Unit tests for sysguardd/decode.c: records built by hand the way the BPF
 * programs lay them out (header, payload, string sections in the order of the
 * payload's *_len fields), decoded into struct sg_event.  Every record is
 * copied into a heap block of exactly hdr.size bytes before decoding, so a
 * read past its end shows up under ASan or valgrind.
 *
 * Most cases are rows of cases[]: a record (header, payload, sections) and
 * the fields the event must have, run by run_case(), each as its own test.
 * Records whose data is generated or that are decoded more than once are the
 * functions after the table.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <sys/socket.h>
#include <cmocka.h>
#include "decode.h"

#define BOOT_TO_REAL 1000000000000ll

struct rb {
	struct sg_rec rec;
	size_t off; /* data bytes used */
};

static struct rb rb;
static struct decoder dec;
static struct sg_event ev;

static void rb_init(int type, int sc, uint16_t flags)
{
	memset(&rb, 0, sizeof(rb));
	rb.rec.hdr.type = type;
	rb.rec.hdr.syscall = sc;
	rb.rec.hdr.flags = flags;
	rb.rec.hdr.ts_ns = 5000;
	rb.rec.hdr.pid = 100;
	rb.rec.hdr.tid = 101;
	rb.rec.hdr.ppid = 1;
	rb.rec.hdr.uid = 1000;
	rb.rec.hdr.gid = 1001;
	rb.rec.hdr.cgroup_id = 77;
	memcpy(rb.rec.hdr.comm, "0123456789abcdef", SG_COMM_LEN); /* no NUL: all 16 used */
	if (type == SG_EV_EXEC)
		rb.rec.u.exec.dfd = AT_FDCWD; /* as the kernel sets it for execve */
}

/* Append n bytes of section data; returns n for the payload's *_len field. */
static uint16_t put(const void *p, size_t n)
{
	assert_true(rb.off + n <= sizeof(rb.rec.data));
	memcpy(rb.rec.data + rb.off, p, n);
	rb.off += n;
	return n;
}

/* A string literal with its NUL, or a walk literal (its own NULs, not the literal's). */
#define STR(s) put(s, sizeof(s))
#define WALK(s) put(s, sizeof(s) - 1)

static size_t rb_size(void)
{
	return SG_DATA_OFF + rb.off;
}

/* Decode the first size bytes of the record from an exact-size heap copy. */
static int decode_n(size_t size, uint32_t hdr_size)
{
	void *copy;
	int r;

	rb.rec.hdr.size = hdr_size;
	copy = malloc(size ? size : 1);
	assert_non_null(copy);
	memcpy(copy, &rb.rec, size);
	r = decode_record(&dec, copy, size, &ev);
	free(copy);
	return r;
}

static int decode(void)
{
	return decode_n(rb_size(), rb_size());
}

static int setup(void **state)
{
	decoder_init(&dec);
	dec.boot_to_real_ns = BOOT_TO_REAL;
	memset(&ev, 0xa5, sizeof(ev)); /* the decoder must set what it uses */
	return 0;
}

/* ---- the table ------------------------------------------------------------------------------ */

#define NO_LEN SIZE_MAX

/* One data section: its bytes, and the *_len field of the payload that counts them. */
struct sec {
	size_t len;       /* offsetof(union sg_payload, ...) of a __u16 *_len, or NO_LEN */
	const char *data; /* NULL ends the list */
	size_t n;
	int extra;        /* the *_len field says this many bytes more than the data */
};

#define LEN(f) offsetof(union sg_payload, f)
/* a user string with its NUL, as the kernel counts it */
#define S_STR(f, s) { LEN(f), s, sizeof(s), 0 }
/* a dentry walk: its own NULs, not the literal's */
#define S_WALK(f, s) { LEN(f), s, sizeof(s) - 1, 0 }
/* n bytes as they are */
#define S_RAW(f, s, n) { LEN(f), s, n, 0 }
/* a section whose *_len field is off by extra */
#define S_STR_OFF(f, s, extra) { LEN(f), s, sizeof(s), extra }
#define S_WALK_OFF(f, s, extra) { LEN(f), s, sizeof(s) - 1, extra }
#define S_OBJ(f, o, extra) { LEN(f), (const char *)&(o), sizeof(o), extra }
/* bytes no *_len field counts (what a stdio entry's path_len points at) */
#define S_DATA(s, n) { NO_LEN, s, n, 0 }

/* One field of the decoded event and what it must be. */
enum want_kind {
	W_INT,    /* an integer, bool or enum equal to i (in the field's width) */
	W_STR,    /* a string pointer equal to s */
	W_NULL,   /* a pointer that is NULL */
	W_SET,    /* a pointer that is not NULL */
	W_BYTES,  /* a pointer to the n bytes of s */
	W_ARRAY,  /* an array member holding the n bytes of s */
};

struct want {
	const char *what; /* NULL ends the list */
	size_t off, size;
	enum want_kind kind;
	int64_t i;
	const char *s;
	size_t n;
};

#define FIELD(m) #m, offsetof(struct sg_event, m), sizeof(((struct sg_event *)0)->m)
#define IS(m, v) { FIELD(m), W_INT, .i = (v) }
#define IS_STR(m, v) { FIELD(m), W_STR, .s = (v) }
#define IS_NULL(m) { FIELD(m), W_NULL }
#define IS_SET(m) { FIELD(m), W_SET }
#define IS_BYTES(m, v) { FIELD(m), W_BYTES, .s = (v), .n = sizeof(v) - 1 }
#define IS_ARRAY(m, v) { FIELD(m), W_ARRAY, .s = (v), .n = sizeof(v) - 1 }

struct dcase {
	const char *name;
	uint16_t type, flags;
	uint32_t sc;
	union sg_payload u; /* the *_len fields come from sec[]; an execve's dfd is AT_FDCWD */
	struct sec sec[8];
	int ret;            /* of decode_record(): 0, or -EINVAL (and counted as malformed) */
	struct want want[20];
};

#define OPEN_AT(oflags, hflags)                                                                   \
	.type = SG_EV_OPEN, .sc = SG_SC_OPENAT, .flags = (hflags),                                \
	.u.file = { .ret = 3, .dfd = AT_FDCWD, .flags = (oflags), .mode = 0644 }

#define WRITE_INTENT(oflags, w)                                                                   \
	{ "open: write intent of " #oflags, OPEN_AT(oflags, 0),                                   \
	  .sec = { S_STR(file.path_len, "/f") },                                                  \
	  .want = { IS(file.flags, oflags), IS(file.write, w) } }

/* fds 0-2 of an exec: a socket, a pipe, and a file whose walk follows the section */
static const struct sg_stdio stdio3[3] = {
	{ .kind = SG_FD_SOCKET, .family = AF_INET, .lport = 5555, .rport = 4444,
	  .laddr = { 0x7f, 0, 0, 1 }, .raddr = { 0x7f, 0, 0, 2 } },
	{ .kind = SG_FD_PIPE, .ino = 9876 },
	{ .kind = SG_FD_FILE, .path_len = sizeof("err.log\0tmp\0") - 1 },
};
/* a kind from a newer kernel side */
static const struct sg_stdio stdio_new_kind[3] = { { .kind = 200 } };

static const struct dcase cases[] = {
	/* ---- the header ---- */
	{ "header: every field", .type = SG_EV_FORK, .sc = SG_SC_NONE, .flags = SG_F_NO_ENTER,
	  .u.fork.child_pid = 4242,
	  .want = { IS(type, SG_EV_FORK), IS(syscall, SG_SC_NONE), IS(kflags, SG_F_NO_ENTER),
		    IS(ts_ns, 5000 + BOOT_TO_REAL), IS(proc.pid, 100), IS(proc.tid, 101),
		    IS(proc.ppid, 1), IS(proc.uid, 1000), IS(proc.gid, 1001),
		    IS(proc.cgroup_id, 77), IS_ARRAY(proc.comm, "0123456789abcdef"),
		    IS_NULL(proc.exe), IS_NULL(proc.entry), IS(has_result, false),
		    IS(fork.child_pid, 4242), IS(verdict.action, SG_ACT_NONE),
		    IS_NULL(verdict.rule_id) } },

	/* ---- exec ---- */
	{ "exec: success, paths made absolute", .type = SG_EV_EXEC, .sc = SG_SC_EXECVE,
	  .sec = { S_STR(exec.filename_len, "/usr//bin/./ls"), S_STR(exec.argv_len, "ls\0-l\0/tmp"),
		   S_WALK(exec.cwd_len, "u\0home\0"), S_WALK(exec.exe_len, "ls\0bin\0usr\0") },
	  .want = { IS(has_result, true), IS(result, 0), IS_STR(exec.filename, "/usr/bin/ls"),
		    IS(exec.argc, 3), IS(exec.argv_len, 11),
		    IS_BYTES(exec.argv, "ls\0-l\0/tmp\0"), IS(exec.argv_truncated, false),
		    IS_STR(exec.cwd, "/home/u"), IS_STR(proc.exe, "/usr/bin/ls") } },
	{ "exec: argv cut in the middle of its last argument", .type = SG_EV_EXEC,
	  .sc = SG_SC_EXECVE, .flags = SG_F_TRUNC_ARGV,
	  .sec = { S_STR(exec.filename_len, "/bin/sh"),
		   S_RAW(exec.argv_len, "sh\0-c\0echo hel", 14),
		   S_WALK(exec.cwd_len, ""), S_WALK(exec.exe_len, "sh\0bin\0") },
	  .want = { IS(exec.argc, 3),
		    IS(exec.argv_len, 15), /* the NUL the decoder added is counted */
		    IS_BYTES(exec.argv, "sh\0-c\0echo hel\0"), IS(exec.argv_truncated, true),
		    IS_STR(exec.cwd, "/") } },
	{ "exec: empty argv", .type = SG_EV_EXEC, .sc = SG_SC_EXECVE,
	  .sec = { S_STR(exec.filename_len, "/bin/true"), S_WALK(exec.cwd_len, "tmp\0"),
		   S_WALK(exec.exe_len, "true\0bin\0") },
	  .want = { IS(exec.argc, 0), IS(exec.argv_len, 0), IS_SET(exec.argv) } },
	{ "exec: relative name joined to the cwd", .type = SG_EV_EXEC, .sc = SG_SC_EXECVE,
	  .sec = { S_STR(exec.filename_len, "./bin/../run.sh"), S_STR(exec.argv_len, "./run.sh"),
		   S_WALK(exec.cwd_len, "proj\0home\0"), S_WALK(exec.exe_len, "bash\0bin\0") },
	  .want = { IS_STR(exec.filename, "/home/proj/run.sh"), IS_STR(exec.cwd, "/home/proj"),
		    IS_STR(proc.exe, "/bin/bash") } },
	/* execveat: relative to a dirfd we do not know, kept as given */
	{ "exec: execveat relative to an unknown dirfd", .type = SG_EV_EXEC, .sc = SG_SC_EXECVEAT,
	  .u.exec.dfd = 5,
	  .sec = { S_STR(exec.filename_len, "run.sh"), S_WALK(exec.cwd_len, "proj\0"),
		   S_WALK(exec.exe_len, "bash\0bin\0") },
	  .want = { IS_STR(exec.filename, "run.sh") } },
	/* a failed execveat: the kernel walked the dirfd, the name is joined to it */
	{ "exec: failed execveat joined to the dirfd's walk", .type = SG_EV_EXEC,
	  .sc = SG_SC_EXECVEAT, .flags = SG_F_EXE_UNRES, .u.exec = { .ret = -ENOENT, .dfd = 5 },
	  .sec = { S_STR(exec.filename_len, "../run.sh"), S_WALK(exec.cwd_len, "proj\0"),
		   S_WALK(exec.dir_len, "bin\0opt\0") },
	  .want = { IS_STR(exec.filename, "/opt/run.sh") } },
	/* the dirfd's walk cut short: skipped, the name kept as given */
	{ "exec: failed execveat, dirfd walk cut short", .type = SG_EV_EXEC, .sc = SG_SC_EXECVEAT,
	  .flags = SG_F_EXE_UNRES | SG_F_DIR_UNRES, .u.exec = { .ret = -ENOENT, .dfd = 5 },
	  .sec = { S_STR(exec.filename_len, "run.sh"), S_WALK(exec.cwd_len, "proj\0"),
		   S_RAW(exec.dir_len, "partial", 7) },
	  .want = { IS_STR(exec.filename, "run.sh") } },
	/* unknown cwd: kept as given, cwd NULL, the cwd section (a partial walk) skipped */
	{ "exec: relative name, unknown cwd", .type = SG_EV_EXEC, .sc = SG_SC_EXECVE,
	  .flags = SG_F_CWD_UNRES,
	  .sec = { S_STR(exec.filename_len, "run.sh"), S_RAW(exec.cwd_len, "garbage", 7),
		   S_WALK(exec.exe_len, "bash\0bin\0") },
	  .want = { IS_STR(exec.filename, "run.sh"), IS_NULL(exec.cwd),
		    IS_STR(proc.exe, "/bin/bash") } },
	{ "exec: failure", .type = SG_EV_EXEC, .sc = SG_SC_EXECVE, .flags = SG_F_EXE_UNRES,
	  .u.exec = { .ret = -ENOENT, .argc = 2 },
	  .sec = { S_STR(exec.filename_len, "/no/such"), S_RAW(exec.argv_len, "such\0arg1\0", 10),
		   S_WALK(exec.cwd_len, "tmp\0") },
	  .want = { IS(has_result, true), IS(result, -ENOENT), IS_NULL(proc.exe),
		    IS_STR(exec.filename, "/no/such"), IS(exec.argc, 2),
		    IS_BYTES(exec.argv, "such\0arg1\0"), IS_STR(exec.cwd, "/tmp") } },
	{ "exec: unreadable filename", .type = SG_EV_EXEC, .sc = SG_SC_EXECVE,
	  .flags = SG_F_PATH_FAULT | SG_F_EXE_UNRES, .u.exec.ret = -EFAULT,
	  .sec = { S_WALK(exec.cwd_len, "tmp\0") },
	  .want = { IS_STR(exec.filename, ""), IS(exec.argc, 0) } },
	{ "exec: stdio socket, pipe and file", .type = SG_EV_EXEC, .sc = SG_SC_EXECVE,
	  .sec = { S_STR(exec.filename_len, "/bin/sh"), S_STR(exec.argv_len, "sh\0-i"),
		   S_WALK(exec.cwd_len, "tmp\0"), S_WALK(exec.exe_len, "dash\0bin\0usr\0"),
		   S_OBJ(exec.stdio_len, stdio3, 0), S_DATA("err.log\0tmp\0", 12) },
	  .want = { IS(exec.has_stdio, true), IS(exec.stdio[0].kind, SG_FD_SOCKET),
		    IS(exec.stdio[0].family, AF_INET), IS(exec.stdio[0].rport, 4444),
		    IS_ARRAY(exec.stdio[0].raddr, "\x7f\0\0\2"),
		    IS(exec.stdio[1].kind, SG_FD_PIPE), IS(exec.stdio[1].ino, 9876),
		    IS_NULL(exec.stdio[1].peer), IS(exec.stdio[2].kind, SG_FD_FILE),
		    IS_STR(exec.stdio[2].path, "/tmp/err.log"), IS_NULL(exec.fileless),
		    IS_NULL(exec.via) } },
	/* a section of the wrong size, or a file walk past the record, is refused */
	{ "exec: stdio section of the wrong size", .type = SG_EV_EXEC, .sc = SG_SC_EXECVE,
	  .sec = { S_STR(exec.filename_len, "/bin/sh"), S_STR(exec.argv_len, "sh\0-i"),
		   S_WALK(exec.cwd_len, "tmp\0"), S_WALK(exec.exe_len, "dash\0bin\0usr\0"),
		   S_OBJ(exec.stdio_len, stdio3, -1), S_DATA("err.log\0tmp\0", 12) },
	  .ret = -EINVAL },
	{ "exec: stdio file walk past the record", .type = SG_EV_EXEC, .sc = SG_SC_EXECVE,
	  .sec = { S_STR(exec.filename_len, "/bin/sh"), S_STR(exec.argv_len, "sh\0-i"),
		   S_WALK(exec.cwd_len, "tmp\0"), S_WALK(exec.exe_len, "dash\0bin\0usr\0"),
		   S_OBJ(exec.stdio_len, stdio3, 0), S_DATA("err.log\0", 8) },
	  .ret = -EINVAL },
	{ "exec: stdio kind from a newer kernel side is 'other'", .type = SG_EV_EXEC,
	  .sc = SG_SC_EXECVE, .sec = { S_OBJ(exec.stdio_len, stdio_new_kind, 0) },
	  .want = { IS(exec.stdio[0].kind, SG_FD_OTHER), IS(exec.stdio[1].kind, SG_FD_CLOSED) } },
	/* a memfd run through /proc/self/fd/N */
	{ "exec: memfd through /proc/self/fd", .type = SG_EV_EXEC, .sc = SG_SC_EXECVE,
	  .flags = SG_F_EXE_MEMFD | SG_F_EXE_DELETED,
	  .sec = { S_STR(exec.filename_len, "/proc/self/fd/3"), S_STR(exec.argv_len, "x"),
		   S_WALK(exec.exe_len, "memfd:evil\0") },
	  .want = { IS_STR(exec.fileless, "memfd"), IS_STR(exec.via, "fd"),
		    IS_STR(proc.exe, "memfd:evil") } },
	/* fexecve of a file deleted since it was opened */
	{ "exec: fexecve of a deleted file", .type = SG_EV_EXEC, .sc = SG_SC_EXECVEAT,
	  .flags = SG_F_EXE_DELETED, .u.exec = { .at_flags = AT_EMPTY_PATH, .dfd = 3 },
	  .sec = { S_STR(exec.filename_len, ""), S_WALK(exec.exe_len, "payload\0tmp\0") },
	  .want = { IS_STR(exec.fileless, "deleted"), IS_STR(exec.via, "fd"),
		    IS_STR(proc.exe, "/tmp/payload (deleted)") } },
	/* ld.so --library-path L ./prog arg: the program, absolute */
	{ "exec: program run through the loader", .type = SG_EV_EXEC, .sc = SG_SC_EXECVE,
	  .sec = { S_STR(exec.filename_len, "/lib64/ld-linux-x86-64.so.2"),
		   S_STR(exec.argv_len, "ld.so\0--library-path\0/l\0--list\0./prog\0arg"),
		   S_WALK(exec.cwd_len, "w\0tmp\0"),
		   S_WALK(exec.exe_len, "ld-linux-x86-64.so.2\0x86_64-linux-gnu\0lib\0usr\0") },
	  .want = { IS_STR(exec.via, "loader"), IS_STR(exec.loader_target, "/tmp/w/prog"),
		    IS_NULL(exec.fileless) } },
	{ "exec: an ordinary program named like nothing special", .type = SG_EV_EXEC,
	  .sc = SG_SC_EXECVE,
	  .sec = { S_STR(exec.filename_len, "/usr/bin/ldd"), S_STR(exec.argv_len, "ldd\0/bin/ls"),
		   S_WALK(exec.exe_len, "ldd\0bin\0usr\0") },
	  .want = { IS_NULL(exec.via), IS_NULL(exec.loader_target) } },

	/* ---- exit: the wait status ---- */
	{ "exit: code", .type = SG_EV_EXIT, .sc = SG_SC_NONE, .u.exit.exit_code = 3 << 8,
	  .want = { IS(exit.code, 3), IS(exit.signal, 0), IS(exit.core, false),
		    IS(has_result, false) } },
	{ "exit: killed by SIGKILL", .type = SG_EV_EXIT, .sc = SG_SC_NONE, .u.exit.exit_code = 9,
	  .want = { IS(exit.code, 0), IS(exit.signal, 9), IS(exit.core, false) } },
	{ "exit: SIGSEGV, core dumped", .type = SG_EV_EXIT, .sc = SG_SC_NONE,
	  .u.exit.exit_code = 0x80 | 11, .want = { IS(exit.signal, 11), IS(exit.core, true) } },
	{ "exit: code 255", .type = SG_EV_EXIT, .sc = SG_SC_NONE, .u.exit.exit_code = 255 << 8,
	  .want = { IS(exit.code, 255), IS(exit.signal, 0) } },

	/* ---- open ---- */
	{ "open: absolute path normalized", OPEN_AT(O_RDONLY, 0),
	  .sec = { S_STR(file.path_len, "/etc//./passwd") },
	  .want = { IS_STR(file.path, "/etc/passwd"), IS(file.path_resolved, true),
		    IS(has_result, true), IS(result, 3), IS(file.mode, 0644),
		    IS_NULL(file.new_path) } },
	{ "open: relative path joined to the directory", OPEN_AT(O_RDONLY, 0),
	  .sec = { S_STR(file.path_len, "sub/../f.txt"), S_WALK(file.dir_len, "u\0home\0") },
	  .want = { IS_STR(file.path, "/home/u/f.txt"), IS(file.path_resolved, true) } },
	{ "open: .. beyond the root", OPEN_AT(O_RDONLY, 0),
	  .sec = { S_STR(file.path_len, "../../../x"), S_WALK(file.dir_len, "u\0home\0") },
	  .want = { IS_STR(file.path, "/x") } },
	/* the directory is unknown: the path stays as given */
	{ "open: relative path, unknown directory", OPEN_AT(O_RDONLY, SG_F_DIR_UNRES),
	  .sec = { S_STR(file.path_len, "rel/f"), S_RAW(file.dir_len, "junk", 4) },
	  .want = { IS_STR(file.path, "rel/f"), IS(file.path_resolved, false) } },
	/* "" (AT_EMPTY_PATH style) is the directory itself */
	{ "open: empty path is the directory", OPEN_AT(O_RDONLY, 0),
	  .sec = { S_STR(file.path_len, ""), S_WALK(file.dir_len, "d\0") },
	  .want = { IS_STR(file.path, "/d") } },
	/* the user path could not be read: no sections at all */
	{ "open: unreadable path", .type = SG_EV_OPEN, .sc = SG_SC_OPEN, .flags = SG_F_PATH_FAULT,
	  .u.file.ret = -EFAULT,
	  .want = { IS_STR(file.path, ""), IS(file.path_resolved, false), IS(result, -EFAULT) } },
	/* telemetry backend "lsm": the path the hook built, no syscall, no result */
	{ "open: from the LSM hook", .type = SG_EV_OPEN, .sc = SG_SC_NONE, .flags = SG_F_HOOK,
	  .u.file = { .dfd = AT_FDCWD, .flags = O_WRONLY | O_CREAT | O_TRUNC, .mode = 0644 },
	  .sec = { S_STR(file.path_len, "/var/lib/x") },
	  .want = { IS_STR(file.path, "/var/lib/x"), IS(file.path_resolved, true),
		    IS(has_result, false), IS(file.write, true), IS(syscall, SG_SC_NONE) } },
	/* a path the hook could not build: none, and still no result */
	{ "open: from the LSM hook, no path", .type = SG_EV_OPEN, .sc = SG_SC_NONE,
	  .flags = SG_F_HOOK | SG_F_PATH_FAULT,
	  .want = { IS_STR(file.path, ""), IS(has_result, false) } },
	WRITE_INTENT(O_RDONLY, false),
	WRITE_INTENT(O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_DIRECTORY, false),
	WRITE_INTENT(O_WRONLY, true),
	WRITE_INTENT(O_RDWR, true),
	WRITE_INTENT(O_RDONLY | O_CREAT, true),
	WRITE_INTENT(O_RDONLY | O_TRUNC, true),
	WRITE_INTENT(O_WRONLY | O_CREAT | O_TRUNC, true),
	WRITE_INTENT(O_RDONLY | O_APPEND, false),

	/* ---- rename, unlink, chmod ---- */
	{ "rename: both relative to their dirfds", .type = SG_EV_RENAME, .sc = SG_SC_RENAMEAT2,
	  .u.file = { .dfd = 5, .dfd2 = 6, .flags = 1 /* RENAME_NOREPLACE */ },
	  .sec = { S_STR(file.path_len, "old.txt"), S_WALK(file.dir_len, "src\0"),
		   S_STR(file.path2_len, "./new.txt"), S_WALK(file.dir2_len, "dst\0var\0") },
	  .want = { IS_STR(file.path, "/src/old.txt"), IS(file.path_resolved, true),
		    IS_STR(file.new_path, "/var/dst/new.txt"), IS(file.new_path_resolved, true),
		    IS(file.flags, 1), IS(file.write, false) } },
	/* absolute then relative with an unknown directory */
	{ "rename: new name relative to an unknown directory", .type = SG_EV_RENAME,
	  .sc = SG_SC_RENAMEAT, .flags = SG_F_DIR2_UNRES,
	  .sec = { S_STR(file.path_len, "/a//b"), S_STR(file.path2_len, "c") },
	  .want = { IS_STR(file.path, "/a/b"), IS(file.path_resolved, true),
		    IS_STR(file.new_path, "c"), IS(file.new_path_resolved, false) } },
	{ "unlink: a directory", .type = SG_EV_UNLINK, .sc = SG_SC_UNLINKAT,
	  .u.file.flags = AT_REMOVEDIR, .sec = { S_STR(file.path_len, "/tmp/d/") },
	  .want = { IS_STR(file.path, "/tmp/d"), IS(file.dir, true), IS(file.write, false) } },
	{ "unlink: a relative file", .type = SG_EV_UNLINK, .sc = SG_SC_UNLINK,
	  .sec = { S_STR(file.path_len, "f"), S_WALK(file.dir_len, "tmp\0") },
	  .want = { IS_STR(file.path, "/tmp/f"), IS(file.dir, false) } },
	/* chmod("/tmp//x", 04755): the mode as given, the path normalized */
	{ "chmod: absolute path", .type = SG_EV_CHMOD, .sc = SG_SC_CHMOD, .u.file.mode = 04755,
	  .sec = { S_STR(file.path_len, "/tmp//x") },
	  .want = { IS(type, SG_EV_CHMOD), IS_STR(file.path, "/tmp/x"),
		    IS(file.path_resolved, true), IS(file.mode, 04755), IS(file.write, false) } },
	/* fchmodat(dfd, "f", 02750, 0): relative to the dirfd's walk */
	{ "chmod: fchmodat relative to the dirfd", .type = SG_EV_CHMOD, .sc = SG_SC_FCHMODAT,
	  .u.file = { .dfd = 5, .mode = 02750 },
	  .sec = { S_STR(file.path_len, "f"), S_WALK(file.dir_len, "b\0a\0") },
	  .want = { IS_STR(file.path, "/a/b/f"), IS(file.mode, 02750) } },
	/* fchmod(fd, 0700): no path; the fd's walk is the file */
	{ "chmod: fchmod, the fd's walk", .type = SG_EV_CHMOD, .sc = SG_SC_FCHMOD,
	  .u.file = { .dfd = 3, .mode = 0700 }, .sec = { S_WALK(file.dir_len, "f\0tmp\0") },
	  .want = { IS_STR(file.path, "/tmp/f"), IS(file.path_resolved, true) } },
	/* fchmod whose fd could not be walked: no path, the section skipped */
	{ "chmod: fchmod, fd not walked", .type = SG_EV_CHMOD, .sc = SG_SC_FCHMOD,
	  .flags = SG_F_DIR_UNRES, .sec = { S_WALK(file.dir_len, "junk") },
	  .want = { IS_NULL(file.path), IS(file.path_resolved, false) } },
	{ "chmod: walk longer than the record", .type = SG_EV_CHMOD, .sc = SG_SC_FCHMOD,
	  .sec = { S_WALK_OFF(file.dir_len, "f\0", 10) }, .ret = -EINVAL },

	/* ---- network ---- */
	{ "connect: IPv4", .type = SG_EV_CONNECT, .sc = SG_SC_CONNECT,
	  .u.net = { .ret = -EINPROGRESS, .fd = 7, .family = AF_INET, .port = 443,
		     .sock_type = SOCK_STREAM, .protocol = IPPROTO_TCP, .addr = { 10, 1, 2, 3 } },
	  .want = { IS(result, -EINPROGRESS), IS(net.family, AF_INET), IS(net.port, 443),
		    IS(net.sock_type, SOCK_STREAM), IS(net.protocol, IPPROTO_TCP),
		    IS_ARRAY(net.addr, "\x0a\x01\x02\x03"), IS_NULL(net.unix_path) } },
	{ "bind: IPv6", .type = SG_EV_BIND, .sc = SG_SC_BIND,
	  .u.net = { .family = AF_INET6, .port = 53, .sock_type = SOCK_DGRAM,
		     .addr = { 0x20, 0x01, 0x0d, 0xb8, [15] = 0x01 } },
	  .want = { IS(type, SG_EV_BIND), IS(net.family, AF_INET6), IS(net.port, 53),
		    IS_ARRAY(net.addr, "\x20\x01\x0d\xb8\0\0\0\0\0\0\0\0\0\0\0\x01") } },
	{ "connect: unix path", .type = SG_EV_CONNECT, .sc = SG_SC_CONNECT,
	  .u.net.family = AF_UNIX, .sec = { S_STR(net.unix_len, "/run/x.sock") },
	  .want = { IS_STR(net.unix_path, "/run/x.sock") } },
	{ "connect: unix path without a NUL", .type = SG_EV_CONNECT, .sc = SG_SC_CONNECT,
	  .u.net.family = AF_UNIX, .sec = { S_RAW(net.unix_len, "/run/y", 6) },
	  .want = { IS_STR(net.unix_path, "/run/y") } },
	/* abstract: a leading NUL shows as '@', so do NULs inside the name */
	{ "bind: abstract unix name", .type = SG_EV_BIND, .sc = SG_SC_BIND,
	  .u.net.family = AF_UNIX, .sec = { S_RAW(net.unix_len, "\0abc\0d", 6) },
	  .want = { IS_STR(net.unix_path, "@abc@d") } },
	{ "listen: backlog", .type = SG_EV_LISTEN, .sc = SG_SC_LISTEN,
	  .u.net = { .fd = 3, .family = AF_INET, .port = 8080, .backlog = 128 },
	  .want = { IS(type, SG_EV_LISTEN), IS(net.backlog, 128), IS(net.port, 8080),
		    IS(result, 0) } },

	/* ---- malformed records: refused and counted ---- */
	{ "malformed: type none", .type = SG_EV_NONE, .sc = SG_SC_NONE, .ret = -EINVAL },
	{ "malformed: type past the kernel's", .type = SG_EV_KERNEL_MAX, .sc = SG_SC_NONE,
	  .ret = -EINVAL },
	{ "malformed: type past the daemon's", .type = SG_EV_MARK + 1, .sc = SG_SC_NONE,
	  .ret = -EINVAL },
	{ "malformed: type 0xffff", .type = 0xffff, .sc = SG_SC_NONE, .ret = -EINVAL },
	{ "malformed: syscall past the last", .type = SG_EV_OPEN, .sc = SG_SC_MAX,
	  .sec = { S_STR(file.path_len, "/f") }, .ret = -EINVAL },
	{ "malformed: exec, unterminated cwd walk", .type = SG_EV_EXEC, .sc = SG_SC_EXECVE,
	  .sec = { S_STR(exec.filename_len, "/bin/x"), S_RAW(exec.cwd_len, "home", 4),
		   S_WALK(exec.exe_len, "x\0bin\0") },
	  .ret = -EINVAL },
	{ "malformed: exec, empty component in the exe walk", .type = SG_EV_EXEC,
	  .sc = SG_SC_EXECVE,
	  .sec = { S_STR(exec.filename_len, "/bin/x"), S_WALK(exec.cwd_len, ""),
		   S_WALK(exec.exe_len, "x\0\0bin\0") },
	  .ret = -EINVAL },
	/* a directory walk for an absolute path: the kernel never writes one */
	{ "malformed: open, walk for an absolute path", .type = SG_EV_OPEN, .sc = SG_SC_OPENAT,
	  .sec = { S_STR(file.path_len, "/etc/passwd"), S_WALK(file.dir_len, "tmp\0") },
	  .ret = -EINVAL },
	{ "malformed: rename, walk for an absolute new path", .type = SG_EV_RENAME,
	  .sc = SG_SC_RENAME,
	  .sec = { S_STR(file.path_len, "/a"), S_STR(file.path2_len, "/b"),
		   S_WALK(file.dir2_len, "tmp\0") },
	  .ret = -EINVAL },
	/* a directory walk without a path (the path was not readable) */
	{ "malformed: rename, walk without a path", .type = SG_EV_RENAME, .sc = SG_SC_RENAME,
	  .flags = SG_F_PATH_FAULT,
	  .sec = { S_WALK(file.dir_len, "tmp\0"), S_STR(file.path2_len, "/b") }, .ret = -EINVAL },
	{ "malformed: open, unterminated walk", OPEN_AT(O_RDONLY, 0),
	  .sec = { S_STR(file.path_len, "f"), S_RAW(file.dir_len, "tmp", 3) }, .ret = -EINVAL },
	{ "malformed: open, empty walk component", OPEN_AT(O_RDONLY, 0),
	  .sec = { S_STR(file.path_len, "f"), S_RAW(file.dir_len, "\0tmp\0", 5) },
	  .ret = -EINVAL },
	{ "malformed: unix path past the record", .type = SG_EV_CONNECT, .sc = SG_SC_CONNECT,
	  .u.net.family = AF_UNIX, .sec = { S_STR_OFF(net.unix_len, "/run/s", 1) },
	  .ret = -EINVAL },
};

static void check(const char *name, const struct want *w)
{
	const char *f = (const char *)&ev + w->off;
	const char *s = NULL;
	uint64_t v = 0, want = (uint64_t)w->i;

	if (w->kind != W_INT && w->kind != W_ARRAY)
		memcpy(&s, f, sizeof(s));
	switch (w->kind) {
	case W_INT:
		switch (w->size) {
		case 1:
			v = *(const uint8_t *)f;
			break;
		case 2:
			v = *(const uint16_t *)f;
			break;
		case 4:
			v = *(const uint32_t *)f;
			break;
		case 8:
			v = *(const uint64_t *)f;
			break;
		default:
			fail_msg("%s: %s has size %zu", name, w->what, w->size);
		}
		/* compared in the field's width: -errno in an int32_t */
		if (w->size < 8)
			want &= (UINT64_C(1) << (8 * w->size)) - 1;
		if (v != want)
			fail_msg("%s: %s is %llu (%#llx), want %lld", name, w->what,
				 (unsigned long long)v, (unsigned long long)v, (long long)w->i);
		break;
	case W_STR:
		if (!s || strcmp(s, w->s) != 0)
			fail_msg("%s: %s is '%s', want '%s'", name, w->what, s ? s : "(null)",
				 w->s);
		break;
	case W_NULL:
		if (s)
			fail_msg("%s: %s is not NULL", name, w->what);
		break;
	case W_SET:
		if (!s)
			fail_msg("%s: %s is NULL", name, w->what);
		break;
	case W_BYTES:
		if (!s || memcmp(s, w->s, w->n) != 0)
			fail_msg("%s: %s differs in its first %zu bytes", name, w->what, w->n);
		break;
	case W_ARRAY:
		if (memcmp(f, w->s, w->n) != 0)
			fail_msg("%s: %s differs in its first %zu bytes", name, w->what, w->n);
		break;
	}
}

/* One row: build its record, decode it, check the result and the fields. */
static void run_case(void **state)
{
	const struct dcase *c = *state;
	uint64_t malformed = dec.malformed;
	int r;

	rb_init(c->type, c->sc, c->flags);
	rb.rec.u = c->u;
	if (c->type == SG_EV_EXEC && c->sc == SG_SC_EXECVE)
		rb.rec.u.exec.dfd = AT_FDCWD; /* as the kernel sets it for execve */
	for (const struct sec *s = c->sec; s->data; s++) {
		uint16_t n = put(s->data, s->n) + s->extra;

		if (s->len != NO_LEN)
			memcpy((char *)&rb.rec.u + s->len, &n, sizeof(n));
	}
	r = decode();
	if (r != c->ret)
		fail_msg("%s: decode_record() returned %d, want %d", c->name, r, c->ret);
	assert_int_equal(dec.malformed - malformed, c->ret < 0 ? 1 : 0);
	for (const struct want *w = c->want; w->what; w++)
		check(c->name, w);
}

/* ---- records the table cannot hold: generated data, decoded more than once --------------- */

static void exec_argv_longest(void **state)
{
	static char argv[SG_ARGV_BYTES];
	struct sg_exec *x;

	memset(argv, 'a', sizeof(argv));
	rb_init(SG_EV_EXEC, SG_SC_EXECVE, SG_F_TRUNC_ARGV);
	x = &rb.rec.u.exec;
	x->filename_len = STR("/bin/a");
	x->argv_len = put(argv, sizeof(argv)); /* one unterminated argument */
	x->cwd_len = WALK("");
	x->exe_len = WALK("a\0bin\0");
	assert_int_equal(decode(), 0);
	assert_int_equal(ev.exec.argc, 1);
	assert_int_equal(ev.exec.argv_len, SG_ARGV_BYTES + 1);
	assert_int_equal(strlen(ev.exec.argv), SG_ARGV_BYTES);
	assert_string_equal(ev.proc.exe, "/bin/a");
}

static void exec_argv_too_long(void **state)
{
	static char argv[SG_ARGV_BYTES + 200];
	struct sg_exec *x;

	/* more argv than the kernel ever captures: refused, not copied */
	memset(argv, 'a', sizeof(argv));
	rb_init(SG_EV_EXEC, SG_SC_EXECVE, 0);
	x = &rb.rec.u.exec;
	x->filename_len = STR("/bin/a");
	x->argv_len = put(argv, sizeof(argv));
	x->cwd_len = WALK("");
	x->exe_len = WALK("a\0bin\0");
	assert_int_equal(decode(), -EINVAL);
	assert_int_equal(dec.malformed, 1);
	/* the decoder's other buffers are intact */
	rb_init(SG_EV_EXEC, SG_SC_EXECVE, 0);
	x = &rb.rec.u.exec;
	x->filename_len = STR("/bin/b");
	x->cwd_len = WALK("w\0");
	x->exe_len = WALK("b\0bin\0");
	assert_int_equal(decode(), 0);
	assert_string_equal(ev.exec.cwd, "/w");
}

static void net_unix_longest(void **state)
{
	char p[SG_UNIX_PATH];
	struct sg_net *n;

	/* the longest sun_path, abstract */
	memset(p, 'p', sizeof(p));
	p[0] = '\0';
	rb_init(SG_EV_BIND, SG_SC_BIND, 0);
	n = &rb.rec.u.net;
	n->family = AF_UNIX;
	n->unix_len = put(p, sizeof(p));
	assert_int_equal(decode(), 0);
	assert_int_equal(strlen(ev.net.unix_path), SG_UNIX_PATH);
	assert_int_equal(ev.net.unix_path[0], '@');
}

static void malformed_sizes(void **state)
{
	rb_init(SG_EV_FORK, SG_SC_NONE, 0);
	assert_int_equal(decode_n(0, 0), -EINVAL);
	assert_int_equal(decode_n(10, 10), -EINVAL);
	assert_int_equal(decode_n(SG_DATA_OFF - 1, SG_DATA_OFF - 1), -EINVAL);
	assert_int_equal(decode_n(SG_DATA_OFF, SG_DATA_OFF), 0);
	/* hdr.size disagrees with what the ring handed us */
	assert_int_equal(decode_n(SG_DATA_OFF, SG_DATA_OFF + 8), -EINVAL);
	assert_int_equal(decode_n(SG_DATA_OFF + 8, SG_DATA_OFF), -EINVAL);
	assert_int_equal(dec.malformed, 5);
}

/* Each *_len one byte beyond the data actually present. */
static void malformed_exec_sections(void **state)
{
	static const size_t fields[] = {
		offsetof(struct sg_exec, filename_len), offsetof(struct sg_exec, argv_len),
		offsetof(struct sg_exec, cwd_len), offsetof(struct sg_exec, exe_len),
	};

	for (size_t i = 0; i < 4; i++) {
		struct sg_exec *x;
		uint16_t *len;

		rb_init(SG_EV_EXEC, SG_SC_EXECVE, 0);
		x = &rb.rec.u.exec;
		x->filename_len = STR("/bin/x");
		x->argv_len = STR("x");
		x->cwd_len = WALK("d\0");
		x->exe_len = WALK("x\0bin\0");
		len = (uint16_t *)((char *)x + fields[i]);
		*len += 1;
		assert_int_equal(decode(), -EINVAL);
		*len = 0xffff;
		assert_int_equal(decode(), -EINVAL);
	}
	/* the same with the cwd and exe sections skipped (unresolved) */
	for (size_t i = 2; i < 4; i++) {
		struct sg_exec *x;
		uint16_t *len;

		rb_init(SG_EV_EXEC, SG_SC_EXECVE, SG_F_CWD_UNRES | SG_F_EXE_UNRES);
		x = &rb.rec.u.exec;
		x->filename_len = STR("/bin/x");
		x->cwd_len = put("ab", 2);
		x->exe_len = put("cd", 2);
		len = (uint16_t *)((char *)x + fields[i]);
		*len += 1;
		assert_int_equal(decode(), -EINVAL);
	}
}

static void malformed_file_sections(void **state)
{
	static const size_t fields[] = {
		offsetof(struct sg_file, path_len), offsetof(struct sg_file, dir_len),
		offsetof(struct sg_file, path2_len), offsetof(struct sg_file, dir2_len),
	};

	for (size_t i = 0; i < 4; i++) {
		struct sg_file *f;
		uint16_t *len;

		rb_init(SG_EV_RENAME, SG_SC_RENAME, 0);
		f = &rb.rec.u.file;
		f->path_len = STR("a");
		f->dir_len = WALK("d\0");
		f->path2_len = STR("b");
		f->dir2_len = WALK("e\0");
		assert_int_equal(decode(), 0);
		len = (uint16_t *)((char *)f + fields[i]);
		*len += 1;
		assert_int_equal(decode(), -EINVAL);
		*len = 0xffff;
		assert_int_equal(decode(), -EINVAL);
	}
	/* the skipped directory of an unresolved path is checked too */
	{
		struct sg_file *f;

		rb_init(SG_EV_OPEN, SG_SC_OPENAT, SG_F_DIR_UNRES);
		f = &rb.rec.u.file;
		f->path_len = STR("a");
		f->dir_len = put("xy", 2) + 1;
		assert_int_equal(decode(), -EINVAL);
	}
}

static void malformed_net_too_long(void **state)
{
	struct sg_net *n;
	char p[SG_UNIX_PATH + 1];

	memset(p, 'p', sizeof(p));
	rb_init(SG_EV_CONNECT, SG_SC_CONNECT, 0);
	n = &rb.rec.u.net;
	n->family = AF_UNIX;
	n->unix_len = put(p, sizeof(p)); /* longer than sun_path */
	assert_int_equal(decode(), -EINVAL);
}

static void truncated_anywhere(void **state)
{
	struct sg_file *f;
	size_t full;

	/* a valid record cut short at every length is refused or decoded, never overread */
	rb_init(SG_EV_RENAME, SG_SC_RENAME, 0);
	f = &rb.rec.u.file;
	f->path_len = STR("a/b");
	f->dir_len = WALK("d\0c\0");
	f->path2_len = STR("e");
	f->dir2_len = WALK("g\0f\0");
	full = rb_size();
	for (size_t n = 0; n < full; n++)
		assert_int_equal(decode_n(n, n), -EINVAL);
	assert_int_equal(decode_n(full, full), 0);
	assert_string_equal(ev.file.path, "/c/d/a/b");
	assert_string_equal(ev.file.new_path, "/f/g/e");
}

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

int main(void)
{
	static const struct CMUnitTest funcs[] = {
		cmocka_unit_test_setup(exec_argv_longest, setup),
		cmocka_unit_test_setup(exec_argv_too_long, setup),
		cmocka_unit_test_setup(net_unix_longest, setup),
		cmocka_unit_test_setup(malformed_sizes, setup),
		cmocka_unit_test_setup(malformed_exec_sections, setup),
		cmocka_unit_test_setup(malformed_file_sections, setup),
		cmocka_unit_test_setup(malformed_net_too_long, setup),
		cmocka_unit_test_setup(truncated_anywhere, setup),
	};
	struct CMUnitTest tests[ARRAY_SIZE(cases) + ARRAY_SIZE(funcs)];
	size_t n = 0;

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++)
		tests[n++] = (struct CMUnitTest){ cases[i].name, run_case, setup, NULL,
						  (void *)&cases[i] };
	for (size_t i = 0; i < ARRAY_SIZE(funcs); i++)
		tests[n++] = funcs[i];
	return _cmocka_run_group_tests("test_decode", tests, n, NULL, NULL);
}
