/* SPDX-License-Identifier: MIT */
/* Alert state: new / ongoing / cleared, the re-send interval, the per-rule
 * rate limit and its summary, and the state file (round trip of hostile
 * strings, atomic replace, damaged files refused). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <unistd.h>

#include <cmocka.h>

#include "config.h"
#include "state.h"

#define SEC 1000000ULL
#define T0 (1795413853ULL * SEC)

static char dir[] = "/tmp/tt-state-XXXXXX";
static char path[600];

static struct tt_rule rule_a = {
        .id = (char *) "kvm.pikvm.usb", .product = (char *) "PiKVM", .technique = (char *) "T1200",
        .category = TT_CATEGORY_KVM, .severity = TT_SEVERITY_HIGH, .confidence = 90,
};
static struct tt_rule rule_b = {
        .id = (char *) "remote-access.anydesk", .product = (char *) "AnyDesk", .technique = (char *) "T1219.002",
        .category = TT_CATEGORY_REMOTE_ACCESS, .severity = TT_SEVERITY_MEDIUM, .confidence = 80,
};

static struct tt_finding mk(const struct tt_rule *r, const char *subject, const char *summary) {
        struct tt_finding f = {
                .rule = r,
                .subject = (char *) subject,
                .category = r->category,
                .severity = r->severity,
                .confidence = r->confidence,
                .summary = (char *) summary,
                .first_seen = T0,
                .last_seen = T0,
        };
        tt_finding_id("lt-0421", r->id, subject, f.id);
        return f;
}

struct event {
        char id[33];
        enum tt_event event;
        char rule[64];
        char subject[256];
        char summary[512];
        char product[64];
        enum tt_severity severity;
        usec_t first_seen;
};

struct log {
        size_t n;
        struct event ev[64];
        int fail_at; /* emit returns an error on this call (1-based), 0: never */
};

static int collect(void *userdata, const struct tt_finding *f) {
        struct log *l = userdata;
        if (l->fail_at && (int) l->n + 1 == l->fail_at)
                return -EIO;
        assert_true(l->n < ELEMENTSOF(l->ev));
        struct event *e = &l->ev[l->n++];
        memcpy(e->id, f->id, sizeof(e->id));
        e->event = f->event;
        strscpy(e->rule, sizeof(e->rule), f->rule->id);
        strscpy(e->subject, sizeof(e->subject), f->subject);
        strscpy(e->summary, sizeof(e->summary), f->summary ? f->summary : "");
        strscpy(e->product, sizeof(e->product), f->rule->product);
        e->severity = f->severity;
        e->first_seen = f->first_seen;
        return 0;
}

static struct tt_state *state_new(uint64_t ongoing, uint64_t events, uint64_t window) {
        struct tt_state_config cfg = {
                .host = "lt-0421",
                .ongoing_interval_usec = ongoing,
                .rate_events = events,
                .rate_interval_usec = window,
        };
        struct tt_state *s = NULL;
        assert_int_equal(tt_state_new(&cfg, &s), 0);
        return s;
}

static void update(struct tt_state *s, const struct tt_finding *const *v, size_t n, usec_t now, struct log *l) {
        l->n = 0;
        assert_int_equal(tt_state_update(s, v, n, now, collect, l), 0);
}

