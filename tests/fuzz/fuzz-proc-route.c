/* SPDX-License-Identifier: MIT */
/* /proc/net/route and /proc/net/ipv6_route text from a hostile image: both
 * parsers, the takeover marking and a lookup over what they kept. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "route.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        char *text = malloc(size + 1);
        if (!text)
                return 0;
        memcpy(text, data, size);
        text[size] = '\0';
        struct tt_routes r = {};
        if (tt_routes_parse_proc_ipv4(&r, text) >= 0 && tt_routes_parse_proc_ipv6(&r, text) >= 0) {
                tt_routes_mark_takeover(r.routes, r.n_routes);
                static const uint8_t v4[4] = { 8, 8, 8, 8 }, v6[16] = { 0x20, 0x01, 0x0d, 0xb8 };
                const struct tt_route *a = tt_routes_lookup(&r, AF_INET, v4), *b = tt_routes_lookup(&r, AF_INET6, v6);
                if ((a && a->prefix_len > 32) || (b && b->prefix_len > 128))
                        abort();
                (void) tt_routes_table_dev(&r, AF_INET6, TT_ROUTE_TABLE_UNKNOWN);
        }
        tt_routes_free(&r);
        free(text);
        return 0;
}
