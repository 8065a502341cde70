// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The in-kernel filter must never hide an event a rule would act on.  For the
 * shipped policies, every path of a corpus (the sensitive paths the policies
 * are about, their non-normalised spellings, the policies' own literals with
 * heads and tails added, and random paths) is judged twice: by the policy
 * engine, as userspace would, and by the filter derived from the policy, as
 * the kernel would (kfilter_open_passes() mirrors bpf/trace_file.h).
 * Whenever the policy gives anything but 'allow', the filter must pass.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "event.h"
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
	/* what the Sigma test rules and the 'all'/'re' golden policy are about */
	"/etc/doas.conf", "/srv/etc/doas.conf", "/tmp/rootlog", "/x/ebpfbackdoor",
	"/tmp/{echo,aGkK}|{base64,-d}", "/etc/profile.d/evil.sh", "/etc/profile.d/a.csh",
	"/etc/cron.hourly/job", "/var/spool/cron/crontabs/u", "/srv/etc/crontab",
};

static const char *const heads[] = { "", "/home/u", "/root", "/tmp/a", "/srv/www", "/x" };
static const char *const tails[] = { "", "x", "/x", ".bak", "~", "/a/b/c.conf" };
static const char *const comms[] = { "cat", "bash", "python3", "vim", "sshd", "cron" };
static const char *const exes[] = { "/usr/bin/cat", "/usr/bin/bash", "/usr/bin/python3.11",
				    "/usr/bin/vim.basic", "/usr/sbin/sshd", "/usr/sbin/cron" };

static unsigned long checked, acted;

/* A file event of one of the comms, for uid, on the normalized path norm. */
static struct sg_event file_event(int type, uint32_t uid, size_t c, const char *norm)
{
	struct sg_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.type = type;
	ev.proc.pid = 4242;
	ev.proc.ppid = 1;
	ev.proc.uid = uid;
	snprintf(ev.proc.comm, sizeof(ev.proc.comm), "%s", comms[c]);
	ev.proc.exe = exes[c];
	ev.has_result = true;
	ev.file.path = norm;
	ev.file.path_resolved = norm[0] == '/';
	return ev;
}

/*
 * The same path as a rename (either way), an unlink and a chmod to a few
 * modes: every kind the kernel filters by kind alone (kfilter_kind_passes()).
 */
static void check_other_kinds(const struct policy *p, const struct kfilter_spec *spec,
			      const char *norm)
{
	static const int types[] = { SG_EV_RENAME, SG_EV_UNLINK, SG_EV_CHMOD };
	static const uint32_t modes[] = { 0644, 0755, 04755, 02750, 06777, 01777 };

	for (size_t t = 0; t < sizeof(types) / sizeof(types[0]); t++) {
		for (size_t m = 0; m < sizeof(modes) / sizeof(modes[0]); m++) {
			for (size_t c = 0; c < sizeof(comms) / sizeof(comms[0]); c++) {
				for (uint32_t uid = 0; uid <= 1000; uid += 1000) {
					struct sg_event ev = file_event(types[t], uid, c, norm);
					int act;

					ev.file.new_path = types[t] == SG_EV_RENAME ? "/tmp/y" : NULL;
					ev.file.mode = modes[m];
					act = policy_eval(p, &ev, NULL);
					checked++;
					if (act == SG_ACT_ALLOW || act == SG_ACT_NONE)
						continue;
					acted++;
					if (!kfilter_kind_passes(spec, types[t], uid, comms[c]))
						fail_msg("the kernel filter would hide a %s of '%s' (mode %o, "
							 "%s) that rule '%s' acts on", sg_type_name(types[t]),
							 norm, modes[m], comms[c],
							 ev.verdict.rule_id ? ev.verdict.rule_id : "(default)");
				}
			}
			if (types[t] != SG_EV_CHMOD)
				break; /* the mode matters to chmod rules only */
		}
	}
}

/*
 * Every other type the kernel filters by kind (ptrace, setuid, mount, module,
 * bpf, io_uring, connect, ...): an event of it from each comm and uid, with
 * the fields the shipped rules test set both ways where they have two.
 */
static void check_kinds_alone(const struct policy *p, const struct kfilter_spec *spec)
{
	for (int t = 1; t < SG_EV_KERNEL_MAX; t++) {
		const struct sg_evtype *et = sg_evtype(t);

		if (et->kfilter != SG_KF_KIND || t == SG_EV_RENAME || t == SG_EV_UNLINK ||
		    t == SG_EV_CHMOD)
			continue;
		for (int variant = 0; variant < 2; variant++) {
			for (size_t c = 0; c < sizeof(comms) / sizeof(comms[0]); c++) {
				for (uint32_t uid = 0; uid <= 1000; uid += 1000) {
					struct sg_event ev = file_event(t, uid, c, "/tmp/x");
					int act;

					ev.ptrace.request = variant ? 16 : 0;
					ev.cred.old_uid = variant ? 1000 : 0;
					ev.cred.old_euid = variant ? 1000 : 0;
					act = policy_eval(p, &ev, NULL);
					checked++;
					if (act == SG_ACT_ALLOW || act == SG_ACT_NONE)
						continue;
					acted++;
					if (!kfilter_kind_passes(spec, t, uid, comms[c]))
						fail_msg("the kernel filter would hide a %s event (%s) that "
							 "rule '%s' acts on", et->name, comms[c],
							 ev.verdict.rule_id ? ev.verdict.rule_id : "(default)");
				}
			}
		}
	}
}

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
				struct sg_event ev = file_event(SG_EV_OPEN, uid, c, norm);
				int act;

				ev.syscall = SG_SC_OPENAT;
				ev.result = 3;
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
	check_other_kinds(p, spec, norm);
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

	check_kinds_alone(p, &spec);
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

