// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The control protocol's framing and types: request parsing with strict type
 * checks, the error-code table, reply construction for the daemon
 * and reply parsing for clients.  No I/O, no logging; see proto/protocol.md.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include "proto.h"

static const char *const error_names[PROTO_E_MAX] = {
	[PROTO_E_NONE] = "none",
	[PROTO_E_BAD_JSON] = "bad_json",
	[PROTO_E_BAD_REQUEST] = "bad_request",
	[PROTO_E_UNKNOWN_COMMAND] = "unknown_command",
	[PROTO_E_UNSUPPORTED_VERSION] = "unsupported_version",
	[PROTO_E_PERMISSION_DENIED] = "permission_denied",
	[PROTO_E_LINE_TOO_LONG] = "line_too_long",
	[PROTO_E_NOT_AVAILABLE] = "not_available",
	[PROTO_E_INVALID_ARGUMENT] = "invalid_argument",
	[PROTO_E_NOT_FOUND] = "not_found",
	[PROTO_E_EXISTS] = "exists",
	[PROTO_E_INVALID_POLICY] = "invalid_policy",
	[PROTO_E_TOO_MANY_CLIENTS] = "too_many_clients",
	[PROTO_E_TIMEOUT] = "timeout",
	[PROTO_E_BUSY] = "busy",
	[PROTO_E_INTERNAL] = "internal",
};


const char *proto_error_name(enum proto_errcode code)
{
	if ((unsigned int)code >= PROTO_E_MAX)
		return "internal";
	return error_names[code];
}

int proto_error_from_name(const char *name)
{
	if (!name)
		return -EINVAL;
	for (int i = 1; i < PROTO_E_MAX; i++)
		if (strcmp(error_names[i], name) == 0)
			return i;
	return -EINVAL;
}

enum proto_errcode proto_error_from_errno(int err)
{
	if (err < 0)
		err = -err;
	switch (err) {
	case 0:
		return PROTO_E_NONE;
	case EINVAL:
	case ERANGE:
	case E2BIG:
	case ENAMETOOLONG:
		return PROTO_E_INVALID_ARGUMENT;
	case ENOENT:
	case ESRCH:
		return PROTO_E_NOT_FOUND;
	case EEXIST:
		return PROTO_E_EXISTS;
	case EPERM:
	case EACCES:
		return PROTO_E_PERMISSION_DENIED;
	case ENOTSUP:
	case ENOSYS:
	case ENODEV:
		return PROTO_E_NOT_AVAILABLE;
	case EBADMSG:
		return PROTO_E_INVALID_POLICY;
	case EAGAIN:
	case EBUSY:
		return PROTO_E_BUSY;
	case ETIMEDOUT:
		return PROTO_E_TIMEOUT;
	default:
		return PROTO_E_INTERNAL;
	}
}

const char *proto_perm_name(enum proto_perm perm)
{
	switch (perm) {
	case PROTO_PERM_ANY:
		return "any";
	case PROTO_PERM_READ:
		return "read";
	case PROTO_PERM_ADMIN:
		return "admin";
	}
	return "unknown";
}

int proto_error_set(struct proto_error *err, enum proto_errcode code, const char *fmt, ...)
{
	va_list ap;

	if (err) {
		err->code = code;
		va_start(ap, fmt);
		vsnprintf(err->message, sizeof(err->message), fmt, ap);
		va_end(ap);
		proto_utf8_fix(err->message);
	}
	return code == PROTO_E_BAD_JSON ? -EBADMSG : -EINVAL;
}

static bool is_scalar(struct json_object *o)
{
	switch (json_object_get_type(o)) {
	case json_type_null:
	case json_type_boolean:
	case json_type_int:
	case json_type_double:
	case json_type_string:
		return true;
	default:
		return false;
	}
}

static bool is_blank(char ch)
{
	return ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n';
}

/*
 * Is s[0, len) well-formed UTF-8 (RFC 3629, Unicode table 3-7)?  Refuses
 * overlong forms, UTF-16 surrogates (U+D800..U+DFFF, ED A0..BF xx) and code
 * points above U+10FFFF, which json-c's own check lets through.
 */
/* The length of the valid UTF-8 character at s (left bytes), or 0. */
static size_t utf8_char(const unsigned char *s, size_t left)
{
	unsigned char c = s[0], lo = 0x80, hi = 0xbf;
	size_t need;

	if (c < 0x80)
		return 1;
	if (c < 0xc2 || c > 0xf4)
		return 0;            /* continuation byte, overlong lead, > U+10FFFF */
	if (c < 0xe0) {
		need = 1;
	} else if (c < 0xf0) {
		need = 2;
		if (c == 0xe0)
			lo = 0xa0;   /* overlong */
		else if (c == 0xed)
			hi = 0x9f;   /* surrogates */
	} else {
		need = 3;
		if (c == 0xf0)
			lo = 0x90;   /* overlong */
		else if (c == 0xf4)
			hi = 0x8f;   /* above U+10FFFF */
	}
	if (left - 1 < need || s[1] < lo || s[1] > hi)
		return 0;
	for (size_t k = 2; k <= need; k++)
		if ((s[k] & 0xc0) != 0x80)
			return 0;
	return need + 1;
}

