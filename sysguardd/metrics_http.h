/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The metrics over HTTP: libevent's evhttp answering GET (and HEAD)
 * /metrics on a Unix socket (usock.h) and, when configured, on a TCP
 * address, loopback unless allowed otherwise; bounded request headers, no
 * body, idle connections closed.  What it serves comes from a render
 * callback (metrics.c renders the exposition).
 */
#ifndef SG_METRICS_HTTP_H
#define SG_METRICS_HTTP_H

#include <stdbool.h>

#define METRICS_HTTP_TIMEOUT_SEC 5       /* a scrape connection idle this long is closed */
#define METRICS_HEADERS_MAX   8192       /* bytes of request headers */
#define METRICS_LISTEN_DEFAULT_PORT 9477

struct event_base;
struct sockaddr_storage;

struct metrics_http_opts {
	const char *socket;          /* Unix socket path; NULL or "": none */
	const char *group;           /* its group (mode 0660); NULL or "": root's */
	const char *listen;          /* "127.0.0.1:9477", "[::1]:9477"; NULL or "": none */
	bool allow_remote;           /* accept a listen address that is not loopback */
	/* The exposition into *ret_text (the callee's, until the next call): its length or -errno. */
	int (*render)(void *arg, const char **ret_text);
	void *arg;
	/* Diagnostics (syslog priorities). NULL: silent. */
	void (*log)(int prio, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
};

struct metrics_http;

/*
 * Listen on the configured endpoints of o (copied; its strings are not
 * kept).  NULL with errno set (and a logged reason) when one cannot be
 * opened.
 */
struct metrics_http *metrics_http_new(struct event_base *base, const struct metrics_http_opts *o);
/* Close the endpoints and remove the socket (while it is ours). NULL is fine. */
void metrics_http_free(struct metrics_http *h);

/* Parse "host:port" ("[v6]:port"); whether it is loopback. Returns 0 or -EINVAL. */
int metrics_parse_listen(const char *s, struct sockaddr_storage *ret, unsigned int *ret_len,
			 bool *ret_loopback);

#endif /* SG_METRICS_HTTP_H */
