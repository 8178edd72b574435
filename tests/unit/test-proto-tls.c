/* SPDX-License-Identifier: MIT */
/* TLS: the handshakes in tests/fuzz/corpus/tls/ (made by tests/fuzz/gen/tls.py:
 * openssl s_client against s_server on loopback, and two hand-built
 * ClientHellos), and hand-built malformed ones for every error path. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "proto-corpus.h"
#include "tls.h"
#include "util.h"

/* tshark 4.0's tls.handshake.ja3_full of the same captures (gen/tls.py prints them) */
#define JA3_OPENSSL_TLS13                                                                                      \
        "771,4866-4867-4865-49196-49200-159-52393-52392-52394-49195-49199-158-49188-49192-107-49187-49191-103-" \
        "49162-49172-57-49161-49171-51-157-156-61-60-53-47-255,0-11-10-35-16-22-23-13-43-45-51,29-23-30-25-24-" \
        "256-257-258-259-260,0-1-2"
#define JA3_OPENSSL_TLS12                                                                                      \
        "771,49196-49200-159-52393-52392-52394-49195-49199-158-49188-49192-107-49187-49191-103-49162-49172-57-" \
        "49161-49171-51-157-156-61-60-53-47-255,0-11-10-35-16-22-23-13,29-23-30-25-24,0-1-2"
#define JA3_CHROME_MLKEM                                                                                         \
        "771,4865-4866-4867-49195-49199-49196-49200-52393-52392-49171-49172-156-157-47-53,0-23-65281-10-11-35-16-" \
        "5-13-18-51-45-43-27-17513-65037,4588-29-23-24,0"

static struct tls_msg msg;

static int parse(const uint8_t *buf, size_t len) {
        uint8_t *copy = prefix_dup(buf, len);
        int r = tls_parse(copy, len, &msg);
        free(copy);
        return r;
}

static int parse_file(const char *name) {
        size_t len;
        uint8_t *buf = corpus_load("tls", name, &len);
        int r = tls_parse(buf, len, &msg);
        free(buf);
        return r;
}

static bool list_has(const struct tls_list *l, uint16_t v) {
        for (size_t i = 0; i < l->n; i++)
                if (l->items[i] == v)
                        return true;
        return false;
}

static void test_client_hello_tls13(void **state) {
        assert_int_equal(parse_file("client-tls13-anydesk"), 0);
        assert_int_equal(msg.type, TLS_HANDSHAKE_CLIENT_HELLO);
        const struct tls_client_hello *ch = &msg.client_hello;
        assert_int_equal(ch->legacy_version, TLS_VERSION_1_2);
        assert_int_equal(ch->version, TLS_VERSION_1_3);
        assert_string_equal(tls_version_name(ch->version), "TLS 1.3");
        assert_string_equal(ch->sni, "relay-1.net.anydesk.com");
        assert_false(ch->sni_truncated);
        assert_int_equal(ch->n_alpn, 1);
        assert_string_equal(ch->alpn[0], "anydesk/6.2.0");
        assert_true(list_has(&ch->supported_versions, TLS_VERSION_1_3));
        assert_true(list_has(&ch->groups, 29)); /* x25519 */
        assert_int_equal(ch->ciphers.n, 31);
        assert_int_equal(ch->ciphers.items[0], 0x1302);
        assert_int_equal(ch->extensions.n, 11);
        assert_int_equal(ch->point_formats.n, 3);
        assert_string_equal(ch->ja3, JA3_OPENSSL_TLS13);
        assert_false(ch->ja3_truncated);
}

static void test_client_hello_tls12(void **state) {
        assert_int_equal(parse_file("client-tls12-anydesk"), 0);
        const struct tls_client_hello *ch = &msg.client_hello;
        assert_int_equal(ch->version, TLS_VERSION_1_2);
        assert_int_equal(ch->supported_versions.n, 0);
        assert_string_equal(ch->sni, "relay-1.net.anydesk.com");
        assert_string_equal(ch->alpn[0], "anydesk/6.2.0");
        assert_string_equal(ch->ja3, JA3_OPENSSL_TLS12);
}

static void test_client_hello_split_records(void **state) {
        struct tls_client_hello whole;

        assert_int_equal(parse_file("client-tls13-anydesk"), 0);
        whole = msg.client_hello;
        assert_int_equal(parse_file("client-split-records"), 0);
        assert_string_equal(msg.client_hello.sni, whole.sni);
        assert_string_equal(msg.client_hello.alpn[0], whole.alpn[0]);
        assert_string_equal(msg.client_hello.ja3, whole.ja3);
}

