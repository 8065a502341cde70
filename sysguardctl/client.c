// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * sysguardctl's side of the control socket: connecting (with one clear line
 * for each way it can fail), sending a request, reading reply lines with a
 * bounded buffer and a timeout, reporting daemon errors, and small checked
 * helpers for JSON access, numbers and durations.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include "sysguardctl.h"

int ctl_connect(struct ctl *ctl)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	const char *hint = "";
	int fd, err;

	if (ctl->fd >= 0)
		return 0;
	if (strlen(ctl->socket) >= sizeof(sa.sun_path)) {
		fprintf(stderr, "%s: socket path '%s' is too long\n", ctl_progname, ctl->socket);
		return EXIT_USAGE;
	}
	strcpy(sa.sun_path, ctl->socket);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		fprintf(stderr, "%s: socket: %s\n", ctl_progname, strerror(errno));
		return EXIT_CONNECT;
	}
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		err = errno;
		close(fd);
		if (err == EACCES || err == EPERM)
			hint = " (are you in the sysguard group?)";
		else if (err == ENOENT || err == ECONNREFUSED)
			hint = " (is sysguardd running?)";
		fprintf(stderr, "%s: cannot connect to %s: %s%s\n", ctl_progname, ctl->socket,
			err == EACCES ? "permission denied" :
			err == ENOENT ? "no such file or directory" :
			err == ECONNREFUSED ? "connection refused" : strerror(err), hint);
		return EXIT_CONNECT;
	}
	ctl->fd = fd;
	return 0;
}

void ctl_disconnect(struct ctl *ctl)
{
	if (ctl->fd >= 0)
		close(ctl->fd);
	ctl->fd = -1;
	free(ctl->buf);
	ctl->buf = NULL;
	ctl->len = ctl->cap = 0;
}

