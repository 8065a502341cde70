// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Unit tests of the Sigma converter (sysguardd/policy_sigma*.c): every
 * modifier, the condition forms, the disjunctive normal form and its bounds,
 * every refusal with its reason, golden conversions, and the meaning of the
 * converted rules: each converted text is loaded as a policy and judged
 * against hand-built events.  Also the 'sigma' key of a policy, the engine's
 * 'all' and 're' operators and parent.argv.  No root needed.
 *
 * The cases that share a shape are rows of tables, one runner each:
 * verdicts (a detection, events as data, the rule each gets), refusals (a
 * detection and the reason), refused files, outputs (what a conversion
 * prints), golden conversions.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <cmocka.h>
#include "policy_int.h"
#include "proctable.h"

/* ---- helpers ------------------------------------------------------------ */

/* A Sigma rule around a detection: header, logsource category, level high. */
static char *sigma(const char *category, const char *detection)
{
	char *s;

	assert_true(asprintf(&s, "title: T\nid: 11111111-2222-3333-4444-555555555555\n"
				 "logsource:\n  product: linux\n  category: %s\n"
				 "detection:\n%slevel: high\n", category, detection) > 0);
	return s;
}

/* Convert; returns the policy text (which must load) and the messages. */
static char *convert(const char *text, char **msgs)
{
	struct policy_sigma_opts o;
	struct policy_diag d;
	struct policy *p = NULL;
	char *out = NULL, *m = NULL;
	size_t mlen = 0;
	FILE *f;

	policy_sigma_opts_default(&o);
	policy_diag_init(&d);
	assert_int_equal(policy_sigma_text("s.yml", text, strlen(text), &o, &out, &d, NULL), 0);
	f = open_memstream(&m, &mlen);
	policy_diag_print(&d, f);
	fclose(f);
	policy_diag_fini(&d);
	/* whatever the converter prints is a policy that loads, without warnings */
	policy_diag_init(&d);
	if (policy_load_string("out.yaml", out, strlen(out), &p, &d) < 0 || d.warnings) {
		policy_diag_print(&d, stderr);
		fail_msg("converted text does not load cleanly:\n%s", out);
	}
	policy_free(p);
	policy_diag_fini(&d);
	if (msgs)
		*msgs = m;
	else
		free(m);
	return out;
}

/* Convert a detection; it must convert without a message. */
static char *ok(const char *category, const char *detection)
{
	char *s = sigma(category, detection), *m, *out = convert(s, &m);

	if (*m)
		fail_msg("unexpected messages:\n%s", m);
	free(m);
	free(s);
	return out;
}

static void expect_in(const char *hay, const char *needle)
{
	if (!strstr(hay, needle))
		fail_msg("expected '%s' in:\n%s", needle, hay);
}

/* A detection that must be refused with reason. */
static void refused(const char *category, const char *detection, const char *reason)
{
	char *s = sigma(category, detection), *m, *out = convert(s, &m);

	expect_in(m, "warning: Sigma rule 'T' refused: ");
	expect_in(m, reason);
	expect_in(out, "rules: []");
	free(m);
	free(out);
	free(s);
}

static struct policy *load_text(const char *text)
{
	struct policy *p = NULL;
	struct policy_diag d;

	policy_diag_init(&d);
	if (policy_load_string("t.yaml", text, strlen(text), &p, &d) < 0) {
		policy_diag_print(&d, stderr);
		fail_msg("does not load:\n%s", text);
	}
	policy_diag_fini(&d);
	return p;
}

/* The parent of every event, for parent.exe and parent.argv. */
static struct proc_entry parent;

static const struct proc_entry *t_get(void *arg, uint32_t pid)
{
	return pid == parent.pid ? &parent : NULL;
}

static const struct proc_entry *t_parent(void *arg, const struct proc_entry *e)
{
	return NULL;
}

static const struct policy_lineage lineage = { .get = t_get, .parent = t_parent };

/* argv given with '|' between arguments */
static char argvbuf[4096];

static size_t mkargv(const char *args)
{
	size_t n = strlen(args);

	memcpy(argvbuf, args, n + 1);
	for (size_t i = 0; i < n; i++)
		if (argvbuf[i] == '|')
			argvbuf[i] = '\0';
	return n + 1;
}

static struct sg_event ev_exec(const char *exe, const char *args)
{
	struct sg_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.type = SG_EV_EXEC;
	ev.proc.pid = 100;
	ev.proc.ppid = 50;
	ev.proc.exe = exe;
	snprintf(ev.proc.comm, sizeof(ev.proc.comm), "%s", strrchr(exe, '/') + 1);
	ev.has_result = true;
	ev.exec.filename = exe;
	ev.exec.argv = argvbuf;
	ev.exec.argv_len = mkargv(args);
	return ev;
}

static struct sg_event ev_file(int type, const char *path, bool write)
{
	struct sg_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.type = type;
	ev.proc.pid = 100;
	ev.proc.ppid = 50;
	ev.proc.exe = "/usr/bin/wget";
	snprintf(ev.proc.comm, sizeof(ev.proc.comm), "wget");
	ev.has_result = true;
	ev.file.path = path;
	ev.file.path_resolved = true;
	ev.file.write = write;
	ev.file.flags = write ? O_WRONLY | O_CREAT : O_RDONLY;
	return ev;
}

static struct sg_event ev_connect(const char *exe, const char *addr, uint16_t port)
{
	struct sg_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.type = SG_EV_CONNECT;
	ev.proc.pid = 100;
	ev.proc.ppid = 50;
	ev.proc.exe = exe;
	ev.has_result = true;
	if (addr[0] == '/') { /* a unix socket's path */
		ev.net.family = AF_UNIX;
		ev.net.unix_path = addr;
		ev.net.protocol = 0;
		ev.net.sock_type = SOCK_STREAM;
		return ev;
	}
	ev.net.family = strchr(addr, ':') ? AF_INET6 : AF_INET;
	inet_pton(ev.net.family, addr, ev.net.addr);
	ev.net.port = port;
	ev.net.protocol = IPPROTO_TCP;
	ev.net.sock_type = SOCK_STREAM;
	return ev;
}

/* The rule that acts on ev under the converted detection ("-": none). */
static const char *judge(struct policy *p, struct sg_event ev)
{
	static char id[128];

	policy_eval_lineage(p, &ev, &lineage);
	snprintf(id, sizeof(id), "%s", ev.verdict.rule_id ? ev.verdict.rule_id : "-");
	return id;
}

#define ID "sigma:11111111-2222-3333-4444-555555555555"

/* Convert, load, and return the policy (defaults: allow). */
static struct policy *conv_policy(const char *category, const char *detection)
{
	char *out = ok(category, detection), *text;
	struct policy *p;

	/* the converted rules, under a policy that emits nothing else */
	assert_true(asprintf(&text, "defaults: {action: allow}\n%s", out) > 0);
	p = load_text(text);
	free(text);
	free(out);
	return p;
}

/* ---- verdicts of converted rules ------------------------------------------ */

