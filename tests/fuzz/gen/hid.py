#!/usr/bin/python3
"""Seeds tests/fuzz/corpus/hid/: HID report descriptors. The IP-KVM ones are
copied from the devices' firmware sources (see research/indicators.md); the
others are built item by item to HID 1.11 (section 6.2.2) the way ordinary
gear describes itself. tests/unit/test-hid.c reads them by name."""
import os
import struct
import sys

PUBLISHED = {
    # pikvm/kvmd otg/hid/keyboard.py, mouse.py
    "pikvm-keyboard": "05010906a101050719e029e715002501750195088102950175088101950575010508190129059102"
                      "950175039101950675081500 26ff00 0507 1900 2aff00 8100 c0",
    "pikvm-mouse-absolute": "05010902a1010901a100050919012908150025019508750181020501093009311600002"
                            "6ff7f 7510 9502 8102 0938 1581 257f 7508 9501 8106 c0c0",
    "pikvm-mouse-relative": "05010902a1010901a1000509190129081500250195087501810205010930093109381581"
                            "257f750895038106c0c0",
    # jetkvm/kvm internal/usbgadget
    "jetkvm-keyboard": "05010906a101050719e029e71500250175019508810295017508810395057501050819012905910295"
                       "017503910395067508150025650507190029658100c0",
    # tiny-pilot/tinypilot init-usb-gadget
    "tinypilot-keyboard": "05010906a101050819012903150025017501950391020 94b95019102950491010507"
                          " 19e029e7950881027508950181011900299126ff00950681 00c0",
    # sipeed/NanoKVM S03usbdev
    "nanokvm-touchpad": "05010902a1010901a1000509190129051500250195057501810295017503810105010930093115002"
                        " 6ff7f35004 6ff7f751095028102050109381581257f350045007508950181 06c0c0",
}


def short(kind, tag, value=None, size=None, signed=False):
    """One short item; the smallest data size that holds value unless given."""
    if value is None:
        return bytes([tag << 4 | kind << 2])
    if size is None:
        for size in (1, 2, 4):
            lo, hi = (-(1 << (8 * size - 1)), (1 << (8 * size - 1)) - 1) if signed else (0, (1 << (8 * size)) - 1)
            if lo <= value <= hi:
                break
    code = {1: 1, 2: 2, 4: 3}[size]
    fmt = {1: "<b", 2: "<h", 4: "<i"}[size] if signed else {1: "<B", 2: "<H", 4: "<I"}[size]
    return bytes([tag << 4 | kind << 2 | code]) + struct.pack(fmt, value)


MAIN, GLOBAL, LOCAL = 0, 1, 2
CONST, VAR, REL = 0x01, 0x02, 0x04
PHYSICAL, APPLICATION, LOGICAL = 0, 1, 2


def usage_page(p): return short(GLOBAL, 0x0, p)
def logical_min(v): return short(GLOBAL, 0x1, v, signed=True)
def logical_max(v): return short(GLOBAL, 0x2, v, signed=True)
def physical_max(v): return short(GLOBAL, 0x4, v, signed=True)
def unit_exponent(v): return short(GLOBAL, 0x5, v)
def unit(v): return short(GLOBAL, 0x6, v)
def report_size(v): return short(GLOBAL, 0x7, v)
def report_id(v): return short(GLOBAL, 0x8, v)
def report_count(v): return short(GLOBAL, 0x9, v)
def push(): return short(GLOBAL, 0xA)
def pop(): return short(GLOBAL, 0xB)
def usage(u, size=None): return short(LOCAL, 0x0, u, size)
def usage_min(u, size=None): return short(LOCAL, 0x1, u, size)
def usage_max(u, size=None): return short(LOCAL, 0x2, u, size)
def inp(flags): return short(MAIN, 0x8, flags)
def out(flags): return short(MAIN, 0x9, flags)
def feature(flags): return short(MAIN, 0xB, flags)
def collection(t): return short(MAIN, 0xA, t)
def end(): return short(MAIN, 0xC)
def long_item(tag, data): return bytes([0xFE, len(data), tag]) + data


def app(page, use, *body, rid=None):
    return usage_page(page) + usage(use) + collection(APPLICATION) + (report_id(rid) if rid else b"") + \
        b"".join(body) + end()


