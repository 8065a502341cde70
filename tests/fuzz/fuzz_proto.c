// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * libFuzzer target for the control protocol's parsers: one input is one
 * request line.  It goes through proto_request_parse(), and on success
 * through the daemon's own argument parsers (subscription filters, block
 * rules, policy sources), then the reply for it is built, serialised and
 * parsed back by the client-side parser, which must accept it.  The same
 * bytes are also fed to proto_line_parse(), and to the control socket's
 * handling (control.c is included to reach its static functions) on an
 * in-memory connection (a bufferevent pair; the daemon's command rows with
 * stub handlers) once as root and
 * once as an outsider; every line the daemon writes back must parse.  Build
 * with tests/fuzz/run-brief or Makefile.fuzz.
 */
#include <event2/bufferevent.h>
#include "../../sysguardd/control.c"
#include "commands_int.h"

static struct control *fz;

static int fz_status(struct daemon *d, union cmd_args *a, struct control_call *call)
{
	json_object_object_add(call->result, "version", json_object_new_string("fuzz"));
	return 0;
}

static int fz_show(struct daemon *d, union cmd_args *a, struct control_call *call)
{
	return -EIO;
}

static int fz_policy(struct daemon *d, union cmd_args *a, struct control_call *call)
{
	const struct cmd_policy_src *src = &a->src;

	if (src->text && strlen(src->text) % 2) {
		snprintf(call->err.message, sizeof(call->err.message), "%s:1:1: odd",
			 src->name ? src->name : "x");
		call->err.details = json_object_new_array();
		return -EBADMSG;
	}
	json_object_object_add(call->result, "valid", json_object_new_boolean(1));
	return 0;
}

static int fz_reload(struct daemon *d, union cmd_args *a, struct control_call *call)
{
	call->err.code = PROTO_E_BUSY;
	return -EAGAIN;
}

static int fz_block(struct daemon *d, union cmd_args *a, struct control_call *call)
{
	return a->block.rule.port_lo > 1000 ? -EEXIST : 0;
}

static int fz_list(struct daemon *d, union cmd_args *a, struct control_call *call)
{
	json_object_object_add(call->result, "rules", json_object_new_array());
	return 0;
}

static int fz_mark(struct daemon *d, union cmd_args *a, struct control_call *call)
{
	struct sg_event ev = { .type = SG_EV_MARK, .seq = 1 };

	ev.mark.text = a->text;
	control_publish(fz, &ev, "{\"type\":\"mark\"}", 15);
	json_object_object_add(call->result, "seq", json_object_new_int(1));
	return 0;
}

/* The daemon's rows (names, roles, parsers) with stub handlers. */
static const struct command fz_table[] = {
	{ "hello", PROTO_PERM_ANY, "", cmd_hello_parse, cmd_hello },
	{ "version", PROTO_PERM_ANY, "", cmd_hello_parse, cmd_hello },
	{ "status", PROTO_PERM_READ, "", NULL, fz_status },
	{ "containers", PROTO_PERM_READ, "", NULL, fz_status },
	{ "subscribe", PROTO_PERM_READ, "", cmd_subscribe_parse, cmd_subscribe },
	{ "policy.show", PROTO_PERM_READ, "", NULL, fz_show },
	{ "policy.check", PROTO_PERM_READ, "", cmd_policy_src_parse, fz_policy },
	{ "policy.load", PROTO_PERM_ADMIN, "", cmd_policy_src_parse, fz_policy },
	{ "policy.reload", PROTO_PERM_ADMIN, "", NULL, fz_reload },
	{ "block.add", PROTO_PERM_ADMIN, "", cmd_block_add_parse, fz_block },
	{ "block.remove", PROTO_PERM_ADMIN, "", cmd_block_remove_parse, fz_block },
	{ "block.list", PROTO_PERM_READ, "", NULL, fz_list },
	{ "mark", PROTO_PERM_READ, "", cmd_mark_parse, fz_mark },
};

static int fz_dispatch(void *ctx, const char *cmd, struct control_call *call)
{
	return commands_run(fz_table, sizeof(fz_table) / sizeof(fz_table[0]), ctx, cmd, call);
}

/* A control without a socket: just what command dispatch needs. */
static struct control *fz_control(void)
{
	struct control *c = calloc(1, sizeof(*c));

	c->base = event_base_new();
	c->dispatch = fz_dispatch;
	c->fd = -1;
	TAILQ_INIT(&c->conns);
	TAILQ_INIT(&c->subs);
	c->max_clients = 8;
	c->idle_tv.tv_sec = 60;
	c->queue_max = 1 << 16;
	c->path = strdup("/fuzz.sock");
	c->version = strdup("fuzz");
	c->scratch_size = SG_JSON_LINE_MAX + EVENT_WRAP;
	c->scratch = malloc(c->scratch_size);
	return c;
}

static void check(bool cond, const char *what)
{
	if (!cond) {
		fprintf(stderr, "fuzz_proto: invariant failed: %s\n", what);
		abort();
	}
}