/*
 * An event as data: ev_exec() (type 0), ev_connect() (with an addr) or
 * ev_file(), then changed as the other members say.
 */
struct sevspec {
	int type;
	const char *exe;         /* exec, connect */
	const char *args;        /* exec: '|' between arguments */
	const char *path, *new_path;
	bool write;
	const char *addr;
	uint16_t port;
	const char *cwd;         /* exec */
	uint32_t uid;
	int result;
	/* its parent (pid 50); without an exe, none */
	const char *parent_exe;
	const char *parent_argv; /* parent_argv_len bytes */
	size_t parent_argv_len;
};

#define SEXEC(exe_, args_, ...) { .exe = (exe_), .args = (args_), __VA_ARGS__ }
#define SFILE(type_, path_, ...) { .type = (type_), .path = (path_), __VA_ARGS__ }
#define SCONN(exe_, addr_, port_) { .type = SG_EV_CONNECT, .exe = (exe_), .addr = (addr_), \
				    .port = (port_) }

static struct sg_event mksev(const struct sevspec *s)
{
	struct sg_event ev;

	parent = (struct proc_entry){ 0 };
	if (s->parent_exe)
		parent = (struct proc_entry){ .pid = 50, .exe = s->parent_exe,
					      .argv = s->parent_argv,
					      .argv_len = s->parent_argv_len };
	if (!s->type) {
		ev = ev_exec(s->exe, s->args);
		ev.exec.cwd = s->cwd;
	} else if (s->addr) {
		ev = ev_connect(s->exe, s->addr, s->port);
	} else {
		ev = ev_file(s->type, s->path, s->write);
		ev.file.new_path = s->new_path;
	}
	ev.result = s->result;
	ev.proc.uid = s->uid;
	return ev;
}

/* An event and the rule that must act on it ("-": none). */
struct sjudge {
	struct sevspec ev;
	const char *want;
};

/* A detection converted and loaded under 'defaults: {action: allow}', or a policy. */
struct scase {
	const char *name;
	const char *category, *detection;
	const char *policy;
	struct sjudge j[8];      /* up to the first without .want */
};

static const char engine_policy[] =
	"version: 1\ndefaults: {action: allow}\nrules:\n"
	"  - id: r1\n    events: [exec]\n    action: alert\n"
	"    match:\n      proc.argv: {all: [{contains: a}, {re: '^x[0-9]+'}]}\n"
	"  - id: r2\n    events: [exec]\n    action: alert\n"
	"    match:\n      parent.argv: {all: [{arg: -p}, {contains: help}]}\n";

