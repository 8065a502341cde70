// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The event types about privilege: ptrace (a process attaching to or writing
 * into another), setuid (a change of credentials), mount, module (a kernel
 * module loaded) and bpf (a BPF program loaded by another process than
 * sysguardd).  Their rows of the event table and what each row points at.
 */
#include <errno.h>
#include <string.h>
#include "decode.h"
#include "dedup.h"
#include "journal.h"
#include "jsonw.h"
#include "proctable.h"

#define PTRACE_ATTACH 16
#define PTRACE_SEIZE 0x4206

/* The target process, for a message or a JSON member. */
static void target_encode(struct jsonw *w, const struct sg_event *ev)
{
	const struct proc_entry *t = ev->ptrace.target_entry;

	jw_key(w, "target");
	jw_obj_open(w);
	jw_key(w, "pid");
	jw_uint(w, ev->ptrace.target);
	if (t) {
		jw_key(w, "comm");
		jw_str(w, t->comm);
		jw_key(w, "exe");
		jw_str(w, t->exe);
		jw_key(w, "uid");
		jw_uint(w, t->uid);
	}
	jw_obj_close(w);
}

/* ---- ptrace ---- */

const char *const sg_ptrace_req_names[SG_PTRACE_MAX] = {
	[SG_PTRACE_ATTACH] = "attach",
	[SG_PTRACE_SEIZE] = "seize",
	[SG_PTRACE_VM_WRITE] = "vm_write",
};

int sg_ptrace_req(uint32_t request)
{
	return request == PTRACE_ATTACH ? SG_PTRACE_ATTACH : request == PTRACE_SEIZE ?
	       SG_PTRACE_SEIZE : request == 0 ? SG_PTRACE_VM_WRITE : -1;
}

const char *sg_ptrace_request_name(uint32_t request)
{
	int r = sg_ptrace_req(request);

	return r < 0 ? "other" : sg_ptrace_req_names[r];
}

static int ptrace_decode(struct decoder *d, const struct sg_hdr *h, const void *payload,
			 struct sg_cursor *c, struct sg_event *ev)
{
	const struct sg_ptrace *p = payload;

	ev->has_result = true;
	ev->result = p->ret;
	ev->ptrace.request = h->syscall == SG_SC_PTRACE ? p->request : 0;
	ev->ptrace.target = p->target;
	ev->ptrace.target_entry = NULL;
	return 0;
}

static void ptrace_enrich(struct proctable *pt, struct sg_event *ev)
{
	ev->ptrace.target_entry = proctable_get(pt, ev->ptrace.target);
}

static void ptrace_encode(struct jsonw *w, const struct sg_event *ev)
{
	jw_key(w, "ptrace");
	jw_obj_open(w);
	jw_key(w, "request");
	jw_name(w, sg_ptrace_request_name(ev->ptrace.request));
	target_encode(w, ev);
	jw_obj_close(w);
}

static void ptrace_journal(struct journal_entry *e, const struct sg_event *ev)
{
	journal_add(e, "SYSGUARD_TARGET_PID", "%u", ev->ptrace.target);
}

static void ptrace_message(struct sg_msg *m, const struct sg_event *ev)
{
	const struct proc_entry *t = ev->ptrace.target_entry;

	sg_msg_add(m, "%s pid %u (%s)",
		   ev->ptrace.request ? "attached to" : "wrote into the memory of",
		   ev->ptrace.target, t ? sg_msg_or(t->exe, t->comm) : "?");
}

static uint64_t ptrace_key(uint64_t h, const struct sg_event *ev)
{
	h = dedup_hash(h, &ev->ptrace.request, sizeof(ev->ptrace.request));
	return dedup_hash(h, &ev->ptrace.target, sizeof(ev->ptrace.target));
}

static void ptrace_keep(struct dedup_keep *k, struct sg_event *e)
{
	e->ptrace.target_entry = NULL; /* may be gone by the summary */
	dedup_keep_str(k, &e->proc.exe, false);
}

const struct sg_evtype sg_evtype_ptrace = {
	.name = "ptrace",
	.kernel = true,
	.pfields = SG_PFG_PROC | SG_PFG_PTRACE,
	.kfilter = SG_KF_KIND,
	.payload = sizeof(struct sg_ptrace),
	.decode = ptrace_decode,
	.enrich = ptrace_enrich,
	.encode = ptrace_encode,
	.journal = ptrace_journal,
	.message = ptrace_message,
	.dedup_key = ptrace_key,
	.dedup_keep = ptrace_keep,
};

/* ---- setuid: setuid, setgid, setreuid, setregid, setresuid, setresgid ---- */

bool sg_cred_gains_root(const struct sg_event *ev)
{
	return (ev->cred.new_uid == 0 && ev->cred.old_uid != 0) ||
	       (ev->cred.new_euid == 0 && ev->cred.old_euid != 0);
}

static int setuid_decode(struct decoder *d, const struct sg_hdr *h, const void *payload,
			 struct sg_cursor *c, struct sg_event *ev)
{
	const struct sg_cred *cr = payload;

