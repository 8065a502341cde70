// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Decoding ring-buffer records (bpf/sysguard.h) into struct sg_event.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <time.h>
#include <sys/socket.h>
#include "decode.h"
#include "path.h"

static int64_t clock_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

void decoder_sync_clock(struct decoder *d)
{
	d->boot_to_real_ns = clock_ns(CLOCK_REALTIME) - clock_ns(CLOCK_BOOTTIME);
}

void decoder_init(struct decoder *d)
{
	memset(d, 0, sizeof(*d));
	decoder_sync_clock(d);
}

/* A cursor over the record's data sections. */
struct cursor {
	const char *p;
	size_t left;
};

static int take(struct cursor *c, size_t len, const char **ret)
{
	if (len > c->left)
		return -EINVAL;
	*ret = c->p;
	c->p += len;
	c->left -= len;
	return 0;
}

/* A user string section: NUL-terminated within len (the kernel counts the NUL). */
static int take_str(struct cursor *c, size_t len, char *out, size_t outlen)
{
	const char *s;
	size_t l;

	if (take(c, len, &s) < 0)
		return -EINVAL;
	if (len == 0) {
		out[0] = '\0';
		return 0;
	}
	l = strnlen(s, len);
	if (l >= outlen)
		l = outlen - 1;
	memcpy(out, s, l);
	out[l] = '\0';
	return 0;
}

static int take_walk(struct cursor *c, size_t len, char *out, size_t outlen)
{
	const char *s;

	if (take(c, len, &s) < 0)
		return -EINVAL;
	return path_from_walk(out, outlen, s, len) < 0 ? -EINVAL : 0;
}

/*
 * A path and its directory walk into an absolute path in out.  resolved is
 * false when the path is relative and its directory is unknown; then out
 * holds the path as given.
 */
static int take_path(struct decoder *d, struct cursor *c, size_t plen, size_t dlen, int unres,
		     char *out, bool *resolved)
{
	if (take_str(c, plen, out, PATH_MAX) < 0)
		return -EINVAL;
	*resolved = true;
	if (out[0] == '/') {
		path_normalize(out);
		if (dlen)
			return -EINVAL; /* the kernel walks only for relative paths */
		return 0;
	}
	if (plen == 0) {
		*resolved = false;
		return dlen ? -EINVAL : 0; /* no path, so no walk either */
	}
	if (unres) {
		const char *s;

		*resolved = false;
		return take(c, dlen, &s);
	}
	if (take_walk(c, dlen, d->scratch, sizeof(d->scratch)) < 0)
		return -EINVAL;
	if (path_join(d->join, sizeof(d->join), d->scratch, out) < 0) {
		*resolved = false; /* too long: keep it as given */
		return 0;
	}
	memcpy(out, d->join, strlen(d->join) + 1);
	return 0;
}

static void decode_exec(struct decoder *d, const struct sg_hdr *h, const struct sg_exec *x,
			struct cursor *c, struct sg_event *ev, int *err)
{
	bool x_dir_ok = true;
	const char *argv;

	ev->has_result = true;
	ev->result = x->ret;
	ev->exec.at_flags = x->at_flags;
	if (take_str(c, x->filename_len, d->filename, sizeof(d->filename)) < 0 ||
	    x->argv_len > SG_ARGV_BYTES || take(c, x->argv_len, &argv) < 0) {
		*err = -EINVAL;
		return;
	}
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
		if (take(c, x->cwd_len, &argv) < 0)
			*err = -EINVAL;
	} else if (take_walk(c, x->cwd_len, d->cwd, sizeof(d->cwd)) < 0) {
		*err = -EINVAL;
	} else {
		ev->exec.cwd = d->cwd;
	}
	if (*err)
		return;

	ev->proc.exe = NULL;
	if (!(h->flags & SG_F_EXE_UNRES) && x->exe_len) {
		if (take_walk(c, x->exe_len, d->exe, sizeof(d->exe)) < 0) {
			*err = -EINVAL;
			return;
		}
		ev->proc.exe = d->exe;
	} else if (take(c, x->exe_len, &argv) < 0) {
		*err = -EINVAL;
		return;
	}

	/*
	 * The filename as given, made absolute when relative: against the cwd,
	 * or against execveat's dirfd when the kernel could walk it.
	 */
	ev->exec.filename = d->filename;
	if (x->dir_len && (h->flags & SG_F_DIR_UNRES)) {
		if (take(c, x->dir_len, &argv) < 0) { /* a walk cut short: not used */
			*err = -EINVAL;
			return;
		}
		x_dir_ok = false;
	} else if (x->dir_len && take_walk(c, x->dir_len, d->scratch, sizeof(d->scratch)) < 0) {
		*err = -EINVAL;
		return;
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
}

