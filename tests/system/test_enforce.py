# SPDX-License-Identifier: GPL-2.0-or-later
"""Network enforcement with the real daemon, cgroup sock_addr programs and
real connects.  Only loopback addresses (127.0.0.0/8, ::1) are ever used, and
every listener, cgroup, pin and rule a test makes is removed."""

import errno
import json
import os
import shutil
import signal
import socket
import subprocess

import pytest

from conftest import SGACT, base_config, cgroup2_root, ctl, need_root_bpf, sgact


def blocks(d):
    return json.loads(ctl(d, "--json", "blocks").stdout)["rules"]


class Listener:
    """A TCP (or UDP) socket bound on a loopback address, on a free port."""

    def __init__(self, addr, port=0, udp=False):
        fam = socket.AF_INET6 if ":" in addr else socket.AF_INET
        self.s = socket.socket(fam, socket.SOCK_DGRAM if udp else socket.SOCK_STREAM)
        self.s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.s.bind((addr, port))
        if not udp:
            self.s.listen(64)
        self.port = self.s.getsockname()[1]

    def close(self):
        self.s.close()


def connect_result(addr, port, step="connect"):
    _, res = sgact(step, addr, port)
    return res[step][0]


@pytest.fixture
def enf(daemon_factory):
    d = daemon_factory()
    if "network enforcement unavailable" in d.stderr():
        pytest.skip("network enforcement unavailable here: %s" % d.stderr())
    return d


def test_block_exact_address_and_port(enf):
    a = Listener("127.0.0.2")
    b = Listener("127.0.0.3", a.port)
    other = Listener("127.0.0.2")
    try:
        assert connect_result("127.0.0.2", a.port) == 0
        ctl(enf, "block", "127.0.0.2:%d" % a.port, "--comment", "test")
        assert connect_result("127.0.0.2", a.port) == -errno.EPERM
        assert connect_result("127.0.0.3", a.port) == 0           # another address
        assert connect_result("127.0.0.2", other.port) == 0       # another port
        pid, res = sgact("pid", "connect", "127.0.0.2", a.port, "connect", "127.0.0.2", a.port)
        assert res["connect"] == [-errno.EPERM, -errno.EPERM]
        enf.marker()
        mine = [e for e in enf.by_pid(pid) if e["type"] == "connect"]
        # one event per blocked attempt, not two (the syscall exit does not report again)
        assert len(mine) == 2, mine
        for e in mine:
            assert e["action"] == "block" and e["enforced"] is True
            assert e["rule"] == "runtime:127.0.0.2:%d" % a.port
            assert e["net"]["addr"] == "127.0.0.2" and e["net"]["port"] == a.port
            assert e["result"] == -errno.EPERM and e["error"] == "EPERM"
            assert e["proc"]["ppid"] == os.getpid()
            assert e["proc"]["exe"] == os.path.realpath(SGACT)
        rules = blocks(enf)
        assert len(rules) == 1 and rules[0]["hits"] >= 3 and rules[0]["comment"] == "test"
        assert rules[0]["source"] == "runtime"
        chg = enf.wait_for(lambda e: e["type"] == "block_change", needle="block_change")
        assert chg["block_change"]["op"] == "add" and chg["block_change"]["by_uid"] == 0
        ctl(enf, "unblock", "127.0.0.2:%d" % a.port)
        assert connect_result("127.0.0.2", a.port) == 0
        assert blocks(enf) == []
    finally:
        a.close(), b.close(), other.close()


def test_block_cidr_and_port_range(enf):
    a = Listener("127.0.0.2")
    c = Listener("127.0.0.5", a.port)
    lo = Listener("127.0.0.2")
    try:
        ctl(enf, "block", "127.0.0.0/30")
        assert connect_result("127.0.0.2", a.port) == -errno.EPERM
        assert connect_result("127.0.0.2", lo.port) == -errno.EPERM
        assert connect_result("127.0.0.5", a.port) == 0
        # a longer prefix for one port does not hide the /30 for the others
        ctl(enf, "block", "127.0.0.2:%d" % a.port)
        assert connect_result("127.0.0.2", lo.port) == -errno.EPERM
        ctl(enf, "unblock", "127.0.0.0/30")
        assert connect_result("127.0.0.2", lo.port) == 0
        assert connect_result("127.0.0.2", a.port) == -errno.EPERM
        ctl(enf, "unblock", "127.0.0.2:%d" % a.port)
        p1, p2 = sorted([a.port, lo.port])
        ctl(enf, "block", "127.0.0.2:%d-%d" % (p1, p2))
        assert connect_result("127.0.0.2", p1) == -errno.EPERM
        assert connect_result("127.0.0.2", p2) == -errno.EPERM
        assert connect_result("127.0.0.5", a.port) == 0
    finally:
        a.close(), c.close(), lo.close()


