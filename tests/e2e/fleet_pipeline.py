#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""The fleet view end to end: 32 telltale daemons, each on its own fixture
laptop (tests/fixtures/fleet/make-fleet.py: 25 homes, a family of two, a
farm of five with a PiKVM on one and AnyDesk on another), deliver over TCP
in RFC 5424 to rsyslog, which writes to PostgreSQL through the reference
config; the farm view must name exactly the five farm laptops, the KVM and
AnyDesk ones first, with the hashes a separate HMAC implementation (Python's)
computes from the raw values; and no raw gateway MAC, BSSID, SSID or domain
may appear in anything the daemons sent or wrote, nor in the database.

    fleet_pipeline.py TELLTALE"""

import hashlib
import hmac
import json
import os
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time

from fleet_stack import SOURCE, Checks, Failure, Postgres, Rsyslog, wait_for

check = Checks()
telltale = sys.argv[1]
START_TIMEOUT = 120


def fleet_hash(key, label, value):
    return hmac.new(key, label.encode() + b"\0" + value, hashlib.sha256).hexdigest()[:32]


def expected_context(key, root, host):
    """What the netctx probe must report for this laptop, from its files, computed independently."""
    exp = {}
    arp = open(os.path.join(root, "proc/net/arp")).read().splitlines()[1]  # make-fleet puts the gateway first
    exp["gateway_mac_hash"] = fleet_hash(key, "gateway_mac", arp.split()[3].lower().encode())
    rec = os.path.join(root, "run/telltale/nl80211/wlan0")
    if os.path.exists(rec):
        bssid, ssid = parse_recording(open(rec, "rb").read())
        exp["bssid_hash"] = fleet_hash(key, "bssid", bssid.encode())
        exp["ssid_hash"] = fleet_hash(key, "ssid", ssid)
    servers, domain = [], None
    for line in open(os.path.join(root, "etc/resolv.conf")):
        words = line.split()
        if len(words) >= 2 and words[0] == "nameserver":
            servers.append(socket.inet_ntop(*((socket.AF_INET6, socket.inet_pton(socket.AF_INET6, words[1]))
                                              if ":" in words[1] else (socket.AF_INET,
                                                                       socket.inet_pton(socket.AF_INET, words[1])))))
        elif len(words) >= 2 and words[0] in ("search", "domain"):
            domain = words[1].lower().rstrip(".")
    exp["dns_hash"] = fleet_hash(key, "dns", ",".join(sorted(set(servers))).encode())
    if domain:
        exp["dhcp_domain_hash"] = fleet_hash(key, "dhcp_domain", domain.encode())
    return exp


def parse_recording(data):
    """The associated BSS and the interface's SSID, from the nl80211 messages make-fleet wrote."""
    off, bssid, ssid = 0, None, None

    def attrs(buf):
        o = 0
        while o + 4 <= len(buf):
            ln, kind = struct.unpack_from("=HH", buf, o)
            yield kind & 0x3FFF, buf[o + 4:o + ln]
            o += (ln + 3) & ~3

    while off + 16 <= len(data):
        ln, kind = struct.unpack_from("=IH", data, off)
        if kind == 3:  # NLMSG_DONE
            break
        cmd = data[off + 16]
        a = dict(attrs(data[off + 20:off + ln]))
        if cmd == 7:
            ssid = a[52]
        elif cmd == 34:
            bss = dict(attrs(a[47]))
            if 9 in bss and struct.unpack("=I", bss[9])[0] == 1:
                bssid = ":".join("%02x" % b for b in bss[1])
        off += (ln + 3) & ~3
    return bssid, ssid


def secret_variants(secrets):
    out = set()
    for mac in secrets["gateway_macs"] + secrets["bssids"]:
        for m in (mac.lower(), mac.upper()):
            out |= {m, m.replace(":", ""), m.replace(":", "-")}
    for text in secrets["ssids"] + secrets["domains"]:
        sd = text.replace("\\", "\\\\").replace('"', '\\"').replace("]", "\\]")
        out |= {text, sd, json.dumps(text)[1:-1], json.dumps(text, ensure_ascii=False)[1:-1]}
    return {v.encode("utf-8", "surrogatepass") for v in out if len(v) >= 5}


def files_under(*dirs):
    for d in dirs:
        for base, _, names in os.walk(d):
            for n in names:
                yield os.path.join(base, n)


def main():
    with tempfile.TemporaryDirectory(prefix="tt-fleet-pipeline-") as base:
        fleet_dir = os.path.join(base, "fleet")
        subprocess.run([sys.executable, os.path.join(SOURCE, "tests/fixtures/fleet/make-fleet.py"), fleet_dir],
                       check=True, timeout=120)
        manifest = json.load(open(os.path.join(fleet_dir, "fleet.json")))
        key_path = os.path.join(fleet_dir, manifest["key_file"])
        key = open(key_path, "rb").read().rstrip(b" \t\r\n")
        hosts = [h["host"] for h in manifest["hosts"]]
        check(len(hosts) >= 30 and len(manifest["farm"]) == 5, "a fleet of %d laptops, five in the farm" % len(hosts))

        pg = Postgres(base)
        rs = None
        daemons = {}
        try:
            pg.start()
            rs = Rsyslog(base, pg)
            port = rs.start()
            run_fleet(base, fleet_dir, manifest, key, key_path, hosts, port, pg, rs, daemons)
        finally:
            for p in daemons.values():
                if p.poll() is None:
                    p.kill()
                    p.wait()
            if rs:
                rs.stop()
            pg.stop()
    return check.finish()


def run_fleet(base, fleet_dir, manifest, key, key_path, hosts, port, pg, rs, daemons):
    out_dir = os.path.join(base, "daemons")
    os.makedirs(out_dir)
    for host in hosts:
        cfg = os.path.join(out_dir, host + ".yaml")
        with open(cfg, "w") as f:
            f.write("""host_id: {host}
state_dir: {out}/state/{host}
report:
  ongoing_interval: 10s
fleet:
  secret_file: {key}
outputs:
  - type: remote
    target: tcp://127.0.0.1:{port}
    format: rfc5424
    spool: {{ path: {out}/spool/{host}, max_size: 4MiB }}
    heartbeat: 5s
""".format(host=host, out=out_dir, key=key_path, port=port))
        root = os.path.join(fleet_dir, manifest["roots"], host)
        log = open(os.path.join(out_dir, host + ".log"), "wb")
        daemons[host] = subprocess.Popen([telltale, "daemon", "--root", root, "--config", cfg, "--foreground"],
                                         stdout=log, stderr=subprocess.STDOUT)

    def context_hosts():
        return {r["host"] for r in pg.query(
            "SELECT DISTINCT host FROM telltale.event WHERE evidence->>'kind' = 'context'")}

    kvm = {h["host"] for h in manifest["hosts"] if h["kvm"]}
    anydesk = {h["host"] for h in manifest["hosts"] if h["anydesk"]}

    def ready():
        dead = [h for h, p in daemons.items() if p.poll() is not None]
        if dead:
            raise Failure("daemon %s exited with %s:\n%s" % (dead[0], daemons[dead[0]].returncode, open(
                os.path.join(out_dir, dead[0] + ".log"), errors="replace").read()[-3000:]))
        rules = {(r["host"], r["rule"]) for r in pg.query("SELECT DISTINCT host, rule FROM telltale.event")}
        return (context_hosts() >= set(hosts) and all((h, "kvm.pikvm.usb") in rules for h in kvm) and
                all((h, "remote-access.anydesk") in rules for h in anydesk))

    try:
        wait_for("every laptop's context and the farm's findings in the database", ready, START_TIMEOUT, 1)
        check(True, "all %d laptops reported their network context through rsyslog into PostgreSQL" % len(hosts))
    except Failure as e:
        missing = sorted(set(hosts) - context_hosts())
        check(False, str(e), "no context from: %s (the netctx probe must be registered, the daemon must hand it the "
              "config, and context findings go out whatever report.min_severity says)\n"
              "daemons that exited: %s\nfirst daemon's output:\n%s\nrsyslog:\n%s" % (
            missing, {h: p.returncode for h, p in daemons.items() if p.poll() is not None},
            open(os.path.join(out_dir, (missing or hosts)[0] + ".log"), errors="replace").read()[-3000:],
            rs.log()[-2000:]))
        return

    # The context is not sent once and forgotten: it comes again while the laptop stays.
    def resent():
        rows = pg.query("SELECT DISTINCT host FROM telltale.event WHERE evidence->>'kind' = 'context' "
                        "AND event <> 'new'")
        return {r["host"] for r in rows} >= set(hosts)
    try:
        wait_for("the context re-sent by every laptop", resent, 60, 1)
        check(True, "every laptop re-sends its context while it stays (ongoing or on the heartbeat)")
    except Failure as e:
        check(False, str(e))

    for p in daemons.values():
        p.send_signal(signal.SIGTERM)
    codes = {}
    for h, p in daemons.items():
        try:
            codes[h] = p.wait(30)
        except subprocess.TimeoutExpired:
            codes[h] = "hung"
    check(all(c == 0 for c in codes.values()), "every daemon stops cleanly on SIGTERM",
          {h: c for h, c in codes.items() if c != 0})
    try:
        wait_for("every daemon's stop event", lambda: len(pg.query(
            "SELECT DISTINCT host FROM telltale.event WHERE rule = 'tamper.stopping'")) >= len(hosts), 60, 1)
    except Failure as e:
        check(False, str(e))
    rs.stop()

    # Each laptop's hashes are what an independent HMAC of its raw values gives.
    latest = {r["host"]: r["evidence"] for r in pg.query(
        "SELECT DISTINCT ON (host) host, evidence FROM telltale.event WHERE evidence->>'kind' = 'context' "
        "ORDER BY host, received_at DESC")}
    wrong = {}
    for host in hosts:
        exp = expected_context(key, os.path.join(fleet_dir, manifest["roots"], host), host)
        got = {k: v for k, v in (latest.get(host) or {}).items() if k.endswith("_hash")}
        if got != exp:
            wrong[host] = {"expected": exp, "got": got}
    check(not wrong, "every laptop's context hashes equal Python's HMAC-SHA256 of its raw values", wrong)

    farm = sorted(manifest["farm"])
    farms = pg.query("SELECT * FROM telltale.suspected_farm")
    farm_root = os.path.join(fleet_dir, manifest["roots"], farm[0])
    farm_exp = expected_context(key, farm_root, farm[0])
    check([(f["context_kind"], f["context_hash"]) for f in farms] ==
          [("gateway_mac", farm_exp["gateway_mac_hash"]), ("bssid", farm_exp["bssid_hash"])],
          "suspected farms: the farm's gateway and access point, and no other network",
          [(f["context_kind"], f["host_count"], f["hosts"]) for f in farms])
    check(bool(farms) and all(f["hosts"] == farm and f["host_count"] == 5 for f in farms),
          "the farm view names exactly the five farm laptops: %s" % ", ".join(farm))
    ranked = pg.query("SELECT * FROM telltale.farm_host ORDER BY rank")
    order = [r["host"] for r in ranked]
    check(sorted(order) == farm, "farm hosts: the five, once each", order)
    check(order[:2] == manifest["farm_kvm_or_remote_access"],
          "ranked first: the laptop with the PiKVM, then the one with AnyDesk", order)
    flags = {r["host"]: (r["kvm"], r["remote_access"]) for r in ranked}
    check(flags == {h: (h in kvm, h in anydesk) for h in farm}, "KVM and remote-access flags", flags)
    check(not set(manifest["family"]) & set(order) and not (anydesk - set(farm)) & set(order),
          "the family of two and the AnyDesk user at home are not in the farm view")

    # No raw network identity anywhere. First, the check itself finds what it looks for: an SSID as
    # structured data escapes it, a MAC in capitals without colons.
    needles = secret_variants(manifest["secrets"])
    ssid = next(x for x in manifest["secrets"]["ssids"] if '"' in x)
    planted = ("x [evidence ssid=\"%s\"] %s y" % (ssid.replace("\\", "\\\\").replace('"', '\\"').replace("]", "\\]"),
               manifest["secrets"]["bssids"][0].replace(":", "").upper())).encode()
    check(any(n in planted and ssid[:3].encode() in n for n in needles) and
          any(n in planted and len(n) == 12 for n in needles),
          "the leak check finds an escaped SSID and a bare MAC planted for it")
    places = [rs.received, rs.internal] + list(files_under(out_dir))
    leaks = []
    for path in places:
        if os.path.exists(path):
            data = open(path, "rb").read()
            leaks += ["%s: %r" % (os.path.relpath(path, base), n) for n in needles if n in data]
    dump = pg.dump().encode()
    leaks += ["database: %r" % n for n in needles if n in dump]
    received = open(rs.received, "rb").read()
    check(len(received) > 10000 and b"gateway_mac_hash=" in received and len(dump) > 10000,
          "the leak check has something to look at (%d bytes received, %d bytes of database)" % (len(received),
                                                                                               len(dump)))
    check(not leaks, "no raw gateway MAC, BSSID, SSID or domain in what rsyslog received, the database, or the "
          "daemons' output, state and spool (%d strings, %d files)" % (len(needles), len(places) + 1), leaks[:20])


if __name__ == "__main__":
    try:
        sys.exit(main())
    except Failure as e:
        print("FAIL " + str(e))
        check.finish()
        sys.exit(1)
