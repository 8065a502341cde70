// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * sysguard's kernel side: syscall and sched tracepoints that turn process,
 * file and network activity into records in one ring buffer.  Syscall entries
 * stash their arguments per thread; the matching exit reads the user memory
 * (paths are faulted in by then), resolves the directory of relative paths by
 * walking dentries, and emits one record with the result.  The daemon itself
 * is excluded here.  Program names carry their family as a prefix (proc_,
 * file_, net_) so that userspace can switch a family off before load.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_endian.h>
#include "sysguard.h"
#include "common.h"
#include "maps.h"
#include "maps_trace.h"
#include "rec.h"
#include "dwalk.h"

#define AT_REMOVEDIR 0x200
#define O_WRONLY 01
#define O_CREAT 0100
#define O_TRUNC 01000
#define AF_UNIX 1
#define EBADF 9
#define ENOTSOCK 88
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

const volatile struct sg_kconfig cfg = {};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct sg_rec);
} scratch SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, SG_LOST_PIDS);
	__type(key, __u32);
	__type(value, struct sg_pidlost);
} lost_by_pid SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, 16384);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct sg_pathkey);
	__type(value, __u32);
} path_prefix SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, 16384);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct sg_pathkey);
	__type(value, __u32);
} path_suffix SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct sg_pathhint);
} path_hint SEC(".maps");

struct fscratch {
	char path[SG_UPATH_MAX];
	struct sg_pathkey key;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct fscratch);
} fscratch SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct exec_stash);
} exec_scratch SEC(".maps");

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

/*
 * Whether an absolute path may interest a rule: a stored prefix, or a stored
 * suffix (the last SG_PATH_KEY bytes, written backwards), for this kind of
 * open.  n counts the NUL.
 */
static __always_inline int path_wanted(struct fscratch *fs, long n, __u32 want)
{
	__u32 len = n - 1, keylen = len < SG_PATH_KEY ? len : SG_PATH_KEY;
	__u32 *v;

	__builtin_memcpy(fs->key.data, fs->path, SG_PATH_KEY);
	fs->key.prefixlen = keylen * 8;
	v = bpf_map_lookup_elem(&path_prefix, &fs->key);
	if (v && (*v & want))
		return 1;
	for (int i = 0; i < SG_PATH_KEY; i++) {
		if (i >= keylen)
			break;
		fs->key.data[i] = fs->path[(len - 1 - i) & (SG_UPATH_MAX - 1)];
	}
	v = bpf_map_lookup_elem(&path_suffix, &fs->key);
	return v && (*v & want);
}

static __always_inline int hint_bit(const __u64 *bits, __u32 b)
{
	return (bits[BOUND(b >> 6, SG_HINT_BITS / 64 - 1)] >> (b & 63)) & 1;
}

/*
 * The pre-check in front of path_wanted() (struct sg_pathhint): 0 when no
 * prefix or suffix in the tries can match this absolute path of len bytes.
 * A few loads and multiplies instead of two trie lookups and a reversal,
 * for the common open that no rule is about.
 */
static __always_inline int path_hinted(const struct fscratch *fs, __u32 len)
{
	const struct sg_pathhint *h;
	__u32 zero = 0, x4;
	__u64 x8;

	h = bpf_map_lookup_elem(&path_hint, &zero);
	if (!h || (h->flags & (SG_HINT_SHORT_PREFIX | SG_HINT_SHORT_SUFFIX)))
		return 1;
	if (len < 4)
		return 0;
	__builtin_memcpy(&x4, fs->path, 4);
	if (hint_bit(h->pre4, sg_hint4(x4)))
		return 1;
	if (len >= 8) {
		__builtin_memcpy(&x8, fs->path, 8);
		if (hint_bit(h->pre8, sg_hint8(x8)))
			return 1;
	}
	/* (past path[] lies key, inside the same map value) */
	__builtin_memcpy(&x4, &fs->path[BOUND(len - 4, SG_UPATH_MAX - 1)], 4);
	return hint_bit(h->suf4, sg_hint4(x4));
}

/*
 * Whether userspace would normalise the path into another one ("//", "/./",
 * "/../", a trailing "/", "/." or "/.."): such a path is not judged here,
 * since its raw bytes may not show the prefix or suffix its normal form has.
 */
