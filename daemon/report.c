/* SPDX-License-Identifier: MIT */
#include "report.h"

#include <ctype.h>

#include "format.h"

static const struct tt_finding **sorted_findings(const struct tt_core *c, enum tt_severity min, size_t *ret_n) {
        size_t n = 0, total = tt_core_n_findings(c);
        const struct tt_finding **v = calloc(total + 1, sizeof(*v));
        if (!v)
                return NULL;
        for (size_t i = 0; i < total; i++)
                if (tt_core_finding(c, i)->severity >= min)
                        v[n++] = tt_core_finding(c, i);
        /* Insertion sort: a report has tens of findings. By category, then
         * severity (highest first), then rule id for a stable order. */
        for (size_t i = 1; i < n; i++) {
                const struct tt_finding *x = v[i];
                size_t j = i;
                while (j > 0) {
                        const struct tt_finding *y = v[j - 1];
                        int d = (int) y->category - (int) x->category;
                        if (d == 0)
                                d = (int) x->severity - (int) y->severity;
                        if (d == 0)
                                d = strcmp(y->rule->id, x->rule->id);
                        if (d == 0)
                                d = strcmp(y->subject, x->subject);
                        if (d <= 0)
                                break;
                        v[j] = y;
                        j--;
                }
                v[j] = x;
        }
        *ret_n = n;
        return v;
}

static void upper(char *dst, const char *src, size_t size) {
        size_t i;
        for (i = 0; src[i] && i + 1 < size; i++)
                dst[i] = (char) toupper((unsigned char) src[i]);
        dst[i] = '\0';
}

size_t tt_report_text(FILE *out, const struct tt_core *c, enum tt_severity min, const char *root) {
        size_t n;
        _cleanup_free_ const struct tt_finding **v = sorted_findings(c, min, &n);
        if (!v)
                return 0;
        struct tt_buf b = {};
        tt_buf_puts(&b, "telltale scan of ");
        tt_buf_text(&b, tt_core_host(c), NULL);
        if (root && !streq(root, "/")) {
                tt_buf_puts(&b, " (root ");
                tt_buf_text(&b, root, NULL);
                tt_buf_puts(&b, ")");
        }
        size_t below = tt_core_n_findings(c) - n;
        tt_buf_printf(&b, ": %zu finding%s at or above %s", n, n == 1 ? "" : "s", tt_severity_to_string(min));
        if (below)
                tt_buf_printf(&b, ", %zu below not shown", below);
        if (tt_core_n_allowed(c))
                tt_buf_printf(&b, ", %zu match%s allowed by config", tt_core_n_allowed(c),
                              tt_core_n_allowed(c) == 1 ? "" : "es");
        tt_buf_puts(&b, "\n");

        int category = -1;
        for (size_t i = 0; i < n; i++) {
                const struct tt_finding *f = v[i];
                if ((int) f->category != category) {
                        category = (int) f->category;
                        tt_buf_printf(&b, "\n[%s]\n", tt_category_to_string(f->category));
                }
                char sev[16];
                upper(sev, tt_severity_to_string(f->severity), sizeof(sev));
                tt_buf_printf(&b, "  %-8s ", sev);
                tt_buf_text(&b, f->rule->product, NULL);
                tt_buf_printf(&b, "  (%s, %s, confidence %u%%, id %.12s)\n", f->rule->id, f->rule->technique,
                              f->confidence, f->id);
                tt_buf_puts(&b, "           ");
                tt_buf_text(&b, f->summary ? f->summary : "", NULL);
                tt_buf_puts(&b, "\n");
                for (size_t r = 0; r < f->n_reasons; r++)
                        if (f->reasons[r].rule != f->rule || (f->reasons[r].detail && f->n_reasons > 1)) {
                                tt_buf_printf(&b, "           + %s (%u%%)", f->reasons[r].rule->id,
                                              f->reasons[r].confidence);
                                if (f->reasons[r].detail) {
                                        tt_buf_puts(&b, ": ");
                                        tt_buf_text(&b, f->reasons[r].detail, NULL);
                                }
                                tt_buf_puts(&b, "\n");
                        }
        }
        if (n == 0)
                tt_buf_puts(&b, "\nNo sign of remote control found.\n");
        if (!b.oom)
                fwrite(b.data, 1, b.len, out);
        tt_buf_free(&b);
        return n;
}

size_t tt_report_json(FILE *out, const struct tt_core *c, enum tt_severity min) {
        size_t n;
        _cleanup_free_ const struct tt_finding **v = sorted_findings(c, min, &n);
        if (!v)
                return 0;
        struct tt_buf b = {};
        for (size_t i = 0; i < n; i++) {
                tt_buf_reset(&b);
                tt_format_finding_json(&b, v[i], tt_core_host(c));
                tt_buf_puts(&b, "\n");
                if (!b.oom)
                        fwrite(b.data, 1, b.len, out);
        }
        tt_buf_free(&b);
        return n;
}
