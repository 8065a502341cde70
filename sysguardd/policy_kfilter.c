// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Deriving the in-kernel filter from a compiled policy.  The filter may only
 * drop what no rule can act on, so every step errs towards passing:
 *   - a policy whose default action is not 'allow' wants everything;
 *   - a kind of event that the event table marks as filterable (read-only
 *     opens, opens with write intent, renames, unlinks, chmods, connects,
 *     binds, listens) that no non-allow rule names is dropped;
 *   - opens are filtered by path when every condition set of every rule that
 *     wants them restricts file.path or file.name to literal prefixes,
 *     suffixes or names; one set without such a condition passes them all;
 *   - 'exclude' sets made only of proc.uid or only of proc.comm values become
 *     kernel exclusions for file and network events.
 * The kernel side adds its own caution: relative, unreadable and
 * not-normalised paths always go to userspace.
 */
#include <errno.h>
#include <string.h>
#include "kfilter.h"
#include "policy_int.h"

/* Policy event bits that make a rule want each filter kind. */
static uint32_t kind_events(int kind)
{
	if (kind == SG_FK_OPEN_WRITE)
		return (1u << SG_EV_OPEN) | POLICY_EV_WRITE;
	return 1u << kind;                 /* for opens: read-only ones */
}

static bool is_glob_char(char c)
{
	return c == '*' || c == '?' || c == '[' || c == '\\';
}

/*
 * What a glob on file.path promises about the path: a literal prefix or
 * suffix.  Returns 1 prefix, 2 suffix, 0 nothing usable; *s, *len the literal.
 */
static int glob_literal(const struct pglob *g, const char **s, size_t *len)
{
	const char *p = g->pat;
	size_t n = strlen(p), lead = 0, tail = 0;

	switch (g->kind) {
	case GLOB_EXACT:
	case GLOB_PREFIX:
		*s = g->s;
		*len = g->len;
		return 1;
	case GLOB_SUFFIX:
		*s = g->s;
		*len = g->len;
		return 2;
	case GLOB_CONTAINS:
		return 0;
	case GLOB_FNMATCH:
		while (lead < n && !is_glob_char(p[lead]))
			lead++;
		if (lead > 1) { /* more than "/" */
			*s = p;
			*len = lead;
			return 1;
		}
		while (tail < n && !is_glob_char(p[n - 1 - tail]))
			tail++;
		if (tail > 0 && (n < 2 || p[n - 1 - tail] != '\\')) {
			*s = p + n - tail;
			*len = tail;
			return 2;
		}
		return 0;
	}
	return 0;
}

/*
 * Add what one field condition promises to spec; false when it promises
 * nothing usable (then the caller must pass everything of this kind).
 */
static bool add_path_cond(const struct pfieldcond *fc, struct kfilter_spec *spec, uint32_t kinds)
{
	bool name = fc->field == FLD_FILE_NAME;

	for (size_t o = 0; o < fc->nops; o++) {
		const struct pop *op = &fc->ops[o];
		bool ok = true;

		/* the kernel compares bytes: a nocase operator promises nothing there */
		if (op->nocase && op->kind != OP_ALL)
			continue;
		/* each op alone restricts the field (all ops must hold): find one that does */
		switch (op->kind) {
		case OP_IN:
		case OP_PREFIX:
		case OP_SUFFIX:
			for (size_t i = 0; i < op->n && ok; i++) {
				const char *s = op->strs[i];
				size_t len = op->lens[i];

				if (name) {
					char buf[SG_PATH_KEY + 2];

					if (op->kind != OP_IN && op->kind != OP_SUFFIX) {
						ok = false;
						break;
					}
					/* a name: the path ends in "/name" (or in "name" for a suffix) */
					if (op->kind == OP_IN && len < SG_PATH_KEY) {
						buf[0] = '/';
						memcpy(buf + 1, s, len);
						kfilter_add_suffix(spec, buf, len + 1, kinds);
					} else {
						kfilter_add_suffix(spec, s, len, kinds);
					}
				} else if (op->kind == OP_SUFFIX) {
					kfilter_add_suffix(spec, s, len, kinds);
				} else {
					kfilter_add_prefix(spec, s, len, kinds);
				}
			}
			break;
		case OP_GLOB:
			for (size_t i = 0; i < op->n && ok; i++) {
				const char *s;
				size_t len;
				int k = glob_literal(&op->globs[i], &s, &len);

				if (k == 0 || (name && k == 1 && op->globs[i].kind != GLOB_EXACT)) {
					ok = false;
				} else if (name && op->globs[i].kind == GLOB_EXACT && len < SG_PATH_KEY) {
					char buf[SG_PATH_KEY + 2];

					buf[0] = '/';
					memcpy(buf + 1, s, len);
					kfilter_add_suffix(spec, buf, len + 1, kinds);
				} else if (k == 1) {
					kfilter_add_prefix(spec, s, len, kinds);
				} else {
					kfilter_add_suffix(spec, s, len, kinds);
				}
			}
			break;
		case OP_ALL:
			/* every condition of 'all' holds: one that restricts the path is enough */
			for (size_t i = 0; i < op->n; i++)
				if (add_path_cond(&op->all[i], spec, kinds))
					return true;
			ok = false;
			break;
		default:
			ok = false; /* contains, not, ...: promises nothing */
		}
		if (ok && op->n > 0)
			return true;
	}
	return false;
}

