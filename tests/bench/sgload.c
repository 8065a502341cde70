// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * sgload: the benchmark's workload generator.  One process repeats one kind of
 * traced operation as fast as it can (or at a given rate) and prints how long
 * an operation took and how many it did, so that the runner can compare
 * per-operation time with and without a monitor and compute how many events
 * the monitor should have seen.
 *
 *   exec      fork + execve of a tiny static binary (sgtrue) + waitpid
 *   open      open + close of an existing file
 *   openmiss  open of a missing file (ENOENT)
 *   connect   TCP connect to a 127.0.0.1 listener of its own, then close
 *   mix       a fixed interleaving of the four (see MIX below)
 *   hold      fork N children that sleep until sgload is told to stop
 *             (stdin closed, SIGTERM or SIGINT); for the process-table test
 *
 * Output: one JSON line (or, with -T, "MODE ns_per_op N ops N").
 * Only loopback addresses are ever used.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>

enum op { OP_EXEC, OP_OPEN, OP_OPENMISS, OP_CONNECT, OP_MAX };

static const char *const op_names[OP_MAX] = { "exec", "open", "openmiss", "connect" };

/* mix: one cycle of 8 operations */
static const enum op MIX[] = { OP_OPEN, OP_OPENMISS, OP_OPEN, OP_CONNECT,
			       OP_OPEN, OP_OPENMISS, OP_OPEN, OP_EXEC };
#define MIX_LEN (sizeof(MIX) / sizeof(MIX[0]))

struct load {
	const char *file;       /* open */
	const char *missing;    /* openmiss */
	char truebin[PATH_MAX]; /* exec */
	int lfd;                /* connect: the listener */
	struct sockaddr_in addr;
	uint64_t done[OP_MAX];
	uint64_t errors;
	char *const *envp;
};

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: sgload MODE [-n COUNT | -t SECONDS] [-r OPS_PER_SEC] [options]\n"
		"MODE: exec, open, openmiss, connect, mix, hold\n"
		"  -n COUNT     operations to do (default 10000; hold: children to fork)\n"
		"  -t SECONDS   run for this long instead (decimals allowed)\n"
		"  -r RATE      at most RATE operations per second (default: as fast as possible)\n"
		"  -f FILE      file to open (default /etc/hostname)\n"
		"  -m PATH      missing file for openmiss (default /nonexistent/sgload)\n"
		"  -x PATH      binary to exec (default: sgtrue next to sgload)\n"
		"  -T           print 'MODE ns_per_op N ops N' instead of JSON\n");
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + ts.tv_nsec;
}

static int parse_u64(const char *s, uint64_t max, uint64_t *ret)
{
	unsigned long long v;
	char *end;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || end == s || *end || *s == '-' || v > max)
		return -EINVAL;
	*ret = v;
	return 0;
}

static int parse_secs(const char *s, uint64_t *ret_ns)
{
	double v;
	char *end;

	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || *end || !(v > 0) || v > 86400)
		return -EINVAL;
	*ret_ns = (uint64_t)(v * 1e9);
	return 0;
}

static int do_exec(struct load *l)
{
	char *argv[] = { l->truebin, NULL };
	int st;
	pid_t pid = fork();

	if (pid < 0)
		return -errno;
	if (pid == 0) {
		execve(l->truebin, argv, l->envp);
		_exit(127);
	}
	if (waitpid(pid, &st, 0) < 0)
		return -errno;
	return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : -ECHILD;
}

static int do_open(const char *path, int want_ok)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd >= 0) {
		close(fd);
		return want_ok ? 0 : -EEXIST;
	}
	return !want_ok && errno == ENOENT ? 0 : -errno;
}

static int do_connect(struct load *l)
{
	static const struct linger lg = { 1, 0 }; /* close with RST: no TIME_WAIT, no port exhaustion */
	int fd, a, r = 0;

	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	if (connect(fd, (struct sockaddr *)&l->addr, sizeof(l->addr)) < 0)
		r = -errno;
	a = accept4(l->lfd, NULL, NULL, SOCK_CLOEXEC);
	close(fd);
	if (a >= 0)
		close(a);
	return r;
}

