/* SPDX-License-Identifier: MIT */
/* The routing probes: links, routes and their takeover, resolvers and
 * sessions, on the fixture sysroots and on hostile trees. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <fcntl.h>

#include "config.h"
#include "finding.h"
#include "netif.h"
#include "probe.h"
#include "route.h"

#define SYSROOTS TT_SOURCE_DIR "/tests/fixtures/sysroots"

struct seen {
        size_t n;
        struct tt_evidence obs[256];
};

static int collect(void *userdata, const char *probe, const struct tt_observation *o) {
        struct seen *s = userdata;
        assert_true(s->n < ELEMENTSOF(s->obs));
        assert_int_equal(tt_evidence_copy(&s->obs[s->n++], probe, o), 0);
        return 0;
}

static void seen_free(struct seen *s) {
        for (size_t i = 0; i < s->n; i++)
                tt_evidence_free(&s->obs[i]);
        s->n = 0;
}

static const char *attr(const struct tt_evidence *e, const char *key) {
        static char buf[64];
        for (size_t i = 0; i < e->n_attrs; i++)
                if (streq(e->attrs[i].key, key))
                        return tt_attr_to_string(&e->attrs[i], buf, sizeof(buf));
        return NULL;
}

/* The observation of kind whose attribute key is value, or NULL. */
static const struct tt_evidence *find(const struct seen *s, const char *kind, const char *key, const char *value) {
        for (size_t i = 0; i < s->n; i++)
                if (streq(s->obs[i].kind, kind) && streq_ptr(attr(&s->obs[i], key), value))
                        return &s->obs[i];
        return NULL;
}

static void scan(const struct tt_probe *p, const char *root_path, const struct tt_config *cfg, struct seen *s,
                 char *note) {
        struct tt_root root;
        assert_int_equal(tt_root_open(root_path, &root), 0);
        root.live = false;
        struct tt_probe_ctx ctx = { .root = &root, .config = cfg, .emit = collect, .userdata = s,
                                    .probe_name = p->name };
        assert_int_equal(p->scan(&ctx), 0);
        if (note)
                strscpy(note, sizeof(ctx.note), ctx.note);
        tt_root_close(&root);
}

static void test_netif_kinds_on_fixtures(void **state) {
        struct seen s = {};
        scan(&tt_probe_netif, SYSROOTS "/clean-routed", NULL, &s, NULL);
        const struct tt_evidence *e;
        assert_non_null(e = find(&s, "netif", "name", "wlp0s20f3"));
        assert_string_equal(attr(e, "link_kind"), "wifi");
        assert_string_equal(attr(e, "driver"), "iwlwifi");
        assert_non_null(e = find(&s, "netif", "name", "enp0s31f6"));
        assert_string_equal(attr(e, "link_kind"), "ethernet");
        assert_string_equal(attr(e, "driver"), "e1000e");
        assert_string_equal(find(&s, "netif", "name", "docker0")->kind, "netif");
        assert_string_equal(attr(find(&s, "netif", "name", "docker0"), "link_kind"), "bridge");
        assert_string_equal(attr(find(&s, "netif", "name", "veth3f2a1b0"), "link_kind"), "veth");
        assert_string_equal(attr(find(&s, "netif", "name", "veth3f2a1b0"), "master"), "docker0");
        /* libvirt's NIC is a TAP port of its bridge */
        assert_non_null(e = find(&s, "netif", "name", "virbr0-nic"));
        assert_string_equal(attr(e, "link_kind"), "tap");
        assert_string_equal(attr(e, "tun_type"), "tap");
        assert_string_equal(attr(e, "master"), "virbr0");
        assert_string_equal(attr(find(&s, "netif", "name", "lo"), "link_kind"), "loopback");
        assert_string_equal(find(&s, "netif", "name", "lo")->subject, "if:lo");
        seen_free(&s);

        scan(&tt_probe_netif, SYSROOTS "/corp-wireguard-allowed", NULL, &s, NULL);
        /* type 65534, no tun_flags: only DEVTYPE says WireGuard */
        assert_non_null(e = find(&s, "netif", "name", "corp0"));
        assert_string_equal(attr(e, "link_kind"), "wireguard");
        assert_null(attr(e, "tun_type"));
        seen_free(&s);

        scan(&tt_probe_netif, SYSROOTS "/tailscale", NULL, &s, NULL);
        assert_string_equal(attr(find(&s, "netif", "name", "tailscale0"), "link_kind"), "tailscale");
        assert_string_equal(attr(find(&s, "netif", "name", "tailscale0"), "tun_type"), "tun");
        seen_free(&s);
}

