// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * One HTTP/1.1 GET over a Unix socket (see unixhttp.h).
 */
#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include "strnum.h"
#include "unixhttp.h"

/* "200 ...": a three-digit status from 100 to 599. */
static bool status_code(const char *s, int *ret)
{
	if (s[0] < '1' || s[0] > '5' || s[1] < '0' || s[1] > '9' || s[2] < '0' || s[2] > '9')
		return false;
	*ret = (s[0] - '0') * 100 + (s[1] - '0') * 10 + (s[2] - '0');
	return true;
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Wait for events on fd until deadline: 0, -ETIMEDOUT, -ECANCELED (cancel_fd readable). */
static int wait_fd(int cancel_fd, int fd, short events, int64_t deadline)
{
	for (;;) {
		struct pollfd p[2] = { { .fd = fd, .events = events },
				       { .fd = cancel_fd, .events = POLLIN } };
		int64_t left = deadline - now_ms();
		int n;

		if (left <= 0)
			return -ETIMEDOUT;
		n = poll(p, cancel_fd >= 0 ? 2 : 1, (int)left);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return -ETIMEDOUT;
		if (cancel_fd >= 0 && p[1].revents)
			return -ECANCELED;
		if (p[0].revents)
			return 0;
	}
}

/*
 * Chunked transfer coding in b[0, n): 1 and the decoded length when the last
 * chunk is in, 0 when more is needed, -EBADMSG.  Decodes in place when out.
 */
static int chunked(char *b, size_t n, bool decode, size_t *out)
{
	size_t r = 0, w = 0;

	for (;;) {
		char *eol = memmem(b + r, n - r, "\r\n", 2);
		unsigned long long sz = 0;
		size_t i = r;
		int nd = 0;

		if (!eol)
			return 0;
		for (; b + i < eol; i++, nd++) {
			int d = b[i] >= '0' && b[i] <= '9'   ? b[i] - '0'
				: b[i] >= 'a' && b[i] <= 'f' ? b[i] - 'a' + 10
				: b[i] >= 'A' && b[i] <= 'F' ? b[i] - 'A' + 10
							     : -1;

			if (d < 0)
				break; /* a chunk extension: ignored */
			if (nd >= 15)
				return -EBADMSG;
			sz = sz * 16 + (unsigned long long)d;
		}
		if (!nd)
			return -EBADMSG;
		r = (size_t)(eol - b) + 2;
		if (sz == 0) {
			*out = w;
			return 1; /* trailers, if any, are not needed */
		}
		if (n - r < sz + 2)
			return 0;
		if (b[r + sz] != '\r' || b[r + sz + 1] != '\n')
			return -EBADMSG;
		if (decode)
			memmove(b + w, b + r, sz);
		w += sz;
		r += sz + 2;
	}
}

/* A header's value (trimmed) into val, case-insensitive name; false if absent. */
static bool header(const char *hdrs, const char *end, const char *name, char *val, size_t cap)
{
	size_t nl = strlen(name);

	for (const char *l = hdrs; l < end;) {
		const char *eol = memmem(l, (size_t)(end - l), "\r\n", 2);
		size_t n;

		if (!eol)
			eol = end;
		if ((size_t)(eol - l) > nl && l[nl] == ':' && !strncasecmp(l, name, nl)) {
			const char *v = l + nl + 1;

			while (v < eol && (*v == ' ' || *v == '\t'))
				v++;
			n = (size_t)(eol - v);
			while (n && (v[n - 1] == ' ' || v[n - 1] == '\t'))
				n--;
			if (n >= cap)
				n = cap - 1;
			memcpy(val, v, n);
			val[n] = '\0';
			return true;
		}
		l = eol + 2;
	}
	return false;
}

/*
 * An HTTP/1.1 response in b[0, n): 1 when whole (status, body and its length
 * set, body decoded in place), 0 when more is needed (eof: it never will be),
 * -EBADMSG.
 */
static int http_response(char *b, size_t n, bool eof, int *status, char **body, size_t *blen)
{
	char *hend = memmem(b, n, "\r\n\r\n", 4), *eol, val[64];
	size_t off, have;
	int st;

	if (!hend)
		return eof ? -EBADMSG : 0;
	eol = memmem(b, (size_t)(hend - b) + 2, "\r\n", 2);
	if (!eol || eol - b < 12 || strncmp(b, "HTTP/1.", 7) || b[8] != ' ' ||
	    !status_code(b + 9, &st))
		return -EBADMSG;
	off = (size_t)(hend - b) + 4;
	have = n - off;
	if (header(eol + 2, hend + 2, "Transfer-Encoding", val, sizeof(val)) &&
	    strcasestr(val, "chunked")) {
		int r = chunked(b + off, have, false, blen);

		if (r == 0 && eof)
			return -EBADMSG;
		if (r <= 0)
			return r;
		chunked(b + off, have, true, blen);
	} else if (header(eol + 2, hend + 2, "Content-Length", val, sizeof(val))) {
		uint64_t cl;

		if (!strnum_u64(val, &cl))
			return -EBADMSG;
		if (have < cl)
			return eof ? -EBADMSG : 0;
		*blen = (size_t)cl;
	} else {
		if (!eof)
			return 0;
		*blen = have;
	}
	*status = st;
	*body = b + off;
	return 1;
}

int unixhttp_get(const char *sock, const char *path, int timeout_ms, int cancel_fd, size_t max,
		 int *status, char **ret, size_t *len)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int64_t deadline = now_ms() + timeout_ms;
	char req[512], *buf = NULL, *body = NULL;
	size_t cap = 0, n = 0, sent = 0, rl, blen = 0;
	bool eof = false;
	int fd, r;

	r = snprintf(req, sizeof(req), "GET %s HTTP/1.1\r\nHost: d\r\nConnection: close\r\n\r\n",
		     path);
	if (r < 0 || (size_t)r >= sizeof(req))
		return -ENAMETOOLONG;
	rl = (size_t)r;
	if (strlen(sock) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	memcpy(sa.sun_path, sock, strlen(sock));
	cap = 16384;
	buf = malloc(cap + 1);
	if (!buf)
		return -ENOMEM;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0) {
		r = -errno;
		free(buf);
		return r;
	}
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		int e = errno;
		socklen_t sl = sizeof(e);

		if (e != EINPROGRESS) {
			r = -e;
			goto out;
		}
		r = wait_fd(cancel_fd, fd, POLLOUT, deadline);
		if (r < 0)
			goto out;
		if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &sl) < 0 || e) {
			r = e ? -e : -errno;
			goto out;
		}
	}
	while (sent < rl) {
		ssize_t w = send(fd, req + sent, rl - sent, MSG_NOSIGNAL);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && errno == EAGAIN) {
			r = wait_fd(cancel_fd, fd, POLLOUT, deadline);
			if (r < 0)
				goto out;
			continue;
		}
		if (w < 0) {
			r = -errno;
			goto out;
		}
		sent += (size_t)w;
	}
	for (;;) {
		ssize_t got;

		r = http_response(buf, n, eof, status, &body, &blen);
		if (r != 0)
			break;
		if (n == max) {
			r = -EMSGSIZE;
			break;
		}
		if (n == cap) {
			size_t nc = cap * 2;
			char *nb;

			if (nc > max)
				nc = max;
			nb = realloc(buf, nc + 1);
			if (!nb) {
				r = -ENOMEM;
				break;
			}
			buf = nb;
			cap = nc;
		}
		got = recv(fd, buf + n, cap - n, 0);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0 && errno == EAGAIN) {
			r = wait_fd(cancel_fd, fd, POLLIN, deadline);
			if (r < 0)
				break;
			continue;
		}
		if (got < 0) {
			r = -errno;
			break;
		}
		if (got == 0)
			eof = true;
		n += (size_t)got;
	}
	if (r > 0) {
		memmove(buf, body, blen);
		buf[blen] = '\0';
		*ret = buf;
		*len = blen;
		buf = NULL;
		r = 0;
	}
out:
	free(buf);
	close(fd);
	return r;
}
