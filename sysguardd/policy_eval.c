// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The matcher: gives an event its verdict from a compiled policy.  Exclusions
 * first, then every enabled rule indexed for the event's type, in policy
 * order: each whose match holds and none of whose exceptions hold counts.
 * The strongest action decides (block > alert > log; then the higher
 * severity, then the earlier rule), and the others are named in the
 * verdict's matches.  An allow rule that holds ends the scan: the rules
 * after it are silent for this event, and it decides when nothing before it
 * matched.
 * A field's values are read through its row of policy_fields
 * (policy_fields.c), which looks up the parent, the ancestors and the joined
 * command line once per event and only when a rule asks.  Nothing is
 * allocated; the only writes to the policy are its counters.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <fnmatch.h>
#include "utf8.h"
#include "policy_int.h"

uint32_t policy_event_mask(const struct sg_event *ev)
{
	uint32_t m;

	if (!sg_type_judged(ev->type))
		return 0;
	m = 1u << ev->type;
	if (ev->type == SG_EV_OPEN && ev->file.write)
		m |= POLICY_EV_WRITE;
	return m;
}

static int bsearch_cmp(const void *key, const void *elem)
{
	return strcmp(key, *(const char *const *)elem);
}

/* Room for any string an event carries, folded (utf8.h). */
#define FOLD_BUF (2 * SG_DATA_MAX + 1)

/* The folded subjects of the evaluation in progress on this thread. */
static __thread char fold_buf[ECTX_FOLDS][FOLD_BUF];
static __thread uint8_t fold_next;

/*
 * s folded for nocase comparisons: once per subject and event, as many
 * rules compare the same command line or path (every Sigma rule does).
 */
static const char *folded(struct ectx *c, const char *s, size_t len, size_t *flen)
{
	size_t k;

	for (k = 0; k < c->nfold; k++)
		if (c->fold[k].src == s && c->fold[k].len == len) {
			*flen = c->fold[k].flen;
			return fold_buf[k];
		}
	if (c->nfold < ECTX_FOLDS) {
		k = c->nfold++;
	} else { /* full: the slots are reused in turn */
		k = fold_next;
		fold_next = (uint8_t)((fold_next + 1) % ECTX_FOLDS);
	}
	c->fold[k].src = s;
	c->fold[k].len = len;
	c->fold[k].flen = utf8_fold(s, len, fold_buf[k], FOLD_BUF, true);
	*flen = c->fold[k].flen;
	return fold_buf[k];
}

/*
 * One operator on one string: s as the event has it, fs folded (NULL when
 * the operator needs no folding).  A nocase operator compares fs; a regular
 * expression written with (?i) takes fs too.
 */
static bool str_op(const struct pop *op, const char *s, size_t len, const char *fs, size_t flen)
{
	if (op->nocase) {
		s = fs;
		len = flen;
	}
	switch (op->kind) {
	case OP_IN:
		return bsearch(s, op->strs, op->n, sizeof(*op->strs), bsearch_cmp) != NULL;
	case OP_PREFIX:
		for (size_t i = 0; i < op->n; i++)
			if (len >= op->lens[i] && memcmp(s, op->strs[i], op->lens[i]) == 0)
				return true;
		return false;
	case OP_SUFFIX:
		for (size_t i = 0; i < op->n; i++)
			if (len >= op->lens[i] &&
			    memcmp(s + len - op->lens[i], op->strs[i], op->lens[i]) == 0)
				return true;
		return false;
	case OP_CONTAINS:
		for (size_t i = 0; i < op->n; i++)
			if (memmem(s, len, op->strs[i], op->lens[i]))
				return true;
		return false;
	case OP_RE:
		/* s is NUL-terminated where len ends: every caller passes whole strings */
		for (size_t i = 0; i < op->n; i++)
			if (regexec(&op->res[i], op->re_fold && op->re_fold[i] ? fs : s, 0, NULL, 0) == 0)
				return true;
		return false;
	case OP_GLOB:
	case OP_ARG:
		for (size_t i = 0; i < op->n; i++) {
			const struct pglob *g = &op->globs[i];

			switch (g->kind) {
			case GLOB_EXACT:
				if (len == g->len && memcmp(s, g->s, len) == 0)
					return true;
				break;
			case GLOB_PREFIX:
				if (len >= g->len && memcmp(s, g->s, g->len) == 0)
					return true;
				break;
			case GLOB_SUFFIX:
				if (len >= g->len && memcmp(s + len - g->len, g->s, g->len) == 0)
					return true;
				break;
			case GLOB_CONTAINS:
				if (memmem(s, len, g->s, g->len))
					return true;
				break;
			case GLOB_FNMATCH:
				/* bytes and characters differ only for '?' and '[' */
				if ((g->chars ? utf8_fnmatch(g->pat, s, len) : fnmatch(g->pat, s, 0)) == 0)
					return true;
				break;
			}
		}
		return false;
	default:
		return false;
	}
}

