/* SPDX-License-Identifier: MIT */
/* An ARP payload (after the Ethernet header). */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "arp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        struct arp_msg m;

        int r = arp_parse(data, size, &m);
        if (r != 0 && r != -EBADMSG && r != -ENOMSG)
                abort();
        /* a result is the input's own bytes */
        if (r == 0 && (m.op < ARP_REQUEST || m.op > ARP_REPLY || memcmp(m.sender_mac, data + 8, 6) != 0 ||
                       memcmp(m.target_ip, data + 24, 4) != 0))
                abort();
        return 0;
}
