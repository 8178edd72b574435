/* SPDX-License-Identifier: MIT */
#pragma once

/* What identifies an X.509 certificate (RFC 5280) to an analyst: subject and
 * issuer as text, the validity period. A DER walker, not a validator: the
 * signature and the extensions are not read. Pure: no I/O, no allocation.
 *
 * Names read as RFC 4514 writes them, most specific first, with ", " between
 * RDNs and "+" inside one: "CN=AnyNet Relay, O=philandro Software GmbH".
 * Well-known attribute types get their short names (CN, O, OU, C, ST, L,
 * STREET, serialNumber, DC, UID, emailAddress), others their dotted OID. In
 * values, , + " < > ; and backslash are escaped with a backslash, bytes
 * outside printable ASCII as \DDD (wire_text_append); BMPString and
 * UniversalString are turned into UTF-8 first. A value that is not a string
 * is written #<hex of its DER>. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define X509_NAME_MAX 512
#define X509_RDNS_MAX 64 /* RDNs written per name; more mark the name truncated */
#define X509_TIME_MAX 21 /* "2024-01-31T12:00:00Z" */

struct x509_cert {
        char subject[X509_NAME_MAX];
        bool subject_truncated;
        char issuer[X509_NAME_MAX];
        bool issuer_truncated;
        bool self_issued; /* subject and issuer are the same DER bytes */
        /* ISO 8601 in UTC; "" when the certificate's time is not in the
         * form RFC 5280 requires (YYMMDDHHMMSSZ, YYYYMMDDHHMMSSZ) */
        char not_before[X509_TIME_MAX];
        char not_after[X509_TIME_MAX];
};

/* buf holds one DER certificate. 0; -ENOMSG if it does not start with a
 * SEQUENCE; -EBADMSG if the DER is malformed or cut short. */
int x509_parse(const uint8_t *buf, size_t len, struct x509_cert *ret);
