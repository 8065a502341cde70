// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The control socket of sysguardd.  Owns the listening Unix socket (created
 * with a stale socket removed, group and mode set), the list of connections
 * (credentials from SO_PEERCRED/SO_PEERGROUPS, one request per line, bounded
 * input and output, idle timeout), the hand-over of each request to the
 * daemon's command table (one dispatch function; the table checks roles and
 * arguments) and of its result back to the peer, and the subscribers:
 * server-side filters (subfilter.c), a bounded output queue each, and dropped
 * events counted and reported with {"missed": N} once the queue has drained.
 * Single-threaded: everything runs from the daemon's event loop.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <malloc.h>
#include <netinet/in.h>
#include <poll.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>
#include <sys/queue.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include "control.h"
#include "event.h"
#include "sg_limits.h"
#include "sink.h"
#include "subfilter.h"
#include "usock.h"

#ifndef SG_VERSION
#define SG_VERSION "unknown"
#endif

#define CONTROL_CLOSE_SEC     5        /* to flush a last error line */
#define CONTROL_ACCEPT_PAUSE  1        /* seconds accept stays off after EMFILE */
#define CONTROL_ACCEPT_BURST  64       /* connections accepted per wakeup */
#define CONTROL_TRIM_MS       200      /* malloc_trim this long after a big queue was freed */
#define CONTROL_TRIM_BYTES    (256 << 10) /* a queue this big, freed, is worth a trim */
#define EVENT_PREFIX          "{\"event\":"
#define EVENT_SUFFIX          "}\n"
#define EVENT_WRAP            (sizeof(EVENT_PREFIX) - 1 + sizeof(EVENT_SUFFIX) - 1)

#define LOG(c, prio, ...)                                \
	do {                                             \
		if ((c)->log)                            \
			(c)->log(prio, __VA_ARGS__);     \
	} while (0)


struct control_conn {
	TAILQ_ENTRY(control_conn) entry;      /* control.conns */
	TAILQ_ENTRY(control_conn) sub_entry;  /* control.subs, when subscribed */
	struct control *c;
	struct bufferevent *bev;
	struct control_peer peer;
	bool subscribed;
	bool closing;            /* flushing a last line, then freed */
	bool paused;             /* reading stopped until the output drains */
	bool dropping;           /* queue overflowed: dropping until it drains */
	uint64_t missed;         /* since the last {"missed"} notice */
	size_t scanned;          /* input bytes known to hold no newline */
	bool denied_logged;      /* log one refusal per connection, count them all */
	size_t peak;             /* the most its replies queued at once */
	struct subfilter filter;
};

TAILQ_HEAD(conn_list, control_conn);

struct control {
	struct event_base *base;
	control_dispatch_fn dispatch;
	void *ctx;
	void (*log)(int prio, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
	char *path;
	char *version;
	int fd;
	dev_t sock_dev;
	ino_t sock_ino;
	gid_t sock_gid;          /* members of it may use read-only commands */
	bool have_admin_gid;
	gid_t admin_gid;
	unsigned int max_clients;
	struct timeval idle_tv;
	struct timeval stall_tv;
	size_t queue_max;
	size_t queue_total;       /* all subscribers together: each gets a share */
	bool read_own;            /* read-level peers: only their own uid's kernel events */
	struct event *ev_accept;
	struct event *ev_trim;    /* gives freed queues back to the system */
	struct event *ev_resume;  /* re-enables accept after EMFILE */
	bool accept_paused;
	struct conn_list conns;
	struct conn_list subs;
	unsigned int nconns;
	unsigned int nsubs;
	struct control_stats stats;
	char *scratch;            /* one wrapped event line, built once per publish */
	size_t scratch_size;
};

static void conn_free(struct control_conn *conn);
static void conn_process_input(struct control_conn *conn);

/* --- replies -------------------------------------------------------------------------------- */

static void conn_send(struct control_conn *conn, struct json_object *o)
{
	struct evbuffer *out = bufferevent_get_output(conn->bev);
	const char *s;
	size_t len;

	if (!o) {
		static const char oom[] =
			"{\"id\":null,\"ok\":false,\"error\":{\"code\":\"internal\","
			"\"message\":\"out of memory\"}}\n";
		evbuffer_add(out, oom, sizeof(oom) - 1);
		return;
	}
	s = proto_serialize(o, &len);
	if (s) {
		evbuffer_add(out, s, len);
		evbuffer_add(out, "\n", 1);
	}
	json_object_put(o);
	if (evbuffer_get_length(out) > conn->peak)
		conn->peak = evbuffer_get_length(out);
}

static void reply_ok(struct control_conn *conn, struct json_object *id, struct json_object *result)
{
	conn_send(conn, proto_reply_ok(id, result));
}

static void reply_error(struct control_conn *conn, struct json_object *id, enum proto_errcode code,
			const char *message, struct json_object *details)
{
	conn_send(conn, proto_reply_error(id, code, message, details));
}

static void reply_proto_error(struct control_conn *conn, struct json_object *id,
			      const struct proto_error *err)
{
	reply_error(conn, id, err->code, err->message, NULL);
}

/* Finish a callback: reply with result on success, or with the callback's error. */
static void reply_op(struct control_conn *conn, struct json_object *id, int r,
		     struct json_object *result, struct control_error *err)
{
	enum proto_errcode code;
	char msg[PROTO_MESSAGE_MAX];

