/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The process family's programs (proc_*): exec (the syscall tracepoints, or
 * sched_process_exec as telemetry backend "tp_btf") with its argv, cwd,
 * executable and standard fds; fork and exit; cgroup v2 directories made and
 * removed; and the privilege changes: ptrace, the set*id calls, module loads
 * and BPF program loads.  BPF side only: part of sysguard.bpf.c, after
 * trace.h.
 */
#ifndef SG_BPF_TRACE_PROC_H
#define SG_BPF_TRACE_PROC_H

/* ---- exec ---- */

static __always_inline int exec_enter(struct trace_event_raw_sys_enter *ctx, __u32 sc)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	__u32 tid = (__u32)pid_tgid;
	struct exec_stash *s;
	const char *fname;
	__u32 zero = 0;

	if (is_self(pid_tgid))
		return 0;
	s = bpf_map_lookup_elem(&exec_scratch, &zero);
	if (!s)
		return 0;
	s->sc = sc;
	if (sc == SG_SC_EXECVEAT) {
		s->dfd = (int)ctx->args[0];
		fname = (const char *)ctx->args[1];
		s->argv = ctx->args[2];
		s->at_flags = (__u32)ctx->args[4];
	} else {
		s->dfd = AT_FDCWD;
		fname = (const char *)ctx->args[0];
		s->argv = ctx->args[1];
		s->at_flags = 0;
	}
	s->fname_ptr = (__u64)fname;
	s->fname_len = bpf_probe_read_user_str(s->fname, sizeof(s->fname), fname);
	if (bpf_map_update_elem(&exec_stash, &tid, s, BPF_ANY)) {
		struct sg_counters *c = ctrs();

		if (c)
			c->stash_full++;
	}
	return 0;
}

struct argv_ctx {
	__u64 argv;
	__u32 start;
	__u32 off;
	__u32 argc;
	__u32 done;
};

static long argv_step(__u32 i, void *data)
{
	struct argv_ctx *a = data;
	struct sg_rec *r = scratch_rec();
	const char *arg = NULL;
	long n;

	if (!r)
		return 1;
	if (bpf_probe_read_user(&arg, sizeof(arg), (void *)(a->argv + i * sizeof(arg))) || !arg) {
		a->done = 1;
		return 1;
	}
	if (a->off - a->start > SG_ARGV_BYTES - SG_NAME_MAX || a->off > SG_DATA_MAX - SG_NAME_MAX)
		return 1;
	n = bpf_probe_read_user_str(DATA_AT(r, a->off), SG_NAME_MAX, arg);
	if (n <= 0)
		return 1;
	if (n == SG_NAME_MAX)
		r->hdr.flags |= SG_F_TRUNC_ARGV;
	a->off += n;
	a->argc++;
	return 0;
}

/* argv of a failed exec, from the calling image's memory. */
static __always_inline __u32 put_argv_user(struct sg_rec *r, __u32 off, __u64 argv, __u16 *argc)
{
	struct argv_ctx a = { .argv = argv, .start = off, .off = off };

	if (!argv)
		return off;
	bpf_loop(SG_ARG_MAX, argv_step, &a, 0);
	if (!a.done)
		r->hdr.flags |= SG_F_TRUNC_ARGV;
	*argc = a.argc;
	return a.off;
}

/*
 * fds 0, 1 and 2 of a new image: what kind each is and, for sockets, the
 * endpoints; for regular files the walk of their path follows the section.
 */
#define S_IFMT 00170000
#define S_IFSOCK 0140000
#define S_IFREG 0100000
#define S_IFCHR 0020000
#define S_IFIFO 0010000

