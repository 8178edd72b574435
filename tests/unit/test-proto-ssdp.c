/* SPDX-License-Identifier: MIT */
/* SSDP: the datagrams in tests/fuzz/corpus/ssdp/ (made by tests/fuzz/gen/ssdp.py). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "proto-corpus.h"
#include "ssdp.h"
#include "util.h"

#define UUID "uuid:4d696e69-444c-164e-9d41-b827eb123456"

static struct ssdp_msg msg;

static int parse_file(const char *name) {
        size_t len;
        uint8_t *buf = corpus_load("ssdp", name, &len);
        int r = ssdp_parse(buf, len, &msg);
        free(buf);
        return r;
}

static void assert_header(const struct ssdp_header *h, const char *value) {
        assert_true(h->present);
        assert_false(h->truncated);
        assert_string_equal(h->value, value);
}

static void test_notify(void **state) {
        assert_int_equal(parse_file("ssdp-notify"), 0);
        assert_int_equal(msg.kind, SSDP_NOTIFY);
        assert_header(&msg.location, "http://192.168.1.50:8200/rootDesc.xml");
        assert_header(&msg.server, "Linux/6.1 DLNADOC/1.50 UPnP/1.0 MiniDLNA/1.3.3");
        assert_header(&msg.nt, "urn:schemas-upnp-org:device:MediaServer:1");
        assert_header(&msg.usn, UUID "::urn:schemas-upnp-org:device:MediaServer:1");
        assert_header(&msg.nts, "ssdp:alive");
        assert_false(msg.st.present);
}

static void test_search(void **state) {
        assert_int_equal(parse_file("ssdp-msearch"), 0);
        assert_int_equal(msg.kind, SSDP_SEARCH);
        assert_header(&msg.st, "ssdp:all");
        assert_false(msg.server.present); /* USER-AGENT is not SERVER */
        assert_false(msg.usn.present);
}

static void test_response(void **state) {
        assert_int_equal(parse_file("ssdp-response"), 0);
        assert_int_equal(msg.kind, SSDP_RESPONSE);
        assert_int_equal(msg.status, 200);
        assert_header(&msg.st, "upnp:rootdevice");
        assert_header(&msg.usn, UUID "::upnp:rootdevice");
        assert_header(&msg.server, "Linux/5.10 UPnP/1.1 MiniUPnPd/2.3.3");
        assert_header(&msg.location, "http://192.168.1.1:5000/rootDesc.xml");

        assert_int_equal(parse_file("ssdp-status-bare"), 0);
        assert_int_equal(msg.kind, SSDP_RESPONSE);
        assert_int_equal(msg.status, 404);
        assert_header(&msg.st, "x");
}

static void test_escapes(void **state) {
        assert_int_equal(parse_file("ssdp-escapes"), 0);
        assert_int_equal(msg.kind, SSDP_NOTIFY);
        assert_header(&msg.server, "a\\001b\\009c\\195\\169\\\\");
        assert_header(&msg.st, "");
        assert_true(msg.usn.truncated);
        assert_int_equal(strlen(msg.usn.value), SSDP_VALUE_MAX - 1);
        assert_false(msg.location.present); /* it is in the body */
}

static void test_malformed(void **state) {
        static const struct {
                const char *name;
                int error;
        } cases[] = {
                { "bad-get", -ENOMSG },           { "bad-method-case", -ENOMSG },   { "bad-version", -ENOMSG },
                { "bad-status-digits", -ENOMSG }, { "bad-status-glued", -ENOMSG },  { "bad-status-version", -ENOMSG },
                { "bad-binary", -ENOMSG },        { "bad-no-colon", -EBADMSG },     { "bad-empty-name", -EBADMSG },
                { "bad-folded", -EBADMSG },       { "bad-blank-in-name", -EBADMSG },
        };
        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                print_message("%s\n", cases[i].name);
                assert_int_equal(parse_file(cases[i].name), cases[i].error);
        }
        /* headers before the bad line stay */
        assert_int_equal(parse_file("bad-no-colon"), -EBADMSG);
        assert_header(&msg.nt, "x");
        assert_false(msg.usn.present);
        assert_int_equal(ssdp_parse((const uint8_t *) "", 0, &msg), -ENOMSG);
}

/* Cut inside the start line: not SSDP; inside a header's name: a line
 * without a colon; elsewhere: the headers so far. */
static void test_every_cut(void **state) {
        size_t len;
        uint8_t *buf = corpus_load("ssdp", "ssdp-notify", &len);
        const size_t start = strlen("NOTIFY * HTTP/1.1");

        for (size_t cut = 0; cut < len; cut++) {
                uint8_t *p = prefix_dup(buf, cut);
                int r = ssdp_parse(p, cut, &msg);
                free(p);
                size_t line = cut;
                while (line > 0 && buf[line - 1] != '\n')
                        line--;
                bool in_name = line > 0 && cut > line && !memchr(buf + line, ':', cut - line) && buf[cut - 1] != '\r';
                assert_int_equal(r, cut < start ? -ENOMSG : in_name ? -EBADMSG : 0);
                if (msg.usn.present)
                        assert_true(startswith(UUID "::urn:schemas-upnp-org:device:MediaServer:1", msg.usn.value));
        }
        free(buf);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_notify),   cmocka_unit_test(test_search),    cmocka_unit_test(test_response),
                cmocka_unit_test(test_escapes),  cmocka_unit_test(test_malformed), cmocka_unit_test(test_every_cut),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
