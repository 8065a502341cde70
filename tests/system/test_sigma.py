# SPDX-License-Identifier: GPL-2.0-or-later
"""Sigma rules in the real daemon: the daemon loads the Sigma rules of
tests/sigma/rules/ (our own rules, each mirroring the detection logic of the
SigmaHQ rule named in its 'related' key) through the policy's 'sigma' key,
and for each rule the test does what the rule is about for real: an exec
with the flagged arguments (programs are copies of /bin/true, /bin/dash or
the sgact driver under the name the rule looks for, or the real harmless
command), a file write to a temporary path the rule matches (or a rename
into /etc/cron.d, undone at once), a connect to an address inside a network
namespace the test creates.  The alert must come from the converted rule,
with the Sigma level as severity; where a broad rule matches too, the
specific one decides and the broad one is among the event's matches; what a
rule's exception or filter covers must stay quiet.  The actions themselves
are in tests/sigma/actions.py, which tests/sigma/own-actions runs against
the SigmaHQ rules that ours mirror."""

import os
import re
import shutil
import subprocess
import sys
import tempfile
import uuid

import pytest

from conftest import (REPO, SGACT, SYSGUARDCTL, SYSGUARDD, Daemon, check_exit, matched_rules,
                      need_root_bpf, sgact)

sys.path.insert(0, os.path.join(REPO, "tests", "sigma"))
import actions  # noqa: E402  (the actions, shared with tests/sigma/own-actions)
from actions import EXEC_CASES, RULES, by_pid, fake, run  # noqa: E402

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


def matched(e, rid):
    """rid decided the event or is among the other rules that matched it."""
    return any(r == rid or r.startswith(rid + "#") for r, _ in matched_rules(e))


def quiet(daemon, name, pid):
    """After a marker: rule of name did not act on pid (neither decided nor
    matched)."""
    daemon.marker()
    rid, _ = rule_meta(name)
    assert not [e for e in daemon.by_pid(pid) if matched(e, rid)]


def also(ev, name):
    """The rule of Sigma file name is among ev's other matches, with the
    action and severity of its level."""
    rid, sev = rule_meta(name)
    want = {"rule": rid, "action": "log" if sev == "info" else "alert", "severity": sev}
    assert want in ev.get("matches", []), ev


@pytest.fixture
def ctx(tmp):
    return actions.Ctx(tmp, sgact, SGACT)


def do(action, ctx):
    try:
        return action(ctx)
    except actions.Skip as e:
        pytest.skip(str(e))


def test_every_rule_has_an_action():
    """tests/sigma/own-actions runs ACTIONS: it must name every rule here."""
    named = {f for _, _, files in actions.ACTIONS for f in files}
    assert named == set(os.listdir(RULES))


# ------------------------------------------------------------ process_creation

@pytest.mark.parametrize("name,prog,args", EXEC_CASES, ids=[c[0] for c in EXEC_CASES])
def test_exec_rules(sg, ctx, name, prog, args):
    want = actions.exec_case(name, prog, args)(ctx)
    ev = hit(sg, name, *want[name])
    assert ev["result"] == 0


def test_dd_overwrite(sg, ctx):
    hit(sg, "pc_dd_overwrite.yml", *actions.dd_overwrite(ctx)["pc_dd_overwrite.yml"])


def test_case_and_cased(sg, ctx):
    """The rule's keywords match whatever the case; its 'cased' filter only
    as written."""
    filtered = run([fake(ctx.tmp, "git"), "clone", "https://198.51.100.7/sgtest-ignore-POC-1"])
    want = actions.git_clone_other_case(ctx)
    hit(sg, "pc_git_clone_exploit.yml", *want["pc_git_clone_exploit.yml"])
    quiet(sg, "pc_git_clone_exploit.yml", filtered)


def test_net_tools_with_listen_filter(sg, ctx):
    listening = run([fake(ctx.tmp, "nc"), "-l", "-p", "4444"])  # the rule's filter: quiet
    for action in (actions.netcat_probe, actions.nmap_scan):
        hit(sg, "pc_net_tools.yml", *action(ctx)["pc_net_tools.yml"])
    quiet(sg, "pc_net_tools.yml", listening)


def test_specific_rule_decides_over_broad_one(sg, ctx):
    """Curl Usage (low) comes first in the policy, Suspicious Curl File Upload
    (medium) after it: the upload rule decides and Curl Usage is named among
    the matches."""
    ev = hit(sg, "pc_curl_upload.yml", *actions.curl_upload(ctx)["pc_curl_upload.yml"])
    also(ev, "pc_curl_any.yml")
    # a plain curl: only the broad rule, which decides
    ev = hit(sg, "pc_curl_any.yml", *actions.curl_plain(ctx)["pc_curl_any.yml"])
    assert "matches" not in ev, ev


