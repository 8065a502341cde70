// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * sysguardctl: the unprivileged command-line client of sysguardd.  This file
 * owns the global options, the top-level command table with prefix matching,
 * usage() and `help`; each noun lives in its own file.  It speaks only the
 * control protocol over the Unix socket; see sysguardctl(8).
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "sysguardctl.h"

const char *ctl_progname = "sysguardctl";

static int cmd_help(struct ctl *ctl, int argc, char **argv);

static const struct ctl_cmd commands[] = {
	{ "status", cmd_status, "", "show the daemon's state and counters" },
	{ "tail", cmd_tail, "[--type TYPE] [--action ACTION] [--pid PID] [--comm NAME] "
			    "[--exe PATH] [--exact] [--rule ID] [--container NAME|ID] [--count N]",
	  "stream events until interrupted" },
	{ "containers", cmd_containers, "", "list the containers the daemon knows" },
	{ "policy", cmd_policy, "show | check FILE | load FILE | reload | import-sigma PATH",
	  "show, check, load or reload the policy; convert Sigma rules" },
	{ "block", cmd_block, "ADDR[/PREFIX][:PORT[-PORT]] [--proto tcp|udp] [--ttl DURATION] "
			      "[--comment TEXT] [--cgroup PATH | --container NAME|ID] [--bind]",
	  "block connections to an address" },
	{ "unblock", cmd_unblock, "ADDR[/PREFIX][:PORT[-PORT]] [--proto tcp|udp] [--cgroup PATH | "
				  "--container NAME|ID] [--bind] | --id ID", "remove a block" },
	{ "blocks", cmd_blocks, "", "list the blocks" },
	{ "mark", cmd_mark, "TEXT...", "inject a marker event and print its sequence number" },
	{ "output", cmd_output, "reopen", "reopen the output file after log rotation" },
	{ "version", cmd_version, "", "show the client, daemon and protocol versions" },
	{ "help", cmd_help, "[COMMAND]", "show help for a command" },
	{ NULL, NULL, NULL, NULL },
};

static void usage(FILE *f)
{
	fprintf(f, "usage: %s [--socket PATH] [--json] [--no-color] COMMAND [ARGS...]\n"
		   "       %s --help | --version\n\ncommands:\n", ctl_progname, ctl_progname);
	for (const struct ctl_cmd *c = commands; c->name; c++)
		fprintf(f, "  %-9s %s\n", c->name, c->summary);
	fprintf(f, "\noptions:\n"
		   "  -s, --socket PATH  control socket (default $SYSGUARD_SOCKET or %s)\n"
		   "  -j, --json         print results as JSON (also accepted after the command)\n"
		   "      --no-color     no colours in human output\n"
		   "  -h, --help         this help; '%s help COMMAND' for a command\n"
		   "  -V, --version      same as the version command\n"
		   "\nCommands may be abbreviated to a unique prefix.\n"
		   "Exit status: 0 success, 1 request refused or failed, 2 usage error,\n"
		   "3 cannot connect or permission denied.\n",
		PROTO_SOCKET_DEFAULT, ctl_progname);
}

int ctl_usage_error(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", ctl_progname);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, " (try '%s --help')\n", ctl_progname);
	return EXIT_USAGE;
}

void ctl_print_cmd_help(const char *prefix, const struct ctl_cmd *cmd)
{
	printf("usage: %s %s%s%s%s%s\n  %s\n", ctl_progname, prefix ? prefix : "",
	       prefix ? " " : "", cmd->name, *cmd->args ? " " : "", cmd->args, cmd->summary);
}

/* Exact match, else a unique prefix.  *ret: 0, -ENOENT or -EAMBIGUOUS (as -EINVAL). */
const struct ctl_cmd *ctl_cmd_match(const struct ctl_cmd *table, const char *name, int *ret)
{
	const struct ctl_cmd *found = NULL;
	size_t len = strlen(name);
	int n = 0;

	*ret = 0;
	for (const struct ctl_cmd *c = table; c->name; c++) {
		if (strcmp(c->name, name) == 0)
			return c;
		if (len > 0 && strncmp(c->name, name, len) == 0) {
			found = c;
			n++;
		}
	}
	if (n == 1)
		return found;
	*ret = n == 0 ? -ENOENT : -EINVAL;
	return NULL;
}

