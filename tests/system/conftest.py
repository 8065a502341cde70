# SPDX-License-Identifier: GPL-2.0-or-later
"""System-test harness: start the real sysguardd, read its NDJSON, wait for
events by condition (never sleep-and-hope), validate every line against the
event schema, and leave the machine as it was found.

Also the helpers the test modules share (after the fixtures): sysguardctl
and raw control-socket clients, loopback listeners and ports, polling, the
flood and policy helpers.  A test module imports them from here, never from
another test module."""

import atexit
import grp
import json
import os
import shutil
import signal
import socket
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
SCHEMA = os.path.join(REPO, "proto", "event.schema.json")
LOG_ALL = os.path.join(REPO, "tests", "bench", "log-all.yaml")
DEFAULT_POLICY = os.path.join(REPO, "policies", "default.yaml")
TRUE = shutil.which("true") or "/bin/true"


def _install_tools():
    """Copy the test tools (BUILD/tests/tools) into a directory of this session
    and return it: they run from there, wherever the checkout is.  The default
    policy judges every exec, and a checkout under /tmp would put them in a
    directory its rules name (exec-from-temp).  The directory is under
    SG_TEST_TOOLS_DIR (/var/cache/sysguard-tests), which no rule of the
    default policy names; it is removed when the session ends, and ones that
    a killed session left are removed by the next.  Without root (nothing
    that execs them runs then) the tools stay where they were built."""
    built = os.path.join(BUILD, "tests", "tools")
    base = os.environ.get("SG_TEST_TOOLS_DIR", "/var/cache/sysguard-tests")
    if os.geteuid() != 0 or not os.path.isdir(built):
        return built
    os.makedirs(base, mode=0o755, exist_ok=True)
    for old in os.listdir(base):
        parts = old.split("-")
        if len(parts) == 3 and parts[0] == "tools" and parts[1].isdigit():
            try:
                os.kill(int(parts[1]), 0)
            except ProcessLookupError:
                shutil.rmtree(os.path.join(base, old), ignore_errors=True)
            except OSError:
                pass
    d = tempfile.mkdtemp(prefix="tools-%d-" % os.getpid(), dir=base)
    os.chmod(d, 0o755)
    atexit.register(_remove_tools, d, base)
    for name in os.listdir(built):
        src = os.path.join(built, name)
        if os.path.isfile(src) and os.access(src, os.X_OK):
            shutil.copy2(src, d)
    return d


def _remove_tools(d, base):
    shutil.rmtree(d, ignore_errors=True)
    try:
        os.rmdir(base)
    except OSError:
        pass


TOOLS = _install_tools()
SGACT = os.path.join(TOOLS, "sgact")
SGURING = os.path.join(TOOLS, "sguring")

