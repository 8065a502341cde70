// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Subscription filters (see subfilter.h).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "event.h"
#include "subfilter.h"

/* Call fn for a string or for each string of an array; the count is bounded. */
typedef int (*filter_add_fn)(struct subfilter *f, const char *s, struct proto_error *err);

static int for_each_string(struct json_object *args, const char *key, filter_add_fn fn,
			   struct subfilter *f, struct proto_error *err)
{
	struct json_object *v;
	size_t n;

	if (!json_object_object_get_ex(args, key, &v) || !v)
		return 0;
	if (json_object_is_type(v, json_type_string))
		return fn(f, json_object_get_string(v), err);
	if (!json_object_is_type(v, json_type_array))
		return proto_error_set(err, PROTO_E_INVALID_ARGUMENT,
				       "'%s' must be a string or an array of strings", key);
	n = json_object_array_length(v);
	if (n > PROTO_FILTER_MAX)
		return proto_error_set(err, PROTO_E_INVALID_ARGUMENT,
				       "'%s' has more than %d entries", key, PROTO_FILTER_MAX);
	for (size_t i = 0; i < n; i++) {
		struct json_object *s = json_object_array_get_idx(v, i);
		int r;

		if (!json_object_is_type(s, json_type_string))
			return proto_error_set(err, PROTO_E_INVALID_ARGUMENT,
					       "'%s' must be a string or an array of strings", key);
		r = fn(f, json_object_get_string(s), err);
		if (r < 0)
			return r;
	}
	return 0;
}

static int add_type(struct subfilter *f, const char *s, struct proto_error *err)
{
	int t = sg_type_from_name(s);

	if (t < 0 || t >= 64)
		return proto_error_set(err, PROTO_E_INVALID_ARGUMENT, "unknown event type '%.64s'",
				       s);
	f->types |= 1ull << t;
	return 0;
}

static int add_action(struct subfilter *f, const char *s, struct proto_error *err)
{
	int a = sg_action_from_name(s);

	if (a < 0 || a >= 32)
		return proto_error_set(err, PROTO_E_INVALID_ARGUMENT, "unknown action '%.64s'", s);
	f->actions |= 1u << a;
	return 0;
}

static int add_str(char ***v, size_t *n, const char *key, const char *s, struct proto_error *err)
{
	char **nv;

	if (strlen(s) > PROTO_STRING_MAX)
		return proto_error_set(err, PROTO_E_INVALID_ARGUMENT, "'%s' is too long", key);
	nv = realloc(*v, (*n + 1) * sizeof(*nv));
	if (!nv)
		return proto_error_set(err, PROTO_E_INTERNAL, "out of memory");
	*v = nv;
	nv[*n] = strdup(s);
	if (!nv[*n])
		return proto_error_set(err, PROTO_E_INTERNAL, "out of memory");
	(*n)++;
	return 0;
}

static int add_rule(struct subfilter *f, const char *s, struct proto_error *err)
{
	return add_str(&f->rules, &f->nrules, "rule", s, err);
}

static int add_container(struct subfilter *f, const char *s, struct proto_error *err)
{
	if (!*s)
		return proto_error_set(err, PROTO_E_INVALID_ARGUMENT, "'container' is empty");
	return add_str(&f->ctrs, &f->nctrs, "container", s, err);
}

static int parse_pids(struct subfilter *f, struct json_object *args, struct proto_error *err)
{
	struct json_object *v;
	size_t n = 1;

	if (!json_object_object_get_ex(args, "pid", &v) || !v)
		return 0;
	if (json_object_is_type(v, json_type_array)) {
		n = json_object_array_length(v);
		if (n > PROTO_FILTER_MAX || n == 0)
			return proto_error_set(err, PROTO_E_INVALID_ARGUMENT,
					       "'pid' must have 1 to %d entries", PROTO_FILTER_MAX);
	} else if (!json_object_is_type(v, json_type_int)) {
		return proto_error_set(err, PROTO_E_INVALID_ARGUMENT,
				       "'pid' must be an integer or an array of integers");
	}
	f->pids = calloc(n, sizeof(*f->pids));
	if (!f->pids)
		return proto_error_set(err, PROTO_E_INTERNAL, "out of memory");
	for (size_t i = 0; i < n; i++) {
		struct json_object *p = json_object_is_type(v, json_type_array) ?
					json_object_array_get_idx(v, i) : v;
		int64_t pid;

		if (!json_object_is_type(p, json_type_int))
			return proto_error_set(err, PROTO_E_INVALID_ARGUMENT,
					       "'pid' must be an integer or an array of integers");
		pid = json_object_get_int64(p);
		if (pid < 1 || pid > INT32_MAX)
			return proto_error_set(err, PROTO_E_INVALID_ARGUMENT,
					       "'pid' must be between 1 and %d", INT32_MAX);
		f->pids[f->npids++] = (uint32_t)pid;
	}
	return 0;
}

