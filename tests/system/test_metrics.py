# SPDX-License-Identifier: GPL-2.0-or-later
"""Prometheus metrics end to end: the real daemon serving GET /metrics on a
loopback TCP port and on a Unix socket, and writing a node_exporter textfile;
opens of files an 'alert' rule matches must move the counters.  Then a real
Prometheus server (Debian's, unpacked by make test-deps) scrapes the daemon every
second and its HTTP API must show sysguard_events_total rising after the
action.  Everything listens on 127.0.0.1 only."""

import http.client
import json
import os
import re
import shutil
import socket
import stat
import subprocess
import time
import urllib.parse
import urllib.request

import pytest

from conftest import REPO, SYSGUARDD, base_config, free_port, listener, need_root_bpf, probe_opens

# make test-deps unpacks the two programs from Debian's package into PROM_DIR
# (Makefile: the package is not installed, its service never runs); else PATH.
PROM_DIR = os.environ.get("PROM_DIR", "/var/cache/sysguard-tests/prometheus")


def _prom_program(name):
    path = os.path.join(PROM_DIR, name)
    return path if os.access(path, os.X_OK) else shutil.which(name) or "/usr/bin/" + name


PROMETHEUS = _prom_program("prometheus")
PROMTOOL = _prom_program("promtool")

POLICY = """version: 1
defaults: {action: allow}
rules:
  - {id: metrics-probe, events: [open], match: {file.path: {prefix: %s/probe-}}, action: alert}
  - {id: marker, events: [exec], match: {proc.argv: {contains: sgmark-}}, action: log}
"""

SAMPLE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*(?:\{.*\})?) (\S+)$')


def parse(text):
    """{'name{labels}': value} of every sample; comments must be HELP or TYPE."""
    out = {}
    for line in text.splitlines():
        if line.startswith("#"):
            assert line.startswith("# HELP ") or line.startswith("# TYPE "), line
            continue
        m = SAMPLE.match(line)
        assert m, "not a sample line: %r" % line
        out[m.group(1)] = float(m.group(2))
    return out


def http_get(port, path="/metrics", method="GET"):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        c.request(method, path)
        r = c.getresponse()
        return r.status, r.getheader("Content-Type"), r.read().decode()
    finally:
        c.close()


