/* SPDX-License-Identifier: MIT */
/* The input is the first bytes of either side of a NoMachine connection. */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "fuzz-check.h"
#include "nomachine.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        struct nomachine_msg m;
        int r = nomachine_parse(data, size, &m);

        fuzz_check_return(r);
        FUZZ_CHECK_TEXT(m.version);
        FUZZ_CHECK_TEXT(m.banner);
        if (r == 0 && (m.version[0] == 0 || strspn(m.version, "0123456789.") != strlen(m.version)))
                abort();
        return 0;
}
