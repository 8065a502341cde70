// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Decoding ring-buffer records (bpf/sysguard.h) into struct sg_event: the
 * header and the sections every type uses; each type's payload is decoded by
 * its row of the event table (ev_*.c).
 */
#include <errno.h>
#include <string.h>
#include <time.h>
#include "decode.h"
#include "path.h"

static int64_t clock_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

void decoder_sync_clock(struct decoder *d)
{
	d->boot_to_real_ns = clock_ns(CLOCK_REALTIME) - clock_ns(CLOCK_BOOTTIME);
}

void decoder_init(struct decoder *d)
{
	memset(d, 0, sizeof(*d));
	decoder_sync_clock(d);
}

int decode_take(struct sg_cursor *c, size_t len, const char **ret)
{
	if (len > c->left)
		return -EINVAL;
	*ret = c->p;
	c->p += len;
	c->left -= len;
	return 0;
}

int decode_str(struct sg_cursor *c, size_t len, char *out, size_t outlen)
{
	const char *s;
	size_t l;

	if (decode_take(c, len, &s) < 0)
		return -EINVAL;
	if (len == 0) {
		out[0] = '\0';
		return 0;
	}
	l = strnlen(s, len);
	if (l >= outlen)
		l = outlen - 1;
	memcpy(out, s, l);
	out[l] = '\0';
	return 0;
}

int decode_walk(struct sg_cursor *c, size_t len, char *out, size_t outlen)
{
	const char *s;

	if (decode_take(c, len, &s) < 0)
		return -EINVAL;
	return path_from_walk(out, outlen, s, len) < 0 ? -EINVAL : 0;
}

int decode_path(struct decoder *d, struct sg_cursor *c, size_t plen, size_t dlen, int unres,
		char *out, bool *resolved)
{
	if (decode_str(c, plen, out, PATH_MAX) < 0)
		return -EINVAL;
	*resolved = true;
	if (out[0] == '/') {
		path_normalize(out);
		if (dlen)
			return -EINVAL; /* the kernel walks only for relative paths */
		return 0;
	}
	if (plen == 0) {
		*resolved = false;
		return dlen ? -EINVAL : 0; /* no path, so no walk either */
	}
	if (unres) {
		const char *s;

		*resolved = false;
		return decode_take(c, dlen, &s);
	}
	if (decode_walk(c, dlen, d->scratch, sizeof(d->scratch)) < 0)
		return -EINVAL;
	if (path_join(d->join, sizeof(d->join), d->scratch, out) < 0) {
		*resolved = false; /* too long: keep it as given */
		return 0;
	}
	memcpy(out, d->join, strlen(d->join) + 1);
	return 0;
}

int decode_record(struct decoder *d, const void *data, size_t size, struct sg_event *ev)
{
	const struct sg_hdr *h = data;
	const struct sg_evtype *t;
	struct sg_cursor c;

	if (size < SG_DATA_OFF || h->size != size || h->syscall >= SG_SC_MAX)
		goto bad;
	t = sg_evtype(h->type);
	if (!t || !t->kernel)
		goto bad;
	c.p = (const char *)data + SG_DATA_OFF;
	c.left = size - SG_DATA_OFF;

	memset(ev, 0, offsetof(struct sg_event, verdict));
	memset(&ev->verdict, 0, sizeof(ev->verdict));
	ev->type = h->type;
	ev->syscall = h->syscall;
	ev->kflags = h->flags;
	ev->ts_ns = h->ts_ns + d->boot_to_real_ns;
	ev->proc.pid = h->pid;
	ev->proc.tid = h->tid;
	ev->proc.ppid = h->ppid;
	ev->proc.uid = h->uid;
	ev->proc.gid = h->gid;
	ev->proc.cgroup_id = h->cgroup_id;
	ev->proc.pidns = h->pidns;
	ev->proc.mntns = h->mntns;
	ev->proc.netns = h->netns;
	ev->proc.userns = h->userns;
	ev->proc.vpid = h->vpid;
	memcpy(ev->proc.comm, h->comm, SG_COMM_LEN);
	ev->proc.comm[SG_COMM_LEN] = '\0';
	if (t->decode(d, h, (const char *)data + sizeof(*h), &c, ev) < 0)
		goto bad;
	if (h->flags & (SG_F_IO_URING | SG_F_HOOK))
		ev->has_result = false; /* seen at submission or at the hook: no result yet */
	return 0;
bad:
	d->malformed++;
	return -EINVAL;
}
