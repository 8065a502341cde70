// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Correlation rules: a rule with 'correlate' holds over several events in a
 * window, grouped by the process, its tree, the user, the container or any
 * field (sysguard.policy(5), CORRELATION).  Each of its steps is compiled
 * into a rule of its own ('ID#1', 'ID#2'..., action log) that the matcher
 * judges like any other, index and kernel filter included; a step that
 * matches does not decide the verdict but feeds its correlation, whose
 * windows (correlate.c) say whether the rule holds.  When it does, the
 * correlation rule counts as matched by that event.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "policy_load.h"
#include "proctable.h"
#include "strnum.h"


#define PCORR_BY_MAX 4            /* keys of a 'by' */
#define PCORR_GROUPS_DEFAULT 1024
#define PCORR_WINDOW_MAX (24 * 3600 * 1000000000ull)
#define PCORR_MEMORY_MAX (64u << 20) /* bytes of windows a policy may keep */

static const char *const corr_keys[] = {
	"window", "by", "count", "distinct", "events", "match", "except", "exceptions",
	"sequence", "ordered", "groups", NULL,
};
static const char *const step_keys[] = {
	"events", "match", "except", "exceptions", "by", NULL,
};

static bool known(const char *const *keys, const char *k)
{
	for (size_t i = 0; keys[i]; i++)
		if (strcmp(keys[i], k) == 0)
			return true;
	return false;
}

/* "500ms", "10s", "5m", "1h": 1 ms to 24 h. */
static int parse_window(const char *s, uint64_t *ret)
{
	uint64_t ns;

	if (!strnum_duration_ns(s, &ns) || ns < 1000000ull)
		return -EINVAL;
	if (ns > PCORR_WINDOW_MAX)
		return -ERANGE;
	*ret = ns;
	return 0;
}

static int parse_uint(struct px *x, const struct ynode *n, const char *what, unsigned long lo,
		      unsigned long hi, uint32_t *ret)
{
	unsigned long v;
	char *end;

	if (!px_expect(x, n, YN_SCALAR, what))
		return -EINVAL;
	errno = 0;
	v = strtoul(n->str, &end, 10);
	if (errno || end == n->str || *end || n->str[0] == '-' || v < lo || v > hi) {
		px_err(x, n, "%s must be a number from %lu to %lu, not '%s'", what, lo, hi,
		       n->str);
		return -EINVAL;
	}
	*ret = (uint32_t)v;
	return 0;
}

/* One field a correlation reads ('by', 'distinct'): it must exist for events. */
static int parse_field(struct px *x, const struct ynode *n, uint32_t events, const char *what,
		       int *field, const char **key)
{
	int f = policy_field_find(n->str, key);

	if (f < 0 || f == FLD_EVENT) {
		px_err(x, n, "unknown field '%s' in %s", n->str, what);
		return -EINVAL;
	}
	if ((policy_field_events[f] & events) != events) {
		px_err(x, n, "field '%s' in %s does not exist for every event of its step",
		       n->str, what);
		return -EINVAL;
	}
	if (*key)
		*key = px_strdup(x, *key);
	*field = f;
	return 0;
}

/*
 * 'by' of a correlation (step: false) or of one step (true): process, tree,
 * user, container, or field names.  Into out[PCORR_BY_MAX]; how many.
 */
static int parse_by(struct px *x, const struct ynode *v, uint32_t events, bool step,
		    struct pcorr_by *out, size_t *nret)
{
	size_t n = v->type == YN_SEQ ? v->n : 1;

