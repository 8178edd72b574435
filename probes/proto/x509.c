/* SPDX-License-Identifier: MIT */
#include "x509.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "textbuf.h"

#define DER_INTEGER 0x02
#define DER_OID 0x06
#define DER_UTF8_STRING 0x0c
#define DER_NUMERIC_STRING 0x12
#define DER_PRINTABLE_STRING 0x13
#define DER_TELETEX_STRING 0x14
#define DER_IA5_STRING 0x16
#define DER_UTC_TIME 0x17
#define DER_GENERALIZED_TIME 0x18
#define DER_VISIBLE_STRING 0x1a
#define DER_UNIVERSAL_STRING 0x1c
#define DER_BMP_STRING 0x1e
#define DER_SEQUENCE 0x30
#define DER_SET 0x31
#define DER_EXPLICIT_0 0xa0

/* What is left to read of one constructed value. */
struct der {
        const uint8_t *p;
        size_t len;
};

struct der_elem {
        uint8_t tag;
        struct der content;
        struct der whole; /* tag, length and content, for the #hex form */
};

static int der_next(struct der *d, struct der_elem *ret) {
        if (d->len < 2)
                return -EBADMSG;
        uint8_t tag = d->p[0];
        /* High tag numbers occur nowhere in the part of a certificate read here. */
        if ((tag & 0x1f) == 0x1f)
                return -EBADMSG;
        size_t hdr = 2, n = d->p[1];
        if (n & 0x80) {
                size_t k = n & 0x7f;
                /* k == 0 is BER's indefinite length, which DER forbids */
                if (k == 0 || k > 4 || d->len < 2 + k)
                        return -EBADMSG;
                n = 0;
                for (size_t i = 0; i < k; i++)
                        n = n << 8 | d->p[2 + i];
                hdr += k;
        }
        if (n > d->len - hdr)
                return -EBADMSG;
        *ret = (struct der_elem) {
                .tag = tag,
                .content = { d->p + hdr, n },
                .whole = { d->p, hdr + n },
        };
        d->p += hdr + n;
        d->len -= hdr + n;
        return 0;
}

static int der_expect(struct der *d, uint8_t tag, struct der *ret) {
        struct der_elem e;
        int r = der_next(d, &e);
        if (r < 0)
                return r;
        if (e.tag != tag)
                return -EBADMSG;
        *ret = e.content;
        return 0;
}

static const struct {
        uint8_t len;
        uint8_t oid[10];
        const char *name;
} attribute_types[] = {
        { 3, { 0x55, 0x04, 0x03 }, "CN" },
        { 3, { 0x55, 0x04, 0x05 }, "serialNumber" },
        { 3, { 0x55, 0x04, 0x06 }, "C" },
        { 3, { 0x55, 0x04, 0x07 }, "L" },
        { 3, { 0x55, 0x04, 0x08 }, "ST" },
        { 3, { 0x55, 0x04, 0x09 }, "STREET" },
        { 3, { 0x55, 0x04, 0x0a }, "O" },
        { 3, { 0x55, 0x04, 0x0b }, "OU" },
        { 9, { 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x01 }, "emailAddress" },
        { 10, { 0x09, 0x92, 0x26, 0x89, 0x93, 0xf2, 0x2c, 0x64, 0x01, 0x19 }, "DC" },
        { 10, { 0x09, 0x92, 0x26, 0x89, 0x93, 0xf2, 0x2c, 0x64, 0x01, 0x01 }, "UID" },
};

static int attribute_type_text(struct textbuf *t, struct der oid) {
        for (size_t i = 0; i < sizeof(attribute_types) / sizeof(attribute_types[0]); i++)
                if (oid.len == attribute_types[i].len && memcmp(oid.p, attribute_types[i].oid, oid.len) == 0) {
                        textbuf_str(t, attribute_types[i].name);
                        return 0;
                }

        /* dotted decimal; the first byte's arcs are packed as 40 * X + Y */
        if (oid.len == 0 || oid.p[oid.len - 1] & 0x80)
                return -EBADMSG;
        uint64_t v = 0;
        bool first = true;
        for (size_t i = 0; i < oid.len; i++) {
                if (v > UINT64_MAX >> 7)
                        return -EBADMSG;
                v = v << 7 | (oid.p[i] & 0x7f);
                if (oid.p[i] & 0x80)
                        continue;
                if (first) {
                        uint64_t top = v < 40 ? 0 : v < 80 ? 1 : 2;
                        textbuf_uint(t, top);
                        v -= 40 * top;
                        first = false;
                }
                textbuf_str(t, ".");
                textbuf_uint(t, v);
                v = 0;
        }
        return 0;
}

