# SPDX-License-Identifier: GPL-2.0-or-later
"""System-test harness: start the real sysguardd, read its NDJSON, wait for
events by condition (never sleep-and-hope), validate every line against the
event schema, and leave the machine as it was found."""

import json
import os
import shutil
import signal
import subprocess
import tempfile
import threading
import time
import uuid

import pytest

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
BUILD = os.environ.get("BUILD", os.path.join(REPO, "build"))
SYSGUARDD = os.path.join(BUILD, "sysguardd")
SYSGUARDCTL = os.path.join(BUILD, "sysguardctl")
SGACT = os.path.join(BUILD, "tests", "tools", "sgact")
SCHEMA = os.path.join(REPO, "proto", "event.schema.json")


def need_root_bpf():
    """Skip with a clear reason where root or BPF is missing."""
    if os.geteuid() != 0:
        pytest.skip("needs root (loads BPF programs)")
    if not os.path.exists("/sys/kernel/btf/vmlinux"):
        pytest.skip("needs a kernel with BTF (/sys/kernel/btf/vmlinux)")
    if not os.path.exists(SYSGUARDD):
        pytest.skip("sysguardd is not built (%s)" % SYSGUARDD)


def _validator():
    try:
        import jsonschema
    except ImportError:
        return None
    with open(SCHEMA) as f:
        schema = json.load(f)
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema)


class Daemon:
    """One sysguardd process with its own output file and socket."""

    def __init__(self, tmpdir, args=(), policy=None, config=None, socket=True):
        self.tmpdir = tmpdir
        self.out = os.path.join(tmpdir, "events.ndjson")
        self.socket = os.path.join(tmpdir, "sysguard.sock") if socket else None
        self.args = list(args)
        self.policy = policy
        self.config = config
        self.proc = None
        self.stderr_lines = []
        self._pos = 0
        self._buf = b""
        self.events = []
        self.invalid = []
        self.validator = _validator()

    def cmdline(self):
        cmd = [SYSGUARDD, "--foreground", "--output", self.out]
        if self.socket:
            cmd += ["--socket", self.socket]
        if self.policy:
            cmd += ["--policy", self.policy]
        if self.config:
            cmd += ["--config", self.config]
        else:
            # never pick up the machine's own /etc/sysguard/sysguard.yaml
            empty = os.path.join(self.tmpdir, "empty.yaml")
            open(empty, "w").close()
            cmd += ["--config", empty]
        return cmd + self.args

    def start(self, timeout=30):
        self.proc = subprocess.Popen(self.cmdline(), stdout=subprocess.DEVNULL,
                                     stderr=subprocess.PIPE, text=True)
        ready = threading.Event()

        def pump():
            for line in self.proc.stderr:
                self.stderr_lines.append(line.rstrip("\n"))
                if "ready:" in line:
                    ready.set()
            ready.set()

        threading.Thread(target=pump, daemon=True).start()
        if not ready.wait(timeout) or self.proc.poll() is not None:
            raise AssertionError("sysguardd did not become ready:\n" + self.stderr())
        return self

    def stderr(self):
        return "\n".join(self.stderr_lines)

    def read(self):
        """Read new complete lines from the output file."""
        try:
            with open(self.out, "rb") as f:
                f.seek(self._pos)
                data = f.read()
        except FileNotFoundError:
            return
        self._pos += len(data)
        self._buf += data
        *lines, self._buf = self._buf.split(b"\n")
        for raw in lines:
            ev = json.loads(raw)
            if self.validator is not None:
                errs = list(self.validator.iter_errors(ev))
                if errs:
                    self.invalid.append((raw, errs[0].message))
            self.events.append(ev)

    def wait_for(self, pred, timeout=15, what="event"):
        """The first event (old or new) for which pred is true."""
        deadline = time.monotonic() + timeout
        seen = 0
        while True:
            self.read()
            for ev in self.events[seen:]:
                if pred(ev):
                    return ev
            seen = len(self.events)
            if time.monotonic() > deadline:
                raise AssertionError("timed out waiting for %s; %d events seen; daemon log:\n%s"
                                     % (what, len(self.events), self.stderr()))
            if self.proc.poll() is not None:
                raise AssertionError("sysguardd exited (%s) while waiting for %s:\n%s"
                                     % (self.proc.returncode, what, self.stderr()))
            time.sleep(0.02)

    def marker(self):
        """Exec /bin/echo with a unique text and wait for its event: every event
        the caller caused before is then in the output (the ring is ordered)."""
        text = "sgmark-" + uuid.uuid4().hex
        subprocess.run(["/bin/echo", text], stdout=subprocess.DEVNULL, check=True)
        self.wait_for(lambda e: e["type"] == "exec" and text in e["exec"]["argv"],
                      what="marker " + text)
        return text

    def by_pid(self, pid, type_=None):
        self.read()
        return [e for e in self.events if e.get("proc", {}).get("pid") == pid
                and (type_ is None or e["type"] == type_)]

    def stop(self, sig=signal.SIGTERM, timeout=20):
        if self.proc is None or self.proc.poll() is not None:
            return self.proc.returncode if self.proc else None
        self.proc.send_signal(sig)
        try:
            self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            raise AssertionError("sysguardd did not stop on %s" % sig)
        self.read()
        return self.proc.returncode


@pytest.fixture
def tmp():
    d = tempfile.mkdtemp(prefix="sgtest-")
    yield os.path.realpath(d)
    shutil.rmtree(d, ignore_errors=True)


@pytest.fixture
def daemon_factory(tmp):
    """Start daemons on demand; each is stopped (and checked) at the end."""
    need_root_bpf()
    started = []

    def make(args=(), policy=None, config=None, start=True, subdir=None):
        d = tmp
        if subdir:
            d = os.path.join(tmp, subdir)
            os.makedirs(d, exist_ok=True)
        dm = Daemon(d, args=args, policy=policy, config=config)
        started.append(dm)
        return dm.start() if start else dm

    yield make
    for dm in started:
        rc = dm.stop()
        assert rc in (0, None, -9), "sysguardd exited with %s:\n%s" % (rc, dm.stderr())
        assert not dm.invalid, "events not valid against the schema: %s" % dm.invalid[:3]


@pytest.fixture
def daemon(daemon_factory):
    return daemon_factory()


def sgact(*args, check=True, cwd=None):
    """Run the syscall driver; returns (pid, {step: [results]})."""
    p = subprocess.run([SGACT] + [str(a) for a in args], capture_output=True, text=True, cwd=cwd)
    if check and p.returncode != 0:
        raise AssertionError("sgact failed: %s %s" % (p.stdout, p.stderr))
    results = {}
    pid = None
    for line in p.stdout.splitlines():
        step, *rest = line.split()
        if step == "pid":
            pid = int(rest[0])
        else:
            results.setdefault(step, []).append(int(rest[0]))
    return pid, results
