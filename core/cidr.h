/* SPDX-License-Identifier: MIT */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

struct tt_cidr {
        int family; /* AF_INET or AF_INET6 */
        uint8_t addr[16];
        unsigned prefix;
};

/* "10.0.0.0/8", "fd00::/8", "192.168.1.7" (a host) */
int tt_cidr_parse(const char *s, struct tt_cidr *ret);
/* addr is 4 or 16 bytes in network order; a v4-mapped v6 address is taken as v4. */
bool tt_cidr_contains(const struct tt_cidr *c, int family, const uint8_t *addr);
bool tt_cidr_contains_text(const struct tt_cidr *c, const char *addr);
