/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A whole string as a decimal number, strictly: digits only (no sign, no
 * blanks, nothing after), no overflow.  For numbers read from files and
 * headers that other programs wrote.  Header only.
 */
#ifndef SG_STRNUM_H
#define SG_STRNUM_H

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>

/* s as a decimal uint64_t into *ret; false (and *ret untouched) if it is not one. */
static inline bool strnum_u64(const char *s, uint64_t *ret)
{
	unsigned long long v;
	char *end;

	if (!s || *s < '0' || *s > '9')
		return false;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || *end)
		return false;
	*ret = v;
	return true;
}

#endif /* SG_STRNUM_H */
