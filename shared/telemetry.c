// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The telemetry kinds (see telemetry.h).
 */
#include <stddef.h>
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
			{ "file_enter_open", "file_exit_open", "file_enter_openat",
			  "file_exit_openat", "file_enter_openat2", "file_exit_openat2",
			  "file_enter_creat", "file_exit_creat" } },
	[KTEL_EXEC] = { SG_EV_EXEC, "exec", "execs", "tp_btf", "tp_btf/sched_process_exec",
			{ "proc_enter_execve", "proc_exit_execve", "proc_enter_execveat",
			  "proc_exit_execveat" } },
	[KTEL_CONNECT] = { SG_EV_CONNECT, "connect", "connects", "cgroup",
			   "the cgroup connect4/connect6 programs",
			   { "net_enter_connect", "net_exit_connect" } },
	[KTEL_BIND] = { SG_EV_BIND, "bind", "binds", "cgroup", "the cgroup bind4/bind6 programs",
			{ "net_enter_bind", "net_exit_bind" } },
};

const struct kernel_tel_desc *kernel_tel_desc(enum kernel_tel t)
{
	return (unsigned int)t < KTEL_MAX ? &tel_desc[t] : NULL;
}

const char *tel_default_backend(int type)
{
	return type == SG_EV_FORK || type == SG_EV_EXIT || type == SG_EV_IO_URING ? "tp_btf" :
										      "tracepoint";
}
