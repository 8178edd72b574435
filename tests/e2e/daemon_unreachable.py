#!/usr/bin/env python3
"""A collector that never answers must not slow detection down.

The laptop-farm operator's obvious move is to drop the laptop's traffic to
the SIEM. The daemon runs in a network namespace whose route to the
collector ends at a peer that silently discards it (forwarding off): every
connection attempt times out rather than being refused; its resolver is
there too, so looking up the collector's name times out as well. With RELP
and TLS outputs pointed at the address and a RELP output at a name,
findings still appear on the local stdout output within a second of what
causes them, over a run long enough for several retries, and the outputs
say the collector is unreachable and keep the findings in their spools.

Needs root (network namespaces).

usage: daemon_unreachable.py TELLTALE"""
import json
import os
import random
import shutil
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from daemon_harness import Certs, Daemon, check, finish, fixture_root, path_rules, tempdir, wait_for  # noqa: E402

telltale = os.path.abspath(sys.argv[1])
if os.geteuid() != 0:
    print("SKIP a blackholed collector needs root for network namespaces")
    sys.exit(77)
d = tempdir("unreachable")
root = fixture_root(d)
os.makedirs(os.path.join(d, "certs"))
certs = Certs(os.path.join(d, "certs"))
COLLECTOR, RESOLVER, NAME = "203.0.113.50", "203.0.113.53", "siem.example.net"
tag = f"ttbh{os.getpid() % 100000}"
lap, sink = tag + "-lap", tag + "-sink"


def sh(ns, command):
    subprocess.run(["ip", "netns", "exec", ns, "sh", "-c", command], check=True, capture_output=True)


def docs(daemon):
    return [json.loads(line) for line in daemon.out().splitlines() if line.startswith("{")]


N = 12
try:
    # ip netns exec puts /etc/netns/NS/resolv.conf over /etc/resolv.conf.
    os.makedirs(f"/etc/netns/{lap}", exist_ok=True)
    with open(f"/etc/netns/{lap}/resolv.conf", "w") as f:
        f.write(f"nameserver {RESOLVER}\noptions timeout:2 attempts:2\n")
    for ns in (lap, sink):
        subprocess.run(["ip", "netns", "add", ns], check=True)
        sh(ns, "ip link set lo up")
    subprocess.run(["ip", "link", "add", "bh0", "netns", lap, "type", "veth", "peer", "name", "bh1", "netns", sink],
                   check=True)
    sh(lap, f"ip link set bh0 up && ip addr add 10.77.0.1/24 dev bh0 && ip route add {COLLECTOR}/32 via 10.77.0.2 && "
           f"ip route add {RESOLVER}/32 via 10.77.0.2")
    sh(sink, "ip link set bh1 up && ip addr add 10.77.0.2/24 dev bh1 && sysctl -qw net.ipv4.ip_forward=0")

    config = (f"state_dir: {d}/state\nprobes:\n  path: {{interval: 50ms}}\n"
              "outputs:\n  - type: stdout\n    format: json\n"
              f"  - type: remote\n    target: relp://{COLLECTOR}:20514\n"
              f"  - type: remote\n    target: tls://{COLLECTOR}:6514\n"
              f"    tls: {{ca: {certs.ca}, cert: {certs.client}, key: {certs.client_key}}}\n"
              f"  - type: remote\n    target: relp://{NAME}:20514\n")
    daemon = Daemon(telltale, d, config, root, path_rules(N)).start(wrap=["ip", "netns", "exec", lap])
    latencies = []
    for i in range(N):
        time.sleep(random.uniform(0.5, 2.0))  # spread over the outputs' retries
        started = time.monotonic()
        open(os.path.join(root, "watch", f"f{i:04d}"), "w").close()
        seen = wait_for(lambda: any(x["rule"] == f"test.f{i:04d}" for x in docs(daemon)), 15, step=0.01)
        latencies.append(time.monotonic() - started if seen else float("inf"))
    latencies.sort()
    print(f"file to finding with the collector unreachable ({N} findings): median "
          f"{latencies[N // 2] * 1000:.0f} ms, max {latencies[-1] * 1000:.0f} ms")
    check(latencies[-1] < 1.0, f"every finding on stdout within a second (max {latencies[-1] * 1000:.0f} ms)")
    err = daemon.err()
    check(f"relp://{COLLECTOR}:20514" in err and f"tls://{COLLECTOR}:6514" in err and "timed out" in err,
          f"the outputs say the collector does not answer: {err[-600:]}")
    check(f"relp://{NAME}:20514" in err and f"cannot resolve {NAME}" in err,
          f"the output by name says the name does not resolve: {err[-600:]}")
    check(os.listdir(os.path.join(d, "state", "spool")), "the findings wait in the spools")
    check(daemon.stop() == 0, "clean stop, even with the collector unreachable")
finally:
    for ns in (lap, sink):
        subprocess.run(["ip", "netns", "del", ns], capture_output=True)
    shutil.rmtree(f"/etc/netns/{lap}", ignore_errors=True)
finish()
