/* SPDX-License-Identifier: MIT */
#include "hid.h"

#include <errno.h>
#include <string.h>

#include "util.h"

#define LONG_ITEM_PREFIX 0xFE

enum { ITEM_MAIN = 0, ITEM_GLOBAL = 1, ITEM_LOCAL = 2 };
enum { MAIN_INPUT = 0x8, MAIN_OUTPUT = 0x9, MAIN_COLLECTION = 0xA, MAIN_FEATURE = 0xB, MAIN_END_COLLECTION = 0xC };
enum {
        GLOBAL_USAGE_PAGE = 0x0,
        GLOBAL_LOGICAL_MIN = 0x1,
        GLOBAL_LOGICAL_MAX = 0x2,
        GLOBAL_REPORT_SIZE = 0x7,
        GLOBAL_REPORT_ID = 0x8,
        GLOBAL_REPORT_COUNT = 0x9,
        GLOBAL_PUSH = 0xA,
        GLOBAL_POP = 0xB,
};
enum { LOCAL_USAGE = 0x0, LOCAL_USAGE_MIN = 0x1, LOCAL_USAGE_MAX = 0x2 };

#define MAIN_CONSTANT 0x01
#define MAIN_RELATIVE 0x04
#define COLLECTION_APPLICATION 0x01

#define PAGE_GENERIC_DESKTOP 0x01
#define PAGE_KEYBOARD 0x07
#define PAGE_CONSUMER 0x0C
#define PAGE_DIGITIZER 0x0D
#define PAGE_FIDO 0xF1D0
#define PAGE_VENDOR_FIRST 0xFF00

#define GD_JOYSTICK 0x04
#define GD_GAMEPAD 0x05
#define GD_MULTI_AXIS 0x08
#define GD_X 0x30
#define GD_Y 0x31
#define GD_SYSTEM_CONTROL 0x80

/* Usage IDs a set of usages names, before its page is known. */
enum { ID_X = 1 << 0, ID_Y = 1 << 1, ID_NONZERO = 1 << 2 };
/* What the data inputs of an application carry. */
enum { SEEN_KEYS = 1 << 0, SEEN_REL_X = 1 << 1, SEEN_REL_Y = 1 << 2, SEEN_ABS_X = 1 << 3, SEEN_ABS_Y = 1 << 4 };

struct globals {
        uint16_t usage_page;
        int64_t logical_min, logical_max;
        uint32_t report_size, report_count;
};

/* Usages are gathered until the next main item. A 1- or 2-byte usage
 * selects an ID on the Usage Page in force at that main item (HID 1.11,
 * 6.2.2.8), so those are kept as IDs; 4-byte (extended) usages carry their
 * own page and resolve at once. */
struct locals {
        unsigned short_ids;     /* ID_* */
        unsigned extended_ids_gd, extended_ids_keyboard;
        bool has_first;         /* the first usage names a Collection */
        bool first_extended;
        uint32_t first;
        bool has_min;
        bool min_extended;
        uint32_t min;
};

struct collection {
        uint8_t type;
        uint32_t usage;         /* page << 16 | id; 0 when none was given */
        /* For an application: what its data inputs carry, and the logical
         * range of its first absolute X and Y. */
        unsigned seen;
        int64_t x_min, x_max, y_min, y_max;
};

struct parser {
        struct hid_summary summary;
        struct globals globals;
        struct globals global_stack[HID_GLOBAL_STACK_MAX];
        unsigned global_depth;
        struct locals locals;
        /* collections[0] stands for the top level: items outside any
         * application are judged as if in an unnamed one. */
        struct collection collections[HID_COLLECTION_DEPTH_MAX + 1];
        unsigned depth;
        uint8_t report_ids[256 / 8];
};

static const char *const kind_names[] = {
        "keyboard", "mouse", "absolute_pointer", "consumer", "system_control",
        "digitizer", "vendor", "gamepad", "fido",
};

const char *hid_kind_to_string(unsigned flag) {
        for (size_t i = 0; i < ELEMENTSOF(kind_names); i++)
                if (flag == 1u << i)
                        return kind_names[i];
        return NULL;
}

