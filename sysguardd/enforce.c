// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Network enforcement (see enforce.h): the enforcement object opened with
 * the tracing object's maps, its rule maps pinned and its programs attached
 * on the cgroup v2 root through pinned links (pinlink.c), and the rule list,
 * which is the truth: each change is written to the maps (enforce_maps.c)
 * and, for runtime rules, to the state file (enforce_state.c).
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <limits.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>
#include <bpf/libbpf.h>
#include "bpfobj.h"
#include "enforce.h"
#include "enforce_maps.h"
#include "enforce_state.h"
#include "enforce.skel.h"
#include "pinlink.h"
#include "sg_limits.h"
#include "log.h"

#define NSLOTS SG_BLOCK_RULES_MAX
#define NPROGS 6                     /* connect, sendmsg and bind, IPv4 and IPv6 */

struct enforce {
	struct enforce_bpf *skel;
	struct enforce_maps maps;
	struct pinlinks *links;
	char pin_dir[256];
	char state_dir[4096];
	char state_path[4200];
	char cgroot[4096];
	bool release_on_stop;
	struct enforce_rule *rules;
	size_t n, cap;
	uint8_t *slot_used;          /* NSLOTS bytes */
	uint32_t slot_next;          /* where the next free slot is looked for */
};

/* The root cgroup of the v2 hierarchy: its directory's inode, and the cgroup id BPF reports. */
#define CGROUP_ROOT_INO 1

static const char *const prog_names[NPROGS] = {
	"enf_connect4", "enf_connect6", "enf_sendmsg4", "enf_sendmsg6", "enf_bind4", "enf_bind6",
};

int enforce_find_cgroup2(char *buf, size_t len)
{
	char line[4096];
	FILE *f = fopen("/proc/self/mountinfo", "re");
	int r = -ENOENT;

	if (!f)
		return -errno;
	/*
	 * id parent maj:min root mountpoint opts ... - fstype source superopts
	 *
	 * The mount must show the whole hierarchy: its directory is the root
	 * cgroup, whose inode (its cgroup id) is 1.  The root field cannot tell:
	 * in a cgroup namespace of its own (a container) it is relative to the
	 * namespace, and a cgroup2 mount of the container's own subtree reads "/"
	 * there; programs attached to that cgroup would see only the container.
	 */
	while (fgets(line, sizeof(line), f)) {
		char mnt[1024], *sep = strstr(line, " - ");
		char fstype[64];
		struct stat st;

		if (!sep || sscanf(sep + 3, "%63s", fstype) != 1 || strcmp(fstype, "cgroup2"))
			continue;
		if (sscanf(line, "%*s %*s %*s %*s %1023s", mnt) != 1)
			continue;
		if (stat(mnt, &st) < 0 || st.st_ino != CGROUP_ROOT_INO)
			continue;
		if (strlen(mnt) >= len) {
			r = -ENAMETOOLONG;
			break;
		}
		strcpy(buf, mnt);
		r = 0;
		break;
	}
	fclose(f);
	return r;
}

/* ---- rules as text ---- */

static int cgroup_resolve(const char *root, const char *path, uint64_t *id, uint16_t *level)
{
	char full[PATH_MAX];
	struct stat st;
	uint16_t lvl = 0;
	const char *p;

	if (path[0] != '/')
		return -EINVAL;
	if (snprintf(full, sizeof(full), "%s%s", root, path) >= (int)sizeof(full))
		return -ENAMETOOLONG;
	if (stat(full, &st) < 0)
		return -errno;
	if (!S_ISDIR(st.st_mode))
		return -ENOTDIR;
	for (p = path; *p; p++)
		if (*p == '/' && p[1] && p[1] != '/')
			lvl++;
	*id = st.st_ino; /* on cgroup2 the inode number is the cgroup id */
	*level = lvl;
	return 0;
}

