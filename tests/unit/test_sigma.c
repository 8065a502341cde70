// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Unit tests of the Sigma converter (sysguardd/policy_sigma.c): every
 * modifier, the condition forms, the disjunctive normal form and its bounds,
 * every refusal with its reason, golden conversions, and the meaning of the
 * converted rules: each converted text is loaded as a policy and judged
 * against hand-built events.  Also the 'sigma' key of a policy, the engine's
 * 'all' and 're' operators and parent.argv.  No root needed.
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

/* ---- modifiers ---------------------------------------------------------- */

static void current_directory(void **state)
{
	struct policy *p = conv_policy("process_creation",
				       "  sel:\n    CurrentDirectory|startswith: /var/opt/scx/\n"
				       "  condition: sel\n");
	struct sg_event ev = ev_exec("/usr/bin/x", "x");

	ev.exec.cwd = "/var/opt/scx/tmp";
	assert_string_equal(judge(p, ev), ID);
	ev.exec.cwd = "/root";
	assert_string_equal(judge(p, ev), "-");
	ev.exec.cwd = NULL; /* unknown: no value, no match */
	assert_string_equal(judge(p, ev), "-");
	policy_free(p);
}

/* file_rename: TargetFilename is the new path only; file_delete: the path. */
static void file_categories(void **state)
{
	struct policy *p = conv_policy("file_rename",
				       "  sel:\n    TargetFilename|startswith: /etc/cron.d/\n"
				       "  condition: sel\n");
	struct sg_event ev = ev_file(SG_EV_RENAME, "/tmp/x", false);

	ev.file.new_path = "/etc/cron.d/x";
	assert_string_equal(judge(p, ev), ID);
	ev.file.path = "/etc/cron.d/x"; /* moved out of the directory: not a target */
	ev.file.new_path = "/tmp/x";
	assert_string_equal(judge(p, ev), "-");
	policy_free(p);
	p = conv_policy("file_delete", "  sel:\n    TargetFilename|endswith: /.bash_history\n"
				       "  condition: sel\n");
	assert_string_equal(judge(p, ev_file(SG_EV_UNLINK, "/root/.bash_history", false)), ID);
	ev = ev_file(SG_EV_UNLINK, "/root/.bash_history", false);
	ev.result = -2; /* a failed unlink deleted nothing */
	assert_string_equal(judge(p, ev), "-");
	assert_string_equal(judge(p, ev_file(SG_EV_OPEN, "/root/.bash_history", true)), "-");
	policy_free(p);
	p = conv_policy("file_event", "  sel:\n    TargetFilename: /etc/doas.conf\n"
				      "  condition: sel\n");
	assert_string_equal(judge(p, ev_file(SG_EV_OPEN, "/etc/doas.conf", true)), ID);
	assert_string_equal(judge(p, ev_file(SG_EV_OPEN, "/etc/doas.conf", false)), "-");
	policy_free(p);
}

static void modifiers_plain(void **state)
{
	struct policy *p = conv_policy("process_creation",
				       "  sel:\n    Image: /usr/bin/curl\n"
				       "    CommandLine: 'curl -s x'\n  condition: sel\n");

	assert_string_equal(judge(p, ev_exec("/usr/bin/curl", "curl|-s|x")), ID);
	assert_string_equal(judge(p, ev_exec("/usr/bin/curl", "curl|-s|xy")), "-");
	assert_string_equal(judge(p, ev_exec("/bin/curl", "curl|-s|x")), "-");
	policy_free(p);
}

static void modifiers_contains_startswith_endswith(void **state)
{
	struct policy *p = conv_policy("process_creation",
				       "  sel:\n    Image|endswith: [/nc, /ncat]\n"
				       "    CommandLine|startswith: nc\n"
				       "    ParentImage|contains: ssh\n  condition: sel\n");

	parent = (struct proc_entry){ .pid = 50, .exe = "/usr/sbin/sshd" };
	assert_string_equal(judge(p, ev_exec("/usr/bin/ncat", "nc|-e|/bin/sh")), ID);
	assert_string_equal(judge(p, ev_exec("/usr/bin/ncatx", "nc|-e")), "-");
	assert_string_equal(judge(p, ev_exec("/usr/bin/nc", "xnc|-e")), "-");
	parent.exe = "/usr/sbin/cron";
	assert_string_equal(judge(p, ev_exec("/usr/bin/nc", "nc")), "-");
	policy_free(p);
}

