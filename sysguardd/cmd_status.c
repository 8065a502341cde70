// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The status command: the daemon's state and counters in one object
 * (proto/protocol.md, "status"): programs and where each kind of event comes
 * from, events and drops per type, the policy in force, enforcement and what
 * carries out each block rule, the journal, the process table, the outputs
 * and the control socket.
 */
#include <string.h>
#include <unistd.h>
#include "commands_int.h"
#include "daemon.h"
#include "enforce.h"
#include "event.h"
#include "fanblock.h"
#include "kernel.h"
#include "log.h"
#include "lsmblock.h"
#include "pipeline.h"
#include "policy.h"
#include "proctable.h"
#include "sink.h"
#include "verdict.h"

/* status: file enforcement and what carries out each block rule */
static void files_status(struct daemon *d, struct json_object *enf)
{
	struct json_object *fo = json_object_new_object(), *lo = json_object_new_object(), *br;
	const char *fan_why, *lsm_why;
	struct fanblock *fan = verdict_fanblock(d->verdict, &fan_why);
	struct lsmblock *lsm = verdict_lsm(d->verdict, &lsm_why);
	struct policy *policy = verdict_policy(d->verdict);
	struct fanblock_stats st;

	JADD(fo, "available", json_object_new_boolean(fan != NULL));
	if (fan) {
		fanblock_stats(fan, &st);
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
		JADD(fo, "reason", json_object_new_string(fan_why));
	}
	JADD(enf, "files", fo);
	JADD(lo, "available", json_object_new_boolean(lsm != NULL));
	if (lsm) {
		struct json_object *hooks = json_object_new_array();
		struct lsmblock_stats ls;
		const char *h;

		lsmblock_stats(lsm, &ls);
		for (size_t i = 0; (h = lsmblock_hook(lsm, i)); i++)
			json_object_array_add(hooks, json_object_new_string(h));
		JADD(lo, "mechanism", json_object_new_string("lsm"));
		JADD(lo, "hooks", hooks);
		JADD(lo, "rules", json_object_new_uint64(ls.rules));
		JADD(lo, "entries", json_object_new_uint64(ls.entries));
		JADD(lo, "denied", json_object_new_uint64(ls.hits));
		JADD(lo, "adopted", json_object_new_boolean(ls.adopted));
	} else {
		JADD(lo, "reason", json_object_new_string(lsm_why));
	}
	JADD(enf, "lsm", lo);
	if (policy && policy_block_rules_json(policy, false, &br) == 0)
		JADD(enf, "block_rules", br);
}

