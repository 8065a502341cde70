// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The process table: a chained hash on pid with an LRU list for eviction.
 * exe and argv are reference-counted strings, so that a fork (the common
 * case) shares its parent's without copying; only exec and seeding allocate.
 * An exiting process stays in the table until the next update, so that the
 * exit event itself is still enriched and judged with its context.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "sg_limits.h"
#include "proctable.h"

struct rcstr {
	uint32_t refs;
	size_t len;
	char s[];
};

struct pnode {
	struct proc_entry pub;
	struct rcstr *exe;
	struct rcstr *argv;
	struct pnode *hnext;            /* hash chain */
	struct pnode *lru_prev, *lru_next;
};

/*
 * Pipes seen as fds 0-2 of exec'd images: which process reads (stdin) or
 * writes (stdout, stderr) pipe inode ino, most recent exec first, so that
 * an exec can name the process at the other end of its stdio (curl | sh).
 * Open addressing, a short probe, the oldest entry replaced when full.
 */
#define PIPE_PROBE 4

struct pipeslot {
	uint32_t ino;                   /* 0: free */
	uint32_t pid;
	uint8_t writer;                 /* 1: the process writes the pipe */
	uint64_t seq;                   /* when it was set: the oldest goes first */
};

struct proctable {
	struct pipeslot pipes[SG_PIPES_MAX];
	uint64_t pipe_seq;
	struct pnode **buckets;
	size_t nbuckets;                /* a power of two */
	size_t count;
	size_t max;
	struct pnode lru;               /* sentinel: lru.next is the most recent */
	uint32_t pending_exit;          /* removed at the next update */
	struct pnode *last;             /* the node the last update touched */
	uint64_t evictions;
};

static struct rcstr *rc_new(const char *s, size_t len)
{
	struct rcstr *r = malloc(sizeof(*r) + len + 1);

	if (!r)
		return NULL;
	r->refs = 1;
	r->len = len;
	memcpy(r->s, s, len);
	r->s[len] = '\0';
	return r;
}

static struct rcstr *rc_ref(struct rcstr *r)
{
	if (r)
		r->refs++;
	return r;
}

static void rc_unref(struct rcstr *r)
{
	if (r && --r->refs == 0)
		free(r);
}

static size_t hash_pid(uint32_t pid, size_t nbuckets)
{
	return (pid * 2654435761u) & (nbuckets - 1);
}

static void lru_unlink(struct pnode *n)
{
	n->lru_prev->lru_next = n->lru_next;
	n->lru_next->lru_prev = n->lru_prev;
}

static void lru_push(struct proctable *pt, struct pnode *n)
{
	n->lru_next = pt->lru.lru_next;
	n->lru_prev = &pt->lru;
	pt->lru.lru_next->lru_prev = n;
	pt->lru.lru_next = n;
}

static void set_exe(struct pnode *n, struct rcstr *exe)
{
	rc_unref(n->exe);
	n->exe = exe;
	n->pub.exe = exe ? exe->s : NULL;
}

static void set_argv(struct pnode *n, struct rcstr *argv, unsigned int argc)
{
	rc_unref(n->argv);
	n->argv = argv;
	n->pub.argv = argv ? argv->s : NULL;
	n->pub.argv_len = argv ? argv->len : 0;
	n->pub.argc = argv ? argc : 0;
}

struct proctable *proctable_new(size_t max_entries)
{
	struct proctable *pt = calloc(1, sizeof(*pt));

	if (!pt)
		return NULL;
	if (max_entries == 0)
		max_entries = SG_PROCTABLE_MAX;
	pt->max = max_entries;
	pt->nbuckets = 64;
	while (pt->nbuckets < max_entries)
		pt->nbuckets <<= 1;
	pt->buckets = calloc(pt->nbuckets, sizeof(*pt->buckets));
	if (!pt->buckets) {
		free(pt);
		return NULL;
	}
	pt->lru.lru_next = pt->lru.lru_prev = &pt->lru;
	return pt;
}

static struct pnode *find(const struct proctable *pt, uint32_t pid)
{
	struct pnode *n;

	for (n = pt->buckets[hash_pid(pid, pt->nbuckets)]; n; n = n->hnext)
		if (n->pub.pid == pid)
			return n;
	return NULL;
}

static void node_remove(struct proctable *pt, struct pnode *n)
{
	struct pnode **pp = &pt->buckets[hash_pid(n->pub.pid, pt->nbuckets)];

	while (*pp && *pp != n)
		pp = &(*pp)->hnext;
	if (*pp)
		*pp = n->hnext;
	lru_unlink(n);
	set_exe(n, NULL);
	set_argv(n, NULL, 0);
	if (pt->last == n)
		pt->last = NULL;
	free(n);
	pt->count--;
}

static struct pnode *node_add(struct proctable *pt, uint32_t pid)
{
	struct pnode *n;
	size_t b;

	if (pt->count >= pt->max) {
		node_remove(pt, pt->lru.lru_prev);
		pt->evictions++;
	}
	n = calloc(1, sizeof(*n));
	if (!n)
		return NULL;
	n->pub.pid = pid;
	b = hash_pid(pid, pt->nbuckets);
	n->hnext = pt->buckets[b];
	pt->buckets[b] = n;
	lru_push(pt, n);
	pt->count++;
	return n;
}

