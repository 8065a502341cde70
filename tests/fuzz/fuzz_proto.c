// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * libFuzzer target for the control protocol's parsers: one input is one
 * request line.  It goes through proto_request_parse(), and on success
 * through the daemon's own argument validators (subscription filters, block
 * rules, policy sources; control.c is included to reach its static
 * functions), then the reply for it is built, serialised and parsed back by
 * the client-side parser, which must accept it.  The same bytes are also fed
 * to proto_line_parse().  Build with tests/fuzz/run-brief or Makefile.fuzz.
 */
#include "../../sysguardd/control.c"

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

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct proto_request req;
	struct proto_error err;
	struct proto_line l;
	const char *line = (const char *)data;

	if (size > SG_CTL_LINE_MAX)
		return 0;
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
		struct control_filter f;
		struct control_block b;
		struct control_policy_src src;
		struct control_conn conn = { .peer = { .admin = (size & 1) != 0 } };
		struct sg_event ev = { .type = SG_EV_EXEC };
		int r;

		memset(&err, 0, sizeof(err));
		r = filter_parse(&f, req.args, &err);
		if (r == 0) {
			snprintf(ev.proc.comm, sizeof(ev.proc.comm), "bash");
			ev.proc.pid = 1;
			ev.verdict.rule_id = "r1";
			(void)filter_match(&f, &ev);
		} else {
			check(err.code != PROTO_E_NONE, "filter failure has a code");
		}
		filter_clear(&f);
		r = parse_block(req.args, req.cmd->cmd == PROTO_CMD_BLOCK_REMOVE, &b, &err);
		check(r == 0 || err.code != PROTO_E_NONE, "block failure has a code");
		if (r == 0)
			check(b.addr || b.id, "block has a target");
		r = parse_policy_src(&conn, req.args, &src, &err);
		if (r == 0)
			check(!src.path != !src.text, "policy source is path xor text");
		round_trip(req.id, r == 0 ? PROTO_E_NONE : err.code, err.message);
	}
	proto_request_clear(&req);
	return 0;
}
