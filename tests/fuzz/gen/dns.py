#!/usr/bin/python3
"""Seeds tests/fuzz/corpus/dns/ (also read by tests/unit/test-proto-dns.c and
test-proto-dnssd.c): real-shaped DNS and mDNS messages built with scapy, and
hand-built malformed ones (RFC 1035 4.1, RFC 6762 18) for every error path."""
import os
import struct
import sys

from scapy.all import DNS, DNSQR, DNSRR, DNSRROPT, DNSRRSRV
from scapy.layers.dns import dns_compress

out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..", "corpus", "dns")
os.makedirs(out, exist_ok=True)


def save(name, data):
    with open(os.path.join(out, name + ".bin"), "wb") as f:
        f.write(bytes(data))


def header(id=0, flags=0, qd=0, an=0, ns=0, ar=0):
    return struct.pack(">HHHHHH", id, flags, qd, an, ns, ar)


def name(*labels):
    """Uncompressed wire name from raw labels (bytes or str), so labels may hold dots and any byte."""
    out = b""
    for label in labels:
        label = label.encode() if isinstance(label, str) else label
        out += bytes([len(label)]) + label
    return out + b"\0"


def rr(owner, rtype, rdata, rclass=1, ttl=120):
    return owner + struct.pack(">HHIH", rtype, rclass, ttl, len(rdata)) + rdata


A, NS, CNAME, PTR, TXT, AAAA, SRV = 1, 2, 5, 12, 16, 28, 33
CACHE_FLUSH = 0x8000

# PiKVM's avahi announcement: the service type, the instance, SRV to port 443, TXT, the host's addresses.
pikvm = DNS(id=0, qr=1, aa=1, rd=0, qd=None,
            an=DNSRR(rrname="_services._dns-sd._udp.local", type="PTR", ttl=4500, rdata="_pikvm._tcp.local")
            / DNSRR(rrname="_pikvm._tcp.local", type="PTR", ttl=4500, rdata="pikvm._pikvm._tcp.local")
            / DNSRRSRV(rrname="pikvm._pikvm._tcp.local", rclass=0x8001, ttl=120, port=443, target="pikvm.local")
            / DNSRR(rrname="pikvm._pikvm._tcp.local", type="TXT", rclass=0x8001, ttl=4500,
                    rdata=[b"description=PiKVM Web Server", b"path=/"]),
            ar=DNSRR(rrname="pikvm.local", type="A", rclass=0x8001, ttl=120, rdata="192.168.1.50")
            / DNSRR(rrname="pikvm.local", type="AAAA", rclass=0x8001, ttl=120, rdata="fe80::ba27:ebff:fe12:3456"))
save("mdns-pikvm-announce", dns_compress(pikvm))

# A resolver's answer for an AnyDesk relay: CNAME then A, with an EDNS OPT record.
anydesk = DNS(id=0x1f2e, qr=1, rd=1, ra=1, qd=DNSQR(qname="relay-1.net.anydesk.com", qtype="A"),
              an=DNSRR(rrname="relay-1.net.anydesk.com", type="CNAME", ttl=300, rdata="relay-eu-1.net.anydesk.com")
              / DNSRR(rrname="relay-eu-1.net.anydesk.com", type="A", ttl=60, rdata="203.0.113.9"),
              ar=DNSRROPT(rclass=1232))
save("dns-anydesk-cname-a", dns_compress(anydesk))

# EDNS advertising a 64 KiB payload: the top bit of the OPT class is no mDNS cache-flush bit.
save("dns-query-opt-64k", dns_compress(DNS(id=7, qd=DNSQR(qname="example.com", qtype="AAAA"),
                                           ar=DNSRROPT(rclass=0xffff))))

# A browser asking for PiKVMs: QU bit in qclass, one known answer.
query = DNS(id=0, rd=0, qd=DNSQR(qname="_pikvm._tcp.local", qtype="PTR", qclass=0x8001),
            an=DNSRR(rrname="_pikvm._tcp.local", type="PTR", ttl=4500, rdata="other._pikvm._tcp.local"))
save("mdns-query-qu", dns_compress(query))

# Hand-built: a subtype PTR, an instance label holding a dot, a space, UTF-8 and a backslash; the SRV
# before the PTR; NS and an unknown type (HINFO) kept undecoded.
instance = "Büro.Drucker 2\\".encode()
body = (rr(name("_printer", "_sub", "_http", "_tcp", "local"), PTR, name(instance, "_http", "_tcp", "local"))
        + rr(name(instance, "_http", "_tcp", "local"), SRV, struct.pack(">HHH", 1, 2, 631) + name("printer", "local"),
             rclass=0x8001)
        + rr(name("local"), NS, name("ns", "local"))
        + rr(name("printer", "local"), 13, b"\x03x86\x05Linux"))
save("mdns-subtype-escapes", header(flags=0x8400, an=4) + body)

