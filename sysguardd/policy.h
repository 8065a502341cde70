/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The policy engine: loads YAML policies (a file, or a directory of *.yaml
 * merged in lexical order) into a precompiled form, and gives every event a
 * verdict (action, severity, the id of the first matching rule).  Loading
 * collects every error and warning with file:line:column; matching allocates
 * nothing.  A policy is immutable once loaded except for its hit counters and
 * the per-rule enforceable flag; the daemon swaps whole policies on reload.
 * The language is documented in sysguard.policy(5).
 */
#ifndef SG_POLICY_H
#define SG_POLICY_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include "addr.h"
#include "event.h"

struct policy;
struct proctable;
struct proc_entry;
struct json_object;

/* One message of a load: an error, or a warning that does not stop the load. */
struct policy_diag_msg {
	char *file;              /* NULL: not about a file */
	unsigned int line, col;  /* 1-based; 0: no position */
	bool warning;
	char *text;
};

struct policy_diag {
	struct policy_diag_msg *msgs;
	size_t n, cap;
	unsigned int errors, warnings;
	bool truncated;          /* more than SG_POLICY_DIAG_MAX messages */
};

void policy_diag_init(struct policy_diag *d);
void policy_diag_fini(struct policy_diag *d);
/* "file:line:col: text" for errors, "file:line:col: warning: text" for warnings. */
void policy_diag_print(const struct policy_diag *d, FILE *f);

/*
 * Load a policy file, or every *.yaml of a directory (names starting with '.'
 * are skipped) in strcmp order.  Every problem goes into diag (which may be
 * NULL).  Returns 0 and sets *ret when there is no error (warnings allowed);
 * -EINVAL when the policy has errors, another -errno when it could not be
 * read; *ret is untouched on failure.
 */
int policy_load(const char *path, struct policy **ret, struct policy_diag *diag);

/* The same for a policy held in memory; name is used in messages. */
int policy_load_string(const char *name, const char *text, size_t len, struct policy **ret,
		       struct policy_diag *diag);

void policy_free(struct policy *p);

/*
 * How the evaluator finds a process's entry and its parents.  policy_eval()
 * uses the process table; tests may supply their own.
 */
struct policy_lineage {
	const struct proc_entry *(*get)(void *arg, uint32_t pid);
	const struct proc_entry *(*parent)(void *arg, const struct proc_entry *e);
	void *arg;
};

/*
 * Judge ev and fill ev->verdict (action, severity, rule_id pointing into p,
 * the other matches, a correlation that held, enforced, repeat = 1).  Returns the action.  Excluded events and events
 * judged 'allow' are not to be emitted.  Types the kernel does not produce
 * (marks, drops, ...) are always 'log' and not counted.  pt may be NULL.
 */
int policy_eval(const struct policy *p, struct sg_event *ev, const struct proctable *pt);
int policy_eval_lineage(const struct policy *p, struct sg_event *ev,
			const struct policy_lineage *lineage);
/*
 * The same verdict without feeding correlation windows: for a judgement
 * ahead of the event itself (a fanotify permission request), which the
 * event's own judgement must not count twice.
 */
int policy_eval_probe(const struct policy *p, struct sg_event *ev, const struct proctable *pt);
int policy_eval_probe_lineage(const struct policy *p, struct sg_event *ev,
			      const struct policy_lineage *lineage);

/* Dedup window of the policy ('defaults: {dedup_window: 2s}'), 0: no dedup. */
uint64_t policy_dedup_window_ns(const struct policy *p);

/* Where the policy came from (the path given to policy_load). */
const char *policy_source(const struct policy *p);

struct policy_rule_info {
	const char *id;
	const char *file;
	unsigned int line;
	enum sg_action action;
	enum sg_severity severity;
	bool enabled;
	bool enforceable;
	const char *plan;        /* block rules: "cgroup", "fanotify" or "none"; else NULL */
	const char *mechanism;   /* block rules: what carries it out now, NULL none */
	const char *reason;      /* block rules carried out by nothing: why */
	uint32_t events;         /* 1u << enum sg_type, plus POLICY_EV_WRITE */
	uint64_t hits;
};

#define POLICY_EV_WRITE (1u << 31) /* 'write': an open with write intent */

size_t policy_rule_count(const struct policy *p);
int policy_rule_info(const struct policy *p, size_t i, struct policy_rule_info *ret);

/*
 * Mark rule i as carried out by an enforcer: its block verdicts then say
 * enforced = true.  Until then every block rule is monitor-only (enforced =
 * false).  Block rules that no enforcer could carry out (see
 * policy_net_blocks) give a warning with their position when loaded.
 */
int policy_rule_set_enforceable(struct policy *p, size_t i, bool on);

/*
 * Record what carries out block rule i: mech "cgroup", "fanotify" or "lsm"
 * (enforced verdicts then name it), or NULL with the reason nothing does.
 * reason is copied.  Returns 0, -ENOENT or -ENOMEM.
 */
int policy_rule_set_enforcer(struct policy *p, size_t i, const char *mech, const char *reason);

/*
 * BPF-LSM (policy_lsm.c).  Whether the host runs BPF LSM programs decides
 * the plan of block rules the kernel could judge there: set it before
 * parsing; policy_replan() redoes the plans of a parsed policy after a change.
 */
void policy_set_lsm(bool available, const char *why);
/*
 * The daemon's binary, which block rules must not stop (policy_check_critical());
 * NULL (the default): /proc/self/exe.  The check mode sets it for tests, so
 * that where a checkout lives does not change what they print.
 */
