// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The condition of a Sigma rule: "sel and not 1 of filter_*", parsed into an
 * expression over its search identifiers (not, and, or, parentheses,
 * "1 of"/"all of" a pattern or them; a list of conditions is any of them),
 * and put in disjunctive normal form: conjunctions of identifiers that must
 * hold and must not.  Aggregations are refused; the nesting and the number
 * of conjunctions are bounded.
 */
#include <errno.h>
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>
#include "policy_sigma_int.h"

static struct sx *sx_new(struct sconv *c, enum sx_kind k, struct sx *a, struct sx *b, int id)
{
	struct sx *x = sc_alloc(c, sizeof(*x));

	if (!x)
		return NULL;
	x->kind = k;
	x->a = a;
	x->b = b;
	x->id = id;
	return x;
}

/* The next word of the condition into buf; "(" and ")" are words. */
static size_t next_word(struct sconv *c, char *buf, size_t max, bool consume)
{
	const char *p = c->p;
	size_t n = 0;

	while (*p == ' ' || *p == '\t' || *p == '\n')
		p++;
	if (*p == '(' || *p == ')') {
		n = 1;
	} else {
		while (p[n] && !strchr(" \t\n()", p[n]))
			n++;
	}
	if (n >= max)
		n = max - 1;
	memcpy(buf, p, n);
	buf[n] = '\0';
	if (consume)
		c->p = p + n;
	return n;
}

static struct sx *parse_or(struct sconv *c);

static int find_ident(struct sconv *c, const char *name)
{
	for (int i = 0; i < c->nids; i++)
		if (strcmp(c->ids[i].name, name) == 0)
			return i;
	return -1;
}

/* "1 of pattern", "all of them"... */
static struct sx *parse_quant(struct sconv *c, bool all)
{
	char w[128];
	struct sx *r = NULL;
	bool them;

	next_word(c, w, sizeof(w), true);
	if (strcmp(w, "of") != 0) {
		sc_refuse(c, c->cond_node, "expected 'of' in the condition, not '%s'", w);
		return NULL;
	}
	next_word(c, w, sizeof(w), true);
	if (!w[0] || strchr("()", w[0])) {
		sc_refuse(c, c->cond_node, "expected a name or 'them' after 'of'");
		return NULL;
	}
	them = strcmp(w, "them") == 0;
	for (int i = 0; i < c->nids; i++) {
		const char *name = c->ids[i].name;
		struct sx *leaf;

		/* identifiers starting with '_' are left out of 'them' and of any
		 * pattern that does not itself start with '_' ('1 of *') */
		if (name[0] == '_' && (them || w[0] != '_'))
			continue;
		if (!them && fnmatch(w, name, 0) != 0)
			continue;
		leaf = sx_new(c, SX_ID, NULL, NULL, i);
		r = r ? sx_new(c, all ? SX_AND : SX_OR, r, leaf, 0) : leaf;
		if (!r)
			return NULL;
	}
	if (!r)
		sc_refuse(c, c->cond_node, "no search identifier matches '%s'", w);
	return r;
}

static struct sx *parse_factor(struct sconv *c)
{
	char w[128];
	int id;

	next_word(c, w, sizeof(w), true);
	if (strcmp(w, "not") == 0) {
		struct sx *a = parse_factor(c);

		return a ? sx_new(c, SX_NOT, a, NULL, 0) : NULL;
	}
	if (strcmp(w, "(") == 0) {
		struct sx *a;

		if (++c->depth > SG_SIGMA_NEST_MAX) {
			sc_refuse(c, c->cond_node, "condition nested too deeply");
			return NULL;
		}
		a = parse_or(c);
		c->depth--;
		if (!a)
			return NULL;
		next_word(c, w, sizeof(w), true);
		if (strcmp(w, ")") != 0) {
			sc_refuse(c, c->cond_node, "expected ')' in the condition");
			return NULL;
		}
		return a;
	}
	if (strcmp(w, "1") == 0 || strcmp(w, "any") == 0)
		return parse_quant(c, false);
	if (strcmp(w, "all") == 0)
		return parse_quant(c, true);
	if (!w[0]) {
		sc_refuse(c, c->cond_node, "the condition ends too early");
		return NULL;
	}
	if (strchr(w, '|') || strcmp(w, "near") == 0) {
		sc_refuse(c, c->cond_node, "aggregations ('|', 'near') are not supported");
		return NULL;
	}
	if (strchr(w, '*')) {
		sc_refuse(c, c->cond_node, "'%s': a pattern needs '1 of' or 'all of'", w);
		return NULL;
	}
	id = find_ident(c, w);
	if (id < 0) {
		sc_refuse(c, c->cond_node, "unknown search identifier '%s' in the condition", w);
		return NULL;
	}
	return sx_new(c, SX_ID, NULL, NULL, id);
}

