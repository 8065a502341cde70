// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * sysguardd: options, start-up in dependency order, the event loop, signals
 * and an orderly shutdown.  Start-up: options -> configuration -> log ->
 * kernel (mount, load, attach) -> process table seeded from /proc -> sinks ->
 * pipeline -> loop.  Modules are torn down in the reverse order.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/stat.h>
#include <event2/event.h>
#include <json-c/json.h>
#include "config.h"
#include "control.h"
#include "dedup.h"
#include "encode.h"
#include "enforce.h"
#include "journal.h"
#include "kernel.h"
#include "kfilter.h"
#include "log.h"
#include "pipeline.h"
#include "policy.h"
#include "proctable.h"
#include "redact.h"
#include "service.h"
#include "sink.h"

struct daemon {
	struct config cfg;
	const char *config_path;
	bool foreground;
	struct event_base *base;
	struct kernel *kernel;
	struct enforce *enforce;        /* NULL: enforcement off or unavailable */
	char enforce_why[256];          /* why it is unavailable */
	char block_label[256];          /* the rule id of the block being judged */
	struct proctable *pt;
	struct pipeline *pipe;
	struct sink *sink;
	struct journal *journal;        /* service: alerts etc. to the journal, or NULL */
	struct event *ring_ev;
	struct event *batch_ev;
	struct event *tick_ev;
	struct event *sig_ev[4];
	struct sg_counters last;        /* counters at the last drop report */
	uint64_t start_ns;
	int ready_fd;                   /* the parent waits on it when daemonizing */
	int exit_code;
	struct policy *policy;          /* NULL: none loaded, everything is logged */
	char policy_src[4096];          /* where it came from */
	int64_t policy_loaded_at;       /* unix seconds */
	struct control *ctl;
	struct redact *redact;          /* argv redaction in every output (redact: argv) */
	struct dedup *dedup;
	char kfilter_desc[512];
	struct sg_droppid *lost_seen;   /* per-process losses already reported */
	size_t nlost_seen;
	struct sg_droppid lost_changed[32];
	size_t nlost_changed;
};

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: sysguardd [options]\n"
		"Trace process, file and network activity with eBPF and judge it against a policy.\n"
		"\n"
		"  -c, --config FILE        configuration file (default %s)\n"
		"  -o, --output PATH        write NDJSON events to PATH ('-' for stdout)\n"
		"  -p, --policy PATH        policy file or directory of *.yaml files\n"
		"  -s, --socket PATH        control socket (default %s)\n"
		"  -f, --foreground         stay in the foreground (events to stdout by default)\n"
		"  -F, --families LIST      families to trace: process,file,network (default all)\n"
		"  -n, --check-policy FILE  check a policy, print errors as file:line:col, and exit\n"
		"  -v, --verbose            more diagnostics; with -n, print the normalized policy\n"
		"  -h, --help               show this help and exit\n"
		"  -V, --version            show the version and exit\n",
		SG_CONFIG_DEFAULT, SG_SOCKET_DEFAULT);
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void consume(struct daemon *d)
{
	int n = kernel_consume(d->kernel);

	if (n < 0 && n != -EINTR)
		sg_log(LOG_ERR, "reading the ring buffer failed: %s", strerror(-n));
	pipeline_flush(d->pipe);
}

static void on_ring(evutil_socket_t fd, short what, void *arg)
{
	consume(arg);
}

static void on_batch(evutil_socket_t fd, short what, void *arg)
{
	consume(arg);
}

