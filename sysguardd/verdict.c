// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The verdict (see verdict.h): the pipeline's judge, the policy commit, and
 * the enforcers that carry out block rules.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <netinet/in.h>
#include "cgpath.h"
#include "config.h"
#include "container.h"
#include "enforce.h"
#include "event.h"
#include "fanblock.h"
#include "kernel.h"
#include "kfilter.h"
#include "log.h"
#include "lsm.h"
#include "lsmblock.h"
#include "pipeline.h"
#include "policy.h"
#include "proctable.h"
#include "verdict.h"

struct verdict {
	struct config *cfg;
	struct pipeline *pipe;
	struct proctable *pt;
	struct kernel *kernel;       /* NULL: no BPF (tests) */

	struct policy *policy;       /* in force; NULL: none, every event is logged */
	char policy_src[4096];       /* where it came from */
	int64_t policy_loaded_at;    /* unix seconds */
	char kfilter_desc[512];      /* the in-kernel filter derived from it */
	struct kfilter_spec *kspec;  /* that filter, for opens reported from lsm/file_open */

	bool lsm_probed;             /* the kernel runs BPF LSM programs */
	struct enforce *enforce;     /* cgroup sock_addr; NULL: off or unavailable */
	char enforce_why[256];
	struct fanblock *fanblock;   /* fanotify; NULL: off or unavailable */
	char fanblock_why[256];
	struct lsmblock *lsm;        /* BPF-LSM; NULL: off or unavailable */
	char lsm_why[256];

	char block_label[256];       /* the rule id of the block being judged */
	struct container *ctr;       /* the containers, for blocks scoped to them; NULL: none */
	bool scoped_blocks;          /* the policy has some: follow the containers' starts and stops */
};

struct verdict *verdict_new(const struct verdict_opts *o)
{
	struct verdict *v = calloc(1, sizeof(*v));

	if (!v)
		return NULL;
	v->cfg = o->cfg;
	v->pipe = o->pipe;
	v->pt = o->pt;
	snprintf(v->policy_src, sizeof(v->policy_src), "(none)");
	snprintf(v->enforce_why, sizeof(v->enforce_why), "not started");
	snprintf(v->fanblock_why, sizeof(v->fanblock_why), "not started");
	snprintf(v->lsm_why, sizeof(v->lsm_why), "not started");
	pipeline_set_judge(v->pipe, verdict_judge, v);
	return v;
}

void verdict_free(struct verdict *v, bool clean)
{
	struct sg_event ev;

	if (!v)
		return;
	/* denials still waiting for their call's report are reported on their own */
	while (fanblock_report(v->fanblock, true, &ev))
		pipeline_inject(v->pipe, &ev);
	pipeline_flush(v->pipe);
	fanblock_free(v->fanblock); /* file enforcement: the kernel allows what waits */
	lsmblock_close(v->lsm, clean);
	enforce_close(v->enforce, clean);
	policy_free(v->policy);
	if (v->kspec)
		kfilter_spec_fini(v->kspec);
	free(v->kspec);
	free(v);
}

/* ---- the enforcers ---- */

void verdict_plan(struct verdict *v)
{
	v->lsm_probed = v->cfg->enforce && lsm_probe(SG_LSM_LIST, v->lsm_why, sizeof(v->lsm_why));
	if (!v->cfg->enforce)
		snprintf(v->lsm_why, sizeof(v->lsm_why), "switched off in the configuration");
	policy_set_lsm(v->lsm_probed, v->lsm_why);
}

static void start_network(struct verdict *v)
{
	struct enforce_opts eo = {
		.state_dir = v->cfg->state_dir,
		.release_on_stop = v->cfg->release_on_stop,
		.pin_dir = v->cfg->pin_dir,
		.tel_hooks = (kernel_hooked(v->kernel, KTEL_CONNECT, NULL) ? SG_HOOK_CONNECT : 0) |
			     (kernel_hooked(v->kernel, KTEL_BIND, NULL) ? SG_HOOK_BIND : 0),
		.wakeup_bytes = v->cfg->wakeup_bytes,
	};

	if (enforce_open(&v->enforce, v->kernel, &eo, v->enforce_why, sizeof(v->enforce_why)) < 0) {
		/* monitoring goes on; status and block commands say why */
		sg_log(LOG_WARNING, "network enforcement unavailable: %s", v->enforce_why);
		v->enforce = NULL;
		return;
	}
	sg_log(LOG_INFO, "network enforcement on cgroup '%s', %zu rules",
	       enforce_cgroup_root(v->enforce), enforce_count(v->enforce));
}

