// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The control socket's commands and the policy commit: what the daemon
 * answers to status, mark, policy.* and block.*, and how a policy is put in
 * force (from start-up, SIGHUP, policy.load and policy.reload alike).  The
 * state lives in struct sgd (ctl_ops.h); nothing here owns a module but the
 * policy in force.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <json-c/json.h>
#include "config.h"
#include "control.h"
#include "ctl_ops.h"
#include "encode.h"
#include "enforce.h"
#include "fanblock.h"
#include "lsm.h"
#include "lsmblock.h"
#include "journal.h"
#include "kernel.h"
#include "kfilter.h"
#include "log.h"
#include "metrics.h"
#include "pipeline.h"
#include "policy.h"
#include "proctable.h"
#include "sg_limits.h"
#include "sink.h"

#define JADD(o, k, v) json_object_object_add((o), (k), (v))

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

void ctl_report_block_change(struct sgd *d, const char *op, const struct enforce_rule *r,
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
	pipeline_inject(d->pipe, &ev);
}

void ctl_on_expired(void *arg, const struct enforce_rule *r)
{
	ctl_report_block_change(arg, "expire", r, 0);
}

const char *ctl_policy_path(const struct sgd *d)
{
	if (strcmp(d->cfg->policy, SG_POLICY_DEFAULT) == 0 && access(SG_POLICY_DEFAULT, F_OK) < 0 &&
	    access(SG_POLICY_SHIPPED, F_OK) == 0)
		return SG_POLICY_SHIPPED;
	return d->cfg->policy;
}

int ctl_parse_policy(const char *path, struct policy **ret)
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

struct block_compile {
	struct enforce_rule *rules;
	size_t n, cap;
};

static int collect_block(void *arg, const struct policy_net_block *b)
{
	struct block_compile *bc = arg;
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
	return 0;
}

static int mark_enforceable(void *arg, const struct policy_net_block *b)
{
	policy_rule_set_enforceable(arg, b->rule, true);
	return 0;
}

/* File enforcement: the policy's exec/open/write block rules to fanotify marks. */
static void apply_file_blocks(struct sgd *d, struct policy *p, const char *path)
{
	char why[320];

	if (d->fanblock) {
		struct fanblock_stats st;
		int n = fanblock_set_policy(d->fanblock, p);

		fanblock_stats(d->fanblock, &st);
		sg_log(LOG_INFO, "file enforcement (fanotify): %d rules, %zu filesystems marked", n,
		       st.marks);
		return;
	}
	snprintf(why, sizeof(why), "file enforcement is unavailable (%s)", d->fanblock_why);
	for (size_t i = 0; p && i < policy_rule_count(p); i++) {
		struct policy_rule_info ri;

		if (policy_rule_info(p, i, &ri) == 0 && ri.plan && !strcmp(ri.plan, "fanotify")) {
			policy_rule_set_enforcer(p, i, NULL, why);
			sg_log(LOG_WARNING, "block rule '%s' of '%s' is monitor-only: %s", ri.id,
			       path, why);
		}
	}
}