/* A block_change event: who changed what (uid 0 for expiry and policy). */
static void report_block_change(struct daemon *d, const char *op, const struct enforce_rule *r,
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

static void on_expired(void *arg, const struct enforce_rule *r)
{
	report_block_change(arg, "expire", r, 0);
}

static void dedup_emit(struct sg_event *ev, void *arg)
{
	struct daemon *d = arg;

	pipeline_emit(d->pipe, ev);
}

/* Where the policy comes from: the configured path, else the shipped default. */
static const char *policy_path(struct daemon *d)
{
	if (strcmp(d->cfg.policy, SG_POLICY_DEFAULT) == 0 && access(SG_POLICY_DEFAULT, F_OK) < 0 &&
	    access(SG_POLICY_SHIPPED, F_OK) == 0)
		return SG_POLICY_SHIPPED;
	return d->cfg.policy;
}

/* Parse and check a policy; every message is logged as file:line:col. */
static int parse_policy(const char *path, struct policy **ret)
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

/*
 * Put a parsed policy in force: its block rules into the kernel maps, its
 * filter into the kernel, then the swap.  The old policy stays when any step
 * fails.  Runs between events, so no event sees half of it.
 */
static int apply_policy(struct daemon *d, struct policy *p, const char *src)
{
	char path[sizeof(d->policy_src)];
	struct block_compile bc = { 0 };
	struct kfilter_spec spec;
	struct sg_event ev;
	char err[256];
	int r;

	snprintf(path, sizeof(path), "%s", src); /* src may be d->policy_src itself */
	if (p) {
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

	policy_kfilter(p, &spec);
	r = kfilter_apply(d->kernel, &spec);
	if (r < 0)
		sg_log(LOG_WARNING, "cannot update the in-kernel filter: %s: every event goes "
		       "to userspace", strerror(-r));
	kfilter_describe(&spec, d->kfilter_desc, sizeof(d->kfilter_desc));
	kfilter_spec_fini(&spec);

	if (d->dedup) {
		dedup_flush_all(d->dedup);
		dedup_set_window(d->dedup, p ? policy_dedup_window_ns(p) : 0);
	}
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

static void report_refused(struct daemon *d, const char *path)
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

/* SIGHUP: parse in full, then swap; a policy with errors changes nothing. */
static void reload_policy(struct daemon *d)
{
	const char *path = policy_path(d);
	struct policy *p = NULL;
	int r;

	r = parse_policy(path, &p);
	if (r == 0)
		r = apply_policy(d, p, path);
	if (r == 0)
		return;
	policy_free(p);
	report_refused(d, path);
}

/* The verdict: enforcement's own reports first, then the policy. */
static void judge(void *ctx, struct sg_event *ev)
{
	struct daemon *d = ctx;

	if (ev->type < SG_EV_KERNEL_MAX && (ev->kflags & SG_F_BLOCKED)) {
		const struct enforce_rule *r =
			d->enforce ? enforce_by_slot(d->enforce, ev->net.block_slot) : NULL;

		ev->verdict.action = SG_ACT_BLOCK;
		ev->verdict.enforced = true;
		ev->verdict.severity = SG_SEV_HIGH;
		if (!r) {
			snprintf(d->block_label, sizeof(d->block_label), "block-slot-%u",
				 ev->net.block_slot);
		} else if (!strcmp(r->source, "runtime")) {
			int n = snprintf(d->block_label, sizeof(d->block_label), "runtime:");

			enforce_rule_format(r, d->block_label + n, sizeof(d->block_label) - n);
		} else {
			snprintf(d->block_label, sizeof(d->block_label), "%s", r->source);
		}
		ev->verdict.rule_id = d->block_label;
		return;
	}
	if (!d->policy)
		return;
	policy_eval(d->policy, ev, d->pt);
	/* a repeat inside the dedup window waits to be summarised */
	if (ev->verdict.action != SG_ACT_ALLOW && d->dedup && dedup_submit(d->dedup, ev, now_ns()) == 0)
		ev->verdict.action = SG_ACT_ALLOW;
}

/* Collect the processes whose losses grew since the last report. */
static void lost_cb(void *arg, uint32_t pid, const uint64_t *lost)
{
	struct daemon *d = arg;
	struct sg_droppid *s = NULL;
	const struct proc_entry *pe;

	for (size_t i = 0; i < d->nlost_seen; i++)
		if (d->lost_seen[i].pid == pid)
			s = &d->lost_seen[i];
	if (!s) {
		if (d->nlost_seen == SG_LOST_PIDS)
			return;
		s = &d->lost_seen[d->nlost_seen++];
		memset(s, 0, sizeof(*s));
		s->pid = pid;
	}
	if (memcmp(s->lost, lost, sizeof(s->lost)) == 0)
		return;
	memcpy(s->lost, lost, sizeof(s->lost));
	pe = proctable_get(d->pt, pid);
	snprintf(s->comm, sizeof(s->comm), "%s", pe ? pe->comm : "");
	if (d->nlost_changed < sizeof(d->lost_changed) / sizeof(d->lost_changed[0]))
		d->lost_changed[d->nlost_changed++] = *s;
}

/* Once a second: report drops as an event, keep the clocks in step. */
static void on_tick(evutil_socket_t fd, short what, void *arg)
{
	struct daemon *d = arg;
	struct sg_counters now;
	struct sg_event ev;

	pipeline_sync_clock(d->pipe);
	if (d->dedup && dedup_flush(d->dedup, now_ns()) > 0)
		pipeline_flush(d->pipe);
	if (d->enforce && enforce_expire(d->enforce, on_expired, d) > 0)
		pipeline_flush(d->pipe);
	if (kernel_counters(d->kernel, &now) < 0)
		return;
	memset(&ev, 0, sizeof(ev));
	ev.type = SG_EV_DROP;
	ev.drop.where = "ring";
	for (int t = 1; t < SG_EV_KERNEL_MAX; t++) {
		ev.drop.lost[t] = now.dropped[t] - d->last.dropped[t];
		ev.drop.total += ev.drop.lost[t];
	}
	if (ev.drop.total) {
		sg_log(LOG_WARNING, "%llu events lost: the ring buffer was full",
		       (unsigned long long)ev.drop.total);
		if (!d->lost_seen)
			d->lost_seen = calloc(SG_LOST_PIDS, sizeof(*d->lost_seen));
		d->nlost_changed = 0;
		if (d->lost_seen)
			kernel_lost_by_pid(d->kernel, lost_cb, d);
		ev.drop.pids = d->lost_changed;
		ev.drop.npids = d->nlost_changed;
		pipeline_inject(d->pipe, &ev);
		pipeline_flush(d->pipe);
	}
	d->last = now;
}

static void on_signal(evutil_socket_t sig, short what, void *arg)
{
	struct daemon *d = arg;

	if (sig == SIGHUP) {
		int r;

		service_reloading(); /* service: RELOADING=1 ... READY=1 around the reload */
		r = d->sink ? sink_reopen(d->sink) : 0;
		if (r < 0)
			sg_log(LOG_ERR, "cannot reopen '%s': %s", sink_path(d->sink), strerror(-r));
		else
			sg_log(LOG_INFO, "SIGHUP: output reopened");
		consume(d); /* what the old policy should judge */
		reload_policy(d);
		pipeline_flush(d->pipe);
		service_ready("Reloaded"); /* service */
		return;
	}
	sg_log(LOG_INFO, "%s: shutting down", strsignal(sig));
	service_stopping(); /* service */
	event_base_loopbreak(d->base);
}

static int parse_families(const char *list, bool fam[SG_FAM_MAX])
{
	char buf[128], *tok, *save = NULL;

	if (strlen(list) >= sizeof(buf))
		return -EINVAL;
	strcpy(buf, list);
	for (int f = 0; f < SG_FAM_MAX; f++)
		fam[f] = false;
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		int f;

		for (f = 0; f < SG_FAM_MAX; f++)
			if (!strcmp(tok, kernel_family_name(f)))
				break;
		if (f == SG_FAM_MAX)
			return -EINVAL;
		fam[f] = true;
	}
	return 0;
}

/* Fork; the parent exits once the child reports ready (0) or failure. */
static int daemonize(struct daemon *d)
{
	int fds[2];
	pid_t pid;
	char c;

	if (pipe2(fds, O_CLOEXEC) < 0)
		return -errno;
	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid > 0) {
		close(fds[1]);
		if (read(fds[0], &c, 1) != 1)
			_exit(1);
		_exit(c == 0 ? 0 : 1);
	}
	close(fds[0]);
	setsid();
	d->ready_fd = fds[1];
	return 0;
}

static void report_ready(struct daemon *d, int ok)
{
	char c = ok ? 0 : 1;
	int null;

	if (d->ready_fd < 0)
		return;
	if (ok) {
		null = open("/dev/null", O_RDWR | O_CLOEXEC);
		if (null >= 0) {
			dup2(null, STDIN_FILENO);
			dup2(null, STDOUT_FILENO);
			dup2(null, STDERR_FILENO);
			close(null);
		}
	}
	if (write(d->ready_fd, &c, 1) < 0)
		sg_log(LOG_WARNING, "cannot tell the parent we are ready: %s", strerror(errno));
	close(d->ready_fd);
	d->ready_fd = -1;
}

static void report_programs(struct daemon *d)
{
	size_t n = kernel_prog_count(d->kernel), attached = 0;

	for (size_t i = 0; i < n; i++) {
		const struct kernel_prog *p = kernel_prog(d->kernel, i);

		if (p->state == PROG_ATTACHED)
			attached++;
		else if (p->state != PROG_DISABLED)
			sg_log(LOG_WARNING, "'%s' not attached: %s", p->hook, p->reason);
	}
	sg_log(LOG_INFO, "%zu of %zu programs attached, %zu processes known", attached, n,
	       proctable_count(d->pt));
}

/* ---- the control socket's commands ---- */

static void publish(void *ctx, const struct sg_event *ev, const char *json, size_t len)
{
	struct daemon *d = ctx;

	control_publish(d->ctl, ev, json, len);
}

#define JADD(o, k, v) json_object_object_add((o), (k), (v))

static int op_status(void *ctx, struct json_object *out, struct control_error *err)
{
	struct daemon *d = ctx;
	const struct pipeline_stats *st = pipeline_stats(d->pipe);
	struct json_object *progs = json_object_new_object(), *evs = json_object_new_object();
	struct json_object *drops = json_object_new_object(), *filt = json_object_new_object();
	struct json_object *pol = json_object_new_object(), *enf = json_object_new_object();
	struct json_object *proc = json_object_new_object(), *out_o = json_object_new_object();
	struct sg_counters k;
	bool have_k = kernel_counters(d->kernel, &k) == 0;
	uint64_t total_drops = 0;

	JADD(out, "version", json_object_new_string(SG_VERSION));
	JADD(out, "pid", json_object_new_int(getpid()));
	JADD(out, "uptime_sec", json_object_new_int64((int64_t)((now_ns() - d->start_ns) / 1000000000)));
	for (size_t i = 0; i < kernel_prog_count(d->kernel); i++) {
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
			JADD(filt, sg_type_name(t), json_object_new_uint64(k.filtered[t]));
		}
		JADD(evs, sg_type_name(t), o);
	}
	JADD(out, "events", evs);
	JADD(drops, "total", json_object_new_uint64(total_drops));
	JADD(drops, "output", json_object_new_uint64(d->sink ? sink_dropped(d->sink) : 0));
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
		JADD(enf, "release_on_stop", json_object_new_boolean(d->cfg.release_on_stop));
	} else {
		JADD(enf, "reason", json_object_new_string(d->enforce_why));
	}
	JADD(out, "enforcement", enf);
	if (d->journal) { /* service: what the journal sink sent and could not send */
		struct json_object *jo = json_object_new_object();
		struct journal_stats js;

		journal_get_stats(d->journal, &js);
		JADD(jo, "sent", json_object_new_uint64(js.sent));
		JADD(jo, "failed", json_object_new_uint64(js.failed));
		JADD(jo, "truncated", json_object_new_uint64(js.truncated));
		JADD(jo, "diagnostics_lost", json_object_new_uint64(log_dropped()));
		JADD(out, "journal", jo);
	}
	JADD(proc, "tracked", json_object_new_int64((int64_t)proctable_count(d->pt)));
	JADD(proc, "evicted", json_object_new_uint64(proctable_evictions(d->pt)));
	JADD(out, "processes", proc);
	JADD(out_o, "path", json_object_new_string(d->sink ? sink_path(d->sink) : ""));
	JADD(out_o, "written", json_object_new_uint64(d->sink ? sink_written(d->sink) : 0));
	JADD(out, "output", out_o);
	return 0;
}

