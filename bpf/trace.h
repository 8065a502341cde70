/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * What the tracing programs of every family share: the bounds the verifier
 * needs at a record's data, the daemon's own calls left out, a record begun
 * in "scratch" and submitted (with "lost_by_pid" when the ring is full), the
 * path writers (a dentry walk, a directory from the cwd or a dirfd, a user
 * path), the syscall entry-to-exit stash, the mark a BPF-LSM program left
 * for the exit, and the macro that makes a syscall's two programs.  BPF side
 * only: part of sysguard.bpf.c, after its maps.
 */
#ifndef SG_BPF_TRACE_H
#define SG_BPF_TRACE_H

#define DATA_MASK (SG_DATA_MAX - 1)

/*
 * Clamp v with a mask the compiler cannot drop: the verifier needs to see the
 * bound at the access even where the C code already implies it.
 */
#define BOUND(v, mask)                                                          \
	({                                                                      \
		__u64 __v = (v);                                                \
		asm volatile("%0 &= %1" : "+r"(__v) : "i"(mask));               \
		__v;                                                            \
	})
#define DATA_AT(r, off) (&(r)->data[BOUND(off, DATA_MASK)])

static __always_inline struct sg_counters *ctrs(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&counters, &zero);
}

static __always_inline int is_self(__u64 pid_tgid)
{
	return (__u32)(pid_tgid >> 32) == cfg.self_pid;
}

static __always_inline struct sg_rec *rec_begin(__u16 type, __u32 sc)
{
	return rec_begin_in(&scratch, type, 0, sc);
}

static __always_inline void rec_submit(struct sg_rec *r, __u32 len)
{
	__u32 type = r->hdr.type;
	__u64 flags = ring_wakeup(cfg.wakeup_bytes);
	__u64 size;

	if (len > SG_DATA_MAX)
		len = SG_DATA_MAX;
	size = SG_DATA_OFF + BOUND(len, 2 * SG_DATA_MAX - 1);
	r->hdr.size = size;
	if (type >= SG_EV_KERNEL_MAX)
		return;
	if (rec_output(r, size, type, flags)) {
		__u32 pid = r->hdr.pid;
		struct sg_pidlost *pl;

		/* the slow path only: who lost what */
		pl = bpf_map_lookup_elem(&lost_by_pid, &pid);
		if (!pl) {
			struct sg_pidlost zero = {};

			bpf_map_update_elem(&lost_by_pid, &pid, &zero, BPF_NOEXIST);
			pl = bpf_map_lookup_elem(&lost_by_pid, &pid);
		}
		/* bounded again where it is used: older verifiers lose the check above */
		barrier_var(type);
		if (pl && type < SG_EV_KERNEL_MAX)
			__sync_fetch_and_add(&pl->lost[type], 1);
	}
}

static __always_inline struct sg_rec *scratch_rec(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&scratch, &zero);
}

struct walk_ctx {
	struct dwalk d;
	__u32 off;
	__u32 done;
};

/* One step of a dentry walk (dwalk.h): a name into the record. */
static long walk_step(__u32 i, void *data)
{
	struct walk_ctx *w = data;
	struct sg_rec *r = scratch_rec();
	struct dentry *dentry = w->d.dentry, *parent;
	const unsigned char *name;
	long n;

	if (!r)
		return 1;
	switch (dwalk_step(&w->d, &parent)) {
	case DW_ROOT:
		w->done = 1;
		return 1;
	case DW_MOUNT:
		return 0;
	}
	if (w->off > SG_DATA_MAX - SG_NAME_MAX)
		return 1;
	name = BPF_CORE_READ(dentry, d_name.name);
	n = bpf_probe_read_kernel_str(DATA_AT(r, w->off), SG_NAME_MAX, name);
	if (n <= 0)
		return 1;
	w->off += n;
	w->d.dentry = parent;
	return 0;
}

/*
 * Write the path of (dentry, vfsmnt) as a walk from the leaf up, each
 * component NUL-terminated, at data[off].  Returns the new offset; sets
 * unres_flag (and SG_F_DIR_DEEP) when it ran out of depth or room before
 * reaching the root, so that a partial path is never taken for a whole one.
 */
static __always_inline __u32 put_walk(struct sg_rec *r, __u32 off, struct dentry *dentry,
				      struct vfsmount *vfsmnt, __u16 unres_flag)
{
	struct walk_ctx w = { .off = off };

	if (!dentry || !vfsmnt) {
		r->hdr.flags |= unres_flag;
		return off;
	}
	dwalk_init(&w.d, dentry, vfsmnt);
	bpf_loop(SG_PATH_DEPTH + 16, walk_step, &w, 0);
	if (!w.done)
		r->hdr.flags |= unres_flag | SG_F_DIR_DEEP;
	return w.off;
}