static __always_inline __u32 put_stdio(struct sg_rec *r, __u32 off, struct sg_exec *e)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct file *files[3];
	__u32 d0 = off;

	if (off > SG_DATA_MAX - 3 * sizeof(struct sg_stdio))
		return off;
	for (int fd = 0; fd < 3; fd++) {
		struct sg_stdio st = {};
		struct file *f = fd_file(task, fd);
		struct inode *ino;
		__u32 mode, rdev;

		files[fd] = NULL;
		if (f) {
			ino = BPF_CORE_READ(f, f_inode);
			mode = BPF_CORE_READ(ino, i_mode);
			st.ino = BPF_CORE_READ(ino, i_ino);
			switch (mode & S_IFMT) {
			case S_IFIFO:
				st.kind = SG_FD_PIPE;
				break;
			case S_IFREG:
				st.kind = SG_FD_FILE;
				files[fd] = f;
				break;
			case S_IFCHR: {
				__u32 major;

				rdev = BPF_CORE_READ(ino, i_rdev);
				major = rdev >> 20;
				st.rdev = rdev;
				if (rdev == ((1u << 20) | 3))
					st.kind = SG_FD_NULL;
				else if (major == 4 || major == 5 || (major >= 136 && major <= 143))
					st.kind = SG_FD_TTY;
				else
					st.kind = SG_FD_CHR;
				break;
			}
			case S_IFSOCK: {
				struct socket *sock = BPF_CORE_READ(f, private_data);
				struct sock *sk = BPF_CORE_READ(sock, sk);

				st.kind = SG_FD_SOCKET;
				st.family = BPF_CORE_READ(sk, __sk_common.skc_family);
				if (st.family == AF_INET) {
					BPF_CORE_READ_INTO(&st.laddr, sk, __sk_common.skc_rcv_saddr);
					BPF_CORE_READ_INTO(&st.raddr, sk, __sk_common.skc_daddr);
				} else if (st.family == AF_INET6) {
					BPF_CORE_READ_INTO(&st.laddr, sk, __sk_common.skc_v6_rcv_saddr);
					BPF_CORE_READ_INTO(&st.raddr, sk, __sk_common.skc_v6_daddr);
				}
				st.lport = BPF_CORE_READ(sk, __sk_common.skc_num);
				st.rport = bpf_ntohs(BPF_CORE_READ(sk, __sk_common.skc_dport));
				break;
			}
			default:
				st.kind = SG_FD_OTHER;
			}
		}
		__builtin_memcpy(DATA_AT(r, off), &st, sizeof(st));
		off += sizeof(st);
	}
	e->stdio_len = off - d0;
	/* the paths of regular files, after the section, their lengths in it */
	for (int fd = 0; fd < 3; fd++) {
		struct sg_stdio *st = (void *)DATA_AT(r, d0 + fd * sizeof(struct sg_stdio));
		__u32 p0 = off;

		if (!files[fd])
			continue;
		off = put_walk(r, off, BPF_CORE_READ(files[fd], f_path.dentry),
			       BPF_CORE_READ(files[fd], f_path.mnt), 0);
		st->path_len = off - p0;
	}
	return off;
}

/* A new image's argv, from its memory: the strings exec copied there, resident. */
static __always_inline __u32 put_argv_mm(struct sg_rec *r, __u32 off, struct task_struct *task)
{
	struct mm_struct *mm = BPF_CORE_READ(task, mm);
	__u64 as = BPF_CORE_READ(mm, arg_start);
	__u64 ae = BPF_CORE_READ(mm, arg_end);
	__u64 len = ae > as ? ae - as : 0;

	if (len > SG_ARGV_BYTES) {
		len = SG_ARGV_BYTES;
		r->hdr.flags |= SG_F_TRUNC_ARGV;
	}
	if (len && off <= SG_UPATH_MAX &&
	    !bpf_probe_read_user(DATA_AT(r, off), BOUND(len, 2 * SG_ARGV_BYTES - 1), (void *)as))
		off += len;
	return off;
}

/* The inode change time as kernels before 6.6 and 6.6 to 6.10 keep it. */
struct inode___ctime_old {
	struct timespec64 i_ctime;
} __attribute__((preserve_access_index));

struct inode___ctime_66 {
	struct timespec64 __i_ctime;
} __attribute__((preserve_access_index));

