/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The kernel/userspace ABI of sysguard: the records the BPF programs write into
 * the ring buffer, and the maps userspace reads.  Included by bpf/sysguard.bpf.c
 * and by the daemon's decoder.  It includes nothing; fixed-width types only, no
 * pointers and no bool.  Every record starts with struct sg_hdr; the variable
 * part (strings) follows the fixed payload in data[], its sections in the order
 * the payload's *_len fields are declared.  Bump SG_ABI_VERSION on any change.
 */
#ifndef SYSGUARD_ABI_H
#define SYSGUARD_ABI_H

#define SG_ABI_VERSION 9

#define SG_COMM_LEN 16
#define SG_DATA_MAX 8192      /* bytes of string data a record may carry */
#define SG_NAME_MAX 256       /* one path component, NUL included */
#define SG_PATH_DEPTH 40      /* components walked up a dentry chain */
#define SG_ARG_MAX 64         /* argv entries read from a failed exec */
#define SG_ARGV_BYTES 4096    /* argv bytes captured */
#define SG_UPATH_MAX 512      /* user-supplied path bytes captured */
#define SG_UNIX_PATH 108

enum sg_type {
	SG_EV_NONE = 0,
	SG_EV_EXEC = 1,
	SG_EV_FORK = 2,
	SG_EV_EXIT = 3,
	SG_EV_OPEN = 4,
	SG_EV_RENAME = 5,
	SG_EV_UNLINK = 6,
	SG_EV_CONNECT = 7,
	SG_EV_BIND = 8,
	SG_EV_LISTEN = 9,
	SG_EV_CHMOD = 10,
	SG_EV_PTRACE = 11,
	SG_EV_SETUID = 12,
	SG_EV_MOUNT = 13,
	SG_EV_MODULE = 14,
	SG_EV_BPF = 15,
	SG_EV_IO_URING = 16,
	SG_EV_KERNEL_MAX = 17, /* types below come from the kernel */
};

/* hdr.flags */
#define SG_F_TRUNC_ARGV   (1u << 0) /* argv longer than captured */
#define SG_F_TRUNC_PATH   (1u << 1) /* a user path longer than captured */
#define SG_F_DIR_UNRES    (1u << 2) /* directory of a relative path unknown */
#define SG_F_DIR2_UNRES   (1u << 3) /* same, for the second path (rename) */
#define SG_F_DIR_DEEP     (1u << 4) /* dentry walk stopped at SG_PATH_DEPTH */
#define SG_F_EXE_UNRES    (1u << 5)
#define SG_F_CWD_UNRES    (1u << 6)
#define SG_F_NO_ENTER     (1u << 7) /* syscall entry not seen (stash miss) */
#define SG_F_PATH_FAULT   (1u << 8) /* user path could not be read */
#define SG_F_BLOCKED      (1u << 9) /* stopped by an enforcement program */
#define SG_F_EXE_MEMFD    (1u << 10) /* exec: the new image is a memfd (fileless) */
#define SG_F_EXE_DELETED  (1u << 11) /* exec: the new image's file has no link left */
#define SG_F_IO_URING     (1u << 12) /* submitted through io_uring: no syscall, no result yet */
#define SG_F_HOOK         (1u << 13) /* reported from a hook (telemetry "lsm", "cgroup"): no syscall, no result */

/* Which syscall produced a record (payload .syscall). */
enum sg_syscall {
	SG_SC_NONE = 0,
	SG_SC_EXECVE, SG_SC_EXECVEAT,
	SG_SC_OPEN, SG_SC_OPENAT, SG_SC_OPENAT2, SG_SC_CREAT,
	SG_SC_RENAME, SG_SC_RENAMEAT, SG_SC_RENAMEAT2,
	SG_SC_UNLINK, SG_SC_UNLINKAT, SG_SC_RMDIR,
	SG_SC_CONNECT, SG_SC_BIND, SG_SC_LISTEN,
	SG_SC_CHMOD, SG_SC_FCHMOD, SG_SC_FCHMODAT, SG_SC_FCHMODAT2,
	SG_SC_PTRACE, SG_SC_PROCESS_VM_WRITEV,
	SG_SC_SETUID, SG_SC_SETGID, SG_SC_SETREUID, SG_SC_SETREGID, SG_SC_SETRESUID, SG_SC_SETRESGID,
	SG_SC_MOUNT, SG_SC_INIT_MODULE, SG_SC_FINIT_MODULE, SG_SC_BPF,
	SG_SC_IO_URING,   /* an io_uring submission (SG_F_IO_URING), or io_uring_setup */
	SG_SC_MAX,
};

