// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Unit tests of the command table (sysguardd/commands.c and the cmd_*.c
 * handlers), called through commands_dispatch() as the control socket calls
 * it, arguments as JSON: no root, no BPF (no kernel, enforcement off), a real
 * pipeline and verdict with a real process table writing to a temporary file.
 * Also the block target parser (commands_block_parse), which fills the rule
 * the handlers get.  Under `make SANITIZE=1` LeakSanitizer checks that status
 * and the policy commands free what they build.
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
#include "commands.h"
#include "config.h"
#include "control.h"
#include "daemon.h"
#include "log.h"
#include "pipeline.h"
#include "policy.h"
#include "proctable.h"
#include "sg_limits.h"
#include "sink.h"
#include "verdict.h"

#define POLICY_A "version: 1\ndefaults: {action: log}\nrules:\n" \
		 "  - id: shells-out\n    events: [exec]\n    match:\n" \
		 "      proc.comm: [bash]\n    action: alert\n    severity: high\n"
#define POLICY_B POLICY_A "  - id: second\n    events: [open]\n    match:\n" \
		 "      file.path: /etc/shadow\n    action: alert\n    severity: high\n"

struct fx {
	char dir[64];
	char out[128];
	struct daemon d;
};

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	struct daemon *d;

	assert_non_null(f);
	d = &f->d;
	snprintf(f->dir, sizeof(f->dir), "/tmp/sg-commands-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->out, sizeof(f->out), "%s/events.ndjson", f->dir);
	config_defaults(&d->cfg);
	d->cfg.enforce = false;
	snprintf(d->cfg.policy, sizeof(d->cfg.policy), "%s/none.yaml", f->dir);
	d->pt = proctable_new(1024);
	assert_non_null(d->pt);
	d->pipe = pipeline_new(d->pt, NULL);
	assert_non_null(d->pipe);
	assert_int_equal(pipeline_add_sink(d->pipe, sink_ndjson_new(f->out, 0)), 0);
	snprintf(d->output, sizeof(d->output), "%s", f->out);
	d->verdict = verdict_new(&(struct verdict_opts){ .cfg = &d->cfg, .pipe = d->pipe,
							 .pt = d->pt });
	assert_non_null(d->verdict);
	assert_int_equal(verdict_enforce_start(d->verdict, NULL), 0);
	assert_int_equal(verdict_apply(d->verdict, NULL, "(none)"), 0);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	char cmd[160];

	verdict_free(f->d.verdict, true);
	pipeline_flush(f->d.pipe);
	pipeline_free(f->d.pipe); /* and its sink */
	proctable_free(f->d.pt);
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

static const struct control_peer root = { .admin = true, .member = true };
static const struct control_peer member = { .uid = 1000, .member = true };

/*
 * Run cmd as the socket would: args as JSON text (NULL: none), the reply's
 * result or error in c (free with done()).
 */
static int call(struct fx *f, const char *cmd, const char *args, const struct control_peer *peer,
		struct control_call *c)
{
	memset(c, 0, sizeof(*c));
	c->peer = peer;
	c->args = args ? json_tokener_parse(args) : NULL;
	if (args)
		assert_non_null(c->args);
	c->result = json_object_new_object();
	return commands_dispatch(&f->d, cmd, c);
}

static void done(struct control_call *c)
{
	json_object_put(c->args);
	json_object_put(c->result);
	json_object_put(c->err.details);
	memset(c, 0, sizeof(*c));
}

/* The policy text as a JSON string. */
static char *inline_args(const char *text, const char *name)
{
	struct json_object *o = json_object_new_object();
	char *s;

	json_object_object_add(o, "text", json_object_new_string(text));
	if (name)
		json_object_object_add(o, "name", json_object_new_string(name));
	s = strdup(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
	json_object_put(o);
	return s;
}

static char *path_args(const char *path)
{
	char *s;

	assert_true(asprintf(&s, "{\"path\":\"%s\"}", path) > 0);
	return s;
}

/* ---- the table ---- */

static void test_table(void **state)
{
	struct fx *f = *state;
	struct control_call c;
	enum proto_perm perm;
	size_t n = 0;

	while (commands_name(n, &perm))
		n++;
	assert_int_equal(n, 14);
	assert_true(call(f, "nope", NULL, &root, &c) < 0);
	assert_int_equal(c.err.code, PROTO_E_UNKNOWN_COMMAND);
	assert_string_equal(c.err.message, "unknown command 'nope'");
	done(&c);
	/* roles: what each needs is refused to who has less */
	assert_true(call(f, "policy.reload", NULL, &member, &c) < 0);
	assert_int_equal(c.err.code, PROTO_E_PERMISSION_DENIED);
	done(&c);
	assert_true(call(f, "status", NULL, &(struct control_peer){ .uid = 7 }, &c) < 0);
	assert_int_equal(c.err.code, PROTO_E_PERMISSION_DENIED);
	done(&c);
	assert_int_equal(call(f, "hello", NULL, &(struct control_peer){ .uid = 7 }, &c), 0);
	assert_int_equal(json_object_array_length(get(c.result, "commands")), n);
	done(&c);
	/* arguments a command does not take are refused before it runs */
	assert_true(call(f, "status", "{\"x\":1}", &root, &c) < 0);
	assert_int_equal(c.err.code, PROTO_E_INVALID_ARGUMENT);
	done(&c);
	assert_true(call(f, "mark", "{}", &root, &c) < 0);
	assert_string_equal(c.err.message, "missing 'text'");
	done(&c);
	/* a message whose bounded format cuts a character stays valid (found by fuzz_proto) */
	for (int pad = 0; pad < 4; pad++) {
		char name[128];

		snprintf(name, sizeof(name), "%.*s%s", 60 + pad,
			 "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
			 "\xef\xbf\xbd\xef\xbf\xbd");
		assert_true(call(f, name, NULL, &root, &c) < 0);
		assert_int_equal(c.err.code, PROTO_E_UNKNOWN_COMMAND);
		assert_true(proto_utf8_valid(c.err.message, strlen(c.err.message)));
		done(&c);
	}
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
	struct control_call c;
	struct json_object *out;

	assert_int_equal(call(f, "status", NULL, &member, &c), 0);
	out = c.result;
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
	done(&c);
}

/* Many status requests: under LeakSanitizer a leak per request fails the binary. */
static void test_status_repeated(void **state)
{
	struct fx *f = *state;

	for (int i = 0; i < 200; i++) {
		struct control_call c;

		assert_int_equal(call(f, "status", NULL, &member, &c), 0);
		done(&c);
	}
}

/* ---- mark ---- */

static void test_mark_seq_increases(void **state)
{
	struct fx *f = *state;
	uint64_t seq[3] = { 0 };
	char *text;

	for (int i = 0; i < 3; i++) {
		struct control_call c;
		char t[64];

		snprintf(t, sizeof(t), "{\"text\":\"ctl-ops-mark-%d\"}", i);
		assert_int_equal(call(f, "mark", t, &member, &c), 0);
		seq[i] = json_object_get_uint64(get(c.result, "seq"));
		done(&c);
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
	char *good = inline_args(POLICY_A, "good.yaml");
	char *bad = inline_args("version: 1\nrules:\n  - id: x\n    nope: 1\n", "bad.yaml");
	struct control_call c;
	struct json_object *e;

	assert_int_equal(call(f, "policy.check", good, &member, &c), 0);
	assert_true(json_object_get_boolean(get(c.result, "valid")));
	assert_int_equal(json_object_get_int(get(c.result, "rules")), 1);
	assert_int_equal(json_object_array_length(get(c.result, "errors")), 0);
	done(&c);

	assert_int_equal(call(f, "policy.check", bad, &member, &c), 0);
	assert_false(json_object_get_boolean(get(c.result, "valid")));
	assert_true(json_object_array_length(get(c.result, "errors")) >= 1);
	e = json_object_array_get_idx(get(c.result, "errors"), 0);
	assert_string_equal(json_object_get_string(get(e, "file")), "bad.yaml");
	assert_true(json_object_get_int(get(e, "line")) >= 3);
	assert_true(json_object_get_int(get(e, "column")) >= 1);
	assert_true(strlen(json_object_get_string(get(e, "message"))) > 0);
	done(&c);
	/* a check changes nothing */
	assert_null(verdict_policy(f->d.verdict));
	assert_string_equal(verdict_policy_src(f->d.verdict), "(none)");
	/* a path is read as root: members may send text only */
	assert_true(call(f, "policy.check", "{\"path\":\"/etc/passwd\"}", &member, &c) < 0);
	assert_int_equal(c.err.code, PROTO_E_PERMISSION_DENIED);
	done(&c);
	free(good);
	free(bad);
}

static void test_policy_load_keeps_old_on_error(void **state)
{
	struct fx *f = *state;
	char *a = inline_args(POLICY_A, NULL);
	char *bad = inline_args("version: 1\nrules: [\n", "bad.yaml");
	struct control_call c;
	struct policy *before;
	int64_t loaded_at;

	assert_int_equal(call(f, "policy.load", a, &root, &c), 0);
	assert_int_equal(json_object_get_int(get(c.result, "rules")), 1);
	assert_string_equal(json_object_get_string(get(c.result, "source")), "inline");
	done(&c);
	before = verdict_policy(f->d.verdict);
	loaded_at = verdict_policy_loaded_at(f->d.verdict);
	assert_non_null(before);

	assert_true(call(f, "policy.load", bad, &root, &c) < 0);
	assert_int_equal(c.err.code, PROTO_E_INVALID_POLICY);
	assert_non_null(c.err.details);
	assert_true(json_object_array_length(c.err.details) >= 1);
	assert_non_null(strstr(c.err.message, "unchanged"));
	done(&c);
	assert_ptr_equal(verdict_policy(f->d.verdict), before);
	assert_int_equal(verdict_policy_loaded_at(f->d.verdict), loaded_at);
	assert_int_equal(policy_rule_count(before), 1);

	/* a path that does not exist: not_found, nothing changed */
	assert_true(call(f, "policy.load", "{\"path\":\"/nonexistent/sg/policy.yaml\"}", &root,
			 &c) < 0);
	assert_int_equal(c.err.code, PROTO_E_NOT_FOUND);
	done(&c);
	assert_ptr_equal(verdict_policy(f->d.verdict), before);
	/* the refusal was reported as a policy event with ok false */
	pipeline_flush(f->d.pipe);
	{
		char *text = read_all(f->out);

		assert_non_null(strstr(text, "\"ok\":false"));
		free(text);
	}
	free(a);
	free(bad);
}

/* A policy file over SG_POLICY_FILE_MAX is the policy's fault: invalid_policy, not internal. */
static void test_policy_load_too_large(void **state)
{
	struct fx *f = *state;
	char *a = inline_args(POLICY_A, NULL), *big;
	char path[160], limit[32];
	struct control_call c;
	size_t len = SG_POLICY_FILE_MAX + 1;
	char *text = malloc(len);
	struct policy *before;

	assert_non_null(text);
	memset(text, '#', len);
	text[len - 1] = '\n';
	snprintf(path, sizeof(path), "%s/big.yaml", f->dir);
	write_file(path, text, len);
	free(text);
	big = path_args(path);
	snprintf(limit, sizeof(limit), "%d", SG_POLICY_FILE_MAX);

	assert_int_equal(call(f, "policy.load", a, &root, &c), 0);
	done(&c);
	before = verdict_policy(f->d.verdict);

	assert_true(call(f, "policy.load", big, &root, &c) < 0);
	assert_int_equal(c.err.code, PROTO_E_INVALID_POLICY);
	assert_non_null(strstr(c.err.message, limit));
	assert_non_null(c.err.details);
	done(&c);
	assert_ptr_equal(verdict_policy(f->d.verdict), before);
	assert_string_equal(verdict_policy_src(f->d.verdict), "inline");

	/* and check says invalid, with the reason, rather than failing */
	assert_int_equal(call(f, "policy.check", big, &root, &c), 0);
	assert_false(json_object_get_boolean(get(c.result, "valid")));
	assert_non_null(strstr(json_object_get_string(get(c.result, "errors")), "too large"));
	done(&c);
	free(a);
	free(big);
}

static void test_policy_reload_and_show(void **state)
{
	struct fx *f = *state;
	char path[160], *src;
	struct control_call c;

	/* no policy: show answers not_found */
	assert_true(call(f, "policy.show", NULL, &member, &c) < 0);
	assert_int_equal(c.err.code, PROTO_E_NOT_FOUND);
	done(&c);

	snprintf(path, sizeof(path), "%s/p.yaml", f->dir);
	write_file(path, POLICY_A, strlen(POLICY_A));
	src = path_args(path);
	assert_int_equal(call(f, "policy.load", src, &root, &c), 0);
	done(&c);
	/* a path loaded becomes what reloads read */
	assert_string_equal(f->d.cfg.policy, path);
	write_file(path, POLICY_B, strlen(POLICY_B));
	assert_int_equal(call(f, "policy.reload", NULL, &root, &c), 0);
	assert_int_equal(json_object_get_int(get(c.result, "rules")), 2);
	done(&c);
	/* SIGHUP's path: an invalid file changes nothing */
	write_file(path, "version: 1\nrules: 5\n", 20);
	assert_true(daemon_reload(&f->d) < 0);
	assert_int_equal(policy_rule_count(verdict_policy(f->d.verdict)), 2);

	assert_int_equal(call(f, "policy.show", NULL, &member, &c), 0);
	assert_non_null(get(c.result, "rules"));
	assert_int_equal(json_object_array_length(get(c.result, "rules")), 2);
	done(&c);
	free(src);
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
	const char *args = "{\"addr\":\"10.0.0.5\",\"port\":443,\"proto\":\"tcp\"}";
	struct control_call c;

	assert_true(call(f, "block.add", args, &root, &c) < 0);
	assert_int_equal(c.err.code, PROTO_E_NOT_AVAILABLE);
	assert_non_null(strstr(c.err.message, "switched off in the configuration"));
	done(&c);

	assert_true(call(f, "block.remove", args, &root, &c) < 0);
	assert_int_equal(c.err.code, PROTO_E_NOT_AVAILABLE);
	done(&c);

	assert_true(call(f, "block.list", NULL, &member, &c) < 0);
	assert_int_equal(c.err.code, PROTO_E_NOT_AVAILABLE);
	assert_null(get(c.result, "rules"));
	done(&c);
}

static void test_block_target_parsed_once(void **state)
{
	struct cmd_block b;
	struct proto_error err;
	struct json_object *args;
	char addr[64];

	args = args_of("{\"addr\":\"10.0.0.0\",\"prefix\":8,\"port\":1000,\"port_end\":2000,"
		       "\"proto\":\"udp\",\"ttl_sec\":60,\"comment\":\"c\",\"cgroup\":\"/a.slice\"}");
	assert_int_equal(commands_block_parse(args, false, &b, &err), 0);
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
	assert_int_equal(commands_block_parse(args, false, &b, &err), 0);
	assert_int_equal(b.rule.net.family, AF_INET6);
	assert_int_equal(b.rule.net.prefix, 128);
	assert_int_equal(b.rule.port_lo, 0);
	assert_int_equal(b.rule.port_hi, 65535);
	assert_int_equal(b.rule.hooks, SG_HOOK_CONNECT);
	assert_int_equal(b.rule.expires, 0);
	json_object_put(args);

	/* one port, bind; a CIDR in addr itself */
	args = args_of("{\"addr\":\"192.168.0.0/16\",\"port\":53,\"bind\":true}");
	assert_int_equal(commands_block_parse(args, false, &b, &err), 0);
	assert_int_equal(b.rule.net.prefix, 16);
	assert_int_equal(b.rule.port_lo, 53);
	assert_int_equal(b.rule.port_hi, 53);
	assert_int_equal(b.rule.proto, 0);
	assert_int_equal(b.rule.hooks, SG_HOOK_BIND);
	json_object_put(args);

	/* remove by id: nothing else */
	args = args_of("{\"id\":\"7\"}");
	assert_int_equal(commands_block_parse(args, true, &b, &err), 0);
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
		struct cmd_block b;
		struct proto_error err;

		memset(&err, 0, sizeof(err));
		if (commands_block_parse(args, cases[i].remove, &b, &err) == 0)
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
		cmocka_unit_test_setup_teardown(test_table, setup, teardown),
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

	log_init("test_commands", LOG_CRIT, 0);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
