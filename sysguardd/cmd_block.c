// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The network block commands: block.add, block.remove (by target or by id)
 * and block.list, and the one parser of their arguments into an enforcement
 * rule.  Rules are carried out by the cgroup programs (enforce.h), owned by
 * the verdict module; each change is a block_change event.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <arpa/inet.h>
#include "addr.h"
#include "commands_int.h"
#include "container.h"
#include "daemon.h"
#include "encode.h"
#include "enforce.h"
#include "log.h"
#include "pipeline.h"
#include "verdict.h"

/* The rule's address: addr alone ("10.0.0.5", "10.0.0.0/8") or addr and prefix. */
static int parse_block_addr(const char *addr, int64_t prefix, struct addr_cidr *net,
			    struct proto_error *err)
{
	const char *why = NULL;
	char shown[96];         /* addr is at most 64 bytes */
	int r;

	if (prefix >= 0) {
		r = addr_parse_ip(addr, net, &why);
		if (r == 0)
			r = addr_cidr_set_prefix(net, (unsigned long)prefix, &why);
		snprintf(shown, sizeof(shown), "%s/%d", addr, (int)prefix);
	} else {
		r = addr_parse_cidr(addr, net, &why);
		snprintf(shown, sizeof(shown), "%s", addr);
	}
	if (r < 0)
		return proto_error_set(err, PROTO_E_INVALID_ARGUMENT, "invalid address '%s': %s",
				       shown, why ? why : "malformed");
	return 0;
}

int commands_block_parse(struct json_object *args, bool remove, struct cmd_block *b,
			 struct proto_error *err)
{
	static const char *const keys[] = { "addr", "prefix", "port", "port_end", "proto",
					    "ttl_sec", "comment", "id", "cgroup", "bind", "container",
					    NULL };
	struct enforce_rule *rule = &b->rule;
	const char *proto = NULL, *comment = NULL, *cgroup = NULL;
	int64_t prefix = -1, port = -1, port_end = -1, ttl = 0;
	bool bind = false;
	int r;

	memset(b, 0, sizeof(*b));
	if ((r = proto_args_check_keys(args, keys, err)) < 0)
		return r;
	r = proto_arg_string(args, "addr", 64, &b->addr, err);
	if (r < 0 && r != -ENOENT)
		return r;
	if (remove) {
		r = proto_arg_string(args, "id", 64, &b->id, err);
		if (r < 0 && r != -ENOENT)
			return r;
		if (!b->addr == !b->id)
			return proto_error_set(err, PROTO_E_INVALID_ARGUMENT,
					       "give exactly one of 'addr' and 'id'");
	} else if (!b->addr) {
		return proto_error_set(err, PROTO_E_INVALID_ARGUMENT, "missing 'addr'");
	} else if (json_object_object_get_ex(args, "id", NULL)) {
		return proto_error_set(err, PROTO_E_INVALID_ARGUMENT,
				       "'id' is assigned by the daemon");
	}
	if (b->addr && b->addr[0] == '\0')
		return proto_error_set(err, PROTO_E_INVALID_ARGUMENT, "'addr' is empty");
	if (b->id) {
		if (json_object_object_length(args) != 1)
			return proto_error_set(err, PROTO_E_INVALID_ARGUMENT,
					       "'id' cannot be combined with other arguments");
		return 0;
	}

	r = proto_arg_int(args, "prefix", 0, 128, &prefix, err);
	if (r < 0 && r != -ENOENT)
		return r;
	r = proto_arg_int(args, "port", 0, 65535, &port, err);
	if (r < 0 && r != -ENOENT)
		return r;
	r = proto_arg_int(args, "port_end", 0, 65535, &port_end, err);
	if (r < 0 && r != -ENOENT)
		return r;
	if (port_end >= 0 && (port < 0 || port_end < port))
		return proto_error_set(err, PROTO_E_INVALID_ARGUMENT,
				       "'port_end' needs 'port' and must not be below it");
	r = proto_arg_string(args, "proto", 8, &proto, err);
	if (r == 0) {
		if (addr_proto_parse(proto, &rule->proto) < 0)
			return proto_error_set(err, PROTO_E_INVALID_ARGUMENT,
					       "'proto' must be \"tcp\", \"udp\" or \"any\"");
	} else if (r != -ENOENT) {
		return r;
	}
	if (remove && json_object_object_get_ex(args, "ttl_sec", NULL))
		return proto_error_set(err, PROTO_E_INVALID_ARGUMENT,
				       "'ttl_sec' is for block.add only");
	r = proto_arg_int(args, "ttl_sec", 0, UINT32_MAX - 1, &ttl, err);
	if (r < 0 && r != -ENOENT)
		return r;
	if (remove && json_object_object_get_ex(args, "comment", NULL))
		return proto_error_set(err, PROTO_E_INVALID_ARGUMENT,
				       "'comment' is for block.add only");
	r = proto_arg_string(args, "comment", PROTO_COMMENT_MAX, &comment, err);
	if (r < 0 && r != -ENOENT)
		return r;
	r = proto_arg_string(args, "cgroup", 255, &cgroup, err);
	if (r < 0 && r != -ENOENT)
		return r;
	r = proto_arg_bool(args, "bind", &bind, err);
	if (r < 0 && r != -ENOENT)
		return r;
	r = proto_arg_string(args, "container", 253, &b->container, err);
	if (r < 0 && r != -ENOENT)
		return r;
	if (b->container && (!*b->container || (cgroup && *cgroup)))
		return proto_error_set(err, PROTO_E_INVALID_ARGUMENT, b->container[0] ?
				       "give 'container' or 'cgroup', not both" :
				       "'container' is empty");

