// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * sysguardd: options, and start-up in dependency order, one function per
 * subsystem: the core (event loop, process table, pipeline, verdict) ->
 * policy (parsed and checked before anything is attached) -> control socket
 * (before BPF: a second daemon is refused before it loads anything) ->
 * metrics -> outputs -> containers -> kernel (mount, load, attach) ->
 * enforcement -> the policy put in force -> process table seeded from /proc
 * -> the loop (daemon.c).  Modules are torn down in the reverse order.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <event2/event.h>
#include "commands.h"
#include "config.h"
#include "container.h"
#include "control.h"
#include "daemon.h"
#include "journal.h"
#include "kernel.h"
#include "log.h"
#include "lsm.h"
#include "metrics.h"
#include "pipeline.h"
#include "policy.h"
#include "proctable.h"
#include "redact.h"
#include "sg_limits.h"
#include "service.h"
#include "sink.h"
#include "verdict.h"

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

/* The event loop, the process table, the pipeline and its judge. */
static int start_core(struct daemon *d)
{
	d->base = event_base_new();
	if (!d->base) {
		sg_log(LOG_ERR, "cannot create the event loop");
		return -ENOMEM;
	}
	signal(SIGPIPE, SIG_IGN); /* a client gone mid-write is an EPIPE, not a signal */
	d->pt = proctable_new(d->cfg.proctable_max);
	d->pipe = d->pt ? pipeline_new(d->pt, NULL) : NULL;
	d->verdict = d->pipe ? verdict_new(&(struct verdict_opts){ .cfg = &d->cfg, .pipe = d->pipe,
								   .pt = d->pt }) : NULL;
	if (!d->verdict) {
		sg_log(LOG_ERR, "out of memory");
		return -ENOMEM;
	}
	return 0;
}

static int start_control(struct daemon *d)
{
	struct control_options co = {
		.path = d->cfg.socket,
		.admin_group = d->cfg.admin_group[0] ? d->cfg.admin_group : NULL,
		.idle_sec = d->cfg.ctl_idle_sec,
		.read_own = d->cfg.ctl_read_own,
		.version = SG_VERSION,
		.log = sg_log,
	};

	if (!d->cfg.socket[0])
		return 0;
	d->ctl = control_new(d->base, &co, commands_dispatch, d);
	if (d->ctl)
		return 0;
	sg_log(LOG_ERR, "cannot open the control socket '%s'", d->cfg.socket);
	return errno ? -errno : -EIO;
}