	if (r >= 0) {
		json_object_put(err->details);
		reply_ok(conn, id, result);
		return;
	}
	json_object_put(result);
	code = err->code != PROTO_E_NONE ? err->code : proto_error_from_errno(r);
	if (code == PROTO_E_NONE)
		code = PROTO_E_INTERNAL;
	if (err->message[0])
		snprintf(msg, sizeof(msg), "%s", err->message);
	else
		snprintf(msg, sizeof(msg), "%s", strerror(-r));
	reply_error(conn, id, code, msg, err->details);
}

int control_error_set(struct control_error *err, enum proto_errcode code, const char *fmt, ...)
{
	va_list ap;

	err->code = code;
	va_start(ap, fmt);
	vsnprintf(err->message, sizeof(err->message), fmt, ap);
	va_end(ap);
	proto_utf8_fix(err->message);
	switch (code) {
	case PROTO_E_INVALID_ARGUMENT:
		return -EINVAL;
	case PROTO_E_NOT_FOUND:
		return -ENOENT;
	case PROTO_E_EXISTS:
		return -EEXIST;
	case PROTO_E_PERMISSION_DENIED:
		return -EPERM;
	case PROTO_E_NOT_AVAILABLE:
		return -ENOTSUP;
	case PROTO_E_INVALID_POLICY:
		return -EBADMSG;
	case PROTO_E_BUSY:
		return -EBUSY;
	default:
		return -EIO;
	}
}

void control_error_add_diag(struct control_error *err, const char *file, unsigned int line,
			    unsigned int column, const char *message)
{
	struct json_object *d;

	if (!err->details)
		err->details = json_object_new_array();
	d = json_object_new_object();
	if (!err->details || !d) {
		json_object_put(d);
		return;
	}
	if (file)
		json_object_object_add(d, "file", json_object_new_string(file));
	if (line)
		json_object_object_add(d, "line", json_object_new_int64(line));
	if (column)
		json_object_object_add(d, "column", json_object_new_int64(column));
	json_object_object_add(d, "message", json_object_new_string(message ? message : ""));
	json_object_array_add(err->details, d);
}

/* --- connections ---------------------------------------------------------------------------- */

static void conn_close_after_flush(struct control_conn *conn)
{
	struct timeval tv = { CONTROL_CLOSE_SEC, 0 };

	if (conn->closing)
		return;
	conn->closing = true;
	bufferevent_disable(conn->bev, EV_READ);
	bufferevent_set_timeouts(conn->bev, NULL, &tv);
	if (evbuffer_get_length(bufferevent_get_output(conn->bev)) == 0)
		conn_free(conn);
}

static void conn_free(struct control_conn *conn)
{
	struct control *c;
	bool big;

	if (!conn)
		return;
	c = conn->c;
	/* a big queue now, or one that was (pipelined requests' replies, drained since) */
	big = evbuffer_get_length(bufferevent_get_output(conn->bev)) +
	      evbuffer_get_length(bufferevent_get_input(conn->bev)) >= CONTROL_TRIM_BYTES ||
	      conn->peak >= CONTROL_TRIM_BYTES;
	if (conn->subscribed) {
		TAILQ_REMOVE(&c->subs, conn, sub_entry);
		c->nsubs--;
		big = true;  /* its queue may have been big and drained: the heap kept it */
	}
	TAILQ_REMOVE(&c->conns, conn, entry);
	c->nconns--;
	bufferevent_free(conn->bev);
	subfilter_clear(&conn->filter);
	free(conn);
	/*
	 * glibc keeps freed memory in the heap; after subscribers with full queues
	 * (megabytes each) leave, give it back, once, a moment later (the
	 * bufferevent may be freed only after the current callback returns).
	 */
	if (big && c->ev_trim && !evtimer_pending(c->ev_trim, NULL)) {
		struct timeval tv = { 0, CONTROL_TRIM_MS * 1000 };

		evtimer_add(c->ev_trim, &tv);
	}
}

static void trim_cb(evutil_socket_t fd, short what, void *arg)
{
	malloc_trim(0);
}

static bool gid_in(gid_t gid, const gid_t *groups, int n)
{
	for (int i = 0; i < n; i++)
		if (groups[i] == gid)
			return true;
	return false;
}

/*
 * Is the peer in group gid?  Its primary gid, else its supplementary groups as
 * the kernel recorded them at connect time (SO_PEERGROUPS), else (old kernels)
 * the groups of its user from the group database.
 */
static bool peer_in_group(int fd, const struct ucred *cred, gid_t gid)
{
	gid_t small[64], *groups = small;
	socklen_t len = sizeof(small);
	bool found = false;

	if (cred->gid == gid)
		return true;
	if (getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, groups, &len) == 0)
		return gid_in(gid, groups, (int)(len / sizeof(gid_t)));
	if (errno == ERANGE && len <= 65536 * sizeof(gid_t)) {
		groups = malloc(len);
		if (groups && getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, groups, &len) == 0)
			found = gid_in(gid, groups, (int)(len / sizeof(gid_t)));
		free(groups);
		return found;
	}
	if (errno == ENOPROTOOPT) {
		struct passwd pw, *res = NULL;
		char buf[4096];
		int n = 64;

		if (getpwuid_r(cred->uid, &pw, buf, sizeof(buf), &res) != 0 || !res)
			return false;
		if (getgrouplist(pw.pw_name, pw.pw_gid, small, &n) < 0)
			return false;
		return gid_in(gid, small, n);
	}
	return false;
}

