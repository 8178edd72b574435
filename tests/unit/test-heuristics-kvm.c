/* SPDX-License-Identifier: MIT */
/* The KVM heuristics (core/heuristics-kvm.c), each on hand-built observations
 * that should and should not make it fire, then through the core with the
 * shipped kvm.yaml and kvm-heuristics.yaml: one finding per device with every
 * reason, real peripherals quiet. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "core.h"
#include "heuristics.h"
#include "util.h"

static char reason[256];
static unsigned confidence;

/* 1 and the reason when the named heuristic fires on o, else 0 (reason emptied). */
static int eval(const char *name, const struct tt_observation *o) {
        const struct tt_heuristic *h = tt_heuristic_find(name);
        assert_non_null(h);
        assert_string_equal(h->kind, o->kind);
        reason[0] = '\0';
        confidence = 0;
        int r = tt_heuristic_eval(h, NULL, o, &confidence, reason, sizeof(reason));
        assert_true(r == 0 || r == 1);
        if (r == 1) {
                assert_true(confidence > 0 && confidence <= 100);
                assert_true(strlen(reason) > 0 && strlen(reason) < sizeof(reason));
                assert_null(strchr(reason, '\n'));
        }
        return r;
}

static void assert_reason_has(const char *text) {
        if (!strstr(reason, text))
                fail_msg("reason \"%s\" lacks \"%s\"", reason, text);
}

/* ---- usb_device observations, as probes/usb.c emits them ------------------------------------------------------- */
static void usb(struct tt_observation *o, int64_t vendor, int64_t product, const char *speed) {
        tt_obs_init(o, "usb_device", "usb:1-1");
        tt_obs_add_hex(o, "vendor_id", vendor);
        tt_obs_add_hex(o, "product_id", product);
        tt_obs_add_str(o, "speed", speed);
        tt_obs_add_str(o, "device_class", "00");
}

static void add_strs(struct tt_observation *o, const char *key, const char *const *values) {
        for (size_t i = 0; values[i]; i++)
                tt_obs_add_str(o, key, values[i]);
}

#define KINDS(o, ...) add_strs(o, "hid_kind", (const char *const[]){ __VA_ARGS__, NULL })
#define CLASSES(o, ...) add_strs(o, "interface_class", (const char *const[]){ __VA_ARGS__, NULL })
#define NAMES(o, ...) add_strs(o, "interface_name", (const char *const[]){ __VA_ARGS__, NULL })

static void lengths(struct tt_observation *o, const int64_t *l, size_t n) {
        for (size_t i = 0; i < n; i++)
                tt_obs_add_int(o, "hid_descriptor_length", l[i]);
}

/* A PiKVM as kvmd builds it. */
static void pikvm(struct tt_observation *o) {
        usb(o, 0x1d6b, 0x0104, "480");
        tt_obs_add_str(o, "manufacturer", "PiKVM");
        tt_obs_add_hex(o, "bcd_device", 0x0100);
        tt_obs_add_int(o, "num_interfaces", 3);
        tt_obs_add_str(o, "bm_attributes", "a0");
        tt_obs_add_int(o, "max_power", 250);
        KINDS(o, "keyboard", "absolute_pointer");
        CLASSES(o, "03", "08");
        lengths(o, (const int64_t[]){ 65, 73 }, 2);
        NAMES(o, "HID Interface", "Mass Storage");
}

/* A JetKVM in its Logitech preset. */
static void jetkvm_spoof(struct tt_observation *o) {
        usb(o, 0x046d, 0xc52b, "480");
        tt_obs_add_str(o, "manufacturer", "Logitech (x64)");
        tt_obs_add_hex(o, "bcd_device", 0x0100);
        tt_obs_add_int(o, "num_interfaces", 4);
        tt_obs_add_str(o, "bm_attributes", "80");
        tt_obs_add_int(o, "max_power", 250);
        KINDS(o, "keyboard", "mouse", "absolute_pointer");
        CLASSES(o, "03", "08");
        lengths(o, (const int64_t[]){ 63, 78, 46 }, 3);
        NAMES(o, "HID Interface", "Mass Storage");
}

/* The real Unifying receiver. */
static void unifying(struct tt_observation *o) {
        usb(o, 0x046d, 0xc52b, "12");
        tt_obs_add_str(o, "manufacturer", "Logitech");
        tt_obs_add_hex(o, "bcd_device", 0x1211);
        tt_obs_add_int(o, "num_interfaces", 3);
        tt_obs_add_str(o, "bm_attributes", "a0");
        tt_obs_add_int(o, "max_power", 98);
        KINDS(o, "keyboard", "mouse", "consumer", "system_control", "vendor");
        CLASSES(o, "03");
        lengths(o, (const int64_t[]){ 63, 148, 98 }, 3);
}

