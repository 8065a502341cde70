/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Path assembly for decoded events: a dentry walk (leaf-first components)
 * into an absolute path, and a relative path joined to its directory.  Paths
 * are normalised lexically ("//", "." and ".." collapse); the directory comes
 * from the kernel's dentries and is therefore free of symlinks.
 */
#ifndef SG_PATH_H
#define SG_PATH_H

#include <stddef.h>

/*
 * Turn a walk ("c\0b\0a\0", len bytes) into "/a/b/c" in out.  Returns the
 * length, or -ENAMETOOLONG / -EINVAL (malformed walk).
 */
int path_from_walk(char *out, size_t outlen, const char *walk, size_t len);

/*
 * Normalise path in place: collapse repeated '/', drop "." components and
 * resolve ".." against the preceding component (never above "/").  A
 * relative path stays relative.  Returns the new length.
 */
size_t path_normalize(char *path);

/* out = normalize(dir + "/" + rel). Returns the length or -ENAMETOOLONG. */
int path_join(char *out, size_t outlen, const char *dir, const char *rel);

#endif /* SG_PATH_H */
