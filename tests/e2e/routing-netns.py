#!/usr/bin/env python3
"""The live (netlink) path against the --root path, on a real network set-up.

In a fresh network namespace: an uplink (veth), a tun device that takes over
the default route with 0.0.0.0/1 + 128.0.0.0/1, a policy rule sending
unmarked traffic to table 52 whose default goes through the tun, a TAP port
of a bridge (a VM's NIC, not a VPN) and the VPN's resolver. telltale scans
it live inside the namespace; then the namespace's own /proc/net and
/sys/class/net files are copied into a sysroot and scanned with --root.
Both must see the same links, routes and resolvers and report the same
findings; the live path additionally sees the policy rule (no file shows
rules), which must add exactly the policy-routing reason.

Needs root (CAP_NET_ADMIN, CAP_SYS_ADMIN for `ip netns`). Exits 77 (skip)
only when creating a namespace is not permitted at all.

Usage: routing-netns.py TELLTALE
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile

NS = f"tt-route-{os.getpid()}"
SRC = os.environ.get("TT_SOURCE_ROOT", os.path.join(os.path.dirname(__file__), "..", ".."))
CONFIG = f"""network:
  expected_countries: [US]
  corporate_vpn: {{interfaces: [corp0]}}
  geoip_db: {os.path.abspath(os.path.join(SRC, "tests/fixtures/geoip/test-countries.mmdb"))}
probes:
  session: {{enabled: false}}
"""

SETUP = [
    "ip link set lo up",
    "ip link add up0 type veth peer name up0-peer",
    "ip link set up0 up",
    "ip link set up0-peer up",
    "ip addr add 192.0.2.10/24 dev up0",
    "ip route add default via 192.0.2.1 dev up0 metric 600",
    "ip tuntap add dev tun9 mode tun",
    "ip link set tun9 up",
    "ip addr add 10.200.0.2/24 dev tun9",
    "ip route add 0.0.0.0/1 via 10.200.0.1 dev tun9",
    "ip route add 128.0.0.0/1 via 10.200.0.1 dev tun9",
    "ip route add default dev tun9 table 52",
    "ip -6 route add 2001:db8:52::/48 dev tun9 table 52",
    "ip rule add not fwmark 0x80000/0xff0000 table 52 priority 5270",
    "ip link add br9 type bridge",
    "ip tuntap add dev tapvm mode tap",
    "ip link set tapvm master br9",
]

# Copies what the --root path reads, as this namespace shows it.
COPY = r"""
import os, shutil, sys
out = sys.argv[1]
def put(path, data):
    p = os.path.join(out, path.lstrip("/"))
    os.makedirs(os.path.dirname(p), exist_ok=True)
    with open(p, "w") as f:
        f.write(data)
for f in ("/proc/net/route", "/proc/net/ipv6_route", "/etc/resolv.conf"):
    put(f, open(f).read())
for name in os.listdir("/sys/class/net"):
    d = "/sys/class/net/" + name
    if not os.path.isdir(d):
        continue
    for a in ("type", "ifindex", "iflink", "flags", "operstate", "address", "uevent", "tun_flags"):
        try:
            put(f"{d}/{a}", open(f"{d}/{a}").read())
        except OSError:
            pass
    for a in ("master", "device"):
        if os.path.islink(f"{d}/{a}"):
            os.symlink(os.readlink(f"{d}/{a}"), os.path.join(out, d.lstrip("/"), a))
