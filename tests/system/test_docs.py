# SPDX-License-Identifier: GPL-2.0-or-later
"""Manual pages: mandoc -Tlint clean, and in step with the code (every option
of sysguardd --help in sysguardd(8), every configuration setting of config.c
in sysguard.yaml(5) and in the shipped conf/sysguard.yaml)."""

import glob
import os
import re
import shutil
import subprocess

import pytest

from conftest import REPO, SYSGUARDD

MAN = os.path.join(REPO, "man")


def read(path):
    with open(path) as f:
        return f.read()


@pytest.mark.parametrize("page", sorted(os.path.basename(p) for p in glob.glob(os.path.join(MAN, "*.[0-9]"))))
def test_mandoc_lint(page):
    if not shutil.which("mandoc"):
        pytest.skip("mandoc is not installed (make test-deps)")
    # -W warning: STYLE notes such as "referenced manual not found" depend on
    # what this machine has installed, not on the page
    r = subprocess.run(["mandoc", "-Tlint", "-W", "warning", os.path.join(MAN, page)],
                       capture_output=True, text=True)
    assert r.returncode == 0 and not r.stdout.strip(), r.stdout + r.stderr


def test_sysguardd_options_documented():
    if not os.access(SYSGUARDD, os.X_OK):
        pytest.skip("sysguardd is not built")
    out = subprocess.run([SYSGUARDD, "--help"], capture_output=True, text=True, check=True).stdout
    opts = re.findall(r"^\s+-(\w), --([\w-]+)", out, re.M)
    assert len(opts) >= 8, out
    page = read(os.path.join(MAN, "sysguardd.8"))
    for short, long_ in opts:
        assert re.search(r"^\.It Fl %s , -%s\b" % (short, long_), page, re.M), \
            "-%s/--%s is not documented in sysguardd.8" % (short, long_)
        assert re.search(r"^\.Op Fl [a-zA-Z]*%s" % short, page, re.M) or \
            re.search(r"^\.Fl %s\b" % short, page, re.M), "-%s is missing from the SYNOPSIS" % short


def config_settings():
    """Setting names as config.c parses them: (section or None, name)."""
    src = read(os.path.join(REPO, "sysguardd", "config.c"))
    found = []
    for fn, section in (("parse_root", None), ("parse_ring", "ring"), ("parse_journal", "journal"),
                        ("parse_enforcement", "enforcement"), ("parse_control", "control"),
                        ("parse_redact", "redact"), ("parse_metrics", "metrics"),
                        ("parse_containers", "containers")):
        if "static int %s(" % fn not in src:
            continue
        body = src[src.index("static int %s(" % fn):]
        body = body[:body.index("\n}\n")]
        for name in re.findall(r'strcmp\(name, "([a-z_]+)"\)', body):
            found.append((section, name))
    found += [("families", f) for f in ("process", "file", "network")]
    return found


def test_config_settings_documented():
    page = read(os.path.join(MAN, "sysguard.yaml.5"))
    conf = read(os.path.join(REPO, "conf", "sysguard.yaml"))
    settings = config_settings()
    assert len(settings) >= 15, settings
    for section, name in settings:
        assert re.search(r"^\.It Ic %s\b" % name, page, re.M), \
            "setting '%s' is not documented in sysguard.yaml.5" % name
        assert re.search(r"^#\s*%s:" % name, conf, re.M), \
            "setting '%s' is not in conf/sysguard.yaml" % name


def test_journal_ids_documented():
    hdr = read(os.path.join(REPO, "sysguardd", "journal.h"))
    page = read(os.path.join(MAN, "sysguardd.8"))
    ids = re.findall(r'#define SG_MID_\w+\s+"([0-9a-f]{32})"', hdr)
    assert len(ids) == 7 and len(set(ids)) == 7
    for i in ids:
        assert i in page, "MESSAGE_ID %s is not in sysguardd.8" % i
