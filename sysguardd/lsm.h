/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * BPF-LSM: whether this kernel would run BPF LSM programs.  Probed at
 * start-up from the list of active LSMs (securityfs), never from the kernel
 * version.  This version only reports the result (status
 * enforcement.lsm); block rules use fanotify and the cgroup programs.
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
