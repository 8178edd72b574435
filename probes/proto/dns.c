/* SPDX-License-Identifier: MIT */
#include "dns.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include "wire.h"

#define HEADER_SIZE 12
#define NAME_WIRE_MAX 255
/* Targets strictly fall, so this only caps the work on a long pointer chain. */
#define POINTER_JUMPS_MAX 32

/* Reads the name at *offset, decompressing, into text. A pointer must point
 * into the message body strictly before the start of the segment being read:
 * successive targets fall, so a loop or a forward pointer is malformed.
 * bound is where the name's own bytes must end (the rdata end for names in
 * rdata). *offset moves past the name as it sits at *offset. */
static int name_read(const uint8_t *buf, size_t bound, size_t *offset, char *ret, size_t size, bool *ret_truncated) {
        size_t pos = *offset, segment = *offset, end = 0, wire = 1, text = 0;
        unsigned jumps = 0, labels = 0;
        bool fit = true;

        ret[0] = 0;
        for (;;) {
                if (pos >= bound)
                        return -EBADMSG;
                uint8_t c = buf[pos];
                if ((c & 0xc0) == 0xc0) {
                        if (pos + 1 >= bound)
                                return -EBADMSG;
                        size_t target = (size_t) (c & 0x3f) << 8 | buf[pos + 1];
                        if (target < HEADER_SIZE || target >= segment || ++jumps > POINTER_JUMPS_MAX)
                                return -EBADMSG;
                        if (end == 0)
                                end = pos + 2;
                        pos = segment = target;
                        continue;
                }
                if (c & 0xc0) /* extended (0x40) and reserved (0x80) label types, or a label of 64 and more */
                        return -EBADMSG;
                if (c == 0)
                        break;
                wire += 1 + c;
                if (wire > NAME_WIRE_MAX || c >= bound - pos)
                        return -EBADMSG;
                if (fit) {
                        /* Whole labels or nothing: a cut name is a clean run of labels. */
                        size_t before = text;
                        fit = (labels == 0 || wire_text_append(ret, size, &text, (const uint8_t *) ".", 1, NULL)) &&
                              wire_text_append(ret, size, &text, buf + pos + 1, c, ".");
                        if (!fit) {
                                text = before;
                                ret[text] = 0;
                        }
                }
                labels++;
                pos += 1 + c;
        }
        *offset = end != 0 ? end : pos + 1;
        *ret_truncated = !fit;
        return 0;
}

/* Name rdata must fill the rdata exactly. */
static int rdata_name_read(const uint8_t *buf, size_t off, size_t end, struct dns_record *r) {
        int k = name_read(buf, end, &off, r->target, sizeof(r->target), &r->target_truncated);
        if (k < 0)
                return k;
        return off == end ? 0 : -EBADMSG;
}

static int rdata_txt_read(const uint8_t *buf, size_t off, size_t end, struct dns_record *r) {
        size_t used = 0;

        while (off < end) {
                size_t n = buf[off];
                if (n >= end - off)
                        return -EBADMSG;
                if (!r->txt_truncated) {
                        if (used < sizeof(r->txt)) {
                                size_t text = 0;
                                r->txt_truncated = !wire_text_append(r->txt + used, sizeof(r->txt) - used, &text,
                                                                     buf + off + 1, n, NULL);
                                used += text + 1;
                                r->n_txt++;
                        } else
                                r->txt_truncated = true;
                }
                off += 1 + n;
        }
        return 0;
}

static int rdata_read(const uint8_t *buf, size_t off, struct dns_record *r) {
        size_t end = off + r->rdlength;

        /* Empty rdata is legitimate in UPDATE prerequisites and deletions: nothing to decode. */
        if (r->rdlength == 0)
                return 0;
        switch (r->type) {
        case DNS_TYPE_A:
        case DNS_TYPE_AAAA: {
                size_t n = r->type == DNS_TYPE_A ? 4 : 16;
                if (r->rdlength != n)
                        return -EBADMSG;
                r->family = n == 4 ? AF_INET : AF_INET6;
                memcpy(r->addr, buf + off, n);
                return 0;
        }
        case DNS_TYPE_CNAME:
        case DNS_TYPE_PTR:
        case DNS_TYPE_NS:
                return rdata_name_read(buf, off, end, r);
        case DNS_TYPE_SRV:
                if (r->rdlength < 7)
                        return -EBADMSG;
                r->priority = wire_be16(buf + off);
                r->weight = wire_be16(buf + off + 2);
                r->port = wire_be16(buf + off + 4);
                return rdata_name_read(buf, off + 6, end, r);
        case DNS_TYPE_TXT:
                return rdata_txt_read(buf, off, end, r);
        default:
                return 0;
        }
}