# Control bytes in a label and an empty TXT, and a DNS UPDATE deletion with empty rdata.
save("dns-label-bytes", header(flags=0x8000, an=2)
     + rr(name(b"a\x00b", b"c\x7fd", "example"), TXT, b"\x00\x04k=\x01\xff")
     + rr(name("empty", "example"), TXT, b""))
save("dns-update-delete", header(flags=0x2800, qd=1, ns=1) + name("example", "com") + struct.pack(">HH", 6, 1)
     + rr(name("host", "example", "com"), A, b"", rclass=255, ttl=0))

# More than the parser keeps: 10 questions, 60 answers; and TXT strings longer than the TXT buffer.
save("dns-many", header(flags=0x8000, qd=10, an=60)
     + b"".join(name("q%d" % i, "example") + struct.pack(">HH", A, 1) for i in range(10))
     + b"".join(rr(b"\xc0\x0c", A, bytes([10, 0, 0, i])) for i in range(60)))
save("dns-txt-long", header(flags=0x8000, an=1)
     + rr(name("long", "example"), TXT, b"".join(bytes([200]) + bytes([0x61 + i]) * 200 for i in range(3))))

# A name of exactly 255 octets (the maximum) and one of 256.
labels_253 = ["a" * 63] * 3 + ["b" * 61]
save("dns-name-255", header(flags=0x8000, qd=1) + name(*labels_253) + struct.pack(">HH", A, 1))

# Malformed.
q = struct.pack(">HH", A, 1)
save("bad-header-short", header()[:7])
save("bad-opcode", header(flags=3 << 11, qd=1) + name("example") + q)
save("bad-question-cut", header(qd=1) + name("example") + q[:3])
save("bad-name-256", header(qd=1) + name(*(["a" * 63] * 3 + ["b" * 62])) + q)
# Over 255 octets through a pointer: the label x, then the 255-octet name.
save("bad-name-256-compressed", header(qd=2) + name(*labels_253) + q + b"\x01x\xc0\x0c" + q)
save("bad-label-64", header(qd=1) + name("a" * 64) + q)
save("bad-label-reserved", header(qd=1) + b"\x80\x01a\x00" + q)
# A pointer to itself, and a label followed by a pointer back to that label (b.b.b...).
save("bad-compression-loop", header(qd=1) + b"\xc0\x0c" + q)
save("bad-compression-loop-label", header(qd=2) + name("a") + q + b"\x01b\xc0\x13" + q)
# A pointer to a name that comes later, one into the header, one cut in half.
save("bad-pointer-forward", header(qd=2) + b"\xc0\x12" + q + name("later") + q)
save("bad-pointer-header", header(qd=1) + b"\xc0\x02" + q)
save("bad-pointer-cut", header(qd=1) + b"\x01a\xc0")
save("bad-label-cut", header(qd=1) + b"\x05ab")
save("bad-record-cut", header(an=1) + name("x") + struct.pack(">HHI", A, 1, 0))
save("bad-rdlength-overrun", header(an=1) + name("x") + struct.pack(">HHIH", A, 1, 0, 8) + b"\x01\x02\x03\x04")
save("bad-a-rdlength", header(an=1) + rr(name("x"), A, b"\x01\x02\x03"))
save("bad-aaaa-rdlength", header(an=1) + rr(name("x"), AAAA, b"\x00" * 4))
save("bad-srv-short", header(an=1) + rr(name("x"), SRV, b"\x00\x00\x00\x00\x01\xbb"))
save("bad-ptr-trailing", header(an=1) + rr(name("x"), PTR, name("y") + b"\x00"))
save("bad-ptr-overrun", header(an=1) + rr(name("x"), PTR, b"\x05ab"))
save("bad-txt-overrun", header(an=1) + rr(name("x"), TXT, b"\x02ab\x05c"))
save("bad-txt-overrun-by-one", header(an=1) + rr(name("x"), TXT, b"\x02ab\x01"))

# Pointer chains: 31 pointers in an unknown record's rdata, each to the one before, the first to "x";
# a name pointing at the last takes 32 jumps (the most allowed), one more pointer makes 33.
def chain(n):
    start = 12 + 3 + 10
    links = struct.pack(">H", 0xc000 | 12) + b"".join(struct.pack(">H", 0xc000 | (start + 2 * (k - 1)))
                                                       for k in range(1, n))
    last = struct.pack(">H", 0xc000 | (start + 2 * (n - 1)))
    return header(flags=0x8000, an=2) + rr(name("x"), 99, links) + rr(last, A, b"\x0a\x00\x00\x01")


save("dns-pointer-chain-32", chain(31))
save("bad-pointer-chain-33", chain(32))
# 255 octets of labels of byte 0xff: escaped (\255) they outgrow the text buffer.
save("dns-name-escaped-cut", header(flags=0x8000, qd=1) + name(*([b"\xff" * 63] * 3 + [b"\xff" * 61])) + q)
