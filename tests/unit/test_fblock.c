// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Unit tests of what the policy tells the file enforcer (policy_fblock.c):
 * which mechanism each block rule asks for and why not, the path prefixes
 * to mark, when an allowed file may be remembered, the checker's refusals
 * (shell, loader) and 'force', and the mechanism reported per rule.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <json-c/json.h>
#include "policy.h"

static struct policy *load(const char *text, struct policy_diag *d)
{
	struct policy *p = NULL;

	policy_diag_init(d);
	if (policy_load_string("t.yaml", text, strlen(text), &p, d) < 0)
		return NULL;
	return p;
}

static const char *plan_of(struct policy *p, const char *id, const char **reason)
{
	struct policy_rule_info ri;

	for (size_t i = 0; i < policy_rule_count(p); i++)
		if (policy_rule_info(p, i, &ri) == 0 && !strcmp(ri.id, id)) {
			*reason = ri.reason;
			return ri.plan;
		}
	fail_msg("no rule '%s'", id);
	return NULL;
}

static void test_plans(void **state)
{
	struct policy_diag d;
	const char *why;
	struct policy *p = load(
		"version: 1\nrules:\n"
		"  - {id: net, events: [connect], match: {net.port: 25}, action: block}\n"
		"  - {id: exec, events: [exec], match: {exec.filename: {prefix: /tmp/}, proc.uid: 1000},"
		" action: block}\n"
		"  - {id: write, events: [write], match: {file.path: /etc/ld.so.preload}, action: block}\n"
		"  - {id: unlink, events: [unlink], match: {file.path: /etc/passwd}, action: block}\n"
		"  - {id: result, events: [open], match: {file.path: /x, result: failure},"
		" action: block}\n"
		"  - {id: argv, events: [exec], match: {proc.argv: {contains: x}}, action: block}\n"
		"  - {id: mixed, events: [exec, connect], action: block}\n"
		"  - {id: logged, events: [open], action: log}\n", &d);

	assert_non_null(p);
	assert_string_equal(plan_of(p, "net", &why), "cgroup");
	assert_string_equal(plan_of(p, "exec", &why), "fanotify");
	assert_string_equal(plan_of(p, "write", &why), "fanotify");
	assert_string_equal(plan_of(p, "unlink", &why), "none");
	assert_non_null(strstr(why, "BPF-LSM"));
	assert_string_equal(plan_of(p, "result", &why), "none");
	assert_non_null(strstr(why, "result"));
	assert_string_equal(plan_of(p, "argv", &why), "none");
	assert_non_null(strstr(why, "arguments"));
	/* exec and connect without conditions: BPF-LSM could (it is not here) */
	assert_string_equal(plan_of(p, "mixed", &why), "none");
	assert_non_null(strstr(why, "needs BPF-LSM"));
	assert_null(plan_of(p, "logged", &why));
	/* one warning per monitor-only rule */
	assert_int_equal(d.warnings, 4);
	policy_diag_fini(&d);
	policy_free(p);
}

struct seen {
	char v[16][64];
	int exec[16];
	int named[16];
	size_t n;
};

static int collect(void *arg, const struct policy_file_block *b)
{
	struct seen *s = arg;

	assert_true(s->n < 16);
	snprintf(s->v[s->n], sizeof(s->v[0]), "%s", b->path);
	s->exec[s->n] = b->exec;
	s->named[s->n] = b->named;
	s->n++;
	return 0;
}

static void test_prefixes(void **state)
{
	struct policy_diag d;
	struct seen s = { 0 };
	struct policy *p = load(
		"version: 1\nrules:\n"
		"  - {id: a, events: [exec], match: {exec.filename: {prefix: [/tmp/, /dev/shm/]}},"
		" action: block}\n"
		"  - {id: b, events: [open], match: {file.path: {glob: '/var/lib/*/secret'}},"
		" action: block}\n"
		"  - {id: c, events: [write], match: {file.name: passwd}, action: block}\n", &d);

	assert_non_null(p);
	assert_int_equal(policy_file_blocks(p, collect, &s), 3);
	assert_int_equal(s.n, 4);
	assert_string_equal(s.v[0], "/dev/shm/");
	assert_string_equal(s.v[1], "/tmp/");
	assert_true(s.exec[0] && s.exec[1] && s.named[0]);
	assert_string_equal(s.v[2], "/var/lib/");
	assert_false(s.exec[2]);
	/* a rule that names no path: the root filesystem, said so */
	assert_string_equal(s.v[3], "/");
	assert_false(s.named[3]);
	policy_diag_fini(&d);
	policy_free(p);
}

