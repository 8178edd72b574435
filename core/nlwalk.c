/* SPDX-License-Identifier: MIT */
#include "nlwalk.h"

#include <sys/socket.h>

#include "util.h"

int tt_netlink_dump(int fd, const void *req, size_t req_len, size_t bufsize,
                    int (*cb)(const struct nlmsghdr *h, void *userdata), void *userdata) {
        if (send(fd, req, req_len, 0) < 0)
                return -errno;
        _cleanup_free_ uint8_t *buf = malloc(bufsize);
        if (!buf)
                return -ENOMEM;
        for (;;) {
                ssize_t n = recv(fd, buf, bufsize, 0);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                if (n == 0)
                        return -EIO;
                size_t off = 0;
                for (const struct nlmsghdr *h; (h = tt_nlmsg_next(buf, (size_t) n, &off));) {
                        if (h->nlmsg_type == NLMSG_DONE)
                                return 0;
                        if (h->nlmsg_type == NLMSG_ERROR) {
                                const struct nlmsgerr *e = NLMSG_DATA(h);
                                if (h->nlmsg_len < NLMSG_LENGTH(sizeof(*e)) || e->error >= 0)
                                        return -EIO;
                                return e->error;
                        }
                        int r = cb(h, userdata);
                        if (r < 0)
                                return r;
                }
        }
}
