// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Prometheus metrics: renders the counters the other modules keep as the text
 * exposition format 0.0.4, and serves them with evhttp (GET /metrics) on a
 * Unix socket and an optional loopback TCP port, and as a node_exporter
 * textfile written every few seconds (tmp + rename).  Rendering reads the
 * modules at scrape time into a bounded buffer; the event path costs one
 * array increment per emitted event (a counting sink of the pipeline).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <linux/bpf.h>
#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <event2/listener.h>
#include "control.h"
#include "enforce.h"
#include "journal.h"
#include "kernel.h"
#include "metrics.h"
#include "pipeline.h"
#include "policy.h"
#include "proctable.h"
#include "sink.h"
#include "usock.h"

#define TEXT_INITIAL (64u << 10)
#define TEXTFILE_INTERVAL_DEFAULT_MS 15000

/* Policy (re)loads: one daemon per process, so plain statics. */
static uint64_t reloads_ok, reloads_error;

struct metrics {
	struct metrics_sources src;
	struct metrics_options opts;
	struct usock sock;               /* the Unix socket, when have_sock */
	bool have_sock;
	char *textfile;
	struct event_base *base;
	struct evhttp *http;
	struct event *textfile_ev;
	int textfile_err;                /* last textfile errno, logged once per change */
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
	/* the kernel ring's consumer and producer pages, mapped read-only */
	void *ring_map;
	size_t ring_map_len;
	uint32_t ring_size;
	bool ring_failed;
};

#define LOG(m, prio, ...)                                  \
	do {                                               \
		if ((m)->opts.log)                         \
			(m)->opts.log(prio, __VA_ARGS__);  \
	} while (0)

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

