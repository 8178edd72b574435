# SPDX-License-Identifier: MIT
"""The SOC side of the fleet tests, on loopback: a private PostgreSQL cluster
(initdb/pg_ctl as an unprivileged user, unix socket in the temp dir only)
loaded with contrib/postgres/*.sql, and rsyslogd with its own config, pid
and work directory, listening on 127.0.0.1 on a port it picks, running the
reference ruleset contrib/rsyslog/telltale-pgsql.conf unmodified. Everything
rsyslog receives is also written raw to received.log, for the leak checks.

Not a test by itself: fleet_collector.py and fleet_pipeline.py use it."""

import glob
import json
import os
import pwd
import shutil
import signal
import subprocess
import time

SOURCE = os.environ.get("TT_SOURCE_ROOT") or os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
PACKAGES = "postgresql rsyslog rsyslog-pgsql"


class Failure(Exception):
    pass


def pg_bindir():
    dirs = sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda d: int(d.split("/")[-2]))
    if not dirs or not os.path.exists(os.path.join(dirs[-1], "initdb")):
        raise Failure("PostgreSQL server binaries not found (Debian packages: %s)" % PACKAGES)
    return dirs[-1]


def wait_for(what, predicate, timeout, interval=0.2):
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise Failure("timed out after %ds waiting for %s" % (timeout, what))
        time.sleep(interval)


class Postgres:
    """A throwaway cluster. Run as root, the server runs as the system user
    "postgres" (initdb refuses root); otherwise as whoever runs the test."""

    def __init__(self, base):
        self.bindir = pg_bindir()
        self.dir = os.path.join(base, "pg")
        self.data = os.path.join(self.dir, "data")
        self.socket_dir = self.dir
        self.log = os.path.join(self.dir, "server.log")
        self.prefix = []
        os.makedirs(self.dir)
        if os.geteuid() == 0:
            pw = pwd.getpwnam("postgres")
            os.chmod(base, 0o755)
            os.chown(self.dir, pw.pw_uid, pw.pw_gid)
            self.prefix = ["runuser", "-u", "postgres", "--"]
            self.superuser = "postgres"
        else:
            self.superuser = pwd.getpwuid(os.geteuid()).pw_name
        self.started = False

    def run(self, tool, *args, **kw):
        # In the cluster's own directory: the server's user may not reach the caller's.
        return subprocess.run(self.prefix + [os.path.join(self.bindir, tool), *args], capture_output=True, text=True,
                              timeout=120, cwd=self.dir, **kw)

    def start(self):
        p = self.run("initdb", "-D", self.data, "-U", self.superuser, "-A", "trust", "--no-sync", "-E", "UTF8",
                     "--locale=C")
        if p.returncode != 0:
            raise Failure("initdb: " + p.stderr)
        # No TCP at all: the socket in our own directory is the only way in.
        opts = "-c listen_addresses='' -c unix_socket_directories='%s' -c fsync=off -c port=5432" % self.socket_dir
        p = self.run("pg_ctl", "-D", self.data, "-l", self.log, "-w", "-t", "60", "-o", opts, "start")
        if p.returncode != 0:
            raise Failure("pg_ctl start: %s\n%s" % (p.stderr, open(self.log).read()))
        self.started = True
        self.psql("CREATE DATABASE telltale", db="postgres")
        self.psql_files(*[os.path.join(SOURCE, "contrib", "postgres", f) for f in ("schema.sql", "views.sql",
                                                                                  "roles.sql")])
        # The login roles a deployment would create (roles.sql tells how).
        self.psql("CREATE ROLE rsyslog LOGIN IN ROLE telltale_ingest; "
                  "CREATE ROLE analyst LOGIN IN ROLE telltale_reader")

    def conninfo(self, user):
        # A URI: ompgsql does not take whitespace in conninfo.
        return "postgresql:///telltale?host=%s&user=%s" % (self.socket_dir, user)

    def psql(self, sql, db="telltale", user=None, check=True):
        p = self.run("psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-At", "-h", self.socket_dir, "-U",
                     user or self.superuser, "-d", db, "-c", sql)
        if check and p.returncode != 0:
            raise Failure("psql: %s\n%s" % (sql, p.stderr))
        return p

    def psql_files(self, *files):
        # Read here and given on stdin: the server's user may not read the checkout.
        text = "".join(open(f).read() + "\n" for f in files)
        p = self.run("psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-h", self.socket_dir, "-U", self.superuser, "-d",
                     "telltale", input=text)
        if p.returncode != 0 or p.stderr.strip():
            raise Failure("loading %s: %s" % (", ".join(files), p.stderr))

    def query(self, sql, user=None):
        """Rows as dicts, through JSON: no driver needed."""
        out = self.psql("SELECT coalesce(json_agg(q), '[]') FROM (%s) q" % sql, user=user).stdout
        return json.loads(out)

    def dump(self):
        p = self.run("pg_dump", "-h", self.socket_dir, "-U", self.superuser, "--data-only", "--schema=telltale",
                     "telltale")
        if p.returncode != 0:
            raise Failure("pg_dump: " + p.stderr)
        return p.stdout

    def stop(self):
        if self.started:
            self.run("pg_ctl", "-D", self.data, "-m", "fast", "-w", "stop")
            self.started = False


