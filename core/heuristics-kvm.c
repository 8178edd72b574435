/* SPDX-License-Identifier: MIT */
/* KVM hardware by its shape: what a Linux USB gadget, a capture chip's EDID or
 * an input device made by software cannot hide by changing ids and strings.
 * Each heuristic has its own rule (config/catalog/kvm-heuristics.yaml) with
 * its own severity; the core merges those that fire on one device into one
 * finding, so the strong ones need the combination spelled out here. */
#include <fnmatch.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "heuristics.h"
#include "util.h"

#define LINUX_FOUNDATION_VID 0x1d6b
#define USB_LENGTHS_MAX 16
#define USB_FUNCTION_STRINGS_MAX 3

/* hid_kind values the heuristics weigh (probes/hid.h names them). */
enum {
        KIND_KEYBOARD = 1u << 0,
        KIND_MOUSE = 1u << 1,
        KIND_ABSOLUTE_POINTER = 1u << 2,
        KIND_DIGITIZER = 1u << 3,
        KIND_VENDOR = 1u << 4,
};

/* Independent signs that a device is a Linux USB gadget posing as a keyboard
 * and mouse; the supporting heuristics only speak when one of these did. */
enum {
        TELL_LINUX_VID = 1u << 0,
        TELL_KERNEL_BCD = 1u << 1,
        TELL_FUNCTION_STRINGS = 1u << 2,
        TELL_KEYBOARD_HIGH_SPEED = 1u << 3,
        TELL_KEYBOARD_ABSOLUTE = 1u << 4,
        TELL_SPOOFED_ID = 1u << 5,
};
/* The kernel-version bcdDevice is itself only supporting: real firmware versions look the same. */
#define TELLS_STANDALONE (~(unsigned) TELL_KERNEL_BCD)

struct usb_shape {
        int64_t vendor, product, bcd_device, max_power, num_interfaces; /* -1: not given */
        const char *manufacturer, *speed, *bm_attributes, *device_class;
        unsigned kinds;
        bool high_speed;
        bool any_interface, hub_interfaces_only;
        bool storage, networking;
        size_t n_lengths;
        int64_t lengths[USB_LENGTHS_MAX];
        size_t n_function_strings;
        const char *function_strings[USB_FUNCTION_STRINGS_MAX];
        unsigned tells;
};

static int64_t int_attr(const struct tt_observation *o, const char *key) {
        const struct tt_attr *a = tt_obs_get(o, key);
        return a && a->type == TT_VALUE_INT ? a->num : -1;
}

static unsigned hid_kind_bit(const char *kind) {
        static const struct {
                const char *name;
                unsigned bit;
        } kinds[] = {
                { "keyboard", KIND_KEYBOARD },
                { "mouse", KIND_MOUSE },
                { "absolute_pointer", KIND_ABSOLUTE_POINTER },
                { "digitizer", KIND_DIGITIZER },
                { "vendor", KIND_VENDOR },
        };
        for (size_t i = 0; i < ELEMENTSOF(kinds); i++)
                if (streq(kinds[i].name, kind))
                        return kinds[i].bit;
        return 0;
}

/* "1.5", "12", "480", "5000", ...: anything from USB 2.0 high speed up. */
static bool speed_high(const char *speed) {
        uint64_t mbit;
        return speed && !streq(speed, "1.5") && safe_atou64(speed, 10, &mbit) >= 0 && mbit >= 480;
}

/* Interface strings the kernel's gadget functions (drivers/usb/gadget/function/f_*.c) set. Android phones and
 * development boards use the same functions, so alone they say "Linux gadget", not "KVM". */
