/* SPDX-License-Identifier: MIT */
#pragma once

/* SHA-256 (FIPS 180-4), HMAC-SHA256 (RFC 2104) and MD5 (RFC 1321, for JA3
 * only), built in: OpenSSL's first digest sets up its provider machinery,
 * about 2 MB of resident memory the daemon's budget has no room for when no
 * TLS output needs OpenSSL anyway. Checked against OpenSSL in
 * tests/unit/test-digest.c. */

#include <stddef.h>
#include <stdint.h>

#define TT_SHA256_BYTES 32
#define TT_MD5_BYTES 16

struct tt_sha256 {
        uint32_t h[8];
        uint64_t length; /* bytes so far */
        uint8_t block[64];
        size_t used;
};

void tt_sha256_init(struct tt_sha256 *s);
void tt_sha256_update(struct tt_sha256 *s, const void *data, size_t len);
void tt_sha256_final(struct tt_sha256 *s, uint8_t out[static TT_SHA256_BYTES]);

void tt_hmac_sha256(const void *key, size_t key_len, const void *msg, size_t msg_len,
                    uint8_t out[static TT_SHA256_BYTES]);

void tt_md5(const void *data, size_t len, uint8_t out[static TT_MD5_BYTES]);

/* Lower-case hex of len bytes: 2 * len characters and a NUL into ret. */
void tt_hex(const uint8_t *data, size_t len, char *ret);