static __always_inline int path_unnormal(const char *p, __u32 len)
{
	int st = 0; /* 1: after '/', 2: after "/.", 3: after "/.." */

	for (int i = 0; i < SG_UPATH_MAX; i++) {
		char c;

		if (i >= len)
			break;
		c = p[i];
		if (c == '/') {
			if (st != 0)
				return 1;
			st = 1;
		} else if (c == '.' && (st == 1 || st == 2)) {
			st++;
		} else {
			st = 0;
		}
	}
	return st != 0 && len > 1;
}

/*
 * The in-kernel filter at an open's entry: 0 drops it before anything is
 * stashed or reserved.  Reads the path only when the policy filters on it; a
 * path that cannot be read here, or a relative one, goes on to userspace.
 */
static __always_inline int open_wanted(struct trace_event_raw_sys_enter *ctx, __u32 sc)
{
	struct sg_filter *f;
	struct fscratch *fs;
	const char *upath;
	__u32 zero = 0, flags, mode, want;
	long n;

	f = bpf_map_lookup_elem(&filter, &zero);
	if (!f)
		return 1;
	switch (sc) {
	case SG_SC_OPEN:
		upath = (const char *)ctx->args[0];
		flags = ctx->args[1];
		break;
	case SG_SC_OPENAT:
		upath = (const char *)ctx->args[1];
		flags = ctx->args[2];
		break;
	case SG_SC_OPENAT2: {
		__u64 hflags = 0;

		upath = (const char *)ctx->args[1];
		bpf_probe_read_user(&hflags, sizeof(hflags), (void *)ctx->args[2]);
		flags = hflags;
		break;
	}
	default: /* creat */
		upath = (const char *)ctx->args[0];
		flags = O_CREAT | O_WRONLY | O_TRUNC;
	}
	if ((flags & 3) != 0 || (flags & (O_CREAT | O_TRUNC))) {
		mode = f->mode[SG_FK_OPEN_WRITE];
		want = SG_PK_WRITE;
	} else {
		mode = f->mode[SG_EV_OPEN];
		want = SG_PK_READ;
	}
	if (mode == SG_FM_PASS)
		return !excluded(f);
	if (mode == SG_FM_DROP || excluded(f))
		return 0;
	fs = bpf_map_lookup_elem(&fscratch, &zero);
	if (!fs)
		return 1;
	n = bpf_probe_read_user_str(fs->path, sizeof(fs->path), upath);
	if (n <= 1 || n >= SG_UPATH_MAX || fs->path[0] != '/')
		return 1; /* unreadable now, cut short (its end is unknown), or relative */
	if (path_unnormal(fs->path, n - 1))
		return 1;
	if (!path_hinted(fs, n - 1))
		return 0;
	return path_wanted(fs, n, want);
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

/* ---- process ---- */

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

/* ---- file ---- */

static __always_inline int file_exit(struct trace_event_raw_sys_exit *ctx)
{
	const char *p1 = NULL, *p2 = NULL;
	struct stash s;
	struct sg_file *f;
	struct sg_rec *r;
	__u16 type;
	__u32 off = 0;

	if (stash_take(&s))
		return 0;
	switch (s.sc) {
	case SG_SC_RENAME: case SG_SC_RENAMEAT: case SG_SC_RENAMEAT2:
		type = SG_EV_RENAME;
		break;
	case SG_SC_UNLINK: case SG_SC_UNLINKAT: case SG_SC_RMDIR:
		type = SG_EV_UNLINK;
		break;
	case SG_SC_CHMOD: case SG_SC_FCHMOD: case SG_SC_FCHMODAT: case SG_SC_FCHMODAT2:
		type = SG_EV_CHMOD;
		break;
	default:
		type = SG_EV_OPEN;
	}
	r = rec_begin(type, s.sc);
	if (!r)
		return 0;
	f = &r->u.file;
	f->ret = ctx->ret;
	if (lsm_mark_take(ctx->ret, &f->rule))
		r->hdr.flags |= SG_F_BLOCKED;
	f->dfd = AT_FDCWD;
	f->dfd2 = AT_FDCWD;
	switch (s.sc) {
	case SG_SC_OPEN:
		p1 = (void *)s.args[0];
		f->flags = s.args[1];
		f->mode = s.args[2];
		break;
	case SG_SC_OPENAT:
		f->dfd = s.args[0];
		p1 = (void *)s.args[1];
		f->flags = s.args[2];
		f->mode = s.args[3];
		break;
	case SG_SC_OPENAT2: {
		struct open_how how = {};

		f->dfd = s.args[0];
		p1 = (void *)s.args[1];
		bpf_probe_read_user(&how, sizeof(how), (void *)s.args[2]);
		f->flags = how.flags;
		f->mode = how.mode;
		break;
	}
	case SG_SC_CREAT:
		p1 = (void *)s.args[0];
		f->mode = s.args[1];
		f->flags = O_CREAT | O_WRONLY | O_TRUNC;
		break;
	case SG_SC_RENAME:
		p1 = (void *)s.args[0];
		p2 = (void *)s.args[1];
		break;
	case SG_SC_RENAMEAT:
	case SG_SC_RENAMEAT2:
		f->dfd = s.args[0];
		p1 = (void *)s.args[1];
		f->dfd2 = s.args[2];
		p2 = (void *)s.args[3];
		if (s.sc == SG_SC_RENAMEAT2)
			f->flags = s.args[4];
		break;
	case SG_SC_UNLINK:
		p1 = (void *)s.args[0];
		break;
	case SG_SC_UNLINKAT:
		f->dfd = s.args[0];
		p1 = (void *)s.args[1];
		f->flags = s.args[2];
		break;
	case SG_SC_RMDIR:
		p1 = (void *)s.args[0];
		f->flags = AT_REMOVEDIR;
		break;
	case SG_SC_CHMOD:
		p1 = (void *)s.args[0];
		f->mode = s.args[1];
		break;
	case SG_SC_FCHMOD:
		/* no path: the fd's own walk stands for it (struct sg_file) */
		f->dfd = s.args[0];
		f->mode = s.args[1];
		off = put_dir(r, off, f->dfd, SG_F_DIR_UNRES);
		f->dir_len = off;
		rec_submit(r, off);
		return 0;
	case SG_SC_FCHMODAT:
	case SG_SC_FCHMODAT2:
		f->dfd = s.args[0];
		p1 = (void *)s.args[1];
		f->mode = s.args[2];
		if (s.sc == SG_SC_FCHMODAT2)
			f->flags = s.args[3];
		break;
	}
	off = put_upath(r, off, p1, f->dfd, &f->path_len, &f->dir_len, SG_F_DIR_UNRES);
	if (p2)
		off = put_upath(r, off, p2, f->dfd2, &f->path2_len, &f->dir2_len, SG_F_DIR2_UNRES);
	rec_submit(r, off);
	return 0;
}

static __always_inline int file_enter(struct trace_event_raw_sys_enter *ctx, __u32 sc)
{
	int wanted;

	if (is_self(bpf_get_current_pid_tgid()))
		return 0;
	switch (sc) {
	case SG_SC_OPEN: case SG_SC_OPENAT: case SG_SC_OPENAT2: case SG_SC_CREAT:
		wanted = open_wanted(ctx, sc);
		if (!wanted)
			count_filtered(SG_EV_OPEN);
		break;
	case SG_SC_RENAME: case SG_SC_RENAMEAT: case SG_SC_RENAMEAT2:
		wanted = kind_wanted(SG_EV_RENAME);
		if (!wanted)
			count_filtered(SG_EV_RENAME);
		break;
	case SG_SC_CHMOD: case SG_SC_FCHMOD: case SG_SC_FCHMODAT: case SG_SC_FCHMODAT2:
		wanted = kind_wanted(SG_EV_CHMOD);
		if (!wanted)
			count_filtered(SG_EV_CHMOD);
		break;
	default:
		wanted = kind_wanted(SG_EV_UNLINK);
		if (!wanted)
			count_filtered(SG_EV_UNLINK);
	}
	return wanted ? stash_enter(ctx, sc) : 0;
}

static __always_inline int net_enter(struct trace_event_raw_sys_enter *ctx, __u32 sc)
{
	__u32 type = sc == SG_SC_CONNECT ? SG_EV_CONNECT : sc == SG_SC_BIND ? SG_EV_BIND : SG_EV_LISTEN;

	if (is_self(bpf_get_current_pid_tgid()))
		return 0;
	if (!kind_wanted(type)) {
		count_filtered(type);
		return 0;
	}
	return stash_enter(ctx, sc);
}

/*
 * A syscall's entry and exit programs, named after their family (see
 * kernel.c), calling handler##_enter and handler##_exit.
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
	}
#define SYSCALL_PROGS(family, name, sc) HANDLER_PROGS(family, family, name, sc)

#define FILE_PROGS(name, sc) SYSCALL_PROGS(file, name, sc)
#define NET_PROGS(name, sc) SYSCALL_PROGS(net, name, sc)

FILE_PROGS(open, SG_SC_OPEN)
FILE_PROGS(openat, SG_SC_OPENAT)
FILE_PROGS(openat2, SG_SC_OPENAT2)
FILE_PROGS(creat, SG_SC_CREAT)
FILE_PROGS(rename, SG_SC_RENAME)
FILE_PROGS(renameat, SG_SC_RENAMEAT)
FILE_PROGS(renameat2, SG_SC_RENAMEAT2)
FILE_PROGS(unlink, SG_SC_UNLINK)
FILE_PROGS(unlinkat, SG_SC_UNLINKAT)
FILE_PROGS(rmdir, SG_SC_RMDIR)
FILE_PROGS(chmod, SG_SC_CHMOD)
FILE_PROGS(fchmod, SG_SC_FCHMOD)
FILE_PROGS(fchmodat, SG_SC_FCHMODAT)
FILE_PROGS(fchmodat2, SG_SC_FCHMODAT2)

/* ---- network ---- */

static __always_inline int net_exit(struct trace_event_raw_sys_exit *ctx)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct stash s;
	struct sg_net *n;
	struct sg_rec *r;
	struct sock *sk = NULL;
	struct file *f;
	__u16 type;
	__u32 off = 0;
	long ret = ctx->ret;

	if (stash_take(&s))
		return 0;
	type = s.sc == SG_SC_CONNECT ? SG_EV_CONNECT : s.sc == SG_SC_BIND ? SG_EV_BIND : SG_EV_LISTEN;
	if (ret == -EPERM && type != SG_EV_LISTEN) {
		__u32 tid = (__u32)bpf_get_current_pid_tgid();

		/* stopped by enforcement, which reported it: one event, not two */
		if (bpf_map_lookup_elem(&blocked, &tid)) {
			bpf_map_delete_elem(&blocked, &tid);
			return 0;
		}
	}
	r = rec_begin(type, s.sc);
	if (!r)
		return 0;
	n = &r->u.net;
	n->ret = ret;
	n->fd = s.args[0];
	if (ret != -EBADF && ret != -ENOTSOCK) {
		f = fd_file(task, n->fd);
		if (f) {
			struct socket *sock = BPF_CORE_READ(f, private_data);

			sk = BPF_CORE_READ(sock, sk);
		}
	}
	if (sk) {
		n->sock_type = BPF_CORE_READ_BITFIELD_PROBED(sk, sk_type);
		n->protocol = BPF_CORE_READ_BITFIELD_PROBED(sk, sk_protocol);
	}
	if (type == SG_EV_LISTEN) {
		n->backlog = s.args[1];
		if (sk) {
			n->family = BPF_CORE_READ(sk, __sk_common.skc_family);
			n->port = BPF_CORE_READ(sk, __sk_common.skc_num);
			/* (BPF_CORE_READ_INTO would copy sizeof(*n->addr), one byte) */
			if (n->family == AF_INET)
				bpf_core_read(n->addr, 4, &sk->__sk_common.skc_rcv_saddr);
			else if (n->family == AF_INET6)
				bpf_core_read(n->addr, 16, &sk->__sk_common.skc_v6_rcv_saddr);
		}
	} else {
		void *ua = (void *)s.args[1];
		__u32 alen = s.args[2], rlen = alen;
		union {
			__u16 family;
			struct sockaddr_in in;
			struct sockaddr_in6 in6;
		} sa = {};
		__u16 fam;

		/* one user read: each costs more than the rest of this put together */
		if (rlen > sizeof(sa))
			rlen = sizeof(sa);
		if (rlen >= sizeof(sa.family))
			bpf_probe_read_user(&sa, BOUND(rlen, 31), ua);
		fam = sa.family;
		n->family = fam;
		if (fam == AF_INET && alen >= sizeof(struct sockaddr_in)) {
			n->port = bpf_ntohs(sa.in.sin_port);
			__builtin_memcpy(n->addr, &sa.in.sin_addr, 4);
		} else if (fam == AF_INET6 && alen >= sizeof(struct sockaddr_in6)) {
			n->port = bpf_ntohs(sa.in6.sin6_port);
			__builtin_memcpy(n->addr, &sa.in6.sin6_addr, 16);
		} else if (fam == AF_UNIX && alen > 2) {
			__u32 plen = alen - 2;

			if (plen > SG_UNIX_PATH)
				plen = SG_UNIX_PATH;
			plen = BOUND(plen, 127);
			if (!bpf_probe_read_user(r->data, plen, ua + 2)) {
				n->unix_len = plen;
				off = plen;
			}
		}
	}
	rec_submit(r, off);
	return 0;
}

