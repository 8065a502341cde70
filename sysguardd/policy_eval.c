// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The matcher: gives an event its verdict from a compiled policy.  Exclusions
 * first, then the enabled rules indexed for the event's type in policy order;
 * the first rule whose match holds and none of whose exceptions hold wins.
 * Values an operator needs (the parent, the ancestors, the joined command
 * line) are looked up once per event and only when a rule asks.  Nothing is
 * allocated; the only writes to the policy are its counters.
 */
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include "policy_int.h"
#include "proctable.h"

struct ectx {
	const struct policy *p;
	struct sg_event *ev;
	const struct policy_lineage *l;
	uint32_t evmask;
	bool self_done;
	const struct proc_entry *self;
	int nanc;                /* -1: not looked up yet */
	const struct proc_entry *anc[SG_ANCESTORS_MAX];
	bool argv_done;
	const char *argv;
	size_t argv_len;
	bool line_done;
	size_t line_len;
	char line[SG_ARGV_BYTES + 1];
	bool pline_done;         /* the parent's command line */
	size_t pline_len;
	char pline[SG_ARGV_BYTES + 1];
};

uint32_t policy_event_mask(const struct sg_event *ev)
{
	uint32_t m;

	if (ev->type <= 0 || ev->type >= SG_EV_KERNEL_MAX)
		return 0;
	m = 1u << ev->type;
	if (ev->type == SG_EV_OPEN && ev->file.write)
		m |= POLICY_EV_WRITE;
	return m;
}

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

static const struct proc_entry *parent_entry(struct ectx *c);

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

/* The string values of a field (several for ancestors and renames). */
static size_t str_values(struct ectx *c, enum pfield f, const char **v)
{
	const struct sg_event *ev = c->ev;
	const char *s;
	size_t n = 0;

	switch (f) {
	case FLD_PROC_EXE:
		s = proc_exe(c);
		if (s)
			v[n++] = s;
		break;
	case FLD_PROC_COMM:
		v[n++] = ev->proc.comm;
		break;
	case FLD_PROC_NAME:
		s = proc_exe(c);
		v[n++] = s ? base_name(s) : ev->proc.comm;
		break;
	case FLD_PARENT_EXE:
	case FLD_PARENT_COMM:
	case FLD_PARENT_NAME:
	case FLD_ANC_EXE:
	case FLD_ANC_COMM:
	case FLD_ANC_NAME:
		ancestors(c);
		for (int i = 0; i < c->nanc; i++) {
			const struct proc_entry *e = c->anc[i];

			if (f == FLD_PARENT_EXE || f == FLD_ANC_EXE)
				s = e->exe;
			else if (f == FLD_PARENT_COMM || f == FLD_ANC_COMM)
				s = e->comm;
			else
				s = entry_name(e);
			if (s)
				v[n++] = s;
			if (f == FLD_PARENT_EXE || f == FLD_PARENT_COMM || f == FLD_PARENT_NAME)
				break;
		}
		break;
	case FLD_EXEC_FILENAME:
		if (ev->exec.filename)
			v[n++] = ev->exec.filename;
		break;
	case FLD_PTRACE_TARGET:
		if (ev->ptrace.target_entry)
			v[n++] = entry_name(ev->ptrace.target_entry);
		break;
	case FLD_MOUNT_SOURCE:
		if (ev->mount.source)
			v[n++] = ev->mount.source;
		break;
	case FLD_MOUNT_TARGET:
		if (ev->mount.target)
			v[n++] = ev->mount.target;
		break;
	case FLD_MOUNT_FSTYPE:
		if (ev->mount.fstype)
			v[n++] = ev->mount.fstype;
		break;
	case FLD_MODULE_PATH:
		if (ev->module.path)
			v[n++] = ev->module.path;
		break;
	case FLD_EXEC_LOADER_TARGET:
		if (ev->exec.loader_target)
			v[n++] = ev->exec.loader_target;
		break;
	case FLD_STDIN_PIPE_FROM:
	case FLD_STDOUT_PIPE_TO:
		/* the name of the process at the other end of a stdio pipe */
		for (int fd = f == FLD_STDIN_PIPE_FROM ? 0 : 1; fd < (f == FLD_STDIN_PIPE_FROM ? 1 : 3);
		     fd++)
			if (ev->exec.has_stdio && ev->exec.stdio[fd].peer)
				v[n++] = entry_name(ev->exec.stdio[fd].peer);
		break;
	case FLD_EXEC_CWD:
		if (ev->exec.cwd)
			v[n++] = ev->exec.cwd;
		break;
	case FLD_FILE_PATH:
	case FLD_FILE_NAME:
		if (ev->file.path)
			v[n++] = f == FLD_FILE_NAME ? base_name(ev->file.path) : ev->file.path;
		/* a rename's path conditions see both paths */
		__attribute__((fallthrough));
	case FLD_FILE_NEW_PATH:
		if (ev->type == SG_EV_RENAME && ev->file.new_path)
			v[n++] = f == FLD_FILE_NAME ? base_name(ev->file.new_path) :
						     ev->file.new_path;
		break;
	default:
		break;
	}
	return n;
}

