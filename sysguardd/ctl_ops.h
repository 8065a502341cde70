/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The daemon's answers to the control socket's commands (status, mark,
 * policy check/load/reload/show, block add/remove/list) and the policy commit
 * they share with start-up and SIGHUP: parse, compile the block rules into
 * enforcement, the in-kernel filter, then the swap.  struct sgd is the state
 * they work on; main.c fills it at start-up and hands ctl_ops() and the
 * struct to control_new().  Every module pointer but pipe may be NULL (no
 * kernel, no enforcement, no sink), which the unit tests use.
 */
#ifndef SG_CTL_OPS_H
#define SG_CTL_OPS_H

#include <stdbool.h>
#include <stdint.h>

struct config;
struct control_ops;
struct dedup;
struct enforce;
struct enforce_rule;
struct journal;
struct kernel;
struct lsmblock;
struct kfilter_spec;
struct pipeline;
struct policy;
struct proctable;
struct sink;

struct sgd {
	struct config *cfg;          /* policy path (a path loaded becomes it), release_on_stop */
	uint64_t start_ns;           /* CLOCK_MONOTONIC at start, for uptime */
	struct kernel *kernel;       /* NULL: no BPF (tests) */
	struct enforce *enforce;     /* NULL: enforcement off or unavailable */
	char enforce_why[256];       /* why it is unavailable */
	struct fanblock *fanblock;   /* file enforcement; NULL: unavailable */
	char fanblock_why[256];      /* why it is unavailable */
	struct lsmblock *lsm;        /* BPF-LSM enforcement; NULL: unavailable */
	char lsm_why[256];           /* why it is unavailable */
	struct pipeline *pipe;       /* required: marks, policy and block_change events */
	struct proctable *pt;        /* NULL: not reported */
	const char *output;          /* the NDJSON output's path, "-", or "" for none */
	struct policy *policy;       /* in force; NULL: none, every event is logged */
	char policy_src[4096];       /* where it came from */
	int64_t policy_loaded_at;    /* unix seconds */
	char kfilter_desc[512];      /* the in-kernel filter derived from it */
	struct kfilter_spec *kspec;  /* that filter, for opens reported from lsm/file_open */
};

/* The command handlers; their ctx is a struct sgd. */
const struct control_ops *ctl_ops(void);

/* Where the policy comes from: the configured path, else the shipped default. */
const char *ctl_policy_path(const struct sgd *s);

/* Parse and check a policy; every message is logged as file:line:col. 0 or -errno. */
int ctl_parse_policy(const char *path, struct policy **ret);

/*
 * Put a parsed policy (NULL: none) in force: its block rules into the kernel
 * maps, its filter into the kernel, then the swap and a policy event.  On
 * success s owns p; on failure (-errno) the old policy stays and p is the
 * caller's.  Runs between events, so no event sees half of it.
 */
int ctl_apply_policy(struct sgd *s, struct policy *p, const char *src);

/* SIGHUP: parse the configured source in full, then apply; errors change nothing. */
void ctl_reload_policy(struct sgd *s);

/* A refused policy: logged and reported as a policy event with ok false. */
void ctl_report_refused(struct sgd *s, const char *path);

/* A block_change event: who changed what (uid 0 for expiry and policy). */
void ctl_report_block_change(struct sgd *s, const char *op, const struct enforce_rule *r,
			     uint32_t uid);

/* enforce_expire()'s callback (arg: the struct sgd): an "expire" block_change. */
void ctl_on_expired(void *arg, const struct enforce_rule *r);

/* Free what s owns (the policy). */
void ctl_fini(struct sgd *s);

#endif /* SG_CTL_OPS_H */
