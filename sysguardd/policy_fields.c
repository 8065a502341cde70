// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The fields a policy condition can test, one row each: its name, the kind
 * of its value, the group of event types that have it, the names of its
 * values (enumerations), and how the matcher reads its value from an event.
 * Adding a field is an FLD_* in policy_int.h and a row here.  The readers
 * run per event: they allocate nothing and look up the process, its
 * ancestors and the command lines at most once per event (struct ectx),
 * and only when a condition asks for them.
 */
#include <fcntl.h>
#include <string.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include "ctrmeta.h"
#include "policy_int.h"
#include "proctable.h"
#include "username.h"

/* ---- what reading a value looks up, once per event ---------------------- */

static const struct proc_entry *self_entry(struct ectx *c)
{
	if (!c->self_done) {
		c->self_done = true;
		c->self = c->ev->proc.entry;
		if (!c->self && c->l && c->l->get)
			c->self = c->l->get(c->l->arg, c->ev->proc.pid);
	}
	return c->self;
}

static void ancestors(struct ectx *c)
{
	const struct proc_entry *e, *self;

	if (c->nanc >= 0)
		return;
	c->nanc = 0;
	if (!c->l)
		return;
	self = self_entry(c);
	if (self && c->l->parent)
		e = c->l->parent(c->l->arg, self);
	else if (c->l->get && c->ev->proc.ppid)
		e = c->l->get(c->l->arg, c->ev->proc.ppid);
	else
		e = NULL;
	while (e && c->nanc < SG_ANCESTORS_MAX) {
		const struct proc_entry *next;

		c->anc[c->nanc++] = e;
		if (e->pid <= 1 || !c->l->parent)
			break;
		next = c->l->parent(c->l->arg, e);
		if (next == e || (next && next->pid == e->pid))
			break;
		e = next;
	}
}

static const struct proc_entry *parent_entry(struct ectx *c)
{
	ancestors(c);
	return c->nanc > 0 ? c->anc[0] : NULL;
}

static const char *base_name(const char *path)
{
	const char *s = strrchr(path, '/');

	return s ? s + 1 : path;
}

static const char *entry_name(const struct proc_entry *e)
{
	return e->exe ? base_name(e->exe) : e->comm;
}

static const char *proc_exe(struct ectx *c)
{
	const struct sg_event *ev = c->ev;
	const struct proc_entry *self;

	if (ev->proc.exe)
		return ev->proc.exe;
	self = self_entry(c);
	if (self && self->exe && ev->type != SG_EV_EXEC)
		return self->exe;
	if (ev->type == SG_EV_EXEC && ev->exec.filename)
		return ev->exec.filename;
	return NULL;
}

static void load_argv(struct ectx *c)
{
	const struct proc_entry *self;

	if (c->argv_done)
		return;
	c->argv_done = true;
	if (c->ev->type == SG_EV_EXEC && c->ev->exec.argv) {
		c->argv = c->ev->exec.argv;
		c->argv_len = c->ev->exec.argv_len;
	} else if ((self = self_entry(c)) && self->argv) {
		c->argv = self->argv;
		c->argv_len = self->argv_len;
	}
}

/* argv joined with single spaces into line (SG_ARGV_BYTES + 1); returns the length. */
static size_t join_argv(const char *argv, size_t argv_len, char *line)
{
	size_t n = argv_len < SG_ARGV_BYTES ? argv_len : SG_ARGV_BYTES;

	while (n && argv[n - 1] == '\0')
		n--;
	for (size_t i = 0; i < n; i++)
		line[i] = argv[i] ? argv[i] : ' ';
	line[n] = '\0';
	return n;
}

/* The command line: argv joined with single spaces. */
static const char *argv_line(struct ectx *c, size_t *len)
{
	if (!c->line_done) {
		c->line_done = true;
		load_argv(c);
		c->line_len = c->argv ? join_argv(c->argv, c->argv_len, c->line) : 0;
	}
	*len = c->line_len;
	return c->argv ? c->line : NULL;
}

/* The parent's command line, as the process table knows it. */
static const char *parent_line(struct ectx *c, size_t *len)
{
	const struct proc_entry *e = parent_entry(c);

	if (!e || !e->argv)
		return NULL;
	if (!c->pline_done) {
		c->pline_done = true;
		c->pline_len = join_argv(e->argv, e->argv_len, c->pline);
	}
	*len = c->pline_len;
	return c->pline;
}

/* ---- PK_STR: the values of a field -------------------------------------- */

static size_t one(const char **v, const char *s)
{
	v[0] = s;
	return s != NULL;
}

static size_t get_proc_exe(struct ectx *c, const char **v)
{
	return one(v, proc_exe(c));
}

static size_t get_proc_comm(struct ectx *c, const char **v)
{
	return one(v, c->ev->proc.comm);
}

static size_t get_proc_user(struct ectx *c, const char **v)
{
	return one(v, username_of(c->ev->proc.uid));
}

