/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Internals of the policy loader, shared by its three files: policy_load.c
 * (one load: its state, messages and allocations, reading files and
 * directories, the two passes and the index by event type), policy_rule.c
 * (a policy document: its keys, defaults, exclusions and rules) and
 * policy_value.c (lists, and the conditions on fields with their operators
 * and values).  Not for use outside them.
 */
#ifndef SG_POLICY_LOAD_H
#define SG_POLICY_LOAD_H

#include "policy_int.h"

/* A growable array of pointers, freed at the end of a load. */
struct pvec {
	void **v;
	size_t n, cap;
};


int pvec_push(struct pvec *pv, void *e);      /* 0 or -ENOMEM */

/* A named list of values ('lists'), referred to as $name. */
struct plist {
	const char *name;
	const struct ynode *node; /* the sequence */
	bool used;
};

/* One file of the policy, parsed. */
struct pfile {
	const char *name;
	const struct ynode *root;
};

/* The state of one load. */
struct px {
	struct policy *p;
	struct policy_diag *d;
	struct arena tmp;        /* YAML trees, texts */
	int fatal;               /* -ENOMEM or an I/O error */
	struct pvec files;       /* struct pfile */
	struct pvec lists;       /* struct plist */
	struct pvec rules;       /* struct prule */
	struct pvec excl;        /* struct pcondset */
	struct pmark def_mark[3]; /* where each default was set */
	bool from_text;          /* policy_load_string: no 'sigma' paths */
};


/*
 * Helpers of one load (policy_load.c).  Messages go into x->d at n's
 * position; allocations are in the policy's arena, and their failure sets
 * x->fatal to -ENOMEM.
 */
void px_err(struct px *x, const struct ynode *n, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void *px_alloc(struct px *x, size_t n);
/* The index of each type's rules by program name (policy_index.c). */
int policy_index_build(struct px *x, struct policy *p);
const char *px_strdup(struct px *x, const char *s);
/* "a string", "a list" or "a mapping" */
const char *px_type_name(const struct ynode *n);
/* Whether n is of type t; if not, says that what must be. */
bool px_expect(struct px *x, const struct ynode *n, enum ynode_type t, const char *what);
/* 1 to max of A-Z a-z 0-9 _ - (and with dots, . : #) */
bool px_valid_name(const char *s, size_t max, bool dots);
/* "true" or "false"; -EINVAL */
int px_parse_bool(const struct ynode *n, bool *ret);
/* qsort() of const char * */
int px_cmp_str(const void *a, const void *b);

/* 'lists' of a document (policy_value.c). */
void px_parse_lists(struct px *x, const struct ynode *v);

/*
 * A mapping of field: condition into out (policy_value.c).  events restricts
 * the fields to those that exist for the rule's events (0: no restriction).
 */
int px_parse_condset(struct px *x, const struct ynode *v, uint32_t events, const char *what,
		     bool allow_empty, struct pcondset *out);

/* A rule's (or a correlation step's) 'events', 'match' and 'except' of mapping v (policy_rule.c). */
int px_parse_body(struct px *x, const struct ynode *v, struct prule *rule);

/* The passes over a document (policy_rule.c). */
void px_pass1(struct px *x, const struct pfile *f); /* shape, version, lists, defaults */
void px_pass2(struct px *x, const struct pfile *f); /* exclusions, rules, Sigma files */

#endif /* SG_POLICY_LOAD_H */
