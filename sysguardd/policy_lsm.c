// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Block rules judged in the kernel by BPF-LSM (bpf/lsm.bpf.c): which rules
 * can be, and their compilation into entries of struct sg_lsm_rule.
 *
 * A rule is compiled per class of hook it covers (exec; open, write, unlink
 * and rename; connect), since a field means a different thing in each: for
 * an exec, proc.exe, proc.name and proc.comm are the program being started,
 * as the exec event reports them once it has; elsewhere they are the caller.
 * Each 'match' set becomes the product of its conditions: a condition with
 * several values (an 'in' list, several prefixes) is an OR, so it multiplies
 * the entries; a 'not' of one operator and an 'except' set of one condition
 * become negated conditions added to every entry (not (a or b) is not a and
 * not b).  Strings compare whole (exact), from the start (prefix) or at the
 * end (suffix); other patterns, regular expressions, argv, ancestors,
 * results and the rest cannot be judged in the kernel, and such a rule is
 * left to fanotify (exec and open) or to nothing, with the reason.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include "policy_int.h"

#define EV_LSM ((1u << SG_EV_EXEC) | (1u << SG_EV_OPEN) | POLICY_EV_WRITE | \
		(1u << SG_EV_UNLINK) | (1u << SG_EV_RENAME) | (1u << SG_EV_CONNECT))

enum lclass { LC_EXEC, LC_FILE, LC_NET, LC_MAX };

static bool lsm_on;
static char lsm_why[256] = "BPF-LSM was not probed";
static char lsm_needed[320] = "it needs BPF-LSM, which was not probed";

void policy_set_lsm(bool available, const char *why)
{
	lsm_on = available;
	snprintf(lsm_why, sizeof(lsm_why), "%s", why ? why : "");
	snprintf(lsm_needed, sizeof(lsm_needed), "it needs BPF-LSM, which is unavailable: %s",
		 lsm_why);
}

const char *policy_lsm_needed(void)
{
	return lsm_needed;
}

bool policy_lsm_available(const char **why)
{
	if (why)
		*why = lsm_on ? NULL : lsm_why;
	return lsm_on;
}

/* The hooks of class c that rule events ev cover. */
static uint32_t class_hooks(uint32_t ev, enum lclass c)
{
	uint32_t h = 0;

	switch (c) {
	case LC_EXEC:
		h = ev & (1u << SG_EV_EXEC) ? SG_LH_EXEC : 0;
		break;
	case LC_FILE:
		if (ev & (1u << SG_EV_OPEN))
			h |= SG_LH_OPEN_READ | SG_LH_OPEN_WRITE;
		if (ev & POLICY_EV_WRITE)
			h |= SG_LH_OPEN_WRITE;
		if (ev & (1u << SG_EV_UNLINK))
			h |= SG_LH_UNLINK;
		if (ev & (1u << SG_EV_RENAME))
			h |= SG_LH_RENAME;
		break;
	case LC_NET:
		h = ev & (1u << SG_EV_CONNECT) ? SG_LH_CONNECT : 0;
		break;
	default:
		break;
	}
	return h;
}

/* The kernel's field for policy field f in class c (hooks h); -1 when it has none. */
static int lsm_field(enum pfield f, enum lclass c, uint32_t h)
{
	switch (f) {
	case FLD_PROC_UID: return SG_LF_UID;
	case FLD_PROC_GID: return SG_LF_GID;
	case FLD_PROC_COMM: return SG_LF_COMM;
	case FLD_PARENT_COMM: return SG_LF_PCOMM;
	case FLD_PROC_EXE: return c == LC_EXEC ? SG_LF_PATH : SG_LF_EXE;
	case FLD_PROC_NAME: return c == LC_EXEC ? SG_LF_NAME : SG_LF_EXENAME;
	case FLD_EXEC_FILENAME: return c == LC_EXEC ? SG_LF_PATH : -1;
	case FLD_FILE_PATH: return c == LC_FILE ? SG_LF_PATH : -1;
	case FLD_FILE_NAME: return c == LC_FILE ? SG_LF_NAME : -1;
	case FLD_FILE_NEW_PATH: return c == LC_FILE && h == SG_LH_RENAME ? SG_LF_PATH2 : -1;
	case FLD_FILE_TARGET:
		return c != LC_FILE ? -1 : h == SG_LH_RENAME ? SG_LF_PATH2 : SG_LF_PATH;
	case FLD_NET_ADDR: return c == LC_NET ? SG_LF_ADDR : -1;
	case FLD_NET_PORT: return c == LC_NET ? SG_LF_PORT : -1;
	case FLD_NET_PROTO: return c == LC_NET ? SG_LF_PROTO : -1;
	case FLD_NET_FAMILY: return c == LC_NET ? SG_LF_FAMILY : -1;
	default: return -1;
	}
}

