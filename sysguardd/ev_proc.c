// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The process event types, exec, fork and exit: their rows of the event
 * table and what each row points at (decode, JSON member, journal fields,
 * readable message, dedup key).
 */
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>
#include <sys/socket.h>
#include "ctrmeta.h"
#include "decode.h"
#include "dedup.h"
#include "encode.h"
#include "journal.h"
#include "jsonw.h"
#include "path.h"
#include "proctable.h"
#include "redact.h"

/* ---- exec ---- */

/* The stdio section and the walks of regular files after it (bpf/sysguard.h). */
static int exec_stdio(struct decoder *d, const struct sg_exec *x, struct sg_cursor *c,
		      struct sg_event *ev)
{
	struct sg_stdio st[3];
	const char *s;

	if (x->stdio_len != sizeof(st) || decode_take(c, sizeof(st), &s) < 0)
		return -EINVAL;
	memcpy(st, s, sizeof(st));
	for (int i = 0; i < 3; i++) {
		struct sg_fdinfo *fi = &ev->exec.stdio[i];

		fi->kind = st[i].kind < SG_FD_MAX ? st[i].kind : SG_FD_OTHER;
		fi->family = st[i].family;
		fi->lport = st[i].lport;
		fi->rport = st[i].rport;
		fi->ino = st[i].ino;
		fi->rdev = st[i].rdev;
		memcpy(fi->laddr, st[i].laddr, sizeof(fi->laddr));
		memcpy(fi->raddr, st[i].raddr, sizeof(fi->raddr));
		fi->path = NULL;
		fi->peer = NULL;
	}
	for (int i = 0; i < 3; i++) {
		if (!st[i].path_len)
			continue;
		if (st[i].kind != SG_FD_FILE ||
		    decode_walk(c, st[i].path_len, d->stdio_path[i], sizeof(d->stdio_path[i])) < 0)
			return -EINVAL;
		ev->exec.stdio[i].path = d->stdio_path[i];
	}
	ev->exec.has_stdio = true;
	return 0;
}

/* ld.so's options that take a value (ld.so(8)) */
static bool loader_option_has_value(const char *a)
{
	static const char *const opts[] = { "--library-path", "--inhibit-rpath", "--audit",
					     "--preload", "--argv0", "--glibc-hwcaps-prefix",
					     "--glibc-hwcaps-mask" };

	for (size_t i = 0; i < sizeof(opts) / sizeof(opts[0]); i++)
		if (!strcmp(a, opts[i]))
			return true;
	return false;
}

/*
 * What really ran: a memfd or a file with no link left (fileless), an fd
 * (fexecve, /proc/self/fd/N), or a program handed to the dynamic loader.
 */
static void exec_fileless(struct decoder *d, const struct sg_hdr *h, struct sg_event *ev)
{
	const char *base, *a, *end;
	size_t l;

	ev->exec.fileless = NULL;
	ev->exec.via = NULL;
	ev->exec.loader_target = NULL;
	if (ev->proc.exe && (h->flags & SG_F_EXE_MEMFD)) {
		ev->exec.fileless = "memfd";
		if (ev->proc.exe[0] == '/') {
			if (ev->exec.filename == ev->proc.exe)
				ev->exec.filename++;
			ev->proc.exe++; /* "memfd:NAME", as /proc/PID/exe says */
		}
	} else if (ev->proc.exe && (h->flags & SG_F_EXE_DELETED)) {
		ev->exec.fileless = "deleted";
		l = strlen(d->exe);
		if (l + sizeof(" (deleted)") <= sizeof(d->exe))
			memcpy(d->exe + l, " (deleted)", sizeof(" (deleted)"));
	}
	if ((ev->exec.at_flags & AT_EMPTY_PATH) ||
	    !fnmatch("/proc/*/fd/*", d->filename, FNM_PATHNAME) ||
	    !fnmatch("/dev/fd/*", d->filename, FNM_PATHNAME))
		ev->exec.via = "fd";
	if (!ev->proc.exe || ev->result < 0)
		return;
	base = strrchr(ev->proc.exe, '/');
	base = base ? base + 1 : ev->proc.exe;
	if (fnmatch("ld-linux*.so*", base, 0) && fnmatch("ld-*.so*", base, 0) && strcmp(base, "ld.so"))
		return;
	/* ld.so [OPTION]... PROGRAM [ARGS]: the first argument after the options */
	a = ev->exec.argv;
	end = a + ev->exec.argv_len;
	if (a < end)
		a += strnlen(a, end - a) + 1; /* argv[0] */
	while (a < end && a[0] == '-' && a[1] == '-') {
		bool value = loader_option_has_value(a);

		a += strnlen(a, end - a) + 1;
		if (value && a < end)
			a += strnlen(a, end - a) + 1;
	}
	ev->exec.via = "loader";
	if (a >= end || !*a)
		return;
	if (a[0] != '/' && ev->exec.cwd &&
	    path_join(d->join, sizeof(d->join), ev->exec.cwd, a) >= 0) { /* relative to the cwd */
		a = d->join;
		end = a + strlen(a) + 1;
	}
	l = strnlen(a, end - a);
	if (l >= sizeof(d->loader))
		l = sizeof(d->loader) - 1;
	memcpy(d->loader, a, l);
	d->loader[l] = '\0';
	ev->exec.loader_target = d->loader;
}

