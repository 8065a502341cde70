/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A whole string as a decimal number, strictly: digits only (no sign, no
 * blanks, nothing after), no overflow.  For numbers read from files and
 * headers that other programs wrote, and durations of the policy language.
 * Header only.
 */
#ifndef SG_STRNUM_H
#define SG_STRNUM_H

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* The decimal number s starts with, and where it ends; false: no digit first, or too big. */
static inline bool strnum_lead(const char *s, unsigned long long *v, char **end)
{
	if (!s || *s < '0' || *s > '9')
		return false;
	errno = 0;
	*v = strtoull(s, end, 10);
	return errno == 0;
}

/* s as a decimal uint64_t into *ret; false (and *ret untouched) if it is not one. */
static inline bool strnum_u64(const char *s, uint64_t *ret)
{
	unsigned long long v;
	char *end;

	if (!strnum_lead(s, &v, &end) || *end)
		return false;
	*ret = v;
	return true;
}

/*
 * A duration: "0", or a number and its unit (ms, s, m, h, d), into *ret in
 * nanoseconds; false (and *ret untouched) if it is not one or overflows.
 */
static inline bool strnum_duration_ns(const char *s, uint64_t *ret)
{
	static const struct {
		const char *unit;
		uint64_t ns;
	} units[] = { { "ms", 1000000ull }, { "s", 1000000000ull }, { "m", 60000000000ull },
		      { "h", 3600000000000ull }, { "d", 86400000000000ull } };
	unsigned long long v;
	char *end;

	if (!strnum_lead(s, &v, &end))
		return false;
	if (!*end && v == 0) {
		*ret = 0;
		return true;
	}
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++)
		if (!strcmp(end, units[i].unit)) {
			if (v > UINT64_MAX / units[i].ns)
				return false;
			*ret = v * units[i].ns;
			return true;
		}
	return false;
}

#endif /* SG_STRNUM_H */