bool proto_utf8_valid(const char *str, size_t len)
{
	const unsigned char *s = (const unsigned char *)str;

	for (size_t i = 0, n; i < len; i += n)
		if (!(n = utf8_char(s + i, len - i)))
			return false;
	return true;
}

void proto_utf8_fix(char *str)
{
	unsigned char *s = (unsigned char *)str;
	size_t len = strlen(str);

	for (size_t i = 0, n; i < len; i += n)
		if (!(n = utf8_char(s + i, len - i))) {
			s[i] = '?';  /* a character cut short by a bounded format, or a stray byte */
			n = 1;
		}
}

/*
 * Parse exactly one JSON value filling line[0, len).  Returns 0 with *ret set
 * (NULL for JSON null), or -EBADMSG with err filled.
 */
static int parse_json(const char *line, size_t len, struct json_object **ret,
		      struct proto_error *err)
{
	struct json_tokener *tok;
	struct json_object *o = NULL;
	enum json_tokener_error jerr;
	size_t end;

	*ret = NULL;
	if (memchr(line, '\0', len))
		return proto_error_set(err, PROTO_E_BAD_JSON, "NUL byte in line");
	if (!proto_utf8_valid(line, len))
		return proto_error_set(err, PROTO_E_BAD_JSON, "invalid UTF-8");
	while (len > 0 && is_blank(line[len - 1]))
		len--;
	if (len == 0)
		return proto_error_set(err, PROTO_E_BAD_JSON, "empty line");
	if (len > INT32_MAX)
		return proto_error_set(err, PROTO_E_LINE_TOO_LONG, "line too long");
	tok = json_tokener_new_ex(PROTO_JSON_DEPTH);
	if (!tok) {
		proto_error_set(err, PROTO_E_INTERNAL, "out of memory");
		return -ENOMEM;
	}
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
	o = json_tokener_parse_ex(tok, line, (int)len);
	jerr = json_tokener_get_error(tok);
	if (jerr == json_tokener_continue) {
		/* Incomplete: feeding the terminating NUL makes the tokener finish or fail. */
		o = json_tokener_parse_ex(tok, "", 1);
		jerr = json_tokener_get_error(tok);
		end = len;
	} else {
		end = json_tokener_get_parse_end(tok);
	}
	json_tokener_free(tok);
	if (jerr != json_tokener_success) {
		json_object_put(o);
		return proto_error_set(err, PROTO_E_BAD_JSON, "invalid JSON: %s",
				       json_tokener_error_desc(jerr));
	}
	while (end < len && is_blank(line[end]))
		end++;
	if (end < len) {
		json_object_put(o);
		return proto_error_set(err, PROTO_E_BAD_JSON,
				       "invalid JSON: trailing data at offset %zu", end);
	}
	*ret = o;
	return 0;
}

int proto_request_parse(const char *line, size_t len, struct proto_request *req,
			struct proto_error *err)
{
	struct json_object *o, *v;
	const char *name;
	int r;

	memset(req, 0, sizeof(*req));
	req->version = PROTO_VERSION;
	if (err) {
		err->code = PROTO_E_NONE;
		err->message[0] = '\0';
	}

	r = parse_json(line, len, &req->root, err);
	if (r < 0)
		return r;
	o = req->root;
	if (!o || !json_object_is_type(o, json_type_object))
		return proto_error_set(err, PROTO_E_BAD_REQUEST, "a request must be a JSON object");

	if (json_object_object_get_ex(o, "id", &v)) {
		if (!is_scalar(v))
			return proto_error_set(err, PROTO_E_BAD_REQUEST,
					       "'id' must be a string, number, boolean or null");
		/*
		 * json-c clamps integers beyond 64 bits to the ends of its range,
		 * so an echo would not be what was sent: refuse them (and the two
		 * ends themselves, which cannot be told from a clamp).
		 */
		if (json_object_is_type(v, json_type_int) &&
		    (json_object_get_int64(v) == INT64_MIN || json_object_get_int64(v) == INT64_MAX))
			return proto_error_set(err, PROTO_E_BAD_REQUEST,
					       "an integer 'id' must lie between %lld and %lld "
					       "(send a larger one as a string)",
					       (long long)INT64_MIN + 1, (long long)INT64_MAX - 1);
		req->id = v;
	}