int ctl_apply_policy(struct sgd *d, struct policy *p, const char *src)
{
	char path[sizeof(d->policy_src)];
	struct block_compile bc = { 0 };
	struct kfilter_spec spec;
	struct sg_event ev;
	char err[256];
	int r;

	snprintf(path, sizeof(path), "%s", src); /* src may be d->policy_src itself */
	if (p) {
		policy_replan(p); /* the mechanisms may have changed since it was parsed */
		r = policy_net_blocks(p, collect_block, &bc);
		if (r < 0) {
			free(bc.rules);
			return r;
		}
	}
	if (d->enforce) {
		r = enforce_set_policy_rules(d->enforce, bc.rules, bc.n, err, sizeof(err));
		if (r < 0) {
			sg_log(LOG_ERR, "policy '%s' refused: %s", path, err);
			free(bc.rules);
			return r;
		}
		if (p)
			policy_net_blocks(p, mark_enforceable, p);
	} else if (bc.n) {
		sg_log(LOG_WARNING, "%zu block rules of '%s' are monitor-only: network enforcement "
		       "is unavailable (%s)", bc.n, path, d->enforce_why);
	}
	free(bc.rules);
	if (d->lsm) {
		r = lsmblock_set_policy(d->lsm, p);
		if (r < 0) {
			sg_log(LOG_ERR, "policy '%s' refused: cannot write its BPF-LSM rules: %s",
			       path, strerror(-r));
			return r;
		}
		sg_log(LOG_INFO, "BPF-LSM enforcement: %d rules", r);
	}
	apply_file_blocks(d, p, path);

	policy_kfilter(p, &spec);
	r = d->kernel ? kfilter_apply(d->kernel, &spec) : 0;
	if (r < 0)
		sg_log(LOG_WARNING, "cannot update the in-kernel filter: %s: every event goes "
		       "to userspace", strerror(-r));
	kfilter_describe(&spec, d->kfilter_desc, sizeof(d->kfilter_desc));
	if (!d->kspec)
		d->kspec = malloc(sizeof(*d->kspec));
	else
		kfilter_spec_fini(d->kspec);
	if (d->kspec)
		*d->kspec = spec; /* owned from now on */
	else
		kfilter_spec_fini(&spec);

	pipeline_set_dedup_window(d->pipe, p ? policy_dedup_window_ns(p) : 0);
	if (p && d->policy)
		policy_carry_counters(p, d->policy);
	policy_free(d->policy);
	d->policy = p;
	snprintf(d->policy_src, sizeof(d->policy_src), "%s", path);
	d->policy_loaded_at = time(NULL);
	sg_log(LOG_INFO, "policy '%s' in force: %zu rules; kernel filter: %s", path,
	       p ? policy_rule_count(p) : 0, d->kfilter_desc);

	memset(&ev, 0, sizeof(ev));
	ev.type = SG_EV_POLICY;
	ev.policy.source = d->policy_src;
	ev.policy.rules = p ? policy_rule_count(p) : 0;
	ev.policy.ok = true;
	pipeline_inject(d->pipe, &ev);
	return 0;
}

void ctl_report_refused(struct sgd *d, const char *path)
{
	struct sg_event ev;

	sg_log(LOG_ERR, "policy reload from '%s' refused; the policy in force is unchanged", path);
	memset(&ev, 0, sizeof(ev));
	ev.type = SG_EV_POLICY;
	ev.policy.source = path;
	ev.policy.ok = false;
	ev.policy.error = "the new policy has errors; the old one stays in force";
	pipeline_inject(d->pipe, &ev);
	pipeline_flush(d->pipe);
}

void ctl_reload_policy(struct sgd *d)
{
	const char *path = ctl_policy_path(d);
	struct policy *p = NULL;
	int r;

	r = ctl_parse_policy(path, &p);
	if (r == 0)
		r = ctl_apply_policy(d, p, path);
	metrics_note_reload(r == 0);
	if (r == 0)
		return;
	policy_free(p);
	ctl_report_refused(d, path);
}

/* status: file enforcement and what carries out each block rule */
static void files_status(struct sgd *d, struct json_object *enf)
{
	struct json_object *fo = json_object_new_object(), *lo = json_object_new_object(), *br;
	struct fanblock_stats st;

	JADD(fo, "available", json_object_new_boolean(d->fanblock != NULL));
	if (d->fanblock) {
		fanblock_stats(d->fanblock, &st);
		JADD(fo, "mechanism", json_object_new_string("fanotify"));
		JADD(fo, "filesystems", json_object_new_uint64(st.marks));
		JADD(fo, "asked", json_object_new_uint64(st.asked));
		JADD(fo, "denied", json_object_new_uint64(st.denied));
		JADD(fo, "allowed", json_object_new_uint64(st.allowed));
		JADD(fo, "own", json_object_new_uint64(st.own));
		JADD(fo, "late", json_object_new_uint64(st.late));
		JADD(fo, "overflow", json_object_new_uint64(st.overflow));
		JADD(fo, "remembered", json_object_new_uint64(st.remembered));
	} else {
		JADD(fo, "reason", json_object_new_string(d->fanblock_why));
	}
	JADD(enf, "files", fo);
	JADD(lo, "available", json_object_new_boolean(d->lsm != NULL));
	if (d->lsm) {
		struct json_object *hooks = json_object_new_array();
		struct lsmblock_stats ls;
		const char *h;

		lsmblock_stats(d->lsm, &ls);
		for (size_t i = 0; (h = lsmblock_hook(d->lsm, i)); i++)
			json_object_array_add(hooks, json_object_new_string(h));
		JADD(lo, "mechanism", json_object_new_string("lsm"));
		JADD(lo, "hooks", hooks);
		JADD(lo, "rules", json_object_new_uint64(ls.rules));
		JADD(lo, "entries", json_object_new_uint64(ls.entries));
		JADD(lo, "denied", json_object_new_uint64(ls.hits));
		JADD(lo, "adopted", json_object_new_boolean(ls.adopted));
	} else {
		JADD(lo, "reason", json_object_new_string(d->lsm_why));
	}
	JADD(enf, "lsm", lo);
	if (d->policy && policy_block_rules_json(d->policy, false, &br) == 0)
		JADD(enf, "block_rules", br);
}