static void modifiers_all(void **state)
{
	char *out = ok("process_creation",
		       "  sel:\n    CommandLine|contains|all: [stop, kesl]\n  condition: sel\n");
	struct policy *p;

	expect_in(out, "proc.argv: {all: [{contains: [stop]}, {contains: [kesl]}]}");
	free(out);
	p = conv_policy("process_creation",
			"  sel:\n    CommandLine|contains|all: [stop, kesl]\n  condition: sel\n");
	assert_string_equal(judge(p, ev_exec("/usr/bin/systemctl", "systemctl|stop|kesl")), ID);
	assert_string_equal(judge(p, ev_exec("/usr/bin/systemctl", "systemctl|stop|ssh")), "-");
	assert_string_equal(judge(p, ev_exec("/usr/bin/systemctl", "systemctl|kesl")), "-");
	policy_free(p);
}

static void modifiers_wildcards_and_escapes(void **state)
{
	char *out = ok("process_creation",
		       "  sel:\n    CommandLine|contains: ['a*b', 'plain']\n"
		       "    Image: '/usr/bin/x\\*y'\n  condition: sel\n");
	struct policy *p;

	/* a wildcard makes every value of the list a glob (one operator: any of them) */
	expect_in(out, "proc.argv: {glob: [\"*a*b*\", \"*plain*\"]}");
	/* an escaped star is the character, no wildcard */
	expect_in(out, "proc.exe: {in: [\"/usr/bin/x*y\"]}");
	free(out);
	p = conv_policy("process_creation",
			"  sel:\n    CommandLine|endswith: ['-?x', '[y']\n  condition: sel\n");
	assert_string_equal(judge(p, ev_exec("/usr/bin/t", "t|-ax")), ID);
	assert_string_equal(judge(p, ev_exec("/usr/bin/t", "t|-x")), "-");
	/* '[' is literal in Sigma, not a bracket expression */
	assert_string_equal(judge(p, ev_exec("/usr/bin/t", "t|[y")), ID);
	assert_string_equal(judge(p, ev_exec("/usr/bin/t", "t|y")), "-");
	policy_free(p);
	/* a value starting with '$' is not a list reference */
	p = conv_policy("process_creation", "  sel:\n    CommandLine|contains: '$HOME'\n"
					    "  condition: sel\n");
	assert_string_equal(judge(p, ev_exec("/usr/bin/t", "t|$HOME/x")), ID);
	policy_free(p);
}

static void modifiers_re(void **state)
{
	char *out = ok("process_creation", "  sel:\n    CommandLine|re: '(?:\\s-[FTd]\\s)'\n"
					   "  condition: sel\n");
	struct policy *p;

	expect_in(out, "proc.argv: {re: [\"([[:space:]]-[FTd][[:space:]])\"]}");
	free(out);
	p = conv_policy("process_creation", "  sel:\n    CommandLine|re: '\\s-[FTd]\\s'\n"
					    "  condition: sel\n");
	assert_string_equal(judge(p, ev_exec("/usr/bin/curl", "curl|-F|x=@y|h")), ID);
	assert_string_equal(judge(p, ev_exec("/usr/bin/curl", "curl|-f|h")), "-");
	policy_free(p);
	p = conv_policy("process_creation", "  sel:\n    CommandLine|re|all: ['^x', '\\d$']\n"
					    "  condition: sel\n");
	assert_string_equal(judge(p, ev_exec("/usr/bin/x", "x|1")), ID);
	assert_string_equal(judge(p, ev_exec("/usr/bin/x", "x|a")), "-");
	assert_string_equal(judge(p, ev_exec("/usr/bin/x", "y|1")), "-");
	policy_free(p);
	refused("process_creation", "  sel:\n    CommandLine|re: 'a(?=b)'\n  condition: sel\n",
		"'(?' groups other than '(?:'");
	refused("process_creation", "  sel:\n    CommandLine|re: 'a+?'\n  condition: sel\n",
		"lazy or possessive quantifiers");
	refused("process_creation", "  sel:\n    CommandLine|re: '\\bx'\n  condition: sel\n",
		"an escape with no POSIX equivalent");
	refused("process_creation", "  sel:\n    CommandLine|re|i: 'x'\n  condition: sel\n",
		"modifier 're|i' is not supported");
	refused("process_creation", "  sel:\n    CommandLine|re: '(x'\n  condition: sel\n",
		"not a valid POSIX extended regular expression");
}

