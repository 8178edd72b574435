/* SPDX-License-Identifier: MIT */
#include "format-syslog.h"

#include <time.h>

#include "format.h"

/* Longest value put into one structured-data parameter or CEF field; the
 * summary is already bounded by the core. */
#define VALUE_MAX 1024
#define HOSTNAME_MAX 255

bool tt_syslog_sd_id_valid(const char *s) {
        size_t n = strlen(s);
        if (n == 0 || n > 32)
                return false;
        const char *at = strchr(s, '@');
        if (!at || at == s || strchr(at + 1, '@') || !(at[1] >= '0' && at[1] <= '9'))
                return false;
        for (const char *p = s; *p; p++) {
                if (*p < 33 || *p > 126 || *p == '=' || *p == ']' || *p == '"')
                        return false;
                if (p > at && !(*p >= '0' && *p <= '9') && *p != '.')
                        return false;
        }
        return true;
}

int tt_syslog_severity(enum tt_severity s) {
        static const int map[_TT_SEVERITY_MAX] = {
                [TT_SEVERITY_INFO] = 6, [TT_SEVERITY_LOW] = 5,      [TT_SEVERITY_MEDIUM] = 4,
                [TT_SEVERITY_HIGH] = 3, [TT_SEVERITY_CRITICAL] = 2,
        };
        return s < _TT_SEVERITY_MAX ? map[s] : 6;
}

int tt_cef_severity(enum tt_severity s) {
        static const int map[_TT_SEVERITY_MAX] = {
                [TT_SEVERITY_INFO] = 1, [TT_SEVERITY_LOW] = 3,       [TT_SEVERITY_MEDIUM] = 5,
                [TT_SEVERITY_HIGH] = 8, [TT_SEVERITY_CRITICAL] = 10,
        };
        return s < _TT_SEVERITY_MAX ? map[s] : 1;
}

/* At most VALUE_MAX bytes of s, cut between characters, escaped as text with
 * extra characters backslash-escaped. */
static void text_bounded(struct tt_buf *b, const char *s, const char *extra) {
        size_t cut = 0;
        while (s[cut]) {
                size_t n = tt_utf8_valid_len((const unsigned char *) s + cut);
                n = n ? n : 1;
                if (cut + n > VALUE_MAX)
                        break;
                cut += n;
        }
        if (!s[cut]) {
                tt_buf_text(b, s, extra);
                return;
        }
        char copy[VALUE_MAX + 1];
        memcpy(copy, s, cut);
        copy[cut] = '\0';
        tt_buf_text(b, copy, extra);
}

static void sd_param(struct tt_buf *b, const char *name, const char *value) {
        tt_buf_printf(b, " %s=\"", name);
        /* RFC 5424 §6.3.3: '"', '\' and ']' are escaped with a backslash. */
        text_bounded(b, value, "\"]");
        tt_buf_puts(b, "\"");
}

/* PARAM-NAME is SD-NAME: 1-32 printable ASCII without '=', ' ', ']', '"'.
 * Evidence keys come from the kind vocabulary; anything else is skipped. */
static bool sd_name_valid(const char *s) {
        size_t n = strlen(s);
        if (n == 0 || n > 32)
                return false;
        for (; *s; s++)
                if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
                      *s == '_' || *s == '.' || *s == '-'))
                        return false;
        return true;
}

