// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Path assembly: walks to absolute paths, joins, lexical normalisation.
 */
#include <errno.h>
#include <string.h>
#include "path.h"

int path_from_walk(char *out, size_t outlen, const char *walk, size_t len)
{
	const char *comp[64];
	size_t n = 0, pos = 0, o = 0;

	if (outlen < 2)
		return -ENAMETOOLONG;
	while (pos < len) {
		const char *end = memchr(walk + pos, '\0', len - pos);

		if (!end || end == walk + pos)
			return -EINVAL; /* unterminated or empty component */
		if (n == sizeof(comp) / sizeof(comp[0]))
			return -ENAMETOOLONG;
		comp[n++] = walk + pos;
		pos = end - walk + 1;
	}
	if (n == 0) {
		out[0] = '/';
		out[1] = '\0';
		return 1;
	}
	while (n--) {
		size_t l = strlen(comp[n]);

		if (o + 1 + l + 1 > outlen)
			return -ENAMETOOLONG;
		out[o++] = '/';
		memcpy(out + o, comp[n], l);
		o += l;
	}
	out[o] = '\0';
	return o;
}

size_t path_normalize(char *path)
{
	size_t w = 0, r = 0;
	size_t absolute = path[0] == '/';

	if (absolute)
		w = r = 1;
	while (path[r]) {
		size_t b, l;

		while (path[r] == '/')
			r++;
		if (!path[r])
			break;
		b = r;
		while (path[r] && path[r] != '/')
			r++;
		l = r - b;
		if (l == 1 && path[b] == '.')
			continue;
		if (l == 2 && path[b] == '.' && path[b + 1] == '.') {
			/* the last component written: back from w to the previous '/' */
			size_t s = w;

			while (s > absolute && path[s - 1] != '/')
				s--;
			if (w > absolute && !(w - s == 2 && path[s] == '.' && path[s + 1] == '.')) {
				w = s;
				if (w > absolute)
					w--; /* the separator before it */
				continue;
			}
			if (absolute)
				continue; /* "/.." is "/" */
		}
		if (w > absolute)
			path[w++] = '/';
		memmove(path + w, path + b, l);
		w += l;
	}
	if (w == 0)
		path[w++] = '.';
	path[w] = '\0';
	return w;
}

int path_join(char *out, size_t outlen, const char *dir, const char *rel)
{
	size_t dl = strlen(dir), rl = strlen(rel);

	if (dl + 1 + rl + 1 > outlen)
		return -ENAMETOOLONG;
	memcpy(out, dir, dl);
	out[dl] = '/';
	memcpy(out + dl + 1, rel, rl + 1);
	return path_normalize(out);
}
