/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The decoded event: what every stage after the decoder sees.  The decoder
 * fills it from a ring-buffer record (strings point into the decoder's own
 * buffers, valid until the next decode); enrich adds the process context from
 * the process table; the policy stage fills the verdict; sinks encode it.
 * Nothing here is allocated per event.
 */
#ifndef SG_EVENT_H
#define SG_EVENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/types.h>
#include "sysguard.h"

/* Types that do not come from the kernel (continue enum sg_type). */
enum {
	SG_EV_MARK = SG_EV_KERNEL_MAX, /* a marker injected over the control socket */
	SG_EV_DROP,                    /* a report of lost events */
	SG_EV_BLOCKCHG,                /* an enforcement rule was added or removed */
	SG_EV_POLICY,                  /* the policy was loaded or reloaded */
	SG_EV_MAX,
};

enum sg_action {
	SG_ACT_NONE = 0, /* not judged yet */
	SG_ACT_ALLOW,    /* not emitted */
	SG_ACT_LOG,
	SG_ACT_ALERT,
	SG_ACT_BLOCK,
};

enum sg_severity {
	SG_SEV_NONE = 0,
	SG_SEV_INFO,
	SG_SEV_LOW,
	SG_SEV_MEDIUM,
	SG_SEV_HIGH,
	SG_SEV_CRITICAL,
};

struct proc_entry;

/* In a drop report: what one process has lost since the daemon started. */
struct sg_droppid {
	uint32_t pid;
	char comm[SG_COMM_LEN + 1];
	uint64_t lost[SG_EV_KERNEL_MAX];
};

struct sg_verdict {
	enum sg_action action;
	enum sg_severity severity;
	const char *rule_id;     /* NULL: no rule matched (the default action) */
	bool enforced;           /* the action was carried out (a block that stopped it) */
	uint32_t repeat;         /* > 1: this event stands for that many identical ones */
};

struct sg_event {
	int type;                /* enum sg_type or SG_EV_MARK... */
	int syscall;             /* enum sg_syscall */
	uint16_t kflags;         /* SG_F_* from the kernel */
	uint64_t seq;            /* assigned by the pipeline, strictly increasing */
	uint64_t ts_ns;          /* CLOCK_REALTIME, nanoseconds */

	struct {
		uint32_t pid, tid, ppid, uid, gid;
		uint64_t cgroup_id;
		char comm[SG_COMM_LEN + 1];
		const char *exe;             /* NULL: unknown */
		const struct proc_entry *entry; /* the process table's entry, or NULL */
	} proc;

	bool has_result;
	int32_t result;          /* syscall result: >= 0, or -errno */

	union {
		struct {
			const char *filename;    /* as given to execve, made absolute when possible */
			const char *argv;        /* argc NUL-terminated strings back to back */
			size_t argv_len;
			unsigned int argc;
			bool argv_truncated;
			const char *cwd;         /* NULL: unknown */
			uint32_t at_flags;
		} exec;
		struct {
			uint32_t child_pid;
		} fork;
		struct {
			int code;                /* exit status, when exited normally */
			int signal;              /* killing signal, or 0 */
			bool core;
		} exit;
		struct {
			const char *path;        /* absolute; see path_resolved */
			const char *new_path;    /* rename only */
			bool path_resolved;      /* false: relative, directory unknown */
			bool new_path_resolved;
			uint32_t flags;          /* open flags; renameat2/unlinkat flags */
			uint32_t mode;
			bool write;              /* open with write intent */
			bool dir;                /* rmdir or unlinkat(AT_REMOVEDIR) */
		} file;
		struct {
			int family;              /* AF_INET, AF_INET6, AF_UNIX, other */
			int sock_type;           /* SOCK_STREAM, SOCK_DGRAM, 0 unknown */
			int protocol;            /* IPPROTO_TCP, IPPROTO_UDP, 0 unknown */
			uint8_t addr[16];        /* network order; IPv4 in the first 4 */
			uint16_t port;
			const char *unix_path;   /* AF_UNIX; '@' first for abstract */
			uint32_t backlog;        /* listen */
			uint32_t block_slot;     /* SG_F_BLOCKED: the rule's slot */
			int block_hook;          /* SG_F_BLOCKED: SG_HOOK_* that stopped it */
		} net;
		struct {
			const char *text;
		} mark;
		struct {
			uint64_t lost[SG_EV_KERNEL_MAX]; /* per kernel type, since the last report */
			uint64_t total;
			const char *where;       /* "ring", "subscriber", ... */
			const struct sg_droppid *pids; /* whose cumulative losses changed */
			size_t npids;
		} drop;
		struct {
			const char *op;          /* "add", "remove", "expire" */
			const char *rule;        /* the rule in its text form */
			const char *source;      /* "runtime" or a policy rule id */
			uint32_t by_uid;
		} blockchg;
		struct {
			const char *source;
			unsigned int rules;
			bool ok;
			const char *error;
		} policy;
	};

	struct sg_verdict verdict;
};

const char *sg_type_name(int type);
int sg_type_from_name(const char *name);       /* -EINVAL if unknown */
const char *sg_action_name(enum sg_action a);
int sg_action_from_name(const char *name);     /* -EINVAL if unknown */
const char *sg_severity_name(enum sg_severity s);
int sg_severity_from_name(const char *name);   /* -EINVAL if unknown */

#endif /* SG_EVENT_H */
