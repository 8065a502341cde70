/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Internals shared by the policy engine's files (policy_yaml.c: YAML to a node
 * tree with marks; policy_fields.c: the fields and how their values are read;
 * policy_load.c, policy_rule.c, policy_value.c: tree to compiled policy
 * (policy_load.h); policy_eval.c: the matcher; policy_dump.c: normalized dump,
 * JSON, --check-policy; policy_sigma*.c: Sigma rules).  Not for use outside
 * sysguardd/policy*.c.
 */
#ifndef SG_POLICY_INT_H
#define SG_POLICY_INT_H

#include <regex.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include "addr.h"
#include "correlate.h"
#include "sg_limits.h"
#include "policy.h"

/* A bump allocator: everything of one policy (or one parse) is freed at once. */
struct arena {
	struct arena_chunk *head;
};

void *policy_arena_alloc(struct arena *a, size_t n);     /* zeroed; NULL on ENOMEM */
char *policy_arena_strndup(struct arena *a, const char *s, size_t n);
void policy_arena_free(struct arena *a);

/* A position in a policy file. */
struct pmark {
	const char *file;
	unsigned int line, col;  /* 1-based */
};

void policy_diag_add(struct policy_diag *d, const struct pmark *m, bool warning,
		     const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* The YAML document as a tree; map items are key, value, key, value... */
enum ynode_type { YN_SCALAR, YN_SEQ, YN_MAP };

struct ynode {
	enum ynode_type type;
	struct pmark mark;
	const char *str;         /* scalar, NUL-terminated */
	size_t len;
	bool plain;              /* an unquoted scalar */
	struct ynode **items;
	size_t n;                /* items (2 per pair in a map) */
};

/* The value of key in mapping m; NULL when m is not a mapping or has no such key. */
const struct ynode *policy_ymap_get(const struct ynode *m, const char *key);

/* A string as a YAML scalar that the policy parser reads back as s (quoted when it must be). */
void policy_put_scalar(FILE *f, const char *s);

/* Parse text into *ret (NULL for an empty document); errors go into d. */
int policy_yaml_parse(struct arena *a, const char *file, const char *text, size_t len,
		      struct ynode **ret, struct policy_diag *d);
/* Every document of text ('---' between them): *ret is a sequence of their roots. */
int policy_yaml_parse_docs(struct arena *a, const char *file, const char *text, size_t len,
			   struct ynode **ret, struct policy_diag *d);

/* Fields a condition can test. */
enum pfield {
	FLD_EVENT,
	FLD_PROC_EXE, FLD_PROC_COMM, FLD_PROC_NAME, FLD_PROC_ARGV,
	FLD_PROC_UID, FLD_PROC_USER, FLD_PROC_GID, FLD_PROC_PID, FLD_PROC_PPID,
	FLD_PARENT_EXE, FLD_PARENT_COMM, FLD_PARENT_NAME, FLD_PARENT_ARGV,
	FLD_ANC_EXE, FLD_ANC_COMM, FLD_ANC_NAME,
	FLD_FILE_PATH, FLD_FILE_NEW_PATH, FLD_FILE_TARGET, FLD_FILE_NAME, FLD_FILE_HOST_PATH, FLD_FILE_WRITE, FLD_FILE_TRUNC,
	FLD_FILE_MODE, FLD_FILE_SETUID, FLD_FILE_SETGID, FLD_FILE_EXEC,
	FLD_NET_FAMILY, FLD_NET_ADDR, FLD_NET_PORT, FLD_NET_PROTO, FLD_NET_UNIX_PATH,
	FLD_EXEC_FILENAME, FLD_EXEC_CWD, FLD_EXEC_FILELESS, FLD_EXEC_VIA, FLD_EXEC_LOADER_TARGET,
	FLD_STDIN, FLD_STDOUT, FLD_STDERR, FLD_STDIO, FLD_STDIN_PIPE_FROM, FLD_STDOUT_PIPE_TO,
	FLD_PTRACE_REQUEST, FLD_PTRACE_TARGET, FLD_CRED_GAIN_ROOT, FLD_CRED_NEW_UID, FLD_CRED_NEW_EUID,
	FLD_MOUNT_SOURCE, FLD_MOUNT_TARGET, FLD_MOUNT_FSTYPE, FLD_MODULE_PATH, FLD_MODULE_FROM_MEMORY,
	FLD_BPF_PROG_TYPE, FLD_VIA,
	FLD_RESULT, FLD_RESULT_ERROR,
	FLD_CTR_HOST, FLD_CTR_ID, FLD_CTR_NAME, FLD_CTR_IMAGE, FLD_CTR_IMAGE_ID, FLD_CTR_RUNTIME,
	FLD_CTR_PRIVILEGED, FLD_CTR_LABEL, FLD_K8S_POD, FLD_K8S_NAMESPACE, FLD_K8S_CONTAINER,
	FLD_LIFECYCLE_OP, FLD_EXEC_DRIFT,
	FLD_PROC_VPID, FLD_PROC_PIDNS, FLD_PROC_MNTNS, FLD_PROC_NETNS, FLD_PROC_USERNS,
	FLD_HOSTNS_PID, FLD_HOSTNS_MNT, FLD_HOSTNS_NET, FLD_HOSTNS_USER,
	FLD_MAX,
};

/* What kind of value a field has. */
enum pkind { PK_STR, PK_ARGV, PK_NUM, PK_BOOL, PK_ADDR, PK_ENUM };

/*
 * One event under evaluation (policy_eval.c) and what reading its fields has
 * looked up so far (policy_fields.c): the process's entry, its ancestors,
 * its argv and the command lines, each at most once and only when asked.
 */
#define ECTX_FOLDS 4             /* folded subjects an evaluation keeps */

struct ectx {
	const struct policy *p;
	struct sg_event *ev;
	const struct policy_lineage *l;
	uint32_t evmask;
	bool self_done;
	const struct proc_entry *self;
	int nanc;                /* -1: not looked up yet */
	const struct proc_entry *anc[SG_ANCESTORS_MAX];
	bool argv_done;
	const char *argv;
	size_t argv_len;
	bool line_done;
	size_t line_len;
	char line[SG_ARGV_BYTES + 1];
	bool pline_done;         /* the parent's command line */
	size_t pline_len;
	char pline[SG_ARGV_BYTES + 1];
	const char *key;         /* a keyed field's key (container.labels.KEY) */
	uint8_t nfold;           /* subjects folded for nocase so far (policy_eval.c) */
	struct {
		const char *src;
		size_t len, flen;
	} fold[ECTX_FOLDS];
};

/* The most values a PK_STR field has in one event (the ancestors, both paths of a rename). */
#define PFIELD_STRS_MAX (SG_ANCESTORS_MAX + 2)

/* How a field's value is read from an event: the member for its kind. */
union pfield_get {
	/* PK_STR: its values into v[PFIELD_STRS_MAX]; how many */
	size_t (*strs)(struct ectx *c, const char **v);
	/* PK_ARGV: the arguments, each NUL-terminated, or (line) joined with spaces; NULL: none */
	const char *(*argv)(struct ectx *c, bool line, size_t *len);
	/* PK_NUM: false when the event has none */
	bool (*num)(struct ectx *c, uint32_t *v);
	/* PK_ADDR: the address (16 bytes, network order) and its family; NULL: none */
	const uint8_t *(*addr)(struct ectx *c, int *family);
	/* PK_ENUM: bit i for value i; PK_BOOL: 1 false, 2 true; 0: none */
	uint32_t (*bits)(struct ectx *c);
};

/* Field flags. */
enum {
	PF_LINEAGE = 1u << 0,    /* read from the process table: lookups per event */
	PF_PORT = 1u << 1,       /* PK_NUM: port numbers and ranges (addr_parse_port_range) */
	PF_KEYED = 1u << 2,      /* the name is a prefix and a key follows it: "container.labels." */
};

/* A field: one row of policy_fields (policy_fields.c). */
struct pfield_desc {
	const char *name;
	enum pkind kind;
	uint32_t group;          /* enum sg_pfgroup: the types that have it (event.h) */
	uint32_t flags;          /* PF_* */
	union pfield_get get;
	/* PK_ENUM: the name of value i is names[i] (i < nnames), or name_of(i) */
	const char *const *names;
	unsigned int nnames;
	const char *(*name_of)(int bit);
};

extern const struct pfield_desc policy_fields[FLD_MAX];
/* The policy event mask of the events a field exists for, from the type table. */
extern uint32_t policy_field_events[FLD_MAX];
/* net.addr, net.port, net.proto, net.family; container.*, k8s.* (policy_net.c). */
bool policy_field_is_net(enum pfield f);
bool policy_field_is_container(enum pfield f);

/* The field called name, or -1; for a keyed field *key is what follows its prefix (else NULL). */
int policy_field_find(const char *name, const char **key);
/* The name of value bit of a PK_ENUM field, or NULL. */
const char *policy_enum_name(enum pfield f, int bit);

enum pop_kind { OP_IN, OP_PREFIX, OP_SUFFIX, OP_CONTAINS, OP_GLOB, OP_ARG, OP_NOT, OP_ALL, OP_RE, OP_MAX };

extern const char *const policy_op_names[OP_MAX];

/* A glob pattern, classified at load time. */
enum pglob_kind { GLOB_EXACT, GLOB_PREFIX, GLOB_SUFFIX, GLOB_CONTAINS, GLOB_FNMATCH };

struct pglob {
	enum pglob_kind kind;
	const char *pat;         /* as written, for the dump */
	const char *s;           /* the literal part (exact/prefix/suffix/contains) */
	size_t len;
	bool chars;              /* GLOB_FNMATCH with '?' or '[': counts characters */
};

struct pfieldcond;

struct prange {
	uint32_t lo, hi;         /* inclusive */
};

struct pop {
	enum pop_kind kind;
	size_t n;
	const char **strs;       /* strings: sorted, unique */
	size_t *lens;
	struct pglob *globs;     /* OP_GLOB, OP_ARG: sorted by pattern */
	struct prange *ranges;   /* PK_NUM, sorted */
	struct addr_cidr *cidrs; /* PK_ADDR, sorted */
	uint32_t mask;           /* PK_ENUM, PK_BOOL (bit 0 false, bit 1 true) */
	struct pfieldcond *not;  /* OP_NOT */
	struct pfieldcond *all;  /* OP_ALL: n conditions on the field, every one must hold */
	regex_t *res;            /* OP_RE: strs compiled (POSIX extended) */
	bool nocase;             /* strings: values folded (utf8.h), and the subject too */
	bool *re_fold;           /* OP_RE: which patterns ignore case ('(?i)' or nocase) */
};

/* Compiled regular expressions of a policy, freed with it. */
struct pregex {
	struct pregex *next;
	regex_t *res;
	size_t n;
};

/* All operators of one field hold (AND). */
struct pfieldcond {
	enum pfield field;
	const char *key;         /* PF_KEYED fields: the key (a label's name) */
	size_t nops;
	struct pop *ops;         /* sorted by kind */
	struct pmark mark;
};

/* All conditions of a set hold (AND). */
struct pcondset {
	size_t n;
	struct pfieldcond *conds; /* cheapest first */
	struct pmark mark;
};

struct pcorr;

struct prule {
	const char *id;
	const char *description;
	struct pmark mark;
	uint32_t events;
	size_t nmatch;           /* 0: every event of the rule's types */
	struct pcondset *match;  /* any of them (OR) */
	size_t nexcept;
	struct pcondset *except;
	enum sg_action action;
	enum sg_severity severity;
	bool enabled;
	bool enforceable;
	bool force;              /* 'force: true': may block what the checker protects */
	const char *plan;        /* block rules: the enforcer that can carry it out, "none" */
	const char *mechanism;   /* the enforcer that does ("cgroup", "fanotify"), NULL none */
	const char *reason;      /* why none does, NULL when one does */
	size_t ntags;
	const char **tags;       /* sorted, unique */
	/* correlations (policy_corr.c): the rule itself (step -1), or one of its steps */
	struct pcorr *corr;
	int step;
};

/* A key of a correlation's 'by': a field, or the process, or its tree. */
#define PCORR_PROCESS (-1)
#define PCORR_TREE (-2)

struct pcorr_by {
	int field;               /* enum pfield, PCORR_PROCESS or PCORR_TREE */
	const char *key;         /* keyed fields: the key */
};

/*
 * A correlation rule: steps (rules of their own, 'ID#1'..., action log,
 * which feed it instead of matching) and a window over their events.
 */
struct pcorr {
	uint32_t rule;           /* the correlation's rule */
	struct corr_spec spec;
	int distinct;            /* CORR_DISTINCT: the field; else -1 */
	const char *distinct_key;
	size_t nsteps, nby;
	uint32_t *steps;         /* the steps' rules, in order */
	struct pcorr_by *by;     /* nby keys per step: step s's at by[s * nby] */
	bool tree;               /* a key is PCORR_TREE */
	struct corr_table *t;    /* the windows: the policy's mutable state */
};

struct policy_counters {
	uint64_t evaluated, excluded, defaulted;
	uint64_t hits[];
};

/* One name's rules in an event type's index (policy_index.c). */
struct pislot {
	const char *name;        /* folded; NULL: an empty slot */
	uint32_t *rules;         /* in policy order */
	size_t n, cap;
};

/* The rules of one event type: by program name, and those no name narrows. */
struct pindex {
	uint32_t *always;        /* policy order; all of by_type without a look-up */
	size_t nalways;
	size_t nslots;           /* a power of 2; 0: no index, 'always' is every rule */
	struct pislot *slots;
	size_t indexed;          /* rules under names */
};

#define POLICY_INDEX_MIN 8       /* rules under names before a type gets an index */

struct policy {
	struct arena arena;
	const char *source;
	enum sg_action def_action;
	enum sg_severity def_severity;
	uint64_t dedup_window_ns;
	size_t nexclude;
	struct pcondset *exclude;
	size_t nrules;
	struct prule *rules;
	/* enabled rules per kernel event type, in policy order */
	uint32_t *by_type[SG_EV_MAX];
	size_t nby_type[SG_EV_MAX];
	struct pindex index[SG_EV_MAX];
	struct policy_counters *ctr; /* mutable while in use, with the windows (corrs) */
	size_t ncorr;
	struct pcorr **corrs;
	struct pregex *regexes;  /* to regfree() */
};

/*
 * Correlations (policy_corr.c).  The rule mapping v has 'correlate': parse
 * it into rule (the correlation) and push its steps after it; -EINVAL.
 */
struct px;
int policy_corr_parse(struct px *x, const struct ynode *v, struct prule *rule);
/* After the rules have their places: link steps and correlations, make the windows. */
int policy_corr_compile(struct px *x, struct policy *p);
void policy_corr_free(struct policy *p);
/*
 * Feed correlation k with an event (c) that matched the steps in mask; true
 * when k holds (out filled).  Allocates nothing.
 */
struct sg_corr;
bool policy_corr_feed(struct ectx *c, struct pcorr *k, uint32_t steps, struct sg_corr *out);

/* h continued with a field's value (the first for fields with several); *present: it has one. */
uint64_t policy_field_hash(struct ectx *c, enum pfield f, const char *key, uint64_t h,
			   bool *present);
/* A field's value as text (the first for fields with several): its length; 0 none. */
size_t policy_field_string(struct ectx *c, enum pfield f, const char *key, char *buf,
			   size_t size);
/* The ancestors of the event's process (parent first): how many. */
size_t policy_ectx_ancestors(struct ectx *c, const struct proc_entry *const **ret);

/* The slot of a program name in an event type's index; NULL: none. */
const struct pislot *policy_index_find(const struct pindex *ix, const char *name, size_t len);

/* Whether the kernel could enforce r (a block rule); why not, if not. */
bool policy_rule_netblockable(const struct prule *r, const char **why);

/* Whether BPF-LSM could judge r (policy_lsm.c), whether or not the host has it; why not. */
bool policy_rule_lsmable(const struct prule *r, const char **why);
/* The reason given to lsm-able rules while BPF-LSM is unavailable. */
const char *policy_lsm_needed(void);
/* Whether the file enforcer (fanotify) could carry out r; why not, if not. */
bool policy_rule_fileblockable(const struct prule *r, const char **why);

/* Whether every match set of file-blockable r names a path (else the root filesystem is marked). */
bool policy_rule_names_paths(const struct prule *r);

/*
 * The enforcer that can carry out r: "cgroup", "lsm" (when policy_set_lsm
 * said BPF-LSM is available), "fanotify", or "none" with the reason in
 * *why; NULL for rules that are not enabled block rules.
 */
const char *policy_rule_plan(const struct prule *r, const char **why);

/*
 * Whether rule i matches every exec of path (type SG_EV_EXEC) or every
 * read-only open of it (SG_EV_OPEN), whoever makes it: some 'match' set of
 * the rule holds with only conditions on the path (and, for exec, on the
 * program: proc.exe, proc.name, proc.comm).  Exceptions are not looked at.
 */
bool policy_rule_blocks_path(const struct policy *p, size_t i, int type, const char *path);

/* Refuse block rules that would stop the shell, the loader or sysguardd itself. */
void policy_check_critical(const struct policy *p, struct policy_diag *d);

/* The policy event mask of an event: 1 << type, plus POLICY_EV_WRITE for writing opens. */
uint32_t policy_event_mask(const struct sg_event *ev);

/* Canonical event-mask names, in dump order. */
int policy_events_names(uint32_t mask, const char **names, size_t max);

/* Sigma rules (policy_sigma*.c; the converter's internals: policy_sigma_int.h). */
struct policy_sigma_opts {
	enum sg_action action[SG_SEV_CRITICAL + 1]; /* per level; SG_ACT_NONE: not loaded */
};

struct policy_sigma_stats {
	unsigned int files;      /* files read */
	unsigned int sigma;      /* Sigma rules in them */
	unsigned int converted, refused, skipped; /* skipped: level switched off */
	unsigned int rules;      /* policy rules made */
};

/* informational and low: log; medium, high, critical: alert. */
void policy_sigma_opts_default(struct policy_sigma_opts *o);

/* Called with each converted rule: a rule mapping of the policy language. */
typedef int (*policy_sigma_rule_fn)(void *arg, const struct ynode *rule);

/*
 * The policy's 'sigma' key v: read the files and directories it names
 * (relative paths against the directory of policy_file), convert every Sigma
 * rule and call fn with each result.  Trees go into a, file names into keep
 * (they must live as long as the policy).  Problems with the key or a path are
 * errors in d (-EINVAL); refused Sigma rules are warnings.  -ENOMEM.
 */
int policy_sigma_load(struct arena *a, struct arena *keep, const char *policy_file,
		      const struct ynode *v, policy_sigma_rule_fn fn, void *arg,
		      struct policy_diag *d);

/* Convert path (file or directory) and print the policy to out. */
int policy_sigma_import(const char *path, const struct policy_sigma_opts *o, FILE *out,
			struct policy_diag *d, struct policy_sigma_stats *st);

/*
 * Convert one Sigma file held in memory (name for messages) into the text of
 * a policy ("version: 1" and its rules, without comments); *ret malloc'ed.
 */
int policy_sigma_text(const char *name, const char *text, size_t len,
		      const struct policy_sigma_opts *o, char **ret, struct policy_diag *d,
		      struct policy_sigma_stats *st);

/* One converted rule in the block style of the policy language. */
void policy_sigma_put_rule(FILE *f, const struct ynode *rule);

#endif /* SG_POLICY_INT_H */