	if (v->type == YN_MAP || n == 0 || n > PCORR_BY_MAX) {
		px_err(x, v, "'by' is a list of 1 to %d keys: process, tree, user, container or "
			     "field names", PCORR_BY_MAX);
		return -EINVAL;
	}
	for (size_t i = 0; i < n; i++) {
		const struct ynode *e = v->type == YN_SEQ ? v->items[i] : v;

		if (!px_expect(x, e, YN_SCALAR, "a key of 'by'"))
			return -EINVAL;
		out[i].key = NULL;
		if (!strcmp(e->str, "process") || !strcmp(e->str, "tree")) {
			if (step) {
				px_err(x, e, "'%s' goes in the correlation's 'by', not a step's",
				       e->str);
				return -EINVAL;
			}
			out[i].field = !strcmp(e->str, "tree") ? PCORR_TREE : PCORR_PROCESS;
		} else if (!strcmp(e->str, "user")) {
			out[i].field = FLD_PROC_UID;
		} else if (!strcmp(e->str, "container")) {
			out[i].field = FLD_CTR_ID;
		} else if (parse_field(x, e, events, "'by'", &out[i].field, &out[i].key) < 0) {
			return -EINVAL;
		}
		for (size_t j = 0; j < i; j++)
			if ((out[j].field == PCORR_TREE || out[j].field == PCORR_PROCESS) &&
			    (out[i].field == PCORR_TREE || out[i].field == PCORR_PROCESS)) {
				px_err(x, e, "'by' takes one of process and tree");
				return -EINVAL;
			}
	}
	*nret = n;
	return 0;
}

/* A step: a rule 'ID#k' of its own, after the correlation's. */
static struct prule *add_step(struct px *x, const struct ynode *v, struct prule *rule,
			      struct pcorr *k, int s)
{
	struct prule *st;
	char id[SG_POLICY_ID_MAX + 8];

	st = px_alloc(x, sizeof(*st));
	if (!st)
		return NULL;
	snprintf(id, sizeof(id), "%s#%d", rule->id, s + 1);
	for (size_t i = 0; i < x->rules.n; i++)
		if (!strcmp(((struct prule *)x->rules.v[i])->id, id)) {
			px_err(x, v, "a rule's id '%s' is the name of this correlation's step %d",
			       id, s + 1);
			return NULL;
		}
	st->id = px_strdup(x, id);
	st->mark = v->mark;
	st->action = SG_ACT_LOG;
	st->severity = rule->severity;
	st->enabled = rule->enabled;
	st->corr = k;
	st->step = s;
	if (px_parse_body(x, v, st) < 0)
		return NULL;
	if (x->rules.n >= SG_POLICY_RULES_MAX) {
		px_err(x, v, "too many rules (max %d; each step of a correlation is one)",
		       SG_POLICY_RULES_MAX);
		return NULL;
	}
	if (pvec_push(&x->rules, st) < 0) {
		x->fatal = -ENOMEM;
		return NULL;
	}
	return st;
}

