/* SPDX-License-Identifier: MIT */
#include <sys/stat.h>
#include <unistd.h>
/* YAML loader, catalog loader and matcher: every error path names
 * file:line:col, and conditions match what the format says. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "catalog.h"
#include "yaml-node.h"

static char tmpdir[] = "/tmp/tt-catalog-XXXXXX";

static void write_file(const char *name, const char *text) {
        char p[512];
        snprintf(p, sizeof(p), "%s/%s", tmpdir, name);
        FILE *f = fopen(p, "w");
        assert_non_null(f);
        fputs(text, f);
        fclose(f);
}

#define RULE_HEAD(id)                                                                                  \
        "  - id: " id "\n"                                                                             \
        "    product: Thing\n"                                                                         \
        "    category: remote-access\n"                                                                \
        "    severity: high\n"                                                                         \
        "    technique: T1219.002\n"                                                                   \
        "    description: a thing\n"                                                                   \
        "    references: [https://example.org/thing]\n"

/* Loads text as a one-file catalog; returns the loader's result. */
static int load_text(const char *text, struct tt_catalog *c, struct tt_error *err) {
        write_file("rules.yaml", text);
        char p[512];
        snprintf(p, sizeof(p), "%s/rules.yaml", tmpdir);
        *c = (struct tt_catalog){};
        return tt_catalog_load_file(c, p, err);
}

/* The loader must fail and the message must contain want (with position). */
static void expect_error(const char *text, const char *want) {
        struct tt_catalog c;
        struct tt_error err = {};
        int r = load_text(text, &c, &err);
        if (r >= 0 || !strstr(err.msg, want))
                fail_msg("expected error containing \"%s\", got r=%d \"%s\"", want, r, err.msg);
        tt_catalog_free(&c);
}

static void test_valid_rule(void **state) {
        struct tt_catalog c;
        struct tt_error err = {};
        assert_int_equal(load_text("rules:\n" RULE_HEAD("remote-access.thing") "    match:\n"
                                   "      process: {exe: \"*/thing\"}\n"
                                   "      listener: [{port: 7070}, {comm: thingd}]\n",
                                   &c, &err),
                         0);
        assert_int_equal(c.n_rules, 1);
        const struct tt_rule *r = tt_catalog_find(&c, "remote-access.thing");
        assert_non_null(r);
        assert_int_equal(r->severity, TT_SEVERITY_HIGH);
        assert_int_equal(r->confidence, 80);
        assert_int_equal(r->n_matches, 2);
        assert_int_equal(r->matches[1].n_alts, 2);
        tt_catalog_free(&c);
}

