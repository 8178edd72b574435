#!/usr/bin/env python3
"""The Debian package, end to end, from a copy of the source tree: it builds
(dpkg-buildpackage), lintian has nothing to say but information, it installs
(dpkg -i, on a machine without systemd as PID 1), the files land with the
config as a conffile, the system user and state directory exist, the
installed binary scans a fixture with the installed catalog, the unit
verifies and scores <= 2.5, the daemon starts as systemd would start it (its
user, its three capabilities, no_new_privs, NOTIFY_SOCKET) and sandboxes
itself; an upgrade to a rebuilt, newer version keeps a local config change;
a purge leaves nothing behind. Then the RPM spec builds with rpmbuild.

Needs root (it installs a package) and the packaging tools of
scripts/deps.sh; fails loudly without them."""
import glob
import os
import pwd
import re
import shutil
import signal
import subprocess
import sys
import tarfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from daemon_harness import Notify, check, finish, require, tempdir  # noqa: E402

source = os.environ["TT_SOURCE_ROOT"]
fixture = os.path.join(source, "tests", "fixtures", "sysroots", "anydesk-running")
if os.geteuid() != 0:
    print("FAIL this test installs a package: run it as root (CI does)")
    sys.exit(1)
for program, why in (("dpkg-buildpackage", "dpkg-dev"), ("dh", "debhelper"), ("lintian", "lintian"),
                     ("fakeroot", "fakeroot"), ("systemd-analyze", "systemd"), ("setpriv", "util-linux"),
                     ("rpmbuild", "rpm")):
    require(program, why)
if subprocess.run(["dpkg-query", "-W", "telltale"], capture_output=True).returncode == 0:
    print("FAIL a telltale package is installed already; this test installs and purges its own")
    sys.exit(1)

d = tempdir("package")
INSTALLED = ["/usr/sbin/telltale", "/lib/systemd/system/telltale.service", "/etc/telltale/telltale.yaml",
             "/etc/telltale/catalog.d", "/usr/share/telltale/catalog/remote-access.yaml",
             "/usr/lib/sysusers.d/telltale.conf", "/usr/lib/tmpfiles.d/telltale.conf",
             "/usr/share/man/man8/telltale.8.gz", "/usr/share/man/man5/telltale.yaml.5.gz",
             "/usr/share/doc/telltale/copyright", "/var/lib/telltale"]
UNIT = "/lib/systemd/system/telltale.service"
CAPS = "+net_raw,+dac_read_search,+sys_ptrace"


def run(*args, **kw):
    return subprocess.run(args, capture_output=True, text=True, **kw)


def copy_tree(dest):
    """The source tree without build directories and git metadata."""
    def ignore(path, names):
        return [n for n in names if n == "__pycache__" or
                (os.path.samefile(path, source) and (n.startswith("build") or n == ".git"))]
    shutil.copytree(source, dest, ignore=ignore, symlinks=True)


def build_deb(tree, version):
    """Builds the tree's package at version (a new changelog entry unless it
    is the version there); returns the .deb and the .changes."""
    with open(os.path.join(tree, "debian", "changelog")) as f:
        changelog = f.read()
    if not changelog.startswith(f"telltale ({version})"):
        entry = (f"telltale ({version}) unstable; urgency=medium\n\n  * Test upgrade.\n\n"
                 f" -- telltale maintainers <telltale@example.org>  Mon, 23 Nov 2026 13:00:00 +0000\n\n")
        with open(os.path.join(tree, "debian", "changelog"), "w") as f:
            f.write(entry + changelog)
    env = dict(os.environ, DEB_BUILD_OPTIONS=f"nocheck parallel={os.cpu_count() or 1}")
    p = run("dpkg-buildpackage", "-us", "-uc", "-b", cwd=tree, env=env, timeout=900)
    deb = os.path.join(os.path.dirname(tree), f"telltale_{version}_{arch}.deb")
    ok = check(p.returncode == 0 and os.path.exists(deb), f"dpkg-buildpackage builds telltale {version}")
    if not ok:
        print(p.stdout[-3000:], p.stderr[-3000:])
        finish()
    return deb, os.path.join(os.path.dirname(tree), f"telltale_{version}_{arch}.changes")


def installed_version():
    return run("dpkg-query", "-W", "-f=${Version}", "telltale").stdout


arch = run("dpkg", "--print-architecture").stdout.strip()
tree = os.path.join(d, "v1", "telltale")
copy_tree(tree)
with open(os.path.join(tree, "debian", "changelog")) as f:
    version = re.match(r"telltale \(([^)]+)\)", f.read()).group(1)
deb, changes = build_deb(tree, version)

