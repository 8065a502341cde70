// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * A policy document: its top-level keys and version, 'defaults', 'exclude',
 * and its rules (id, description, events, match, except, action, severity,
 * tags, enabled, force), with the plan of block rules; and the rules
 * converted from the Sigma files it names.  Pass 1 reads what every file
 * may use (lists, defaults), pass 2 the rest.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "policy_load.h"
#include "strnum.h"

static int parse_events(struct px *x, const struct ynode *v, uint32_t *ret)
{
	uint32_t mask = 0;
	int r = 0;

	if (v->type == YN_MAP) {
		px_err(x, v, "'events' must be a list of event types");
		return -EINVAL;
	}
	if (v->type == YN_SEQ && v->n == 0) {
		px_err(x, v, "'events' is empty");
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
				px_err(x, e, "an event type must be a string, not %s",
				       px_type_name(e));
			else
				px_err(x, e, "unknown event type '%s' (expected %s)", e->str,
				       expected);
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
		px_err(x, v, "'%s' must be a list of strings", what);
		return -EINVAL;
	}
	s = px_alloc(x, n * sizeof(*s));
	if (!s)
		return x->fatal;
	for (size_t i = 0; i < n; i++) {
		const struct ynode *e = v->type == YN_SEQ ? v->items[i] : v;

		if (e->type != YN_SCALAR) {
			px_err(x, e, "'%s' must be a list of strings", what);
			return -EINVAL;
		}
		s[i] = px_strdup(x, e->str);
		if (!s[i])
			return x->fatal;
	}
	qsort(s, n, sizeof(*s), px_cmp_str);
	for (size_t i = 0; i < n; i++)
		if (k == 0 || strcmp(s[k - 1], s[i]))
			s[k++] = s[i];
	*ret = s;
	*nret = k;
	return 0;
}

int px_parse_body(struct px *x, const struct ynode *v, struct prule *rule)
{
	const struct ynode *events, *match, *except;
	int r = 0, q;

	events = policy_ymap_get(v, "events");
	match = policy_ymap_get(v, "match");
	except = policy_ymap_get(v, "except");
	if (!except)
		except = policy_ymap_get(v, "exceptions");
	if (!events) {
		px_err(x, v, "rule '%s' has no 'events'", rule->id ? rule->id : "?");
		r = -EINVAL;
	} else if (parse_events(x, events, &rule->events) < 0) {
		r = -EINVAL;
	}
	if (match && match->type == YN_SEQ) {
		/* A list of condition sets: any of them. */
		if (match->n == 0) {
			px_err(x, match, "'match' is an empty list");
			r = -EINVAL;
		}
		rule->match = px_alloc(x, (match->n ? match->n : 1) * sizeof(*rule->match));
		if (!rule->match)
			return x->fatal;
		for (size_t i = 0; i < match->n; i++) {
			q = px_parse_condset(x, match->items[i], rule->events, "a 'match' entry",
					     false, &rule->match[rule->nmatch++]);
			if (q < 0)
				r = q;
		}
	} else if (match) {
		rule->match = px_alloc(x, sizeof(*rule->match));
		if (!rule->match)
			return x->fatal;
		q = px_parse_condset(x, match, rule->events, "'match'", true, &rule->match[0]);
		if (q < 0)
			r = q;
		rule->nmatch = rule->match[0].n ? 1 : 0;
	}
	if (except) {
		size_t n = except->type == YN_SEQ ? except->n : 0;

		if (except->type != YN_SEQ) {
			px_err(x, except, "'except' must be a list of condition sets");
			r = -EINVAL;
		}
		rule->except = px_alloc(x, (n ? n : 1) * sizeof(*rule->except));
		if (!rule->except)
			return x->fatal;
		for (size_t i = 0; i < n; i++) {
			q = px_parse_condset(x, except->items[i], rule->events, "an exception",
					     false, &rule->except[rule->nexcept++]);
			if (q < 0)
				r = q;
		}
	}
	return x->fatal ? x->fatal : r;
}

static const char *const rule_keys[] = {
	"id", "description", "events", "match", "except", "exceptions", "action", "severity",
	"tags", "enabled", "force", "correlate", NULL,
};