/* (the fd array holds pointers to pointers, which BTF loads cannot follow) */
static __always_inline struct file *fd_file(struct task_struct *task, int fd)
{
	struct fdtable *fdt = task->files->fdt;
	struct file **fds;
	struct file *f = NULL;

	if (fd < 0 || !fdt || fd >= fdt->max_fds)
		return NULL;
	fds = fdt->fd;
	bpf_probe_read_kernel(&f, sizeof(f), &fds[fd]);
	return f;
}

/* The directory a relative path was resolved from: the cwd or a dirfd. */
static __always_inline __u32 put_dir(struct sg_rec *r, __u32 off, int dfd, __u16 unres_flag)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct dentry *d;
	struct vfsmount *m;

	if (dfd == AT_FDCWD) {
		d = task->fs->pwd.dentry;
		m = task->fs->pwd.mnt;
	} else {
		struct file *f = fd_file(task, dfd);

		if (!f) {
			r->hdr.flags |= unres_flag;
			return off;
		}
		d = BPF_CORE_READ(f, f_path.dentry);
		m = BPF_CORE_READ(f, f_path.mnt);
	}
	if (!d || !m) {
		r->hdr.flags |= unres_flag;
		return off;
	}
	return put_walk(r, off, d, m, unres_flag);
}

/*
 * A user path and, when it is relative, the walk of its directory.  The
 * lengths land in *plen and *dlen.
 */
static __always_inline __u32 put_upath(struct sg_rec *r, __u32 off, const char *upath, int dfd,
				       __u16 *plen, __u16 *dlen, __u16 unres_flag)
{
	__u32 start;
	long n;

	if (off > SG_DATA_MAX - SG_UPATH_MAX) {
		r->hdr.flags |= SG_F_TRUNC_PATH;
		return off;
	}
	n = bpf_probe_read_user_str(DATA_AT(r, off), SG_UPATH_MAX, upath);
	if (n <= 0) {
		r->hdr.flags |= SG_F_PATH_FAULT;
		return off;
	}
	if (n == SG_UPATH_MAX)
		r->hdr.flags |= SG_F_TRUNC_PATH;
	*plen = n;
	start = off;
	off += n;
	if (*DATA_AT(r, start) != '/') {
		__u32 d0 = off;

		off = put_dir(r, off, dfd, unres_flag);
		*dlen = off - d0;
	}
	return off;
}

/* How many arguments a traced syscall takes (its tracepoint's context has no more). */
static __always_inline int sc_nargs(__u32 sc)
{
	switch (sc) {
	case SG_SC_RENAMEAT2:
		return 5;
	case SG_SC_MOUNT:
		return 5;
	case SG_SC_OPENAT: case SG_SC_OPENAT2: case SG_SC_RENAMEAT: case SG_SC_FCHMODAT2:
	case SG_SC_PTRACE:
		return 4;
	case SG_SC_OPEN: case SG_SC_UNLINKAT: case SG_SC_CONNECT: case SG_SC_BIND:
	case SG_SC_FCHMODAT: case SG_SC_SETRESUID: case SG_SC_SETRESGID: case SG_SC_INIT_MODULE:
	case SG_SC_FINIT_MODULE: case SG_SC_BPF:
		return 3;
	case SG_SC_CREAT: case SG_SC_RENAME: case SG_SC_LISTEN: case SG_SC_CHMOD: case SG_SC_FCHMOD:
	case SG_SC_SETREUID: case SG_SC_SETREGID:
		return 2;
	default: /* unlink, rmdir */
		return 1;
	}
}

static __always_inline int stash_enter(struct trace_event_raw_sys_enter *ctx, __u32 sc)
{
	struct stash *s;

	if (is_self(bpf_get_current_pid_tgid()))
		return 0;
	s = bpf_task_storage_get(&stash, bpf_get_current_task_btf(), 0,
				 BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (!s) {
		struct sg_counters *c = ctrs();

		if (c)
			c->stash_full++;
		return 0;
	}
	/*
	 * Plain loads, cheaper than a helper call; but only of the arguments
	 * this syscall has, or the kernel refuses to attach the program.
	 */
	switch (sc_nargs(sc)) {
	case 5: s->args[4] = ctx->args[4]; /* fallthrough */
	case 4: s->args[3] = ctx->args[3]; /* fallthrough */
	case 3: s->args[2] = ctx->args[2]; /* fallthrough */
	case 2: s->args[1] = ctx->args[1]; /* fallthrough */
	default: s->args[0] = ctx->args[0];
	}
	s->sc = sc;
	return 0;
}


static __always_inline int stash_take(struct stash *out)
{
	struct stash *s = bpf_task_storage_get(&stash, bpf_get_current_task_btf(), 0, 0);

	if (!s || !s->sc)
		return -1;
	__builtin_memcpy(out, s, sizeof(*out));
	s->sc = 0;
	return 0;
}

/*
 * A BPF-LSM program stopped this thread's call (lsm.bpf.c): the rule's slot,
 * taken once, for the record of the failed call.
 */
static __always_inline int lsm_mark_take(long ret, __u32 *slot)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	__u32 *v;

	if (ret != -EPERM)
		return 0;
	v = bpf_map_lookup_elem(&lsm_marks, &tid);
	if (!v)
		return 0;
	*slot = *v - 1;
	bpf_map_delete_elem(&lsm_marks, &tid);
	return 1;
}

