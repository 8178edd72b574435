/* SPDX-License-Identifier: MIT */
/* GeoIP lookups on databases the test builds, RTT physics, and the kernel's
 * RTT through sock_diag on a real loopback connection. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <math.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "config.h"
#include "geo.h"
#include "rtt.h"

#define GEOIP_DIR TT_SOURCE_DIR "/tests/fixtures/geoip"

static char dir[] = "/tmp/tt-geo-XXXXXX";

static void build_db(const char *layout, const char *name, char *path, size_t size) {
        snprintf(path, size, "%s/%s", dir, name);
        char cmd[1024];
        snprintf(cmd, sizeof(cmd), "perl %s/make-test-mmdb.pl --layout %s %s", GEOIP_DIR, layout, path);
        if (system(cmd) != 0)
                fail_msg("cannot build a test database (is libmaxmind-db-writer-perl installed?): %s", cmd);
}

static void expect_country(const struct tt_geo *g, const char *addr, const char *want) {
        char cc[3];
        int r = tt_geo_country(g, addr, cc);
        if (!want) {
                assert_int_equal(r, -ENOENT);
                return;
        }
        assert_int_equal(r, 0);
        assert_string_equal(cc, want);
}

static void check_db(const char *path) {
        struct tt_geo *g;
        assert_int_equal(tt_geo_open(path, &g), 0);
        expect_country(g, "192.0.2.1", "US");
        expect_country(g, "198.51.100.254", "DE");
        expect_country(g, "203.0.113.7", "CN");
        expect_country(g, "2001:db8::1", "US");
        expect_country(g, "2001:db8:1:ffff::9", "CN");
        expect_country(g, "::ffff:203.0.113.7", "CN");
        expect_country(g, "10.20.4.9", NULL);
        expect_country(g, "2001:db8:2::1", NULL);
        char cc[3];
        /* host names are never resolved */
        assert_int_equal(tt_geo_country(g, "localhost", cc), -EINVAL);
        assert_int_equal(tt_geo_country(g, "203.0.113.7 ", cc), -EINVAL);
        assert_int_equal(tt_geo_country(g, "", cc), -EINVAL);
        uint8_t a[4] = { 203, 0, 113, 1 };
        assert_int_equal(tt_geo_country_addr(g, AF_INET, a, cc), 0);
        assert_string_equal(cc, "CN");
        assert_int_equal(tt_geo_country_addr(g, AF_UNIX, a, cc), -EAFNOSUPPORT);
        tt_geo_close(g);
}

static void test_geo_layouts(void **state) {
        char path[512];
        build_db("maxmind", "maxmind.mmdb", path, sizeof(path));
        check_db(path);
        build_db("ip-location-db", "ild.mmdb", path, sizeof(path));
        check_db(path);
        /* the copy the fixtures use answers like a fresh build */
        check_db(GEOIP_DIR "/test-countries.mmdb");
}

static void test_geo_bad_files(void **state) {
        struct tt_geo *g = NULL;
        char path[512];
        snprintf(path, sizeof(path), "%s/missing.mmdb", dir);
        assert_int_equal(tt_geo_open(path, &g), -ENOENT);
        snprintf(path, sizeof(path), "%s/garbage.mmdb", dir);
        FILE *f = fopen(path, "w");
        for (int i = 0; i < 4096; i++)
                fputc(i * 7, f);
        fclose(f);
        assert_int_equal(tt_geo_open(path, &g), -EINVAL);
        assert_int_equal(tt_geo_open(dir, &g), -EINVAL); /* a directory */
        tt_geo_close(NULL);
}

