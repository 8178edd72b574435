/* SPDX-License-Identifier: MIT */
#include "packet.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#define IPV6_EXT_MAX 8

static uint16_t be16(const uint8_t *p) {
        return (uint16_t) (p[0] << 8 | p[1]);
}

static uint32_t be32(const uint8_t *p) {
        return (uint32_t) p[0] << 24 | (uint32_t) p[1] << 16 | (uint32_t) p[2] << 8 | p[3];
}

static int transport_decode(const uint8_t *p, size_t len, struct tt_packet *pk) {
        if (pk->fragment)
                return 0;
        if (pk->ip_proto == 6) {
                if (len < 20)
                        return -EBADMSG;
                size_t off = (size_t) (p[12] >> 4) * 4;
                if (off < 20 || off > len)
                        return -EBADMSG;
                pk->sport = be16(p);
                pk->dport = be16(p + 2);
                pk->seq = be32(p + 4);
                pk->ack = be32(p + 8);
                pk->tcp_flags = p[13];
                pk->payload = p + off;
                pk->payload_len = len - off;
        } else if (pk->ip_proto == 17) {
                if (len < 8)
                        return -EBADMSG;
                pk->sport = be16(p);
                pk->dport = be16(p + 2);
                size_t ulen = be16(p + 4);
                /* A UDP length shorter than the capture trims it; a longer
                 * one means the capture was cut (snaplen). */
                if (ulen >= 8 && ulen < len)
                        len = ulen;
                pk->payload = p + 8;
                pk->payload_len = len - 8;
        }
        return 0;
}

static int ipv4_decode(const uint8_t *p, size_t len, struct tt_packet *pk) {
        if (len < 20 || (p[0] >> 4) != 4)
                return -EBADMSG;
        size_t ihl = (size_t) (p[0] & 0x0f) * 4, total = be16(p + 2);
        if (ihl < 20 || ihl > len || total < ihl)
                return -EBADMSG;
        if (total < len)
                len = total; /* Ethernet padding */
        pk->family = AF_INET;
        memcpy(pk->src, p + 12, 4);
        memcpy(pk->dst, p + 16, 4);
        pk->ip_proto = p[9];
        pk->fragment = (be16(p + 6) & 0x1fff) != 0;
        return transport_decode(p + ihl, len - ihl, pk);
}

static int ipv6_decode(const uint8_t *p, size_t len, struct tt_packet *pk) {
        if (len < 40 || (p[0] >> 4) != 6)
                return -EBADMSG;
        size_t plen = be16(p + 4);
        if (plen + 40 < len)
                len = plen + 40;
        pk->family = AF_INET6;
        memcpy(pk->src, p + 8, 16);
        memcpy(pk->dst, p + 24, 16);
        uint8_t next = p[6];
        size_t off = 40;
        for (unsigned i = 0; i < IPV6_EXT_MAX; i++) {
                if (next == 0 || next == 43 || next == 60) { /* hop-by-hop, routing, destination options */
                        if (off + 8 > len)
                                return -EBADMSG;
                        size_t ext = ((size_t) p[off + 1] + 1) * 8;
                        next = p[off];
                        if (off + ext > len)
                                return -EBADMSG;
                        off += ext;
                } else if (next == 44) { /* fragment */
                        if (off + 8 > len)
                                return -EBADMSG;
                        pk->fragment = (be16(p + off + 2) & 0xfff8) != 0;
                        next = p[off];
                        off += 8;
                } else
                        break;
        }
        pk->ip_proto = next;
        return transport_decode(p + off, len - off, pk);
}

static int network_decode(uint16_t ethertype, const uint8_t *p, size_t len, struct tt_packet *pk) {
        pk->ethertype = ethertype;
        switch (ethertype) {
        case 0x0800:
                return ipv4_decode(p, len, pk);
        case 0x86dd:
                return ipv6_decode(p, len, pk);
        case 0x0806:
                pk->arp = p;
                pk->arp_len = len;
                return 0;
        default:
                return -ENOMSG;
        }
}

static int ethernet_decode(const uint8_t *p, size_t len, struct tt_packet *pk) {
        if (len < 14)
                return -EBADMSG;
        pk->has_mac = true;
        memcpy(pk->dst_mac, p, 6);
        memcpy(pk->src_mac, p + 6, 6);
        uint16_t type = be16(p + 12);
        size_t off = 14;
        /* 802.1Q and 802.1ad (QinQ), at most two tags deep in practice. */
        for (unsigned i = 0; i < 3 && (type == 0x8100 || type == 0x88a8 || type == 0x9100); i++) {
                if (off + 4 > len)
                        return -EBADMSG;
                if (pk->vlan == 0)
                        pk->vlan = be16(p + off) & 0x0fff;
                type = be16(p + off + 2);
                off += 4;
        }
        return network_decode(type, p + off, len - off, pk);
}

static int raw_ip_decode(const uint8_t *p, size_t len, struct tt_packet *pk) {
        if (len < 1)
                return -EBADMSG;
        switch (p[0] >> 4) {
        case 4:
                return network_decode(0x0800, p, len, pk);
        case 6:
                return network_decode(0x86dd, p, len, pk);
        default:
                return -ENOMSG;
        }
}

int tt_packet_decode(int linktype, const uint8_t *data, size_t caplen, struct tt_packet *ret) {
        *ret = (struct tt_packet){};
        switch (linktype) {
        case TT_LINKTYPE_ETHERNET:
                return ethernet_decode(data, caplen, ret);
        case TT_LINKTYPE_LINUX_SLL:
                /* packet type, ARPHRD, address length, 8 address bytes, protocol */
                if (caplen < 16)
                        return -EBADMSG;
                if (be16(data + 2) == 1 && be16(data + 4) == 6) {
                        ret->has_mac = true;
                        memcpy(ret->src_mac, data + 6, 6);
                }
                return network_decode(be16(data + 14), data + 16, caplen - 16, ret);
        case TT_LINKTYPE_LINUX_SLL2:
                /* protocol, reserved, ifindex, ARPHRD, packet type, address length, 8 address bytes */
                if (caplen < 20)
                        return -EBADMSG;
                if (be16(data + 8) == 1 && data[11] == 6) {
                        ret->has_mac = true;
                        memcpy(ret->src_mac, data + 12, 6);
                }
                return network_decode(be16(data), data + 20, caplen - 20, ret);
        case TT_LINKTYPE_RAW:
        case TT_DLT_RAW_BSD:
        case TT_LINKTYPE_IPV4:
        case TT_LINKTYPE_IPV6:
                return raw_ip_decode(data, caplen, ret);
        case TT_LINKTYPE_NULL:
                /* 4-byte address family in host order: 2 = IPv4, 10/24/28/30 = IPv6 */
                if (caplen < 4)
                        return -EBADMSG;
                return raw_ip_decode(data + 4, caplen - 4, ret);
        default:
                return -ENOMSG;
        }
}
