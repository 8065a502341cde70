// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The policy loader: reads a file or a directory of *.yaml files, checks every
 * key and value against the language of sysguard.policy(5), and compiles the
 * result for the matcher (lists expanded, strings sorted for binary search,
 * globs classified, ports and CIDRs parsed, rules indexed by event type).  All
 * errors are collected, not just the first.  Files of a directory are read in
 * two passes: lists and defaults of every file first, then exclusions and
 * rules, so that a list may be used in any file.
 */
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>
#include "fileio.h"
#include "policy_int.h"

const char *const policy_op_names[OP_MAX] = {
	[OP_IN] = "in", [OP_PREFIX] = "prefix", [OP_SUFFIX] = "suffix",
	[OP_CONTAINS] = "contains", [OP_GLOB] = "glob", [OP_ARG] = "arg", [OP_NOT] = "not",
	[OP_ALL] = "all", [OP_RE] = "re",
};

/* A growable array of pointers, freed at the end of a load. */
struct pvec {
	void **v;
	size_t n, cap;
};

static int pvec_push(struct pvec *pv, void *e)
{
	if (pv->n == pv->cap) {
		size_t cap = pv->cap ? 2 * pv->cap : 16;
		void **v = realloc(pv->v, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		pv->v = v;
		pv->cap = cap;
	}
	pv->v[pv->n++] = e;
	return 0;
}

struct plist {
	const char *name;
	const struct ynode *node; /* the sequence */
	bool used;
};

struct pfile {
	const char *name;
	const struct ynode *root;
};

/* The state of one load. */
struct px {
	struct policy *p;
	struct policy_diag *d;
	struct arena tmp;        /* YAML trees, texts */
	int fatal;               /* -ENOMEM or an I/O error */
	struct pvec files;       /* struct pfile */
	struct pvec lists;       /* struct plist */
	struct pvec rules;       /* struct prule */
	struct pvec excl;        /* struct pcondset */
	struct pmark def_mark[3]; /* where each default was set */
	bool from_text;          /* policy_load_string: no 'sigma' paths */
};

__attribute__((format(printf, 3, 4)))
static void err(struct px *x, const struct ynode *n, const char *fmt, ...)
{
	char *text;
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = vasprintf(&text, fmt, ap);
	va_end(ap);
	if (r < 0) {
		x->fatal = -ENOMEM;
		return;
	}
	policy_diag_add(x->d, n ? &n->mark : NULL, false, "%s", text);
	free(text);
}

static void *alloc(struct px *x, size_t n)
{
	void *r = policy_arena_alloc(&x->p->arena, n ? n : 1);

	if (!r)
		x->fatal = -ENOMEM;
	return r;
}

static const char *pstrdup(struct px *x, const char *s)
{
	char *r = policy_arena_strndup(&x->p->arena, s, strlen(s));

	if (!r)
		x->fatal = -ENOMEM;
	return r;
}

static const char *type_name(const struct ynode *n)
{
	return n->type == YN_SCALAR ? "a string" : n->type == YN_SEQ ? "a list" : "a mapping";
}

static bool expect(struct px *x, const struct ynode *n, enum ynode_type t, const char *what)
{
	static const char *const names[] = { "a string", "a list", "a mapping" };

	if (n->type == t)
		return true;
	err(x, n, "%s must be %s, not %s", what, names[t], type_name(n));
	return false;
}

static int parse_u32(const char *s, uint32_t *ret)
{
	unsigned long v;
	char *end;

	if (*s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || v > UINT32_MAX)
		return -EINVAL;
	*ret = (uint32_t)v;
	return 0;
}

/* "N" or "N-M" with N <= M. */
static int parse_u32_range(const char *s, struct prange *ret)
{
	const char *dash = strchr(s, '-');
	size_t len = dash ? (size_t)(dash - s) : strlen(s);
	char lo[16];

	if (len >= sizeof(lo))
		return -EINVAL;
	memcpy(lo, s, len);
	lo[len] = '\0';
	if (parse_u32(lo, &ret->lo) < 0 || parse_u32(dash ? dash + 1 : lo, &ret->hi) < 0 ||
	    ret->lo > ret->hi)
		return -EINVAL;
	return 0;
}

static int parse_bool(const struct ynode *n, bool *ret)
{
	if (n->type != YN_SCALAR)
		return -EINVAL;
	if (strcmp(n->str, "true") == 0)
		*ret = true;
	else if (strcmp(n->str, "false") == 0)
		*ret = false;
	else
		return -EINVAL;
	return 0;
}

static bool valid_name(const char *s, size_t max, bool dots)
{
	size_t n = 0;

	for (; s[n]; n++)
		if (!((s[n] >= 'a' && s[n] <= 'z') || (s[n] >= 'A' && s[n] <= 'Z') ||
		      (s[n] >= '0' && s[n] <= '9') || s[n] == '_' || s[n] == '-' ||
		      (dots && (s[n] == '.' || s[n] == ':' || s[n] == '#'))))
			return false;
	return n > 0 && n <= max;
}

static struct plist *find_list(struct px *x, const char *name)
{
	for (size_t i = 0; i < x->lists.n; i++) {
		struct plist *l = x->lists.v[i];

		if (strcmp(l->name, name) == 0)
			return l;
	}
	return NULL;
}

/* A value as meant: "$$x" is the literal "$x". */
static const char *val_str(const struct ynode *n)
{
	return n->str[0] == '$' && n->str[1] == '$' ? n->str + 1 : n->str;
}

static bool is_ref(const struct ynode *n)
{
	return n->str[0] == '$' && n->str[1] != '$';
}

static int collect_one(struct px *x, const struct ynode *n, const char *field, struct pvec *out)
{
	struct plist *l;

	if (n->type != YN_SCALAR) {
		err(x, n, "a value of '%s' must be a string, not %s", field, type_name(n));
		return -EINVAL;
	}
	if (!is_ref(n))
		return pvec_push(out, (void *)n);
	l = find_list(x, n->str + 1);
	if (!l) {
		err(x, n, "unknown list '%s'", n->str + 1);
		return -EINVAL;
	}
	l->used = true;
	for (size_t i = 0; i < l->node->n; i++)
		if (pvec_push(out, l->node->items[i]) < 0)
			return -ENOMEM;
	return 0;
}

/* The values of an operator: a scalar or a list, with list references expanded. */
static int collect_values(struct px *x, const struct ynode *v, const char *field, struct pvec *out)
{
	int r = 0;

	if (v->type == YN_MAP) {
		err(x, v, "a value of '%s' must be a string or a list, not a mapping", field);
		return -EINVAL;
	}
	if (v->type == YN_SCALAR)
		r = collect_one(x, v, field, out);
	else
		for (size_t i = 0; i < v->n; i++) {
			int q = collect_one(x, v->items[i], field, out);

			if (q < 0 && r == 0)
				r = q;
		}
	if (r == 0 && out->n == 0) {
		err(x, v, "empty list of values for '%s'", field);
		r = -EINVAL;
	}
	if (r == 0 && out->n > SG_POLICY_VALUES_MAX) {
		err(x, v, "too many values for '%s' (max %d)", field, SG_POLICY_VALUES_MAX);
		r = -EINVAL;
	}
	return r;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int cmp_glob(const void *a, const void *b)
{
	return strcmp(((const struct pglob *)a)->pat, ((const struct pglob *)b)->pat);
}

static int cmp_range(const void *a, const void *b)
{
	const struct prange *x = a, *y = b;

	if (x->lo != y->lo)
		return x->lo < y->lo ? -1 : 1;
	return x->hi < y->hi ? -1 : x->hi > y->hi;
}

static int cmp_cidr(const void *a, const void *b)
{
	return addr_cidr_cmp(a, b);
}

static void classify_glob(struct pglob *g)
{
	const char *p = g->pat;
	size_t len = strlen(p), stars = 0, other = 0;

	for (size_t i = 0; i < len; i++) {
		if (p[i] == '*')
			stars++;
		else if (p[i] == '?' || p[i] == '[' || p[i] == '\\')
			other++;
	}
	g->kind = GLOB_FNMATCH;
	g->s = p;
	g->len = len;
	if (other)
		return;
	if (stars == 0) {
		g->kind = GLOB_EXACT;
	} else if (stars == 1 && p[len - 1] == '*') {
		g->kind = GLOB_PREFIX;
		g->len = len - 1;
	} else if (stars == 1 && p[0] == '*') {
		g->kind = GLOB_SUFFIX;
		g->s = p + 1;
		g->len = len - 1;
	} else if (stars == 2 && len > 2 && p[0] == '*' && p[len - 1] == '*') {
		g->kind = GLOB_CONTAINS;
		g->s = p + 1;
		g->len = len - 2;
	}
}

/*
 * 're': POSIX extended regular expressions, unanchored, case-sensitive.
 * Back-references are refused (their matching can take exponential time).
 */
static int compile_regexes(struct px *x, struct pop *op, const struct ynode *v)
{
	struct pregex *pr = alloc(x, sizeof(*pr));
	int r = 0;

	if (!pr)
		return x->fatal;
	pr->res = calloc(op->n, sizeof(*pr->res));
	if (!pr->res)
		return x->fatal = -ENOMEM;
	for (size_t i = 0; i < op->n; i++) {
		const char *s = op->strs[i];
		char why[128];
		int q = 0;

		for (size_t j = 0; s[j]; j++)
			if (s[j] == '\\' && s[j + 1] >= '1' && s[j + 1] <= '9') {
				err(x, v, "regular expression '%s': back-references are not allowed", s);
				q = -1;
				break;
			} else if (s[j] == '\\' && s[j + 1]) {
				j++;
			}
		if (q == 0)
			q = regcomp(&pr->res[pr->n], s, REG_EXTENDED | REG_NOSUB);
		if (q > 0) {
			regerror(q, &pr->res[pr->n], why, sizeof(why));
			err(x, v, "bad regular expression '%s': %s", s, why);
		}
		if (q)
			r = -EINVAL;
		else
			pr->n++;
	}
	/* registered even when incomplete, so that policy_free() frees what compiled */
	pr->next = x->p->regexes;
	x->p->regexes = pr;
	op->res = pr->n == op->n ? pr->res : NULL;
	return r;
}

static int parse_values(struct px *x, enum pfield f, struct pop *op, const struct ynode *v)
{
	const struct pfield_desc *fd = &policy_fields[f];
	struct pvec vals = { 0 };
	size_t n = 0;
	int r;

	r = collect_values(x, v, fd->name, &vals);
	if (r < 0)
		goto out;
	switch (fd->kind) {
	case PK_STR:
	case PK_ARGV:
		if (op->kind == OP_GLOB || op->kind == OP_ARG) {
			op->globs = alloc(x, vals.n * sizeof(*op->globs));
			if (!op->globs)
				break;
			for (size_t i = 0; i < vals.n; i++) {
				op->globs[i].pat = pstrdup(x, val_str(vals.v[i]));
				if (!op->globs[i].pat)
					break;
				classify_glob(&op->globs[i]);
			}
			qsort(op->globs, vals.n, sizeof(*op->globs), cmp_glob);
			for (size_t i = 0; i < vals.n; i++)
				if (n == 0 || strcmp(op->globs[n - 1].pat, op->globs[i].pat))
					op->globs[n++] = op->globs[i];
			op->n = n;
			break;
		}
		op->strs = alloc(x, vals.n * sizeof(*op->strs));
		op->lens = alloc(x, vals.n * sizeof(*op->lens));
		if (!op->strs || !op->lens)
			break;
		for (size_t i = 0; i < vals.n; i++) {
			op->strs[i] = pstrdup(x, val_str(vals.v[i]));
			if (!op->strs[i])
				goto out;
		}
		qsort(op->strs, vals.n, sizeof(*op->strs), cmp_str);
		for (size_t i = 0; i < vals.n; i++)
			if (n == 0 || strcmp(op->strs[n - 1], op->strs[i]))
				op->strs[n++] = op->strs[i];
		for (size_t i = 0; i < n; i++)
			op->lens[i] = strlen(op->strs[i]);
		op->n = n;
		if (op->kind == OP_RE)
			r = compile_regexes(x, op, v);
		break;
	case PK_NUM:
		op->ranges = alloc(x, vals.n * sizeof(*op->ranges));
		if (!op->ranges)
			break;
		for (size_t i = 0; i < vals.n; i++) {
			const struct ynode *e = vals.v[i];
			struct prange *pr = &op->ranges[i];

			if (fd->flags & PF_PORT) {
				struct addr_port_range pp;
				const char *why;

				if (addr_parse_port_range(e->str, &pp, &why) < 0) {
					err(x, e, "bad port or port range '%s': %s", e->str, why);
					r = -EINVAL;
					continue;
				}
				pr->lo = pp.lo;
				pr->hi = pp.hi;
			} else if (parse_u32_range(e->str, pr) < 0) {
				err(x, e, "bad number or range '%s' for '%s'", e->str, fd->name);
				r = -EINVAL;
			}
		}
		if (r < 0)
			break;
		qsort(op->ranges, vals.n, sizeof(*op->ranges), cmp_range);
		for (size_t i = 0; i < vals.n; i++)
			if (n == 0 || cmp_range(&op->ranges[n - 1], &op->ranges[i]))
				op->ranges[n++] = op->ranges[i];
		op->n = n;
		break;
	case PK_ADDR:
		op->cidrs = alloc(x, vals.n * sizeof(*op->cidrs));
		if (!op->cidrs)
			break;
		for (size_t i = 0; i < vals.n; i++) {
			const struct ynode *e = vals.v[i];
			const char *why;

			if (addr_parse_cidr(e->str, &op->cidrs[i], &why) < 0) {
				err(x, e, "bad address or CIDR '%s': %s", e->str, why);
				r = -EINVAL;
			}
		}
		if (r < 0)
			break;
		qsort(op->cidrs, vals.n, sizeof(*op->cidrs), cmp_cidr);
		for (size_t i = 0; i < vals.n; i++)
			if (n == 0 || addr_cidr_cmp(&op->cidrs[n - 1], &op->cidrs[i]))
				op->cidrs[n++] = op->cidrs[i];
		op->n = n;
		break;
	case PK_ENUM:
		for (size_t i = 0; i < vals.n; i++) {
			const struct ynode *e = vals.v[i];
			int bit = -1;

			for (int b = 0; b < 32; b++)
				if (policy_enum_name(f, b) && strcmp(policy_enum_name(f, b), e->str) == 0)
					bit = b;
			if (bit < 0) {
				char expected[160] = "";
				const char *names[32];
				int k = 0;

				for (int b = 0; b < 32; b++)
					if (policy_enum_name(f, b))
						names[k++] = policy_enum_name(f, b);
				for (int j = 0; j < k; j++) {
					strcat(expected, names[j]);
					if (j + 1 < k)
						strcat(expected, ", ");
				}
				err(x, e, "unknown %s '%s' (expected %s)",
				    f == FLD_EVENT ? "event type" : "value", e->str, expected);
				r = -EINVAL;
				continue;
			}
			op->mask |= 1u << bit;
		}
		op->n = 1;
		break;
	case PK_BOOL:
		for (size_t i = 0; i < vals.n; i++) {
			bool b;

			if (parse_bool(vals.v[i], &b) < 0) {
				err(x, vals.v[i], "'%s' takes true or false, not '%s'", fd->name,
				    ((const struct ynode *)vals.v[i])->str);
				r = -EINVAL;
				continue;
			}
			op->mask |= b ? 2 : 1;
		}
		op->n = 1;
		break;
	}
out:
	free(vals.v);
	if (x->fatal)
		return x->fatal;
	return r;
}

static bool op_allowed(enum pkind k, enum pop_kind op)
{
	switch (op) {
	case OP_IN:
	case OP_NOT:
	case OP_ALL:
		return true;
	case OP_ARG:
		return k == PK_ARGV;
	default:
		return k == PK_STR || k == PK_ARGV;
	}
}

static int cmp_op(const void *a, const void *b)
{
	return (int)((const struct pop *)a)->kind - (int)((const struct pop *)b)->kind;
}

static int parse_fieldcond(struct px *x, enum pfield f, const struct ynode *v,
			   struct pfieldcond *out, int depth);

/* 'all': a list of conditions on the same field, every one must hold. */
static int parse_all(struct px *x, enum pfield f, const struct ynode *v, struct pop *op,
		     int depth)
{
	int r = 0;

	if (v->type != YN_SEQ || v->n == 0) {
		err(x, v, "'all' takes a list of conditions on '%s'", policy_fields[f].name);
		return -EINVAL;
	}
	if (depth >= SG_POLICY_NOT_MAX) {
		err(x, v, "'all' nested too deeply");
		return -EINVAL;
	}
	if (v->n > SG_POLICY_VALUES_MAX) {
		err(x, v, "too many conditions in 'all' (max %d)", SG_POLICY_VALUES_MAX);
		return -EINVAL;
	}
	op->all = alloc(x, v->n * sizeof(*op->all));
	if (!op->all)
		return x->fatal;
	op->n = v->n;
	for (size_t i = 0; i < v->n; i++) {
		int q = parse_fieldcond(x, f, v->items[i], &op->all[i], depth + 1);

		if (q < 0)
			r = q;
		if (x->fatal)
			return x->fatal;
	}
	return r;
}

static int parse_fieldcond(struct px *x, enum pfield f, const struct ynode *v,
			   struct pfieldcond *out, int depth)
{
	const struct pfield_desc *fd = &policy_fields[f];
	int r = 0;

	out->field = f;
	out->mark = v->mark;
	if (v->type != YN_MAP) {
		/* Shorthand: a value or a list is 'in' ('arg' for proc.argv). */
		out->ops = alloc(x, sizeof(*out->ops));
		if (!out->ops)
			return x->fatal;
		out->nops = 1;
		out->ops[0].kind = fd->kind == PK_ARGV ? OP_ARG : OP_IN;
		return parse_values(x, f, &out->ops[0], v);
	}
	if (v->n == 0) {
		err(x, v, "no operator for '%s'", fd->name);
		return -EINVAL;
	}
	out->ops = alloc(x, (v->n / 2) * sizeof(*out->ops));
	if (!out->ops)
		return x->fatal;
	for (size_t i = 0; i < v->n; i += 2) {
		const struct ynode *k = v->items[i], *val = v->items[i + 1];
		struct pop *op = &out->ops[out->nops];
		int kind = -1, q;

		for (int o = 0; o < OP_MAX; o++)
			if (strcmp(k->str, policy_op_names[o]) == 0)
				kind = o;
		if (strcmp(k->str, "is") == 0)
			kind = OP_IN;
		if (kind < 0 || !op_allowed(fd->kind, kind)) {
			err(x, k, "unknown operator '%s' for '%s' (expected %s)", k->str, fd->name,
			    fd->kind == PK_ARGV ? "in, arg, prefix, suffix, contains, glob, re, not, all" :
			    fd->kind == PK_STR ? "in, prefix, suffix, contains, glob, re, not, all" :
						 "in, not, all");
			r = -EINVAL;
			continue;
		}
		for (size_t j = 0; j < out->nops; j++)
			if (out->ops[j].kind == (enum pop_kind)kind) {
				err(x, k, "operator '%s' given twice for '%s'",
				    policy_op_names[kind], fd->name);
				kind = -1;
				break;
			}
		if (kind < 0) {
			r = -EINVAL;
			continue;
		}
		op->kind = kind;
		if (kind == OP_NOT) {
			if (depth >= SG_POLICY_NOT_MAX) {
				err(x, k, "'not' nested too deeply");
				r = -EINVAL;
				continue;
			}
			op->not = alloc(x, sizeof(*op->not));
			if (!op->not)
				return x->fatal;
			op->n = 1;
			q = parse_fieldcond(x, f, val, op->not, depth + 1);
		} else if (kind == OP_ALL) {
			q = parse_all(x, f, val, op, depth);
		} else {
			q = parse_values(x, f, op, val);
		}
		if (q < 0)
			r = q;
		out->nops++;
		if (x->fatal)
			return x->fatal;
	}
	qsort(out->ops, out->nops, sizeof(*out->ops), cmp_op);
	/* 'in' with another positive operator: every one must hold, rarely meant. */
	if (out->nops > 1 && out->ops[0].kind == OP_IN && out->ops[1].kind != OP_NOT &&
	    (fd->kind == PK_STR || fd->kind == PK_ARGV))
		policy_diag_add(x->d, &v->mark, true,
				"'%s': 'in' and '%s' must both hold; for either, put the values "
				"in one 'glob' list", fd->name, policy_op_names[out->ops[1].kind]);
	return r;
}

/* What testing a condition costs, roughly: cheap ones go first. */
static int cond_cost(const struct pfieldcond *c)
{
	const struct pfield_desc *fd = &policy_fields[c->field];
	int cost = 0;

	switch (fd->kind) {
	case PK_ENUM:
	case PK_BOOL:
	case PK_NUM:
		cost = 0;
		break;
	case PK_ADDR:
		cost = 1;
		break;
	default:
		cost = 2;
		for (size_t i = 0; i < c->nops; i++)
			if (c->ops[i].kind != OP_IN)
				cost = 3;
		break;
	}
	if (fd->flags & PF_LINEAGE)
		cost += 2; /* process table lookups */
	return cost;
}

static int cmp_cond(const void *a, const void *b)
{
	const struct pfieldcond *x = a, *y = b;
	int cx = cond_cost(x), cy = cond_cost(y);

	if (cx != cy)
		return cx - cy;
	return (int)x->field - (int)y->field;
}

/*
 * A mapping of field: condition.  events restricts the fields to those that
 * exist for the rule's events (0: no restriction).
 */
static int parse_condset(struct px *x, const struct ynode *v, uint32_t events, const char *what,
			 bool allow_empty, struct pcondset *out)
{
	int r = 0;

	out->mark = v->mark;
	if (!expect(x, v, YN_MAP, what))
		return -EINVAL;
	if (v->n == 0 && !allow_empty) {
		err(x, v, "%s has no conditions (it would match every event)", what);
		return -EINVAL;
	}
	out->conds = alloc(x, (v->n / 2) * sizeof(*out->conds));
	if (!out->conds)
		return x->fatal;
	for (size_t i = 0; i < v->n; i += 2) {
		const struct ynode *k = v->items[i];
		int f = policy_field_find(k->str), q;

		if (f < 0) {
			err(x, k, "unknown field '%s'", k->str);
			r = -EINVAL;
			continue;
		}
		if (events && !(policy_field_events[f] & events)) {
			const char *names[32];
			char buf[200] = "";
			int n = policy_events_names(events, names, 32);

			for (int j = 0; j < n; j++) {
				strcat(buf, names[j]);
				if (j + 1 < n)
					strcat(buf, ", ");
			}
			err(x, k, "field '%s' does not exist for events [%s]", k->str, buf);
			r = -EINVAL;
			continue;
		}
		q = parse_fieldcond(x, f, v->items[i + 1], &out->conds[out->n++], 0);
		if (q < 0)
			r = q;
		if (x->fatal)
			return x->fatal;
	}
	qsort(out->conds, out->n, sizeof(*out->conds), cmp_cond);
	return r;
}

static int parse_events(struct px *x, const struct ynode *v, uint32_t *ret)
{
	uint32_t mask = 0;
	int r = 0;

	if (v->type == YN_MAP) {
		err(x, v, "'events' must be a list of event types");
		return -EINVAL;
	}
	if (v->type == YN_SEQ && v->n == 0) {
		err(x, v, "'events' is empty");
		return -EINVAL;
	}
	for (size_t i = 0; i < (v->type == YN_SEQ ? v->n : 1); i++) {
		const struct ynode *e = v->type == YN_SEQ ? v->items[i] : v;
		int bit = -1;

		if (e->type == YN_SCALAR)
			for (int b = 0; b < 32; b++)
				if (policy_enum_name(FLD_EVENT, b) &&
				    strcmp(policy_enum_name(FLD_EVENT, b), e->str) == 0)
					bit = b;
		if (bit < 0) {
			char expected[512] = "";
			const char *names[32];
			int k = policy_events_names(0xffffffffu, names, 32);
			size_t o = 0;

			for (int j = 0; j < k && o < sizeof(expected); j++)
				o += snprintf(expected + o, sizeof(expected) - o, "%s%s", names[j],
					      j + 1 < k ? ", " : "");
			if (e->type != YN_SCALAR)
				err(x, e, "an event type must be a string, not %s", type_name(e));
			else
				err(x, e, "unknown event type '%s' (expected %s)", e->str, expected);
			r = -EINVAL;
			continue;
		}
		mask |= 1u << bit;
	}
	*ret = mask;
	return r;
}

static int parse_strlist(struct px *x, const struct ynode *v, const char *what, const char ***ret,
			 size_t *nret)
{
	size_t n = v->type == YN_SEQ ? v->n : 1, k = 0;
	const char **s;

	if (v->type == YN_MAP) {
		err(x, v, "'%s' must be a list of strings", what);
		return -EINVAL;
	}
	s = alloc(x, n * sizeof(*s));
	if (!s)
		return x->fatal;
	for (size_t i = 0; i < n; i++) {
		const struct ynode *e = v->type == YN_SEQ ? v->items[i] : v;

		if (e->type != YN_SCALAR) {
			err(x, e, "'%s' must be a list of strings", what);
			return -EINVAL;
		}
		s[i] = pstrdup(x, e->str);
		if (!s[i])
			return x->fatal;
	}
	qsort(s, n, sizeof(*s), cmp_str);
	for (size_t i = 0; i < n; i++)
		if (k == 0 || strcmp(s[k - 1], s[i]))
			s[k++] = s[i];
	*ret = s;
	*nret = k;
	return 0;
}

static const struct ynode *map_get(const struct ynode *m, const char *key)
{
	for (size_t i = 0; i < m->n; i += 2)
		if (strcmp(m->items[i]->str, key) == 0)
			return m->items[i + 1];
	return NULL;
}

static const char *const rule_keys[] = {
	"id", "description", "events", "match", "except", "exceptions", "action", "severity",
	"tags", "enabled", "force", NULL,
};

static int parse_rule(struct px *x, const struct ynode *v)
{
	const struct ynode *id, *events, *match, *except, *action, *sev, *tags, *en, *desc, *force;
	struct prule *rule;
	int r = 0, q;

	if (!expect(x, v, YN_MAP, "a rule"))
		return -EINVAL;
	rule = alloc(x, sizeof(*rule));
	if (!rule)
		return x->fatal;
	rule->mark = v->mark;
	for (size_t i = 0; i < v->n; i += 2) {
		const char *k = v->items[i]->str;
		bool known = false;

		for (size_t j = 0; rule_keys[j]; j++)
			known |= strcmp(k, rule_keys[j]) == 0;
		if (!known) {
			err(x, v->items[i], "unknown key '%s' in a rule (expected %s)", k,
			    "id, description, events, match, except, action, severity, tags, "
			    "enabled, force");
			r = -EINVAL;
		}
	}
	id = map_get(v, "id");
	events = map_get(v, "events");
	match = map_get(v, "match");
	except = map_get(v, "except");
	if (!except)
		except = map_get(v, "exceptions");
	else if (map_get(v, "exceptions")) {
		err(x, v, "a rule has 'except' and 'exceptions'; use one");
		r = -EINVAL;
	}
	action = map_get(v, "action");
	sev = map_get(v, "severity");
	tags = map_get(v, "tags");
	en = map_get(v, "enabled");
	desc = map_get(v, "description");
	force = map_get(v, "force");

	if (!id) {
		err(x, v, "a rule without 'id'");
		r = -EINVAL;
	} else if (expect(x, id, YN_SCALAR, "'id'")) {
		if (!valid_name(id->str, SG_POLICY_ID_MAX, true)) {
			err(x, id, "bad rule id '%s' (1 to %d of A-Z a-z 0-9 _ - . :)", id->str,
			    SG_POLICY_ID_MAX);
			r = -EINVAL;
		} else {
			for (size_t i = 0; i < x->rules.n; i++) {
				const struct prule *o = x->rules.v[i];

				if (o->id && strcmp(o->id, id->str) == 0) {
					err(x, id, "duplicate rule id '%s' (first at %s:%u:%u)",
					    id->str, o->mark.file, o->mark.line, o->mark.col);
					r = -EINVAL;
				}
			}
			rule->id = pstrdup(x, id->str);
		}
	} else {
		r = -EINVAL;
	}
	if (desc && expect(x, desc, YN_SCALAR, "'description'"))
		rule->description = pstrdup(x, desc->str);
	else if (desc)
		r = -EINVAL;
	if (!events) {
		err(x, v, "rule '%s' has no 'events'", rule->id ? rule->id : "?");
		r = -EINVAL;
	} else if (parse_events(x, events, &rule->events) < 0) {
		r = -EINVAL;
	}
	if (match && match->type == YN_SEQ) {
		/* A list of condition sets: any of them. */
		if (match->n == 0) {
			err(x, match, "'match' is an empty list");
			r = -EINVAL;
		}
		rule->match = alloc(x, (match->n ? match->n : 1) * sizeof(*rule->match));
		if (!rule->match)
			return x->fatal;
		for (size_t i = 0; i < match->n; i++) {
			q = parse_condset(x, match->items[i], rule->events, "a 'match' entry",
					  false, &rule->match[rule->nmatch++]);
			if (q < 0)
				r = q;
		}
	} else if (match) {
		rule->match = alloc(x, sizeof(*rule->match));
		if (!rule->match)
			return x->fatal;
		q = parse_condset(x, match, rule->events, "'match'", true, &rule->match[0]);
		if (q < 0)
			r = q;
		rule->nmatch = rule->match[0].n ? 1 : 0;
	}
	if (except) {
		size_t n = except->type == YN_SEQ ? except->n : 0;

		if (except->type != YN_SEQ) {
			err(x, except, "'except' must be a list of condition sets");
			r = -EINVAL;
		}
		rule->except = alloc(x, (n ? n : 1) * sizeof(*rule->except));
		if (!rule->except)
			return x->fatal;
		for (size_t i = 0; i < n; i++) {
			q = parse_condset(x, except->items[i], rule->events, "an exception", false,
					  &rule->except[rule->nexcept++]);
			if (q < 0)
				r = q;
		}
	}
	rule->severity = x->p->def_severity;
	if (sev) {
		q = sev->type == YN_SCALAR ? sg_severity_from_name(sev->str) : -EINVAL;
		if (sev->type != YN_SCALAR) {
			expect(x, sev, YN_SCALAR, "'severity'");
			r = -EINVAL;
		} else if (q < 0) {
			err(x, sev, "unknown severity '%s' (expected %s)", sev->str,
			    "info, low, medium, high, critical");
			r = -EINVAL;
		} else {
			rule->severity = q;
		}
	}
	rule->enabled = true;
	if (en && parse_bool(en, &rule->enabled) < 0) {
		err(x, en, "'enabled' takes true or false");
		r = -EINVAL;
	}
	if (force && parse_bool(force, &rule->force) < 0) {
		err(x, force, "'force' takes true or false");
		r = -EINVAL;
	}
	if (tags && parse_strlist(x, tags, "tags", &rule->tags, &rule->ntags) < 0)
		r = -EINVAL;
	if (!action) {
		err(x, v, "rule '%s' has no 'action'", rule->id ? rule->id : "?");
		r = -EINVAL;
	} else {
		q = action->type == YN_SCALAR ? sg_action_from_name(action->str) : -EINVAL;
		if (action->type != YN_SCALAR) {
			expect(x, action, YN_SCALAR, "'action'");
			r = -EINVAL;
		} else if (q < 0) {
			err(x, action, "unknown action '%s' (expected allow, log, alert, block)",
			    action->type == YN_SCALAR ? action->str : type_name(action));
			r = -EINVAL;
		} else {
			rule->action = q;
		}
	}
	/* Block rules no enforcer can carry out are reported, never refused. */
	if (r == 0 && rule->action == SG_ACT_BLOCK && rule->enabled) {
		const char *why;

		rule->plan = policy_rule_plan(rule, &why);
		rule->reason = why;
		if (why)
			policy_diag_add(x->d, &action->mark, true,
					"rule '%s' is monitor-only: %s; its events are reported "
					"with \"enforced\": false", rule->id, why);
		else if (!strcmp(rule->plan, "fanotify") && !policy_rule_names_paths(rule))
			policy_diag_add(x->d, &action->mark, true,
					"rule '%s' names no path: file enforcement watches the whole "
					"root filesystem for it", rule->id);
	}
	if (x->fatal)
		return x->fatal;
	if (x->rules.n >= SG_POLICY_RULES_MAX) {
		err(x, v, "too many rules (max %d)", SG_POLICY_RULES_MAX);
		return -EINVAL;
	}
	q = pvec_push(&x->rules, rule);
	if (q < 0)
		return x->fatal = q;
	return r;
}

static int parse_duration(const char *s, uint64_t *ret)
{
	unsigned long v;
	uint64_t mult;
	char *end;

	if (strcmp(s, "0") == 0) {
		*ret = 0;
		return 0;
	}
	if (*s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno)
		return -EINVAL;
	if (strcmp(end, "ms") == 0)
		mult = 1000000ull;
	else if (strcmp(end, "s") == 0)
		mult = 1000000000ull;
	else if (strcmp(end, "m") == 0)
		mult = 60000000000ull;
	else
		return -EINVAL;
	if (v > SG_DEDUP_WINDOW_MAX * 1000ul || v * (mult / 1000000ull) >
						     SG_DEDUP_WINDOW_MAX * 1000ull)
		return -ERANGE;
	*ret = v * mult;
	return 0;
}

static void parse_defaults(struct px *x, const struct ynode *v)
{
	static const char *const keys[] = { "action", "severity", "dedup_window" };

	if (!expect(x, v, YN_MAP, "'defaults'"))
		return;
	for (size_t i = 0; i < v->n; i += 2) {
		const struct ynode *k = v->items[i], *val = v->items[i + 1];
		int which = -1, q;

		for (int j = 0; j < 3; j++)
			if (strcmp(k->str, keys[j]) == 0)
				which = j;
		if (which < 0) {
			err(x, k, "unknown key '%s' in 'defaults' (expected action, severity, "
				  "dedup_window)", k->str);
			continue;
		}
		if (x->def_mark[which].file) {
			err(x, k, "'defaults.%s' already set at %s:%u:%u", k->str,
			    x->def_mark[which].file, x->def_mark[which].line,
			    x->def_mark[which].col);
			continue;
		}
		x->def_mark[which] = k->mark;
		if (!expect(x, val, YN_SCALAR, "a default"))
			continue;
		switch (which) {
		case 0:
			q = sg_action_from_name(val->str);
			if (q < 0 || q == SG_ACT_BLOCK)
				err(x, val, "bad default action '%s' (expected allow, log, alert)",
				    val->str);
			else
				x->p->def_action = q;
			break;
		case 1:
			q = sg_severity_from_name(val->str);
			if (q < 0)
				err(x, val, "unknown severity '%s' (expected %s)", val->str,
				    "info, low, medium, high, critical");
			else
				x->p->def_severity = q;
			break;
		case 2:
			q = parse_duration(val->str, &x->p->dedup_window_ns);
			if (q == -ERANGE)
				err(x, val, "dedup window '%s' is longer than %ds", val->str,
				    SG_DEDUP_WINDOW_MAX);
			else if (q < 0)
				err(x, val, "bad duration '%s' (expected %s)", val->str,
				    "0, or a number and ms, s or m");
			break;
		}
	}
}

static void parse_lists(struct px *x, const struct ynode *v)
{
	if (!expect(x, v, YN_MAP, "'lists'"))
		return;
	for (size_t i = 0; i < v->n; i += 2) {
		const struct ynode *k = v->items[i], *val = v->items[i + 1];
		struct plist *l, *o;
		bool ok = true;

		if (!valid_name(k->str, SG_POLICY_ID_MAX, false)) {
			err(x, k, "bad list name '%s' (1 to %d of A-Z a-z 0-9 _ -)", k->str,
			    SG_POLICY_ID_MAX);
			continue;
		}
		o = find_list(x, k->str);
		if (o) {
			err(x, k, "duplicate list '%s' (first at %s:%u:%u)", k->str,
			    o->node->mark.file, o->node->mark.line, o->node->mark.col);
			continue;
		}
		if (!expect(x, val, YN_SEQ, "a list"))
			continue;
		for (size_t j = 0; j < val->n; j++) {
			const struct ynode *e = val->items[j];

			if (e->type != YN_SCALAR) {
				err(x, e, "an item of list '%s' must be a string, not %s", k->str,
				    type_name(e));
				ok = false;
			} else if (is_ref(e)) {
				err(x, e, "list '%s' refers to another list; lists cannot nest",
				    k->str);
				ok = false;
			}
		}
		if (!ok)
			continue;
		if (x->lists.n >= SG_POLICY_LISTS_MAX) {
			err(x, k, "too many lists (max %d)", SG_POLICY_LISTS_MAX);
			return;
		}
		l = policy_arena_alloc(&x->tmp, sizeof(*l));
		if (!l || pvec_push(&x->lists, l) < 0) {
			x->fatal = -ENOMEM;
			return;
		}
		l->name = k->str;
		l->node = val;
	}
}

/* Pass 1 over a file: the document's shape, version, lists, defaults. */
static void pass1(struct px *x, const struct pfile *f)
{
	static const char *const keys[] = { "version", "lists", "defaults", "exclude", "rules",
					    "sigma" };
	const struct ynode *root = f->root, *ver;
	struct pmark top = { .file = f->name, .line = 1, .col = 1 };

	if (!root || root->type != YN_MAP) {
		policy_diag_add(x->d, root ? &root->mark : &top, false,
				"a policy must be a mapping with 'version: 1'");
		return;
	}
	for (size_t i = 0; i < root->n; i += 2) {
		bool known = false;

		for (size_t j = 0; j < 6; j++)
			known |= strcmp(root->items[i]->str, keys[j]) == 0;
		if (!known)
			err(x, root->items[i], "unknown key '%s' (expected %s)",
			    root->items[i]->str, "version, lists, defaults, exclude, rules, sigma");
	}
	ver = map_get(root, "version");
	if (!ver)
		policy_diag_add(x->d, &root->mark, false, "missing 'version: 1'");
	else if (ver->type != YN_SCALAR || strcmp(ver->str, "1") != 0)
		err(x, ver, "unsupported version '%s' (this build knows version 1)",
		    ver->type == YN_SCALAR ? ver->str : type_name(ver));
	if (map_get(root, "lists"))
		parse_lists(x, map_get(root, "lists"));
	if (map_get(root, "defaults"))
		parse_defaults(x, map_get(root, "defaults"));
}

/*
 * A rule converted from Sigma (policy_sigma.c).  One the engine refuses is a
 * refusal like the converter's: its messages become warnings, the rule is left
 * out, and the rest of the policy loads.
 */
static int sigma_rule(void *arg, const struct ynode *v)
{
	struct px *x = arg;
	size_t nrules = x->rules.n, msgs = x->d->n;
	unsigned int errors = x->d->errors;

	if (parse_rule(x, v) == 0 || x->fatal)
		return x->fatal;
	x->rules.n = nrules;
	for (size_t i = msgs; i < x->d->n; i++)
		x->d->msgs[i].warning = true;
	x->d->warnings += x->d->errors - errors;
	x->d->errors = errors;
	return 0;
}

/* Pass 2: exclusions and rules, then the rules of the Sigma files named. */
static void pass2(struct px *x, const struct pfile *f)
{
	const struct ynode *root = f->root, *ex, *rules, *sigma;

	if (!root || root->type != YN_MAP)
		return;
	ex = map_get(root, "exclude");
	if (ex && expect(x, ex, YN_SEQ, "'exclude'")) {
		for (size_t i = 0; i < ex->n && !x->fatal; i++) {
			struct pcondset *cs = alloc(x, sizeof(*cs));

			if (!cs)
				return;
			if (parse_condset(x, ex->items[i], 0, "an exclusion", false, cs) == 0 &&
			    pvec_push(&x->excl, cs) < 0)
				x->fatal = -ENOMEM;
		}
	}
	rules = map_get(root, "rules");
	if (rules && expect(x, rules, YN_SEQ, "'rules'"))
		for (size_t i = 0; i < rules->n && !x->fatal; i++)
			parse_rule(x, rules->items[i]);
	sigma = map_get(root, "sigma");
	if (sigma && x->from_text)
		err(x, sigma, "'sigma' paths are read only from policy files, not from a "
			      "policy given as text");
	else if (sigma && !x->fatal &&
		 policy_sigma_load(&x->tmp, &x->p->arena, f->name, sigma, sigma_rule, x,
				   x->d) == -ENOMEM)
		x->fatal = -ENOMEM;
}

/* A policy file's text, malloc'ed; what went wrong is reported at path. */
static int read_file(struct px *x, const char *path, char **ret, size_t *len)
{
	struct pmark m = { .file = path };
	const char *why;
	int fd, r;

	/* opened here, not by fio_read(), to tell "cannot open" from "cannot read" */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0) {
		r = -errno;
		policy_diag_add(x->d, &m, false, "cannot open: %s", strerror(-r));
		return r;
	}
	r = fio_read_fd(fd, SG_POLICY_FILE_MAX, ret, len, &why);
	close(fd);
	if (r == -EINVAL)
		policy_diag_add(x->d, &m, false, "not a regular file");
	else if (r == -EFBIG)
		policy_diag_add(x->d, &m, false, "file too large (max %d bytes)",
				SG_POLICY_FILE_MAX);
	else if (r < 0 && r != -ENOMEM)
		policy_diag_add(x->d, &m, false, "cannot read: %s", why);
	return r;
}

static int add_text(struct px *x, const char *name, const char *text, size_t len)
{
	struct pfile *f = policy_arena_alloc(&x->tmp, sizeof(*f));
	int r;

	if (!f)
		return -ENOMEM;
	f->name = policy_arena_strndup(&x->p->arena, name, strlen(name));
	if (!f->name)
		return -ENOMEM;
	r = policy_yaml_parse(&x->tmp, f->name, text, len, (struct ynode **)&f->root, x->d);
	if (r == -ENOMEM)
		return r;
	if (r < 0)
		return 0; /* reported; the file contributes nothing */
	return pvec_push(&x->files, f);
}

static int add_path(struct px *x, const char *path, const char *shown)
{
	char *text;
	size_t len;
	int r;

	r = read_file(x, path, &text, &len);
	if (r < 0)
		return r;
	r = add_text(x, shown, text, len); /* the tree keeps copies of the strings */
	free(text);
	return r;
}

static bool yaml_name(const char *name, void *arg)
{
	size_t n = strlen(name);

	return name[0] != '.' && n >= 6 && strcmp(name + n - 5, ".yaml") == 0;
}

/* The *.yaml files of dir, in name order. */
static int add_dir(struct px *x, const char *dir)
{
	struct pmark m = { .file = dir };
	struct fio_names names;
	const char *why;
	int r;

	r = fio_list(dir, yaml_name, NULL, SG_POLICY_FILES_MAX, &names, &why);
	if (r == -E2BIG) {
		policy_diag_add(x->d, &m, false, "more than %d policy files", SG_POLICY_FILES_MAX);
		r = -EINVAL;
		goto out;
	}
	if (r == -ENOMEM)
		return r;
	if (r < 0) {
		policy_diag_add(x->d, &m, false, "cannot open directory: %s", why);
		return r;
	}
	if (names.n == 0) {
		policy_diag_add(x->d, &m, false, "no *.yaml files in the directory");
		r = -EINVAL;
		goto out;
	}
	for (size_t i = 0; i < names.n; i++) {
		size_t size = strlen(dir) + strlen(names.v[i]) + 2;
		char *path = policy_arena_alloc(&x->tmp, size);

		if (!path) {
			r = -ENOMEM;
			goto out;
		}
		(void)fio_join(path, size, dir, names.v[i]); /* fits: sized for it */
		r = add_path(x, path, path);
		if (r == -ENOMEM)
			goto out;
		r = 0; /* other problems are reported; go on with the next file */
	}
out:
	fio_names_free(&names);
	return r;
}

/* Everything after reading: the two passes and the index. */
static int compile(struct px *x)
{
	struct policy *p = x->p;
	size_t n;

	for (size_t i = 0; i < x->files.n; i++)
		pass1(x, x->files.v[i]);
	for (size_t i = 0; i < x->files.n && !x->fatal; i++)
		pass2(x, x->files.v[i]);
	if (x->fatal)
		return x->fatal;
	for (size_t i = 0; i < x->lists.n; i++) {
		const struct plist *l = x->lists.v[i];

		if (!l->used)
			policy_diag_add(x->d, &l->node->mark, true, "list '%s' is never used",
					l->name);
	}
	p->nrules = x->rules.n;
	p->rules = alloc(x, p->nrules * sizeof(*p->rules));
	p->nexclude = x->excl.n;
	p->exclude = alloc(x, p->nexclude * sizeof(*p->exclude));
	p->ctr = alloc(x, sizeof(*p->ctr) + p->nrules * sizeof(p->ctr->hits[0]));
	if (x->fatal)
		return x->fatal;
	for (size_t i = 0; i < p->nrules; i++)
		p->rules[i] = *(struct prule *)x->rules.v[i];
	for (size_t i = 0; i < p->nexclude; i++)
		p->exclude[i] = *(struct pcondset *)x->excl.v[i];
	for (int t = 1; t < SG_EV_KERNEL_MAX; t++) {
		uint32_t bits = 1u << t;

		if (t == SG_EV_OPEN)
			bits |= POLICY_EV_WRITE; /* 'write': an open with write intent */
		n = 0;
		for (size_t i = 0; i < p->nrules; i++)
			n += p->rules[i].enabled && (p->rules[i].events & bits);
		p->by_type[t] = alloc(x, n * sizeof(uint32_t));
		if (!p->by_type[t])
			return x->fatal;
		for (size_t i = 0; i < p->nrules; i++)
			if (p->rules[i].enabled && (p->rules[i].events & bits))
				p->by_type[t][p->nby_type[t]++] = (uint32_t)i;
	}
	return 0;
}

static bool msg_before(const struct policy_diag_msg *a, const struct policy_diag_msg *b)
{
	int c;

	if (!a->file || !b->file)
		return false;
	c = strcmp(a->file, b->file);
	if (c)
		return c < 0;
	return a->line < b->line || (a->line == b->line && a->col < b->col);
}

/* Messages of one load in file, line, column order (stable). */
static void sort_msgs(struct policy_diag *d, size_t from)
{
	for (size_t i = from + 1; i < d->n; i++) {
		struct policy_diag_msg m = d->msgs[i];
		size_t j = i;

		for (; j > from && msg_before(&m, &d->msgs[j - 1]); j--)
			d->msgs[j] = d->msgs[j - 1];
		d->msgs[j] = m;
	}
}

static int load(const char *path, const char *text, size_t len, struct policy **ret,
		struct policy_diag *diag)
{
	struct policy_diag local;
	struct px x = { 0 };
	unsigned int errors0;
	size_t msgs0;
	struct stat st;
	int r;

	if (!diag) {
		policy_diag_init(&local);
		diag = &local;
	}
	x.d = diag;
	msgs0 = diag->n;
	x.p = calloc(1, sizeof(*x.p));
	if (!x.p) {
		r = -ENOMEM;
		goto out;
	}
	x.p->def_action = SG_ACT_LOG;
	x.p->def_severity = SG_SEV_INFO;
	x.p->dedup_window_ns = 2000000000ull;
	x.p->source = policy_arena_strndup(&x.p->arena, path, strlen(path));
	if (!x.p->source) {
		r = -ENOMEM;
		goto out;
	}
	errors0 = diag->errors;
	x.from_text = text != NULL;
	if (text)
		r = add_text(&x, path, text, len);
	else if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
		r = add_dir(&x, path);
	else
		r = add_path(&x, path, path);
	if (r < 0)
		goto out;
	r = compile(&x);
	if (r < 0)
		goto out;
	if (diag->errors == errors0)
		policy_check_critical(x.p, diag);
	if (diag->errors != errors0) {
		r = -EINVAL;
		goto out;
	}
	*ret = x.p;
	x.p = NULL;
out:
	if (r == -ENOMEM)
		policy_diag_add(diag, NULL, false, "out of memory loading '%s'", path);
	sort_msgs(diag, msgs0);
	free(x.files.v);
	free(x.lists.v);
	free(x.rules.v);
	free(x.excl.v);
	policy_arena_free(&x.tmp);
	policy_free(x.p);
	if (diag == &local)
		policy_diag_fini(&local);
	return r;
}

int policy_load(const char *path, struct policy **ret, struct policy_diag *diag)
{
	return load(path, NULL, 0, ret, diag);
}

int policy_load_string(const char *name, const char *text, size_t len, struct policy **ret,
		       struct policy_diag *diag)
{
	return load(name, text ? text : "", text ? len : 0, ret, diag);
}

void policy_free(struct policy *p)
{
	if (!p)
		return;
	for (struct pregex *pr = p->regexes; pr; pr = pr->next) {
		for (size_t i = 0; i < pr->n; i++)
			regfree(&pr->res[i]);
		free(pr->res);
	}
	policy_arena_free(&p->arena);
	free(p);
}
