#!/usr/bin/env python3
"""Damaged capture files: a clear error (exit 2, one stderr line naming the
file), never a crash, and what was read before the damage still reported.

Starting from the laptop-farm scenario (pcap and pcapng, written fresh by
tests/fixtures/pcap/make-pcaps.py): cut mid-record, cut inside a record
header, cut inside the file header, empty, bad magic, random garbage, a
record claiming a huge captured length, pcapng blocks with a bad total
length (huge, not a multiple of 4, below the minimum, disagreeing with the
trailer), a directory, a missing file, and a damaged file between two good
ones.

Usage: pcap_damaged.py TELLTALE
"""
import json
import os
import random
import struct
import subprocess
import sys
import tempfile

try:
    import scapy  # noqa: F401
except ImportError:  # meson's python3 may be another interpreter; Debian's has python3-scapy
    os.execv("/usr/bin/python3", ["/usr/bin/python3"] + sys.argv)

SRC = os.environ.get("TT_SOURCE_ROOT", os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
sys.path.insert(0, os.path.join(SRC, "tests", "fixtures", "pcap"))
import importlib.util  # noqa: E402

spec = importlib.util.spec_from_file_location("make_pcaps", os.path.join(SRC, "tests", "fixtures", "pcap",
                                                                         "make-pcaps.py"))
make_pcaps = importlib.util.module_from_spec(spec)
spec.loader.exec_module(make_pcaps)

errors = []


def fail(msg):
    print("FAIL: " + msg)
    errors.append(msg)


def run(telltale, *args):
    p = subprocess.run([telltale, "pcap", *args], capture_output=True, timeout=60)
    if p.returncode < 0:
        fail(f"{args}: killed by signal {-p.returncode}")
    return p.returncode, p.stdout.decode("utf-8", "replace"), p.stderr.decode("utf-8", "replace")


def pcap_records(data):
    """(offset, length) of each record of a classic little-endian pcap."""
    off, out = 24, []
    while off + 16 <= len(data):
        caplen = struct.unpack_from("<I", data, off + 8)[0]
        out.append((off, 16 + caplen))
        off += 16 + caplen
    return out


def pcapng_blocks(data):
    off, out = 0, []
    while off + 12 <= len(data):
        btype, blen = struct.unpack_from("<II", data, off)
        out.append((off, btype, blen))
        off += blen
    return out


def rules_of(stdout):
    rules = set()
    for line in stdout.splitlines():
        f = json.loads(line)
        rules.add(f["rule"])
    return rules


def expect_error(telltale, path, what, before=None, observations_before=None):
    """exit 2, one line naming the file; `before` rules still reported."""
    code, out, err = run(telltale, "--format", "json", path)
    lines = [ln for ln in err.splitlines() if ln.strip()]
    if code != 2:
        fail(f"{what}: exit {code}, expected 2")
    if len(lines) != 1 or path not in lines[0]:
        fail(f"{what}: stderr should be one line naming {path}: {err!r}")
    try:
        got = rules_of(out)
    except (json.JSONDecodeError, KeyError) as e:
        fail(f"{what}: stdout is not findings as JSON lines ({e}): {out[:200]!r}")
        return
    for r in before or ():
        if r not in got:
            fail(f"{what}: finding {r} from before the damage is missing (got {sorted(got)})")
    if not before and got:
        fail(f"{what}: findings from a file that has none readable: {sorted(got)}")
    if observations_before is not None:
        code, out, err = run(telltale, "--observations", path)
        kinds = {json.loads(line)["kind"] for line in out.splitlines()}
        if code != 2 or not set(observations_before) <= kinds:
            fail(f"{what} --observations: exit {code}, kinds {sorted(kinds)}, expected {observations_before}")
    print(f"ok: {what}: {lines[0] if lines else ''}")


def main():
    telltale = sys.argv[1]
    with tempfile.TemporaryDirectory(prefix="tt-pcap-damaged-") as tmp:
        make_pcaps.write_all(tmp)
        good = open(os.path.join(tmp, "laptop-farm.pcap"), "rb").read()
        goodng = open(os.path.join(tmp, "laptop-farm.pcapng"), "rb").read()

        def put(name, data):
            p = os.path.join(tmp, name)
            with open(p, "wb") as f:
                f.write(data)
            return p

        # The whole file: what the damaged copies are measured against.
        code, out, err = run(telltale, "--format", "json", os.path.join(tmp, "laptop-farm.pcap"))
        full = rules_of(out)
        if code != 1 or err.strip() or "remote-access.anydesk" not in full:
            fail(f"intact laptop-farm.pcap: exit {code}, stderr {err!r}, rules {sorted(full)}")
        recs = pcap_records(good)
        # The AnyDesk DNS answer and relay TLS come first, the inbound VNC after them.
        early = {"remote-access.anydesk", "remote-access.vnc-inbound"}
        vnc_end = next(off + ln for off, ln in recs if b"RFB 003.008" in good[off:off + ln]) + 200
        last_off, last_len = recs[-1]
        expect_error(telltale, put("cut-mid-record.pcap", good[:last_off + last_len // 2]), "cut mid-record",
                     early, ["dns", "tls", "rfb"])
        mid = next(off for off, _ in recs if off > vnc_end)
        expect_error(telltale, put("cut-mid-header.pcap", good[:mid + 7]), "cut inside a record header", early)
        expect_error(telltale, put("cut-file-header.pcap", good[:13]), "cut inside the file header")
        expect_error(telltale, put("empty.pcap", b""), "empty file")
        expect_error(telltale, put("bad-magic.pcap", b"\xde\xad\xbe\xef" + good[4:]), "bad magic")
        rnd = random.Random(5)
        expect_error(telltale, put("garbage.pcap", bytes(rnd.randrange(256) for _ in range(8192))), "garbage")
        huge = bytearray(good)
        struct.pack_into("<II", huge, mid + 8, 0x7FFFFFFF, 0x7FFFFFFF)
        expect_error(telltale, put("huge-caplen.pcap", bytes(huge)), "a record claiming 2 GiB", early)

        blocks = pcapng_blocks(goodng)
        epbs = [(off, blen) for off, t, blen in blocks if t == 6]
        target = next(off for off, blen in epbs if off > len(goodng) // 2)
        for what, value in [("huge", 0x7FFFFFF0), ("not a multiple of 4", None), ("below the minimum", 8)]:
            bad = bytearray(goodng)
            blen = struct.unpack_from("<I", bad, target + 4)[0]
            struct.pack_into("<I", bad, target + 4, blen + 2 if value is None else value)
            expect_error(telltale, put(f"pcapng-{what.replace(' ', '-')}.pcapng", bytes(bad)),
                         f"pcapng block length {what}", early)
        bad = bytearray(goodng)
        blen = struct.unpack_from("<I", bad, target + 4)[0]
        struct.pack_into("<I", bad, target + blen - 4, blen + 64)
        expect_error(telltale, put("pcapng-trailer.pcapng", bytes(bad)), "pcapng trailer length disagrees", early)
        expect_error(telltale, put("pcapng-cut.pcapng", goodng[:target + 30]), "pcapng cut mid-block", early)
        expect_error(telltale, put("pcapng-shb.pcapng", goodng[:8] + b"\x00\x00\x00\x00" + goodng[12:]),
                     "pcapng section header with a bad byte-order magic")
        expect_error(telltale, os.path.join(tmp, "does-not-exist.pcap"), "missing file")
        os.mkdir(os.path.join(tmp, "a-directory.pcap"))
        expect_error(telltale, os.path.join(tmp, "a-directory.pcap"), "a directory")

        # A damaged file between two good ones: both good ones count, one error line.
        clean = os.path.join(tmp, "clean-office.pcap")
        farm_ng = os.path.join(tmp, "laptop-farm.pcapng")
        code, out, err = run(telltale, "--format", "json", clean, os.path.join(tmp, "garbage.pcap"), farm_ng)
        lines = [ln for ln in err.splitlines() if ln.strip()]
        if code != 2 or len(lines) != 1 or "garbage.pcap" not in lines[0] or not full <= rules_of(out):
            fail(f"good, garbage, good: exit {code}, stderr {err!r}, rules {sorted(rules_of(out))}")
        # A capture header with no records is a valid, empty capture.
        code, out, err = run(telltale, "--format", "json", put("no-records.pcap", good[:24]))
        if code != 0 or out or err:
            fail(f"header only: exit {code}, stdout {out!r}, stderr {err!r}")
    print(f"{len(errors)} failure(s)")
    sys.exit(1 if errors else 0)


if __name__ == "__main__":
    main()
