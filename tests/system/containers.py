# SPDX-License-Identifier: GPL-2.0-or-later
"""Podman containers for system tests, with no image registry: a busybox-static
root filesystem imported once per session as localhost/sgtest-bb:1, containers
run with runc (crun refuses hybrid cgroup hosts) and ulimits under the host's
hard limits, no network (netavark would leave firewall chains and turn on
forwarding), unique names, and everything removed at the end: the containers
a test made when it ends (the ctr fixture), the image at session end unless
it was there before, the API service and its socket with their test.
Independent of conftest.py: tests import what they use from here."""

import atexit
import json
import os
import shutil
import socket
import subprocess
import tarfile
import tempfile
import time
import uuid

import pytest

IMAGE = "localhost/sgtest-bb:1"
BUSYBOX = "/bin/busybox"
APPLETS = ("sh", "sleep", "cat", "echo", "true", "false", "id", "ls", "ps", "env", "grep",
           "nc", "wget", "mount", "umount", "nsenter", "cp", "chmod", "touch", "mkdir", "rm",
           "dpkg", "tty", "timeout",
           "head", "wc", "readlink", "kill")
RUN_FLAGS = ("--ulimit", "nofile=1024:1024", "--ulimit", "nproc=1024:1024", "--network", "none")

_made = set()            # container names made here and not removed yet
_image = {"ready": False, "existed": None}


def _podman_cmd(*args):
    return ["podman", "--runtime", "runc"] + [str(a) for a in args]


def podman(*args, check=True, timeout=120, **kw):
    """Run podman (always with runc); returns the CompletedProcess."""
    p = subprocess.run(_podman_cmd(*args), capture_output=True, text=True, timeout=timeout, **kw)
    if check and p.returncode != 0:
        raise AssertionError("podman %s failed (%d): %s%s"
                             % (" ".join(map(str, args)), p.returncode, p.stdout, p.stderr))
    return p


def missing():
    """Why podman containers cannot run here, or None."""
    if os.geteuid() != 0:
        return "needs root (rootful podman)"
    for tool in ("podman", "runc"):
        if not shutil.which(tool) and not os.path.exists("/usr/sbin/" + tool):
            return "%s is not installed (apt-get install podman runc busybox-static)" % tool
    if not os.path.exists(BUSYBOX):
        return "busybox-static is not installed (%s)" % BUSYBOX
    r = subprocess.run(["file", "-L", BUSYBOX], capture_output=True, text=True) \
        if shutil.which("file") else None
    if r is not None and r.returncode == 0 and "dynamically linked" in r.stdout:
        return "%s is not statically linked (install busybox-static)" % BUSYBOX
    return None


def need_podman():
    """Skip the calling test with the reason podman cannot be used."""
    why = missing()
    if why:
        pytest.skip(why)


def _image_exists():
    return podman("image", "exists", IMAGE, check=False).returncode == 0


def ensure_image():
    """Build IMAGE from busybox-static once (reused if it exists already)."""
    if _image["ready"]:
        return IMAGE
    if _image["existed"] is None:
        _image["existed"] = _image_exists()
        atexit.register(cleanup)
    if not _image_exists():
        with tempfile.TemporaryDirectory(prefix="sgtest-rootfs-") as d:
            tar = os.path.join(d, "root.tar")
            with tarfile.open(tar, "w") as t:
                for sub in ("bin", "etc", "tmp", "proc", "sys", "dev"):
                    info = tarfile.TarInfo(sub)
                    info.type = tarfile.DIRTYPE
                    info.mode = 0o1777 if sub == "tmp" else 0o755
                    t.addfile(info)
                t.add(BUSYBOX, "bin/busybox")
                for applet in APPLETS:
                    info = tarfile.TarInfo("bin/" + applet)
                    info.type = tarfile.SYMTYPE
                    info.linkname = "busybox"
                    t.addfile(info)
                for name, text in (("etc/passwd", "root:x:0:0:root:/:/bin/sh\n"),
                                   ("etc/group", "root:x:0:\n")):
                    data = text.encode()
                    info = tarfile.TarInfo(name)
                    info.size = len(data)
                    info.mode = 0o644
                    t.addfile(info, fileobj=_Bytes(data))
            podman("import", tar, IMAGE)
    _image["ready"] = True
    return IMAGE


class _Bytes:
    def __init__(self, data):
        self.data = data

    def read(self, n=-1):
        out, self.data = (self.data, b"") if n < 0 else (self.data[:n], self.data[n:])
        return out


