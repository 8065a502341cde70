// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Unit tests of sysguardd/control.c without BPF and without root: a real
 * event loop and a real Unix socket under a temporary directory, the daemon's
 * command rows with stub handlers, and clients in the same thread that pump the loop while they
 * wait for replies.  Covers every command, bad input, client limits, idle
 * timeouts, the stale-socket logic and a subscriber that never reads.  The
 * permission tests fork a child that drops to nobody, and run only as root.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <cmocka.h>
#include <event2/event.h>
#include <json-c/json.h>
#include "commands_int.h"
#include "control.h"
#include "sg_limits.h"
#include "event.h"

struct fixture {
	char dir[64];
	char path[128];
	struct event_base *base;
	struct control *c;
	uint64_t seq;
	int loads;
	char last_mark[256];
};

static int warnings;

static void test_log(int prio, const char *fmt, ...)
{
	va_list ap;

	if (prio <= 4 /* LOG_WARNING */)
		warnings++;
	if (getenv("TEST_VERBOSE")) {
		va_start(ap, fmt);
		vfprintf(stderr, fmt, ap);
		va_end(ap);
		fputc('\n', stderr);
	}
}

/* --- stub commands: the real table's parsers and roles, stub handlers ----------------------- */

static struct fixture *cur; /* the fixture the stub handlers work on */

static int st_status(struct daemon *d, union cmd_args *a, struct control_call *call)
{
	json_object_object_add(call->result, "version", json_object_new_string("test"));
	json_object_object_add(call->result, "uptime_sec", json_object_new_int(1));
	json_object_object_add(call->result, "control", control_stats_json(call->ctl));
	return 0;
}

static int st_policy_show(struct daemon *d, union cmd_args *a, struct control_call *call)
{
	json_object_object_add(call->result, "source", json_object_new_string("/etc/sysguard/policy"));
	json_object_object_add(call->result, "rules", json_object_new_int(3));
	return 0;
}

static struct json_object *policy_errors(void)
{
	struct json_object *e_a = json_object_new_array(), *e = json_object_new_object();

	json_object_object_add(e, "file", json_object_new_string("inline"));
	json_object_object_add(e, "line", json_object_new_int(2));
	json_object_object_add(e, "column", json_object_new_int(5));
	json_object_object_add(e, "message", json_object_new_string("unknown key 'foo'"));
	json_object_array_add(e_a, e);
	return e_a;
}

static int st_policy_check(struct daemon *d, union cmd_args *a, struct control_call *call)
{
	bool bad = a->src.text && strstr(a->src.text, "bad");

	json_object_object_add(call->result, "valid", json_object_new_boolean(!bad));
	json_object_object_add(call->result, "rules", json_object_new_int(bad ? 0 : 1));
	json_object_object_add(call->result, "errors", bad ? policy_errors() : json_object_new_array());
	return 0;
}

static int st_policy_load(struct daemon *d, union cmd_args *a, struct control_call *call)
{
	const struct cmd_policy_src *src = &a->src;
	struct control_error *err = &call->err;

	if (src->text && strstr(src->text, "bad")) {
		snprintf(err->message, sizeof(err->message), "inline:2:5: unknown key 'foo'");
		err->details = policy_errors();
		return -EBADMSG;
	}
	if (src->text && strstr(src->text, "helper")) {
		control_error_add_diag(err, "h.yaml", 7, 0, "first");
		control_error_add_diag(err, NULL, 0, 0, "second");
		return control_error_set(err, PROTO_E_INVALID_POLICY, "%d errors", 2);
	}
	if (src->path && strcmp(src->path, "/nonexistent") == 0)
		return -ENOENT;
	cur->loads++;
	json_object_object_add(call->result, "rules", json_object_new_int(1));
	return 0;
}

static int st_policy_reload(struct daemon *d, union cmd_args *a, struct control_call *call)
{
	cur->loads++;
	return 0;
}

static void publish_mark(struct fixture *f, const char *text, uint64_t seq)
{
	struct sg_event ev = { .type = SG_EV_MARK, .seq = seq };
	struct json_object *o = json_object_new_object();
	size_t len;
	const char *s;

	json_object_object_add(o, "seq", json_object_new_uint64(seq));
	json_object_object_add(o, "type", json_object_new_string("mark"));
	json_object_object_add(o, "text", json_object_new_string(text));
	s = json_object_to_json_string_length(o, JSON_C_TO_STRING_PLAIN, &len);
	ev.mark.text = text;
	control_publish(f->c, &ev, s, len);
	json_object_put(o);
}

static int st_mark(struct daemon *d, union cmd_args *a, struct control_call *call)
{
	snprintf(cur->last_mark, sizeof(cur->last_mark), "%s", a->text);
	publish_mark(cur, a->text, ++cur->seq);
	json_object_object_add(call->result, "seq", json_object_new_uint64(cur->seq));
	return 0;
}

static int st_not_available(struct daemon *d, union cmd_args *a, struct control_call *call)
{
	return control_error_set(&call->err, PROTO_E_NOT_AVAILABLE, "network blocking is not available in this build");
}

/* The daemon's rows (names, roles, parsers), with these handlers. */
static const struct command stub_table[] = {
	{ "hello", PROTO_PERM_ANY, "", cmd_hello_parse, cmd_hello },
	{ "version", PROTO_PERM_ANY, "", cmd_hello_parse, cmd_hello },
	{ "status", PROTO_PERM_READ, "", NULL, st_status },
	{ "containers", PROTO_PERM_READ, "", NULL, st_status },
	{ "subscribe", PROTO_PERM_READ, "", cmd_subscribe_parse, cmd_subscribe },
	{ "policy.show", PROTO_PERM_READ, "", NULL, st_policy_show },
	{ "policy.check", PROTO_PERM_READ, "", cmd_policy_src_parse, st_policy_check },
	{ "policy.load", PROTO_PERM_ADMIN, "", cmd_policy_src_parse, st_policy_load },
	{ "policy.reload", PROTO_PERM_ADMIN, "", NULL, st_policy_reload },
	{ "block.add", PROTO_PERM_ADMIN, "", cmd_block_add_parse, st_not_available },
	{ "block.remove", PROTO_PERM_ADMIN, "", cmd_block_remove_parse, st_not_available },
	{ "block.list", PROTO_PERM_READ, "", NULL, st_not_available },
	{ "mark", PROTO_PERM_READ, "", cmd_mark_parse, st_mark },
	{ "output.reopen", PROTO_PERM_ADMIN, "", NULL, st_not_available },
};

static int stub_dispatch(void *ctx, const char *cmd, struct control_call *call)
{
	cur = ctx;
	return commands_run(stub_table, sizeof(stub_table) / sizeof(stub_table[0]), ctx, cmd, call);
}

/* The stub table stands for the daemon's: the same commands with the same roles. */
static void test_stub_table_is_the_daemons(void **state)
{
	enum proto_perm perm;
	size_t n = 0;
	const char *name;

	for (; (name = commands_name(n, &perm)); n++) {
		bool found = false;

		for (size_t i = 0; i < sizeof(stub_table) / sizeof(stub_table[0]); i++)
			if (!strcmp(stub_table[i].name, name)) {
				assert_int_equal(stub_table[i].perm, perm);
				found = true;
			}
		if (!found)
			fail_msg("the stub table lacks '%s'", name);
	}
	assert_int_equal(n, sizeof(stub_table) / sizeof(stub_table[0]));
}

