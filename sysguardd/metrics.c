// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Prometheus metrics: the figures, read from the modules that keep them at
 * scrape time and rendered as the text exposition format 0.0.4 into a
 * bounded buffer, for the HTTP endpoints (metrics_http.c) and the
 * node_exporter textfile (metrics_textfile.c).  The event path costs one
 * array increment per emitted event (a counting sink of the pipeline).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "control.h"
#include "enforce.h"
#include "kernel.h"
#include "metrics.h"
#include "metrics_http.h"
#include "metrics_textfile.h"
#include "pipeline.h"
#include "policy.h"
#include "proctable.h"
#include "sink.h"

#define TEXT_INITIAL (64u << 10)

/* Policy (re)loads: one daemon per process, so plain statics. */
static uint64_t reloads_ok, reloads_error;

struct metrics {
	struct metrics_sources src;
	struct metrics_http *http;
	struct metrics_textfile *textfile;
	char *text;                      /* render buffer, grows to METRICS_TEXT_MAX */
	size_t text_cap;
	double start_time;               /* process start, unix seconds */
	/*
	 * emitted events by type and action (SG_ACT_LOG..SG_ACT_BLOCK): own_emitted
	 * until metrics_sink_new() hands the counting to a sink of the pipeline
	 * (which outlives this object), then that sink's array
	 */
	uint64_t own_emitted[SG_EV_MAX][SG_ACT_BLOCK + 1];
	uint64_t (*emitted)[SG_ACT_BLOCK + 1];
};

void metrics_note_reload(bool ok)
{
	if (ok)
		reloads_ok++;
	else
		reloads_error++;
}

static void count(uint64_t (*emitted)[SG_ACT_BLOCK + 1], const struct sg_event *ev)
{
	int a = ev->verdict.action;

	if (ev->type > 0 && ev->type < SG_EV_MAX && a >= SG_ACT_LOG && a <= SG_ACT_BLOCK)
		emitted[ev->type][a]++;
}

void metrics_observe(void *arg, const struct sg_event *ev, const char *json, size_t len)
{
	struct metrics *m = arg;

	count(m->emitted, ev);
}

/* The counting sink: every emitted event passes every sink of the pipeline. */
struct metrics_sink {
	struct sink base;
	uint64_t emitted[SG_EV_MAX][SG_ACT_BLOCK + 1];
	uint64_t written;
};

static void msink_write(struct sink *s, const struct sg_event *ev, const char *line, size_t len)
{
	struct metrics_sink *ms = (struct metrics_sink *)s;

	count(ms->emitted, ev);
	ms->written++;
}

static void msink_stats(const struct sink *s, struct sink_stats *ret)
{
	const struct metrics_sink *ms = (const struct metrics_sink *)s;

	memset(ret, 0, sizeof(*ret));
	ret->name = "metrics";
	ret->written = ms->written;
}

static void msink_free(struct sink *s)
{
	free(s);
}

static const struct sink_ops msink_ops = {
	.write = msink_write,
	.stats = msink_stats,
	.free = msink_free,
};

struct sink *metrics_sink_new(struct metrics *m)
{
	struct metrics_sink *ms = calloc(1, sizeof(*ms));

	if (!ms)
		return NULL;
	ms->base.ops = &msink_ops;
	memcpy(ms->emitted, m->emitted, sizeof(ms->emitted));
	m->emitted = ms->emitted;
	return &ms->base;
}

/* --- the text format ------------------------------------------------------------------------ */

struct mw {
	char *buf;
	size_t len, cap;
	bool full;
};

static void __attribute__((format(printf, 2, 3))) mw_printf(struct mw *w, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (w->full)
		return;
	va_start(ap, fmt);
	n = vsnprintf(w->buf + w->len, w->cap - w->len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= w->cap - w->len) {
		w->full = true;
		return;
	}
	w->len += n;
}

int metrics_escape_label(const char *s, char *buf, size_t len)
{
	size_t o = 0;

	for (; *s; s++) {
		const char *rep = NULL;
		size_t n;

		if (*s == '\\')
			rep = "\\\\";
		else if (*s == '"')
			rep = "\\\"";
		else if (*s == '\n')
			rep = "\\n";
		n = rep ? 2 : 1;
		if (o + n >= len)
			return -ENOSPC;
		if (rep)
			memcpy(buf + o, rep, 2);
		else
			buf[o] = *s;
		o += n;
	}
	if (o >= len)
		return -ENOSPC;
	buf[o] = '\0';
	return (int)o;
}

