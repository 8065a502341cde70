/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The in-kernel filter as userspace writes it: per-kind modes, the path
 * prefix and suffix tries, and excluded uids and comms (bpf/sysguard.h,
 * struct sg_filter).  A spec is derived from the loaded policy
 * (policy_kfilter()) and applied on every load and reload without detaching
 * anything.  Applying never narrows the filter below both the old and the new
 * policy while it runs: new paths are added before the modes change and
 * stale ones removed after.
 */
#ifndef SG_KFILTER_H
#define SG_KFILTER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/types.h>
#include "sysguard.h"

struct kernel;

struct kfilter_path {
	char s[SG_PATH_KEY + 1];     /* cut to SG_PATH_KEY bytes */
	uint32_t kinds;              /* SG_PK_READ | SG_PK_WRITE */
};

struct kfilter_spec {
	uint8_t mode[SG_FK_MAX];     /* enum sg_fmode */
	const char *why[SG_FK_MAX];  /* the rule that makes a kind pass (points into the policy) */
	struct kfilter_path *prefixes;
	size_t nprefixes, capprefixes;
	struct kfilter_path *suffixes; /* as written, not reversed */
	size_t nsuffixes, capsuffixes;
	uint32_t *uids;
	size_t nuids, capuids;
	char (*comms)[SG_COMM_LEN];
	size_t ncomms, capcomms;
};

void kfilter_spec_init(struct kfilter_spec *s);  /* everything passes */
void kfilter_spec_fini(struct kfilter_spec *s);
int kfilter_add_prefix(struct kfilter_spec *s, const char *p, size_t len, uint32_t kinds);
int kfilter_add_suffix(struct kfilter_spec *s, const char *p, size_t len, uint32_t kinds);
int kfilter_add_uid(struct kfilter_spec *s, uint32_t uid);
int kfilter_add_comm(struct kfilter_spec *s, const char *comm);

/* Write spec into the kernel's maps. Returns 0 or -errno. */
int kfilter_apply(struct kernel *k, const struct kfilter_spec *s);

/*
 * What the kernel side decides for an open of path (bpf/trace_file.h,
 * open_wanted()), computed in userspace: for tests that check the filter
 * never hides what a rule acts on.  Keep the two in step.
 */
bool kfilter_open_passes(const struct kfilter_spec *s, const char *path, bool write, uint32_t uid,
			 const char *comm);

/*
 * The same for the other kinds the kernel filters (kind_wanted(): renames,
 * unlinks, chmods, connects, binds, listens; the event table's SG_KF_KIND
 * rows): the kind's mode and the exclusions.  Types the kernel never
 * filters pass.
 */
bool kfilter_kind_passes(const struct kfilter_spec *s, int type, uint32_t uid, const char *comm);

/*
 * The pre-check the kernel runs before the tries (struct sg_pathhint): built
 * from spec, and its verdict on an absolute path of len bytes (false: no
 * prefix or suffix of spec can match it).
 */
void kfilter_hint(const struct kfilter_spec *s, struct sg_pathhint *h);
bool kfilter_hint_passes(const struct sg_pathhint *h, const char *path, size_t len);

/* One line for logs and status: "open(read)=path open(write)=path rename=pass ..." */
int kfilter_describe(const struct kfilter_spec *s, char *buf, size_t len);

#endif /* SG_KFILTER_H */
