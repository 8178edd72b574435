/* SPDX-License-Identifier: MIT */
/* The input is the first bytes of either side of an RDP connection. */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "fuzz-check.h"
#include "rdp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        struct rdp_msg m;
        int r = rdp_parse(data, size, &m);

        fuzz_check_return(r);
        FUZZ_CHECK_TEXT(m.cookie);
        FUZZ_CHECK_TEXT(m.routing_token);
        if (r == 0 && m.type != RDP_X224_CONNECTION_REQUEST && m.type != RDP_X224_CONNECTION_CONFIRM)
                abort();
        if (m.has_neg_req && m.type != RDP_X224_CONNECTION_REQUEST)
                abort();
        if ((m.has_neg_rsp || m.has_neg_failure) && m.type != RDP_X224_CONNECTION_CONFIRM)
                abort();
        return 0;
}