static bool function_string(const char *label) {
        static const char *const strings[] = {
                "HID Interface",                      /* f_hid */
                "Mass Storage",                       /* f_mass_storage */
                "RNDIS Communications Control",       /* f_rndis */
                "RNDIS Ethernet Data",
                "CDC Ethernet Control Model (ECM)",   /* f_ecm */
                "CDC Ethernet Data",
                "CDC Network Control Model (NCM)",    /* f_ncm */
                "CDC Network Data",
                "CDC Ethernet Emulation Model (EEM)", /* f_eem */
                "CDC Ethernet Subset/SAFE",           /* f_subset */
                "CDC Abstract Control Model (ACM)",   /* f_acm */
                "CDC ACM Data",
                "Generic Serial",                     /* f_serial */
                "CDC Object Exchange (OBEX)",         /* f_obex */
                "UVC Camera",                         /* f_uvc */
                "MIDI function",                      /* f_midi */
        };
        for (size_t i = 0; i < ELEMENTSOF(strings); i++)
                if (streq(strings[i], label))
                        return true;
        return false;
}

/* bcdDevice as the gadget framework's default: bin2bcd(major) << 8 | bin2bcd(patchlevel) of the running kernel
 * (get_default_bcdDevice() in include/linux/usb/composite.h), 5.10 -> 0x0510. Only versions that exist or may
 * come: 3.0-3.19, 4.0-4.20, 5.0-5.19, 6.x and 7.x up to .30. */
static bool kernel_version_bcd(int64_t bcd, unsigned *ret_major, unsigned *ret_minor) {
        static const unsigned last_minor[] = { [3] = 19, [4] = 20, [5] = 19, [6] = 30, [7] = 30 };
        if (bcd < 0 || bcd > 0xFFFF)
                return false;
        unsigned hi = (unsigned) bcd >> 8, lo = (unsigned) bcd & 0xFF;
        if ((hi >> 4) > 9 || (hi & 0xF) > 9 || (lo >> 4) > 9 || (lo & 0xF) > 9)
                return false;
        unsigned major = (hi >> 4) * 10 + (hi & 0xF), minor = (lo >> 4) * 10 + (lo & 0xF);
        if (major >= ELEMENTSOF(last_minor) || last_minor[major] == 0 || minor > last_minor[major])
                return false;
        *ret_major = major;
        *ret_minor = minor;
        return true;
}

/* Identities IP-KVMs are known to copy (JetKVM's presets, Pico boards cloning YubiKeys) and what the real
 * product is: all of them 1.5 or 12 Mbit/s devices with no absolute pointer, storage or networking. */
struct known_device {
        uint16_t vendor, product;
        const char *name;
        const char *manufacturer; /* what the real one reports, NULL where it varies */
        int64_t n_interfaces;     /* 0 where it varies */
        bool vendor_hid;          /* a vendor-page collection (Logitech's HID++ interface) */
};

static const struct known_device known_devices[] = {
        { 0x046d, 0xc52b, "a Logitech Unifying receiver", "Logitech", 3, true },
        { 0x045e, 0x005f, "a Microsoft Wireless MultiMedia Keyboard", NULL, 0, false },
        { 0x413c, 0x2011, "a Dell Multimedia Pro Keyboard", NULL, 0, false },
        { 0x413c, 0x2113, "a Dell KB216 keyboard", NULL, 0, false },
        { 0x1050, 0x0407, "a YubiKey (OTP+FIDO+CCID)", NULL, 0, false },
};

static const struct known_device *known_device_find(int64_t vendor, int64_t product) {
        for (size_t i = 0; i < ELEMENTSOF(known_devices); i++)
                if (known_devices[i].vendor == vendor && known_devices[i].product == product)
                        return &known_devices[i];
        return NULL;
}

struct text {
        char *buf;
        size_t size, len;
};

static void text_vadd(struct text *t, const char *fmt, va_list ap) {
        if (t->len >= t->size)
                return;
        int n = vsnprintf(t->buf + t->len, t->size - t->len, fmt, ap);
        if (n > 0)
                t->len = MIN(t->len + (size_t) n, t->size);
}

