# SPDX-License-Identifier: GPL-2.0-or-later
"""sysguardd in a container, as a Kubernetes DaemonSet runs it: the image
container/build-image makes (built here under a name of the test's own, and
removed, with the base it imported if that was new), run under podman with the
flags docs/kubernetes.md documents, events read from the container's stdout.
Checked: an exec on the host is {"host": true}, an exec in another podman
container names its id, name and image; a network block added with the host's
sysguardctl over the mounted socket stops a host connect; a file block rule
marks the host's filesystem (under host_root), not the container's.  The
configuration and the local policy are the manifest's ConfigMaps
(docs/kubernetes/sysguard-daemonset.yaml) when PyYAML is there, plus the
test's own pin directory on the host's bpffs, released on the clean stop;
everything else lives in the test's temporary directory.  A second test holds
the manifest and the documented podman command to the same privileges and
mounts."""

import errno
import json
import os
import random
import shutil
import socket
import subprocess
import tempfile
import threading
import time
import uuid

import pytest

import containers
from containers import ctr, podman_image  # noqa: F401 (fixtures)
from conftest import BUILD, REPO, SYSGUARDCTL, SYSGUARDD, _validator, need_root_bpf

BUILD_IMAGE = os.path.join(REPO, "container", "build-image")
MANIFEST = os.path.join(REPO, "docs", "kubernetes", "sysguard-daemonset.yaml")
DOC = os.path.join(REPO, "docs", "kubernetes.md")
DEFAULT_POLICY = os.path.join(REPO, "policies", "default.yaml")
BASE_REPO = "localhost/sysguard-base"
BLOCK_ADDR = "127.0.0.151"   # no other test uses it

# The privileges and mounts of docs/kubernetes.md ("Running it with podman"),
# less the ones this test replaces with its own directories (below).
RUN_FLAGS = ("--privileged", "--pid=host", "--cgroupns=host", "--network=none",
             "--ulimit", "nofile=1024:1024", "--ulimit", "nproc=1024:1024",
             "-v", "/sys/fs/bpf:/sys/fs/bpf", "-v", "/:/host:ro,rslave")


def manifest():
    """The manifest's objects by kind (ConfigMaps by name), or None without PyYAML."""
    try:
        import yaml
    except ImportError:
        return None
    with open(MANIFEST) as f:
        docs = [d for d in yaml.safe_load_all(f) if d]
    out = {}
    for d in docs:
        key = d["metadata"]["name"] if d["kind"] == "ConfigMap" else d["kind"]
        assert key not in out, "two objects named %s" % key
        out[key] = d
    return out


# What the manifest's ConfigMaps say, for a host without PyYAML (test_manifest
# checks they agree).
CONFIG = """output: "-"
policy: /etc/sysguard/policies.d
socket: /run/sysguard/sysguard.sock
state_dir: /var/lib/sysguard
host_root: /host
"""


def _version():
    out = subprocess.run([SYSGUARDD, "--version"], capture_output=True, text=True,
                         check=True).stdout.split()
    return out[1]


def _bases():
    p = containers.podman("images", "--format", "{{.Repository}}:{{.Tag}}", BASE_REPO,
                          check=False)
    return set(p.stdout.split()) if p.returncode == 0 else set()


@pytest.fixture(scope="module")
def sysguard_image():
    """The sysguardd image, built from this build; removed at the end, and the
    base it imported unless that existed before."""
    need_root_bpf()
    containers.need_podman()
    if not os.access(SYSGUARDCTL, os.X_OK):
        pytest.skip("sysguardctl is not built (%s)" % SYSGUARDCTL)
    for tool in ("ldd", "tar", "sha256sum"):
        if not shutil.which(tool):
            pytest.skip("%s is not installed (container/build-image needs it)" % tool)
    image = "localhost/sgtest-sysguard:%s" % uuid.uuid4().hex[:10]
    before = _bases()
    env = dict(os.environ, PODMAN="podman --runtime runc")
    t0 = time.monotonic()
    try:
        p = subprocess.run([BUILD_IMAGE, BUILD, _version(), image], capture_output=True,
                           text=True, env=env, timeout=300)
        assert p.returncode == 0, "build-image failed:\n%s%s" % (p.stdout, p.stderr)
        assert p.stdout.strip().splitlines()[-1] == image, p.stdout
        print("image built in %.1f s" % (time.monotonic() - t0))
        yield image
    finally:
        containers.podman("rmi", "--force", image, check=False)
        for base in _bases() - before:
            containers.podman("rmi", base, check=False)


