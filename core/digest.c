/* SPDX-License-Identifier: MIT */
#include "digest.h"

#include <string.h>

static inline uint32_t rotr(uint32_t x, unsigned n) {
        return (x >> n) | (x << (32 - n));
}

static inline uint32_t rotl(uint32_t x, unsigned n) {
        return (x << n) | (x >> (32 - n));
}

void tt_hex(const uint8_t *data, size_t len, char *ret) {
        static const char hex[] = "0123456789abcdef";
        for (size_t i = 0; i < len; i++) {
                ret[2 * i] = hex[data[i] >> 4];
                ret[2 * i + 1] = hex[data[i] & 15];
        }
        ret[2 * len] = '\0';
}

/* --- SHA-256 ---------------------------------------------------------------------------------- */

static const uint32_t sha256_k[64] = {
        0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
        0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
        0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
        0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
        0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
        0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
        0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
        0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

static void sha256_block(uint32_t h[8], const uint8_t b[64]) {
        uint32_t w[64];
        for (int i = 0; i < 16; i++)
                w[i] = (uint32_t) b[4 * i] << 24 | (uint32_t) b[4 * i + 1] << 16 | (uint32_t) b[4 * i + 2] << 8 |
                       b[4 * i + 3];
        for (int i = 16; i < 64; i++) {
                uint32_t s0 = rotr(w[i - 15], 7) ^ rotr(w[i - 15], 18) ^ (w[i - 15] >> 3);
                uint32_t s1 = rotr(w[i - 2], 17) ^ rotr(w[i - 2], 19) ^ (w[i - 2] >> 10);
                w[i] = w[i - 16] + s0 + w[i - 7] + s1;
        }
        uint32_t a = h[0], bb = h[1], c = h[2], d = h[3], e = h[4], f = h[5], g = h[6], hh = h[7];
        for (int i = 0; i < 64; i++) {
                uint32_t t1 = hh + (rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)) + ((e & f) ^ (~e & g)) + sha256_k[i] + w[i];
                uint32_t t2 = (rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)) + ((a & bb) ^ (a & c) ^ (bb & c));
                hh = g;
                g = f;
                f = e;
                e = d + t1;
                d = c;
                c = bb;
                bb = a;
                a = t1 + t2;
        }
        h[0] += a;
        h[1] += bb;
        h[2] += c;
        h[3] += d;
        h[4] += e;
        h[5] += f;
        h[6] += g;
        h[7] += hh;
}

void tt_sha256_init(struct tt_sha256 *s) {
        static const uint32_t iv[8] = { 0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                                        0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19 };
        memcpy(s->h, iv, sizeof(iv));
        s->length = 0;
        s->used = 0;
}

void tt_sha256_update(struct tt_sha256 *s, const void *data, size_t len) {
        const uint8_t *p = data;
        s->length += len;
        while (len > 0) {
                size_t n = sizeof(s->block) - s->used;
                if (n > len)
                        n = len;
                memcpy(s->block + s->used, p, n);
                s->used += n;
                p += n;
                len -= n;
                if (s->used == sizeof(s->block)) {
                        sha256_block(s->h, s->block);
                        s->used = 0;
                }
        }
}

void tt_sha256_final(struct tt_sha256 *s, uint8_t out[static TT_SHA256_BYTES]) {
        uint64_t bits = s->length * 8;
        uint8_t pad[72] = { 0x80 };
        /* to 56 bytes mod 64, then the length in bits, big-endian */
        size_t n = (s->used < 56 ? 56 : 120) - s->used;
        for (int i = 0; i < 8; i++)
                pad[n + i] = (uint8_t) (bits >> (56 - 8 * i));
        tt_sha256_update(s, pad, n + 8);
        for (int i = 0; i < 8; i++) {
                out[4 * i] = (uint8_t) (s->h[i] >> 24);
                out[4 * i + 1] = (uint8_t) (s->h[i] >> 16);
                out[4 * i + 2] = (uint8_t) (s->h[i] >> 8);
                out[4 * i + 3] = (uint8_t) s->h[i];
        }
}

void tt_hmac_sha256(const void *key, size_t key_len, const void *msg, size_t msg_len,
                    uint8_t out[static TT_SHA256_BYTES]) {
        uint8_t k[64] = {}, pad[64], inner[TT_SHA256_BYTES];
        struct tt_sha256 s;
        if (key_len > sizeof(k)) {
                tt_sha256_init(&s);
                tt_sha256_update(&s, key, key_len);
                tt_sha256_final(&s, k);
        } else if (key_len > 0)
                memcpy(k, key, key_len);
        for (size_t i = 0; i < sizeof(pad); i++)
                pad[i] = k[i] ^ 0x36;
        tt_sha256_init(&s);
        tt_sha256_update(&s, pad, sizeof(pad));
        tt_sha256_update(&s, msg, msg_len);
        tt_sha256_final(&s, inner);
        for (size_t i = 0; i < sizeof(pad); i++)
                pad[i] = k[i] ^ 0x5c;
        tt_sha256_init(&s);
        tt_sha256_update(&s, pad, sizeof(pad));
        tt_sha256_update(&s, inner, sizeof(inner));
        tt_sha256_final(&s, out);
}

