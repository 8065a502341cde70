/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef SG_UTF8_H
#define SG_UTF8_H

#include <stdbool.h>
#include <stddef.h>

/*
 * UTF-8 text for the policy's matcher.
 *
 * Case folding for 'nocase' comparisons: each character of
 * valid UTF-8 is replaced by its lower case (towlower_l() in the C.UTF-8
 * locale; ASCII only where that locale is missing), anything else is copied
 * byte for byte.  A character's lower case may be longer than itself (at
 * most 3 bytes for 2), so 'out' should have room for 2 * len + 1.  Writes
 * at most max - 1 bytes and a NUL, never splitting a character; returns the
 * length written.  ascii false leaves ASCII as it is (for a regular
 * expression compiled with REG_ICASE, whose escapes are ASCII letters).
 */
size_t utf8_fold(const char *s, size_t len, char *out, size_t max, bool ascii);

/* Whether characters beyond ASCII are known (the C.UTF-8 locale exists). */
bool utf8_unicode(void);

/*
 * fnmatch(3) with flags 0 in the C.UTF-8 locale, where it exists: '?' and a
 * bracket expression take one character, not one byte ('caf?' matches
 * 'café').  A string that is not valid UTF-8 is matched byte by byte, and
 * so is an ASCII one (the same answer, without the locale's cost).  s is
 * NUL-terminated at len.
 */
int utf8_fnmatch(const char *pattern, const char *s, size_t len);

#endif
