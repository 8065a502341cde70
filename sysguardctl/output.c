// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * sysguardctl output reopen: have the daemon reopen its output file, after
 * the file was renamed away by log rotation (what the shipped logrotate
 * configuration runs).  Lines written before the request are in the old
 * file, lines after it in the new one; none is lost or split.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include "sysguardctl.h"

static int output_reopen(struct ctl *ctl, int argc, char **argv);

static const struct ctl_cmd output_cmds[] = {
	{ "reopen", output_reopen, "", "reopen the output file after log rotation (root)" },
	{ NULL, NULL, NULL, NULL },
};

static void reopen_human(struct ctl *ctl, struct json_object *r)
{
	const char *out = ctl_get_str(r, "output");

	printf("reopened %s\n", out && *out ? out : "(no output file)");
}

static int output_reopen(struct ctl *ctl, int argc, char **argv)
{
	if (argc > 1 && (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0)) {
		ctl_print_cmd_help("output", &output_cmds[0]);
		return EXIT_OK;
	}
	if (argc > 1)
		return ctl_usage_error("output reopen: unexpected argument '%s'", argv[1]);
	return ctl_simple(ctl, "output.reopen", NULL, reopen_human);
}

int cmd_output(struct ctl *ctl, int argc, char **argv)
{
	const struct ctl_cmd *c;
	int r;

	if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		FILE *f = argc < 2 ? stderr : stdout;

		fprintf(f, "usage: %s output reopen\n", ctl_progname);
		for (c = output_cmds; c->name; c++)
			fprintf(f, "  %-7s %s\n", c->name, c->summary);
		return argc < 2 ? EXIT_USAGE : EXIT_OK;
	}
	c = ctl_cmd_match(output_cmds, argv[1], &r);
	if (!c)
		return ctl_usage_error("%s output command '%s'",
				       r == -ENOENT ? "unknown" : "ambiguous", argv[1]);
	optind = 0;
	return c->run(ctl, argc - 1, argv + 1);
}
