// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The network event types, connect, bind and listen: their rows of the
 * event table and what each row points at.  All three share the payload
 * struct sg_net and the JSON member "net".
 */
#include <errno.h>
#include <string.h>
#include <arpa/inet.h>
#include <sys/socket.h>
#include "decode.h"
#include "dedup.h"
#include "encode.h"
#include "journal.h"
#include "jsonw.h"

static int net_decode(struct decoder *d, const struct sg_hdr *h, const void *payload,
		      struct sg_cursor *c, struct sg_event *ev)
{
	const struct sg_net *n = payload;
	const char *s;

	ev->has_result = true;
	ev->result = n->ret;
	ev->net.family = n->family;
	ev->net.sock_type = n->sock_type;
	ev->net.protocol = n->protocol;
	ev->net.port = n->port;
	ev->net.backlog = n->backlog;
	ev->net.block_slot = n->rule;
	ev->net.block_hook = n->hook;
	ev->lsm_slot = n->rule;
	memcpy(ev->net.addr, n->addr, sizeof(ev->net.addr));
	ev->net.unix_path = NULL;
	if (n->unix_len > SG_UNIX_PATH || decode_take(c, n->unix_len, &s) < 0)
		return -EINVAL;
	if (n->family == AF_UNIX && n->unix_len) {
		size_t o = 0, l = n->unix_len;

		if (s[0] == '\0') {
			/* abstract: '@' then the name, NULs shown as '@' like ss(8) */
			for (size_t i = 0; i < l && o < sizeof(d->unix_path) - 1; i++)
				d->unix_path[o++] = s[i] ? s[i] : '@';
		} else {
			l = strnlen(s, l);
			memcpy(d->unix_path, s, l);
			o = l;
		}
		d->unix_path[o] = '\0';
		ev->net.unix_path = d->unix_path;
	}
	return 0;
}

static void net_encode(struct jsonw *w, const struct sg_event *ev)
{
	const char *fam = encode_family_name(ev->net.family);
	const char *proto = encode_proto_name(ev->net.sock_type, ev->net.protocol);
	char addr[INET6_ADDRSTRLEN];

	jw_key(w, "net");
	jw_obj_open(w);
	jw_key(w, "family");
	if (fam)
		jw_str(w, fam);
	else
		jw_int(w, ev->net.family);
	jw_key(w, "proto");
	jw_str(w, proto);
	if (ev->net.family == AF_INET || ev->net.family == AF_INET6) {
		jw_key(w, "addr");
		if (encode_addr(addr, sizeof(addr), ev->net.family, ev->net.addr) == 0)
			jw_str(w, addr);
		else
			jw_null(w);
		jw_key(w, "port");
		jw_uint(w, ev->net.port);
	} else if (ev->net.family == AF_UNIX) {
		jw_key(w, "unix_path");
		jw_str(w, ev->net.unix_path);
	}
	if (ev->type == SG_EV_LISTEN) {
		jw_key(w, "backlog");
		jw_uint(w, ev->net.backlog);
	}
	jw_obj_close(w);
}

static void net_journal(struct journal_entry *e, const struct sg_event *ev)
{
	char a[64];

	if (ev->net.family == AF_UNIX)
		journal_add_str(e, "SYSGUARD_DADDR", ev->net.unix_path);
	else if (encode_addr(a, sizeof(a), ev->net.family, ev->net.addr) == 0)
		journal_add(e, "SYSGUARD_DADDR", "%s", a);
	if (ev->net.family == AF_INET || ev->net.family == AF_INET6)
		journal_add(e, "SYSGUARD_DPORT", "%u", ev->net.port);
}

static void endpoint(struct sg_msg *m, const struct sg_event *ev)
{
	char a[64];

	if (ev->net.family == AF_UNIX) {
		sg_msg_add(m, "unix socket %s", sg_msg_or(ev->net.unix_path, "(unnamed)"));
	} else if (encode_addr(a, sizeof(a), ev->net.family, ev->net.addr) == 0) {
		if (ev->net.family == AF_INET6)
			sg_msg_add(m, "[%s]:%u", a, ev->net.port);
		else
			sg_msg_add(m, "%s:%u", a, ev->net.port);
	} else {
		sg_msg_add(m, "an address of family %d", ev->net.family);
	}
}

static void connect_message(struct sg_msg *m, const struct sg_event *ev)
{
	sg_msg_add(m, "connected to ");
	endpoint(m, ev);
}

static void bind_message(struct sg_msg *m, const struct sg_event *ev)
{
	sg_msg_add(m, "bound ");
	endpoint(m, ev);
}

static void listen_message(struct sg_msg *m, const struct sg_event *ev)
{
	sg_msg_add(m, "listens on ");
	endpoint(m, ev);
}

static uint64_t net_key(uint64_t h, const struct sg_event *ev)
{
	h = dedup_hash(h, &ev->net.family, sizeof(ev->net.family));
	h = dedup_hash(h, ev->net.addr, sizeof(ev->net.addr));
	h = dedup_hash(h, &ev->net.port, sizeof(ev->net.port));
	return dedup_hash_str(h, ev->net.unix_path);
}

static void net_keep(struct dedup_keep *k, struct sg_event *e)
{
	dedup_keep_str(k, &e->net.unix_path, true);
	dedup_keep_str(k, &e->proc.exe, false);
}

#define NET_TYPE(tname, msg)                                                   \
	const struct sg_evtype sg_evtype_##tname = {                           \
		.name = #tname,                                                \
		.kernel = true,                                                \
		.pfields = SG_PFG_PROC | SG_PFG_NET,                           \
		.kfilter = SG_KF_KIND,                                         \
		.payload = sizeof(struct sg_net),                              \
		.decode = net_decode,                                          \
		.encode = net_encode,                                          \
		.journal = net_journal,                                        \
		.message = msg,                                                \
		.dedup_key = net_key,                                          \
		.dedup_keep = net_keep,                                        \
	}

NET_TYPE(connect, connect_message);
NET_TYPE(bind, bind_message);
NET_TYPE(listen, listen_message);