static void test_distance(void **state) {
        struct tt_place nyc = { 40.71, -74.01, 0 }, london = { 51.51, -0.13, 0 }, sydney = { -33.87, 151.21, 0 };
        assert_true(fabs(tt_distance_km(&nyc, &london) - 5570) < 30);
        assert_true(fabs(tt_distance_km(&london, &sydney) - 16990) < 60);
        assert_true(tt_distance_km(&nyc, &nyc) < 1e-6);
        /* light in fibre: 5570 km there and back is ~55.7 ms */
        assert_true(fabs(tt_rtt_floor_ms(&nyc, &london) - 55.7) < 0.5);
        assert_true(fabs(tt_rtt_ceiling_ms(&nyc, &london) - (2 * 55.7 + TT_RTT_SLACK_MS)) < 1);
        /* radii widen the band both ways */
        nyc.radius_km = london.radius_km = 1000;
        assert_true(fabs(tt_rtt_floor_ms(&nyc, &london) - 35.7) < 0.5);
        struct tt_place us, de;
        assert_int_equal(tt_country_place("us", &us), 0);
        assert_int_equal(tt_country_place("DE", &de), 0);
        assert_true(us.radius_km > de.radius_km);
        assert_int_equal(tt_country_place("XX", &us), -ENOENT);
        assert_int_equal(tt_country_place("USA", &us), -ENOENT);
        assert_int_equal(tt_country_place(NULL, &us), -ENOENT);
}

static void config_from(const char *text, struct tt_config *cfg) {
        char path[512];
        snprintf(path, sizeof(path), "%s/telltale.yaml", dir);
        FILE *f = fopen(path, "w");
        fputs(text, f);
        fclose(f);
        struct tt_error err = {};
        if (tt_config_load(path, cfg, &err) < 0)
                fail_msg("%s", err.msg);
}

static void test_judge(void **state) {
        struct tt_config cfg;
        struct tt_rtt_verdict v;
        config_from("network:\n  expected_countries: [DE]\n", &cfg);
        /* Germany to Germany: ~60 ms allowed */
        assert_int_equal(tt_rtt_judge(&cfg, "DE", 30, &v), 0);
        assert_false(v.relayed);
        assert_int_equal(tt_rtt_judge(&cfg, "DE", 240, &v), 0);
        assert_true(v.relayed);
        assert_true(v.ceiling_ms > 50 && v.ceiling_ms < 100);
        assert_true(v.floor_ms == 0);
        /* an RTT that fits a peer far away is not relayed */
        assert_int_equal(tt_rtt_judge(&cfg, "JP", 240, &v), 0);
        assert_false(v.relayed);
        assert_true(v.floor_ms > 50);
        assert_int_equal(tt_rtt_judge(&cfg, "ZZ", 240, &v), -ENOENT);
        tt_config_free(&cfg);

        /* an explicit location is tighter than a whole country */
        config_from("network:\n  expected_countries: [US]\n  expected_location: {latitude: 40.71, longitude: -74.01}\n",
                    &cfg);
        assert_true(cfg.network.expected_location.set);
        assert_int_equal(tt_rtt_judge(&cfg, "US", 150, &v), 0);
        double near = v.ceiling_ms;
        tt_config_free(&cfg);
        config_from("network:\n  expected_countries: [US]\n", &cfg);
        assert_int_equal(tt_rtt_judge(&cfg, "US", 150, &v), 0);
        assert_true(v.ceiling_ms > near);
        tt_config_free(&cfg);
        /* several expected countries: the most generous */
        config_from("network:\n  expected_countries: [DE, AU]\n", &cfg);
        assert_int_equal(tt_rtt_judge(&cfg, "DE", 240, &v), 0);
        assert_false(v.relayed);
        tt_config_free(&cfg);
        /* nothing known about the laptop: no verdict */
        config_from("", &cfg);
        assert_int_equal(tt_rtt_judge(&cfg, "DE", 240, &v), -ENOENT);
        tt_config_free(&cfg);
}

static void test_location_config_errors(void **state) {
        static const char *const bad[] = {
                "network:\n  expected_location: {latitude: 91, longitude: 0}\n",
                "network:\n  expected_location: {latitude: 10, longitude: -180.5}\n",
                "network:\n  expected_location: {latitude: 10}\n",
                "network:\n  expected_location: {latitude: \"10\", longitude: 5}\n",
                "network:\n  expected_location: {latitude: 1e999, longitude: 5}\n",
                "network:\n  expected_location: {latitude: nan, longitude: 5}\n",
                "network:\n  expected_location: {latitude: 1, longitude: 5, altitude: 3}\n",
                "network:\n  expected_location: [1, 2]\n",
        };
        char path[512];
        snprintf(path, sizeof(path), "%s/bad.yaml", dir);
        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
                FILE *f = fopen(path, "w");
                fputs(bad[i], f);
                fclose(f);
                struct tt_config cfg;
                struct tt_error err = {};
                assert_int_equal(tt_config_load(path, &cfg, &err), -EINVAL);
                assert_non_null(strstr(err.msg, "bad.yaml:"));
        }
}

