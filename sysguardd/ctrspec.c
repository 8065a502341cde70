// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * What a container's OCI spec says beyond its annotations (see ctrspec.h):
 * whether it is privileged, its root file system and its mounts, and from
 * them the host path of a path the container sees.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "ctrspec.h"
#include "jsonget.h"

int ctrspec_privileged(struct json_object *spec)
{
	struct json_object *caps = jget(jget(jget(spec, "process"), "capabilities"), "bounding");
	struct json_object *masked = jget(jget(spec, "linux"), "maskedPaths");
	bool sys_admin = false;

	if (!caps || !json_object_is_type(caps, json_type_array))
		return -1;
	for (size_t i = 0; i < json_object_array_length(caps); i++) {
		const char *c = json_object_get_string(json_object_array_get_idx(caps, i));

		if (c && !strcmp(c, "CAP_SYS_ADMIN"))
			sys_admin = true;
	}
	if (masked && json_object_is_type(masked, json_type_array) &&
	    json_object_array_length(masked))
		return 0;
	return sys_admin ? 1 : 0;
}

/* Whether a mount's options or type make it a bind mount (its source is a host path). */
static bool is_bind(struct json_object *m)
{
	struct json_object *opts = jget(m, "options");
	const char *type = jstr(m, "type");

	if (type && !strcmp(type, "bind"))
		return true;
	for (size_t i = 0; opts && json_object_is_type(opts, json_type_array) &&
			   i < json_object_array_length(opts); i++) {
		const char *o = json_object_get_string(json_object_array_get_idx(opts, i));

		if (o && (!strcmp(o, "bind") || !strcmp(o, "rbind")))
			return true;
	}
	return false;
}

void ctrspec_root(struct ctr_info *ci, struct json_object *spec, const char *bundle)
{
	struct json_object *mounts = jget(spec, "mounts");
	const char *root = jstr(jget(spec, "root"), "path");

	if (root && root[0] == '/')
		snprintf(ci->rootfs, sizeof(ci->rootfs), "%s", root);
	else if (root && bundle)
		snprintf(ci->rootfs, sizeof(ci->rootfs), "%s/%s", bundle, root);
	if (!mounts || !json_object_is_type(mounts, json_type_array))
		return;
	for (size_t i = 0; i < json_object_array_length(mounts); i++) {
		struct json_object *m = json_object_array_get_idx(mounts, i);
		const char *dst = jstr(m, "destination"), *src = jstr(m, "source");
		struct ctr_mount *cm;

		if (!dst || dst[0] != '/' || strlen(dst) >= CTR_PATH_MAX)
			continue;
		if (ci->nmounts == CTR_MOUNTS_MAX)
			break;
		cm = &ci->mounts[ci->nmounts];
		cm->dst = strdup(dst);
		cm->src = src && src[0] == '/' && is_bind(m) && strlen(src) < CTR_PATH_MAX ?
			  strdup(src) : NULL;
		if (!cm->dst) {
			free(cm->src);
			cm->src = NULL;
			break;
		}
		ci->nmounts++;
	}
}

/* The length of dst when it is path or a directory above it, else 0. */
static size_t under(const char *path, const char *dst)
{
	size_t n = strlen(dst);

	while (n > 1 && dst[n - 1] == '/')
		n--;
	if (n == 1 && dst[0] == '/')
		return 1;
	if (strncmp(path, dst, n) != 0 || (path[n] != '\0' && path[n] != '/'))
		return 0;
	return n;
}

int ctrmeta_host_path(const struct ctr_info *ci, const char *path, char *buf, size_t size)
{
	const struct ctr_mount *best = NULL;
	size_t best_len = 0;
	int n;

	if (!ci || path[0] != '/')
		return -ENOENT;
	/* the deepest mount over it decides; the last of equals (mounted later) */
	for (unsigned int i = 0; i < ci->nmounts; i++) {
		size_t l = under(path, ci->mounts[i].dst);

		if (l && l >= best_len) {
			best = &ci->mounts[i];
			best_len = l;
		}
	}
	if (best && best_len > 1) {
		if (!best->src)
			return -ENOENT; /* proc, tmpfs, devpts...: nothing on the host's disk */
		n = snprintf(buf, size, "%s%s", best->src, path + best_len);
	} else {
		if (!ci->rootfs[0])
			return -ENOENT;
		n = snprintf(buf, size, "%s%s", ci->rootfs, path);
	}
	return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
}
