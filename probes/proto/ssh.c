/* SPDX-License-Identifier: MIT */
#include "ssh.h"

#include <errno.h>
#include <string.h>

#include "wire.h"

#define SSH_LINE_MAX 255

int ssh_parse(const uint8_t *buf, size_t len, struct ssh_msg *ret) {
        memset(ret, 0, sizeof(*ret));
        if (len == 0)
                return -EAGAIN;
        if (memcmp(buf, "SSH-", len < 4 ? len : 4) != 0)
                return -ENOMSG;
        const uint8_t *lf = memchr(buf, '\n', len < SSH_LINE_MAX ? len : SSH_LINE_MAX);
        if (!lf)
                return len < SSH_LINE_MAX ? -EAGAIN : -EBADMSG;

        size_t n = (size_t) (lf - buf);
        if (n > 0 && buf[n - 1] == '\r')
                n--;
        /* protoversion ends at the first '-'; softwareversion at the first
         * space (some put '-' into it: "libssh-0.9.6") */
        const uint8_t *proto = buf + 4, *end = buf + n;
        const uint8_t *dash = memchr(proto, '-', (size_t) (end - proto));
        if (!dash || dash == proto || dash + 1 == end || dash[1] == ' ')
                return -EBADMSG;
        const uint8_t *software = dash + 1;
        const uint8_t *space = memchr(software, ' ', (size_t) (end - software));
        const uint8_t *software_end = space ? space : end;

        bool fit = wire_text_copy(ret->banner, sizeof(ret->banner), buf, n);
        fit &= wire_text_copy(ret->protoversion, sizeof(ret->protoversion), proto, (size_t) (dash - proto));
        fit &= wire_text_copy(ret->software, sizeof(ret->software), software, (size_t) (software_end - software));
        if (space)
                fit &= wire_text_copy(ret->comments, sizeof(ret->comments), space + 1, (size_t) (end - space - 1));
        ret->truncated = !fit;
        return 0;
}
