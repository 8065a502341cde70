// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Loading and attaching the BPF programs, the ring buffer and the counters.
 * Start-up order follows libbpf-bootstrap: mount what is missing, open the
 * skeleton, set rodata and autoload, load, attach program by program, then
 * create the ring buffer consumer whose epoll fd goes into the event loop.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <linux/magic.h>
#include <bpf/libbpf.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include "bpfobj.h"
#include "kernel.h"
#include "log.h"
#include "sysguard.skel.h"

#define TRACEFS "/sys/kernel/tracing"
#define BPFFS "/sys/fs/bpf"
#define MAX_PROGS 256

struct kernel {
	struct sysguard_bpf *skel;
	struct ring_buffer *rb;
	struct bpf_link *links[MAX_PROGS];
	struct kernel_prog progs[MAX_PROGS];
	size_t nprogs;
	int (*sample)(void *ctx, const void *data, size_t size);
	void *ctx;
	int ncpus;
	bool hooked[KTEL_MAX];       /* the kind comes from a hook, its syscall tracepoints detached */
	bool tramp;                  /* trampolines for the syscalls whose function exists */
	char tramp_why[200];         /* why not, when they were asked for (auto, trampoline) */
	const char **tramp_fns;      /* while opening: the functions, sorted */
	bool *tramp_ok;              /* and whether each can take a trampoline */
	size_t ntramp;
	char why[KTEL_MAX][320];     /* why it does not after all, when asked for */
	void *ring_pos;              /* the ring's consumer and producer pages, read-only */
	size_t ring_page;
};

static const char *const family_names[SG_FAM_MAX] = { "process", "file", "network" };

const char *kernel_family_name(enum sg_family f)
{
	return (unsigned)f < SG_FAM_MAX ? family_names[f] : "unknown";
}

const char *kernel_prog_state_name(enum prog_state s)
{
	switch (s) {
	case PROG_ATTACHED: return "attached";
	case PROG_DISABLED: return "disabled";
	case PROG_UNAVAILABLE: return "unavailable";
	case PROG_FAILED: return "failed";
	}
	return "unknown";
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int fs_is(const char *path, long magic)
{
	struct statfs st;

	return statfs(path, &st) == 0 && st.f_type == magic;
}

int kernel_mount_fs(char *err, size_t errlen)
{
	if (!fs_is(TRACEFS, TRACEFS_MAGIC)) {
		if (mount("tracefs", TRACEFS, "tracefs", 0, NULL) < 0) {
			int e = errno;

			snprintf(err, errlen, "tracefs is not mounted at '%s' and mounting it failed: %s",
				 TRACEFS, strerror(e));
			return -e;
		}
		sg_log(LOG_INFO, "mounted tracefs at '%s'", TRACEFS);
	}
	if (!fs_is(BPFFS, BPF_FS_MAGIC)) {
		if (mount("bpf", BPFFS, "bpf", 0, "mode=0700") < 0)
			sg_log(LOG_WARNING, "bpffs is not mounted at '%s' and mounting it failed: %s",
			       BPFFS, strerror(errno));
		else
			sg_log(LOG_INFO, "mounted bpffs at '%s'", BPFFS);
	}
	return 0;
}

static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	int prio = level == LIBBPF_WARN ? LOG_WARNING : level == LIBBPF_INFO ? LOG_INFO : LOG_DEBUG;
	char *buf, *line, *save = NULL;

	if (prio > log_level())
		return 0;
	if (vasprintf(&buf, fmt, ap) < 0)
		return 0;
	/* a verifier log comes as one message: keep its lines */
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
		sg_log(prio, "libbpf: %s", line);
	free(buf);
	return 0;
}

static enum sg_family prog_family(const char *name)
{
	if (strncmp(name, "proc_", 5) == 0)
		return SG_FAM_PROCESS;
	if (strncmp(name, "file_", 5) == 0)
		return SG_FAM_FILE;
	return SG_FAM_NETWORK;
}