	/* the one parse of the target, straight into the rule */
	r = parse_block_addr(b->addr, prefix, &rule->net, err);
	if (r < 0)
		return r;
	rule->port_lo = port >= 0 ? (uint16_t)port : 0;
	rule->port_hi = port_end >= 0 ? (uint16_t)port_end : port >= 0 ? (uint16_t)port : 65535;
	rule->hooks = enforce_hooks(rule->proto, bind);
	if (cgroup && *cgroup) {
		if (cgroup[0] != '/' || strstr(cgroup, "/../") || strlen(cgroup) >= sizeof(rule->cgroup))
			return proto_error_set(err, PROTO_E_INVALID_ARGUMENT, "invalid cgroup '%s': "
					       "expected an absolute path under the cgroup v2 "
					       "root, such as /system.slice/nginx.service", cgroup);
		snprintf(rule->cgroup, sizeof(rule->cgroup), "%s", cgroup);
	}
	if ((uint64_t)ttl > ENFORCE_TTL_MAX)
		return proto_error_set(err, PROTO_E_INVALID_ARGUMENT,
				       "ttl too long (ten years at most)");
	if (comment && strlen(comment) >= sizeof(rule->comment))
		return proto_error_set(err, PROTO_E_INVALID_ARGUMENT,
				       "comment too long (%zu bytes at most)", sizeof(rule->comment) - 1);
	snprintf(rule->comment, sizeof(rule->comment), "%s", comment ? comment : "");
	snprintf(rule->source, sizeof(rule->source), "runtime");
	rule->created = time(NULL);
	rule->expires = ttl ? rule->created + ttl : 0;
	return 0;
}

int cmd_block_add_parse(const struct control_call *call, union cmd_args *a,
			struct proto_error *err)
{
	return commands_block_parse(call->args, false, &a->block, err);
}

int cmd_block_remove_parse(const struct control_call *call, union cmd_args *a,
			   struct proto_error *err)
{
	return commands_block_parse(call->args, true, &a->block, err);
}

static struct json_object *rule_json(struct enforce *e, const struct enforce_rule *r)
{
	struct json_object *o = json_object_new_object();
	char addr[ADDR_STR_MAX], text[512], id[16], when[40];

	snprintf(id, sizeof(id), "%u", r->slot);
	enforce_rule_format(r, text, sizeof(text));
	inet_ntop(r->net.family, r->net.addr, addr, sizeof(addr));
	JADD(o, "id", json_object_new_string(id));
	JADD(o, "rule", json_object_new_string(text));
	JADD(o, "addr", json_object_new_string(addr));
	JADD(o, "prefix", json_object_new_int(r->net.prefix));
	if (!(r->port_lo == 0 && r->port_hi == 65535)) {
		JADD(o, "port", json_object_new_int(r->port_lo));
		JADD(o, "port_end", json_object_new_int(r->port_hi));
	}
	JADD(o, "proto", json_object_new_string(addr_proto_name(r->proto)));
	JADD(o, "direction", json_object_new_string(r->hooks & SG_HOOK_BIND ? "bind" : "outbound"));
	if (r->cgroup[0])
		JADD(o, "cgroup", json_object_new_string(r->cgroup));
	if (r->container[0]) {
		JADD(o, "container", json_object_new_string(r->container));
		JADD(o, "container_id", json_object_new_string(r->container_id));
	}
	JADD(o, "source", json_object_new_string(r->source));
	JADD(o, "hits", json_object_new_uint64(enforce_hits(e, r->slot)));
	encode_time(when, sizeof(when), (uint64_t)r->created * 1000000000ull);
	JADD(o, "created", json_object_new_string(when));
	if (r->expires) {
		encode_time(when, sizeof(when), (uint64_t)r->expires * 1000000000ull);
		JADD(o, "expires", json_object_new_string(when));
	}
	if (r->comment[0])
		JADD(o, "comment", json_object_new_string(r->comment));
	return o;
}

