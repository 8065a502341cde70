// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Network enforcement (see enforce.h).  The rule list is the truth; the maps
 * are derived from it.  A change touches one prefix: its value (every rule on
 * that exact prefix) is rebuilt and written with one map update, or deleted.
 * A bulk change (start-up, policy reload) sorts the rules, writes every
 * prefix, then deletes the prefixes no rule holds any more; a rule that stays
 * is never absent from the map in between.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/stat.h>
#include <sys/socket.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <json-c/json.h>
#include "abi.h"
#include "enforce.h"
#include "enforce.skel.h"
#include "kernel.h"
#include "sg_limits.h"
#include "log.h"

#define STATE_FILE "blocks.json"
#define NSLOTS SG_BLOCK_RULES_MAX
#define NPROGS 6                     /* connect, sendmsg and bind, IPv4 and IPv6 */

struct enforce {
	struct enforce_bpf *skel;
	struct bpf_link *links[NPROGS];
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

static bool is_runtime(const struct enforce_rule *r)
{
	return strcmp(r->source, "runtime") == 0;
}

/* ---- maps ---- */

static uint64_t boot_ns_of(int64_t unix_sec)
{
	struct timespec rt, bt;
	int64_t off;

	clock_gettime(CLOCK_REALTIME, &rt);
	clock_gettime(CLOCK_BOOTTIME, &bt);
	off = (int64_t)rt.tv_sec - (int64_t)bt.tv_sec;
	return unix_sec > off ? (uint64_t)(unix_sec - off) * 1000000000ull : 1;
}

static int prefix_fd(struct enforce *e, int family)
{
	return bpf_map__fd(family == AF_INET ? e->skel->maps.block4 : e->skel->maps.block6);
}

static void make_key(const struct addr_cidr *c, void *key)
{
	if (c->family == AF_INET) {
		struct sg_lpm4 *k = key;

		k->prefixlen = c->prefix;
		memcpy(k->addr, c->addr, 4);
	} else {
		struct sg_lpm6 *k = key;

		k->prefixlen = c->prefix;
		memcpy(k->addr, c->addr, 16);
	}
}

static int add_ent(struct sg_block_val *v, const struct enforce_rule *r)
{
	struct sg_block_ent *ent;

	if (v->n == SG_BLOCK_PER_PREFIX)
		return -E2BIG;
	ent = &v->ent[v->n++];
	ent->port_lo = r->port_lo;
	ent->port_hi = r->port_hi;
	ent->proto = r->proto;
	ent->hooks = r->hooks;
	ent->cg_level = r->cg_level;
	ent->cgroup_id = r->cgroup[0] ? r->cgroup_id : 0;
	ent->rule = r->slot;
	ent->expires_ns = r->expires ? boot_ns_of(r->expires) : 0;
	return 0;
}

/* Write (or delete, when empty) the value of prefix c. */
static int write_prefix(struct enforce *e, const struct addr_cidr *c, const struct sg_block_val *v)
{
	struct sg_lpm6 key; /* big enough for both */
	int fd = prefix_fd(e, c->family);

	memset(&key, 0, sizeof(key));
	make_key(c, &key);
	if (v->n == 0) {
		if (bpf_map_delete_elem(fd, &key) < 0 && errno != ENOENT)
			return -errno;
		return 0;
	}
	return bpf_map_update_elem(fd, &key, v, BPF_ANY) < 0 ? -errno : 0;
}

/* Rebuild and write the value of one prefix from the rule list: O(rules). */
static int sync_prefix(struct enforce *e, const struct addr_cidr *c)
{
	struct sg_block_val v;

	memset(&v, 0, sizeof(v));
	v.prefixlen = c->prefix;
	for (size_t i = 0; i < e->n; i++) {
		if (addr_cidr_cmp(&e->rules[i].net, c) == 0 && add_ent(&v, &e->rules[i]) < 0)
			return -E2BIG;
	}
	return write_prefix(e, c, &v);
}

static int count_on_prefix(const struct enforce *e, const struct addr_cidr *c)
{
	int n = 0;

	for (size_t i = 0; i < e->n; i++)
		if (addr_cidr_cmp(&e->rules[i].net, c) == 0)
			n++;
	return n;
}

/* Whether a rule holds prefix c; the rules must be sorted (after sync_all). */
static bool sorted_has(const struct enforce *e, const struct addr_cidr *c)
{
	size_t lo = 0, hi = e->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int r = addr_cidr_cmp(&e->rules[mid].net, c);

		if (r == 0)
			return true;
		if (r < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return false;
}

/* Delete map prefixes that no rule holds (after a bulk write). */
static void prune_family(struct enforce *e, int family)
{
	int fd = prefix_fd(e, family);
	struct sg_lpm6 key, next;
	void *prev = NULL;

	while (bpf_map_get_next_key(fd, prev, &next) == 0) {
		struct addr_cidr c = { .family = family };

		if (family == AF_INET) {
			struct sg_lpm4 *k = (void *)&next;

			c.prefix = k->prefixlen;
			memcpy(c.addr, k->addr, 4);
		} else {
			c.prefix = next.prefixlen;
			memcpy(c.addr, next.addr, 16);
		}
		if (!sorted_has(e, &c)) {
			bpf_map_delete_elem(fd, &next);
			prev = NULL; /* restart: the iteration order changed */
			continue;
		}
		key = next;
		prev = &key;
	}
}

static int cmp_rule_prefix(const void *a, const void *b)
{
	return addr_cidr_cmp(&((const struct enforce_rule *)a)->net,
			     &((const struct enforce_rule *)b)->net);
}

/* Sort the rules and write every prefix from its run of rules: O(n log n). */
static int sync_all(struct enforce *e)
{
	int r = 0;

	if (e->n) /* qsort(NULL, 0, ...) is undefined */
		qsort(e->rules, e->n, sizeof(*e->rules), cmp_rule_prefix);
	for (size_t i = 0, j; i < e->n; i = j) {
		struct sg_block_val v;
		int w = 0;

		memset(&v, 0, sizeof(v));
		v.prefixlen = e->rules[i].net.prefix;
		for (j = i; j < e->n && addr_cidr_cmp(&e->rules[j].net, &e->rules[i].net) == 0; j++)
			if (w == 0)
				w = add_ent(&v, &e->rules[j]);
		if (w == 0)
			w = write_prefix(e, &e->rules[i].net, &v);
		r = w ? w : r;
		if (w < 0) {
			char t[ADDR_STR_MAX];

			addr_format_cidr(&e->rules[i].net, t, sizeof(t));
			sg_log(LOG_ERR, "cannot write the block rules for '%s': %s", t, strerror(-r));
		}
	}
	prune_family(e, AF_INET);
	prune_family(e, AF_INET6);
	return r;
}

static int slot_alloc(struct enforce *e, uint32_t *ret)
{
	for (uint32_t k = 0; k < NSLOTS; k++) {
		uint32_t s = (e->slot_next + k) % NSLOTS;

		if (!e->slot_used[s]) {
			e->slot_next = s + 1;
			uint64_t zero = 0;

			e->slot_used[s] = 1;
			bpf_map_update_elem(bpf_map__fd(e->skel->maps.hits), &s, &zero, BPF_ANY);
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

/* ---- the state file ---- */

static struct json_object *rule_to_json(const struct enforce_rule *r)
{
	struct json_object *o = json_object_new_object();
	char t[ADDR_STR_MAX];

	addr_format_cidr(&r->net, t, sizeof(t));
	json_object_object_add(o, "addr", json_object_new_string(t));
	json_object_object_add(o, "port_lo", json_object_new_int(r->port_lo));
	json_object_object_add(o, "port_hi", json_object_new_int(r->port_hi));
	json_object_object_add(o, "proto", json_object_new_int(r->proto));
	json_object_object_add(o, "bind", json_object_new_boolean(r->hooks & SG_HOOK_BIND));
	json_object_object_add(o, "cgroup", json_object_new_string(r->cgroup));
	json_object_object_add(o, "created", json_object_new_int64(r->created));
	json_object_object_add(o, "expires", json_object_new_int64(r->expires));
	json_object_object_add(o, "comment", json_object_new_string(r->comment));
	json_object_object_add(o, "slot", json_object_new_int64(r->slot));
	return o;
}

/* Write to a temporary file, fsync, rename over, fsync the directory. */
static int state_save(struct enforce *e)
{
	struct json_object *root = json_object_new_object(), *arr = json_object_new_array();
	char tmp[4300];
	const char *text;
	int fd, r = 0, dfd;
	size_t len;

	for (size_t i = 0; i < e->n; i++)
		if (is_runtime(&e->rules[i]))
			json_object_array_add(arr, rule_to_json(&e->rules[i]));
	json_object_object_add(root, "version", json_object_new_int(1));
	json_object_object_add(root, "rules", arr);
	text = json_object_to_json_string_ext(root, JSON_C_TO_STRING_PRETTY);
	len = strlen(text);
	snprintf(tmp, sizeof(tmp), "%s.tmp", e->state_path);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0) {
		r = -errno;
		goto out;
	}
	if (write(fd, text, len) != (ssize_t)len || write(fd, "\n", 1) != 1 || fsync(fd) < 0) {
		r = errno ? -errno : -EIO;
		close(fd);
		unlink(tmp);
		goto out;
	}
	close(fd);
	if (rename(tmp, e->state_path) < 0) {
		r = -errno;
		unlink(tmp);
		goto out;
	}
	/* the rename is durable once the directory is */
	dfd = open(e->state_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd >= 0) {
		fsync(dfd);
		close(dfd);
	}
out:
	json_object_put(root);
	if (r < 0)
		sg_log(LOG_ERR, "cannot save the block rules to '%s': %s", e->state_path, strerror(-r));
	return r;
}

static const char *jstr(struct json_object *o, const char *k)
{
	struct json_object *v;

	return json_object_object_get_ex(o, k, &v) && json_object_is_type(v, json_type_string) ?
		       json_object_get_string(v) : NULL;
}

static int64_t jint(struct json_object *o, const char *k, int64_t def)
{
	struct json_object *v;

	return json_object_object_get_ex(o, k, &v) && json_object_is_type(v, json_type_int) ?
		       json_object_get_int64(v) : def;
}

static void state_load(struct enforce *e)
{
	struct json_object *root, *arr;
	int64_t now = time(NULL);
	size_t kept = 0, dropped = 0;

	root = json_object_from_file(e->state_path);
	if (!root) {
		if (access(e->state_path, F_OK) == 0)
			sg_log(LOG_ERR, "'%s' is not valid JSON: runtime block rules not restored",
			       e->state_path);
		return;
	}
	if (!json_object_object_get_ex(root, "rules", &arr) ||
	    !json_object_is_type(arr, json_type_array)) {
		sg_log(LOG_ERR, "'%s' has no 'rules' list: runtime block rules not restored",
		       e->state_path);
		json_object_put(root);
		return;
	}
	for (size_t i = 0; i < json_object_array_length(arr); i++) {
		struct json_object *o = json_object_array_get_idx(arr, i);
		struct enforce_rule r;
		const char *why = NULL, *a = jstr(o, "addr");
		int64_t slot = jint(o, "slot", -1);

		memset(&r, 0, sizeof(r));
		if (!a || addr_parse_cidr(a, &r.net, &why) < 0) {
			sg_log(LOG_WARNING, "'%s': rule %zu: bad address, skipped", e->state_path, i);
			dropped++;
			continue;
		}
		r.port_lo = jint(o, "port_lo", 0);
		r.port_hi = jint(o, "port_hi", 65535);
		r.proto = jint(o, "proto", 0);
		r.hooks = enforce_hooks(r.proto, jint(o, "bind", 0) != 0);
		snprintf(r.cgroup, sizeof(r.cgroup), "%s", jstr(o, "cgroup") ? jstr(o, "cgroup") : "");
		snprintf(r.comment, sizeof(r.comment), "%s",
			 jstr(o, "comment") ? jstr(o, "comment") : "");
		snprintf(r.source, sizeof(r.source), "runtime");
		r.created = jint(o, "created", now);
		r.expires = jint(o, "expires", 0);
		if (r.expires && r.expires <= now) {
			dropped++;
			continue;
		}
		if (r.cgroup[0] && cgroup_resolve(e->cgroot, r.cgroup, &r.cgroup_id, &r.cg_level) < 0) {
			sg_log(LOG_WARNING, "block rule for cgroup '%s': the cgroup does not exist; "
			       "kept, but it matches nothing until the daemon restarts with it present",
			       r.cgroup);
			r.cgroup_id = UINT64_MAX;
		}
		if (slot >= 0 && slot < NSLOTS && !e->slot_used[slot]) {
			r.slot = slot; /* keeps its hit count from the pinned map */
			e->slot_used[slot] = 1;
		} else if (slot_alloc(e, &r.slot) < 0) {
			dropped++;
			continue;
		}
		if (rules_push(e, &r) == 0)
			kept++;
	}
	json_object_put(root);
	sg_log(LOG_INFO, "restored %zu runtime block rules from '%s'%s", kept, e->state_path,
	       dropped ? " (some expired or invalid ones dropped)" : "");
}

/* ---- programs and links ---- */

static int attach_all(struct enforce *e, char *err, size_t errlen)
{
	int cgfd = open(e->cgroot, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (cgfd < 0) {
		snprintf(err, errlen, "cannot open the cgroup v2 root '%s': %s", e->cgroot,
			 strerror(errno));
		return -errno;
	}
	for (int i = 0; i < NPROGS; i++) {
		struct bpf_program *prog;
		struct bpf_link *link = NULL;
		char path[512];

		prog = bpf_object__find_program_by_name(e->skel->obj, prog_names[i]);
		snprintf(path, sizeof(path), "%s/link_%s", e->pin_dir, prog_names[i]);
		/* re-adopt the link a previous daemon left: swap the program in, no gap */
		link = access(path, F_OK) == 0 ? bpf_link__open(path) : NULL;
		if (link && bpf_link__update_program(link, prog) < 0) {
			sg_log(LOG_WARNING, "cannot update the pinned link '%s': %s; attaching anew",
			       path, strerror(errno));
			bpf_link__unpin(link);
			bpf_link__destroy(link);
			link = NULL;
		}
		if (!link) {
			link = bpf_program__attach_cgroup(prog, cgfd);
			if (!link) {
				int r = -errno;

				snprintf(err, errlen, "cannot attach '%s' to the cgroup '%s': %s",
					 prog_names[i], e->cgroot, strerror(-r));
				close(cgfd);
				return r;
			}
			unlink(path);
			if (bpf_link__pin(link, path) < 0)
				sg_log(LOG_WARNING, "cannot pin '%s': %s: enforcement will stop "
				       "with the daemon", path, strerror(errno));
		}
		e->links[i] = link;
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
	snprintf(e->state_path, sizeof(e->state_path), "%s/" STATE_FILE, o->state_dir);
	r = enforce_find_cgroup2(e->cgroot, sizeof(e->cgroot));
	if (r < 0) {
		snprintf(err, errlen, "cgroup v2 is not mounted (its root, not a cgroup "
			 "namespace's view): network enforcement needs it");
		goto fail;
	}
	if (mkdir(e->pin_dir, 0700) < 0 && errno != EEXIST) {
		r = -errno;
		snprintf(err, errlen, "cannot create '%s': %s", e->pin_dir, strerror(errno));
		goto fail;
	}
	mkdir(o->state_dir, 0750);

	e->skel = enforce_bpf__open();
	if (!e->skel) {
		r = -errno;
		snprintf(err, errlen, "cannot open the enforcement BPF object: %s", strerror(-r));
		goto fail;
	}
	r = abi_check("enforce.bpf.o", e->skel->rodata->sg_abi_version, err, errlen);
	if (r < 0)
		goto fail;
	e->skel->rodata->tel_self_pid = getpid();
	e->skel->rodata->tel_wakeup_bytes = o->wakeup_bytes;
	e->skel->bss->tel_hooks = o->tel_hooks;
	for (size_t i = 0; i < sizeof(shared) / sizeof(shared[0]); i++) {
		struct bpf_map *m = bpf_object__find_map_by_name(e->skel->obj, shared[i]);

		r = bpf_map__reuse_fd(m, kernel_map_fd(k, shared[i]));
		if (r < 0) {
			snprintf(err, errlen, "cannot share the map '%s': %s", shared[i], strerror(-r));
			goto fail;
		}
	}
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
	state_load(e);
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
	for (int i = 0; i < NPROGS; i++) {
		if (!e->links[i])
			continue;
		if (release)
			bpf_link__unpin(e->links[i]);
		bpf_link__destroy(e->links[i]); /* a pinned link stays attached */
	}
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
		if (rule_same(&e->rules[i], r) && is_runtime(&e->rules[i])) {
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

		if (!rule_same(&e->rules[i], r) || !is_runtime(&e->rules[i]))
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
	size_t w = 0;
	int r;

	for (size_t i = 0; i < e->n; i++) {
		if (is_runtime(&e->rules[i]))
			e->rules[w++] = e->rules[i];
		else
			e->slot_used[e->rules[i].slot] = 0;
	}
	e->n = w;
	for (size_t i = 0; i < n; i++) {
		struct enforce_rule nr = rules[i];

		if (nr.cgroup[0] && cgroup_resolve(e->cgroot, nr.cgroup, &nr.cgroup_id,
						   &nr.cg_level) < 0) {
			sg_log(LOG_WARNING, "policy rule '%s': cgroup '%s' not found; skipped",
			       nr.source, nr.cgroup);
			continue;
		}
		if (slot_alloc(e, &nr.slot) < 0 || rules_push(e, &nr) < 0) {
			snprintf(err, errlen, "too many block rules");
			return -ENOSPC;
		}
	}
	r = sync_all(e);
	if (r == -E2BIG)
		snprintf(err, errlen, "more than %d block rules on one address", SG_BLOCK_PER_PREFIX);
	else if (r < 0)
		snprintf(err, errlen, "cannot write the block rules: %s", strerror(-r));
	return r;
}

int enforce_expire(struct enforce *e, void (*cb)(void *arg, const struct enforce_rule *r),
		   void *arg)
{
	int64_t now = time(NULL);
	int n = 0;

	for (size_t i = 0; i < e->n;) {
		struct enforce_rule r = e->rules[i];

		if (!r.expires || r.expires > now) {
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
	uint64_t v = 0;

	bpf_map_lookup_elem(bpf_map__fd(e->skel->maps.hits), &slot, &v);
	return v;
}

const char *enforce_cgroup_root(const struct enforce *e)
{
	return e->cgroot;
}
