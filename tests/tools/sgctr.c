// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * sgctr: which container a process is in, through the daemon's own container
 * module (sysguardd/container*.c), the way sysguardd resolves it: the cgroup
 * v2 id of the pid (what BPF reports), container_lookup(), the libevent loop
 * run until the resolver announces the id (and podman's API's answer, which
 * comes later, is in).  One JSON line per pid; with --list, the containers
 * known afterwards.  For the system tests.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <event2/event.h>
#include "container.h"
#include "jsonw.h"

struct wait {
	struct event_base *base;
	uint64_t id;
	bool done;
};

static void on_resolved(void *ctx, uint64_t cgroup_id)
{
	struct wait *w = ctx;

	if (cgroup_id == w->id) {
		w->done = true;
		event_base_loopbreak(w->base);
	}
}

static void any_pending(const struct ctr_info *ci, size_t ncgroups, void *arg)
{
	if (ci->labels_pending)
		*(bool *)arg = true;
}

/* Run the loop until no container waits for podman's API (timeout_ms at most). */
static void wait_labels(struct event_base *base, struct container *c,
			unsigned long long timeout_ms)
{
	for (unsigned long long waited = 0; waited < timeout_ms; waited += 20) {
		struct timeval tick = { 0, 20000 };
		bool pending = false;

		container_foreach(c, any_pending, &pending);
		if (!pending)
			return;
		event_base_loopexit(base, &tick);
		event_base_dispatch(base);
	}
}

static void usage(FILE *f)
{
	fprintf(f, "usage: sgctr [--state-root DIR] [--podman-socket PATH] [--cgroup-root DIR]\n"
		   "             [--max-entries N] [--timeout MS] [--walk] [--scan] [--list] PID...\n");
}

static void write_info(struct jsonw *w, const struct ctr_info *ci)
{
	jw_obj_open(w);
	jw_key(w, "runtime");
	jw_name(w, cgpath_runtime_name(ci->runtime));
	jw_key(w, "id");
	jw_str(w, ci->id);
	jw_key(w, "name");
	jw_str(w, ci->name);
	jw_key(w, "image");
	jw_str(w, ci->image);
	jw_key(w, "image_id");
	jw_str(w, ci->image_id);
	jw_key(w, "privileged");
	if (ci->privileged < 0)
		jw_null(w);
	else
		jw_bool(w, ci->privileged);
	jw_key(w, "started_at");
	jw_uint(w, ci->started_ns);
	jw_key(w, "pod");
	jw_str(w, ci->pod);
	jw_key(w, "pod_namespace");
	jw_str(w, ci->pod_namespace);
	jw_key(w, "pod_uid");
	jw_str(w, ci->pod_uid);
	jw_key(w, "k8s_container");
	jw_str(w, ci->k8s_container);
	jw_key(w, "labels_known");
	jw_bool(w, ci->labels_known);
	jw_key(w, "labels_why");
	if (ci->labels_why)
		jw_str(w, ci->labels_why);
	else
		jw_null(w);
	jw_key(w, "labels");
	jw_obj_open(w);
	for (unsigned int i = 0; i < ci->nlabels; i++) {
		jw_key_str(w, ci->labels[i].key);
		jw_str(w, ci->labels[i].value);
	}
	jw_obj_close(w);
	jw_key(w, "labels_dropped");
	jw_uint(w, ci->labels_dropped);
	jw_key(w, "truncated");
	jw_bool(w, ci->truncated);
	jw_obj_close(w);
}

static void print(struct jsonw *w)
{
	if (jw_finish(w) < 0) {
		printf("{\"error\":\"output too long\"}\n");
		return;
	}
	printf("%s\n", w->buf);
}

static void list_one(const struct ctr_info *ci, size_t ncgroups, void *arg)
{
	static char buf[1 << 16];
	struct jsonw w;

	jw_init(&w, buf, sizeof(buf));
	jw_obj_open(&w);
	jw_key(&w, "cgroups");
	jw_uint(&w, ncgroups);
	jw_key(&w, "container");
	write_info(&w, ci);
	jw_obj_close(&w);
	print(&w);
}

static const char *state_name(enum container_state s)
{
	switch (s) {
	case CONTAINER_PENDING:
		return "pending";
	case CONTAINER_HOST:
		return "host";
	case CONTAINER_IN:
		return "container";
	default:
		return "unknown";
	}
}

