// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Unit tests of sysguardd/enforce_maps.c without maps (writing them needs
 * root: tests/system/test_enforce.py): the value of one prefix, built from
 * the rules on exactly that prefix, with their ports, protocol, hooks,
 * cgroup, slot and expiry, and its bound.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>
#include "enforce_maps.h"

static struct enforce_rule rule(const char *net, uint16_t port, uint32_t slot)
{
	struct enforce_rule r;
	const char *why;

	memset(&r, 0, sizeof(r));
	assert_int_equal(addr_parse_cidr(net, &r.net, &why), 0);
	r.port_lo = port;
	r.port_hi = port;
	r.proto = IPPROTO_UDP;
	r.hooks = enforce_hooks(r.proto, false);
	r.slot = slot;
	return r;
}

static void value_of_prefix(void **state)
{
	struct enforce_rule rules[4] = {
		rule("10.0.0.0/8", 53, 1),
		rule("10.0.0.0/16", 53, 2),  /* another prefix */
		rule("10.0.0.0/8", 123, 3),
		rule("2001:db8::/32", 53, 4),
	};
	struct sg_block_val v;

	rules[2].cgroup_id = 77;
	rules[2].cg_level = 2;
	snprintf(rules[2].cgroup, sizeof(rules[2].cgroup), "/a/b");
	rules[2].expires = time(NULL) + 3600;
	rules[0].cgroup_id = 99; /* no cgroup named: not used */
	assert_int_equal(enforce_maps_value(rules, 4, &rules[0].net, &v), 0);
	assert_int_equal(v.prefixlen, 8);
	assert_int_equal(v.n, 2);
	assert_int_equal(v.ent[0].rule, 1);
	assert_int_equal(v.ent[0].port_lo, 53);
	assert_int_equal(v.ent[0].port_hi, 53);
	assert_int_equal(v.ent[0].proto, IPPROTO_UDP);
	assert_int_equal(v.ent[0].hooks, SG_HOOK_CONNECT | SG_HOOK_SENDMSG);
	assert_int_equal(v.ent[0].cgroup_id, 0);
	assert_int_equal(v.ent[0].expires_ns, 0);
	assert_int_equal(v.ent[1].rule, 3);
	assert_int_equal(v.ent[1].cgroup_id, 77);
	assert_int_equal(v.ent[1].cg_level, 2);
	assert_true(v.ent[1].expires_ns > 0);

	assert_int_equal(enforce_maps_value(rules, 4, &rules[3].net, &v), 0);
	assert_int_equal(v.prefixlen, 32);
	assert_int_equal(v.n, 1);
	assert_int_equal(v.ent[0].rule, 4);

	/* no rule on it: an empty value (deleted from the map) */
	assert_int_equal(enforce_maps_value(rules, 0, &rules[0].net, &v), 0);
	assert_int_equal(v.n, 0);
}

static void bounded(void **state)
{
	struct enforce_rule rules[SG_BLOCK_PER_PREFIX + 1];
	struct sg_block_val v;

	for (int i = 0; i <= SG_BLOCK_PER_PREFIX; i++)
		rules[i] = rule("192.0.2.0/24", 1000 + i, i);
	assert_int_equal(enforce_maps_value(rules, SG_BLOCK_PER_PREFIX, &rules[0].net, &v), 0);
	assert_int_equal(v.n, SG_BLOCK_PER_PREFIX);
	assert_int_equal(enforce_maps_value(rules, SG_BLOCK_PER_PREFIX + 1, &rules[0].net, &v),
			 -E2BIG);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(value_of_prefix),
		cmocka_unit_test(bounded),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
