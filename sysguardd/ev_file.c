// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The file event types, open, rename, unlink and chmod: their rows of the
 * event table and what each row points at.  All four share the payload
 * struct sg_file and the JSON member "file".
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include "decode.h"
#include "dedup.h"
#include "encode.h"
#include "journal.h"
#include "jsonw.h"

/* What every file type has: the result, flags, mode and the first path. */
/* The payload's fixed fields, and no path yet. */
static void file_fields(const struct sg_file *f, struct sg_event *ev)
{
	ev->has_result = true;
	ev->result = f->ret;
	ev->lsm_slot = f->rule;
	ev->file.flags = f->flags;
	ev->file.mode = f->mode;
	ev->file.new_path = NULL;
	ev->file.new_path_resolved = false;
	ev->file.write = false;
	ev->file.dir = false;
	ev->file.path = NULL;
	ev->file.path_resolved = false;
}

static int file_decode(struct decoder *d, const struct sg_hdr *h, const struct sg_file *f,
		       struct sg_cursor *c, struct sg_event *ev)
{
	file_fields(f, ev);
	if (decode_path(d, c, f->path_len, f->dir_len, h->flags & SG_F_DIR_UNRES, d->path,
			&ev->file.path_resolved) < 0)
		return -EINVAL;
	ev->file.path = d->path;
	return 0;
}

/*
 * No path string: the walk of the file itself stands for it (fchmod).  A
 * walk cut short leaves no path.
 */
static int walk_decode(struct decoder *d, const struct sg_hdr *h, const struct sg_file *f,
		       struct sg_cursor *c, struct sg_event *ev)
{
	const char *s;

	file_fields(f, ev);
	if (h->flags & SG_F_DIR_UNRES)
		return decode_take(c, f->dir_len, &s);
	if (decode_walk(c, f->dir_len, d->path, sizeof(d->path)) < 0)
		return -EINVAL;
	ev->file.path = d->path;
	ev->file.path_resolved = true;
	return 0;
}

static void path_encode(struct jsonw *w, const struct sg_event *ev)
{
	jw_key(w, "file");
	jw_obj_open(w);
	jw_key(w, "path");
	jw_str(w, ev->file.path);
	jw_key(w, "resolved");
	jw_bool(w, ev->file.path_resolved);
	if (ev->file.host_path) {
		jw_key(w, "host_path");
		jw_str(w, ev->file.host_path);
	}
}

static void path_journal(struct journal_entry *e, const struct sg_event *ev)
{
	journal_add_str(e, "SYSGUARD_PATH", ev->file.path);
}

static uint64_t path_key(uint64_t h, const struct sg_event *ev)
{
	return dedup_hash_str(h, ev->file.path);
}

static void path_keep(struct dedup_keep *k, struct sg_event *e)
{
	dedup_keep_str(k, &e->file.path, true);
	dedup_keep_str(k, &e->proc.exe, false);
	dedup_keep_str(k, &e->file.host_path, false);
}

/* ---- open ---- */

static int open_decode(struct decoder *d, const struct sg_hdr *h, const void *payload,
		       struct sg_cursor *c, struct sg_event *ev)
{
	const struct sg_file *f = payload;

	if (file_decode(d, h, f, c, ev) < 0)
		return -EINVAL;
	ev->file.write = (f->flags & O_ACCMODE) != O_RDONLY || (f->flags & (O_CREAT | O_TRUNC));
	return 0;
}

static void open_encode(struct jsonw *w, const struct sg_event *ev)
{
	path_encode(w, ev);
	jw_key(w, "flags");
	encode_open_flags(w, ev->file.flags);
	jw_key(w, "mode");
	jw_uint(w, ev->file.mode);
	jw_key(w, "write");
	jw_bool(w, ev->file.write);
	jw_obj_close(w);
}

static void open_message(struct sg_msg *m, const struct sg_event *ev)
{
	sg_msg_add(m, "%s %s", ev->file.write ? "wrote" : "opened", sg_msg_or(ev->file.path, "?"));
}

const struct sg_evtype sg_evtype_open = {
	.name = "open",
	.kernel = true,
	.pfields = SG_PFG_PROC | SG_PFG_PATH | SG_PFG_OPEN,
	.kfilter = SG_KF_PATH,
	.payload = sizeof(struct sg_file),
	.decode = open_decode,
	.encode = open_encode,
	.journal = path_journal,
	.message = open_message,
	.dedup_key = path_key,
	.dedup_keep = path_keep,
};

