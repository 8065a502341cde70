// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Unit tests of sysguardd/metrics_http.c over a Unix socket in a temporary
 * directory: GET /metrics answered with what the render callback made, other
 * paths 404, methods other than GET/HEAD refused, a render error a 500; the
 * socket removed at the end; a non-loopback listen address refused.
 */
#include <errno.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <cmocka.h>
#include <event2/event.h>
#include "metrics_http.h"

static char dir[64], sock[128];
static int render_err;
static char last[512];

static void __attribute__((format(printf, 2, 3))) test_log(int prio, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(last, sizeof(last), fmt, ap);
	va_end(ap);
}

static int render(void *arg, const char **ret_text)
{
	if (render_err)
		return render_err;
	*ret_text = "sysguard_up 1\n";
	return 14;
}

static int setup(void **state)
{
	snprintf(dir, sizeof(dir), "/tmp/sg-mhttp-XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	snprintf(sock, sizeof(sock), "%s/metrics.sock", dir);
	return 0;
}

static int teardown(void **state)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

/* One request over the socket, the event loop turned until the server closes. */
static void request(struct event_base *base, const char *req, char *resp, size_t len)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	size_t off = 0;

	strcpy(sa.sun_path, sock);
	assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(write(fd, req, strlen(req)), (ssize_t)strlen(req));
	for (int i = 0; i < 2000; i++) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		ssize_t n;

		event_base_loop(base, EVLOOP_NONBLOCK);
		if (poll(&p, 1, 1) <= 0)
			continue;
		n = read(fd, resp + off, len - 1 - off);
		if (n == 0)
			break;
		if (n > 0)
			off += n;
	}
	resp[off] = '\0';
	close(fd);
}

static void serves(void **state)
{
	struct event_base *base = event_base_new();
	struct metrics_http_opts o = { .socket = sock, .render = render, .log = test_log };
	struct metrics_http *h;
	char resp[4096];
	struct stat st;

	assert_non_null(base);
	h = metrics_http_new(base, &o);
	assert_non_null(h);
	assert_int_equal(stat(sock, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0660);

	request(base, "GET /metrics HTTP/1.0\r\n\r\n", resp, sizeof(resp));
	assert_non_null(strstr(resp, "HTTP/1.0 200"));
	assert_non_null(strstr(resp, "text/plain; version=0.0.4"));
	assert_non_null(strstr(resp, "\r\n\r\nsysguard_up 1\n"));

	request(base, "GET /other HTTP/1.0\r\n\r\n", resp, sizeof(resp));
	assert_non_null(strstr(resp, " 404 "));
	assert_non_null(strstr(resp, "the metrics are at /metrics"));

	request(base, "POST /metrics HTTP/1.0\r\nContent-Length: 0\r\n\r\n", resp, sizeof(resp));
	assert_null(strstr(resp, " 200 "));
	assert_non_null(strstr(resp, "HTTP/1."));

	render_err = -ENOMEM;
	request(base, "GET /metrics HTTP/1.0\r\n\r\n", resp, sizeof(resp));
	assert_non_null(strstr(resp, " 500 "));
	assert_non_null(strstr(last, "metrics: cannot render"));
	render_err = 0;

	metrics_http_free(h);
	assert_int_equal(access(sock, F_OK), -1);
	metrics_http_free(NULL);
	event_base_free(base);
}

static void refused(void **state)
{
	struct event_base *base = event_base_new();
	struct metrics_http_opts o = { .listen = "192.0.2.1:9477", .render = render,
				       .log = test_log };

	assert_null(metrics_http_new(base, &o));
	assert_int_equal(errno, EPERM);
	assert_non_null(strstr(last, "is not a loopback address"));
	o.listen = "localhost:9477";
	assert_null(metrics_http_new(base, &o));
	assert_int_equal(errno, EINVAL);
	/* a socket path that is no socket: not touched */
	o.listen = NULL;
	o.socket = dir;
	assert_null(metrics_http_new(base, &o));
	assert_int_equal(errno, EEXIST);
	event_base_free(base);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(serves),
		cmocka_unit_test(refused),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