static void utf8_add(struct textbuf *t, uint32_t cp, const char *special) {
        uint8_t u[4];
        size_t n;

        if (cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
                cp = 0xfffd;
        if (cp < 0x80) {
                u[0] = (uint8_t) cp;
                n = 1;
        } else if (cp < 0x800) {
                u[0] = (uint8_t) (0xc0 | cp >> 6);
                u[1] = (uint8_t) (0x80 | (cp & 0x3f));
                n = 2;
        } else if (cp < 0x10000) {
                u[0] = (uint8_t) (0xe0 | cp >> 12);
                u[1] = (uint8_t) (0x80 | (cp >> 6 & 0x3f));
                u[2] = (uint8_t) (0x80 | (cp & 0x3f));
                n = 3;
        } else {
                u[0] = (uint8_t) (0xf0 | cp >> 18);
                u[1] = (uint8_t) (0x80 | (cp >> 12 & 0x3f));
                u[2] = (uint8_t) (0x80 | (cp >> 6 & 0x3f));
                u[3] = (uint8_t) (0x80 | (cp & 0x3f));
                n = 4;
        }
        textbuf_add(t, u, n, special);
}

static int attribute_value_text(struct textbuf *t, const struct der_elem *v) {
        static const char special[] = ",+\"<>;";
        static const char hex[] = "0123456789abcdef";
        const uint8_t *p = v->content.p;
        size_t n = v->content.len;

        switch (v->tag) {
        case DER_UTF8_STRING:
        case DER_NUMERIC_STRING:
        case DER_PRINTABLE_STRING:
        case DER_TELETEX_STRING:
        case DER_IA5_STRING:
        case DER_VISIBLE_STRING:
                textbuf_add(t, p, n, special);
                return 0;
        case DER_BMP_STRING:
        case DER_UNIVERSAL_STRING: {
                size_t unit = v->tag == DER_BMP_STRING ? 2 : 4;
                if (n % unit != 0)
                        return -EBADMSG;
                for (size_t i = 0; i < n; i += unit) {
                        uint32_t cp = 0;
                        for (size_t k = 0; k < unit; k++)
                                cp = cp << 8 | p[i + k];
                        utf8_add(t, cp, special);
                }
                return 0;
        }
        default:
                textbuf_str(t, "#");
                for (size_t i = 0; i < v->whole.len; i++) {
                        char h[2] = { hex[v->whole.p[i] >> 4], hex[v->whole.p[i] & 0xf] };
                        textbuf_add(t, h, 2, NULL);
                }
                return 0;
        }
}

static int rdn_text(struct textbuf *t, struct der rdn) {
        bool first = true;

        /* SET SIZE (1..MAX) OF AttributeTypeAndValue */
        if (rdn.len == 0)
                return -EBADMSG;
        while (rdn.len > 0) {
                struct der atv, type;
                struct der_elem value;
                int r;

                if ((r = der_expect(&rdn, DER_SEQUENCE, &atv)) < 0 || (r = der_expect(&atv, DER_OID, &type)) < 0 ||
                    (r = der_next(&atv, &value)) < 0)
                        return r;
                if (atv.len != 0)
                        return -EBADMSG;
                if (!first)
                        textbuf_str(t, "+");
                first = false;
                if ((r = attribute_type_text(t, type)) < 0)
                        return r;
                textbuf_str(t, "=");
                if ((r = attribute_value_text(t, &value)) < 0)
                        return r;
        }
        return 0;
}

static int name_text(struct der name, char *buf, size_t size, bool *ret_truncated) {
        /* RFC 4514 writes the last RDN first; keep the last X509_RDNS_MAX */
        struct der rdns[X509_RDNS_MAX];
        size_t n = 0;
        struct textbuf t;
        int r;

        while (name.len > 0) {
                if ((r = der_expect(&name, DER_SET, &rdns[n % X509_RDNS_MAX])) < 0)
                        return r;
                n++;
        }
        textbuf_init(&t, buf, size);
        for (size_t i = n; i > 0 && n - i < X509_RDNS_MAX; i--) {
                if (i != n)
                        textbuf_str(&t, ", ");
                if ((r = rdn_text(&t, rdns[(i - 1) % X509_RDNS_MAX])) < 0)
                        return r;
        }
        *ret_truncated = t.truncated || n > X509_RDNS_MAX;
        return 0;
}

static int time_text(struct der *validity, char ret[static X509_TIME_MAX]) {
        struct der_elem e;
        char d[14]; /* YYYYMMDDHHMMSS */
        int r;

        if ((r = der_next(validity, &e)) < 0)
                return r;
        const char *s = (const char *) e.content.p;
        size_t n = e.content.len;
        ret[0] = 0;
        if (e.tag == DER_UTC_TIME && n == 13) {
                /* RFC 5280 4.1.2.5.1: YY below 50 is 20YY */
                bool past = s[0] >= '5';
                memcpy(d, past ? "19" : "20", 2);
                memcpy(d + 2, s, 12);
        } else if (e.tag == DER_GENERALIZED_TIME && n == 15)
                memcpy(d, s, 14);
        else if (e.tag == DER_UTC_TIME || e.tag == DER_GENERALIZED_TIME)
                return 0;
        else
                return -EBADMSG;
        if (s[n - 1] != 'Z')
                return 0;
        for (size_t i = 0; i < sizeof(d); i++)
                if (d[i] < '0' || d[i] > '9')
                        return 0;
        snprintf(ret, X509_TIME_MAX, "%.4s-%.2s-%.2sT%.2s:%.2s:%.2sZ", d, d + 4, d + 6, d + 8, d + 10, d + 12);
        return 0;
}

int x509_parse(const uint8_t *buf, size_t len, struct x509_cert *ret) {
        struct der in = { buf, len }, cert, tbs, skip, issuer, validity, subject;
        int r;

        memset(ret, 0, sizeof(*ret));
        if (len == 0 || buf[0] != DER_SEQUENCE)
                return -ENOMSG;
        if ((r = der_expect(&in, DER_SEQUENCE, &cert)) < 0 || (r = der_expect(&cert, DER_SEQUENCE, &tbs)) < 0)
                return r;
        /* version [0] EXPLICIT, absent in v1 certificates */
        if (tbs.len > 0 && tbs.p[0] == DER_EXPLICIT_0 && (r = der_expect(&tbs, DER_EXPLICIT_0, &skip)) < 0)
                return r;
        if ((r = der_expect(&tbs, DER_INTEGER, &skip)) < 0 ||   /* serialNumber */
            (r = der_expect(&tbs, DER_SEQUENCE, &skip)) < 0 ||  /* signature */
            (r = der_expect(&tbs, DER_SEQUENCE, &issuer)) < 0 ||
            (r = der_expect(&tbs, DER_SEQUENCE, &validity)) < 0 ||
            (r = der_expect(&tbs, DER_SEQUENCE, &subject)) < 0)
                return r;
        if ((r = time_text(&validity, ret->not_before)) < 0 || (r = time_text(&validity, ret->not_after)) < 0)
                return r;
        if (validity.len != 0)
                return -EBADMSG;
        if ((r = name_text(issuer, ret->issuer, sizeof(ret->issuer), &ret->issuer_truncated)) < 0 ||
            (r = name_text(subject, ret->subject, sizeof(ret->subject), &ret->subject_truncated)) < 0)
                return r;
        ret->self_issued = issuer.len == subject.len && memcmp(issuer.p, subject.p, issuer.len) == 0;
        return 0;
}
