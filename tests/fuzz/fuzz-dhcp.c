/* SPDX-License-Identifier: MIT */
/* A DHCPv4 message (the UDP payload). */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "dhcp.h"
#include "fuzz-check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        struct dhcp_msg m;

        int r = dhcp_parse(data, size, &m);
        if (r != 0 && r != -EBADMSG && r != -ENOMSG)
                abort();
        if (m.hlen > sizeof(m.chaddr) || m.client_id_len > sizeof(m.client_id))
                abort();
        check_text(m.hostname, sizeof(m.hostname), NULL);
        check_text(m.vendor_class, sizeof(m.vendor_class), NULL);
        check_text(m.domain, sizeof(m.domain), NULL);
        check_text(m.parameter_request_list, sizeof(m.parameter_request_list), NULL);
        return 0;
}
