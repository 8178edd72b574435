/* SPDX-License-Identifier: MIT */
#pragma once

/* ARP over Ethernet for IPv4 (RFC 826): who has which MAC. Pure. */

#include <stddef.h>
#include <stdint.h>

#define ARP_REQUEST 1
#define ARP_REPLY 2

struct arp_msg {
        uint16_t op;
        uint8_t sender_mac[6], sender_ip[4]; /* IPv4 */
        uint8_t target_mac[6], target_ip[4];
};

/* 0; -ENOMSG when it is not Ethernet/IPv4 ARP or the operation is neither
 * request nor reply (RARP, InARP); -EBADMSG when cut short. */
int arp_parse(const uint8_t *buf, size_t len, struct arp_msg *ret);
