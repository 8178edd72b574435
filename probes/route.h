/* SPDX-License-Identifier: MIT */
#pragma once

/* Routes and policy rules: live from rtnetlink (every table), under --root
 * from /proc/net/route (the main table) and /proc/net/ipv6_route (every
 * table, without saying which). Shared by the route and resolver probes. */

#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "netif.h"
#include "rootfs.h"

#define TT_ROUTES_MAX 4096
#define TT_ROUTE_RULES_MAX 256
#define TT_ROUTE_TABLE_UNKNOWN 0 /* /proc/net/ipv6_route does not say */
#define TT_ROUTE_TABLE_MAIN 254

struct tt_route {
        int family;
        unsigned prefix_len;
        uint8_t dst[16];
        bool has_gateway;
        uint8_t gateway[16];
        char dev[IFNAMSIZ];
        uint32_t table;
        uint32_t metric;
        /* Set when the route carries all of its family's traffic: "default"
         * (0/0 in the main table), "split" (halves like 0.0.0.0/1 +
         * 128.0.0.0/1 through one link), "policy" (0/0 in another table). */
        const char *takeover;
};

struct tt_route_rule {
        int family;
        uint32_t priority, table;
        bool has_fwmark, invert;
        uint32_t fwmark, fwmask;
        char iif[IFNAMSIZ], oif[IFNAMSIZ];
};

struct tt_routes {
        size_t n_routes, cap_routes, n_rules;
        struct tt_route *routes;
        struct tt_route_rule *rules;
        bool rules_known; /* live only: no file shows policy rules */
        bool truncated;
};

int tt_routes_read(const struct tt_root *root, const struct tt_link *links, size_t n_links, struct tt_routes *ret);
void tt_routes_free(struct tt_routes *r);
/* Marks each route's takeover (see struct tt_route). */
void tt_routes_mark_takeover(struct tt_route *routes, size_t n);
/* The route a packet to addr takes by the main table (longest prefix, then
 * lowest metric), as `ip route get` without marks; NULL if none. */
const struct tt_route *tt_routes_lookup(const struct tt_routes *r, int family, const uint8_t *addr);
/* The link that a table's traffic leaves through: its default route's, else
 * its first route's; NULL for an empty table. */
const char *tt_routes_table_dev(const struct tt_routes *r, int family, uint32_t table);

/* Parsers of the /proc files, exposed for tests; they append to r. */
int tt_routes_parse_proc_ipv4(struct tt_routes *r, const char *text);
int tt_routes_parse_proc_ipv6(struct tt_routes *r, const char *text);
