// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Writing the in-kernel filter (see kfilter.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include "event.h"
#include "kernel.h"
#include "kfilter.h"

void kfilter_spec_init(struct kfilter_spec *s)
{
	memset(s, 0, sizeof(*s)); /* SG_FM_PASS is 0 */
}

void kfilter_spec_fini(struct kfilter_spec *s)
{
	free(s->prefixes);
	free(s->suffixes);
	free(s->uids);
	free(s->comms);
	memset(s, 0, sizeof(*s));
}

static int grow(void **arr, size_t *cap, size_t n, size_t size)
{
	void *p;

	if (n < *cap)
		return 0;
	*cap = *cap ? *cap * 2 : 16;
	p = realloc(*arr, *cap * size);
	if (!p)
		return -ENOMEM;
	*arr = p;
	return 0;
}

static int add_path(struct kfilter_path **arr, size_t *n, size_t *cap, const char *p, size_t len,
		    uint32_t kinds)
{
	struct kfilter_path *e;

	if (len > SG_PATH_KEY)
		len = SG_PATH_KEY; /* a shorter key matches more paths, never fewer */
	for (size_t i = 0; i < *n; i++) {
		if (strlen((*arr)[i].s) == len && memcmp((*arr)[i].s, p, len) == 0) {
			(*arr)[i].kinds |= kinds;
			return 0;
		}
	}
	if (grow((void **)arr, cap, *n, sizeof(**arr)) < 0)
		return -ENOMEM;
	e = &(*arr)[(*n)++];
	memset(e, 0, sizeof(*e));
	memcpy(e->s, p, len);
	e->kinds = kinds;
	return 0;
}

int kfilter_add_prefix(struct kfilter_spec *s, const char *p, size_t len, uint32_t kinds)
{
	return add_path(&s->prefixes, &s->nprefixes, &s->capprefixes, p, len, kinds);
}

int kfilter_add_suffix(struct kfilter_spec *s, const char *p, size_t len, uint32_t kinds)
{
	/* keep the last SG_PATH_KEY bytes: the end is what a suffix is about */
	if (len > SG_PATH_KEY) {
		p += len - SG_PATH_KEY;
		len = SG_PATH_KEY;
	}
	return add_path(&s->suffixes, &s->nsuffixes, &s->capsuffixes, p, len, kinds);
}

int kfilter_add_uid(struct kfilter_spec *s, uint32_t uid)
{
	for (size_t i = 0; i < s->nuids; i++)
		if (s->uids[i] == uid)
			return 0;
	if (grow((void **)&s->uids, &s->capuids, s->nuids, sizeof(*s->uids)) < 0)
		return -ENOMEM;
	s->uids[s->nuids++] = uid;
	return 0;
}

int kfilter_add_comm(struct kfilter_spec *s, const char *comm)
{
	char c[SG_COMM_LEN] = { 0 };

	strncpy(c, comm, SG_COMM_LEN - 1);
	for (size_t i = 0; i < s->ncomms; i++)
		if (memcmp(s->comms[i], c, SG_COMM_LEN) == 0)
			return 0;
	if (grow((void **)&s->comms, &s->capcomms, s->ncomms, sizeof(*s->comms)) < 0)
		return -ENOMEM;
	memcpy(s->comms[s->ncomms++], c, SG_COMM_LEN);
	return 0;
}

static void make_key(struct sg_pathkey *k, const char *s, bool reverse)
{
	size_t len = strlen(s);

	memset(k, 0, sizeof(*k));
	k->prefixlen = len * 8;
	for (size_t i = 0; i < len; i++)
		k->data[i] = reverse ? s[len - 1 - i] : s[i];
}

static uint32_t kinds_in(const struct kfilter_path *arr, size_t n, const struct sg_pathkey *k,
			 bool reverse)
{
	struct sg_pathkey t;

	for (size_t i = 0; i < n; i++) {
		make_key(&t, arr[i].s, reverse);
		if (t.prefixlen == k->prefixlen && memcmp(t.data, k->data, k->prefixlen / 8) == 0)
			return arr[i].kinds;
	}
	return 0;
}

