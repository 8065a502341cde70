// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The process event types, exec, fork and exit: their rows of the event
 * table and what each row points at (decode, JSON member, journal fields,
 * readable message, dedup key).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include "decode.h"
#include "dedup.h"
#include "encode.h"
#include "journal.h"
#include "jsonw.h"
#include "path.h"

/* ---- exec ---- */

static int exec_decode(struct decoder *d, const struct sg_hdr *h, const void *payload,
		       struct sg_cursor *c, struct sg_event *ev)
{
	const struct sg_exec *x = payload;
	bool x_dir_ok = true;
	const char *argv;

	ev->has_result = true;
	ev->result = x->ret;
	ev->exec.at_flags = x->at_flags;
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
	return 0;
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
	jw_obj_close(w);
}

static void exec_journal(struct journal_entry *e, const struct sg_event *ev)
{
	journal_add_str(e, "SYSGUARD_PATH", ev->exec.filename);
}

static void exec_message(struct sg_msg *m, const struct sg_event *ev)
{
	const char *a = ev->exec.argv, *end = a ? a + ev->exec.argv_len : NULL;

	sg_msg_add(m, "executed %s", sg_msg_or(ev->exec.filename, "?"));
	/* argv[0] is usually the filename again: show the arguments after it */
	if (a && a < end)
		a += strnlen(a, end - a) + 1;
	while (a && a < end) {
		size_t l = strnlen(a, end - a);

		sg_msg_add(m, " %.*s", (int)l, a);
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