def unix_get(path, url="/metrics"):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(10)
    s.connect(path)
    s.sendall(("GET %s HTTP/1.0\r\nHost: localhost\r\n\r\n" % url).encode())
    data = b""
    while True:
        chunk = s.recv(65536)
        if not chunk:
            break
        data += chunk
    s.close()
    head, _, body = data.partition(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    return status, body.decode()


def promtool_check(text):
    """The metrics linter of Prometheus itself, when installed."""
    if not os.path.exists(PROMTOOL):
        return
    p = subprocess.run([PROMTOOL, "check", "metrics"], input=text, capture_output=True,
                       text=True, timeout=60)
    assert p.returncode == 0, "promtool check metrics:\n%s%s" % (p.stdout, p.stderr)


def start_daemon(daemon_factory, tmp, metrics_yaml):
    policy = os.path.join(tmp, "policy.yaml")
    with open(policy, "w") as f:
        f.write(POLICY % tmp)
    conf = os.path.join(tmp, "sysguard.yaml")
    with open(conf, "w") as f:
        f.write(base_config(tmp) + metrics_yaml)
    return daemon_factory(policy=policy, config=conf)


def wait_alerts(d, paths):
    for p in paths:
        d.wait_for(lambda e: e["type"] == "open" and e.get("rule") == "metrics-probe"
                   and e["file"]["path"] == p, what="alert on " + p, needle=os.path.basename(p))


ALERT = 'sysguard_events_total{type="open",action="alert"}'
HITS = 'sysguard_rule_hits_total{rule="metrics-probe"}'


def test_metrics_tcp_unix_textfile(daemon_factory, tmp):
    need_root_bpf()
    port = free_port()
    sock = os.path.join(tmp, "metrics.sock")
    prom = os.path.join(tmp, "textfile", "sysguard.prom")
    os.mkdir(os.path.dirname(prom))
    d = start_daemon(daemon_factory, tmp,
                     "metrics:\n  socket: %s\n  listen: 127.0.0.1:%d\n  textfile: %s\n"
                     "  textfile_interval: 1s\n" % (sock, port, prom))

    status, ctype, text = http_get(port)
    assert status == 200 and ctype.startswith("text/plain; version=0.0.4"), (status, ctype)
    promtool_check(text)
    before = parse(text)
    for key in (ALERT, HITS, 'sysguard_build_info{version="0.1.0"}',
                'sysguard_kernel_events_total{type="open"}',
                'sysguard_kernel_drops_total{type="open"}',
                'sysguard_kernel_filtered_total{type="open"}',
                'sysguard_events_received_total{type="open"}',
                'sysguard_output_written_total{sink="ndjson"}',
                'sysguard_output_dropped_total{sink="ndjson"}',
                'sysguard_policy_reloads_total{result="ok"}',
                "sysguard_subscriber_missed_total", "sysguard_process_table_entries",
                "process_start_time_seconds", "sysguard_uptime_seconds",
                "sysguard_ring_buffer_size_bytes", "sysguard_ring_buffer_pending_bytes"):
        assert key in before, "%s missing:\n%s" % (key, text)
    assert before["sysguard_ring_buffer_size_bytes"] == 4 << 20
    assert abs(before["process_start_time_seconds"] - time.time()) < 300

    paths = probe_opens(tmp, 3)
    wait_alerts(d, paths)
    after = parse(http_get(port)[2])
    assert after[ALERT] >= before[ALERT] + 3, (before[ALERT], after[ALERT])
    assert after[HITS] >= before[HITS] + 3, (before[HITS], after[HITS])
    assert after['sysguard_output_written_total{sink="ndjson"}'] > \
        before['sysguard_output_written_total{sink="ndjson"}']
    assert after['sysguard_kernel_events_total{type="open"}'] >= \
        before['sysguard_kernel_events_total{type="open"}'] + 3

    # the same over the Unix socket, which is 0660
    st = os.stat(sock)
    assert stat.S_ISSOCK(st.st_mode) and stat.S_IMODE(st.st_mode) == 0o660
    status, text = unix_get(sock)
    assert status == 200
    assert parse(text)[HITS] >= after[HITS]

    # only GET /metrics
    assert http_get(port, "/")[0] == 404
    assert http_get(port, "/metrics/x")[0] == 404
    assert unix_get(sock, "/other")[0] == 404
    assert http_get(port, "/metrics", "HEAD")[0] == 200
    assert http_get(port, "/metrics", "POST")[0] in (405, 501)

    # the textfile: rewritten every second, atomically, and parses
    deadline = time.monotonic() + 10
    while True:
        if os.path.exists(prom):
            with open(prom) as f:
                text = f.read()
            vals = parse(text)
            if vals.get(HITS, 0) >= after[HITS]:
                break
        assert time.monotonic() < deadline, "textfile '%s' did not show the hits" % prom
        time.sleep(0.2)
    promtool_check(text)
    assert os.listdir(os.path.dirname(prom)) == ["sysguard.prom"]

    assert d.stop() == 0
    assert not os.path.exists(sock), "the metrics socket is left behind"
    assert os.path.exists(prom)
    assert os.listdir(os.path.dirname(prom)) == ["sysguard.prom"]


def test_metrics_refuses_remote_listen(tmp):
    need_root_bpf()
    conf = os.path.join(tmp, "sysguard.yaml")
    with open(conf, "w") as f:
        f.write(base_config(tmp) + "metrics:\n  listen: 0.0.0.0:%d\n" % free_port())
    p = subprocess.run([SYSGUARDD, "--foreground", "--config", conf, "--output",
                        os.path.join(tmp, "ev.ndjson"), "--socket", os.path.join(tmp, "s.sock")],
                       capture_output=True, text=True, timeout=60)
    assert p.returncode != 0
    assert "is not a loopback address" in p.stderr, p.stderr


def prom_query(pport, query):
    url = "http://127.0.0.1:%d/api/v1/query?%s" % (pport, urllib.parse.urlencode({"query": query}))
    try:
        with urllib.request.urlopen(url, timeout=5) as r:
            res = json.load(r)
    except OSError:
        return None
    if res.get("status") != "success" or not res["data"]["result"]:
        return None
    return float(res["data"]["result"][0]["value"][1])


def wait_query(prom, pport, query, pred, what, timeout=60):
    deadline = time.monotonic() + timeout
    while True:
        v = prom_query(pport, query)
        if v is not None and pred(v):
            return v
        assert prom.poll() is None, "prometheus exited:\n" + prom_log(prom)
        assert time.monotonic() < deadline, "timed out waiting for %s (last %r):\n%s" \
            % (what, v, prom_log(prom))
        time.sleep(0.5)


def prom_log(prom):
    try:
        with open(prom.log_path) as f:
            return f.read()[-4000:]
    except OSError:
        return ""


def test_prometheus_scrapes_daemon(daemon_factory, tmp):
    need_root_bpf()
    if not os.path.exists(PROMETHEUS):
        pytest.skip("the prometheus binary is absent (make test-deps)")
    port, pport = free_port(), free_port()
    d = start_daemon(daemon_factory, tmp, "metrics:\n  listen: 127.0.0.1:%d\n" % port)

    pdir = os.path.join(tmp, "prometheus")
    os.mkdir(pdir)
    pconf = os.path.join(pdir, "prometheus.yml")
    with open(pconf, "w") as f:
        f.write("global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\n"
                "rule_files: ['%s']\n"
                % os.path.join(REPO, "docs", "examples", "prometheus-rules.yml") +
                "scrape_configs:\n  - job_name: sysguard\n    scrape_interval: 1s\n"
                "    static_configs:\n      - targets: ['127.0.0.1:%d']\n" % port)
    log_path = os.path.join(pdir, "prometheus.log")
    with open(log_path, "w") as log:
        prom = subprocess.Popen([PROMETHEUS, "--config.file=" + pconf,
                                 "--storage.tsdb.path=" + os.path.join(pdir, "data"),
                                 "--web.listen-address=127.0.0.1:%d" % pport],
                                stdout=log, stderr=subprocess.STDOUT, cwd=pdir)
    prom.log_path = log_path
    try:
        q = 'sysguard_events_total{job="sysguard",type="open",action="alert"}'
        wait_query(prom, pport, 'up{job="sysguard"}', lambda v: v == 1, "the target up")
        v0 = wait_query(prom, pport, q, lambda v: v >= 0, "sysguard_events_total")
        paths = probe_opens(tmp, 3)
        wait_alerts(d, paths)
        v1 = wait_query(prom, pport, q, lambda v: v >= v0 + 3, "the alert counter to rise")
        assert v1 >= v0 + 3
        hits = wait_query(prom, pport, 'sysguard_rule_hits_total{rule="metrics-probe"}',
                          lambda v: v >= 3, "the rule hits")
        assert hits >= 3
        # the alerting rule of docs/examples/prometheus-rules.yml fires
        wait_query(prom, pport, 'ALERTS{alertname="SysguardAlerts",type="open",'
                   'alertstate="firing"}', lambda v: v == 1, "the SysguardAlerts rule")
    finally:
        prom.terminate()
        try:
            prom.wait(30)
        except subprocess.TimeoutExpired:
            prom.kill()
            prom.wait()


def test_metrics_endpoint_in_use(tmp):
    """A configured endpoint that cannot be opened stops the start, with the reason."""
    need_root_bpf()
    busy = listener()
    notsock = os.path.join(tmp, "file.sock")
    with open(notsock, "w") as f:
        f.write("not a socket")
    try:
        for metrics, why in (("listen: 127.0.0.1:%d" % busy.getsockname()[1], "cannot listen on"),
                             ("socket: %s" % notsock, "is not a socket")):
            conf = os.path.join(tmp, "sysguard.yaml")
            with open(conf, "w") as f:
                f.write(base_config(tmp) + "metrics:\n  %s\n" % metrics)
            p = subprocess.run([SYSGUARDD, "--foreground", "--config", conf, "--output",
                                os.path.join(tmp, "ev.ndjson"), "--socket",
                                os.path.join(tmp, "s.sock")],
                               capture_output=True, text=True, timeout=120)
            assert p.returncode == 1, p.stderr
            assert why in p.stderr and "cannot start the metrics endpoints" in p.stderr, p.stderr
            assert "ready:" not in p.stderr
        with open(notsock) as f:
            assert f.read() == "not a socket"
    finally:
        busy.close()