static void test_errors(void **state) {
        expect_error("rules:\n  - id: [\n", "rules.yaml:");
        expect_error("rules:\n" RULE_HEAD("a.b") "    match: {process: {exe: x}}\n    colour: red\n",
                     "rules.yaml:10:5: unknown key \"colour\"");
        expect_error("rules:\n  - id: a.b\n    product: x\n", "rules.yaml:2:5: rule is missing \"category\"");
        expect_error("rules:\n" RULE_HEAD("a.b") "    match: {process: {exe_name: x}}\n",
                     "rules.yaml:9:23: \"process\" has no attribute \"exe_name\"");
        expect_error("rules:\n" RULE_HEAD("a.b") "    match: {processes: {exe: x}}\n",
                     "rules.yaml:9:13: unknown observation kind \"processes\"");
        expect_error("rules:\n" RULE_HEAD("a.b") "    match: {process: {exe: \"[abc\"}}\n", "bad glob \"[abc\"");
        expect_error("rules:\n" RULE_HEAD("a.b") "    match: {process: {exe: x}}\n" RULE_HEAD("a.b")
                     "    match: {process: {exe: y}}\n",
                     "rules.yaml:10:9: duplicate rule id \"a.b\"");
        expect_error("rules:\n" RULE_HEAD("a.b") "    match: {}\n", "match is empty");
        expect_error("rules:\n" RULE_HEAD("a.b") "    match: {process: {}}\n", "would match everything");
        expect_error("rules:\n" RULE_HEAD("a.b") "    heuristic: no-such-thing\n", "unknown heuristic");
        expect_error("rules:\n" RULE_HEAD("a.b"), "exactly one of \"match\" and \"heuristic\"");
        expect_error("rules:\n" RULE_HEAD("A_B") "    match: {process: {exe: x}}\n", "bad rule id");
        expect_error("rules:\n" RULE_HEAD("a.b") "    match: {dns: {name_suffix: \"*.x.com\"}}\n",
                     "plain name, not a glob");
        expect_error("rules:\n" RULE_HEAD("a.b") "    match: {process: x}\n", "needs a condition map");
        expect_error("rules:\n" RULE_HEAD("a.b") "    match: {process: {exe: x, exe: y}}\n", "duplicate key");
        expect_error("x: &a [1]\ny: *a\n", "anchors are not supported");
        expect_error("rules: []\n---\nrules: []\n", "only one YAML document");
        expect_error("", "empty catalog file");
        expect_error("? [a]\n: b\n", "1:3: mapping keys must be plain strings");
        expect_error("rules:\n  - id: a.b\n    product: x\n    category: remote-access\n    severity: severe\n"
                     "    technique: T1219\n    description: d\n    references: [https://x.org]\n"
                     "    match: {process: {exe: x}}\n",
                     "rules.yaml:5:15: unknown severity \"severe\"");
        expect_error("rules:\n  - id: a.b\n    product: x\n    category: remote\n    severity: high\n"
                     "    technique: T1219\n    description: d\n    references: [https://x.org]\n"
                     "    match: {process: {exe: x}}\n",
                     "unknown category \"remote\"");
        expect_error("rules:\n  - id: a.b\n    product: x\n    category: kvm\n    severity: high\n"
                     "    technique: 1219\n    description: d\n    references: [https://x.org]\n"
                     "    match: {process: {exe: x}}\n",
                     "bad ATT&CK technique");
        expect_error("rules:\n  - id: a.b\n    product: x\n    category: kvm\n    severity: high\n"
                     "    technique: T1219\n    description: d\n    references: [not-a-url]\n"
                     "    match: {process: {exe: x}}\n",
                     "must be a URL");
        expect_error("rules:\n  - id: a.b\n    product: x\n    category: kvm\n    severity: high\n"
                     "    technique: T1219\n    description: d\n    references: []\n"
                     "    match: {process: {exe: x}}\n",
                     "at least one reference");
        expect_error("rules:\n" RULE_HEAD("a.b") "    confidence: 101\n    match: {process: {exe: x}}\n",
                     "larger than 100");
}

static void test_duplicate_across_files(void **state) {
        char sub[600];
        snprintf(sub, sizeof(sub), "%s/d", tmpdir);
        mkdir(sub, 0700);
        write_file("d/a.yaml", "rules:\n" RULE_HEAD("x.one") "    match: {process: {exe: x}}\n");
        write_file("d/b.yaml", "rules:\n" RULE_HEAD("x.one") "    match: {process: {exe: y}}\n");
        write_file("d/ignored.txt", "not yaml");
        struct tt_catalog c = {};
        struct tt_error err = {};
        assert_true(tt_catalog_load_dir(&c, sub, false, &err) < 0);
        assert_non_null(strstr(err.msg, "b.yaml:2:9: duplicate rule id \"x.one\" (first defined at"));
        assert_non_null(strstr(err.msg, "a.yaml:2"));
        tt_catalog_free(&c);
        /* A missing optional directory is fine, a missing required one is not. */
        snprintf(sub, sizeof(sub), "%s/nope", tmpdir);
        assert_int_equal(tt_catalog_load_dir(&c, sub, true, &err), 0);
        assert_true(tt_catalog_load_dir(&c, sub, false, &err) < 0);
}