static void test_client_hello_post_quantum(void **state) {
        size_t len;
        uint8_t *buf = corpus_load("tls", "client-mlkem-keyshare", &len);

        assert_true(len > 1500);
        /* the first full-size segment: the hello is not whole yet, its type is known */
        assert_int_equal(parse(buf, 1448), -EAGAIN);
        assert_int_equal(msg.type, TLS_HANDSHAKE_CLIENT_HELLO);
        assert_string_equal(msg.client_hello.ja3, "");

        assert_int_equal(parse(buf, len), 0);
        const struct tls_client_hello *ch = &msg.client_hello;
        assert_string_equal(ch->sni, "relay-1.net.anydesk.com");
        assert_int_equal(ch->n_alpn, 2);
        assert_string_equal(ch->alpn[0], "h2");
        assert_string_equal(ch->alpn[1], "http/1.1");
        assert_int_equal(ch->version, TLS_VERSION_1_3);
        /* GREASE stays in the lists, leaves the JA3 */
        assert_int_equal(ch->ciphers.items[0], 0x4a4a);
        assert_int_equal(ch->groups.items[0], 0x3a3a);
        assert_int_equal(ch->groups.items[1], 0x11ec);
        assert_string_equal(ch->ja3, JA3_CHROME_MLKEM);
        free(buf);
}

/* Every cut of every capture: -EAGAIN until the answer is whole, then the
 * answer stays; exact-size copies so a read past the cut is caught by ASan. */
static void test_prefixes(void **state) {
        static const char *const names[] = {
                "client-tls13-anydesk",      "client-tls12-anydesk", "client-split-records", "client-mlkem-keyshare",
                "server-tls12-anynet-relay", "server-tls12-pikvm",   "server-tls13",
        };
        for (size_t i = 0; i < ELEMENTSOF(names); i++) {
                size_t len, complete = 0;
                uint8_t *buf = corpus_load("tls", names[i], &len);
                for (size_t n = 0; n <= len; n++) {
                        int r = parse(buf, n);
                        if (complete == 0 && r == 0)
                                complete = n;
                        assert_int_equal(r, complete ? 0 : -EAGAIN);
                }
                assert_true(complete > 0);
                /* a hello in one record is whole exactly when its record is */
                if (names[i][0] == 'c' && !strstr(names[i], "split"))
                        assert_int_equal(complete, 5 + (buf[3] << 8 | buf[4]));
                free(buf);
        }
}

static void test_server_tls12_certificate(void **state) {
        assert_int_equal(parse_file("server-tls12-anynet-relay"), 0);
        assert_int_equal(msg.type, TLS_HANDSHAKE_SERVER_HELLO);
        assert_int_equal(msg.server_hello.version, TLS_VERSION_1_2);
        assert_int_equal(msg.server_hello.cipher, 0xc030);
        assert_string_equal(msg.server_hello.alpn, "anydesk/6.2.0");
        assert_false(msg.server_hello.hello_retry_request);
        assert_false(msg.certificate_encrypted);
        assert_true(msg.has_certificate);
        assert_string_equal(msg.certificate.subject, "CN=AnyNet Relay, O=philandro Software GmbH");
        assert_string_equal(msg.certificate.issuer, "CN=AnyNet Root CA, O=philandro Software GmbH");
        assert_false(msg.certificate.self_issued);

        assert_int_equal(parse_file("server-tls12-pikvm"), 0);
        assert_true(msg.has_certificate);
        assert_string_equal(msg.certificate.subject, "CN=localhost, O=PiKVM");
        assert_true(msg.certificate.self_issued);
        assert_string_equal(msg.server_hello.alpn, "");
}

static void test_server_tls13(void **state) {
        assert_int_equal(parse_file("server-tls13"), 0);
        assert_int_equal(msg.server_hello.legacy_version, TLS_VERSION_1_2);
        assert_int_equal(msg.server_hello.version, TLS_VERSION_1_3);
        assert_true(msg.certificate_encrypted);
        assert_false(msg.has_certificate);
        assert_true(list_has(&msg.server_hello.extensions, TLS_EXT_SUPPORTED_VERSIONS));
}

/* Waiting for the certificate, the ServerHello is already there for a caller
 * that gets no more bytes. */
static void test_server_hello_before_certificate(void **state) {
        size_t len;
        uint8_t *buf = corpus_load("tls", "server-tls12-anynet-relay", &len);
        size_t hello_end = 5 + 4 + ((size_t) buf[6] << 16 | buf[7] << 8 | buf[8]);

        assert_int_equal(parse(buf, hello_end + 10), -EAGAIN);
        assert_int_equal(msg.type, TLS_HANDSHAKE_SERVER_HELLO);
        assert_int_equal(msg.server_hello.cipher, 0xc030);
        assert_false(msg.has_certificate);
        free(buf);
}

