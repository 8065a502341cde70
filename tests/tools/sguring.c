// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * sguring: file and socket operations submitted through io_uring (liburing),
 * for the system tests: no open/rename/unlink/connect syscall is made for
 * them, only io_uring_setup and io_uring_enter.  Prints "op result" per step.
 *
 *   sguring DIR PORT   in DIR: openat "f" (create), renameat "f" -> "g",
 *                      unlinkat "g"; then connect to 127.0.0.1:PORT
 */
#include <arpa/inet.h>
#include <fcntl.h>
#include <liburing.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static int run(struct io_uring *ring, const char *what)
{
	struct io_uring_cqe *cqe;
	int r;

	io_uring_submit(ring);
	if (io_uring_wait_cqe(ring, &cqe) < 0)
		return -1;
	r = cqe->res;
	io_uring_cqe_seen(ring, cqe);
	printf("%s %d\n", what, r);
	return r;
}

int main(int argc, char **argv)
{
	struct io_uring ring;
	struct sockaddr_in sa = { .sin_family = AF_INET };
	int dfd, fd, s, r;

	if (argc != 3) {
		fprintf(stderr, "usage: sguring DIR PORT\n");
		return 2;
	}
	dfd = open(argv[1], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0 || io_uring_queue_init(8, &ring, 0) < 0) {
		perror("sguring: setup");
		return 1;
	}
	printf("pid %d\n", getpid());
	io_uring_prep_openat(io_uring_get_sqe(&ring), dfd, "f", O_WRONLY | O_CREAT, 0600);
	fd = run(&ring, "openat");
	if (fd >= 0)
		close(fd);
	io_uring_prep_renameat(io_uring_get_sqe(&ring), dfd, "f", dfd, "g", 0);
	run(&ring, "renameat");
	io_uring_prep_unlinkat(io_uring_get_sqe(&ring), dfd, "g", 0);
	run(&ring, "unlinkat");
	s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	sa.sin_port = htons(atoi(argv[2]));
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	io_uring_prep_connect(io_uring_get_sqe(&ring), s, (struct sockaddr *)&sa, sizeof(sa));
	r = run(&ring, "connect");
	close(s);
	io_uring_queue_exit(&ring);
	return r < 0 && r != -111 ? 1 : 0;
}
