# SPDX-License-Identifier: GPL-2.0-or-later
"""Telemetry backends (sysguard.yaml(5), telemetry): execs from
tp_btf/sched_process_exec instead of the four exec syscall tracepoints.  The
same script of execs runs under both backends, with real daemons in turn;
the events must carry the same fields and get the same verdicts, apart from
the documented differences (no syscall name, no failed exec, the kernel's
name for an exec through a descriptor)."""

import errno
import os
import re
import shutil
import socket
import subprocess
import uuid

import pytest

from conftest import TRUE, base_config, ctl, listener, sgact, status

# One exec per line, each tagged with its own argument; run by python3.
SCRIPT = r"""
import os, subprocess, sys
tag, d = sys.argv[1], sys.argv[2]
def run(argv, **kw):
    subprocess.run(argv, check=False, **kw)
run(["/bin/echo", tag + "-abs", "two words"], stdout=subprocess.DEVNULL)
run(["./prog", tag + "-rel"], cwd=d)
run(["/bin/echo", tag + "-pipe"], stdout=subprocess.PIPE, stdin=subprocess.DEVNULL)
try:
    run([d + "/missing", tag + "-missing"])
except OSError:
    pass
pid = os.fork()
if pid == 0:
    fd = os.memfd_create("sgtel")
    os.write(fd, open("/bin/true", "rb").read())
    os.execve(fd, ["sgtel-memfd", tag + "-memfd"], {})
os.waitpid(pid, 0)
"""


def policy(tmp):
    path = os.path.join(tmp, "policy.yaml")
    with open(path, "w") as f:
        f.write("""version: 1
defaults: {dedup_window: 0, action: log}
rules:
  - id: tel-exec-tmp
    events: [exec]
    match: {exec.filename: {prefix: %s/}}
    action: alert
  - id: tel-fileless
    events: [exec]
    match: {exec.fileless: memfd}
    action: alert
""" % tmp)
    return path


def start(daemon_factory, tmp, backend):
    sub = os.path.join(tmp, backend)
    os.makedirs(sub)
    conf = os.path.join(sub, "sysguard.yaml")
    with open(conf, "w") as f:
        f.write(base_config(sub) + "telemetry: {exec: %s}\n" % backend)
    return daemon_factory(policy=policy(tmp), config=conf, subdir=backend)


def run_script(d, tmp):
    tag = "sgtel" + uuid.uuid4().hex[:12]
    subprocess.run(["/usr/bin/python3", "-c", SCRIPT, tag, tmp], check=True)
    d.marker()
    mine = lambda a: a.startswith(tag + "-")
    evs = [e for e in d.events if e["type"] == "exec" and any(map(mine, e["exec"]["argv"]))]
    return {next(filter(mine, e["exec"]["argv"]))[len(tag):]: e for e in evs}, evs


def view(e):
    x = e["exec"]
    return {"argv": [re.sub(r"^sgtel[0-9a-f]{12}-", "TAG-", a) for a in x["argv"][1:]], "argv0": x["argv"][0], "cwd": x["cwd"],
            "exe": e["proc"]["exe"], "comm": e["proc"]["comm"],
            # a pipe's inode is each run's own
            "stdio": {k: {f: v for f, v in fd.items() if f != "inode"}
                      for k, fd in x.get("stdio", {}).items()},
            "fileless": x.get("fileless"), "action": e["action"], "rule": e.get("rule"),
            "result": e.get("result")}


