/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The maps the tracing object (sysguard.bpf.c) shares with the BPF-LSM
 * object (lsm.bpf.c): the syscall entry stashes, which tell an LSM program
 * whether the syscall's exit will report the call it stops, "lsm_marks",
 * through which it tells that exit which rule stopped it, and the filter's
 * kinds and exclusions (maps_filter.h).  sysguard.bpf.c
 * creates them; lsm.bpf.c gets the same ones (bpf_map__reuse_fd), so there
 * is one definition.  BPF side only.
 */
#ifndef SG_BPF_MAPS_TRACE_H
#define SG_BPF_MAPS_TRACE_H

struct stash {
	__u64 args[6];
	__u32 sc;
	__u32 __pad;
};

/*
 * The entry-to-exit stash lives in task storage: no global hash, no lock,
 * no delete; a slot is free when its sc is 0.
 */
struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct stash);
} stash SEC(".maps");

struct exec_stash {
	__u64 argv;
	__u64 fname_ptr;
	__s32 dfd;
	__u32 sc;
	__u32 at_flags;
	__s32 fname_len; /* < 0: could not be read at entry */
	char fname[SG_UPATH_MAX];
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 1024);
	__type(key, __u32);
	__type(value, struct exec_stash);
} exec_stash SEC(".maps");

/*
 * Threads whose current syscall a BPF-LSM program stopped (tid -> the rule's
 * slot + 1): the syscall's exit reports it as blocked, with that rule.
 */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, SG_BLOCKED_MAX);
	__type(key, __u32);
	__type(value, __u32);
} lsm_marks SEC(".maps");

#include "maps_filter.h"

#endif /* SG_BPF_MAPS_TRACE_H */
