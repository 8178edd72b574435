/* SPDX-License-Identifier: MIT */
#pragma once

/* DHCPv4 messages (RFC 2131, options RFC 2132, overload option 52): the
 * BOOTP header and the options that identify a client. Text options are
 * escaped as in wire.h, trailing NULs dropped. Pure: no I/O, no allocation. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DHCP_TEXT_MAX 256
/* 255 option codes of up to 3 digits, comma-separated: never cut. */
#define DHCP_PARAMETERS_MAX 1024

#define DHCP_DISCOVER 1
#define DHCP_OFFER 2
#define DHCP_REQUEST 3
#define DHCP_DECLINE 4
#define DHCP_ACK 5
#define DHCP_NAK 6
#define DHCP_RELEASE 7
#define DHCP_INFORM 8

struct dhcp_msg {
        uint8_t op; /* 1 BOOTREQUEST, 2 BOOTREPLY */
        uint8_t htype, hlen;
        uint32_t xid;
        uint8_t ciaddr[4], yiaddr[4], siaddr[4], giaddr[4]; /* IPv4 */
        uint8_t chaddr[16];                                 /* hlen bytes used */

        uint8_t message_type; /* option 53 */
        char hostname[DHCP_TEXT_MAX]; /* option 12 */
        bool hostname_truncated;
        char vendor_class[DHCP_TEXT_MAX]; /* option 60 */
        bool vendor_class_truncated;
        char domain[DHCP_TEXT_MAX]; /* option 15 */
        bool domain_truncated;
        uint8_t client_id[255]; /* option 61, raw (usually type 1 + MAC) */
        size_t client_id_len;
        bool has_requested_ip;
        uint8_t requested_ip[4];                        /* option 50 */
        char parameter_request_list[DHCP_PARAMETERS_MAX]; /* option 55 as "1,3,6,15" */
};

/* 0; -ENOMSG for what is not DHCP (op not 1/2, no magic cookie, or plain
 * BOOTP without option 53); -EBADMSG for a short or malformed message, with
 * whatever came before the fault left in ret. The first instance of an
 * option counts. */
int dhcp_parse(const uint8_t *buf, size_t len, struct dhcp_msg *ret);
