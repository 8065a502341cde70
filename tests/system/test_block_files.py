# SPDX-License-Identifier: GPL-2.0-or-later
"""File enforcement (fanotify permission events) with the real daemon: block
rules on exec, open and write stop the call with EPERM, report it once, and
leave everything else alone; a stopped or killed daemon fails open.

Every blocked file lives on a tmpfs the test mounts under its own temporary
directory, so the daemon marks only that filesystem: other processes of the
host (and other tests running at the same time) never wait for its answers.
The mount is removed at the end."""

import errno
import json
import os
import shutil
import signal
import subprocess
import time

import pytest

from conftest import SGACT, SYSGUARDD, TRUE, ctl, sgact, status


@pytest.fixture
def fs(tmp):
    """A private tmpfs under the test's directory: (path, [files made])."""
    path = os.path.join(tmp, "fs")
    os.makedirs(path)
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=16m,mode=0755", "sgtest", path],
                   check=True)
    try:
        yield path
    finally:
        subprocess.run(["umount", "-l", path], check=False)


def policy(tmp, fs, extra=""):
    text = """version: 1
rules:
  - id: no-exec-from-bin
    events: [exec]
    match: {exec.filename: {prefix: %(fs)s/bin/}}
    action: block
    severity: high
  - id: no-write-canary
    events: [write]
    match: {file.path: %(fs)s/data/canary-w}
    action: block
  - id: no-read-canary
    events: [open]
    match: {file.path: %(fs)s/data/canary-r}
    action: block
%(extra)s""" % {"fs": fs, "extra": extra}
    path = os.path.join(tmp, "policy.yaml")
    with open(path, "w") as f:
        f.write(text)
    return path


def setup_files(fs):
    os.makedirs(os.path.join(fs, "bin"))
    os.makedirs(os.path.join(fs, "data"))
    tool = os.path.join(fs, "bin", "tool")
    shutil.copy(TRUE, tool)
    os.chmod(tool, 0o755)
    other = os.path.join(fs, "other-true")
    shutil.copy(TRUE, other)
    os.chmod(other, 0o755)
    for name in ("canary-w", "canary-r", "plain"):
        with open(os.path.join(fs, "data", name), "w") as f:
            f.write(name + "\n")
    return tool, other


def blocks_of(d, pid, type_):
    return [e for e in d.by_pid(pid, type_) if e["action"] == "block"]


@pytest.fixture
def fan(daemon_factory, tmp, fs):
    tool, other = setup_files(fs)
    d = daemon_factory(policy=policy(tmp, fs))
    if "file enforcement unavailable" in d.stderr():
        pytest.skip("fanotify permission events unavailable here: %s" % d.stderr())
    return d, tool, other


def test_exec_blocked_once_and_others_run(fan, fs):
    d, tool, other = fan
    pid, res = sgact("pid", "exec", tool, "--")
    assert res["exec"] == [-errno.EPERM]
    with pytest.raises(PermissionError):
        subprocess.run([tool], check=True)
    # the same program elsewhere, and /bin/true, still run
    assert subprocess.run([other]).returncode == 0
    assert subprocess.run([TRUE]).returncode == 0
    d.marker()
    mine = blocks_of(d, pid, "exec")
    assert len(mine) == 1, d.by_pid(pid)
    e = mine[0]
    assert e["rule"] == "no-exec-from-bin" and e["severity"] == "high"
    assert e["enforced"] is True and e["mechanism"] == "fanotify"
    assert e["result"] == -errno.EPERM and e["error"] == "EPERM"
    assert e["exec"]["filename"] == tool
    # the tracepoint's report carried the block: the argv is there
    assert e["exec"]["argv"] == [tool]
    # no second event for the same exec, of any action
    assert [x for x in d.by_pid(pid, "exec") if x is not e and x.get("result") == -1] == []
    st = status(d)
    fe = st["enforcement"]["files"]
    assert fe["available"] is True and fe["mechanism"] == "fanotify"
    assert fe["denied"] >= 2 and fe["late"] == 0