_printf_(2, 3) static void text_add(struct text *t, const char *fmt, ...) {
        va_list ap;
        va_start(ap, fmt);
        text_vadd(t, fmt, ap);
        va_end(ap);
}

/* Counts one more item of a list and, when t is given, writes it: "<lead>a, b, c". */
_printf_(4, 5) static void list_add(struct text *t, unsigned *n, const char *lead, const char *fmt, ...) {
        if (t) {
                va_list ap;
                text_add(t, "%s", *n == 0 ? lead : ", ");
                va_start(ap, fmt);
                text_vadd(t, fmt, ap);
                va_end(ap);
        }
        (*n)++;
}

/* What the real product would not do; the contradictions go to t when given. */
static unsigned known_device_contradictions(const struct usb_shape *s, const struct known_device *d, struct text *t) {
        unsigned n = 0;
        if (s->high_speed)
                list_add(t, &n, " ", "%s Mbit/s (real: 12 at most)", s->speed);
        if (s->kinds & KIND_ABSOLUTE_POINTER)
                list_add(t, &n, " ", "an absolute pointer");
        if (s->storage)
                list_add(t, &n, " ", "mass storage");
        if (s->networking)
                list_add(t, &n, " ", "USB networking");
        if (d->n_interfaces > 0 && s->num_interfaces >= 0 && s->num_interfaces != d->n_interfaces)
                list_add(t, &n, " ", "%" PRId64 " interfaces (real: %" PRId64 ")", s->num_interfaces, d->n_interfaces);
        if (d->vendor_hid && s->any_interface && !(s->kinds & KIND_VENDOR))
                list_add(t, &n, " ", "no HID++ vendor interface");
        if (d->manufacturer && s->manufacturer && !streq(s->manufacturer, d->manufacturer))
                list_add(t, &n, " ", "manufacturer \"%.32s\" (real: \"%s\")", s->manufacturer, d->manufacturer);
        return n;
}

static void usb_shape_read(const struct tt_observation *o, struct usb_shape *s) {
        *s = (struct usb_shape){
                .vendor = int_attr(o, "vendor_id"),
                .product = int_attr(o, "product_id"),
                .bcd_device = int_attr(o, "bcd_device"),
                .max_power = int_attr(o, "max_power"),
                .num_interfaces = int_attr(o, "num_interfaces"),
                .manufacturer = tt_obs_get_str(o, "manufacturer"),
                .speed = tt_obs_get_str(o, "speed"),
                .bm_attributes = tt_obs_get_str(o, "bm_attributes"),
                .device_class = tt_obs_get_str(o, "device_class"),
                .hub_interfaces_only = true,
        };
        s->high_speed = speed_high(s->speed);
        for (size_t i = 0; i < o->n_attrs; i++) {
                const struct tt_attr *a = &o->attrs[i];
                if (a->type == TT_VALUE_INT && streq(a->key, "hid_descriptor_length")) {
                        if (s->n_lengths < USB_LENGTHS_MAX)
                                s->lengths[s->n_lengths++] = a->num;
                        continue;
                }
                if (a->type != TT_VALUE_STR)
                        continue;
                if (streq(a->key, "hid_kind"))
                        s->kinds |= hid_kind_bit(a->str);
                else if (streq(a->key, "interface_class")) {
                        s->any_interface = true;
                        s->hub_interfaces_only &= streq(a->str, "09");
                        s->storage |= streq(a->str, "08");
                        /* CDC control and data (ECM, NCM, EEM; ACM serial too), wireless controller (RNDIS as
                         * Android and NanoKVM configure it), miscellaneous (RNDIS as ef/04/01). */
                        s->networking |= streq(a->str, "02") || streq(a->str, "0a") || streq(a->str, "e0") ||
                                         streq(a->str, "ef");
                } else if (streq(a->key, "interface_name") && function_string(a->str) &&
                           s->n_function_strings < USB_FUNCTION_STRINGS_MAX)
                        s->function_strings[s->n_function_strings++] = a->str;
        }

        bool hub = streq_ptr(s->device_class, "09") || (s->any_interface && s->hub_interfaces_only);
        bool keyboard = s->kinds & KIND_KEYBOARD;
        unsigned major, minor;
        if (s->vendor == LINUX_FOUNDATION_VID && !hub)
                s->tells |= TELL_LINUX_VID;
        if (kernel_version_bcd(s->bcd_device, &major, &minor))
                s->tells |= TELL_KERNEL_BCD;
        if (s->n_function_strings > 0)
                s->tells |= TELL_FUNCTION_STRINGS;
        if (keyboard && s->high_speed)
                s->tells |= TELL_KEYBOARD_HIGH_SPEED;
        if (keyboard && (s->kinds & KIND_ABSOLUTE_POINTER) && !(s->kinds & KIND_DIGITIZER))
                s->tells |= TELL_KEYBOARD_ABSOLUTE;
        const struct known_device *d = known_device_find(s->vendor, s->product);
        if (d && known_device_contradictions(s, d, NULL) > 0)
                s->tells |= TELL_SPOOFED_ID;
}

