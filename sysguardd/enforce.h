/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Network enforcement: the cgroup sock_addr programs of bpf/enforce.bpf.c on
 * the cgroup v2 root, their rule maps, and the rules behind them.  Rules come
 * from two sources: runtime (sysguardctl block), saved atomically in the state
 * directory, and block rules of the policy, replaced as a set on every
 * (re)load.  Maps and links are pinned under bpffs so that enforcement
 * survives a crash or restart of the daemon; the next start re-adopts them
 * and swaps in its programs with one link update each (no window).
 */
#ifndef SG_ENFORCE_H
#define SG_ENFORCE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <netinet/in.h>
#include <linux/types.h>
#include "addr.h"
#include "sysguard.h"

#define SG_PIN_DIR "/sys/fs/bpf/sysguard"
#define ENFORCE_SOURCE_RUNTIME "runtime" /* enforce_rule.source of a sysguardctl block rule */

struct kernel;

struct enforce_rule {
	struct addr_cidr net;
	uint16_t port_lo, port_hi;   /* 0-65535: any port */
	uint8_t proto;               /* IPPROTO_TCP, IPPROTO_UDP, 0 any */
	uint8_t hooks;               /* SG_HOOK_*: connect+sendmsg, or bind */
	char cgroup[256];            /* "" every cgroup; else a path under the cgroup2 root */
	uint64_t cgroup_id;
	uint16_t cg_level;
	int64_t created;             /* unix seconds */
	int64_t expires;             /* unix seconds, 0 never */
	char comment[256];
	char source[128];            /* "runtime", or the policy rule id */
	char container[256];         /* a runtime rule for one container: its name (cgroup is its) */
	char container_id[136];      /* and its id: the rule goes when that container stops */
	uint32_t slot;               /* in the hits map */
};

struct enforce_opts {
	const char *state_dir;       /* blocks.json lives here */
	const char *pin_dir;         /* default SG_PIN_DIR */
	bool release_on_stop;        /* clean stop: detach and unpin everything */
	uint32_t tel_hooks;          /* SG_HOOK_CONNECT, SG_HOOK_BIND: report the calls let through
	                                (telemetry backend "cgroup") */
	uint32_t wakeup_bytes;       /* pending ring bytes that make such a report wake the daemon */
};

struct enforce;

/* Returns 0 or -errno with a one-line reason in err. */
int enforce_open(struct enforce **ret, struct kernel *k, const struct enforce_opts *o, char *err,
		 size_t errlen);
/* clean: a deliberate stop (SIGTERM); false on a failed start-up. */
void enforce_close(struct enforce *e, bool clean);

/* The longest ttl a runtime rule may have: ten years. */
#define ENFORCE_TTL_MAX (10ull * 365 * 86400)

/*
 * The hooks a rule applies to: bind, or connect and (unless it is TCP-only)
 * unconnected UDP sendmsg.
 */
static inline uint8_t enforce_hooks(uint8_t proto, bool bind)
{
	if (bind)
		return SG_HOOK_BIND;
	return proto == IPPROTO_TCP ? SG_HOOK_CONNECT : SG_HOOK_CONNECT | SG_HOOK_SENDMSG;
}

/* A runtime rule (sysguardctl block), kept across restarts; else a policy's. */
static inline bool enforce_rule_runtime(const struct enforce_rule *r)
{
	return strcmp(r->source, ENFORCE_SOURCE_RUNTIME) == 0;
}

/* The rule as text: "10.0.0.0/8:443 tcp connect cgroup=/x". */
int enforce_rule_format(const struct enforce_rule *r, char *buf, size_t len);

/* Add a runtime rule: -EEXIST if the same rule is there, -ENOSPC when full. */
int enforce_add(struct enforce *e, struct enforce_rule *r, char *err, size_t errlen);
/* Remove the runtime rule equal to r: -ENOENT if there is none. */
int enforce_remove(struct enforce *e, const struct enforce_rule *r, char *err, size_t errlen);

/* Replace every policy-sourced rule by rules[0..n) (a policy (re)load). */
int enforce_set_policy_rules(struct enforce *e, const struct enforce_rule *rules, size_t n,
			     char *err, size_t errlen);

/* Drop expired rules; calls cb for each. Returns how many. */
int enforce_expire(struct enforce *e, void (*cb)(void *arg, const struct enforce_rule *r),
		   void *arg);

/*
 * Runtime rules scoped to a container (rule.container) whose cgroup is gone:
 * the container stopped (while the daemon ran, or before it started again).
 * Removed, and cb(arg, r) for each.  Returns how many.
 */
int enforce_prune_containers(struct enforce *e,
			     void (*cb)(void *arg, const struct enforce_rule *r), void *arg);

size_t enforce_count(const struct enforce *e);
const struct enforce_rule *enforce_get(const struct enforce *e, size_t i);
const struct enforce_rule *enforce_by_slot(const struct enforce *e, uint32_t slot);
uint64_t enforce_hits(const struct enforce *e, uint32_t slot);
const char *enforce_cgroup_root(const struct enforce *e);

/*
 * Where the root of the cgroup v2 hierarchy is mounted ("/sys/fs/cgroup",
 * ".../unified", or the host's under a container's host_root): 0 or -ENOENT.
 */
int enforce_find_cgroup2(char *buf, size_t len);

#endif /* SG_ENFORCE_H */
