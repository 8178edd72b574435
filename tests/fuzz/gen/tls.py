#!/usr/bin/python3
"""Seeds tests/fuzz/corpus/tls/ and corpus/x509/ with real handshakes:
openssl s_client against openssl s_server on 127.0.0.1, captured with
tcpdump; each file is the first bytes of one direction of one connection.
Certificates as AnyDesk's relays and PiKVM present them. Two ClientHellos are
built by hand from a captured one: one split over two records, one with a
1216-byte X25519MLKEM768 (0x11ec) key share as Chrome sends it, which OpenSSL
3.0 cannot. Prints tshark's JA3 of every ClientHello, the oracle that
tests/unit/test-proto-tls.c checks against.

Needs root (tcpdump on lo), openssl, tcpdump, tshark, python3-scapy."""
import os
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
import time

from scapy.all import IP, TCP, Ether, rdpcap, wrpcap

HERE = os.path.dirname(os.path.abspath(__file__))
TLS_OUT = os.path.join(HERE, "..", "corpus", "tls")
X509_OUT = os.path.join(HERE, "..", "corpus", "x509")


def run(*args, **kw):
    subprocess.run(args, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, **kw)


def make_pki(d):
    def p(name):
        return os.path.join(d, name)
    run("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", p("root.key"), "-out", p("root.pem"),
        "-days", "3650", "-subj", "/O=philandro Software GmbH/CN=AnyNet Root CA")
    run("openssl", "req", "-newkey", "rsa:2048", "-nodes", "-keyout", p("relay.key"), "-out", p("relay.csr"),
        "-subj", "/O=philandro Software GmbH/CN=AnyNet Relay")
    run("openssl", "x509", "-req", "-in", p("relay.csr"), "-CA", p("root.pem"), "-CAkey", p("root.key"),
        "-CAcreateserial", "-out", p("relay.pem"), "-days", "3650")
    run("openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
        "-keyout", p("pikvm.key"), "-out", p("pikvm.pem"), "-days", "3650", "-subj", "/O=PiKVM/CN=localhost")
    for name in ("root", "relay", "pikvm"):
        run("openssl", "x509", "-in", p(name + ".pem"), "-outform", "DER", "-out", p(name + ".der"))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def capture(d, name, server_args, client_args):
    """One s_client/s_server handshake; returns (client bytes, server bytes)."""
    port = free_port()
    pcap = os.path.join(d, name + ".pcap")
    dump = subprocess.Popen(["tcpdump", "-i", "lo", "-U", "-w", pcap, "tcp port %d" % port],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(1)
    server = subprocess.Popen(["openssl", "s_server", "-accept", "127.0.0.1:%d" % port, "-naccept", "1", "-quiet"]
                              + server_args, cwd=d, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    time.sleep(0.5)
    subprocess.run(["openssl", "s_client", "-connect", "127.0.0.1:%d" % port] + client_args, cwd=d,
                   stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=10)
    server.kill()
    server.wait()
    time.sleep(1)
    dump.terminate()
    dump.wait()
    streams = {}
    for pkt in rdpcap(pcap):
        if TCP in pkt and len(pkt[TCP].payload):
            to_server = pkt[TCP].dport == port
            streams.setdefault(to_server, {})[pkt[TCP].seq] = bytes(pkt[TCP].payload)
    def joined(segments):
        return b"".join(segments[s] for s in sorted(segments))
    return joined(streams[True]), joined(streams[False]), pcap


def tshark_ja3(pcap):
    out = subprocess.run(["tshark", "-r", pcap, "-Y", "tls.handshake.type == 1", "-T", "fields",
                          "-e", "tls.handshake.ja3_full"], capture_output=True, text=True, check=True).stdout
    return out.strip()


def records(content_type, version, payload, sizes):
    """payload cut into records of the given sizes (the last takes the rest)"""
    out, off = b"", 0
    for size in sizes + [len(payload)]:
        chunk = payload[off:off + size]
        if chunk:
            out += struct.pack(">BHH", content_type, version, len(chunk)) + chunk
        off += size
    return out


def handshake_of(stream):
    """the handshake bytes of the leading records"""
    out, off = b"", 0
    while off + 5 <= len(stream) and stream[off] == 22:
        n = struct.unpack(">H", stream[off + 3:off + 5])[0]
        out += stream[off + 5:off + 5 + n]
        off += 5 + n
    return out


def vec(width, data):
    return len(data).to_bytes(width, "big") + data


def chrome_like_hello():
    """A ClientHello shaped like Chrome 131's: GREASE everywhere, X25519MLKEM768
    first in key_share with its 1216-byte share."""
    ciphers = [0x4a4a, 0x1301, 0x1302, 0x1303, 0xc02b, 0xc02f, 0xc02c, 0xc030, 0xcca9, 0xcca8, 0xc013, 0xc014,
               0x009c, 0x009d, 0x002f, 0x0035]
    ext = []
    ext.append((0x2a2a, b""))
    ext.append((0x0000, vec(2, b"\x00" + vec(2, b"relay-1.net.anydesk.com"))))
    ext.append((0x0017, b""))
    ext.append((0xff01, b"\x00"))
    ext.append((0x000a, vec(2, struct.pack(">5H", 0x3a3a, 0x11ec, 0x001d, 0x0017, 0x0018))))
    ext.append((0x000b, vec(1, b"\x00")))
    ext.append((0x0023, b""))
    ext.append((0x0010, vec(2, vec(1, b"h2") + vec(1, b"http/1.1"))))
    ext.append((0x0005, b"\x01\x00\x00\x00\x00"))
    ext.append((0x000d, vec(2, struct.pack(">8H", 0x0403, 0x0804, 0x0401, 0x0503, 0x0805, 0x0501, 0x0806, 0x0601))))
    ext.append((0x0012, b""))
    shares = (struct.pack(">HH", 0x3a3a, 1) + b"\x00" + struct.pack(">HH", 0x11ec, 1216) + os.urandom(1216)
              + struct.pack(">HH", 0x001d, 32) + os.urandom(32))
    ext.append((0x0033, vec(2, shares)))
    ext.append((0x002d, vec(1, b"\x01")))
    ext.append((0x002b, vec(1, struct.pack(">3H", 0x6a6a, 0x0304, 0x0303))))
    ext.append((0x001b, vec(1, struct.pack(">H", 2))))
    ext.append((0x4469, vec(2, vec(1, b"h2"))))
    ext.append((0xfe0d, b"\x00\x00\x01\x00\x01" + os.urandom(1) + vec(2, os.urandom(32)) + vec(2, os.urandom(144))))
    ext.append((0x1a1a, b"\x00"))
    exts = b"".join(struct.pack(">HH", t, len(d)) + d for t, d in ext)
    body = (b"\x03\x03" + os.urandom(32) + vec(1, os.urandom(32)) + vec(2, b"".join(struct.pack(">H", c)
            for c in ciphers)) + vec(1, b"\x00") + vec(2, exts))
    return b"\x01" + vec(3, body)


def ja3_of_stream(d, name, client):
    """tshark's JA3 of a hand-built client stream, via a pcap of its own"""
    pcap = os.path.join(d, name + ".pcap")
    pkts, seq = [], 1000
    syn = Ether() / IP(src="10.0.0.2", dst="10.0.0.1") / TCP(sport=40000, dport=443, flags="S", seq=seq - 1)
    pkts.append(syn)
    for off in range(0, len(client), 1448):
        chunk = client[off:off + 1448]
        pkts.append(Ether() / IP(src="10.0.0.2", dst="10.0.0.1") / TCP(sport=40000, dport=443, flags="PA",
                                                                        seq=seq + off) / chunk)
    wrpcap(pcap, pkts)
    return tshark_ja3(pcap)


def main():
    os.makedirs(TLS_OUT, exist_ok=True)
    os.makedirs(X509_OUT, exist_ok=True)
    d = tempfile.mkdtemp()
    try:
        make_pki(d)
        anydesk = ["-alpn", "anydesk/6.2.0", "-servername", "relay-1.net.anydesk.com"]
        relay = ["-cert", "relay.pem", "-key", "relay.key", "-cert_chain", "root.pem", "-alpn", "anydesk/6.2.0"]
        out = {}
        c, s, pcap = capture(d, "tls13", relay, anydesk)
        out["client-tls13-anydesk"], out["server-tls13"] = c, s
        print("client-tls13-anydesk", tshark_ja3(pcap))
        c, s, pcap = capture(d, "tls12", relay, anydesk + ["-tls1_2"])
        out["client-tls12-anydesk"], out["server-tls12-anynet-relay"] = c, s
        print("client-tls12-anydesk", tshark_ja3(pcap))
        c, s, pcap = capture(d, "pikvm", ["-cert", "pikvm.pem", "-key", "pikvm.key"], ["-tls1_2"])
        out["server-tls12-pikvm"] = s
        hs = handshake_of(out["client-tls13-anydesk"])
        out["client-split-records"] = records(22, 0x0301, hs, [100])
        big = chrome_like_hello()
        out["client-mlkem-keyshare"] = records(22, 0x0301, big, [])
        print("client-mlkem-keyshare", ja3_of_stream(d, "mlkem", out["client-mlkem-keyshare"]))
        for name, data in out.items():
            with open(os.path.join(TLS_OUT, name + ".bin"), "wb") as f:
                f.write(data)
        for name in ("relay", "root", "pikvm"):
            shutil.copy(os.path.join(d, name + ".der"), os.path.join(X509_OUT, name + ".bin"))
    finally:
        shutil.rmtree(d)


if __name__ == "__main__":
    sys.exit(main())
