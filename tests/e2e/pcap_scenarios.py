#!/usr/bin/env python3
"""The committed scenario captures (tests/fixtures/pcap/*.pcap*): they are what
make-pcaps.py writes today, and telltale reports on them what they show.

- laptop-farm (pcap and pcapng): every sign, each with its evidence (names,
  the 5-tuple, the certificate), and the laptop-farm correlation; the pcapng
  copy gives the same findings.
- clean-office: nothing, even at info.
- reassembly: every ClientHello's SNI, however it was cut up.
- link types (Linux cooked v1 and v2, raw IP): the same DNS and TLS.
- --local and network.local decide what is inbound.

Usage: pcap_scenarios.py TELLTALE
"""
import filecmp
import importlib.util
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
FIXTURES = os.path.join(SRC, "tests", "fixtures", "pcap")
sys.path.insert(0, FIXTURES)
spec = importlib.util.spec_from_file_location("make_pcaps", os.path.join(FIXTURES, "make-pcaps.py"))
make_pcaps = importlib.util.module_from_spec(spec)
spec.loader.exec_module(make_pcaps)

errors = []


def fail(msg):
    print("FAIL: " + msg)
    errors.append(msg)


def findings(telltale, config, *args):
    p = subprocess.run([telltale, "pcap", "--config", config, "--format", "json", *args], capture_output=True,
                       text=True, timeout=60)
    if p.stderr.strip():
        fail(f"{args}: stderr {p.stderr.strip()!r}")
    return p.returncode, [json.loads(line) for line in p.stdout.splitlines()]


def observations(telltale, path):
    p = subprocess.run([telltale, "pcap", "--observations", path], capture_output=True, text=True, timeout=60)
    if p.returncode != 0:
        fail(f"{path} --observations: exit {p.returncode}: {p.stderr.strip()}")
    return [json.loads(line) for line in p.stdout.splitlines()]


def evidence(f, **want):
    """Some evidence entry of f has all of want."""
    for e in f.get("evidence", []):
        if all(str(v) in [str(x) for x in (e.get(k) if isinstance(e.get(k), list) else [e.get(k)])]
               for k, v in want.items()):
            return True
    return False


FARM = {
    # rule: [evidence that must be among the finding's]
    "remote-access.anydesk": [{"kind": "dns", "name": "relay-7c1a.net.anydesk.com"},
                              {"kind": "tls", "sni": "relay-7c1a.net.anydesk.com", "alpn": "anydesk/6.2.0/linux",
                               "dst": "203.0.113.9", "dport": 443, "direction": "outbound"},
                              {"kind": "tls", "cert_subject": "CN=AnyNet Relay, O=philandro Software GmbH"}],
    "remote-access.vnc-inbound": [{"kind": "rfb", "src": "198.51.100.77", "dst": "192.168.50.10", "dport": 5900,
                                   "version": "003.008", "direction": "inbound"}],
    "remote-access.rdp-inbound": [{"kind": "rdp", "src": "203.0.113.50", "dport": 3389, "cookie": "operator"}],
    "remote-access.ssh-inbound": [{"kind": "ssh", "src": "203.0.113.51", "software": "OpenSSH_9.2p1"}],
    "remote-access.teamviewer": [{"kind": "teamviewer", "dst": "198.51.100.150", "dport": 5938, "command": 27}],
    "remote-access.nomachine": [{"kind": "nomachine", "banner": "NXSH-8.11.3", "dport": 4000}],
    "kvm.pikvm.lan": [{"kind": "mdns", "service": "_pikvm._tcp.local", "txt": "description=PiKVM Web Server",
                       "port": 443, "mac": "dc:a6:32:12:34:56"},
                      {"kind": "tls", "cert_subject": "CN=localhost, O=PiKVM", "dst": "192.168.50.60"}],
    "kvm.nanokvm.lan": [{"kind": "dhcp", "mac": "48:da:35:6e:10:20", "hostname": "kvm-a1b2"}],
    "kvm.nanokvm.hostname": [{"kind": "dhcp", "hostname": "kvm-a1b2"}],
    "context.raspberry-pi.lan": [{"kind": "arp", "oui": "b8:27:eb"}],
    "correlation.laptop-farm": [],
}