/* Map the ring's consumer and producer pages read-only (once). */
static void ring_map(struct metrics *m, struct kernel *k)
{
	struct bpf_map_info info;
	__u32 len = sizeof(info);
	long page = sysconf(_SC_PAGESIZE);
	void *p;
	int fd;

	if (m->ring_map || m->ring_failed)
		return;
	m->ring_failed = true;
	fd = kernel_map_fd(k, "events");
	if (fd < 0)
		return;
	memset(&info, 0, sizeof(info));
	if (bpf_obj_get_info_by_fd(fd, &info, &len) < 0 || info.type != BPF_MAP_TYPE_RINGBUF)
		return;
	p = mmap(NULL, 2 * page, PROT_READ, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED) {
		LOG(m, LOG_DEBUG, "metrics: cannot map the ring's positions: %m");
		return;
	}
	m->ring_map = p;
	m->ring_map_len = 2 * page;
	m->ring_size = info.max_entries;
	m->ring_failed = false;
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

static void render_kernel(struct mw *w, struct metrics *m, struct kernel *k)
{
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
	ring_map(m, k);
	if (m->ring_map) {
		long page = sysconf(_SC_PAGESIZE);
		unsigned long cons = __atomic_load_n((unsigned long *)m->ring_map, __ATOMIC_ACQUIRE);
		unsigned long prod = __atomic_load_n((unsigned long *)((char *)m->ring_map + page),
						     __ATOMIC_ACQUIRE);

		mw_family(w, "sysguard_ring_buffer_size_bytes", "gauge",
			  "Size of the kernel ring buffer.");
		mw_u64(w, "sysguard_ring_buffer_size_bytes", NULL, m->ring_size);
		mw_family(w, "sysguard_ring_buffer_pending_bytes", "gauge",
			  "Bytes written by the kernel and not yet consumed by the daemon.");
		mw_u64(w, "sysguard_ring_buffer_pending_bytes", NULL, prod - cons);
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
	struct kernel *k = SRC(src, kernel);
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
		render_kernel(w, m, k);
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

/* --- HTTP ------------------------------------------------------------------------------------ */

static void on_request(struct evhttp_request *req, void *arg)
{
	struct metrics *m = arg;
	const struct evhttp_uri *uri = evhttp_request_get_evhttp_uri(req);
	const char *path = uri ? evhttp_uri_get_path(uri) : NULL;
	struct evkeyvalq *h = evhttp_request_get_output_headers(req);
	struct evbuffer *body;
	int n;

	if (!path || strcmp(path, "/metrics") != 0) {
		evhttp_add_header(h, "Content-Type", "text/plain; charset=utf-8");
		body = evbuffer_new();
		if (body)
			evbuffer_add_printf(body, "not found; the metrics are at /metrics\n");
		evhttp_send_reply(req, HTTP_NOTFOUND, "Not Found", body);
		if (body)
			evbuffer_free(body);
		return;
	}
	n = render_own(m);
	if (n < 0) {
		LOG(m, LOG_WARNING, "metrics: cannot render: %s", strerror(-n));
		evhttp_send_error(req, HTTP_INTERNAL, NULL);
		return;
	}
	body = evbuffer_new();
	if (!body || evbuffer_add(body, m->text, n) < 0) {
		evbuffer_free(body);
		evhttp_send_error(req, HTTP_INTERNAL, NULL);
		return;
	}
	evhttp_add_header(h, "Content-Type", "text/plain; version=0.0.4; charset=utf-8");
	evhttp_send_reply(req, HTTP_OK, "OK", body);
	evbuffer_free(body);
}

int metrics_parse_listen(const char *s, struct sockaddr_storage *ret, unsigned int *ret_len,
			 bool *ret_loopback)
{
	char host[64];
	const char *colon, *h = s, *hend;
	unsigned long port;
	char *end;

	if (!s)
		return -EINVAL;
	if (*s == '[') {
		hend = strchr(s, ']');
		if (!hend || hend[1] != ':')
			return -EINVAL;
		h = s + 1;
		colon = hend + 1;
	} else {
		colon = strrchr(s, ':');
		if (!colon)
			return -EINVAL;
		hend = colon;
	}
	if ((size_t)(hend - h) >= sizeof(host) || hend == h)
		return -EINVAL;
	memcpy(host, h, hend - h);
	host[hend - h] = '\0';
	if (colon[1] < '0' || colon[1] > '9')
		return -EINVAL;
	errno = 0;
	port = strtoul(colon + 1, &end, 10);
	if (errno || *end || port == 0 || port > 65535)
		return -EINVAL;

	memset(ret, 0, sizeof(*ret));
	if (*s != '[') {
		struct sockaddr_in *sin = (struct sockaddr_in *)ret;

		if (inet_pton(AF_INET, host, &sin->sin_addr) != 1)
			return -EINVAL;
		sin->sin_family = AF_INET;
		sin->sin_port = htons((uint16_t)port);
		*ret_len = sizeof(*sin);
		*ret_loopback = (ntohl(sin->sin_addr.s_addr) >> 24) == 127;
	} else {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ret;

		if (inet_pton(AF_INET6, host, &sin6->sin6_addr) != 1)
			return -EINVAL;
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons((uint16_t)port);
		*ret_len = sizeof(*sin6);
		*ret_loopback = IN6_IS_ADDR_LOOPBACK(&sin6->sin6_addr);
	}
	return 0;
}

static int bind_fd(struct metrics *m, int fd)
{
	struct evconnlistener *lev;

	lev = evconnlistener_new(m->base, NULL, NULL, LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC,
				 0 /* listening already */, fd);
	if (!lev)
		return -ENOMEM;
	if (!evhttp_bind_listener(m->http, lev)) {
		evconnlistener_free(lev);
		return -ENOMEM;
	}
	return 0;
}

static int listen_unix(struct metrics *m, const char *path, const char *group)
{
	const struct usock_opts o = {
		.path = path, .group = group, .who = "metrics", .backlog = 16, .log = m->opts.log,
	};
	int r;

	r = usock_listen(&o, &m->sock);
	if (r < 0)
		return r;
	m->have_sock = true;
	r = bind_fd(m, m->sock.fd);
	if (r < 0)
		close(m->sock.fd);
	return r;
}

static int listen_tcp(struct metrics *m, const char *addr, bool allow_remote)
{
	struct sockaddr_storage ss;
	unsigned int len;
	bool loopback;
	int fd, r, one = 1;

	if (metrics_parse_listen(addr, &ss, &len, &loopback) < 0) {
		LOG(m, LOG_ERR, "metrics: bad listen address '%s' (expected 127.0.0.1:PORT or "
		    "[::1]:PORT)", addr);
		return -EINVAL;
	}
	if (!loopback && !allow_remote) {
		LOG(m, LOG_ERR, "metrics: '%s' is not a loopback address; set "
		    "'metrics.allow_remote: true' to listen there", addr);
		return -EPERM;
	}
	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -errno;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&ss, len) < 0 || listen(fd, 16) < 0) {
		r = -errno;
		LOG(m, LOG_ERR, "metrics: cannot listen on '%s': %s", addr, strerror(-r));
		close(fd);
		return r;
	}
	r = bind_fd(m, fd);
	if (r < 0)
		close(fd);
	return r;
}

/* --- textfile -------------------------------------------------------------------------------- */

static int write_textfile(struct metrics *m)
{
	char tmp[4200];
	int fd, n, r = 0;
	size_t off = 0;

	n = render_own(m);
	if (n < 0)
		return n;
	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp", m->textfile) >= sizeof(tmp))
		return -ENAMETOOLONG;
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (fd < 0)
		return -errno;
	while (off < (size_t)n) {
		ssize_t w = write(fd, m->text + off, n - off);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			r = w < 0 ? -errno : -EIO;
			break;
		}
		off += w;
	}
	if (close(fd) < 0 && !r)
		r = -errno;
	if (!r && rename(tmp, m->textfile) < 0)
		r = -errno;
	if (r)
		unlink(tmp);
	return r;
}

