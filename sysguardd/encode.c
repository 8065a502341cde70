// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The event encoder: struct sg_event to one JSON object, in the schema that
 * proto/events.md documents and proto/event.schema.json checks.  Formats once
 * per event into a caller's buffer; every sink and subscriber shares the line.
 * The envelope (seq, time, type, verdict, proc, syscall, result) is written
 * here; each type's own member by its row of the event table (ev_*.c).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include "addr.h"
#include "ctrmeta.h"
#include "encode.h"
#include "jsonw.h"
#include "redact.h"

const char *encode_syscall_name(int sc)
{
	return sg_syscall_name(sc);
}

int encode_time(char *buf, size_t len, uint64_t ns)
{
	/* the date and time change once a second: format them once a second */
	static __thread time_t cached_sec = -1;
	static __thread char cached[64]; /* "2026-11-21T06:38:40." */
	time_t sec = ns / 1000000000;
	uint32_t frac = ns % 1000000000;

	if (len < 31)
		return -ENOSPC;
	if (sec != cached_sec) {
		struct tm tm;

		if (!gmtime_r(&sec, &tm))
			return -EINVAL;
		snprintf(cached, sizeof(cached), "%04d-%02d-%02dT%02d:%02d:%02d.",
			 tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
			 tm.tm_sec);
		cached_sec = sec;
	}
	memcpy(buf, cached, 20);
	for (int i = 28; i >= 20; i--) {
		buf[i] = '0' + frac % 10;
		frac /= 10;
	}
	buf[29] = 'Z';
	buf[30] = '\0';
	return 30;
}

const char *encode_family_name(int family)
{
	switch (family) {
	case AF_INET: return "inet";
	case AF_INET6: return "inet6";
	case AF_UNIX: return "unix";
	}
	return NULL;
}

const char *encode_proto_name(int sock_type, int protocol)
{
	if (protocol == IPPROTO_TCP || (protocol == 0 && sock_type == SOCK_STREAM))
		return addr_proto_name(IPPROTO_TCP);
	if (protocol == IPPROTO_UDP || (protocol == 0 && sock_type == SOCK_DGRAM))
		return addr_proto_name(IPPROTO_UDP);
	if (protocol == IPPROTO_ICMP || protocol == IPPROTO_ICMPV6)
		return "icmp";
	if (protocol == IPPROTO_SCTP)
		return "sctp";
	if (sock_type == SOCK_RAW)
		return "raw";
	if (sock_type == SOCK_STREAM)
		return "stream";
	if (sock_type == SOCK_DGRAM)
		return "dgram";
	if (sock_type == SOCK_SEQPACKET)
		return "seqpacket";
	return NULL;
}

int encode_addr(char *buf, size_t len, int family, const uint8_t addr[16])
{
	if (family == AF_INET)
		return inet_ntop(AF_INET, addr, buf, len) ? 0 : -errno;
	if (family == AF_INET6)
		return inet_ntop(AF_INET6, addr, buf, len) ? 0 : -errno;
	return -EAFNOSUPPORT;
}

void encode_open_flags(struct jsonw *w, uint32_t f)
{
	static const struct {
		uint32_t bit;
		const char *name;
	} bits[] = {
		{ O_CREAT, "O_CREAT" }, { O_EXCL, "O_EXCL" }, { O_NOCTTY, "O_NOCTTY" },
		{ O_TRUNC, "O_TRUNC" }, { O_APPEND, "O_APPEND" }, { O_NONBLOCK, "O_NONBLOCK" },
		{ O_DSYNC, "O_DSYNC" }, { O_DIRECT, "O_DIRECT" }, { O_LARGEFILE, "O_LARGEFILE" },
		{ O_NOFOLLOW, "O_NOFOLLOW" }, { O_NOATIME, "O_NOATIME" },
		{ O_CLOEXEC, "O_CLOEXEC" }, { O_PATH, "O_PATH" },
	};
	uint32_t acc = f & O_ACCMODE;

	jw_arr_open(w);
	jw_name(w, acc == O_RDONLY ? "O_RDONLY" : acc == O_WRONLY ? "O_WRONLY" : "O_RDWR");
	if ((f & O_TMPFILE) == O_TMPFILE)
		jw_name(w, "O_TMPFILE");
	else if (f & O_DIRECTORY)
		jw_name(w, "O_DIRECTORY");
	if ((f & O_SYNC) == O_SYNC) {
		jw_name(w, "O_SYNC");
		f &= ~O_DSYNC;
	}
	for (size_t i = 0; i < sizeof(bits) / sizeof(bits[0]); i++)
		if (f & bits[i].bit)
			jw_name(w, bits[i].name);
	jw_arr_close(w);
}

