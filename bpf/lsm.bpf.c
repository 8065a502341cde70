// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * sysguard's BPF-LSM enforcement: block rules judged in the kernel, at the
 * LSM hook, before the operation happens.  exec (bprm_check_security), open
 * (file_open), unlink and rmdir (path_unlink, path_rmdir), rename
 * (path_rename) and connect (socket_connect) are refused with EPERM when an
 * entry of "lsm_rules" holds for them (see struct sg_lsm_rule in sysguard.h).
 *
 * Paths are built from the dentry chain, mounts crossed, root first, so that
 * rules compare whole strings; a path too deep or too long for the buffer is
 * compared as far as it was built, and only conditions it satisfies in full
 * hold.  The daemon's own calls are never stopped.
 *
 * Each stopped call is reported once.  When the syscall's entry was traced
 * (its stash is there), the exit reports the failed call with its arguments
 * and this program only leaves the rule's slot in "lsm_marks"; otherwise
 * (the entry was filtered, or the call came from io_uring or the kernel) this
 * program writes a record itself.  A stopped connect is always written here,
 * as the cgroup enforcement does, and the exit told to stay quiet
 * ("blocked").
 *
 * Loaded only where the kernel runs BPF LSM programs (the daemon probes the
 * active LSMs first); elsewhere sysguardd falls back to fanotify for exec and
 * open rules and says which rules nothing can enforce.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_endian.h>
#include "sysguard.h"
#include "sg_limits.h"
#include "common.h"
#include "maps.h"
#include "maps_trace.h"
#include "rec.h"
#include "dwalk.h"

/* the daemon's tgid: its own calls pass */
const volatile __u32 lsm_self_pid = 0;

#define FMODE_WRITE 0x2
#define FMODE_EXEC 0x20
#define O_ACCMODE 03
#define O_EXEC_FLAG 040      /* __FMODE_EXEC in f_flags, on kernels that still set it */
#define O_CREAT_FLAG 0100
#define O_TRUNC_FLAG 01000
#define O_LARGEFILE_FLAG 0100000

#define PBUF (SG_LSM_PATH * 2 + SG_LSM_STR)
#define PMASK (SG_LSM_PATH * 2 - 1)
#define DENTS 64             /* >= SG_PATH_DEPTH + room for mount crossings */

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, SG_LSM_SLOTS);
	__type(key, __u32);
	__type(value, struct sg_lsm_rule);
} lsm_rules SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct sg_lsm_conf);
} lsm_conf SEC(".maps");

/* calls each slot stopped */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, SG_LSM_SLOTS);
	__type(key, __u32);
	__type(value, __u64);
} lsm_hits SEC(".maps");

/* The strings of one judgement: 0 the file, 1 a rename's new name, 2 the caller's program. */
struct lsm_scratch {
	/* 3: the caller's comm (exec: the program's name), 4: its parent's; same size: one mask */
	char path[5][PBUF];
	struct dentry *dents[DENTS];
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct lsm_scratch);
} lsm_scratch SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct sg_rec);
} lsm_rec SEC(".maps");

/* What a rule may look at, for one call. */
struct facts {
	__u32 hook;           /* SG_LH_* */
	__u32 len[3];         /* bytes of each path, NUL excluded; 0: not built */
	__u32 name_off[3];    /* where its last component starts */
	__u32 uid, gid;
	__u8 addr[16];
	__u32 port, proto, family;
	__u32 base, n;        /* the generation in force */
	__u32 slot;           /* the entry that held */
	__u32 fail;           /* the entry being tried has failed */
};

static __always_inline struct lsm_scratch *scratch(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&lsm_scratch, &zero);
}

/* ---- paths ---- */

struct collect_ctx {
	struct dwalk d;
	__u32 n;
	__u32 done;
};

/* One step of the dentry walk (dwalk.h): remember the dentry. */
static long collect_step(__u32 i, void *data)
{
	struct collect_ctx *w = data;
	struct lsm_scratch *sc = scratch();
	struct dentry *dentry = w->d.dentry, *parent;

	if (!sc)
		return 1;
	switch (dwalk_step(&w->d, &parent)) {
	case DW_ROOT:
		w->done = 1;
		return 1;
	case DW_MOUNT:
		return 0;
	}
	if (w->n >= DENTS)
		return 1;
	sc->dents[w->n & (DENTS - 1)] = dentry;
	w->n++;
	w->d.dentry = parent;
	return 0;
}

