/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Life as a systemd service: sd_notify(3) state changes (READY=1 once the
 * programs are attached, the policy is loaded and the control socket
 * listens; RELOADING=1 around a SIGHUP reload; STOPPING=1), a STATUS= line,
 * and the watchdog: a libevent timer at half of WatchdogSec= sends
 * WATCHDOG=1 from the event loop itself, so a loop that is stuck is killed
 * and restarted by systemd.  Every call is a no-op when the daemon does not
 * run under systemd (no $NOTIFY_SOCKET).  Outside systemd and without
 * --foreground, the daemon forks into the background, and the parent exits
 * once the child has started (0) or failed (1).
 */
#ifndef SG_SERVICE_H
#define SG_SERVICE_H

#include <stdbool.h>
#include <stdint.h>

struct event_base;

/*
 * Call once the event loop exists, before service_ready().  Arms the
 * watchdog timer on base when systemd asked for one.  Returns 0 or -errno.
 */
int service_init(struct event_base *base);
/* Disarm the watchdog. Safe without service_init(). */
void service_fini(void);

/* Whether systemd supervises us (a notify socket was given). */
bool service_managed(void);
/* The watchdog interval systemd asked for, in microseconds; 0 if none. */
uint64_t service_watchdog_usec(void);

/* READY=1 with STATUS=status (may be NULL). */
void service_ready(const char *status);
/* STATUS= only. */
void service_status(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* RELOADING=1 (follow with service_ready() when the reload is done). */
void service_reloading(void);
/* STOPPING=1. */
void service_stopping(void);
/* A start-up failure: STATUS= and ERRNO= (err > 0) for systemctl status. */
void service_failed(int err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/*
 * Fork into the background: the parent waits until the child calls
 * service_started() and exits 0 or 1.  In the child returns 0; -errno when
 * it cannot fork.
 */
int service_daemonize(void);
/* Start-up is over (ok or not): a daemonized child tells its parent, stdio to /dev/null. */
void service_started(bool ok);

#endif /* SG_SERVICE_H */
