/* SPDX-License-Identifier: MIT */
/* DNS and mDNS wire format: the packets in tests/fuzz/corpus/dns/ (made by
 * tests/fuzz/gen/dns.py), every error path, every cut of a valid message. */
#include <arpa/inet.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "dns.h"
#include "proto-corpus.h"
#include "util.h"

static struct dns_msg msg, full;

static int parse_file(const char *name, struct dns_msg *m) {
        size_t len;
        uint8_t *buf = corpus_load("dns", name, &len);
        int r = dns_parse(buf, len, m);
        free(buf);
        return r;
}

static void assert_addr(const struct dns_record *r, int family, const char *text) {
        char a[INET6_ADDRSTRLEN];
        assert_int_equal(r->family, family);
        assert_non_null(inet_ntop(family, r->addr, a, sizeof(a)));
        assert_string_equal(a, text);
}

static void test_pikvm_announcement(void **state) {
        assert_int_equal(parse_file("mdns-pikvm-announce", &msg), 0);
        assert_true(msg.response);
        assert_true(msg.authoritative);
        assert_false(msg.recursion_desired);
        assert_int_equal(msg.opcode, 0);
        assert_int_equal(msg.n_questions, 0);
        assert_int_equal(msg.n_records, 6);
        assert_false(msg.records_truncated);

        const struct dns_record *r = msg.records;
        assert_int_equal(r[0].type, DNS_TYPE_PTR);
        assert_string_equal(r[0].name, "_services._dns-sd._udp.local");
        assert_string_equal(r[0].target, "_pikvm._tcp.local");
        assert_int_equal(r[0].ttl, 4500);
        assert_false(r[0].cache_flush);

        assert_string_equal(r[1].name, "_pikvm._tcp.local");
        assert_string_equal(r[1].target, "pikvm._pikvm._tcp.local");

        assert_int_equal(r[2].type, DNS_TYPE_SRV);
        assert_string_equal(r[2].name, "pikvm._pikvm._tcp.local");
        assert_true(r[2].cache_flush);
        assert_int_equal(r[2].class, DNS_CLASS_IN);
        assert_int_equal(r[2].port, 443);
        assert_int_equal(r[2].priority, 0);
        assert_string_equal(r[2].target, "pikvm.local");

        assert_int_equal(r[3].type, DNS_TYPE_TXT);
        assert_int_equal(r[3].n_txt, 2);
        assert_false(r[3].txt_truncated);
        assert_string_equal(r[3].txt, "description=PiKVM Web Server");
        assert_string_equal(dns_txt_next(r[3].txt), "path=/");

        assert_int_equal(r[4].section, DNS_SECTION_ADDITIONAL);
        assert_string_equal(r[4].name, "pikvm.local");
        assert_addr(&r[4], AF_INET, "192.168.1.50");
        assert_int_equal(r[5].type, DNS_TYPE_AAAA);
        assert_addr(&r[5], AF_INET6, "fe80::ba27:ebff:fe12:3456");
}

static void test_anydesk_cname(void **state) {
        assert_int_equal(parse_file("dns-anydesk-cname-a", &msg), 0);
        assert_int_equal(msg.id, 0x1f2e);
        assert_true(msg.response);
        assert_true(msg.recursion_desired);
        assert_true(msg.recursion_available);
        assert_int_equal(msg.rcode, 0);
        assert_int_equal(msg.n_questions, 1);
        assert_string_equal(msg.questions[0].name, "relay-1.net.anydesk.com");
        assert_int_equal(msg.questions[0].type, DNS_TYPE_A);
        assert_int_equal(msg.questions[0].class, DNS_CLASS_IN);
        assert_false(msg.questions[0].unicast_response);

        assert_int_equal(msg.n_records, 3);
        assert_int_equal(msg.records[0].type, DNS_TYPE_CNAME);
        assert_int_equal(msg.records[0].section, DNS_SECTION_ANSWER);
        assert_string_equal(msg.records[0].name, "relay-1.net.anydesk.com");
        assert_string_equal(msg.records[0].target, "relay-eu-1.net.anydesk.com");
        assert_string_equal(msg.records[1].name, "relay-eu-1.net.anydesk.com");
        assert_int_equal(msg.records[1].ttl, 60);
        assert_addr(&msg.records[1], AF_INET, "203.0.113.9");
        /* OPT: root owner, class is the UDP payload size and keeps its top bit */
        assert_int_equal(msg.records[2].type, DNS_TYPE_OPT);
        assert_string_equal(msg.records[2].name, "");
        assert_int_equal(msg.records[2].class, 1232);
        assert_int_equal(msg.records[2].section, DNS_SECTION_ADDITIONAL);

        assert_int_equal(parse_file("dns-query-opt-64k", &msg), 0);
        assert_int_equal(msg.records[0].type, DNS_TYPE_OPT);
        assert_int_equal(msg.records[0].class, 0xffff);
        assert_false(msg.records[0].cache_flush);
}

