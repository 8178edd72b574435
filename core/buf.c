/* SPDX-License-Identifier: MIT */
#include "buf.h"

#include <stdarg.h>

void tt_buf_free(struct tt_buf *b) {
        free(b->data);
        *b = (struct tt_buf){};
}

void tt_buf_reset(struct tt_buf *b) {
        b->len = 0;
        if (b->data)
                b->data[0] = '\0';
}

static bool buf_reserve(struct tt_buf *b, size_t extra) {
        if (b->oom)
                return false;
        if (b->len + extra + 1 <= b->cap)
                return true;
        size_t cap = b->cap ? b->cap : 256;
        while (cap < b->len + extra + 1)
                cap *= 2;
        char *d = realloc(b->data, cap);
        if (!d) {
                b->oom = true;
                return false;
        }
        b->data = d;
        b->cap = cap;
        return true;
}

void tt_buf_append(struct tt_buf *b, const char *s, size_t n) {
        if (!buf_reserve(b, n))
                return;
        memcpy(b->data + b->len, s, n);
        b->len += n;
        b->data[b->len] = '\0';
}

void tt_buf_puts(struct tt_buf *b, const char *s) {
        tt_buf_append(b, s, strlen(s));
}

void tt_buf_printf(struct tt_buf *b, const char *fmt, ...) {
        va_list ap;
        va_start(ap, fmt);
        int n = vsnprintf(NULL, 0, fmt, ap);
        va_end(ap);
        if (n < 0 || !buf_reserve(b, (size_t) n))
                return;
        va_start(ap, fmt);
        vsnprintf(b->data + b->len, (size_t) n + 1, fmt, ap);
        va_end(ap);
        b->len += (size_t) n;
}

size_t tt_utf8_valid_len(const unsigned char *s) {
        unsigned char c = s[0];
        size_t n;
        unsigned min;
        unsigned cp;
        if (c < 0x80)
                return 1;
        if ((c & 0xe0) == 0xc0) {
                n = 2;
                cp = c & 0x1f;
                min = 0x80;
        } else if ((c & 0xf0) == 0xe0) {
                n = 3;
                cp = c & 0x0f;
                min = 0x800;
        } else if ((c & 0xf8) == 0xf0) {
                n = 4;
                cp = c & 0x07;
                min = 0x10000;
        } else
                return 0;
        for (size_t i = 1; i < n; i++) {
                if ((s[i] & 0xc0) != 0x80)
                        return 0;
                cp = (cp << 6) | (s[i] & 0x3f);
        }
        if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
                return 0;
        return n;
}

void tt_buf_json_string(struct tt_buf *b, const char *s) {
        tt_buf_append(b, "\"", 1);
        const unsigned char *p = (const unsigned char *) s;
        while (*p) {
                size_t n = tt_utf8_valid_len(p);
                if (*p == '"' || *p == '\\') {
                        char esc[2] = { '\\', (char) *p };
                        tt_buf_append(b, esc, 2);
                        p++;
                } else if (n == 0 || *p < 0x20 || *p == 0x7f) {
                        tt_buf_printf(b, "\\u%04x", *p);
                        p++;
                } else if (n > 1 && p[0] == 0xe2 && p[1] == 0x80 && (p[2] == 0xa8 || p[2] == 0xa9)) {
                        /* U+2028/2029 break JavaScript consumers of JSON lines. */
                        tt_buf_printf(b, "\\u20%02x", p[2] - 0x80);
                        p += 3;
                } else {
                        tt_buf_append(b, (const char *) p, n);
                        p += n;
                }
        }
        tt_buf_append(b, "\"", 1);
}

void tt_buf_text(struct tt_buf *b, const char *s, const char *extra) {
        const unsigned char *p = (const unsigned char *) s;
        while (*p) {
                size_t n = tt_utf8_valid_len(p);
                if (*p == '\\' || (extra && strchr(extra, *p))) {
                        char esc[2] = { '\\', (char) *p };
                        tt_buf_append(b, esc, 2);
                        p++;
                } else if (n == 0 || *p < 0x20 || *p == 0x7f) {
                        tt_buf_printf(b, "\\x%02x", *p);
                        p++;
                } else if (n > 1 && p[0] == 0xc2 && p[1] >= 0x80 && p[1] < 0xa0) {
                        /* C1 controls (U+0080-U+009F) act as escapes on some terminals. */
                        tt_buf_printf(b, "\\x%02x\\x%02x", p[0], p[1]);
                        p += 2;
                } else {
                        tt_buf_append(b, (const char *) p, n);
                        p += n;
                }
        }
}
