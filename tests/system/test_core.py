# SPDX-License-Identifier: GPL-2.0-or-later
"""Core telemetry: the real daemon, real BPF, real syscalls; every expected
event and its fields."""

import errno
import json
import os
import signal
import socket
import subprocess
import time

import pytest

from conftest import SGACT, SGURING, SYSGUARDD, listener, need_root_bpf, sgact, status


def test_exec_fork_exit(daemon):
    marker = "sgtest-%d-%f" % (os.getpid(), time.time())
    p = subprocess.run(["/bin/echo", marker], stdout=subprocess.DEVNULL)
    ev = daemon.wait_for(lambda e: e["type"] == "exec" and marker in e["exec"]["argv"],
                         needle=marker)
    child = ev["proc"]["pid"]
    assert ev["exec"]["argv"] == ["/bin/echo", marker]
    assert ev["exec"]["filename"] == "/bin/echo"
    assert ev["proc"]["exe"] == os.path.realpath("/bin/echo")
    assert ev["exec"]["cwd"] == os.path.realpath(os.getcwd())
    assert ev["proc"]["ppid"] == os.getpid()
    assert ev["proc"]["comm"] == "echo"
    assert ev["result"] == 0 and ev["syscall"] == "execve"
    assert ev["proc"]["uid"] == os.getuid() and ev["proc"]["gid"] == os.getgid()
    assert ev["exec"]["argv_truncated"] is False
    fork = daemon.wait_for(lambda e: e["type"] == "fork" and e["fork"]["child_pid"] == child)
    assert fork["proc"]["pid"] == os.getpid()
    assert fork["seq"] < ev["seq"]
    ex = daemon.wait_for(lambda e: e["type"] == "exit" and e["proc"]["pid"] == child)
    assert ex["exit"] == {"code": 0, "signal": None, "core_dumped": False}
    assert ex["proc"]["exe"] == os.path.realpath("/bin/echo")  # enriched from the table
    assert p.returncode == 0


def test_exec_relative_and_failed(daemon, tmp):
    pid, res = sgact("pid", "chdir", tmp, "exec", "./does-not-exist", "a1", "a2", "--")
    assert res["exec"] == [-errno.ENOENT]
    ev = daemon.wait_for(lambda e: e["type"] == "exec" and e["proc"]["pid"] == pid
                         and e["exec"]["argv"][:1] == ["./does-not-exist"])
    assert ev["result"] == -errno.ENOENT and ev["error"] == "ENOENT"
    assert ev["exec"]["filename"] == os.path.join(tmp, "does-not-exist")
    assert ev["exec"]["argv"] == ["./does-not-exist", "a1", "a2"]
    assert ev["exec"]["cwd"] == tmp


def test_execveat_and_long_argv(daemon, tmp):
    pid, res = sgact("pid", "execveat", "/usr/bin", "true")
    ev = daemon.wait_for(lambda e: e["type"] == "exec" and e["proc"]["pid"] == pid
                         and e["syscall"] == "execveat")
    assert ev["syscall"] == "execveat" and ev["result"] == 0
    assert ev["proc"]["exe"] == os.path.realpath("/usr/bin/true")
    # argv beyond the capture limit is cut and marked, never silently
    long_args = ["x" * 200 for _ in range(40)]
    p = subprocess.Popen(["/bin/true"] + long_args)
    p.wait()
    ev = daemon.wait_for(lambda e: e["type"] == "exec" and e["proc"]["pid"] == p.pid)
    assert ev["exec"]["argv_truncated"] is True
    assert ev["exec"]["argv"][0] == "/bin/true"
    assert 1 < len(ev["exec"]["argv"]) <= 41


def test_exit_code_and_signal(daemon):
    p = subprocess.Popen(["/bin/sh", "-c", "exit 3"])
    p.wait()
    ev = daemon.wait_for(lambda e: e["type"] == "exit" and e["proc"]["pid"] == p.pid)
    assert ev["exit"]["code"] == 3 and ev["exit"]["signal"] is None
    q = subprocess.Popen(["/bin/sleep", "60"])
    daemon.wait_for(lambda e: e["type"] == "exec" and e["proc"]["pid"] == q.pid)
    q.kill()
    q.wait()
    ev = daemon.wait_for(lambda e: e["type"] == "exit" and e["proc"]["pid"] == q.pid)
    assert ev["exit"]["signal"] == "SIGKILL"


