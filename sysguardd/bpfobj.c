// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Opening the daemon's BPF objects (see bpfobj.h).  The ABI version is
 * found through the object's BTF, as the skeleton finds its rodata
 * variables, so that one check serves every skeleton.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include "abi.h"
#include "bpfobj.h"
#include "kernel.h"

#define ABI_VAR "sg_abi_version"

int bpfobj_abi_version(const struct bpf_object *obj, uint32_t *ret)
{
	struct btf *btf = bpf_object__btf(obj);
	struct bpf_map *map = bpf_object__find_map_by_name(obj, ".rodata");
	const struct btf_var_secinfo *vs;
	const struct btf_type *sec;
	const char *data;
	size_t size = 0;
	int id;

	if (!btf || !map)
		return -ENOENT;
	data = bpf_map__initial_value(map, &size);
	id = btf__find_by_name_kind(btf, ".rodata", BTF_KIND_DATASEC);
	if (!data || id < 0)
		return -ENOENT;
	sec = btf__type_by_id(btf, id);
	vs = btf_var_secinfos(sec);
	for (int i = 0; i < btf_vlen(sec); i++, vs++) {
		const struct btf_type *var = btf__type_by_id(btf, vs->type);

		if (!var || strcmp(btf__name_by_offset(btf, var->name_off), ABI_VAR) != 0)
			continue;
		if (vs->size != sizeof(*ret) || vs->offset + sizeof(*ret) > size)
			return -ENOENT;
		memcpy(ret, data + vs->offset, sizeof(*ret));
		return 0;
	}
	return -ENOENT;
}

int bpfobj_check(const struct bpf_object *obj, const char *file, const char *what, char *err,
		 size_t errlen)
{
	uint32_t built;
	int r;

	if (!obj) {
		r = errno ? -errno : -EINVAL;
		snprintf(err, errlen, "cannot open %s: %s", what, strerror(-r));
		return r;
	}
	r = bpfobj_abi_version(obj, &built);
	if (r < 0) {
		snprintf(err, errlen, "the BPF object '%s' does not say which kernel ABI it was "
			 "built for ('" ABI_VAR "'): build the daemon and the BPF objects from the "
			 "same tree", file);
		return -EPROTO;
	}
	return abi_check(file, built, err, errlen);
}

int bpfobj_share_maps(struct bpf_object *obj, const struct kernel *k, const char *const *names,
		      size_t n, char *err, size_t errlen)
{
	for (size_t i = 0; i < n; i++) {
		struct bpf_map *m = bpf_object__find_map_by_name(obj, names[i]);
		int fd = kernel_map_fd(k, names[i]);
		int r = m && fd >= 0 ? bpf_map__reuse_fd(m, fd) : -ENOENT;

		if (r < 0) {
			snprintf(err, errlen, "cannot share the map '%s': %s", names[i], strerror(-r));
			return r;
		}
	}
	return 0;
}