/* A clause: an OR of atoms (one atom: a plain, possibly negated, condition). */
struct clause {
	struct sg_lsm_cond *atoms;
	size_t n;
};

struct build {
	struct clause cl[SG_LSM_CONDS * 4];
	size_t ncl;
	const char *why;
};

static void build_free(struct build *b)
{
	for (size_t i = 0; i < b->ncl; i++)
		free(b->cl[i].atoms);
	b->ncl = 0;
}

static struct sg_lsm_cond *clause_new(struct build *b, size_t n)
{
	struct clause *c;

	if (b->ncl == sizeof(b->cl) / sizeof(b->cl[0])) {
		b->why = "too many conditions for one BPF-LSM entry";
		return NULL;
	}
	c = &b->cl[b->ncl];
	c->atoms = calloc(n ? n : 1, sizeof(*c->atoms));
	if (!c->atoms) {
		b->why = "out of memory";
		return NULL;
	}
	c->n = n;
	b->ncl++;
	return c->atoms;
}

static bool set_str(struct build *b, struct sg_lsm_cond *a, const char *s, size_t len, int op)
{
	if (len >= SG_LSM_STR) {
		b->why = "a string longer than 255 bytes cannot be compared in the kernel";
		return false;
	}
	a->op = op;
	a->len = len;
	memcpy(a->s, s, len);
	return true;
}

/*
 * The atoms one operator allows (an OR), into out[0..*n); out NULL: count
 * only.  false with b->why when the kernel cannot judge it.
 */
static bool op_atoms(struct build *b, enum pfield f, int lf, const struct pop *op,
		     struct sg_lsm_cond *out, size_t *n)
{
	const struct pfield_desc *d = &policy_fields[f];
	size_t k = 0;

