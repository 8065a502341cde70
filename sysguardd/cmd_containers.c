// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The containers command: what the container cache knows (container.h), a
 * row per container with its metadata and how many of its cgroups are
 * cached, and the cache's counters; status shows the short form.
 */
#include <string.h>
#include "commands_int.h"
#include "container.h"
#include "daemon.h"
#include "encode.h"
#include "hold.h"
#include "pipeline.h"

struct listing {
	struct json_object *list;
	bool full;
};

static void one(const struct ctr_info *ci, size_t ncgroups, void *arg)
{
	struct listing *l = arg;
	struct json_object *o = json_object_new_object(), *labels;
	char when[40];

	JADD(o, "id", json_object_new_string(ci->id));
	JADD(o, "name", json_object_new_string(ci->name));
	JADD(o, "image", json_object_new_string(ci->image));
	JADD(o, "runtime", json_object_new_string(cgpath_runtime_name(ci->runtime)));
	if (l->full) {
		JADD(o, "image_id", json_object_new_string(ci->image_id));
		if (ci->privileged >= 0)
			JADD(o, "privileged", json_object_new_boolean(ci->privileged));
		if (ci->started_ns) {
			encode_time(when, sizeof(when), ci->started_ns);
			JADD(o, "started", json_object_new_string(when));
		}
		if (ci->pod[0]) {
			JADD(o, "k8s_pod", json_object_new_string(ci->pod));
			JADD(o, "k8s_namespace", json_object_new_string(ci->pod_namespace));
			JADD(o, "k8s_container", json_object_new_string(ci->k8s_container));
		}
		labels = json_object_new_object();
		for (unsigned int i = 0; i < ci->nlabels; i++)
			JADD(labels, ci->labels[i].key, json_object_new_string(ci->labels[i].value));
		JADD(o, "labels", labels);
		JADD(o, "labels_known", json_object_new_boolean(ci->labels_known));
		if (ci->labels_pending)
			JADD(o, "labels_pending", json_object_new_boolean(true));
		if (!ci->labels_known && ci->labels_why)
			JADD(o, "labels_why", json_object_new_string(ci->labels_why));
		JADD(o, "cgroups", json_object_new_uint64(ncgroups));
	}
	json_object_array_add(l->list, o);
}

struct json_object *cmd_containers_json(struct daemon *d, bool full)
{
	struct json_object *o = json_object_new_object();
	struct listing l = { .list = json_object_new_array(), .full = full };
	struct container_stats st;
	struct hold_stats hs;

	JADD(o, "tracked", json_object_new_boolean(d->ctr != NULL));
	if (!d->ctr) {
		JADD(o, "reason", json_object_new_string(d->ctr_why));
		json_object_put(l.list);
		return o;
	}
	container_stats(d->ctr, &st);
	pipeline_hold_stats(d->pipe, &hs);
	JADD(o, "known", json_object_new_uint64(st.containers));
	JADD(o, "cgroups", json_object_new_uint64(st.entries));
	JADD(o, "pending", json_object_new_uint64(st.pending));
	JADD(o, "resolved", json_object_new_uint64(st.resolved));
	JADD(o, "failed", json_object_new_uint64(st.failed));
	JADD(o, "evicted", json_object_new_uint64(st.evicted));
	JADD(o, "dropped", json_object_new_uint64(st.dropped));
	JADD(o, "api_updates", json_object_new_uint64(st.api_updates));
	JADD(o, "held", json_object_new_uint64(hs.held));
	JADD(o, "held_expired", json_object_new_uint64(hs.expired));
	container_foreach(d->ctr, one, &l);
	JADD(o, "containers", l.list);
	return o;
}

int cmd_containers(struct daemon *d, union cmd_args *a, struct control_call *call)
{
	struct json_object *o = cmd_containers_json(d, true);

	json_object_object_foreach(o, key, val)
		JADD(call->result, key, json_object_get(val));
	json_object_put(o);
	return 0;
}
