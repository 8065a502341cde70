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
LOG_ALL = os.path.join(REPO, "tests", "bench", "log-all.yaml")

# What a sysguardd started with the default paths uses: tests never touch these
# (each test daemon has its own socket, state directory and pin directory), and
# the host-state fixture below fills them on purpose.
HOST_PATHS = ("/run/sysguard", "/var/lib/sysguard", "/sys/fs/bpf/sysguard")
HOST_POLICIES = ("/etc/sysguard/policies.d", "/usr/share/sysguard/default.yaml")


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


def base_config(tmpdir):
    """Settings every test daemon needs: its own state directory and bpffs pins,
    released on a clean stop, so tests never share or leave enforcement."""
    pin = "/sys/fs/bpf/sgtest-%s" % os.path.basename(tmpdir)
    return ("state_dir: %s\nenforcement:\n  pin_dir: %s\n  release_on_stop: true\n"
            % (os.path.join(tmpdir, "state"), pin))


class Daemon:
    """One sysguardd process with its own output file, socket, state and pins.

    Output lines are kept raw and parsed only when a test looks at them
    (wait_for with a needle parses just the lines holding it): a busy host
    makes many events, and parsing and validating all of them as they come
    would make the harness, not the daemon, the bottleneck.  Every parsed
    event is checked against the schema, and at stop() every line (a sample
    of the first and last lines beyond ALL_MAX)."""

    SAMPLE = 2000        # lines checked at stop() when there are more than ALL_MAX
    ALL_MAX = 50000      # up to this many lines, every one is checked

    def __init__(self, tmpdir, args=(), policy=None, config=None, socket=True):
        self.tmpdir = tmpdir
        self.out = os.path.join(tmpdir, "events.ndjson")
        self.socket = os.path.join(tmpdir, "sysguard.sock") if socket else None
        self.pin_dir = "/sys/fs/bpf/sgtest-%s" % os.path.basename(tmpdir)
        self.args = list(args)
        self.policy = policy
        self.config = config
        self.proc = None
        self.stderr_lines = []
        self._pos = 0
        self._buf = b""
        self.lines = []
        self._parsed = {}
        self.invalid = []
        self.validator = _validator()

    def cmdline(self):
        cmd = [SYSGUARDD, "--foreground", "--output", self.out]
        if self.socket:
            cmd += ["--socket", self.socket]
        if self.policy:
            cmd += ["--policy", self.policy]
        elif any(os.path.exists(p) for p in HOST_POLICIES):
            # Without --policy the daemon takes the host's installed policy;
            # a test daemon must not, so it gets what "no policy" means: log
            # everything, no deduplication.
            cmd += ["--policy", LOG_ALL]
        if not self.config:
            # never the machine's own /etc/sysguard/sysguard.yaml
            self.config = os.path.join(self.tmpdir, "sysguard.yaml")
            with open(self.config, "w") as f:
                f.write(base_config(self.tmpdir))
        return cmd + ["--config", self.config] + self.args

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
        """Take in the new complete lines of the output file."""
        try:
            with open(self.out, "rb") as f:
                f.seek(self._pos)
                data = f.read()
        except FileNotFoundError:
            return
        self._pos += len(data)
        self._buf += data
        *lines, self._buf = self._buf.split(b"\n")
        self.lines.extend(lines)

    def reset_output(self):
        """The output file was replaced (rotation): read the new one from its start."""
        self._pos = 0
        self._buf = b""

    def _validate(self, raw, ev):
        if self.validator is not None:
            errs = list(self.validator.iter_errors(ev))
            if errs:
                self.invalid.append((raw, errs[0].message))

    def event(self, i):
        ev = self._parsed.get(i)
        if ev is None:
            ev = json.loads(self.lines[i])
            self._validate(self.lines[i], ev)
            self._parsed[i] = ev
        return ev

    @property
    def events(self):
        self.read()
        return [self.event(i) for i in range(len(self.lines))]

    def wait_for(self, pred, timeout=15, what="event", needle=None):
        """The first event (old or new) for which pred is true.  With needle,
        only lines containing it (bytes or str) are parsed."""
        if isinstance(needle, str):
            needle = needle.encode()
        deadline = time.monotonic() + timeout
        seen = 0
        while True:
            self.read()
            for i in range(seen, len(self.lines)):
                if needle is not None and needle not in self.lines[i]:
                    continue
                ev = self.event(i)
                if pred(ev):
                    return ev
            seen = len(self.lines)
            if time.monotonic() > deadline:
                raise AssertionError("timed out waiting for %s; %d events seen; daemon log:\n%s"
                                     % (what, len(self.lines), self.stderr()))
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
                      what="marker " + text, needle=text)
        return text

    def by_pid(self, pid, type_=None):
        self.read()
        needle = b'"pid":%d,' % pid
        out = []
        for i, raw in enumerate(self.lines):
            if needle in raw:
                e = self.event(i)
                if e.get("proc", {}).get("pid") == pid and (type_ is None or e["type"] == type_):
                    out.append(e)
        return out

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
        n = len(self.lines)
        if n <= self.ALL_MAX:
            idx = range(n)
        else:
            idx = list(range(self.SAMPLE // 2)) + list(range(n - self.SAMPLE // 2, n))
        for i in idx:
            self.event(i)
        return self.proc.returncode

    def cleanup(self):
        """Whatever a crashed or killed daemon left in bpffs."""
        if os.path.isdir(self.pin_dir):
            shutil.rmtree(self.pin_dir, ignore_errors=True)


def _host_daemon_stop(proc, sig):
    if proc.poll() is None:
        proc.send_signal(sig)
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@pytest.fixture(scope="session", autouse=True)
def host_state():
    """SG_TEST_HOST=state|daemon: run the suite on a host that is not idle.

    state:  build/sysguardd is started once with the default paths (socket in
            /run/sysguard, state in /var/lib/sysguard, pins in
            /sys/fs/bpf/sysguard, its default policy), given a runtime block
            on a loopback address no test uses, and killed with SIGKILL: its
            pins, its blocks.json and its stale socket stay behind, as after
            a crash of a from-source run.
    daemon: the same daemon keeps running during the whole session (a second
            sysguardd, as an installed service would be).
    At the end the daemon is stopped and whatever it left is removed; paths
    that existed before the session are left alone (then nothing is started:
    the host is not ours to change)."""
    mode = os.environ.get("SG_TEST_HOST", "")
    if mode not in ("state", "daemon") or os.geteuid() != 0 or not os.path.exists(SYSGUARDD):
        yield None
        return
    existed = [p for p in HOST_PATHS if os.path.lexists(p)]
    if existed:
        print("SG_TEST_HOST=%s: %s already exist(s); using the host as it is"
              % (mode, ", ".join(existed)))
        yield None
        return
    proc = subprocess.Popen([SYSGUARDD, "--foreground", "--output", "/dev/null"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    ready = threading.Event()
    lines = []

    def pump():
        for line in proc.stderr:
            lines.append(line)
            if "ready:" in line:
                ready.set()
        ready.set()

    threading.Thread(target=pump, daemon=True).start()
    try:
        if not ready.wait(30) or proc.poll() is not None:
            raise AssertionError("the host daemon did not start:\n" + "".join(lines))
        if os.path.exists(SYSGUARDCTL):
            subprocess.run([SYSGUARDCTL, "block", "127.0.0.213:9", "--ttl", "1h"],
                           capture_output=True, timeout=10)
        if mode == "state":
            _host_daemon_stop(proc, signal.SIGKILL)
            assert os.path.isdir("/sys/fs/bpf/sysguard"), "the killed daemon left no pins"
        yield proc
    finally:
        _host_daemon_stop(proc, signal.SIGTERM)
        for p in HOST_PATHS:
            shutil.rmtree(p, ignore_errors=True)


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
        try:
            rc = dm.stop()
        finally:
            dm.cleanup()
        assert rc in (0, None, -9), "sysguardd exited with %s:\n%s" % (rc, dm.stderr())
        # a sanitized build (tests/sanitize/run) reports into stderr
        bad = [l for l in dm.stderr_lines if "Sanitizer" in l or "runtime error:" in l]
        assert not bad, "sanitizer report:\n%s" % dm.stderr()
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
