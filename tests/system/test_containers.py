# SPDX-License-Identifier: GPL-2.0-or-later
"""Containers in the real daemon, with real podman containers: every event of
a process in one names it (id, name, image, runtime) and a host process says
it is on the host; a rule on container.name is about that container only; a
block scoped to a container (runtime --container, or a policy rule with
container conditions) stops its connects and nobody else's; each default
rule about containers alerts for what it names; an idle host with running
containers stays quiet; the CLI lists and filters by container.

Network: containers run with --network none (their own namespace, only
loopback), so connects go nowhere off this machine, the metadata address
included (the connect fails with ENETUNREACH; the event is what counts)."""

import json
import os
import socket
import subprocess
import threading
import time
import uuid

import pytest

from conftest import REPO, SYSGUARDCTL, matched_rules
from containers import ctr, podman_image  # noqa: F401 (fixtures)

DEFAULT = os.path.join(REPO, "policies", "default.yaml")


def in_container(e, name):
    return e.get("container", {}).get("name") == name


def wait_ctr(daemon, name, pred, what, timeout=30):
    return daemon.wait_for(lambda e: in_container(e, name) and pred(e), timeout=timeout,
                           what="%s in container %s" % (what, name), needle=name)


def wait_alert(daemon, name, rule, timeout=30):
    """rule alerted: it decided, or it is among the other rules that matched
    (busybox's nc is also a shell connecting out, which is critical)."""
    return wait_ctr(daemon, name, lambda e: (rule, "alert") in matched_rules(e),
                    "alert %s" % rule, timeout=timeout)


def host_exec(daemon):
    """A host exec's event (the marker)."""
    text = daemon.marker()
    return daemon.wait_for(lambda e: e["type"] == "exec" and text in e["exec"]["argv"],
                           needle=text)


@pytest.fixture
def dflt(daemon_factory):
    return daemon_factory(policy=DEFAULT)


# ------------------------------------------------------------------- identity

def test_events_name_their_container(daemon, ctr):
    name = ctr.name("ident")
    cid = ctr.start_detached(name)
    info = ctr.inspect(name)
    ctr.exec(name, ["sh", "-c", "cat /etc/hostname; nc -w 1 127.0.0.1 9; true"], check=False)
    for what, pred in (("exec", lambda e: e["type"] == "exec" and "cat" in e["exec"]["argv"]),
                       ("open", lambda e: e["type"] == "open"
                        and e["file"]["path"] == "/etc/hostname"),
                       ("connect", lambda e: e["type"] == "connect"
                        and e["net"].get("port") == 9)):
        ev = wait_ctr(daemon, name, pred, what)
        c = ev["container"]
        assert c["id"] == cid == info["Id"], ev
        assert c["image"] == info["ImageName"], ev
        assert c["runtime"] == "podman", ev
        # the process is in its own pid and mount namespaces, pid 1 is the container's
        assert ev["proc"]["ns"]["pid"] != 0 and ev["proc"].get("vpid"), ev
    # the container's first process, its sleep, was named from its very first exec
    first = wait_ctr(daemon, name, lambda e: e["type"] == "exec"
                     and e["exec"]["argv"][:1] == ["sleep"], "first exec")
    assert first["proc"]["vpid"] == 1, first
    # the container's view, and the host's path of the same file: /etc/hostname is
    # a bind mount of podman's, the rest is the container's root file system
    ev = wait_ctr(daemon, name, lambda e: e["type"] == "open"
                  and e["file"]["path"] == "/etc/hostname", "open")
    assert ev["file"]["host_path"].endswith("/userdata/hostname"), ev
    assert os.path.exists(ev["file"]["host_path"]), ev
    ctr.exec(name, ["sh", "-c", "head -c 1 /bin/busybox >/dev/null"], check=False)
    ev = wait_ctr(daemon, name, lambda e: e["type"] == "open"
                  and e["file"]["path"] == "/bin/busybox", "open of /bin/busybox")
    assert ev["file"]["host_path"] == info["GraphDriver"]["Data"]["MergedDir"] + "/bin/busybox", ev
    # a host process at the same time
    ev = host_exec(daemon)
    assert ev["container"] == {"host": True}, ev
    assert "ns" not in ev["proc"], ev
    # the container's start was an event of its own, before its first exec
    start = wait_ctr(daemon, name, lambda e: e["type"] == "container", "container event")
    assert start["lifecycle"]["op"] == "start" and start["seq"] < first["seq"], (start, first)


