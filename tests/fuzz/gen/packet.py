#!/usr/bin/python3
"""Seeds tests/fuzz/corpus/packet/: one frame per link type and layer shape.
The first byte of each file selects the link type (see fuzz-packet.c)."""
import os
import struct
import sys

from scapy.all import ARP, IP, TCP, UDP, Dot1Q, Ether, IPv6, IPv6ExtHdrFragment, IPv6ExtHdrHopByHop, IPv6ExtHdrRouting
from scapy.layers.l2 import CookedLinux

out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..", "corpus", "packet")
frames = {
    "eth-tcp-syn": (0, Ether() / IP(src="10.0.0.2", dst="203.0.113.9") / TCP(sport=40000, dport=443, flags="S")),
    "eth-vlan-udp-dns": (0, Ether() / Dot1Q(vlan=7) / IP() / UDP(sport=5353, dport=5353) / (b"\x00" * 12)),
    "eth-qinq-v6-tcp": (0, Ether() / Dot1Q(vlan=7) / Dot1Q(vlan=9) / IPv6() / TCP(dport=5900) / b"RFB 003.008\n"),
    "eth-arp": (0, Ether() / ARP(op=2, hwsrc="b8:27:eb:01:02:03", psrc="192.168.1.20")),
    "sll-tcp": (1, CookedLinux(pkttype=0, lladdrtype=1, lladdrlen=6, src=b"\xb8\x27\xeb\x01\x02\x03\x00\x00",
                               proto=0x0800) / IP() / TCP(dport=22) / b"SSH-2.0-x\r\n"),
    "raw-v4-udp": (3, IP() / UDP(dport=67) / (b"\x01" * 20)),
    "raw-v6-ext": (3, IPv6() / IPv6ExtHdrHopByHop() / IPv6ExtHdrRouting() / TCP(dport=3389) / b"\x03\x00\x00\x13"),
    "raw-v6-frag": (3, IPv6() / IPv6ExtHdrFragment(offset=8) / (b"x" * 16)),
    "raw-v4-frag": (3, IP(frag=5) / (b"x" * 16)),
    "raw-v4-truncated-tcp": (3, bytes(IP() / TCP())[:30]),
}
os.makedirs(out, exist_ok=True)
for name, (lt, pkt) in frames.items():
    with open(os.path.join(out, name), "wb") as f:
        f.write(bytes([lt]) + bytes(pkt))
sll2 = struct.pack(">HHIHBB8s", 0x0800, 0, 2, 1, 0, 6, b"\x48\xda\x35\x60\x01\x02\x00\x00")
with open(os.path.join(out, "sll2-udp-ssdp"), "wb") as f:
    f.write(bytes([2]) + sll2 + bytes(IP() / UDP(dport=1900) / b"NOTIFY * HTTP/1.1\r\n"))
