// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Unit tests of shared/proto.c: request parsing and validation for every
 * command and every parse error, the argument getters, reply and error
 * construction, the client-side line parser, and the error-code tables.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>
#include "proto.h"

static int parse(const char *line, struct proto_request *req, struct proto_error *err)
{
	return proto_request_parse(line, strlen(line), req, err);
}

/* The command's name is carried as sent; the daemon's table knows which exist. */
static void test_every_command(void **state)
{
	static const char *const names[] = { "hello", "status", "policy.load", "Hello", "", "policy" };

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		struct proto_request req;
		struct proto_error err;
		char line[256];

		snprintf(line, sizeof(line), "{\"version\":1,\"id\":%zu,\"cmd\":\"%s\",\"args\":{}}",
			 i, names[i]);
		assert_int_equal(parse(line, &req, &err), 0);
		assert_string_equal(req.cmd, names[i]);
		assert_int_equal(json_object_get_int(req.id), (int)i);
		assert_non_null(req.args);
		assert_int_equal(req.version, 1);
		proto_request_clear(&req);
	}
	assert_string_equal(proto_perm_name(PROTO_PERM_ADMIN), "admin");
}

static void test_request_defaults(void **state)
{
	struct proto_request req;
	struct proto_error err;

	assert_int_equal(parse("  {\"cmd\":\"status\"} \r", &req, &err), 0);
	assert_null(req.id);
	assert_null(req.args);
	assert_int_equal(req.version, PROTO_VERSION);
	proto_request_clear(&req);

	/* Ids of every scalar type; unknown top-level keys are ignored. */
	static const char *const ids[] = { "\"abc\"", "1.5", "true", "null", "-3", NULL };
	for (int i = 0; ids[i]; i++) {
		char line[128];

		snprintf(line, sizeof(line), "{\"id\":%s,\"cmd\":\"hello\",\"future\":[1]}", ids[i]);
		assert_int_equal(parse(line, &req, &err), 0);
		/* json-c represents JSON null as NULL; replies then carry null. */
		assert_int_equal(req.id != NULL, strcmp(ids[i], "null") != 0);
		proto_request_clear(&req);
	}
	proto_request_clear(NULL);
}

static void expect(const char *line, size_t len, enum proto_errcode code, bool has_id)
{
	struct proto_request req;
	struct proto_error err;
	int r = proto_request_parse(line, len, &req, &err);

	if (r == 0 || err.code != code)
		fail_msg("'%s': expected %s, got %s (%s)", line, proto_error_name(code),
			 r == 0 ? "success" : proto_error_name(err.code), err.message);
	assert_true(r < 0);
	assert_true(err.message[0] != '\0');
	assert_int_equal(req.id != NULL, has_id);
	proto_request_clear(&req);
}

#define EXPECT(s, code, id) expect(s, strlen(s), code, id)