/* --- fixture and client helpers ------------------------------------------------------------- */

static struct fixture *fixture_new(const struct control_options *o)
{
	struct fixture *f = calloc(1, sizeof(*f));
	struct control_options opts = { 0 };

	assert_non_null(f);
	strcpy(f->dir, "/tmp/sg-control-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->path, sizeof(f->path), "%s/run/sysguard.sock", f->dir);
	if (o)
		opts = *o;
	opts.path = f->path;
	if (!opts.group)
		opts.group = "";
	opts.log = test_log;
	opts.version = "9.9.9";
	f->base = event_base_new();
	assert_non_null(f->base);
	f->c = control_new(f->base, &opts, stub_dispatch, f);
	assert_non_null(f->c);
	return f;
}

static void fixture_free(struct fixture *f)
{
	char buf[256];

	control_free(f->c);
	event_base_free(f->base);
	snprintf(buf, sizeof(buf), "%s/run", f->dir);
	rmdir(buf);
	rmdir(f->dir);
	free(f);
}

static int setup(void **state)
{
	*state = fixture_new(NULL);
	return 0;
}

static int teardown(void **state)
{
	fixture_free(*state);
	return 0;
}

static void pump(struct fixture *f)
{
	event_base_loop(f->base, EVLOOP_NONBLOCK);
}

static int client_connect(struct fixture *f)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	assert_true(fd >= 0);
	strcpy(sa.sun_path, f->path);
	assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	pump(f);
	return fd;
}

static void client_send(struct fixture *f, int fd, const char *data, size_t len)
{
	size_t off = 0;

	while (off < len) {
		ssize_t n = send(fd, data + off, len - off, MSG_DONTWAIT | MSG_NOSIGNAL);

		if (n < 0) {
			assert_true(errno == EAGAIN);
			pump(f);
			continue;
		}
		off += (size_t)n;
	}
	pump(f);
}