static void start_lsm(struct verdict *v)
{
	struct lsmblock_opts lo = { .pin_dir = v->cfg->pin_dir,
				    .release_on_stop = v->cfg->release_on_stop,
				    .tel_open = kernel_hooked(v->kernel, KTEL_OPEN, NULL) };

	if (!v->lsm_probed) {
		sg_log(LOG_INFO, "BPF-LSM enforcement unavailable: %s", v->lsm_why);
		return;
	}
	if (lsmblock_open(&v->lsm, v->kernel, &lo, v->lsm_why, sizeof(v->lsm_why)) < 0) {
		sg_log(LOG_WARNING, "BPF-LSM enforcement unavailable: %s", v->lsm_why);
		v->lsm = NULL;
		policy_set_lsm(false, v->lsm_why);
		return;
	}
	sg_log(LOG_INFO, "BPF-LSM enforcement on exec, open, unlink, rename and connect");
}

int verdict_enforce_start(struct verdict *v, struct kernel *k)
{
	struct fanblock_opts fo = { .pt = v->pt, .root = v->cfg->host_root };

	v->kernel = k;
	if (!v->cfg->enforce) {
		snprintf(v->enforce_why, sizeof(v->enforce_why), "switched off in the configuration");
		snprintf(v->fanblock_why, sizeof(v->fanblock_why),
			 "switched off in the configuration");
		return 0;
	}
	if (!k) {
		snprintf(v->enforce_why, sizeof(v->enforce_why), "no BPF programs are loaded");
		return -ENODEV;
	}
	start_network(v);
	v->fanblock = fanblock_new(&fo, v->fanblock_why, sizeof(v->fanblock_why));
	if (!v->fanblock)
		sg_log(LOG_WARNING, "file enforcement unavailable: %s", v->fanblock_why);
	start_lsm(v);
	return 0;
}

void verdict_set_containers(struct verdict *v, struct container *c)
{
	v->ctr = c;
}

struct enforce *verdict_enforce(const struct verdict *v, const char **why)
{
	if (why)
		*why = v->enforce_why;
	return v->enforce;
}

struct enforce *const *verdict_enforce_ref(const struct verdict *v)
{
	return &v->enforce;
}

struct fanblock *verdict_fanblock(const struct verdict *v, const char **why)
{
	if (why)
		*why = v->fanblock_why;
	return v->fanblock;
}

struct lsmblock *verdict_lsm(const struct verdict *v, const char **why)
{
	if (why)
		*why = v->lsm ? "" : v->cfg->enforce ? v->lsm_why :
		       "enforcement is switched off in the configuration";
	return v->lsm;
}

/* ---- the policy commit ---- */

struct policy *verdict_policy(const struct verdict *v)
{
	return v->policy;
}

struct policy *const *verdict_policy_ref(const struct verdict *v)
{
	return &v->policy;
}

const char *verdict_policy_src(const struct verdict *v)
{
	return v->policy_src;
}

int64_t verdict_policy_loaded_at(const struct verdict *v)
{
	return v->policy_loaded_at;
}

const char *verdict_kfilter_desc(const struct verdict *v)
{
	return v->kfilter_desc;
}

const char *verdict_policy_path(const struct verdict *v)
{
	if (strcmp(v->cfg->policy, SG_POLICY_DEFAULT) == 0 && access(SG_POLICY_DEFAULT, F_OK) < 0 &&
	    access(SG_POLICY_SHIPPED, F_OK) == 0)
		return SG_POLICY_SHIPPED;
	return v->cfg->policy;
}

