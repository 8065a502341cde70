/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef SG_USERNAME_H
#define SG_USERNAME_H

#include <stdint.h>

/*
 * The user name of a uid, as getpwuid_r(3) gives it (files, nscd, sssd...),
 * for the policy's proc.user.  Cached per thread: each uid is looked up at
 * most once in USERNAME_TTL_S seconds, and a uid without a name is
 * remembered as such for as long.  NULL when it has none.  The pointer is
 * valid until the calling thread's next call.
 */
#define USERNAME_TTL_S 60
#define USERNAME_CACHE 256       /* uids remembered per thread */

const char *username_of(uint32_t uid);

#endif