/* A Wacom Intuos: pen digitizer with absolute X/Y, express keys as a keyboard. */
static void wacom(struct tt_observation *o, const char *speed) {
        usb(o, 0x056a, 0x0374, speed);
        KINDS(o, "keyboard", "absolute_pointer", "digitizer");
        CLASSES(o, "03");
        lengths(o, (const int64_t[]){ 87, 63 }, 2);
        tt_obs_add_int(o, "max_power", 498);
}

static void test_linux_gadget_vid(void **state) {
        struct tt_observation o;
        pikvm(&o);
        assert_int_equal(eval("usb-linux-gadget-vid", &o), 1);
        assert_int_equal(confidence, 85);
        assert_reason_has("vendor id 1d6b");
        assert_reason_has("a keyboard, an absolute pointer and mass storage");

        /* A development board in gadget mode: network only, less sure. */
        usb(&o, 0x1d6b, 0x0104, "480");
        CLASSES(&o, "02", "0a");
        NAMES(&o, "CDC Ethernet Control Model (ECM)", "CDC Ethernet Data");
        assert_int_equal(eval("usb-linux-gadget-vid", &o), 1);
        assert_int_equal(confidence, 70);
        assert_reason_has("offering USB networking");

        /* Hubs: by device class, or every interface a hub's. */
        usb(&o, 0x1d6b, 0x0107, "480");
        tt_obs_init(&o, "usb_device", "usb:1-1");
        tt_obs_add_hex(&o, "vendor_id", 0x1d6b);
        tt_obs_add_hex(&o, "product_id", 0x0107);
        tt_obs_add_str(&o, "device_class", "09");
        assert_int_equal(eval("usb-linux-gadget-vid", &o), 0);
        usb(&o, 0x1d6b, 0x0107, "480");
        CLASSES(&o, "09");
        assert_int_equal(eval("usb-linux-gadget-vid", &o), 0);

        jetkvm_spoof(&o);
        assert_int_equal(eval("usb-linux-gadget-vid", &o), 0);
        tt_obs_init(&o, "usb_device", "usb:1-1");
        assert_int_equal(eval("usb-linux-gadget-vid", &o), 0);
        /* A vendor id of the wrong type is no vendor id. */
        tt_obs_add_str(&o, "vendor_id", "1d6b");
        assert_int_equal(eval("usb-linux-gadget-vid", &o), 0);
}

static void test_kernel_bcd(void **state) {
        struct tt_observation o;
        static const struct {
                int64_t bcd;
                const char *version; /* NULL: not a kernel version */
        } cases[] = {
                { 0x0510, "Linux 5.10" }, { 0x0606, "Linux 6.6" },   { 0x0612, "Linux 6.12" },
                { 0x0420, "Linux 4.20" }, { 0x0300, "Linux 3.0" },   { 0x0730, "Linux 7.30" },
                { 0x0421, NULL },         { 0x0520, NULL },          { 0x0543, NULL }, /* YubiKey 5.4.3 */
                { 0x05a0, NULL },         { 0x0100, NULL },          { 0x0206, NULL },
                { 0x0800, NULL },         { 0x1211, NULL },          { 0x0631, NULL },
        };
        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                usb(&o, 0x3346, 0x1009, "480");
                tt_obs_add_hex(&o, "bcd_device", cases[i].bcd);
                KINDS(&o, "keyboard");
                assert_int_equal(eval("usb-gadget-kernel-bcd", &o), cases[i].version != NULL);
                if (cases[i].version)
                        assert_reason_has(cases[i].version);
        }

        /* Without another tell a kernel-looking number is only a firmware version. */
        usb(&o, 0x3346, 0x1009, "12");
        tt_obs_add_hex(&o, "bcd_device", 0x0510);
        KINDS(&o, "keyboard");
        assert_int_equal(eval("usb-gadget-kernel-bcd", &o), 0);
        /* ... and with the kernel's interface strings it is the gadget default. */
        NAMES(&o, "Mass Storage");
        assert_int_equal(eval("usb-gadget-kernel-bcd", &o), 1);
        assert_int_equal(confidence, 50);
        assert_reason_has("bcdDevice 0510");

        usb(&o, 0x1d6b, 0x0104, "480");
        assert_int_equal(eval("usb-gadget-kernel-bcd", &o), 0); /* no bcdDevice at all */
}

static void test_function_strings(void **state) {
        struct tt_observation o;
        usb(&o, 0x18d1, 0x4ee3, "480");
        NAMES(&o, "MTP", "RNDIS Communications Control", "RNDIS Ethernet Data", "CDC Network Data", "HID Interface");
        assert_int_equal(eval("usb-gadget-function-strings", &o), 1);
        assert_int_equal(confidence, 50);
        assert_reason_has("\"RNDIS Communications Control\", \"RNDIS Ethernet Data\", \"CDC Network Data\"");
        assert_null(strstr(reason, "MTP"));

        usb(&o, 0x1d6b, 0x0104, "480");
        NAMES(&o, "hid interface", "HID Interface ", "Keyboard", "");
        assert_int_equal(eval("usb-gadget-function-strings", &o), 0);
        usb(&o, 0x1d6b, 0x0104, "480");
        assert_int_equal(eval("usb-gadget-function-strings", &o), 0);
}