static const struct scase scases[] = {
{
	.name = "modifiers_plain",
	.category = "process_creation",
	.detection = "  sel:\n    Image: /usr/bin/curl\n"
		     "    CommandLine: 'curl -s x'\n  condition: sel\n",
	.j = {
		{ SEXEC("/usr/bin/curl", "curl|-s|x"), ID },
		{ SEXEC("/usr/bin/curl", "curl|-s|xy"), "-" },
		{ SEXEC("/bin/curl", "curl|-s|x"), "-" },
	},
},
{
	/* Sigma's strings ignore case; 'cased' and 're' do not; 're|i' does */
	.name = "case",
	.category = "process_creation",
	.detection = "  sel:\n    CommandLine|contains: exploit\n  cased:\n"
		     "    CommandLine|contains|cased: Mimikatz\n  re:\n"
		     "    CommandLine|re: 'Sekurlsa::[a-z]+'\n  rei:\n    CommandLine|re|i: 'KERBEROS::'\n"
		     "  condition: 1 of them\n",
	.j = {
		{ SEXEC("/usr/bin/git", "git|clone|https://x/Log4Shell-Exploit"), ID },
		{ SEXEC("/usr/bin/git", "git|clone|https://x/EXPLOIT"), ID },
		{ SEXEC("/usr/bin/x", "x|Mimikatz"), ID },
		{ SEXEC("/usr/bin/x", "x|mimikatz"), "-" },
		{ SEXEC("/usr/bin/x", "x|Sekurlsa::logonpasswords"), ID },
		{ SEXEC("/usr/bin/x", "x|sekurlsa::logonpasswords"), "-" },
		{ SEXEC("/usr/bin/x", "x|kerberos::list"), ID },
	},
},
{
	/* network_connection: IPv4 and IPv6, not a unix socket (bash asking nscd) */
	.name = "network_connection_inet",
	.category = "network_connection",
	.detection = "  sel:\n    Image|endswith: /bash\n  condition: sel\n",
	.j = {
		{ SCONN("/usr/bin/bash", "192.0.2.1", 443), ID },
		{ SCONN("/usr/bin/bash", "2001:db8::1", 443), ID },
		{ SCONN("/usr/bin/bash", "/run/nscd/socket", 0), "-" },
	},
},
{
	/* User: the uid's name, as this host's passwd database says */
	.name = "user",
	.category = "process_creation",
	.detection = "  sel:\n    User: ROOT\n  condition: sel\n",
	.j = {
		{ SEXEC("/usr/bin/x", "x", .uid = 0), ID },
		{ SEXEC("/usr/bin/x", "x", .uid = 65534), "-" },
		/* a uid without a name: no value, no match */
		{ SEXEC("/usr/bin/x", "x", .uid = 4000000000u), "-" },
	},
},
{
	/* file_event: a file written, or made by a rename (its new name) */
	.name = "file_event_rename",
	.category = "file_event",
	.detection = "  sel:\n    TargetFilename|startswith: /etc/cron.d/\n  condition: sel\n",
	.j = {
		{ SFILE(SG_EV_OPEN, "/etc/cron.d/job", .write = true), ID },
		{ SFILE(SG_EV_RENAME, "/tmp/job", .new_path = "/etc/cron.d/job"), ID },
		/* a file renamed away from there makes nothing there */
		{ SFILE(SG_EV_RENAME, "/etc/cron.d/job", .new_path = "/tmp/job"), "-" },
		{ SFILE(SG_EV_OPEN, "/etc/cron.d/job"), "-" },
	},
},
{
	.name = "current_directory",
	.category = "process_creation",
	.detection = "  sel:\n    CurrentDirectory|startswith: /var/opt/scx/\n"
		     "  condition: sel\n",
	.j = {
		{ SEXEC("/usr/bin/x", "x", .cwd = "/var/opt/scx/tmp"), ID },
		{ SEXEC("/usr/bin/x", "x", .cwd = "/root"), "-" },
		/* unknown: no value, no match */
		{ SEXEC("/usr/bin/x", "x"), "-" },
	},
},
{
	/* file_rename: TargetFilename is the new path only */
	.name = "file_rename",
	.category = "file_rename",
	.detection = "  sel:\n    TargetFilename|startswith: /etc/cron.d/\n  condition: sel\n",
	.j = {
		{ SFILE(SG_EV_RENAME, "/tmp/x", .new_path = "/etc/cron.d/x"), ID },
		/* moved out of the directory: not a target */
		{ SFILE(SG_EV_RENAME, "/etc/cron.d/x", .new_path = "/tmp/x"), "-" },
	},
},
{
	/* file_delete: the path */
	.name = "file_delete",
	.category = "file_delete",
	.detection = "  sel:\n    TargetFilename|endswith: /.bash_history\n  condition: sel\n",
	.j = {
		{ SFILE(SG_EV_UNLINK, "/root/.bash_history"), ID },
		/* a failed unlink deleted nothing */
		{ SFILE(SG_EV_UNLINK, "/root/.bash_history", .result = -2), "-" },
		{ SFILE(SG_EV_OPEN, "/root/.bash_history", .write = true), "-" },
	},
},
{
	.name = "file_event",
	.category = "file_event",
	.detection = "  sel:\n    TargetFilename: /etc/doas.conf\n  condition: sel\n",
	.j = {
		{ SFILE(SG_EV_OPEN, "/etc/doas.conf", .write = true), ID },
		{ SFILE(SG_EV_OPEN, "/etc/doas.conf"), "-" },
	},
},
{
	.name = "modifiers_contains_startswith_endswith",
	.category = "process_creation",
	.detection = "  sel:\n    Image|endswith: [/nc, /ncat]\n"
		     "    CommandLine|startswith: nc\n"
		     "    ParentImage|contains: ssh\n  condition: sel\n",
	.j = {
		{ SEXEC("/usr/bin/ncat", "nc|-e|/bin/sh", .parent_exe = "/usr/sbin/sshd"), ID },
		{ SEXEC("/usr/bin/ncatx", "nc|-e", .parent_exe = "/usr/sbin/sshd"), "-" },
		{ SEXEC("/usr/bin/nc", "xnc|-e", .parent_exe = "/usr/sbin/sshd"), "-" },
		{ SEXEC("/usr/bin/nc", "nc", .parent_exe = "/usr/sbin/cron"), "-" },
	},
},
{
	.name = "modifiers_all",
	.category = "process_creation",
	.detection = "  sel:\n    CommandLine|contains|all: [stop, kesl]\n  condition: sel\n",
	.j = {
		{ SEXEC("/usr/bin/systemctl", "systemctl|stop|kesl"), ID },
		{ SEXEC("/usr/bin/systemctl", "systemctl|stop|ssh"), "-" },
		{ SEXEC("/usr/bin/systemctl", "systemctl|kesl"), "-" },
	},
},
{
	.name = "modifiers_wildcards_and_escapes",
	.category = "process_creation",
	.detection = "  sel:\n    CommandLine|endswith: ['-?x', '[y']\n  condition: sel\n",
	.j = {
		{ SEXEC("/usr/bin/t", "t|-ax"), ID },
		{ SEXEC("/usr/bin/t", "t|-x"), "-" },
		/* '[' is literal in Sigma, not a bracket expression */
		{ SEXEC("/usr/bin/t", "t|[y"), ID },
		{ SEXEC("/usr/bin/t", "t|y"), "-" },
	},
},
{
	/* a value starting with '$' is not a list reference */
	.name = "modifiers_dollar",
	.category = "process_creation",
	.detection = "  sel:\n    CommandLine|contains: '$HOME'\n  condition: sel\n",
	.j = {
		{ SEXEC("/usr/bin/t", "t|$HOME/x"), ID },
	},
},
{
	.name = "modifiers_re",
	.category = "process_creation",
	.detection = "  sel:\n    CommandLine|re: '\\s-[FTd]\\s'\n  condition: sel\n",
	.j = {
		{ SEXEC("/usr/bin/curl", "curl|-F|x=@y|h"), ID },
		{ SEXEC("/usr/bin/curl", "curl|-f|h"), "-" },
	},
},
{
	.name = "modifiers_re_all",
	.category = "process_creation",
	.detection = "  sel:\n    CommandLine|re|all: ['^x', '\\d$']\n  condition: sel\n",
	.j = {
		{ SEXEC("/usr/bin/x", "x|1"), ID },
		{ SEXEC("/usr/bin/x", "x|a"), "-" },
		{ SEXEC("/usr/bin/x", "y|1"), "-" },
	},
},
{
	.name = "modifiers_cidr_and_ports",
	.category = "network_connection",
	.detection = "  sel:\n    Initiated: 'true'\n"
		     "    DestinationIp|cidr: ['10.0.0.0/8', '2001:db8::/32']\n"
		     "    DestinationPort: [4444, 8080]\n    Protocol: tcp\n"
		     "  condition: sel\n",
	.j = {
		{ SCONN("/usr/bin/x", "10.1.2.3", 4444), ID },
		{ SCONN("/usr/bin/x", "2001:db8::1", 8080), ID },
		{ SCONN("/usr/bin/x", "11.1.2.3", 4444), "-" },
		{ SCONN("/usr/bin/x", "10.1.2.3", 22), "-" },
	},
},
{
	.name = "modifiers_windash",
	.category = "process_creation",
	.detection = "  sel:\n    CommandLine|windash|contains: ' -exec '\n  condition: sel\n",
	.j = {
		{ SEXEC("/usr/bin/t", "t|-exec|x"), ID },
		{ SEXEC("/usr/bin/t", "t|/exec|x"), ID },
		{ SEXEC("/usr/bin/t", "t|\xe2\x80\x93" "exec|x"), ID },
		{ SEXEC("/usr/bin/t", "t|+exec|x"), "-" },
	},
},
{
	/* windash|contains|all: each value in any spelling, every value */
	.name = "modifiers_windash_all",
	.category = "process_creation",
	.detection = "  sel:\n    CommandLine|windash|contains|all: [' -f ', ' -enc ']\n"
		     "  condition: sel\n",
	.j = {
		{ SEXEC("/usr/bin/t", "t|-f|x|-enc|y"), ID },
		{ SEXEC("/usr/bin/t", "t|/f|x|\xe2\x80\x94" "enc|y"), ID },
		{ SEXEC("/usr/bin/t", "t|-f|x|y"), "-" },
		{ SEXEC("/usr/bin/t", "t|-enc|y"), "-" },
	},
},
{
	/* where pySigma's \B[-/]\b finds a dash: after '=', the second of '--' */
	.name = "modifiers_windash_positions",
	.category = "process_creation",
	.detection = "  sel:\n    CommandLine|windash|contains: ['x=-a', '--all']\n"
		     "  condition: sel\n",
	.j = {
		{ SEXEC("/usr/bin/t", "t|x=/a"), ID },
		{ SEXEC("/usr/bin/t", "t|-/all"), ID },
		/* the first dash of '--' is followed by no word character: as written */
		{ SEXEC("/usr/bin/t", "t|//all"), "-" },
	},
},
{
	/* (a and not l) or b: two rules, as the negations differ */
	.name = "conditions_and_or_not",
	.category = "process_creation",
	.detection = "  a:\n    Image|endswith: /nc\n"
		     "  b:\n    Image|endswith: /nmap\n"
		     "  l:\n    CommandLine|contains: ' -l '\n"
		     "  condition: (a and not l) or b\n",
	.j = {
		{ SEXEC("/usr/bin/nc", "nc|-z|h"), ID "#1" },
		{ SEXEC("/usr/bin/nc", "nc|-l|h"), "-" },
		{ SEXEC("/usr/bin/nmap", "nmap|-l|h"), ID "#2" },
	},
},
{
	/* not over a list of maps: every alternative is an exception */
	.name = "conditions_not_list",
	.category = "process_creation",
	.detection = "  sel:\n    Image|endswith: /rm\n"
		     "  f:\n    - CommandLine|contains: /tmp/\n    - ParentImage|endswith: /dpkg\n"
		     "  condition: sel and not f\n",
	.j = {
		{ SEXEC("/usr/bin/rm", "rm|/var/x", .parent_exe = "/usr/bin/dpkg"), "-" },
		{ SEXEC("/usr/bin/rm", "rm|/var/x", .parent_exe = "/usr/bin/bash"), ID },
		{ SEXEC("/usr/bin/rm", "rm|/tmp/x", .parent_exe = "/usr/bin/bash"), "-" },
	},
},
{
	/* not (a or b) = not a and not b; not (a and b) = not a or not b */
	.name = "conditions_not_and",
	.category = "process_creation",
	.detection = "  sel:\n    Image|endswith: /x\n  a:\n    CommandLine|contains: A\n"
		     "  b:\n    CommandLine|contains: B\n  condition: sel and not (a and b)\n",
	.j = {
		{ SEXEC("/usr/bin/x", "x|A"), ID "#2" }, /* sel and not b */
		{ SEXEC("/usr/bin/x", "x|B"), ID "#1" }, /* sel and not a */
		{ SEXEC("/usr/bin/x", "x|AB"), "-" },
	},
},
{
	/* the engine's own operators: 'all', 're', parent.argv */
	.name = "engine_all_re_parent_argv",
	.policy = engine_policy,
	.j = {
		{ SEXEC("/usr/bin/x", "x12|a"), "r1" },
		{ SEXEC("/usr/bin/x", "x|a"), "-" },
		{ SEXEC("/usr/bin/x", "yx12|a"), "-" },
		{ SEXEC("/usr/bin/y", "y", .parent_exe = "/usr/bin/git"), "-" },
		{ SEXEC("/usr/bin/y", "y", .parent_exe = "/usr/bin/git",
			.parent_argv = "git\0-p\0help", .parent_argv_len = 12), "r2" },
		{ SEXEC("/usr/bin/y", "y", .parent_exe = "/usr/bin/git",
			.parent_argv = "git\0-px\0help", .parent_argv_len = 13), "-" },
	},
},
};