static int exec_decode(struct decoder *d, const struct sg_hdr *h, const void *payload,
		       struct sg_cursor *c, struct sg_event *ev)
{
	const struct sg_exec *x = payload;
	bool x_dir_ok = true;
	const char *argv;

	ev->has_result = true;
	ev->result = x->ret;
	ev->lsm_slot = x->rule;
	ev->exec.at_flags = x->at_flags;
	ev->exec.exe_ctime_ns = x->exe_ctime_ns;
	if (decode_str(c, x->filename_len, d->filename, sizeof(d->filename)) < 0 ||
	    x->argv_len > SG_ARGV_BYTES || decode_take(c, x->argv_len, &argv) < 0)
		return -EINVAL;
	/* argv: NUL-separated; the last one may be cut short */
	memcpy(d->argv, argv, x->argv_len);
	d->argv[x->argv_len] = '\0';
	ev->exec.argv = d->argv;
	ev->exec.argv_len = x->argv_len;
	ev->exec.argc = 0;
	for (size_t i = 0; i < x->argv_len; i++)
		if (d->argv[i] == '\0')
			ev->exec.argc++;
	if (x->argv_len && d->argv[x->argv_len - 1] != '\0') {
		ev->exec.argc++; /* an unterminated last argument */
		ev->exec.argv_len++;
	}
	ev->exec.argv_truncated = h->flags & SG_F_TRUNC_ARGV;

	ev->exec.cwd = NULL;
	if (h->flags & SG_F_CWD_UNRES) {
		if (decode_take(c, x->cwd_len, &argv) < 0)
			return -EINVAL;
	} else if (decode_walk(c, x->cwd_len, d->cwd, sizeof(d->cwd)) < 0) {
		return -EINVAL;
	} else {
		ev->exec.cwd = d->cwd;
	}

	ev->proc.exe = NULL;
	if (!(h->flags & SG_F_EXE_UNRES) && x->exe_len) {
		if (decode_walk(c, x->exe_len, d->exe, sizeof(d->exe)) < 0)
			return -EINVAL;
		ev->proc.exe = d->exe;
	} else if (decode_take(c, x->exe_len, &argv) < 0) {
		return -EINVAL;
	}

	/*
	 * The filename as given, made absolute when relative: against the cwd,
	 * or against execveat's dirfd when the kernel could walk it.
	 */
	ev->exec.filename = d->filename;
	if (x->dir_len && (h->flags & SG_F_DIR_UNRES)) {
		if (decode_take(c, x->dir_len, &argv) < 0) /* a walk cut short: not used */
			return -EINVAL;
		x_dir_ok = false;
	} else if (x->dir_len && decode_walk(c, x->dir_len, d->scratch, sizeof(d->scratch)) < 0) {
		return -EINVAL;
	}
	if (x->stdio_len && exec_stdio(d, x, c, ev) < 0)
		return -EINVAL;
	if (d->filename[0] == '/') {
		path_normalize(d->filename);
	} else if (d->filename[0] && x->dfd == AT_FDCWD && ev->exec.cwd) {
		if (path_join(d->join, sizeof(d->join), ev->exec.cwd, d->filename) >= 0)
			memcpy(d->filename, d->join, strlen(d->join) + 1);
	} else if (d->filename[0] && x->dir_len && x_dir_ok) {
		if (path_join(d->join, sizeof(d->join), d->scratch, d->filename) >= 0)
			memcpy(d->filename, d->join, strlen(d->join) + 1);
	} else if (!d->filename[0] && (x->at_flags & AT_EMPTY_PATH) && ev->proc.exe) {
		ev->exec.filename = ev->proc.exe; /* fexecve(3) */
	}
	exec_fileless(d, h, ev);
	return 0;
}

static void endpoint(struct jsonw *w, int family, const uint8_t *addr, uint16_t port)
{
	char a[INET6_ADDRSTRLEN + 8], txt[INET6_ADDRSTRLEN];

	if (encode_addr(txt, sizeof(txt), family, addr) < 0) {
		jw_null(w);
		return;
	}
	snprintf(a, sizeof(a), family == AF_INET6 ? "[%s]:%u" : "%s:%u", txt, port);
	jw_str(w, a);
}