static int op_mark(void *ctx, const char *text, const struct control_peer *peer, uint64_t *ret_seq,
		   struct control_error *err)
{
	struct daemon *d = ctx;
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
	struct json_object *errors = json_object_new_array();
	struct policy *p = NULL;
	struct policy_diag dg;
	int r;

	policy_diag_init(&dg);
	r = load_src(src, &p, &dg);
	diag_out(&dg, errors, err);
	policy_diag_fini(&dg);
	if (r < 0 && r != -EINVAL) {
		json_object_put(errors);
		return control_error_set(err, r == -ENOENT ? PROTO_E_NOT_FOUND : PROTO_E_INTERNAL,
					 "'%s': %s", src->path ? src->path : "inline", strerror(-r));
	}
	JADD(out, "valid", json_object_new_boolean(r == 0));
	JADD(out, "rules", json_object_new_int64(p ? (int64_t)policy_rule_count(p) : 0));
	JADD(out, "errors", errors);
	policy_free(p);
	return 0;
}

/* Load and put in force; a policy with errors changes nothing. */
static int load_and_apply(struct daemon *d, const struct control_policy_src *src,
			  struct json_object *out, struct control_error *err)
{
	const char *name = src->path ? src->path : "inline";
	struct policy *p = NULL;
	struct policy_diag dg;
	int r;

