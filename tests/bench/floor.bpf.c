// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The cost floor of the benchmark: a program that does nothing, on every
 * tracepoint sysguardd attaches to (bpf/sysguard.bpf.c).  Whatever it costs
 * is the price of the hooks themselves on this kernel (the syscall slow path
 * every task takes once a syscall tracepoint is in use, and the call into
 * BPF), which no monitor built on these tracepoints can go below.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "Dual BSD/GPL";

#define NOOP(name)                                                              \
	SEC("tp/syscalls/sys_enter_" #name)                                     \
	int enter_##name(void *ctx) { return 0; }                               \
	SEC("tp/syscalls/sys_exit_" #name)                                      \
	int exit_##name(void *ctx) { return 0; }

NOOP(execve)
NOOP(execveat)
NOOP(open)
NOOP(openat)
NOOP(openat2)
NOOP(creat)
NOOP(rename)
NOOP(renameat)
NOOP(renameat2)
NOOP(unlink)
NOOP(unlinkat)
NOOP(rmdir)
NOOP(connect)
NOOP(bind)
NOOP(listen)

SEC("tp_btf/sched_process_fork")
int fork_noop(void *ctx) { return 0; }

SEC("tp_btf/sched_process_exit")
int exit_noop(void *ctx) { return 0; }
