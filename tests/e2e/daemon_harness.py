"""Shared by the daemon tests: a real rsyslog on loopback (plain TCP, TLS with
a test CA and client certificates, RELP, UDP), test certificates made with
openssl, a fixture root whose findings the test controls, and the daemon
itself, followed through sd_notify (READY=1 after start and reload)."""
import atexit
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

failures = []


def check(cond, what):
    print(("ok   " if cond else "FAIL ") + what, flush=True)
    if not cond:
        failures.append(what)
    return cond


def finish():
    if failures:
        print(f"{len(failures)} check(s) failed:", *failures, sep="\n  ")
        sys.exit(1)
    sys.exit(0)


def reap(proc):
    """However the test ends, nothing it started outlives it."""
    def kill():
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    atexit.register(kill)


def require(program, why):
    """A program the test cannot do without: fail loudly (CI installs it)."""
    path = shutil.which(program) or (program if os.access(program, os.X_OK) else None)
    if not path:
        print(f"FAIL {program} not found ({why}); scripts/deps.sh installs it")
        sys.exit(1)
    return path


def free_port(kind=socket.SOCK_STREAM):
    with socket.socket(socket.AF_INET, kind) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(pred, timeout, step=0.05):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = pred()
        if value:
            return value
        time.sleep(step)
    return pred()


class Certs:
    """A test CA, a server certificate for 127.0.0.1/localhost, a client
    certificate, and for the negative tests a server certificate from another
    CA and one for the wrong name."""

    def __init__(self, d):
        self.d = d
        require("openssl", "test certificates")
        self.ca_key, self.ca = self._ca("ca", "telltale test CA")
        self.rogue_key, self.rogue_ca = self._ca("rogue", "rogue CA")
        self.server_key, self.server = self._leaf("server", "collector", self.ca_key, self.ca,
                                                  "subjectAltName=IP:127.0.0.1,DNS:localhost")
        self.client_key, self.client = self._leaf("client", "lt-0421", self.ca_key, self.ca,
                                                  "extendedKeyUsage=clientAuth")
        self.rogue_server_key, self.rogue_server = self._leaf("rogue-server", "collector", self.rogue_key,
                                                              self.rogue_ca, "subjectAltName=IP:127.0.0.1")
        self.wrongname_key, self.wrongname = self._leaf("wrongname", "collector", self.ca_key, self.ca,
                                                        "subjectAltName=DNS:other.example.net")
        for f in os.listdir(d):
            os.chmod(os.path.join(d, f), 0o644)

    def _run(self, *args):
        subprocess.run(["openssl", *args], check=True, capture_output=True)

    def _ca(self, name, cn):
        key, crt = os.path.join(self.d, name + ".key"), os.path.join(self.d, name + ".pem")
        self._run("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", key,
                  "-out", crt, "-days", "30", "-subj", "/CN=" + cn,
                  "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign")
        return key, crt

    def _leaf(self, name, cn, ca_key, ca, ext):
        key, csr, crt = (os.path.join(self.d, name + s) for s in (".key", ".csr", ".pem"))
        extfile = os.path.join(self.d, name + ".ext")
        with open(extfile, "w") as f:
            f.write(ext + "\n")
        self._run("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", key, "-out", csr,
                  "-subj", "/CN=" + cn)
        self._run("x509", "-req", "-in", csr, "-CA", ca, "-CAkey", ca_key, "-CAcreateserial", "-out", crt, "-days",
                  "30", "-extfile", extfile)
        return key, crt