static void conn_read_cb(struct bufferevent *bev, void *arg);
static void conn_write_cb(struct bufferevent *bev, void *arg);
static void conn_event_cb(struct bufferevent *bev, short what, void *arg);

static void refuse(struct control *c, int fd, enum proto_errcode code, const char *msg)
{
	char line[256];
	int n = proto_error_line(line, sizeof(line), code, msg);

	if (n > 0 && send(fd, line, (size_t)n, MSG_DONTWAIT | MSG_NOSIGNAL) < 0)
		LOG(c, LOG_DEBUG, "control: refusing a connection: %m");
	close(fd);
}

static void conn_new(struct control *c, int fd)
{
	struct control_conn *conn;
	struct ucred cred;
	socklen_t len = sizeof(cred);

	if (c->nconns >= c->max_clients) {
		c->stats.refused++;
		if (c->stats.refused == 1 || c->stats.refused % 1000 == 0)
			LOG(c, LOG_WARNING, "control: too many clients (%u), refusing connections "
			    "(%llu so far)", c->max_clients, (unsigned long long)c->stats.refused);
		refuse(c, fd, PROTO_E_TOO_MANY_CLIENTS, "too many clients");
		return;
	}
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0) {
		LOG(c, LOG_WARNING, "control: SO_PEERCRED: %m");
		close(fd);
		return;
	}
	conn = calloc(1, sizeof(*conn));
	if (!conn) {
		refuse(c, fd, PROTO_E_INTERNAL, "out of memory");
		return;
	}
	conn->c = c;
	conn->peer.uid = cred.uid;
	conn->peer.gid = cred.gid;
	conn->peer.pid = cred.pid;
	conn->peer.member = cred.uid == 0 || peer_in_group(fd, &cred, c->sock_gid);
	conn->peer.admin = cred.uid == 0 ||
			   (c->have_admin_gid && peer_in_group(fd, &cred, c->admin_gid));
	conn->bev = bufferevent_socket_new(c->base, fd, BEV_OPT_CLOSE_ON_FREE);
	if (!conn->bev) {
		free(conn);
		refuse(c, fd, PROTO_E_INTERNAL, "out of memory");
		return;
	}
	TAILQ_INSERT_TAIL(&c->conns, conn, entry);
	c->nconns++;
	bufferevent_setcb(conn->bev, conn_read_cb, conn_write_cb, conn_event_cb, conn);
	/* The write callback runs whenever the output queue has drained completely. */
	bufferevent_setwatermark(conn->bev, EV_WRITE, 0, 0);
	bufferevent_set_timeouts(conn->bev, &c->idle_tv, &c->idle_tv);
	bufferevent_enable(conn->bev, EV_READ | EV_WRITE);
	LOG(c, LOG_DEBUG, "control: connection from uid %u pid %d", (unsigned int)cred.uid,
	    (int)cred.pid);
}