struct compose_ctx {
	__u32 idx;            /* which path buffer */
	__u32 n;              /* dentries collected */
	__u32 off;            /* bytes written */
	__u32 name_off;
	__u32 full;           /* ran out of room */
};

/* Append "/" and one component name (leaf last) to the path. */
static __always_inline int append(struct compose_ctx *c, const unsigned char *name)
{
	struct lsm_scratch *sc = scratch();
	__u32 off = c->off;
	char *buf;
	long n;

	if (!sc)
		return 1;
	if (off > SG_LSM_PATH - SG_NAME_MAX - 2) {
		c->full = 1;
		return 1;
	}
	buf = sc->path[c->idx > 2 ? 2 : c->idx];
	buf[off & PMASK] = '/';
	n = bpf_probe_read_kernel_str(&buf[(off + 1) & PMASK], SG_NAME_MAX, name);
	if (n <= 0) {
		c->full = 1;
		return 1;
	}
	c->name_off = off + 1;
	c->off = off + n; /* n counts the NUL, which the next '/' overwrites */
	return 0;
}

static long compose_step(__u32 i, void *data)
{
	struct compose_ctx *c = data;
	struct lsm_scratch *sc = scratch();
	struct dentry *d;

	if (!sc || i >= c->n)
		return 1;
	d = sc->dents[(c->n - 1 - i) & (DENTS - 1)];
	return append(c, BPF_CORE_READ(d, d_name.name));
}

/*
 * The path of (dentry, vfsmnt), and then of leaf under it when leaf is set,
 * into path buffer idx; its length and last component into the facts.
 */
static __always_inline void build_path(struct facts *f, __u32 idx, struct dentry *dentry,
				       struct vfsmount *vfsmnt, struct dentry *leaf)
{
	struct collect_ctx w = {};
	struct compose_ctx c = { .idx = idx };
	struct lsm_scratch *sc = scratch();
	char *buf;

	if (!sc || idx > 2 || !dentry || !vfsmnt)
		return;
	dwalk_init(&w.d, dentry, vfsmnt);
	bpf_loop(DENTS + 16, collect_step, &w, 0);
	c.n = w.n;
	bpf_loop(DENTS, compose_step, &c, 0);
	if (leaf && !c.full)
		append(&c, BPF_CORE_READ(leaf, d_name.name));
	buf = sc->path[idx];
	if (c.off == 0) {
		buf[0] = '/';
		buf[1] = '\0';
		c.off = 1;
		c.name_off = 1;
	}
	f->len[idx] = c.off;
	f->name_off[idx] = c.name_off;
}

/* ---- judging ---- */

/*
 * Comparing a string condition with a string of the scratch, eight bytes a
 * step.  The callback looks both up again rather than taking pointers, so
 * that it is verified once for any offsets.
 */
struct cmp_ctx {
	__u32 slot, ci;       /* the entry and its condition */
	__u32 idx, at;        /* the scratch string and where the compared part starts */
	__u32 len;
	__u32 eq;
};

static long cmp_step(__u32 i, void *data)
{
	struct cmp_ctx *m = data;
	struct lsm_scratch *sc = scratch();
	struct sg_lsm_rule *r = bpf_map_lookup_elem(&lsm_rules, &m->slot);
	__u32 at = i * 8, ci = m->ci, idx = m->idx;
	__u64 x, y, mask = ~0ull;

	if (!sc || !r || ci >= SG_LSM_CONDS || idx > 4 || at >= m->len || at >= SG_LSM_STR)
		return 1;
	__builtin_memcpy(&x, &sc->path[idx][(m->at & PMASK) + (at & (SG_LSM_STR - 8))], 8);
	__builtin_memcpy(&y, &r->c[ci].s[at & (SG_LSM_STR - 8)], 8);
	if (m->len - at < 8)
		mask = (1ull << ((m->len - at) * 8)) - 1; /* little-endian: the first bytes */
	if ((x ^ y) & mask) {
		m->eq = 0;
		return 1;
	}
	return 0;
}

/* The string sc->path[idx] + start, slen bytes, against condition ci of entry slot. */
static __always_inline int str_match(__u32 slot, __u32 ci, __u32 idx, __u32 start, __u32 slen,
				     const struct sg_lsm_cond *c)
{
	struct cmp_ctx m = { .slot = slot, .ci = ci, .idx = idx, .at = start, .len = c->len, .eq = 1 };

	if (m.len >= SG_LSM_STR || slen > SG_LSM_PATH || start > SG_LSM_PATH)
		return 0;
	if (c->op == SG_LO_EXACT ? slen != m.len : slen < m.len)
		return 0;
	if (c->op == SG_LO_SUFFIX)
		m.at = start + slen - m.len;
	else if (c->op != SG_LO_EXACT && c->op != SG_LO_PREFIX)
		return 0;
	bpf_loop(SG_LSM_STR / 8, cmp_step, &m, 0);
	return m.eq;
}

