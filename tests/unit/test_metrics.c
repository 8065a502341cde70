// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Unit tests for sysguardd/metrics.c: label escaping, the listen address
 * parser, and the exposition itself rendered from sources made here (a real
 * pipeline, process table, file sink and policy; no kernel): HELP/TYPE before
 * every family, each family once, label sets, values that follow the events
 * put through, and the bound of the buffer.  Also the 'metrics:' settings.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <cmocka.h>
#include "config.h"
#include "event.h"
#include "metrics.h"
#include "metrics_http.h"
#include "pipeline.h"
#include "policy.h"
#include "proctable.h"
#include "sink.h"

#define TEXT_LEN (1u << 20)

static void escape(void **state)
{
	char buf[64];

	assert_int_equal(metrics_escape_label("plain", buf, sizeof(buf)), 5);
	assert_string_equal(buf, "plain");
	assert_true(metrics_escape_label("a\\b\"c\nd", buf, sizeof(buf)) > 0);
	assert_string_equal(buf, "a\\\\b\\\"c\\nd");
	assert_int_equal(metrics_escape_label("", buf, sizeof(buf)), 0);
	assert_string_equal(buf, "");
	/* 4 bytes of room: "abc" fits, "ab\"" (4 escaped + NUL) does not */
	assert_int_equal(metrics_escape_label("abc", buf, 4), 3);
	assert_int_equal(metrics_escape_label("ab\"", buf, 4), -ENOSPC);
	assert_int_equal(metrics_escape_label("abcd", buf, 4), -ENOSPC);
}

static void listen_addr(void **state)
{
	static const struct {
		const char *s;
		int r;
		bool loopback;
	} cases[] = {
		{ "127.0.0.1:9477", 0, true },   { "127.1.2.3:1", 0, true },
		{ "10.0.0.1:80", 0, false },     { "0.0.0.0:9477", 0, false },
		{ "[::1]:9477", 0, true },       { "[::]:9477", 0, false },
		{ "[2001:db8::1]:80", 0, false }, { "127.0.0.1", -EINVAL, false },
		{ "127.0.0.1:0", -EINVAL, false }, { "127.0.0.1:65536", -EINVAL, false },
		{ "127.0.0.1:+5", -EINVAL, false }, { "127.0.0.1:5x", -EINVAL, false },
		{ "localhost:80", -EINVAL, false }, { "[::1]9477", -EINVAL, false },
		{ "::1:9477", -EINVAL, false },   { ":9477", -EINVAL, false },
		{ "", -EINVAL, false },
	};
	struct sockaddr_storage ss;
	unsigned int len;
	bool lo;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int r = metrics_parse_listen(cases[i].s, &ss, &len, &lo);

		if (r != cases[i].r)
			fail_msg("'%s': %d, want %d", cases[i].s, r, cases[i].r);
		if (r == 0 && lo != cases[i].loopback)
			fail_msg("'%s': loopback %d", cases[i].s, lo);
		if (r == 0)
			assert_int_equal(ss.ss_family, strchr(cases[i].s, '[') ? AF_INET6 : AF_INET);
	}
}

/*
 * The format's rules, checked line by line: a family is "# HELP name ..."
 * then "# TYPE name counter|gauge", declared once; every sample belongs to
 * the family declared last; counters end in _total; label values quoted.
 */
static void check_format(const char *text)
{
	char family[128] = "", seen[8192] = " ";
	const char *line = text;
	bool want_type = false;

	assert_true(strlen(text) > 0 && text[strlen(text) - 1] == '\n');
	while (*line) {
		const char *nl = strchr(line, '\n');
		char l[2048], name[128], type[16];

		assert_non_null(nl);
		assert_true((size_t)(nl - line) < sizeof(l));
		memcpy(l, line, nl - line);
		l[nl - line] = '\0';
		line = nl + 1;
		if (!strncmp(l, "# HELP ", 7)) {
			char key[140];

			assert_false(want_type);
			assert_int_equal(sscanf(l + 7, "%127s", family), 1);
			snprintf(key, sizeof(key), " %s ", family);
			if (strstr(seen, key))
				fail_msg("family '%s' declared twice", family);
			assert_true(strlen(seen) + strlen(key) < sizeof(seen));
			strcat(seen, key + 1);
			want_type = true;
			continue;
		}
		if (!strncmp(l, "# TYPE ", 7)) {
			assert_true(want_type);
			assert_int_equal(sscanf(l + 7, "%127s %15s", name, type), 2);
			assert_string_equal(name, family);
			if (strcmp(type, "counter") && strcmp(type, "gauge"))
				fail_msg("type '%s'", type);
			if (!strcmp(type, "counter"))
				assert_string_equal(family + strlen(family) - 6, "_total");
			want_type = false;
			continue;
		}
		assert_false(want_type);
		assert_true(l[0] != '#' && l[0] != '\0');
		{
			size_t n = strcspn(l, "{ ");
			const char *rest = l + n;

			if (n != strlen(family) || strncmp(l, family, n))
				fail_msg("sample '%s' outside its family '%s'", l, family);
			if (*rest == '{') {
				const char *end = strstr(rest, "\"} ");

				assert_non_null(end);
				rest = end + 2;
			}
			assert_true(*rest == ' ');
			{
				char *e;

				strtod(rest + 1, &e);
				if (*e || e == rest + 1)
					fail_msg("value of '%s'", l);
			}
		}
	}
	assert_false(want_type);
}