static void test_mdns_query(void **state) {
        assert_int_equal(parse_file("mdns-query-qu", &msg), 0);
        assert_false(msg.response);
        assert_int_equal(msg.n_questions, 1);
        assert_string_equal(msg.questions[0].name, "_pikvm._tcp.local");
        assert_int_equal(msg.questions[0].type, DNS_TYPE_PTR);
        assert_true(msg.questions[0].unicast_response);
        assert_int_equal(msg.questions[0].class, DNS_CLASS_IN);
        assert_int_equal(msg.n_records, 1);
        assert_string_equal(msg.records[0].target, "other._pikvm._tcp.local");
}

static void test_escapes(void **state) {
        assert_int_equal(parse_file("mdns-subtype-escapes", &msg), 0);
        assert_int_equal(msg.n_records, 4);
        assert_string_equal(msg.records[0].name, "_printer._sub._http._tcp.local");
        /* UTF-8 as \DDD, the dot and the backslash inside the label as \. and \\ */
        assert_string_equal(msg.records[0].target, "B\\195\\188ro\\.Drucker 2\\\\._http._tcp.local");
        assert_string_equal(msg.records[1].name, msg.records[0].target);
        assert_int_equal(msg.records[1].priority, 1);
        assert_int_equal(msg.records[1].weight, 2);
        assert_int_equal(msg.records[1].port, 631);
        assert_string_equal(msg.records[1].target, "printer.local");
        assert_int_equal(msg.records[2].type, DNS_TYPE_NS);
        assert_string_equal(msg.records[2].target, "ns.local");
        /* HINFO is not decoded: type and length only */
        assert_int_equal(msg.records[3].type, 13);
        assert_int_equal(msg.records[3].rdlength, 10);
        assert_string_equal(msg.records[3].target, "");

        assert_int_equal(parse_file("dns-label-bytes", &msg), 0);
        assert_string_equal(msg.records[0].name, "a\\000b.c\\127d.example");
        assert_int_equal(msg.records[0].n_txt, 2);
        assert_string_equal(msg.records[0].txt, "");
        assert_string_equal(dns_txt_next(msg.records[0].txt), "k=\\001\\255");
        assert_int_equal(msg.records[1].rdlength, 0);
        assert_int_equal(msg.records[1].n_txt, 0);
}

static void test_update(void **state) {
        assert_int_equal(parse_file("dns-update-delete", &msg), 0);
        assert_int_equal(msg.opcode, 5);
        assert_int_equal(msg.n_records, 1);
        assert_int_equal(msg.records[0].section, DNS_SECTION_AUTHORITY);
        assert_int_equal(msg.records[0].type, DNS_TYPE_A);
        assert_int_equal(msg.records[0].class, 255);
        assert_int_equal(msg.records[0].rdlength, 0);
        assert_int_equal(msg.records[0].family, 0);
}

static void test_limits(void **state) {
        assert_int_equal(parse_file("dns-many", &msg), 0);
        assert_int_equal(msg.qdcount, 10);
        assert_int_equal(msg.n_questions, DNS_QUESTIONS_MAX);
        assert_true(msg.questions_truncated);
        assert_string_equal(msg.questions[7].name, "q7.example");
        assert_int_equal(msg.ancount, 60);
        assert_int_equal(msg.n_records, DNS_RECORDS_MAX);
        assert_true(msg.records_truncated);
        assert_string_equal(msg.records[47].name, "q0.example");
        assert_addr(&msg.records[47], AF_INET, "10.0.0.47");

        /* 200 + 1 + 183 = DNS_TXT_MAX: the second string is cut to 182 characters, the third dropped */
        assert_int_equal(parse_file("dns-txt-long", &msg), 0);
        assert_true(msg.records[0].txt_truncated);
        assert_int_equal(msg.records[0].n_txt, 2);
        assert_int_equal(strlen(msg.records[0].txt), 200);
        const char *second = dns_txt_next(msg.records[0].txt);
        assert_int_equal(strlen(second), DNS_TXT_MAX - 201 - 1);
        assert_int_equal(second[0], 'b');

        assert_int_equal(parse_file("dns-name-255", &msg), 0);
        assert_int_equal(strlen(msg.questions[0].name), 253);
        assert_false(msg.questions[0].name_truncated);

        /* Labels of 63 bytes 0xff are 252 characters escaped: a cut name keeps whole labels, here one. */
        assert_int_equal(parse_file("dns-name-escaped-cut", &msg), 0);
        assert_true(msg.questions[0].name_truncated);
        assert_int_equal(strlen(msg.questions[0].name), 63 * 4);
        assert_string_equal(msg.questions[0].name + 62 * 4, "\\255");
        assert_int_equal(msg.questions[0].type, DNS_TYPE_A);

        /* 32 pointer jumps are allowed, 33 are not */
        assert_int_equal(parse_file("dns-pointer-chain-32", &msg), 0);
        assert_string_equal(msg.records[1].name, "x");
        assert_int_equal(parse_file("bad-pointer-chain-33", &msg), -EBADMSG);
        assert_int_equal(msg.n_records, 1);
}

