/* SPDX-License-Identifier: MIT */
#pragma once

/* Bounded walks over netlink replies (rtnetlink, sock_diag): the libc macros
 * mix signed and unsigned lengths; these never step past the buffer. */

#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <stddef.h>
#include <stdint.h>

/* The next whole message at *offset, or NULL at the end or at a bad length. */
static inline const struct nlmsghdr *tt_nlmsg_next(const uint8_t *buf, size_t len, size_t *offset) {
        if (*offset > len || len - *offset < sizeof(struct nlmsghdr))
                return NULL;
        const struct nlmsghdr *h = (const struct nlmsghdr *) (const void *) (buf + *offset);
        if (h->nlmsg_len < sizeof(*h) || h->nlmsg_len > len - *offset)
                return NULL;
        size_t step = NLMSG_ALIGN(h->nlmsg_len);
        *offset += step < len - *offset ? step : len - *offset;
        return h;
}

/* The next attribute in [buf, buf + len) at *offset, or NULL. */
static inline const struct rtattr *tt_rta_next(const uint8_t *buf, size_t len, size_t *offset) {
        if (*offset > len || len - *offset < sizeof(struct rtattr))
                return NULL;
        const struct rtattr *a = (const struct rtattr *) (const void *) (buf + *offset);
        if (a->rta_len < sizeof(*a) || a->rta_len > len - *offset)
                return NULL;
        size_t step = RTA_ALIGN(a->rta_len);
        *offset += step < len - *offset ? step : len - *offset;
        return a;
}

static inline size_t tt_rta_payload_len(const struct rtattr *a) {
        return a->rta_len - sizeof(*a);
}

static inline const void *tt_rta_payload(const struct rtattr *a) {
        return (const uint8_t *) a + RTA_LENGTH(0);
}

/* Sends one dump request on a netlink socket and hands every message of the
 * reply to cb until NLMSG_DONE; an NLMSG_ERROR ends it with its errno. */
int tt_netlink_dump(int fd, const void *req, size_t req_len, size_t bufsize,
                    int (*cb)(const struct nlmsghdr *h, void *userdata), void *userdata);
