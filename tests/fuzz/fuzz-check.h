/* SPDX-License-Identifier: MIT */
#pragma once

/* Properties every parser's text output must have, whatever the input:
 * terminated inside its buffer, printable ASCII only, and every backslash
 * starting a whole escape (\DDD, \\, or \ before a char in `special`). */

#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

static inline void check_text(const char *s, size_t size, const char *special) {
        size_t n = strnlen(s, size);
        if (n >= size)
                abort();
        for (size_t i = 0; i < n; i++) {
                unsigned char c = (unsigned char) s[i];
                if (c < 0x20 || c > 0x7e)
                        abort();
                if (c != '\\')
                        continue;
                unsigned char e = (unsigned char) s[i + 1];
                if (e == '\\' || (e != 0 && special && strchr(special, e)))
                        i++;
                else if (i + 3 < n && e >= '0' && e <= '2' && s[i + 2] >= '0' && s[i + 2] <= '9' &&
                         s[i + 3] >= '0' && s[i + 3] <= '9')
                        i += 3;
                else
                        abort();
        }
}

#define FUZZ_CHECK_TEXT(s) check_text((s), sizeof(s), NULL)

/* The return codes every parser may give. */
static inline void fuzz_check_return(int r) {
        if (r != 0 && r != -EAGAIN && r != -EBADMSG && r != -ENOMSG)
                abort();
}
