// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The container cache (see container.h), the loop thread's: the table (a
 * fixed array of entries, a chained hash over it, a free list and an age
 * list of resolved entries, oldest first), the containers its entries
 * share, the news of containers started and stopped, the lookups and the
 * stats; and the results of the resolver (container_resolve.c) installed
 * when its eventfd says they are there.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <event2/event.h>
#include "container_int.h"

#define NIL UINT32_MAX

/* One container, shared by its cgroups. */
struct cobj {
	struct ctr_info info;
	enum ctr_runtime path_rt; /* what the cgroup path said (cri for the cgroupfs driver) */
	int error;                /* of the metadata read */
	size_t refs;              /* cgroup entries pointing here */
	size_t bytes;
	bool announced;           /* its start (or finding) is in the news */
	struct cobj *prev, *next;
};

struct centry {
	struct container_entry pub;
	struct cobj *obj;
	uint32_t hnext;        /* hash chain; the free list when unused */
	uint32_t aprev, anext; /* age list */
	uint32_t gen;          /* never 0 for a used entry */
	bool used;
	bool aged;   /* on the age list: resolved, may be evicted */
	bool doomed; /* removed while pending: dropped once announced */
	bool made;   /* its mkdir was seen: a container first seen here has just started */
};

/* ---- the table (loop thread) ------------------------------------------- */

static uint32_t bucket_of(const struct container *c, uint64_t id)
{
	return (uint32_t)((id * 0x9e3779b97f4a7c15ull) >> 32) & c->mask;
}

static struct centry *find(const struct container *c, uint64_t id)
{
	for (uint32_t i = c->buckets[bucket_of(c, id)]; i != NIL; i = c->e[i].hnext)
		if (c->e[i].pub.cgroup_id == id)
			return &c->e[i];
	return NULL;
}

static uint32_t idx(const struct container *c, const struct centry *e)
{
	return (uint32_t)(e - c->e);
}

static void age_append(struct container *c, struct centry *e)
{
	uint32_t i = idx(c, e);

	e->aprev = c->age_tail;
	e->anext = NIL;
	if (c->age_tail != NIL)
		c->e[c->age_tail].anext = i;
	else
		c->age_head = i;
	c->age_tail = i;
	e->aged = true;
}

static void age_unlink(struct container *c, struct centry *e)
{
	if (!e->aged)
		return;
	if (e->aprev != NIL)
		c->e[e->aprev].anext = e->anext;
	else
		c->age_head = e->anext;
	if (e->anext != NIL)
		c->e[e->anext].aprev = e->aprev;
	else
		c->age_tail = e->aprev;
	e->aged = false;
}

/* A container started, was found, or stopped: for container_news_next(). */
static void news(struct container *c, const struct ctr_info *info, enum container_op op)
{
	struct container_news *n;

	if (c->news_len == CONTAINER_NEWS_MAX) {
		c->st.news_lost++;
		return;
	}
	n = &c->news[(c->news_head + c->news_len++) % CONTAINER_NEWS_MAX];
	n->op = op;
	n->runtime = info->runtime;
	snprintf(n->id, sizeof(n->id), "%s", info->id);
	snprintf(n->name, sizeof(n->name), "%s", info->name);
	snprintf(n->image, sizeof(n->image), "%s", info->image);
}

/* removed: its last cgroup is gone, not evicted, so the container stopped. */
static void obj_unref(struct container *c, struct cobj *o, bool removed)
{
	if (--o->refs)
		return;
	if (removed && o->announced)
		news(c, &o->info, CONTAINER_STOP);
	if (o->prev)
		o->prev->next = o->next;
	else
		c->objs = o->next;
	if (o->next)
		o->next->prev = o->prev;
	c->nobjs--;
	c->st.info_bytes -= o->bytes;
	ctrmeta_info_clear(&o->info);
	free(o);
}

static struct cobj *obj_find(const struct container *c, enum ctr_runtime rt, const char *id)
{
	for (struct cobj *o = c->objs; o; o = o->next)
		if (o->path_rt == rt && !strcmp(o->info.id, id))
			return o;
	return NULL;
}

