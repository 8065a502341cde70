# SPDX-License-Identifier: GPL-2.0-or-later
"""Correlation rules in the real daemon, on real activity: the default
policy's three (a loopback port scan, a burst of refused credential reads,
a file written and then run) and the Sigma correlations of
tests/sigma/correlations/ (event_count and temporal), each alerting when
its threshold is reached and quiet below it.  One daemon for the module:
the shipped default policy plus those Sigma files, from a policy directory.
Groups never overlap between tests (each uses its own processes, users or
files), so the windows of one test do not reach into another's."""

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import uuid

import pytest

from conftest import (DEFAULT_POLICY, REPO, SYSGUARDD, Daemon, check_exit, matched_rules,
                      need_root_bpf, policy_engine_built, status)

CORRELATIONS = os.path.join(REPO, "tests", "sigma", "correlations")
COUNT_ID = "sigma:dbb82058-d7b2-4160-b865-88eef4357527"
COUNT_BASE = "sigma:5c26a998-665c-4b27-9464-c75ffb53f883"
TEMPORAL_ID = "sigma:c888f641-2736-4092-bc19-52636e88b657"
NOBODY = 65534


@pytest.fixture(scope="module")
def dm():
    need_root_bpf()
    policy_engine_built()
    d = os.path.realpath(tempfile.mkdtemp(prefix="sgtest-"))
    pdir = os.path.join(d, "policy")
    os.makedirs(pdir)
    shutil.copy(DEFAULT_POLICY, os.path.join(pdir, "10-default.yaml"))
    with open(os.path.join(pdir, "20-sigma.yaml"), "w") as f:
        f.write("version: 1\nsigma:\n  paths: [%s]\n" % CORRELATIONS)
    p = subprocess.run([SYSGUARDD, "--check-policy", pdir], capture_output=True, text=True)
    assert p.returncode == 0 and p.stderr == "", p.stderr
    daemon = Daemon(d, policy=pdir)
    try:
        yield daemon.start()
        check_exit(daemon, daemon.stop(), allowed=(0, None))
    finally:
        daemon.stop()
        daemon.cleanup()
        shutil.rmtree(d, ignore_errors=True)


@pytest.fixture
def work():
    """A directory of the test's own, that the nobody user can write to too."""
    d = os.path.realpath(tempfile.mkdtemp(prefix="sgtest-corr-"))
    os.chmod(d, 0o777)
    yield d
    shutil.rmtree(d, ignore_errors=True)


def matched(e, rid):
    return any(r == rid for r, _ in matched_rules(e))


def held(dm, rid, pred, what):
    """The event with which correlation rid held (decided or among the matches)."""
    return dm.wait_for(lambda e: matched(e, rid) and e.get("correlation", {}).get("rule") == rid
                       and pred(e), what=what, needle=rid)


def never(dm, rid, pred):
    """After a marker: no event names rid for pred."""
    dm.marker()
    dm.read()
    bad = [e for e in dm.events if matched(e, rid) and pred(e)]
    assert not bad, bad[:2]


def by_pid(pid):
    return lambda e: e.get("proc", {}).get("pid") == pid


def as_uid(uid):
    """A preexec_fn that makes the child uid (and gid) uid; None for root."""
    def drop():
        os.setgid(uid)
        os.setgroups([])
        os.setuid(uid)
    return drop if uid is not None else None


def child(code, *args, uid=None):
    """Run python code in a child process (as uid); its pid."""
    p = subprocess.Popen([sys.executable, "-c", code] + [str(a) for a in args],
                         preexec_fn=as_uid(uid))
    assert p.wait() == 0
    return p.pid


def run(argv, uid=None):
    p = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                         preexec_fn=as_uid(uid))
    p.wait()
    return p.pid


def closed_ports(n):
    """n distinct TCP ports on 127.0.0.1 that nothing listens on (a moment ago)."""
    ports = set()
    while len(ports) < n:
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        ports.add(s.getsockname()[1])
        s.close()
    return sorted(ports)


CONNECT = """
import socket, sys
for port in map(int, sys.argv[1:]):
    s = socket.socket()
    s.settimeout(2)
    try:
        s.connect(("127.0.0.1", port))
    except OSError:
        pass
    s.close()
"""


# ---------------------------------------------------------------- default policy

def test_port_scan(dm):
    """20 different loopback ports from one process within 10 s is a scan;
    19, each tried twice, is not."""
    ports = closed_ports(20)
    below = child(CONNECT, *(ports[:19] + ports[:19]))
    pid = child(CONNECT, *ports)
    e = held(dm, "discovery-port-scan", by_pid(pid), "the port scan alert")
    assert e["type"] == "connect" and e["action"] == "alert" and e["severity"] == "high", e
    k = e["correlation"]
    assert k["kind"] == "distinct" and k["count"] == 20 and k["window_ms"] == 10000, k
    assert k["group"] == "process=%d(python3)" % pid, k
    assert e["net"]["port"] in ports
    never(dm, "discovery-port-scan", by_pid(below))


READS = """
import os, sys
for _ in range(int(sys.argv[1])):
    try:
        open("/etc/shadow").close()
    except PermissionError:
        pass
    else:
        raise SystemExit("read /etc/shadow as uid %d" % os.getuid())
"""


