/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The control protocol shared by sysguardd and sysguardctl: JSON lines over a
 * Unix stream socket.  This module owns the protocol version, the roles, the
 * stable error codes, request parsing and validation (the command's name is
 * looked up by the daemon's command table, sysguardd/commands.c), and the
 * construction and parsing of replies and stream lines.  It does no I/O and
 * never logs; proto/protocol.md is the spec.
 */
#ifndef SG_PROTO_H
#define SG_PROTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <json-c/json.h>

#define PROTO_VERSION        1
#define PROTO_SOCKET_DEFAULT "/run/sysguard/sysguard.sock"
#define PROTO_GROUP_DEFAULT  "sysguard"
#define PROTO_JSON_DEPTH     32    /* nesting accepted in a request */
#define PROTO_MESSAGE_MAX    512   /* bytes of an error message */
#define PROTO_STRING_MAX     4096  /* a string argument other than inline text */
#define PROTO_MARK_MAX       1024  /* bytes of a marker text */
#define PROTO_COMMENT_MAX    256   /* bytes of a block comment */
#define PROTO_FILTER_MAX     64    /* entries in one subscription filter list */

/* Stable error codes: never renumber, never rename (the names are the ABI). */
enum proto_errcode {
	PROTO_E_NONE = 0,
	PROTO_E_BAD_JSON,            /* the line is not one valid JSON value */
	PROTO_E_BAD_REQUEST,         /* valid JSON, but not a request object */
	PROTO_E_UNKNOWN_COMMAND,
	PROTO_E_UNSUPPORTED_VERSION,
	PROTO_E_PERMISSION_DENIED,
	PROTO_E_LINE_TOO_LONG,       /* the connection is closed after it */
	PROTO_E_NOT_AVAILABLE,       /* the feature is absent from this build or run */
	PROTO_E_INVALID_ARGUMENT,
	PROTO_E_NOT_FOUND,
	PROTO_E_EXISTS,
	PROTO_E_INVALID_POLICY,      /* the policy has errors; details in error.errors */
	PROTO_E_TOO_MANY_CLIENTS,    /* the connection is closed after it */
	PROTO_E_TIMEOUT,             /* idle too long; the connection is closed after it */
	PROTO_E_BUSY,                /* try again later */
	PROTO_E_INTERNAL,
	PROTO_E_MAX,
};

/* Who may run a command. */
enum proto_perm {
	PROTO_PERM_ANY = 0,  /* anyone who could connect */
	PROTO_PERM_READ,     /* root and members of the socket's group */
	PROTO_PERM_ADMIN,    /* root, or members of the admin group if one is configured */
};

struct proto_error {
	enum proto_errcode code;
	char message[PROTO_MESSAGE_MAX];
};

/* A parsed request.  id and args point into root; proto_request_clear() frees root. */
struct proto_request {
	struct json_object *root;
	struct json_object *id;          /* NULL when absent (replies then carry null) */
	const char *cmd;                 /* the command's name; NULL until parsed */
	struct json_object *args;        /* an object; NULL when absent */
	int version;                     /* PROTO_VERSION when absent */
};

/* One line received by a client. */
enum proto_line_kind {
	PROTO_LINE_REPLY = 1,   /* {"id":..., "ok":...} */
	PROTO_LINE_EVENT,       /* {"event": {...}} */
	PROTO_LINE_MISSED,      /* {"missed": N} */
};

/* A parsed line: every pointer points into root; proto_line_clear() frees root. */
struct proto_line {
	enum proto_line_kind kind;
	struct json_object *root;
	struct json_object *id;
	bool ok;
	struct json_object *result;      /* ok: the result object (may be NULL) */
	const char *error_code;          /* !ok: error.code as sent */
	enum proto_errcode error;        /* !ok: the known code, or PROTO_E_INTERNAL */
	const char *error_message;       /* !ok: error.message, never NULL */
	struct json_object *error_obj;   /* !ok: the whole error object */
	struct json_object *event;       /* PROTO_LINE_EVENT */
	uint64_t missed;                 /* PROTO_LINE_MISSED */
};

const char *proto_error_name(enum proto_errcode code);
int proto_error_from_name(const char *name);          /* -EINVAL if unknown */
enum proto_errcode proto_error_from_errno(int err);   /* err: positive or negative errno */

const char *proto_perm_name(enum proto_perm perm);

/* Fill err; returns -EINVAL, or -EBADMSG for bad_json, for use in return statements. */
int proto_error_set(struct proto_error *err, enum proto_errcode code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Well-formed UTF-8: no overlongs, no surrogates, nothing above U+10FFFF. */
bool proto_utf8_valid(const char *s, size_t len);

/*
 * Make s valid UTF-8 in place: every byte that does not start a valid
 * character becomes '?' (a message whose bounded format cut a character of
 * user input in two).
 */
void proto_utf8_fix(char *s);

/*
 * Parse and validate one request line (without its '\n'; a trailing '\r' is
 * accepted).  Returns 0, or -errno with err filled.  On failure req->id is set
 * whenever the line was an object with a usable id, so the error reply can echo
 * it.  Always call proto_request_clear() afterwards.
 */
int proto_request_parse(const char *line, size_t len, struct proto_request *req,
			struct proto_error *err);
void proto_request_clear(struct proto_request *req);

/*
 * Checked argument getters.  Each returns 0 with *ret set, -ENOENT when the key
 * is absent or null (*ret untouched), or -EINVAL with err filled when the value
 * has the wrong type or is out of range.  args may be NULL.
 */
int proto_arg_string(struct json_object *args, const char *key, size_t max, const char **ret,
		     struct proto_error *err);
int proto_arg_int(struct json_object *args, const char *key, int64_t min, int64_t max,
		  int64_t *ret, struct proto_error *err);
int proto_arg_bool(struct json_object *args, const char *key, bool *ret, struct proto_error *err);
/* Reject any key of args not in the NULL-terminated list allowed. */
int proto_args_check_keys(struct json_object *args, const char *const *allowed,
			  struct proto_error *err);

/* Build a request (for clients): {"version":1,"id":id,"cmd":cmd,"args":args}; takes args. */
struct json_object *proto_request_new(int64_t id, const char *cmd, struct json_object *args);

/* Build replies.  id is borrowed (a reference is taken); result and details are taken over. */
struct json_object *proto_reply_ok(struct json_object *id, struct json_object *result);
struct json_object *proto_reply_error(struct json_object *id, enum proto_errcode code,
				      const char *message, struct json_object *details);
struct json_object *proto_missed_new(uint64_t missed);

/* The one serialisation used on the wire: plain, no escaped slashes; owned by o. */
const char *proto_serialize(struct json_object *o, size_t *ret_len);

/*
 * Format a complete error reply line, '\n' included, into buf (for paths that
 * must not allocate, such as refusing a connection).  Returns the length, or
 * -ENOBUFS.
 */
int proto_error_line(char *buf, size_t size, enum proto_errcode code, const char *message);

/* Parse a line received by a client.  Returns 0 or -EBADMSG. */
int proto_line_parse(const char *line, size_t len, struct proto_line *ret);
void proto_line_clear(struct proto_line *l);

#endif /* SG_PROTO_H */