class Rsyslog:
    """rsyslogd in the foreground with its own config, pid file and work dir,
    listening on 127.0.0.1 only, unprivileged (nobody), writing every message
    it receives as one line to out.log."""

    def __init__(self, d, proto, port, certs=None, server_cert=None, server_key=None):
        self.d, self.proto, self.port = d, proto, port
        self.out = os.path.join(d, "out.log")
        self.conf = os.path.join(d, "rsyslog.conf")
        self.pidfile = os.path.join(d, "rsyslog.pid")
        self.log = os.path.join(d, "rsyslog.stderr")
        self.proc = None
        work = os.path.join(d, "work")
        os.makedirs(work, exist_ok=True)
        for p in (d, work):
            os.chmod(p, 0o777)
        lines = [f'global(workDirectory="{work}" maxMessageSize="128k")']
        if proto == "tls":
            lines.append(f'global(DefaultNetstreamDriver="gtls" DefaultNetstreamDriverCAFile="{certs.ca}" '
                         f'DefaultNetstreamDriverCertFile="{server_cert or certs.server}" '
                         f'DefaultNetstreamDriverKeyFile="{server_key or certs.server_key}")')
            lines.append('module(load="imtcp" StreamDriver.Name="gtls" StreamDriver.Mode="1" '
                         'StreamDriver.Authmode="x509/certvalid")')
            lines.append(f'input(type="imtcp" address="127.0.0.1" port="{port}")')
        elif proto == "tcp":
            lines.append('module(load="imtcp")')
            lines.append(f'input(type="imtcp" address="127.0.0.1" port="{port}")')
        elif proto == "relp":
            lines.append('module(load="imrelp")')
            lines.append(f'input(type="imrelp" address="127.0.0.1" port="{port}")')
        elif proto == "relp-tls":
            lines.append('module(load="imrelp")')
            lines.append(f'input(type="imrelp" address="127.0.0.1" port="{port}" tls="on" tls.tlslib="openssl" '
                         f'tls.caCert="{certs.ca}" tls.myCert="{server_cert or certs.server}" '
                         f'tls.myPrivKey="{server_key or certs.server_key}" tls.authMode="certvalid")')
        elif proto == "udp":
            lines.append('module(load="imudp")')
            lines.append(f'input(type="imudp" address="127.0.0.1" port="{port}")')
        lines.append('template(name="raw" type="string" string="%rawmsg%\\n")')
        # Written out within a second, whatever the input's batching.
        lines.append(f'action(type="omfile" file="{self.out}" template="raw" asyncWriting="on" flushInterval="1" '
                     'flushOnTXEnd="on")')
        with open(self.conf, "w") as f:
            f.write("\n".join(lines) + "\n")
        self.rsyslogd = require("/usr/sbin/rsyslogd", "the collector")

    def start(self):
        if os.path.exists(self.pidfile):
            os.unlink(self.pidfile)
        cmd = [self.rsyslogd, "-n", "-f", self.conf, "-i", self.pidfile]
        if os.geteuid() == 0:
            cmd = ["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups", *cmd]
        self.stderr = open(self.log, "a")
        self.proc = subprocess.Popen(cmd, stdout=self.stderr, stderr=subprocess.STDOUT)
        reap(self.proc)
        if self.proto == "udp":
            ok = wait_for(lambda: os.path.exists(self.pidfile), 10)
            time.sleep(0.3)
        else:
            ok = wait_for(self._accepts, 10)
        if not ok or self.proc.poll() is not None:
            with open(self.log) as f:
                sys.exit(f"FAIL rsyslogd did not come up on port {self.port}:\n{f.read()}")

    def _accepts(self):
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                return True
        except OSError:
            return False

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None

    def lines(self):
        try:
            with open(self.out, errors="replace") as f:
                return [l.rstrip("\n") for l in f if l.strip()]
        except FileNotFoundError:
            return []


SD_PARAM = re.compile(r'([A-Za-z0-9_.-]+)="((?:[^"\\]|\\.)*)"')


def parse_rfc5424(line):
    """Header fields and the telltale@32473 structured data of one message;
    None when it is not RFC 5424 as telltale writes it."""
    m = re.match(r'<(\d+)>1 (\S+) (\S+) (\S+) (\S+) (\S+) (.*)$', line)
    if not m:
        return None
    rest = m.group(7)
    sd = {}
    while rest.startswith("["):
        end = 1
        while end < len(rest) and not (rest[end] == "]" and rest[end - 1] != "\\"):
            end += 1
        element = rest[1:end]
        sd_id, _, params = element.partition(" ")
        sd[sd_id] = {k: re.sub(r'\\(["\\\]])', r"\1", v) for k, v in SD_PARAM.findall(params)}
        rest = rest[end + 1:]
    if not sd:
        if not rest.startswith("- "):
            return None
        rest = rest[1:]
    elif not rest.startswith(" "):
        return None
    return {"pri": int(m.group(1)), "time": m.group(2), "host": m.group(3), "app": m.group(4), "pid": m.group(5),
            "msgid": m.group(6), "sd": sd, "msg": rest[1:]}


def events(lines, sd_id="telltale@32473"):
    """(id, event, rule) of every telltale message in lines."""
    out = []
    for line in lines:
        m = parse_rfc5424(line)
        if m and sd_id in m["sd"]:
            p = m["sd"][sd_id]
            out.append((p.get("id"), p.get("event"), p.get("rule")))
    return out


