#!/usr/bin/env python3
"""Delivery to real collectors: rsyslog on loopback over plain TCP, TLS (test
CA, client certificate) and RELP, and UDP; what arrives is RFC 5424 with the
finding in structured data (SD-ID configurable), CEF and JSON as asked.
TLS refuses a server from another CA or with another name, and rsyslog
refuses a client without a certificate: nothing is delivered, it is said on
stderr, and it waits in the spool. Heartbeats come at the configured
interval; the local syslog socket gets the local form; a journal output
without journald says so at start-up and the rest goes on.

usage: daemon_delivery.py TELLTALE"""
import json
import os
import socket
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from daemon_harness import (Certs, Daemon, Rsyslog, check, events, finish, fixture_root, free_port, parse_rfc5424,
                            path_rules, tempdir, wait_for)

telltale = sys.argv[1]
d = tempdir("delivery")
os.makedirs(os.path.join(d, "certs"))
certs = Certs(os.path.join(d, "certs"))
root = fixture_root(d)
for i in range(3):
    open(os.path.join(root, "watch", f"f{i:04d}"), "w").close()
# A hostile file name the finding quotes: every SD-PARAM escape, a line break.
rules = path_rules(3) + (
    "  - id: test.hostile\n    product: 'Evil \"]\\\\ Product'\n    category: kvm\n    severity: critical\n"
    "    technique: T1200\n    description: d\n    references: [https://example.org]\n"
    "    match: {path: {path: \"/watch/h*\"}}\n")
open(os.path.join(root, "watch", 'h"]\\ \x01x'), "w").close()


def run_case(name, proto, extra="", server_cert=None, server_key=None, want=True, tls_client=True):
    """One collector, one daemon; returns (messages, daemon stderr)."""
    port = free_port(socket.SOCK_DGRAM if proto == "udp" else socket.SOCK_STREAM)
    rdir = os.path.join(d, "rsyslog-" + name)
    os.makedirs(rdir)
    rs = Rsyslog(rdir, proto, port, certs, server_cert, server_key)
    rs.start()
    tls = ""
    if proto == "tls":
        tls = (f"    tls: {{ca: {certs.ca}, cert: {certs.client}, key: {certs.client_key}}}\n" if tls_client
               else f"    tls: {{ca: {certs.ca}}}\n")
    config = (f"state_dir: {d}/state-{name}\nprobes:\n  path: {{interval: 200ms}}\noutputs:\n"
              f"  - type: remote\n    target: {proto}://127.0.0.1:{port}\n{tls}{extra}")
    daemon = Daemon(telltale, d, config, root, rules, name=name).start()
    if want:
        wait_for(lambda: len(events(rs.lines(), "acme@12345" if "acme" in extra else "telltale@32473")) >= 4 or
                 len(rs.lines()) >= 4, 20)
        if "heartbeat" in extra:
            # Two beats, however loaded the machine: waiting, not a fixed sleep.
            wait_for(lambda: sum("telltale.heartbeat" in l for l in rs.lines()) >= 2, 20)
    else:
        time.sleep(3)
    rc = daemon.stop()
    check(rc == 0, f"{name}: clean stop (exit {rc})")
    if want:
        wait_for(lambda: any("tamper.stopping" in l for l in rs.lines()), 10)
    rs.stop()
    return rs.lines(), daemon.err()


# Plain TCP, octet counting: the framing is right when each message is one line.
lines, err = run_case("tcp", "tcp")
ev = events(lines)
rules_seen = sorted(r for _, e, r in ev if e == "new")
check(rules_seen == ["tamper.stopping", "test.f0000", "test.f0001", "test.f0002", "test.hostile"],
      f"tcp: every finding and the stop event arrived ({rules_seen})")
msgs = [parse_rfc5424(l) for l in lines]
check(all(msgs), "tcp: every message is RFC 5424")
hostile = [m for m in msgs if m and m["sd"].get("telltale@32473", {}).get("rule") == "test.hostile"]
if check(len(hostile) == 1, "tcp: the hostile finding arrived once"):
    h = hostile[0]
    check(h["pri"] == 10 * 8 + 2, f"tcp: PRI authpriv.crit for critical ({h['pri']})")
    check(h["host"] == "lt-0421" and h["app"] == "telltale" and h["msgid"] == "new", "tcp: HOSTNAME, APP-NAME, MSGID")
    check(h["sd"]["telltale@32473"]["product"] == 'Evil "]\\\\ Product', "tcp: SD-PARAM escapes undone give the product")
    ev0 = h["sd"].get("evidence@32473", {})
    check(ev0.get("path") == '/watch/h"]\\ \\x01x', f"tcp: control byte escaped as text in SD ({ev0.get('path')!r})")
    check("\x01" not in "".join(lines), "tcp: no raw control byte reached the collector")

# TLS with the test CA and a client certificate (rsyslog: x509/certvalid).
lines, err = run_case("tls", "tls")
ev = events(lines)
check(sum(1 for _, e, r in ev if e == "new" and r.startswith("test.")) == 4, "tls: every finding arrived")
check(any(r == "tamper.stopping" for _, _, r in ev), "tls: the stop event arrived")

