// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * sgact: makes the exact syscalls a system test asks for, one after another,
 * so that tests can assert on each event.  Every step prints one line
 * "step result" (result is the syscall's return or -errno) to stdout.
 *
 *   sgact STEP ARGS... [STEP ARGS...]...
 *
 * Steps:
 *   chdir DIR                 cwd for the following steps
 *   open PATH FLAGS           open(2); FLAGS: r, w, rw, wc (O_WRONLY|O_CREAT|O_TRUNC)
 *   openloop PATH N           open(2) PATH read-only and close it, N times; the opens that failed
 *   openat DIR PATH FLAGS     openat(2) relative to an fd on DIR
 *   openat2 DIR PATH FLAGS    openat2(2) likewise
 *   creat PATH                creat(2) then write "x"
 *   rename OLD NEW            rename(2)
 *   renameat DIR OLD DIR2 NEW renameat(2)
 *   renameat2 DIR OLD DIR2 NEW renameat2(2), flags 0
 *   unlink PATH               unlink(2)
 *   unlinkat DIR PATH         unlinkat(2), flags 0
 *   rmdirat DIR PATH          unlinkat(2) with AT_REMOVEDIR
 *   chmod PATH MODE           chmod(2), MODE in octal
 *   fchmod PATH MODE          open(2) PATH read-only, then fchmod(2) its fd
 *   fchmodat DIR PATH MODE    fchmodat(2) relative to an fd on DIR
 *   fchmodat2 DIR PATH MODE   fchmodat2(2), flags 0 (-ENOSYS before Linux 6.6)
 *   mkdir PATH                mkdir(2) (not traced; for set-up)
 *   rmdir PATH                rmdir(2)
 *   connect ADDR PORT         TCP connect to ADDR (IPv4 or IPv6 literal)
 *   udp ADDR PORT             UDP connect, then send one byte
 *   sendto ADDR PORT          unconnected UDP sendto
 *   listen ADDR PORT          TCP socket, bind, listen(5); stays open until exit
 *   unix PATH                 AF_UNIX stream connect to PATH
 *   exec PATH ARG...  --      execve(2); returns only on failure
 *   execveat DIR NAME         execveat(2) relative to DIR, argv {NAME}
 *   sleepms N                 pause
 *   pid                       print "pid PID PPID"
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <linux/openat2.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>

static int rv(long r)
{
	return r < 0 ? -errno : (int)r;
}

static int flags_of(const char *f)
{
	if (!strcmp(f, "r"))
		return O_RDONLY;
	if (!strcmp(f, "w"))
		return O_WRONLY;
	if (!strcmp(f, "rw"))
		return O_RDWR;
	if (!strcmp(f, "wc"))
		return O_WRONLY | O_CREAT | O_TRUNC;
	if (!strcmp(f, "a"))
		return O_WRONLY | O_APPEND;
	fprintf(stderr, "sgact: bad flags '%s'\n", f);
	exit(2);
}

static int dirfd_of(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0) {
		fprintf(stderr, "sgact: cannot open '%s': %s\n", dir, strerror(errno));
		exit(2);
	}
	return fd;
}

static socklen_t sockaddr_of(const char *addr, const char *port, struct sockaddr_storage *ss)
{
	struct sockaddr_in *in = (void *)ss;
	struct sockaddr_in6 *in6 = (void *)ss;

	memset(ss, 0, sizeof(*ss));
	if (inet_pton(AF_INET, addr, &in->sin_addr) == 1) {
		in->sin_family = AF_INET;
		in->sin_port = htons(atoi(port));
		return sizeof(*in);
	}
	if (inet_pton(AF_INET6, addr, &in6->sin6_addr) == 1) {
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons(atoi(port));
		return sizeof(*in6);
	}
	fprintf(stderr, "sgact: bad address '%s'\n", addr);
	exit(2);
}

static int need(int argc, int i, int n)
{
	if (i + n > argc) {
		fprintf(stderr, "sgact: step needs %d arguments\n", n);
		exit(2);
	}
	return i + n;
}

