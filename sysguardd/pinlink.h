/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Links pinned under bpffs, so that enforcement outlives the daemon (a crash
 * or a stop that keeps the blocks in force): one link per program, pinned
 * as <dir>/link_<program>.  At start, the link a previous run pinned for a
 * program is taken over, by swapping our program into it where the link can
 * be updated (cgroup links) or by attaching ours and only then letting it go
 * where it cannot (LSM links), so that the hook is never without a program.
 * At stop, the links are released, either unpinned (detached with the daemon)
 * or left pinned (attached, with the programs and maps they hold).
 */
#ifndef SG_PINLINK_H
#define SG_PINLINK_H

#include <stdbool.h>
#include <stddef.h>

#define PINLINK_MAX 8          /* links of one object */

struct bpf_link;
struct bpf_program;

enum pinlink_adopt {
	PINLINK_UPDATE,        /* our program into the pinned link (BPF_LINK_UPDATE) */
	PINLINK_REPLACE,       /* our link attached, then the pinned one unpinned and dropped */
};

struct pinlinks;

/*
 * The links of one object, pinned under dir (created 0700 if missing);
 * what names what they hold in messages ("BPF-LSM blocks").  NULL with errno set
 * and a one-line reason in err.
 */
struct pinlinks *pinlinks_new(const char *dir, const char *what, enum pinlink_adopt adopt,
			      char *err, size_t errlen);
/* Release every link: unpinned (detached) when unpin, else left pinned and attached. */
void pinlinks_free(struct pinlinks *pl, bool unpin);

/*
 * Attach prog with attach(prog, arg), taking over the link a previous run
 * pinned for it, and pin the link.  Returns 0, or -errno when the attach
 * failed (a link that was pinned stays as it was) or there is no room.
 */
int pinlinks_attach(struct pinlinks *pl, struct bpf_program *prog,
		    struct bpf_link *(*attach)(struct bpf_program *prog, void *arg), void *arg);

/* Links attached; whether one of them was a previous run's, taken over. */
size_t pinlinks_count(const struct pinlinks *pl);
bool pinlinks_adopted(const struct pinlinks *pl);

/* The path a program's link is pinned at: 0 or -ENAMETOOLONG. */
int pinlinks_path(const struct pinlinks *pl, const struct bpf_program *prog, char *buf,
		  size_t len);

#endif /* SG_PINLINK_H */
