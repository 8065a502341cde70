/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The NDJSON sink: one event per line to stdout or a file.  Lines gather in a
 * bounded buffer that is written out after each batch of events (so a reader
 * sees an event within one batch interval) and never blocks the pipeline on
 * a pipe or socket: when the reader is too slow and the buffer is full, lines
 * are dropped and counted.  A file is reopened on request (log rotation).
 */
#ifndef SG_SINK_H
#define SG_SINK_H

#include <stddef.h>
#include <stdint.h>

struct sink;

/* path "-" is stdout. Returns NULL with errno set. */
struct sink *sink_open(const char *path, size_t buffer_bytes);
void sink_close(struct sink *s);
void sink_write(struct sink *s, const char *line, size_t len); /* line without '\n' */
/* Write out what is buffered. Returns 0, or -errno for a hard error. */
int sink_flush(struct sink *s);
/* Reopen a file sink (no-op on stdout). Returns 0 or -errno; keeps the old on error. */
int sink_reopen(struct sink *s);
uint64_t sink_dropped(const struct sink *s);
uint64_t sink_written(const struct sink *s);
const char *sink_path(const struct sink *s);

#endif /* SG_SINK_H */
