/* SPDX-License-Identifier: MIT */
#pragma once

/* Hand-built frames for the capture tests: Ethernet (or Linux cooked v1)
 * around IPv4 or IPv6, around TCP or UDP, with the lengths right, so the
 * kernel filter reads the same fields the wire would carry. */

#include <arpa/inet.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define FRAME_MAX 9100

enum frame_link {
        FRAME_ETHERNET, /* DLT_EN10MB */
        FRAME_SLL,      /* DLT_LINUX_SLL */
        FRAME_SLL2,     /* DLT_LINUX_SLL2, interface index FRAME_SLL2_IFINDEX */
};

#define FRAME_SLL2_IFINDEX 2

struct frame {
        uint8_t b[FRAME_MAX];
        size_t len;
};

static inline void frame_put16(uint8_t *p, uint16_t v) {
        p[0] = (uint8_t) (v >> 8);
        p[1] = (uint8_t) v;
}

static inline void frame_put32(uint8_t *p, uint32_t v) {
        frame_put16(p, (uint16_t) (v >> 16));
        frame_put16(p + 2, (uint16_t) v);
}

/* The link header for an IP packet of the given family; returns its length. */
static inline size_t frame_link_header(uint8_t *b, enum frame_link link, int family) {
        uint16_t type = family == AF_INET6 ? 0x86dd : 0x0800;
        if (link == FRAME_SLL2) {
                memset(b, 0, 20);
                frame_put16(b, type);
                frame_put32(b + 4, FRAME_SLL2_IFINDEX);
                frame_put16(b + 8, 1);         /* ARPHRD_ETHER */
                b[11] = 6;                     /* address length */
                memcpy(b + 12, "\x02\x00\x00\x00\x00\x02", 6);
                return 20;
        }
        if (link == FRAME_SLL) {
                memset(b, 0, 16);
                frame_put16(b + 2, 1);         /* ARPHRD_ETHER */
                frame_put16(b + 4, 6);         /* address length */
                memcpy(b + 6, "\x02\x00\x00\x00\x00\x02", 6);
                frame_put16(b + 14, type);
                return 16;
        }
        memcpy(b, "\x02\x00\x00\x00\x00\x01", 6);
        memcpy(b + 6, "\x02\x00\x00\x00\x00\x02", 6);
        frame_put16(b + 12, type);
        return 14;
}

/* An IP packet with a transport header of hdr_len bytes (filled by the
 * caller at *ret_l4) and payload; addresses as text. */
static inline void frame_ip(struct frame *f, enum frame_link link, const char *src, const char *dst, uint8_t proto,
                            size_t l4_len, const void *payload, size_t len, uint8_t **ret_l4) {
        int family = strchr(src, ':') ? AF_INET6 : AF_INET;
        size_t off = frame_link_header(f->b, link, family);
        uint8_t *ip = f->b + off;
        if (family == AF_INET) {
                memset(ip, 0, 20);
                ip[0] = 0x45;
                frame_put16(ip + 2, (uint16_t) (20 + l4_len + len));
                ip[6] = 0x40;
                ip[8] = 64;
                ip[9] = proto;
                inet_pton(AF_INET, src, ip + 12);
                inet_pton(AF_INET, dst, ip + 16);
                off += 20;
        } else {
                memset(ip, 0, 40);
                ip[0] = 0x60;
                frame_put16(ip + 4, (uint16_t) (l4_len + len));
                ip[6] = proto;
                ip[7] = 64;
                inet_pton(AF_INET6, src, ip + 8);
                inet_pton(AF_INET6, dst, ip + 24);
                off += 40;
        }
        *ret_l4 = f->b + off;
        memset(*ret_l4, 0, l4_len);
        if (len > 0)
                memcpy(f->b + off + l4_len, payload, len);
        f->len = off + l4_len + len;
}

static inline void frame_tcp(struct frame *f, enum frame_link link, const char *src, uint16_t sport,
                             const char *dst, uint16_t dport, uint8_t flags, uint32_t seq, const void *payload,
                             size_t len) {
        uint8_t *tcp;
        frame_ip(f, link, src, dst, 6, 20, payload, len, &tcp);
        frame_put16(tcp, sport);
        frame_put16(tcp + 2, dport);
        frame_put32(tcp + 4, seq);
        tcp[12] = 5 << 4;
        tcp[13] = flags;
        frame_put16(tcp + 14, 64240);
}

static inline void frame_udp(struct frame *f, enum frame_link link, const char *src, uint16_t sport,
                             const char *dst, uint16_t dport, const void *payload, size_t len) {
        uint8_t *udp;
        frame_ip(f, link, src, dst, 17, 8, payload, len, &udp);
        frame_put16(udp, sport);
        frame_put16(udp + 2, dport);
        frame_put16(udp + 4, (uint16_t) (8 + len));
}

/* A DNS query for name (dotted, no escapes); returns its length. */
static inline size_t frame_dns_query(uint8_t *buf, const char *name) {
        static const uint8_t header[12] = { 0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0 };
        memcpy(buf, header, 12);
        size_t n = 12;
        for (const char *label = name; *label;) {
                const char *dot = strchr(label, '.');
                size_t l = dot ? (size_t) (dot - label) : strlen(label);
                buf[n++] = (uint8_t) l;
                memcpy(buf + n, label, l);
                n += l;
                label += l + (dot ? 1 : 0);
        }
        buf[n++] = 0;
        memcpy(buf + n, "\x00\x01\x00\x01", 4);
        return n + 4;
}