p = run("lintian", "--pedantic", "--display-info", changes, timeout=600)
tags = [line for line in p.stdout.splitlines() if re.match(r"[EWP]: ", line)]
print(p.stdout, end="")
check(p.returncode == 0 and not tags, f"lintian: no error, warning or pedantic tag ({len(tags)})")

deps = run("dpkg-deb", "-f", deb, "Depends").stdout
check(all(lib in deps for lib in ("libyaml-0-2", "libsystemd0", "libpcap0.8", "libssl3", "libseccomp2", "libcap2",
                                  "libmaxminddb0")) and "-dev" not in deps,
      f"Depends names the runtime libraries, no -dev package: {deps.strip()}")

purged = False
try:
    p = run("dpkg", "-i", deb, timeout=300)
    check(p.returncode == 0, f"dpkg -i succeeds without systemd as PID 1 ({p.stderr.strip()[-500:]})")
    for path in INSTALLED:
        check(os.path.exists(path), f"installed: {path}")
    conffiles = run("dpkg-query", "-W", "-f=${Conffiles}", "telltale").stdout
    check("/etc/telltale/telltale.yaml" in conffiles, "/etc/telltale/telltale.yaml is a conffile")
    try:
        user = pwd.getpwnam("telltale")
    except KeyError:
        user = None
    check(user is not None and user.pw_uid < 1000 and user.pw_dir == "/var/lib/telltale",
          "the telltale system user exists, home /var/lib/telltale")
    st = os.stat("/var/lib/telltale")
    check(user is not None and st.st_uid == user.pw_uid and st.st_mode & 0o777 == 0o750,
          "/var/lib/telltale belongs to telltale, mode 0750")
    check(os.path.islink("/etc/systemd/system/multi-user.target.wants/telltale.service"),
          "the unit is enabled (multi-user.target.wants)")

    p = run("/usr/sbin/telltale", "--version")
    check(p.returncode == 0 and p.stdout.startswith("telltale "), f"installed telltale --version: {p.stdout.strip()}")
    # No TELLTALE_CATALOG_DIR: the installed catalog and the installed default config.
    env = {k: v for k, v in os.environ.items() if k != "TELLTALE_CATALOG_DIR"}
    p = run("/usr/sbin/telltale", "check-config", env=env)
    check(p.returncode == 0 and "/usr/share/telltale/catalog" in p.stdout and "/etc/telltale/telltale.yaml" in p.stdout,
          f"installed check-config reads the installed config and catalog: {p.stdout.strip()}")
    p = run("/usr/sbin/telltale", "scan", "--root", fixture, "--format", "json", env=env)
    check(p.returncode == 1 and '"rule":"remote-access.anydesk"' in p.stdout,
          f"installed telltale scan --root {os.path.basename(fixture)} finds AnyDesk (exit {p.returncode})")
    p = run("man", "-w", "telltale.yaml")
    check(p.returncode == 0 and "man5/telltale.yaml.5" in p.stdout, "man telltale.yaml finds the page")

    p = run("systemd-analyze", "verify", UNIT)
    check(p.returncode == 0 and not p.stderr.strip(), f"systemd-analyze verify {UNIT} is clean ({p.stderr.strip()})")
    p = run("systemd-analyze", "security", "--offline=yes", UNIT)
    m = re.search(r"Overall exposure level for telltale\.service: (\d+\.\d+)", p.stdout)
    check(m is not None and float(m.group(1)) <= 2.5,
          f"systemd-analyze security --offline=yes: {m.group(1) if m else p.stdout[-300:]} <= 2.5")

    # Start it as the unit does: its user, its capabilities, no_new_privs,
    # the installed config, READY=1 over NOTIFY_SOCKET.
    ndir = os.path.join(d, "notify")
    os.makedirs(ndir, mode=0o755)
    notify = Notify(os.path.join(ndir, "notify"))
    os.chmod(notify.path, 0o666)
    daemon = subprocess.Popen(["setpriv", "--reuid=telltale", "--regid=telltale", "--clear-groups",
                               f"--inh-caps={CAPS}", f"--ambient-caps={CAPS}", f"--bounding-set=-all,{CAPS}",
                               "--no-new-privs", "/usr/sbin/telltale", "daemon", "--foreground"],
                              stdout=subprocess.DEVNULL, stderr=open(os.path.join(d, "daemon.stderr"), "w"),
                              env=dict(env, NOTIFY_SOCKET=notify.path), cwd="/")
    try:
        ready = notify.wait("READY=1", 60)
        check(ready, "the installed daemon starts as the telltale user and reports READY=1")
        with open(f"/proc/{daemon.pid}/status") as f:
            status = dict(line.rstrip("\n").split(":\t", 1) for line in f if ":\t" in line)
        check(status.get("Seccomp") == "2" and status.get("NoNewPrivs") == "1",
              "the installed daemon runs under its seccomp filter")
        # Live capture opened as the telltale user: it keeps CAP_NET_RAW, and its packet socket is open.
        check((int(status.get("CapEff", "0"), 16) & (1 << 13)) != 0,
              f"the installed daemon keeps CAP_NET_RAW for its capture (CapEff {status.get('CapEff')})")
        fds = [os.readlink(f"/proc/{daemon.pid}/fd/{fd}") for fd in os.listdir(f"/proc/{daemon.pid}/fd")]
        inodes = {line.split()[-1] for line in open("/proc/net/packet").read().splitlines()[1:]}
        check(any(f.startswith("socket:[") and f[8:-1] in inodes for f in fds),
              "the installed daemon holds a packet socket (live capture is open)")
        daemon.send_signal(signal.SIGTERM)
        rc = daemon.wait(timeout=30)
        check(rc == 0, f"the installed daemon stops cleanly on SIGTERM (exit {rc})")
    finally:
        if daemon.poll() is None:
            daemon.kill()
            daemon.wait()
    with open(os.path.join(d, "daemon.stderr")) as f:
        print(f.read(), end="")

    # Upgrade: a newer build over the installed one keeps a local config change.
    with open("/etc/telltale/telltale.yaml", "a") as f:
        f.write("\n# local change kept across upgrades\n")
    tree2 = os.path.join(d, "v2", "telltale")
    copy_tree(tree2)
    deb2, _ = build_deb(tree2, version + "+upgrade1")
    p = run("dpkg", "-i", deb2, timeout=300)
    check(p.returncode == 0 and installed_version() == version + "+upgrade1",
          f"dpkg -i upgrades {version} to {installed_version()}")
    with open("/etc/telltale/telltale.yaml") as f:
        check("local change kept across upgrades" in f.read(), "the upgrade keeps the local config change")
    check(run("/usr/sbin/telltale", "scan", "--root", fixture, env=env).returncode == 1,
          "the upgraded binary scans")

    p = run("dpkg", "--purge", "telltale", timeout=300)
    purged = p.returncode == 0
    check(purged, f"dpkg --purge succeeds ({p.stderr.strip()[-500:]})")
    left = [path for path in INSTALLED + ["/etc/telltale", "/usr/share/telltale",
                                          "/etc/systemd/system/multi-user.target.wants/telltale.service"]
            if os.path.lexists(path)]
    check(not left, f"the purge leaves nothing behind ({left})")
    check(run("dpkg-query", "-W", "telltale").returncode != 0, "dpkg no longer knows telltale")
    # As for every package's system user (Debian policy), the user stays:
    # its uid may still own files, e.g. in backups.
