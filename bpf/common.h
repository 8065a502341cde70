/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * What every sysguard BPF object declares alike: its license, the ABI
 * version it was built for (rodata sg_abi_version, which the daemon checks
 * before loading it: bpfobj.c), and the few UAPI constants vmlinux.h does
 * not carry.  BPF side only; after sysguard.h.
 */
#ifndef SG_BPF_COMMON_H
#define SG_BPF_COMMON_H

char LICENSE[] SEC("license") = "Dual BSD/GPL";

/* The ABI this object was built for: the daemon refuses to load another (abi.c). */
const volatile __u32 sg_abi_version = SG_ABI_VERSION;

#define EPERM 1
#define AF_INET 2
#define AF_INET6 10
#define AT_FDCWD -100

#endif /* SG_BPF_COMMON_H */