static void test_keyboard_absolute_pointer(void **state) {
        struct tt_observation o;
        /* The shape alone, at full speed with nothing else: low. */
        usb(&o, 0x1234, 0x5678, "12");
        KINDS(&o, "keyboard", "absolute_pointer");
        CLASSES(&o, "03");
        assert_int_equal(eval("usb-keyboard-absolute-pointer", &o), 1);
        assert_int_equal(confidence, 45);
        assert_reason_has("at 12 Mbit/s");
        assert_int_equal(eval("usb-kvm-composite", &o), 0);

        /* Drawing tablets are digitizers. */
        wacom(&o, "12");
        assert_int_equal(eval("usb-keyboard-absolute-pointer", &o), 0);
        assert_int_equal(eval("usb-kvm-composite", &o), 0);
        /* Not both halves. */
        usb(&o, 0x1234, 0x5678, "12");
        KINDS(&o, "absolute_pointer", "mouse");
        assert_int_equal(eval("usb-keyboard-absolute-pointer", &o), 0);
        usb(&o, 0x1234, 0x5678, "12");
        KINDS(&o, "keyboard", "mouse");
        assert_int_equal(eval("usb-keyboard-absolute-pointer", &o), 0);
        /* Corroborated: the composite rule speaks instead. */
        pikvm(&o);
        assert_int_equal(eval("usb-keyboard-absolute-pointer", &o), 0);
}

static void test_kvm_composite(void **state) {
        struct tt_observation o;
        static const struct {
                const char *speed, *cls, *label;
                int64_t vendor;
                const char *expect;
                unsigned confidence;
        } cases[] = {
                { "12", "08", NULL, 0x1234, "with mass storage (virtual media)", 85 },
                { "12", "e0", NULL, 0x1234, "with USB networking", 85 },      /* RNDIS as Android sets it */
                { "12", "ef", NULL, 0x1234, "with USB networking", 85 },      /* RNDIS as ef/04/01 */
                { "480", "03", NULL, 0x1234, "with the keyboard at 480 Mbit/s", 85 },
                { "12", "03", NULL, 0x1d6b, "with the Linux Foundation vendor id", 85 },
                { "12", "03", "HID Interface", 0x1234, "with Linux gadget interface strings", 85 },
                { "5000", "02", "CDC Network Data", 0x1d6b, "USB networking, the keyboard at 5000 Mbit/s", 95 },
        };
        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                usb(&o, cases[i].vendor, 0x0001, cases[i].speed);
                KINDS(&o, "keyboard", "absolute_pointer");
                CLASSES(&o, "03", cases[i].cls);
                if (cases[i].label)
                        NAMES(&o, cases[i].label);
                assert_int_equal(eval("usb-kvm-composite", &o), 1);
                assert_reason_has(cases[i].expect);
                assert_reason_has(": the IP-KVM gadget shape");
                assert_int_equal(confidence, cases[i].confidence);
        }
        pikvm(&o);
        assert_int_equal(eval("usb-kvm-composite", &o), 1);
        assert_int_equal(confidence, 95);

        /* A tablet with a storage interface, at high speed, is still a tablet. */
        wacom(&o, "480");
        CLASSES(&o, "08");
        assert_int_equal(eval("usb-kvm-composite", &o), 0);
        /* A keyboard with a relative mouse and storage (a keyboard with a card reader) is no KVM. */
        usb(&o, 0x1234, 0x5678, "480");
        KINDS(&o, "keyboard", "mouse");
        CLASSES(&o, "03", "08");
        assert_int_equal(eval("usb-kvm-composite", &o), 0);
}

static void test_keyboard_high_speed(void **state) {
        struct tt_observation o;
        static const struct {
                const char *speed;
                int fires;
        } cases[] = {
                { "480", 1 }, { "5000", 1 }, { "10000", 1 }, { "20000", 1 }, { "12", 0 }, { "1.5", 0 },
                { "", 0 },    { "fast", 0 }, { "480x", 0 },  { "-480", 0 },
        };
        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                usb(&o, 0x1234, 0x5678, cases[i].speed);
                KINDS(&o, "keyboard");
                assert_int_equal(eval("usb-keyboard-high-speed", &o), cases[i].fires);
                if (cases[i].fires) {
                        assert_int_equal(confidence, 70);
                        assert_true(startswith(reason, "a HID keyboard at "));
                }
        }
        usb(&o, 0x1234, 0x5678, "480");
        KINDS(&o, "mouse", "absolute_pointer");
        assert_int_equal(eval("usb-keyboard-high-speed", &o), 0);
        tt_obs_init(&o, "usb_device", "usb:1-1");
        KINDS(&o, "keyboard");
        assert_int_equal(eval("usb-keyboard-high-speed", &o), 0); /* speed unknown */
}