void policy_set_self_exe(const char *path);
bool policy_lsm_available(const char **why);
void policy_replan(struct policy *p);

/* Called with each BPF-LSM entry of a rule; a return < 0 stops. */
typedef int (*policy_lsm_fn)(void *arg, const struct sg_lsm_rule *ent);
/*
 * Compile rule i into BPF-LSM entries (whatever its plan): the number of
 * entries, -EINVAL when the kernel cannot judge it, -E2BIG when it needs more
 * than SG_LSM_RULES entries or SG_LSM_CONDS conditions, or fn's error.
 */
int policy_lsm_entries(const struct policy *p, size_t i, policy_lsm_fn fn, void *arg);

/* One path the file enforcer watches for a block rule (policy_file_blocks). */
struct policy_file_block {
	size_t rule;
	const char *id;
	bool exec, open;         /* FAN_OPEN_EXEC_PERM, FAN_OPEN_PERM */
	const char *path;        /* a literal path prefix the rule names; "/" if none */
	bool named;              /* false: the rule names no path: the root filesystem */
};

typedef int (*policy_file_block_fn)(void *arg, const struct policy_file_block *b);

/*
 * The block rules the file enforcer can carry out (events within exec, open,
 * write; conditions it can judge before the call returns), with fn called for
 * every path prefix each names.  Returns the number of rules or fn's error.
 */
int policy_file_blocks(const struct policy *p, policy_file_block_fn fn, void *arg);

/*
 * Whether the verdict of type (SG_EV_EXEC, SG_EV_OPEN) depends only on the
 * path: then an allowed file can be remembered until it changes.
 */
bool policy_file_cacheable(const struct policy *p, int type);

/* One kernel-enforceable piece of a block rule. */
struct policy_net_block {
	size_t rule;             /* index for policy_rule_set_enforceable() */
	const char *id;          /* the rule's id, alive as long as the policy */
	bool connect, bind;      /* the hooks: the rule's events */
	struct addr_cidr net;    /* 0.0.0.0/0 and ::/0 when the rule names no address */
	uint16_t port_lo, port_hi; /* 0-65535 when it names no port */
	uint8_t proto;           /* IPPROTO_TCP, IPPROTO_UDP, or 0 for both */
	const void *scope;       /* non-NULL: only in the containers policy_net_block_in_scope() names */
};

/*
 * Whether a scoped block (b->scope) holds for the container ev names
 * (ev->ctr: where, info, id, name, image, runtime); an unscoped one holds
 * everywhere.  ev is not otherwise read.
 */
bool policy_net_block_in_scope(const struct policy_net_block *b, struct sg_event *ev);

typedef int (*policy_net_block_fn)(void *arg, const struct policy_net_block *b);

/*
 * The block rules the network enforcer can carry out: enabled, action block,
 * events within connect and bind, no exceptions, and only 'in' conditions on
 * net.addr, net.port, net.proto and net.family, besides conditions on the
 * container (the scope: the enforcer applies the block to each matching
 * container's cgroup).  Each is expanded into the
 * product of its addresses, port ranges and protocols (a 'match' list gives
 * the union of its sets), and fn is called once per piece, in policy order.
 * Returns the number of pieces, or the first negative value fn returns.
 */
int policy_net_blocks(const struct policy *p, policy_net_block_fn fn, void *arg);

struct kfilter_spec;

/*
 * The in-kernel filter this policy allows (sysguardd/policy_kfilter.c): what
 * no rule can act on is dropped at syscall entry.  p NULL: pass everything.
 */
int policy_kfilter(const struct policy *p, struct kfilter_spec *spec);

struct policy_stats {
	uint64_t evaluated;      /* kernel events judged */
	uint64_t excluded;       /* of those, matched by 'exclude' */
	uint64_t defaulted;      /* of those, matched by no rule */
	/* correlation rules (all of them together) */
	uint64_t corr_rules;
	uint64_t corr_groups;    /* groups in use */
	uint64_t corr_fired;     /* times one held */
	uint64_t corr_evictions; /* groups given up within their window for want of room */
};

void policy_stats(const struct policy *p, struct policy_stats *ret);

/* Copy the hit counters of rules whose id is in both (call before the swap). */
void policy_carry_counters(struct policy *newp, const struct policy *old);

/* The normalized policy (see sysguard.policy(5)): canonical, deterministic YAML. */
int policy_dump(const struct policy *p, FILE *f);
/* The same into a malloc'ed NUL-terminated string. */
int policy_dump_string(const struct policy *p, char **ret);

/*
 * For 'policy show': {"source": path, "rules": [{"id", "action", "severity",
 * "enabled", "enforceable", "hits", "events"}...], "stats": {...},
 * "normalized": the text of policy_dump}.
 */
int policy_to_json(const struct policy *p, struct json_object **ret);

/*
 * Every enabled block rule and what carries it out: [{"id", "mechanism":
 * "cgroup"|"fanotify"|"lsm"|"none", "reason" (with "none")}...].  planned:
 * the enforcer the rule asks for (a check: no enforcer is consulted);
 * otherwise what is in force after the daemon applied the policy.
 */
int policy_block_rules_json(const struct policy *p, bool planned, struct json_object **ret);

/*
 * sysguardd -n/--check-policy PATH: load, print every message to err, and with
 * verbose the normalized policy to out.  Returns the exit code: 0 valid
 * (warnings allowed), 1 errors or unreadable.
 */
int policy_check_main(const char *path, bool verbose, FILE *out, FILE *err);

#endif /* SG_POLICY_H */
