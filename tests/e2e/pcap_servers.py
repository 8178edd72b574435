#!/usr/bin/env python3
"""Captures of real servers and clients, read by `telltale pcap`.

A lab of network namespaces: the laptop ("lap"), someone outside the local
network ("out", 198.51.100.10, a public documentation address), and a device
on the LAN ("lan", 192.168.78.50). tcpdump captures on the laptop (-i any:
Linux cooked v2, as a real capture on a laptop would be).

  inbound from outside   x11vnc under Xvfb, and xrdp, on the laptop; a raw RFB
                         handshake and xfreerdp connect from outside:
                         remote-access.vnc-inbound and .rdp-inbound, the
                         RDP cookie is the user name xfreerdp sent
  inbound from the LAN   the same from the LAN peer: seen (rfb, rdp, internal),
                         not reported
  PiKVM on the LAN       avahi-daemon publishing _pikvm._tcp as PiKVM does
                         (static service file: there is no D-Bus here, so not
                         avahi-publish-service), and openssl s_server with a
                         PiKVM-like certificate (O=PiKVM, CN=localhost) that
                         the laptop visits over TLS 1.2: kvm.pikvm.lan from
                         both; over TLS 1.3 the certificate is encrypted and
                         only the handshake is seen
  ordinary LAN device    avahi publishing a printer, a server with an ordinary
                         certificate: nothing reported

Needs root (namespaces, mounts inside them) and x11vnc, Xvfb, xrdp,
freerdp2-x11, avahi-daemon, openssl, tcpdump; skips (77) without root, fails
as root when any is missing.

Usage: pcap_servers.py TELLTALE
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import pcap_netns  # noqa: E402

LAPTOP, LAPTOP_LAN, OUTSIDE, DEVICE = "192.168.77.2", "192.168.78.2", "198.51.100.10", "192.168.78.50"
TOOLS = ["Xvfb", "x11vnc", "xrdp", "xfreerdp", "avahi-daemon", "openssl", "tcpdump"]
errors = []

RFB_CLIENT = r"""
import socket, sys
s = socket.create_connection((sys.argv[1], 5900), timeout=10)
banner = s.recv(12)
assert banner.startswith(b"RFB "), banner
s.sendall(banner)
print(s.recv(64))
"""

def fail(msg):
    print("FAIL: " + msg)
    errors.append(msg)


def telltale_pcap(telltale, path, *args):
    p = subprocess.run([telltale, "pcap", "--format", "json", *args, path], capture_output=True, text=True,
                       timeout=60)
    if p.returncode not in (0, 1) or p.stderr.strip():
        fail(f"{os.path.basename(path)}: exit {p.returncode}: {p.stderr.strip()}")
    return p.returncode, [json.loads(line) for line in p.stdout.splitlines()]


def observations(telltale, path):
    p = subprocess.run([telltale, "pcap", "--observations", path], capture_output=True, text=True, timeout=60)
    return [json.loads(line) for line in p.stdout.splitlines()]


def rules_of(findings):
    out = {}
    for f in findings:
        for r in {f["rule"]} | {x["rule"] for x in f.get("reasons", [])}:
            out.setdefault(r, []).append(f)
    return out


def has_evidence(findings, **want):
    return any(all(str(e.get(k)) == str(v) for k, v in want.items()) for f in findings for e in f["evidence"])


def inbound(lab, srv, telltale, tmp, client_ns, target, name):
    path = os.path.join(tmp, f"{name}.pcap")
    cap = lab.capture(srv.lap, "any", path)
    lab.sh(client_ns, f"/usr/bin/python3 -c '{RFB_CLIENT}' {target}", timeout=30)
    display = srv.xvfb(client_ns)
    # Its login fails (xrdp has no session manager here); the connection request was made.
    lab.sh(client_ns, f"DISPLAY={display} timeout 30 xfreerdp /v:{target} /u:alice /p:not-the-password "
                      f"/cert:ignore +auth-only", check=False, timeout=60)
    lab.stop_capture(cap)
    return path


def main():
    telltale = sys.argv[1]
    pcap_netns.need_root("capturing real servers")
    missing = [t for t in TOOLS if not shutil.which(t)]
    if missing:
        sys.exit(f"FAIL: missing {', '.join(missing)} (scripts/deps.sh installs them)")
    with tempfile.TemporaryDirectory(prefix="tt-pcap-servers-") as tmp, pcap_netns.Lab("sv") as lab:
        os.chmod(tmp, 0o755)  # tcpdump writes as its own user
        srv = pcap_netns.Servers(lab, tmp)
        srv.lap, out, lan = lab.ns("lap"), lab.ns("out"), lab.ns("lan")
        lab.link(srv.lap, "lap0", [f"{LAPTOP}/24"], out, "out0", [f"{OUTSIDE}/24"])
        lab.link(srv.lap, "lap1", [f"{LAPTOP_LAN}/24"], lan, "lan0", [f"{DEVICE}/24"])
        srv.desktop(srv.lap)

        # Someone outside takes the screen.
        path = inbound(lab, srv, telltale, tmp, out, LAPTOP, "inbound-outside")
        code, got = telltale_pcap(telltale, path)
        rules = rules_of(got)
        if code != 1:
            fail(f"inbound-outside: exit {code}")
        vnc = rules.get("remote-access.vnc-inbound", [])
        if not has_evidence(vnc, kind="rfb", src=OUTSIDE, dst=LAPTOP, dport=5900, direction="inbound"):
            fail(f"inbound-outside: no VNC finding with the session's evidence: {sorted(rules)}")
        rdp = rules.get("remote-access.rdp-inbound", [])
        if not has_evidence(rdp, kind="rdp", src=OUTSIDE, dport=3389, cookie="alice"):
            fail(f"inbound-outside: no RDP finding with cookie alice: {json.dumps(rdp)[:500]}")
        for f in vnc + rdp:
            if f.get("technique") not in ("T1021.005", "T1021.001") or not f.get("first_seen"):
                fail(f"inbound-outside: {f['rule']} lacks technique or time: {f}")
        print(f"inbound from outside: {sorted(rules)}")

        # The same from a LAN peer: internal, seen but not reported.
        path = inbound(lab, srv, telltale, tmp, lan, LAPTOP_LAN, "inbound-lan")
        _, got = telltale_pcap(telltale, path)
        rules = rules_of(got)
        if {"remote-access.vnc-inbound", "remote-access.rdp-inbound"} & set(rules):
            fail(f"inbound-lan: reported {sorted(rules)}")
        kinds = {(o["kind"], o.get("direction")) for o in observations(telltale, path)}
        if not {("rfb", "internal"), ("rdp", "internal")} <= kinds:
            fail(f"inbound-lan: the sessions were not seen: {sorted(kinds, key=str)}")
        print(f"inbound from the LAN: {sorted(rules) or 'nothing'} reported")

        # A PiKVM on the LAN.
        path = os.path.join(tmp, "pikvm.pcap")
        cap = lab.capture(srv.lap, "any", path)
        avahi = srv.avahi(lan, "pikvm", "pikvm", "_pikvm._tcp", 443, "description=PiKVM Web Server")
        tls = srv.tls_server(lan, "/O=PiKVM/CN=localhost")
        srv.tls_visit(srv.lap, DEVICE, "pikvm.local", "-tls1_2")
        srv.tls_visit(srv.lap, DEVICE, "pikvm.local", "-tls1_3")
        lab.stop_capture(cap)
        lab.stop(avahi)
        lab.stop(tls)
        code, got = telltale_pcap(telltale, path)
        pikvm = rules_of(got).get("kvm.pikvm.lan", [])
        if not has_evidence(pikvm, kind="mdns", service="_pikvm._tcp.local", host="pikvm.local",
                            txt="description=PiKVM Web Server", port=443, src=DEVICE):
            fail(f"pikvm: no mDNS evidence: {json.dumps(pikvm)[:800]}")
        if not has_evidence(pikvm, kind="tls", cert_subject="CN=localhost, O=PiKVM", dst=DEVICE, version="TLS 1.2"):
            fail(f"pikvm: no certificate evidence: {json.dumps(pikvm)[:800]}")
        obs = observations(telltale, path)
        tls13 = [o for o in obs if o["kind"] == "tls" and o.get("version") == "TLS 1.3" and "sni" not in o]
        if not tls13 or any("cert_subject" in o for o in tls13):
            fail(f"pikvm: the TLS 1.3 server side should show no certificate: {tls13}")
        print(f"PiKVM: {len(pikvm)} finding(s) of kvm.pikvm.lan")

        # An ordinary device: a printer, a server with an ordinary certificate.
        path = os.path.join(tmp, "printer.pcap")
        cap = lab.capture(srv.lap, "any", path)
        avahi = srv.avahi(lan, "printer7", "Office Printer", "_ipp._tcp", 631, "ty=Example LaserJet")
        tls = srv.tls_server(lan, "/O=Example Org/CN=printer7.local", port=8443)
        srv.tls_visit(srv.lap, DEVICE, "printer7.local", "-tls1_2", port=8443)
        lab.stop_capture(cap)
        lab.stop(avahi)
        lab.stop(tls)
        code, got = telltale_pcap(telltale, path)
        if code != 0 or got:
            fail(f"printer: exit {code}, findings {sorted(rules_of(got))}")
        kinds = {o["kind"] for o in observations(telltale, path)}
        if not {"mdns", "tls"} <= kinds:
            fail(f"printer: the device was not seen: {sorted(kinds)}")
        print(f"ordinary device: nothing reported ({sorted(kinds)} seen)")
    print(f"{len(errors)} failure(s)")
    sys.exit(1 if errors else 0)


if __name__ == "__main__":
    main()
