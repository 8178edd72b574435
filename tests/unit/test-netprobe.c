/* SPDX-License-Identifier: MIT */
/* The network probe over frames built here: a session that goes on keeps
 * saying so (tt_still_seen) about once a minute of capture time; a flow that
 * gave no observation, or a session that went quiet, does not. */
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

#define CLIENT "198.51.100.10"
#define SERVER "192.168.77.2"
#define SEC 1000000ULL

struct seen {
        unsigned rfb, still, still_other;
        char subject[128];
        usec_t last_still;
};

static struct tt_netprobe *current;

static int collect(void *userdata, const char *probe, const struct tt_observation *o) {
        struct seen *s = userdata;
        if (streq(o->kind, "rfb")) {
                s->rfb++;
                strscpy(s->subject, sizeof(s->subject), o->subject);
        }
        return 0;
}

static void still_seen(void *userdata, const char *probe, const char *subject) {
        struct seen *s = userdata;
        assert_string_equal(probe, "pcap");
        if (streq(subject, s->subject)) {
                usec_t now = tt_netprobe_clock(current);
                /* Not more often than the interval. */
                assert_true(s->still == 0 || now - s->last_still >= TT_NETPROBE_REFRESH_USEC);
                s->last_still = now;
                s->still++;
        } else
                s->still_other++;
}

static void feed(struct tt_netprobe *np, const char *src, uint16_t sport, const char *dst, uint16_t dport,
                 uint8_t flags, uint32_t seq, const char *payload, usec_t ts) {
        struct frame f;
        frame_tcp(&f, FRAME_ETHERNET, src, sport, dst, dport, flags, seq, payload, payload ? strlen(payload) : 0);
        tt_netprobe_frame(np, DLT_EN10MB, f.b, f.len, ts);
}

/* A handshake on port, the two opening messages, then a small client
 * segment every 10 s until quiet_after, then nothing until end. */
static void session(struct tt_netprobe *np, uint16_t port, const char *banner, usec_t quiet_after, usec_t end) {
        feed(np, CLIENT, 40000, SERVER, port, 0x02, 1000, NULL, 1);
        feed(np, SERVER, port, CLIENT, 40000, 0x12, 5000, NULL, 2000);
        feed(np, CLIENT, 40000, SERVER, port, 0x10, 1001, NULL, 4000);
        feed(np, SERVER, port, CLIENT, 40000, 0x18, 5001, banner, 10000);
        feed(np, CLIENT, 40000, SERVER, port, 0x18, 1001, banner, 20000);
        uint32_t seq = 1001 + (uint32_t) strlen(banner);
        for (usec_t t = 10 * SEC; t <= quiet_after; t += 10 * SEC, seq += 10)
                /* an incremental FramebufferUpdateRequest */
                feed(np, CLIENT, 40000, SERVER, port, 0x18, seq, "\x03\x01\x00\x00\x00\x00\x03\x20\x02", t);
        /* Other traffic goes on: the capture clock moves. */
        uint8_t dns[256];
        struct frame f;
        frame_udp(&f, FRAME_ETHERNET, SERVER, 53000, "192.168.77.1", 53, dns, frame_dns_query(dns, "example.org"));
        for (usec_t t = quiet_after + 10 * SEC; t <= end; t += 10 * SEC)
                tt_netprobe_frame(np, DLT_EN10MB, f.b, f.len, t);
}

static void run(uint16_t port, const char *banner, bool refresh, usec_t quiet_after, usec_t end, struct seen *s) {
        struct tt_probe_ctx ctx = { .emit = collect, .still_seen = refresh ? still_seen : NULL, .userdata = s,
                                    .probe_name = "pcap" };
        const struct tt_netprobe_config cfg = { .flows = { 1024, 1 << 20, 600 * SEC } };
        struct tt_netprobe *np;
        assert_int_equal(tt_netprobe_new(&ctx, &cfg, &np), 0);
        current = np;
        session(np, port, banner, quiet_after, end);
        tt_netprobe_free(np);
}

static void test_session_goes_on(void **state) {
        struct seen s = {};
        run(5900, "RFB 003.008\n", true, 300 * SEC, 300 * SEC, &s);
        assert_int_equal(s.rfb, 2); /* the server's version and the client's */
        assert_string_equal(s.subject, CLIENT "->" SERVER ":5900");
        /* Five minutes of a live session: four or five times (a minute each). */
        assert_in_range(s.still, 4, 5);
        assert_int_equal(s.still_other, 0);
}

static void test_session_goes_quiet(void **state) {
        struct seen s = {};
        run(5900, "RFB 003.008\n", true, 60 * SEC, 600 * SEC, &s);
        assert_int_equal(s.rfb, 2); /* the server's version and the client's */
        /* Traffic for a minute after the handshake, then none: at most once. */
        assert_in_range(s.still, 0, 1);
}

static void test_flow_without_observation(void **state) {
        struct seen s = {};
        run(8080, "GET / HTTP/1.1\r\nHost: a\r\n\r\n", true, 300 * SEC, 300 * SEC, &s);
        assert_int_equal(s.rfb, 0);
        assert_int_equal(s.still + s.still_other, 0);
}

/* Reading a file (no still_seen): the same session, nothing else happens. */
static void test_without_callback(void **state) {
        struct seen s = {};
        run(5900, "RFB 003.008\n", false, 300 * SEC, 300 * SEC, &s);
        assert_int_equal(s.rfb, 2); /* the server's version and the client's */
        assert_int_equal(s.still, 0);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_session_goes_on),
                cmocka_unit_test(test_session_goes_quiet),
                cmocka_unit_test(test_flow_without_observation),
                cmocka_unit_test(test_without_callback),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
