// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Unit tests of sysguardd/enforce_state.c in a temporary directory: runtime
 * rules saved and read back with their fields and slots, policy rules not
 * saved, expired and invalid rules dropped, a rule the caller refuses not
 * counted, and files that cannot be used.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <cmocka.h>
#include "enforce_state.h"

static char dir[64], path[128];

struct got {
	struct enforce_rule r[8];
	int64_t slot[8];
	size_t n;
	int refuse;              /* refuse the rule at this index + 1 */
};

static int add(void *arg, struct enforce_rule *r, int64_t slot)
{
	struct got *g = arg;

	if (g->refuse && (size_t)g->refuse == g->n + 1) {
		g->refuse = 0;
		return -ENOSPC;
	}
	assert_true(g->n < 8);
	g->r[g->n] = *r;
	g->slot[g->n++] = slot;
	return 0;
}

static int setup(void **state)
{
	snprintf(dir, sizeof(dir), "/tmp/sg-estate-XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	snprintf(path, sizeof(path), "%s/" ENFORCE_STATE_FILE, dir);
	return 0;
}

static int teardown(void **state)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static struct enforce_rule rule(const char *net, const char *source, int64_t expires,
				uint32_t slot)
{
	struct enforce_rule r;
	const char *why;

	memset(&r, 0, sizeof(r));
	assert_int_equal(addr_parse_cidr(net, &r.net, &why), 0);
	r.port_lo = 443;
	r.port_hi = 443;
	r.proto = IPPROTO_TCP;
	r.hooks = enforce_hooks(r.proto, false);
	r.created = 1000;
	r.expires = expires;
	r.slot = slot;
	snprintf(r.source, sizeof(r.source), "%s", source);
	snprintf(r.comment, sizeof(r.comment), "c %u", slot);
	return r;
}

static void put(const char *text)
{
	FILE *f = fopen(path, "we");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void round_trip(void **state)
{
	struct enforce_rule rules[4] = {
		rule("10.0.0.0/8", ENFORCE_SOURCE_RUNTIME, 0, 7),
		rule("192.0.2.1", "policy-rule", 0, 8),
		rule("2001:db8::/32", ENFORCE_SOURCE_RUNTIME, 4000000000, 9),
		rule("198.51.100.0/24", ENFORCE_SOURCE_RUNTIME, 0, 10),
	};
	struct got g = { .n = 0 };
	struct stat st;
	char tmp[160];

	rules[3].proto = 0;
	rules[3].hooks = enforce_hooks(0, true); /* a bind rule stays one across a restart */
	snprintf(rules[3].cgroup, sizeof(rules[3].cgroup), "/system.slice");
	assert_int_equal(enforce_state_save(dir, path, rules, 4), 0);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	assert_int_equal(access(tmp, F_OK), -1);

	assert_int_equal(enforce_state_load(path, 2000, add, &g), 3);
	assert_int_equal(g.n, 3);
	/* the policy's rule is not kept */
	assert_int_equal(addr_cidr_cmp(&g.r[0].net, &rules[0].net), 0);
	assert_int_equal(addr_cidr_cmp(&g.r[1].net, &rules[2].net), 0);
	assert_int_equal(addr_cidr_cmp(&g.r[2].net, &rules[3].net), 0);
	assert_int_equal(g.slot[0], 7);
	assert_int_equal(g.slot[1], 9);
	assert_int_equal(g.slot[2], 10);
	for (size_t i = 0; i < 3; i++)
		assert_string_equal(g.r[i].source, ENFORCE_SOURCE_RUNTIME);
	assert_int_equal(g.r[0].port_lo, 443);
	assert_int_equal(g.r[0].port_hi, 443);
	assert_int_equal(g.r[0].proto, IPPROTO_TCP);
	assert_int_equal(g.r[0].hooks, rules[0].hooks);
	assert_int_equal(g.r[0].created, 1000);
	assert_string_equal(g.r[0].comment, "c 7");
	assert_int_equal(g.r[1].expires, 4000000000);
	assert_int_equal(g.r[2].proto, 0);
	assert_int_equal(g.r[2].hooks, SG_HOOK_BIND);
	assert_string_equal(g.r[2].cgroup, "/system.slice");

	/* expired by now: dropped; refused by the caller: not counted */
	memset(&g, 0, sizeof(g));
	g.refuse = 1;
	assert_int_equal(enforce_state_load(path, 4000000000, add, &g), 1);
	assert_int_equal(g.n, 1);
	assert_int_equal(addr_cidr_cmp(&g.r[0].net, &rules[3].net), 0);
}

static void defaults_and_bad_rules(void **state)
{
	struct got g = { .n = 0 };

	put("{\"version\":1,\"rules\":[{\"addr\":\"10.1.0.0/16\"},{\"addr\":\"nonsense\"},"
	    "{\"port_lo\":1},{\"addr\":\"10.2.0.0/16\",\"slot\":\"x\",\"proto\":6}]}");
	assert_int_equal(enforce_state_load(path, 5000, add, &g), 2);
	assert_int_equal(g.r[0].port_lo, 0);
	assert_int_equal(g.r[0].port_hi, 65535);
	assert_int_equal(g.r[0].proto, 0);
	assert_int_equal(g.r[0].created, 5000);
	assert_int_equal(g.r[0].hooks, SG_HOOK_CONNECT | SG_HOOK_SENDMSG);
	assert_int_equal(g.slot[0], -1);
	assert_int_equal(g.r[1].hooks, SG_HOOK_CONNECT);
	assert_int_equal(g.slot[1], -1);
}

static void unusable_files(void **state)
{
	struct got g = { .n = 0 };
	char missing[160];

	snprintf(missing, sizeof(missing), "%s/none.json", dir);
	assert_int_equal(enforce_state_load(missing, 1, add, &g), 0);
	put("{ not json");
	assert_int_equal(enforce_state_load(path, 1, add, &g), 0);
	put("{\"rules\":{}}");
	assert_int_equal(enforce_state_load(path, 1, add, &g), 0);
	assert_int_equal(g.n, 0);
	/* a directory that is not there: the save fails, nothing is left behind */
	snprintf(missing, sizeof(missing), "%s/no/blocks.json", dir);
	assert_int_equal(enforce_state_save(dir, missing, NULL, 0), -ENOENT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(round_trip),
		cmocka_unit_test(defaults_and_bad_rules),
		cmocka_unit_test(unusable_files),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