static struct sx *parse_and(struct sconv *c)
{
	struct sx *a = parse_factor(c);
	char w[16];

	while (a) {
		next_word(c, w, sizeof(w), false);
		if (strcmp(w, "and") != 0)
			break;
		next_word(c, w, sizeof(w), true);
		struct sx *b = parse_factor(c);

		a = b ? sx_new(c, SX_AND, a, b, 0) : NULL;
	}
	return a;
}

static struct sx *parse_or(struct sconv *c)
{
	struct sx *a = parse_and(c);
	char w[16];

	while (a) {
		next_word(c, w, sizeof(w), false);
		if (strcmp(w, "or") != 0)
			break;
		next_word(c, w, sizeof(w), true);
		struct sx *b = parse_and(c);

		a = b ? sx_new(c, SX_OR, a, b, 0) : NULL;
	}
	return a;
}

static int terms_add(struct sconv *c, struct terms *t, uint64_t pos, uint64_t neg)
{
	if (pos & neg)
		return 0; /* x and not x: never */
	for (size_t i = 0; i < t->n; i++)
		if (t->pos[i] == pos && t->neg[i] == neg)
			return 0;
	if (t->n == SG_SIGMA_TERMS_MAX)
		return sc_refuse(c, c->cond_node, "the condition expands to more than %d "
						  "conjunctions", SG_SIGMA_TERMS_MAX);
	t->pos[t->n] = pos;
	t->neg[t->n++] = neg;
	return 0;
}

int sc_dnf(struct sconv *c, const struct sx *x, bool neg, struct terms *out)
{
	struct terms *a, *b;
	bool product;
	int r;

	out->n = 0;
	switch (x->kind) {
	case SX_ID:
		return neg ? terms_add(c, out, 0, 1ull << x->id) :
			     terms_add(c, out, 1ull << x->id, 0);
	case SX_NOT:
		return sc_dnf(c, x->a, !neg, out);
	default:
		break;
	}
	a = malloc(sizeof(*a));
	b = malloc(sizeof(*b));
	if (!a || !b) {
		free(a);
		free(b);
		return c->fatal = -ENOMEM;
	}
	product = (x->kind == SX_AND) != neg;
	r = sc_dnf(c, x->a, neg, a);
	if (r == 0)
		r = sc_dnf(c, x->b, neg, b);
	for (size_t i = 0; r == 0 && i < a->n; i++) {
		if (!product) {
			r = terms_add(c, out, a->pos[i], a->neg[i]);
			continue;
		}
		for (size_t j = 0; r == 0 && j < b->n; j++)
			r = terms_add(c, out, a->pos[i] | b->pos[j], a->neg[i] | b->neg[j]);
	}
	for (size_t j = 0; r == 0 && !product && j < b->n; j++)
		r = terms_add(c, out, b->pos[j], b->neg[j]);
	free(a);
	free(b);
	return r;
}

int sc_condition(struct sconv *c, const struct ynode *cond, struct sx **ret)
{
	struct sx *x = NULL;

	c->cond_node = cond;
	for (size_t i = 0; i < (cond->type == YN_SEQ ? cond->n : 1); i++) {
		const struct ynode *one = cond->type == YN_SEQ ? cond->items[i] : cond;

		if (one->type == YN_SCALAR && (strchr(one->str, '|') || strstr(one->str, " near ")))
			return sc_refuse(c, one, "aggregations ('|', 'near') are not supported");
	}
	if (cond->type == YN_SEQ) {
		/* several conditions: any of them */
		for (size_t i = 0; i < cond->n; i++) {
			struct sx *y;

			if (cond->items[i]->type != YN_SCALAR)
				return sc_refuse(c, cond->items[i], "a condition must be a string");
			c->p = c->cond = cond->items[i]->str;
			y = parse_or(c);
			if (!y)
				return -EINVAL;
			x = x ? sx_new(c, SX_OR, x, y, 0) : y;
		}
	} else if (cond->type == YN_SCALAR) {
		char w[8];

		c->p = c->cond = cond->str;
		x = parse_or(c);
		if (x && next_word(c, w, sizeof(w), false))
			return sc_refuse(c, cond, "unexpected '%s' in the condition", w);
	} else {
		return sc_refuse(c, cond, "'condition' must be a string or a list");
	}
	if (!x)
		return -EINVAL;
	*ret = x;
	return 0;
}