def test_rule_on_container_name(daemon_factory, ctr, tmp):
    a, b = ctr.name("only"), ctr.name("other")
    policy = os.path.join(tmp, "p.yaml")
    with open(policy, "w") as f:
        f.write("version: 1\ndefaults: {action: log}\nrules:\n"
                "  - {id: only-a, events: [open], match: {container.name: %s, "
                "file.path: /etc/hostname}, action: alert, severity: high}\n" % a)
    d = daemon_factory(policy=policy)
    for n in (a, b):
        ctr.start_detached(n)
        ctr.exec(n, ["cat", "/etc/hostname"])
    subprocess.run(["cat", "/etc/hostname"], stdout=subprocess.DEVNULL, check=True)
    ev = wait_alert(d, a, "only-a")
    assert ev["type"] == "open"
    other = wait_ctr(d, b, lambda e: e["type"] == "open" and e["file"]["path"] == "/etc/hostname",
                     "open")
    assert other["action"] == "log" and "rule" not in other, other
    d.marker()
    assert [e for e in d.events if e.get("rule") == "only-a"
            and not in_container(e, a)] == [], "the rule fired outside its container"


# ----------------------------------------------------------- scoped blocking

def connect_result(daemon, name, port):
    ev = wait_ctr(daemon, name, lambda e: e["type"] == "connect" and e["net"].get("port") == port,
                  "connect to port %d" % port)
    return ev


def test_block_scoped_by_policy(daemon_factory, ctr, tmp):
    a, b = ctr.name("blocked"), ctr.name("free")
    port = 9
    policy = os.path.join(tmp, "p.yaml")
    with open(policy, "w") as f:
        f.write("version: 1\ndefaults: {action: log}\nrules:\n"
                "  - {id: scoped-block, events: [connect], match: {container.name: %s, "
                "net.addr: 127.0.0.1, net.port: %d}, action: block, severity: high}\n"
                % (a, port))
    d = daemon_factory(policy=policy)
    for n in (a, b):
        ctr.start_detached(n)
    # the rule follows the container: it is bound once the container is known
    d.wait_for(lambda e: e["type"] == "container" and in_container(e, a), needle=a)
    for n in (a, b):
        ctr.exec(n, ["nc", "-w", "1", "127.0.0.1", str(port)], check=False)
    ev = connect_result(d, a, port)
    assert ev["action"] == "block" and ev["enforced"] and ev["mechanism"] == "cgroup", ev
    assert ev["rule"] == "scoped-block" and ev["result"] == -1, ev  # EPERM
    ev = connect_result(d, b, port)
    assert ev["action"] == "log" and ev["result"] != -1, ev
    # the host is not blocked either
    s = socket.socket()
    s.settimeout(2)
    assert s.connect_ex(("127.0.0.1", port)) != 1  # not EPERM (ECONNREFUSED: nobody listens)
    s.close()
    # the container gone, so is its cgroup's rule
    ctr.rm(a)
    d.wait_for(lambda e: e["type"] == "container" and in_container(e, a)
               and e["lifecycle"]["op"] == "stop", needle=a)
    rules = json.loads(subprocess.run([SYSGUARDCTL, "--socket", d.socket, "--json", "blocks"],
                                      capture_output=True, text=True, check=True).stdout)
    assert [r for r in rules["rules"] if r["source"] == "scoped-block"] == [], rules


