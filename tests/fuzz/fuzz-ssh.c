/* SPDX-License-Identifier: MIT */
/* The input is the first bytes of either side of an SSH connection. */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "fuzz-check.h"
#include "ssh.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        struct ssh_msg m;
        int r = ssh_parse(data, size, &m);

        fuzz_check_return(r);
        FUZZ_CHECK_TEXT(m.banner);
        FUZZ_CHECK_TEXT(m.protoversion);
        FUZZ_CHECK_TEXT(m.software);
        FUZZ_CHECK_TEXT(m.comments);
        if (r == 0 && (m.protoversion[0] == 0 || m.software[0] == 0 || strncmp(m.banner, "SSH-", 4) != 0))
                abort();
        return 0;
}
