/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The in-kernel filter's kinds and exclusions (struct sg_filter, kfilter.h),
 * which the hooks that report events instead of syscall tracepoints apply
 * too: the BPF-LSM object's opens, the enforcement object's connects.
 * sysguard.bpf.c creates them; the others get the same ones
 * (bpf_map__reuse_fd), so there is one definition; and excluded(), the
 * one reading of the exclusions, kind_wanted(), the one reading of a kind's
 * mode, and count_filtered().  BPF side only; after maps.h.
 */
#ifndef SG_BPF_MAPS_FILTER_H
#define SG_BPF_MAPS_FILTER_H

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct sg_filter);
} filter SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, __u32);
	__type(value, __u32);
} excl_uid SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, char[SG_COMM_LEN]);
	__type(value, __u32);
} excl_comm SEC(".maps");

/* Excluded by uid or comm (file and network events only; every object's reports of them). */
static __always_inline int excluded(const struct sg_filter *f)
{
	if (f->flags & SG_FILT_EXCL_UID) {
		__u32 uid = (__u32)bpf_get_current_uid_gid();

		if (bpf_map_lookup_elem(&excl_uid, &uid))
			return 1;
	}
	if (f->flags & SG_FILT_EXCL_COMM) {
		char comm[SG_COMM_LEN] = {};

		bpf_get_current_comm(comm, sizeof(comm));
		if (bpf_map_lookup_elem(&excl_comm, comm))
			return 1;
	}
	return 0;
}

/*
 * The filter on an event of one kind (an index of sg_filter.mode: SG_EV_*,
 * SG_FK_*): 0 when its mode is "drop" or the caller is excluded.  Without
 * a filter, everything is wanted.
 */
static __always_inline int kind_wanted(__u32 kind)
{
	struct sg_filter *f;
	__u32 zero = 0;

	f = bpf_map_lookup_elem(&filter, &zero);
	if (!f || kind >= SG_FK_MAX)
		return 1;
	if (f->mode[kind] == SG_FM_DROP)
		return 0;
	return !excluded(f);
}

/* An event of type the filter kept out, in the per-CPU counters. */
static __always_inline void count_filtered(__u32 type)
{
	__u32 zero = 0;
	struct sg_counters *c = bpf_map_lookup_elem(&counters, &zero);

	if (c && type < SG_EV_KERNEL_MAX)
		c->filtered[type]++;
}

#endif /* SG_BPF_MAPS_FILTER_H */
