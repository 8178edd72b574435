#!/usr/bin/env python3
"""The real binary under its sandbox (daemon/sandbox.c): `telltale scan`
installs the seccomp filter and no_new_privs and still reports what it
reported before; the daemon runs with only its three capabilities, reloads,
reports, survives an allowed system call injected with gdb and is killed by
SIGSYS for a forbidden one (mount). The forbidden-call table itself is in
tests/unit/test-sandbox.c."""
import json
import os
import platform
import re
import shutil
import signal
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from daemon_harness import Daemon, check, finish, require, tempdir, wait_for  # noqa: E402

telltale = sys.argv[1]
source = os.environ["TT_SOURCE_ROOT"]
fixtures = os.path.join(source, "tests", "fixtures", "sysroots")
catalog = os.environ["TELLTALE_CATALOG_DIR"]
strace = require("strace", "to see the filter go in")
gdb = require("gdb", "to make the daemon call a forbidden system call")
setpriv = require("setpriv", "to scan as an unprivileged user")

# Numbers gdb hands to syscall(2) inside the daemon.
SYSCALLS = {"x86_64": {"getpid": 39, "mount": 165}, "aarch64": {"getpid": 172, "mount": 40}}
arch = platform.machine()
if arch not in SYSCALLS:
    print(f"SKIP no system call numbers for {arch} in this test")
    sys.exit(77)
NR = SYSCALLS[arch]

CAP_DAC_READ_SEARCH, CAP_NET_RAW, CAP_SYS_PTRACE = 2, 13, 19
# Under --root there is no live capture, so no CAP_NET_RAW (daemon_sessions.py checks it is kept live).
DAEMON_CAPS = (1 << CAP_DAC_READ_SEARCH) | (1 << CAP_SYS_PTRACE)


def scan(*args, wrap=(), env=None, binary=telltale):
    return subprocess.run([*wrap, binary, "scan", *args], capture_output=True, text=True, timeout=120, env=env,
                          cwd="/")


# LeakSanitizer stops the process's threads with ptrace, which strace holds.
traced_env = dict(os.environ, ASAN_OPTIONS=os.environ.get("ASAN_OPTIONS", "") + ":detect_leaks=0")


def findings(out):
    """The JSON findings without their times, which differ run to run."""
    return [{k: v for k, v in json.loads(line).items() if k not in ("time", "first_seen", "last_seen")}
            for line in out.splitlines()]


def status_fields(pid):
    with open(f"/proc/{pid}/status") as f:
        return dict(line.rstrip("\n").split(":\t", 1) for line in f if ":\t" in line)


d = tempdir("sandbox")

# --- scan: the filter goes in, the findings are the same as unsandboxed
# (the fixture tests hold the expected findings; here: same run, same output).
for name, want_rc in (("anydesk-running", 1), ("clean-laptop", 0), ("hostile-root", None)):
    root = os.path.join(fixtures, name)
    log = os.path.join(d, f"scan-{name}.strace")
    plain = scan("--root", root, "--format", "json")
    traced = scan("--root", root, "--format", "json",
                  wrap=(strace, "-f", "-qq", "-e", "trace=seccomp,prctl", "-o", log), env=traced_env)
    with open(log) as f:
        trace = f.read()
    check(re.search(r"prctl\(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0\) = 0", trace) is not None,
          f"scan {name}: no_new_privs set")
    check(re.search(r"seccomp\(SECCOMP_SET_MODE_FILTER, 0, \{len=\d+, filter=0x[0-9a-f]+\}\) = 0", trace)
          is not None, f"scan {name}: seccomp filter installed")
    check(traced.returncode >= 0, f"scan {name}: not killed by a signal (rc {traced.returncode})")
    check(want_rc is None or plain.returncode == want_rc, f"scan {name}: exit {want_rc} (got {plain.returncode})")
    check(traced.returncode == plain.returncode and findings(traced.stdout) == findings(plain.stdout),
          f"scan {name}: same exit status and findings under strace")

# The live system, as root (keeps CAP_DAC_READ_SEARCH, CAP_SYS_PTRACE) and
# as nobody (keeps nothing): every probe runs to the end under the filter.
# nobody gets its own copy of the binary and catalog: the checkout may sit
# where only root can reach (a private temporary directory).
mine = os.path.join(d, "nobody")
os.makedirs(mine)
shutil.copy2(telltale, os.path.join(mine, "telltale"))
shutil.copytree(catalog, os.path.join(mine, "catalog"))
nobody_env = dict(os.environ, TELLTALE_CATALOG_DIR=os.path.join(mine, "catalog"))
for who, wrap, binary, env in (("root", (), telltale, None),
                               ("nobody", (setpriv, "--reuid=65534", "--regid=65534", "--clear-groups"),
                                os.path.join(mine, "telltale"), nobody_env)):
    p = scan("--observations", wrap=wrap, binary=binary, env=env)
    check(p.returncode == 0 and '"kind":"process"' in p.stdout,
          f"live scan as {who}: completes under the sandbox (rc {p.returncode}) and sees processes")
    check("Bad system call" not in p.stderr, f"live scan as {who}: nothing hit the filter")

# --- daemon
config = f"state_dir: {d}/state\nreport:\n  min_severity: medium\noutputs:\n  - type: stdout\n    format: json\n"
daemon = Daemon(telltale, d, config, os.path.join(fixtures, "anydesk-running"),
                env={"TELLTALE_CATALOG_DIR": catalog}).start()
pid = daemon.proc.pid
st = status_fields(pid)
check(st.get("Seccomp") == "2" and st.get("NoNewPrivs") == "1", "daemon: seccomp filter mode, no_new_privs")
if os.geteuid() == 0:
    for field in ("CapEff", "CapPrm", "CapBnd"):
        check(int(st[field], 16) == DAEMON_CAPS,
              f"daemon: {field} is CAP_DAC_READ_SEARCH, CAP_SYS_PTRACE only ({st[field]})")
for field in ("CapInh", "CapAmb"):
    check(int(st[field], 16) == 0, f"daemon: {field} empty")
check(wait_for(lambda: "remote-access.anydesk" in daemon.out(), 30), "daemon: reports the fixture's AnyDesk")
check(daemon.reload() and daemon.proc.poll() is None, "daemon: SIGHUP reload works under the sandbox")


def gdb_call(nr):
    return subprocess.run([gdb, "-nx", "-batch", "-p", str(pid), "-ex", f"call (long) syscall({nr}L, 0L, 0L, 0L, 0L)"],
                          capture_output=True, text=True, timeout=120)


g = gdb_call(NR["getpid"])
check(re.search(rf"= {pid}\b", g.stdout) is not None and daemon.proc.poll() is None,
      "daemon: an allowed call (getpid) injected with gdb returns and the daemon lives on")
if daemon.proc.poll() is not None:
    print(g.stdout, g.stderr)
g = gdb_call(NR["mount"])
try:
    rc = daemon.proc.wait(timeout=10)
except subprocess.TimeoutExpired:
    rc = None
    daemon.stop()
check(rc == -signal.SIGSYS, f"daemon: a forbidden call (mount) kills it with SIGSYS (rc {rc})")
if rc != -signal.SIGSYS:
    print(g.stdout, g.stderr, daemon.err(), sep="\n")
finish()
