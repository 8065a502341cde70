#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Soak test (make soak; SOAK_S seconds, 600 by default; root, real BPF).

Runs the real sysguardd with its own socket, state and pin directories and a
mixed workload for SOAK_S seconds:
  - processes: short execs, among them numbered marker execs that are counted;
  - files: opens, renames and unlinks in a scratch directory;
  - network: loopback connects to a local listener;
  - a policy reload (SIGHUP, alternating two policies) every RELOAD_S seconds;
  - block add/remove churn on loopback addresses (127.0.0.200-254) with TTLs;
  - subscribers connecting and leaving, a third of them never reading.
Every SAMPLE_S seconds it samples the daemon's RSS, open fds, the entries of
its BPF hash/LRU/LPM maps and its process-table size.  RSS is read at a
quiet point: the subscribers are closed for a moment (the daemon gives
their queues back), so that a leak is not hidden under the swings of
queues filling and draining; the rest of the workload keeps running.  At the end
it prints the least-squares slope of each (per minute, over the samples
after the first WARMUP fraction) and fails if one grows faster than its
tolerance (TOLERANCE; shrinking is fine),
or if a marker exec is missing from the output without being counted as
lost (delivered + lost(exec) >= generated, and == when nothing was lost)."""

import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
BUILD = os.environ.get("BUILD", os.path.join(REPO, "build"))
SYSGUARDD = os.path.join(BUILD, "sysguardd")
SOAK_S = int(os.environ.get("SOAK_S", "600"))
SAMPLE_S = float(os.environ.get("SOAK_SAMPLE_S", "5"))
RELOAD_S = 3
WARMUP = 0.2
# Per-minute slopes above these fail the run.  RSS: 256 KiB/min is a leak
# of ~150 MiB a week; fds and map entries must not grow at all once warm
# (a fraction for sampling noise); the process table follows the host's
# process count, which the workload keeps level.
# fds are counted without the control connections open at the time (those come
# and go with the subscribers): what is left must be flat.
TOLERANCE = {"rss_kib": 256.0, "fds": 0.5, "map_entries": 20.0, "proctable": 50.0}

POLICY = """version: 1
defaults: {action: allow, dedup_window: %s}
rules:
  - {id: soak-exec, events: [exec], match: {proc.argv: {contains: sgsoak}}, action: log}
  - {id: soak-file, events: [open, rename, unlink], match: {file.path: {prefix: %s/}}, action: %s}
  - {id: soak-net, events: [connect], match: {net.addr: 127.0.0.0/8, net.port: %d}, action: log}
"""


class Ctl:
    def __init__(self, path, timeout=5):
        self.s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.s.settimeout(timeout)
        self.s.connect(path)
        self.buf = b""

    def request(self, cmd, args=None):
        req = {"id": 1, "cmd": cmd}
        if args is not None:
            req["args"] = args
        self.s.sendall(json.dumps(req).encode() + b"\n")
        while b"\n" not in self.buf:
            data = self.s.recv(1 << 16)
            if not data:
                raise ConnectionError("closed")
            self.buf += data
        line, self.buf = self.buf.split(b"\n", 1)
        return json.loads(line)

    def close(self):
        self.s.close()


def rss_kib(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def map_entries(pid):
    """Entries in the daemon's hash, LRU and LPM maps (bpftool, by the ids of its fds)."""
    ids = set()
    for fd in os.listdir("/proc/%d/fdinfo" % pid):
        try:
            with open("/proc/%d/fdinfo/%s" % (pid, fd)) as f:
                info = dict(l.split(":", 1) for l in f.read().splitlines() if ":" in l)
        except OSError:
            continue
        if "map_id" in info and info.get("map_type", "").strip() in ("1", "9", "11", "5", "10"):
            ids.add(info["map_id"].strip())   # hash, lru_hash, lpm_trie, percpu_hash, lru_percpu
    total = 0
    for i in ids:
        p = subprocess.run(["bpftool", "-j", "map", "dump", "id", i], capture_output=True,
                           text=True)
        if p.returncode == 0 and p.stdout.strip():
            total += len(json.loads(p.stdout))
    return total


def slope(xs, ys):
    n = len(xs)
    mx, my = sum(xs) / n, sum(ys) / n
    sxx = sum((x - mx) ** 2 for x in xs)
    return 0.0 if sxx == 0 else sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / sxx


