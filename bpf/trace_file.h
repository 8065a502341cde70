/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The file family's programs (file_*): open, creat, rename, unlink, rmdir
 * and chmod at their syscalls, with the in-kernel filter on an open's path
 * ("path_prefix", "path_suffix", "path_hint"); mount; and io_uring, the
 * rings created and the opens, renames, unlinks and connects submitted to
 * them.  BPF side only: part of sysguard.bpf.c, after trace.h.
 */
#ifndef SG_BPF_TRACE_FILE_H
#define SG_BPF_TRACE_FILE_H

#define AT_REMOVEDIR 0x200
#define O_WRONLY 01
#define O_CREAT 0100
#define O_TRUNC 01000

/* ---- the filter on an open's path, at its entry ---- */

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

/* ---- open, creat, rename, unlink, rmdir, chmod ---- */

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

#define FILE_PROGS(name, sc) SYSCALL_PROGS(file, name, sc)

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

/* ---- mount ---- */

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

/* ---- io_uring: rings created, and file and socket operations submitted ---- */

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

#endif /* SG_BPF_TRACE_FILE_H */
