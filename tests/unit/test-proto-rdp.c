/* SPDX-License-Identifier: MIT */
/* RDP: the first PDUs in tests/fuzz/corpus/rdp/ (made by
 * tests/fuzz/gen/sessions.py: cr-xfreerdp-* are what xfreerdp 2 sent, the
 * rest built to MS-RDPBCGR 2.2.1.1/2.2.1.2) and malformed ones. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "proto-corpus.h"
#include "rdp.h"
#include "util.h"

static struct rdp_msg msg;

static int parse(const void *s, size_t len) {
        uint8_t *copy = prefix_dup(s, len);
        int r = rdp_parse(copy, len, &msg);
        free(copy);
        return r;
}

static int parse_file(const char *name) {
        size_t len;
        uint8_t *buf = corpus_load("rdp", name, &len);
        int r = rdp_parse(buf, len, &msg);
        struct rdp_msg whole = msg;
        for (size_t n = 0; n < len; n++)
                assert_int_equal(parse(buf, n), -EAGAIN);
        msg = whole;
        free(buf);
        return r;
}

static void test_xfreerdp(void **state) {
        assert_int_equal(parse_file("cr-xfreerdp-default"), 0);
        assert_int_equal(msg.type, RDP_X224_CONNECTION_REQUEST);
        assert_string_equal(msg.cookie, "alice");
        assert_string_equal(msg.routing_token, "");
        assert_true(msg.has_neg_req);
        assert_int_equal(msg.requested_protocols, RDP_PROTOCOL_SSL | RDP_PROTOCOL_HYBRID);

        assert_int_equal(parse_file("cr-xfreerdp-tls"), 0);
        assert_string_equal(msg.cookie, "Administrator");
        assert_int_equal(msg.requested_protocols, RDP_PROTOCOL_SSL);

        assert_int_equal(parse_file("cr-xfreerdp-nla"), 0);
        assert_string_equal(msg.cookie, "farm-operator");
        assert_true(msg.requested_protocols & RDP_PROTOCOL_HYBRID);

        /* standard RDP security: no negotiation request at all */
        assert_int_equal(parse_file("cr-xfreerdp-rdp"), 0);
        assert_string_equal(msg.cookie, "bob");
        assert_false(msg.has_neg_req);
}

static void test_built(void **state) {
        assert_int_equal(parse_file("cr-routing-token"), 0);
        assert_string_equal(msg.cookie, "");
        assert_string_equal(msg.routing_token, "Cookie: msts=3640205228.15629.0000");
        assert_int_equal(msg.requested_protocols, 3);

        assert_int_equal(parse_file("cr-correlation-info"), 0);
        assert_string_equal(msg.cookie, "");
        assert_true(msg.has_neg_req);
        assert_int_equal(msg.neg_flags, 0x08);
        assert_int_equal(msg.requested_protocols, RDP_PROTOCOL_SSL | RDP_PROTOCOL_HYBRID | RDP_PROTOCOL_HYBRID_EX);

        assert_int_equal(parse_file("cc-neg-rsp-ssl"), 0);
        assert_int_equal(msg.type, RDP_X224_CONNECTION_CONFIRM);
        assert_true(msg.has_neg_rsp);
        assert_false(msg.has_neg_req);
        assert_int_equal(msg.selected_protocol, RDP_PROTOCOL_SSL);
        assert_int_equal(msg.neg_flags, 0x1f);

        assert_int_equal(parse_file("cc-neg-failure-ssl-required"), 0);
        assert_true(msg.has_neg_failure);
        assert_false(msg.has_neg_rsp);
        assert_int_equal(msg.failure_code, 1);

        assert_int_equal(parse_file("cc-legacy"), 0);
        assert_int_equal(msg.type, RDP_X224_CONNECTION_CONFIRM);
        assert_false(msg.has_neg_rsp || msg.has_neg_failure);
}

static void test_cookie_escaped(void **state) {
        static const char cr[] = "\x03\x00\x00\x21\x1c\xe0\x00\x00\x00\x00\x00"
                                 "Cookie: mstshash=a\x1b" "b\r\n";
        assert_int_equal(parse(cr, sizeof(cr) - 1), 0);
        assert_string_equal(msg.cookie, "a\\027b");
}

static void test_malformed(void **state) {
        static const struct {
                const char *what, *pdu;
                size_t len;
        } cases[] = {
#define CASE(what, s) { what, s, sizeof(s) - 1 }
                CASE("LI disagrees with TPKT", "\x03\x00\x00\x0b\x07\xe0\x00\x00\x00\x00\x00"),
                CASE("TPKT shorter than X.224", "\x03\x00\x00\x0a\x05\xe0\x00\x00\x00\x00"),
                CASE("cookie without CR LF", "\x03\x00\x00\x13\x0e\xe0\x00\x00\x00\x00\x00" "Cookie: "),
                CASE("NEG_REQ length 9",
                     "\x03\x00\x00\x13\x0e\xe0\x00\x00\x00\x00\x00\x01\x00\x09\x00\x03\x00\x00\x00"),
                CASE("NEG_REQ cut", "\x03\x00\x00\x10\x0b\xe0\x00\x00\x00\x00\x00\x01\x00\x08\x00\x03"),
                CASE("CC with a request inside",
                     "\x03\x00\x00\x13\x0e\xd0\x00\x00\x00\x00\x00\x01\x00\x08\x00\x03\x00\x00\x00"),
                CASE("CC with 3 stray bytes", "\x03\x00\x00\x0e\x09\xd0\x00\x00\x00\x00\x00\x02\x00\x08"),
#undef CASE
        };
        for (size_t i = 0; i < ELEMENTSOF(cases); i++)
                if (parse(cases[i].pdu, cases[i].len) != -EBADMSG)
                        fail_msg("%s: not -EBADMSG", cases[i].what);
}

static void test_not_rdp(void **state) {
        assert_int_equal(parse("\x03\x00\x00\x0c\x02\xf0\x80\x7f\x65\x82\x01\x00", 12), -ENOMSG); /* X.224 data */
        assert_int_equal(parse("\x03\x01\x00\x0b", 4), -ENOMSG);
        assert_int_equal(parse("\x02", 1), -ENOMSG);
        assert_int_equal(parse("\x16\x03\x01\x00\x10", 5), -ENOMSG);
        assert_int_equal(parse("", 0), -EAGAIN);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_xfreerdp),  cmocka_unit_test(test_built),
                cmocka_unit_test(test_cookie_escaped), cmocka_unit_test(test_malformed),
                cmocka_unit_test(test_not_rdp),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