int policy_corr_parse(struct px *x, const struct ynode *v, struct prule *rule)
{
	const struct ynode *window, *by, *count, *distinct, *seq, *ordered, *groups;
	struct pcorr_by top[PCORR_BY_MAX];
	size_t ntop = 0;
	struct pcorr *k;
	bool ord = true;
	int r = 0;

	if (!px_expect(x, v, YN_MAP, "'correlate'"))
		return -EINVAL;
	for (size_t i = 0; i < v->n; i += 2)
		if (!known(corr_keys, v->items[i]->str)) {
			px_err(x, v->items[i], "unknown key '%s' in 'correlate' (expected %s)",
			       v->items[i]->str, "window, by, count, distinct, events, match, "
			       "except, sequence, ordered, groups");
			r = -EINVAL;
		}
	window = policy_ymap_get(v, "window");
	by = policy_ymap_get(v, "by");
	count = policy_ymap_get(v, "count");
	distinct = policy_ymap_get(v, "distinct");
	seq = policy_ymap_get(v, "sequence");
	ordered = policy_ymap_get(v, "ordered");
	groups = policy_ymap_get(v, "groups");
	k = px_alloc(x, sizeof(*k));
	if (!k)
		return x->fatal;
	k->distinct = -1;
	k->spec.max_groups = PCORR_GROUPS_DEFAULT;
	rule->corr = k;
	rule->step = -1;
	if (!window) {
		px_err(x, v, "correlation '%s' has no 'window'", rule->id);
		r = -EINVAL;
	} else if (px_expect(x, window, YN_SCALAR, "'window'")) {
		int q = parse_window(window->str, &k->spec.window_ns);

		if (q < 0) {
			px_err(x, window, "bad window '%s' (expected a number and ms, s, m, h or "
					  "d; from 1ms to 24h)", window->str);
			r = -EINVAL;
		}
	} else {
		r = -EINVAL;
	}
	if (groups && parse_uint(x, groups, "'groups'", 1, CORR_GROUPS_MAX,
				 &k->spec.max_groups) < 0)
		r = -EINVAL;
	if (ordered && (!seq || px_parse_bool(ordered, &ord) < 0)) {
		px_err(x, ordered, seq ? "'ordered' takes true or false" :
					 "'ordered' goes with 'sequence'");
		r = -EINVAL;
	}
	if (seq) {
		if (count || distinct || policy_ymap_get(v, "events") || policy_ymap_get(v, "match")) {
			px_err(x, v, "a correlation has a 'sequence', or 'events' with 'count' "
				     "(and 'distinct'), not both");
			return -EINVAL;
		}
		if (seq->type != YN_SEQ || seq->n < 2 || seq->n > CORR_STEPS_MAX) {
			px_err(x, seq, "'sequence' is a list of 2 to %d steps", CORR_STEPS_MAX);
			return -EINVAL;
		}
		k->spec.kind = ord ? CORR_ORDERED : CORR_ANY_ORDER;
		k->spec.threshold = (uint32_t)seq->n;
		k->nsteps = seq->n;
	} else {
		if (!count) {
			px_err(x, v, "correlation '%s' has neither 'count' nor 'sequence'",
			       rule->id);
			return -EINVAL;
		}
		if (parse_uint(x, count, "'count'", 2, CORR_THRESHOLD_MAX, &k->spec.threshold) < 0)
			r = -EINVAL;
		k->spec.kind = distinct ? CORR_DISTINCT : CORR_COUNT;
		k->nsteps = 1;
	}
	k->steps = px_alloc(x, k->nsteps * sizeof(*k->steps));
	if (!k->steps)
		return x->fatal;
	if (r < 0)
		return r;
	/* the steps: rules of their own, right after the correlation */
	for (size_t s = 0; s < k->nsteps; s++) {
		const struct ynode *sv = seq ? seq->items[s] : v;
		const struct prule *st;

		if (seq) {
			if (!px_expect(x, sv, YN_MAP, "a step"))
				return -EINVAL;
			for (size_t i = 0; i < sv->n; i += 2)
				if (!known(step_keys, sv->items[i]->str)) {
					px_err(x, sv->items[i], "unknown key '%s' in a step (expected "
						"events, match, except, by)", sv->items[i]->str);
					return -EINVAL;
				}
		}
		st = add_step(x, sv, rule, k, (int)s);
		if (!st)
			return x->fatal ? x->fatal : -EINVAL;
		if (s == 0 && by && parse_by(x, by, st->events, false, top, &ntop) < 0)
			return -EINVAL;
		if (s == 0) {
			k->nby = ntop;
			k->by = px_alloc(x, (k->nsteps * (ntop ? ntop : 1)) * sizeof(*k->by));
			if (!k->by)
				return x->fatal;
		}
		if (seq && policy_ymap_get(sv, "by")) {
			struct pcorr_by own[PCORR_BY_MAX];
			size_t nown, t = 0;

			if (parse_by(x, policy_ymap_get(sv, "by"), st->events, true, own, &nown) < 0)
				return -EINVAL;
			/* the step's keys replace the fields of the correlation's, in order */
			for (size_t j = 0; j < ntop; j++)
				t += top[j].field >= 0;
			if (nown != t) {
				px_err(x, policy_ymap_get(sv, "by"), "a step's 'by' has %zu keys where "
				       "the correlation's 'by' has %zu fields", nown, t);
				return -EINVAL;
			}
			for (size_t j = 0, o = 0; j < ntop; j++)
				k->by[s * ntop + j] = top[j].field >= 0 ? own[o++] : top[j];
		} else {
			for (size_t j = 0; j < ntop; j++) {
				if (top[j].field >= 0 &&
				    (policy_field_events[top[j].field] & st->events) != st->events) {
					px_err(x, by, "field '%s' in 'by' does not exist for every event "
						      "of step %zu; give the step a 'by' of its own",
					       policy_fields[top[j].field].name, s + 1);
					return -EINVAL;
				}
				k->by[s * ntop + j] = top[j];
			}
		}
		if (distinct) {
			if (!px_expect(x, distinct, YN_SCALAR, "'distinct'") ||
			    parse_field(x, distinct, st->events, "'distinct'", &k->distinct,
					&k->distinct_key) < 0)
				return -EINVAL;
		}
	}
	for (size_t j = 0; j < ntop; j++)
		k->tree |= top[j].field == PCORR_TREE;
	{
		uint64_t per = k->spec.kind == CORR_DISTINCT ? 2 * k->spec.threshold :
							       k->spec.threshold;
		uint64_t bytes = (uint64_t)k->spec.max_groups * (per * 8 + 160);

		if (bytes > PCORR_MEMORY_MAX) {
			px_err(x, groups ? groups : v, "correlation '%s' keeps %llu MiB of windows "
			       "(groups x count); the most is %u MiB", rule->id,
			       (unsigned long long)(bytes >> 20), PCORR_MEMORY_MAX >> 20);
			return -EINVAL;
		}
	}
	return 0;
}

