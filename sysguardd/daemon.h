/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The daemon's one state: the configuration and every module, made by
 * main.c's start-up in dependency order and torn down in reverse.  This
 * module owns what the running daemon does between start and stop: the
 * event loop's events (ring buffer, batch timer, the once-a-second tick,
 * file enforcement's requests, signals) and the three things several paths
 * share -- reading the ring (daemon_consume), reopening the outputs and
 * reloading the policy, always in that order.  The command table
 * (commands.h) works on the same struct.  Every module pointer but pipe and
 * verdict may be NULL (no kernel, no socket, no metrics), which the unit
 * tests use.
 */
#ifndef SG_DAEMON_H
#define SG_DAEMON_H

#include <stdbool.h>
#include <stdint.h>
#include "config.h"

struct event;
struct event_base;
struct container;
struct control;
struct kernel;
struct metrics;
struct pipeline;
struct proctable;
struct redact;
struct verdict;

struct daemon {
	struct config cfg;
	const char *config_path;
	bool foreground;
	uint64_t start_ns;              /* CLOCK_MONOTONIC at start, for uptime */
	struct event_base *base;
	struct proctable *pt;
	struct pipeline *pipe;          /* decode, enrich, judge, dedup, sinks */
	struct verdict *verdict;        /* the policy in force and the enforcers */
	struct container *ctr;          /* each cgroup's container; NULL: not tracked */
	char ctr_why[128];              /* why not */
	struct kernel *kernel;          /* NULL: no BPF (tests) */
	struct control *ctl;            /* NULL: no control socket */
	struct metrics *metrics;        /* NULL: no endpoint configured */
	struct redact *redact;          /* argv redaction in every output */
	char output[4096];              /* the NDJSON sink's path, "-", or "" for none */
	struct event *ring_ev, *batch_ev, *tick_ev, *fan_ev, *fan_timer, *sig_ev[3];
};

/* CLOCK_MONOTONIC in nanoseconds. */
uint64_t daemon_now_ns(void);

/* Read what the ring holds (decode, judge, emit), then flush the sinks. */
void daemon_consume(struct daemon *d);

/*
 * Reopen the outputs (log rotation): what the ring holds goes to the old
 * file first.  0 or -errno (logged).
 */
int daemon_reopen(struct daemon *d);

/*
 * Reload the policy from its configured source: what the ring holds is
 * judged by the old policy first; a policy with errors changes nothing.
 * Counted for the metrics.  0 or -errno.
 */
int daemon_reload(struct daemon *d);

/* Register the loop's events and signals on d->base.  0 or -errno. */
int daemon_loop_init(struct daemon *d);
/* Run until SIGINT or SIGTERM. */
void daemon_loop_run(struct daemon *d);
/* Read the ring a last time, report the last drops, free the loop's events. */
void daemon_loop_fini(struct daemon *d);

#endif /* SG_DAEMON_H */
