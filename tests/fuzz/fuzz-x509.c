/* SPDX-License-Identifier: MIT */
/* The input is one DER certificate. */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "fuzz-check.h"
#include "x509.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        struct x509_cert c;
        int r = x509_parse(data, size, &c);

        fuzz_check_return(r);
        if (r == -EAGAIN)
                abort();
        FUZZ_CHECK_TEXT(c.subject);
        FUZZ_CHECK_TEXT(c.issuer);
        FUZZ_CHECK_TEXT(c.not_before);
        FUZZ_CHECK_TEXT(c.not_after);
        if (r == 0 && c.self_issued && (strcmp(c.subject, c.issuer) != 0 || c.subject_truncated != c.issuer_truncated))
                abort();
        return 0;
}
