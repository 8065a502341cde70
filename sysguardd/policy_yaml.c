// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The lowest layer of the policy loader: the arena every policy lives in, the
 * diagnostics list, and the conversion of a YAML text (libyaml's event API)
 * into a tree of scalars, sequences and mappings that keeps the line and
 * column of every node.  Aliases, tags other than the core ones, several
 * documents and duplicate mapping keys are rejected here.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>
#include "policy_int.h"

#define CHUNK_MIN 16384

struct arena_chunk {
	struct arena_chunk *next;
	size_t used, size;
	_Alignas(16) unsigned char data[];
};

void *policy_arena_alloc(struct arena *a, size_t n)
{
	struct arena_chunk *c = a->head;
	void *p;

	n = (n + 15) & ~(size_t)15;
	if (!c || c->size - c->used < n) {
		size_t size = n > CHUNK_MIN ? n : CHUNK_MIN;

		c = malloc(sizeof(*c) + size);
		if (!c)
			return NULL;
		c->used = 0;
		c->size = size;
		c->next = a->head;
		a->head = c;
	}
	p = c->data + c->used;
	c->used += n;
	memset(p, 0, n);
	return p;
}

char *policy_arena_strndup(struct arena *a, const char *s, size_t n)
{
	char *r = policy_arena_alloc(a, n + 1);

	if (r)
		memcpy(r, s, n);
	return r;
}

void policy_arena_free(struct arena *a)
{
	struct arena_chunk *c = a->head, *next;

	for (; c; c = next) {
		next = c->next;
		free(c);
	}
	a->head = NULL;
}

void policy_diag_init(struct policy_diag *d)
{
	memset(d, 0, sizeof(*d));
}

void policy_diag_fini(struct policy_diag *d)
{
	if (!d)
		return;
	for (size_t i = 0; i < d->n; i++) {
		free(d->msgs[i].file);
		free(d->msgs[i].text);
	}
	free(d->msgs);
	memset(d, 0, sizeof(*d));
}

void policy_diag_add(struct policy_diag *d, const struct pmark *m, bool warning,
		     const char *fmt, ...)
{
	struct policy_diag_msg *msg;
	va_list ap;
	int r;

	if (!d)
		return;
	if (warning)
		d->warnings++;
	else
		d->errors++;
	if (d->n >= SG_POLICY_DIAG_MAX) {
		d->truncated = true;
		return;
	}
	if (d->n == d->cap) {
		size_t cap = d->cap ? 2 * d->cap : 16;
		struct policy_diag_msg *v = realloc(d->msgs, cap * sizeof(*v));

		if (!v) {
			d->truncated = true;
			return;
		}
		d->msgs = v;
		d->cap = cap;
	}
	msg = &d->msgs[d->n];
	memset(msg, 0, sizeof(*msg));
	va_start(ap, fmt);
	r = vasprintf(&msg->text, fmt, ap);
	va_end(ap);
	if (r < 0) {
		d->truncated = true;
		return;
	}
	if (m && m->file) {
		msg->file = strdup(m->file);
		if (!msg->file) {
			free(msg->text);
			d->truncated = true;
			return;
		}
		msg->line = m->line;
		msg->col = m->col;
	}
	msg->warning = warning;
	d->n++;
}

void policy_diag_print(const struct policy_diag *d, FILE *f)
{
	for (size_t i = 0; i < d->n; i++) {
		const struct policy_diag_msg *m = &d->msgs[i];

		if (m->file && m->line)
			fprintf(f, "%s:%u:%u: ", m->file, m->line, m->col);
		else if (m->file)
			fprintf(f, "%s: ", m->file);
		fprintf(f, "%s%s\n", m->warning ? "warning: " : "", m->text);
	}
	if (d->truncated)
		fprintf(f, "too many messages; %u errors and %u warnings in all\n", d->errors,
			d->warnings);
}

/* A node under construction, with its children in a growable array. */
struct frame {
	struct ynode *node;
	struct ynode **v;
	size_t n, cap;
};

static struct pmark mark_of(const char *file, const yaml_mark_t *ym)
{
	return (struct pmark){ .file = file, .line = (unsigned)ym->line + 1,
			       .col = (unsigned)ym->column + 1 };
}

static int frame_push_child(struct frame *f, struct ynode *child)
{
	if (f->n == f->cap) {
		size_t cap = f->cap ? 2 * f->cap : 8;
		struct ynode **v = realloc(f->v, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		f->v = v;
		f->cap = cap;
	}
	f->v[f->n++] = child;
	return 0;
}

static bool check_tag(const yaml_char_t *tag)
{
	/* Only the core schema's own tags: "!!str 1" is fine, "!custom" is not. */
	return !tag || strncmp((const char *)tag, "tag:yaml.org,2002:", 18) == 0;
}

/* Adds a finished child to the parent frame; rejects duplicate mapping keys. */
static int add_child(struct frame *parent, struct ynode *child, struct policy_diag *d)
{
	if (parent->node->type == YN_MAP && parent->n % 2 == 0) {
		if (child->type != YN_SCALAR) {
			policy_diag_add(d, &child->mark, false, "a mapping key must be a string");
			return -EINVAL;
		}
		for (size_t i = 0; i < parent->n; i += 2)
			if (strcmp(parent->v[i]->str, child->str) == 0) {
				policy_diag_add(d, &child->mark, false,
						"duplicate key '%s' (first at line %u)", child->str,
						parent->v[i]->mark.line);
				return -EINVAL;
			}
	}
	return frame_push_child(parent, child);
}

/* One document into *ret, or (multi) every document's root as the items of a sequence. */
static int parse(struct arena *a, const char *file, const char *text, size_t len, bool multi,
		 struct ynode **ret, struct policy_diag *d)
{
	struct frame stack[SG_POLICY_DEPTH_MAX + 1];
	struct frame docs_f = { 0 };
	size_t depth = 0;
	struct ynode *root = NULL;
	yaml_parser_t parser;
	yaml_event_t ev;
	int docs = 0, r = 0;
	bool done = false;

	if (!yaml_parser_initialize(&parser))
		return -ENOMEM;
	yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
	while (!done) {
		struct ynode *node = NULL;
		struct pmark m;

		if (!yaml_parser_parse(&parser, &ev)) {
			struct pmark pm = mark_of(file, &parser.problem_mark);

			const char *ctx = parser.context ? parser.context : "";

			policy_diag_add(d, &pm, false, "YAML: %s%s%s",
					parser.problem ? parser.problem : "syntax error",
					*ctx ? " " : "", ctx);
			r = -EINVAL;
			goto out;
		}
		m = mark_of(file, &ev.start_mark);
		switch (ev.type) {
		case YAML_STREAM_END_EVENT:
			done = true;
			break;
		case YAML_DOCUMENT_START_EVENT:
			if (++docs > 1 && !multi) {
				policy_diag_add(d, &m, false, "only one YAML document per file");
				r = -EINVAL;
			}
			break;
		case YAML_ALIAS_EVENT:
			policy_diag_add(d, &m, false, "YAML aliases are not supported");
			r = -EINVAL;
			break;
		case YAML_SCALAR_EVENT:
		case YAML_SEQUENCE_START_EVENT:
		case YAML_MAPPING_START_EVENT: {
			const yaml_char_t *tag, *anchor;

			if (ev.type == YAML_SCALAR_EVENT) {
				tag = ev.data.scalar.tag;
				anchor = ev.data.scalar.anchor;
			} else if (ev.type == YAML_SEQUENCE_START_EVENT) {
				tag = ev.data.sequence_start.tag;
				anchor = ev.data.sequence_start.anchor;
			} else {
				tag = ev.data.mapping_start.tag;
				anchor = ev.data.mapping_start.anchor;
			}

			if (!check_tag(tag)) {
				policy_diag_add(d, &m, false, "YAML tag '%s' is not supported",
						(const char *)tag);
				r = -EINVAL;
				break;
			}
			if (anchor) {
				policy_diag_add(d, &m, false, "YAML anchors are not supported");
				r = -EINVAL;
				break;
			}
			node = policy_arena_alloc(a, sizeof(*node));
			if (!node) {
				r = -ENOMEM;
				break;
			}
			node->mark = m;
			if (ev.type == YAML_SCALAR_EVENT) {
				node->type = YN_SCALAR;
				node->len = ev.data.scalar.length;
				const char *value = (const char *)ev.data.scalar.value;

				node->str = policy_arena_strndup(a, value, node->len);
				node->plain = ev.data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
				if (!node->str) {
					r = -ENOMEM;
					break;
				}
				if (strlen(node->str) != node->len) {
					policy_diag_add(d, &m, false, "NUL byte in a string");
					r = -EINVAL;
					break;
				}
			} else {
				node->type = ev.type == YAML_SEQUENCE_START_EVENT ? YN_SEQ : YN_MAP;
				if (depth == SG_POLICY_DEPTH_MAX) {
					policy_diag_add(d, &m, false, "nested too deeply");
					r = -EINVAL;
					break;
				}
				stack[depth++] = (struct frame){ .node = node };
				node = NULL; /* added when it ends */
			}
			break;
		}
		case YAML_SEQUENCE_END_EVENT:
		case YAML_MAPPING_END_EVENT: {
			struct frame *f = &stack[--depth];

			node = f->node;
			node->n = f->n;
			if (f->n) {
				node->items = policy_arena_alloc(a, f->n * sizeof(*node->items));
				if (node->items)
					memcpy(node->items, f->v, f->n * sizeof(*node->items));
				else
					r = -ENOMEM;
			}
			free(f->v);
			break;
		}
		default:
			break;
		}
		yaml_event_delete(&ev);
		if (r == 0 && node) {
			if (depth)
				r = add_child(&stack[depth - 1], node, d);
			else if (multi)
				r = frame_push_child(&docs_f, node);
			else
				root = node;
		}
		if (r < 0)
			goto out;
	}
	if (multi) {
		root = policy_arena_alloc(a, sizeof(*root));
		if (!root) {
			r = -ENOMEM;
			goto out;
		}
		root->type = YN_SEQ;
		root->mark = (struct pmark){ .file = file, .line = 1, .col = 1 };
		root->n = docs_f.n;
		if (docs_f.n) {
			root->items = policy_arena_alloc(a, docs_f.n * sizeof(*root->items));
			if (!root->items) {
				r = -ENOMEM;
				goto out;
			}
			memcpy(root->items, docs_f.v, docs_f.n * sizeof(*root->items));
		}
	}
	*ret = root;
out:
	while (depth)
		free(stack[--depth].v);
	free(docs_f.v);
	yaml_parser_delete(&parser);
	return r;
}

int policy_yaml_parse(struct arena *a, const char *file, const char *text, size_t len,
		      struct ynode **ret, struct policy_diag *d)
{
	return parse(a, file, text, len, false, ret, d);
}

int policy_yaml_parse_docs(struct arena *a, const char *file, const char *text, size_t len,
			   struct ynode **ret, struct policy_diag *d)
{
	return parse(a, file, text, len, true, ret, d);
}

const struct ynode *policy_ymap_get(const struct ynode *m, const char *key)
{
	if (!m || m->type != YN_MAP)
		return NULL;
	for (size_t i = 0; i < m->n; i += 2)
		if (strcmp(m->items[i]->str, key) == 0)
			return m->items[i + 1];
	return NULL;
}