	if (op->nocase) {
		b->why = "'nocase' conditions cannot be judged by BPF-LSM (it compares bytes)";
		return false;
	}
	switch (op->kind) {
	case OP_IN:
		if (d->kind == PK_STR) {
			for (size_t i = 0; i < op->n; i++, k++)
				if (out && !set_str(b, &out[k], op->strs[i], op->lens[i], SG_LO_EXACT))
					return false;
		} else if (d->kind == PK_NUM) {
			for (size_t i = 0; i < op->n; i++, k++)
				if (out) {
					out[k].op = SG_LO_RANGE;
					out[k].lo = op->ranges[i].lo;
					out[k].hi = op->ranges[i].hi;
				}
		} else if (d->kind == PK_ADDR) {
			for (size_t i = 0; i < op->n; i++, k++)
				if (out) {
					out[k].op = SG_LO_CIDR;
					out[k].family = op->cidrs[i].family;
					out[k].lo = op->cidrs[i].prefix;
					memcpy(out[k].s, op->cidrs[i].addr, 16);
				}
		} else if (f == FLD_NET_PROTO || f == FLD_NET_FAMILY) {
			/* bit 0: tcp / inet, bit 1: udp / inet6 (policy_net.c) */
			static const uint32_t proto[] = { IPPROTO_TCP, IPPROTO_UDP };
			static const uint32_t fam[] = { AF_INET, AF_INET6 };

			if (op->mask & ~3u) {
				b->why = "only tcp, udp, inet and inet6 are known to BPF-LSM's connect";
				return false;
			}
			for (int bit = 0; bit < 2; bit++)
				if (op->mask & (1u << bit)) {
					if (out) {
						out[k].op = SG_LO_RANGE;
						out[k].lo = out[k].hi =
							f == FLD_NET_PROTO ? proto[bit] : fam[bit];
					}
					k++;
				}
		} else {
			b->why = "this kind of condition cannot be judged by BPF-LSM";
			return false;
		}
		break;
	case OP_PREFIX:
	case OP_SUFFIX:
		for (size_t i = 0; i < op->n; i++, k++)
			if (out && !set_str(b, &out[k], op->strs[i], op->lens[i],
					    op->kind == OP_PREFIX ? SG_LO_PREFIX : SG_LO_SUFFIX))
				return false;
		break;
	case OP_GLOB:
		for (size_t i = 0; i < op->n; i++, k++) {
			const struct pglob *g = &op->globs[i];
			int lo = g->kind == GLOB_EXACT ? SG_LO_EXACT : g->kind == GLOB_PREFIX ?
				 SG_LO_PREFIX : g->kind == GLOB_SUFFIX ? SG_LO_SUFFIX : -1;

			if (lo < 0) {
				b->why = "only literal, prefix (x*) and suffix (*x) patterns can be "
					 "judged by BPF-LSM";
				return false;
			}
			if (out && !set_str(b, &out[k], g->s, g->len, lo))
				return false;
		}
		break;
	default:
		b->why = "contains, regular expressions, argv patterns and 'all' cannot be "
			 "judged by BPF-LSM";
		return false;
	}
	for (size_t i = 0; out && i < k; i++)
		out[i].field = lf;
	*n = k;
	return true;
}

/* One field condition, negated or not, as clauses. */
static bool fieldcond(struct build *b, const struct pfieldcond *fc, enum lclass c, uint32_t h,
		      bool neg)
{
	int lf = lsm_field(fc->field, c, h);

	if (lf < 0) {
		b->why = c == LC_EXEC ? "BPF-LSM judges an exec by the program, proc.uid, "
					"proc.gid and parent.comm only" :
			 c == LC_NET ? "BPF-LSM judges a connect by its address, port, protocol, "
				       "family and the calling process only" :
				       "BPF-LSM judges a file call by its path, name and the calling "
				       "process (proc.exe, proc.name, proc.comm, proc.uid, proc.gid, "
				       "parent.comm) only";
		return false;
	}
	for (size_t i = 0; i < fc->nops; i++) {
		const struct pop *op = &fc->ops[i];
		struct sg_lsm_cond *a;
		size_t n;

		if (op->kind == OP_NOT) {
			/* not: the inner condition negated (twice: plain) */
			if (!fieldcond(b, op->not, c, h, !neg))
				return false;
			continue;
		}
		if (!op_atoms(b, fc->field, lf, op, NULL, &n))
			return false;
		if (!neg) {
			a = clause_new(b, n);
			if (!a || !op_atoms(b, fc->field, lf, op, a, &n))
				return false;
			continue;
		}
		/* not (a or b): not a and not b, one clause each */
		{
			struct sg_lsm_cond *all = calloc(n ? n : 1, sizeof(*all));

			if (!all || !op_atoms(b, fc->field, lf, op, all, &n)) {
				free(all);
				if (!b->why)
					b->why = "out of memory";
				return false;
			}
			for (size_t j = 0; j < n; j++) {
				a = clause_new(b, 1);
				if (!a) {
					free(all);
					return false;
				}
				*a = all[j];
				a->neg = 1;
			}
			free(all);
		}
	}
	return true;
}

struct emit {
	struct sg_lsm_rule ent;
	policy_lsm_fn fn;
	void *arg;
	size_t count;
	int err;
};

