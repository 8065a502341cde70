/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Reading a container's OCI spec (config.json) beyond its annotations, for
 * every runtime that keeps one (podman, CRI-O, containerd): whether it runs
 * privileged, its root file system and its mounts (ctrmeta_host_path() maps
 * paths with them).  No I/O: the caller reads the spec.
 */
#ifndef SG_CTRSPEC_H
#define SG_CTRSPEC_H

#include <json-c/json.h>
#include "ctrmeta.h"

/*
 * Privileged, from the spec alone: what a privileged container gets from
 * every runtime is the whole capability set and no masked paths.  -1 when
 * the spec says nothing of capabilities.
 */
int ctrspec_privileged(struct json_object *spec);

/*
 * The root file system and mounts into ci (bounded: CTR_MOUNTS_MAX).  A
 * relative root is under bundle (NULL: left unknown).
 */
void ctrspec_root(struct ctr_info *ci, struct json_object *spec, const char *bundle);

#endif /* SG_CTRSPEC_H */
