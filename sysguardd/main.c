// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * sysguardd: options, start-up in dependency order, the event loop, signals
 * and an orderly shutdown.  Start-up: options -> configuration -> log ->
 * kernel (mount, load, attach) -> process table seeded from /proc -> pipeline
 * and its sinks -> loop.  Modules are torn down in the reverse order.  The
 * control socket's commands and the policy commit are ctl_ops.c's, working on
 * the struct sgd embedded here.
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
#include <sys/stat.h>
#include <event2/event.h>
#include "config.h"
#include "control.h"
#include "ctl_ops.h"
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
	bool lsm_probed;                /* the kernel runs BPF LSM programs */
	char block_label[256];          /* the rule id of the block being judged */
	struct proctable *pt;
	struct pipeline *pipe;
	char output[4096];              /* the NDJSON sink's path, "-", or "" for none */
	struct event *ring_ev;
	struct event *batch_ev;
	struct event *tick_ev;
	struct event *sig_ev[4];
	struct sg_counters last;        /* counters at the last drop report */
	int ready_fd;                   /* the parent waits on it when daemonizing */
	int exit_code;
	struct sgd s;                   /* the policy in force and what the commands use */
	struct control *ctl;
	struct metrics *metrics;        /* NULL: no endpoint configured */
	struct redact *redact;          /* argv redaction in every output (redact: argv) */
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

