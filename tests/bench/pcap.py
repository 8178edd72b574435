#!/usr/bin/env python3
"""Benchmark of `telltale pcap` against the libpcap read ceiling and tshark.

Generates (in a temporary directory) a capture of at least a million mixed
packets, written with struct from templates (scapy would take minutes):

  bulk TCP      long flows of full-size segments and their ACKs (downloads)
  DNS           queries and answers for thousands of names
  TLS           short HTTPS flows: handshake, a post-quantum ClientHello in two
                segments, ServerHello, some data, FIN
  flood         new flows from many sources: SYN and one small segment

and a second capture that is only a flood (200k flows whose ClientHellos keep
every reassembly buffer busy). Then, in this shell, best of three runs:

  telltale pcap FILE                       (findings, as an analyst runs it)
  tcpdump -r FILE -w /dev/null             (reading the file and nothing else)
  tshark -r FILE -T fields -e dns.qry.name -e tls.handshake.extensions_server_name
         -e tls.handshake.extensions_alpn_str

and prints packets/s, the ratios, and telltale's peak RSS on each capture.
Targets (issue 5): >= 0.5x tcpdump, >= 20x tshark, peak RSS < 64 MB on the
flood. Exits 1 when one is missed (TT_BENCH_NO_TARGETS=1: report only).

Measure an optimised build: meson setup build-rel -Dbuildtype=release.

Usage: pcap.py TELLTALE [PACKETS]
"""
import os
import random
import struct
import subprocess
import sys
import tempfile
import time

try:
    import scapy  # noqa: F401
except ImportError:  # meson's python3 may be another interpreter; Debian's has python3-scapy
    os.execv("/usr/bin/python3", ["/usr/bin/python3"] + sys.argv)