struct sg_hdr {
	__u16 type;       /* enum sg_type */
	__u16 flags;      /* SG_F_* */
	__u32 size;       /* whole record, header included */
	__u64 ts_ns;      /* CLOCK_BOOTTIME */
	__u32 pid;        /* thread group id */
	__u32 tid;
	__u32 ppid;       /* real parent's thread group id */
	__u32 uid;
	__u32 gid;
	__u32 syscall;    /* enum sg_syscall */
	__u64 cgroup_id;
	char comm[SG_COMM_LEN];
	__u32 pidns;      /* the caller's pid, mount, network and user namespaces (their */
	__u32 mntns;      /* inode numbers, as /proc/PID/ns/ shows them); 0: not read (the */
	__u32 netns;      /* cgroup programs, a task whose namespaces are gone) */
	__u32 userns;
	__u32 vpid;       /* the caller's thread group id in its own pid namespace */
	__u32 __pad;
};

/*
 * A record that is not an event: a cgroup v2 directory made or removed
 * (tp_btf/cgroup_mkdir, cgroup_rmdir), so the daemon knows a container's
 * cgroup before its first process runs and forgets it when it ends.  hdr.type
 * SG_REC_CGROUP, payload struct sg_cgroup, data: the path from the cgroup v2
 * root (mkdir only).  Advisory: a lost one is made up for by a look-up.
 */
#define SG_REC_CGROUP 0x7f01
enum sg_cgroup_op { SG_CGROUP_MKDIR = 1, SG_CGROUP_RMDIR = 2 };

struct sg_cgroup {
	__u64 id;         /* the cgroup's id: its directory's inode number */
	__u32 op;         /* enum sg_cgroup_op */
	__u16 path_len;
	__u16 __pad;
};

/*
 * Directory paths are written as a dentry walk: components from the leaf up to
 * the root, each NUL-terminated ("c\0b\0a\0" is /a/b/c; an empty section is /).
 */

/*
 * exec: data: filename, argv (NUL-separated), cwd walk, exe walk, dir walk,
 * then for a successful exec the stdio section (three struct sg_stdio, fds
 * 0, 1 and 2 of the new image) followed by the walks of those that are
 * regular files, in fd order.
 */
struct sg_exec {
	__s32 ret;
	__u32 at_flags;
	__s32 dfd;        /* execveat's dirfd (AT_FDCWD for execve) */
	__u16 filename_len;
	__u16 argv_len;
	__u16 cwd_len;
	__u16 exe_len;
	__u16 argc;       /* entries in argv */
	__u16 dir_len;    /* walk of dfd: a failed execveat with a relative name only */
	__u16 stdio_len;  /* 0 or 3 * sizeof(struct sg_stdio) */
	__u16 __pad1;
	__u32 rule;       /* SG_F_BLOCKED: the BPF-LSM rule's slot */
	__u64 exe_ctime_ns; /* a successful exec: its file's inode change time (CLOCK_REALTIME) */
};

/* What an exec'd image has as fd 0, 1 or 2 (struct sg_stdio.kind). */
enum sg_fdkind {
	SG_FD_CLOSED = 0,
	SG_FD_TTY,        /* a terminal: tty, console, pts */
	SG_FD_PIPE,       /* a pipe or FIFO */
	SG_FD_SOCKET,
	SG_FD_FILE,       /* a regular file */
	SG_FD_NULL,       /* /dev/null */
	SG_FD_CHR,        /* another character device */
	SG_FD_OTHER,      /* a directory, an anonymous inode, ... */
	SG_FD_MAX,
};

struct sg_stdio {
	__u8 kind;        /* enum sg_fdkind */
	__u8 family;      /* socket: AF_INET, AF_INET6, AF_UNIX, ... */
	__u16 lport;      /* socket (inet): local port, host order */
	__u16 rport;      /* socket (inet): remote port, host order */
	__u16 path_len;   /* file: bytes of its walk after the stdio section */
	__u32 ino;        /* pipe, file, socket: the inode number */
	__u32 rdev;       /* character device: (major << 20) | minor */
	__u8 laddr[16];   /* socket (inet): local address; IPv4 in the first 4 bytes */
	__u8 raddr[16];   /* socket (inet): remote address */
};

struct sg_fork {
	__u32 child_pid;
	__u32 clone_flags_lo;
};

struct sg_exit {
	__u32 exit_code;  /* wait status: (code << 8) | signal */
	__u32 __pad;
};

/*
 * open, rename, unlink and chmod.  chmod: mode is the new mode; fchmod has no
 * path (path_len 0) and its fd's walk as the dir walk, which is then the path.
 */
