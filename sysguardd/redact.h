/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Redaction of secrets in command lines (sysguard.yaml(5), redact:): the
 * argv every output shows (event lines, subscribers, the journal's copy of
 * the line) goes through the active rule set when the event is encoded.
 *
 * A rule is "[PROG:]ARG":
 *   ARG ending in '*'   an argument that starts with ARG (without the '*') and
 *                       is longer keeps that prefix; the rest becomes "***"
 *                       ("--password=*": --password=hunter2 -> --password=***)
 *   ARG without '*'     an argument equal to ARG is kept and the NEXT argument
 *                       becomes "***" ("--password": --password hunter2)
 *   PROG:               the rule holds only when the basename of argv[0]
 *                       matches the glob PROG ("mysql*:-p*": mysql -phunter2)
 * Besides the rules, whenever a set is active, secrets inside an argument
 * are masked (redact_inline()): the value of an authorization, cookie or
 * API-key header (as the argument, after -H or after NAME=), the password
 * of a URL's user:password@, and openssl's pass:SECRET.
 * Nothing else is recognised: see SECURITY.md for what this cannot catch.
 */
#ifndef SG_REDACT_H
#define SG_REDACT_H

#include <stdbool.h>
#include <stddef.h>

#define REDACT_RULES_MAX 64      /* rules in one set */
#define REDACT_RULE_MAX  128     /* bytes of one rule */
#define REDACT_MASK      "***"
#define REDACT_BUF       4160    /* an argument redacted: argv's most bytes and masks */

struct jsonw;
struct redact;

/* The built-in rules, used when the configuration says nothing (NULL-terminated). */
extern const char *const redact_defaults[];

/* Compile n rules; NULL with errno EINVAL (a bad rule: its index in *ret_bad) or ENOMEM. */
struct redact *redact_new(const char *const *rules, size_t n, size_t *ret_bad);
void redact_free(struct redact *r);
/* The configured rules (redact.argv: n of rules), or the built-in ones when n < 0. */
struct redact *redact_configured(int n, const char (*rules)[REDACT_RULE_MAX]);

/* The set encoders use (NULL: none; the default until set). Not owned. */
void redact_set_active(const struct redact *r);
const struct redact *redact_active(void);

/*
 * Judge argument i (arg, len bytes) of a command whose argv[0] is prog
 * (prog_len bytes).  *hide is in/out: true on entry when the previous
 * argument asked for this one to be hidden; on return, whether the next one
 * must be.  Returns how many bytes of arg to keep before REDACT_MASK, or
 * (size_t)-1 to show the argument as it is.
 */
size_t redact_arg(const struct redact *r, const char *prog, size_t prog_len, const char *arg,
		  size_t len, bool *hide);

/*
 * The secrets inside one argument (arg, len bytes) of program prog masked
 * into out (cap bytes): the new length, or (size_t)-1 when there are none.
 */
size_t redact_inline(const char *prog, size_t prog_len, const char *arg, size_t len, char *out,
		     size_t cap);

/*
 * What argument arg (len bytes) of prog shows under r: arg itself, or its
 * redacted copy in buf (REDACT_BUF bytes); its length in *ret_len.  *hide as
 * for redact_arg().  The encoder and the journal's message both use it.
 */
const char *redact_show(const struct redact *r, const char *prog, size_t prog_len,
			const char *arg, size_t len, bool *hide, char *buf, size_t *ret_len);

/* A JSON array of argc NUL-separated arguments (len bytes), redacted by the active set. */
void redact_argv_json(struct jsonw *w, const char *argv, size_t len, unsigned int argc);

#endif /* SG_REDACT_H */