static void test_request_errors(void **state)
{
	static const char nul[] = "{\"cmd\":\"hello\"\0}";

	EXPECT("", PROTO_E_BAD_JSON, false);
	EXPECT("   ", PROTO_E_BAD_JSON, false);
	EXPECT("{", PROTO_E_BAD_JSON, false);
	EXPECT("{\"cmd\":", PROTO_E_BAD_JSON, false);
	EXPECT("{\"cmd\":\"hello\",}", PROTO_E_BAD_JSON, false);
	EXPECT("{'cmd':'hello'}", PROTO_E_BAD_JSON, false);
	EXPECT("{\"cmd\":\"hello\"}x", PROTO_E_BAD_JSON, false);
	EXPECT("{\"cmd\":\"hello\"}{}", PROTO_E_BAD_JSON, false);
	EXPECT("{\"cmd\":\"\xff\xfe\"}", PROTO_E_BAD_JSON, false);
	EXPECT("nul", PROTO_E_BAD_JSON, false);
	expect(nul, sizeof(nul) - 1, PROTO_E_BAD_JSON, false);
	EXPECT("[]", PROTO_E_BAD_REQUEST, false);
	EXPECT("\"cmd\"", PROTO_E_BAD_REQUEST, false);
	EXPECT("null", PROTO_E_BAD_REQUEST, false);
	EXPECT("{}", PROTO_E_BAD_REQUEST, false);
	EXPECT("{\"id\":1}", PROTO_E_BAD_REQUEST, true);
	EXPECT("{\"id\":1,\"cmd\":null}", PROTO_E_BAD_REQUEST, true);
	EXPECT("{\"id\":1,\"cmd\":[\"hello\"]}", PROTO_E_BAD_REQUEST, true);
	EXPECT("{\"id\":[1],\"cmd\":\"hello\"}", PROTO_E_BAD_REQUEST, false);
	EXPECT("{\"id\":{},\"cmd\":\"hello\"}", PROTO_E_BAD_REQUEST, false);
	EXPECT("{\"id\":1,\"cmd\":\"hello\",\"args\":1}", PROTO_E_BAD_REQUEST, true);
	EXPECT("{\"id\":1,\"cmd\":\"hello\",\"args\":[]}", PROTO_E_BAD_REQUEST, true);
	EXPECT("{\"id\":1,\"cmd\":\"hello\",\"version\":1.0}", PROTO_E_BAD_REQUEST, true);
	EXPECT("{\"id\":1,\"cmd\":\"hello\",\"version\":2}", PROTO_E_UNSUPPORTED_VERSION, true);
	EXPECT("{\"id\":1,\"cmd\":\"hello\",\"version\":0}", PROTO_E_UNSUPPORTED_VERSION, true);
	/* Nesting is bounded. */
	{
		char deep[256] = "{\"cmd\":\"hello\",\"args\":{\"a\":";
		size_t n = strlen(deep);

		for (int i = 0; i < 40; i++)
			deep[n++] = '[';
		for (int i = 0; i < 40; i++)
			deep[n++] = ']';
		strcpy(deep + n, "}}");
		EXPECT(deep, PROTO_E_BAD_JSON, false);
	}
}

/*
 * An integer id beyond 64 bits used to be echoed clamped (2^64 came back as
 * 18446744073709551615): ids that json-c cannot hold exactly are refused,
 * those it can are echoed as sent.
 */
static void test_request_id_range(void **state)
{
	static const char *const bad[] = {
		"18446744073709551616", "18446744073709551615", "9223372036854775808",
		"99999999999999999999999999", "9223372036854775807", "-9223372036854775808",
		"-9223372036854775809", "-99999999999999999999999999", NULL,
	};
	static const char *const good[] = {
		"0", "-1", "9223372036854775806", "-9223372036854775807", "1e999",
		"123456789012345678901234567890.5", "\"18446744073709551616\"", NULL,
	};
	struct proto_request req;
	struct proto_error err;
	char line[160];

	for (int i = 0; bad[i]; i++) {
		snprintf(line, sizeof(line), "{\"id\":%s,\"cmd\":\"hello\"}", bad[i]);
		if (parse(line, &req, &err) == 0)
			fail_msg("id %s accepted", bad[i]);
		assert_int_equal(err.code, PROTO_E_BAD_REQUEST);
		assert_non_null(strstr(err.message, "'id'"));
		assert_null(req.id);
		proto_request_clear(&req);
	}
	for (int i = 0; good[i]; i++) {
		struct json_object *reply;

		snprintf(line, sizeof(line), "{\"id\":%s,\"cmd\":\"hello\"}", good[i]);
		assert_int_equal(parse(line, &req, &err), 0);
		assert_non_null(req.id);
		reply = proto_reply_ok(req.id, NULL);
		assert_string_equal(json_object_to_json_string_ext(json_object_object_get(reply, "id"),
								   JSON_C_TO_STRING_PLAIN), good[i]);
		json_object_put(reply);
		proto_request_clear(&req);
	}
}