static int no_enforcement(const char *why, struct control_error *err)
{
	return control_error_set(err, PROTO_E_NOT_AVAILABLE, "network enforcement is unavailable: %s",
				 why);
}

/* --container: the rule holds in that running container's cgroup, and goes when it stops. */
static int scope_to_container(struct daemon *d, const char *name, struct enforce_rule *r,
			      struct control_error *err)
{
	const struct ctr_info *ci = d->ctr ? container_find_named(d->ctr, name) : NULL;

	if (!d->ctr)
		return control_error_set(err, PROTO_E_NOT_AVAILABLE, "containers are not "
					 "tracked: %s", d->ctr_why);
	if (!ci)
		return control_error_set(err, PROTO_E_NOT_FOUND, "no running container named "
					 "'%s' (or whose id starts so, and only one)", name);
	if (!ci->cgroup[0] || strlen(ci->cgroup) >= sizeof(r->cgroup))
		return control_error_set(err, PROTO_E_NOT_AVAILABLE, "the cgroup of container "
					 "'%s' is not known", name);
	snprintf(r->cgroup, sizeof(r->cgroup), "%s", ci->cgroup);
	snprintf(r->container, sizeof(r->container), "%s", ci->name[0] ? ci->name : ci->id);
	snprintf(r->container_id, sizeof(r->container_id), "%s", ci->id);
	return 0;
}

int cmd_block_add(struct daemon *d, union cmd_args *a, struct control_call *call)
{
	const struct cmd_block *b = &a->block;
	struct control_error *err = &call->err;
	const char *no;
	struct enforce *e = verdict_enforce(d->verdict, &no);
	struct enforce_rule r = b->rule;
	char why[256];
	int ret;

	if (!e)
		return no_enforcement(no, err);
	if (b->container && (ret = scope_to_container(d, b->container, &r, err)) < 0)
		return ret;
	sg_log(LOG_NOTICE, "control: uid %u pid %d adds a block on '%s'",
	       (unsigned int)call->peer->uid, (int)call->peer->pid, b->addr);
	ret = enforce_add(e, &r, why, sizeof(why));
	if (ret < 0)
		return control_error_set(err, ret == -EEXIST ? PROTO_E_EXISTS :
					 ret == -EINVAL ? PROTO_E_INVALID_ARGUMENT : PROTO_E_INTERNAL,
					 "%s", why);
	verdict_block_change(d->verdict, "add", &r, call->peer->uid);
	pipeline_flush(d->pipe);
	JADD(call->result, "rule", rule_json(e, enforce_by_slot(e, r.slot)));
	return 0;
}

int cmd_block_remove(struct daemon *d, union cmd_args *a, struct control_call *call)
{
	const struct cmd_block *b = &a->block;
	struct control_error *err = &call->err;
	const char *no;
	struct enforce *e = verdict_enforce(d->verdict, &no);
	struct enforce_rule r;
	char why[256];
	int ret;

	if (!e)
		return no_enforcement(no, err);
	sg_log(LOG_NOTICE, "control: uid %u pid %d removes the block on '%s'",
	       (unsigned int)call->peer->uid, (int)call->peer->pid, b->addr ? b->addr : b->id);
	if (b->id) {
		const struct enforce_rule *found = NULL;
		unsigned long slot;
		char *end;

		errno = 0;
		slot = strtoul(b->id, &end, 10);
		if (!errno && *end == '\0' && end != b->id)
			found = enforce_by_slot(e, slot);
		if (!found || strcmp(found->source, "runtime") != 0)
			return control_error_set(err, PROTO_E_NOT_FOUND, "no runtime block rule "
						 "with id '%s'", b->id);
		r = *found;
	} else {
		r = b->rule;
		if (b->container && (ret = scope_to_container(d, b->container, &r, err)) < 0)
			return ret;
	}
	ret = enforce_remove(e, &r, why, sizeof(why));
	if (ret < 0)
		return control_error_set(err, ret == -ENOENT ? PROTO_E_NOT_FOUND : PROTO_E_INTERNAL,
					 "%s", why);
	verdict_block_change(d->verdict, "remove", &r, call->peer->uid);
	pipeline_flush(d->pipe);
	JADD(call->result, "removed", json_object_new_int(1));
	return 0;
}

int cmd_block_list(struct daemon *d, union cmd_args *a, struct control_call *call)
{
	const char *no;
	struct enforce *e = verdict_enforce(d->verdict, &no);
	struct json_object *rules;

	if (!e)
		return no_enforcement(no, &call->err);
	rules = json_object_new_array();
	for (size_t i = 0; i < enforce_count(e); i++)
		json_object_array_add(rules, rule_json(e, enforce_get(e, i)));
	JADD(call->result, "rules", rules);
	return 0;
}
