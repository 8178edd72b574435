/* SPDX-License-Identifier: MIT */
/* The live capture's kernel filter (tt_netprobe_bpf): it compiles for the
 * link types live capture meets, passes what the parsers need and drops
 * bulk data; and on the scenario captures it loses no observation. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <cmocka.h>
#include <pcap/pcap.h>

#include "pcap-frames.h"
#include "pcap.h"
#include "util.h"

/* linux/filter.h's BPF_MAXINSNS: the most a socket filter may have */
#define KERNEL_BPF_MAXINSNS 4096

static const int linktypes[] = { DLT_EN10MB, DLT_LINUX_SLL, DLT_LINUX_SLL2, DLT_RAW };

static pcap_t *dead_compiled(int linktype, bool skip_loopback, struct bpf_program *prog) {
        pcap_t *p = pcap_open_dead(linktype, 65535);
        assert_non_null(p);
        if (tt_netprobe_filter_compile(p, skip_loopback, prog) < 0)
                fail_msg("linktype %d: %s", linktype, pcap_geterr(p));
        return p;
}

static void test_compiles(void **state) {
        for (size_t i = 0; i < ELEMENTSOF(linktypes); i++) {
                struct bpf_program prog;
                pcap_t *p = dead_compiled(linktypes[i], false, &prog);
                /* Unoptimised too: the kernel gets what libpcap makes either way. */
                struct bpf_program plain;
                assert_int_equal(pcap_compile(p, &plain, tt_netprobe_bpf, 0, PCAP_NETMASK_UNKNOWN), 0);
                assert_true(prog.bf_len > 0 && prog.bf_len <= KERNEL_BPF_MAXINSNS);
                pcap_freecode(&plain);
                pcap_freecode(&prog);
                pcap_close(p);
        }
}

static bool passes(const struct bpf_program *prog, const struct frame *f) {
        struct pcap_pkthdr h = { .caplen = (bpf_u_int32) f->len, .len = (bpf_u_int32) f->len };
        return pcap_offline_filter(prog, &h, f->b) != 0;
}

static void fill(uint8_t *b, size_t n) {
        for (size_t i = 0; i < n; i++)
                b[i] = (uint8_t) (i * 7 + 3);
}

struct verdict {
        const char *what;
        bool pass;
        struct frame f;
};

/* The same cases on each link type, over IPv4 and IPv6. */
static size_t cases(enum frame_link link, const char *a, const char *b, struct verdict *v) {
        static uint8_t bulk[1448], tls[1448], small[1199], edge[1200], dns[512], wg[1400];
        fill(bulk, sizeof(bulk));
        fill(tls, sizeof(tls));
        memcpy(tls, "\x16\x03\x01\x10\x00\x01\x00\x0f\xfc", 9);
        fill(small, sizeof(small));
        fill(edge, sizeof(edge));
        fill(wg, sizeof(wg));
        size_t dns_len = frame_dns_query(dns, "relay-1.net.anydesk.com");
        uint8_t wg_init[148] = { 1, 0, 0, 0 };
        size_t n = 0;
#define CASE(desc, verdict, build)                                                                                \
        do {                                                                                                     \
                v[n].what = desc;                                                                                \
                v[n].pass = verdict;                                                                             \
                struct frame *f = &v[n].f;                                                                       \
                build;                                                                                           \
                n++;                                                                                             \
        } while (0)
        CASE("SYN", true, frame_tcp(f, link, a, 40000, b, 443, 0x02, 1, NULL, 0));
        CASE("SYN-ACK", true, frame_tcp(f, link, b, 443, a, 40000, 0x12, 1, NULL, 0));
        CASE("FIN", true, frame_tcp(f, link, a, 40000, b, 443, 0x11, 1, NULL, 0));
        CASE("RST", true, frame_tcp(f, link, a, 40000, b, 443, 0x04, 1, NULL, 0));
        CASE("a pure ACK", false, frame_tcp(f, link, a, 40000, b, 443, 0x10, 1, NULL, 0));
        CASE("a full-size bulk segment", false, frame_tcp(f, link, b, 443, a, 40000, 0x10, 1, bulk, sizeof(bulk)));
        CASE("a full-size pushed bulk segment", false,
             frame_tcp(f, link, b, 443, a, 40000, 0x18, 1, bulk, sizeof(bulk)));
        CASE("a 1200-byte segment", false, frame_tcp(f, link, b, 443, a, 40000, 0x10, 1, edge, sizeof(edge)));
        CASE("a 1199-byte segment", true, frame_tcp(f, link, a, 40000, b, 443, 0x18, 1, small, sizeof(small)));
        CASE("a banner", true, frame_tcp(f, link, b, 5900, a, 40000, 0x18, 1, "RFB 003.008\n", 12));
        CASE("a full-size TLS record start", true, frame_tcp(f, link, a, 40000, b, 8443, 0x10, 1, tls, sizeof(tls)));
        CASE("DNS", true, frame_udp(f, link, a, 53000, b, 53, dns, dns_len));
        CASE("a DNS answer", true, frame_udp(f, link, b, 53, a, 53000, dns, dns_len));
        CASE("mDNS", true, frame_udp(f, link, b, 5353, a, 5353, dns, dns_len));
        CASE("DHCP", true, frame_udp(f, link, a, 68, b, 67, small, 300));
        CASE("SSDP", true, frame_udp(f, link, b, 1900, a, 1900, small, 200));
        CASE("TeamViewer on UDP", true, frame_udp(f, link, a, 50000, b, 5938, "\x17\x24\x0a\x20\x00", 5));
        CASE("WireGuard bulk", false, frame_udp(f, link, a, 51820, b, 51820, wg, sizeof(wg)));
        CASE("a WireGuard handshake", true, frame_udp(f, link, a, 51820, b, 51820, wg_init, sizeof(wg_init)));
        CASE("ZeroTier bulk", false, frame_udp(f, link, a, 9993, b, 9993, wg, sizeof(wg)));
        CASE("QUIC bulk", false, frame_udp(f, link, b, 443, a, 50000, wg, sizeof(wg)));
        CASE("other UDP", false, frame_udp(f, link, a, 50000, b, 9000, small, 64));
#undef CASE
        return n;
}