static size_t get_proc_name(struct ectx *c, const char **v)
{
	const char *s = proc_exe(c);

	return one(v, s ? base_name(s) : c->ev->proc.comm);
}

enum { L_EXE, L_COMM, L_NAME };

/* The parent's (first) or every ancestor's exe, comm or name. */
static size_t lineage(struct ectx *c, const char **v, int what, bool first)
{
	size_t n = 0;

	ancestors(c);
	for (int i = 0; i < c->nanc; i++) {
		const struct proc_entry *e = c->anc[i];
		const char *s = what == L_EXE ? e->exe : what == L_COMM ? e->comm : entry_name(e);

		if (s)
			v[n++] = s;
		if (first)
			break;
	}
	return n;
}

static size_t get_parent_exe(struct ectx *c, const char **v)
{
	return lineage(c, v, L_EXE, true);
}

static size_t get_parent_comm(struct ectx *c, const char **v)
{
	return lineage(c, v, L_COMM, true);
}

static size_t get_parent_name(struct ectx *c, const char **v)
{
	return lineage(c, v, L_NAME, true);
}

static size_t get_anc_exe(struct ectx *c, const char **v)
{
	return lineage(c, v, L_EXE, false);
}

static size_t get_anc_comm(struct ectx *c, const char **v)
{
	return lineage(c, v, L_COMM, false);
}

static size_t get_anc_name(struct ectx *c, const char **v)
{
	return lineage(c, v, L_NAME, false);
}

/* A rename's path conditions see both paths. */
static size_t get_file_path(struct ectx *c, const char **v)
{
	const struct sg_event *ev = c->ev;
	size_t n = one(v, ev->file.path);

	if (ev->type == SG_EV_RENAME && ev->file.new_path)
		v[n++] = ev->file.new_path;
	return n;
}

/* The file a call makes, writes or acts on: a rename's new path, else the path. */
static size_t get_file_target(struct ectx *c, const char **v)
{
	const struct sg_event *ev = c->ev;

	return one(v, ev->type == SG_EV_RENAME ? ev->file.new_path : ev->file.path);
}

static size_t get_file_name(struct ectx *c, const char **v)
{
	const struct sg_event *ev = c->ev;
	size_t n = 0;

	if (ev->file.path)
		v[n++] = base_name(ev->file.path);
	if (ev->type == SG_EV_RENAME && ev->file.new_path)
		v[n++] = base_name(ev->file.new_path);
	return n;
}

static size_t get_file_new_path(struct ectx *c, const char **v)
{
	return c->ev->type == SG_EV_RENAME ? one(v, c->ev->file.new_path) : 0;
}

static size_t get_exec_filename(struct ectx *c, const char **v)
{
	return one(v, c->ev->exec.filename);
}

static size_t get_exec_cwd(struct ectx *c, const char **v)
{
	return one(v, c->ev->exec.cwd);
}

static size_t get_exec_loader_target(struct ectx *c, const char **v)
{
	return one(v, c->ev->exec.loader_target);
}

/* The names of the processes at the other end of stdio pipes from..to. */
static size_t pipe_peers(struct ectx *c, const char **v, int from, int to)
{
	const struct sg_event *ev = c->ev;
	size_t n = 0;

	for (int fd = from; fd <= to; fd++)
		if (ev->exec.has_stdio && ev->exec.stdio[fd].peer)
			v[n++] = entry_name(ev->exec.stdio[fd].peer);
	return n;
}

static size_t get_stdin_pipe_from(struct ectx *c, const char **v)
{
	return pipe_peers(c, v, 0, 0);
}

static size_t get_stdout_pipe_to(struct ectx *c, const char **v)
{
	return pipe_peers(c, v, 1, 2);
}

static size_t get_ptrace_target(struct ectx *c, const char **v)
{
	const struct proc_entry *t = c->ev->ptrace.target_entry;

	return one(v, t ? entry_name(t) : NULL);
}

static size_t get_result_error(struct ectx *c, const char **v)
{
	const struct sg_event *ev = c->ev;
	const char *name;

	if (!ev->has_result || ev->result >= 0)
		return 0;
	name = strerrorname_np(-ev->result);
	return name ? one(v, name) : 0;
}

static size_t get_mount_source(struct ectx *c, const char **v)
{
	return one(v, c->ev->mount.source);
}

static size_t get_mount_target(struct ectx *c, const char **v)
{
	return one(v, c->ev->mount.target);
}

static size_t get_mount_fstype(struct ectx *c, const char **v)
{
	return one(v, c->ev->mount.fstype);
}

static size_t get_module_path(struct ectx *c, const char **v)
{
	return one(v, c->ev->module.path);
}

/* ---- PK_ARGV ------------------------------------------------------------ */

static const char *get_proc_argv(struct ectx *c, bool line, size_t *len)
{
	if (line)
		return argv_line(c, len);
	load_argv(c);
	*len = c->argv_len;
	return c->argv;
}