static void test_known_id_mismatch(void **state) {
        struct tt_observation o;
        jetkvm_spoof(&o);
        assert_int_equal(eval("usb-known-id-mismatch", &o), 1);
        assert_int_equal(confidence, 95);
        static const char *const parts[] = {
                "046d:c52b claims to be a Logitech Unifying receiver, but shows 480 Mbit/s (real: 12 at most)",
                "an absolute pointer", "mass storage", "4 interfaces (real: 3)", "no HID++ vendor interface",
                "manufacturer \"Logitech (x64)\" (real: \"Logitech\")",
        };
        for (size_t i = 0; i < ELEMENTSOF(parts); i++)
                assert_reason_has(parts[i]);

        /* One contradiction: only the strings are wrong. */
        unifying(&o);
        o.attrs[4].str = "Logitech (x64)"; /* manufacturer */
        assert_string_equal(o.attrs[4].key, "manufacturer");
        assert_int_equal(eval("usb-known-id-mismatch", &o), 1);
        assert_int_equal(confidence, 80);
        /* Two. */
        unifying(&o);
        o.attrs[2].str = "480"; /* speed */
        assert_string_equal(o.attrs[2].key, "speed");
        tt_obs_add_str(&o, "interface_class", "0a");
        assert_int_equal(eval("usb-known-id-mismatch", &o), 1);
        assert_int_equal(confidence, 90);
        assert_reason_has("USB networking");

        /* The other identities JetKVM and Pico boards copy. */
        usb(&o, 0x413c, 0x2011, "480");
        KINDS(&o, "keyboard");
        assert_int_equal(eval("usb-known-id-mismatch", &o), 1);
        assert_reason_has("a Dell Multimedia Pro Keyboard");
        usb(&o, 0x045e, 0x005f, "12");
        KINDS(&o, "keyboard", "absolute_pointer");
        assert_int_equal(eval("usb-known-id-mismatch", &o), 1);
        assert_reason_has("Microsoft");
        usb(&o, 0x1050, 0x0407, "12");
        KINDS(&o, "keyboard", "fido", "absolute_pointer");
        assert_int_equal(eval("usb-known-id-mismatch", &o), 1);
        assert_reason_has("a YubiKey");

        /* The real products, and what is merely absent, contradict nothing. */
        unifying(&o);
        assert_int_equal(eval("usb-known-id-mismatch", &o), 0);
        usb(&o, 0x046d, 0xc52b, "12"); /* no strings, no interfaces read */
        assert_int_equal(eval("usb-known-id-mismatch", &o), 0);
        usb(&o, 0x413c, 0x2113, "1.5");
        KINDS(&o, "keyboard", "consumer", "system_control");
        CLASSES(&o, "03");
        tt_obs_add_int(&o, "num_interfaces", 2);
        assert_int_equal(eval("usb-known-id-mismatch", &o), 0);
        usb(&o, 0x1050, 0x0407, "12");
        KINDS(&o, "keyboard", "fido");
        CLASSES(&o, "03", "0b");
        tt_obs_add_str(&o, "manufacturer", "Yubico");
        assert_int_equal(eval("usb-known-id-mismatch", &o), 0);
        /* An id nobody copies is not judged here. */
        usb(&o, 0x1234, 0x5678, "480");
        KINDS(&o, "keyboard", "absolute_pointer");
        assert_int_equal(eval("usb-known-id-mismatch", &o), 0);
}

static void test_hid_template(void **state) {
        struct tt_observation o;
        pikvm(&o);
        assert_int_equal(eval("usb-gadget-hid-template", &o), 1);
        assert_int_equal(confidence, 40);
        assert_reason_has("lengths 65/73 match PiKVM (kvmd)'s");
        jetkvm_spoof(&o);
        assert_int_equal(eval("usb-gadget-hid-template", &o), 1);
        assert_reason_has("63/78/46 match JetKVM's");

        /* NanoKVM's lengths, on a device a tell already flagged (keyboard at 480). */
        usb(&o, 0x3346, 0x1009, "480");
        KINDS(&o, "keyboard");
        lengths(&o, (const int64_t[]){ 63, 52, 74 }, 3);
        assert_int_equal(eval("usb-gadget-hid-template", &o), 1);
        assert_reason_has("NanoKVM");

        /* Supporting only: the same lengths on a device nothing else flags. */
        usb(&o, 0x3346, 0x1009, "12");
        KINDS(&o, "keyboard");
        lengths(&o, (const int64_t[]){ 63, 52, 74 }, 3);
        assert_int_equal(eval("usb-gadget-hid-template", &o), 0);
        /* A firmware version that looks like a kernel's is no tell to support either. */
        tt_obs_add_hex(&o, "bcd_device", 0x0510);
        assert_int_equal(eval("usb-gadget-hid-template", &o), 0);
        /* One length is no template: 63 is the boot keyboard. */
        usb(&o, 0x1234, 0x5678, "480");
        KINDS(&o, "keyboard");
        lengths(&o, (const int64_t[]){ 63, 148, 98 }, 3);
        assert_int_equal(eval("usb-gadget-hid-template", &o), 0);
        unifying(&o);
        assert_int_equal(eval("usb-gadget-hid-template", &o), 0);
}