/* Is the hook there?  tracepoints: tracefs knows them; tp_btf: vmlinux BTF does. */
static int hook_available(const char *sec, struct btf **vmlinux, char *why, size_t whylen)
{
	char path[256];

	if (strncmp(sec, "tp/", 3) == 0) {
		snprintf(path, sizeof(path), TRACEFS "/events/%s", sec + 3);
		if (access(path, F_OK) == 0)
			return 1;
		snprintf(why, whylen, "tracepoint '%s' not in this kernel", sec + 3);
		return 0;
	}
	if (strncmp(sec, "tp_btf/", 7) == 0) {
		char tname[128];
		int found;

		/* parsed once for all programs, freed by the caller */
		if (!*vmlinux)
			*vmlinux = btf__load_vmlinux_btf();
		if (!*vmlinux) {
			snprintf(why, whylen, "no kernel BTF");
			return 0;
		}
		snprintf(tname, sizeof(tname), "btf_trace_%s", sec + 7);
		found = btf__find_by_name_kind(*vmlinux, tname, BTF_KIND_TYPEDEF) >= 0;
		if (!found)
			snprintf(why, whylen, "raw tracepoint '%s' not in this kernel", sec + 7);
		return found;
	}
	return 1;
}

/*
 * The other of a syscall's two programs, by name: family_enter_NAME <->
 * family_fenter_NAME, family_exit_NAME <-> family_fexit_NAME.  false: not
 * a syscall's program.
 */
static bool twin_name(const char *name, char *twin, size_t size)
{
	static const char *const pairs[][2] = {
		{ "_fenter_", "_enter_" }, { "_fexit_", "_exit_" },
		{ "_enter_", "_fenter_" }, { "_exit_", "_fexit_" },
	};

	for (size_t i = 0; i < 4; i++) {
		const char *at = strstr(name, pairs[i][0]);

		if (at) {
			snprintf(twin, size, "%.*s%s%s", (int)(at - name), name, pairs[i][1],
				 at + strlen(pairs[i][0]));
			return true;
		}
	}
	return false;
}

/* The kind whose hook replaces this program (or its trampoline twin), or KTEL_MAX. */
static enum kernel_tel replaced_by(const char *name)
{
	char twin[96];

	/* a trampoline stands for its tracepoint program in the table */
	if ((strstr(name, "_fenter_") || strstr(name, "_fexit_")) &&
	    twin_name(name, twin, sizeof(twin)))
		name = twin;
	for (int t = 0; t < KTEL_MAX; t++)
		for (size_t i = 0; i < KTEL_PROGS_MAX && kernel_tel_desc(t)->progs[i]; i++)
			if (strcmp(name, kernel_tel_desc(t)->progs[i]) == 0)
				return t;
	return KTEL_MAX;
}

/*
 * Can this kernel run trampolines at all?  A program that does nothing,
 * loaded and attached as fentry to fn: what the kernel says is the answer
 * (lockdown, a kernel without BPF trampolines or without ftrace).
 */
static bool tramp_probe(struct btf *vmlinux, const char *fn, char *why, size_t whylen)
{
	const struct bpf_insn insns[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = 0 },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	LIBBPF_OPTS(bpf_prog_load_opts, o, .expected_attach_type = BPF_TRACE_FENTRY);
	int id, fd, link;

	id = btf__find_by_name_kind(vmlinux, fn, BTF_KIND_FUNC);
	if (id < 0) {
		snprintf(why, whylen, "the kernel's BTF has no function '%s'", fn);
		return false;
	}
	o.attach_btf_id = id;
	fd = bpf_prog_load(BPF_PROG_TYPE_TRACING, "sg_tramp_probe", "GPL", insns, 2, &o);
	if (fd < 0) {
		snprintf(why, whylen, "fentry programs cannot be loaded here: %s", strerror(errno));
		return false;
	}
	link = bpf_link_create(fd, 0, BPF_TRACE_FENTRY, NULL);
	if (link < 0) {
		snprintf(why, whylen, "fentry programs cannot be attached here: %s",
			 strerror(errno));
		close(fd);
		return false;
	}
	close(link);
	close(fd);
	return true;
}

