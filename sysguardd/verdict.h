/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The verdict: the policy in force, the in-kernel filter derived from it, and
 * the enforcers that carry its block rules out (cgroup sock_addr programs,
 * fanotify, BPF-LSM).  It installs itself as the pipeline's judge: an event
 * stopped by an enforcer is judged as that enforcer's block, anything else by
 * the policy.  It owns the policy commit (parse, block rules into every
 * enforcer, the filter into the kernel, then the swap), reloads, runtime block
 * rules' expiry and the fanotify requests; the events it makes itself (policy,
 * block_change, fanotify denials) enter the pipeline once, already judged.
 * Nothing here calls back into its caller.
 */
#ifndef SG_VERDICT_H
#define SG_VERDICT_H

#include <stdbool.h>
#include <stdint.h>

struct config;
struct container;
struct enforce;
struct enforce_rule;
struct fanblock;
struct kernel;
struct lsmblock;
struct pipeline;
struct policy;
struct proctable;
struct sg_event;

struct verdict_opts {
	struct config *cfg;         /* policy path (a path loaded becomes it), enforcement settings */
	struct pipeline *pipe;      /* required: the verdict becomes its judge */
	struct proctable *pt;       /* NULL: none (tests) */
};

struct verdict;

/* Returns NULL with errno set.  No enforcer yet, no policy: every event is logged. */
struct verdict *verdict_new(const struct verdict_opts *o);
/* Closes the enforcers (clean: as configured by release_on_stop) and frees the policy. */
void verdict_free(struct verdict *v, bool clean);

/*
 * Block rules are planned for the mechanisms this host has: call before a
 * policy is parsed.  Probes BPF-LSM (when enforcement is on) and tells the
 * policy engine.
 */
void verdict_plan(struct verdict *v);

/*
 * Open the enforcers the configuration asks for, on kernel k (NULL: none).
 * One that cannot be opened is logged, and status and commands say why;
 * monitoring goes on.  Returns 0, or -errno when nothing could be tried.
 */
int verdict_enforce_start(struct verdict *v, struct kernel *k);

/*
 * The containers (container.h; NULL: none): block rules scoped to containers
 * (container.* conditions) are carried out in the cgroups of the matching
 * ones, and follow their starts and stops (container events).
 */
void verdict_set_containers(struct verdict *v, struct container *c);

/* Where the policy comes from: the configured path, else the shipped default. */
const char *verdict_policy_path(const struct verdict *v);

/* Parse and check a policy; every message is logged as file:line:col. 0 or -errno. */
int verdict_parse(const char *path, struct policy **ret);

/*
 * At start-up: plan for this host (verdict_plan()) and parse the configured
 * policy into *ret (NULL, with *src "(none)", when there is none at the
 * default path: every event is logged).  *src is where it came from.
 * Errors are logged; 0 or -errno.
 */
int verdict_parse_configured(struct verdict *v, struct policy **ret, const char **src);

/*
 * Put a parsed policy (NULL: none) in force: its block rules into the
 * enforcers, its filter into the kernel, then the swap and a policy event.
 * On success v owns p; on failure (-errno) the old policy stays and p is the
 * caller's.  Runs between events, so no event sees half of it.
 */
int verdict_apply(struct verdict *v, struct policy *p, const char *src);

/* Parse the configured source in full, then apply; errors change nothing. 0 or -errno. */
int verdict_reload(struct verdict *v);

/* A refused policy: logged and reported as a policy event with ok false. */
void verdict_report_refused(struct verdict *v, const char *path);

/* A block_change event: who changed what (uid 0 for expiry and policy). */
void verdict_block_change(struct verdict *v, const char *op, const struct enforce_rule *r,
			  uint32_t uid);

/* The pipeline's judge (installed by verdict_new): fills ev->verdict. */
void verdict_judge(void *v, struct sg_event *ev);

/* Once a second: runtime block rules whose time is up are removed and reported. */
void verdict_tick(struct verdict *v);

/*
 * The fanotify group's wake-up fd (readable when requests wait), or -1 when
 * file enforcement is off.  On it, and while verdict_fanotify() says reports
 * wait, the owner of the loop reads the ring buffer first (the process table
 * and the calls' own reports up to date) and then calls verdict_fanotify():
 * requests are judged and answered, and denials whose call was not reported
 * in time are reported.  Returns whether denials still wait (call again in
 * about 100 ms).
 */
int verdict_fanotify_fd(const struct verdict *v);
bool verdict_fanotify(struct verdict *v);

/* The policy in force (NULL: none), and where the metrics read it from. */
struct policy *verdict_policy(const struct verdict *v);
struct policy *const *verdict_policy_ref(const struct verdict *v);
const char *verdict_policy_src(const struct verdict *v);
int64_t verdict_policy_loaded_at(const struct verdict *v);
const char *verdict_kfilter_desc(const struct verdict *v);

/* The enforcers; NULL with the reason when one is unavailable. */
struct enforce *verdict_enforce(const struct verdict *v, const char **why);
struct enforce *const *verdict_enforce_ref(const struct verdict *v);
struct fanblock *verdict_fanblock(const struct verdict *v, const char **why);
struct lsmblock *verdict_lsm(const struct verdict *v, const char **why);

#endif /* SG_VERDICT_H */