/* An inode's ctime in nanoseconds since the epoch; 0 when it cannot be read. */
static __always_inline __u64 inode_ctime_ns(struct inode *ino)
{
	__s64 sec = 0;
	long nsec = 0;

	if (bpf_core_field_exists(ino->i_ctime_sec)) {
		sec = BPF_CORE_READ(ino, i_ctime_sec);
		nsec = BPF_CORE_READ(ino, i_ctime_nsec);
	} else if (bpf_core_field_exists(((struct inode___ctime_66 *)ino)->__i_ctime)) {
		sec = BPF_CORE_READ((struct inode___ctime_66 *)ino, __i_ctime.tv_sec);
		nsec = BPF_CORE_READ((struct inode___ctime_66 *)ino, __i_ctime.tv_nsec);
	} else if (bpf_core_field_exists(((struct inode___ctime_old *)ino)->i_ctime)) {
		sec = BPF_CORE_READ((struct inode___ctime_old *)ino, i_ctime.tv_sec);
		nsec = BPF_CORE_READ((struct inode___ctime_old *)ino, i_ctime.tv_nsec);
	}
	return sec > 0 ? (__u64)sec * 1000000000ull + (__u64)nsec : 0;
}

/* A new image's file (mm->exe_file), and whether it is fileless. */
static __always_inline __u32 put_exe(struct sg_rec *r, __u32 off, struct task_struct *task)
{
	struct file *exe = BPF_CORE_READ(task, mm, exe_file);
	struct inode *ino;
	char name[8] = {};
	__u32 d0 = off;

	if (!exe) {
		r->hdr.flags |= SG_F_EXE_UNRES;
		return off;
	}
	ino = BPF_CORE_READ(exe, f_inode);
	r->u.exec.exe_ctime_ns = inode_ctime_ns(ino);
	off = put_walk(r, off, BPF_CORE_READ(exe, f_path.dentry), BPF_CORE_READ(exe, f_path.mnt),
		       SG_F_EXE_UNRES);
	/* fileless: no link left, or a memfd (named "memfd:...") */
	if (BPF_CORE_READ(ino, __i_nlink) == 0)
		r->hdr.flags |= SG_F_EXE_DELETED;
	bpf_probe_read_kernel_str(name, sizeof(name), BPF_CORE_READ(exe, f_path.dentry, d_name.name));
	if (name[0] == 'm' && name[1] == 'e' && name[2] == 'm' && name[3] == 'f' && name[4] == 'd' &&
	    name[5] == ':')
		r->hdr.flags |= SG_F_EXE_MEMFD;
	/* a pseudo file (a memfd) is its own parent: its name is the walk */
	if (off == d0 && off <= SG_DATA_MAX - SG_NAME_MAX) {
		long n = bpf_probe_read_kernel_str(DATA_AT(r, off), SG_NAME_MAX,
						   BPF_CORE_READ(exe, f_path.dentry, d_name.name));

		if (n > 0)
			off += n;
	}
	return off;
}

static __always_inline int exec_exit(struct trace_event_raw_sys_exit *ctx, __u32 sc)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	__u32 tid = (__u32)pid_tgid;
	struct exec_stash *s;
	struct sg_exec *e;
	struct sg_rec *r;
	__u32 off = 0, d0;
	long ret = ctx->ret;

	if (is_self(pid_tgid))
		return 0;
	s = bpf_map_lookup_elem(&exec_stash, &tid);
	/* a successful execveat comes back through sys_exit_execve: trust the entry */
	if (s)
		sc = s->sc;
	r = rec_begin(SG_EV_EXEC, sc);
	if (!r)
		goto out;
	e = &r->u.exec;
	e->ret = ret;
	if (lsm_mark_take(ret, &e->rule))
		r->hdr.flags |= SG_F_BLOCKED;
	e->dfd = AT_FDCWD;
	if (s) {
		long n = s->fname_len;

		e->at_flags = s->at_flags;
		e->dfd = s->dfd;
		if (n > 0 && n <= SG_UPATH_MAX) {
			bpf_probe_read_kernel(r->data, SG_UPATH_MAX, s->fname);
			if (n == SG_UPATH_MAX)
				r->hdr.flags |= SG_F_TRUNC_PATH;
			off = n;
		} else if (ret < 0 && s->fname_ptr) {
			/* not readable at entry: try again, the old image is still there */
			n = bpf_probe_read_user_str(r->data, SG_UPATH_MAX, (void *)s->fname_ptr);
			off = n > 0 ? n : 0;
			if (n <= 0)
				r->hdr.flags |= SG_F_PATH_FAULT;
		} else {
			r->hdr.flags |= SG_F_PATH_FAULT;
		}
		e->filename_len = off;
	} else {
		r->hdr.flags |= SG_F_NO_ENTER;
	}

	d0 = off;
	if (ret == 0) {
		off = put_argv_mm(r, off, task);
		e->argv_len = off - d0;
	} else if (s) {
		off = put_argv_user(r, off, s->argv, &e->argc);
		e->argv_len = off - d0;
	}

	d0 = off;
	off = put_dir(r, off, AT_FDCWD, SG_F_CWD_UNRES);
	e->cwd_len = off - d0;

	d0 = off;
	if (ret == 0)
		off = put_exe(r, off, task);
	else
		r->hdr.flags |= SG_F_EXE_UNRES;
	e->exe_len = off - d0;

	/* the directory of a relative execveat name, while the dirfd is still open */
	if (ret < 0 && s && s->dfd != AT_FDCWD && e->filename_len && r->data[0] != '/') {
		d0 = off;
		off = put_dir(r, off, s->dfd, SG_F_DIR_UNRES);
		e->dir_len = off - d0;
	}
	if (ret == 0)
		off = put_stdio(r, off, e);
	rec_submit(r, off);
