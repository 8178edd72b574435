/* SPDX-License-Identifier: MIT */
/* The built-in digests: the published test vectors, then the same answer as
 * OpenSSL for every length around the block and padding edges, fed whole
 * and in pieces. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "digest.h"

static void sha256_text(const char *msg, char out[65]) {
        uint8_t md[TT_SHA256_BYTES];
        struct tt_sha256 s;
        tt_sha256_init(&s);
        tt_sha256_update(&s, msg, strlen(msg));
        tt_sha256_final(&s, md);
        tt_hex(md, sizeof(md), out);
}

/* FIPS 180-4 examples (NIST CSRC), and the million a's. */
static void test_sha256_vectors(void **state) {
        char out[65];
        sha256_text("", out);
        assert_string_equal(out, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
        sha256_text("abc", out);
        assert_string_equal(out, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
        sha256_text("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", out);
        assert_string_equal(out, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
        uint8_t md[TT_SHA256_BYTES];
        struct tt_sha256 s;
        tt_sha256_init(&s);
        char a[1000];
        memset(a, 'a', sizeof(a));
        for (int i = 0; i < 1000; i++)
                tt_sha256_update(&s, a, sizeof(a));
        tt_sha256_final(&s, md);
        tt_hex(md, sizeof(md), out);
        assert_string_equal(out, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

/* RFC 4231 test cases 1, 2 and 6 (a key longer than a block). */
static void test_hmac_vectors(void **state) {
        uint8_t key[131], md[TT_SHA256_BYTES];
        char out[65];
        memset(key, 0x0b, 20);
        tt_hmac_sha256(key, 20, "Hi There", 8, md);
        tt_hex(md, sizeof(md), out);
        assert_string_equal(out, "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
        tt_hmac_sha256("Jefe", 4, "what do ya want for nothing?", 28, md);
        tt_hex(md, sizeof(md), out);
        assert_string_equal(out, "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
        memset(key, 0xaa, sizeof(key));
        const char *msg = "Test Using Larger Than Block-Size Key - Hash Key First";
        tt_hmac_sha256(key, sizeof(key), msg, strlen(msg), md);
        tt_hex(md, sizeof(md), out);
        assert_string_equal(out, "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
}

/* RFC 1321's test suite. */
static void test_md5_vectors(void **state) {
        static const char *const cases[][2] = {
                { "", "d41d8cd98f00b204e9800998ecf8427e" },
                { "a", "0cc175b9c0f1b6a831c399e269772661" },
                { "abc", "900150983cd24fb0d6963f7d28e17f72" },
                { "message digest", "f96b697d7cb7938d525a2f31aaf161d0" },
                { "abcdefghijklmnopqrstuvwxyz", "c3fcd3d76192e4007dfb496cca67e13b" },
                { "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789", "d174ab98d277d9f5a5611c2c9f419d9f" },
                { "12345678901234567890123456789012345678901234567890123456789012345678901234567890",
                  "57edf4a22be3c955ac49da2e2107b67a" },
        };
        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                uint8_t md[TT_MD5_BYTES];
                char out[33];
                tt_md5(cases[i][0], strlen(cases[i][0]), md);
                tt_hex(md, sizeof(md), out);
                assert_string_equal(out, cases[i][1]);
        }
}

/* Every length from 0 to 300 (past the 55/56/64 byte padding edges several
 * times), fed at once and in pieces of 1..7 bytes, against OpenSSL. */
static void test_against_openssl(void **state) {
        uint8_t data[300], key[150];
        for (size_t i = 0; i < sizeof(data); i++)
                data[i] = (uint8_t) (i * 131 + 7);
        for (size_t i = 0; i < sizeof(key); i++)
                key[i] = (uint8_t) (i * 17 + 3);
        for (size_t len = 0; len <= sizeof(data); len++) {
                uint8_t want[EVP_MAX_MD_SIZE], got[TT_SHA256_BYTES];
                unsigned n;
                assert_int_equal(EVP_Digest(data, len, want, &n, EVP_sha256(), NULL), 1);
                struct tt_sha256 s;
                tt_sha256_init(&s);
                tt_sha256_update(&s, data, len);
                tt_sha256_final(&s, got);
                assert_memory_equal(got, want, TT_SHA256_BYTES);
                tt_sha256_init(&s);
                for (size_t off = 0, step = 1; off < len; off += step, step = step % 7 + 1)
                        tt_sha256_update(&s, data + off, off + step > len ? len - off : step);
                tt_sha256_final(&s, got);
                assert_memory_equal(got, want, TT_SHA256_BYTES);

                uint8_t md5[TT_MD5_BYTES];
                assert_int_equal(EVP_Digest(data, len, want, &n, EVP_md5(), NULL), 1);
                tt_md5(data, len, md5);
                assert_memory_equal(md5, want, TT_MD5_BYTES);

                size_t key_len = len % (sizeof(key) + 1);
                assert_non_null(HMAC(EVP_sha256(), key, (int) key_len, data, len, want, &n));
                tt_hmac_sha256(key, key_len, data, len, got);
                assert_memory_equal(got, want, TT_SHA256_BYTES);
        }
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_sha256_vectors),
                cmocka_unit_test(test_hmac_vectors),
                cmocka_unit_test(test_md5_vectors),
                cmocka_unit_test(test_against_openssl),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
