// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * sysguardctl tail: subscribe with server-side filters and stream events until
 * interrupted.  One human-readable line per event on a terminal (alerts and
 * blocks in colour), NDJSON with --json or when stdout is not a terminal
 * (flushed per event).  Missed-event notices go to stderr.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "sysguardctl.h"

static volatile sig_atomic_t interrupted;

static void on_signal(int sig)
{
	interrupted = 1;
}

static void tail_help(void)
{
	printf("usage: %s tail [--type TYPE] [--action ACTION] [--pid PID] [--comm NAME] "
	       "[--exe PATH] [--exact] [--rule ID] [--container NAME|ID] [--count N]\n"
	       "  stream events until interrupted; options may be repeated, lists may be\n"
	       "  comma-separated (--type exec,connect); markers always pass the filters\n"
	       "  -t, --type TYPE      exec fork exit open rename unlink chmod connect bind listen\n"
	       "                       ptrace setuid mount module bpf io_uring\n"
	       "                       mark drop block_change policy container\n"
	       "  -a, --action ACTION  log alert block\n"
	       "  -p, --pid PID        events of this process\n"
	       "  -c, --comm NAME      process name contains NAME\n"
	       "  -e, --exe PATH       executable path contains PATH\n"
	       "  -x, --exact          --comm and --exe must match exactly\n"
	       "  -r, --rule ID        events matched by this policy rule\n"
	       "  -C, --container NAME|ID  events of this container (its name or a prefix of\n"
	       "                       its id; 'host' for processes outside containers)\n"
	       "  -n, --count N        exit after N events\n",
	       ctl_progname);
}

/* Append each comma-separated item of s to the array under key (created on first use). */
static int add_list(struct json_object *args, const char *key, const char *s, bool numeric)
{
	struct json_object *a = json_object_object_get(args, key);
	char *copy = strdup(s), *save = NULL, *tok;
	int r = 0;

	if (!copy)
		return -ENOMEM;
	if (!a) {
		a = json_object_new_array();
		json_object_object_add(args, key, a);
	}
	for (tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		if (numeric) {
			uint64_t v;

			if (ctl_parse_uint(tok, INT32_MAX, &v) < 0 || v == 0) {
				r = -EINVAL;
				break;
			}
			json_object_array_add(a, json_object_new_int64((int64_t)v));
		} else {
			json_object_array_add(a, json_object_new_string(tok));
		}
	}
	free(copy);
	return r;
}

static const char *str_or(struct json_object *o, const char *path, const char *def)
{
	const char *s = ctl_get_str(o, path);

	return s ? s : def;
}

/* The part of an event that says what it was about. */
static void print_target(struct json_object *ev, const char *type)
{
	struct json_object *v;

	if ((v = ctl_get(ev, "exec.argv")) && json_object_is_type(v, json_type_array) &&
	    json_object_array_length(v) > 0) {
		for (size_t i = 0; i < json_object_array_length(v); i++)
			printf("%s%s", i ? " " : "",
			       json_object_get_string(json_object_array_get_idx(v, i)));
		if (json_object_get_boolean(ctl_get(ev, "exec.argv_truncated")))
			printf(" ...");
	} else if (ctl_get_str(ev, "exec.filename")) {
		printf("%s", ctl_get_str(ev, "exec.filename"));
	} else if (ctl_get_str(ev, "file.path")) {
		printf("%s", ctl_get_str(ev, "file.path"));
		if (ctl_get_str(ev, "file.new_path"))
			printf(" -> %s", ctl_get_str(ev, "file.new_path"));
	} else if (ctl_get(ev, "net")) {
		const char *addr = ctl_get_str(ev, "net.addr");
		const char *proto = ctl_get_str(ev, "net.proto");

		if (ctl_get_str(ev, "net.unix_path"))
			printf("unix:%s", ctl_get_str(ev, "net.unix_path"));
		else if (addr && strchr(addr, ':'))
			printf("[%s]:%d", addr, json_object_get_int(ctl_get(ev, "net.port")));
		else
			printf("%s:%d", addr ? addr : "?",
			       json_object_get_int(ctl_get(ev, "net.port")));
		if (proto)
			printf(" %s", proto);
	} else if (ctl_get(ev, "fork.child_pid")) {
		printf("child %d", json_object_get_int(ctl_get(ev, "fork.child_pid")));
	} else if (ctl_get(ev, "exit")) {
		printf("code %d", json_object_get_int(ctl_get(ev, "exit.code")));
		if (ctl_get(ev, "exit.signal") && !json_object_is_type(ctl_get(ev, "exit.signal"),
								      json_type_null))
			printf(" signal %s", json_object_get_string(ctl_get(ev, "exit.signal")));
	} else if (strcmp(type, "mark") == 0) {
		printf("\"%s\"", str_or(ev, "mark.text", ""));
	} else if (ctl_get(ev, "drop")) {
		printf("%lld lost (%s)",
		       (long long)json_object_get_int64(ctl_get(ev, "drop.total")),
		       str_or(ev, "drop.where", "?"));
	} else if (ctl_get(ev, "block_change")) {
		printf("%s %s", str_or(ev, "block_change.op", "?"),
		       str_or(ev, "block_change.rule", "?"));
	} else if (ctl_get(ev, "lifecycle")) {
		const char *n = ctl_get_str(ev, "container.name");

		printf("%s %s (%s)", str_or(ev, "lifecycle.op", "?"),
		       n && *n ? n : str_or(ev, "container.id", "?"), str_or(ev, "container.image", "?"));
	} else if ((v = ctl_get(ev, "policy")) && json_object_is_type(v, json_type_object)) {
		printf("%s, %d rules", str_or(ev, "policy.source", "?"),
		       json_object_get_int(ctl_get(ev, "policy.rules")));
	}
}

