/* SPDX-License-Identifier: MIT */
/* The input is a HID report descriptor. */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "hid.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        struct hid_summary s;
        int r = hid_descriptor_parse(data, size, &s);
        unsigned known = 0;
        for (unsigned bit = 0; hid_kind_to_string(1u << bit); bit++)
                known |= 1u << bit;
        if ((r != 0 && r != -EBADMSG) || s.end_offset > size || (r == 0 && s.end_offset != size) ||
            s.max_depth > HID_COLLECTION_DEPTH_MAX || s.n_report_ids > 255 || (s.kinds & ~known) ||
            s.has_abs_range != !!(s.kinds & HID_KIND_ABSOLUTE_POINTER) || s.n_long_items > s.n_items)
                abort();
        return 0;
}
