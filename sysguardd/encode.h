/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Encoding events as JSON (schema SG_EVENT_SCHEMA, documented in
 * proto/events.md), and the names the encoder shares with other modules.
 */
#ifndef SG_ENCODE_H
#define SG_ENCODE_H

#include <stddef.h>
#include <stdint.h>
#include "event.h"
#include "proctable.h"

#define SG_EVENT_SCHEMA 1

/*
 * The host's namespaces (its init's, /proc/1/ns, else the daemon's own): a
 * process in all of them is not namespaced.
 */
struct sg_hostns {
	uint32_t pid, mnt, net, user;
};

/* Read them (0 each that cannot be read). */
void encode_read_hostns(struct sg_hostns *ns, const char *proc);

struct encode_ctx {
	const char *host;        /* added as "host" when set */
	const struct proctable *pt; /* for the parent of alerts and blocks */
	struct sg_hostns hostns; /* proc.ns is written when a process is not in all of these */
};

/*
 * The "container" member: where ev's process runs (or, for a container
 * event, which container); alerts and blocks carry the whole of what is
 * known (image_id, privileged, started, labels).
 */
struct jsonw;
void encode_container(struct jsonw *w, const struct sg_event *ev);

/* One JSON object, no newline. Returns the length or -ENOSPC. */
int encode_event(const struct sg_event *ev, const struct encode_ctx *ctx, char *buf, size_t len);

/* RFC 3339 UTC with nanoseconds: 2026-11-21T06:38:40.123456789Z */
int encode_time(char *buf, size_t len, uint64_t ns);
const char *encode_syscall_name(int sc);
const char *encode_family_name(int family);
const char *encode_proto_name(int sock_type, int protocol);
int encode_addr(char *buf, size_t len, int family, const uint8_t addr[16]);

struct jsonw;
/* For the types' encoders: argv (argc NUL-terminated strings) as an array. */
void encode_argv(struct jsonw *w, const char *argv, size_t len, unsigned int argc);
/* open(2) flags as an array of names. */
void encode_open_flags(struct jsonw *w, uint32_t flags);

#endif /* SG_ENCODE_H */
