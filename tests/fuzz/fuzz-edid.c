/* SPDX-License-Identifier: MIT */
/* The input is the content of a connector's sysfs edid file. */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "edid.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_string(const char *s, size_t size) {
        size_t n = strnlen(s, size);
        if (n == size || (n > 0 && s[n - 1] == ' '))
                abort();
        for (size_t i = 0; i < n; i++)
                if (s[i] < 0x20 || s[i] > 0x7E)
                        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        struct edid_info e;
        int r = edid_parse(data, size, &e);
        if (r == -EBADMSG)
                return 0;
        if (r != 0)
                abort();
        check_string(e.vendor, sizeof(e.vendor));
        check_string(e.name, sizeof(e.name));
        check_string(e.serial_string, sizeof(e.serial_string));
        check_string(e.text, sizeof(e.text));
        if (e.extensions_present > size / EDID_BLOCK_SIZE || e.extensions_declared > 255 ||
            e.n_cta > e.extensions_declared || e.n_cta > e.extensions_present ||
            (e.checksum_ok && !e.block_checksum_ok[0]))
                abort();
        return 0;
}
