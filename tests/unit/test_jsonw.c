// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Unit tests for shared/jsonw.c: structure and commas, string escaping,
 * UTF-8 validation, and the fixed buffer's bounds.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>
#include <json-c/json.h>
#include "jsonw.h"

static char buf[4096];
static struct jsonw w;

static void begin(void)
{
	memset(buf, 0x55, sizeof(buf));
	jw_init(&w, buf, sizeof(buf));
}

/* Finish, compare with want, and check json-c accepts it. */
static void expect(const char *want)
{
	int n = jw_finish(&w);
	json_object *o;

	assert_true(n >= 0);
	assert_string_equal(buf, want);
	assert_int_equal(n, strlen(want));
	o = json_tokener_parse(buf);
	if (!o && strcmp(buf, "null") != 0)
		fail_msg("json-c rejects: %s", buf);
	json_object_put(o);
}

static void str_of(const char *s, size_t n, const char *want)
{
	begin();
	jw_strn(&w, s, n);
	expect(want);
}

#define STR(lit, want) str_of(lit, sizeof(lit) - 1, want)

static void scalars(void **state)
{
	begin();
	jw_arr_open(&w);
	jw_int(&w, 0);
	jw_int(&w, -1);
	jw_int(&w, INT64_MIN);
	jw_uint(&w, UINT64_MAX);
	jw_bool(&w, true);
	jw_bool(&w, false);
	jw_null(&w);
	jw_str(&w, NULL);
	jw_str(&w, "");
	jw_raw(&w, "{\"r\":1}", 7);
	jw_arr_close(&w);
	expect("[0,-1,-9223372036854775808,18446744073709551615,true,false,null,null,\"\","
	       "{\"r\":1}]");
}

static void nesting_and_commas(void **state)
{
	begin();
	jw_obj_open(&w);
	jw_key(&w, "a");
	jw_uint(&w, 1);
	jw_key(&w, "b");
	jw_arr_open(&w);
	jw_uint(&w, 1);
	jw_arr_open(&w);
	jw_arr_close(&w);
	jw_obj_open(&w);
	jw_key(&w, "c");
	jw_bool(&w, true);
	jw_key(&w, "d");
	jw_obj_open(&w);
	jw_obj_close(&w);
	jw_obj_close(&w);
	jw_str(&w, "x");
	jw_arr_close(&w);
	jw_key(&w, "e");
	jw_obj_open(&w);
	jw_key(&w, "f");
	jw_null(&w);
	jw_obj_close(&w);
	jw_key(&w, "g");
	jw_str(&w, "h");
	jw_obj_close(&w);
	expect("{\"a\":1,\"b\":[1,[],{\"c\":true,\"d\":{}},\"x\"],\"e\":{\"f\":null},\"g\":\"h\"}");

	begin();
	jw_obj_open(&w);
	jw_obj_close(&w);
	expect("{}");

	begin();
	jw_arr_open(&w);
	jw_arr_open(&w);
	jw_arr_open(&w);
	jw_arr_close(&w);
	jw_arr_close(&w);
	jw_arr_open(&w);
	jw_arr_close(&w);
	jw_arr_close(&w);
	expect("[[[]],[]]");
}

static void deepest_nesting(void **state)
{
	char want[64];
	int depth = JW_DEPTH - 1;

	begin();
	for (int i = 0; i < depth; i++)
		jw_arr_open(&w);
	for (int i = 0; i < depth; i++)
		jw_arr_close(&w);
	memset(want, '[', depth);
	memset(want + depth, ']', depth);
	want[2 * depth] = '\0';
	expect(want);

	/* one more than the writer can track is an error, not corrupt output */
	begin();
	for (int i = 0; i <= depth; i++)
		jw_arr_open(&w);
	for (int i = 0; i <= depth; i++)
		jw_arr_close(&w);
	assert_false(jw_ok(&w));
	assert_int_equal(jw_finish(&w), -ENOSPC);
}

