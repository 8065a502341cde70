/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Writing records, for every object that reports: the header of a record
 * about the current task, a record begun in a per-CPU buffer, the wakeup a
 * record asks of the daemon, and the output into the ring ("events") with
 * the per-type counters ("counters").  BPF side only; after maps.h.
 */
#ifndef SG_BPF_REC_H
#define SG_BPF_REC_H

#include <bpf/bpf_core_read.h>

/*
 * The header of a record about the current task, size 0, all but ppid: a
 * program that may read the task sets it (rec_begin_in()), a cgroup one
 * leaves it 0.
 */
static __always_inline void hdr_fill(struct sg_hdr *h, __u16 type, __u16 flags, __u32 sc)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	__u64 uid_gid = bpf_get_current_uid_gid();

	h->type = type;
	h->flags = flags;
	h->size = 0;
	h->ts_ns = bpf_ktime_get_boot_ns();
	h->pid = pid_tgid >> 32;
	h->tid = (__u32)pid_tgid;
	h->uid = (__u32)uid_gid;
	h->gid = uid_gid >> 32;
	h->syscall = sc;
	h->cgroup_id = bpf_get_current_cgroup_id();
	bpf_get_current_comm(h->comm, sizeof(h->comm));
	h->pidns = h->mntns = h->netns = h->userns = h->vpid = h->__pad = 0;
}

/*
 * The task's namespaces and its thread group id in its own pid namespace.
 * BTF loads, so a namespace already gone (an exiting task) reads as 0.
 */
static __always_inline void hdr_ns(struct sg_hdr *h, struct task_struct *task)
{
	struct pid *pid = task->group_leader->thread_pid;
	unsigned int level = pid ? pid->level : 0;
	unsigned long at;
	struct upid up = {};

	h->mntns = task->nsproxy->mnt_ns->ns.inum;
	h->netns = task->nsproxy->net_ns->ns.inum;
	h->userns = task->cred->user_ns->ns.inum;
	if (!pid)
		return;
	/* numbers[level]: the pid in the task's own namespace, the last of its levels */
	at = (unsigned long)pid + bpf_core_field_offset(struct pid, numbers) +
	     (level & 31) * bpf_core_type_size(struct upid);
	if (bpf_probe_read_kernel(&up, sizeof(up), (void *)at) == 0 && up.ns) {
		h->vpid = up.nr;
		h->pidns = BPF_CORE_READ(up.ns, ns.inum);
	}
}

/*
 * A record about the current task, its parent and namespaces included and
 * its payload zeroed, in buf: a per-CPU array of one struct sg_rec.  NULL without it.
 */
static __always_inline struct sg_rec *rec_begin_in(void *buf, __u16 type, __u16 flags, __u32 sc)
{
	struct task_struct *task = bpf_get_current_task_btf();
	__u32 zero = 0;
	struct sg_rec *r = bpf_map_lookup_elem(buf, &zero);

	if (!r)
		return NULL;
	hdr_fill(&r->hdr, type, flags, sc);
	r->hdr.ppid = task->real_parent->tgid; /* BTF loads: no helper call per hop */
	hdr_ns(&r->hdr, task);
	__builtin_memset(&r->u, 0, sizeof(r->u));
	return r;
}

/* Wake the daemon once limit bytes are pending; below, its batch timer reads them. */
static __always_inline __u64 ring_wakeup(__u64 limit)
{
	return bpf_ringbuf_query(&events, BPF_RB_AVAIL_DATA) >= limit ? BPF_RB_FORCE_WAKEUP :
									  BPF_RB_NO_WAKEUP;
}

/*
 * Put size bytes of a record of type into the ring, counted as seen and,
 * when the ring is full, as dropped.  Returns bpf_ringbuf_output()'s result.
 * The type is bounded again right where each counter is indexed: older
 * verifiers (6.1) lose a bound the compiler checked on one copy of it and
 * used on another, spilled before the check.
 */
static __always_inline long rec_output(void *r, __u64 size, __u32 type, __u64 flags)
{
	__u32 zero = 0;
	struct sg_counters *c = bpf_map_lookup_elem(&counters, &zero);
	long err;

	barrier_var(type);
	if (c && type < SG_EV_KERNEL_MAX)
		c->seen[type]++;
	err = bpf_ringbuf_output(&events, r, size, flags);
	barrier_var(type);
	if (err && c && type < SG_EV_KERNEL_MAX)
		c->dropped[type]++;
	return err;
}

#endif /* SG_BPF_REC_H */
