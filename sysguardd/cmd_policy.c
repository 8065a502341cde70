// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The policy commands: policy.show, policy.check (parse and check, nothing
 * changes), policy.load and policy.reload (a policy with errors changes
 * nothing; the verdict module puts a good one in force), and the parser of
 * their argument, a policy by path or inline text.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "commands_int.h"
#include "daemon.h"
#include "log.h"
#include "metrics.h"
#include "pipeline.h"
#include "policy.h"
#include "sg_limits.h"
#include "verdict.h"

int cmd_policy_src_parse(const struct control_call *call, union cmd_args *a,
			 struct proto_error *err)
{
	static const char *const keys[] = { "path", "text", "name", NULL };
	struct cmd_policy_src *src = &a->src;
	struct json_object *args = call->args;
	int r;

	if ((r = proto_args_check_keys(args, keys, err)) < 0)
		return r;
	r = proto_arg_string(args, "path", PROTO_STRING_MAX, &src->path, err);
	if (r < 0 && r != -ENOENT)
		return r;
	r = proto_arg_string(args, "text", SG_CTL_LINE_MAX, &src->text, err);
	if (r < 0 && r != -ENOENT)
		return r;
	r = proto_arg_string(args, "name", PROTO_STRING_MAX, &src->name, err);
	if (r < 0 && r != -ENOENT)
		return r;
	if (!src->path == !src->text)
		return proto_error_set(err, PROTO_E_INVALID_ARGUMENT,
				       "give exactly one of 'path' and 'text'");
	if (src->path && src->path[0] != '/')
		return proto_error_set(err, PROTO_E_INVALID_ARGUMENT,
				       "'path' must be absolute");
	if (src->path && src->name)
		return proto_error_set(err, PROTO_E_INVALID_ARGUMENT,
				       "'name' goes with 'text' only");
	/* The daemon reads paths as root: only those who could load a policy may name one. */
	if (src->path && !call->peer->admin) {
		proto_error_set(err, PROTO_E_PERMISSION_DENIED,
				"only administrators may have the daemon read a policy by path; "
				"send its text instead");
		return -EPERM;
	}
	return 0;
}

static void diag_out(const struct policy_diag *dg, struct json_object *errors,
		     struct control_error *err)
{
	for (size_t i = 0; i < dg->n; i++) {
		const struct policy_diag_msg *m = &dg->msgs[i];
		struct json_object *o;

		if (m->warning)
			continue;
		if (!errors) {
			control_error_add_diag(err, m->file, m->line, m->col, m->text);
			continue;
		}
		o = json_object_new_object();
		JADD(o, "file", json_object_new_string(m->file ? m->file : ""));
		JADD(o, "line", json_object_new_int(m->line));
		JADD(o, "column", json_object_new_int(m->col));
		JADD(o, "message", json_object_new_string(m->text));
		json_object_array_add(errors, o);
	}
}

/*
 * Whether a load failure is the policy's fault (its diagnostics say why): errors
 * in it, or a file over SG_POLICY_FILE_MAX.  Anything else (a missing path, no
 * memory) is not about the policy's content.
 */
static bool policy_refused(int r)
{
	return r == -EINVAL || r == -EFBIG;
}

static int load_src(const struct cmd_policy_src *src, struct policy **p, struct policy_diag *dg)
{
	if (src->path)
		return policy_load(src->path, p, dg);
	return policy_load_string(src->name ? src->name : "inline", src->text, strlen(src->text), p,
				  dg);
}

int cmd_policy_check(struct daemon *d, union cmd_args *a, struct control_call *call)
{
	const struct cmd_policy_src *src = &a->src;
	struct json_object *out = call->result;
	struct control_error *err = &call->err;
	struct json_object *errors = json_object_new_array(), *br;
	struct policy *p = NULL;
	struct policy_diag dg;
	int r;

	policy_diag_init(&dg);
	r = load_src(src, &p, &dg);
	diag_out(&dg, errors, err);
	policy_diag_fini(&dg);
	if (r < 0 && !policy_refused(r)) {
		json_object_put(errors);
		return control_error_set(err, r == -ENOENT ? PROTO_E_NOT_FOUND : PROTO_E_INTERNAL,
					 "'%s': %s", src->path ? src->path : "inline", strerror(-r));
	}
	JADD(out, "valid", json_object_new_boolean(r == 0));
	JADD(out, "rules", json_object_new_int64(p ? (int64_t)policy_rule_count(p) : 0));
	if (p && policy_block_rules_json(p, true, &br) == 0)
		JADD(out, "block_rules", br); /* per rule: the enforcer it asks for */
	JADD(out, "errors", errors);
	policy_free(p);
	return 0;
}

