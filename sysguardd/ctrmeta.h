/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What the container runtimes keep about a container, read into one struct
 * ctr_info: name, image, labels, privileged, start time, Kubernetes pod.  From
 * their state on disk: podman's containers/storage files and OCI spec (labels
 * from podman's REST API when its socket is there, asked apart: a
 * socket-activated API can take seconds to answer), docker's config.v2.json,
 * containerd's task bundle, CRI-O's OCI spec, machined's state file; LXC from
 * the name alone.  Every file and response is read with a bound, under a root
 * prefix (tests point it at fixture trees).  These calls block on files and
 * on the API socket: they belong in the container cache's resolver thread,
 * never on the event loop.  No logging.
 */
#ifndef SG_CTRMETA_H
#define SG_CTRMETA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "cgpath.h"

#define CTR_NAME_MAX       253       /* bytes of a container, pod or namespace name */
#define CTR_IMAGE_MAX      512       /* bytes of an image name */
#define CTR_IMAGE_ID_MAX   128       /* bytes of an image id (hex digest, "sha256:" removed) */
#define CTR_LABELS_MAX     64        /* labels kept per container; more are counted as dropped */
#define CTR_LABEL_KEY_MAX  253       /* bytes of a label key: a longer label is dropped */
#define CTR_LABEL_VAL_MAX  4096      /* bytes of a label value: a longer label is dropped */
#define CTR_LABELS_BYTES   (32 << 10) /* bytes of all labels of one container together */
#define CTR_STATE_FILE_MAX (64 << 20) /* containers.json, images.json */
#define CTR_SPEC_FILE_MAX  (4 << 20) /* an OCI config.json, docker's config.v2.json */
#define CTR_SMALL_FILE_MAX (64 << 10) /* machined's state file, a pidfile */
#define CTR_API_RESPONSE_MAX (4 << 20) /* bytes of one podman API response */
#define CTR_API_TIMEOUT_MS 2000      /* one podman API call, connect to last byte */
#define CTR_NAMESPACES_MAX 64        /* containerd namespaces looked in */
#define CTR_CGROUP_MAX     256       /* bytes of a container's cgroup path (an enforcement rule's) */
#define CTR_PATH_MAX       4096      /* bytes of its root file system's path, a mount's */
#define CTR_MOUNTS_MAX     64        /* mounts kept per container (for host paths) */

struct ctr_label {
	char *key;
	char *value;
};

/* A mount of a container: where it sees it, and the host's path of a bind mount (else NULL). */
struct ctr_mount {
	char *dst;
	char *src;
};

struct ctr_info {
	enum ctr_runtime runtime;            /* cri resolved to the runtime whose state had it */
	char id[CTR_ID_MAX + 1];             /* hex id, or the machine or LXC name */
	char name[CTR_NAME_MAX + 1];
	char image[CTR_IMAGE_MAX + 1];       /* as the user named it, e.g. "docker.io/nginx:1" */
	char image_id[CTR_IMAGE_ID_MAX + 1];
	char pod[CTR_NAME_MAX + 1];          /* Kubernetes pod name */
	char pod_namespace[CTR_NAME_MAX + 1];
	char pod_uid[CTR_POD_UID_MAX + 1];
	char k8s_container[CTR_NAME_MAX + 1]; /* the container's name in its pod spec */
	uint64_t started_ns;                 /* CLOCK_REALTIME ns; 0 when unknown */
	char cgroup[CTR_CGROUP_MAX];         /* its own cgroup, from the cgroup v2 root ("" unknown) */
	char rootfs[CTR_PATH_MAX];           /* its root file system on the host ("" unknown) */
	unsigned int nmounts;
	struct ctr_mount mounts[CTR_MOUNTS_MAX];
	int privileged;                      /* 1, 0, or -1 when unknown */
	bool vm;              /* a machine of class "vm": its processes are an emulator on the host */
	bool truncated;       /* a name or image was longer than its bound and was cut */
	bool labels_known;    /* labels[] is the runtime's whole set */
	bool labels_pending;  /* podman's API is still to be asked: ctrmeta_read_api() */
	const char *labels_why; /* static text: why not, when !labels_known */
	unsigned int nlabels;   /* sorted by key */
	unsigned int labels_dropped; /* over CTR_LABELS_MAX or a size bound */
	struct ctr_label labels[CTR_LABELS_MAX];
};

struct ctrmeta_opts {
	const char *root;          /* prefix of every state path; NULL or "" is the real root */
	const char *podman_socket; /* NULL: <root>/run/podman/podman.sock; "": never ask */
	int api_timeout_ms;        /* 0: CTR_API_TIMEOUT_MS */
	int cancel_fd;             /* readable: give up a pending API call now; -1: none */
};

struct ctrmeta_stats {
	uint64_t storage_reads;    /* containers.json or images.json parsed (only when changed) */
	uint64_t spec_reads;       /* per-container files read */
	uint64_t api_calls;
	uint64_t api_errors;       /* no answer, not 200 or 404, or a malformed one */
};

struct ctrmeta;

/* Returns NULL and sets errno on failure. */
struct ctrmeta *ctrmeta_new(const struct ctrmeta_opts *opts);
void ctrmeta_free(struct ctrmeta *m);

/*
 * Fill *ret for the container ref names (ref->runtime not CTR_RT_HOST).
 * *ret always gets the runtime, id and pod uid of ref, and whatever could be
 * read.  Returns 0 when the runtime's state had the container, -ENOENT when
 * it has no such container (gone, or not yet written), another -errno when a
 * read failed (*ret then holds what came before).  Free with
 * ctrmeta_info_clear().  ctrmeta_read_files() followed by ctrmeta_read_api().
 */
int ctrmeta_read(struct ctrmeta *m, const struct ctr_ref *ref, struct ctr_info *ret);

/*
 * As ctrmeta_read(), from the runtime's files alone: a podman container
 * whose API socket is there comes back with labels_pending set (and
 * labels_why saying so), for ctrmeta_read_api().
 */
int ctrmeta_read_files(struct ctrmeta *m, const struct ctr_ref *ref, struct ctr_info *ret);

/*
 * Ask podman's API for the labels (and what else it knows better) of a
 * container info from ctrmeta_read_files() with labels_pending; clears it.
 * Blocks up to the API timeout (or until cancel_fd is readable).
 */
void ctrmeta_read_api(struct ctrmeta *m, struct ctr_info *info);

/* A deep copy of src into dst: 0, or -ENOMEM (dst is then cleared). */
int ctrmeta_info_copy(struct ctr_info *dst, const struct ctr_info *src);

/* Free the labels of info and zero it; info may be NULL. */
void ctrmeta_info_clear(struct ctr_info *info);

/*
 * The host's path of path as the container sees it: under the deepest bind
 * mount over it, its source; else under its root file system.  -ENOENT when
 * it is not known or on no disk of the host (a proc, tmpfs or devpts mount),
 * -ENAMETOOLONG.
 */
int ctrmeta_host_path(const struct ctr_info *ci, const char *path, char *buf, size_t size);

/* A label's value, or NULL. */
const char *ctrmeta_label(const struct ctr_info *info, const char *key);

void ctrmeta_stats(const struct ctrmeta *m, struct ctrmeta_stats *ret);

/* "2026-12-07T18:13:03.999634973Z" or with a "+01:00" offset, to ns since the epoch; 0 if not. */
uint64_t ctrmeta_parse_time(const char *s);

#endif /* SG_CTRMETA_H */