static void test_lifecycle(void **state) {
        struct tt_state *s = state_new(3600 * SEC, 0, 600 * SEC);
        struct log l = {};
        struct tt_finding a = mk(&rule_a, "usb:1-2", "PiKVM plugged");
        const struct tt_finding *v[] = { &a };

        assert_int_equal(tt_state_next_due(s), TT_USEC_INFINITY);
        update(s, v, 1, T0, &l);
        assert_int_equal(l.n, 1);
        assert_int_equal(l.ev[0].event, TT_EVENT_NEW);
        assert_string_equal(l.ev[0].id, a.id);
        assert_true(tt_state_dirty(s));
        assert_int_equal(tt_state_n_active(s), 1);
        assert_int_equal(tt_state_next_due(s), T0 + 3600 * SEC);

        /* Every probe run sees it again: nothing to say until the interval. */
        update(s, v, 1, T0 + 30 * SEC, &l);
        update(s, v, 1, T0 + 3599 * SEC, &l);
        assert_int_equal(l.n, 0);
        /* The core stamps each evaluation's findings with its own time; the
         * event keeps when it was first seen. */
        a.first_seen = T0 + 3600 * SEC;
        update(s, v, 1, T0 + 3600 * SEC, &l);
        assert_int_equal(l.n, 1);
        assert_int_equal(l.ev[0].event, TT_EVENT_ONGOING);
        assert_int_equal(l.ev[0].first_seen, T0);
        assert_int_equal(tt_state_next_due(s), T0 + 7200 * SEC);

        /* Its summary changes, then it goes: "cleared" with the last summary. */
        a.summary = (char *) "PiKVM plugged, now with HID";
        update(s, v, 1, T0 + 3700 * SEC, &l);
        assert_int_equal(l.n, 0);
        update(s, NULL, 0, T0 + 3800 * SEC, &l);
        assert_int_equal(l.n, 1);
        assert_int_equal(l.ev[0].event, TT_EVENT_CLEARED);
        assert_string_equal(l.ev[0].id, a.id);
        assert_string_equal(l.ev[0].summary, "PiKVM plugged, now with HID");
        assert_string_equal(l.ev[0].rule, "kvm.pikvm.usb");
        assert_int_equal(l.ev[0].first_seen, T0);
        assert_int_equal(tt_state_n_active(s), 0);
        update(s, NULL, 0, T0 + 3900 * SEC, &l);
        assert_int_equal(l.n, 0);

        /* Plugged in again: new again. */
        update(s, v, 1, T0 + 4000 * SEC, &l);
        assert_int_equal(l.n, 1);
        assert_int_equal(l.ev[0].event, TT_EVENT_NEW);

        /* The emit error stops the update and comes back. */
        struct tt_finding b = mk(&rule_b, "AnyDesk", "anydesk running");
        const struct tt_finding *w[] = { &b };
        l = (struct log){ .fail_at = 1 };
        assert_int_equal(tt_state_update(s, w, 1, T0 + 4100 * SEC, collect, &l), -EIO);
        tt_state_free(s);
}

static void test_save_load(void **state) {
        struct tt_state *s = state_new(3600 * SEC, 0, 600 * SEC);
        struct log l = {};
        /* Spaces, line breaks, '%', invalid UTF-8 and an empty summary. */
        struct tt_finding a = mk(&rule_a, "usb:1-2 \n%41\xff", "two words\nand a line");
        struct tt_finding b = mk(&rule_b, "AnyDesk", "");
        const struct tt_finding *v[] = { &a, &b };
        update(s, v, 2, T0, &l);
        assert_int_equal(l.n, 2);
        assert_int_equal(tt_state_save(s, path), 0);
        assert_false(tt_state_dirty(s));
        char tmp[700];
        snprintf(tmp, sizeof(tmp), "%s.tmp", path);
        assert_int_not_equal(access(tmp, F_OK), 0);
        tt_state_free(s);

        /* After a restart, with a catalog that no longer has rule_b. */
        s = state_new(3600 * SEC, 0, 600 * SEC);
        assert_int_equal(tt_state_load(s, path), 0);
        assert_int_equal(tt_state_n_active(s), 2);
        assert_int_equal(tt_state_next_due(s), T0 + 3600 * SEC);
        const struct tt_finding *w[] = { &a };
        update(s, w, 1, T0 + 60 * SEC, &l);
        assert_int_equal(l.n, 1);
        assert_int_equal(l.ev[0].event, TT_EVENT_CLEARED);
        assert_string_equal(l.ev[0].id, b.id);
        assert_string_equal(l.ev[0].rule, "remote-access.anydesk");
        assert_string_equal(l.ev[0].product, "AnyDesk");
        assert_string_equal(l.ev[0].subject, "AnyDesk");
        assert_string_equal(l.ev[0].summary, "");
        assert_int_equal(l.ev[0].severity, TT_SEVERITY_MEDIUM);
        update(s, NULL, 0, T0 + 120 * SEC, &l);
        assert_int_equal(l.n, 1);
        assert_string_equal(l.ev[0].subject, "usb:1-2 \n%41\xff");
        assert_string_equal(l.ev[0].summary, "two words\nand a line");
        tt_state_free(s);

        s = state_new(3600 * SEC, 0, 600 * SEC);
        assert_int_equal(tt_state_load(s, "/nonexistent/state"), -ENOENT);
        tt_state_free(s);
}

