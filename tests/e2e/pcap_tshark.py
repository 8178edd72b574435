#!/usr/bin/env python3
"""Differential test against tshark: on the test captures, the DNS query
names, TLS SNI values and ALPN lists telltale extracts (`telltale pcap
--observations`) are the ones tshark extracts with

    tshark -r F -T fields -e dns.qry.name -e tls.handshake.extensions_server_name
           -e tls.handshake.extensions_alpn_str

Captures: the committed scenarios (tests/fixtures/pcap), a generated one
with hundreds of random names, SNI and ALPN lists (lengths up to the limits,
hellos cut into segments and records), and a real one: openssl s_client to
s_server (TLS 1.3 and 1.2, SNI and ALPN) across a veth pair with a 400-byte
MTU and no segmentation offload, so the kernel cuts the ClientHello into
several segments.

tshark is run with out-of-order TCP reassembly on (telltale's flow table
waits for a first segment that was overtaken; KNOWN below lists what may
still differ, nothing today). Its text is normalised, not telltale's:
tshark writes C escapes (\\t) but a backslash as itself, turns each byte
that is not UTF-8 (or, in the SNI, not ASCII) into U+FFFD, stops an ALPN
name at a NUL, and prints a dot inside a DNS label as a plain dot.
Both sides are reduced to: unescaped, cut at NUL, each run of bytes outside
printable ASCII (and backslash) one "?".

Only DNS on UDP port 53 counts (telltale reads mDNS as DNS-SD, not as
queries; tshark would list mDNS and LLMNR questions too).

Usage: pcap_tshark.py TELLTALE
"""
import glob
import json
import os
import random
import re
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
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import pcap_netns  # noqa: E402
import pcapgen as g  # noqa: E402

SEP, AGG = "\x1e", "\x1f"  # never in the test data

# (file, kind, value): found by one side only, and why.
KNOWN: dict = {}


def canon(raw):
    """bytes -> the comparable text."""
    raw = raw.split(b"\x00")[0]
    out, bad = [], False
    for b in raw:
        if 0x20 <= b < 0x7F and b != 0x5C:
            out.append(chr(b))
            bad = False
        elif not bad:
            out.append("?")
            bad = True
    return "".join(out)


def telltale_bytes(text, dns=False):
    """Undoes wire_text escaping: \\DDD, \\<char>."""
    out = bytearray()
    i = 0
    while i < len(text):
        c = text[i]
        if c == "\\" and i + 3 < len(text) + 0 and text[i + 1:i + 4].isdigit():
            out.append(int(text[i + 1:i + 4]))
            i += 4
        elif c == "\\" and i + 1 < len(text):
            out += text[i + 1].encode()
            i += 2
        else:
            out += c.encode()
            i += 1
    return bytes(out)


C_ESCAPES = {"t": 9, "n": 10, "r": 13, "a": 7, "b": 8, "f": 12, "v": 11}


def tshark_bytes(text):
    """Undoes tshark's C escapes; U+FFFD stays a non-ASCII byte."""
    out = bytearray()
    i = 0
    while i < len(text):
        c = text[i]
        if c == "\\" and i + 1 < len(text) and text[i + 1] in C_ESCAPES:
            out.append(C_ESCAPES[text[i + 1]])
            i += 2
        elif c == "\\" and re.match(r"x[0-9a-fA-F]{2}", text[i + 1:i + 4]):
            out.append(int(text[i + 2:i + 4], 16))
            i += 4
        elif c == "\\" and re.match(r"[0-7]{3}", text[i + 1:i + 4]):
            out.append(int(text[i + 1:i + 4], 8) & 255)
            i += 4
        else:
            out += c.encode()
            i += 1
    return bytes(out)