def main():
    if os.geteuid() != 0:
        print("SKIP soak: needs root")
        return 0
    tmp = os.path.realpath(tempfile.mkdtemp(prefix="sgsoak-"))
    pin = "/sys/fs/bpf/sgsoak-%s" % os.path.basename(tmp)
    scratch = os.path.join(tmp, "files")
    os.mkdir(scratch)
    out = os.path.join(tmp, "events.ndjson")
    sock = os.path.join(tmp, "sysguard.sock")
    lsock = socket.socket()
    lsock.bind(("127.0.0.1", 0))
    lsock.listen(512)
    port = lsock.getsockname()[1]
    # dedup off in both: every marker exec must be its own line
    policies = [POLICY % ("0", scratch, "log", port), POLICY % ("0", scratch, "alert", port)]
    ppath = os.path.join(tmp, "policy.yaml")
    with open(ppath, "w") as f:
        f.write(policies[0])
    cfg = os.path.join(tmp, "sysguard.yaml")
    with open(cfg, "w") as f:
        f.write("state_dir: %s/state\nenforcement:\n  pin_dir: %s\n  release_on_stop: true\n"
                % (tmp, pin))
    proc = subprocess.Popen([SYSGUARDD, "--foreground", "--output", out, "--socket", sock,
                             "--policy", ppath, "--config", cfg],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    ready = threading.Event()
    log = []

    def pump():
        for line in proc.stderr:
            log.append(line)
            if "ready:" in line:
                ready.set()
        ready.set()

    threading.Thread(target=pump, daemon=True).start()
    stop = threading.Event()
    quiet, quiet_ack = threading.Event(), threading.Event()
    counts = {"markers": 0, "reloads": 0, "blocks": 0, "subs": 0, "files": 0, "connects": 0}
    errors = []
    tag = "sgsoak-" + uuid.uuid4().hex[:8]

    def guard(fn):
        def run():
            try:
                fn()
            except Exception as e:  # noqa: BLE001
                errors.append("%s: %r" % (fn.__name__, e))
                stop.set()
        t = threading.Thread(target=run, daemon=True)
        t.start()
        return t

    def w_exec():
        while not stop.is_set():
            subprocess.run(["/bin/echo", "%s-%d" % (tag, counts["markers"])],
                           stdout=subprocess.DEVNULL)
            counts["markers"] += 1
            subprocess.run(["/bin/true"])
            time.sleep(0.01)

    def w_files():
        i = 0
        while not stop.is_set():
            a, b = os.path.join(scratch, "a%d" % (i % 50)), os.path.join(scratch, "b%d" % (i % 50))
            with open(a, "w") as f:
                f.write("x")
            os.rename(a, b)
            os.unlink(b)
            i += 1
            counts["files"] = i
            time.sleep(0.002)

    def w_net():
        def accept():
            while not stop.is_set():
                try:
                    lsock.settimeout(0.5)
                    c, _ = lsock.accept()
                    c.close()
                except OSError:
                    pass
        threading.Thread(target=accept, daemon=True).start()
        while not stop.is_set():
            s = socket.socket()
            try:
                s.connect(("127.0.0.1", port))
                counts["connects"] += 1
            except OSError:
                pass
            s.close()
            time.sleep(0.01)

    def w_reload():
        i = 0
        while not stop.wait(RELOAD_S):
            i += 1
            with open(ppath + ".tmp", "w") as f:
                f.write(policies[i % 2])
            os.rename(ppath + ".tmp", ppath)
            proc.send_signal(signal.SIGHUP)
            counts["reloads"] += 1

    def w_blocks():
        c = Ctl(sock)
        live = []
        while not stop.wait(0.2):
            addr = "127.0.0.%d" % random.randint(200, 254)
            r = c.request("block.add", {"addr": addr, "port": random.randint(1, 9),
                                        "ttl_sec": random.randint(1, 5)})
            if r["ok"]:
                live.append(r["result"].get("id"))
                counts["blocks"] += 1
            if len(live) > 20 or (live and random.random() < 0.5):
                rid = live.pop(0)
                if rid:
                    c.request("block.remove", {"id": rid})   # may have expired: not_found
        c.close()

    def w_subs():
        subs = []
        while not stop.wait(0.5):
            if quiet.is_set():
                for c in subs:
                    c.close()
                subs = []
                quiet_ack.set()
                while quiet.is_set() and not stop.is_set():
                    time.sleep(0.05)
            if len(subs) < 12:
                c = Ctl(sock)
                # readers take everything; the ones that never read, execs only (their
                # full queues would otherwise make RSS swing by tens of MiB between
                # samples, hiding a slow leak under noise)
                c.reads = random.random() < 0.66
                r = c.request("subscribe", {} if c.reads else {"type": "exec"})
                assert r["ok"], r
                c.until = time.monotonic() + random.uniform(2, 15)
                subs.append(c)
                counts["subs"] += 1
            for c in list(subs):
                if c.reads:
                    c.s.setblocking(False)
                    try:
                        while c.s.recv(1 << 20):
                            pass
                    except (BlockingIOError, OSError):
                        pass
                if time.monotonic() > c.until:
                    c.close()
                    subs.remove(c)
        for c in subs:
            c.close()

    samples = []
    rc = 1
    try:
        if not ready.wait(60) or proc.poll() is not None:
            print("FAIL soak: sysguardd did not start:\n" + "".join(log))
            return 1
        pid = proc.pid
        t0 = time.monotonic()
        threads = [guard(f) for f in (w_exec, w_files, w_net, w_reload, w_blocks, w_subs)]
        while not stop.is_set() and time.monotonic() - t0 < SOAK_S:
            stop.wait(SAMPLE_S)
            quiet_ack.clear()
            quiet.set()
            quiet_ack.wait(10)
            time.sleep(1)            # the daemon trims 200 ms after the last one left
            floor = rss_kib(pid)
            quiet.clear()
            c = Ctl(sock)
            st = c.request("status")["result"]
            c.close()
            s = {"t": time.monotonic() - t0, "rss_kib": floor,
                 "fds": len(os.listdir("/proc/%d/fd" % pid)) - st["control"]["clients"],
                 "map_entries": map_entries(pid),
                 "proctable": st["processes"]["tracked"]}
            samples.append(s)
            print("soak t=%4.0fs rss=%6d KiB fds(-clients)=%4d maps=%5d proctable=%5d subs=%2d blocks=%3d"
                  % (s["t"], s["rss_kib"], s["fds"], s["map_entries"], s["proctable"],
                     st["control"]["subscribers"], st["enforcement"].get("rules", 0)),
                  flush=True)
            if proc.poll() is not None:
                errors.append("sysguardd exited with %s" % proc.returncode)
                break
        stop.set()
        for t in threads:
            t.join(30)
        # every marker exec is either in the output or counted as lost
        c = Ctl(sock)
        st = c.request("status")["result"]
        c.close()
        proc.send_signal(signal.SIGTERM)
        proc.wait(30)
        if proc.returncode != 0:
            errors.append("sysguardd exited with %s at SIGTERM" % proc.returncode)
        delivered = set()
        needle = tag.encode() + b"-"
        with open(out, "rb") as f:
            for raw in f:
                if needle in raw and b'"type":"exec"' in raw:
                    for a in json.loads(raw)["exec"]["argv"]:
                        if a.startswith(tag + "-"):
                            delivered.add(a)
        lost_exec = st["drops"].get("exec", 0)
        gen = counts["markers"]
        print("soak: %d s, %s; markers generated %d, delivered %d, exec lost (counted) %d; "
              "subscriber events missed (counted) %d"
              % (samples[-1]["t"] if samples else 0, counts, gen, len(delivered), lost_exec,
                 st["control"]["missed"]))
        if len(delivered) + lost_exec < gen or (lost_exec == 0 and len(delivered) != gen):
            errors.append("markers lost uncounted: generated %d, delivered %d, lost %d"
                          % (gen, len(delivered), lost_exec))
        use = samples[int(len(samples) * WARMUP):]
        if len(use) < 5:
            errors.append("too few samples (%d) for slopes: run longer" % len(use))
        else:
            xs = [s["t"] / 60 for s in use]
            for k, tol in TOLERANCE.items():
                sl = slope(xs, [s[k] for s in use])
                ok = sl <= tol
                print("%s slope %-11s %+10.2f /min (tolerance %g; first %d, last %d)"
                      % ("PASS" if ok else "FAIL", k, sl, tol, use[0][k], use[-1][k]))
                if not ok:
                    errors.append("%s grows %.2f/min" % (k, sl))
        for e in errors:
            print("FAIL soak: " + e)
        rc = 1 if errors else 0
        if not errors:
            print("PASS soak")
    finally:
        stop.set()
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        lsock.close()
        shutil.rmtree(pin, ignore_errors=True)
        shutil.rmtree(tmp, ignore_errors=True)
    return rc


if __name__ == "__main__":
    sys.exit(main())
