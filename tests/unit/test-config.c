/* SPDX-License-Identifier: MIT */
/* Config loader: defaults, every key's type, and errors with file:line:col. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <unistd.h>

#include <cmocka.h>

#include "config.h"

static char path[] = "/tmp/tt-config-XXXXXX";

static int load(const char *text, struct tt_config *c, struct tt_error *err) {
        FILE *f = fopen(path, "w");
        assert_non_null(f);
        fputs(text, f);
        fclose(f);
        *err = (struct tt_error){};
        return tt_config_load(path, c, err);
}

static void expect_error(const char *text, const char *want) {
        struct tt_config c;
        struct tt_error err;
        int r = load(text, &c, &err);
        if (r >= 0 || !strstr(err.msg, want))
                fail_msg("expected error containing \"%s\", got r=%d \"%s\"", want, r, err.msg);
        if (r >= 0)
                tt_config_free(&c);
}

static void test_defaults(void **state) {
        struct tt_config c;
        struct tt_error err;
        assert_int_equal(load("", &c, &err), 0);
        assert_string_equal(c.host_id, "auto");
        assert_string_equal(c.state_dir, "/var/lib/telltale");
        assert_int_equal(c.min_severity, TT_SEVERITY_MEDIUM);
        assert_int_equal(c.n_outputs, 0);
        tt_config_free(&c);
        assert_int_equal(tt_config_load(NULL, &c, &err), 0);
        assert_null(c.path);
        tt_config_free(&c);
}

static void test_full(void **state) {
        struct tt_config c;
        struct tt_error err;
        const char *text = "host_id: lt-0421\n"
                           "state_dir: /tmp/x\n"
                           "report: {min_severity: low}\n"
                           "probes:\n"
                           "  usb: {enabled: true}\n"
                           "  process: {enabled: false, interval: 30s}\n"
                           "allow:\n"
                           "  - rule: remote-access.teamviewer\n"
                           "    reason: helpdesk tool, ticket 4711\n"
                           "  - usb: {vendor_id: \"046d\", product_id: \"c52b\"}\n"
                           "    reason: standard-issue receiver\n"
                           "network:\n"
                           "  local: [192.168.0.0/16, fd00::/8]\n"
                           "  expected_countries: [US, CA]\n"
                           "  corporate_vpn: {interfaces: [corp0], cidrs: [10.0.0.0/8]}\n"
                           "  geoip_db: /x.mmdb\n"
                           "fleet: {secret_file: /etc/telltale/fleet.key}\n"
                           "outputs:\n"
                           "  - type: stdout\n"
                           "    format: json\n"
                           "  - type: remote\n"
                           "    target: relp://siem.example.net:20514\n"
                           "    tls: {ca: /ca.pem, cert: /c.pem, key: /c.key}\n"
                           "    spool: {path: /var/lib/telltale/spool, max_size: 64MiB}\n"
                           "    heartbeat: 5m\n";
        assert_int_equal(load(text, &c, &err), 0);
        assert_string_equal(c.host_id, "lt-0421");
        assert_int_equal(c.min_severity, TT_SEVERITY_LOW);
        assert_int_equal(c.n_probes, 2);
        const struct tt_probe_config *p = tt_config_probe(&c, "process");
        assert_non_null(p);
        assert_false(p->enabled);
        assert_int_equal(p->interval_usec, 30000000);
        assert_int_equal(c.n_allow, 2);
        assert_string_equal(c.allow[0].rule, "remote-access.teamviewer");
        assert_string_equal(c.allow[1].match.kind->name, "usb_device");
        assert_int_equal(c.network.local.n, 2);
        assert_true(tt_cidr_contains_text(&c.network.local.items[0], "192.168.7.1"));
        assert_false(tt_cidr_contains_text(&c.network.local.items[0], "192.169.0.1"));
        assert_true(tt_cidr_contains_text(&c.network.local.items[1], "fd12::1"));
        assert_int_equal(c.network.expected_countries.n, 2);
        assert_int_equal(c.network.vpn_cidrs.n, 1);
        assert_int_equal(c.n_outputs, 2);
        assert_int_equal(c.outputs[0].format, TT_FORMAT_JSON);
        assert_int_equal(c.outputs[1].type, TT_OUTPUT_REMOTE);
        assert_int_equal(c.outputs[1].format, TT_FORMAT_RFC5424);
        assert_int_equal(c.outputs[1].spool_max, 64 << 20);
        assert_int_equal(c.outputs[1].heartbeat_usec, 300000000);
        tt_config_free(&c);
}

static void test_errors(void **state) {
        expect_error("hostid: x\n", ":1:1: unknown key \"hostid\"");
        expect_error("report:\n  min_severity: severe\n", ":2:17: unknown severity");
        expect_error("report: {min_sev: high}\n", "unknown key \"min_sev\"");
        expect_error("probes:\n  usb: {enabled: maybe}\n", ":2:18: expected true or false");
        expect_error("probes:\n  usb: yes\n", "a probe entry must be a mapping");
        expect_error("probes:\n  process: {interval: 30}\n", "expected a duration");
        expect_error("allow:\n  - rule: x\n", ":2:5: an allow entry needs a \"reason\"");
        expect_error("allow:\n  - reason: why\n", "needs a \"rule\" or an observation kind");
        expect_error("allow:\n  - usbb: {vendor_id: x}\n    reason: r\n", "unknown key \"usbb\"");
        expect_error("allow:\n  - usb_device: {vendorid: x}\n    reason: r\n", "has no attribute \"vendorid\"");
        expect_error("network: {local: [10.0.0.0/33]}\n", "bad address range \"10.0.0.0/33\"");
        expect_error("network: {expected_countries: [USA]}\n", "not an ISO 3166 country code");
        expect_error("outputs:\n  - type: remote\n", "a remote output needs a \"target\"");
        expect_error("outputs:\n  - type: remote\n    target: http://x\n", "must start with udp://");
        expect_error("outputs:\n  - type: remote\n    target: tcp://[::1\n", ":3:13: bad target \"tcp://[::1\"");
        expect_error("outputs:\n  - type: remote\n    target: relp://siem:70000\n", "bad target");
        expect_error("outputs:\n  - type: remote\n    target: tcp://a b:514\n", "bad target");
        expect_error("outputs:\n  - type: remote\n    target: relp://10.1.2.3:20514\n    tls: {ca: /ca.pem}\n",
                     ":4:10: RELP over TLS checks the collector's certificate by name");
        expect_error("outputs:\n  - type: remote\n    target: relp://[2001:db8::5]:20514\n    tls: {ca: /ca.pem}\n",
                     "needs its host name, not an address");
        expect_error("outputs:\n  - type: pigeon\n", "unknown output type \"pigeon\"");
        expect_error("outputs:\n  - type: stdout\n    format: xml\n", "unknown format \"xml\"");
        expect_error("outputs:\n  - type: remote\n    target: tls://x:1\n    tls: {cert: /c}\n",
                     "needs both \"cert\" and \"key\"");
        expect_error("outputs:\n  - type: remote\n    target: tls://x:1\n    spool: {max_size: lots}\n",
                     "expected a size");
        expect_error("host_id: [a]\n", "host_id must be a scalar");
        expect_error("host_id: a\nhost_id: b\n", ":2:1: duplicate key \"host_id\"");
        expect_error("{", "did not find expected node content");
        expect_error("- a\n", "the config must be a mapping");
}

static void test_missing_file(void **state) {
        struct tt_config c;
        struct tt_error err = {};
        assert_int_equal(tt_config_load("/nonexistent/telltale.yaml", &c, &err), -ENOENT);
        assert_non_null(strstr(err.msg, "/nonexistent/telltale.yaml: No such file"));
}

/* Files the config names: relative to the config's directory, absolute as given. */
/* What is fine: TLS to an address (OpenSSL checks its IP), RELP over TLS to a name, plain RELP to an address. */
static void test_targets(void **state) {
        static const char *const good[] = {
                "outputs:\n  - type: remote\n    target: tls://10.1.2.3:6514\n",
                "outputs:\n  - type: remote\n    target: relp://siem.example.net:20514\n    tls: {ca: /ca.pem}\n",
                "outputs:\n  - type: remote\n    target: relp://10.1.2.3\n",
                "outputs:\n  - type: remote\n    target: udp://[2001:db8::5]:514\n",
        };
        for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
                struct tt_config c;
                struct tt_error err;
                if (load(good[i], &c, &err) < 0)
                        fail_msg("%s: %s", good[i], err.msg);
                tt_config_free(&c);
        }
        struct tt_remote_target t;
        assert_int_equal(tt_remote_target_parse("relp://[2001:db8::5]", &t), 0);
        assert_int_equal(t.proto, TT_REMOTE_RELP);
        assert_string_equal(t.host, "2001:db8::5");
        assert_string_equal(t.port, "2514");
}

