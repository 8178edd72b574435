#!/usr/bin/python3
"""Seeds tests/fuzz/corpus/{rdp,rfb,ssh,teamviewer,nomachine}/ with the first
bytes of one direction of a remote-session connection.

Real clients where this machine has them, each pointed at a listener on
127.0.0.1 that records what it is sent: xfreerdp (package freerdp2-x11, with
Xvfb from package xvfb for its display) for X.224 Connection Requests, ssh for
an OpenSSH identification string. The rest is written from the specs and
public signatures: X.224 Connection Confirm and a broker's routing token
(MS-RDPBCGR 2.2.1.1, 2.2.1.2), RFB versions (RFC 6143), TeamViewer's
keep-alive and identify headers (ET Open, nmap), NoMachine's greeting (nmap)."""
import os
import shutil
import socket
import struct
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
CORPUS = os.path.join(HERE, "..", "corpus")


def write(target, name, data):
    d = os.path.join(CORPUS, target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name + ".bin"), "wb") as f:
        f.write(data)


def record_first_bytes(client_argv, reply=b"", until=None, env=None):
    """Runs a client against a fresh loopback listener; returns what it sent
    before `until(data)` is true or the connection ended."""
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(1)
    srv.settimeout(20)
    port = srv.getsockname()[1]
    got = {}

    def serve():
        conn, _ = srv.accept()
        conn.settimeout(5)
        data = b""
        try:
            while not (until and until(data)):
                chunk = conn.recv(4096)
                if not chunk:
                    break
                data += chunk
            conn.sendall(reply)
            time.sleep(0.2)
        finally:
            got["data"] = data
            conn.close()

    t = threading.Thread(target=serve)
    t.start()
    argv = [a.replace("PORT", str(port)) for a in client_argv]
    subprocess.run(argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                   timeout=20, env=env)
    t.join()
    srv.close()
    return got["data"]


def tpkt(x224):
    return struct.pack(">BBH", 3, 0, 4 + len(x224)) + x224


def x224(code, variable):
    # LI, code, DST-REF, SRC-REF, class 0
    return bytes([6 + len(variable), code]) + b"\x00\x00\x00\x00\x00" + variable


def neg(kind, flags, value):
    return struct.pack("<BBHI", kind, flags, 8, value)


def tpkt_whole(data):
    return len(data) >= 4 and len(data) >= struct.unpack(">H", data[2:4])[0]


def rdp():
    cc_ssl = tpkt(x224(0xD0, neg(0x02, 0x1F, 0x01)))
    write("rdp", "cc-neg-rsp-ssl", cc_ssl)
    write("rdp", "cc-neg-failure-ssl-required", tpkt(x224(0xD0, neg(0x03, 0, 0x01))))
    write("rdp", "cc-legacy", tpkt(x224(0xD0, b"")))
    write("rdp", "cr-routing-token",
          tpkt(x224(0xE0, b"Cookie: msts=3640205228.15629.0000\r\n" + neg(0x01, 0, 0x03))))
    # rdpNegReq followed by rdpCorrelationInfo (2.2.1.1.2)
    write("rdp", "cr-correlation-info",
          tpkt(x224(0xE0, neg(0x01, 0x08, 0x0B) + struct.pack("<BBH", 0x06, 0, 36) + bytes(range(16)) + bytes(16))))

    if not (shutil.which("xfreerdp") and shutil.which("Xvfb")):
        print("xfreerdp or Xvfb missing: kept the captured Connection Requests as they are")
        return
    xvfb = subprocess.Popen(["Xvfb", ":97", "-nolisten", "tcp"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        time.sleep(1)
        env = dict(os.environ, DISPLAY=":97")
        runs = {
            "cr-xfreerdp-default": ["/u:alice"],
            "cr-xfreerdp-tls": ["/u:Administrator", "/d:CORP", "/sec:tls"],
            "cr-xfreerdp-nla": ["/u:farm-operator", "/sec:nla"],
            "cr-xfreerdp-rdp": ["/u:bob", "/sec:rdp"],
        }
        for name, args in runs.items():
            data = record_first_bytes(["timeout", "15", "xfreerdp", "/v:127.0.0.1:PORT", "/cert:ignore"] + args,
                                      reply=cc_ssl, until=tpkt_whole, env=env)
            write("rdp", name, data)
    finally:
        xvfb.terminate()
        xvfb.wait()


def ssh():
    data = record_first_bytes(["ssh", "-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=no", "-o",
                               "UserKnownHostsFile=/dev/null", "-p", "PORT", "127.0.0.1"],
                              reply=b"SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3\r\n", until=lambda d: b"\n" in d)
    write("ssh", "openssh-client", data)
    write("ssh", "openssh-server", b"SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3\r\n")
    write("ssh", "dropbear-server", b"SSH-2.0-dropbear_2022.83\r\n")
    write("ssh", "libssh-dash-in-software", b"SSH-2.0-libssh-0.10.6\r\n")
    write("ssh", "legacy-lf-only", b"SSH-1.99-Cisco-1.25\n")


def rfb():
    for version in ("003.003", "003.007", "003.008", "003.889", "005.000"):
        write("rfb", "rfb-" + version, b"RFB " + version.encode() + b"\n")
    # a 3.8 server's version followed by the client's and the security types
    write("rfb", "rfb-003.008-then-security", b"RFB 003.008\n\x02\x02\x10")


def teamviewer():
    write("teamviewer", "keepalive-beep", bytes.fromhex("17241b0000"))
    ident = bytes.fromhex("17240a2000") + bytes.fromhex("12345678") + bytes.fromhex("081380") + bytes(5) + \
        bytes.fromhex("01000000") + bytes.fromhex("1180") + bytes(14)
    write("teamviewer", "identify", ident)


def nomachine():
    write("nomachine", "client-nxsh", b"NXSH-8.4.2\n")
    write("nomachine", "server-nxd", b"NXD-8.4.2\n")
    write("nomachine", "server-nxd-crlf", b"NXD-7.10.1\r\n")


def main():
    rdp()
    ssh()
    rfb()
    teamviewer()
    nomachine()


if __name__ == "__main__":
    sys.exit(main())