int verdict_parse(const char *path, struct policy **ret)
{
	struct policy_diag diag;
	int r;

	policy_diag_init(&diag);
	r = policy_load(path, ret, &diag);
	for (size_t i = 0; i < diag.n; i++) {
		const struct policy_diag_msg *m = &diag.msgs[i];

		sg_log(m->warning ? LOG_WARNING : LOG_ERR, "%s:%u:%u: %s%s", m->file ? m->file : path,
		       m->line, m->col, m->warning ? "warning: " : "", m->text);
	}
	if (r < 0 && diag.n == 0)
		sg_log(LOG_ERR, "cannot load the policy '%s': %s", path, strerror(-r));
	policy_diag_fini(&diag);
	return r;
}

int verdict_parse_configured(struct verdict *v, struct policy **ret, const char **src)
{
	const char *path = verdict_policy_path(v);
	int r;

	verdict_plan(v);
	*ret = NULL;
	*src = path;
	if (access(path, F_OK) < 0 && !strcmp(path, SG_POLICY_DEFAULT)) {
		sg_log(LOG_WARNING, "no policy at '%s' or '%s': every event is logged",
		       SG_POLICY_DEFAULT, SG_POLICY_SHIPPED);
		*src = "(none)";
		return 0;
	}
	r = verdict_parse(path, ret);
	if (r < 0)
		sg_log(LOG_ERR, "cannot start with the policy '%s'", path);
	return r;
}

struct block_compile {
	struct enforce_rule *rules;
	size_t n, cap;
	struct container *ctr;       /* for scoped blocks: the containers running now */
	const struct policy_net_block *b;
	bool scoped;                 /* some block is scoped to containers */
	int err;
};

static int add_block(struct block_compile *bc, const struct policy_net_block *b,
		     const char *cgroup)
{
	struct enforce_rule *r;

	if (bc->n == bc->cap) {
		size_t cap = bc->cap ? bc->cap * 2 : 16;
		struct enforce_rule *n = realloc(bc->rules, cap * sizeof(*n));

		if (!n)
			return -ENOMEM;
		bc->rules = n;
		bc->cap = cap;
	}
	r = &bc->rules[bc->n++];
	memset(r, 0, sizeof(*r));
	r->net = b->net;
	r->port_lo = b->port_lo;
	r->port_hi = b->port_hi;
	r->proto = b->proto;
	r->hooks = (b->connect ? SG_HOOK_CONNECT | SG_HOOK_SENDMSG : 0) | (b->bind ? SG_HOOK_BIND : 0);
	if (r->proto == IPPROTO_TCP)
		r->hooks &= ~SG_HOOK_SENDMSG;
	r->created = time(NULL);
	snprintf(r->source, sizeof(r->source), "%s", b->id);
	if (cgroup)
		snprintf(r->cgroup, sizeof(r->cgroup), "%s", cgroup);
	return 0;
}

/* One running container: the scoped block being compiled holds in its cgroup when it matches. */
static void scope_one(const struct ctr_info *ci, size_t ncgroups, void *arg)
{
	struct block_compile *bc = arg;
	struct sg_event ev;

	if (bc->err || !ci->cgroup[0])
		return;
	memset(&ev, 0, sizeof(ev));
	ev.type = SG_EV_CONNECT;
	ev.ctr.where = SG_WHERE_CONTAINER;
	ev.ctr.info = ci;
	ev.ctr.id = ci->id;
	ev.ctr.name = ci->name;
	ev.ctr.image = ci->image;
	ev.ctr.runtime = cgpath_runtime_name(ci->runtime);
	if (policy_net_block_in_scope(bc->b, &ev))
		bc->err = add_block(bc, bc->b, ci->cgroup);
}

static int collect_block(void *arg, const struct policy_net_block *b)
{
	struct block_compile *bc = arg;

	if (!b->scope)
		return add_block(bc, b, NULL);
	bc->scoped = true;
	bc->b = b;
	if (bc->ctr)
		container_foreach(bc->ctr, scope_one, bc);
	return bc->err;
}

static int mark_enforceable(void *arg, const struct policy_net_block *b)
{
	policy_rule_set_enforceable(arg, b->rule, true);
	return 0;
}

