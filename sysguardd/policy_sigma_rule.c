// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * One Sigma rule as policy rules.  Its log source, level and identifiers are
 * checked, its condition put in disjunctive normal form
 * (policy_sigma_cond.c), and each group of conjunctions with the same
 * negated identifiers becomes one rule mapping of the policy language:
 * positive identifiers as 'match' sets, negated ones as 'except' sets.  The
 * policy loader then compiles them like any other rule.  Anything the engine
 * cannot express refuses the whole Sigma rule with a reason; nothing is
 * weakened.  Also the nodes of the YAML tree the rules are made of.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "policy_sigma_int.h"

/* ---- nodes ---------------------------------------------------------------- */

int sc_refuse(struct sconv *c, const struct ynode *n, const char *fmt, ...)
{
	va_list ap;

	if (!c->refused) {
		c->refused = true;
		c->why_node = n;
		va_start(ap, fmt);
		vsnprintf(c->why, sizeof(c->why), fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

void *sc_alloc(struct sconv *c, size_t n)
{
	void *r = policy_arena_alloc(c->a, n ? n : 1);

	if (!r)
		c->fatal = -ENOMEM;
	return r;
}

struct ynode *sc_scalar(struct sconv *c, const struct pmark *m, const char *s, size_t len)
{
	struct ynode *n = sc_alloc(c, sizeof(*n));
	char *str = policy_arena_strndup(c->a, s, len);

	if (!n || !str) {
		c->fatal = -ENOMEM;
		return NULL;
	}
	n->type = YN_SCALAR;
	n->mark = *m;
	n->str = str;
	n->len = len;
	return n;
}

struct ynode *sc_str(struct sconv *c, const struct pmark *m, const char *s)
{
	return sc_scalar(c, m, s, strlen(s));
}

struct ynode *sc_val(struct sconv *c, const struct pmark *m, const char *s, size_t len)
{
	struct ynode *n;
	char *t;

	if (len == 0 || s[0] != '$')
		return sc_scalar(c, m, s, len);
	t = malloc(len + 2);
	if (!t) {
		c->fatal = -ENOMEM;
		return NULL;
	}
	t[0] = '$';
	memcpy(t + 1, s, len);
	n = sc_scalar(c, m, t, len + 1);
	free(t);
	return n;
}

struct ynode *sc_node(struct sconv *c, enum ynode_type t, const struct pmark *m,
		      struct ynode **items, size_t n)
{
	struct ynode *r = sc_alloc(c, sizeof(*r));

	if (!r)
		return NULL;
	r->type = t;
	r->mark = *m;
	r->n = n;
	r->items = sc_alloc(c, (n ? n : 1) * sizeof(*items));
	if (!r->items)
		return NULL;
	if (n)
		memcpy(r->items, items, n * sizeof(*items));
	return r;
}

int sc_nl_push(struct sconv *c, struct nlist *l, struct ynode *e)
{
	if (!e)
		return c->fatal = -ENOMEM;
	if (l->n == l->cap) {
		size_t cap = l->cap ? 2 * l->cap : 8;
		struct ynode **v = realloc(l->v, cap * sizeof(*v));

		if (!v)
			return c->fatal = -ENOMEM;
		l->v = v;
		l->cap = cap;
	}
	l->v[l->n++] = e;
	return 0;
}

struct ynode *sc_nl_finish(struct sconv *c, struct nlist *l, enum ynode_type t,
			   const struct pmark *m)
{
	struct ynode *r = c->fatal ? NULL : sc_node(c, t, m, l->v, l->n);

	free(l->v);
	*l = (struct nlist){ 0 };
	return r;
}
struct ynode *sc_str_op_map(struct sconv *c, const struct pmark *m, const char *op,
			    struct ynode **vals, size_t n, bool cased)
{
	struct ynode *kv[4];
	size_t nkv = cased ? 2 : 4;

	kv[0] = sc_str(c, m, op);
	kv[1] = sc_node(c, YN_SEQ, m, vals, n);
	if (!cased) {
		kv[2] = sc_str(c, m, "nocase");
		kv[3] = sc_str(c, m, "true");
		if (kv[3])
			kv[3]->plain = true; /* a boolean, printed bare */
	}
	for (size_t i = 0; i < nkv; i++)
		if (!kv[i])
			return NULL;
	return sc_node(c, YN_MAP, m, kv, nkv);
}

struct ynode *sc_op_map(struct sconv *c, const struct pmark *m, const char *op,
			struct ynode **vals, size_t n)
{
	return sc_str_op_map(c, m, op, vals, n, true);
}

/* ---- rules ---------------------------------------------------------------- */

/*
 * What the category means besides its fields, pushed as key and value into
 * kv: 'result: success' where only calls that succeeded are events in Sigma's
 * sense, 'net.family: [inet, inet6]' for network_connection (a unix socket's
 * connect is no network connection).
 */
static void push_implied(struct sconv *c, const struct pmark *m, struct nlist *kv)
{
	const struct scat_info *cat = &sigma_cats[c->cat];

	if (cat->success) {
		struct ynode *v = sc_str(c, m, "success");

		sc_nl_push(c, kv, sc_str(c, m, "result"));
		sc_nl_push(c, kv, v ? sc_op_map(c, m, "in", &v, 1) : NULL);
	}
	if (cat->inet) {
		struct ynode *v[2] = { sc_str(c, m, "inet"), sc_str(c, m, "inet6") };

		sc_nl_push(c, kv, sc_str(c, m, "net.family"));
		sc_nl_push(c, kv, v[0] && v[1] ? sc_op_map(c, m, "in", v, 2) : NULL);
	}
}

/* A condition set from field conditions: one per field ('all' when a field repeats). */
static struct ynode *condset(struct sconv *c, const struct pmark *m, struct sfc **fcs, size_t n,
			     bool implied)
{
	struct nlist kv = { 0 };
	bool *used = calloc(n + 1, sizeof(*used));

	if (!used) {
		c->fatal = -ENOMEM;
		return NULL;
	}
	for (size_t i = 0; i < n && !c->fatal; i++) {
		struct nlist conds = { 0 };

		if (used[i])
			continue;
		for (size_t j = i; j < n; j++) {
			const struct ynode *cond = fcs[j]->cond;
			const struct ynode *allv;

			if (used[j] || strcmp(fcs[j]->field, fcs[i]->field) != 0)
				continue;
			used[j] = true;
			allv = cond->n == 2 && strcmp(cond->items[0]->str, "all") == 0 ?
				       cond->items[1] : NULL;
			if (allv) /* flatten: all of all */
				for (size_t k = 0; k < allv->n; k++)
					sc_nl_push(c, &conds, allv->items[k]);
			else
				sc_nl_push(c, &conds, (struct ynode *)cond);
		}
		sc_nl_push(c, &kv, sc_str(c, &fcs[i]->key->mark, fcs[i]->field));
		if (conds.n == 1) {
			sc_nl_push(c, &kv, conds.v[0]);
			free(conds.v);
		} else {
			struct ynode *seq = sc_nl_finish(c, &conds, YN_SEQ, &fcs[i]->key->mark);

			sc_nl_push(c, &kv, seq ? sc_op_map(c, &fcs[i]->key->mark, "all", seq->items,
							   seq->n) : NULL);
		}
	}
	if (implied && !c->fatal)
		push_implied(c, m, &kv);
	free(used);
	return sc_nl_finish(c, &kv, YN_MAP, m);
}

/* Append to sets every product of the alternatives of the identifiers in pos. */
static int add_products(struct sconv *c, uint64_t pos, struct nlist *sets, bool *always)
{
	size_t idx[SG_SIGMA_IDENTS_MAX] = { 0 }, nid = 0, total = 1;
	int which[SG_SIGMA_IDENTS_MAX];

	for (int i = 0; i < c->nids; i++)
		if (pos & (1ull << i)) {
			which[nid++] = i;
			total *= c->ids[i].nalts;
			if (total > SG_SIGMA_SETS_MAX)
				return sc_refuse(c, c->cond_node, "the condition expands to more "
								  "than %d condition sets",
						 SG_SIGMA_SETS_MAX);
		}
	for (size_t k = 0; k < total; k++) {
		struct sfc *fcs[SG_SIGMA_FIELDS_MAX];
		size_t n = 0;
		struct ynode *cs;

		for (size_t i = 0; i < nid; i++) {
			const struct salt *alt = &c->ids[which[i]].alts[idx[i]];

			for (size_t j = 0; j < alt->n; j++) {
				if (n == SG_SIGMA_FIELDS_MAX)
					return sc_refuse(c, c->cond_node, "too many field "
							 "conditions in one conjunction");
				fcs[n++] = &alt->v[j];
			}
		}
		if (n == 0)
			*always = true;
		cs = condset(c, &c->cond_node->mark, fcs, n, true);
		if (sc_nl_push(c, sets, cs) < 0)
			return c->fatal;
		if (sets->n > SG_SIGMA_SETS_MAX)
			return sc_refuse(c, c->cond_node, "the condition expands to more than %d "
							  "condition sets", SG_SIGMA_SETS_MAX);
		for (size_t i = 0; i < nid; i++) { /* next combination */
			if (++idx[i] < c->ids[which[i]].nalts)
				break;
			idx[i] = 0;
		}
	}
	return 0;
}

void sc_push_verdict(struct sconv *c, struct nlist *kv, const struct pmark *m,
		     const struct ynode *level, enum sg_action action, const char *sev,
		     const struct ynode *tags)
{
	struct nlist tl = { 0 };

	sc_nl_push(c, kv, sc_str(c, m, "action"));
	sc_nl_push(c, kv, sc_str(c, level ? &level->mark : m, sg_action_name(action)));
	sc_nl_push(c, kv, sc_str(c, m, "severity"));
	sc_nl_push(c, kv, sc_str(c, level ? &level->mark : m, sev));
	sc_nl_push(c, &tl, sc_str(c, m, "sigma"));
	for (size_t q = 0; tags && tags->type == YN_SEQ && q < tags->n; q++)
		if (tags->items[q]->type == YN_SCALAR)
			sc_nl_push(c, &tl, tags->items[q]);
	sc_nl_push(c, kv, sc_str(c, m, "tags"));
	sc_nl_push(c, kv, sc_nl_finish(c, &tl, YN_SEQ, m));
}

const char *sc_level_severity(const char *level)
{
	static const char *const map[][2] = {
		{ "informational", "info" }, { "low", "low" }, { "medium", "medium" },
		{ "high", "high" }, { "critical", "critical" },
	};

	for (size_t i = 0; i < 5; i++)
		if (strcmp(level, map[i][0]) == 0)
			return map[i][1];
	return NULL;
}

/* The rule id: sigma:ID, the Sigma id or else the title, in the id alphabet. */
void sc_make_id(const char *src, char *buf, size_t max)
{
	size_t n = 0;

	n = (size_t)snprintf(buf, max, "sigma:");
	for (; *src && n + 4 < max; src++) {
		char ch = *src;

		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		      (ch >= '0' && ch <= '9') || ch == '-' || ch == '.' || ch == '_'))
			ch = '_';
		buf[n++] = ch;
	}
	buf[n] = '\0';
}
bool sc_id_seen(struct sload *l, const char *id)
{
	for (size_t i = 0; i < l->ids.n; i++)
		if (strcmp(l->ids.v[i], id) == 0)
			return true;
	if (l->ids.n == l->ids.cap) {
		size_t cap = l->ids.cap ? 2 * l->ids.cap : 64;
		char **v = realloc(l->ids.v, cap * sizeof(*v));

		if (!v)
			return false;
		l->ids.v = v;
		l->ids.cap = cap;
	}
	l->ids.v[l->ids.n] = strdup(id);
	if (l->ids.v[l->ids.n])
		l->ids.n++;
	return false;
}

int sload_convert(struct sload *l, struct sconv *c)
{
	const struct ynode *root = c->root, *ls, *det, *cond, *title, *sid, *level, *tags, *v, *tf;
	struct terms *t = NULL;
	struct sx *x = NULL;
	char base[SG_POLICY_ID_MAX + 1];
	const char *sev, *lvl;
	enum sg_action action;
	size_t nrules = 0, done = 0;
	bool *grouped = NULL;
	int r;

	if (!root || root->type != YN_MAP)
		return sc_refuse(c, root, "not a Sigma rule (a mapping)");
	title = policy_ymap_get(root, "title");
	sid = policy_ymap_get(root, "id");
	ls = policy_ymap_get(root, "logsource");
	det = policy_ymap_get(root, "detection");
	level = policy_ymap_get(root, "level");
	tags = policy_ymap_get(root, "tags");
	if (!title || title->type != YN_SCALAR)
		return sc_refuse(c, root, "no 'title'");
	if (!det || det->type != YN_MAP)
		return sc_refuse(c, root, "no 'detection' mapping");
	if (!ls || ls->type != YN_MAP)
		return sc_refuse(c, root, "no 'logsource' mapping");
	/* the log source */
	v = policy_ymap_get(ls, "product");
	if (!v || v->type != YN_SCALAR || strcmp(v->str, "linux") != 0)
		return sc_refuse(c, v ? v : ls, "logsource product '%s' (only linux)",
				 v && v->type == YN_SCALAR ? v->str : "");
	v = policy_ymap_get(ls, "service");
	if (v)
		return sc_refuse(c, v, "logsource service '%s' is not supported (no logs are read)",
				 v->type == YN_SCALAR ? v->str : "?");
	v = policy_ymap_get(ls, "category");
	if (!v || v->type != YN_SCALAR)
		return sc_refuse(c, ls, "logsource without a category (no logs are read)");
	c->cat = SC_MAX;
	for (int i = 0; i < SC_MAX; i++)
		if (strcmp(v->str, sigma_cats[i].name) == 0)
			c->cat = i;
	if (c->cat == SC_MAX)
		return sc_refuse(c, v, "logsource category '%s' is not supported", v->str);
	for (size_t i = 0; i < ls->n; i += 2)
		if (strcmp(ls->items[i]->str, "product") && strcmp(ls->items[i]->str, "category") &&
		    strcmp(ls->items[i]->str, "definition"))
			return sc_refuse(c, ls->items[i], "logsource key '%s' is not supported",
					 ls->items[i]->str);
	/* level, action */
	lvl = level && level->type == YN_SCALAR ? level->str : "medium";
	sev = sc_level_severity(lvl);
	if (!sev)
		return sc_refuse(c, level, "unknown level '%s'", lvl);
	action = l->o->action[sg_severity_from_name(sev)];
	if (action == SG_ACT_NONE) {
		l->st.skipped++;
		return 1; /* this level is off */
	}
	/* search identifiers and the condition */
	tf = policy_ymap_get(det, "timeframe");
	if (!tf)
		tf = policy_ymap_get(root, "timeframe");
	if (tf)
		return sc_refuse(c, tf, "'timeframe' is not supported");
	cond = policy_ymap_get(det, "condition");
	if (!cond)
		return sc_refuse(c, det, "no 'condition'");
	for (size_t i = 0; i < det->n; i += 2) {
		const char *name = det->items[i]->str;

		if (strcmp(name, "condition") == 0)
			continue;
		if (c->nids == SG_SIGMA_IDENTS_MAX)
			return sc_refuse(c, det->items[i], "more than %d search identifiers",
					 SG_SIGMA_IDENTS_MAX);
		c->ids[c->nids].name = name;
		c->ids[c->nids++].node = det->items[i + 1];
	}
	r = sc_condition(c, cond, &x);
	if (r < 0)
		return r;
	t = malloc(sizeof(*t));
	if (!t)
		return c->fatal = -ENOMEM;
	r = sc_dnf(c, x, false, t);
	if (r < 0)
		goto out;
	/* parse the identifiers the condition uses */
	for (size_t i = 0; i < t->n; i++)
		for (int k = 0; k < c->nids; k++)
			if (((t->pos[i] | t->neg[i]) >> k) & 1)
				if ((r = sc_ident_parse(c, &c->ids[k])) < 0)
					goto out;
	/* a negated identifier with an alternative that always holds: the term never holds */
	for (size_t i = 0; i < t->n; i++)
		for (int k = 0; k < c->nids; k++)
			if ((t->neg[i] >> k) & 1)
				for (size_t j = 0; j < c->ids[k].nalts; j++)
					if (c->ids[k].alts[j].n == 0)
						t->pos[i] = t->neg[i] = ~0ull;
	sc_make_id(sid && sid->type == YN_SCALAR ? sid->str : title->str, base, SG_POLICY_ID_MAX - 3);
	if (sc_id_seen(l, base)) {
		r = sc_refuse(c, sid ? sid : title, "a rule with id '%s' was loaded before", base);
		goto out;
	}
	grouped = calloc(t->n + 1, sizeof(*grouped));
	if (!grouped) {
		r = c->fatal = -ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < t->n; i++)
		if (t->pos[i] == ~0ull)
			grouped[i] = true;
		else
			done++;
	if (done == 0) {
		r = sc_refuse(c, cond, "the condition can never hold");
		goto out;
	}
	{
		size_t groups = 0;

		for (size_t i = 0; i < t->n; i++) {
			bool first = true;

			if (grouped[i] && t->pos[i] == ~0ull)
				continue;
			for (size_t j = 0; j < i; j++)
				if (t->pos[j] != ~0ull && t->neg[j] == t->neg[i])
					first = false;
			groups += first;
		}
		nrules = groups;
	}
	if (nrules > SG_SIGMA_RULES_MAX) {
		r = sc_refuse(c, cond, "the condition gives more than %d rules",
			      SG_SIGMA_RULES_MAX);
		goto out;
	}
	{
		struct ynode *out_rules[SG_SIGMA_RULES_MAX];
		size_t k = 0;

		memset(grouped, 0, (t->n + 1) * sizeof(*grouped));
		for (size_t i = 0; i < t->n && r == 0; i++) {
			struct nlist sets = { 0 }, exc = { 0 }, kv = { 0 };
			const struct pmark *m = &root->mark;
			bool always = false;
			char id[SG_POLICY_ID_MAX + 8];

			if (grouped[i] || t->pos[i] == ~0ull)
				continue;
			for (size_t j = i; j < t->n && r == 0; j++)
				if (!grouped[j] && t->pos[j] != ~0ull && t->neg[j] == t->neg[i]) {
					grouped[j] = true;
					r = add_products(c, t->pos[j], &sets, &always);
				}
			for (int q = 0; q < c->nids && r == 0; q++) {
				if (!((t->neg[i] >> q) & 1))
					continue;
				for (size_t a = 0; a < c->ids[q].nalts; a++) {
					const struct salt *alt = &c->ids[q].alts[a];
					struct sfc *fcs[SG_SIGMA_FIELDS_MAX];

					if (alt->n > SG_SIGMA_FIELDS_MAX) {
						r = sc_refuse(c, c->ids[q].node, "too many fields");
						break;
					}
					for (size_t f = 0; f < alt->n; f++)
						fcs[f] = &alt->v[f];
					sc_nl_push(c, &exc, condset(c, &c->ids[q].node->mark, fcs,
								    alt->n, false));
					if (exc.n > SG_SIGMA_SETS_MAX)
						r = sc_refuse(c, cond, "more than %d exceptions",
							      SG_SIGMA_SETS_MAX);
				}
			}
			if (r < 0 || c->fatal) {
				free(sets.v);
				free(exc.v);
				free(kv.v);
				break;
			}
			if (nrules > 1)
				snprintf(id, sizeof(id), "%s#%zu", base, k + 1);
			else
				snprintf(id, sizeof(id), "%s", base);
			sc_nl_push(c, &kv, sc_str(c, m, "id"));
			sc_nl_push(c, &kv, sc_str(c, m, id));
			sc_nl_push(c, &kv, sc_str(c, m, "description"));
			sc_nl_push(c, &kv, sc_str(c, &title->mark, title->str));
			sc_nl_push(c, &kv, sc_str(c, m, "events"));
			{
				/* the category's event types, separated by spaces */
				const char *et = sigma_cats[c->cat].events;
				struct nlist ev = { 0 };

				while (*et) {
					size_t el = strcspn(et, " ");

					sc_nl_push(c, &ev, sc_scalar(c, &v->mark, et, el));
					et += el + (et[el] == ' ');
				}
				sc_nl_push(c, &kv, sc_nl_finish(c, &ev, YN_SEQ, &v->mark));
			}
			if (!always && sets.n) {
				sc_nl_push(c, &kv, sc_str(c, m, "match"));
				sc_nl_push(c, &kv, sc_nl_finish(c, &sets, YN_SEQ, &cond->mark));
			} else if (sigma_cats[c->cat].success || sigma_cats[c->cat].inet) {
				struct nlist im = { 0 };

				free(sets.v);
				sets = (struct nlist){ 0 };
				push_implied(c, m, &im);
				sc_nl_push(c, &kv, sc_str(c, m, "match"));
				sc_nl_push(c, &kv, sc_nl_finish(c, &im, YN_MAP, m));
			} else {
				free(sets.v);
				sets = (struct nlist){ 0 };
			}
			if (exc.n) {
				sc_nl_push(c, &kv, sc_str(c, m, "except"));
				sc_nl_push(c, &kv, sc_nl_finish(c, &exc, YN_SEQ, &cond->mark));
			} else {
				free(exc.v);
			}
			sc_push_verdict(c, &kv, m, level, action, sev, tags);
			out_rules[k++] = sc_nl_finish(c, &kv, YN_MAP, m);
			if (c->fatal)
				break;
		}
		if (r == 0 && !c->fatal)
			r = sload_keep(l, c, sid && sid->type == YN_SCALAR ? sid->str : NULL,
				       out_rules, k);
	}
out:
	free(grouped);
	free(t);
	if (c->fatal)
		return c->fatal;
	return r;
}