	policy_diag_init(&dg);
	r = load_src(src, &p, &dg);
	if (r == -EINVAL) {
		diag_out(&dg, NULL, err);
		policy_diag_fini(&dg);
		sg_log(LOG_ERR, "policy '%s' refused: it has errors; the policy in force is unchanged",
		       name);
		report_refused(d, name);
		return control_error_set(err, PROTO_E_INVALID_POLICY, "the policy has errors; "
					 "the policy in force is unchanged");
	}
	policy_diag_fini(&dg);
	if (r < 0)
		return control_error_set(err, r == -ENOENT ? PROTO_E_NOT_FOUND : PROTO_E_INTERNAL,
					 "'%s': %s", name, strerror(-r));
	r = apply_policy(d, p, name);
	if (r < 0) {
		policy_free(p);
		return control_error_set(err, PROTO_E_INTERNAL, "the policy could not be put in "
					 "force: %s", strerror(-r));
	}
	pipeline_flush(d->pipe);
	JADD(out, "source", json_object_new_string(d->policy_src));
	JADD(out, "rules", json_object_new_int64((int64_t)policy_rule_count(p)));
	return 0;
}

static int op_policy_load(void *ctx, const struct control_policy_src *src,
			  const struct control_peer *peer, struct json_object *out,
			  struct control_error *err)
{
	struct daemon *d = ctx;
	int r = load_and_apply(d, src, out, err);