static int parse_rule(struct px *x, const struct ynode *v)
{
	const struct ynode *id, *events, *match, *except, *action, *sev, *tags, *en, *desc, *force;
	const struct ynode *corr;
	struct prule *rule;
	int r = 0, q;

	if (!px_expect(x, v, YN_MAP, "a rule"))
		return -EINVAL;
	rule = px_alloc(x, sizeof(*rule));
	if (!rule)
		return x->fatal;
	rule->mark = v->mark;
	for (size_t i = 0; i < v->n; i += 2) {
		const char *k = v->items[i]->str;
		bool known = false;

		for (size_t j = 0; rule_keys[j]; j++)
			known |= strcmp(k, rule_keys[j]) == 0;
		if (!known) {
			px_err(x, v->items[i], "unknown key '%s' in a rule (expected %s)", k,
			       "id, description, events, match, except, action, severity, tags, "
			       "enabled, force, correlate");
			r = -EINVAL;
		}
	}
	id = policy_ymap_get(v, "id");
	events = policy_ymap_get(v, "events");
	match = policy_ymap_get(v, "match");
	except = policy_ymap_get(v, "except");
	if (!except)
		except = policy_ymap_get(v, "exceptions");
	else if (policy_ymap_get(v, "exceptions")) {
		px_err(x, v, "a rule has 'except' and 'exceptions'; use one");
		r = -EINVAL;
	}
	action = policy_ymap_get(v, "action");
	sev = policy_ymap_get(v, "severity");
	tags = policy_ymap_get(v, "tags");
	en = policy_ymap_get(v, "enabled");
	desc = policy_ymap_get(v, "description");
	force = policy_ymap_get(v, "force");
	corr = policy_ymap_get(v, "correlate");

	if (!id) {
		px_err(x, v, "a rule without 'id'");
		r = -EINVAL;
	} else if (px_expect(x, id, YN_SCALAR, "'id'")) {
		if (!px_valid_name(id->str, SG_POLICY_ID_MAX, true)) {
			px_err(x, id, "bad rule id '%s' (1 to %d of A-Z a-z 0-9 _ - . :)", id->str,
			       SG_POLICY_ID_MAX);
			r = -EINVAL;
		} else {
			for (size_t i = 0; i < x->rules.n; i++) {
				const struct prule *o = x->rules.v[i];

				if (o->id && strcmp(o->id, id->str) == 0) {
					px_err(x, id, "duplicate rule id '%s' (first at %s:%u:%u)",
					       id->str, o->mark.file, o->mark.line, o->mark.col);
					r = -EINVAL;
				}
			}
			rule->id = px_strdup(x, id->str);
		}
	} else {
		r = -EINVAL;
	}
	if (desc && px_expect(x, desc, YN_SCALAR, "'description'"))
		rule->description = px_strdup(x, desc->str);
	else if (desc)
		r = -EINVAL;
	if (corr) {
		if (events || match || except) {
			px_err(x, events ? events : match ? match : except,
			       "a correlation rule has 'events', 'match' and 'except' in its steps "
			       "under 'correlate', not beside it");
			r = -EINVAL;
		}
	} else if (px_parse_body(x, v, rule) < 0) {
		r = -EINVAL;
	}
	rule->severity = x->p->def_severity;
	if (sev) {
		q = sev->type == YN_SCALAR ? sg_severity_from_name(sev->str) : -EINVAL;
		if (sev->type != YN_SCALAR) {
			px_expect(x, sev, YN_SCALAR, "'severity'");
			r = -EINVAL;
		} else if (q < 0) {
			px_err(x, sev, "unknown severity '%s' (expected %s)", sev->str,
			       "info, low, medium, high, critical");
			r = -EINVAL;
		} else {
			rule->severity = q;
		}
	}
	rule->enabled = true;
	if (en && px_parse_bool(en, &rule->enabled) < 0) {
		px_err(x, en, "'enabled' takes true or false");
		r = -EINVAL;
	}
	if (force && px_parse_bool(force, &rule->force) < 0) {
		px_err(x, force, "'force' takes true or false");
		r = -EINVAL;
	}
	if (tags && parse_strlist(x, tags, "tags", &rule->tags, &rule->ntags) < 0)
		r = -EINVAL;
	if (!action) {
		px_err(x, v, "rule '%s' has no 'action'", rule->id ? rule->id : "?");
		r = -EINVAL;
	} else {
		q = action->type == YN_SCALAR ? sg_action_from_name(action->str) : -EINVAL;
		if (action->type != YN_SCALAR) {
			px_expect(x, action, YN_SCALAR, "'action'");
			r = -EINVAL;
		} else if (q < 0) {
			px_err(x, action, "unknown action '%s' (expected allow, log, alert, block)",
			       action->type == YN_SCALAR ? action->str : px_type_name(action));
			r = -EINVAL;
		} else {
			rule->action = q;
		}
	}
	if (corr && action && (rule->action == SG_ACT_BLOCK || rule->action == SG_ACT_ALLOW)) {
		px_err(x, action, "a correlation rule's action is log or alert: it holds after "
				  "its events have happened, too late to %s them",
		       rule->action == SG_ACT_BLOCK ? "block" : "allow");
		r = -EINVAL;
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
					"rule '%s' names no path: file enforcement watches the "
					"whole root filesystem for it", rule->id);
	}
	if (x->fatal)
		return x->fatal;
	if (x->rules.n >= SG_POLICY_RULES_MAX) {
		px_err(x, v, "too many rules (max %d)", SG_POLICY_RULES_MAX);
		return -EINVAL;
	}
	q = pvec_push(&x->rules, rule);
	if (q < 0)
		return x->fatal = q;
	if (corr && r == 0)
		r = policy_corr_parse(x, corr, rule);
	return x->fatal ? x->fatal : r;
}