def test_block_scoped_at_runtime(daemon, ctr):
    a, b = ctr.name("rt-blocked"), ctr.name("rt-free")
    port = 10
    for n in (a, b):
        ctr.start_detached(n)
    daemon.wait_for(lambda e: e["type"] == "container" and in_container(e, b), needle=b)

    def ctl(*args, check=True):
        return subprocess.run([SYSGUARDCTL, "--socket", daemon.socket] + list(args),
                              capture_output=True, text=True, check=check)

    ctl("block", "127.0.0.1:%d" % port, "--container", a)
    listed = json.loads(ctl("--json", "blocks").stdout)["rules"]
    assert [r["container"] for r in listed] == [a], listed
    # a container that does not run is refused, with the reason
    r = ctl("block", "127.0.0.1:%d" % port, "--container", "sgtest-none-" + uuid.uuid4().hex,
            check=False)
    assert r.returncode == 1 and "no running container" in r.stderr, r.stderr
    for n in (a, b):
        ctr.exec(n, ["nc", "-w", "1", "127.0.0.1", str(port)], check=False)
    ev = connect_result(daemon, a, port)
    assert ev["action"] == "block" and ev["result"] == -1, ev
    ev = connect_result(daemon, b, port)
    assert ev["action"] == "log" and ev["result"] != -1, ev
    # the container stops: the block goes, and says so
    ctr.rm(a)
    ev = daemon.wait_for(lambda e: e["type"] == "block_change"
                         and e["block_change"]["op"] == "remove"
                         and ("container=%s" % a) in e["block_change"]["rule"], timeout=30)
    assert json.loads(ctl("--json", "blocks").stdout)["rules"] == []


# -------------------------------------------------- the default policy's rules

def test_default_rules_in_a_container(dflt, ctr, tmp):
    name = ctr.name("rules")
    ctr.start_detached(name)
    d = dflt
    # an interactive shell: stdin is a terminal
    ctr.exec(name, ["sh", "-c", "true"], "-t")
    ev = wait_alert(d, name, "container-interactive-shell")
    assert ev["exec"]["stdio"]["stdin"]["kind"] == "tty", ev
    # drift: a program that was not in the image
    ctr.exec(name, ["sh", "-c", "cp /bin/busybox /x && /x true"], check=False)
    ev = wait_alert(d, name, "container-drift")
    assert ev["exec"]["filename"] == "/x" and ev["exec"]["drift"] is True, ev
    # a package manager
    ctr.exec(name, ["dpkg", "--version"], check=False)
    wait_alert(d, name, "container-package-manager")
    # a write below a binary directory
    ctr.exec(name, ["touch", "/bin/sgtest-x"])
    ev = wait_alert(d, name, "container-write-binary-dir")
    assert ev["file"]["path"] == "/bin/sgtest-x", ev
    # the cloud metadata address (no network in the container: nothing leaves it)
    ctr.exec(name, ["nc", "-w", "1", "169.254.169.254", "80"], check=False)
    ev = wait_alert(d, name, "container-cloud-metadata")
    assert ev["net"]["addr"] == "169.254.169.254", ev
    # a container runtime's API socket, mounted into the container
    sockdir = os.path.join(tmp, "rt")
    os.makedirs(sockdir)
    srv = socket.socket(socket.AF_UNIX)
    srv.bind(os.path.join(sockdir, "podman.sock"))
    srv.listen(1)
    try:
        sname = ctr.name("sock")
        ctr.start_detached(sname, ("sleep", "100000"), "-v", "%s:/run/podman" % sockdir)
        ctr.exec(sname, ["cat", "/run/podman/podman.sock"], check=False)
        ev = wait_alert(d, sname, "container-runtime-socket")
        assert ev["file"]["path"] == "/run/podman/podman.sock", ev
    finally:
        srv.close()
    # the container's own /etc/shadow is credentials too; the event says whose
    ctr.exec(name, ["cat", "/etc/shadow"], check=False)
    ev = wait_alert(d, name, "cred-shadow-read")
    assert ev["container"]["name"] == name and ev["result"] < 0, ev


