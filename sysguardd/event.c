// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Names of event types, actions and severities: the one table that the JSON
 * encoder, the policy parser and the control protocol all use.
 */
#include <errno.h>
#include <string.h>
#include "event.h"

static const char *const type_names[SG_EV_MAX] = {
	[SG_EV_NONE] = "none",
	[SG_EV_EXEC] = "exec",
	[SG_EV_FORK] = "fork",
	[SG_EV_EXIT] = "exit",
	[SG_EV_OPEN] = "open",
	[SG_EV_RENAME] = "rename",
	[SG_EV_UNLINK] = "unlink",
	[SG_EV_CONNECT] = "connect",
	[SG_EV_BIND] = "bind",
	[SG_EV_LISTEN] = "listen",
	[SG_EV_MARK] = "mark",
	[SG_EV_DROP] = "drop",
	[SG_EV_BLOCKCHG] = "block_change",
	[SG_EV_POLICY] = "policy",
};

static const char *const action_names[] = {
	[SG_ACT_NONE] = "none",
	[SG_ACT_ALLOW] = "allow",
	[SG_ACT_LOG] = "log",
	[SG_ACT_ALERT] = "alert",
	[SG_ACT_BLOCK] = "block",
};

static const char *const severity_names[] = {
	[SG_SEV_NONE] = "none",
	[SG_SEV_INFO] = "info",
	[SG_SEV_LOW] = "low",
	[SG_SEV_MEDIUM] = "medium",
	[SG_SEV_HIGH] = "high",
	[SG_SEV_CRITICAL] = "critical",
};

static int lookup(const char *const *names, int n, const char *name)
{
	for (int i = 1; i < n; i++)
		if (names[i] && strcmp(names[i], name) == 0)
			return i;
	return -EINVAL;
}

const char *sg_type_name(int type)
{
	if (type < 0 || type >= SG_EV_MAX || !type_names[type])
		return "unknown";
	return type_names[type];
}

int sg_type_from_name(const char *name)
{
	return lookup(type_names, SG_EV_MAX, name);
}

const char *sg_action_name(enum sg_action a)
{
	if ((unsigned)a >= sizeof(action_names) / sizeof(action_names[0]))
		return "unknown";
	return action_names[a];
}

int sg_action_from_name(const char *name)
{
	return lookup(action_names, sizeof(action_names) / sizeof(action_names[0]), name);
}

const char *sg_severity_name(enum sg_severity s)
{
	if ((unsigned)s >= sizeof(severity_names) / sizeof(severity_names[0]))
		return "unknown";
	return severity_names[s];
}

int sg_severity_from_name(const char *name)
{
	return lookup(severity_names, sizeof(severity_names) / sizeof(severity_names[0]), name);
}
