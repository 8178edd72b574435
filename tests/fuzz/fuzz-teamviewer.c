/* SPDX-License-Identifier: MIT */
/* The input is a TCP stream's first bytes or a UDP payload on port 5938. */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "fuzz-check.h"
#include "teamviewer.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        struct teamviewer_msg m;
        int r = teamviewer_parse(data, size, &m);

        fuzz_check_return(r);
        if (r == -EBADMSG || (r == 0 && (size < TEAMVIEWER_HEADER_LEN || m.command != data[2])))
                abort();
        return 0;
}
