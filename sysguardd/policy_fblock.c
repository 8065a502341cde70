// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Which enforcer can carry out a block rule, and what the file enforcer
 * (sysguardd/fanblock.c, fanotify permission events) must watch for it.  A
 * rule is file-blockable when its events are within exec, open and write and
 * every condition can be judged while the call waits for the answer: the
 * process and its ancestors, exec.filename, file.path, file.name, file.write
 * and file.trunc; not the result (the call has not returned), not the new
 * argv of an exec, not file.mode.  The paths to watch are the literal
 * prefixes of the rule's exec.filename (or, for exec, proc.exe: the program's
 * path) and file.path conditions; a rule that names none is watched on the
 * root filesystem.
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "policy_int.h"

#define EV_FILEBLOCK ((1u << SG_EV_EXEC) | (1u << SG_EV_OPEN) | POLICY_EV_WRITE)
#define EV_NETBLOCK ((1u << SG_EV_CONNECT) | (1u << SG_EV_BIND))

static bool field_judgeable(enum pfield f, bool exec, const char **why)
{
	switch (f) {
	case FLD_EVENT:
	case FLD_PROC_EXE: case FLD_PROC_COMM: case FLD_PROC_NAME:
	case FLD_PROC_UID: case FLD_PROC_GID: case FLD_PROC_PID: case FLD_PROC_PPID:
	case FLD_PARENT_EXE: case FLD_PARENT_COMM: case FLD_PARENT_NAME:
	case FLD_ANC_EXE: case FLD_ANC_COMM: case FLD_ANC_NAME:
	case FLD_FILE_PATH: case FLD_FILE_NAME: case FLD_FILE_WRITE: case FLD_FILE_TRUNC:
	case FLD_FILE_TARGET: case FLD_EXEC_FILENAME:
		return true;
	case FLD_PROC_ARGV:
		if (!exec)
			return true;
		*why = "the arguments of an exec are not known before it runs";
		return false;
	case FLD_RESULT:
	case FLD_RESULT_ERROR:
		*why = "the result of a call is not known before it runs";
		return false;
	default:
		*why = policy_field_is_container(f) ?
		       "conditions on the container are not judged before an open (fanotify "
		       "does not know the container)" :
		       "only proc.*, parent.*, ancestor.*, file.path, file.name, file.write, "
		       "file.trunc and exec.filename can be judged before an open";
		return false;
	}
}

static bool condset_judgeable(const struct pcondset *cs, bool exec, const char **why)
{
	for (size_t j = 0; j < cs->n; j++)
		if (!field_judgeable(cs->conds[j].field, exec, why))
			return false;
	return true;
}

bool policy_rule_fileblockable(const struct prule *r, const char **why)
{
	bool exec = r->events & (1u << SG_EV_EXEC);

	if (r->events & ~EV_FILEBLOCK) {
		*why = "fanotify can block exec, open and write only (rename and unlink need "
		       "BPF-LSM; chmod is not enforced)";
		return false;
	}
	for (size_t i = 0; i < r->nmatch; i++)
		if (!condset_judgeable(&r->match[i], exec, why))
			return false;
	for (size_t i = 0; i < r->nexcept; i++)
		if (!condset_judgeable(&r->except[i], exec, why))
			return false;
	return true;
}

const char *policy_rule_plan(const struct prule *r, const char **why)
{
	const char *nwhy, *fwhy, *lwhy, *awhy;
	bool lsmable;

	*why = NULL;
	if (r->action != SG_ACT_BLOCK || !r->enabled)
		return NULL;
	if (policy_rule_netblockable(r, &nwhy))
		return "cgroup";
	lsmable = policy_rule_lsmable(r, &lwhy);
	if (lsmable && policy_lsm_available(&awhy))
		return "lsm";
	if (policy_rule_fileblockable(r, &fwhy))
		return "fanotify";
	if (lsmable)
		*why = policy_lsm_needed();
	else if ((r->events & EV_NETBLOCK) && (r->events & ~EV_NETBLOCK))
		*why = "a rule mixing network and other events cannot be enforced; split it";
	else if (r->events & (1u << SG_EV_BIND))
		*why = nwhy;
	else if (!(r->events & ~EV_FILEBLOCK))
		*why = fwhy;
	else
		*why = lwhy ? lwhy : fwhy;
	return "none";
}

/* The literal part of a path value before its first wildcard; "/" when there is none. */
static size_t literal_prefix(const char *s, size_t len)
{
	size_t n = 0;

	while (n < len && s[n] != '*' && s[n] != '?' && s[n] != '[' && s[n] != '\\')
		n++;
	return s[0] == '/' ? n : 0;
}

