// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The event types the daemon makes itself: mark, drop, block_change,
 * policy and container (a container started, was found running, stopped).  Their rows of the event table and what each row points at; they
 * have no decoder (nothing of them comes from the kernel) and a journal
 * priority and MESSAGE_ID of their own.
 */
#include <string.h>
#include <syslog.h>
#include "encode.h"
#include "journal.h"
#include "jsonw.h"

/* ---- mark ---- */

static void mark_encode(struct jsonw *w, const struct sg_event *ev)
{
	jw_key(w, "mark");
	jw_obj_open(w);
	jw_key(w, "text");
	jw_str(w, ev->mark.text);
	jw_obj_close(w);
}

static void mark_message(struct sg_msg *m, const struct sg_event *ev)
{
	sg_msg_add(m, "mark: %s", sg_msg_or(ev->mark.text, ""));
}

static int mark_priority(const struct sg_event *ev)
{
	return LOG_INFO;
}

const struct sg_evtype sg_evtype_mark = {
	.name = "mark",
	.encode = mark_encode,
	.message = mark_message,
	.priority = mark_priority,
	.message_id = SG_MID_MARK,
};

/* ---- drop ---- */

static void lost_obj(struct jsonw *w, const uint64_t *lost)
{
	jw_obj_open(w);
	for (int t = 1; t < SG_EV_KERNEL_MAX; t++) {
		if (!lost[t])
			continue;
		jw_key_str(w, sg_type_name(t));
		jw_uint(w, lost[t]);
	}
	jw_obj_close(w);
}

static void drop_encode(struct jsonw *w, const struct sg_event *ev)
{
	jw_key(w, "drop");
	jw_obj_open(w);
	jw_key(w, "where");
	jw_str(w, ev->drop.where);
	jw_key(w, "total");
	jw_uint(w, ev->drop.total);
	jw_key(w, "lost");
	lost_obj(w, ev->drop.lost);
	if (ev->drop.npids) {
		jw_key(w, "by_pid");
		jw_arr_open(w);
		for (size_t i = 0; i < ev->drop.npids; i++) {
			const struct sg_droppid *p = &ev->drop.pids[i];

			jw_obj_open(w);
			jw_key(w, "pid");
			jw_uint(w, p->pid);
			jw_key(w, "comm");
			jw_str(w, p->comm);
			jw_key(w, "lost_total");
			lost_obj(w, p->lost);
			jw_obj_close(w);
		}
		jw_arr_close(w);
	}
	jw_obj_close(w);
}

static void drop_message(struct sg_msg *m, const struct sg_event *ev)
{
	sg_msg_add(m, "lost %llu events (%s%s)", (unsigned long long)ev->drop.total,
		   sg_msg_or(ev->drop.where, "?"),
		   ev->drop.where && !strcmp(ev->drop.where, "ring") ? ": the ring buffer was full" : "");
}

static int drop_priority(const struct sg_event *ev)
{
	return LOG_WARNING;
}

const struct sg_evtype sg_evtype_drop = {
	.name = "drop",
	.encode = drop_encode,
	.message = drop_message,
	.priority = drop_priority,
	.message_id = SG_MID_DROP,
};

/* ---- block_change ---- */

static void blockchg_encode(struct jsonw *w, const struct sg_event *ev)
{
	jw_key(w, "block_change");
	jw_obj_open(w);
	jw_key(w, "op");
	jw_str(w, ev->blockchg.op);
	jw_key(w, "rule");
	jw_str(w, ev->blockchg.rule);
	jw_key(w, "source");
	jw_str(w, ev->blockchg.source);
	jw_key(w, "by_uid");
	jw_uint(w, ev->blockchg.by_uid);
	jw_obj_close(w);
}