/*
 * The functions ftrace can attach to (available_filter_functions) among
 * names (n of them, sorted): ok[i] for names[i].  Unreadable: all ok (the
 * attach then says).
 */
static void traceable(const char **names, size_t n, bool *ok)
{
	FILE *f = fopen(TRACEFS "/available_filter_functions", "re");
	char line[256];

	for (size_t i = 0; i < n; i++)
		ok[i] = !f;
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		size_t len = strcspn(line, " \n");
		const char *key = line;
		const char **hit;

		if (strncmp(line, "__", 2) != 0 || line[len] != '\n')
			continue; /* a module's function, or not a syscall's */
		line[len] = '\0';
		hit = bsearch(&key, names, n, sizeof(*names), cmp_str);
		if (hit)
			ok[hit - names] = true;
	}
	fclose(f);
}

#define SCHED_EXEC_PROG "proc_exec_sched"

/*
 * telemetry.syscalls: whether the syscalls' trampolines can be used here,
 * and for which functions (k->tramp_fns, k->tramp_ok).  0 or -ENOMEM.
 */
static int choose_trampolines(struct kernel *k, enum tel_syscalls mode, struct btf **vmlinux)
{
	struct bpf_program *prog;
	const char *probe = NULL;
	size_t n = 0;

	k->tramp = false;
	k->tramp_why[0] = '\0';
	if (mode == TEL_SC_TRACEPOINT)
		return 0;
	bpf_object__for_each_program(prog, k->skel->obj)
		n += !strncmp(bpf_program__section_name(prog), "fentry/", 7);
	k->tramp_fns = calloc(n + 1, sizeof(*k->tramp_fns));
	k->tramp_ok = calloc(n + 1, sizeof(*k->tramp_ok));
	if (!k->tramp_fns || !k->tramp_ok)
		return -ENOMEM;
	bpf_object__for_each_program(prog, k->skel->obj)
		if (!strncmp(bpf_program__section_name(prog), "fentry/", 7))
			k->tramp_fns[k->ntramp++] = bpf_program__section_name(prog) + 7;
	qsort(k->tramp_fns, k->ntramp, sizeof(*k->tramp_fns), cmp_str);
	if (!*vmlinux)
		*vmlinux = btf__load_vmlinux_btf();
	if (!*vmlinux) {
		snprintf(k->tramp_why, sizeof(k->tramp_why), "no kernel BTF");
		return 0;
	}
	for (size_t i = 0; i < k->ntramp; i++) {
		k->tramp_ok[i] = btf__find_by_name_kind(*vmlinux, k->tramp_fns[i], BTF_KIND_FUNC) >= 0;
		if (k->tramp_ok[i] && !probe)
			probe = k->tramp_fns[i];
	}
	if (!probe) {
		snprintf(k->tramp_why, sizeof(k->tramp_why), "the kernel's BTF has none of the "
			 "syscalls' functions");
		return 0;
	}
	k->tramp = tramp_probe(*vmlinux, probe, k->tramp_why, sizeof(k->tramp_why));
	if (k->tramp) {
		bool *ftrace = calloc(k->ntramp, sizeof(*ftrace));

		if (!ftrace)
			return -ENOMEM;
		traceable(k->tramp_fns, k->ntramp, ftrace);
		for (size_t i = 0; i < k->ntramp; i++)
			k->tramp_ok[i] = k->tramp_ok[i] && ftrace[i];
		free(ftrace);
	}
	if (!k->tramp && mode == TEL_SC_TRAMPOLINE)
		sg_log(LOG_WARNING, "telemetry.syscalls is trampoline, but %s: the syscall "
		       "tracepoints are used", k->tramp_why);
	return 0;
}

/* Can syscall function fn take a trampoline here? */
static bool tramp_fn_ok(const struct kernel *k, const char *fn)
{
	const char **hit;

	if (!k->tramp)
		return false;
	hit = bsearch(&fn, k->tramp_fns, k->ntramp, sizeof(*k->tramp_fns), cmp_str);
	return hit && k->tramp_ok[hit - k->tramp_fns];
}