/* One case of scases: convert or load, then each event in turn. */
static void verdicts(void **state)
{
	const struct scase *sc = *state;
	struct policy *p = sc->policy ? load_text(sc->policy) :
					conv_policy(sc->category, sc->detection);

	for (size_t i = 0; i < sizeof(sc->j) / sizeof(sc->j[0]) && sc->j[i].want; i++) {
		const char *got = judge(p, mksev(&sc->j[i].ev));

		if (strcmp(got, sc->j[i].want) != 0)
			fail_msg("%s, event %zu: rule '%s', expected '%s'", sc->name, i, got,
				 sc->j[i].want);
	}
	parent = (struct proc_entry){ 0 };
	policy_free(p);
}

/* ---- detections refused, and why ------------------------------------------ */

/* (x0 or x1) and (x2 or x3) and ... : 2^7 = 128 conjunctions > 64 */
static const char *det_conjunctions(void)
{
	static char buf[4096];
	size_t o = 0;

	for (int i = 0; i < 14; i++)
		o += (size_t)snprintf(buf + o, sizeof(buf) - o, "  x%d:\n    Image: /x%d\n", i, i);
	o += (size_t)snprintf(buf + o, sizeof(buf) - o, "  condition: ");
	for (int i = 0; i < 14; i += 2)
		o += (size_t)snprintf(buf + o, sizeof(buf) - o, "%s(x%d or x%d)",
				      i ? " and " : "", i, i + 1);
	snprintf(buf + o, sizeof(buf) - o, "\n");
	return buf;
}

/* an identifier that is a list multiplies: 17 * 17 sets > 256 */
static const char *det_sets(void)
{
	static char buf[8192];
	size_t o = 0;

	for (int k = 0; k < 2; k++) {
		o += (size_t)snprintf(buf + o, sizeof(buf) - o, "  l%d:\n", k);
		for (int i = 0; i < 17; i++)
			o += (size_t)snprintf(buf + o, sizeof(buf) - o, "    - Image: /l%d-%d\n",
					      k, i);
	}
	snprintf(buf + o, sizeof(buf) - o, "  condition: l0 and l1\n");
	return buf;
}

/* more rules than the limit: (a and not n_i) or ... with different negations */
static const char *det_rules(void)
{
	static char buf[8192];
	size_t o = 0;

	o += (size_t)snprintf(buf + o, sizeof(buf) - o, "  a:\n    Image: /a\n");
	for (int i = 0; i < 17; i++)
		o += (size_t)snprintf(buf + o, sizeof(buf) - o, "  n%d:\n    CommandLine: n%d\n",
				      i, i);
	o += (size_t)snprintf(buf + o, sizeof(buf) - o, "  condition: ");
	for (int i = 0; i < 17; i++)
		o += (size_t)snprintf(buf + o, sizeof(buf) - o, "%s(a and not n%d)",
				      i ? " or " : "", i);
	snprintf(buf + o, sizeof(buf) - o, "\n");
	return buf;
}

/* A detection that must be refused, and (part of) the reason given. */
struct rcase {
	const char *category;
	const char *detection;
	const char *reason;
};

