/* SPDX-License-Identifier: MIT */
/* First byte picks the link type; the rest is the frame. */
#include <stddef.h>
#include <stdint.h>

#include "packet.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        static const int linktypes[] = { TT_LINKTYPE_ETHERNET, TT_LINKTYPE_LINUX_SLL, TT_LINKTYPE_LINUX_SLL2,
                                         TT_LINKTYPE_RAW,      TT_LINKTYPE_NULL,      TT_LINKTYPE_IPV6 };
        if (size < 1)
                return 0;
        struct tt_packet pk;
        if (tt_packet_decode(linktypes[data[0] % 6], data + 1, size - 1, &pk) == 0 && pk.payload) {
                /* every byte of the payload must lie inside the input */
                volatile uint8_t sum = 0;
                for (size_t i = 0; i < pk.payload_len; i++)
                        sum ^= pk.payload[i];
                (void) sum;
        }
        return 0;
}