"""


def run(cmd, **kw):
    return subprocess.run(cmd, capture_output=True, text=True, timeout=60, **kw)


def must(cmd, **kw):
    p = run(cmd, **kw)
    if p.returncode != 0:
        sys.exit(f"FAIL: {' '.join(cmd)}: {p.stderr.strip()}")
    return p


def scan(telltale, config, root=None, observations=False):
    cmd = [telltale, "scan", "--format", "json", "--config", config]
    if root:
        cmd += ["--root", root]
    else:
        cmd = ["ip", "netns", "exec", NS] + cmd
    if observations:
        cmd.append("--observations")
    p = run(cmd)
    if p.returncode not in (0, 1):
        sys.exit(f"FAIL: {' '.join(cmd)} exited {p.returncode}: {p.stderr.strip()}")
    return [json.loads(line) for line in p.stdout.splitlines()]


def key(o):
    return json.dumps(o, sort_keys=True)


def without(o, *keys):
    return {k: v for k, v in o.items() if k not in keys}


def main():
    telltale = sys.argv[1]
    p = run(["ip", "netns", "add", NS])
    if p.returncode != 0:
        if "Operation not permitted" in p.stderr or "Permission denied" in p.stderr:
            print(f"SKIP: cannot create a network namespace here: {p.stderr.strip()}")
            sys.exit(77)
        sys.exit(f"FAIL: ip netns add: {p.stderr.strip()}")
    tmp = tempfile.mkdtemp(prefix="tt-netns-")
    etc_netns = f"/etc/netns/{NS}"
    errors = []
    try:
        # `ip netns exec` bind-mounts /etc/netns/NS/resolv.conf over /etc/resolv.conf.
        os.makedirs(etc_netns)
        with open(f"{etc_netns}/resolv.conf", "w") as f:
            f.write("nameserver 10.200.0.1\nnameserver 192.0.2.1\n")
        for c in SETUP:
            must(["ip", "-n", NS] + c.split()[1:])
        config = os.path.join(tmp, "telltale.yaml")
        with open(config, "w") as f:
            f.write(CONFIG)
        root = os.path.join(tmp, "root")
        must(["ip", "netns", "exec", NS, sys.executable, "-c", COPY, root])

        live_obs = scan(telltale, config, observations=True)
        root_obs = scan(telltale, config, root=root, observations=True)
        # Other probes see the live host's processes and sockets; the
        # comparison is about links, routes, rules and resolvers.
        def ours(findings):
            return [f for f in findings if f["subject"].startswith(("if:", "route:", "rule:", "resolver:"))]
        live = ours(scan(telltale, config))
        offline = ours(scan(telltale, config, root=root))

        def kind(obs, k):
            return [without(o, "probe") for o in obs if o["kind"] == k]

        # Links and resolvers: the same, line by line.
        for k in ("netif", "resolver"):
            a, b = sorted(map(key, kind(live_obs, k))), sorted(map(key, kind(root_obs, k)))
            if a != b or not a:
                errors.append(f"{k} differs:\n live {a}\n root {b}")
        # Routes: /proc/net/route is the main table; /proc/net/ipv6_route
        # shows every table without naming it.
        live_routes = [o for o in kind(live_obs, "route") if o["family"] == "ipv6" or o.get("table") == 254]
        live_routes = sorted(key(without(o, "table") if o["family"] == "ipv6" else o) for o in live_routes)
        root_routes = sorted(map(key, kind(root_obs, "route")))
        if live_routes != root_routes:
            errors.append(f"routes differ:\n live {live_routes}\n root {root_routes}")
        takeovers = {(o["dst"], o.get("takeover")) for o in kind(root_obs, "route") if o.get("dev") == "tun9"}
        if ("0.0.0.0", "split") not in takeovers or ("128.0.0.0", "split") not in takeovers:
            errors.append(f"split default not seen through tun9: {takeovers}")
        if not any(o.get("table") == 52 and o.get("takeover") == "policy" for o in kind(live_obs, "route")):
            errors.append("live path: no default route in table 52")
        rules = [o for o in kind(live_obs, "policy_rule") if o["table"] == 52]
        if len(rules) != 1 or rules[0].get("dev") != "tun9" or rules[0].get("fwmark") != 0x80000 \
                or rules[0].get("invert") is not True or rules[0].get("priority") != 5270:
            errors.append(f"live path: policy rule to table 52 not as set up: {rules}")
        if kind(root_obs, "policy_rule"):
            errors.append("--root path shows policy rules, which no file holds")

        # Findings: the same ones; live adds the policy rule as a reason.
        def ident(f):
            return (f["rule"], f["subject"], f["severity"], f["category"])
        a, b = sorted(map(ident, live)), sorted(map(ident, offline))
        print("live:", a)
        print("root:", b)
        if a != b:
            errors.append(f"findings differ:\n live {a}\n root {b}")
        want = ("route.default-takeover", "if:tun9", "high", "foreign-route")
        if want not in b:
            errors.append(f"--root path: missing {want}")
        for lf in live:
            rf = next((f for f in offline if ident(f) == ident(lf)), None)
            if not rf:
                continue
            extra = {r["rule"] for r in lf["reasons"]} - {r["rule"] for r in rf["reasons"]}
            expected_extra = {"route.policy-routing"} if lf["subject"] == "if:tun9" else set()
            if extra != expected_extra:
                errors.append(f"{lf['subject']}: live-only reasons {extra}, expected {expected_extra}")
        if any(f["subject"] in ("if:tapvm", "if:br9", "if:up0") for f in live + offline):
            errors.append("a bridge port, bridge or uplink was reported")
    finally:
        run(["ip", "netns", "del", NS])
        shutil.rmtree(etc_netns, ignore_errors=True)
        shutil.rmtree(tmp, ignore_errors=True)
    for e in errors:
        print("FAIL: " + e)
    print(f"{0 if errors else 1} passed, {len(errors)} failed")
    sys.exit(1 if errors else 0)


if __name__ == "__main__":
    main()