class InContainer:
    """The daemon's container: podman run attached, stdout (events) and stderr
    (diagnostics) read by threads, events parsed and checked on demand."""

    def __init__(self, image, tmp):
        self.name = "sgtest-sysguardd-" + uuid.uuid4().hex[:10]
        self.image = image
        self.tmp = tmp
        self.pin_dir = "/sys/fs/bpf/sgtest-%s" % os.path.basename(tmp)
        self.run_dir = os.path.join(tmp, "run")
        self.socket = os.path.join(self.run_dir, "sysguard.sock")
        self.lines = []
        self.err = []
        self.proc = None
        self.validator = _validator()
        self.invalid = []

    def argv(self, policy_dir, config):
        state = os.path.join(self.tmp, "state")
        for d in (self.run_dir, state):
            os.makedirs(d, exist_ok=True)
        return containers._podman_cmd(
            "run", "--rm", "--name", self.name, *RUN_FLAGS,
            "-v", "%s:/run/sysguard" % self.run_dir,
            "-v", "%s:/var/lib/sysguard" % state,
            "-v", "%s:/etc/sysguard/sysguard.yaml:ro" % config,
            "-v", "%s:/etc/sysguard/policies.d:ro" % policy_dir,
            self.image)

    def start(self, policy_dir, config, timeout=90):
        self.proc = subprocess.Popen(self.argv(policy_dir, config), stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE)
        ready = threading.Event()

        def pump_out():
            for raw in self.proc.stdout:
                self.lines.append(raw.rstrip(b"\n"))

        def pump_err():
            for raw in self.proc.stderr:
                line = raw.decode(errors="replace").rstrip("\n")
                self.err.append(line)
                if "ready:" in line:
                    ready.set()
            ready.set()

        threading.Thread(target=pump_out, daemon=True).start()
        threading.Thread(target=pump_err, daemon=True).start()
        if not ready.wait(timeout) or self.proc.poll() is not None:
            raise AssertionError("sysguardd in its container did not become ready:\n"
                                 + self.stderr())
        return self

    def stderr(self):
        return "\n".join(self.err)

    def wait_for(self, pred, needle, what, timeout=20):
        needle = needle.encode()
        deadline = time.monotonic() + timeout
        seen = 0
        while True:
            lines = self.lines[:]
            for raw in lines[seen:]:
                if needle not in raw:
                    continue
                ev = json.loads(raw)
                if self.validator is not None:
                    errs = list(self.validator.iter_errors(ev))
                    if errs:
                        self.invalid.append((raw, errs[0].message))
                if pred(ev):
                    return ev
            seen = len(lines)
            if time.monotonic() > deadline:
                raise AssertionError("timed out waiting for %s; %d events; daemon log:\n%s"
                                     % (what, len(lines), self.stderr()))
            if self.proc.poll() is not None:
                raise AssertionError("the daemon's container exited (%s) waiting for %s:\n%s"
                                     % (self.proc.returncode, what, self.stderr()))
            time.sleep(0.02)

    def stop(self, timeout=60):
        """podman stop (SIGTERM): the daemon's clean stop; its exit code."""
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            containers.podman("stop", "--time", "30", self.name, check=False, timeout=timeout)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        return self.proc.returncode

    def cleanup(self):
        """Whatever a failed run left: the container, and pins of a killed daemon."""
        containers.podman("rm", "--force", "--ignore", "--time", "0", self.name, check=False)
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        if os.path.isdir(self.pin_dir):
            shutil.rmtree(self.pin_dir, ignore_errors=True)


@pytest.fixture
def blockfs(tmp):
    """A tmpfs of the test's own on the host, with a program to exec in bin/:
    the file block rule marks only this filesystem."""
    path = os.path.join(tmp, "fs")
    os.makedirs(path)
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=8m,mode=0755", "sgtest", path],
                   check=True)
    try:
        os.makedirs(os.path.join(path, "bin"))
        shutil.copy2(shutil.which("true") or "/bin/true", os.path.join(path, "bin", "t"))
        yield path
    finally:
        subprocess.run(["umount", "-l", path], check=False)


