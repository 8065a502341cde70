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
	char scratch[PATH_MAX];
	char join[2 * PATH_MAX];
	uint64_t malformed;                 /* records refused */
};

void decoder_init(struct decoder *d);
/* Re-read the clocks (call now and then: NTP moves the wall clock). */
void decoder_sync_clock(struct decoder *d);

/* Returns 0, or -EINVAL for a malformed record (counted in d->malformed). */
int decode_record(struct decoder *d, const void *data, size_t size, struct sg_event *ev);

#endif /* SG_DECODE_H */