static void test_default_power(void **state) {
        struct tt_observation o;
        pikvm(&o);
        assert_int_equal(eval("usb-gadget-default-power", &o), 1);
        assert_int_equal(confidence, 30);
        assert_reason_has("bmAttributes a0): PiKVM's defaults");
        jetkvm_spoof(&o);
        assert_int_equal(eval("usb-gadget-default-power", &o), 1);
        assert_reason_has("MaxPower 250 mA: what the PiKVM, TinyPilot and JetKVM");

        /* 250 mA on a device nothing else flags. */
        usb(&o, 0x1234, 0x5678, "12");
        KINDS(&o, "keyboard");
        tt_obs_add_int(&o, "max_power", 250);
        tt_obs_add_str(&o, "bm_attributes", "a0");
        assert_int_equal(eval("usb-gadget-default-power", &o), 0);
        tt_obs_add_hex(&o, "bcd_device", 0x0606);
        assert_int_equal(eval("usb-gadget-default-power", &o), 0);
        /* Another power on a flagged device. */
        usb(&o, 0x1d6b, 0x0104, "480");
        KINDS(&o, "keyboard");
        tt_obs_add_int(&o, "max_power", 120);
        assert_int_equal(eval("usb-gadget-default-power", &o), 0);
}

/* ---- edid ------------------------------------------------------------------------------------------------------ */
static void edid(struct tt_observation *o, const char *connector, const char *vendor, const char *name, bool sum) {
        tt_obs_init(o, "edid", connector);
        tt_obs_add_str(o, "connector", connector);
        tt_obs_add_str(o, "vendor", vendor);
        tt_obs_add_str(o, "name", name);
        tt_obs_add_bool(o, "checksum_ok", sum);
}

static void test_edid_capture_chip(void **state) {
        struct tt_observation o;
        static const struct {
                const char *vendor, *name, *expect;
        } hits[] = {
                { "LNX", "PiKVM", "vendor LNX, a Linux-made EDID" },
                { "LNX", "Linux FHD", "vendor LNX" },
                { "LNX", NULL, "vendor LNX" },
                { "HJW", "HDMI TO USB", "vendor HJW, MacroSilicon HDMI capture chips (MS2109, MS2130), and the name" },
                { "ABC", "HD to USB", "is named \"HD to USB\"" },
                { "XYZ", "USB3 Capture", "is named \"USB3 Capture\"" },
                { "MSI", "MACROSILICON", "is named \"MACROSILICON\"" },
        };
        for (size_t i = 0; i < ELEMENTSOF(hits); i++) {
                edid(&o, "card1-HDMI-A-1", hits[i].vendor, hits[i].name, true);
                assert_int_equal(eval("edid-capture-chip", &o), 1);
                assert_int_equal(confidence, 80);
                assert_reason_has("the display on card1-HDMI-A-1");
                assert_reason_has(hits[i].expect);
        }
        static const char *const quiet[][2] = {
                { "DEL", "DELL U2415" }, { "TSB", "TOSHIBA-TV" }, { "BOE", NULL }, { "lnx", "x" }, { NULL, NULL },
                { "SAM", "USB monitor" },
        };
        for (size_t i = 0; i < ELEMENTSOF(quiet); i++) {
                edid(&o, "card1-DP-1", quiet[i][0], quiet[i][1], true);
                assert_int_equal(eval("edid-capture-chip", &o), 0);
        }
}

static void test_edid_invalid_external(void **state) {
        struct tt_observation o;
        edid(&o, "card1-HDMI-A-1", "DEL", "DELL U2415", false);
        assert_int_equal(eval("edid-invalid-external", &o), 1);
        assert_int_equal(confidence, 30);
        assert_reason_has("card1-HDMI-A-1 (vendor DEL) fails its checksum");
        edid(&o, "card0-DP-3", "?AB", NULL, true);
        assert_int_equal(eval("edid-invalid-external", &o), 1);
        assert_reason_has("impossible manufacturer id");
        /* What the drm probe emits for bytes that are no EDID. */
        tt_obs_init(&o, "edid", "edid:card1-DVI-D-1");
        tt_obs_add_str(&o, "connector", "card1-DVI-D-1");
        tt_obs_add_bool(&o, "checksum_ok", false);
        assert_int_equal(eval("edid-invalid-external", &o), 1);
        assert_reason_has("not an EDID");
        edid(&o, "card2-VGA-1", "GSM", NULL, false);
        assert_int_equal(eval("edid-invalid-external", &o), 1);

        /* The laptop's own panel, a VM's display, a good EDID, no connector. */
        static const char *const quiet[] = { "card1-eDP-1", "card0-LVDS-1", "card0-DSI-1", "card0-Virtual-1",
                                             "HDMI-A-1", "card1-", "card1-Writeback-1" };
        for (size_t i = 0; i < ELEMENTSOF(quiet); i++) {
                edid(&o, quiet[i], "BOE", NULL, false);
                assert_int_equal(eval("edid-invalid-external", &o), 0);
        }
        edid(&o, "card1-HDMI-A-1", "DEL", NULL, true);
        assert_int_equal(eval("edid-invalid-external", &o), 0);
        tt_obs_init(&o, "edid", "edid:x");
        assert_int_equal(eval("edid-invalid-external", &o), 0);
}