void proctable_free(struct proctable *pt)
{
	if (!pt)
		return;
	while (pt->lru.lru_next != &pt->lru)
		node_remove(pt, pt->lru.lru_next);
	free(pt->buckets);
	free(pt);
}

const struct proc_entry *proctable_get(const struct proctable *pt, uint32_t pid)
{
	struct pnode *n = find(pt, pid);

	return n ? &n->pub : NULL;
}

const struct proc_entry *proctable_parent(const struct proctable *pt, const struct proc_entry *e)
{
	if (!e || e->ppid == 0 || e->ppid == e->pid)
		return NULL;
	return proctable_get(pt, e->ppid);
}

size_t proctable_count(const struct proctable *pt)
{
	return pt->count;
}

uint64_t proctable_evictions(const struct proctable *pt)
{
	return pt->evictions;
}

static struct pnode *touch(struct proctable *pt, const struct sg_event *ev)
{
	struct pnode *n = find(pt, ev->proc.pid);

	if (!n) {
		n = node_add(pt, ev->proc.pid);
		if (!n)
			return NULL;
		n->pub.start_ns = ev->ts_ns;
	} else {
		lru_unlink(n);
		lru_push(pt, n);
	}
	if (ev->proc.ppid) /* 0: the hook could not tell (enforcement) */
		n->pub.ppid = ev->proc.ppid;
	n->pub.uid = ev->proc.uid;
	n->pub.gid = ev->proc.gid;
	memcpy(n->pub.comm, ev->proc.comm, sizeof(n->pub.comm));
	return n;
}

static struct pipeslot *pipe_slot(struct proctable *pt, uint32_t ino, bool writer, bool add)
{
	size_t h = ((ino * 2654435761u) ^ writer) & (SG_PIPES_MAX - 1);
	struct pipeslot *victim = NULL;

	for (size_t i = 0; i < PIPE_PROBE; i++) {
		struct pipeslot *s = &pt->pipes[(h + i) & (SG_PIPES_MAX - 1)];

		if (s->ino == ino && s->writer == writer)
			return s;
		if (!victim || (victim->ino && (!s->ino || s->seq < victim->seq)))
			victim = s;
	}
	return add ? victim : NULL;
}

static void pipe_note(struct proctable *pt, uint32_t ino, bool writer, uint32_t pid)
{
	struct pipeslot *s = pipe_slot(pt, ino, writer, true);

	s->ino = ino;
	s->writer = writer;
	s->pid = pid;
	s->seq = ++pt->pipe_seq;
}

/* The live process other than pid at the other end of pipe ino, or NULL. */
static const struct proc_entry *pipe_peer(struct proctable *pt, uint32_t ino, bool want_writer,
					  uint32_t pid)
{
	struct pipeslot *s = pipe_slot(pt, ino, want_writer, false);
	struct pnode *n;

	if (!s || s->pid == pid || !(n = find(pt, s->pid)))
		return NULL;
	return &n->pub;
}

void proctable_update(struct proctable *pt, const struct sg_event *ev)
{
	struct pnode *n, *child;

	if (pt->pending_exit) {
		n = find(pt, pt->pending_exit);
		pt->pending_exit = 0;
		if (n)
			node_remove(pt, n);
	}
	pt->last = NULL;
	if (ev->type >= SG_EV_KERNEL_MAX || ev->type == SG_EV_NONE)
		return;
	n = touch(pt, ev);
	pt->last = n;
	if (!n)
		return;
	switch (ev->type) {
	case SG_EV_FORK:
		child = find(pt, ev->fork.child_pid);
		if (!child) {
			child = node_add(pt, ev->fork.child_pid);
			if (!child)
				return;
			/* node_add may have evicted n if the table was full */
			n = pt->last = find(pt, ev->proc.pid);
			if (!n)
				return;
		} else {
			lru_unlink(child); /* a reused pid: the new process was just seen */
			lru_push(pt, child);
		}
		child->pub.ppid = n->pub.pid;
		child->pub.uid = n->pub.uid;
		child->pub.gid = n->pub.gid;
		child->pub.start_ns = ev->ts_ns;
		child->pub.seeded = false;
		memcpy(child->pub.comm, n->pub.comm, sizeof(child->pub.comm));
		set_exe(child, rc_ref(n->exe));
		set_argv(child, rc_ref(n->argv), n->pub.argc);
		break;
	case SG_EV_EXEC: {
		const char *exe = ev->proc.exe ? ev->proc.exe : ev->exec.filename;
		size_t alen = ev->exec.argv_len;

		if (ev->result != 0)
			break;
		if (exe && *exe)
			set_exe(n, rc_new(exe, strlen(exe)));
		if (alen > SG_ARGV_BYTES)
			alen = SG_ARGV_BYTES;
		set_argv(n, ev->exec.argv ? rc_new(ev->exec.argv, alen) : NULL, ev->exec.argc);
		break;
	}
	case SG_EV_EXIT:
		pt->pending_exit = n->pub.pid;
		break;
	}
	if (ev->type == SG_EV_EXEC && ev->result == 0 && ev->exec.has_stdio)
		for (int fd = 0; fd < 3; fd++)
			if (ev->exec.stdio[fd].kind == SG_FD_PIPE)
				pipe_note(pt, ev->exec.stdio[fd].ino, fd > 0, ev->proc.pid);
}