/* Builds one record holding a ClientHello: TLS 1.2, zero random, no session
 * id, one suite, null compression, the given extensions block (NULL: none). */
static size_t client_hello(uint8_t *out, const uint8_t *exts, size_t exts_len) {
        uint8_t body[4096];
        size_t n = 0;

        memcpy(body, "\x03\x03", 2);
        n = 2;
        memset(body + n, 0, 32);
        n += 32;
        memcpy(body + n, "\x00\x00\x02\x13\x01\x01\x00", 7);
        n += 7;
        if (exts) {
                body[n++] = (uint8_t) (exts_len >> 8);
                body[n++] = (uint8_t) exts_len;
                memcpy(body + n, exts, exts_len);
                n += exts_len;
        }
        memcpy(out, "\x16\x03\x01", 3);
        out[3] = (uint8_t) ((n + 4) >> 8);
        out[4] = (uint8_t) (n + 4);
        out[5] = TLS_HANDSHAKE_CLIENT_HELLO;
        out[6] = 0;
        out[7] = (uint8_t) (n >> 8);
        out[8] = (uint8_t) n;
        memcpy(out + 9, body, n);
        return 9 + n;
}

#define EXTS(s) (const uint8_t *) (s), sizeof(s) - 1

static void test_built_client_hello(void **state) {
        uint8_t buf[4200];

        /* no extensions at all: JA3 keeps its commas */
        assert_int_equal(parse(buf, client_hello(buf, NULL, 0)), 0);
        assert_string_equal(msg.client_hello.ja3, "771,4865,,,");
        assert_string_equal(msg.client_hello.sni, "");
        /* an empty extensions block */
        assert_int_equal(parse(buf, client_hello(buf, EXTS(""))), 0);
        /* SNI with an unknown name type next to host_name; control bytes escaped */
        size_t n = client_hello(buf, EXTS("\x00\x00\x00\x0d\x00\x0b\x07\x00\x01q\x00\x00\x04" "a\nb."));
        assert_int_equal(parse(buf, n), 0);
        assert_string_equal(msg.client_hello.sni, "a\\010b.");
        assert_string_equal(msg.client_hello.ja3, "771,4865,0,,");
}

static void test_built_client_hello_alpn_bound(void **state) {
        uint8_t exts[512], buf[1024];
        size_t n = 6;

        /* ten names, the last one longer than TLS_ALPN_NAME_MAX */
        for (int i = 0; i < 9; i++) {
                exts[n++] = 2;
                exts[n++] = 'p';
                exts[n++] = (uint8_t) ('0' + i);
        }
        exts[n++] = 100;
        memset(exts + n, 'x', 100);
        n += 100;
        memcpy(exts, "\x00\x10", 2);
        exts[2] = (uint8_t) ((n - 4) >> 8);
        exts[3] = (uint8_t) (n - 4);
        exts[4] = (uint8_t) ((n - 6) >> 8);
        exts[5] = (uint8_t) (n - 6);
        assert_int_equal(parse(buf, client_hello(buf, exts, n)), 0);
        assert_int_equal(msg.client_hello.n_alpn, TLS_ALPN_MAX);
        assert_true(msg.client_hello.alpn_truncated);
        assert_string_equal(msg.client_hello.alpn[7], "p7");
}