/* One of fds 0-2: its kind and what identifies it. */
static void fd_encode(struct jsonw *w, const struct sg_fdinfo *fi)
{
	const char *fam;

	jw_obj_open(w);
	jw_key(w, "kind");
	jw_name(w, sg_fdkind_names[fi->kind < SG_FD_MAX ? fi->kind : SG_FD_OTHER]);
	switch (fi->kind) {
	case SG_FD_PIPE:
		jw_key(w, "inode");
		jw_uint(w, fi->ino);
		if (fi->peer) {
			jw_key(w, "peer");
			jw_obj_open(w);
			jw_key(w, "pid");
			jw_uint(w, fi->peer->pid);
			jw_key(w, "comm");
			jw_str(w, fi->peer->comm);
			jw_key(w, "exe");
			jw_str(w, fi->peer->exe);
			jw_obj_close(w);
		}
		break;
	case SG_FD_FILE:
		jw_key(w, "path");
		jw_str(w, fi->path);
		break;
	case SG_FD_SOCKET:
		fam = encode_family_name(fi->family);
		jw_key(w, "family");
		if (fam)
			jw_name(w, fam);
		else
			jw_int(w, fi->family);
		if (fi->family == AF_INET || fi->family == AF_INET6) {
			jw_key(w, "local");
			endpoint(w, fi->family, fi->laddr, fi->lport);
			jw_key(w, "remote");
			endpoint(w, fi->family, fi->raddr, fi->rport);
		} else {
			jw_key(w, "inode");
			jw_uint(w, fi->ino);
		}
		break;
	}
	jw_obj_close(w);
}

static void exec_encode(struct jsonw *w, const struct sg_event *ev)
{
	jw_key(w, "exec");
	jw_obj_open(w);
	jw_key(w, "filename");
	jw_str(w, ev->exec.filename);
	jw_key(w, "argv");
	encode_argv(w, ev->exec.argv, ev->exec.argv_len, ev->exec.argc);
	jw_key(w, "argv_truncated");
	jw_bool(w, ev->exec.argv_truncated);
	jw_key(w, "cwd");
	jw_str(w, ev->exec.cwd);
	if (ev->syscall == SG_SC_EXECVEAT) {
		jw_key(w, "at_flags");
		jw_uint(w, ev->exec.at_flags);
	}
	if (ev->exec.fileless) {
		jw_key(w, "fileless");
		jw_name(w, ev->exec.fileless);
	}
	if (ev->exec.via) {
		jw_key(w, "via");
		jw_name(w, ev->exec.via);
	}
	if (ev->exec.loader_target) {
		jw_key(w, "loader_target");
		jw_str(w, ev->exec.loader_target);
	}
	if (sg_exec_drift(ev) == 1) {
		jw_key(w, "drift");
		jw_bool(w, true);
	}
	if (ev->exec.has_stdio) {
		jw_key(w, "stdio");
		jw_obj_open(w);
		jw_key(w, "stdin");
		fd_encode(w, &ev->exec.stdio[0]);
		jw_key(w, "stdout");
		fd_encode(w, &ev->exec.stdio[1]);
		jw_key(w, "stderr");
		fd_encode(w, &ev->exec.stdio[2]);
		jw_obj_close(w);
	}
	jw_obj_close(w);
}

static void exec_journal(struct journal_entry *e, const struct sg_event *ev)
{
	journal_add_str(e, "SYSGUARD_PATH", ev->exec.filename);
}

static void exec_message(struct sg_msg *m, const struct sg_event *ev)
{
	const char *a = ev->exec.argv, *end = a ? a + ev->exec.argv_len : NULL, *prog = a;
	size_t prog_len = 0;
	bool hide = false;

	sg_msg_add(m, "executed %s", sg_msg_or(ev->exec.filename, "?"));
	/* argv[0] is usually the filename again: show the arguments after it */
	if (a && a < end) {
		prog_len = strnlen(a, end - a);
		a += prog_len + 1;
	}
	while (a && a < end) {
		size_t l = strnlen(a, end - a);
		/* secrets hidden as in the event line (sysguard.yaml redact: argv) */
		char buf[REDACT_BUF];
		size_t n;
		const char *shown = redact_show(redact_active(), prog, prog_len, a, l, &hide, buf,
						&n);

		sg_msg_add(m, " %.*s", (int)n, shown);
		a += l + 1;
	}
	if (ev->exec.argv_truncated)
		sg_msg_add(m, " ...");
}

static uint64_t exec_key(uint64_t h, const struct sg_event *ev)
{
	return dedup_hash_str(h, ev->exec.filename);
}

