// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * sysguardctl status and version: the daemon's state as a readable summary
 * (raw JSON with --json), and the client, daemon and protocol versions.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include "sysguardctl.h"
#include "telemetry.h"

/* Handle -h/--help and reject anything else; returns -1 to go on, or an exit code. */
static int no_options(int argc, char **argv, const char *name, const char *summary)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int opt;

	while ((opt = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if (opt == 'h') {
			printf("usage: %s %s\n  %s\n", ctl_progname, name, summary);
			return EXIT_OK;
		}
		return EXIT_USAGE;
	}
	if (optind < argc)
		return ctl_usage_error("%s: unexpected argument '%s'", name, argv[optind]);
	return -1;
}

/* containers: how many, and each by name (image) */
static void print_containers(struct json_object *c)
{
	struct json_object *list = ctl_get(c, "containers");

	if (!json_object_get_boolean(ctl_get(c, "tracked"))) {
		printf("containers: not tracked: %s\n",
		       ctl_get_str(c, "reason") ? ctl_get_str(c, "reason") : "?");
		return;
	}
	printf("containers: %lld known", (long long)json_object_get_int64(ctl_get(c, "known")));
	for (size_t i = 0; list && i < json_object_array_length(list); i++) {
		struct json_object *o = json_object_array_get_idx(list, i);
		const char *name = ctl_get_str(o, "name");

		printf("%s %s (%s)", i ? "," : ":", name && *name ? name : ctl_get_str(o, "id"),
		       ctl_get_str(o, "image") ? ctl_get_str(o, "image") : "?");
	}
	printf("\n");
}

static void print_duration(uint64_t s)
{
	if (s >= 86400)
		printf("%llud ", (unsigned long long)(s / 86400));
	if (s >= 3600)
		printf("%lluh ", (unsigned long long)(s / 3600 % 24));
	if (s >= 60)
		printf("%llum ", (unsigned long long)(s / 60 % 60));
	printf("%llus", (unsigned long long)(s % 60));
}

/*
 * "name count  name count ..." for an object of counters (or of objects, from
 * which field is taken); "none" when all are zero.
 */
static void print_counts(const char *label, struct json_object *o, const char *field)
{
	bool any = false;

	printf("%-11s", label);
	if (o && json_object_is_type(o, json_type_object)) {
		json_object_object_foreach(o, key, v) {
			struct json_object *val = v;

			if (field && json_object_is_type(v, json_type_object))
				val = ctl_get(v, field);
			if (!val || json_object_get_int64(val) == 0)
				continue;
			printf("%s%s %lld", any ? "  " : "", key,
			       (long long)json_object_get_int64(val));
			any = true;
		}
	}
	printf("%s\n", any ? "" : "none");
}

/* programs: {"name": {"attached": bool, "error": "..."}} or [{"name", "attached", "error"}]. */
static void print_programs(struct ctl *ctl, struct json_object *p)
{
	struct json_object *names_ok = json_object_new_array();
	struct json_object *bad = json_object_new_array();

	if (p && json_object_is_type(p, json_type_object)) {
		json_object_object_foreach(p, key, val) {
			struct json_object *e = json_object_new_object();

			json_object_object_add(e, "name", json_object_new_string(key));
			json_object_object_add(e, "error", json_object_get(ctl_get(val, "error")));
			json_object_array_add(json_object_get_boolean(ctl_get(val, "attached")) ?
					      names_ok : bad, e);
		}
	} else if (p && json_object_is_type(p, json_type_array)) {
		for (size_t i = 0; i < json_object_array_length(p); i++) {
			struct json_object *v = json_object_array_get_idx(p, i);

			json_object_array_add(json_object_get_boolean(ctl_get(v, "attached")) ?
					      names_ok : bad, json_object_get(v));
		}
	}
	printf("%-11s%zu of %zu attached\n", "programs:", json_object_array_length(names_ok),
	       json_object_array_length(names_ok) + json_object_array_length(bad));
	for (size_t i = 0; i < json_object_array_length(bad); i++) {
		struct json_object *e = json_object_array_get_idx(bad, i);
		const char *why = ctl_get_str(e, "error");

		printf("%-11s%s%s%s: %s\n", "", ctl_color(ctl, "\033[33m"),
		       ctl_get_str(e, "name") ? ctl_get_str(e, "name") : "?",
		       ctl_color(ctl, "\033[0m"), why ? why : "unavailable");
	}
	json_object_put(names_ok);
	json_object_put(bad);
}