static const char *get_parent_argv(struct ectx *c, bool line, size_t *len)
{
	const struct proc_entry *e;

	if (line)
		return parent_line(c, len);
	e = parent_entry(c);
	if (!e || !e->argv)
		return NULL;
	*len = e->argv_len;
	return e->argv;
}

/* ---- PK_NUM ------------------------------------------------------------- */

static bool get_proc_uid(struct ectx *c, uint32_t *v)
{
	*v = c->ev->proc.uid;
	return true;
}

static bool get_proc_gid(struct ectx *c, uint32_t *v)
{
	*v = c->ev->proc.gid;
	return true;
}

static bool get_proc_pid(struct ectx *c, uint32_t *v)
{
	*v = c->ev->proc.pid;
	return true;
}

static bool get_proc_ppid(struct ectx *c, uint32_t *v)
{
	*v = c->ev->proc.ppid;
	return true;
}

static bool inet(const struct sg_event *ev)
{
	return ev->net.family == AF_INET || ev->net.family == AF_INET6;
}

static bool get_net_port(struct ectx *c, uint32_t *v)
{
	if (!inet(c->ev))
		return false;
	*v = c->ev->net.port;
	return true;
}

static bool get_file_mode(struct ectx *c, uint32_t *v)
{
	*v = c->ev->file.mode & 07777;
	return true;
}

static bool get_cred_new_uid(struct ectx *c, uint32_t *v)
{
	*v = c->ev->cred.new_uid;
	return true;
}

static bool get_cred_new_euid(struct ectx *c, uint32_t *v)
{
	*v = c->ev->cred.new_euid;
	return true;
}

static bool get_bpf_prog_type(struct ectx *c, uint32_t *v)
{
	*v = c->ev->bpf.prog_type;
	return true;
}

/* ---- PK_ADDR ------------------------------------------------------------ */

static const uint8_t *get_net_addr(struct ectx *c, int *family)
{
	if (!inet(c->ev))
		return NULL;
	*family = c->ev->net.family;
	return c->ev->net.addr;
}

/* ---- PK_ENUM, PK_BOOL: bit i is value i (PK_BOOL: false, true) ---------- */

static uint32_t bool_bits(bool b)
{
	return b ? 2 : 1;
}

static uint32_t get_event(struct ectx *c)
{
	return c->evmask;
}

static uint32_t get_net_family(struct ectx *c)
{
	int f = c->ev->net.family;

	return f == AF_INET ? 1 : f == AF_INET6 ? 2 : f == AF_UNIX ? 4 : 0;
}

static uint32_t get_net_proto(struct ectx *c)
{
	const struct sg_event *ev = c->ev;

	if (!inet(ev))
		return 0;
	if (ev->net.protocol == IPPROTO_TCP ||
	    (!ev->net.protocol && ev->net.sock_type == SOCK_STREAM))
		return 1;
	if (ev->net.protocol == IPPROTO_UDP ||
	    (!ev->net.protocol && ev->net.sock_type == SOCK_DGRAM))
		return 2;
	return 0;
}

static uint32_t get_result(struct ectx *c)
{
	return bool_bits(c->ev->has_result && c->ev->result < 0);
}

static uint32_t get_file_write(struct ectx *c)
{
	return bool_bits(c->ev->file.write);
}

static uint32_t get_file_trunc(struct ectx *c)
{
	return bool_bits(c->ev->file.flags & O_TRUNC);
}

static uint32_t get_file_setuid(struct ectx *c)
{
	return bool_bits(c->ev->file.mode & S_ISUID);
}

static uint32_t get_file_setgid(struct ectx *c)
{
	return bool_bits(c->ev->file.mode & S_ISGID);
}

static uint32_t get_file_exec(struct ectx *c)
{
	return bool_bits(c->ev->file.mode & (S_IXUSR | S_IXGRP | S_IXOTH));
}

static uint32_t stdio_bits(struct ectx *c, int fd)
{
	return c->ev->exec.has_stdio ? 1u << c->ev->exec.stdio[fd].kind : 0;
}

static uint32_t get_stdin(struct ectx *c)
{
	return stdio_bits(c, 0);
}

static uint32_t get_stdout(struct ectx *c)
{
	return stdio_bits(c, 1);
}

static uint32_t get_stderr(struct ectx *c)
{
	return stdio_bits(c, 2);
}

static uint32_t get_stdio(struct ectx *c)
{
	return stdio_bits(c, 0) | stdio_bits(c, 1) | stdio_bits(c, 2);
}

static uint32_t get_exec_fileless(struct ectx *c)
{
	const char *s = c->ev->exec.fileless;

	return !s ? 0 : !strcmp(s, "memfd") ? 1 : 2;
}

static uint32_t get_exec_via(struct ectx *c)
{
	const char *s = c->ev->exec.via;

	return !s ? 0 : !strcmp(s, "fd") ? 1 : 2;
}

static uint32_t get_ptrace_request(struct ectx *c)
{
	int r = sg_ptrace_req(c->ev->ptrace.request);

	return r < 0 ? 0 : 1u << r;
}

