#!/usr/bin/env python3
"""The daemon on a live system, capturing: real servers, real clients.

A lab of network namespaces (tests/e2e/pcap_netns.py): the laptop ("lap",
192.168.77.2 and 192.168.78.2), someone outside the local network ("out",
198.51.100.10, a public documentation address) and a peer on the LAN ("lan",
192.168.78.50). On the laptop run x11vnc under Xvfb and xrdp, and
`telltale daemon` with the default probes and the shipped catalog, as root
on the live system (no --root), so it sandboxes itself keeping CAP_NET_RAW
for capture. Then:

  listeners, processes   remote-access.x11vnc and .xrdp with process and
                         listener evidence, .vnc-listener and .rdp-listener
  a LAN peer connects    vncsnapshot and xfreerdp from 192.168.78.50: seen
                         (a test rule on rfb/rdp "internal" fires) and not
                         reported as remote-access.vnc-inbound/.rdp-inbound
  outside connects       vncsnapshot and xfreerdp from outside:
                         remote-access.vnc-inbound and .rdp-inbound with the
                         session's addresses and xfreerdp's user name as the
                         RDP cookie; the time from connect to finding
  the laptop moves       a new address and network on the LAN side while the
                         daemon runs: a session from that network is internal,
                         not inbound (local follows the host's addresses)
  reload                 SIGHUP reopens capture inside the sandbox; a session
                         from a second outside address is reported after it

Needs root and Xvfb, x11vnc, xrdp, xfreerdp, vncsnapshot; skips (77)
without root, fails as root when any is missing.

Usage: daemon_sessions.py TELLTALE
"""
import json
import os
import shutil
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import pcap_netns  # noqa: E402
from daemon_harness import Daemon, check, finish, tempdir, wait_for  # noqa: E402

LAPTOP, LAPTOP_LAN, OUTSIDE, OUTSIDE2, PEER = "192.168.77.2", "192.168.78.2", "198.51.100.10", "198.51.100.11", \
    "192.168.78.50"
ROAM_LAPTOP, ROAM_PEER = "10.61.0.2", "10.61.0.9"
TOOLS = ["Xvfb", "x11vnc", "xrdp", "xfreerdp", "vncsnapshot"]
CAP_NET_RAW = 13

# Seen but internal: proves the LAN sessions were captured, not missed.
INTERNAL_RULES = """rules:
  - id: test.rfb-internal
    product: Test VNC on the LAN
    category: remote-access
    severity: high
    technique: T1021.005
    description: an RFB handshake between local addresses
    references: [https://www.rfc-editor.org/rfc/rfc6143]
    match: {rfb: {direction: internal}}
  - id: test.rdp-internal
    product: Test RDP on the LAN
    category: remote-access
    severity: high
    technique: T1021.001
    description: an RDP connection request between local addresses
    references: [https://learn.microsoft.com/en-us/openspecs/windows_protocols/ms-rdpbcgr/]
    match: {rdp: {direction: internal}}
"""


def findings(daemon):
    out = []
    for line in daemon.out().splitlines():
        try:
            out.append(json.loads(line))
        except json.JSONDecodeError:
            check(False, f"stdout line is JSON: {line[:200]}")
    return out


def new_of(daemon, rule):
    return [f for f in findings(daemon) if f.get("event") == "new" and
            (f["rule"] == rule or any(r["rule"] == rule for r in f.get("reasons", [])))]


def evidence_with(fs, **want):
    return [e for f in fs for e in f.get("evidence", [])
            if all(str(e.get(k)) == str(v) for k, v in want.items())]


