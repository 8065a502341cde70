// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * sd_notify(3) and the watchdog (see service.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <event2/event.h>
#include <systemd/sd-daemon.h>
#include "log.h"
#include "service.h"

static struct event *watchdog_ev;
static uint64_t watchdog_usec;
static int ready_fd = -1;   /* daemonized: the parent waits on it */

bool service_managed(void)
{
	const char *s = getenv("NOTIFY_SOCKET");

	return s && *s;
}

uint64_t service_watchdog_usec(void)
{
	return watchdog_usec;
}

static void notify(const char *msg)
{
	int r;

	if (!service_managed())
		return;
	r = sd_notify(0, msg);
	if (r < 0) {
		static int warned;

		if (!warned++)
			sg_log(LOG_WARNING, "cannot notify systemd: %s", strerror(-r));
	}
}

static void on_watchdog(evutil_socket_t fd, short what, void *arg)
{
	notify("WATCHDOG=1");
}

int service_init(struct event_base *base)
{
	uint64_t usec = 0;
	int r;

	/* unset=0: a child process must not inherit the duty */
	r = sd_watchdog_enabled(0, &usec);
	if (r < 0) {
		sg_log(LOG_WARNING, "cannot read the watchdog settings: %s", strerror(-r));
		return 0;
	}
	if (r == 0 || usec == 0)
		return 0;
	watchdog_ev = event_new(base, -1, EV_PERSIST, on_watchdog, NULL);
	if (!watchdog_ev)
		return -ENOMEM;
	{
		uint64_t half = usec / 2;
		struct timeval tv = { half / 1000000, half % 1000000 };

		if (event_add(watchdog_ev, &tv) < 0) {
			event_free(watchdog_ev);
			watchdog_ev = NULL;
			return -ENOMEM;
		}
	}
	watchdog_usec = usec;
	sg_log(LOG_DEBUG, "watchdog: pinging systemd every %llu ms",
	       (unsigned long long)usec / 2000);
	notify("WATCHDOG=1");
	return 0;
}

void service_fini(void)
{
	if (watchdog_ev)
		event_free(watchdog_ev);
	watchdog_ev = NULL;
	watchdog_usec = 0;
}

static void notifyf(const char *prefix, const char *fmt, va_list ap)
{
	char buf[512];
	int n = snprintf(buf, sizeof(buf), "%s", prefix);

	if (fmt && n >= 0 && (size_t)n < sizeof(buf))
		vsnprintf(buf + n, sizeof(buf) - n, fmt, ap);
	/* STATUS= is one line */
	for (char *p = buf + strlen(prefix); *p; p++)
		if (*p == '\n')
			*p = ' ';
	notify(buf);
}

void service_ready(const char *status)
{
	char buf[512];

	if (status)
		snprintf(buf, sizeof(buf), "READY=1\nSTATUS=%s", status);
	else
		snprintf(buf, sizeof(buf), "READY=1");
	notify(buf);
}

void service_status(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	notifyf("STATUS=", fmt, ap);
	va_end(ap);
}

void service_reloading(void)
{
	struct timespec ts;
	char buf[128];

	/* MONOTONIC_USEC: systemd >= 253 (Type=notify-reload) wants it; older ones ignore it */
	clock_gettime(CLOCK_MONOTONIC, &ts);
	snprintf(buf, sizeof(buf), "RELOADING=1\nMONOTONIC_USEC=%llu\nSTATUS=Reloading",
		 (unsigned long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000);
	notify(buf);
}

void service_stopping(void)
{
	notify("STOPPING=1\nSTATUS=Stopping");
}

void service_failed(int err, const char *fmt, ...)
{
	char prefix[32] = "";
	va_list ap;

	if (err > 0)
		snprintf(prefix, sizeof(prefix), "ERRNO=%d\nSTATUS=", err);
	else
		snprintf(prefix, sizeof(prefix), "STATUS=");
	va_start(ap, fmt);
	notifyf(prefix, fmt, ap);
	va_end(ap);
}

int service_daemonize(void)
{
	int fds[2];
	pid_t pid;
	char c;

	if (pipe2(fds, O_CLOEXEC) < 0)
		return -errno;
	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid > 0) {
		close(fds[1]);
		if (read(fds[0], &c, 1) != 1)
			_exit(1);
		_exit(c == 0 ? 0 : 1);
	}
	close(fds[0]);
	setsid();
	ready_fd = fds[1];
	return 0;
}

void service_started(bool ok)
{
	char c = ok ? 0 : 1;
	int null;

	if (ready_fd < 0)
		return;
	if (ok) {
		null = open("/dev/null", O_RDWR | O_CLOEXEC);
		if (null >= 0) {
			dup2(null, STDIN_FILENO);
			dup2(null, STDOUT_FILENO);
			dup2(null, STDERR_FILENO);
			close(null);
		}
	}
	if (write(ready_fd, &c, 1) < 0)
		sg_log(LOG_WARNING, "cannot tell the parent we are ready: %s", strerror(errno));
	close(ready_fd);
	ready_fd = -1;
}
