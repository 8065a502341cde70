// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Unit tests for sysguardd/config.c: defaults, a complete file, every error
 * with its file:line:col, optional and required files, and the size and
 * duration parsers.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>
#include <cmocka.h>
#include "config.h"
#include "event.h"

static char dir[64];
static char path[128];
static char err[512];

static int group_setup(void **state)
{
	snprintf(dir, sizeof(dir), "/tmp/sg-config-XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	snprintf(path, sizeof(path), "%s/sysguard.yaml", dir);
	return 0;
}

static int group_teardown(void **state)
{
	unlink(path);
	return rmdir(dir);
}

static void write_yaml(const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

/* Load text on top of the defaults; returns config_load's result. */
static int load(const char *text, struct config *c)
{
	config_defaults(c);
	write_yaml(text);
	err[0] = '\0';
	return config_load(c, path, false, err, sizeof(err));
}

/* Expect text to be refused with "path:line:col: <msg...>" and c untouched. */
static void load_fails(const char *text, int line, int col, const char *msg)
{
	struct config c, def;
	char want[512];

	config_defaults(&def);
	assert_int_equal(load(text, &c), -EINVAL);
	snprintf(want, sizeof(want), "%s:%d:%d: %s", path, line, col, msg);
	if (strncmp(err, want, strlen(want)) != 0)
		fail_msg("error '%s', want '%s...'", err, want);
	assert_memory_equal(&c, &def, sizeof(c));
}

static void defaults(void **state)
{
	struct config c;

	memset(&c, 0x5a, sizeof(c));
	config_defaults(&c);
	for (int f = 0; f < SG_FAM_MAX; f++)
		assert_true(c.family[f]);
	assert_string_equal(c.output, "-");
	assert_string_equal(c.policy, SG_POLICY_DEFAULT);
	assert_string_equal(c.socket, SG_SOCKET_DEFAULT);
	assert_string_equal(c.state_dir, SG_STATE_DEFAULT);
	assert_string_equal(c.admin_group, "");
	assert_int_equal(c.ring_bytes, 4u << 20);
	assert_int_equal(c.ring_bytes & (c.ring_bytes - 1), 0);
	assert_int_equal(c.wakeup_bytes, 256u << 10);
	assert_int_equal(c.batch_ms, 50);
	assert_int_equal(c.proctable_max, 65536);
	assert_int_equal(c.log_level, LOG_INFO);
	assert_int_equal(c.journal_actions, (1u << SG_ACT_ALERT) | (1u << SG_ACT_BLOCK));
	assert_true(c.journal_drops);
}

static void full_file(void **state)
{
	struct config c;

	assert_int_equal(load("# sysguard.yaml\n"
			      "families:\n"
			      "  process: true\n"
			      "  file: no\n"
			      "  network: off\n"
			      "output: /var/log/x.ndjson\n"
			      "policy: \"/etc/sg/p.d\"\n"
			      "socket: /run/sg.sock\n"
			      "state_dir: /var/lib/sg\n"
			      "admin_group: wheel\n"
			      "ring:\n"
			      "  size: 16M\n"
			      "  wakeup: 64KiB\n"
			      "  batch: 100ms\n"
			      "journal:\n"
			      "  actions: [log, block]\n"
			      "  drops: false\n"
			      "process_table_size: 1024\n"
			      "log_level: debug\n",
			      &c),
			 0);
	assert_true(c.family[SG_FAM_PROCESS]);
	assert_false(c.family[SG_FAM_FILE]);
	assert_false(c.family[SG_FAM_NETWORK]);
	assert_string_equal(c.output, "/var/log/x.ndjson");
	assert_string_equal(c.policy, "/etc/sg/p.d");
	assert_string_equal(c.socket, "/run/sg.sock");
	assert_string_equal(c.state_dir, "/var/lib/sg");
	assert_string_equal(c.admin_group, "wheel");
	assert_int_equal(c.ring_bytes, 16u << 20);
	assert_int_equal(c.wakeup_bytes, 64u << 10);
	assert_int_equal(c.batch_ms, 100);
	assert_int_equal(c.journal_actions, (1u << SG_ACT_LOG) | (1u << SG_ACT_BLOCK));
	assert_false(c.journal_drops);
	assert_int_equal(c.proctable_max, 1024);
	assert_int_equal(c.log_level, LOG_DEBUG);
}

static void partial_file_keeps_the_rest(void **state)
{
	struct config c;

	assert_int_equal(load("ring:\n  batch: 1s\nlog_level: error\nfamilies: {file: yes}\n", &c), 0);
	assert_int_equal(c.batch_ms, 1000);
	assert_int_equal(c.log_level, LOG_ERR);
	assert_int_equal(c.ring_bytes, 4u << 20);
	assert_true(c.family[SG_FAM_PROCESS]);
	assert_true(c.family[SG_FAM_FILE]);
	assert_string_equal(c.output, "-");

	/* a file loads on top of what is there */
	write_yaml("output: \"\"\njournal:\n  actions: []\n");
	assert_int_equal(config_load(&c, path, false, err, sizeof(err)), 0);
	assert_string_equal(c.output, "");
	assert_int_equal(c.journal_actions, 0);
	assert_int_equal(c.batch_ms, 1000);
	assert_int_equal(c.log_level, LOG_ERR);

	/* log levels */
	assert_int_equal(load("log_level: warning\n", &c), 0);
	assert_int_equal(c.log_level, LOG_WARNING);
	assert_int_equal(load("log_level: notice\n", &c), 0);
	assert_int_equal(c.log_level, LOG_NOTICE);
	assert_int_equal(load("log_level: info\n", &c), 0);
	assert_int_equal(c.log_level, LOG_INFO);
}

static void empty_file(void **state)
{
	struct config c, def;

	config_defaults(&def);
	assert_int_equal(load("", &c), 0);
	assert_memory_equal(&c, &def, sizeof(c));
	assert_int_equal(load("# only a comment\n", &c), 0);
	assert_memory_equal(&c, &def, sizeof(c));
}

static void errors(void **state)
{
	load_fails("output: x\nbogus: 1\n", 2, 1, "unknown setting 'bogus'");
	load_fails("families:\n  file: maybe\n", 2, 9, "expected true or false");
	load_fails("families:\n  file: [true]\n", 2, 9, "expected true or false");
	load_fails("journal:\n  drops: 1\n", 2, 10, "expected true or false");
	load_fails("ring:\n  size: 8X\n", 2, 9, "expected a size");
	load_fails("ring:\n  size: -8M\n", 2, 9, "expected a size");
	load_fails("ring:\n  wakeup: lots\n", 2, 11, "expected a size");
	load_fails("process_table_size: many\n", 1, 21, "expected a size");
	load_fails("ring:\n  size: 96K\n", 2, 9, "ring size must be a power of two");
	load_fails("ring:\n  size: 32K\n", 2, 9, "size '32K' out of range");
	load_fails("ring:\n  size: 2G\n", 2, 9, "size '2G' out of range");
	load_fails("process_table_size: 10\n", 1, 21, "size '10' out of range");
	load_fails("ring:\n  batch: 0ms\n", 2, 10, "expected a duration from 1ms to 1s");
	load_fails("ring:\n  batch: 2s\n", 2, 10, "expected a duration from 1ms to 1s");
	load_fails("ring:\n  batch: soon\n", 2, 10, "expected a duration from 1ms to 1s");
	load_fails("ring:\n  depth: 1\n", 2, 3, "unknown setting 'ring.depth'");
	load_fails("families:\n  process: true\n  disk: true\n", 3, 3, "unknown family 'disk'");
	load_fails("journal:\n  actions: [log, shout]\n", 2, 18, "unknown action 'shout'");
	load_fails("journal:\n  actions: [allow]\n", 2, 13, "unknown action 'allow'");
	load_fails("journal:\n  actions: log\n", 2, 12, "'journal.actions' must be a list");
	load_fails("journal:\n  rotate: yes\n", 2, 3, "unknown setting 'journal.rotate'");
	load_fails("log_level: chatty\n", 1, 12, "unknown log level 'chatty'");
	load_fails("ring: 8M\n", 1, 7, "'ring' must be a mapping");
	load_fails("families: [file]\n", 1, 11, "'families' must be a mapping");
	load_fails("journal: yes\n", 1, 10, "'journal' must be a mapping");
	load_fails("- a\n- b\n", 1, 1, "the configuration must be a mapping");
	load_fails("output: [a, b]\n", 1, 9, "expected a string");
	load_fails("admin_group: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n",
		   1, 14, "value too long");

	/* an error after valid settings leaves the configuration as it was */
	load_fails("output: /changed\nring:\n  size: 16M\n  batch: 5s\n", 4, 10,
		   "expected a duration");
}

static void malformed_yaml(void **state)
{
	struct config c;
	char want[256];

	assert_int_equal(load("output: x\nring: [\n", &c), -EINVAL);
	snprintf(want, sizeof(want), "%s:3:1: ", path);
	if (strncmp(err, want, strlen(want)) != 0)
		fail_msg("error '%s', want '%s...'", err, want);

	assert_int_equal(load("a: b\n  c: d\n", &c), -EINVAL);
	snprintf(want, sizeof(want), "%s:2:", path);
	if (strncmp(err, want, strlen(want)) != 0)
		fail_msg("error '%s', want '%s...'", err, want);
}

static void missing_files(void **state)
{
	struct config c, def;
	char missing[160];
	char want[256];

	snprintf(missing, sizeof(missing), "%s/absent.yaml", dir);
	config_defaults(&c);
	config_defaults(&def);
	err[0] = '\0';
	assert_int_equal(config_load(&c, missing, true, err, sizeof(err)), 0);
	assert_memory_equal(&c, &def, sizeof(c));
	assert_string_equal(err, "");

	assert_int_equal(config_load(&c, missing, false, err, sizeof(err)), -ENOENT);
	snprintf(want, sizeof(want), "%s: %s", missing, strerror(ENOENT));
	assert_string_equal(err, want);
	assert_memory_equal(&c, &def, sizeof(c));

	/* optional covers only a missing file: a directory is still an error */
	assert_true(config_load(&c, dir, true, err, sizeof(err)) < 0);
	assert_memory_equal(&c, &def, sizeof(c));
}

static void parse_size(void **state)
{
	static const struct {
		const char *s;
		uint64_t v;
	} ok[] = {
		{ "0", 0 },
		{ "1048576", 1048576 },
		{ "256K", 256 << 10 },
		{ "256k", 256 << 10 },
		{ "8M", 8 << 20 },
		{ "8m", 8 << 20 },
		{ "8MiB", 8 << 20 },
		{ "8MB", 8 << 20 },
		{ "1G", 1ull << 30 },
		{ "4g", 4ull << 30 },
		{ "100B", 100 },
		{ "16777215G", 16777215ull << 30 },
		{ "17179869183G", 17179869183ull << 30 },
		{ "18446744073709551615", UINT64_MAX },
	};
	static const char *const bad[] = {
		"", "K", "M8", "8X", "8iB", "8 M", "8M ", "8MiBs", "8Mi", "1.5M", "-1", "-1K", " -1",
		"\t-8M", "+8", "18446744073709551616",
		/* larger than 64 bits once multiplied */
		"17179869184G", "17592186044416M", "18014398509481984K",
	};
	uint64_t v;

	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		v = 12345;
		if (config_parse_size(ok[i].s, &v) != 0 || v != ok[i].v)
			fail_msg("size '%s' = %llu, want %llu", ok[i].s, (unsigned long long)v,
				 (unsigned long long)ok[i].v);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		v = 12345;
		if (config_parse_size(bad[i], &v) != -EINVAL)
			fail_msg("size '%s' accepted as %llu", bad[i], (unsigned long long)v);
		assert_int_equal(v, 12345);
	}
}

static void parse_duration(void **state)
{
	static const struct {
		const char *s;
		uint64_t v;
	} ok[] = {
		{ "0", 0 },
		{ "50ms", 50 },
		{ "2s", 2000 },
		{ "100", 100000 },
		{ "10m", 600000 },
		{ "1h", 3600000 },
		{ "2d", 2 * 86400000ull },
		{ "18446744073709551615ms", UINT64_MAX },
		{ "18446744073709551s", 18446744073709551000ull },
	};
	static const char *const bad[] = {
		"", "ms", "s", "5x", "5 s", "5S", "5sec", "1.5s", "-5", "-5ms", " -5", "+5",
		"18446744073709551616ms",
		/* larger than 64 bits once multiplied */
		"18446744073709552s", "18446744073709552", "307445734561826m", "5124095576031h",
		"213503982334602d",
	};
	uint64_t v;

	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		v = 12345;
		if (config_parse_duration_ms(ok[i].s, &v) != 0 || v != ok[i].v)
			fail_msg("duration '%s' = %llu, want %llu", ok[i].s, (unsigned long long)v,
				 (unsigned long long)ok[i].v);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		v = 12345;
		if (config_parse_duration_ms(bad[i], &v) != -EINVAL)
			fail_msg("duration '%s' accepted as %llu", bad[i], (unsigned long long)v);
		assert_int_equal(v, 12345);
	}
}