/* The reply to a request must go out and parse back with the same code. */
static void round_trip(struct json_object *id, enum proto_errcode code, const char *msg)
{
	struct json_object *o;
	struct proto_line l;
	const char *s;
	size_t len;

	o = code == PROTO_E_NONE ? proto_reply_ok(id, json_object_new_object()) :
				   proto_reply_error(id, code, msg, NULL);
	check(o != NULL, "reply built");
	s = proto_serialize(o, &len);
	check(s != NULL && memchr(s, '\n', len) == NULL, "reply is one line");
	check(proto_line_parse(s, len, &l) == 0, "reply parses back");
	check(l.kind == PROTO_LINE_REPLY, "reply kind");
	check(l.ok == (code == PROTO_E_NONE), "reply ok flag");
	if (code != PROTO_E_NONE)
		check(l.error == code, "reply error code");
	proto_line_clear(&l);
	json_object_put(o);
}

/* Every line in buf must be a reply, an event or a missed notice (buf is read, not drained). */
static void check_output(struct evbuffer *buf)
{
	size_t len = evbuffer_get_length(buf);
	const char *p = len ? (const char *)evbuffer_pullup(buf, -1) : NULL;

	while (len > 0) {
		const char *nl = memchr(p, '\n', len);
		struct proto_line l;

		check(nl != NULL, "daemon output ends in a newline");
		check(proto_line_parse(p, (size_t)(nl - p), &l) == 0, "daemon output parses");
		proto_line_clear(&l);
		len -= (size_t)(nl - p) + 1;
		p = nl + 1;
	}
}

static void dispatch(const char *line, size_t size, bool root)
{
	struct bufferevent *pair[2];
	struct control_conn *conn = calloc(1, sizeof(*conn));

	check(conn && bufferevent_pair_new(fz->base, 0, pair) == 0, "pair");
	conn->c = fz;
	conn->bev = pair[0];
	conn->peer.uid = root ? 0 : 1000;
	conn->peer.member = conn->peer.admin = root;
	TAILQ_INSERT_TAIL(&fz->conns, conn, entry);
	fz->nconns++;
	conn_handle_line(conn, line, size);
	if (conn->subscribed) {
		struct sg_event ev = { .type = SG_EV_EXEC, .seq = 2 };

		ev.proc.pid = 1;
		snprintf(ev.proc.comm, sizeof(ev.proc.comm), "bash");
		ev.verdict.action = SG_ACT_ALERT;
		ev.verdict.rule_id = "r1";
		control_publish(fz, &ev, "{\"type\":\"exec\"}", 15);
	}
	check_output(bufferevent_get_output(pair[0]));
	check_output(bufferevent_get_input(pair[1]));
	conn_free(conn);
	bufferevent_free(pair[1]);
	event_base_loop(fz->base, EVLOOP_NONBLOCK); /* run the deferred frees */
	check(fz->nconns == 0 && fz->nsubs == 0, "connection freed");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct proto_request req;
	struct proto_error err;
	struct proto_line l;
	const char *line = (const char *)data;

	if (size > SG_CTL_LINE_MAX)
		return 0;
	if (!fz)
		fz = fz_control();
	dispatch(line, size, true);
	dispatch(line, size, false);
	if (proto_line_parse(line, size, &l) == 0)
		proto_line_clear(&l);

	if (proto_request_parse(line, size, &req, &err) < 0) {
		check(err.code != PROTO_E_NONE, "failure has a code");
		check(memchr(err.message, '\0', sizeof(err.message)) != NULL, "message terminated");
		round_trip(req.id, err.code, err.message);
		proto_request_clear(&req);
		return 0;
	}
	check(req.cmd != NULL && req.root != NULL, "success has a command");

	{
		struct subfilter f;
		struct cmd_block b;
		union cmd_args a;
		struct control_peer peer = { .admin = (size & 1) != 0 };
		struct control_call call = { .peer = &peer, .args = req.args };
		struct sg_event ev = { .type = SG_EV_EXEC };
		int r;

		memset(&err, 0, sizeof(err));
		r = subfilter_parse(&f, req.args, &err);
		if (r == 0) {
			snprintf(ev.proc.comm, sizeof(ev.proc.comm), "bash");
			ev.proc.pid = 1;
			ev.verdict.rule_id = "r1";
			(void)subfilter_match(&f, &ev);
		} else {
			check(err.code != PROTO_E_NONE, "filter failure has a code");
		}
		subfilter_clear(&f);
		r = commands_block_parse(req.args, !strcmp(req.cmd, "block.remove"), &b, &err);
		check(r == 0 || err.code != PROTO_E_NONE, "block failure has a code");
		if (r == 0)
			check(b.addr || b.id, "block has a target");
		memset(&a, 0, sizeof(a));
		r = cmd_policy_src_parse(&call, &a, &err);
		if (r == 0)
			check(!a.src.path != !a.src.text, "policy source is path xor text");
		round_trip(req.id, r == 0 ? PROTO_E_NONE : err.code, err.message);
	}
	proto_request_clear(&req);
	return 0;
}
