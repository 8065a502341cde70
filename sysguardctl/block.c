// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * sysguardctl block, unblock and blocks: network block rules.  The command
 * line ADDR[/PREFIX][:PORT[-PORT]] (IPv6 with a port in brackets:
 * [2001:db8::1]:443) is only split here; the address itself is validated by
 * the daemon, which owns the one address parser.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "addr.h"
#include "sysguardctl.h"

static int parse_port(const char *s, struct json_object *args)
{
	const char *dash = strchr(s, '-');
	uint64_t lo, hi;
	char num[16];

	if (dash) {
		if ((size_t)(dash - s) >= sizeof(num))
			return -EINVAL;
		snprintf(num, sizeof(num), "%.*s", (int)(dash - s), s);
		if (ctl_parse_uint(num, 65535, &lo) < 0 ||
		    ctl_parse_uint(dash + 1, 65535, &hi) < 0 || hi < lo)
			return -EINVAL;
		json_object_object_add(args, "port", json_object_new_int((int)lo));
		json_object_object_add(args, "port_end", json_object_new_int((int)hi));
		return 0;
	}
	if (ctl_parse_uint(s, 65535, &lo) < 0)
		return -EINVAL;
	json_object_object_add(args, "port", json_object_new_int((int)lo));
	return 0;
}

/* Split ADDR[/PREFIX][:PORT[-PORT]] into args. */
static int parse_target(const char *arg, struct json_object *args)
{
	char *s = strdup(arg), *addr = s, *rest = NULL, *slash, *colon = NULL;
	uint64_t prefix;
	int r = 0;

	if (!s)
		return -ENOMEM;
	if (*s == '[') {
		char *close = strchr(s, ']');

		if (!close) {
			r = -EINVAL;
			goto out;
		}
		*close = '\0';
		addr = s + 1;
		rest = close + 1;
		if (*rest == ':')
			colon = rest;
		else if (*rest) {
			r = -EINVAL;
			goto out;
		}
	} else if (strchr(s, ':') == strrchr(s, ':')) {
		/* At most one colon: IPv4 or a name, maybe with a port. */
		colon = strchr(s, ':');
	}
	if (colon) {
		*colon = '\0';
		r = parse_port(colon + 1, args);
		if (r < 0)
			goto out;
	}
	slash = strchr(addr, '/');
	if (slash) {
		*slash = '\0';
		if (ctl_parse_uint(slash + 1, 128, &prefix) < 0) {
			r = -EINVAL;
			goto out;
		}
		json_object_object_add(args, "prefix", json_object_new_int((int)prefix));
	}
	if (!*addr) {
		r = -EINVAL;
		goto out;
	}
	json_object_object_add(args, "addr", json_object_new_string(addr));
out:
	free(s);
	return r;
}

static void rule_line(struct json_object *rule)
{
	struct json_object *v;
	const char *s;

	printf("%-6s %s", ctl_get_str(rule, "id") ? ctl_get_str(rule, "id") : "-",
	       ctl_get_str(rule, "addr") ? ctl_get_str(rule, "addr") : "?");
	if ((v = ctl_get(rule, "prefix")))
		printf("/%d", json_object_get_int(v));
	if ((v = ctl_get(rule, "port")) && json_object_get_int(v) > 0) {
		printf(" port %d", json_object_get_int(v));
		if ((v = ctl_get(rule, "port_end")) &&
		    json_object_get_int(v) != json_object_get_int(ctl_get(rule, "port")))
			printf("-%d", json_object_get_int(v));
	}
	if ((s = ctl_get_str(rule, "proto")))
		printf(" %s", s);
	if ((s = ctl_get_str(rule, "container")))
		printf(" container %s", s);
	else if ((s = ctl_get_str(rule, "cgroup")))
		printf(" cgroup %s", s);
	if ((s = ctl_get_str(rule, "expires")))
		printf(" until %s", s);
	if ((s = ctl_get_str(rule, "comment")))
		printf(" \"%s\"", s);
	printf("\n");
}

static void add_human(struct ctl *ctl, struct json_object *r)
{
	struct json_object *rule = ctl_get(r, "rule");

	printf("blocked: ");
	if (rule)
		rule_line(rule);
	else
		printf("ok\n");
}

static void remove_human(struct ctl *ctl, struct json_object *r)
{
	printf("removed %d rule(s)\n", json_object_get_int(ctl_get(r, "removed")));
}

static void list_human(struct ctl *ctl, struct json_object *r)
{
	struct json_object *rules = ctl_get(r, "rules");
	size_t n = rules && json_object_is_type(rules, json_type_array) ?
		   json_object_array_length(rules) : 0;

	if (n == 0) {
		printf("no blocks\n");
		return;
	}
	for (size_t i = 0; i < n; i++)
		rule_line(json_object_array_get_idx(rules, i));
}

