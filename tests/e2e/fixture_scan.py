#!/usr/bin/env python3
"""Runs the real telltale binary on a fixture sysroot and checks what it reports
against the fixture's expect.yaml:

    exit: 1                      # exit status at the default min_severity
    config: telltale.yaml        # optional, relative to the fixture
    findings:                    # each must be reported
      - rule: remote-access.anydesk
        severity: high           # exact, optional
        min_severity: high       # lower bound, optional
        evidence: {pid: 812, port: 7070}   # each pair in some evidence entry
        reasons: [kvm.gadget.linux-vid]    # rule ids among the reasons
        summary_contains: PiKVM
    absent: [rule ids]           # never reported, at any severity
    only: true                   # nothing else at or above the default min_severity
    max_severity: info           # at min_severity info, nothing above this

Usage: fixture_scan.py TELLTALE FIXTURE_DIR
"""
import json
import os
import subprocess
import sys
import tempfile

import yaml

SEVERITIES = ["info", "low", "medium", "high", "critical"]


def scan(telltale, root, config, extra=()):
    cmd = [telltale, "scan", "--root", root, "--format", "json"]
    if config:
        cmd += ["--config", config]
    p = subprocess.run(cmd + list(extra), capture_output=True, text=True, timeout=60)
    findings = []
    for line in p.stdout.splitlines():
        try:
            findings.append(json.loads(line))
        except json.JSONDecodeError as e:
            sys.exit(f"FAIL: stdout is not JSON lines ({e}): {line!r}")
    return p.returncode, findings, p.stderr


def evidence_has(finding, key, want):
    for ev in finding.get("evidence", []):
        if key in ev:
            got = ev[key]
            values = got if isinstance(got, list) else [got]
            if any(str(v) == str(want) for v in values):
                return True
    return False


def main():
    telltale, fixture = sys.argv[1], sys.argv[2]
    with open(os.path.join(fixture, "expect.yaml")) as f:
        expect = yaml.safe_load(f)
    config = expect.get("config")
    if config:
        config = os.path.join(fixture, config)
    errors = []

    code, findings, stderr = scan(telltale, fixture, config)
    if stderr.strip():
        print(stderr.strip(), file=sys.stderr)
    by_rule = {}
    for f in findings:
        by_rule.setdefault(f["rule"], []).append(f)
        for r in f.get("reasons", []):
            by_rule.setdefault(r["rule"], []).append(f)
    print(f"exit {code}; findings: " + ", ".join(f"{f['rule']}={f['severity']}" for f in findings))

    if code != expect.get("exit", 0):
        errors.append(f"exit status {code}, expected {expect.get('exit', 0)}")
    for want in expect.get("findings", []):
        got = [f for f in findings if f["rule"] == want["rule"]] or by_rule.get(want["rule"], [])
        if not got:
            errors.append(f"missing finding {want['rule']}")
            continue
        f = got[0]
        if "severity" in want and f["severity"] != want["severity"]:
            errors.append(f"{want['rule']}: severity {f['severity']}, expected {want['severity']}")
        if "min_severity" in want and SEVERITIES.index(f["severity"]) < SEVERITIES.index(want["min_severity"]):
            errors.append(f"{want['rule']}: severity {f['severity']} below {want['min_severity']}")
        for k, v in (want.get("evidence") or {}).items():
            if not evidence_has(f, k, v):
                errors.append(f"{want['rule']}: no evidence {k}={v} in {json.dumps(f['evidence'])}")
        reasons = {r["rule"] for r in f.get("reasons", [])}
        for r in want.get("reasons", []):
            if r not in reasons:
                errors.append(f"{want['rule']}: reason {r} missing (has {sorted(reasons)})")
        if "summary_contains" in want and want["summary_contains"] not in f["summary"]:
            errors.append(f"{want['rule']}: summary {f['summary']!r} lacks {want['summary_contains']!r}")
    if expect.get("only"):
        wanted = {w["rule"] for w in expect.get("findings", [])}
        for f in findings:
            if f["rule"] not in wanted:
                errors.append(f"unexpected finding {f['rule']} ({f['severity']}): {f['summary']}")

    # Everything, down to info: nothing forbidden, nothing above max_severity.
    with tempfile.NamedTemporaryFile("w", suffix=".yaml", delete=False) as tmp:
        base = {}
        if config:
            with open(config) as f:
                base = yaml.safe_load(f) or {}
        base.setdefault("report", {})["min_severity"] = "info"
        yaml.safe_dump(base, tmp)
    try:
        _, all_findings, _ = scan(telltale, fixture, tmp.name)
    finally:
        os.unlink(tmp.name)
    for f in all_findings:
        rules = {f["rule"]} | {r["rule"] for r in f.get("reasons", [])}
        for bad in expect.get("absent", []):
            if bad in rules:
                errors.append(f"forbidden finding {bad} reported: {f['summary']}")
        if "max_severity" in expect and SEVERITIES.index(f["severity"]) > SEVERITIES.index(expect["max_severity"]):
            errors.append(f"{f['rule']} at {f['severity']} exceeds {expect['max_severity']}: {f['summary']}")

    for e in errors:
        print("FAIL: " + e)
    sys.exit(1 if errors else 0)


if __name__ == "__main__":
    main()