/* The memory a container's metadata holds, its labels and mounts included. */
static size_t obj_bytes(const struct cobj *o)
{
	size_t n = sizeof(*o);

	for (unsigned int i = 0; i < o->info.nlabels; i++)
		n += strlen(o->info.labels[i].key) + strlen(o->info.labels[i].value) + 2;
	for (unsigned int i = 0; i < o->info.nmounts; i++)
		n += (o->info.mounts[i].dst ? strlen(o->info.mounts[i].dst) + 1 : 0) +
		     (o->info.mounts[i].src ? strlen(o->info.mounts[i].src) + 1 : 0);
	return n;
}

/* A container from a resolved info (whose labels it takes over; *info is zeroed). */
static struct cobj *obj_add(struct container *c, enum ctr_runtime rt, struct ctr_info *info,
			    int error)
{
	struct cobj *o = calloc(1, sizeof(*o));

	if (!o)
		return NULL;
	o->info = *info;
	memset(info, 0, sizeof(*info));
	o->path_rt = rt;
	o->error = error;
	o->bytes = obj_bytes(o);
	o->next = c->objs;
	if (c->objs)
		c->objs->prev = o;
	c->objs = o;
	c->nobjs++;
	c->st.info_bytes += o->bytes;
	return o;
}

static void entry_set_obj(struct centry *e, struct cobj *o)
{
	e->obj = o;
	o->refs++;
	e->pub.state = CONTAINER_IN;
	e->pub.info = &o->info;
	e->pub.error = o->error;
}

static void entry_drop(struct container *c, struct centry *e, bool removed)
{
	uint32_t i = idx(c, e), *p = &c->buckets[bucket_of(c, e->pub.cgroup_id)];

	while (*p != i)
		p = &c->e[*p].hnext;
	*p = e->hnext;
	age_unlink(c, e);
	if (e->pub.state == CONTAINER_PENDING)
		c->npending--;
	if (e->obj)
		obj_unref(c, e->obj, removed);
	memset(e, 0, sizeof(*e));
	e->hnext = c->free_head;
	c->free_head = i;
	c->n--;
}

/* A new entry for id (state PENDING, not aged); the oldest resolved one goes when full. */
static struct centry *entry_new(struct container *c, uint64_t id)
{
	struct centry *e;
	uint32_t i, b;

	if (c->free_head == NIL) {
		if (c->age_head == NIL)
			return NULL; /* every entry is pending */
		entry_drop(c, &c->e[c->age_head], false);
		c->st.evicted++;
	}
	i = c->free_head;
	e = &c->e[i];
	c->free_head = e->hnext;
	memset(e, 0, sizeof(*e));
	e->used = true;
	if (++c->gen == 0)
		c->gen = 1;
	e->gen = c->gen;
	e->pub.cgroup_id = id;
	e->pub.state = CONTAINER_PENDING;
	e->aprev = e->anext = NIL;
	b = bucket_of(c, id);
	e->hnext = c->buckets[b];
	c->buckets[b] = i;
	c->n++;
	return e;
}

/* ---- installing results (loop thread) ---------------------------------- */

/* The API's answer into a container's info; not when it lost labels the cache had. */
static void obj_update(struct container *c, const struct ctr_ref *ref, struct ctr_info *info)
{
	struct cobj *o = obj_find(c, ref->runtime, ref->id);

	if (!o || (!info->labels_known && o->info.labels_known))
		return;
	c->st.info_bytes -= o->bytes;
	ctrmeta_info_clear(&o->info);
	o->info = *info;
	memset(info, 0, sizeof(*info));
	o->bytes = obj_bytes(o);
	c->st.info_bytes += o->bytes;
	c->st.api_updates++;
}