/* sinks: [{"name", "path", "written", "dropped", "queued", "failing", "last_error", ...}] */
static void print_sinks(struct ctl *ctl, struct json_object *sinks)
{
	for (size_t i = 0; i < json_object_array_length(sinks); i++) {
		struct json_object *o = json_object_array_get_idx(sinks, i);
		const char *name = ctl_get_str(o, "name"), *path = ctl_get_str(o, "path");
		const char *err = ctl_get_str(o, "last_error");
		long long dropped = (long long)json_object_get_int64(ctl_get(o, "dropped"));

		printf("%-11s%s%s%s: %lld written, %s%lld dropped%s", i ? "" : "sinks:",
		       name ? name : "?", path ? " " : "", path ? path : "",
		       (long long)json_object_get_int64(ctl_get(o, "written")),
		       dropped ? ctl_color(ctl, "\033[33m") : "", dropped,
		       dropped ? ctl_color(ctl, "\033[0m") : "");
		if (json_object_get_int64(ctl_get(o, "queued")))
			printf(", %lld queued", (long long)json_object_get_int64(ctl_get(o, "queued")));
		if (json_object_get_boolean(ctl_get(o, "failing")) && err)
			printf(" (failing: %s)", err);
		printf("\n");
	}
}

static void status_human(struct ctl *ctl, struct json_object *r)
{
	const char *v = ctl_get_str(r, "version");
	struct json_object *pol = ctl_get(r, "policy");

	printf("sysguardd %s", v ? v : "(unknown version)");
	if (ctl_get(r, "uptime_sec")) {
		printf(", up ");
		print_duration((uint64_t)json_object_get_int64(ctl_get(r, "uptime_sec")));
	}
	printf("\n");
	if (ctl_get(r, "programs"))
		print_programs(ctl, ctl_get(r, "programs"));
	if (ctl_get(r, "telemetry")) {
		/* the kinds a hook can report (telemetry.h): the backend that means it */
		char key[64];

		printf("%-11s", "telemetry:");
		for (int i = 0; i < KTEL_MAX; i++) {
			const struct kernel_tel_desc *t = kernel_tel_desc(i);
			const char *b;

			snprintf(key, sizeof(key), "telemetry.backends.%s", t->kind);
			b = ctl_get_str(r, key);
			printf("%s%s from %s", i ? ", " : "", t->what,
			       b && !strcmp(b, t->backend) ? t->source :
			       b && !strcmp(b, "trampoline") ? "trampolines" : "syscall tracepoints");
		}
		printf("; %lld syscall tracepoints, %lld trampolines, %lld LSM hooks attached "
		       "(%lld programs of the other backend not loaded)",
		       (long long)json_object_get_int64(ctl_get(r, "telemetry.syscall_tracepoints")),
		       (long long)json_object_get_int64(ctl_get(r, "telemetry.trampolines")),
		       (long long)json_object_get_int64(ctl_get(r, "telemetry.lsm_hooks")),
		       (long long)json_object_get_int64(ctl_get(r, "telemetry.twins_not_loaded")));
		if (ctl_get_str(r, "telemetry.syscalls_reason"))
			printf(" (no trampolines: %s)", ctl_get_str(r, "telemetry.syscalls_reason"));
		for (int i = 0; i < KTEL_MAX; i++) {
			const struct kernel_tel_desc *t = kernel_tel_desc(i);
			const char *why;

			snprintf(key, sizeof(key), "telemetry.%s_reason", t->kind);
			why = ctl_get_str(r, key);
			if (why)
				printf(" (%s asked for %s: %s)", t->backend, t->what, why);
			snprintf(key, sizeof(key), "telemetry.%s_loses", t->kind);
			why = ctl_get_str(r, key);
			if (why)
				printf(" (%s from %s lose %s)", t->what, t->backend, why);
		}
		printf("\n");
	}
	if (ctl_get(r, "events")) {
		print_counts("events:", ctl_get(r, "events"), "emitted");
		print_counts("filtered:", ctl_get(r, "events"), "filtered_in_kernel");
	}
	if (ctl_get(r, "drops"))
		print_counts("drops:", ctl_get(r, "drops"), NULL);
	if (ctl_get(r, "alerts") || ctl_get(r, "blocks"))
		printf("%-11s%lld alerts, %lld blocks\n", "verdicts:",
		       (long long)json_object_get_int64(ctl_get(r, "alerts")),
		       (long long)json_object_get_int64(ctl_get(r, "blocks")));
	if (pol) {
		const char *src = ctl_get_str(pol, "source");
		const char *kf = ctl_get_str(pol, "kernel_filter");
		struct json_object *rules = ctl_get(pol, "rules");

		printf("%-11s%s, %d rules\n", "policy:", src ? src : "(none)",
		       json_object_is_type(rules, json_type_array) ?
		       (int)json_object_array_length(rules) : json_object_get_int(rules));
		if (kf && *kf)
			printf("%-11s%s\n", "in kernel:", kf);
		if (ctl_get(pol, "correlation"))
			printf("%-11s%lld rules, %lld groups, %lld held, %lld evictions\n",
			       "correlate:",
			       (long long)json_object_get_int64(ctl_get(pol, "correlation.rules")),
			       (long long)json_object_get_int64(ctl_get(pol, "correlation.groups")),
			       (long long)json_object_get_int64(ctl_get(pol, "correlation.fired")),
			       (long long)json_object_get_int64(ctl_get(pol, "correlation.evictions")));
	}
	if (ctl_get(r, "enforcement")) {
		if (json_object_get_boolean(ctl_get(r, "enforcement.available")))
			printf("%-11s%lld block rules on %s\n", "enforcing:",
			       (long long)json_object_get_int64(ctl_get(r, "enforcement.rules")),
			       ctl_get_str(r, "enforcement.cgroup") ?
			       ctl_get_str(r, "enforcement.cgroup") : "?");
		else
			printf("%-11sunavailable: %s\n", "enforcing:",
			       ctl_get_str(r, "enforcement.reason") ?
			       ctl_get_str(r, "enforcement.reason") : "?");
		if (json_object_get_boolean(ctl_get(r, "enforcement.files.available")))
			printf("%-11sfanotify on %lld filesystems: %lld denied, %lld allowed, "
			       "%lld allowed late\n", "files:",
			       (long long)json_object_get_int64(ctl_get(r, "enforcement.files.filesystems")),
			       (long long)json_object_get_int64(ctl_get(r, "enforcement.files.denied")),
			       (long long)json_object_get_int64(ctl_get(r, "enforcement.files.allowed")),
			       (long long)json_object_get_int64(ctl_get(r, "enforcement.files.late")));
		else if (ctl_get(r, "enforcement.files"))
			printf("%-11sunavailable: %s\n", "files:",
			       ctl_get_str(r, "enforcement.files.reason") ?
			       ctl_get_str(r, "enforcement.files.reason") : "?");
		if (ctl_get(r, "enforcement.lsm.mechanism"))
			printf("%-11s%lld rules (%lld entries) on %zu hooks: %lld denied\n", "bpf-lsm:",
			       (long long)json_object_get_int64(ctl_get(r, "enforcement.lsm.rules")),
			       (long long)json_object_get_int64(ctl_get(r, "enforcement.lsm.entries")),
			       json_object_is_type(ctl_get(r, "enforcement.lsm.hooks"), json_type_array) ?
			       json_object_array_length(ctl_get(r, "enforcement.lsm.hooks")) : 0,
			       (long long)json_object_get_int64(ctl_get(r, "enforcement.lsm.denied")));
		else if (ctl_get(r, "enforcement.lsm"))
			printf("%-11sunavailable: %s\n", "bpf-lsm:",
			       ctl_get_str(r, "enforcement.lsm.reason") ?
			       ctl_get_str(r, "enforcement.lsm.reason") : "?");
		ctl_print_block_rules(ctl_get(r, "enforcement.block_rules"));
	}
	if (ctl_get(r, "processes"))
		printf("%-11s%lld tracked\n", "processes:",
		       (long long)json_object_get_int64(ctl_get(r, "processes.tracked")));
	if (ctl_get(r, "containers"))
		print_containers(ctl_get(r, "containers"));
	if (json_object_is_type(ctl_get(r, "sinks"), json_type_array))
		print_sinks(ctl, ctl_get(r, "sinks"));
	printf("%-11s%d (%d subscribed)", "clients:",
	       json_object_get_int(ctl_get(r, "control.clients")),
	       json_object_get_int(ctl_get(r, "control.subscribers")));
	if (json_object_get_int64(ctl_get(r, "control.missed")))
		printf(", %lld events missed by slow subscribers",
		       (long long)json_object_get_int64(ctl_get(r, "control.missed")));
	printf("\n");
}