/* ---- rename ---- */

static int rename_decode(struct decoder *d, const struct sg_hdr *h, const void *payload,
			 struct sg_cursor *c, struct sg_event *ev)
{
	const struct sg_file *f = payload;

	if (file_decode(d, h, f, c, ev) < 0 ||
	    decode_path(d, c, f->path2_len, f->dir2_len, h->flags & SG_F_DIR2_UNRES, d->path2,
			&ev->file.new_path_resolved) < 0)
		return -EINVAL;
	ev->file.new_path = d->path2;
	return 0;
}

static void rename_encode(struct jsonw *w, const struct sg_event *ev)
{
	path_encode(w, ev);
	jw_key(w, "new_path");
	jw_str(w, ev->file.new_path);
	jw_key(w, "new_resolved");
	jw_bool(w, ev->file.new_path_resolved);
	jw_key(w, "flags");
	jw_uint(w, ev->file.flags);
	jw_obj_close(w);
}

static void rename_journal(struct journal_entry *e, const struct sg_event *ev)
{
	journal_add_str(e, "SYSGUARD_PATH", ev->file.path);
	journal_add_str(e, "SYSGUARD_NEW_PATH", ev->file.new_path);
}

static void rename_message(struct sg_msg *m, const struct sg_event *ev)
{
	sg_msg_add(m, "renamed %s to %s", sg_msg_or(ev->file.path, "?"),
		   sg_msg_or(ev->file.new_path, "?"));
}

static uint64_t rename_key(uint64_t h, const struct sg_event *ev)
{
	return dedup_hash_str(dedup_hash_str(h, ev->file.path), ev->file.new_path);
}

static void rename_keep(struct dedup_keep *k, struct sg_event *e)
{
	dedup_keep_str(k, &e->file.path, true);
	dedup_keep_str(k, &e->file.new_path, true);
	dedup_keep_str(k, &e->proc.exe, false);
}

const struct sg_evtype sg_evtype_rename = {
	.name = "rename",
	.kernel = true,
	.pfields = SG_PFG_PROC | SG_PFG_PATH | SG_PFG_NEWPATH,
	.kfilter = SG_KF_KIND,
	.payload = sizeof(struct sg_file),
	.decode = rename_decode,
	.encode = rename_encode,
	.journal = rename_journal,
	.message = rename_message,
	.dedup_key = rename_key,
	.dedup_keep = rename_keep,
};

/* ---- unlink ---- */

static int unlink_decode(struct decoder *d, const struct sg_hdr *h, const void *payload,
			 struct sg_cursor *c, struct sg_event *ev)
{
	const struct sg_file *f = payload;

	if (file_decode(d, h, f, c, ev) < 0)
		return -EINVAL;
	ev->file.dir = f->flags & AT_REMOVEDIR;
	return 0;
}

static void unlink_encode(struct jsonw *w, const struct sg_event *ev)
{
	path_encode(w, ev);
	jw_key(w, "dir");
	jw_bool(w, ev->file.dir);
	jw_obj_close(w);
}

static void unlink_message(struct sg_msg *m, const struct sg_event *ev)
{
	sg_msg_add(m, "removed %s%s", ev->file.dir ? "directory " : "", sg_msg_or(ev->file.path, "?"));
}

const struct sg_evtype sg_evtype_unlink = {
	.name = "unlink",
	.kernel = true,
	.pfields = SG_PFG_PROC | SG_PFG_PATH,
	.kfilter = SG_KF_KIND,
	.payload = sizeof(struct sg_file),
	.decode = unlink_decode,
	.encode = unlink_encode,
	.journal = path_journal,
	.message = unlink_message,
	.dedup_key = path_key,
	.dedup_keep = path_keep,
};

/* ---- chmod: chmod, fchmod, fchmodat, fchmodat2 ---- */

static int chmod_decode(struct decoder *d, const struct sg_hdr *h, const void *payload,
			struct sg_cursor *c, struct sg_event *ev)
{
	const struct sg_file *f = payload;