finally:
    if not purged:
        run("dpkg", "--purge", "telltale", timeout=300)

# RPM: the spec builds from a release tarball of the same tree.
top = os.path.join(d, "rpm")
os.makedirs(os.path.join(top, "SOURCES"))
with open(os.path.join(source, "packaging", "telltale.spec")) as f:
    rpm_version = re.search(r"^Version:\s*(\S+)", f.read(), re.M).group(1)
with tarfile.open(os.path.join(top, "SOURCES", f"telltale-{rpm_version}.tar.gz"), "w:gz") as t:
    top_dir = f"telltale-{rpm_version}"
    t.add(tree, arcname=top_dir,
          filter=lambda i: None if i.name == f"{top_dir}/debian" or i.name.startswith(f"{top_dir}/obj-") else i)
# --nodeps: the build requirements are Debian packages here, unknown to rpm's database.
p = run("rpmbuild", "-bb", "--nodeps", "--define", f"_topdir {top}", os.path.join(source, "packaging", "telltale.spec"),
        timeout=900)
rpms = glob.glob(os.path.join(top, "RPMS", "*", f"telltale-{rpm_version}-*.rpm"))
check(p.returncode == 0 and len(rpms) == 1, "rpmbuild -bb builds the RPM")
if rpms:
    files = run("rpm", "-qlp", "--nosignature", rpms[0]).stdout.split()
    check(all(f in files for f in ("/usr/sbin/telltale", "/etc/telltale/telltale.yaml", UNIT,
                                   "/usr/share/man/man8/telltale.8")), "the RPM holds the binary, config, unit, man page")
    requires = run("rpm", "-qp", "--requires", "--nosignature", rpms[0]).stdout
    check(all(lib in requires for lib in ("libyaml-0.so.2", "libsystemd.so.0", "libseccomp.so.2", "libcap.so.2")),
          "the RPM requires the runtime libraries (found by rpm)")
    config = run("rpm", "-qpc", "--nosignature", rpms[0]).stdout
    check("/etc/telltale/telltale.yaml" in config, "the RPM marks telltale.yaml as config")
else:
    print(p.stdout[-3000:], p.stderr[-3000:])
finish()
