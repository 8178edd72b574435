#!/usr/bin/env python3
"""What the idle daemon costs: `telltale daemon` with the default probes on
this machine (live root), for a minute or more, with CPU as a percentage of
one core and RSS read from /proc/<pid>/stat and /proc/<pid>/status; next to
references measured the same way in the same run (an idle `sleep`, and the
one-shot cost of the look an admin's cron job would take,
`ps aux; ss -tanp; lsusb -v`), printed as ratios. Targets: under 1% of a
core and under 10 MB RSS. Then the peak RSS with each kind of remote output
delivering to a real rsyslog on loopback (the budget is for the default
outputs; a deployment adds one of these), and the hotplug latency, from
tests/e2e/daemon_hotplug.py.

usage: idle.py TELLTALE [SECONDS]   (default 150: two rounds of the periodic probes)
exit 1 when a target is missed."""
import os
import resource
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
telltale = os.path.abspath(sys.argv[1])
seconds = float(sys.argv[2]) if len(sys.argv) > 2 else 150.0
ticks = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid):
    """CPU time of every thread, in nanoseconds from schedstat where the
    kernel has it (stat's utime and stime count 10 ms ticks: an idle minute
    reads 0)."""
    try:
        total = 0
        for tid in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{tid}/schedstat") as f:
                total += int(f.read().split()[0])
        return total / 1e9
    except (FileNotFoundError, ValueError):
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / ticks  # utime, stime


def rss_kib(pid, key="VmRSS"):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1])
    return 0


d = tempfile.mkdtemp(prefix="tt-bench-")
os.chmod(d, 0o755)  # the collectors run as nobody
config = os.path.join(d, "telltale.yaml")
with open(config, "w") as f:
    f.write(f"state_dir: {d}/state\noutputs:\n  - type: stdout\n    format: json\n")

# Reference 1: an idle process, the floor of what this measurement shows.
sleeper = subprocess.Popen(["sleep", str(seconds + 30)])
# The daemon: default probes, the shipped catalog, the live system.
out = open(os.path.join(d, "daemon.out"), "w")
err = open(os.path.join(d, "daemon.err"), "w")
daemon = subprocess.Popen([telltale, "daemon", "--config", config], stdout=out, stderr=err)
time.sleep(3)  # start-up scan done; what follows is the idle state
if daemon.poll() is not None:
    with open(os.path.join(d, "daemon.err")) as f:
        sys.exit(f"FAIL the daemon exited at start-up:\n{f.read()}")
startup_cpu = cpu_seconds(daemon.pid)
print(f"daemon start-up (first scan of every probe): {startup_cpu * 1000:.0f} ms CPU, "
      f"peak RSS so far {rss_kib(daemon.pid, 'VmHWM') / 1024:.1f} MiB")
print(f"measuring {seconds:.0f} s ...", flush=True)
# Both measured over the same minute: one sample loop reads both.
c0d, c0s, t0 = cpu_seconds(daemon.pid), cpu_seconds(sleeper.pid), time.monotonic()
peak = 0
while time.monotonic() - t0 < seconds:
    time.sleep(1)
    peak = max(peak, rss_kib(daemon.pid))
elapsed = time.monotonic() - t0
cpu = 100.0 * (cpu_seconds(daemon.pid) - c0d) / elapsed
cpu_sleep = 100.0 * (cpu_seconds(sleeper.pid) - c0s) / elapsed
rss = rss_kib(daemon.pid)
hwm = rss_kib(daemon.pid, "VmHWM")
rss_sleep = rss_kib(sleeper.pid)

# Reference 2: one look by hand at processes, sockets and USB, what a
# periodic script would cost per run (median of five).
BASELINE = "ps aux; ss -tanp; lsusb -v"
costs = []
for _ in range(5):
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run(BASELINE, shell=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    costs.append((after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime))
oneshot = sorted(costs)[2]

daemon.terminate()
daemon.wait(30)
sleeper.kill()
sleeper.wait()

print(f"{'':28} {'CPU % of a core':>16} {'RSS MiB':>9}")
print(f"{'telltale daemon (idle)':28} {cpu:16.3f} {rss / 1024:9.1f}   (peak {max(peak, hwm) / 1024:.1f} MiB)")
print(f"{'sleep (reference)':28} {cpu_sleep:16.3f} {rss_sleep / 1024:9.1f}")
per_minute = 100 * oneshot / 60
print(f"{BASELINE + ', once':28} {oneshot * 1000:13.0f} ms {'':9}   (= {per_minute:.3f}% if run every minute)")
print(f"ratios: idle daemon CPU / that look once a minute = {cpu / max(per_minute, 1e-9):.2f}x; "
      f"daemon RSS / sleep RSS = {rss / max(rss_sleep, 1):.1f}x")
ok = True
if cpu >= 1.0:
    print(f"FAIL idle CPU {cpu:.3f}% is not under 1% of a core")
    ok = False
if hwm >= 10 * 1024:
    print(f"FAIL peak RSS {hwm / 1024:.1f} MiB is not under 10 MB")
    ok = False

# With a remote output: a real collector, a delivered start-up (findings,
# heartbeat), then RSS.
sys.path.insert(0, os.path.join(HERE, "..", "e2e"))
from daemon_harness import Certs, Rsyslog, free_port  # noqa: E402

os.makedirs(os.path.join(d, "certs"))
certs = Certs(os.path.join(d, "certs"))
for proto in ("relp", "relp-tls", "tls", "tcp"):
    port = free_port()
    collector = Rsyslog(os.path.join(d, "rsyslog-" + proto), proto, port, certs)
    collector.start()
    tls = f"    tls: {{ca: {certs.ca}, cert: {certs.client}, key: {certs.client_key}}}\n" if "tls" in proto else ""
    # RELP's TLS checks the collector's name, not its address.
    target = f"relp://localhost:{port}" if proto == "relp-tls" else f"{proto}://127.0.0.1:{port}"
    remote_config = os.path.join(d, f"telltale-{proto}.yaml")
    with open(remote_config, "w") as f:
        f.write(f"state_dir: {d}/state-{proto}\nreport:\n  min_severity: info\noutputs:\n  - type: remote\n"
                f"    target: {target}\n    format: rfc5424\n    heartbeat: 2s\n{tls}")
    p = subprocess.Popen([telltale, "daemon", "--config", remote_config], stdout=subprocess.DEVNULL,
                         stderr=open(os.path.join(d, f"daemon-{proto}.err"), "w"))
    time.sleep(10)
    delivered = len(collector.lines())
    remote_hwm = rss_kib(p.pid, "VmHWM")
    p.terminate()
    p.wait(30)
    collector.stop()
    print(f"with a {proto} output: peak RSS {remote_hwm / 1024:.1f} MiB ({delivered} messages delivered in 10 s)")
    if delivered == 0:
        print(f"FAIL nothing reached the {proto} collector")
        ok = False

# Hotplug to finding, measured by the e2e test with umockdev.
p = subprocess.run([sys.executable, os.path.join(HERE, "..", "e2e", "daemon_hotplug.py"), telltale],
                   capture_output=True, text=True)
for line in p.stdout.splitlines():
    if "to finding:" in line or "to cleared:" in line:
        print(line)
if p.returncode != 0:
    print("FAIL hotplug test:\n" + p.stdout + p.stderr)
    ok = False
sys.exit(0 if ok else 1)