static void test_link_classify(void **state) {
        struct tt_link l = { .type = 65534, .has_tun_flags = true, .tun_flags = 0x1001 };
        strscpy(l.name, sizeof(l.name), "tun0");
        assert_string_equal(tt_link_classify(&l), "tun");
        strscpy(l.name, sizeof(l.name), "wg0");
        assert_string_equal(tt_link_classify(&l), "wireguard"); /* wireguard-go */
        strscpy(l.name, sizeof(l.name), "ztabcdef12");
        l.tun_flags = 0x1002;
        assert_string_equal(tt_link_classify(&l), "zerotier");
        strscpy(l.name, sizeof(l.name), "tap3");
        assert_string_equal(tt_link_classify(&l), "tap");
        l = (struct tt_link){ .type = 512 };
        assert_string_equal(tt_link_classify(&l), "ppp");
        l = (struct tt_link){ .type = 65534 };
        assert_string_equal(tt_link_classify(&l), "other");
        l = (struct tt_link){ .type = 1, .ifindex = 4, .iflink = 4 };
        assert_string_equal(tt_link_classify(&l), "other"); /* dummy, ifb */
        l.has_wireless = true;
        assert_string_equal(tt_link_classify(&l), "wifi");
}

static char tmpdir[] = "/tmp/tt-routing-XXXXXX";

static void put(const char *path, const char *text) {
        char p[512], dir[512];
        snprintf(p, sizeof(p), "%s/%s", tmpdir, path);
        strscpy(dir, sizeof(dir), p);
        for (char *s = dir + strlen(tmpdir) + 1; (s = strchr(s, '/')); s++) {
                *s = '\0';
                mkdir(dir, 0755);
                *s = '/';
        }
        FILE *f = fopen(p, "w");
        assert_non_null(f);
        fputs(text, f);
        fclose(f);
}

static void put_link(const char *path, const char *target) {
        char p[512];
        snprintf(p, sizeof(p), "%s/%s", tmpdir, path);
        unlink(p);
        assert_int_equal(symlink(target, p), 0);
}

/* A tree that lies: links that leave the root, names too long for a kernel,
 * garbage in every attribute, a FIFO where a directory should be. */
