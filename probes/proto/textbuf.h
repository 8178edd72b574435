/* SPDX-License-Identifier: MIT */
#pragma once

/* Builds one bounded text out of many pieces (a distinguished name, a JA3
 * string). The first piece that does not fit ends it: the text stays a clean
 * prefix, never a prefix with later, shorter pieces glued on, and `truncated`
 * says so. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "wire.h"

struct textbuf {
        char *buf;
        size_t size, len;
        bool truncated;
};

static inline void textbuf_init(struct textbuf *t, char *buf, size_t size) {
        *t = (struct textbuf) { .buf = buf, .size = size };
        if (size > 0)
                buf[0] = 0;
}

/* Wire bytes, escaped as wire_text_append() does. */
static inline void textbuf_add(struct textbuf *t, const void *src, size_t n, const char *special) {
        if (!t->truncated && !wire_text_append(t->buf, t->size, &t->len, src, n, special))
                t->truncated = true;
}

static inline void textbuf_str(struct textbuf *t, const char *s) {
        textbuf_add(t, s, strlen(s), NULL);
}

static inline void textbuf_uint(struct textbuf *t, uint64_t v) {
        char digits[20];
        size_t n = 0;
        do {
                digits[sizeof(digits) - ++n] = (char) ('0' + v % 10);
                v /= 10;
        } while (v);
        textbuf_add(t, digits + sizeof(digits) - n, n, NULL);
}