def test_curl_upload_to_loopback_is_filtered(sg, ctx):
    pid = run([fake(ctx.tmp, "curl"), "-F", "f=@/etc/hostname", "http://127.0.0.1/up"])
    quiet(sg, "pc_curl_upload.yml", pid)


def test_git_parent_command_line(sg, ctx):
    """ParentImage and ParentCommandLine: the parent is a shell named git,
    run with ' -p ' and 'help' among its arguments."""
    want = actions.git_parent_shell(ctx)
    ev = hit(sg, "pc_git_shell.yml", *want["pc_git_shell.yml"])
    assert ev["proc"]["exe"] == os.path.join(ctx.tmp, "bin", "true")
    # the same child under a parent without those arguments: quiet
    git, true = fake(ctx.tmp, "git", "/bin/dash"), fake(ctx.tmp, "true")
    marker2 = "sgtest-" + uuid.uuid4().hex
    run([git, "-c", "%s %s 'sh 0<&1'; :" % (true, marker2)])
    sg.marker()
    rid, _ = rule_meta("pc_git_shell.yml")
    assert not [e for e in sg.events if is_rule(e, rid)
                and marker2 in e.get("exec", {}).get("argv", [])]


# The cases of issue 22 where a broad low or informational rule used to
# decide (first match) while a specific one should alert: the specific rule
# decides now, and the broad one is named among the matches; without the
# specific rule's conditions the broad one decides alone.

def test_find_exec_shell(sg, ctx):
    want = actions.find_shell(ctx)
    ev = hit(sg, "pc_find_shell.yml", *want["pc_find_shell.yml"])
    assert ev["exec"]["argv"][-4:] == ["/bin/sh", "-p", ";", "-quit"], ev
    also(ev, "pc_file_dir_discovery.yml")
    # find without a shell: only the discovery rule, which logs
    pid = run(["/usr/bin/find", ".", "-name", "sgtest-none"], cwd=ctx.tmp)
    ev = hit(sg, "pc_file_dir_discovery.yml", by_pid(pid), type_="exec")
    assert not matched(ev, rule_meta("pc_find_shell.yml")[0]), ev


def test_history_file_deletion(sg, ctx):
    """The real rm deletes a .bash_history of the test's own (never root's)."""
    want = actions.history_delete(ctx)
    ev = hit(sg, "pc_history_delete.yml", *want["pc_history_delete.yml"])
    assert ev["exec"]["argv"][-1].startswith(ctx.tmp + "/"), ev
    also(ev, "pc_file_deletion.yml")
    plain = os.path.join(ctx.tmp, "plain")
    open(plain, "w").close()
    pid = run(["/usr/bin/rm", "-f", plain])
    ev = hit(sg, "pc_file_deletion.yml", by_pid(pid), type_="exec")
    assert not matched(ev, rule_meta("pc_history_delete.yml")[0]), ev


def test_webshell_runs_hostname(sg, ctx):
    """hostname started by a process whose program is named nginx."""
    want = actions.webshell_hostname(ctx)
    ev = hit(sg, "pc_webshell.yml", *want["pc_webshell.yml"])
    assert ev["proc"]["exe"] == "/usr/bin/hostname", ev
    also(ev, "pc_system_info_discovery.yml")
    # hostname started by this test (python3): only the broad rule
    pid = run(["/usr/bin/hostname"])
    ev = hit(sg, "pc_system_info_discovery.yml", by_pid(pid), type_="exec")
    assert not matched(ev, rule_meta("pc_webshell.yml")[0]), ev


def test_mkfifo_in_tmp(sg, ctx):
    """A named pipe made in /tmp/: both rules alert (low and medium), the
    medium one decides."""
    want = actions.mkfifo_tmp(ctx)
    ev = hit(sg, "pc_mkfifo_tmp.yml", *want["pc_mkfifo_tmp.yml"])
    also(ev, "pc_mkfifo_any.yml")
    # by a relative path: no ' /tmp/' in the command line
    pid = run(["/usr/bin/mkfifo", "fifo"], cwd=ctx.tmp)
    os.unlink(os.path.join(ctx.tmp, "fifo"))
    ev = hit(sg, "pc_mkfifo_any.yml", by_pid(pid), type_="exec")
    assert "matches" not in ev, ev


# ------------------------------------------------------------------ file_event