static int emit(policy_file_block_fn fn, void *arg, const struct policy_file_block *b,
		const char *s, size_t len)
{
	char path[PATH_MAX];
	struct policy_file_block c = *b;

	if (len == 0 || s[0] != '/' || len >= sizeof(path)) {
		c.path = "/";
		c.named = false;
	} else {
		memcpy(path, s, len);
		path[len] = '\0';
		c.path = path;
		c.named = true;
	}
	return fn(arg, &c);
}

/* The paths one condition set of the rule names for field f. */
static int condset_paths(const struct pcondset *cs, enum pfield f, policy_file_block_fn fn,
			 void *arg, const struct policy_file_block *b)
{
	const struct pfieldcond *fc = NULL;
	const struct pop *op = NULL;
	int q;

	for (size_t i = 0; cs && i < cs->n; i++)
		if (cs->conds[i].field == f)
			fc = &cs->conds[i];
	/* an open's file.target is its file.path */
	for (size_t i = 0; cs && !fc && f == FLD_FILE_PATH && i < cs->n; i++)
		if (cs->conds[i].field == FLD_FILE_TARGET)
			fc = &cs->conds[i];
	/* an exec is judged with proc.exe = the program's path: as good as exec.filename */
	for (size_t i = 0; cs && !fc && f == FLD_EXEC_FILENAME && i < cs->n; i++)
		if (cs->conds[i].field == FLD_PROC_EXE)
			fc = &cs->conds[i];
	for (size_t i = 0; fc && i < fc->nops && !op; i++)
		if ((fc->ops[i].kind == OP_IN || fc->ops[i].kind == OP_PREFIX ||
		     fc->ops[i].kind == OP_GLOB) && !fc->ops[i].nocase)
			op = &fc->ops[i];
	if (!op)
		return emit(fn, arg, b, "", 0);
	for (size_t i = 0; i < op->n; i++) {
		if (op->kind == OP_GLOB) {
			const struct pglob *g = &op->globs[i];

			if (g->kind == GLOB_EXACT || g->kind == GLOB_PREFIX)
				q = emit(fn, arg, b, g->s, g->len);
			else if (g->kind == GLOB_FNMATCH)
				q = emit(fn, arg, b, g->pat, literal_prefix(g->pat, strlen(g->pat)));
			else
				q = emit(fn, arg, b, "", 0);
		} else {
			q = emit(fn, arg, b, op->strs[i], op->lens[i]);
		}
		if (q < 0)
			return q;
	}
	return 0;
}

static int note_unnamed(void *arg, const struct policy_file_block *b)
{
	*(bool *)arg |= !b->named;
	return 0;
}

bool policy_rule_names_paths(const struct prule *r)
{
	struct policy_file_block b = { .id = r->id };
	bool unnamed = false;

	for (int pass = 0; pass < 2; pass++) {
		enum pfield f = pass == 0 ? FLD_EXEC_FILENAME : FLD_FILE_PATH;

		if (pass == 0 && !(r->events & (1u << SG_EV_EXEC)))
			continue;
		if (pass == 1 && !(r->events & ((1u << SG_EV_OPEN) | POLICY_EV_WRITE)))
			continue;
		for (size_t j = 0; j < (r->nmatch ? r->nmatch : 1); j++)
			condset_paths(r->nmatch ? &r->match[j] : NULL, f, note_unnamed, &unnamed, &b);
	}
	return !unnamed;
}

int policy_file_blocks(const struct policy *p, policy_file_block_fn fn, void *arg)
{
	const char *why;
	int n = 0, q;

	for (size_t i = 0; i < p->nrules; i++) {
		const struct prule *r = &p->rules[i];
		const char *plan = policy_rule_plan(r, &why);
		struct policy_file_block b = { .rule = i, .id = r->id };

		if (!plan || strcmp(plan, "fanotify") != 0)
			continue;
		for (int pass = 0; pass < 2; pass++) {
			enum pfield f = pass == 0 ? FLD_EXEC_FILENAME : FLD_FILE_PATH;

			b.exec = pass == 0;
			b.open = pass == 1;
			if (pass == 0 && !(r->events & (1u << SG_EV_EXEC)))
				continue;
			if (pass == 1 && !(r->events & ((1u << SG_EV_OPEN) | POLICY_EV_WRITE)))
				continue;
			for (size_t j = 0; j < (r->nmatch ? r->nmatch : 1); j++) {
				q = condset_paths(r->nmatch ? &r->match[j] : NULL, f, fn, arg, &b);
				if (q < 0)
					return q;
			}
		}
		n++;
	}
	return n;
}

