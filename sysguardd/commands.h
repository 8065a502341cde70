/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The daemon's control commands: one table (commands.c), a row per command
 * with its name, the role it needs, its argument parser and its handler,
 * which fills the reply.  The control socket (control.c) hands every request
 * to commands_dispatch(); adding a command is one row and its handler
 * (HACKING.md).  Handlers work on the daemon's one state, struct daemon.
 */
#ifndef SG_COMMANDS_H
#define SG_COMMANDS_H

#include <stdbool.h>
#include <stddef.h>
#include <json-c/json.h>
#include "enforce.h"
#include "proto.h"

struct control_call;
struct daemon;

/*
 * Find cmd, check that call->peer may run it, parse call->args, run it:
 * 0 with call->result filled, or -errno with call->err filled (unknown_command,
 * permission_denied, invalid_argument, or the handler's own error).  ctx is
 * the struct daemon.
 */
int commands_dispatch(void *ctx, const char *cmd, struct control_call *call);

/* The table, for hello and the tests: the n-th command's name and role; NULL past the end. */
const char *commands_name(size_t i, enum proto_perm *perm);

/*
 * block.add / block.remove, parsed once: the rule is filled from the
 * arguments with shared/addr.c's parsers (address, prefix, ports, protocol)
 * and checked (cgroup path shape, ttl, comment); source is "runtime",
 * created is now.  The cgroup is resolved and the slot assigned by
 * enforcement.  For block.remove by id, only id is set.
 */
struct cmd_block {
	const char *addr;          /* as sent, for messages; NULL with id */
	const char *id;            /* block.remove by rule id; NULL otherwise */
	struct enforce_rule rule;  /* unset (zero) with id */
	const char *container;     /* --container: a running container's name or id (prefix) */
};

/*
 * The arguments of block.add (remove false) or block.remove into b; strings
 * in b point into args.  Returns 0, or -EINVAL with err filled
 * (invalid_argument and the reason, e.g. "invalid address '10.0.0.1/8': host
 * bits set below the prefix length").
 */
int commands_block_parse(struct json_object *args, bool remove, struct cmd_block *b,
			 struct proto_error *err);

#endif /* SG_COMMANDS_H */