/* The verdict: enforcement's own reports first, then the policy. */
static void judge(void *ctx, struct sg_event *ev)
{
	struct daemon *d = ctx;

	if (ev->type < SG_EV_KERNEL_MAX && (ev->kflags & SG_F_BLOCKED) &&
	    ((ev->type != SG_EV_CONNECT && ev->type != SG_EV_BIND) ||
	     (ev->net.block_hook & SG_HOOK_LSM))) {
		/* stopped by a BPF-LSM program: the rule is the one that owns the slot */
		const char *id;
		enum sg_severity sev;

		ev->verdict.action = SG_ACT_BLOCK;
		ev->verdict.enforced = true;
		ev->verdict.mechanism = "lsm";
		ev->verdict.severity = SG_SEV_HIGH;
		if (lsmblock_rule(d->s.lsm, ev->lsm_slot, &id, &sev)) {
			snprintf(d->block_label, sizeof(d->block_label), "%s", id);
			ev->verdict.severity = sev;
		} else {
			snprintf(d->block_label, sizeof(d->block_label), "lsm-slot-%u",
				 ev->lsm_slot);
		}
		ev->verdict.rule_id = d->block_label;
		return;
	}
	if (ev->type < SG_EV_KERNEL_MAX && (ev->kflags & SG_F_BLOCKED)) {
		const struct enforce_rule *r =
			d->enforce ? enforce_by_slot(d->enforce, ev->net.block_slot) : NULL;

		ev->verdict.action = SG_ACT_BLOCK;
		ev->verdict.enforced = true;
		ev->verdict.mechanism = "cgroup";
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
	if (ev->verdict.mechanism)
		return; /* judged by the enforcer that stopped it (fanblock) */
	if (ev->type == SG_EV_OPEN && (ev->kflags & SG_F_HOOK) && d->s.kspec && ev->file.path &&
	    !kfilter_open_passes(d->s.kspec, ev->file.path, ev->file.write, ev->proc.uid,
				 ev->proc.comm)) {
		/* the filter's path tries, which the hook does not apply: no rule is about it */
		ev->verdict.action = SG_ACT_ALLOW;
		return;
	}
	if (fanblock_claim(d->s.fanblock, ev))
		return; /* the failed call of a file block: its verdict is the block */
	if (!d->s.policy)
		return;
	policy_eval(d->s.policy, ev, d->pt);
	if ((ev->kflags & SG_F_HOOK) && !ev->has_result && ev->verdict.action == SG_ACT_BLOCK &&
	    ev->verdict.enforced && ev->verdict.mechanism &&
	    !strcmp(ev->verdict.mechanism, "fanotify")) {
		/*
		 * An open from the LSM hook that fanotify is about to refuse, before
		 * its denial could claim this report (fanblock read the ring first):
		 * fanblock reports the denial itself, once; this is not sent.
		 */
		ev->verdict.action = SG_ACT_ALLOW;
	}
}

/* A file block, judged by fanblock: it enters the pipeline already judged. */
static void fanblock_emit(void *ctx, struct sg_event *ev)
{
	struct daemon *d = ctx;

	pipeline_inject(d->pipe, ev);
	pipeline_flush(d->pipe);
}

static void fanblock_sync(void *ctx)
{
	consume(ctx);
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
	pipeline_tick(d->pipe); /* dedup windows, rotated outputs, sink drop reports */
	if (d->enforce && enforce_expire(d->enforce, ctl_on_expired, &d->s) > 0)
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
		r = pipeline_reopen(d->pipe);
		if (r < 0)
			sg_log(LOG_ERR, "cannot reopen '%s': %s", d->output, strerror(-r));
		else
			sg_log(LOG_INFO, "SIGHUP: output reopened");
		consume(d); /* what the old policy should judge */
		ctl_reload_policy(&d->s);
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
	size_t n = kernel_prog_count(d->kernel), attached = 0, off = 0;

	for (size_t i = 0; i < n; i++) {
		const struct kernel_prog *p = kernel_prog(d->kernel, i);

		if (p->state == PROG_ATTACHED)
			attached++;
		else if (p->state == PROG_DISABLED)
			off++;
		else
			sg_log(LOG_WARNING, "'%s' not attached: %s", p->hook, p->reason);
	}
	sg_log(LOG_INFO, "%zu of %zu programs attached, %zu left out by the configuration, "
	       "%zu processes known", attached, n, off, proctable_count(d->pt));
}

/* ---- the control socket's commands ---- */

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

/* The metrics endpoints, when configured; after the pipeline, before anything is emitted. */
static int start_metrics(struct daemon *d)
{
	const struct metrics_sources src = {
		.pipe = &d->pipe, .kernel = &d->kernel, .policy = &d->s.policy, .ctl = &d->ctl,
		.enforce = &d->enforce, .pt = &d->pt, .version = SG_VERSION,
	};
	const struct metrics_options mo = {
		.socket = d->cfg.metrics_socket, .group = PROTO_GROUP_DEFAULT,
		.listen = d->cfg.metrics_listen, .allow_remote = d->cfg.metrics_allow_remote,
		.textfile = d->cfg.metrics_textfile,
		.textfile_interval_ms = d->cfg.metrics_interval_ms, .log = sg_log,
	};
	int r;

	if (!*d->cfg.metrics_socket && !*d->cfg.metrics_listen && !*d->cfg.metrics_textfile)
		return 0;
	d->metrics = metrics_new(d->base, &mo, &src);
	if (d->metrics)
		return 0;
	r = errno ? -errno : -EIO;
	sg_log(LOG_ERR, "cannot start the metrics endpoints: %s", strerror(-r));
	return r;
}

/* Hand a new sink (NULL: it could not be made) to the pipeline. */
static int add_sink(struct daemon *d, struct sink *s, const char *what)
{
	int r;

	if (!s) {
		r = errno ? -errno : -ENOMEM;
		sg_log(LOG_ERR, "cannot open the output '%s': %s", what, strerror(-r));
		return r;
	}
	r = pipeline_add_sink(d->pipe, s);
	if (r < 0) {
		sink_free(s);
		sg_log(LOG_ERR, "too many outputs: '%s' is one too many", what);
	}
	return r;
}

/* Kind t from its syscall tracepoints after all: its hook's object did not come up. */
static void unhook(struct daemon *d, enum kernel_tel t, const char *why)
{
	int r;

	if (!kernel_hooked(d->kernel, t, NULL))
		return;
	r = kernel_unhook(d->kernel, t, why);
	if (r < 0)
		sg_log(LOG_WARNING, "%s are not traced: %s", kernel_tel_desc(t)->what, strerror(-r));
}

static int start(struct daemon *d)
{
	struct pipeline_hooks hooks = { .judge = judge, .ctx = d };
	struct kernel_opts ko;
	struct policy *policy = NULL;
	const char *ppath = ctl_policy_path(&d->s);
	char err[512];
	const char *out;
	int r, sigs[] = { SIGINT, SIGTERM, SIGHUP };

	/* block rules are planned for the mechanisms this host has */
	d->lsm_probed = d->cfg.enforce && lsm_probe(SG_LSM_LIST, d->s.lsm_why, sizeof(d->s.lsm_why));
	if (!d->cfg.enforce)
		snprintf(d->s.lsm_why, sizeof(d->s.lsm_why), "switched off in the configuration");
	policy_set_lsm(d->lsm_probed, d->s.lsm_why);
	/* a policy with errors stops the start, before anything is attached */
	if (access(ppath, F_OK) == 0 || strcmp(ppath, SG_POLICY_DEFAULT) != 0) {
		r = ctl_parse_policy(ppath, &policy);
		if (r < 0) {
			sg_log(LOG_ERR, "cannot start with the policy '%s'", ppath);
			return r;
		}
	} else {
		sg_log(LOG_WARNING, "no policy at '%s' or '%s': every event is logged",
		       SG_POLICY_DEFAULT, SG_POLICY_SHIPPED);
		ppath = "(none)";
	}
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
			.idle_sec = d->cfg.ctl_idle_sec,
			.read_own = d->cfg.ctl_read_own,
			.version = SG_VERSION,
			.log = sg_log,
		};

		d->ctl = control_new(d->base, &co, ctl_ops(), &d->s);
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
	r = start_metrics(d);
	if (r < 0)
		return r;

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
		r = add_sink(d, sink_ndjson_new(out, 0), out);
		if (r < 0)
			return r;
		snprintf(d->output, sizeof(d->output), "%s", out);
	}

	/* service: selected events to the journal when running under systemd */
	if ((service_managed() || log_fd_is_journal(STDERR_FILENO)) &&
	    (d->cfg.journal_actions || d->cfg.journal_drops)) {
		struct journal_opts jo = { .actions = d->cfg.journal_actions,
					   .drops = d->cfg.journal_drops };

		r = add_sink(d, journal_sink_new(&jo), "journal");
		if (r < 0)
			return r;
	}
	if (d->ctl) {
		r = add_sink(d, control_sink_new(d->ctl), "subscribers");
		if (r < 0)
			return r;
	}

	memset(&ko, 0, sizeof(ko));
	memcpy(ko.family, d->cfg.family, sizeof(ko.family));
	ko.ring_bytes = d->cfg.ring_bytes;
	ko.wakeup_bytes = d->cfg.wakeup_bytes;
	ko.sample = pipeline_record;
	ko.ctx = d->pipe;
	/*
	 * Kinds asked from a hook (telemetry): opens from lsm/file_open (the
	 * BPF-LSM object, lsmblock.h), execs from sched_process_exec (the
	 * tracing object), connects and binds from the cgroup programs (the
	 * enforcement object, enforce.h).  A kind whose object does not come
	 * up goes back to its tracepoints below.
	 */
	ko.hooked[KTEL_OPEN] = d->cfg.tel_open_lsm;
	ko.hooked[KTEL_EXEC] = d->cfg.tel_exec_sched;
	ko.hooked[KTEL_CONNECT] = d->cfg.tel_connect_cgroup;
	ko.hooked[KTEL_BIND] = d->cfg.tel_bind_cgroup;
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
			.tel_hooks = (kernel_hooked(d->kernel, KTEL_CONNECT, NULL) ? SG_HOOK_CONNECT : 0) |
				     (kernel_hooked(d->kernel, KTEL_BIND, NULL) ? SG_HOOK_BIND : 0),
			.wakeup_bytes = d->cfg.wakeup_bytes,
		};

		r = enforce_open(&d->enforce, d->kernel, &eo, d->s.enforce_why,
				 sizeof(d->s.enforce_why));
		if (r < 0) {
			/* monitoring goes on; status and block commands say why */
			sg_log(LOG_WARNING, "network enforcement unavailable: %s", d->s.enforce_why);
			d->enforce = NULL;
		} else {
			sg_log(LOG_INFO, "network enforcement on cgroup '%s', %zu rules",
			       enforce_cgroup_root(d->enforce), enforce_count(d->enforce));
		}
	} else {
		snprintf(d->s.enforce_why, sizeof(d->s.enforce_why),
			 "switched off in the configuration");
	}
	d->s.kernel = d->kernel;
	d->s.enforce = d->enforce;
	d->s.pipe = d->pipe;
	d->s.pt = d->pt;
	d->s.output = d->output;
	if (d->cfg.enforce) { /* file enforcement */
		struct fanblock_opts fo = { .base = d->base, .pt = d->pt, .emit = fanblock_emit,
					    .sync = fanblock_sync, .ctx = d };

		d->s.fanblock = fanblock_new(&fo, d->s.fanblock_why, sizeof(d->s.fanblock_why));
		if (!d->s.fanblock)
			sg_log(LOG_WARNING, "file enforcement unavailable: %s", d->s.fanblock_why);
		if (d->lsm_probed) {
			struct lsmblock_opts lo = { .pin_dir = d->cfg.pin_dir,
						    .release_on_stop = d->cfg.release_on_stop,
						    .tel_open = kernel_hooked(d->kernel, KTEL_OPEN,
									      NULL) };

			r = lsmblock_open(&d->s.lsm, d->kernel, &lo, d->s.lsm_why,
					  sizeof(d->s.lsm_why));
			if (r < 0) {
				sg_log(LOG_WARNING, "BPF-LSM enforcement unavailable: %s",
				       d->s.lsm_why);
				policy_set_lsm(false, d->s.lsm_why);
			} else {
				sg_log(LOG_INFO, "BPF-LSM enforcement on exec, open, unlink, rename "
				       "and connect");
			}
		} else {
			sg_log(LOG_INFO, "BPF-LSM enforcement unavailable: %s", d->s.lsm_why);
		}
	} else {
		snprintf(d->s.fanblock_why, sizeof(d->s.fanblock_why),
			 "switched off in the configuration");
	}
	if (!d->s.lsm) {
		snprintf(err, sizeof(err), "BPF-LSM is unavailable: %s",
			 d->cfg.enforce ? d->s.lsm_why : "enforcement is switched off in the configuration");
		unhook(d, KTEL_OPEN, err);
	}
	if (!d->enforce) {
		snprintf(err, sizeof(err), "network enforcement is unavailable: %s", d->s.enforce_why);
		unhook(d, KTEL_CONNECT, err);
		unhook(d, KTEL_BIND, err);
	}
	for (int t = 0; t < KTEL_MAX; t++) {
		const struct kernel_tel_desc *td = kernel_tel_desc(t);
		const char *why;
		bool hooked = kernel_hooked(d->kernel, t, &why);

		if (hooked || why[0])
			sg_log(hooked ? LOG_INFO : LOG_WARNING, "%s from %s%s%s", td->what,
			       hooked ? td->source : "the syscall tracepoints", hooked ? "" : ": ",
			       why);
	}
	r = ctl_apply_policy(&d->s, policy, ppath);
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
	sg_log(LOG_INFO, "ready: writing events to '%s'", *d->output ? d->output : "nowhere");
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
	if (d->pipe)
		pipeline_drain(d->pipe);
	metrics_free(d->metrics); /* the last textfile, while the modules it reads live */
	fanblock_free(d->s.fanblock); /* file enforcement: the kernel allows what waits */
	d->s.fanblock = NULL;
	lsmblock_close(d->s.lsm, clean);
	d->s.lsm = NULL;
	enforce_close(d->enforce, clean);
	kernel_close(d->kernel);
	if (d->pipe)
		pipeline_flush(d->pipe);
	ctl_fini(&d->s);
	redact_free(d->redact);
	free(d->lost_seen);
	pipeline_free(d->pipe); /* and its sinks; the subscribers' sink before the control */
	control_free(d->ctl);
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
	if (check) {
		/* SYSGUARD_LSM_LIST: another list to read (tests: the same plans on every host) */
		const char *list = getenv("SYSGUARD_LSM_LIST");

		policy_set_lsm(lsm_probe(list ? list : SG_LSM_LIST, err, sizeof(err)), err);
		/* SYSGUARD_SELF_EXE: the binary to protect, for the same reason */
		policy_set_self_exe(getenv("SYSGUARD_SELF_EXE"));
		return policy_check_main(check, verbose > 0, stdout, stderr);
	}

	d.s.cfg = &d.cfg;
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

	d.s.start_ns = now_ns();
	if (!d.foreground && daemonize(&d) < 0) {
		fprintf(stderr, "sysguardd: cannot fork: %s\n", strerror(errno));
		return 1;
	}
	r = start(&d);
	report_ready(&d, r == 0);
	/* service: READY=1 once attached, policy loaded, socket listening (all in start()) */
	if (r == 0) {
		char status[256];

		snprintf(status, sizeof(status), "Watching; events to '%.200s'",
			 *d.output ? d.output : "nowhere");
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
