/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * One HTTP/1.1 GET over a Unix stream socket, as a container runtime's API
 * answers it (podman's, docker's): non-blocking throughout, bounded in time
 * and size, with chunked and sized bodies.  For a thread that may wait: the
 * caller's event loop never does.  No logging.
 */
#ifndef SG_UNIXHTTP_H
#define SG_UNIXHTTP_H

#include <stddef.h>

/*
 * GET path from the socket sock ("Host: d", "Connection: close"): the
 * status into *status and a malloc'd NUL-ended body into *body (*len bytes),
 * at most max bytes of response.  Given up after timeout_ms, or at once when
 * cancel_fd (-1: none) turns readable.  0, or -ETIMEDOUT, -ECANCELED,
 * -EMSGSIZE (larger than max), -EBADMSG (not HTTP), -errno.
 */
int unixhttp_get(const char *sock, const char *path, int timeout_ms, int cancel_fd, size_t max,
		 int *status, char **body, size_t *len);

#endif /* SG_UNIXHTTP_H */