int cmd_status(struct daemon *d, union cmd_args *a, struct control_call *call)
{
	struct json_object *out = call->result;
	const char *enforce_why;
	struct enforce *enforce = verdict_enforce(d->verdict, &enforce_why);
	struct lsmblock *lsm = verdict_lsm(d->verdict, NULL);
	struct policy *policy = verdict_policy(d->verdict);
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
	JADD(out, "uptime_sec", json_object_new_int64((int64_t)((daemon_now_ns() - d->start_ns) / 1000000000)));
	for (size_t i = 0; i < nprogs; i++) {
		const struct kernel_prog *p = kernel_prog(d->kernel, i);
		struct json_object *o;

		if (p->twin)
			continue; /* counted in telemetry.twins_not_loaded */
		o = json_object_new_object();
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
		size_t sc = 0, tr = 0, twins = 0, lsm_hooks = 0;
		const char *sc_why;

		for (size_t i = 0; i < nprogs; i++) {
			const struct kernel_prog *p = kernel_prog(d->kernel, i);
			bool on = p->state == PROG_ATTACHED;

			sc += on && !strncmp(p->hook, "tp/syscalls/", 12);
			tr += on && (!strncmp(p->hook, "fentry/", 7) || !strncmp(p->hook, "fexit/", 6));
			twins += p->twin;
		}
		for (size_t i = 0; lsm && lsmblock_hook(lsm, i); i++)
			lsm_hooks++;
		for (int t = 1; t < SG_EV_KERNEL_MAX; t++) {
			const char *b = tel_default_backend(t);
			size_t ntp = 0, ntr = 0;

			/* the syscalls of this type: from tracepoints, trampolines, or both */
			for (size_t i = 0; i < nprogs; i++) {
				const struct kernel_prog *p = kernel_prog(d->kernel, i);
				const char *x = NULL;

				/* tp/syscalls/sys_enter_NAME, fentry/__x64_sys_NAME */
				if (p->state == PROG_ATTACHED && !strncmp(p->hook, "tp/syscalls/sys_", 16))
					x = strchr(p->hook + 16, '_');
				else if (p->state == PROG_ATTACHED && p->hook[0] == 'f')
					x = strstr(p->hook, "_sys_") ? strstr(p->hook, "_sys_") + 4 : NULL;
				if (x && tel_syscall_type(x + 1) == t) {
					ntp += p->hook[0] == 't';
					ntr += p->hook[0] == 'f';
				}
			}
			if (ntr)
				b = ntp ? "trampoline+tracepoint" : "trampoline";
			for (int h = 0; h < KTEL_MAX; h++)
				if (kernel_tel_desc(h)->type == t && kernel_hooked(d->kernel, h, NULL)) {
					char key[32];

					b = kernel_tel_desc(h)->backend;
					/* what that hook does not see that the syscall would */
					snprintf(key, sizeof(key), "%s_loses", kernel_tel_desc(h)->kind);
					JADD(tel, key, json_object_new_string(kernel_tel_desc(h)->loses));
				}
			JADD(kinds, sg_type_name(t), json_object_new_string(b));
		}
		JADD(tel, "backends", kinds);
		JADD(tel, "syscall_tracepoints", json_object_new_uint64(sc));
		JADD(tel, "trampolines", json_object_new_uint64(tr));
		/* of each syscall's two programs, the one not loaded (not in "programs") */
		JADD(tel, "twins_not_loaded", json_object_new_uint64(twins));
		JADD(tel, "syscalls", json_object_new_string(
			kernel_trampolines(d->kernel, &sc_why) ? "trampoline" : "tracepoint"));
		if (sc_why[0])
			JADD(tel, "syscalls_reason", json_object_new_string(sc_why));
		JADD(tel, "lsm_hooks", json_object_new_uint64(lsm_hooks));
		/* a hook asked for and not used: why ("open_reason", ...) */
		for (int h = 0; h < KTEL_MAX; h++) {
			const char *why;
			char key[32];

			if (kernel_hooked(d->kernel, h, &why) || !why[0])
				continue;
			snprintf(key, sizeof(key), "%s_reason", kernel_tel_desc(h)->kind);
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
	JADD(pol, "source", json_object_new_string(verdict_policy_src(d->verdict)));
	JADD(pol, "rules", json_object_new_int64(policy ? (int64_t)policy_rule_count(policy) : 0));
	JADD(pol, "loaded_at", json_object_new_int64(verdict_policy_loaded_at(d->verdict)));
	JADD(pol, "kernel_filter", json_object_new_string(verdict_kfilter_desc(d->verdict)));
	if (policy) {
		struct policy_stats ps;

		policy_stats(policy, &ps);
		if (ps.corr_rules) {
			struct json_object *co = json_object_new_object();

			JADD(co, "rules", json_object_new_uint64(ps.corr_rules));
			JADD(co, "groups", json_object_new_uint64(ps.corr_groups));
			JADD(co, "fired", json_object_new_uint64(ps.corr_fired));
			JADD(co, "evictions", json_object_new_uint64(ps.corr_evictions));
			JADD(pol, "correlation", co);
		}
	}
	JADD(out, "policy", pol);
	JADD(enf, "available", json_object_new_boolean(enforce != NULL));
	if (enforce) {
		JADD(enf, "cgroup", json_object_new_string(enforce_cgroup_root(enforce)));
		JADD(enf, "rules", json_object_new_int64((int64_t)enforce_count(enforce)));
		JADD(enf, "release_on_stop", json_object_new_boolean(d->cfg.release_on_stop));
	} else {
		JADD(enf, "reason", json_object_new_string(enforce_why));
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
	JADD(out, "containers", cmd_containers_json(d, false));
	if (call->ctl)
		JADD(out, "control", control_stats_json(call->ctl));
	return 0;
}