/* `help CMD [SUB]` is `CMD [SUB] --help`: one text per command. */
static int cmd_help(struct ctl *ctl, int argc, char **argv)
{
	const struct ctl_cmd *c;
	char *hargv[4];
	int r, n = 0;

	if (argc < 2) {
		usage(stdout);
		return EXIT_OK;
	}
	c = ctl_cmd_match(commands, argv[1], &r);
	if (!c)
		return ctl_usage_error("%s command '%s'", r == -ENOENT ? "unknown" : "ambiguous",
				       argv[1]);
	if (c->run == cmd_help) {
		usage(stdout);
		return EXIT_OK;
	}
	hargv[n++] = (char *)c->name;
	if ((c->run == cmd_policy || c->run == cmd_output) && argc > 2)
		hargv[n++] = argv[2];
	hargv[n++] = "--help";
	hargv[n] = NULL;
	optind = 0;
	return c->run(ctl, n, hargv);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "socket", required_argument, NULL, 's' },
		{ "json", no_argument, NULL, 'j' },
		{ "no-color", no_argument, NULL, 'C' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	struct ctl ctl = { .fd = -1 };
	const struct ctl_cmd *c;
	bool no_color = false, version = false;
	int opt, r;

	ctl.socket = getenv("SYSGUARD_SOCKET");
	if (!ctl.socket || !*ctl.socket)
		ctl.socket = PROTO_SOCKET_DEFAULT;
	while ((opt = getopt_long(argc, argv, "+s:jhV", opts, NULL)) != -1) {
		switch (opt) {
		case 's':
			ctl.socket = optarg;
			break;
		case 'j':
			ctl.json = true;
			break;
		case 'C':
			no_color = true;
			break;
		case 'h':
			usage(stdout);
			return EXIT_OK;
		case 'V':
			version = true;
			break;
		default:
			fprintf(stderr, "(try '%s --help')\n", ctl_progname);
			return EXIT_USAGE;
		}
	}
	ctl.color = !no_color && !ctl.json && isatty(STDOUT_FILENO) && !getenv("NO_COLOR") &&
		    !(getenv("TERM") && strcmp(getenv("TERM"), "dumb") == 0);
	signal(SIGPIPE, SIG_IGN);

	if (version) {
		char *vargv[] = { "version", NULL };

		r = cmd_version(&ctl, 1, vargv);
		ctl_disconnect(&ctl);
		return r;
	}
	if (optind >= argc)
		return ctl_usage_error("missing command");
	c = ctl_cmd_match(commands, argv[optind], &r);
	if (!c)
		return ctl_usage_error("%s command '%s'", r == -ENOENT ? "unknown" : "ambiguous",
				       argv[optind]);
	/* Each command parses its own options from argv[0] = its name. */
	optind++;
	{
		int cargc = argc - optind + 1;
		char **cargv = argv + optind - 1;

		/* --json (-j) may also follow the command: take it out, up to "--". */
		for (int i = 1, j; i < cargc && strcmp(cargv[i], "--") != 0;) {
			if (strcmp(cargv[i], "--json") != 0 && strcmp(cargv[i], "-j") != 0) {
				i++;
				continue;
			}
			ctl.json = true;
			ctl.color = false;
			for (j = i; j < cargc; j++)
				cargv[j] = cargv[j + 1];
			cargc--;
		}

		optind = 0; /* getopt_long: reinitialise for the command's own options */
		r = c->run(&ctl, cargc, cargv);
	}
	ctl_disconnect(&ctl);
	if (fflush(stdout) != 0 && r == EXIT_OK && errno != EPIPE) {
		fprintf(stderr, "%s: write error: %s\n", ctl_progname, strerror(errno));
		return EXIT_FAILED;
	}
	return r;
}