def test_exec_from_sched_process_exec_matches_the_tracepoints(daemon_factory, tmp):
    prog = os.path.join(tmp, "prog")
    shutil.copy(TRUE, prog)
    os.chmod(prog, 0o755)
    got = {}
    for backend in ("tracepoint", "tp_btf"):
        d = start(daemon_factory, tmp, backend)
        if backend == "tp_btf" and "execs from the syscall tracepoints" in d.stderr():
            pytest.skip("tp_btf/sched_process_exec unavailable: %s" % d.stderr())
        got[backend] = run_script(d, tmp) + (status(d),)
        d.stop()
    (tp, tp_all, st_tp), (sc, sc_all, st_sc) = got["tracepoint"], got["tp_btf"]

    # one event per exec, none twice
    assert len(tp_all) == len(tp) and len(sc_all) == len(sc), (tp_all, sc_all)
    # the failed exec: only the syscall's exit sees it
    assert tp["-missing"]["result"] == -errno.ENOENT
    assert "-missing" not in sc
    assert set(tp) - {"-missing"} == set(sc)
    for k in sc:
        assert view(sc[k]) == view(tp[k]), k
        assert sc[k]["result"] == 0 and "syscall" not in sc[k]
        assert tp[k]["syscall"] in ("execve", "execveat")
    assert sc["-abs"]["exec"]["filename"] == "/bin/echo"
    assert sc["-abs"]["exec"]["argv"][1].endswith("-abs")
    assert sc["-abs"]["exec"]["argv"][2:] == ["two words"]
    assert sc["-rel"]["exec"]["filename"] == tp["-rel"]["exec"]["filename"] == tmp + "/prog"
    assert sc["-rel"]["rule"] == "tel-exec-tmp" and sc["-rel"]["action"] == "alert"
    assert sc["-pipe"]["exec"]["stdio"]["stdout"]["kind"] == "pipe"
    # an exec through a descriptor: the kernel names it /dev/fd/N
    assert sc["-memfd"]["exec"]["filename"].startswith("/dev/fd/")
    assert sc["-memfd"]["exec"]["fileless"] == "memfd" and sc["-memfd"]["rule"] == "tel-fileless"

    # where they came from, and four syscall tracepoints fewer
    assert st_tp["telemetry"]["backends"]["exec"] == "tracepoint"
    assert st_sc["telemetry"]["backends"]["exec"] == "tp_btf"
    assert st_tp["telemetry"]["syscall_tracepoints"] - st_sc["telemetry"]["syscall_tracepoints"] == 4
    progs = st_sc["programs"]
    assert progs["proc_exec_sched"]["attached"] is True
    for name in ("proc_enter_execve", "proc_exit_execve", "proc_enter_execveat",
                 "proc_exit_execveat"):
        assert progs[name]["attached"] is False and "sched_process_exec" in progs[name]["error"]
        assert st_tp["programs"][name]["attached"] is True
    assert st_tp["programs"]["proc_exec_sched"]["attached"] is False


def test_exec_block_reported_once_without_exec_tracepoints(daemon_factory, tmp):
    """fanotify stops the exec; with no syscall exit to carry the block, the
    daemon's own report is the one event."""
    fs = os.path.join(tmp, "fs")
    os.makedirs(fs)
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=8m,mode=0755", "sgtest", fs], check=True)
    try:
        tool = os.path.join(fs, "tool")
        shutil.copy(TRUE, tool)
        os.chmod(tool, 0o755)
        pol = os.path.join(tmp, "block.yaml")
        with open(pol, "w") as f:
            f.write("version: 1\nrules:\n  - id: no-tool\n    events: [exec]\n"
                    "    match: {exec.filename: %s}\n    action: block\n" % tool)
        conf = os.path.join(tmp, "sysguard.yaml")
        with open(conf, "w") as f:
            f.write(base_config(tmp) + "telemetry: {exec: tp_btf}\n")
        d = daemon_factory(policy=pol, config=conf)
        if "file enforcement unavailable" in d.stderr():
            pytest.skip("fanotify permission events unavailable here: %s" % d.stderr())
        pid, res = sgact("pid", "exec", tool, "--")
        assert res["exec"] == [-errno.EPERM]
        # the daemon reports a denial nothing claimed within a second
        ev = d.wait_for(lambda e: e["type"] == "exec" and e["proc"]["pid"] == pid
                        and e["action"] == "block", what="the block")
        assert ev["enforced"] is True and ev["mechanism"] == "fanotify"
        assert ev["rule"] == "no-tool" and ev["exec"]["filename"] == tool
        assert subprocess.run([TRUE]).returncode == 0
        d.marker()
        mine = [e for e in d.by_pid(pid, "exec") if e["exec"]["filename"] == tool]
        assert len(mine) == 1, d.by_pid(pid, "exec")
        d.stop()
    finally:
        subprocess.run(["umount", "-l", fs], check=False)


