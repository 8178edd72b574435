/* SPDX-License-Identifier: MIT */
/* The routing and session heuristics, judged by the core with the shipped
 * routing.yaml, and the laptop-farm correlation over injected observations. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "core.h"

static char dir[] = "/tmp/tt-heur-XXXXXX";

/* Stand-ins for the KVM and remote-access catalogs the correlation joins. */
static const char *other_rules =
        "rules:\n"
        "  - {id: kvm.test, product: Test KVM, category: kvm, severity: high, technique: T1200, description: d,\n"
        "     references: [https://example.org], match: {usb_device: {vendor_id: 1d6b}}}\n"
        "  - {id: kvm.test-low, product: Test dongle, category: kvm, severity: low, technique: T1200, description: d,\n"
        "     references: [https://example.org], match: {usb_device: {vendor_id: 345f}}}\n"
        "  - {id: ra.test, product: Test RAT, category: remote-access, severity: high, technique: T1219.002,\n"
        "     description: d, references: [https://example.org], match: {process: {comm: testrat},\n"
        "     netif: {name: testrat0}}}\n";

struct fixture {
        struct tt_catalog cat;
        struct tt_config cfg;
        struct tt_core *core;
};

static void write_file(const char *name, const char *text, char *path, size_t size) {
        snprintf(path, size, "%s/%s", dir, name);
        FILE *f = fopen(path, "w");
        assert_non_null(f);
        fputs(text, f);
        fclose(f);
}

static void load(struct fixture *fx, const char *config_text) {
        char path[512];
        struct tt_error err = {};
        *fx = (struct fixture){};
        if (tt_catalog_load_file(&fx->cat, TT_SOURCE_DIR "/config/catalog/routing.yaml", &err) < 0)
                fail_msg("%s", err.msg);
        write_file("other.yaml", other_rules, path, sizeof(path));
        if (tt_catalog_load_file(&fx->cat, path, &err) < 0)
                fail_msg("%s", err.msg);
        write_file("telltale.yaml", config_text, path, sizeof(path));
        if (tt_config_load(path, &fx->cfg, &err) < 0)
                fail_msg("%s", err.msg);
        assert_int_equal(tt_core_new(&fx->cfg, &fx->cat, "lt-1", &fx->core), 0);
}

static void unload(struct fixture *fx) {
        tt_core_free(fx->core);
        tt_config_free(&fx->cfg);
        tt_catalog_free(&fx->cat);
}

static const char *config_text = "network:\n"
                                 "  corporate_vpn: {interfaces: [corp*], cidrs: [10.10.0.0/16]}\n"
                                 "  management: [10.20.0.0/16]\n"
                                 "  expected_countries: [US]\n";

static void observe(struct fixture *fx, const struct tt_observation *o) {
        assert_int_equal(tt_core_observe(fx->core, "test", o, 1000000), 0);
}

/* The reason a rule gave in this pass, or NULL when it did not fire. */
static const struct tt_reason *fired(struct fixture *fx, const char *rule) {
        assert_int_equal(tt_core_flush(fx->core, 2000000), 0);
        for (size_t i = 0; i < tt_core_n_findings(fx->core); i++) {
                const struct tt_finding *f = tt_core_finding(fx->core, i);
                for (size_t j = 0; j < f->n_reasons; j++)
                        if (streq(f->reasons[j].rule->id, rule))
                                return &f->reasons[j];
        }
        return NULL;
}

static void netif(struct tt_observation *o, const char *name, const char *kind) {
        tt_obs_init(o, "netif", name);
        tt_obs_add_str(o, "name", name);
        tt_obs_add_str(o, "link_kind", kind);
        tt_obs_add_str(o, "operstate", "up");
}

