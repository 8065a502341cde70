/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The telemetry kinds: the kinds of event a hook can report instead of the
 * syscall tracepoints, one row each, read by the configuration
 * (telemetry: in sysguard.yaml), the kernel module (which programs the hook
 * replaces), the daemon's status and the CLI's status output.  Plus the
 * backend of the kinds that have no choice.  Plain data, no I/O.
 */
#ifndef SG_TELEMETRY_H
#define SG_TELEMETRY_H

#include <stdbool.h>

enum kernel_tel { KTEL_OPEN, KTEL_EXEC, KTEL_CONNECT, KTEL_BIND, KTEL_MAX };

#define KTEL_PROGS_MAX 8

struct kernel_tel_desc {
	int type;                   /* SG_EV_* */
	const char *kind;           /* its name: the telemetry key, status's "open_reason" */
	const char *what;           /* "opens", for messages */
	const char *backend;        /* the telemetry value and status backend: "lsm", ... */
	const char *source;         /* the hook, for messages: "lsm/file_open", ... */
	const char *loses;          /* what the hook does not report that the syscalls' do */
	const char *progs[KTEL_PROGS_MAX]; /* the syscall programs it replaces */
};

/*
 * The backend of every syscall's own programs (telemetry.syscalls): auto
 * (trampolines where the kernel allows them, else the tracepoints),
 * trampoline (the same, warning when it cannot) or tracepoint.
 */
enum tel_syscalls { TEL_SC_AUTO, TEL_SC_TRAMPOLINE, TEL_SC_TRACEPOINT };

/* Row t; NULL past the end. */
const struct kernel_tel_desc *kernel_tel_desc(enum kernel_tel t);

/* The backend of event type t when no hook reports it: "tracepoint" or "tp_btf". */
const char *tel_default_backend(int type);

/* The event type (SG_EV_*) of a traced syscall by name ("openat"), or -1. */
int tel_syscall_type(const char *name);

#endif /* SG_TELEMETRY_H */
