// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * uid to user name (username.h).  A direct-mapped table per thread: a uid
 * has one slot (uid mod USERNAME_CACHE), and a collision replaces the older
 * entry.  Names longer than a slot (32 bytes, useradd's limit) are not
 * cached and looked up each time.
 */
#include <pwd.h>
#include <stdbool.h>
#include <string.h>
#include <time.h>
#include "username.h"

struct uentry {
	uint32_t uid;
	bool used, named;
	time_t at;
	char name[33];
};

static __thread struct uentry cache[USERNAME_CACHE];
static __thread char spill[256]; /* a name too long for a slot */

static time_t now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec;
}

const char *username_of(uint32_t uid)
{
	struct uentry *e = &cache[uid % USERNAME_CACHE];
	struct passwd pw, *res = NULL;
	char buf[4096];
	time_t t = now_s();
	size_t len;

	if (e->used && e->uid == uid && t - e->at < USERNAME_TTL_S)
		return e->named ? e->name : NULL;
	if (getpwuid_r((uid_t)uid, &pw, buf, sizeof(buf), &res) != 0 || !res || !res->pw_name)
		res = NULL;
	len = res ? strlen(res->pw_name) : 0;
	if (res && len >= sizeof(e->name)) {
		e->used = false;
		if (len >= sizeof(spill))
			return NULL;
		memcpy(spill, res->pw_name, len + 1);
		return spill;
	}
	e->uid = uid;
	e->used = true;
	e->at = t;
	e->named = res != NULL;
	if (res)
		memcpy(e->name, res->pw_name, len + 1);
	return e->named ? e->name : NULL;
}