static void test_cacheable(void **state)
{
	struct policy_diag d;
	struct policy *p = load(
		"version: 1\nrules:\n"
		"  - {id: a, events: [exec], match: {exec.filename: {prefix: /tmp/}}, action: block}\n"
		"  - {id: b, events: [open], match: {file.path: /etc/x}, action: block}\n", &d);

	assert_non_null(p);
	assert_true(policy_file_cacheable(p, SG_EV_EXEC));
	assert_true(policy_file_cacheable(p, SG_EV_OPEN));
	policy_diag_fini(&d);
	policy_free(p);
	/* a verdict that depends on the process or on write intent is not kept per file */
	p = load("version: 1\nrules:\n"
		 "  - {id: a, events: [exec], match: {exec.filename: {prefix: /tmp/}, proc.uid: 0},"
		 " action: block}\n"
		 "  - {id: b, events: [write], match: {file.path: /etc/x}, action: block}\n", &d);
	assert_non_null(p);
	assert_false(policy_file_cacheable(p, SG_EV_EXEC));
	assert_false(policy_file_cacheable(p, SG_EV_OPEN));
	policy_diag_fini(&d);
	policy_free(p);
}

static void test_refusals(void **state)
{
	struct policy_diag d;
	struct policy *p;

	p = load("version: 1\nrules:\n"
		 "  - {id: a, events: [exec], match: {exec.filename: {prefix: /bin/}}, action: block}\n",
		 &d);
	assert_null(p);
	assert_int_equal(d.errors, 1);
	assert_non_null(strstr(d.msgs[0].text, "'/bin/sh' (a shell)"));
	policy_diag_fini(&d);
	p = load("version: 1\nrules:\n"
		 "  - {id: a, events: [exec], match: {exec.filename: {prefix: /bin/}}, action: block,"
		 " force: true}\n", &d);
	assert_non_null(p);
	policy_diag_fini(&d);
	policy_free(p);
	/* narrowed to a user, or an exception: accepted */
	p = load("version: 1\nrules:\n"
		 "  - {id: a, events: [exec], match: {exec.filename: /bin/sh, proc.uid: 4242},"
		 " action: block}\n", &d);
	assert_non_null(p);
	policy_diag_fini(&d);
	policy_free(p);
	/* a disabled rule, or one that only logs, is never refused */
	p = load("version: 1\nrules:\n"
		 "  - {id: a, events: [open], action: block, enabled: false}\n"
		 "  - {id: b, events: [exec], action: alert}\n", &d);
	assert_non_null(p);
	policy_diag_fini(&d);
	policy_free(p);
	p = load("version: 1\nrules:\n  - {id: a, events: [open], action: block}\n", &d);
	assert_null(p);
	assert_non_null(strstr(d.msgs[0].text, "(the dynamic loader)"));
	policy_diag_fini(&d);
}

