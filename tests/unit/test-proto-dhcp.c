/* SPDX-License-Identifier: MIT */
/* DHCPv4: the messages in tests/fuzz/corpus/dhcp/ (made by
 * tests/fuzz/gen/dhcp.py), every error path, every cut of a valid message. */
#include <arpa/inet.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "dhcp.h"
#include "proto-corpus.h"
#include "util.h"

static struct dhcp_msg msg;

static int parse_file(const char *name) {
        size_t len;
        uint8_t *buf = corpus_load("dhcp", name, &len);
        int r = dhcp_parse(buf, len, &msg);
        free(buf);
        return r;
}

static const char *ip(const uint8_t a[4]) {
        static char s[INET_ADDRSTRLEN];
        return inet_ntop(AF_INET, a, s, sizeof(s));
}

static void test_pikvm_request(void **state) {
        static const uint8_t mac[6] = { 0xb8, 0x27, 0xeb, 0x12, 0x34, 0x56 };

        assert_int_equal(parse_file("dhcp-request-pikvm"), 0);
        assert_int_equal(msg.op, 1);
        assert_int_equal(msg.htype, 1);
        assert_int_equal(msg.hlen, 6);
        assert_int_equal(msg.xid, 0x3903f326);
        assert_memory_equal(msg.chaddr, mac, 6);
        assert_int_equal(msg.message_type, DHCP_REQUEST);
        assert_string_equal(msg.hostname, "pikvm");
        assert_false(msg.hostname_truncated);
        assert_string_equal(msg.vendor_class, "udhcp 1.36.1");
        assert_int_equal(msg.client_id_len, 7);
        assert_int_equal(msg.client_id[0], 1);
        assert_memory_equal(msg.client_id + 1, mac, 6);
        assert_true(msg.has_requested_ip);
        assert_string_equal(ip(msg.requested_ip), "192.168.1.50");
        assert_string_equal(msg.parameter_request_list, "1,3,6,12,15,28,42");
        assert_string_equal(msg.domain, "");
}

static void test_ack(void **state) {
        assert_int_equal(parse_file("dhcp-ack"), 0);
        assert_int_equal(msg.op, 2);
        assert_int_equal(msg.message_type, DHCP_ACK);
        assert_string_equal(ip(msg.yiaddr), "192.168.1.50");
        assert_string_equal(ip(msg.siaddr), "192.168.1.1");
        assert_string_equal(ip(msg.ciaddr), "0.0.0.0");
        assert_string_equal(msg.domain, "lan");
        assert_false(msg.has_requested_ip);
        assert_string_equal(msg.hostname, "");
        assert_int_equal(msg.client_id_len, 0);
        assert_string_equal(msg.parameter_request_list, "");
}

static void test_overload(void **state) {
        /* options from file then sname; the trailing NUL of the hostname dropped; a second overload
         * option (inside file) does not undo the sname overload */
        assert_int_equal(parse_file("dhcp-overload"), 0);
        assert_int_equal(msg.message_type, DHCP_DISCOVER);
        assert_string_equal(msg.hostname, "kvm-a1b2");
        assert_string_equal(msg.vendor_class, "from-file");
        assert_string_equal(msg.domain, "sname.example");
}

static void test_escapes_and_limits(void **state) {
        assert_int_equal(parse_file("dhcp-escapes"), 0);
        assert_int_equal(msg.message_type, DHCP_INFORM);
        assert_string_equal(msg.hostname, "a\\001b\\195\\169\\\\");
        /* 255 bytes 0x01 are 1020 characters escaped: whole escapes only */
        assert_true(msg.vendor_class_truncated);
        assert_int_equal(strlen(msg.vendor_class), (DHCP_TEXT_MAX - 1) / 4 * 4);
        assert_int_equal(msg.client_id_len, 255);
        /* 0..255 exclusive: "0,1,...,254" */
        const char *prl = msg.parameter_request_list;
        assert_true(startswith(prl, "0,1,2,"));
        assert_true(endswith(prl, ",253,254"));
        assert_int_equal(strlen(prl), 10 * 1 + 90 * 2 + 155 * 3 + 254);
}

static void test_malformed(void **state) {
        static const struct {
                const char *name;
                int error;
        } cases[] = {
                { "bootp-plain", -ENOMSG },
                { "bad-short", -EBADMSG },
                { "bad-op", -ENOMSG },
                { "bad-cookie", -ENOMSG },
                { "bad-hlen", -EBADMSG },
                { "bad-option-overrun", -EBADMSG },
                { "bad-option-no-length", -EBADMSG },
                { "bad-type-length", -EBADMSG },
                { "bad-type-zero", -EBADMSG },
                { "bad-requested-ip", -EBADMSG },
                { "bad-overload-value", -EBADMSG },
                { "bad-overload-zero", -EBADMSG },
                { "bad-overload-length", -EBADMSG },
                { "bad-overload-area", -EBADMSG },
        };
        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                print_message("%s\n", cases[i].name);
                assert_int_equal(parse_file(cases[i].name), cases[i].error);
        }
        /* what came before the fault stays */
        assert_int_equal(parse_file("bad-option-overrun"), -EBADMSG);
        assert_int_equal(msg.message_type, DHCP_DISCOVER);
        assert_int_equal(parse_file("bad-overload-area"), -EBADMSG);
        assert_string_equal(msg.hostname, "pikvm");
        assert_int_equal(msg.hlen, 6);
        assert_int_equal(dhcp_parse((const uint8_t *) "", 0, &msg), -EBADMSG);
}

/* Cut inside the header: too short. Cut inside the options: an option runs
 * over, or (between options) the message lacks what came later. */
static void test_every_cut(void **state) {
        size_t len;
        uint8_t *buf = corpus_load("dhcp", "dhcp-request-pikvm", &len);

        for (size_t cut = 0; cut < len; cut++) {
                uint8_t *p = prefix_dup(buf, cut);
                int r = dhcp_parse(p, cut, &msg);
                free(p);
                if (cut < 240)
                        assert_int_equal(r, -EBADMSG);
                else if (cut == 240)
                        assert_int_equal(r, -ENOMSG); /* no option 53 yet */
                else if (r == 0)
                        assert_int_equal(msg.message_type, DHCP_REQUEST);
                else
                        assert_int_equal(r, -EBADMSG);
        }
        free(buf);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_pikvm_request),
                cmocka_unit_test(test_ack),
                cmocka_unit_test(test_overload),
                cmocka_unit_test(test_escapes_and_limits),
                cmocka_unit_test(test_malformed),
                cmocka_unit_test(test_every_cut),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