/* Network block rules of p into the cgroup programs' maps. */
static int apply_net_blocks(struct verdict *v, struct policy *p, const char *path)
{
	struct block_compile bc = { .ctr = v->ctr };
	char err[256];
	int r;

	if (p) {
		r = policy_net_blocks(p, collect_block, &bc);
		if (r < 0) {
			free(bc.rules);
			return r;
		}
	}
	if (v->enforce) {
		r = enforce_set_policy_rules(v->enforce, bc.rules, bc.n, err, sizeof(err));
		if (r < 0) {
			sg_log(LOG_ERR, "policy '%s' refused: %s", path, err);
			free(bc.rules);
			return r;
		}
		if (p)
			policy_net_blocks(p, mark_enforceable, p);
	} else if (bc.n) {
		sg_log(LOG_WARNING, "%zu block rules of '%s' are monitor-only: network enforcement "
		       "is unavailable (%s)", bc.n, path, v->enforce_why);
	}
	free(bc.rules);
	v->scoped_blocks = bc.scoped;
	return 0;
}

/* File enforcement: the policy's exec/open/write block rules to fanotify marks. */
static void apply_file_blocks(struct verdict *v, struct policy *p, const char *path)
{
	char why[320];

	if (v->fanblock) {
		struct fanblock_stats st;
		int n = fanblock_set_policy(v->fanblock, p);

		fanblock_stats(v->fanblock, &st);
		sg_log(LOG_INFO, "file enforcement (fanotify): %d rules, %zu filesystems marked", n,
		       st.marks);
		return;
	}
	snprintf(why, sizeof(why), "file enforcement is unavailable (%s)", v->fanblock_why);
	for (size_t i = 0; p && i < policy_rule_count(p); i++) {
		struct policy_rule_info ri;

		if (policy_rule_info(p, i, &ri) == 0 && ri.plan && !strcmp(ri.plan, "fanotify")) {
			policy_rule_set_enforcer(p, i, NULL, why);
			sg_log(LOG_WARNING, "block rule '%s' of '%s' is monitor-only: %s", ri.id,
			       path, why);
		}
	}
}

/* The in-kernel filter of p, and its spec kept for opens from the LSM hook. */
static void apply_kfilter(struct verdict *v, struct policy *p)
{
	struct kfilter_spec spec;
	int r;

	policy_kfilter(p, &spec);
	r = v->kernel ? kfilter_apply(v->kernel, &spec) : 0;
	if (r < 0)
		sg_log(LOG_WARNING, "cannot update the in-kernel filter: %s: every event goes "
		       "to userspace", strerror(-r));
	kfilter_describe(&spec, v->kfilter_desc, sizeof(v->kfilter_desc));
	if (!v->kspec)
		v->kspec = malloc(sizeof(*v->kspec));
	else
		kfilter_spec_fini(v->kspec);
	if (v->kspec)
		*v->kspec = spec; /* owned from now on */
	else
		kfilter_spec_fini(&spec);
}

int verdict_apply(struct verdict *v, struct policy *p, const char *src)
{
	char path[sizeof(v->policy_src)];
	struct sg_event ev;
	int r;

	snprintf(path, sizeof(path), "%s", src); /* src may be v->policy_src itself */
	if (p)
		policy_replan(p); /* the mechanisms may have changed since it was parsed */
	r = apply_net_blocks(v, p, path);
	if (r < 0)
		return r;
	if (v->lsm) {
		r = lsmblock_set_policy(v->lsm, p);
		if (r < 0) {
			sg_log(LOG_ERR, "policy '%s' refused: cannot write its BPF-LSM rules: %s",
			       path, strerror(-r));
			return r;
		}
		sg_log(LOG_INFO, "BPF-LSM enforcement: %d rules", r);
	}
	apply_file_blocks(v, p, path);
	apply_kfilter(v, p);

	pipeline_set_dedup_window(v->pipe, p ? policy_dedup_window_ns(p) : 0);
	if (p && v->policy)
		policy_carry_counters(p, v->policy);
	policy_free(v->policy);
	v->policy = p;
	snprintf(v->policy_src, sizeof(v->policy_src), "%s", path);
	v->policy_loaded_at = time(NULL);
	sg_log(LOG_INFO, "policy '%s' in force: %zu rules; kernel filter: %s", path,
	       p ? policy_rule_count(p) : 0, v->kfilter_desc);

	memset(&ev, 0, sizeof(ev));
	ev.type = SG_EV_POLICY;
	ev.policy.source = v->policy_src;
	ev.policy.rules = p ? policy_rule_count(p) : 0;
	ev.policy.ok = true;
	pipeline_inject(v->pipe, &ev);
	return 0;
}