/* ---- input_device ---------------------------------------------------------------------------------------------- */
static void input(struct tt_observation *o, const char *bus, int64_t vendor, const char *name, const char *sysfs,
                  const char *handlers) {
        tt_obs_init(o, "input_device", sysfs);
        tt_obs_add_str(o, "bus", bus);
        tt_obs_add_hex(o, "vendor", vendor);
        tt_obs_add_hex(o, "product", 0x0104);
        tt_obs_add_str(o, "name", name);
        tt_obs_add_str(o, "sysfs", sysfs);
        tt_obs_add_str(o, "handlers", handlers);
}

static void test_input_virtual_device(void **state) {
        struct tt_observation o;
        static const struct {
                const char *name, *handlers, *expect;
        } hits[] = {
                { "Keyboard passthrough", "sysrq kbd leds event21", "\"Keyboard passthrough\" is a keyboard made" },
                { "Mouse passthrough", "mouse3 event22", "is a pointer made by a program through uinput" },
                { "Remote Input", "sysrq kbd mouse4 event23", "is a keyboard and pointer" },
                { NULL, "kbd event24", "\"(no name)\" is a keyboard" },
                { "keyd virtual keyboard x", "kbd event25", "is a keyboard" }, /* only the exact names pass */
        };
        for (size_t i = 0; i < ELEMENTSOF(hits); i++) {
                input(&o, "usb", 0x1234, hits[i].name, "/devices/virtual/input/input40", hits[i].handlers);
                assert_int_equal(eval("input-virtual-device", &o), 1);
                assert_int_equal(confidence, 55);
                assert_reason_has(hits[i].expect);
        }
        static const struct {
                const char *name, *sysfs, *handlers;
        } quiet[] = {
                { "HP WMI hotkeys", "/devices/virtual/input/input9", "kbd event7" },
                { "Acer WMI hotkeys", "/devices/virtual/input/input9", "kbd event7" },
                { "ydotoold virtual device", "/devices/virtual/input/input30", "sysrq kbd mouse2 event20" },
                { "keyd virtual keyboard", "/devices/virtual/input/input31", "sysrq kbd leds event21" },
                { "keyd virtual pointer", "/devices/virtual/input/input32", "mouse3 event22" },
                { "input-remapper Logitech USB Receiver forwarded", "/devices/virtual/input/input33", "kbd event23" },
                { "kanata", "/devices/virtual/input/input34", "kbd event24" },
                { "KMonad output", "/devices/virtual/input/input35", "kbd event25" },
                /* A Bluetooth LE mouse, made by BlueZ through uhid. */
                { "MX Anywhere 3 Mouse", "/devices/virtual/misc/uhid/0005:046D:B025.000F/input/input30",
                  "mouse5 event20" },
                /* Hardware. */
                { "AT Translated Set 2 keyboard", "/devices/platform/i8042/serio0/input/input3", "sysrq kbd event3" },
                /* A gamepad made by Steam, and a device with no keyboard or pointer handler. */
                { "Microsoft X-Box 360 pad 0", "/devices/virtual/input/input36", "event26 js0" },
                { "Virtual switch", "/devices/virtual/input/input37", "kbdx mousex mouse event27" },
                { "Nothing", "/devices/virtual/input/input38", NULL },
        };
        for (size_t i = 0; i < ELEMENTSOF(quiet); i++) {
                input(&o, "usb", 0x1234, quiet[i].name, quiet[i].sysfs, quiet[i].handlers);
                assert_int_equal(eval("input-virtual-device", &o), 0);
        }
        tt_obs_init(&o, "input_device", "input:x");
        tt_obs_add_str(&o, "handlers", "kbd");
        assert_int_equal(eval("input-virtual-device", &o), 0); /* no sysfs */
}