int main(int argc, char **argv)
{
	int i = 1;

	setvbuf(stdout, NULL, _IOLBF, 0);
	while (i < argc) {
		const char *s = argv[i++];
		struct sockaddr_storage ss;
		long r = 0;

		if (!strcmp(s, "chdir")) {
			need(argc, i, 1);
			r = chdir(argv[i++]);
		} else if (!strcmp(s, "openloop")) {
			long n;

			need(argc, i, 2);
			n = atol(argv[i + 1]);
			for (long k = 0; k < n; k++) {
				long fd = syscall(SYS_open, argv[i], O_RDONLY, 0);

				if (fd < 0)
					r++;
				else
					close(fd);
			}
			i += 2;
		} else if (!strcmp(s, "open")) {
			need(argc, i, 2);
			r = syscall(SYS_open, argv[i], flags_of(argv[i + 1]), 0644);
			i += 2;
		} else if (!strcmp(s, "openat") || !strcmp(s, "openat2")) {
			int dfd;

			need(argc, i, 3);
			dfd = dirfd_of(argv[i]);
			if (!strcmp(s, "openat")) {
				r = syscall(SYS_openat, dfd, argv[i + 1], flags_of(argv[i + 2]), 0600);
			} else {
				struct open_how how = { .flags = flags_of(argv[i + 2]), .mode = 0600 };

				if (!(how.flags & O_CREAT))
					how.mode = 0;
				r = syscall(SYS_openat2, dfd, argv[i + 1], &how, sizeof(how));
			}
			i += 3;
		} else if (!strcmp(s, "creat")) {
			need(argc, i, 1);
			r = syscall(SYS_creat, argv[i++], 0644);
			if (r >= 0 && write(r, "x", 1) != 1)
				r = -1;
		} else if (!strcmp(s, "rename")) {
			need(argc, i, 2);
			r = syscall(SYS_rename, argv[i], argv[i + 1]);
			i += 2;
		} else if (!strcmp(s, "renameat") || !strcmp(s, "renameat2")) {
			int d1, d2;

			need(argc, i, 4);
			d1 = dirfd_of(argv[i]);
			d2 = dirfd_of(argv[i + 2]);
			if (!strcmp(s, "renameat"))
				r = syscall(SYS_renameat, d1, argv[i + 1], d2, argv[i + 3]);
			else
				r = syscall(SYS_renameat2, d1, argv[i + 1], d2, argv[i + 3], 0);
			i += 4;
		} else if (!strcmp(s, "unlink")) {
			need(argc, i, 1);
			r = syscall(SYS_unlink, argv[i++]);
		} else if (!strcmp(s, "unlinkat") || !strcmp(s, "rmdirat")) {
			need(argc, i, 2);
			r = syscall(SYS_unlinkat, dirfd_of(argv[i]), argv[i + 1],
				    !strcmp(s, "rmdirat") ? AT_REMOVEDIR : 0);
			i += 2;
		} else if (!strcmp(s, "chmod")) {
			need(argc, i, 2);
			r = syscall(SYS_chmod, argv[i], (mode_t)strtoul(argv[i + 1], NULL, 8));
			i += 2;
		} else if (!strcmp(s, "fchmod")) {
			int fd;

			need(argc, i, 2);
			fd = open(argv[i], O_RDONLY | O_CLOEXEC);
			r = fd < 0 ? fd : syscall(SYS_fchmod, fd, (mode_t)strtoul(argv[i + 1], NULL, 8));
			if (fd >= 0)
				close(fd);
			i += 2;
		} else if (!strcmp(s, "fchmodat") || !strcmp(s, "fchmodat2")) {
			need(argc, i, 3);
			if (!strcmp(s, "fchmodat"))
				r = syscall(SYS_fchmodat, dirfd_of(argv[i]), argv[i + 1],
					    (mode_t)strtoul(argv[i + 2], NULL, 8));
			else
				r = syscall(452 /* SYS_fchmodat2 */, dirfd_of(argv[i]), argv[i + 1],
					    (mode_t)strtoul(argv[i + 2], NULL, 8), 0);
			i += 3;
		} else if (!strcmp(s, "mkdir")) {
			need(argc, i, 1);
			r = mkdir(argv[i++], 0755);
		} else if (!strcmp(s, "rmdir")) {
			need(argc, i, 1);
			r = syscall(SYS_rmdir, argv[i++]);
		} else if (!strcmp(s, "connect") || !strcmp(s, "udp") || !strcmp(s, "sendto")) {
			socklen_t len;
			int fd, tcp = !strcmp(s, "connect");

			need(argc, i, 2);
			len = sockaddr_of(argv[i], argv[i + 1], &ss);
			i += 2;
			fd = socket(ss.ss_family, (tcp ? SOCK_STREAM : SOCK_DGRAM) | SOCK_CLOEXEC, 0);
			if (fd < 0) {
				r = -1;
			} else if (!strcmp(s, "sendto")) {
				r = sendto(fd, "x", 1, 0, (struct sockaddr *)&ss, len);
			} else {
				r = connect(fd, (struct sockaddr *)&ss, len);
				if (r == 0 && !tcp)
					r = send(fd, "x", 1, 0) == 1 ? 0 : -1;
			}
		} else if (!strcmp(s, "listen")) {
			socklen_t len;
			int fd, one = 1;

			need(argc, i, 2);
			len = sockaddr_of(argv[i], argv[i + 1], &ss);
			i += 2;
			fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
			setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
			r = bind(fd, (struct sockaddr *)&ss, len);
			if (r == 0)
				r = listen(fd, 5);
		} else if (!strcmp(s, "unix")) {
			struct sockaddr_un un = { .sun_family = AF_UNIX };
			int fd;

			need(argc, i, 1);
			snprintf(un.sun_path, sizeof(un.sun_path), "%s", argv[i++]);
			fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
			r = connect(fd, (struct sockaddr *)&un, sizeof(un));
		} else if (!strcmp(s, "exec")) {
			int start = i;

			while (i < argc && strcmp(argv[i], "--"))
				i++;
			if (i < argc)
				argv[i++] = NULL;
			r = execve(argv[start], argv + start, (char *[]){ NULL });
		} else if (!strcmp(s, "execveat")) {
			need(argc, i, 2);
			r = syscall(SYS_execveat, dirfd_of(argv[i]), argv[i + 1],
				    (char *[]){ argv[i + 1], NULL }, (char *[]){ NULL }, 0);
			i += 2;
		} else if (!strcmp(s, "sleepms")) {
			struct timespec ts;

			need(argc, i, 1);
			ts.tv_sec = atoi(argv[i]) / 1000;
			ts.tv_nsec = (atoi(argv[i]) % 1000) * 1000000L;
			i++;
			nanosleep(&ts, NULL);
		} else if (!strcmp(s, "pid")) {
			printf("pid %d %d\n", getpid(), getppid());
			continue;
		} else {
			fprintf(stderr, "sgact: unknown step '%s'\n", s);
			return 2;
		}
		printf("%s %d\n", s, rv(r));
	}
	return 0;
}