static void test_hostile_tree(void **state) {
        assert_non_null(mkdtemp(tmpdir));
        put("sys/class/net/ok0/type", "65534\n");
        put("sys/class/net/ok0/tun_flags", "0x1001\n");
        put("sys/class/net/ok0/address", "<script>\n");
        put("sys/class/net/ok0/operstate", "upupupupupupupupupupupupupupupupup\n");
        put("sys/class/net/ok0/uevent", "DEVTYPE=\nDEVTYPE=wireguard-but-much-longer-than-the-buffer-for-it\n");
        put_link("sys/class/net/ok0/master", "../../../../../../../../etc");
        put("sys/class/net/garbage0/type", "not a number\n");
        put("sys/class/net/averyveryverylongname0/type", "1\n");
        put_link("sys/class/net/escape0", "/../../../../sys/class/net/lo");
        char fifo[512];
        snprintf(fifo, sizeof(fifo), "%s/sys/class/net/ok0/device", tmpdir);
        assert_int_equal(mkfifo(fifo, 0600), 0);
        put("proc/net/route",
            "Iface\tDestination\tGateway\tFlags\tRefCnt\tUse\tMetric\tMask\tMTU\tWindow\tIRTT\n"
            "ok0\t00000000\t00000000\t0001\t0\t0\t0\t00000080\t0\t0\t0\n"
            "ok0\t00000080\t00000000\t0001\t0\t0\t0\t00000080\t0\t0\t0\n"
            "ok0\t00000000\t00000000\t0001\t0\t0\t0\t00FF00FF\t0\t0\t0\n"          /* mask with holes */
            "ok0\tZZZZZZZZ\t00000000\t0001\t0\t0\t0\t00000000\t0\t0\t0\n"          /* not hex */
            "ok0\t000000000\t00000000\t0001\t0\t0\t0\t00000000\t0\t0\t0\n"         /* 9 digits */
            "ok0\t00000000\t00000000\t0001\t0\t0\t99999999999\t00000000\t0\t0\t0\n" /* metric */
            "averyveryverylongname0\t00000000\t00000000\t0001\t0\t0\t0\t00000000\t0\t0\t0\n"
            "*\t00000000\t00000000\t0201\t0\t0\t0\t00000000\t0\t0\t0\n"
            "ok0\n\n\n");
        put("proc/net/ipv6_route", "20000000000000000000000000000000 03 00000000000000000000000000000000 00 "
                                   "00000000000000000000000000000000 00000400 00000001 00000000 00000001 ok0\n"
                                   "2000000000000000000000000000000g 03 00000000000000000000000000000000 00 "
                                   "00000000000000000000000000000000 00000400 00000001 00000000 00000001 ok0\n"
                                   "20000000000000000000000000000000 ff 00000000000000000000000000000000 00 "
                                   "00000000000000000000000000000000 00000400 00000001 00000000 00000001 ok0\n"
                                   "short line\n");
        put("etc/resolv.conf", "nameserver 192.0.2.53\nnameserver not-an-address\nnameserver\n"
                               "nameserver 198.51.100.1 # trailing\nnameserver fe80::1%averyveryverylongname0\n"
                               "search x\n");
        put("run/systemd/sessions/1", "REMOTE=1\nREMOTE_HOST=\"203.0.113.9\"\nSERVICE=\"ss\\\"hd\"\n"
                                      "USER=aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
                                      "aaaaaaaaaaaaaaaaaaaaa\n"
                                      "UID=-5\nLEADER=notanumber\nREALTIME=1795419733000000\nno equals sign\n");
        put("run/systemd/sessions/..hidden", "REMOTE=1\n");
        put("run/systemd/sessions/bad-id", "REMOTE=1\n");

        struct seen s = {};
        scan(&tt_probe_netif, tmpdir, NULL, &s, NULL);
        assert_int_equal(s.n, 1); /* garbage0 has no type, the long name and the escape are skipped */
        const struct tt_evidence *e = find(&s, "netif", "name", "ok0");
        assert_non_null(e);
        assert_string_equal(attr(e, "link_kind"), "tun"); /* DEVTYPE did not fit and is not wireguard */
        assert_null(attr(e, "addr"));
        assert_string_equal(attr(e, "master"), "etc"); /* the link's text, nothing read behind it */
        assert_true(strlen(attr(e, "operstate")) < 16);
        seen_free(&s);

        scan(&tt_probe_route, tmpdir, NULL, &s, NULL);
        assert_int_equal(s.n, 3);
        assert_non_null(e = find(&s, "route", "dst", "0.0.0.0"));
        assert_string_equal(attr(e, "takeover"), "split");
        assert_string_equal(attr(e, "dev_kind"), "tun");
        assert_non_null(e = find(&s, "route", "dst", "2000::"));
        assert_string_equal(attr(e, "takeover"), "split"); /* 2000::/3 is all of global unicast */
        assert_null(attr(e, "table"));
        seen_free(&s);

        scan(&tt_probe_resolver, tmpdir, NULL, &s, NULL);
        assert_int_equal(s.n, 2);
        assert_string_equal(attr(find(&s, "resolver", "server", "192.0.2.53"), "dev"), "ok0");
        assert_string_equal(attr(find(&s, "resolver", "server", "198.51.100.1"), "dev_kind"), "tun");
        seen_free(&s);

        char note[256];
        scan(&tt_probe_session, tmpdir, NULL, &s, note);
        assert_int_equal(s.n, 1);
        e = &s.obs[0];
        assert_string_equal(e->subject, "session:1");
        assert_string_equal(attr(e, "remote_host"), "203.0.113.9");
        assert_string_equal(attr(e, "service"), "ss\"hd");
        assert_int_equal(strlen(attr(e, "user")), 63);
        assert_null(attr(e, "uid"));
        assert_null(attr(e, "leader"));
        assert_string_equal(attr(e, "start"), "2026-11-23T07:42:13.000Z");
        assert_string_equal(attr(e, "remote"), "true");
        assert_null(attr(e, "country")); /* no config, no database */
        assert_non_null(strstr(note, "no GeoIP database"));
        seen_free(&s);

        char cmd[600];
        snprintf(cmd, sizeof(cmd), "rm -rf %s", tmpdir);
        assert_int_equal(system(cmd), 0);
}