def test_open_blocked_for_write_and_for_read(fan, fs):
    d, _, _ = fan
    data = os.path.join(fs, "data")
    w, r, plain = (os.path.join(data, n) for n in ("canary-w", "canary-r", "plain"))
    pid, res = sgact("pid", "open", w, "w", "open", w, "r", "open", r, "r", "open", r, "w",
                     "open", plain, "w", "open", plain, "r")
    opens = res["open"]
    assert opens[0] == -errno.EPERM           # write to the write canary
    assert opens[1] >= 0                      # reading it is fine
    assert opens[2] == -errno.EPERM           # reading the read canary
    assert opens[3] == -errno.EPERM           # and writing it (an open rule: every open)
    assert opens[4] >= 0 and opens[5] >= 0    # the other file of the directory
    d.marker()
    mine = blocks_of(d, pid, "open")
    assert [(e["rule"], e["file"]["path"], e["file"]["write"]) for e in mine] == [
        ("no-write-canary", w, True), ("no-read-canary", r, False),
        ("no-read-canary", r, True)], mine
    for e in mine:
        assert e["enforced"] is True and e["mechanism"] == "fanotify"
        assert e["result"] == -errno.EPERM
    # the content is untouched
    with open(w) as f:
        assert f.read() == "canary-w\n"


def test_mechanism_per_rule(fan):
    d, _, _ = fan
    show = json.loads(ctl(d, "--json", "policy", "show").stdout)
    mech = {r["id"]: r.get("mechanism") for r in show["rules"]}
    assert mech == {"no-exec-from-bin": "fanotify", "no-write-canary": "fanotify",
                    "no-read-canary": "fanotify"}
    text = ctl(d, "status").stdout
    assert "no-read-canary: fanotify" in text, text
    lsm = status(d)["enforcement"]["lsm"]
    with open("/sys/kernel/security/lsm") if os.path.exists("/sys/kernel/security/lsm") \
            else open(os.devnull) as f:
        active = "bpf" in f.read().strip().split(",")
    if not active:
        # the rules above went to fanotify because BPF-LSM is missing: say why
        assert lsm["available"] is False and lsm["reason"], lsm
        assert "mechanism" not in lsm and "hooks" not in lsm, lsm
    else:
        assert lsm["available"] is (lsm.get("mechanism") == "lsm"), lsm


def test_unlink_rule_stays_monitor_only(daemon_factory, tmp, fs):
    setup_files(fs)
    extra = """  - id: no-unlink
    events: [unlink]
    match: {file.path: {prefix: %s/data/}}
    action: block
""" % fs
    d = daemon_factory(policy=policy(tmp, fs, extra))
    assert "rule 'no-unlink' is monitor-only" in d.stderr()
    victim = os.path.join(fs, "data", "plain")
    pid, res = sgact("pid", "unlink", victim)
    assert res["unlink"] == [0]
    d.marker()
    (e,) = blocks_of(d, pid, "unlink")
    assert e["enforced"] is False and "mechanism" not in e
    show = json.loads(ctl(d, "--json", "policy", "show").stdout)
    (r,) = [r for r in show["rules"] if r["id"] == "no-unlink"]
    assert r["mechanism"] == "none" and "BPF-LSM" in r["reason"]


def test_everything_allowed_after_stop(fan, fs):
    d, tool, _ = fan
    assert sgact("exec", tool, "--")[1]["exec"] == [-errno.EPERM]
    assert d.stop() == 0
    assert subprocess.run([tool]).returncode == 0
    pid, res = sgact("open", os.path.join(fs, "data", "canary-w"), "w",
                     "open", os.path.join(fs, "data", "canary-r"), "r")
    assert all(v >= 0 for v in res["open"]), res


def test_killed_daemon_fails_open(fan, fs):
    """An exec waiting for the answer of a stopped daemon completes, allowed,
    when the daemon is killed: the kernel destroys the group and allows."""
    d, tool, _ = fan
    d.proc.send_signal(signal.SIGSTOP)
    p = None
    try:
        # sgact itself starts (it is not on the marked tmpfs), then execs the tool
        p = subprocess.Popen([SGACT, "sleepms", "100", "exec", tool, "--"],
                             stdout=subprocess.PIPE, text=True)
        time.sleep(1.0)
        assert p.poll() is None, "the exec did not wait for the daemon's answer"
    finally:
        d.proc.send_signal(signal.SIGKILL)
    t0 = time.monotonic()
    out, _ = p.communicate(timeout=10)
    assert time.monotonic() - t0 < 5
    # the exec went ahead: sgact was replaced by the tool and never reported it
    assert p.returncode == 0 and "exec" not in out, out
    d.proc.wait(10)
    # and nothing stays blocked
    assert subprocess.run([tool]).returncode == 0
    assert sgact("open", os.path.join(fs, "data", "canary-r"), "r")[1]["open"][0] >= 0