static void modifiers_cidr_and_ports(void **state)
{
	struct policy *p = conv_policy("network_connection",
				       "  sel:\n    Initiated: 'true'\n"
				       "    DestinationIp|cidr: ['10.0.0.0/8', '2001:db8::/32']\n"
				       "    DestinationPort: [4444, 8080]\n    Protocol: tcp\n"
				       "  condition: sel\n");

	assert_string_equal(judge(p, ev_connect("/usr/bin/x", "10.1.2.3", 4444)), ID);
	assert_string_equal(judge(p, ev_connect("/usr/bin/x", "2001:db8::1", 8080)), ID);
	assert_string_equal(judge(p, ev_connect("/usr/bin/x", "11.1.2.3", 4444)), "-");
	assert_string_equal(judge(p, ev_connect("/usr/bin/x", "10.1.2.3", 22)), "-");
	policy_free(p);
	refused("network_connection", "  sel:\n    DestinationIp: '10.0.0.0/8'\n  condition: sel\n",
		"use the 'cidr' modifier");
	refused("network_connection", "  sel:\n    DestinationIp|cidr: '10.0.0.1/8'\n"
				      "  condition: sel\n", "is not an address block");
	refused("network_connection", "  sel:\n    DestinationPort: '44*'\n  condition: sel\n",
		"is not a port number");
	refused("network_connection", "  sel:\n    DestinationIp|startswith: '10.'\n"
				      "  condition: sel\n", "other than 'cidr' are not supported");
	refused("process_creation", "  sel:\n    Image|cidr: '10.0.0.0/8'\n  condition: sel\n",
		"'cidr' applies to addresses only");
}

static void modifiers_windash(void **state)
{
	struct policy *p = conv_policy("process_creation",
				       "  sel:\n    CommandLine|windash|contains: ' -exec '\n"
				       "  condition: sel\n");

	assert_string_equal(judge(p, ev_exec("/usr/bin/t", "t|-exec|x")), ID);
	assert_string_equal(judge(p, ev_exec("/usr/bin/t", "t|/exec|x")), ID);
	assert_string_equal(judge(p, ev_exec("/usr/bin/t", "t|\xe2\x80\x93" "exec|x")), ID);
	assert_string_equal(judge(p, ev_exec("/usr/bin/t", "t|+exec|x")), "-");
	policy_free(p);
	refused("process_creation", "  sel:\n    CommandLine|windash: '-a -b -c -d -e'\n"
				    "  condition: sel\n", "more than 4 dashes");
}

static void modifiers_unsupported(void **state)
{
	refused("process_creation", "  sel:\n    CommandLine|base64offset|contains: x\n"
				    "  condition: sel\n", "modifier 'base64offset' is not supported");
	refused("process_creation", "  sel:\n    CommandLine|contains|startswith: x\n"
				    "  condition: sel\n", "two of contains, startswith, endswith");
	refused("process_creation", "  sel:\n    CommandLine: null\n  condition: sel\n",
		"null values (field absent) are not supported");
}

/* ---- conditions and the normal form ------------------------------------ */

static void conditions_and_or_not(void **state)
{
	struct policy *p = conv_policy("process_creation",
				       "  a:\n    Image|endswith: /nc\n"
				       "  b:\n    Image|endswith: /nmap\n"
				       "  l:\n    CommandLine|contains: ' -l '\n"
				       "  condition: (a and not l) or b\n");

	/* (a and not l) or b: two rules, as the negations differ */
	assert_string_equal(judge(p, ev_exec("/usr/bin/nc", "nc|-z|h")), ID "#1");
	assert_string_equal(judge(p, ev_exec("/usr/bin/nc", "nc|-l|h")), "-");
	assert_string_equal(judge(p, ev_exec("/usr/bin/nmap", "nmap|-l|h")), ID "#2");
	policy_free(p);
	/* not over a list of maps: every alternative is an exception */
	p = conv_policy("process_creation",
			"  sel:\n    Image|endswith: /rm\n"
			"  f:\n    - CommandLine|contains: /tmp/\n    - ParentImage|endswith: /dpkg\n"
			"  condition: sel and not f\n");
	parent = (struct proc_entry){ .pid = 50, .exe = "/usr/bin/dpkg" };
	assert_string_equal(judge(p, ev_exec("/usr/bin/rm", "rm|/var/x")), "-");
	parent.exe = "/usr/bin/bash";
	assert_string_equal(judge(p, ev_exec("/usr/bin/rm", "rm|/var/x")), ID);
	assert_string_equal(judge(p, ev_exec("/usr/bin/rm", "rm|/tmp/x")), "-");
	policy_free(p);
	/* not (a or b) = not a and not b; not (a and b) = not a or not b */
	p = conv_policy("process_creation",
			"  sel:\n    Image|endswith: /x\n  a:\n    CommandLine|contains: A\n"
			"  b:\n    CommandLine|contains: B\n  condition: sel and not (a and b)\n");
	assert_string_equal(judge(p, ev_exec("/usr/bin/x", "x|A")), ID "#2"); /* sel and not b */
	assert_string_equal(judge(p, ev_exec("/usr/bin/x", "x|B")), ID "#1"); /* sel and not a */
	assert_string_equal(judge(p, ev_exec("/usr/bin/x", "x|AB")), "-");
	policy_free(p);
}

