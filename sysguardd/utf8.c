// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * UTF-8 text (utf8.h).  Case folding is a small UTF-8 decoder and encoder
 * around towlower_l(): glibc's C.UTF-8 locale carries Unicode's simple
 * lower-case mappings, so no table of our own is kept.  fnmatch(3) runs with
 * that locale as the thread's for the call (uselocale(3)).  The locale is
 * made once; folding allocates nothing.
 */
#include <fnmatch.h>
#include <locale.h>
#include <pthread.h>
#include <stdint.h>
#include <wctype.h>
#include "utf8.h"

static locale_t utf8_loc;
static pthread_once_t utf8_once = PTHREAD_ONCE_INIT;

static void utf8_init(void)
{
	utf8_loc = newlocale(LC_CTYPE_MASK, "C.UTF-8", (locale_t)0);
}

bool utf8_unicode(void)
{
	pthread_once(&utf8_once, utf8_init);
	return utf8_loc != (locale_t)0;
}

/* One UTF-8 character at s (n bytes left): its code point and length, or 0. */
static size_t utf8_dec(const unsigned char *s, size_t n, uint32_t *cp)
{
	size_t len;
	uint32_t c, min;

	if (s[0] < 0xc2 || s[0] > 0xf4)
		return 0;
	if (s[0] < 0xe0) {
		len = 2, c = s[0] & 0x1f, min = 0x80;
	} else if (s[0] < 0xf0) {
		len = 3, c = s[0] & 0x0f, min = 0x800;
	} else {
		len = 4, c = s[0] & 0x07, min = 0x10000;
	}
	if (n < len)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = c << 6 | (s[i] & 0x3f);
	}
	if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return 0;
	*cp = c;
	return len;
}

static size_t utf8_enc(uint32_t c, char *out)
{
	if (c < 0x80) {
		out[0] = (char)c;
		return 1;
	}
	if (c < 0x800) {
		out[0] = (char)(0xc0 | c >> 6);
		out[1] = (char)(0x80 | (c & 0x3f));
		return 2;
	}
	if (c < 0x10000) {
		out[0] = (char)(0xe0 | c >> 12);
		out[1] = (char)(0x80 | (c >> 6 & 0x3f));
		out[2] = (char)(0x80 | (c & 0x3f));
		return 3;
	}
	out[0] = (char)(0xf0 | c >> 18);
	out[1] = (char)(0x80 | (c >> 12 & 0x3f));
	out[2] = (char)(0x80 | (c >> 6 & 0x3f));
	out[3] = (char)(0x80 | (c & 0x3f));
	return 4;
}

size_t utf8_fold(const char *s, size_t len, char *out, size_t max, bool ascii)
{
	const unsigned char *u = (const unsigned char *)s;
	bool uni = utf8_unicode();
	size_t o = 0;

	if (max == 0)
		return 0;
	for (size_t i = 0; i < len;) {
		uint32_t cp;
		size_t n;
		char enc[4];

		if (u[i] < 0x80) {
			if (o + 1 >= max)
				break;
			out[o++] = (char)(ascii && u[i] >= 'A' && u[i] <= 'Z' ? u[i] + 32 : u[i]);
			i++;
			continue;
		}
		n = uni ? utf8_dec(u + i, len - i, &cp) : 0;
		if (n == 0) { /* not UTF-8 (or no locale): the byte itself */
			if (o + 1 >= max)
				break;
			out[o++] = (char)u[i++];
			continue;
		}
		cp = (uint32_t)towlower_l((wint_t)cp, utf8_loc);
		size_t e = utf8_enc(cp, enc);

		if (o + e >= max)
			break;
		for (size_t k = 0; k < e; k++)
			out[o++] = enc[k];
		i += n;
	}
	out[o] = '\0';
	return o;
}

int utf8_fnmatch(const char *pattern, const char *s, size_t len)
{
	const unsigned char *u = (const unsigned char *)s;
	bool ascii = true;
	locale_t old;
	int r;

	for (size_t i = 0; i < len && ascii; i++)
		ascii = u[i] < 0x80;
	if (ascii || !utf8_unicode())
		return fnmatch(pattern, s, 0);
	old = uselocale(utf8_loc);
	r = fnmatch(pattern, s, 0);
	uselocale(old);
	return r;
}
