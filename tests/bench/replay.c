// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * replay: a micro-benchmark of the daemon's userspace path in isolation.  It
 * builds synthetic ring-buffer records (bpf/sysguard.h) for a realistic mix,
 * runs them through pipeline_record() -- decode, process table, judge, encode
 * once, NDJSON sink to /dev/null -- in a loop on one core, and prints events
 * per second.  No root and no BPF needed; run it under `perf record` to see
 * where the userspace time goes.
 *
 * The mix is the life of a process, repeated with fresh pids: the parent
 * forks, the child execs, opens files (absolute, relative, missing), connects,
 * unlinks, and exits.  -m TYPE replays one kind of record only.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/socket.h>
#if __has_include("sg_limits.h")
#include "sg_limits.h"
#else
#include "sg_limits.h"
#endif
#include "pipeline.h"
#include "proctable.h"
#include "sink.h"
#include "sysguard.h"
#if __has_include("policy.h")
#include "policy.h"
#define HAVE_POLICY 1
#endif

#define MAX_RECS 64
#define PARENT_PID 4242
#define PID_BASE 10000
#define PID_SPAN 20000

struct rec {
	char *buf;
	size_t size;
	int child;      /* hdr.pid is the per-cycle child pid (else the parent) */
	const char *kind;
};

struct recset {
	struct rec r[MAX_RECS];
	size_t n;
};

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + ts.tv_nsec;
}

/* A record under construction: header, payload, then string sections. */
struct builder {
	char buf[SG_DATA_OFF + 2 * SG_DATA_MAX];
	size_t off;
};

static struct sg_hdr *b_start(struct builder *b, int type, int sc, const char *comm)
{
	struct sg_hdr *h = (struct sg_hdr *)b->buf;

	memset(b->buf, 0, SG_DATA_OFF);
	h->type = type;
	h->syscall = sc;
	h->ts_ns = 1000000000ull;
	h->pid = h->tid = PARENT_PID;
	h->ppid = 1;
	h->uid = h->gid = 1000;
	h->cgroup_id = 4711;
	strncpy(h->comm, comm, SG_COMM_LEN - 1);
	b->off = SG_DATA_OFF;
	return h;
}

static union sg_payload *b_payload(struct builder *b)
{
	return (union sg_payload *)(b->buf + sizeof(struct sg_hdr));
}

/* Append len bytes; returns len (for the payload's *_len field). */
static uint16_t b_put(struct builder *b, const char *s, size_t len)
{
	memcpy(b->buf + b->off, s, len);
	b->off += len;
	return len;
}

/* A C string with its NUL (the kernel counts it). */
static uint16_t b_str(struct builder *b, const char *s)
{
	return b_put(b, s, strlen(s) + 1);
}

/* A dentry walk of an absolute directory: "/a/b/c" -> "c\0b\0a\0". */
static uint16_t b_walk(struct builder *b, const char *dir)
{
	char tmp[1024], *parts[64];
	size_t n = 0, start = b->off;
	char *save = NULL, *tok;

	snprintf(tmp, sizeof(tmp), "%s", dir);
	for (tok = strtok_r(tmp, "/", &save); tok && n < 64; tok = strtok_r(NULL, "/", &save))
		parts[n++] = tok;
	while (n--)
		b_str(b, parts[n]);
	return b->off - start;
}

static void b_finish(struct builder *b, struct recset *rs, int child, const char *kind)
{
	struct sg_hdr *h = (struct sg_hdr *)b->buf;
	struct rec *r = &rs->r[rs->n++];

	h->size = b->off;
	r->buf = malloc(b->off);
	if (!r->buf) {
		perror("malloc");
		exit(1);
	}
	memcpy(r->buf, b->buf, b->off);
	r->size = b->off;
	r->child = child;
	r->kind = kind;
}

static void add_fork(struct recset *rs, struct builder *b)
{
	b_start(b, SG_EV_FORK, SG_SC_NONE, "bash");
	b_finish(b, rs, 0, "fork");
}

static void add_exec(struct recset *rs, struct builder *b)
{
	static const char argv[] = "make\0-j2\0V=1\0all";
	struct sg_exec *x;

	b_start(b, SG_EV_EXEC, SG_SC_EXECVE, "make");
	x = &b_payload(b)->exec;
	x->dfd = AT_FDCWD;
	x->filename_len = b_str(b, "/usr/bin/make");
	x->argv_len = b_put(b, argv, sizeof(argv));
	x->argc = 4;
	x->cwd_len = b_walk(b, "/home/user/src/project");
	x->exe_len = b_walk(b, "/usr/bin/make");
	b_finish(b, rs, 1, "exec");
}

static void add_exit(struct recset *rs, struct builder *b)
{
	b_start(b, SG_EV_EXIT, SG_SC_NONE, "make");
	b_finish(b, rs, 1, "exit");
}