static void client_sendline(struct fixture *f, int fd, const char *line)
{
	client_send(f, fd, line, strlen(line));
	client_send(f, fd, "\n", 1);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Per-descriptor read buffers, so a line split across reads is never lost. */
#define RB_FDS  1024
#define RB_SIZE (1 << 18)
static char *rb[RB_FDS];
static size_t rb_len[RB_FDS];

/*
 * Read one line (pumping the loop meanwhile) into a static buffer.  Returns
 * NULL on EOF, or after timeout seconds without a complete line.
 */
static char *client_readline_t(struct fixture *f, int fd, double timeout)
{
	static char line[RB_SIZE];
	double end = now() + timeout;

	assert_true(fd >= 0 && fd < RB_FDS);
	if (!rb[fd])
		rb[fd] = malloc(RB_SIZE);
	for (;;) {
		char *nl = memchr(rb[fd], '\n', rb_len[fd]);
		ssize_t n;

		if (nl) {
			size_t len = (size_t)(nl - rb[fd]);

			memcpy(line, rb[fd], len);
			line[len] = '\0';
			memmove(rb[fd], nl + 1, rb_len[fd] - len - 1);
			rb_len[fd] -= len + 1;
			return line;
		}
		assert_true(rb_len[fd] < RB_SIZE);
		n = recv(fd, rb[fd] + rb_len[fd], RB_SIZE - rb_len[fd], MSG_DONTWAIT);
		if (n > 0) {
			rb_len[fd] += (size_t)n;
			continue;
		}
		if (n == 0 || errno != EAGAIN)
			return NULL;
		if (now() > end)
			return NULL;
		pump(f);
		if (timeout > 0) {
			struct pollfd p = { .fd = fd, .events = POLLIN };

			poll(&p, 1, 1);
		}
	}
}

static void client_close(int fd)
{
	if (fd >= 0 && fd < RB_FDS)
		rb_len[fd] = 0;
	close(fd);
}

static char *client_readline(struct fixture *f, int fd)
{
	return client_readline_t(f, fd, 5.0);
}

/* Send a request and parse its reply line. */
static void request(struct fixture *f, int fd, const char *line, struct proto_line *ret)
{
	char *reply;

	client_sendline(f, fd, line);
	reply = client_readline(f, fd);
	assert_non_null(reply);
	assert_int_equal(proto_line_parse(reply, strlen(reply), ret), 0);
	assert_int_equal(ret->kind, PROTO_LINE_REPLY);
}

static void expect_error(struct fixture *f, int fd, const char *line, enum proto_errcode code)
{
	struct proto_line l;

	request(f, fd, line, &l);
	if (l.ok || l.error != code)
		fail_msg("'%s': expected error %s, got %s", line, proto_error_name(code),
			 l.ok ? "ok" : l.error_code);
	proto_line_clear(&l);
}

static void expect_ok(struct fixture *f, int fd, const char *line)
{
	struct proto_line l;

	request(f, fd, line, &l);
	if (!l.ok)
		fail_msg("'%s': expected ok, got %s: %s", line, l.error_code, l.error_message);
	proto_line_clear(&l);
}

static bool client_eof(struct fixture *f, int fd)
{
	char ch;
	double end = now() + 5;

	while (now() < end) {
		ssize_t n = recv(fd, &ch, 1, MSG_DONTWAIT);

		if (n == 0 || (n < 0 && errno == ECONNRESET))
			return true;
		pump(f);
	}
	return false;
}

static struct json_object *get(struct json_object *o, const char *path)
{
	char key[64];
	const char *dot;

	while (o && (dot = strchr(path, '.'))) {
		snprintf(key, sizeof(key), "%.*s", (int)(dot - path), path);
		o = json_object_object_get(o, key);
		path = dot + 1;
	}
	return o ? json_object_object_get(o, path) : NULL;
}

/* --- tests ---------------------------------------------------------------------------------- */

static void test_hello(void **state)
{
	struct fixture *f = *state;
	int fd = client_connect(f);
	struct proto_line l;
	struct stat st;
	char dir[256];

	request(f, fd, "{\"id\":1,\"cmd\":\"hello\",\"version\":1}", &l);
	assert_true(l.ok);
	assert_int_equal(json_object_get_int(l.id), 1);
	assert_int_equal(json_object_get_int(get(l.result, "protocol")), 1);
	assert_string_equal(json_object_get_string(get(l.result, "version")), "9.9.9");
	assert_int_equal(json_object_get_int(get(l.result, "peer.uid")), (int)getuid());
	assert_string_equal(json_object_get_string(get(l.result, "peer.access")),
			    getuid() == 0 ? "admin" : "read");
	assert_int_equal(json_object_array_length(get(l.result, "commands")),
			 sizeof(stub_table) / sizeof(stub_table[0]));
	proto_line_clear(&l);

	request(f, fd, "{\"id\":\"v\",\"cmd\":\"version\"}", &l);
	assert_true(l.ok);
	assert_string_equal(json_object_get_string(l.id), "v");
	proto_line_clear(&l);

	/* The socket and its directory. */
	assert_int_equal(stat(f->path, &st), 0);
	assert_true(S_ISSOCK(st.st_mode));
	assert_int_equal(st.st_mode & 0777, 0660);
	snprintf(dir, sizeof(dir), "%s/run", f->dir);
	assert_int_equal(stat(dir, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0750);
	client_close(fd);
}

static void test_status(void **state)
{
	struct fixture *f = *state;
	int fd = client_connect(f), fd2 = client_connect(f);
	struct proto_line l;

	request(f, fd, "{\"id\":null,\"cmd\":\"status\",\"args\":{}}", &l);
	assert_true(l.ok);
	assert_true(json_object_is_type(l.id, json_type_null));
	assert_string_equal(json_object_get_string(get(l.result, "version")), "test");
	assert_int_equal(json_object_get_int(get(l.result, "control.clients")), 2);
	assert_int_equal(json_object_get_int(get(l.result, "control.subscribers")), 0);
	proto_line_clear(&l);
	client_close(fd);
	client_close(fd2);
}

static void test_bad_input(void **state)
{
	struct fixture *f = *state;
	int fd = client_connect(f);
	static const char nul[] = "{\"cmd\":\"hel\0lo\"}\n";
	static const char garbage[] = "\x01\xff\xfe\x80 garbage \x7f\n";
	struct proto_line l;
	char *reply;

	expect_error(f, fd, "{", PROTO_E_BAD_JSON);
	expect_error(f, fd, "not json", PROTO_E_BAD_JSON);
	expect_error(f, fd, "{\"cmd\":\"hello\"} {}", PROTO_E_BAD_JSON);
	expect_error(f, fd, "{'cmd':'hello'}", PROTO_E_BAD_JSON);
	expect_error(f, fd, "[1,2]", PROTO_E_BAD_REQUEST);
	expect_error(f, fd, "42", PROTO_E_BAD_REQUEST);
	expect_error(f, fd, "{}", PROTO_E_BAD_REQUEST);
	expect_error(f, fd, "{\"cmd\":5}", PROTO_E_BAD_REQUEST);
	expect_error(f, fd, "{\"cmd\":\"status\",\"args\":[]}", PROTO_E_BAD_REQUEST);
	expect_error(f, fd, "{\"cmd\":\"status\",\"id\":{}}", PROTO_E_BAD_REQUEST);
	expect_error(f, fd, "{\"cmd\":\"status\",\"version\":\"1\"}", PROTO_E_BAD_REQUEST);
	expect_error(f, fd, "{\"cmd\":\"status\",\"version\":2}", PROTO_E_UNSUPPORTED_VERSION);
	expect_error(f, fd, "{\"cmd\":\"frobnicate\"}", PROTO_E_UNKNOWN_COMMAND);
	expect_error(f, fd, "{\"cmd\":\"status\",\"args\":{\"x\":1}}", PROTO_E_INVALID_ARGUMENT);
	expect_error(f, fd, "{\"cmd\":\"mark\"}", PROTO_E_INVALID_ARGUMENT);
	expect_error(f, fd, "{\"cmd\":\"mark\",\"args\":{\"text\":7}}", PROTO_E_INVALID_ARGUMENT);
	expect_error(f, fd, "{\"cmd\":\"subscribe\",\"args\":{\"type\":\"nope\"}}",
		     PROTO_E_INVALID_ARGUMENT);
	expect_error(f, fd, "{\"cmd\":\"subscribe\",\"args\":{\"pid\":\"1\"}}",
		     PROTO_E_INVALID_ARGUMENT);
	expect_error(f, fd, "{\"cmd\":\"subscribe\",\"args\":{\"comm\":\"a\",\"comm_exact\":\"a\"}}",
		     PROTO_E_INVALID_ARGUMENT);
	expect_error(f, fd, "{\"cmd\":\"policy.check\",\"args\":{}}", PROTO_E_INVALID_ARGUMENT);
	expect_error(f, fd, "{\"cmd\":\"policy.check\",\"args\":{\"path\":\"rel\"}}",
		     PROTO_E_INVALID_ARGUMENT);

	/* An id survives errors after the parse. */
	request(f, fd, "{\"id\":77,\"cmd\":\"nope\"}", &l);
	assert_false(l.ok);
	assert_int_equal(json_object_get_int(l.id), 77);
	proto_line_clear(&l);

	/* NUL bytes and binary garbage. */
	client_send(f, fd, nul, sizeof(nul) - 1);
	reply = client_readline(f, fd);
	assert_non_null(reply);
	assert_non_null(strstr(reply, "bad_json"));
	client_send(f, fd, garbage, sizeof(garbage) - 1);
	reply = client_readline(f, fd);
	assert_non_null(reply);
	assert_non_null(strstr(reply, "bad_json"));

	/* Blank lines and CRLF are fine. */
	expect_error(f, fd, "", PROTO_E_BAD_JSON);
	expect_ok(f, fd, "{\"cmd\":\"hello\"}\r");

	/* Still serving. */
	expect_ok(f, fd, "{\"cmd\":\"status\"}");
	client_close(fd);
}

static void test_line_too_long(void **state)
{
	struct fixture *f = *state;
	int fd = client_connect(f), other = client_connect(f);
	size_t len = SG_CTL_LINE_MAX + 100;
	char *big = malloc(len), *reply;

	memset(big, 'a', len);
	client_send(f, fd, big, len);
	reply = client_readline(f, fd);
	assert_non_null(reply);
	assert_non_null(strstr(reply, "line_too_long"));
	assert_true(client_eof(f, fd));
	client_close(fd);

	/* Just under the limit (with newline) is a bad_json, not a close. */
	fd = client_connect(f);
	memset(big, ' ', SG_CTL_LINE_MAX - 1);
	big[0] = '{';
	client_send(f, fd, big, SG_CTL_LINE_MAX - 1);
	client_send(f, fd, "\n", 1);
	reply = client_readline(f, fd);
	assert_non_null(reply);
	assert_non_null(strstr(reply, "bad_json"));
	expect_ok(f, fd, "{\"cmd\":\"hello\"}");

	/* A request trickling in a few bytes at a time. */
	{
		const char *req = "{\"id\":5,\"cmd\":\"hello\"}\n";

		size_t n = strlen(req);

		for (size_t i = 0; i < n; i += 3)
			client_send(f, other, req + i, n - i < 3 ? n - i : 3);
		reply = client_readline(f, other);
		assert_non_null(reply);
		assert_non_null(strstr(reply, "\"id\":5,\"ok\":true"));
	}
	/* A long line trickling in is cut off all the same. */
	client_close(fd);
	fd = client_connect(f);
	memset(big, 'x', len);
	for (size_t off = 0; off < len; off += 1000)
		client_send(f, fd, big + off, len - off < 1000 ? len - off : 1000);
	reply = client_readline(f, fd);
	assert_non_null(reply);
	assert_non_null(strstr(reply, "line_too_long"));
	assert_true(client_eof(f, fd));

	expect_ok(f, other, "{\"cmd\":\"hello\"}");
	free(big);
	client_close(fd);
	client_close(other);
}

static void test_policy(void **state)
{
	struct fixture *f = *state;
	int fd = client_connect(f);
	struct proto_line l;

	request(f, fd, "{\"cmd\":\"policy.show\"}", &l);
	assert_true(l.ok);
	assert_int_equal(json_object_get_int(get(l.result, "rules")), 3);
	proto_line_clear(&l);

	request(f, fd, "{\"cmd\":\"policy.check\",\"args\":{\"text\":\"rules: []\",\"name\":\"x\"}}",
		&l);
	assert_true(l.ok);
	assert_true(json_object_get_boolean(get(l.result, "valid")));
	proto_line_clear(&l);

	request(f, fd, "{\"cmd\":\"policy.check\",\"args\":{\"text\":\"bad\"}}", &l);
	assert_true(l.ok);
	assert_false(json_object_get_boolean(get(l.result, "valid")));
	proto_line_clear(&l);

	if (getuid() != 0) {
		expect_error(f, fd, "{\"cmd\":\"policy.reload\"}", PROTO_E_PERMISSION_DENIED);
		client_close(fd);
		return;
	}
	request(f, fd, "{\"id\":3,\"cmd\":\"policy.load\",\"args\":{\"text\":\"bad\"}}", &l);
	assert_false(l.ok);
	assert_int_equal(l.error, PROTO_E_INVALID_POLICY);
	assert_string_equal(l.error_message, "inline:2:5: unknown key 'foo'");
	assert_int_equal(json_object_get_int(json_object_object_get(
				 json_object_array_get_idx(get(l.error_obj, "errors"), 0), "line")),
			 2);
	proto_line_clear(&l);
	assert_int_equal(f->loads, 0);

	request(f, fd, "{\"cmd\":\"policy.load\",\"args\":{\"text\":\"helper\"}}", &l);
	assert_false(l.ok);
	assert_int_equal(l.error, PROTO_E_INVALID_POLICY);
	assert_string_equal(l.error_message, "2 errors");
	assert_string_equal(json_object_to_json_string_ext(get(l.error_obj, "errors"),
							   JSON_C_TO_STRING_PLAIN),
			    "[{\"file\":\"h.yaml\",\"line\":7,\"message\":\"first\"},"
			    "{\"message\":\"second\"}]");
	proto_line_clear(&l);
	expect_error(f, fd, "{\"cmd\":\"policy.load\",\"args\":{\"path\":\"/nonexistent\"}}",
		     PROTO_E_NOT_FOUND);
	expect_ok(f, fd, "{\"cmd\":\"policy.load\",\"args\":{\"path\":\"/etc/sysguard/p.yaml\"}}");
	expect_ok(f, fd, "{\"cmd\":\"policy.reload\"}");
	assert_int_equal(f->loads, 2);
	client_close(fd);
}

static void test_block_not_available(void **state)
{
	struct fixture *f = *state;
	int fd = client_connect(f);
	struct proto_line l;

	if (getuid() != 0)
		skip();
	request(f, fd, "{\"cmd\":\"block.add\",\"args\":{\"addr\":\"10.0.0.5\",\"prefix\":32,"
		"\"port\":443,\"port_end\":443,\"proto\":\"tcp\",\"ttl_sec\":600,\"comment\":\"x\"}}",
		&l);
	assert_false(l.ok);
	assert_int_equal(l.error, PROTO_E_NOT_AVAILABLE);
	assert_string_equal(l.error_message, "network blocking is not available in this build");
	proto_line_clear(&l);
	expect_error(f, fd, "{\"cmd\":\"block.remove\",\"args\":{\"id\":\"r1\"}}",
		     PROTO_E_NOT_AVAILABLE);
	expect_error(f, fd, "{\"cmd\":\"block.list\"}", PROTO_E_NOT_AVAILABLE);
	/* Arguments are validated even so. */
	expect_error(f, fd, "{\"cmd\":\"block.add\",\"args\":{}}", PROTO_E_INVALID_ARGUMENT);
	expect_error(f, fd, "{\"cmd\":\"block.add\",\"args\":{\"addr\":\"1.2.3.4\",\"port\":70000}}",
		     PROTO_E_INVALID_ARGUMENT);
	expect_error(f, fd, "{\"cmd\":\"block.add\",\"args\":{\"addr\":\"1.2.3.4\",\"proto\":\"icmp\"}}",
		     PROTO_E_INVALID_ARGUMENT);
	expect_error(f, fd, "{\"cmd\":\"block.add\",\"args\":{\"addr\":\"1.2.3.4\",\"port\":10,"
		     "\"port_end\":5}}", PROTO_E_INVALID_ARGUMENT);
	expect_error(f, fd, "{\"cmd\":\"block.remove\",\"args\":{\"addr\":\"1.2.3.4\",\"ttl_sec\":5}}",
		     PROTO_E_INVALID_ARGUMENT);
	expect_error(f, fd, "{\"cmd\":\"block.remove\",\"args\":{\"id\":\"r1\",\"port\":5}}",
		     PROTO_E_INVALID_ARGUMENT);
	client_close(fd);
}

static void publish(struct fixture *f, int type, uint32_t pid, const char *comm,
		    enum sg_action action, const char *rule, size_t pad)
{
	struct sg_event ev = { .type = type, .seq = ++f->seq };
	char json[2048];
	int n;

	ev.proc.pid = pid;
	snprintf(ev.proc.comm, sizeof(ev.proc.comm), "%s", comm);
	ev.proc.exe = "/usr/bin/thing";
	ev.verdict.action = action;
	ev.verdict.rule_id = rule;
	assert_true(pad < 1500);
	n = snprintf(json, sizeof(json), "{\"seq\":%llu,\"type\":\"%s\",\"pid\":%u,\"pad\":\"%*s\"}",
		     (unsigned long long)ev.seq, sg_type_name(type), pid, (int)pad, "");
	control_publish(f->c, &ev, json, (size_t)n);
}

static uint64_t event_seq(const char *line)
{
	struct proto_line l;
	uint64_t seq;

	assert_int_equal(proto_line_parse(line, strlen(line), &l), 0);
	assert_int_equal(l.kind, PROTO_LINE_EVENT);
	seq = json_object_get_uint64(json_object_object_get(l.event, "seq"));
	proto_line_clear(&l);
	return seq;
}

static void test_subscribe_filters(void **state)
{
	struct fixture *f = *state;
	int all = client_connect(f), ex = client_connect(f), ctl = client_connect(f);
	struct proto_line l;
	uint64_t first;
	char *line;

	request(f, all, "{\"id\":1,\"cmd\":\"subscribe\"}", &l);
	assert_true(l.ok);
	proto_line_clear(&l);
	request(f, ex, "{\"id\":2,\"cmd\":\"subscribe\",\"args\":{\"type\":[\"exec\",\"connect\"],"
		"\"action\":\"alert\",\"pid\":[10,11],\"comm\":\"ba\",\"exe_exact\":\"/usr/bin/thing\","
		"\"rule\":\"r1\"}}", &l);
	assert_true(l.ok);
	proto_line_clear(&l);
	assert_true(control_has_subscribers(f->c));

	first = f->seq + 1;
	publish(f, SG_EV_EXEC, 10, "bash", SG_ACT_ALERT, "r1", 0);     /* both */
	publish(f, SG_EV_OPEN, 10, "bash", SG_ACT_ALERT, "r1", 0);     /* type */
	publish(f, SG_EV_EXEC, 12, "bash", SG_ACT_ALERT, "r1", 0);     /* pid */
	publish(f, SG_EV_EXEC, 11, "zsh", SG_ACT_ALERT, "r1", 0);      /* comm */
	publish(f, SG_EV_CONNECT, 11, "bash", SG_ACT_LOG, "r1", 0);    /* action */
	publish(f, SG_EV_CONNECT, 11, "bash", SG_ACT_ALERT, NULL, 0);  /* rule */
	publish(f, SG_EV_CONNECT, 11, "abab", SG_ACT_ALERT, "r1", 0);  /* both */

	for (uint64_t i = 0; i < 7; i++) {
		line = client_readline(f, all);
		assert_non_null(line);
		assert_int_equal(event_seq(line), first + i);
	}
	line = client_readline(f, ex);
	assert_int_equal(event_seq(line), first);
	line = client_readline(f, ex);
	assert_int_equal(event_seq(line), first + 6);

	/* Marks pass every filter; the requester gets the seq. */
	request(f, ctl, "{\"id\":9,\"cmd\":\"mark\",\"args\":{\"text\":\"sync-1\"}}", &l);
	assert_true(l.ok);
	assert_int_equal(json_object_get_uint64(get(l.result, "seq")), f->seq);
	proto_line_clear(&l);
	line = client_readline(f, ex);
	assert_non_null(line);
	assert_non_null(strstr(line, "\"sync-1\""));
	assert_int_equal(event_seq(line), f->seq);
	line = client_readline(f, all);
	assert_int_equal(event_seq(line), f->seq);

	/* Subscribers ignore what they are sent; status counts them. */
	client_sendline(f, all, "{\"cmd\":\"status\"}");
	request(f, ctl, "{\"cmd\":\"status\"}", &l);
	assert_int_equal(json_object_get_int(get(l.result, "control.subscribers")), 2);
	proto_line_clear(&l);
	assert_null(client_readline_t(f, all, 0.2));

	/* A half-closed subscriber keeps receiving. */
	shutdown(all, SHUT_WR);
	pump(f);
	publish(f, SG_EV_EXEC, 10, "bash", SG_ACT_ALERT, "r1", 0);
	line = client_readline(f, all);
	assert_non_null(line);
	assert_int_equal(event_seq(line), f->seq);

	/* Disconnect mid-stream: cleaned up at once. */
	client_close(ex);
	pump(f);
	pump(f);
	request(f, ctl, "{\"cmd\":\"status\"}", &l);
	assert_int_equal(json_object_get_int(get(l.result, "control.subscribers")), 1);
	proto_line_clear(&l);
	client_close(all);
	client_close(ctl);
}

static void test_flood(void **state)
{
	struct fixture *f = *state;
	int slow = client_connect(f), fast = client_connect(f), ctl = client_connect(f);
	int rcv = 4096;
	struct control_stats st;
	struct proto_line l;
	uint64_t got = 0, last = 0, missed = 0, total = 20000;
	char *line;

	setsockopt(slow, SOL_SOCKET, SO_RCVBUF, &rcv, sizeof(rcv));
	expect_ok(f, slow, "{\"cmd\":\"subscribe\"}");
	expect_ok(f, fast, "{\"cmd\":\"subscribe\"}");

	for (uint64_t i = 0; i < total; i++) {
		publish(f, SG_EV_OPEN, 1, "flood", SG_ACT_LOG, NULL, 400);
		if (i % 20 == 0) {
			pump(f);
			/* The fast subscriber keeps up. */
			while ((line = client_readline_t(f, fast, 0)) != NULL) {
				assert_int_equal(event_seq(line), ++last);
			}
		}
		if (i == total / 2) {
			/* Other clients are served in the middle of the flood. */
			expect_ok(f, ctl, "{\"cmd\":\"status\"}");
		}
	}
	while (last < total) {
		line = client_readline(f, fast);
		assert_non_null(line);
		assert_int_equal(event_seq(line), ++last);
	}
	control_get_stats(f->c, &st);
	assert_true(st.missed > 0);
	assert_int_equal(st.delivered + st.missed, 2 * total);

	/* The slow one drains: events, then the missed notice, then live events again. */
	for (;;) {
		line = client_readline(f, slow);
		assert_non_null(line);
		assert_int_equal(proto_line_parse(line, strlen(line), &l), 0);
		if (l.kind == PROTO_LINE_MISSED) {
			missed = l.missed;
			proto_line_clear(&l);
			break;
		}
		assert_int_equal(l.kind, PROTO_LINE_EVENT);
		got++;
		proto_line_clear(&l);
	}
	assert_int_equal(missed, st.missed);
	assert_int_equal(got + missed, total);
	publish(f, SG_EV_OPEN, 1, "flood", SG_ACT_LOG, NULL, 10);
	line = client_readline(f, slow);
	assert_non_null(line);
	assert_int_equal(event_seq(line), f->seq);

	request(f, ctl, "{\"cmd\":\"status\"}", &l);
	assert_int_equal(json_object_get_int64(get(l.result, "control.missed")), (int64_t)missed);
	proto_line_clear(&l);
	client_close(slow);
	client_close(fast);
	client_close(ctl);
}

static void test_pipelined_unread(void **state)
{
	struct fixture *f = *state;
	int fd = client_connect(f), other = client_connect(f);
	int rcv = 4096;
	char *reqs;
	size_t one, n = 4000;
	const char *req = "{\"cmd\":\"hello\"}\n";

	/* A client that sends many requests and reads none of the replies is paused, not fed. */
	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcv, sizeof(rcv));
	one = strlen(req);
	reqs = malloc(one * n);
	for (size_t i = 0; i < n; i++)
		memcpy(reqs + i * one, req, one);
	for (size_t off = 0; off < one * n;) {
		ssize_t w = send(fd, reqs + off, one * n - off, MSG_DONTWAIT);

		if (w < 0) {
			pump(f);
			break;
		}
		off += (size_t)w;
		pump(f);
	}
	expect_ok(f, other, "{\"cmd\":\"hello\"}");
	free(reqs);
	client_close(fd);
	client_close(other);
}

static void test_many_clients(void **state)
{
	struct control_options o = { .max_clients = 100 };
	struct fixture *f = fixture_new(&o);
	int fds[100], extra;
	char *line;

	for (int i = 0; i < 100; i++)
		fds[i] = client_connect(f);
	for (int i = 0; i < 100; i++)
		client_sendline(f, fds[i], "{\"cmd\":\"hello\"}");
	for (int i = 0; i < 100; i++) {
		line = client_readline(f, fds[i]);
		assert_non_null(line);
		assert_non_null(strstr(line, "\"ok\":true"));
	}
	extra = client_connect(f);
	line = client_readline(f, extra);
	assert_non_null(line);
	assert_non_null(strstr(line, "too_many_clients"));
	assert_true(client_eof(f, extra));
	client_close(extra);
	client_close(fds[0]);
	pump(f);
	fds[0] = client_connect(f);
	expect_ok(f, fds[0], "{\"cmd\":\"hello\"}");
	for (int i = 0; i < 100; i++)
		client_close(fds[i]);
	fixture_free(f);
}

static void test_idle_timeout(void **state)
{
	struct control_options o = { .idle_sec = 1, .stall_sec = 2 };
	struct fixture *f = fixture_new(&o);
	int fd = client_connect(f), sub = client_connect(f);
	char *line;

	expect_ok(f, fd, "{\"cmd\":\"hello\"}");
	expect_ok(f, sub, "{\"cmd\":\"subscribe\"}");
	line = client_readline_t(f, fd, 3);
	assert_non_null(line);
	assert_non_null(strstr(line, "\"timeout\""));
	assert_true(client_eof(f, fd));
	/* Subscribers do not time out. */
	publish(f, SG_EV_EXEC, 1, "x", SG_ACT_LOG, NULL, 0);
	line = client_readline(f, sub);
	assert_non_null(line);
	assert_int_equal(event_seq(line), f->seq);

	/* ... but one that reads nothing at all while events wait is dropped. */
	{
		int stuck = client_connect(f), rcv = 4096;
		struct control_stats st;
		double end = now() + 6;

		setsockopt(stuck, SOL_SOCKET, SO_RCVBUF, &rcv, sizeof(rcv));
		expect_ok(f, stuck, "{\"cmd\":\"subscribe\"}");
		for (int i = 0; i < 2000; i++) {
			publish(f, SG_EV_OPEN, 1, "x", SG_ACT_LOG, NULL, 400);
			if (i % 50 == 0)
				pump(f);
			while (client_readline_t(f, sub, 0))
				;
		}
		do {
			pump(f);
			while (client_readline_t(f, sub, 0))
				;
			control_get_stats(f->c, &st);
			assert_true(now() < end);
			usleep(1000);
		} while (st.subscribers != 1);
		client_close(stuck);
	}
	client_close(fd);
	client_close(sub);
	fixture_free(f);
}

static void test_stale_socket(void **state)
{
	struct fixture *f = fixture_new(NULL);
	struct control_options o = { .path = f->path, .group = "", .log = test_log };
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct control *c2;
	int fd;

	/* A live daemon answers: refuse. */
	c2 = control_new(f->base, &o, stub_dispatch, f);
	assert_null(c2);
	assert_int_equal(errno, EADDRINUSE);
	control_free(f->c);

	/* A stale socket is replaced. */
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	strcpy(sa.sun_path, f->path);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	client_close(fd);
	f->c = control_new(f->base, &o, stub_dispatch, f);
	assert_non_null(f->c);
	fd = client_connect(f);
	expect_ok(f, fd, "{\"cmd\":\"hello\"}");
	client_close(fd);
	control_free(f->c);
	assert_int_equal(access(f->path, F_OK), -1);

	/* Anything else is left alone. */
	fd = open(f->path, O_CREAT | O_WRONLY | O_CLOEXEC, 0600);
	client_close(fd);
	f->c = control_new(f->base, &o, stub_dispatch, f);
	assert_null(f->c);
	assert_int_equal(errno, EEXIST);
	unlink(f->path);
	f->c = control_new(f->base, &o, stub_dispatch, f);
	assert_non_null(f->c);
	fixture_free(f);
}

/* Run fn as nobody (uid/gid 65534) in a child, pumping the loop until it exits. */
static int as_nobody(struct fixture *f, int (*fn)(struct fixture *f))
{
	char dir[256];
	pid_t pid;
	int status = -1;
	double end = now() + 10;

	snprintf(dir, sizeof(dir), "%s/run", f->dir);
	chmod(f->dir, 0755);
	chmod(dir, 0755);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		if (setgroups(0, NULL) < 0 || setgid(65534) < 0 || setuid(65534) < 0)
			_exit(99);
		_exit(fn(f));
	}
	while (now() < end) {
		pump(f);
		if (waitpid(pid, &status, WNOHANG) == pid)
			return WIFEXITED(status) ? WEXITSTATUS(status) : 100;
		usleep(1000);
	}
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	return 101;
}

