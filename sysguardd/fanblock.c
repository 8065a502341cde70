// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * File enforcement with fanotify permission events (see fanblock.h).  The
 * thread owns reading the group's fd; the event loop owns the policy, the
 * process table and the marks.  They share only the request slots, under one
 * mutex: a slot is answered and closed by exactly one of them (the loop once
 * it has claimed it, the thread only while it is unclaimed).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/fanotify.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>
#include <linux/magic.h>
#include "event.h"
#include "fanblock.h"
#include "log.h"
#include "policy.h"
#include "proctable.h"

#ifndef FAN_REPORT_TID
#define FAN_REPORT_TID 0x00000100
#endif

#define DENIALS_MAX 64          /* denials waiting for the tracepoint's report of the call */
#define DENIAL_WAIT_NS 250000000ull  /* then the block is reported from what fanotify gave */
#define DENIAL_KEEP_NS 5000000000ull /* a late report of the call is still recognised */

struct fb_req {
	int fd;                 /* -1: free */
	uint32_t tid;
	uint64_t mask;
	uint64_t t_ns;
	bool claimed;           /* the loop is judging it */
};

struct fb_mark {
	dev_t dev;
	char path[PATH_MAX];    /* where the mark was put */
	uint64_t mask;
	unsigned int how;       /* FAN_MARK_FILESYSTEM or FAN_MARK_MOUNT */
	bool failed;
	char why[PATH_MAX + 128];
};

/* A denied call, until its event is reported. */
struct fb_denial {
	int state;              /* 0 free, 1 waiting for the tracepoint's event, 2 reported
				 * without it (the event, if it comes late, is suppressed) */
	uint64_t t_ns;          /* CLOCK_MONOTONIC of the answer */
	uint64_t ts_ns;         /* CLOCK_REALTIME of the answer */
	uint32_t tid, pid, ppid, uid, gid;
	int type, syscall;
	uint32_t flags;
	bool write;
	enum sg_severity severity;
	char comm[SG_COMM_LEN + 1];
	char rule[80];
	char path[PATH_MAX];
};

/* Path prefixes of the rules in force, per kind of request; the thread allows the rest. */
struct fb_prefixes {
	size_t n[2];            /* 0 exec, 1 open */
	char **v[2];
};

struct fanblock {
	int fan;
	int wake[2];            /* thread -> loop: requests wait */
	int stop;               /* loop -> thread (eventfd) */
	pthread_t thr;
	bool thr_started;
	pid_t self;
	char root[PATH_MAX];    /* the host's "/" here, without a final '/'; "" for our own */

	pthread_mutex_t lock;
	struct fb_req req[SG_FANBLOCK_QUEUE];
	struct fanblock_stats st;
	struct fb_prefixes *pfx; /* NULL: nothing to judge */
	uint64_t nignore;

	/* the loop only */
	struct fanblock_opts o;
	struct policy *policy;
	bool cache[SG_EV_KERNEL_MAX];
	struct fb_mark *marks;
	size_t nmarks;
	struct fb_denial den[DENIALS_MAX];
};

static void free_prefixes(struct fb_prefixes *x);

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

static void respond(int fan, int fd, uint32_t verdict)
{
	struct fanotify_response r = { .fd = fd, .response = verdict };

	if (write(fan, &r, sizeof(r)) < 0 && errno != ENOENT)
		sg_log(LOG_DEBUG, "fanotify: cannot answer: %s", strerror(errno));
}

/* A thread of this process (the tid is only in /proc/self/task then). */
static bool is_own(const struct fanblock *f, uint32_t tid)
{
	char p[64];

	if ((pid_t)tid == f->self)
		return true;
	snprintf(p, sizeof(p), "/proc/self/task/%u", tid);
	return access(p, F_OK) == 0;
}

/*
 * Allowed, and the verdict depends only on the file: do not ask again until
 * it changes (an ignore mark without FAN_MARK_IGNORED_SURV_MODIFY is dropped
 * on the first modification).  Under f->lock, so that a policy change, which
 * forgets them all, cannot cross it.
 */
static void remember_allowed_locked(struct fanblock *f, int fd, uint64_t mask)
{
	if (f->nignore >= SG_FANBLOCK_IGNORE_MAX) {
		/* inode marks are only these: forget them all and start again */
		fanotify_mark(f->fan, FAN_MARK_FLUSH, 0, AT_FDCWD, NULL);
		f->nignore = 0;
	}
	if (fanotify_mark(f->fan, FAN_MARK_ADD | FAN_MARK_IGNORED_MASK, mask, fd, NULL) == 0) {
		f->nignore++;
		f->st.remembered++;
	}
}