/* Fields whose values make the verdict of an open or exec depend on more than the path. */
static bool condset_path_only(const struct pcondset *cs, bool open)
{
	for (size_t j = 0; j < cs->n; j++) {
		enum pfield f = cs->conds[j].field;

		if (f != FLD_FILE_PATH && f != FLD_FILE_NAME && f != FLD_FILE_TARGET &&
		    f != FLD_EXEC_FILENAME && f != FLD_EVENT)
			return false;
	}
	return true;
}

bool policy_file_cacheable(const struct policy *p, int type)
{
	uint32_t bit = 1u << type;

	for (size_t i = 0; i < p->nexclude; i++)
		if (!condset_path_only(&p->exclude[i], type == SG_EV_OPEN))
			return false;
	for (size_t i = 0; i < p->nrules; i++) {
		const struct prule *r = &p->rules[i];

		if (!r->enabled || !(r->events & (bit | (type == SG_EV_OPEN ? POLICY_EV_WRITE : 0))))
			continue;
		/* an open verdict that depends on write intent cannot be kept per file */
		if (type == SG_EV_OPEN && (r->events & POLICY_EV_WRITE) &&
		    !(r->events & (1u << SG_EV_OPEN)))
			return false;
		for (size_t j = 0; j < r->nmatch; j++)
			if (!condset_path_only(&r->match[j], type == SG_EV_OPEN))
				return false;
		for (size_t j = 0; j < r->nexcept; j++)
			if (!condset_path_only(&r->except[j], type == SG_EV_OPEN))
				return false;
	}
	return true;
}

/* What a block rule must not stop: without them nothing can start, not even a repair shell. */
static const char *const critical_exec[] = {
	"/bin/sh", "/usr/bin/sh", "/bin/bash", "/usr/bin/bash", "/bin/dash", "/usr/bin/dash",
	"/lib64/ld-linux-x86-64.so.2", "/lib/ld-linux-x86-64.so.2", "/lib/ld-linux-aarch64.so.1",
	"/lib/ld-linux.so.2", "/lib/ld-linux-armhf.so.3", "/lib64/ld64.so.2",
	"/usr/lib64/ld-linux-x86-64.so.2", NULL,
};

static void check_one(const struct policy *p, size_t i, const char *path, const char *what,
		      struct policy_diag *d)
{
	const struct prule *r = &p->rules[i];

	if (policy_rule_blocks_path(p, i, SG_EV_EXEC, path))
		policy_diag_add(d, &r->mark, false, "rule '%s' would block the exec of '%s' (%s); "
				"add 'force: true' to the rule if that is meant", r->id, path, what);
	else if (!strcmp(what, "the dynamic loader") &&
		 policy_rule_blocks_path(p, i, SG_EV_OPEN, path))
		policy_diag_add(d, &r->mark, false, "rule '%s' would block reading '%s' (%s); "
				"add 'force: true' to the rule if that is meant", r->id, path, what);
}

static bool is_loader(const char *path)
{
	return strstr(path, "/ld-linux") || strstr(path, "/ld64.so") || strstr(path, "/ld-2.");
}

/* Each path, and what it resolves to when that is another name. */
static void check_path(const struct policy *p, size_t i, const char *path, const char *what,
		       struct policy_diag *d)
{
	char real[PATH_MAX];
	unsigned int errors = d->errors;

	if (is_loader(path))
		what = "the dynamic loader";
	check_one(p, i, path, what, d);
	if (d->errors == errors && realpath(path, real) && strcmp(real, path) != 0)
		check_one(p, i, real, is_loader(real) ? "the dynamic loader" : what, d);
}

static const char *self_exe;

void policy_set_self_exe(const char *path)
{
	self_exe = path;
}

void policy_check_critical(const struct policy *p, struct policy_diag *d)
{
	char self[PATH_MAX];
	ssize_t n = self_exe ? (ssize_t)snprintf(self, sizeof(self), "%s", self_exe) :
			       readlink("/proc/self/exe", self, sizeof(self) - 1);

	if (n > 0 && !self_exe)
		self[n] = '\0';
	for (size_t i = 0; i < p->nrules; i++) {
		const struct prule *r = &p->rules[i];
		unsigned int errors = d->errors;

		/* only what a mechanism would carry out: monitor-only rules stop nothing */
		if (r->action != SG_ACT_BLOCK || !r->enabled || r->force || !r->plan ||
		    !strcmp(r->plan, "none"))
			continue;
		if (!(r->events & ((1u << SG_EV_EXEC) | (1u << SG_EV_OPEN))))
			continue;
		for (size_t k = 0; critical_exec[k] && d->errors == errors; k++)
			check_path(p, i, critical_exec[k], "a shell", d);
		/* the daemon's own binary: only when it is sysguardd (not a test program) */
		if (n > 0 && d->errors == errors && strstr(self, "sysguardd"))
			check_path(p, i, self, "sysguardd itself", d);
	}
}
