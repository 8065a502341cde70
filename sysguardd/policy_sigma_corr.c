// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Sigma correlation rules (the 'correlation' key: event_count, value_count,
 * temporal, temporal_ordered) as the policy's correlation rules.  The rules
 * a correlation names may be anywhere in the same load (the same file,
 * another document of it, another file), so every converted rule is kept
 * until the load ends; then each correlation is converted, with its base
 * rules' events, match and except as its steps, and every rule is handed on
 * in the order read, the correlations last.  A base rule that a
 * correlation does not 'generate' is left out on its own, as Sigma says.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "policy_sigma_int.h"

int sload_keep(struct sload *l, struct sconv *c, const char *sid, struct ynode **rules,
	       size_t n)
{
	const struct ynode *name = policy_ymap_get(c->root, "name");
	const struct ynode *title = policy_ymap_get(c->root, "title");
	struct sbase *b;

	if (l->nbase == l->capbase) {
		size_t cap = l->capbase ? 2 * l->capbase : 64;
		struct sbase *v = realloc(l->base, cap * sizeof(*v));

		if (!v)
			return c->fatal = -ENOMEM;
		l->base = v;
		l->capbase = cap;
	}
	b = &l->base[l->nbase];
	*b = (struct sbase){ .sid = sid, .cat = c->cat, .n = n,
			     .name = name && name->type == YN_SCALAR ? name->str : NULL,
			     .title = title && title->type == YN_SCALAR ? title->str : NULL };
	b->rules = sc_alloc(c, n * sizeof(*b->rules));
	if (!b->rules)
		return -ENOMEM;
	memcpy(b->rules, rules, n * sizeof(*rules));
	l->nbase++;
	return 0;
}