/* Whether no rule in force names a prefix of the file behind fd (thread, under f->lock). */
static bool outside_rules_locked(const struct fanblock *f, int fd, bool exec)
{
	char link[64], path[PATH_MAX];
	ssize_t n;
	int k = exec ? 0 : 1;

	if (!f->pfx)
		return true;
	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	n = readlink(link, path, sizeof(path) - 1);
	if (n <= 0)
		return false;
	path[n] = '\0';
	for (size_t i = 0; i < f->pfx->n[k]; i++)
		if (strncmp(path, f->pfx->v[k][i], strlen(f->pfx->v[k][i])) == 0)
			return false;
	return true;
}

static void thread_read(struct fanblock *f)
{
	char buf[4096] __attribute__((aligned(__alignof__(struct fanotify_event_metadata))));
	bool notify = false;

	for (;;) {
		const struct fanotify_event_metadata *m = (const void *)buf;
		ssize_t n = read(f->fan, buf, sizeof(buf));

		if (n <= 0)
			break;
		for (; FAN_EVENT_OK(m, n); m = FAN_EVENT_NEXT(m, n)) {
			bool exec = m->mask & FAN_OPEN_EXEC_PERM;
			size_t i;

			if (m->vers != FANOTIFY_METADATA_VERSION || m->fd < 0)
				continue;
			if (is_own(f, (uint32_t)m->pid)) {
				respond(f->fan, m->fd, FAN_ALLOW);
				close(m->fd);
				pthread_mutex_lock(&f->lock);
				f->st.asked++;
				f->st.own++;
				pthread_mutex_unlock(&f->lock);
				continue;
			}
			pthread_mutex_lock(&f->lock);
			f->st.asked++;
			if (outside_rules_locked(f, m->fd, exec)) {
				/* no rule can match this path: allowed, and remembered */
				remember_allowed_locked(f, m->fd, exec ? FAN_OPEN_EXEC_PERM
								       : FAN_OPEN_PERM);
				f->st.allowed++;
				pthread_mutex_unlock(&f->lock);
				respond(f->fan, m->fd, FAN_ALLOW);
				close(m->fd);
				continue;
			}
			for (i = 0; i < SG_FANBLOCK_QUEUE && f->req[i].fd >= 0; i++)
				;
			if (i == SG_FANBLOCK_QUEUE) {
				f->st.overflow++;
				pthread_mutex_unlock(&f->lock);
				respond(f->fan, m->fd, FAN_ALLOW);
				close(m->fd);
				continue;
			}
			f->req[i] = (struct fb_req){ .fd = m->fd, .tid = (uint32_t)m->pid,
						     .mask = m->mask, .t_ns = mono_ns() };
			pthread_mutex_unlock(&f->lock);
			notify = true;
		}
	}
	if (notify && write(f->wake[1], "x", 1) < 0 && errno != EAGAIN)
		sg_log(LOG_DEBUG, "fanotify: cannot wake the loop: %s", strerror(errno));
}

/* Allow what the loop has not taken in time. */
static void thread_expire(struct fanblock *f)
{
	uint64_t now = mono_ns();

	pthread_mutex_lock(&f->lock);
	for (size_t i = 0; i < SG_FANBLOCK_QUEUE; i++) {
		struct fb_req *r = &f->req[i];

		if (r->fd < 0 || r->claimed || now - r->t_ns < SG_FANBLOCK_ANSWER_MS * 1000000ull)
			continue;
		respond(f->fan, r->fd, FAN_ALLOW);
		close(r->fd);
		r->fd = -1;
		f->st.late++;
	}
	pthread_mutex_unlock(&f->lock);
}

static void *thread_main(void *arg)
{
	struct fanblock *f = arg;

	for (;;) {
		struct pollfd pf[2] = { { .fd = f->fan, .events = POLLIN },
					{ .fd = f->stop, .events = POLLIN } };

		if (poll(pf, 2, 100) < 0 && errno != EINTR)
			break;
		if (pf[1].revents)
			break;
		if (pf[0].revents & POLLIN)
			thread_read(f);
		thread_expire(f);
	}
	return NULL;
}

