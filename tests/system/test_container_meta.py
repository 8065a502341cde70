# SPDX-License-Identifier: GPL-2.0-or-later
"""The container module on real podman containers: tests/tools/sgctr resolves
a pid the way sysguardd will (the cgroup v2 id of the pid, container_lookup(),
the resolver thread, the answer on the event loop) and prints what it found;
here it is held against podman's own inspect: id, name, image name and id,
runtime, privileged, start time, and labels when podman's API service runs on
a socket of the test's own.  Host processes resolve to the host."""

import calendar
import json
import os
import subprocess

import pytest

from conftest import BUILD
from containers import ApiService, IMAGE, cgroup2_root, ctr, podman_image  # noqa: F401 (fixtures)

SGCTR = os.path.join(BUILD, "tests", "tools", "sgctr")


def sgctr(*args, check=True):
    """Run the tool; its JSON lines."""
    if not os.access(SGCTR, os.X_OK):
        pytest.skip("sgctr is not built (make %s)" % SGCTR)
    p = subprocess.run([SGCTR] + [str(a) for a in args], capture_output=True, text=True,
                       timeout=60)
    if check and p.returncode != 0:
        raise AssertionError("sgctr %s: %d\n%s%s" % (args, p.returncode, p.stdout, p.stderr))
    return [json.loads(line) for line in p.stdout.splitlines()]


def ns(stamp):
    """podman's RFC 3339 time with ns ("2026-12-07T18:34:35.686801889Z") to ns."""
    date, _, frac = stamp.rstrip("Z").partition(".")
    secs = calendar.timegm(tuple(int(x) for x in date.replace("T", "-").replace(":", "-")
                                 .split("-")) + (0, 0, 0))
    return secs * 10**9 + int((frac + "000000000")[:9])


def check_container(out, info, privileged):
    assert out["state"] == "container", out
    assert out["error"] == 0, out
    c = out["container"]
    assert c["runtime"] == "podman"
    assert c["id"] == info["Id"]
    assert c["name"] == info["Name"]
    assert c["image"] == IMAGE == info["ImageName"]
    assert c["image_id"] == info["Image"]
    assert c["privileged"] is privileged
    # from the pidfile runc writes at create, just before podman starts it
    started = ns(info["State"]["StartedAt"])
    assert abs(c["started_at"] - started) < 2 * 10**9, (c["started_at"], started)
    assert out["cgroup"].rstrip("/").split("/")[-1] in ("libpod-" + info["Id"],
                                                        "libpod-%s.scope" % info["Id"])
    return c


def test_podman_container(ctr):
    name = ctr.name("meta")
    cid = ctr.start_detached(name, ("sleep", "100000"), "--label", "sg.test=meta")
    info = ctr.inspect(name)
    assert info["Id"] == cid
    [out] = sgctr("--podman-socket", "", ctr.pid(name))
    # this machine's root may open cgroups by handle: no walk of the tree
    assert out["handles"] is True
    c = check_container(out, info, False)
    # labels live in podman's database: without the API, said so
    assert c["labels_known"] is False
    assert c["labels"] == {}
    assert c["labels_why"]
    # the same through a walk of the cgroup tree instead of open_by_handle_at()
    [out] = sgctr("--podman-socket", "", "--walk", ctr.pid(name))
    assert out["handles"] is False
    check_container(out, info, False)


def test_privileged(ctr):
    name = ctr.name("priv")
    ctr.start_detached(name, ("sleep", "100000"), "--privileged")
    [out] = sgctr("--podman-socket", "", ctr.pid(name))
    check_container(out, ctr.inspect(name), True)


def test_every_process(ctr):
    """Processes podman exec starts, in the container's cgroup, are the container's."""
    name = ctr.name("exec")
    ctr.start_detached(name)
    ctr.exec(name, ("sh", "-c", "sleep 100000 >/dev/null 2>&1 &"))
    [first] = sgctr("--podman-socket", "", ctr.pid(name))
    procs_file = os.path.join(cgroup2_root() + first["cgroup"], "cgroup.procs")
    if not os.path.exists(procs_file):
        pytest.skip("no %s" % procs_file)
    with open(procs_file) as f:
        pids = [int(p) for p in f.read().split()]
    assert len(pids) >= 2, pids
    outs = sgctr("--podman-socket", "", *pids)
    assert {o["container"]["id"] for o in outs} == {first["container"]["id"]}
    assert {o["cgroup_id"] for o in outs} == {first["cgroup_id"]}


def test_labels_from_api(ctr, tmp):
    name = ctr.name("labels")
    ctr.start_detached(name, ("sleep", "100000"), "--label", "sg.test=labels",
                       "--label", "io.kubernetes.pod.name=sgpod",
                       "--label", "io.kubernetes.pod.namespace=sgns")
    with ApiService(tmp) as api:
        [out] = sgctr("--podman-socket", api.path, ctr.pid(name))
    assert not os.path.exists(api.path)
    c = check_container(out, ctr.inspect(name), False)
    assert c["labels_known"] is True
    assert c["labels_why"] is None
    assert c["labels"] == {"sg.test": "labels", "io.kubernetes.pod.name": "sgpod",
                           "io.kubernetes.pod.namespace": "sgns"}
    # the CRI's label names fill the pod fields
    assert c["pod"] == "sgpod"
    assert c["pod_namespace"] == "sgns"


def test_scan_finds_running(ctr):
    names = [ctr.name("scan") for _ in range(2)]
    ids = {ctr.start_detached(n) for n in names}
    outs = sgctr("--podman-socket", "", "--scan", "--list")
    found = {o["container"]["id"]: o for o in outs if o["container"]["id"] in ids}
    assert set(found) == ids
    assert {o["container"]["name"] for o in found.values()} == set(names)


def test_gone(ctr):
    """A container removed: its pid resolves to nothing, and the cache does not make one up."""
    name = ctr.name("gone")
    ctr.start_detached(name)
    pid = ctr.pid(name)
    ctr.rm(name)
    [out] = sgctr("--podman-socket", "", pid, check=False)
    assert "error" in out and "container" not in out, out


def test_host():
    """This test's own process and pid 1 are on the host (no podman needed)."""
    outs = sgctr("--podman-socket", "", os.getpid(), 1)
    for out in outs:
        assert out["state"] == "host", out
        assert "container" not in out