/* Local HH:MM:SS.mmm out of 2026-01-02T03:04:05.123456789Z; the input as is otherwise. */
static void local_time(const char *iso, char *buf, size_t size)
{
	struct tm tm = { 0 };
	const char *rest = strptime(iso, "%Y-%m-%dT%H:%M:%S", &tm);
	time_t t;

	if (!rest || *rest != '.' || strlen(rest) < 4) {
		snprintf(buf, size, "%s", iso);
		return;
	}
	t = timegm(&tm);
	if (!localtime_r(&t, &tm) || strftime(buf, size, "%H:%M:%S", &tm) == 0) {
		snprintf(buf, size, "%s", iso);
		return;
	}
	snprintf(buf + strlen(buf), size - strlen(buf), "%.4s", rest);
}

static void print_human(struct ctl *ctl, struct json_object *ev)
{
	const char *time = str_or(ev, "time", "");
	const char *type = str_or(ev, "type", "?");
	const char *action = str_or(ev, "action", "log");
	const char *rule = ctl_get_str(ev, "rule");
	const char *on = "", *off = ctl_color(ctl, "\033[0m");
	char when[32];

	if (strcmp(action, "block") == 0)
		on = ctl_color(ctl, "\033[1;31m");
	else if (strcmp(action, "alert") == 0)
		on = ctl_color(ctl, "\033[1;33m");
	else if (strcmp(type, "mark") == 0)
		on = ctl_color(ctl, "\033[36m");
	else
		off = "";
	local_time(time, when, sizeof(when));
	printf("%s %s%-5s %-7s%s ", when, on, action, type, off);
	if (ctl_get(ev, "proc")) {
		const char *ctr = ctl_get_str(ev, "container.name");

		if (!ctr || !*ctr)
			ctr = ctl_get_str(ev, "container.id");
		printf("%s(%d)", str_or(ev, "proc.comm", "?"),
		       json_object_get_int(ctl_get(ev, "proc.pid")));
		if (ctr)
			printf("@%.24s", ctr);
		else if (json_object_get_boolean(ctl_get(ev, "container.pending")))
			printf("@(container)");
		printf(" ");
	}
	print_target(ev, type);
	if (rule) {
		struct json_object *m = ctl_get(ev, "matches");
		size_t n = m && json_object_is_type(m, json_type_array) ?
			   json_object_array_length(m) : 0;
		const char *sep = " +";

		printf(" [%s", rule);
		/* the other rules that alert or block on it too; a count of the rest */
		for (size_t i = 0; i < n; i++) {
			struct json_object *e = json_object_array_get_idx(m, i);
			const char *a = str_or(e, "action", "log");

			if (strcmp(a, "log") != 0) {
				printf("%s%s", sep, str_or(e, "rule", "?"));
				sep = ",";
			}
		}
		n += (size_t)json_object_get_int(ctl_get(ev, "matches_more"));
		printf("]");
		if (n)
			printf(" (%zu other rule%s)", n, n == 1 ? "" : "s");
	}
	if (ctl_get(ev, "correlation")) {
		/* the correlation that held: how many in which window, for whom */
		struct json_object *k = ctl_get(ev, "correlation");
		const char *kind = str_or(k, "kind", "count");

		printf(" {%s: %d %s in %gs, %s}", str_or(k, "rule", "?"),
		       json_object_get_int(ctl_get(k, "count")),
		       !strcmp(kind, "sequence") ? "steps" : !strcmp(kind, "distinct") ? "values" :
		       "events", json_object_get_int64(ctl_get(k, "window_ms")) / 1000.0,
		       str_or(k, "group", "?"));
	}
	printf("\n");
}