/* "a keyboard, an absolute pointer and mass storage" */
static void describe_offer(const struct usb_shape *s, struct text *t) {
        const char *parts[6];
        size_t n = 0;
        if (s->kinds & KIND_KEYBOARD)
                parts[n++] = "a keyboard";
        if (s->kinds & KIND_ABSOLUTE_POINTER)
                parts[n++] = "an absolute pointer";
        if (s->kinds & KIND_MOUSE)
                parts[n++] = "a mouse";
        if (s->storage)
                parts[n++] = "mass storage";
        if (s->networking)
                parts[n++] = "USB networking";
        if (n == 0)
                parts[n++] = "no HID input";
        for (size_t i = 0; i < n; i++)
                text_add(t, "%s%s", i == 0 ? "" : i + 1 == n ? " and " : ", ", parts[i]);
}

static int usb_linux_gadget_vid(const struct tt_observation *o, unsigned *ret_confidence, char *reason,
                                size_t size) {
        struct usb_shape s;
        usb_shape_read(o, &s);
        if (!(s.tells & TELL_LINUX_VID))
                return 0;
        struct text t = { reason, size, 0 };
        text_add(&t, "vendor id 1d6b (Linux Foundation) on a device that is not a hub, offering ");
        describe_offer(&s, &t);
        text_add(&t, ": a Linux computer acting as a USB gadget");
        /* A gadget that types is what an IP-KVM is; one that only networks or stores is a development board. */
        *ret_confidence = s.kinds & KIND_KEYBOARD ? 85 : 70;
        return 1;
}

const struct tt_heuristic tt_heuristic_usb_linux_gadget_vid = {
        .name = "usb-linux-gadget-vid",
        .kind = "usb_device",
        .eval = usb_linux_gadget_vid,
};

static int usb_gadget_kernel_bcd(const struct tt_observation *o, unsigned *ret_confidence, char *reason,
                                 size_t size) {
        struct usb_shape s;
        unsigned major, minor;
        usb_shape_read(o, &s);
        /* Many real devices carry a bcdDevice like 0x0510 too: only with another tell does it mean the kernel
         * filled it in. */
        if (!(s.tells & TELL_KERNEL_BCD) || !(s.tells & TELLS_STANDALONE) ||
            !kernel_version_bcd(s.bcd_device, &major, &minor))
                return 0;
        snprintf(reason, size, "bcdDevice %04" PRIx64 " is the gadget framework's default on a Linux %u.%u kernel",
                 (uint64_t) s.bcd_device, major, minor);
        *ret_confidence = 50;
        return 1;
}

const struct tt_heuristic tt_heuristic_usb_gadget_kernel_bcd = {
        .name = "usb-gadget-kernel-bcd",
        .kind = "usb_device",
        .eval = usb_gadget_kernel_bcd,
};

