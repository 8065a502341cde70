// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The rules of each event type indexed by the program's name (proc.name),
 * so that an event is judged only by the rules that could hold for its
 * program and by those no name narrows.  A rule is indexed under names when
 * every one of its match sets names the program: proc.name 'in' (or exact
 * globs), or proc.exe 'in', 'suffix' or a suffix glob whose value has a '/'
 * (SigmaHQ's "Image|endswith: /curl"): the name is what follows the last
 * '/'.  Names are folded (utf8.h), and so is the event's, so the candidates
 * are a superset for case-sensitive rules too; each candidate is still
 * judged whole.  Built once per policy, in its arena.
 */
#include <string.h>
#include "policy_load.h"
#include "utf8.h"

#define NAME_BUF (2 * 256 + 1)

static uint32_t hash_name(const char *s)
{
	uint32_t h = 2166136261u;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return h;
}

/* The folded name a value gives, into buf; NULL when it gives none. */
static const char *name_of(const char *v, bool exe, char *buf)
{
	const char *slash = exe ? strrchr(v, '/') : NULL;

	if (exe) {
		if (!slash || !slash[1])
			return NULL;
		v = slash + 1;
	}
	if (!*v || strlen(v) >= 256)
		return NULL;
	utf8_fold(v, strlen(v), buf, NAME_BUF, true);
	return buf;
}

/*
 * Calls fn(arg, name) for each name of one operator of proc.name or
 * proc.exe; false when the operator does not restrict the name.
 */
static bool op_names(const struct pop *op, bool exe, void (*fn)(void *, const char *), void *arg)
{
	char buf[NAME_BUF];

	switch (op->kind) {
	case OP_IN:
		if (exe)
			for (size_t i = 0; i < op->n; i++)
				if (op->strs[i][0] != '/')
					return false;
		break;
	case OP_SUFFIX:
		if (!exe)
			return false;
		for (size_t i = 0; i < op->n; i++)
			if (!strchr(op->strs[i], '/'))
				return false;
		break;
	case OP_GLOB:
		for (size_t i = 0; i < op->n; i++) {
			const struct pglob *g = &op->globs[i];

			if (g->kind == GLOB_EXACT && (!exe || g->s[0] == '/'))
				continue;
			if (g->kind == GLOB_SUFFIX && exe && memchr(g->s, '/', g->len))
				continue;
			return false;
		}
		for (size_t i = 0; i < op->n; i++) {
			const struct pglob *g = &op->globs[i];
			char lit[NAME_BUF];
			size_t l = g->len < sizeof(lit) - 1 ? g->len : sizeof(lit) - 1;
			const char *nm;

			memcpy(lit, g->s, l);
			lit[l] = '\0';
			nm = name_of(lit, exe, buf);
			if (!nm)
				return false;
			if (fn)
				fn(arg, nm);
		}
		return op->n > 0;
	default:
		return false;
	}
	for (size_t i = 0; i < op->n; i++) {
		const char *nm = name_of(op->strs[i], exe, buf);

		if (!nm)
			return false;
		if (fn)
			fn(arg, nm);
	}
	return op->n > 0;
}

/* The operator of a match set that names the program, or NULL. */
static const struct pop *set_names(const struct pcondset *cs, bool *exe)
{
	for (size_t i = 0; i < cs->n; i++) {
		const struct pfieldcond *fc = &cs->conds[i];

		if (fc->field != FLD_PROC_NAME && fc->field != FLD_PROC_EXE)
			continue;
		for (size_t k = 0; k < fc->nops; k++)
			if (op_names(&fc->ops[k], fc->field == FLD_PROC_EXE, NULL, NULL)) {
				*exe = fc->field == FLD_PROC_EXE;
				return &fc->ops[k];
			}
	}
	return NULL;
}

static bool rule_indexable(const struct prule *r)
{
	bool exe;

	if (r->nmatch == 0)
		return false;
	for (size_t j = 0; j < r->nmatch; j++)
		if (!set_names(&r->match[j], &exe))
			return false;
	return true;
}

struct build {
	struct px *x;
	struct pindex *ix;
	uint32_t rule;
	bool fill;
};

/* The slot of name: its own, or the empty one where it would go. */
static size_t slot_of(const struct pindex *ix, const char *name)
{
	size_t mask = ix->nslots - 1, k = hash_name(name) & mask;

	while (ix->slots[k].name && strcmp(ix->slots[k].name, name) != 0)
		k = (k + 1) & mask;
	return k;
}

static void add_name(void *arg, const char *name)
{
	struct build *b = arg;
	struct pislot *s = &b->ix->slots[slot_of(b->ix, name)];

	if (!s->name) {
		s->name = px_strdup(b->x, name);
		if (!s->name)
			return;
	}
	if (!b->fill) {
		s->cap++;
		return;
	}
	/* a rule once per name, in policy order */
	if (s->n == 0 || s->rules[s->n - 1] != b->rule)
		s->rules[s->n++] = b->rule;
}

static void rule_names(struct build *b, const struct prule *r)
{
	for (size_t j = 0; j < r->nmatch; j++) {
		bool exe;
		const struct pop *op = set_names(&r->match[j], &exe);

		op_names(op, exe, add_name, b);
	}
}

int policy_index_build(struct px *x, struct policy *p)
{
	for (int t = 1; t < SG_EV_MAX; t++) {
		struct pindex *ix = &p->index[t];
		struct build b = { .x = x, .ix = ix };
		size_t names = 0, nrules = 0;

		for (size_t k = 0; k < p->nby_type[t]; k++) {
			const struct prule *r = &p->rules[p->by_type[t][k]];

			if (rule_indexable(r)) {
				nrules++;
				for (size_t j = 0; j < r->nmatch; j++) {
					bool exe;

					names += set_names(&r->match[j], &exe)->n;
				}
			}
		}
		ix->always = p->by_type[t];
		ix->nalways = p->nby_type[t];
		if (nrules < POLICY_INDEX_MIN)
			continue; /* too few to be worth a look-up */
		for (ix->nslots = 16; ix->nslots < 2 * names; ix->nslots *= 2)
			;
		ix->slots = px_alloc(x, ix->nslots * sizeof(*ix->slots));
		ix->always = px_alloc(x, (p->nby_type[t] - nrules + 1) * sizeof(uint32_t));
		if (x->fatal)
			return x->fatal;
		ix->nalways = 0;
		for (int pass = 0; pass < 2; pass++) {
			b.fill = pass == 1;
			for (size_t k = 0; k < p->nby_type[t]; k++) {
				uint32_t i = p->by_type[t][k];

				if (!rule_indexable(&p->rules[i])) {
					if (b.fill)
						ix->always[ix->nalways++] = i;
					continue;
				}
				b.rule = i;
				rule_names(&b, &p->rules[i]);
			}
			for (size_t s = 0; !b.fill && s < ix->nslots; s++)
				if (ix->slots[s].name) {
					ix->slots[s].rules = px_alloc(x, ix->slots[s].cap *
									      sizeof(uint32_t));
					if (!ix->slots[s].rules)
						return x->fatal;
				}
			if (x->fatal)
				return x->fatal;
		}
		ix->indexed = nrules;
	}
	return 0;
}

const struct pislot *policy_index_find(const struct pindex *ix, const char *name, size_t len)
{
	char buf[NAME_BUF];

	if (!ix->nslots || len >= 256)
		return NULL;
	utf8_fold(name, len, buf, sizeof(buf), true);
	const struct pislot *s = &ix->slots[slot_of(ix, buf)];

	return s->name ? s : NULL;
}