int policy_corr_compile(struct px *x, struct policy *p)
{
	size_t n = 0;

	for (size_t i = 0; i < p->nrules; i++)
		n += p->rules[i].corr && p->rules[i].step < 0;
	if (!n)
		return 0;
	p->corrs = px_alloc(x, n * sizeof(*p->corrs));
	if (!p->corrs)
		return x->fatal;
	for (size_t i = 0; i < p->nrules; i++) {
		struct prule *r = &p->rules[i];

		if (!r->corr)
			continue;
		if (r->step >= 0) {
			r->corr->steps[r->step] = (uint32_t)i;
			continue;
		}
		r->corr->rule = (uint32_t)i;
		r->corr->t = corr_table_new(&r->corr->spec);
		if (!r->corr->t && errno == ENOMEM)
			return x->fatal = -ENOMEM;
		if (!r->corr->t)
			continue; /* its errors were given when it was read */
		p->corrs[p->ncorr++] = r->corr;
	}
	return 0;
}

void policy_corr_free(struct policy *p)
{
	for (size_t i = 0; i < p->ncorr; i++)
		corr_table_free(p->corrs[i]->t);
}

/* The hash of step s's keys, the tree left out. */
static uint64_t step_key(struct ectx *c, const struct pcorr *k, size_t s)
{
	uint64_t h = CORR_HASH_INIT;

	for (size_t j = 0; j < k->nby; j++) {
		const struct pcorr_by *b = &k->by[s * k->nby + j];
		bool present;

		if (b->field == PCORR_PROCESS)
			h = corr_hash(h, &c->ev->proc.pid, sizeof(c->ev->proc.pid));
		else if (b->field != PCORR_TREE)
			h = policy_field_hash(c, b->field, b->key, h, &present);
	}
	return h;
}

/*
 * The group's name, from the event with which the rule held (its keys'
 * values are the group's): the keys of step s, the tree at pid (comm).
 */