static int op_status(void *ctx, struct json_object *out, struct control_error *err)
{
	struct sgd *d = ctx;
	const struct pipeline_stats *st = pipeline_stats(d->pipe);
	struct json_object *progs = json_object_new_object(), *evs = json_object_new_object();
	struct json_object *drops = json_object_new_object();
	struct json_object *pol = json_object_new_object(), *enf = json_object_new_object();
	struct json_object *proc = json_object_new_object(), *out_o = json_object_new_object();
	struct json_object *sinks = json_object_new_array();
	struct sink_stats ss, out_st;
	bool have_out = pipeline_find_sink(d->pipe, "ndjson", &out_st) == 0;
	struct sg_counters k;
	bool have_k = d->kernel && kernel_counters(d->kernel, &k) == 0;
	size_t nprogs = d->kernel ? kernel_prog_count(d->kernel) : 0;
	uint64_t total_drops = 0;

	JADD(out, "version", json_object_new_string(SG_VERSION));
	JADD(out, "pid", json_object_new_int(getpid()));
	JADD(out, "uptime_sec", json_object_new_int64((int64_t)((now_ns() - d->start_ns) / 1000000000)));
	for (size_t i = 0; i < nprogs; i++) {
		const struct kernel_prog *p = kernel_prog(d->kernel, i);
		struct json_object *o = json_object_new_object();

		JADD(o, "hook", json_object_new_string(p->hook));
		JADD(o, "family", json_object_new_string(kernel_family_name(p->family)));
		JADD(o, "state", json_object_new_string(kernel_prog_state_name(p->state)));
		JADD(o, "attached", json_object_new_boolean(p->state == PROG_ATTACHED));
		if (p->state != PROG_ATTACHED)
			JADD(o, "error", json_object_new_string(p->reason));
		JADD(progs, p->name, o);
	}
	JADD(out, "programs", progs);
	if (d->kernel) {
		/* where each kind of event comes from, and what that costs every syscall */
		struct json_object *tel = json_object_new_object(), *kinds = json_object_new_object();
		size_t sc = 0, lsm_hooks = 0;

		for (size_t i = 0; i < nprogs; i++) {
			const struct kernel_prog *p = kernel_prog(d->kernel, i);

			if (p->state == PROG_ATTACHED && !strncmp(p->hook, "tp/syscalls/", 12))
				sc++;
		}
		for (size_t i = 0; d->lsm && lsmblock_hook(d->lsm, i); i++)
			lsm_hooks++;
		for (int t = 1; t < SG_EV_KERNEL_MAX; t++) {
			const char *b = "tracepoint";

			if (t == SG_EV_FORK || t == SG_EV_EXIT || t == SG_EV_IO_URING)
				b = "tp_btf";
			for (int h = 0; h < KTEL_MAX; h++)
				if (kernel_tel_desc(h)->type == t && kernel_hooked(d->kernel, h, NULL))
					b = kernel_tel_desc(h)->backend;
			JADD(kinds, sg_type_name(t), json_object_new_string(b));
		}
		JADD(tel, "backends", kinds);
		JADD(tel, "syscall_tracepoints", json_object_new_uint64(sc));
		JADD(tel, "lsm_hooks", json_object_new_uint64(lsm_hooks));
		/* a hook asked for and not used: why ("open_reason", ...) */
		for (int h = 0; h < KTEL_MAX; h++) {
			const char *why;
			char key[32];

			if (kernel_hooked(d->kernel, h, &why) || !why[0])
				continue;
			snprintf(key, sizeof(key), "%s_reason", sg_type_name(kernel_tel_desc(h)->type));
			JADD(tel, key, json_object_new_string(why));
		}
		JADD(out, "telemetry", tel);
	}
	for (int t = 1; t < SG_EV_MAX; t++) {
		struct json_object *o = json_object_new_object();

		JADD(o, "received", json_object_new_uint64(st->received[t]));
		JADD(o, "emitted", json_object_new_uint64(st->emitted[t]));
		JADD(o, "allowed", json_object_new_uint64(st->allowed[t]));
		if (t < SG_EV_KERNEL_MAX && have_k) {
			JADD(o, "seen_in_kernel", json_object_new_uint64(k.seen[t]));
			JADD(o, "filtered_in_kernel", json_object_new_uint64(k.filtered[t]));
			JADD(drops, sg_type_name(t), json_object_new_uint64(k.dropped[t]));
			total_drops += k.dropped[t];
		}
		JADD(evs, sg_type_name(t), o);
	}
	JADD(out, "events", evs);
	JADD(drops, "total", json_object_new_uint64(total_drops));
	JADD(drops, "output", json_object_new_uint64(have_out ? out_st.dropped : 0));
	JADD(drops, "malformed", json_object_new_uint64(st->malformed));
	JADD(out, "drops", drops);
	JADD(out, "alerts", json_object_new_uint64(st->alerts));
	JADD(out, "blocks", json_object_new_uint64(st->blocks));
	JADD(pol, "source", json_object_new_string(d->policy_src));
	JADD(pol, "rules", json_object_new_int64(d->policy ? (int64_t)policy_rule_count(d->policy) : 0));
	JADD(pol, "loaded_at", json_object_new_int64(d->policy_loaded_at));
	JADD(pol, "kernel_filter", json_object_new_string(d->kfilter_desc));
	JADD(out, "policy", pol);
	JADD(enf, "available", json_object_new_boolean(d->enforce != NULL));
	if (d->enforce) {
		JADD(enf, "cgroup", json_object_new_string(enforce_cgroup_root(d->enforce)));
		JADD(enf, "rules", json_object_new_int64((int64_t)enforce_count(d->enforce)));
		JADD(enf, "release_on_stop", json_object_new_boolean(d->cfg->release_on_stop));
	} else {
		JADD(enf, "reason", json_object_new_string(d->enforce_why));
	}
	files_status(d, enf);
	JADD(out, "enforcement", enf);
	if (pipeline_find_sink(d->pipe, "journal", &ss) == 0) { /* service: the journal sink */
		struct json_object *jo = json_object_new_object();

		JADD(jo, "sent", json_object_new_uint64(ss.written));
		JADD(jo, "failed", json_object_new_uint64(ss.dropped));
		JADD(jo, "truncated", json_object_new_uint64(sink_stats_get(&ss, "truncated")));
		JADD(jo, "diagnostics_lost", json_object_new_uint64(log_dropped()));
		JADD(out, "journal", jo);
	}
	JADD(proc, "tracked", json_object_new_int64(d->pt ? (int64_t)proctable_count(d->pt) : 0));
	JADD(proc, "evicted", json_object_new_uint64(d->pt ? proctable_evictions(d->pt) : 0));
	JADD(out, "processes", proc);
	JADD(out_o, "path", json_object_new_string(have_out ? out_st.path : ""));
	JADD(out_o, "written", json_object_new_uint64(have_out ? out_st.written : 0));
	JADD(out, "output", out_o);
	for (size_t i = 0; i < pipeline_sink_count(d->pipe); i++) {
		pipeline_sink_stats(d->pipe, i, &ss);
		json_object_array_add(sinks, sink_stats_json(&ss));
	}
	JADD(out, "sinks", sinks);
	return 0;
}

