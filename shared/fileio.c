// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Bounded whole-file reads and sorted directory listings (see fileio.h).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include "fileio.h"

static int fail(const char **why, int e, const char *text)
{
	if (why)
		*why = text ? text : strerror(e);
	return -e;
}

int fio_read_fd(int fd, size_t max, char **ret, size_t *len, const char **why)
{
	struct stat st;
	size_t cap, got = 0;
	char *buf;

	if (fstat(fd, &st) < 0)
		return fail(why, errno, NULL);
	if (!S_ISREG(st.st_mode))
		return fail(why, EINVAL, "not a regular file");
	if ((uint64_t)st.st_size > max)
		return fail(why, EFBIG, "file too large");
	/* st_size may be 0 for pseudo files: read until EOF, still bounded by max */
	cap = st.st_size ? (size_t)st.st_size : 4096;
	if (cap > max)
		cap = max;
	buf = malloc(cap + 1);
	if (!buf)
		return fail(why, ENOMEM, NULL);
	for (;;) {
		ssize_t n;

		if (got == cap) {
			char *nb;

			if (cap >= max) {
				char c;

				/* grown while read: refuse rather than cut */
				n = read(fd, &c, 1);
				if (n == 0)
					break;
				free(buf);
				return fail(why, EFBIG, "file too large");
			}
			cap = cap * 2 > max ? max : cap * 2;
			nb = realloc(buf, cap + 1);
			if (!nb) {
				free(buf);
				return fail(why, ENOMEM, NULL);
			}
			buf = nb;
		}
		n = read(fd, buf + got, cap - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			int e = errno;

			free(buf);
			return fail(why, e, NULL);
		}
		if (n == 0)
			break;
		got += (size_t)n;
	}
	buf[got] = '\0';
	*ret = buf;
	*len = got;
	return 0;
}

int fio_read(const char *path, size_t max, char **ret, size_t *len, const char **why)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	int r;

	if (fd < 0)
		return fail(why, errno, NULL);
	r = fio_read_fd(fd, max, ret, len, why);
	close(fd);
	return r;
}

static int cmp_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

void fio_names_free(struct fio_names *n)
{
	if (!n)
		return;
	for (size_t i = 0; i < n->n; i++)
		free(n->v[i]);
	free(n->v);
	n->v = NULL;
	n->n = 0;
}

int fio_list(const char *dir, bool (*keep)(const char *name, void *arg), void *arg, size_t max,
	     struct fio_names *ret, const char **why)
{
	struct fio_names out = { 0 };
	size_t cap = 0;
	struct dirent *de;
	DIR *d = opendir(dir);
	int r = 0;

	if (!d)
		return fail(why, errno, NULL);
	while ((errno = 0, de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (keep && !keep(de->d_name, arg))
			continue;
		if (out.n == max) {
			r = fail(why, E2BIG, "too many entries");
			break;
		}
		if (out.n == cap) {
			size_t nc = cap ? 2 * cap : 16;
			char **v = realloc(out.v, nc * sizeof(*v));

			if (!v) {
				r = fail(why, ENOMEM, NULL);
				break;
			}
			out.v = v;
			cap = nc;
		}
		out.v[out.n] = strdup(de->d_name);
		if (!out.v[out.n]) {
			r = fail(why, ENOMEM, NULL);
			break;
		}
		out.n++;
	}
	if (!de && errno && r == 0)
		r = fail(why, errno, NULL);
	closedir(d);
	if (r < 0 && r != -E2BIG) {
		fio_names_free(&out);
		return r;
	}
	if (out.n)
		qsort(out.v, out.n, sizeof(*out.v), cmp_name);
	*ret = out;
	return r;
}

int fio_join(char *buf, size_t size, const char *dir, const char *name)
{
	size_t dl = strlen(dir);
	int n = snprintf(buf, size, "%s%s%s", dir, dl && dir[dl - 1] == '/' ? "" : "/", name);

	return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
}