static void structured_data(struct tt_buf *b, const struct tt_finding *f, const char *sd_id) {
        char t[32], num[32];
        tt_buf_printf(b, "[%s", sd_id);
        sd_param(b, "id", f->id);
        sd_param(b, "event", tt_event_to_string(f->event));
        sd_param(b, "rule", f->rule->id);
        sd_param(b, "category", tt_category_to_string(f->category));
        sd_param(b, "severity", tt_severity_to_string(f->severity));
        snprintf(num, sizeof(num), "%u", f->confidence);
        sd_param(b, "confidence", num);
        sd_param(b, "technique", f->rule->technique ? f->rule->technique : "");
        sd_param(b, "product", f->rule->product ? f->rule->product : "");
        sd_param(b, "subject", f->subject ? f->subject : "");
        tt_format_time(f->first_seen, t);
        sd_param(b, "first_seen", t);
        for (size_t i = 0; i < f->n_reasons; i++)
                if (f->reasons[i].rule != f->rule)
                        sd_param(b, "also", f->reasons[i].rule->id);
        tt_buf_puts(b, "]");

        if (f->n_evidence == 0)
                return;
        /* The first observation, in an element of its own: SD-IDs are unique
         * within a message, parameter names may repeat (multi-valued). */
        const struct tt_evidence *e = &f->evidence[0];
        tt_buf_printf(b, "[evidence%s", strchr(sd_id, '@'));
        sd_param(b, "probe", e->probe);
        sd_param(b, "kind", e->kind);
        sd_param(b, "key", e->subject);
        for (size_t i = 0; i < e->n_attrs; i++) {
                if (!sd_name_valid(e->attrs[i].key) || streq(e->attrs[i].key, "probe") ||
                    streq(e->attrs[i].key, "kind") || streq(e->attrs[i].key, "key"))
                        continue;
                sd_param(b, e->attrs[i].key, tt_attr_to_string(&e->attrs[i], num, sizeof(num)));
        }
        if (f->n_evidence > 1 || f->n_evidence_dropped) {
                snprintf(num, sizeof(num), "%zu", f->n_evidence + f->n_evidence_dropped);
                sd_param(b, "observations", num);
        }
        tt_buf_puts(b, "]");
}

void tt_format_text_line(struct tt_buf *b, const struct tt_finding *f) {
        tt_buf_printf(b, "%s %s ", tt_event_to_string(f->event), tt_severity_to_string(f->severity));
        tt_buf_text(b, f->rule->id, NULL);
        tt_buf_puts(b, ": ");
        text_bounded(b, f->summary ? f->summary : "", NULL);
        tt_buf_printf(b, " [id %.12s]", f->id);
}

/* CEF extension values escape '\\' and '=' and write line breaks as \n and \r;
 * the header escapes '\\' and '|' and has no line breaks. Other control bytes
 * become \xHH. */
static void cef_value(struct tt_buf *b, const char *s, bool header) {
        const char *extra = header ? "|" : "=";
        char seg[VALUE_MAX + 1];
        size_t n = 0, total = 0;
        for (const char *p = s; *p && total < VALUE_MAX; p++, total++) {
                if (*p != '\n' && *p != '\r') {
                        seg[n++] = *p;
                        continue;
                }
                seg[n] = '\0';
                tt_buf_text(b, seg, extra);
                n = 0;
                tt_buf_puts(b, header ? " " : *p == '\n' ? "\\n" : "\\r");
        }
        seg[n] = '\0';
        tt_buf_text(b, seg, extra);
}

static void cef_ext(struct tt_buf *b, const char *key, const char *value) {
        tt_buf_printf(b, " %s=", key);
        cef_value(b, value, false);
}

void tt_format_cef(struct tt_buf *b, const struct tt_finding *f, const char *host) {
        char num[32];
        tt_buf_puts(b, "CEF:0|telltale|telltale|" TT_VERSION "|");
        cef_value(b, f->rule->id, true);
        tt_buf_puts(b, "|");
        cef_value(b, f->rule->product ? f->rule->product : f->rule->id, true);
        tt_buf_printf(b, "|%d|", tt_cef_severity(f->severity));
        tt_buf_printf(b, "rt=%llu", (unsigned long long) (f->last_seen / 1000));
        cef_ext(b, "dvchost", host);
        cef_ext(b, "externalId", f->id);
        cef_ext(b, "act", tt_event_to_string(f->event));
        cef_ext(b, "cat", tt_category_to_string(f->category));
        tt_buf_printf(b, " start=%llu", (unsigned long long) (f->first_seen / 1000));
        snprintf(num, sizeof(num), "%u", f->confidence);
        cef_ext(b, "cn1Label", "confidence");
        cef_ext(b, "cn1", num);
        cef_ext(b, "cs1Label", "technique");
        cef_ext(b, "cs1", f->rule->technique ? f->rule->technique : "");
        cef_ext(b, "cs2Label", "subject");
        cef_ext(b, "cs2", f->subject ? f->subject : "");
        if (f->n_evidence > 0) {
                struct tt_buf ev = {};
                tt_format_evidence_text(&ev, &f->evidence[0]);
                cef_ext(b, "cs3Label", "evidence");
                cef_ext(b, "cs3", ev.data && !ev.oom ? ev.data : "");
                tt_buf_free(&ev);
        }
        cef_ext(b, "msg", f->summary ? f->summary : "");
}