static void test_args(void **state)
{
	struct json_object *a = json_tokener_parse(
		"{\"s\":\"str\",\"i\":42,\"b\":true,\"n\":null,\"big\":99999999999999999999,"
		"\"neg\":-5,\"f\":1.5,\"long\":\"abcdefgh\"}");
	static const char *const keys[] = { "s", "i", "b", "n", "big", "neg", "f", "long", NULL };
	static const char *const fewer[] = { "s", NULL };
	struct proto_error err;
	const char *s = NULL;
	int64_t i = 0;
	bool b = false;

	assert_non_null(a);
	assert_int_equal(proto_arg_string(a, "s", 10, &s, &err), 0);
	assert_string_equal(s, "str");
	assert_int_equal(proto_arg_string(a, "n", 10, &s, &err), -ENOENT);
	assert_int_equal(proto_arg_string(a, "missing", 10, &s, &err), -ENOENT);
	assert_int_equal(proto_arg_string(NULL, "s", 10, &s, &err), -ENOENT);
	assert_int_equal(proto_arg_string(a, "i", 10, &s, &err), -EINVAL);
	assert_int_equal(err.code, PROTO_E_INVALID_ARGUMENT);
	assert_int_equal(proto_arg_string(a, "long", 4, &s, &err), -EINVAL);
	assert_int_equal(proto_arg_int(a, "i", 0, 100, &i, &err), 0);
	assert_int_equal(i, 42);
	assert_int_equal(proto_arg_int(a, "i", 0, 10, &i, &err), -EINVAL);
	assert_int_equal(proto_arg_int(a, "neg", 0, 10, &i, &err), -EINVAL);
	assert_int_equal(proto_arg_int(a, "neg", -10, 10, &i, &err), 0);
	assert_int_equal(i, -5);
	assert_int_equal(proto_arg_int(a, "f", 0, 10, &i, &err), -EINVAL);
	assert_int_equal(proto_arg_int(a, "s", 0, 10, &i, &err), -EINVAL);
	assert_int_equal(proto_arg_int(a, "big", 0, INT64_MAX - 1, &i, &err), -EINVAL);
	assert_int_equal(proto_arg_bool(a, "b", &b, &err), 0);
	assert_true(b);
	assert_int_equal(proto_arg_bool(a, "i", &b, &err), -EINVAL);
	assert_int_equal(proto_args_check_keys(a, keys, &err), 0);
	assert_int_equal(proto_args_check_keys(a, fewer, &err), -EINVAL);
	assert_int_equal(err.code, PROTO_E_INVALID_ARGUMENT);
	assert_int_equal(proto_args_check_keys(NULL, fewer, &err), 0);
	json_object_put(a);
}

static void test_error_tables(void **state)
{
	for (int i = 1; i < PROTO_E_MAX; i++) {
		const char *name = proto_error_name(i);

		assert_non_null(name);
		assert_int_equal(proto_error_from_name(name), i);
	}
	assert_string_equal(proto_error_name(PROTO_E_MAX), "internal");
	assert_string_equal(proto_error_name(PROTO_E_PERMISSION_DENIED), "permission_denied");
	assert_int_equal(proto_error_from_name("nope"), -EINVAL);
	assert_int_equal(proto_error_from_name(NULL), -EINVAL);
	assert_int_equal(proto_error_from_errno(-EINVAL), PROTO_E_INVALID_ARGUMENT);
	assert_int_equal(proto_error_from_errno(ENOENT), PROTO_E_NOT_FOUND);
	assert_int_equal(proto_error_from_errno(-EEXIST), PROTO_E_EXISTS);
	assert_int_equal(proto_error_from_errno(-EPERM), PROTO_E_PERMISSION_DENIED);
	assert_int_equal(proto_error_from_errno(-EACCES), PROTO_E_PERMISSION_DENIED);
	assert_int_equal(proto_error_from_errno(-ENOTSUP), PROTO_E_NOT_AVAILABLE);
	assert_int_equal(proto_error_from_errno(-EBADMSG), PROTO_E_INVALID_POLICY);
	assert_int_equal(proto_error_from_errno(-EBUSY), PROTO_E_BUSY);
	assert_int_equal(proto_error_from_errno(-ETIMEDOUT), PROTO_E_TIMEOUT);
	assert_int_equal(proto_error_from_errno(-EIO), PROTO_E_INTERNAL);
	assert_int_equal(proto_error_from_errno(0), PROTO_E_NONE);
}

