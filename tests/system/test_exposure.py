# SPDX-License-Identifier: GPL-2.0-or-later
"""What read-level users see: secrets in command lines are redacted in the
event file and for subscribers alike (redact: argv), redaction can be
configured and switched off, and control.read_scope: own limits a
read-level subscriber to its own uid's processes (SECURITY.md)."""

import json
import os
import pwd
import re
import subprocess
import uuid

from conftest import (SYSGUARDCTL, SYSGUARDD, Client, base_config, ctl, exec_event, need_control,
                      wait_event, wait_subscribers)


def test_default_redaction_everywhere(daemon_factory):
    need_control()
    dm = daemon_factory()
    sub = Client(dm.socket)
    assert sub.request("subscribe", {"type": "exec"})["ok"]
    text = "sgredact-" + uuid.uuid4().hex
    subprocess.run(["/bin/echo", text, "--password=hunter2", "--token", "tok3n", "-v",
                    "--api-key=k3y"], stdout=subprocess.DEVNULL, check=True)
    want = ["/bin/echo", text, "--password=***", "--token", "***", "-v", "--api-key=***"]
    assert exec_event(dm, text)["exec"]["argv"] == want
    ev = wait_event(sub, lambda e: text in e["exec"]["argv"], "the subscriber's copy")
    assert ev["exec"]["argv"] == want
    raw = b"".join(dm.lines)
    assert b"hunter2" not in raw and b"tok3n" not in raw and b"k3y" not in raw
    sub.close()


def test_redaction_inside_arguments(daemon_factory, tmp):
    """curl -H 'Authorization: Bearer SECRET', -u user:SECRET and a URL's
    user:SECRET@: the secret never reaches the event file; what is around it
    stays (the journal's message: test_journal.c)."""
    need_control()
    dm = daemon_factory()
    curl = os.path.join(tmp, "curl")  # /bin/true under curl's name: nothing is fetched
    with open("/bin/true", "rb") as src, open(curl, "wb") as dst:
        dst.write(src.read())
    os.chmod(curl, 0o755)
    text = "sgredact-" + uuid.uuid4().hex
    secret = "S3CR" + uuid.uuid4().hex
    subprocess.run([curl, "-H", "Authorization: Bearer " + secret, "-u", "bob:" + secret,
                    "https://bob:%s@127.0.0.1/x" % secret, text], check=True)
    e = exec_event(dm, text)
    assert e["exec"]["argv"][1:] == ["-H", "Authorization: Bearer ***", "-u", "***",
                                     "https://bob:***@127.0.0.1/x", text], e["exec"]["argv"]
    dm.marker()
    raw = b"".join(dm.lines)
    assert secret.encode() not in raw


def test_redaction_configured_and_off(daemon_factory, tmp):
    need_control()
    for rules, want in ((["--pin=*", "echo:-s"], ["--pin=***", "-s", "***", "--password=x"]),
                        ([], ["--pin=1234", "-s", "s3cret", "--password=x"])):
        sub = os.path.join(tmp, "r%d-%s" % (len(rules), uuid.uuid4().hex[:8]))
        os.makedirs(sub)
        cfg = os.path.join(sub, "c.yaml")
        with open(cfg, "w") as f:
            f.write(base_config(sub) + "redact:\n  argv: [%s]\n"
                    % ", ".join("'%s'" % r for r in rules))
        dm = daemon_factory(config=cfg, subdir=os.path.basename(sub))
        text = "sgredact-" + uuid.uuid4().hex
        subprocess.run(["/bin/echo", text, "--pin=1234", "-s", "s3cret", "--password=x"],
                       stdout=subprocess.DEVNULL, check=True)
        assert exec_event(dm, text)["exec"]["argv"] == ["/bin/echo", text] + want
        dm.stop()
    # a bad rule stops the start with its position
    cfg = os.path.join(tmp, "bad.yaml")
    with open(cfg, "w") as f:
        f.write(base_config(tmp) + "redact:\n  argv: ['--a*b*']\n")
    p = subprocess.run([SYSGUARDD, "--foreground", "--config", cfg, "--output", "/dev/null",
                        "--socket", os.path.join(tmp, "bad.sock")],
                       capture_output=True, text=True, timeout=30)
    assert p.returncode == 1 and re.search(r"bad\.yaml:\d+:\d+: bad redaction rule '--a\*b\*'",
                                           p.stderr), p.stderr


def test_read_scope_own(users, daemon_factory, tmp):
    member, _ = users
    need_control()
    cfg = os.path.join(tmp, "own.yaml")
    with open(cfg, "w") as f:
        f.write(base_config(tmp) + "control:\n  read_scope: own\n")
    dm = daemon_factory(config=cfg)
    uid = pwd.getpwnam(member).pw_uid
    tail = subprocess.Popen(["runuser", "-u", member, "--", SYSGUARDCTL, "--socket", dm.socket,
                             "tail", "--type", "exec", "--json"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    admin = Client(dm.socket)
    assert admin.request("subscribe", {"type": "exec"})["ok"]
    try:
        wait_subscribers(dm, 2, "the member's tail to subscribe")
        mine, roots = "sgown-" + uuid.uuid4().hex, "sgroot-" + uuid.uuid4().hex
        subprocess.run(["/bin/echo", roots], stdout=subprocess.DEVNULL, check=True)
        subprocess.run(["runuser", "-u", member, "--", "/bin/echo", mine],
                       stdout=subprocess.DEVNULL, check=True)
        # the administrator sees both, in order
        wait_event(admin, lambda e: roots in e["exec"]["argv"], "root's exec")
        wait_event(admin, lambda e: mine in e["exec"]["argv"], "the member's exec")
        seq = int(ctl(dm, "mark", "end").stdout)
        # the member sees its own exec and the marker, never root's
        seen = []
        while True:
            line = tail.stdout.readline()
            assert line, "the member's tail ended: " + tail.stderr.read()
            ev = json.loads(line)
            seen.append(ev)
            if ev["type"] == "mark" and ev["seq"] == seq:
                break
        execs = [e for e in seen if e["type"] == "exec"]
        assert any(mine in e["exec"]["argv"] for e in execs), seen
        assert not any(roots in e["exec"]["argv"] for e in execs), "root's exec reached the member"
        assert all(e["proc"]["uid"] == uid for e in execs), [e["proc"]["uid"] for e in execs]
    finally:
        tail.kill()
        tail.wait()
        admin.close()