static int usb_gadget_function_strings(const struct tt_observation *o, unsigned *ret_confidence, char *reason,
                                       size_t size) {
        struct usb_shape s;
        usb_shape_read(o, &s);
        if (!(s.tells & TELL_FUNCTION_STRINGS))
                return 0;
        struct text t = { reason, size, 0 };
        text_add(&t, "interface strings the Linux gadget functions set:");
        for (size_t i = 0; i < s.n_function_strings; i++)
                text_add(&t, "%s \"%s\"", i == 0 ? "" : ",", s.function_strings[i]);
        *ret_confidence = 50;
        return 1;
}

const struct tt_heuristic tt_heuristic_usb_gadget_function_strings = {
        .name = "usb-gadget-function-strings",
        .kind = "usb_device",
        .eval = usb_gadget_function_strings,
};

/* What, besides keyboard and absolute pointer, makes the device look like an IP-KVM gadget. */
static unsigned kvm_corroboration(const struct usb_shape *s, struct text *t) {
        unsigned n = 0;
        if (s->storage)
                list_add(t, &n, " with ", "mass storage (virtual media)");
        if (s->networking)
                list_add(t, &n, " with ", "USB networking");
        if (s->high_speed)
                list_add(t, &n, " with ", "the keyboard at %s Mbit/s", s->speed);
        if (s->tells & TELL_LINUX_VID)
                list_add(t, &n, " with ", "the Linux Foundation vendor id");
        if (s->tells & TELL_FUNCTION_STRINGS)
                list_add(t, &n, " with ", "Linux gadget interface strings");
        return n;
}

/* Drawing tablets are absolute pointers with express keys that are keyboards; their pens and touch surfaces
 * are digitizers, which no IP-KVM gadget template has. */
static int usb_keyboard_absolute_pointer(const struct tt_observation *o, unsigned *ret_confidence, char *reason,
                                         size_t size) {
        struct usb_shape s;
        usb_shape_read(o, &s);
        if (!(s.tells & TELL_KEYBOARD_ABSOLUTE) || kvm_corroboration(&s, NULL) > 0)
                return 0;
        snprintf(reason, size, "a keyboard and an absolute pointer (no pen or touch digitizer) on one device, at %s "
                 "Mbit/s: the shape of an IP-KVM, but nothing else says gadget", s.speed ? s.speed : "unknown");
        *ret_confidence = 45;
        return 1;
}

const struct tt_heuristic tt_heuristic_usb_keyboard_absolute_pointer = {
        .name = "usb-keyboard-absolute-pointer",
        .kind = "usb_device",
        .eval = usb_keyboard_absolute_pointer,
};

static int usb_kvm_composite(const struct tt_observation *o, unsigned *ret_confidence, char *reason, size_t size) {
        struct usb_shape s;
        usb_shape_read(o, &s);
        if (!(s.tells & TELL_KEYBOARD_ABSOLUTE))
                return 0;
        struct text t = { reason, size, 0 };
        text_add(&t, "a keyboard and an absolute pointer (no digitizer) on one device");
        unsigned n = kvm_corroboration(&s, &t);
        if (n == 0)
                return 0;
        text_add(&t, ": the IP-KVM gadget shape");
        *ret_confidence = MIN(80 + 5 * n, 95u);
        return 1;
}

const struct tt_heuristic tt_heuristic_usb_kvm_composite = {
        .name = "usb-kvm-composite",
        .kind = "usb_device",
        .eval = usb_kvm_composite,
};

static int usb_keyboard_high_speed(const struct tt_observation *o, unsigned *ret_confidence, char *reason,
                                   size_t size) {
        struct usb_shape s;
        usb_shape_read(o, &s);
        if (!(s.tells & TELL_KEYBOARD_HIGH_SPEED))
                return 0;
        snprintf(reason, size, "a HID keyboard at %s Mbit/s: keyboards run at 1.5 or 12 (a few 8000 Hz gaming "
                 "keyboards aside); a USB gadget on a computer's controller runs at 480", s.speed);
        *ret_confidence = 70;
        return 1;
}

