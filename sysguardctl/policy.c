// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * sysguardctl policy show|check|load|reload.  check reads the file itself
 * (as the calling user) and sends its text, so no privilege is needed; load
 * sends an absolute path for the daemon to read (and to reload later), or the
 * text from standard input with '-'.  Errors print as file:line:column.
 * import-sigma converts Sigma rules here, without the daemon.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include "sysguardctl.h"
#include "policy_sigma.h"

#define POLICY_TEXT_MAX 60000 /* inline text must fit in one request line */

static int policy_show(struct ctl *ctl, int argc, char **argv);
static int policy_check(struct ctl *ctl, int argc, char **argv);
static int policy_load(struct ctl *ctl, int argc, char **argv);
static int policy_reload(struct ctl *ctl, int argc, char **argv);
static int policy_import_sigma(struct ctl *ctl, int argc, char **argv);

const struct ctl_cmd ctl_policy_cmds[] = {
	{ "show", policy_show, "", "show the policy in force" },
	{ "check", policy_check, "FILE|-", "check a policy file without loading it" },
	{ "load", policy_load, "FILE|-", "load a policy file and apply it (root)" },
	{ "reload", policy_reload, "", "reload the policy from its source (root)" },
	{ "import-sigma", policy_import_sigma, "RULE.yml|DIR",
	  "print Sigma rules as policy rules (no daemon needed)" },
	{ NULL, NULL, NULL, NULL },
};

/* Read at most POLICY_TEXT_MAX bytes of path ("-": stdin) into a new string. */
static int read_text(const char *path, char **ret)
{
	int fd = strcmp(path, "-") == 0 ? STDIN_FILENO : open(path, O_RDONLY | O_CLOEXEC);
	size_t len = 0;
	char *buf;

	if (fd < 0)
		return -errno;
	buf = malloc(POLICY_TEXT_MAX + 1);
	if (!buf) {
		if (fd != STDIN_FILENO)
			close(fd);
		return -ENOMEM;
	}
	for (;;) {
		ssize_t n = read(fd, buf + len, POLICY_TEXT_MAX + 1 - len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			int err = -errno;

			free(buf);
			if (fd != STDIN_FILENO)
				close(fd);
			return err;
		}
		if (n == 0)
			break;
		len += (size_t)n;
		if (len > POLICY_TEXT_MAX) {
			free(buf);
			if (fd != STDIN_FILENO)
				close(fd);
			return -EFBIG;
		}
	}
	if (fd != STDIN_FILENO)
		close(fd);
	buf[len] = '\0';
	if (memchr(buf, '\0', len)) {
		free(buf);
		return -EILSEQ;
	}
	*ret = buf;
	return 0;
}

static int one_arg(int argc, char **argv, const char *what, const char **ret)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const struct ctl_cmd *c;
	int opt, r;

	c = ctl_cmd_match(ctl_policy_cmds, argv[0], &r);
	while ((opt = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if (opt == 'h') {
			ctl_print_cmd_help("policy", c);
			return EXIT_OK;
		}
		return EXIT_USAGE;
	}
	if (what && optind != argc - 1)
		return ctl_usage_error("policy %s: expected one %s", c->name, what);
	if (!what && optind != argc)
		return ctl_usage_error("policy %s: unexpected argument '%s'", c->name,
				       argv[optind]);
	if (ret)
		*ret = argv[optind];
	return -1;
}

static void show_human(struct ctl *ctl, struct json_object *r)
{
	const char *text = ctl_get_str(r, "normalized");

	if (!text)
		text = ctl_get_str(r, "text");
	if (text && ctl_get_str(r, "source"))
		printf("# source: %s\n", ctl_get_str(r, "source"));

	if (text) {
		fputs(text, stdout);
		if (*text && text[strlen(text) - 1] != '\n')
			putchar('\n');
		return;
	}
	ctl_print_json(r, true);
}

static int policy_show(struct ctl *ctl, int argc, char **argv)
{
	int r = one_arg(argc, argv, NULL, NULL);

	if (r >= 0)
		return r;
	return ctl_simple(ctl, "policy.show", NULL, show_human);
}

static void print_errors(struct json_object *errs, const char *name)
{
	for (size_t i = 0; errs && i < json_object_array_length(errs); i++) {
		struct json_object *e = json_object_array_get_idx(errs, i);
		const char *file = ctl_get_str(e, "file");

		fprintf(stderr, "%s:%d:%d: %s\n", file ? file : name,
			json_object_get_int(ctl_get(e, "line")),
			json_object_get_int(ctl_get(e, "column")),
			ctl_get_str(e, "message") ? ctl_get_str(e, "message") : "error");
	}
}