def from_telltale(telltale, path):
    p = subprocess.run([telltale, "pcap", "--observations", path], capture_output=True, text=True, timeout=120)
    if p.returncode != 0:
        raise RuntimeError(f"telltale on {path}: exit {p.returncode}: {p.stderr.strip()}")
    got = {"dns": set(), "sni": set(), "alpn": set()}
    for line in p.stdout.splitlines():
        o = json.loads(line)
        if o["kind"] == "dns":
            got["dns"].add(canon(telltale_bytes(o["name"])))
        elif o["kind"] == "tls":
            if "sni" in o:
                got["sni"].add(canon(telltale_bytes(o["sni"])))
            if "alpn" in o:
                v = o["alpn"] if isinstance(o["alpn"], list) else [o["alpn"]]
                got["alpn"].add(tuple(canon(telltale_bytes(a)) for a in v))
    return got


def from_tshark(path):
    p = subprocess.run(["tshark", "-n", "-r", path, "-o", "tcp.reassemble_out_of_order:TRUE", "-T", "fields",
                        "-E", f"separator={SEP}", "-E", f"aggregator={AGG}", "-E", "occurrence=a",
                        "-e", "udp.srcport", "-e", "udp.dstport", "-e", "dns.qry.name",
                        "-e", "tls.handshake.extensions_server_name", "-e", "tls.handshake.extensions_alpn_str"],
                       capture_output=True, timeout=300)
    if p.returncode != 0:
        raise RuntimeError(f"tshark on {path}: exit {p.returncode}: {p.stderr.decode(errors='replace')}")
    got = {"dns": set(), "sni": set(), "alpn": set()}
    for line in p.stdout.decode("utf-8", "surrogateescape").split("\n"):
        if not line:
            continue
        sport, dport, names, snis, alpns = line.split(SEP)
        if names and "53" in (sport, dport):
            got["dns"] |= {canon(tshark_bytes(n)) for n in names.split(AGG)}
        if snis:
            got["sni"] |= {canon(tshark_bytes(s)) for s in snis.split(AGG)}
        if alpns:
            got["alpn"].add(tuple(canon(tshark_bytes(a)) for a in alpns.split(AGG)))
    return got


def random_names(path):
    """Hundreds of names: DNS queries and answers, ClientHellos and
    ServerHellos with SNI and ALPN of every length, cut into segments and
    records of varied sizes."""
    rnd = random.Random(20251123)
    alphabet = "abcdefghijklmnopqrstuvwxyz0123456789-"
    clock = g.Clock()
    pk = []

    def name(max_len):
        labels = []
        while True:
            n = rnd.choice([1, 3, 8, 20, 63])
            if sum(len(x) + 1 for x in labels) + n > max_len:
                break
            labels.append("".join(rnd.choice(alphabet) for _ in range(n)))
        return ".".join(labels) or "a"

    for i in range(150):
        n = name(rnd.choice([20, 60, 120, 253]))
        pk += g.stamp([g.dns_query(g.LAPTOP, g.GATEWAY, n, sport=20000 + i, txid=i),
                       g.dns_response(g.LAPTOP, g.GATEWAY, n, [f"203.0.113.{i % 250 + 1}"], sport=20000 + i, txid=i)],
                      clock)
    for i in range(150):
        sni = name(rnd.choice([20, 60, 120, 253]))
        alpn = ["".join(rnd.choice(alphabet + "/._") for _ in range(rnd.randint(1, 40)))
                for _ in range(rnd.randint(1, 8))]
        hello = g.client_hello(sni, alpn, pq=rnd.random() < 0.5, grease=rnd.random() < 0.5,
                               record_size=rnd.choice([16384, 16384, 500, 97]))
        talk = [("c", hello)]
        if rnd.random() < 0.5:
            talk.append(("s", g.server_hello_certificate(None, alpn[0])))
        server = f"198.51.100.{i % 250 + 1}"
        pk += g.session(g.LAPTOP, server, 443, talk, clock, cport=30000 + i, mss=rnd.choice([1448, 1448, 536, 300]))
    g.write(path, pk)