static void accept_resume_cb(evutil_socket_t fd, short what, void *arg)
{
	struct control *c = arg;

	c->accept_paused = false;
	event_add(c->ev_accept, NULL);
}

static void accept_cb(evutil_socket_t lfd, short what, void *arg)
{
	struct control *c = arg;

	for (int i = 0; i < CONTROL_ACCEPT_BURST; i++) {
		int fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

		if (fd < 0) {
			if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS ||
			    errno == ENOMEM) {
				struct timeval tv = { CONTROL_ACCEPT_PAUSE, 0 };

				/* Out of descriptors: stop accepting for a while. */
				if (!c->accept_paused)
					LOG(c, LOG_WARNING, "control: accept: %m; pausing");
				c->accept_paused = true;
				event_del(c->ev_accept);
				evtimer_add(c->ev_resume, &tv);
			} else if (errno != EAGAIN && errno != EINTR && errno != ECONNABORTED) {
				LOG(c, LOG_WARNING, "control: accept: %m");
			}
			return;
		}
		conn_new(c, fd);
	}
}

/* --- commands ------------------------------------------------------------------------------- */

void control_hello(const struct control_call *call, struct json_object *r)
{
	struct control *c = call->ctl;
	const struct control_peer *p = call->peer;
	struct json_object *peer, *lim;

	json_object_object_add(r, "protocol", json_object_new_int(PROTO_VERSION));
	json_object_object_add(r, "daemon", json_object_new_string("sysguardd"));
	json_object_object_add(r, "version", json_object_new_string(c ? c->version : SG_VERSION));
	peer = json_object_new_object();
	json_object_object_add(peer, "uid", json_object_new_int64(p->uid));
	json_object_object_add(peer, "gid", json_object_new_int64(p->gid));
	json_object_object_add(peer, "pid", json_object_new_int64(p->pid));
	json_object_object_add(peer, "access",
			       json_object_new_string(p->admin ? "admin" :
						      p->member ? "read" : "none"));
	json_object_object_add(r, "peer", peer);
	if (!c)
		return;
	lim = json_object_new_object();
	json_object_object_add(lim, "line_max", json_object_new_int(SG_CTL_LINE_MAX));
	json_object_object_add(lim, "queue_max", json_object_new_int64((int64_t)c->queue_max));
	json_object_object_add(lim, "queue_total", json_object_new_int64((int64_t)c->queue_total));
	json_object_object_add(lim, "clients_max", json_object_new_int64(c->max_clients));
	json_object_object_add(lim, "idle_sec", json_object_new_int64(c->idle_tv.tv_sec));
	json_object_object_add(r, "limits", lim);
}