def test_block_udp_connected_and_sendto(enf):
    u = Listener("127.0.0.2", udp=True)
    t = Listener("127.0.0.2", u.port)
    try:
        ctl(enf, "block", "127.0.0.2:%d" % u.port, "--proto", "udp")
        assert connect_result("127.0.0.2", u.port, "udp") == -errno.EPERM
        assert connect_result("127.0.0.2", u.port, "sendto") == -errno.EPERM
        assert connect_result("127.0.0.2", u.port) == 0  # TCP is not in the rule
        enf.marker()
        ev = enf.wait_for(lambda e: e["type"] == "connect" and e.get("action") == "block"
                          and e["net"]["proto"] == "udp", needle='"block"')
        assert ev["net"]["port"] == u.port
    finally:
        u.close(), t.close()


def test_block_ipv6_and_mapped(enf):
    six = Listener("::1")
    four = Listener("127.0.0.2")
    try:
        ctl(enf, "block", "[::1]:%d" % six.port)
        assert connect_result("::1", six.port) == -errno.EPERM
        ctl(enf, "block", "127.0.0.2:%d" % four.port)
        # IPv4-mapped IPv6 on an AF_INET6 socket meets the IPv4 rule
        s = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
        with pytest.raises(PermissionError):
            s.connect(("::ffff:127.0.0.2", four.port))
        s.close()
        ctl(enf, "unblock", "[::1]:%d" % six.port)
        assert connect_result("::1", six.port) == 0
    finally:
        six.close(), four.close()


def test_block_bind(enf):
    probe = Listener("127.0.0.2")
    port = probe.port
    probe.close()
    ctl(enf, "block", "127.0.0.2:%d" % port, "--bind")
    _, res = sgact("listen", "127.0.0.2", port)
    assert res["listen"] == [-errno.EPERM]
    ev = enf.wait_for(lambda e: e["type"] == "bind" and e.get("action") == "block",
                      needle='"block"')
    assert ev["net"]["port"] == port and ev["enforced"] is True
    # outbound traffic to it is not a bind
    l2 = Listener("127.0.0.3")
    try:
        assert connect_result("127.0.0.3", l2.port) == 0
    finally:
        l2.close()


def test_cgroup_scoped_rule(enf):
    root = cgroup2_root()
    if root is None:
        pytest.skip("no cgroup v2 mount")
    name = "sgtest-%d" % os.getpid()
    cg = os.path.join(root, name)
    os.mkdir(cg)
    lst = Listener("127.0.0.2")
    try:
        ctl(enf, "block", "127.0.0.2:%d" % lst.port, "--cgroup", "/" + name)
        inside = subprocess.run(["/bin/sh", "-c", 'echo $$ > %s/cgroup.procs && exec %s connect '
                                 '127.0.0.2 %d' % (cg, SGACT, lst.port)],
                                capture_output=True, text=True)
        assert inside.stdout.split() == ["connect", str(-errno.EPERM)], inside
        assert connect_result("127.0.0.2", lst.port) == 0  # outside the cgroup
        bad = ctl(enf, "block", "127.0.0.3", "--cgroup", "/no-such-cgroup-here", check=None)
        assert bad.returncode == 1 and "not found" in bad.stderr
    finally:
        lst.close()
        ctl(enf, "unblock", "127.0.0.2:%d" % lst.port, "--cgroup", "/" + name, check=None)
        os.rmdir(cg)


def test_ttl_expiry(enf):
    lst = Listener("127.0.0.2")
    try:
        ctl(enf, "block", "127.0.0.2:%d" % lst.port, "--ttl", "2s")
        assert connect_result("127.0.0.2", lst.port) == -errno.EPERM
        rules = blocks(enf)
        assert rules[0]["expires"] > rules[0]["created"]
        enf.wait_for(lambda e: e["type"] == "block_change"
                     and e["block_change"]["op"] == "expire", timeout=15, needle="expire")
        assert connect_result("127.0.0.2", lst.port) == 0
        assert blocks(enf) == []
    finally:
        lst.close()


def test_bad_input_changes_nothing(enf):
    ctl(enf, "block", "127.0.0.9:1234")
    before = blocks(enf)
    for args, code in [(["block", "300.1.1.1"], 1), (["block", "127.0.0.1/33"], None),
                       (["block", "127.0.0.1:70000"], 2), (["block", "127.0.0.1", "--ttl", "soon"], 2),
                       (["block", "127.0.0.1", "--proto", "icmp"], 2), (["block", "[::1"], 2),
                       (["block", "127.0.0.1/8"], 1),  # host bits set under the prefix
                       (["block", "not-an-address"], None), (["unblock", "127.0.0.8"], 1),
                       (["block", "127.0.0.9:1234"], 1)]:  # exists
        p = ctl(enf, *args, check=None)
        assert p.returncode != 0, args
        if code is not None:
            assert p.returncode == code, (args, p.returncode, p.stderr)
        assert p.stderr.startswith("sysguardctl: "), p.stderr
        assert len(p.stderr.strip().splitlines()) == 1, p.stderr
    assert blocks(enf) == before
    ctl(enf, "unblock", "127.0.0.9:1234")