for name, cert, key, what in (("tls-rogue-ca", certs.rogue_server, certs.rogue_server_key, "another CA"),
                              ("tls-wrong-name", certs.wrongname, certs.wrongname_key, "another name")):
    lines, err = run_case(name, "tls", server_cert=cert, server_key=key, want=False)
    check(len(lines) == 0, f"{name}: nothing delivered to a server with {what}")
    check("certificate" in err and "retrying" in err, f"{name}: refused with the reason on stderr")
    check(len(os.listdir(os.path.join(d, f"state-{name}", "spool"))) == 1, f"{name}: findings kept in the spool")

lines, err = run_case("tls-no-client-cert", "tls", tls_client=False, want=False)
check(len(lines) == 0 and "retrying" in err, "tls: without a client certificate the collector refuses, said on stderr")

# RELP, JSON messages, a configured SD-ID does not matter for JSON.
lines, err = run_case("relp-json", "relp", extra="    format: json\n")
docs = []
for l in lines:
    m = parse_rfc5424(l)
    if m and m["msg"].startswith("{"):
        docs.append(json.loads(m["msg"]))
check(sorted(x["rule"] for x in docs if x["event"] == "new") ==
      ["tamper.stopping", "test.f0000", "test.f0001", "test.f0002", "test.hostile"],
      "relp/json: every finding as one JSON document")
check(all(x["host"] == "lt-0421" and len(x["id"]) == 32 for x in docs), "relp/json: host and id")

# UDP, CEF.
lines, err = run_case("udp-cef", "udp", extra="    format: cef\n")
cef = [parse_rfc5424(l)["msg"] for l in lines if parse_rfc5424(l)]
check(sum(1 for c in cef if c.startswith("CEF:0|telltale|telltale|")) >= 5, "udp/cef: CEF messages arrived")
hc = [c for c in cef if "|test.hostile|" in c]
check(len(hc) == 1 and '|Evil "]\\\\\\\\ Product|10|' in hc[0], "udp/cef: header escaping and severity 10")

# A configured SD-ID; heartbeats at a one-second interval.
lines, err = run_case("tcp-heartbeat", "tcp", extra="    sd_id: acme@12345\n    heartbeat: 1s\n")
ev = events(lines, "acme@12345")
check(sum(1 for _, e, r in ev if r.startswith("test.")) == 4, "sd_id acme@12345: structured data under it")
check(not events(lines), "sd_id: nothing under the default SD-ID")
beats = [parse_rfc5424(l) for l in lines if "telltale.heartbeat" in l]
check(len(beats) >= 2, f"heartbeat every second: {len(beats)} in the daemon's few seconds")
if beats:
    check(beats[0]["pri"] == 10 * 8 + 6 and "running for" in beats[0]["msg"] and "open" in beats[0]["msg"],
          "heartbeat: info, says what runs")
    check("; netctx: fleet key" in beats[-1]["msg"] and "; pcap: no live capture under --root" in beats[-1]["msg"],
          f"heartbeat: the probes' remarks reach the collector: {beats[-1]['msg'][-300:]}")

# Local syslog (a socket of the test's own) and a journal output without
# journald: the journal says so at start-up, the other outputs go on.
sock_path = os.path.join(d, "log.sock")
logsock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
logsock.bind(sock_path)
logsock.settimeout(10)
config = (f"state_dir: {d}/state-local\nprobes:\n  path: {{interval: 200ms}}\noutputs:\n"
          f"  - type: journal\n  - type: syslog\n    target: {sock_path}\n  - type: stdout\n    format: json\n")
daemon = Daemon(telltale, d, config, root, rules, name="local").start()
got = []
try:
    while len(got) < 4:
        got.append(logsock.recv(65536).decode(errors="replace"))
except socket.timeout:
    pass
check(len(got) == 4, f"syslog socket: 4 findings ({len(got)})")
check(all(g.startswith("<8") and " telltale[" in g and "]: [telltale@32473 id=" in g for g in got),
      "syslog socket: <PRI>TIMESTAMP telltale[PID]: [structured data] summary")
# The socket goes away and comes back: the next message finds it again.
logsock.close()
os.unlink(sock_path)
logsock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
logsock.bind(sock_path)
logsock.settimeout(10)
os.unlink(os.path.join(root, "watch", "f0001"))
try:
    cleared = logsock.recv(65536).decode(errors="replace")
except socket.timeout:
    cleared = ""
check(" cleared [telltale@32473" not in cleared and "event=\"cleared\"" in cleared,
      "syslog socket: reconnected after the syslog daemon's socket was replaced")
err = daemon.err()
check("output journal: error: cannot connect to the journal at /run/systemd/journal/socket" in err
      or os.path.exists("/run/systemd/journal/socket"), "journal: said clearly at start-up that it cannot connect")
stdout_docs = [json.loads(l) for l in daemon.out().splitlines() if l.startswith("{")]
check(len([x for x in stdout_docs if x["event"] == "new"]) == 4, "journal missing: stdout still gets every finding")
daemon.stop()
logsock.close()
finish()
