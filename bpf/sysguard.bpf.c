// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * sysguard's kernel side: syscall and sched tracepoints that turn process,
 * file and network activity into records in one ring buffer.  Syscall entries
 * stash their arguments per thread; the matching exit reads the user memory
 * (paths are faulted in by then), resolves the directory of relative paths by
 * walking dentries, and emits one record with the result.  The daemon itself
 * is excluded here.  Program names carry their family as a prefix (proc_,
 * file_, net_) so that userspace can switch a family off before load.
 *
 * This file is the object: its configuration and its own maps, then the
 * programs, one header per family (trace_proc.h, trace_file.h, trace_net.h)
 * after what they share (trace.h).  The maps other objects share are in
 * maps.h and maps_trace.h.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_endian.h>
#include "sysguard.h"
#include "common.h"
#include "maps.h"
#include "maps_trace.h"
#include "rec.h"
#include "dwalk.h"

/* set by the daemon between open and load (kernel.c) */
const volatile struct sg_kconfig cfg = {};

/* the record being built, one per CPU (rec_begin()) */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct sg_rec);
} scratch SEC(".maps");

/* records a full ring lost, by process (rec_submit()) */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, SG_LOST_PIDS);
	__type(key, __u32);
	__type(value, struct sg_pidlost);
} lost_by_pid SEC(".maps");

/* the filter on an open's path (open_wanted(), trace_file.h) */
struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, 16384);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct sg_pathkey);
	__type(value, __u32);
} path_prefix SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, 16384);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct sg_pathkey);
	__type(value, __u32);
} path_suffix SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct sg_pathhint);
} path_hint SEC(".maps");

/* an open's path read at its entry, for that filter */
struct fscratch {
	char path[SG_UPATH_MAX];
	struct sg_pathkey key;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct fscratch);
} fscratch SEC(".maps");

/* an exec's entry, built here before it goes into exec_stash (exec_enter()) */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct exec_stash);
} exec_scratch SEC(".maps");

#include "trace.h"
#include "trace_proc.h"
#include "trace_file.h"
#include "trace_net.h"
