#!/usr/bin/env python3
"""Counter-checks for the routing fixtures (fixture_scan.py checks each one
as shipped): the same trees under other configs must change the verdict the
way the config says, so the fixtures' silence is the config's doing.

Usage: routing.py TELLTALE
"""
import json
import os
import subprocess
import sys
import tempfile

SRC = os.environ.get("TT_SOURCE_ROOT", os.path.join(os.path.dirname(__file__), "..", ".."))
SYSROOTS = os.path.join(SRC, "tests", "fixtures", "sysroots")
GEOIP = os.path.join(SRC, "tests", "fixtures", "geoip")
errors = []
checks = []


def scan(telltale, fixture, config_text, tmp):
    config = os.path.join(tmp, "telltale.yaml")
    with open(config, "w") as f:
        f.write(config_text)
    p = subprocess.run([telltale, "scan", "--root", os.path.join(SYSROOTS, fixture), "--config", config,
                        "--format", "json"], capture_output=True, text=True, timeout=60)
    if p.returncode not in (0, 1):
        sys.exit(f"FAIL: {fixture}: exit {p.returncode}: {p.stderr.strip()}")
    rules = set()
    for line in p.stdout.splitlines():
        f = json.loads(line)
        rules |= {f["rule"]} | {r["rule"] for r in f["reasons"]}
    return rules, p.stderr


def check(name, got, want=(), absent=()):
    checks.append(name)
    for r in want:
        if r not in got:
            errors.append(f"{name}: {r} missing (got {sorted(got)})")
    for r in absent:
        if r in got:
            errors.append(f"{name}: {r} reported")
    print(f"{name}: {sorted(got)}")


def main():
    telltale = sys.argv[1]
    with tempfile.TemporaryDirectory(prefix="tt-routing-") as tmp:
        db = os.path.join(GEOIP, "test-countries.mmdb")
        # Without naming corp0, the corporate full tunnel is a takeover like any other.
        got, _ = scan(telltale, "corp-wireguard-allowed", f"network:\n  geoip_db: {db}\n", tmp)
        check("corp0 not named", got, want=["route.default-takeover", "route.tunnel-interface",
                                             "route.resolver-via-tunnel"])
        # Named by a glob, it is the company's again.
        got, _ = scan(telltale, "corp-wireguard-allowed", "network:\n  corporate_vpn: {interfaces: ['corp*']}\n", tmp)
        check("corp* named", got, absent=["route.default-takeover", "route.tunnel-interface",
                                          "route.resolver-via-tunnel"])
        # Naming tun0 the corporate VPN silences the Astrill routing, not Astrill itself.
        got, _ = scan(telltale, "astrill-split-route", "network:\n  corporate_vpn: {interfaces: [tun0]}\n", tmp)
        check("tun0 named", got, want=["foreign-route.astrill"],
              absent=["route.default-takeover", "route.tunnel-interface", "route.resolver-via-tunnel"])

        base = "network:\n  expected_countries: [US]\n"
        # No database: the session is still reported, its country is not, and stderr says why once.
        got, err = scan(telltale, "xrdp-abroad", base + f"  geoip_db: {tmp}/missing.mmdb\n", tmp)
        check("no geoip", got, want=["remote-session.graphical"], absent=["remote-session.foreign-country"])
        if err.count("no GeoIP database") != 1:
            errors.append(f"no geoip: expected one note on stderr, got {err!r}")
        # A database built now answers like the committed copy the fixtures use.
        fresh = os.path.join(tmp, "fresh.mmdb")
        p = subprocess.run(["perl", os.path.join(GEOIP, "make-test-mmdb.pl"), fresh], capture_output=True, text=True)
        if p.returncode != 0:
            sys.exit(f"FAIL: make-test-mmdb.pl (libmaxmind-db-writer-perl installed?): {p.stderr.strip()}")
        got, _ = scan(telltale, "xrdp-abroad", base + f"  geoip_db: {fresh}\n", tmp)
        check("fresh geoip", got, want=["remote-session.graphical", "remote-session.foreign-country"])
        # Expected in China, the same peer is at home.
        got, _ = scan(telltale, "xrdp-abroad", f"network:\n  expected_countries: [CN]\n  geoip_db: {fresh}\n", tmp)
        check("expected CN", got, want=["remote-session.graphical", "remote-session.interactive"],
              absent=["remote-session.foreign-country"])
        # From a management network, no session is a finding.
        got, _ = scan(telltale, "xrdp-abroad", base + f"  geoip_db: {fresh}\n"
                      "  management: [10.20.0.0/16, 203.0.113.0/24]\n", tmp)
        check("management", got, absent=["remote-session.graphical", "remote-session.interactive",
                                         "remote-session.foreign-country"])
        # The farm without its remote session is foreign routing alone.
        got, _ = scan(telltale, "laptop-farm-vpn-xrdp", base + "  management: [0.0.0.0/0, '::/0']\n", tmp)
        check("farm, sessions allowed", got, want=["route.default-takeover"], absent=["correlation.laptop-farm"])
        # Live sessions through sd-login, or one clear note where systemd is not running.
        with open(os.path.join(tmp, "live.yaml"), "w") as f:
            f.write("")
        p = subprocess.run([telltale, "scan", "--observations", "--config", os.path.join(tmp, "live.yaml")],
                           capture_output=True, text=True, timeout=120)
        ids = sorted(json.loads(l)["subject"] for l in p.stdout.splitlines() if json.loads(l)["probe"] == "session")
        checks.append("live sessions")
        if os.path.isdir("/run/systemd/system"):
            want = sorted("session:" + n for n in os.listdir("/run/systemd/sessions") if "." not in n)
            if ids != want:
                errors.append(f"live sessions: sd-login gave {ids}, logind has {want}")
        elif ids or p.stderr.count("systemd is not running here") != 1:
            errors.append(f"live sessions: expected no session and one note, got {ids} {p.stderr!r}")
        print(f"live sessions: {ids}")
    for e in errors:
        print("FAIL: " + e)
    failed = {e.split(":")[0] for e in errors}
    print(f"{len(set(checks) - failed)} passed, {len(failed)} failed")
    sys.exit(1 if errors else 0)


if __name__ == "__main__":
    main()