def test_connect_and_bind_from_cgroup_programs_match_the_tracepoints(daemon_factory, tmp):
    """Loopback only.  The same connects and binds under both backends: one
    event each, the same addresses and verdicts; a connect the cgroup program
    stops is still one event; unix sockets are not seen by the cgroup hooks."""
    tcp4 = listener(socket.AF_INET, "127.0.0.1")
    tcp6 = listener(socket.AF_INET6, "::1")
    udp4 = listener(socket.AF_INET, "127.0.0.1", udp=True)
    closed = listener(socket.AF_INET, "127.0.0.1")
    closed_port = closed.getsockname()[1]
    closed.close()
    blk = listener(socket.AF_INET, "127.0.0.9")
    upath = os.path.join(tmp, "u.sock")
    usrv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    usrv.bind(upath)
    usrv.listen(4)
    p4, p6, pu, pb = (tcp4.getsockname()[1], tcp6.getsockname()[1], udp4.getsockname()[1],
                      blk.getsockname()[1])
    pol = os.path.join(tmp, "net.yaml")
    with open(pol, "w") as f:
        f.write("version: 1\ndefaults: {dedup_window: 0, action: log}\nrules:\n"
                "  - id: tel-conn\n    events: [connect]\n"
                "    match: {net.port: %d}\n    action: alert\n" % p6)
    got = {}
    try:
        for backend in ("tracepoint", "cgroup"):
            sub = os.path.join(tmp, backend)
            os.makedirs(sub)
            conf = os.path.join(sub, "sysguard.yaml")
            with open(conf, "w") as f:
                f.write(base_config(sub) + "telemetry: {connect: %s, bind: %s}\n"
                        % (backend, backend))
            d = daemon_factory(policy=pol, config=conf, subdir=backend)
            if "network enforcement unavailable" in d.stderr():
                pytest.skip("cgroup programs unavailable here: %s" % d.stderr())
            ctl(d, "block", "127.0.0.9:%d" % pb)
            pid, res = sgact("pid", "connect", "127.0.0.1", p4, "connect", "127.0.0.1",
                             closed_port, "udp", "127.0.0.1", pu, "connect", "::1", p6,
                             "unix", upath, "connect", "127.0.0.9", pb, "listen", "127.0.0.1", 0)
            assert res["connect"] == [0, -errno.ECONNREFUSED, 0, -errno.EPERM], res
            assert res["udp"] == [0] and res["unix"] == [0]
            d.marker()
            got[backend] = ([e for e in d.by_pid(pid) if e["type"] in ("connect", "bind")],
                            status(d))
            d.stop()
    finally:
        for s in (tcp4, tcp6, udp4, blk, usrv):
            s.close()
    (tp, st_tp), (cg, st_cg) = got["tracepoint"], got["cgroup"]

    def key(e):
        n = e["net"]
        return (e["type"], n["family"], n.get("addr", n.get("unix_path")), n.get("port"), n.get("proto"),
                e["action"], e.get("rule"), e.get("enforced"))
    want = sorted(map(key, tp))
    assert len(tp) == 7, tp
    assert [k for k in want if k[0] == "bind"] == [("bind", "inet", "127.0.0.1", 0, "tcp", "log",
                                                    None, None)]
    # the unix connect: the cgroup connect4/connect6 programs do not see it
    assert sorted(map(key, cg)) == [k for k in want if k[1] != "unix"], cg
    for e in cg:
        if e["action"] == "block":
            assert e["result"] == -errno.EPERM and e["enforced"] is True
            assert e["net"]["addr"] == "127.0.0.9" and e["mechanism"] == "cgroup"
        else:
            assert "result" not in e and "syscall" not in e, e
    assert all("syscall" in e and "result" in e for e in tp)
    assert [e["rule"] for e in cg if e["action"] == "alert"] == ["tel-conn"]

    for kind in ("connect", "bind"):
        assert st_tp["telemetry"]["backends"][kind] == "tracepoint"
        assert st_cg["telemetry"]["backends"][kind] == "cgroup"
    assert st_tp["telemetry"]["syscall_tracepoints"] - st_cg["telemetry"]["syscall_tracepoints"] == 4
    for name in ("net_enter_connect", "net_exit_connect", "net_enter_bind", "net_exit_bind"):
        assert st_cg["programs"][name]["attached"] is False
        assert "cgroup" in st_cg["programs"][name]["error"]
        assert st_tp["programs"][name]["attached"] is True
    assert st_cg["programs"]["net_enter_listen"]["attached"] is True


