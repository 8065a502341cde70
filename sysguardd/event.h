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
	SG_EV_CONTAINER,               /* a container started, was found, or stopped */
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
struct ctr_info;

/* Namespace kinds, as bits of proc.hostns. */
enum { SG_NS_PID = 1, SG_NS_MNT = 2, SG_NS_NET = 4, SG_NS_USER = 8 };

/* Where a process runs, from its cgroup (container.h). */
enum sg_where {
	SG_WHERE_NONE = 0,       /* not looked up (no container tracking, or a daemon event) */
	SG_WHERE_HOST,
	SG_WHERE_CONTAINER,
	SG_WHERE_PENDING,        /* the look-up had not finished within the hold time */
	SG_WHERE_UNKNOWN,        /* the look-up failed (cgroup gone, a bound reached) */
};

/* In a drop report: what one process has lost since the daemon started. */
struct sg_droppid {
	uint32_t pid;
	char comm[SG_COMM_LEN + 1];
	uint64_t lost[SG_EV_KERNEL_MAX];
};

/* Another rule that matched an event (the verdict's is the deciding one). */
struct sg_match {
	const char *rule_id;
	enum sg_action action;
	enum sg_severity severity;
};

#define SG_MATCHES_MAX 8         /* other matching rules an event names */

#define SG_CORR_GROUP_LEN 96     /* bytes of a correlation's group, NUL included */

/* A correlation rule that held with this event (policy_corr.c). */
struct sg_corr {
	const char *rule_id;     /* NULL: none */
	const char *kind;        /* "count", "distinct", "sequence" */
	uint32_t count;          /* events, distinct values or steps in the window */
	uint64_t window_ns;
	uint64_t first_ns;       /* CLOCK_REALTIME of the first of them */
	char group[SG_CORR_GROUP_LEN]; /* "proc.uid=1000", "process=812(nc)" */
};

struct sg_verdict {
	enum sg_action action;
	enum sg_severity severity;
	const char *rule_id;     /* NULL: no rule matched (the default action) */
	uint8_t nmatches;        /* the other rules that matched, strongest first */
	uint16_t matches_more;   /* and how many more than SG_MATCHES_MAX did */
	struct sg_match matches[SG_MATCHES_MAX];
	struct sg_corr corr;     /* the strongest correlation that held, if any */
	bool enforced;           /* the action was carried out (a block that stopped it) */
	const char *mechanism;   /* enforced: "cgroup", "fanotify" or "lsm" */
	uint32_t repeat;         /* > 1: this event stands for that many identical ones */
};

struct sg_event {
	int type;                /* enum sg_type or SG_EV_MARK... */
	int syscall;             /* enum sg_syscall */
	uint16_t kflags;         /* SG_F_* from the kernel */
	uint32_t lsm_slot;       /* SG_F_BLOCKED by a BPF-LSM program: its rule's slot */
	uint64_t seq;            /* assigned by the pipeline, strictly increasing */
	uint64_t ts_ns;          /* CLOCK_REALTIME, nanoseconds */

	struct {
		uint32_t pid, tid, ppid, uid, gid;
		uint64_t cgroup_id;
		char comm[SG_COMM_LEN + 1];
		const char *exe;             /* NULL: unknown */
		const struct proc_entry *entry; /* the process table's entry, or NULL */
		uint32_t pidns, mntns, netns, userns; /* namespace inode numbers; 0: not known */
		uint32_t vpid;               /* pid in its own pid namespace; 0: not known */
		uint8_t hostns;              /* SG_NS_*: in the host's namespace of that kind
					      * (enrich; when mntns is known) */
	} proc;

	/* the process's container (enrich); encode and policy read it through these */
	struct {
		int where;                    /* enum sg_where */
		const struct ctr_info *info;  /* SG_WHERE_CONTAINER: its metadata, or NULL when a
					       * copy (dedup) keeps only id, name and image */
		const char *id, *name, *image, *runtime; /* SG_WHERE_CONTAINER, always set */
	} ctr;

	bool has_result;
	int32_t result;          /* syscall result: >= 0, or -errno */

