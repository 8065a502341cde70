// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The journald sink and the native journal transport (see journal.h).
 *
 * Why not sd_journal_send(): it writes with a blocking sendmsg(), so a
 * journald that is stuck or slow would stall the event loop.  The native
 * protocol (systemd's "Native Journal Protocol") is short: one datagram per
 * entry, "KEY=value\n" per field, or "KEY\n" + 64-bit little-endian length +
 * value + "\n" for values with newlines.  We send it with MSG_DONTWAIT on an
 * unconnected socket (a journald restart needs no reconnect) and count what
 * does not go through.
 */
#include <errno.h>
#include <endian.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include "encode.h"
#include "journal.h"
#include "sink.h"

#define MAX_FIELDS 40
#define MESSAGE_MAX 1024

struct journal {
	int fd;
	char *path;
	char ident[64];
	uint32_t actions;
	bool drops;
	struct journal_stats st;
};

int journal_send_native(int *fd, const char *path, const struct journal_field *f, size_t n)
{
	struct iovec v[MAX_FIELDS * 5];
	uint64_t lens[MAX_FIELDS];
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct msghdr mh = { .msg_name = &sa, .msg_iov = v };
	size_t nv = 0;

	if (n > MAX_FIELDS)
		return -E2BIG;
	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	strcpy(sa.sun_path, path);
	mh.msg_namelen = offsetof(struct sockaddr_un, sun_path) + strlen(path) + 1;
	if (*fd < 0) {
		*fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
		if (*fd < 0)
			return -errno;
	}
	for (size_t i = 0; i < n; i++) {
		v[nv++] = (struct iovec){ (void *)f[i].key, strlen(f[i].key) };
		if (memchr(f[i].value, '\n', f[i].len)) {
			/* binary-safe form: KEY\n, 64-bit LE length, value, \n */
			lens[i] = htole64(f[i].len);
			v[nv++] = (struct iovec){ "\n", 1 };
			v[nv++] = (struct iovec){ &lens[i], sizeof(lens[i]) };
		} else {
			v[nv++] = (struct iovec){ "=", 1 };
		}
		v[nv++] = (struct iovec){ (void *)f[i].value, f[i].len };
		v[nv++] = (struct iovec){ "\n", 1 };
	}
	mh.msg_iovlen = nv;
	if (sendmsg(*fd, &mh, MSG_DONTWAIT | MSG_NOSIGNAL) < 0)
		return -errno;
	return 0;
}

struct journal *journal_new(const struct journal_opts *opts)
{
	struct journal *j = calloc(1, sizeof(*j));

	if (!j)
		return NULL;
	j->fd = -1;
	j->path = strdup(opts->socket ? opts->socket : JOURNAL_SOCKET_DEFAULT);
	if (!j->path) {
		free(j);
		errno = ENOMEM;
		return NULL;
	}
	snprintf(j->ident, sizeof(j->ident), "%s", opts->identifier ? opts->identifier : "sysguardd");
	j->actions = opts->actions;
	j->drops = opts->drops;
	return j;
}

void journal_free(struct journal *j)
{
	if (!j)
		return;
	if (j->fd >= 0)
		close(j->fd);
	free(j->path);
	free(j);
}

bool journal_wants(const struct journal *j, const struct sg_event *ev)
{
	switch (ev->type) {
	case SG_EV_DROP:
		return j->drops;
	case SG_EV_BLOCKCHG:
	case SG_EV_POLICY:
		return true;
	default:
		return (unsigned)ev->verdict.action < 32 && (j->actions & (1u << ev->verdict.action));
	}
}

int journal_priority(const struct sg_event *ev)
{
	switch (ev->type) {
	case SG_EV_DROP:
		return LOG_WARNING;
	case SG_EV_BLOCKCHG:
		return LOG_NOTICE;
	case SG_EV_POLICY:
		return ev->policy.ok ? LOG_NOTICE : LOG_ERR;
	case SG_EV_MARK:
		return LOG_INFO;
	}
	switch (ev->verdict.action) {
	case SG_ACT_BLOCK:
		return ev->verdict.severity == SG_SEV_CRITICAL ? LOG_CRIT : LOG_ERR;
	case SG_ACT_ALERT:
		if (ev->verdict.severity == SG_SEV_CRITICAL)
			return LOG_ERR;
		if (ev->verdict.severity >= SG_SEV_MEDIUM)
			return LOG_WARNING;
		return LOG_NOTICE;
	default:
		return LOG_INFO;
	}
}

const char *journal_message_id(const struct sg_event *ev)
{
	switch (ev->type) {
	case SG_EV_DROP:
		return SG_MID_DROP;
	case SG_EV_BLOCKCHG:
		return SG_MID_BLOCK_CHANGE;
	case SG_EV_POLICY:
		return SG_MID_POLICY;
	case SG_EV_MARK:
		return SG_MID_MARK;
	}
	switch (ev->verdict.action) {
	case SG_ACT_BLOCK:
		return SG_MID_EVENT_BLOCK;
	case SG_ACT_ALERT:
		return SG_MID_EVENT_ALERT;
	default:
		return SG_MID_EVENT_LOG;
	}
}

/* A bounded string builder: appends until full, then marks the end with "...". */
struct msgbuf {
	char *buf;
	size_t len, cap;
	bool full;
};

static void mb_add(struct msgbuf *m, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void mb_add(struct msgbuf *m, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (m->full)
		return;
	va_start(ap, fmt);
	n = vsnprintf(m->buf + m->len, m->cap - m->len, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n >= m->cap - m->len) {
		m->full = true;
		m->len = m->cap - 1;
		if (m->cap >= 4)
			memcpy(m->buf + m->cap - 4, "...", 4);
		return;
	}
	m->len += n;
}

static const char *str_or(const char *s, const char *dflt)
{
	return s && *s ? s : dflt;
}

static void fmt_endpoint(struct msgbuf *m, const struct sg_event *ev)
{
	char a[64];

	if (ev->net.family == AF_UNIX) {
		mb_add(m, "unix socket %s", str_or(ev->net.unix_path, "(unnamed)"));
	} else if (encode_addr(a, sizeof(a), ev->net.family, ev->net.addr) == 0) {
		if (ev->net.family == AF_INET6)
			mb_add(m, "[%s]:%u", a, ev->net.port);
		else
			mb_add(m, "%s:%u", a, ev->net.port);
	} else {
		mb_add(m, "an address of family %d", ev->net.family);
	}
}

static void fmt_exec(struct msgbuf *m, const struct sg_event *ev)
{
	const char *a = ev->exec.argv, *end = a ? a + ev->exec.argv_len : NULL;

	mb_add(m, "executed %s", str_or(ev->exec.filename, "?"));
	/* argv[0] is usually the filename again: show the arguments after it */
	if (a && a < end)
		a += strnlen(a, end - a) + 1;
	while (a && a < end) {
		size_t l = strnlen(a, end - a);

		mb_add(m, " %.*s", (int)l, a);
		a += l + 1;
	}
	if (ev->exec.argv_truncated)
		mb_add(m, " ...");
}

int journal_format_message(const struct sg_event *ev, char *buf, size_t len)
{
	struct msgbuf m = { .buf = buf, .cap = len };
	const char *act = NULL;

	if (!len)
		return 0;
	buf[0] = '\0';
	switch (ev->type) {
	case SG_EV_DROP:
		mb_add(&m, "lost %llu events (%s%s)", (unsigned long long)ev->drop.total,
		       str_or(ev->drop.where, "?"),
		       ev->drop.where && !strcmp(ev->drop.where, "ring") ? ": the ring buffer was full" : "");
		return m.len;
	case SG_EV_BLOCKCHG:
		mb_add(&m, "enforcement rule %s: %s (source %s, uid %u)",
		       !ev->blockchg.op ? "changed" :
		       !strcmp(ev->blockchg.op, "add") ? "added" :
		       !strcmp(ev->blockchg.op, "remove") ? "removed" :
		       !strcmp(ev->blockchg.op, "expire") ? "expired" : ev->blockchg.op,
		       str_or(ev->blockchg.rule, "?"), str_or(ev->blockchg.source, "?"),
		       ev->blockchg.by_uid);
		return m.len;
	case SG_EV_POLICY:
		if (ev->policy.ok)
			mb_add(&m, "policy loaded from %s: %u rules", str_or(ev->policy.source, "?"),
			       ev->policy.rules);
		else
			mb_add(&m, "policy from %s refused: %s", str_or(ev->policy.source, "?"),
			       str_or(ev->policy.error, "error"));
		return m.len;
	case SG_EV_MARK:
		mb_add(&m, "mark: %s", str_or(ev->mark.text, ""));
		return m.len;
	}

	switch (ev->verdict.action) {
	case SG_ACT_ALERT: act = "ALERT"; break;
	case SG_ACT_BLOCK: act = "BLOCK"; break;
	default: act = "LOG"; break;
	}
	if (ev->verdict.rule_id)
		mb_add(&m, "%s %s: ", act, ev->verdict.rule_id);
	else
		mb_add(&m, "%s: ", act);
	mb_add(&m, "%s (pid %u) ", str_or(ev->proc.comm, "?"), ev->proc.pid);
	switch (ev->type) {
	case SG_EV_EXEC:
		fmt_exec(&m, ev);
		break;
	case SG_EV_FORK:
		mb_add(&m, "forked pid %u", ev->fork.child_pid);
		break;
	case SG_EV_EXIT:
		if (ev->exit.signal)
			mb_add(&m, "was killed by %s%s", str_or(sigabbrev_np(ev->exit.signal), "a signal"),
			       ev->exit.core ? " (core dumped)" : "");
		else
			mb_add(&m, "exited with status %d", ev->exit.code);
		break;
	case SG_EV_OPEN:
		mb_add(&m, "%s %s", ev->file.write ? "wrote" : "opened", str_or(ev->file.path, "?"));
		break;
	case SG_EV_RENAME:
		mb_add(&m, "renamed %s to %s", str_or(ev->file.path, "?"),
		       str_or(ev->file.new_path, "?"));
		break;
	case SG_EV_UNLINK:
		mb_add(&m, "removed %s%s", ev->file.dir ? "directory " : "", str_or(ev->file.path, "?"));
		break;
	case SG_EV_CONNECT:
		mb_add(&m, "connected to ");
		fmt_endpoint(&m, ev);
		break;
	case SG_EV_BIND:
		mb_add(&m, "bound ");
		fmt_endpoint(&m, ev);
		break;
	case SG_EV_LISTEN:
		mb_add(&m, "listens on ");
		fmt_endpoint(&m, ev);
		break;
	default:
		mb_add(&m, "did '%s'", sg_type_name(ev->type));
		break;
	}
	if (ev->has_result && ev->result < 0)
		mb_add(&m, " (failed: %s)", str_or(strerrorname_np(-ev->result), "error"));
	if (ev->verdict.action == SG_ACT_BLOCK)
		mb_add(&m, ev->verdict.enforced ? " [blocked]" : " [not enforced]");
	if (ev->verdict.repeat > 1)
		mb_add(&m, " (%u times)", ev->verdict.repeat);
	return m.len;
}

/* Field storage for one entry: the values point into buf (or at the JSON line). */
struct entry {
	struct journal_field f[MAX_FIELDS];
	size_t n;
	char buf[4096];
	size_t used;
};

static void add_raw(struct entry *e, const char *key, const char *value, size_t len)
{
	if (e->n < MAX_FIELDS)
		e->f[e->n++] = (struct journal_field){ key, value, len };
}

static void add(struct entry *e, const char *key, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void add(struct entry *e, const char *key, const char *fmt, ...)
{
	size_t room = sizeof(e->buf) - e->used;
	char *p = e->buf + e->used;
	va_list ap;
	int n;

	if (room < 2)
		return;
	va_start(ap, fmt);
	n = vsnprintf(p, room, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n >= room)
		n = room - 1; /* truncated */
	e->used += n + 1;
	add_raw(e, key, p, n);
}

static void add_str(struct entry *e, const char *key, const char *val)
{
	if (val)
		add(e, key, "%s", val);
}

void journal_publish(void *ctx, const struct sg_event *ev, const char *json, size_t len)
{
	struct journal *j = ctx;
	static struct entry e; /* one at a time: the daemon is single-threaded */
	char msg[MESSAGE_MAX];
	size_t nbase;
	int r;

	if (!journal_wants(j, ev))
		return;
	e.n = 0;
	e.used = 0;
	journal_format_message(ev, msg, sizeof(msg));
	add(&e, "MESSAGE", "%s", msg);
	add(&e, "PRIORITY", "%d", journal_priority(ev));
	add(&e, "MESSAGE_ID", "%s", journal_message_id(ev));
	add(&e, "SYSLOG_IDENTIFIER", "%s", j->ident);
	add(&e, "SYSGUARD_TYPE", "%s", sg_type_name(ev->type));
	add(&e, "SYSGUARD_SEQ", "%llu", (unsigned long long)ev->seq);
	add(&e, "SYSGUARD_ACTION", "%s", sg_action_name(ev->verdict.action));
	add_str(&e, "SYSGUARD_RULE", ev->verdict.rule_id);
	if (ev->verdict.severity != SG_SEV_NONE)
		add(&e, "SYSGUARD_SEVERITY", "%s", sg_severity_name(ev->verdict.severity));
	if (ev->verdict.action == SG_ACT_BLOCK)
		add(&e, "SYSGUARD_ENFORCED", "%d", ev->verdict.enforced ? 1 : 0);
	if (ev->type > SG_EV_NONE && ev->type < SG_EV_KERNEL_MAX) {
		add(&e, "SYSGUARD_PID", "%u", ev->proc.pid);
		add(&e, "SYSGUARD_PPID", "%u", ev->proc.ppid);
		add(&e, "SYSGUARD_UID", "%u", ev->proc.uid);
		add_str(&e, "SYSGUARD_COMM", ev->proc.comm);
		add_str(&e, "SYSGUARD_EXE", ev->proc.exe);
		if (ev->has_result)
			add(&e, "SYSGUARD_RESULT", "%d", ev->result);
	}
	switch (ev->type) {
	case SG_EV_EXEC:
		add_str(&e, "SYSGUARD_PATH", ev->exec.filename);
		break;
	case SG_EV_OPEN:
	case SG_EV_UNLINK:
		add_str(&e, "SYSGUARD_PATH", ev->file.path);
		break;
	case SG_EV_RENAME:
		add_str(&e, "SYSGUARD_PATH", ev->file.path);
		add_str(&e, "SYSGUARD_NEW_PATH", ev->file.new_path);
		break;
	case SG_EV_CONNECT:
	case SG_EV_BIND:
	case SG_EV_LISTEN: {
		char a[64];

		if (ev->net.family == AF_UNIX)
			add_str(&e, "SYSGUARD_DADDR", ev->net.unix_path);
		else if (encode_addr(a, sizeof(a), ev->net.family, ev->net.addr) == 0)
			add(&e, "SYSGUARD_DADDR", "%s", a);
		if (ev->net.family == AF_INET || ev->net.family == AF_INET6)
			add(&e, "SYSGUARD_DPORT", "%u", ev->net.port);
		break;
	}
	}
	nbase = e.n;
	add_raw(&e, "SYSGUARD_EVENT", json, len);
	r = journal_send_native(&j->fd, j->path, e.f, e.n);
	if (r == -EMSGSIZE || r == -ENOBUFS) {
		/* larger than a datagram may be here: send it without the JSON line */
		e.n = nbase;
		add(&e, "SYSGUARD_EVENT_TRUNCATED", "1");
		r = journal_send_native(&j->fd, j->path, e.f, e.n);
		if (r == 0)
			j->st.truncated++;
	}
	if (r < 0) {
		j->st.failed++;
		j->st.last_error = -r;
	} else {
		j->st.sent++;
	}
}

void journal_get_stats(const struct journal *j, struct journal_stats *ret)
{
	if (j)
		*ret = j->st;
	else
		memset(ret, 0, sizeof(*ret));
}

/* --- the journal as a pipeline sink (sink.h) ------------------------------------------------ */

struct journal_sink {
	struct sink base;
	struct journal *j;
	uint64_t dropped_type[SG_EV_MAX];
	bool failing;
};

static void jsink_write(struct sink *s, const struct sg_event *ev, const char *line, size_t len)
{
	struct journal_sink *js = (struct journal_sink *)s;
	uint64_t failed = js->j->st.failed;

	journal_publish(js->j, ev, line, len);
	if (js->j->st.failed != failed) {
		js->failing = true;
		if ((unsigned int)ev->type < SG_EV_MAX)
			js->dropped_type[ev->type]++;
	} else if (journal_wants(js->j, ev)) {
		js->failing = false;
	}
}

static void jsink_stats(const struct sink *s, struct sink_stats *st)
{
	const struct journal_sink *js = (const struct journal_sink *)s;

	memset(st, 0, sizeof(*st));
	st->name = "journal";
	st->where = "journal";
	st->path = js->j->path;
	st->written = js->j->st.sent;
	st->dropped = js->j->st.failed;
	memcpy(st->dropped_type, js->dropped_type, sizeof(st->dropped_type));
	st->last_error = js->j->st.last_error;
	st->failing = js->failing;
	sink_stats_extra(st, "truncated", js->j->st.truncated);
}

static void jsink_free(struct sink *s)
{
	struct journal_sink *js = (struct journal_sink *)s;

	journal_free(js->j);
	free(js);
}

static const struct sink_ops journal_sink_ops = {
	.write = jsink_write,
	.stats = jsink_stats,
	.free = jsink_free,
};

struct sink *journal_sink_new(const struct journal_opts *opts)
{
	struct journal_sink *js = calloc(1, sizeof(*js));

	if (!js)
		return NULL;
	js->base.ops = &journal_sink_ops;
	js->j = journal_new(opts);
	if (!js->j) {
		free(js);
		errno = ENOMEM;
		return NULL;
	}
	return &js->base;
}
