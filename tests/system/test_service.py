# SPDX-License-Identifier: GPL-2.0-or-later
"""The systemd integration files, checked without systemd running: the unit
passes systemd-analyze verify, its sandbox score does not regress, the
sysusers.d file parses, and make install/uninstall honour DESTDIR and never
overwrite a configuration file the administrator changed."""

import os
import re
import shutil
import subprocess

import pytest

from conftest import BUILD, REPO, SYSGUARDD

UNIT_IN = os.path.join(REPO, "systemd", "sysguardd.service.in")
MAX_EXPOSURE = 2.0  # systemd-analyze security: 9.6 for a bare unit, 1.9 now


def analyze():
    if not shutil.which("systemd-analyze"):
        pytest.skip("systemd-analyze is not installed")


def unit_for(tmp, sbindir):
    os.makedirs(tmp, exist_ok=True)
    path = os.path.join(tmp, "sysguardd.service")
    with open(UNIT_IN) as f, open(path, "w") as g:
        g.write(f.read().replace("@SBINDIR@", sbindir))
    return path


def test_unit_verify(tmp):
    analyze()
    if not os.access(SYSGUARDD, os.X_OK):
        pytest.skip("sysguardd is not built")
    unit = unit_for(tmp, os.path.dirname(SYSGUARDD))
    r = subprocess.run(["systemd-analyze", "verify", "--man=no", unit],
                       capture_output=True, text=True)
    assert r.returncode == 0 and "sysguardd.service" not in r.stderr, r.stderr


def test_unit_security(tmp):
    analyze()
    unit = unit_for(tmp, "/usr/sbin")
    r = subprocess.run(["systemd-analyze", "security", "--offline=true", "--no-pager", unit],
                       capture_output=True, text=True)
    if "offline" in r.stderr and r.returncode != 0:
        pytest.skip("this systemd-analyze has no --offline")
    m = re.search(r"Overall exposure level for sysguardd.service: ([0-9.]+)", r.stdout)
    assert m, r.stdout + r.stderr
    assert float(m.group(1)) <= MAX_EXPOSURE, r.stdout


def test_unit_essentials():
    text = open(UNIT_IN).read()
    for line in ("Type=notify", "ExecStart=@SBINDIR@/sysguardd --foreground",
                 "ExecReload=/bin/kill -HUP $MAINPID", "Restart=on-failure", "WatchdogSec=",
                 "RuntimeDirectory=sysguard", "StateDirectory=sysguard",
                 "LogsDirectory=sysguard", "NoNewPrivileges=yes", "ProtectSystem=strict"):
        assert line in text, line


def test_sysusers(tmp):
    if not shutil.which("systemd-sysusers"):
        pytest.skip("systemd-sysusers is not installed")
    root = os.path.join(tmp, "root")
    os.makedirs(os.path.join(root, "etc"))
    r = subprocess.run(["systemd-sysusers", "--root", root,
                        os.path.join(REPO, "systemd", "sysguard.sysusers")],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert re.search(r"^sysguard:x:\d+:", open(os.path.join(root, "etc", "group")).read(), re.M)


def make(*args):
    return subprocess.run(["make", "-s", "-C", REPO, "BUILD=" + BUILD] + list(args),
                          capture_output=True, text=True)


def test_install_uninstall_destdir(tmp):
    if not os.access(SYSGUARDD, os.X_OK):
        pytest.skip("sysguardd is not built")
    dest = os.path.join(tmp, "dest")
    dirs = ["DESTDIR=" + dest, "PREFIX=/usr", "UNITDIR=/usr/lib/systemd/system",
            "SYSUSERSDIR=/usr/lib/sysusers.d", "COMPLETIONSDIR=/usr/share/bash-completion/completions"]
    r = make("install", *dirs)
    assert r.returncode == 0, r.stdout + r.stderr
    for f in ("usr/sbin/sysguardd", "usr/lib/systemd/system/sysguardd.service",
              "usr/lib/sysusers.d/sysguard.conf", "etc/sysguard/sysguard.yaml",
              "usr/share/man/man8/sysguardd.8", "usr/share/man/man5/sysguard.yaml.5"):
        assert os.path.isfile(os.path.join(dest, f)), f
    unit = open(os.path.join(dest, "usr/lib/systemd/system/sysguardd.service")).read()
    assert "ExecStart=/usr/sbin/sysguardd --foreground" in unit
    if os.path.exists(os.path.join(REPO, "policies", "default.yaml")):
        assert os.path.isfile(os.path.join(dest, "etc/sysguard/policies.d/default.yaml"))
        assert os.path.isfile(os.path.join(dest, "usr/share/sysguard/default.yaml"))

    # an administrator's change survives a reinstall and an uninstall
    conf = os.path.join(dest, "etc/sysguard/sysguard.yaml")
    with open(conf, "a") as f:
        f.write("log_level: debug\n")
    r = make("install", *dirs)
    assert r.returncode == 0, r.stderr
    assert open(conf).read().endswith("log_level: debug\n")
    assert os.path.isfile(conf + ".dist")
    r = make("uninstall", *dirs)
    assert r.returncode == 0, r.stderr
    left = sorted(os.path.relpath(os.path.join(d, f), dest)
                  for d, _, files in os.walk(dest) for f in files)
    assert left == ["etc/sysguard/sysguard.yaml"], left
