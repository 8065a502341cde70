# SPDX-License-Identifier: GPL-2.0-or-later
"""The forwarding recipes of docs/forwarding.md, run as written (only paths
and the port are changed): a receiving rsyslog on 127.0.0.1 (imtcp, to a
file) and a forwarding rsyslog reading the real daemon's NDJSON file with
imfile; an alert must arrive as JSON with its fields, a 'log' event must
not.  Both rsyslog instances run in the foreground with their own
configuration, work directory and pid file.  The journal recipe (imjournal)
is only validated (rsyslogd -N1): journald does not run on this machine.
Also the jq recipes of the same document, over a real event file."""

import json
import os
import shutil
import signal
import socket
import subprocess
import time

import pytest

from conftest import REPO, free_port, need_root_bpf, probe_opens

RSYSLOGD = shutil.which("rsyslogd") or "/usr/sbin/rsyslogd"
JQ = shutil.which("jq") or "/usr/bin/jq"
EXAMPLES = os.path.join(REPO, "docs", "examples")
DOC = os.path.join(REPO, "docs", "forwarding.md")

POLICY = """version: 1
defaults: {action: allow}
rules:
  - {id: fwd-probe, events: [open], match: {file.path: {prefix: %s/probe-}}, action: alert, severity: high}
  - {id: marker, events: [exec], match: {proc.argv: {contains: sgmark-}}, action: log}
"""


def need_rsyslog():
    if not os.path.exists(RSYSLOGD):
        pytest.skip("rsyslogd is absent (Debian package 'rsyslog')")


def example(name, subst):
    with open(os.path.join(EXAMPLES, name)) as f:
        text = f.read()
    for old, new in subst.items():
        assert old in text, "%s no longer holds %r" % (name, old)
        text = text.replace(old, new)
    return text


def instance_conf(dirname, *parts):
    """A master configuration: work directory, message size, then the recipe files."""
    os.makedirs(os.path.join(dirname, "work"), exist_ok=True)
    conf = os.path.join(dirname, "rsyslog.conf")
    with open(conf, "w") as f:
        f.write('global(workDirectory="%s" maxMessageSize="64k")\n' % os.path.join(dirname, "work"))
        for i, text in enumerate(parts):
            part = os.path.join(dirname, "part%d.conf" % i)
            with open(part, "w") as p:
                p.write(text)
            f.write('include(file="%s")\n' % part)
    return conf


class Rsyslog:
    def __init__(self, dirname, conf):
        self.dir = dirname
        self.log = open(os.path.join(dirname, "rsyslogd.log"), "w")
        check = subprocess.run([RSYSLOGD, "-N1", "-f", conf], capture_output=True, text=True,
                               timeout=60)
        assert check.returncode == 0, "rsyslogd -N1 %s:\n%s" % (conf, check.stderr)
        self.proc = subprocess.Popen([RSYSLOGD, "-n", "-f", conf, "-i",
                                      os.path.join(dirname, "rsyslogd.pid")],
                                     stdout=self.log, stderr=subprocess.STDOUT)

    def output(self):
        with open(os.path.join(self.dir, "rsyslogd.log")) as f:
            return f.read()[-3000:]

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()


def wait_port(port, proc, timeout=20):
    deadline = time.monotonic() + timeout
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            pass
        assert proc.proc.poll() is None, "receiver exited:\n" + proc.output()
        assert time.monotonic() < deadline, "receiver not listening:\n" + proc.output()
        time.sleep(0.1)


def test_rsyslog_ndjson_forward(daemon_factory, tmp):
    need_root_bpf()
    need_rsyslog()
    policy = os.path.join(tmp, "policy.yaml")
    with open(policy, "w") as f:
        f.write(POLICY % tmp)
    d = daemon_factory(policy=policy)

    port = free_port()
    recv_dir, fwd_dir = os.path.join(tmp, "recv"), os.path.join(tmp, "fwd")
    received = os.path.join(recv_dir, "out", "events.json")
    json_tpl = example("rsyslog-sysguard-json.conf", {})
    rconf = instance_conf(recv_dir, example("rsyslog-receiver.conf", {
        'Port="10514"': 'Port="%d"' % port,
        "/var/log/sysguard-remote/events.json": received}))
    fconf = instance_conf(fwd_dir, json_tpl, example("rsyslog-ndjson-forward.conf", {
        'Port="10514"': 'Port="%d"' % port,
        "/var/log/sysguard/events.ndjson": d.out}))
    receiver = Rsyslog(recv_dir, rconf)
    forwarder = None
    try:
        wait_port(port, receiver)
        forwarder = Rsyslog(fwd_dir, fconf)
        mark = d.marker()               # an exec judged 'log': must not be forwarded
        probe = probe_opens(tmp, 1)[0]
        ev = d.wait_for(lambda e: e["type"] == "open" and e.get("rule") == "fwd-probe"
                        and e["file"]["path"] == probe, what="the alert",
                        needle=os.path.basename(probe))

        deadline = time.monotonic() + 30
        got = None
        while got is None:
            lines = []
            if os.path.exists(received):
                with open(received) as f:
                    lines = [l for l in f.read().splitlines() if l]
            for l in lines:
                if json.loads(l).get("path") == probe:  # rsyslog writes "/" as "\/"
                    got = l
            assert forwarder.proc.poll() is None, "forwarder exited:\n" + forwarder.output()
            assert time.monotonic() < deadline, "no forwarded alert; received %r\n%s\n%s" % (
                lines[-5:], forwarder.output(), receiver.output())
            time.sleep(0.2)

        rec = json.loads(got)
        assert rec["type"] == "open" and rec["action"] == "alert", rec
        assert rec["rule"] == "fwd-probe" and rec["severity"] == "high", rec
        assert rec["path"] == probe
        assert rec["pid"] == os.getpid() == ev["proc"]["pid"], rec
        assert rec["uid"] == 0 and rec["ppid"] == ev["proc"]["ppid"], rec
        assert rec["comm"] == ev["proc"]["comm"] and rec["exe"] == ev["proc"]["exe"], rec
        assert rec["seq"] == ev["seq"] and rec["time"] == ev["time"], rec
        assert rec["host"], rec
        assert rec["daddr"] == "" and rec["dport"] is None, rec
        # everything that arrived is an alert or a block; the marker is not there
        for l in lines:
            assert json.loads(l)["action"] in ("alert", "block"), l
            assert mark not in json.dumps(json.loads(l))
    finally:
        if forwarder:
            forwarder.stop()
        receiver.stop()


