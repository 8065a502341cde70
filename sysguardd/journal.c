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
#include "sg_limits.h"
#include "sink.h"

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
	struct iovec v[JOURNAL_FIELDS_MAX * 5];
	uint64_t lens[JOURNAL_FIELDS_MAX];
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct msghdr mh = { .msg_name = &sa, .msg_iov = v };
	size_t nv = 0;

	if (n > JOURNAL_FIELDS_MAX)
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
	const struct sg_evtype *t = sg_evtype(ev->type);

	if (ev->type == SG_EV_DROP)
		return j->drops;
	if (t && t->journal_always)
		return true;
	return (unsigned)ev->verdict.action < 32 && (j->actions & (1u << ev->verdict.action));
}

int journal_priority(const struct sg_event *ev)
{
	const struct sg_evtype *t = sg_evtype(ev->type);

	if (t && t->priority)
		return t->priority(ev);
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
	const struct sg_evtype *t = sg_evtype(ev->type);

	if (t && t->message_id)
		return t->message_id;
	switch (ev->verdict.action) {
	case SG_ACT_BLOCK:
		return SG_MID_EVENT_BLOCK;
	case SG_ACT_ALERT:
		return SG_MID_EVENT_ALERT;
	default:
		return SG_MID_EVENT_LOG;
	}
}

void sg_msg_add(struct sg_msg *m, const char *fmt, ...)
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

const char *sg_msg_or(const char *s, const char *dflt)
{
	return s && *s ? s : dflt;
}

int journal_format_message(const struct sg_event *ev, char *buf, size_t len)
{
	const struct sg_evtype *t = sg_evtype(ev->type);
	struct sg_msg m = { .buf = buf, .cap = len };
	const char *act;

	if (!len)
		return 0;
	buf[0] = '\0';
	if (t && !t->kernel) {
		t->message(&m, ev);
		return m.len;
	}
	switch (ev->verdict.action) {
	case SG_ACT_ALERT: act = "ALERT"; break;
	case SG_ACT_BLOCK: act = "BLOCK"; break;
	default: act = "LOG"; break;
	}
	if (ev->verdict.rule_id) {
		size_t also = 0;

		sg_msg_add(&m, "%s %s", act, ev->verdict.rule_id);
		/* every other rule that alerts (or blocks) on it too */
		for (size_t i = 0; i < ev->verdict.nmatches; i++)
			if (ev->verdict.matches[i].action >= SG_ACT_ALERT)
				sg_msg_add(&m, "%s%s", also++ ? ", " : " (also ",
					   sg_msg_or(ev->verdict.matches[i].rule_id, "?"));
		sg_msg_add(&m, "%s", also ? ")" : "");
		if (ev->verdict.corr.rule_id)
			sg_msg_add(&m, " [%s: %u %s in %llus, %s]", ev->verdict.corr.rule_id,
				   ev->verdict.corr.count,
				   !strcmp(sg_msg_or(ev->verdict.corr.kind, ""), "sequence") ? "steps" :
				   !strcmp(sg_msg_or(ev->verdict.corr.kind, ""), "distinct") ?
				   "values" : "events",
				   (unsigned long long)(ev->verdict.corr.window_ns / 1000000000ull),
				   sg_msg_or(ev->verdict.corr.group, "?"));
		sg_msg_add(&m, ": ");
	} else {
		sg_msg_add(&m, "%s: ", act);
	}
	sg_msg_add(&m, "%s (pid %u) ", sg_msg_or(ev->proc.comm, "?"), ev->proc.pid);
	if (ev->ctr.where == SG_WHERE_CONTAINER)
		sg_msg_add(&m, "in container %s ",
			   sg_msg_or(ev->ctr.name && *ev->ctr.name ? ev->ctr.name : ev->ctr.id, "?"));
	if (t)
		t->message(&m, ev);
	else
		sg_msg_add(&m, "did '%s'", sg_type_name(ev->type));
	if (ev->has_result && ev->result < 0)
		sg_msg_add(&m, " (failed: %s)", sg_msg_or(strerrorname_np(-ev->result), "error"));
	if (ev->verdict.action == SG_ACT_BLOCK)
		sg_msg_add(&m, ev->verdict.enforced ? " [blocked]" : " [not enforced]");
	if (ev->verdict.repeat > 1)
		sg_msg_add(&m, " (%u times)", ev->verdict.repeat);
	return m.len;
}

