// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Sigma rules as policy rules: the subset of the Sigma language
 * (https://sigmahq.io) that sysguard can judge exactly.  A Sigma rule is read
 * into the YAML node tree of policy_yaml.c, its condition is parsed and put in
 * disjunctive normal form over its search identifiers, and each group of
 * conjunctions with the same negated identifiers becomes one rule mapping of
 * the policy language (positive identifiers as 'match' sets, negated ones as
 * 'except' sets), which the policy loader then compiles like any other rule.
 * Anything the engine cannot express (an unknown field, modifier, log source,
 * keyword search, aggregation, timeframe) refuses the whole Sigma rule with a
 * warning that says why; nothing is weakened.  Also the policy's 'sigma' key
 * (files and directories to read, the action per Sigma level) and the text
 * output of 'sysguardctl policy import-sigma'.
 */
#include <errno.h>
#include <fnmatch.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include "fileio.h"
#include "policy_int.h"
#include "policy_sigma.h"

/* Sigma log source categories this build reads. */
enum scat { SC_PROC, SC_FILE, SC_DELETE, SC_RENAME, SC_NET, SC_MAX };

static const struct {
	const char *name;
	const char *events;      /* the policy event type */
	bool success;            /* only calls that succeeded */
} cats[SC_MAX] = {
	[SC_PROC] = { "process_creation", "exec", true },
	[SC_FILE] = { "file_event", "write", true },
	[SC_DELETE] = { "file_delete", "unlink", true },
	[SC_RENAME] = { "file_rename", "rename", true },
	[SC_NET] = { "network_connection", "connect", false },
};

#define CB(c) (1u << (c))
#define C_ALL 0x1fu

enum skind { SK_STR, SK_NUM, SK_ADDR, SK_PROTO, SK_INITIATED, SK_REFUSED };

/* Sigma field names and what they become. */
static const struct sfield {
	const char *sigma;
	uint32_t cats;
	enum skind kind;
	const char *field;       /* SK_REFUSED: the reason */
} sfields[] = {
	{ "Image", C_ALL, SK_STR, "proc.exe" },
	{ "CommandLine", C_ALL, SK_STR, "proc.argv" },
	{ "ParentImage", C_ALL, SK_STR, "parent.exe" },
	{ "TargetFilename", CB(SC_FILE) | CB(SC_DELETE), SK_STR, "file.path" },
	{ "TargetFilename", CB(SC_RENAME), SK_STR, "file.new_path" },
	{ "DestinationIp", CB(SC_NET), SK_ADDR, "net.addr" },
	{ "DestinationPort", CB(SC_NET), SK_NUM, "net.port" },
	{ "Protocol", CB(SC_NET), SK_PROTO, "net.proto" },
	{ "Initiated", CB(SC_NET), SK_INITIATED, NULL },
	{ "ParentCommandLine", C_ALL, SK_STR, "parent.argv" },
	{ "CurrentDirectory", CB(SC_PROC), SK_STR, "exec.cwd" },
	{ "User", C_ALL, SK_REFUSED, "user names are not matched (proc.uid is a number)" },
	{ "LogonId", C_ALL, SK_REFUSED, "there are no logon sessions" },
	{ "DestinationHostname", C_ALL, SK_REFUSED,
	  "host names are not seen (no DNS): connects carry addresses" },
	{ "SourceFilename", C_ALL, SK_REFUSED,
	  "file.path of a rename is either path, not only the old one" },
};

/* One field condition: a policy field and a mapping of operators. */
struct sfc {
	const char *field;
	struct ynode *cond;
	const struct ynode *key; /* the Sigma key, for positions */
};

/* An AND of field conditions: one mapping of a search identifier. */
struct salt {
	struct sfc *v;
	size_t n;
};

struct sident {
	const char *name;
	const struct ynode *node;
	bool done;
	struct salt *alts;       /* any of them (OR) */
	size_t nalts;
};

enum sx_kind { SX_ID, SX_AND, SX_OR, SX_NOT };

struct sx {
	enum sx_kind kind;
	int id;
	struct sx *a, *b;
};

/* The conversion of one Sigma rule. */
struct sconv {
	struct arena *a;         /* nodes of the result */
	const char *file;
	enum scat cat;
	const struct ynode *root;
	struct sident ids[SG_SIGMA_IDENTS_MAX];
	int nids;
	bool refused;
	int fatal;
	const struct ynode *why_node;
	char why[256];
	/* condition tokens */
	const char *cond, *p;
	const struct ynode *cond_node;
	int depth;
};

__attribute__((format(printf, 3, 4)))
static int refuse(struct sconv *c, const struct ynode *n, const char *fmt, ...)
{
	va_list ap;

	if (!c->refused) {
		c->refused = true;
		c->why_node = n;
		va_start(ap, fmt);
		vsnprintf(c->why, sizeof(c->why), fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

static void *nalloc(struct sconv *c, size_t n)
{
	void *r = policy_arena_alloc(c->a, n ? n : 1);

	if (!r)
		c->fatal = -ENOMEM;
	return r;
}

static struct ynode *mk_scalar(struct sconv *c, const struct pmark *m, const char *s, size_t len)
{
	struct ynode *n = nalloc(c, sizeof(*n));
	char *str = policy_arena_strndup(c->a, s, len);

	if (!n || !str) {
		c->fatal = -ENOMEM;
		return NULL;
	}
	n->type = YN_SCALAR;
	n->mark = *m;
	n->str = str;
	n->len = len;
	return n;
}

static struct ynode *mk_str(struct sconv *c, const struct pmark *m, const char *s)
{
	return mk_scalar(c, m, s, strlen(s));
}

/* A value of the policy language: a leading '$' is written '$$'. */
static struct ynode *mk_val(struct sconv *c, const struct pmark *m, const char *s, size_t len)
{
	struct ynode *n;
	char *t;

	if (len == 0 || s[0] != '$')
		return mk_scalar(c, m, s, len);
	t = malloc(len + 2);
	if (!t) {
		c->fatal = -ENOMEM;
		return NULL;
	}
	t[0] = '$';
	memcpy(t + 1, s, len);
	n = mk_scalar(c, m, t, len + 1);
	free(t);
	return n;
}

static struct ynode *mk_node(struct sconv *c, enum ynode_type t, const struct pmark *m,
			     struct ynode **items, size_t n)
{
	struct ynode *r = nalloc(c, sizeof(*r));

	if (!r)
		return NULL;
	r->type = t;
	r->mark = *m;
	r->n = n;
	r->items = nalloc(c, (n ? n : 1) * sizeof(*items));
	if (!r->items)
		return NULL;
	if (n)
		memcpy(r->items, items, n * sizeof(*items));
	return r;
}

/* A growable list of nodes (malloc'ed; the result is copied into the arena). */
struct nlist {
	struct ynode **v;
	size_t n, cap;
};

static int nl_push(struct sconv *c, struct nlist *l, struct ynode *e)
{
	if (!e)
		return c->fatal = -ENOMEM;
	if (l->n == l->cap) {
		size_t cap = l->cap ? 2 * l->cap : 8;
		struct ynode **v = realloc(l->v, cap * sizeof(*v));

		if (!v)
			return c->fatal = -ENOMEM;
		l->v = v;
		l->cap = cap;
	}
	l->v[l->n++] = e;
	return 0;
}

static struct ynode *nl_finish(struct sconv *c, struct nlist *l, enum ynode_type t,
			       const struct pmark *m)
{
	struct ynode *r = c->fatal ? NULL : mk_node(c, t, m, l->v, l->n);

	free(l->v);
	*l = (struct nlist){ 0 };
	return r;
}

static const struct ynode *map_get(const struct ynode *m, const char *key)
{
	if (!m || m->type != YN_MAP)
		return NULL;
	for (size_t i = 0; i < m->n; i += 2)
		if (strcmp(m->items[i]->str, key) == 0)
			return m->items[i + 1];
	return NULL;
}

/* ---- values ----------------------------------------------------------- */

/*
 * A Sigma string value: '*' and '?' are wildcards, '\*', '\?' and '\\' are
 * the characters themselves, any other backslash is literal.  lit receives
 * the value without escapes (meaningful when there is no wildcard), glob the
 * fnmatch(3) pattern.  Both are at most 2 * len + 1 bytes.
 */
static bool sigma_unescape(const char *s, size_t len, char *lit, size_t *llen, char *glob,
			   size_t *glen)
{
	bool wild = false;
	size_t l = 0, g = 0;

	for (size_t i = 0; i < len; i++) {
		char ch = s[i];

		if (ch == '\\' && i + 1 < len && strchr("*?\\", s[i + 1])) {
			ch = s[++i];
			lit[l++] = ch;
			glob[g++] = '\\';
			glob[g++] = ch;
		} else if (ch == '*' || ch == '?') {
			wild = true;
			glob[g++] = ch;
		} else {
			lit[l++] = ch;
			if (ch == '[' || ch == '\\')
				glob[g++] = '\\';
			glob[g++] = ch;
		}
	}
	lit[l] = glob[g] = '\0';
	*llen = l;
	*glen = g;
	return wild;
}

enum smatch { SM_EQ, SM_CONTAINS, SM_PREFIX, SM_SUFFIX };

static const char *const plain_op[] = { "in", "contains", "prefix", "suffix" };

/* Values after windash: every '-' or '/' opening a word in its five spellings. */
static int windash(struct sconv *c, const struct ynode *v, struct nlist *out)
{
	static const char *const dash[] = { "-", "/", "\xe2\x80\x93", "\xe2\x80\x94",
					    "\xe2\x80\x95" };
	size_t pos[8], npos = 0, combos = 1;
	const char *s = v->str;
	size_t len = v->len;

	for (size_t i = 0; i < len; i++)
		if ((s[i] == '-' || s[i] == '/') && (i == 0 || s[i - 1] == ' ')) {
			if (npos == 4)
				return refuse(c, v, "'windash' on a value with more than 4 "
						    "dashes would give too many values");
			pos[npos++] = i;
			combos *= 5;
		}
	for (size_t k = 0; k < combos; k++) {
		char buf[4096 + 4 * 8];
		size_t b = 0, kk = k, j = 0;

		if (len + 2 * npos >= sizeof(buf))
			return refuse(c, v, "value too long for 'windash'");
		for (size_t i = 0; i < len; i++) {
			if (j < npos && pos[j] == i) {
				const char *d = dash[kk % 5];

				kk /= 5;
				memcpy(buf + b, d, strlen(d));
				b += strlen(d);
				j++;
			} else {
				buf[b++] = s[i];
			}
		}
		if (nl_push(c, out, mk_scalar(c, &v->mark, buf, b)) < 0)
			return c->fatal;
	}
	return 0;
}

/* The operator and value for one string value; a glob when it has wildcards or must. */
static int str_value(struct sconv *c, const struct ynode *v, enum smatch m, bool force_glob,
		     const char **op, struct ynode **val)
{
	size_t len = v->len, llen, glen;
	char *lit = malloc(2 * len + 3), *buf = malloc(2 * len + 3);
	bool wild;

	if (!lit || !buf) {
		free(lit);
		free(buf);
		return c->fatal = -ENOMEM;
	}
	wild = sigma_unescape(v->str, len, lit, &llen, buf + 1, &glen);
	if (!wild && !force_glob) {
		*op = plain_op[m];
		*val = mk_val(c, &v->mark, lit, llen);
	} else {
		char *g = buf + 1;

		if (m == SM_CONTAINS || m == SM_SUFFIX) {
			g = buf;
			g[0] = '*';
			glen++;
		}
		if (m == SM_CONTAINS || m == SM_PREFIX)
			g[glen++] = '*';
		g[glen] = '\0';
		*op = "glob";
		*val = mk_val(c, &v->mark, g, glen);
	}
	free(lit);
	free(buf);
	return *val ? 0 : (c->fatal = -ENOMEM);
}

static bool is_wild(const char *s)
{
	for (; *s; s++) {
		if (*s == '\\' && s[1] && strchr("*?\\", s[1]))
			s++;
		else if (*s == '*' || *s == '?')
			return true;
	}
	return false;
}

/* {op: [values]}: one operator mapping. */
static struct ynode *op_map(struct sconv *c, const struct pmark *m, const char *op,
			    struct ynode **vals, size_t n)
{
	struct ynode *kv[2];

	kv[0] = mk_str(c, m, op);
	kv[1] = mk_node(c, YN_SEQ, m, vals, n);
	if (!kv[0] || !kv[1])
		return NULL;
	return mk_node(c, YN_MAP, m, kv, 2);
}

/*
 * The condition of one string field with its modifiers: with 'all', one
 * condition per value under 'all'; else one operator for all the values
 * (operators of a mapping must all hold), a glob when any value needs one.
 */
static struct ynode *str_cond(struct sconv *c, const struct ynode *key, enum smatch m, bool all,
			      struct ynode **vals, size_t n)
{
	struct nlist l = { 0 };
	bool any_wild = false;
	const char *op = NULL;
	struct ynode *seq;

	for (size_t i = 0; i < n && !all; i++)
		any_wild |= is_wild(vals[i]->str);
	for (size_t i = 0; i < n; i++) {
		struct ynode *val;

		if (str_value(c, vals[i], m, any_wild, &op, &val) < 0 ||
		    nl_push(c, &l, all ? op_map(c, &vals[i]->mark, op, &val, 1) : val) < 0) {
			free(l.v);
			return NULL;
		}
	}
	if (all && l.n == 1) {
		struct ynode *r = l.v[0];

		free(l.v);
		return r;
	}
	seq = nl_finish(c, &l, YN_SEQ, &key->mark);
	if (!seq)
		return NULL;
	return op_map(c, &key->mark, all ? "all" : op, seq->items, seq->n);
}

/*
 * A Sigma regular expression (PCRE syntax) as a POSIX extended one, for the
 * part of the syntax where both mean the same: \s \S \d \D \w \W become
 * classes, (?: a plain group, an escaped punctuation character itself.
 * Anything else that PCRE reads differently (look-arounds, lazy or possessive
 * quantifiers, back-references, \b, other escapes, escapes in brackets but
 * the classes) refuses the rule.  Returns the length or -EINVAL with why.
 */
static int pcre_to_ere(const char *s, char *out, size_t max, const char **why)
{
	static const struct {
		char esc;
		const char *out, *in_bracket;
	} cls[] = {
		{ 's', "[[:space:]]", "[:space:]" }, { 'S', "[^[:space:]]", NULL },
		{ 'd', "[0-9]", "0-9" }, { 'D', "[^0-9]", NULL },
		{ 'w', "[[:alnum:]_]", "[:alnum:]_" }, { 'W', "[^[:alnum:]_]", NULL },
	};
	size_t o = 0;
	bool bracket = false;

#define PUT(str)                                                                                   \
	do {                                                                                       \
		size_t l_ = strlen(str);                                                           \
		if (o + l_ >= max) {                                                               \
			*why = "too long";                                                         \
			return -EINVAL;                                                            \
		}                                                                                  \
		memcpy(out + o, str, l_);                                                          \
		o += l_;                                                                           \
	} while (0)
	for (size_t i = 0; s[i]; i++) {
		char ch = s[i], one[3] = { ch, 0, 0 };

		if (ch == '\\') {
			char e = s[i + 1];
			bool done = false;

			if (!e) {
				*why = "ends in a backslash";
				return -EINVAL;
			}
			i++;
			for (size_t k = 0; k < sizeof(cls) / sizeof(cls[0]) && !done; k++)
				if (cls[k].esc == e) {
					if (bracket && !cls[k].in_bracket) {
						*why = "a negated class escape in brackets";
						return -EINVAL;
					}
					PUT(bracket ? cls[k].in_bracket : cls[k].out);
					done = true;
				}
			if (done)
				continue;
			if (bracket || (e >= 'a' && e <= 'z') || (e >= 'A' && e <= 'Z') ||
			    (e >= '0' && e <= '9')) {
				*why = "an escape with no POSIX equivalent";
				return -EINVAL;
			}
			if (strchr(".[]()*+?{}|^$\\", e)) {
				one[0] = '\\';
				one[1] = e;
			} else {
				one[0] = e;
			}
			PUT(one);
			continue;
		}
		if (bracket) {
			if (ch == '[' && (s[i + 1] == ':' || s[i + 1] == '=' || s[i + 1] == '.')) {
				*why = "a POSIX class inside brackets";
				return -EINVAL;
			}
			if (ch == ']' && !(s[i - 1] == '[' || (s[i - 1] == '^' && s[i - 2] == '[')))
				bracket = false;
			PUT(one);
			continue;
		}
		if (ch == '[') {
			bracket = true;
			PUT(one);
			continue;
		}
		if (ch == '(' && s[i + 1] == '?') {
			if (s[i + 2] != ':') {
				*why = "'(?' groups other than '(?:'";
				return -EINVAL;
			}
			i += 2;
			PUT("(");
			continue;
		}
		if ((ch == '*' || ch == '+' || ch == '?' || ch == '}') &&
		    (s[i + 1] == '?' || s[i + 1] == '+')) {
			*why = "lazy or possessive quantifiers";
			return -EINVAL;
		}
		PUT(one);
	}
	if (bracket) {
		*why = "an unclosed '['";
		return -EINVAL;
	}
	out[o] = '\0';
	return (int)o;
#undef PUT
}

/* The condition of a string field with 're' (and maybe 'all'). */
static struct ynode *re_cond(struct sconv *c, const struct ynode *key, bool all,
			     struct ynode **vals, size_t n)
{
	struct nlist l = { 0 };
	struct ynode *seq;

	for (size_t i = 0; i < n; i++) {
		char buf[4096];
		const char *why = NULL;
		struct ynode *val;
		regex_t re;
		int q = pcre_to_ere(vals[i]->str, buf, sizeof(buf), &why);

		if (q >= 0 && regcomp(&re, buf, REG_EXTENDED | REG_NOSUB) == 0)
			regfree(&re);
		else if (q >= 0)
			why = "not a valid POSIX extended regular expression";
		if (why) {
			free(l.v);
			refuse(c, vals[i], "regular expression '%s': %s", vals[i]->str, why);
			return NULL;
		}
		val = mk_val(c, &vals[i]->mark, buf, (size_t)q);
		if (nl_push(c, &l, all ? op_map(c, &vals[i]->mark, "re", &val, 1) : val) < 0) {
			free(l.v);
			return NULL;
		}
	}
	if (all && l.n == 1) {
		struct ynode *r = l.v[0];

		free(l.v);
		return r;
	}
	seq = nl_finish(c, &l, YN_SEQ, &key->mark);
	return seq ? op_map(c, &key->mark, all ? "all" : "re", seq->items, seq->n) : NULL;
}

/* ---- search identifiers ------------------------------------------------ */

static const struct sfield *find_sfield(struct sconv *c, const char *name, size_t len,
					bool *known)
{
	*known = false;
	for (size_t i = 0; i < sizeof(sfields) / sizeof(sfields[0]); i++) {
		if (strlen(sfields[i].sigma) != len || strncmp(sfields[i].sigma, name, len))
			continue;
		*known = true;
		if (sfields[i].cats & CB(c->cat))
			return &sfields[i];
	}
	return NULL;
}

/* One "Field|mod|mod: value(s)" of a mapping; *cond NULL when it always holds. */
static int field_cond(struct sconv *c, const struct ynode *key, const struct ynode *val,
		      struct sfc *out)
{
	const char *k = key->str, *bar = strchr(k, '|');
	size_t flen = bar ? (size_t)(bar - k) : strlen(k);
	enum smatch m = SM_EQ;
	bool all = false, wd = false, cidr = false, re = false, known;
	const struct sfield *sf = find_sfield(c, k, flen, &known);
	struct nlist vals = { 0 };
	int r = 0;

	out->key = key;
	out->cond = NULL;
	if (!sf && known)
		return refuse(c, key, "field '%.*s' is not known for category '%s'", (int)flen, k,
			      cats[c->cat].name);
	if (!sf)
		return refuse(c, key, "unknown field '%.*s'", (int)flen, k);
	if (sf->kind == SK_REFUSED)
		return refuse(c, key, "field '%s': %s", sf->sigma, sf->field);
	out->field = sf->field;
	/* the modifiers */
	while (bar) {
		const char *mod = bar + 1;
		size_t mlen;

		bar = strchr(mod, '|');
		mlen = bar ? (size_t)(bar - mod) : strlen(mod);
#define IS(s) (mlen == strlen(s) && strncmp(mod, s, mlen) == 0)
		if ((IS("contains") || IS("startswith") || IS("endswith")) && m != SM_EQ)
			return refuse(c, key, "two of contains, startswith, endswith in '%s'", k);
		if (IS("contains"))
			m = SM_CONTAINS;
		else if (IS("startswith"))
			m = SM_PREFIX;
		else if (IS("endswith"))
			m = SM_SUFFIX;
		else if (IS("all"))
			all = true;
		else if (IS("windash"))
			wd = true;
		else if (IS("cidr"))
			cidr = true;
		else if (IS("re"))
			re = true;
		else if (re && (IS("i") || IS("m") || IS("s")))
			return refuse(c, key, "modifier 're|%.*s' is not supported", (int)mlen, mod);
		else
			return refuse(c, key, "modifier '%.*s' is not supported", (int)mlen, mod);
#undef IS
	}
	if (re && (m != SM_EQ || wd || cidr))
		return refuse(c, key, "'re' with another modifier than 'all' is not supported");
	if (sf->kind != SK_STR && (m != SM_EQ || all || wd || re))
		return refuse(c, key, "modifiers of '%s' other than 'cidr' are not supported",
			      sf->sigma);
	if (cidr && sf->kind != SK_ADDR)
		return refuse(c, key, "'cidr' applies to addresses only, not '%s'", sf->sigma);
	/* the values */
	if (val->type == YN_MAP)
		return refuse(c, val, "a value of '%s' is a mapping", sf->sigma);
	for (size_t i = 0; i < (val->type == YN_SEQ ? val->n : 1); i++) {
		const struct ynode *v = val->type == YN_SEQ ? val->items[i] : val;

		if (v->type != YN_SCALAR)
			r = refuse(c, v, "a value of '%s' is not a string", sf->sigma);
		else if (v->plain && (strcmp(v->str, "null") == 0 || strcmp(v->str, "~") == 0 ||
				      v->len == 0))
			r = refuse(c, v, "null values (field absent) are not supported");
		else if (wd)
			r = windash(c, v, &vals);
		else
			r = nl_push(c, &vals, (struct ynode *)v);
		if (r < 0)
			goto out;
		if (vals.n > SG_SIGMA_VALUES_MAX) {
			r = refuse(c, val, "more than %d values for '%s'", SG_SIGMA_VALUES_MAX,
				   sf->sigma);
			goto out;
		}
	}
	if (vals.n == 0) {
		r = refuse(c, val, "no values for '%s'", sf->sigma);
		goto out;
	}
	switch (sf->kind) {
	case SK_STR:
		if (re)
			out->cond = re_cond(c, key, all, vals.v, vals.n);
		else
			out->cond = str_cond(c, key, m, all, vals.v, vals.n);
		if (!out->cond && !c->fatal)
			r = -EINVAL;
		break;
	case SK_NUM:
		for (size_t i = 0; i < vals.n; i++) {
			const struct ynode *v = vals.v[i];

			if (strspn(v->str, "0123456789") != v->len || v->len > 5 ||
			    strtoul(v->str, NULL, 10) > 65535) {
				r = refuse(c, v, "'%s' is not a port number", v->str);
				goto out;
			}
		}
		out->cond = op_map(c, &key->mark, "in", vals.v, vals.n);
		break;
	case SK_ADDR:
		for (size_t i = 0; i < vals.n; i++) {
			const struct ynode *v = vals.v[i];
			struct addr_cidr a;
			const char *why;

			if (addr_parse_cidr(v->str, &a, &why) < 0) {
				r = refuse(c, v, "'%s' is not an address%s: %s", v->str,
					   cidr ? " block" : "", why);
				goto out;
			}
			if (!cidr && strchr(v->str, '/')) {
				r = refuse(c, v, "'%s' is a block: use the 'cidr' modifier", v->str);
				goto out;
			}
		}
		out->cond = op_map(c, &key->mark, "in", vals.v, vals.n);
		break;
	case SK_PROTO:
		for (size_t i = 0; i < vals.n; i++) {
			const char *s = vals.v[i]->str;

			if (strcasecmp(s, "tcp") && strcasecmp(s, "udp")) {
				r = refuse(c, vals.v[i], "protocol '%s' (expected tcp or udp)", s);
				goto out;
			}
			vals.v[i] = mk_str(c, &vals.v[i]->mark, strcasecmp(s, "tcp") ? "udp" : "tcp");
			if (!vals.v[i])
				goto out;
		}
		out->cond = op_map(c, &key->mark, "in", vals.v, vals.n);
		break;
	case SK_INITIATED:
		for (size_t i = 0; i < vals.n; i++)
			if (strcasecmp(vals.v[i]->str, "true") != 0) {
				r = refuse(c, vals.v[i], "'Initiated: %s': only outgoing "
							 "connections are seen", vals.v[i]->str);
				goto out;
			}
		out->field = NULL; /* always holds: the rule is about connects */
		break;
	case SK_REFUSED:
		break;
	}
out:
	free(vals.v);
	if (c->fatal)
		return c->fatal;
	return r;
}

/* A mapping of field conditions: one alternative. */
static int ident_map(struct sconv *c, const struct ynode *m, struct salt *out)
{
	out->v = nalloc(c, (m->n / 2 + 1) * sizeof(*out->v));
	if (!out->v)
		return c->fatal;
	for (size_t i = 0; i < m->n; i += 2) {
		struct sfc *f = &out->v[out->n];
		int r = field_cond(c, m->items[i], m->items[i + 1], f);

		if (r < 0)
			return r;
		if (f->field)
			out->n++;
	}
	return 0;
}

static int ident_parse(struct sconv *c, struct sident *id)
{
	const struct ynode *n = id->node;

	if (id->done)
		return 0;
	id->done = true;
	if (n->type == YN_SCALAR)
		return refuse(c, n, "'%s' is a keyword search (no field): not supported", id->name);
	if (n->type == YN_MAP) {
		id->alts = nalloc(c, sizeof(*id->alts));
		if (!id->alts)
			return c->fatal;
		id->nalts = 1;
		return ident_map(c, n, &id->alts[0]);
	}
	if (n->n == 0)
		return refuse(c, n, "'%s' is an empty list", id->name);
	id->alts = nalloc(c, n->n * sizeof(*id->alts));
	if (!id->alts)
		return c->fatal;
	for (size_t i = 0; i < n->n; i++) {
		if (n->items[i]->type != YN_MAP)
			return refuse(c, n->items[i], "'%s' is a keyword search (no field): "
						      "not supported", id->name);
		if (ident_map(c, n->items[i], &id->alts[id->nalts++]) < 0)
			return -EINVAL;
	}
	return 0;
}

/* ---- the condition ----------------------------------------------------- */

static struct sx *sx_new(struct sconv *c, enum sx_kind k, struct sx *a, struct sx *b, int id)
{
	struct sx *x = nalloc(c, sizeof(*x));

	if (!x)
		return NULL;
	x->kind = k;
	x->a = a;
	x->b = b;
	x->id = id;
	return x;
}

/* The next word of the condition into buf; "(" and ")" are words. */
static size_t next_word(struct sconv *c, char *buf, size_t max, bool consume)
{
	const char *p = c->p;
	size_t n = 0;

	while (*p == ' ' || *p == '\t' || *p == '\n')
		p++;
	if (*p == '(' || *p == ')') {
		n = 1;
	} else {
		while (p[n] && !strchr(" \t\n()", p[n]))
			n++;
	}
	if (n >= max)
		n = max - 1;
	memcpy(buf, p, n);
	buf[n] = '\0';
	if (consume)
		c->p = p + n;
	return n;
}

static struct sx *parse_or(struct sconv *c);

static int find_ident(struct sconv *c, const char *name)
{
	for (int i = 0; i < c->nids; i++)
		if (strcmp(c->ids[i].name, name) == 0)
			return i;
	return -1;
}

/* "1 of pattern", "all of them"... */
static struct sx *parse_quant(struct sconv *c, bool all)
{
	char w[128];
	struct sx *r = NULL;
	bool them;

	next_word(c, w, sizeof(w), true);
	if (strcmp(w, "of") != 0) {
		refuse(c, c->cond_node, "expected 'of' in the condition, not '%s'", w);
		return NULL;
	}
	next_word(c, w, sizeof(w), true);
	if (!w[0] || strchr("()", w[0])) {
		refuse(c, c->cond_node, "expected a name or 'them' after 'of'");
		return NULL;
	}
	them = strcmp(w, "them") == 0;
	for (int i = 0; i < c->nids; i++) {
		struct sx *leaf;

		if (them ? c->ids[i].name[0] == '_' : fnmatch(w, c->ids[i].name, 0) != 0)
			continue;
		leaf = sx_new(c, SX_ID, NULL, NULL, i);
		r = r ? sx_new(c, all ? SX_AND : SX_OR, r, leaf, 0) : leaf;
		if (!r)
			return NULL;
	}
	if (!r)
		refuse(c, c->cond_node, "no search identifier matches '%s'", w);
	return r;
}

static struct sx *parse_factor(struct sconv *c)
{
	char w[128];
	int id;

	next_word(c, w, sizeof(w), true);
	if (strcmp(w, "not") == 0) {
		struct sx *a = parse_factor(c);

		return a ? sx_new(c, SX_NOT, a, NULL, 0) : NULL;
	}
	if (strcmp(w, "(") == 0) {
		struct sx *a;

		if (++c->depth > SG_SIGMA_NEST_MAX) {
			refuse(c, c->cond_node, "condition nested too deeply");
			return NULL;
		}
		a = parse_or(c);
		c->depth--;
		if (!a)
			return NULL;
		next_word(c, w, sizeof(w), true);
		if (strcmp(w, ")") != 0) {
			refuse(c, c->cond_node, "expected ')' in the condition");
			return NULL;
		}
		return a;
	}
	if (strcmp(w, "1") == 0 || strcmp(w, "any") == 0)
		return parse_quant(c, false);
	if (strcmp(w, "all") == 0)
		return parse_quant(c, true);
	if (!w[0]) {
		refuse(c, c->cond_node, "the condition ends too early");
		return NULL;
	}
	if (strchr(w, '|') || strcmp(w, "near") == 0) {
		refuse(c, c->cond_node, "aggregations ('|', 'near') are not supported");
		return NULL;
	}
	if (strchr(w, '*')) {
		refuse(c, c->cond_node, "'%s': a pattern needs '1 of' or 'all of'", w);
		return NULL;
	}
	id = find_ident(c, w);
	if (id < 0) {
		refuse(c, c->cond_node, "unknown search identifier '%s' in the condition", w);
		return NULL;
	}
	return sx_new(c, SX_ID, NULL, NULL, id);
}

static struct sx *parse_and(struct sconv *c)
{
	struct sx *a = parse_factor(c);
	char w[16];

	while (a) {
		next_word(c, w, sizeof(w), false);
		if (strcmp(w, "and") != 0)
			break;
		next_word(c, w, sizeof(w), true);
		struct sx *b = parse_factor(c);

		a = b ? sx_new(c, SX_AND, a, b, 0) : NULL;
	}
	return a;
}

static struct sx *parse_or(struct sconv *c)
{
	struct sx *a = parse_and(c);
	char w[16];

	while (a) {
		next_word(c, w, sizeof(w), false);
		if (strcmp(w, "or") != 0)
			break;
		next_word(c, w, sizeof(w), true);
		struct sx *b = parse_and(c);

		a = b ? sx_new(c, SX_OR, a, b, 0) : NULL;
	}
	return a;
}

/* Conjunctions of literals: identifier bits that must hold (pos) and must not (neg). */
struct terms {
	uint64_t pos[SG_SIGMA_TERMS_MAX], neg[SG_SIGMA_TERMS_MAX];
	size_t n;
};

static int terms_add(struct sconv *c, struct terms *t, uint64_t pos, uint64_t neg)
{
	if (pos & neg)
		return 0; /* x and not x: never */
	for (size_t i = 0; i < t->n; i++)
		if (t->pos[i] == pos && t->neg[i] == neg)
			return 0;
	if (t->n == SG_SIGMA_TERMS_MAX)
		return refuse(c, c->cond_node, "the condition expands to more than %d "
					       "conjunctions", SG_SIGMA_TERMS_MAX);
	t->pos[t->n] = pos;
	t->neg[t->n++] = neg;
	return 0;
}

/* The disjunctive normal form of x (negated when neg). */
static int dnf(struct sconv *c, const struct sx *x, bool neg, struct terms *out)
{
	struct terms *a, *b;
	bool product;
	int r;

	out->n = 0;
	switch (x->kind) {
	case SX_ID:
		return neg ? terms_add(c, out, 0, 1ull << x->id) :
			     terms_add(c, out, 1ull << x->id, 0);
	case SX_NOT:
		return dnf(c, x->a, !neg, out);
	default:
		break;
	}
	a = malloc(sizeof(*a));
	b = malloc(sizeof(*b));
	if (!a || !b) {
		free(a);
		free(b);
		return c->fatal = -ENOMEM;
	}
	product = (x->kind == SX_AND) != neg;
	r = dnf(c, x->a, neg, a);
	if (r == 0)
		r = dnf(c, x->b, neg, b);
	for (size_t i = 0; r == 0 && i < a->n; i++) {
		if (!product) {
			r = terms_add(c, out, a->pos[i], a->neg[i]);
			continue;
		}
		for (size_t j = 0; r == 0 && j < b->n; j++)
			r = terms_add(c, out, a->pos[i] | b->pos[j], a->neg[i] | b->neg[j]);
	}
	for (size_t j = 0; r == 0 && !product && j < b->n; j++)
		r = terms_add(c, out, b->pos[j], b->neg[j]);
	free(a);
	free(b);
	return r;
}

/* ---- building rules ------------------------------------------------------ */

/* A condition set from field conditions: one per field ('all' when a field repeats). */
static struct ynode *condset(struct sconv *c, const struct pmark *m, struct sfc **fcs, size_t n,
			     bool success)
{
	struct nlist kv = { 0 };
	bool *used = calloc(n + 1, sizeof(*used));

	if (!used) {
		c->fatal = -ENOMEM;
		return NULL;
	}
	for (size_t i = 0; i < n && !c->fatal; i++) {
		struct nlist conds = { 0 };

		if (used[i])
			continue;
		for (size_t j = i; j < n; j++) {
			const struct ynode *cond = fcs[j]->cond;
			const struct ynode *allv;

			if (used[j] || strcmp(fcs[j]->field, fcs[i]->field) != 0)
				continue;
			used[j] = true;
			allv = cond->n == 2 && strcmp(cond->items[0]->str, "all") == 0 ?
				       cond->items[1] : NULL;
			if (allv) /* flatten: all of all */
				for (size_t k = 0; k < allv->n; k++)
					nl_push(c, &conds, allv->items[k]);
			else
				nl_push(c, &conds, (struct ynode *)cond);
		}
		nl_push(c, &kv, mk_str(c, &fcs[i]->key->mark, fcs[i]->field));
		if (conds.n == 1) {
			nl_push(c, &kv, conds.v[0]);
			free(conds.v);
		} else {
			struct ynode *seq = nl_finish(c, &conds, YN_SEQ, &fcs[i]->key->mark);

			nl_push(c, &kv, seq ? op_map(c, &fcs[i]->key->mark, "all", seq->items,
						     seq->n) : NULL);
		}
	}
	if (success && !c->fatal) {
		struct ynode *v = mk_str(c, m, "success");

		nl_push(c, &kv, mk_str(c, m, "result"));
		nl_push(c, &kv, v ? op_map(c, m, "in", &v, 1) : NULL);
	}
	free(used);
	return nl_finish(c, &kv, YN_MAP, m);
}

/* Append to sets every product of the alternatives of the identifiers in pos. */
static int add_products(struct sconv *c, uint64_t pos, struct nlist *sets, bool *always)
{
	size_t idx[SG_SIGMA_IDENTS_MAX] = { 0 }, nid = 0, total = 1;
	int which[SG_SIGMA_IDENTS_MAX];

	for (int i = 0; i < c->nids; i++)
		if (pos & (1ull << i)) {
			which[nid++] = i;
			total *= c->ids[i].nalts;
			if (total > SG_SIGMA_SETS_MAX)
				return refuse(c, c->cond_node, "the condition expands to more "
							       "than %d condition sets",
					      SG_SIGMA_SETS_MAX);
		}
	for (size_t k = 0; k < total; k++) {
		struct sfc *fcs[SG_SIGMA_FIELDS_MAX];
		size_t n = 0;
		struct ynode *cs;

		for (size_t i = 0; i < nid; i++) {
			const struct salt *alt = &c->ids[which[i]].alts[idx[i]];

			for (size_t j = 0; j < alt->n; j++) {
				if (n == SG_SIGMA_FIELDS_MAX)
					return refuse(c, c->cond_node, "too many field conditions "
								       "in one conjunction");
				fcs[n++] = &alt->v[j];
			}
		}
		if (n == 0)
			*always = true;
		cs = condset(c, &c->cond_node->mark, fcs, n, cats[c->cat].success);
		if (nl_push(c, sets, cs) < 0)
			return c->fatal;
		if (sets->n > SG_SIGMA_SETS_MAX)
			return refuse(c, c->cond_node, "the condition expands to more than %d "
						       "condition sets", SG_SIGMA_SETS_MAX);
		for (size_t i = 0; i < nid; i++) { /* next combination */
			if (++idx[i] < c->ids[which[i]].nalts)
				break;
			idx[i] = 0;
		}
	}
	return 0;
}

static const char *level_severity(const char *level)
{
	static const char *const map[][2] = {
		{ "informational", "info" }, { "low", "low" }, { "medium", "medium" },
		{ "high", "high" }, { "critical", "critical" },
	};

	for (size_t i = 0; i < 5; i++)
		if (strcmp(level, map[i][0]) == 0)
			return map[i][1];
	return NULL;
}

/* The rule id: sigma:ID, the Sigma id or else the title, in the id alphabet. */
static void make_id(const char *src, char *buf, size_t max)
{
	size_t n = 0;

	n = (size_t)snprintf(buf, max, "sigma:");
	for (; *src && n + 4 < max; src++) {
		char ch = *src;

		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		      (ch >= '0' && ch <= '9') || ch == '-' || ch == '.' || ch == '_'))
			ch = '_';
		buf[n++] = ch;
	}
	buf[n] = '\0';
}

struct sload {
	const struct policy_sigma_opts *o;
	policy_sigma_rule_fn fn;
	void *arg;
	struct policy_diag *d;
	struct arena *a;         /* trees */
	struct arena *keep;      /* file names, as long as the policy */
	struct pvec_ids {
		char **v;
		size_t n, cap;
	} ids;
	struct policy_sigma_stats st;
	int fatal;
};

static bool id_seen(struct sload *l, const char *id)
{
	for (size_t i = 0; i < l->ids.n; i++)
		if (strcmp(l->ids.v[i], id) == 0)
			return true;
	if (l->ids.n == l->ids.cap) {
		size_t cap = l->ids.cap ? 2 * l->ids.cap : 64;
		char **v = realloc(l->ids.v, cap * sizeof(*v));

		if (!v)
			return false;
		l->ids.v = v;
		l->ids.cap = cap;
	}
	l->ids.v[l->ids.n] = strdup(id);
	if (l->ids.v[l->ids.n])
		l->ids.n++;
	return false;
}

/* Convert one Sigma rule (one YAML document) and hand its rules to l->fn. */
static int convert(struct sload *l, struct sconv *c)
{
	const struct ynode *root = c->root, *ls, *det, *cond, *title, *sid, *level, *tags, *v;
	struct terms *t = NULL;
	struct sx *x = NULL;
	char base[SG_POLICY_ID_MAX + 1];
	const char *sev, *lvl;
	enum sg_action action;
	size_t nrules = 0, done = 0;
	bool *grouped = NULL;
	int r;

	if (!root || root->type != YN_MAP)
		return refuse(c, root, "not a Sigma rule (a mapping)");
	title = map_get(root, "title");
	sid = map_get(root, "id");
	ls = map_get(root, "logsource");
	det = map_get(root, "detection");
	level = map_get(root, "level");
	tags = map_get(root, "tags");
	if (!title || title->type != YN_SCALAR)
		return refuse(c, root, "no 'title'");
	if (!det || det->type != YN_MAP)
		return refuse(c, root, "no 'detection' mapping");
	if (!ls || ls->type != YN_MAP)
		return refuse(c, root, "no 'logsource' mapping");
	if (map_get(root, "correlation"))
		return refuse(c, root, "correlation rules are not supported");
	/* the log source */
	v = map_get(ls, "product");
	if (!v || v->type != YN_SCALAR || strcmp(v->str, "linux") != 0)
		return refuse(c, v ? v : ls, "logsource product '%s' (only linux)",
			      v && v->type == YN_SCALAR ? v->str : "");
	v = map_get(ls, "service");
	if (v)
		return refuse(c, v, "logsource service '%s' is not supported (no logs are read)",
			      v->type == YN_SCALAR ? v->str : "?");
	v = map_get(ls, "category");
	if (!v || v->type != YN_SCALAR)
		return refuse(c, ls, "logsource without a category (no logs are read)");
	c->cat = SC_MAX;
	for (int i = 0; i < SC_MAX; i++)
		if (strcmp(v->str, cats[i].name) == 0)
			c->cat = i;
	if (c->cat == SC_MAX)
		return refuse(c, v, "logsource category '%s' is not supported", v->str);
	for (size_t i = 0; i < ls->n; i += 2)
		if (strcmp(ls->items[i]->str, "product") && strcmp(ls->items[i]->str, "category") &&
		    strcmp(ls->items[i]->str, "definition"))
			return refuse(c, ls->items[i], "logsource key '%s' is not supported",
				      ls->items[i]->str);
	/* level, action */
	lvl = level && level->type == YN_SCALAR ? level->str : "medium";
	sev = level_severity(lvl);
	if (!sev)
		return refuse(c, level, "unknown level '%s'", lvl);
	action = l->o->action[sg_severity_from_name(sev)];
	if (action == SG_ACT_NONE) {
		l->st.skipped++;
		return 1; /* this level is off */
	}
	/* search identifiers and the condition */
	if (map_get(root, "timeframe") || map_get(det, "timeframe"))
		return refuse(c, map_get(det, "timeframe") ? map_get(det, "timeframe") :
							   map_get(root, "timeframe"),
			      "'timeframe' is not supported");
	cond = map_get(det, "condition");
	if (!cond)
		return refuse(c, det, "no 'condition'");
	for (size_t i = 0; i < det->n; i += 2) {
		const char *name = det->items[i]->str;

		if (strcmp(name, "condition") == 0)
			continue;
		if (c->nids == SG_SIGMA_IDENTS_MAX)
			return refuse(c, det->items[i], "more than %d search identifiers",
				      SG_SIGMA_IDENTS_MAX);
		c->ids[c->nids].name = name;
		c->ids[c->nids++].node = det->items[i + 1];
	}
	c->cond_node = cond;
	for (size_t i = 0; i < (cond->type == YN_SEQ ? cond->n : 1); i++) {
		const struct ynode *one = cond->type == YN_SEQ ? cond->items[i] : cond;

		if (one->type == YN_SCALAR && (strchr(one->str, '|') || strstr(one->str, " near ")))
			return refuse(c, one, "aggregations ('|', 'near') are not supported");
	}
	if (cond->type == YN_SEQ) {
		/* several conditions: any of them */
		for (size_t i = 0; i < cond->n; i++) {
			struct sx *y;

			if (cond->items[i]->type != YN_SCALAR)
				return refuse(c, cond->items[i], "a condition must be a string");
			c->p = c->cond = cond->items[i]->str;
			y = parse_or(c);
			if (!y)
				return -EINVAL;
			x = x ? sx_new(c, SX_OR, x, y, 0) : y;
		}
	} else if (cond->type == YN_SCALAR) {
		char w[8];

		c->p = c->cond = cond->str;
		x = parse_or(c);
		if (x && next_word(c, w, sizeof(w), false))
			return refuse(c, cond, "unexpected '%s' in the condition", w);
	} else {
		return refuse(c, cond, "'condition' must be a string or a list");
	}
	if (!x)
		return -EINVAL;
	t = malloc(sizeof(*t));
	if (!t)
		return c->fatal = -ENOMEM;
	r = dnf(c, x, false, t);
	if (r < 0)
		goto out;
	/* parse the identifiers the condition uses */
	for (size_t i = 0; i < t->n; i++)
		for (int k = 0; k < c->nids; k++)
			if (((t->pos[i] | t->neg[i]) >> k) & 1)
				if ((r = ident_parse(c, &c->ids[k])) < 0)
					goto out;
	/* a negated identifier with an alternative that always holds: the term never holds */
	for (size_t i = 0; i < t->n; i++)
		for (int k = 0; k < c->nids; k++)
			if ((t->neg[i] >> k) & 1)
				for (size_t j = 0; j < c->ids[k].nalts; j++)
					if (c->ids[k].alts[j].n == 0)
						t->pos[i] = t->neg[i] = ~0ull;
	make_id(sid && sid->type == YN_SCALAR ? sid->str : title->str, base, SG_POLICY_ID_MAX - 3);
	if (id_seen(l, base)) {
		r = refuse(c, sid ? sid : title, "a rule with id '%s' was loaded before", base);
		goto out;
	}
	grouped = calloc(t->n + 1, sizeof(*grouped));
	if (!grouped) {
		r = c->fatal = -ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < t->n; i++)
		if (t->pos[i] == ~0ull)
			grouped[i] = true;
		else
			done++;
	if (done == 0) {
		r = refuse(c, cond, "the condition can never hold");
		goto out;
	}
	{
		size_t groups = 0;

		for (size_t i = 0; i < t->n; i++) {
			bool first = true;

			if (grouped[i] && t->pos[i] == ~0ull)
				continue;
			for (size_t j = 0; j < i; j++)
				if (t->pos[j] != ~0ull && t->neg[j] == t->neg[i])
					first = false;
			groups += first;
		}
		nrules = groups;
	}
	if (nrules > SG_SIGMA_RULES_MAX) {
		r = refuse(c, cond, "the condition gives more than %d rules", SG_SIGMA_RULES_MAX);
		goto out;
	}
	{
		struct ynode *out_rules[SG_SIGMA_RULES_MAX];
		size_t k = 0;

		memset(grouped, 0, (t->n + 1) * sizeof(*grouped));
		for (size_t i = 0; i < t->n && r == 0; i++) {
			struct nlist sets = { 0 }, exc = { 0 }, kv = { 0 };
			const struct pmark *m = &root->mark;
			bool always = false;
			char id[SG_POLICY_ID_MAX + 8];

			if (grouped[i] || t->pos[i] == ~0ull)
				continue;
			for (size_t j = i; j < t->n && r == 0; j++)
				if (!grouped[j] && t->pos[j] != ~0ull && t->neg[j] == t->neg[i]) {
					grouped[j] = true;
					r = add_products(c, t->pos[j], &sets, &always);
				}
			for (int q = 0; q < c->nids && r == 0; q++) {
				if (!((t->neg[i] >> q) & 1))
					continue;
				for (size_t a = 0; a < c->ids[q].nalts; a++) {
					const struct salt *alt = &c->ids[q].alts[a];
					struct sfc *fcs[SG_SIGMA_FIELDS_MAX];

					if (alt->n > SG_SIGMA_FIELDS_MAX) {
						r = refuse(c, c->ids[q].node, "too many fields");
						break;
					}
					for (size_t f = 0; f < alt->n; f++)
						fcs[f] = &alt->v[f];
					nl_push(c, &exc, condset(c, &c->ids[q].node->mark, fcs,
								 alt->n, false));
					if (exc.n > SG_SIGMA_SETS_MAX)
						r = refuse(c, cond, "more than %d exceptions",
							   SG_SIGMA_SETS_MAX);
				}
			}
			if (r < 0 || c->fatal) {
				free(sets.v);
				free(exc.v);
				free(kv.v);
				break;
			}
			if (nrules > 1)
				snprintf(id, sizeof(id), "%s#%zu", base, k + 1);
			else
				snprintf(id, sizeof(id), "%s", base);
			nl_push(c, &kv, mk_str(c, m, "id"));
			nl_push(c, &kv, mk_str(c, m, id));
			nl_push(c, &kv, mk_str(c, m, "description"));
			nl_push(c, &kv, mk_str(c, &title->mark, title->str));
			nl_push(c, &kv, mk_str(c, m, "events"));
			{
				struct ynode *e = mk_str(c, &v->mark, cats[c->cat].events);

				nl_push(c, &kv, e ? mk_node(c, YN_SEQ, &v->mark, &e, 1) : NULL);
			}
			if (!always && sets.n) {
				nl_push(c, &kv, mk_str(c, m, "match"));
				nl_push(c, &kv, nl_finish(c, &sets, YN_SEQ, &cond->mark));
			} else if (cats[c->cat].success) {
				struct ynode *s = mk_str(c, m, "success"), *kk[2];

				free(sets.v);
				sets = (struct nlist){ 0 };
				kk[0] = mk_str(c, m, "result");
				kk[1] = s ? op_map(c, m, "in", &s, 1) : NULL;
				nl_push(c, &kv, mk_str(c, m, "match"));
				nl_push(c, &kv, kk[0] && kk[1] ? mk_node(c, YN_MAP, m, kk, 2) : NULL);
			} else {
				free(sets.v);
				sets = (struct nlist){ 0 };
			}
			if (exc.n) {
				nl_push(c, &kv, mk_str(c, m, "except"));
				nl_push(c, &kv, nl_finish(c, &exc, YN_SEQ, &cond->mark));
			} else {
				free(exc.v);
			}
			nl_push(c, &kv, mk_str(c, m, "action"));
			nl_push(c, &kv, mk_str(c, level ? &level->mark : m, sg_action_name(action)));
			nl_push(c, &kv, mk_str(c, m, "severity"));
			nl_push(c, &kv, mk_str(c, level ? &level->mark : m, sev));
			{
				struct nlist tl = { 0 };

				nl_push(c, &tl, mk_str(c, m, "sigma"));
				for (size_t q = 0; tags && tags->type == YN_SEQ && q < tags->n; q++)
					if (tags->items[q]->type == YN_SCALAR)
						nl_push(c, &tl, tags->items[q]);
				nl_push(c, &kv, mk_str(c, m, "tags"));
				nl_push(c, &kv, nl_finish(c, &tl, YN_SEQ, m));
			}
			out_rules[k++] = nl_finish(c, &kv, YN_MAP, m);
			if (c->fatal)
				break;
		}
		if (r == 0 && !c->fatal)
			for (size_t i = 0; i < k; i++) {
				r = l->fn(l->arg, out_rules[i]);
				if (r < 0)
					break;
				l->st.rules++;
			}
	}
out:
	free(grouped);
	free(t);
	if (c->fatal)
		return c->fatal;
	return r;
}

/* ---- files ------------------------------------------------------------- */

/* Messages of src into d as warnings. */
static void diag_as_warnings(struct policy_diag *d, const struct policy_diag *src)
{
	for (size_t i = 0; i < src->n; i++) {
		const struct policy_diag_msg *m = &src->msgs[i];
		struct pmark pm = { .file = m->file, .line = m->line, .col = m->col };

		policy_diag_add(d, m->file ? &pm : NULL, true, "Sigma file refused: %s", m->text);
	}
}

static int convert_text(struct sload *l, const char *name, const char *text, size_t len)
{
	struct policy_diag yd;
	struct ynode *root = NULL;
	struct sconv *c;
	int r;

	l->st.files++;
	policy_diag_init(&yd);
	r = policy_yaml_parse(l->a, name, text, len, &root, &yd);
	if (r == -ENOMEM) {
		policy_diag_fini(&yd);
		return r;
	}
	if (r < 0) {
		l->st.sigma++;
		l->st.refused++;
		diag_as_warnings(l->d, &yd);
		policy_diag_fini(&yd);
		return 0;
	}
	policy_diag_fini(&yd);
	if (!root)
		return 0; /* empty */
	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	c->a = l->a;
	c->file = name;
	c->root = root;
	l->st.sigma++;
	r = convert(l, c);
	if (r == -ENOMEM || c->fatal) {
		free(c);
		return -ENOMEM;
	}
	if (c->refused) {
		const struct ynode *n = c->why_node ? c->why_node : root;
		const struct ynode *title = map_get(root, "title");

		l->st.refused++;
		policy_diag_add(l->d, &n->mark, true, "Sigma rule '%s' refused: %s",
				title && title->type == YN_SCALAR ? title->str : "?", c->why);
		r = 0;
	} else if (r == 0) {
		l->st.converted++;
	} else if (r == 1) {
		r = 0;
	}
	free(c);
	return r < 0 && r != -EINVAL ? r : 0;
}

static bool sigma_name(const char *n)
{
	size_t len = strlen(n);

	return n[0] != '.' && ((len > 4 && strcmp(n + len - 4, ".yml") == 0) ||
			       (len > 5 && strcmp(n + len - 5, ".yaml") == 0));
}

static bool not_hidden(const char *name, void *arg)
{
	return name[0] != '.';
}

static int load_path(struct sload *l, const char *path, const struct pmark *m, int depth);

/* The directories and Sigma files of dir, in name order. */
static int load_dir(struct sload *l, const char *dir, const struct pmark *m, int depth)
{
	struct fio_names names;
	const char *why;
	int r;

	if (depth > SG_SIGMA_DEPTH_MAX) {
		policy_diag_add(l->d, m, false, "'%s': directories nested too deeply", dir);
		return -EINVAL;
	}
	r = fio_list(dir, not_hidden, NULL, SIZE_MAX, &names, &why);
	if (r == -ENOMEM)
		return r;
	if (r < 0) {
		policy_diag_add(l->d, m, false, "cannot open directory '%s': %s", dir, why);
		return -EINVAL;
	}
	for (size_t i = 0; i < names.n && r == 0; i++) {
		char path[PATH_MAX];
		struct stat st;

		/* a path too long for the buffer is too long for stat() too */
		if (fio_join(path, sizeof(path), dir, names.v[i]) < 0 || stat(path, &st) < 0)
			continue;
		if (S_ISDIR(st.st_mode) || (S_ISREG(st.st_mode) && sigma_name(names.v[i])))
			r = load_path(l, path, m, depth + 1);
	}
	fio_names_free(&names);
	return r;
}

static int load_path(struct sload *l, const char *path, const struct pmark *m, int depth)
{
	struct stat st;
	const char *why = NULL, *name;
	char *text = NULL;
	size_t len = 0;
	int r;

	if (stat(path, &st) < 0) {
		policy_diag_add(l->d, m, false, "cannot read '%s': %s", path, strerror(errno));
		return -EINVAL;
	}
	if (S_ISDIR(st.st_mode))
		return load_dir(l, path, m, depth);
	if (l->st.files >= SG_SIGMA_FILES_MAX) {
		policy_diag_add(l->d, m, false, "more than %d Sigma files", SG_SIGMA_FILES_MAX);
		return -EINVAL;
	}
	r = fio_read(path, SG_POLICY_FILE_MAX, &text, &len, &why);
	if (r == -ENOMEM)
		return r;
	if (r < 0) {
		policy_diag_add(l->d, m, false, "cannot read '%s': %s", path, why);
		return -EINVAL;
	}
	name = policy_arena_strndup(l->keep, path, strlen(path));
	r = name ? convert_text(l, name, text, len) : -ENOMEM;
	free(text);
	return r;
}

static void sload_fini(struct sload *l)
{
	for (size_t i = 0; i < l->ids.n; i++)
		free(l->ids.v[i]);
	free(l->ids.v);
}

void policy_sigma_opts_default(struct policy_sigma_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->action[SG_SEV_INFO] = SG_ACT_LOG;
	o->action[SG_SEV_LOW] = SG_ACT_LOG;
	o->action[SG_SEV_MEDIUM] = SG_ACT_ALERT;
	o->action[SG_SEV_HIGH] = SG_ACT_ALERT;
	o->action[SG_SEV_CRITICAL] = SG_ACT_ALERT;
}

int policy_sigma_load(struct arena *a, struct arena *keep, const char *policy_file,
		      const struct ynode *v, policy_sigma_rule_fn fn, void *arg,
		      struct policy_diag *d)
{
	static const char *const levels[] = { "informational", "low", "medium", "high",
					      "critical" };
	struct policy_sigma_opts o;
	const struct ynode *paths = NULL;
	struct sload l = { .o = &o, .fn = fn, .arg = arg, .d = d, .a = a, .keep = keep };
	int r = 0, bad = 0;

	policy_sigma_opts_default(&o);
	if (v->type != YN_MAP) {
		policy_diag_add(d, &v->mark, false, "'sigma' must be a mapping");
		return -EINVAL;
	}
	for (size_t i = 0; i < v->n; i += 2) {
		const struct ynode *k = v->items[i], *val = v->items[i + 1];

		if (strcmp(k->str, "paths") == 0) {
			paths = val;
		} else if (strcmp(k->str, "actions") == 0) {
			if (val->type != YN_MAP) {
				policy_diag_add(d, &val->mark, false, "'sigma.actions' must be a "
								      "mapping of level: action");
				bad = -EINVAL;
				continue;
			}
			for (size_t j = 0; j < val->n; j += 2) {
				const struct ynode *lk = val->items[j], *lv = val->items[j + 1];
				int lvl = -1, act;

				for (int q = 0; q < 5; q++)
					if (strcmp(lk->str, levels[q]) == 0)
						lvl = q + SG_SEV_INFO;
				if (lvl < 0) {
					policy_diag_add(d, &lk->mark, false,
							"unknown Sigma level '%s' (expected "
							"informational, low, medium, high, critical)",
							lk->str);
					bad = -EINVAL;
					continue;
				}
				act = lv->type == YN_SCALAR ? sg_action_from_name(lv->str) : -EINVAL;
				if (lv->type == YN_SCALAR && strcmp(lv->str, "off") == 0) {
					act = SG_ACT_NONE;
				} else if (act < 0 || act == SG_ACT_ALLOW) {
					policy_diag_add(d, &lv->mark, false,
							"bad action for Sigma level '%s' (expected "
							"log, alert, block, off)", lk->str);
					bad = -EINVAL;
					continue;
				}
				o.action[lvl] = act;
			}
		} else {
			policy_diag_add(d, &k->mark, false,
					"unknown key '%s' in 'sigma' (expected paths, actions)",
					k->str);
			bad = -EINVAL;
		}
	}
	if (!paths) {
		policy_diag_add(d, &v->mark, false, "'sigma' without 'paths'");
		return -EINVAL;
	}
	if (bad)
		return bad;
	for (size_t i = 0; i < (paths->type == YN_SEQ ? paths->n : 1) && r != -ENOMEM; i++) {
		const struct ynode *p = paths->type == YN_SEQ ? paths->items[i] : paths;
		const char *slash = strrchr(policy_file, '/');
		char *full;
		int q;

		if (p->type != YN_SCALAR || !p->len) {
			policy_diag_add(d, &p->mark, false, "a Sigma path must be a string");
			r = -EINVAL;
			continue;
		}
		/* relative paths: against the policy file's directory */
		if (p->str[0] == '/' || !slash)
			q = asprintf(&full, "%s", p->str);
		else
			q = asprintf(&full, "%.*s/%s", (int)(slash - policy_file), policy_file,
				     p->str);
		if (q < 0) {
			r = -ENOMEM;
			break;
		}
		q = load_path(&l, full, &p->mark, 0);
		free(full);
		if (q < 0)
			r = q;
	}
	sload_fini(&l);
	return r;
}

/* ---- text output --------------------------------------------------------- */

/* A node's string, held in the policy language ("$$x" for "$x"), as YAML. */
static void put_scalar(FILE *f, const char *s)
{
	policy_put_scalar(f, s[0] == '$' && s[1] == '$' ? s + 1 : s);
}

static void put_flow(FILE *f, const struct ynode *n)
{
	if (n->type == YN_SCALAR) {
		put_scalar(f, n->str);
		return;
	}
	fputc(n->type == YN_SEQ ? '[' : '{', f);
	for (size_t i = 0; i < n->n; i++) {
		if (n->type == YN_MAP) {
			fputs(i ? ", " : "", f);
			put_scalar(f, n->items[i]->str);
			fputs(": ", f);
			put_flow(f, n->items[++i]);
		} else {
			fputs(i ? ", " : "", f);
			put_flow(f, n->items[i]);
		}
	}
	fputc(n->type == YN_SEQ ? ']' : '}', f);
}

void policy_sigma_put_rule(FILE *f, const struct ynode *rule)
{
	for (size_t i = 0; i < rule->n; i += 2) {
		const char *k = rule->items[i]->str;
		const struct ynode *v = rule->items[i + 1];

		fprintf(f, "%s%s:", i ? "    " : "  - ", k);
		if ((strcmp(k, "match") == 0 || strcmp(k, "except") == 0) && v->type == YN_SEQ) {
			fputc('\n', f);
			for (size_t s = 0; s < v->n; s++) {
				const struct ynode *cs = v->items[s];

				for (size_t j = 0; j < cs->n; j += 2) {
					fputs(j ? "        " : "      - ", f);
					put_scalar(f, cs->items[j]->str);
					fputs(": ", f);
					put_flow(f, cs->items[j + 1]);
					fputc('\n', f);
				}
			}
		} else {
			fputc(' ', f);
			put_flow(f, v);
			fputc('\n', f);
		}
	}
}

struct import {
	FILE *out;
	const char *file;
	size_t n;
};

static int import_rule(void *arg, const struct ynode *rule)
{
	struct import *im = arg;

	if (im->n++ == 0)
		fputs("rules:\n", im->out);
	fputs("  # ", im->out);
	for (const char *p = rule->mark.file; *p; p++) /* a comment ends at a line break */
		fputc((unsigned char)*p < 0x20 || *p == 0x7f ? '?' : *p, im->out);
	fprintf(im->out, ":%u\n", rule->mark.line);
	policy_sigma_put_rule(im->out, rule);
	return 0;
}

int policy_sigma_import(const char *path, const struct policy_sigma_opts *o, FILE *out,
			struct policy_diag *d, struct policy_sigma_stats *st)
{
	struct arena a = { 0 };
	struct import im = { .out = out };
	struct sload l = { .o = o, .fn = import_rule, .arg = &im, .d = d, .a = &a, .keep = &a };
	struct pmark m = { .file = path };
	int r;

	fputs("# Converted from Sigma by 'sysguardctl policy import-sigma'.  Sigma compares\n"
	      "# strings without regard to case; these rules compare them as written.\n"
	      "version: 1\n", out);
	r = load_path(&l, path, &m, 0);
	if (im.n == 0)
		fputs("rules: []\n", out);
	if (st)
		*st = l.st;
	sload_fini(&l);
	policy_arena_free(&a);
	return r;
}

int policy_sigma_text(const char *name, const char *text, size_t len,
		      const struct policy_sigma_opts *o, char **ret, struct policy_diag *d,
		      struct policy_sigma_stats *st)
{
	struct arena a = { 0 };
	struct import im = { 0 };
	struct sload l = { .o = o, .fn = import_rule, .arg = &im, .d = d, .a = &a, .keep = &a };
	const char *fname;
	char *buf = NULL;
	size_t blen = 0;
	int r;

	im.out = open_memstream(&buf, &blen);
	if (!im.out)
		return -errno;
	fputs("version: 1\n", im.out);
	fname = policy_arena_strndup(&a, name, strlen(name));
	r = fname ? convert_text(&l, fname, text, len) : -ENOMEM;
	if (im.n == 0)
		fputs("rules: []\n", im.out);
	if (fclose(im.out) != 0 && r == 0)
		r = -ENOMEM;
	if (st)
		*st = l.st;
	sload_fini(&l);
	policy_arena_free(&a);
	if (r < 0) {
		free(buf);
		return r;
	}
	*ret = buf;
	return 0;
}

int policy_sigma_import_main(const char *path, FILE *out, FILE *err)
{
	struct policy_sigma_opts o;
	struct policy_sigma_stats st;
	struct policy_diag d;
	char *text = NULL;
	size_t len = 0;
	FILE *mem;
	int r, rc = 0;

	policy_sigma_opts_default(&o);
	policy_diag_init(&d);
	mem = open_memstream(&text, &len);
	if (!mem) {
		fprintf(err, "%s: %s\n", path, strerror(errno));
		return 1;
	}
	r = policy_sigma_import(path, &o, mem, &d, &st);
	if (fclose(mem) != 0 && r == 0)
		r = -errno;
	policy_diag_print(&d, err);
	if (r < 0 && d.errors == 0)
		fprintf(err, "%s: %s\n", path, strerror(-r));
	policy_diag_fini(&d);
	if (r == 0) {
		/* What is printed must be a policy that loads. */
		struct policy *p = NULL;

		policy_diag_init(&d);
		if (policy_load_string(path, text, len, &p, &d) < 0) {
			fprintf(err, "%s: internal error: the converted rules do not load:\n", path);
			policy_diag_print(&d, err);
			rc = 1;
		}
		policy_free(p);
		policy_diag_fini(&d);
	}
	if (r == 0 && rc == 0)
		fwrite(text, 1, len, out);
	fprintf(err, "%u Sigma rules in %u files: %u converted into %u policy rules, %u refused",
		st.sigma, st.files, st.converted, st.rules, st.refused);
	if (st.skipped)
		fprintf(err, ", %u of levels switched off", st.skipped);
	fputc('\n', err);
	free(text);
	if (r < 0 || rc)
		return 1;
	return st.converted ? 0 : 1;
}