static void install(struct container *c, struct result *r)
{
	struct centry *e = find(c, r->id);
	bool doomed = false;
	struct cobj *o;

	if (r->update) {
		if (r->info)
			obj_update(c, &r->ref, r->info);
		return;
	}
	if (r->gen) {
		if (!e || e->gen != r->gen || e->pub.state != CONTAINER_PENDING)
			return;
		c->npending--;
		doomed = e->doomed;
	} else {
		if (e)
			return; /* the scan found what is known already */
		e = entry_new(c, r->id);
		if (!e)
			return;
	}
	c->st.resolved++;
	if (r->state == CONTAINER_UNKNOWN || r->error < 0)
		c->st.failed++;
	switch (r->state) {
	case CONTAINER_IN:
		o = obj_find(c, r->ref.runtime, r->ref.id);
		if (!o) {
			o = obj_add(c, r->ref.runtime, r->info, r->error);
			if (o && !o->info.vm) {
				o->announced = true;
				news(c, &o->info, e->made ? CONTAINER_START : CONTAINER_FOUND);
			}
		}
		if (o) {
			entry_set_obj(e, o);
			break;
		}
		e->pub.state = CONTAINER_UNKNOWN;
		e->pub.error = -ENOMEM;
		break;
	case CONTAINER_HOST:
		e->pub.state = CONTAINER_HOST;
		break;
	default:
		e->pub.state = CONTAINER_UNKNOWN;
		e->pub.error = r->error < 0 ? r->error : -ENOENT;
		break;
	}
	age_append(c, e);
	if (r->gen && c->on_resolved)
		c->on_resolved(c->ctx, r->id);
	if (doomed) {
		/* the callback may have changed the table: find it again */
		e = find(c, r->id);
		if (e && e->gen == r->gen)
			entry_drop(c, e, true);
	}
}

static void on_results(evutil_socket_t fd, short what, void *arg)
{
	struct container *c = arg;
	struct result *list = resolver_results(c);

	while (list) {
		struct result *next = list->next;

		if (list->scan_done)
			c->st.scan_done = true;
		else
			install(c, list);
		result_free(list);
		list = next;
	}
}

/* ---- the public table API (loop thread) -------------------------------- */

static const struct container_entry *unknown(struct container *c, uint64_t id, int err)
{
	c->st.dropped++;
	c->unknown = (struct container_entry){ .cgroup_id = id, .state = CONTAINER_UNKNOWN,
					       .error = err };
	return &c->unknown;
}

const struct container_entry *container_lookup(struct container *c, uint64_t cgroup_id)
{
	struct centry *e = find(c, cgroup_id);

	if (e)
		return &e->pub;
	if (c->npending >= CONTAINER_PENDING_MAX)
		return unknown(c, cgroup_id, -EAGAIN);
	e = entry_new(c, cgroup_id);
	if (!e)
		return unknown(c, cgroup_id, -ENOSPC);
	if (resolver_enqueue(c, cgroup_id, e->gen, NULL) < 0) {
		entry_drop(c, e, false);
		return unknown(c, cgroup_id, -EAGAIN);
	}
	c->npending++;
	return &e->pub;
}

int container_cgroup_created(struct container *c, uint64_t cgroup_id, const char *path)
{
	struct ctr_ref ref;
	struct centry *e;
	struct cobj *o;
	char *p;
	int r;

	if (find(c, cgroup_id))
		return 0; /* ids are not reused: seen already */
	r = cgpath_parse(path, &ref);
	if (r < 0)
		return r;
	if (r == 1 && c->npending >= CONTAINER_PENDING_MAX)
		return -EAGAIN;
	e = entry_new(c, cgroup_id);
	if (!e)
		return -ENOSPC;
	e->made = true;
	if (r == 0) {
		e->pub.state = CONTAINER_HOST;
		age_append(c, e);
		return 0;
	}
	o = obj_find(c, ref.runtime, ref.id);
	if (o) {
		entry_set_obj(e, o);
		age_append(c, e);
		return 0;
	}
	p = strdup(path);
	r = p ? resolver_enqueue(c, cgroup_id, e->gen, p) : -ENOMEM;
	if (r < 0) {
		free(p);
		entry_drop(c, e, false);
		return r;
	}
	c->npending++;
	return 0;
}