static void add_raw(struct journal_entry *e, const char *key, const char *value, size_t len)
{
	if (e->n < JOURNAL_FIELDS_MAX)
		e->f[e->n++] = (struct journal_field){ key, value, len };
}

void journal_add(struct journal_entry *e, const char *key, const char *fmt, ...)
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

void journal_add_str(struct journal_entry *e, const char *key, const char *val)
{
	if (val)
		journal_add(e, key, "%s", val);
}

void journal_publish(void *ctx, const struct sg_event *ev, const char *json, size_t len)
{
	struct journal *j = ctx;
	const struct sg_evtype *t = sg_evtype(ev->type);
	static struct journal_entry e; /* one at a time: the daemon is single-threaded */
	char msg[MESSAGE_MAX];
	size_t nbase;
	int r;

	if (!journal_wants(j, ev))
		return;
	e.n = 0;
	e.used = 0;
	journal_format_message(ev, msg, sizeof(msg));
	journal_add(&e, "MESSAGE", "%s", msg);
	journal_add(&e, "PRIORITY", "%d", journal_priority(ev));
	journal_add(&e, "MESSAGE_ID", "%s", journal_message_id(ev));
	journal_add(&e, "SYSLOG_IDENTIFIER", "%s", j->ident);
	journal_add(&e, "SYSGUARD_TYPE", "%s", sg_type_name(ev->type));
	journal_add(&e, "SYSGUARD_SEQ", "%llu", (unsigned long long)ev->seq);
	journal_add(&e, "SYSGUARD_ACTION", "%s", sg_action_name(ev->verdict.action));
	journal_add_str(&e, "SYSGUARD_RULE", ev->verdict.rule_id);
	if (ev->verdict.nmatches) {
		char rules[SG_MATCHES_MAX * (SG_POLICY_ID_MAX + 1)] = "";
		struct sg_msg ml = { .buf = rules, .cap = sizeof(rules) };

		for (size_t i = 0; i < ev->verdict.nmatches; i++)
			sg_msg_add(&ml, "%s%s", i ? " " : "",
				   sg_msg_or(ev->verdict.matches[i].rule_id, "?"));
		journal_add(&e, "SYSGUARD_MATCHES", "%s", rules);
	}
	if (ev->verdict.corr.rule_id) {
		journal_add(&e, "SYSGUARD_CORRELATION", "%s", ev->verdict.corr.rule_id);
		journal_add_str(&e, "SYSGUARD_CORRELATION_GROUP", ev->verdict.corr.group);
		journal_add(&e, "SYSGUARD_CORRELATION_COUNT", "%u", ev->verdict.corr.count);
	}
	if (ev->verdict.severity != SG_SEV_NONE)
		journal_add(&e, "SYSGUARD_SEVERITY", "%s", sg_severity_name(ev->verdict.severity));
	if (ev->verdict.action == SG_ACT_BLOCK)
		journal_add(&e, "SYSGUARD_ENFORCED", "%d", ev->verdict.enforced ? 1 : 0);
	if (t && t->kernel) {
		journal_add(&e, "SYSGUARD_PID", "%u", ev->proc.pid);
		journal_add(&e, "SYSGUARD_PPID", "%u", ev->proc.ppid);
		journal_add(&e, "SYSGUARD_UID", "%u", ev->proc.uid);
		journal_add_str(&e, "SYSGUARD_COMM", ev->proc.comm);
		journal_add_str(&e, "SYSGUARD_EXE", ev->proc.exe);
		if (ev->has_result)
			journal_add(&e, "SYSGUARD_RESULT", "%d", ev->result);
	}
	if (ev->ctr.where == SG_WHERE_CONTAINER) {
		journal_add_str(&e, "SYSGUARD_CONTAINER_ID", ev->ctr.id);
		if (ev->ctr.name && *ev->ctr.name)
			journal_add_str(&e, "SYSGUARD_CONTAINER_NAME", ev->ctr.name);
		if (ev->ctr.image && *ev->ctr.image)
			journal_add_str(&e, "SYSGUARD_CONTAINER_IMAGE", ev->ctr.image);
	}
	if (t && t->journal)
		t->journal(&e, ev);
	nbase = e.n;
	add_raw(&e, "SYSGUARD_EVENT", json, len);
	r = journal_send_native(&j->fd, j->path, e.f, e.n);
	if (r == -EMSGSIZE || r == -ENOBUFS) {
		/* larger than a datagram may be here: send it without the JSON line */
		e.n = nbase;
		journal_add(&e, "SYSGUARD_EVENT_TRUNCATED", "1");
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