class Rsyslog:
    def __init__(self, base, pg):
        if not shutil.which("rsyslogd"):
            raise Failure("rsyslogd not found (Debian packages: %s)" % PACKAGES)
        if not glob.glob("/usr/lib/*/rsyslog/ompgsql.so"):
            raise Failure("rsyslog's ompgsql module not found (Debian package rsyslog-pgsql)")
        self.dir = os.path.join(base, "rsyslog")
        os.makedirs(self.dir)
        self.conf = os.path.join(self.dir, "rsyslog.conf")
        self.port_file = os.path.join(self.dir, "port")
        self.received = os.path.join(self.dir, "received.log")
        self.internal = os.path.join(self.dir, "internal.log")
        self.pidfile = os.path.join(self.dir, "rsyslogd.pid")
        self.env = dict(os.environ, TELLTALE_PGSQL_CONNINFO=pg.conninfo("rsyslog"))
        self.proc = None
        reference = os.path.join(SOURCE, "contrib", "rsyslog", "telltale-pgsql.conf")
        with open(self.conf, "w") as f:
            f.write("""global(workDirectory="{d}" maxMessageSize="64k")
module(load="imtcp")
input(type="imtcp" address="127.0.0.1" port="0" listenPortFileName="{port}" ruleset="capture")
template(name="raw" type="string" string="%rawmsg%\\n")
ruleset(name="capture") {{
        action(type="omfile" file="{received}" template="raw")
        call telltale
}}
include(file="{reference}")
*.* action(type="omfile" file="{internal}")
""".format(d=self.dir, port=self.port_file, received=self.received, reference=reference,
           internal=self.internal))

    def start(self):
        p = subprocess.run(["rsyslogd", "-N1", "-f", self.conf], capture_output=True, text=True, env=self.env,
                           timeout=60)
        if p.returncode != 0:
            raise Failure("rsyslogd -N1: " + p.stderr)
        self.stderr = open(os.path.join(self.dir, "stderr"), "w")
        self.proc = subprocess.Popen(["rsyslogd", "-n", "-f", self.conf, "-i", self.pidfile], env=self.env,
                                     stdout=self.stderr, stderr=subprocess.STDOUT)
        wait_for("rsyslog's port", lambda: os.path.exists(self.port_file) and open(self.port_file).read().strip(),
                 30)
        self.port = int(open(self.port_file).read())
        return self.port

    def stop(self):
        """SIGTERM: rsyslog drains its action queue (saveOnShutdown) and exits."""
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None

    def log(self):
        text = ""
        for f in (self.internal, os.path.join(self.dir, "stderr")):
            if os.path.exists(f):
                text += open(f, errors="replace").read()
        return text


class Checks:
    """ok/FAIL lines and the closing 'N passed, N failed' line."""

    def __init__(self):
        self.passed = 0
        self.failed = []

    def __call__(self, cond, what, detail=None):
        print(("ok   " if cond else "FAIL ") + what, flush=True)
        if cond:
            self.passed += 1
        else:
            self.failed.append(what)
            if detail is not None:
                print("     " + str(detail).replace("\n", "\n     "), flush=True)
        return cond

    def finish(self):
        print("%d passed, %d failed" % (self.passed, len(self.failed)), flush=True)
        return 1 if self.failed else 0