SRC = os.environ.get("TT_SOURCE_ROOT", os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
sys.path.insert(0, os.path.join(SRC, "tests", "fixtures", "pcap"))

import pcapgen as g  # noqa: E402
import rawpcap as R  # noqa: E402

LAPTOP = R.ip4("192.168.50.10")
RESOLVER = R.ip4("192.168.50.1")
MSS = 1448


def mixed(path, target):
    rnd = random.Random(42)
    w = R.Writer(path)
    bulk = bytes(rnd.randrange(256) for _ in range(MSS))
    hellos = [g.client_hello(f"www{i}.site{i % 300}.example", ["h2", "http/1.1"], pq=True) for i in range(64)]
    server = g.server_hello_certificate(g.certificate([("CN", "www.example.org")], [("O", "Example CA")]), "h2")
    bulk_flows = [(R.ip4(f"203.0.113.{10 + i}"), 443, 50000 + i, rnd.randrange(1 << 32)) for i in range(8)]
    bulk_seq = {i: 1 for i in range(len(bulk_flows))}
    n_dns = n_tls = n_flood = 0

    def tls_flow(k):
        srv = struct.pack("!I", 0xC6336400 + k % 250)  # 198.51.100.x
        cp = 10000 + k % 50000
        cs, ss = 7000, 9000
        w.tcp(LAPTOP, srv, cp, 443, cs, 0, R.SYN)
        w.tcp(srv, LAPTOP, 443, cp, ss, cs + 1, R.SYN | R.ACK)
        w.tcp(LAPTOP, srv, cp, 443, cs + 1, ss + 1, R.ACK)
        h = hellos[k % len(hellos)]
        for off in range(0, len(h), MSS):
            w.tcp(LAPTOP, srv, cp, 443, cs + 1 + off, ss + 1, R.ACK | R.PSH, h[off:off + MSS])
        w.tcp(srv, LAPTOP, 443, cp, ss + 1, cs + 1 + len(h), R.ACK | R.PSH, server)
        for j in range(4):
            w.tcp(srv, LAPTOP, 443, cp, ss + 1 + len(server) + j * MSS, cs + 1 + len(h), R.ACK, bulk)
        w.tcp(LAPTOP, srv, cp, 443, cs + 1 + len(h), ss + 1, R.FIN | R.ACK)

    while w.count < target:
        r = rnd.random()
        if r < 0.70:  # bulk: 16 segments of one download and 8 ACKs
            i = rnd.randrange(len(bulk_flows))
            srv, sp, cp, isn = bulk_flows[i]
            for j in range(16):
                w.tcp(srv, LAPTOP, sp, cp, isn + bulk_seq[i], 1, R.ACK, bulk)
                bulk_seq[i] += MSS
                if j % 2:
                    w.tcp(LAPTOP, srv, cp, sp, 1, isn + bulk_seq[i], R.ACK)
        elif r < 0.80:  # DNS: a query and its answer
            name = f"host{n_dns % 20000}.zone{n_dns % 97}.example"
            addr = struct.pack("!I", 0xCB007100 + n_dns % 250)
            for _ in range(2):
                w.udp(LAPTOP, RESOLVER, 30000 + n_dns % 30000, 53, R.dns_query_payload(name, n_dns))
                w.udp(RESOLVER, LAPTOP, 53, 30000 + n_dns % 30000, R.dns_response_payload(name, addr, n_dns))
                n_dns += 1
        elif r < 0.90:  # TLS handshakes
            tls_flow(n_tls)
            n_tls += 1
        else:  # a flood of new flows (a scan): SYN and a first request to a random port
            for _ in range(20):
                src = struct.pack("!I", 0x0A000000 + n_flood)
                sp, dp = 1024 + n_flood % 60000, 1 + (n_flood * 7919) % 65535
                w.tcp(src, LAPTOP, sp, dp, 100, 0, R.SYN)
                w.tcp(src, LAPTOP, sp, dp, 101, 1, R.ACK | R.PSH, b"GET / HTTP/1.0\r\n\r\n")
                n_flood += 1
    w.close()
    return w.count, {"dns": n_dns, "tls flows": n_tls, "flood flows": n_flood}


def timed(cmd, runs=3):
    """Best wall time of runs, and the child's peak RSS (KiB) as GNU time
    measures it (a child forked from this Python would count its pages)."""
    best, rss = None, 0
    with tempfile.NamedTemporaryFile("r") as out:
        for _ in range(runs):
            t = time.perf_counter()
            p = subprocess.run(["/usr/bin/time", "-f", "%M", "-o", out.name] + cmd, stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE)
            secs = time.perf_counter() - t
            out.seek(0)
            report = out.read()
            if p.returncode not in (0, 1) or "terminated by signal" in report:
                sys.exit(f"{' '.join(cmd)}: exit {p.returncode}: {report} {p.stderr.decode(errors='replace')}")
            best = secs if best is None else min(best, secs)
            rss = max(rss, int(report.split()[-1]))
    return best, rss


def main():
    telltale = sys.argv[1]
    target = int(sys.argv[2]) if len(sys.argv) > 2 else 1_000_000
    with tempfile.TemporaryDirectory(prefix="tt-bench-pcap-") as tmp:
        mix_path, flood_path = os.path.join(tmp, "mixed.pcap"), os.path.join(tmp, "flood.pcap")
        t = time.perf_counter()
        n, mix = mixed(mix_path, target)
        n_flood = R.hello_flood(flood_path, 200000, segments=3)
        print(f"generated {n} mixed packets ({os.path.getsize(mix_path) >> 20} MiB; {mix}) and {n_flood} flood "
              f"packets in {time.perf_counter() - t:.1f} s")
        tt, tt_rss = timed([telltale, "pcap", mix_path])
        td, _ = timed(["tcpdump", "-r", mix_path, "-w", "/dev/null"])
        ts, _ = timed(["tshark", "-n", "-r", mix_path, "-T", "fields", "-e", "dns.qry.name",
                       "-e", "tls.handshake.extensions_server_name", "-e", "tls.handshake.extensions_alpn_str"], runs=1)
        tf, flood_rss = timed([telltale, "pcap", flood_path])
        pps = lambda secs: n / secs  # noqa: E731
        print(f"{'':22}{'seconds':>10}{'packets/s':>14}")
        for name, secs in (("telltale pcap", tt), ("tcpdump -r -w null", td), ("tshark -T fields", ts)):
            print(f"{name:22}{secs:10.2f}{pps(secs):14,.0f}")
        print(f"telltale / tcpdump: {td / tt:.2f}x the read ceiling's speed (target >= 0.5)")
        print(f"telltale / tshark:  {ts / tt:.1f}x faster (target >= 20)")
        print(f"telltale peak RSS: {tt_rss / 1024:.1f} MiB on the mixed capture, {flood_rss / 1024:.1f} MiB on the "
              f"flood ({n_flood} packets, {n_flood / tf:,.0f} packets/s) (target < 64 MiB)")
        missed = []
        if td / tt < 0.5:
            missed.append("tcpdump ratio")
        if ts / tt < 20:
            missed.append("tshark ratio")
        if max(tt_rss, flood_rss) >= 64 * 1024:
            missed.append("peak RSS")
    if missed:
        print("MISSED: " + ", ".join(missed))
        sys.exit(0 if os.environ.get("TT_BENCH_NO_TARGETS") else 1)


if __name__ == "__main__":
    main()