def real_capture(tmp, path):
    """openssl s_client -> s_server over a 400-byte MTU veth pair."""
    pcap_netns.need_root("the real TLS capture")
    cert, key = os.path.join(tmp, "cert.pem"), os.path.join(tmp, "key.pem")
    pcap_netns.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "30", "-subj",
                    "/O=Example Org/CN=real.example", "-keyout", key, "-out", cert])
    with pcap_netns.Lab("ts") as lab:
        srv, cli = lab.ns("srv"), lab.ns("cli")
        lab.link(srv, "vs", ["198.51.100.20/24"], cli, "vc", ["192.168.60.2/24"], mtu=400)
        # stdin stays open: EOF there would end its sessions.
        server = lab.start(srv, ["openssl", "s_server", "-accept", "443", "-cert", cert, "-key", key, "-alpn",
                                 "h2,http/1.1", "-naccept", "2"], stdin=subprocess.PIPE)
        pcap_netns.wait_port(lab, srv, 443)
        cap = lab.capture(cli, "vc", path)
        # Long ALPN names (at most 8: telltale keeps no more): the hello outgrows one 360-byte segment.
        alpn = ",".join(["h2", "http/1.1"] + [f"x-telltale-test-protocol-{i:02d}-{'z' * 20}" for i in range(6)])
        for version, sni in (("-tls1_3", "real-tls13.example"), ("-tls1_2", "real-tls12.example")):
            lab.sh(cli, f"openssl s_client -connect 198.51.100.20:443 {version} -servername {sni} "
                        f"-alpn {alpn} </dev/null", timeout=30)
        lab.stop_capture(cap)
        lab.stop(server)


def main():
    telltale = sys.argv[1]
    errors = []
    with tempfile.TemporaryDirectory(prefix="tt-pcap-tshark-") as tmp:
        files = sorted(glob.glob(os.path.join(FIXTURES, "*.pcap")) + glob.glob(os.path.join(FIXTURES, "*.pcapng")))
        random_names(os.path.join(tmp, "random-names.pcap"))
        real_capture(tmp, os.path.join(tmp, "real-openssl.pcap"))
        files += [os.path.join(tmp, "random-names.pcap"), os.path.join(tmp, "real-openssl.pcap")]
        known_seen = set()
        totals = {"dns": 0, "sni": 0, "alpn": 0}
        for path in files:
            name = os.path.basename(path)
            ours, theirs = from_telltale(telltale, path), from_tshark(path)
            for kind in ("dns", "sni", "alpn"):
                totals[kind] += len(theirs[kind])
                for side, extra in (("telltale", ours[kind] - theirs[kind]), ("tshark", theirs[kind] - ours[kind])):
                    for v in sorted(extra, key=str):
                        if (name, kind, v) in KNOWN:
                            known_seen.add((name, kind, v))
                            print(f"known: {name}: {kind} {v!r} only from {side}: {KNOWN[(name, kind, v)]}")
                            continue
                        errors.append(f"{name}: {kind} {v!r} only from {side}")
            print(f"{name}: {len(theirs['dns'])} DNS names, {len(theirs['sni'])} SNI, {len(theirs['alpn'])} ALPN lists")
        real = from_tshark(os.path.join(tmp, "real-openssl.pcap"))
        if not {"real-tls13.example", "real-tls12.example"} <= real["sni"]:
            errors.append(f"the real capture lacks its handshakes: {real}")
        segments = subprocess.run(["tshark", "-n", "-r", os.path.join(tmp, "real-openssl.pcap"), "-Y",
                                   "tls.handshake.type == 1", "-T", "fields", "-e", "tcp.segment.count"],
                                  capture_output=True, text=True).stdout.split()
        if len(segments) != 2 or min(int(n) for n in segments) < 2:
            errors.append(f"the real ClientHellos should span several segments: counts {segments}")
        for k in KNOWN.keys() - known_seen:
            errors.append(f"known difference gone (update KNOWN): {k}")
        if min(totals.values()) < 100:
            errors.append(f"too little compared: {totals}")
        print(f"compared {totals['dns']} DNS names, {totals['sni']} SNI values, {totals['alpn']} ALPN lists")
    for e in errors:
        print("FAIL: " + e)
    sys.exit(1 if errors else 0)


if __name__ == "__main__":
    main()