out:
	if (s)
		bpf_map_delete_elem(&exec_stash, &tid);
	return 0;
}

SEC("tp/syscalls/sys_enter_execve")
int proc_enter_execve(struct trace_event_raw_sys_enter *ctx)
{
	return exec_enter(ctx, SG_SC_EXECVE);
}

SEC("tp/syscalls/sys_exit_execve")
int proc_exit_execve(struct trace_event_raw_sys_exit *ctx)
{
	return exec_exit(ctx, SG_SC_EXECVE);
}

SEC("tp/syscalls/sys_enter_execveat")
int proc_enter_execveat(struct trace_event_raw_sys_enter *ctx)
{
	return exec_enter(ctx, SG_SC_EXECVEAT);
}

SEC("tp/syscalls/sys_exit_execveat")
int proc_exit_execveat(struct trace_event_raw_sys_exit *ctx)
{
	return exec_exit(ctx, SG_SC_EXECVEAT);
}

TRAMP_PROGS(proc, execve, exec_enter(sc_ctx, SG_SC_EXECVE), exec_exit(sc_ctx, SG_SC_EXECVE))
TRAMP_PROGS(proc, execveat, exec_enter(sc_ctx, SG_SC_EXECVEAT),
	    exec_exit(sc_ctx, SG_SC_EXECVEAT))

/*
 * Telemetry backend "tp_btf" for execs (telemetry.exec): a successful exec,
 * seen from the new image once the kernel has committed to it, with the four
 * exec syscall tracepoints left detached.  Failed execs are not seen (the
 * BPF-LSM program reports the ones it stops); the name is the kernel's
 * (bprm->filename: the path given, or /dev/fd/N[/name] for execveat), and
 * which syscall it was is not known.
 */
SEC("tp_btf/sched_process_exec")
int BPF_PROG(proc_exec_sched, struct task_struct *p, pid_t old_pid, struct linux_binprm *bprm)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct sg_exec *e;
	struct sg_rec *r;
	__u32 off, d0;
	long n;

	if (is_self(bpf_get_current_pid_tgid()))
		return 0;
	r = rec_begin(SG_EV_EXEC, SG_SC_NONE);
	if (!r)
		return 0;
	e = &r->u.exec;
	e->dfd = AT_FDCWD;
	n = bpf_probe_read_kernel_str(r->data, SG_UPATH_MAX, BPF_CORE_READ(bprm, filename));
	off = n > 0 ? n : 0;
	if (n <= 0)
		r->hdr.flags |= SG_F_PATH_FAULT;
	else if (n == SG_UPATH_MAX)
		r->hdr.flags |= SG_F_TRUNC_PATH;
	e->filename_len = off;
	d0 = off;
	off = put_argv_mm(r, off, task);
	e->argv_len = off - d0;
	d0 = off;
	off = put_dir(r, off, AT_FDCWD, SG_F_CWD_UNRES);
	e->cwd_len = off - d0;
	d0 = off;
	off = put_exe(r, off, task);
	e->exe_len = off - d0;
	off = put_stdio(r, off, e);
	rec_submit(r, off);
	return 0;
}