static void blockchg_message(struct sg_msg *m, const struct sg_event *ev)
{
	const char *op = ev->blockchg.op;

	sg_msg_add(m, "enforcement rule %s: %s (source %s, uid %u)",
		   !op ? "changed" : !strcmp(op, "add") ? "added" : !strcmp(op, "remove") ? "removed" :
		   !strcmp(op, "expire") ? "expired" : op,
		   sg_msg_or(ev->blockchg.rule, "?"), sg_msg_or(ev->blockchg.source, "?"),
		   ev->blockchg.by_uid);
}

static int blockchg_priority(const struct sg_event *ev)
{
	return LOG_NOTICE;
}

const struct sg_evtype sg_evtype_blockchg = {
	.name = "block_change",
	.journal_always = true,
	.encode = blockchg_encode,
	.message = blockchg_message,
	.priority = blockchg_priority,
	.message_id = SG_MID_BLOCK_CHANGE,
};

/* ---- policy ---- */

static void policy_encode(struct jsonw *w, const struct sg_event *ev)
{
	jw_key(w, "policy");
	jw_obj_open(w);
	jw_key(w, "source");
	jw_str(w, ev->policy.source);
	jw_key(w, "rules");
	jw_uint(w, ev->policy.rules);
	jw_key(w, "ok");
	jw_bool(w, ev->policy.ok);
	if (ev->policy.error) {
		jw_key(w, "error");
		jw_str(w, ev->policy.error);
	}
	jw_obj_close(w);
}

static void policy_message(struct sg_msg *m, const struct sg_event *ev)
{
	if (ev->policy.ok)
		sg_msg_add(m, "policy loaded from %s: %u rules", sg_msg_or(ev->policy.source, "?"),
			   ev->policy.rules);
	else
		sg_msg_add(m, "policy from %s refused: %s", sg_msg_or(ev->policy.source, "?"),
			   sg_msg_or(ev->policy.error, "error"));
}

static int policy_priority(const struct sg_event *ev)
{
	return ev->policy.ok ? LOG_NOTICE : LOG_ERR;
}

const struct sg_evtype sg_evtype_policy = {
	.name = "policy",
	.journal_always = true,
	.encode = policy_encode,
	.message = policy_message,
	.priority = policy_priority,
	.message_id = SG_MID_POLICY,
};

/* ---- container ---- */

static const char *const lifecycle_ops[] = { "start", "found", "stop" }; /* enum container_op */

static const char *lifecycle_op(const struct sg_event *ev)
{
	unsigned int op = (unsigned int)ev->lifecycle.op;

	return op < sizeof(lifecycle_ops) / sizeof(lifecycle_ops[0]) ? lifecycle_ops[op] : "?";
}

static void container_encode(struct jsonw *w, const struct sg_event *ev)
{
	encode_container(w, ev);
	jw_key(w, "lifecycle");
	jw_obj_open(w);
	jw_key(w, "op");
	jw_name(w, lifecycle_op(ev));
	jw_obj_close(w);
}

static void container_journal(struct journal_entry *e, const struct sg_event *ev)
{
	journal_add(e, "SYSGUARD_CONTAINER_OP", "%s", lifecycle_op(ev));
}

static void container_message(struct sg_msg *m, const struct sg_event *ev)
{
	static const char *const done[] = { "started", "found running", "stopped" };
	unsigned int op = (unsigned int)ev->lifecycle.op;
	const char *act = ev->verdict.action == SG_ACT_ALERT ? "ALERT" :
			  ev->verdict.action == SG_ACT_BLOCK ? "BLOCK" : "LOG";

	sg_msg_add(m, "%s%s%s: container %s (%s) %s", act, ev->verdict.rule_id ? " " : "",
		   sg_msg_or(ev->verdict.rule_id, ""),
		   sg_msg_or(ev->ctr.name && *ev->ctr.name ? ev->ctr.name : ev->ctr.id, "?"),
		   sg_msg_or(ev->ctr.image, "?"), op < 3 ? done[op] : "changed");
}

const struct sg_evtype sg_evtype_container = {
	.name = "container",
	.judged = true,
	.pfields = SG_PFG_CTR | SG_PFG_LIFECYCLE,
	.encode = container_encode,
	.journal = container_journal,
	.message = container_message,
};
