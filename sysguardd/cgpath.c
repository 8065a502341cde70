// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Cgroup path to container reference (see cgpath.h).  The path is read one
 * component at a time, from the root; the first component that is a
 * container's own cgroup decides, so deeper cgroups belong to it.
 */
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <string.h>
#include "cgpath.h"

struct comp {
	const char *s;
	size_t n;
};

/* The next non-empty component after *p into c; false at the end. */
static bool next_comp(const char **p, struct comp *c)
{
	const char *s = *p;

	while (*s == '/')
		s++;
	if (!*s)
		return false;
	c->s = s;
	while (*s && *s != '/')
		s++;
	c->n = (size_t)(s - c->s);
	*p = s;
	return true;
}

static bool comp_is(const struct comp *c, const char *word)
{
	size_t n = strlen(word);

	return c->n == n && !memcmp(c->s, word, n);
}

static bool comp_prefix(const struct comp *c, const char *prefix)
{
	size_t n = strlen(prefix);

	return c->n >= n && !memcmp(c->s, prefix, n);
}

static bool comp_suffix(const struct comp *c, const char *suffix)
{
	size_t n = strlen(suffix);

	return c->n >= n && !memcmp(c->s + c->n - n, suffix, n);
}

static bool comp_contains(const struct comp *c, const char *word)
{
	size_t n = strlen(word);

	for (size_t i = 0; i + n <= c->n; i++)
		if (!memcmp(c->s + i, word, n))
			return true;
	return false;
}

static bool is_lhex(char ch)
{
	return (ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f');
}

static bool is_hexid(const char *s, size_t n)
{
	if (n != CTR_HEXID_LEN)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!is_lhex(s[i]))
			return false;
	return true;
}

/* "<prefix><64 hex>" or "<prefix><64 hex>.scope": the id into id. */
static bool match_hex(const struct comp *c, const char *prefix, char *id)
{
	size_t pl = strlen(prefix);
	size_t n;

	if (!comp_prefix(c, prefix))
		return false;
	n = c->n - pl;
	if (comp_suffix(c, ".scope"))
		n -= strlen(".scope");
	if (!is_hexid(c->s + pl, n))
		return false;
	memcpy(id, c->s + pl, n);
	id[n] = '\0';
	return true;
}

static int hexval(char ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

/*
 * A machine or LXC name from s: systemd's unit-name escapes (\xNN) undone
 * when unescape is set.  A raw '-' stays '-' (systemd would read it as '/',
 * which no machine name holds).  Refused: empty, ".", "..", a '/' or a
 * control byte.
 */
static int take_name(const char *s, size_t n, bool unescape, char *out)
{
	size_t o = 0;

	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];

		if (unescape && ch == '\\' && i + 3 < n && s[i + 1] == 'x' &&
		    hexval(s[i + 2]) >= 0 && hexval(s[i + 3]) >= 0) {
			ch = (unsigned char)(hexval(s[i + 2]) << 4 | hexval(s[i + 3]));
			i += 3;
		}
		if (ch < 0x20 || ch == 0x7f || ch == '/')
			return -EINVAL;
		if (o == CTR_ID_MAX)
			return -ENAMETOOLONG;
		out[o++] = (char)ch;
	}
	out[o] = '\0';
	if (!o || !strcmp(out, ".") || !strcmp(out, ".."))
		return -EINVAL;
	return 0;
}

/*
 * A pod's cgroup: "pod<uid>" (cgroupfs) or "...-pod<uid>.slice" (systemd,
 * '-' in the uid written '_').  The uid, with '-', into uid.  1 if it is one,
 * 0 if not, -ENAMETOOLONG.
 */
static int match_pod(const struct comp *c, char *uid)
{
	const char *u = NULL;
	size_t n = 0, o = 0;

	if (comp_prefix(c, "pod")) {
		u = c->s + 3;
		n = c->n - 3;
	} else if (comp_suffix(c, ".slice")) {
		size_t end = c->n - strlen(".slice");

		for (size_t i = end; i >= 4; i--) {
			if (!memcmp(c->s + i - 4, "-pod", 4)) {
				u = c->s + i;
				n = end - i;
				break;
			}
		}
	}
	if (!u || !n)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!is_lhex(u[i]) && u[i] != '-' && u[i] != '_')
			return 0;
	if (n > CTR_POD_UID_MAX)
		return -ENAMETOOLONG;
	for (size_t i = 0; i < n; i++)
		uid[o++] = u[i] == '_' ? '-' : u[i];
	uid[o] = '\0';
	return 1;
}