/* Add (widening what is there), or, in the second pass, trim to exactly arr. */
static int sync_trie(int fd, const struct kfilter_path *arr, size_t n, bool reverse, bool trim)
{
	struct sg_pathkey key, next;
	void *prev = NULL;

	if (!trim) {
		for (size_t i = 0; i < n; i++) {
			uint32_t v = 0;

			make_key(&key, arr[i].s, reverse);
			bpf_map_lookup_elem(fd, &key, &v);
			v |= arr[i].kinds;
			if (bpf_map_update_elem(fd, &key, &v, BPF_ANY) < 0)
				return -errno;
		}
		return 0;
	}
	while (bpf_map_get_next_key(fd, prev, &next) == 0) {
		uint32_t want = kinds_in(arr, n, &next, reverse);

		if (!want) {
			bpf_map_delete_elem(fd, &next);
			prev = NULL;
			continue;
		}
		bpf_map_update_elem(fd, &next, &want, BPF_ANY);
		key = next;
		prev = &key;
	}
	return 0;
}

static void hint_set(__u64 *bits, uint32_t b)
{
	bits[b >> 6] |= 1ULL << (b & 63);
}

static bool hint_get(const __u64 *bits, uint32_t b)
{
	return (bits[b >> 6] >> (b & 63)) & 1;
}

void kfilter_hint(const struct kfilter_spec *s, struct sg_pathhint *h)
{
	memset(h, 0, sizeof(*h));
	for (size_t i = 0; i < s->nprefixes; i++) {
		const char *p = s->prefixes[i].s;
		size_t len = strlen(p);
		uint64_t x8;
		uint32_t x4;

		if (len >= 8) {
			memcpy(&x8, p, 8);
			hint_set(h->pre8, sg_hint8(x8));
		} else if (len >= 4) {
			memcpy(&x4, p, 4);
			hint_set(h->pre4, sg_hint4(x4));
		} else {
			h->flags |= SG_HINT_SHORT_PREFIX;
		}
	}
	for (size_t i = 0; i < s->nsuffixes; i++) {
		const char *p = s->suffixes[i].s;
		size_t len = strlen(p);
		uint32_t x4;

		if (len >= 4) {
			memcpy(&x4, p + len - 4, 4);
			hint_set(h->suf4, sg_hint4(x4));
		} else {
			h->flags |= SG_HINT_SHORT_SUFFIX;
		}
	}
}

bool kfilter_hint_passes(const struct sg_pathhint *h, const char *path, size_t len)
{
	uint64_t x8;
	uint32_t x4;

	if (h->flags & (SG_HINT_SHORT_PREFIX | SG_HINT_SHORT_SUFFIX))
		return true;
	if (len < 4)
		return false;
	memcpy(&x4, path, 4);
	if (hint_get(h->pre4, sg_hint4(x4)))
		return true;
	if (len >= 8) {
		memcpy(&x8, path, 8);
		if (hint_get(h->pre8, sg_hint8(x8)))
			return true;
	}
	memcpy(&x4, path + len - 4, 4);
	return hint_get(h->suf4, sg_hint4(x4));
}

static bool has_uid(const struct kfilter_spec *s, uint32_t uid)
{
	for (size_t i = 0; i < s->nuids; i++)
		if (s->uids[i] == uid)
			return true;
	return false;
}

static bool has_comm(const struct kfilter_spec *s, const char *c)
{
	for (size_t i = 0; i < s->ncomms; i++)
		if (memcmp(s->comms[i], c, SG_COMM_LEN) == 0)
			return true;
	return false;
}

