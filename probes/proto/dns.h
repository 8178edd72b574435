/* SPDX-License-Identifier: MIT */
#pragma once

/* DNS and mDNS messages (RFC 1035, RFC 6762 share the wire format). Names are
 * decompressed into text: dotted, no trailing dot, the root is "". Label bytes
 * outside printable ASCII are written \DDD, a dot or backslash inside a label
 * \. and \\ (as dig prints them). A name whose text does not fit keeps its
 * leading whole labels and sets name_truncated. Pure: no I/O, no allocation. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A wire name is at most 255 octets, so unescaped it is at most 253 characters. */
#define DNS_NAME_MAX 256
#define DNS_QUESTIONS_MAX 8
#define DNS_RECORDS_MAX 48
/* TXT strings, escaped, each NUL-terminated, back to back. */
#define DNS_TXT_MAX 384

#define DNS_TYPE_A 1
#define DNS_TYPE_NS 2
#define DNS_TYPE_CNAME 5
#define DNS_TYPE_PTR 12
#define DNS_TYPE_TXT 16
#define DNS_TYPE_AAAA 28
#define DNS_TYPE_SRV 33
#define DNS_TYPE_OPT 41

#define DNS_CLASS_IN 1

enum dns_section {
        DNS_SECTION_ANSWER,
        DNS_SECTION_AUTHORITY,
        DNS_SECTION_ADDITIONAL,
};

struct dns_question {
        char name[DNS_NAME_MAX];
        bool name_truncated;
        uint16_t type;
        uint16_t class;        /* without the mDNS unicast-response bit */
        bool unicast_response; /* mDNS "QU" question */
};

struct dns_record {
        char name[DNS_NAME_MAX];
        bool name_truncated;
        enum dns_section section;
        uint16_t type;
        uint16_t class;   /* without the mDNS cache-flush bit; for OPT the raw UDP payload size */
        bool cache_flush; /* mDNS */
        uint32_t ttl;
        uint16_t rdlength;
        union {
                struct { /* A, AAAA */
                        int family;
                        uint8_t addr[16];
                };
                struct { /* CNAME, PTR, NS, SRV */
                        char target[DNS_NAME_MAX];
                        bool target_truncated;
                        uint16_t priority, weight, port; /* SRV */
                };
                struct { /* TXT */
                        char txt[DNS_TXT_MAX];
                        size_t n_txt;
                        bool txt_truncated;
                };
        };
};

struct dns_msg {
        uint16_t id;
        bool response;
        uint8_t opcode;
        bool authoritative, truncated_by_sender, recursion_desired, recursion_available; /* AA TC RD RA */
        uint8_t rcode;
        uint16_t qdcount, ancount, nscount, arcount; /* as sent */

        size_t n_questions;
        bool questions_truncated; /* more than DNS_QUESTIONS_MAX */
        struct dns_question questions[DNS_QUESTIONS_MAX];

        size_t n_records; /* answer, authority, additional, in wire order */
        bool records_truncated;
        struct dns_record records[DNS_RECORDS_MAX];
};

/* 0, -ENOMSG (an opcode DNS does not assign: not DNS), or -EBADMSG
 * (malformed or cut short). On -EBADMSG the header and every question and
 * record before the fault are in ret, so a capture cut by the snap length
 * still yields what it holds. */
int dns_parse(const uint8_t *buf, size_t len, struct dns_msg *ret);

/* The TXT string after s in a record's (or a DNS-SD service's) txt. */
static inline const char *dns_txt_next(const char *s) {
        while (*s)
                s++;
        return s + 1;
}