static int bsearch_cmp(const void *key, const void *elem)
{
	return strcmp(key, *(const char *const *)elem);
}

static bool str_op(const struct pop *op, const char *s, size_t len)
{
	switch (op->kind) {
	case OP_IN:
		return bsearch(s, op->strs, op->n, sizeof(*op->strs), bsearch_cmp) != NULL;
	case OP_PREFIX:
		for (size_t i = 0; i < op->n; i++)
			if (len >= op->lens[i] && memcmp(s, op->strs[i], op->lens[i]) == 0)
				return true;
		return false;
	case OP_SUFFIX:
		for (size_t i = 0; i < op->n; i++)
			if (len >= op->lens[i] &&
			    memcmp(s + len - op->lens[i], op->strs[i], op->lens[i]) == 0)
				return true;
		return false;
	case OP_CONTAINS:
		for (size_t i = 0; i < op->n; i++)
			if (memmem(s, len, op->strs[i], op->lens[i]))
				return true;
		return false;
	case OP_RE:
		/* s is NUL-terminated where len ends: every caller passes whole strings */
		for (size_t i = 0; i < op->n; i++)
			if (regexec(&op->res[i], s, 0, NULL, 0) == 0)
				return true;
		return false;
	case OP_GLOB:
	case OP_ARG:
		for (size_t i = 0; i < op->n; i++) {
			const struct pglob *g = &op->globs[i];

			switch (g->kind) {
			case GLOB_EXACT:
				if (len == g->len && memcmp(s, g->s, len) == 0)
					return true;
				break;
			case GLOB_PREFIX:
				if (len >= g->len && memcmp(s, g->s, g->len) == 0)
					return true;
				break;
			case GLOB_SUFFIX:
				if (len >= g->len && memcmp(s + len - g->len, g->s, g->len) == 0)
					return true;
				break;
			case GLOB_CONTAINS:
				if (memmem(s, len, g->s, g->len))
					return true;
				break;
			case GLOB_FNMATCH:
				if (fnmatch(g->pat, s, 0) == 0)
					return true;
				break;
			}
		}
		return false;
	default:
		return false;
	}
}

static bool num_value(struct ectx *c, enum pfield f, uint32_t *v)
{
	const struct sg_event *ev = c->ev;

	switch (f) {
	case FLD_PROC_UID:
		*v = ev->proc.uid;
		return true;
	case FLD_PROC_GID:
		*v = ev->proc.gid;
		return true;
	case FLD_PROC_PID:
		*v = ev->proc.pid;
		return true;
	case FLD_PROC_PPID:
		*v = ev->proc.ppid;
		return true;
	case FLD_NET_PORT:
		if (ev->net.family != AF_INET && ev->net.family != AF_INET6)
			return false;
		*v = ev->net.port;
		return true;
	case FLD_FILE_MODE:
		*v = ev->file.mode & 07777;
		return true;
	case FLD_CRED_NEW_UID:
		*v = ev->cred.new_uid;
		return true;
	case FLD_CRED_NEW_EUID:
		*v = ev->cred.new_euid;
		return true;
	case FLD_BPF_PROG_TYPE:
		*v = ev->bpf.prog_type;
		return true;
	default:
		return false;
	}
}

