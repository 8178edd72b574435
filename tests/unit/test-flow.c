/* SPDX-License-Identifier: MIT */
/* Frame decoding, the bounded flow table and the DNS name cache. */
#include <arpa/inet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <cmocka.h>

#include "dnscache.h"
#include "flow.h"
#include "packet.h"
#include "util.h"

static size_t corpus(const char *name, uint8_t *buf, size_t size) {
        char p[1024];
        snprintf(p, sizeof(p), "%s/tests/fuzz/corpus/packet/%s", TT_SOURCE_DIR, name);
        FILE *f = fopen(p, "rb");
        assert_non_null(f);
        size_t n = fread(buf, 1, size, f);
        fclose(f);
        return n;
}

static void test_decode(void **state) {
        uint8_t buf[2048];
        struct tt_packet pk;
        size_t n = corpus("eth-tcp-syn", buf, sizeof(buf));
        assert_int_equal(tt_packet_decode(TT_LINKTYPE_ETHERNET, buf + 1, n - 1, &pk), 0);
        assert_int_equal(pk.family, AF_INET);
        assert_int_equal(pk.ip_proto, 6);
        assert_int_equal(pk.dport, 443);
        assert_int_equal(pk.tcp_flags & TT_TCP_SYN, TT_TCP_SYN);
        char a[64];
        assert_string_equal(inet_ntop(AF_INET, pk.dst, a, sizeof(a)), "203.0.113.9");

        n = corpus("eth-qinq-v6-tcp", buf, sizeof(buf));
        assert_int_equal(tt_packet_decode(TT_LINKTYPE_ETHERNET, buf + 1, n - 1, &pk), 0);
        assert_int_equal(pk.vlan, 7);
        assert_int_equal(pk.family, AF_INET6);
        assert_int_equal(pk.payload_len, 12);
        assert_memory_equal(pk.payload, "RFB 003.008\n", 12);

        n = corpus("sll-tcp", buf, sizeof(buf));
        assert_int_equal(tt_packet_decode(TT_LINKTYPE_LINUX_SLL, buf + 1, n - 1, &pk), 0);
        assert_true(pk.has_mac);
        assert_int_equal(pk.src_mac[0], 0xb8);
        assert_int_equal(pk.dport, 22);

        n = corpus("sll2-udp-ssdp", buf, sizeof(buf));
        assert_int_equal(tt_packet_decode(TT_LINKTYPE_LINUX_SLL2, buf + 1, n - 1, &pk), 0);
        assert_int_equal(pk.src_mac[0], 0x48);
        assert_int_equal(pk.dport, 1900);

        n = corpus("raw-v6-ext", buf, sizeof(buf));
        assert_int_equal(tt_packet_decode(TT_LINKTYPE_RAW, buf + 1, n - 1, &pk), 0);
        assert_int_equal(pk.ip_proto, 6);
        assert_int_equal(pk.dport, 3389);

        n = corpus("raw-v6-frag", buf, sizeof(buf));
        assert_int_equal(tt_packet_decode(TT_LINKTYPE_RAW, buf + 1, n - 1, &pk), 0);
        assert_true(pk.fragment);
        assert_null(pk.payload);

        n = corpus("eth-arp", buf, sizeof(buf));
        assert_int_equal(tt_packet_decode(TT_LINKTYPE_ETHERNET, buf + 1, n - 1, &pk), 0);
        assert_non_null(pk.arp);
        assert_int_equal(pk.arp_len, 28);

        /* truncated at every length: an error or a result inside the buffer, never a crash */
        n = corpus("eth-qinq-v6-tcp", buf, sizeof(buf));
        for (size_t len = 0; len < n - 1; len++) {
                uint8_t *copy = malloc(len ? len : 1);
                memcpy(copy, buf + 1, len);
                int r = tt_packet_decode(TT_LINKTYPE_ETHERNET, copy, len, &pk);
                if (r == 0 && pk.payload)
                        assert_true(pk.payload + pk.payload_len <= copy + len);
                free(copy);
        }
        n = corpus("raw-v4-truncated-tcp", buf, sizeof(buf));
        assert_int_equal(tt_packet_decode(TT_LINKTYPE_RAW, buf + 1, n - 1, &pk), -EBADMSG);
        assert_int_equal(tt_packet_decode(999, buf, 10, &pk), -ENOMSG);
}

static struct tt_packet tcp(const char *src, uint16_t sport, const char *dst, uint16_t dport, uint8_t flags,
                            uint32_t seq, const char *payload) {
        struct tt_packet pk = { .family = AF_INET, .ip_proto = 6, .sport = sport, .dport = dport,
                                .tcp_flags = flags, .seq = seq };
        inet_pton(AF_INET, src, pk.src);
        inet_pton(AF_INET, dst, pk.dst);
        pk.payload = (const uint8_t *) payload;
        pk.payload_len = payload ? strlen(payload) : 0;
        return pk;
}

