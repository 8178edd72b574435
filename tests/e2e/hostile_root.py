#!/usr/bin/env python3
"""Runs telltale on the hostile-root fixture (tests/fixtures/sysroots/hostile-root, see its
README.md) in every output mode and checks what no trap may cause:

- the scan ends with status 0 or 1 (2 is an error, anything else a crash or a signal);
- no raw ESC (0x1b) or BEL (0x07) byte reaches stdout or stderr, in any mode;
- every stdout line of the JSON modes (--format json, --observations) is a JSON value;
- no line of the host's own /etc/passwd appears in any output: a read left the root.

Usage: hostile_root.py TELLTALE ROOT
"""
import json
import subprocess
import sys

MODES = {
        "json": ["--format", "json"],
        "text": ["--format", "text"],
        "observations": ["--observations"],
}


def host_passwd_lines():
        with open("/etc/passwd", "rb") as f:
                return [line for line in f.read().splitlines() if line.strip()]


def check(name, p, passwd):
        errors = []
        if p.returncode not in (0, 1):
                errors.append(f"exit status {p.returncode}")
        for stream, data in (("stdout", p.stdout), ("stderr", p.stderr)):
                for byte, label in ((b"\x1b", "ESC"), (b"\x07", "BEL")):
                        at = data.find(byte)
                        if at >= 0:
                                near = data[max(0, at - 40):at + 40]
                                errors.append(f"raw {label} in {stream} at byte {at}: {near!r}")
                for line in passwd:
                        if line in data:
                                errors.append(f"host /etc/passwd line in {stream}: {line[:60]!r}")
        if name != "text":
                for n, line in enumerate(p.stdout.splitlines(), 1):
                        try:
                                json.loads(line)
                        except ValueError as e:
                                errors.append(f"stdout line {n} is not JSON ({e}): {line[:120]!r}")
        return errors


def main():
        if len(sys.argv) != 3:
                sys.exit(__doc__.strip().splitlines()[-1])
        telltale, root = sys.argv[1], sys.argv[2]
        passwd = host_passwd_lines()
        if not passwd:
                sys.exit("FAIL: the host's /etc/passwd is empty; nothing to compare against")
        failed = False
        for name, args in MODES.items():
                try:
                        p = subprocess.run([telltale, "scan", "--root", root] + args, capture_output=True,
                                           timeout=120)
                except subprocess.TimeoutExpired:
                        print(f"FAIL [{name}]: no result within 120 s (a trap made the scan hang)")
                        failed = True
                        continue
                lines = p.stdout.count(b"\n")
                print(f"[{name}] exit {p.returncode}, {lines} stdout lines, {len(p.stderr)} stderr bytes")
                for e in check(name, p, passwd):
                        print(f"FAIL [{name}]: {e}")
                        failed = True
        sys.exit(1 if failed else 0)


if __name__ == "__main__":
        main()