def connect_errno(addr, port):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.settimeout(5)
    try:
        s.connect((addr, port))
        return 0
    except OSError as e:
        return e.errno
    finally:
        s.close()


def test_daemon_in_container_names_host_and_containers(sysguard_image, tmp, ctr, blockfs):
    t0 = time.monotonic()
    dm = InContainer(sysguard_image, tmp)
    m = manifest()
    # The policy directory as the DaemonSet has it: the image's default policy,
    # the ConfigMap's 50-local.yaml; and the test's rules before them.
    policy_dir = os.path.join(tmp, "policies.d")
    os.makedirs(policy_dir)
    shutil.copy(DEFAULT_POLICY, os.path.join(policy_dir, "default.yaml"))
    if m:
        for name, text in m["sysguard-policy"]["data"].items():
            with open(os.path.join(policy_dir, name), "w") as f:
                f.write(text)
    with open(os.path.join(policy_dir, "10-test.yaml"), "w") as f:
        f.write("""version: 1
rules:
  - id: no-exec-from-blockfs
    events: [exec]
    match: {exec.filename: {prefix: %s/bin/}}
    action: block
  - id: execs
    events: [exec]
    action: log
""" % blockfs)
    config = os.path.join(tmp, "sysguard.yaml")
    with open(config, "w") as f:
        # the ConfigMap's, with pins of the test's own, released on stop
        f.write(m["sysguard-config"]["data"]["sysguard.yaml"] if m else CONFIG)
        f.write("enforcement:\n  pin_dir: %s\n  release_on_stop: true\n" % dm.pin_dir)
    try:
        dm.start(policy_dir, config)
        t_ready = time.monotonic()
        assert os.path.isdir(dm.pin_dir), "no pins on the host's bpffs:\n" + dm.stderr()

        # (a) an exec on the host
        mark = "sgmark-host-" + uuid.uuid4().hex
        subprocess.run(["/bin/echo", mark], stdout=subprocess.DEVNULL, check=True)
        ev = dm.wait_for(lambda e: e["type"] == "exec" and mark in e["exec"]["argv"],
                         mark, "the host exec")
        assert ev["container"] == {"host": True}, ev
        assert ev["proc"]["pid"] > 0 and ev["proc"].get("exe"), ev

        # (b) an exec in another podman container
        name = ctr.name("inctr")
        mark = "sgmark-ctr-" + uuid.uuid4().hex
        cid = ctr.start_detached(name, ("echo", mark))
        ev = dm.wait_for(lambda e: e["type"] == "exec" and e["exec"]["argv"] == ["echo", mark],
                         mark, "the container's exec")
        c = ev["container"]
        assert c.get("id") == cid, ev
        assert c.get("name") == name, ev
        assert c.get("image") == containers.IMAGE, ev
        assert c.get("runtime") == "podman", ev

        # network enforcement on the host's cgroup root, through the mounted socket
        port = random.randint(20000, 60000)
        assert connect_errno(BLOCK_ADDR, port) == errno.ECONNREFUSED
        r = subprocess.run([SYSGUARDCTL, "--socket", dm.socket, "block",
                            "%s:%d" % (BLOCK_ADDR, port), "--ttl", "5m"],
                           capture_output=True, text=True, timeout=20)
        assert r.returncode == 0, r.stdout + r.stderr
        assert connect_errno(BLOCK_ADDR, port) == errno.EPERM, dm.stderr()

        # file enforcement: the host's filesystem under host_root is marked
        with pytest.raises(PermissionError):
            subprocess.run([os.path.join(blockfs, "bin", "t")], capture_output=True)
        ev = dm.wait_for(lambda e: e["type"] == "exec" and e.get("rule") == "no-exec-from-blockfs",
                         "no-exec-from-blockfs", "the file block")
        assert ev["action"] == "block" and ev["enforced"] is True, ev
        assert ev["mechanism"] == "fanotify", ev
        t_checks = time.monotonic()

        rc = dm.stop()
        assert rc == 0, "sysguardd exited with %s:\n%s" % (rc, dm.stderr())
        assert not os.path.exists(dm.pin_dir), "pins left behind (release_on_stop)"
        assert connect_errno(BLOCK_ADDR, port) == errno.ECONNREFUSED
        assert not os.path.exists(dm.socket), "the control socket was left behind"
        assert not dm.invalid, "events not valid against the schema: %s" % dm.invalid[:3]
        print("ready after %.1f s, checks %.1f s, stop %.1f s"
              % (t_ready - t0, t_checks - t_ready, time.monotonic() - t_checks))
    finally:
        dm.cleanup()