static uint32_t get_cred_gain_root(struct ectx *c)
{
	return bool_bits(sg_cred_gains_root(c->ev));
}

static uint32_t get_module_from_memory(struct ectx *c)
{
	return bool_bits(c->ev->syscall == SG_SC_INIT_MODULE);
}

static uint32_t get_via(struct ectx *c)
{
	return bool_bits(c->ev->kflags & SG_F_IO_URING);
}

/* ---- where the process runs ---------------------------------------------- */

static uint32_t get_ctr_host(struct ectx *c)
{
	int w = c->ev->ctr.where;

	return w == SG_WHERE_HOST ? bool_bits(true) : w == SG_WHERE_CONTAINER ? bool_bits(false) : 0;
}

static const struct ctr_info *ctr_info(struct ectx *c)
{
	return c->ev->ctr.where == SG_WHERE_CONTAINER ? c->ev->ctr.info : NULL;
}

/* A string of the container's; none on the host, and none when empty (not known). */
static size_t ctr_str(const char **v, const char *s)
{
	return one(v, s && *s ? s : NULL);
}

static size_t get_ctr_id(struct ectx *c, const char **v)
{
	return ctr_str(v, c->ev->ctr.where == SG_WHERE_CONTAINER ? c->ev->ctr.id : NULL);
}

static size_t get_ctr_name(struct ectx *c, const char **v)
{
	return ctr_str(v, c->ev->ctr.where == SG_WHERE_CONTAINER ? c->ev->ctr.name : NULL);
}

static size_t get_ctr_image(struct ectx *c, const char **v)
{
	return ctr_str(v, c->ev->ctr.where == SG_WHERE_CONTAINER ? c->ev->ctr.image : NULL);
}

static size_t get_ctr_runtime(struct ectx *c, const char **v)
{
	return ctr_str(v, c->ev->ctr.where == SG_WHERE_CONTAINER ? c->ev->ctr.runtime : NULL);
}

static size_t get_ctr_image_id(struct ectx *c, const char **v)
{
	const struct ctr_info *ci = ctr_info(c);

	return ctr_str(v, ci ? ci->image_id : NULL);
}

static uint32_t get_ctr_privileged(struct ectx *c)
{
	const struct ctr_info *ci = ctr_info(c);

	return ci && ci->privileged >= 0 ? bool_bits(ci->privileged) : 0;
}

static size_t get_ctr_label(struct ectx *c, const char **v)
{
	const struct ctr_info *ci = ctr_info(c);

	return ctr_str(v, ci && c->key ? ctrmeta_label(ci, c->key) : NULL);
}

static size_t get_k8s_pod(struct ectx *c, const char **v)
{
	const struct ctr_info *ci = ctr_info(c);

	return ctr_str(v, ci ? ci->pod : NULL);
}

static size_t get_k8s_namespace(struct ectx *c, const char **v)
{
	const struct ctr_info *ci = ctr_info(c);

	return ctr_str(v, ci ? ci->pod_namespace : NULL);
}

static size_t get_k8s_container(struct ectx *c, const char **v)
{
	const struct ctr_info *ci = ctr_info(c);

	return ctr_str(v, ci ? ci->k8s_container : NULL);
}

static size_t get_file_host_path(struct ectx *c, const char **v)
{
	return one(v, c->ev->file.host_path);
}

static size_t get_net_unix_path(struct ectx *c, const char **v)
{
	return one(v, c->ev->net.family == AF_UNIX ? c->ev->net.unix_path : NULL);
}

static uint32_t get_exec_drift(struct ectx *c)
{
	int d = sg_exec_drift(c->ev);

	return d < 0 ? 0 : bool_bits(d);
}

static uint32_t get_lifecycle_op(struct ectx *c)
{
	return c->ev->type == SG_EV_CONTAINER ? 1u << c->ev->lifecycle.op : 0;
}

/* ---- namespaces ----------------------------------------------------------- */

static bool num_known(uint32_t x, uint32_t *v)
{
	*v = x;
	return x != 0;
}

static bool get_proc_vpid(struct ectx *c, uint32_t *v)
{
	return num_known(c->ev->proc.vpid, v);
}

static bool get_proc_pidns(struct ectx *c, uint32_t *v)
{
	return num_known(c->ev->proc.pidns, v);
}

static bool get_proc_mntns(struct ectx *c, uint32_t *v)
{
	return num_known(c->ev->proc.mntns, v);
}

static bool get_proc_netns(struct ectx *c, uint32_t *v)
{
	return num_known(c->ev->proc.netns, v);
}

static bool get_proc_userns(struct ectx *c, uint32_t *v)
{
	return num_known(c->ev->proc.userns, v);
}

static uint32_t hostns_bit(struct ectx *c, uint8_t kind)
{
	return c->ev->proc.mntns ? bool_bits(c->ev->proc.hostns & kind) : 0;
}

static uint32_t get_hostns_pid(struct ectx *c)
{
	return hostns_bit(c, SG_NS_PID);
}

