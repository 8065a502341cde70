// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Unit tests of sysguardd/ctl_ops.c, the control socket's commands, called
 * directly: no root, no BPF (kernel and enforcement NULL), a real pipeline
 * with a real process table writing to a temporary file.  Also the block
 * target parser of control.c (control_block_parse), which fills the rule the
 * handlers get.  Under `make SANITIZE=1` LeakSanitizer checks that status and
 * the policy commands free what they build.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <cmocka.h>
#include <json-c/json.h>
#include "config.h"
#include "control.h"
#include "ctl_ops.h"
#include "log.h"
#include "pipeline.h"
#include "policy.h"
#include "proctable.h"
#include "sg_limits.h"
#include "sink.h"

#define POLICY_A "version: 1\ndefaults: {action: log}\nrules:\n" \
		 "  - id: shells-out\n    events: [exec]\n    match:\n" \
		 "      proc.comm: [bash]\n    action: alert\n    severity: high\n"
#define POLICY_B POLICY_A "  - id: second\n    events: [open]\n    match:\n" \
		 "      file.path: /etc/shadow\n    action: alert\n    severity: high\n"

struct fx {
	char dir[64];
	char out[128];
	struct config cfg;
	struct proctable *pt;
	struct pipeline *pipe;
	struct sgd s;
	const struct control_ops *ops;
};

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	struct pipeline_hooks hooks = { 0 };

	assert_non_null(f);
	snprintf(f->dir, sizeof(f->dir), "/tmp/sg-ctlops-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->out, sizeof(f->out), "%s/events.ndjson", f->dir);
	config_defaults(&f->cfg);
	snprintf(f->cfg.policy, sizeof(f->cfg.policy), "%s/none.yaml", f->dir);
	f->pt = proctable_new(1024);
	assert_non_null(f->pt);
	f->pipe = pipeline_new(f->pt, &hooks);
	assert_non_null(f->pipe);
	assert_int_equal(pipeline_add_sink(f->pipe, sink_ndjson_new(f->out, 0)), 0);
	f->s.cfg = &f->cfg;
	f->s.pipe = f->pipe;
	f->s.pt = f->pt;
	f->s.output = f->out;
	snprintf(f->s.enforce_why, sizeof(f->s.enforce_why), "switched off in the configuration");
	assert_int_equal(ctl_apply_policy(&f->s, NULL, "(none)"), 0);
	f->ops = ctl_ops();
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	char cmd[160];

	ctl_fini(&f->s);
	pipeline_flush(f->pipe);
	pipeline_free(f->pipe); /* and its sink */
	proctable_free(f->pt);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
	assert_int_equal(system(cmd), 0);
	free(f);
	return 0;
}

static struct json_object *get(struct json_object *o, const char *path)
{
	char buf[128], *save = NULL;

	snprintf(buf, sizeof(buf), "%s", path);
	for (char *k = strtok_r(buf, ".", &save); k && o; k = strtok_r(NULL, ".", &save))
		if (!json_object_object_get_ex(o, k, &o))
			return NULL;
	return o;
}

static void write_file(const char *path, const char *text, size_t len)
{
	FILE *fp = fopen(path, "w");

	assert_non_null(fp);
	assert_int_equal(fwrite(text, 1, len, fp), len);
	assert_int_equal(fclose(fp), 0);
}

static char *read_all(const char *path)
{
	FILE *fp = fopen(path, "r");
	char *buf = calloc(1, 1 << 20);
	size_t n;

	assert_non_null(fp);
	assert_non_null(buf);
	n = fread(buf, 1, (1 << 20) - 1, fp);
	buf[n] = '\0';
	fclose(fp);
	return buf;
}

/* ---- status ---- */