def test_default_escape_rules(dflt, ctr, tmp):
    d = dflt
    # a privileged container started
    name = ctr.name("priv")
    ctr.start_detached(name, ("sleep", "100000"), "--privileged", "--pid=host")
    ev = d.wait_for(lambda e: e["type"] == "container" and in_container(e, name)
                    and e["action"] == "alert", needle=name, timeout=30)
    assert ev["rule"] == "container-privileged-start" and ev["container"]["privileged"] is True
    # into the host's mount namespace: a host process's, by nsenter
    host = subprocess.Popen(["sleep", "60"])
    try:
        ctr.exec(name, ["nsenter", "-t", str(host.pid), "-m", "--", "/bin/true"])
        ev = wait_alert(d, name, "container-escape-host-namespace")
        assert ev["proc"]["exe"].endswith("/true"), ev
    finally:
        host.kill()
        host.wait()
    # release_agent and core_pattern opened for writing (nothing is written)
    ctr.exec(name, ["sh", "-c", ": >> /proc/sys/kernel/core_pattern"])
    ev = wait_alert(d, name, "container-escape-release-agent")
    assert ev["file"]["path"] == "/proc/sys/kernel/core_pattern", ev
    # a block device mounted: a loop device of the test's own, read-only
    img = os.path.join(tmp, "disk.img")
    with open(img, "wb") as f:
        f.truncate(1 << 20)
    loop = subprocess.run(["losetup", "--find", "--show", "--read-only", img],
                          capture_output=True, text=True)
    if loop.returncode != 0:
        pytest.skip("no loop device: %s" % loop.stderr.strip())
    dev = loop.stdout.strip()
    try:
        ctr.exec(name, ["sh", "-c", "mkdir -p /mnt/x && mount -r %s /mnt/x; true" % dev])
        ev = wait_alert(d, name, "container-escape-mount-device")
        assert ev["mount"]["source"] == dev, ev
    finally:
        subprocess.run(["losetup", "-d", dev], check=False)


def test_idle_containers_are_quiet(dflt, ctr):
    names = [ctr.name("idle") for _ in range(2)]
    for n in names:
        ctr.start_detached(n, ("sh", "-c", "while :; do sleep 1; done"))
    for n in names:
        dflt.wait_for(lambda e, n=n: e["type"] == "exec" and in_container(e, n)
                      and e["exec"]["argv"][:1] == ["sleep"], needle=n, timeout=30)
    time.sleep(3)
    dflt.marker()
    # (this machine's other work may alert on its own: only these containers count)
    bad = [e for e in dflt.events if e.get("action") in ("alert", "block")
           and e.get("container", {}).get("name") in names]
    assert bad == [], bad[:3]


# ------------------------------------------------------------------------ CLI

def test_cli_lists_and_filters(daemon, ctr):
    name = ctr.name("cli")
    tail = subprocess.Popen([SYSGUARDCTL, "--socket", daemon.socket, "tail", "--json",
                             "--container", name, "--count", "2"],
                            stdout=subprocess.PIPE, text=True)
    try:
        time.sleep(0.5)
        ctr.start_detached(name)
        ctr.exec(name, ["cat", "/etc/hostname"])
        out, _ = tail.communicate(timeout=60)
    finally:
        tail.kill()
    got = [json.loads(line) for line in out.splitlines()]
    assert len(got) == 2 and all(in_container(e, name) for e in got), got
    st = json.loads(subprocess.run([SYSGUARDCTL, "--socket", daemon.socket, "--json",
                                    "containers"], capture_output=True, text=True,
                                   check=True).stdout)
    assert st["tracked"] is True
    assert name in [c["name"] for c in st["containers"]], st
    human = subprocess.run([SYSGUARDCTL, "--socket", daemon.socket, "status"],
                           capture_output=True, text=True, check=True).stdout
    assert "containers: " in human and name in human, human


def test_cache_back_to_idle_after_churn(daemon, ctr):
    """Containers started and removed: the cache forgets each (1,000 of them in
    tests/unit/test_container.c, without a runtime; 20 real ones here)."""
    def known():
        st = json.loads(subprocess.run([SYSGUARDCTL, "--socket", daemon.socket, "--json",
                                        "containers"], capture_output=True, text=True,
                                       check=True).stdout)
        return st["known"]

    before = known()
    for i in range(20):
        ctr.run(ctr.name("churn"), ["true"])
    deadline = time.monotonic() + 30
    while known() != before and time.monotonic() < deadline:
        time.sleep(0.2)
    assert known() == before
