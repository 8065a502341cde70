/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * File enforcement with fanotify permission events: block rules on exec,
 * open and write (policy_file_blocks) become FAN_OPEN_EXEC_PERM and
 * FAN_OPEN_PERM marks on the filesystems holding the paths they name.  A
 * small thread reads the fanotify fd and answers the daemon's own accesses
 * at once (the daemon may open a file on a marked filesystem while the loop
 * is busy); every other request waits for the event loop (fanblock_wake_fd()
 * becomes readable), which judges it with the policy on a synthesized exec or
 * open event and answers FAN_DENY (the caller gets EPERM) or FAN_ALLOW
 * (fanblock_answer()).  Requests for files no rule in force names
 * a prefix of are allowed by the thread and the file remembered (an ignore
 * mark, dropped when the file is modified or the policy changes).  A request the loop has not taken within
 * SG_FANBLOCK_ANSWER_MS is allowed by the thread and counted.  When the daemon
 * dies, the kernel destroys the group and allows whatever waits: fail open.
 */
#ifndef SG_FANBLOCK_H
#define SG_FANBLOCK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SG_FANBLOCK_QUEUE      1024  /* requests waiting for the loop */
#define SG_FANBLOCK_ANSWER_MS  1000  /* then the thread allows */
#define SG_FANBLOCK_IGNORE_MAX 8192  /* allowed files remembered (ignore marks) */
#define SG_FANBLOCK_MARKS_MAX  64    /* filesystems marked */

struct proctable;
struct policy;
struct sg_event;

struct fanblock_opts {
	struct proctable *pt;       /* who waits: the process table, kept up to date by the caller */
	const char *root;           /* the host's "/" as mounted here (a daemon in a container);
				     * NULL or "": this process's own root */
};

struct fanblock_stats {
	uint64_t asked;        /* permission requests read */
	uint64_t denied;
	uint64_t allowed;      /* judged and allowed */
	uint64_t own;          /* the daemon's own accesses, allowed unjudged */
	uint64_t late;         /* allowed unjudged: not taken within SG_FANBLOCK_ANSWER_MS */
	uint64_t overflow;     /* allowed unjudged: the queue was full */
	uint64_t remembered;   /* ignore marks set on allowed files */
	size_t marks;          /* filesystems marked */
};

struct fanblock;

/* fanotify_init and the thread; NULL with errno and the reason in err. */
struct fanblock *fanblock_new(const struct fanblock_opts *o, char *err, size_t errlen);
void fanblock_free(struct fanblock *f);

/*
 * Put the file block rules of p in force (p NULL: none): marks added first,
 * then the ones no longer needed removed, remembered files forgotten.  Every
 * rule it carries out is recorded with policy_rule_set_enforcer(p, i,
 * "fanotify"), the others with the reason.  p must outlive its use (until the
 * next call or fanblock_free).  Returns the number of rules in force.
 */
int fanblock_set_policy(struct fanblock *f, struct policy *p);

/*
 * Readable when requests wait for the loop.  Then, after reading the ring
 * buffer (so that the process table knows the callers, and reports of calls
 * already refused can claim their denials), call fanblock_answer(): it judges
 * and answers the requests, and returns true when it stopped because every
 * denial slot waits for its call's report: report them (fanblock_report()
 * with force) and call it again.
 */
int fanblock_wake_fd(const struct fanblock *f);
bool fanblock_answer(struct fanblock *f);

/*
 * The next denial to report on its own, into ev (strings point into f, valid
 * until the next call into f): one whose call's report has not come within
 * 250 ms (lost, filtered), or with force any still waiting.  The event is
 * judged already (action block, enforced, mechanism "fanotify").  Returns
 * false when there is none.
 */
bool fanblock_report(struct fanblock *f, bool force, struct sg_event *ev);
/* Whether denials wait for their call's report (fanblock_report() will have some). */
bool fanblock_waiting(const struct fanblock *f);

/*
 * One block, one event: the tracepoints report the call that fanotify made
 * fail (result -EPERM) with everything they captured (argv, cwd, the path as
 * given).  If ev is that report, its verdict becomes the block (rule,
 * enforced, mechanism "fanotify") and true is returned.  A denial whose report
 * has not come within 250 ms (lost, filtered) is reported from what fanotify
 * told (fanblock_report()), and a report that comes later still is then
 * suppressed (action allow, true returned).
 */
bool fanblock_claim(struct fanblock *f, struct sg_event *ev);

void fanblock_stats(struct fanblock *f, struct fanblock_stats *ret);

#endif /* SG_FANBLOCK_H */
