// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The policy loader: reads a file or a directory of *.yaml files, checks every
 * key and value against the language of sysguard.policy(5), and compiles the
 * result for the matcher (rules indexed by event type).  All errors are
 * collected, not just the first, and sorted by position.  Files of a
 * directory are read in two passes (policy_rule.c): lists and defaults of
 * every file first, then exclusions and rules, so that a list may be used in
 * any file.  This file owns one load: its state, the helpers its parts share,
 * reading files and directories, and the index; conditions and their values
 * are compiled in policy_value.c.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "fileio.h"
#include "policy_load.h"

int pvec_push(struct pvec *pv, void *e)
{
	if (pv->n == pv->cap) {
		size_t cap = pv->cap ? 2 * pv->cap : 16;
		void **v = realloc(pv->v, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		pv->v = v;
		pv->cap = cap;
	}
	pv->v[pv->n++] = e;
	return 0;
}

void px_err(struct px *x, const struct ynode *n, const char *fmt, ...)
{
	char *text;
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = vasprintf(&text, fmt, ap);
	va_end(ap);
	if (r < 0) {
		x->fatal = -ENOMEM;
		return;
	}
	policy_diag_add(x->d, n ? &n->mark : NULL, false, "%s", text);
	free(text);
}

void *px_alloc(struct px *x, size_t n)
{
	void *r = policy_arena_alloc(&x->p->arena, n ? n : 1);

	if (!r)
		x->fatal = -ENOMEM;
	return r;
}

const char *px_strdup(struct px *x, const char *s)
{
	char *r = policy_arena_strndup(&x->p->arena, s, strlen(s));

	if (!r)
		x->fatal = -ENOMEM;
	return r;
}

const char *px_type_name(const struct ynode *n)
{
	return n->type == YN_SCALAR ? "a string" : n->type == YN_SEQ ? "a list" : "a mapping";
}

bool px_expect(struct px *x, const struct ynode *n, enum ynode_type t, const char *what)
{
	static const char *const names[] = { "a string", "a list", "a mapping" };

	if (n->type == t)
		return true;
	px_err(x, n, "%s must be %s, not %s", what, names[t], px_type_name(n));
	return false;
}

int px_parse_bool(const struct ynode *n, bool *ret)
{
	if (n->type != YN_SCALAR)
		return -EINVAL;
	if (strcmp(n->str, "true") == 0)
		*ret = true;
	else if (strcmp(n->str, "false") == 0)
		*ret = false;
	else
		return -EINVAL;
	return 0;
}

bool px_valid_name(const char *s, size_t max, bool dots)
{
	size_t n = 0;

	for (; s[n]; n++)
		if (!((s[n] >= 'a' && s[n] <= 'z') || (s[n] >= 'A' && s[n] <= 'Z') ||
		      (s[n] >= '0' && s[n] <= '9') || s[n] == '_' || s[n] == '-' ||
		      (dots && (s[n] == '.' || s[n] == ':' || s[n] == '#'))))
			return false;
	return n > 0 && n <= max;
}

int px_cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* A policy file's text, malloc'ed; what went wrong is reported at path. */
static int read_file(struct px *x, const char *path, char **ret, size_t *len)
{
	struct pmark m = { .file = path };
	const char *why;
	int fd, r;

	/* opened here, not by fio_read(), to tell "cannot open" from "cannot read" */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0) {
		r = -errno;
		policy_diag_add(x->d, &m, false, "cannot open: %s", strerror(-r));
		return r;
	}
	r = fio_read_fd(fd, SG_POLICY_FILE_MAX, ret, len, &why);
	close(fd);
	if (r == -EINVAL)
		policy_diag_add(x->d, &m, false, "not a regular file");
	else if (r == -EFBIG)
		policy_diag_add(x->d, &m, false, "file too large (max %d bytes)",
				SG_POLICY_FILE_MAX);
	else if (r < 0 && r != -ENOMEM)
		policy_diag_add(x->d, &m, false, "cannot read: %s", why);
	return r;
}

