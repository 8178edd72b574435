#!/usr/bin/env python3
"""The journal output against a journald stand-in: in a private mount
namespace a tmpfs covers /run and the test listens on
/run/systemd/journal/socket as journald does, reading the native protocol.
Every event carries MESSAGE_ID (128 bits derived from the rule id: the same
for every event of a rule, different between rules), PRIORITY, and the
finding as TELLTALE_* fields. Without the socket the daemon says so at
start-up.

Needs CAP_SYS_ADMIN for the mount namespace (root in CI).

usage: daemon_journal.py TELLTALE"""
import hashlib
import os
import socket
import struct
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from daemon_harness import Daemon, check, finish, fixture_root, path_rules, require, tempdir

telltale = sys.argv[1]
if "--inner" not in sys.argv:
    unshare = require("unshare", "a private mount namespace for the journald stand-in")
    p = subprocess.run([unshare, "--mount", "--propagation", "private", sys.executable, __file__, telltale, "--inner"])
    sys.exit(p.returncode)

subprocess.run(["mount", "-t", "tmpfs", "tmpfs", "/run"], check=True)
d = tempdir("journal")
root = fixture_root(d)
for i in range(2):
    open(os.path.join(root, "watch", f"f{i:04d}"), "w").close()
config = (f"state_dir: {d}/state\nprobes:\n  path: {{interval: 100ms}}\n"
          "outputs:\n  - type: journal\n  - type: stdout\n")

# No journald: said at start-up, stdout goes on.
daemon = Daemon(telltale, d, config, root, path_rules(2), name="nojournal").start()
time.sleep(0.5)
daemon.stop()
check("output journal: error: cannot connect to the journal at /run/systemd/journal/socket: No such file or directory"
      in daemon.err(), "without journald: said clearly at start-up")
check(daemon.out().count(" new high test.f") == 2, "without journald: stdout still gets the findings")

os.makedirs("/run/systemd/journal")
journal = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
journal.bind("/run/systemd/journal/socket")
journal.settimeout(10)


def parse_native(data):
    """journald's native protocol: KEY=VALUE\\n, or KEY\\n + le64 size + value + \\n."""
    fields, i = {}, 0
    while i < len(data):
        nl = data.index(b"\n", i)
        line = data[i:nl]
        if b"=" in line:
            k, v = line.split(b"=", 1)
            i = nl + 1
        else:
            k = line
            (size,) = struct.unpack("<Q", data[nl + 1:nl + 9])
            v = data[nl + 9:nl + 9 + size]
            i = nl + 9 + size + 1
        fields[k.decode()] = v.decode(errors="replace")
    return fields


def message_id(rule):
    return hashlib.sha256(b"telltale journal MESSAGE_ID\0" + rule.encode()).hexdigest()[:32]


daemon = Daemon(telltale, d, config.replace("state\n", "state2\n"), root, path_rules(2), name="journal").start()
got = []
try:
    while len(got) < 2:
        got.append(parse_native(journal.recv(1 << 20)))
except socket.timeout:
    pass
os.unlink(os.path.join(root, "watch", "f0001"))
try:
    got.append(parse_native(journal.recv(1 << 20)))
except socket.timeout:
    pass
daemon.stop()
try:
    got.append(parse_native(journal.recv(1 << 20)))
except socket.timeout:
    pass
check("cannot connect to the journal" not in daemon.err(), "with journald: no complaint")
check(len(got) == 4, f"two new, one cleared, the stop event ({len(got)})")
by = {(g.get("TELLTALE_RULE"), g.get("TELLTALE_EVENT")): g for g in got}
for rule, event in (("test.f0000", "new"), ("test.f0001", "new"), ("test.f0001", "cleared"),
                    ("tamper.stopping", "new")):
    g = by.get((rule, event))
    if not check(g is not None, f"journal: {rule} {event}"):
        continue
    check(g.get("MESSAGE_ID") == message_id(rule), f"journal: {rule}: MESSAGE_ID derived from the rule id")
    check(g.get("SYSLOG_IDENTIFIER") == "telltale" and g.get("SYSLOG_FACILITY") == "10", f"journal: {rule}: identity")
    check(len(g.get("TELLTALE_ID", "")) == 32 and g.get("TELLTALE_HOST") == "lt-0421", f"journal: {rule}: id, host")
    check(g.get("MESSAGE", "").startswith(f"{event} "), f"journal: {rule}: MESSAGE is the text line")
new0 = by.get(("test.f0000", "new"), {})
check(new0.get("PRIORITY") == "3" and new0.get("TELLTALE_SEVERITY") == "high" and
      new0.get("TELLTALE_CATEGORY") == "remote-access" and new0.get("TELLTALE_TECHNIQUE") == "T1219.002" and
      new0.get("TELLTALE_PRODUCT") == "Test 0000" and new0.get("TELLTALE_EVIDENCE", "").startswith("path path=/watch/"),
      "journal: the finding's fields")
check(by.get(("test.f0001", "new"), {}).get("MESSAGE_ID") == by.get(("test.f0001", "cleared"), {}).get("MESSAGE_ID")
      and message_id("test.f0000") != message_id("test.f0001"), "journal: one MESSAGE_ID per rule")
finish()
