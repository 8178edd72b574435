/* SPDX-License-Identifier: MIT */
#pragma once

/* Shared by the protocol parsers: big-endian reads and the one way wire bytes
 * become text, so nothing downstream of a parser sees raw control bytes. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

static inline uint16_t wire_be16(const uint8_t *p) {
        return (uint16_t) (p[0] << 8 | p[1]);
}

static inline uint32_t wire_be32(const uint8_t *p) {
        return (uint32_t) p[0] << 24 | (uint32_t) p[1] << 16 | (uint32_t) p[2] << 8 | p[3];
}

/* Appends src[0..n) to the NUL-terminated text dst of capacity size, starting
 * at *pos: bytes outside 0x20..0x7e become \DDD (decimal, as dig prints them),
 * backslash and the characters in `special` become \<char>. An escape is
 * never cut in half. Returns false when not everything fit; dst is always
 * terminated and *pos is its new length. */
bool wire_text_append(char *dst, size_t size, size_t *pos, const uint8_t *src, size_t n, const char *special);

/* dst = the escaped text of src[0..n); returns false when it was cut. */
bool wire_text_copy(char *dst, size_t size, const uint8_t *src, size_t n);