struct json_object *control_stats_json(const struct control *c)
{
	struct json_object *o = json_object_new_object();

	if (!o)
		return NULL;
	json_object_object_add(o, "socket", json_object_new_string(c->path));
	json_object_object_add(o, "clients", json_object_new_int64(c->nconns));
	json_object_object_add(o, "subscribers", json_object_new_int64(c->nsubs));
	json_object_object_add(o, "clients_max", json_object_new_int64(c->max_clients));
	json_object_object_add(o, "published", json_object_new_uint64(c->stats.published));
	json_object_object_add(o, "delivered", json_object_new_uint64(c->stats.delivered));
	json_object_object_add(o, "missed", json_object_new_uint64(c->stats.missed));
	json_object_object_add(o, "refused", json_object_new_uint64(c->stats.refused));
	json_object_object_add(o, "denied", json_object_new_uint64(c->stats.denied));
	return o;
}

int control_subscribe(struct control_call *call, struct subfilter *f)
{
	struct control_conn *conn = call->conn;
	struct control *c = call->ctl;

	if (!conn || conn->subscribed) {
		subfilter_clear(f);
		return control_error_set(&call->err, PROTO_E_NOT_AVAILABLE,
					 conn ? "already subscribed" : "not a connection");
	}
	conn->filter = *f;
	memset(f, 0, sizeof(*f));
	conn->subscribed = true;
	TAILQ_INSERT_TAIL(&c->subs, conn, sub_entry);
	c->nsubs++;
	/*
	 * A subscriber only receives: no idle timeout, and its slow reading is its own
	 * loss; but one that reads nothing at all for stall_sec while events wait is
	 * gone, and its queue is given back.
	 */
	bufferevent_set_timeouts(conn->bev, NULL, &c->stall_tv);
	LOG(c, LOG_DEBUG, "control: uid %u pid %d subscribed", (unsigned int)conn->peer.uid,
	    (int)conn->peer.pid);
	return 0;
}

/* Count a refused command; log the first one of each connection at warning level. */
static void log_denied(struct control_conn *conn, const char *what)
{
	struct control *c = conn->c;

	c->stats.denied++;
	LOG(c, conn->denied_logged ? LOG_DEBUG : LOG_WARNING,
	    "control: denied '%s' to uid %u pid %d", what, (unsigned int)conn->peer.uid,
	    (int)conn->peer.pid);
	conn->denied_logged = true;
}

static void conn_handle_line(struct control_conn *conn, const char *line, size_t len)
{
	struct control *c = conn->c;
	struct control_call call = { .ctl = c, .conn = conn, .peer = &conn->peer };
	struct proto_request req;
	struct proto_error err;
	int r;

	if (proto_request_parse(line, len, &req, &err) < 0) {
		reply_proto_error(conn, req.id, &err);
		proto_request_clear(&req);
		return;
	}
	call.args = req.args;
	call.result = json_object_new_object();
	if (!call.result) {
		conn_send(conn, NULL);
		proto_request_clear(&req);
		return;
	}
	r = c->dispatch(c->ctx, req.cmd, &call);
	if (r < 0 && call.err.code == PROTO_E_PERMISSION_DENIED)
		log_denied(conn, req.cmd);
	reply_op(conn, req.id, r, call.result, &call.err);
	proto_request_clear(&req);
}

/* --- I/O callbacks -------------------------------------------------------------------------- */