	/* a path loaded this way is what later reloads read */
	if (r == 0 && src->path)
		snprintf(d->cfg.policy, sizeof(d->cfg.policy), "%s", src->path);
	return r;
}

static int op_policy_reload(void *ctx, const struct control_peer *peer, struct json_object *out,
			    struct control_error *err)
{
	struct daemon *d = ctx;
	struct control_policy_src src = { .path = policy_path(d) };

	return load_and_apply(d, &src, out, err);
}

static int op_policy_show(void *ctx, struct json_object *out, struct control_error *err)
{
	struct daemon *d = ctx;
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

static int rule_from_block(struct daemon *d, const struct control_block *b, struct enforce_rule *r,
			   struct control_error *err)
{
	char target[256], why[256];
	bool v6 = strchr(b->addr, ':') != NULL;
	int n;

	n = snprintf(target, sizeof(target), "%s%s", v6 && b->port >= 0 ? "[" : "", b->addr);
	if (b->prefix >= 0)
		n += snprintf(target + n, sizeof(target) - n, "/%d", b->prefix);
	if (v6 && b->port >= 0)
		n += snprintf(target + n, sizeof(target) - n, "]");
	if (b->port >= 0)
		n += snprintf(target + n, sizeof(target) - n, ":%d", b->port);
	if (b->port_end >= 0 && b->port_end != b->port)
		n += snprintf(target + n, sizeof(target) - n, "-%d", b->port_end);
	if (enforce_rule_parse(r, target, b->proto == IPPROTO_TCP ? "tcp" :
			       b->proto == IPPROTO_UDP ? "udp" : NULL, b->bind, b->cgroup,
			       b->ttl_sec, b->comment, why, sizeof(why)) < 0)
		return control_error_set(err, PROTO_E_INVALID_ARGUMENT, "%s", why);
	return 0;
}

static struct json_object *rule_json(struct daemon *d, const struct enforce_rule *r)
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
	JADD(o, "proto", json_object_new_string(r->proto == IPPROTO_TCP ? "tcp" :
						r->proto == IPPROTO_UDP ? "udp" : "any"));
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

static int no_enforcement(struct daemon *d, struct control_error *err)
{
	return control_error_set(err, PROTO_E_NOT_AVAILABLE, "network enforcement is unavailable: %s",
				 d->enforce_why);
}

static int op_block_add(void *ctx, const struct control_block *b, const struct control_peer *peer,
			struct json_object *out, struct control_error *err)
{
	struct daemon *d = ctx;
	struct enforce_rule r;
	char why[256];
	int ret;

	if (!d->enforce)
		return no_enforcement(d, err);
	ret = rule_from_block(d, b, &r, err);
	if (ret < 0)
		return ret;
	ret = enforce_add(d->enforce, &r, why, sizeof(why));
	if (ret < 0)
		return control_error_set(err, ret == -EEXIST ? PROTO_E_EXISTS :
					 ret == -EINVAL ? PROTO_E_INVALID_ARGUMENT : PROTO_E_INTERNAL,
					 "%s", why);
	report_block_change(d, "add", &r, peer->uid);
	pipeline_flush(d->pipe);
	JADD(out, "rule", rule_json(d, enforce_by_slot(d->enforce, r.slot)));
	return 0;
}

static int op_block_remove(void *ctx, const struct control_block *b,
			   const struct control_peer *peer, struct json_object *out,
			   struct control_error *err)
{
	struct daemon *d = ctx;
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
		ret = rule_from_block(d, b, &r, err);
		if (ret < 0)
			return ret;
	}
	ret = enforce_remove(d->enforce, &r, why, sizeof(why));
	if (ret < 0)
		return control_error_set(err, ret == -ENOENT ? PROTO_E_NOT_FOUND : PROTO_E_INTERNAL,
					 "%s", why);
	report_block_change(d, "remove", &r, peer->uid);
	pipeline_flush(d->pipe);
	JADD(out, "removed", json_object_new_int(1));
	return 0;
}