static void hostname(struct tt_buf *b, const char *host) {
        size_t n = 0;
        for (const char *p = host; *p && n < HOSTNAME_MAX; p++, n++) {
                char c = *p > 32 && *p < 127 ? *p : '_';
                tt_buf_append(b, &c, 1);
        }
        if (n == 0)
                tt_buf_puts(b, "-");
}

/* MSG, and for rfc5424 the structured data in front of it; nil: write the
 * NILVALUE "-" where a format has no structured data (RFC 5424, not the
 * local form). */
static void sd_and_msg(struct tt_buf *b, const struct tt_finding *f, const struct tt_syslog_opts *o,
                       enum tt_output_format format, bool nil) {
        if (format == TT_FORMAT_RFC5424) {
                structured_data(b, f, o->sd_id ? o->sd_id : TT_SYSLOG_SD_ID_DEFAULT);
                tt_buf_puts(b, " ");
                text_bounded(b, f->summary ? f->summary : "", NULL);
                return;
        }
        if (nil)
                tt_buf_puts(b, "- ");
        if (format == TT_FORMAT_JSON)
                tt_format_finding_json(b, f, o->host);
        else if (format == TT_FORMAT_CEF)
                tt_format_cef(b, f, o->host);
        else
                tt_format_text_line(b, f);
}

void tt_format_rfc5424(struct tt_buf *b, const struct tt_finding *f, const struct tt_syslog_opts *o,
                       enum tt_output_format format) {
        char t[32];
        tt_format_time(f->last_seen, t);
        tt_buf_printf(b, "<%d>1 %s ", TT_SYSLOG_FACILITY * 8 + tt_syslog_severity(f->severity), t);
        hostname(b, o->host);
        tt_buf_printf(b, " %s %d %s ", o->app, (int) o->pid, tt_event_to_string(f->event));
        sd_and_msg(b, f, o, format, true);
}

void tt_format_syslog_local(struct tt_buf *b, const struct tt_finding *f, const struct tt_syslog_opts *o,
                            enum tt_output_format format) {
        time_t s = (time_t) (f->last_seen / 1000000);
        struct tm tm;
        char t[32];
        localtime_r(&s, &tm);
        strftime(t, sizeof(t), "%b %e %H:%M:%S", &tm);
        tt_buf_printf(b, "<%d>%s %s[%d]: ", TT_SYSLOG_FACILITY * 8 + tt_syslog_severity(f->severity), t, o->app,
                      (int) o->pid);
        sd_and_msg(b, f, o, format, false);
}

void tt_format_line(struct tt_buf *b, const struct tt_finding *f, const struct tt_syslog_opts *o,
                    enum tt_output_format format) {
        char t[32];
        switch (format) {
        case TT_FORMAT_JSON:
                tt_format_finding_json(b, f, o->host);
                break;
        case TT_FORMAT_CEF:
                tt_format_cef(b, f, o->host);
                break;
        case TT_FORMAT_RFC5424:
                tt_format_rfc5424(b, f, o, format);
                break;
        case TT_FORMAT_TEXT:
        default:
                tt_format_time(f->last_seen, t);
                tt_buf_printf(b, "%s ", t);
                tt_format_text_line(b, f);
                break;
        }
}