/* "# HELP" and "# TYPE" of a family; help is escaped (\\ and \n) as the format asks. */
static void mw_family(struct mw *w, const char *name, const char *type, const char *help)
{
	mw_printf(w, "# HELP %s ", name);
	for (const char *c = help; *c; c++) {
		if (*c == '\\')
			mw_printf(w, "\\\\");
		else if (*c == '\n')
			mw_printf(w, "\\n");
		else
			mw_printf(w, "%c", *c);
	}
	mw_printf(w, "\n# TYPE %s %s\n", name, type);
}

/* name{k1="v1",k2="v2"} value; labels is NULL-terminated pairs; values are escaped. */
static void mw_labels(struct mw *w, const char *name, const char *const *labels)
{
	char esc[1024];

	mw_printf(w, "%s", name);
	if (!labels || !labels[0])
		return;
	mw_printf(w, "{");
	for (size_t i = 0; labels[i] && labels[i + 1]; i += 2) {
		if (metrics_escape_label(labels[i + 1], esc, sizeof(esc)) < 0)
			snprintf(esc, sizeof(esc), "(too long)");
		mw_printf(w, "%s%s=\"%s\"", i ? "," : "", labels[i], esc);
	}
	mw_printf(w, "}");
}

static void mw_u64(struct mw *w, const char *name, const char *const *labels, uint64_t v)
{
	mw_labels(w, name, labels);
	mw_printf(w, " %" PRIu64 "\n", v);
}

static void mw_dbl(struct mw *w, const char *name, const char *const *labels, double v)
{
	mw_labels(w, name, labels);
	mw_printf(w, " %.3f\n", v);
}

#define L(...) ((const char *const[]){ __VA_ARGS__, NULL })

/* --- reading the sources -------------------------------------------------------------------- */

#define SRC(s, member) ((s)->member ? *(s)->member : NULL)

/* Process start time from /proc (what Prometheus client libraries report). */
static double read_start_time(void)
{
	char buf[1024], *p;
	unsigned long long start = 0, btime = 0;
	long hz = sysconf(_SC_CLK_TCK);
	FILE *f;
	size_t n;

	f = fopen("/proc/self/stat", "re");
	if (!f)
		return 0;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	p = strrchr(buf, ')');
	/* after the comm: state is field 3, starttime field 22 */
	for (int field = 2; p && field < 22; field++)
		p = strchr(p + 1, ' ');
	if (!p || sscanf(p + 1, "%llu", &start) != 1)
		return 0;
	f = fopen("/proc/stat", "re");
	if (!f)
		return 0;
	while (fgets(buf, sizeof(buf), f))
		if (sscanf(buf, "btime %llu", &btime) == 1)
			break;
	fclose(f);
	if (!btime || hz <= 0)
		return 0;
	return (double)btime + (double)start / (double)hz;
}