static void test_geoip_path_relative_to_config(void **state) {
        struct tt_config cfg;
        config_from("network:\n  geoip_db: db/x.mmdb\n", &cfg);
        char want[512];
        snprintf(want, sizeof(want), "%s/db/x.mmdb", dir);
        assert_string_equal(cfg.network.geoip_db, want);
        tt_config_free(&cfg);
        config_from("network:\n  geoip_db: /abs/x.mmdb\n", &cfg);
        assert_string_equal(cfg.network.geoip_db, "/abs/x.mmdb");
        tt_config_free(&cfg);
}

static void test_handshake(void **state) {
        uint32_t usec;
        assert_int_equal(tt_rtt_handshake(1000, 81000, 81200, &usec), 0);
        assert_int_equal(usec, 80200); /* seen from the client */
        assert_int_equal(tt_rtt_handshake(1000, 1100, 95100, &usec), 0);
        assert_int_equal(usec, 94100); /* seen from the server */
        assert_int_equal(tt_rtt_handshake(0, 1100, 95100, &usec), -EINVAL);
        assert_int_equal(tt_rtt_handshake(2000, 1100, 95100, &usec), -EINVAL);
        assert_int_equal(tt_rtt_handshake(1000, 1100, 1050, &usec), -EINVAL);
        assert_int_equal(tt_rtt_handshake(1, 2, UINT64_MAX, &usec), -EINVAL);
}

/* A real TCP connection over loopback: the kernel has measured its RTT. */
static void test_sock_diag(void **state) {
        int l = socket(AF_INET, SOCK_STREAM, 0), c = socket(AF_INET, SOCK_STREAM, 0);
        struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
        socklen_t len = sizeof(sa);
        assert_int_equal(bind(l, (struct sockaddr *) &sa, sizeof(sa)), 0);
        assert_int_equal(listen(l, 1), 0);
        assert_int_equal(getsockname(l, (struct sockaddr *) &sa, &len), 0);
        uint8_t peer[4] = { 127, 0, 0, 1 }, other[4] = { 127, 0, 0, 2 };
        uint32_t usec = 0;
        assert_int_equal(tt_rtt_tcp_peer(AF_INET, other, &usec), -ENOENT);
        assert_int_equal(connect(c, (struct sockaddr *) &sa, sizeof(sa)), 0);
        int a = accept(l, NULL, NULL);
        assert_true(a >= 0);
        assert_int_equal(write(c, "x", 1), 1);
        char byte;
        assert_int_equal(read(a, &byte, 1), 1);
        assert_int_equal(tt_rtt_tcp_peer(AF_INET, peer, &usec), 0);
        assert_true(usec > 0 && usec < 1000000);
        assert_int_equal(tt_rtt_tcp_peer(AF_INET, other, &usec), -ENOENT);
        uint8_t peer6[16] = { [15] = 1 };
        assert_int_equal(tt_rtt_tcp_peer(AF_INET6, peer6, &usec), -ENOENT);
        assert_int_equal(tt_rtt_tcp_peer(AF_UNIX, peer, &usec), -EAFNOSUPPORT);
        close(a);
        close(c);
        close(l);
}

static int setup(void **state) {
        return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state) {
        char cmd[600];
        snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
        return system(cmd);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_geo_layouts),
                cmocka_unit_test(test_geo_bad_files),
                cmocka_unit_test(test_distance),
                cmocka_unit_test(test_judge),
                cmocka_unit_test(test_location_config_errors),
                cmocka_unit_test(test_geoip_path_relative_to_config),
                cmocka_unit_test(test_handshake),
                cmocka_unit_test(test_sock_diag),
        };
        return cmocka_run_group_tests(tests, setup, teardown);
}