static const struct rcase rcases[] = {
	/* re */
	{ "process_creation",
	  "  sel:\n    CommandLine|re: 'a(?=b)'\n  condition: sel\n",
	  "'(?' groups other than '(?:'" },
	{ "process_creation",
	  "  sel:\n    CommandLine|re: 'a+?'\n  condition: sel\n",
	  "lazy or possessive quantifiers" },
	{ "process_creation",
	  "  sel:\n    CommandLine|re: '\\bx'\n  condition: sel\n",
	  "an escape with no POSIX equivalent" },
	{ "process_creation",
	  "  sel:\n    CommandLine|re|m: 'x'\n  condition: sel\n",
	  "modifier 're|m' is not supported" },
	{ "process_creation",
	  "  sel:\n    CommandLine|re: '(x'\n  condition: sel\n",
	  "not a valid POSIX extended regular expression" },
	/* addresses and ports */
	{ "network_connection",
	  "  sel:\n    DestinationIp: '10.0.0.0/8'\n  condition: sel\n",
	  "use the 'cidr' modifier" },
	{ "network_connection",
	  "  sel:\n    DestinationIp|cidr: '10.0.0.1/8'\n"
	  "  condition: sel\n",
	  "is not an address block" },
	{ "network_connection",
	  "  sel:\n    DestinationPort: '44*'\n  condition: sel\n",
	  "is not a port number" },
	{ "network_connection",
	  "  sel:\n    DestinationIp|startswith: '10.'\n"
	  "  condition: sel\n",
	  "other than 'cidr' are not supported" },
	{ "process_creation",
	  "  sel:\n    Image|cidr: '10.0.0.0/8'\n  condition: sel\n",
	  "'cidr' applies to addresses only" },
	/* windash */
	{ "process_creation",
	  "  sel:\n    CommandLine|windash: '-a -b -c -d -e'\n"
	  "  condition: sel\n",
	  "more than 4 dashes" },
	/* other modifiers */
	{ "process_creation",
	  "  sel:\n    CommandLine|base64offset|contains: x\n"
	  "  condition: sel\n",
	  "modifier 'base64offset' is not supported" },
	{ "process_creation",
	  "  sel:\n    CommandLine|contains|startswith: x\n"
	  "  condition: sel\n",
	  "two of contains, startswith, endswith" },
	{ "process_creation",
	  "  sel:\n    CommandLine: null\n  condition: sel\n",
	  "null values (field absent) are not supported" },
	/* a contradiction leaves nothing */
	{ "process_creation",
	  "  a:\n    Image: /a\n  condition: a and not a\n",
	  "the condition can never hold" },
	/* conditions */
	{ "process_creation",
	  "  sel:\n    Image: /a\n  condition: sel | count() > 5\n",
	  "aggregations" },
	{ "process_creation",
	  "  sel:\n    Image: /a\n  condition: sel near sel\n",
	  "aggregations ('|', 'near') are not supported" },
	{ "process_creation",
	  "  sel:\n    Image: /a\n  condition: sel and other\n",
	  "unknown search identifier 'other'" },
	{ "process_creation",
	  "  sel:\n    Image: /a\n  condition: 1 of nope*\n",
	  "no search identifier matches 'nope*'" },
	{ "process_creation",
	  "  sel:\n    Image: /a\n  condition: (sel\n",
	  "expected ')'" },
	{ "process_creation",
	  "  sel:\n    Image: /a\n  condition: sel*\n",
	  "needs '1 of' or 'all of'" },
	{ "process_creation",
	  "  sel:\n    Image: /a\n  condition: sel and\n",
	  "the condition ends too early" },
	{ "process_creation",
	  "  sel:\n    Image: /a\n  timeframe: 5m\n  condition: sel\n",
	  "'timeframe' is not supported" },
	{ "process_creation",
	  "  keywords:\n    - evil\n  condition: keywords\n",
	  "keyword search (no field)" },
	/* fields and log sources */
	{ "process_creation",
	  "  sel:\n    OriginalFileName: x\n  condition: sel\n",
	  "unknown field 'OriginalFileName'" },
	{ "process_creation",
	  "  sel:\n    TargetFilename: x\n  condition: sel\n",
	  "field 'TargetFilename' is not known for category 'process_creation'" },
	{ "file_event",
	  "  sel:\n    CurrentDirectory: /tmp\n  condition: sel\n",
	  "field 'CurrentDirectory' is not known for category 'file_event'" },
	{ "network_connection",
	  "  sel:\n    DestinationHostname: x.org\n  condition: sel\n",
	  "host names are not seen (no DNS)" },
	{ "network_connection",
	  "  sel:\n    Initiated: 'false'\n  condition: sel\n",
	  "only outgoing connections are seen" },
	{ "file_rename",
	  "  sel:\n    SourceFilename: /a\n  condition: sel\n",
	  "field 'SourceFilename'" },
	{ "registry_set",
	  "  sel:\n    Image: /a\n  condition: sel\n",
	  "logsource category 'registry_set' is not supported" },
};


/* The same, for detections too long to write out. */
static const struct {
	const char *(*gen)(void);
	const char *reason;
} gcases[] = {
	{ det_conjunctions, "the condition expands to more than 64 conjunctions" },
	{ det_sets, "more than 256 condition sets" },
	{ det_rules, "gives more than 16 rules" },
};

static void refusals(void **state)
{
	for (size_t i = 0; i < sizeof(rcases) / sizeof(rcases[0]); i++)
		refused(rcases[i].category, rcases[i].detection, rcases[i].reason);
	for (size_t i = 0; i < sizeof(gcases) / sizeof(gcases[0]); i++)
		refused("process_creation", gcases[i].gen(), gcases[i].reason);
}

/* ---- whole Sigma files refused, and where ---------------------------------- */

/* A base rule for correlations: file_event on the shadow files, name shadow_read. */
#define BASE_RULE                                                                                  \
	"title: Shadow read\nid: 0f0f0f0f-0000-4000-8000-000000000001\nname: shadow_read\n"        \
	"logsource: {product: linux, category: file_event}\n"                                    \
	"detection:\n  sel:\n    TargetFilename: /etc/shadow\n  condition: sel\nlevel: low\n"

/* A Sigma file, and a message its conversion must give. */
static const char *const file_refusals[][2] = {
	/* a refused rule says where: file:line:col of the offending key */
	{ "title: T\nlogsource: {product: linux, category: process_creation}\n"
	  "detection:\n  sel:\n    Hashes: x\n  condition: sel\n",
	  "s.yml:5:5: warning: Sigma rule 'T' refused: unknown field 'Hashes'" },
	{ "title: T\nlogsource: {product: windows, category: process_creation}\n"
	  "detection:\n  sel:\n    Image: x\n  condition: sel\n",
	  "logsource product 'windows' (only linux)" },
	{ "title: T\nlogsource: {product: linux, service: auditd}\n"
	  "detection:\n  sel:\n    type: EXECVE\n  condition: sel\n",
	  "logsource service 'auditd' is not supported" },
	/* correlations: what they name must be loaded with them, and expressible */
	{ "title: T\ncorrelation: {type: event_count}\n", "Sigma rule 'T' refused: no 'rules'" },
	{ "title: T\ncorrelation: {type: event_count, rules: [nowhere], timespan: 1m,"
	  " condition: {gte: 3}}\n",
	  "rule 'nowhere' is not among the rules loaded with it (or was refused)" },
	{ BASE_RULE "---\ntitle: T\ncorrelation: {type: event_count, rules: [shadow_read],"
	  " timespan: 1m, condition: {lt: 3}}\n",
	  "condition 'lt': only 'gte' and 'gt'" },
	{ BASE_RULE "---\ntitle: T\ncorrelation: {type: event_count, rules: [shadow_read],"
	  " timespan: 2d, condition: {gte: 3}}\n",
	  "timespan '2d' is longer than a day" },
	{ BASE_RULE "---\ntitle: T\ncorrelation: {type: value_count, rules: [shadow_read],"
	  " timespan: 1m, condition: {gte: 3, field: LogonId}}\n",
	  "field 'LogonId': there are no logon sessions" },
	{ BASE_RULE "---\ntitle: T\ncorrelation: {type: temporal, rules: [shadow_read],"
	  " timespan: 1m}\n", "a temporal correlation of 1 rules (2 to 8)" },
	{ BASE_RULE "---\ntitle: T\ncorrelation: {type: event_count, rules: [shadow_read,"
	  " shadow_read], timespan: 1m, condition: {gte: 3}}\n",
	  "a count over 2 rules (one rule per count)" },
	{ BASE_RULE "---\ntitle: T\ncorrelation: {type: event_count, rules: [shadow_read],"
	  " timespan: 1m, group-by: [Hashes], condition: {gte: 3}}\n",
	  "group-by field 'Hashes': not a field this build knows" },
	/* YAML that does not parse refuses the file, as a warning */
	{ "title: [unclosed\n", "warning: Sigma file refused:" },
};