	if (f->path_len || !f->dir_len)
		return file_decode(d, h, f, c, ev);
	/* fchmod: no path; the walk of its fd is the file itself */
	return walk_decode(d, h, f, c, ev);
}

static void chmod_encode(struct jsonw *w, const struct sg_event *ev)
{
	uint32_t mode = ev->file.mode & 07777;
	char octal[8];

	for (int i = 3; i >= 0; i--, mode >>= 3)
		octal[i] = '0' + (mode & 7);
	octal[4] = '\0';
	mode = ev->file.mode;
	path_encode(w, ev);
	jw_key(w, "mode");
	jw_uint(w, mode & 07777);
	jw_key(w, "mode_octal");
	jw_name(w, octal);
	jw_key(w, "setuid");
	jw_bool(w, mode & S_ISUID);
	jw_key(w, "setgid");
	jw_bool(w, mode & S_ISGID);
	jw_key(w, "sticky");
	jw_bool(w, mode & S_ISVTX);
	jw_key(w, "exec");
	jw_bool(w, mode & (S_IXUSR | S_IXGRP | S_IXOTH));
	if (ev->file.flags) {
		jw_key(w, "flags");
		jw_uint(w, ev->file.flags);
	}
	jw_obj_close(w);
}

static void chmod_journal(struct journal_entry *e, const struct sg_event *ev)
{
	journal_add_str(e, "SYSGUARD_PATH", ev->file.path);
	journal_add(e, "SYSGUARD_MODE", "%04o", ev->file.mode & 07777);
}

static void chmod_message(struct sg_msg *m, const struct sg_event *ev)
{
	uint32_t mode = ev->file.mode;

	sg_msg_add(m, "changed the mode of %s to %04o%s%s", sg_msg_or(ev->file.path, "?"),
		   mode & 07777, mode & S_ISUID ? " (set-uid)" : "",
		   mode & S_ISGID ? " (set-gid)" : "");
}

static uint64_t chmod_key(uint64_t h, const struct sg_event *ev)
{
	return dedup_hash(dedup_hash_str(h, ev->file.path), &ev->file.mode, sizeof(ev->file.mode));
}

const struct sg_evtype sg_evtype_chmod = {
	.name = "chmod",
	.kernel = true,
	.pfields = SG_PFG_PROC | SG_PFG_PATH | SG_PFG_MODE,
	.kfilter = SG_KF_KIND,
	.payload = sizeof(struct sg_file),
	.decode = chmod_decode,
	.encode = chmod_encode,
	.journal = chmod_journal,
	.message = chmod_message,
	.dedup_key = chmod_key,
	.dedup_keep = path_keep,
};

/* ---- io_uring: a ring created (its operations are open, rename, ... events) ---- */

static int io_uring_decode(struct decoder *d, const struct sg_hdr *h, const void *payload,
			   struct sg_cursor *c, struct sg_event *ev)
{
	const struct sg_io_uring *u = payload;

	ev->io_uring.fd = u->fd;
	ev->io_uring.sq_entries = u->sq_entries;
	ev->io_uring.cq_entries = u->cq_entries;
	ev->io_uring.flags = u->flags;
	return 0;
}

static void io_uring_encode(struct jsonw *w, const struct sg_event *ev)
{
	jw_key(w, "io_uring");
	jw_obj_open(w);
	jw_key(w, "fd");
	jw_int(w, ev->io_uring.fd);
	jw_key(w, "sq_entries");
	jw_uint(w, ev->io_uring.sq_entries);
	jw_key(w, "cq_entries");
	jw_uint(w, ev->io_uring.cq_entries);
	jw_key(w, "flags");
	jw_uint(w, ev->io_uring.flags);
	jw_obj_close(w);
}

static void io_uring_message(struct sg_msg *m, const struct sg_event *ev)
{
	sg_msg_add(m, "created an io_uring instance (fd %d, %u entries)", ev->io_uring.fd,
		   ev->io_uring.sq_entries);
}

const struct sg_evtype sg_evtype_io_uring = {
	.name = "io_uring",
	.kernel = true,
	.pfields = SG_PFG_PROC,
	.kfilter = SG_KF_KIND,
	.payload = sizeof(struct sg_io_uring),
	.decode = io_uring_decode,
	.encode = io_uring_encode,
	.message = io_uring_message,
};