/* control: and redact: (reliability and argv exposure settings) */
static void control_and_redact(void **state)
{
	struct config c;

	config_defaults(&c);
	assert_int_equal(c.redact_argv_n, -1);
	assert_int_equal(c.ctl_idle_sec, 0);
	assert_false(c.ctl_read_own);
	assert_int_equal(load("control: {idle_timeout: 2s, read_scope: own}\n"
			      "redact: {argv: ['--pin=*', 'psql:-W', '--x']}\n", &c), 0);
	assert_int_equal(c.ctl_idle_sec, 2);
	assert_true(c.ctl_read_own);
	assert_int_equal(c.redact_argv_n, 3);
	assert_string_equal(c.redact_argv[0], "--pin=*");
	assert_string_equal(c.redact_argv[1], "psql:-W");
	assert_int_equal(load("redact: {argv: []}\n", &c), 0);
	assert_int_equal(c.redact_argv_n, 0);
	load_fails("control: {idle_timeout: 0s}\n", 1, 25, "expected a duration from 1s to 1h");
	load_fails("control: {read_scope: mine}\n", 1, 23, "'control.read_scope' must be");
	load_fails("control: {nope: 1}\n", 1, 11, "unknown setting 'control.nope'");
	load_fails("redact: {argv: ['--a*b*']}\n", 1, 17, "bad redaction rule '--a*b*'");
	load_fails("redact: {argv: '--x=*'}\n", 1, 16, "'redact.argv' must be a list");
	load_fails("redact: {env: []}\n", 1, 10, "unknown setting 'redact.env'");

	/* telemetry: where opens come from */
	config_defaults(&c);
	assert_false(c.tel_hooked[KTEL_OPEN]);
	assert_int_equal(load("telemetry: {open: lsm}\n", &c), 0);
	assert_true(c.tel_hooked[KTEL_OPEN]);
	assert_int_equal(load("telemetry: {open: tracepoint}\n", &c), 0);
	assert_false(c.tel_hooked[KTEL_OPEN]);
	load_fails("telemetry: {open: fentry}\n", 1, 19, "'telemetry.open' must be tracepoint or lsm");
	assert_false(c.tel_hooked[KTEL_EXEC]);
	assert_int_equal(load("telemetry: {exec: tp_btf, open: lsm}\n", &c), 0);
	assert_true(c.tel_hooked[KTEL_EXEC]);
	assert_true(c.tel_hooked[KTEL_OPEN]);
	load_fails("telemetry: {exec: lsm}\n", 1, 19, "'telemetry.exec' must be tracepoint or tp_btf");
	assert_int_equal(load("telemetry: {connect: cgroup}\n", &c), 0);
	assert_true(c.tel_hooked[KTEL_CONNECT]);
	load_fails("telemetry: {connect: lsm}\n", 1, 22, "'telemetry.connect' must be tracepoint or cgroup");
	assert_int_equal(load("telemetry: {bind: cgroup}\n", &c), 0);
	assert_true(c.tel_hooked[KTEL_BIND]);
	load_fails("telemetry: {bind: lsm}\n", 1, 19, "'telemetry.bind' must be tracepoint or cgroup");
	load_fails("telemetry: {listen: lsm}\n", 1, 13, "unknown setting 'telemetry.listen'");
	/* telemetry.syscalls: auto unless said */
	config_defaults(&c);
	assert_int_equal(c.tel_syscalls, TEL_SC_AUTO);
	assert_int_equal(load("telemetry: {syscalls: tracepoint}\n", &c), 0);
	assert_int_equal(c.tel_syscalls, TEL_SC_TRACEPOINT);
	assert_int_equal(load("telemetry: {syscalls: trampoline, open: lsm}\n", &c), 0);
	assert_int_equal(c.tel_syscalls, TEL_SC_TRAMPOLINE);
	load_fails("telemetry: {syscalls: fentry}\n", 1, 23,
		   "'telemetry.syscalls' must be auto, trampoline or tracepoint, not 'fentry'");
	load_fails("telemetry: lsm\n", 1, 12, "'telemetry' must be a mapping");
}

