// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Unit tests for sysguardd/decode.c: records built by hand the way the BPF
 * programs lay them out (header, payload, string sections in the order of the
 * payload's *_len fields), decoded into struct sg_event.  Every record is
 * copied into a heap block of exactly hdr.size bytes before decoding, so a
 * read past its end shows up under ASan or valgrind.
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

static void header_fields(void **state)
{
	rb_init(SG_EV_FORK, SG_SC_NONE, SG_F_NO_ENTER);
	rb.rec.u.fork.child_pid = 4242;
	assert_int_equal(decode(), 0);
	assert_int_equal(ev.type, SG_EV_FORK);
	assert_int_equal(ev.syscall, SG_SC_NONE);
	assert_int_equal(ev.kflags, SG_F_NO_ENTER);
	assert_int_equal(ev.ts_ns, 5000 + BOOT_TO_REAL);
	assert_int_equal(ev.proc.pid, 100);
	assert_int_equal(ev.proc.tid, 101);
	assert_int_equal(ev.proc.ppid, 1);
	assert_int_equal(ev.proc.uid, 1000);
	assert_int_equal(ev.proc.gid, 1001);
	assert_int_equal(ev.proc.cgroup_id, 77);
	assert_string_equal(ev.proc.comm, "0123456789abcdef");
	assert_null(ev.proc.exe);
	assert_null(ev.proc.entry);
	assert_false(ev.has_result);
	assert_int_equal(ev.fork.child_pid, 4242);
	assert_int_equal(ev.verdict.action, SG_ACT_NONE);
	assert_null(ev.verdict.rule_id);
	assert_int_equal(dec.malformed, 0);
}

static void exec_success(void **state)
{
	struct sg_exec *x;

	rb_init(SG_EV_EXEC, SG_SC_EXECVE, 0);
	x = &rb.rec.u.exec;
	x->filename_len = STR("/usr//bin/./ls");
	x->argv_len = STR("ls\0-l\0/tmp");
	x->cwd_len = WALK("u\0home\0");
	x->exe_len = WALK("ls\0bin\0usr\0");
	assert_int_equal(decode(), 0);
	assert_true(ev.has_result);
	assert_int_equal(ev.result, 0);
	assert_string_equal(ev.exec.filename, "/usr/bin/ls");
	assert_int_equal(ev.exec.argc, 3);
	assert_int_equal(ev.exec.argv_len, 11);
	assert_memory_equal(ev.exec.argv, "ls\0-l\0/tmp\0", 11);
	assert_false(ev.exec.argv_truncated);
	assert_string_equal(ev.exec.cwd, "/home/u");
	assert_string_equal(ev.proc.exe, "/usr/bin/ls");
}

static void exec_argv_unterminated_and_truncated(void **state)
{
	struct sg_exec *x;

	rb_init(SG_EV_EXEC, SG_SC_EXECVE, SG_F_TRUNC_ARGV);
	x = &rb.rec.u.exec;
	x->filename_len = STR("/bin/sh");
	x->argv_len = put("sh\0-c\0echo hel", 14); /* cut in the middle of the last one */
	x->cwd_len = WALK("");
	x->exe_len = WALK("sh\0bin\0");
	assert_int_equal(decode(), 0);
	assert_int_equal(ev.exec.argc, 3);
	assert_int_equal(ev.exec.argv_len, 15); /* the NUL the decoder added is counted */
	assert_memory_equal(ev.exec.argv, "sh\0-c\0echo hel\0", 15);
	assert_true(ev.exec.argv_truncated);
	assert_string_equal(ev.exec.cwd, "/");
}

static void exec_empty_argv(void **state)
{
	struct sg_exec *x;

	rb_init(SG_EV_EXEC, SG_SC_EXECVE, 0);
	x = &rb.rec.u.exec;
	x->filename_len = STR("/bin/true");
	x->cwd_len = WALK("tmp\0");
	x->exe_len = WALK("true\0bin\0");
	assert_int_equal(decode(), 0);
	assert_int_equal(ev.exec.argc, 0);
	assert_int_equal(ev.exec.argv_len, 0);
	assert_non_null(ev.exec.argv);
}

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

static void exec_relative_filename(void **state)
{
	struct sg_exec *x;

	rb_init(SG_EV_EXEC, SG_SC_EXECVE, 0);
	x = &rb.rec.u.exec;
	x->filename_len = STR("./bin/../run.sh");
	x->argv_len = STR("./run.sh");
	x->cwd_len = WALK("proj\0home\0");
	x->exe_len = WALK("bash\0bin\0");
	assert_int_equal(decode(), 0);
	assert_string_equal(ev.exec.filename, "/home/proj/run.sh");
	assert_string_equal(ev.exec.cwd, "/home/proj");
	assert_string_equal(ev.proc.exe, "/bin/bash");

	/* execveat: relative to a dirfd we do not know, kept as given */
	rb_init(SG_EV_EXEC, SG_SC_EXECVEAT, 0);
	x = &rb.rec.u.exec;
	x->dfd = 5;
	x->filename_len = STR("run.sh");
	x->cwd_len = WALK("proj\0");
	x->exe_len = WALK("bash\0bin\0");
	assert_int_equal(decode(), 0);
	assert_string_equal(ev.exec.filename, "run.sh");

	/* a failed execveat: the kernel walked the dirfd, the name is joined to it */
	rb_init(SG_EV_EXEC, SG_SC_EXECVEAT, SG_F_EXE_UNRES);
	x = &rb.rec.u.exec;
	x->ret = -ENOENT;
	x->dfd = 5;
	x->filename_len = STR("../run.sh");
	x->cwd_len = WALK("proj\0");
	x->dir_len = WALK("bin\0opt\0");
	assert_int_equal(decode(), 0);
	assert_string_equal(ev.exec.filename, "/opt/run.sh");

	/* the dirfd's walk cut short: skipped, the name kept as given */
	rb_init(SG_EV_EXEC, SG_SC_EXECVEAT, SG_F_EXE_UNRES | SG_F_DIR_UNRES);
	x = &rb.rec.u.exec;
	x->ret = -ENOENT;
	x->dfd = 5;
	x->filename_len = STR("run.sh");
	x->cwd_len = WALK("proj\0");
	x->dir_len = put("partial", 7);
	assert_int_equal(decode(), 0);
	assert_string_equal(ev.exec.filename, "run.sh");

	/* unknown cwd: kept as given, cwd NULL, the cwd section skipped */
	rb_init(SG_EV_EXEC, SG_SC_EXECVE, SG_F_CWD_UNRES);
	x = &rb.rec.u.exec;
	x->filename_len = STR("run.sh");
	x->cwd_len = put("garbage", 7); /* whatever a partial walk left */
	x->exe_len = WALK("bash\0bin\0");
	assert_int_equal(decode(), 0);
	assert_string_equal(ev.exec.filename, "run.sh");
	assert_null(ev.exec.cwd);
	assert_string_equal(ev.proc.exe, "/bin/bash");
}

static void exec_failure(void **state)
{
	struct sg_exec *x;

	rb_init(SG_EV_EXEC, SG_SC_EXECVE, SG_F_EXE_UNRES);
	x = &rb.rec.u.exec;
	x->ret = -ENOENT;
	x->filename_len = STR("/no/such");
	x->argv_len = put("such\0arg1\0", 10);
	x->argc = 2;
	x->cwd_len = WALK("tmp\0");
	x->exe_len = 0;
	assert_int_equal(decode(), 0);
	assert_true(ev.has_result);
	assert_int_equal(ev.result, -ENOENT);
	assert_null(ev.proc.exe);
	assert_string_equal(ev.exec.filename, "/no/such");
	assert_int_equal(ev.exec.argc, 2);
	assert_memory_equal(ev.exec.argv, "such\0arg1\0", 10);
	assert_string_equal(ev.exec.cwd, "/tmp");
}

static void exec_no_filename(void **state)
{
	struct sg_exec *x;

	rb_init(SG_EV_EXEC, SG_SC_EXECVE, SG_F_PATH_FAULT | SG_F_EXE_UNRES);
	x = &rb.rec.u.exec;
	x->ret = -EFAULT;
	x->cwd_len = WALK("tmp\0");
	assert_int_equal(decode(), 0);
	assert_string_equal(ev.exec.filename, "");
	assert_int_equal(ev.exec.argc, 0);
}

static void exit_status(void **state)
{
	rb_init(SG_EV_EXIT, SG_SC_NONE, 0);
	rb.rec.u.exit.exit_code = 3 << 8;
	assert_int_equal(decode(), 0);
	assert_int_equal(ev.exit.code, 3);
	assert_int_equal(ev.exit.signal, 0);
	assert_false(ev.exit.core);
	assert_false(ev.has_result);

	rb.rec.u.exit.exit_code = 9; /* SIGKILL */
	assert_int_equal(decode(), 0);
	assert_int_equal(ev.exit.code, 0);
	assert_int_equal(ev.exit.signal, 9);
	assert_false(ev.exit.core);

	rb.rec.u.exit.exit_code = 0x80 | 11; /* SIGSEGV, core dumped */
	assert_int_equal(decode(), 0);
	assert_int_equal(ev.exit.signal, 11);
	assert_true(ev.exit.core);

	rb.rec.u.exit.exit_code = 255 << 8;
	assert_int_equal(decode(), 0);
	assert_int_equal(ev.exit.code, 255);
	assert_int_equal(ev.exit.signal, 0);
}

static void open_rec(uint32_t oflags, const char *path, const char *walk, size_t walk_len,
		     uint16_t hflags)
{
	struct sg_file *f;

	rb_init(SG_EV_OPEN, SG_SC_OPENAT, hflags);
	f = &rb.rec.u.file;
	f->ret = 3;
	f->dfd = AT_FDCWD;
	f->flags = oflags;
	f->mode = 0644;
	f->path_len = put(path, strlen(path) + 1);
	f->dir_len = walk ? put(walk, walk_len) : 0;
}

static void open_paths(void **state)
{
	open_rec(O_RDONLY, "/etc//./passwd", NULL, 0, 0);
	assert_int_equal(decode(), 0);
	assert_string_equal(ev.file.path, "/etc/passwd");
	assert_true(ev.file.path_resolved);
	assert_true(ev.has_result);
	assert_int_equal(ev.result, 3);
	assert_int_equal(ev.file.mode, 0644);
	assert_null(ev.file.new_path);

	open_rec(O_RDONLY, "sub/../f.txt", "u\0home\0", 7, 0);
	assert_int_equal(decode(), 0);
	assert_string_equal(ev.file.path, "/home/u/f.txt");
	assert_true(ev.file.path_resolved);

	open_rec(O_RDONLY, "../../../x", "u\0home\0", 7, 0);
	assert_int_equal(decode(), 0);
	assert_string_equal(ev.file.path, "/x");

	/* the directory is unknown: the path stays as given */
	open_rec(O_RDONLY, "rel/f", "junk", 4, SG_F_DIR_UNRES);
	assert_int_equal(decode(), 0);
	assert_string_equal(ev.file.path, "rel/f");
	assert_false(ev.file.path_resolved);

	/* "" (AT_EMPTY_PATH style) is the directory itself */
	open_rec(O_RDONLY, "", "d\0", 2, 0);
	assert_int_equal(decode(), 0);
	assert_string_equal(ev.file.path, "/d");
}

static void open_no_path(void **state)
{
	struct sg_file *f;

	/* the user path could not be read: no sections at all */
	rb_init(SG_EV_OPEN, SG_SC_OPEN, SG_F_PATH_FAULT);
	f = &rb.rec.u.file;
	f->ret = -EFAULT;
	assert_int_equal(decode(), 0);
	assert_string_equal(ev.file.path, "");
	assert_false(ev.file.path_resolved);
	assert_int_equal(ev.result, -EFAULT);
}

static void open_from_lsm_hook(void **state)
{
	/* telemetry backend "lsm": the path the hook built, no syscall, no result */
	open_rec(O_WRONLY | O_CREAT | O_TRUNC, "/var/lib/x", NULL, 0, SG_F_HOOK);
	rb.rec.hdr.syscall = SG_SC_NONE;
	rb.rec.u.file.ret = 0;
	assert_int_equal(decode(), 0);
	assert_string_equal(ev.file.path, "/var/lib/x");
	assert_true(ev.file.path_resolved);
	assert_false(ev.has_result);
	assert_true(ev.file.write);
	assert_int_equal(ev.syscall, SG_SC_NONE);

	/* a path the hook could not build: none, and still no result */
	rb_init(SG_EV_OPEN, SG_SC_NONE, SG_F_HOOK | SG_F_PATH_FAULT);
	assert_int_equal(decode(), 0);
	assert_string_equal(ev.file.path, "");
	assert_false(ev.has_result);
}

static void open_write_intent(void **state)
{
	static const struct {
		uint32_t flags;
		bool write;
	} cases[] = {
		{ O_RDONLY, false },
		{ O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_DIRECTORY, false },
		{ O_WRONLY, true },
		{ O_RDWR, true },
		{ O_RDONLY | O_CREAT, true },
		{ O_RDONLY | O_TRUNC, true },
		{ O_WRONLY | O_CREAT | O_TRUNC, true },
		{ O_RDONLY | O_APPEND, false },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		open_rec(cases[i].flags, "/f", NULL, 0, 0);
		assert_int_equal(decode(), 0);
		assert_int_equal(ev.file.flags, cases[i].flags);
		if (ev.file.write != cases[i].write)
			fail_msg("flags %#x: write %d, want %d", cases[i].flags, ev.file.write,
				 cases[i].write);
	}
}

static void rename_two_relative(void **state)
{
	struct sg_file *f;

	rb_init(SG_EV_RENAME, SG_SC_RENAMEAT2, 0);
	f = &rb.rec.u.file;
	f->dfd = 5;
	f->dfd2 = 6;
	f->flags = 1; /* RENAME_NOREPLACE */
	f->path_len = STR("old.txt");
	f->dir_len = WALK("src\0");
	f->path2_len = STR("./new.txt");
	f->dir2_len = WALK("dst\0var\0");
	assert_int_equal(decode(), 0);
	assert_string_equal(ev.file.path, "/src/old.txt");
	assert_true(ev.file.path_resolved);
	assert_string_equal(ev.file.new_path, "/var/dst/new.txt");
	assert_true(ev.file.new_path_resolved);
	assert_int_equal(ev.file.flags, 1);
	assert_false(ev.file.write);

	/* absolute then relative with an unknown directory */
	rb_init(SG_EV_RENAME, SG_SC_RENAMEAT, SG_F_DIR2_UNRES);
	f = &rb.rec.u.file;
	f->path_len = STR("/a//b");
	f->path2_len = STR("c");
	assert_int_equal(decode(), 0);
	assert_string_equal(ev.file.path, "/a/b");
	assert_true(ev.file.path_resolved);
	assert_string_equal(ev.file.new_path, "c");
	assert_false(ev.file.new_path_resolved);
}

static void unlink_dir(void **state)
{
	struct sg_file *f;

	rb_init(SG_EV_UNLINK, SG_SC_UNLINKAT, 0);
	f = &rb.rec.u.file;
	f->flags = AT_REMOVEDIR;
	f->path_len = STR("/tmp/d/");
	assert_int_equal(decode(), 0);
	assert_string_equal(ev.file.path, "/tmp/d");
	assert_true(ev.file.dir);
	assert_false(ev.file.write);

	rb_init(SG_EV_UNLINK, SG_SC_UNLINK, 0);
	f = &rb.rec.u.file;
	f->path_len = STR("f");
	f->dir_len = WALK("tmp\0");
	assert_int_equal(decode(), 0);
	assert_string_equal(ev.file.path, "/tmp/f");
	assert_false(ev.file.dir);
}

static void net_inet(void **state)
{
	struct sg_net *n;

	rb_init(SG_EV_CONNECT, SG_SC_CONNECT, 0);
	n = &rb.rec.u.net;
	n->ret = -EINPROGRESS;
	n->fd = 7;
	n->family = AF_INET;
	n->port = 443;
	n->sock_type = SOCK_STREAM;
	n->protocol = IPPROTO_TCP;
	inet_pton(AF_INET, "10.1.2.3", n->addr);
	assert_int_equal(decode(), 0);
	assert_int_equal(ev.result, -EINPROGRESS);
	assert_int_equal(ev.net.family, AF_INET);
	assert_int_equal(ev.net.port, 443);
	assert_int_equal(ev.net.sock_type, SOCK_STREAM);
	assert_int_equal(ev.net.protocol, IPPROTO_TCP);
	assert_memory_equal(ev.net.addr, "\x0a\x01\x02\x03", 4);
	assert_null(ev.net.unix_path);

	rb_init(SG_EV_BIND, SG_SC_BIND, 0);
	n = &rb.rec.u.net;
	n->family = AF_INET6;
	n->port = 53;
	n->sock_type = SOCK_DGRAM;
	inet_pton(AF_INET6, "2001:db8::1", n->addr);
	assert_int_equal(decode(), 0);
	assert_int_equal(ev.type, SG_EV_BIND);
	assert_int_equal(ev.net.family, AF_INET6);
	assert_int_equal(ev.net.port, 53);
	assert_memory_equal(ev.net.addr,
			    "\x20\x01\x0d\xb8\0\0\0\0\0\0\0\0\0\0\0\x01", 16);
}

static void net_unix(void **state)
{
	struct sg_net *n;

	rb_init(SG_EV_CONNECT, SG_SC_CONNECT, 0);
	n = &rb.rec.u.net;
	n->family = AF_UNIX;
	n->unix_len = STR("/run/x.sock");
	assert_int_equal(decode(), 0);
	assert_string_equal(ev.net.unix_path, "/run/x.sock");

	/* sun_path without a NUL */
	rb_init(SG_EV_CONNECT, SG_SC_CONNECT, 0);
	n = &rb.rec.u.net;
	n->family = AF_UNIX;
	n->unix_len = put("/run/y", 6);
	assert_int_equal(decode(), 0);
	assert_string_equal(ev.net.unix_path, "/run/y");

	/* abstract: a leading NUL shows as '@', so do NULs inside the name */
	rb_init(SG_EV_BIND, SG_SC_BIND, 0);
	n = &rb.rec.u.net;
	n->family = AF_UNIX;
	n->unix_len = put("\0abc\0d", 6);
	assert_int_equal(decode(), 0);
	assert_string_equal(ev.net.unix_path, "@abc@d");

	/* the longest sun_path */
	{
		char p[SG_UNIX_PATH];

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
}

static void net_listen(void **state)
{
	struct sg_net *n;

	rb_init(SG_EV_LISTEN, SG_SC_LISTEN, 0);
	n = &rb.rec.u.net;
	n->fd = 3;
	n->family = AF_INET;
	n->port = 8080;
	n->backlog = 128;
	assert_int_equal(decode(), 0);
	assert_int_equal(ev.type, SG_EV_LISTEN);
	assert_int_equal(ev.net.backlog, 128);
	assert_int_equal(ev.net.port, 8080);
	assert_int_equal(ev.result, 0);
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

static void malformed_types(void **state)
{
	rb_init(SG_EV_NONE, SG_SC_NONE, 0);
	assert_int_equal(decode(), -EINVAL);
	rb_init(SG_EV_KERNEL_MAX, SG_SC_NONE, 0);
	assert_int_equal(decode(), -EINVAL);
	rb_init(SG_EV_MARK + 1, SG_SC_NONE, 0);
	assert_int_equal(decode(), -EINVAL);
	rb_init(0xffff, SG_SC_NONE, 0);
	assert_int_equal(decode(), -EINVAL);
	rb_init(SG_EV_OPEN, SG_SC_MAX, 0);
	rb.rec.u.file.path_len = STR("/f");
	assert_int_equal(decode(), -EINVAL);
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

static void malformed_exec_walks(void **state)
{
	struct sg_exec *x;

	/* an unterminated cwd walk */
	rb_init(SG_EV_EXEC, SG_SC_EXECVE, 0);
	x = &rb.rec.u.exec;
	x->filename_len = STR("/bin/x");
	x->cwd_len = put("home", 4);
	x->exe_len = WALK("x\0bin\0");
	assert_int_equal(decode(), -EINVAL);

	/* an empty component in the exe walk */
	rb_init(SG_EV_EXEC, SG_SC_EXECVE, 0);
	x = &rb.rec.u.exec;
	x->filename_len = STR("/bin/x");
	x->cwd_len = WALK("");
	x->exe_len = WALK("x\0\0bin\0");
	assert_int_equal(decode(), -EINVAL);
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

static void malformed_file_walks(void **state)
{
	struct sg_file *f;

	/* a directory walk for an absolute path: the kernel never writes one */
	rb_init(SG_EV_OPEN, SG_SC_OPENAT, 0);
	f = &rb.rec.u.file;
	f->path_len = STR("/etc/passwd");
	f->dir_len = WALK("tmp\0");
	assert_int_equal(decode(), -EINVAL);

	/* the same for the second path of a rename */
	rb_init(SG_EV_RENAME, SG_SC_RENAME, 0);
	f = &rb.rec.u.file;
	f->path_len = STR("/a");
	f->path2_len = STR("/b");
	f->dir2_len = WALK("tmp\0");
	assert_int_equal(decode(), -EINVAL);

	/* a directory walk without a path (the path was not readable) */
	rb_init(SG_EV_RENAME, SG_SC_RENAME, SG_F_PATH_FAULT);
	f = &rb.rec.u.file;
	f->dir_len = WALK("tmp\0");
	f->path2_len = STR("/b");
	assert_int_equal(decode(), -EINVAL);

	/* an unterminated walk, an empty component */
	open_rec(O_RDONLY, "f", "tmp", 3, 0);
	assert_int_equal(decode(), -EINVAL);
	open_rec(O_RDONLY, "f", "\0tmp\0", 5, 0);
	assert_int_equal(decode(), -EINVAL);
}

static void malformed_net(void **state)
{
	struct sg_net *n;
	char p[SG_UNIX_PATH + 1];

	rb_init(SG_EV_CONNECT, SG_SC_CONNECT, 0);
	n = &rb.rec.u.net;
	n->family = AF_UNIX;
	n->unix_len = STR("/run/s") + 1;
	assert_int_equal(decode(), -EINVAL);

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

static void exec_stdio(void **state)
{
	struct sg_stdio st[3];
	struct sg_exec *x;

	memset(st, 0, sizeof(st));
	st[0].kind = SG_FD_SOCKET;
	st[0].family = AF_INET;
	st[0].lport = 5555;
	st[0].rport = 4444;
	memcpy(st[0].laddr, "\x7f\0\0\1", 4);
	memcpy(st[0].raddr, "\x7f\0\0\2", 4);
	st[1].kind = SG_FD_PIPE;
	st[1].ino = 9876;
	st[2].kind = SG_FD_FILE;
	rb_init(SG_EV_EXEC, SG_SC_EXECVE, 0);
	x = &rb.rec.u.exec;
	x->filename_len = STR("/bin/sh");
	x->argv_len = STR("sh\0-i");
	x->cwd_len = WALK("tmp\0");
	x->exe_len = WALK("dash\0bin\0usr\0");
	st[2].path_len = sizeof("err.log\0tmp\0") - 1;
	x->stdio_len = put(st, sizeof(st));
	WALK("err.log\0tmp\0");
	assert_int_equal(decode(), 0);
	assert_true(ev.exec.has_stdio);
	assert_int_equal(ev.exec.stdio[0].kind, SG_FD_SOCKET);
	assert_int_equal(ev.exec.stdio[0].family, AF_INET);
	assert_int_equal(ev.exec.stdio[0].rport, 4444);
	assert_memory_equal(ev.exec.stdio[0].raddr, "\x7f\0\0\2", 4);
	assert_int_equal(ev.exec.stdio[1].kind, SG_FD_PIPE);
	assert_int_equal(ev.exec.stdio[1].ino, 9876);
	assert_null(ev.exec.stdio[1].peer);
	assert_int_equal(ev.exec.stdio[2].kind, SG_FD_FILE);
	assert_string_equal(ev.exec.stdio[2].path, "/tmp/err.log");
	assert_null(ev.exec.fileless);
	assert_null(ev.exec.via);

	/* a section of the wrong size, or a file walk past the record, is refused */
	x->stdio_len = sizeof(st) - 1;
	assert_int_equal(decode(), -EINVAL);
	x->stdio_len = sizeof(st);
	rb.off -= 4;
	assert_int_equal(decode(), -EINVAL);
	/* a kind from a newer kernel side is 'other' */
	rb_init(SG_EV_EXEC, SG_SC_EXECVE, 0);
	x = &rb.rec.u.exec;
	memset(st, 0, sizeof(st));
	st[0].kind = 200;
	x->stdio_len = put(st, sizeof(st));
	assert_int_equal(decode(), 0);
	assert_int_equal(ev.exec.stdio[0].kind, SG_FD_OTHER);
	assert_int_equal(ev.exec.stdio[1].kind, SG_FD_CLOSED);
}

static void exec_fileless_and_loader(void **state)
{
	struct sg_exec *x;

	/* a memfd run through /proc/self/fd/N */
	rb_init(SG_EV_EXEC, SG_SC_EXECVE, SG_F_EXE_MEMFD | SG_F_EXE_DELETED);
	x = &rb.rec.u.exec;
	x->filename_len = STR("/proc/self/fd/3");
	x->argv_len = STR("x");
	x->exe_len = WALK("memfd:evil\0");
	assert_int_equal(decode(), 0);
	assert_string_equal(ev.exec.fileless, "memfd");
	assert_string_equal(ev.exec.via, "fd");
	assert_string_equal(ev.proc.exe, "memfd:evil");

	/* fexecve of a file deleted since it was opened */
	rb_init(SG_EV_EXEC, SG_SC_EXECVEAT, SG_F_EXE_DELETED);
	x = &rb.rec.u.exec;
	x->at_flags = AT_EMPTY_PATH;
	x->dfd = 3;
	x->filename_len = STR("");
	x->exe_len = WALK("payload\0tmp\0");
	assert_int_equal(decode(), 0);
	assert_string_equal(ev.exec.fileless, "deleted");
	assert_string_equal(ev.exec.via, "fd");
	assert_string_equal(ev.proc.exe, "/tmp/payload (deleted)");

	/* ld.so --library-path L ./prog arg: the program, absolute */
	rb_init(SG_EV_EXEC, SG_SC_EXECVE, 0);
	x = &rb.rec.u.exec;
	x->filename_len = STR("/lib64/ld-linux-x86-64.so.2");
	x->argv_len = STR("ld.so\0--library-path\0/l\0--list\0./prog\0arg");
	x->cwd_len = WALK("w\0tmp\0");
	x->exe_len = WALK("ld-linux-x86-64.so.2\0x86_64-linux-gnu\0lib\0usr\0");
	assert_int_equal(decode(), 0);
	assert_string_equal(ev.exec.via, "loader");
	assert_string_equal(ev.exec.loader_target, "/tmp/w/prog");
	assert_null(ev.exec.fileless);

	/* an ordinary program named like nothing special */
	rb_init(SG_EV_EXEC, SG_SC_EXECVE, 0);
	x = &rb.rec.u.exec;
	x->filename_len = STR("/usr/bin/ldd");
	x->argv_len = STR("ldd\0/bin/ls");
	x->exe_len = WALK("ldd\0bin\0usr\0");
	assert_int_equal(decode(), 0);
	assert_null(ev.exec.via);
	assert_null(ev.exec.loader_target);
}

static void chmod_paths(void **state)
{
	struct sg_file *f;

	/* chmod("/tmp//x", 04755): the mode as given, the path normalized */
	rb_init(SG_EV_CHMOD, SG_SC_CHMOD, 0);
	f = &rb.rec.u.file;
	f->mode = 04755;
	f->path_len = STR("/tmp//x");
	assert_int_equal(decode(), 0);
	assert_int_equal(ev.type, SG_EV_CHMOD);
	assert_string_equal(ev.file.path, "/tmp/x");
	assert_true(ev.file.path_resolved);
	assert_int_equal(ev.file.mode, 04755);
	assert_false(ev.file.write);

	/* fchmodat(dfd, "f", 02750, 0): relative to the dirfd's walk */
	rb_init(SG_EV_CHMOD, SG_SC_FCHMODAT, 0);
	f = &rb.rec.u.file;
	f->dfd = 5;
	f->mode = 02750;
	f->path_len = STR("f");
	f->dir_len = WALK("b\0a\0");
	assert_int_equal(decode(), 0);
	assert_string_equal(ev.file.path, "/a/b/f");
	assert_int_equal(ev.file.mode, 02750);

	/* fchmod(fd, 0700): no path; the fd's walk is the file */
	rb_init(SG_EV_CHMOD, SG_SC_FCHMOD, 0);
	f = &rb.rec.u.file;
	f->dfd = 3;
	f->mode = 0700;
	f->dir_len = WALK("f\0tmp\0");
	assert_int_equal(decode(), 0);
	assert_string_equal(ev.file.path, "/tmp/f");
	assert_true(ev.file.path_resolved);

	/* fchmod whose fd could not be walked: no path, the section skipped */
	rb_init(SG_EV_CHMOD, SG_SC_FCHMOD, SG_F_DIR_UNRES);
	f = &rb.rec.u.file;
	f->dir_len = WALK("junk");
	assert_int_equal(decode(), 0);
	assert_null(ev.file.path);
	assert_false(ev.file.path_resolved);

	/* a walk longer than the record is refused */
	rb_init(SG_EV_CHMOD, SG_SC_FCHMOD, 0);
	f = &rb.rec.u.file;
	f->dir_len = WALK("f\0") + 10;
	assert_int_equal(decode(), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(header_fields, setup),
		cmocka_unit_test_setup(exec_success, setup),
		cmocka_unit_test_setup(exec_argv_unterminated_and_truncated, setup),
		cmocka_unit_test_setup(exec_empty_argv, setup),
		cmocka_unit_test_setup(exec_argv_longest, setup),
		cmocka_unit_test_setup(exec_argv_too_long, setup),
		cmocka_unit_test_setup(exec_relative_filename, setup),
		cmocka_unit_test_setup(exec_failure, setup),
		cmocka_unit_test_setup(exec_no_filename, setup),
		cmocka_unit_test_setup(exec_stdio, setup),
		cmocka_unit_test_setup(exec_fileless_and_loader, setup),
		cmocka_unit_test_setup(exit_status, setup),
		cmocka_unit_test_setup(open_paths, setup),
		cmocka_unit_test_setup(open_no_path, setup),
		cmocka_unit_test_setup(open_from_lsm_hook, setup),
		cmocka_unit_test_setup(open_write_intent, setup),
		cmocka_unit_test_setup(rename_two_relative, setup),
		cmocka_unit_test_setup(unlink_dir, setup),
		cmocka_unit_test_setup(chmod_paths, setup),
		cmocka_unit_test_setup(net_inet, setup),
		cmocka_unit_test_setup(net_unix, setup),
		cmocka_unit_test_setup(net_listen, setup),
		cmocka_unit_test_setup(malformed_sizes, setup),
		cmocka_unit_test_setup(malformed_types, setup),
		cmocka_unit_test_setup(malformed_exec_sections, setup),
		cmocka_unit_test_setup(malformed_exec_walks, setup),
		cmocka_unit_test_setup(malformed_file_sections, setup),
		cmocka_unit_test_setup(malformed_file_walks, setup),
		cmocka_unit_test_setup(malformed_net, setup),
		cmocka_unit_test_setup(truncated_anywhere, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
