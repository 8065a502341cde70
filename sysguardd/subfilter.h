/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A subscriber's server-side filter: parsed once from the subscribe
 * request's arguments (types, actions, pids, comm and exe substrings or exact
 * names, rule ids, containers by name or id, whether markers pass), matched
 * against every published
 * event.  Every list is bounded (PROTO_FILTER_MAX); no logging.
 */
#ifndef SG_SUBFILTER_H
#define SG_SUBFILTER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <json-c/json.h>
#include "proto.h"

struct sg_event;

struct subfilter {
	uint64_t types;          /* bit per event type; 0: any */
	uint32_t actions;        /* bit per action; 0: any */
	uint32_t *pids;
	size_t npids;
	char *comm;
	bool comm_exact;
	char *exe;
	bool exe_exact;
	char **rules;
	size_t nrules;
	char **ctrs;             /* a container's name, a prefix of its id, or "host" */
	size_t nctrs;
	bool marks;              /* markers pass whatever the filter says */
};

/* The keys subscribe accepts, NULL-terminated. */
extern const char *const subfilter_keys[];

/* Parse args (may be NULL: everything) into f.  0, or -EINVAL with err filled (f cleared). */
int subfilter_parse(struct subfilter *f, struct json_object *args, struct proto_error *err);
void subfilter_clear(struct subfilter *f);
/* Does ev pass?  NULL ev (not an event) always does. */
bool subfilter_match(const struct subfilter *f, const struct sg_event *ev);

#endif /* SG_SUBFILTER_H */
