// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The running daemon (see daemon.h): the event loop's callbacks, and the
 * ring read, output reopen and policy reload that commands, signals and the
 * loop share.
 */
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <time.h>
#include <event2/event.h>
#include "daemon.h"
#include "kernel.h"
#include "log.h"
#include "metrics.h"
#include "pipeline.h"
#include "service.h"
#include "verdict.h"

#define DAEMON_FAN_RETRY_MS 100 /* denials wait for their call's report: look again */

uint64_t daemon_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

void daemon_consume(struct daemon *d)
{
	int n = d->kernel ? kernel_consume(d->kernel) : 0;

	if (n < 0 && n != -EINTR)
		sg_log(LOG_ERR, "reading the ring buffer failed: %s", strerror(-n));
	pipeline_flush(d->pipe);
}

int daemon_reopen(struct daemon *d)
{
	int r;

	daemon_consume(d); /* what the ring holds goes to the old file */
	r = pipeline_reopen(d->pipe);
	if (r < 0)
		sg_log(LOG_ERR, "cannot reopen '%s': %s", *d->output ? d->output : "-",
		       strerror(-r));
	return r;
}

int daemon_reload(struct daemon *d)
{
	int r;

	daemon_consume(d); /* what the old policy should judge */
	r = verdict_reload(d->verdict);
	metrics_note_reload(r == 0);
	pipeline_flush(d->pipe);
	return r;
}

/* File enforcement: requests judged once the ring told who the callers are. */
static void fanotify_work(struct daemon *d)
{
	struct timeval tv = { 0, DAEMON_FAN_RETRY_MS * 1000 };

	daemon_consume(d);
	if (verdict_fanotify(d->verdict))
		evtimer_add(d->fan_timer, &tv);
}

static void on_fanotify(evutil_socket_t fd, short what, void *arg)
{
	fanotify_work(arg);
}

static void on_ring(evutil_socket_t fd, short what, void *arg)
{
	daemon_consume(arg);
}

/* Once a second: drops reported, dedup windows and outputs looked after, rules expired. */
static void on_tick(evutil_socket_t fd, short what, void *arg)
{
	struct daemon *d = arg;

	pipeline_tick(d->pipe);
	verdict_tick(d->verdict);
}

static void on_signal(evutil_socket_t sig, short what, void *arg)
{
	struct daemon *d = arg;

	if (sig == SIGHUP) {
		service_reloading(); /* RELOADING=1 ... READY=1 around the reload */
		if (daemon_reopen(d) == 0)
			sg_log(LOG_INFO, "SIGHUP: output reopened");
		daemon_reload(d);
		service_ready("Reloaded");
		return;
	}
	sg_log(LOG_INFO, "%s: shutting down", strsignal(sig));
	service_stopping();
	event_base_loopbreak(d->base);
}

int daemon_loop_init(struct daemon *d)
{
	static const int sigs[] = { SIGINT, SIGTERM, SIGHUP };
	struct timeval batch = { d->cfg.batch_ms / 1000, (d->cfg.batch_ms % 1000) * 1000 };
	struct timeval tick = { 1, 0 };
	int fan = verdict_fanotify_fd(d->verdict);

	d->ring_ev = event_new(d->base, kernel_ring_fd(d->kernel), EV_READ | EV_PERSIST, on_ring,
			       d);
	d->batch_ev = event_new(d->base, -1, EV_PERSIST, on_ring, d);
	d->tick_ev = event_new(d->base, -1, EV_PERSIST, on_tick, d);
	d->fan_timer = evtimer_new(d->base, on_fanotify, d);
	if (!d->ring_ev || !d->batch_ev || !d->tick_ev || !d->fan_timer)
		return -ENOMEM;
	if (fan >= 0) {
		d->fan_ev = event_new(d->base, fan, EV_READ | EV_PERSIST, on_fanotify, d);
		if (!d->fan_ev || event_add(d->fan_ev, NULL) < 0)
			return -ENOMEM;
	}
	event_add(d->ring_ev, NULL);
	event_add(d->batch_ev, &batch);
	event_add(d->tick_ev, &tick);
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++) {
		d->sig_ev[i] = evsignal_new(d->base, sigs[i], on_signal, d);
		if (!d->sig_ev[i] || evsignal_add(d->sig_ev[i], NULL) < 0)
			return -ENOMEM;
	}
	return 0;
}

void daemon_loop_run(struct daemon *d)
{
	event_base_dispatch(d->base);
}

void daemon_loop_fini(struct daemon *d)
{
	struct event **evs[] = { &d->sig_ev[0], &d->sig_ev[1], &d->sig_ev[2], &d->tick_ev,
				 &d->batch_ev, &d->ring_ev, &d->fan_ev, &d->fan_timer };

	if (d->kernel && d->pipe) {
		daemon_consume(d); /* what is still in the ring */
		pipeline_tick(d->pipe); /* and a last drop report */
	}
	for (size_t i = 0; i < sizeof(evs) / sizeof(evs[0]); i++) {
		if (*evs[i])
			event_free(*evs[i]);
		*evs[i] = NULL;
	}
}
