// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The journal sink without journald: a datagram socket in a temporary
 * directory plays the journal; entries are parsed back from the native
 * protocol.  Also: a journal that does not read never blocks the sender.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <endian.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <syslog.h>
#include <cmocka.h>
#include "journal.h"
#include "redact.h"

struct fake {
	char dir[64];
	char path[128];
	int fd;
	char buf[200000];
	ssize_t len;
};

static int fake_setup(void **state)
{
	struct fake *f = calloc(1, sizeof(*f));
	struct sockaddr_un sa = { .sun_family = AF_UNIX };

	strcpy(f->dir, "/tmp/sgjournal-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->path, sizeof(f->path), "%s/socket", f->dir);
	f->fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	assert_true(f->fd >= 0);
	strcpy(sa.sun_path, f->path);
	assert_int_equal(bind(f->fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	*state = f;
	return 0;
}

static int fake_teardown(void **state)
{
	struct fake *f = *state;

	close(f->fd);
	unlink(f->path);
	rmdir(f->dir);
	free(f);
	return 0;
}

static void fake_recv(struct fake *f)
{
	f->len = recv(f->fd, f->buf, sizeof(f->buf) - 1, MSG_DONTWAIT);
	assert_true(f->len > 0);
	f->buf[f->len] = '\0';
}

/* The value of field key in the received datagram (both encodings), or NULL. */
static const char *field(struct fake *f, const char *key, size_t *vlen)
{
	static char val[100000];
	size_t kl = strlen(key);
	char *p = f->buf, *end = f->buf + f->len;

	while (p < end) {
		char *nl = memchr(p, '\n', end - p), *eq = memchr(p, '=', end - p);

		if (!nl)
			return NULL;
		if (eq && eq < nl) {
			if ((size_t)(eq - p) == kl && !memcmp(p, key, kl)) {
				*vlen = nl - eq - 1;
				memcpy(val, eq + 1, *vlen);
				val[*vlen] = '\0';
				return val;
			}
			p = nl + 1;
		} else {
			uint64_t l;

			memcpy(&l, nl + 1, 8);
			l = le64toh(l);
			if ((size_t)(nl - p) == kl && !memcmp(p, key, kl)) {
				*vlen = l;
				memcpy(val, nl + 9, l);
				val[l] = '\0';
				return val;
			}
			p = nl + 9 + l + 1;
		}
	}
	return NULL;
}

static const char *fld(struct fake *f, const char *key)
{
	size_t l;

	return field(f, key, &l);
}

static void make_open(struct sg_event *ev)
{
	memset(ev, 0, sizeof(*ev));
	ev->type = SG_EV_OPEN;
	ev->seq = 42;
	ev->proc.pid = 1234;
	ev->proc.ppid = 1;
	ev->proc.uid = 1000;
	strcpy(ev->proc.comm, "bash");
	ev->proc.exe = "/usr/bin/bash";
	ev->has_result = true;
	ev->result = 3;
	ev->file.path = "/etc/cron.d/x";
	ev->file.write = true;
	ev->verdict.action = SG_ACT_ALERT;
	ev->verdict.severity = SG_SEV_HIGH;
	ev->verdict.rule_id = "persistence-cron";
}

static void test_alert_fields(void **state)
{
	struct fake *f = *state;
	struct journal_opts o = { .socket = f->path, .actions = 1u << SG_ACT_ALERT };
	struct journal *j = journal_new(&o);
	struct journal_stats st;
	struct sg_event ev;
	const char *json = "{\"seq\":42,\n\"type\":\"open\"}"; /* a newline: binary form */

	make_open(&ev);
	journal_publish(j, &ev, json, strlen(json));
	fake_recv(f);
	assert_string_equal(fld(f, "MESSAGE"),
			    "ALERT persistence-cron: bash (pid 1234) wrote /etc/cron.d/x");
	assert_string_equal(fld(f, "PRIORITY"), "4");
	assert_string_equal(fld(f, "MESSAGE_ID"), SG_MID_EVENT_ALERT);
	assert_string_equal(fld(f, "SYSGUARD_ACTION"), "alert");
	assert_string_equal(fld(f, "SYSGUARD_RULE"), "persistence-cron");
	assert_string_equal(fld(f, "SYSGUARD_SEVERITY"), "high");
	assert_string_equal(fld(f, "SYSGUARD_TYPE"), "open");
	assert_string_equal(fld(f, "SYSGUARD_PID"), "1234");
	assert_string_equal(fld(f, "SYSGUARD_PPID"), "1");
	assert_string_equal(fld(f, "SYSGUARD_UID"), "1000");
	assert_string_equal(fld(f, "SYSGUARD_COMM"), "bash");
	assert_string_equal(fld(f, "SYSGUARD_EXE"), "/usr/bin/bash");
	assert_string_equal(fld(f, "SYSGUARD_PATH"), "/etc/cron.d/x");
	assert_string_equal(fld(f, "SYSGUARD_SEQ"), "42");
	assert_string_equal(fld(f, "SYSGUARD_RESULT"), "3");
	assert_string_equal(fld(f, "SYSGUARD_EVENT"), json);
	assert_string_equal(fld(f, "SYSLOG_IDENTIFIER"), "sysguardd");
	assert_null(fld(f, "SYSGUARD_MATCHES"));
	journal_get_stats(j, &st);
	assert_int_equal(st.sent, 1);
	/* other rules that held: the alerting ones in the message, all in a field */
	ev.verdict.nmatches = 3;
	ev.verdict.matches[0] = (struct sg_match){ "cron-any", SG_ACT_ALERT, SG_SEV_MEDIUM };
	ev.verdict.matches[1] = (struct sg_match){ "root-write", SG_ACT_ALERT, SG_SEV_LOW };
	ev.verdict.matches[2] = (struct sg_match){ "etc-write", SG_ACT_LOG, SG_SEV_INFO };
	journal_publish(j, &ev, json, strlen(json));
	fake_recv(f);
	assert_string_equal(fld(f, "MESSAGE"), "ALERT persistence-cron (also cron-any, "
			    "root-write): bash (pid 1234) wrote /etc/cron.d/x");
	assert_string_equal(fld(f, "SYSGUARD_MATCHES"), "cron-any root-write etc-write");
	assert_int_equal(st.failed, 0);

	/* a chmod: its path and the new mode as fields of their own */
	make_open(&ev);
	ev.type = SG_EV_CHMOD;
	ev.file.path = "/tmp/x";
	ev.file.mode = 02750;
	journal_publish(j, &ev, json, strlen(json));
	fake_recv(f);
	assert_string_equal(fld(f, "SYSGUARD_TYPE"), "chmod");
	assert_string_equal(fld(f, "SYSGUARD_PATH"), "/tmp/x");
	assert_string_equal(fld(f, "SYSGUARD_MODE"), "2750");
	make_open(&ev);

	/* not selected: a 'log' event */
	ev.verdict.action = SG_ACT_LOG;
	journal_publish(j, &ev, json, strlen(json));
	assert_true(recv(f->fd, f->buf, sizeof(f->buf), MSG_DONTWAIT) < 0 && errno == EAGAIN);
	journal_free(j);
}

static void test_messages(void **state)
{
	struct sg_event ev;
	char m[256];
	static const char argv[] = "/usr/bin/curl\0-s\0http://x/\0";

	make_open(&ev);
	ev.type = SG_EV_EXEC;
	ev.exec.filename = "/usr/bin/curl";
	ev.exec.argv = argv;
	ev.exec.argv_len = sizeof(argv) - 1;
	ev.exec.argc = 3;
	ev.exec.argv_truncated = false; /* shares the union with file.* */
	ev.exec.cwd = NULL;
	ev.verdict.rule_id = NULL;
	ev.verdict.action = SG_ACT_LOG;
	strcpy(ev.proc.comm, "sh");
	journal_format_message(&ev, m, sizeof(m));
	assert_string_equal(m, "LOG: sh (pid 1234) executed /usr/bin/curl -s http://x/");
	{
		/* the readable message hides what the event line hides */
		static const char secret[] = "mysql\0-phunter2\0--password\0x\0db\0";
		const char *rules[] = { "mysql*:-p*", "--password" };
		struct redact *r = redact_new(rules, 2, NULL);

		assert_non_null(r);
		redact_set_active(r);
		ev.exec.argv = secret;
		ev.exec.argv_len = sizeof(secret) - 1;
		ev.exec.argc = 5;
		ev.exec.filename = "/usr/bin/mysql";
		journal_format_message(&ev, m, sizeof(m));
		assert_string_equal(m, "LOG: sh (pid 1234) executed /usr/bin/mysql -p*** --password *** "
				       "db");
		/* and what is inside an argument: a header's value, a URL's password */
		{
			static const char hdr[] = "curl\0-H\0Authorization: Bearer tok\0"
						  "https://u:pw@h/\0";

			ev.exec.argv = hdr;
			ev.exec.argv_len = sizeof(hdr) - 1;
			ev.exec.argc = 4;
			ev.exec.filename = "/usr/bin/curl";
			journal_format_message(&ev, m, sizeof(m));
			assert_string_equal(m, "LOG: sh (pid 1234) executed /usr/bin/curl -H "
					       "Authorization: Bearer *** https://u:***@h/");
		}
		redact_set_active(NULL);
		redact_free(r);
	}

	make_open(&ev);
	ev.type = SG_EV_RENAME;
	ev.file.new_path = "/etc/b";
	ev.file.path = "/etc/a";
	journal_format_message(&ev, m, sizeof(m));
	assert_string_equal(m, "ALERT persistence-cron: bash (pid 1234) renamed /etc/a to /etc/b");

	make_open(&ev);
	ev.type = SG_EV_UNLINK;
	ev.result = -ENOENT;
	ev.verdict.action = SG_ACT_BLOCK;
	ev.verdict.severity = SG_SEV_CRITICAL;
	ev.verdict.enforced = true;
	journal_format_message(&ev, m, sizeof(m));
	assert_string_equal(m, "BLOCK persistence-cron: bash (pid 1234) removed /etc/cron.d/x "
			       "(failed: ENOENT) [blocked]");
	assert_int_equal(journal_priority(&ev), LOG_CRIT);
	assert_string_equal(journal_message_id(&ev), SG_MID_EVENT_BLOCK);

	make_open(&ev);
	ev.type = SG_EV_CONNECT;
	ev.net.family = AF_INET;
	memcpy(ev.net.addr, "\x7f\x00\x00\x01", 4);
	ev.net.port = 4444;
	ev.result = 0;
	journal_format_message(&ev, m, sizeof(m));
	assert_string_equal(m, "ALERT persistence-cron: bash (pid 1234) connected to 127.0.0.1:4444");

	ev.net.family = AF_INET6;
	memset(ev.net.addr, 0, 16);
	ev.net.addr[15] = 1;
	ev.type = SG_EV_LISTEN;
	journal_format_message(&ev, m, sizeof(m));
	assert_string_equal(m, "ALERT persistence-cron: bash (pid 1234) listens on [::1]:4444");

	make_open(&ev);
	ev.type = SG_EV_CHMOD;
	ev.file.path = "/tmp/x";
	ev.file.mode = 04755;
	journal_format_message(&ev, m, sizeof(m));
	assert_string_equal(m, "ALERT persistence-cron: bash (pid 1234) changed the mode of /tmp/x "
			       "to 4755 (set-uid)");

	memset(&ev, 0, sizeof(ev));
	ev.type = SG_EV_DROP;
	ev.drop.where = "ring";
	ev.drop.total = 17;
	journal_format_message(&ev, m, sizeof(m));
	assert_string_equal(m, "lost 17 events (ring: the ring buffer was full)");
	assert_int_equal(journal_priority(&ev), LOG_WARNING);

	memset(&ev, 0, sizeof(ev));
	ev.type = SG_EV_BLOCKCHG;
	ev.blockchg.op = "add";
	ev.blockchg.rule = "10.0.0.5 tcp/22";
	ev.blockchg.source = "runtime";
	journal_format_message(&ev, m, sizeof(m));
	assert_string_equal(m, "enforcement rule added: 10.0.0.5 tcp/22 (source runtime, uid 0)");

	/* bounded: a long path is cut with "..." */
	make_open(&ev);
	{
		char longp[600];

		memset(longp, 'a', sizeof(longp) - 1);
		longp[0] = '/';
		longp[sizeof(longp) - 1] = '\0';
		ev.file.path = longp;
		assert_int_equal(journal_format_message(&ev, m, 64), 63);
		assert_string_equal(m + 60, "...");
	}
}

static void test_selection(void **state)
{
	struct journal_opts o = { .socket = "/nonexistent/socket",
				  .actions = (1u << SG_ACT_ALERT) | (1u << SG_ACT_BLOCK),
				  .drops = false };
	struct journal *j = journal_new(&o);
	struct journal_stats st;
	struct sg_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.type = SG_EV_DROP;
	assert_false(journal_wants(j, &ev));
	ev.type = SG_EV_BLOCKCHG;
	assert_true(journal_wants(j, &ev));
	make_open(&ev);
	assert_true(journal_wants(j, &ev));
	ev.verdict.action = SG_ACT_LOG;
	assert_false(journal_wants(j, &ev));
	/* no journal there: counted, not fatal */
	ev.verdict.action = SG_ACT_BLOCK;
	journal_publish(j, &ev, "{}", 2);
	journal_get_stats(j, &st);
	assert_int_equal(st.sent, 0);
	assert_int_equal(st.failed, 1);
	assert_int_equal(st.last_error, ENOENT);
	journal_free(j);
	journal_free(NULL);
}

/* A journal that never reads: the sender must not block, and counts what failed. */
static void test_never_blocks(void **state)
{
	struct fake *f = *state;
	struct journal_opts o = { .socket = f->path, .actions = 1u << SG_ACT_ALERT };
	struct journal *j = journal_new(&o);
	struct journal_stats st;
	struct sg_event ev;
	static char json[8192];

	memset(json, 'x', sizeof(json) - 1);
	make_open(&ev);
	for (int i = 0; i < 5000; i++)
		journal_publish(j, &ev, json, sizeof(json) - 1);
	journal_get_stats(j, &st);
	assert_int_equal(st.sent + st.failed, 5000);
	assert_true(st.failed > 0);
	assert_int_equal(st.last_error, EAGAIN);
	journal_free(j);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_alert_fields, fake_setup, fake_teardown),
		cmocka_unit_test(test_messages),
		cmocka_unit_test(test_selection),
		cmocka_unit_test_setup_teardown(test_never_blocks, fake_setup, fake_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
