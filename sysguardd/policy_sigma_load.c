// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Reading Sigma rules: a file, or the *.yml and *.yaml files under a
 * directory (in name order, hidden entries skipped, nesting bounded), each
 * parsed and handed to the converter; YAML that does not parse and rules
 * that are refused are warnings.  Also the policy's 'sigma' key: its paths
 * (relative to the policy file) and the action for each Sigma level.
 */
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "fileio.h"
#include "policy_sigma_int.h"

/* Messages of src into d as warnings. */
static void diag_as_warnings(struct policy_diag *d, const struct policy_diag *src)
{
	for (size_t i = 0; i < src->n; i++) {
		const struct policy_diag_msg *m = &src->msgs[i];
		struct pmark pm = { .file = m->file, .line = m->line, .col = m->col };

		policy_diag_add(d, m->file ? &pm : NULL, true, "Sigma file refused: %s", m->text);
	}
}

static int convert_doc(struct sload *l, const char *name, const struct ynode *root);

int sload_text(struct sload *l, const char *name, const char *text, size_t len)
{
	struct policy_diag yd;
	struct ynode *root = NULL;
	int r;

	l->st.files++;
	policy_diag_init(&yd);
	r = policy_yaml_parse_docs(l->a, name, text, len, &root, &yd);
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
	/* every document: a rule, or a correlation of rules converted when the load ends */
	for (size_t i = 0; i < root->n; i++) {
		const struct ynode *doc = root->items[i];

		if (doc->type == YN_MAP && policy_ymap_get(doc, "correlation")) {
			l->st.sigma++;
			r = sload_defer(l, doc);
		} else {
			r = convert_doc(l, name, doc);
		}
		if (r < 0)
			return r;
	}
	return 0;
}

/* One rule of a file. */
static int convert_doc(struct sload *l, const char *name, const struct ynode *root)
{
	struct sconv *c;
	int r;

	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	c->a = l->a;
	c->file = name;
	c->root = root;
	l->st.sigma++;
	r = sload_convert(l, c);
	if (r == -ENOMEM || c->fatal) {
		free(c);
		return -ENOMEM;
	}
	if (c->refused) {
		const struct ynode *n = c->why_node ? c->why_node : root;
		const struct ynode *title = policy_ymap_get(root, "title");

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

int sload_path(struct sload *l, const char *path, const struct pmark *m, int depth);

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
			r = sload_path(l, path, m, depth + 1);
	}
	fio_names_free(&names);
	return r;
}

int sload_path(struct sload *l, const char *path, const struct pmark *m, int depth)
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
	r = name ? sload_text(l, name, text, len) : -ENOMEM;
	free(text);
	return r;
}

void sload_fini(struct sload *l)
{
	free(l->base);
	free(l->corr);
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
		q = sload_path(&l, full, &p->mark, 0);
		free(full);
		if (q < 0)
			r = q;
	}
	if (r != -ENOMEM) {
		int q = sload_finish(&l);

		if (q < 0)
			r = q;
	}
	sload_fini(&l);
	return r;
}
