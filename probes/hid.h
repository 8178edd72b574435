/* SPDX-License-Identifier: MIT */
#pragma once

/* HID report descriptor parser (HID 1.11, section 6.2.2): walks the items
 * and summarises what the device offers. An IP-KVM's USB gadget is told
 * apart from a real keyboard or tablet by the shape of its descriptors,
 * which ID spoofing does not change. Pure: no allocation, no I/O. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum {
        HID_KIND_KEYBOARD = 1u << 0,         /* key usages (page 0x07) in a keyboard/keypad application */
        HID_KIND_MOUSE = 1u << 1,            /* relative X and Y */
        HID_KIND_ABSOLUTE_POINTER = 1u << 2, /* absolute X and Y, not a joystick's axes */
        HID_KIND_CONSUMER = 1u << 3,         /* Consumer page (0x0C) application */
        HID_KIND_SYSTEM_CONTROL = 1u << 4,   /* Generic Desktop System Control (0x80) */
        HID_KIND_DIGITIZER = 1u << 5,        /* Digitizer page (0x0D): pens, touch: drawing tablets */
        HID_KIND_VENDOR = 1u << 6,           /* vendor-defined page (>= 0xFF00) application */
        HID_KIND_GAMEPAD = 1u << 7,          /* Generic Desktop Joystick (0x04) or Game Pad (0x05) */
        HID_KIND_FIDO = 1u << 8,             /* FIDO Alliance page (0xF1D0): security keys */
};

/* The kernel refuses a descriptor whose global stack is deeper (hid-core.c
 * HID_GLOBAL_STACK_SIZE), so no working device needs more. */
#define HID_GLOBAL_STACK_MAX 4
#define HID_COLLECTION_DEPTH_MAX 16

struct hid_summary {
        unsigned kinds;           /* HID_KIND_* */
        unsigned n_items;         /* short and long */
        unsigned n_long_items;
        unsigned n_collections;
        unsigned n_report_ids;    /* distinct */
        unsigned max_depth;       /* of collections */
        unsigned n_inputs, n_outputs, n_features;
        /* Logical range of the first absolute pointer's X and Y. */
        bool has_abs_range;
        int64_t abs_x_min, abs_x_max, abs_y_min, abs_y_max;
        /* Where parsing stopped on -EBADMSG, else len. */
        size_t end_offset;
};

/* Returns 0, or -EBADMSG for a malformed descriptor: a truncated item, a
 * collection nested deeper than HID_COLLECTION_DEPTH_MAX, an End Collection
 * without its Collection, collections left open at the end, Push beyond
 * HID_GLOBAL_STACK_MAX or Pop of an empty stack, a Report ID of 0 or above
 * 255. On -EBADMSG *ret still holds everything seen before the bad item,
 * open application collections included, and end_offset says where it is. */
int hid_descriptor_parse(const uint8_t *buf, size_t len, struct hid_summary *ret);

/* "keyboard", "mouse", ... for one HID_KIND_* bit; NULL for anything else. */
const char *hid_kind_to_string(unsigned flag);