int enforce_rule_format(const struct enforce_rule *r, char *buf, size_t len)
{
	struct addr_endpoint ep = { .net = r->net };
	char t[ADDR_STR_MAX];

	ep.has_port = !(r->port_lo == 0 && r->port_hi == 65535);
	ep.ports.lo = r->port_lo;
	ep.ports.hi = r->port_hi;
	addr_format_endpoint(&ep, t, sizeof(t));
	if (r->container[0])
		return snprintf(buf, len, "%s%s%s%s container=%s", t, r->proto ? " " : "",
				r->proto ? addr_proto_name(r->proto) : "",
				r->hooks & SG_HOOK_BIND ? " bind" : "", r->container);
	return snprintf(buf, len, "%s%s%s%s%s%s", t, r->proto ? " " : "",
			r->proto ? addr_proto_name(r->proto) : "",
			r->hooks & SG_HOOK_BIND ? " bind" : "", r->cgroup[0] ? " cgroup=" : "",
			r->cgroup);
}

/* Same rule: what it matches (not its metadata). */
static bool rule_same(const struct enforce_rule *a, const struct enforce_rule *b)
{
	return addr_cidr_cmp(&a->net, &b->net) == 0 && a->port_lo == b->port_lo &&
	       a->port_hi == b->port_hi && a->proto == b->proto && a->hooks == b->hooks &&
	       strcmp(a->cgroup, b->cgroup) == 0;
}

/* ---- the rule list ---- */

static int count_on_prefix(const struct enforce *e, const struct addr_cidr *c)
{
	int n = 0;

	for (size_t i = 0; i < e->n; i++)
		if (addr_cidr_cmp(&e->rules[i].net, c) == 0)
			n++;
	return n;
}

static int slot_alloc(struct enforce *e, uint32_t *ret)
{
	for (uint32_t k = 0; k < NSLOTS; k++) {
		uint32_t s = (e->slot_next + k) % NSLOTS;

		if (!e->slot_used[s]) {
			e->slot_next = s + 1;
			e->slot_used[s] = 1;
			enforce_maps_reset_hits(&e->maps, s);
			*ret = s;
			return 0;
		}
	}
	return -ENOSPC;
}

static int rules_push(struct enforce *e, const struct enforce_rule *r)
{
	if (e->n == e->cap) {
		size_t cap = e->cap ? e->cap * 2 : 64;
		struct enforce_rule *n = realloc(e->rules, cap * sizeof(*n));

		if (!n)
			return -ENOMEM;
		e->rules = n;
		e->cap = cap;
	}
	e->rules[e->n++] = *r;
	return 0;
}

static int sync_prefix(struct enforce *e, const struct addr_cidr *c)
{
	return enforce_maps_sync_prefix(&e->maps, e->rules, e->n, c);
}

static int sync_all(struct enforce *e)
{
	return enforce_maps_sync_all(&e->maps, e->rules, e->n);
}

/* ---- the state file ---- */

static int state_save(struct enforce *e)
{
	return enforce_state_save(e->state_dir, e->state_path, e->rules, e->n);
}

/* A rule from the state file: its cgroup, its slot (the one it had, for its hit count). */
static int state_add(void *arg, struct enforce_rule *r, int64_t slot)
{
	struct enforce *e = arg;

	if (r->cgroup[0] && cgroup_resolve(e->cgroot, r->cgroup, &r->cgroup_id, &r->cg_level) < 0) {
		sg_log(LOG_WARNING, "block rule for cgroup '%s': the cgroup does not exist; "
		       "kept, but it matches nothing until the daemon restarts with it present",
		       r->cgroup);
		r->cgroup_id = UINT64_MAX;
	}
	if (slot >= 0 && slot < NSLOTS && !e->slot_used[slot]) {
		r->slot = slot; /* keeps its hit count from the pinned map */
		e->slot_used[slot] = 1;
	} else if (slot_alloc(e, &r->slot) < 0) {
		return -ENOSPC;
	}
	return rules_push(e, r);
}

/* ---- programs and links ---- */

static struct bpf_link *attach_cgroup(struct bpf_program *prog, void *arg)
{
	return bpf_program__attach_cgroup(prog, *(int *)arg);
}

