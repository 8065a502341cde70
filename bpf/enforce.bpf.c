// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * sysguard's network enforcement: cgroup v2 sock_addr programs on the root
 * cgroup that refuse connect, unconnected UDP sendmsg and bind to blocked
 * addresses with EPERM.  Rules live in two LPM tries (IPv4, IPv6) keyed by
 * prefix; the value holds every rule on that exact prefix.  When the longest
 * prefix holds no rule for this port/protocol/cgroup, the lookup climbs to the
 * next shorter prefix that exists, so a /8 rule is not hidden by a /32 rule for
 * another port.  A change is one map update; no program is reloaded.  Each
 * stopped call is reported once, from here, into the daemon's ring buffer.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include "sysguard.h"
#include "sg_limits.h"
#include "common.h"
#include "maps.h"
#include "maps_filter.h"
#include "rec.h"

/*
 * Telemetry backend "cgroup" for connects and binds (SG_HOOK_CONNECT,
 * SG_HOOK_BIND): the connect4/connect6 and bind4/bind6 programs report the
 * calls they let through, and those syscalls' tracepoints are not attached.
 * Not the daemon's own.  A variable, not a constant: the daemon clears it
 * when it stops and leaves the programs attached for the rules, so that
 * nothing is reported to nobody.
 */
__u32 tel_hooks = 0;
const volatile __u32 tel_self_pid = 0;
const volatile __u32 tel_wakeup_bytes = 0;

/* ours, pinned so that enforcement outlives the daemon */
struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, SG_BLOCK_RULES_MAX);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct sg_lpm4);
	__type(value, struct sg_block_val);
} block4 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, SG_BLOCK_RULES_MAX);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct sg_lpm6);
	__type(value, struct sg_block_val);
} block6 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, SG_BLOCK_RULES_MAX);
	__type(key, __u32);
	__type(value, __u64);
} hits SEC(".maps");

struct match_ctx {
	__u16 port;
	__u8 proto;
	__u8 hook;
	__u64 now;
	__u32 rule;
};

static __always_inline int ent_matches(const struct sg_block_ent *e, struct match_ctx *m)
{
	if (!(e->hooks & m->hook))
		return 0;
	if (m->port < e->port_lo || m->port > e->port_hi)
		return 0;
	if (e->proto && e->proto != m->proto)
		return 0;
	if (e->expires_ns && m->now >= e->expires_ns)
		return 0;
	if (e->cgroup_id && bpf_get_current_ancestor_cgroup_id(e->cg_level) != e->cgroup_id)
		return 0;
	return 1;
}

static __always_inline int val_matches(const struct sg_block_val *v, struct match_ctx *m)
{
	for (int i = 0; i < SG_BLOCK_PER_PREFIX; i++) {
		if (i >= v->n)
			break;
		if (ent_matches(&v->ent[i], m)) {
			m->rule = v->ent[i].rule;
			return 1;
		}
	}
	return 0;
}

/*
 * Climb from the longest matching prefix to shorter stored ones.  A step is a
 * bpf_loop callback so that the verifier checks it once, not 33 or 129 times.
 */
struct climb {
	struct match_ctx m;
	struct sg_lpm4 k4;
	struct sg_lpm6 k6;
	int hit;
};

/* One step: look up the key; a hit ends the climb, else the next shorter prefix. */
#define CLIMB_STEP(name, map, key, maxlen)                                      \
	static long name(__u32 i, void *data)                                   \
	{                                                                       \
		struct climb *c = data;                                         \
		struct sg_block_val *v = bpf_map_lookup_elem(&map, &c->key);    \
                                                                                \
		if (!v)                                                         \
			return 1;                                               \
		if (val_matches(v, &c->m)) {                                    \
			c->hit = 1;                                             \
			return 1;                                               \
		}                                                               \
		if (v->prefixlen == 0 || v->prefixlen > maxlen)                 \
			return 1;                                               \
		c->key.prefixlen = v->prefixlen - 1;                            \
		return 0;                                                       \
	}

CLIMB_STEP(climb4_step, block4, k4, 32)
CLIMB_STEP(climb6_step, block6, k6, 128)

static __always_inline int check4(const __u8 addr[4], struct climb *c)
{
	c->k4.prefixlen = 32;
	__builtin_memcpy(c->k4.addr, addr, 4);
	bpf_loop(33, climb4_step, c, 0);
	return c->hit;
}

static __always_inline int check6(const __u8 addr[16], struct climb *c)
{
	c->k6.prefixlen = 128;
	__builtin_memcpy(c->k6.addr, addr, 16);
	bpf_loop(129, climb6_step, c, 0);
	return c->hit;
}