static void escaping(void **state)
{
	STR("plain text", "\"plain text\"");
	STR("a\"b", "\"a\\\"b\"");
	STR("a\\b", "\"a\\\\b\"");
	STR("\\\"", "\"\\\\\\\"\"");
	STR("l1\nl2\r\tx", "\"l1\\nl2\\r\\tx\"");
	STR("\x01", "\"\\u0001\"");
	STR("\x1f\x08\x0c", "\"\\u001f\\u0008\\u000c\"");
	STR("a\0b", "\"a\\u0000b\"");
	STR("\x7f~/", "\"\x7f~/\"");

	/* names computed at run time are escaped the same way */
	begin();
	jw_obj_open(&w);
	jw_key_str(&w, "k\"\n");
	jw_str(&w, "v");
	jw_key(&w, "lit");
	jw_name(&w, "2026-11-21T09:56:22.919174112Z");
	jw_key(&w, "none");
	jw_name(&w, NULL);
	jw_obj_close(&w);
	expect("{\"k\\\"\\n\":\"v\",\"lit\":\"2026-11-21T09:56:22.919174112Z\",\"none\":null}");
}

/* Reference escaper for ASCII, byte by byte. */
static size_t ref_escape(const unsigned char *s, size_t n, char *out)
{
	size_t o = 0;

	out[o++] = '"';
	for (size_t i = 0; i < n; i++) {
		unsigned char c = s[i];

		if (c == '"' || c == '\\') {
			out[o++] = '\\';
			out[o++] = c;
		} else if (c == '\n') {
			o += sprintf(out + o, "\\n");
		} else if (c == '\t') {
			o += sprintf(out + o, "\\t");
		} else if (c == '\r') {
			o += sprintf(out + o, "\\r");
		} else if (c < 0x20) {
			o += sprintf(out + o, "\\u%04x", c);
		} else if (c >= 0x80) {
			o += sprintf(out + o, "\\ufffd");
		} else {
			out[o++] = c;
		}
	}
	out[o++] = '"';
	out[o] = 0;
	return o;
}

/*
 * The eight-bytes-a-step scan: every length up to 40, with one byte that
 * needs care (or none) at every position, matches the byte-by-byte reference;
 * so do the short-copy paths of every length.
 */
static void scan_every_position(void **state)
{
	static const unsigned char special[] = { '"', '\\', '\n', 0x01, 0x1f, 0x7f, 0x80, 0xff, ' ', '~' };
	unsigned char s[48];
	char want[512];

	for (size_t n = 0; n <= 40; n++) {
		for (size_t pos = 0; pos <= n; pos++) {
			for (size_t k = 0; k < sizeof(special); k++) {
				for (size_t i = 0; i < n; i++)
					s[i] = 'a' + (i % 26);
				if (pos < n)
					s[pos] = special[k];
				ref_escape(s, n, want);
				str_of((const char *)s, n, want);
				if (pos == n)
					break; /* no special byte: once is enough */
			}
		}
		/* jw_name writes the same bytes, unescaped, for every length */
		for (size_t i = 0; i < n; i++)
			s[i] = 'A' + (i % 26);
		s[n] = 0;
		snprintf(want, sizeof(want), "\"%s\"", (const char *)s);
		begin();
		jw_name(&w, (const char *)s);
		expect(want);
	}
}

static void utf8_valid(void **state)
{
	STR("caf\xc3\xa9", "\"caf\xc3\xa9\"");                /* U+00E9 */
	STR("\xc2\x80", "\"\xc2\x80\"");                      /* U+0080, smallest 2-byte */
	STR("\xdf\xbf", "\"\xdf\xbf\"");                      /* U+07FF */
	STR("\xe0\xa0\x80", "\"\xe0\xa0\x80\"");              /* U+0800, smallest 3-byte */
	STR("\xe2\x82\xac", "\"\xe2\x82\xac\"");              /* U+20AC */
	STR("\xed\x9f\xbf", "\"\xed\x9f\xbf\"");              /* U+D7FF, below the surrogates */
	STR("\xee\x80\x80", "\"\xee\x80\x80\"");              /* U+E000, above them */
	STR("\xef\xbf\xbd", "\"\xef\xbf\xbd\"");              /* U+FFFD */
	STR("\xf0\x90\x80\x80", "\"\xf0\x90\x80\x80\"");      /* U+10000 */
	STR("\xf0\x9f\x98\x80!", "\"\xf0\x9f\x98\x80!\"");    /* U+1F600 */
	STR("\xf4\x8f\xbf\xbf", "\"\xf4\x8f\xbf\xbf\"");      /* U+10FFFF */
	STR("\xe6\x97\xa5\"\xe6\x9c\xac", "\"\xe6\x97\xa5\\\"\xe6\x9c\xac\"");
}

#define FFFD "\\ufffd"

