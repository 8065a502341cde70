// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Diagnostics: one line per message, to stderr or the journal.  In journal
 * mode the native protocol is written without blocking (journal.c): a stuck
 * journald costs lost diagnostics (counted), never a stalled daemon.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include "journal.h"
#include "log.h"

static const char *log_ident = "sysguardd";
static int log_max = LOG_INFO;
static int log_journal;
static int log_journal_fd = -1;
static unsigned long long log_lost;

void log_init(const char *ident, int max_prio, int to_journal)
{
	log_ident = ident;
	log_max = max_prio;
	log_journal = to_journal;
}

void log_set_level(int max_prio)
{
	log_max = max_prio;
}

int log_level(void)
{
	return log_max;
}

unsigned long long log_dropped(void)
{
	return log_lost;
}

bool log_fd_is_journal(int fd)
{
	const char *e = getenv("JOURNAL_STREAM");
	unsigned long long dev, ino;
	struct stat st;
	char *end;

	/* "DEV:INODE" of the stream systemd connected stdout/stderr to */
	if (!e)
		return false;
	errno = 0;
	dev = strtoull(e, &end, 10);
	if (errno || end == e || *end != ':')
		return false;
	e = end + 1;
	ino = strtoull(e, &end, 10);
	if (errno || end == e || *end)
		return false;
	return fstat(fd, &st) == 0 && (unsigned long long)st.st_dev == dev &&
	       (unsigned long long)st.st_ino == ino;
}

static int to_journal(int prio, const char *msg)
{
	char p[2] = { '0' + (prio & 7), '\0' };
	struct journal_field f[] = {
		{ "MESSAGE", msg, strlen(msg) },
		{ "PRIORITY", p, 1 },
		{ "SYSLOG_IDENTIFIER", log_ident, strlen(log_ident) },
	};

	return journal_send_native(&log_journal_fd, JOURNAL_SOCKET_DEFAULT, f, 3);
}

void sg_log(int prio, const char *fmt, ...)
{
	static const char *const names[] = { "emerg", "alert", "crit", "error",
					     "warning", "notice", "info", "debug" };
	char buf[1024];
	va_list ap;
	int r;

	if (prio > log_max)
		return;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (log_journal) {
		r = to_journal(prio, buf);
		if (r == 0)
			return;
		if (r == -EAGAIN) {
			log_lost++; /* the journal is busy: never wait for it */
			return;
		}
		/* the journal socket is gone: stderr is better than nothing */
	}
	fprintf(stderr, "%s: %s: %s\n", log_ident, names[prio & 7], buf);
}
