/* SPDX-License-Identifier: MIT */
#include "rdp.h"

#include <errno.h>
#include <string.h>

#include "wire.h"

#define TPKT_HEADER_LEN 4
#define X224_FIXED_LEN 7 /* LI, code, DST-REF, SRC-REF, class option */
#define RDP_NEG_LEN 8
#define TYPE_RDP_NEG_REQ 0x01
#define TYPE_RDP_NEG_RSP 0x02
#define TYPE_RDP_NEG_FAILURE 0x03

static const char mstshash[] = "Cookie: mstshash=";

/* The negotiation structures are little-endian, unlike TPKT and X.224. */
static int parse_negotiation(const uint8_t *p, size_t n, uint8_t *ret_type, uint8_t *ret_flags, uint32_t *ret_value) {
        if (n < RDP_NEG_LEN || (p[2] | p[3] << 8) != RDP_NEG_LEN)
                return -EBADMSG;
        *ret_type = p[0];
        *ret_flags = p[1];
        *ret_value = (uint32_t) p[4] | (uint32_t) p[5] << 8 | (uint32_t) p[6] << 16 | (uint32_t) p[7] << 24;
        return 0;
}

static int parse_request(const uint8_t *p, size_t n, struct rdp_msg *m) {
        uint8_t type;

        /* The routingToken or cookie line comes first, if there is one. */
        if (n > 0 && p[0] != TYPE_RDP_NEG_REQ) {
                const uint8_t *cr = memmem(p, n, "\r\n", 2);
                if (!cr)
                        return -EBADMSG;
                size_t line = (size_t) (cr - p), prefix = sizeof(mstshash) - 1;
                if (line >= prefix && memcmp(p, mstshash, prefix) == 0)
                        m->cookie_truncated = !wire_text_copy(m->cookie, sizeof(m->cookie), p + prefix, line - prefix);
                else
                        m->routing_token_truncated = !wire_text_copy(m->routing_token, sizeof(m->routing_token), p,
                                                                     line);
                p += line + 2;
                n -= line + 2;
        }
        /* What may follow the request (rdpCorrelationInfo) is not needed. */
        if (n == 0 || p[0] != TYPE_RDP_NEG_REQ)
                return 0;
        int r = parse_negotiation(p, n, &type, &m->neg_flags, &m->requested_protocols);
        if (r < 0)
                return r;
        m->has_neg_req = true;
        return 0;
}

static int parse_confirm(const uint8_t *p, size_t n, struct rdp_msg *m) {
        uint8_t type;
        uint32_t value;

        if (n == 0)
                return 0;
        int r = parse_negotiation(p, n, &type, &m->neg_flags, &value);
        if (r < 0)
                return r;
        if (type == TYPE_RDP_NEG_RSP) {
                m->has_neg_rsp = true;
                m->selected_protocol = value;
        } else if (type == TYPE_RDP_NEG_FAILURE) {
                m->has_neg_failure = true;
                m->failure_code = value;
        } else
                return -EBADMSG;
        return 0;
}

int rdp_parse(const uint8_t *buf, size_t len, struct rdp_msg *ret) {
        memset(ret, 0, sizeof(*ret));
        /* TPKT version 3, reserved 0 */
        if ((len >= 1 && buf[0] != 3) || (len >= 2 && buf[1] != 0))
                return -ENOMSG;
        if (len < TPKT_HEADER_LEN + 2)
                return -EAGAIN;
        uint8_t code = buf[5] & 0xf0; /* the low nibble is CDT */
        if (code != RDP_X224_CONNECTION_REQUEST && code != RDP_X224_CONNECTION_CONFIRM)
                return -ENOMSG;
        size_t tpkt_len = wire_be16(buf + 2);
        /* X.224's length indicator counts the TPDU header without itself */
        if (tpkt_len < TPKT_HEADER_LEN + X224_FIXED_LEN || buf[4] != tpkt_len - TPKT_HEADER_LEN - 1)
                return -EBADMSG;
        if (len < tpkt_len)
                return -EAGAIN;
        ret->type = code;
        const uint8_t *var = buf + TPKT_HEADER_LEN + X224_FIXED_LEN;
        size_t n = tpkt_len - TPKT_HEADER_LEN - X224_FIXED_LEN;
        return code == RDP_X224_CONNECTION_REQUEST ? parse_request(var, n, ret) : parse_confirm(var, n, ret);
}
