// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Argument redaction: compiled rule sets, the judgement of one argument, and
 * the redacting argv writer the event encoder calls.  No allocation on the
 * per-event path; a set is built once at start-up.
 */
#include <errno.h>
#include <fnmatch.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <linux/types.h>
#include "jsonw.h"
#include "redact.h"
#include "sysguard.h"

_Static_assert(REDACT_BUF >= SG_ARGV_BYTES + sizeof(REDACT_MASK) * 16,
	       "room for the longest argument and its masks");

struct redact_rule {
	char prog[REDACT_RULE_MAX];  /* "" any program, else a glob on argv[0]'s basename */
	char arg[REDACT_RULE_MAX];   /* the prefix (prefix) or the whole argument */
	size_t arg_len;
	bool prefix;                 /* ARG*: keep arg, hide the rest */
};

struct redact {
	size_t n;
	struct redact_rule rules[REDACT_RULES_MAX];
};

const char *const redact_defaults[] = {
	"--password=*", "--password", "--passwd=*", "--passwd",
	"--pass=*", "--token=*", "--token", "--secret=*", "--secret",
	"--api-key=*", "--api-key", "--apikey=*", "--access-key=*", "--secret-key=*",
	"--client-secret=*", "--auth-token=*",
	"mysql*:-p*", "mariadb*:-p*", "sshpass:-p*", "sshpass:-p",
	/* wget's and others' password options */
	"--http-password=*", "--http-passwd=*", "--ftp-password=*", "--proxy-password=*",
	/* curl's user:password, as one argument or the next */
	"curl:-u*", "curl:-u", "curl:--user=*", "curl:--user", "curl:--proxy-user=*",
	"curl:--proxy-user",
	/* redis, MongoDB, SQL Server, Samba, Azure command lines */
	"redis-cli:-a", "redis-server:--requirepass", "mongo*:-p", "sqlcmd:-P", "smbclient:-U",
	"az:-p",
	NULL,
};

/*
 * Header names whose value is a secret, wherever a header is written into
 * an argument (curl -H, wget --header=, git -c http.extraHeader=).
 */
static const char *const secret_headers[] = {
	"authorization", "proxy-authorization", "cookie", "set-cookie", "x-api-key",
	"api-key", "x-auth-token", "x-access-token", "private-token", NULL,
};

static const struct redact *active;

static int rule_parse(struct redact_rule *rr, const char *s)
{
	const char *colon = NULL, *arg;
	size_t len = strlen(s);

	if (len == 0 || len >= REDACT_RULE_MAX)
		return -EINVAL;
	/* "PROG:ARG" only when ARG starts with '-': "--x=a:b*" is one argument pattern */
	colon = strchr(s, ':');
	if (colon && colon != s && colon[1] == '-' && !memchr(s, '-', 1)) {
		memcpy(rr->prog, s, (size_t)(colon - s));
		rr->prog[colon - s] = '\0';
		arg = colon + 1;
	} else {
		rr->prog[0] = '\0';
		arg = s;
	}
	len = strlen(arg);
	rr->prefix = len > 0 && arg[len - 1] == '*';
	if (rr->prefix)
		len--;
	if (len == 0 || memchr(arg, '*', len))
		return -EINVAL;
	memcpy(rr->arg, arg, len);
	rr->arg[len] = '\0';
	rr->arg_len = len;
	return 0;
}

struct redact *redact_new(const char *const *rules, size_t n, size_t *ret_bad)
{
	struct redact *r;

	if (n > REDACT_RULES_MAX) {
		if (ret_bad)
			*ret_bad = REDACT_RULES_MAX;
		errno = EINVAL;
		return NULL;
	}
	r = calloc(1, sizeof(*r));
	if (!r)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		if (!rules[i] || rule_parse(&r->rules[i], rules[i]) < 0) {
			if (ret_bad)
				*ret_bad = i;
			free(r);
			errno = EINVAL;
			return NULL;
		}
	}
	r->n = n;
	return r;
}

void redact_free(struct redact *r)
{
	if (r && r == active)
		active = NULL;
	free(r);
}

void redact_set_active(const struct redact *r)
{
	active = r;
}

const struct redact *redact_active(void)
{
	return active;
}

static bool prog_match(const struct redact_rule *rr, const char *prog, size_t prog_len)
{
	char base[256];
	const char *slash;
	size_t l;

	if (!rr->prog[0])
		return true;
	if (!prog)
		return false;
	slash = memrchr(prog, '/', prog_len);
	if (slash) {
		prog_len -= (size_t)(slash + 1 - prog);
		prog = slash + 1;
	}
	l = prog_len < sizeof(base) - 1 ? prog_len : sizeof(base) - 1;
	memcpy(base, prog, l);
	base[l] = '\0';
	return fnmatch(rr->prog, base, 0) == 0;
}

size_t redact_arg(const struct redact *r, const char *prog, size_t prog_len, const char *arg,
		  size_t len, bool *hide)
{
	bool hide_this = *hide;

	*hide = false;
	if (!r)
		return SIZE_MAX;
	for (size_t i = 0; i < r->n; i++) {
		const struct redact_rule *rr = &r->rules[i];

		if (rr->prefix) {
			if (!hide_this && len > rr->arg_len && !memcmp(arg, rr->arg, rr->arg_len) &&
			    prog_match(rr, prog, prog_len))
				return rr->arg_len;
		} else if (len == rr->arg_len && !memcmp(arg, rr->arg, len) &&
			   prog_match(rr, prog, prog_len)) {
			*hide = true;
		}
	}
	return hide_this ? 0 : SIZE_MAX;
}