def test_file_operations(daemon, tmp):
    sub = os.path.join(tmp, "sub")
    os.mkdir(sub)
    pid, res = sgact(
        "pid", "chdir", tmp,
        "open", "rel.txt", "wc",                 # relative to cwd, write intent
        "open", "rel.txt", "r",                  # read only
        "openat", sub, "at.txt", "wc",           # relative to a dirfd
        "openat2", sub, "at2.txt", "wc",
        "creat", "sub/../creat.txt",             # lexical .. resolved
        "rename", "rel.txt", "sub/renamed.txt",
        "renameat", sub, "at.txt", tmp, "moved.txt",
        "renameat2", sub, "at2.txt", sub, "at3.txt",
        "unlink", "moved.txt",
        "unlinkat", sub, "at3.txt",
        "mkdir", "d1", "rmdir", "d1",
        "mkdir", "sub/d2", "rmdirat", sub, "d2",
        "open", "missing/nope", "r",
    )
    assert res["open"][-1] == -errno.ENOENT
    daemon.marker()
    evs = daemon.by_pid(pid)
    files = [e for e in evs if e["type"] in ("open", "rename", "unlink")]

    def find(type_, syscall, path, **kw):
        for e in files:
            if e["type"] == type_ and e["syscall"] == syscall and e["file"]["path"] == path:
                if all(e["file"].get(k) == v for k, v in kw.items()):
                    return e
        raise AssertionError("no %s/%s %s in %s" % (type_, syscall, path,
                                                    [(e["syscall"], e["file"]["path"]) for e in files]))

    e = find("open", "open", os.path.join(tmp, "rel.txt"), write=True)
    assert e["result"] >= 0 and e["file"]["resolved"] is True
    assert "O_CREAT" in e["file"]["flags"] and "O_WRONLY" in e["file"]["flags"]
    e = find("open", "open", os.path.join(tmp, "rel.txt"), write=False)
    assert e["file"]["flags"] == ["O_RDONLY"]
    find("open", "openat", os.path.join(sub, "at.txt"), write=True)
    find("open", "openat2", os.path.join(sub, "at2.txt"), write=True)
    e = find("open", "creat", os.path.join(tmp, "creat.txt"), write=True)
    assert e["file"]["mode"] == 0o644
    e = find("rename", "rename", os.path.join(tmp, "rel.txt"))
    assert e["file"]["new_path"] == os.path.join(sub, "renamed.txt") and e["result"] == 0
    e = find("rename", "renameat", os.path.join(sub, "at.txt"))
    assert e["file"]["new_path"] == os.path.join(tmp, "moved.txt")
    e = find("rename", "renameat2", os.path.join(sub, "at2.txt"))
    assert e["file"]["new_path"] == os.path.join(sub, "at3.txt")
    assert find("unlink", "unlink", os.path.join(tmp, "moved.txt"))["file"]["dir"] is False
    find("unlink", "unlinkat", os.path.join(sub, "at3.txt"))
    assert find("unlink", "rmdir", os.path.join(tmp, "d1"))["file"]["dir"] is True
    assert find("unlink", "unlinkat", os.path.join(sub, "d2"))["file"]["dir"] is True
    e = find("open", "open", os.path.join(tmp, "missing/nope"))
    assert e["result"] == -errno.ENOENT and e["error"] == "ENOENT"
    for e in files:
        assert e["file"]["path"].startswith("/"), e
        assert e["proc"]["pid"] == pid and e["proc"]["ppid"] == os.getpid()
        assert e["proc"]["exe"] == os.path.realpath(SGACT)


