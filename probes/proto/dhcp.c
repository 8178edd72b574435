/* SPDX-License-Identifier: MIT */
#include "dhcp.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "wire.h"

#define HEADER_SIZE 236
#define SNAME_OFFSET 44
#define SNAME_SIZE 64
#define FILE_OFFSET 108
#define FILE_SIZE 128
#define COOKIE 0x63825363u

#define OPTION_PAD 0
#define OPTION_HOSTNAME 12
#define OPTION_DOMAIN 15
#define OPTION_REQUESTED_IP 50
#define OPTION_OVERLOAD 52
#define OPTION_MESSAGE_TYPE 53
#define OPTION_PARAMETERS 55
#define OPTION_VENDOR_CLASS 60
#define OPTION_CLIENT_ID 61
#define OPTION_END 255

#define OVERLOAD_FILE 1
#define OVERLOAD_SNAME 2

struct options_state {
        uint8_t seen[256 / 8];
        uint8_t overload;
};

static bool text_option_copy(char dst[static DHCP_TEXT_MAX], const uint8_t *p, size_t n) {
        while (n > 0 && p[n - 1] == 0)
                n--;
        return !wire_text_copy(dst, DHCP_TEXT_MAX, p, n);
}

static void parameters_format(char dst[static DHCP_PARAMETERS_MAX], const uint8_t *p, size_t n) {
        size_t pos = 0;

        dst[0] = 0;
        for (size_t i = 0; i < n; i++)
                pos += (size_t) snprintf(dst + pos, DHCP_PARAMETERS_MAX - pos, i ? ",%u" : "%u", p[i]);
}

static int option_store(uint8_t code, const uint8_t *p, size_t n, struct dhcp_msg *m, struct options_state *st) {
        if (st->seen[code / 8] & (1u << (code % 8)))
                return 0;
        st->seen[code / 8] |= (uint8_t) (1u << (code % 8));

        switch (code) {
        case OPTION_MESSAGE_TYPE:
                if (n != 1 || p[0] == 0)
                        return -EBADMSG;
                m->message_type = p[0];
                break;
        case OPTION_REQUESTED_IP:
                if (n != 4)
                        return -EBADMSG;
                m->has_requested_ip = true;
                memcpy(m->requested_ip, p, 4);
                break;
        case OPTION_OVERLOAD:
                if (n != 1 || p[0] < 1 || p[0] > 3)
                        return -EBADMSG;
                st->overload = p[0];
                break;
        case OPTION_HOSTNAME:
                m->hostname_truncated = text_option_copy(m->hostname, p, n);
                break;
        case OPTION_VENDOR_CLASS:
                m->vendor_class_truncated = text_option_copy(m->vendor_class, p, n);
                break;
        case OPTION_DOMAIN:
                m->domain_truncated = text_option_copy(m->domain, p, n);
                break;
        case OPTION_CLIENT_ID:
                memcpy(m->client_id, p, n);
                m->client_id_len = n;
                break;
        case OPTION_PARAMETERS:
                parameters_format(m->parameter_request_list, p, n);
                break;
        }
        return 0;
}

/* One option area; running off its end without an END option is tolerated. */
static int options_read(const uint8_t *p, size_t len, struct dhcp_msg *m, struct options_state *st) {
        size_t off = 0;

        while (off < len) {
                uint8_t code = p[off++];
                if (code == OPTION_PAD)
                        continue;
                if (code == OPTION_END)
                        return 0;
                if (off >= len)
                        return -EBADMSG;
                size_t n = p[off++];
                if (n > len - off)
                        return -EBADMSG;
                int k = option_store(code, p + off, n, m, st);
                if (k < 0)
                        return k;
                off += n;
        }
        return 0;
}

int dhcp_parse(const uint8_t *buf, size_t len, struct dhcp_msg *ret) {
        struct options_state st = {};
        int k;

        *ret = (struct dhcp_msg){};
        if (len < HEADER_SIZE + 4)
                return -EBADMSG;
        if ((buf[0] != 1 && buf[0] != 2) || wire_be32(buf + HEADER_SIZE) != COOKIE)
                return -ENOMSG;
        if (buf[2] > sizeof(ret->chaddr))
                return -EBADMSG;
        ret->op = buf[0];
        ret->htype = buf[1];
        ret->hlen = buf[2];
        ret->xid = wire_be32(buf + 4);
        memcpy(ret->ciaddr, buf + 12, 4);
        memcpy(ret->yiaddr, buf + 16, 4);
        memcpy(ret->siaddr, buf + 20, 4);
        memcpy(ret->giaddr, buf + 24, 4);
        memcpy(ret->chaddr, buf + 28, ret->hlen);

        /* RFC 2131 4.1: the options field first, then file, then sname. */
        k = options_read(buf + HEADER_SIZE + 4, len - HEADER_SIZE - 4, ret, &st);
        if (k >= 0 && (st.overload & OVERLOAD_FILE))
                k = options_read(buf + FILE_OFFSET, FILE_SIZE, ret, &st);
        if (k >= 0 && (st.overload & OVERLOAD_SNAME))
                k = options_read(buf + SNAME_OFFSET, SNAME_SIZE, ret, &st);
        if (k < 0)
                return k;
        return ret->message_type != 0 ? 0 : -ENOMSG;
}
