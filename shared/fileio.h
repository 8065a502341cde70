/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Bounded reads of whole files and sorted listings of directories: the two
 * shapes every reader of configuration, policy, Sigma and runtime state
 * files needs.  No logging; errors are -errno, and for the caller's message,
 * a static string saying why.
 */
#ifndef SG_FILEIO_H
#define SG_FILEIO_H

#include <stdbool.h>
#include <stddef.h>

/*
 * Read the regular file path whole into a malloc'd buffer, NUL-terminated
 * (*ret, length *len).  Refused: not a regular file (-EINVAL), larger than
 * max bytes (-EFBIG).  Returns 0 or -errno; *why (may be NULL) is set on
 * failure: strerror() or "not a regular file" or "file too large".
 */
int fio_read(const char *path, size_t max, char **ret, size_t *len, const char **why);

/* As fio_read, from an fd already open (not closed here). */
int fio_read_fd(int fd, size_t max, char **ret, size_t *len, const char **why);

/* A directory's entries, sorted by name (strcmp); free with fio_names_free(). */
struct fio_names {
	char **v;   /* entry names, not paths */
	size_t n;
};

/*
 * The entries of dir that keep(name, arg) accepts (NULL: all but "." and
 * ".."), sorted.  More than max of them: -E2BIG (the first max are kept in
 * ret, sorted).  Returns 0 or -errno; *why as for fio_read.
 */
int fio_list(const char *dir, bool (*keep)(const char *name, void *arg), void *arg, size_t max,
	     struct fio_names *ret, const char **why);
void fio_names_free(struct fio_names *n);

/* dir "/" name into buf (one '/' between them); -ENAMETOOLONG if it does not fit. */
int fio_join(char *buf, size_t size, const char *dir, const char *name);

#endif /* SG_FILEIO_H */