static void on_textfile(evutil_socket_t fd, short what, void *arg)
{
	struct metrics *m = arg;
	int r = write_textfile(m);

	if (r < 0 && r != m->textfile_err)
		LOG(m, LOG_WARNING, "metrics: cannot write '%s': %s", m->textfile, strerror(-r));
	else if (r == 0 && m->textfile_err)
		LOG(m, LOG_INFO, "metrics: writing '%s' again", m->textfile);
	m->textfile_err = r;
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
	m->opts = *opts;
	m->base = base;
	/* strings of opts are the caller's; only the log and the flags are kept */
	m->opts.socket = m->opts.group = m->opts.listen = m->opts.textfile = NULL;
	if ((opts->socket && *opts->socket) || (opts->listen && *opts->listen)) {
		m->http = evhttp_new(base);
		if (!m->http) {
			r = -ENOMEM;
			goto fail;
		}
		evhttp_set_allowed_methods(m->http, EVHTTP_REQ_GET | EVHTTP_REQ_HEAD);
		evhttp_set_timeout(m->http, METRICS_HTTP_TIMEOUT_SEC);
		evhttp_set_max_headers_size(m->http, METRICS_HEADERS_MAX);
		evhttp_set_max_body_size(m->http, 0);
		evhttp_set_gencb(m->http, on_request, m);
	}
	if (opts->socket && *opts->socket) {
		r = listen_unix(m, opts->socket, opts->group);
		if (r < 0)
			goto fail;
	}
	if (opts->listen && *opts->listen) {
		r = listen_tcp(m, opts->listen, opts->allow_remote);
		if (r < 0)
			goto fail;
	}
	if (opts->textfile && *opts->textfile) {
		uint32_t ms = opts->textfile_interval_ms ? opts->textfile_interval_ms
							 : TEXTFILE_INTERVAL_DEFAULT_MS;
		struct timeval tv = { ms / 1000, (ms % 1000) * 1000 };

		m->textfile = strdup(opts->textfile);
		m->textfile_ev = m->textfile ? event_new(base, -1, EV_PERSIST, on_textfile, m) : NULL;
		if (!m->textfile_ev || event_add(m->textfile_ev, &tv) < 0) {
			r = -ENOMEM;
			goto fail;
		}
		r = write_textfile(m);
		if (r < 0) {
			LOG(m, LOG_ERR, "metrics: cannot write '%s': %s", m->textfile, strerror(-r));
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
	if (m->textfile_ev)
		event_free(m->textfile_ev);
	m->textfile_ev = NULL;
	metrics_free(m);
	errno = -r;
	return NULL;
}

void metrics_free(struct metrics *m)
{
	if (!m)
		return;
	if (m->textfile_ev) {
		on_textfile(-1, 0, m); /* the last values */
		event_free(m->textfile_ev);
	}
	if (m->http)
		evhttp_free(m->http);
	if (m->have_sock)
		usock_unlink(&m->sock);
	if (m->ring_map)
		munmap(m->ring_map, m->ring_map_len);
	free(m->textfile);
	free(m->text);
	free(m);
}
