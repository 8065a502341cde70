// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * sysguardctl containers: the containers the daemon knows, one line each
 * (short id, name, image, runtime, Kubernetes pod), or everything it knows of
 * them with --json.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include "sysguardctl.h"

static void containers_human(struct ctl *ctl, struct json_object *r)
{
	struct json_object *list = ctl_get(r, "containers");

	if (!json_object_get_boolean(ctl_get(r, "tracked"))) {
		printf("containers are not tracked: %s\n",
		       ctl_get_str(r, "reason") ? ctl_get_str(r, "reason") : "?");
		return;
	}
	printf("%-12s  %-24s  %-32s  %-10s  %s\n", "ID", "NAME", "IMAGE", "RUNTIME", "POD");
	for (size_t i = 0; list && i < json_object_array_length(list); i++) {
		struct json_object *c = json_object_array_get_idx(list, i);
		const char *pod = ctl_get_str(c, "k8s_pod"), *ns = ctl_get_str(c, "k8s_namespace");

		printf("%-12.12s  %-24s  %-32s  %-10s  %s%s%s\n", ctl_get_str(c, "id"),
		       ctl_get_str(c, "name"), ctl_get_str(c, "image"), ctl_get_str(c, "runtime"),
		       ns ? ns : "", ns ? "/" : "", pod ? pod : "");
	}
	printf("%lld known, %lld cgroups, %lld being looked up; %lld events so far waited for "
	       "their look-up (%lld until it was too late)\n", (long long)json_object_get_int64(ctl_get(r, "known")),
	       (long long)json_object_get_int64(ctl_get(r, "cgroups")),
	       (long long)json_object_get_int64(ctl_get(r, "pending")),
	       (long long)json_object_get_int64(ctl_get(r, "held")),
	       (long long)json_object_get_int64(ctl_get(r, "held_expired")));
}

int cmd_containers(struct ctl *ctl, int argc, char **argv)
{
	if (argc > 1 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))) {
		printf("usage: %s containers\n  list the containers the daemon knows\n",
		       ctl_progname);
		return EXIT_OK;
	}
	if (argc > 1)
		return ctl_usage_error("containers: unexpected argument '%s'", argv[1]);
	return ctl_simple(ctl, "containers", NULL, containers_human);
}