/*
 * Of a syscall's two programs, its trampoline and its tracepoint, the one
 * the kernel runs: false (p's state and reason set) for the other.  Other
 * programs: true.
 */
static bool syscall_backend(struct kernel *k, struct bpf_program *prog, struct kernel_prog *p)
{
	const char *sec = bpf_program__section_name(prog), *fn;
	struct bpf_program *twin;
	char name[96];

	if (!strncmp(sec, "fentry/", 7) || !strncmp(sec, "fexit/", 6)) {
		fn = strchr(sec, '/') + 1;
		if (tramp_fn_ok(k, fn))
			return true;
		p->state = PROG_DISABLED;
		p->twin = true;
		if (!k->tramp && !k->tramp_why[0])
			snprintf(p->reason, sizeof(p->reason), "telemetry.syscalls is tracepoint");
		else if (!k->tramp)
			snprintf(p->reason, sizeof(p->reason), "the tracepoints instead: %s",
				 k->tramp_why);
		else
			snprintf(p->reason, sizeof(p->reason), "the tracepoints instead: no "
				 "traceable function '%s'", fn);
		return false;
	}
	if (strncmp(sec, "tp/syscalls/", 12) != 0)
		return true;
	/* file_enter_openat's twin is file_fenter_openat */
	if (!twin_name(p->name, name, sizeof(name)))
		return true;
	twin = bpf_object__find_program_by_name(k->skel->obj, name);
	if (!twin || !tramp_fn_ok(k, strchr(bpf_program__section_name(twin), '/') + 1))
		return true;
	p->state = PROG_DISABLED;
	p->twin = true;
	snprintf(p->reason, sizeof(p->reason), "the trampolines instead (%s)",
		 bpf_program__section_name(twin));
	return false;
}

static int attach_prog(struct kernel *k, size_t i)
{
	struct kernel_prog *p = &k->progs[i];
	struct bpf_program *prog = bpf_object__find_program_by_name(k->skel->obj, p->name);

	k->links[i] = prog ? bpf_program__attach(prog) : NULL;
	if (!k->links[i]) {
		int r = -errno;

		p->state = PROG_FAILED;
		snprintf(p->reason, sizeof(p->reason), "attach failed: %s", strerror(-r));
		sg_log(LOG_WARNING, "cannot attach '%s' to '%s': %s", p->name, p->hook,
		       strerror(-r));
		return r;
	}
	return 0;
}

static int on_sample(void *ctx, void *data, size_t size)
{
	struct kernel *k = ctx;

	return k->sample(k->ctx, data, size);
}

/* Map the ring's consumer and producer positions (its first two pages) for kernel_ring_fill(). */
static void ring_map_pos(struct kernel *k)
{
	long page = sysconf(_SC_PAGESIZE);
	void *p;

	if (page <= 0)
		return;
	p = mmap(NULL, 2 * page, PROT_READ, MAP_SHARED, bpf_map__fd(k->skel->maps.events), 0);
	if (p == MAP_FAILED) {
		sg_log(LOG_DEBUG, "cannot map the ring's positions: %s", strerror(errno));
		return;
	}
	k->ring_pos = p;
	k->ring_page = page;
}