static void step_label(struct ectx *c, const struct pcorr *k, size_t s, uint32_t pid,
		       const char *comm, char *label, size_t size)
{
	char buf[SG_CORR_GROUP_LEN];
	size_t o = 0;

	label[0] = '\0';
	for (size_t j = 0; j < k->nby; j++) {
		const struct pcorr_by *b = &k->by[s * k->nby + j];
		int w;

		if (b->field == PCORR_TREE || b->field == PCORR_PROCESS) {
			w = snprintf(label + o, size - o, "%s%s=%u(%s)", o ? ", " : "",
				     b->field == PCORR_TREE ? "tree" : "process",
				     b->field == PCORR_TREE ? pid : c->ev->proc.pid,
				     b->field == PCORR_TREE ? comm : c->ev->proc.comm);
		} else {
			policy_field_string(c, b->field, b->key, buf, sizeof(buf));
			/* steps name their own fields: the label says the first step's */
			b = &k->by[j];
			w = snprintf(label + o, size - o, "%s%s%s=%s", o ? ", " : "",
				     policy_fields[b->field].name, b->key ? b->key : "", buf);
		}
		if (w > 0)
			o = (size_t)w < size - o ? o + (size_t)w : size - 1;
	}
}

/* Feed step s; true when the correlation holds (*fire and label filled). */
static bool feed_step(struct ectx *c, struct pcorr *k, size_t s, uint64_t value,
		      struct corr_fire *fire, char *label, size_t size)
{
	const struct proc_entry *const *anc;
	uint64_t h, now = c->ev->ts_ns;
	bool windowed = k->spec.kind == CORR_COUNT || k->spec.kind == CORR_DISTINCT;
	/* a group starts with anything that counts, or with a sequence's start */
	bool starts = windowed || s == 0 || k->spec.kind == CORR_ANY_ORDER;
	bool held = false;
	size_t nanc;
	struct corr_fire f;
	int r;

	h = step_key(c, k, s);
	if (!k->tree) {
		r = corr_feed(k->t, h, now, 1u << s, value, false, fire);
		if (r == -ENOENT && starts)
			r = corr_feed(k->t, h, now, 1u << s, value, true, fire);
		if (r == 1)
			step_label(c, k, s, 0, NULL, label, size);
		return r == 1;
	}
	/*
	 * The tree: the process's own group, and those of its ancestors below
	 * init.  Counts count in each; a sequence goes on in an ancestor's group
	 * only, and starts in the process's own.
	 */
	nanc = policy_ectx_ancestors(c, &anc);
	for (size_t i = 0; i <= nanc; i++) {
		uint32_t pid = i ? anc[i - 1]->pid : c->ev->proc.pid;
		uint64_t hk = corr_hash(h, &pid, sizeof(pid));

		if (pid <= 1)
			break;
		r = corr_feed(k->t, hk, now, 1u << s, value, false, &f);
		if (r == -ENOENT && (i == 0 ? starts : windowed))
			r = corr_feed(k->t, hk, now, 1u << s, value, true, &f);
		if (r == 1 && !held) {
			*fire = f;
			step_label(c, k, s, pid, i ? anc[i - 1]->comm : c->ev->proc.comm, label,
				   size);
			held = true;
		}
	}
	return held;
}

bool policy_corr_feed(struct ectx *c, struct pcorr *k, uint32_t steps, struct sg_corr *out)
{
	struct corr_fire fire = { 0 };
	uint64_t value = 0;
	bool held = false;

	if (k->distinct >= 0) {
		bool present;

		value = policy_field_hash(c, k->distinct, k->distinct_key, CORR_HASH_INIT,
					  &present);
		if (!present)
			return false; /* nothing to count */
	}
	/* the last step first: one event takes a sequence one step further, not two */
	for (size_t s = k->nsteps; s-- > 0;) {
		struct corr_fire f;

		if ((steps & (1u << s)) && !held &&
		    feed_step(c, k, s, value, &f, out->group, sizeof(out->group))) {
			fire = f;
			held = true;
		} else if ((steps & (1u << s)) && held) {
			char spare[SG_CORR_GROUP_LEN];

			feed_step(c, k, s, value, &f, spare, sizeof(spare));
		}
	}
	if (!held)
		return false;
	out->rule_id = c->p->rules[k->rule].id;
	out->kind = k->spec.kind == CORR_COUNT ? "count" :
		    k->spec.kind == CORR_DISTINCT ? "distinct" : "sequence";
	out->count = fire.count;
	out->window_ns = k->spec.window_ns;
	out->first_ns = fire.first_ns;
	return true;
}