static void test_malformed_client_hello(void **state) {
        static const struct {
                const char *what, *exts;
                size_t len;
        } cases[] = {
#define CASE(what, s) { what, s, sizeof(s) - 1 }
                CASE("zero-length host name", "\x00\x00\x00\x05\x00\x03\x00\x00\x00"),
                CASE("empty server_name list", "\x00\x00\x00\x02\x00\x00"),
                CASE("two host names", "\x00\x00\x00\x0a\x00\x08\x00\x00\x01" "a\x00\x00\x01" "b"),
                CASE("duplicate extension", "\x00\x17\x00\x00\x00\x17\x00\x00"),
                CASE("extension overruns block", "\x00\x17\x00\x05\x00"),
                CASE("host name overruns list", "\x00\x00\x00\x06\x00\x04\x00\x00\x09" "a"),
                CASE("trailing bytes in SNI", "\x00\x00\x00\x07\x00\x04\x00\x00\x01" "ab"),
                CASE("empty ALPN name", "\x00\x10\x00\x06\x00\x04\x00\x02" "h2"),
                CASE("empty ALPN list", "\x00\x10\x00\x02\x00\x00"),
                CASE("odd supported_groups", "\x00\x0a\x00\x05\x00\x03\x00\x1d\x00"),
                CASE("empty point formats", "\x00\x0b\x00\x01\x00"),
                CASE("odd supported_versions", "\x00\x2b\x00\x02\x01\x03"),
                CASE("extension header cut", "\x00"),
#undef CASE
        };
        uint8_t buf[512];

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                size_t n = client_hello(buf, (const uint8_t *) cases[i].exts, cases[i].len);
                if (parse(buf, n) != -EBADMSG)
                        fail_msg("%s: not -EBADMSG", cases[i].what);
                assert_string_equal(msg.client_hello.ja3, "");
        }

        /* the extensions block says less than the hello holds */
        size_t n = client_hello(buf, EXTS("\x00\x17\x00\x00"));
        buf[9 + 41 + 1] = 0;
        assert_int_equal(parse(buf, n), -EBADMSG);
        /* cipher suites of odd length */
        n = client_hello(buf, NULL, 0);
        buf[9 + 34 + 2] = 3;
        assert_int_equal(parse(buf, n), -EBADMSG);
        /* a session id longer than 32 bytes */
        n = client_hello(buf, NULL, 0);
        buf[9 + 34] = 33;
        assert_int_equal(parse(buf, n), -EBADMSG);
}

static void test_malformed_records(void **state) {
        uint8_t buf[20000];
        size_t n;

        /* a zero-length and an oversized record */
        n = client_hello(buf, NULL, 0);
        buf[3] = buf[4] = 0;
        assert_int_equal(parse(buf, n), -EBADMSG);
        buf[3] = 0x40;
        buf[4] = 0x01;
        assert_int_equal(parse(buf, n), -EBADMSG);

        /* the hello announces more than its record, and an alert follows */
        n = client_hello(buf, NULL, 0);
        buf[8] += 10;
        memcpy(buf + n, "\x15\x03\x03\x00\x02\x02\x28", 7);
        assert_int_equal(parse(buf, n), -EAGAIN);
        assert_int_equal(parse(buf, n + 7), -EBADMSG);

        /* the second record of a split hello has a bad version */
        size_t len;
        uint8_t *split = corpus_load("tls", "client-split-records", &len);
        memcpy(buf, split, len);
        free(split);
        assert_int_equal(parse(buf, len), 0);
        buf[5 + 100 + 1] = 2;
        assert_int_equal(parse(buf, len), -EBADMSG);

        /* a hello too long to be gathered fails at once, with its type */
        n = client_hello(buf, NULL, 0);
        buf[6] = 0x01;
        assert_int_equal(parse(buf, n), -EBADMSG);
        assert_int_equal(msg.type, TLS_HANDSHAKE_CLIENT_HELLO);
}

/* A TLS 1.2 server whose first certificate does not fit TLS_HANDSHAKE_MAX:
 * the ServerHello survives the -EBADMSG. */
static void test_certificate_too_long(void **state) {
        size_t len;
        uint8_t *server = corpus_load("tls", "server-tls12-pikvm", &len);
        uint8_t *buf = calloc(1, 40000);
        size_t hello_end = 9 + ((size_t) server[6] << 16 | server[7] << 8 | server[8]);
        size_t n = 0;

        assert_non_null(buf);
        /* the ServerHello record as captured, then Certificate records */
        memcpy(buf, server, hello_end);
        buf[3] = (uint8_t) ((hello_end - 5) >> 8);
        buf[4] = (uint8_t) (hello_end - 5);
        n = hello_end;
        static const uint8_t cert_head[] = { TLS_HANDSHAKE_CERTIFICATE, 0x00, 0x4e, 0x26, 0x00, 0x4e,
                                             0x23, 0x00, 0x4e, 0x20, 0x30, 0x82 };
        for (size_t record = 0; record < 2; record++) {
                memcpy(buf + n, "\x16\x03\x03\x40\x00", 5);
                if (record == 0)
                        memcpy(buf + n + 5, cert_head, sizeof(cert_head));
                n += 5 + 16384;
        }
        assert_int_equal(parse(buf, n), -EBADMSG);
        assert_int_equal(msg.type, TLS_HANDSHAKE_SERVER_HELLO);
        assert_int_equal(msg.server_hello.version, TLS_VERSION_1_2);
        assert_false(msg.has_certificate);
        free(buf);
        free(server);
}

