/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The walk up a path's dentries, for every object that builds paths
 * (sysguard.bpf.c writes the names leaf first into a record; lsm.bpf.c
 * collects the dentries and writes the path root first): one step up the
 * chain, which at a mount's root crosses to the mountpoint in the parent
 * mount and ends at the root of the root mount.  Each object runs the steps
 * from its own bpf_loop callback, so that the verifier checks one step
 * whatever the depth.  BPF side only.
 */
#ifndef SG_BPF_DWALK_H
#define SG_BPF_DWALK_H

struct dwalk {
	struct dentry *dentry;       /* where the walk is */
	struct vfsmount *vfsmnt;     /* its mount */
	struct mount *mnt;           /* the same, as struct mount */
};

enum { DW_NAME, DW_MOUNT, DW_ROOT };

/* The struct mount around a vfsmount (the kernel's real_mount()). */
static __always_inline struct mount *real_mount(struct vfsmount *vfsmnt)
{
	return (void *)vfsmnt - bpf_core_field_offset(struct mount, mnt);
}

static __always_inline void dwalk_init(struct dwalk *w, struct dentry *dentry,
				       struct vfsmount *vfsmnt)
{
	w->dentry = dentry;
	w->vfsmnt = vfsmnt;
	w->mnt = real_mount(vfsmnt);
}

/*
 * Where the walk is: DW_ROOT at the root (the walk is over); DW_MOUNT at a
 * mount's root, the walk moved on to its mountpoint (no name to take);
 * DW_NAME at a component, w->dentry, whose parent is *parent: the caller
 * takes its name and sets w->dentry to *parent to go on.
 */
static __always_inline int dwalk_step(struct dwalk *w, struct dentry **parent)
{
	/* (locals: CO-RE would relocate an access to struct dwalk too) */
	struct dentry *dentry = w->dentry, *mnt_root;
	struct vfsmount *vfsmnt = w->vfsmnt;
	struct mount *mnt = w->mnt;

	*parent = BPF_CORE_READ(dentry, d_parent);
	mnt_root = BPF_CORE_READ(vfsmnt, mnt_root);
	if (dentry == mnt_root || dentry == *parent) {
		struct mount *mnt_parent = BPF_CORE_READ(mnt, mnt_parent);

		if (dentry != mnt_root || mnt == mnt_parent)
			return DW_ROOT;
		w->dentry = BPF_CORE_READ(mnt, mnt_mountpoint);
		w->mnt = mnt_parent;
		w->vfsmnt = (void *)mnt_parent + bpf_core_field_offset(struct mount, mnt);
		return DW_MOUNT;
	}
	return DW_NAME;
}

#endif /* SG_BPF_DWALK_H */