def boot_keyboard(key_max=0x65):
    """HID 1.11 Appendix E.6. YubiKeys send 0..255 in the key array, written
    25 FF: signed that is -1, and the kernel reads it as 255."""
    return app(0x01, 0x06,
               usage_page(0x07), usage_min(0xE0), usage_max(0xE7), logical_min(0), logical_max(1),
               report_size(1), report_count(8), inp(VAR),
               report_count(1), report_size(8), inp(CONST),
               report_count(5), report_size(1), usage_page(0x08), usage_min(1), usage_max(5), out(VAR),
               report_count(1), report_size(3), out(CONST),
               report_count(6), report_size(8), logical_min(0), short(GLOBAL, 0x2, key_max, 1),
               usage_page(0x07), usage_min(0), usage_max(key_max), inp(0))


def consumer(rid):
    return app(0x0C, 0x01,
               logical_min(0), logical_max(0x3FF), usage_min(0), usage_max(0x3FF), report_size(16),
               report_count(2), inp(0), rid=rid)


def system_control(rid):
    return app(0x01, 0x80,
               usage_min(0x81), usage_max(0x83), logical_min(0), logical_max(1), report_size(1),
               report_count(3), inp(VAR), report_count(5), inp(CONST), rid=rid)


def vendor_hidpp(rid):
    return app(0xFF00, 0x01,
               usage(0x01), logical_min(0), logical_max(255), report_size(8), report_count(6), inp(0),
               usage(0x01), out(0), rid=rid)


# Unifying-receiver style: 16 buttons, 12-bit relative X/Y, wheel, AC Pan,
# then consumer keys, system control and a HID++ vendor collection.
logitech_mouse = app(0x01, 0x02,
                     usage(0x01), collection(PHYSICAL),
                     usage_page(0x09), usage_min(1), usage_max(16), logical_min(0), logical_max(1),
                     report_count(16), report_size(1), inp(VAR),
                     usage_page(0x01), logical_min(-2047), logical_max(2047), report_size(12), report_count(2),
                     usage(0x30), usage(0x31), inp(VAR | REL),
                     logical_min(-127), logical_max(127), report_size(8), report_count(1), usage(0x38),
                     inp(VAR | REL),
                     usage_page(0x0C), usage(0x238, 2), report_count(1), inp(VAR | REL),
                     end(), rid=2) + consumer(3) + system_control(4) + vendor_hidpp(0x10)

# Wacom-style pen: Digitizer/Pen application, stylus, tip/barrel/in-range,
# 4-byte logical maxima, physical units, X/Y pushed around a pressure field.
wacom_pen = app(0x0D, 0x02,
                usage(0x20), collection(PHYSICAL),
                usage(0x42), usage(0x44), usage(0x45), usage(0x32), logical_min(0), logical_max(1),
                report_size(1), report_count(4), inp(VAR), report_count(4), inp(CONST),
                push(),
                usage_page(0x01), unit_exponent(0x0D), unit(0x11), report_size(16), report_count(1),
                short(GLOBAL, 0x2, 15200, 4), short(GLOBAL, 0x4, 15200, 4), usage(0x30), inp(VAR),
                short(GLOBAL, 0x2, 9500, 4), short(GLOBAL, 0x4, 9500, 4), usage(0x31), inp(VAR),
                pop(),
                usage(0x30), logical_max(2047), report_size(16), report_count(1), inp(VAR),
                end(), rid=2)

yubikey_keyboard = boot_keyboard(key_max=0xFF)
# FIDO U2F HID (CTAP1/2 spec, 11.2.8): 64-byte reports on page 0xF1D0.
yubikey_fido = short(GLOBAL, 0x0, 0xF1D0, 2) + usage(0x01) + collection(APPLICATION) + \
    usage(0x20) + logical_min(0) + logical_max(255) + report_size(8) + report_count(64) + inp(VAR) + \
    usage(0x21) + logical_min(0) + logical_max(255) + report_size(8) + report_count(64) + out(VAR) + end()

remote = consumer(1) + system_control(2)