static void test_relative_paths(void **state) {
        struct tt_config c;
        struct tt_error err;
        assert_int_equal(load("network: {geoip_db: geo/countries.mmdb}\nfleet: {secret_file: fleet.key}\n"
                              "outputs:\n  - type: remote\n    target: tls://10.0.0.1:6514\n"
                              "    tls: {ca: pki/ca.pem, cert: /etc/pki/client.pem, key: ../client.key}\n",
                              &c, &err),
                         0);
        assert_string_equal(c.network.geoip_db, "/tmp/geo/countries.mmdb");
        assert_string_equal(c.fleet_secret_file, "/tmp/fleet.key");
        assert_string_equal(c.outputs[0].tls_ca, "/tmp/pki/ca.pem");
        assert_string_equal(c.outputs[0].tls_cert, "/etc/pki/client.pem");
        assert_string_equal(c.outputs[0].tls_key, "/tmp/../client.key");
        tt_config_free(&c);
}

static int setup(void **state) {
        int fd = mkstemp(path);
        if (fd < 0)
                return -1;
        close(fd);
        return 0;
}

static int teardown(void **state) {
        unlink(path);
        return 0;
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_defaults),
                cmocka_unit_test(test_full),
                cmocka_unit_test(test_errors),
                cmocka_unit_test(test_missing_file),
                cmocka_unit_test(test_relative_paths),
                cmocka_unit_test(test_targets),
        };
        return cmocka_run_group_tests(tests, setup, teardown);
}
