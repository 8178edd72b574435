/* SPDX-License-Identifier: MIT */
#pragma once

/* The first PDU of each side of an RDP connection: TPKT (RFC 1006) around an
 * X.224 (ISO 8073) Connection Request from the client, with its cookie or
 * routing token and RDP Negotiation Request (MS-RDPBCGR 2.2.1.1), or the
 * Connection Confirm from the server with its Negotiation Response or
 * Failure (2.2.1.2). Text from the wire is escaped as wire_text_copy() does.
 * Pure: no I/O, no allocation. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define RDP_X224_CONNECTION_REQUEST 0xe0
#define RDP_X224_CONNECTION_CONFIRM 0xd0

/* requestedProtocols / selectedProtocol; 0 is standard RDP security */
#define RDP_PROTOCOL_RDP 0x00
#define RDP_PROTOCOL_SSL 0x01
#define RDP_PROTOCOL_HYBRID 0x02
#define RDP_PROTOCOL_RDSTLS 0x04
#define RDP_PROTOCOL_HYBRID_EX 0x08
#define RDP_PROTOCOL_RDSAAD 0x10

#define RDP_COOKIE_MAX 128

struct rdp_msg {
        uint8_t type; /* RDP_X224_CONNECTION_REQUEST or _CONFIRM */

        /* Connection Request */
        char cookie[RDP_COOKIE_MAX]; /* IDENTIFIER of "Cookie: mstshash=IDENTIFIER", usually the user name */
        bool cookie_truncated;
        char routing_token[RDP_COOKIE_MAX]; /* another first line, e.g. "Cookie: msts=..." of a broker */
        bool routing_token_truncated;
        bool has_neg_req;
        uint32_t requested_protocols;

        /* Connection Confirm */
        bool has_neg_rsp;
        uint32_t selected_protocol;
        bool has_neg_failure;
        uint32_t failure_code;

        uint8_t neg_flags; /* of whichever negotiation structure is present */
};

/* 0; -EAGAIN while the TPKT is not whole; -ENOMSG unless it is TPKT version
 * 3 carrying a CR or CC TPDU; -EBADMSG for lengths that disagree, a cookie
 * line without CR LF, or a negotiation structure of the wrong size or type. */
int rdp_parse(const uint8_t *buf, size_t len, struct rdp_msg *ret);