static int do_op(struct load *l, enum op op)
{
	int r = 0;

	switch (op) {
	case OP_EXEC: r = do_exec(l); break;
	case OP_OPEN: r = do_open(l->file, 1); break;
	case OP_OPENMISS: r = do_open(l->missing, 0); break;
	case OP_CONNECT: r = do_connect(l); break;
	case OP_MAX: break;
	}
	if (op < OP_MAX)
		l->done[op]++;
	if (r < 0)
		l->errors++;
	return r;
}

static int listener(struct load *l)
{
	socklen_t len = sizeof(l->addr);

	l->lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (l->lfd < 0)
		return -errno;
	memset(&l->addr, 0, sizeof(l->addr));
	l->addr.sin_family = AF_INET;
	l->addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(l->lfd, (struct sockaddr *)&l->addr, sizeof(l->addr)) < 0 ||
	    listen(l->lfd, 128) < 0 ||
	    getsockname(l->lfd, (struct sockaddr *)&l->addr, &len) < 0)
		return -errno;
	return 0;
}

static int find_truebin(struct load *l, const char *given)
{
	char self[PATH_MAX - 16]; /* room for "/sgtrue" */
	ssize_t n;
	char *slash;

	if (given) {
		snprintf(l->truebin, sizeof(l->truebin), "%s", given);
	} else {
		n = readlink("/proc/self/exe", self, sizeof(self) - 1);
		if (n < 0)
			return -errno;
		self[n] = '\0';
		slash = strrchr(self, '/');
		if (slash)
			*slash = '\0';
		snprintf(l->truebin, sizeof(l->truebin), "%s/sgtrue", self);
	}
	return access(l->truebin, X_OK) < 0 ? -errno : 0;
}

static volatile sig_atomic_t stop_hold;

static void on_stop(int sig)
{
	stop_hold = 1;
}

/* Fork n children that sleep; stop them all when told to, then exit. */
static int hold(uint64_t n)
{
	struct sigaction sa = { .sa_handler = on_stop };
	pid_t *kids = calloc(n ? n : 1, sizeof(*kids));
	uint64_t made = 0;
	uint64_t t0 = now_ns();
	char c;

	if (!kids)
		return 1;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	for (; made < n && !stop_hold; made++) {
		pid_t pid = fork();

		if (pid < 0) {
			fprintf(stderr, "sgload: fork %" PRIu64 ": %s\n", made, strerror(errno));
			break;
		}
		if (pid == 0) {
			prctl(PR_SET_PDEATHSIG, SIGKILL);
			if (getppid() == 1)
				_exit(0);
			for (;;)
				pause();
		}
		kids[made] = pid;
	}
	printf("{\"mode\":\"hold\",\"pid\":%d,\"children\":%" PRIu64 ",\"fork_ns\":%" PRIu64 "}\n",
	       (int)getpid(), made, now_ns() - t0);
	fflush(stdout);
	/* until stdin reaches EOF or a signal arrives */
	while (!stop_hold && read(STDIN_FILENO, &c, 1) > 0)
		;
	for (uint64_t i = 0; i < made; i++)
		kill(kids[i], SIGKILL);
	for (uint64_t i = 0; i < made; i++)
		waitpid(kids[i], NULL, 0);
	free(kids);
	return made == n ? 0 : 1;
}

