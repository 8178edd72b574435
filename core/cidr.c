/* SPDX-License-Identifier: MIT */
#include "cidr.h"

#include <arpa/inet.h>

#include "util.h"

int tt_cidr_parse(const char *s, struct tt_cidr *ret) {
        char buf[INET6_ADDRSTRLEN + 8];
        if (strscpy(buf, sizeof(buf), s))
                return -EINVAL;
        char *slash = strchr(buf, '/');
        if (slash)
                *slash = '\0';
        struct tt_cidr c = {};
        if (inet_pton(AF_INET, buf, c.addr) == 1) {
                c.family = AF_INET;
                c.prefix = 32;
        } else if (inet_pton(AF_INET6, buf, c.addr) == 1) {
                c.family = AF_INET6;
                c.prefix = 128;
        } else
                return -EINVAL;
        if (slash) {
                uint64_t p;
                if (safe_atou64(slash + 1, 10, &p) < 0 || p > c.prefix)
                        return -EINVAL;
                c.prefix = (unsigned) p;
        }
        *ret = c;
        return 0;
}

bool tt_cidr_contains(const struct tt_cidr *c, int family, const uint8_t *addr) {
        static const uint8_t v4mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
        if (family == AF_INET6 && c->family == AF_INET && memcmp(addr, v4mapped, 12) == 0) {
                family = AF_INET;
                addr += 12;
        }
        if (family != c->family)
                return false;
        unsigned full = c->prefix / 8, rest = c->prefix % 8;
        if (memcmp(addr, c->addr, full) != 0)
                return false;
        if (rest == 0)
                return true;
        uint8_t mask = (uint8_t) (0xff << (8 - rest));
        return (addr[full] & mask) == (c->addr[full] & mask);
}

bool tt_cidr_contains_text(const struct tt_cidr *c, const char *addr) {
        uint8_t a[16];
        if (inet_pton(AF_INET, addr, a) == 1)
                return tt_cidr_contains(c, AF_INET, a);
        if (inet_pton(AF_INET6, addr, a) == 1)
                return tt_cidr_contains(c, AF_INET6, a);
        return false;
}
