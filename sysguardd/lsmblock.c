// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * BPF-LSM enforcement (see lsmblock.h): loading bpf/lsm.bpf.c with the
 * tracing object's maps, attaching and pinning its programs, and writing
 * the compiled block rules.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "bpfobj.h"
#include "enforce.h"
#include "log.h"
#include "lsmblock.h"
#include "pinlink.h"
#include "policy.h"
#include "sg_limits.h"
#include "lsm.skel.h"

#define NPROGS 6

/* What owns each slot of the rule map, for the reports. */
struct slot {
	char id[SG_POLICY_ID_MAX + 1];
	enum sg_severity sev;
	bool used;
};

struct lsmblock {
	struct lsm_bpf *skel;
	struct pinlinks *links;
	const char *hooks[NPROGS];
	bool release_on_stop;
	uint32_t tel_hooks;          /* SG_LH_* reported when let through */
	uint32_t base;               /* generation in force */
	uint32_t n;                  /* its entries */
	size_t rules;
	struct slot slots[SG_LSM_SLOTS];
};

static const char *const prog_names[NPROGS] = {
	"lsm_exec", "lsm_open", "lsm_unlink", "lsm_rmdir", "lsm_rename", "lsm_connect",
};

static struct bpf_link *attach_lsm(struct bpf_program *prog, void *arg)
{
	return bpf_program__attach_lsm(prog);
}

/*
 * Attach every program; a link a previous daemon pinned is let go only once
 * ours is attached, so the hook is never without a program (pinlink.h).
 */
static int attach_all(struct lsmblock *l, char *err, size_t errlen)
{
	for (int i = 0; i < NPROGS; i++) {
		struct bpf_program *prog = bpf_object__find_program_by_name(l->skel->obj,
									     prog_names[i]);
		int r;

		if (!prog) {
			snprintf(err, errlen, "the BPF-LSM object has no program '%s'", prog_names[i]);
			return -ENOENT;
		}
		r = pinlinks_attach(l->links, prog, attach_lsm, NULL);
		if (r < 0) {
			snprintf(err, errlen, "cannot attach '%s' to '%s': %s", prog_names[i],
				 bpf_program__section_name(prog), strerror(-r));
			return r;
		}
		l->hooks[i] = bpf_program__section_name(prog);
	}
	return 0;
}

int lsmblock_open(struct lsmblock **ret, struct kernel *k, const struct lsmblock_opts *o,
		  char *err, size_t errlen)
{
	static const char *const shared[] = {
		"events", "counters", "blocked", "stash", "exec_stash", "lsm_marks",
		"filter", "excl_uid", "excl_comm",
	};
	struct lsmblock *l;
	int r;

	l = calloc(1, sizeof(*l));
	if (!l) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	l->release_on_stop = o->release_on_stop;
	l->tel_hooks = o->tel_open ? SG_LH_OPEN_READ | SG_LH_OPEN_WRITE : 0;
	l->links = pinlinks_new(o->pin_dir ? o->pin_dir : SG_PIN_DIR, "BPF-LSM blocks",
				PINLINK_REPLACE, err, errlen);
	if (!l->links) {
		r = -errno;
		goto fail;
	}
	l->skel = lsm_bpf__open();
	r = bpfobj_check(l->skel ? l->skel->obj : NULL, "lsm.bpf.o", "the BPF-LSM object", err,
			 errlen);
	if (r < 0)
		goto fail;
	l->skel->rodata->lsm_self_pid = getpid();
	r = bpfobj_share_maps(l->skel->obj, k, shared, sizeof(shared) / sizeof(shared[0]), err,
			      errlen);
	if (r < 0)
		goto fail;
	r = lsm_bpf__load(l->skel);
	if (r < 0) {
		snprintf(err, errlen, "cannot load the BPF-LSM programs: %s", strerror(-r));
		goto fail;
	}
	r = lsmblock_set_policy(l, NULL); /* no entries yet; the telemetry from now on */
	if (r < 0) {
		snprintf(err, errlen, "cannot write the BPF-LSM configuration: %s", strerror(-r));
		goto fail;
	}
	r = attach_all(l, err, errlen);
	if (r < 0)
		goto fail;
	*ret = l;
	return 0;
fail:
	lsmblock_close(l, false);
	return r;
}

void lsmblock_close(struct lsmblock *l, bool clean)
{
	/* like network enforcement: a clean stop keeps what is in force, unless told not to */
	bool release = l && clean && (l->release_on_stop || l->n == 0);

	if (!l)
		return;
	if (clean && release && pinlinks_count(l->links))
		sg_log(LOG_INFO, "BPF-LSM enforcement released%s",
		       l->release_on_stop ? "" : ": no block rule in force");
	pinlinks_free(l->links, release || !clean);
	lsm_bpf__destroy(l->skel);
	free(l);
}

