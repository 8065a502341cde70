// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The in-kernel filter must never hide an event a rule would act on.  For the
 * shipped policies, every path of a corpus (the sensitive paths the policies
 * are about, their non-normalised spellings, the policies' own literals with
 * heads and tails added, and random paths) is judged twice: by the policy
 * engine, as userspace would, and by the filter derived from the policy, as
 * the kernel would (kfilter_open_passes() mirrors bpf/sysguard.bpf.c).
 * Whenever the policy gives anything but 'allow', the filter must pass.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "kfilter.h"
#include "path.h"
#include "policy.h"

static const char *const sensitive[] = {
	"/etc/shadow", "/etc/gshadow", "/etc/passwd", "/etc/group", "/etc/sudoers",
	"/etc/sudoers.d/x", "/etc/ld.so.preload", "/etc/rc.local", "/etc/crontab",
	"/etc/cron.d/evil", "/etc/cron.hourly/x", "/var/spool/cron/crontabs/root",
	"/etc/systemd/system/x.service", "/usr/lib/systemd/system/y.service",
	"/lib/systemd/system/z.service", "/home/u/.config/systemd/user/a.service",
	"/root/.config/systemd/user/a.service", "/etc/profile", "/etc/profile.d/x.sh",
	"/etc/bash.bashrc", "/home/u/.bashrc", "/root/.bashrc", "/home/u/.profile",
	"/home/u/.zshrc", "/root/.ssh/authorized_keys", "/home/u/.ssh/authorized_keys",
	"/home/u/.ssh/authorized_keys2", "/root/.ssh/id_rsa", "/home/u/.ssh/id_ed25519",
	"/etc/ssh/ssh_host_rsa_key", "/etc/ssh/ssh_host_ed25519_key", "/root/.aws/credentials",
	"/home/u/.aws/credentials", "/home/u/.config/gcloud/credentials.db",
	"/root/.config/gcloud/x", "/home/u/.azure/accessTokens.json", "/root/.kube/config",
	"/home/u/.docker/config.json", "/home/u/.bash_history", "/root/.bash_history",
	"/root/.zsh_history", "/var/log/syslog", "/var/log/auth.log", "/var/log/wtmp",
	"/var/log/apt/history.log", "/var/log/journal/x/system.journal", "/tmp/x", "/dev/shm/x",
	"/etc/hosts", "/etc/hostname", "/usr/lib/x86_64-linux-gnu/libc.so.6", "/proc/self/status",
};

static const char *const heads[] = { "", "/home/u", "/root", "/tmp/a", "/srv/www", "/x" };
static const char *const tails[] = { "", "x", "/x", ".bak", "~", "/a/b/c.conf" };
static const char *const comms[] = { "cat", "bash", "python3", "vim", "sshd", "cron" };
static const char *const exes[] = { "/usr/bin/cat", "/usr/bin/bash", "/usr/bin/python3.11",
				    "/usr/bin/vim.basic", "/usr/sbin/sshd", "/usr/sbin/cron" };

static unsigned long checked, acted;

/* Judge an open of path both ways; fail on any event the filter would hide. */
static void check_path(const struct policy *p, const struct kfilter_spec *spec, const char *path)
{
	char norm[4096];

	if (strlen(path) >= sizeof(norm))
		return;
	strcpy(norm, path);
	if (norm[0] == '/')
		path_normalize(norm); /* the decoder normalises before the policy sees it */
	for (int w = 0; w < 2; w++) {
		for (size_t c = 0; c < sizeof(comms) / sizeof(comms[0]); c++) {
			for (uint32_t uid = 0; uid <= 1000; uid += 1000) {
				struct sg_event ev;
				int act;

				memset(&ev, 0, sizeof(ev));
				ev.type = SG_EV_OPEN;
				ev.syscall = SG_SC_OPENAT;
				ev.proc.pid = 4242;
				ev.proc.ppid = 1;
				ev.proc.uid = uid;
				snprintf(ev.proc.comm, sizeof(ev.proc.comm), "%s", comms[c]);
				ev.proc.exe = exes[c];
				ev.has_result = true;
				ev.result = 3;
				ev.file.path = norm;
				ev.file.path_resolved = norm[0] == '/';
				ev.file.flags = w ? O_WRONLY | O_CREAT | O_TRUNC : O_RDONLY;
				ev.file.write = w;
				act = policy_eval(p, &ev, NULL);
				checked++;
				if (act == SG_ACT_ALLOW || act == SG_ACT_NONE)
					continue;
				acted++;
				if (!kfilter_open_passes(spec, path, w, uid, comms[c]))
					fail_msg("the kernel filter would hide '%s' (%s, %s) that rule '%s' acts on",
						 path, w ? "write" : "read", comms[c],
						 ev.verdict.rule_id ? ev.verdict.rule_id : "(default)");
			}
		}
	}
}