static void test_status_fields(void **state)
{
	static const char *const present[] = {
		"version", "pid", "uptime_sec", "programs", "events", "events.exec.received",
		"events.mark.emitted", "drops", "drops.total", "drops.output", "drops.malformed",
		"alerts", "blocks", "policy.source", "policy.rules", "policy.loaded_at",
		"policy.kernel_filter", "enforcement.available", "enforcement.reason",
		"processes.tracked", "processes.evicted", "output.path", "output.written", NULL,
	};
	struct fx *f = *state;
	struct control_error err = { 0 };
	struct json_object *out = json_object_new_object();

	assert_int_equal(f->ops->status(&f->s, out, &err), 0);
	for (int i = 0; present[i]; i++)
		if (!get(out, present[i]))
			fail_msg("status has no '%s': %s", present[i], json_object_to_json_string(out));
	assert_string_equal(json_object_get_string(get(out, "version")), SG_VERSION);
	assert_int_equal(json_object_get_int(get(out, "pid")), getpid());
	assert_false(json_object_get_boolean(get(out, "enforcement.available")));
	assert_string_equal(json_object_get_string(get(out, "enforcement.reason")),
			    "switched off in the configuration");
	assert_string_equal(json_object_get_string(get(out, "policy.source")), "(none)");
	assert_int_equal(json_object_get_int(get(out, "policy.rules")), 0);
	assert_string_equal(json_object_get_string(get(out, "output.path")), f->out);
	/* no kernel: no programs, no kernel counters */
	assert_int_equal(json_object_object_length(get(out, "programs")), 0);
	assert_null(get(out, "events.exec.seen_in_kernel"));
	/* every member of drops is a count (sysguardctl status prints them as such) */
	json_object_object_foreach(get(out, "drops"), k, v)
		if (!json_object_is_type(v, json_type_int))
			fail_msg("drops.%s is not a number", k);
	json_object_put(out);
}

/* Many status requests: under LeakSanitizer a leak per request fails the binary. */
static void test_status_repeated(void **state)
{
	struct fx *f = *state;

	for (int i = 0; i < 200; i++) {
		struct control_error err = { 0 };
		struct json_object *out = json_object_new_object();

		assert_int_equal(f->ops->status(&f->s, out, &err), 0);
		json_object_put(out);
	}
}

/* ---- mark ---- */

static void test_mark_seq_increases(void **state)
{
	struct fx *f = *state;
	struct control_peer peer = { .uid = 1000, .member = true };
	uint64_t seq[3] = { 0 };
	char *text;

	for (int i = 0; i < 3; i++) {
		struct control_error err = { 0 };
		char t[32];

		snprintf(t, sizeof(t), "ctl-ops-mark-%d", i);
		assert_int_equal(f->ops->mark(&f->s, t, &peer, &seq[i], &err), 0);
		if (i)
			assert_true(seq[i] > seq[i - 1]);
	}
	/* the markers reached the sink, with their seq */
	text = read_all(f->out);
	for (int i = 0; i < 3; i++) {
		char needle[64];

		snprintf(needle, sizeof(needle), "\"seq\":%llu,", (unsigned long long)seq[i]);
		assert_non_null(strstr(text, needle));
		snprintf(needle, sizeof(needle), "ctl-ops-mark-%d", i);
		assert_non_null(strstr(text, needle));
	}
	free(text);
}

/* ---- policy ---- */

static void test_policy_check_inline(void **state)
{
	struct fx *f = *state;
	struct control_peer peer = { .member = true };
	struct control_policy_src good = { .text = POLICY_A, .name = "good.yaml" };
	struct control_policy_src bad = { .text = "version: 1\nrules:\n  - id: x\n    nope: 1\n",
					   .name = "bad.yaml" };
	struct control_error err = { 0 };
	struct json_object *out = json_object_new_object(), *e;

	assert_int_equal(f->ops->policy_check(&f->s, &good, &peer, out, &err), 0);
	assert_true(json_object_get_boolean(get(out, "valid")));
	assert_int_equal(json_object_get_int(get(out, "rules")), 1);
	assert_int_equal(json_object_array_length(get(out, "errors")), 0);
	json_object_put(out);

	out = json_object_new_object();
	assert_int_equal(f->ops->policy_check(&f->s, &bad, &peer, out, &err), 0);
	assert_false(json_object_get_boolean(get(out, "valid")));
	assert_true(json_object_array_length(get(out, "errors")) >= 1);
	e = json_object_array_get_idx(get(out, "errors"), 0);
	assert_string_equal(json_object_get_string(get(e, "file")), "bad.yaml");
	assert_true(json_object_get_int(get(e, "line")) >= 3);
	assert_true(json_object_get_int(get(e, "column")) >= 1);
	assert_true(strlen(json_object_get_string(get(e, "message"))) > 0);
	json_object_put(out);
	/* a check changes nothing */
	assert_null(f->s.policy);
	assert_string_equal(f->s.policy_src, "(none)");
}