/* --- MD5 -------------------------------------------------------------------------------------- */

static const uint32_t md5_k[64] = {
        0xd76aa478, 0xe8c7b756, 0x242070db, 0xc1bdceee, 0xf57c0faf, 0x4787c62a, 0xa8304613, 0xfd469501,
        0x698098d8, 0x8b44f7af, 0xffff5bb1, 0x895cd7be, 0x6b901122, 0xfd987193, 0xa679438e, 0x49b40821,
        0xf61e2562, 0xc040b340, 0x265e5a51, 0xe9b6c7aa, 0xd62f105d, 0x02441453, 0xd8a1e681, 0xe7d3fbc8,
        0x21e1cde6, 0xc33707d6, 0xf4d50d87, 0x455a14ed, 0xa9e3e905, 0xfcefa3f8, 0x676f02d9, 0x8d2a4c8a,
        0xfffa3942, 0x8771f681, 0x6d9d6122, 0xfde5380c, 0xa4beea44, 0x4bdecfa9, 0xf6bb4b60, 0xbebfbc70,
        0x289b7ec6, 0xeaa127fa, 0xd4ef3085, 0x04881d05, 0xd9d4d039, 0xe6db99e5, 0x1fa27cf8, 0xc4ac5665,
        0xf4292244, 0x432aff97, 0xab9423a7, 0xfc93a039, 0x655b59c3, 0x8f0ccc92, 0xffeff47d, 0x85845dd1,
        0x6fa87e4f, 0xfe2ce6e0, 0xa3014314, 0x4e0811a1, 0xf7537e82, 0xbd3af235, 0x2ad7d2bb, 0xeb86d391,
};

static const uint8_t md5_r[64] = {
        7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22, 5, 9,  14, 20, 5, 9,  14, 20,
        5, 9,  14, 20, 5, 9,  14, 20, 4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23,
        6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21,
};

static void md5_block(uint32_t h[4], const uint8_t b[64]) {
        uint32_t w[16];
        for (int i = 0; i < 16; i++)
                w[i] = b[4 * i] | (uint32_t) b[4 * i + 1] << 8 | (uint32_t) b[4 * i + 2] << 16 |
                       (uint32_t) b[4 * i + 3] << 24;
        uint32_t a = h[0], bb = h[1], c = h[2], d = h[3];
        for (int i = 0; i < 64; i++) {
                uint32_t f;
                int g;
                if (i < 16) {
                        f = (bb & c) | (~bb & d);
                        g = i;
                } else if (i < 32) {
                        f = (d & bb) | (~d & c);
                        g = (5 * i + 1) % 16;
                } else if (i < 48) {
                        f = bb ^ c ^ d;
                        g = (3 * i + 5) % 16;
                } else {
                        f = c ^ (bb | ~d);
                        g = (7 * i) % 16;
                }
                uint32_t t = d;
                d = c;
                c = bb;
                bb = bb + rotl(a + f + md5_k[i] + w[g], md5_r[i]);
                a = t;
        }
        h[0] += a;
        h[1] += bb;
        h[2] += c;
        h[3] += d;
}

void tt_md5(const void *data, size_t len, uint8_t out[static TT_MD5_BYTES]) {
        uint32_t h[4] = { 0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476 };
        const uint8_t *p = data;
        uint64_t bits = (uint64_t) len * 8;
        size_t left = len;
        for (; left >= 64; left -= 64, p += 64)
                md5_block(h, p);
        /* the tail, 0x80, zeros to 56 mod 64, the length in bits little-endian */
        uint8_t tail[128] = {};
        memcpy(tail, p, left);
        tail[left] = 0x80;
        size_t n = left < 56 ? 64 : 128;
        for (int i = 0; i < 8; i++)
                tail[n - 8 + i] = (uint8_t) (bits >> (8 * i));
        md5_block(h, tail);
        if (n == 128)
                md5_block(h, tail + 64);
        for (int i = 0; i < 4; i++)
                for (int j = 0; j < 4; j++)
                        out[4 * i + j] = (uint8_t) (h[i] >> (8 * j));
}
