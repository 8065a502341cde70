/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The maps network enforcement judges with (bpf/enforce.bpf.c), written
 * from the rule list, which is the truth: two LPM tries (IPv4, IPv6) keyed
 * by prefix, whose value holds every rule on that exact prefix, and the hit
 * counts by rule slot.  A change touches one prefix: its value is rebuilt
 * and written with one map update, or deleted.  A bulk change (start-up,
 * policy reload) sorts the rules, writes every prefix, then deletes the
 * prefixes no rule holds any more; a rule that stays is never absent from
 * the map in between.
 */
#ifndef SG_ENFORCE_MAPS_H
#define SG_ENFORCE_MAPS_H

#include <stddef.h>
#include <stdint.h>
#include "enforce.h"

struct enforce_maps {
	int block4, block6;          /* the tries */
	int hits;                    /* calls stopped, by slot */
};

/*
 * The value of prefix c: every rule of rules[0..n) on it, in their order.
 * 0, or -E2BIG when there are more than SG_BLOCK_PER_PREFIX.
 */
int enforce_maps_value(const struct enforce_rule *rules, size_t n, const struct addr_cidr *c,
		       struct sg_block_val *ret);

/* Write the value of prefix c from rules[0..n) (delete it when none is on it): 0 or -errno. */
int enforce_maps_sync_prefix(const struct enforce_maps *m, const struct enforce_rule *rules,
			     size_t n, const struct addr_cidr *c);

/*
 * Sort rules[0..n) by prefix, write every prefix, then delete the ones no
 * rule holds.  0, or the last error (-E2BIG: too many rules on a prefix,
 * whose value is then left as it was); each is logged.
 */
int enforce_maps_sync_all(const struct enforce_maps *m, struct enforce_rule *rules, size_t n);

/* Slot's hit count, and its reset for a new rule. */
uint64_t enforce_maps_hits(const struct enforce_maps *m, uint32_t slot);
void enforce_maps_reset_hits(const struct enforce_maps *m, uint32_t slot);

#endif /* SG_ENFORCE_MAPS_H */
