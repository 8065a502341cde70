# SPDX-License-Identifier: GPL-2.0-or-later
"""The Debian package: build it (dpkg-buildpackage, in a copy of the tree
under BUILD/pkg, without root or BPF), install it with dpkg, run the daemon
from it, check its files and the group, purge it, and check that the
machine is as before (the group is removed if this test created it).

Purging removes the package's state as Debian administrators expect (and
sysguardd(8) says): /var/lib/sysguard (runtime blocks), /var/log/sysguard
and /run/sysguard.  A from-source run, or a second daemon, may have state
there already: the test moves those directories aside (a rename keeps
their inodes, so a running daemon's open files and listening socket stay
valid), checks that the purge removed what the package made, and puts them
back."""

import glob
import grp
import os
import shutil
import subprocess
import time

import pytest

from conftest import BUILD, REPO

PKG = "sysguard"
WATCHED = ["/etc", "/lib/systemd/system", "/usr/lib/sysusers.d", "/usr/sbin", "/usr/bin",
           "/usr/share/man/man5", "/usr/share/man/man7", "/usr/share/man/man8", "/usr/share/sysguard",
           "/var/lib/systemd", "/var/log/sysguard", "/var/lib/sysguard"]


def run(cmd, **kw):
    return subprocess.run(cmd, capture_output=True, text=True, **kw)


def snapshot():
    files = set()
    for top in WATCHED:
        for d, _, names in os.walk(top):
            for n in names:
                files.add(os.path.join(d, n))
    # files that tools rewrite in place or as backups are not ours
    return {f for f in files if not f.startswith(("/etc/group", "/etc/gshadow", "/etc/ld.so.cache",
                                                  "/var/lib/systemd/timers", "/etc/mtab"))}


PURGED = ("/var/lib/sysguard", "/var/log/sysguard", "/run/sysguard")


def set_aside():
    """Move the directories a purge removes out of the way; returns {path: aside}."""
    aside = {}
    for path in PURGED:
        if os.path.lexists(path):
            tmp = "%s.sgtest-%d" % (path, os.getpid())
            os.rename(path, tmp)
            aside[path] = tmp
    return aside


def put_back(aside):
    for path, tmp in aside.items():
        if os.path.lexists(path):
            # recreated meanwhile by a daemon that runs on this host: keep its
            # newer files in the original directory
            for d, _, names in os.walk(path):
                rel = os.path.relpath(d, path)
                os.makedirs(os.path.join(tmp, rel), exist_ok=True)
                for n in names:
                    os.replace(os.path.join(d, n), os.path.join(tmp, rel, n))
            shutil.rmtree(path)
        os.rename(tmp, path)


def installed(name):
    r = run(["dpkg-query", "-W", "-f=${Status}", name])
    return r.returncode == 0 and "installed" in r.stdout and "not-installed" not in r.stdout


def copy_tree(dst):
    """The checkout as git sees it (tracked and new, not ignored), else a plain copy."""
    r = run(["git", "-C", REPO, "ls-files", "-z", "-c", "-o", "--exclude-standard"])
    if r.returncode != 0:
        shutil.copytree(REPO, dst, ignore=shutil.ignore_patterns("build", "build-*", ".git"))
        return
    for rel in filter(None, r.stdout.split("\0")):
        src = os.path.join(REPO, rel)
        if not os.path.isfile(src):
            continue
        os.makedirs(os.path.dirname(os.path.join(dst, rel)), exist_ok=True)
        shutil.copy2(src, os.path.join(dst, rel))


def build_package():
    prebuilt = os.environ.get("SG_DEB")
    if prebuilt:
        return prebuilt
    for tool in ("dpkg-buildpackage", "dh"):
        if not shutil.which(tool):
            pytest.skip("%s is missing (make test-deps installs debhelper)" % tool)
    work = os.path.join(BUILD, "pkg")
    shutil.rmtree(work, ignore_errors=True)
    src = os.path.join(work, "src")
    copy_tree(src)
    r = run(["dpkg-checkbuilddeps"], cwd=src)
    if r.returncode != 0:
        pytest.skip("build dependencies missing: " + r.stderr.strip())
    t0 = time.monotonic()
    r = run(["dpkg-buildpackage", "-b", "-us", "-uc"], cwd=src,
            env=dict(os.environ, DEB_BUILD_OPTIONS="nocheck noddebs parallel=2"))
    assert r.returncode == 0, "dpkg-buildpackage failed:\n" + (r.stdout + r.stderr)[-3000:]
    print("package built in %.1fs" % (time.monotonic() - t0))
    debs = glob.glob(os.path.join(work, "%s_*.deb" % PKG))
    assert len(debs) == 1, debs
    return debs[0]


def test_package_install_purge():
    if os.geteuid() != 0:
        pytest.skip("needs root (dpkg -i)")
    if not shutil.which("dpkg"):
        pytest.skip("not a Debian system")
    if installed(PKG):
        pytest.skip("the package %s is installed on this machine already" % PKG)
    if os.path.exists("/usr/sbin/sysguardd") or os.path.exists("/etc/sysguard"):
        pytest.skip("sysguard is installed here by other means (/usr/sbin/sysguardd or /etc/sysguard)")
    deb = build_package()

    try:
        grp.getgrnam("sysguard")
        had_group = True
    except KeyError:
        had_group = False
    aside = set_aside()
    try:
        purge_and_check(deb, had_group)
    finally:
        put_back(aside)


def purge_and_check(deb, had_group):
    before = snapshot()
    try:
        r = run(["dpkg", "-i", deb], env=dict(os.environ, DEBIAN_FRONTEND="noninteractive"))
        assert r.returncode == 0, r.stdout + r.stderr
        assert installed(PKG)

        r = run(["/usr/sbin/sysguardd", "--version"])
        assert r.returncode == 0 and r.stdout.startswith("sysguardd "), r.stdout + r.stderr
        files = run(["dpkg", "-L", PKG]).stdout.split("\n")
        for f in ("/usr/sbin/sysguardd", "/lib/systemd/system/sysguardd.service",
                  "/usr/lib/sysusers.d/sysguard.conf", "/etc/sysguard/sysguard.yaml",
                  "/usr/share/man/man8/sysguardd.8.gz", "/usr/share/man/man5/sysguard.yaml.5.gz"):
            assert f in files, f
            assert os.path.exists(f), f
        unit = open("/lib/systemd/system/sysguardd.service").read()
        assert "ExecStart=/usr/sbin/sysguardd --foreground" in unit
        assert "/etc/sysguard/sysguard.yaml" in run(["dpkg-query", "-W", "-f=${Conffiles}", PKG]).stdout
        grp.getgrnam("sysguard")  # created by postinst (systemd-sysusers)
        # installed, not enabled: nothing starts by surprise
        assert not glob.glob("/etc/systemd/system/*.wants/sysguardd.service")
    finally:
        r = run(["dpkg", "--purge", PKG])
        purge_out = r.stdout + r.stderr
        if not had_group:
            run(["groupdel", "sysguard"])
    assert r.returncode == 0, purge_out
    assert not installed(PKG)
    for path in ("/usr/sbin/sysguardd", "/etc/sysguard", "/lib/systemd/system/sysguardd.service",
                 "/var/log/sysguard", "/var/lib/sysguard"):
        assert not os.path.exists(path), path + " left behind"
    after = snapshot()
    assert after == before, "purge left %s, removed %s" % (sorted(after - before), sorted(before - after))
