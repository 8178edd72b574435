/* SPDX-License-Identifier: MIT */
#include "flow.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>

#include "util.h"

struct tt_flow_table {
        struct tt_flow_limits limits;
        size_t n_buckets;
        struct tt_flow **buckets;
        struct tt_flow *lru_head, *lru_tail; /* head: most recently used */
        uint64_t seed;
        struct tt_flow_stats stats;
};

int tt_flow_table_new(const struct tt_flow_limits *limits, struct tt_flow_table **ret) {
        struct tt_flow_table *t = calloc(1, sizeof(*t));
        if (!t)
                return -ENOMEM;
        t->limits = *limits;
        t->n_buckets = 1;
        while (t->n_buckets < limits->max_flows)
                t->n_buckets <<= 1;
        t->buckets = calloc(t->n_buckets, sizeof(struct tt_flow *));
        if (!t->buckets) {
                free(t);
                return -ENOMEM;
        }
        /* A keyed hash, so a crafted flood can't pile flows into one bucket. */
        if (getrandom(&t->seed, sizeof(t->seed), GRND_NONBLOCK) != sizeof(t->seed))
                t->seed = (uint64_t) (uintptr_t) t ^ 0x9e3779b97f4a7c15ULL;
        *ret = t;
        return 0;
}

static void flow_free_buffers(struct tt_flow_table *t, struct tt_flow *f) {
        for (int d = 0; d < 2; d++)
                if (f->buf[d]) {
                        free(f->buf[d]);
                        f->buf[d] = NULL;
                        t->stats.buffer_bytes -= TT_FLOW_DIR_BYTES;
                }
}

void tt_flow_table_free(struct tt_flow_table *t) {
        if (!t)
                return;
        struct tt_flow *f = t->lru_head;
        while (f) {
                struct tt_flow *n = f->lru_next;
                flow_free_buffers(t, f);
                free(f);
                f = n;
        }
        free(t->buckets);
        free(t);
}

/* Keyed, and the same for both directions of a flow, so one bucket walk
 * finds a flow whichever end sent the packet. */
static uint64_t endpoint_hash(uint64_t seed, const uint8_t *addr, uint16_t port) {
        uint64_t a, b;
        memcpy(&a, addr, 8);
        memcpy(&b, addr + 8, 8);
        uint64_t h = (seed ^ a) * 0x9e3779b97f4a7c15ULL;
        h = (h ^ (h >> 29) ^ b) * 0xbf58476d1ce4e5b9ULL;
        h = (h ^ (h >> 32) ^ port) * 0x94d049bb133111ebULL;
        return h ^ (h >> 31);
}

static uint64_t key_hash(const struct tt_flow_table *t, const struct tt_flow_key *k) {
        uint64_t h = endpoint_hash(t->seed, k->caddr, k->cport) + endpoint_hash(t->seed, k->saddr, k->sport);
        h = (h ^ ((uint64_t) k->family << 8 | k->proto)) * 0xff51afd7ed558ccdULL;
        return h ^ (h >> 33);
}

static void key_make(const struct tt_packet *pk, bool sender_is_client, struct tt_flow_key *k) {
        size_t alen = pk->family == AF_INET ? 4 : 16;
        memset(k, 0, sizeof(*k));
        k->family = (uint8_t) pk->family;
        k->proto = pk->ip_proto;
        if (sender_is_client) {
                memcpy(k->caddr, pk->src, alen);
                memcpy(k->saddr, pk->dst, alen);
                k->cport = pk->sport;
                k->sport = pk->dport;
        } else {
                memcpy(k->caddr, pk->dst, alen);
                memcpy(k->saddr, pk->src, alen);
                k->cport = pk->dport;
                k->sport = pk->sport;
        }
}

static void lru_unlink(struct tt_flow_table *t, struct tt_flow *f) {
        if (f->lru_prev)
                f->lru_prev->lru_next = f->lru_next;
        else
                t->lru_head = f->lru_next;
        if (f->lru_next)
                f->lru_next->lru_prev = f->lru_prev;
        else
                t->lru_tail = f->lru_prev;
        f->lru_prev = f->lru_next = NULL;
}

static void lru_push_front(struct tt_flow_table *t, struct tt_flow *f) {
        f->lru_next = t->lru_head;
        f->lru_prev = NULL;
        if (t->lru_head)
                t->lru_head->lru_prev = f;
        t->lru_head = f;
        if (!t->lru_tail)
                t->lru_tail = f;
}

static void flow_remove(struct tt_flow_table *t, struct tt_flow *f) {
        struct tt_flow **pp = &t->buckets[f->hash & (t->n_buckets - 1)];
        while (*pp && *pp != f)
                pp = &(*pp)->hash_next;
        if (*pp)
                *pp = f->hash_next;
        lru_unlink(t, f);
        flow_free_buffers(t, f);
        free(f);
        t->stats.flows--;
}

/* The flow of k in either orientation; *ret_reversed when k is the server's view. */
static struct tt_flow *bucket_find(struct tt_flow_table *t, const struct tt_flow_key *k, uint64_t hash,
                                   bool *ret_reversed) {
        for (struct tt_flow *f = t->buckets[hash & (t->n_buckets - 1)]; f; f = f->hash_next) {
                if (f->hash != hash || f->key.family != k->family || f->key.proto != k->proto)
                        continue;
                if (f->key.cport == k->cport && f->key.sport == k->sport &&
                    memcmp(f->key.caddr, k->caddr, 16) == 0 && memcmp(f->key.saddr, k->saddr, 16) == 0) {
                        *ret_reversed = false;
                        return f;
                }
                if (f->key.cport == k->sport && f->key.sport == k->cport &&
                    memcmp(f->key.caddr, k->saddr, 16) == 0 && memcmp(f->key.saddr, k->caddr, 16) == 0) {
                        *ret_reversed = true;
                        return f;
                }
        }
        return NULL;
}

