/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The kernel side as the daemon sees it: mounts what the programs need, opens
 * the skeleton, switches families and missing tracepoints off, loads,
 * attaches each program on its own (so that status can say which are attached
 * and why others are not), and owns the ring buffer and the counters.
 */
#ifndef SG_KERNEL_H
#define SG_KERNEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/types.h>
#include "sysguard.h"
#include "telemetry.h"

enum sg_family { SG_FAM_PROCESS, SG_FAM_FILE, SG_FAM_NETWORK, SG_FAM_MAX };

struct kernel_opts {
	bool family[SG_FAM_MAX];    /* families to trace */
	/*
	 * Kinds whose syscall tracepoints are loaded but left detached, a hook
	 * reporting them: opens (lsm/file_open, the BPF-LSM object), execs
	 * (tp_btf/sched_process_exec, this object), connects and binds
	 * (cgroup connect4/6 and bind4/6, the enforcement object).
	 */
	bool hooked[KTEL_MAX];
	/*
	 * Every syscall's entry and exit: fentry/fexit on its function (where
	 * the kernel has it and allows trampolines) or its tracepoints.
	 */
	enum tel_syscalls syscalls;
	uint32_t ring_bytes;        /* ring buffer size, a power of 2 */
	uint32_t wakeup_bytes;      /* pending bytes that force a wakeup */
	/* called for each record, in ring order */
	int (*sample)(void *ctx, const void *data, size_t size);
	void *ctx;
};

enum prog_state { PROG_ATTACHED, PROG_DISABLED, PROG_UNAVAILABLE, PROG_FAILED };

struct kernel_prog {
	const char *name;           /* the BPF program's name */
	const char *hook;           /* e.g. "tp/syscalls/sys_enter_openat" */
	enum sg_family family;
	enum prog_state state;
	char reason[256];           /* why it is not attached */
	bool twin;                  /* the unused one of a syscall's tracepoint and trampoline
				     * programs: not loaded */
};

struct kernel;

/* Returns 0 or -errno with a one-line reason in err. */
int kernel_open(struct kernel **ret, const struct kernel_opts *opts, char *err, size_t errlen);
void kernel_close(struct kernel *k);

/* The ring buffer's epoll fd, for the event loop. */
int kernel_ring_fd(const struct kernel *k);
/*
 * The ring's fill: bytes the programs wrote that the daemon has not consumed
 * yet, and the ring's size.  0, or -ENODATA when its positions could not be
 * mapped (at kernel_open(); logged at debug level).
 */
int kernel_ring_fill(const struct kernel *k, uint64_t *ret_pending, uint64_t *ret_size);
/* Consume what is in the ring. Returns records consumed or -errno. */
int kernel_consume(struct kernel *k);
/* Sum of the per-CPU counters. */
int kernel_counters(const struct kernel *k, struct sg_counters *sum);

/* Every process that lost records: cb(arg, pid, cumulative lost per type). */
int kernel_lost_by_pid(const struct kernel *k,
		       void (*cb)(void *arg, uint32_t pid, const uint64_t *lost), void *arg);

/*
 * Does a hook report kind t (kernel_opts.hooked)?  When it was asked for and
 * does not, *why says why ("" otherwise).  The exec hook is this object's
 * (a missing one is found here); the others depend on another object:
 * kernel_unhook() attaches the syscall tracepoints after all (that object did
 * not come up) and keeps why; 0 (also when t was not hooked) or -errno,
 * logged.
 */
bool kernel_hooked(const struct kernel *k, enum kernel_tel t, const char **why);

/*
 * Whether the syscall programs are trampolines (fentry/fexit) where the
 * kernel has the syscall's function; why not (empty when they are, or when
 * the configuration said tracepoint).
 */
bool kernel_trampolines(const struct kernel *k, const char **why);
int kernel_unhook(struct kernel *k, enum kernel_tel t, const char *why);

/* Log what is attached (a warning per program that is not) and where each kind comes from. */
void kernel_report(const struct kernel *k, size_t processes);
void kernel_report_telemetry(const struct kernel *k);

size_t kernel_prog_count(const struct kernel *k);
const struct kernel_prog *kernel_prog(const struct kernel *k, size_t i);

const char *kernel_family_name(enum sg_family f);
const char *kernel_prog_state_name(enum prog_state s);

/* The fd of one of the tracing object's maps (shared with enforcement), or -ENOENT. */
int kernel_map_fd(const struct kernel *k, const char *name);

/* Mount tracefs and bpffs where they are missing. Returns 0 or -errno. */
int kernel_mount_fs(char *err, size_t errlen);

#endif /* SG_KERNEL_H */