void encode_read_hostns(struct sg_hostns *ns, const char *proc)
{
	static const char *const names[] = { "pid", "mnt", "net", "user" };
	uint32_t *v[] = { &ns->pid, &ns->mnt, &ns->net, &ns->user };

	for (size_t i = 0; i < 4; i++) {
		char path[128], link[64];
		unsigned long long n;
		ssize_t len;

		*v[i] = 0;
		/* the host's init's; where that is refused (a hardened pid 1), the daemon's own */
		snprintf(path, sizeof(path), "%s/1/ns/%s", proc, names[i]);
		len = readlink(path, link, sizeof(link) - 1);
		if (len <= 0) {
			snprintf(path, sizeof(path), "%s/self/ns/%s", proc, names[i]);
			len = readlink(path, link, sizeof(link) - 1);
		}
		if (len <= 0)
			continue;
		link[len] = '\0'; /* "pid:[4026531836]" */
		if (sscanf(link, "%*[a-z]:[%llu]", &n) == 1)
			*v[i] = (uint32_t)n;
	}
}

void encode_argv(struct jsonw *w, const char *argv, size_t len, unsigned int argc)
{
	redact_argv_json(w, argv, len, argc); /* sysguard.yaml redact: argv */
}

static void proc_obj(struct jsonw *w, const struct sg_event *ev, const struct sg_evtype *type,
		     const struct proc_entry *parent, const struct sg_hostns *hostns)
{
	jw_key(w, "proc");
	jw_obj_open(w);
	jw_key(w, "pid");
	jw_uint(w, ev->proc.pid);
	jw_key(w, "tid");
	jw_uint(w, ev->proc.tid);
	jw_key(w, "ppid");
	jw_uint(w, ev->proc.ppid);
	jw_key(w, "uid");
	jw_uint(w, ev->proc.uid);
	jw_key(w, "gid");
	jw_uint(w, ev->proc.gid);
	jw_key(w, "comm");
	jw_str(w, ev->proc.comm);
	jw_key(w, "exe");
	jw_str(w, ev->proc.exe);
	jw_key(w, "cgroup_id");
	jw_uint(w, ev->proc.cgroup_id);
	if (ev->proc.vpid && ev->proc.vpid != ev->proc.pid) {
		jw_key(w, "vpid");
		jw_uint(w, ev->proc.vpid);
	}
	if (ev->proc.mntns && hostns &&
	    (ev->proc.pidns != hostns->pid || ev->proc.mntns != hostns->mnt ||
	     ev->proc.netns != hostns->net || ev->proc.userns != hostns->user)) {
		jw_key(w, "ns");
		jw_obj_open(w);
		jw_key(w, "pid");
		jw_uint(w, ev->proc.pidns);
		jw_key(w, "mnt");
		jw_uint(w, ev->proc.mntns);
		jw_key(w, "net");
		jw_uint(w, ev->proc.netns);
		jw_key(w, "user");
		jw_uint(w, ev->proc.userns);
		jw_obj_close(w);
	}
	/* alerts and blocks carry the context a responder needs; the rest stay small */
	if (ev->verdict.action >= SG_ACT_ALERT) {
		if (!type->own_argv && ev->proc.entry && ev->proc.entry->argv) {
			jw_key(w, "argv");
			encode_argv(w, ev->proc.entry->argv, ev->proc.entry->argv_len,
				   ev->proc.entry->argc);
		}
		if (parent) {
			jw_key(w, "parent");
			jw_obj_open(w);
			jw_key(w, "pid");
			jw_uint(w, parent->pid);
			jw_key(w, "comm");
			jw_str(w, parent->comm);
			jw_key(w, "exe");
			jw_str(w, parent->exe);
			jw_obj_close(w);
		}
	}
	jw_obj_close(w);
}

