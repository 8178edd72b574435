#!/usr/bin/env python3
"""A KVM plugged in while the daemon runs is reported in under a second.

umockdev provides the hardware: the test runs under its preload library
(umockdev-wrapper), makes a testbed, and starts the daemon with
--root pointing at the testbed (whose sys/ the usb probe reads) and the same
preload, so the daemon's udev monitor receives the testbed's uevents. A
PiKVM-like gadget (1d6b:0104 "PiKVM Composite Device", a HID keyboard and an
absolute mouse interface) is added; the time from the add to the finding on
the daemon's stdout is measured, then the same for its removal.

usage: daemon_hotplug.py TELLTALE"""
import json
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from daemon_harness import Daemon, check, finish, require, tempdir, wait_for

telltale = sys.argv[1]
if "--inner" not in sys.argv:
    wrapper = require("umockdev-wrapper", "synthetic USB devices and uevents")
    # The GObject bindings come with the distribution's Python, which may not
    # be the first python3 on PATH.
    python = sys.executable
    if subprocess.run([python, "-c", "import gi"], capture_output=True).returncode != 0:
        python = "/usr/bin/python3"
    # umockdev's preload library comes before an ASan build's runtime in the
    # library list; ASan refuses that unless told the order is deliberate.
    env = dict(os.environ)
    env["ASAN_OPTIONS"] = ":".join(filter(None, [env.get("ASAN_OPTIONS"), "verify_asan_link_order=0"]))
    p = subprocess.run([wrapper, python, __file__, telltale, "--inner"], env=env)
    sys.exit(p.returncode)

try:
    import gi
    gi.require_version("UMockdev", "1.0")
    from gi.repository import UMockdev
except (ImportError, ValueError) as e:
    print(f"FAIL umockdev's GObject bindings are missing ({e}); scripts/deps.sh installs python3-gi, "
          "gir1.2-umockdev-1.0")
    sys.exit(1)

testbed = UMockdev.Testbed.new()
root = testbed.get_root_dir()
os.makedirs(os.path.join(root, "etc"), exist_ok=True)
with open(os.path.join(root, "etc", "hostname"), "w") as f:
    f.write("lt-0421\n")
d = tempdir("hotplug")
catalog = os.environ.get("TELLTALE_CATALOG_DIR") or os.path.join(os.path.dirname(__file__), "..", "..", "config",
                                                                  "catalog")
config = f"state_dir: {d}/state\noutputs:\n  - type: stdout\n    format: json\n"
daemon = Daemon(telltale, d, config, root, env={"TELLTALE_CATALOG_DIR": catalog, "UMOCKDEV_DIR": root}).start()


def findings(rule, event):
    out = []
    for line in daemon.out().splitlines():
        if line.startswith("{"):
            x = json.loads(line)
            if x["rule"] == rule and x["event"] == event:
                out.append(x)
    return out


time.sleep(0.5)
check(not findings("kvm.pikvm.usb", "new"), "nothing before the plug-in")

# A HID boot keyboard report descriptor, as a PiKVM gadget presents.
keyboard = bytes.fromhex("05010906a101050719e029e71500250175019508810295017508810195057501"
                         "0508190129059102950175039101950675081500256505071900296581 00c0"
                         .replace(" ", ""))
t0 = time.monotonic()
dev = testbed.add_device("usb", "usb1/1-1", None,
                         ["idVendor", "1d6b", "idProduct", "0104", "manufacturer", "PiKVM",
                          "product", "PiKVM Composite Device", "serial", "CAFEBABE", "bcdDevice", "0510",
                          "bcdUSB", "0200", "speed", "480", "bDeviceClass", "00", "bDeviceSubClass", "00",
                          "bDeviceProtocol", "00", "bNumInterfaces", " 2", "bmAttributes", "c0", "bMaxPower", "500mA"],
                         ["DEVTYPE", "usb_device", "PRODUCT", "1d6b/104/510"])
for n, label in ((0, "Keyboard"), (1, "Mouse")):
    intf = testbed.add_device("usb", f"1-1:1.{n}", dev, ["bInterfaceClass", "03", "interface", label],
                              ["DEVTYPE", "usb_interface"])
    if n == 0:
        hid = testbed.add_device("hid", f"0003:1D6B:0104.000{n + 1}", intf, [], [])
        testbed.set_attribute_binary(hid, "report_descriptor", keyboard)
found = wait_for(lambda: findings("kvm.pikvm.usb", "new"), 5, step=0.005)
latency = time.monotonic() - t0
if not check(bool(found), "the PiKVM is reported"):
    print("     (the daemon rescans on uevents only for probes that name the subsystem: "
          "probes/usb.c needs .udev_subsystems = { \"usb\", NULL })")
if found:
    f = found[0]
    print(f"hotplug to finding: {latency * 1000:.0f} ms (plug-in to the line on the daemon's stdout)")
    check(latency < 1.0, f"hotplug to finding under one second ({latency * 1000:.0f} ms)")
    ev = f["evidence"][0] if f["evidence"] else {}
    check(f["severity"] == "critical" and f["category"] == "kvm" and ev.get("vendor_id") == "1d6b" and
          ev.get("product_id") == "0104" and f["subject"] == "usb:1-1",
          "the finding names the device (1d6b:0104, usb:1-1, critical)")

t0 = time.monotonic()
testbed.uevent(dev, "remove")
testbed.remove_device(dev)
gone = wait_for(lambda: findings("kvm.pikvm.usb", "cleared"), 5, step=0.005)
latency = time.monotonic() - t0
check(bool(gone), "the unplug clears it")
if gone:
    print(f"unplug to cleared: {latency * 1000:.0f} ms")
    check(latency < 1.0, f"unplug to cleared under one second ({latency * 1000:.0f} ms)")
check(daemon.stop() == 0, "clean stop")
finish()