static struct tt_rule *one_rule(struct tt_catalog *c, const char *match) {
        char text[2048];
        snprintf(text, sizeof(text), "rules:\n" RULE_HEAD("t.r") "    match:\n%s", match);
        struct tt_error err = {};
        if (load_text(text, c, &err) < 0)
                fail_msg("load: %s", err.msg);
        return &c->rules[0];
}

static void test_match_glob_and_case(void **state) {
        struct tt_catalog c;
        struct tt_rule *r = one_rule(&c, "      process: {exe: \"*/AnyDesk\", comm: [anydesk, ad]}\n");
        struct tt_observation o;
        tt_obs_init(&o, "process", "pid:1");
        tt_obs_add_str(&o, "exe", "/usr/bin/anydesk");
        tt_obs_add_str(&o, "comm", "anydesk");
        assert_true(tt_rule_match(r, &o));
        tt_obs_init(&o, "process", "pid:1");
        tt_obs_add_str(&o, "exe", "/usr/bin/anydesk");
        tt_obs_add_str(&o, "comm", "bash");
        assert_false(tt_rule_match(r, &o)); /* all keys must match */
        tt_obs_init(&o, "process", "pid:1");
        tt_obs_add_str(&o, "exe", "/usr/bin/anydesk-helper");
        tt_obs_add_str(&o, "comm", "ad");
        assert_false(tt_rule_match(r, &o));
        tt_obs_init(&o, "listener", "x");
        tt_obs_add_str(&o, "exe", "/usr/bin/anydesk");
        assert_false(tt_rule_match(r, &o)); /* other kind */
        tt_catalog_free(&c);
}

static void test_match_suffix_prefix(void **state) {
        struct tt_catalog c;
        struct tt_rule *r = one_rule(&c, "      tls: [{sni_suffix: net.anydesk.com}, {alpn_prefix: \"anydesk/\"}]\n");
        struct tt_observation o;
        const char *yes[] = { "relay-1.net.anydesk.com", "net.anydesk.com", "NET.AnyDesk.com.", NULL };
        const char *no[] = { "evilnet.anydesk.com", "net.anydesk.com.evil.org", "anydesk.com", "", NULL };
        for (size_t i = 0; yes[i]; i++) {
                tt_obs_init(&o, "tls", "f");
                tt_obs_add_str(&o, "sni", yes[i]);
                assert_true(tt_rule_match(r, &o));
        }
        for (size_t i = 0; no[i]; i++) {
                tt_obs_init(&o, "tls", "f");
                tt_obs_add_str(&o, "sni", no[i]);
                assert_false(tt_rule_match(r, &o));
        }
        /* multi-valued: any value */
        tt_obs_init(&o, "tls", "f");
        tt_obs_add_str(&o, "alpn", "h2");
        tt_obs_add_str(&o, "alpn", "AnyDesk/6.2.0");
        assert_true(tt_rule_match(r, &o));
        tt_obs_init(&o, "tls", "f");
        tt_obs_add_str(&o, "alpn", "h2");
        tt_obs_add_str(&o, "alpn", "http/1.1");
        assert_false(tt_rule_match(r, &o));
        tt_catalog_free(&c);
}