	ev->has_result = true;
	ev->result = cr->ret;
	ev->cred.old_uid = cr->old_uid;
	ev->cred.old_euid = cr->old_euid;
	ev->cred.old_gid = cr->old_gid;
	ev->cred.old_egid = cr->old_egid;
	ev->cred.new_uid = cr->new_uid;
	ev->cred.new_euid = cr->new_euid;
	ev->cred.new_gid = cr->new_gid;
	ev->cred.new_egid = cr->new_egid;
	return 0;
}

static void ids(struct jsonw *w, uint32_t uid, uint32_t euid, uint32_t gid, uint32_t egid)
{
	jw_obj_open(w);
	jw_key(w, "uid");
	jw_uint(w, uid);
	jw_key(w, "euid");
	jw_uint(w, euid);
	jw_key(w, "gid");
	jw_uint(w, gid);
	jw_key(w, "egid");
	jw_uint(w, egid);
	jw_obj_close(w);
}

static void setuid_encode(struct jsonw *w, const struct sg_event *ev)
{
	jw_key(w, "cred");
	jw_obj_open(w);
	jw_key(w, "old");
	ids(w, ev->cred.old_uid, ev->cred.old_euid, ev->cred.old_gid, ev->cred.old_egid);
	jw_key(w, "new");
	ids(w, ev->cred.new_uid, ev->cred.new_euid, ev->cred.new_gid, ev->cred.new_egid);
	jw_key(w, "gain_root");
	jw_bool(w, sg_cred_gains_root(ev));
	jw_obj_close(w);
}

static void setuid_journal(struct journal_entry *e, const struct sg_event *ev)
{
	journal_add(e, "SYSGUARD_NEW_UID", "%u", ev->cred.new_uid);
	journal_add(e, "SYSGUARD_NEW_EUID", "%u", ev->cred.new_euid);
}

static void setuid_message(struct sg_msg *m, const struct sg_event *ev)
{
	sg_msg_add(m, "changed its ids from uid %u euid %u to uid %u euid %u%s", ev->cred.old_uid,
		   ev->cred.old_euid, ev->cred.new_uid, ev->cred.new_euid,
		   sg_cred_gains_root(ev) ? " (gained root)" : "");
}

static uint64_t setuid_key(uint64_t h, const struct sg_event *ev)
{
	return dedup_hash(h, &ev->cred, sizeof(ev->cred));
}

const struct sg_evtype sg_evtype_setuid = {
	.name = "setuid",
	.kernel = true,
	.pfields = SG_PFG_PROC | SG_PFG_CRED,
	.kfilter = SG_KF_KIND,
	.payload = sizeof(struct sg_cred),
	.decode = setuid_decode,
	.encode = setuid_encode,
	.journal = setuid_journal,
	.message = setuid_message,
	.dedup_key = setuid_key,
};

/* ---- mount ---- */

static int mount_decode(struct decoder *d, const struct sg_hdr *h, const void *payload,
			struct sg_cursor *c, struct sg_event *ev)
{
	const struct sg_mount *m = payload;

	ev->has_result = true;
	ev->result = m->ret;
	ev->mount.flags = m->flags;
	if (decode_str(c, m->src_len, d->path2, sizeof(d->path2)) < 0 ||
	    decode_path(d, c, m->path_len, m->dir_len, h->flags & SG_F_DIR_UNRES, d->path,
			&ev->mount.target_resolved) < 0 ||
	    decode_str(c, m->type_len, d->filename, sizeof(d->filename)) < 0)
		return -EINVAL;
	ev->mount.source = m->src_len ? d->path2 : NULL;
	ev->mount.target = d->path;
	ev->mount.fstype = m->type_len ? d->filename : NULL;
	return 0;
}

static void mount_encode(struct jsonw *w, const struct sg_event *ev)
{
	jw_key(w, "mount");
	jw_obj_open(w);
	jw_key(w, "source");
	jw_str(w, ev->mount.source);
	jw_key(w, "target");
	jw_str(w, ev->mount.target);
	jw_key(w, "fstype");
	jw_str(w, ev->mount.fstype);
	jw_key(w, "flags");
	jw_uint(w, ev->mount.flags);
	jw_obj_close(w);
}

static void mount_journal(struct journal_entry *e, const struct sg_event *ev)
{
	journal_add_str(e, "SYSGUARD_PATH", ev->mount.target);
}

static void mount_message(struct sg_msg *m, const struct sg_event *ev)
{
	sg_msg_add(m, "mounted %s on %s (%s)", sg_msg_or(ev->mount.source, "-"),
		   sg_msg_or(ev->mount.target, "?"), sg_msg_or(ev->mount.fstype, "-"));
}

static uint64_t mount_key(uint64_t h, const struct sg_event *ev)
{
	return dedup_hash_str(dedup_hash_str(h, ev->mount.source), ev->mount.target);
}

static void mount_keep(struct dedup_keep *k, struct sg_event *e)
{
	dedup_keep_str(k, &e->mount.target, true);
	dedup_keep_str(k, &e->mount.source, false);
	dedup_keep_str(k, &e->mount.fstype, false);
	dedup_keep_str(k, &e->proc.exe, false);
}