static void expect_damaged(const char *text) {
        FILE *f = fopen(path, "w");
        assert_non_null(f);
        fputs(text, f);
        fclose(f);
        struct tt_state *s = state_new(3600 * SEC, 0, 600 * SEC);
        if (tt_state_load(s, path) != -EBADMSG)
                fail_msg("accepted: %s", text);
        assert_int_equal(tt_state_n_active(s), 0);
        /* Still usable: the next finding is new. */
        struct log l = {};
        struct tt_finding a = mk(&rule_a, "usb:1-2", "x");
        const struct tt_finding *v[] = { &a };
        update(s, v, 1, T0, &l);
        assert_int_equal(l.n, 1);
        assert_int_equal(l.ev[0].event, TT_EVENT_NEW);
        tt_state_free(s);
}

#define GOOD_ID "0123456789abcdef0123456789abcdef"
#define LINE(rest) "telltale-state 1\n" GOOD_ID " 1 2 3 1 90 " rest "\n"

static void test_damaged(void **state) {
        /* The good form first, so each case below differs in one thing. */
        FILE *f = fopen(path, "w");
        fputs(LINE("kvm.x PiKVM T1200 usb:1 s"), f);
        fclose(f);
        struct tt_state *s = state_new(3600 * SEC, 0, 600 * SEC);
        assert_int_equal(tt_state_load(s, path), 0);
        assert_int_equal(tt_state_n_active(s), 1);
        tt_state_free(s);

        expect_damaged("");
        expect_damaged("telltale-state 2\n");
        expect_damaged(LINE("kvm.x PiKVM T1200 usb:1"));           /* a field missing */
        expect_damaged(LINE("kvm.x PiKVM T1200 usb:1 s extra"));   /* one too many */
        expect_damaged(LINE("kvm.x PiKVM T1200 usb:1 s%zz"));      /* bad escape */
        expect_damaged(LINE("kvm.x PiKVM T1200 usb:1 s%00"));      /* NUL */
        expect_damaged(LINE("kvm.x PiKVM T1200 usb:1 s%4"));       /* cut escape */
        expect_damaged(LINE("% PiKVM T1200 usb:1 s"));             /* no rule */
        expect_damaged("telltale-state 1\n" GOOD_ID " 1 2 9 1 90 r p t s s\n"); /* severity */
        expect_damaged("telltale-state 1\n" GOOD_ID " 1 2 3 99 90 r p t s s\n"); /* category */
        expect_damaged("telltale-state 1\n" GOOD_ID " 1 2 3 1 101 r p t s s\n"); /* confidence */
        expect_damaged("telltale-state 1\n" GOOD_ID " x 2 3 1 90 r p t s s\n");
        expect_damaged("telltale-state 1\n0123 1 2 3 1 90 r p t s s\n");          /* short id */
        expect_damaged("telltale-state 1\n" GOOD_ID " 1 2 3 1 90 r p t s s");     /* torn: no newline */
        expect_damaged(LINE("kvm.x PiKVM T1200 usb:1 s") GOOD_ID " 1 2 3 1 90 r p t s s\n"); /* same id twice */
        char *huge = malloc(70000);
        assert_non_null(huge);
        snprintf(huge, 70000, "telltale-state 1\n" GOOD_ID " 1 2 3 1 90 r p t s ");
        size_t len = strlen(huge);
        memset(huge + len, 'x', 70000 - len - 2);
        huge[70000 - 2] = '\n';
        huge[70000 - 1] = '\0';
        expect_damaged(huge);
        free(huge);
}