class Notify:
    """An sd_notify socket as systemd would provide it, read all the time as
    systemd does (a full socket would block the daemon)."""

    def __init__(self, path):
        self.path = path
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(self.path)
        self.messages = []
        self.lock = threading.Lock()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        while True:
            m = self.sock.recv(4096).decode(errors="replace")
            with self.lock:
                self.messages.append(m)

    def poll(self):
        with self.lock:
            return list(self.messages)

    def wait(self, text, timeout, after=0):
        return wait_for(lambda: any(text in m for m in self.poll()[after:]), timeout)


def fixture_root(d):
    root = os.path.join(d, "root")
    for sub in ("etc", "watch", "proc", "sys", "var/lib/dpkg", "run"):
        os.makedirs(os.path.join(root, sub), exist_ok=True)
    with open(os.path.join(root, "etc/hostname"), "w") as f:
        f.write("lt-0421\n")
    return root


def path_rules(n, prefix="test.f", severity="high"):
    """n catalog rules, one per file /watch/fNNNN of the fixture root."""
    out = ["rules:"]
    for i in range(n):
        out.append(f"  - id: {prefix}{i:04d}\n    product: Test {i:04d}\n    category: remote-access\n"
                   f"    severity: {severity}\n    technique: T1219.002\n    description: test rule\n"
                   f"    references: [https://example.org]\n    match: {{path: {{path: /watch/f{i:04d}}}}}")
    return "\n".join(out) + "\n"


def own_catalog(d):
    """A shipped-catalog directory of the test's own (one rule that never
    matches): the daemon tests are about the daemon, not about the catalog."""
    cat = os.path.join(d, "catalog")
    os.makedirs(cat, exist_ok=True)
    with open(os.path.join(cat, "base.yaml"), "w") as f:
        f.write("rules:\n  - id: test.never\n    product: Never\n    category: remote-access\n"
                "    severity: high\n    technique: T1219.002\n    description: never matches\n"
                "    references: [https://example.org]\n    match: {path: {path: /nonexistent/never}}\n")
    return cat


class Daemon:
    def __init__(self, telltale, d, config_text, root, catalog_text=None, env=None, name="daemon"):
        """catalog_text goes to catalog.d next to the config; the shipped
        catalog is the test's own unless env names TELLTALE_CATALOG_DIR."""
        self.telltale, self.d, self.root = telltale, d, root
        self.cfgdir = os.path.join(d, "etc-" + name)
        os.makedirs(os.path.join(self.cfgdir, "catalog.d"), exist_ok=True)
        self.config = os.path.join(self.cfgdir, "telltale.yaml")
        self.write_config(config_text)
        if catalog_text is not None:
            with open(os.path.join(self.cfgdir, "catalog.d", "test.yaml"), "w") as f:
                f.write(catalog_text)
        self.stdout = os.path.join(d, name + ".stdout")
        self.stderr = os.path.join(d, name + ".stderr")
        self.notify = Notify(os.path.join(d, name + ".notify"))
        self.env = dict(os.environ, TELLTALE_CATALOG_DIR=own_catalog(d))
        self.env.update(env or {})
        self.env["NOTIFY_SOCKET"] = self.notify.path
        self.proc = None

    def write_config(self, text):
        with open(self.config, "w") as f:
            f.write(text)

    def start(self, foreground=True, wait=True, extra=(), wrap=()):
        """wrap: a command the daemon runs under (ip netns exec NS, which execs it: same pid)."""
        args = [*wrap, self.telltale, "daemon", "--config", self.config, "--root", self.root, *extra]
        if foreground:
            args.append("--foreground")
        self.n_notify = len(self.notify.poll())
        self.proc = subprocess.Popen(args, stdout=open(self.stdout, "a"), stderr=open(self.stderr, "a"),
                                     env=self.env)
        reap(self.proc)
        if wait and not self.notify.wait("READY=1", 30, self.n_notify):
            self.proc.kill()
            sys.exit("FAIL the daemon did not get ready:\n" + self.err())
        return self

    def reload(self):
        n = len(self.notify.poll())
        self.proc.send_signal(signal.SIGHUP)
        return self.notify.wait("READY=1", 30, n)

    def stop(self, timeout=30):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                return None
        rc = self.proc.returncode if self.proc else None
        self.proc = None
        return rc

    def kill(self):
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        self.proc = None

    def err(self):
        with open(self.stderr, errors="replace") as f:
            return f.read()

    def out(self):
        with open(self.stdout, errors="replace") as f:
            return f.read()


def tempdir(name):
    """Removed at exit when every check passed; kept for a look otherwise."""
    d = tempfile.mkdtemp(prefix=f"tt-{name}-")
    os.chmod(d, 0o755)
    atexit.register(lambda: failures or shutil.rmtree(d, ignore_errors=True))
    return d