/* Handle every complete line in the input, as long as the output has room. */
static void conn_process_input(struct control_conn *conn)
{
	struct control *c = conn->c;
	struct evbuffer *in = bufferevent_get_input(conn->bev);
	struct evbuffer *out = bufferevent_get_output(conn->bev);

	while (!conn->closing) {
		struct evbuffer_ptr eol, start;
		size_t eol_len = 0, avail = evbuffer_get_length(in);
		char *line;

		if (avail == 0)
			break;
		if (conn->subscribed) {
			/* A subscriber only receives: whatever it sends is ignored. */
			evbuffer_drain(in, avail);
			break;
		}
		if (evbuffer_get_length(out) >= c->queue_max) {
			/* The client sends requests but does not read replies: wait. */
			conn->paused = true;
			bufferevent_disable(conn->bev, EV_READ);
			break;
		}
		/* Search only the bytes not searched before: a line trickling in stays O(n). */
		if (conn->scanned > avail ||
		    evbuffer_ptr_set(in, &start, conn->scanned, EVBUFFER_PTR_SET) < 0)
			conn->scanned = 0;
		eol = evbuffer_search_eol(in, conn->scanned ? &start : NULL, &eol_len,
					  EVBUFFER_EOL_LF);
		if (eol.pos < 0) {
			if (avail >= SG_CTL_LINE_MAX)
				goto too_long;
			conn->scanned = avail;
			break;
		}
		conn->scanned = 0;
		if ((size_t)eol.pos + 1 > SG_CTL_LINE_MAX)
			goto too_long;
		line = (char *)evbuffer_pullup(in, eol.pos + 1);
		if (!line) {
			reply_error(conn, NULL, PROTO_E_INTERNAL, "out of memory", NULL);
			conn_close_after_flush(conn);
			return;
		}
		conn_handle_line(conn, line, (size_t)eol.pos);
		evbuffer_drain(in, eol.pos + 1);
	}
	return;

too_long:
	LOG(c, LOG_INFO, "control: line too long from uid %u pid %d; closing",
	    (unsigned int)conn->peer.uid, (int)conn->peer.pid);
	evbuffer_drain(in, evbuffer_get_length(in));
	reply_error(conn, NULL, PROTO_E_LINE_TOO_LONG, "request line longer than 65536 bytes",
		    NULL);
	conn_close_after_flush(conn);
}

static void conn_read_cb(struct bufferevent *bev, void *arg)
{
	conn_process_input(arg);
}

/* Called each time the output queue has drained completely. */
static void conn_write_cb(struct bufferevent *bev, void *arg)
{
	struct control_conn *conn = arg;
	struct control *c = conn->c;

	if (conn->closing) {
		conn_free(conn);
		return;
	}
	if (conn->dropping) {
		conn->dropping = false;
		conn_send(conn, proto_missed_new(conn->missed));
		LOG(c, LOG_INFO, "control: subscriber uid %u pid %d missed %llu events",
		    (unsigned int)conn->peer.uid, (int)conn->peer.pid,
		    (unsigned long long)conn->missed);
		conn->missed = 0;
	}
	if (conn->paused) {
		conn->paused = false;
		bufferevent_enable(conn->bev, EV_READ);
		conn_process_input(conn);
	}
}

/* Has the peer closed its socket altogether (not just shut down its write side)? */
static bool peer_gone(int fd)
{
	struct pollfd p = { .fd = fd, .events = 0 };

	return poll(&p, 1, 0) > 0 && (p.revents & (POLLHUP | POLLERR));
}

static void conn_event_cb(struct bufferevent *bev, short what, void *arg)
{
	struct control_conn *conn = arg;

	if (what & BEV_EVENT_ERROR) {
		conn_free(conn);
		return;
	}
	if (what & BEV_EVENT_TIMEOUT) {
		if (conn->closing || (what & BEV_EVENT_WRITING)) {
			LOG(conn->c, LOG_INFO, "control: uid %u pid %d read nothing for too long; "
			    "closing", (unsigned int)conn->peer.uid, (int)conn->peer.pid);
			conn_free(conn);
			return;
		}
		evbuffer_drain(bufferevent_get_input(bev),
			       evbuffer_get_length(bufferevent_get_input(bev)));
		reply_error(conn, NULL, PROTO_E_TIMEOUT, "idle for too long", NULL);
		conn_close_after_flush(conn);
		return;
	}
	if (what & BEV_EVENT_EOF) {
		if (conn->subscribed) {
			/*
			 * A subscriber that only shut down its write side (socat, nc)
			 * keeps receiving; one that closed altogether is gone.
			 */
			if (peer_gone(bufferevent_getfd(bev)))
				conn_free(conn);
			else
				bufferevent_disable(bev, EV_READ);
			return;
		}
		/* A request sent before a half-close still gets its reply. */
		if (evbuffer_get_length(bufferevent_get_output(bev)) == 0)
			conn_free(conn);
		else
			conn_close_after_flush(conn);
	}
}