static void utf8_invalid(void **state)
{
	STR("\xff", "\"" FFFD "\"");
	STR("\xfe", "\"" FFFD "\"");
	STR("a\x80z", "\"a" FFFD "z\"");                       /* lone continuation */
	STR("\xc0\x80", "\"" FFFD FFFD "\"");                  /* overlong NUL */
	STR("\xc1\xbf", "\"" FFFD FFFD "\"");                  /* overlong 2-byte */
	STR("\xe0\x80\xaf", "\"" FFFD FFFD FFFD "\"");         /* overlong 3-byte '/' */
	STR("\xe0\x9f\xbf", "\"" FFFD FFFD FFFD "\"");         /* overlong U+07FF */
	STR("\xf0\x8f\xbf\xbf", "\"" FFFD FFFD FFFD FFFD "\""); /* overlong U+FFFF */
	STR("\xed\xa0\x80", "\"" FFFD FFFD FFFD "\"");         /* U+D800 high surrogate */
	STR("\xed\xbf\xbf", "\"" FFFD FFFD FFFD "\"");         /* U+DFFF low surrogate */
	STR("\xf4\x90\x80\x80", "\"" FFFD FFFD FFFD FFFD "\""); /* U+110000 */
	STR("\xf5\x80\x80\x80", "\"" FFFD FFFD FFFD FFFD "\"");
	STR("\xe2\x82", "\"" FFFD FFFD "\"");                  /* truncated at the end */
	STR("\xe2\x82x", "\"" FFFD FFFD "x\"");                /* truncated mid-string */
	STR("\xf0\x9f\x98", "\"" FFFD FFFD FFFD "\"");
	STR("\xc3", "\"" FFFD "\"");
	STR("\xc3\xa9\xc3", "\"\xc3\xa9" FFFD "\"");
	STR("ok\xe2\x82\xac\xff\"", "\"ok\xe2\x82\xac" FFFD "\\\"\"");

	/* the length given is respected: a valid sequence cut by n is invalid */
	str_of("\xe2\x82\xac", 2, "\"" FFFD FFFD "\"");
}

/* Everything written into a buffer of cap bytes, guard bytes after it. */
static int write_sample(char *out, size_t cap)
{
	struct jsonw x;

	jw_init(&x, out, cap);
	jw_obj_open(&x);
	jw_key(&x, "name");
	jw_str(&x, "q\"uo\x01te\xff");
	jw_key(&x, "list");
	jw_arr_open(&x);
	jw_int(&x, -12345);
	jw_bool(&x, true);
	jw_null(&x);
	jw_raw(&x, "[1]", 3);
	jw_arr_close(&x);
	jw_obj_close(&x);
	return jw_finish(&x);
}

static void overflow(void **state)
{
	static const char want[] =
		"{\"name\":\"q\\\"uo\\u0001te\\ufffd\",\"list\":[-12345,true,null,[1]]}";
	const size_t need = sizeof(want); /* with the NUL */
	char out[256];

	for (size_t cap = 0; cap <= need + 2; cap++) {
		int n;

		memset(out, 0x55, sizeof(out));
		n = write_sample(out, cap);
		for (size_t i = cap; i < sizeof(out); i++)
			if ((unsigned char)out[i] != 0x55)
				fail_msg("cap %zu: byte %zu written", cap, i);
		if (cap < need) {
			if (n != -ENOSPC)
				fail_msg("cap %zu: %d, want -ENOSPC", cap, n);
		} else {
			assert_int_equal(n, need - 1);
			assert_string_equal(out, want);
		}
	}
}

static void overflow_sticks(void **state)
{
	char out[8];
	struct jsonw x;

	/* once full, later small values do not sneak in */
	jw_init(&x, out, sizeof(out));
	jw_str(&x, "far too long for this");
	assert_false(jw_ok(&x));
	jw_null(&x);
	jw_int(&x, 1);
	assert_false(jw_ok(&x));
	assert_int_equal(jw_finish(&x), -ENOSPC);

	jw_init(&x, out, sizeof(out));
	assert_true(jw_ok(&x));
	jw_str(&x, "12345"); /* 7 bytes + NUL: fits exactly */
	assert_true(jw_ok(&x));
	assert_int_equal(jw_finish(&x), 7);
	assert_string_equal(out, "\"12345\"");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(scalars),
		cmocka_unit_test(nesting_and_commas),
		cmocka_unit_test(deepest_nesting),
		cmocka_unit_test(escaping),
		cmocka_unit_test(scan_every_position),
		cmocka_unit_test(utf8_valid),
		cmocka_unit_test(utf8_invalid),
		cmocka_unit_test(overflow),
		cmocka_unit_test(overflow_sticks),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