NET_PROGS(connect, SG_SC_CONNECT)
NET_PROGS(bind, SG_SC_BIND)
NET_PROGS(listen, SG_SC_LISTEN)

/* ---- privileges: ptrace, credentials, modules, bpf (the process family) ---- */

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

/* ---- mount (the file family) ---- */

static __always_inline int mount_enter(struct trace_event_raw_sys_enter *ctx, __u32 sc)
{
	if (is_self(bpf_get_current_pid_tgid()))
		return 0;
	if (!kind_wanted(SG_EV_MOUNT)) {
		count_filtered(SG_EV_MOUNT);
		return 0;
	}
	return stash_enter(ctx, sc);
}

static __always_inline int mount_exit(struct trace_event_raw_sys_exit *ctx)
{
	struct sg_mount *m;
	struct stash s;
	struct sg_rec *r;
	__u32 off = 0;
	long n;

	if (stash_take(&s))
		return 0;
	r = rec_begin(SG_EV_MOUNT, s.sc);
	if (!r)
		return 0;
	m = &r->u.mount;
	m->ret = ctx->ret;
	m->flags = s.args[3];
	if (s.args[0]) {
		n = bpf_probe_read_user_str(r->data, SG_UPATH_MAX, (void *)s.args[0]);
		if (n > 0) {
			m->src_len = n;
			off = n;
		}
	}
	off = put_upath(r, off, (void *)s.args[1], AT_FDCWD, &m->path_len, &m->dir_len,
			SG_F_DIR_UNRES);
	if (s.args[2] && off <= SG_DATA_MAX - 64) {
		n = bpf_probe_read_user_str(DATA_AT(r, off), 64, (void *)s.args[2]);
		if (n > 0) {
			m->type_len = n;
			off += n;
		}
	}
	rec_submit(r, off);
	return 0;
}

