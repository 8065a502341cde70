// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Diagnostics: one line per message, to stderr or the journal.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <systemd/sd-journal.h>
#include "log.h"

static const char *log_ident = "sysguardd";
static int log_max = LOG_INFO;
static int log_journal;

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

void sg_log(int prio, const char *fmt, ...)
{
	static const char *const names[] = { "emerg", "alert", "crit", "error",
					     "warning", "notice", "info", "debug" };
	char buf[1024];
	va_list ap;

	if (prio > log_max)
		return;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (log_journal) {
		sd_journal_send("MESSAGE=%s", buf, "PRIORITY=%d", prio,
				"SYSLOG_IDENTIFIER=%s", log_ident, NULL);
		return;
	}
	fprintf(stderr, "%s: %s: %s\n", log_ident, names[prio & 7], buf);
}