static void test_tunnel_interface(void **state) {
        struct fixture fx;
        load(&fx, config_text);
        struct tt_observation o;
        netif(&o, "tun0", "tun");
        observe(&fx, &o);
        const struct tt_reason *r = fired(&fx, "route.tunnel-interface");
        assert_non_null(r);
        assert_int_equal(r->confidence, 70);
        assert_non_null(strstr(r->detail, "tun0 is a tun link"));
        tt_core_reset(fx.core);

        static const char *const quiet[][2] = {
                { "corp0", "wireguard" }, /* the corporate VPN, by glob */
                { "corpvpn", "tun" },
                { "eth0", "ethernet" },
                { "wlan0", "wifi" },
                { "docker0", "bridge" },
                { "veth1", "veth" },
                { "lo", "loopback" },
        };
        for (size_t i = 0; i < ELEMENTSOF(quiet); i++) {
                netif(&o, quiet[i][0], quiet[i][1]);
                observe(&fx, &o);
        }
        /* libvirt's TAP port of a bridge */
        netif(&o, "virbr0-nic", "tap");
        tt_obs_add_str(&o, "master", "virbr0");
        observe(&fx, &o);
        assert_null(fired(&fx, "route.tunnel-interface"));
        tt_core_reset(fx.core);

        netif(&o, "ppp0", "ppp");
        observe(&fx, &o);
        assert_int_equal(fired(&fx, "route.tunnel-interface")->confidence, 40);
        tt_core_reset(fx.core);
        netif(&o, "tap0", "tap"); /* a TAP device on its own is a VPN's */
        observe(&fx, &o);
        assert_non_null(fired(&fx, "route.tunnel-interface"));
        unload(&fx);
}

static void route(struct tt_observation *o, const char *dev, const char *dev_kind, const char *takeover, int table) {
        tt_obs_init(o, "route", dev);
        tt_obs_add_str(o, "family", "ipv4");
        tt_obs_add_str(o, "dst", "0.0.0.0");
        tt_obs_add_int(o, "prefix_len", takeover && streq(takeover, "split") ? 1 : 0);
        tt_obs_add_str(o, "dev", dev);
        tt_obs_add_str(o, "dev_kind", dev_kind);
        tt_obs_add_int(o, "table", table);
        tt_obs_add_str(o, "takeover", takeover);
}

static void test_default_route_takeover(void **state) {
        struct fixture fx;
        load(&fx, config_text);
        struct tt_observation o;
        route(&o, "tun0", "tun", "split", 254);
        observe(&fx, &o);
        const struct tt_reason *r = fired(&fx, "route.default-takeover");
        assert_non_null(r);
        assert_non_null(strstr(r->detail, "split default route, 0.0.0.0/1"));
        assert_int_equal(r->confidence, 85);
        tt_core_reset(fx.core);

        route(&o, "wg0", "wireguard", "policy", 51820);
        observe(&fx, &o);
        assert_non_null(strstr(fired(&fx, "route.default-takeover")->detail, "policy routing table 51820"));
        tt_core_reset(fx.core);
        route(&o, "tailscale0", "tailscale", "default", 254);
        observe(&fx, &o);
        assert_non_null(strstr(fired(&fx, "route.default-takeover")->detail, "default route goes through tailscale0"));
        tt_core_reset(fx.core);

        route(&o, "corp0", "wireguard", "split", 254); /* corporate */
        observe(&fx, &o);
        route(&o, "wlan0", "wifi", "default", 254); /* an ordinary default */
        observe(&fx, &o);
        route(&o, "tun0", "tun", NULL, 254); /* a route into the tunnel, not all traffic */
        observe(&fx, &o);
        route(&o, "tun9", NULL, "default", 254); /* a link the probe could not see */
        observe(&fx, &o);
        assert_null(fired(&fx, "route.default-takeover"));
        unload(&fx);
}