int kernel_open(struct kernel **ret, const struct kernel_opts *opts, char *err, size_t errlen)
{
	struct btf *vmlinux = NULL;
	struct bpf_program *prog;
	struct kernel *k;
	int r;

	if (access("/sys/kernel/btf/vmlinux", R_OK) < 0) {
		snprintf(err, errlen, "this kernel has no BTF (/sys/kernel/btf/vmlinux): "
			 "sysguard needs CONFIG_DEBUG_INFO_BTF=y");
		return -ENOTSUP;
	}
	r = kernel_mount_fs(err, errlen);
	if (r < 0)
		return r;
	libbpf_set_print(libbpf_print);

	k = calloc(1, sizeof(*k));
	if (!k) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	k->sample = opts->sample;
	k->ctx = opts->ctx;
	k->ncpus = libbpf_num_possible_cpus();

	k->skel = sysguard_bpf__open();
	r = bpfobj_check(k->skel ? k->skel->obj : NULL, "sysguard.bpf.o", "the BPF object", err,
			 errlen);
	if (r < 0)
		goto fail;
	k->skel->rodata->cfg.self_pid = getpid();
	k->skel->rodata->cfg.wakeup_bytes = opts->wakeup_bytes;
	r = bpf_map__set_max_entries(k->skel->maps.events, opts->ring_bytes);
	if (r < 0) {
		snprintf(err, errlen, "cannot size the ring buffer to %u bytes: %s",
			 opts->ring_bytes, strerror(-r));
		goto fail;
	}

	memcpy(k->hooked, opts->hooked, sizeof(k->hooked));
	r = choose_trampolines(k, opts->syscalls, &vmlinux);
	if (r < 0) {
		snprintf(err, errlen, "out of memory");
		btf__free(vmlinux);
		goto fail;
	}
	bpf_object__for_each_program(prog, k->skel->obj) {
		struct kernel_prog *p;

		if (k->nprogs == MAX_PROGS) {
			/* never load a program that would not be attached or reported */
			snprintf(err, errlen, "the BPF object has more than %d programs", MAX_PROGS);
			r = -E2BIG;
			btf__free(vmlinux);
			goto fail;
		}
		p = &k->progs[k->nprogs++];
		p->name = bpf_program__name(prog);
		p->hook = bpf_program__section_name(prog);
		p->family = prog_family(p->name);
		if (!opts->family[p->family]) {
			p->state = PROG_DISABLED;
			snprintf(p->reason, sizeof(p->reason), "family '%s' switched off",
				 family_names[p->family]);
			bpf_program__set_autoload(prog, false);
		} else if (!syscall_backend(k, prog, p)) {
			bpf_program__set_autoload(prog, false);
		} else if (strcmp(p->name, SCHED_EXEC_PROG) == 0 && !k->hooked[KTEL_EXEC]) {
			p->state = PROG_DISABLED;
			snprintf(p->reason, sizeof(p->reason), "execs come from the syscall "
				 "tracepoints (telemetry.exec)");
			bpf_program__set_autoload(prog, false);
		} else if (!hook_available(p->hook, &vmlinux, p->reason, sizeof(p->reason))) {
			p->state = PROG_UNAVAILABLE;
			bpf_program__set_autoload(prog, false);
		}
		if (strcmp(p->name, SCHED_EXEC_PROG) == 0 && k->hooked[KTEL_EXEC] &&
		    p->state != PROG_ATTACHED) {
			/* the exec tracepoints stay */
			k->hooked[KTEL_EXEC] = false;
			snprintf(k->why[KTEL_EXEC], sizeof(k->why[0]), "%s", p->reason);
		}
	}
	btf__free(vmlinux); /* before the load, which parses its own */
	free(k->tramp_fns);
	free(k->tramp_ok);
	k->tramp_fns = NULL;
	k->tramp_ok = NULL;

	r = sysguard_bpf__load(k->skel);
	if (r < 0) {
		snprintf(err, errlen, "cannot load the BPF programs: %s%s", strerror(-r),
			 r == -EPERM ? " (are you root?)" : "");
		goto fail;
	}

	/* the exec hook first: if it cannot be attached, the exec tracepoints are */
	for (size_t i = 0; k->hooked[KTEL_EXEC] && i < k->nprogs; i++) {
		if (k->progs[i].state == PROG_ATTACHED && !strcmp(k->progs[i].name, SCHED_EXEC_PROG) &&
		    attach_prog(k, i) < 0) {
			k->hooked[KTEL_EXEC] = false;
			snprintf(k->why[KTEL_EXEC], sizeof(k->why[0]), "%s", k->progs[i].reason);
		}
	}
	for (size_t i = 0; i < k->nprogs; i++) {
		struct kernel_prog *p = &k->progs[i];
		enum kernel_tel t;

		if (p->state != PROG_ATTACHED || !strcmp(p->name, SCHED_EXEC_PROG))
			continue;
		t = replaced_by(p->name);
		if (t != KTEL_MAX && k->hooked[t]) {
			/* loaded, left detached: kernel_unhook() is the way back */
			p->state = PROG_DISABLED;
			snprintf(p->reason, sizeof(p->reason), "%s come from %s (telemetry backend %s)",
				 kernel_tel_desc(t)->what, kernel_tel_desc(t)->source,
				 kernel_tel_desc(t)->backend);
			continue;
		}
		attach_prog(k, i);
	}

	k->rb = ring_buffer__new(bpf_map__fd(k->skel->maps.events), on_sample, k, NULL);
	if (!k->rb) {
		r = -errno;
		snprintf(err, errlen, "cannot create the ring buffer consumer: %s", strerror(-r));
		goto fail;
	}
	ring_map_pos(k);
	*ret = k;
	return 0;
fail:
	kernel_close(k);
	return r;
}