def test_chmod(daemon, tmp):
    """chmod, fchmod, fchmodat and fchmodat2 each give one chmod event with the
    path and the new mode decoded; a failed one carries its error."""
    sub = os.path.join(tmp, "sub")
    os.mkdir(sub)
    for name in ("a", "b", "c", "d"):
        open(os.path.join(sub, name), "w").close()
    pid, res = sgact(
        "pid", "chdir", tmp,
        "chmod", "sub/a", "4755",                # relative to the cwd
        "fchmod", os.path.join(sub, "b"), "2750",
        "fchmodat", sub, "c", "1777",
        "fchmodat2", sub, "d", "644",
        "chmod", "sub/missing", "755",
    )
    assert res["chmod"] == [0, -errno.ENOENT]
    daemon.marker()
    evs = [e for e in daemon.by_pid(pid) if e["type"] == "chmod"]

    def find(syscall, path):
        for e in evs:
            if e["syscall"] == syscall and e["file"]["path"] == path:
                return e
        raise AssertionError("no chmod/%s %s in %s" % (syscall, path,
                             [(e["syscall"], e["file"]["path"]) for e in evs]))

    e = find("chmod", os.path.join(sub, "a"))
    assert e["result"] == 0 and e["file"]["resolved"] is True
    assert (e["file"]["mode"], e["file"]["mode_octal"]) == (0o4755, "4755")
    assert (e["file"]["setuid"], e["file"]["setgid"], e["file"]["exec"]) == (True, False, True)
    e = find("fchmod", os.path.join(sub, "b"))
    assert e["file"]["mode_octal"] == "2750" and e["file"]["setgid"] is True
    e = find("fchmodat", os.path.join(sub, "c"))
    assert e["file"]["sticky"] is True and e["file"]["setuid"] is False
    if res["fchmodat2"] != [-errno.ENOSYS]:
        e = find("fchmodat2", os.path.join(sub, "d"))
        assert e["file"]["mode_octal"] == "0644" and e["file"]["exec"] is False
    e = find("chmod", os.path.join(sub, "missing"))
    assert e["result"] == -errno.ENOENT and e["error"] == "ENOENT"
    assert os.stat(os.path.join(sub, "a")).st_mode & 0o7777 == 0o4755
    assert len(evs) == (5 if res["fchmodat2"] != [-errno.ENOSYS] else 4)


@pytest.mark.parametrize("family,addr", [(socket.AF_INET, "127.0.0.1"), (socket.AF_INET6, "::1")])
def test_network(daemon, family, addr):
    lst = listener(family, addr)
    port = lst.getsockname()[1]
    closed = listener(family, addr)
    closed_port = closed.getsockname()[1]
    closed.close()
    try:
        pid, res = sgact("pid", "connect", addr, port, "connect", addr, closed_port,
                         "listen", addr, 0)
        assert res["connect"] == [0, -errno.ECONNREFUSED]
        daemon.marker()
        evs = daemon.by_pid(pid)
        fam = "inet" if family == socket.AF_INET else "inet6"
        conns = [e for e in evs if e["type"] == "connect"]
        assert len(conns) == 2, conns
        ok = [e for e in conns if e["net"]["port"] == port][0]
        assert ok["net"] == {"family": fam, "proto": "tcp", "addr": addr, "port": port}
        assert ok["result"] == 0 and ok["syscall"] == "connect"
        refused = [e for e in conns if e["net"]["port"] == closed_port][0]
        assert refused["result"] == -errno.ECONNREFUSED and refused["error"] == "ECONNREFUSED"
        bind = [e for e in evs if e["type"] == "bind"][0]
        assert bind["net"]["addr"] == addr and bind["net"]["port"] == 0 and bind["result"] == 0
        listen = [e for e in evs if e["type"] == "listen"][0]
        assert listen["net"]["family"] == fam and listen["net"]["addr"] == addr
        assert listen["net"]["port"] > 0 and listen["net"]["backlog"] == 5
        assert listen["result"] == 0
    finally:
        lst.close()


def test_unix_socket_path(daemon, tmp):
    path = os.path.join(tmp, "u.sock")
    srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    srv.bind(path)
    srv.listen(1)
    try:
        pid, res = sgact("pid", "unix", path)
        assert res["unix"] == [0]
        ev = daemon.wait_for(lambda e: e["type"] == "connect" and e["proc"]["pid"] == pid)
        assert ev["net"]["family"] == "unix" and ev["net"]["unix_path"] == path
    finally:
        srv.close()


