/* SPDX-License-Identifier: MIT */
/* NoMachine: the greetings in tests/fuzz/corpus/nomachine/ (made by
 * tests/fuzz/gen/sessions.py after nmap's NoMachine probe) and malformed ones. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "nomachine.h"
#include "proto-corpus.h"
#include "util.h"

static struct nomachine_msg msg;

static int parse(const char *s, size_t len) {
        uint8_t *copy = prefix_dup((const uint8_t *) s, len);
        int r = nomachine_parse(copy, len, &msg);
        free(copy);
        return r;
}

static void test_corpus(void **state) {
        static const struct {
                const char *file, *version, *banner;
                enum nomachine_side side;
        } cases[] = {
                { "client-nxsh", "8.4.2", "NXSH-8.4.2", NOMACHINE_CLIENT },
                { "server-nxd", "8.4.2", "NXD-8.4.2", NOMACHINE_SERVER },
                { "server-nxd-crlf", "7.10.1", "NXD-7.10.1", NOMACHINE_SERVER },
        };
        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                size_t len;
                uint8_t *buf = corpus_load("nomachine", cases[i].file, &len);
                assert_int_equal(nomachine_parse(buf, len, &msg), 0);
                assert_int_equal(msg.side, cases[i].side);
                assert_string_equal(msg.version, cases[i].version);
                assert_string_equal(msg.banner, cases[i].banner);
                for (size_t n = 0; n < len; n++)
                        assert_int_equal(parse((const char *) buf, n), -EAGAIN);
                free(buf);
        }
}

static void test_not_nomachine(void **state) {
        assert_int_equal(parse("NXA", 3), -ENOMSG);
        assert_int_equal(parse("SSH-2.0-x\r\n", 11), -ENOMSG);
        assert_int_equal(parse("NXSH8.4.2\n", 10), -ENOMSG);
        assert_int_equal(parse("nxd-8.4.2\n", 10), -ENOMSG);
}

static void test_malformed(void **state) {
        char long_version[64] = "NXD-";

        assert_int_equal(parse("NXD-\n", 5), -EBADMSG);
        assert_int_equal(parse("NXD-8.a\n", 8), -EBADMSG);
        assert_int_equal(parse("NXD-8.4\r\r\n", 10), -EBADMSG);
        assert_int_equal(parse("NXSH-8.4 \n", 10), -EBADMSG);
        memset(long_version + 4, '1', NOMACHINE_VERSION_MAX);
        strcat(long_version, "\n");
        assert_int_equal(parse(long_version, strlen(long_version)), -EBADMSG);
        /* one digit less fits */
        memmove(long_version + 4, long_version + 5, strlen(long_version + 5) + 1);
        assert_int_equal(parse(long_version, strlen(long_version)), 0);
        assert_int_equal(strlen(msg.version), NOMACHINE_VERSION_MAX - 1);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_corpus),
                cmocka_unit_test(test_not_nomachine),
                cmocka_unit_test(test_malformed),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