static int op_mark(void *ctx, const char *text, const struct control_peer *peer, uint64_t *ret_seq,
		   struct control_error *err)
{
	struct sgd *d = ctx;
	struct sg_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.type = SG_EV_MARK;
	ev.mark.text = text;
	pipeline_inject(d->pipe, &ev);
	pipeline_flush(d->pipe);
	*ret_seq = pipeline_last_seq(d->pipe);
	return 0;
}

static void diag_out(const struct policy_diag *dg, struct json_object *errors,
		     struct control_error *err)
{
	for (size_t i = 0; i < dg->n; i++) {
		const struct policy_diag_msg *m = &dg->msgs[i];
		struct json_object *o;

		if (m->warning)
			continue;
		if (!errors) {
			control_error_add_diag(err, m->file, m->line, m->col, m->text);
			continue;
		}
		o = json_object_new_object();
		JADD(o, "file", json_object_new_string(m->file ? m->file : ""));
		JADD(o, "line", json_object_new_int(m->line));
		JADD(o, "column", json_object_new_int(m->col));
		JADD(o, "message", json_object_new_string(m->text));
		json_object_array_add(errors, o);
	}
}

/*
 * Whether a load failure is the policy's fault (its diagnostics say why): errors
 * in it, or a file over SG_POLICY_FILE_MAX.  Anything else (a missing path, no
 * memory) is not about the policy's content.
 */
