// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The fixed-buffer JSON writer.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "jsonw.h"

void jw_init(struct jsonw *w, char *buf, size_t cap)
{
	w->buf = buf;
	w->len = 0;
	w->cap = cap;
	w->overflow = cap == 0;
	w->depth = 0;
	w->need_comma[0] = false;
}

static void put(struct jsonw *w, const char *s, size_t n)
{
	char *d;

	if (w->overflow || w->len + n >= w->cap) {
		w->overflow = true;
		return;
	}
	d = w->buf + w->len;
	w->len += n;
	/* most pieces are a few bytes: fixed-size copies, no library call */
	if (n >= 8 && n <= 16) {
		memcpy(d, s, 8);
		memcpy(d + n - 8, s + n - 8, 8);
	} else if (n >= 4 && n < 8) {
		memcpy(d, s, 4);
		memcpy(d + n - 4, s + n - 4, 4);
	} else if (n < 4) {
		for (size_t i = 0; i < n; i++)
			d[i] = s[i];
	} else {
		memcpy(d, s, n);
	}
}

static void putc1(struct jsonw *w, char c)
{
	if (w->overflow || w->len + 1 >= w->cap) {
		w->overflow = true;
		return;
	}
	w->buf[w->len++] = c;
}

static void sep(struct jsonw *w)
{
	if (w->need_comma[w->depth])
		putc1(w, ',');
	w->need_comma[w->depth] = true;
}

static void open_(struct jsonw *w, char c)
{
	sep(w);
	putc1(w, c);
	if (w->depth + 1 >= JW_DEPTH) {
		w->overflow = true;
		return;
	}
	w->need_comma[++w->depth] = false;
}

static void close_(struct jsonw *w, char c)
{
	if (w->depth > 0)
		w->depth--;
	putc1(w, c);
}

void jw_obj_open(struct jsonw *w) { open_(w, '{'); }
void jw_obj_close(struct jsonw *w) { close_(w, '}'); }
void jw_arr_open(struct jsonw *w) { open_(w, '['); }
void jw_arr_close(struct jsonw *w) { close_(w, ']'); }

/* Length of a valid UTF-8 sequence at s (at most n bytes), or 0. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
	unsigned char c = s[0];
	size_t need;
	uint32_t cp;

	if (c < 0xc2)
		return 0;
	if (c < 0xe0) {
		need = 2;
		cp = c & 0x1f;
	} else if (c < 0xf0) {
		need = 3;
		cp = c & 0x0f;
	} else if (c < 0xf5) {
		need = 4;
		cp = c & 0x07;
	} else {
		return 0;
	}
	if (n < need)
		return 0;
	for (size_t i = 1; i < need; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	if ((need == 3 && cp < 0x800) || (need == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return need;
}

/* Bytes that need no escaping and no UTF-8 check: ASCII from space up, but the quote and backslash. */
static const unsigned char plain[256] = {
	[0x20] = 1, [0x21] = 1, [0x23 ... 0x5b] = 1, [0x5d ... 0x7f] = 1,
};

/*
 * Whether 8 bytes are all plain (see plain[]): none under 0x20, none from
 * 0x80 up, no quote, no backslash.  The zero-byte test it builds on may
 * report a byte that is plain, never miss one that is not; a report only
 * sends these bytes through the byte loop.
 */
static bool plain8(const unsigned char *s)
{
	const uint64_t ones = 0x0101010101010101ULL, high = 0x8080808080808080ULL;
	uint64_t v, q, b, ctl;

	memcpy(&v, s, 8);
	ctl = (v - 0x20 * ones) & ~v;
	q = v ^ ('"' * ones);
	q = (q - ones) & ~q;
	b = v ^ ('\\' * ones);
	b = (b - ones) & ~b;
	return ((v | ctl | q | b) & high) == 0;
}

static void put_escaped(struct jsonw *w, const char *str, size_t n)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t run = 0, i = 0;

	putc1(w, '"');
	while (i < n) {
		unsigned char c;

		/* paths and names are mostly plain ASCII: eight bytes a step */
		while (i + 8 <= n && plain8(s + i)) {
			run += 8;
			i += 8;
		}
		if (i >= n)
			break;
		c = s[i];
		if (plain[c]) {
			run++;
			i++;
			continue;
		}
		if (c >= 0x80) {
			size_t l = utf8_len(s + i, n - i);

			if (l) {
				run += l;
				i += l;
				continue;
			}
		}
		put(w, (const char *)s + i - run, run);
		run = 0;
		switch (c) {
		case '"': put(w, "\\\"", 2); break;
		case '\\': put(w, "\\\\", 2); break;
		case '\n': put(w, "\\n", 2); break;
		case '\t': put(w, "\\t", 2); break;
		case '\r': put(w, "\\r", 2); break;
		default:
			if (c < 0x20) {
				char esc[8];

				snprintf(esc, sizeof(esc), "\\u%04x", c);
				put(w, esc, 6);
			} else {
				put(w, "\\ufffd", 6); /* not UTF-8 */
			}
		}
		i++;
	}
	put(w, (const char *)s + i - run, run);
	putc1(w, '"');
}

void jw_key_str(struct jsonw *w, const char *key)
{
	sep(w);
	put_escaped(w, key, strlen(key));
	putc1(w, ':');
	w->need_comma[w->depth] = false;
}

void jw_keyn(struct jsonw *w, const char *quoted, size_t n)
{
	sep(w);
	put(w, quoted, n);
	w->need_comma[w->depth] = false;
}

void jw_strn(struct jsonw *w, const char *s, size_t n)
{
	sep(w);
	put_escaped(w, s, n);
}

void jw_name(struct jsonw *w, const char *s)
{
	if (!s) {
		jw_null(w);
		return;
	}
	sep(w);
	putc1(w, '"');
	put(w, s, strlen(s));
	putc1(w, '"');
}

void jw_str(struct jsonw *w, const char *s)
{
	if (!s) {
		jw_null(w);
		return;
	}
	jw_strn(w, s, strlen(s));
}

/* Digits of v, written backwards from end; returns where they start. */
static char *utoa_rev(uint64_t v, char *end)
{
	do {
		*--end = '0' + v % 10;
		v /= 10;
	} while (v);
	return end;
}

void jw_int(struct jsonw *w, int64_t v)
{
	char b[24], *end = b + sizeof(b), *s;

	sep(w);
	/* negate in unsigned arithmetic: INT64_MIN has no positive int64 */
	s = utoa_rev(v < 0 ? -(uint64_t)v : (uint64_t)v, end);
	if (v < 0)
		*--s = '-';
	put(w, s, end - s);
}

void jw_uint(struct jsonw *w, uint64_t v)
{
	char b[24], *end = b + sizeof(b), *s;

	sep(w);
	s = utoa_rev(v, end);
	put(w, s, end - s);
}

void jw_bool(struct jsonw *w, bool v)
{
	sep(w);
	if (v)
		put(w, "true", 4);
	else
		put(w, "false", 5);
}

void jw_null(struct jsonw *w)
{
	sep(w);
	put(w, "null", 4);
}

void jw_raw(struct jsonw *w, const char *json, size_t n)
{
	sep(w);
	put(w, json, n);
}

bool jw_ok(const struct jsonw *w)
{
	return !w->overflow;
}

int jw_finish(struct jsonw *w)
{
	if (w->overflow || w->len >= w->cap)
		return -ENOSPC;
	w->buf[w->len] = '\0';
	return w->len;
}