static void conditions_quantifiers(void **state)
{
	char *out = ok("process_creation",
		       "  selection_a:\n    Image|endswith: /a\n"
		       "  selection_b:\n    Image|endswith: /b\n"
		       "  filter_x:\n    CommandLine|contains: x\n"
		       "  condition: 1 of selection_* and not 1 of filter_*\n");

	/* one rule: the positive alternatives are its match sets */
	expect_in(out, "  - id: \"" ID "\"");
	expect_in(out, "      - proc.exe: {suffix: [/a]}");
	expect_in(out, "      - proc.exe: {suffix: [/b]}");
	expect_in(out, "    except:\n      - proc.argv: {contains: [x]}");
	free(out);
	/* all of: the same field twice becomes 'all' */
	out = ok("process_creation", "  s1:\n    CommandLine|contains: a\n"
				     "  s2:\n    CommandLine|contains: b\n  condition: all of s*\n");
	expect_in(out, "proc.argv: {all: [{contains: [a]}, {contains: [b]}]}");
	free(out);
	/* them: every identifier but those starting with '_' */
	out = ok("process_creation", "  s1:\n    Image: /a\n  _x:\n    Image: /zzz\n"
				     "  condition: 1 of them\n");
	assert_null(strstr(out, "zzz"));
	free(out);
	out = ok("process_creation", "  s1:\n    Image|endswith: /a\n  s2:\n    CommandLine: b\n"
				     "  condition: all of them\n");
	expect_in(out, "- proc.exe: {suffix: [/a]}\n        proc.argv: {in: [b]}");
	free(out);
	/* a list of conditions: any of them */
	out = ok("process_creation", "  s1:\n    Image: /a\n  s2:\n    Image: /b\n"
				     "  condition:\n    - s1\n    - s2\n");
	expect_in(out, "proc.exe: {in: [/b]}");
	free(out);
}

static void conditions_dnf_bounds(void **state)
{
	/* (a1 or a2) and (b1 or b2) and ... : 2^7 = 128 conjunctions > 64 */
	static const char det[] =
		"  a1:\n    Image: /1\n  a2:\n    Image: /2\n"
		"  condition: (a1 or a2) and (a1 or a2) and (a1 or a2)\n";
	char *out = ok("process_creation", det);

	free(out);
	{
		char buf[4096];
		size_t o = 0;

		for (int i = 0; i < 14; i++)
			o += (size_t)snprintf(buf + o, sizeof(buf) - o,
					      "  x%d:\n    Image: /x%d\n", i, i);
		o += (size_t)snprintf(buf + o, sizeof(buf) - o, "  condition: ");
		for (int i = 0; i < 14; i += 2)
			o += (size_t)snprintf(buf + o, sizeof(buf) - o, "%s(x%d or x%d)",
					      i ? " and " : "", i, i + 1);
		snprintf(buf + o, sizeof(buf) - o, "\n");
		refused("process_creation", buf, "the condition expands to more than 64 "
						 "conjunctions");
	}
	/* an identifier that is a list multiplies: 17 * 17 sets > 256 */
	{
		char buf[8192];
		size_t o = 0;

		for (int k = 0; k < 2; k++) {
			o += (size_t)snprintf(buf + o, sizeof(buf) - o, "  l%d:\n", k);
			for (int i = 0; i < 17; i++)
				o += (size_t)snprintf(buf + o, sizeof(buf) - o,
						      "    - Image: /l%d-%d\n", k, i);
		}
		snprintf(buf + o, sizeof(buf) - o, "  condition: l0 and l1\n");
		refused("process_creation", buf, "more than 256 condition sets");
	}
	/* a contradiction leaves nothing */
	refused("process_creation", "  a:\n    Image: /a\n  condition: a and not a\n",
		"the condition can never hold");
	/* more rules than the limit: (a and not n_i) or ... with different negations */
	{
		char buf[8192];
		size_t o = 0;

		o += (size_t)snprintf(buf + o, sizeof(buf) - o, "  a:\n    Image: /a\n");
		for (int i = 0; i < 17; i++)
			o += (size_t)snprintf(buf + o, sizeof(buf) - o,
					      "  n%d:\n    CommandLine: n%d\n", i, i);
		o += (size_t)snprintf(buf + o, sizeof(buf) - o, "  condition: ");
		for (int i = 0; i < 17; i++)
			o += (size_t)snprintf(buf + o, sizeof(buf) - o, "%s(a and not n%d)",
					      i ? " or " : "", i);
		snprintf(buf + o, sizeof(buf) - o, "\n");
		refused("process_creation", buf, "gives more than 16 rules");
	}
}

