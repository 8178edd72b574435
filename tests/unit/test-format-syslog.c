/* SPDX-License-Identifier: MIT */
/* Wire formats: RFC 5424 header, structured data and its escaping (§6.3.3),
 * the local /dev/log form, CEF escaping, SD-ID validation. Hostile strings
 * go in; a small RFC 5424 parser here checks that what comes out parses back
 * to the same values. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "format-syslog.h"

static struct tt_rule rule = {
        .id = (char *) "kvm.pikvm.usb",
        .product = (char *) "PiKVM",
        .technique = (char *) "T1200",
        .category = TT_CATEGORY_KVM,
        .severity = TT_SEVERITY_HIGH,
        .confidence = 90,
};

/* 2026-11-23T06:04:13.120Z */
#define T0 1795413853120000ULL

static struct tt_finding finding(const char *subject, const char *summary) {
        struct tt_finding f = {
                .event = TT_EVENT_NEW,
                .rule = &rule,
                .subject = (char *) subject,
                .category = TT_CATEGORY_KVM,
                .severity = TT_SEVERITY_HIGH,
                .confidence = 90,
                .summary = (char *) summary,
                .first_seen = T0,
                .last_seen = T0,
        };
        strscpy(f.id, sizeof(f.id), "9f1c0a2b3c4d5e6f708192a3b4c5d6e7");
        return f;
}

static const struct tt_syslog_opts opts = { .host = "lt-0421", .app = "telltale", .pid = 812 };

static void test_sd_id(void **state) {
        assert_true(tt_syslog_sd_id_valid("telltale@32473"));
        assert_true(tt_syslog_sd_id_valid("acme@1.2.3"));
        assert_true(tt_syslog_sd_id_valid("abcdefghijklmnopqrstuvwxyz@12345")); /* 32 */
        assert_false(tt_syslog_sd_id_valid("abcdefghijklmnopqrstuvwxyz@123456")); /* 33 */
        assert_false(tt_syslog_sd_id_valid(""));
        assert_false(tt_syslog_sd_id_valid("telltale"));
        assert_false(tt_syslog_sd_id_valid("@32473"));
        assert_false(tt_syslog_sd_id_valid("telltale@"));
        assert_false(tt_syslog_sd_id_valid("telltale@x1"));
        assert_false(tt_syslog_sd_id_valid("telltale@1x"));
        assert_false(tt_syslog_sd_id_valid("tell tale@1"));
        assert_false(tt_syslog_sd_id_valid("tell=tale@1"));
        assert_false(tt_syslog_sd_id_valid("tell]tale@1"));
        assert_false(tt_syslog_sd_id_valid("tell\"tale@1"));
        assert_false(tt_syslog_sd_id_valid("a@1@2"));
        assert_false(tt_syslog_sd_id_valid("t\xc3\xa9@1"));
}

static void test_rfc5424_exact(void **state) {
        struct tt_finding f = finding("usb:1-2", "PiKVM: usb_device vendor_id=1d6b");
        struct tt_buf b = {};
        tt_format_rfc5424(&b, &f, &opts, TT_FORMAT_RFC5424);
        assert_false(b.oom);
        /* PRI: authpriv (10) * 8 + err (3, high). */
        assert_string_equal(b.data,
                            "<83>1 2026-11-23T06:04:13.120Z lt-0421 telltale 812 new "
                            "[telltale@32473 id=\"9f1c0a2b3c4d5e6f708192a3b4c5d6e7\" event=\"new\" "
                            "rule=\"kvm.pikvm.usb\" category=\"kvm\" severity=\"high\" confidence=\"90\" "
                            "technique=\"T1200\" product=\"PiKVM\" "
                            "subject=\"usb:1-2\" first_seen=\"2026-11-23T06:04:13.120Z\"] "
                            "PiKVM: usb_device vendor_id=1d6b");
        tt_buf_free(&b);

        /* Severity mapping across the range, and a configured SD-ID. */
        const struct tt_syslog_opts o2 = { .host = "h", .app = "telltale", .pid = 1, .sd_id = "acme@9" };
        for (int sev = 0; sev < _TT_SEVERITY_MAX; sev++) {
                f.severity = (enum tt_severity) sev;
                f.event = TT_EVENT_CLEARED;
                tt_format_rfc5424(&b, &f, &o2, TT_FORMAT_RFC5424);
                char want[64];
                snprintf(want, sizeof(want), "<%d>1 ", 80 + (6 - sev));
                assert_true(startswith(b.data, want));
                assert_non_null(strstr(b.data, " telltale 1 cleared [acme@9 id="));
                tt_buf_reset(&b);
        }
        tt_buf_free(&b);
}

/* A minimal RFC 5424 reader: header fields, SD elements, PARAM-VALUE
 * unescaping (\" \\ \] are escapes, any other backslash is literal). */
struct param {
        char sd_id[40];
        char name[40];
        char value[2048];
};