static void test_malformed(void **state) {
        static const struct {
                const char *name;
                int error;
                size_t n_questions, n_records; /* what came before the fault */
        } cases[] = {
                { "bad-header-short", -EBADMSG, 0, 0 },
                { "bad-opcode", -ENOMSG, 0, 0 },
                { "bad-question-cut", -EBADMSG, 0, 0 },
                { "bad-name-256", -EBADMSG, 0, 0 },
                { "bad-name-256-compressed", -EBADMSG, 1, 0 },
                { "bad-label-64", -EBADMSG, 0, 0 },
                { "bad-label-reserved", -EBADMSG, 0, 0 },
                { "bad-compression-loop", -EBADMSG, 0, 0 },
                { "bad-compression-loop-label", -EBADMSG, 1, 0 },
                { "bad-pointer-forward", -EBADMSG, 0, 0 },
                { "bad-pointer-header", -EBADMSG, 0, 0 },
                { "bad-pointer-cut", -EBADMSG, 0, 0 },
                { "bad-label-cut", -EBADMSG, 0, 0 },
                { "bad-record-cut", -EBADMSG, 0, 0 },
                { "bad-rdlength-overrun", -EBADMSG, 0, 0 },
                { "bad-a-rdlength", -EBADMSG, 0, 0 },
                { "bad-aaaa-rdlength", -EBADMSG, 0, 0 },
                { "bad-srv-short", -EBADMSG, 0, 0 },
                { "bad-ptr-trailing", -EBADMSG, 0, 0 },
                { "bad-ptr-overrun", -EBADMSG, 0, 0 },
                { "bad-txt-overrun", -EBADMSG, 0, 0 },
                { "bad-txt-overrun-by-one", -EBADMSG, 0, 0 },
        };
        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                print_message("%s\n", cases[i].name);
                assert_int_equal(parse_file(cases[i].name, &msg), cases[i].error);
                assert_int_equal(msg.n_questions, cases[i].n_questions);
                assert_int_equal(msg.n_records, cases[i].n_records);
        }

        /* the loop through a label: the first question stands, the second (b -> b -> ...) does not */
        assert_int_equal(parse_file("bad-compression-loop-label", &msg), -EBADMSG);
        assert_string_equal(msg.questions[0].name, "a");

        assert_int_equal(dns_parse((const uint8_t *) "", 0, &msg), -EBADMSG);
}

/* Every cut of a valid message fails, and what it yields is a prefix of the whole. */
static void test_every_cut(void **state) {
        static const char *const names[] = { "mdns-pikvm-announce", "dns-anydesk-cname-a", "mdns-subtype-escapes" };

        for (size_t f = 0; f < ELEMENTSOF(names); f++) {
                size_t len;
                uint8_t *buf = corpus_load("dns", names[f], &len);
                assert_int_equal(dns_parse(buf, len, &full), 0);
                size_t last = 0;
                for (size_t cut = 0; cut < len; cut++) {
                        uint8_t *p = prefix_dup(buf, cut);
                        assert_int_equal(dns_parse(p, cut, &msg), -EBADMSG);
                        free(p);
                        assert_true(msg.n_records >= last && msg.n_records < full.n_records);
                        assert_true(msg.n_questions <= full.n_questions);
                        last = msg.n_records;
                        for (size_t i = 0; i < msg.n_records; i++) {
                                assert_string_equal(msg.records[i].name, full.records[i].name);
                                assert_int_equal(msg.records[i].type, full.records[i].type);
                        }
                }
                assert_int_equal(last, full.n_records - 1);
                free(buf);
        }
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_pikvm_announcement),
                cmocka_unit_test(test_anydesk_cname),
                cmocka_unit_test(test_mdns_query),
                cmocka_unit_test(test_escapes),
                cmocka_unit_test(test_update),
                cmocka_unit_test(test_limits),
                cmocka_unit_test(test_malformed),
                cmocka_unit_test(test_every_cut),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