static void decode_file(struct decoder *d, const struct sg_hdr *h, const struct sg_file *f,
			struct cursor *c, struct sg_event *ev, int *err)
{
	ev->has_result = true;
	ev->result = f->ret;
	ev->file.flags = f->flags;
	ev->file.mode = f->mode;
	ev->file.new_path = NULL;
	ev->file.new_path_resolved = false;
	ev->file.write = false;
	ev->file.dir = false;
	if (take_path(d, c, f->path_len, f->dir_len, h->flags & SG_F_DIR_UNRES, d->path,
		      &ev->file.path_resolved) < 0) {
		*err = -EINVAL;
		return;
	}
	ev->file.path = d->path;
	if (h->type == SG_EV_OPEN) {
		ev->file.write = (f->flags & O_ACCMODE) != O_RDONLY || (f->flags & (O_CREAT | O_TRUNC));
	} else if (h->type == SG_EV_RENAME) {
		if (take_path(d, c, f->path2_len, f->dir2_len, h->flags & SG_F_DIR2_UNRES, d->path2,
			      &ev->file.new_path_resolved) < 0) {
			*err = -EINVAL;
			return;
		}
		ev->file.new_path = d->path2;
	} else if (h->type == SG_EV_UNLINK) {
		ev->file.dir = f->flags & AT_REMOVEDIR;
	}
}

static void decode_net(struct decoder *d, const struct sg_net *n,
		       struct cursor *c, struct sg_event *ev, int *err)
{
	const char *s;

	ev->has_result = true;
	ev->result = n->ret;
	ev->net.family = n->family;
	ev->net.sock_type = n->sock_type;
	ev->net.protocol = n->protocol;
	ev->net.port = n->port;
	ev->net.backlog = n->backlog;
	ev->net.block_slot = n->rule;
	ev->net.block_hook = n->hook;
	memcpy(ev->net.addr, n->addr, sizeof(ev->net.addr));
	ev->net.unix_path = NULL;
	if (n->unix_len > SG_UNIX_PATH || take(c, n->unix_len, &s) < 0) {
		*err = -EINVAL;
		return;
	}
	if (n->family == AF_UNIX && n->unix_len) {
		size_t o = 0, l = n->unix_len;

		if (s[0] == '\0') {
			/* abstract: '@' then the name, NULs shown as '@' like ss(8) */
			for (size_t i = 0; i < l && o < sizeof(d->unix_path) - 1; i++)
				d->unix_path[o++] = s[i] ? s[i] : '@';
		} else {
			l = strnlen(s, l);
			memcpy(d->unix_path, s, l);
			o = l;
		}
		d->unix_path[o] = '\0';
		ev->net.unix_path = d->unix_path;
	}
}

int decode_record(struct decoder *d, const void *data, size_t size, struct sg_event *ev)
{
	const struct sg_hdr *h = data;
	const union sg_payload *u;
	struct cursor c;
	int err = 0;

	if (size < SG_DATA_OFF || h->size != size || h->type == SG_EV_NONE ||
	    h->type >= SG_EV_KERNEL_MAX || h->syscall >= SG_SC_MAX)
		goto bad;
	u = (const void *)((const char *)data + sizeof(*h));
	c.p = (const char *)data + SG_DATA_OFF;
	c.left = size - SG_DATA_OFF;

	memset(ev, 0, offsetof(struct sg_event, verdict));
	memset(&ev->verdict, 0, sizeof(ev->verdict));
	ev->type = h->type;
	ev->syscall = h->syscall;
	ev->kflags = h->flags;
	ev->ts_ns = h->ts_ns + d->boot_to_real_ns;
	ev->proc.pid = h->pid;
	ev->proc.tid = h->tid;
	ev->proc.ppid = h->ppid;
	ev->proc.uid = h->uid;
	ev->proc.gid = h->gid;
	ev->proc.cgroup_id = h->cgroup_id;
	memcpy(ev->proc.comm, h->comm, SG_COMM_LEN);
	ev->proc.comm[SG_COMM_LEN] = '\0';

	switch (h->type) {
	case SG_EV_EXEC:
		decode_exec(d, h, &u->exec, &c, ev, &err);
		break;
	case SG_EV_FORK:
		ev->fork.child_pid = u->fork.child_pid;
		break;
	case SG_EV_EXIT: {
		uint32_t st = u->exit.exit_code;

		ev->exit.signal = st & 0x7f;
		ev->exit.core = st & 0x80;
		ev->exit.code = ev->exit.signal ? 0 : (st >> 8) & 0xff;
		break;
	}
	case SG_EV_OPEN:
	case SG_EV_RENAME:
	case SG_EV_UNLINK:
		decode_file(d, h, &u->file, &c, ev, &err);
		break;
	case SG_EV_CONNECT:
	case SG_EV_BIND:
	case SG_EV_LISTEN:
		decode_net(d, &u->net, &c, ev, &err);
		break;
	}
	if (err)
		goto bad;
	return 0;
bad:
	d->malformed++;
	return -EINVAL;
}