static void test_replies(void **state)
{
	struct json_object *id = json_object_new_string("a/b"), *res, *o, *details;
	struct proto_line l;
	const char *s;
	size_t len;
	char buf[512];
	int n;

	res = json_object_new_object();
	json_object_object_add(res, "x", json_object_new_int(1));
	o = proto_reply_ok(id, res);
	s = proto_serialize(o, &len);
	assert_string_equal(s, "{\"id\":\"a/b\",\"ok\":true,\"result\":{\"x\":1}}");
	assert_int_equal(len, strlen(s));
	assert_int_equal(proto_line_parse(s, len, &l), 0);
	assert_int_equal(l.kind, PROTO_LINE_REPLY);
	assert_true(l.ok);
	assert_string_equal(json_object_get_string(l.id), "a/b");
	assert_int_equal(json_object_get_int(json_object_object_get(l.result, "x")), 1);
	proto_line_clear(&l);
	json_object_put(o);

	o = proto_reply_ok(NULL, NULL);
	assert_string_equal(proto_serialize(o, NULL), "{\"id\":null,\"ok\":true,\"result\":{}}");
	json_object_put(o);

	/* Every error code goes out and comes back. */
	for (int i = 1; i < PROTO_E_MAX; i++) {
		details = i == PROTO_E_INVALID_POLICY ? json_object_new_array() : NULL;
		o = proto_reply_error(id, i, "went \"wrong\"", details);
		s = proto_serialize(o, &len);
		assert_int_equal(proto_line_parse(s, len, &l), 0);
		assert_int_equal(l.kind, PROTO_LINE_REPLY);
		assert_false(l.ok);
		assert_int_equal(l.error, i);
		assert_string_equal(l.error_code, proto_error_name(i));
		assert_string_equal(l.error_message, "went \"wrong\"");
		assert_int_equal(json_object_object_get(l.error_obj, "errors") != NULL,
				 details != NULL);
		proto_line_clear(&l);
		json_object_put(o);
	}
	/* An empty message becomes the code. */
	o = proto_reply_error(NULL, PROTO_E_INTERNAL, "", NULL);
	assert_string_equal(proto_serialize(o, NULL), "{\"id\":null,\"ok\":false,\"error\":"
			    "{\"code\":\"internal\",\"message\":\"internal\"}}");
	json_object_put(o);
	json_object_put(id);

	n = proto_error_line(buf, sizeof(buf), PROTO_E_TOO_MANY_CLIENTS, "too many clients");
	assert_true(n > 0);
	assert_int_equal(buf[n - 1], '\n');
	assert_int_equal(proto_line_parse(buf, (size_t)n - 1, &l), 0);
	assert_int_equal(l.error, PROTO_E_TOO_MANY_CLIENTS);
	proto_line_clear(&l);
	assert_int_equal(proto_error_line(buf, 10, PROTO_E_INTERNAL, "x"), -ENOBUFS);

	o = proto_request_new(7, "status", NULL);
	assert_string_equal(proto_serialize(o, NULL), "{\"version\":1,\"id\":7,\"cmd\":\"status\"}");
	json_object_put(o);
	o = proto_request_new(8, "mark", json_object_new_object());
	s = proto_serialize(o, &len);
	{
		struct proto_request req;
		struct proto_error err;

		assert_int_equal(proto_request_parse(s, len, &req, &err), 0);
		assert_string_equal(req.cmd, "mark");
		proto_request_clear(&req);
	}
	json_object_put(o);
}