int tt_flow_lookup(struct tt_flow_table *t, const struct tt_packet *pk, usec_t now, struct tt_flow **ret,
                   enum tt_flow_dir *ret_dir) {
        struct tt_flow_key k;
        key_make(pk, true, &k);
        uint64_t hash = key_hash(t, &k);
        bool reversed = false;
        struct tt_flow *f = bucket_find(t, &k, hash, &reversed);
        enum tt_flow_dir dir = reversed ? TT_FLOW_SERVER : TT_FLOW_CLIENT;
        if (!f) {
                /* A SYN-ACK seen before its SYN: the sender is the server. */
                bool synack = pk->ip_proto == 6 && (pk->tcp_flags & (TT_TCP_SYN | TT_TCP_ACK)) == (TT_TCP_SYN | TT_TCP_ACK);
                dir = synack ? TT_FLOW_SERVER : TT_FLOW_CLIENT;
                key_make(pk, !synack, &k);
                while (t->stats.flows >= t->limits.max_flows && t->lru_tail) {
                        flow_remove(t, t->lru_tail);
                        t->stats.evicted++;
                }
                f = calloc(1, sizeof(*f));
                if (!f)
                        return -ENOMEM;
                f->key = k;
                f->hash = hash;
                f->first_seen = now;
                size_t b = hash & (t->n_buckets - 1);
                f->hash_next = t->buckets[b];
                t->buckets[b] = f;
                lru_push_front(t, f);
                t->stats.flows++;
                t->stats.created++;
                t->stats.peak_flows = MAX(t->stats.peak_flows, t->stats.flows);
        } else if (t->lru_head != f) {
                lru_unlink(t, f);
                lru_push_front(t, f);
        }
        f->last_seen = now;
        if (pk->ip_proto == 6) {
                uint8_t fl = pk->tcp_flags;
                if ((fl & (TT_TCP_SYN | TT_TCP_ACK)) == TT_TCP_SYN && dir == TT_FLOW_CLIENT) {
                        f->saw_syn = true;
                        if (!f->t_syn)
                                f->t_syn = now;
                        f->next_seq[TT_FLOW_CLIENT] = pk->seq + 1;
                        f->seq_known[TT_FLOW_CLIENT] = true;
                } else if ((fl & (TT_TCP_SYN | TT_TCP_ACK)) == (TT_TCP_SYN | TT_TCP_ACK) && dir == TT_FLOW_SERVER) {
                        if (!f->t_synack)
                                f->t_synack = now;
                        f->next_seq[TT_FLOW_SERVER] = pk->seq + 1;
                        f->seq_known[TT_FLOW_SERVER] = true;
                } else if ((fl & TT_TCP_ACK) && dir == TT_FLOW_CLIENT && f->t_synack && !f->t_ack)
                        f->t_ack = now;
        }
        *ret = f;
        *ret_dir = dir;
        return 0;
}

int tt_flow_append(struct tt_flow_table *t, struct tt_flow *f, enum tt_flow_dir dir, uint32_t seq,
                   const uint8_t *data, size_t len) {
        if (f->done[dir] || len == 0)
                return 0;
        if (!f->seq_known[dir]) {
                /* Mid-stream: take this segment as the start. */
                f->next_seq[dir] = seq;
                f->seq_known[dir] = true;
        }
        int32_t delta = (int32_t) (seq - f->next_seq[dir]);
        if (delta > 0) {
                /* Before anything was gathered, a segment that overtook the
                 * first (reordering on the way): the first is still to come.
                 * After, the missing bytes will not come back in a capture. */
                if (f->len[dir] > 0)
                        tt_flow_finish(t, f, dir);
                return 0;
        }
        size_t skip = (size_t) -delta; /* retransmitted overlap */
        if (skip >= len)
                return 0;
        data += skip;
        len -= skip;
        if (!f->buf[dir]) {
                if (t->stats.buffer_bytes + TT_FLOW_DIR_BYTES > t->limits.max_buffer_bytes) {
                        t->stats.buffer_denied++;
                        f->done[dir] = true;
                        return 0;
                }
                f->buf[dir] = malloc(TT_FLOW_DIR_BYTES);
                if (!f->buf[dir])
                        return -ENOMEM;
                t->stats.buffer_bytes += TT_FLOW_DIR_BYTES;
                t->stats.peak_buffer_bytes = MAX(t->stats.peak_buffer_bytes, t->stats.buffer_bytes);
        }
        size_t room = TT_FLOW_DIR_BYTES - f->len[dir];
        size_t n = MIN(room, len);
        memcpy(f->buf[dir] + f->len[dir], data, n);
        f->len[dir] += (uint32_t) n;
        f->next_seq[dir] += (uint32_t) len;
        return n > 0;
}

void tt_flow_finish(struct tt_flow_table *t, struct tt_flow *f, enum tt_flow_dir dir) {
        f->done[dir] = true;
        if (f->buf[dir]) {
                free(f->buf[dir]);
                f->buf[dir] = NULL;
                f->len[dir] = 0;
                t->stats.buffer_bytes -= TT_FLOW_DIR_BYTES;
        }
}

size_t tt_flow_expire(struct tt_flow_table *t, usec_t now) {
        size_t n = 0;
        while (t->lru_tail && t->lru_tail->last_seen + t->limits.idle_timeout < now) {
                flow_remove(t, t->lru_tail);
                n++;
        }
        t->stats.expired += n;
        return n;
}

void tt_flow_stats(const struct tt_flow_table *t, struct tt_flow_stats *ret) {
        *ret = t->stats;
}