void verdict_report_refused(struct verdict *v, const char *path)
{
	struct sg_event ev;

	sg_log(LOG_ERR, "policy reload from '%s' refused; the policy in force is unchanged", path);
	memset(&ev, 0, sizeof(ev));
	ev.type = SG_EV_POLICY;
	ev.policy.source = path;
	ev.policy.ok = false;
	ev.policy.error = "the new policy has errors; the old one stays in force";
	pipeline_inject(v->pipe, &ev);
	pipeline_flush(v->pipe);
}

int verdict_reload(struct verdict *v)
{
	const char *path = verdict_policy_path(v);
	struct policy *p = NULL;
	int r;

	r = verdict_parse(path, &p);
	if (r == 0)
		r = verdict_apply(v, p, path);
	if (r == 0)
		return 0;
	policy_free(p);
	verdict_report_refused(v, path);
	return r;
}

/* ---- runtime block rules ---- */

void verdict_block_change(struct verdict *v, const char *op, const struct enforce_rule *r,
			  uint32_t uid)
{
	struct sg_event ev;
	char text[512];

	enforce_rule_format(r, text, sizeof(text));
	memset(&ev, 0, sizeof(ev));
	ev.type = SG_EV_BLOCKCHG;
	ev.blockchg.op = op;
	ev.blockchg.rule = text;
	ev.blockchg.source = r->source;
	ev.blockchg.by_uid = uid;
	pipeline_inject(v->pipe, &ev);
}

static void on_container_gone(void *arg, const struct enforce_rule *r)
{
	char text[512];

	enforce_rule_format(r, text, sizeof(text));
	sg_log(LOG_INFO, "block '%s' removed: container '%s' is gone", text, r->container);
	verdict_block_change(arg, "remove", r, 0);
}

static void on_expired(void *arg, const struct enforce_rule *r)
{
	verdict_block_change(arg, "expire", r, 0);
}

void verdict_tick(struct verdict *v)
{
	/* runtime blocks of a container that stopped go with it (within a second) */
	if (v->enforce && enforce_prune_containers(v->enforce, on_container_gone, v) > 0)
		pipeline_flush(v->pipe);
	if (v->enforce && enforce_expire(v->enforce, on_expired, v) > 0)
		pipeline_flush(v->pipe);
}

/* ---- file enforcement's requests ---- */

int verdict_fanotify_fd(const struct verdict *v)
{
	return v->fanblock ? fanblock_wake_fd(v->fanblock) : -1;
}

bool verdict_fanotify(struct verdict *v)
{
	struct sg_event ev;
	bool full;

	if (!v->fanblock)
		return false;
	do {
		/* full: every denial slot waits for its call's report; report them now */
		full = fanblock_answer(v->fanblock);
		while (fanblock_report(v->fanblock, full, &ev))
			pipeline_inject(v->pipe, &ev);
	} while (full);
	pipeline_flush(v->pipe);
	return fanblock_waiting(v->fanblock);
}

/* ---- the judge ---- */

/* Stopped by a BPF-LSM program: the rule is the one that owns the slot. */
static void judge_lsm_block(struct verdict *v, struct sg_event *ev)
{
	const char *id;
	enum sg_severity sev;

	ev->verdict.action = SG_ACT_BLOCK;
	ev->verdict.enforced = true;
	ev->verdict.mechanism = "lsm";
	ev->verdict.severity = SG_SEV_HIGH;
	if (lsmblock_rule(v->lsm, ev->lsm_slot, &id, &sev)) {
		snprintf(v->block_label, sizeof(v->block_label), "%s", id);
		ev->verdict.severity = sev;
	} else {
		snprintf(v->block_label, sizeof(v->block_label), "lsm-slot-%u", ev->lsm_slot);
	}
	ev->verdict.rule_id = v->block_label;
}

