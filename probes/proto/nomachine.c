/* SPDX-License-Identifier: MIT */
#include "nomachine.h"

#include <errno.h>
#include <stdbool.h>
#include <string.h>

static bool begins(const uint8_t *buf, size_t len, const char *prefix) {
        size_t n = strlen(prefix);
        return memcmp(buf, prefix, len < n ? len : n) == 0;
}

int nomachine_parse(const uint8_t *buf, size_t len, struct nomachine_msg *ret) {
        size_t prefix;

        memset(ret, 0, sizeof(*ret));
        if (len == 0)
                return -EAGAIN;
        if (begins(buf, len, "NXSH-")) {
                ret->side = NOMACHINE_CLIENT;
                prefix = 5;
        } else if (begins(buf, len, "NXD-")) {
                ret->side = NOMACHINE_SERVER;
                prefix = 4;
        } else
                return -ENOMSG;
        /* "NX" alone could still be either */
        if (len < prefix)
                return -EAGAIN;

        size_t i = prefix;
        while (i < len && ((buf[i] >= '0' && buf[i] <= '9') || buf[i] == '.'))
                if (++i - prefix >= NOMACHINE_VERSION_MAX)
                        return -EBADMSG;
        size_t version_len = i - prefix;
        if (i < len && buf[i] == '\r')
                i++;
        if (i == len)
                return -EAGAIN;
        if (buf[i] != '\n' || version_len == 0)
                return -EBADMSG;
        memcpy(ret->version, buf + prefix, version_len);
        memcpy(ret->banner, buf, prefix + version_len);
        return 0;
}