void encode_container(struct jsonw *w, const struct sg_event *ev)
{
	const struct ctr_info *ci = ev->ctr.info;
	char when[40];

	jw_key(w, "container");
	jw_obj_open(w);
	switch (ev->ctr.where) {
	case SG_WHERE_HOST:
		jw_key(w, "host");
		jw_bool(w, true);
		break;
	case SG_WHERE_PENDING:
		jw_key(w, "pending");
		jw_bool(w, true);
		break;
	case SG_WHERE_UNKNOWN:
		jw_key(w, "unknown");
		jw_bool(w, true);
		break;
	case SG_WHERE_CONTAINER:
		jw_key(w, "id");
		jw_str(w, ev->ctr.id);
		if (ev->ctr.name && *ev->ctr.name) {
			jw_key(w, "name");
			jw_str(w, ev->ctr.name);
		}
		if (ev->ctr.image && *ev->ctr.image) {
			jw_key(w, "image");
			jw_str(w, ev->ctr.image);
		}
		jw_key(w, "runtime");
		jw_name(w, ev->ctr.runtime);
		if (!ci)
			break;
		if (ci->pod[0]) {
			jw_key(w, "k8s");
			jw_obj_open(w);
			jw_key(w, "pod");
			jw_str(w, ci->pod);
			jw_key(w, "namespace");
			jw_str(w, ci->pod_namespace);
			if (ci->k8s_container[0]) {
				jw_key(w, "container");
				jw_str(w, ci->k8s_container);
			}
			jw_obj_close(w);
		}
		if (ev->verdict.action < SG_ACT_ALERT)
			break;
		if (ci->image_id[0]) {
			jw_key(w, "image_id");
			jw_str(w, ci->image_id);
		}
		if (ci->privileged >= 0) {
			jw_key(w, "privileged");
			jw_bool(w, ci->privileged);
		}
		if (ci->started_ns) {
			encode_time(when, sizeof(when), ci->started_ns);
			jw_key(w, "started");
			jw_name(w, when);
		}
		if (ci->nlabels) {
			jw_key(w, "labels");
			jw_obj_open(w);
			for (unsigned int i = 0; i < ci->nlabels; i++) {
				jw_key_str(w, ci->labels[i].key);
				jw_str(w, ci->labels[i].value);
			}
			jw_obj_close(w);
		}
		break;
	}
	jw_obj_close(w);
}

