// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * sysguardctl mark: inject a marker event carrying TEXT into the event stream
 * and print its sequence number, so scripts can wait for it in `tail` or in
 * a sink instead of sleeping.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "sysguardctl.h"

static void mark_human(struct ctl *ctl, struct json_object *r)
{
	printf("%llu\n", (unsigned long long)json_object_get_uint64(ctl_get(r, "seq")));
}

int cmd_mark(struct ctl *ctl, int argc, char **argv)
{
	struct json_object *args;
	size_t len = 0;
	char *text;
	int first = 1;

	if (argc > 1 && (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0)) {
		printf("usage: %s mark TEXT...\n"
		       "  inject a marker event and print its sequence number\n", ctl_progname);
		return 0;
	}
	if (argc > 1 && strcmp(argv[1], "--") == 0)
		first = 2;
	if (argc <= first)
		return ctl_usage_error("mark: missing TEXT");
	for (int i = first; i < argc; i++)
		len += strlen(argv[i]) + 1;
	if (len > PROTO_MARK_MAX + 1)
		return ctl_usage_error("mark: TEXT is longer than %d bytes", PROTO_MARK_MAX);
	text = calloc(1, len);
	if (!text)
		return EXIT_FAILED;
	for (int i = first; i < argc; i++) {
		if (i > first)
			strcat(text, " ");
		strcat(text, argv[i]);
	}
	args = json_object_new_object();
	json_object_object_add(args, "text", json_object_new_string(text));
	free(text);
	return ctl_simple(ctl, "mark", args, mark_human);
}
