/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * sysguardctl internals shared by its nouns: the global options, the
 * connection to sysguardd (client.c), the command tables and prefix matching
 * (main.c), output helpers, and the entry point of each noun's file.
 */
#ifndef SYSGUARDCTL_H
#define SYSGUARDCTL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <json-c/json.h>
#include "proto.h"

#ifndef SG_VERSION
#define SG_VERSION "unknown"
#endif

/* Exit codes (also in sysguardctl(8)). */
#define EXIT_OK      0   /* success */
#define EXIT_FAILED  1   /* the daemon refused or failed the request */
#define EXIT_USAGE   2   /* bad command line */
#define EXIT_CONNECT 3   /* cannot connect, or permission denied */

#define CTL_REPLY_MAX     (64u << 20) /* bytes of one reply line accepted */
#define CTL_TIMEOUT_MS    30000       /* wait for a reply */

struct ctl {
	const char *socket;
	bool json;
	bool color;
	int fd;
	int64_t next_id;
	char *buf;           /* received bytes not yet returned as lines */
	size_t len, cap;
};

struct ctl_cmd {
	const char *name;
	int (*run)(struct ctl *ctl, int argc, char **argv);
	const char *args;    /* synopsis after the name */
	const char *summary;
};

/* main.c */
const struct ctl_cmd *ctl_cmd_match(const struct ctl_cmd *table, const char *name, int *ret);
int ctl_usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void ctl_print_cmd_help(const char *prefix, const struct ctl_cmd *cmd);
extern const char *ctl_progname;

/* client.c */
int ctl_connect(struct ctl *ctl);
void ctl_disconnect(struct ctl *ctl);
/* Read one line; timeout_ms < 0 waits forever.  Returns 0, -ETIMEDOUT, -EPIPE (EOF), -EINTR. */
int ctl_read_line(struct ctl *ctl, int timeout_ms, struct proto_line *ret);
/*
 * Connect if needed, send cmd with args (taken over), wait for the reply.
 * On success returns 0 with ret filled (ok or not ok); on failure prints the
 * error and returns the exit code to use (> 0).
 */
int ctl_call(struct ctl *ctl, const char *cmd, struct json_object *args, struct proto_line *ret);
/* Report a not-ok reply on stderr (and as JSON with --json); returns the exit code. */
int ctl_report_error(struct ctl *ctl, const struct proto_line *l);
/* Call and print the result as JSON (--json) or with human(), returning the exit code. */
int ctl_simple(struct ctl *ctl, const char *cmd, struct json_object *args,
	       void (*human)(struct ctl *ctl, struct json_object *result));
void ctl_print_json(struct json_object *o, bool pretty);

/* Checked helpers. */
struct json_object *ctl_get(struct json_object *o, const char *path); /* "a.b.c" */
const char *ctl_get_str(struct json_object *o, const char *path);
int ctl_parse_uint(const char *s, uint64_t max, uint64_t *ret);
int ctl_parse_duration(const char *s, uint64_t *ret_sec);
const char *ctl_color(const struct ctl *ctl, const char *esc);

/* One entry point per noun. */
/* "block rules:" lines: each block rule and its mechanism (or none and why) */
void ctl_print_block_rules(struct json_object *rules);

int cmd_status(struct ctl *ctl, int argc, char **argv);
int cmd_containers(struct ctl *ctl, int argc, char **argv);
int cmd_version(struct ctl *ctl, int argc, char **argv);
int cmd_tail(struct ctl *ctl, int argc, char **argv);
int cmd_policy(struct ctl *ctl, int argc, char **argv);
int cmd_block(struct ctl *ctl, int argc, char **argv);
int cmd_unblock(struct ctl *ctl, int argc, char **argv);
int cmd_blocks(struct ctl *ctl, int argc, char **argv);
int cmd_mark(struct ctl *ctl, int argc, char **argv);
int cmd_output(struct ctl *ctl, int argc, char **argv);

extern const struct ctl_cmd ctl_policy_cmds[];

#endif /* SYSGUARDCTL_H */