/* Whether any value of the field satisfies op (a positive operator). */
static bool op_any(struct ectx *c, enum pfield f, const struct pop *op)
{
	const struct pfield_desc *fd = &policy_fields[f];
	const char *v[PFIELD_STRS_MAX], *s;
	const uint8_t *addr;
	size_t n, len = 0;
	uint32_t num;
	int family;

	if (!(policy_field_events[f] & c->evmask))
		return false;
	switch (fd->kind) {
	case PK_STR:
		n = fd->get.strs(c, v);
		for (size_t i = 0; i < n; i++) {
			size_t l = strlen(v[i]), fl = 0;
			const char *fs = op->nocase || op->re_fold ? folded(c, v[i], l, &fl) : NULL;

			if (str_op(op, v[i], l, fs, fl))
				return true;
		}
		return false;
	case PK_ARGV:
		if (op->kind != OP_ARG) {
			const char *fs = NULL;
			size_t fl = 0;

			s = fd->get.argv(c, true, &len);
			if (s && (op->nocase || op->re_fold))
				fs = folded(c, s, len, &fl);
			return s && str_op(op, s, len, fs, fl);
		}
		/* 'arg': any one argument (of the folded arguments for nocase: NULs stay) */
		s = fd->get.argv(c, false, &len);
		if (s && op->nocase)
			s = folded(c, s, len, &len);
		for (size_t off = 0; s && off < len;) {
			const char *a = s + off;
			size_t alen = strnlen(a, len - off);

			if (off + alen < len && str_op(op, a, alen, a, alen))
				return true;
			off += alen + 1;
		}
		return false;
	case PK_NUM:
		if (!fd->get.num(c, &num))
			return false;
		for (size_t i = 0; i < op->n && op->ranges[i].lo <= num; i++)
			if (num <= op->ranges[i].hi)
				return true;
		return false;
	case PK_ADDR:
		addr = fd->get.addr(c, &family);
		for (size_t i = 0; addr && i < op->n; i++)
			if (addr_cidr_match(&op->cidrs[i], family, addr))
				return true;
		return false;
	case PK_ENUM:
	case PK_BOOL:
		return (fd->get.bits(c) & op->mask) != 0;
	}
	return false;
}

static bool fieldcond_match(struct ectx *c, const struct pfieldcond *fc)
{
	if (fc->key)
		c->key = fc->key; /* nested conditions (not, all) share their field's key */
	for (size_t i = 0; i < fc->nops; i++) {
		const struct pop *op = &fc->ops[i];

		if (op->kind == OP_NOT) {
			if (fieldcond_match(c, op->not))
				return false;
		} else if (op->kind == OP_ALL) {
			for (size_t j = 0; j < op->n; j++)
				if (!fieldcond_match(c, &op->all[j]))
					return false;
		} else if (!op_any(c, fc->field, op)) {
			return false;
		}
	}
	return true;
}

static bool condset_match(struct ectx *c, const struct pcondset *cs)
{
	for (size_t i = 0; i < cs->n; i++)
		if (!fieldcond_match(c, &cs->conds[i]))
			return false;
	return true;
}

bool policy_net_block_in_scope(const struct policy_net_block *b, struct sg_event *ev)
{
	const struct pcondset *cs = b->scope;
	struct ectx c;

	if (!cs)
		return true;
	memset(&c, 0, sizeof(c));
	c.ev = ev;
	c.evmask = 1u << SG_EV_CONNECT;
	c.nanc = -1;
	/* the set's other conditions are the container's (policy_rule_netblockable) */
	for (size_t i = 0; i < cs->n; i++)
		if (!policy_field_is_net(cs->conds[i].field) && !fieldcond_match(&c, &cs->conds[i]))
			return false;
	return true;
}

/* Whether rule a beats rule b (indices; a earlier on equal terms). */
static bool stronger(const struct policy *p, uint32_t a, uint32_t b)
{
	const struct prule *x = &p->rules[a], *y = &p->rules[b];

	if (x->action != y->action)
		return x->action > y->action;
	if (x->severity != y->severity)
		return x->severity > y->severity;
	return a < b;
}

/*
 * Into the strongest-first list m (n of at most SG_MATCHES_MAX + 1): rule i.
 * The weakest falls off a full list and is counted in *more.
 */
static void add_match(const struct policy *p, uint32_t *m, size_t *n, uint32_t i, uint16_t *more)
{
	size_t k = *n;

	if (k == SG_MATCHES_MAX + 1) {
		if (*more < UINT16_MAX)
			(*more)++;
		if (!stronger(p, i, m[k - 1]))
			return;
		k--;
	} else {
		(*n)++;
	}
	for (; k > 0 && stronger(p, i, m[k - 1]); k--)
		m[k] = m[k - 1];
	m[k] = i;
}