static double now_real(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void render_pipeline(struct mw *w, const struct metrics *m, const struct pipeline *p)
{
	static const int acts[] = { SG_ACT_ALLOW, SG_ACT_LOG, SG_ACT_ALERT, SG_ACT_BLOCK };
	const struct pipeline_stats *st = pipeline_stats(p);

	mw_family(w, "sysguard_events_received_total", "counter",
		  "Events decoded from the kernel or made by the daemon, by type.");
	for (int t = 1; t < SG_EV_MAX; t++)
		mw_u64(w, "sysguard_events_received_total", L("type", sg_type_name(t)), st->received[t]);

	mw_family(w, "sysguard_events_total", "counter",
		  "Events judged, by type and verdict action; allow: not written (allowed, excluded "
		  "or folded into a dedup summary), log/alert/block: written to the outputs.");
	for (int t = 1; t < SG_EV_MAX; t++) {
		for (size_t i = 0; i < sizeof(acts) / sizeof(acts[0]); i++) {
			int a = acts[i];
			uint64_t v;

			if (a == SG_ACT_ALLOW)
				v = st->allowed[t];
			else if (m)
				v = m->emitted[t][a];
			else
				continue;
			mw_u64(w, "sysguard_events_total",
			       L("type", sg_type_name(t), "action", sg_action_name(a)), v);
		}
	}
	mw_family(w, "sysguard_events_malformed_total", "counter",
		  "Kernel records the decoder refused.");
	mw_u64(w, "sysguard_events_malformed_total", NULL, st->malformed);
	mw_family(w, "sysguard_events_encode_errors_total", "counter",
		  "Events too large to encode, not written.");
	mw_u64(w, "sysguard_events_encode_errors_total", NULL, st->encode_errors);
}

static void render_kernel(struct mw *w, const struct kernel *k)
{
	uint64_t pending, size;
	struct sg_counters c;

	if (kernel_counters(k, &c) == 0) {
		mw_family(w, "sysguard_kernel_events_total", "counter",
			  "Records the BPF programs tried to emit, by type.");
		for (int t = 1; t < SG_EV_KERNEL_MAX; t++)
			mw_u64(w, "sysguard_kernel_events_total", L("type", sg_type_name(t)),
			       c.seen[t]);
		mw_family(w, "sysguard_kernel_drops_total", "counter",
			  "Records lost because the ring buffer was full, by type.");
		for (int t = 1; t < SG_EV_KERNEL_MAX; t++)
			mw_u64(w, "sysguard_kernel_drops_total", L("type", sg_type_name(t)),
			       c.dropped[t]);
		mw_family(w, "sysguard_kernel_filtered_total", "counter",
			  "Events dropped at syscall entry by the in-kernel filter, by type.");
		for (int t = 1; t < SG_EV_KERNEL_MAX; t++)
			mw_u64(w, "sysguard_kernel_filtered_total", L("type", sg_type_name(t)),
			       c.filtered[t]);
		mw_family(w, "sysguard_kernel_stash_full_total", "counter",
			  "Syscall entries that could not be stashed for their exit.");
		mw_u64(w, "sysguard_kernel_stash_full_total", NULL, c.stash_full);
	}
	if (kernel_ring_fill(k, &pending, &size) == 0) {
		mw_family(w, "sysguard_ring_buffer_size_bytes", "gauge",
			  "Size of the kernel ring buffer.");
		mw_u64(w, "sysguard_ring_buffer_size_bytes", NULL, size);
		mw_family(w, "sysguard_ring_buffer_pending_bytes", "gauge",
			  "Bytes written by the kernel and not yet consumed by the daemon.");
		mw_u64(w, "sysguard_ring_buffer_pending_bytes", NULL, pending);
	}
}

static void render_policy(struct mw *w, const struct policy *p)
{
	size_t n = p ? policy_rule_count(p) : 0;
	struct policy_rule_info ri;
	struct policy_stats ps;

	mw_family(w, "sysguard_policy_reloads_total", "counter",
		  "Policy loads after the start (signal or control socket), by result.");
	mw_u64(w, "sysguard_policy_reloads_total", L("result", "ok"), reloads_ok);
	mw_u64(w, "sysguard_policy_reloads_total", L("result", "error"), reloads_error);
	if (!p)
		return;
	mw_family(w, "sysguard_policy_rules", "gauge", "Rules in the policy in force.");
	mw_u64(w, "sysguard_policy_rules", NULL, n);
	mw_family(w, "sysguard_rule_hits_total", "counter",
		  "Events a rule matched (carried over reloads for rules that keep their id).");
	for (size_t i = 0; i < n; i++)
		if (policy_rule_info(p, i, &ri) == 0 && ri.id)
			mw_u64(w, "sysguard_rule_hits_total", L("rule", ri.id), ri.hits);
	policy_stats(p, &ps);
	mw_family(w, "sysguard_policy_evaluated_total", "counter",
		  "Kernel events judged by the policy in force.");
	mw_u64(w, "sysguard_policy_evaluated_total", NULL, ps.evaluated);
	mw_family(w, "sysguard_policy_excluded_total", "counter",
		  "Judged events matched by an exclude of the policy in force.");
	mw_u64(w, "sysguard_policy_excluded_total", NULL, ps.excluded);
	mw_family(w, "sysguard_policy_defaulted_total", "counter",
		  "Judged events matched by no rule of the policy in force.");
	mw_u64(w, "sysguard_policy_defaulted_total", NULL, ps.defaulted);
	if (!ps.corr_rules)
		return;
	mw_family(w, "sysguard_correlation_groups", "gauge",
		  "Groups the correlation rules of the policy in force keep windows for.");
	mw_u64(w, "sysguard_correlation_groups", NULL, ps.corr_groups);
	mw_family(w, "sysguard_correlation_evictions_total", "counter",
		  "Correlation groups given up within their window for want of room "
		  "(the rule's 'groups'); what they had counted is lost.");
	mw_u64(w, "sysguard_correlation_evictions_total", NULL, ps.corr_evictions);
}

/* The file, journal and subscriber outputs, from the pipeline's sinks' own counters. */
static void render_outputs(struct mw *w, const struct pipeline *p)
{
	struct sink_stats st;
	size_t n = p ? pipeline_sink_count(p) : 0;

	if (!n)
		return;
	mw_family(w, "sysguard_output_written_total", "counter",
		  "Records written to an output (ndjson: lines; journal: entries accepted; "
		  "subscribers: events queued).");
	for (size_t i = 0; i < n; i++) {
		pipeline_sink_stats(p, i, &st);
		if (strcmp(st.name, "metrics") != 0)
			mw_u64(w, "sysguard_output_written_total", L("sink", st.name), st.written);
	}
	mw_family(w, "sysguard_output_dropped_total", "counter",
		  "Records an output could not take (full buffer, write error, slow subscriber).");
	for (size_t i = 0; i < n; i++) {
		pipeline_sink_stats(p, i, &st);
		if (strcmp(st.name, "metrics") != 0)
			mw_u64(w, "sysguard_output_dropped_total", L("sink", st.name), st.dropped);
	}
}

static void render_control(struct mw *w, const struct control *c)
{
	struct control_stats cs;

	control_get_stats(c, &cs);
	mw_family(w, "sysguard_control_clients", "gauge",
		  "Open control socket connections, subscribers included.");
	mw_u64(w, "sysguard_control_clients", NULL, cs.clients);
	mw_family(w, "sysguard_subscribers", "gauge", "Clients subscribed to the event stream.");
	mw_u64(w, "sysguard_subscribers", NULL, cs.subscribers);
	mw_family(w, "sysguard_subscriber_events_total", "counter",
		  "Events queued to subscribers.");
	mw_u64(w, "sysguard_subscriber_events_total", NULL, cs.delivered);
	mw_family(w, "sysguard_subscriber_missed_total", "counter",
		  "Events dropped for subscribers that read too slowly.");
	mw_u64(w, "sysguard_subscriber_missed_total", NULL, cs.missed);
	mw_family(w, "sysguard_control_refused_total", "counter",
		  "Control connections refused (too many clients).");
	mw_u64(w, "sysguard_control_refused_total", NULL, cs.refused);
	mw_family(w, "sysguard_control_denied_total", "counter",
		  "Control commands refused with permission_denied.");
	mw_u64(w, "sysguard_control_denied_total", NULL, cs.denied);
}

static void render_enforce(struct mw *w, const struct enforce *e)
{
	size_t n = enforce_count(e);
	char text[512];

	mw_family(w, "sysguard_block_rules", "gauge", "Network block rules in force.");
	mw_u64(w, "sysguard_block_rules", NULL, n);
	if (n > METRICS_BLOCK_RULES_MAX)
		return; /* too many series; 'sysguardctl block list' has them */
	mw_family(w, "sysguard_block_hits_total", "counter",
		  "Connections and binds a block rule refused.");
	for (size_t i = 0; i < n; i++) {
		const struct enforce_rule *r = enforce_get(e, i);

		if (!r || enforce_rule_format(r, text, sizeof(text)) < 0)
			continue;
		mw_u64(w, "sysguard_block_hits_total", L("rule", text, "source", r->source),
		       enforce_hits(e, r->slot));
	}
}

static void render(struct mw *w, struct metrics *m, const struct metrics_sources *src)
{
	const struct pipeline *pipe = SRC(src, pipe);
	const struct kernel *k = SRC(src, kernel);
	const struct control *c = SRC(src, ctl);
	const struct enforce *e = SRC(src, enforce);
	const struct proctable *pt = SRC(src, pt);
	double start = m ? m->start_time : read_start_time();

	mw_family(w, "sysguard_build_info", "gauge", "The daemon's version; the value is 1.");
	mw_u64(w, "sysguard_build_info", L("version", src->version ? src->version : SG_VERSION), 1);
	if (start > 0) {
		mw_family(w, "process_start_time_seconds", "gauge",
			  "Start time of the process since the epoch in seconds.");
		mw_dbl(w, "process_start_time_seconds", NULL, start);
		mw_family(w, "sysguard_uptime_seconds", "gauge", "Seconds since the daemon started.");
		mw_dbl(w, "sysguard_uptime_seconds", NULL, now_real() - start);
	}
	if (pipe)
		render_pipeline(w, m, pipe);
	if (k && m)
		render_kernel(w, k);
	render_policy(w, SRC(src, policy));
	render_outputs(w, SRC(src, pipe));
	if (c)
		render_control(w, c);
	if (e)
		render_enforce(w, e);
	if (pt) {
		mw_family(w, "sysguard_process_table_entries", "gauge",
			  "Processes in the daemon's process table.");
		mw_u64(w, "sysguard_process_table_entries", NULL, proctable_count(pt));
		mw_family(w, "sysguard_process_table_evictions_total", "counter",
			  "Processes evicted from a full process table.");
		mw_u64(w, "sysguard_process_table_evictions_total", NULL, proctable_evictions(pt));
	}
}

int metrics_render(struct metrics *m, const struct metrics_sources *src, char *buf, size_t len)
{
	struct mw w = { .buf = buf, .cap = len };

	if (!len)
		return -ENOSPC;
	buf[0] = '\0';
	render(&w, m, src);
	if (w.full)
		return -ENOSPC;
	return (int)w.len;
}

/* Render into m->text, growing it up to METRICS_TEXT_MAX. Returns the length or -errno. */
static int render_own(struct metrics *m)
{
	for (;;) {
		int n;

		if (!m->text) {
			m->text = malloc(TEXT_INITIAL);
			if (!m->text)
				return -ENOMEM;
			m->text_cap = TEXT_INITIAL;
		}
		n = metrics_render(m, &m->src, m->text, m->text_cap);
		if (n != -ENOSPC)
			return n;
		if (m->text_cap >= METRICS_TEXT_MAX)
			return -EFBIG;
		{
			char *p = realloc(m->text, m->text_cap * 2);

			if (!p)
				return -ENOMEM;
			m->text = p;
			m->text_cap *= 2;
		}
	}
}

/* --- life cycle ------------------------------------------------------------------------------ */

struct metrics *metrics_new_detached(void)
{
	struct metrics *m = calloc(1, sizeof(*m));

	if (m) {
		m->start_time = read_start_time();
		m->emitted = m->own_emitted;
	}
	return m;
}

/* The render callback of the endpoints and the textfile. */
static int render_text(void *arg, const char **ret_text)
{
	struct metrics *m = arg;
	int n = render_own(m);

	if (n >= 0)
		*ret_text = m->text;
	return n;
}

struct metrics *metrics_new(struct event_base *base, const struct metrics_options *opts,
			    const struct metrics_sources *src)
{
	struct metrics *m;
	struct pipeline *pipe = SRC(src, pipe);
	int r = 0;

	m = metrics_new_detached();
	if (!m)
		return NULL;
	m->src = *src;
	if ((opts->socket && *opts->socket) || (opts->listen && *opts->listen)) {
		const struct metrics_http_opts ho = {
			.socket = opts->socket, .group = opts->group, .listen = opts->listen,
			.allow_remote = opts->allow_remote, .render = render_text, .arg = m,
			.log = opts->log,
		};

		m->http = metrics_http_new(base, &ho);
		if (!m->http) {
			r = -errno;
			goto fail;
		}
	}
	if (opts->textfile && *opts->textfile) {
		const struct metrics_textfile_opts to = {
			.path = opts->textfile, .interval_ms = opts->textfile_interval_ms,
			.render = render_text, .arg = m, .log = opts->log,
		};

		m->textfile = metrics_textfile_new(base, &to);
		if (!m->textfile) {
			r = -errno;
			goto fail;
		}
	}
	/* last: the pipeline owns the counting sink, which outlives m */
	if (pipe) {
		struct sink *s = metrics_sink_new(m);

		r = s ? pipeline_add_sink(pipe, s) : -ENOMEM;
		if (r < 0) {
			sink_free(s);
			m->emitted = m->own_emitted;
			goto fail;
		}
	}
	return m;
fail:
	metrics_free(m);
	errno = -r;
	return NULL;
}

void metrics_free(struct metrics *m)
{
	if (!m)
		return;
	metrics_textfile_free(m->textfile); /* the last values */
	metrics_http_free(m->http);
	free(m->text);
	free(m);
}