struct sg_file {          /* data: path, dir walk, [new path, new dir walk] */
	__s32 ret;
	__s32 dfd;
	__s32 dfd2;
	__u32 flags;      /* open flags, or renameat2 / unlinkat / fchmodat2 flags */
	__u32 mode;
	__u16 path_len;
	__u16 dir_len;
	__u16 path2_len;
	__u16 dir2_len;
	__u32 rule;       /* SG_F_BLOCKED: the BPF-LSM rule's slot */
};

struct sg_net {           /* data: unix socket path (sun_path bytes) */
	__s32 ret;
	__s32 fd;
	__u16 family;     /* AF_INET, AF_INET6, AF_UNIX */
	__u16 port;       /* host byte order */
	__u16 sock_type;  /* SOCK_STREAM, SOCK_DGRAM, ... (0 unknown) */
	__u16 protocol;   /* IPPROTO_* (0 unknown) */
	__u8 addr[16];    /* IPv4 in the first 4 bytes */
	__u32 backlog;
	__u16 unix_len;
	__u16 hook;       /* SG_HOOK_* when SG_F_BLOCKED */
	__u32 rule;       /* the block rule's slot when SG_F_BLOCKED */
	__u32 __pad;
};

/* ptrace(PTRACE_ATTACH or PTRACE_SEIZE) and process_vm_writev: one process acting on another. */
struct sg_ptrace {
	__s32 ret;
	__u32 request;    /* the ptrace request; 0 for process_vm_writev */
	__u32 target;     /* the pid acted on */
	__u32 __pad;
};

/* setuid, setgid, setreuid, setregid, setresuid, setresgid: the ids before and after. */
struct sg_cred {
	__s32 ret;
	__u32 __pad;
	__u32 old_uid, old_euid, old_gid, old_egid;
	__u32 new_uid, new_euid, new_gid, new_egid;
};

struct sg_mount {         /* data: source, target (user path), its dir walk, fstype */
	__s32 ret;
	__u32 flags;      /* MS_*, the low 32 bits */
	__u16 src_len;
	__u16 path_len;
	__u16 dir_len;
	__u16 type_len;
	__u32 __pad[2];
};

struct sg_module {        /* data: the walk of the module file (finit_module) */
	__s32 ret;
	__u32 flags;      /* finit_module flags */
	__u16 path_len;   /* 0: init_module, an image from memory */
	__u16 __pad;
	__u32 __pad2;
};

struct sg_bpf {           /* data: the program's name, NUL-terminated */
	__s32 ret;
	__u32 cmd;        /* BPF_PROG_LOAD */
	__u32 prog_type;
	__u16 name_len;
	__u16 __pad;
};

/* io_uring_setup: a ring was created (file operations through it are open,
 * rename, unlink and connect records with SG_F_IO_URING). */
struct sg_io_uring {
	__s32 fd;         /* the ring's fd */
	__u32 sq_entries;
	__u32 cq_entries;
	__u32 flags;      /* IORING_SETUP_* */
};

/* ---- enforcement (bpf/enforce.bpf.c) ---- */

#define SG_BLOCK_PER_PREFIX 8   /* rules sharing one address prefix */

/* Where a rule applies (sg_block_ent.hooks) and which hook stopped a call. */
#define SG_HOOK_CONNECT   (1u << 0) /* connect4/6 */
#define SG_HOOK_SENDMSG   (1u << 1) /* sendmsg4/6: unconnected UDP */
#define SG_HOOK_BIND      (1u << 2) /* bind4/6 */
#define SG_HOOK_LSM       (1u << 3) /* BPF-LSM socket_connect (sg_net.rule: its LSM slot) */

struct sg_lpm4 {
	__u32 prefixlen;
	__u8 addr[4];
};

struct sg_lpm6 {
	__u32 prefixlen;
	__u8 addr[16];
};

struct sg_block_ent {
	__u16 port_lo;        /* host order; 0-65535 is any port */
	__u16 port_hi;
	__u8 proto;           /* IPPROTO_TCP, IPPROTO_UDP, 0 any */
	__u8 hooks;           /* SG_HOOK_* */
	__u16 cg_level;       /* with cgroup_id: its level in the hierarchy */
	__u32 rule;           /* slot in the hits map */
	__u32 __pad;
	__u64 cgroup_id;      /* 0: every cgroup; else this cgroup and its descendants */
	__u64 expires_ns;     /* CLOCK_BOOTTIME; 0: never */
};

/*
 * Threads whose last connect/bind an enforcement program stopped (map
 * "blocked", tid -> hook): that program reports the attempt, so the syscall
 * exit must not report it a second time.
 */