/* 1: c is a container's own cgroup (filled in r), 0: not, -1: a runtime helper (host). */
static int match_comp(const struct comp *c, const struct comp *prev, bool in_pod, struct ctr_ref *r,
		      int *err)
{
	static const struct {
		const char *prefix;
		enum ctr_runtime rt;
	} hex_shapes[] = {
	    {"docker-", CTR_RT_DOCKER},
	    {"libpod-", CTR_RT_PODMAN},
	    {"cri-containerd-", CTR_RT_CONTAINERD},
	    {"crio-", CTR_RT_CRIO},
	};
	char scratch[CTR_HEXID_LEN + 1];

	*err = 0;
	/* conmon, CRI-O's and podman's monitor, runs in a cgroup of its own */
	if (match_hex(c, "libpod-conmon-", scratch) || match_hex(c, "crio-conmon-", scratch))
		return -1;
	for (size_t i = 0; i < sizeof(hex_shapes) / sizeof(hex_shapes[0]); i++) {
		if (match_hex(c, hex_shapes[i].prefix, r->id)) {
			r->runtime = hex_shapes[i].rt;
			return 1;
		}
	}
	if (prev && comp_is(prev, "docker") && is_hexid(c->s, c->n)) {
		memcpy(r->id, c->s, c->n);
		r->id[c->n] = '\0';
		r->runtime = CTR_RT_DOCKER;
		return 1;
	}
	if (in_pod && is_hexid(c->s, c->n)) {
		memcpy(r->id, c->s, c->n);
		r->id[c->n] = '\0';
		r->runtime = CTR_RT_CRI;
		return 1;
	}
	if (comp_prefix(c, "systemd-nspawn@") && comp_suffix(c, ".service")) {
		size_t pl = strlen("systemd-nspawn@");

		*err = take_name(c->s + pl, c->n - pl - strlen(".service"), true, r->id);
		r->runtime = CTR_RT_NSPAWN;
		return 1;
	}
	if (prev && comp_is(prev, "machine.slice") && comp_prefix(c, "machine-") &&
	    comp_suffix(c, ".scope")) {
		size_t pl = strlen("machine-");

		*err = take_name(c->s + pl, c->n - pl - strlen(".scope"), true, r->id);
		r->runtime = CTR_RT_MACHINED;
		return 1;
	}
	/* LXC: lxc.monitor.<name> (or lxc.monitor/<name>) is LXC's own process */
	if (comp_prefix(c, "lxc.monitor.") || (prev && comp_is(prev, "lxc.monitor")))
		return -1;
	if (comp_prefix(c, "lxc.payload.") && c->n > strlen("lxc.payload.")) {
		size_t pl = strlen("lxc.payload.");

		*err = take_name(c->s + pl, c->n - pl, false, r->id);
		r->runtime = CTR_RT_LXC;
		return 1;
	}
	if (prev && (comp_is(prev, "lxc") || comp_is(prev, "lxc.payload"))) {
		*err = take_name(c->s, c->n, false, r->id);
		r->runtime = CTR_RT_LXC;
		return 1;
	}
	return 0;
}

int cgpath_parse(const char *path, struct ctr_ref *ret)
{
	struct ctr_ref r = {.runtime = CTR_RT_HOST};
	struct comp c, prev = {0};
	bool have_prev = false, kube = false, in_pod = false;
	char uid[CTR_POD_UID_MAX + 1] = "";
	const char *p = path;

	if (!path || path[0] != '/')
		return -EINVAL;
	if (strnlen(path, PATH_MAX) == PATH_MAX)
		return -ENAMETOOLONG;
	while (next_comp(&p, &c)) {
		int err, m = match_comp(&c, have_prev ? &prev : NULL, in_pod, &r, &err);

		if (m < 0)
			break;
		if (m > 0) {
			struct comp sub;
			const char *q = p;

			if (err < 0)
				return err;
			/* nspawn's own process, next to the container's payload */
			if ((r.runtime == CTR_RT_NSPAWN || r.runtime == CTR_RT_MACHINED) &&
			    next_comp(&q, &sub) && comp_is(&sub, "supervisor"))
				break;
			r.base_len = (size_t)(c.s + c.n - path);
			strcpy(r.pod_uid, uid);
			*ret = r;
			return 1;
		}
		in_pod = false;
		if (comp_contains(&c, "kubepods"))
			kube = true;
		if (kube) {
			int pm = match_pod(&c, uid);

			if (pm < 0)
				return pm;
			in_pod = pm > 0;
		}
		prev = c;
		have_prev = true;
	}
	*ret = (struct ctr_ref){.runtime = CTR_RT_HOST};
	return 0;
}

const char *cgpath_runtime_name(enum ctr_runtime rt)
{
	static const char *const names[CTR_RT_MAX] = {
	    [CTR_RT_HOST] = "host",
	    [CTR_RT_DOCKER] = "docker",
	    [CTR_RT_PODMAN] = "podman",
	    [CTR_RT_CONTAINERD] = "containerd",
	    [CTR_RT_CRIO] = "cri-o",
	    [CTR_RT_CRI] = "cri",
	    [CTR_RT_NSPAWN] = "systemd-nspawn",
	    [CTR_RT_MACHINED] = "machined",
	    [CTR_RT_LXC] = "lxc",
	};

	return (unsigned int)rt < CTR_RT_MAX ? names[rt] : "unknown";
}
