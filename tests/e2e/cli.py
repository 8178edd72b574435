#!/usr/bin/env python3
"""The CLI contract: exit codes, errors naming file:line:col, JSON-only stdout,
and a scan of this very machine that completes and never crashes."""
import json
import os
import subprocess
import sys
import tempfile
import time

telltale = sys.argv[1]
failures = []


def run(*args, **kw):
    return subprocess.run([telltale, *args], capture_output=True, text=True, timeout=60, **kw)


def check(cond, what):
    print(("ok   " if cond else "FAIL ") + what)
    if not cond:
        failures.append(what)


p = run("--version")
check(p.returncode == 0 and p.stdout.startswith("telltale "), "--version")
p = run("--help")
check(p.returncode == 0 and "telltale scan" in p.stdout and "Exit status" in p.stdout, "--help")
p = run()
check(p.returncode == 2 and "Usage" in p.stderr, "no command: usage, exit 2")
p = run("frobnicate")
check(p.returncode == 2 and "unknown command" in p.stderr, "unknown command: exit 2")
p = run("scan", "--format", "xml")
check(p.returncode == 2 and "--format" in p.stderr, "bad --format: exit 2")
p = run("scan", "--bogus")
check(p.returncode == 2, "unknown option: exit 2")
p = run("scan", "--root", "/nonexistent-root")
check(p.returncode == 2 and "/nonexistent-root" in p.stderr, "missing --root: exit 2 naming it")

with tempfile.TemporaryDirectory() as d:
    cfg = os.path.join(d, "telltale.yaml")
    with open(cfg, "w") as f:
        f.write("report:\n  min_severity: high\nprobes:\n  process: {enabled: true, intervall: 30s}\n")
    p = run("check-config", "--config", cfg)
    check(p.returncode == 2 and f"{cfg}:4:28: probe \"process\" has no option \"intervall\"" in p.stderr,
          "config typo: exit 2 with file:line:col (" + p.stderr.strip() + ")")
    p = run("scan", "--config", cfg)
    check(p.returncode == 2 and f"{cfg}:4:28:" in p.stderr, "scan with a config typo: exit 2")
    # A probe option's value, not just its name: the capture interfaces.
    with open(cfg, "w") as f:
        f.write("probes:\n  pcap:\n    interfaces: [eth0, {name: wlan0}]\n")
    p = run("check-config", "--config", cfg)
    check(p.returncode == 2 and f"{cfg}:3:24: interfaces: \"(not a string)\" is not an interface name" in p.stderr,
          "bad capture interface: exit 2 with file:line:col (" + p.stderr.strip() + ")")
    with open(cfg, "w") as f:
        f.write("probes:\n  pcap:\n    interfaces: [any, lo]\n")
    p = run("check-config", "--config", cfg)
    check(p.returncode == 0, "capture on any and lo: a good config (" + p.stderr.strip() + ")")
    with open(cfg, "w") as f:
        f.write("report:\n  min_severity: high\n")
    p = run("check-config", "--config", cfg)
    check(p.returncode == 0 and "OK" in p.stdout, "good config: check-config exit 0")
    p = run("check-config", "--config", os.path.join(d, "missing.yaml"))
    check(p.returncode == 2 and "missing.yaml" in p.stderr, "missing config: exit 2")

    # A local rule in catalog.d next to the config is loaded; a broken one is an error.
    os.mkdir(os.path.join(d, "catalog.d"))
    rule = os.path.join(d, "catalog.d", "local.yaml")
    with open(rule, "w") as f:
        f.write("rules:\n  - id: local.test\n    product: Local\n    category: remote-access\n"
                "    severity: low\n    technique: T1219.002\n    description: d\n"
                "    references: [https://example.org]\n    match: {process: {exe: /nonexistent/x}}\n")
    p = run("catalog", "--config", cfg, "--format", "json")
    ids = [json.loads(l)["id"] for l in p.stdout.splitlines()]
    check(p.returncode == 0 and "local.test" in ids and len(ids) > 20, "catalog lists shipped + local rules")
    with open(rule, "a") as f:
        f.write("    colour: red\n")
    p = run("catalog", "--config", cfg)
    check(p.returncode == 2 and f"{rule}:10:5: unknown key \"colour\"" in p.stderr, "broken local rule: exit 2")

p = run("catalog")
check(p.returncode == 0 and "remote-access.anydesk" in p.stdout, "catalog (text)")

# This machine: completes, exit 0 or 1, stdout is JSON lines only.
t0 = time.monotonic()
p = run("scan", "--format", "json")
elapsed = time.monotonic() - t0
check(p.returncode in (0, 1), f"live scan exit {p.returncode} ({elapsed * 1000:.0f} ms)")
try:
    for line in p.stdout.splitlines():
        json.loads(line)
    check(True, "live scan stdout is JSON lines")
except json.JSONDecodeError:
    check(False, "live scan stdout is JSON lines")
p = run("scan", "--observations")
obs = [json.loads(l) for l in p.stdout.splitlines()]
check(p.returncode == 0 and any(o["kind"] == "process" and o.get("pid") == os.getpid() for o in obs),
      "observations include this test's own process")

sys.exit(1 if failures else 0)