/* Correlations whose steps an event matched, fed after the scan. */
#define FED_MAX 16

struct fed {
	struct pcorr *k;
	uint32_t steps;
};

static void note_step(struct fed *fed, size_t *n, struct pcorr *k, int step)
{
	size_t i;

	for (i = 0; i < *n && fed[i].k != k; i++)
		;
	if (i == *n) {
		if (i == FED_MAX)
			return; /* not reached: it takes FED_MAX correlations matching one event */
		fed[(*n)++] = (struct fed){ .k = k };
	}
	fed[i].steps |= 1u << step;
}

static int eval(const struct policy *p, struct sg_event *ev, const struct policy_lineage *lineage,
		bool feed)
{
	struct sg_verdict *vd = &ev->verdict;
	uint32_t m[SG_MATCHES_MAX + 1], allow = UINT32_MAX, corr_rule = UINT32_MAX;
	size_t nm = 0, nfed = 0;
	struct fed fed[FED_MAX];
	struct ectx c;

	vd->action = SG_ACT_LOG;
	vd->severity = SG_SEV_INFO;
	vd->rule_id = NULL;
	vd->enforced = false;
	vd->mechanism = NULL;
	vd->repeat = 1;
	vd->nmatches = 0;
	vd->matches_more = 0;
	vd->corr.rule_id = NULL;
	if (!sg_type_judged(ev->type))
		return vd->action;
	c.p = p;
	c.ev = ev;
	c.l = lineage;
	c.evmask = policy_event_mask(ev);
	c.self_done = false;
	c.nanc = -1;
	c.argv_done = false;
	c.argv = NULL;
	c.argv_len = 0;
	c.line_done = false;
	c.pline_done = false;
	c.nfold = 0;
	p->ctr->evaluated++;
	for (size_t i = 0; i < p->nexclude; i++)
		if (condset_match(&c, &p->exclude[i])) {
			p->ctr->excluded++;
			vd->action = SG_ACT_ALLOW;
			vd->severity = SG_SEV_NONE;
			return vd->action;
		}
	/* the rules no program name narrows, and those of this program's name, merged */
	const struct pindex *ix = &p->index[ev->type];
	const struct pislot *named = NULL;
	size_t ka = 0, kn = 0;

	if (ix->nslots) {
		const char *pname;

		if (policy_fields[FLD_PROC_NAME].get.strs(&c, &pname))
			named = policy_index_find(ix, pname, strlen(pname));
	}
	for (;;) {
		uint32_t i;
		bool except = false, match;
		const struct prule *r;

		if (ka < ix->nalways && (!named || kn >= named->n || ix->always[ka] < named->rules[kn]))
			i = ix->always[ka++];
		else if (named && kn < named->n)
			i = named->rules[kn++];
		else
			break;
		r = &p->rules[i];
		match = r->nmatch == 0;
		if (!(r->events & c.evmask))
			continue;
		for (size_t j = 0; j < r->nmatch && !match; j++)
			match = condset_match(&c, &r->match[j]);
		if (!match)
			continue;
		for (size_t j = 0; j < r->nexcept && !except; j++)
			except = condset_match(&c, &r->except[j]);
		if (except)
			continue;
		p->ctr->hits[i]++;
		if (r->corr) { /* a step: it feeds its correlation instead */
			if (feed)
				note_step(fed, &nfed, r->corr, r->step);
			continue;
		}
		if (r->action == SG_ACT_ALLOW) {
			allow = i; /* silences the rules after it */
			break;
		}
		add_match(p, m, &nm, i, &vd->matches_more);
	}
	for (size_t k = 0; k < nfed; k++) {
		struct sg_corr held;
		uint32_t i = fed[k].k->rule;

		if (!policy_corr_feed(&c, fed[k].k, fed[k].steps, &held))
			continue;
		p->ctr->hits[i]++;
		add_match(p, m, &nm, i, &vd->matches_more);
		if (corr_rule == UINT32_MAX || stronger(p, i, corr_rule)) {
			corr_rule = i;
			vd->corr = held;
		}
	}
	if (nm == 0 && allow == UINT32_MAX) {
		p->ctr->defaulted++;
		vd->action = p->def_action;
		vd->severity = p->def_severity;
		return vd->action;
	}
	{
		const struct prule *r = &p->rules[nm ? m[0] : allow];

		vd->action = r->action;
		vd->severity = r->severity;
		vd->rule_id = r->id;
		vd->enforced = r->action == SG_ACT_BLOCK && r->enforceable;
		vd->mechanism = vd->enforced ? r->mechanism : NULL;
	}
	for (size_t k = 1; k < nm; k++) {
		const struct prule *o = &p->rules[m[k]];

		vd->matches[vd->nmatches++] = (struct sg_match){
			.rule_id = o->id, .action = o->action, .severity = o->severity };
	}
	return vd->action;
}