/* Blocking client for the child: one request, one reply line into buf. */
static int child_request(const char *path, const char *req, char *buf, size_t size)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct timeval tv = { 5, 0 };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	size_t len = 0;

	strcpy(sa.sun_path, path);
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		client_close(fd);
		return -errno;
	}
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (write(fd, req, strlen(req)) < 0 || write(fd, "\n", 1) < 0) {
		client_close(fd);
		return -EIO;
	}
	while (len < size - 1) {
		ssize_t n = read(fd, buf + len, 1);

		if (n <= 0)
			break;
		if (buf[len] == '\n')
			break;
		len++;
	}
	buf[len] = '\0';
	client_close(fd);
	return 0;
}

static int child_outsider(struct fixture *f)
{
	char buf[4096];

	/* The socket is 0660: nobody outside the group gets in. */
	if (child_request(f->path, "{\"cmd\":\"hello\"}", buf, sizeof(buf)) != -EACCES)
		return 1;
	return 0;
}

static int child_outsider_open(struct fixture *f)
{
	char buf[4096];

	/* Even when the mode lets it in, only hello works. */
	if (child_request(f->path, "{\"cmd\":\"hello\"}", buf, sizeof(buf)) < 0 ||
	    !strstr(buf, "\"access\":\"none\""))
		return 2;
	if (child_request(f->path, "{\"cmd\":\"status\"}", buf, sizeof(buf)) < 0 ||
	    !strstr(buf, "permission_denied"))
		return 3;
	return 0;
}

