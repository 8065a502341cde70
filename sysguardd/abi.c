// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The kernel/userspace ABI (bpf/sysguard.h): every struct the BPF programs
 * and the daemon share has its size (and the offsets the decoder relies on)
 * asserted here, in one place, so that a change to the header that is not
 * also a change of SG_ABI_VERSION and of this file fails the build.  Sizes are
 * written in terms of the header's own counts where the header lets them grow
 * (SG_EV_KERNEL_MAX, SG_BLOCK_PER_PREFIX), so adding an event type is not a
 * layout surprise.  abi_check() compares the version a BPF object was built
 * for with the daemon's.
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <linux/types.h>
#include "abi.h"
#include "sysguard.h"

/* ring buffer records */
_Static_assert(sizeof(struct sg_hdr) == 88, "sg_hdr is part of the ABI");
_Static_assert(offsetof(struct sg_hdr, ts_ns) == 8, "sg_hdr.ts_ns");
_Static_assert(offsetof(struct sg_hdr, cgroup_id) == 40, "sg_hdr.cgroup_id");
_Static_assert(offsetof(struct sg_hdr, comm) == 48, "sg_hdr.comm");
_Static_assert(offsetof(struct sg_hdr, pidns) == 64, "sg_hdr.pidns");
_Static_assert(offsetof(struct sg_hdr, vpid) == 80, "sg_hdr.vpid");
_Static_assert(sizeof(struct sg_exec) == 40, "sg_exec is part of the ABI");
_Static_assert(offsetof(struct sg_exec, exe_ctime_ns) == 32, "sg_exec.exe_ctime_ns");
_Static_assert(sizeof(struct sg_stdio) == 48, "sg_stdio is part of the ABI");
_Static_assert(sizeof(struct sg_fork) == 8, "sg_fork is part of the ABI");
_Static_assert(sizeof(struct sg_exit) == 8, "sg_exit is part of the ABI");
_Static_assert(sizeof(struct sg_file) == 32, "sg_file is part of the ABI");
_Static_assert(sizeof(struct sg_net) == 48, "sg_net is part of the ABI");
_Static_assert(offsetof(struct sg_net, addr) == 16, "sg_net.addr");
_Static_assert(offsetof(struct sg_net, rule) == 40, "sg_net.rule");
_Static_assert(sizeof(struct sg_ptrace) == 16, "sg_ptrace is part of the ABI");
_Static_assert(sizeof(struct sg_cred) == 40, "sg_cred is part of the ABI");
_Static_assert(sizeof(struct sg_mount) == 24, "sg_mount is part of the ABI");
_Static_assert(sizeof(struct sg_module) == 16, "sg_module is part of the ABI");
_Static_assert(sizeof(struct sg_bpf) == 16, "sg_bpf is part of the ABI");
_Static_assert(sizeof(struct sg_io_uring) == 16, "sg_io_uring is part of the ABI");
_Static_assert(sizeof(struct sg_cgroup) == 16, "sg_cgroup is part of the ABI");
_Static_assert(sizeof(union sg_payload) == 48, "the payload union is part of the ABI");
_Static_assert(SG_DATA_OFF == 136, "the data offset is part of the ABI");
_Static_assert(sizeof(struct sg_rec) == SG_DATA_OFF + 2 * SG_DATA_MAX, "sg_rec");
_Static_assert((SG_DATA_MAX & (SG_DATA_MAX - 1)) == 0, "SG_DATA_MAX is a mask + 1");

_Static_assert(offsetof(struct sg_exec, rule) == 28, "sg_exec.rule");
_Static_assert(offsetof(struct sg_file, rule) == 28, "sg_file.rule");

/* BPF-LSM rules */
_Static_assert(sizeof(struct sg_lsm_cond) == 16 + SG_LSM_STR, "sg_lsm_cond is part of the ABI");
_Static_assert(sizeof(struct sg_lsm_rule) == 8 + SG_LSM_CONDS * sizeof(struct sg_lsm_cond),
	       "sg_lsm_rule is part of the ABI");
_Static_assert(sizeof(struct sg_lsm_conf) == 20, "sg_lsm_conf is part of the ABI");
_Static_assert((SG_LSM_PATH & (SG_LSM_PATH - 1)) == 0, "SG_LSM_PATH is a mask + 1");
_Static_assert(SG_LSM_STR % 8 == 0 && SG_LSM_STR <= SG_LSM_PATH, "SG_LSM_STR: whole words");

/* maps: counters, losses, configuration */
_Static_assert(sizeof(struct sg_counters) == 3 * SG_EV_KERNEL_MAX * 8 + 32, "sg_counters");
_Static_assert(offsetof(struct sg_counters, filtered) == 2 * SG_EV_KERNEL_MAX * 8 + 8,
	       "sg_counters.filtered");
_Static_assert(sizeof(struct sg_pidlost) == SG_EV_KERNEL_MAX * 8, "sg_pidlost");
_Static_assert(sizeof(struct sg_kconfig) == 8, "sg_kconfig is part of the ABI");

/* in-kernel filter */
_Static_assert(SG_FK_MAX <= sizeof(((struct sg_filter *)0)->mode), "sg_filter.mode holds SG_FK_*");
_Static_assert(sizeof(struct sg_filter) == 40, "sg_filter is part of the ABI");
_Static_assert(sizeof(struct sg_pathkey) == 4 + SG_PATH_KEY, "sg_pathkey");
_Static_assert(sizeof(struct sg_pathhint) == 3 * SG_HINT_BITS / 8 + 8, "sg_pathhint");

/* enforcement */
_Static_assert(sizeof(struct sg_lpm4) == 8, "sg_lpm4 is part of the ABI");
_Static_assert(sizeof(struct sg_lpm6) == 20, "sg_lpm6 is part of the ABI");
_Static_assert(sizeof(struct sg_block_ent) == 32, "sg_block_ent is part of the ABI");
_Static_assert(offsetof(struct sg_block_ent, cgroup_id) == 16, "sg_block_ent.cgroup_id");
_Static_assert(sizeof(struct sg_block_val) == 8 + 32 * SG_BLOCK_PER_PREFIX, "sg_block_val");

int abi_check(const char *object, uint32_t built, char *err, size_t errlen)
{
	if (built == SG_ABI_VERSION)
		return 0;
	snprintf(err, errlen, "the BPF object '%s' was built for kernel ABI %u, this daemon "
		 "speaks ABI %d: build the daemon and the BPF objects from the same tree",
		 object, built, SG_ABI_VERSION);
	return -EPROTO;
}