const struct tt_heuristic tt_heuristic_usb_keyboard_high_speed = {
        .name = "usb-keyboard-high-speed",
        .kind = "usb_device",
        .eval = usb_keyboard_high_speed,
};

static int usb_known_id_mismatch(const struct tt_observation *o, unsigned *ret_confidence, char *reason,
                                 size_t size) {
        struct usb_shape s;
        usb_shape_read(o, &s);
        const struct known_device *d = known_device_find(s.vendor, s.product);
        if (!d || !(s.tells & TELL_SPOOFED_ID))
                return 0;
        struct text t = { reason, size, 0 };
        text_add(&t, "%04x:%04x claims to be %s, but shows", d->vendor, d->product, d->name);
        unsigned n = known_device_contradictions(&s, d, &t);
        *ret_confidence = n >= 3 ? 95 : n == 2 ? 90 : 80;
        return 1;
}

const struct tt_heuristic tt_heuristic_usb_known_id_mismatch = {
        .name = "usb-known-id-mismatch",
        .kind = "usb_device",
        .eval = usb_known_id_mismatch,
};

/* Report descriptor lengths of the published gadget templates (kbd, absolute, relative mouse): kvmd with and
 * without its horizontal wheel, tinypilot's init-usb-gadget, JetKVM's internal/usbgadget, NanoKVM's S03usbdev.
 * 63 is also HID 1.11's boot keyboard, so a family needs two of its lengths, and the match only supports
 * another tell. */
static const struct gadget_template {
        const char *family;
        int64_t lengths[6]; /* 0-terminated */
} gadget_templates[] = {
        { "PiKVM (kvmd)", { 65, 73, 58, 61, 46 } },
        { "TinyPilot", { 60, 68 } },
        { "JetKVM", { 63, 78, 46 } },
        { "NanoKVM", { 63, 52, 74 } },
};

static int usb_gadget_hid_template(const struct tt_observation *o, unsigned *ret_confidence, char *reason,
                                   size_t size) {
        struct usb_shape s;
        usb_shape_read(o, &s);
        if (!(s.tells & TELLS_STANDALONE))
                return 0;
        for (size_t i = 0; i < ELEMENTSOF(gadget_templates); i++) {
                const struct gadget_template *g = &gadget_templates[i];
                struct text t = { reason, size, 0 };
                unsigned n = 0;
                text_add(&t, "HID report descriptor lengths");
                for (size_t j = 0; j < ELEMENTSOF(g->lengths) && g->lengths[j] != 0; j++)
                        for (size_t k = 0; k < s.n_lengths; k++)
                                if (s.lengths[k] == g->lengths[j]) {
                                        text_add(&t, "%s%" PRId64, n++ == 0 ? " " : "/", g->lengths[j]);
                                        break;
                                }
                if (n < 2)
                        continue;
                text_add(&t, " match %s's gadget templates", g->family);
                *ret_confidence = 40;
                return 1;
        }
        return 0;
}

const struct tt_heuristic tt_heuristic_usb_gadget_hid_template = {
        .name = "usb-gadget-hid-template",
        .kind = "usb_device",
        .eval = usb_gadget_hid_template,
};

/* kvmd writes MaxPower 250 with bmAttributes a0 (remote wakeup); TinyPilot and JetKVM write 250 and keep the
 * kernel's 80. A spoofed identity keeps them: kvmd-otgconf copies ids and strings, not power. */
static int usb_gadget_default_power(const struct tt_observation *o, unsigned *ret_confidence, char *reason,
                                    size_t size) {
        struct usb_shape s;
        usb_shape_read(o, &s);
        if (!(s.tells & TELLS_STANDALONE) || s.max_power != 250)
                return 0;
        if (streq_ptr(s.bm_attributes, "a0"))
                snprintf(reason, size, "MaxPower 250 mA with remote wakeup (bmAttributes a0): PiKVM's defaults");
        else
                snprintf(reason, size, "MaxPower 250 mA: what the PiKVM, TinyPilot and JetKVM gadget setups write");
        *ret_confidence = 30;
        return 1;
}

