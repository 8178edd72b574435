/* SPDX-License-Identifier: MIT */
/* X.509: the certificates in tests/fuzz/corpus/x509/ (made by openssl in
 * tests/fuzz/gen/tls.py, as AnyDesk's relays and PiKVM present them), and
 * certificates built here field by field for each rule of the text form and
 * each error path. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "proto-corpus.h"
#include "util.h"
#include "x509.h"

static struct x509_cert cert;

static int parse_file(const char *name) {
        size_t len;
        uint8_t *buf = corpus_load("x509", name, &len);
        int r = x509_parse(buf, len, &cert);
        free(buf);
        return r;
}

static void assert_iso_time(const char *t) {
        assert_int_equal(strlen(t), 20);
        for (size_t i = 0; i < 20; i++)
                if (i == 4 || i == 7)
                        assert_int_equal(t[i], '-');
                else if (i == 10)
                        assert_int_equal(t[i], 'T');
                else if (i == 13 || i == 16)
                        assert_int_equal(t[i], ':');
                else if (i == 19)
                        assert_int_equal(t[i], 'Z');
                else
                        assert_true(t[i] >= '0' && t[i] <= '9');
}

static void test_corpus(void **state) {
        assert_int_equal(parse_file("relay"), 0);
        assert_string_equal(cert.subject, "CN=AnyNet Relay, O=philandro Software GmbH");
        assert_string_equal(cert.issuer, "CN=AnyNet Root CA, O=philandro Software GmbH");
        assert_false(cert.self_issued);
        assert_false(cert.subject_truncated);
        assert_iso_time(cert.not_before);
        assert_iso_time(cert.not_after);
        assert_true(strcmp(cert.not_before, cert.not_after) < 0);

        assert_int_equal(parse_file("root"), 0);
        assert_string_equal(cert.subject, "CN=AnyNet Root CA, O=philandro Software GmbH");
        assert_true(cert.self_issued);

        assert_int_equal(parse_file("pikvm"), 0);
        assert_string_equal(cert.subject, "CN=localhost, O=PiKVM");
        assert_true(cert.self_issued);
}

/* Cut anywhere, a certificate is malformed, never read past its end. */
static void test_truncated(void **state) {
        size_t len;
        uint8_t *buf = corpus_load("x509", "relay", &len);
        for (size_t n = 0; n < len; n++) {
                uint8_t *cut = prefix_dup(buf, n);
                assert_int_equal(x509_parse(cut, n, &cert), n == 0 ? -ENOMSG : -EBADMSG);
                free(cut);
        }
        free(buf);
}

/* A growing byte string for DER built by hand. */
struct bytes {
        uint8_t d[8192];
        size_t n;
};

static void add(struct bytes *b, const void *p, size_t n) {
        assert_true(b->n + n <= sizeof(b->d));
        memcpy(b->d + b->n, p, n);
        b->n += n;
}

static void tlv(struct bytes *b, uint8_t tag, const void *content, size_t n) {
        uint8_t h[4] = { tag };
        size_t k = 1;
        if (n < 0x80)
                h[k++] = (uint8_t) n;
        else if (n < 0x100) {
                h[k++] = 0x81;
                h[k++] = (uint8_t) n;
        } else {
                h[k++] = 0x82;
                h[k++] = (uint8_t) (n >> 8);
                h[k++] = (uint8_t) n;
        }
        add(b, h, k);
        add(b, content, n);
}

#define OID_CN "\x55\x04\x03"
#define OID_C "\x55\x04\x06"
#define OID_O "\x55\x04\x0a"
#define OID_OU "\x55\x04\x0b"

/* One AttributeTypeAndValue appended to an RDN's content. */
static void atv(struct bytes *rdn, const char *oid, uint8_t tag, const void *value, size_t n) {
        struct bytes seq = {};
        tlv(&seq, 0x06, oid, strlen(oid));
        tlv(&seq, tag, value, n);
        tlv(rdn, 0x30, seq.d, seq.n);
}

/* A Name's content gets one RDN holding one string attribute. */
static void rdn_str(struct bytes *name, const char *oid, const char *value) {
        struct bytes rdn = {};
        atv(&rdn, oid, 0x0c, value, strlen(value));
        tlv(name, 0x31, rdn.d, rdn.n);
}

struct times {
        uint8_t tag;
        const char *text;
};

static const struct times utc_2024 = { 0x17, "240131120000Z" };