static void conditions_errors(void **state)
{
	refused("process_creation", "  sel:\n    Image: /a\n  condition: sel | count() > 5\n",
		"aggregations");
	refused("process_creation", "  sel:\n    Image: /a\n  condition: sel near sel\n",
		"aggregations ('|', 'near') are not supported");
	refused("process_creation", "  sel:\n    Image: /a\n  condition: sel and other\n",
		"unknown search identifier 'other'");
	refused("process_creation", "  sel:\n    Image: /a\n  condition: 1 of nope*\n",
		"no search identifier matches 'nope*'");
	refused("process_creation", "  sel:\n    Image: /a\n  condition: (sel\n",
		"expected ')'");
	refused("process_creation", "  sel:\n    Image: /a\n  condition: sel*\n",
		"needs '1 of' or 'all of'");
	refused("process_creation", "  sel:\n    Image: /a\n  condition: sel and\n",
		"the condition ends too early");
	refused("process_creation", "  sel:\n    Image: /a\n  timeframe: 5m\n  condition: sel\n",
		"'timeframe' is not supported");
	refused("process_creation", "  keywords:\n    - evil\n  condition: keywords\n",
		"keyword search (no field)");
}

/* ---- refusals of fields and log sources -------------------------------- */

static void refusals(void **state)
{
	char *m, *out;

	refused("process_creation", "  sel:\n    OriginalFileName: x\n  condition: sel\n",
		"unknown field 'OriginalFileName'");
	refused("process_creation", "  sel:\n    TargetFilename: x\n  condition: sel\n",
		"field 'TargetFilename' is not known for category 'process_creation'");
	refused("process_creation", "  sel:\n    User: root\n  condition: sel\n",
		"field 'User': user names are not matched");
	refused("file_event", "  sel:\n    CurrentDirectory: /tmp\n  condition: sel\n",
		"field 'CurrentDirectory' is not known for category 'file_event'");
	refused("network_connection", "  sel:\n    DestinationHostname: x.org\n  condition: sel\n",
		"host names are not seen (no DNS)");
	refused("network_connection", "  sel:\n    Initiated: 'false'\n  condition: sel\n",
		"only outgoing connections are seen");
	refused("file_rename", "  sel:\n    SourceFilename: /a\n  condition: sel\n",
		"field 'SourceFilename'");
	refused("registry_set", "  sel:\n    Image: /a\n  condition: sel\n",
		"logsource category 'registry_set' is not supported");
	/* a refused rule says where: file:line:col of the offending key */
	out = convert("title: T\nlogsource: {product: linux, category: process_creation}\n"
		      "detection:\n  sel:\n    Hashes: x\n  condition: sel\n", &m);
	expect_in(m, "s.yml:5:5: warning: Sigma rule 'T' refused: unknown field 'Hashes'");
	free(m);
	free(out);
	out = convert("title: T\nlogsource: {product: windows, category: process_creation}\n"
		      "detection:\n  sel:\n    Image: x\n  condition: sel\n", &m);
	expect_in(m, "logsource product 'windows' (only linux)");
	free(m);
	free(out);
	out = convert("title: T\nlogsource: {product: linux, service: auditd}\n"
		      "detection:\n  sel:\n    type: EXECVE\n  condition: sel\n", &m);
	expect_in(m, "logsource service 'auditd' is not supported");
	free(m);
	free(out);
	out = convert("title: T\ncorrelation: {type: event_count}\nlogsource: {product: linux}\n"
		      "detection: {condition: x}\n", &m);
	expect_in(m, "correlation rules are not supported");
	free(m);
	free(out);
	/* YAML that does not parse refuses the file, as a warning */
	out = convert("title: [unclosed\n", &m);
	expect_in(m, "warning: Sigma file refused:");
	free(m);
	free(out);
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
		"      - proc.exe: {suffix: [/curl, /wget]}\n"
		"        proc.argv: {all: [{contains: [http]}, {contains: [\"|sh\"]}]}\n"
		"        result: {in: [success]}\n"
		"    except:\n"
		"      - proc.argv: {contains: [\"://127.0.0.1\"]}\n"
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
		"    events: [write]\n"
		"    match:\n"
		"      - file.path: {prefix: [/etc/cron.d/]}\n"
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
		"    action: alert\n    severity: medium\n    tags: [sigma]\n";
	char *out;

	out = convert(in, NULL);
	assert_string_equal(out, want);
	free(out);
	out = convert(in_file, NULL);
	assert_string_equal(out, want_file);
	free(out);
	out = convert(in_net, NULL);
	assert_string_equal(out, want_net);
	free(out);
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

/* ---- the engine's own operators --------------------------------------- */

static void engine_all_re_parent_argv(void **state)
{
	static const char text[] =
		"version: 1\ndefaults: {action: allow}\nrules:\n"
		"  - id: r1\n    events: [exec]\n    action: alert\n"
		"    match:\n      proc.argv: {all: [{contains: a}, {re: '^x[0-9]+'}]}\n"
		"  - id: r2\n    events: [exec]\n    action: alert\n"
		"    match:\n      parent.argv: {all: [{arg: -p}, {contains: help}]}\n";
	struct policy *p = load_text(text);
	char *dump = NULL;

	assert_string_equal(judge(p, ev_exec("/usr/bin/x", "x12|a")), "r1");
	assert_string_equal(judge(p, ev_exec("/usr/bin/x", "x|a")), "-");
	assert_string_equal(judge(p, ev_exec("/usr/bin/x", "yx12|a")), "-");
	parent = (struct proc_entry){ .pid = 50, .exe = "/usr/bin/git" };
	assert_string_equal(judge(p, ev_exec("/usr/bin/y", "y")), "-");
	parent.argv = "git\0-p\0help";
	parent.argv_len = 12;
	assert_string_equal(judge(p, ev_exec("/usr/bin/y", "y")), "r2");
	parent.argv = "git\0-px\0help";
	parent.argv_len = 13;
	assert_string_equal(judge(p, ev_exec("/usr/bin/y", "y")), "-");
	parent.argv = NULL;
	/* the dump says the same and reads back */
	assert_int_equal(policy_dump_string(p, &dump), 0);
	expect_in(dump, "proc.argv: {all: [{contains: [a]}, {re: [\"^x[0-9]+\"]}]}");
	expect_in(dump, "parent.argv: {all: [{arg: [\"-p\"]}, {contains: [help]}]}");
	policy_free(p);
	p = load_text(dump);
	policy_free(p);
	free(dump);
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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(modifiers_plain),
		cmocka_unit_test(current_directory),
		cmocka_unit_test(file_categories),
		cmocka_unit_test(modifiers_contains_startswith_endswith),
		cmocka_unit_test(modifiers_all),
		cmocka_unit_test(modifiers_wildcards_and_escapes),
		cmocka_unit_test(modifiers_re),
		cmocka_unit_test(modifiers_cidr_and_ports),
		cmocka_unit_test(modifiers_windash),
		cmocka_unit_test(modifiers_unsupported),
		cmocka_unit_test(conditions_and_or_not),
		cmocka_unit_test(conditions_quantifiers),
		cmocka_unit_test(conditions_dnf_bounds),
		cmocka_unit_test(conditions_errors),
		cmocka_unit_test(refusals),
		cmocka_unit_test(golden),
		cmocka_unit_test(policy_key),
		cmocka_unit_test(engine_all_re_parent_argv),
		cmocka_unit_test(engine_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
