/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Which container a cgroup path names: the runtime that made it and the
 * container's id (and, under Kubernetes, the pod's uid).  A pure function of
 * the path, no I/O.  Shapes known: docker, podman, containerd (CRI), CRI-O,
 * Kubernetes with the cgroupfs driver, systemd-nspawn, machined and LXC, with
 * the systemd and cgroupfs drivers, in the v2 tree and the v1/hybrid ones
 * alike.  A cgroup below a container's belongs to that container (the
 * outermost one when they nest: only its runtime's state is on the host).  The
 * runtimes' helpers (conmon, the LXC monitor, nspawn's supervisor) and
 * anything else are the host.
 */
#ifndef SG_CGPATH_H
#define SG_CGPATH_H

#include <stddef.h>

enum ctr_runtime {
	CTR_RT_HOST = 0,
	CTR_RT_DOCKER,
	CTR_RT_PODMAN,
	CTR_RT_CONTAINERD, /* containerd's CRI plugin (cri-containerd-<id>) */
	CTR_RT_CRIO,
	CTR_RT_CRI,	 /* Kubernetes, cgroupfs driver: the path does not name the runtime */
	CTR_RT_NSPAWN,	 /* systemd-nspawn@<name>.service */
	CTR_RT_MACHINED, /* machine-<name>.scope: a machine registered with machined */
	CTR_RT_LXC,
	CTR_RT_MAX
};

#define CTR_HEXID_LEN 64   /* docker, podman, containerd and CRI-O ids: lower-case hex */
#define CTR_ID_MAX 128	   /* bytes of an id: a hex id, or a machine or LXC name */
#define CTR_POD_UID_MAX 64 /* bytes of a pod uid (a UUID, or a static pod's hash) */

struct ctr_ref {
	enum ctr_runtime runtime;
	char id[CTR_ID_MAX + 1];	   /* "" for the host */
	char pod_uid[CTR_POD_UID_MAX + 1]; /* Kubernetes pod uid with '-', or "" */
	size_t base_len; /* bytes of the path up to the end of the container's own cgroup */
};

/*
 * Parse the cgroup path (absolute, from the hierarchy's root, e.g.
 * "/libpod_parent/libpod-<id>/init.scope") into *ret.  Returns 1 for a
 * container, 0 for the host, -EINVAL for a path that is not absolute or a
 * container name that cannot be one (a '/' or control byte once unescaped),
 * -ENAMETOOLONG for a path of PATH_MAX bytes or more, or a name or uid
 * longer than its bound.  *ret is set only
 * when the return is >= 0.
 */
int cgpath_parse(const char *path, struct ctr_ref *ret);

/* "host", "docker", "podman", "containerd", "cri-o", "cri", "systemd-nspawn", "machined", "lxc" */
const char *cgpath_runtime_name(enum ctr_runtime rt);

#endif /* SG_CGPATH_H */
