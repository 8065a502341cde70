// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The runtime block rules' file (see enforce_state.h): a rule to JSON and
 * back, the atomic save, the tolerant load.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <json-c/json.h>
#include "enforce_state.h"
#include "log.h"

static struct json_object *rule_to_json(const struct enforce_rule *r)
{
	struct json_object *o = json_object_new_object();
	char t[ADDR_STR_MAX];

	addr_format_cidr(&r->net, t, sizeof(t));
	json_object_object_add(o, "addr", json_object_new_string(t));
	json_object_object_add(o, "port_lo", json_object_new_int(r->port_lo));
	json_object_object_add(o, "port_hi", json_object_new_int(r->port_hi));
	json_object_object_add(o, "proto", json_object_new_int(r->proto));
	json_object_object_add(o, "bind", json_object_new_boolean(r->hooks & SG_HOOK_BIND));
	json_object_object_add(o, "cgroup", json_object_new_string(r->cgroup));
	if (r->container[0]) {
		json_object_object_add(o, "container", json_object_new_string(r->container));
		json_object_object_add(o, "container_id", json_object_new_string(r->container_id));
	}
	json_object_object_add(o, "created", json_object_new_int64(r->created));
	json_object_object_add(o, "expires", json_object_new_int64(r->expires));
	json_object_object_add(o, "comment", json_object_new_string(r->comment));
	json_object_object_add(o, "slot", json_object_new_int64(r->slot));
	return o;
}

/* Write to a temporary file, fsync, rename over, fsync the directory. */
int enforce_state_save(const char *dir, const char *path, const struct enforce_rule *rules,
		       size_t n)
{
	struct json_object *root = json_object_new_object(), *arr = json_object_new_array();
	char tmp[4300];
	const char *text;
	int fd, r = 0, dfd;
	size_t len;

	for (size_t i = 0; i < n; i++)
		if (enforce_rule_runtime(&rules[i]))
			json_object_array_add(arr, rule_to_json(&rules[i]));
	json_object_object_add(root, "version", json_object_new_int(1));
	json_object_object_add(root, "rules", arr);
	text = json_object_to_json_string_ext(root, JSON_C_TO_STRING_PRETTY);
	len = strlen(text);
	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= sizeof(tmp)) {
		r = -ENAMETOOLONG;
		goto out;
	}
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0) {
		r = -errno;
		goto out;
	}
	if (write(fd, text, len) != (ssize_t)len || write(fd, "\n", 1) != 1 || fsync(fd) < 0) {
		r = errno ? -errno : -EIO;
		close(fd);
		unlink(tmp);
		goto out;
	}
	close(fd);
	if (rename(tmp, path) < 0) {
		r = -errno;
		unlink(tmp);
		goto out;
	}
	/* the rename is durable once the directory is */
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd >= 0) {
		fsync(dfd);
		close(dfd);
	}
out:
	json_object_put(root);
	if (r < 0)
		sg_log(LOG_ERR, "cannot save the block rules to '%s': %s", path, strerror(-r));
	return r;
}

static const char *jstr(struct json_object *o, const char *k)
{
	struct json_object *v;

	return json_object_object_get_ex(o, k, &v) && json_object_is_type(v, json_type_string) ?
		       json_object_get_string(v) : NULL;
}

static int64_t jint(struct json_object *o, const char *k, int64_t def)
{
	struct json_object *v;

	return json_object_object_get_ex(o, k, &v) && json_object_is_type(v, json_type_int) ?
		       json_object_get_int64(v) : def;
}

/* A boolean as saved; an integer (files of older versions) counts when not 0. */
static bool jbool(struct json_object *o, const char *k)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, k, &v))
		return false;
	return json_object_is_type(v, json_type_boolean) ? json_object_get_boolean(v) :
	       json_object_is_type(v, json_type_int) && json_object_get_int64(v) != 0;
}

size_t enforce_state_load(const char *path, int64_t now,
			  int (*add)(void *arg, struct enforce_rule *r, int64_t slot), void *arg)
{
	struct json_object *root, *arr;
	size_t kept = 0, dropped = 0;

	root = json_object_from_file(path);
	if (!root) {
		if (access(path, F_OK) == 0)
			sg_log(LOG_ERR, "'%s' is not valid JSON: runtime block rules not restored",
			       path);
		return 0;
	}
	if (!json_object_object_get_ex(root, "rules", &arr) ||
	    !json_object_is_type(arr, json_type_array)) {
		sg_log(LOG_ERR, "'%s' has no 'rules' list: runtime block rules not restored", path);
		json_object_put(root);
		return 0;
	}
	for (size_t i = 0; i < json_object_array_length(arr); i++) {
		struct json_object *o = json_object_array_get_idx(arr, i);
		struct enforce_rule r;
		const char *why = NULL, *a = jstr(o, "addr");

		memset(&r, 0, sizeof(r));
		if (!a || addr_parse_cidr(a, &r.net, &why) < 0) {
			sg_log(LOG_WARNING, "'%s': rule %zu: bad address, skipped", path, i);
			dropped++;
			continue;
		}
		r.port_lo = jint(o, "port_lo", 0);
		r.port_hi = jint(o, "port_hi", 65535);
		r.proto = jint(o, "proto", 0);
		r.hooks = enforce_hooks(r.proto, jbool(o, "bind"));
		snprintf(r.cgroup, sizeof(r.cgroup), "%s", jstr(o, "cgroup") ? jstr(o, "cgroup") : "");
		snprintf(r.container, sizeof(r.container), "%s",
			 jstr(o, "container") ? jstr(o, "container") : "");
		snprintf(r.container_id, sizeof(r.container_id), "%s",
			 jstr(o, "container_id") ? jstr(o, "container_id") : "");
		snprintf(r.comment, sizeof(r.comment), "%s",
			 jstr(o, "comment") ? jstr(o, "comment") : "");
		snprintf(r.source, sizeof(r.source), ENFORCE_SOURCE_RUNTIME);
		r.created = jint(o, "created", now);
		r.expires = jint(o, "expires", 0);
		if (r.expires && r.expires <= now) {
			dropped++;
			continue;
		}
		if (add(arg, &r, jint(o, "slot", -1)) < 0) {
			dropped++;
			continue;
		}
		kept++;
	}
	json_object_put(root);
	sg_log(LOG_INFO, "restored %zu runtime block rules from '%s'%s", kept, path,
	       dropped ? " (some expired or invalid ones dropped)" : "");
	return kept;
}