static uint32_t enum_value(struct ectx *c, enum pfield f)
{
	const struct sg_event *ev = c->ev;
	bool inet = ev->net.family == AF_INET || ev->net.family == AF_INET6;

	switch (f) {
	case FLD_EVENT:
		return c->evmask;
	case FLD_NET_FAMILY:
		return ev->net.family == AF_INET ? 1 : ev->net.family == AF_INET6 ? 2 :
		       ev->net.family == AF_UNIX ? 4 : 0;
	case FLD_NET_PROTO:
		if (!inet)
			return 0;
		if (ev->net.protocol == IPPROTO_TCP ||
		    (!ev->net.protocol && ev->net.sock_type == SOCK_STREAM))
			return 1;
		if (ev->net.protocol == IPPROTO_UDP ||
		    (!ev->net.protocol && ev->net.sock_type == SOCK_DGRAM))
			return 2;
		return 0;
	case FLD_RESULT:
		return ev->has_result && ev->result < 0 ? 2 : 1;
	case FLD_FILE_WRITE:
		return ev->file.write ? 2 : 1;
	case FLD_FILE_TRUNC:
		return ev->file.flags & O_TRUNC ? 2 : 1;
	case FLD_STDIN:
	case FLD_STDOUT:
	case FLD_STDERR:
		return ev->exec.has_stdio ? 1u << ev->exec.stdio[f - FLD_STDIN].kind : 0;
	case FLD_STDIO:
		if (!ev->exec.has_stdio)
			return 0;
		return (1u << ev->exec.stdio[0].kind) | (1u << ev->exec.stdio[1].kind) |
		       (1u << ev->exec.stdio[2].kind);
	case FLD_PTRACE_REQUEST: {
		int r = sg_ptrace_req(ev->ptrace.request);

		return r < 0 ? 0 : 1u << r;
	}
	case FLD_VIA:
		return ev->kflags & SG_F_IO_URING ? 2 : 1;
	case FLD_CRED_GAIN_ROOT:
		return sg_cred_gains_root(ev) ? 2 : 1;
	case FLD_MODULE_FROM_MEMORY:
		return ev->syscall == SG_SC_INIT_MODULE ? 2 : 1;
	case FLD_EXEC_FILELESS:
		return !ev->exec.fileless ? 0 : !strcmp(ev->exec.fileless, "memfd") ? 1 : 2;
	case FLD_EXEC_VIA:
		return !ev->exec.via ? 0 : !strcmp(ev->exec.via, "fd") ? 1 : 2;
	case FLD_FILE_SETUID:
		return ev->file.mode & S_ISUID ? 2 : 1;
	case FLD_FILE_SETGID:
		return ev->file.mode & S_ISGID ? 2 : 1;
	case FLD_FILE_EXEC:
		return ev->file.mode & (S_IXUSR | S_IXGRP | S_IXOTH) ? 2 : 1;
	default:
		return 0;
	}
}

