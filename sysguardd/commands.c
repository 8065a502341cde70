// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The command table (see commands.h) and its dispatch: a row per command
 * says who may run it, how its arguments are parsed and which handler fills
 * the reply.  The handlers of the small commands about the connection and
 * the stream (hello, subscribe, mark, output.reopen) are here; status,
 * policy.* and block.* have a file each.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "commands_int.h"
#include "daemon.h"
#include "event.h"
#include "log.h"
#include "pipeline.h"

static const struct command table[] = {
	{ "hello", PROTO_PERM_ANY, "protocol and daemon version", cmd_hello_parse, cmd_hello },
	{ "version", PROTO_PERM_ANY, "same as hello", cmd_hello_parse, cmd_hello },
	{ "status", PROTO_PERM_READ, "daemon state and counters", NULL, cmd_status },
	{ "containers", PROTO_PERM_READ, "the containers known, with their metadata", NULL,
	  cmd_containers },
	{ "subscribe", PROTO_PERM_READ, "stream events", cmd_subscribe_parse, cmd_subscribe },
	{ "policy.show", PROTO_PERM_READ, "the policy in force", NULL, cmd_policy_show },
	{ "policy.check", PROTO_PERM_READ, "check a policy without loading it",
	  cmd_policy_src_parse, cmd_policy_check },
	{ "policy.load", PROTO_PERM_ADMIN, "replace the policy", cmd_policy_src_parse,
	  cmd_policy_load },
	{ "policy.reload", PROTO_PERM_ADMIN, "reload the policy from its source", NULL,
	  cmd_policy_reload },
	{ "block.add", PROTO_PERM_ADMIN, "add a network block rule", cmd_block_add_parse,
	  cmd_block_add },
	{ "block.remove", PROTO_PERM_ADMIN, "remove a network block rule",
	  cmd_block_remove_parse, cmd_block_remove },
	{ "block.list", PROTO_PERM_READ, "list network block rules", NULL, cmd_block_list },
	{ "mark", PROTO_PERM_READ, "inject a marker event", cmd_mark_parse, cmd_mark },
	{ "output.reopen", PROTO_PERM_ADMIN, "reopen the output file (log rotation)", NULL,
	  cmd_output_reopen },
};

#define NCOMMANDS (sizeof(table) / sizeof(table[0]))

const char *commands_name(size_t i, enum proto_perm *perm)
{
	if (i >= NCOMMANDS)
		return NULL;
	if (perm)
		*perm = table[i].perm;
	return table[i].name;
}

static bool allowed(const struct control_peer *peer, enum proto_perm perm)
{
	switch (perm) {
	case PROTO_PERM_ANY:
		return true;
	case PROTO_PERM_READ:
		return peer->member || peer->admin;
	case PROTO_PERM_ADMIN:
		return peer->admin;
	}
	return false;
}

int commands_run(const struct command *cmds, size_t n, void *ctx, const char *name,
		 struct control_call *call)
{
	const struct command *cmd = NULL;
	struct proto_error perr;
	union cmd_args a;
	int r;

	for (size_t i = 0; i < n && !cmd; i++)
		if (!strcmp(cmds[i].name, name))
			cmd = &cmds[i];
	if (!cmd) /* quote at most a short prefix of what the client sent */
		return control_error_set(&call->err, PROTO_E_UNKNOWN_COMMAND,
					 "unknown command '%.64s'", name);
	if (!allowed(call->peer, cmd->perm))
		return control_error_set(&call->err, PROTO_E_PERMISSION_DENIED,
					 cmd->perm == PROTO_PERM_ADMIN ?
					 "this command needs administrator rights" :
					 "this command needs membership of the socket's group");
	memset(&a, 0, sizeof(a));
	r = cmd->parse ? cmd->parse(call, &a, &perr) : proto_args_check_keys(call->args, NULL, &perr);
	if (r < 0) {
		call->err.code = perr.code;
		snprintf(call->err.message, sizeof(call->err.message), "%s", perr.message);
		return r;
	}
	return cmd->run(ctx, &a, call);
}

int commands_dispatch(void *ctx, const char *name, struct control_call *call)
{
	return commands_run(table, NCOMMANDS, ctx, name, call);
}

/* ---- hello, version ---- */

int cmd_hello_parse(const struct control_call *call, union cmd_args *a,
		       struct proto_error *err)
{
	static const char *const keys[] = { "client", NULL };

	return proto_args_check_keys(call->args, keys, err);
}

int cmd_hello(struct daemon *d, union cmd_args *a, struct control_call *call)
{
	struct json_object *cmds = json_object_new_array();

	control_hello(call, call->result);
	for (size_t i = 0; i < NCOMMANDS; i++) {
		struct json_object *o = json_object_new_object();

		JADD(o, "name", json_object_new_string(table[i].name));
		JADD(o, "perm", json_object_new_string(proto_perm_name(table[i].perm)));
		json_object_array_add(cmds, o);
	}
	JADD(call->result, "commands", cmds);
	return 0;
}

/* ---- subscribe ---- */

int cmd_subscribe_parse(const struct control_call *call, union cmd_args *a,
			   struct proto_error *err)
{
	return subfilter_parse(&a->filter, call->args, err);
}

int cmd_subscribe(struct daemon *d, union cmd_args *a, struct control_call *call)
{
	int r = control_subscribe(call, &a->filter);

	if (r < 0)
		return r;
	JADD(call->result, "subscribed", json_object_new_boolean(1));
	JADD(call->result, "filter", call->args ? json_object_get(call->args) :
						 json_object_new_object());
	return 0;
}

/* ---- mark ---- */

int cmd_mark_parse(const struct control_call *call, union cmd_args *a,
		      struct proto_error *err)
{
	static const char *const keys[] = { "text", NULL };
	int r;

	if ((r = proto_args_check_keys(call->args, keys, err)) < 0)
		return r;
	r = proto_arg_string(call->args, "text", PROTO_MARK_MAX, &a->text, err);
	if (r == -ENOENT)
		return proto_error_set(err, PROTO_E_INVALID_ARGUMENT, "missing 'text'");
	return r;
}

int cmd_mark(struct daemon *d, union cmd_args *a, struct control_call *call)
{
	struct sg_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.type = SG_EV_MARK;
	ev.mark.text = a->text;
	pipeline_inject(d->pipe, &ev);
	pipeline_flush(d->pipe);
	JADD(call->result, "seq", json_object_new_uint64(pipeline_last_seq(d->pipe)));
	return 0;
}

/* ---- output.reopen ---- */

int cmd_output_reopen(struct daemon *d, union cmd_args *a, struct control_call *call)
{
	const char *path = *d->output ? d->output : "-";
	int r;

	sg_log(LOG_INFO, "control: uid %u pid %d reopens the output",
	       (unsigned int)call->peer->uid, (int)call->peer->pid);
	r = daemon_reopen(d);
	if (r < 0)
		return control_error_set(&call->err, PROTO_E_INTERNAL, "cannot reopen '%s': %s",
					 path, strerror(-r));
	sg_log(LOG_INFO, "output reopened (uid %u)", (unsigned int)call->peer->uid);
	JADD(call->result, "output", json_object_new_string(path));
	return 0;
}
