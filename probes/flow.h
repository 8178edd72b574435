/* SPDX-License-Identifier: MIT */
#pragma once

/* A bounded flow table: the first bytes of each direction of a TCP flow,
 * reassembled in order, so stream parsers see a ClientHello that spans
 * several segments. Memory is capped twice: a maximum number of flows
 * (the least recently used is evicted) and a maximum of buffer bytes
 * (buffers exist only while a direction still wants parsing). A flood of new
 * flows therefore costs a fixed amount of memory. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "packet.h"

typedef uint64_t usec_t;

#define TT_FLOW_DIR_BYTES 8192 /* enough for a post-quantum ClientHello or a short certificate chain */

enum tt_flow_dir {
        TT_FLOW_CLIENT, /* from the side that opened the flow */
        TT_FLOW_SERVER,
};

struct tt_flow_key {
        uint8_t family, proto;
        uint16_t cport, sport; /* client and server ports */
        uint8_t caddr[16], saddr[16];
};

struct tt_flow {
        struct tt_flow_key key;
        uint64_t hash; /* of the key, the same from either end */
        struct tt_flow *hash_next;
        struct tt_flow *lru_prev, *lru_next;
        usec_t first_seen, last_seen;
        usec_t t_syn, t_synack, t_ack; /* handshake times for RTT, 0 if unseen */
        bool saw_syn;
        bool announced;    /* the flow observation was emitted */
        bool observed[2];  /* this direction's stream gave an observation */
        usec_t refreshed;  /* when its observations were last said to be still seen */
        bool done[2];      /* this direction needs no more bytes */
        bool seq_known[2];
        uint32_t next_seq[2];
        uint8_t *buf[2];
        uint32_t len[2];
        uint32_t parser_state[2]; /* free for the dispatcher */
};

struct tt_flow_table;

struct tt_flow_limits {
        size_t max_flows;
        size_t max_buffer_bytes;
        usec_t idle_timeout;
};

int tt_flow_table_new(const struct tt_flow_limits *limits, struct tt_flow_table **ret);
void tt_flow_table_free(struct tt_flow_table *t);

/* Finds or creates the flow of a TCP or UDP packet. *ret_dir says which side
 * sent it. A TCP packet without SYN for an unknown flow starts a flow whose
 * client is the sender (mid-stream capture). */
int tt_flow_lookup(struct tt_flow_table *t, const struct tt_packet *pk, usec_t now, struct tt_flow **ret,
                   enum tt_flow_dir *ret_dir);
/* Appends a TCP payload in sequence order; data past a gap ends that
 * direction (done), unless nothing was gathered yet: then it overtook the
 * first segment, which is still awaited. Returns 1 if bytes were added. */
int tt_flow_append(struct tt_flow_table *t, struct tt_flow *f, enum tt_flow_dir dir, uint32_t seq,
                   const uint8_t *data, size_t len);
/* The direction needs no more bytes: its buffer goes back to the budget. */
void tt_flow_finish(struct tt_flow_table *t, struct tt_flow *f, enum tt_flow_dir dir);
/* Drops flows idle longer than the timeout. Returns how many. */
size_t tt_flow_expire(struct tt_flow_table *t, usec_t now);

struct tt_flow_stats {
        size_t flows, peak_flows;
        size_t buffer_bytes, peak_buffer_bytes;
        uint64_t created, evicted, expired, buffer_denied;
};
void tt_flow_stats(const struct tt_flow_table *t, struct tt_flow_stats *ret);