def check_policy(tmp, text):
    path = os.path.join(tmp, "check.yaml")
    with open(path, "w") as f:
        f.write(text)
    return subprocess.run([SYSGUARDD, "-n", path], capture_output=True, text=True)


def test_checker_refuses_blocking_the_daemon_and_the_resolved_loader(tmp):
    own = os.path.dirname(os.path.realpath(SYSGUARDD)) + "/"
    rule = """version: 1
rules:
  - id: r
    events: [exec]
    match: {exec.filename: {prefix: %s}}
    action: block
"""
    p = check_policy(tmp, rule % own)
    assert p.returncode == 1 and "(sysguardd itself)" in p.stderr, p.stderr
    assert check_policy(tmp, rule % own + "    force: true\n").returncode == 0
    loader = "/lib64/ld-linux-x86-64.so.2"
    real = os.path.realpath(loader)
    if not os.path.exists(loader) or real == loader:
        pytest.skip("no x86-64 loader reached through another name here")
    p = check_policy(tmp, rule % (os.path.dirname(real) + "/"))
    assert p.returncode == 1 and "'%s' (the dynamic loader)" % real in p.stderr, p.stderr


def test_rules_follow_reloads(fan, tmp, fs):
    """A reload without the exec rule lifts it (its mark goes); putting it back
    blocks again; the open rules stay in force throughout."""
    d, tool, _ = fan
    canary = os.path.join(fs, "data", "canary-r")
    assert sgact("exec", tool, "--")[1]["exec"] == [-errno.EPERM]
    text = open(os.path.join(tmp, "policy.yaml")).read()
    without = os.path.join(tmp, "without-exec.yaml")
    with open(without, "w") as f:
        f.write(text.replace("events: [exec]", "events: [exec]\n    enabled: false"))
    out = ctl(d, "policy", "load", without).stdout
    assert "no-read-canary: fanotify" in out, out
    assert "no-exec-from-bin" not in out, out
    assert subprocess.run([tool]).returncode == 0
    assert sgact("open", canary, "r")[1]["open"] == [-errno.EPERM]
    out = ctl(d, "policy", "load", os.path.join(tmp, "policy.yaml")).stdout
    assert "no-exec-from-bin: fanotify" in out, out
    assert sgact("exec", tool, "--")[1]["exec"] == [-errno.EPERM]


def test_daemon_reads_its_own_files_on_a_marked_filesystem(daemon_factory, tmp, fs):
    """The daemon's own opens on a marked filesystem (here its policy, read at
    every reload, under a blocked prefix) are answered at once by the fanotify
    thread: the reload neither deadlocks nor is judged."""
    data = os.path.join(fs, "data")
    os.makedirs(data)
    pol = os.path.join(data, "policy.yaml")
    with open(pol, "w") as f:
        f.write("""version: 1
rules:
  - id: no-writes-in-data
    events: [write]
    match: {file.path: {prefix: %s/}}
    action: block
""" % data)
    d = daemon_factory(policy=pol)
    if "file enforcement unavailable" in d.stderr():
        pytest.skip("fanotify permission events unavailable here: %s" % d.stderr())
    assert sgact("open", os.path.join(data, "new"), "wc")[1]["open"] == [-errno.EPERM]
    for _ in range(3):
        out = ctl(d, "policy", "reload").stdout
        assert "no-writes-in-data: fanotify" in out, out
    fe = status(d)["enforcement"]["files"]
    assert fe["own"] >= 3 and fe["late"] == 0, fe
    assert sgact("open", pol, "r")[1]["open"][0] >= 0
    assert sgact("open", pol, "w")[1]["open"] == [-errno.EPERM]
    assert d.stop() == 0