int main(int argc, char **argv, char **envp)
{
	struct load l = { .file = "/etc/hostname", .missing = "/nonexistent/sgload", .lfd = -1,
			  .envp = envp };
	uint64_t count = 10000, dur_ns = 0, rate = 0, ops = 0, t0, t1, elapsed, setup_open = 0;
	const char *mode, *truebin = NULL;
	bool text = false, need_exec, need_net;
	enum op single = OP_MAX;
	int c, r;

	if (argc < 2 || argv[1][0] == '-') {
		usage(argc >= 2 && !strcmp(argv[1], "-h") ? stdout : stderr);
		return argc >= 2 && !strcmp(argv[1], "-h") ? 0 : 2;
	}
	mode = argv[1];
	optind = 2;
	while ((c = getopt(argc, argv, "n:t:r:f:m:x:Th")) != -1) {
		switch (c) {
		case 'n':
			if (parse_u64(optarg, UINT64_MAX / 2, &count) < 0)
				goto bad;
			break;
		case 't':
			if (parse_secs(optarg, &dur_ns) < 0)
				goto bad;
			break;
		case 'r':
			if (parse_u64(optarg, 1000000000, &rate) < 0 || rate == 0)
				goto bad;
			break;
		case 'f': l.file = optarg; break;
		case 'm': l.missing = optarg; break;
		case 'x': truebin = optarg; break;
		case 'T': text = true; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind < argc)
		goto bad;

	if (!strcmp(mode, "hold"))
		return hold(count);
	if (strcmp(mode, "mix") != 0) {
		for (int i = 0; i < OP_MAX; i++)
			if (!strcmp(mode, op_names[i]))
				single = i;
		if (single == OP_MAX) {
			fprintf(stderr, "sgload: unknown mode '%s'\n", mode);
			return 2;
		}
	}
	need_exec = single == OP_EXEC || single == OP_MAX;
	need_net = single == OP_CONNECT || single == OP_MAX;
	if (need_exec && (r = find_truebin(&l, truebin)) < 0) {
		fprintf(stderr, "sgload: cannot execute '%s': %s\n", l.truebin, strerror(-r));
		return 1;
	}
	if (need_net && (r = listener(&l)) < 0) {
		fprintf(stderr, "sgload: cannot listen on 127.0.0.1: %s\n", strerror(-r));
		return 1;
	}
	/* check the setup once, untimed */
	if (single == OP_OPEN || single == OP_MAX) {
		setup_open++;
		if ((r = do_open(l.file, 1)) < 0) {
			fprintf(stderr, "sgload: cannot open '%s': %s\n", l.file, strerror(-r));
			return 1;
		}
	}
	if ((single == OP_OPENMISS || single == OP_MAX) && access(l.missing, F_OK) == 0) {
		fprintf(stderr, "sgload: '%s' exists\n", l.missing);
		return 1;
	}
	memset(l.done, 0, sizeof(l.done));
	l.errors = 0;

	t0 = now_ns();
	for (;;) {
		enum op op = single == OP_MAX ? MIX[ops % MIX_LEN] : single;

		if (dur_ns) {
			if ((ops & 15) == 0 && now_ns() - t0 >= dur_ns)
				break;
		} else if (ops >= count) {
			break;
		}
		if (rate) {
			/* the op number i is due at t0 + i / rate */
			uint64_t due = t0 + (uint64_t)((double)ops * 1e9 / (double)rate);
			uint64_t now = now_ns();

			if (due > now + 20000) {
				struct timespec ts = { due / 1000000000u, due % 1000000000u };

				clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL);
			} else {
				while (due > now)
					now = now_ns();
			}
		}
		do_op(&l, op);
		ops++;
	}
	t1 = now_ns();
	elapsed = t1 - t0;
	if (l.lfd >= 0)
		close(l.lfd);

	if (text) {
		printf("%s ns_per_op %.1f ops %" PRIu64 "\n", mode,
		       ops ? (double)elapsed / ops : 0.0, ops);
	} else {
		printf("{\"mode\":\"%s\",\"ns_per_op\":%.1f,\"ops\":%" PRIu64 ",\"elapsed_ns\":%" PRIu64
		       ",\"ops_per_sec\":%.0f,\"rate\":%" PRIu64 ",\"pid\":%d,\"errors\":%" PRIu64
		       ",\"done\":{\"exec\":%" PRIu64 ",\"open\":%" PRIu64 ",\"openmiss\":%" PRIu64
		       ",\"connect\":%" PRIu64 "},\"setup_open\":%" PRIu64
		       ",\"port\":%u}\n",
		       mode, ops ? (double)elapsed / ops : 0.0, ops, elapsed,
		       elapsed ? ops * 1e9 / elapsed : 0.0, rate, (int)getpid(), l.errors,
		       l.done[OP_EXEC], l.done[OP_OPEN], l.done[OP_OPENMISS], l.done[OP_CONNECT],
		       setup_open, need_net ? ntohs(l.addr.sin_port) : 0);
	}
	return l.errors ? 1 : 0;
bad:
	fprintf(stderr, "sgload: bad argument '%s'\n", optarg ? optarg : argv[optind]);
	usage(stderr);
	return 2;
}
