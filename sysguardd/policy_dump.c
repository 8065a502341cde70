// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The policy's outward forms: the normalized dump (canonical YAML: lists
 * expanded, values sorted and unique, keys in a fixed order, one rule per
 * block; it parses back to the same policy), the JSON summary for the control
 * socket, and the --check-policy entry point.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>
#include "policy_int.h"

static bool plain_ok(const char *s)
{
	static const char *const reserved[] = { "true", "false", "yes", "no", "on", "off",
						"null", "y", "n", NULL };

	size_t digits = strspn(s, "0123456789");

	/* '%' and '@' are YAML indicators: no plain scalar starts with them */
	if (!*s || *s == '-' || *s == '$' || *s == '~' || *s == '%' || *s == '@')
		return false;
	/* 123 and 1.5 would be numbers to other YAML readers */
	if (digits && (!s[digits] || (s[digits] == '.' && !s[digits + 1 + strspn(s + digits + 1,
									       "0123456789")])))
		return false;
	for (const char *p = s; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9') || strchr("/_.~+=@%^-", *p)))
			return false;
	for (size_t i = 0; reserved[i]; i++)
		if (strcasecmp(s, reserved[i]) == 0)
			return false;
	return true;
}

/* A string as a YAML scalar that the policy parser reads back as s. */
void policy_put_scalar(FILE *f, const char *s)
{
	if (plain_ok(s)) {
		fputs(s, f);
		return;
	}
	fputc('"', f);
	if (*s == '$')
		fputc('$', f);
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p == '"' || *p == '\\')
			fprintf(f, "\\%c", *p);
		else if (*p < 0x20 || *p == 0x7f)
			fprintf(f, "\\x%02x", *p);
		else
			fputc(*p, f);
	}
	fputc('"', f);
}

static void put_duration(FILE *f, uint64_t ns)
{
	if (ns == 0)
		fputs("0", f);
	else if (ns % 60000000000ull == 0)
		fprintf(f, "%llum", (unsigned long long)(ns / 60000000000ull));
	else if (ns % 1000000000ull == 0)
		fprintf(f, "%llus", (unsigned long long)(ns / 1000000000ull));
	else
		fprintf(f, "%llums", (unsigned long long)(ns / 1000000ull));
}

static void put_fieldcond(FILE *f, const struct pfieldcond *fc);

static void put_values(FILE *f, enum pfield field, const struct pop *op)
{
	const struct pfield_desc *fd = &policy_fields[field];
	bool first = true;
	char buf[ADDR_STR_MAX];

	if (op->kind == OP_NOT) {
		put_fieldcond(f, op->not);
		return;
	}
	if (op->kind == OP_ALL) {
		fputc('[', f);
		for (size_t i = 0; i < op->n; i++) {
			fputs(i ? ", " : "", f);
			put_fieldcond(f, &op->all[i]);
		}
		fputc(']', f);
		return;
	}
	fputc('[', f);
	switch (fd->kind) {
	case PK_STR:
	case PK_ARGV:
		for (size_t i = 0; i < op->n; i++) {
			bool glob = op->kind == OP_GLOB || op->kind == OP_ARG;

			fputs(i ? ", " : "", f);
			policy_put_scalar(f, glob ? op->globs[i].pat : op->strs[i]);
		}
		break;
	case PK_NUM:
		for (size_t i = 0; i < op->n; i++) {
			fputs(i ? ", " : "", f);
			if (op->ranges[i].lo == op->ranges[i].hi)
				fprintf(f, "%u", op->ranges[i].lo);
			else
				fprintf(f, "%u-%u", op->ranges[i].lo, op->ranges[i].hi);
		}
		break;
	case PK_ADDR:
		for (size_t i = 0; i < op->n; i++) {
			fputs(i ? ", " : "", f);
			if (addr_format_cidr(&op->cidrs[i], buf, sizeof(buf)) == 0)
				policy_put_scalar(f, buf);
		}
		break;
	case PK_ENUM:
		for (int b = 0; b < 32; b++)
			if (op->mask & (1u << b)) {
				fputs(first ? "" : ", ", f);
				fputs(policy_enum_name(field, b), f);
				first = false;
			}
		break;
	case PK_BOOL:
		if (op->mask & 1) {
			fputs("false", f);
			first = false;
		}
		if (op->mask & 2)
			fputs(first ? "true" : ", true", f);
		break;
	}
	fputc(']', f);
}

/* Operators in the order of their names. */
static const enum pop_kind op_order[] = { OP_ALL, OP_ARG, OP_CONTAINS, OP_GLOB, OP_IN, OP_NOT,
					  OP_PREFIX, OP_RE, OP_SUFFIX };