/* Load and put in force; a policy with errors changes nothing. */
static int load_and_apply_one(struct daemon *d, const struct cmd_policy_src *src,
			      struct json_object *out, struct control_error *err)
{
	const char *name = src->path ? src->path : "inline";
	struct json_object *br;
	struct policy *p = NULL;
	struct policy_diag dg;
	int r;

	policy_diag_init(&dg);
	r = load_src(src, &p, &dg);
	if (policy_refused(r)) {
		diag_out(&dg, NULL, err);
		policy_diag_fini(&dg);
		sg_log(LOG_ERR, "policy '%s' refused: %s; the policy in force is unchanged", name,
		       r == -EFBIG ? "it is too large" : "it has errors");
		verdict_report_refused(d->verdict, name);
		if (r == -EFBIG)
			return control_error_set(err, PROTO_E_INVALID_POLICY, "the policy is larger "
						 "than the limit of %d bytes; the policy in force "
						 "is unchanged", SG_POLICY_FILE_MAX);
		return control_error_set(err, PROTO_E_INVALID_POLICY, "the policy has errors; "
					 "the policy in force is unchanged");
	}
	policy_diag_fini(&dg);
	if (r < 0)
		return control_error_set(err, r == -ENOENT ? PROTO_E_NOT_FOUND : PROTO_E_INTERNAL,
					 "'%s': %s", name, strerror(-r));
	daemon_consume(d); /* what the old policy should judge */
	r = verdict_apply(d->verdict, p, name);
	if (r < 0) {
		policy_free(p);
		return control_error_set(err, PROTO_E_INTERNAL, "the policy could not be put in "
					 "force: %s", strerror(-r));
	}
	pipeline_flush(d->pipe);
	JADD(out, "source", json_object_new_string(verdict_policy_src(d->verdict)));
	JADD(out, "rules", json_object_new_int64((int64_t)policy_rule_count(p)));
	if (policy_block_rules_json(p, false, &br) == 0)
		JADD(out, "block_rules", br); /* per rule: the enforcer in force, or why none */
	return 0;
}

/* The same, counted for the metrics (sysguard_policy_reloads_total). */
static int load_and_apply(struct daemon *d, const struct cmd_policy_src *src,
			  struct json_object *out, struct control_error *err)
{
	int r = load_and_apply_one(d, src, out, err);

	metrics_note_reload(r == 0);
	return r;
}

int cmd_policy_load(struct daemon *d, union cmd_args *a, struct control_call *call)
{
	const struct cmd_policy_src *src = &a->src;
	int r;

	sg_log(LOG_NOTICE, "control: uid %u pid %d loads a policy from '%s'",
	       (unsigned int)call->peer->uid, (int)call->peer->pid,
	       src->path ? src->path : src->name ? src->name : "(inline text)");
	r = load_and_apply(d, src, call->result, &call->err);
	/* a path loaded this way is what later reloads read */
	if (r == 0 && src->path)
		snprintf(d->cfg.policy, sizeof(d->cfg.policy), "%s", src->path);
	return r;
}

int cmd_policy_reload(struct daemon *d, union cmd_args *a, struct control_call *call)
{
	struct cmd_policy_src src = { .path = verdict_policy_path(d->verdict) };

	sg_log(LOG_NOTICE, "control: uid %u pid %d reloads the policy",
	       (unsigned int)call->peer->uid, (int)call->peer->pid);
	return load_and_apply(d, &src, call->result, &call->err);
}

int cmd_policy_show(struct daemon *d, union cmd_args *a, struct control_call *call)
{
	struct policy *policy = verdict_policy(d->verdict);
	struct json_object *j = NULL;

	if (!policy)
		return control_error_set(&call->err, PROTO_E_NOT_FOUND, "no policy is loaded: "
					 "every event is logged");
	if (policy_to_json(policy, &j) < 0)
		return -EIO;
	json_object_object_foreach(j, key, val)
		JADD(call->result, key, json_object_get(val));
	json_object_put(j);
	return 0;
}
