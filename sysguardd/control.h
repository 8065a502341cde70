/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The daemon's control socket: a Unix stream socket speaking the JSON-lines
 * protocol of shared/proto.h.  It owns the listening socket (stale socket
 * removed, group and mode set), the connections (peer credentials, permission
 * checks, bounded input and output, idle timeouts) and the subscribers (server
 * side filters, bounded queues with drop counting).  Everything runs in the
 * daemon's libevent loop; the daemon answers commands through struct
 * control_ops, and the pipeline feeds events to the subscribers through the
 * sink control_sink_new() makes (control_publish()).
 */
#ifndef SG_CONTROL_H
#define SG_CONTROL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <json-c/json.h>
#include "enforce.h"
#include "proto.h"

/* A subscriber that reads nothing for this long while events wait is disconnected. */
#define CONTROL_STALL_SEC 600

struct event_base;
struct sg_event;
struct control;

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

/* A policy given either by path (read by the daemon) or inline. Exactly one is set. */
struct control_policy_src {
	const char *path;
	const char *text;
	const char *name;  /* inline: its name in error positions (file:line:col); may be NULL */
};

/*
 * block.add / block.remove, parsed once: the rule is filled from the
 * arguments with shared/addr.c's parsers (address, prefix, ports, protocol)
 * and checked (cgroup path shape, ttl, comment); source is "runtime",
 * created is now.  The cgroup is resolved and the slot assigned by
 * enforcement.  For block.remove by id, only id is set.
 */
struct control_block {
	const char *addr;          /* as sent, for messages; NULL with id */
	const char *id;            /* block.remove by rule id; NULL otherwise */
	struct enforce_rule rule;  /* unset (zero) with id */
};

/*
 * The arguments of block.add (remove false) or block.remove into b; strings
 * in b point into args.  Returns 0, or -EINVAL with err filled
 * (invalid_argument and the reason, e.g. "invalid address '10.0.0.1/8': host
 * bits set below the prefix length").
 */
int control_block_parse(struct json_object *args, bool remove, struct control_block *b,
			struct proto_error *err);

/*
 * The daemon's side.  Every callback gets ctx; every out/result object is an
 * empty JSON object the callback fills.  Return 0 or -errno (see struct
 * control_error).  A NULL callback makes its command answer not_available.
 * Callbacks run in the event loop and must not block for long.
 */
struct control_ops {
	/*
	 * Fill the status: "version", "uptime_sec", "programs", "events",
	 * "drops", "policy" (see proto/protocol.md).  control adds "control".
	 */
	int (*status)(void *ctx, struct json_object *out, struct control_error *err);
	/* The policy in force: "source", "rules", "loaded_at", "text" or "rules_list". */
	int (*policy_show)(void *ctx, struct json_object *out, struct control_error *err);
	/* Check without loading: set "valid", "rules", "errors": [{file,line,column,message}]. */
	int (*policy_check)(void *ctx, const struct control_policy_src *src,
			    const struct control_peer *peer, struct json_object *out,
			    struct control_error *err);
	/* Load and apply; on errors return -EBADMSG with err->details. Fill "source", "rules". */
	int (*policy_load)(void *ctx, const struct control_policy_src *src,
			   const struct control_peer *peer, struct json_object *out,
			   struct control_error *err);
	/* Reload from the configured source; same result as policy_load. */
	int (*policy_reload)(void *ctx, const struct control_peer *peer, struct json_object *out,
			     struct control_error *err);
	/* Fill "rule" (the rule as listed by block_list). */
	int (*block_add)(void *ctx, const struct control_block *b, const struct control_peer *peer,
			 struct json_object *out, struct control_error *err);
	/* Fill "removed": the number of rules removed; -ENOENT if none matched. */
	int (*block_remove)(void *ctx, const struct control_block *b,
			    const struct control_peer *peer, struct json_object *out,
			    struct control_error *err);
	/* Fill "rules": [{id, addr, prefix, port, port_end, proto, expires, comment, source}]. */
	int (*block_list)(void *ctx, struct json_object *out, struct control_error *err);
	/*
	 * Emit a SG_EV_MARK event carrying text through the pipeline (which
	 * calls control_publish()) and set *ret_seq to its seq.
	 */
	int (*mark)(void *ctx, const char *text, const struct control_peer *peer, uint64_t *ret_seq,
		    struct control_error *err);
	/* Reopen the outputs (log rotation); fill "reopened": [names]. */
	int (*output_reopen)(void *ctx, const struct control_peer *peer, struct json_object *out,
			     struct control_error *err);
};

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
 * path exists and is not a socket.  ops and ctx must outlive the control.
 */
struct control *control_new(struct event_base *base, const struct control_options *opts,
			    const struct control_ops *ops, void *ctx);

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

/* Whether anybody is subscribed (lets the caller skip encoding). */
bool control_has_subscribers(const struct control *c);

#endif /* SG_CONTROL_H */