static void rule(struct tt_observation *o, int table, const char *dev, const char *dev_kind, bool mark) {
        tt_obs_init(o, "policy_rule", dev ? dev : "rule:ipv4:5270");
        tt_obs_add_int(o, "priority", 5270);
        tt_obs_add_int(o, "table", table);
        if (mark)
                tt_obs_add_int(o, "fwmark", 0x80000);
        tt_obs_add_bool(o, "invert", mark);
        tt_obs_add_str(o, "dev", dev);
        tt_obs_add_str(o, "dev_kind", dev_kind);
}

static void test_policy_routing(void **state) {
        struct fixture fx;
        load(&fx, config_text);
        struct tt_observation o;
        rule(&o, 52, "tailscale0", "tailscale", true);
        observe(&fx, &o);
        const struct tt_reason *r = fired(&fx, "route.policy-routing");
        assert_non_null(r);
        assert_non_null(strstr(r->detail, "all but traffic marked 0x80000 to table 52"));
        tt_core_reset(fx.core);
        rule(&o, 254, "wlan0", "wifi", false);
        observe(&fx, &o);
        rule(&o, 255, NULL, NULL, false);
        observe(&fx, &o);
        rule(&o, 100, "eth1", "ethernet", false); /* a second uplink */
        observe(&fx, &o);
        rule(&o, 200, "corp0", "wireguard", true);
        observe(&fx, &o);
        assert_null(fired(&fx, "route.policy-routing"));
        unload(&fx);
}

static void resolver(struct tt_observation *o, const char *server, const char *dev, const char *dev_kind) {
        tt_obs_init(o, "resolver", dev);
        tt_obs_add_str(o, "server", server);
        tt_obs_add_str(o, "source", "/etc/resolv.conf");
        tt_obs_add_str(o, "dev", dev);
        tt_obs_add_str(o, "dev_kind", dev_kind);
}

static void test_resolver(void **state) {
        struct fixture fx;
        load(&fx, config_text);
        struct tt_observation o;
        resolver(&o, "10.200.0.1", "tun0", "tun");
        observe(&fx, &o);
        assert_non_null(strstr(fired(&fx, "route.resolver-via-tunnel")->detail, "10.200.0.1"));
        tt_core_reset(fx.core);
        resolver(&o, "10.10.0.53", "tun0", "tun"); /* the company's DNS */
        observe(&fx, &o);
        resolver(&o, "10.200.0.1", "corp0", "wireguard");
        observe(&fx, &o);
        resolver(&o, "192.168.1.1", "wlan0", "wifi");
        observe(&fx, &o);
        resolver(&o, "127.0.0.53", "lo", "loopback");
        observe(&fx, &o);
        assert_null(fired(&fx, "route.resolver-via-tunnel"));
        unload(&fx);
}

static void session(struct tt_observation *o, const char *id, bool remote, const char *host, const char *service,
                    const char *type, const char *class) {
        tt_obs_init(o, "session", id);
        tt_obs_add_str(o, "id", id);
        tt_obs_add_str(o, "user", "alice");
        tt_obs_add_bool(o, "remote", remote);
        tt_obs_add_str(o, "remote_host", host);
        tt_obs_add_str(o, "service", service);
        tt_obs_add_str(o, "type", type);
        tt_obs_add_str(o, "class", class);
}

