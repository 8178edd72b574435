/* SPDX-License-Identifier: MIT */
#include "rfb.h"

#include <errno.h>
#include <stdbool.h>
#include <string.h>

static unsigned three_digits(const uint8_t *p) {
        return (unsigned) (p[0] - '0') * 100 + (unsigned) (p[1] - '0') * 10 + (unsigned) (p[2] - '0');
}

int rfb_parse(const uint8_t *buf, size_t len, struct rfb_msg *ret) {
        static const char pattern[RFB_VERSION_LEN + 1] = "RFB ddd.ddd\n";
        size_t n = len < RFB_VERSION_LEN ? len : RFB_VERSION_LEN;

        memset(ret, 0, sizeof(*ret));
        for (size_t i = 0; i < n; i++) {
                bool ok = pattern[i] == 'd' ? buf[i] >= '0' && buf[i] <= '9' : buf[i] == (uint8_t) pattern[i];
                if (!ok)
                        return i < 4 ? -ENOMSG : -EBADMSG;
        }
        if (len < RFB_VERSION_LEN)
                return -EAGAIN;
        ret->major = three_digits(buf + 4);
        ret->minor = three_digits(buf + 8);
        memcpy(ret->version, buf + 4, 7);
        return 0;
}