static void test_policy_load_keeps_old_on_error(void **state)
{
	struct fx *f = *state;
	struct control_peer peer = { .admin = true };
	struct control_policy_src a = { .text = POLICY_A, .name = "a.yaml" };
	struct control_policy_src bad = { .text = "version: 1\nrules: [\n", .name = "bad.yaml" };
	struct control_error err = { 0 };
	struct json_object *out = json_object_new_object();
	struct policy *before;
	int64_t loaded_at;

	assert_int_equal(f->ops->policy_load(&f->s, &a, &peer, out, &err), 0);
	assert_int_equal(json_object_get_int(get(out, "rules")), 1);
	assert_string_equal(json_object_get_string(get(out, "source")), "inline");
	json_object_put(out);
	before = f->s.policy;
	loaded_at = f->s.policy_loaded_at;
	assert_non_null(before);

	out = json_object_new_object();
	assert_true(f->ops->policy_load(&f->s, &bad, &peer, out, &err) < 0);
	assert_int_equal(err.code, PROTO_E_INVALID_POLICY);
	assert_non_null(err.details);
	assert_true(json_object_array_length(err.details) >= 1);
	assert_non_null(strstr(err.message, "unchanged"));
	json_object_put(err.details);
	json_object_put(out);
	assert_ptr_equal(f->s.policy, before);
	assert_int_equal(f->s.policy_loaded_at, loaded_at);
	assert_int_equal(policy_rule_count(f->s.policy), 1);

	/* a path that does not exist: not_found, nothing changed */
	{
		struct control_policy_src missing = { .path = "/nonexistent/sg/policy.yaml" };

		memset(&err, 0, sizeof(err));
		out = json_object_new_object();
		assert_true(f->ops->policy_load(&f->s, &missing, &peer, out, &err) < 0);
		assert_int_equal(err.code, PROTO_E_NOT_FOUND);
		json_object_put(err.details);
		json_object_put(out);
		assert_ptr_equal(f->s.policy, before);
	}
	/* the refusal was reported as a policy event with ok false */
	pipeline_flush(f->pipe);
	{
		char *text = read_all(f->out);

		assert_non_null(strstr(text, "\"ok\":false"));
		free(text);
	}
}

/* A policy file over SG_POLICY_FILE_MAX is the policy's fault: invalid_policy, not internal. */
static void test_policy_load_too_large(void **state)
{
	struct fx *f = *state;
	struct control_peer peer = { .admin = true };
	struct control_policy_src a = { .text = POLICY_A };
	char path[160], limit[32];
	struct control_policy_src big = { .path = path };
	struct control_error err = { 0 };
	struct json_object *out = json_object_new_object();
	size_t len = SG_POLICY_FILE_MAX + 1;
	char *text = malloc(len);
	struct policy *before;

	assert_non_null(text);
	memset(text, '#', len);
	text[len - 1] = '\n';
	snprintf(path, sizeof(path), "%s/big.yaml", f->dir);
	write_file(path, text, len);
	free(text);
	snprintf(limit, sizeof(limit), "%d", SG_POLICY_FILE_MAX);

	assert_int_equal(f->ops->policy_load(&f->s, &a, &peer, out, &err), 0);
	json_object_put(out);
	before = f->s.policy;

	out = json_object_new_object();
	assert_true(f->ops->policy_load(&f->s, &big, &peer, out, &err) < 0);
	assert_int_equal(err.code, PROTO_E_INVALID_POLICY);
	assert_non_null(strstr(err.message, limit));
	assert_non_null(err.details);
	json_object_put(err.details);
	json_object_put(out);
	assert_ptr_equal(f->s.policy, before);
	assert_string_equal(f->s.policy_src, "inline");

	/* and check says invalid, with the reason, rather than failing */
	memset(&err, 0, sizeof(err));
	out = json_object_new_object();
	assert_int_equal(f->ops->policy_check(&f->s, &big, &peer, out, &err), 0);
	assert_false(json_object_get_boolean(get(out, "valid")));
	assert_non_null(strstr(json_object_get_string(get(out, "errors")), "too large"));
	json_object_put(out);
}

static void test_policy_reload_and_show(void **state)
{
	struct fx *f = *state;
	struct control_peer peer = { .admin = true };
	char path[160];
	struct control_policy_src src = { .path = path };
	struct control_error err = { 0 };
	struct json_object *out = json_object_new_object();

	/* no policy: show answers not_found */
	assert_true(f->ops->policy_show(&f->s, out, &err) < 0);
	assert_int_equal(err.code, PROTO_E_NOT_FOUND);
	json_object_put(out);

	snprintf(path, sizeof(path), "%s/p.yaml", f->dir);
	write_file(path, POLICY_A, strlen(POLICY_A));
	out = json_object_new_object();
	assert_int_equal(f->ops->policy_load(&f->s, &src, &peer, out, &err), 0);
	json_object_put(out);
	/* a path loaded becomes what reloads read */
	assert_string_equal(f->cfg.policy, path);
	write_file(path, POLICY_B, strlen(POLICY_B));
	out = json_object_new_object();
	assert_int_equal(f->ops->policy_reload(&f->s, &peer, out, &err), 0);
	assert_int_equal(json_object_get_int(get(out, "rules")), 2);
	json_object_put(out);
	/* SIGHUP's path: an invalid file changes nothing */
	write_file(path, "version: 1\nrules: 5\n", 20);
	ctl_reload_policy(&f->s);
	assert_int_equal(policy_rule_count(f->s.policy), 2);

	out = json_object_new_object();
	assert_int_equal(f->ops->policy_show(&f->s, out, &err), 0);
	assert_non_null(get(out, "rules"));
	assert_int_equal(json_object_array_length(get(out, "rules")), 2);
	json_object_put(out);
}