def session(lab, servers, ns, target, user, tmp, reported=None):
    """A real VNC viewer and a real RDP client from ns to target. With
    reported (a predicate on the daemon's output), returns the seconds from
    the viewer's start to the VNC finding, polled while the viewer runs."""
    shot = os.path.join(tmp, f"shot-{ns}-{target}.jpg")
    started = time.monotonic()
    viewer = subprocess.Popen(["ip", "netns", "exec", ns, "timeout", "30", "vncsnapshot", "-quiet", f"{target}:0",
                               shot], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    latency = None
    while reported and latency is None and time.monotonic() - started < 10:
        if reported():
            latency = time.monotonic() - started
        time.sleep(0.01)
    _, err = viewer.communicate(timeout=60)
    check(viewer.returncode == 0 and os.path.getsize(shot) > 0,
          f"vncsnapshot from {ns} took a picture of {target}'s screen ({err.strip()[-200:]})")
    display = servers.xvfb(ns)
    # Its login fails (xrdp has no session manager here); the connection request was made.
    lab.sh(ns, f"DISPLAY={display} timeout 30 xfreerdp /v:{target} /u:{user} /p:not-the-password /cert:ignore "
               f"+auth-only", check=False, timeout=60)
    return latency


def main():
    telltale = os.path.abspath(sys.argv[1])
    pcap_netns.need_root("a live daemon capturing in a lab")
    missing = [t for t in TOOLS if not shutil.which(t)]
    if missing:
        sys.exit(f"FAIL: missing {', '.join(missing)} (scripts/deps.sh installs them)")
    tmp = tempdir("sessions")
    with pcap_netns.Lab("ds") as lab:
        servers = pcap_netns.Servers(lab, tmp)
        lap, out, lan = lab.ns("lap"), lab.ns("out"), lab.ns("lan")
        lab.link(lap, "lap0", [f"{LAPTOP}/24"], out, "out0", [f"{OUTSIDE}/24", f"{OUTSIDE2}/24"])
        lab.link(lap, "lap1", [f"{LAPTOP_LAN}/24"], lan, "lan0", [f"{PEER}/24"])
        servers.desktop(lap)

        config = f"state_dir: {tmp}/state\nreport:\n  min_severity: medium\noutputs:\n  - type: stdout\n" \
                 f"    format: json\n"
        daemon = Daemon(telltale, tmp, config, "/", catalog_text=INTERNAL_RULES,
                        env={"TELLTALE_CATALOG_DIR": os.environ["TELLTALE_CATALOG_DIR"]})
        daemon.start(wrap=["ip", "netns", "exec", lap])
        status = dict(line.split(":\t", 1) for line in open(f"/proc/{daemon.proc.pid}/status") if ":\t" in line)
        check((int(status["CapEff"], 16) & (1 << CAP_NET_RAW)) != 0 and status["Seccomp"].strip() == "2",
              f"daemon: sandboxed, keeping CAP_NET_RAW for capture (CapEff {status['CapEff'].strip()})")
        check("pcap" not in daemon.err(), f"daemon: capture opened without a word on stderr: {daemon.err()[-300:]}")

        # What runs and listens on the laptop.
        check(wait_for(lambda: new_of(daemon, "remote-access.x11vnc") and new_of(daemon, "remote-access.xrdp"), 30),
              "x11vnc and xrdp reported")
        for rule, comm, port in (("remote-access.x11vnc", "x11vnc", 5900), ("remote-access.xrdp", "xrdp", 3389)):
            fs = new_of(daemon, rule)
            check(evidence_with(fs, kind="process", comm=comm), f"{rule}: the process is evidence")
            check(evidence_with(fs, kind="listener", comm=comm, port=port), f"{rule}: its listener on {port} is "
                  f"evidence: {json.dumps(fs)[:600]}")
        for rule in ("remote-access.vnc-listener", "remote-access.rdp-listener"):
            check(new_of(daemon, rule), f"{rule} reported")

        # A LAN peer: seen, internal, not an inbound session.
        session(lab, servers, lan, LAPTOP_LAN, "lanuser", tmp)
        check(wait_for(lambda: new_of(daemon, "test.rfb-internal") and new_of(daemon, "test.rdp-internal"), 10),
              "LAN sessions captured (the test rules on internal rfb and rdp fired)")
        check(evidence_with(new_of(daemon, "test.rdp-internal"), kind="rdp", src=PEER, cookie="lanuser"),
              "LAN RDP evidence: the peer and xfreerdp's user name")
        check(not new_of(daemon, "remote-access.vnc-inbound") and not new_of(daemon, "remote-access.rdp-inbound"),
              "LAN sessions are not reported as inbound")

        # Someone outside takes the screen.
        latency = session(lab, servers, out, LAPTOP, "alice", tmp,
                          reported=lambda: new_of(daemon, "remote-access.vnc-inbound"))
        check(latency is not None and latency < 1.0,
              f"the VNC session from outside reported in under a second ({latency})")
        check(wait_for(lambda: new_of(daemon, "remote-access.rdp-inbound"), 10), "the RDP session from outside reported")
        vnc = evidence_with(new_of(daemon, "remote-access.vnc-inbound"), kind="rfb", src=OUTSIDE, dst=LAPTOP,
                            dport=5900, direction="inbound")
        rdp = evidence_with(new_of(daemon, "remote-access.rdp-inbound"), kind="rdp", src=OUTSIDE, dst=LAPTOP,
                            dport=3389, cookie="alice")
        check(vnc and rdp, "inbound VNC and RDP with the session's addresses and the RDP cookie")
        print(f"viewer start to VNC finding: {latency * 1000:.0f} ms" if latency else "no VNC finding")

        # The laptop joins another network: its peers there are local too.
        lab.sh(lap, f"ip addr add {ROAM_LAPTOP}/24 dev lap1")
        lab.sh(lan, f"ip addr add {ROAM_PEER}/24 dev lan0")
        time.sleep(0.5)
        before = len(new_of(daemon, "test.rfb-internal"))
        p = lab.sh(lan, f"timeout 30 vncsnapshot -quiet {ROAM_LAPTOP}:0 {tmp}/roam.jpg", check=False, timeout=60)
        check(p.returncode == 0, "vncsnapshot over the new network")
        check(wait_for(lambda: evidence_with(new_of(daemon, "test.rfb-internal"), src=ROAM_PEER), 10),
              f"a session from the new network is internal ({before} internal before)")
        check(not evidence_with(new_of(daemon, "remote-access.vnc-inbound"), src=ROAM_PEER),
              "... and not reported as inbound")

        # SIGHUP: capture is reopened inside the sandbox and still works.
        check(daemon.reload() and daemon.proc.poll() is None, "reload")
        lab.sh(out, f"ip route replace {LAPTOP}/32 dev out0 src {OUTSIDE2}")
        session(lab, servers, out, LAPTOP, "bob", tmp)
        check(wait_for(lambda: evidence_with(new_of(daemon, "remote-access.rdp-inbound"), src=OUTSIDE2,
                                             cookie="bob"), 10),
              "after the reload, a session from a second outside address is reported")
        check("failed" not in daemon.err() and "Bad system call" not in daemon.err(),
              f"no probe failed: {daemon.err()[-500:]}")
        rc = daemon.stop()
        check(rc == 0, f"clean stop (exit {rc})")
    finish()


if __name__ == "__main__":
    main()