def test_rsyslog_journal_recipe_validates(tmp):
    """imjournal needs a running journald, absent here: syntax and modules only."""
    need_rsyslog()
    conf = instance_conf(tmp, example("rsyslog-sysguard-json.conf", {}),
                         example("rsyslog-journal-forward.conf", {}))
    p = subprocess.run([RSYSLOGD, "-N1", "-f", conf], capture_output=True, text=True, timeout=60)
    assert p.returncode == 0, p.stderr
    # every SYSGUARD_ field the recipe reads is one the daemon writes
    with open(os.path.join(EXAMPLES, "rsyslog-journal-forward.conf")) as f:
        used = set(w for w in f.read().replace(";", " ").split() if w.startswith("$!SYSGUARD_"))
    src = ""
    for name in ("journal.c", "ev_file.c", "ev_net.c", "ev_proc.c"):
        with open(os.path.join(REPO, "sysguardd", name)) as f:
            src += f.read()
    for field in used:
        assert '"%s"' % field[2:] in src, "%s is not a journal field" % field


def jq(filt, path, *args):
    p = subprocess.run([JQ, "-c"] + list(args) + [filt, path], capture_output=True, text=True,
                       timeout=60)
    assert p.returncode == 0, p.stderr
    return [json.loads(l) for l in p.stdout.splitlines()]


def test_jq_recipes(daemon_factory, tmp):
    """The jq filters of docs/forwarding.md, as written there, over a real file."""
    need_root_bpf()
    if not os.path.exists(JQ):
        pytest.skip("jq is absent (Debian package 'jq')")
    with open(DOC) as f:
        doc = f.read()
    since_f = 'select(.action == "alert" and .time >= $since)'
    rule_f = 'select(.rule == $rule)'
    pid_f = 'select(.proc.pid == $pid or .proc.ppid == $pid)'
    count_f = '[.[] | select(.rule)] | group_by(.rule) | map({rule: .[0].rule, n: length})'
    tsv_f = ("""select((.action == "alert" or .action == "block") and .time >= $since)
   | [.time, .action, .rule, .proc.comm, .proc.pid, (.file.path // .exec.filename // .net.addr // "")]
   | @tsv""")
    for f in (since_f, rule_f, pid_f, count_f, tsv_f):
        assert f in doc, "docs/forwarding.md lost the recipe %r" % f

    policy = os.path.join(tmp, "policy.yaml")
    with open(policy, "w") as f:
        f.write(POLICY % tmp)
    d = daemon_factory(policy=policy)
    t0 = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(time.time() - 1))
    probes = probe_opens(tmp, 2)
    d.marker()

    out = jq(since_f, d.out, "--arg", "since", t0)
    assert sorted(e["file"]["path"] for e in out if e["type"] == "open") == sorted(probes)
    assert jq(since_f, d.out, "--arg", "since", "2999-01-01") == []
    out = jq(rule_f, d.out, "--arg", "rule", "fwd-probe")
    assert len(out) == 2 and all(e["rule"] == "fwd-probe" for e in out)
    out = jq(pid_f, d.out, "--argjson", "pid", str(os.getpid()))
    assert {e["file"]["path"] for e in out if e["type"] == "open"} == set(probes)
    counts = jq(count_f, d.out, "-s")[0]
    assert {"rule": "fwd-probe", "n": 2} in counts, counts
    p = subprocess.run([JQ, "-r", "--arg", "since", t0, tsv_f, d.out], capture_output=True,
                       text=True, timeout=60)
    assert p.returncode == 0, p.stderr
    rows = [l.split("\t") for l in p.stdout.splitlines()]
    assert sorted(r[5] for r in rows) == sorted(probes), rows
    assert all(r[1] == "alert" and r[2] == "fwd-probe" and r[4] == str(os.getpid()) for r in rows)
