/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The kernel/userspace ABI as the daemon checks it: at build time, the size
 * of every struct shared with the BPF programs (abi.c holds the
 * _Static_asserts, all of them); at start-up, the ABI version each BPF object
 * was built for (its rodata sg_abi_version) against SG_ABI_VERSION.
 */
#ifndef SG_ABI_H
#define SG_ABI_H

#include <stddef.h>
#include <stdint.h>

/*
 * Whether a BPF object built for ABI version built may run with this daemon.
 * Returns 0, or -EPROTO with a one-line reason naming object in err.
 */
int abi_check(const char *object, uint32_t built, char *err, size_t errlen);

#endif /* SG_ABI_H */