def test_process_older_than_daemon_is_enriched(daemon_factory, tmp):
    need_root_bpf()
    trigger = os.path.join(tmp, "trigger")
    os.mkfifo(trigger)
    target = os.path.join(tmp, "opened-by-old-process")
    code = "import os; open(%r).read(); open(%r, 'w').close()" % (trigger, target)
    old = subprocess.Popen(["/usr/bin/python3", "-c", code])
    try:
        d = daemon_factory()
        with open(trigger, "w") as f:
            f.write("go")
        ev = d.wait_for(lambda e: e["type"] == "open" and e["file"]["path"] == target)
        assert ev["proc"]["pid"] == old.pid
        assert ev["proc"]["exe"] == os.path.realpath("/usr/bin/python3")
        assert ev["proc"]["ppid"] == os.getpid()
    finally:
        old.wait(10)


def test_daemon_own_activity_excluded(daemon):
    daemon.marker()
    assert daemon.by_pid(daemon.proc.pid) == []
    assert daemon.lines, "no events at all"


def test_family_switched_off(daemon_factory, tmp):
    d = daemon_factory(args=["--families", "process"])
    target = os.path.join(tmp, "not-traced")
    pid, _ = sgact("pid", "open", target, "wc", "connect", "127.0.0.1", 9)
    d.marker()
    assert [e["type"] for e in d.by_pid(pid) if e["type"] not in ("exec", "exit", "fork")] == []
    assert d.by_pid(pid, "exec"), "process events must still flow"
    # switched-off programs are not attached, and status says why
    progs = status(d)["programs"].values()
    # attached, but those whose hook this kernel lacks (module loading, here)
    # and the exec hook of a telemetry backend not chosen (telemetry.exec)
    states = {p["state"] for p in progs if p["family"] == "process"
              and not (p["state"] == "disabled" and "telemetry.exec" in p["error"])}
    assert states <= {"attached", "unavailable"} and "attached" in states, states
    for p in progs:
        if p["family"] == "process" and p["state"] == "unavailable":
            assert "not in this kernel" in p["error"], p
    for p in progs:
        if p["family"] != "process":
            assert p["state"] == "disabled" and "switched off" in p["error"], p


def test_no_drops_at_light_load(daemon, tmp):
    for i in range(50):
        sgact("open", os.path.join(tmp, "f%d" % i), "wc")
    daemon.marker()
    time.sleep(1.2)  # one drop-report period: a drop would be reported by now
    daemon.read()
    assert [raw for raw in daemon.lines if b'"type":"drop"' in raw] == []
    assert not any("lost" in l for l in daemon.stderr_lines)


def test_seq_strictly_increasing(daemon):
    daemon.marker()
    daemon.marker()
    seqs = [json.loads(raw)["seq"] for raw in daemon.lines]
    assert seqs == sorted(seqs) and len(set(seqs)) == len(seqs)


def test_sighup_reopens_output(daemon, tmp):
    daemon.marker()
    rotated = daemon.out + ".1"
    os.rename(daemon.out, rotated)
    daemon.proc.send_signal(signal.SIGHUP)
    deadline = time.monotonic() + 10
    while not os.path.exists(daemon.out):
        assert time.monotonic() < deadline, "output not reopened after SIGHUP"
        time.sleep(0.02)
    daemon.reset_output()
    daemon.marker()  # lands in the new file


def test_sigint_clean_exit(daemon_factory):
    d = daemon_factory()
    d.marker()
    assert d.stop(signal.SIGINT) == 0


