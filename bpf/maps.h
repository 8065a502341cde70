/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The maps both BPF objects use: sysguard.bpf.c creates them, enforce.bpf.c
 * gets the same ones from userspace (bpf_map__reuse_fd), which needs the two
 * definitions to be identical; so there is one.  BPF side only.
 */
#ifndef SG_BPF_MAPS_H
#define SG_BPF_MAPS_H

/* every record, in order */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 8 << 20); /* resized by userspace */
} events SEC(".maps");

/* per-CPU counts: seen, dropped, filtered */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct sg_counters);
} counters SEC(".maps");

/* threads whose connect/bind enforcement stopped and reported (tid -> hook) */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, SG_BLOCKED_MAX);
	__type(key, __u32);
	__type(value, __u32);
} blocked SEC(".maps");

#endif /* SG_BPF_MAPS_H */