static void check_cases(int linktype, enum frame_link link, bool skip_loopback) {
        struct bpf_program prog;
        pcap_t *p = dead_compiled(linktype, skip_loopback, &prog);
        static struct verdict v[64];
        const char *const pairs[][2] = { { "192.168.50.10", "203.0.113.9" }, { "2001:db8::10", "2001:db8:1::9" } };
        for (size_t k = 0; k < ELEMENTSOF(pairs); k++) {
                size_t n = cases(link, pairs[k][0], pairs[k][1], v);
                for (size_t i = 0; i < n; i++)
                        if (passes(&prog, &v[i].f) != v[i].pass)
                                fail_msg("linktype %d, %s: %s should %s", linktype, pairs[k][0], v[i].what,
                                         v[i].pass ? "pass" : "be dropped");
        }
        pcap_freecode(&prog);
        pcap_close(p);
}

static void test_ethernet(void **state) {
        check_cases(DLT_EN10MB, FRAME_ETHERNET, false);
}

static void test_cooked(void **state) {
        check_cases(DLT_LINUX_SLL, FRAME_SLL, false);
}

/* Linux's "any" device in cooked v2: the same verdicts on other
 * interfaces; on loopback (ifindex 1) nothing passes when it is left out. */
static void test_cooked_v2(void **state) {
        check_cases(DLT_LINUX_SLL2, FRAME_SLL2, false);
        check_cases(DLT_LINUX_SLL2, FRAME_SLL2, true);
        struct bpf_program with, without;
        pcap_t *p = dead_compiled(DLT_LINUX_SLL2, false, &with);
        pcap_t *q = dead_compiled(DLT_LINUX_SLL2, true, &without);
        static struct verdict v[64];
        size_t n = cases(FRAME_SLL2, "127.0.0.1", "127.0.0.53", v);
        for (size_t i = 0; i < n; i++) {
                frame_put32(v[i].f.b + 4, 1);
                if (passes(&with, &v[i].f) != v[i].pass)
                        fail_msg("loopback kept: %s should %s", v[i].what, v[i].pass ? "pass" : "be dropped");
                if (passes(&without, &v[i].f))
                        fail_msg("loopback left out: %s should be dropped", v[i].what);
        }
        pcap_freecode(&with);
        pcap_freecode(&without);
        pcap_close(p);
        pcap_close(q);
}

/* A tag the NIC did not strip: the same verdicts behind it. */
static void test_vlan(void **state) {
        struct bpf_program prog;
        pcap_t *p = dead_compiled(DLT_EN10MB, false, &prog);
        static struct verdict v[64];
        size_t n = cases(FRAME_ETHERNET, "192.168.50.10", "203.0.113.9", v);
        for (size_t i = 0; i < n; i++) {
                struct frame *f = &v[i].f;
                memmove(f->b + 16, f->b + 12, f->len - 12);
                memcpy(f->b + 12, "\x81\x00\x00\x2a", 4);
                f->len += 4;
                if (passes(&prog, f) != v[i].pass)
                        fail_msg("VLAN 42: %s should %s", v[i].what, v[i].pass ? "pass" : "be dropped");
        }
        pcap_freecode(&prog);
        pcap_close(p);
}

static void test_arp(void **state) {
        struct bpf_program prog;
        pcap_t *p = dead_compiled(DLT_EN10MB, false, &prog);
        struct frame f = { .len = 42 };
        memcpy(f.b, "\xff\xff\xff\xff\xff\xff\x02\x00\x00\x00\x00\x02\x08\x06", 14);
        memcpy(f.b + 14, "\x00\x01\x08\x00\x06\x04\x00\x01", 8);
        assert_true(passes(&prog, &f));
        /* ICMP: nothing reads it. */
        uint8_t *l4;
        frame_ip(&f, FRAME_ETHERNET, "192.168.50.10", "203.0.113.9", 1, 8, "ping", 4, &l4);
        assert_false(passes(&prog, &f));
        pcap_freecode(&prog);
        pcap_close(p);
}