/* --- publishing ----------------------------------------------------------------------------- */

void control_publish(struct control *c, const struct sg_event *ev, const char *json, size_t len)
{
	struct control_conn *conn;
	size_t line_len = len + EVENT_WRAP;
	bool built = false;

	size_t share;

	if (!c || c->nsubs == 0 || !json)
		return;
	c->stats.published++;
	/* all queues together stay under queue_total: each subscriber gets an equal share */
	share = c->queue_total / c->nsubs;
	if (share < SG_CTL_QUEUE_MIN)
		share = SG_CTL_QUEUE_MIN;
	if (share > c->queue_max)
		share = c->queue_max;
	TAILQ_FOREACH(conn, &c->subs, sub_entry) {
		struct evbuffer *out;

		if (conn->closing || !subfilter_match(&conn->filter, ev))
			continue;
		if (c->read_own && !conn->peer.admin && ev && ev->type < SG_EV_KERNEL_MAX &&
		    ev->proc.uid != conn->peer.uid)
			continue;
		out = bufferevent_get_output(conn->bev);
		if (conn->dropping || evbuffer_get_length(out) + line_len > share) {
			conn->dropping = true;
			conn->missed++;
			c->stats.missed++;
			continue;
		}
		if (line_len <= c->scratch_size) {
			if (!built) {
				memcpy(c->scratch, EVENT_PREFIX, sizeof(EVENT_PREFIX) - 1);
				memcpy(c->scratch + sizeof(EVENT_PREFIX) - 1, json, len);
				memcpy(c->scratch + sizeof(EVENT_PREFIX) - 1 + len, EVENT_SUFFIX,
				       sizeof(EVENT_SUFFIX) - 1);
				built = true;
			}
			evbuffer_add(out, c->scratch, line_len);
		} else {
			evbuffer_add(out, EVENT_PREFIX, sizeof(EVENT_PREFIX) - 1);
			evbuffer_add(out, json, len);
			evbuffer_add(out, EVENT_SUFFIX, sizeof(EVENT_SUFFIX) - 1);
		}
		c->stats.delivered++;
	}
}

bool control_has_subscribers(const struct control *c)
{
	return c && c->nsubs > 0;
}

void control_get_stats(const struct control *c, struct control_stats *ret)
{
	*ret = c->stats;
	ret->clients = c->nconns;
	ret->subscribers = c->nsubs;
}

/* --- the socket ----------------------------------------------------------------------------- */

/* The listening socket (usock.h); its file's identity and group for control_free() and peers. */
static int control_listen(struct control *c, const char *group)
{
	const struct usock_opts o = {
		.path = c->path, .group = group, .who = "control", .backlog = SOMAXCONN,
		.log = c->log,
	};
	struct usock sock;
	int r;

	r = usock_listen(&o, &sock);
	if (r < 0)
		return r;
	c->fd = sock.fd;
	c->sock_dev = sock.dev;
	c->sock_ino = sock.ino;
	c->sock_gid = sock.gid;
	return 0;
}