int kfilter_apply(struct kernel *k, const struct kfilter_spec *s)
{
	int fpre = kernel_map_fd(k, "path_prefix"), fsuf = kernel_map_fd(k, "path_suffix");
	int fuid = kernel_map_fd(k, "excl_uid"), fcomm = kernel_map_fd(k, "excl_comm");
	int ffil = kernel_map_fd(k, "filter"), fhint = kernel_map_fd(k, "path_hint");
	struct sg_pathhint hint, old;
	struct sg_filter f;
	uint32_t zero = 0, one = 1;
	int r;

	if (fpre < 0 || fsuf < 0 || fuid < 0 || fcomm < 0 || ffil < 0 || fhint < 0)
		return -ENOENT;
	/*
	 * 1. widen: the new paths join the old ones, the hint first (a reader
	 * may see it half written: every word is then old or old|new)
	 */
	kfilter_hint(s, &hint);
	if (bpf_map_lookup_elem(fhint, &zero, &old) < 0)
		return -errno;
	for (size_t i = 0; i < SG_HINT_BITS / 64; i++) {
		old.pre8[i] |= hint.pre8[i];
		old.pre4[i] |= hint.pre4[i];
		old.suf4[i] |= hint.suf4[i];
	}
	old.flags |= hint.flags;
	if (bpf_map_update_elem(fhint, &zero, &old, BPF_ANY) < 0)
		return -errno;
	r = sync_trie(fpre, s->prefixes, s->nprefixes, false, false);
	if (r == 0)
		r = sync_trie(fsuf, s->suffixes, s->nsuffixes, true, false);
	if (r < 0)
		return r;
	/* 2. exclusions the new policy drops stop first (showing more is safe) */
	{
		uint32_t key, next, *prev = NULL;

		while (bpf_map_get_next_key(fuid, prev, &next) == 0) {
			if (!has_uid(s, next)) {
				bpf_map_delete_elem(fuid, &next);
				prev = NULL;
				continue;
			}
			key = next;
			prev = &key;
		}
	}
	{
		char key[SG_COMM_LEN], next[SG_COMM_LEN], *prev = NULL;

		while (bpf_map_get_next_key(fcomm, prev, next) == 0) {
			if (!has_comm(s, next)) {
				bpf_map_delete_elem(fcomm, next);
				prev = NULL;
				continue;
			}
			memcpy(key, next, sizeof(key));
			prev = key;
		}
	}
	for (size_t i = 0; i < s->nuids; i++)
		if (bpf_map_update_elem(fuid, &s->uids[i], &one, BPF_ANY) < 0)
			return -errno;
	for (size_t i = 0; i < s->ncomms; i++)
		if (bpf_map_update_elem(fcomm, s->comms[i], &one, BPF_ANY) < 0)
			return -errno;
	/* 3. the modes, in one update */
	memset(&f, 0, sizeof(f));
	memcpy(f.mode, s->mode, sizeof(s->mode));
	f.flags = (s->nuids ? SG_FILT_EXCL_UID : 0) | (s->ncomms ? SG_FILT_EXCL_COMM : 0);
	if (bpf_map_update_elem(ffil, &zero, &f, BPF_ANY) < 0)
		return -errno;
	/* 4. trim what only the old policy wanted */
	sync_trie(fpre, s->prefixes, s->nprefixes, false, true);
	sync_trie(fsuf, s->suffixes, s->nsuffixes, true, true);
	if (bpf_map_update_elem(fhint, &zero, &hint, BPF_ANY) < 0)
		return -errno;
	return 0;
}

static void describe_kind(const struct kfilter_spec *s, int kind, const char *name, char *buf,
			  size_t len, size_t *o)
{
	static const char *const modes[] = { "pass", "drop", "path" };
	int n;

	if (*o >= len)
		return;
	n = snprintf(buf + *o, len - *o, "%s%s=%s%s%s%s", *o ? " " : "", name,
		     modes[s->mode[kind] < 3 ? s->mode[kind] : 0], s->why[kind] ? "(" : "",
		     s->why[kind] ? s->why[kind] : "", s->why[kind] ? ")" : "");
	if (n < 0 || (size_t)n >= len - *o)
		*o = len; /* full: nothing more */
	else
		*o += n;
}