/* ---- blocks ---- */

static struct json_object *args_of(const char *json)
{
	struct json_object *o = json_tokener_parse(json);

	assert_non_null(o);
	return o;
}

static void test_block_without_enforcement(void **state)
{
	struct fx *f = *state;
	struct control_peer peer = { .admin = true };
	struct control_block b;
	struct proto_error perr;
	struct control_error err = { 0 };
	struct json_object *args = args_of("{\"addr\":\"10.0.0.5\",\"port\":443,\"proto\":\"tcp\"}");
	struct json_object *out = json_object_new_object();

	assert_int_equal(control_block_parse(args, false, &b, &perr), 0);
	assert_true(f->ops->block_add(&f->s, &b, &peer, out, &err) < 0);
	assert_int_equal(err.code, PROTO_E_NOT_AVAILABLE);
	assert_non_null(strstr(err.message, "switched off in the configuration"));
	json_object_put(out);

	memset(&err, 0, sizeof(err));
	out = json_object_new_object();
	assert_true(f->ops->block_remove(&f->s, &b, &peer, out, &err) < 0);
	assert_int_equal(err.code, PROTO_E_NOT_AVAILABLE);
	json_object_put(out);

	memset(&err, 0, sizeof(err));
	out = json_object_new_object();
	assert_true(f->ops->block_list(&f->s, out, &err) < 0);
	assert_int_equal(err.code, PROTO_E_NOT_AVAILABLE);
	assert_null(get(out, "rules"));
	json_object_put(out);
	json_object_put(args);
}

static void test_block_target_parsed_once(void **state)
{
	struct control_block b;
	struct proto_error err;
	struct json_object *args;
	char addr[64];

	args = args_of("{\"addr\":\"10.0.0.0\",\"prefix\":8,\"port\":1000,\"port_end\":2000,"
		       "\"proto\":\"udp\",\"ttl_sec\":60,\"comment\":\"c\",\"cgroup\":\"/a.slice\"}");
	assert_int_equal(control_block_parse(args, false, &b, &err), 0);
	assert_int_equal(b.rule.net.family, AF_INET);
	assert_int_equal(b.rule.net.prefix, 8);
	inet_ntop(AF_INET, b.rule.net.addr, addr, sizeof(addr));
	assert_string_equal(addr, "10.0.0.0");
	assert_int_equal(b.rule.port_lo, 1000);
	assert_int_equal(b.rule.port_hi, 2000);
	assert_int_equal(b.rule.proto, IPPROTO_UDP);
	assert_int_equal(b.rule.hooks, SG_HOOK_CONNECT | SG_HOOK_SENDMSG);
	assert_string_equal(b.rule.cgroup, "/a.slice");
	assert_string_equal(b.rule.comment, "c");
	assert_string_equal(b.rule.source, "runtime");
	assert_int_equal(b.rule.expires - b.rule.created, 60);
	json_object_put(args);

	/* a host, every port, TCP: no sendmsg hook */
	args = args_of("{\"addr\":\"2001:db8::1\",\"proto\":\"tcp\"}");
	assert_int_equal(control_block_parse(args, false, &b, &err), 0);
	assert_int_equal(b.rule.net.family, AF_INET6);
	assert_int_equal(b.rule.net.prefix, 128);
	assert_int_equal(b.rule.port_lo, 0);
	assert_int_equal(b.rule.port_hi, 65535);
	assert_int_equal(b.rule.hooks, SG_HOOK_CONNECT);
	assert_int_equal(b.rule.expires, 0);
	json_object_put(args);

	/* one port, bind; a CIDR in addr itself */
	args = args_of("{\"addr\":\"192.168.0.0/16\",\"port\":53,\"bind\":true}");
	assert_int_equal(control_block_parse(args, false, &b, &err), 0);
	assert_int_equal(b.rule.net.prefix, 16);
	assert_int_equal(b.rule.port_lo, 53);
	assert_int_equal(b.rule.port_hi, 53);
	assert_int_equal(b.rule.proto, 0);
	assert_int_equal(b.rule.hooks, SG_HOOK_BIND);
	json_object_put(args);

	/* remove by id: nothing else */
	args = args_of("{\"id\":\"7\"}");
	assert_int_equal(control_block_parse(args, true, &b, &err), 0);
	assert_string_equal(b.id, "7");
	assert_null(b.addr);
	json_object_put(args);
}