def test_manifest_and_documented_command():
    """The DaemonSet has the privileges and mounts the podman command has, its
    configuration is the image's, and its policy loads with the default one."""
    with open(DOC) as f:
        doc = f.read()
    cmd = doc[doc.index("podman run -d --name sysguard"):]
    cmd = cmd[:cmd.index("```")]
    for flag in ("--privileged", "--pid=host", "--cgroupns=host", "--network=none",
                 "-v /sys/fs/bpf:/sys/fs/bpf", "-v /:/host:ro,rslave",
                 "-v /run/sysguard:/run/sysguard", "-v /var/lib/sysguard:/var/lib/sysguard"):
        assert flag in cmd, "%s is not in the documented command" % flag
    for i in range(0, len(RUN_FLAGS)):
        if RUN_FLAGS[i].startswith("-") and RUN_FLAGS[i] not in ("-v", "--ulimit"):
            assert RUN_FLAGS[i] in cmd, RUN_FLAGS[i]
        elif i and RUN_FLAGS[i - 1] == "-v":
            assert "-v " + RUN_FLAGS[i] in cmd, RUN_FLAGS[i]

    m = manifest()
    if m is None:
        pytest.skip("PyYAML is not installed (python3-yaml): the manifest is not checked")
    assert set(m) == {"Namespace", "sysguard-config", "sysguard-policy", "DaemonSet"}, set(m)
    ds = m["DaemonSet"]
    assert ds["apiVersion"] == "apps/v1"
    tmpl = ds["spec"]["template"]
    assert ds["spec"]["selector"]["matchLabels"].items() <= tmpl["metadata"]["labels"].items()
    spec = tmpl["spec"]
    assert spec["hostPID"] is True
    assert {"operator": "Exists"} in spec["tolerations"]
    (c,) = spec["containers"]
    assert c["securityContext"]["privileged"] is True
    assert "cpu" not in c["resources"].get("limits", {}), "a throttled daemon answers fanotify late"
    vols = {v["name"]: v for v in spec["volumes"]}
    mounts = {vm["mountPath"]: vm for vm in c["volumeMounts"]}
    for vm in c["volumeMounts"]:
        assert vm["name"] in vols, vm
    want = {"/sys/fs/bpf": "/sys/fs/bpf", "/host": "/", "/run/sysguard": "/run/sysguard",
            "/var/lib/sysguard": "/var/lib/sysguard"}
    for path, host in want.items():
        assert path in mounts, "no volume mounted at %s" % path
        assert vols[mounts[path]["name"]]["hostPath"]["path"] == host, path
    assert mounts["/host"].get("readOnly") is True
    assert mounts["/host"].get("mountPropagation") == "HostToContainer"
    assert mounts["/etc/sysguard/sysguard.yaml"]["subPath"] == "sysguard.yaml"
    for key in ("sysguard.yaml",):
        assert key in m["sysguard-config"]["data"]
    # the ConfigMap's configuration is the image's, less its comments
    def settings(text):
        return sorted(l.split("#")[0].rstrip() for l in text.splitlines()
                      if l.strip() and not l.lstrip().startswith("#"))
    with open(os.path.join(REPO, "container", "sysguard.yaml")) as f:
        image_conf = f.read()
    assert settings(m["sysguard-config"]["data"]["sysguard.yaml"]) == settings(image_conf)
    assert settings(CONFIG) == settings(image_conf)
    # the ConfigMap's policy files load next to the image's default policy
    if not os.access(SYSGUARDD, os.X_OK):
        pytest.skip("sysguardd is not built")
    d = tempfile.mkdtemp(prefix="sgtest-manifest-")
    try:
        shutil.copy(DEFAULT_POLICY, os.path.join(d, "default.yaml"))
        for name, text in m["sysguard-policy"]["data"].items():
            assert mounts["/etc/sysguard/policies.d/" + name]["subPath"] == name
            with open(os.path.join(d, name), "w") as f:
                f.write(text)
        r = subprocess.run([SYSGUARDD, "-n", d], capture_output=True, text=True)
        assert r.returncode == 0, r.stdout + r.stderr
    finally:
        shutil.rmtree(d, ignore_errors=True)