static int child_member(struct fixture *f)
{
	char buf[4096];

	if (child_request(f->path, "{\"cmd\":\"status\"}", buf, sizeof(buf)) < 0 ||
	    !strstr(buf, "\"ok\":true"))
		return 4;
	if (child_request(f->path, "{\"cmd\":\"mark\",\"args\":{\"text\":\"m\"}}", buf,
			  sizeof(buf)) < 0 || !strstr(buf, "\"ok\":true"))
		return 5;
	if (child_request(f->path, "{\"cmd\":\"policy.check\",\"args\":{\"text\":\"x\"}}", buf,
			  sizeof(buf)) < 0 || !strstr(buf, "\"ok\":true"))
		return 6;
	if (child_request(f->path, "{\"cmd\":\"policy.check\",\"args\":{\"path\":\"/etc/shadow\"}}",
			  buf, sizeof(buf)) < 0 || !strstr(buf, "permission_denied"))
		return 7;
	if (child_request(f->path, "{\"cmd\":\"policy.load\",\"args\":{\"text\":\"x\"}}", buf,
			  sizeof(buf)) < 0 || !strstr(buf, "permission_denied"))
		return 8;
	if (child_request(f->path, "{\"cmd\":\"policy.reload\"}", buf, sizeof(buf)) < 0 ||
	    !strstr(buf, "permission_denied"))
		return 9;
	if (child_request(f->path, "{\"cmd\":\"block.add\",\"args\":{\"addr\":\"1.2.3.4\"}}", buf,
			  sizeof(buf)) < 0 || !strstr(buf, "permission_denied"))
		return 10;
	return 0;
}

