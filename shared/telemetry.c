// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The telemetry kinds (see telemetry.h).
 */
#include <stddef.h>
#include <string.h>
#include <linux/types.h>
#include "sysguard.h"
#include "telemetry.h"

/*
 * Per kind: its event type and name, the backend's name and hook, and the
 * syscall programs the hook replaces, which status shows as left detached
 * with reason.
 */
static const struct kernel_tel_desc tel_desc[KTEL_MAX] = {
	[KTEL_OPEN] = { SG_EV_OPEN, "open", "opens", "lsm", "lsm/file_open",
			"failed opens, O_PATH opens, the syscall and its result; a symlink is "
			"its target",
			{ "file_enter_open", "file_exit_open", "file_enter_openat",
			  "file_exit_openat", "file_enter_openat2", "file_exit_openat2",
			  "file_enter_creat", "file_exit_creat" } },
	[KTEL_EXEC] = { SG_EV_EXEC, "exec", "execs", "tp_btf", "tp_btf/sched_process_exec",
			"failed execs, the syscall and exec.at_flags",
			{ "proc_enter_execve", "proc_exit_execve", "proc_enter_execveat",
			  "proc_exit_execveat" } },
	[KTEL_CONNECT] = { SG_EV_CONNECT, "connect", "connects", "cgroup",
			   "the cgroup connect4/connect6 programs",
			   "unix socket connects, the syscall and its result",
			   { "net_enter_connect", "net_exit_connect" } },
	[KTEL_BIND] = { SG_EV_BIND, "bind", "binds", "cgroup", "the cgroup bind4/bind6 programs",
			"unix socket binds, the syscall and its result",
			{ "net_enter_bind", "net_exit_bind" } },
};

const struct kernel_tel_desc *kernel_tel_desc(enum kernel_tel t)
{
	return (unsigned int)t < KTEL_MAX ? &tel_desc[t] : NULL;
}

int tel_syscall_type(const char *name)
{
	static const struct {
		const char *name;
		int type;
	} sc[] = {
		{ "open", SG_EV_OPEN }, { "openat", SG_EV_OPEN }, { "openat2", SG_EV_OPEN },
		{ "creat", SG_EV_OPEN }, { "execve", SG_EV_EXEC }, { "execveat", SG_EV_EXEC },
		{ "rename", SG_EV_RENAME }, { "renameat", SG_EV_RENAME },
		{ "renameat2", SG_EV_RENAME }, { "unlink", SG_EV_UNLINK },
		{ "unlinkat", SG_EV_UNLINK }, { "rmdir", SG_EV_UNLINK }, { "chmod", SG_EV_CHMOD },
		{ "fchmod", SG_EV_CHMOD }, { "fchmodat", SG_EV_CHMOD },
		{ "fchmodat2", SG_EV_CHMOD }, { "mount", SG_EV_MOUNT },
		{ "connect", SG_EV_CONNECT }, { "bind", SG_EV_BIND }, { "listen", SG_EV_LISTEN },
		{ "ptrace", SG_EV_PTRACE }, { "process_vm_writev", SG_EV_PTRACE },
		{ "setuid", SG_EV_SETUID }, { "setgid", SG_EV_SETUID },
		{ "setreuid", SG_EV_SETUID }, { "setregid", SG_EV_SETUID },
		{ "setresuid", SG_EV_SETUID }, { "setresgid", SG_EV_SETUID },
		{ "init_module", SG_EV_MODULE }, { "finit_module", SG_EV_MODULE },
		{ "bpf", SG_EV_BPF },
	};

	for (size_t i = 0; name && i < sizeof(sc) / sizeof(sc[0]); i++)
		if (!strcmp(name, sc[i].name))
			return sc[i].type;
	return -1;
}

const char *tel_default_backend(int type)
{
	return type == SG_EV_FORK || type == SG_EV_EXIT || type == SG_EV_IO_URING ? "tp_btf" :
										      "tracepoint";
}
