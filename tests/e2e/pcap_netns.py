"""Network namespaces for the pcap tests (a helper module, not a test).

A "lab": namespaces joined by veth pairs, processes started inside them,
tcpdump capturing on one interface, and real servers to talk to (Servers:
x11vnc under Xvfb, xrdp, avahi-daemon, openssl s_server). Everything is torn
down on exit, and traffic never leaves the namespaces the lab created.

Without root, tests that need a lab skip (exit 77) and say why; as root
(CI), failing to build one is a failure, never a silent pass.
"""
import os
import signal
import subprocess
import sys
import tempfile
import time


def need_root(what):
    if os.geteuid() != 0:
        print(f"SKIP: {what} needs root for network namespaces (CAP_NET_ADMIN, CAP_SYS_ADMIN)")
        sys.exit(77)


def run(cmd, check=True, **kw):
    p = subprocess.run(cmd, capture_output=True, text=True, **kw)
    if check and p.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)}: exit {p.returncode}: {p.stderr.strip()}")
    return p


class Lab:
    def __init__(self, tag):
        self.tag = f"tt{tag}{os.getpid() % 100000}"
        self.namespaces = []
        self.procs = []

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def ns(self, short):
        name = f"{self.tag}-{short}"
        run(["ip", "netns", "add", name])
        self.namespaces.append(name)
        self.sh(name, "ip link set lo up")
        return name

    def sh(self, ns, command, check=True, timeout=60):
        return run(["ip", "netns", "exec", ns, "sh", "-c", command], check=check, timeout=timeout)

    def link(self, ns_a, if_a, addrs_a, ns_b, if_b, addrs_b, mtu=1500):
        """A veth pair; each side gets its addresses and on-link routes to the
        other side's, so private and public ranges meet on one wire. No
        segmentation offload: the capture sees segments of at most the MTU,
        as on a real wire, not the stack's 64 KiB super-packets."""
        run(["ip", "link", "add", if_a, "netns", ns_a, "mtu", str(mtu), "gso_max_segs", "1", "type", "veth", "peer",
             "name", if_b, "netns", ns_b, "mtu", str(mtu), "gso_max_segs", "1"])
        for ns, ifn, mine, theirs in ((ns_a, if_a, addrs_a, addrs_b), (ns_b, if_b, addrs_b, addrs_a)):
            # No IPv6 DAD or router solicitations: nothing but the test's traffic in the capture.
            self.sh(ns, f"sysctl -qw net.ipv6.conf.{ifn}.disable_ipv6=1", check=False)  # no IPv6 at all is fine
            for a in mine:
                self.sh(ns, f"ip addr add {a} dev {ifn}")
            self.sh(ns, f"ip link set {ifn} up")
            for a in theirs:
                net = a.split("/")[0]
                self.sh(ns, f"ip route replace {net}/32 dev {ifn}")

    def start(self, ns, cmd, **kw):
        p = subprocess.Popen(["ip", "netns", "exec", ns] + cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             start_new_session=True, **kw)
        self.procs.append(p)
        return p

    def stop(self, p, sig=signal.SIGTERM, timeout=10):
        if p.poll() is None:
            os.killpg(p.pid, sig)
            try:
                p.wait(timeout)
            except subprocess.TimeoutExpired:
                os.killpg(p.pid, signal.SIGKILL)
                p.wait()
        out, err = p.communicate()
        return out, err

    def capture(self, ns, ifname, path):
        """tcpdump on ifname until stop_capture(); returns once it listens."""
        p = self.start(ns, ["tcpdump", "-i", ifname, "--immediate-mode", "-U", "-s", "0", "-n", "-w", path])
        deadline = time.time() + 10
        line = b""
        while time.time() < deadline:
            line += p.stderr.readline()
            if b"listening on" in line:
                return p
            if p.poll() is not None:
                break
        raise RuntimeError(f"tcpdump on {ns}/{ifname} did not start: {line.decode(errors='replace')}")

    def stop_capture(self, p):
        time.sleep(0.3)  # the last packets through the kernel's queue
        self.stop(p, signal.SIGINT)

    def close(self):
        # SIGTERM first: Xvfb and avahi-daemon remove their sockets and locks.
        for p in self.procs:
            if p.poll() is None:
                try:
                    os.killpg(p.pid, signal.SIGTERM)
                except ProcessLookupError:
                    pass
        for p in self.procs:
            try:
                p.wait(5)
            except subprocess.TimeoutExpired:
                os.killpg(p.pid, signal.SIGKILL)
                p.wait()
            for f in (p.stdout, p.stderr):
                if f:
                    f.close()
        for ns in self.namespaces:
            # Whatever still runs inside (daemons that forked) goes with it.
            pids = run(["ip", "netns", "pids", ns], check=False).stdout.split()
            for pid in pids:
                try:
                    os.kill(int(pid), signal.SIGKILL)
                except (ProcessLookupError, ValueError):
                    pass
            run(["ip", "netns", "del", ns], check=False)


