/* SPDX-License-Identifier: MIT */
/* HID report descriptors: the IP-KVM gadgets' published ones, ordinary gear
 * built to HID 1.11 (tests/fuzz/gen/hid.py), and every malformed shape. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "fixture.h"
#include "hid.h"
#include "util.h"

static uint8_t descriptor[4096];

static int parse(const char *name, struct hid_summary *ret, size_t *ret_len) {
        size_t len = fixture_corpus("hid", name, descriptor, sizeof(descriptor));
        if (ret_len)
                *ret_len = len;
        return hid_descriptor_parse(descriptor, len, ret);
}

static void assert_ok(const char *name, struct hid_summary *s) {
        size_t len;
        assert_int_equal(parse(name, s, &len), 0);
        assert_int_equal(s->end_offset, len);
}

static void test_pikvm(void **state) {
        struct hid_summary s;

        assert_ok("pikvm-keyboard", &s);
        assert_int_equal(s.end_offset, 65);
        assert_int_equal(s.kinds, HID_KIND_KEYBOARD);
        assert_int_equal(s.n_collections, 1);
        assert_int_equal(s.max_depth, 1);
        assert_int_equal(s.n_report_ids, 0);
        assert_int_equal(s.n_inputs, 3);
        assert_int_equal(s.n_outputs, 2);
        assert_false(s.has_abs_range);

        assert_ok("pikvm-mouse-absolute", &s);
        assert_int_equal(s.end_offset, 58);
        /* The wheel is relative, but one axis is not a mouse. */
        assert_int_equal(s.kinds, HID_KIND_ABSOLUTE_POINTER);
        assert_true(s.has_abs_range);
        assert_int_equal(s.abs_x_min, 0);
        assert_int_equal(s.abs_x_max, 32767);
        assert_int_equal(s.abs_y_min, 0);
        assert_int_equal(s.abs_y_max, 32767);
        assert_int_equal(s.max_depth, 2);

        assert_ok("pikvm-mouse-relative", &s);
        assert_int_equal(s.end_offset, 46);
        assert_int_equal(s.kinds, HID_KIND_MOUSE);
        assert_false(s.has_abs_range);
}

static void test_other_kvms(void **state) {
        struct hid_summary s;

        assert_ok("jetkvm-keyboard", &s);
        assert_int_equal(s.end_offset, 63);
        assert_int_equal(s.kinds, HID_KIND_KEYBOARD);

        assert_ok("tinypilot-keyboard", &s);
        assert_int_equal(s.end_offset, 60);
        assert_int_equal(s.kinds, HID_KIND_KEYBOARD);
        assert_int_equal(s.n_outputs, 3);

        assert_ok("nanokvm-touchpad", &s);
        assert_int_equal(s.end_offset, 74);
        assert_int_equal(s.kinds, HID_KIND_ABSOLUTE_POINTER);
        assert_int_equal(s.abs_x_max, 32767);
        assert_int_equal(s.abs_y_max, 32767);
}

static void test_keyboards(void **state) {
        struct hid_summary s;

        /* HID 1.11 Appendix E.6, item for item. */
        assert_ok("boot-keyboard", &s);
        assert_int_equal(s.end_offset, 63);
        assert_int_equal(s.n_items, 32);
        assert_int_equal(s.kinds, HID_KIND_KEYBOARD);

        assert_ok("yubikey-keyboard", &s);
        assert_int_equal(s.kinds, HID_KIND_KEYBOARD);
        assert_ok("yubikey-fido", &s);
        assert_int_equal(s.kinds, HID_KIND_FIDO);
        assert_int_equal(s.n_outputs, 1);

        /* Extended usages on page 7 while the Usage Page says Consumer. */
        assert_ok("extended-keyboard", &s);
        assert_int_equal(s.kinds, HID_KIND_KEYBOARD);

        assert_ok("long-item-keyboard", &s);
        assert_int_equal(s.kinds, HID_KIND_KEYBOARD);
        assert_int_equal(s.n_long_items, 1);
        assert_int_equal(s.n_items, 33);
}