static void exec_keep(struct dedup_keep *k, struct sg_event *e)
{
	dedup_keep_str(k, &e->exec.filename, true);
	dedup_keep_str(k, &e->proc.exe, false);
	dedup_keep_mem(k, &e->exec.argv, e->exec.argv_len);
	if (!e->exec.argv && e->exec.argc) {
		e->exec.argv_len = 0;
		e->exec.argc = 0;
		e->exec.argv_truncated = true;
	}
	dedup_keep_str(k, &e->exec.cwd, false);
	dedup_keep_str(k, &e->exec.loader_target, false);
	for (int fd = 0; fd < 3; fd++) {
		dedup_keep_str(k, &e->exec.stdio[fd].path, false);
		e->exec.stdio[fd].peer = NULL; /* the process may be gone by the summary */
	}
}

const struct sg_evtype sg_evtype_exec = {
	.name = "exec",
	.kernel = true,
	.own_argv = true,
	.pfields = SG_PFG_PROC | SG_PFG_EXEC,
	.kfilter = SG_KF_NONE,
	.payload = sizeof(struct sg_exec),
	.decode = exec_decode,
	.encode = exec_encode,
	.journal = exec_journal,
	.message = exec_message,
	.dedup_key = exec_key,
	.dedup_keep = exec_keep,
};

/* ---- fork ---- */

static int fork_decode(struct decoder *d, const struct sg_hdr *h, const void *payload,
		       struct sg_cursor *c, struct sg_event *ev)
{
	const struct sg_fork *f = payload;

	ev->fork.child_pid = f->child_pid;
	return 0;
}

static void fork_encode(struct jsonw *w, const struct sg_event *ev)
{
	jw_key(w, "fork");
	jw_obj_open(w);
	jw_key(w, "child_pid");
	jw_uint(w, ev->fork.child_pid);
	jw_obj_close(w);
}

static void fork_message(struct sg_msg *m, const struct sg_event *ev)
{
	sg_msg_add(m, "forked pid %u", ev->fork.child_pid);
}

static uint64_t fork_key(uint64_t h, const struct sg_event *ev)
{
	return dedup_hash(h, &ev->fork.child_pid, sizeof(ev->fork.child_pid));
}

const struct sg_evtype sg_evtype_fork = {
	.name = "fork",
	.kernel = true,
	.pfields = SG_PFG_PROC,
	.kfilter = SG_KF_NONE,
	.payload = sizeof(struct sg_fork),
	.decode = fork_decode,
	.encode = fork_encode,
	.message = fork_message,
	.dedup_key = fork_key,
};

/* ---- exit ---- */

static int exit_decode(struct decoder *d, const struct sg_hdr *h, const void *payload,
		       struct sg_cursor *c, struct sg_event *ev)
{
	uint32_t st = ((const struct sg_exit *)payload)->exit_code;

	ev->exit.signal = st & 0x7f;
	ev->exit.core = st & 0x80;
	ev->exit.code = ev->exit.signal ? 0 : (st >> 8) & 0xff;
	return 0;
}

static void exit_encode(struct jsonw *w, const struct sg_event *ev)
{
	jw_key(w, "exit");
	jw_obj_open(w);
	jw_key(w, "code");
	jw_int(w, ev->exit.code);
	jw_key(w, "signal");
	if (ev->exit.signal) {
		const char *sig = sigabbrev_np(ev->exit.signal);

		if (sig) {
			char name[24];

			snprintf(name, sizeof(name), "SIG%s", sig);
			jw_str(w, name);
		} else {
			jw_int(w, ev->exit.signal);
		}
	} else {
		jw_null(w);
	}
	jw_key(w, "core_dumped");
	jw_bool(w, ev->exit.core);
	jw_obj_close(w);
}

static void exit_message(struct sg_msg *m, const struct sg_event *ev)
{
	if (ev->exit.signal)
		sg_msg_add(m, "was killed by %s%s", sg_msg_or(sigabbrev_np(ev->exit.signal), "a signal"),
			   ev->exit.core ? " (core dumped)" : "");
	else
		sg_msg_add(m, "exited with status %d", ev->exit.code);
}

static uint64_t exit_key(uint64_t h, const struct sg_event *ev)
{
	h = dedup_hash(h, &ev->exit.code, sizeof(ev->exit.code));
	return dedup_hash(h, &ev->exit.signal, sizeof(ev->exit.signal));
}

const struct sg_evtype sg_evtype_exit = {
	.name = "exit",
	.kernel = true,
	.pfields = SG_PFG_PROC,
	.kfilter = SG_KF_NONE,
	.payload = sizeof(struct sg_exit),
	.decode = exit_decode,
	.encode = exit_encode,
	.message = exit_message,
	.dedup_key = exit_key,
};

int sg_exec_drift(const struct sg_event *ev)
{
	const struct ctr_info *ci = ev->ctr.where == SG_WHERE_CONTAINER ? ev->ctr.info : NULL;

	if (ev->type != SG_EV_EXEC || !ci || !ci->started_ns || !ev->exec.exe_ctime_ns)
		return -1;
	return ev->exec.exe_ctime_ns > ci->started_ns;
}
