#!/usr/bin/python3
"""Seeds tests/fuzz/corpus/edid/: EDIDs as a connector's sysfs edid file
holds them, built to VESA E-EDID 1.4 and CTA-861. The IP-KVM identities are
those in research/indicators.md (PiKVM's kvmd configs/kvmd/edid). tests/unit/
test-edid.c reads them by name."""
import os
import struct
import sys

HEADER = bytes.fromhex("00ffffffffffff00")
# 1920x1080@60 (CEA VIC 16), 509x286 mm
DTD_1080P = bytes.fromhex("023a801871382d40582c4500fd1e1100001e")
RANGE_LIMITS = bytes.fromhex("000000fd00324b1e5111000a202020202020")
DUMMY = bytes.fromhex("000000100000000000000000000000000000")


def pnp(vendor):
    a, b, c = (ord(ch) - ord("A") + 1 for ch in vendor)
    return struct.pack(">H", a << 10 | b << 5 | c)


def text(tag, s):
    """Display descriptor text: up to 13 bytes, 0x0A-terminated, space-padded."""
    raw = s if isinstance(s, bytes) else s.encode()
    if len(raw) < 13:
        raw += b"\n"
    return bytes([0, 0, 0, tag, 0]) + raw.ljust(13, b" ")[:13]


def checksummed(block):
    assert len(block) == 127
    return block + bytes([-sum(block) & 0xFF])


def base(vendor, product, serial=0, week=1, year=2020, size=(0, 0), descriptors=(), extensions=0, version=(1, 3)):
    descriptors = list(descriptors) + [DUMMY] * (4 - len(descriptors))
    b = HEADER + pnp(vendor) + struct.pack("<HIBB", product, serial, week, year - 1990) + bytes(version)
    b += bytes([0x80, size[0], size[1], 0x78, 0x0A])           # digital input, size, gamma 2.2, features
    b += bytes.fromhex("ee9116a3544c99260f50")                  # chromaticity
    b += bytes([0x21, 0x08, 0x00])                              # established timings
    b += bytes.fromhex("01" * 16)                               # no standard timings
    b += b"".join(descriptors) + bytes([extensions])
    return checksummed(b)


def cta(data_blocks, dtds=(DTD_1080P,)):
    """CTA-861 extension: data block collection, then DTDs from the offset in byte 2."""
    collection = b"".join(bytes([tag << 5 | len(payload)]) + payload for tag, payload in data_blocks)
    b = bytes([0x02, 0x03, 4 + len(collection), 0x70]) + collection + b"".join(dtds)
    return checksummed(b.ljust(127, b"\0"))


VIDEO = (2, bytes([0x90, 0x04]))                      # VIC 16 native, VIC 4
AUDIO = (1, bytes([0x09, 0x07, 0x07]))                # 2-channel LPCM 32/44.1/48 kHz
SPEAKERS = (4, bytes([0x01, 0x00, 0x00]))
HDMI_VSDB = (3, bytes([0x03, 0x0C, 0x00, 0x10, 0x00]))  # OUI 00-0C-03, physical address 1.0.0.0
HDMI_FORUM = (3, bytes([0xD8, 0x5D, 0xC4, 0x01, 0x78, 0x00]))

hdmi_cta = cta([VIDEO, AUDIO, SPEAKERS, HDMI_VSDB])

pikvm = base("LNX", 0x7770, week=14, year=2021, descriptors=[DTD_1080P, RANGE_LIMITS, text(0xFC, "PiKVM"),
                                                              text(0xFF, "CAFEBABE")], extensions=1) + hdmi_cta
ms2109 = base("HJW", 0x0001, serial=0x00000001, week=40, year=2019, size=(70, 39),
              descriptors=[DTD_1080P, text(0xFC, "HDMI TO USB"), RANGE_LIMITS], extensions=1) + hdmi_cta
dell = base("DEL", 0xA0C4, serial=0x4C334B30, week=10, year=2017, size=(52, 32), version=(1, 4),
            descriptors=[DTD_1080P, text(0xFF, "7MT0167B0T4L"), text(0xFC, "DELL U2415"), RANGE_LIMITS],
            extensions=1) + cta([VIDEO, AUDIO, SPEAKERS, HDMI_VSDB, HDMI_FORUM])
toshiba_h2c = base("TSB", 0x8888, serial=0x88888800, week=255, year=2015,
                   descriptors=[DTD_1080P, text(0xFC, "Toshiba-H2C"), RANGE_LIMITS])
# Text fields at their limits: 13 bytes with no terminator, control and
# high bytes, trailing spaces, an unspecified-text descriptor.
odd_strings = base("ABC", 0x1234, descriptors=[text(0xFC, b"\x01Name\x7f\xffX   \n"),
                                               text(0xFF, b"0123456789ABC"), text(0xFE, "  text  ")])

bad_checksum = bytearray(dell)
bad_checksum[127] ^= 0x55
bad_cta_checksum = bytearray(pikvm)
bad_cta_checksum[255] ^= 0x01
# Says three extensions, carries one.
missing_extensions = bytearray(pikvm)
missing_extensions[126] = 3
missing_extensions[127] = (missing_extensions[127] - 2) & 0xFF
# A data block longer than the collection, and a DTD offset inside the header.
overrun_cta = bytearray(cta([VIDEO]))
overrun_cta[4] = 2 << 5 | 0x1F
overrun_cta[127] = -sum(overrun_cta[:127]) & 0xFF
bad_offset_cta = bytearray(cta([]))
bad_offset_cta[2] = 2
bad_offset_cta[127] = -sum(bad_offset_cta[:127]) & 0xFF

EDIDS = {
    "pikvm": pikvm,
    "ms2109": ms2109,
    "dell-u2415": dell,
    "toshiba-h2c": toshiba_h2c,
    "odd-strings": odd_strings,
    "bad-checksum": bytes(bad_checksum),
    "bad-cta-checksum": bytes(bad_cta_checksum),
    "missing-extensions": bytes(missing_extensions),
    "partial-trailing-block": toshiba_h2c + hdmi_cta[:50],
    "cta-overrun": base("ABC", 1, extensions=2) + bytes(overrun_cta) + bytes(bad_offset_cta),
    "truncated-100": pikvm[:100],
    "bad-header": pikvm[:7] + b"\xfe" + pikvm[8:128],
}

out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..", "corpus", "edid")
os.makedirs(out, exist_ok=True)
for name, data in EDIDS.items():
    with open(os.path.join(out, name), "wb") as f:
        f.write(data)