static uint32_t get_hostns_mnt(struct ectx *c)
{
	return hostns_bit(c, SG_NS_MNT);
}

static uint32_t get_hostns_net(struct ectx *c)
{
	return hostns_bit(c, SG_NS_NET);
}

static uint32_t get_hostns_user(struct ectx *c)
{
	return hostns_bit(c, SG_NS_USER);
}

/* ---- the names of enumerated values ------------------------------------- */

/* The policy's event names: the kernel's types, and 'write' (a writing open). */
static const char *event_name(int bit)
{
	const struct sg_evtype *t;

	if (bit == 31)
		return "write";
	t = sg_evtype(bit);
	return t && sg_type_judged(bit) ? t->name : NULL;
}

/* bit 0 tcp, bit 1 udp: the names the protocol uses too */
static const char *proto_name(int bit)
{
	return bit == 0 ? addr_proto_name(IPPROTO_TCP) : bit == 1 ? addr_proto_name(IPPROTO_UDP) :
	       NULL;
}

static const char *const family_names[] = { "inet", "inet6", "unix" };
static const char *const lifecycle_names[] = { "start", "found", "stop" }; /* enum container_op */
static const char *const result_names[] = { "success", "failure" };
static const char *const fileless_names[] = { "memfd", "deleted" };
static const char *const exec_via_names[] = { "fd", "loader" };
static const char *const submit_names[] = { "syscall", "io_uring" };

#define NAMES(a) .names = (a), .nnames = sizeof(a) / sizeof((a)[0])
#define FDKIND_NAMES .names = sg_fdkind_names, .nnames = SG_FD_MAX

/* ---- the table ------------------------------------------------------------ */

