// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The policy evaluator's link to the process table: parents and ancestors of
 * an event's process come from proctable_get/proctable_parent.  Kept apart
 * from policy_eval.c so that tests of the matcher can supply their own
 * lineage without linking the process table.
 */
#include "policy.h"
#include "proctable.h"

static const struct proc_entry *pt_get(void *arg, uint32_t pid)
{
	return proctable_get(arg, pid);
}

static const struct proc_entry *pt_parent(void *arg, const struct proc_entry *e)
{
	return proctable_parent(arg, e);
}

int policy_eval(const struct policy *p, struct sg_event *ev, const struct proctable *pt)
{
	struct policy_lineage l = { .get = pt_get, .parent = pt_parent, .arg = (void *)pt };

	return policy_eval_lineage(p, ev, pt ? &l : NULL);
}

int policy_eval_probe(const struct policy *p, struct sg_event *ev, const struct proctable *pt)
{
	struct policy_lineage l = { .get = pt_get, .parent = pt_parent, .arg = (void *)pt };

	return policy_eval_probe_lineage(p, ev, pt ? &l : NULL);
}
