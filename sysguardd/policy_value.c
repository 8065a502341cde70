// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Conditions on fields and their values, compiled for the matcher: a
 * field's operators (in, prefix, suffix, contains, glob, arg, re, not, all),
 * their values with list references expanded ('lists' are read here too),
 * strings sorted for binary search, globs classified, numbers, ports and
 * CIDRs parsed, enumerations as bit masks, regular expressions compiled;
 * and sets of conditions, cheapest first.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "utf8.h"
#include "policy_load.h"

const char *const policy_op_names[OP_MAX] = {
	[OP_IN] = "in", [OP_PREFIX] = "prefix", [OP_SUFFIX] = "suffix",
	[OP_CONTAINS] = "contains", [OP_GLOB] = "glob", [OP_ARG] = "arg", [OP_NOT] = "not",
	[OP_ALL] = "all", [OP_RE] = "re",
};

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
		px_err(x, n, "a value of '%s' must be a string, not %s", field, px_type_name(n));
		return -EINVAL;
	}
	if (!is_ref(n))
		return pvec_push(out, (void *)n);
	l = find_list(x, n->str + 1);
	if (!l) {
		px_err(x, n, "unknown list '%s'", n->str + 1);
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
		px_err(x, v, "a value of '%s' must be a string or a list, not a mapping", field);
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
		px_err(x, v, "empty list of values for '%s'", field);
		r = -EINVAL;
	}
	if (r == 0 && out->n > SG_POLICY_VALUES_MAX) {
		px_err(x, v, "too many values for '%s' (max %d)", field, SG_POLICY_VALUES_MAX);
		r = -EINVAL;
	}
	return r;
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

	g->chars = false;
	for (size_t i = 0; i < len; i++) {
		if (p[i] == '*')
			stars++;
		else if (p[i] == '?' || p[i] == '[' || p[i] == '\\')
			other++;
		if (p[i] == '?' || p[i] == '[')
			g->chars = true;
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
/* s case-folded (ascii: ASCII letters too), in the policy's arena. */
static const char *px_fold(struct px *x, const char *s, bool ascii)
{
	size_t len = strlen(s);
	char *buf = malloc(2 * len + 1);
	const char *r;

	if (!buf) {
		x->fatal = -ENOMEM;
		return NULL;
	}
	utf8_fold(s, len, buf, 2 * len + 1, ascii);
	r = px_strdup(x, buf);
	free(buf);
	return r;
}

/*
 * A pattern ignores case when its operator has nocase or it starts with
 * '(?i)' (as PCRE and Sigma write it; the prefix is not POSIX): it is
 * compiled with REG_ICASE, which covers ASCII, and its other characters are
 * folded here as the subject is at match time.
 */
static int compile_regexes(struct px *x, struct pop *op, const struct ynode *v)
{
	struct pregex *pr = px_alloc(x, sizeof(*pr));
	int r = 0;

	if (!pr)
		return x->fatal;
	pr->res = calloc(op->n, sizeof(*pr->res));
	if (!pr->res)
		return x->fatal = -ENOMEM;
	for (size_t i = 0; i < op->n; i++) {
		const char *s = op->strs[i];
		bool fold = op->nocase;
		char why[128];
		int q = 0;

		if (strncmp(s, "(?i)", 4) == 0) {
			s += 4;
			fold = true;
		}
		if (fold) {
			if (!op->re_fold) {
				op->re_fold = px_alloc(x, op->n * sizeof(*op->re_fold));
				if (!op->re_fold)
					return x->fatal;
			}
			op->re_fold[pr->n] = true;
			s = px_fold(x, s, false);
			if (!s)
				return x->fatal;
		}

		for (size_t j = 0; s[j]; j++)
			if (s[j] == '\\' && s[j + 1] >= '1' && s[j + 1] <= '9') {
				px_err(x, v, "regular expression '%s': %s", s,
				       "back-references are not allowed");
				q = -1;
				break;
			} else if (s[j] == '\\' && s[j + 1]) {
				j++;
			}
		if (q == 0)
			q = regcomp(&pr->res[pr->n], s,
				    REG_EXTENDED | REG_NOSUB | (fold ? REG_ICASE : 0));
		if (q > 0) {
			regerror(q, &pr->res[pr->n], why, sizeof(why));
			px_err(x, v, "bad regular expression '%s': %s", s, why);
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
			op->globs = px_alloc(x, vals.n * sizeof(*op->globs));
			if (!op->globs)
				break;
			for (size_t i = 0; i < vals.n; i++) {
				op->globs[i].pat = op->nocase ? px_fold(x, val_str(vals.v[i]), true) :
					px_strdup(x, val_str(vals.v[i]));
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
		op->strs = px_alloc(x, vals.n * sizeof(*op->strs));
		op->lens = px_alloc(x, vals.n * sizeof(*op->lens));
		if (!op->strs || !op->lens)
			break;
		for (size_t i = 0; i < vals.n; i++) {
			op->strs[i] = op->nocase && op->kind != OP_RE ?
				px_fold(x, val_str(vals.v[i]), true) : px_strdup(x, val_str(vals.v[i]));
			if (!op->strs[i])
				goto out;
		}
		qsort(op->strs, vals.n, sizeof(*op->strs), px_cmp_str);
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
		op->ranges = px_alloc(x, vals.n * sizeof(*op->ranges));
		if (!op->ranges)
			break;
		for (size_t i = 0; i < vals.n; i++) {
			const struct ynode *e = vals.v[i];
			struct prange *pr = &op->ranges[i];

			if (fd->flags & PF_PORT) {
				struct addr_port_range pp;
				const char *why;

				if (addr_parse_port_range(e->str, &pp, &why) < 0) {
					px_err(x, e, "bad port or port range '%s': %s", e->str,
					       why);
					r = -EINVAL;
					continue;
				}
				pr->lo = pp.lo;
				pr->hi = pp.hi;
			} else if (parse_u32_range(e->str, pr) < 0) {
				px_err(x, e, "bad number or range '%s' for '%s'", e->str, fd->name);
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
		op->cidrs = px_alloc(x, vals.n * sizeof(*op->cidrs));
		if (!op->cidrs)
			break;
		for (size_t i = 0; i < vals.n; i++) {
			const struct ynode *e = vals.v[i];
			const char *why;

			if (addr_parse_cidr(e->str, &op->cidrs[i], &why) < 0) {
				px_err(x, e, "bad address or CIDR '%s': %s", e->str, why);
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

			for (int b = 0; b < 32; b++) {
				const char *name = policy_enum_name(f, b);

				if (name && strcmp(name, e->str) == 0)
					bit = b;
			}
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
				px_err(x, e, "unknown %s '%s' (expected %s)",
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

			if (px_parse_bool(vals.v[i], &b) < 0) {
				px_err(x, vals.v[i], "'%s' takes true or false, not '%s'", fd->name,
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
			   struct pfieldcond *out, int depth, bool nocase);

/* 'all': a list of conditions on the same field, every one must hold. */
static int parse_all(struct px *x, enum pfield f, const struct ynode *v, struct pop *op,
		     int depth, bool nocase)
{
	int r = 0;

	if (v->type != YN_SEQ || v->n == 0) {
		px_err(x, v, "'all' takes a list of conditions on '%s'", policy_fields[f].name);
		return -EINVAL;
	}
	if (depth >= SG_POLICY_NOT_MAX) {
		px_err(x, v, "'all' nested too deeply");
		return -EINVAL;
	}
	if (v->n > SG_POLICY_VALUES_MAX) {
		px_err(x, v, "too many conditions in 'all' (max %d)", SG_POLICY_VALUES_MAX);
		return -EINVAL;
	}
	op->all = px_alloc(x, v->n * sizeof(*op->all));
	if (!op->all)
		return x->fatal;
	op->n = v->n;
	for (size_t i = 0; i < v->n; i++) {
		int q = parse_fieldcond(x, f, v->items[i], &op->all[i], depth + 1, nocase);

		if (q < 0)
			r = q;
		if (x->fatal)
			return x->fatal;
	}
	return r;
}

/*
 * 'nocase: true' among a field's operators: every string operator of the
 * mapping, and of the conditions nested in its 'not' and 'all', ignores case.
 * Returns 1 when present, 0 when not, -EINVAL when misused.
 */
static int parse_nocase(struct px *x, enum pfield f, const struct ynode *v, bool *nocase)
{
	const struct pfield_desc *fd = &policy_fields[f];

	for (size_t i = 0; i < v->n; i += 2) {
		const struct ynode *k = v->items[i], *val = v->items[i + 1];

		if (strcmp(k->str, "nocase") != 0)
			continue;
		if (fd->kind != PK_STR && fd->kind != PK_ARGV) {
			px_err(x, k, "'nocase' applies to strings; '%s' is not one", fd->name);
			return -EINVAL;
		}
		if (val->type != YN_SCALAR || px_parse_bool(val, nocase) < 0) {
			px_err(x, val, "'nocase' takes true or false");
			return -EINVAL;
		}
		if (v->n == 2) {
			px_err(x, v, "no operator for '%s' besides 'nocase'", fd->name);
			return -EINVAL;
		}
		return 1;
	}
	return 0;
}

static int parse_fieldcond(struct px *x, enum pfield f, const struct ynode *v,
			   struct pfieldcond *out, int depth, bool nocase)
{
	const struct pfield_desc *fd = &policy_fields[f];
	int r = 0, has_nocase;

	out->field = f;
	out->mark = v->mark;
	if (v->type != YN_MAP) {
		/* Shorthand: a value or a list is 'in' ('arg' for proc.argv). */
		out->ops = px_alloc(x, sizeof(*out->ops));
		if (!out->ops)
			return x->fatal;
		out->nops = 1;
		out->ops[0].kind = fd->kind == PK_ARGV ? OP_ARG : OP_IN;
		out->ops[0].nocase = nocase && (fd->kind == PK_STR || fd->kind == PK_ARGV);
		return parse_values(x, f, &out->ops[0], v);
	}
	if (v->n == 0) {
		px_err(x, v, "no operator for '%s'", fd->name);
		return -EINVAL;
	}
	has_nocase = parse_nocase(x, f, v, &nocase);
	if (has_nocase < 0)
		return has_nocase;
	out->ops = px_alloc(x, (v->n / 2) * sizeof(*out->ops));
	if (!out->ops)
		return x->fatal;
	for (size_t i = 0; i < v->n; i += 2) {
		const struct ynode *k = v->items[i], *val = v->items[i + 1];
		struct pop *op = &out->ops[out->nops];
		int kind = -1, q;

		if (strcmp(k->str, "nocase") == 0)
			continue;
		for (int o = 0; o < OP_MAX; o++)
			if (strcmp(k->str, policy_op_names[o]) == 0)
				kind = o;
		if (strcmp(k->str, "is") == 0)
			kind = OP_IN;
		if (kind < 0 || !op_allowed(fd->kind, kind)) {
			const char *ops = "in, not, all";

			if (fd->kind == PK_ARGV)
				ops = "in, arg, prefix, suffix, contains, glob, re, not, all, nocase";
			else if (fd->kind == PK_STR)
				ops = "in, prefix, suffix, contains, glob, re, not, all, nocase";
			px_err(x, k, "unknown operator '%s' for '%s' (expected %s)", k->str,
			       fd->name, ops);
			r = -EINVAL;
			continue;
		}
		for (size_t j = 0; j < out->nops; j++)
			if (out->ops[j].kind == (enum pop_kind)kind) {
				px_err(x, k, "operator '%s' given twice for '%s'",
				       policy_op_names[kind], fd->name);
				kind = -1;
				break;
			}
		if (kind < 0) {
			r = -EINVAL;
			continue;
		}
		op->kind = kind;
		op->nocase = nocase && (fd->kind == PK_STR || fd->kind == PK_ARGV);
		if (kind == OP_NOT) {
			if (depth >= SG_POLICY_NOT_MAX) {
				px_err(x, k, "'not' nested too deeply");
				r = -EINVAL;
				continue;
			}
			op->not = px_alloc(x, sizeof(*op->not));
			if (!op->not)
				return x->fatal;
			op->n = 1;
			q = parse_fieldcond(x, f, val, op->not, depth + 1, nocase);
		} else if (kind == OP_ALL) {
			q = parse_all(x, f, val, op, depth, nocase);
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

#define CONDSET_KEYED_MAX 64 /* conditions on keyed fields (container.labels.KEY) in one set */

/*
 * A mapping of field: condition.  events restricts the fields to those that
 * exist for the rule's events (0: no restriction).
 */
int px_parse_condset(struct px *x, const struct ynode *v, uint32_t events, const char *what,
		     bool allow_empty, struct pcondset *out)
{
	int r = 0, keyed = 0;

	out->mark = v->mark;
	if (!px_expect(x, v, YN_MAP, what))
		return -EINVAL;
	if (v->n == 0 && !allow_empty) {
		px_err(x, v, "%s has no conditions (it would match every event)", what);
		return -EINVAL;
	}
	out->conds = px_alloc(x, (v->n / 2) * sizeof(*out->conds));
	if (!out->conds)
		return x->fatal;
	for (size_t i = 0; i < v->n; i += 2) {
		const struct ynode *k = v->items[i];
		const char *key;
		int f = policy_field_find(k->str, &key), q;

		if (f < 0) {
			px_err(x, k, "unknown field '%s'", k->str);
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
			px_err(x, k, "field '%s' does not exist for events [%s]", k->str, buf);
			r = -EINVAL;
			continue;
		}
		if (key && ++keyed > CONDSET_KEYED_MAX) {
			px_err(x, k, "more than %d conditions on keyed fields in one set",
			       CONDSET_KEYED_MAX);
			r = -EINVAL;
			continue;
		}
		q = parse_fieldcond(x, f, v->items[i + 1], &out->conds[out->n], 0, false);
		out->conds[out->n++].key = key ? px_strdup(x, key) : NULL;
		if (q < 0)
			r = q;
		if (x->fatal)
			return x->fatal;
	}
	qsort(out->conds, out->n, sizeof(*out->conds), cmp_cond);
	return r;
}

void px_parse_lists(struct px *x, const struct ynode *v)
{
	if (!px_expect(x, v, YN_MAP, "'lists'"))
		return;
	for (size_t i = 0; i < v->n; i += 2) {
		const struct ynode *k = v->items[i], *val = v->items[i + 1];
		struct plist *l, *o;
		bool ok = true;

		if (!px_valid_name(k->str, SG_POLICY_ID_MAX, false)) {
			px_err(x, k, "bad list name '%s' (1 to %d of A-Z a-z 0-9 _ -)", k->str,
			       SG_POLICY_ID_MAX);
			continue;
		}
		o = find_list(x, k->str);
		if (o) {
			px_err(x, k, "duplicate list '%s' (first at %s:%u:%u)", k->str,
			       o->node->mark.file, o->node->mark.line, o->node->mark.col);
			continue;
		}
		if (!px_expect(x, val, YN_SEQ, "a list"))
			continue;
		for (size_t j = 0; j < val->n; j++) {
			const struct ynode *e = val->items[j];

			if (e->type != YN_SCALAR) {
				px_err(x, e, "an item of list '%s' must be a string, not %s",
				       k->str, px_type_name(e));
				ok = false;
			} else if (is_ref(e)) {
				px_err(x, e, "list '%s' refers to another list; lists cannot nest",
				       k->str);
				ok = false;
			}
		}
		if (!ok)
			continue;
		if (x->lists.n >= SG_POLICY_LISTS_MAX) {
			px_err(x, k, "too many lists (max %d)", SG_POLICY_LISTS_MAX);
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