/* The value of the sample written exactly as key (name with labels), or -1. */
static double value_of(const char *text, const char *key)
{
	size_t n = strlen(key);

	for (const char *p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
		if (!strncmp(p, key, n) && p[n] == ' ')
			return strtod(p + n + 1, NULL);
	return -1;
}

static void null_sources(void **state)
{
	struct metrics_sources src = { .version = "9.9\"x" };
	char *text = malloc(TEXT_LEN);
	int n;

	assert_non_null(text);
	n = metrics_render(NULL, &src, text, TEXT_LEN);
	assert_true(n > 0);
	assert_int_equal(n, strlen(text));
	check_format(text);
	assert_true(value_of(text, "sysguard_build_info{version=\"9.9\\\"x\"}") == 1);
	assert_true(value_of(text, "process_start_time_seconds") > 1e9);
	assert_true(value_of(text, "sysguard_uptime_seconds") >= 0);
	assert_true(value_of(text, "sysguard_policy_reloads_total{result=\"ok\"}") >= 0);
	/* no module: none of their families */
	assert_null(strstr(text, "sysguard_events_total"));
	assert_null(strstr(text, "sysguard_kernel_"));
	assert_null(strstr(text, "sysguard_rule_hits_total"));
	assert_null(strstr(text, "sysguard_output_"));
	free(text);
}

/* Marks whose text starts with "alert" are judged alert, "allow" allowed, others logged. */
static void judge(void *ctx, struct sg_event *ev)
{
	if (ev->type != SG_EV_MARK)
		return;
	if (!strncmp(ev->mark.text, "alert", 5))
		ev->verdict.action = SG_ACT_ALERT;
	else if (!strncmp(ev->mark.text, "allow", 5))
		ev->verdict.action = SG_ACT_ALLOW;
}

static void inject_mark(struct pipeline *p, const char *text)
{
	struct sg_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.type = SG_EV_MARK;
	ev.mark.text = text;
	pipeline_inject(p, &ev);
}

static const char rules[] =
	"version: 1\n"
	"rules:\n"
	"  - id: tmp-open\n"
	"    events: [open]\n"
	"    match: {file.path: {prefix: /tmp/}}\n"
	"    action: alert\n"
	"  - id: exec-all\n"
	"    events: [exec]\n"
	"    action: log\n";

static void real_sources(void **state)
{
	struct pipeline_hooks hooks = { .judge = judge };
	char out[] = "/tmp/sg-metrics-XXXXXX";
	struct proctable *pt = proctable_new(64);
	struct pipeline *pipe = pt ? pipeline_new(pt, &hooks) : NULL;
	struct metrics *m = metrics_new_detached();
	struct policy *pol = NULL;
	struct metrics_sources src = { .pipe = &pipe, .pt = &pt, .policy = &pol };
	char *text = malloc(TEXT_LEN), *before;
	uint64_t ok0;
	int fd, n;

	assert_non_null(pipe);
	assert_non_null(m);
	assert_non_null(text);
	fd = mkstemp(out);
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(pipeline_add_sink(pipe, sink_ndjson_new(out, 0)), 0);
	assert_int_equal(pipeline_add_sink(pipe, metrics_sink_new(m)), 0);
	assert_int_equal(policy_load_string("m.yaml", rules, strlen(rules), &pol, NULL), 0);

	assert_true(metrics_render(m, &src, text, TEXT_LEN) > 0);
	check_format(text);
	before = strdup(text);
	assert_true(value_of(text, "sysguard_events_total{type=\"mark\",action=\"alert\"}") == 0);
	assert_true(value_of(text, "sysguard_policy_rules") == 2);
	assert_true(value_of(text, "sysguard_rule_hits_total{rule=\"tmp-open\"}") == 0);
	assert_true(value_of(text, "sysguard_rule_hits_total{rule=\"exec-all\"}") == 0);
	ok0 = (uint64_t)value_of(text, "sysguard_policy_reloads_total{result=\"ok\"}");

	inject_mark(pipe, "alert one");
	inject_mark(pipe, "alert two");
	inject_mark(pipe, "plain");
	inject_mark(pipe, "allow me");
	pipeline_flush(pipe);
	metrics_note_reload(true);
	metrics_note_reload(false);
	metrics_note_reload(false);

	n = metrics_render(m, &src, text, TEXT_LEN);
	assert_true(n > 0);
	check_format(text);
	assert_true(value_of(text, "sysguard_events_total{type=\"mark\",action=\"alert\"}") == 2);
	assert_true(value_of(text, "sysguard_events_total{type=\"mark\",action=\"log\"}") == 1);
	assert_true(value_of(text, "sysguard_events_total{type=\"mark\",action=\"allow\"}") == 1);
	assert_true(value_of(text, "sysguard_events_total{type=\"mark\",action=\"block\"}") == 0);
	assert_true(value_of(text, "sysguard_events_total{type=\"open\",action=\"log\"}") == 0);
	assert_true(value_of(text, "sysguard_events_received_total{type=\"mark\"}") == 4);
	assert_true(value_of(text, "sysguard_output_written_total{sink=\"ndjson\"}") == 3);
	assert_true(value_of(text, "sysguard_output_dropped_total{sink=\"ndjson\"}") == 0);
	assert_true(value_of(text, "sysguard_process_table_entries") == 0);
	assert_true(value_of(text, "sysguard_policy_reloads_total{result=\"ok\"}") == ok0 + 1);
	assert_true(value_of(text, "sysguard_policy_reloads_total{result=\"error\"}") >= 2);
	/* every type of the event table has its series, each action of sysguard_events_total */
	for (int t = 1; t < SG_EV_MAX; t++) {
		static const char *const acts[] = { "allow", "log", "alert", "block" };
		char key[128];

		for (size_t a = 0; a < 4; a++) {
			snprintf(key, sizeof(key), "sysguard_events_total{type=\"%s\",action=\"%s\"}",
				 sg_type_name(t), acts[a]);
			if (value_of(text, key) < 0)
				fail_msg("no '%s'", key);
		}
	}
	/* same families and series before and after: only values moved */
	{
		size_t a = 0, b = 0;

		for (const char *c = before; *c; c++)
			a += *c == '\n';
		for (const char *c = text; *c; c++)
			b += *c == '\n';
		assert_int_equal(a, b);
	}

	/* bounded: a buffer too small is an error, never a cut exposition */
	assert_int_equal(metrics_render(m, &src, text, 100), -ENOSPC);
	assert_int_equal(metrics_render(m, &src, text, n), -ENOSPC);
	assert_int_equal(metrics_render(m, &src, text, n + 1), n);

	free(before);
	free(text);
	policy_free(pol);
	pipeline_free(pipe); /* and its sinks */
	proctable_free(pt);
	metrics_free(m);
	unlink(out);
}

static int load_cfg(const char *yaml, struct config *c, char *err, size_t errlen)
{
	char path[] = "/tmp/sg-metrics-cfg-XXXXXX";
	int fd = mkstemp(path), r;

	assert_true(fd >= 0);
	assert_int_equal(write(fd, yaml, strlen(yaml)), (ssize_t)strlen(yaml));
	close(fd);
	config_defaults(c);
	r = config_load(c, path, false, err, errlen);
	unlink(path);
	return r;
}

static void config_keys(void **state)
{
	struct config c;
	char err[512];

	config_defaults(&c);
	assert_string_equal(c.metrics_socket, "");
	assert_string_equal(c.metrics_listen, "");
	assert_string_equal(c.metrics_textfile, "");
	assert_false(c.metrics_allow_remote);
	assert_int_equal(c.metrics_interval_ms, 15000);

	assert_int_equal(load_cfg("metrics:\n  socket: /run/sysguard/metrics.sock\n"
				  "  listen: 127.0.0.1:9477\n  textfile: /tmp/x.prom\n"
				  "  textfile_interval: 30s\n", &c, err, sizeof(err)), 0);
	assert_string_equal(c.metrics_socket, "/run/sysguard/metrics.sock");
	assert_string_equal(c.metrics_listen, "127.0.0.1:9477");
	assert_string_equal(c.metrics_textfile, "/tmp/x.prom");
	assert_int_equal(c.metrics_interval_ms, 30000);

	/* not loopback: refused unless allowed, in either order */
	assert_int_equal(load_cfg("metrics:\n  listen: 0.0.0.0:9477\n", &c, err, sizeof(err)),
			 -EINVAL);
	assert_non_null(strstr(err, ":2:11: '0.0.0.0:9477' is not a loopback address"));
	assert_int_equal(load_cfg("metrics:\n  listen: '[::]:9477'\n  allow_remote: true\n", &c,
				  err, sizeof(err)), 0);
	assert_true(c.metrics_allow_remote);
	assert_int_equal(load_cfg("metrics:\n  listen: localhost:9477\n", &c, err, sizeof(err)),
			 -EINVAL);
	assert_non_null(strstr(err, "expected '127.0.0.1:PORT'"));
	assert_int_equal(load_cfg("metrics:\n  socket: rel.sock\n", &c, err, sizeof(err)), -EINVAL);
	assert_int_equal(load_cfg("metrics:\n  textfile_interval: 10ms\n", &c, err, sizeof(err)),
			 -EINVAL);
	assert_int_equal(load_cfg("metrics:\n  port: 1\n", &c, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "unknown setting 'metrics.port'"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(escape),
		cmocka_unit_test(listen_addr),
		cmocka_unit_test(null_sources),
		cmocka_unit_test(real_sources),
		cmocka_unit_test(config_keys),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
