/* SPDX-License-Identifier: MIT */
#include "arp.h"

#include <errno.h>
#include <string.h>

#include "wire.h"

#define FIXED_SIZE 8
#define ETHER_IPV4_SIZE (FIXED_SIZE + 2 * (6 + 4))

int arp_parse(const uint8_t *buf, size_t len, struct arp_msg *ret) {
        *ret = (struct arp_msg){};
        if (len < FIXED_SIZE)
                return -EBADMSG;
        /* hardware type 1 (Ethernet), protocol 0x0800, address sizes 6 and 4 */
        if (wire_be16(buf) != 1 || wire_be16(buf + 2) != 0x0800 || buf[4] != 6 || buf[5] != 4)
                return -ENOMSG;
        uint16_t op = wire_be16(buf + 6);
        if (op != ARP_REQUEST && op != ARP_REPLY)
                return -ENOMSG;
        if (len < ETHER_IPV4_SIZE)
                return -EBADMSG;
        ret->op = op;
        memcpy(ret->sender_mac, buf + 8, 6);
        memcpy(ret->sender_ip, buf + 14, 4);
        memcpy(ret->target_mac, buf + 18, 6);
        memcpy(ret->target_ip, buf + 24, 4);
        return 0;
}