struct fill {
	struct lsmblock *l;
	uint32_t base, n;
	uint32_t hooks, exe_hooks;
	const char *id;
	enum sg_severity sev;
	int fd;
};

static bool uses_exe(const struct sg_lsm_rule *e)
{
	for (uint32_t i = 0; i < e->n; i++)
		if (e->c[i].field == SG_LF_EXE || e->c[i].field == SG_LF_EXENAME)
			return true;
	return false;
}

static int put_entry(void *arg, const struct sg_lsm_rule *ent)
{
	struct fill *f = arg;
	uint32_t slot = f->base + f->n;
	struct slot *s;

	if (f->n >= SG_LSM_RULES)
		return -E2BIG;
	if (bpf_map_update_elem(f->fd, &slot, ent, BPF_ANY) < 0)
		return -errno;
	s = &f->l->slots[slot];
	snprintf(s->id, sizeof(s->id), "%s", f->id);
	s->sev = f->sev;
	s->used = true;
	f->hooks |= ent->hooks;
	if (uses_exe(ent))
		f->exe_hooks |= ent->hooks;
	f->n++;
	return 0;
}

int lsmblock_set_policy(struct lsmblock *l, struct policy *p)
{
	struct fill f = {
		.l = l,
		.base = l->base == 0 ? SG_LSM_RULES : 0, /* the generation not in force */
		.fd = bpf_map__fd(l->skel->maps.lsm_rules),
	};
	struct sg_lsm_conf conf;
	uint32_t zero = 0;
	size_t rules = 0;

	for (uint32_t i = 0; i < SG_LSM_RULES; i++)
		l->slots[f.base + i].used = false;
	for (size_t i = 0; p && i < policy_rule_count(p); i++) {
		struct policy_rule_info ri;
		uint32_t before = f.n;
		int q;

		if (policy_rule_info(p, i, &ri) < 0 || !ri.plan || strcmp(ri.plan, "lsm") != 0)
			continue;
		f.id = ri.id;
		f.sev = ri.severity;
		q = policy_lsm_entries(p, i, put_entry, &f);
		if (q < 0) {
			char why[160];

			f.n = before; /* its entries are overwritten by the next rule's */
			if (q == -E2BIG)
				snprintf(why, sizeof(why), "the BPF-LSM table is full (%d entries)",
					 SG_LSM_RULES);
			else
				snprintf(why, sizeof(why), "cannot write its BPF-LSM entries: %s",
					 strerror(-q));
			policy_rule_set_enforcer(p, i, NULL, why);
			sg_log(LOG_WARNING, "block rule '%s' is monitor-only: %s", ri.id, why);
			continue;
		}
		policy_rule_set_enforcer(p, i, "lsm", NULL);
		rules++;
	}
	conf = (struct sg_lsm_conf){ .base = f.base, .n = f.n, .hooks = f.n ? f.hooks : 0,
				     .exe_hooks = f.exe_hooks, .tel_hooks = l->tel_hooks };
	if (bpf_map_update_elem(bpf_map__fd(l->skel->maps.lsm_conf), &zero, &conf, BPF_ANY) < 0) {
		int r = -errno;

		sg_log(LOG_ERR, "cannot switch the BPF-LSM rules: %s", strerror(-r));
		return r;
	}
	l->base = f.base;
	l->n = f.n;
	l->rules = rules;
	return (int)rules;
}

bool lsmblock_rule(const struct lsmblock *l, uint32_t slot, const char **id,
		   enum sg_severity *sev)
{
	if (!l || slot >= SG_LSM_SLOTS || !l->slots[slot].used)
		return false;
	*id = l->slots[slot].id;
	*sev = l->slots[slot].sev;
	return true;
}

void lsmblock_stats(const struct lsmblock *l, struct lsmblock_stats *ret)
{
	int fd = bpf_map__fd(l->skel->maps.lsm_hits);

	memset(ret, 0, sizeof(*ret));
	ret->programs = pinlinks_count(l->links);
	ret->rules = l->rules;
	ret->entries = l->n;
	ret->adopted = pinlinks_adopted(l->links);
	ret->tel_open = l->tel_hooks != 0;
	for (uint32_t s = 0; s < SG_LSM_SLOTS; s++) {
		uint64_t v = 0;

		if (bpf_map_lookup_elem(fd, &s, &v) == 0)
			ret->hits += v;
	}
}

const char *lsmblock_hook(const struct lsmblock *l, size_t i)
{
	return l && i < NPROGS ? l->hooks[i] : NULL;
}
