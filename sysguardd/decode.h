/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The decoder: one ring-buffer record in, one struct sg_event out.  It checks
 * every length against the record before use (a malformed record is refused,
 * never read past), turns dentry walks into absolute paths, and converts the
 * kernel's boot-time clock to wall-clock time.  Strings in the event point
 * into the decoder and stay valid until the next decode.
 */
#ifndef SG_DECODE_H
#define SG_DECODE_H

#include <linux/limits.h>
#include <stddef.h>
#include <stdint.h>
#include "event.h"

struct decoder {
	int64_t boot_to_real_ns;            /* CLOCK_REALTIME - CLOCK_BOOTTIME */
	char filename[PATH_MAX];
	char argv[SG_ARGV_BYTES + 1];
	char cwd[PATH_MAX];
	char exe[PATH_MAX];
	char path[PATH_MAX];
	char path2[PATH_MAX];
	char unix_path[SG_UNIX_PATH * 4 + 2];
	char stdio_path[3][PATH_MAX];
	char loader[PATH_MAX];
	char scratch[PATH_MAX];
	char join[2 * PATH_MAX];
	uint64_t malformed;                 /* records refused */
};

void decoder_init(struct decoder *d);
/* Re-read the clocks (call now and then: NTP moves the wall clock). */
void decoder_sync_clock(struct decoder *d);

/*
 * Returns 0, or -EINVAL for a malformed record (counted in d->malformed).
 * The header is decoded here; the payload by its type's row (event.h).
 */
int decode_record(struct decoder *d, const void *data, size_t size, struct sg_event *ev);

/* For the types' decoders (ev_*.c): a cursor over a record's data sections. */
struct sg_cursor {
	const char *p;
	size_t left;
};

/* The next len bytes, as they are. 0 or -EINVAL (past the record). */
int decode_take(struct sg_cursor *c, size_t len, const char **ret);
/* A user string section of len bytes (the kernel counts the NUL) into out. */
int decode_str(struct sg_cursor *c, size_t len, char *out, size_t outlen);
/* A dentry walk section (bpf/sysguard.h) into an absolute path in out. */
int decode_walk(struct sg_cursor *c, size_t len, char *out, size_t outlen);
/*
 * A user path of plen bytes and its directory walk of dlen bytes into an
 * absolute path in out (PATH_MAX).  *resolved is false when the path is
 * relative and its directory unknown (unres: the kernel flagged the walk);
 * out then holds the path as given.
 */
int decode_path(struct decoder *d, struct sg_cursor *c, size_t plen, size_t dlen, int unres,
		char *out, bool *resolved);

#endif /* SG_DECODE_H */
