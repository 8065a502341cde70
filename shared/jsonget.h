/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Reading parsed JSON documents a member at a time, typed, where a missing
 * or mistyped member is simply absent (NULL): what the readers of runtime
 * state files and OCI specs need.  Header only.
 */
#ifndef SG_JSONGET_H
#define SG_JSONGET_H

#include <stddef.h>
#include <json-c/json.h>

/* o's member key, or NULL (o not an object, no such member). */
static inline struct json_object *jget(struct json_object *o, const char *key)
{
	struct json_object *v;

	if (!o || !json_object_is_type(o, json_type_object))
		return NULL;
	return json_object_object_get_ex(o, key, &v) ? v : NULL;
}

/* o's member key when it is a string, or NULL. */
static inline const char *jstr(struct json_object *o, const char *key)
{
	struct json_object *v = jget(o, key);

	return v && json_object_is_type(v, json_type_string) ? json_object_get_string(v) : NULL;
}

#endif /* SG_JSONGET_H */