static void test_flow_reassembly(void **state) {
        struct tt_flow_limits lim = { .max_flows = 16, .max_buffer_bytes = 4 * TT_FLOW_DIR_BYTES,
                                      .idle_timeout = 60000000 };
        struct tt_flow_table *t;
        assert_int_equal(tt_flow_table_new(&lim, &t), 0);
        struct tt_flow *f, *g;
        enum tt_flow_dir d;
        struct tt_packet syn = tcp("10.0.0.2", 40000, "203.0.113.9", 443, TT_TCP_SYN, 100, NULL);
        assert_int_equal(tt_flow_lookup(t, &syn, 1000, &f, &d), 0);
        assert_int_equal(d, TT_FLOW_CLIENT);
        struct tt_packet synack = tcp("203.0.113.9", 443, "10.0.0.2", 40000, TT_TCP_SYN | TT_TCP_ACK, 900, NULL);
        assert_int_equal(tt_flow_lookup(t, &synack, 51000, &g, &d), 0);
        assert_ptr_equal(f, g);
        assert_int_equal(d, TT_FLOW_SERVER);
        assert_int_equal(f->t_synack - f->t_syn, 50000);

        /* The second segment overtakes the first: it is dropped and the first
         * still awaited; after the first, a gap ends the direction. */
        struct tt_flow_table *t2;
        assert_int_equal(tt_flow_table_new(&lim, &t2), 0);
        assert_int_equal(tt_flow_lookup(t2, &syn, 1, &g, &d), 0);
        assert_int_equal(tt_flow_append(t2, g, TT_FLOW_CLIENT, 106, (const uint8_t *) "world", 5), 0);
        assert_false(g->done[TT_FLOW_CLIENT]);
        assert_null(g->buf[TT_FLOW_CLIENT]);
        assert_int_equal(tt_flow_append(t2, g, TT_FLOW_CLIENT, 101, (const uint8_t *) "hello", 5), 1);
        assert_memory_equal(g->buf[TT_FLOW_CLIENT], "hello", 5);
        assert_int_equal(tt_flow_append(t2, g, TT_FLOW_CLIENT, 111, (const uint8_t *) "again", 5), 0);
        assert_true(g->done[TT_FLOW_CLIENT]);
        tt_flow_table_free(t2);

        /* in order, with a retransmitted overlap */
        assert_int_equal(tt_flow_append(t, f, TT_FLOW_CLIENT, 101, (const uint8_t *) "hello", 5), 1);
        assert_int_equal(tt_flow_append(t, f, TT_FLOW_CLIENT, 103, (const uint8_t *) "llo wor", 7), 1);
        assert_int_equal(tt_flow_append(t, f, TT_FLOW_CLIENT, 101, (const uint8_t *) "hel", 3), 0);
        assert_int_equal(f->len[TT_FLOW_CLIENT], 9);
        assert_memory_equal(f->buf[TT_FLOW_CLIENT], "hello wor", 9);
        tt_flow_finish(t, f, TT_FLOW_CLIENT);
        assert_null(f->buf[TT_FLOW_CLIENT]);
        struct tt_flow_stats st;
        tt_flow_stats(t, &st);
        assert_int_equal(st.buffer_bytes, 0);
        tt_flow_table_free(t);
}

static void test_flow_flood_is_bounded(void **state) {
        struct tt_flow_limits lim = { .max_flows = 64, .max_buffer_bytes = 8 * TT_FLOW_DIR_BYTES,
                                      .idle_timeout = 1000000 };
        struct tt_flow_table *t;
        assert_int_equal(tt_flow_table_new(&lim, &t), 0);
        for (uint32_t i = 0; i < 100000; i++) {
                char src[32];
                snprintf(src, sizeof(src), "10.%u.%u.%u", (i >> 16) & 255, (i >> 8) & 255, i & 255);
                struct tt_packet pk = tcp(src, (uint16_t) (i * 7), "203.0.113.9", 443, TT_TCP_SYN, i, NULL);
                struct tt_flow *f;
                enum tt_flow_dir d;
                assert_int_equal(tt_flow_lookup(t, &pk, i, &f, &d), 0);
                assert_true(tt_flow_append(t, f, TT_FLOW_CLIENT, i + 1, (const uint8_t *) "\x16\x03\x01", 3) >= 0);
        }
        struct tt_flow_stats st;
        tt_flow_stats(t, &st);
        assert_true(st.peak_flows <= 64);
        assert_true(st.peak_buffer_bytes <= 8 * TT_FLOW_DIR_BYTES);
        assert_int_equal(st.created, 100000);
        assert_true(st.evicted >= 100000 - 64);
        assert_true(tt_flow_expire(t, 10000000) > 0);
        tt_flow_stats(t, &st);
        assert_int_equal(st.flows, 0);
        tt_flow_table_free(t);
}

static void test_dnscache(void **state) {
        struct tt_dnscache *c;
        assert_int_equal(tt_dnscache_new(64, &c), 0);
        uint8_t a[4] = { 203, 0, 113, 9 }, b[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 };
        tt_dnscache_put(c, AF_INET, a, "relay-1.net.anydesk.com", 1);
        tt_dnscache_put(c, AF_INET6, b, "v6.example.org", 2);
        assert_string_equal(tt_dnscache_get(c, AF_INET, a), "relay-1.net.anydesk.com");
        assert_string_equal(tt_dnscache_get(c, AF_INET6, b), "v6.example.org");
        tt_dnscache_put(c, AF_INET, a, "newer.example.com", 3);
        assert_string_equal(tt_dnscache_get(c, AF_INET, a), "newer.example.com");
        /* a flood keeps the table's size */
        for (uint32_t i = 0; i < 10000; i++) {
                uint8_t x[4] = { 198, 51, (uint8_t) (i >> 8), (uint8_t) i };
                tt_dnscache_put(c, AF_INET, x, "flood.example", 10 + i);
        }
        uint8_t last[4] = { 198, 51, (uint8_t) (9999 >> 8), (uint8_t) 9999 };
        assert_string_equal(tt_dnscache_get(c, AF_INET, last), "flood.example");
        tt_dnscache_free(c);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_decode),
                cmocka_unit_test(test_flow_reassembly),
                cmocka_unit_test(test_flow_flood_is_bounded),
                cmocka_unit_test(test_dnscache),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