struct control *control_new(struct event_base *base, const struct control_options *opts,
			    control_dispatch_fn dispatch, void *ctx)
{
	static const struct control_options defaults = { 0 };
	struct control *c;
	int r;

	if (!base) {
		errno = EINVAL;
		return NULL;
	}
	if (!opts)
		opts = &defaults;
	c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	c->fd = -1;
	c->base = base;
	c->dispatch = dispatch;
	c->ctx = ctx;
	c->log = opts->log;
	TAILQ_INIT(&c->conns);
	TAILQ_INIT(&c->subs);
	c->max_clients = opts->max_clients ? opts->max_clients : SG_CTL_CLIENTS_MAX;
	c->idle_tv.tv_sec = opts->idle_sec ? opts->idle_sec : SG_CTL_IDLE_SEC;
	c->stall_tv.tv_sec = opts->stall_sec ? opts->stall_sec : CONTROL_STALL_SEC;
	c->queue_max = opts->queue_max ? opts->queue_max : SG_CTL_QUEUE_MAX;
	c->queue_total = opts->queue_total ? opts->queue_total : SG_CTL_QUEUE_TOTAL;
	c->read_own = opts->read_own;
	c->path = strdup(opts->path ? opts->path : PROTO_SOCKET_DEFAULT);
	c->version = strdup(opts->version ? opts->version : SG_VERSION);
	c->scratch_size = SG_JSON_LINE_MAX + EVENT_WRAP;
	c->scratch = malloc(c->scratch_size);
	if (!c->path || !c->version || !c->scratch) {
		r = -ENOMEM;
		goto fail;
	}
	if (opts->admin_group && *opts->admin_group) {
		if (usock_group(opts->admin_group, &c->admin_gid) == 0)
			c->have_admin_gid = true;
		else
			LOG(c, LOG_WARNING, "control: admin group '%s' does not exist; only root "
			    "may change the policy", opts->admin_group);
	}
	r = control_listen(c, opts->group ? opts->group : PROTO_GROUP_DEFAULT);
	if (r < 0)
		goto fail;
	c->ev_accept = event_new(base, c->fd, EV_READ | EV_PERSIST, accept_cb, c);
	c->ev_resume = evtimer_new(base, accept_resume_cb, c);
	c->ev_trim = evtimer_new(base, trim_cb, c);
	if (!c->ev_accept || !c->ev_resume || !c->ev_trim || event_add(c->ev_accept, NULL) < 0) {
		r = -ENOMEM;
		goto fail;
	}
	LOG(c, LOG_INFO, "control: listening on '%s'", c->path);
	return c;

fail:
	control_free(c);
	errno = -r;
	return NULL;
}

void control_free(struct control *c)
{
	struct stat st;

	if (!c)
		return;
	while (!TAILQ_EMPTY(&c->conns))
		conn_free(TAILQ_FIRST(&c->conns));
	if (c->ev_accept)
		event_free(c->ev_accept);
	if (c->ev_resume)
		event_free(c->ev_resume);
	if (c->ev_trim)
		event_free(c->ev_trim);
	if (c->fd >= 0) {
		/* Remove the socket only if it is still ours. */
		if (c->path && stat(c->path, &st) == 0 && st.st_dev == c->sock_dev &&
		    st.st_ino == c->sock_ino)
			unlink(c->path);
		close(c->fd);
	}
	free(c->scratch);
	free(c->path);
	free(c->version);
	free(c);
}

/* --- the subscribers as one pipeline sink (sink.h) ------------------------------------------ */

struct control_sink {
	struct sink base;
	struct control *c;
};

static void csink_write(struct sink *s, const struct sg_event *ev, const char *line, size_t len)
{
	control_publish(((struct control_sink *)s)->c, ev, line, len);
}

static void csink_stats(const struct sink *s, struct sink_stats *st)
{
	const struct control *c = ((const struct control_sink *)s)->c;

	memset(st, 0, sizeof(*st));
	st->name = "subscribers";
	st->path = c->path;
	st->written = c->stats.delivered;
	st->dropped = c->stats.missed;
	sink_stats_extra(st, "subscribers", c->nsubs);
	sink_stats_extra(st, "published", c->stats.published);
}

static void csink_free(struct sink *s)
{
	free(s);
}

static const struct sink_ops control_sink_ops = {
	.write = csink_write,
	.stats = csink_stats,
	.free = csink_free,
};

struct sink *control_sink_new(struct control *c)
{
	struct control_sink *cs = calloc(1, sizeof(*cs));

	if (!cs)
		return NULL;
	cs->base.ops = &control_sink_ops;
	cs->c = c;
	return &cs->base;
}