def test_startup_errors(tmp):
    need_root_bpf()
    # not root: a clear one-line error and exit 1
    p = subprocess.run(["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                        SYSGUARDD, "--foreground"], capture_output=True, text=True, timeout=30)
    assert p.returncode == 1 and "must run as root" in p.stderr
    # a bad configuration: file:line:col and exit 1
    bad = os.path.join(tmp, "bad.yaml")
    with open(bad, "w") as f:
        f.write("families:\n  process: maybe\n")
    p = subprocess.run([SYSGUARDD, "-f", "-c", bad], capture_output=True, text=True, timeout=30)
    assert p.returncode == 1
    assert "%s:2:12: expected true or false" % bad in p.stderr
    with open(bad, "w") as f:
        f.write("ring:\n  size: 3M\n")
    p = subprocess.run([SYSGUARDD, "-f", "-c", bad], capture_output=True, text=True, timeout=30)
    assert p.returncode == 1 and "power of two" in p.stderr
    # a missing configuration given explicitly
    p = subprocess.run([SYSGUARDD, "-f", "-c", os.path.join(tmp, "nope.yaml")],
                       capture_output=True, text=True, timeout=30)
    assert p.returncode == 1 and "No such file" in p.stderr
    # usage errors exit 2
    p = subprocess.run([SYSGUARDD, "--bogus"], capture_output=True, text=True)
    assert p.returncode == 2
    p = subprocess.run([SYSGUARDD, "--version"], capture_output=True, text=True)
    assert p.returncode == 0 and p.stdout.startswith("sysguardd ")


def test_mount_event(daemon, tmp):
    """mount(2) of a tmpfs: source, target and type; unmounted at once."""
    target = os.path.join(tmp, "mnt")
    os.mkdir(target)
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "sgtest-tmpfs", target], check=True)
    try:
        ev = daemon.wait_for(lambda e: e["type"] == "mount" and e["mount"]["target"] == target,
                             what="mount event")
    finally:
        subprocess.run(["umount", target], check=True)
    assert ev["mount"]["source"] == "sgtest-tmpfs" and ev["mount"]["fstype"] == "tmpfs"
    assert ev["result"] == 0 and ev["syscall"] == "mount"
    assert ev["proc"]["exe"] == "/usr/bin/mount"


def test_io_uring(daemon, tmp):
    """An open, a rename, an unlink and a connect submitted through io_uring
    (liburing: no such syscall is made) are events marked via io_uring, and the
    ring's creation is an event of its own."""
    tool = SGURING
    if not os.path.exists(tool):
        pytest.skip("sguring not built (needs liburing-dev)")
    if not os.path.exists("/sys/kernel/tracing/events/io_uring/io_uring_submit_req"):
        pytest.skip("no io_uring tracepoints in this kernel")
    srv = listener()
    port = srv.getsockname()[1]
    try:
        p = subprocess.run([tool, tmp, str(port)], capture_output=True, text=True, check=True)
    finally:
        srv.close()
    out = dict(line.split() for line in p.stdout.splitlines())
    pid = int(out["pid"])
    assert int(out["openat"]) >= 0 and out["renameat"] == "0" and out["unlinkat"] == "0"
    daemon.marker()
    evs = daemon.by_pid(pid)
    ring = [e for e in evs if e["type"] == "io_uring"]
    assert len(ring) == 1 and ring[0]["io_uring"]["sq_entries"] == 8
    via = [e for e in evs if e.get("via") == "io_uring"]
    kinds = {(e["type"], e["syscall"]) for e in via}
    assert kinds == {("open", "io_uring"), ("rename", "io_uring"), ("unlink", "io_uring"),
                     ("connect", "io_uring")}, kinds
    o = next(e for e in via if e["type"] == "open")
    assert o["file"]["path"] == os.path.join(tmp, "f") and o["file"]["write"] is True
    assert "result" not in o  # seen at submission
    r = next(e for e in via if e["type"] == "rename")
    assert r["file"]["new_path"] == os.path.join(tmp, "g")
    assert next(e for e in via if e["type"] == "unlink")["file"]["path"] == os.path.join(tmp, "g")
    c = next(e for e in via if e["type"] == "connect")
    assert c["net"]["addr"] == "127.0.0.1" and c["net"]["port"] == port
    # none of them went through the syscalls the other events come from
    assert not [e for e in evs if e["type"] in ("rename", "unlink", "connect")
                and e.get("via") != "io_uring"]