static int block_common(struct ctl *ctl, int argc, char **argv, bool add)
{
	static const struct option opts[] = {
		{ "proto", required_argument, NULL, 'P' },
		{ "ttl", required_argument, NULL, 't' },
		{ "comment", required_argument, NULL, 'm' },
		{ "id", required_argument, NULL, 'i' },
		{ "cgroup", required_argument, NULL, 'g' },
		{ "container", required_argument, NULL, 'C' },
		{ "bind", no_argument, NULL, 'b' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct json_object *args = json_object_new_object();
	const char *id = NULL;
	uint64_t ttl;
	uint8_t proto;
	int opt;

	while ((opt = getopt_long(argc, argv, "P:t:m:i:g:C:bh", opts, NULL)) != -1) {
		switch (opt) {
		case 'g':
			json_object_object_add(args, "cgroup", json_object_new_string(optarg));
			break;
		case 'C':
			json_object_object_add(args, "container", json_object_new_string(optarg));
			break;
		case 'b':
			json_object_object_add(args, "bind", json_object_new_boolean(1));
			break;
		case 'P':
			if (addr_proto_parse(optarg, &proto) < 0) {
				json_object_put(args);
				return ctl_usage_error("%s: --proto must be " ADDR_PROTO_NAMES,
						       argv[0]);
			}
			json_object_object_add(args, "proto", json_object_new_string(optarg));
			break;
		case 't':
			if (!add || ctl_parse_duration(optarg, &ttl) < 0) {
				json_object_put(args);
				return ctl_usage_error("%s: bad --ttl '%s' (e.g. 600, 10m, 2h, 1d)",
						       argv[0], optarg);
			}
			json_object_object_add(args, "ttl_sec",
					       json_object_new_int64((int64_t)ttl));
			break;
		case 'm':
			if (!add) {
				json_object_put(args);
				return ctl_usage_error("unblock: --comment is for block only");
			}
			json_object_object_add(args, "comment", json_object_new_string(optarg));
			break;
		case 'i':
			if (add) {
				json_object_put(args);
				return ctl_usage_error("block: --id is for unblock only");
			}
			id = optarg;
			break;
		case 'h':
			json_object_put(args);
			if (add)
				printf("usage: %s block ADDR[/PREFIX][:PORT[-PORT]] "
				       "[--proto tcp|udp] [--ttl DURATION] [--comment TEXT]\n"
				       "       [--cgroup PATH | --container NAME|ID] [--bind]\n"
				       "  block connections to an address (root); IPv6 with a port "
				       "in brackets: [2001:db8::1]:443\n"
				       "  DURATION: seconds, or a number with s, m, h, d or w\n"
				       "  --cgroup: only processes in that cgroup v2 path and below\n"
				       "  --container: only that running container (its name, or a "
				       "prefix of its id);\n"
				       "               the block goes when the container stops\n"
				       "  --bind: forbid binding (listening) instead of connecting\n",
				       ctl_progname);
			else
				printf("usage: %s unblock ADDR[/PREFIX][:PORT[-PORT]] "
				       "[--proto tcp|udp] [--cgroup PATH | --container NAME|ID] [--bind] "
				       "| --id ID\n"
				       "  remove the block that matches (root)\n", ctl_progname);
			return EXIT_OK;
		default:
			json_object_put(args);
			return EXIT_USAGE;
		}
	}
	if (id) {
		if (optind != argc || json_object_object_length(args)) {
			json_object_put(args);
			return ctl_usage_error("unblock: --id takes no other arguments");
		}
		json_object_object_add(args, "id", json_object_new_string(id));
	} else {
		if (optind != argc - 1) {
			json_object_put(args);
			return ctl_usage_error("%s: expected one ADDR[/PREFIX][:PORT]", argv[0]);
		}
		if (parse_target(argv[optind], args) < 0) {
			json_object_put(args);
			return ctl_usage_error("%s: cannot read '%s' as "
					       "ADDR[/PREFIX][:PORT[-PORT]]",
					       argv[0], argv[optind]);
		}
	}
	return ctl_simple(ctl, add ? "block.add" : "block.remove", args,
			  add ? add_human : remove_human);
}

int cmd_block(struct ctl *ctl, int argc, char **argv)
{
	return block_common(ctl, argc, argv, true);
}

int cmd_unblock(struct ctl *ctl, int argc, char **argv)
{
	return block_common(ctl, argc, argv, false);
}

int cmd_blocks(struct ctl *ctl, int argc, char **argv)
{
	if (argc > 1) {
		if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0) {
			printf("usage: %s blocks\n  list the blocks\n", ctl_progname);
			return EXIT_OK;
		}
		return ctl_usage_error("blocks: unexpected argument '%s'", argv[1]);
	}
	return ctl_simple(ctl, "block.list", NULL, list_human);
}