/* One of key (substring) or key_exact (whole string) may be given. */
static int parse_match(struct json_object *args, const char *key, const char *key_exact,
		       char **ret, bool *ret_exact, struct proto_error *err)
{
	const char *sub = NULL, *exact = NULL;
	int r;

	r = proto_arg_string(args, key, PROTO_STRING_MAX, &sub, err);
	if (r < 0 && r != -ENOENT)
		return r;
	r = proto_arg_string(args, key_exact, PROTO_STRING_MAX, &exact, err);
	if (r < 0 && r != -ENOENT)
		return r;
	if (sub && exact)
		return proto_error_set(err, PROTO_E_INVALID_ARGUMENT,
				       "give '%s' or '%s', not both", key, key_exact);
	if (!sub && !exact)
		return 0;
	*ret = strdup(sub ? sub : exact);
	if (!*ret)
		return proto_error_set(err, PROTO_E_INTERNAL, "out of memory");
	*ret_exact = exact != NULL;
	return 0;
}

const char *const subfilter_keys[] = { "type", "action", "pid", "comm", "comm_exact", "exe",
				       "exe_exact", "rule", "container", "marks", NULL };

static int parse(struct subfilter *f, struct json_object *args, struct proto_error *err)
{
	int r;

	memset(f, 0, sizeof(*f));
	f->marks = true;
	if (!args)
		return 0;
	if ((r = proto_args_check_keys(args, subfilter_keys, err)) < 0 ||
	    (r = for_each_string(args, "type", add_type, f, err)) < 0 ||
	    (r = for_each_string(args, "action", add_action, f, err)) < 0 ||
	    (r = for_each_string(args, "rule", add_rule, f, err)) < 0 ||
	    (r = for_each_string(args, "container", add_container, f, err)) < 0 ||
	    (r = parse_pids(f, args, err)) < 0 ||
	    (r = parse_match(args, "comm", "comm_exact", &f->comm, &f->comm_exact, err)) < 0 ||
	    (r = parse_match(args, "exe", "exe_exact", &f->exe, &f->exe_exact, err)) < 0)
		return r;
	r = proto_arg_bool(args, "marks", &f->marks, err);
	if (r < 0 && r != -ENOENT)
		return r;
	return 0;
}

static bool str_match(const char *have, const char *want, bool exact)
{
	if (!have)
		return false;
	return exact ? strcmp(have, want) == 0 : strstr(have, want) != NULL;
}

/* want names the event's container: its name, a prefix of its id, or "host" */
static bool ctr_match(const struct sg_event *ev, const char *want)
{
	if (ev->ctr.where == SG_WHERE_HOST)
		return !strcmp(want, "host");
	if (ev->ctr.where != SG_WHERE_CONTAINER)
		return false;
	return (ev->ctr.name && !strcmp(ev->ctr.name, want)) ||
	       (ev->ctr.id && !strncmp(ev->ctr.id, want, strlen(want)));
}

bool subfilter_match(const struct subfilter *f, const struct sg_event *ev)
{
	bool hit;

	if (!ev)
		return true;
	if (ev->type == SG_EV_MARK && f->marks)
		return true;
	if (f->types && (ev->type < 0 || ev->type >= 64 || !(f->types & (1ull << ev->type))))
		return false;
	if (f->actions && ((unsigned int)ev->verdict.action >= 32 ||
			   !(f->actions & (1u << ev->verdict.action))))
		return false;
	if (f->npids) {
		hit = false;
		for (size_t i = 0; i < f->npids && !hit; i++)
			hit = f->pids[i] == ev->proc.pid;
		if (!hit)
			return false;
	}
	if (f->comm && !str_match(ev->proc.comm, f->comm, f->comm_exact))
		return false;
	if (f->exe && !str_match(ev->proc.exe, f->exe, f->exe_exact))
		return false;
	if (f->nctrs) {
		hit = false;
		for (size_t i = 0; i < f->nctrs && !hit; i++)
			hit = ctr_match(ev, f->ctrs[i]);
		if (!hit)
			return false;
	}
	if (f->nrules) {
		if (!ev->verdict.rule_id)
			return false;
		hit = false;
		/* the deciding rule or any other that held */
		for (size_t i = 0; i < f->nrules && !hit; i++) {
			hit = strcmp(f->rules[i], ev->verdict.rule_id) == 0;
			for (size_t k = 0; k < ev->verdict.nmatches && !hit; k++)
				hit = ev->verdict.matches[k].rule_id &&
				      strcmp(f->rules[i], ev->verdict.matches[k].rule_id) == 0;
		}
		if (!hit)
			return false;
	}
	return true;
}

void subfilter_clear(struct subfilter *f)
{
	free(f->pids);
	free(f->comm);
	free(f->exe);
	for (size_t i = 0; i < f->nrules; i++)
		free(f->rules[i]);
	free(f->rules);
	for (size_t i = 0; i < f->nctrs; i++)
		free(f->ctrs[i]);
	free(f->ctrs);
	memset(f, 0, sizeof(*f));
}

int subfilter_parse(struct subfilter *f, struct json_object *args, struct proto_error *err)
{
	int r = parse(f, args, err);

	if (r < 0)
		subfilter_clear(f);
	return r;
}