static int record_read(const uint8_t *buf, size_t len, size_t *offset, enum dns_section section,
                       struct dns_record *r) {
        size_t off = *offset;
        int k;

        *r = (struct dns_record){ .section = section };
        k = name_read(buf, len, &off, r->name, sizeof(r->name), &r->name_truncated);
        if (k < 0)
                return k;
        if (len - off < 10)
                return -EBADMSG;
        r->type = wire_be16(buf + off);
        r->class = wire_be16(buf + off + 2);
        r->ttl = wire_be32(buf + off + 4);
        r->rdlength = wire_be16(buf + off + 8);
        off += 10;
        if (r->rdlength > len - off)
                return -EBADMSG;
        if (r->type != DNS_TYPE_OPT) {
                r->cache_flush = r->class & 0x8000;
                r->class &= 0x7fff;
        }
        k = rdata_read(buf, off, r);
        if (k < 0)
                return k;
        *offset = off + r->rdlength;
        return 0;
}

static int question_read(const uint8_t *buf, size_t len, size_t *offset, struct dns_question *q) {
        size_t off = *offset;
        int k;

        *q = (struct dns_question){};
        k = name_read(buf, len, &off, q->name, sizeof(q->name), &q->name_truncated);
        if (k < 0)
                return k;
        if (len - off < 4)
                return -EBADMSG;
        q->type = wire_be16(buf + off);
        q->class = wire_be16(buf + off + 2) & 0x7fff;
        q->unicast_response = buf[off + 2] & 0x80;
        *offset = off + 4;
        return 0;
}

int dns_parse(const uint8_t *buf, size_t len, struct dns_msg *ret) {
        size_t off = HEADER_SIZE;
        int k;

        *ret = (struct dns_msg){};
        if (len < HEADER_SIZE)
                return -EBADMSG;
        ret->opcode = (buf[2] >> 3) & 0x0f;
        /* 0 query, 1 inverse query, 2 status, 4 notify, 5 update, 6 DSO; the rest are unassigned. */
        if (ret->opcode == 3 || ret->opcode > 6)
                return -ENOMSG;
        ret->id = wire_be16(buf);
        ret->response = buf[2] & 0x80;
        ret->authoritative = buf[2] & 0x04;
        ret->truncated_by_sender = buf[2] & 0x02;
        ret->recursion_desired = buf[2] & 0x01;
        ret->recursion_available = buf[3] & 0x80;
        ret->rcode = buf[3] & 0x0f;
        ret->qdcount = wire_be16(buf + 4);
        ret->ancount = wire_be16(buf + 6);
        ret->nscount = wire_be16(buf + 8);
        ret->arcount = wire_be16(buf + 10);

        for (unsigned i = 0; i < ret->qdcount; i++) {
                struct dns_question scratch;
                bool keep = ret->n_questions < DNS_QUESTIONS_MAX;

                k = question_read(buf, len, &off, keep ? &ret->questions[ret->n_questions] : &scratch);
                if (k < 0)
                        return k;
                if (keep)
                        ret->n_questions++;
                else
                        ret->questions_truncated = true;
        }

        const struct {
                enum dns_section section;
                uint16_t count;
        } sections[] = {
                { DNS_SECTION_ANSWER, ret->ancount },
                { DNS_SECTION_AUTHORITY, ret->nscount },
                { DNS_SECTION_ADDITIONAL, ret->arcount },
        };
        for (size_t s = 0; s < sizeof(sections) / sizeof(sections[0]); s++)
                for (unsigned i = 0; i < sections[s].count; i++) {
                        struct dns_record scratch;
                        bool keep = ret->n_records < DNS_RECORDS_MAX;

                        k = record_read(buf, len, &off, sections[s].section,
                                        keep ? &ret->records[ret->n_records] : &scratch);
                        if (k < 0)
                                return k;
                        if (keep)
                                ret->n_records++;
                        else
                                ret->records_truncated = true;
                }
        return 0;
}