/* ---- cgroups, fork, exit ---- */

/*
 * Cgroup v2 directories made and removed (the default hierarchy only): the
 * daemon learns a container's cgroup, and its path, before the first process
 * in it runs, and forgets it when it is gone.  Not events: SG_REC_CGROUP.
 */
static __always_inline int cgroup_rec(struct cgroup *cgrp, const char *path, __u32 op)
{
	struct sg_rec *r;
	__u32 off = 0;
	long n;

	if (BPF_CORE_READ(cgrp, root, hierarchy_id) != 0)
		return 0; /* a v1 hierarchy */
	r = rec_begin(SG_REC_CGROUP, SG_SC_NONE);
	if (!r)
		return 0;
	r->u.cgroup.id = BPF_CORE_READ(cgrp, kn, id);
	r->u.cgroup.op = op;
	if (op == SG_CGROUP_MKDIR) {
		n = bpf_probe_read_kernel_str(r->data, SG_UPATH_MAX, path);
		off = n > 0 ? n : 0;
	}
	r->u.cgroup.path_len = off;
	r->hdr.size = SG_DATA_OFF + BOUND(off, 2 * SG_DATA_MAX - 1);
	bpf_ringbuf_output(&events, r, r->hdr.size, ring_wakeup(cfg.wakeup_bytes));
	return 0;
}

SEC("tp_btf/cgroup_mkdir")
int BPF_PROG(proc_cgroup_mkdir, struct cgroup *cgrp, const char *path)
{
	return cgroup_rec(cgrp, path, SG_CGROUP_MKDIR);
}

SEC("tp_btf/cgroup_rmdir")
int BPF_PROG(proc_cgroup_rmdir, struct cgroup *cgrp, const char *path)
{
	return cgroup_rec(cgrp, path, SG_CGROUP_RMDIR);
}

SEC("tp_btf/sched_process_fork")
int BPF_PROG(proc_fork, struct task_struct *parent, struct task_struct *child)
{
	struct sg_rec *r;

	if (is_self(bpf_get_current_pid_tgid()))
		return 0;
	if (child->pid != child->tgid)
		return 0; /* a new thread, not a process */
	r = rec_begin(SG_EV_FORK, SG_SC_NONE);
	if (!r)
		return 0;
	r->u.fork.child_pid = child->tgid;
	rec_submit(r, 0);
	return 0;
}

SEC("tp_btf/sched_process_exit")
int BPF_PROG(proc_exit, struct task_struct *p)
{
	struct sg_rec *r;

	if (is_self(bpf_get_current_pid_tgid()))
		return 0;
	/* only the last thread of a group reports the process's end */
	if (BPF_CORE_READ(p, signal, live.counter) != 0)
		return 0;
	r = rec_begin(SG_EV_EXIT, SG_SC_NONE);
	if (!r)
		return 0;
	r->u.exit.exit_code = BPF_CORE_READ(p, exit_code);
	rec_submit(r, 0);
	return 0;
}

/* ---- privileges: ptrace, credentials, modules, bpf ---- */

#define PTRACE_ATTACH 16
#define PTRACE_SEIZE 0x4206
#define BPF_PROG_LOAD_CMD 5

static __always_inline __u32 priv_type(__u32 sc)
{
	switch (sc) {
	case SG_SC_PTRACE: case SG_SC_PROCESS_VM_WRITEV:
		return SG_EV_PTRACE;
	case SG_SC_INIT_MODULE: case SG_SC_FINIT_MODULE:
		return SG_EV_MODULE;
	case SG_SC_BPF:
		return SG_EV_BPF;
	default:
		return SG_EV_SETUID;
	}
}