def wait_port(lab, ns, port, timeout=15, proto="tcp"):
    deadline = time.time() + timeout
    flag = "-tln" if proto == "tcp" else "-uln"
    while time.time() < deadline:
        out = lab.sh(ns, f"ss {flag}", check=False).stdout
        if any(line.split()[3].endswith(f":{port}") for line in out.splitlines()[1:] if len(line.split()) > 3):
            return
        time.sleep(0.1)
    raise RuntimeError(f"nothing listens on {ns} port {port}")


AVAHI_CONF = """[server]
host-name={host}
domain-name=local
use-ipv4=yes
use-ipv6=no
enable-dbus=no
allow-interfaces=lan0
[publish]
publish-hinfo=no
publish-workstation=no
"""

SERVICE = """<?xml version="1.0" standalone='no'?>
<!DOCTYPE service-group SYSTEM "avahi-service.dtd">
<service-group>
  <name>{name}</name>
  <service><type>{type}</type><port>{port}</port><txt-record>{txt}</txt-record></service>
</service-group>
"""


class Servers:
    def __init__(self, lab, tmp):
        self.lab, self.tmp = lab, tmp

    def xvfb(self, ns):
        """An X server; returns its display once it accepts clients."""
        p = self.lab.start(ns, ["Xvfb", "-displayfd", "1", "-nolisten", "tcp", "-screen", "0", "800x600x24"])
        display = p.stdout.readline().decode().strip()
        if not display.isdigit():
            raise RuntimeError(f"Xvfb did not start: {p.stderr.read1(4096).decode(errors='replace')}")
        return ":" + display

    def desktop(self, ns):
        """x11vnc on an Xvfb screen, and xrdp; logs and pid files in the namespace's own tmpfs."""
        display = self.xvfb(ns)
        self.lab.start(ns, ["x11vnc", "-display", display, "-rfbport", "5900", "-forever", "-shared", "-nopw",
                            "-quiet", "-norc"])
        self.lab.start(ns, ["sh", "-c", "mount -t tmpfs tmpfs /var/log && mkdir -p /run/xrdp && "
                                        "mount -t tmpfs tmpfs /run/xrdp && exec xrdp --nodaemon"])
        wait_port(self.lab, ns, 5900)
        wait_port(self.lab, ns, 3389)

    def avahi(self, ns, host, name, stype, port, txt):
        d = tempfile.mkdtemp(dir=self.tmp)
        os.mkdir(os.path.join(d, "services"))
        with open(os.path.join(d, "avahi.conf"), "w") as f:
            f.write(AVAHI_CONF.format(host=host))
        with open(os.path.join(d, "services", "x.service"), "w") as f:
            f.write(SERVICE.format(name=name, type=stype, port=port, txt=txt))
        p = self.lab.start(ns, ["sh", "-c", f"mkdir -p /run/avahi-daemon && mount -t tmpfs tmpfs /run/avahi-daemon && "
                                            f"mount --bind {d}/services /etc/avahi/services && "
                                            f"exec avahi-daemon -f {d}/avahi.conf --no-drop-root --no-chroot "
                                            f"--no-rlimits --no-proc-title"])
        deadline = time.time() + 20
        log = b""
        while time.time() < deadline and b"successfully established" not in log:
            line = p.stderr.readline()
            if not line:
                break
            log += line
        if b"successfully established" not in log:
            raise RuntimeError(f"avahi-daemon did not publish: {log.decode(errors='replace')[-800:]}")
        time.sleep(1.5)  # the announcements follow the probes
        return p

    def tls_server(self, ns, subject, port=443):
        cert, key = os.path.join(self.tmp, f"cert-{port}.pem"), os.path.join(self.tmp, f"key-{port}.pem")
        run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "30", "-subj", subject,
                        "-keyout", key, "-out", cert])
        p = self.lab.start(ns, ["openssl", "s_server", "-accept", str(port), "-cert", cert, "-key", key, "-alpn",
                                "http/1.1"], stdin=subprocess.PIPE)  # EOF on stdin would end its sessions
        wait_port(self.lab, ns, port)
        return p

    def tls_visit(self, ns, addr, sni, version, port=443):
        self.lab.sh(ns, f"openssl s_client -connect {addr}:{port} {version} -servername {sni} -alpn h2,http/1.1 "
                        f"</dev/null", timeout=30)