static void test_input_usb_gadget(void **state) {
        struct tt_observation o;
        input(&o, "usb", 0x1d6b, "PiKVM PiKVM Composite Device",
              "/devices/pci0000:00/0000:00:14.0/usb1/1-1/1-1:1.0/0003:1D6B:0104.0006/input/input20", "kbd event9");
        assert_int_equal(eval("input-usb-gadget", &o), 1);
        assert_int_equal(confidence, 60);
        assert_reason_has("\"PiKVM PiKVM Composite Device\" comes from a USB device");
        assert_reason_has("(1d6b:0104)");

        input(&o, "usb", 0x046d, "Logitech USB Receiver", "/devices/pci0000:00/x", "kbd event9");
        assert_int_equal(eval("input-usb-gadget", &o), 0);
        input(&o, "bluetooth", 0x1d6b, "x", "/devices/virtual/misc/uhid/x", "kbd event9");
        assert_int_equal(eval("input-usb-gadget", &o), 0);
        tt_obs_init(&o, "input_device", "input:x");
        tt_obs_add_str(&o, "bus", "usb");
        assert_int_equal(eval("input-usb-gadget", &o), 0);
}

/* ---- Through the core, with the shipped rules ------------------------------------------------------------------ */
static const char *const kvm_heuristic_names[] = {
        "usb-linux-gadget-vid",    "usb-gadget-kernel-bcd",   "usb-gadget-function-strings",
        "usb-keyboard-absolute-pointer", "usb-kvm-composite", "usb-keyboard-high-speed",
        "usb-known-id-mismatch",   "usb-gadget-hid-template", "usb-gadget-default-power",
        "edid-capture-chip",       "edid-invalid-external",   "input-virtual-device",
        "input-usb-gadget",
};

struct fixture {
        struct tt_catalog cat;
        struct tt_config cfg;
        struct tt_core *core;
};

static int setup(void **state) {
        struct fixture *fx = calloc(1, sizeof(*fx));
        struct tt_error err = {};
        assert_non_null(fx);
        if (tt_catalog_load_file(&fx->cat, TT_SOURCE_DIR "/config/catalog/kvm.yaml", &err) < 0 ||
            tt_catalog_load_file(&fx->cat, TT_SOURCE_DIR "/config/catalog/kvm-heuristics.yaml", &err) < 0)
                fail_msg("%s", err.msg);
        assert_int_equal(tt_config_load(NULL, &fx->cfg, &err), 0);
        assert_int_equal(tt_core_new(&fx->cfg, &fx->cat, "lt-1", &fx->core), 0);
        *state = fx;
        return 0;
}

static int teardown(void **state) {
        struct fixture *fx = *state;
        tt_core_free(fx->core);
        tt_config_free(&fx->cfg);
        tt_catalog_free(&fx->cat);
        free(fx);
        return 0;
}

static void test_catalog_binds_each_heuristic_once(void **state) {
        struct fixture *fx = *state;
        for (size_t i = 0; i < ELEMENTSOF(kvm_heuristic_names); i++) {
                unsigned n = 0;
                for (size_t r = 0; r < fx->cat.n_rules; r++)
                        if (fx->cat.rules[r].heuristic && streq(fx->cat.rules[r].heuristic->name,
                                                                kvm_heuristic_names[i]))
                                n++;
                if (n != 1)
                        fail_msg("%s is bound by %u rules", kvm_heuristic_names[i], n);
        }
}

static const struct tt_finding *only_finding(struct tt_core *core) {
        assert_int_equal(tt_core_flush(core, 2000000), 0);
        assert_int_equal(tt_core_n_findings(core), 1);
        return tt_core_finding(core, 0);
}

static bool has_reason(const struct tt_finding *f, const char *rule) {
        for (size_t i = 0; i < f->n_reasons; i++)
                if (streq(f->reasons[i].rule->id, rule))
                        return true;
        return false;
}