const struct pfield_desc policy_fields[FLD_MAX] = {
	[FLD_EVENT] = { "event", PK_ENUM, SG_PFG_PROC, .get.bits = get_event,
			.name_of = event_name },
	[FLD_PROC_EXE] = { "proc.exe", PK_STR, SG_PFG_PROC, .get.strs = get_proc_exe },
	[FLD_PROC_COMM] = { "proc.comm", PK_STR, SG_PFG_PROC, .get.strs = get_proc_comm },
	[FLD_PROC_NAME] = { "proc.name", PK_STR, SG_PFG_PROC, .get.strs = get_proc_name },
	[FLD_PROC_ARGV] = { "proc.argv", PK_ARGV, SG_PFG_PROC, .get.argv = get_proc_argv },
	[FLD_PROC_UID] = { "proc.uid", PK_NUM, SG_PFG_PROC, .get.num = get_proc_uid },
	[FLD_PROC_USER] = { "proc.user", PK_STR, SG_PFG_PROC, .get.strs = get_proc_user },
	[FLD_PROC_GID] = { "proc.gid", PK_NUM, SG_PFG_PROC, .get.num = get_proc_gid },
	[FLD_PROC_PID] = { "proc.pid", PK_NUM, SG_PFG_PROC, .get.num = get_proc_pid },
	[FLD_PROC_PPID] = { "proc.ppid", PK_NUM, SG_PFG_PROC, .get.num = get_proc_ppid },
	[FLD_PARENT_EXE] = { "parent.exe", PK_STR, SG_PFG_PROC, PF_LINEAGE,
			     .get.strs = get_parent_exe },
	[FLD_PARENT_COMM] = { "parent.comm", PK_STR, SG_PFG_PROC, PF_LINEAGE,
			      .get.strs = get_parent_comm },
	[FLD_PARENT_NAME] = { "parent.name", PK_STR, SG_PFG_PROC, PF_LINEAGE,
			      .get.strs = get_parent_name },
	[FLD_PARENT_ARGV] = { "parent.argv", PK_ARGV, SG_PFG_PROC, PF_LINEAGE,
			      .get.argv = get_parent_argv },
	[FLD_ANC_EXE] = { "ancestor.exe", PK_STR, SG_PFG_PROC, PF_LINEAGE,
			  .get.strs = get_anc_exe },
	[FLD_ANC_COMM] = { "ancestor.comm", PK_STR, SG_PFG_PROC, PF_LINEAGE,
			   .get.strs = get_anc_comm },
	[FLD_ANC_NAME] = { "ancestor.name", PK_STR, SG_PFG_PROC, PF_LINEAGE,
			   .get.strs = get_anc_name },
	[FLD_FILE_PATH] = { "file.path", PK_STR, SG_PFG_PATH, .get.strs = get_file_path },
	[FLD_FILE_NEW_PATH] = { "file.new_path", PK_STR, SG_PFG_NEWPATH,
				.get.strs = get_file_new_path },
	[FLD_FILE_TARGET] = { "file.target", PK_STR, SG_PFG_PATH, .get.strs = get_file_target },
	[FLD_FILE_NAME] = { "file.name", PK_STR, SG_PFG_PATH, .get.strs = get_file_name },
	[FLD_FILE_HOST_PATH] = { "file.host_path", PK_STR, SG_PFG_PATH,
				 .get.strs = get_file_host_path },
	[FLD_FILE_WRITE] = { "file.write", PK_BOOL, SG_PFG_OPEN, .get.bits = get_file_write },
	[FLD_FILE_TRUNC] = { "file.trunc", PK_BOOL, SG_PFG_OPEN, .get.bits = get_file_trunc },
	[FLD_FILE_MODE] = { "file.mode", PK_NUM, SG_PFG_MODE, .get.num = get_file_mode },
	[FLD_FILE_SETUID] = { "file.setuid", PK_BOOL, SG_PFG_MODE, .get.bits = get_file_setuid },
	[FLD_FILE_SETGID] = { "file.setgid", PK_BOOL, SG_PFG_MODE, .get.bits = get_file_setgid },
	[FLD_FILE_EXEC] = { "file.exec", PK_BOOL, SG_PFG_MODE, .get.bits = get_file_exec },
	[FLD_NET_FAMILY] = { "net.family", PK_ENUM, SG_PFG_NET, .get.bits = get_net_family,
			     NAMES(family_names) },
	[FLD_NET_ADDR] = { "net.addr", PK_ADDR, SG_PFG_NET, .get.addr = get_net_addr },
	[FLD_NET_UNIX_PATH] = { "net.unix_path", PK_STR, SG_PFG_NET,
				.get.strs = get_net_unix_path },
	[FLD_NET_PORT] = { "net.port", PK_NUM, SG_PFG_NET, PF_PORT, .get.num = get_net_port },
	[FLD_NET_PROTO] = { "net.proto", PK_ENUM, SG_PFG_NET, .get.bits = get_net_proto,
			    .name_of = proto_name },
	[FLD_EXEC_FILENAME] = { "exec.filename", PK_STR, SG_PFG_EXEC,
				.get.strs = get_exec_filename },
	[FLD_EXEC_CWD] = { "exec.cwd", PK_STR, SG_PFG_EXEC, .get.strs = get_exec_cwd },
	[FLD_EXEC_FILELESS] = { "exec.fileless", PK_ENUM, SG_PFG_EXEC,
				.get.bits = get_exec_fileless, NAMES(fileless_names) },
	[FLD_EXEC_VIA] = { "exec.via", PK_ENUM, SG_PFG_EXEC, .get.bits = get_exec_via,
			   NAMES(exec_via_names) },
	[FLD_EXEC_LOADER_TARGET] = { "exec.loader_target", PK_STR, SG_PFG_EXEC,
				     .get.strs = get_exec_loader_target },
	[FLD_STDIN] = { "stdin", PK_ENUM, SG_PFG_EXEC, .get.bits = get_stdin, FDKIND_NAMES },
	[FLD_STDOUT] = { "stdout", PK_ENUM, SG_PFG_EXEC, .get.bits = get_stdout, FDKIND_NAMES },
	[FLD_STDERR] = { "stderr", PK_ENUM, SG_PFG_EXEC, .get.bits = get_stderr, FDKIND_NAMES },
	[FLD_STDIO] = { "stdio", PK_ENUM, SG_PFG_EXEC, .get.bits = get_stdio, FDKIND_NAMES },
	[FLD_STDIN_PIPE_FROM] = { "stdin.pipe_from", PK_STR, SG_PFG_EXEC,
				  .get.strs = get_stdin_pipe_from },
	[FLD_STDOUT_PIPE_TO] = { "stdout.pipe_to", PK_STR, SG_PFG_EXEC,
				 .get.strs = get_stdout_pipe_to },
	[FLD_PTRACE_REQUEST] = { "ptrace.request", PK_ENUM, SG_PFG_PTRACE,
				 .get.bits = get_ptrace_request, .names = sg_ptrace_req_names,
				 .nnames = SG_PTRACE_MAX },
	[FLD_PTRACE_TARGET] = { "ptrace.target", PK_STR, SG_PFG_PTRACE,
				.get.strs = get_ptrace_target },
	[FLD_CRED_GAIN_ROOT] = { "cred.gain_root", PK_BOOL, SG_PFG_CRED,
				 .get.bits = get_cred_gain_root },
	[FLD_CRED_NEW_UID] = { "cred.new_uid", PK_NUM, SG_PFG_CRED, .get.num = get_cred_new_uid },
	[FLD_CRED_NEW_EUID] = { "cred.new_euid", PK_NUM, SG_PFG_CRED,
				.get.num = get_cred_new_euid },
	[FLD_MOUNT_SOURCE] = { "mount.source", PK_STR, SG_PFG_MOUNT, .get.strs = get_mount_source },
	[FLD_MOUNT_TARGET] = { "mount.target", PK_STR, SG_PFG_MOUNT, .get.strs = get_mount_target },
	[FLD_MOUNT_FSTYPE] = { "mount.fstype", PK_STR, SG_PFG_MOUNT, .get.strs = get_mount_fstype },
	[FLD_MODULE_PATH] = { "module.path", PK_STR, SG_PFG_MODULE, .get.strs = get_module_path },
	[FLD_MODULE_FROM_MEMORY] = { "module.from_memory", PK_BOOL, SG_PFG_MODULE,
				     .get.bits = get_module_from_memory },
	[FLD_BPF_PROG_TYPE] = { "bpf.prog_type", PK_NUM, SG_PFG_BPF, .get.num = get_bpf_prog_type },
	[FLD_VIA] = { "via", PK_ENUM, SG_PFG_PROC, .get.bits = get_via, NAMES(submit_names) },
	[FLD_RESULT] = { "result", PK_ENUM, SG_PFG_PROC, .get.bits = get_result,
			 NAMES(result_names) },
	[FLD_RESULT_ERROR] = { "result.error", PK_STR, SG_PFG_PROC,
			       .get.strs = get_result_error },
	[FLD_CTR_HOST] = { "container.host", PK_BOOL, SG_PFG_PROC | SG_PFG_CTR, .get.bits = get_ctr_host },
	[FLD_CTR_ID] = { "container.id", PK_STR, SG_PFG_PROC | SG_PFG_CTR, .get.strs = get_ctr_id },
	[FLD_CTR_NAME] = { "container.name", PK_STR, SG_PFG_PROC | SG_PFG_CTR, .get.strs = get_ctr_name },
	[FLD_CTR_IMAGE] = { "container.image", PK_STR, SG_PFG_PROC | SG_PFG_CTR, .get.strs = get_ctr_image },
	[FLD_CTR_IMAGE_ID] = { "container.image_id", PK_STR, SG_PFG_PROC | SG_PFG_CTR,
			       .get.strs = get_ctr_image_id },
	[FLD_CTR_RUNTIME] = { "container.runtime", PK_STR, SG_PFG_PROC | SG_PFG_CTR,
			      .get.strs = get_ctr_runtime },
	[FLD_CTR_PRIVILEGED] = { "container.privileged", PK_BOOL, SG_PFG_PROC | SG_PFG_CTR,
				 .get.bits = get_ctr_privileged },
	[FLD_CTR_LABEL] = { "container.labels.", PK_STR, SG_PFG_PROC | SG_PFG_CTR, PF_KEYED,
			    .get.strs = get_ctr_label },
	[FLD_K8S_POD] = { "k8s.pod", PK_STR, SG_PFG_PROC | SG_PFG_CTR, .get.strs = get_k8s_pod },
	[FLD_K8S_NAMESPACE] = { "k8s.namespace", PK_STR, SG_PFG_PROC | SG_PFG_CTR,
				.get.strs = get_k8s_namespace },
	[FLD_K8S_CONTAINER] = { "k8s.container", PK_STR, SG_PFG_PROC | SG_PFG_CTR,
				.get.strs = get_k8s_container },
	[FLD_EXEC_DRIFT] = { "exec.drift", PK_BOOL, SG_PFG_EXEC, .get.bits = get_exec_drift },
	[FLD_LIFECYCLE_OP] = { "lifecycle.op", PK_ENUM, SG_PFG_LIFECYCLE,
			       .get.bits = get_lifecycle_op, NAMES(lifecycle_names) },
	[FLD_PROC_VPID] = { "proc.vpid", PK_NUM, SG_PFG_PROC, .get.num = get_proc_vpid },
	[FLD_PROC_PIDNS] = { "proc.pidns", PK_NUM, SG_PFG_PROC, .get.num = get_proc_pidns },
	[FLD_PROC_MNTNS] = { "proc.mntns", PK_NUM, SG_PFG_PROC, .get.num = get_proc_mntns },
	[FLD_PROC_NETNS] = { "proc.netns", PK_NUM, SG_PFG_PROC, .get.num = get_proc_netns },
	[FLD_PROC_USERNS] = { "proc.userns", PK_NUM, SG_PFG_PROC, .get.num = get_proc_userns },
	[FLD_HOSTNS_PID] = { "proc.hostns.pid", PK_BOOL, SG_PFG_PROC, .get.bits = get_hostns_pid },
	[FLD_HOSTNS_MNT] = { "proc.hostns.mnt", PK_BOOL, SG_PFG_PROC, .get.bits = get_hostns_mnt },
	[FLD_HOSTNS_NET] = { "proc.hostns.net", PK_BOOL, SG_PFG_PROC, .get.bits = get_hostns_net },
	[FLD_HOSTNS_USER] = { "proc.hostns.user", PK_BOOL, SG_PFG_PROC,
			      .get.bits = get_hostns_user },
};