def _enforcing_daemon(factory, tmp, release):
    cfg = os.path.join(tmp, "keep.yaml")
    with open(cfg, "w") as f:
        f.write(base_config(tmp).replace("release_on_stop: true",
                                         "release_on_stop: %s" % ("true" if release else "false")))
    return factory(config=cfg)


def test_blocks_survive_restart_and_kill9(daemon_factory, tmp):
    need_root_bpf()
    lst = Listener("127.0.0.2")
    d = _enforcing_daemon(daemon_factory, tmp, release=False)
    try:
        ctl(d, "block", "127.0.0.2:%d" % lst.port)
        assert d.stop() == 0
        # the daemon is gone; the pinned programs still enforce
        assert connect_result("127.0.0.2", lst.port) == -errno.EPERM
        state = json.load(open(os.path.join(tmp, "state", "blocks.json")))
        assert len(state["rules"]) == 1
        d2 = _enforcing_daemon(daemon_factory, tmp, release=False)
        assert connect_result("127.0.0.2", lst.port) == -errno.EPERM
        assert [r["rule"] for r in blocks(d2)] == ["127.0.0.2:%d" % lst.port]
        # a crash: kill -9, enforcement stays, the next start re-adopts it
        d2.proc.send_signal(signal.SIGKILL)
        d2.proc.wait()
        assert connect_result("127.0.0.2", lst.port) == -errno.EPERM
        d3 = _enforcing_daemon(daemon_factory, tmp, release=False)
        assert connect_result("127.0.0.2", lst.port) == -errno.EPERM
        assert len(blocks(d3)) == 1
        ctl(d3, "unblock", "127.0.0.2:%d" % lst.port)
        assert connect_result("127.0.0.2", lst.port) == 0
    finally:
        lst.close()


def _bpftool_json(*args):
    p = subprocess.run(["bpftool", "-j"] + list(args), capture_output=True, text=True, timeout=30)
    return json.loads(p.stdout) if p.returncode == 0 and p.stdout.strip() else None


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_clean_stop_without_rules_releases(daemon_factory, tmp, sig):
    """The README's run (release_on_stop off, no block rule) stopped with
    SIGINT or SIGTERM: nothing is left attached to the root cgroup and nothing
    pinned.  (Other daemons on the machine may have programs there: only the
    ones this daemon pinned are looked for.)"""
    need_root_bpf()
    root = cgroup2_root()
    if root is None or shutil.which("bpftool") is None:
        pytest.skip("needs cgroup v2 and bpftool")
    d = _enforcing_daemon(daemon_factory, tmp, release=False)
    if "network enforcement unavailable" in d.stderr():
        pytest.skip("network enforcement unavailable here")
    links = sorted(f for f in os.listdir(d.pin_dir) if f.startswith("link_"))
    assert len(links) == 6, links
    ours = [_bpftool_json("link", "show", "pinned", os.path.join(d.pin_dir, f)) for f in links]
    progs = {l["prog_id"] for l in ours}
    attached = {p["id"] for p in _bpftool_json("cgroup", "show", root)}
    assert progs <= attached, (progs, attached)
    assert blocks(d) == []
    assert d.stop(sig) == 0
    assert not os.path.exists(d.pin_dir), os.listdir(d.pin_dir)
    attached = {p["id"] for p in (_bpftool_json("cgroup", "show", root) or [])}
    assert not progs & attached, "still attached to %s: %s" % (root, progs & attached)
    for l in ours:
        assert _bpftool_json("link", "show", "id", str(l["id"])) is None, l


def test_release_on_stop(daemon_factory, tmp):
    need_root_bpf()
    lst = Listener("127.0.0.2")
    d = _enforcing_daemon(daemon_factory, tmp, release=True)
    try:
        ctl(d, "block", "127.0.0.2:%d" % lst.port)
        assert connect_result("127.0.0.2", lst.port) == -errno.EPERM
        assert d.stop() == 0
        assert connect_result("127.0.0.2", lst.port) == 0
        assert not os.path.exists(d.pin_dir)
    finally:
        lst.close()


def test_policy_block_rules_follow_reloads(enf, tmp):
    lst = Listener("127.0.0.3")
    pol = os.path.join(tmp, "block.yaml")
    with open(pol, "w") as f:
        f.write("version: 1\ndefaults: {action: allow}\nrules:\n"
                "  - id: no-test-port\n    events: [connect]\n"
                "    match:\n      net.addr: 127.0.0.3/32\n      net.port: %d\n"
                "    action: block\n    severity: high\n" % lst.port)
    try:
        ctl(enf, "policy", "load", pol)
        assert connect_result("127.0.0.3", lst.port) == -errno.EPERM
        ev = enf.wait_for(lambda e: e.get("rule") == "no-test-port", needle="no-test-port")
        assert ev["action"] == "block" and ev["enforced"] is True
        assert [r["source"] for r in blocks(enf)] == ["no-test-port"]
        with open(pol, "w") as f:
            f.write("version: 1\ndefaults: {action: allow}\n")
        ctl(enf, "policy", "reload")
        assert connect_result("127.0.0.3", lst.port) == 0
        assert blocks(enf) == []
    finally:
        lst.close()
