/* SPDX-License-Identifier: MIT */
/* ARP: the payloads in tests/fuzz/corpus/arp/ (made by tests/fuzz/gen/arp.py). */
#include <arpa/inet.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "arp.h"
#include "proto-corpus.h"
#include "util.h"

static int parse_file(const char *name, struct arp_msg *m) {
        size_t len;
        uint8_t *buf = corpus_load("arp", name, &len);
        int r = arp_parse(buf, len, m);
        free(buf);
        return r;
}

static void assert_ip(const uint8_t a[4], const char *text) {
        char s[INET_ADDRSTRLEN];
        assert_string_equal(inet_ntop(AF_INET, a, s, sizeof(s)), text);
}

static void test_reply_and_request(void **state) {
        static const uint8_t pi[6] = { 0xb8, 0x27, 0xeb, 0x12, 0x34, 0x56 };
        static const uint8_t laptop[6] = { 0x3c, 0x52, 0x82, 0xaa, 0xbb, 0xcc };
        struct arp_msg m;

        /* with the 18 bytes of Ethernet padding after it */
        assert_int_equal(parse_file("arp-reply-pi", &m), 0);
        assert_int_equal(m.op, ARP_REPLY);
        assert_memory_equal(m.sender_mac, pi, 6);
        assert_ip(m.sender_ip, "192.168.1.50");
        assert_memory_equal(m.target_mac, laptop, 6);
        assert_ip(m.target_ip, "192.168.1.23");

        assert_int_equal(parse_file("arp-request", &m), 0);
        assert_int_equal(m.op, ARP_REQUEST);
        assert_memory_equal(m.sender_mac, laptop, 6);
        assert_ip(m.target_ip, "192.168.1.50");
}

static void test_malformed(void **state) {
        static const struct {
                const char *name;
                int error;
        } cases[] = {
                { "bad-short", -EBADMSG }, { "bad-cut", -EBADMSG },  { "bad-rarp", -ENOMSG },
                { "bad-op-zero", -ENOMSG }, { "bad-htype", -ENOMSG }, { "bad-ptype", -ENOMSG },
                { "bad-hlen", -ENOMSG },   { "bad-plen", -ENOMSG },
        };
        struct arp_msg m;

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                print_message("%s\n", cases[i].name);
                memset(&m, 0xaa, sizeof(m));
                assert_int_equal(parse_file(cases[i].name, &m), cases[i].error);
                assert_int_equal(m.op, 0); /* cleared, nothing half-filled */
        }
}

static void test_every_cut(void **state) {
        size_t len;
        uint8_t *buf = corpus_load("arp", "arp-request", &len);
        struct arp_msg m;

        for (size_t cut = 0; cut < len; cut++) {
                uint8_t *p = prefix_dup(buf, cut);
                assert_int_equal(arp_parse(p, cut, &m), -EBADMSG);
                free(p);
        }
        assert_int_equal(arp_parse(buf, len, &m), 0);
        free(buf);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_reply_and_request),
                cmocka_unit_test(test_malformed),
                cmocka_unit_test(test_every_cut),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