static __always_inline __u32 comm_len(const char *s)
{
	__u32 n = 0;

	for (int i = 0; i < SG_COMM_LEN; i++) {
		if (!s[i])
			break;
		n++;
	}
	return n;
}

static __always_inline int addr_match(const struct facts *f, const struct sg_lsm_cond *c)
{
	__u32 bits = c->lo;

	if (c->family != f->family || bits > 128)
		return 0;
	for (int i = 0; i < 16; i++) {
		__u8 mask;

		if (bits == 0)
			return 1;
		mask = bits >= 8 ? 0xff : (__u8)(0xff << (8 - bits));
		if ((f->addr[i] ^ (__u8)c->s[i]) & mask)
			return 0;
		bits = bits >= 8 ? bits - 8 : 0;
	}
	return 1;
}

static __always_inline int cond_holds(struct facts *f, __u32 slot, __u32 ci,
				      const struct sg_lsm_cond *c)
{
	struct lsm_scratch *sc;
	__u32 v, idx, start = 0, len;

	switch (c->field) {
	case SG_LF_ADDR:
		return addr_match(f, c);
	case SG_LF_UID: v = f->uid; goto num;
	case SG_LF_GID: v = f->gid; goto num;
	case SG_LF_PORT: v = f->port; goto num;
	case SG_LF_PROTO: v = f->proto; goto num;
	case SG_LF_FAMILY: v = f->family; goto num;
	case SG_LF_COMM:
	case SG_LF_PCOMM:
		sc = scratch();
		if (!sc)
			return 0;
		idx = c->field == SG_LF_PCOMM ? 4 : 3;
		len = comm_len(sc->path[idx]);
		break;
	default:
		/* a path, or its last component */
		idx = c->field == SG_LF_PATH2 ? 1 :
		      c->field == SG_LF_EXE || c->field == SG_LF_EXENAME ? 2 : 0;
		len = f->len[idx];
		if (!len)
			return 0; /* not built */
		if (c->field == SG_LF_NAME || c->field == SG_LF_EXENAME) {
			start = f->name_off[idx];
			if (start > len)
				return 0;
			len -= start;
		}
	}
	return str_match(slot, ci, idx, start, len, c);
num:
	return v >= c->lo && v <= c->hi;
}

/*
 * One condition of one entry: step i is condition i % SG_LSM_CONDS of entry
 * i / SG_LSM_CONDS, so that one callback, verified once, walks them all.
 */
static long rule_step(__u32 i, void *data)
{
	struct facts *f = data;
	__u32 ri = i / SG_LSM_CONDS, ci = i % SG_LSM_CONDS, slot;
	struct sg_lsm_rule *r;

	if (ri >= f->n || ci >= SG_LSM_CONDS)
		return 1;
	if (ci == 0)
		f->fail = 0;
	if (f->fail)
		return 0;
	slot = f->base + ri;
	r = bpf_map_lookup_elem(&lsm_rules, &slot);
	if (!r)
		return 1;
	if (ci == 0 && !(r->hooks & f->hook))
		f->fail = 1;
	else if (ci < r->n && cond_holds(f, slot, ci, &r->c[ci]) == r->c[ci].neg)
		f->fail = 1;
	if (ci == SG_LSM_CONDS - 1 && !f->fail) {
		f->slot = slot;
		return 1;
	}
	return 0;
}

/* The generation in force, when an entry applies to this hook; 0 when the call may go on. */
static __always_inline int begin(struct facts *f, __u32 hook)
{
	struct task_struct *task = bpf_get_current_task_btf();
	__u64 uid_gid = bpf_get_current_uid_gid();
	struct sg_lsm_conf *conf;
	struct lsm_scratch *sc;
	__u32 zero = 0;

	if ((__u32)(bpf_get_current_pid_tgid() >> 32) == lsm_self_pid)
		return 0;
	conf = bpf_map_lookup_elem(&lsm_conf, &zero);
	if (!conf || !(conf->hooks & hook) || conf->n == 0)
		return 0;
	sc = scratch();
	if (!sc)
		return 0;
	__builtin_memset(f, 0, sizeof(*f));
	f->hook = hook;
	f->base = conf->base;
	f->n = conf->n;
	f->slot = ~0u;
	f->uid = (__u32)uid_gid;
	f->gid = uid_gid >> 32;
	bpf_get_current_comm(sc->path[3], SG_COMM_LEN);
	bpf_probe_read_kernel_str(sc->path[4], SG_COMM_LEN, task->real_parent->comm);
	if (conf->exe_hooks & hook) {
		struct file *exe = BPF_CORE_READ(task, mm, exe_file);

		if (exe)
			build_path(f, 2, BPF_CORE_READ(exe, f_path.dentry),
				   BPF_CORE_READ(exe, f_path.mnt), NULL);
	}
	return 1;
}