def main():
    telltale = sys.argv[1]
    with tempfile.TemporaryDirectory(prefix="tt-pcap-scenarios-") as tmp:
        fresh = os.path.join(tmp, "fresh")
        make_pcaps.write_all(fresh)
        for name in make_pcaps.SCENARIOS:
            if not filecmp.cmp(os.path.join(fresh, name), os.path.join(FIXTURES, name), shallow=False):
                fail(f"{name} differs from what make-pcaps.py writes now: run tests/fixtures/pcap/make-pcaps.py")
        info = os.path.join(tmp, "info.yaml")
        with open(info, "w") as f:
            f.write("report: {min_severity: info}\n")
        fx = lambda n: os.path.join(FIXTURES, n)  # noqa: E731

        code, farm = findings(telltale, info, fx("laptop-farm.pcap"))
        by_rule = {}
        for f in farm:
            # A subject several rules match is one finding; the others are its reasons.
            for rule in {f["rule"]} | {r["rule"] for r in f.get("reasons", [])}:
                by_rule.setdefault(rule, []).append(f)
        if code != 1:
            fail(f"laptop-farm: exit {code}")
        for rule, wants in FARM.items():
            if rule not in by_rule:
                fail(f"laptop-farm: no {rule} (got {sorted(by_rule)})")
                continue
            for want in wants:
                if not any(evidence(f, **want) for f in by_rule[rule]):
                    fail(f"laptop-farm: {rule} lacks evidence {want}")
        unexpected = set(by_rule) - set(FARM) - {"context.raspberry-pi.lan"}
        if unexpected:
            fail(f"laptop-farm: unexpected findings {sorted(unexpected)}")
        corr = by_rule.get("correlation.laptop-farm", [{}])[0]
        if corr.get("severity") != "critical":
            fail(f"laptop-farm: correlation severity {corr.get('severity')}")
        _, farm_ng = findings(telltale, info, fx("laptop-farm.pcapng"))
        if sorted(f["id"] for f in farm_ng) != sorted(f["id"] for f in farm):
            fail("laptop-farm.pcapng: findings differ from laptop-farm.pcap")

        code, clean = findings(telltale, info, fx("clean-office.pcap"))
        if code != 0 or clean:
            fail(f"clean-office: exit {code}, findings {[f['rule'] for f in clean]}")
        kinds = {o["kind"] for o in observations(telltale, fx("clean-office.pcap"))}
        if not {"dns", "tls", "ssh", "mdns", "dhcp", "arp", "flow"} <= kinds:
            fail(f"clean-office: observation kinds {sorted(kinds)}: the scenario no longer exercises them")

        snis = {o.get("sni") for o in observations(telltale, fx("reassembly.pcap")) if o["kind"] == "tls"}
        want = {"two-segments.example", "three-segments.example", "big-hello.example", "many-records.example",
                "out-of-order.example", "overlap.example",
                "duplicate.example", "ipv6.example", "vlan.example"}
        if not want <= snis:
            fail(f"reassembly: SNI {sorted(s for s in snis if s)}, missing {sorted(want - snis)}")

        for lt in ("linktypes-sll.pcap", "linktypes-sll2.pcap", "linktypes-raw.pcap"):
            _, got = findings(telltale, info, fx(lt))
            if not any(f["rule"] == "remote-access.anydesk" and evidence(f, kind="tls", sni="relay-1.net.anydesk.com")
                       and evidence(f, kind="dns", name="relay-1.net.anydesk.com") for f in got):
                fail(f"{lt}: no AnyDesk finding with DNS and TLS evidence: {[f['rule'] for f in got]}")

        # What counts as local. The VNC client 198.51.100.77 made local: internal, not inbound.
        _, got = findings(telltale, info, "--local", "198.51.100.0/24", "--local", "192.168.50.0/24",
                          fx("laptop-farm.pcap"))
        rules = {f["rule"] for f in got}
        if "remote-access.vnc-inbound" in rules or "remote-access.rdp-inbound" not in rules:
            fail(f"--local 198.51.100.0/24: rules {sorted(rules)}")
        # Nothing local the laptop is in: its sessions are transit, nobody's inbound.
        _, got = findings(telltale, info, "--local", "10.0.0.0/8", fx("laptop-farm.pcap"))
        rules = {f["rule"] for f in got}
        if rules & {"remote-access.vnc-inbound", "remote-access.rdp-inbound", "remote-access.ssh-inbound"}:
            fail(f"--local 10.0.0.0/8: inbound findings {sorted(rules)}")
        cfg = os.path.join(tmp, "local.yaml")
        with open(cfg, "w") as f:
            f.write("report: {min_severity: info}\nnetwork:\n  local: [198.51.100.0/24, 192.168.50.0/24]\n")
        _, got = findings(telltale, cfg, fx("laptop-farm.pcap"))
        rules = {f["rule"] for f in got}
        if "remote-access.vnc-inbound" in rules or "remote-access.rdp-inbound" not in rules:
            fail(f"network.local: rules {sorted(rules)}")
        p = subprocess.run([telltale, "pcap", "--local", "not-a-range", fx("laptop-farm.pcap")], capture_output=True,
                           text=True)
        if p.returncode != 2 or "not-a-range" not in p.stderr:
            fail(f"--local not-a-range: exit {p.returncode}, stderr {p.stderr!r}")
    print(f"{len(errors)} failure(s)")
    sys.exit(1 if errors else 0)


if __name__ == "__main__":
    main()
