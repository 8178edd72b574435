/* SPDX-License-Identifier: MIT */
#pragma once

/* Link, network and transport layers of one captured frame: Ethernet (with
 * 802.1Q/802.1ad tags), Linux cooked v1 and v2, raw IPv4/IPv6; IPv6
 * extension headers walked with a bound. Pure: points into the caller's
 * buffer, allocates nothing. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* pcap link types (numbers from the tcpdump.org registry, so this file does
 * not need pcap.h) */
#define TT_LINKTYPE_NULL 0
#define TT_LINKTYPE_ETHERNET 1
#define TT_LINKTYPE_RAW 101
#define TT_LINKTYPE_LINUX_SLL 113
#define TT_LINKTYPE_IPV4 228
#define TT_LINKTYPE_IPV6 229
#define TT_LINKTYPE_LINUX_SLL2 276
#define TT_DLT_RAW_BSD 12 /* DLT_RAW on Linux libpcap */

#define TT_TCP_FIN 0x01
#define TT_TCP_SYN 0x02
#define TT_TCP_RST 0x04
#define TT_TCP_PSH 0x08
#define TT_TCP_ACK 0x10

struct tt_packet {
        bool has_mac;
        uint8_t src_mac[6], dst_mac[6];
        uint16_t vlan;      /* outermost VLAN id, 0 if none */
        uint16_t ethertype; /* 0x0800, 0x86dd, 0x0806 ... */

        const uint8_t *arp; /* ARP payload (ethertype 0x0806) */
        size_t arp_len;

        int family; /* AF_INET / AF_INET6, 0 if not IP */
        uint8_t src[16], dst[16];
        uint8_t ip_proto; /* 6 TCP, 17 UDP, other */
        bool fragment;    /* a non-first fragment: no transport header */

        uint16_t sport, dport;
        uint8_t tcp_flags;
        uint32_t seq, ack;
        const uint8_t *payload;
        size_t payload_len;
};

/* 0 on success (payload may be empty); -ENOMSG for frames that are neither IP
 * nor ARP; -EBADMSG for truncated or malformed headers. */
int tt_packet_decode(int linktype, const uint8_t *data, size_t caplen, struct tt_packet *ret);