static void refusals_of_files(void **state)
{
	for (size_t i = 0; i < sizeof(file_refusals) / sizeof(file_refusals[0]); i++) {
		char *m, *out = convert(file_refusals[i][0], &m);

		if (!strstr(m, file_refusals[i][1]))
			fail_msg("file refusal %zu: expected '%s' in:\n%s", i, file_refusals[i][1],
				 m);
		free(m);
		free(out);
	}
}

/* ---- correlations ------------------------------------------------------------ */

static void correlations(void **state)
{
	static const char count[] = BASE_RULE
		"---\ntitle: Shadow written often\nid: 0f0f0f0f-0000-4000-8000-000000000002\n"
		"correlation:\n  type: event_count\n  rules: [shadow_read]\n"
		"  group-by: [User, Computer]\n  timespan: 10m\n  condition: {gt: 2}\n"
		"level: high\n";
	static const char temporal[] =
		"title: Written\nname: written\nlogsource: {product: linux, category: file_event}\n"
		"detection:\n  sel:\n    TargetFilename|startswith: /tmp/\n  condition: sel\n"
		"level: low\n---\n"
		"title: Run\nname: run\nlogsource: {product: linux, category: process_creation}\n"
		"detection:\n  sel:\n    Image|startswith: /tmp/\n  condition: sel\nlevel: low\n"
		"---\ntitle: Written then run\nid: 0f0f0f0f-0000-4000-8000-000000000003\n"
		"correlation:\n  type: temporal_ordered\n  rules: [written, run]\n"
		"  group-by: [file]\n  aliases:\n    file: {written: TargetFilename, run: Image}\n"
		"  timespan: 1m\n  generate: true\nlevel: critical\n";
	char *m, *out = convert(count, &m);
	struct policy *p;
	struct sg_event ev;

	if (*m)
		fail_msg("unexpected messages:\n%s", m);
	free(m);
	/* the base rule is not generated on its own: only the count is a rule */
	expect_in(out, "id: \"sigma:0f0f0f0f-0000-4000-8000-000000000002\"\n");
	if (strstr(out, "sigma:0f0f0f0f-0000-4000-8000-000000000001"))
		fail_msg("the base rule is there on its own:\n%s", out);
	expect_in(out, "correlate:");
	expect_in(out, "count: \"3\"");
	expect_in(out, "by: [proc.user]");
	expect_in(out, "window: 600s");
	p = load_text(out);
	free(out);
	for (int i = 0; i < 3; i++) {
		ev = ev_file(SG_EV_OPEN, "/etc/shadow", true);
		ev.ts_ns = 1700000000000000000ull + (uint64_t)i * 1000000000ull;
		policy_eval_lineage(p, &ev, &lineage);
		assert_string_equal(ev.verdict.rule_id ? ev.verdict.rule_id : "-",
				    i < 2 ? "-" : "sigma:0f0f0f0f-0000-4000-8000-000000000002");
	}
	assert_int_equal(ev.verdict.action, SG_ACT_ALERT);
	assert_int_equal(ev.verdict.severity, SG_SEV_HIGH);
	assert_int_equal(ev.verdict.corr.count, 3);
	policy_free(p);

	out = convert(temporal, &m);
	if (*m)
		fail_msg("unexpected messages:\n%s", m);
	free(m);
	/* generate: true keeps the base rules */
	expect_in(out, "id: \"sigma:Written\"\n");
	expect_in(out, "ordered: true");
	expect_in(out, "by: [file.target]");
	expect_in(out, "by: [proc.exe]");
	p = load_text(out);
	free(out);
	ev = ev_file(SG_EV_OPEN, "/tmp/x", true);
	ev.ts_ns = 1700000000000000000ull;
	policy_eval_lineage(p, &ev, &lineage);
	assert_string_equal(ev.verdict.rule_id, "sigma:Written");
	ev = ev_exec("/tmp/y", "y");
	ev.ts_ns = 1700000001000000000ull;
	assert_string_equal(judge(p, ev), "sigma:Run");
	ev = ev_exec("/tmp/x", "x");
	ev.ts_ns = 1700000002000000000ull;
	assert_string_equal(judge(p, ev), "sigma:0f0f0f0f-0000-4000-8000-000000000003");
	policy_free(p);
}

/* ---- what conversions print -------------------------------------------------- */

/* A detection that converts without a message, and what its policy text has and has not. */
struct ocase {
	const char *category;
	const char *detection;
	const char *want[5];
	const char *absent;
};