static void test_remote_sessions(void **state) {
        struct fixture fx;
        load(&fx, config_text);
        struct tt_observation o;
        session(&o, "4", true, "192.0.2.7", "sshd", "tty", "user");
        observe(&fx, &o);
        assert_non_null(strstr(fired(&fx, "remote-session.interactive")->detail, "remote sshd session 4 of alice"));
        assert_null(fired(&fx, "remote-session.graphical"));
        tt_core_reset(fx.core);
        session(&o, "5", true, "192.0.2.7", "xrdp-sesman", "x11", "user");
        observe(&fx, &o);
        assert_non_null(fired(&fx, "remote-session.graphical"));
        assert_null(fired(&fx, "remote-session.interactive"));
        tt_core_reset(fx.core);
        session(&o, "6", true, "192.0.2.7", "x11vnc", "unspecified", NULL);
        observe(&fx, &o);
        assert_non_null(fired(&fx, "remote-session.graphical"));
        tt_core_reset(fx.core);
        /* without a remote host it is still a remote login */
        session(&o, "8", true, NULL, "sshd", "tty", "user");
        observe(&fx, &o);
        assert_non_null(strstr(fired(&fx, "remote-session.interactive")->detail, "from an unknown host"));
        tt_core_reset(fx.core);

        session(&o, "1", false, NULL, "gdm-password", "wayland", "user"); /* local */
        observe(&fx, &o);
        session(&o, "7", true, "10.20.4.9", "sshd", "tty", "user"); /* IT */
        observe(&fx, &o);
        session(&o, "c1", true, "192.0.2.7", "gdm-launch-environment", "x11", "greeter");
        observe(&fx, &o);
        session(&o, "9", true, "192.0.2.7", "systemd-user", "unspecified", "manager");
        observe(&fx, &o);
        assert_null(fired(&fx, "remote-session.interactive"));
        assert_null(fired(&fx, "remote-session.graphical"));
        unload(&fx);
}

static void test_session_country_and_rtt(void **state) {
        struct fixture fx;
        load(&fx, config_text);
        struct tt_observation o;
        session(&o, "5", true, "203.0.113.7", "sshd", "tty", "user");
        tt_obs_add_str(&o, "country", "CN");
        observe(&fx, &o);
        const struct tt_reason *r = fired(&fx, "remote-session.foreign-country");
        assert_non_null(r);
        assert_non_null(strstr(r->detail, "located in CN; this laptop is expected in US"));
        assert_null(fired(&fx, "remote-session.relayed")); /* no RTT */
        tt_core_reset(fx.core);

        /* a US address, but 280 ms away: relayed */
        session(&o, "6", true, "192.0.2.7", "sshd", "tty", "user");
        tt_obs_add_str(&o, "country", "us");
        tt_obs_add_int(&o, "rtt_ms", 280);
        observe(&fx, &o);
        r = fired(&fx, "remote-session.relayed");
        assert_non_null(r);
        assert_non_null(strstr(r->detail, "round trip 280 ms to 192.0.2.7 (us)"));
        assert_true(r->confidence > 60 && r->confidence <= 95);
        assert_null(fired(&fx, "remote-session.foreign-country")); /* case does not matter */
        tt_core_reset(fx.core);

        session(&o, "7", true, "192.0.2.7", "sshd", "tty", "user");
        tt_obs_add_str(&o, "country", "US");
        tt_obs_add_int(&o, "rtt_ms", 70);
        observe(&fx, &o);
        session(&o, "8", true, "10.20.4.9", "sshd", "tty", "user"); /* IT, through a slow link */
        tt_obs_add_str(&o, "country", "CN");
        tt_obs_add_int(&o, "rtt_ms", 900);
        observe(&fx, &o);
        assert_null(fired(&fx, "remote-session.relayed"));
        assert_null(fired(&fx, "remote-session.foreign-country"));
        unload(&fx);

        /* no expected countries configured: no geography verdicts */
        load(&fx, "");
        session(&o, "5", true, "203.0.113.7", "sshd", "tty", "user");
        tt_obs_add_str(&o, "country", "CN");
        tt_obs_add_int(&o, "rtt_ms", 900);
        observe(&fx, &o);
        assert_null(fired(&fx, "remote-session.foreign-country"));
        assert_null(fired(&fx, "remote-session.relayed"));
        assert_non_null(fired(&fx, "remote-session.interactive"));
        unload(&fx);
}

static void usb(struct tt_observation *o, const char *vendor_id) {
        tt_obs_init(o, "usb_device", "usb:1-2");
        tt_obs_add_hex(o, "vendor_id", strtol(vendor_id, NULL, 16));
}

static void rat(struct tt_observation *o) {
        tt_obs_init(o, "process", "pid:812");
        tt_obs_add_str(o, "comm", "testrat");
}

