/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * BPF-LSM enforcement: the programs of bpf/lsm.bpf.c on the exec, open,
 * unlink, rmdir, rename and connect hooks, and the rule entries they judge
 * with.  Opened only when lsm_probe() says the kernel runs BPF LSM programs.
 * A policy (re)load compiles every block rule planned for "lsm" into entries
 * of the unused generation of the rule map and then switches generations
 * with one write, so that no call is judged against half a policy.
 *
 * Links are pinned under the pin directory: the blocks in force survive a
 * crash or a stop (unless release_on_stop, or none is in force) with the
 * programs and maps of the daemon that loaded them; the next start attaches
 * its own programs first and only then lets the old links go (no window).
 */
#ifndef SG_LSMBLOCK_H
#define SG_LSMBLOCK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "event.h"

struct kernel;
struct policy;

struct lsmblock_opts {
	const char *pin_dir;         /* default SG_PIN_DIR */
	bool release_on_stop;
	bool tel_open;               /* report the opens let through (telemetry backend "lsm") */
};

struct lsmblock_stats {
	size_t programs;             /* attached */
	size_t rules;                /* policy rules in force */
	size_t entries;              /* their kernel entries */
	uint64_t hits;               /* calls stopped, since start (this daemon's programs) */
	bool adopted;                /* links a previous daemon left were replaced */
	bool tel_open;               /* opens are reported from lsm/file_open */
};

struct lsmblock;

/* Returns 0 or -errno with a one-line reason in err. */
int lsmblock_open(struct lsmblock **ret, struct kernel *k, const struct lsmblock_opts *o,
		  char *err, size_t errlen);
/* clean: a deliberate stop; false on a failed start-up. */
void lsmblock_close(struct lsmblock *l, bool clean);

/*
 * Put the block rules of p planned for "lsm" in force (p NULL: none), each
 * recorded with policy_rule_set_enforcer(p, i, "lsm") or, if the table is
 * full, with the reason.  Returns the number of rules in force or -errno.
 */
int lsmblock_set_policy(struct lsmblock *l, struct policy *p);

/* The rule that owns slot (as the kernel reported it): its id and severity; false if unknown. */
bool lsmblock_rule(const struct lsmblock *l, uint32_t slot, const char **id,
		   enum sg_severity *sev);

void lsmblock_stats(const struct lsmblock *l, struct lsmblock_stats *ret);

/* Program i's hook ("lsm/file_open"), NULL past the last. */
const char *lsmblock_hook(const struct lsmblock *l, size_t i);

#endif /* SG_LSMBLOCK_H */
