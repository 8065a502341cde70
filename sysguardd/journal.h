/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The journald sink: selected events (alerts and blocks by default, drop
 * reports, enforcement and policy changes) as structured journal entries
 * with a readable MESSAGE, a PRIORITY from the verdict, a MESSAGE_ID per
 * kind of record and SYSGUARD_* fields (the mapping is in sysguard.yaml(5)).
 * It speaks journald's native protocol itself on a non-blocking datagram
 * socket, so a journal that is slow or gone costs a counted failure, never a
 * stall of the pipeline.  The same transport carries the daemon's own
 * diagnostics (log.c) when it runs under systemd.
 */
#ifndef SG_JOURNAL_H
#define SG_JOURNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "event.h"

#define JOURNAL_SOCKET_DEFAULT "/run/systemd/journal/socket"

/* MESSAGE_ID of each kind of record (fixed; documented in sysguard.yaml(5)). */
#define SG_MID_EVENT_LOG    "351569fccf4c43cf9b257c34e59191aa"
#define SG_MID_EVENT_ALERT  "d259d97e9cb4443c86312fbc9277b4e9"
#define SG_MID_EVENT_BLOCK  "a2ccdfec2988422cb970903741c6d0b9"
#define SG_MID_DROP         "d734a4b4ce7941b7acc49a84a5da8841"
#define SG_MID_BLOCK_CHANGE "a46807e5717a4fed9ec8803d945da203"
#define SG_MID_POLICY       "b03c164f981b44e09f6134202b7ddf2a"
#define SG_MID_MARK         "84639005fa29405d9d6b8c618fc667c4"

struct journal_opts {
	const char *socket;          /* NULL: JOURNAL_SOCKET_DEFAULT */
	uint32_t actions;            /* bit (1 << enum sg_action): events sent */
	bool drops;                  /* drop reports */
	const char *identifier;      /* SYSLOG_IDENTIFIER; NULL: "sysguardd" */
};

struct journal_stats {
	uint64_t sent;               /* entries the journal accepted */
	uint64_t failed;             /* entries that could not be written (full, gone) */
	uint64_t truncated;          /* entries sent without SYSGUARD_EVENT (too large) */
	int last_error;              /* errno of the last failure, 0 if none */
};

struct journal;

/*
 * A sink sending to the journal socket.  Does not fail when the journal is
 * not there (every entry then counts as failed; it reconnects now and then).
 * Returns NULL with errno set only when out of memory.
 */
struct journal *journal_new(const struct journal_opts *opts);
void journal_free(struct journal *j);

/* Should this event go to the journal (the configured selection)? */
bool journal_wants(const struct journal *j, const struct sg_event *ev);

/*
 * Send ev (json: its encoded line, len bytes) if selected.  Never blocks.
 */
void journal_publish(void *j, const struct sg_event *ev, const char *json, size_t len);

void journal_get_stats(const struct journal *j, struct journal_stats *ret);

/*
 * The same, as a pipeline sink (sink.h): name "journal", drop reports with
 * drop.where "journal" for entries the journal did not take.  Returns NULL
 * with errno set only when out of memory.
 */
struct sink;
struct sink *journal_sink_new(const struct journal_opts *opts);

/* The syslog priority and MESSAGE_ID for an event (see sysguard.yaml(5)). */
int journal_priority(const struct sg_event *ev);
const char *journal_message_id(const struct sg_event *ev);

/* The readable one-line MESSAGE for an event. Returns its length (truncated to len-1). */
int journal_format_message(const struct sg_event *ev, char *buf, size_t len);

/* One field of an entry: KEY (upper case, digits, '_') and a value of len bytes. */
struct journal_field {
	const char *key;
	const char *value;
	size_t len;
};

/*
 * The transport: send one entry of n fields (values may contain newlines)
 * to the journal socket at path.  Opens *fd when it is < 0.  Returns 0 or
 * -errno (-EAGAIN when the journal is busy, -ENOENT or -ECONNREFUSED when it
 * is gone, -EMSGSIZE when too large); never blocks.
 */
int journal_send_native(int *fd, const char *path, const struct journal_field *f, size_t n);

/* One entry being built: its fields, their values in buf (or elsewhere). */
#define JOURNAL_FIELDS_MAX 40
struct journal_entry {
	struct journal_field f[JOURNAL_FIELDS_MAX];
	size_t n;
	char buf[4096];
	size_t used;
};

/* For the types' journal fields (ev_*.c): KEY=printf(fmt); a NULL val adds nothing. */
void journal_add(struct journal_entry *e, const char *key, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void journal_add_str(struct journal_entry *e, const char *key, const char *val);

/* For the types' messages: a bounded string builder that ends a cut text with "...". */
struct sg_msg {
	char *buf;
	size_t len, cap;
	bool full;
};

void sg_msg_add(struct sg_msg *m, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* s, or dflt when s is NULL or empty */
const char *sg_msg_or(const char *s, const char *dflt);

#endif /* SG_JOURNAL_H */