static int add_text(struct px *x, const char *name, const char *text, size_t len)
{
	struct pfile *f = policy_arena_alloc(&x->tmp, sizeof(*f));
	int r;

	if (!f)
		return -ENOMEM;
	f->name = policy_arena_strndup(&x->p->arena, name, strlen(name));
	if (!f->name)
		return -ENOMEM;
	r = policy_yaml_parse(&x->tmp, f->name, text, len, (struct ynode **)&f->root, x->d);
	if (r == -ENOMEM)
		return r;
	if (r < 0)
		return 0; /* reported; the file contributes nothing */
	return pvec_push(&x->files, f);
}

static int add_path(struct px *x, const char *path, const char *shown)
{
	char *text;
	size_t len;
	int r;

	r = read_file(x, path, &text, &len);
	if (r < 0)
		return r;
	r = add_text(x, shown, text, len); /* the tree keeps copies of the strings */
	free(text);
	return r;
}

static bool yaml_name(const char *name, void *arg)
{
	size_t n = strlen(name);

	return name[0] != '.' && n >= 6 && strcmp(name + n - 5, ".yaml") == 0;
}

/* The *.yaml files of dir, in name order. */
static int add_dir(struct px *x, const char *dir)
{
	struct pmark m = { .file = dir };
	struct fio_names names;
	const char *why;
	int r;

	r = fio_list(dir, yaml_name, NULL, SG_POLICY_FILES_MAX, &names, &why);
	if (r == -E2BIG) {
		policy_diag_add(x->d, &m, false, "more than %d policy files", SG_POLICY_FILES_MAX);
		r = -EINVAL;
		goto out;
	}
	if (r == -ENOMEM)
		return r;
	if (r < 0) {
		policy_diag_add(x->d, &m, false, "cannot open directory: %s", why);
		return r;
	}
	if (names.n == 0) {
		policy_diag_add(x->d, &m, false, "no *.yaml files in the directory");
		r = -EINVAL;
		goto out;
	}
	for (size_t i = 0; i < names.n; i++) {
		size_t size = strlen(dir) + strlen(names.v[i]) + 2;
		char *path = policy_arena_alloc(&x->tmp, size);

		if (!path) {
			r = -ENOMEM;
			goto out;
		}
		(void)fio_join(path, size, dir, names.v[i]); /* fits: sized for it */
		r = add_path(x, path, path);
		if (r == -ENOMEM)
			goto out;
		r = 0; /* other problems are reported; go on with the next file */
	}
out:
	fio_names_free(&names);
	return r;
}

/* Everything after reading: the two passes and the index. */
static int compile(struct px *x)
{
	struct policy *p = x->p;
	size_t n;

	for (size_t i = 0; i < x->files.n; i++)
		px_pass1(x, x->files.v[i]);
	for (size_t i = 0; i < x->files.n && !x->fatal; i++)
		px_pass2(x, x->files.v[i]);
	if (x->fatal)
		return x->fatal;
	for (size_t i = 0; i < x->lists.n; i++) {
		const struct plist *l = x->lists.v[i];

		if (!l->used)
			policy_diag_add(x->d, &l->node->mark, true, "list '%s' is never used",
					l->name);
	}
	p->nrules = x->rules.n;
	p->rules = px_alloc(x, p->nrules * sizeof(*p->rules));
	p->nexclude = x->excl.n;
	p->exclude = px_alloc(x, p->nexclude * sizeof(*p->exclude));
	p->ctr = px_alloc(x, sizeof(*p->ctr) + p->nrules * sizeof(p->ctr->hits[0]));
	if (x->fatal)
		return x->fatal;
	for (size_t i = 0; i < p->nrules; i++)
		p->rules[i] = *(struct prule *)x->rules.v[i];
	for (size_t i = 0; i < p->nexclude; i++)
		p->exclude[i] = *(struct pcondset *)x->excl.v[i];
	if (policy_corr_compile(x, p) < 0)
		return x->fatal;
	for (int t = 1; t < SG_EV_MAX; t++) {
		uint32_t bits = 1u << t;

		if (!sg_type_judged(t))
			continue;
		if (t == SG_EV_OPEN)
			bits |= POLICY_EV_WRITE; /* 'write': an open with write intent */
		n = 0;
		for (size_t i = 0; i < p->nrules; i++)
			n += p->rules[i].enabled && (p->rules[i].events & bits);
		p->by_type[t] = px_alloc(x, n * sizeof(uint32_t));
		if (!p->by_type[t])
			return x->fatal;
		for (size_t i = 0; i < p->nrules; i++)
			if (p->rules[i].enabled && (p->rules[i].events & bits))
				p->by_type[t][p->nby_type[t]++] = (uint32_t)i;
	}
	return policy_index_build(x, p);
}