static void add_open(struct recset *rs, struct builder *b, const char *path, const char *dir,
		     int ret, uint32_t flags, const char *kind)
{
	struct sg_file *f;

	b_start(b, SG_EV_OPEN, SG_SC_OPENAT, "make");
	f = &b_payload(b)->file;
	f->ret = ret;
	f->dfd = AT_FDCWD;
	f->flags = flags;
	f->mode = flags & O_CREAT ? 0644 : 0;
	f->path_len = b_str(b, path);
	if (dir)
		f->dir_len = b_walk(b, dir);
	b_finish(b, rs, 1, kind);
}

static void add_unlink(struct recset *rs, struct builder *b)
{
	struct sg_file *f;

	b_start(b, SG_EV_UNLINK, SG_SC_UNLINKAT, "make");
	f = &b_payload(b)->file;
	f->dfd = AT_FDCWD;
	f->path_len = b_str(b, "/tmp/cc5Xa1b2.o");
	b_finish(b, rs, 1, "unlink");
}

static void add_connect(struct recset *rs, struct builder *b)
{
	struct sg_net *n;

	b_start(b, SG_EV_CONNECT, SG_SC_CONNECT, "make");
	n = &b_payload(b)->net;
	n->ret = 0;
	n->fd = 3;
	n->family = AF_INET;
	n->port = 8080;
	n->sock_type = SOCK_STREAM;
	n->protocol = 6;
	inet_pton(AF_INET, "127.0.0.1", n->addr);
	b_finish(b, rs, 1, "connect");
}

/* The mix: one process's life, 25 records, opens dominating as on a real host. */
static void build_mix(struct recset *rs, const char *only)
{
	static struct builder b;
	static const char *const abs[] = {
		"/etc/ld.so.cache", "/lib/x86_64-linux-gnu/libc.so.6", "/usr/lib/locale/locale-archive",
		"/etc/nsswitch.conf", "/etc/passwd", "/usr/share/zoneinfo/Etc/UTC",
		"/usr/include/stdio.h", "/usr/include/stdlib.h", "/usr/include/string.h",
		"/usr/lib/gcc/x86_64-linux-gnu/12/include/stddef.h", "/proc/self/maps",
		"/usr/include/x86_64-linux-gnu/bits/types.h", "/dev/null", "/etc/localtime",
	};
	static const char *const rel[] = { "Makefile", "src/main.c", "build/obj/main.o" };
	static const char *const miss[] = { "/lib/x86_64-linux-gnu/tls/libc.so.6",
					    "/usr/local/include/stdio.h", "/etc/make.conf" };

	rs->n = 0;
	if (!only || !strcmp(only, "fork"))
		add_fork(rs, &b);
	if (!only || !strcmp(only, "exec"))
		add_exec(rs, &b);
	for (size_t i = 0; i < sizeof(abs) / sizeof(abs[0]); i++)
		if (!only || !strcmp(only, "open"))
			add_open(rs, &b, abs[i], NULL, 3, O_RDONLY | O_CLOEXEC, "open");
	for (size_t i = 0; i < sizeof(rel) / sizeof(rel[0]); i++)
		if (!only || !strcmp(only, "openrel"))
			add_open(rs, &b, rel[i], "/home/user/src/project", 4,
				 i == 2 ? O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC : O_RDONLY,
				 "openrel");
	for (size_t i = 0; i < sizeof(miss) / sizeof(miss[0]); i++)
		if (!only || !strcmp(only, "openmiss"))
			add_open(rs, &b, miss[i], NULL, -ENOENT, O_RDONLY | O_CLOEXEC, "openmiss");
	if (!only || !strcmp(only, "connect"))
		add_connect(rs, &b);
	if (!only || !strcmp(only, "unlink"))
		add_unlink(rs, &b);
	if (!only || !strcmp(only, "exit"))
		add_exit(rs, &b);
}

#ifdef HAVE_POLICY
struct judge_ctx {
	struct policy *pol;
	struct proctable *pt;
};

static void judge(void *ctx, struct sg_event *ev)
{
	struct judge_ctx *j = ctx;

	policy_eval(j->pol, ev, j->pt);
}
#endif

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: replay [-n EVENTS | -t SECONDS] [-m TYPE] [-p POLICY] [-o OUTPUT] [-T]\n"
		"  -n EVENTS  records to replay (default 2000000)\n"
		"  -t SECONDS replay for this long instead\n"
		"  -m TYPE    one kind only: fork, exec, open, openrel, openmiss, connect, unlink, exit\n"
		"  -p POLICY  judge every event with this policy (when the build has the policy engine)\n"
		"  -o OUTPUT  where the NDJSON goes (default /dev/null)\n"
		"  -T         print 'replay ns_per_event N events N' instead of JSON\n");
}

