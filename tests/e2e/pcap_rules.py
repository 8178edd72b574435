#!/usr/bin/env python3
"""Every network rule of the catalog, positive and negative, through the real
binary: `telltale pcap --format json` on pcaps generated from the catalog
itself (tests/fixtures/pcap/rulecases.py).

Positive: each condition of each rule, alone, in real traffic (a DNS query
and answer, a TCP session with a TLS ClientHello and a TLS 1.2 certificate
flight, an mDNS announcement, a DHCP request, ARP, an RFB/RDP/SSH/TeamViewer/
NoMachine greeting from the right direction) must produce a finding of that
rule, with the rule's technique, evidence of that kind, the 5-tuple for
stream kinds and capture times.
Negative: near misses of every value (not label-aligned, a changed
character, the other direction, the protocol's magic off by one) must
produce no finding of that rule.

Usage: pcap_rules.py TELLTALE
"""
import concurrent.futures
import json
import os
import subprocess
import sys
import tempfile

try:
    import scapy  # noqa: F401
except ImportError:  # meson's python3 may be another interpreter; Debian's has python3-scapy
    os.execv("/usr/bin/python3", ["/usr/bin/python3"] + sys.argv)

SRC = os.environ.get("TT_SOURCE_ROOT", os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
sys.path.insert(0, os.path.join(SRC, "tests", "fixtures", "pcap"))

import pcapgen  # noqa: E402
import rulecases  # noqa: E402

STREAM_KINDS = {"tls", "rfb", "rdp", "ssh", "teamviewer", "nomachine", "flow"}


def run(telltale, config, pcap):
    p = subprocess.run([telltale, "pcap", "--config", config, "--format", "json", pcap], capture_output=True,
                       text=True, timeout=60)
    findings = [json.loads(line) for line in p.stdout.splitlines() if line.strip()]
    return p.returncode, findings, p.stderr


def check(case, code, findings, stderr):
    rid = case.rule["id"]
    errors = []
    if code not in (0, 1) or stderr.strip():
        errors.append(f"exit {code}, stderr {stderr.strip()!r}")
    mine = [f for f in findings if f["rule"] == rid or any(r["rule"] == rid for r in f.get("reasons", []))]
    if not case.positive:
        for f in mine:
            errors.append(f"reported on a near miss: {f['summary']}")
        return errors
    if not mine:
        got = ", ".join(f["rule"] for f in findings) or "nothing"
        return [f"no finding (got {got})"]
    f = mine[0]
    if f["rule"] == rid and f.get("technique") != case.rule["technique"]:
        errors.append(f"technique {f.get('technique')}, rule says {case.rule['technique']}")
    if code != 1:
        errors.append(f"exit {code} with a finding at min_severity info")
    for t in ("time", "first_seen"):
        if not f.get(t, "").startswith("2025-11-23T"):
            errors.append(f"{t} {f.get(t)!r} is not the capture's time")
    ev = [e for e in f.get("evidence", []) if e.get("kind") == case.kind]
    if not ev:
        errors.append(f"no {case.kind} evidence in {json.dumps(f.get('evidence'))}")
    elif case.kind in STREAM_KINDS and not all(k in ev[0] for k in ("src", "dst", "sport", "dport")):
        errors.append(f"{case.kind} evidence lacks the 5-tuple: {json.dumps(ev[0])}")
    for attr, value in case.attrs.items():
        if attr.startswith("_") or not ev:
            continue
        values = [e.get(attr) for e in ev]
        flat = [str(x) for v in values for x in (v if isinstance(v, list) else [v]) if x is not None]
        # Certificates' names are printed whole; the case holds the fragment the rule looks for.
        if not any(str(value) in x for x in flat):
            errors.append(f"evidence {attr}={flat} lacks {value!r}")
    return errors


def main():
    telltale = sys.argv[1]
    catalog = os.environ.get("TELLTALE_CATALOG_DIR", os.path.join(SRC, "config", "catalog"))
    cases = rulecases.all_cases(catalog)
    rules = {c.rule["id"] for c in cases}
    with tempfile.TemporaryDirectory(prefix="tt-pcap-rules-") as tmp:
        config = os.path.join(tmp, "telltale.yaml")
        with open(config, "w") as f:
            f.write("report: {min_severity: info}\n")
        paths = []
        for i, c in enumerate(cases):
            paths.append(pcapgen.write(os.path.join(tmp, f"case-{i}.pcap"), c.pkts))
        with concurrent.futures.ThreadPoolExecutor(max_workers=os.cpu_count() or 4) as pool:
            results = list(pool.map(lambda p: run(telltale, config, p), paths))
        failures = 0
        for c, (code, findings, stderr), path in zip(cases, results, paths):
            errors = check(c, code, findings, stderr)
            for e in errors:
                print(f"FAIL: {c}: {e}")
            failures += bool(errors)
        # Every rule has both kinds of case (a rule without a negative would be untested).
        for rid in sorted(rules):
            kinds = {c.positive for c in cases if c.rule["id"] == rid}
            if kinds != {True, False}:
                print(f"FAIL: {rid}: missing {'negative' if True in kinds else 'positive'} cases")
                failures += 1
        pos = sum(c.positive for c in cases)
        print(f"{len(rules)} rules, {pos} positive and {len(cases) - pos} negative pcaps, {failures} failed")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
