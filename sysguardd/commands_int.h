/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What the command table's rows share: the parsed arguments and the
 * handlers, each defined in the file of its noun (cmd_status.c,
 * cmd_policy.c, cmd_block.c; the small ones in commands.c).
 */
#ifndef SG_COMMANDS_INT_H
#define SG_COMMANDS_INT_H

#include "commands.h"
#include "control.h"
#include "subfilter.h"

struct daemon;

/* A policy given either by path (read by the daemon) or inline. Exactly one is set. */
struct cmd_policy_src {
	const char *path;
	const char *text;
	const char *name;  /* inline: its name in error positions (file:line:col); may be NULL */
};

/* A command's arguments, as its row's parser left them (strings point into the request). */
union cmd_args {
	const char *text;              /* mark */
	struct cmd_policy_src src;     /* policy.check, policy.load */
	struct cmd_block block;        /* block.add, block.remove */
	struct subfilter filter;       /* subscribe (taken over by the connection) */
};

struct command {
	const char *name;
	enum proto_perm perm;          /* who may run it */
	const char *summary;
	/* call->args into a; NULL: the command takes no arguments.  0 or -errno with err. */
	int (*parse)(const struct control_call *call, union cmd_args *a, struct proto_error *err);
	/* fills call->result; or call->err, returning -errno */
	int (*run)(struct daemon *d, union cmd_args *a, struct control_call *call);
};

#define JADD(o, k, v) json_object_object_add((o), (k), (v))

/* commands_dispatch() on another table (the unit tests' stubs): find, check the role, parse, run. */
int commands_run(const struct command *cmds, size_t n, void *ctx, const char *cmd,
		 struct control_call *call);

int cmd_hello_parse(const struct control_call *call, union cmd_args *a, struct proto_error *err);
int cmd_hello(struct daemon *d, union cmd_args *a, struct control_call *call);
int cmd_subscribe_parse(const struct control_call *call, union cmd_args *a,
			struct proto_error *err);
int cmd_subscribe(struct daemon *d, union cmd_args *a, struct control_call *call);
int cmd_mark_parse(const struct control_call *call, union cmd_args *a, struct proto_error *err);
int cmd_mark(struct daemon *d, union cmd_args *a, struct control_call *call);
int cmd_output_reopen(struct daemon *d, union cmd_args *a, struct control_call *call);

int cmd_status(struct daemon *d, union cmd_args *a, struct control_call *call);
int cmd_containers(struct daemon *d, union cmd_args *a, struct control_call *call);
/* The containers known: the cache's counters and a row each (full: with all metadata). */
struct json_object *cmd_containers_json(struct daemon *d, bool full);

int cmd_policy_src_parse(const struct control_call *call, union cmd_args *a,
			 struct proto_error *err);
int cmd_policy_show(struct daemon *d, union cmd_args *a, struct control_call *call);
int cmd_policy_check(struct daemon *d, union cmd_args *a, struct control_call *call);
int cmd_policy_load(struct daemon *d, union cmd_args *a, struct control_call *call);
int cmd_policy_reload(struct daemon *d, union cmd_args *a, struct control_call *call);

int cmd_block_add_parse(const struct control_call *call, union cmd_args *a,
			struct proto_error *err);
int cmd_block_remove_parse(const struct control_call *call, union cmd_args *a,
			   struct proto_error *err);
int cmd_block_add(struct daemon *d, union cmd_args *a, struct control_call *call);
int cmd_block_remove(struct daemon *d, union cmd_args *a, struct control_call *call);
int cmd_block_list(struct daemon *d, union cmd_args *a, struct control_call *call);

#endif /* SG_COMMANDS_INT_H */