/*
 * Whether every way this condition set can match an event of ev (policy
 * event bits) goes through a usable path condition.
 */
static bool condset_path_filtered(const struct pcondset *cs, struct kfilter_spec *spec,
				  uint32_t kinds, uint32_t ev)
{
	/* a field these events do not have: the set never matches them */
	for (size_t i = 0; i < cs->n; i++)
		if (!(policy_field_events[cs->conds[i].field] & ev))
			return true;
	/* one usable condition is enough: all conditions of a set must hold */
	for (size_t i = 0; i < cs->n; i++) {
		const struct pfieldcond *fc = &cs->conds[i];

		if (fc->field != FLD_FILE_PATH && fc->field != FLD_FILE_NAME)
			continue;
		if (add_path_cond(fc, spec, kinds))
			return true;
	}
	return false;
}

static void derive_exclusions(const struct policy *p, struct kfilter_spec *spec)
{
	for (size_t i = 0; i < p->nexclude; i++) {
		const struct pcondset *cs = &p->exclude[i];
		const struct pfieldcond *fc;
		const struct pop *op;

		if (cs->n != 1)
			continue;
		fc = &cs->conds[0];
		if (fc->nops != 1 || fc->ops[0].kind != OP_IN || fc->ops[0].nocase)
			continue;
		op = &fc->ops[0];
		if (fc->field == FLD_PROC_UID) {
			uint64_t total = 0;

			for (size_t r = 0; r < op->n; r++)
				total += (uint64_t)op->ranges[r].hi - op->ranges[r].lo + 1;
			if (total > 256)
				continue;
			for (size_t r = 0; r < op->n; r++)
				for (uint64_t u = op->ranges[r].lo; u <= op->ranges[r].hi; u++)
					kfilter_add_uid(spec, u);
		} else if (fc->field == FLD_PROC_COMM) {
			bool fits = true;

			for (size_t s = 0; s < op->n; s++)
				fits = fits && op->lens[s] < SG_COMM_LEN;
			if (!fits)
				continue;
			for (size_t s = 0; s < op->n; s++)
				kfilter_add_comm(spec, op->strs[s]);
		}
	}
}

/*
 * One kind: dropped when no non-allow rule wants it; with paths (opens, read
 * and write apart), filtered by path when every set that wants it restricts
 * the path; else passed.
 */
static void derive_kind(const struct policy *p, struct kfilter_spec *spec, int kind, bool paths)
{
	uint32_t ev = kind_events(kind);
	uint32_t pk = kind == SG_FK_OPEN_WRITE ? SG_PK_WRITE : SG_PK_READ;
	bool wanted = false, all = false;

	for (size_t r = 0; r < p->nrules && !all; r++) {
		const struct prule *rule = &p->rules[r];

		if (!rule->enabled || rule->action == SG_ACT_ALLOW || !(rule->events & ev))
			continue;
		wanted = true;
		if (!paths)
			continue;
		if (rule->nmatch == 0) {
			all = true;
			spec->why[kind] = rule->id;
			break;
		}
		for (size_t m = 0; m < rule->nmatch; m++) {
			if (!condset_path_filtered(&rule->match[m], spec, pk, ev)) {
				all = true;
				spec->why[kind] = rule->id;
				break;
			}
		}
	}
	if (!wanted)
		spec->mode[kind] = SG_FM_DROP;
	else if (paths && !all)
		spec->mode[kind] = SG_FM_PATH;
	else
		spec->mode[kind] = SG_FM_PASS;
}

int policy_kfilter(const struct policy *p, struct kfilter_spec *spec)
{
	kfilter_spec_init(spec);
	if (!p || p->def_action != SG_ACT_ALLOW)
		return 0; /* unmatched events are emitted: everything is wanted */
	derive_exclusions(p, spec);
	/* the kinds each type's row of the event table says the kernel can filter */
	for (int t = 1; t < SG_EV_KERNEL_MAX; t++) {
		const struct sg_evtype *et = sg_evtype(t);

		if (et->kfilter == SG_KF_NONE)
			continue;
		derive_kind(p, spec, t, et->kfilter == SG_KF_PATH);
		if (et->kfilter == SG_KF_PATH)
			derive_kind(p, spec, SG_FK_OPEN_WRITE, true);
	}
	return 0;
}
