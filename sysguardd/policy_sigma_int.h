/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Internals of the Sigma converter, shared by its files:
 * policy_sigma_field.c (log source categories, Sigma fields, values,
 * modifiers and regular expressions as policy conditions),
 * policy_sigma_cond.c (the condition: parser and disjunctive normal form),
 * policy_sigma_rule.c (the policy rules one Sigma rule becomes, and the
 * nodes they are made of), policy_sigma_load.c (reading Sigma files and
 * directories, the policy's 'sigma' key) and policy_sigma.c (the text of
 * 'sysguardctl policy import-sigma').  Not for use outside them.
 */
#ifndef SG_POLICY_SIGMA_INT_H
#define SG_POLICY_SIGMA_INT_H

#include "policy_int.h"

/* Sigma log source categories this build reads (policy_sigma_field.c). */
enum scat { SC_PROC, SC_FILE, SC_DELETE, SC_RENAME, SC_NET, SC_MAX };

struct scat_info {
	const char *name;
	const char *events;      /* the policy event types, separated by spaces */
	bool success;            /* only calls that succeeded */
	bool inet;               /* only IPv4 and IPv6 (not unix sockets) */
};

extern const struct scat_info sigma_cats[SC_MAX];

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

/* A search identifier of the detection. */
struct sident {
	const char *name;
	const struct ynode *node;
	bool done;
	struct salt *alts;       /* any of them (OR) */
	size_t nalts;
};

/* The condition as an expression over the identifiers (ids[id]). */
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

/* Refuse the Sigma rule c (the first reason is kept, at n's position); -EINVAL. */
int sc_refuse(struct sconv *c, const struct ynode *n, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/*
 * The converter's output: nodes of the policy's YAML tree, in c->a
 * (policy_sigma_rule.c).  A failed allocation sets c->fatal and gives NULL.
 */
void *sc_alloc(struct sconv *c, size_t n);
struct ynode *sc_scalar(struct sconv *c, const struct pmark *m, const char *s, size_t len);
struct ynode *sc_str(struct sconv *c, const struct pmark *m, const char *s);
/* A value of the policy language: a leading '$' is written '$$'. */
struct ynode *sc_val(struct sconv *c, const struct pmark *m, const char *s, size_t len);
struct ynode *sc_node(struct sconv *c, enum ynode_type t, const struct pmark *m,
		      struct ynode **items, size_t n);
/* {op: [values]}: one operator mapping. */
/* {op: [vals]}, with 'nocase: true' unless cased: Sigma's strings ignore case */
struct ynode *sc_str_op_map(struct sconv *c, const struct pmark *m, const char *op,
			    struct ynode **vals, size_t n, bool cased);
struct ynode *sc_op_map(struct sconv *c, const struct pmark *m, const char *op,
			struct ynode **vals, size_t n);

/* A growable list of nodes (malloc'ed; the result is copied into the arena). */
struct nlist {
	struct ynode **v;
	size_t n, cap;
};

/* Append e (NULL: an allocation failed); 0 or c->fatal. */
int sc_nl_push(struct sconv *c, struct nlist *l, struct ynode *e);
/* The list as a node of type t; l is emptied. */
struct ynode *sc_nl_finish(struct sconv *c, struct nlist *l, enum ynode_type t,
			   const struct pmark *m);

/* Parse a search identifier's field conditions, once (policy_sigma_field.c). */
int sc_ident_parse(struct sconv *c, struct sident *id);

/* Conjunctions of literals: identifier bits that must hold (pos) and must not (neg). */
struct terms {
	uint64_t pos[SG_SIGMA_TERMS_MAX], neg[SG_SIGMA_TERMS_MAX];
	size_t n;
};

/* Parse the condition cond (a string or a list of them) into *ret (policy_sigma_cond.c). */
int sc_condition(struct sconv *c, const struct ynode *cond, struct sx **ret);
/* The disjunctive normal form of x (negated when neg) into out. */
int sc_dnf(struct sconv *c, const struct sx *x, bool neg, struct terms *out);

/* A converted Sigma rule, kept until the load ends (correlations may name it). */
struct sbase {
	const char *sid, *name;  /* its Sigma id and name, NULL when none */
	const char *title;
	enum scat cat;
	struct ynode **rules;    /* the policy rules it became */
	size_t n;
	bool hidden;             /* a correlation uses it and does not 'generate' it */
};

/* One conversion run (files, or a policy's 'sigma' key): options, where rules go, counts. */
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
	struct sbase *base;      /* converted rules, in the order read */
	size_t nbase, capbase;
	const struct ynode **corr; /* correlation rules, converted when the load ends */
	size_t ncorr, capcorr;
};

/* Keep the n rules c became (sid: its Sigma id) until sload_finish(): 0 or -ENOMEM. */
int sload_keep(struct sload *l, struct sconv *c, const char *sid, struct ynode **rules,
	       size_t n);
/* A correlation rule (a document with 'correlation'), for sload_finish(). */
int sload_defer(struct sload *l, const struct ynode *root);
/*
 * The end of a load: convert the correlation rules against the rules read
 * (policy_sigma_corr.c), then hand every rule to l->fn in order.
 */
int sload_finish(struct sload *l);

const char *sc_level_severity(const char *level);
/* A converted rule's action, severity and tags ('sigma' and the Sigma rule's) into kv. */
void sc_push_verdict(struct sconv *c, struct nlist *kv, const struct pmark *m,
		     const struct ynode *level, enum sg_action action, const char *sev,
		     const struct ynode *tags);
void sc_make_id(const char *src, char *buf, size_t max);
/* Whether id was seen in this load (and remember it). */
bool sc_id_seen(struct sload *l, const char *id);
/* The policy field a Sigma field is for category cat, or NULL with why. */
const char *sc_field_name(enum scat cat, const char *sigma, const char **why);

/*
 * Convert one Sigma rule (one YAML document) and hand its rules to l->fn
 * (policy_sigma_rule.c): 0, 1 when its level is switched off, -EINVAL when
 * refused (c->why), -ENOMEM.
 */
int sload_convert(struct sload *l, struct sconv *c);

/* Convert one Sigma file held in memory; refusals are warnings (policy_sigma_load.c). */
int sload_text(struct sload *l, const char *name, const char *text, size_t len);
/* Convert the file path, or the Sigma files under the directory path; m: where it was named. */
int sload_path(struct sload *l, const char *path, const struct pmark *m, int depth);
void sload_fini(struct sload *l);

#endif /* SG_POLICY_SIGMA_INT_H */