HANDLER_PROGS(file, mount, mount, SG_SC_MOUNT)

/* ---- io_uring (the file family): rings created, and file and socket operations submitted ---- */

SEC("tp_btf/io_uring_create")
int BPF_PROG(file_io_uring_create, int fd, void *ring, __u32 sq_entries, __u32 cq_entries,
	     __u32 flags)
{
	struct sg_rec *r;

	if (is_self(bpf_get_current_pid_tgid()))
		return 0;
	if (!kind_wanted(SG_EV_IO_URING)) {
		count_filtered(SG_EV_IO_URING);
		return 0;
	}
	r = rec_begin(SG_EV_IO_URING, SG_SC_IO_URING);
	if (!r)
		return 0;
	r->u.io_uring.fd = fd;
	r->u.io_uring.sq_entries = sq_entries;
	r->u.io_uring.cq_entries = cq_entries;
	r->u.io_uring.flags = flags;
	rec_submit(r, 0);
	return 0;
}

/* A kernel string (struct filename's name) and, when relative, its dir walk. */
static __always_inline __u32 put_kpath(struct sg_rec *r, __u32 off, struct filename *fn, int dfd,
				       __u16 *plen, __u16 *dlen, __u16 unres_flag)
{
	const char *name = BPF_CORE_READ(fn, name);
	__u32 start = off;
	long n;

	if (!name || off > SG_DATA_MAX - SG_UPATH_MAX) {
		r->hdr.flags |= SG_F_PATH_FAULT;
		return off;
	}
	n = bpf_probe_read_kernel_str(DATA_AT(r, off), SG_UPATH_MAX, name);
	if (n <= 0) {
		r->hdr.flags |= SG_F_PATH_FAULT;
		return off;
	}
	*plen = n;
	off += n;
	if (*DATA_AT(r, start) != '/') {
		__u32 d0 = off;

		off = put_dir(r, off, dfd, unres_flag);
		*dlen = off - d0;
	}
	return off;
}