/* A certificate around issuer and subject Name contents; version [0] only if asked. */
static int build_and_parse(const struct bytes *issuer, const struct bytes *subject, struct times nb, struct times na,
                           bool v3) {
        struct bytes tbs = {}, validity = {}, outer = {}, der = {};

        if (v3)
                add(&tbs, "\xa0\x03\x02\x01\x02", 5);
        add(&tbs, "\x02\x01\x01", 3);
        add(&tbs, "\x30\x0d\x06\x09\x2a\x86\x48\x86\xf7\x0d\x01\x01\x0b\x05\x00", 15);
        tlv(&tbs, 0x30, issuer->d, issuer->n);
        tlv(&validity, nb.tag, nb.text, strlen(nb.text));
        tlv(&validity, na.tag, na.text, strlen(na.text));
        tlv(&tbs, 0x30, validity.d, validity.n);
        tlv(&tbs, 0x30, subject->d, subject->n);
        add(&tbs, "\x30\x00", 2); /* subjectPublicKeyInfo is not read */
        tlv(&outer, 0x30, tbs.d, tbs.n);
        add(&outer, "\x30\x0d\x06\x09\x2a\x86\x48\x86\xf7\x0d\x01\x01\x0b\x05\x00\x03\x01\x00", 18);
        tlv(&der, 0x30, outer.d, outer.n);

        uint8_t *exact = prefix_dup(der.d, der.n);
        int r = x509_parse(exact, der.n, &cert);
        free(exact);
        return r;
}

static int parse_subject(const struct bytes *subject) {
        struct bytes issuer = {};
        rdn_str(&issuer, OID_CN, "issuer");
        return build_and_parse(&issuer, subject, utc_2024, utc_2024, true);
}

static void test_name_order_and_types(void **state) {
        struct bytes name = {}, multi = {};

        rdn_str(&name, "\x09\x92\x26\x89\x93\xf2\x2c\x64\x01\x19", "net");
        rdn_str(&name, "\x09\x92\x26\x89\x93\xf2\x2c\x64\x01\x19", "anydesk");
        rdn_str(&name, OID_C, "DE");
        rdn_str(&name, "\x55\x04\x08", "BW");
        rdn_str(&name, "\x55\x04\x07", "Stuttgart");
        rdn_str(&name, "\x55\x04\x09", "Friedrichstr. 9");
        rdn_str(&name, OID_O, "philandro Software GmbH");
        atv(&multi, OID_OU, 0x13, "Relay", 5);
        atv(&multi, "\x55\x04\x05", 0x13, "42", 2);
        tlv(&name, 0x31, multi.d, multi.n);
        rdn_str(&name, "\x09\x92\x26\x89\x93\xf2\x2c\x64\x01\x01", "uid7");
        rdn_str(&name, "\x2a\x86\x48\x86\xf7\x0d\x01\x09\x01", "ops@example.net");
        rdn_str(&name, OID_CN, "AnyNet Relay");
        assert_int_equal(parse_subject(&name), 0);
        assert_string_equal(cert.subject, "CN=AnyNet Relay, emailAddress=ops@example.net, UID=uid7, "
                                          "OU=Relay+serialNumber=42, O=philandro Software GmbH, "
                                          "STREET=Friedrichstr. 9, L=Stuttgart, ST=BW, C=DE, DC=anydesk, DC=net");
        assert_string_equal(cert.issuer, "CN=issuer");
        assert_false(cert.self_issued);
        assert_string_equal(cert.not_before, "2024-01-31T12:00:00Z");
}

static void test_value_forms(void **state) {
        struct bytes name = {};
        static const uint8_t bmp[] = { 0x00, 'K', 0x00, 0xd6, 0xd8, 0x00 };
        static const uint8_t universal[] = { 0x00, 0x00, 0x00, 'A', 0x00, 0x01, 0xf6, 0x00 };

        rdn_str(&name, OID_CN, "a,b+c\"d<e>f;g\\h");
        rdn_str(&name, OID_O, "x\ny\x7f");
        {
                struct bytes rdn = {};
                atv(&rdn, OID_OU, 0x1e, bmp, sizeof(bmp));
                tlv(&name, 0x31, rdn.d, rdn.n);
        }
        {
                struct bytes rdn = {};
                atv(&rdn, OID_OU, 0x1c, universal, sizeof(universal));
                tlv(&name, 0x31, rdn.d, rdn.n);
        }
        {
                struct bytes rdn = {};
                atv(&rdn, "\x55\x04\x61", 0x02, "\x05", 1); /* organizationIdentifier, as an INTEGER */
                tlv(&name, 0x31, rdn.d, rdn.n);
        }
        {
                struct bytes rdn = {};
                atv(&rdn, "\x2a\x86\x48\x86\xf7\x0d\x01\x09\x02", 0x16, "host", 4);
                tlv(&name, 0x31, rdn.d, rdn.n);
        }
        assert_int_equal(parse_subject(&name), 0);
        /* a lone surrogate in the BMPString becomes U+FFFD */
        assert_string_equal(cert.subject, "1.2.840.113549.1.9.2=host, 2.5.4.97=#020105, OU=A\\240\\159\\152\\128, "
                                          "OU=K\\195\\150\\239\\191\\189, O=x\\010y\\127, "
                                          "CN=a\\,b\\+c\\\"d\\<e\\>f\\;g\\\\h");
}

