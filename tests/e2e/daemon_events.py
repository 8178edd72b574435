#!/usr/bin/env python3
"""What the daemon does between its periodic scans.

- A probe that keeps failing: the fixture's dpkg status becomes a directory,
  so the package probe fails at every pass; after three in a row a
  tamper.probe-failing event says so (once), the findings it saw last stay,
  and when the file is back the tamper event clears.
- Network changes through rtnetlink: the daemon runs live in a network
  namespace of its own with the route and link probes on an hour's interval;
  a tun device that takes over the default route (0.0.0.0/1 + 128.0.0.0/1)
  is reported within a second, and cleared within a second of its removal:
  only the rtnetlink event can have made them look.

Needs root for the namespace; without it part two is skipped and says so.

usage: daemon_events.py TELLTALE"""
import json
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from daemon_harness import Daemon, check, finish, fixture_root, path_rules, tempdir, wait_for  # noqa: E402

telltale = os.path.abspath(sys.argv[1])
d = tempdir("events")


def docs(daemon):
    return [json.loads(line) for line in daemon.out().splitlines() if line.startswith("{")]


def events_of(daemon, rule, event=None, subject=None):
    return [x for x in docs(daemon) if x["rule"] == rule and (event is None or x["event"] == event) and
            (subject is None or x["subject"] == subject)]


# --- a probe that keeps failing ------------------------------------------------------------------
root = fixture_root(d)
status = os.path.join(root, "var/lib/dpkg/status")
with open(status, "w") as f:
    f.write("Package: anydesk\nStatus: install ok installed\nVersion: 6.3.0\n\n")
open(os.path.join(root, "watch", "f0000"), "w").close()
config = (f"state_dir: {d}/state\nprobes:\n  package: {{interval: 200ms}}\n  path: {{interval: 200ms}}\n"
          "outputs:\n  - type: stdout\n    format: json\n")
daemon = Daemon(telltale, d, config, root, path_rules(1)).start()
check(wait_for(lambda: events_of(daemon, "test.f0000", "new"), 10), "a finding while every probe works")
check(not events_of(daemon, "tamper.probe-failing"), "no tamper event while the probes work")

os.unlink(status)
os.mkdir(status)
got = wait_for(lambda: events_of(daemon, "tamper.probe-failing", "new", "package"), 10)
check(got, "the package probe failing three times in a row is a tamper event")
if got:
    check("probe package failed 3 times in a row: Is a directory" in got[0]["summary"] and
          got[0]["severity"] == "medium" and got[0]["category"] == "tamper",
          f"... naming the probe, medium, category tamper: {got[0]['summary']}")
time.sleep(1.5)  # several more failing passes
check(len(events_of(daemon, "tamper.probe-failing", "new")) == 1, "said once, not at every failing pass")
check("probe package failed" in daemon.err() and daemon.err().count("probe package failed") == 1,
      "stderr says it once")
check(not events_of(daemon, "test.f0000", "cleared"), "the other probes' findings stay")

os.rmdir(status)
with open(status, "w") as f:
    f.write("")
check(wait_for(lambda: events_of(daemon, "tamper.probe-failing", "cleared", "package"), 10),
      "the tamper event clears when the probe works again")
check("probe package works again" in daemon.err(), "stderr says it works again")
check(daemon.stop() == 0, "clean stop")

# --- network changes through rtnetlink -----------------------------------------------------------
if os.geteuid() != 0:
    print("SKIP the rtnetlink part needs root for a network namespace")
    finish()
ns = f"tt-ev-{os.getpid()}"
subprocess.run(["ip", "netns", "add", ns], check=True)


def sh(command):
    subprocess.run(["ip", "netns", "exec", ns, "sh", "-c", command], check=True, capture_output=True)


try:
    sh("ip link set lo up && ip link add up0 type veth peer name up0-peer && ip link set up0 up && "
       "ip link set up0-peer up && ip addr add 192.0.2.10/24 dev up0 && "
       "ip route add default via 192.0.2.1 dev up0 metric 600")
    config = (f"state_dir: {d}/state-ns\nprobes:\n  route: {{interval: 1h}}\n  netif: {{interval: 1h}}\n"
              f"  session: {{enabled: false}}\n  pcap: {{enabled: false}}\n"
              "outputs:\n  - type: stdout\n    format: json\n")
    live = Daemon(telltale, d, config, "/", env={"TELLTALE_CATALOG_DIR": os.environ["TELLTALE_CATALOG_DIR"]},
                  name="live")
    live.start(wrap=["ip", "netns", "exec", ns])
    time.sleep(0.5)
    check(not [x for x in docs(live) if x["subject"] == "if:tun9"], "no tun before it exists")

    started = time.monotonic()
    sh("ip tuntap add dev tun9 mode tun && ip link set tun9 up && ip addr add 10.200.0.2/24 dev tun9 && "
       "ip route add 0.0.0.0/1 via 10.200.0.1 dev tun9 && ip route add 128.0.0.0/1 via 10.200.0.1 dev tun9")
    found = wait_for(lambda: [x for x in docs(live) if x["subject"] == "if:tun9" and x["event"] == "new"], 5,
                     step=0.01)
    latency = time.monotonic() - started
    check(found and latency < 1.0, f"the default-route takeover reported in under a second ({latency * 1000:.0f} ms)")
    if found:
        reasons = {r["rule"] for f in found for r in f.get("reasons", [])} | {f["rule"] for f in found}
        check(any(r.startswith("route.") for r in reasons), f"by the routing rules: {sorted(reasons)}")
        print(f"route change to finding: {latency * 1000:.0f} ms")

    started = time.monotonic()
    sh("ip link del tun9")
    cleared = wait_for(lambda: [x for x in docs(live) if x["subject"] == "if:tun9" and x["event"] == "cleared"],
                       5, step=0.01)
    latency = time.monotonic() - started
    check(cleared and latency < 1.0, f"cleared in under a second when the tun goes ({latency * 1000:.0f} ms)")
    check(live.stop() == 0, "clean stop of the live daemon")
finally:
    subprocess.run(["ip", "netns", "del", ns], capture_output=True)
finish()