static void test_match_ints_and_hex(void **state) {
        struct tt_catalog c;
        struct tt_rule *r = one_rule(&c, "      listener: {port: 5900-5999, proto: tcp}\n"
                                         "      usb_device: {vendor_id: 1D6B, product_id: \"0104\"}\n");
        struct tt_observation o;
        int64_t ports[] = { 5900, 5901, 5999 }, bad[] = { 5899, 6000, 590 };
        for (size_t i = 0; i < 3; i++) {
                tt_obs_init(&o, "listener", "l");
                tt_obs_add_str(&o, "proto", "tcp");
                tt_obs_add_int(&o, "port", ports[i]);
                assert_true(tt_rule_match(r, &o));
                tt_obs_init(&o, "listener", "l");
                tt_obs_add_str(&o, "proto", "tcp");
                tt_obs_add_int(&o, "port", bad[i]);
                assert_false(tt_rule_match(r, &o));
        }
        tt_obs_init(&o, "usb_device", "usb:1-1");
        tt_obs_add_hex(&o, "vendor_id", 0x1d6b);
        tt_obs_add_hex(&o, "product_id", 0x0104);
        assert_true(tt_rule_match(r, &o));
        tt_obs_init(&o, "usb_device", "usb:1-1");
        tt_obs_add_hex(&o, "vendor_id", 0x1d6b);
        tt_obs_add_hex(&o, "product_id", 0x0002);
        assert_false(tt_rule_match(r, &o));
        tt_catalog_free(&c);
}

static void test_catalog_paths(void **state) {
        struct tt_catalog c;
        one_rule(&c, "      path: [{path: /opt/teamviewer}, {path: \"/home/*/.config/x\"}]\n"
                     "      process: {exe: \"*/x\"}\n");
        char **v = NULL;
        assert_int_equal(tt_catalog_paths(&c, &v), 0);
        assert_string_equal(v[0], "/opt/teamviewer");
        assert_string_equal(v[1], "/home/*/.config/x");
        assert_null(v[2]);
        tt_strv_free(v);
        tt_catalog_free(&c);
}

static void test_yaml_typed(void **state) {
        struct tt_yaml_doc d;
        struct tt_error err = {};
        const char *text = "a: 30s\nb: 64MiB\nc: yes\nd: \"true\"\ne: 5x\nf: -1\n";
        assert_int_equal(tt_yaml_load_string("t.yaml", text, strlen(text), &d, &err), 0);
        uint64_t v;
        bool bv;
        assert_int_equal(tt_yaml_duration(tt_yaml_get(d.root, "a"), &v, &err), 0);
        assert_int_equal(v, 30000000);
        assert_int_equal(tt_yaml_size(tt_yaml_get(d.root, "b"), &v, &err), 0);
        assert_int_equal(v, 64 << 20);
        assert_int_equal(tt_yaml_bool(tt_yaml_get(d.root, "c"), &bv, &err), 0);
        assert_true(bv);
        assert_true(tt_yaml_bool(tt_yaml_get(d.root, "d"), &bv, &err) < 0); /* quoted is a string */
        assert_true(tt_yaml_duration(tt_yaml_get(d.root, "e"), &v, &err) < 0);
        assert_non_null(strstr(err.msg, "t.yaml:5:4: expected a duration"));
        assert_true(tt_yaml_uint(tt_yaml_get(d.root, "f"), 10, &v, &err) < 0);
        tt_yaml_doc_free(&d);
}

static int setup(void **state) {
        return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown(void **state) {
        char cmd[600];
        snprintf(cmd, sizeof(cmd), "%s/d", tmpdir);
        const char *files[] = { "d/a.yaml", "d/b.yaml", "d/ignored.txt", "rules.yaml" };
        for (size_t i = 0; i < 4; i++) {
                snprintf(cmd, sizeof(cmd), "%s/%s", tmpdir, files[i]);
                unlink(cmd);
        }
        snprintf(cmd, sizeof(cmd), "%s/d", tmpdir);
        rmdir(cmd);
        rmdir(tmpdir);
        return 0;
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_valid_rule),          cmocka_unit_test(test_errors),
                cmocka_unit_test(test_duplicate_across_files), cmocka_unit_test(test_match_glob_and_case),
                cmocka_unit_test(test_match_suffix_prefix), cmocka_unit_test(test_match_ints_and_hex),
                cmocka_unit_test(test_catalog_paths),       cmocka_unit_test(test_yaml_typed),
        };
        return cmocka_run_group_tests(tests, setup, teardown);
}