/* A link a previous daemon pinned gets our program swapped in: no gap (pinlink.h). */
static int attach_all(struct enforce *e, char *err, size_t errlen)
{
	int cgfd = open(e->cgroot, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (cgfd < 0) {
		snprintf(err, errlen, "cannot open the cgroup v2 root '%s': %s", e->cgroot,
			 strerror(errno));
		return -errno;
	}
	for (int i = 0; i < NPROGS; i++) {
		struct bpf_program *prog = bpf_object__find_program_by_name(e->skel->obj,
									     prog_names[i]);
		int r = prog ? pinlinks_attach(e->links, prog, attach_cgroup, &cgfd) : -ENOENT;

		if (r < 0) {
			snprintf(err, errlen, "cannot attach '%s' to the cgroup '%s': %s",
				 prog_names[i], e->cgroot, strerror(-r));
			close(cgfd);
			return r;
		}
	}
	close(cgfd);
	return 0;
}

int enforce_open(struct enforce **ret, struct kernel *k, const struct enforce_opts *o, char *err,
		 size_t errlen)
{
	static const char *const shared[] = { "events", "blocked", "counters", "filter", "excl_uid",
					      "excl_comm" };
	struct enforce *e;
	int r;

	e = calloc(1, sizeof(*e));
	if (!e || !(e->slot_used = calloc(NSLOTS, 1))) {
		free(e);
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	e->release_on_stop = o->release_on_stop;
	snprintf(e->pin_dir, sizeof(e->pin_dir), "%s", o->pin_dir ? o->pin_dir : SG_PIN_DIR);
	snprintf(e->state_dir, sizeof(e->state_dir), "%s", o->state_dir);
	snprintf(e->state_path, sizeof(e->state_path), "%s/" ENFORCE_STATE_FILE, o->state_dir);
	r = enforce_find_cgroup2(e->cgroot, sizeof(e->cgroot));
	if (r < 0) {
		snprintf(err, errlen, "cgroup v2 is not mounted (its root, not a cgroup "
			 "namespace's view): network enforcement needs it");
		goto fail;
	}
	e->links = pinlinks_new(e->pin_dir, "enforcement", PINLINK_UPDATE, err, errlen);
	if (!e->links) {
		r = -errno;
		goto fail;
	}
	mkdir(o->state_dir, 0750);

	e->skel = enforce_bpf__open();
	r = bpfobj_check(e->skel ? e->skel->obj : NULL, "enforce.bpf.o",
			 "the enforcement BPF object", err, errlen);
	if (r < 0)
		goto fail;
	e->skel->rodata->tel_self_pid = getpid();
	e->skel->rodata->tel_wakeup_bytes = o->wakeup_bytes;
	e->skel->bss->tel_hooks = o->tel_hooks;
	r = bpfobj_share_maps(e->skel->obj, k, shared, sizeof(shared) / sizeof(shared[0]), err,
			      errlen);
	if (r < 0)
		goto fail;
	/* rules and hit counts outlive the daemon: libbpf re-uses what is pinned */
	{
		struct bpf_map *own[] = { e->skel->maps.block4, e->skel->maps.block6,
					  e->skel->maps.hits };

		for (size_t i = 0; i < 3; i++) {
			char path[512];

			snprintf(path, sizeof(path), "%s/%s", e->pin_dir, bpf_map__name(own[i]));
			bpf_map__set_pin_path(own[i], path);
		}
	}
	r = enforce_bpf__load(e->skel);
	if (r < 0) {
		snprintf(err, errlen, "cannot load the enforcement programs: %s", strerror(-r));
		goto fail;
	}
	e->maps = (struct enforce_maps){ .block4 = bpf_map__fd(e->skel->maps.block4),
					 .block6 = bpf_map__fd(e->skel->maps.block6),
					 .hits = bpf_map__fd(e->skel->maps.hits) };
	enforce_state_load(e->state_path, time(NULL), state_add, e);
	r = sync_all(e);
	if (r < 0 && r != -E2BIG) {
		snprintf(err, errlen, "cannot write the block rules: %s", strerror(-r));
		goto fail;
	}
	r = attach_all(e, err, errlen);
	if (r < 0)
		goto fail;
	*ret = e;
	return 0;
fail:
	enforce_close(e, false);
	return r;
}

void enforce_close(struct enforce *e, bool clean)
{
	/*
	 * A clean stop keeps the programs attached and pinned while there are
	 * rules to enforce (unless release_on_stop); with none there is nothing
	 * to keep, so nothing is left on the cgroup root.
	 */
	bool release = e && clean && (e->release_on_stop || e->n == 0);

	if (!e)
		return;
	/* programs left attached for the rules report nothing to nobody */
	if (e->skel && e->skel->bss)
		e->skel->bss->tel_hooks = 0;
	pinlinks_free(e->links, release);
	if (release && e->skel) {
		bpf_map__unpin(e->skel->maps.block4, NULL);
		bpf_map__unpin(e->skel->maps.block6, NULL);
		bpf_map__unpin(e->skel->maps.hits, NULL);
		rmdir(e->pin_dir);
		sg_log(LOG_INFO, "network enforcement released%s",
		       e->release_on_stop ? "" : ": no block rule in force");
	}
	enforce_bpf__destroy(e->skel);
	free(e->rules);
	free(e->slot_used);
	free(e);
}

/* ---- changes ---- */

int enforce_add(struct enforce *e, struct enforce_rule *r, char *err, size_t errlen)
{
	int ret;

	for (size_t i = 0; i < e->n; i++) {
		if (rule_same(&e->rules[i], r) && enforce_rule_runtime(&e->rules[i])) {
			snprintf(err, errlen, "the rule already exists");
			return -EEXIST;
		}
	}
	if (count_on_prefix(e, &r->net) >= SG_BLOCK_PER_PREFIX) {
		snprintf(err, errlen, "too many rules on this address (%d at most)",
			 SG_BLOCK_PER_PREFIX);
		return -E2BIG;
	}
	if (r->cgroup[0]) {
		ret = cgroup_resolve(e->cgroot, r->cgroup, &r->cgroup_id, &r->cg_level);
		if (ret < 0) {
			snprintf(err, errlen, "cgroup '%s' not found under '%s': %s", r->cgroup,
				 e->cgroot, strerror(-ret));
			return -EINVAL;
		}
	}
	if (slot_alloc(e, &r->slot) < 0) {
		snprintf(err, errlen, "too many block rules (%d at most)", NSLOTS);
		return -ENOSPC;
	}
	ret = rules_push(e, r);
	if (ret == 0)
		ret = sync_prefix(e, &r->net);
	if (ret < 0) {
		e->slot_used[r->slot] = 0;
		if (e->n && rule_same(&e->rules[e->n - 1], r))
			e->n--;
		snprintf(err, errlen, "cannot write the rule: %s", strerror(-ret));
		return ret;
	}
	state_save(e);
	return 0;
}

static void remove_at(struct enforce *e, size_t i)
{
	e->slot_used[e->rules[i].slot] = 0;
	memmove(&e->rules[i], &e->rules[i + 1], (e->n - i - 1) * sizeof(*e->rules));
	e->n--;
}

int enforce_remove(struct enforce *e, const struct enforce_rule *r, char *err, size_t errlen)
{
	for (size_t i = 0; i < e->n; i++) {
		struct addr_cidr net;
		int ret;

		if (!rule_same(&e->rules[i], r) || !enforce_rule_runtime(&e->rules[i]))
			continue;
		net = e->rules[i].net;
		remove_at(e, i);
		ret = sync_prefix(e, &net);
		if (ret < 0) {
			snprintf(err, errlen, "cannot update the map: %s", strerror(-ret));
			return ret;
		}
		state_save(e);
		return 0;
	}
	snprintf(err, errlen, "no such runtime rule");
	return -ENOENT;
}

int enforce_set_policy_rules(struct enforce *e, const struct enforce_rule *rules, size_t n,
			     char *err, size_t errlen)
{
	struct enforce_rule *was = NULL;
	size_t w = 0, nwas = 0;
	int r = 0;

	/* the policy's rules so far: one that stays keeps its slot, its id and its hits */
	for (size_t i = 0; i < e->n; i++)
		if (!enforce_rule_runtime(&e->rules[i]))
			nwas++;
	if (nwas && !(was = malloc(nwas * sizeof(*was)))) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	nwas = 0;
	for (size_t i = 0; i < e->n; i++) {
		if (enforce_rule_runtime(&e->rules[i]))
			e->rules[w++] = e->rules[i];
		else
			was[nwas++] = e->rules[i];
	}
	e->n = w;
	for (size_t i = 0; i < n && r == 0; i++) {
		struct enforce_rule nr = rules[i];
		bool kept = false;

		if (nr.cgroup[0] && cgroup_resolve(e->cgroot, nr.cgroup, &nr.cgroup_id,
						   &nr.cg_level) < 0) {
			sg_log(LOG_WARNING, "policy rule '%s': cgroup '%s' not found; skipped",
			       nr.source, nr.cgroup);
			continue;
		}
		for (size_t k = 0; k < nwas && !kept; k++)
			if (was[k].slot != UINT32_MAX && rule_same(&was[k], &nr) &&
			    !strcmp(was[k].source, nr.source) && was[k].cgroup_id == nr.cgroup_id) {
				nr.slot = was[k].slot;
				nr.created = was[k].created;
				was[k].slot = UINT32_MAX; /* taken over */
				kept = true;
			}
		if ((!kept && slot_alloc(e, &nr.slot) < 0) || rules_push(e, &nr) < 0) {
			snprintf(err, errlen, "too many block rules");
			r = -ENOSPC;
		}
	}
	for (size_t k = 0; k < nwas; k++)
		if (was[k].slot != UINT32_MAX)
			e->slot_used[was[k].slot] = 0;
	free(was);
	if (r < 0)
		return r;
	r = sync_all(e);
	if (r == -E2BIG)
		snprintf(err, errlen, "more than %d block rules on one address", SG_BLOCK_PER_PREFIX);
	else if (r < 0)
		snprintf(err, errlen, "cannot write the block rules: %s", strerror(-r));
	return r;
}

/* Remove every rule gone() says is gone, cb(arg, r) for each; the state saved once. */
static int remove_gone(struct enforce *e, bool (*gone)(const struct enforce *e,
						       const struct enforce_rule *r, int64_t now),
		       void (*cb)(void *arg, const struct enforce_rule *r), void *arg)
{
	int64_t now = time(NULL);
	int n = 0;

	for (size_t i = 0; i < e->n;) {
		struct enforce_rule r = e->rules[i];

		if (!gone(e, &r, now)) {
			i++;
			continue;
		}
		remove_at(e, i);
		sync_prefix(e, &r.net);
		if (cb)
			cb(arg, &r);
		n++;
	}
	if (n)
		state_save(e);
	return n;
}

static bool expired(const struct enforce *e, const struct enforce_rule *r, int64_t now)
{
	return r->expires && r->expires <= now;
}

int enforce_expire(struct enforce *e, void (*cb)(void *arg, const struct enforce_rule *r),
		   void *arg)
{
	return remove_gone(e, expired, cb, arg);
}

/* A runtime rule of a container whose cgroup is no more. */
static bool container_gone(const struct enforce *e, const struct enforce_rule *r, int64_t now)
{
	char path[PATH_MAX];
	struct stat st;

	return r->container[0] && enforce_rule_runtime(r) &&
	       snprintf(path, sizeof(path), "%s%s", e->cgroot, r->cgroup) < (int)sizeof(path) &&
	       stat(path, &st) < 0 && errno == ENOENT;
}

int enforce_prune_containers(struct enforce *e,
			     void (*cb)(void *arg, const struct enforce_rule *r), void *arg)
{
	return remove_gone(e, container_gone, cb, arg);
}

size_t enforce_count(const struct enforce *e)
{
	return e->n;
}

const struct enforce_rule *enforce_get(const struct enforce *e, size_t i)
{
	return i < e->n ? &e->rules[i] : NULL;
}

const struct enforce_rule *enforce_by_slot(const struct enforce *e, uint32_t slot)
{
	for (size_t i = 0; i < e->n; i++)
		if (e->rules[i].slot == slot)
			return &e->rules[i];
	return NULL;
}

uint64_t enforce_hits(const struct enforce *e, uint32_t slot)
{
	return enforce_maps_hits(&e->maps, slot);
}

const char *enforce_cgroup_root(const struct enforce *e)
{
	return e->cgroot;
}
