/* SPDX-License-Identifier: MIT */
#include "teamviewer.h"

#include <errno.h>
#include <string.h>

int teamviewer_parse(const uint8_t *buf, size_t len, struct teamviewer_msg *ret) {
        static const uint8_t magic[] = { 0x17, 0x24 };

        memset(ret, 0, sizeof(*ret));
        if (len == 0)
                return -EAGAIN;
        if (memcmp(buf, magic, len < sizeof(magic) ? len : sizeof(magic)) != 0)
                return -ENOMSG;
        if (len < TEAMVIEWER_HEADER_LEN)
                return -EAGAIN;
        ret->command = buf[2];
        ret->length = (uint16_t) (buf[3] | buf[4] << 8);
        return 0;
}