/* host_root: the host's root file system, for a daemon in a container */
static void host_root(void **state)
{
	struct config c;

	config_defaults(&c);
	assert_string_equal(c.host_root, "");
	assert_int_equal(load("host_root: /host\n", &c), 0);
	assert_string_equal(c.host_root, "/host");
	assert_int_equal(load("host_root: \"\"\n", &c), 0);
	assert_string_equal(c.host_root, "");
	load_fails("host_root: host\n", 1, 12, "'host_root' must be an absolute path");
	load_fails("host_root: [/host]\n", 1, 12, "expected a string");
}

static void overflow_in_file(void **state)
{
	/* a wrapped value must not slip through the range checks */
	load_fails("ring:\n  size: 17179869185G\n", 2, 9, "expected a size");
	load_fails("ring:\n  batch: 18446744073709552s\n", 2, 10, "expected a duration");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(defaults),
		cmocka_unit_test(full_file),
		cmocka_unit_test(partial_file_keeps_the_rest),
		cmocka_unit_test(empty_file),
		cmocka_unit_test(errors),
		cmocka_unit_test(malformed_yaml),
		cmocka_unit_test(missing_files),
		cmocka_unit_test(parse_size),
		cmocka_unit_test(parse_duration),
		cmocka_unit_test(overflow_in_file),
		cmocka_unit_test(control_and_redact),
		cmocka_unit_test(host_root),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