static int op_block_list(void *ctx, struct json_object *out, struct control_error *err)
{
	struct daemon *d = ctx;
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

static const struct control_ops ctl_ops = {
	.status = op_status,
	.mark = op_mark,
	.policy_check = op_policy_check,
	.policy_load = op_policy_load,
	.policy_reload = op_policy_reload,
	.policy_show = op_policy_show,
	.block_add = op_block_add,
	.block_remove = op_block_remove,
	.block_list = op_block_list,
};

/* The argv redaction rules every output applies: the configured ones, else the built-in. */
static int redact_from_config(struct daemon *d)
{
	const char *rules[REDACT_RULES_MAX];
	size_t n = 0;

	if (d->cfg.redact_argv_n < 0)
		for (; redact_defaults[n] && n < REDACT_RULES_MAX; n++)
			rules[n] = redact_defaults[n];
	else
		for (; n < (size_t)d->cfg.redact_argv_n; n++)
			rules[n] = d->cfg.redact_argv[n];
	d->redact = redact_new(rules, n, NULL);
	if (!d->redact) {
		sg_log(LOG_ERR, "cannot set up the argv redaction rules: %m");
		return -errno;
	}
	redact_set_active(d->redact);
	return 0;
}

static int start(struct daemon *d)
{
	struct pipeline_hooks hooks = { .judge = judge, .publish = publish, .ctx = d };
	struct kernel_opts ko;
	struct policy *policy = NULL;
	const char *ppath = policy_path(d);
	char err[512];
	const char *out;
	int r, sigs[] = { SIGINT, SIGTERM, SIGHUP };

	/* a policy with errors stops the start, before anything is attached */
	if (access(ppath, F_OK) == 0 || strcmp(ppath, SG_POLICY_DEFAULT) != 0) {
		r = parse_policy(ppath, &policy);
		if (r < 0) {
			sg_log(LOG_ERR, "cannot start with the policy '%s'", ppath);
			return r;
		}
	} else {
		sg_log(LOG_WARNING, "no policy at '%s' or '%s': every event is logged",
		       SG_POLICY_DEFAULT, SG_POLICY_SHIPPED);
		ppath = "(none)";
	}
	d->dedup = dedup_new(0, 0, dedup_emit, d);
	r = redact_from_config(d);
	if (r < 0)
		return r;

	/* the socket before BPF: a second daemon is refused before it loads anything */
	d->base = event_base_new();
	if (!d->base) {
		sg_log(LOG_ERR, "cannot create the event loop");
		return -ENOMEM;
	}
	signal(SIGPIPE, SIG_IGN); /* a client gone mid-write is an EPIPE, not a signal */
	if (d->cfg.socket[0]) {
		struct control_options co = {
			.path = d->cfg.socket,
			.admin_group = d->cfg.admin_group[0] ? d->cfg.admin_group : NULL,
			.version = SG_VERSION,
			.log = sg_log,
			.idle_sec = d->cfg.ctl_idle_sec,
			.read_own = d->cfg.ctl_read_own,
		};

		d->ctl = control_new(d->base, &co, &ctl_ops, d);
		if (!d->ctl) {
			r = errno ? -errno : -EIO;
			sg_log(LOG_ERR, "cannot open the control socket '%s'", d->cfg.socket);
			return r;
		}
	}

	d->pt = proctable_new(d->cfg.proctable_max);
	d->pipe = d->pt ? pipeline_new(d->pt, &hooks) : NULL;
	if (!d->pipe) {
		sg_log(LOG_ERR, "out of memory");
		return -ENOMEM;
	}

	out = d->cfg.output;
	/* service: under systemd stdout is the journal, so events go to the file */
	if (!*out)
		out = d->foreground && !log_fd_is_journal(STDOUT_FILENO) ? "-" : SG_OUTPUT_DEFAULT;
	if (strcmp(out, "-") != 0 || d->foreground) {
		if (strcmp(out, "-") != 0) {
			char dir[4096], *slash;

			snprintf(dir, sizeof(dir), "%s", out);
			slash = strrchr(dir, '/');
			if (slash && slash != dir) {
				*slash = '\0';
				mkdir(dir, 0750);
			}
		}
		d->sink = sink_open(out, 0);
		if (!d->sink) {
			r = -errno;
			sg_log(LOG_ERR, "cannot open the output '%s': %s", out, strerror(errno));
			return r;
		}
		pipeline_add_sink(d->pipe, d->sink);
	}

	/* service: selected events to the journal when running under systemd */
	if ((service_managed() || log_fd_is_journal(STDERR_FILENO)) &&
	    (d->cfg.journal_actions || d->cfg.journal_drops)) {
		struct journal_opts jo = { .actions = d->cfg.journal_actions,
					   .drops = d->cfg.journal_drops };

		d->journal = journal_new(&jo);
		if (!d->journal || pipeline_add_observer(d->pipe, journal_publish, d->journal) < 0)
			return -ENOMEM;
	}

	memset(&ko, 0, sizeof(ko));
	memcpy(ko.family, d->cfg.family, sizeof(ko.family));
	ko.ring_bytes = d->cfg.ring_bytes;
	ko.wakeup_bytes = d->cfg.wakeup_bytes;
	ko.sample = pipeline_record;
	ko.ctx = d->pipe;
	r = kernel_open(&d->kernel, &ko, err, sizeof(err));
	if (r < 0) {
		sg_log(LOG_ERR, "%s", err);
		return r;
	}
	if (d->cfg.enforce) {
		struct enforce_opts eo = {
			.state_dir = d->cfg.state_dir,
			.release_on_stop = d->cfg.release_on_stop,
			.pin_dir = d->cfg.pin_dir,
		};

		r = enforce_open(&d->enforce, d->kernel, &eo, d->enforce_why,
				 sizeof(d->enforce_why));
		if (r < 0) {
			/* monitoring goes on; status and block commands say why */
			sg_log(LOG_WARNING, "network enforcement unavailable: %s", d->enforce_why);
			d->enforce = NULL;
		} else {
			sg_log(LOG_INFO, "network enforcement on cgroup '%s', %zu rules",
			       enforce_cgroup_root(d->enforce), enforce_count(d->enforce));
		}
	} else {
		snprintf(d->enforce_why, sizeof(d->enforce_why), "switched off in the configuration");
	}
	r = apply_policy(d, policy, ppath);
	if (r < 0) {
		policy_free(policy);
		return r;
	}
	/* after attaching, so that nothing started in between is missed */
	r = proctable_seed(d->pt, "/proc");
	if (r < 0)
		sg_log(LOG_WARNING, "cannot read /proc: %s", strerror(-r));

	d->ring_ev = event_new(d->base, kernel_ring_fd(d->kernel), EV_READ | EV_PERSIST, on_ring, d);
	d->batch_ev = event_new(d->base, -1, EV_PERSIST, on_batch, d);
	d->tick_ev = event_new(d->base, -1, EV_PERSIST, on_tick, d);
	if (!d->ring_ev || !d->batch_ev || !d->tick_ev)
		return -ENOMEM;
	r = service_init(d->base); /* service: the watchdog timer */
	if (r < 0)
		return r;
	{
		struct timeval batch = { 0, d->cfg.batch_ms * 1000 }, tick = { 1, 0 };

		if (d->cfg.batch_ms >= 1000)
			batch = (struct timeval){ d->cfg.batch_ms / 1000, (d->cfg.batch_ms % 1000) * 1000 };
		event_add(d->ring_ev, NULL);
		event_add(d->batch_ev, &batch);
		event_add(d->tick_ev, &tick);
	}
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++) {
		d->sig_ev[i] = evsignal_new(d->base, sigs[i], on_signal, d);
		if (!d->sig_ev[i] || evsignal_add(d->sig_ev[i], NULL) < 0)
			return -ENOMEM;
	}
	report_programs(d);
	sg_log(LOG_INFO, "ready: writing events to '%s'", d->sink ? sink_path(d->sink) : "nowhere");
	return 0;
}