	union {
		struct {
			const char *filename;    /* as given to execve, made absolute when possible */
			bool has_stdio;          /* stdio[] is known (a successful exec) */
			struct sg_fdinfo {
				uint8_t kind;            /* enum sg_fdkind */
				uint8_t family;          /* socket */
				uint16_t lport, rport;   /* socket (inet) */
				uint32_t ino;            /* pipe, file, socket */
				uint32_t rdev;           /* character device */
				uint8_t laddr[16], raddr[16]; /* socket (inet) */
				const char *path;        /* file: its path, or NULL */
				const struct proc_entry *peer; /* pipe: the other end's process (enrich) */
			} stdio[3];
			const char *fileless;    /* "memfd", "deleted" or NULL */
			const char *via;         /* "fd" (fexecve, /proc/self/fd/N), "loader" or NULL */
			const char *loader_target; /* via "loader": the program ld.so was told to run */
			const char *argv;        /* argc NUL-terminated strings back to back */
			size_t argv_len;
			unsigned int argc;
			bool argv_truncated;
			const char *cwd;         /* NULL: unknown */
			uint32_t at_flags;
			uint64_t exe_ctime_ns;   /* the file's inode change time; 0: not known */
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
			const char *host_path;   /* in a container: path on the host (enrich), or NULL */
			const char *new_path;    /* rename only */
			bool path_resolved;      /* false: relative, directory unknown */
			bool new_path_resolved;
			uint32_t flags;          /* open flags; renameat2/unlinkat/fchmodat2 flags */
			uint32_t mode;           /* open: creation mode; chmod: the new mode */
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
			uint32_t request;        /* ptrace request; 0: process_vm_writev */
			uint32_t target;         /* the pid acted on */
			const struct proc_entry *target_entry; /* (enrich) or NULL */
		} ptrace;
		struct {
			uint32_t old_uid, old_euid, old_gid, old_egid;
			uint32_t new_uid, new_euid, new_gid, new_egid;
		} cred;
		struct {
			const char *source;      /* NULL: none given */
			const char *target;      /* absolute when target_resolved */
			const char *fstype;      /* NULL: none given */
			bool target_resolved;
			uint32_t flags;          /* MS_* */
		} mount;
		struct {
			const char *path;        /* finit_module: the file; NULL: init_module */
			uint32_t flags;
		} module;
		struct {
			uint32_t cmd;
			uint32_t prog_type;
			const char *prog_name;   /* "" when none */
		} bpf;
		struct {
			int32_t fd;
			uint32_t sq_entries, cq_entries, flags;
		} io_uring;
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
		struct {
			int op;                  /* enum container_op (container.h) */
		} lifecycle;
	};

	struct sg_verdict verdict;
};

/*
 * One row per event type: everything the modules after the ring buffer need
 * to know of it.  The decoder, the encoder, the journal sink, dedup, the
 * policy parser and the kernel-filter derivation all ask this table; none of
 * them switches on the type.  Adding a type: HACKING.md.
 */
struct decoder;
struct proctable;
struct sg_cursor;
struct jsonw;
struct journal_entry;
struct sg_msg;
struct dedup_keep;

/* Groups of policy fields (sysguard.policy(5), FIELDS): which a type has. */
enum sg_pfgroup {
	SG_PFG_PROC = 1u << 0,     /* proc.*, parent.*, ancestor.*, result */
	SG_PFG_EXEC = 1u << 1,     /* exec.filename */
	SG_PFG_PATH = 1u << 2,     /* file.path, file.name */
	SG_PFG_NEWPATH = 1u << 3,  /* file.new_path */
	SG_PFG_OPEN = 1u << 4,     /* file.write, file.trunc */
	SG_PFG_MODE = 1u << 5,     /* file.mode, file.setuid, file.setgid, file.exec */
	SG_PFG_NET = 1u << 6,      /* net.* */
	SG_PFG_PTRACE = 1u << 7,   /* ptrace.* */
	SG_PFG_CRED = 1u << 8,     /* cred.* */
	SG_PFG_MOUNT = 1u << 9,    /* mount.* */
	SG_PFG_MODULE = 1u << 10,  /* module.* */
	SG_PFG_BPF = 1u << 11,     /* bpf.* */
	SG_PFG_CTR = 1u << 12,     /* container.*, k8s.* (kernel types have them with proc) */
	SG_PFG_LIFECYCLE = 1u << 13, /* lifecycle.op */
};

/* How the kernel may filter a type before userspace sees it (policy_kfilter.c). */
enum sg_kfclass {
	SG_KF_NONE = 0,            /* always delivered (the process table lives on them) */
	SG_KF_KIND = 1,            /* dropped at syscall entry when no rule can act on it */
	SG_KF_PATH = 2,            /* SG_KF_KIND, and by path prefix/suffix, read and write apart */
};