def cgroup2_root():
    """Where the cgroup v2 hierarchy is mounted (/sys/fs/cgroup, or .../unified on hybrid hosts)."""
    found = None
    with open("/proc/self/mountinfo") as f:
        for line in f:
            pre, _, post = line.partition(" - ")
            if post.split(" ", 1)[0] == "cgroup2":
                point = pre.split(" ")[4].replace("\\040", " ")
                if point == "/sys/fs/cgroup":
                    return point
                found = found or point
    return found


def image_id():
    return podman("image", "inspect", "--format", "{{.Id}}", IMAGE).stdout.strip()


def unique(tag="ctr"):
    """A container name no other test (or run) uses."""
    return "sgtest-%s-%s" % (tag, uuid.uuid4().hex[:10])


def _argv(cmd):
    return [cmd] if isinstance(cmd, str) else list(cmd)


def run(name, cmd, *podman_args, check=True, timeout=120):
    """podman run --rm NAME CMD to completion; returns the CompletedProcess."""
    ensure_image()
    _made.add(name)
    try:
        return podman("run", "--rm", "--name", name, *RUN_FLAGS, *podman_args, IMAGE,
                      *_argv(cmd), check=check, timeout=timeout)
    finally:
        podman("rm", "--force", "--ignore", "--time", "0", name, check=False)
        _made.discard(name)


def start_detached(name, cmd=("sleep", "100000"), *podman_args):
    """podman run -d: the container's id once it runs."""
    ensure_image()
    _made.add(name)
    return podman("run", "-d", "--name", name, *RUN_FLAGS, *podman_args, IMAGE,
                  *_argv(cmd)).stdout.strip()


def exec(name, cmd, *podman_args, check=True, timeout=60):  # noqa: A001 (podman's verb)
    """podman exec NAME CMD; returns the CompletedProcess."""
    return podman("exec", *podman_args, name, *_argv(cmd), check=check, timeout=timeout)


def inspect(name):
    """podman inspect NAME as a dict."""
    return json.loads(podman("inspect", "--type", "container", name).stdout)[0]


def pid(name):
    """The host pid of the container's first process."""
    return int(inspect(name)["State"]["Pid"])


def rm(name):
    """Remove the container (running or not); no error if it is gone."""
    podman("rm", "--force", "--ignore", "--time", "0", name, check=False)
    _made.discard(name)


def cleanup():
    """Every container made here, and the image unless it existed before."""
    for name in list(_made):
        rm(name)
    if _image["ready"] and _image["existed"] is False:
        podman("rmi", "--force", IMAGE, check=False)
        _image["ready"] = False
        _image["existed"] = None


class ApiService:
    """podman system service on a socket of the test's own, stopped (and the
    socket removed) by stop() or at the end of a with block."""

    def __init__(self, directory):
        self.path = os.path.join(directory, "podman-api.sock")
        self.proc = None

    def start(self, timeout=30):
        self.proc = subprocess.Popen(_podman_cmd("system", "service", "--time=0",
                                                 "unix://" + self.path),
                                     stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                     text=True)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError("podman system service exited: %s" % self.proc.stderr.read())
            if self._answers():
                return self
            time.sleep(0.05)
        self.stop()
        raise AssertionError("podman system service did not listen on %s" % self.path)

    def _answers(self):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            s.settimeout(2)
            s.connect(self.path)
            s.sendall(b"GET /v4.0.0/libpod/_ping HTTP/1.1\r\nHost: d\r\nConnection: close\r\n\r\n")
            return s.recv(64).startswith(b"HTTP/1.1 200")
        except OSError:
            return False
        finally:
            s.close()

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self.proc and self.proc.stderr:
            self.proc.stderr.close()
        if os.path.lexists(self.path):
            os.unlink(self.path)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()


@pytest.fixture(scope="session")
def podman_image():
    """The test image, built once; removed at session end unless it was there before."""
    need_podman()
    ensure_image()
    yield IMAGE
    cleanup()


class _Containers:
    """What a test uses: the module's functions, its containers removed at its end."""

    def __init__(self):
        self.names = []

    def name(self, tag="ctr"):
        n = unique(tag)
        self.names.append(n)
        return n

    def run(self, name, cmd, *args, **kw):
        self.names.append(name)
        return run(name, cmd, *args, **kw)

    def start_detached(self, name, cmd=("sleep", "100000"), *args):
        self.names.append(name)
        return start_detached(name, cmd, *args)

    exec = staticmethod(exec)
    inspect = staticmethod(inspect)
    pid = staticmethod(pid)
    rm = staticmethod(rm)
    image_id = staticmethod(image_id)

    def cleanup(self):
        for n in self.names:
            rm(n)


@pytest.fixture
def ctr(podman_image):
    """Containers for one test: c = ctr; c.start_detached(c.name(), ...)."""
    c = _Containers()
    yield c
    c.cleanup()