static void test_core_one_finding_per_device(void **state) {
        struct fixture *fx = *state;
        struct tt_observation o;

        /* The PiKVM: named by the catalog, every shape tell a reason of the same finding. */
        pikvm(&o);
        assert_int_equal(tt_core_observe(fx->core, "usb", &o, 1000000), 0);
        const struct tt_finding *f = only_finding(fx->core);
        assert_string_equal(f->rule->id, "kvm.pikvm.usb");
        assert_int_equal(f->severity, TT_SEVERITY_CRITICAL);
        static const char *const pikvm_reasons[] = {
                "kvm.gadget.linux-vid", "kvm.hid.kvm-composite", "kvm.hid.keyboard-high-speed",
                "kvm.gadget.function-strings", "kvm.gadget.hid-template", "kvm.gadget.default-power",
        };
        for (size_t i = 0; i < ELEMENTSOF(pikvm_reasons); i++)
                assert_true(has_reason(f, pikvm_reasons[i]));
        assert_false(has_reason(f, "kvm.spoof.known-id"));
        assert_false(has_reason(f, "kvm.hid.keyboard-absolute-pointer"));
        assert_int_equal(f->confidence, 99);
        tt_core_reset(fx->core);

        /* The spoofer: no id rule, reported once by the copied identity with the shape as reasons. */
        jetkvm_spoof(&o);
        assert_int_equal(tt_core_observe(fx->core, "usb", &o, 1000000), 0);
        f = only_finding(fx->core);
        assert_string_equal(f->rule->id, "kvm.spoof.known-id");
        assert_int_equal(f->severity, TT_SEVERITY_CRITICAL);
        assert_int_equal(f->n_reasons, 6);
        assert_true(has_reason(f, "kvm.hid.kvm-composite"));
        assert_non_null(strstr(f->summary, "claims to be a Logitech Unifying receiver"));
        tt_core_reset(fx->core);

        /* Keyboard and absolute pointer with nothing else: one low finding. */
        usb(&o, 0x1234, 0x5678, "12");
        KINDS(&o, "keyboard", "absolute_pointer");
        assert_int_equal(tt_core_observe(fx->core, "usb", &o, 1000000), 0);
        f = only_finding(fx->core);
        assert_string_equal(f->rule->id, "kvm.hid.keyboard-absolute-pointer");
        assert_int_equal(f->severity, TT_SEVERITY_LOW);
        tt_core_reset(fx->core);

        /* A capture dongle's EDID that no id rule names. */
        edid(&o, "card1-HDMI-A-1", "HJW", "HDMI TO USB", true);
        assert_int_equal(tt_core_observe(fx->core, "drm", &o, 1000000), 0);
        f = only_finding(fx->core);
        assert_string_equal(f->rule->id, "kvm.edid.capture-chip");
        assert_int_equal(f->severity, TT_SEVERITY_HIGH);
        tt_core_reset(fx->core);
}

static void test_core_real_peripherals_quiet(void **state) {
        struct fixture *fx = *state;
        struct tt_observation o;
        unifying(&o);
        assert_int_equal(tt_core_observe(fx->core, "usb", &o, 1000000), 0);
        wacom(&o, "12");
        assert_int_equal(tt_core_observe(fx->core, "usb", &o, 1000000), 0);
        usb(&o, 0x1050, 0x0407, "12");
        KINDS(&o, "keyboard", "fido");
        CLASSES(&o, "03", "0b");
        assert_int_equal(tt_core_observe(fx->core, "usb", &o, 1000000), 0);
        usb(&o, 0x0bda, 0x8153, "5000"); /* a dock's Ethernet */
        CLASSES(&o, "ff");
        tt_obs_add_hex(&o, "bcd_device", 0x0510);
        assert_int_equal(tt_core_observe(fx->core, "usb", &o, 1000000), 0);
        usb(&o, 0x8087, 0x0033, "12"); /* Bluetooth: class e0, no keyboard */
        CLASSES(&o, "e0");
        assert_int_equal(tt_core_observe(fx->core, "usb", &o, 1000000), 0);
        edid(&o, "card1-DP-1", "DEL", "DELL U2415", true);
        assert_int_equal(tt_core_observe(fx->core, "drm", &o, 1000000), 0);
        edid(&o, "card1-eDP-1", "BOE", NULL, false);
        assert_int_equal(tt_core_observe(fx->core, "drm", &o, 1000000), 0);
        input(&o, "host", 0, "HP WMI hotkeys", "/devices/virtual/input/input9", "kbd event7");
        assert_int_equal(tt_core_observe(fx->core, "input", &o, 1000000), 0);
        assert_int_equal(tt_core_flush(fx->core, 2000000), 0);
        for (size_t i = 0; i < tt_core_n_findings(fx->core); i++)
                fail_msg("unexpected finding %s: %s", tt_core_finding(fx->core, i)->rule->id,
                         tt_core_finding(fx->core, i)->summary);
        tt_core_reset(fx->core);
}

int main(void) {
        const struct CMUnitTest heuristics[] = {
                cmocka_unit_test(test_linux_gadget_vid),       cmocka_unit_test(test_kernel_bcd),
                cmocka_unit_test(test_function_strings),       cmocka_unit_test(test_keyboard_absolute_pointer),
                cmocka_unit_test(test_kvm_composite),          cmocka_unit_test(test_keyboard_high_speed),
                cmocka_unit_test(test_known_id_mismatch),      cmocka_unit_test(test_hid_template),
                cmocka_unit_test(test_default_power),          cmocka_unit_test(test_edid_capture_chip),
                cmocka_unit_test(test_edid_invalid_external),  cmocka_unit_test(test_input_virtual_device),
                cmocka_unit_test(test_input_usb_gadget),
        };
        const struct CMUnitTest core[] = {
                cmocka_unit_test(test_catalog_binds_each_heuristic_once),
                cmocka_unit_test(test_core_one_finding_per_device),
                cmocka_unit_test(test_core_real_peripherals_quiet),
        };
        int failed = cmocka_run_group_tests_name("heuristics", heuristics, NULL, NULL);
        return failed + cmocka_run_group_tests_name("core", core, setup, teardown);
}