static int write_all(int fd, const char *p, size_t len)
{
	while (len > 0) {
		ssize_t n = send(fd, p, len, MSG_NOSIGNAL);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int ctl_read_line(struct ctl *ctl, int timeout_ms, struct proto_line *ret)
{
	for (;;) {
		char *nl = ctl->len ? memchr(ctl->buf, '\n', ctl->len) : NULL;
		struct pollfd p = { .fd = ctl->fd, .events = POLLIN };
		ssize_t n;
		int r;

		if (nl) {
			size_t len = (size_t)(nl - ctl->buf);

			r = proto_line_parse(ctl->buf, len, ret);
			memmove(ctl->buf, nl + 1, ctl->len - len - 1);
			ctl->len -= len + 1;
			if (r < 0)
				return -EBADMSG;
			return 0;
		}
		if (ctl->len >= CTL_REPLY_MAX)
			return -E2BIG;
		if (ctl->cap - ctl->len < 65536) {
			size_t cap = ctl->cap ? ctl->cap * 2 : 131072;
			char *b;

			if (cap > CTL_REPLY_MAX + 65536)
				cap = CTL_REPLY_MAX + 65536;
			b = realloc(ctl->buf, cap);
			if (!b)
				return -ENOMEM;
			ctl->buf = b;
			ctl->cap = cap;
		}
		r = poll(&p, 1, timeout_ms);
		if (r < 0)
			return -errno;
		if (r == 0)
			return -ETIMEDOUT;
		n = read(ctl->fd, ctl->buf + ctl->len, ctl->cap - ctl->len);
		if (n < 0) {
			if (errno == EINTR)
				return -EINTR;
			return -errno;
		}
		if (n == 0)
			return -EPIPE;
		ctl->len += (size_t)n;
	}
}

int ctl_report_error(struct ctl *ctl, const struct proto_line *l)
{
	struct json_object *errs = ctl_get(l->error_obj, "errors");

	if (ctl->json) {
		struct json_object *o = json_object_new_object();

		json_object_object_add(o, "error", json_object_get(l->error_obj));
		ctl_print_json(o, false);
		json_object_put(o);
	}
	fprintf(stderr, "%s: %s (%s)\n", ctl_progname, l->error_message, l->error_code);
	if (errs && json_object_is_type(errs, json_type_array) && !ctl->json) {
		for (size_t i = 0; i < json_object_array_length(errs); i++) {
			struct json_object *e = json_object_array_get_idx(errs, i);
			const char *file = ctl_get_str(e, "file");

			fprintf(stderr, "%s:%d:%d: %s\n", file ? file : "-",
				json_object_get_int(ctl_get(e, "line")),
				json_object_get_int(ctl_get(e, "column")),
				ctl_get_str(e, "message") ? ctl_get_str(e, "message") : "error");
		}
	}
	if (l->error == PROTO_E_PERMISSION_DENIED)
		return EXIT_CONNECT;
	return EXIT_FAILED;
}

int ctl_call(struct ctl *ctl, const char *cmd, struct json_object *args, struct proto_line *ret)
{
	struct json_object *req;
	const char *s;
	size_t len;
	int64_t id;
	int r;

	r = ctl_connect(ctl);
	if (r) {
		json_object_put(args);
		return r;
	}
	id = ++ctl->next_id;
	req = proto_request_new(id, cmd, args);
	if (!req) {
		fprintf(stderr, "%s: out of memory\n", ctl_progname);
		return EXIT_FAILED;
	}
	s = proto_serialize(req, &len);
	if (len + 1 > 65536) {
		json_object_put(req);
		fprintf(stderr, "%s: request too large (more than 65536 bytes)\n", ctl_progname);
		return EXIT_USAGE;
	}
	r = write_all(ctl->fd, s, len);
	if (r == 0)
		r = write_all(ctl->fd, "\n", 1);
	json_object_put(req);
	if (r < 0) {
		fprintf(stderr, "%s: cannot send to %s: %s\n", ctl_progname, ctl->socket,
			strerror(-r));
		return EXIT_CONNECT;
	}
	for (;;) {
		r = ctl_read_line(ctl, CTL_TIMEOUT_MS, ret);
		if (r == -EINTR)
			continue;
		if (r < 0) {
			fprintf(stderr, "%s: no reply from %s: %s\n", ctl_progname, ctl->socket,
				r == -EPIPE ? "connection closed" :
				r == -EBADMSG ? "malformed reply" : strerror(-r));
			return EXIT_FAILED;
		}
		if (ret->kind == PROTO_LINE_REPLY &&
		    (json_object_get_int64(ret->id) == id || !ret->id))
			return 0;
		proto_line_clear(ret);
	}
}

void ctl_print_json(struct json_object *o, bool pretty)
{
	int flags = JSON_C_TO_STRING_NOSLASHESCAPE |
		    (pretty ? JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED :
			      JSON_C_TO_STRING_PLAIN);

	fputs(json_object_to_json_string_ext(o, flags), stdout);
	fputc('\n', stdout);
}

int ctl_simple(struct ctl *ctl, const char *cmd, struct json_object *args,
	       void (*human)(struct ctl *ctl, struct json_object *result))
{
	struct proto_line l;
	int r = ctl_call(ctl, cmd, args, &l);

	if (r)
		return r;
	if (!l.ok) {
		r = ctl_report_error(ctl, &l);
	} else if (ctl->json || !human) {
		ctl_print_json(l.result, false);
	} else {
		human(ctl, l.result);
	}
	proto_line_clear(&l);
	return r;
}

struct json_object *ctl_get(struct json_object *o, const char *path)
{
	char key[128];
	const char *dot;

	while (o && (dot = strchr(path, '.'))) {
		snprintf(key, sizeof(key), "%.*s", (int)(dot - path), path);
		if (!json_object_is_type(o, json_type_object))
			return NULL;
		o = json_object_object_get(o, key);
		path = dot + 1;
	}
	if (!o || !json_object_is_type(o, json_type_object))
		return NULL;
	return json_object_object_get(o, path);
}

const char *ctl_get_str(struct json_object *o, const char *path)
{
	struct json_object *v = ctl_get(o, path);

	return v && json_object_is_type(v, json_type_string) ? json_object_get_string(v) : NULL;
}

int ctl_parse_uint(const char *s, uint64_t max, uint64_t *ret)
{
	unsigned long long v;
	char *end;

	if (!s || *s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || *end || v > max)
		return -ERANGE;
	*ret = v;
	return 0;
}

int ctl_parse_duration(const char *s, uint64_t *ret_sec)
{
	static const struct {
		char suffix;
		uint64_t mult;
	} units[] = { { 's', 1 }, { 'm', 60 }, { 'h', 3600 }, { 'd', 86400 }, { 'w', 604800 } };
	char num[32];
	size_t len = strlen(s);
	uint64_t mult = 1, v;

	if (len == 0 || len >= sizeof(num))
		return -EINVAL;
	memcpy(num, s, len + 1);
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++)
		if (num[len - 1] == units[i].suffix) {
			mult = units[i].mult;
			num[len - 1] = '\0';
			break;
		}
	if (ctl_parse_uint(num, UINT32_MAX, &v) < 0 || v * mult >= UINT32_MAX)
		return -EINVAL;
	*ret_sec = v * mult;
	return 0;
}

const char *ctl_color(const struct ctl *ctl, const char *esc)
{
	return ctl->color ? esc : "";
}
