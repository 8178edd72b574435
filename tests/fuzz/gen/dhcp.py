#!/usr/bin/python3
"""Seeds tests/fuzz/corpus/dhcp/ (also read by tests/unit/test-proto-dhcp.c):
DHCP messages as clients and servers send them, built with scapy, and
malformed ones (RFC 2131 2, RFC 2132) for every error path. The UDP payload only."""
import os
import struct
import sys

from scapy.all import BOOTP, DHCP, mac2str

out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..", "corpus", "dhcp")
os.makedirs(out, exist_ok=True)


def save(name, data):
    with open(os.path.join(out, name + ".bin"), "wb") as f:
        f.write(bytes(data))


MAC = mac2str("b8:27:eb:12:34:56")
COOKIE = b"\x63\x82\x53\x63"


def bootp(op=1, hlen=6, sname=b"", file=b""):
    return bytes(BOOTP(op=op, hlen=hlen, xid=0x3903f326, chaddr=MAC, sname=sname, file=file))[:236]


def opts(*items):
    return b"".join(bytes([code, len(value)]) + value for code, value in items)


# A PiKVM (busybox udhcpc 1.36.1) renewing its lease: hostname and vendor class are its fingerprint.
save("dhcp-request-pikvm", BOOTP(op=1, xid=0x3903f326, chaddr=MAC)
     / DHCP(options=[("message-type", "request"), ("client_id", b"\x01" + MAC), ("requested_addr", "192.168.1.50"),
                     ("server_id", "192.168.1.1"), ("max_dhcp_size", 576), ("vendor_class_id", "udhcp 1.36.1"),
                     ("hostname", "pikvm"), ("param_req_list", [1, 3, 6, 12, 15, 28, 42]), "end"]))

# The server's ACK: a reply with the domain name and addresses.
save("dhcp-ack", BOOTP(op=2, xid=0x3903f326, yiaddr="192.168.1.50", siaddr="192.168.1.1", chaddr=MAC)
     / DHCP(options=[("message-type", "ack"), ("server_id", "192.168.1.1"), ("lease_time", 86400),
                     ("subnet_mask", "255.255.255.0"), ("router", "192.168.1.1"), ("domain", "lan"), "end", "pad"]))

# Options overloaded into file and sname (option 52 = 3): file is read before sname. The hostname
# carries a trailing NUL (some clients send one); no END in the options field.
save("dhcp-overload", bootp(sname=opts((15, b"sname.example")) + b"\xff",
                            file=opts((12, b"kvm-a1b2\0"), (60, b"from-file"), (52, b"\x01")) + b"\xff")
     + COOKIE + opts((53, b"\x01"), (52, b"\x03")))

# Control bytes and UTF-8 in the hostname, a 255-byte vendor class that outgrows its text once
# escaped, a repeated option (the first counts), the longest parameter request list.
save("dhcp-escapes", bootp() + COOKIE
     + opts((53, b"\x08"), (12, b"a\x01b\xc3\xa9\\"), (12, b"second"), (60, b"\x01" * 255),
            (55, bytes(range(255))), (61, b"\x00" * 255)) + b"\x00\x00\xff")

# RFC 1497 BOOTP vendor extensions: the cookie without option 53.
save("bootp-plain", bootp() + COOKIE + opts((1, b"\xff\xff\xff\x00")) + b"\xff")

save("bad-short", (bootp() + COOKIE)[:239])
save("bad-op", b"\x03" + (bootp() + COOKIE + opts((53, b"\x01")))[1:])
save("bad-cookie", bootp() + b"\x63\x82\x53\x64" + opts((53, b"\x01")))
save("bad-hlen", bootp(hlen=17) + COOKIE + opts((53, b"\x01")))
save("bad-option-overrun", bootp() + COOKIE + opts((53, b"\x01")) + b"\x0c\x05pik")
save("bad-option-no-length", bootp() + COOKIE + opts((53, b"\x01")) + b"\x0c")
save("bad-type-length", bootp() + COOKIE + opts((53, b"\x01\x02")))
save("bad-type-zero", bootp() + COOKIE + opts((53, b"\x00")))
save("bad-requested-ip", bootp() + COOKIE + opts((53, b"\x03"), (50, b"\xc0\xa8\x01")))
save("bad-overload-value", bootp() + COOKIE + opts((53, b"\x03"), (52, b"\x04")))
save("bad-overload-zero", bootp() + COOKIE + opts((53, b"\x03"), (52, b"\x00")))
save("bad-overload-length", bootp() + COOKIE + opts((53, b"\x03"), (52, b"\x01\x02")))
save("bad-overload-area", bootp(file=b"\x0c\x7fx") + COOKIE + opts((53, b"\x03"), (12, b"pikvm"), (52, b"\x01")))