uint32_t policy_field_events[FLD_MAX];

/* The policy event bits of the types that have a group of fields. */
static uint32_t group_events(uint32_t group)
{
	uint32_t m = 0;

	for (int t = 1; t < SG_EV_MAX; t++) {
		const struct sg_evtype *et = sg_evtype(t);

		if (et && sg_type_judged(t) && (et->pfields & group))
			m |= (1u << t) | (t == SG_EV_OPEN ? POLICY_EV_WRITE : 0);
	}
	return m;
}

/* Derived once, before main() and before any policy is read: the matcher reads it per event. */
__attribute__((constructor)) static void fields_init(void)
{
	for (int f = 0; f < FLD_MAX; f++)
		policy_field_events[f] = group_events(policy_fields[f].group);
}

int policy_field_find(const char *name, const char **key)
{
	*key = NULL;
	for (int f = 0; f < FLD_MAX; f++) {
		const char *n = policy_fields[f].name;

		if (!(policy_fields[f].flags & PF_KEYED)) {
			if (strcmp(n, name) == 0)
				return f;
		} else if (strncmp(n, name, strlen(n)) == 0 && name[strlen(n)]) {
			*key = name + strlen(n);
			return f;
		}
	}
	return -1;
}

const char *policy_enum_name(enum pfield f, int bit)
{
	const struct pfield_desc *fd = &policy_fields[f];

	if (bit < 0 || bit >= 32)
		return NULL;
	if (fd->name_of)
		return fd->name_of(bit);
	return (unsigned int)bit < fd->nnames ? fd->names[bit] : NULL;
}

