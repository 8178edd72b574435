/* SPDX-License-Identifier: MIT */
/* RFB: the ProtocolVersion messages in tests/fuzz/corpus/rfb/ (made by
 * tests/fuzz/gen/sessions.py) and malformed ones. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "proto-corpus.h"
#include "rfb.h"
#include "util.h"

static struct rfb_msg msg;

static int parse(const char *s, size_t len) {
        uint8_t *copy = prefix_dup((const uint8_t *) s, len);
        int r = rfb_parse(copy, len, &msg);
        free(copy);
        return r;
}

static void test_versions(void **state) {
        static const struct {
                const char *file, *version;
                unsigned major, minor;
        } cases[] = {
                { "rfb-003.003", "003.003", 3, 3 },
                { "rfb-003.007", "003.007", 3, 7 },
                { "rfb-003.008", "003.008", 3, 8 },
                { "rfb-003.889", "003.889", 3, 889 },
                { "rfb-005.000", "005.000", 5, 0 },
                { "rfb-003.008-then-security", "003.008", 3, 8 },
        };
        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                size_t len;
                uint8_t *buf = corpus_load("rfb", cases[i].file, &len);
                assert_int_equal(rfb_parse(buf, len, &msg), 0);
                assert_int_equal(msg.major, cases[i].major);
                assert_int_equal(msg.minor, cases[i].minor);
                assert_string_equal(msg.version, cases[i].version);
                /* every shorter cut waits for more */
                for (size_t n = 0; n < RFB_VERSION_LEN; n++)
                        assert_int_equal(parse((const char *) buf, n), -EAGAIN);
                free(buf);
        }
}

static void test_not_rfb(void **state) {
        assert_int_equal(parse("SSH-2.0-x\r\n", 11), -ENOMSG);
        assert_int_equal(parse("RFX", 3), -ENOMSG);
        assert_int_equal(parse("rfb 003.008\n", 12), -ENOMSG);
        assert_int_equal(parse("RFB003.008\n", 11), -ENOMSG);
}

static void test_malformed(void **state) {
        assert_int_equal(parse("RFB 003.00x\n", 12), -EBADMSG);
        assert_int_equal(parse("RFB 003.008\r", 12), -EBADMSG);
        assert_int_equal(parse("RFB 3.8\n", 8), -EBADMSG);
        assert_int_equal(parse("RFB 003-008\n", 12), -EBADMSG);
        /* a wrong byte is wrong before the message is whole */
        assert_int_equal(parse("RFB 0a", 6), -EBADMSG);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_versions),
                cmocka_unit_test(test_not_rfb),
                cmocka_unit_test(test_malformed),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