static size_t parse_message(const char *m, struct param *out, size_t max, const char **ret_msg) {
        const char *p = m;
        assert_int_equal(*p, '<');
        p = strchr(p, '>');
        assert_non_null(p);
        assert_true(startswith(p + 1, "1 "));
        p += 3;
        for (int field = 0; field < 5; field++) { /* TIMESTAMP HOSTNAME APP-NAME PROCID MSGID */
                const char *sp = strchr(p, ' ');
                assert_non_null(sp);
                for (const char *c = p; c < sp; c++)
                        assert_true(*c > 32 && *c < 127);
                p = sp + 1;
        }
        size_t n = 0;
        if (*p == '-') {
                *ret_msg = p + 2;
                return 0;
        }
        while (*p == '[') {
                p++;
                char sd_id[40];
                size_t k = strcspn(p, " ]");
                assert_true(k > 0 && k < sizeof(sd_id));
                memcpy(sd_id, p, k);
                sd_id[k] = '\0';
                p += k;
                while (*p == ' ') {
                        p++;
                        assert_true(n < max);
                        struct param *pa = &out[n++];
                        strscpy(pa->sd_id, sizeof(pa->sd_id), sd_id);
                        size_t nl = strcspn(p, "=");
                        assert_true(nl > 0 && nl <= 32);
                        for (size_t i = 0; i < nl; i++)
                                assert_true(p[i] > 32 && p[i] < 127 && p[i] != ']' && p[i] != '"');
                        memcpy(pa->name, p, nl);
                        pa->name[nl] = '\0';
                        p += nl;
                        assert_true(startswith(p, "=\""));
                        p += 2;
                        size_t vl = 0;
                        while (*p != '"') {
                                assert_int_not_equal(*p, '\0');
                                assert_int_not_equal(*p, ']'); /* unescaped ']' ends SD early */
                                if (*p == '\\' && (p[1] == '"' || p[1] == '\\' || p[1] == ']'))
                                        p++;
                                assert_true(vl + 1 < sizeof(pa->value));
                                pa->value[vl++] = *p++;
                        }
                        pa->value[vl] = '\0';
                        p++;
                }
                assert_int_equal(*p, ']');
                p++;
        }
        assert_int_equal(*p, ' ');
        *ret_msg = p + 1;
        return n;
}

static const char *param_get(const struct param *v, size_t n, const char *sd_id, const char *name, size_t nth) {
        for (size_t i = 0; i < n; i++)
                if (streq(v[i].sd_id, sd_id) && streq(v[i].name, name) && nth-- == 0)
                        return v[i].value;
        return NULL;
}

static void test_rfc5424_escaping(void **state) {
        /* Each SD-PARAM escape, a line break, invalid UTF-8, a C1 control, and
         * valid UTF-8 that must pass unchanged. */
        const char *subject = "a\"b]c\\d e\nf\xff g\xc2\x9bh \xc3\xa9";
        struct tt_finding f = finding(subject, "line1\nline2 ]\"");
        struct tt_evidence ev = {
                .probe = (char *) "usb",
                .kind = (char *) "usb_device",
                .subject = (char *) "usb:1-2",
        };
        struct tt_attr attrs[] = {
                { .key = "vendor_id", .type = TT_VALUE_INT, .num = 0x1d6b, .hex = true },
                { .key = "interface_class", .type = TT_VALUE_STR, .str = "03" },
                { .key = "interface_class", .type = TT_VALUE_STR, .str = "0e" },
                { .key = "bad key", .type = TT_VALUE_STR, .str = "dropped" },
                { .key = "manufacturer", .type = TT_VALUE_STR, .str = "Pi]KVM\"" },
        };
        ev.attrs = attrs;
        ev.n_attrs = ELEMENTSOF(attrs);
        f.evidence[0] = ev;
        f.n_evidence = 1;

        struct tt_buf b = {};
        tt_format_rfc5424(&b, &f, &opts, TT_FORMAT_RFC5424);
        assert_false(b.oom);
        assert_null(strchr(b.data, '\n'));
        struct param v[64];
        const char *msg;
        size_t n = parse_message(b.data, v, ELEMENTSOF(v), &msg);
        /* What has no escape in RFC 5424 is written as \xHH text. */
        assert_string_equal(param_get(v, n, "telltale@32473", "subject", 0),
                            "a\"b]c\\d e\\x0af\\xff g\\xc2\\x9bh \xc3\xa9");
        assert_string_equal(param_get(v, n, "evidence@32473", "vendor_id", 0), "1d6b");
        assert_string_equal(param_get(v, n, "evidence@32473", "interface_class", 0), "03");
        assert_string_equal(param_get(v, n, "evidence@32473", "interface_class", 1), "0e");
        assert_string_equal(param_get(v, n, "evidence@32473", "manufacturer", 0), "Pi]KVM\"");
        assert_string_equal(param_get(v, n, "evidence@32473", "probe", 0), "usb");
        assert_null(param_get(v, n, "evidence@32473", "bad key", 0));
        assert_null(param_get(v, n, "evidence@32473", "observations", 0));
        assert_string_equal(msg, "line1\\x0aline2 ]\"");
        tt_buf_free(&b);
}