static __always_inline int priv_enter(struct trace_event_raw_sys_enter *ctx, __u32 sc)
{
	__u32 type = priv_type(sc);
	struct task_struct *task;
	const struct cred *cred;
	struct stash *s;

	if (is_self(bpf_get_current_pid_tgid()))
		return 0;
	/* only attaching to a process; only program loads */
	if (sc == SG_SC_PTRACE && ctx->args[0] != PTRACE_ATTACH && ctx->args[0] != PTRACE_SEIZE)
		return 0;
	if (sc == SG_SC_BPF && ctx->args[0] != BPF_PROG_LOAD_CMD)
		return 0;
	if (!kind_wanted(type)) {
		count_filtered(type);
		return 0;
	}
	stash_enter(ctx, sc);
	if (type != SG_EV_SETUID)
		return 0;
	/* the ids before the change, in the argument slots these syscalls leave free */
	task = bpf_get_current_task_btf();
	s = bpf_task_storage_get(&stash, task, 0, 0);
	if (!s || s->sc != sc)
		return 0;
	cred = task->cred;
	s->args[3] = cred->uid.val | (__u64)cred->euid.val << 32;
	s->args[4] = cred->gid.val | (__u64)cred->egid.val << 32;
	return 0;
}

static __always_inline int priv_exit(struct trace_event_raw_sys_exit *ctx)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct stash s;
	struct sg_rec *r;
	__u32 type, off = 0;

	if (stash_take(&s))
		return 0;
	type = priv_type(s.sc);
	r = rec_begin(type, s.sc);
	if (!r)
		return 0;
	switch (type) {
	case SG_EV_PTRACE:
		r->u.ptrace.ret = ctx->ret;
		if (s.sc == SG_SC_PTRACE) {
			r->u.ptrace.request = s.args[0];
			r->u.ptrace.target = s.args[1];
		} else {
			r->u.ptrace.target = s.args[0];
		}
		break;
	case SG_EV_SETUID: {
		const struct cred *cred = task->cred;
		struct sg_cred *c = &r->u.cred;

		c->ret = ctx->ret;
		c->old_uid = (__u32)s.args[3];
		c->old_euid = s.args[3] >> 32;
		c->old_gid = (__u32)s.args[4];
		c->old_egid = s.args[4] >> 32;
		c->new_uid = cred->uid.val;
		c->new_euid = cred->euid.val;
		c->new_gid = cred->gid.val;
		c->new_egid = cred->egid.val;
		/* a call that changed nothing (dropping to the ids it has) is not news */
		if (c->ret == 0 && c->old_uid == c->new_uid && c->old_euid == c->new_euid &&
		    c->old_gid == c->new_gid && c->old_egid == c->new_egid)
			return 0;
		break;
	}
	case SG_EV_MODULE:
		r->u.module.ret = ctx->ret;
		if (s.sc == SG_SC_FINIT_MODULE) {
			r->u.module.flags = s.args[2];
			off = put_dir(r, 0, (int)s.args[0], SG_F_DIR_UNRES);
			r->u.module.path_len = off;
		}
		break;
	case SG_EV_BPF: {
		__u32 name_off = bpf_core_field_offset(union bpf_attr, prog_name);
		long n;

		r->u.bpf.ret = ctx->ret;
		r->u.bpf.cmd = s.args[0];
		bpf_probe_read_user(&r->u.bpf.prog_type, sizeof(__u32), (void *)s.args[1]);
		n = bpf_probe_read_user_str(r->data, 16, (void *)(s.args[1] + name_off));
		if (n > 0) {
			r->u.bpf.name_len = n;
			off = n;
		}
		break;
	}
	}
	rec_submit(r, off);
	return 0;
}

#define PRIV_PROGS(name, sc) HANDLER_PROGS(proc, priv, name, sc)

PRIV_PROGS(ptrace, SG_SC_PTRACE)
PRIV_PROGS(process_vm_writev, SG_SC_PROCESS_VM_WRITEV)
PRIV_PROGS(setuid, SG_SC_SETUID)
PRIV_PROGS(setgid, SG_SC_SETGID)
PRIV_PROGS(setreuid, SG_SC_SETREUID)
PRIV_PROGS(setregid, SG_SC_SETREGID)
PRIV_PROGS(setresuid, SG_SC_SETRESUID)
PRIV_PROGS(setresgid, SG_SC_SETRESGID)
PRIV_PROGS(init_module, SG_SC_INIT_MODULE)
PRIV_PROGS(finit_module, SG_SC_FINIT_MODULE)
PRIV_PROGS(bpf, SG_SC_BPF)

#endif /* SG_BPF_TRACE_PROC_H */
