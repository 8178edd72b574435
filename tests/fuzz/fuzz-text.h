/* SPDX-License-Identifier: MIT */
#pragma once

/* What every parser promises about text it copied from the wire: terminated
 * inside its buffer, printable ASCII only (escapes included). */

#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

static inline void fuzz_check_text(const char *s, size_t size) {
        size_t n = strnlen(s, size);
        if (n == size)
                abort();
        for (size_t i = 0; i < n; i++)
                if (s[i] < 0x20 || s[i] > 0x7e)
                        abort();
}

#define FUZZ_CHECK_TEXT(s) fuzz_check_text((s), sizeof(s))

/* The return codes every parser may give. */
static inline void fuzz_check_return(int r) {
        if (r != 0 && r != -EAGAIN && r != -EBADMSG && r != -ENOMSG)
                abort();
}
