# SPDX-License-Identifier: GPL-2.0-or-later
"""Output faults and log rotation, with the real daemon: a full file system
(a 1 MiB tmpfs the test mounts), an output file deleted or renamed away, a
stdout pipe whose reader is gone, a journal that is not there, and rotation
by the real logrotate.  In every case each line of the output is whole JSON,
and what a sink wrote plus what it counted as dropped is what the pipeline
emitted, exactly."""

import errno
import json
import os
import subprocess
import time

import pytest

from conftest import (SYSGUARDCTL, Daemon, _validator, ctl, flood, flood_policy, need_root_bpf,
                      status, wait_until)


def sink(st, name):
    for s in st["sinks"]:
        if s["name"] == name:
            return s
    raise AssertionError("no sink %r in %s" % (name, st["sinks"]))


def emitted(st):
    return sum(e["emitted"] for e in st["events"].values())


def settled(d, timeout=15):
    """The status once the ndjson sink has nothing queued and its counts stop
    moving (two reads a tick apart agree)."""
    def quiet():
        a = status(d)
        time.sleep(1.2)
        b = status(d)
        sa, sb = sink(a, "ndjson"), sink(b, "ndjson")
        if (sb["queued"] == 0 and not sb["failing"] and sa["written"] == sb["written"]
                and sa["dropped"] == sb["dropped"] and emitted(a) == emitted(b)):
            return b
        return None
    return wait_until(quiet, timeout, "the output to settle")


def check_lines(paths):
    """Every line of every file is a whole JSON object valid against the schema."""
    v = _validator()
    n = 0
    for p in paths:
        with open(p, "rb") as f:
            data = f.read()
        assert data == b"" or data.endswith(b"\n"), "%s ends inside a line" % p
        for raw in data.split(b"\n")[:-1]:
            ev = json.loads(raw)  # raises on a torn line
            if v is not None:
                errs = list(v.iter_errors(ev))
                assert not errs, (raw[:200], errs[0].message)
            n += 1
    return n


@pytest.fixture
def tmpfs(tmp):
    """A 1 MiB tmpfs on a temporary directory, unmounted afterwards."""
    if os.geteuid() != 0:
        pytest.skip("needs root (mounts a tmpfs)")
    mnt = os.path.join(tmp, "small")
    os.mkdir(mnt)
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m,mode=0700", "tmpfs", mnt],
                   check=True)
    try:
        yield mnt
    finally:
        if subprocess.run(["umount", mnt]).returncode != 0:
            subprocess.run(["umount", "-l", mnt])