	if (json_object_object_get_ex(o, "version", &v)) {
		int64_t ver;

		if (!json_object_is_type(v, json_type_int))
			return proto_error_set(err, PROTO_E_BAD_REQUEST,
					       "'version' must be an integer");
		ver = json_object_get_int64(v);
		if (ver != PROTO_VERSION)
			return proto_error_set(err, PROTO_E_UNSUPPORTED_VERSION,
					       "protocol version %lld is not supported; "
					       "this daemon speaks version %d",
					       (long long)ver, PROTO_VERSION);
		req->version = (int)ver;
	}

	if (!json_object_object_get_ex(o, "cmd", &v) || !v)
		return proto_error_set(err, PROTO_E_BAD_REQUEST, "missing 'cmd'");
	if (!json_object_is_type(v, json_type_string))
		return proto_error_set(err, PROTO_E_BAD_REQUEST, "'cmd' must be a string");
	name = json_object_get_string(v);

	if (json_object_object_get_ex(o, "args", &v) && v) {
		if (!json_object_is_type(v, json_type_object))
			return proto_error_set(err, PROTO_E_BAD_REQUEST,
					       "'args' must be an object");
		req->args = v;
	}

	req->cmd = name;
	return 0;
}

void proto_request_clear(struct proto_request *req)
{
	if (!req)
		return;
	json_object_put(req->root);
	memset(req, 0, sizeof(*req));
}

static int arg_get(struct json_object *args, const char *key, struct json_object **ret)
{
	struct json_object *v;

	if (!args || !json_object_object_get_ex(args, key, &v) || !v)
		return -ENOENT;
	*ret = v;
	return 0;
}

int proto_arg_string(struct json_object *args, const char *key, size_t max, const char **ret,
		     struct proto_error *err)
{
	struct json_object *v;

	if (arg_get(args, key, &v) < 0)
		return -ENOENT;
	if (!json_object_is_type(v, json_type_string))
		return proto_error_set(err, PROTO_E_INVALID_ARGUMENT, "'%s' must be a string", key);
	if ((size_t)json_object_get_string_len(v) > max)
		return proto_error_set(err, PROTO_E_INVALID_ARGUMENT,
				       "'%s' is longer than %zu bytes", key, max);
	if (memchr(json_object_get_string(v), '\0', json_object_get_string_len(v)))
		return proto_error_set(err, PROTO_E_INVALID_ARGUMENT,
				       "'%s' contains a NUL character", key);
	*ret = json_object_get_string(v);
	return 0;
}

int proto_arg_int(struct json_object *args, const char *key, int64_t min, int64_t max,
		  int64_t *ret, struct proto_error *err)
{
	struct json_object *v;
	int64_t n;

	if (arg_get(args, key, &v) < 0)
		return -ENOENT;
	if (!json_object_is_type(v, json_type_int))
		return proto_error_set(err, PROTO_E_INVALID_ARGUMENT, "'%s' must be an integer",
				       key);
	/* json-c clamps out-of-range numbers to INT64_MIN/MAX, which callers' ranges exclude. */
	n = json_object_get_int64(v);
	if (n < min || n > max || n == INT64_MAX || n == INT64_MIN)
		return proto_error_set(err, PROTO_E_INVALID_ARGUMENT,
				       "'%s' must be between %lld and %lld", key, (long long)min,
				       (long long)max);
	*ret = n;
	return 0;
}

int proto_arg_bool(struct json_object *args, const char *key, bool *ret, struct proto_error *err)
{
	struct json_object *v;

	if (arg_get(args, key, &v) < 0)
		return -ENOENT;
	if (!json_object_is_type(v, json_type_boolean))
		return proto_error_set(err, PROTO_E_INVALID_ARGUMENT, "'%s' must be a boolean",
				       key);
	*ret = json_object_get_boolean(v);
	return 0;
}

int proto_args_check_keys(struct json_object *args, const char *const *allowed,
			  struct proto_error *err)
{
	if (!args)
		return 0;
	json_object_object_foreach(args, key, val) {
		bool found = false;

		(void)val;
		for (size_t i = 0; allowed && allowed[i]; i++)
			if (strcmp(allowed[i], key) == 0) {
				found = true;
				break;
			}
		if (!found)
			return proto_error_set(err, PROTO_E_INVALID_ARGUMENT,
					       "unknown argument '%.64s'", key);
	}
	return 0;
}

struct json_object *proto_request_new(int64_t id, const char *cmd, struct json_object *args)
{
	struct json_object *o = json_object_new_object();

	if (!o) {
		json_object_put(args);
		return NULL;
	}
	json_object_object_add(o, "version", json_object_new_int(PROTO_VERSION));
	json_object_object_add(o, "id", json_object_new_int64(id));
	json_object_object_add(o, "cmd", json_object_new_string(cmd));
	if (args)
		json_object_object_add(o, "args", args);
	return o;
}