static void test_pointers(void **state) {
        struct hid_summary s;

        assert_ok("logitech-receiver-mouse", &s);
        assert_int_equal(s.kinds, HID_KIND_MOUSE | HID_KIND_CONSUMER | HID_KIND_SYSTEM_CONTROL | HID_KIND_VENDOR);
        assert_int_equal(s.n_report_ids, 4);
        assert_int_equal(s.n_collections, 5);
        assert_int_equal(s.max_depth, 2);
        assert_false(s.has_abs_range);

        /* A pen tablet is an absolute pointer and says it is a digitizer. */
        assert_ok("wacom-pen", &s);
        assert_int_equal(s.kinds, HID_KIND_DIGITIZER | HID_KIND_ABSOLUTE_POINTER);
        assert_int_equal(s.abs_x_min, 0);
        assert_int_equal(s.abs_x_max, 15200);
        assert_int_equal(s.abs_y_max, 9500);
        assert_int_equal(s.n_report_ids, 1);

        /* A stick's absolute X/Y are no pointer. */
        assert_ok("gamepad", &s);
        assert_int_equal(s.kinds, HID_KIND_GAMEPAD);
        assert_false(s.has_abs_range);

        assert_ok("extended-mouse", &s);
        assert_int_equal(s.kinds, HID_KIND_MOUSE);
        assert_ok("late-page-mouse", &s);
        assert_int_equal(s.kinds, HID_KIND_MOUSE);
        assert_ok("push-pop-mouse", &s);
        assert_int_equal(s.kinds, HID_KIND_MOUSE);

        assert_ok("padding-only", &s);
        assert_int_equal(s.kinds, 0);
}

static void test_consumer(void **state) {
        struct hid_summary s;

        assert_ok("consumer-remote", &s);
        assert_int_equal(s.kinds, HID_KIND_CONSUMER | HID_KIND_SYSTEM_CONTROL);
        assert_int_equal(s.n_report_ids, 2);
}

/* Absolute X/Y in a Mouse application with the given Logical Min/Max items. */
static int parse_abs_range(const uint8_t *min_max, size_t n, struct hid_summary *s) {
        static const uint8_t head[] = { 0x05, 0x01, 0x09, 0x02, 0xA1, 0x01, 0x09, 0x30, 0x09, 0x31 };
        static const uint8_t tail[] = { 0x75, 0x10, 0x95, 0x02, 0x81, 0x02, 0xC0 };
        uint8_t buf[64];
        assert_true(sizeof(head) + n + sizeof(tail) <= sizeof(buf));
        memcpy(buf, head, sizeof(head));
        memcpy(buf + sizeof(head), min_max, n);
        memcpy(buf + sizeof(head) + n, tail, sizeof(tail));
        return hid_descriptor_parse(buf, sizeof(head) + n + sizeof(tail), s);
}

static void test_logical_range(void **state) {
        struct hid_summary s;

        /* 25 FF after a minimum of 0 is 255, as the kernel reads it. */
        static const uint8_t unsigned_max[] = { 0x15, 0x00, 0x25, 0xFF };
        assert_int_equal(parse_abs_range(unsigned_max, sizeof(unsigned_max), &s), 0);
        assert_int_equal(s.abs_x_min, 0);
        assert_int_equal(s.abs_x_max, 255);

        static const uint8_t signed_8[] = { 0x15, 0x80, 0x25, 0x7F };
        assert_int_equal(parse_abs_range(signed_8, sizeof(signed_8), &s), 0);
        assert_int_equal(s.abs_x_min, -128);
        assert_int_equal(s.abs_x_max, 127);

        static const uint8_t signed_16[] = { 0x16, 0x00, 0x80, 0x26, 0xFF, 0xFF };
        assert_int_equal(parse_abs_range(signed_16, sizeof(signed_16), &s), 0);
        assert_int_equal(s.abs_x_min, -32768);
        assert_int_equal(s.abs_x_max, -1);

        static const uint8_t signed_32[] = { 0x17, 0x00, 0x00, 0x00, 0x80, 0x27, 0xFF, 0xFF, 0xFF, 0x7F };
        assert_int_equal(parse_abs_range(signed_32, sizeof(signed_32), &s), 0);
        assert_int_equal(s.abs_x_min, INT32_MIN);
        assert_int_equal(s.abs_x_max, INT32_MAX);
        assert_int_equal(s.abs_y_max, INT32_MAX);

        /* Size 0 data is 0. */
        static const uint8_t empty[] = { 0x14, 0x24 };
        assert_int_equal(parse_abs_range(empty, sizeof(empty), &s), 0);
        assert_int_equal(s.abs_x_min, 0);
        assert_int_equal(s.abs_x_max, 0);
}

static void assert_bad(const char *name, size_t end_offset, struct hid_summary *s) {
        assert_int_equal(parse(name, s, NULL), -EBADMSG);
        assert_int_equal(s->end_offset, end_offset);
}