static bool policy_refused(int r)
{
	return r == -EINVAL || r == -EFBIG;
}

static int load_src(const struct control_policy_src *src, struct policy **p, struct policy_diag *dg)
{
	if (src->path)
		return policy_load(src->path, p, dg);
	return policy_load_string(src->name ? src->name : "inline", src->text, strlen(src->text), p,
				  dg);
}

static int op_policy_check(void *ctx, const struct control_policy_src *src,
			   const struct control_peer *peer, struct json_object *out,
			   struct control_error *err)
{
	struct json_object *errors = json_object_new_array(), *br;
	struct policy *p = NULL;
	struct policy_diag dg;
	int r;

	policy_diag_init(&dg);
	r = load_src(src, &p, &dg);
	diag_out(&dg, errors, err);
	policy_diag_fini(&dg);
	if (r < 0 && !policy_refused(r)) {
		json_object_put(errors);
		return control_error_set(err, r == -ENOENT ? PROTO_E_NOT_FOUND : PROTO_E_INTERNAL,
					 "'%s': %s", src->path ? src->path : "inline", strerror(-r));
	}
	JADD(out, "valid", json_object_new_boolean(r == 0));
	JADD(out, "rules", json_object_new_int64(p ? (int64_t)policy_rule_count(p) : 0));
	if (p && policy_block_rules_json(p, true, &br) == 0)
		JADD(out, "block_rules", br); /* per rule: the enforcer it asks for */
	JADD(out, "errors", errors);
	policy_free(p);
	return 0;
}

/* Load and put in force; a policy with errors changes nothing. */
static int load_and_apply_one(struct sgd *d, const struct control_policy_src *src,
			      struct json_object *out, struct control_error *err)
{
	const char *name = src->path ? src->path : "inline";
	struct json_object *br;
	struct policy *p = NULL;
	struct policy_diag dg;
	int r;

	policy_diag_init(&dg);
	r = load_src(src, &p, &dg);
	if (policy_refused(r)) {
		diag_out(&dg, NULL, err);
		policy_diag_fini(&dg);
		sg_log(LOG_ERR, "policy '%s' refused: %s; the policy in force is unchanged", name,
		       r == -EFBIG ? "it is too large" : "it has errors");
		ctl_report_refused(d, name);
		if (r == -EFBIG)
			return control_error_set(err, PROTO_E_INVALID_POLICY, "the policy is larger "
						 "than the limit of %d bytes; the policy in force "
						 "is unchanged", SG_POLICY_FILE_MAX);
		return control_error_set(err, PROTO_E_INVALID_POLICY, "the policy has errors; "
					 "the policy in force is unchanged");
	}
	policy_diag_fini(&dg);
	if (r < 0)
		return control_error_set(err, r == -ENOENT ? PROTO_E_NOT_FOUND : PROTO_E_INTERNAL,
					 "'%s': %s", name, strerror(-r));
	r = ctl_apply_policy(d, p, name);
	if (r < 0) {
		policy_free(p);
		return control_error_set(err, PROTO_E_INTERNAL, "the policy could not be put in "
					 "force: %s", strerror(-r));
	}
	pipeline_flush(d->pipe);
	JADD(out, "source", json_object_new_string(d->policy_src));
	JADD(out, "rules", json_object_new_int64((int64_t)policy_rule_count(p)));
	if (policy_block_rules_json(p, false, &br) == 0)
		JADD(out, "block_rules", br); /* per rule: the enforcer in force, or why none */
	return 0;
}