static bool msg_before(const struct policy_diag_msg *a, const struct policy_diag_msg *b)
{
	int c;

	if (!a->file || !b->file)
		return false;
	c = strcmp(a->file, b->file);
	if (c)
		return c < 0;
	return a->line < b->line || (a->line == b->line && a->col < b->col);
}

/* Messages of one load in file, line, column order (stable). */
static void sort_msgs(struct policy_diag *d, size_t from)
{
	for (size_t i = from + 1; i < d->n; i++) {
		struct policy_diag_msg m = d->msgs[i];
		size_t j = i;

		for (; j > from && msg_before(&m, &d->msgs[j - 1]); j--)
			d->msgs[j] = d->msgs[j - 1];
		d->msgs[j] = m;
	}
}

static int load(const char *path, const char *text, size_t len, struct policy **ret,
		struct policy_diag *diag)
{
	struct policy_diag local;
	struct px x = { 0 };
	unsigned int errors0;
	size_t msgs0;
	struct stat st;
	int r;

	if (!diag) {
		policy_diag_init(&local);
		diag = &local;
	}
	x.d = diag;
	msgs0 = diag->n;
	x.p = calloc(1, sizeof(*x.p));
	if (!x.p) {
		r = -ENOMEM;
		goto out;
	}
	x.p->def_action = SG_ACT_LOG;
	x.p->def_severity = SG_SEV_INFO;
	x.p->dedup_window_ns = 2000000000ull;
	x.p->source = policy_arena_strndup(&x.p->arena, path, strlen(path));
	if (!x.p->source) {
		r = -ENOMEM;
		goto out;
	}
	errors0 = diag->errors;
	x.from_text = text != NULL;
	if (text)
		r = add_text(&x, path, text, len);
	else if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
		r = add_dir(&x, path);
	else
		r = add_path(&x, path, path);
	if (r < 0)
		goto out;
	r = compile(&x);
	if (r < 0)
		goto out;
	if (diag->errors == errors0)
		policy_check_critical(x.p, diag);
	if (diag->errors != errors0) {
		r = -EINVAL;
		goto out;
	}
	*ret = x.p;
	x.p = NULL;
out:
	if (r == -ENOMEM)
		policy_diag_add(diag, NULL, false, "out of memory loading '%s'", path);
	sort_msgs(diag, msgs0);
	free(x.files.v);
	free(x.lists.v);
	free(x.rules.v);
	free(x.excl.v);
	policy_arena_free(&x.tmp);
	policy_free(x.p);
	if (diag == &local)
		policy_diag_fini(&local);
	return r;
}

int policy_load(const char *path, struct policy **ret, struct policy_diag *diag)
{
	return load(path, NULL, 0, ret, diag);
}

int policy_load_string(const char *name, const char *text, size_t len, struct policy **ret,
		       struct policy_diag *diag)
{
	return load(name, text ? text : "", text ? len : 0, ret, diag);
}

void policy_free(struct policy *p)
{
	if (!p)
		return;
	policy_corr_free(p);
	for (struct pregex *pr = p->regexes; pr; pr = pr->next) {
		for (size_t i = 0; i < pr->n; i++)
			regfree(&pr->res[i]);
		free(pr->res);
	}
	policy_arena_free(&p->arena);
	free(p);
}
