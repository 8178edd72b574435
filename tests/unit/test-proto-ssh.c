/* SPDX-License-Identifier: MIT */
/* SSH: the identification strings in tests/fuzz/corpus/ssh/ (made by
 * tests/fuzz/gen/sessions.py; openssh-client is what this machine's ssh sent)
 * and malformed ones. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "proto-corpus.h"
#include "ssh.h"
#include "util.h"

static struct ssh_msg msg;

static int parse(const char *s, size_t len) {
        uint8_t *copy = prefix_dup((const uint8_t *) s, len);
        int r = ssh_parse(copy, len, &msg);
        free(copy);
        return r;
}

static int parse_file(const char *name) {
        size_t len;
        uint8_t *buf = corpus_load("ssh", name, &len);
        int r = ssh_parse(buf, len, &msg);
        struct ssh_msg whole = msg;
        /* cut anywhere before its LF, the line waits for more */
        for (size_t n = 0; n + 1 < len; n++)
                assert_int_equal(parse((const char *) buf, n), -EAGAIN);
        msg = whole;
        free(buf);
        return r;
}

static void test_corpus(void **state) {
        assert_int_equal(parse_file("openssh-client"), 0);
        assert_string_equal(msg.protoversion, "2.0");
        assert_string_equal(msg.software, "OpenSSH_9.2p1");
        assert_true(startswith(msg.comments, "Debian-2+deb12u"));
        assert_true(startswith(msg.banner, "SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u"));

        assert_int_equal(parse_file("openssh-server"), 0);
        assert_string_equal(msg.banner, "SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3");
        assert_string_equal(msg.comments, "Debian-2+deb12u3");
        assert_false(msg.truncated);

        assert_int_equal(parse_file("dropbear-server"), 0);
        assert_string_equal(msg.software, "dropbear_2022.83");
        assert_string_equal(msg.comments, "");

        assert_int_equal(parse_file("libssh-dash-in-software"), 0);
        assert_string_equal(msg.software, "libssh-0.10.6");

        assert_int_equal(parse_file("legacy-lf-only"), 0);
        assert_string_equal(msg.protoversion, "1.99");
        assert_string_equal(msg.software, "Cisco-1.25");
}

static void test_escaped(void **state) {
        static const char line[] = "SSH-2.0-evil\x1b[2J \x01\\x\r\n";
        assert_int_equal(parse(line, sizeof(line) - 1), 0);
        assert_string_equal(msg.software, "evil\\027[2J");
        assert_string_equal(msg.comments, "\\001\\\\x");
        assert_string_equal(msg.banner, "SSH-2.0-evil\\027[2J \\001\\\\x");
}

static void test_line_length(void **state) {
        char line[300] = "SSH-2.0-";

        /* 255 bytes with CR LF is the most RFC 4253 allows */
        memset(line + 8, 'a', 245);
        memcpy(line + 253, "\r\n", 2);
        assert_int_equal(parse(line, 255), 0);
        assert_int_equal(strlen(msg.software), 245);
        assert_false(msg.truncated);
        /* no LF within 255 bytes */
        memset(line + 8, 'a', 280);
        assert_int_equal(parse(line, 254), -EAGAIN);
        assert_int_equal(parse(line, 255), -EBADMSG);
        assert_int_equal(parse(line, 290), -EBADMSG);
        /* control bytes widen when escaped: the fields are cut, flagged */
        memset(line + 8, '\x01', 245);
        memcpy(line + 253, "\r\n", 2);
        assert_int_equal(parse(line, 255), 0);
        assert_true(msg.truncated);
        assert_int_equal(strlen(msg.software) % 4, 0);
}

static void test_malformed(void **state) {
        assert_int_equal(parse("SSH-2.0\r\n", 9), -EBADMSG);
        assert_int_equal(parse("SSH--x\r\n", 8), -EBADMSG);
        assert_int_equal(parse("SSH-2.0-\r\n", 10), -EBADMSG);
        assert_int_equal(parse("SSH-2.0- comment\r\n", 18), -EBADMSG);
        assert_int_equal(parse("SSH-\r\n", 6), -EBADMSG);
}

static void test_not_ssh(void **state) {
        assert_int_equal(parse("GET / HTTP/1.1\r\n", 16), -ENOMSG);
        assert_int_equal(parse("SSH_2.0-x\r\n", 11), -ENOMSG);
        assert_int_equal(parse("ssh-2.0-x\r\n", 11), -ENOMSG);
        assert_int_equal(parse("SS", 2), -EAGAIN);
        assert_int_equal(parse("", 0), -EAGAIN);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_corpus),         cmocka_unit_test(test_escaped),
                cmocka_unit_test(test_line_length),    cmocka_unit_test(test_malformed),
                cmocka_unit_test(test_not_ssh),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