static void test_times(void **state) {
        static const struct {
                struct times t;
                const char *text;
        } cases[] = {
                { { 0x17, "991231235959Z" }, "1999-12-31T23:59:59Z" },
                { { 0x17, "491231235959Z" }, "2049-12-31T23:59:59Z" },
                { { 0x17, "500101000000Z" }, "1950-01-01T00:00:00Z" },
                { { 0x18, "20500101000000Z" }, "2050-01-01T00:00:00Z" },
                { { 0x17, "9912312359+0100" }, "" },
                { { 0x17, "99123123595aZ" }, "" },
                { { 0x18, "2050010100000Z" }, "" },
                { { 0x18, "205001010000000" }, "" },
        };
        struct bytes name = {};
        rdn_str(&name, OID_CN, "t");

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                assert_int_equal(build_and_parse(&name, &name, cases[i].t, utc_2024, false), 0);
                assert_string_equal(cert.not_before, cases[i].text);
                assert_string_equal(cert.not_after, "2024-01-31T12:00:00Z");
                assert_true(cert.self_issued);
        }
        /* a time that is not a time */
        assert_int_equal(build_and_parse(&name, &name, (struct times) { 0x04, "x" }, utc_2024, false), -EBADMSG);
}

static void test_truncated_names(void **state) {
        struct bytes name = {};
        char long_cn[700];

        memset(long_cn, 'x', sizeof(long_cn) - 1);
        long_cn[sizeof(long_cn) - 1] = 0;
        rdn_str(&name, OID_O, "org");
        rdn_str(&name, OID_CN, long_cn);
        assert_int_equal(parse_subject(&name), 0);
        assert_true(cert.subject_truncated);
        assert_true(startswith(cert.subject, "CN=xxxx"));
        assert_int_equal(strspn(cert.subject + 3, "x"), strlen(cert.subject) - 3);

        /* more RDNs than are kept: the most specific ones are */
        struct bytes many = {};
        for (int i = 0; i < X509_RDNS_MAX + 6; i++)
                rdn_str(&many, OID_OU, i == X509_RDNS_MAX + 5 ? "last" : "u");
        assert_int_equal(parse_subject(&many), 0);
        assert_true(cert.subject_truncated);
        assert_true(startswith(cert.subject, "OU=last, OU=u"));
}

static void test_malformed(void **state) {
        struct bytes ok = {};
        rdn_str(&ok, OID_CN, "ok");

        struct bytes empty_set = {};
        tlv(&empty_set, 0x31, "", 0);
        assert_int_equal(parse_subject(&empty_set), -EBADMSG);

        struct bytes extra = {}, rdn = {}, seq = {};
        tlv(&seq, 0x06, OID_CN, 3);
        tlv(&seq, 0x0c, "a", 1);
        tlv(&seq, 0x0c, "b", 1);
        tlv(&rdn, 0x30, seq.d, seq.n);
        tlv(&extra, 0x31, rdn.d, rdn.n);
        assert_int_equal(parse_subject(&extra), -EBADMSG);

        struct bytes odd_bmp = {}, rdn2 = {};
        atv(&rdn2, OID_CN, 0x1e, "\x00", 1);
        tlv(&odd_bmp, 0x31, rdn2.d, rdn2.n);
        assert_int_equal(parse_subject(&odd_bmp), -EBADMSG);

        struct bytes bad_oid = {}, rdn3 = {};
        atv(&rdn3, "\x55\x84", 0x0c, "v", 1); /* continuation bit on the last byte */
        tlv(&bad_oid, 0x31, rdn3.d, rdn3.n);
        assert_int_equal(parse_subject(&bad_oid), -EBADMSG);

        struct bytes not_a_set = {};
        tlv(&not_a_set, 0x30, "", 0);
        assert_int_equal(parse_subject(&not_a_set), -EBADMSG);

        /* length forms DER does not allow or this walker does not take */
        static const struct {
                const char *what;
                const char *der;
                size_t len;
        } cases[] = {
#define CASE(what, s) { what, s, sizeof(s) - 1 }
                CASE("indefinite length", "\x30\x80\x30\x00\x00\x00"),
                CASE("five length bytes", "\x30\x85\x00\x00\x00\x00\x02"),
                CASE("outer length past the end", "\x30\x82\x01\x00\x30\x00"),
                CASE("high tag number", "\x30\x04\x3f\x01\x00\x00"),
                CASE("empty tbs", "\x30\x02\x30\x00"),
                CASE("no serial", "\x30\x04\x30\x02\x30\x00"),
                CASE("length byte missing", "\x30"),
#undef CASE
        };
        for (size_t i = 0; i < ELEMENTSOF(cases); i++)
                if (x509_parse((const uint8_t *) cases[i].der, cases[i].len, &cert) != -EBADMSG)
                        fail_msg("%s: not -EBADMSG", cases[i].what);
        assert_int_equal(x509_parse((const uint8_t *) "\x02\x01\x00", 3, &cert), -ENOMSG);
        assert_int_equal(x509_parse((const uint8_t *) "", 0, &cert), -ENOMSG);
        /* and the same builder with good parts parses */
        assert_int_equal(parse_subject(&ok), 0);
        assert_string_equal(cert.subject, "CN=ok");
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_corpus),
                cmocka_unit_test(test_truncated),
                cmocka_unit_test(test_name_order_and_types),
                cmocka_unit_test(test_value_forms),
                cmocka_unit_test(test_times),
                cmocka_unit_test(test_truncated_names),
                cmocka_unit_test(test_malformed),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
