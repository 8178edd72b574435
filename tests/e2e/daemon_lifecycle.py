#!/usr/bin/env python3
"""The daemon's life: sd_notify (READY, STATUS, RELOADING, STOPPING,
WATCHDOG), SIGHUP with a broken config (reported with file:line:col, a tamper
event, the last good config keeps working) and then a good one (the new
catalog applies, the tamper event clears), a clean stop with its tamper
event, alert state across restarts, a daemon restart over the spool (RELP
collector down the whole time, then up: everything arrives exactly once, in
order, after a clean stop and after SIGKILL), and the per-rule rate limit.

usage: daemon_lifecycle.py TELLTALE"""
import json
import os
import signal
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from daemon_harness import (Daemon, Rsyslog, check, events, finish, fixture_root, free_port, path_rules, tempdir,
                            wait_for)

telltale = sys.argv[1]
d = tempdir("lifecycle")
root = fixture_root(d)


def touch(i):
    open(os.path.join(root, "watch", f"f{i:04d}"), "w").close()


def rm(i):
    os.unlink(os.path.join(root, "watch", f"f{i:04d}"))


def docs(daemon):
    return [json.loads(l) for l in daemon.out().splitlines() if l.startswith("{")]


def has(daemon, rule, event):
    return any(x["rule"] == rule and x["event"] == event for x in docs(daemon))


def count(daemon, rule, event):
    return sum(1 for x in docs(daemon) if x["rule"] == rule and x["event"] == event)


base = (f"state_dir: {d}/state\nprobes:\n  path: {{interval: 100ms}}\n"
        "outputs:\n  - type: stdout\n    format: json\n")

# --- sd_notify, SIGHUP, stop -------------------------------------------------
touch(0)
daemon = Daemon(telltale, d, base, root, path_rules(3), env={"WATCHDOG_USEC": "300000"})
daemon.start()
msgs = daemon.notify.poll()
check(any(m.startswith("READY=1") for m in msgs), "sd_notify READY=1")
check(wait_for(lambda: any("STATUS=1 finding(s) open" in m for m in daemon.notify.poll()), 5), "sd_notify STATUS")
time.sleep(1.2)
beats = sum(1 for m in daemon.notify.poll() if "WATCHDOG=1" in m)
check(beats >= 3, f"sd_notify WATCHDOG=1 at half of WATCHDOG_USEC ({beats} in 1.2 s)")
check(has(daemon, "test.f0000", "new"), "a finding at start")

# A broken config: refused with file:line:col, a tamper event, the old one stays.
daemon.write_config(base + "report:\n  min_severity: severe\n")
n = len(daemon.notify.poll())
check(daemon.reload(), "SIGHUP: READY=1 again after a refused reload")
check(any("RELOADING=1" in m for m in daemon.notify.poll()[n:]), "sd_notify RELOADING=1")
err = daemon.err()
check(f"{daemon.config}:8:17: unknown severity \"severe\"" in err and "last good configuration stays" in err,
      "refused reload named file:line:col on stderr")
check(wait_for(lambda: has(daemon, "tamper.config-reload-failed", "new"), 5), "tamper event for the refused reload")
touch(1)
check(wait_for(lambda: has(daemon, "test.f0001", "new"), 5), "the last good config keeps finding")

# A broken local rule is refused the same way.
daemon.write_config(base)
bad_rule = os.path.join(daemon.cfgdir, "catalog.d", "zz-bad.yaml")
with open(bad_rule, "w") as f:
    f.write("rules:\n  - id: test.bad\n    colour: red\n")
daemon.reload()
check(f"{bad_rule}:3:5: unknown key \"colour\"" in daemon.err(), "a broken catalog.d rule refused with file:line:col")
check(count(daemon, "tamper.config-reload-failed", "new") == 2, "a second tamper event")
os.unlink(bad_rule)

# A good config with a new rule: it applies, and the tamper event clears.
with open(os.path.join(daemon.cfgdir, "catalog.d", "more.yaml"), "w") as f:
    f.write(path_rules(1, prefix="test.more"))
daemon.write_config(base.replace("format: json", "format: json\n    # reloaded"))
check(daemon.reload(), "SIGHUP with a good config")
check(wait_for(lambda: has(daemon, "test.more0000", "new"), 5), "the new catalog applies after reload")
check(has(daemon, "tamper.config-reload-failed", "cleared"), "the reload tamper event clears")
check(count(daemon, "test.f0000", "new") == 1, "a reload does not announce open findings again")

