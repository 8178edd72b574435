/* SPDX-License-Identifier: MIT */
#pragma once

/* SSDP (UPnP Device Architecture 2.0, section 1): HTTP-like text in one UDP
 * datagram to port 1900. The start line says what it is; the headers that
 * name a device are kept, escaped as in wire.h. Pure: no I/O, no allocation. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SSDP_VALUE_MAX 256

enum ssdp_kind {
        SSDP_NOTIFY,   /* NOTIFY * HTTP/1.1: an announcement */
        SSDP_SEARCH,   /* M-SEARCH * HTTP/1.1 */
        SSDP_RESPONSE, /* HTTP/1.1 200 OK: an answer to a search */
};

struct ssdp_header {
        bool present;
        bool truncated;
        char value[SSDP_VALUE_MAX]; /* surrounding blanks trimmed */
};

struct ssdp_msg {
        enum ssdp_kind kind;
        uint16_t status; /* SSDP_RESPONSE */
        struct ssdp_header server, usn, st, nt, nts, location;
};

/* 0; -ENOMSG when the start line is none of the three; -EBADMSG for a header
 * line without a name and colon (headers before it are in ret). Lines end
 * in CRLF or LF; an empty line or the end of the datagram ends the headers.
 * The first instance of a header counts. */
int ssdp_parse(const uint8_t *buf, size_t len, struct ssdp_msg *ret);