void kernel_close(struct kernel *k)
{
	if (!k)
		return;
	free(k->tramp_fns);
	free(k->tramp_ok);
	ring_buffer__free(k->rb);
	if (k->ring_pos)
		munmap(k->ring_pos, 2 * k->ring_page);
	for (size_t i = 0; i < k->nprogs; i++)
		bpf_link__destroy(k->links[i]);
	sysguard_bpf__destroy(k->skel);
	free(k);
}

int kernel_ring_fd(const struct kernel *k)
{
	return ring_buffer__epoll_fd(k->rb);
}

int kernel_consume(struct kernel *k)
{
	return ring_buffer__consume(k->rb);
}

int kernel_ring_fill(const struct kernel *k, uint64_t *ret_pending, uint64_t *ret_size)
{
	unsigned long cons, prod;

	if (!k->ring_pos)
		return -ENODATA;
	cons = __atomic_load_n((unsigned long *)k->ring_pos, __ATOMIC_ACQUIRE);
	prod = __atomic_load_n((unsigned long *)((char *)k->ring_pos + k->ring_page),
			       __ATOMIC_ACQUIRE);
	*ret_pending = prod - cons;
	*ret_size = bpf_map__max_entries(k->skel->maps.events);
	return 0;
}

int kernel_counters(const struct kernel *k, struct sg_counters *sum)
{
	struct sg_counters *vals;
	__u32 zero = 0;
	int r;

	memset(sum, 0, sizeof(*sum));
	vals = calloc(k->ncpus, sizeof(*vals));
	if (!vals)
		return -ENOMEM;
	r = bpf_map_lookup_elem(bpf_map__fd(k->skel->maps.counters), &zero, vals);
	if (r < 0) {
		r = -errno;
		free(vals);
		return r;
	}
	for (int c = 0; c < k->ncpus; c++) {
		for (int t = 0; t < SG_EV_KERNEL_MAX; t++) {
			sum->seen[t] += vals[c].seen[t];
			sum->dropped[t] += vals[c].dropped[t];
			sum->filtered[t] += vals[c].filtered[t];
		}
		sum->stash_full += vals[c].stash_full;
	}
	free(vals);
	return 0;
}

static int kernel_unhook_one(struct kernel *k, enum kernel_tel t, const char *why);

bool kernel_hooked(const struct kernel *k, enum kernel_tel t, const char **why)
{
	if ((unsigned)t >= KTEL_MAX)
		return false;
	if (why)
		*why = k->why[t];
	return k->hooked[t];
}

int kernel_unhook(struct kernel *k, enum kernel_tel t, const char *why)
{
	int r = kernel_unhook_one(k, t, why);

	if (r < 0)
		sg_log(LOG_WARNING, "%s are not traced: %s", kernel_tel_desc(t)->what, strerror(-r));
	return r;
}