static void test_rfc5424_bounds(void **state) {
        char *big = malloc(5001);
        assert_non_null(big);
        memset(big, 'a', 5000);
        big[5000] = '\0';
        /* A 2-byte character straddling the cut is not split. */
        big[1023] = '\xc3';
        big[1024] = '\xa9';
        struct tt_finding f = finding(big, "s");
        struct tt_buf b = {};
        struct tt_syslog_opts o = opts;
        char host[400];
        memset(host, 'h', sizeof(host) - 1);
        host[sizeof(host) - 1] = '\0';
        host[5] = ' ';
        o.host = host;
        tt_format_rfc5424(&b, &f, &o, TT_FORMAT_RFC5424);
        struct param v[32];
        const char *msg;
        size_t n = parse_message(b.data, v, ELEMENTSOF(v), &msg);
        const char *subj = param_get(v, n, "telltale@32473", "subject", 0);
        assert_int_equal(strlen(subj), 1023);
        /* HOSTNAME: at most 255 printable characters, a space replaced. */
        const char *h = strstr(b.data, "Z ") + 2;
        assert_int_equal(strcspn(h, " "), 255);
        assert_int_equal(h[5], '_');
        tt_buf_free(&b);

        o.host = "";
        tt_format_rfc5424(&b, &f, &o, TT_FORMAT_TEXT);
        assert_non_null(strstr(b.data, ".120Z - telltale 812 new - new high kvm.pikvm.usb: s [id 9f1c0a2b3c4d]"));
        tt_buf_free(&b);
        free(big);
}

static void test_json_and_local(void **state) {
        struct tt_finding f = finding("usb:1-2", "sum");
        struct tt_buf b = {};
        tt_format_rfc5424(&b, &f, &opts, TT_FORMAT_JSON);
        const char *json = strstr(b.data, " new - {");
        assert_non_null(json);
        assert_non_null(strstr(json, "\"id\":\"9f1c0a2b3c4d5e6f708192a3b4c5d6e7\",\"event\":\"new\""));
        assert_int_equal(b.data[b.len - 1], '}');
        tt_buf_free(&b);

        setenv("TZ", "UTC", 1);
        tzset();
        tt_format_syslog_local(&b, &f, &opts, TT_FORMAT_RFC5424);
        assert_true(startswith(b.data, "<83>Nov 23 06:04:13 telltale[812]: [telltale@32473 id=\"9f1c"));
        tt_buf_free(&b);
        tt_format_syslog_local(&b, &f, &opts, TT_FORMAT_TEXT);
        assert_string_equal(b.data, "<83>Nov 23 06:04:13 telltale[812]: new high kvm.pikvm.usb: sum [id 9f1c0a2b3c4d]");
        tt_buf_free(&b);

        tt_format_line(&b, &f, &opts, TT_FORMAT_TEXT);
        assert_string_equal(b.data, "2026-11-23T06:04:13.120Z new high kvm.pikvm.usb: sum [id 9f1c0a2b3c4d]");
        tt_buf_free(&b);
}

static void test_cef(void **state) {
        struct tt_rule r = rule;
        r.id = (char *) "kvm|x\\y";
        r.product = (char *) "Pi|KVM\nX";
        struct tt_finding f = finding("a=b\\c\nd\re|f", "s=1");
        f.rule = &r;
        f.severity = TT_SEVERITY_CRITICAL;
        struct tt_buf b = {};
        tt_format_cef(&b, &f, "lt=1");
        assert_false(b.oom);
        assert_true(startswith(b.data, "CEF:0|telltale|telltale|" TT_VERSION
                                       "|kvm\\|x\\\\y|Pi\\|KVM X|10|rt=1795413853120 "));
        assert_non_null(strstr(b.data, " dvchost=lt\\=1 "));
        assert_non_null(strstr(b.data, " cs2Label=subject cs2=a\\=b\\\\c\\nd\\re|f "));
        assert_non_null(strstr(b.data, " act=new cat=kvm start=1795413853120 "));
        assert_true(endswith(b.data, " msg=s\\=1"));
        assert_null(strchr(b.data, '\n'));
        assert_null(strchr(b.data, '\r'));
        assert_int_equal(tt_cef_severity(TT_SEVERITY_INFO), 1);
        assert_int_equal(tt_cef_severity(TT_SEVERITY_MEDIUM), 5);
        tt_buf_free(&b);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_sd_id),
                cmocka_unit_test(test_rfc5424_exact),
                cmocka_unit_test(test_rfc5424_escaping),
                cmocka_unit_test(test_rfc5424_bounds),
                cmocka_unit_test(test_json_and_local),
                cmocka_unit_test(test_cef),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