# Limits of the control socket (shared/sg_limits.h)
LINE_MAX = 65536
CLIENTS_MAX = 128

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

    def start(self, timeout=30, stdout=subprocess.DEVNULL):
        self.proc = subprocess.Popen(self.cmdline(), stdout=stdout,
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
        exec_event(self, text)
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
        return self.wait_stopped(timeout, sig)

    def wait_stopped(self, timeout=20, sig=signal.SIGTERM):
        """After a signal: wait for the exit, then parse (and so validate)
        the last events."""
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


class _Reaper:
    """Daemons a test left running are stopped in the background.

    A daemon's SIGTERM is quick, but its exit is not: the kernel detaches its
    ~60 tracepoint links one at a time, ~75 ms each on the machines we test
    on (each waits for an RCU grace period under a global mutex), ~4 s in
    all.  The next test's daemon spends about as long in the verifier, so the
    two overlap: the old daemon has let go of its enforcement, fanotify and
    output by then (it does that first), and its socket, pins and temporary
    directory are its own.  Its exit status (a leak makes a sanitized
    daemon exit 23), sanitizer reports and schema check are still checked
    when it is reaped; a failure is reported at the end of the session, as
    an error of the last test, naming the test whose daemon it was."""

    def __init__(self):
        self.lock = threading.Lock()
        self.threads = []
        self.failures = []
        self.deferred_dirs = set()

    def defer(self, test, daemons, tmpdir):
        for dm in daemons:
            if dm.proc is not None and dm.proc.poll() is None:
                dm.proc.send_signal(signal.SIGTERM)
        with self.lock:
            self.deferred_dirs.add(tmpdir)
        t = threading.Thread(target=self._reap, args=(test, daemons, tmpdir), daemon=True)
        t.start()
        self.threads.append(t)

    def _reap(self, test, daemons, tmpdir):
        for dm in daemons:
            try:
                try:
                    rc = dm.wait_stopped() if dm.proc is not None else None
                finally:
                    dm.cleanup()
                check_exit(dm, rc)
            except Exception as e:  # reported at the end of the session
                with self.lock:
                    self.failures.append("%s: %s" % (test, e))
        shutil.rmtree(tmpdir, ignore_errors=True)

    def drain(self):
        for t in self.threads:
            t.join(60)
        self.threads = []
        if self.failures:
            msg = "\n\n".join(self.failures)
            self.failures = []
            raise AssertionError("daemons stopped after their tests failed their checks:\n" + msg)


_REAPER = _Reaper()


@pytest.fixture(scope="session")
def reaper():
    yield _REAPER
    _REAPER.drain()


@pytest.fixture
def tmp():
    d = os.path.realpath(tempfile.mkdtemp(prefix="sgtest-"))
    yield d
    if d not in _REAPER.deferred_dirs:
        shutil.rmtree(d, ignore_errors=True)


@pytest.fixture
def daemon_factory(tmp, reaper, request):
    """Start daemons on demand; each is stopped (and checked) at the end,
    in the background (see _Reaper)."""
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
    reaper.defer(request.node.nodeid, started, tmp)


def check_exit(dm, rc, allowed=(0, None, -9)):
    """A stopped daemon's exit status, sanitizer reports and events."""
    assert rc in allowed, "sysguardd exited with %s:\n%s" % (rc, dm.stderr())
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


# --- waiting ---------------------------------------------------------------------------------

def wait_until(cond, timeout, what):
    """cond()'s first true value, polled until timeout seconds have passed."""
    deadline = time.monotonic() + timeout
    while True:
        r = cond()
        if r:
            return r
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting for " + what)
        time.sleep(0.05)


def matched_rules(e):
    """(rule, action) of the rule that decided e and of each other rule that
    matched it (its 'matches')."""
    out = [(e["rule"], e["action"])] if e.get("rule") else []
    return out + [(m["rule"], m["action"]) for m in e.get("matches", [])]


def exec_event(dm, text, timeout=15):
    """The exec event whose argv holds text."""
    return dm.wait_for(lambda e: e["type"] == "exec" and text in e["exec"]["argv"],
                       timeout=timeout, what="exec " + text, needle=text)


# --- sysguardctl and the control socket --------------------------------------------------------

def ctl(dm, *args, check=0, user=None, input=None, timeout=60):
    """Run sysguardctl against dm's socket (as user, with runuser); returns the
    CompletedProcess.  check: the exit status it must have, or None."""
    if isinstance(check, bool):
        raise TypeError("check is an exit status or None")
    cmd = [SYSGUARDCTL, "--socket", dm.socket] + [str(a) for a in args]
    if user:
        cmd = ["runuser", "-u", user, "--"] + cmd
    p = subprocess.run(cmd, capture_output=True, text=True, input=input, timeout=timeout)
    if check is not None:
        assert p.returncode == check, "%s: rc %d\nstdout: %s\nstderr: %s" % (
            " ".join(cmd), p.returncode, p.stdout, p.stderr)
    return p


def status(dm):
    """sysguardctl --json status, parsed."""
    return json.loads(ctl(dm, "--json", "status").stdout)


def wait_subscribers(dm, n, what, timeout=10):
    """Until the daemon counts at least n subscribers (a tail has subscribed)."""
    wait_until(lambda: status(dm)["control"]["subscribers"] >= n, timeout, what)


class Client:
    """A raw protocol client on a blocking socket with a timeout."""

    def __init__(self, path, timeout=10, rcvbuf=None):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        if rcvbuf:
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
        self.sock.settimeout(timeout)
        self.sock.connect(path)
        self.buf = b""
        self.next_id = 0

    def send_raw(self, data):
        self.sock.sendall(data)

    def readline(self):
        while b"\n" not in self.buf:
            data = self.sock.recv(65536)
            if not data:
                return None
            self.buf += data
        line, self.buf = self.buf.split(b"\n", 1)
        return json.loads(line)

    def request(self, cmd, args=None, **extra):
        self.next_id += 1
        req = {"id": self.next_id, "cmd": cmd}
        if args is not None:
            req["args"] = args
        req.update(extra)
        self.send_raw(json.dumps(req).encode() + b"\n")
        reply = self.readline()
        assert reply is not None, "connection closed after %r" % req
        assert reply.get("id") == self.next_id, reply
        return reply

    def closed(self, timeout=5):
        self.sock.settimeout(timeout)
        try:
            while True:
                data = self.sock.recv(65536)
                if not data:
                    return True
        except (ConnectionResetError, BrokenPipeError):
            return True
        except socket.timeout:
            return False

    def close(self):
        self.sock.close()


def wait_event(c, pred, what, timeout=15):
    """The next event a subscribed Client receives for which pred is true."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = c.readline()
        assert line is not None, "stream closed waiting for " + what
        if "event" in line and pred(line["event"]):
            return line["event"]
    raise AssertionError("timed out waiting for " + what)


def need_control():
    """Skip unless sysguardd has the control socket linked in and sysguardctl is built."""
    need_root_bpf()
    if not os.path.exists(SYSGUARDCTL):
        pytest.skip("sysguardctl is not built")
    with open(SYSGUARDD, "rb") as f:
        if b"control: listening on" not in f.read():
            pytest.skip("the control socket is not wired into sysguardd yet")


SYSTEM_FILES = ("/etc/passwd", "/etc/group", "/etc/shadow", "/etc/gshadow")


@pytest.fixture
def users(tmp):
    """A member of the sysguard group (supplementary) and an outsider, created for the test
    and removed afterwards, with the account files restored as found."""
    need_root_bpf()
    for tool in ("useradd", "groupadd", "userdel", "groupdel", "runuser"):
        if not shutil.which(tool):
            pytest.skip("%s is missing" % tool)
    saved = {}
    for f in SYSTEM_FILES:
        if os.path.exists(f):
            with open(f, "rb") as fh:
                saved[f] = (fh.read(), os.stat(f))
    made_group = False
    tag = uuid.uuid4().hex[:6]
    member, outsider = "sgtm" + tag, "sgto" + tag
    try:
        try:
            grp.getgrnam("sysguard")
        except KeyError:
            subprocess.run(["groupadd", "--system", "sysguard"], check=True)
            made_group = True
        nogroup = grp.getgrgid(65534).gr_name
        for name, extra in ((member, ["--groups", "sysguard"]), (outsider, [])):
            subprocess.run(["useradd", "--system", "--no-create-home", "--shell",
                            "/usr/sbin/nologin", "--gid", nogroup] + extra + [name],
                           check=True)
        # the daemon's directory (the test's tmp) must be traversable by others
        os.chmod(tmp, 0o711)
        yield member, outsider
    finally:
        for name in (member, outsider):
            subprocess.run(["userdel", name], stderr=subprocess.DEVNULL)
        if made_group:
            subprocess.run(["groupdel", "sysguard"], stderr=subprocess.DEVNULL)
        for f, (data, st) in saved.items():
            with open(f, "rb") as fh:
                if fh.read() == data:
                    continue
            with open(f, "wb") as fh:
                fh.write(data)
            os.chown(f, st.st_uid, st.st_gid)
            os.chmod(f, st.st_mode & 0o7777)


# --- network (loopback only) -----------------------------------------------------------------

def free_port():
    """A TCP port on 127.0.0.1 that nothing was bound to a moment ago."""
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def listener(family=socket.AF_INET, addr="127.0.0.1", udp=False):
    """A socket bound to a free port of addr (a loopback address), listening unless udp."""
    s = socket.socket(family, socket.SOCK_DGRAM if udp else socket.SOCK_STREAM)
    s.bind((addr, 0))
    if not udp:
        s.listen(16)
    return s


# --- processes and cgroups -------------------------------------------------------------------

def vmrss_kib(pid):
    """VmRSS of pid, in KiB."""
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise AssertionError("no VmRSS for %d" % pid)


def cgroup2_root():
    """Where the root of the cgroup v2 hierarchy is mounted, or None."""
    with open("/proc/self/mountinfo") as f:
        for line in f:
            parts = line.split(" - ")
            if len(parts) == 2 and parts[1].startswith("cgroup2 ") and line.split()[3] == "/":
                return line.split()[4]
    return None


# --- opens and floods -----------------------------------------------------------------------

def probe_opens(tmp, n):
    """Write n new files tmp/probe-*; returns their paths (opens a rule on that prefix matches)."""
    paths = []
    for _ in range(n):
        p = os.path.join(tmp, "probe-" + uuid.uuid4().hex)
        with open(p, "w") as f:
            f.write("x")
        paths.append(p)
    return paths


def flood_policy(tmp, action="log", severity="high"):
    """A policy and its target: only opens in tmp/flood reach the daemon (the
    kernel filter drops the rest); no deduplication, so that every open is one
    event.  Returns (policy path, target file)."""
    flood = os.path.join(tmp, "flood")
    os.makedirs(flood, exist_ok=True)
    target = os.path.join(flood, "f")
    open(target, "w").close()
    pol = os.path.join(tmp, "flood.yaml")
    with open(pol, "w") as f:
        f.write("version: 1\ndefaults: {action: allow, dedup_window: 0s}\nrules:\n"
                "  - id: flood\n    events: [open]\n"
                "    match:\n      file.path: {prefix: %s/}\n"
                "    action: %s\n    severity: %s\n" % (flood, action, severity))
    return pol, target


def flood_proc(target, n):
    """A python3 process opening target n times (started, not waited for)."""
    code = ("import os\nfor _ in range(%d):\n    os.close(os.open(%r, os.O_RDONLY))\n"
            % (n, target))
    return subprocess.Popen(["/usr/bin/python3", "-c", code])


def flood(target, n):
    """Open target n times from another process, and wait for it."""
    p = flood_proc(target, n)
    if p.wait() != 0:
        raise subprocess.CalledProcessError(p.returncode, p.args)


# --- policies --------------------------------------------------------------------------------

def write(path, text):
    """Replace path with text at once (rename), as an editor saving it does."""
    tmpname = path + ".tmp"
    with open(tmpname, "w") as f:
        f.write(text)
    os.rename(tmpname, path)


def policy_engine_built():
    """Skip unless sysguardd has the policy engine; the default policy must load."""
    p = subprocess.run([SYSGUARDD, "--check-policy", DEFAULT_POLICY], capture_output=True,
                       text=True)
    if p.returncode == 2 and "not in this build" in p.stderr:
        pytest.skip("sysguardd has no policy engine wired in (--check-policy)")
    assert p.returncode == 0, p.stderr


def trigger_until(daemon, rule, timeout=15):
    """Run a marked exec until its event carries rule (a reload is asynchronous)."""
    deadline = time.monotonic() + timeout
    while True:
        text = "sgreload-" + uuid.uuid4().hex
        subprocess.run(["/bin/echo", text], stdout=subprocess.DEVNULL, check=True)
        ev = exec_event(daemon, text)
        if ev.get("rule") == rule:
            return ev
        if time.monotonic() > deadline:
            raise AssertionError("still %r, expected %r" % (ev.get("rule"), rule))
        time.sleep(0.1)


# A policy with allow, exclude, alert, a monitor-only block and a rule that
# trigger_until() can see (test_policy.py, test_policy_faults.py); %d is the
# port of the block rule.
POLICY_A = """version: 1
defaults: {action: log, dedup_window: 1s}
exclude:
  - {proc.name: sort}
rules:
  - {id: quiet-true, events: [exec, exit, open], match: {proc.name: "true"}, action: allow}
  - {id: shadow, events: [open], match: {file.path: /etc/shadow}, action: alert, severity: high}
  # a process condition: the kernel cannot enforce it, so it stays monitor-only
  - id: block-port
    events: [connect]
    match: {net.port: %d, net.addr: 127.0.0.0/8, proc.name: sgact}
    action: block
  - {id: rule-a, events: [exec], match: {proc.argv: {contains: sgreload}}, action: alert}
"""