int policy_events_names(uint32_t mask, const char **names, size_t max)
{
	size_t n = 0;

	for (int i = 0; i < 32; i++)
		if ((mask & (1u << i)) && event_name(i) && n < max)
			names[n++] = event_name(i);
	return (int)n;
}

size_t policy_ectx_ancestors(struct ectx *c, const struct proc_entry *const **ret)
{
	ancestors(c);
	*ret = c->anc;
	return (size_t)c->nanc;
}

uint64_t policy_field_hash(struct ectx *c, enum pfield f, const char *key, uint64_t h,
			   bool *present)
{
	const struct pfield_desc *fd = &policy_fields[f];
	const char *v[PFIELD_STRS_MAX], *s = NULL;
	const uint8_t *a;
	uint32_t num;
	size_t len = 0;
	int family;

	*present = false;
	if (policy_field_events[f] & c->evmask) {
		c->key = key;
		switch (fd->kind) {
		case PK_STR:
			if (fd->get.strs(c, v)) {
				s = v[0];
				len = strlen(s);
			}
			break;
		case PK_ARGV:
			s = fd->get.argv(c, true, &len);
			break;
		case PK_NUM:
			if (fd->get.num(c, &num)) {
				s = (const char *)&num;
				len = sizeof(num);
			}
			break;
		case PK_ADDR:
			a = fd->get.addr(c, &family);
			if (a) {
				h = corr_hash(h, &family, sizeof(family));
				s = (const char *)a;
				len = 16;
			}
			break;
		case PK_ENUM:
		case PK_BOOL:
			num = fd->get.bits(c);
			if (num) {
				s = (const char *)&num;
				len = sizeof(num);
			}
			break;
		}
	}
	if (!s)
		return corr_hash(h, "\xff", 1);
	*present = true;
	h = corr_hash(h, s, len);
	return corr_hash(h, "", 1); /* ends the value: "ab" + "c" is not "a" + "bc" */
}

size_t policy_field_string(struct ectx *c, enum pfield f, const char *key, char *buf,
			   size_t size)
{
	const struct pfield_desc *fd = &policy_fields[f];
	const char *v[PFIELD_STRS_MAX], *s = NULL;
	struct addr_cidr cidr;
	const uint8_t *a;
	uint32_t num, bits;
	size_t len = 0;
	int n = -1, family;

	buf[0] = '\0';
	if (!(policy_field_events[f] & c->evmask))
		return 0;
	c->key = key;
	switch (fd->kind) {
	case PK_STR:
		if (fd->get.strs(c, v))
			s = v[0];
		break;
	case PK_ARGV:
		s = fd->get.argv(c, true, &len);
		if (s)
			n = snprintf(buf, size, "%.*s", (int)len, s);
		s = NULL;
		break;
	case PK_NUM:
		if (fd->get.num(c, &num))
			n = snprintf(buf, size, "%u", num);
		break;
	case PK_ADDR:
		a = fd->get.addr(c, &family);
		if (a) {
			memset(&cidr, 0, sizeof(cidr));
			cidr.family = family;
			memcpy(cidr.addr, a, family == AF_INET ? 4 : 16);
			cidr.prefix = family == AF_INET ? 32 : 128;
			n = addr_format_cidr(&cidr, buf, size);
		}
		break;
	case PK_ENUM:
	case PK_BOOL:
		bits = fd->get.bits(c);
		for (int b = 0; b < 32 && !s; b++)
			if (bits & (1u << b))
				s = fd->kind == PK_BOOL ? (b ? "true" : "false") : policy_enum_name(f, b);
		break;
	}
	if (s)
		n = snprintf(buf, size, "%s", s);
	if (n < 0) {
		buf[0] = '\0';
		return 0;
	}
	return (size_t)n < size ? (size_t)n : size - 1;
}