static void test_malformed(void **state) {
        struct hid_summary s;

        /* A whole keyboard, then a 2-byte item with one byte left: what came
         * before still counts. */
        assert_bad("bad-truncated-short", 65, &s);
        assert_int_equal(s.kinds, HID_KIND_KEYBOARD);
        assert_int_equal(s.n_items, 32);

        assert_bad("bad-truncated-long", 6, &s);
        assert_int_equal(s.n_items, 3);
        assert_int_equal(s.n_long_items, 0);
        assert_int_equal(s.kinds, 0);

        /* Application + 16 logical collections: the 17th level is refused. */
        assert_bad("bad-too-deep", 6 + 15 * 2, &s);
        assert_int_equal(s.max_depth, HID_COLLECTION_DEPTH_MAX);

        assert_bad("bad-push-overflow", 2 + HID_GLOBAL_STACK_MAX, &s);
        assert_bad("bad-pop-underflow", 2, &s);
        assert_bad("bad-end-without-start", 2, &s);
        assert_bad("bad-report-id-zero", 2, &s);
        assert_int_equal(s.n_report_ids, 0);

        /* Collections left open: the items all parsed, the open application
         * still shows its pointer. */
        assert_bad("bad-unbalanced", 57, &s);
        assert_int_equal(s.kinds, HID_KIND_ABSOLUTE_POINTER);
        assert_int_equal(s.abs_x_max, 32767);

        static const uint8_t report_id_256[] = { 0x86, 0x00, 0x01 };
        assert_int_equal(hid_descriptor_parse(report_id_256, sizeof(report_id_256), &s), -EBADMSG);
        static const uint8_t report_id_255[] = { 0x85, 0xFF, 0x85, 0xFF, 0x85, 0x01 };
        assert_int_equal(hid_descriptor_parse(report_id_255, sizeof(report_id_255), &s), 0);
        assert_int_equal(s.n_report_ids, 2);

        /* Long items cut at each of their bytes. */
        static const uint8_t long_item[] = { 0xFE, 0x02, 0xF0, 0xAA, 0xBB };
        for (size_t n = 1; n < sizeof(long_item); n++) {
                assert_int_equal(hid_descriptor_parse(long_item, n, &s), -EBADMSG);
                assert_int_equal(s.end_offset, 0);
        }
        assert_int_equal(hid_descriptor_parse(long_item, sizeof(long_item), &s), 0);
        assert_int_equal(s.n_long_items, 1);

        assert_int_equal(hid_descriptor_parse(long_item, 0, &s), 0);
        assert_int_equal(s.n_items, 0);
}

/* Cutting a good descriptor anywhere never makes up a kind it lacks. */
static void test_prefixes(void **state) {
        static const char *const names[] = {
                "pikvm-keyboard", "pikvm-mouse-absolute", "nanokvm-touchpad", "logitech-receiver-mouse",
                "wacom-pen", "gamepad", "long-item-keyboard", "push-pop-mouse",
        };
        for (size_t i = 0; i < ELEMENTSOF(names); i++) {
                struct hid_summary full, part;
                size_t len;
                assert_int_equal(parse(names[i], &full, &len), 0);
                for (size_t n = 0; n < len; n++) {
                        int r = hid_descriptor_parse(descriptor, n, &part);
                        assert_true(r == 0 || r == -EBADMSG);
                        assert_true(part.end_offset <= n);
                        assert_int_equal(part.kinds & ~full.kinds, 0);
                }
        }
}

static void test_kind_names(void **state) {
        static const struct {
                unsigned flag;
                const char *name;
        } kinds[] = {
                { HID_KIND_KEYBOARD, "keyboard" },   { HID_KIND_MOUSE, "mouse" },
                { HID_KIND_ABSOLUTE_POINTER, "absolute_pointer" }, { HID_KIND_CONSUMER, "consumer" },
                { HID_KIND_SYSTEM_CONTROL, "system_control" },     { HID_KIND_DIGITIZER, "digitizer" },
                { HID_KIND_VENDOR, "vendor" },       { HID_KIND_GAMEPAD, "gamepad" },
                { HID_KIND_FIDO, "fido" },
        };
        for (size_t i = 0; i < ELEMENTSOF(kinds); i++)
                assert_string_equal(hid_kind_to_string(kinds[i].flag), kinds[i].name);
        assert_null(hid_kind_to_string(0));
        assert_null(hid_kind_to_string(HID_KIND_KEYBOARD | HID_KIND_MOUSE));
        assert_null(hid_kind_to_string(HID_KIND_FIDO << 1));
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_pikvm),         cmocka_unit_test(test_other_kvms),
                cmocka_unit_test(test_keyboards),     cmocka_unit_test(test_pointers),
                cmocka_unit_test(test_consumer),      cmocka_unit_test(test_logical_range),
                cmocka_unit_test(test_malformed),     cmocka_unit_test(test_prefixes),
                cmocka_unit_test(test_kind_names),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