static void test_mechanism_reported(void **state)
{
	struct policy_diag d;
	struct json_object *a;
	struct policy *p;

	policy_set_lsm(false, "not here");
	p = load(
		"version: 1\nrules:\n"
		"  - {id: a, events: [exec], match: {exec.filename: {prefix: /tmp/}}, action: block}\n"
		"  - {id: b, events: [unlink], action: block}\n", &d);

	assert_non_null(p);
	/* planned: what the rule asks for */
	assert_int_equal(policy_block_rules_json(p, true, &a), 0);
	assert_string_equal(json_object_to_json_string_ext(a, JSON_C_TO_STRING_PLAIN),
			    "[{\"id\":\"a\",\"mechanism\":\"fanotify\"},{\"id\":\"b\",\"mechanism\":"
			    "\"none\",\"reason\":\"it needs BPF-LSM, which is unavailable: not "
			    "here\"}]");
	json_object_put(a);
	/* in force: nothing until an enforcer says so */
	assert_int_equal(policy_block_rules_json(p, false, &a), 0);
	assert_non_null(strstr(json_object_to_json_string(a), "its enforcer is not in force"));
	json_object_put(a);
	assert_int_equal(policy_rule_set_enforcer(p, 0, "fanotify", NULL), 0);
	assert_int_equal(policy_rule_set_enforcer(p, 1, NULL, "no LSM here"), 0);
	assert_int_equal(policy_block_rules_json(p, false, &a), 0);
	assert_string_equal(json_object_to_json_string_ext(a, JSON_C_TO_STRING_PLAIN),
			    "[{\"id\":\"a\",\"mechanism\":\"fanotify\"},{\"id\":\"b\",\"mechanism\":"
			    "\"none\",\"reason\":\"no LSM here\"}]");
	json_object_put(a);
	{
		/* an enforced verdict names its mechanism */
		struct sg_event ev;

		memset(&ev, 0, sizeof(ev));
		ev.type = SG_EV_EXEC;
		ev.exec.filename = "/tmp/x";
		ev.proc.exe = "/tmp/x";
		assert_int_equal(policy_eval(p, &ev, NULL), SG_ACT_BLOCK);
		assert_true(ev.verdict.enforced);
		assert_string_equal(ev.verdict.mechanism, "fanotify");
	}
	policy_diag_fini(&d);
	policy_free(p);
}

/* Collects the BPF-LSM entries of a rule. */
struct ents {
	struct sg_lsm_rule e[64];
	size_t n;
};

static int collect_ent(void *arg, const struct sg_lsm_rule *ent)
{
	struct ents *x = arg;

	if (x->n == 64)
		return -ENOSPC;
	x->e[x->n++] = *ent;
	return 0;
}

static int find_rule(struct policy *p, const char *id)
{
	struct policy_rule_info ri;

	for (size_t i = 0; i < policy_rule_count(p); i++)
		if (policy_rule_info(p, i, &ri) == 0 && !strcmp(ri.id, id))
			return (int)i;
	fail_msg("no rule '%s'", id);
	return -1;
}

static const struct sg_lsm_cond *cond_of(const struct sg_lsm_rule *e, int field)
{
	for (uint32_t i = 0; i < e->n; i++)
		if (e->c[i].field == field)
			return &e->c[i];
	return NULL;
}