static void test_rate_limit(void **state) {
        /* 3 events per rule per minute. */
        struct tt_state *s = state_new(3600 * SEC, 3, 60 * SEC);
        struct log l = {};
        struct tt_finding fs[10];
        const struct tt_finding *v[11];
        char subjects[10][16];
        for (int i = 0; i < 10; i++) {
                snprintf(subjects[i], sizeof(subjects[i]), "usb:1-%d", i);
                fs[i] = mk(&rule_a, subjects[i], "flood");
                v[i] = &fs[i];
        }
        struct tt_finding other = mk(&rule_b, "AnyDesk", "x");
        v[10] = &other;

        update(s, v, 11, T0, &l);
        assert_int_equal(l.n, 4); /* 3 of the flood, and the other rule unaffected */
        assert_string_equal(l.ev[3].rule, "remote-access.anydesk");
        assert_int_equal(tt_state_next_due(s), T0 + 60 * SEC);
        /* Nothing more within the window, and the held-back ones are counted once. */
        update(s, v, 11, T0 + 30 * SEC, &l);
        assert_int_equal(l.n, 0);

        /* Window over: the summary, then the next three held-back "new". */
        update(s, v, 11, T0 + 60 * SEC, &l);
        assert_int_equal(l.n, 4);
        assert_string_equal(l.ev[0].rule, "telltale.rate-limited");
        assert_int_equal(l.ev[0].event, TT_EVENT_NEW);
        assert_string_equal(l.ev[0].subject, "kvm.pikvm.usb");
        assert_non_null(strstr(l.ev[0].summary, "3 events per 1m"));
        assert_non_null(strstr(l.ev[0].summary, ": 7 new, 0 ongoing, 0 cleared"));
        assert_int_equal(l.ev[0].severity, TT_SEVERITY_HIGH);
        for (int i = 1; i < 4; i++) {
                assert_int_equal(l.ev[i].event, TT_EVENT_NEW);
                assert_string_equal(l.ev[i].subject, subjects[2 + i]);
        }
        assert_int_equal(tt_state_n_active(s), 7);

        /* The flood goes away: the six announced clear at three per window,
         * the four never announced vanish without a word. */
        update(s, &v[10], 1, T0 + 120 * SEC, &l);
        assert_int_equal(l.n, 4);
        assert_string_equal(l.ev[0].rule, "telltale.rate-limited");
        assert_non_null(strstr(l.ev[0].summary, ": 4 new, 0 ongoing, 0 cleared"));
        for (int i = 1; i < 4; i++)
                assert_int_equal(l.ev[i].event, TT_EVENT_CLEARED);
        assert_int_equal(tt_state_n_active(s), 4); /* other + three waiting to clear */
        update(s, &v[10], 1, T0 + 150 * SEC, &l);
        assert_int_equal(l.n, 0);
        update(s, &v[10], 1, T0 + 180 * SEC, &l);
        assert_int_equal(l.n, 4);
        assert_non_null(strstr(l.ev[0].summary, ": 0 new, 0 ongoing, 3 cleared"));
        assert_int_equal(tt_state_n_active(s), 1);
        update(s, &v[10], 1, T0 + 240 * SEC, &l);
        assert_int_equal(l.n, 0); /* nothing held: no summary */
        tt_state_free(s);
}

static void test_held_clear_comes_back(void **state) {
        struct tt_state *s = state_new(3600 * SEC, 1, 60 * SEC);
        struct log l = {};
        struct tt_finding a = mk(&rule_a, "usb:1-2", "x");
        const struct tt_finding *v[] = { &a };
        update(s, v, 1, T0, &l);
        assert_int_equal(l.n, 1);
        update(s, NULL, 0, T0 + 1 * SEC, &l); /* its "cleared" is held back */
        assert_int_equal(l.n, 0);
        update(s, v, 1, T0 + 2 * SEC, &l); /* back before it went out: the SOC still holds it open */
        assert_int_equal(l.n, 0);
        update(s, v, 1, T0 + 60 * SEC, &l);
        assert_int_equal(l.n, 1);
        assert_string_equal(l.ev[0].rule, "telltale.rate-limited");
        assert_non_null(strstr(l.ev[0].summary, "0 new, 0 ongoing, 1 cleared"));
        assert_int_equal(tt_state_n_active(s), 1);
        tt_state_free(s);
}