gamepad = app(0x01, 0x05,
              usage_page(0x09), usage_min(1), usage_max(12), logical_min(0), logical_max(1), report_size(1),
              report_count(12), inp(VAR), report_count(4), inp(CONST),
              usage_page(0x01), usage(0x30), usage(0x31), usage(0x32), usage(0x35), logical_min(0),
              logical_max(255), report_size(8), report_count(4), inp(VAR))

# Extended (4-byte) usages carry their own page, whatever the Usage Page says.
extended_mouse = app(0x01, 0x02,
                     usage_page(0x09), usage(0x00010030, 4), usage(0x00010031, 4), logical_min(-127),
                     logical_max(127), report_size(8), report_count(2), inp(VAR | REL))
extended_keyboard = usage(0x00010006, 4) + collection(APPLICATION) + usage_page(0x0C) + \
    usage_min(0x00070000, 4) + usage_max(0x00070065, 4) + logical_min(0) + logical_max(0x65) + \
    report_size(8) + report_count(6) + inp(0) + end()
# Short usages take the page in force at the main item (HID 1.11, 6.2.2.8).
late_page_mouse = usage_page(0x01) + usage(0x02) + collection(APPLICATION) + usage(0x30) + usage(0x31) + \
    usage_page(0x01) + logical_min(-127) + logical_max(127) + report_size(8) + report_count(2) + \
    inp(VAR | REL) + end()
# Pop brings the Generic Desktop page back for X and Y.
push_pop_mouse = app(0x01, 0x02,
                     push(), usage_page(0x09), usage_min(1), usage_max(3), logical_min(0), logical_max(1),
                     report_size(1), report_count(3), inp(VAR), report_count(5), inp(CONST), pop(),
                     usage(0x30), usage(0x31), logical_min(-127), logical_max(127), report_size(8),
                     report_count(2), inp(VAR | REL))
# A long item between two short ones changes nothing.
long_item_keyboard = boot_keyboard()[:6] + long_item(0xF0, b"\x01\x02\x03\x04") + boot_keyboard()[6:]
# Padding with usages, and a field of no bits, are not a pointer.
padding_only = app(0x01, 0x02,
                   usage(0x30), usage(0x31), report_size(8), report_count(2), inp(CONST | VAR | REL),
                   usage(0x30), usage(0x31), report_size(0), report_count(2), inp(VAR),
                   usage(0x30), usage(0x31), report_size(8), report_count(0), inp(VAR))

CONSTRUCTED = {
    "boot-keyboard": boot_keyboard(),
    "logitech-receiver-mouse": logitech_mouse,
    "wacom-pen": wacom_pen,
    "yubikey-keyboard": yubikey_keyboard,
    "yubikey-fido": yubikey_fido,
    "consumer-remote": remote,
    "gamepad": gamepad,
    "extended-mouse": extended_mouse,
    "extended-keyboard": extended_keyboard,
    "late-page-mouse": late_page_mouse,
    "push-pop-mouse": push_pop_mouse,
    "long-item-keyboard": long_item_keyboard,
    "padding-only": padding_only,
    # malformed: each stops the parser at a known offset
    "bad-truncated-short": bytes.fromhex(PUBLISHED["pikvm-keyboard"].replace(" ", "")) + b"\x26\xff",
    "bad-truncated-long": boot_keyboard()[:6] + b"\xfe\x05\x00\x01\x02",
    "bad-too-deep": app(0x01, 0x02, *([collection(LOGICAL)] * 16), *([end()] * 16)),
    "bad-push-overflow": usage_page(0x01) + push() * 5,
    "bad-pop-underflow": usage_page(0x01) + pop(),
    "bad-end-without-start": usage_page(0x01) + end(),
    "bad-unbalanced": bytes.fromhex(PUBLISHED["pikvm-mouse-absolute"].replace(" ", ""))[:-1],
    "bad-report-id-zero": usage_page(0x01) + report_id(0),
}

out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..", "corpus", "hid")
os.makedirs(out, exist_ok=True)
for name, hexdump in PUBLISHED.items():
    with open(os.path.join(out, name), "wb") as f:
        f.write(bytes.fromhex(hexdump.replace(" ", "")))
for name, data in CONSTRUCTED.items():
    with open(os.path.join(out, name), "wb") as f:
        f.write(data)