/* Whether any value of the field satisfies op (a positive operator). */
static bool op_any(struct ectx *c, enum pfield f, const struct pop *op)
{
	const struct pfield_desc *fd = &policy_fields[f];
	const char *v[SG_ANCESTORS_MAX + 2];
	size_t n, len;
	uint32_t num;

	if (!(policy_field_events[f] & c->evmask))
		return false;
	switch (fd->kind) {
	case PK_STR:
		n = str_values(c, f, v);
		for (size_t i = 0; i < n; i++)
			if (str_op(op, v[i], strlen(v[i])))
				return true;
		return false;
	case PK_ARGV:
		if (op->kind == OP_ARG) {
			const char *argv = NULL;
			size_t argv_len = 0;

			if (f == FLD_PARENT_ARGV) {
				const struct proc_entry *e = parent_entry(c);

				if (e && e->argv) {
					argv = e->argv;
					argv_len = e->argv_len;
				}
			} else {
				load_argv(c);
				argv = c->argv;
				argv_len = c->argv_len;
			}
			for (size_t off = 0; off < argv_len;) {
				const char *a = argv + off;
				size_t alen = strnlen(a, argv_len - off);

				if (off + alen < argv_len && str_op(op, a, alen))
					return true;
				off += alen + 1;
			}
			return false;
		}
		v[0] = f == FLD_PARENT_ARGV ? parent_line(c, &len) : argv_line(c, &len);
		return v[0] && str_op(op, v[0], len);
	case PK_NUM:
		if (!num_value(c, f, &num))
			return false;
		for (size_t i = 0; i < op->n && op->ranges[i].lo <= num; i++)
			if (num <= op->ranges[i].hi)
				return true;
		return false;
	case PK_ADDR:
		if (c->ev->net.family != AF_INET && c->ev->net.family != AF_INET6)
			return false;
		for (size_t i = 0; i < op->n; i++)
			if (addr_cidr_match(&op->cidrs[i], c->ev->net.family, c->ev->net.addr))
				return true;
		return false;
	case PK_ENUM:
	case PK_BOOL:
		return (enum_value(c, f) & op->mask) != 0;
	}
	return false;
}

static bool fieldcond_match(struct ectx *c, const struct pfieldcond *fc)
{
	for (size_t i = 0; i < fc->nops; i++) {
		const struct pop *op = &fc->ops[i];

		if (op->kind == OP_NOT) {
			if (fieldcond_match(c, op->not))
				return false;
		} else if (op->kind == OP_ALL) {
			for (size_t j = 0; j < op->n; j++)
				if (!fieldcond_match(c, &op->all[j]))
					return false;
		} else if (!op_any(c, fc->field, op)) {
			return false;
		}
	}
	return true;
}

static bool condset_match(struct ectx *c, const struct pcondset *cs)
{
	for (size_t i = 0; i < cs->n; i++)
		if (!fieldcond_match(c, &cs->conds[i]))
			return false;
	return true;
}

int policy_eval_lineage(const struct policy *p, struct sg_event *ev,
			const struct policy_lineage *lineage)
{
	struct sg_verdict *vd = &ev->verdict;
	struct ectx c;

	*vd = (struct sg_verdict){ .action = SG_ACT_LOG, .severity = SG_SEV_INFO, .repeat = 1 };
	if (ev->type <= 0 || ev->type >= SG_EV_KERNEL_MAX)
		return vd->action;
	c.p = p;
	c.ev = ev;
	c.l = lineage;
	c.evmask = policy_event_mask(ev);
	c.self_done = false;
	c.nanc = -1;
	c.argv_done = false;
	c.argv = NULL;
	c.argv_len = 0;
	c.line_done = false;
	c.pline_done = false;
	p->ctr->evaluated++;
	for (size_t i = 0; i < p->nexclude; i++)
		if (condset_match(&c, &p->exclude[i])) {
			p->ctr->excluded++;
			vd->action = SG_ACT_ALLOW;
			vd->severity = SG_SEV_NONE;
			return vd->action;
		}
	for (size_t k = 0; k < p->nby_type[ev->type]; k++) {
		uint32_t i = p->by_type[ev->type][k];
		const struct prule *r = &p->rules[i];
		bool except = false;

		bool match = r->nmatch == 0;

		if (!(r->events & c.evmask))
			continue;
		for (size_t j = 0; j < r->nmatch && !match; j++)
			match = condset_match(&c, &r->match[j]);
		if (!match)
			continue;
		for (size_t j = 0; j < r->nexcept && !except; j++)
			except = condset_match(&c, &r->except[j]);
		if (except)
			continue;
		p->ctr->hits[i]++;
		vd->action = r->action;
		vd->severity = r->severity;
		vd->rule_id = r->id;
		vd->enforced = r->action == SG_ACT_BLOCK && r->enforceable;
		vd->mechanism = vd->enforced ? r->mechanism : NULL;
		return vd->action;
	}
	p->ctr->defaulted++;
	vd->action = p->def_action;
	vd->severity = p->def_severity;
	return vd->action;
}