static void put_fieldcond(FILE *f, const struct pfieldcond *fc)
{
	bool first = true, nocase = false;

	for (size_t i = 0; i < fc->nops; i++)
		nocase |= fc->ops[i].nocase;
	fputc('{', f);
	for (size_t k = 0; k < sizeof(op_order) / sizeof(op_order[0]); k++) {
		if (op_order[k] == OP_NOT && nocase) { /* 'nocase' in its place by name */
			fprintf(f, "%snocase: true", first ? "" : ", ");
			first = false;
		}
		for (size_t i = 0; i < fc->nops; i++) {
			if (fc->ops[i].kind != op_order[k])
				continue;
			fprintf(f, "%s%s: ", first ? "" : ", ", policy_op_names[op_order[k]]);
			put_values(f, fc->field, &fc->ops[i]);
			first = false;
		}
	}
	fputc('}', f);
}

static int cmp_cond_name(const void *a, const void *b)
{
	const struct pfieldcond *x = *(const struct pfieldcond *const *)a;
	const struct pfieldcond *y = *(const struct pfieldcond *const *)b;

	int r = strcmp(policy_fields[x->field].name, policy_fields[y->field].name);

	return r ? r : strcmp(x->key ? x->key : "", y->key ? y->key : "");
}

/* A condition set as a block mapping; first line after "- " when dash. */
static void put_condset(FILE *f, const struct pcondset *cs, int indent, bool dash)
{
	const struct pfieldcond *small[FLD_MAX], **sorted = small;

	if (cs->n > FLD_MAX) /* keyed fields may repeat */
		sorted = malloc(cs->n * sizeof(*sorted));
	if (!sorted)
		return;
	for (size_t i = 0; i < cs->n; i++)
		sorted[i] = &cs->conds[i];
	qsort(sorted, cs->n, sizeof(*sorted), cmp_cond_name);
	for (size_t i = 0; i < cs->n; i++) {
		if (dash && i == 0)
			fprintf(f, "%*s- ", indent - 2, "");
		else
			fprintf(f, "%*s", indent, "");
		fprintf(f, "%s%s: ", policy_fields[sorted[i]->field].name,
			sorted[i]->key ? sorted[i]->key : "");
		put_fieldcond(f, sorted[i]);
		fputc('\n', f);
	}
	if (sorted != small)
		free(sorted);
}

/* events, except (force), match of a rule or a step; ind: the indent of the keys. */
static void put_body(FILE *f, const struct prule *r, int ind, bool dash)
{
	const char *names[32];
	int n;

	fprintf(f, "%*s%sevents: [", dash ? ind - 2 : ind, "", dash ? "- " : "");
	n = policy_events_names(r->events, names, 32);
	for (int i = 0; i < n; i++)
		fprintf(f, "%s%s", i ? ", " : "", names[i]);
	fputs("]\n", f);
	if (r->nexcept) {
		fprintf(f, "%*sexcept:\n", ind, "");
		for (size_t i = 0; i < r->nexcept; i++)
			put_condset(f, &r->except[i], ind + 4, true);
	} else {
		fprintf(f, "%*sexcept: []\n", ind, "");
	}
	if (r->force)
		fprintf(f, "%*sforce: true\n", ind, "");
	if (r->nmatch == 1) {
		fprintf(f, "%*smatch:\n", ind, "");
		put_condset(f, &r->match[0], ind + 2, false);
	} else if (r->nmatch > 1) {
		fprintf(f, "%*smatch:\n", ind, "");
		for (size_t i = 0; i < r->nmatch; i++)
			put_condset(f, &r->match[i], ind + 4, true);
	} else {
		fprintf(f, "%*smatch: {}\n", ind, "");
	}
}

/* Step s's keys of 'by' (fields only: a step's own), first line after "- " when dash. */
static void put_by(FILE *f, const struct pcorr *k, size_t s, bool fields, int ind, bool dash)
{
	bool first = true;

	fprintf(f, "%*s%sby: [", dash ? ind - 2 : ind, "", dash ? "- " : "");
	for (size_t j = 0; j < k->nby; j++) {
		const struct pcorr_by *b = &k->by[s * k->nby + j];

		if (fields && b->field < 0)
			continue;
		fputs(first ? "" : ", ", f);
		first = false;
		if (b->field == PCORR_TREE || b->field == PCORR_PROCESS)
			fputs(b->field == PCORR_TREE ? "tree" : "process", f);
		else
			fprintf(f, "%s%s", policy_fields[b->field].name, b->key ? b->key : "");
	}
	fputs("]\n", f);
}

