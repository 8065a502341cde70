// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The metrics over HTTP (see metrics_http.h): one evhttp server, GET /metrics
 * answered with what the render callback made, anything else 404; its
 * listeners on the Unix socket (usock.c) and on the TCP address.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>
#include <sys/socket.h>
#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <event2/listener.h>
#include "metrics_http.h"
#include "usock.h"

struct metrics_http {
	struct event_base *base;
	struct evhttp *http;
	struct usock sock;               /* the Unix socket, when have_sock */
	bool have_sock;
	int (*render)(void *arg, const char **ret_text);
	void *arg;
	void (*log)(int prio, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
};

#define LOG(h, prio, ...)                                  \
	do {                                               \
		if ((h)->log)                              \
			(h)->log(prio, __VA_ARGS__);       \
	} while (0)

static void on_request(struct evhttp_request *req, void *arg)
{
	struct metrics_http *h = arg;
	const struct evhttp_uri *uri = evhttp_request_get_evhttp_uri(req);
	const char *path = uri ? evhttp_uri_get_path(uri) : NULL;
	struct evkeyvalq *hdr = evhttp_request_get_output_headers(req);
	const char *text;
	struct evbuffer *body;
	int n;

	if (!path || strcmp(path, "/metrics") != 0) {
		evhttp_add_header(hdr, "Content-Type", "text/plain; charset=utf-8");
		body = evbuffer_new();
		if (body)
			evbuffer_add_printf(body, "not found; the metrics are at /metrics\n");
		evhttp_send_reply(req, HTTP_NOTFOUND, "Not Found", body);
		if (body)
			evbuffer_free(body);
		return;
	}
	n = h->render(h->arg, &text);
	if (n < 0) {
		LOG(h, LOG_WARNING, "metrics: cannot render: %s", strerror(-n));
		evhttp_send_error(req, HTTP_INTERNAL, NULL);
		return;
	}
	body = evbuffer_new();
	if (!body || evbuffer_add(body, text, n) < 0) {
		evbuffer_free(body);
		evhttp_send_error(req, HTTP_INTERNAL, NULL);
		return;
	}
	evhttp_add_header(hdr, "Content-Type", "text/plain; version=0.0.4; charset=utf-8");
	evhttp_send_reply(req, HTTP_OK, "OK", body);
	evbuffer_free(body);
}

int metrics_parse_listen(const char *s, struct sockaddr_storage *ret, unsigned int *ret_len,
			 bool *ret_loopback)
{
	char host[64];
	const char *colon, *h = s, *hend;
	unsigned long port;
	char *end;

	if (!s)
		return -EINVAL;
	if (*s == '[') {
		hend = strchr(s, ']');
		if (!hend || hend[1] != ':')
			return -EINVAL;
		h = s + 1;
		colon = hend + 1;
	} else {
		colon = strrchr(s, ':');
		if (!colon)
			return -EINVAL;
		hend = colon;
	}
	if ((size_t)(hend - h) >= sizeof(host) || hend == h)
		return -EINVAL;
	memcpy(host, h, hend - h);
	host[hend - h] = '\0';
	if (colon[1] < '0' || colon[1] > '9')
		return -EINVAL;
	errno = 0;
	port = strtoul(colon + 1, &end, 10);
	if (errno || *end || port == 0 || port > 65535)
		return -EINVAL;

	memset(ret, 0, sizeof(*ret));
	if (*s != '[') {
		struct sockaddr_in *sin = (struct sockaddr_in *)ret;

		if (inet_pton(AF_INET, host, &sin->sin_addr) != 1)
			return -EINVAL;
		sin->sin_family = AF_INET;
		sin->sin_port = htons((uint16_t)port);
		*ret_len = sizeof(*sin);
		*ret_loopback = (ntohl(sin->sin_addr.s_addr) >> 24) == 127;
	} else {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ret;

		if (inet_pton(AF_INET6, host, &sin6->sin6_addr) != 1)
			return -EINVAL;
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons((uint16_t)port);
		*ret_len = sizeof(*sin6);
		*ret_loopback = IN6_IS_ADDR_LOOPBACK(&sin6->sin6_addr);
	}
	return 0;
}

static int bind_fd(struct metrics_http *h, int fd)
{
	struct evconnlistener *lev;

	lev = evconnlistener_new(h->base, NULL, NULL, LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC,
				 0 /* listening already */, fd);
	if (!lev)
		return -ENOMEM;
	if (!evhttp_bind_listener(h->http, lev)) {
		evconnlistener_free(lev);
		return -ENOMEM;
	}
	return 0;
}

static int listen_unix(struct metrics_http *h, const char *path, const char *group)
{
	const struct usock_opts o = {
		.path = path, .group = group, .who = "metrics", .backlog = 16, .log = h->log,
	};
	int r;

	r = usock_listen(&o, &h->sock);
	if (r < 0)
		return r;
	h->have_sock = true;
	r = bind_fd(h, h->sock.fd);
	if (r < 0)
		close(h->sock.fd);
	return r;
}

static int listen_tcp(struct metrics_http *h, const char *addr, bool allow_remote)
{
	struct sockaddr_storage ss;
	unsigned int len;
	bool loopback;
	int fd, r, one = 1;

	if (metrics_parse_listen(addr, &ss, &len, &loopback) < 0) {
		LOG(h, LOG_ERR, "metrics: bad listen address '%s' (expected 127.0.0.1:PORT or "
		    "[::1]:PORT)", addr);
		return -EINVAL;
	}
	if (!loopback && !allow_remote) {
		LOG(h, LOG_ERR, "metrics: '%s' is not a loopback address; set "
		    "'metrics.allow_remote: true' to listen there", addr);
		return -EPERM;
	}
	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -errno;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&ss, len) < 0 || listen(fd, 16) < 0) {
		r = -errno;
		LOG(h, LOG_ERR, "metrics: cannot listen on '%s': %s", addr, strerror(-r));
		close(fd);
		return r;
	}
	r = bind_fd(h, fd);
	if (r < 0)
		close(fd);
	return r;
}

struct metrics_http *metrics_http_new(struct event_base *base, const struct metrics_http_opts *o)
{
	struct metrics_http *h = calloc(1, sizeof(*h));
	int r;

	if (!h)
		return NULL;
	h->base = base;
	h->render = o->render;
	h->arg = o->arg;
	h->log = o->log;
	h->http = evhttp_new(base);
	if (!h->http) {
		r = -ENOMEM;
		goto fail;
	}
	evhttp_set_allowed_methods(h->http, EVHTTP_REQ_GET | EVHTTP_REQ_HEAD);
	evhttp_set_timeout(h->http, METRICS_HTTP_TIMEOUT_SEC);
	evhttp_set_max_headers_size(h->http, METRICS_HEADERS_MAX);
	evhttp_set_max_body_size(h->http, 0);
	evhttp_set_gencb(h->http, on_request, h);
	if (o->socket && *o->socket) {
		r = listen_unix(h, o->socket, o->group);
		if (r < 0)
			goto fail;
	}
	if (o->listen && *o->listen) {
		r = listen_tcp(h, o->listen, o->allow_remote);
		if (r < 0)
			goto fail;
	}
	return h;
fail:
	metrics_http_free(h);
	errno = -r;
	return NULL;
}

void metrics_http_free(struct metrics_http *h)
{
	if (!h)
		return;
	if (h->http)
		evhttp_free(h->http);
	if (h->have_sock)
		usock_unlink(&h->sock);
	free(h);
}