/* Where BPF-LSM is available: plans, and the entries the kernel judges with. */
static void test_lsm(void **state)
{
	struct policy_diag d;
	struct ents x;
	const char *why;
	const struct sg_lsm_cond *c;
	struct policy *p;

	policy_set_lsm(true, NULL);
	p = load("version: 1\nrules:\n"
		 "  - {id: net, events: [connect], match: {net.port: 4444}, action: block}\n"
		 "  - {id: bycomm, events: [connect], match: {proc.comm: [curl, wget], net.port: 443},"
		 " action: block}\n"
		 "  - {id: tmp, events: [exec], match: {exec.filename: {prefix: /tmp/}},"
		 " except: [{proc.uid: [0, 1000-1999]}], action: block}\n"
		 "  - {id: keep, events: [unlink, rename], match: {file.path: {glob: '/srv/keep/*'}},"
		 " action: block}\n"
		 "  - {id: sfx, events: [write], match: {file.path: {suffix: .so}, proc.exe:"
		 " {not: /usr/bin/apt}}, action: block}\n"
		 "  - {id: glob, events: [unlink], match: {file.path: {glob: '/home/*/.ssh/*'}}, action: block}\n"
		 "  - {id: argv, events: [exec], match: {proc.argv: {contains: x}}, action: block}\n"
		 "  - {id: anc, events: [open], match: {ancestor.name: sshd, file.path: /etc/x},"
		 " action: block}\n", &d);
	assert_non_null(p);
	assert_string_equal(plan_of(p, "net", &why), "cgroup");
	assert_string_equal(plan_of(p, "bycomm", &why), "lsm");
	assert_string_equal(plan_of(p, "tmp", &why), "lsm");
	assert_string_equal(plan_of(p, "keep", &why), "lsm");
	assert_string_equal(plan_of(p, "sfx", &why), "lsm");
	/* what the kernel cannot judge: nothing (unlink) or fanotify (exec, open) */
	assert_string_equal(plan_of(p, "glob", &why), "none");
	assert_non_null(strstr(why, "prefix"));
	assert_string_equal(plan_of(p, "argv", &why), "none");
	assert_string_equal(plan_of(p, "anc", &why), "fanotify");

	/* an 'in' list multiplies: two entries, each comm with the port */
	memset(&x, 0, sizeof(x));
	assert_int_equal(policy_lsm_entries(p, find_rule(p, "bycomm"), collect_ent, &x), 2);
	for (size_t i = 0; i < 2; i++) {
		assert_int_equal(x.e[i].hooks, SG_LH_CONNECT);
		assert_int_equal(x.e[i].n, 2);
		c = cond_of(&x.e[i], SG_LF_PORT);
		assert_non_null(c);
		assert_int_equal(c->lo, 443);
		assert_int_equal(c->hi, 443);
	}
	c = cond_of(&x.e[0], SG_LF_COMM);
	assert_non_null(c);
	assert_int_equal(c->op, SG_LO_EXACT);
	assert_memory_equal(c->s, "curl", 5);
	assert_memory_equal(cond_of(&x.e[1], SG_LF_COMM)->s, "wget", 5);

	/* except (a or b): not a and not b, in the one entry */
	memset(&x, 0, sizeof(x));
	assert_int_equal(policy_lsm_entries(p, find_rule(p, "tmp"), collect_ent, &x), 1);
	assert_int_equal(x.e[0].hooks, SG_LH_EXEC);
	assert_int_equal(x.e[0].n, 3);
	assert_int_equal(x.e[0].c[0].field, SG_LF_PATH);
	assert_int_equal(x.e[0].c[0].op, SG_LO_PREFIX);
	assert_int_equal(x.e[0].c[0].len, 5);
	assert_int_equal(x.e[0].c[0].neg, 0);
	for (int i = 1; i < 3; i++) {
		assert_int_equal(x.e[0].c[i].field, SG_LF_UID);
		assert_int_equal(x.e[0].c[i].neg, 1);
	}
	assert_int_equal(x.e[0].c[2].lo, 1000);
	assert_int_equal(x.e[0].c[2].hi, 1999);

	/* unlink and rename: rename has new_path, so it is compiled on its own */
	memset(&x, 0, sizeof(x));
	assert_int_equal(policy_lsm_entries(p, find_rule(p, "keep"), collect_ent, &x), 2);
	assert_int_equal(x.e[0].hooks | x.e[1].hooks, SG_LH_UNLINK | SG_LH_RENAME);
	assert_int_equal(x.e[0].c[0].op, SG_LO_PREFIX);
	assert_memory_equal(x.e[0].c[0].s, "/srv/keep/", 10);

	/* write: opens with write intent; proc.exe outside an exec is the caller's program */
	memset(&x, 0, sizeof(x));
	assert_int_equal(policy_lsm_entries(p, find_rule(p, "sfx"), collect_ent, &x), 1);
	assert_int_equal(x.e[0].hooks, SG_LH_OPEN_WRITE);
	c = cond_of(&x.e[0], SG_LF_EXE);
	assert_non_null(c);
	assert_int_equal(c->neg, 1);
	assert_int_equal(cond_of(&x.e[0], SG_LF_PATH)->op, SG_LO_SUFFIX);

	policy_diag_fini(&d);
	policy_free(p);
	policy_set_lsm(false, "not here");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plans),
		cmocka_unit_test(test_prefixes),
		cmocka_unit_test(test_cacheable),
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_mechanism_reported),
		cmocka_unit_test(test_lsm),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