/* The same, counted for the metrics (sysguard_policy_reloads_total). */
static int load_and_apply(struct sgd *d, const struct control_policy_src *src,
			  struct json_object *out, struct control_error *err)
{
	int r = load_and_apply_one(d, src, out, err);

	metrics_note_reload(r == 0);
	return r;
}

static int op_policy_load(void *ctx, const struct control_policy_src *src,
			  const struct control_peer *peer, struct json_object *out,
			  struct control_error *err)
{
	struct sgd *d = ctx;
	int r = load_and_apply(d, src, out, err);

	/* a path loaded this way is what later reloads read */
	if (r == 0 && src->path)
		snprintf(d->cfg->policy, sizeof(d->cfg->policy), "%s", src->path);
	return r;
}

static int op_policy_reload(void *ctx, const struct control_peer *peer, struct json_object *out,
			    struct control_error *err)
{
	struct sgd *d = ctx;
	struct control_policy_src src = { .path = ctl_policy_path(d) };

	return load_and_apply(d, &src, out, err);
}

static int op_policy_show(void *ctx, struct json_object *out, struct control_error *err)
{
	struct sgd *d = ctx;
	struct json_object *j = NULL;

	if (!d->policy)
		return control_error_set(err, PROTO_E_NOT_FOUND, "no policy is loaded: every event "
					 "is logged");
	if (policy_to_json(d->policy, &j) < 0)
		return -EIO;
	json_object_object_foreach(j, key, val)
		JADD(out, key, json_object_get(val));
	json_object_put(j);
	return 0;
}

static struct json_object *rule_json(struct sgd *d, const struct enforce_rule *r)
{
	struct json_object *o = json_object_new_object();
	char addr[ADDR_STR_MAX], text[512], id[16], when[40];

	snprintf(id, sizeof(id), "%u", r->slot);
	enforce_rule_format(r, text, sizeof(text));
	inet_ntop(r->net.family, r->net.addr, addr, sizeof(addr));
	JADD(o, "id", json_object_new_string(id));
	JADD(o, "rule", json_object_new_string(text));
	JADD(o, "addr", json_object_new_string(addr));
	JADD(o, "prefix", json_object_new_int(r->net.prefix));
	if (!(r->port_lo == 0 && r->port_hi == 65535)) {
		JADD(o, "port", json_object_new_int(r->port_lo));
		JADD(o, "port_end", json_object_new_int(r->port_hi));
	}
	JADD(o, "proto", json_object_new_string(addr_proto_name(r->proto)));
	JADD(o, "direction", json_object_new_string(r->hooks & SG_HOOK_BIND ? "bind" : "outbound"));
	if (r->cgroup[0])
		JADD(o, "cgroup", json_object_new_string(r->cgroup));
	JADD(o, "source", json_object_new_string(r->source));
	JADD(o, "hits", json_object_new_uint64(enforce_hits(d->enforce, r->slot)));
	encode_time(when, sizeof(when), (uint64_t)r->created * 1000000000ull);
	JADD(o, "created", json_object_new_string(when));
	if (r->expires) {
		encode_time(when, sizeof(when), (uint64_t)r->expires * 1000000000ull);
		JADD(o, "expires", json_object_new_string(when));
	}
	if (r->comment[0])
		JADD(o, "comment", json_object_new_string(r->comment));
	return o;
}

