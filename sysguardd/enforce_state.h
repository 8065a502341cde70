/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The runtime block rules kept across restarts (sysguardctl block): a JSON
 * file in the state directory, written whole after every change (temporary
 * file, fsync, rename, fsync of the directory) and read back at start, with
 * expired and invalid rules dropped.  Policy block rules are not kept: the
 * policy brings them again.
 */
#ifndef SG_ENFORCE_STATE_H
#define SG_ENFORCE_STATE_H

#include <stddef.h>
#include <stdint.h>
#include "enforce.h"

#define ENFORCE_STATE_FILE "blocks.json"

/* The runtime rules among rules[0..n) into path, in directory dir: 0 or -errno (logged). */
int enforce_state_save(const char *dir, const char *path, const struct enforce_rule *rules,
		       size_t n);

/*
 * Read path: each rule not expired at now is passed to add() with the slot
 * it had (-1: none said), which returns 0 when it keeps the rule.  What was
 * restored, and that some were dropped, is logged; so is a file that cannot
 * be used (a missing one is not).  Returns how many were kept.
 */
size_t enforce_state_load(const char *path, int64_t now,
			  int (*add)(void *arg, struct enforce_rule *r, int64_t slot), void *arg);

#endif /* SG_ENFORCE_STATE_H */