int encode_event(const struct sg_event *ev, const struct encode_ctx *ctx, char *buf, size_t len)
{
	const struct sg_evtype *type = sg_evtype(ev->type);
	struct jsonw w;
	char ts[40];

	jw_init(&w, buf, len);
	jw_obj_open(&w);
	jw_key(&w, "schema");
	jw_uint(&w, SG_EVENT_SCHEMA);
	jw_key(&w, "seq");
	jw_uint(&w, ev->seq);
	encode_time(ts, sizeof(ts), ev->ts_ns);
	jw_key(&w, "time");
	jw_name(&w, ts);
	if (ctx && ctx->host) {
		jw_key(&w, "host");
		jw_str(&w, ctx->host);
	}
	jw_key(&w, "type");
	jw_name(&w, sg_type_name(ev->type));
	jw_key(&w, "action");
	jw_name(&w, sg_action_name(ev->verdict.action ? ev->verdict.action : SG_ACT_LOG));
	if (ev->verdict.rule_id) {
		jw_key(&w, "rule");
		jw_str(&w, ev->verdict.rule_id);
		jw_key(&w, "severity");
		jw_name(&w, sg_severity_name(ev->verdict.severity));
	}
	if (ev->verdict.action == SG_ACT_BLOCK) {
		jw_key(&w, "enforced");
		jw_bool(&w, ev->verdict.enforced);
		if (ev->verdict.enforced && ev->verdict.mechanism) {
			jw_key(&w, "mechanism");
			jw_name(&w, ev->verdict.mechanism);
		}
	}
	if (ev->verdict.repeat > 1) {
		jw_key(&w, "repeat");
		jw_uint(&w, ev->verdict.repeat);
	}
	if (ev->verdict.nmatches) {
		/* the other rules that held, strongest first */
		jw_key(&w, "matches");
		jw_arr_open(&w);
		for (size_t i = 0; i < ev->verdict.nmatches; i++) {
			const struct sg_match *m = &ev->verdict.matches[i];

			jw_obj_open(&w);
			jw_key(&w, "rule");
			jw_str(&w, m->rule_id ? m->rule_id : "");
			jw_key(&w, "action");
			jw_name(&w, sg_action_name(m->action));
			jw_key(&w, "severity");
			jw_name(&w, sg_severity_name(m->severity));
			jw_obj_close(&w);
		}
		jw_arr_close(&w);
		if (ev->verdict.matches_more) {
			jw_key(&w, "matches_more");
			jw_uint(&w, ev->verdict.matches_more);
		}
	}
	if (ev->verdict.corr.rule_id) {
		/* the correlation that held with this event: its group and window */
		const struct sg_corr *k = &ev->verdict.corr;
		char first[40];

		jw_key(&w, "correlation");
		jw_obj_open(&w);
		jw_key(&w, "rule");
		jw_str(&w, k->rule_id);
		jw_key(&w, "kind");
		jw_name(&w, k->kind);
		jw_key(&w, "group");
		jw_str(&w, k->group);
		jw_key(&w, "count");
		jw_uint(&w, k->count);
		jw_key(&w, "window_ms");
		jw_uint(&w, k->window_ns / 1000000ull);
		if (encode_time(first, sizeof(first), k->first_ns) > 0) {
			jw_key(&w, "first_time");
			jw_str(&w, first);
		}
		jw_obj_close(&w);
	}

	if (type && type->kernel) {
		proc_obj(&w, ev, type, ctx && ctx->pt ? proctable_get(ctx->pt, ev->proc.ppid) : NULL,
			 ctx ? &ctx->hostns : NULL);
		if (ev->ctr.where)
			encode_container(&w, ev);
		if (ev->kflags & SG_F_IO_URING) {
			jw_key(&w, "via");
			jw_name(&w, "io_uring");
		}
		if (encode_syscall_name(ev->syscall)) {
			jw_key(&w, "syscall");
			jw_name(&w, encode_syscall_name(ev->syscall));
		}
		if (ev->has_result) {
			jw_key(&w, "result");
			jw_int(&w, ev->result);
			if (ev->result < 0) {
				int64_t err = -(int64_t)ev->result; /* INT32_MIN too */
				const char *name = err <= INT32_MAX ? strerrorname_np(err) : NULL;

				jw_key(&w, "error");
				if (name)
					jw_str(&w, name);
				else
					jw_int(&w, err);
			}
		}
	}

	if (type)
		type->encode(&w, ev);
	if (type && type->kernel && (ev->kflags & (SG_F_TRUNC_PATH | SG_F_PATH_FAULT |
						      SG_F_NO_ENTER))) {
		jw_key(&w, "incomplete");
		jw_arr_open(&w);
		if (ev->kflags & SG_F_TRUNC_PATH)
			jw_str(&w, "path_truncated");
		if (ev->kflags & SG_F_PATH_FAULT)
			jw_str(&w, "path_unreadable");
		if (ev->kflags & SG_F_NO_ENTER)
			jw_str(&w, "entry_not_seen");
		jw_arr_close(&w);
	}
	jw_obj_close(&w);
	return jw_finish(&w);
}