static void test_block_target_errors(void **state)
{
	static const struct {
		bool remove;
		const char *args;
		const char *message;
	} cases[] = {
		{ false, "{\"addr\":\"300.1.1.1\"}", "invalid address '300.1.1.1': not an IP address" },
		{ false, "{\"addr\":\"not-an-address\"}",
		  "invalid address 'not-an-address': not an IP address" },
		{ false, "{\"addr\":\"127.0.0.1\",\"prefix\":33}",
		  "invalid address '127.0.0.1/33': prefix length is not 0..32" },
		{ false, "{\"addr\":\"127.0.0.1/33\"}",
		  "invalid address '127.0.0.1/33': prefix length is not 0..32" },
		{ false, "{\"addr\":\"127.0.0.1\",\"prefix\":8}",
		  "invalid address '127.0.0.1/8': host bits set below the prefix length" },
		{ false, "{\"addr\":\"2001:db8::1\",\"prefix\":129}", "'prefix' must be between 0 and 128" },
		{ false, "{\"addr\":\"10.0.0.5:443\"}", "invalid address '10.0.0.5:443': not an IP address" },
		{ false, "{\"addr\":\"1.2.3.4\",\"port\":70000}", "'port' must be between 0 and 65535" },
		{ false, "{\"addr\":\"1.2.3.4\",\"port\":10,\"port_end\":5}",
		  "'port_end' needs 'port' and must not be below it" },
		{ false, "{\"addr\":\"1.2.3.4\",\"port_end\":5}",
		  "'port_end' needs 'port' and must not be below it" },
		{ false, "{\"addr\":\"1.2.3.4\",\"proto\":\"icmp\"}",
		  "'proto' must be \"tcp\", \"udp\" or \"any\"" },
		{ false, "{\"addr\":\"1.2.3.4\",\"cgroup\":\"relative\"}", "invalid cgroup 'relative'" },
		{ false, "{\"addr\":\"1.2.3.4\",\"cgroup\":\"/a/../b\"}", "invalid cgroup '/a/../b'" },
		{ false, "{\"addr\":\"1.2.3.4\",\"ttl_sec\":400000000}", "ttl too long (ten years at most)" },
		{ false, "{}", "missing 'addr'" },
		{ false, "{\"addr\":\"\"}", "'addr' is empty" },
		{ false, "{\"addr\":\"1.2.3.4\",\"id\":\"3\"}", "'id' is assigned by the daemon" },
		{ true, "{\"addr\":\"1.2.3.4\",\"id\":\"3\"}", "give exactly one of 'addr' and 'id'" },
		{ true, "{\"id\":\"3\",\"port\":5}", "'id' cannot be combined with other arguments" },
		{ true, "{\"addr\":\"1.2.3.4\",\"ttl_sec\":5}", "'ttl_sec' is for block.add only" },
		{ true, "{\"addr\":\"1.2.3.4\",\"comment\":\"x\"}", "'comment' is for block.add only" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct json_object *args = args_of(cases[i].args);
		struct control_block b;
		struct proto_error err;

		memset(&err, 0, sizeof(err));
		if (control_block_parse(args, cases[i].remove, &b, &err) == 0)
			fail_msg("%s accepted", cases[i].args);
		assert_int_equal(err.code, PROTO_E_INVALID_ARGUMENT);
		if (strncmp(err.message, cases[i].message, strlen(cases[i].message)) != 0)
			fail_msg("%s: '%s', expected '%s'", cases[i].args, err.message,
				 cases[i].message);
		json_object_put(args);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_status_fields, setup, teardown),
		cmocka_unit_test_setup_teardown(test_status_repeated, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mark_seq_increases, setup, teardown),
		cmocka_unit_test_setup_teardown(test_policy_check_inline, setup, teardown),
		cmocka_unit_test_setup_teardown(test_policy_load_keeps_old_on_error, setup, teardown),
		cmocka_unit_test_setup_teardown(test_policy_load_too_large, setup, teardown),
		cmocka_unit_test_setup_teardown(test_policy_reload_and_show, setup, teardown),
		cmocka_unit_test_setup_teardown(test_block_without_enforcement, setup, teardown),
		cmocka_unit_test(test_block_target_parsed_once),
		cmocka_unit_test(test_block_target_errors),
	};

	log_init("test_ctl_ops", LOG_CRIT, 0);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
