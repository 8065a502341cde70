/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The daemon's control socket: a Unix stream socket speaking the JSON-lines
 * protocol of shared/proto.h.  It owns the listening socket (stale socket
 * removed, group and mode set), the connections (peer credentials, permission
 * checks, bounded input and output, idle timeouts) and the subscribers (server
 * side filters, bounded queues with drop counting).  It is the transport
 * only: each request line is parsed (shared/proto.h) and handed, with the
 * peer's credentials, to one dispatch function, the daemon's command table
 * (commands.h), and its result or error is sent back.  Everything runs in
 * the daemon's libevent loop; the pipeline feeds events to the subscribers
 * through the sink control_sink_new() makes (control_publish()).
 */
#ifndef SG_CONTROL_H
#define SG_CONTROL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <json-c/json.h>
#include "proto.h"

/* A subscriber that reads nothing for this long while events wait is disconnected. */
#define CONTROL_STALL_SEC 600

struct event_base;
struct sg_event;
struct subfilter;
struct control;
struct control_conn;

/* Who is on the other end of a connection (SO_PEERCRED at accept time). */
struct control_peer {
	uid_t uid;
	gid_t gid;
	pid_t pid;
	bool member;       /* root, or in the socket's group */
	bool admin;        /* may run state-changing commands */
};

/*
 * A callback's way to explain a failure: fill message (and optionally code
 * and details) and return -errno.  When code stays PROTO_E_NONE it is derived
 * from the return value (proto_error_from_errno(): -EINVAL invalid_argument,
 * -ENOENT not_found, -EEXIST exists, -EBADMSG invalid_policy, -ENOTSUP
 * not_available, ...).  details, if set, is sent as error.errors and taken
 * over (e.g. an array of {"file","line","column","message"}).
 */
struct control_error {
	enum proto_errcode code;
	char message[PROTO_MESSAGE_MAX];
	struct json_object *details;
};

/*
 * Helpers for callbacks: set err->code and err->message and return a matching
 * -errno (-EINVAL, -ENOENT, -EEXIST, -EPERM, -ENOTSUP, -EBADMSG, -EBUSY or
 * -EIO), as in `return control_error_set(err, PROTO_E_NOT_FOUND, "no rule '%s'", id);`
 */
int control_error_set(struct control_error *err, enum proto_errcode code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/*
 * Append {"file","line","column","message"} to err->details (an array, created
 * on first use): one per policy diagnostic, for invalid_policy.  file may be
 * NULL; line and column 0 are left out.
 */
void control_error_add_diag(struct control_error *err, const char *file, unsigned int line,
			    unsigned int column, const char *message);

/* One request on its way through the command table. */
struct control_call {
	struct control *ctl;              /* the socket; NULL outside one (tests) */
	struct control_conn *conn;        /* the connection; NULL outside one */
	const struct control_peer *peer;
	struct json_object *args;         /* the request's args object; NULL when absent */
	struct json_object *result;       /* an empty object the command fills */
	struct control_error err;         /* what went wrong, when it returns -errno */
};

/*
 * The daemon's side: run the command named cmd for call.  Returns 0 (the
 * reply carries call->result) or -errno (the reply is call->err; its code
 * when set, else derived from the errno).  Runs in the event loop and must
 * not block for long.
 */
typedef int (*control_dispatch_fn)(void *ctx, const char *cmd, struct control_call *call);

struct control_options {
	const char *path;           /* NULL: PROTO_SOCKET_DEFAULT */
	const char *group;          /* socket group; NULL: PROTO_GROUP_DEFAULT; "" keeps root's */
	const char *admin_group;    /* also allowed state-changing commands; NULL: root only */
	const char *version;        /* daemon version for hello; NULL: SG_VERSION */
	unsigned int max_clients;   /* 0: SG_CTL_CLIENTS_MAX */
	unsigned int idle_sec;      /* 0: SG_CTL_IDLE_SEC */
	unsigned int stall_sec;     /* 0: CONTROL_STALL_SEC */
	size_t queue_max;           /* 0: SG_CTL_QUEUE_MAX */
	size_t queue_total;         /* 0: SG_CTL_QUEUE_TOTAL, shared by all subscribers */
	bool read_own;              /* read-level peers receive only their own uid's events */
	/* Diagnostics (syslog priorities). NULL: silent. */
	void (*log)(int prio, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
};

struct control_stats {
	unsigned int clients;       /* open connections, subscribers included */
	unsigned int subscribers;
	uint64_t published;         /* control_publish() calls */
	uint64_t delivered;         /* events queued to a subscriber */
	uint64_t missed;            /* events dropped for slow subscribers */
	uint64_t refused;           /* connections refused (too many clients) */
	uint64_t denied;            /* commands refused with permission_denied */
};

/*
 * Create the socket and start accepting on base.  Refuses (NULL, errno
 * EADDRINUSE) when a live daemon answers on the path, and (EEXIST) when the
 * path exists and is not a socket.  ctx must outlive the control.
 */
struct control *control_new(struct event_base *base, const struct control_options *opts,
			    control_dispatch_fn dispatch, void *ctx);

/* Close every connection and remove the socket file. NULL is fine. */
void control_free(struct control *c);

/*
 * Hand one emitted event to the subscribers whose filters match.  json is
 * the encoded event object, len bytes, no trailing newline.  Cheap when
 * nobody is subscribed; never blocks; drops and counts for full queues.
 */
void control_publish(struct control *c, const struct sg_event *ev, const char *json, size_t len);

/*
 * The subscribers as one pipeline sink (sink.h, name "subscribers"): its
 * write is control_publish(); each subscriber keeps its own bounded queue.
 * It does not own c, and must be freed before c.
 */
struct sink;
struct sink *control_sink_new(struct control *c);

/* Counters for status and tests. */
void control_get_stats(const struct control *c, struct control_stats *ret);

/*
 * For the commands about the connection itself.  hello: the protocol and
 * daemon versions, the peer and its access, the limits, into out.  status:
 * the socket's counters as a new object.  subscribe: after its reply, the
 * connection streams the events f lets through (f is taken over, also on
 * failure); -ENOTCONN outside a connection.
 */
void control_hello(const struct control_call *call, struct json_object *out);
struct json_object *control_stats_json(const struct control *c);
int control_subscribe(struct control_call *call, struct subfilter *f);

/* Whether anybody is subscribed (lets the caller skip encoding). */
bool control_has_subscribers(const struct control *c);

#endif /* SG_CONTROL_H */