const struct tt_heuristic tt_heuristic_usb_gadget_default_power = {
        .name = "usb-gadget-default-power",
        .kind = "usb_device",
        .eval = usb_gadget_default_power,
};

/* EDIDs of capture chips and of Linux itself, beyond the products the catalog names. */
static int edid_capture_chip(const struct tt_observation *o, unsigned *ret_confidence, char *reason, size_t size) {
        static const struct {
                const char *vendor, *what;
        } vendors[] = {
                { "LNX", "a Linux-made EDID (the kernel's built-in EDIDs, PiKVM, capture bridges)" },
                { "HJW", "MacroSilicon HDMI capture chips (MS2109, MS2130)" },
        };
        static const char *const capture_names[] = { "*TO USB*", "*CAPTURE*", "MACROSILICON" };
        const char *vendor = tt_obs_get_str(o, "vendor"), *name = tt_obs_get_str(o, "name");
        const char *connector = tt_obs_get_str(o, "connector");
        struct text t = { reason, size, 0 };
        text_add(&t, "the display on %s", connector ? connector : "a video output");
        bool hit = false;
        for (size_t i = 0; vendor && i < ELEMENTSOF(vendors); i++)
                if (streq(vendor, vendors[i].vendor)) {
                        text_add(&t, " reports vendor %s, %s", vendor, vendors[i].what);
                        hit = true;
                }
        for (size_t i = 0; name && i < ELEMENTSOF(capture_names); i++)
                if (fnmatch(capture_names[i], name, FNM_CASEFOLD) == 0) {
                        text_add(&t, "%s \"%.13s\"", hit ? ", and the name" : " is named", name);
                        hit = true;
                        break;
                }
        if (!hit)
                return 0;
        text_add(&t, ": a capture device, not a monitor");
        *ret_confidence = 80;
        return 1;
}

const struct tt_heuristic tt_heuristic_edid_capture_chip = {
        .name = "edid-capture-chip",
        .kind = "edid",
        .eval = edid_capture_chip,
};

/* "card1-HDMI-A-1" -> true; eDP, LVDS, DSI are the laptop's own panel, "Virtual" a VM's. */
static bool connector_external(const char *connector) {
        static const char *const external[] = { "HDMI-A-", "HDMI-B-", "DP-", "DVI-I-", "DVI-D-", "DVI-A-", "VGA-",
                                                "USB-" };
        const char *p = connector && startswith(connector, "card") ? strchr(connector, '-') : NULL;
        for (size_t i = 0; p && i < ELEMENTSOF(external); i++)
                if (startswith(p + 1, external[i]))
                        return true;
        return false;
}

/* Capture chips with hand-edited EDIDs and cheap adapters get the checksum wrong; so do a few monitors. */
static int edid_invalid_external(const struct tt_observation *o, unsigned *ret_confidence, char *reason,
                                 size_t size) {
        const char *connector = tt_obs_get_str(o, "connector"), *vendor = tt_obs_get_str(o, "vendor");
        const struct tt_attr *checksum = tt_obs_get(o, "checksum_ok");
        if (!connector_external(connector))
                return 0;
        if (!vendor)
                snprintf(reason, size, "the display on %s sent something that is not an EDID", connector);
        else if (strchr(vendor, '?'))
                snprintf(reason, size, "the display on %s reports an impossible manufacturer id", connector);
        else if (checksum && checksum->type == TT_VALUE_BOOL && !checksum->num)
                snprintf(reason, size, "the EDID of the display on %s (vendor %s) fails its checksum", connector,
                         vendor);
        else
                return 0;
        *ret_confidence = 30;
        return 1;
}

