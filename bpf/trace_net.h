/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The network family's programs (net_*): connect, bind and listen at their
 * syscalls, with the socket's type and protocol and the address asked for
 * (listen: the one bound).  A connect or bind the cgroup enforcement stopped
 * and reported ("blocked") is not reported again.  BPF side only: part of
 * sysguard.bpf.c, after trace.h.
 */
#ifndef SG_BPF_TRACE_NET_H
#define SG_BPF_TRACE_NET_H

#define AF_UNIX 1
#define EBADF 9
#define ENOTSOCK 88

static __always_inline int net_enter(struct trace_event_raw_sys_enter *ctx, __u32 sc)
{
	__u32 type = sc == SG_SC_CONNECT ? SG_EV_CONNECT : sc == SG_SC_BIND ? SG_EV_BIND : SG_EV_LISTEN;

	if (is_self(bpf_get_current_pid_tgid()))
		return 0;
	if (!kind_wanted(type)) {
		count_filtered(type);
		return 0;
	}
	return stash_enter(ctx, sc);
}

static __always_inline int net_exit(struct trace_event_raw_sys_exit *ctx)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct stash s;
	struct sg_net *n;
	struct sg_rec *r;
	struct sock *sk = NULL;
	struct file *f;
	__u16 type;
	__u32 off = 0;
	long ret = ctx->ret;

	if (stash_take(&s))
		return 0;
	type = s.sc == SG_SC_CONNECT ? SG_EV_CONNECT : s.sc == SG_SC_BIND ? SG_EV_BIND : SG_EV_LISTEN;
	if (ret == -EPERM && type != SG_EV_LISTEN) {
		__u32 tid = (__u32)bpf_get_current_pid_tgid();

		/* stopped by enforcement, which reported it: one event, not two */
		if (bpf_map_lookup_elem(&blocked, &tid)) {
			bpf_map_delete_elem(&blocked, &tid);
			return 0;
		}
	}
	r = rec_begin(type, s.sc);
	if (!r)
		return 0;
	n = &r->u.net;
	n->ret = ret;
	n->fd = s.args[0];
	if (ret != -EBADF && ret != -ENOTSOCK) {
		f = fd_file(task, n->fd);
		if (f) {
			struct socket *sock = BPF_CORE_READ(f, private_data);

			sk = BPF_CORE_READ(sock, sk);
		}
	}
	if (sk) {
		n->sock_type = BPF_CORE_READ_BITFIELD_PROBED(sk, sk_type);
		n->protocol = BPF_CORE_READ_BITFIELD_PROBED(sk, sk_protocol);
	}
	if (type == SG_EV_LISTEN) {
		n->backlog = s.args[1];
		if (sk) {
			n->family = BPF_CORE_READ(sk, __sk_common.skc_family);
			n->port = BPF_CORE_READ(sk, __sk_common.skc_num);
			/* (BPF_CORE_READ_INTO would copy sizeof(*n->addr), one byte) */
			if (n->family == AF_INET)
				bpf_core_read(n->addr, 4, &sk->__sk_common.skc_rcv_saddr);
			else if (n->family == AF_INET6)
				bpf_core_read(n->addr, 16, &sk->__sk_common.skc_v6_rcv_saddr);
		}
	} else {
		void *ua = (void *)s.args[1];
		__u32 alen = s.args[2], rlen = alen;
		union {
			__u16 family;
			struct sockaddr_in in;
			struct sockaddr_in6 in6;
		} sa = {};
		__u16 fam;

		/* one user read: each costs more than the rest of this put together */
		if (rlen > sizeof(sa))
			rlen = sizeof(sa);
		if (rlen >= sizeof(sa.family))
			bpf_probe_read_user(&sa, BOUND(rlen, 31), ua);
		fam = sa.family;
		n->family = fam;
		if (fam == AF_INET && alen >= sizeof(struct sockaddr_in)) {
			n->port = bpf_ntohs(sa.in.sin_port);
			__builtin_memcpy(n->addr, &sa.in.sin_addr, 4);
		} else if (fam == AF_INET6 && alen >= sizeof(struct sockaddr_in6)) {
			n->port = bpf_ntohs(sa.in6.sin6_port);
			__builtin_memcpy(n->addr, &sa.in6.sin6_addr, 16);
		} else if (fam == AF_UNIX && alen > 2) {
			__u32 plen = alen - 2;

			if (plen > SG_UNIX_PATH)
				plen = SG_UNIX_PATH;
			plen = BOUND(plen, 127);
			if (!bpf_probe_read_user(r->data, plen, ua + 2)) {
				n->unix_len = plen;
				off = plen;
			}
		}
	}
	rec_submit(r, off);
	return 0;
}

#define NET_PROGS(name, sc) SYSCALL_PROGS(net, name, sc)

NET_PROGS(connect, SG_SC_CONNECT)
NET_PROGS(bind, SG_SC_BIND)
NET_PROGS(listen, SG_SC_LISTEN)

#endif /* SG_BPF_TRACE_NET_H */
