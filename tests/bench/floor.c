// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * floor: load floor.bpf.o (no-op programs on sysguardd's tracepoints), print
 * "ready" and hold them until SIGTERM or SIGINT.  The benchmark's "floor"
 * column.  Usage: floor OBJECT
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <bpf/libbpf.h>

static volatile sig_atomic_t done;

static void on_signal(int sig)
{
	(void)sig;
	done = 1;
}

int main(int argc, char **argv)
{
	struct bpf_object *obj;
	struct bpf_program *prog;
	int n = 0;

	if (argc != 2) {
		fprintf(stderr, "usage: floor OBJECT\n");
		return 2;
	}
	obj = bpf_object__open_file(argv[1], NULL);
	if (!obj) {
		fprintf(stderr, "floor: %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	if (bpf_object__load(obj)) {
		fprintf(stderr, "floor: cannot load %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	bpf_object__for_each_program(prog, obj) {
		if (!bpf_program__attach(prog)) {
			/* as sysguardd does: a tracepoint this kernel lacks is skipped */
			fprintf(stderr, "floor: %s not attached: %s\n", bpf_program__name(prog),
				strerror(errno));
			continue;
		}
		n++;
	}
	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);
	printf("ready: %d programs\n", n);
	fflush(stdout);
	while (!done)
		pause();
	bpf_object__close(obj);
	return 0;
}