const struct tt_heuristic tt_heuristic_edid_invalid_external = {
        .name = "edid-invalid-external",
        .kind = "edid",
        .eval = edid_invalid_external,
};

/* True when the space-separated handler list holds the handler: "kbd", or "mouse" with its number ("mouse2"). */
static bool handler_present(const char *handlers, const char *handler, bool numbered) {
        size_t n = strlen(handler);
        for (const char *p = handlers; p && *p;) {
                p += strspn(p, " ");
                size_t word = strcspn(p, " ");
                if (word >= n && strncmp(p, handler, n) == 0 &&
                    (numbered ? word > n && strspn(p + n, "0123456789") == word - n : word == n))
                        return true;
                p += word;
        }
        return false;
}

/* /devices/virtual/input is where uinput puts what a program creates (uhid devices, BlueZ's Bluetooth LE
 * keyboards and mice among them, live under /devices/virtual/misc/uhid instead). Laptop platform devices (lid,
 * power button, i8042 keyboard, video bus) hang off their ACPI or platform parent, except the WMI hotkey
 * drivers that register without one. Remappers and automation tools make keyboards and pointers there too:
 * those listed are not remote control; RustDesk and other remote tools are named by the catalog. */
static bool uinput_benign(const char *name) {
        static const char *const names[] = {
                "* WMI hotkeys",           /* hp-wmi, acer-wmi, msi-wmi */
                "ydotoold virtual device", /* ydotool */
                "keyd virtual keyboard", "keyd virtual pointer",
                "input-remapper *", "kanata", "KMonad*", "xremap*", "evremap*",
        };
        for (size_t i = 0; name && i < ELEMENTSOF(names); i++)
                if (fnmatch(names[i], name, 0) == 0)
                        return true;
        return false;
}

static int input_virtual_device(const struct tt_observation *o, unsigned *ret_confidence, char *reason,
                                size_t size) {
        const char *sysfs = tt_obs_get_str(o, "sysfs"), *handlers = tt_obs_get_str(o, "handlers");
        const char *name = tt_obs_get_str(o, "name");
        if (!sysfs || !startswith(sysfs, "/devices/virtual/input/") || uinput_benign(name))
                return 0;
        bool keyboard = handler_present(handlers, "kbd", false), pointer = handler_present(handlers, "mouse", true);
        if (!keyboard && !pointer)
                return 0;
        snprintf(reason, size, "\"%.64s\" is a %s made by a program through uinput, not hardware: remote-control "
                 "tools inject input this way", name ? name : "(no name)",
                 keyboard && pointer ? "keyboard and pointer" : keyboard ? "keyboard" : "pointer");
        *ret_confidence = 55;
        return 1;
}

const struct tt_heuristic tt_heuristic_input_virtual_device = {
        .name = "input-virtual-device",
        .kind = "input_device",
        .eval = input_virtual_device,
};

/* The input side of a Linux gadget: the usb_device finding of the same device carries the weight, this one
 * keeps it visible where only /proc/bus/input is readable. */
static int input_usb_gadget(const struct tt_observation *o, unsigned *ret_confidence, char *reason, size_t size) {
        const char *bus = tt_obs_get_str(o, "bus"), *name = tt_obs_get_str(o, "name");
        if (!streq_ptr(bus, "usb") || int_attr(o, "vendor") != LINUX_FOUNDATION_VID)
                return 0;
        int64_t product = int_attr(o, "product");
        snprintf(reason, size, "input device \"%.64s\" comes from a USB device with the Linux Foundation vendor id "
                 "(1d6b:%04" PRIx64 "): a Linux USB gadget", name ? name : "(no name)", (uint64_t) MAX(product, 0));
        *ret_confidence = 60;
        return 1;
}

const struct tt_heuristic tt_heuristic_input_usb_gadget = {
        .name = "input-usb-gadget",
        .kind = "input_device",
        .eval = input_usb_gadget,
};