/* --- the filter on whole captures: it must lose no observation --------------------------------- */

struct seen {
        char lines[512][320];
        size_t n;
};

/* What an observation says, without what a dropped pure ACK or a lost
 * middle segment may change (JA3, RTT, the version a late extension gives). */
static int collect(void *userdata, const char *probe, const struct tt_observation *o) {
        struct seen *s = userdata;
        static const char *const keys[] = { "name", "sni", "alpn", "cert_subject", "service", "host", "hostname",
                                            "mac", "banner", "cookie", "command", "src", "dst", "dport" };
        char line[320];
        int len = snprintf(line, sizeof(line), "%s %s", o->kind, o->subject);
        for (size_t i = 0; i < o->n_attrs && len > 0 && (size_t) len < sizeof(line); i++) {
                bool wanted = false;
                for (size_t k = 0; k < ELEMENTSOF(keys); k++)
                        wanted = wanted || streq(keys[k], o->attrs[i].key);
                if (!wanted || (streq(o->kind, "rfb") && streq(o->attrs[i].key, "version")))
                        continue;
                char buf[32];
                len += snprintf(line + len, sizeof(line) - (size_t) len, " %s=%s", o->attrs[i].key,
                                tt_attr_to_string(&o->attrs[i], buf, sizeof(buf)));
        }
        for (size_t i = 0; i < s->n; i++)
                if (streq(s->lines[i], line))
                        return 0;
        assert_true(s->n < ELEMENTSOF(s->lines));
        strscpy(s->lines[s->n++], sizeof(s->lines[0]), line);
        return 0;
}

static void read_capture(const char *name, bool filtered, struct seen *s) {
        char path[1024], err[PCAP_ERRBUF_SIZE];
        snprintf(path, sizeof(path), "%s/tests/fixtures/pcap/%s", TT_SOURCE_DIR, name);
        pcap_t *p = pcap_open_offline(path, err);
        if (!p)
                fail_msg("%s: %s", path, err);
        struct bpf_program prog;
        if (tt_netprobe_filter_compile(p, false, &prog) < 0)
                fail_msg("%s: %s", name, pcap_geterr(p));
        struct tt_probe_ctx ctx = { .emit = collect, .userdata = s, .probe_name = "pcap" };
        const struct tt_netprobe_config cfg = { .flows = { 1024, 1 << 20, 300 * 1000000ULL } };
        struct tt_netprobe *np;
        assert_int_equal(tt_netprobe_new(&ctx, &cfg, &np), 0);
        struct pcap_pkthdr *h;
        const u_char *data;
        size_t frames = 0, kept = 0;
        while (pcap_next_ex(p, &h, &data) == 1) {
                frames++;
                if (filtered && !pcap_offline_filter(&prog, h, data))
                        continue;
                kept++;
                tt_netprobe_frame(np, pcap_datalink(p), data, h->caplen, (usec_t) h->ts.tv_sec * 1000000);
        }
        /* The filter must drop something, or this test proves nothing. */
        if (filtered)
                assert_true(kept < frames);
        tt_netprobe_free(np);
        pcap_freecode(&prog);
        pcap_close(p);
}

static void test_captures_lose_nothing(void **state) {
        static const char *const names[] = { "laptop-farm.pcap", "laptop-farm.pcapng", "clean-office.pcap",
                                             "reassembly.pcap", "odd-names.pcap", "linktypes-sll.pcap",
                                             "linktypes-sll2.pcap", "linktypes-raw.pcap" };
        static struct seen all, some;
        for (size_t i = 0; i < ELEMENTSOF(names); i++) {
                all.n = some.n = 0;
                read_capture(names[i], false, &all);
                read_capture(names[i], true, &some);
                assert_true(all.n > 0);
                for (size_t a = 0; a < all.n; a++) {
                        bool found = false;
                        for (size_t b = 0; b < some.n && !found; b++)
                                found = streq(all.lines[a], some.lines[b]);
                        if (!found)
                                fail_msg("%s: the filter loses \"%s\"", names[i], all.lines[a]);
                }
        }
}

/* A ClientHello in three full segments and a tail: the filter drops the
 * middle ones; the start still gives the SNI. */
static void test_big_hello_keeps_sni(void **state) {
        static struct seen s;
        s.n = 0;
        read_capture("reassembly.pcap", true, &s);
        bool found = false;
        for (size_t i = 0; i < s.n; i++)
                found = found || strstr(s.lines[i], "sni=big-hello.example");
        assert_true(found);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_compiles),
                cmocka_unit_test(test_ethernet),
                cmocka_unit_test(test_cooked),
                cmocka_unit_test(test_cooked_v2),
                cmocka_unit_test(test_vlan),
                cmocka_unit_test(test_arp),
                cmocka_unit_test(test_captures_lose_nothing),
                cmocka_unit_test(test_big_hello_keeps_sni),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