static void test_permissions(void **state)
{
	struct group *gr = getgrgid(65534);
	struct control_options o = { .group = gr ? gr->gr_name : "" };
	struct control_stats st;
	struct fixture *f;

	if (getuid() != 0 || !gr)
		skip();
	f = fixture_new(NULL);
	assert_int_equal(as_nobody(f, child_outsider), 0);
	chmod(f->path, 0666);
	assert_int_equal(as_nobody(f, child_outsider_open), 0);
	fixture_free(f);

	f = fixture_new(&o);
	warnings = 0;
	assert_int_equal(as_nobody(f, child_member), 0);
	assert_int_equal(f->loads, 0);
	assert_string_equal(f->last_mark, "m");
	control_get_stats(f->c, &st);
	assert_int_equal(st.denied, 4);
	assert_true(warnings >= 4);
	fixture_free(f);
}


static int emfile_warnings;

static void emfile_log(int prio, const char *fmt, ...)
{
	if (strstr(fmt, "pausing"))
		emfile_warnings++;
}

/* Out of descriptors: accept pauses instead of spinning, and resumes. */
static void test_emfile(void **state)
{
	struct control_options o = { .log = emfile_log };
	struct fixture *f = fixture_new(&o);
	struct rlimit old, low;
	int ready[2], go[2], fd, nfds = 0, status, holes[1024], nholes = 0;
	struct control_stats st;
	double end;
	pid_t pid;
	char ch;

	/* fixture_new() set its own logger; use ours to see the pause. */
	control_free(f->c);
	o.path = f->path;
	o.group = "";
	f->c = control_new(f->base, &o, stub_dispatch, f);
	assert_non_null(f->c);

	assert_int_equal(pipe2(ready, O_CLOEXEC), 0);
	assert_int_equal(pipe2(go, O_CLOEXEC), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct sockaddr_un sa = { .sun_family = AF_UNIX };
		int c[16];

		/* only the ends we use: the parent's death reads as EOF */
		close(ready[0]);
		close(go[1]);
		strcpy(sa.sun_path, f->path);
		for (int i = 0; i < 16; i++) {
			c[i] = socket(AF_UNIX, SOCK_STREAM, 0);
			if (connect(c[i], (struct sockaddr *)&sa, sizeof(sa)) < 0)
				_exit(1);
		}
		if (write(ready[1], "x", 1) != 1)
			_exit(2);
		/* wait until told (or until the parent is gone), then leave with them all */
		if (read(go[0], &ch, 1) < 0)
			_exit(3);
		_exit(0);
	}
	close(ready[1]);
	close(go[0]);
	/* room for 4 more descriptors, no more: fill the holes below the highest one */
	for (fd = 0; fd < 1024; fd++)
		if (fcntl(fd, F_GETFD) >= 0)
			nfds = fd + 1;
	for (fd = 0; fd < nfds; fd++)
		if (fcntl(fd, F_GETFD) < 0 && nholes < 1024)
			holes[nholes++] = open("/dev/null", O_RDONLY | O_CLOEXEC);
	getrlimit(RLIMIT_NOFILE, &old);
	low = old;
	low.rlim_cur = (rlim_t)nfds + 4;
	assert_int_equal(setrlimit(RLIMIT_NOFILE, &low), 0);
	assert_int_equal(read(ready[0], &ch, 1), 1);
	end = now() + 3;
	while (now() < end && emfile_warnings == 0)
		pump(f);
	if (emfile_warnings != 1) {
		setrlimit(RLIMIT_NOFILE, &old);
		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
		fail_msg("accept did not pause (%d warnings)", emfile_warnings);
	}
	control_get_stats(f->c, &st);
	assert_true(st.clients <= 4);
	/* paused: the loop is idle now, not spinning on accept */
	for (int i = 0; i < 100; i++)
		pump(f);
	assert_int_equal(emfile_warnings, 1);

	setrlimit(RLIMIT_NOFILE, &old);
	for (int i = 0; i < nholes; i++)
		close(holes[i]);
	assert_true(write(go[1], "y", 1) == 1);
	close(go[1]);
	waitpid(pid, &status, 0);
	assert_int_equal(WEXITSTATUS(status), 0);
	close(ready[0]);
	/* accepting again within a second or so; the dead ones are cleaned up */
	end = now() + 5;
	do {
		event_base_loop(f->base, EVLOOP_ONCE | EVLOOP_NONBLOCK);
		usleep(1000);
		control_get_stats(f->c, &st);
		assert_true(now() < end);
	} while (st.clients != 0);
	fd = client_connect(f);
	expect_ok(f, fd, "{\"cmd\":\"hello\"}");
	client_close(fd);
	fixture_free(f);
}