/* "Key:\t123" of /proc/TID/status. */
static int status_fields(uint32_t tid, uint32_t *tgid, uint32_t *ppid, uint32_t *uid,
			 uint32_t *gid)
{
	char p[64], line[256];
	FILE *fp;
	int got = 0;

	snprintf(p, sizeof(p), "/proc/%u/status", tid);
	fp = fopen(p, "re");
	if (!fp)
		return -errno;
	while (fgets(line, sizeof(line), fp)) {
		unsigned long v;

		if (sscanf(line, "Tgid: %lu", &v) == 1)
			*tgid = (uint32_t)v, got |= 1;
		else if (sscanf(line, "PPid: %lu", &v) == 1)
			*ppid = (uint32_t)v, got |= 2;
		else if (sscanf(line, "Uid: %*u %lu", &v) == 1)
			*uid = (uint32_t)v, got |= 4;
		else if (sscanf(line, "Gid: %*u %lu", &v) == 1)
			*gid = (uint32_t)v, got |= 8;
	}
	fclose(fp);
	return got == 15 ? 0 : -ESRCH;
}

/*
 * The call the thread waits in, from /proc/TID/syscall: its number and the
 * open flags it passed.  Returns the SG_SC_* of an open or exec, or
 * SG_SC_NONE (the open comes from elsewhere: io_uring, the kernel).
 */
