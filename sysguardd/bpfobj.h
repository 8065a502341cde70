/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Opening the daemon's BPF objects (sysguard.bpf.o, enforce.bpf.o,
 * lsm.bpf.o), between the skeleton's open and its load: the check of the
 * ABI the object was built for (its rodata sg_abi_version, abi.h), read
 * from the object itself, and the maps an object takes over from the
 * tracing object (bpf_map__reuse_fd).
 */
#ifndef SG_BPFOBJ_H
#define SG_BPFOBJ_H

#include <stddef.h>
#include <stdint.h>

struct bpf_object;
struct kernel;

/* The ABI version obj was built for, from its rodata and BTF: 0, or -ENOENT when it has none. */
int bpfobj_abi_version(const struct bpf_object *obj, uint32_t *ret);

/*
 * What a skeleton's open returned: obj NULL (the open failed, errno says
 * why) or built for another ABI is refused.  file names the object
 * ("lsm.bpf.o") for the ABI check, what in other messages ("the BPF-LSM
 * object").  Returns 0 or -errno with a one-line reason in err.
 */
int bpfobj_check(const struct bpf_object *obj, const char *file, const char *what, char *err,
		 size_t errlen);

/*
 * Make obj (opened, not loaded) use the tracing object's maps names[0..n)
 * instead of its own.  Returns 0 or -errno with a one-line reason in err.
 */
int bpfobj_share_maps(struct bpf_object *obj, const struct kernel *k, const char *const *names,
		      size_t n, char *err, size_t errlen);

#endif /* SG_BPFOBJ_H */