void container_cgroup_removed(struct container *c, uint64_t cgroup_id)
{
	struct centry *e = find(c, cgroup_id);

	if (!e)
		return;
	if (e->pub.state == CONTAINER_PENDING)
		e->doomed = true;
	else
		entry_drop(c, e, true);
}

bool container_news_next(struct container *c, struct container_news *ret)
{
	if (!c->news_len)
		return false;
	*ret = c->news[c->news_head];
	c->news_head = (c->news_head + 1) % CONTAINER_NEWS_MAX;
	c->news_len--;
	return true;
}

const struct ctr_info *container_find_named(const struct container *c, const char *s)
{
	const struct ctr_info *by_id = NULL;
	size_t len = strlen(s), n = 0;

	for (const struct cobj *o = c->objs; o; o = o->next) {
		if (!strcmp(o->info.name, s))
			return &o->info;
		if (len && !strncmp(o->info.id, s, len)) {
			by_id = &o->info;
			n++;
		}
	}
	return n == 1 ? by_id : NULL;
}

const struct ctr_info *container_find(const struct container *c, enum ctr_runtime rt,
				      const char *id)
{
	for (const struct cobj *o = c->objs; o; o = o->next)
		if (o->info.runtime == rt && !strcmp(o->info.id, id))
			return &o->info;
	return NULL;
}

void container_stats(const struct container *c, struct container_stats *ret)
{
	*ret = c->st;
	ret->entries = c->n;
	ret->containers = c->nobjs;
	ret->pending = c->npending;
	ret->handles = __atomic_load_n(&c->handles, __ATOMIC_RELAXED);
}

void container_foreach(const struct container *c,
		       void (*fn)(const struct ctr_info *info, size_t ncgroups, void *arg),
		       void *arg)
{
	for (const struct cobj *o = c->objs; o; o = o->next)
		fn(&o->info, o->refs, arg);
}

/* ---- set-up ------------------------------------------------------------ */

struct container *container_new(struct event_base *base, const struct container_opts *opts)
{
	struct container *c = calloc(1, sizeof(*c));
	size_t nb = 1;
	int r;

	if (!c)
		return NULL;
	c->efd = c->cancel_fd = c->mnt_fd = -1; /* the resolver's, closed by container_free() */
	c->max = opts && opts->max_entries ? opts->max_entries : CONTAINER_CGROUPS_MAX;
	if (c->max >= NIL / 2) {
		r = -EINVAL;
		goto fail;
	}
	c->on_resolved = opts ? opts->on_resolved : NULL;
	c->ctx = opts ? opts->ctx : NULL;
	c->free_head = c->age_head = c->age_tail = NIL;
	while (nb < c->max * 2)
		nb <<= 1;
	c->mask = (uint32_t)nb - 1;
	c->e = calloc(c->max, sizeof(*c->e));
	c->buckets = malloc(nb * sizeof(*c->buckets));
	if (!c->e || !c->buckets) {
		r = -ENOMEM;
		goto fail;
	}
	memset(c->buckets, 0xff, nb * sizeof(*c->buckets));
	for (size_t i = c->max; i-- > 0;) {
		c->e[i].hnext = c->free_head;
		c->free_head = (uint32_t)i;
	}

	r = resolver_init(c, opts);
	if (r < 0)
		goto fail;
	c->ev = event_new(base, c->efd, EV_READ | EV_PERSIST, on_results, c);
	if (!c->ev || event_add(c->ev, NULL) < 0) {
		r = -ENOMEM;
		goto fail;
	}
	c->base = base;
	r = resolver_start(c);
	if (r < 0)
		goto fail;
	return c;
fail:
	container_free(c);
	errno = -r;
	return NULL;
}

void container_free(struct container *c)
{
	if (!c)
		return;
	resolver_stop(c);
	if (c->e) {
		for (size_t i = 0; i < c->max; i++)
			if (c->e[i].used)
				entry_drop(c, &c->e[i], false);
	}
	if (c->ev)
		event_free(c->ev);
	resolver_fini(c);
	free(c->e);
	free(c->buckets);
	free(c);
}