static int waiting_call(uint32_t tid, uint32_t *flags)
{
	char p[64], line[512];
	unsigned long long a[6] = { 0 };
	long nr;
	int fd, n;

	*flags = O_RDONLY;
	snprintf(p, sizeof(p), "/proc/%u/syscall", tid);
	fd = open(p, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return SG_SC_NONE;
	n = (int)read(fd, line, sizeof(line) - 1);
	close(fd);
	if (n <= 0)
		return SG_SC_NONE;
	line[n] = '\0';
	if (sscanf(line, "%ld %llx %llx %llx %llx %llx %llx", &nr, &a[0], &a[1], &a[2], &a[3],
		   &a[4], &a[5]) < 4)
		return SG_SC_NONE;
#ifdef SYS_open
	if (nr == SYS_open) {
		*flags = (uint32_t)a[1];
		return SG_SC_OPEN;
	}
#endif
#ifdef SYS_creat
	if (nr == SYS_creat) {
		*flags = O_WRONLY | O_CREAT | O_TRUNC;
		return SG_SC_CREAT;
	}
#endif
	if (nr == SYS_openat) {
		*flags = (uint32_t)a[2];
		return SG_SC_OPENAT;
	}
#ifdef SYS_openat2
	if (nr == SYS_openat2) {
		uint64_t how = 0;
		struct iovec local = { &how, sizeof(how) }, remote = { (void *)(uintptr_t)a[2],
								       sizeof(how) };

		if (process_vm_readv((pid_t)tid, &local, 1, &remote, 1, 0) == sizeof(how))
			*flags = (uint32_t)how;
		return SG_SC_OPENAT2;
	}
#endif
	if (nr == SYS_execve)
		return SG_SC_EXECVE;
	if (nr == SYS_execveat)
		return SG_SC_EXECVEAT;
	return SG_SC_NONE;
}

/* The event of a denial: what fanotify and /proc told, for when the tracepoint's is missing. */
static void denial_event(const struct fb_denial *dn, struct sg_event *ev)
{
	memset(ev, 0, sizeof(*ev));
	ev->type = dn->type;
	ev->syscall = dn->syscall;
	ev->ts_ns = dn->ts_ns;
	ev->proc.pid = dn->pid;
	ev->proc.tid = dn->tid;
	ev->proc.ppid = dn->ppid;
	ev->proc.uid = dn->uid;
	ev->proc.gid = dn->gid;
	memcpy(ev->proc.comm, dn->comm, sizeof(ev->proc.comm));
	ev->has_result = true;
	ev->result = -EPERM;
	if (dn->type == SG_EV_EXEC) {
		ev->exec.filename = dn->path;
	} else {
		ev->file.path = dn->path;
		ev->file.path_resolved = true;
		ev->file.flags = dn->flags;
		ev->file.write = dn->write;
	}
}

static void denial_verdict(const struct fb_denial *dn, struct sg_event *ev)
{
	ev->verdict = (struct sg_verdict){ .action = SG_ACT_BLOCK, .severity = dn->severity,
					   .rule_id = dn->rule, .enforced = true,
					   .mechanism = "fanotify", .repeat = 1 };
}

/* A slot for a new denial: a free one, else the oldest already reported; NULL when all wait. */
static struct fb_denial *new_denial(struct fanblock *f)
{
	struct fb_denial *oldest = NULL;

	for (size_t i = 0; i < DENIALS_MAX; i++) {
		if (f->den[i].state == 0)
			return &f->den[i];
		if (f->den[i].state == 2 && (!oldest || f->den[i].t_ns < oldest->t_ns))
			oldest = &f->den[i];
	}
	if (oldest)
		oldest->state = 0; /* forgotten: a report of its call coming now is not suppressed */
	return oldest;
}

bool fanblock_report(struct fanblock *f, bool force, struct sg_event *ev)
{
	uint64_t now = mono_ns();

	if (!f)
		return false;
	for (size_t i = 0; i < DENIALS_MAX; i++) {
		struct fb_denial *dn = &f->den[i];

		if (dn->state == 2 && now - dn->t_ns >= DENIAL_KEEP_NS)
			dn->state = 0;
		if (dn->state != 1 || (!force && now - dn->t_ns < DENIAL_WAIT_NS))
			continue;
		denial_event(dn, ev);
		proctable_enrich(f->o.pt, ev);
		denial_verdict(dn, ev);
		dn->state = 2;
		return true;
	}
	return false;
}

bool fanblock_waiting(const struct fanblock *f)
{
	for (size_t i = 0; f && i < DENIALS_MAX; i++)
		if (f->den[i].state == 1)
			return true;
	return false;
}

bool fanblock_claim(struct fanblock *f, struct sg_event *ev)
{
	struct fb_denial *best = NULL;
	uint64_t now;

	/*
	 * The failed call's exit; or, with opens taken from the LSM hook, the
	 * open itself, reported before fanotify asked (no result: it fails now)
	 */
	bool hook = ev->type == SG_EV_OPEN && (ev->kflags & SG_F_HOOK) && !ev->has_result;

	if (!f || (ev->type != SG_EV_EXEC && ev->type != SG_EV_OPEN) ||
	    (!hook && (!ev->has_result || ev->result != -EPERM)))
		return false;
	now = mono_ns();
	/* the oldest denial of this thread still waiting; else one reported without it */
	for (size_t i = 0; i < DENIALS_MAX; i++) {
		struct fb_denial *dn = &f->den[i];

		if (!dn->state || dn->tid != ev->proc.tid || dn->type != ev->type ||
		    now - dn->t_ns >= DENIAL_KEEP_NS)
			continue;
		/* an open let through: only the denial of this very file (both paths resolved) */
		if (hook && (!ev->file.path || strcmp(dn->path, ev->file.path) != 0))
			continue;
		if (!best || (dn->state == 1 && best->state != 1) ||
		    (dn->state == best->state && dn->t_ns < best->t_ns))
			best = dn;
	}
	if (!best)
		return false;
	if (hook) {
		ev->has_result = true;
		ev->result = -EPERM;
	}
	if (best->state == 1) {
		/* rule_id points into the slot: free, it is not reused before the emit */
		denial_verdict(best, ev);
	} else {
		ev->verdict.action = SG_ACT_ALLOW; /* reported already */
	}
	best->state = 0;
	return true;
}

/* Judge one request on the loop: FAN_ALLOW or FAN_DENY. */
static uint32_t judge(struct fanblock *f, const struct fb_req *r)
{
	char link[64], path[PATH_MAX];
	bool exec = r->mask & FAN_OPEN_EXEC_PERM;
	uint32_t flags = O_RDONLY;
	struct sg_event ev;
	const struct proc_entry *pe;
	ssize_t n;
	int sc;

	if (!f->policy)
		return FAN_ALLOW;
	snprintf(link, sizeof(link), "/proc/self/fd/%d", r->fd);
	n = readlink(link, path, sizeof(path) - 1);
	if (n <= 0)
		return FAN_ALLOW;
	path[n] = '\0';
	memset(&ev, 0, sizeof(ev));
	ev.proc.tid = r->tid;
	if (status_fields(r->tid, &ev.proc.pid, &ev.proc.ppid, &ev.proc.uid, &ev.proc.gid) < 0)
		return FAN_ALLOW; /* gone: nobody waits */
	sc = waiting_call(r->tid, &flags);
	if (exec) {
		ev.type = SG_EV_EXEC;
		ev.syscall = sc == SG_SC_EXECVEAT ? SG_SC_EXECVEAT : SG_SC_EXECVE;
		ev.exec.filename = path;
	} else {
		/* the open an exec makes is judged as the exec */
		if (sc == SG_SC_EXECVE || sc == SG_SC_EXECVEAT)
			return FAN_ALLOW;
		ev.type = SG_EV_OPEN;
		ev.syscall = sc;
		ev.file.path = path;
		ev.file.path_resolved = true;
		ev.file.flags = flags;
		ev.file.write = (flags & O_ACCMODE) != O_RDONLY || (flags & (O_CREAT | O_TRUNC));
	}
	pe = proctable_get(f->o.pt, ev.proc.pid);
	if (pe) {
		memcpy(ev.proc.comm, pe->comm, sizeof(ev.proc.comm));
	} else {
		char p[64];
		int fd;

		snprintf(p, sizeof(p), "/proc/%u/comm", r->tid);
		fd = open(p, O_RDONLY | O_CLOEXEC);
		if (fd >= 0) {
			ssize_t k = read(fd, ev.proc.comm, sizeof(ev.proc.comm) - 1);

			if (k > 0 && ev.proc.comm[k - 1] == '\n')
				ev.proc.comm[k - 1] = '\0';
			close(fd);
		}
	}
	proctable_enrich(f->o.pt, &ev);
	if (exec) {
		/* as the tracepoints report an exec: the program's exe and comm */
		const char *base = strrchr(path, '/');

		ev.proc.exe = path;
		base = base ? base + 1 : path;
		memset(ev.proc.comm, 0, sizeof(ev.proc.comm));
		memcpy(ev.proc.comm, base, strnlen(base, sizeof(ev.proc.comm) - 1));
	}
	policy_eval_probe(f->policy, &ev, f->o.pt);
	if (ev.verdict.action == SG_ACT_BLOCK && ev.verdict.enforced && ev.verdict.mechanism &&
	    strcmp(ev.verdict.mechanism, "fanotify") == 0) {
		struct fb_denial *dn = new_denial(f);
		struct timespec ts;

		if (!dn)
			return FAN_ALLOW; /* not reached: fanblock_answer() judges only with room */
		clock_gettime(CLOCK_REALTIME, &ts);
		*dn = (struct fb_denial){
			.state = 1, .t_ns = mono_ns(),
			.ts_ns = (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec,
			.tid = ev.proc.tid, .pid = ev.proc.pid, .ppid = ev.proc.ppid,
			.uid = ev.proc.uid, .gid = ev.proc.gid, .type = ev.type,
			.syscall = ev.syscall, .flags = ev.file.flags,
			.write = ev.type == SG_EV_OPEN && ev.file.write,
			.severity = ev.verdict.severity,
		};
		memcpy(dn->comm, ev.proc.comm, sizeof(dn->comm));
		snprintf(dn->rule, sizeof(dn->rule), "%s", ev.verdict.rule_id);
		snprintf(dn->path, sizeof(dn->path), "%s", path);
		return FAN_DENY;
	}
	if (ev.verdict.action != SG_ACT_BLOCK && f->cache[ev.type]) {
		pthread_mutex_lock(&f->lock);
		remember_allowed_locked(f, r->fd, exec ? FAN_OPEN_EXEC_PERM : FAN_OPEN_PERM);
		pthread_mutex_unlock(&f->lock);
	}
	return FAN_ALLOW;
}

/* Whether a denial can be recorded now: a slot is free or holds one reported already. */
static bool denial_room(const struct fanblock *f)
{
	for (size_t i = 0; i < DENIALS_MAX; i++)
		if (f->den[i].state != 1)
			return true;
	return false;
}

int fanblock_wake_fd(const struct fanblock *f)
{
	return f->wake[0];
}

bool fanblock_answer(struct fanblock *f)
{
	char buf[64];
	size_t take[64];

	while (read(f->wake[0], buf, sizeof(buf)) > 0)
		;
	for (;;) {
		size_t n = 0;

		if (!denial_room(f))
			return true; /* the caller reports the waiting denials and calls again */
		pthread_mutex_lock(&f->lock);
		for (size_t i = 0; i < SG_FANBLOCK_QUEUE && n < 64; i++)
			if (f->req[i].fd >= 0 && !f->req[i].claimed) {
				f->req[i].claimed = true;
				take[n++] = i;
			}
		pthread_mutex_unlock(&f->lock);
		if (!n)
			return false;
		for (size_t k = 0; k < n; k++) {
			struct fb_req *r = &f->req[take[k]];
			uint32_t v = FAN_ALLOW;
			bool judged = denial_room(f);

			/* no room: the rest go back to the queue, judged on the next call */
			if (judged) {
				v = judge(f, r);
				respond(f->fan, r->fd, v);
				close(r->fd);
			}
			pthread_mutex_lock(&f->lock);
			if (judged) {
				if (v == FAN_DENY)
					f->st.denied++;
				else
					f->st.allowed++;
				r->fd = -1;
			}
			r->claimed = false;
			pthread_mutex_unlock(&f->lock);
		}
	}
}

struct fanblock *fanblock_new(const struct fanblock_opts *o, char *err, size_t errlen)
{
	struct fanblock *f = calloc(1, sizeof(*f));
	const char *root = o->root ? o->root : "";
	int e;

	if (!f) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	f->o = *o;
	f->self = getpid();
	f->wake[0] = f->wake[1] = f->stop = -1;
	pthread_mutex_init(&f->lock, NULL);
	for (size_t i = 0; i < SG_FANBLOCK_QUEUE; i++)
		f->req[i].fd = -1;
	f->fan = -1;
	if (strlen(root) >= sizeof(f->root)) {
		e = ENAMETOOLONG;
		snprintf(err, errlen, "host_root '%s': %s", root, strerror(e));
		goto fail;
	}
	strcpy(f->root, root);
	for (size_t n = strlen(f->root); n && f->root[n - 1] == '/'; n--)
		f->root[n - 1] = '\0';
	if (*f->root)
		sg_log(LOG_INFO, "file enforcement: the filesystems of block rules' paths are "
		       "looked up under host_root '%s'", f->root);
	f->fan = fanotify_init(FAN_CLASS_CONTENT | FAN_CLOEXEC | FAN_NONBLOCK | FAN_REPORT_TID,
			       O_RDONLY | O_CLOEXEC | O_LARGEFILE | O_NOATIME);
	if (f->fan < 0 && errno == EINVAL) /* FAN_REPORT_TID unknown: before Linux 4.20 */
		f->fan = fanotify_init(FAN_CLASS_CONTENT | FAN_CLOEXEC | FAN_NONBLOCK,
				       O_RDONLY | O_CLOEXEC | O_LARGEFILE | O_NOATIME);
	if (f->fan < 0) {
		e = errno;
		snprintf(err, errlen, "fanotify_init: %s", strerror(e));
		goto fail;
	}
	if (pipe2(f->wake, O_CLOEXEC | O_NONBLOCK) < 0 ||
	    (f->stop = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) < 0) {
		e = errno;
		snprintf(err, errlen, "pipe: %s", strerror(e));
		goto fail;
	}
	e = pthread_create(&f->thr, NULL, thread_main, f);
	if (e) {
		snprintf(err, errlen, "cannot start a thread: %s", strerror(e));
		goto fail;
	}
	f->thr_started = true;
	return f;
fail:
	fanblock_free(f);
	errno = e;
	return NULL;
}

void fanblock_free(struct fanblock *f)
{
	uint64_t one = 1;

	if (!f)
		return;
	if (f->thr_started) {
		if (write(f->stop, &one, sizeof(one)) < 0)
			sg_log(LOG_DEBUG, "fanotify: cannot stop the thread: %s", strerror(errno));
		pthread_join(f->thr, NULL);
	}
	for (size_t i = 0; i < SG_FANBLOCK_QUEUE; i++)
		if (f->req[i].fd >= 0) {
			respond(f->fan, f->req[i].fd, FAN_ALLOW);
			close(f->req[i].fd);
		}
	free_prefixes(f->pfx);
	/* closing the group allows whatever still waits */
	if (f->fan >= 0)
		close(f->fan);
	if (f->wake[0] >= 0)
		close(f->wake[0]);
	if (f->wake[1] >= 0)
		close(f->wake[1]);
	if (f->stop >= 0)
		close(f->stop);
	pthread_mutex_destroy(&f->lock);
	free(f->marks);
	free(f);
}

static void free_prefixes(struct fb_prefixes *x)
{
	if (!x)
		return;
	for (int k = 0; k < 2; k++) {
		for (size_t i = 0; i < x->n[k]; i++)
			free(x->v[k][i]);
		free(x->v[k]);
	}
	free(x);
}

static int add_prefix(void *arg, const struct policy_file_block *b)
{
	struct fb_prefixes *x = arg;

	for (int k = 0; k < 2; k++) {
		char **v;

		if (!(k == 0 ? b->exec : b->open))
			continue;
		v = realloc(x->v[k], (x->n[k] + 1) * sizeof(*v));
		if (!v)
			return -ENOMEM;
		x->v[k] = v;
		v[x->n[k]] = strdup(b->path);
		if (!v[x->n[k]])
			return -ENOMEM;
		x->n[k]++;
	}
	return 0;
}

/*
 * The filesystem to mark for path: that of its deepest existing ancestor,
 * looked up under root (the host's "/" mounted in the daemon's container, or
 * ""), into dir.  The paths the rules name and those the daemon judges are
 * the host's (the kernel's, and what /proc/self/fd says of a file another
 * mount namespace opened); only the marks need the host's tree.  Policy paths
 * are canonical: an absolute symbolic link on the way would resolve in this
 * process's root.
 */
static int mark_target(const char *root, const char *path, char *dir, size_t len,
		       struct stat *st)
{
	size_t rl = strlen(root);

	if ((size_t)snprintf(dir, len, "%s%s", root, path) >= len)
		return -ENAMETOOLONG;
	for (;;) {
		char *slash;

		if (stat(dir, st) == 0)
			return 0;
		slash = strrchr(dir + rl, '/');
		if (!slash)
			return -ENOENT;
		if (slash == dir + rl) {
			dir[rl + 1] = '\0';
			return stat(dir, st) == 0 ? 0 : -errno;
		}
		*slash = '\0';
	}
}

struct fb_build {
	const char *root;
	struct fb_mark *marks;
	size_t n;
	struct policy *p;
	int err;
};

static int collect_mark(void *arg, const struct policy_file_block *b)
{
	struct fb_build *bd = arg;
	uint64_t mask = (b->exec ? FAN_OPEN_EXEC_PERM : 0) | (b->open ? FAN_OPEN_PERM : 0);
	char dir[PATH_MAX];
	struct statfs sfs;
	struct stat st;
	size_t i;

	if (!b->named)
		sg_log(LOG_WARNING, "file block rule '%s' names no path: watching the root "
		       "filesystem", b->id);
	if (mark_target(bd->root, b->path, dir, sizeof(dir), &st) < 0) {
		policy_rule_set_enforcer(bd->p, b->rule, NULL, "no part of its path exists");
		return 0;
	}
	if (statfs(dir, &sfs) == 0 &&
	    (sfs.f_type == PROC_SUPER_MAGIC || sfs.f_type == SYSFS_MAGIC ||
	     sfs.f_type == CGROUP2_SUPER_MAGIC || sfs.f_type == DEBUGFS_MAGIC)) {
		policy_rule_set_enforcer(bd->p, b->rule, NULL,
					 "fanotify cannot watch a pseudo filesystem (/proc, /sys)");
		return 0;
	}
	for (i = 0; i < bd->n; i++)
		if (bd->marks[i].dev == st.st_dev)
			break;
	if (i == bd->n) {
		if (bd->n == SG_FANBLOCK_MARKS_MAX) {
			policy_rule_set_enforcer(bd->p, b->rule, NULL, "too many filesystems");
			return 0;
		}
		memset(&bd->marks[i], 0, sizeof(bd->marks[i]));
		bd->marks[i].dev = st.st_dev;
		snprintf(bd->marks[i].path, sizeof(bd->marks[i].path), "%s", dir);
		bd->n++;
	}
	bd->marks[i].mask |= mask;
	return 0;
}

struct fb_rules {
	struct fb_build *bd;
};

/* A rule is in force when every filesystem it needs was marked. */
static int settle_rule(void *arg, const struct policy_file_block *b)
{
	struct fb_rules *fr = arg;
	char dir[PATH_MAX];
	struct stat st;

	if (mark_target(fr->bd->root, b->path, dir, sizeof(dir), &st) < 0)
		return 0;
	for (size_t i = 0; i < fr->bd->n; i++)
		if (fr->bd->marks[i].dev == st.st_dev && fr->bd->marks[i].failed)
			policy_rule_set_enforcer(fr->bd->p, b->rule, NULL, fr->bd->marks[i].why);
	return 0;
}

int fanblock_set_policy(struct fanblock *f, struct policy *p)
{
	struct fb_build bd = { .root = f->root, .p = p };
	struct fb_rules fr = { .bd = &bd };
	struct fb_prefixes *pfx;
	struct policy_rule_info ri;
	int n = 0;

	bd.marks = calloc(SG_FANBLOCK_MARKS_MAX, sizeof(*bd.marks));
	pfx = p ? calloc(1, sizeof(*pfx)) : NULL;
	if (!bd.marks || (p && !pfx) || (p && policy_file_blocks(p, add_prefix, pfx) < 0)) {
		free(bd.marks);
		free_prefixes(pfx);
		return -ENOMEM;
	}
	if (p) {
		/* every file-blockable rule is in force unless a step below says otherwise */
		for (size_t i = 0; i < policy_rule_count(p); i++)
			if (policy_rule_info(p, i, &ri) == 0 && ri.plan &&
			    strcmp(ri.plan, "fanotify") == 0)
				policy_rule_set_enforcer(p, i, "fanotify", NULL);
		policy_file_blocks(p, collect_mark, &bd);
	}
	/* new marks first: no window without them */
	for (size_t i = 0; i < bd.n; i++) {
		struct fb_mark *m = &bd.marks[i];

		m->how = FAN_MARK_FILESYSTEM;
		if (fanotify_mark(f->fan, FAN_MARK_ADD | FAN_MARK_FILESYSTEM, m->mask, AT_FDCWD,
				  m->path) < 0) {
			/*
			 * Under host_root a mount mark would watch this container's copy
			 * of the mount, which the host's processes do not go through.
			 */
			int e = errno;

			m->how = FAN_MARK_MOUNT;
			if (*f->root) {
				m->failed = true;
				snprintf(m->why, sizeof(m->why), "fanotify_mark '%s': %s (a mount "
					 "mark would miss the host's accesses)", m->path,
					 strerror(e));
				sg_log(LOG_WARNING, "file enforcement: %s", m->why);
			} else if (fanotify_mark(f->fan, FAN_MARK_ADD | FAN_MARK_MOUNT, m->mask,
						 AT_FDCWD, m->path) < 0) {
				m->failed = true;
				snprintf(m->why, sizeof(m->why), "fanotify_mark '%s': %s", m->path,
					 strerror(errno));
				sg_log(LOG_WARNING, "file enforcement: %s", m->why);
			}
		}
	}
	/* then the old ones, or the bits of them, no longer needed */
	for (size_t i = 0; i < f->nmarks; i++) {
		struct fb_mark *o = &f->marks[i];
		uint64_t keep = 0;

		if (o->failed)
			continue;
		for (size_t j = 0; j < bd.n; j++)
			if (bd.marks[j].dev == o->dev && !bd.marks[j].failed &&
			    bd.marks[j].how == o->how)
				keep = bd.marks[j].mask;
		if (o->mask & ~keep)
			fanotify_mark(f->fan, FAN_MARK_REMOVE | o->how, o->mask & ~keep, AT_FDCWD,
				      o->path);
	}
	/* what was allowed under the old policy is asked again */
	pthread_mutex_lock(&f->lock);
	free_prefixes(f->pfx);
	f->pfx = pfx;
	fanotify_mark(f->fan, FAN_MARK_FLUSH, 0, AT_FDCWD, NULL);
	f->nignore = 0;
	pthread_mutex_unlock(&f->lock);
	if (p) {
		policy_file_blocks(p, settle_rule, &fr);
		for (size_t i = 0; i < policy_rule_count(p); i++)
			if (policy_rule_info(p, i, &ri) == 0 && ri.mechanism &&
			    strcmp(ri.mechanism, "fanotify") == 0)
				n++;
		f->cache[SG_EV_EXEC] = policy_file_cacheable(p, SG_EV_EXEC);
		f->cache[SG_EV_OPEN] = policy_file_cacheable(p, SG_EV_OPEN);
	}
	free(f->marks);
	f->marks = bd.marks;
	f->nmarks = bd.n;
	f->policy = p;
	pthread_mutex_lock(&f->lock);
	f->st.marks = 0;
	for (size_t i = 0; i < bd.n; i++)
		f->st.marks += !bd.marks[i].failed;
	pthread_mutex_unlock(&f->lock);
	return n;
}

void fanblock_stats(struct fanblock *f, struct fanblock_stats *ret)
{
	pthread_mutex_lock(&f->lock);
	*ret = f->st;
	pthread_mutex_unlock(&f->lock);
}
