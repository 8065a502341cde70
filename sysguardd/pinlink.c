// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Pinned links (see pinlink.h): the take-over of a previous run's link, the
 * pin, and the release, for the enforcement and BPF-LSM objects.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <bpf/libbpf.h>
#include "log.h"
#include "pinlink.h"

struct pinlinks {
	char dir[256];
	const char *what;
	enum pinlink_adopt adopt;
	struct bpf_link *links[PINLINK_MAX];
	size_t n;
	bool adopted;
};

struct pinlinks *pinlinks_new(const char *dir, const char *what, enum pinlink_adopt adopt,
			      char *err, size_t errlen)
{
	struct pinlinks *pl;

	if (strlen(dir) >= sizeof(pl->dir)) {
		snprintf(err, errlen, "the pin directory '%s' is too long", dir);
		errno = ENAMETOOLONG;
		return NULL;
	}
	if (mkdir(dir, 0700) < 0 && errno != EEXIST) {
		int e = errno;

		snprintf(err, errlen, "cannot create '%s': %s", dir, strerror(e));
		errno = e;
		return NULL;
	}
	pl = calloc(1, sizeof(*pl));
	if (!pl) {
		snprintf(err, errlen, "out of memory");
		errno = ENOMEM;
		return NULL;
	}
	strcpy(pl->dir, dir);
	pl->what = what;
	pl->adopt = adopt;
	return pl;
}

void pinlinks_free(struct pinlinks *pl, bool unpin)
{
	if (!pl)
		return;
	for (size_t i = 0; i < pl->n; i++) {
		if (unpin)
			bpf_link__unpin(pl->links[i]);
		bpf_link__destroy(pl->links[i]); /* a pinned link stays attached */
	}
	free(pl);
}

int pinlinks_path(const struct pinlinks *pl, const struct bpf_program *prog, char *buf,
		  size_t len)
{
	int n = snprintf(buf, len, "%s/link_%s", pl->dir, bpf_program__name(prog));

	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

/* The pinned link, our program swapped in; NULL when there is none or it cannot be updated. */
static struct bpf_link *take_update(struct pinlinks *pl, struct bpf_program *prog,
				    const char *path)
{
	struct bpf_link *link = access(path, F_OK) == 0 ? bpf_link__open(path) : NULL;

	if (!link)
		return NULL;
	if (bpf_link__update_program(link, prog) < 0) {
		sg_log(LOG_WARNING, "cannot update the pinned link '%s': %s; attaching anew", path,
		       strerror(errno));
		bpf_link__unpin(link);
		bpf_link__destroy(link);
		return NULL;
	}
	pl->adopted = true;
	return link;
}

/* The pinned link, unpinned: attached until dropped.  A file that is no link is removed. */
static struct bpf_link *take_replace(struct pinlinks *pl, const char *path)
{
	struct bpf_link *old;

	if (access(path, F_OK) != 0)
		return NULL;
	old = bpf_link__open(path);
	if (!old) {
		unlink(path);
		return NULL;
	}
	bpf_link__unpin(old);
	pl->adopted = true;
	return old;
}

int pinlinks_attach(struct pinlinks *pl, struct bpf_program *prog,
		    struct bpf_link *(*attach)(struct bpf_program *prog, void *arg), void *arg)
{
	struct bpf_link *old = NULL, *link = NULL;
	char path[512];
	int r;

	if (pl->n == PINLINK_MAX)
		return -E2BIG;
	r = pinlinks_path(pl, prog, path, sizeof(path));
	if (r < 0)
		return r;
	if (pl->adopt == PINLINK_UPDATE)
		link = take_update(pl, prog, path);
	else
		old = take_replace(pl, path);
	if (!link) {
		link = attach(prog, arg);
		if (!link) {
			r = errno ? -errno : -EINVAL;
			/* keep what was in force */
			if (old && bpf_link__pin(old, path) < 0)
				sg_log(LOG_WARNING, "cannot pin '%s' again: %s", path,
				       strerror(errno));
			bpf_link__destroy(old);
			return r;
		}
		unlink(path);
		if (bpf_link__pin(link, path) < 0)
			sg_log(LOG_WARNING, "cannot pin '%s': %s: %s will stop with the daemon", path,
			       strerror(errno), pl->what);
	}
	bpf_link__destroy(old); /* unpinned: detached now that ours holds */
	pl->links[pl->n++] = link;
	return 0;
}

size_t pinlinks_count(const struct pinlinks *pl)
{
	return pl ? pl->n : 0;
}

bool pinlinks_adopted(const struct pinlinks *pl)
{
	return pl && pl->adopted;
}
