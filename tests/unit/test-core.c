/* SPDX-License-Identifier: MIT */
/* The judge: grouping, allowlist, escalation, stable ids, confidence. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <unistd.h>

#include <cmocka.h>

#include "core.h"
#include "format.h"

static char path[] = "/tmp/tt-core-XXXXXX";

#define RULE(id, cat, sev, match)                                                                        \
        "  - id: " id "\n    product: P-" id "\n    category: " cat "\n    severity: " sev "\n"             \
        "    technique: T1219.002\n    description: d\n    references: [https://example.org]\n"          \
        "    confidence: 60\n    match: " match "\n"

static const char *catalog_text =
        "rules:\n" RULE("ra.anydesk", "remote-access", "high",
                        "{process: {exe: \"*/anydesk\"}, listener: {exe: \"*/anydesk\"}, package: {name: anydesk}}")
                RULE("kvm.pikvm", "kvm", "critical", "{usb_device: {vendor_id: 1d6b, product_id: \"0104\"}}")
                        RULE("kvm.gadget", "kvm", "high", "{usb_device: {vendor_id: 1d6b}}")
                                RULE("ra.vnc", "remote-access", "medium", "{listener: {port: 5900-5999}}");

struct fixture {
        struct tt_catalog cat;
        struct tt_config cfg;
        struct tt_core *core;
};

static void fixture_load(struct fixture *fx, const char *config_text, const char *host) {
        FILE *f = fopen(path, "w");
        assert_non_null(f);
        fputs(catalog_text, f);
        fclose(f);
        struct tt_error err = {};
        *fx = (struct fixture){};
        if (tt_catalog_load_file(&fx->cat, path, &err) < 0)
                fail_msg("%s", err.msg);
        f = fopen(path, "w");
        fputs(config_text, f);
        fclose(f);
        if (tt_config_load(path, &fx->cfg, &err) < 0)
                fail_msg("%s", err.msg);
        assert_int_equal(tt_core_new(&fx->cfg, &fx->cat, host, &fx->core), 0);
}

static void fixture_free(struct fixture *fx) {
        tt_core_free(fx->core);
        tt_config_free(&fx->cfg);
        tt_catalog_free(&fx->cat);
}

static void observe_anydesk(struct tt_core *c, const char *bind) {
        struct tt_observation o;
        tt_obs_init(&o, "process", "pid:812");
        tt_obs_add_str(&o, "exe", "/usr/bin/anydesk");
        tt_obs_add_int(&o, "pid", 812);
        assert_int_equal(tt_core_observe(c, "process", &o, 1000000), 0);
        tt_obs_init(&o, "listener", "listener:tcp:0.0.0.0:7070");
        tt_obs_add_str(&o, "proto", "tcp");
        tt_obs_add_str(&o, "addr", streq(bind, "loopback") ? "127.0.0.1" : "0.0.0.0");
        tt_obs_add_int(&o, "port", 7070);
        tt_obs_add_str(&o, "exe", "/usr/bin/anydesk");
        tt_obs_add_int(&o, "pid", 812);
        tt_obs_add_str(&o, "bind", bind);
        assert_int_equal(tt_core_observe(c, "socket", &o, 2000000), 0);
        /* the same process seen again is one piece of evidence, counted */
        tt_obs_init(&o, "process", "pid:812");
        tt_obs_add_str(&o, "exe", "/usr/bin/anydesk");
        assert_int_equal(tt_core_observe(c, "process", &o, 3000000), 0);
}

static void test_host_grouping_and_escalation(void **state) {
        struct fixture fx;
        fixture_load(&fx, "", "lt-1");
        observe_anydesk(fx.core, "any");
        assert_int_equal(tt_core_flush(fx.core, 4000000), 0);
        assert_int_equal(tt_core_n_findings(fx.core), 1); /* one finding per product on the host */
        const struct tt_finding *f = tt_core_finding(fx.core, 0);
        assert_string_equal(f->rule->id, "ra.anydesk");
        assert_int_equal(f->severity, TT_SEVERITY_CRITICAL); /* high + reachable listener */
        assert_int_equal(f->n_evidence, 2);
        assert_int_equal(f->evidence[0].count, 2);
        assert_non_null(strstr(f->reasons[0].detail, "listens on 0.0.0.0 port 7070"));
        assert_non_null(strstr(f->summary, "exe=/usr/bin/anydesk"));
        struct tt_buf b = {};
        tt_format_finding_json(&b, f, "lt-1");
        assert_non_null(strstr(b.data, "\"pid\":812"));
        assert_non_null(strstr(b.data, "\"port\":7070"));
        assert_non_null(strstr(b.data, "\"category\":\"remote-access\""));
        tt_buf_free(&b);
        fixture_free(&fx);

        fixture_load(&fx, "", "lt-1");
        observe_anydesk(fx.core, "loopback");
        assert_int_equal(tt_core_flush(fx.core, 4000000), 0);
        assert_int_equal(tt_core_finding(fx.core, 0)->severity, TT_SEVERITY_HIGH);
        fixture_free(&fx);
}

static void usb_pikvm(struct tt_core *c, const char *subject) {
        struct tt_observation o;
        tt_obs_init(&o, "usb_device", subject);
        tt_obs_add_hex(&o, "vendor_id", 0x1d6b);
        tt_obs_add_hex(&o, "product_id", 0x0104);
        tt_obs_add_str(&o, "manufacturer", "PiKVM");
        assert_int_equal(tt_core_observe(c, "usb", &o, 1000000), 0);
}

