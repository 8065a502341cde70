// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * What a Sigma detection's search identifiers mean in the policy language:
 * the log source categories and the Sigma fields this build reads, each
 * "Field|modifier: value(s)" as a condition on a policy field.  String
 * values: wildcards and escapes as globs, contains/startswith/endswith,
 * 'all', 'windash' (every dash spelling); 're': a PCRE as a POSIX extended
 * regular expression where both mean the same; ports, addresses and
 * 'cidr', protocols.  Whatever has no exact equivalent refuses the rule.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "policy_sigma_int.h"

const struct scat_info sigma_cats[SC_MAX] = {
	[SC_PROC] = { "process_creation", "exec", true },
	[SC_FILE] = { "file_event", "write rename", true },
	[SC_DELETE] = { "file_delete", "unlink", true },
	[SC_RENAME] = { "file_rename", "rename", true },
	[SC_NET] = { "network_connection", "connect", false, true },
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
	{ "TargetFilename", CB(SC_FILE), SK_STR, "file.target" },
	{ "TargetFilename", CB(SC_DELETE), SK_STR, "file.path" },
	{ "TargetFilename", CB(SC_RENAME), SK_STR, "file.new_path" },
	{ "DestinationIp", CB(SC_NET), SK_ADDR, "net.addr" },
	{ "DestinationPort", CB(SC_NET), SK_NUM, "net.port" },
	{ "Protocol", CB(SC_NET), SK_PROTO, "net.proto" },
	{ "Initiated", CB(SC_NET), SK_INITIATED, NULL },
	{ "ParentCommandLine", C_ALL, SK_STR, "parent.argv" },
	{ "CurrentDirectory", CB(SC_PROC), SK_STR, "exec.cwd" },
	{ "User", C_ALL, SK_STR, "proc.user" },
	{ "LogonId", C_ALL, SK_REFUSED, "there are no logon sessions" },
	{ "DestinationHostname", C_ALL, SK_REFUSED,
	  "host names are not seen (no DNS): connects carry addresses" },
	{ "SourceFilename", C_ALL, SK_REFUSED,
	  "file.path of a rename is either path, not only the old one" },
};

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

/* A word character as Python's re (pySigma) sees it in UTF-8 text. */
static bool word_char(unsigned char ch)
{
	return ch == '_' || ch >= 0x80 || (ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'z') ||
	       (ch >= 'A' && ch <= 'Z');
}

/*
 * Values after windash, as pySigma expands it: each '-' or '/' where its
 * regular expression \B[-/]\b finds one (not after a word character, and
 * before one: '-a', 'x=-a', the second dash of '--all') in its five
 * spellings, every combination.
 */
static int windash(struct sconv *c, const struct ynode *v, struct nlist *out)
{
	static const char *const dash[] = { "-", "/", "\xe2\x80\x93", "\xe2\x80\x94",
					    "\xe2\x80\x95" };
	size_t pos[8], npos = 0, combos = 1;
	const char *s = v->str;
	size_t len = v->len;

	for (size_t i = 0; i < len; i++)
		if ((s[i] == '-' || s[i] == '/') && (i == 0 || !word_char((unsigned char)s[i - 1])) &&
		    i + 1 < len && word_char((unsigned char)s[i + 1])) {
			if (npos == 4)
				return sc_refuse(c, v, "'windash' on a value with more than 4 "
						       "dashes would give too many values");
			pos[npos++] = i;
			combos *= 5;
		}
	for (size_t k = 0; k < combos; k++) {
		char buf[4096 + 4 * 8];
		size_t b = 0, kk = k, j = 0;

		if (len + 2 * npos >= sizeof(buf))
			return sc_refuse(c, v, "value too long for 'windash'");
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
		if (sc_nl_push(c, out, sc_scalar(c, &v->mark, buf, b)) < 0)
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
		*val = sc_val(c, &v->mark, lit, llen);
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
		*val = sc_val(c, &v->mark, g, glen);
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

/*
 * The condition of one string field with its modifiers: with 'all', one
 * condition per value under 'all'; else one operator for all the values
 * (operators of a mapping must all hold), a glob when any value needs one.
 */
static struct ynode *str_cond(struct sconv *c, const struct ynode *key, enum smatch m, bool all,
			      bool cased, struct ynode **vals, size_t n)
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
		    sc_nl_push(c, &l, all ? sc_str_op_map(c, &vals[i]->mark, op, &val, 1, cased) :
				    val) < 0) {
			free(l.v);
			return NULL;
		}
	}
	if (all && l.n == 1) {
		struct ynode *r = l.v[0];

		free(l.v);
		return r;
	}
	seq = sc_nl_finish(c, &l, YN_SEQ, &key->mark);
	if (!seq)
		return NULL;
	if (all) /* each condition in it says nocase, so that an 'all' of 'all's flattens */
		return sc_op_map(c, &key->mark, "all", seq->items, seq->n);
	return sc_str_op_map(c, &key->mark, op, seq->items, seq->n, cased);
}