/*
 * The trampoline backend: fentry and fexit on the syscall's own function
 * (__x64_sys_openat...), which sees the same arguments and result as the
 * tracepoints, failures included, without putting every task's syscalls on
 * the slow path that one attached syscall tracepoint does.  The arguments
 * come from the user registers the function is given; the handlers read
 * them, and the result, from a tracepoint-shaped copy in a per-CPU map (the
 * BPF stack is too small for another copy).  The daemon loads either these
 * or the tracepoint programs of each syscall, never both (kernel.c).
 */
#if defined(__TARGET_ARCH_x86)
#define SYSCALL_FN "__x64_sys_"
#elif defined(__TARGET_ARCH_arm64)
#define SYSCALL_FN "__arm64_sys_"
#elif defined(__TARGET_ARCH_s390)
#define SYSCALL_FN "__s390x_sys_"
#else
#define SYSCALL_FN "__sys_unknown_"
#endif

struct tramp_args {
	struct trace_event_raw_sys_enter enter;
	struct trace_event_raw_sys_exit exit;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct tramp_args);
} tramp_args SEC(".maps");

static __always_inline struct trace_event_raw_sys_enter *tramp_enter(const struct pt_regs *regs)
{
	__u32 zero = 0;
	struct tramp_args *t = bpf_map_lookup_elem(&tramp_args, &zero);

	if (!t)
		return 0;
	t->enter.args[0] = PT_REGS_PARM1_CORE_SYSCALL(regs);
	t->enter.args[1] = PT_REGS_PARM2_CORE_SYSCALL(regs);
	t->enter.args[2] = PT_REGS_PARM3_CORE_SYSCALL(regs);
	t->enter.args[3] = PT_REGS_PARM4_CORE_SYSCALL(regs);
	t->enter.args[4] = PT_REGS_PARM5_CORE_SYSCALL(regs);
	return &t->enter;
}

static __always_inline struct trace_event_raw_sys_exit *tramp_exit(long ret)
{
	__u32 zero = 0;
	struct tramp_args *t = bpf_map_lookup_elem(&tramp_args, &zero);

	if (!t)
		return 0;
	t->exit.ret = ret;
	return &t->exit;
}

/*
 * A syscall's two trampoline programs: family_fenter_NAME, family_fexit_NAME,
 * running enter and exit with sc_ctx, the tracepoint-shaped arguments.
 */
#define TRAMP_PROGS(family, name, enter, exit)                                  \
	SEC("fentry/" SYSCALL_FN #name)                                         \
	int BPF_PROG(family##_fenter_##name, const struct pt_regs *regs)        \
	{                                                                       \
		struct trace_event_raw_sys_enter *sc_ctx = tramp_enter(regs);   \
                                                                                \
		return sc_ctx ? enter : 0;                                      \
	}                                                                       \
	SEC("fexit/" SYSCALL_FN #name)                                          \
	int BPF_PROG(family##_fexit_##name, const struct pt_regs *regs, long ret) \
	{                                                                       \
		struct trace_event_raw_sys_exit *sc_ctx = tramp_exit(ret);      \
                                                                                \
		return sc_ctx ? exit : 0;                                       \
	}

/*
 * A syscall's entry and exit programs, named after their family (see
 * kernel.c), calling handler##_enter and handler##_exit: the tracepoints,
 * and their trampoline twins.
 */
#define HANDLER_PROGS(family, handler, name, sc)                                \
	SEC("tp/syscalls/sys_enter_" #name)                                     \
	int family##_enter_##name(struct trace_event_raw_sys_enter *ctx)        \
	{                                                                       \
		return handler##_enter(ctx, sc);                                \
	}                                                                       \
	SEC("tp/syscalls/sys_exit_" #name)                                      \
	int family##_exit_##name(struct trace_event_raw_sys_exit *ctx)          \
	{                                                                       \
		return handler##_exit(ctx);                                     \
	}                                                                       \
	TRAMP_PROGS(family, name, handler##_enter(sc_ctx, sc), handler##_exit(sc_ctx))
#define SYSCALL_PROGS(family, name, sc) HANDLER_PROGS(family, family, name, sc)

#endif /* SG_BPF_TRACE_H */