int kfilter_describe(const struct kfilter_spec *s, char *buf, size_t len)
{
	size_t o = 0;

	for (int t = 1; t < SG_EV_KERNEL_MAX; t++) {
		const struct sg_evtype *et = sg_evtype(t);

		if (et->kfilter == SG_KF_PATH) {
			describe_kind(s, t, "open(read)", buf, len, &o);
			describe_kind(s, SG_FK_OPEN_WRITE, "open(write)", buf, len, &o);
		} else if (et->kfilter == SG_KF_KIND) {
			describe_kind(s, t, et->name, buf, len, &o);
		}
	}
	if (o < len)
		o += snprintf(buf + o, len - o, " prefixes=%zu suffixes=%zu excluded_uids=%zu "
			      "excluded_comms=%zu", s->nprefixes, s->nsuffixes, s->nuids, s->ncomms);
	return o;
}

static bool unnormal(const char *path)
{
	const char *p = path;
	int st = 0;

	for (; *p; p++) {
		if (*p == '/') {
			if (st != 0)
				return true;
			st = 1;
		} else if (*p == '.' && (st == 1 || st == 2)) {
			st++;
		} else {
			st = 0;
		}
	}
	return st != 0 && p - path > 1;
}

/* An LPM hit: a stored key no longer than the lookup key and equal on its length. */
static bool trie_hit(const struct kfilter_path *arr, size_t n, const char *key, size_t keylen,
		     uint32_t want)
{
	for (size_t i = 0; i < n; i++) {
		size_t l = strlen(arr[i].s);

		if (l <= keylen && memcmp(arr[i].s, key, l) == 0 && (arr[i].kinds & want))
			return true;
	}
	return false;
}

static bool excluded(const struct kfilter_spec *s, uint32_t uid, const char *comm)
{
	for (size_t i = 0; i < s->nuids; i++)
		if (s->uids[i] == uid)
			return true;
	for (size_t i = 0; i < s->ncomms; i++)
		if (strncmp(s->comms[i], comm, SG_COMM_LEN - 1) == 0)
			return true;
	return false;
}

bool kfilter_kind_passes(const struct kfilter_spec *s, int type, uint32_t uid, const char *comm)
{
	const struct sg_evtype *t = sg_evtype(type);

	if (!t || !t->kernel || t->kfilter == SG_KF_NONE)
		return true; /* never filtered in the kernel */
	return s->mode[type] != SG_FM_DROP && !excluded(s, uid, comm);
}

bool kfilter_open_passes(const struct kfilter_spec *s, const char *path, bool write, uint32_t uid,
			 const char *comm)
{
	int mode = s->mode[write ? SG_FK_OPEN_WRITE : SG_EV_OPEN];
	uint32_t want = write ? SG_PK_WRITE : SG_PK_READ;
	size_t len = strlen(path), keylen;
	struct sg_pathhint hint;
	char rev[SG_PATH_KEY];

	if (mode == SG_FM_DROP || excluded(s, uid, comm))
		return false;
	if (mode == SG_FM_PASS)
		return true;
	if (len == 0 || path[0] != '/' || len >= SG_UPATH_MAX || unnormal(path))
		return true;
	kfilter_hint(s, &hint);
	if (!kfilter_hint_passes(&hint, path, len))
		return false;
	keylen = len < SG_PATH_KEY ? len : SG_PATH_KEY;
	if (trie_hit(s->prefixes, s->nprefixes, path, keylen, want))
		return true;
	for (size_t i = 0; i < keylen; i++)
		rev[i] = path[len - 1 - i];
	/* the suffix trie holds suffixes written backwards */
	for (size_t i = 0; i < s->nsuffixes; i++) {
		size_t l = strlen(s->suffixes[i].s);
		bool eq = l <= keylen && (s->suffixes[i].kinds & want);

		for (size_t j = 0; eq && j < l; j++)
			eq = rev[j] == s->suffixes[i].s[l - 1 - j];
		if (eq)
			return true;
	}
	return false;
}