/* The config keys that drive the state and the outputs' new settings. */
static int config_text(const char *text, struct tt_config *c, struct tt_error *err) {
        char cfg[700];
        snprintf(cfg, sizeof(cfg), "%s/telltale.yaml", dir);
        FILE *f = fopen(cfg, "w");
        assert_non_null(f);
        fputs(text, f);
        fclose(f);
        *err = (struct tt_error){};
        int r = tt_config_load(cfg, c, err);
        unlink(cfg);
        return r;
}

static void expect_config_error(const char *text, const char *want) {
        struct tt_config c;
        struct tt_error err;
        int r = config_text(text, &c, &err);
        if (r >= 0 || !strstr(err.msg, want))
                fail_msg("expected \"%s\", got r=%d \"%s\"", want, r, err.msg);
        if (r >= 0)
                tt_config_free(&c);
}

static void test_config_keys(void **state) {
        struct tt_config c;
        struct tt_error err;
        assert_int_equal(config_text("", &c, &err), 0);
        assert_int_equal(c.ongoing_interval_usec, 3600 * SEC);
        assert_int_equal(c.rate_limit.events, 30);
        assert_int_equal(c.rate_limit.interval_usec, 600 * SEC);
        tt_config_free(&c);
        assert_int_equal(config_text("report:\n  ongoing_interval: 15m\n  rate_limit: {events: 0, interval: 1h}\n"
                                     "outputs:\n  - type: syslog\n    target: /run/log.sock\n"
                                     "  - type: remote\n    target: tls://siem:6514\n    sd_id: acme@1.2\n",
                                     &c, &err),
                         0);
        assert_int_equal(c.ongoing_interval_usec, 900 * SEC);
        assert_int_equal(c.rate_limit.events, 0);
        assert_int_equal(c.rate_limit.interval_usec, 3600 * SEC);
        assert_string_equal(c.outputs[0].target, "/run/log.sock");
        assert_string_equal(c.outputs[1].sd_id, "acme@1.2");
        tt_config_free(&c);

        expect_config_error("report:\n  ongoing_interval: 500ms\n", ":2:21: ongoing_interval must be at least 1s");
        expect_config_error("report:\n  ongoing_interval: soon\n", ":2:21:");
        expect_config_error("report:\n  rate_limit: {events: many}\n", ":2:24:");
        expect_config_error("report:\n  rate_limit: {interval: 10ms}\n", "rate_limit.interval must be at least 1s");
        expect_config_error("report:\n  rate_limit: {burst: 3}\n", "unknown key \"burst\"");
        expect_config_error("report:\n  rate_limit: 30\n", ":2:15:");
        expect_config_error("outputs:\n  - type: syslog\n    target: dev/log\n",
                            "a syslog target is a local socket path");
        expect_config_error("outputs:\n  - type: stdout\n    target: tcp://h:1\n",
                            "only remote and syslog outputs take a target");
        expect_config_error("outputs:\n  - type: remote\n    target: tcp://h:1\n    sd_id: telltale\n",
                            ":4:12: sd_id must be NAME@ENTERPRISE-NUMBER");
}

static int setup(void **state) {
        if (!mkdtemp(dir))
                return -1;
        snprintf(path, sizeof(path), "%s/state", dir);
        return 0;
}

static int teardown(void **state) {
        unlink(path);
        return rmdir(dir);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_lifecycle),
                cmocka_unit_test(test_save_load),
                cmocka_unit_test(test_damaged),
                cmocka_unit_test(test_rate_limit),
                cmocka_unit_test(test_held_clear_comes_back),
                cmocka_unit_test(test_config_keys),
        };
        return cmocka_run_group_tests(tests, setup, teardown);
}