static uint32_t item_udata(const uint8_t *d, size_t size) {
        uint32_t v = 0;
        for (size_t i = size; i > 0; i--)
                v = v << 8 | d[i - 1];
        return v;
}

static int64_t item_sdata(const uint8_t *d, size_t size) {
        uint32_t v = item_udata(d, size);
        switch (size) {
        case 1:
                return (int8_t) v;
        case 2:
                return (int16_t) v;
        case 4:
                return (int32_t) v;
        default:
                return 0;
        }
}

static unsigned range_ids(uint16_t lo, uint16_t hi) {
        if (lo > hi)
                return 0;
        unsigned ids = hi > 0 ? ID_NONZERO : 0;
        if (lo <= GD_X && GD_X <= hi)
                ids |= ID_X;
        if (lo <= GD_Y && GD_Y <= hi)
                ids |= ID_Y;
        return ids;
}

static void add_extended_range(struct locals *l, uint16_t page, uint16_t lo, uint16_t hi) {
        if (page == PAGE_GENERIC_DESKTOP)
                l->extended_ids_gd |= range_ids(lo, hi);
        else if (page == PAGE_KEYBOARD)
                l->extended_ids_keyboard |= range_ids(lo, hi);
}

static void local_usage(struct locals *l, uint32_t value, size_t size) {
        bool extended = size == 4;
        if (!l->has_first) {
                l->has_first = true;
                l->first = value;
                l->first_extended = extended;
        }
        if (extended)
                add_extended_range(l, (uint16_t) (value >> 16), (uint16_t) value, (uint16_t) value);
        else
                l->short_ids |= range_ids((uint16_t) value, (uint16_t) value);
}

static void local_usage_max(struct locals *l, uint32_t max, size_t size) {
        /* A maximum without its minimum names nothing. */
        if (!l->has_min)
                return;
        l->has_min = false;
        if (!l->has_first) {
                l->has_first = true;
                l->first = l->min;
                l->first_extended = l->min_extended;
        }
        /* One extended end gives the page of the whole range. */
        if (l->min_extended || size == 4) {
                uint16_t page = (uint16_t) ((l->min_extended ? l->min : max) >> 16);
                add_extended_range(l, page, (uint16_t) l->min, (uint16_t) max);
        } else
                l->short_ids |= range_ids((uint16_t) l->min, (uint16_t) max);
}

static unsigned main_input_seen(const struct parser *p, uint32_t flags) {
        const struct locals *l = &p->locals;
        unsigned gd = l->extended_ids_gd, keyboard = l->extended_ids_keyboard;
        if (p->globals.usage_page == PAGE_GENERIC_DESKTOP)
                gd |= l->short_ids;
        else if (p->globals.usage_page == PAGE_KEYBOARD)
                keyboard |= l->short_ids;

        bool relative = flags & MAIN_RELATIVE;
        unsigned seen = keyboard & ID_NONZERO ? SEEN_KEYS : 0;
        if (gd & ID_X)
                seen |= relative ? SEEN_REL_X : SEEN_ABS_X;
        if (gd & ID_Y)
                seen |= relative ? SEEN_REL_Y : SEEN_ABS_Y;
        return seen;
}

static struct collection *current_application(struct parser *p) {
        for (unsigned d = p->depth; d > 0; d--)
                if (p->collections[d].type == COLLECTION_APPLICATION)
                        return &p->collections[d];
        return &p->collections[0];
}

static void main_input(struct parser *p, uint32_t flags) {
        /* Constant fields are padding, and a field of no bits carries nothing,
         * whatever usages it names. */
        if ((flags & MAIN_CONSTANT) || p->globals.report_size == 0 || p->globals.report_count == 0)
                return;
        struct collection *app = current_application(p);
        unsigned seen = main_input_seen(p, flags);
        if ((seen & SEEN_ABS_X) && !(app->seen & SEEN_ABS_X)) {
                app->x_min = p->globals.logical_min;
                app->x_max = p->globals.logical_max;
        }
        if ((seen & SEEN_ABS_Y) && !(app->seen & SEEN_ABS_Y)) {
                app->y_min = p->globals.logical_min;
                app->y_max = p->globals.logical_max;
        }
        app->seen |= seen;
}

