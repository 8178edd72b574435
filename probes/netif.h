/* SPDX-License-Identifier: MIT */
#pragma once

/* Network links as /sys/class/net shows them, for the netif probe and for
 * the route, rule and resolver probes, which name the kind of link traffic
 * leaves through. */

#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rootfs.h"

#define TT_LINKS_MAX 512

struct tt_link {
        char name[IFNAMSIZ];
        int ifindex, iflink;
        unsigned type;    /* ARPHRD_* */
        bool has_flags, has_tun_flags, has_device, has_wireless;
        uint64_t flags, tun_flags;
        char operstate[16];
        char devtype[32]; /* DEVTYPE= of uevent: wireguard, wlan, bridge, ... */
        char driver[64];
        char addr[64];
        char master[IFNAMSIZ];
        const char *kind; /* tt_link_classify() */
};

/* What the link is: tun, tap, wireguard, tailscale, zerotier, ppp, ethernet,
 * wifi, loopback, bridge, veth or other. */
const char *tt_link_classify(const struct tt_link *l);
/* "tun" or "tap" for a tun/tap device, else NULL. */
const char *tt_link_tun_type(const struct tt_link *l);
/* Every link, sorted by name; at most TT_LINKS_MAX (*ret_truncated says if
 * there were more). */
int tt_links_read(const struct tt_root *root, struct tt_link **ret, size_t *ret_n, bool *ret_truncated);
const struct tt_link *tt_links_find(const struct tt_link *links, size_t n, const char *name);
const struct tt_link *tt_links_find_index(const struct tt_link *links, size_t n, int ifindex);
