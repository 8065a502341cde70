// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Sigma rules (https://sigmahq.io) as the text of a policy: what
 * 'sysguardctl policy import-sigma' prints (policy_sigma.h), checked to
 * load, with a summary of what was converted and refused; and the
 * conversion of one file held in memory (the fuzz target's entry).  The
 * subset of the Sigma language sysguard can judge exactly, and how it is
 * converted: policy_sigma_int.h.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "policy_sigma.h"
#include "policy_sigma_int.h"

/* A node's string, held in the policy language ("$$x" for "$x"), as YAML. */
static void put_scalar(FILE *f, const char *s)
{
	policy_put_scalar(f, s[0] == '$' && s[1] == '$' ? s + 1 : s);
}

static void put_flow(FILE *f, const struct ynode *n)
{
	if (n->type == YN_SCALAR) {
		/* booleans (nocase, ordered) */
		if (n->plain && (!strcmp(n->str, "true") || !strcmp(n->str, "false")))
			fputs(n->str, f);
		else
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
	      "# strings without regard to case, and so do these rules (nocase).\n"
	      "version: 1\n", out);
	r = sload_path(&l, path, &m, 0);
	if (r != -ENOMEM) {
		int q = sload_finish(&l);

		if (q < 0)
			r = q;
	}
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
	r = fname ? sload_text(&l, fname, text, len) : -ENOMEM;
	if (r != -ENOMEM) {
		int q = sload_finish(&l);

		if (q < 0)
			r = q;
	}
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