int cmd_status(struct ctl *ctl, int argc, char **argv)
{
	int r = no_options(argc, argv, "status", "show the daemon's state and counters");

	if (r >= 0)
		return r;
	return ctl_simple(ctl, "status", NULL, status_human);
}

int cmd_version(struct ctl *ctl, int argc, char **argv)
{
	struct json_object *args;
	struct proto_line l;
	int r = no_options(argc, argv, "version", "show the client, daemon and protocol versions");

	if (r >= 0)
		return r;
	if (!ctl->json)
		printf("sysguardctl %s (protocol %d)\n", SG_VERSION, PROTO_VERSION);
	args = json_object_new_object();
	json_object_object_add(args, "client", json_object_new_string("sysguardctl " SG_VERSION));
	r = ctl_call(ctl, "hello", args, &l);
	if (r)
		return r;
	if (!l.ok) {
		r = ctl_report_error(ctl, &l);
	} else if (ctl->json) {
		struct json_object *o = json_object_new_object();

		json_object_object_add(o, "client", json_object_new_string(SG_VERSION));
		json_object_object_add(o, "client_protocol", json_object_new_int(PROTO_VERSION));
		json_object_object_add(o, "daemon", json_object_get(l.result));
		ctl_print_json(o, false);
		json_object_put(o);
	} else {
		printf("sysguardd %s (protocol %d)\n",
		       ctl_get_str(l.result, "version") ? ctl_get_str(l.result, "version") : "?",
		       json_object_get_int(ctl_get(l.result, "protocol")));
	}
	proto_line_clear(&l);
	return r;
}