#define SG_BLOCKED_MAX 4096

/* The value for one prefix: every rule on exactly that prefix. */
struct sg_block_val {
	__u32 prefixlen;
	__u32 n;
	struct sg_block_ent ent[SG_BLOCK_PER_PREFIX];
};

/* ---- BPF-LSM enforcement (bpf/lsm.bpf.c) ---- */

/*
 * Block rules judged in the kernel by BPF-LSM programs.  The daemon compiles
 * each block rule it can into entries of map "lsm_rules": an entry holds when
 * every one of its conditions does (a negated condition when it does not),
 * and a rule is the OR of its entries.  The map holds two generations of
 * SG_LSM_RULES entries; "lsm_conf" says which one is in force, so that a
 * policy reload is one write.  An entry's slot (its index) names the rule in
 * the records of what it stopped.
 */
#define SG_LSM_RULES 256        /* entries in one generation */
#define SG_LSM_SLOTS (2 * SG_LSM_RULES)
#define SG_LSM_CONDS 8          /* conditions in one entry */
#define SG_LSM_STR 256          /* bytes of a string condition (NUL excluded: 255) */
#define SG_LSM_PATH 1024        /* bytes of a path the programs build */

/* Where an entry applies (sg_lsm_rule.hooks). */
#define SG_LH_EXEC       (1u << 0) /* bprm_check_security */
#define SG_LH_OPEN_READ  (1u << 1) /* file_open without write intent */
#define SG_LH_OPEN_WRITE (1u << 2) /* file_open with write intent */
#define SG_LH_UNLINK     (1u << 3) /* path_unlink, path_rmdir */
#define SG_LH_RENAME     (1u << 4) /* path_rename */
#define SG_LH_CONNECT    (1u << 5) /* socket_connect */

enum sg_lsm_field {
	SG_LF_PATH = 0,  /* the file (exec: the program; rename: the old name) */
	SG_LF_NAME,      /* its last component */
	SG_LF_PATH2,     /* rename: the new name */
	SG_LF_EXE,       /* the calling process's program */
	SG_LF_EXENAME,   /* its last component */
	SG_LF_COMM,      /* the calling thread's comm (exec: the program's name, cut to 15) */
	SG_LF_PCOMM,     /* the real parent's comm */
	SG_LF_UID,       /* real uid */
	SG_LF_GID,
	SG_LF_ADDR,      /* connect: the address (cidr) */
	SG_LF_PORT,      /* connect: the port, host order */
	SG_LF_PROTO,     /* connect: IPPROTO_* of the socket */
	SG_LF_FAMILY,    /* connect: AF_INET, AF_INET6 */
	SG_LF_MAX,
};

enum sg_lsm_op {
	SG_LO_EXACT = 0, /* string equal */
	SG_LO_PREFIX,
	SG_LO_SUFFIX,
	SG_LO_RANGE,     /* number in [lo, hi] */
	SG_LO_CIDR,      /* address: family, lo = prefix length, s = the address bytes */
};

struct sg_lsm_cond {
	__u8 field;       /* enum sg_lsm_field */
	__u8 op;          /* enum sg_lsm_op */
	__u8 neg;         /* 1: the entry needs this condition to be false */
	__u8 family;      /* SG_LO_CIDR: AF_INET or AF_INET6 */
	__u16 len;        /* string bytes in s */
	__u16 __pad;
	__u32 lo, hi;
	char s[SG_LSM_STR];
};

struct sg_lsm_rule {
	__u32 hooks;      /* SG_LH_* */
	__u32 n;          /* conditions used */
	struct sg_lsm_cond c[SG_LSM_CONDS];
};

/* map "lsm_conf", one value: the generation in force */
struct sg_lsm_conf {
	__u32 base;       /* 0 or SG_LSM_RULES */
	__u32 n;          /* entries in force, from base */
	__u32 hooks;      /* SG_LH_* any of them applies to: a hook with none returns at once */
	__u32 exe_hooks;  /* SG_LH_* whose entries look at the caller's program (SG_LF_EXE*) */
	__u32 tel_hooks;  /* SG_LH_* whose calls are reported when let through (telemetry "lsm") */
};

/* Per-CPU counters (map "counters", one value, key 0). */
struct sg_counters {
	__u64 seen[SG_EV_KERNEL_MAX];    /* records the programs tried to emit */
	__u64 dropped[SG_EV_KERNEL_MAX]; /* of those, lost to a full ring */
	__u64 stash_full;                /* syscall entries not stashed */
	__u64 filtered[SG_EV_KERNEL_MAX]; /* dropped at entry by the in-kernel filter */
	__u64 __pad[3];
};