static void classify_application(struct hid_summary *s, const struct collection *app) {
        uint16_t page = (uint16_t) (app->usage >> 16), id = (uint16_t) app->usage;
        unsigned kinds = 0;

        if (page == PAGE_GENERIC_DESKTOP) {
                if (id == GD_JOYSTICK || id == GD_GAMEPAD)
                        kinds |= HID_KIND_GAMEPAD;
                if (id == GD_SYSTEM_CONTROL)
                        kinds |= HID_KIND_SYSTEM_CONTROL;
        } else if (page == PAGE_CONSUMER)
                kinds |= HID_KIND_CONSUMER;
        else if (page == PAGE_DIGITIZER)
                kinds |= HID_KIND_DIGITIZER;
        else if (page == PAGE_FIDO)
                kinds |= HID_KIND_FIDO;
        else if (page >= PAGE_VENDOR_FIRST)
                kinds |= HID_KIND_VENDOR;

        /* The kernel turns key and axis usages into input events in the
         * Generic Desktop applications up to Multi-axis Controller, whatever
         * their name says; a Digitizer's X/Y are absolute too. */
        bool input_application = app->usage == 0 || (page == PAGE_GENERIC_DESKTOP && id <= GD_MULTI_AXIS);
        /* A joystick's absolute X and Y are a stick, not a position on screen. */
        bool pointer_axes = page != PAGE_GENERIC_DESKTOP ||
                            (id != GD_JOYSTICK && id != GD_GAMEPAD && id != GD_MULTI_AXIS);
        if (input_application && (app->seen & SEEN_KEYS))
                kinds |= HID_KIND_KEYBOARD;
        if (input_application && (app->seen & SEEN_REL_X) && (app->seen & SEEN_REL_Y))
                kinds |= HID_KIND_MOUSE;
        if ((input_application || page == PAGE_DIGITIZER) && pointer_axes && (app->seen & SEEN_ABS_X) &&
            (app->seen & SEEN_ABS_Y)) {
                kinds |= HID_KIND_ABSOLUTE_POINTER;
                if (!s->has_abs_range) {
                        s->has_abs_range = true;
                        s->abs_x_min = app->x_min;
                        s->abs_x_max = app->x_max;
                        s->abs_y_min = app->y_min;
                        s->abs_y_max = app->y_max;
                }
        }
        s->kinds |= kinds;
}

static int main_collection(struct parser *p, uint32_t data) {
        if (p->depth >= HID_COLLECTION_DEPTH_MAX)
                return -EBADMSG;
        const struct locals *l = &p->locals;
        uint32_t usage = 0;
        if (l->has_first)
                usage = l->first_extended ? l->first : (uint32_t) p->globals.usage_page << 16 | (uint16_t) l->first;
        p->collections[++p->depth] = (struct collection){ .type = (uint8_t) data, .usage = usage };
        p->summary.n_collections++;
        p->summary.max_depth = MAX(p->summary.max_depth, p->depth);
        return 0;
}

static int main_end_collection(struct parser *p) {
        if (p->depth == 0)
                return -EBADMSG;
        const struct collection *c = &p->collections[p->depth--];
        if (c->type == COLLECTION_APPLICATION)
                classify_application(&p->summary, c);
        return 0;
}

static int item_main(struct parser *p, uint8_t tag, uint32_t data) {
        int r = 0;
        switch (tag) {
        case MAIN_INPUT:
                p->summary.n_inputs++;
                main_input(p, data);
                break;
        case MAIN_OUTPUT:
                p->summary.n_outputs++;
                break;
        case MAIN_FEATURE:
                p->summary.n_features++;
                break;
        case MAIN_COLLECTION:
                r = main_collection(p, data);
                break;
        case MAIN_END_COLLECTION:
                r = main_end_collection(p);
                break;
        }
        p->locals = (struct locals){};
        return r;
}