static int kernel_unhook_one(struct kernel *k, enum kernel_tel t, const char *why)
{
	int r = 0;

	if ((unsigned)t >= KTEL_MAX || !k->hooked[t])
		return 0;
	k->hooked[t] = false;
	snprintf(k->why[t], sizeof(k->why[t]), "%s", why);
	for (size_t i = 0; i < k->nprogs; i++) {
		struct kernel_prog *p = &k->progs[i];
		int e;

		if (p->state != PROG_DISABLED || replaced_by(p->name) != t ||
		    bpf_program__fd(bpf_object__find_program_by_name(k->skel->obj, p->name)) < 0)
			continue; /* another's, or not loaded (the other of a syscall's twins) */
		e = attach_prog(k, i);
		if (e < 0) {
			r = e;
			continue;
		}
		p->state = PROG_ATTACHED;
		p->reason[0] = '\0';
	}
	return r;
}

bool kernel_trampolines(const struct kernel *k, const char **why)
{
	if (why)
		*why = k->tramp_why;
	return k->tramp;
}

size_t kernel_prog_count(const struct kernel *k)
{
	return k->nprogs;
}

const struct kernel_prog *kernel_prog(const struct kernel *k, size_t i)
{
	return i < k->nprogs ? &k->progs[i] : NULL;
}

int kernel_map_fd(const struct kernel *k, const char *name)
{
	int fd = bpf_object__find_map_fd_by_name(k->skel->obj, name);

	return fd < 0 ? -ENOENT : fd;
}

int kernel_lost_by_pid(const struct kernel *k,
		       void (*cb)(void *arg, uint32_t pid, const uint64_t *lost), void *arg)
{
	int fd = bpf_map__fd(k->skel->maps.lost_by_pid);
	__u32 key, next, *prev = NULL;
	struct sg_pidlost v;
	int n = 0;

	while (bpf_map_get_next_key(fd, prev, &next) == 0) {
		if (bpf_map_lookup_elem(fd, &next, &v) == 0) {
			cb(arg, next, (const uint64_t *)v.lost);
			n++;
		}
		key = next;
		prev = &key;
	}
	return n;
}

void kernel_report(const struct kernel *k, size_t processes)
{
	size_t attached = 0, off = 0;

	for (size_t i = 0; i < k->nprogs; i++) {
		const struct kernel_prog *p = &k->progs[i];

		if (p->state == PROG_ATTACHED)
			attached++;
		else if (p->state == PROG_DISABLED)
			off++;
		else
			sg_log(LOG_WARNING, "'%s' not attached: %s", p->hook, p->reason);
	}
	sg_log(LOG_INFO, "%zu of %zu programs attached, %zu left out by the configuration, "
	       "%zu processes known", attached, k->nprogs, off, processes);
}

void kernel_report_telemetry(const struct kernel *k)
{
	size_t tp = 0, tr = 0;

	for (size_t i = 0; i < k->nprogs; i++)
		if (k->progs[i].state == PROG_ATTACHED) {
			tp += !strncmp(k->progs[i].hook, "tp/syscalls/", 12);
			tr += !strncmp(k->progs[i].hook, "fentry/", 7) ||
			      !strncmp(k->progs[i].hook, "fexit/", 6);
		}
	if (k->tramp || k->tramp_why[0])
		sg_log(k->tramp ? LOG_INFO : LOG_NOTICE, "syscalls from %zu trampolines and %zu "
		       "syscall tracepoints%s%s", tr, tp, k->tramp ? "" : ": ", k->tramp_why);
	else
		sg_log(LOG_INFO, "syscalls from %zu syscall tracepoints (telemetry.syscalls is "
		       "tracepoint)", tp);
	for (int t = 0; t < KTEL_MAX; t++) {
		const struct kernel_tel_desc *td = kernel_tel_desc(t);
		const char *why;
		bool hooked = kernel_hooked(k, t, &why);

		if (hooked || why[0])
			sg_log(hooked ? LOG_INFO : LOG_WARNING, "%s from %s%s%s", td->what,
			       hooked ? td->source : "the syscall tracepoints", hooked ? "" : ": ",
			       why);
	}
}