int sload_defer(struct sload *l, const struct ynode *root)
{
	if (l->ncorr == l->capcorr) {
		size_t cap = l->capcorr ? 2 * l->capcorr : 16;
		const struct ynode **v = realloc(l->corr, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		l->corr = v;
		l->capcorr = cap;
	}
	l->corr[l->ncorr++] = root;
	return 0;
}

static struct sbase *find_base(struct sload *l, const char *ref)
{
	for (size_t i = 0; i < l->nbase; i++)
		if ((l->base[i].sid && !strcmp(l->base[i].sid, ref)) ||
		    (l->base[i].name && !strcmp(l->base[i].name, ref)))
			return &l->base[i];
	return NULL;
}

/* "30s", "5m", "1h", "1d" as a window of the policy language, at most 24 h. */
static int timespan(struct sconv *c, const struct ynode *v, char *out, size_t size)
{
	unsigned long long n, mult;
	char *end;

	if (!v || v->type != YN_SCALAR)
		return sc_refuse(c, v ? v : c->root, "no 'timespan'");
	errno = 0;
	n = strtoull(v->str, &end, 10);
	if (errno || end == v->str || n == 0 || strlen(end) != 1 || !strchr("smhd", *end))
		return sc_refuse(c, v, "timespan '%s' (expected a number and s, m, h or d)", v->str);
	mult = *end == 's' ? 1 : *end == 'm' ? 60 : *end == 'h' ? 3600 : 86400;
	if (n > 86400 / mult)
		return sc_refuse(c, v, "timespan '%s' is longer than a day, the longest window",
				 v->str);
	snprintf(out, size, "%llus", n * mult);
	return 0;
}

/* Single-host fields: every event has the same value, so grouping by them is grouping by nothing. */
static bool host_field(const char *f)
{
	static const char *const hosts[] = { "Computer", "ComputerName", "Hostname", "hostname",
					     "host.name", "Host", NULL };

	for (size_t i = 0; hosts[i]; i++)
		if (!strcmp(f, hosts[i]))
			return true;
	return false;
}

/* The policy field that group-by name g is for base rule b (of ref), or NULL (refused). */
static const char *group_field(struct sconv *c, const struct ynode *aliases, const char *g,
			       const struct ynode *gnode, const struct sbase *b, const char *ref)
{
	const struct ynode *al = policy_ymap_get(aliases, g);
	const char *sigma = g, *f, *why;

	if (al) {
		const struct ynode *v = policy_ymap_get(al, ref);

		if (!v && b->sid)
			v = policy_ymap_get(al, b->sid);
		if (!v && b->name)
			v = policy_ymap_get(al, b->name);
		if (!v || v->type != YN_SCALAR) {
			sc_refuse(c, al, "alias '%s' names no field for rule '%s'", g, ref);
			return NULL;
		}
		sigma = v->str;
	}
	f = sc_field_name(b->cat, sigma, &why);
	if (!f)
		sc_refuse(c, gnode, "group-by field '%s': %s", sigma, why);
	return f;
}

/* A plain scalar: a boolean printed unquoted. */
static struct ynode *sc_plain(struct sconv *c, const struct pmark *m, const char *s)
{
	struct ynode *n = sc_str(c, m, s);

	if (n)
		n->plain = true;
	return n;
}

/* The converted base rule's events, match and except into kv. */
static void push_body(struct sconv *c, struct nlist *kv, const struct ynode *base)
{
	static const char *const keys[] = { "events", "match", "except" };

	for (size_t i = 0; i < 3; i++) {
		const struct ynode *v = policy_ymap_get(base, keys[i]);

		if (v) {
			sc_nl_push(c, kv, sc_str(c, &base->mark, keys[i]));
			sc_nl_push(c, kv, (struct ynode *)v);
		}
	}
}

/* A step: the base rule's events, match and except, and its 'by' when given. */
static struct ynode *step(struct sconv *c, const struct ynode *base, struct nlist *by)
{
	const struct pmark *m = &base->mark;
	struct nlist kv = { 0 };

	if (by) {
		sc_nl_push(c, &kv, sc_str(c, m, "by"));
		sc_nl_push(c, &kv, sc_nl_finish(c, by, YN_SEQ, m));
	}
	push_body(c, &kv, base);
	return sc_nl_finish(c, &kv, YN_MAP, m);
}

/* The threshold of a count: 'gte: N' or 'gt: N'. */
static int threshold(struct sconv *c, const struct ynode *cond, unsigned long *ret)
{
	const struct ynode *v = NULL;
	unsigned long n;
	bool gt = false;
	char *end;

	if (!cond || cond->type != YN_MAP)
		return sc_refuse(c, cond ? cond : c->root, "no 'condition' mapping");
	for (size_t i = 0; i < cond->n; i += 2) {
		const char *k = cond->items[i]->str;

		if (!strcmp(k, "gte") || !strcmp(k, "gt")) {
			v = cond->items[i + 1];
			gt = !strcmp(k, "gt");
		} else if (strcmp(k, "field")) {
			return sc_refuse(c, cond->items[i], "condition '%s': only 'gte' and 'gt' "
					 "(sysguard alerts when a count reaches its threshold)", k);
		}
	}
	if (!v || v->type != YN_SCALAR)
		return sc_refuse(c, cond, "the condition has no 'gte' or 'gt'");
	errno = 0;
	n = strtoul(v->str, &end, 10);
	if (errno || *end || end == v->str)
		return sc_refuse(c, v, "threshold '%s' is not a number", v->str);
	n += gt;
	if (n < 2)
		return sc_refuse(c, v, "a threshold of %lu is the base rule itself", n);
	if (n > CORR_THRESHOLD_MAX)
		return sc_refuse(c, v, "threshold %lu is over %d", n, CORR_THRESHOLD_MAX);
	*ret = n;
	return 0;
}

/* A correlation as a rule mapping of the policy language; NULL refused (c->why). */
static struct ynode *convert(struct sload *l, struct sconv *c, const struct ynode *root)
{
	const struct ynode *corr, *type, *rules, *gb, *cond, *aliases, *gen, *title, *sid, *level;
	const struct ynode *tags;
	struct sbase *bases[CORR_STEPS_MAX];
	const char *refs[CORR_STEPS_MAX];
	const struct pmark *m = &root->mark;
	struct nlist kv = { 0 }, ck = { 0 }, top = { 0 };
	char window[32], id[SG_POLICY_ID_MAX + 1], num[24];
	const char *sev;
	size_t nb;
	bool seq, generate = false;
	enum sg_action action;

	title = policy_ymap_get(root, "title");
	sid = policy_ymap_get(root, "id");
	level = policy_ymap_get(root, "level");
	tags = policy_ymap_get(root, "tags");
	corr = policy_ymap_get(root, "correlation");
	if (!title || title->type != YN_SCALAR)
		return sc_refuse(c, root, "no 'title'"), NULL;
	if (corr->type != YN_MAP)
		return sc_refuse(c, corr, "'correlation' must be a mapping"), NULL;
	type = policy_ymap_get(corr, "type");
	rules = policy_ymap_get(corr, "rules");
	gb = policy_ymap_get(corr, "group-by");
	cond = policy_ymap_get(corr, "condition");
	aliases = policy_ymap_get(corr, "aliases");
	gen = policy_ymap_get(corr, "generate");
	if (!type || type->type != YN_SCALAR)
		return sc_refuse(c, corr, "no correlation 'type'"), NULL;
	seq = !strcmp(type->str, "temporal") || !strcmp(type->str, "temporal_ordered");
	if (!seq && strcmp(type->str, "event_count") && strcmp(type->str, "value_count"))
		return sc_refuse(c, type, "correlation type '%s' (expected event_count, "
				 "value_count, temporal, temporal_ordered)", type->str), NULL;
	if (gen && (gen->type != YN_SCALAR ||
		    (strcmp(gen->str, "true") && strcmp(gen->str, "false"))))
		return sc_refuse(c, gen, "'generate' takes true or false"), NULL;
	generate = gen && !strcmp(gen->str, "true");
	/* the base rules */
	nb = rules && rules->type == YN_SEQ ? rules->n : rules ? 1 : 0;
	if (nb == 0)
		return sc_refuse(c, corr, "no 'rules'"), NULL;
	if (!seq && nb > 1)
		return sc_refuse(c, rules, "a count over %zu rules (one rule per count)", nb), NULL;
	if (seq && (nb < 2 || nb > CORR_STEPS_MAX))
		return sc_refuse(c, rules, "a temporal correlation of %zu rules (2 to %d)", nb,
				 CORR_STEPS_MAX), NULL;
	for (size_t i = 0; i < nb; i++) {
		const struct ynode *r = rules->type == YN_SEQ ? rules->items[i] : rules;

		if (r->type != YN_SCALAR)
			return sc_refuse(c, r, "a rule reference must be a name or an id"), NULL;
		refs[i] = r->str;
		bases[i] = find_base(l, r->str);
		if (!bases[i])
			return sc_refuse(c, r, "rule '%s' is not among the rules loaded with it "
					 "(or was refused)", r->str), NULL;
		if (bases[i]->n != 1)
			return sc_refuse(c, r, "rule '%s' became %zu policy rules; a step is one",
					 r->str, bases[i]->n), NULL;
	}
	if (timespan(c, policy_ymap_get(corr, "timespan") ? policy_ymap_get(corr, "timespan") :
			policy_ymap_get(corr, "timeframe"), window, sizeof(window)) < 0)
		return NULL;
	sev = sc_level_severity(level && level->type == YN_SCALAR ? level->str : "medium");
	if (!sev)
		return sc_refuse(c, level, "unknown level '%s'", level->str), NULL;
	action = l->o->action[sg_severity_from_name(sev)];
	if (action == SG_ACT_NONE) {
		l->st.skipped++;
		return NULL;
	}
	if (action == SG_ACT_BLOCK)
		action = SG_ACT_ALERT; /* a correlation holds after its events: it alerts */
	sc_make_id(sid && sid->type == YN_SCALAR ? sid->str : title->str, id,
		   SG_POLICY_ID_MAX - 3);
	if (sc_id_seen(l, id))
		return sc_refuse(c, sid ? sid : title, "a rule with id '%s' was loaded before", id),
		       NULL;
	/* group-by: the fields of each step (aliases give each rule its own) */
	{
		struct nlist by[CORR_STEPS_MAX] = { { 0 } };
		size_t ng = gb ? (gb->type == YN_SEQ ? gb->n : 1) : 0;

		for (size_t g = 0; g < ng && !c->refused; g++) {
			const struct ynode *gn = gb->type == YN_SEQ ? gb->items[g] : gb;

			if (gn->type != YN_SCALAR) {
				sc_refuse(c, gn, "a group-by field must be a name");
				break;
			}
			if (host_field(gn->str) && !policy_ymap_get(aliases, gn->str))
				continue; /* one host: the same for every event */
			for (size_t i = 0; i < nb && !c->refused; i++) {
				const char *f = group_field(c, aliases, gn->str, gn, bases[i], refs[i]);

				if (f)
					sc_nl_push(c, &by[i], sc_str(c, &gn->mark, f));
			}
		}
		if (c->refused) {
			for (size_t i = 0; i < nb; i++)
				free(by[i].v);
			return NULL;
		}
		sc_nl_push(c, &ck, sc_str(c, m, "window"));
		sc_nl_push(c, &ck, sc_str(c, m, window));
		if (by[0].n) {
			for (size_t j = 0; j < by[0].n; j++)
				sc_nl_push(c, &top, by[0].v[j]);
			sc_nl_push(c, &ck, sc_str(c, m, "by"));
			sc_nl_push(c, &ck, sc_nl_finish(c, &top, YN_SEQ, m));
		}
		if (seq) {
			struct nlist steps = { 0 };

			sc_nl_push(c, &ck, sc_str(c, m, "ordered"));
			sc_nl_push(c, &ck, sc_plain(c, m, strcmp(type->str, "temporal") ? "true" :
							  "false"));
			for (size_t i = 0; i < nb; i++)
				sc_nl_push(c, &steps, step(c, bases[i]->rules[0],
							   by[i].n ? &by[i] : NULL));
			sc_nl_push(c, &ck, sc_str(c, m, "sequence"));
			sc_nl_push(c, &ck, sc_nl_finish(c, &steps, YN_SEQ, m));
			if (cond && cond->type == YN_MAP && policy_ymap_get(cond, "gte") &&
			    strtoul(policy_ymap_get(cond, "gte")->str, NULL, 10) != nb)
				sc_refuse(c, cond, "a temporal condition other than all %zu rules", nb);
		} else {
			const struct ynode *base = bases[0]->rules[0], *field;
			unsigned long n = 0;

			free(by[0].v);
			if (threshold(c, cond, &n) == 0) {
				snprintf(num, sizeof(num), "%lu", n);
				sc_nl_push(c, &ck, sc_str(c, m, "count"));
				sc_nl_push(c, &ck, sc_str(c, m, num));
			}
			field = cond && cond->type == YN_MAP ? policy_ymap_get(cond, "field") : NULL;
			if (!strcmp(type->str, "value_count")) {
				const char *f, *why;

				if (!field || field->type != YN_SCALAR) {
					sc_refuse(c, cond ? cond : corr, "value_count without a 'field'");
				} else if (!(f = sc_field_name(bases[0]->cat, field->str, &why))) {
					sc_refuse(c, field, "field '%s': %s", field->str, why);
				} else {
					sc_nl_push(c, &ck, sc_str(c, m, "distinct"));
					sc_nl_push(c, &ck, sc_str(c, &field->mark, f));
				}
			}
			push_body(c, &ck, base);
		}
	}
	if (c->refused || c->fatal) {
		free(ck.v);
		return NULL;
	}
	sc_nl_push(c, &kv, sc_str(c, m, "id"));
	sc_nl_push(c, &kv, sc_str(c, m, id));
	sc_nl_push(c, &kv, sc_str(c, m, "description"));
	sc_nl_push(c, &kv, sc_str(c, &title->mark, title->str));
	sc_nl_push(c, &kv, sc_str(c, m, "correlate"));
	sc_nl_push(c, &kv, sc_nl_finish(c, &ck, YN_MAP, m));
	sc_push_verdict(c, &kv, m, level, action, sev, tags);
	if (!generate)
		for (size_t i = 0; i < nb; i++)
			bases[i]->hidden = true;
	return sc_nl_finish(c, &kv, YN_MAP, m);
}

int sload_finish(struct sload *l)
{
	struct ynode **out = calloc(l->ncorr + 1, sizeof(*out));
	size_t nout = 0;
	int r = 0;

	if (!out)
		return -ENOMEM;
	for (size_t i = 0; i < l->ncorr; i++) {
		const struct ynode *root = l->corr[i];
		struct sconv *c = calloc(1, sizeof(*c));
		struct ynode *rule;

		if (!c) {
			r = -ENOMEM;
			break;
		}
		c->a = l->a;
		c->file = root->mark.file;
		c->root = root;
		rule = convert(l, c, root);
		if (c->fatal) {
			free(c);
			r = -ENOMEM;
			break;
		}
		if (c->refused) {
			const struct ynode *n = c->why_node ? c->why_node : root;
			const struct ynode *title = policy_ymap_get(root, "title");

			l->st.refused++;
			policy_diag_add(l->d, &n->mark, true, "Sigma rule '%s' refused: %s",
					title && title->type == YN_SCALAR ? title->str : "?",
					c->why);
		} else if (rule) {
			l->st.converted++;
			out[nout++] = rule;
		}
		free(c);
	}
	/* every rule in the order read, then the correlations */
	for (size_t i = 0; i < l->nbase && r == 0; i++)
		for (size_t k = 0; k < l->base[i].n && !l->base[i].hidden && r == 0; k++) {
			r = l->fn(l->arg, l->base[i].rules[k]);
			l->st.rules += r == 0;
		}
	for (size_t i = 0; i < nout && r == 0; i++) {
		r = l->fn(l->arg, out[i]);
		l->st.rules += r == 0;
	}
	free(out);
	l->nbase = l->ncorr = 0;
	return r;
}