static const struct ocase ocases[] = {
	/* modifiers_all */
	{ .category = "process_creation",
	  .detection = "  sel:\n    CommandLine|contains|all: [stop, kesl]\n  condition: sel\n",
	  .want = { "proc.argv: {all: [{contains: [stop], nocase: true}, "
		    "{contains: [kesl], nocase: true}]}" } },
	/* Sigma compares strings without regard to case, unless 'cased' */
	{ .category = "process_creation",
	  .detection = "  sel:\n    CommandLine|contains: Exploit\n"
		       "    Image|endswith|cased: /Git\n  condition: sel\n",
	  .want = { "proc.argv: {contains: [Exploit], nocase: true}",
		    "proc.exe: {suffix: [/Git]}" } },
	/* 're' is case-sensitive unless 're|i' or a leading (?i) */
	{ .category = "process_creation",
	  .detection = "  sel:\n    CommandLine|re|i: 'A\\d'\n    Image|re: '(?i)B'\n"
		       "    ParentImage|re: C\n  condition: sel\n",
	  .want = { "proc.argv: {re: [\"(?i)A[0-9]\"]}", "proc.exe: {re: [\"(?i)B\"]}",
		    "parent.exe: {re: [C]}" } },
	/*
	 * a wildcard makes every value of the list a glob (one operator: any of
	 * them); an escaped star is the character, no wildcard
	 */
	{ .category = "process_creation",
	  .detection = "  sel:\n    CommandLine|contains: ['a*b', 'plain']\n"
		       "    Image: '/usr/bin/x\\*y'\n  condition: sel\n",
	  .want = { "proc.argv: {glob: [\"*a*b*\", \"*plain*\"], nocase: true}",
		    "proc.exe: {in: [\"/usr/bin/x*y\"], nocase: true}" } },
	/* modifiers_re */
	{ .category = "process_creation",
	  .detection = "  sel:\n    CommandLine|re: '(?:\\s-[FTd]\\s)'\n  condition: sel\n",
	  .want = { "proc.argv: {re: [\"([[:space:]]-[FTd][[:space:]])\"]}" } },
	/* one rule: the positive alternatives are its match sets */
	{ .category = "process_creation",
	  .detection = "  selection_a:\n    Image|endswith: /a\n"
		       "  selection_b:\n    Image|endswith: /b\n"
		       "  filter_x:\n    CommandLine|contains: x\n"
		       "  condition: 1 of selection_* and not 1 of filter_*\n",
	  .want = { "  - id: \"" ID "\"", "      - proc.exe: {suffix: [/a], nocase: true}",
		    "      - proc.exe: {suffix: [/b], nocase: true}",
		    "    except:\n      - proc.argv: {contains: [x], nocase: true}" } },
	/* all of: the same field twice becomes 'all' */
	{ .category = "process_creation",
	  .detection = "  s1:\n    CommandLine|contains: a\n"
		       "  s2:\n    CommandLine|contains: b\n  condition: all of s*\n",
	  .want = { "proc.argv: {all: [{contains: [a], nocase: true}, "
		    "{contains: [b], nocase: true}]}" } },
	/* them: every identifier but those starting with '_' */
	{ .category = "process_creation",
	  .detection = "  s1:\n    Image: /a\n  _x:\n    Image: /zzz\n  condition: 1 of them\n",
	  .absent = "zzz" },
	/* so does '1 of *'; a pattern starting with '_' names them */
	{ .category = "process_creation",
	  .detection = "  s1:\n    Image: /a\n  _x:\n    Image: /zzz\n  condition: 1 of *\n",
	  .absent = "zzz" },
	{ .category = "process_creation",
	  .detection = "  s1:\n    Image: /a\n  _x:\n    Image: /zzz\n  condition: s1 and 1 of _*\n",
	  .want = { "{in: [/zzz], nocase: true}" } },
	{ .category = "process_creation",
	  .detection = "  s1:\n    Image|endswith: /a\n  s2:\n    CommandLine: b\n"
		       "  condition: all of them\n",
	  .want = { "- proc.exe: {suffix: [/a], nocase: true}\n"
		    "        proc.argv: {in: [b], nocase: true}" } },
	/* a list of conditions: any of them */
	{ .category = "process_creation",
	  .detection = "  s1:\n    Image: /a\n  s2:\n    Image: /b\n"
		       "  condition:\n    - s1\n    - s2\n",
	  .want = { "proc.exe: {in: [/b], nocase: true}" } },
	/* (a1 or a2) and (a1 or a2) and (a1 or a2): within the bounds */
	{ .category = "process_creation",
	  .detection = "  a1:\n    Image: /1\n  a2:\n    Image: /2\n"
		       "  condition: (a1 or a2) and (a1 or a2) and (a1 or a2)\n" },
};

static void outputs(void **state)
{
	for (size_t i = 0; i < sizeof(ocases) / sizeof(ocases[0]); i++) {
		const struct ocase *oc = &ocases[i];
		char *out = ok(oc->category, oc->detection);

		for (size_t k = 0; k < sizeof(oc->want) / sizeof(oc->want[0]) && oc->want[k]; k++)
			if (!strstr(out, oc->want[k]))
				fail_msg("output %zu: expected '%s' in:\n%s", i, oc->want[k], out);
		if (oc->absent && strstr(out, oc->absent))
			fail_msg("output %zu: '%s' in:\n%s", i, oc->absent, out);
		free(out);
	}
}

/* ---- golden conversions -------------------------------------------------- */