static void stop(struct daemon *d, bool clean)
{
	if (d->kernel && d->pipe) {
		consume(d); /* what is still in the ring */
		on_tick(-1, 0, d); /* and a last drop report */
	}
	service_fini(); /* service */
	for (size_t i = 0; i < sizeof(d->sig_ev) / sizeof(d->sig_ev[0]); i++)
		if (d->sig_ev[i])
			event_free(d->sig_ev[i]);
	if (d->tick_ev)
		event_free(d->tick_ev);
	if (d->batch_ev)
		event_free(d->batch_ev);
	if (d->ring_ev)
		event_free(d->ring_ev);
	if (d->dedup && d->pipe)
		dedup_flush_all(d->dedup);
	if (d->pipe)
		pipeline_flush(d->pipe);
	control_free(d->ctl);
	enforce_close(d->enforce, clean);
	kernel_close(d->kernel);
	if (d->pipe)
		pipeline_flush(d->pipe);
	dedup_free(d->dedup);
	policy_free(d->policy);
	redact_free(d->redact);
	free(d->lost_seen);
	sink_close(d->sink);
	journal_free(d->journal); /* service */
	pipeline_free(d->pipe);
	proctable_free(d->pt);
	if (d->base)
		event_base_free(d->base);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "output", required_argument, NULL, 'o' },
		{ "policy", required_argument, NULL, 'p' },
		{ "socket", required_argument, NULL, 's' },
		{ "foreground", no_argument, NULL, 'f' },
		{ "families", required_argument, NULL, 'F' },
		{ "check-policy", required_argument, NULL, 'n' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{}
	};
	const char *output = NULL, *policy = NULL, *sock = NULL, *families = NULL, *check = NULL;
	struct daemon d = { .config_path = SG_CONFIG_DEFAULT, .ready_fd = -1 };
	bool config_given = false;
	int verbose = 0;
	char err[512];
	int c, r;

	while ((c = getopt_long(argc, argv, "c:o:p:s:fF:n:vhV", opts, NULL)) != -1) {
		switch (c) {
		case 'c': d.config_path = optarg; config_given = true; break;
		case 'o': output = optarg; break;
		case 'p': policy = optarg; break;
		case 's': sock = optarg; break;
		case 'f': d.foreground = true; break;
		case 'F': families = optarg; break;
		case 'n': check = optarg; break;
		case 'v': verbose++; break;
		case 'h': usage(stdout); return 0;
		case 'V': printf("sysguardd %s (kernel ABI %d)\n", SG_VERSION, SG_ABI_VERSION); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "sysguardd: unexpected argument '%s'\n", argv[optind]);
		usage(stderr);
		return 2;
	}
	if (check)
		return policy_check_main(check, verbose > 0, stdout, stderr);

	config_defaults(&d.cfg);
	d.cfg.output[0] = '\0'; /* "auto": stdout in the foreground, the log file otherwise */
	r = config_load(&d.cfg, d.config_path, !config_given, err, sizeof(err));
	if (r < 0) {
		fprintf(stderr, "sysguardd: %s\n", err);
		return 1;
	}
	if (output)
		snprintf(d.cfg.output, sizeof(d.cfg.output), "%s", output);
	if (policy)
		snprintf(d.cfg.policy, sizeof(d.cfg.policy), "%s", policy);
	if (sock)
		snprintf(d.cfg.socket, sizeof(d.cfg.socket), "%s", sock);
	if (families && parse_families(families, d.cfg.family) < 0) {
		fprintf(stderr, "sysguardd: --families: expected a list of process, file, network\n");
		return 2;
	}
	if (verbose)
		d.cfg.log_level = LOG_DEBUG;
	/* service: diagnostics to the journal when stderr is connected to it */
	log_init("sysguardd", d.cfg.log_level, log_fd_is_journal(STDERR_FILENO));

	if (geteuid() != 0) {
		fprintf(stderr, "sysguardd: must run as root (it loads BPF programs)\n");
		return 1;
	}
	/* events on a pipe show at once: stdout is written per batch, not per block */
	setvbuf(stdout, NULL, _IOLBF, 0);

	d.start_ns = now_ns();
	if (!d.foreground && daemonize(&d) < 0) {
		fprintf(stderr, "sysguardd: cannot fork: %s\n", strerror(errno));
		return 1;
	}
	r = start(&d);
	report_ready(&d, r == 0);
	/* service: READY=1 once attached, policy loaded, socket listening (all in start()) */
	if (r == 0) {
		char status[256];

		snprintf(status, sizeof(status), "Watching; events to '%s'",
			 d.sink ? sink_path(d.sink) : "nowhere");
		service_ready(status);
	} else {
		service_failed(-r, "Start-up failed: %s", strerror(-r));
	}
	if (r == 0) {
		event_base_dispatch(d.base);
		d.exit_code = 0;
	} else {
		d.exit_code = 1;
	}
	stop(&d, d.exit_code == 0);
	return d.exit_code;
}
