// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Writing network enforcement's maps from the rule list (see
 * enforce_maps.h): the key and value of a prefix, a rule's expiry in boot
 * time, one prefix or all of them, the prune.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/socket.h>
#include <bpf/bpf.h>
#include "enforce_maps.h"
#include "log.h"

/* A wall-clock time as CLOCK_BOOTTIME nanoseconds, what the programs compare with. */
static uint64_t boot_ns_of(int64_t unix_sec)
{
	struct timespec rt, bt;
	int64_t off;

	clock_gettime(CLOCK_REALTIME, &rt);
	clock_gettime(CLOCK_BOOTTIME, &bt);
	off = (int64_t)rt.tv_sec - (int64_t)bt.tv_sec;
	return unix_sec > off ? (uint64_t)(unix_sec - off) * 1000000000ull : 1;
}

static int prefix_fd(const struct enforce_maps *m, int family)
{
	return family == AF_INET ? m->block4 : m->block6;
}

static void make_key(const struct addr_cidr *c, void *key)
{
	if (c->family == AF_INET) {
		struct sg_lpm4 *k = key;

		k->prefixlen = c->prefix;
		memcpy(k->addr, c->addr, 4);
	} else {
		struct sg_lpm6 *k = key;

		k->prefixlen = c->prefix;
		memcpy(k->addr, c->addr, 16);
	}
}

static int add_ent(struct sg_block_val *v, const struct enforce_rule *r)
{
	struct sg_block_ent *ent;

	if (v->n == SG_BLOCK_PER_PREFIX)
		return -E2BIG;
	ent = &v->ent[v->n++];
	ent->port_lo = r->port_lo;
	ent->port_hi = r->port_hi;
	ent->proto = r->proto;
	ent->hooks = r->hooks;
	ent->cg_level = r->cg_level;
	ent->cgroup_id = r->cgroup[0] ? r->cgroup_id : 0;
	ent->rule = r->slot;
	ent->expires_ns = r->expires ? boot_ns_of(r->expires) : 0;
	return 0;
}

/* Write (or delete, when empty) the value of prefix c. */
static int write_prefix(const struct enforce_maps *m, const struct addr_cidr *c,
			const struct sg_block_val *v)
{
	struct sg_lpm6 key; /* big enough for both */
	int fd = prefix_fd(m, c->family);

	memset(&key, 0, sizeof(key));
	make_key(c, &key);
	if (v->n == 0) {
		if (bpf_map_delete_elem(fd, &key) < 0 && errno != ENOENT)
			return -errno;
		return 0;
	}
	return bpf_map_update_elem(fd, &key, v, BPF_ANY) < 0 ? -errno : 0;
}

int enforce_maps_value(const struct enforce_rule *rules, size_t n, const struct addr_cidr *c,
		       struct sg_block_val *ret)
{
	memset(ret, 0, sizeof(*ret));
	ret->prefixlen = c->prefix;
	for (size_t i = 0; i < n; i++) {
		if (addr_cidr_cmp(&rules[i].net, c) == 0 && add_ent(ret, &rules[i]) < 0)
			return -E2BIG;
	}
	return 0;
}

/* Rebuild and write the value of one prefix from the rule list: O(rules). */
int enforce_maps_sync_prefix(const struct enforce_maps *m, const struct enforce_rule *rules,
			     size_t n, const struct addr_cidr *c)
{
	struct sg_block_val v;
	int r = enforce_maps_value(rules, n, c, &v);

	return r < 0 ? r : write_prefix(m, c, &v);
}

/* Whether a rule holds prefix c; the rules must be sorted. */
static bool sorted_has(const struct enforce_rule *rules, size_t n, const struct addr_cidr *c)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int r = addr_cidr_cmp(&rules[mid].net, c);

		if (r == 0)
			return true;
		if (r < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return false;
}

/* Delete map prefixes that no rule holds (after a bulk write). */
static void prune_family(const struct enforce_maps *m, const struct enforce_rule *rules, size_t n,
			 int family)
{
	int fd = prefix_fd(m, family);
	struct sg_lpm6 key, next;
	void *prev = NULL;

	while (bpf_map_get_next_key(fd, prev, &next) == 0) {
		struct addr_cidr c = { .family = family };

		if (family == AF_INET) {
			struct sg_lpm4 *k = (void *)&next;

			c.prefix = k->prefixlen;
			memcpy(c.addr, k->addr, 4);
		} else {
			c.prefix = next.prefixlen;
			memcpy(c.addr, next.addr, 16);
		}
		if (!sorted_has(rules, n, &c)) {
			bpf_map_delete_elem(fd, &next);
			prev = NULL; /* restart: the iteration order changed */
			continue;
		}
		key = next;
		prev = &key;
	}
}

static int cmp_rule_prefix(const void *a, const void *b)
{
	return addr_cidr_cmp(&((const struct enforce_rule *)a)->net,
			     &((const struct enforce_rule *)b)->net);
}

/* Sort the rules and write every prefix from its run of rules: O(n log n). */
int enforce_maps_sync_all(const struct enforce_maps *m, struct enforce_rule *rules, size_t n)
{
	int r = 0;

	if (n) /* qsort(NULL, 0, ...) is undefined */
		qsort(rules, n, sizeof(*rules), cmp_rule_prefix);
	for (size_t i = 0, j; i < n; i = j) {
		struct sg_block_val v;
		int w = 0;

		memset(&v, 0, sizeof(v));
		v.prefixlen = rules[i].net.prefix;
		for (j = i; j < n && addr_cidr_cmp(&rules[j].net, &rules[i].net) == 0; j++)
			if (w == 0)
				w = add_ent(&v, &rules[j]);
		if (w == 0)
			w = write_prefix(m, &rules[i].net, &v);
		r = w ? w : r;
		if (w < 0) {
			char t[ADDR_STR_MAX];

			addr_format_cidr(&rules[i].net, t, sizeof(t));
			sg_log(LOG_ERR, "cannot write the block rules for '%s': %s", t, strerror(-r));
		}
	}
	prune_family(m, rules, n, AF_INET);
	prune_family(m, rules, n, AF_INET6);
	return r;
}

uint64_t enforce_maps_hits(const struct enforce_maps *m, uint32_t slot)
{
	uint64_t v = 0;

	bpf_map_lookup_elem(m->hits, &slot, &v);
	return v;
}

void enforce_maps_reset_hits(const struct enforce_maps *m, uint32_t slot)
{
	uint64_t zero = 0;

	bpf_map_update_elem(m->hits, &slot, &zero, BPF_ANY);
}