SEC("tp_btf/io_uring_submit_req")
int BPF_PROG(file_io_uring_submit, struct io_kiocb *req)
{
	__u8 op = BPF_CORE_READ(req, opcode);
	void *cmd = (void *)req + bpf_core_field_offset(struct io_kiocb, cmd);
	struct sg_rec *r;
	__u32 type, off = 0;

	if (op == bpf_core_enum_value(enum io_uring_op, IORING_OP_OPENAT) ||
	    op == bpf_core_enum_value(enum io_uring_op, IORING_OP_OPENAT2))
		type = SG_EV_OPEN;
	else if (op == bpf_core_enum_value(enum io_uring_op, IORING_OP_RENAMEAT))
		type = SG_EV_RENAME;
	else if (op == bpf_core_enum_value(enum io_uring_op, IORING_OP_UNLINKAT))
		type = SG_EV_UNLINK;
	else if (op == bpf_core_enum_value(enum io_uring_op, IORING_OP_CONNECT))
		type = SG_EV_CONNECT;
	else
		return 0;
	if (is_self(bpf_get_current_pid_tgid()))
		return 0;
	if (!kind_wanted(type)) {
		count_filtered(type);
		return 0;
	}
	r = rec_begin(type, SG_SC_IO_URING);
	if (!r)
		return 0;
	r->hdr.flags |= SG_F_IO_URING;
	if (type == SG_EV_OPEN) {
		struct io_open *o = cmd;
		struct sg_file *f = &r->u.file;

		f->dfd = BPF_CORE_READ(o, dfd);
		f->flags = BPF_CORE_READ(o, how.flags);
		f->mode = BPF_CORE_READ(o, how.mode);
		off = put_kpath(r, 0, BPF_CORE_READ(o, filename), f->dfd, &f->path_len, &f->dir_len,
				SG_F_DIR_UNRES);
	} else if (type == SG_EV_RENAME) {
		struct io_rename *o = cmd;
		struct sg_file *f = &r->u.file;

		f->dfd = BPF_CORE_READ(o, old_dfd);
		f->dfd2 = BPF_CORE_READ(o, new_dfd);
		f->flags = BPF_CORE_READ(o, flags);
		off = put_kpath(r, 0, BPF_CORE_READ(o, oldpath), f->dfd, &f->path_len, &f->dir_len,
				SG_F_DIR_UNRES);
		off = put_kpath(r, off, BPF_CORE_READ(o, newpath), f->dfd2, &f->path2_len,
				&f->dir2_len, SG_F_DIR2_UNRES);
	} else if (type == SG_EV_UNLINK) {
		struct io_unlink *o = cmd;
		struct sg_file *f = &r->u.file;

		f->dfd = BPF_CORE_READ(o, dfd);
		f->flags = BPF_CORE_READ(o, flags);
		off = put_kpath(r, 0, BPF_CORE_READ(o, filename), f->dfd, &f->path_len, &f->dir_len,
				SG_F_DIR_UNRES);
	} else {
		struct io_connect *o = cmd;
		struct sg_net *n = &r->u.net;
		struct sockaddr_in6 sa = {};

		n->fd = -1;
		bpf_probe_read_user(&sa, sizeof(sa), BPF_CORE_READ(o, addr));
		n->family = sa.sin6_family;
		n->port = bpf_ntohs(sa.sin6_port);
		if (n->family == AF_INET)
			__builtin_memcpy(n->addr, (void *)&sa + 4, 4);
		else if (n->family == AF_INET6)
			__builtin_memcpy(n->addr, &sa.sin6_addr, 16);
	}
	rec_submit(r, off);
	return 0;
}