MISSING = """
import sys
for i in range(int(sys.argv[1])):
    try:
        open("/root/.ssh/%s-%d" % (sys.argv[2], i)).close()
    except FileNotFoundError:
        pass
"""


def test_failed_credential_reads(dm):
    """Five refused reads of /etc/shadow by one user within a minute alert;
    four by another user do not, nor do missing files (ssh looks for every
    key name it knows)."""
    other = 65533
    missing = child(MISSING, 6, "sgtest-" + uuid.uuid4().hex)
    few = child(READS, 4, uid=other)
    pid = child(READS, 5, uid=NOBODY)
    e = held(dm, "cred-failed-read-burst", by_pid(pid), "the burst of refused reads")
    assert e["result"] < 0 and e["file"]["path"] == "/etc/shadow", e
    assert e["correlation"]["group"] == "proc.uid=%d" % NOBODY, e
    assert e["correlation"]["count"] == 5, e
    # each read is also cred-shadow-read's, which comes first in the policy
    assert e["rule"] == "cred-shadow-read" and matched(e, "cred-failed-read-burst"), e
    never(dm, "cred-failed-read-burst", lambda e: e["proc"]["uid"] == other)
    never(dm, "cred-failed-read-burst", by_pid(missing))
    assert [e for e in dm.by_pid(few) if e.get("rule") == "cred-shadow-read"]


def test_dropped_file_run(dm, work):
    """A file written in a temporary directory and run; one fetched by a
    download tool elsewhere and run; not one written elsewhere by another
    program, nor one the toolchain wrote."""
    dropped = os.path.join(work, "dropped")
    shutil.copyfile("/bin/true", dropped)
    os.chmod(dropped, 0o755)
    pid = run([dropped])
    e = held(dm, "exec-dropped-file", by_pid(pid), "the dropped file's run")
    assert e["type"] == "exec" and e["correlation"]["group"] == "file.target=" + dropped, e
    assert e["correlation"]["kind"] == "sequence" and e["correlation"]["count"] == 2, e
    assert matched(e, "exec-from-temp"), e  # which also alerts: a temporary directory

    # outside the writable directories: what a download tool fetched
    bindir = os.path.join(work, "bin")
    os.makedirs(bindir)
    for name, src in (("wget", "/bin/cp"), ("ld", "/bin/cp")):
        shutil.copy(src, os.path.join(bindir, name))
    place = "/var/lib/sgtest-corr-" + uuid.uuid4().hex[:8]
    os.makedirs(place)
    try:
        fetched = os.path.join(place, "tool")
        assert run([os.path.join(bindir, "wget"), "/bin/true", fetched]) > 0
        pid = run([fetched])
        e = held(dm, "exec-dropped-file", by_pid(pid), "the fetched file's run")
        assert e["rule"] == "exec-dropped-file" and e["action"] == "alert", e

        written = os.path.join(place, "written")
        shutil.copyfile("/bin/true", written)  # by this test: not a download tool
        os.chmod(written, 0o755)
        quiet = [run([written])]
        built = os.path.join(work, "built")
        assert run([os.path.join(bindir, "ld"), "/bin/true", built]) > 0
        quiet.append(run([built]))
        never(dm, "exec-dropped-file", lambda e: e["proc"]["pid"] in quiet)
    finally:
        shutil.rmtree(place, ignore_errors=True)


# ---------------------------------------------------------------- Sigma correlations

def test_sigma_event_count(dm, work):
    """The probe run 3 times by root alerts on the third; twice by nobody
    does not; the base rule alone never alerts (not generated)."""
    probe = os.path.join(work, "sgcorr-probe")
    shutil.copy("/bin/true", probe)
    os.chmod(probe, 0o755)
    below = [run([probe], uid=NOBODY) for _ in range(2)]
    pids = [run([probe]) for _ in range(3)]
    e = held(dm, COUNT_ID, by_pid(pids[2]), "the event_count correlation")
    assert e["severity"] == "high" and e["action"] == "alert", e
    assert e["correlation"]["group"] == "proc.user=root", e
    assert e["correlation"]["count"] == 3 and e["correlation"]["window_ms"] == 30000, e
    never(dm, COUNT_ID, lambda e: e["proc"]["pid"] in below + pids[:2])
    never(dm, COUNT_BASE, lambda e: e["proc"]["pid"] in below + pids)


def test_sigma_temporal(dm, work):
    """The run program, then the marker file, by one user within 30 s (any
    order) alerts; the marker alone, by another user, does not."""
    prog = os.path.join(work, "sgcorr-run")
    shutil.copy("/bin/true", prog)
    os.chmod(prog, 0o755)
    alone = child("open(%r, 'w').close()" % os.path.join(work, "sgcorr-mark-nobody"), uid=NOBODY)
    run([prog])
    pid = child("open(%r, 'w').close()" % os.path.join(work, "sgcorr-mark-root"))
    e = held(dm, TEMPORAL_ID, by_pid(pid), "the temporal correlation")
    assert e["type"] == "open" and e["severity"] == "high", e
    assert e["correlation"]["kind"] == "sequence" and e["correlation"]["count"] == 2, e
    never(dm, TEMPORAL_ID, by_pid(alone))


def test_status_counts_groups(dm):
    """status counts the groups, firings and evictions."""
    st = status(dm)
    co = st["policy"]["correlation"]
    assert co["rules"] == 5 and co["groups"] >= 1 and co["evictions"] == 0, co