static int item_global(struct parser *p, uint8_t tag, const uint8_t *d, size_t size) {
        struct globals *g = &p->globals;
        uint32_t u = item_udata(d, size);
        switch (tag) {
        case GLOBAL_USAGE_PAGE:
                g->usage_page = (uint16_t) u;
                break;
        case GLOBAL_LOGICAL_MIN:
                g->logical_min = item_sdata(d, size);
                break;
        case GLOBAL_LOGICAL_MAX:
                /* As the kernel does: devices write 0..255 as 15 00 25 FF. */
                g->logical_max = g->logical_min < 0 ? item_sdata(d, size) : (int64_t) u;
                break;
        case GLOBAL_REPORT_SIZE:
                g->report_size = u;
                break;
        case GLOBAL_REPORT_COUNT:
                g->report_count = u;
                break;
        case GLOBAL_REPORT_ID:
                if (u == 0 || u > 255)
                        return -EBADMSG;
                if (!(p->report_ids[u / 8] & 1u << (u % 8))) {
                        p->report_ids[u / 8] |= (uint8_t) (1u << (u % 8));
                        p->summary.n_report_ids++;
                }
                break;
        case GLOBAL_PUSH:
                if (p->global_depth >= HID_GLOBAL_STACK_MAX)
                        return -EBADMSG;
                p->global_stack[p->global_depth++] = *g;
                break;
        case GLOBAL_POP:
                if (p->global_depth == 0)
                        return -EBADMSG;
                *g = p->global_stack[--p->global_depth];
                break;
        }
        return 0;
}

static void item_local(struct parser *p, uint8_t tag, uint32_t data, size_t size) {
        struct locals *l = &p->locals;
        switch (tag) {
        case LOCAL_USAGE:
                local_usage(l, data, size);
                break;
        case LOCAL_USAGE_MIN:
                l->has_min = true;
                l->min = data;
                l->min_extended = size == 4;
                break;
        case LOCAL_USAGE_MAX:
                local_usage_max(l, data, size);
                break;
        }
}

static int parse_items(struct parser *p, const uint8_t *buf, size_t len, size_t *ret_offset) {
        static const size_t short_sizes[4] = { 0, 1, 2, 4 };
        size_t i = 0;
        int r = 0;

        while (i < len) {
                uint8_t prefix = buf[i];
                size_t avail = len - i - 1;
                if (prefix == LONG_ITEM_PREFIX) {
                        /* bDataSize, bLongItemTag, data: no tag is defined, skip it. */
                        if (avail < 2 || avail - 2 < buf[i + 1]) {
                                r = -EBADMSG;
                                break;
                        }
                        i += 3 + (size_t) buf[i + 1];
                        p->summary.n_long_items++;
                        p->summary.n_items++;
                        continue;
                }
                size_t size = short_sizes[prefix & 3];
                if (avail < size) {
                        r = -EBADMSG;
                        break;
                }
                const uint8_t *d = buf + i + 1;
                uint8_t type = (prefix >> 2) & 3, tag = prefix >> 4;
                if (type == ITEM_MAIN)
                        r = item_main(p, tag, item_udata(d, size));
                else if (type == ITEM_GLOBAL)
                        r = item_global(p, tag, d, size);
                else if (type == ITEM_LOCAL)
                        item_local(p, tag, item_udata(d, size), size);
                if (r < 0)
                        break;
                i += 1 + size;
                p->summary.n_items++;
        }
        *ret_offset = i;
        if (r == 0 && p->depth > 0)
                r = -EBADMSG;
        return r;
}

int hid_descriptor_parse(const uint8_t *buf, size_t len, struct hid_summary *ret) {
        struct parser p = {};
        size_t offset;

        int r = parse_items(&p, buf, len, &offset);
        /* Applications left open still count for what they showed. */
        for (unsigned d = p.depth; d > 0; d--)
                if (p.collections[d].type == COLLECTION_APPLICATION)
                        classify_application(&p.summary, &p.collections[d]);
        classify_application(&p.summary, &p.collections[0]);
        p.summary.end_offset = offset;
        *ret = p.summary;
        return r;
}