void proctable_enrich(struct proctable *pt, struct sg_event *ev)
{
	/* the update before found (or made) this process: no second lookup */
	struct pnode *n = pt->last && pt->last->pub.pid == ev->proc.pid ? pt->last :
			  find(pt, ev->proc.pid);

	ev->proc.entry = n ? &n->pub : NULL;
	if (!ev->proc.exe && n)
		ev->proc.exe = n->pub.exe;
	if (!ev->proc.ppid && n)
		ev->proc.ppid = n->pub.ppid;
	if (sg_evtype(ev->type) && sg_evtype(ev->type)->enrich)
		sg_evtype(ev->type)->enrich(pt, ev);
	/* an exec's pipes: who writes its stdin, who reads its stdout and stderr */
	if (ev->type == SG_EV_EXEC && ev->exec.has_stdio)
		for (int fd = 0; fd < 3; fd++)
			if (ev->exec.stdio[fd].kind == SG_FD_PIPE)
				ev->exec.stdio[fd].peer = pipe_peer(pt, ev->exec.stdio[fd].ino, fd == 0,
								    ev->proc.pid);
}

/* ---- seeding from /proc ---- */

static ssize_t read_file(int dirfd, const char *name, char *buf, size_t len)
{
	int fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC);
	ssize_t n, total = 0;

	if (fd < 0)
		return -errno;
	while ((size_t)total < len && (n = read(fd, buf + total, len - total)) > 0)
		total += n;
	close(fd);
	return total;
}

static int seed_one(struct proctable *pt, int procfd, const char *name, uint32_t pid)
{
	char buf[SG_ARGV_BYTES + 1], *p, *end;
	struct pnode *n;
	unsigned long ppid;
	ssize_t len;
	int dfd;

	dfd = openat(procfd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return -errno;
	len = read_file(dfd, "stat", buf, sizeof(buf) - 1);
	if (len <= 0)
		goto gone;
	buf[len] = '\0';
	/* pid (comm) state ppid ...: comm may hold spaces and ')' */
	p = strrchr(buf, ')');
	if (!p || p[1] != ' ' || !p[2] || p[3] != ' ')
		goto gone;
	errno = 0;
	ppid = strtoul(p + 4, &end, 10);
	if (errno || end == p + 4)
		goto gone;
	n = find(pt, pid);
	if (!n)
		n = node_add(pt, pid);
	if (!n) {
		close(dfd);
		return -ENOMEM;
	}
	n->pub.seeded = true;
	n->pub.ppid = ppid;
	{
		char *open_paren = strchr(buf, '(');
		size_t cl = open_paren ? (size_t)(p - open_paren - 1) : 0;

		if (cl > SG_COMM_LEN - 1)
			cl = SG_COMM_LEN - 1;
		memcpy(n->pub.comm, open_paren ? open_paren + 1 : "", cl);
		n->pub.comm[cl] = '\0';
	}
	len = read_file(dfd, "status", buf, sizeof(buf) - 1);
	if (len > 0) {
		buf[len] = '\0';
		p = strstr(buf, "\nUid:");
		if (p)
			n->pub.uid = strtoul(p + 5, NULL, 10);
		p = strstr(buf, "\nGid:");
		if (p)
			n->pub.gid = strtoul(p + 5, NULL, 10);
	}
	len = readlinkat(dfd, "exe", buf, sizeof(buf) - 1);
	if (len > 0) {
		buf[len] = '\0';
		set_exe(n, rc_new(buf, len));
	}
	len = read_file(dfd, "cmdline", buf, SG_ARGV_BYTES);
	if (len > 0) {
		unsigned int argc = 0;

		for (ssize_t i = 0; i < len; i++)
			if (buf[i] == '\0')
				argc++;
		if (buf[len - 1] != '\0') {
			buf[len++] = '\0';
			argc++;
		}
		set_argv(n, rc_new(buf, len), argc);
	}
	close(dfd);
	return 0;
gone:
	close(dfd);
	return -ESRCH;
}

int proctable_seed(struct proctable *pt, const char *procfs)
{
	struct dirent *de;
	int count = 0;
	int procfd;
	DIR *d;

	procfd = open(procfs, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (procfd < 0)
		return -errno;
	d = fdopendir(procfd);
	if (!d) {
		int e = errno;

		close(procfd);
		return -e;
	}
	while ((de = readdir(d))) {
		unsigned long pid;
		char *end;

		if (!isdigit((unsigned char)de->d_name[0]))
			continue;
		errno = 0;
		pid = strtoul(de->d_name, &end, 10);
		if (errno || *end || pid == 0 || pid > UINT32_MAX)
			continue;
		if (seed_one(pt, dirfd(d), de->d_name, pid) == 0)
			count++;
	}
	closedir(d);
	return count;
}