static __always_inline int judge(struct facts *f)
{
	__u64 *hit;

	bpf_loop(SG_LSM_RULES * SG_LSM_CONDS, rule_step, f, 0);
	if (f->slot == ~0u)
		return 0;
	hit = bpf_map_lookup_elem(&lsm_hits, &f->slot);
	if (hit)
		__sync_fetch_and_add(hit, 1);
	return 1;
}

/* ---- reports ---- */

static __always_inline struct sg_rec *rec_begin(__u16 type, __u32 sc)
{
	return rec_begin_in(&lsm_rec, type, SG_F_BLOCKED, sc);
}

static __always_inline void rec_submit(struct sg_rec *r, __u32 len)
{
	if (len > SG_DATA_MAX)
		return;
	len += SG_DATA_OFF;
	r->hdr.size = len;
	rec_output(r, len, r->hdr.type, 0);
}

/* Copy path buffer idx (NUL included) into the record's data at off; the bytes written. */
static __always_inline __u32 put_path(struct sg_rec *r, __u32 off, const struct facts *f,
				      __u32 idx)
{
	struct lsm_scratch *sc = scratch();
	__u32 len;

	if (!sc || idx > 2 || off > SG_DATA_MAX - SG_LSM_PATH)
		return 0;
	len = f->len[idx];
	if (len == 0 || len >= SG_LSM_PATH)
		return 0;
	sc->path[idx][len & PMASK] = '\0';
	if (bpf_probe_read_kernel(&r->data[off & (SG_DATA_MAX - 1)], (len + 1) & (SG_LSM_PATH - 1),
				  sc->path[idx]))
		return 0;
	return len + 1;
}

/*
 * A stopped exec or file call: leave the slot for the syscall's exit when it
 * will report the call, else report it from here with what the hook knows.
 */
static __always_inline void report_file(struct facts *f, __u16 type, __u32 sc_nr, __u32 flags,
					int traced)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid(), mark = f->slot + 1, off, n;
	struct sg_rec *r;

	if (traced) {
		bpf_map_update_elem(&lsm_marks, &tid, &mark, BPF_ANY);
		return;
	}
	r = rec_begin(type, sc_nr);
	if (!r)
		return;
	r->hdr.flags |= SG_F_NO_ENTER;
	if (type == SG_EV_EXEC) {
		struct sg_exec *e = &r->u.exec;

		e->ret = -EPERM;
		e->dfd = AT_FDCWD;
		e->rule = f->slot;
		n = put_path(r, 0, f, 0);
		e->filename_len = n;
		r->hdr.flags |= SG_F_CWD_UNRES | SG_F_EXE_UNRES;
		rec_submit(r, n);
		return;
	}
	{
		struct sg_file *fl = &r->u.file;

		fl->ret = -EPERM;
		fl->dfd = AT_FDCWD;
		fl->dfd2 = AT_FDCWD;
		fl->flags = flags;
		fl->rule = f->slot;
		off = put_path(r, 0, f, 0);
		fl->path_len = off;
		if (type == SG_EV_RENAME) {
			n = put_path(r, off, f, 1);
			fl->path2_len = n;
			off += n;
		}
		rec_submit(r, off);
	}
}

/*
 * ---- telemetry: opens let through (lsm_conf.tel_hooks; backend "lsm") ----
 *
 * Where the daemon takes opens from this hook instead of the open syscalls'
 * tracepoints, an open that no entry stops is reported here, after the
 * judgement, so that one program decides and reports each open, whatever
 * order the programs on the hook run in.  The filter's kinds and exclusions
 * apply as at the tracepoint (open_wanted() in sysguard.bpf.c); its path
 * tries, made for the caller's string, do not: the daemon applies them to
 * the path built here.
 */