struct json_object *proto_reply_ok(struct json_object *id, struct json_object *result)
{
	struct json_object *o = json_object_new_object();

	if (!o) {
		json_object_put(result);
		return NULL;
	}
	json_object_object_add(o, "id", json_object_get(id));
	json_object_object_add(o, "ok", json_object_new_boolean(1));
	json_object_object_add(o, "result", result ? result : json_object_new_object());
	return o;
}

struct json_object *proto_reply_error(struct json_object *id, enum proto_errcode code,
				      const char *message, struct json_object *details)
{
	struct json_object *o = json_object_new_object();
	struct json_object *e = json_object_new_object();

	if (!o || !e) {
		json_object_put(o);
		json_object_put(e);
		json_object_put(details);
		return NULL;
	}
	json_object_object_add(e, "code", json_object_new_string(proto_error_name(code)));
	json_object_object_add(e, "message",
			       json_object_new_string(message && *message ? message :
						      proto_error_name(code)));
	if (details)
		json_object_object_add(e, "errors", details);
	json_object_object_add(o, "id", json_object_get(id));
	json_object_object_add(o, "ok", json_object_new_boolean(0));
	json_object_object_add(o, "error", e);
	return o;
}

struct json_object *proto_missed_new(uint64_t missed)
{
	struct json_object *o = json_object_new_object();

	if (o)
		json_object_object_add(o, "missed", json_object_new_uint64(missed));
	return o;
}

const char *proto_serialize(struct json_object *o, size_t *ret_len)
{
	size_t len = 0;
	const char *s;

	s = json_object_to_json_string_length(o, JSON_C_TO_STRING_PLAIN |
						 JSON_C_TO_STRING_NOSLASHESCAPE, &len);
	if (ret_len)
		*ret_len = s ? len : 0;
	return s;
}

int proto_error_line(char *buf, size_t size, enum proto_errcode code, const char *message)
{
	int n;

	/* message comes from the daemon's own constant strings: no escaping needed. */
	n = snprintf(buf, size, "{\"id\":null,\"ok\":false,\"error\":{\"code\":\"%s\","
		     "\"message\":\"%s\"}}\n", proto_error_name(code), message);
	if (n < 0 || (size_t)n >= size)
		return -ENOBUFS;
	return n;
}

int proto_line_parse(const char *line, size_t len, struct proto_line *ret)
{
	struct json_object *o, *v, *e;
	struct proto_error err;
	int code;

	memset(ret, 0, sizeof(*ret));
	if (parse_json(line, len, &o, &err) < 0)
		return -EBADMSG;
	ret->root = o;
	if (!o || !json_object_is_type(o, json_type_object))
		goto bad;

	if (json_object_object_get_ex(o, "event", &v)) {
		if (!json_object_is_type(v, json_type_object))
			goto bad;
		ret->kind = PROTO_LINE_EVENT;
		ret->event = v;
		return 0;
	}
	if (json_object_object_get_ex(o, "missed", &v)) {
		if (!json_object_is_type(v, json_type_int) || json_object_get_int64(v) < 0)
			goto bad;
		ret->kind = PROTO_LINE_MISSED;
		ret->missed = json_object_get_uint64(v);
		return 0;
	}
	if (!json_object_object_get_ex(o, "ok", &v) || !json_object_is_type(v, json_type_boolean))
		goto bad;
	ret->kind = PROTO_LINE_REPLY;
	ret->ok = json_object_get_boolean(v);
	if (json_object_object_get_ex(o, "id", &v))
		ret->id = v;
	if (ret->ok) {
		if (json_object_object_get_ex(o, "result", &v) && v) {
			if (!json_object_is_type(v, json_type_object))
				goto bad;
			ret->result = v;
		}
		return 0;
	}
	if (!json_object_object_get_ex(o, "error", &e) || !json_object_is_type(e, json_type_object))
		goto bad;
	ret->error_obj = e;
	ret->error_code = "internal";
	if (json_object_object_get_ex(e, "code", &v) && json_object_is_type(v, json_type_string))
		ret->error_code = json_object_get_string(v);
	code = proto_error_from_name(ret->error_code);
	ret->error = code > 0 ? (enum proto_errcode)code : PROTO_E_INTERNAL;
	ret->error_message = ret->error_code;
	if (json_object_object_get_ex(e, "message", &v) && json_object_is_type(v, json_type_string))
		ret->error_message = json_object_get_string(v);
	return 0;

bad:
	json_object_put(o);
	memset(ret, 0, sizeof(*ret));
	return -EBADMSG;
}

void proto_line_clear(struct proto_line *l)
{
	if (!l)
		return;
	json_object_put(l->root);
	memset(l, 0, sizeof(*l));
}