n = len(daemon.notify.poll())
rc = daemon.stop()
check(rc == 0, f"SIGTERM: exit 0 ({rc})")
check(any("STOPPING=1" in m for m in daemon.notify.poll()[n:]), "sd_notify STOPPING=1")
stop = [x for x in docs(daemon) if x["rule"] == "tamper.stopping"]
check(len(stop) == 1 and stop[0]["category"] == "tamper" and "SIGTERM" in stop[0]["summary"],
      "clean stop sends a tamper \"stopping\" event")

# --- alert state across a restart ------------------------------------------
rm(1)
daemon2 = Daemon(telltale, d, base, root, path_rules(3), name="again")
os.replace(os.path.join(daemon.cfgdir, "catalog.d", "more.yaml"),
           os.path.join(daemon2.cfgdir, "catalog.d", "more.yaml"))
daemon2.start()
check(wait_for(lambda: has(daemon2, "test.f0001", "cleared"), 5), "after a restart: what went meanwhile is cleared")
check(not has(daemon2, "test.f0000", "new") and not has(daemon2, "test.more0000", "new"),
      "after a restart: what stayed is not new again")
daemon2.stop()
check(os.path.exists(os.path.join(d, "state", "state")) and not os.path.exists(os.path.join(d, "state", "state.tmp")),
      "state file written atomically")

# --- a daemon restart over the spool (RELP) ---------------------------------
port = free_port()
os.makedirs(os.path.join(d, "relp"))
rs = Rsyslog(os.path.join(d, "relp"), "relp", port)  # not started: the collector is down
relp = (f"state_dir: {d}/state-spool\nprobes:\n  path: {{interval: 100ms}}\n"
        f"outputs:\n  - type: remote\n    target: relp://127.0.0.1:{port}\n    heartbeat: 1h\n")
for i in range(3):
    rm(i) if os.path.exists(os.path.join(root, "watch", f"f{i:04d}")) else None
spooler = Daemon(telltale, d, relp, root, path_rules(60), name="spooler").start()
for i in range(20):
    touch(i)
time.sleep(1)
check("relp://127.0.0.1" in spooler.err() and "retrying" in spooler.err(),
      "collector down: said on stderr, findings spooled")
check(spooler.stop() == 0, "clean stop with the collector down")
spooler.start()
for i in range(20, 40):
    touch(i)
time.sleep(1)
spooler.proc.send_signal(signal.SIGKILL)  # no chance to say goodbye
spooler.proc.wait()
spooler.start()
for i in range(40, 60):
    touch(i)
time.sleep(1)
rs.start()
ok = wait_for(lambda: len([1 for _, e, r in events(rs.lines()) if e == "new" and r.startswith("test.f")]) >= 60, 60)
time.sleep(1)
ev = events(rs.lines())
news = [r for _, e, r in ev if e == "new" and r.startswith("test.f")]
check(sorted(news) == [f"test.f{i:04d}" for i in range(60)],
      f"after two restarts (one SIGKILL) every finding arrived exactly once ({len(news)})")
check(news == sorted(news), "in the order they were found")
check(sum(1 for _, e, r in ev if r == "tamper.stopping") == 1, "the clean stop's tamper event arrived, the kill's not")
spooler.stop()
check(wait_for(lambda: sum(1 for _, e, r in events(rs.lines()) if r == "tamper.stopping") == 2, 10),
      "with the collector up, the stop event goes out before the daemon exits")
rs.stop()

# --- rate limit: a finding that flaps (a hostile flood of new/cleared) ---------
for i in range(60):
    rm(i)
limited = Daemon(telltale, d,
                 f"state_dir: {d}/state-rate\nreport:\n  rate_limit: {{events: 3, interval: 2s}}\n"
                 "probes:\n  path: {interval: 100ms}\noutputs:\n  - type: stdout\n    format: json\n",
                 root, path_rules(2), name="rate").start()
t0 = time.monotonic()
touch(1)
while time.monotonic() - t0 < 3.0:
    touch(0)
    time.sleep(0.25)
    rm(0)
    time.sleep(0.25)
time.sleep(2.5)
limited.stop()
flaps = [x for x in docs(limited) if x["rule"] == "test.f0000"]
summaries = [x for x in docs(limited) if x["rule"] == "telltale.rate-limited"]
check(3 <= len(flaps) <= 9, f"a flapping finding is held to 3 events per 2 s window ({len(flaps)} in ~5 s)")
check(len(summaries) >= 1 and summaries[0]["subject"] == "test.f0000" and "held back" in summaries[0]["summary"],
      "a summary says what was held back, per rule")
check(count(limited, "test.f0001", "new") == 1, "another rule is not held back by the flood")
finish()