/* The metrics endpoints, when configured; after the pipeline, before anything is emitted. */
static int start_metrics(struct daemon *d)
{
	const struct metrics_sources src = {
		.pipe = &d->pipe, .kernel = &d->kernel, .policy = verdict_policy_ref(d->verdict),
		.ctl = &d->ctl, .enforce = verdict_enforce_ref(d->verdict), .pt = &d->pt,
		.version = SG_VERSION,
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

/* Redaction, then every sink: the NDJSON output, the journal, the subscribers. */
static int start_outputs(struct daemon *d)
{
	const char *out = d->cfg.output;
	int r;

	/* argv redaction in every output: the configured rules, else the built-in */
	d->redact = redact_configured(d->cfg.redact_argv_n, d->cfg.redact_argv);
	if (!d->redact) {
		sg_log(LOG_ERR, "cannot set up the argv redaction rules: %m");
		return -errno;
	}
	redact_set_active(d->redact);
	/* service: under systemd stdout is the journal, so events go to the file */
	if (!*out)
		out = d->foreground && !log_fd_is_journal(STDOUT_FILENO) ? "-" : SG_OUTPUT_DEFAULT;
	if (strcmp(out, "-") != 0 || d->foreground) {
		r = pipeline_take_sink(d->pipe, sink_ndjson_new(out, 0), out);
		if (r < 0)
			return r;
		snprintf(d->output, sizeof(d->output), "%s", out);
	}
	/* service: selected events to the journal when running under systemd */
	if ((service_managed() || log_fd_is_journal(STDERR_FILENO)) &&
	    (d->cfg.journal_actions || d->cfg.journal_drops)) {
		struct journal_opts jo = { .actions = d->cfg.journal_actions,
					   .drops = d->cfg.journal_drops };

		r = pipeline_take_sink(d->pipe, journal_sink_new(&jo), "journal");
		if (r < 0)
			return r;
	}
	return d->ctl ? pipeline_take_sink(d->pipe, control_sink_new(d->ctl), "subscribers") : 0;
}

/* Which container each event comes from: looked up off the event path, held for it. */
static int start_containers(struct daemon *d)
{
	const char *sock = d->cfg.ctr_podman_socket;
	struct container_opts co = {
		.cgroup_root = *d->cfg.ctr_cgroup_root ? d->cfg.ctr_cgroup_root : NULL,
		.state_root = *d->cfg.ctr_state_root ? d->cfg.ctr_state_root
			      : *d->cfg.host_root ? d->cfg.host_root : NULL,
		.podman_socket = !*sock ? NULL : !strcmp(sock, "none") ? "" : sock,
		.on_resolved = pipeline_container_resolved,
		.ctx = d->pipe,
	};

	snprintf(d->ctr_why, sizeof(d->ctr_why), "switched off in the configuration");
	if (!d->cfg.ctr_enable)
		return 0;
	d->ctr = container_new(d->base, &co);
	if (!d->ctr) { /* monitoring goes on; events say nothing of containers */
		snprintf(d->ctr_why, sizeof(d->ctr_why), "%s", strerror(errno));
		sg_log(LOG_WARNING, "containers are not tracked: %s", d->ctr_why);
		return 0;
	}
	pipeline_set_containers(d->pipe, d->ctr, d->cfg.ctr_hold_ms, SG_HOLD_BYTES);
	verdict_set_containers(d->verdict, d->ctr);
	return container_scan(d->ctr);
}

/*
 * The tracing programs.  Kinds asked from a hook (telemetry) leave their
 * syscall tracepoints detached; a kind whose hook lives in an enforcement
 * object goes back to them in start_enforcement() if that object does not
 * come up.
 */
static int start_kernel(struct daemon *d)
{
	struct kernel_opts ko = {
		.ring_bytes = d->cfg.ring_bytes,
		.wakeup_bytes = d->cfg.wakeup_bytes,
		.sample = pipeline_record,
		.ctx = d->pipe,
	};
	char err[512];
	int r;

	memcpy(ko.family, d->cfg.family, sizeof(ko.family));
	memcpy(ko.hooked, d->cfg.tel_hooked, sizeof(ko.hooked));
	ko.syscalls = d->cfg.tel_syscalls;
	r = kernel_open(&d->kernel, &ko, err, sizeof(err));
	if (r < 0) {
		sg_log(LOG_ERR, "%s", err);
		return r;
	}
	pipeline_set_kernel(d->pipe, d->kernel);
	return 0;
}

/* The enforcers, and the telemetry kinds whose hook came with them (or did not). */
static int start_enforcement(struct daemon *d)
{
	const char *why;
	char err[512];
	int r = verdict_enforce_start(d->verdict, d->kernel);

	if (r < 0)
		return r;
	if (!verdict_lsm(d->verdict, &why)) {
		snprintf(err, sizeof(err), "BPF-LSM is unavailable: %s", why);
		kernel_unhook(d->kernel, KTEL_OPEN, err);
	}
	if (!verdict_enforce(d->verdict, &why)) {
		snprintf(err, sizeof(err), "network enforcement is unavailable: %s", why);
		kernel_unhook(d->kernel, KTEL_CONNECT, err);
		kernel_unhook(d->kernel, KTEL_BIND, err);
	}
	kernel_report_telemetry(d->kernel);
	return 0;
}

static int start(struct daemon *d)
{
	struct policy *policy = NULL;
	const char *src;
	int r;

	if ((r = start_core(d)) < 0 ||
	    (r = verdict_parse_configured(d->verdict, &policy, &src)) < 0 ||
	    (r = start_control(d)) < 0 || (r = start_metrics(d)) < 0 ||
	    (r = start_outputs(d)) < 0 || (r = start_containers(d)) < 0 ||
	    (r = start_kernel(d)) < 0 ||
	    (r = start_enforcement(d)) < 0 || (r = verdict_apply(d->verdict, policy, src)) < 0) {
		policy_free(policy);
		return r;
	}
	/* after attaching, so that nothing started in between is missed */
	r = proctable_seed(d->pt, "/proc");
	if (r < 0)
		sg_log(LOG_WARNING, "cannot read /proc: %s", strerror(-r));
	r = daemon_loop_init(d);
	if (r == 0)
		r = service_init(d->base); /* service: the watchdog timer */
	if (r < 0)
		return r;
	kernel_report(d->kernel, proctable_count(d->pt));
	sg_log(LOG_INFO, "ready: writing events to '%s'", *d->output ? d->output : "nowhere");
	return 0;
}

static void stop(struct daemon *d, bool clean)
{
	daemon_loop_fini(d); /* the ring read a last time, a last drop report */
	service_fini();
	if (d->pipe)
		pipeline_drain(d->pipe);
	metrics_free(d->metrics); /* the last textfile, while the modules it reads live */
	verdict_free(d->verdict, clean); /* the enforcers, then the policy */
	kernel_close(d->kernel);
	if (d->pipe) {
		pipeline_drain(d->pipe); /* records still waiting for their container */
		pipeline_set_containers(d->pipe, NULL, 0, 0);
	}
	container_free(d->ctr);
	redact_free(d->redact);
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
	struct daemon d = { .config_path = SG_CONFIG_DEFAULT };
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
	if (families && config_set_families(&d.cfg, families) < 0) {
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

	d.start_ns = daemon_now_ns();
	if (!d.foreground && service_daemonize() < 0) {
		fprintf(stderr, "sysguardd: cannot fork: %s\n", strerror(errno));
		return 1;
	}
	r = start(&d);
	service_started(r == 0);
	/* service: READY=1 once attached, policy loaded, socket listening (all in start()) */
	if (r == 0) {
		char status[256];

		snprintf(status, sizeof(status), "Watching; events to '%.200s'",
			 *d.output ? d.output : "nowhere");
		service_ready(status);
	} else {
		service_failed(-r, "Start-up failed: %s", strerror(-r));
	}
	if (r == 0)
		daemon_loop_run(&d);
	stop(&d, r == 0);
	return r == 0 ? 0 : 1;
}