/* A secret header at arg[o]: where its value starts (after "Name:" and blanks, and a scheme). */
static size_t header_value(const char *arg, size_t len, size_t o)
{
	for (size_t h = 0; secret_headers[h]; h++) {
		size_t n = strlen(secret_headers[h]), v;

		if (len - o <= n || strncasecmp(arg + o, secret_headers[h], n) != 0)
			continue;
		v = o + n;
		while (v < len && arg[v] == ' ')
			v++;
		if (v >= len || arg[v] != ':')
			continue;
		for (v++; v < len && arg[v] == ' '; v++)
			;
		if (h < 2) { /* Authorization: SCHEME secret: the scheme stays */
			size_t w = v;

			while (w < len && ((arg[w] | 0x20) >= 'a' && (arg[w] | 0x20) <= 'z'))
				w++;
			if (w > v && w < len && arg[w] == ' ')
				v = w + 1;
		}
		return v < len ? v : SIZE_MAX;
	}
	return SIZE_MAX;
}

/* out[*o..] += s (n bytes), within cap. */
static void put(char *out, size_t cap, size_t *o, const char *s, size_t n)
{
	if (*o + n > cap)
		n = cap - *o;
	memcpy(out + *o, s, n);
	*o += n;
}

size_t redact_inline(const char *prog, size_t prog_len, const char *arg, size_t len, char *out,
		     size_t cap)
{
	const char *base = prog ? memrchr(prog, '/', prog_len) : NULL;
	size_t o = 0, from = 0, v = SIZE_MAX;
	const char *eq = memchr(arg, '=', len);
	bool changed = false;

	if (base) {
		prog_len -= (size_t)(base + 1 - prog);
		prog = base + 1;
	}
	/* a header: the whole argument, after -H, or after NAME= */
	v = header_value(arg, len, 0);
	if (v == SIZE_MAX && len > 2 && !memcmp(arg, "-H", 2))
		v = header_value(arg, len, 2);
	if (v == SIZE_MAX && eq)
		v = header_value(arg, len, (size_t)(eq + 1 - arg));
	if (v != SIZE_MAX) {
		put(out, cap, &o, arg, v);
		put(out, cap, &o, REDACT_MASK, sizeof(REDACT_MASK) - 1);
		return o;
	}
	/* openssl's pass:SECRET (-passin, -passout, -pass) */
	if (prog && prog_len == 7 && !memcmp(prog, "openssl", 7) && len > 5 &&
	    !memcmp(arg, "pass:", 5)) {
		put(out, cap, &o, arg, 5);
		put(out, cap, &o, REDACT_MASK, sizeof(REDACT_MASK) - 1);
		return o;
	}
	/* scheme://user:password@host: each URL's password */
	for (const char *p = arg; (p = memmem(p, len - (size_t)(p - arg), "://", 3));) {
		const char *auth = p + 3, *end = auth, *at = NULL, *colon;

		while (end < arg + len && !strchr("/?# \t", *end))
			end++;
		for (const char *q = auth; q < end; q++)
			if (*q == '@')
				at = q;
		colon = at ? memchr(auth, ':', (size_t)(at - auth)) : NULL;
		if (colon && at > colon + 1) {
			put(out, cap, &o, arg + from, (size_t)(colon + 1 - (arg + from)));
			put(out, cap, &o, REDACT_MASK, sizeof(REDACT_MASK) - 1);
			from = (size_t)(at - arg);
			changed = true;
		}
		p = end;
	}
	if (!changed)
		return SIZE_MAX;
	put(out, cap, &o, arg + from, len - from);
	return o;
}

const char *redact_show(const struct redact *r, const char *prog, size_t prog_len,
			const char *arg, size_t len, bool *hide, char *buf, size_t *ret_len)
{
	size_t keep = redact_arg(r, prog, prog_len, arg, len, hide), n;

	*ret_len = len;
	if (keep != SIZE_MAX) {
		/* keep is a rule's prefix: below REDACT_RULE_MAX */
		memcpy(buf, arg, keep);
		memcpy(buf + keep, REDACT_MASK, sizeof(REDACT_MASK) - 1);
		*ret_len = keep + sizeof(REDACT_MASK) - 1;
		return buf;
	}
	if (!r)
		return arg;
	/* secrets inside an argument: header values, URL passwords */
	n = redact_inline(prog, prog_len, arg, len, buf, REDACT_BUF);
	if (n == SIZE_MAX)
		return arg;
	*ret_len = n;
	return buf;
}

void redact_argv_json(struct jsonw *w, const char *argv, size_t len, unsigned int argc)
{
	const struct redact *r = active;
	const char *prog = NULL;
	size_t prog_len = 0, pos = 0;
	bool hide = false;
	char buf[REDACT_BUF];

	jw_arr_open(w);
	for (unsigned int i = 0; i < argc && pos < len; i++) {
		size_t l = strnlen(argv + pos, len - pos), n = l;
		const char *a = argv + pos;

		if (i == 0) {
			prog = argv;
			prog_len = l;
		} else {
			a = redact_show(r, prog, prog_len, argv + pos, l, &hide, buf, &n);
		}
		jw_strn(w, a, n);
		pos += l + 1;
	}
	jw_arr_close(w);
}

struct redact *redact_configured(int n, const char (*rules)[REDACT_RULE_MAX])
{
	const char *v[REDACT_RULES_MAX];
	size_t k = 0;

	if (n < 0)
		for (; redact_defaults[k] && k < REDACT_RULES_MAX; k++)
			v[k] = redact_defaults[k];
	else
		for (; k < (size_t)n && k < REDACT_RULES_MAX; k++)
			v[k] = rules[k];
	return redact_new(v, k, NULL);
}