static bool parse_num(const char *s, unsigned long long max, unsigned long long *ret)
{
	char *end;

	errno = 0;
	*ret = strtoull(s, &end, 10);
	return !errno && end != s && !*end && *ret <= max;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "state-root", required_argument, NULL, 'r' },
		{ "podman-socket", required_argument, NULL, 's' },
		{ "cgroup-root", required_argument, NULL, 'c' },
		{ "max-entries", required_argument, NULL, 'm' },
		{ "timeout", required_argument, NULL, 't' },
		{ "walk", no_argument, NULL, 'w' },
		{ "scan", no_argument, NULL, 'S' },
		{ "list", no_argument, NULL, 'l' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct container_opts o = { 0 };
	unsigned long long timeout_ms = 10000, v;
	bool do_scan = false, do_list = false;
	static char buf[1 << 16];
	struct event_base *base;
	struct container *c;
	struct wait wt = { 0 };
	int opt, rc = 0;

	while ((opt = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (opt) {
		case 'r':
			o.state_root = optarg;
			break;
		case 's':
			o.podman_socket = optarg;
			break;
		case 'c':
			o.cgroup_root = optarg;
			break;
		case 'm':
			if (!parse_num(optarg, 1 << 24, &v) || !v) {
				fprintf(stderr, "sgctr: bad --max-entries '%s'\n", optarg);
				return 2;
			}
			o.max_entries = v;
			break;
		case 't':
			if (!parse_num(optarg, 600000, &timeout_ms)) {
				fprintf(stderr, "sgctr: bad --timeout '%s'\n", optarg);
				return 2;
			}
			break;
		case 'w':
			o.no_handles = true;
			break;
		case 'S':
			do_scan = true;
			break;
		case 'l':
			do_list = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind == argc && !do_scan && !do_list) {
		usage(stderr);
		return 2;
	}
	base = event_base_new();
	if (!base) {
		fprintf(stderr, "sgctr: event_base_new failed\n");
		return 1;
	}
	wt.base = base;
	o.on_resolved = on_resolved;
	o.ctx = &wt;
	c = container_new(base, &o);
	if (!c) {
		fprintf(stderr, "sgctr: container_new: %s\n", strerror(errno));
		event_base_free(base);
		return 1;
	}
	if (do_scan) {
		struct container_stats st;
		struct timeval tick = { 0, 20000 };
		unsigned long long waited = 0;

		container_scan(c);
		do {
			event_base_loopexit(base, &tick);
			event_base_dispatch(base);
			container_stats(c, &st);
			waited += 20;
		} while (!st.scan_done && waited < timeout_ms);
	}
	for (int i = optind; i < argc; i++) {
		const struct container_entry *e;
		struct container_stats st;
		char path[4096] = "";
		unsigned long long pid;
		struct jsonw w;
		uint64_t id = 0;
		int r;

		jw_init(&w, buf, sizeof(buf));
		jw_obj_open(&w);
		if (!parse_num(argv[i], 1u << 30, &pid)) {
			jw_key(&w, "error");
			jw_str(&w, "not a pid");
			jw_obj_close(&w);
			print(&w);
			rc = 1;
			continue;
		}
		jw_key(&w, "pid");
		jw_uint(&w, pid);
		r = container_pid_cgroup(c, (pid_t)pid, &id, path, sizeof(path));
		if (r < 0) {
			jw_key(&w, "error");
			jw_str(&w, strerror(-r));
			jw_obj_close(&w);
			print(&w);
			rc = 1;
			continue;
		}
		jw_key(&w, "cgroup");
		jw_str(&w, path);
		jw_key(&w, "cgroup_id");
		jw_uint(&w, id);
		e = container_lookup(c, id);
		if (e->state == CONTAINER_PENDING) {
			struct timeval tv = { (time_t)(timeout_ms / 1000),
					      (suseconds_t)(timeout_ms % 1000) * 1000 };

			wt.id = id;
			wt.done = false;
			event_base_loopexit(base, &tv);
			event_base_dispatch(base);
		}
		wait_labels(base, c, timeout_ms);
		e = container_lookup(c, id);
		container_stats(c, &st);
		jw_key(&w, "handles");
		jw_bool(&w, st.handles);
		jw_key(&w, "state");
		jw_name(&w, state_name(e->state));
		jw_key(&w, "error");
		jw_int(&w, e->error);
		if (e->state == CONTAINER_IN) {
			jw_key(&w, "container");
			write_info(&w, e->info);
		}
		jw_obj_close(&w);
		print(&w);
		if (e->state == CONTAINER_PENDING || e->state == CONTAINER_UNKNOWN)
			rc = 1;
	}
	if (do_list) {
		wait_labels(base, c, timeout_ms);
		container_foreach(c, list_one, NULL);
	}
	container_free(c);
	event_base_free(base);
	return rc;
}