def test_connect_backend_needs_enforcement(daemon_factory, tmp):
    conf = os.path.join(tmp, "sysguard.yaml")
    with open(conf, "w") as f:
        f.write(base_config(tmp).replace("enforcement:\n", "enforcement:\n  enabled: false\n")
                + "telemetry: {connect: cgroup, bind: cgroup}\n")
    d = daemon_factory(config=conf)
    st = status(d)
    assert st["telemetry"]["backends"]["connect"] == "tracepoint"
    assert st["telemetry"]["backends"]["bind"] == "tracepoint"
    assert "enforcement" in st["telemetry"]["connect_reason"]
    assert "enforcement" in st["telemetry"]["bind_reason"]
    assert st["programs"]["net_enter_connect"]["attached"] is True
    assert st["programs"]["net_enter_bind"]["attached"] is True
    assert "connects from the syscall tracepoints" in d.stderr()
    assert "binds from the syscall tracepoints" in d.stderr()


def test_syscalls_backend_reported(daemon_factory, tmp):
    """telemetry.syscalls: by default trampolines where the kernel runs them,
    and status says which and why not; 'tracepoint' asks for the tracepoints.
    Where fentry cannot load (this kind of host), every syscall program is
    its tracepoint and the trampoline twins are left out with the reason."""
    d = daemon_factory(subdir="auto")
    st = status(d)["telemetry"]
    if st["syscalls"] == "trampoline":
        assert st["syscall_tracepoints"] == 0 and st["trampolines"] > 0, st
        assert st["backends"]["open"] == "trampoline", st
    else:
        assert st["trampolines"] == 0 and st["syscall_tracepoints"] > 0, st
        assert st["syscalls_reason"], st
        assert "trampolines and" in d.stderr() and st["syscalls_reason"] in d.stderr()
        # the twins not loaded are counted, not listed
        progs = status(d)["programs"]
        assert "file_fenter_openat" not in progs and st["twins_not_loaded"] >= 58, st
        assert progs["file_enter_openat"]["attached"] is True
    sub = os.path.join(tmp, "tp")
    os.makedirs(sub)
    conf = os.path.join(sub, "sysguard.yaml")
    with open(conf, "w") as f:
        f.write(base_config(sub) + "telemetry: {syscalls: tracepoint}\n")
    d2 = daemon_factory(config=conf, subdir="tp")
    st2 = status(d2)["telemetry"]
    assert st2["syscalls"] == "tracepoint" and "syscalls_reason" not in st2, st2
    assert st2["trampolines"] == 0 and st2["backends"]["open"] == "tracepoint", st2
    assert "file_fenter_openat" not in status(d2)["programs"] and st2["twins_not_loaded"] >= 58
    assert "telemetry.syscalls is tracepoint" in d2.stderr()