/* --- sysguardctl against this control, no root needed ----------------------------------------- */

static char ctl_bin[4096];

static bool find_ctl(void)
{
	char exe[2048];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	char *slash;

	if (n <= 0)
		return false;
	exe[n] = '\0';
	slash = strrchr(exe, '/');           /* BUILD/tests/test_control */
	if (!slash)
		return false;
	*slash = '\0';
	slash = strrchr(exe, '/');
	if (!slash)
		return false;
	*slash = '\0';
	snprintf(ctl_bin, sizeof(ctl_bin), "%s/sysguardctl", exe);
	return access(ctl_bin, X_OK) == 0;
}

struct cli_result {
	int status;
	char out[65536];
	char err[8192];
};

/* Run sysguardctl --socket PATH args... with stdin from input, pumping the loop meanwhile. */
static void run_cli(struct fixture *f, struct cli_result *res, const char *input, ...)
{
	const char *argv[32] = { ctl_bin, "--socket", f->path };
	int out[2], err[2], in[2], argc = 3, status;
	size_t olen = 0, elen = 0;
	double end = now() + 10;
	va_list ap;
	pid_t pid;

	va_start(ap, input);
	while ((argv[argc] = va_arg(ap, const char *)) != NULL && argc < 30)
		argc++;
	va_end(ap);
	assert_int_equal(pipe2(out, O_CLOEXEC), 0);
	assert_int_equal(pipe2(err, O_CLOEXEC), 0);
	assert_int_equal(pipe2(in, O_CLOEXEC), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		dup2(in[0], 0);
		dup2(out[1], 1);
		dup2(err[1], 2);
		execv(ctl_bin, (char **)argv);
		_exit(127);
	}
	close(out[1]);
	close(err[1]);
	close(in[0]);
	if (input && write(in[1], input, strlen(input)) < 0)
		fail_msg("write to sysguardctl: %s", strerror(errno));
	close(in[1]);
	fcntl(out[0], F_SETFL, O_NONBLOCK);
	fcntl(err[0], F_SETFL, O_NONBLOCK);
	memset(res, 0, sizeof(*res));
	for (;;) {
		ssize_t n;

		pump(f);
		n = read(out[0], res->out + olen, sizeof(res->out) - 1 - olen);
		if (n > 0)
			olen += (size_t)n;
		n = read(err[0], res->err + elen, sizeof(res->err) - 1 - elen);
		if (n > 0)
			elen += (size_t)n;
		if (waitpid(pid, &status, WNOHANG) == pid)
			break;
		if (now() > end) {
			kill(pid, SIGKILL);
			waitpid(pid, &status, 0);
			fail_msg("sysguardctl %s timed out", argv[3]);
		}
		usleep(500);
	}
	/* what is left in the pipes */
	for (ssize_t n; (n = read(out[0], res->out + olen, sizeof(res->out) - 1 - olen)) > 0;)
		olen += (size_t)n;
	for (ssize_t n; (n = read(err[0], res->err + elen, sizeof(res->err) - 1 - elen)) > 0;)
		elen += (size_t)n;
	close(out[0]);
	close(err[0]);
	res->status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
	if (getenv("TEST_VERBOSE"))
		fprintf(stderr, "sysguardctl %s -> %d\n%s%s", argv[3], res->status, res->out,
			res->err);
}