static int no_enforcement(struct sgd *d, struct control_error *err)
{
	return control_error_set(err, PROTO_E_NOT_AVAILABLE, "network enforcement is unavailable: %s",
				 d->enforce_why);
}

static int op_block_add(void *ctx, const struct control_block *b, const struct control_peer *peer,
			struct json_object *out, struct control_error *err)
{
	struct sgd *d = ctx;
	struct enforce_rule r = b->rule;
	char why[256];
	int ret;

	if (!d->enforce)
		return no_enforcement(d, err);
	ret = enforce_add(d->enforce, &r, why, sizeof(why));
	if (ret < 0)
		return control_error_set(err, ret == -EEXIST ? PROTO_E_EXISTS :
					 ret == -EINVAL ? PROTO_E_INVALID_ARGUMENT : PROTO_E_INTERNAL,
					 "%s", why);
	ctl_report_block_change(d, "add", &r, peer->uid);
	pipeline_flush(d->pipe);
	JADD(out, "rule", rule_json(d, enforce_by_slot(d->enforce, r.slot)));
	return 0;
}

static int op_block_remove(void *ctx, const struct control_block *b,
			   const struct control_peer *peer, struct json_object *out,
			   struct control_error *err)
{
	struct sgd *d = ctx;
	struct enforce_rule r;
	char why[256];
	int ret;

	if (!d->enforce)
		return no_enforcement(d, err);
	if (b->id) {
		const struct enforce_rule *found = NULL;
		unsigned long slot;
		char *end;

		errno = 0;
		slot = strtoul(b->id, &end, 10);
		if (!errno && *end == '\0' && end != b->id)
			found = enforce_by_slot(d->enforce, slot);
		if (!found || strcmp(found->source, "runtime") != 0)
			return control_error_set(err, PROTO_E_NOT_FOUND, "no runtime block rule "
						 "with id '%s'", b->id);
		r = *found;
	} else {
		r = b->rule;
	}
	ret = enforce_remove(d->enforce, &r, why, sizeof(why));
	if (ret < 0)
		return control_error_set(err, ret == -ENOENT ? PROTO_E_NOT_FOUND : PROTO_E_INTERNAL,
					 "%s", why);
	ctl_report_block_change(d, "remove", &r, peer->uid);
	pipeline_flush(d->pipe);
	JADD(out, "removed", json_object_new_int(1));
	return 0;
}

static int op_block_list(void *ctx, struct json_object *out, struct control_error *err)
{
	struct sgd *d = ctx;
	struct json_object *rules = json_object_new_array();

	if (!d->enforce) {
		json_object_put(rules);
		return no_enforcement(d, err);
	}
	for (size_t i = 0; i < enforce_count(d->enforce); i++)
		json_object_array_add(rules, rule_json(d, enforce_get(d->enforce, i)));
	JADD(out, "rules", rules);
	return 0;
}

static int op_output_reopen(void *ctx, const struct control_peer *peer, struct json_object *out,
			    struct control_error *err)
{
	struct sgd *d = ctx;
	const char *path = *d->output ? d->output : "-";
	int r;

	if (d->kernel)
		kernel_consume(d->kernel); /* what the ring holds goes to the old file */
	r = pipeline_reopen(d->pipe);
	if (r < 0)
		return control_error_set(err, PROTO_E_INTERNAL, "cannot reopen '%s': %s", path,
					 strerror(-r));
	sg_log(LOG_INFO, "output reopened (uid %u)", (unsigned int)peer->uid);
	JADD(out, "output", json_object_new_string(path));
	return 0;
}

static const struct control_ops ops = {
	.status = op_status,
	.mark = op_mark,
	.policy_check = op_policy_check,
	.policy_load = op_policy_load,
	.policy_reload = op_policy_reload,
	.policy_show = op_policy_show,
	.block_add = op_block_add,
	.block_remove = op_block_remove,
	.block_list = op_block_list,
	.output_reopen = op_output_reopen,
};

const struct control_ops *ctl_ops(void)
{
	return &ops;
}

void ctl_fini(struct sgd *d)
{
	policy_free(d->policy);
	d->policy = NULL;
	if (d->kspec)
		kfilter_spec_fini(d->kspec);
	free(d->kspec);
	d->kspec = NULL;
}