static void test_missing_sources_note(void **state) {
        char empty[] = "/tmp/tt-routing-empty-XXXXXX";
        assert_non_null(mkdtemp(empty));
        char note[256];
        struct seen s = {};
        scan(&tt_probe_netif, empty, NULL, &s, note);
        assert_non_null(strstr(note, "/sys/class/net"));
        scan(&tt_probe_route, empty, NULL, &s, note);
        assert_non_null(strstr(note, "/proc/net/route"));
        scan(&tt_probe_session, empty, NULL, &s, note);
        assert_non_null(strstr(note, "/run/systemd/sessions"));
        scan(&tt_probe_resolver, empty, NULL, &s, note);
        assert_int_equal(s.n, 0);
        rmdir(empty);
}

static void test_routes_fixture(void **state) {
        struct seen s = {};
        scan(&tt_probe_route, SYSROOTS "/astrill-split-route", NULL, &s, NULL);
        const struct tt_evidence *e;
        size_t split = 0;
        for (size_t i = 0; i < s.n; i++)
                if (streq_ptr(attr(&s.obs[i], "takeover"), "split")) {
                        split++;
                        assert_string_equal(s.obs[i].subject, "if:tun0");
                        assert_string_equal(attr(&s.obs[i], "gateway"), "10.200.0.1");
                        assert_string_equal(attr(&s.obs[i], "table"), "254");
                }
        assert_int_equal(split, 2);
        assert_non_null(e = find(&s, "route", "metric", "600"));
        assert_string_equal(attr(e, "takeover"), "default");
        assert_string_equal(attr(e, "dev_kind"), "wifi");
        assert_non_null(e = find(&s, "route", "dst", "198.51.100.20"));
        assert_string_equal(attr(e, "prefix_len"), "32");
        assert_null(attr(e, "takeover"));
        seen_free(&s);

        /* ::1 (local) and the reject entries are the kernel's, not routes */
        scan(&tt_probe_route, SYSROOTS "/clean-routed", NULL, &s, NULL);
        assert_null(find(&s, "route", "dst", "::1"));
        assert_non_null(e = find(&s, "route", "dst", "::"));
        assert_string_equal(attr(e, "gateway"), "fe80::1");
        assert_string_equal(attr(e, "dev"), "wlp0s20f3");
        seen_free(&s);

        scan(&tt_probe_resolver, SYSROOTS "/clean-routed", NULL, &s, NULL);
        assert_int_equal(s.n, 3);
        assert_string_equal(attr(find(&s, "resolver", "server", "127.0.0.53"), "dev"), "lo");
        assert_string_equal(attr(find(&s, "resolver", "server", "192.168.1.1"), "source"),
                            "/run/systemd/resolve/resolv.conf");
        assert_string_equal(attr(find(&s, "resolver", "server", "fe80::1%wlp0s20f3"), "dev_kind"), "wifi");
        seen_free(&s);
}

static void route_set(struct tt_route *r, int family, const char *dst, unsigned plen, const char *dev, uint32_t table) {
        *r = (struct tt_route){ .family = family, .prefix_len = plen, .table = table };
        assert_int_equal(inet_pton(family, dst, r->dst), 1);
        strscpy(r->dev, sizeof(r->dev), dev);
}

static void test_takeover_marking(void **state) {
        struct tt_route r[8];
        /* halves through two different links do not take over */
        route_set(&r[0], AF_INET, "0.0.0.0", 1, "tun0", 254);
        route_set(&r[1], AF_INET, "128.0.0.0", 1, "tun1", 254);
        tt_routes_mark_takeover(r, 2);
        assert_null(r[0].takeover);
        assert_null(r[1].takeover);
        /* nor do halves in two tables */
        route_set(&r[1], AF_INET, "128.0.0.0", 1, "tun0", 100);
        tt_routes_mark_takeover(r, 2);
        assert_null(r[0].takeover);
        /* quarters and halves mixed cover it all */
        route_set(&r[1], AF_INET, "128.0.0.0", 2, "tun0", 254);
        route_set(&r[2], AF_INET, "192.0.0.0", 2, "tun0", 254);
        tt_routes_mark_takeover(r, 3);
        assert_string_equal(r[0].takeover, "split");
        assert_string_equal(r[2].takeover, "split");
        /* a missing quarter */
        tt_routes_mark_takeover(r, 2);
        assert_null(r[0].takeover);
        /* OpenVPN's IPv6 def1: ::/3 2000::/4 3000::/4 fc00::/7 */
        route_set(&r[0], AF_INET6, "::", 3, "tun0", 254);
        route_set(&r[1], AF_INET6, "2000::", 4, "tun0", 254);
        route_set(&r[2], AF_INET6, "3000::", 4, "tun0", 254);
        route_set(&r[3], AF_INET6, "fc00::", 7, "tun0", 254);
        tt_routes_mark_takeover(r, 4);
        assert_null(r[0].takeover); /* covers no global unicast */
        assert_string_equal(r[1].takeover, "split");
        assert_string_equal(r[2].takeover, "split");
        assert_null(r[3].takeover);
        tt_routes_mark_takeover(r + 1, 1);
        assert_null(r[1].takeover);
        /* default routes: main table, a policy table */
        route_set(&r[0], AF_INET, "0.0.0.0", 0, "wlan0", 254);
        route_set(&r[1], AF_INET, "0.0.0.0", 0, "wg0", 51820);
        route_set(&r[2], AF_INET6, "::", 0, "wg0", TT_ROUTE_TABLE_UNKNOWN);
        tt_routes_mark_takeover(r, 3);
        assert_string_equal(r[0].takeover, "default");
        assert_string_equal(r[1].takeover, "policy");
        assert_string_equal(r[2].takeover, "default");
}