static int parse_duration(const char *s, uint64_t *ret)
{
	uint64_t ns;

	if (!strnum_duration_ns(s, &ns) || (ns && ns < 1000000ull))
		return -EINVAL;
	if (ns > SG_DEDUP_WINDOW_MAX * 1000000000ull)
		return -ERANGE;
	*ret = ns;
	return 0;
}

static void parse_defaults(struct px *x, const struct ynode *v)
{
	static const char *const keys[] = { "action", "severity", "dedup_window" };

	if (!px_expect(x, v, YN_MAP, "'defaults'"))
		return;
	for (size_t i = 0; i < v->n; i += 2) {
		const struct ynode *k = v->items[i], *val = v->items[i + 1];
		int which = -1, q;

		for (int j = 0; j < 3; j++)
			if (strcmp(k->str, keys[j]) == 0)
				which = j;
		if (which < 0) {
			px_err(x, k, "unknown key '%s' in 'defaults' (expected action, severity, "
				     "dedup_window)", k->str);
			continue;
		}
		if (x->def_mark[which].file) {
			px_err(x, k, "'defaults.%s' already set at %s:%u:%u", k->str,
			       x->def_mark[which].file, x->def_mark[which].line,
			       x->def_mark[which].col);
			continue;
		}
		x->def_mark[which] = k->mark;
		if (!px_expect(x, val, YN_SCALAR, "a default"))
			continue;
		switch (which) {
		case 0:
			q = sg_action_from_name(val->str);
			if (q < 0 || q == SG_ACT_BLOCK)
				px_err(x, val, "bad default action '%s' (expected %s)", val->str,
				       "allow, log, alert");
			else
				x->p->def_action = q;
			break;
		case 1:
			q = sg_severity_from_name(val->str);
			if (q < 0)
				px_err(x, val, "unknown severity '%s' (expected %s)", val->str,
				       "info, low, medium, high, critical");
			else
				x->p->def_severity = q;
			break;
		case 2:
			q = parse_duration(val->str, &x->p->dedup_window_ns);
			if (q == -ERANGE)
				px_err(x, val, "dedup window '%s' is longer than %ds", val->str,
				       SG_DEDUP_WINDOW_MAX);
			else if (q < 0)
				px_err(x, val, "bad duration '%s' (expected %s)", val->str,
				       "0, or a number and ms, s, m or h");
			break;
		}
	}
}

/* Pass 1 over a file: the document's shape, version, lists, defaults. */
void px_pass1(struct px *x, const struct pfile *f)
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
			px_err(x, root->items[i], "unknown key '%s' (expected %s)",
			       root->items[i]->str,
			       "version, lists, defaults, exclude, rules, sigma");
	}
	ver = policy_ymap_get(root, "version");
	if (!ver)
		policy_diag_add(x->d, &root->mark, false, "missing 'version: 1'");
	else if (ver->type != YN_SCALAR || strcmp(ver->str, "1") != 0)
		px_err(x, ver, "unsupported version '%s' (this build knows version 1)",
		       ver->type == YN_SCALAR ? ver->str : px_type_name(ver));
	if (policy_ymap_get(root, "lists"))
		px_parse_lists(x, policy_ymap_get(root, "lists"));
	if (policy_ymap_get(root, "defaults"))
		parse_defaults(x, policy_ymap_get(root, "defaults"));
}

/*
 * A rule converted from Sigma (policy_sigma_rule.c).  One the engine refuses is a
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
void px_pass2(struct px *x, const struct pfile *f)
{
	const struct ynode *root = f->root, *ex, *rules, *sigma;

	if (!root || root->type != YN_MAP)
		return;
	ex = policy_ymap_get(root, "exclude");
	if (ex && px_expect(x, ex, YN_SEQ, "'exclude'")) {
		for (size_t i = 0; i < ex->n && !x->fatal; i++) {
			struct pcondset *cs = px_alloc(x, sizeof(*cs));

			if (!cs)
				return;
			if (px_parse_condset(x, ex->items[i], 0, "an exclusion", false, cs) == 0 &&
			    pvec_push(&x->excl, cs) < 0)
				x->fatal = -ENOMEM;
		}
	}
	rules = policy_ymap_get(root, "rules");
	if (rules && px_expect(x, rules, YN_SEQ, "'rules'"))
		for (size_t i = 0; i < rules->n && !x->fatal; i++)
			parse_rule(x, rules->items[i]);
	sigma = policy_ymap_get(root, "sigma");
	if (sigma && x->from_text)
		px_err(x, sigma, "'sigma' paths are read only from policy files, not from a "
				 "policy given as text");
	else if (sigma && !x->fatal &&
		 policy_sigma_load(&x->tmp, &x->p->arena, f->name, sigma, sigma_rule, x,
				   x->d) == -ENOMEM)
		x->fatal = -ENOMEM;
}