static __always_inline int tel_wanted(__u32 hook)
{
	struct sg_lsm_conf *conf;
	__u32 zero = 0;

	conf = bpf_map_lookup_elem(&lsm_conf, &zero);
	if (!conf || !(conf->tel_hooks & hook))
		return 0;
	if ((__u32)(bpf_get_current_pid_tgid() >> 32) == lsm_self_pid)
		return 0;
	if (kind_wanted(hook == SG_LH_OPEN_WRITE ? SG_FK_OPEN_WRITE : SG_EV_OPEN))
		return 1;
	count_filtered(SG_EV_OPEN);
	return 0;
}

static __always_inline void report_open(struct facts *f, struct file *file, __u32 fflags)
{
	struct sg_file *fl;
	struct sg_rec *r;
	__u32 off;

	r = rec_begin(SG_EV_OPEN, SG_SC_NONE);
	if (!r)
		return;
	r->hdr.flags = SG_F_HOOK; /* not stopped, no syscall, no result */
	fl = &r->u.file;
	fl->dfd = AT_FDCWD;
	fl->dfd2 = AT_FDCWD;
	/* x86-64 forces O_LARGEFILE on every open: not the caller's flag */
	fl->flags = fflags & ~O_LARGEFILE_FLAG;
	if (fflags & O_CREAT_FLAG)
		fl->mode = BPF_CORE_READ(file, f_inode, i_mode) & 07777;
	off = put_path(r, 0, f, 0);
	if (!off)
		r->hdr.flags |= SG_F_PATH_FAULT;
	fl->path_len = off;
	rec_submit(r, off);
}

/* A mount of the kernel's own (clone_private_mount(), kern_mount()): mnt_ns is ERR_PTR(-EINVAL). */
static __always_inline int internal_mount(struct vfsmount *vfsmnt)
{
	struct mount *m = real_mount(vfsmnt);
	long ns = (long)BPF_CORE_READ(m, mnt_ns);

	return ns < 0 && ns >= -4095;
}

/* Will the syscall's exit report this call?  Only if its entry stashed it. */
static __always_inline int file_traced(void)
{
	struct stash *s = bpf_task_storage_get(&stash, bpf_get_current_task_btf(), 0, 0);

	return s && s->sc;
}

/* ---- hooks ---- */

SEC("lsm/bprm_check_security")
int BPF_PROG(lsm_exec, struct linux_binprm *bprm, int ret)
{
	struct file *file = bprm->file;
	struct lsm_scratch *sc;
	struct facts f;
	__u32 tid = (__u32)bpf_get_current_pid_tgid();

	if (ret || !file || !begin(&f, SG_LH_EXEC))
		return ret;
	build_path(&f, 0, file->f_path.dentry, file->f_path.mnt, NULL);
	/* proc.comm of an exec is the program's name, as the kernel will cut it */
	sc = scratch();
	if (sc && f.name_off[0] < f.len[0]) {
		/* the name is NUL-terminated in the buffer: comm_len() stops there */
		bpf_probe_read_kernel(sc->path[3], SG_COMM_LEN - 1,
				      &sc->path[0][f.name_off[0] & PMASK]);
		sc->path[3][SG_COMM_LEN - 1] = '\0';
	}
	if (!judge(&f))
		return 0;
	/* reported here only where no exec tracepoint is attached: which syscall is not known */
	report_file(&f, SG_EV_EXEC, SG_SC_NONE, 0, bpf_map_lookup_elem(&exec_stash, &tid) != NULL);
	return -EPERM;
}

SEC("lsm/file_open")
int BPF_PROG(lsm_open, struct file *file, int ret)
{
	__u32 fflags = file->f_flags, hook;
	struct facts f;
	int tel;

	if (ret)
		return ret;
	/* the open an exec makes of its program (and its interpreter) is the exec's */
	if ((file->f_mode & FMODE_EXEC) || (fflags & O_EXEC_FLAG))
		return 0;
	/*
	 * A stacking filesystem (overlayfs: every container's root) opens the
	 * file beneath with its mounter's credentials after the caller's open
	 * of the file above was judged: that second call is not the caller's
	 * and its uid is not the caller's (an exception for the caller's uid
	 * would not hold).  Its file shows the path above over the inode
	 * beneath, on every kernel, whatever the f_mode flags of the day.
	 */
	if (file->f_inode != BPF_CORE_READ(file, f_path.dentry, d_inode))
		return 0;
	/*
	 * Its opens of a layer's directories go through the layer's private
	 * mount, which no namespace holds (MNT_NS_INTERNAL, as the kernel's own
	 * mounts): a path there is not one anybody named.
	 */
	if (internal_mount(file->f_path.mnt))
		return 0;
	hook = (file->f_mode & FMODE_WRITE) || (fflags & (O_CREAT_FLAG | O_TRUNC_FLAG)) ?
	       SG_LH_OPEN_WRITE : SG_LH_OPEN_READ;
	tel = tel_wanted(hook);
	if (!begin(&f, hook)) {
		if (!tel)
			return 0;
		/* no entry for this hook: only the report */
		__builtin_memset(&f, 0, sizeof(f));
		f.hook = hook;
		f.slot = ~0u;
	}
	build_path(&f, 0, file->f_path.dentry, file->f_path.mnt, NULL);
	if (!judge(&f)) {
		if (tel)
			report_open(&f, file, fflags);
		return 0;
	}
	report_file(&f, SG_EV_OPEN, SG_SC_NONE, fflags, file_traced());
	return -EPERM;
}