static void check_policy(const char *file)
{
	struct policy_diag diag;
	struct kfilter_spec spec;
	struct policy *p = NULL;
	char path[1024];
	unsigned int seed = 42;

	policy_diag_init(&diag);
	if (policy_load(file, &p, &diag) != 0) {
		policy_diag_print(&diag, stderr);
		fail_msg("cannot load '%s'", file);
	}
	policy_diag_fini(&diag);
	assert_int_equal(policy_kfilter(p, &spec), 0);

	for (size_t i = 0; i < sizeof(sensitive) / sizeof(sensitive[0]); i++) {
		const char *s = sensitive[i];

		check_path(p, &spec, s);
		/* spellings the kernel sees raw and userspace normalises */
		snprintf(path, sizeof(path), "/tmp/../%s", s + 1);
		check_path(p, &spec, path);
		snprintf(path, sizeof(path), "/%s", s);
		check_path(p, &spec, path);
		snprintf(path, sizeof(path), "/./%s", s + 1);
		check_path(p, &spec, path);
	}
	/* the filter's own literals, with heads and tails */
	for (size_t i = 0; i < spec.nprefixes + spec.nsuffixes; i++) {
		const char *lit = i < spec.nprefixes ? spec.prefixes[i].s :
			spec.suffixes[i - spec.nprefixes].s;

		for (size_t h = 0; h < sizeof(heads) / sizeof(heads[0]); h++) {
			for (size_t t = 0; t < sizeof(tails) / sizeof(tails[0]); t++) {
				snprintf(path, sizeof(path), "%s%s%s%s", heads[h],
					 lit[0] == '/' || !*heads[h] ? "" : "/", lit, tails[t]);
				check_path(p, &spec, path);
			}
		}
	}
	/* random paths made of policy-ish components */
	for (int i = 0; i < 20000; i++) {
		static const char *const comp[] = { "etc", "home", "u", ".ssh", "id_rsa", "cron.d",
						    "systemd", "system", "root", "var", "log", "tmp",
						    ".bashrc", "shadow", ".config", "user", "..", ".",
						    "", "x", ".aws", "credentials", "sudoers.d" };
		size_t n = 1 + rand_r(&seed) % 6, o = 0;

		for (size_t k = 0; k < n && o < sizeof(path) - 64; k++)
			o += snprintf(path + o, sizeof(path) - o, "/%s",
				      comp[rand_r(&seed) % (sizeof(comp) / sizeof(comp[0]))]);
		check_path(p, &spec, path);
	}
	/* a path too long for the kernel to read whole ends in a watched name */
	memset(path, 'a', 600);
	path[0] = '/';
	strcpy(path + 600, "/.bashrc");
	check_path(p, &spec, path);

	kfilter_spec_fini(&spec);
	policy_free(p);
}

static void default_policy(void **state)
{
	check_policy("policies/default.yaml");
	assert_true(acted > 100); /* the corpus does reach the rules */
}

static void example_policies(void **state)
{
	check_policy("policies/examples/strict-server.yaml");
	check_policy("policies/examples/workstation.yaml");
}

/* The filter does drop: a harmless read is not passed under the default policy. */
static void filter_drops_the_uninteresting(void **state)
{
	struct policy_diag diag;
	struct kfilter_spec spec;
	struct policy *p = NULL;

	policy_diag_init(&diag);
	assert_int_equal(policy_load("policies/default.yaml", &p, &diag), 0);
	policy_diag_fini(&diag);
	policy_kfilter(p, &spec);
	assert_int_equal(spec.mode[SG_EV_OPEN], SG_FM_PATH);
	assert_false(kfilter_open_passes(&spec, "/usr/lib/x86_64-linux-gnu/libc.so.6", false, 0, "cat"));
	assert_false(kfilter_open_passes(&spec, "/etc/hostname", false, 0, "cat"));
	assert_true(kfilter_open_passes(&spec, "/etc/shadow", false, 0, "cat"));
	assert_true(kfilter_open_passes(&spec, "relative/path", false, 0, "cat"));
	assert_true(kfilter_open_passes(&spec, "/etc/../etc/hostname", false, 0, "cat"));
	kfilter_spec_fini(&spec);
	policy_free(p);
}

/* A policy that logs by default wants everything; one without open rules drops opens. */
static void modes(void **state)
{
	static const char log_all[] = "version: 1\n";
	static const char no_opens[] = "version: 1\ndefaults: {action: allow}\nrules:\n"
				       "  - id: c\n    events: [connect]\n    action: alert\n"
				       "    severity: low\n";
	struct kfilter_spec spec;
	struct policy *p = NULL;

	assert_int_equal(policy_load_string("log-all", log_all, strlen(log_all), &p, NULL), 0);
	policy_kfilter(p, &spec);
	for (int k = 0; k < SG_FK_MAX; k++)
		assert_int_equal(spec.mode[k], SG_FM_PASS);
	kfilter_spec_fini(&spec);
	policy_free(p);

	assert_int_equal(policy_load_string("no-opens", no_opens, strlen(no_opens), &p, NULL), 0);
	policy_kfilter(p, &spec);
	assert_int_equal(spec.mode[SG_EV_OPEN], SG_FM_DROP);
	assert_int_equal(spec.mode[SG_FK_OPEN_WRITE], SG_FM_DROP);
	assert_int_equal(spec.mode[SG_EV_CONNECT], SG_FM_PASS);
	assert_int_equal(spec.mode[SG_EV_LISTEN], SG_FM_DROP);
	kfilter_spec_fini(&spec);
	policy_free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(default_policy),
		cmocka_unit_test(example_policies),
		cmocka_unit_test(filter_drops_the_uninteresting),
		cmocka_unit_test(modes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
