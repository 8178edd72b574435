/* SPDX-License-Identifier: MIT */
/* The input is the first bytes of either side of an RFB connection. */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "fuzz-check.h"
#include "rfb.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        struct rfb_msg m;
        int r = rfb_parse(data, size, &m);

        fuzz_check_return(r);
        FUZZ_CHECK_TEXT(m.version);
        if (r == 0 && (size < RFB_VERSION_LEN || m.major > 999 || m.minor > 999 || strlen(m.version) != 7))
                abort();
        if (r == -EAGAIN && size >= RFB_VERSION_LEN)
                abort();
        return 0;
}