/* Arguments for a policy source: text read here, or an absolute path for the daemon. */
static int policy_args(const char *file, bool by_path, struct json_object **ret)
{
	struct json_object *args = json_object_new_object();
	struct stat st;
	char *text = NULL;
	int r;

	if (strcmp(file, "-") != 0 && stat(file, &st) == 0 && S_ISDIR(st.st_mode))
		by_path = true;
	if (by_path && strcmp(file, "-") != 0) {
		char *abs = realpath(file, NULL);

		if (!abs) {
			r = errno;
			fprintf(stderr, "%s: '%s': %s\n", ctl_progname, file, strerror(r));
			json_object_put(args);
			return EXIT_FAILED;
		}
		json_object_object_add(args, "path", json_object_new_string(abs));
		free(abs);
		*ret = args;
		return 0;
	}
	r = read_text(file, &text);
	if (r < 0) {
		fprintf(stderr, "%s: '%s': %s\n", ctl_progname, file,
			r == -EFBIG ? "too large to send inline (60000 bytes at most); "
				      "'policy load' as root sends its path instead" :
			r == -EILSEQ ? "contains NUL bytes" : strerror(-r));
		json_object_put(args);
		return EXIT_FAILED;
	}
	json_object_object_add(args, "text", json_object_new_string(text));
	json_object_object_add(args, "name",
			       json_object_new_string(strcmp(file, "-") == 0 ? "<stdin>" : file));
	free(text);
	*ret = args;
	return 0;
}

void ctl_print_block_rules(struct json_object *rules)
{
	size_t n = json_object_is_type(rules, json_type_array) ? json_object_array_length(rules)
							       : 0;

	for (size_t i = 0; i < n; i++) {
		struct json_object *o = json_object_array_get_idx(rules, i);
		const char *id = ctl_get_str(o, "id"), *mech = ctl_get_str(o, "mechanism");
		const char *why = ctl_get_str(o, "reason");

		printf("%-11s%s: %s", i ? "" : "block:", id ? id : "?", mech ? mech : "?");
		if (why)
			printf(" (%s)", why);
		printf("\n");
	}
}

static int policy_check(struct ctl *ctl, int argc, char **argv)
{
	struct json_object *args = NULL;
	struct proto_line l;
	const char *file;
	int r = one_arg(argc, argv, "FILE", &file);

	if (r >= 0)
		return r;
	r = policy_args(file, false, &args);
	if (r)
		return r;
	r = ctl_call(ctl, "policy.check", args, &l);
	if (r)
		return r;
	if (!l.ok) {
		r = ctl_report_error(ctl, &l);
	} else {
		bool valid = json_object_get_boolean(ctl_get(l.result, "valid"));

		if (ctl->json)
			ctl_print_json(l.result, false);
		else if (valid) {
			printf("%s: ok, %d rules\n", strcmp(file, "-") ? file : "<stdin>",
			       json_object_get_int(ctl_get(l.result, "rules")));
			ctl_print_block_rules(ctl_get(l.result, "block_rules"));
		}
		if (!valid) {
			if (!ctl->json) {
				print_errors(ctl_get(l.result, "errors"), file);
				fprintf(stderr, "%s: '%s' is not a valid policy\n", ctl_progname,
					file);
			}
			r = EXIT_FAILED;
		}
	}
	proto_line_clear(&l);
	return r;
}

static void load_human(struct ctl *ctl, struct json_object *r)
{
	const char *src = ctl_get_str(r, "source");

	printf("policy loaded%s%s, %d rules\n", src ? " from " : "", src ? src : "",
	       json_object_get_int(ctl_get(r, "rules")));
	ctl_print_block_rules(ctl_get(r, "block_rules"));
}

static int policy_load(struct ctl *ctl, int argc, char **argv)
{
	struct json_object *args = NULL;
	const char *file;
	int r = one_arg(argc, argv, "FILE", &file);

	if (r >= 0)
		return r;
	r = policy_args(file, true, &args);
	if (r)
		return r;
	return ctl_simple(ctl, "policy.load", args, load_human);
}

static int policy_reload(struct ctl *ctl, int argc, char **argv)
{
	int r = one_arg(argc, argv, NULL, NULL);

	if (r >= 0)
		return r;
	return ctl_simple(ctl, "policy.reload", NULL, load_human);
}

static int policy_import_sigma(struct ctl *ctl, int argc, char **argv)
{
	const char *path;
	int r = one_arg(argc, argv, "RULE.yml or directory", &path);

	if (r >= 0)
		return r;
	return policy_sigma_import_main(path, stdout, stderr) ? EXIT_FAILED : EXIT_OK;
}

int cmd_policy(struct ctl *ctl, int argc, char **argv)
{
	const struct ctl_cmd *c;
	int r;

	if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		FILE *f = argc < 2 ? stderr : stdout;

		fprintf(f, "usage: %s policy show | check FILE|- | load FILE|- | reload | "
			   "import-sigma RULE.yml|DIR\n", ctl_progname);
		for (c = ctl_policy_cmds; c->name; c++)
			fprintf(f, "  %-12s %s\n", c->name, c->summary);
		return argc < 2 ? EXIT_USAGE : EXIT_OK;
	}
	c = ctl_cmd_match(ctl_policy_cmds, argv[1], &r);
	if (!c)
		return ctl_usage_error("%s policy command '%s'",
				       r == -ENOENT ? "unknown" : "ambiguous", argv[1]);
	optind = 0;
	return c->run(ctl, argc - 1, argv + 1);
}