#define CLI(f, res, input, ...) run_cli(f, res, input, __VA_ARGS__, (const char *)NULL)

static void test_cli(void **state)
{
	struct fixture *f = *state;
	struct cli_result *r = malloc(sizeof(*r));
	char policy[256];
	int fd;

	if (!find_ctl()) {
		free(r);
		skip();
	}
	CLI(f, r, NULL, "status");
	assert_int_equal(r->status, 0);
	assert_non_null(strstr(r->out, "sysguardd test"));
	assert_non_null(strstr(r->out, "clients:"));
	CLI(f, r, NULL, "--json", "st");
	assert_int_equal(r->status, 0);
	assert_non_null(strstr(r->out, "\"control\":{"));
	CLI(f, r, NULL, "version");
	assert_int_equal(r->status, 0);
	assert_non_null(strstr(r->out, "sysguardd 9.9.9 (protocol 1)"));
	CLI(f, r, NULL, "mark", "hello", "world");
	assert_int_equal(r->status, 0);
	assert_int_equal(strtoull(r->out, NULL, 10), f->seq);
	assert_string_equal(f->last_mark, "hello world");
	CLI(f, r, NULL, "policy", "show", "--json");
	assert_int_equal(r->status, 0);
	assert_non_null(strstr(r->out, "\"rules\":3"));

	/* policy check: the file is read by the client and sent as text */
	snprintf(policy, sizeof(policy), "%s/p.yaml", f->dir);
	fd = open(policy, O_CREAT | O_WRONLY | O_TRUNC | O_CLOEXEC, 0644);
	assert_true(write(fd, "bad: policy\n", 12) == 12);
	close(fd);
	CLI(f, r, NULL, "po", "ch", policy);
	assert_int_equal(r->status, 1);
	assert_non_null(strstr(r->err, "inline:2:5: unknown key 'foo'"));
	CLI(f, r, "rules: []\n", "policy", "check", "-");
	assert_int_equal(r->status, 0);
	assert_non_null(strstr(r->out, "<stdin>: ok"));
	if (getuid() == 0) {
		CLI(f, r, NULL, "policy", "load", policy);      /* sent by path: the stub accepts */
		assert_int_equal(r->status, 0);
		CLI(f, r, "bad\n", "policy", "load", "-");
		assert_int_equal(r->status, 1);
		assert_non_null(strstr(r->err, "invalid_policy"));
		CLI(f, r, NULL, "block", "10.0.0.5/32:443", "--proto", "tcp", "--ttl", "10m");
		assert_int_equal(r->status, 1);
		assert_non_null(strstr(r->err, "network blocking is not available in this build"));
		CLI(f, r, NULL, "--json", "blocks");
		assert_int_equal(r->status, 1);
		assert_non_null(strstr(r->out, "{\"error\":{\"code\":\"not_available\""));
	}
	unlink(policy);

	/* tail: NDJSON on a pipe, markers pass the filter, --count ends it */
	{
		const char *argv[] = { ctl_bin, "--socket", f->path, "tail", "--type", "exec",
				       "--count", "2", NULL };
		int out[2], status;
		pid_t pid;
		char buf[8192];
		size_t len = 0;
		struct control_stats st;
		double end = now() + 10;

		assert_int_equal(pipe2(out, O_CLOEXEC), 0);
		pid = fork();
		if (pid == 0) {
			dup2(out[1], 1);
			execv(ctl_bin, (char **)argv);
			_exit(127);
		}
		close(out[1]);
		do {
			pump(f);
			control_get_stats(f->c, &st);
			assert_true(now() < end);
		} while (st.subscribers == 0);
		publish(f, SG_EV_OPEN, 1, "x", SG_ACT_LOG, NULL, 0);   /* filtered out */
		publish_mark(f, "m1", ++f->seq);
		publish(f, SG_EV_EXEC, 1, "x", SG_ACT_LOG, NULL, 0);
		fcntl(out[0], F_SETFL, O_NONBLOCK);
		while (waitpid(pid, &status, WNOHANG) != pid) {
			ssize_t n = read(out[0], buf + len, sizeof(buf) - 1 - len);

			if (n > 0)
				len += (size_t)n;
			pump(f);
			assert_true(now() < end);
		}
		for (ssize_t n; (n = read(out[0], buf + len, sizeof(buf) - 1 - len)) > 0;)
			len += (size_t)n;
		buf[len] = '\0';
		close(out[0]);
		assert_int_equal(WEXITSTATUS(status), 0);
		assert_non_null(strstr(buf, "\"type\":\"mark\""));
		assert_non_null(strstr(buf, "\"type\":\"exec\""));
		assert_null(strstr(buf, "\"type\":\"open\""));
	}

	/* usage errors and connection errors */
	CLI(f, r, NULL, "frobnicate");
	assert_int_equal(r->status, 2);
	CLI(f, r, NULL, "b");                                 /* ambiguous prefix */
	assert_int_equal(r->status, 2);
	CLI(f, r, NULL, "block", "10.0.0.5:99999");
	assert_int_equal(r->status, 2);
	CLI(f, r, NULL, "tail", "--pid", "x");
	assert_int_equal(r->status, 2);
	CLI(f, r, NULL, "help", "tail");
	assert_int_equal(r->status, 0);
	assert_non_null(strstr(r->out, "--count N"));
	{
		char bad[256];

		snprintf(bad, sizeof(bad), "%s/nonexistent.sock", f->dir);
		/* the last --socket wins */
		CLI(f, r, NULL, "--socket", bad, "status");
		assert_int_equal(r->status, 3);
		assert_non_null(strstr(r->err, "cannot connect to"));
		assert_non_null(strstr(r->err, "is sysguardd running?"));
	}
	free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_hello, setup, teardown),
		cmocka_unit_test_setup_teardown(test_status, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_input, setup, teardown),
		cmocka_unit_test_setup_teardown(test_line_too_long, setup, teardown),
		cmocka_unit_test_setup_teardown(test_policy, setup, teardown),
		cmocka_unit_test_setup_teardown(test_block_not_available, setup, teardown),
		cmocka_unit_test(test_stub_table_is_the_daemons),
		cmocka_unit_test_setup_teardown(test_subscribe_filters, setup, teardown),
		cmocka_unit_test_setup_teardown(test_flood, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pipelined_unread, setup, teardown),
		cmocka_unit_test(test_many_clients),
		cmocka_unit_test(test_idle_timeout),
		cmocka_unit_test(test_stale_socket),
		cmocka_unit_test(test_permissions),
		cmocka_unit_test(test_emfile),
		cmocka_unit_test_setup_teardown(test_cli, setup, teardown),
	};

	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