int policy_eval_lineage(const struct policy *p, struct sg_event *ev,
			const struct policy_lineage *lineage)
{
	return eval(p, ev, lineage, true);
}

int policy_eval_probe_lineage(const struct policy *p, struct sg_event *ev,
			      const struct policy_lineage *lineage)
{
	return eval(p, ev, lineage, false);
}

uint64_t policy_dedup_window_ns(const struct policy *p)
{
	return p->dedup_window_ns;
}

const char *policy_source(const struct policy *p)
{
	return p->source;
}

size_t policy_rule_count(const struct policy *p)
{
	return p->nrules;
}

int policy_rule_info(const struct policy *p, size_t i, struct policy_rule_info *ret)
{
	const struct prule *r;

	if (i >= p->nrules)
		return -ENOENT;
	r = &p->rules[i];
	*ret = (struct policy_rule_info){
		.id = r->id, .file = r->mark.file, .line = r->mark.line, .action = r->action,
		.severity = r->severity, .enabled = r->enabled, .enforceable = r->enforceable,
		.plan = r->plan, .mechanism = r->mechanism, .reason = r->reason,
		.events = r->events, .hits = p->ctr->hits[i],
	};
	return 0;
}

int policy_rule_set_enforceable(struct policy *p, size_t i, bool on)
{
	if (i >= p->nrules)
		return -ENOENT;
	p->rules[i].enforceable = on;
	p->rules[i].mechanism = on ? p->rules[i].plan : NULL;
	return 0;
}

int policy_rule_set_enforcer(struct policy *p, size_t i, const char *mech, const char *reason)
{
	struct prule *r;

	if (i >= p->nrules)
		return -ENOENT;
	r = &p->rules[i];
	r->enforceable = mech != NULL;
	r->mechanism = mech;
	r->reason = NULL;
	if (!mech && reason) {
		r->reason = policy_arena_strndup(&p->arena, reason, strlen(reason));
		if (!r->reason)
			return -ENOMEM;
	}
	return 0;
}

bool policy_rule_blocks_path(const struct policy *p, size_t i, int type, const char *path)
{
	const struct prule *r = &p->rules[i];
	struct sg_event ev;
	struct ectx c;

	memset(&ev, 0, sizeof(ev));
	memset(&c, 0, sizeof(c));
	ev.type = type;
	if (type == SG_EV_EXEC) {
		/* the process after the exec: its exe, name and comm are the program's */
		ev.exec.filename = path;
		ev.proc.exe = path;
		snprintf(ev.proc.comm, sizeof(ev.proc.comm), "%s",
			 strrchr(path, '/') ? strrchr(path, '/') + 1 : path);
	} else {
		ev.file.path = path;
		ev.file.path_resolved = true;
	}
	c.p = p;
	c.ev = &ev;
	c.evmask = policy_event_mask(&ev);
	c.nanc = -1;
	if (!(r->events & c.evmask))
		return false;
	if (r->nmatch == 0)
		return true;
	for (size_t j = 0; j < r->nmatch; j++) {
		const struct pcondset *cs = &r->match[j];
		bool all = true;

		/* a set with other conditions narrows the block to some processes or calls */
		for (size_t k = 0; k < cs->n && all; k++) {
			enum pfield f = cs->conds[k].field;

			if (f == FLD_FILE_PATH || f == FLD_FILE_NAME || f == FLD_EXEC_FILENAME ||
			    (type == SG_EV_EXEC && (f == FLD_PROC_EXE || f == FLD_PROC_NAME ||
						    f == FLD_PROC_COMM)))
				all = fieldcond_match(&c, &cs->conds[k]);
			else if (f != FLD_EVENT)
				all = false;
		}
		if (all)
			return true;
	}
	return false;
}

void policy_stats(const struct policy *p, struct policy_stats *ret)
{
	*ret = (struct policy_stats){ .evaluated = p->ctr->evaluated,
				      .excluded = p->ctr->excluded,
				      .defaulted = p->ctr->defaulted };
	for (size_t i = 0; i < p->ncorr; i++) {
		struct corr_stats cs;

		corr_table_stats(p->corrs[i]->t, &cs);
		ret->corr_rules++;
		ret->corr_groups += cs.groups;
		ret->corr_fired += cs.fired;
		ret->corr_evictions += cs.evictions;
	}
}

void policy_carry_counters(struct policy *newp, const struct policy *old)
{
	if (!newp || !old)
		return;
	for (size_t i = 0; i < newp->nrules; i++)
		for (size_t j = 0; j < old->nrules; j++)
			if (strcmp(newp->rules[i].id, old->rules[j].id) == 0) {
				newp->ctr->hits[i] = old->ctr->hits[j];
				break;
			}
}
