/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * BPF-LSM: whether this kernel would run BPF LSM programs.  Probed at
 * start-up from the list of active LSMs (securityfs), never from the kernel
 * version.  When it says yes, sysguardd loads its BPF-LSM programs
 * (lsmblock.h) and plans block rules for them; otherwise exec and open rules
 * fall back to fanotify and the others are reported as monitor-only.
 */
#ifndef SG_LSM_H
#define SG_LSM_H

#include <stdbool.h>
#include <stddef.h>

#define SG_LSM_LIST "/sys/kernel/security/lsm"

/*
 * true when "bpf" is among the active LSMs in path (SG_LSM_LIST); false with
 * the reason in why otherwise.
 */
bool lsm_probe(const char *path, char *why, size_t len);

#endif /* SG_LSM_H */
