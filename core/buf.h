/* SPDX-License-Identifier: MIT */
#pragma once

/* A growable output buffer with escaping for every output format: strings
 * from the host and the wire are attacker-controlled, so nothing reaches a
 * terminal, a log line or a JSON document unescaped. */

#include <stdbool.h>
#include <stddef.h>

#include "util.h"

struct tt_buf {
        char *data;
        size_t len, cap;
        bool oom; /* sticky: checked once at the end */
};

void tt_buf_free(struct tt_buf *b);
void tt_buf_reset(struct tt_buf *b);
void tt_buf_append(struct tt_buf *b, const char *s, size_t n);
void tt_buf_puts(struct tt_buf *b, const char *s);
_printf_(2, 3) void tt_buf_printf(struct tt_buf *b, const char *fmt, ...);
/* A JSON string literal with quotes: control characters as \u00XX, invalid
 * UTF-8 bytes as \u00XX of the byte. */
void tt_buf_json_string(struct tt_buf *b, const char *s);
/* Text for a terminal or a log line: control characters, DEL, backslash and
 * invalid UTF-8 as \xHH / \\; valid UTF-8 passes. extra: more characters to
 * escape (e.g. "]\"" inside RFC 5424 SD values), may be NULL. */
void tt_buf_text(struct tt_buf *b, const char *s, const char *extra);
/* Length of the valid UTF-8 sequence at s (1-4), 0 if invalid. */
size_t tt_utf8_valid_len(const unsigned char *s);