uint64_t policy_dedup_window_ns(const struct policy *p)
{
	return p->dedup_window_ns;
}

const char *policy_source(const struct policy *p)
{
	return p->source;
}

size_t policy_rule_count(const struct policy *p)
{
	return p->nrules;
}

int policy_rule_info(const struct policy *p, size_t i, struct policy_rule_info *ret)
{
	const struct prule *r;

	if (i >= p->nrules)
		return -ENOENT;
	r = &p->rules[i];
	*ret = (struct policy_rule_info){
		.id = r->id, .file = r->mark.file, .line = r->mark.line, .action = r->action,
		.severity = r->severity, .enabled = r->enabled, .enforceable = r->enforceable,
		.plan = r->plan, .mechanism = r->mechanism, .reason = r->reason,
		.events = r->events, .hits = p->ctr->hits[i],
	};
	return 0;
}

int policy_rule_set_enforceable(struct policy *p, size_t i, bool on)
{
	if (i >= p->nrules)
		return -ENOENT;
	p->rules[i].enforceable = on;
	p->rules[i].mechanism = on ? p->rules[i].plan : NULL;
	return 0;
}

int policy_rule_set_enforcer(struct policy *p, size_t i, const char *mech, const char *reason)
{
	struct prule *r;

	if (i >= p->nrules)
		return -ENOENT;
	r = &p->rules[i];
	r->enforceable = mech != NULL;
	r->mechanism = mech;
	r->reason = NULL;
	if (!mech && reason) {
		r->reason = policy_arena_strndup(&p->arena, reason, strlen(reason));
		if (!r->reason)
			return -ENOMEM;
	}
	return 0;
}

bool policy_rule_blocks_path(const struct policy *p, size_t i, int type, const char *path)
{
	const struct prule *r = &p->rules[i];
	struct sg_event ev;
	struct ectx c;

	memset(&ev, 0, sizeof(ev));
	memset(&c, 0, sizeof(c));
	ev.type = type;
	if (type == SG_EV_EXEC) {
		/* the process after the exec: its exe, name and comm are the program's */
		ev.exec.filename = path;
		ev.proc.exe = path;
		snprintf(ev.proc.comm, sizeof(ev.proc.comm), "%s", base_name(path));
	} else {
		ev.file.path = path;
		ev.file.path_resolved = true;
	}
	c.p = p;
	c.ev = &ev;
	c.evmask = policy_event_mask(&ev);
	c.nanc = -1;
	if (!(r->events & c.evmask))
		return false;
	if (r->nmatch == 0)
		return true;
	for (size_t j = 0; j < r->nmatch; j++) {
		const struct pcondset *cs = &r->match[j];
		bool all = true;

		/* a set with other conditions narrows the block to some processes or calls */
		for (size_t k = 0; k < cs->n && all; k++) {
			enum pfield f = cs->conds[k].field;

			if (f == FLD_FILE_PATH || f == FLD_FILE_NAME || f == FLD_EXEC_FILENAME ||
			    (type == SG_EV_EXEC && (f == FLD_PROC_EXE || f == FLD_PROC_NAME ||
						    f == FLD_PROC_COMM)))
				all = fieldcond_match(&c, &cs->conds[k]);
			else if (f != FLD_EVENT)
				all = false;
		}
		if (all)
			return true;
	}
	return false;
}

void policy_stats(const struct policy *p, struct policy_stats *ret)
{
	*ret = (struct policy_stats){ .evaluated = p->ctr->evaluated,
				      .excluded = p->ctr->excluded,
				      .defaulted = p->ctr->defaulted };
}

void policy_carry_counters(struct policy *newp, const struct policy *old)
{
	if (!newp || !old)
		return;
	for (size_t i = 0; i < newp->nrules; i++)
		for (size_t j = 0; j < old->nrules; j++)
			if (strcmp(newp->rules[i].id, old->rules[j].id) == 0) {
				newp->ctr->hits[i] = old->ctr->hits[j];
				break;
			}
}