static __always_inline int unlink_common(const struct path *dir, struct dentry *dentry, __u32 sc)
{
	struct facts f;

	if (!begin(&f, SG_LH_UNLINK))
		return 0;
	build_path(&f, 0, dir->dentry, dir->mnt, dentry);
	if (!judge(&f))
		return 0;
	report_file(&f, SG_EV_UNLINK, sc, 0, file_traced());
	return -EPERM;
}

SEC("lsm/path_unlink")
int BPF_PROG(lsm_unlink, const struct path *dir, struct dentry *dentry, int ret)
{
	if (ret)
		return ret;
	return unlink_common(dir, dentry, SG_SC_UNLINKAT);
}

SEC("lsm/path_rmdir")
int BPF_PROG(lsm_rmdir, const struct path *dir, struct dentry *dentry, int ret)
{
	if (ret)
		return ret;
	return unlink_common(dir, dentry, SG_SC_RMDIR);
}

/* the hook's last arguments (flags, the return value) differ between kernels: not read */
SEC("lsm/path_rename")
int BPF_PROG(lsm_rename, const struct path *old_dir, struct dentry *old_dentry,
	     const struct path *new_dir, struct dentry *new_dentry)
{
	struct facts f;

	if (!begin(&f, SG_LH_RENAME))
		return 0;
	build_path(&f, 0, old_dir->dentry, old_dir->mnt, old_dentry);
	build_path(&f, 1, new_dir->dentry, new_dir->mnt, new_dentry);
	if (!judge(&f))
		return 0;
	report_file(&f, SG_EV_RENAME, SG_SC_RENAMEAT2, 0, file_traced());
	return -EPERM;
}

SEC("lsm/socket_connect")
int BPF_PROG(lsm_connect, struct socket *sock, struct sockaddr *address, int addrlen, int ret)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid(), hook = SG_HOOK_LSM;
	struct sock *sk = sock->sk;
	struct sg_rec *r;
	struct sg_net *n;
	struct facts f;
	__u16 family;

	if (ret || !address)
		return ret;
	family = address->sa_family;
	if (family != AF_INET && family != AF_INET6)
		return 0;
	if (!begin(&f, SG_LH_CONNECT))
		return 0;
	f.family = family;
	f.proto = sk ? sk->sk_protocol : 0;
	if (family == AF_INET) {
		struct sockaddr_in *a = (void *)address;

		if (addrlen < (int)sizeof(*a))
			return 0;
		f.port = bpf_ntohs(BPF_CORE_READ(a, sin_port));
		bpf_probe_read_kernel(f.addr, 4, &a->sin_addr);
	} else {
		struct sockaddr_in6 *a = (void *)address;

		if (addrlen < (int)sizeof(*a))
			return 0;
		f.port = bpf_ntohs(BPF_CORE_READ(a, sin6_port));
		bpf_probe_read_kernel(f.addr, 16, &a->sin6_addr);
	}
	if (!judge(&f))
		return 0;
	r = rec_begin(SG_EV_CONNECT, SG_SC_CONNECT);
	if (r) {
		n = &r->u.net;
		n->ret = -EPERM;
		n->fd = -1;
		n->family = family;
		n->port = f.port;
		n->sock_type = sock->type;
		n->protocol = f.proto;
		n->hook = SG_HOOK_LSM;
		n->rule = f.slot;
		__builtin_memcpy(n->addr, f.addr, 16);
		rec_submit(r, 0);
		/* the syscall exit sees EPERM and must not report it again */
		bpf_map_update_elem(&blocked, &tid, &hook, BPF_ANY);
	}
	return -EPERM;
}