/* A connect or bind stopped, or (stopped 0) let through (telemetry). */
static __always_inline void report(struct bpf_sock_addr *ctx, struct match_ctx *m, int family,
				   const __u8 *addr, int alen, int stopped)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid(), hook = m->hook;
	struct {
		struct sg_hdr hdr;
		union sg_payload u;
	} r;
	__u16 type = m->hook == SG_HOOK_BIND ? SG_EV_BIND : SG_EV_CONNECT;
	__u64 wake = BPF_RB_FORCE_WAKEUP;

	if (stopped) {
		__u64 *hit = bpf_map_lookup_elem(&hits, &m->rule);

		if (hit)
			__sync_fetch_and_add(hit, 1);
	}
	__builtin_memset(&r, 0, sizeof(r));
	hdr_fill(&r.hdr, type, stopped ? SG_F_BLOCKED : SG_F_HOOK,
		 !stopped ? SG_SC_NONE : m->hook == SG_HOOK_BIND ? SG_SC_BIND : SG_SC_CONNECT);
	r.hdr.size = sizeof(r);
	r.u.net.ret = stopped ? -EPERM : 0;
	r.u.net.fd = -1;
	r.u.net.family = family;
	r.u.net.port = m->port;
	r.u.net.sock_type = ctx->type;
	r.u.net.protocol = ctx->protocol;
	if (stopped) {
		r.u.net.hook = m->hook;
		r.u.net.rule = m->rule;
	} else {
		wake = ring_wakeup(tel_wakeup_bytes);
	}
	if (alen == 4)
		__builtin_memcpy(r.u.net.addr, addr, 4);
	else
		__builtin_memcpy(r.u.net.addr, addr, 16);
	rec_output(&r, sizeof(r), type, wake);
	/* the syscall exit sees EPERM and must not report it again */
	if (stopped && m->hook != SG_HOOK_SENDMSG)
		bpf_map_update_elem(&blocked, &tid, &hook, BPF_ANY);
}

/* A connect or bind let through: reported when that kind comes from here, unless filtered out. */
static __always_inline void tel_report(struct bpf_sock_addr *ctx, struct match_ctx *m, int family,
				       const __u8 *addr, int alen)
{
	__u32 type = m->hook == SG_HOOK_BIND ? SG_EV_BIND : SG_EV_CONNECT;

	if (!(tel_hooks & m->hook) || m->hook == SG_HOOK_SENDMSG ||
	    (__u32)(bpf_get_current_pid_tgid() >> 32) == tel_self_pid)
		return;
	if (!kind_wanted(type)) {
		count_filtered(type);
		return;
	}
	report(ctx, m, family, addr, alen, 0);
}

static __always_inline int verdict4(struct bpf_sock_addr *ctx, __u8 hook)
{
	struct climb c = {
		.m = {
			.port = bpf_ntohs((__u16)ctx->user_port),
			.proto = ctx->protocol,
			.hook = hook,
			.now = bpf_ktime_get_boot_ns(),
		},
	};
	__u32 ip = ctx->user_ip4;
	__u8 addr[4];

	__builtin_memcpy(addr, &ip, 4);
	if (!check4(addr, &c)) {
		tel_report(ctx, &c.m, AF_INET, addr, 4);
		return 1;
	}
	report(ctx, &c.m, AF_INET, addr, 4, 1);
	return 0;
}

static __always_inline int verdict6(struct bpf_sock_addr *ctx, __u8 hook)
{
	struct climb c = {
		.m = {
			.port = bpf_ntohs((__u16)ctx->user_port),
			.proto = ctx->protocol,
			.hook = hook,
			.now = bpf_ktime_get_boot_ns(),
		},
	};
	__u32 ip6[4];
	__u8 addr[16];
	int hit;

	ip6[0] = ctx->user_ip6[0];
	ip6[1] = ctx->user_ip6[1];
	ip6[2] = ctx->user_ip6[2];
	ip6[3] = ctx->user_ip6[3];
	__builtin_memcpy(addr, ip6, 16);
	/* ::ffff:a.b.c.d is a.b.c.d: IPv4 rules hold for it too */
	if (ip6[0] == 0 && ip6[1] == 0 && ip6[2] == bpf_htonl(0xffff))
		hit = check4(addr + 12, &c) || check6(addr, &c);
	else
		hit = check6(addr, &c);
	if (!hit) {
		tel_report(ctx, &c.m, AF_INET6, addr, 16);
		return 1;
	}
	report(ctx, &c.m, AF_INET6, addr, 16, 1);
	return 0;
}
#define ENFORCE_PROG(name, verdict, hook)                                       \
	SEC("cgroup/" #name)                                                    \
	int enf_##name(struct bpf_sock_addr *ctx)                               \
	{                                                                       \
		return verdict(ctx, hook);                                      \
	}

ENFORCE_PROG(connect4, verdict4, SG_HOOK_CONNECT)
ENFORCE_PROG(connect6, verdict6, SG_HOOK_CONNECT)
ENFORCE_PROG(sendmsg4, verdict4, SG_HOOK_SENDMSG)
ENFORCE_PROG(sendmsg6, verdict6, SG_HOOK_SENDMSG)
ENFORCE_PROG(bind4, verdict4, SG_HOOK_BIND)
ENFORCE_PROG(bind6, verdict6, SG_HOOK_BIND)
