/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef SG_CASEFOLD_H
#define SG_CASEFOLD_H

#include <stdbool.h>
#include <stddef.h>

/*
 * Case folding for the policy's 'nocase' comparisons: each character of
 * valid UTF-8 is replaced by its lower case (towlower_l() in the C.UTF-8
 * locale; ASCII only where that locale is missing), anything else is copied
 * byte for byte.  A character's lower case may be longer than itself (at
 * most 3 bytes for 2), so 'out' should have room for 2 * len + 1.  Writes
 * at most max - 1 bytes and a NUL, never splitting a character; returns the
 * length written.  ascii false leaves ASCII as it is (for a regular
 * expression compiled with REG_ICASE, whose escapes are ASCII letters).
 */
size_t casefold(const char *s, size_t len, char *out, size_t max, bool ascii);

/* Whether characters beyond ASCII are folded (the C.UTF-8 locale exists). */
bool casefold_unicode(void);

#endif