struct sg_evtype {
	const char *name;          /* "exec": JSON "type", policy event, SYSGUARD_TYPE, filters */
	bool kernel;               /* comes from the kernel: has proc, syscall and result */
	bool own_argv;             /* carries its own argv (alerts then need not add proc.argv) */
	bool journal_always;       /* sent to the journal whatever its action */
	bool judged;               /* not from the kernel, and judged by the policy all the same */
	uint32_t pfields;          /* enum sg_pfgroup: the policy fields it has */
	enum sg_kfclass kfilter;
	size_t payload;            /* kernel: the sizeof() of its bpf/sysguard.h payload */
	/* kernel: fill ev's part from the record's payload and data; 0 or -EINVAL */
	int (*decode)(struct decoder *d, const struct sg_hdr *h, const void *payload,
		      struct sg_cursor *c, struct sg_event *ev);
	/* optional, after the process table's own enrichment: look up what else it names */
	void (*enrich)(struct proctable *pt, struct sg_event *ev);
	/* its member of the JSON object, e.g. "file":{...} (proto/events.md) */
	void (*encode)(struct jsonw *w, const struct sg_event *ev);
	/* its SYSGUARD_* journal fields beyond the common ones (sysguard.yaml(5)) */
	void (*journal)(struct journal_entry *e, const struct sg_event *ev);
	/*
	 * The readable MESSAGE: kernel types write what the process did
	 * ("opened /etc/shadow"), after "ACTION rule: comm (pid) "; the others
	 * write all of it.
	 */
	void (*message)(struct sg_msg *m, const struct sg_event *ev);
	/* the others: syslog priority and MESSAGE_ID (NULL: from the verdict) */
	int (*priority)(const struct sg_event *ev);
	const char *message_id;
	/* dedup: what makes two events of this type the same (its target) */
	uint64_t (*dedup_key)(uint64_t h, const struct sg_event *ev);
	/* dedup: copy the strings ev points at into the keeper (they must outlive the decoder) */
	void (*dedup_keep)(struct dedup_keep *k, struct sg_event *ev);
};

/* The rows, indexed by type (event.c); NULL for none. */
extern const struct sg_evtype *const sg_evtypes[SG_EV_MAX];

/* The row of a type, or NULL for an unknown one (per event: inline). */
static inline const struct sg_evtype *sg_evtype(int type)
{
	return type > 0 && type < SG_EV_MAX ? sg_evtypes[type] : NULL;
}

/*
 * Container drift: whether an exec in a container ran a file created or
 * changed (its inode's ctime: written, chmod'ed, renamed, copied up) after
 * the container started, i.e. not as the image had it.  1 yes, 0 no, -1 not
 * known (not a successful exec in a container whose start time is known).
 */
int sg_exec_drift(const struct sg_event *ev);

/* Whether the policy judges events of a type: the kernel's, and those rows that say so. */
static inline bool sg_type_judged(int type)
{
	const struct sg_evtype *t = sg_evtype(type);

	return t && (t->kernel || t->judged);
}

/* The names of what fds 0-2 of an exec'd image are (enum sg_fdkind). */
extern const char *const sg_fdkind_names[SG_FD_MAX];

/*
 * The ptrace requests sysguard tells apart, in the order of their names (the
 * policy's ptrace.request value i is bit i): PTRACE_ATTACH, PTRACE_SEIZE and
 * process_vm_writev (request 0).
 */
enum sg_ptrace_req { SG_PTRACE_ATTACH, SG_PTRACE_SEIZE, SG_PTRACE_VM_WRITE, SG_PTRACE_MAX };
extern const char *const sg_ptrace_req_names[SG_PTRACE_MAX]; /* "attach", "seize", "vm_write" */
/* A ptrace event's request as an enum sg_ptrace_req, or -1 for another one. */
int sg_ptrace_req(uint32_t request);
/* Its name: one of sg_ptrace_req_names, or "other". */
const char *sg_ptrace_request_name(uint32_t request);
/* setuid: the change made the real or effective uid 0 from another. */
bool sg_cred_gains_root(const struct sg_event *ev);

/* The name of a syscall (enum sg_syscall), or NULL. */
const char *sg_syscall_name(int sc);

const char *sg_type_name(int type);
int sg_type_from_name(const char *name);       /* -EINVAL if unknown */
const char *sg_action_name(enum sg_action a);
int sg_action_from_name(const char *name);     /* -EINVAL if unknown */
const char *sg_severity_name(enum sg_severity s);
int sg_severity_from_name(const char *name);   /* -EINVAL if unknown */

#endif /* SG_EVENT_H */