int cmd_tail(struct ctl *ctl, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "type", required_argument, NULL, 't' },
		{ "action", required_argument, NULL, 'a' },
		{ "pid", required_argument, NULL, 'p' },
		{ "comm", required_argument, NULL, 'c' },
		{ "exe", required_argument, NULL, 'e' },
		{ "exact", no_argument, NULL, 'x' },
		{ "rule", required_argument, NULL, 'r' },
		{ "container", required_argument, NULL, 'C' },
		{ "count", required_argument, NULL, 'n' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct json_object *args = json_object_new_object();
	const char *comm = NULL, *exe = NULL;
	bool exact = false, ndjson;
	uint64_t count = 0, seen = 0;
	struct sigaction sa = { .sa_handler = on_signal };
	struct proto_line l;
	int opt, r;

	while ((opt = getopt_long(argc, argv, "t:a:p:c:e:xr:C:n:h", opts, NULL)) != -1) {
		switch (opt) {
		case 't':
			add_list(args, "type", optarg, false);
			break;
		case 'a':
			add_list(args, "action", optarg, false);
			break;
		case 'p':
			if (add_list(args, "pid", optarg, true) < 0) {
				json_object_put(args);
				return ctl_usage_error("tail: bad pid '%s'", optarg);
			}
			break;
		case 'c':
			comm = optarg;
			break;
		case 'e':
			exe = optarg;
			break;
		case 'x':
			exact = true;
			break;
		case 'r':
			add_list(args, "rule", optarg, false);
			break;
		case 'C':
			add_list(args, "container", optarg, false);
			break;
		case 'n':
			if (ctl_parse_uint(optarg, UINT64_MAX, &count) < 0 || count == 0) {
				json_object_put(args);
				return ctl_usage_error("tail: bad count '%s'", optarg);
			}
			break;
		case 'h':
			json_object_put(args);
			tail_help();
			return EXIT_OK;
		default:
			json_object_put(args);
			return EXIT_USAGE;
		}
	}
	if (optind < argc) {
		json_object_put(args);
		return ctl_usage_error("tail: unexpected argument '%s'", argv[optind]);
	}
	if (comm)
		json_object_object_add(args, exact ? "comm_exact" : "comm",
				       json_object_new_string(comm));
	if (exe)
		json_object_object_add(args, exact ? "exe_exact" : "exe",
				       json_object_new_string(exe));

	r = ctl_call(ctl, "subscribe", args, &l);
	if (r)
		return r;
	if (!l.ok) {
		r = ctl_report_error(ctl, &l);
		proto_line_clear(&l);
		return r;
	}
	proto_line_clear(&l);

	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	ndjson = ctl->json || !isatty(STDOUT_FILENO);
	while (!interrupted) {
		r = ctl_read_line(ctl, -1, &l);
		if (r == -EINTR)
			continue;
		if (r == -EBADMSG) {
			fprintf(stderr, "%s: tail: ignoring a malformed line\n", ctl_progname);
			continue;
		}
		if (r < 0) {
			fprintf(stderr, "%s: tail: %s\n", ctl_progname,
				r == -EPIPE ? "the daemon closed the connection" : strerror(-r));
			return EXIT_FAILED;
		}
		if (l.kind == PROTO_LINE_MISSED) {
			fprintf(stderr, "%s: missed %llu events (reading too slowly)\n",
				ctl_progname, (unsigned long long)l.missed);
		} else if (l.kind == PROTO_LINE_EVENT) {
			if (ndjson)
				ctl_print_json(l.event, false);
			else
				print_human(ctl, l.event);
			if (fflush(stdout) != 0) {
				proto_line_clear(&l);
				return errno == EPIPE ? EXIT_OK : EXIT_FAILED;
			}
			seen++;
		} else if (!l.ok) {
			/* e.g. the daemon is shutting down */
			r = ctl_report_error(ctl, &l);
			proto_line_clear(&l);
			return r;
		}
		proto_line_clear(&l);
		if (count && seen >= count)
			break;
	}
	return EXIT_OK;
}