static void test_stream_lines(void **state)
{
	struct json_object *o;
	struct proto_line l;
	const char *s;
	size_t len;

	s = "{\"event\":{\"seq\":5,\"type\":\"exec\"}}";
	assert_int_equal(proto_line_parse(s, strlen(s), &l), 0);
	assert_int_equal(l.kind, PROTO_LINE_EVENT);
	assert_int_equal(json_object_get_int(json_object_object_get(l.event, "seq")), 5);
	proto_line_clear(&l);

	o = proto_missed_new(12345678901ull);
	s = proto_serialize(o, &len);
	assert_string_equal(s, "{\"missed\":12345678901}");
	assert_int_equal(proto_line_parse(s, len, &l), 0);
	assert_int_equal(l.kind, PROTO_LINE_MISSED);
	assert_int_equal(l.missed, 12345678901ull);
	proto_line_clear(&l);
	json_object_put(o);

	static const char *const bad[] = {
		"", "[]", "{}", "{\"event\":1}", "{\"missed\":-1}", "{\"missed\":\"1\"}",
		"{\"ok\":1}", "{\"ok\":false}", "{\"ok\":false,\"error\":\"x\"}",
		"{\"ok\":true,\"result\":[]}", "{\"ok\":true", NULL,
	};
	for (int i = 0; bad[i]; i++) {
		assert_int_equal(proto_line_parse(bad[i], strlen(bad[i]), &l), -EBADMSG);
		assert_null(l.root);
	}
	/* Unknown error codes from a newer daemon are kept as sent. */
	s = "{\"id\":1,\"ok\":false,\"error\":{\"code\":\"brand_new\"}}";
	assert_int_equal(proto_line_parse(s, strlen(s), &l), 0);
	assert_int_equal(l.error, PROTO_E_INTERNAL);
	assert_string_equal(l.error_code, "brand_new");
	assert_string_equal(l.error_message, "brand_new");
	proto_line_clear(&l);
	proto_line_clear(NULL);
}

/* Table 3-7 of the Unicode standard, at each of its edges. */
static void test_utf8(void **state)
{
	static const struct {
		const char *s;
		bool ok;
	} cases[] = {
		{ "plain ascii", true },
		{ "\xc2\x80", true },             /* U+0080 */
		{ "\xdf\xbf", true },             /* U+07FF */
		{ "\xe0\xa0\x80", true },         /* U+0800 */
		{ "\xed\x9f\xbf", true },         /* U+D7FF */
		{ "\xee\x80\x80", true },         /* U+E000 */
		{ "\xef\xbf\xbf", true },         /* U+FFFF */
		{ "\xf0\x90\x80\x80", true },     /* U+10000 */
		{ "\xf4\x8f\xbf\xbf", true },     /* U+10FFFF */
		{ "caf\xc3\xa9 \xe2\x82\xac", true },
		{ "\xed\xa0\x80", false },        /* U+D800, a high surrogate */
		{ "\xed\xaf\xbf", false },        /* U+DBFF */
		{ "\xed\xb0\x80", false },        /* U+DC00, a low surrogate */
		{ "\xed\xbf\xbf", false },        /* U+DFFF */
		{ "\xed\xa0\xbd\xed\xb8\x80", false }, /* CESU-8 pair */
		{ "\xc0\x80", false },             /* overlong NUL */
		{ "\xc1\xbf", false },             /* overlong */
		{ "\xe0\x80\xaf", false },         /* overlong '/' */
		{ "\xe0\x9f\xbf", false },         /* overlong U+07FF */
		{ "\xf0\x8f\xbf\xbf", false },     /* overlong U+FFFF */
		{ "\xf4\x90\x80\x80", false },     /* U+110000 */
		{ "\xf5\x80\x80\x80", false },
		{ "\xff", false },
		{ "\x80", false },                 /* lone continuation */
		{ "\xc3", false },                 /* truncated */
		{ "\xe2\x82", false },
		{ "\xf0\x90\x80", false },
		{ "\xe2\x28\xa1", false },         /* bad continuation */
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct proto_request req;
		struct proto_error err;
		char line[128];

		if (proto_utf8_valid(cases[i].s, strlen(cases[i].s)) != cases[i].ok)
			fail_msg("case %zu: expected %s", i, cases[i].ok ? "valid" : "invalid");
		/* and through the request parser, inside a string argument */
		snprintf(line, sizeof(line), "{\"cmd\":\"mark\",\"args\":{\"text\":\"%s\"}}",
			 cases[i].s);
		if (cases[i].ok) {
			assert_int_equal(parse(line, &req, &err), 0);
		} else {
			assert_true(parse(line, &req, &err) < 0);
			assert_int_equal(err.code, PROTO_E_BAD_JSON);
		}
		proto_request_clear(&req);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_command),
		cmocka_unit_test(test_request_defaults),
		cmocka_unit_test(test_request_errors),
		cmocka_unit_test(test_request_id_range),
		cmocka_unit_test(test_args),
		cmocka_unit_test(test_error_tables),
		cmocka_unit_test(test_replies),
		cmocka_unit_test(test_stream_lines),
		cmocka_unit_test(test_utf8),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