/* The product of the clauses from i on. */
static void product(struct build *b, size_t i, struct emit *e)
{
	if (e->err)
		return;
	if (i == b->ncl) {
		if (e->count >= SG_LSM_RULES) {
			e->err = -E2BIG;
			return;
		}
		e->count++;
		if (e->fn) {
			int q = e->fn(e->arg, &e->ent);

			if (q < 0)
				e->err = q;
		}
		return;
	}
	if (e->ent.n >= SG_LSM_CONDS) {
		e->err = -E2BIG;
		return;
	}
	for (size_t k = 0; k < b->cl[i].n && !e->err; k++) {
		e->ent.c[e->ent.n++] = b->cl[i].atoms[k];
		product(b, i + 1, e);
		e->ent.n--;
	}
}

/*
 * Every entry of rule r for the hooks h of class c; fn NULL: only check.
 * Returns the number of entries, or -EINVAL (why set) / -E2BIG / fn's error.
 */
static int compile_class(const struct prule *r, enum lclass c, uint32_t h, policy_lsm_fn fn,
			 void *arg, const char **why)
{
	struct emit e = { .fn = fn, .arg = arg };
	size_t nsets = r->nmatch ? r->nmatch : 1;

	for (size_t s = 0; s < nsets && !e.err; s++) {
		struct build b = { 0 };
		bool ok = true;

		if (r->nmatch)
			for (size_t j = 0; ok && j < r->match[s].n; j++)
				ok = fieldcond(&b, &r->match[s].conds[j], c, h, false);
		for (size_t x = 0; ok && x < r->nexcept; x++) {
			if (r->except[x].n != 1) {
				b.why = "an exception with more than one condition cannot be judged "
					"by BPF-LSM";
				ok = false;
				break;
			}
			ok = fieldcond(&b, &r->except[x].conds[0], c, h, true);
		}
		if (!ok) {
			*why = b.why;
			build_free(&b);
			return -EINVAL;
		}
		memset(&e.ent, 0, sizeof(e.ent));
		e.ent.hooks = h;
		product(&b, 0, &e);
		build_free(&b);
	}
	if (e.err == -E2BIG)
		*why = "the rule expands to more BPF-LSM entries or conditions than the kernel "
		       "table holds";
	return e.err ? e.err : (int)e.count;
}

/* The classes and hooks of r, each compiled (or checked). */
static int compile(const struct prule *r, policy_lsm_fn fn, void *arg, const char **why)
{
	int total = 0;

	for (int c = 0; c < LC_MAX; c++) {
		uint32_t h = class_hooks(r->events, c);
		int q;

		if (!h)
			continue;
		/* rename's new_path exists for rename only: compile rename on its own */
		if (c == LC_FILE && (h & SG_LH_RENAME) && h != SG_LH_RENAME) {
			q = compile_class(r, c, SG_LH_RENAME, fn, arg, why);
			if (q < 0)
				return q;
			total += q;
			h &= ~SG_LH_RENAME;
		}
		q = compile_class(r, c, h, fn, arg, why);
		if (q < 0)
			return q;
		total += q;
	}
	return total;
}

bool policy_rule_lsmable(const struct prule *r, const char **why)
{
	*why = NULL;
	if (r->events & ~EV_LSM) {
		*why = "BPF-LSM enforces exec, open, write, unlink, rename and connect rules only";
		return false;
	}
	return compile(r, NULL, NULL, why) >= 0;
}

int policy_lsm_entries(const struct policy *p, size_t i, policy_lsm_fn fn, void *arg)
{
	const char *why;

	if (i >= p->nrules)
		return -ENOENT;
	return compile(&p->rules[i], fn, arg, &why);
}

void policy_replan(struct policy *p)
{
	for (size_t i = 0; i < p->nrules; i++) {
		struct prule *r = &p->rules[i];
		const char *why;

		if (r->action != SG_ACT_BLOCK || !r->enabled)
			continue;
		r->plan = policy_rule_plan(r, &why);
		r->reason = why;
	}
}
