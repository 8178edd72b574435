/* SPDX-License-Identifier: MIT */
#pragma once

/* Parsed protocol events to observations: the one place that knows both a
 * parser's output and the observation vocabulary (core/kind.c). */

#include <arpa/inet.h>
#include <stdbool.h>
#include <stdint.h>

#include "dnscache.h"
#include "packet.h"
#include "probe.h"

typedef uint64_t usec_t;

/* A flow's endpoints: src is the side that opened it (the client). */
struct tt_netobs_meta {
        char src[INET6_ADDRSTRLEN], dst[INET6_ADDRSTRLEN];
        uint16_t sport, dport;
        const char *direction; /* inbound, outbound, internal, transit */
        const char *dst_name; /* from an earlier DNS answer, may be NULL (set for flows only) */
        struct tt_dnscache *names;
        const uint8_t *src_mac; /* may be NULL */
        bool from_server; /* stream bytes are the server's */
        usec_t rtt_usec;  /* handshake round trip as seen here, 0 if unseen */
        usec_t ts;
};

/* Each returns the number of observations emitted, or a negative errno.
 * tt_netobs_stream() returns -EAGAIN while the message is still incomplete;
 * *state is the flow direction's dispatcher state (0 at the start). With
 * final, no more bytes will come: an incomplete ClientHello gives what its
 * start holds (SNI, ALPN; no JA3). */
int tt_netobs_stream(struct tt_probe_ctx *ctx, const struct tt_netobs_meta *m, const uint8_t *buf, size_t len,
                     uint32_t *state, bool final);
/* The subject of what tt_netobs_stream() emits for this direction and
 * state; false when it emits nothing there. */
bool tt_netobs_stream_subject(const struct tt_netobs_meta *m, uint32_t state, char *buf, size_t size);
int tt_netobs_datagram(struct tt_probe_ctx *ctx, const struct tt_netobs_meta *m, const struct tt_packet *pk);
/* Whether tt_netobs_datagram() reads datagrams between these ports. */
bool tt_netobs_datagram_port(uint16_t sport, uint16_t dport);
int tt_netobs_arp(struct tt_probe_ctx *ctx, const struct tt_packet *pk, usec_t ts);
int tt_netobs_flow(struct tt_probe_ctx *ctx, const struct tt_netobs_meta *m, const char *proto);
