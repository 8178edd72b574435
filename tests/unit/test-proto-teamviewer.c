/* SPDX-License-Identifier: MIT */
/* TeamViewer: the headers in tests/fuzz/corpus/teamviewer/ (made by
 * tests/fuzz/gen/sessions.py from the ET Open and nmap signatures). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "proto-corpus.h"
#include "teamviewer.h"
#include "util.h"

static struct teamviewer_msg msg;

static int parse(const void *s, size_t len) {
        uint8_t *copy = prefix_dup(s, len);
        int r = teamviewer_parse(copy, len, &msg);
        free(copy);
        return r;
}

static void test_corpus(void **state) {
        size_t len;
        uint8_t *buf = corpus_load("teamviewer", "keepalive-beep", &len);
        assert_int_equal(len, TEAMVIEWER_HEADER_LEN);
        assert_int_equal(teamviewer_parse(buf, len, &msg), 0);
        assert_int_equal(msg.command, TEAMVIEWER_CMD_KEEPALIVE_BEEP);
        assert_int_equal(msg.length, 0);
        for (size_t n = 0; n < TEAMVIEWER_HEADER_LEN; n++)
                assert_int_equal(parse(buf, n), -EAGAIN);
        free(buf);

        buf = corpus_load("teamviewer", "identify", &len);
        assert_int_equal(teamviewer_parse(buf, len, &msg), 0);
        assert_int_equal(msg.command, TEAMVIEWER_CMD_IDENTIFY);
        assert_int_equal(msg.length, len - TEAMVIEWER_HEADER_LEN);
        free(buf);
}

static void test_length_little_endian(void **state) {
        assert_int_equal(parse("\x17\x24\x5a\x34\x12", 5), 0);
        assert_int_equal(msg.command, 0x5a);
        assert_int_equal(msg.length, 0x1234);
}

static void test_not_teamviewer(void **state) {
        assert_int_equal(parse("\x17\x03\x03\x00\x20", 5), -ENOMSG); /* TLS application data */
        assert_int_equal(parse("\x16\x03\x01\x02\x00", 5), -ENOMSG);
        assert_int_equal(parse("\x24\x17\x1b\x00\x00", 5), -ENOMSG);
        assert_int_equal(parse("\x18", 1), -ENOMSG);
        assert_int_equal(parse("\x17\x25", 2), -ENOMSG);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_corpus),
                cmocka_unit_test(test_length_little_endian),
                cmocka_unit_test(test_not_teamviewer),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