int main(int argc, char **argv)
{
	const char *only = NULL, *policy_path = NULL, *out = "/dev/null";
	uint64_t count = 2000000, dur_ns = 0, done = 0, t0, elapsed, cycles = 0;
	struct pipeline_hooks hooks = { 0 };
	struct recset rs;
	struct proctable *pt;
	struct pipeline *p;
	struct sink *sink;
	bool text = false;
	char *end;
	int c;
#ifdef HAVE_POLICY
	struct judge_ctx jc = { 0 };
#endif

	while ((c = getopt(argc, argv, "n:t:m:p:o:Th")) != -1) {
		switch (c) {
		case 'n':
			errno = 0;
			count = strtoull(optarg, &end, 10);
			if (errno || *end || end == optarg || !count)
				goto bad;
			break;
		case 't': {
			double s;

			errno = 0;
			s = strtod(optarg, &end);
			if (errno || *end || end == optarg || !(s > 0) || s > 3600)
				goto bad;
			dur_ns = s * 1e9;
			break;
		}
		case 'm': only = optarg; break;
		case 'p': policy_path = optarg; break;
		case 'o': out = optarg; break;
		case 'T': text = true; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	build_mix(&rs, only);
	if (!rs.n) {
		fprintf(stderr, "replay: unknown record type '%s'\n", only);
		return 2;
	}

	pt = proctable_new(SG_PROCTABLE_MAX);
	if (!pt)
		return 1;
	if (policy_path) {
#ifdef HAVE_POLICY
		struct policy_diag diag;

		policy_diag_init(&diag);
		if (policy_load(policy_path, &jc.pol, &diag) < 0) {
			policy_diag_print(&diag, stderr);
			return 1;
		}
		policy_diag_fini(&diag);
		jc.pt = pt;
		hooks.judge = judge;
		hooks.ctx = &jc;
#else
		fprintf(stderr, "replay: this build has no policy engine\n");
		return 2;
#endif
	}
	p = pipeline_new(pt, &hooks);
	sink = sink_ndjson_new(out, 0);
	if (!p || !sink || pipeline_add_sink(p, sink) < 0) {
		fprintf(stderr, "replay: cannot set up the pipeline ('%s'): %s\n", out, strerror(errno));
		return 1;
	}

	t0 = now_ns();
	for (;;) {
		uint32_t child = PID_BASE + (uint32_t)(cycles % PID_SPAN);

		for (size_t i = 0; i < rs.n; i++) {
			struct sg_hdr *h = (struct sg_hdr *)rs.r[i].buf;

			if (rs.r[i].child) {
				h->pid = h->tid = child;
				h->ppid = PARENT_PID;
			} else if (h->type == SG_EV_FORK) {
				((union sg_payload *)(h + 1))->fork.child_pid = child;
			}
			h->ts_ns += 1000;
			pipeline_record(p, rs.r[i].buf, rs.r[i].size);
		}
		done += rs.n;
		cycles++;
		if ((cycles & 7) == 0)
			pipeline_flush(p); /* a batch, as the event loop does */
		if (dur_ns ? (cycles & 63) == 0 && now_ns() - t0 >= dur_ns : done >= count)
			break;
	}
	pipeline_flush(p);
	elapsed = now_ns() - t0;

	{
		const struct pipeline_stats *st = pipeline_stats(p);
		struct sink_stats ss;
		uint64_t emitted = 0;

		sink_stats(sink, &ss);
		for (int t = 0; t < SG_EV_MAX; t++)
			emitted += st->emitted[t];
		if (text)
			printf("replay ns_per_event %.1f events %" PRIu64 "\n", (double)elapsed / done,
			       done);
		else
			printf("{\"mode\":\"%s\",\"policy\":%s%s%s,\"events\":%" PRIu64
			       ",\"emitted\":%" PRIu64 ",\"malformed\":%" PRIu64
			       ",\"ns_per_event\":%.1f,\"events_per_sec\":%.0f,\"records_per_cycle\":%zu"
			       ",\"lines_out\":%" PRIu64 ",\"sink_dropped\":%" PRIu64 ",\"proctable\":%zu}\n",
			       only ? only : "mix", policy_path ? "\"" : "",
			       policy_path ? policy_path : "null", policy_path ? "\"" : "", done, emitted,
			       st->malformed, (double)elapsed / done, done * 1e9 / elapsed, rs.n,
			       ss.written, ss.dropped, proctable_count(pt));
		if (st->malformed) {
			fprintf(stderr, "replay: %" PRIu64 " records refused by the decoder\n",
				st->malformed);
			return 1;
		}
	}
	pipeline_free(p); /* and the sink */
#ifdef HAVE_POLICY
	policy_free(jc.pol);
#endif
	proctable_free(pt);
	for (size_t i = 0; i < rs.n; i++)
		free(rs.r[i].buf);
	return 0;
bad:
	fprintf(stderr, "replay: bad argument '%s'\n", optarg);
	usage(stderr);
	return 2;
}