/* A correlation: its 'correlate' mapping, its steps inside. */
static void put_correlate(FILE *f, const struct policy *p, const struct prule *r)
{
	const struct pcorr *k = r->corr;
	bool seq = k->spec.kind == CORR_ORDERED || k->spec.kind == CORR_ANY_ORDER;
	size_t nfields = 0;

	for (size_t j = 0; j < k->nby; j++)
		nfields += k->by[j].field >= 0;
	fputs("    correlate:\n", f);
	if (k->nby)
		put_by(f, k, 0, false, 6, false);
	if (!seq) {
		fprintf(f, "      count: %u\n", k->spec.threshold);
		if (k->distinct >= 0)
			fprintf(f, "      distinct: %s%s\n", policy_fields[k->distinct].name,
				k->distinct_key ? k->distinct_key : "");
		put_body(f, &p->rules[k->steps[0]], 6, false);
	}
	fprintf(f, "      groups: %u\n", k->spec.max_groups);
	if (seq) {
		fprintf(f, "      ordered: %s\n      sequence:\n",
			k->spec.kind == CORR_ORDERED ? "true" : "false");
		for (size_t s = 0; s < k->nsteps; s++) {
			/* each step says its fields, which may differ from the first step's */
			if (nfields)
				put_by(f, k, s, true, 10, true);
			put_body(f, &p->rules[k->steps[s]], 10, !nfields);
		}
	}
	fputs("      window: ", f);
	put_duration(f, k->spec.window_ns);
	fputc('\n', f);
}

static void put_rule(FILE *f, const struct policy *p, const struct prule *r)
{
	fputs("  - id: ", f);
	policy_put_scalar(f, r->id);
	fprintf(f, "\n    action: %s\n", sg_action_name(r->action));
	if (r->corr)
		put_correlate(f, p, r);
	fputs("    description: ", f);
	policy_put_scalar(f, r->description ? r->description : "");
	fprintf(f, "\n    enabled: %s\n", r->enabled ? "true" : "false");
	if (!r->corr)
		put_body(f, r, 4, false);
	fprintf(f, "    severity: %s\n    tags: [", sg_severity_name(r->severity));
	for (size_t i = 0; i < r->ntags; i++) {
		fputs(i ? ", " : "", f);
		policy_put_scalar(f, r->tags[i]);
	}
	fputs("]\n", f);
}

int policy_dump(const struct policy *p, FILE *f)
{
	fprintf(f, "version: 1\ndefaults:\n  action: %s\n  dedup_window: ",
		sg_action_name(p->def_action));
	put_duration(f, p->dedup_window_ns);
	fprintf(f, "\n  severity: %s\n", sg_severity_name(p->def_severity));
	if (p->nexclude) {
		fputs("exclude:\n", f);
		for (size_t i = 0; i < p->nexclude; i++)
			put_condset(f, &p->exclude[i], 4, true);
	} else {
		fputs("exclude: []\n", f);
	}
	if (p->nrules) {
		fputs("rules:\n", f);
		for (size_t i = 0; i < p->nrules; i++)
			if (!p->rules[i].corr || p->rules[i].step < 0)
				put_rule(f, p, &p->rules[i]);
	} else {
		fputs("rules: []\n", f);
	}
	return ferror(f) ? -EIO : 0;
}

int policy_dump_string(const struct policy *p, char **ret)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f;
	int r;

	f = open_memstream(&buf, &len);
	if (!f)
		return -errno;
	r = policy_dump(p, f);
	if (fclose(f) != 0 && r == 0)
		r = -errno;
	if (r < 0) {
		free(buf);
		return r;
	}
	*ret = buf;
	return 0;
}

static int json_add(struct json_object *o, const char *k, struct json_object *v)
{
	if (!v)
		return -ENOMEM;
	if (json_object_object_add(o, k, v) < 0) {
		json_object_put(v);
		return -ENOMEM;
	}
	return 0;
}

int policy_block_rules_json(const struct policy *p, bool planned, struct json_object **ret)
{
	struct json_object *a = json_object_new_array();
	int q = 0;

	if (!a)
		return -ENOMEM;
	for (size_t i = 0; p && i < p->nrules && !q; i++) {
		const struct prule *r = &p->rules[i];
		const char *mech = planned ? r->plan : r->mechanism;
		const char *why = r->reason;
		struct json_object *o;

		if (r->action != SG_ACT_BLOCK || !r->enabled)
			continue;
		if (mech && !strcmp(mech, "none"))
			mech = NULL;
		if (!mech && !why)
			why = "its enforcer is not in force";
		o = json_object_new_object();
		if (!o || json_object_array_add(a, o) < 0) {
			json_object_put(o);
			q = -ENOMEM;
			break;
		}
		q |= json_add(o, "id", json_object_new_string(r->id));
		q |= json_add(o, "mechanism", json_object_new_string(mech ? mech : "none"));
		if (!mech)
			q |= json_add(o, "reason", json_object_new_string(why));
	}
	if (q) {
		json_object_put(a);
		return -ENOMEM;
	}
	*ret = a;
	return 0;
}