def fill(path):
    """Write until the file system has no byte left."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_CLOEXEC, 0o600)
    try:
        for size in (65536, 4096, 512, 64, 1):
            while True:
                try:
                    if os.write(fd, b"\0" * size) < size:
                        break
                except OSError as e:
                    if e.errno != errno.ENOSPC:
                        raise
                    break
    finally:
        os.close(fd)


def test_full_file_system(daemon_factory, tmp, tmpfs):
    """ENOSPC: no torn line, every line not written counted (status and a
    drop event once there is room), and writing resumes by itself."""
    need_root_bpf()
    n = 20000
    pol, target = flood_policy(tmp)
    d = daemon_factory(policy=pol, start=False)
    d.out = os.path.join(tmpfs, "events.ndjson")
    d.start()
    try:
        filler = os.path.join(tmpfs, "filler")
        fill(filler)
        # leave two pages: the next write of the output stops inside a line
        os.truncate(filler, os.path.getsize(filler) - 10000)
        flood(target, n)
        st = wait_until(lambda: (lambda s: s if s["events"]["open"]["emitted"]
                                 >= n - s["drops"]["open"] else None)(status(d)),
                        30, "the flood to be emitted")
        out = sink(st, "ndjson")
        assert out["dropped"] > 0, out
        assert out["failing"] and out["last_error"] == os.strerror(errno.ENOSPC), out
        assert st["drops"]["output"] == out["dropped"]
        # nothing on disk is torn while the file system is full
        check_lines([d.out])

        os.unlink(filler)
        d.wait_for(lambda e: e["type"] == "drop" and e["drop"]["where"] == "output",
                   needle='"where":"output"', timeout=15, what="a drop report for the output")
        seq = int(ctl(d, "mark", "after the flood").stdout)
        d.wait_for(lambda e: e["type"] == "mark" and e["seq"] == seq, needle='"mark"',
                   what="the marker written after space came back")

        def reported_all():
            s = settled(d)
            o = sink(s, "ndjson")
            d.read()
            reports = [json.loads(r) for r in d.lines if b'"where":"output"' in r]
            if sum(r["drop"]["total"] for r in reports) != o["dropped"]:
                return None
            return s, o, reports
        st, out, reports = wait_until(reported_all, 20, "every output loss to be reported")
        lines = check_lines([d.out])
        print("full file system: emitted %d, written %d, dropped %d, %d drop reports"
              % (emitted(st), out["written"], out["dropped"], len(reports)))
        assert out["written"] + out["dropped"] == emitted(st)
        assert lines == out["written"]
        # per type: the flood's opens are written or reported lost, each one
        d.read()
        delivered = sum(1 for r in d.lines if b'"type":"open"' in r)
        lost = sum(r["drop"]["lost"].get("open", 0) for r in reports)
        assert delivered + lost + st["drops"]["open"] == n, (delivered, lost, st["drops"])
    finally:
        assert d.stop() == 0


def test_output_deleted_or_renamed(daemon):
    """A deleted or renamed output is reopened at its path on a timer, with
    no signal; lines before the rename stay in the renamed file."""
    d = daemon
    d.marker()
    os.unlink(d.out)
    d.reset_output()
    wait_until(lambda: os.path.exists(d.out), 5, "the deleted output to be created again")
    seq = int(ctl(d, "mark", "after delete").stdout)
    d.wait_for(lambda e: e["type"] == "mark" and e["seq"] == seq, needle='"mark"', timeout=10,
               what="the marker in the new file")

    old = d.out + ".old"
    os.rename(d.out, old)
    d.reset_output()
    wait_until(lambda: os.path.exists(d.out), 5, "the renamed output to be created again")
    seq2 = int(ctl(d, "mark", "after rename").stdout)
    d.wait_for(lambda e: e["type"] == "mark" and e["seq"] == seq2, needle='"mark"', timeout=10,
               what="the marker in the file at the path again")
    with open(old, "rb") as f:
        assert b'"after delete"' in f.read()
    st = status(d)
    assert sink(st, "ndjson")["reopens"] == 2
    assert sink(st, "ndjson")["dropped"] == 0
    check_lines([old, d.out])


def test_stdout_reader_gone(tmp):
    """EPIPE on stdout: counted as dropped, the daemon goes on."""
    need_root_bpf()
    pol, target = flood_policy(tmp)
    d = Daemon(tmp, args=["--output", "-"], policy=pol)
    try:
        d.start(stdout=subprocess.PIPE)
        d.proc.stdout.close()  # the reader goes away
        flood(target, 100)
        for i in range(3):
            ctl(d, "mark", "nobody reads this %d" % i)

        def lost():
            s = status(d)
            o = sink(s, "ndjson")
            return (s, o) if o["dropped"] >= 103 and o["queued"] == 0 else None
        st, out = wait_until(lost, 10, "the lines to be counted as dropped")
        assert d.proc.poll() is None, "sysguardd died:\n" + d.stderr()
        assert out["path"] == "-" and out["failing"]
        assert out["last_error"] == os.strerror(errno.EPIPE)
        assert out["written"] + out["dropped"] == emitted(st)
        assert st["drops"]["output"] == out["dropped"]
    finally:
        assert d.stop() == 0, d.stderr()
        d.cleanup()


@pytest.mark.skipif(os.path.exists("/run/systemd/journal/socket"),
                    reason="a journal is running here: this test needs it absent")
def test_journal_absent(daemon_factory, tmp, monkeypatch):
    """Under a service manager with no journald: every entry the journal
    sink could not send is counted and reported; nothing else changes."""
    need_root_bpf()
    pol, target = flood_policy(tmp, action="alert")
    # a service manager that is not there either: notifications fail quietly
    monkeypatch.setenv("NOTIFY_SOCKET", os.path.join(tmp, "no-notify.sock"))
    d = daemon_factory(policy=pol)
    monkeypatch.delenv("NOTIFY_SOCKET")
    flood(target, 10)
    d.wait_for(lambda e: e["type"] == "drop" and e["drop"]["where"] == "journal",
               needle='"where":"journal"', timeout=10, what="a drop report for the journal")
    st = status(d)
    j = sink(st, "journal")
    assert j["written"] == 0 and j["dropped"] >= 11, j  # the policy event and 10 alerts
    assert j["failing"] and j["last_error"] is not None
    assert st["journal"]["failed"] == j["dropped"] and st["journal"]["sent"] == 0
    # the output is unaffected
    assert sink(st, "ndjson")["dropped"] == 0
    assert sum(1 for e in d.events if e["type"] == "open" and e["action"] == "alert") == 10


def test_logrotate(daemon_factory, tmp):
    """100,000 events while the real logrotate rotates the output twice
    (rename, then `sysguardctl output reopen`): every line is whole JSON, and
    the lines in all files are the events emitted."""
    need_root_bpf()
    logrotate = "/usr/sbin/logrotate"
    if not os.path.exists(logrotate):
        pytest.skip("logrotate is not installed (make test-deps)")
    n = 100000
    pol, target = flood_policy(tmp)
    d = daemon_factory(policy=pol)
    conf = os.path.join(tmp, "logrotate.conf")
    with open(conf, "w") as f:
        f.write("%s {\n    rotate 5\n    nocompress\n    missingok\n    postrotate\n"
                "        %s --socket %s output reopen\n    endscript\n}\n"
                % (d.out, SYSGUARDCTL, d.socket))
    state = os.path.join(tmp, "logrotate.state")
    code = ("import os, sys, time\n"
            "for i in range(%d):\n"
            "    os.close(os.open(%r, os.O_RDONLY))\n"
            "    if i %% 100 == 99:\n"
            "        time.sleep(0.001)\n"
            "    if i %% 1000 == 999:\n"
            "        print(i + 1, flush=True)\n" % (n, target))
    p = subprocess.Popen(["/usr/bin/python3", "-c", code], stdout=subprocess.PIPE, text=True)
    rotations = 0
    for line in p.stdout:
        done = int(line)
        if rotations < 2 and done >= (rotations + 1) * n // 3:
            r = subprocess.run([logrotate, "-f", "-s", state, conf], capture_output=True,
                               text=True)
            assert r.returncode == 0, r.stdout + r.stderr
            rotations += 1
    assert p.wait() == 0
    assert rotations == 2
    d.reset_output()
    st = wait_until(lambda: (lambda s: s if s["events"]["open"]["emitted"] + s["drops"]["open"]
                             >= n else None)(status(d)), 30, "the flood to be emitted")
    st = settled(d)
    out = sink(st, "ndjson")
    files = [d.out, d.out + ".1", d.out + ".2"]
    assert all(os.path.exists(f) for f in files), os.listdir(tmp)
    lines = check_lines(files)
    opens = 0
    for fn in files:
        with open(fn, "rb") as f:
            opens += sum(1 for r in f if b'"type":"open"' in r)
    print("logrotate: %d lines in %d files, emitted %d, %d opens, ring drops %d, reopens %d"
          % (lines, len(files), emitted(st), opens, st["drops"]["open"], out["reopens"]))
    assert out["dropped"] == 0
    assert lines == emitted(st) == out["written"]
    assert opens + st["drops"]["open"] == n
    assert out["reopens"] >= 2  # the tick may notice a rename before logrotate asks
