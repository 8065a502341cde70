// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The table of event types (one row each, defined beside its functions in
 * ev_proc.c, ev_file.c, ev_net.c and ev_daemon.c), the names of syscalls,
 * actions and severities: what the decoder, the encoder, the journal, dedup,
 * the policy parser and the control protocol all ask.
 */
#include <errno.h>
#include <string.h>
#include "event.h"

/* The rows, each defined beside its functions. */
extern const struct sg_evtype sg_evtype_exec, sg_evtype_fork, sg_evtype_exit;
extern const struct sg_evtype sg_evtype_open, sg_evtype_rename, sg_evtype_unlink, sg_evtype_chmod;
extern const struct sg_evtype sg_evtype_connect, sg_evtype_bind, sg_evtype_listen;
extern const struct sg_evtype sg_evtype_ptrace, sg_evtype_setuid, sg_evtype_mount;
extern const struct sg_evtype sg_evtype_module, sg_evtype_bpf, sg_evtype_io_uring;
extern const struct sg_evtype sg_evtype_mark, sg_evtype_drop, sg_evtype_blockchg, sg_evtype_policy;
extern const struct sg_evtype sg_evtype_container;

const struct sg_evtype *const sg_evtypes[SG_EV_MAX] = {
	[SG_EV_EXEC] = &sg_evtype_exec,
	[SG_EV_FORK] = &sg_evtype_fork,
	[SG_EV_EXIT] = &sg_evtype_exit,
	[SG_EV_OPEN] = &sg_evtype_open,
	[SG_EV_RENAME] = &sg_evtype_rename,
	[SG_EV_UNLINK] = &sg_evtype_unlink,
	[SG_EV_CONNECT] = &sg_evtype_connect,
	[SG_EV_BIND] = &sg_evtype_bind,
	[SG_EV_LISTEN] = &sg_evtype_listen,
	[SG_EV_CHMOD] = &sg_evtype_chmod,
	[SG_EV_PTRACE] = &sg_evtype_ptrace,
	[SG_EV_SETUID] = &sg_evtype_setuid,
	[SG_EV_MOUNT] = &sg_evtype_mount,
	[SG_EV_MODULE] = &sg_evtype_module,
	[SG_EV_BPF] = &sg_evtype_bpf,
	[SG_EV_IO_URING] = &sg_evtype_io_uring,
	[SG_EV_MARK] = &sg_evtype_mark,
	[SG_EV_DROP] = &sg_evtype_drop,
	[SG_EV_BLOCKCHG] = &sg_evtype_blockchg,
	[SG_EV_POLICY] = &sg_evtype_policy,
	[SG_EV_CONTAINER] = &sg_evtype_container,
};

static const char *const syscall_names[SG_SC_MAX] = {
	[SG_SC_NONE] = NULL,
	[SG_SC_EXECVE] = "execve", [SG_SC_EXECVEAT] = "execveat",
	[SG_SC_OPEN] = "open", [SG_SC_OPENAT] = "openat", [SG_SC_OPENAT2] = "openat2",
	[SG_SC_CREAT] = "creat",
	[SG_SC_RENAME] = "rename", [SG_SC_RENAMEAT] = "renameat", [SG_SC_RENAMEAT2] = "renameat2",
	[SG_SC_UNLINK] = "unlink", [SG_SC_UNLINKAT] = "unlinkat", [SG_SC_RMDIR] = "rmdir",
	[SG_SC_CONNECT] = "connect", [SG_SC_BIND] = "bind", [SG_SC_LISTEN] = "listen",
	[SG_SC_CHMOD] = "chmod", [SG_SC_FCHMOD] = "fchmod", [SG_SC_FCHMODAT] = "fchmodat",
	[SG_SC_FCHMODAT2] = "fchmodat2",
	[SG_SC_PTRACE] = "ptrace", [SG_SC_PROCESS_VM_WRITEV] = "process_vm_writev",
	[SG_SC_SETUID] = "setuid", [SG_SC_SETGID] = "setgid", [SG_SC_SETREUID] = "setreuid",
	[SG_SC_SETREGID] = "setregid", [SG_SC_SETRESUID] = "setresuid",
	[SG_SC_SETRESGID] = "setresgid", [SG_SC_MOUNT] = "mount",
	[SG_SC_INIT_MODULE] = "init_module", [SG_SC_FINIT_MODULE] = "finit_module",
	[SG_SC_BPF] = "bpf", [SG_SC_IO_URING] = "io_uring",
};

const char *const sg_fdkind_names[SG_FD_MAX] = {
	[SG_FD_CLOSED] = "closed", [SG_FD_TTY] = "tty", [SG_FD_PIPE] = "pipe",
	[SG_FD_SOCKET] = "socket", [SG_FD_FILE] = "file", [SG_FD_NULL] = "null",
	[SG_FD_CHR] = "chr", [SG_FD_OTHER] = "other",
};

static const char *const action_names[] = {
	[SG_ACT_NONE] = "none",
	[SG_ACT_ALLOW] = "allow",
	[SG_ACT_LOG] = "log",
	[SG_ACT_ALERT] = "alert",
	[SG_ACT_BLOCK] = "block",
};

static const char *const severity_names[] = {
	[SG_SEV_NONE] = "none",
	[SG_SEV_INFO] = "info",
	[SG_SEV_LOW] = "low",
	[SG_SEV_MEDIUM] = "medium",
	[SG_SEV_HIGH] = "high",
	[SG_SEV_CRITICAL] = "critical",
};

const char *sg_syscall_name(int sc)
{
	return sc > 0 && sc < SG_SC_MAX ? syscall_names[sc] : NULL;
}

static int lookup(const char *const *names, int n, const char *name)
{
	for (int i = 1; i < n; i++)
		if (names[i] && strcmp(names[i], name) == 0)
			return i;
	return -EINVAL;
}

const char *sg_type_name(int type)
{
	const struct sg_evtype *t = sg_evtype(type);

	return t ? t->name : type == SG_EV_NONE ? "none" : "unknown";
}

int sg_type_from_name(const char *name)
{
	for (int i = 1; i < SG_EV_MAX; i++)
		if (sg_evtypes[i] && strcmp(sg_evtypes[i]->name, name) == 0)
			return i;
	return -EINVAL;
}

const char *sg_action_name(enum sg_action a)
{
	if ((unsigned)a >= sizeof(action_names) / sizeof(action_names[0]))
		return "unknown";
	return action_names[a];
}

int sg_action_from_name(const char *name)
{
	return lookup(action_names, sizeof(action_names) / sizeof(action_names[0]), name);
}

const char *sg_severity_name(enum sg_severity s)
{
	if ((unsigned)s >= sizeof(severity_names) / sizeof(severity_names[0]))
		return "unknown";
	return severity_names[s];
}

int sg_severity_from_name(const char *name)
{
	return lookup(severity_names, sizeof(severity_names) / sizeof(severity_names[0]), name);
}
