/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The daemon's diagnostics (not events): to stderr with a level prefix, or to
 * the journal when running under systemd.  Events go to sinks, never here.
 */
#ifndef SG_LOG_H
#define SG_LOG_H

#include <stdbool.h>
#include <syslog.h>

void log_init(const char *ident, int max_prio, int to_journal);
void log_set_level(int max_prio);
int log_level(void);
void sg_log(int prio, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/*
 * Is fd connected to the journal ($JOURNAL_STREAM names its device and
 * inode)?  Then diagnostics should use the journal's native protocol, and
 * events must not go to stdout.
 */
bool log_fd_is_journal(int fd);
/* Diagnostics lost because the journal was busy. */
unsigned long long log_dropped(void);

#endif /* SG_LOG_H */