static void test_subject_grouping_and_confidence(void **state) {
        struct fixture fx;
        fixture_load(&fx, "", "lt-1");
        usb_pikvm(fx.core, "usb:1-2");
        usb_pikvm(fx.core, "usb:1-3");
        assert_int_equal(tt_core_flush(fx.core, 2000000), 0);
        /* one finding per device, each naming the strongest rule with both reasons */
        assert_int_equal(tt_core_n_findings(fx.core), 2);
        const struct tt_finding *f = tt_core_finding(fx.core, 0);
        assert_string_equal(f->rule->id, "kvm.pikvm");
        assert_int_equal(f->n_reasons, 2);
        assert_int_equal(f->severity, TT_SEVERITY_CRITICAL);
        assert_int_equal(f->confidence, 84); /* 1 - 0.4 * 0.4 */
        assert_string_not_equal(f->id, tt_core_finding(fx.core, 1)->id);
        fixture_free(&fx);
}

static void test_stable_ids(void **state) {
        char a[33], b[33], c[33], d[33];
        tt_finding_id("lt-1", "kvm.pikvm", "usb:1-2", a);
        tt_finding_id("lt-1", "kvm.pikvm", "usb:1-2", b);
        tt_finding_id("lt-2", "kvm.pikvm", "usb:1-2", c);
        tt_finding_id("lt-1", "kvm.pikv", "musb:1-2", d);
        assert_string_equal(a, b);
        assert_string_not_equal(a, c);
        assert_string_not_equal(a, d);
        assert_int_equal(strlen(a), 32);

        /* and across two runs of the core */
        struct fixture fx;
        fixture_load(&fx, "", "lt-1");
        usb_pikvm(fx.core, "usb:1-2");
        tt_core_flush(fx.core, 1);
        strscpy(a, sizeof(a), tt_core_finding(fx.core, 0)->id);
        tt_core_reset(fx.core);
        assert_int_equal(tt_core_n_findings(fx.core), 0);
        usb_pikvm(fx.core, "usb:1-2");
        tt_core_flush(fx.core, 2);
        assert_string_equal(a, tt_core_finding(fx.core, 0)->id);
        fixture_free(&fx);
}

static void test_allowlist(void **state) {
        struct fixture fx;
        fixture_load(&fx, "allow:\n  - rule: ra.anydesk\n    reason: helpdesk\n", "lt-1");
        observe_anydesk(fx.core, "any");
        tt_core_flush(fx.core, 1);
        assert_int_equal(tt_core_n_findings(fx.core), 0);
        assert_int_equal(tt_core_n_allowed(fx.core), 3);
        fixture_free(&fx);

        /* allow by observation: only the matching device is quiet */
        fixture_load(&fx,
                     "allow:\n  - usb: {vendor_id: 1d6b, manufacturer: PiKVM}\n    rule: kvm.gadget\n"
                     "    reason: lab\n",
                     "lt-1");
        usb_pikvm(fx.core, "usb:1-2");
        tt_core_flush(fx.core, 1);
        assert_int_equal(tt_core_n_findings(fx.core), 1);
        assert_int_equal(tt_core_finding(fx.core, 0)->n_reasons, 1);
        assert_string_equal(tt_core_finding(fx.core, 0)->rule->id, "kvm.pikvm");
        fixture_free(&fx);
}

static void test_unknown_kind(void **state) {
        struct fixture fx;
        fixture_load(&fx, "", "lt-1");
        struct tt_observation o;
        tt_obs_init(&o, "nonsense", "x");
        assert_int_equal(tt_core_observe(fx.core, "p", &o, 1), -EINVAL);
        fixture_free(&fx);
}

static void test_escaping(void **state) {
        struct tt_buf b = {};
        tt_buf_json_string(&b, "a\"b\\c\n\x1b[31m\x7f\xff\xc3\xa9\xe2\x80\xa8");
        assert_string_equal(b.data, "\"a\\\"b\\\\c\\u000a\\u001b[31m\\u007f\\u00ff\xc3\xa9\\u2028\"");
        tt_buf_reset(&b);
        tt_buf_text(&b, "x\x1b]0;pwn\x07 \xc2\x9b \xc3\xa9\\", NULL);
        assert_string_equal(b.data, "x\\x1b]0;pwn\\x07 \\xc2\\x9b \xc3\xa9\\\\");
        tt_buf_reset(&b);
        tt_buf_text(&b, "a]b\"c", "]\"");
        assert_string_equal(b.data, "a\\]b\\\"c");
        tt_buf_free(&b);
}

/* Attribute names must not shadow the keys every observation and piece of
 * evidence has in JSON. */
static void test_kinds_reserved_names(void **state) {
        static const char *const reserved[] = { "probe", "kind", "subject", "count" };
        for (size_t k = 0; tt_kinds[k]; k++)
                for (size_t a = 0; tt_kinds[k]->attrs[a]; a++)
                        for (size_t r = 0; r < ELEMENTSOF(reserved); r++)
                                if (streq(tt_kinds[k]->attrs[a], reserved[r]))
                                        fail_msg("kind %s declares reserved attribute %s", tt_kinds[k]->name,
                                                 reserved[r]);
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
                cmocka_unit_test(test_host_grouping_and_escalation),
                cmocka_unit_test(test_subject_grouping_and_confidence),
                cmocka_unit_test(test_stable_ids),
                cmocka_unit_test(test_allowlist),
                cmocka_unit_test(test_unknown_kind),
                cmocka_unit_test(test_escaping),
                cmocka_unit_test(test_kinds_reserved_names),
        };
        return cmocka_run_group_tests(tests, setup, teardown);
}