def test_file_rules(sg, ctx):
    want = actions.file_writes(ctx)
    for name, w in sorted(want.items()):
        hit(sg, name, *w)
    # a read of the same file is no file_event
    pid, _ = sgact("pid", "open", os.path.join(ctx.tmp, "etc", "doas.conf"), "r")
    quiet(sg, "fe_doas_conf.yml", pid)


def test_cron_file_renamed_into_place(sg, ctx):
    """A file renamed into /etc/cron.d is a new cron file; renamed out of
    it, none.  The action removes what it put there (and /etc/cron.d is
    compared before and after)."""
    before = sorted(os.listdir(actions.CRON_D)) if os.path.isdir(actions.CRON_D) else None
    try:
        want = do(actions.cron_rename, ctx)
    finally:
        if before is not None:
            assert sorted(os.listdir(actions.CRON_D)) == before
    ev = hit(sg, "fe_cron_file.yml", *want["fe_cron_file.yml"])
    assert ev["file"]["path"] == os.path.join(ctx.tmp, "job"), ev
    sg.marker()
    rid, _ = rule_meta("fe_cron_file.yml")
    out = [e for e in sg.by_pid(ev["proc"]["pid"], "rename")
           if e["file"]["path"].startswith(actions.CRON_D + "/")]
    assert not [e for e in out if matched(e, rid)], out


def test_triple_cross_lock_file(sg, ctx):
    want = do(actions.triple_cross_lock, ctx)
    hit(sg, "fe_triple_cross_lock.yml", *want["fe_triple_cross_lock.yml"])


def test_wget_writes_in_tmp(sg, ctx):
    want = do(actions.wget_writes_in_tmp, ctx)
    ev = hit(sg, "fe_wget_tmp.yml", *want["fe_wget_tmp.yml"])
    assert ev["proc"]["exe"] == os.path.join(ctx.tmp, "bin", "wget")


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


def test_network_rules(sg, ctx, netns):
    ctx.netns = netns
    ev = hit(sg, "nc_callback_port.yml", *actions.callback_connect(ctx)["nc_callback_port.yml"])
    assert ev["net"]["port"] == 4444 and ev["net"]["addr"] == "198.51.100.1"
    # the same port on loopback is the rule's filter: quiet
    p = subprocess.run(["ip", "netns", "exec", netns, SGACT, "pid", "connect", "127.0.0.1",
                        "4444"], capture_output=True, text=True)
    quiet(sg, "nc_callback_port.yml", int(p.stdout.split()[1]))
    # bash connecting out: the reverse shell indicator
    ev = hit(sg, "nc_reverse_shell.yml", *actions.bash_connect(ctx)["nc_reverse_shell.yml"])
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


def test_windash_all(daemon_factory, tmp):
    """windash|contains|all (no SigmaHQ Linux rule has it, so a rule of this
    test's own, in a daemon of its own): each value in any of its dash
    spellings, every value; one missing, quiet."""
    rule = os.path.join(tmp, "windash.yml")
    with open(rule, "w") as f:
        f.write("title: windash all\nid: 0c6f6f39-5a0e-4b8e-9d43-3f1f3c0f2b51\n"
                "logsource: {product: linux, category: process_creation}\n"
                "detection:\n  sel:\n    Image|endswith: /sgwindash\n"
                "    CommandLine|windash|contains|all: [' -f ', ' -enc ']\n"
                "  condition: sel\nlevel: high\n")
    policy = os.path.join(tmp, "policy.yaml")
    with open(policy, "w") as f:
        f.write("version: 1\ndefaults: {action: allow}\n"
                "rules:\n  - {id: marker, events: [exec], match: {proc.name: echo}, action: log}\n"
                "sigma: {paths: [%s], actions: {high: alert}}\n" % rule)
    d = daemon_factory(policy=policy)
    prog = fake(tmp, "sgwindash")
    rid = "sigma:0c6f6f39-5a0e-4b8e-9d43-3f1f3c0f2b51"
    # '/f' and '\u2014enc' (an em dash): both values, in other spellings
    both = run([prog, "/f", "x", "\u2014enc", "y"])
    ev = d.wait_for(lambda e: e["type"] == "exec" and e["proc"]["pid"] == both,
                    what="the windash rule", needle=rid)
    assert ev["rule"] == rid and ev["action"] == "alert" and ev["severity"] == "high", ev
    one = run([prog, "-f", "x", "y"])
    d.marker()
    assert not [e for e in d.by_pid(one) if matched(e, rid)], d.by_pid(one)


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