/* windash under 'all': the spellings of one value are one condition (any of them). */
static int windash_group(struct sconv *c, const struct ynode *key, enum smatch m, bool cased,
			 const struct ynode *v, struct nlist *out)
{
	struct nlist sp = { 0 };
	struct ynode *cond;
	int r = windash(c, v, &sp);

	if (r < 0) {
		free(sp.v);
		return r;
	}
	cond = str_cond(c, key, m, false, cased, sp.v, sp.n);
	free(sp.v);
	if (!cond)
		return c->fatal ? c->fatal : -EINVAL;
	return sc_nl_push(c, out, cond);
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

	/* a leading (?i): the whole expression ignores case (the policy's 're' takes it) */
	if (strncmp(s, "(?i)", 4) == 0) {
		if (max < 5) {
			*why = "too long";
			return -EINVAL;
		}
		memcpy(out, "(?i)", 4);
		o = 4;
		s += 4;
	}
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
static struct ynode *re_cond(struct sconv *c, const struct ynode *key, bool all, bool icase,
			     struct ynode **vals, size_t n)
{
	struct nlist l = { 0 };
	struct ynode *seq;

	for (size_t i = 0; i < n; i++) {
		char buf[4096];
		const char *why = NULL, *ere = buf + 4;
		struct ynode *val;
		regex_t re;
		/* 're|i': written as the policy's '(?i)' prefix */
		int q = pcre_to_ere(vals[i]->str, buf + 4, sizeof(buf) - 4, &why);

		if (q >= 0 && strncmp(ere, "(?i)", 4) != 0 && icase) {
			memcpy(buf, "(?i)", 4);
			ere = buf;
			q += 4;
		}
		if (q >= 0 && regcomp(&re, strncmp(ere, "(?i)", 4) == 0 ? ere + 4 : ere,
				      REG_EXTENDED | REG_NOSUB) == 0)
			regfree(&re);
		else if (q >= 0)
			why = "not a valid POSIX extended regular expression";
		if (why) {
			free(l.v);
			sc_refuse(c, vals[i], "regular expression '%s': %s", vals[i]->str, why);
			return NULL;
		}
		val = sc_val(c, &vals[i]->mark, ere, (size_t)q);
		if (all)
			val = sc_op_map(c, &vals[i]->mark, "re", &val, 1);
		if (sc_nl_push(c, &l, val) < 0) {
			free(l.v);
			return NULL;
		}
	}
	if (all && l.n == 1) {
		struct ynode *r = l.v[0];

		free(l.v);
		return r;
	}
	seq = sc_nl_finish(c, &l, YN_SEQ, &key->mark);
	return seq ? sc_op_map(c, &key->mark, all ? "all" : "re", seq->items, seq->n) : NULL;
}
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

const char *sc_field_name(enum scat cat, const char *sigma, const char **why)
{
	struct sconv c = { .cat = cat };
	const struct sfield *f;
	bool known;

	f = find_sfield(&c, sigma, strlen(sigma), &known);
	if (!f) {
		*why = known ? "not in this rule's log source" : "not a field this build knows";
		return NULL;
	}
	if (f->kind == SK_REFUSED || f->kind == SK_INITIATED || !f->field) {
		*why = f->kind == SK_REFUSED ? f->field : "not a value events carry";
		return NULL;
	}
	return f->field;
}

/* One "Field|mod|mod: value(s)" of a mapping; *cond NULL when it always holds. */
static int field_cond(struct sconv *c, const struct ynode *key, const struct ynode *val,
		      struct sfc *out)
{
	const char *k = key->str, *bar = strchr(k, '|');
	size_t flen = bar ? (size_t)(bar - k) : strlen(k);
	enum smatch m = SM_EQ;
	bool all = false, wd = false, cidr = false, re = false, cased = false, icase = false, known;
	const struct sfield *sf = find_sfield(c, k, flen, &known);
	struct nlist vals = { 0 };
	int r = 0;

	out->key = key;
	out->cond = NULL;
	if (!sf && known)
		return sc_refuse(c, key, "field '%.*s' is not known for category '%s'",
				 (int)flen, k, sigma_cats[c->cat].name);
	if (!sf)
		return sc_refuse(c, key, "unknown field '%.*s'", (int)flen, k);
	if (sf->kind == SK_REFUSED)
		return sc_refuse(c, key, "field '%s': %s", sf->sigma, sf->field);
	out->field = sf->field;
	/* the modifiers */
	while (bar) {
		const char *mod = bar + 1;
		size_t mlen;

		bar = strchr(mod, '|');
		mlen = bar ? (size_t)(bar - mod) : strlen(mod);
#define IS(s) (mlen == strlen(s) && strncmp(mod, s, mlen) == 0)
		if ((IS("contains") || IS("startswith") || IS("endswith")) && m != SM_EQ)
			return sc_refuse(c, key, "two of contains, startswith, endswith in '%s'",
					 k);
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
		else if (IS("cased"))
			cased = true;
		else if (re && IS("i"))
			icase = true;
		else if (re && (IS("m") || IS("s")))
			return sc_refuse(c, key, "modifier 're|%.*s' is not supported",
					 (int)mlen, mod);
		else
			return sc_refuse(c, key, "modifier '%.*s' is not supported", (int)mlen,
					 mod);
#undef IS
	}
	if (re && (m != SM_EQ || wd || cidr || cased))
		return sc_refuse(c, key, "'re' with another modifier than 'all' and 'i' is not "
				 "supported");
	if (sf->kind != SK_STR && (m != SM_EQ || all || wd || re || cased))
		return sc_refuse(c, key, "modifiers of '%s' other than 'cidr' are not supported",
				 sf->sigma);
	if (cidr && sf->kind != SK_ADDR)
		return sc_refuse(c, key, "'cidr' applies to addresses only, not '%s'", sf->sigma);
	/* the values */
	if (val->type == YN_MAP)
		return sc_refuse(c, val, "a value of '%s' is a mapping", sf->sigma);
	for (size_t i = 0; i < (val->type == YN_SEQ ? val->n : 1); i++) {
		const struct ynode *v = val->type == YN_SEQ ? val->items[i] : val;

		if (v->type != YN_SCALAR)
			r = sc_refuse(c, v, "a value of '%s' is not a string", sf->sigma);
		else if (v->plain && (strcmp(v->str, "null") == 0 || strcmp(v->str, "~") == 0 ||
				      v->len == 0))
			r = sc_refuse(c, v, "null values (field absent) are not supported");
		else if (wd && all)
			r = windash_group(c, key, m, cased, v, &vals);
		else if (wd)
			r = windash(c, v, &vals);
		else
			r = sc_nl_push(c, &vals, (struct ynode *)v);
		if (r < 0)
			goto out;
		if (vals.n > SG_SIGMA_VALUES_MAX) {
			r = sc_refuse(c, val, "more than %d values for '%s'", SG_SIGMA_VALUES_MAX,
				      sf->sigma);
			goto out;
		}
	}
	if (vals.n == 0) {
		r = sc_refuse(c, val, "no values for '%s'", sf->sigma);
		goto out;
	}
	switch (sf->kind) {
	case SK_STR:
		if (wd && all) /* vals: one condition per value, each any of its spellings */
			out->cond = vals.n == 1 ? vals.v[0] :
				sc_op_map(c, &key->mark, "all", vals.v, vals.n);
		else if (re)
			out->cond = re_cond(c, key, all, icase, vals.v, vals.n);
		else
			out->cond = str_cond(c, key, m, all, cased, vals.v, vals.n);
		if (!out->cond && !c->fatal)
			r = -EINVAL;
		break;
	case SK_NUM:
		for (size_t i = 0; i < vals.n; i++) {
			const struct ynode *v = vals.v[i];

			if (strspn(v->str, "0123456789") != v->len || v->len > 5 ||
			    strtoul(v->str, NULL, 10) > 65535) {
				r = sc_refuse(c, v, "'%s' is not a port number", v->str);
				goto out;
			}
		}
		out->cond = sc_op_map(c, &key->mark, "in", vals.v, vals.n);
		break;
	case SK_ADDR:
		for (size_t i = 0; i < vals.n; i++) {
			const struct ynode *v = vals.v[i];
			struct addr_cidr a;
			const char *why;

			if (addr_parse_cidr(v->str, &a, &why) < 0) {
				r = sc_refuse(c, v, "'%s' is not an address%s: %s", v->str,
					      cidr ? " block" : "", why);
				goto out;
			}
			if (!cidr && strchr(v->str, '/')) {
				r = sc_refuse(c, v, "'%s' is a block: use the 'cidr' modifier",
					      v->str);
				goto out;
			}
		}
		out->cond = sc_op_map(c, &key->mark, "in", vals.v, vals.n);
		break;
	case SK_PROTO:
		for (size_t i = 0; i < vals.n; i++) {
			const char *s = vals.v[i]->str;

			if (strcasecmp(s, "tcp") && strcasecmp(s, "udp")) {
				r = sc_refuse(c, vals.v[i], "protocol '%s' (expected tcp or udp)",
					      s);
				goto out;
			}
			vals.v[i] = sc_str(c, &vals.v[i]->mark,
					   strcasecmp(s, "tcp") ? "udp" : "tcp");
			if (!vals.v[i])
				goto out;
		}
		out->cond = sc_op_map(c, &key->mark, "in", vals.v, vals.n);
		break;
	case SK_INITIATED:
		for (size_t i = 0; i < vals.n; i++)
			if (strcasecmp(vals.v[i]->str, "true") != 0) {
				r = sc_refuse(c, vals.v[i], "'Initiated: %s': only outgoing "
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
	out->v = sc_alloc(c, (m->n / 2 + 1) * sizeof(*out->v));
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

int sc_ident_parse(struct sconv *c, struct sident *id)
{
	const struct ynode *n = id->node;

	if (id->done)
		return 0;
	id->done = true;
	if (n->type == YN_SCALAR)
		return sc_refuse(c, n, "'%s' is a keyword search (no field): not supported",
				 id->name);
	if (n->type == YN_MAP) {
		id->alts = sc_alloc(c, sizeof(*id->alts));
		if (!id->alts)
			return c->fatal;
		id->nalts = 1;
		return ident_map(c, n, &id->alts[0]);
	}
	if (n->n == 0)
		return sc_refuse(c, n, "'%s' is an empty list", id->name);
	id->alts = sc_alloc(c, n->n * sizeof(*id->alts));
	if (!id->alts)
		return c->fatal;
	for (size_t i = 0; i < n->n; i++) {
		if (n->items[i]->type != YN_MAP)
			return sc_refuse(c, n->items[i], "'%s' is a keyword search (no field): "
							 "not supported", id->name);
		if (ident_map(c, n->items[i], &id->alts[id->nalts++]) < 0)
			return -EINVAL;
	}
	return 0;
}