static struct json_object *rule_json(const struct policy *p, size_t i)
{
	const struct prule *r = &p->rules[i];
	struct json_object *o = json_object_new_object(), *ev;
	const char *names[32];
	int n, q = 0;

	if (!o)
		return NULL;
	ev = json_object_new_array();
	n = policy_events_names(r->events, names, 32);
	for (int k = 0; ev && k < n; k++)
		if (json_object_array_add(ev, json_object_new_string(names[k])) < 0)
			q = -ENOMEM;
	q |= json_add(o, "id", json_object_new_string(r->id));
	q |= json_add(o, "action", json_object_new_string(sg_action_name(r->action)));
	q |= json_add(o, "severity", json_object_new_string(sg_severity_name(r->severity)));
	q |= json_add(o, "enabled", json_object_new_boolean(r->enabled));
	q |= json_add(o, "enforceable", json_object_new_boolean(r->enforceable));
	if (r->action == SG_ACT_BLOCK && r->enabled) {
		/* which enforcer carries it out, or why none does (protocol.md) */
		q |= json_add(o, "mechanism", json_object_new_string(r->mechanism ? r->mechanism
									      : "none"));
		if (!r->mechanism)
			q |= json_add(o, "reason", json_object_new_string(
				r->reason ? r->reason : r->plan && strcmp(r->plan, "none") ?
				"its enforcer is not in force" : "no enforcer can carry it out"));
		q |= json_add(o, "plan", json_object_new_string(r->plan ? r->plan : "none"));
	}
	q |= json_add(o, "hits", json_object_new_int64((int64_t)p->ctr->hits[i]));
	q |= json_add(o, "events", ev);
	if (r->corr && r->step >= 0)
		q |= json_add(o, "step_of", json_object_new_string(p->rules[r->corr->rule].id));
	if (q) {
		json_object_put(o);
		return NULL;
	}
	return o;
}

int policy_to_json(const struct policy *p, struct json_object **ret)
{
	struct json_object *o = json_object_new_object(), *rules, *stats;
	char *text = NULL;
	int r = 0;

	if (!o)
		return -ENOMEM;
	rules = json_object_new_array();
	for (size_t i = 0; rules && i < p->nrules; i++) {
		struct json_object *rj = rule_json(p, i);

		if (!rj || json_object_array_add(rules, rj) < 0) {
			json_object_put(rj);
			r = -ENOMEM;
			break;
		}
	}
	stats = json_object_new_object();
	if (stats) {
		const struct policy_counters *c = p->ctr;

		r |= json_add(stats, "evaluated", json_object_new_int64((int64_t)c->evaluated));
		r |= json_add(stats, "excluded", json_object_new_int64((int64_t)c->excluded));
		r |= json_add(stats, "defaulted", json_object_new_int64((int64_t)c->defaulted));
		if (p->ncorr) {
			struct policy_stats ps;

			policy_stats(p, &ps);
			r |= json_add(stats, "correlation_groups",
				      json_object_new_int64((int64_t)ps.corr_groups));
			r |= json_add(stats, "correlation_fired",
				      json_object_new_int64((int64_t)ps.corr_fired));
			r |= json_add(stats, "correlation_evictions",
				      json_object_new_int64((int64_t)ps.corr_evictions));
		}
	}
	r |= json_add(o, "source", json_object_new_string(p->source));
	r |= json_add(o, "rules", rules);
	r |= json_add(o, "stats", stats);
	if (r == 0) {
		r = policy_dump_string(p, &text);
		if (r == 0)
			r = json_add(o, "normalized", json_object_new_string(text));
		free(text);
	}
	if (r) {
		json_object_put(o);
		return r < 0 ? r : -ENOMEM;
	}
	*ret = o;
	return 0;
}

int policy_check_main(const char *path, bool verbose, FILE *out, FILE *err)
{
	struct policy_diag diag;
	struct policy *p = NULL;
	int r;

	policy_diag_init(&diag);
	r = policy_load(path, &p, &diag);
	policy_diag_print(&diag, err);
	if (r < 0 && diag.n == 0)
		fprintf(err, "%s: %s\n", path, strerror(-r));
	policy_diag_fini(&diag);
	if (r < 0)
		return 1;
	if (verbose && (policy_dump(p, out) < 0 || fflush(out) != 0)) {
		fprintf(err, "%s: cannot write the normalized policy\n", path);
		r = -EIO;
	}
	policy_free(p);
	return r < 0 ? 1 : 0;
}
