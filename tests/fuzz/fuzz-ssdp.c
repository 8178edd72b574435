/* SPDX-License-Identifier: MIT */
/* An SSDP datagram (the UDP payload). */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "fuzz-check.h"
#include "ssdp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        struct ssdp_msg m;

        int r = ssdp_parse(data, size, &m);
        if (r != 0 && r != -EBADMSG && r != -ENOMSG)
                abort();
        const struct ssdp_header *headers[] = { &m.server, &m.usn, &m.st, &m.nt, &m.nts, &m.location };
        for (size_t i = 0; i < sizeof(headers) / sizeof(headers[0]); i++) {
                check_text(headers[i]->value, SSDP_VALUE_MAX, NULL);
                /* trimmed */
                size_t n = strlen(headers[i]->value);
                if (n > 0 && !headers[i]->truncated && (headers[i]->value[0] == ' ' || headers[i]->value[n - 1] == ' '))
                        abort();
        }
        return 0;
}