static void golden(void **state)
{
	static const char in[] =
		"title: Golden\nid: 0a0b0c0d-0000-4000-8000-000000000001\n"
		"tags: [attack.t1059]\n"
		"logsource:\n  product: linux\n  category: process_creation\n"
		"detection:\n"
		"  sel_img:\n    Image|endswith: [/curl, /wget]\n"
		"  sel_cli:\n    CommandLine|contains|all: [http, '|sh']\n"
		"  filter_local:\n    CommandLine|contains: '://127.0.0.1'\n"
		"  condition: all of sel_* and not filter_local\n"
		"level: critical\n";
	static const char want[] =
		"version: 1\n"
		"rules:\n"
		"  # s.yml:1\n"
		"  - id: \"sigma:0a0b0c0d-0000-4000-8000-000000000001\"\n"
		"    description: Golden\n"
		"    events: [exec]\n"
		"    match:\n"
		"      - proc.exe: {suffix: [/curl, /wget], nocase: true}\n"
		"        proc.argv: {all: [{contains: [http], nocase: true}, "
		"{contains: [\"|sh\"], nocase: true}]}\n"
		"        result: {in: [success]}\n"
		"    except:\n"
		"      - proc.argv: {contains: [\"://127.0.0.1\"], nocase: true}\n"
		"    action: alert\n"
		"    severity: critical\n"
		"    tags: [sigma, attack.t1059]\n";
	static const char in_file[] =
		"title: File golden\nid: 0a0b0c0d-0000-4000-8000-000000000002\n"
		"logsource: {product: linux, category: file_event}\n"
		"detection:\n  sel:\n    TargetFilename|startswith: /etc/cron.d/\n"
		"  condition: sel\nlevel: informational\n";
	static const char want_file[] =
		"version: 1\nrules:\n  # s.yml:1\n"
		"  - id: \"sigma:0a0b0c0d-0000-4000-8000-000000000002\"\n"
		"    description: \"File golden\"\n"
		"    events: [write, rename]\n"
		"    match:\n"
		"      - file.target: {prefix: [/etc/cron.d/], nocase: true}\n"
		"        result: {in: [success]}\n"
		"    action: log\n    severity: info\n    tags: [sigma]\n";
	static const char in_net[] =
		"title: Net golden\n"
		"logsource: {product: linux, category: network_connection}\n"
		"detection:\n  sel:\n    Initiated: 'true'\n    DestinationPort: 4444\n"
		"  condition: sel\n";
	static const char want_net[] =
		"version: 1\nrules:\n  # s.yml:1\n"
		"  - id: \"sigma:Net_golden\"\n"
		"    description: \"Net golden\"\n"
		"    events: [connect]\n"
		"    match:\n"
		"      - net.port: {in: [\"4444\"]}\n"
		"        net.family: {in: [inet, inet6]}\n"
		"    action: alert\n    severity: medium\n    tags: [sigma]\n";
	static const char *const cases[][2] = {
		{ in, want }, { in_file, want_file }, { in_net, want_net },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *out = convert(cases[i][0], NULL);

		assert_string_equal(out, cases[i][1]);
		free(out);
	}
}
/* ---- the policy's 'sigma' key ------------------------------------------ */

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void policy_key(void **state)
{
	char dir[] = "/tmp/sgsigma-XXXXXX", path[256], pol[256];
	struct policy_diag d;
	struct policy *p = NULL;
	struct policy_rule_info info;
	char *msgs = NULL;
	size_t mlen = 0;
	FILE *f;

	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/rules", dir);
	assert_int_equal(mkdir(path, 0700), 0);
	snprintf(path, sizeof(path), "%s/rules/a.yml", dir);
	write_file(path, "title: A\nid: aaaa\nlogsource: {product: linux, category: file_delete}\n"
			 "detection:\n  sel:\n    TargetFilename|endswith: /.bash_history\n"
			 "  condition: sel\nlevel: low\n");
	snprintf(path, sizeof(path), "%s/rules/b.yml", dir);
	write_file(path, "title: B\nlogsource: {product: linux, category: process_creation}\n"
			 "detection:\n  sel:\n    Hashes: x\n  condition: sel\n");
	snprintf(path, sizeof(path), "%s/rules/c.txt", dir);
	write_file(path, "not a rule");
	snprintf(pol, sizeof(pol), "%s/p.yaml", dir);
	write_file(pol, "version: 1\nrules:\n  - {id: own, events: [exec], action: log}\n"
			"sigma:\n  paths: [rules]\n  actions: {low: block}\n");
	policy_diag_init(&d);
	if (policy_load(pol, &p, &d) != 0) {
		policy_diag_print(&d, stderr);
		fail();
	}
	f = open_memstream(&msgs, &mlen);
	policy_diag_print(&d, f);
	fclose(f);
	/* the bad rule is a warning with its position; the good one loads after 'own' */
	expect_in(msgs, "rules/b.yml:5:5: warning: Sigma rule 'B' refused: unknown field 'Hashes'");
	assert_int_equal(d.errors, 0);
	assert_int_equal(policy_rule_count(p), 2);
	assert_int_equal(policy_rule_info(p, 1, &info), 0);
	assert_string_equal(info.id, "sigma:aaaa");
	assert_int_equal(info.action, SG_ACT_BLOCK);
	assert_int_equal(info.severity, SG_SEV_LOW);
	expect_in(info.file, "rules/a.yml");
	{
		struct sg_event ev = ev_file(SG_EV_UNLINK, "/root/.bash_history", false);

		assert_string_equal(judge(p, ev), "sigma:aaaa");
	}
	policy_free(p);
	policy_diag_fini(&d);
	free(msgs);

	/* errors in the key itself are errors */
	write_file(pol, "version: 1\nsigma:\n  paths: [nowhere]\n  actions: {loud: alert, "
			"high: allow}\n  extra: 1\n");
	policy_diag_init(&d);
	assert_int_equal(policy_load(pol, &p, &d), -EINVAL);
	assert_true(d.errors >= 3);
	policy_diag_fini(&d);
	write_file(pol, "version: 1\nsigma: {paths: [nowhere]}\n");
	policy_diag_init(&d);
	assert_int_equal(policy_load(pol, &p, &d), -EINVAL);
	assert_int_equal(d.errors, 1);
	expect_in(d.msgs[0].text, "cannot read");
	policy_diag_fini(&d);
	/* a level switched off loads nothing of that level */
	write_file(pol, "version: 1\nsigma: {paths: [rules/a.yml], actions: {low: off}}\n");
	policy_diag_init(&d);
	assert_int_equal(policy_load(pol, &p, &d), 0);
	assert_int_equal(policy_rule_count(p), 0);
	policy_free(p);
	policy_diag_fini(&d);
	/* a policy given as text may not make the loader read files */
	{
		static const char text[] = "version: 1\nsigma: {paths: [/etc]}\n";

		policy_diag_init(&d);
		assert_int_equal(policy_load_string("t", text, strlen(text), &p, &d), -EINVAL);
		expect_in(d.msgs[0].text, "read only from policy files");
		policy_diag_fini(&d);
	}
	/* the same Sigma rule twice: the second is refused */
	snprintf(path, sizeof(path), "%s/rules/a2.yml", dir);
	write_file(path, "title: A again\nid: aaaa\n"
			 "logsource: {product: linux, category: file_delete}\n"
			 "detection:\n  sel:\n    TargetFilename: /x\n  condition: sel\n");
	write_file(pol, "version: 1\nsigma: {paths: [rules/a.yml, rules/a2.yml]}\n");
	policy_diag_init(&d);
	assert_int_equal(policy_load(pol, &p, &d), 0);
	assert_int_equal(policy_rule_count(p), 1);
	expect_in(d.msgs[0].text, "a rule with id 'sigma:aaaa' was loaded before");
	policy_free(p);
	policy_diag_fini(&d);

	{
		char cmd[300];

		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
		assert_int_equal(system(cmd), 0);
	}
}

static void engine_errors(void **state)
{
	static const char *const bad[][2] = {
		{ "proc.argv: {re: '(x'}", "bad regular expression '(x'" },
		{ "proc.argv: {re: '(a)\\1'}", "back-references are not allowed" },
		{ "proc.argv: {all: x}", "'all' takes a list of conditions" },
		{ "proc.uid: {re: x}", "unknown operator 're' for 'proc.uid'" },
		{ "proc.argv: {all: [{all: [{all: [{all: [{all: [x]}]}]}]}]}",
		  "'all' nested too deeply" },
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char *text;
		struct policy_diag d;
		struct policy *p = NULL;
		char *m = NULL;
		size_t ml = 0;
		FILE *f;

		assert_true(asprintf(&text, "version: 1\nrules:\n  - id: r\n    events: [exec]\n"
					    "    action: log\n    match: {%s}\n", bad[i][0]) > 0);
		policy_diag_init(&d);
		assert_int_equal(policy_load_string("t", text, strlen(text), &p, &d), -EINVAL);
		f = open_memstream(&m, &ml);
		policy_diag_print(&d, f);
		fclose(f);
		expect_in(m, bad[i][1]);
		free(m);
		policy_diag_fini(&d);
		free(text);
	}
}

/* The dump of the engine's own operators says the same and reads back. */
static void engine_dump(void **state)
{
	struct policy *p = load_text(engine_policy);
	char *dump = NULL;

	assert_int_equal(policy_dump_string(p, &dump), 0);
	expect_in(dump, "proc.argv: {all: [{contains: [a]}, {re: [\"^x[0-9]+\"]}]}");
	expect_in(dump, "parent.argv: {all: [{arg: [\"-p\"]}, {contains: [help]}]}");
	policy_free(p);
	p = load_text(dump);
	policy_free(p);
	free(dump);
}

int main(void)
{
	static const struct CMUnitTest others[] = {
		cmocka_unit_test(refusals),
		cmocka_unit_test(refusals_of_files),
		cmocka_unit_test(correlations),
		cmocka_unit_test(outputs),
		cmocka_unit_test(golden),
		cmocka_unit_test(policy_key),
		cmocka_unit_test(engine_dump),
		cmocka_unit_test(engine_errors),
	};
	enum { NS = sizeof(scases) / sizeof(scases[0]), NO = sizeof(others) / sizeof(others[0]) };
	struct CMUnitTest tests[NS + NO];

	/* one test per verdict case, named after it */
	for (size_t i = 0; i < NS; i++)
		tests[i] = (struct CMUnitTest){ .name = scases[i].name, .test_func = verdicts,
						.initial_state = (void *)&scases[i] };
	memcpy(tests + NS, others, sizeof(others));
	return _cmocka_run_group_tests("test_sigma", tests, NS + NO, NULL, NULL);
}
