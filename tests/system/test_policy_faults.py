# SPDX-License-Identifier: GPL-2.0-or-later
"""Policy faults on SIGHUP: a missing file, a syntax error, a 50 MB file and
a YAML alias bomb.  Each time the old policy stays in force (its rule still
fires, status shows the same policy), the daemon answers status within a
second throughout (a client polls it while the reload happens), and the
reason is logged exactly once."""

import os
import signal
import threading
import time

import pytest

from conftest import POLICY_A, Client, need_control, policy_engine_built, trigger_until, write

BOMB = """version: 1
a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]
i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]
rules: *i
"""


class StatusProbe:
    """Asks for status over and over on a fresh connection; keeps the slowest answer."""

    def __init__(self, sock):
        self.sock = sock
        self.worst = 0.0
        self.count = 0
        self.error = None
        self.stop = threading.Event()
        self.t = threading.Thread(target=self.run)
        self.t.start()

    def run(self):
        while not self.stop.is_set():
            t0 = time.monotonic()
            try:
                c = Client(self.sock, timeout=2)
                ok = c.request("status")["ok"]
                c.close()
                assert ok
            except Exception as e:  # noqa: BLE001 (reported by finish())
                self.error = repr(e)
                return
            self.worst = max(self.worst, time.monotonic() - t0)
            self.count += 1
            time.sleep(0.01)

    def finish(self):
        self.stop.set()
        self.t.join()
        assert self.error is None, "status failed during the reload: " + self.error
        assert self.count > 0
        return self.worst


def policy_of(sock):
    st = Client(sock).request("status")["result"]
    return st.get("policy")


@pytest.mark.parametrize("fault", ["missing", "syntax", "50MB", "alias-bomb"])
def test_reload_fault_keeps_policy(daemon_factory, tmp, fault):
    policy_engine_built()
    need_control()
    path = os.path.join(tmp, "policy.yaml")
    write(path, POLICY_A % 1)
    d = daemon_factory(policy=path)
    trigger_until(d, "rule-a", timeout=5)
    before = policy_of(d.socket)

    if fault == "missing":
        os.unlink(path)
        reason = "No such file"
    elif fault == "syntax":
        write(path, "version: 1\nrules: [ {id: x, action: log\n")
        reason = "policy.yaml:"
    elif fault == "50MB":
        with open(path + ".tmp", "w") as f:
            f.write("version: 1\n# " + "x" * (50 << 20) + "\nrules: []\n")
        os.rename(path + ".tmp", path)
        reason = "too large"
    else:
        write(path, BOMB)
        reason = "not supported"

    probe = StatusProbe(d.socket)
    try:
        nlog = len(d.stderr_lines)
        d.proc.send_signal(signal.SIGHUP)
        deadline = time.monotonic() + 10
        while not any("refused" in l for l in d.stderr_lines[nlog:]):
            assert time.monotonic() < deadline, "no refusal logged:\n" + d.stderr()
            time.sleep(0.05)
        time.sleep(0.5)                      # keep probing after the reload too
    finally:
        worst = probe.finish()
    print("%s: slowest status during the reload %.0f ms (%d probes)"
          % (fault, worst * 1000, probe.count))
    assert worst < 1.0, "status took %.2fs" % worst
    new = d.stderr_lines[nlog:]
    why = [l for l in new if reason in l]
    assert len(why) == 1, "reason %r logged %d times:\n%s" % (reason, len(why), "\n".join(new))
    assert len([l for l in new if "refused" in l]) == 1, "\n".join(new)
    # the old policy is in force, unchanged
    assert policy_of(d.socket) == before
    trigger_until(d, "rule-a", timeout=5)
    ev = d.wait_for(lambda e: e["type"] == "policy" and e["policy"].get("ok") is False,
                    what="the refused reload's policy event", needle='"type":"policy"')
    assert "old one stays" in ev["policy"]["error"]
    assert d.proc.poll() is None