static const struct tt_finding *correlation(struct fixture *fx) {
        assert_int_equal(tt_core_flush(fx->core, 2000000), 0);
        const struct tt_finding *found = NULL;
        for (size_t i = 0; i < tt_core_n_findings(fx->core); i++) {
                const struct tt_finding *f = tt_core_finding(fx->core, i);
                if (f->category == TT_CATEGORY_CORRELATION) {
                        assert_null(found); /* only ever one */
                        found = f;
                }
        }
        return found;
}

static void test_correlation(void **state) {
        struct fixture fx;
        load(&fx, config_text);
        struct tt_observation o;
        usb(&o, "1d6b");
        observe(&fx, &o);
        assert_null(correlation(&fx)); /* one category */
        rat(&o);
        observe(&fx, &o);
        const struct tt_finding *f = correlation(&fx);
        assert_non_null(f);
        assert_string_equal(f->rule->id, "correlation.laptop-farm");
        assert_int_equal(f->severity, TT_SEVERITY_CRITICAL);
        assert_int_equal(f->n_reasons, 2);
        assert_int_equal(f->n_evidence, 2);
        assert_string_equal(f->subject, "host");
        assert_int_equal(strlen(f->id), 32);
        assert_non_null(strstr(f->summary, "2 categories at once (remote-access, kvm)"));
        bool kvm = false, ra = false;
        for (size_t i = 0; i < f->n_reasons; i++) {
                kvm = kvm || streq(f->reasons[i].rule->id, "kvm.test");
                ra = ra || streq(f->reasons[i].rule->id, "ra.test");
                /* each reason names the finding it joins */
                const struct tt_finding *j = NULL;
                for (size_t k = 0; k < tt_core_n_findings(fx.core); k++)
                        if (tt_core_finding(fx.core, k)->rule == f->reasons[i].rule)
                                j = tt_core_finding(fx.core, k);
                assert_non_null(strstr(f->reasons[i].detail, j->id));
        }
        assert_true(kvm && ra);
        char id[33];
        strscpy(id, sizeof(id), f->id);
        /* a second flush in the same pass keeps one verdict, with the same id */
        f = correlation(&fx);
        assert_non_null(f);
        assert_string_equal(f->id, id);
        tt_core_reset(fx.core);

        /* a low-severity sign does not join */
        usb(&o, "345f");
        observe(&fx, &o);
        rat(&o);
        observe(&fx, &o);
        assert_null(correlation(&fx));
        tt_core_reset(fx.core);

        /* one thing seen under two categories (its link is also a tunnel) is one sign */
        netif(&o, "testrat0", "tun");
        observe(&fx, &o);
        rat(&o);
        observe(&fx, &o);
        assert_null(correlation(&fx));
        /* ... until a sign of something else comes */
        route(&o, "tun0", "tun", "split", 254);
        observe(&fx, &o);
        f = correlation(&fx);
        assert_non_null(f);
        assert_non_null(strstr(f->summary, "remote-access, foreign-route"));
        unload(&fx);

        /* the allowlist names the verdict */
        load(&fx, "allow:\n  - rule: correlation.laptop-farm\n    reason: test lab\n");
        usb(&o, "1d6b");
        observe(&fx, &o);
        rat(&o);
        observe(&fx, &o);
        assert_null(correlation(&fx));
        assert_int_equal(tt_core_n_findings(fx.core), 2);
        unload(&fx);
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
                cmocka_unit_test(test_tunnel_interface),
                cmocka_unit_test(test_default_route_takeover),
                cmocka_unit_test(test_policy_routing),
                cmocka_unit_test(test_resolver),
                cmocka_unit_test(test_remote_sessions),
                cmocka_unit_test(test_session_country_and_rtt),
                cmocka_unit_test(test_correlation),
        };
        return cmocka_run_group_tests(tests, setup, teardown);
}