const struct sg_evtype sg_evtype_mount = {
	.name = "mount",
	.kernel = true,
	.pfields = SG_PFG_PROC | SG_PFG_MOUNT,
	.kfilter = SG_KF_KIND,
	.payload = sizeof(struct sg_mount),
	.decode = mount_decode,
	.encode = mount_encode,
	.journal = mount_journal,
	.message = mount_message,
	.dedup_key = mount_key,
	.dedup_keep = mount_keep,
};

/* ---- module: init_module, finit_module ---- */

static int module_decode(struct decoder *d, const struct sg_hdr *h, const void *payload,
			 struct sg_cursor *c, struct sg_event *ev)
{
	const struct sg_module *m = payload;
	const char *s;

	ev->has_result = true;
	ev->result = m->ret;
	ev->module.flags = m->flags;
	ev->module.path = NULL;
	if (!m->path_len)
		return 0;
	if (h->flags & SG_F_DIR_UNRES)
		return decode_take(c, m->path_len, &s);
	if (decode_walk(c, m->path_len, d->path, sizeof(d->path)) < 0)
		return -EINVAL;
	ev->module.path = d->path;
	return 0;
}

static void module_encode(struct jsonw *w, const struct sg_event *ev)
{
	jw_key(w, "module");
	jw_obj_open(w);
	jw_key(w, "path");
	jw_str(w, ev->module.path);
	jw_key(w, "from_memory");
	jw_bool(w, ev->syscall == SG_SC_INIT_MODULE);
	jw_key(w, "flags");
	jw_uint(w, ev->module.flags);
	jw_obj_close(w);
}

static void module_journal(struct journal_entry *e, const struct sg_event *ev)
{
	journal_add_str(e, "SYSGUARD_PATH", ev->module.path);
}

static void module_message(struct sg_msg *m, const struct sg_event *ev)
{
	if (ev->syscall == SG_SC_INIT_MODULE)
		sg_msg_add(m, "loaded a kernel module from memory");
	else
		sg_msg_add(m, "loaded the kernel module %s", sg_msg_or(ev->module.path, "?"));
}

static uint64_t module_key(uint64_t h, const struct sg_event *ev)
{
	return dedup_hash_str(h, ev->module.path);
}

static void module_keep(struct dedup_keep *k, struct sg_event *e)
{
	dedup_keep_str(k, &e->module.path, true);
	dedup_keep_str(k, &e->proc.exe, false);
}

const struct sg_evtype sg_evtype_module = {
	.name = "module",
	.kernel = true,
	.pfields = SG_PFG_PROC | SG_PFG_MODULE,
	.kfilter = SG_KF_KIND,
	.payload = sizeof(struct sg_module),
	.decode = module_decode,
	.encode = module_encode,
	.journal = module_journal,
	.message = module_message,
	.dedup_key = module_key,
	.dedup_keep = module_keep,
};

/* ---- bpf: program loads ---- */

static int bpf_decode(struct decoder *d, const struct sg_hdr *h, const void *payload,
		      struct sg_cursor *c, struct sg_event *ev)
{
	const struct sg_bpf *b = payload;

	ev->has_result = true;
	ev->result = b->ret;
	ev->bpf.cmd = b->cmd;
	ev->bpf.prog_type = b->prog_type;
	if (b->name_len > 16 || decode_str(c, b->name_len, d->filename, sizeof(d->filename)) < 0)
		return -EINVAL;
	ev->bpf.prog_name = d->filename;
	return 0;
}

static void bpf_encode(struct jsonw *w, const struct sg_event *ev)
{
	jw_key(w, "bpf");
	jw_obj_open(w);
	jw_key(w, "cmd");
	jw_name(w, "prog_load");
	jw_key(w, "prog_type");
	jw_uint(w, ev->bpf.prog_type);
	jw_key(w, "prog_name");
	jw_str(w, ev->bpf.prog_name);
	jw_obj_close(w);
}

static void bpf_message(struct sg_msg *m, const struct sg_event *ev)
{
	sg_msg_add(m, "loaded a BPF program '%s' of type %u", sg_msg_or(ev->bpf.prog_name, ""),
		   ev->bpf.prog_type);
}

static uint64_t bpf_key(uint64_t h, const struct sg_event *ev)
{
	h = dedup_hash(h, &ev->bpf.prog_type, sizeof(ev->bpf.prog_type));
	return dedup_hash_str(h, ev->bpf.prog_name);
}

static void bpf_keep(struct dedup_keep *k, struct sg_event *e)
{
	dedup_keep_str(k, &e->bpf.prog_name, true);
	dedup_keep_str(k, &e->proc.exe, false);
}

const struct sg_evtype sg_evtype_bpf = {
	.name = "bpf",
	.kernel = true,
	.pfields = SG_PFG_PROC | SG_PFG_BPF,
	.kfilter = SG_KF_KIND,
	.payload = sizeof(struct sg_bpf),
	.decode = bpf_decode,
	.encode = bpf_encode,
	.message = bpf_message,
	.dedup_key = bpf_key,
	.dedup_keep = bpf_keep,
};