static void test_lookup(void **state) {
        struct tt_route r[5];
        route_set(&r[0], AF_INET, "0.0.0.0", 0, "wlan0", 254);
        r[0].metric = 600;
        route_set(&r[1], AF_INET, "0.0.0.0", 1, "tun0", 254);
        route_set(&r[2], AF_INET, "192.168.1.0", 24, "wlan0", 254);
        r[2].metric = 600;
        route_set(&r[3], AF_INET, "192.168.1.0", 24, "eth0", 254);
        r[3].metric = 50;
        route_set(&r[4], AF_INET, "10.0.0.0", 8, "wg0", 52); /* not the main table */
        struct tt_routes routes = { .n_routes = 5, .routes = r };
        uint8_t a[4];
        inet_pton(AF_INET, "8.8.8.8", a);
        assert_string_equal(tt_routes_lookup(&routes, AF_INET, a)->dev, "tun0");
        inet_pton(AF_INET, "200.1.1.1", a);
        assert_string_equal(tt_routes_lookup(&routes, AF_INET, a)->dev, "wlan0");
        inet_pton(AF_INET, "192.168.1.5", a);
        assert_string_equal(tt_routes_lookup(&routes, AF_INET, a)->dev, "eth0");
        inet_pton(AF_INET, "10.1.1.1", a);
        assert_string_equal(tt_routes_lookup(&routes, AF_INET, a)->dev, "tun0");
        uint8_t a6[16] = { 0x20, 0x01 };
        assert_null(tt_routes_lookup(&routes, AF_INET6, a6));
        assert_string_equal(tt_routes_table_dev(&routes, AF_INET, 52), "wg0");
        assert_string_equal(tt_routes_table_dev(&routes, AF_INET, 254), "wlan0");
        assert_null(tt_routes_table_dev(&routes, AF_INET, 51820));
}

static void test_sessions_fixture(void **state) {
        struct tt_config cfg;
        struct tt_error err = {};
        assert_int_equal(tt_config_load(SYSROOTS "/xrdp-abroad/telltale.yaml", &cfg, &err), 0);
        struct seen s = {};
        char note[256];
        scan(&tt_probe_session, SYSROOTS "/xrdp-abroad", &cfg, &s, note);
        assert_string_equal(note, "");
        assert_int_equal(s.n, 3); /* 5.ref is not a session */
        const struct tt_evidence *e = find(&s, "session", "id", "5");
        assert_non_null(e);
        assert_string_equal(attr(e, "service"), "xrdp-sesman");
        assert_string_equal(attr(e, "country"), "CN");
        assert_string_equal(attr(e, "type"), "x11");
        assert_string_equal(attr(e, "uid"), "1000");
        assert_string_equal(attr(e, "leader"), "2211");
        assert_null(attr(e, "rtt_ms")); /* not live */
        /* a local session is not geolocated */
        e = find(&s, "session", "id", "2");
        assert_string_equal(attr(e, "remote"), "false");
        assert_null(attr(e, "country"));
        /* 10.20.4.9 is in no country */
        assert_null(attr(find(&s, "session", "id", "7"), "country"));
        seen_free(&s);
        tt_config_free(&cfg);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_netif_kinds_on_fixtures),
                cmocka_unit_test(test_link_classify),
                cmocka_unit_test(test_hostile_tree),
                cmocka_unit_test(test_missing_sources_note),
                cmocka_unit_test(test_routes_fixture),
                cmocka_unit_test(test_takeover_marking),
                cmocka_unit_test(test_lookup),
                cmocka_unit_test(test_sessions_fixture),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
