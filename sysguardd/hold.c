// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Records held while their container is looked up (see hold.h).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>
#include "hold.h"

struct held {
	TAILQ_ENTRY(held) e;
	uint64_t cgroup_id;
	uint64_t t_ns;
	size_t size;
	unsigned char data[];
};

TAILQ_HEAD(held_list, held);

struct hold {
	struct held_list q;
	uint64_t max_ns;
	size_t max_bytes;
	struct held *out;           /* the record handed out last: freed at the next call */
	uint64_t draining;          /* the cgroup being released (HOLD_EXPIRED, HOLD_OLDEST) */
	uint64_t gave_up[HOLD_GAVE_UP_MAX];
	size_t gave_up_next;
	struct hold_stats st;
};

struct hold *hold_new(uint64_t max_ns, size_t max_bytes)
{
	struct hold *h = calloc(1, sizeof(*h));

	if (!h)
		return NULL;
	TAILQ_INIT(&h->q);
	h->max_ns = max_ns;
	h->max_bytes = max_bytes;
	return h;
}

void hold_free(struct hold *h)
{
	struct held *r;

	if (!h)
		return;
	while ((r = TAILQ_FIRST(&h->q))) {
		TAILQ_REMOVE(&h->q, r, e);
		free(r);
	}
	free(h->out);
	free(h);
}

bool hold_has(const struct hold *h, uint64_t cgroup_id)
{
	const struct held *r;

	if (!h->st.records)
		return false;
	TAILQ_FOREACH(r, &h->q, e)
		if (r->cgroup_id == cgroup_id)
			return true;
	return false;
}

bool hold_gave_up(const struct hold *h, uint64_t cgroup_id)
{
	for (size_t i = 0; i < HOLD_GAVE_UP_MAX; i++)
		if (h->gave_up[i] == cgroup_id && cgroup_id)
			return true;
	return false;
}

void hold_forget(struct hold *h, uint64_t cgroup_id)
{
	for (size_t i = 0; i < HOLD_GAVE_UP_MAX; i++)
		if (h->gave_up[i] == cgroup_id)
			h->gave_up[i] = 0;
}

static void give_up(struct hold *h, uint64_t cgroup_id)
{
	if (hold_gave_up(h, cgroup_id))
		return;
	h->gave_up[h->gave_up_next] = cgroup_id;
	h->gave_up_next = (h->gave_up_next + 1) % HOLD_GAVE_UP_MAX;
}

int hold_push(struct hold *h, uint64_t cgroup_id, const void *data, size_t size, uint64_t now_ns)
{
	struct held *r;

	if (h->st.bytes + size > h->max_bytes)
		return -ENOBUFS;
	r = malloc(sizeof(*r) + size);
	if (!r)
		return -ENOBUFS;
	r->cgroup_id = cgroup_id;
	r->t_ns = now_ns;
	r->size = size;
	memcpy(r->data, data, size);
	TAILQ_INSERT_TAIL(&h->q, r, e);
	h->st.records++;
	h->st.bytes += size;
	h->st.held++;
	return 0;
}

static struct held *first_of(struct hold *h, uint64_t cgroup_id)
{
	struct held *r;

	TAILQ_FOREACH(r, &h->q, e)
		if (r->cgroup_id == cgroup_id)
			return r;
	return NULL;
}

/* Which record goes next, or NULL. */
static struct held *pick(struct hold *h, enum hold_take how, uint64_t cgroup_id, uint64_t now_ns)
{
	struct held *r, *head = TAILQ_FIRST(&h->q);

	switch (how) {
	case HOLD_CGROUP:
		return first_of(h, cgroup_id);
	case HOLD_ALL:
		return head;
	case HOLD_EXPIRED:
	case HOLD_OLDEST:
		if (h->draining) {
			r = first_of(h, h->draining);
			if (r)
				return r;
			h->draining = 0;
			if (how == HOLD_OLDEST)
				return NULL;
		}
		if (!head || (how == HOLD_EXPIRED && now_ns - head->t_ns < h->max_ns))
			return NULL;
		h->draining = head->cgroup_id;
		give_up(h, head->cgroup_id);
		return head;
	}
	return NULL;
}

bool hold_next(struct hold *h, enum hold_take how, uint64_t cgroup_id, uint64_t now_ns,
	       const void **data, size_t *size, uint64_t *ret_cgroup)
{
	struct held *r;

	free(h->out);
	h->out = NULL;
	r = pick(h, how, cgroup_id, now_ns);
	if (!r)
		return false;
	TAILQ_REMOVE(&h->q, r, e);
	h->st.records--;
	h->st.bytes -= r->size;
	if (how == HOLD_CGROUP)
		h->st.released++;
	else
		h->st.expired++;
	h->out = r;
	*data = r->data;
	*size = r->size;
	*ret_cgroup = r->cgroup_id;
	return true;
}

uint64_t hold_find(const struct hold *h, bool (*keep)(uint64_t cgroup_id, void *arg), void *arg)
{
	const struct held *r;

	TAILQ_FOREACH(r, &h->q, e)
		if (keep(r->cgroup_id, arg))
			return r->cgroup_id;
	return 0;
}

void hold_stats(const struct hold *h, struct hold_stats *ret)
{
	*ret = h->st;
}