/*
 * In-kernel filtering (map "filter", one value), derived by userspace from the
 * loaded policy and rewritten on every reload: what each kind of file and
 * network event needs.  Process events always reach userspace (the process
 * table lives on them).  All zero means: pass everything.
 */
enum sg_fmode {
	SG_FM_PASS = 0,     /* every event of this kind goes to userspace */
	SG_FM_DROP = 1,     /* no rule can act on it: dropped at syscall entry */
	SG_FM_PATH = 2,     /* only absolute paths found in the path tries (and relative ones) */
};

#define SG_FK_OPEN_WRITE SG_EV_KERNEL_MAX /* mode[] index: opens with write intent */
#define SG_FK_MAX (SG_EV_KERNEL_MAX + 1)

#define SG_FILT_EXCL_UID  (1u << 0) /* map excl_uid holds uids whose file/net events are not wanted */
#define SG_FILT_EXCL_COMM (1u << 1) /* map excl_comm likewise, by comm */

struct sg_filter {
	__u8 mode[32];      /* enum sg_fmode per SG_EV_* (SG_EV_OPEN: read-only opens) and SG_FK_* */
	__u32 flags;        /* SG_FILT_* */
	__u32 __pad;
};

/*
 * The path tries: "path_prefix" holds path prefixes, "path_suffix" path
 * suffixes written backwards, both cut to SG_PATH_KEY bytes (a shorter key
 * matches more paths, never fewer).  The value says for which opens: bit 0
 * read-only ones, bit 1 ones with write intent.
 */
#define SG_PATH_KEY 64
#define SG_PK_READ  (1u << 0)
#define SG_PK_WRITE (1u << 1)

struct sg_pathkey {
	__u32 prefixlen;    /* in bits */
	char data[SG_PATH_KEY];
};

/*
 * A cheap pre-check in front of the path tries ("path_hint", one entry): bit
 * sets, hashed, of the first 8 bytes of every prefix of 8 bytes or more, the
 * first 4 of every shorter one, and the last 4 of every suffix.  An absolute
 * path whose own bytes hit no bit cannot match the tries, and is dropped
 * without looking them up; a hit only means "look".  Prefixes or suffixes
 * under 4 bytes set a flag that sends every path to the tries.  Hashes are
 * of the bytes as loaded in host order, the same on both sides.
 */
#define SG_HINT_BITS 4096
#define SG_HINT_SHORT_PREFIX (1u << 0)
#define SG_HINT_SHORT_SUFFIX (1u << 1)

struct sg_pathhint {
	__u64 pre8[SG_HINT_BITS / 64];
	__u64 pre4[SG_HINT_BITS / 64];
	__u64 suf4[SG_HINT_BITS / 64];
	__u32 flags;        /* SG_HINT_* */
	__u32 __pad;
};

static inline __u32 sg_hint8(__u64 x)
{
	return (__u32)((x * 0x9E3779B97F4A7C15ULL) >> 52); /* 12 bits */
}

static inline __u32 sg_hint4(__u32 x)
{
	return (__u32)((x * 0x9E3779B1u) >> 20); /* 12 bits */
}

/*
 * Records lost to a full ring, per process (map "lost_by_pid", LRU, touched
 * only when a reserve fails): cumulative, so that a drop report can say
 * exactly what each process lost.
 */
#define SG_LOST_PIDS 1024

struct sg_pidlost {
	__u64 lost[SG_EV_KERNEL_MAX];
};

/* Kernel-side configuration (rodata, set between open and load). */
struct sg_kconfig {
	__u32 self_pid;        /* the daemon's tgid: excluded */
	__u32 wakeup_bytes;    /* force a wakeup once this much data is pending */
};

union sg_payload {
	struct sg_exec exec;
	struct sg_fork fork;
	struct sg_exit exit;
	struct sg_file file;
	struct sg_net net;
	struct sg_ptrace ptrace;
	struct sg_cred cred;
	struct sg_mount mount;
	struct sg_module module;
	struct sg_bpf bpf;
	struct sg_io_uring io_uring;
	struct sg_cgroup cgroup;
};

/*
 * A record as the kernel builds it.  Only hdr.size bytes of it are written to
 * the ring: the header, the payload, and the used part of data.
 */
struct sg_rec {
	struct sg_hdr hdr;
	union sg_payload u;
	char data[2 * SG_DATA_MAX]; /* twice: lets the verifier bound offsets */
};

#define SG_DATA_OFF (sizeof(struct sg_hdr) + sizeof(union sg_payload))

#endif /* SYSGUARD_ABI_H */
