#!/usr/bin/env python3
"""What a full `telltale scan` of the live system costs, next to the
commands an admin would type for a look at the same things, in one shell:
`ps aux; ss -tanp; lsusb -v`. Runs interleaved, medians of wall and CPU
time printed as ratios, and the peak RSS of each. (The idle daemon:
idle.py.)

usage: scan.py TELLTALE [--runs N]"""
import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

BASELINE = "ps aux; ss -tanp; lsusb -v"


def measure(argv):
    """Wall seconds, CPU seconds (user+sys) and peak RSS (KiB) of one run.
    The RSS comes from /usr/bin/time: a child forked from this Python
    inherits its resident size in ru_maxrss, one forked from time does not."""
    with tempfile.NamedTemporaryFile("r") as rss:
        start = time.monotonic()
        p = subprocess.Popen(["/usr/bin/time", "-q", "-f", "%M %x", "-o", rss.name, *argv], stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL)
        _, _, ru = os.wait4(p.pid, 0)
        wall = time.monotonic() - start
        p.returncode = 0
        peak, status = (int(x) for x in rss.read().split())
    return wall, ru.ru_utime + ru.ru_stime, peak, status


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("telltale")
    ap.add_argument("--runs", type=int, default=15)
    a = ap.parse_args()
    missing = [p for p in ("ps", "ss", "lsusb", "/usr/bin/time") if not shutil.which(p)]
    if missing:
        sys.exit(f"missing {', '.join(missing)} for the baseline (procps, iproute2, usbutils, time)")

    scan, base = [], []
    for _ in range(a.runs):
        scan.append(measure([a.telltale, "scan", "--format", "json"]))
        base.append(measure(["sh", "-c", BASELINE]))
    bad = [r[3] for r in scan if r[3] not in (0, 1)]
    if bad:
        sys.exit(f"telltale scan failed: exit {bad[0]}")

    def med(rows, i):
        return statistics.median(r[i] for r in rows)

    usb = len(os.listdir("/sys/bus/usb/devices")) if os.path.isdir("/sys/bus/usb/devices") else 0
    with open("/proc/loadavg") as f:
        load = f.read().split()[0]
    print(f"machine: {os.cpu_count()} CPUs, load {load}, {len(os.listdir('/proc'))} /proc entries, "
          f"{usb} USB devices; {a.runs} interleaved runs each, medians")
    print(f"{'':28} {'wall ms':>9} {'cpu ms':>9} {'max RSS KiB':>13}")
    print(f"{'telltale scan':28} {med(scan, 0) * 1e3:9.1f} {med(scan, 1) * 1e3:9.1f} {max(r[2] for r in scan):13d}")
    print(f"{BASELINE:28} {med(base, 0) * 1e3:9.1f} {med(base, 1) * 1e3:9.1f} {max(r[2] for r in base):13d}")
    print(f"ratio scan/baseline: wall {med(scan, 0) / med(base, 0):.2f}x, cpu {med(scan, 1) / max(med(base, 1), 1e-6):.2f}x, "
          f"peak RSS {max(r[2] for r in scan) / max(r[2] for r in base):.2f}x")


if __name__ == "__main__":
    main()