/* Rules converted from Sigma, and the 'all' and 're' operators on file.path. */
static void sigma_and_new_operators(void **state)
{
	unsigned long before = acted;

	check_policy("tests/sigma/policy.yaml");
	check_policy("tests/policy/valid/all-re.yaml");
	check_policy("tests/policy/valid/all.yaml");
	assert_true(acted > before + 50); /* the corpus does reach those rules */
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

/* Whether path matches a prefix or a suffix of spec, straight from the definitions. */
static bool spec_matches(const struct kfilter_spec *spec, const char *path)
{
	size_t len = strlen(path);

	for (size_t i = 0; i < spec->nprefixes; i++)
		if (strncmp(path, spec->prefixes[i].s, strlen(spec->prefixes[i].s)) == 0)
			return true;
	for (size_t i = 0; i < spec->nsuffixes; i++) {
		size_t l = strlen(spec->suffixes[i].s);

		if (l <= len && memcmp(path + len - l, spec->suffixes[i].s, l) == 0)
			return true;
	}
	return false;
}

/*
 * The hint in front of the tries (struct sg_pathhint) may pass a path that
 * matches nothing, never drop one that matches: random prefixes and suffixes
 * of every length from 1 to 12, and paths made of them, cut at every length,
 * with random bytes around.  It must also drop most paths that match nothing,
 * or it would be no use.
 */
static void hint_never_drops_a_match(void **state)
{
	static const char alpha[] = "/abc.e_";
	unsigned long dropped = 0, unmatched = 0;

	srand(7);
	for (int round = 0; round < 300; round++) {
		struct kfilter_spec spec;
		struct sg_pathhint hint;
		char word[40][16];
		int nwords = 1 + rand() % 6;

		kfilter_spec_init(&spec);
		for (int i = 0; i < nwords; i++) {
			/* short ones rarely: they switch the hint off */
			int l = round % 10 == 0 ? 1 + rand() % 12 : 4 + rand() % 9;

			for (int j = 0; j < l; j++)
				word[i][j] = alpha[rand() % (sizeof(alpha) - 1)];
			word[i][0] = '/';
			word[i][l] = 0;
			if (rand() % 2)
				kfilter_add_prefix(&spec, word[i], l, SG_PK_READ);
			else
				kfilter_add_suffix(&spec, word[i], l, SG_PK_READ);
		}
		kfilter_hint(&spec, &hint);
		for (int t = 0; t < 400; t++) {
			char path[64];
			int n = 0, w = rand() % nwords;

			path[n++] = '/';
			if (t % 3 == 0) { /* a word in the middle of random bytes */
				for (int j = rand() % 6; j > 0; j--)
					path[n++] = alpha[rand() % (sizeof(alpha) - 1)];
				n += sprintf(path + n, "%s", word[w]);
			} else if (t % 3 == 1) { /* starting with one */
				n = sprintf(path, "%s", word[w]);
			}
			for (int j = rand() % 8; j > 0; j--)
				path[n++] = alpha[rand() % (sizeof(alpha) - 1)];
			path[n] = 0;
			for (int cut = n; cut >= 1; cut--) {
				path[cut] = 0;
				if (spec_matches(&spec, path)) {
					if (!kfilter_hint_passes(&hint, path, cut))
						fail_msg("hint drops '%s', which the tries match", path);
				} else if (!(hint.flags & (SG_HINT_SHORT_PREFIX | SG_HINT_SHORT_SUFFIX))) {
					unmatched++;
					dropped += !kfilter_hint_passes(&hint, path, cut);
				}
			}
		}
		kfilter_spec_fini(&spec);
	}
	assert_true(unmatched > 10000);
	assert_true(dropped > unmatched / 2);
}

/* A prefix or suffix under 4 bytes turns the hint off; it drops nothing then. */
static void hint_short_words(void **state)
{
	struct kfilter_spec spec;
	struct sg_pathhint hint;

	kfilter_spec_init(&spec);
	kfilter_add_prefix(&spec, "/etc/shadow", 11, SG_PK_READ);
	kfilter_add_suffix(&spec, "/.bash_history", 14, SG_PK_READ);
	kfilter_hint(&spec, &hint);
	assert_false(kfilter_hint_passes(&hint, "/etc/hostname", 13));
	assert_true(kfilter_hint_passes(&hint, "/etc/shadow-", 12));
	assert_true(kfilter_hint_passes(&hint, "/home/u/.bash_history", 21));
	assert_false(kfilter_hint_passes(&hint, "/e", 2));
	kfilter_add_suffix(&spec, "~", 1, SG_PK_READ);
	kfilter_hint(&spec, &hint);
	assert_true(hint.flags & SG_HINT_SHORT_SUFFIX);
	assert_true(kfilter_hint_passes(&hint, "/etc/hostname", 13));
	kfilter_spec_fini(&spec);
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
		cmocka_unit_test(sigma_and_new_operators),
		cmocka_unit_test(filter_drops_the_uninteresting),
		cmocka_unit_test(modes),
		cmocka_unit_test(hint_never_drops_a_match),
		cmocka_unit_test(hint_short_words),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
