#!/usr/bin/python3
"""Seeds tests/fuzz/corpus/arp/ (also read by tests/unit/test-proto-arp.c):
ARP payloads (after the Ethernet header) built with scapy, and ones that are
not Ethernet/IPv4 ARP or are cut short (RFC 826)."""
import os
import sys

from scapy.all import ARP

out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..", "corpus", "arp")
os.makedirs(out, exist_ok=True)


def save(name, data):
    with open(os.path.join(out, name + ".bin"), "wb") as f:
        f.write(bytes(data))


# A Raspberry Pi (a PiKVM) answering the laptop; Ethernet pads the frame to 60 bytes, 18 after ARP.
save("arp-reply-pi", bytes(ARP(op=2, hwsrc="b8:27:eb:12:34:56", psrc="192.168.1.50",
                               hwdst="3c:52:82:aa:bb:cc", pdst="192.168.1.23")) + b"\0" * 18)
save("arp-request", ARP(op=1, hwsrc="3c:52:82:aa:bb:cc", psrc="192.168.1.23", hwdst="00:00:00:00:00:00",
                        pdst="192.168.1.50"))

# Explicit addresses: scapy's defaults come from the machine that runs this.
HOST = dict(hwsrc="3c:52:82:aa:bb:cc", psrc="192.168.1.23", hwdst="00:00:00:00:00:00", pdst="192.168.1.50")
save("bad-short", bytes(ARP(**HOST))[:7])
save("bad-cut", bytes(ARP(op=2, **HOST))[:27])
save("bad-rarp", ARP(op=3, **HOST))
save("bad-op-zero", ARP(op=0, **HOST))
save("bad-htype", bytes(ARP(**HOST))[:1] + b"\x06" + bytes(ARP(**HOST))[2:])
save("bad-ptype", ARP(ptype=0x86dd, plen=16, hwsrc=HOST["hwsrc"], psrc="fe80::1", pdst="fe80::2"))
save("bad-hlen", ARP(hwlen=8, hwsrc=b"\x01" * 8, hwdst=b"\x02" * 8, psrc=HOST["psrc"], pdst=HOST["pdst"]))
save("bad-plen", bytes(ARP(**HOST))[:5] + b"\x05" + bytes(ARP(**HOST))[6:])
