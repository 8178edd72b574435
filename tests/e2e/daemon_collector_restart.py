#!/usr/bin/env python3
"""The collector goes away while the daemon keeps finding, and comes back.

A fixture root gets 1000 watched files, one every few milliseconds (each
matches its own rule of a test catalog.d, so each is its own finding); in the
middle, rsyslog is stopped for a few seconds and started again. Then the files
go away again (1000 "cleared"). Every event must arrive: over RELP (plain or in TLS) exactly
once; over TLS and TCP at least once (the stable id lets the SOC deduplicate),
and the figures are printed.

usage: daemon_collector_restart.py TELLTALE relp|relp-tls|tls|tcp"""
import collections
import hashlib
import os
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from daemon_harness import (Certs, Daemon, Rsyslog, check, events, finish, fixture_root, free_port, path_rules,
                            tempdir, wait_for)

telltale, proto = sys.argv[1], sys.argv[2]
N = 1000
SPACING = 0.008  # seconds between two files
OUTAGE_AT, OUTAGE_LEN = 2.0, 3.0

d = tempdir("restart-" + proto)
certs = None
if proto in ("tls", "relp-tls"):
    os.makedirs(os.path.join(d, "certs"))
    certs = Certs(os.path.join(d, "certs"))
port = free_port()
os.makedirs(os.path.join(d, "rsyslog"))
rs = Rsyslog(os.path.join(d, "rsyslog"), proto, port, certs)
rs.start()

root = fixture_root(d)
# RELP's TLS checks the collector's name (librelp's "name" mode): a host name, not an address.
target = f"relp://localhost:{port}" if proto == "relp-tls" else f"{proto}://127.0.0.1:{port}"
tls = f"    tls: {{ca: {certs.ca}, cert: {certs.client}, key: {certs.client_key}}}\n" if certs else ""
config = (f"state_dir: {d}/state\n"
          "report:\n  rate_limit: {events: 5000, interval: 1m}\n"
          "probes:\n  path: {interval: 100ms}\n"
          "outputs:\n"
          f"  - type: remote\n    target: {target}\n    heartbeat: 1h\n{tls}")
# librelp's own leak over TLS (16 bytes a session, see the file) is not ours to fail on.
env = {}
if proto == "relp-tls":
    supp = os.path.join(os.path.dirname(os.path.abspath(__file__)), "lsan-librelp.supp")
    env["LSAN_OPTIONS"] = os.environ.get("LSAN_OPTIONS", "") + f":suppressions={supp}"
daemon = Daemon(telltale, d, config, root, path_rules(N), env=env)
daemon.start()


def expected_id(i):
    # The finding id contract: host, rule, subject (a host kind's subject is the product).
    data = f"lt-0421\0test.f{i:04d}\0Test {i:04d}\0".encode()
    return hashlib.sha256(data).hexdigest()[:32]


def outage(at, length, log):
    time.sleep(at)
    rs.stop()
    log.append(("stopped", time.monotonic()))
    time.sleep(length)
    rs.start()
    log.append(("started", time.monotonic()))


def produce(action):
    log = []
    t = threading.Thread(target=outage, args=(OUTAGE_AT, OUTAGE_LEN, log))
    t0 = time.monotonic()
    t.start()
    for i in range(N):
        action(os.path.join(root, "watch", f"f{i:04d}"))
        delay = t0 + (i + 1) * SPACING - time.monotonic()
        if delay > 0:
            time.sleep(delay)
    t.join()
    return time.monotonic() - t0, log


def tally(event):
    counts = collections.Counter(i for i, e, r in events(rs.lines()) if e == event and r and r.startswith("test.f"))
    return counts


def settle(event, timeout=90):
    return wait_for(lambda: len(tally(event)) >= N, timeout, step=0.5)


ids = {expected_id(i) for i in range(N)}
for phase, event, action in (("appear", "new", lambda p: open(p, "w").close()), ("go away", "cleared", os.unlink)):
    took, log = produce(action)
    print(f"{phase}: {N} files in {took:.1f} s, collector stopped for {OUTAGE_LEN:.0f} s in the middle")
    settle(event)
    time.sleep(1.5)  # late duplicates would show now
    counts = tally(event)
    delivered = len(set(counts) & ids)
    dups = sum(c - 1 for c in counts.values())
    print(f"{proto}: {event}: {delivered}/{N} delivered ({100.0 * delivered / N:.1f}%), "
          f"{dups} duplicate(s), {len(set(counts) - ids)} unexpected id(s)")
    check(set(counts) == ids, f"{proto}: every \"{event}\" arrived, with the ids the contract gives")
    if proto.startswith("relp"):
        check(dups == 0, f"relp: every \"{event}\" arrived exactly once ({dups} duplicates)")
    check(any(w == "stopped" for w, _ in log) and any(w == "started" for w, _ in log), "the collector was restarted")

err = daemon.err()
check("retrying" in err and "connected again" in err, "the daemon said the collector was gone and back")
rc = daemon.stop()
check(rc == 0, f"clean stop (exit {rc})")
check(wait_for(lambda: any(r == "tamper.stopping" for _, _, r in events(rs.lines())), 10),
      "the stop event reached the collector")
rs.stop()
finish()