static void test_server_resumed(void **state) {
        size_t len;
        uint8_t *server = corpus_load("tls", "server-tls12-pikvm", &len);
        uint8_t buf[512];
        size_t hello_end = 9 + ((size_t) server[6] << 16 | server[7] << 8 | server[8]);

        /* ServerHello, then ChangeCipherSpec: no certificate in the clear */
        memcpy(buf, server, hello_end);
        buf[3] = (uint8_t) ((hello_end - 5) >> 8);
        buf[4] = (uint8_t) (hello_end - 5);
        memcpy(buf + hello_end, "\x14\x03\x03\x00\x01\x01", 6);
        assert_int_equal(parse(buf, hello_end), -EAGAIN);
        assert_int_equal(parse(buf, hello_end + 6), 0);
        assert_false(msg.has_certificate);
        assert_false(msg.certificate_encrypted);
        /* a ServerKeyExchange instead of a Certificate */
        memcpy(buf + hello_end, "\x16\x03\x03\x00\x04\x0c\x00\x00\x00", 9);
        assert_int_equal(parse(buf, hello_end + 9), 0);
        assert_false(msg.has_certificate);
        /* an empty certificate list */
        memcpy(buf + hello_end, "\x16\x03\x03\x00\x07\x0b\x00\x00\x03\x00\x00\x00", 12);
        assert_int_equal(parse(buf, hello_end + 12), 0);
        assert_false(msg.has_certificate);
        /* a certificate that is not DER */
        memcpy(buf + hello_end, "\x16\x03\x03\x00\x0d\x0b\x00\x00\x09\x00\x00\x06\x00\x00\x03" "abc", 18);
        assert_int_equal(parse(buf, hello_end + 18), -EBADMSG);
        free(server);
}

static void test_hello_retry_request(void **state) {
        size_t len;
        uint8_t *buf = corpus_load("tls", "server-tls13", &len);
        static const uint8_t hrr[32] = { 0xcf, 0x21, 0xad, 0x74, 0xe5, 0x9a, 0x61, 0x11, 0xbe, 0x1d, 0x8c,
                                         0x02, 0x1e, 0x65, 0xb8, 0x91, 0xc2, 0xa2, 0x11, 0x16, 0x7a, 0xbb,
                                         0x8c, 0x5e, 0x07, 0x9e, 0x09, 0xe2, 0xc8, 0xa8, 0x33, 0x9c };
        memcpy(buf + 11, hrr, sizeof(hrr));
        assert_int_equal(tls_parse(buf, len, &msg), 0);
        assert_true(msg.server_hello.hello_retry_request);
        assert_true(msg.certificate_encrypted);
        free(buf);
}

static void test_not_tls(void **state) {
        static const struct {
                const char *data;
                size_t len;
        } cases[] = {
#define CASE(s) { s, sizeof(s) - 1 }
                CASE("GET / HTTP/1.1\r\n"),
                CASE("SSH-2.0-OpenSSH_9.2p1\r\n"),
                CASE("\x17\x03\x03\x00\x10"),                       /* application data */
                CASE("\x16\x02\x00"),                               /* major version 2 */
                CASE("\x16\x03\x05"),                               /* minor beyond TLS 1.3 */
                CASE("\x80\x2e\x01\x00\x02"),                       /* SSLv2 hello */
                CASE("\x16\x03\x03\x00\x04\x14\x00\x00\x00"),       /* a Finished first */
#undef CASE
        };
        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                assert_int_equal(parse((const uint8_t *) cases[i].data, cases[i].len), -ENOMSG);
                assert_int_equal(msg.type, 0);
        }
        assert_int_equal(parse((const uint8_t *) "", 0), -EAGAIN);
        assert_int_equal(parse((const uint8_t *) "\x16\x03", 2), -EAGAIN);
        assert_null(tls_version_name(0x7f1c));
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_client_hello_tls13),
                cmocka_unit_test(test_client_hello_tls12),
                cmocka_unit_test(test_client_hello_split_records),
                cmocka_unit_test(test_client_hello_post_quantum),
                cmocka_unit_test(test_prefixes),
                cmocka_unit_test(test_server_tls12_certificate),
                cmocka_unit_test(test_server_tls13),
                cmocka_unit_test(test_server_hello_before_certificate),
                cmocka_unit_test(test_built_client_hello),
                cmocka_unit_test(test_built_client_hello_alpn_bound),
                cmocka_unit_test(test_malformed_client_hello),
                cmocka_unit_test(test_malformed_records),
                cmocka_unit_test(test_certificate_too_long),
                cmocka_unit_test(test_server_resumed),
                cmocka_unit_test(test_hello_retry_request),
                cmocka_unit_test(test_not_tls),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
