/* SPDX-License-Identifier: MIT */
#pragma once

/* The opening of one direction of a TLS connection: the first bytes a TCP
 * stream carried, records and all. From a client: the ClientHello (SNI, ALPN,
 * versions, groups, the JA3 string). From a server: the ServerHello and, up
 * to TLS 1.2, the first certificate of the Certificate message (in TLS 1.3 it
 * travels encrypted). A handshake message may span several records and
 * records several TCP segments: post-quantum key shares push ClientHellos
 * past one segment. Pure: no I/O, no allocation (the handshake bytes are
 * gathered on the stack, at most TLS_HANDSHAKE_MAX of them).
 *
 * Text from the wire (SNI, ALPN) is escaped as wire_text_copy() does. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "x509.h"

/* The handshake bytes gathered; a hello, or a server's hello and first
 * certificate, that needs more is refused with -EBADMSG. */
#define TLS_HANDSHAKE_MAX 16384
#define TLS_NAME_MAX 256 /* a DNS name has at most 253 characters */
#define TLS_ALPN_MAX 8
#define TLS_ALPN_NAME_MAX 64
#define TLS_LIST_MAX 64
#define TLS_JA3_MAX 1024

#define TLS_VERSION_SSL3 0x0300
#define TLS_VERSION_1_0 0x0301
#define TLS_VERSION_1_1 0x0302
#define TLS_VERSION_1_2 0x0303
#define TLS_VERSION_1_3 0x0304

#define TLS_HANDSHAKE_CLIENT_HELLO 1
#define TLS_HANDSHAKE_SERVER_HELLO 2
#define TLS_HANDSHAKE_CERTIFICATE 11

#define TLS_EXT_SERVER_NAME 0
#define TLS_EXT_SUPPORTED_GROUPS 10
#define TLS_EXT_EC_POINT_FORMATS 11
#define TLS_EXT_ALPN 16
#define TLS_EXT_SUPPORTED_VERSIONS 43

/* Values in wire order, GREASE included; more than TLS_LIST_MAX set
 * `truncated`. */
struct tls_list {
        uint16_t items[TLS_LIST_MAX];
        size_t n;
        bool truncated;
};

struct tls_client_hello {
        uint16_t legacy_version;
        /* highest of SSL 3.0 .. TLS 1.3 in supported_versions, else legacy_version */
        uint16_t version;
        struct tls_list ciphers, extensions, supported_versions, groups, point_formats;
        char sni[TLS_NAME_MAX]; /* host_name, "" if none */
        bool sni_truncated;
        char alpn[TLS_ALPN_MAX][TLS_ALPN_NAME_MAX];
        size_t n_alpn;
        bool alpn_truncated; /* names dropped or cut */
        /* SSLVersion,Ciphers,Extensions,EllipticCurves,EllipticCurvePointFormats
         * in decimal, "-" between values, GREASE (RFC 8701) left out, as the
         * reference implementation writes it; the caller takes the MD5. Only
         * set when tls_parse() returns 0. */
        char ja3[TLS_JA3_MAX];
        bool ja3_truncated; /* useless to hash then */
};

struct tls_server_hello {
        uint16_t legacy_version;
        uint16_t version; /* supported_versions if present, else legacy_version */
        uint16_t cipher;
        struct tls_list extensions;
        char alpn[TLS_ALPN_NAME_MAX]; /* the protocol selected, "" if none */
        bool alpn_truncated;
        bool hello_retry_request; /* TLS 1.3: the client must send a second ClientHello */
};

struct tls_msg {
        uint8_t type; /* TLS_HANDSHAKE_CLIENT_HELLO or _SERVER_HELLO, 0 until known */
        struct tls_client_hello client_hello;
        struct tls_server_hello server_hello;
        /* TLS 1.3: the server's certificate is inside encrypted records */
        bool certificate_encrypted;
        bool has_certificate;
        struct x509_cert certificate; /* the first (the server's own) */
};

/* 0: the hello is complete (and, from a server up to TLS 1.2, its first
 * certificate, or the sign that none follows). -EAGAIN: more bytes are needed;
 * call again with the same start and more behind it. -ENOMSG: not a TLS
 * handshake record, or its first message is no hello. -EBADMSG: malformed, or
 * more than TLS_HANDSHAKE_MAX bytes needed. On -EAGAIN and -EBADMSG, ret holds
 * what the bytes before the gap or fault gave (type set once known; ja3 ""),
 * for a caller that can get no more. */
int tls_parse(const uint8_t *buf, size_t len, struct tls_msg *ret);

/* "TLS 1.2" and the like, NULL for other values. */
const char *tls_version_name(uint16_t version);