/* Stopped by a cgroup program: the rule is the one in that slot of the maps. */
static void judge_cgroup_block(struct verdict *v, struct sg_event *ev)
{
	const struct enforce_rule *r =
		v->enforce ? enforce_by_slot(v->enforce, ev->net.block_slot) : NULL;

	ev->verdict.action = SG_ACT_BLOCK;
	ev->verdict.enforced = true;
	ev->verdict.mechanism = "cgroup";
	ev->verdict.severity = SG_SEV_HIGH;
	if (!r) {
		snprintf(v->block_label, sizeof(v->block_label), "block-slot-%u",
			 ev->net.block_slot);
	} else if (!strcmp(r->source, "runtime")) {
		int n = snprintf(v->block_label, sizeof(v->block_label), "runtime:");

		enforce_rule_format(r, v->block_label + n, sizeof(v->block_label) - n);
	} else {
		snprintf(v->block_label, sizeof(v->block_label), "%s", r->source);
	}
	ev->verdict.rule_id = v->block_label;
}

/* Enforcement's own reports first, then the policy. */
void verdict_judge(void *arg, struct sg_event *ev)
{
	struct verdict *v = arg;

	if (ev->type < SG_EV_KERNEL_MAX && (ev->kflags & SG_F_BLOCKED)) {
		if ((ev->type != SG_EV_CONNECT && ev->type != SG_EV_BIND) ||
		    (ev->net.block_hook & SG_HOOK_LSM))
			judge_lsm_block(v, ev);
		else
			judge_cgroup_block(v, ev);
		return;
	}
	if (ev->type == SG_EV_CONTAINER && v->scoped_blocks && v->enforce) {
		/* blocks scoped to containers follow them: bound to a new one, gone with one */
		if (apply_net_blocks(v, v->policy, v->policy_src) < 0)
			sg_log(LOG_WARNING, "scoped block rules not updated for container '%s'",
			       ev->ctr.name ? ev->ctr.name : "?");
	}
	if (ev->verdict.mechanism)
		return; /* judged by the enforcer that stopped it (fanotify) */
	if (ev->type == SG_EV_OPEN && (ev->kflags & SG_F_HOOK) && v->kspec && ev->file.path &&
	    !kfilter_open_passes(v->kspec, ev->file.path, ev->file.write, ev->proc.uid,
				 ev->proc.comm)) {
		/* the filter's path tries, which the hook does not apply: no rule is about it */
		ev->verdict.action = SG_ACT_ALLOW;
		return;
	}
	if (fanblock_claim(v->fanblock, ev))
		return; /* the failed call of a file block: its verdict is the block */
	if (!v->policy)
		return;
	policy_eval(v->policy, ev, v->pt);
	if (ev->verdict.action == SG_ACT_BLOCK && ev->verdict.enforced && ev->verdict.mechanism &&
	    !strcmp(ev->verdict.mechanism, "cgroup") && !(ev->kflags & SG_F_BLOCKED)) {
		/*
		 * A call the cgroup programs stopped comes flagged, and was judged
		 * above: this one they let through (a block scoped to other
		 * containers, or one not in force yet).  Not enforced, and not said to be.
		 */
		ev->verdict.enforced = false;
		ev->verdict.mechanism = NULL;
	}
	if ((ev->kflags & SG_F_HOOK) && !ev->has_result && ev->verdict.action == SG_ACT_BLOCK &&
	    ev->verdict.enforced && ev->verdict.mechanism &&
	    !strcmp(ev->verdict.mechanism, "fanotify")) {
		/*
		 * An open from the LSM hook that fanotify is about to refuse, before
		 * its denial could claim this report (the requests were read first):
		 * the denial is reported on its own, once; this is not sent.
		 */
		ev->verdict.action = SG_ACT_ALLOW;
	}
}
