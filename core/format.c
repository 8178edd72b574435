/* SPDX-License-Identifier: MIT */
#include "format.h"

#include <inttypes.h>
#include <time.h>

void tt_format_time(usec_t t, char buf[static 32]) {
        time_t s = (time_t) (t / 1000000);
        struct tm tm;
        gmtime_r(&s, &tm);
        size_t n = strftime(buf, 32, "%Y-%m-%dT%H:%M:%S", &tm);
        snprintf(buf + n, 32 - n, ".%03uZ", (unsigned) (t / 1000 % 1000));
}

static void json_value(struct tt_buf *b, const struct tt_attr *a) {
        switch (a->type) {
        case TT_VALUE_STR:
                tt_buf_json_string(b, a->str);
                break;
        case TT_VALUE_BOOL:
                tt_buf_puts(b, a->num ? "true" : "false");
                break;
        case TT_VALUE_INT:
                if (a->hex)
                        tt_buf_printf(b, "\"%04" PRIx64 "\"", (uint64_t) a->num);
                else
                        tt_buf_printf(b, "%" PRId64, a->num);
                break;
        }
}

/* Repeated keys become one JSON array, in first-seen order. */
static void json_attrs(struct tt_buf *b, const struct tt_attr *attrs, size_t n) {
        for (size_t i = 0; i < n; i++) {
                bool seen = false;
                for (size_t j = 0; j < i && !seen; j++)
                        seen = streq(attrs[j].key, attrs[i].key);
                if (seen)
                        continue;
                size_t count = 0;
                for (size_t j = i; j < n; j++)
                        count += streq(attrs[j].key, attrs[i].key);
                tt_buf_puts(b, ",");
                tt_buf_json_string(b, attrs[i].key);
                tt_buf_puts(b, ":");
                if (count == 1) {
                        json_value(b, &attrs[i]);
                        continue;
                }
                tt_buf_puts(b, "[");
                for (size_t j = i, k = 0; j < n; j++)
                        if (streq(attrs[j].key, attrs[i].key)) {
                                if (k++)
                                        tt_buf_puts(b, ",");
                                json_value(b, &attrs[j]);
                        }
                tt_buf_puts(b, "]");
        }
}

void tt_format_observation_json(struct tt_buf *b, const char *probe, const struct tt_observation *o) {
        tt_buf_puts(b, "{\"probe\":");
        tt_buf_json_string(b, probe);
        tt_buf_puts(b, ",\"kind\":");
        tt_buf_json_string(b, o->kind);
        tt_buf_puts(b, ",\"subject\":");
        tt_buf_json_string(b, o->subject ? o->subject : "");
        json_attrs(b, o->attrs, o->n_attrs);
        if (o->attrs_truncated)
                tt_buf_puts(b, ",\"attrs_truncated\":true");
        tt_buf_puts(b, "}");
}

void tt_format_finding_json(struct tt_buf *b, const struct tt_finding *f, const char *host) {
        char t[32];
        tt_format_time(f->last_seen, t);
        tt_buf_printf(b, "{\"time\":\"%s\",\"host\":", t);
        tt_buf_json_string(b, host);
        tt_buf_printf(b, ",\"id\":\"%s\",\"event\":\"%s\",\"rule\":", f->id, tt_event_to_string(f->event));
        tt_buf_json_string(b, f->rule->id);
        tt_buf_printf(b, ",\"category\":\"%s\",\"severity\":\"%s\",\"confidence\":%u,\"technique\":",
                      tt_category_to_string(f->category), tt_severity_to_string(f->severity), f->confidence);
        tt_buf_json_string(b, f->rule->technique);
        tt_buf_puts(b, ",\"product\":");
        tt_buf_json_string(b, f->rule->product);
        tt_buf_puts(b, ",\"subject\":");
        tt_buf_json_string(b, f->subject);
        tt_buf_puts(b, ",\"summary\":");
        tt_buf_json_string(b, f->summary ? f->summary : "");
        tt_format_time(f->first_seen, t);
        tt_buf_printf(b, ",\"first_seen\":\"%s\",\"reasons\":[", t);
        for (size_t i = 0; i < f->n_reasons; i++) {
                const struct tt_reason *r = &f->reasons[i];
                tt_buf_puts(b, i ? ",{\"rule\":" : "{\"rule\":");
                tt_buf_json_string(b, r->rule->id);
                tt_buf_printf(b, ",\"severity\":\"%s\",\"confidence\":%u", tt_severity_to_string(r->rule->severity),
                              r->confidence);
                if (r->detail) {
                        tt_buf_puts(b, ",\"detail\":");
                        tt_buf_json_string(b, r->detail);
                }
                tt_buf_puts(b, "}");
        }
        tt_buf_puts(b, "],\"evidence\":[");
        for (size_t i = 0; i < f->n_evidence; i++) {
                const struct tt_evidence *e = &f->evidence[i];
                tt_buf_puts(b, i ? ",{\"probe\":" : "{\"probe\":");
                tt_buf_json_string(b, e->probe);
                tt_buf_puts(b, ",\"kind\":");
                tt_buf_json_string(b, e->kind);
                tt_buf_puts(b, ",\"subject\":");
                tt_buf_json_string(b, e->subject);
                if (e->count > 1)
                        tt_buf_printf(b, ",\"count\":%u", e->count);
                json_attrs(b, e->attrs, e->n_attrs);
                tt_buf_puts(b, "}");
        }
        tt_buf_puts(b, "]");
        if (f->n_evidence_dropped)
                tt_buf_printf(b, ",\"evidence_dropped\":%zu", f->n_evidence_dropped);
        tt_buf_puts(b, ",\"references\":[");
        for (size_t i = 0; i < f->rule->n_references; i++) {
                if (i)
                        tt_buf_puts(b, ",");
                tt_buf_json_string(b, f->rule->references[i]);
        }
        tt_buf_puts(b, "]}");
}

void tt_format_evidence_text(struct tt_buf *b, const struct tt_evidence *e) {
        tt_buf_text(b, e->kind, NULL);
        for (size_t i = 0; i < e->n_attrs; i++) {
                char nb[32];
                tt_buf_printf(b, " %s=", e->attrs[i].key);
                tt_buf_text(b, tt_attr_to_string(&e->attrs[i], nb, sizeof(nb)), " ");
        }
}
