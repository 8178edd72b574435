/* SPDX-License-Identifier: MIT */
#include "correlate.h"

#include <stdio.h>

#include "heuristics.h"
#include "util.h"

/* Judged over findings at flush, not over observations: it has no eval. */
const struct tt_heuristic tt_heuristic_laptop_farm = {
        .name = TT_CORRELATION_HEURISTIC,
        .kind = "finding",
};

/* The categories that each tell of someone else driving the laptop. */
static bool category_joins(enum tt_category c) {
        return c == TT_CATEGORY_KVM || c == TT_CATEGORY_REMOTE_ACCESS || c == TT_CATEGORY_FOREIGN_ROUTE ||
               c == TT_CATEGORY_REMOTE_SESSION;
}

static bool joins(const struct tt_finding *f) {
        return category_joins(f->category) && f->severity >= TT_SEVERITY_MEDIUM;
}

static const struct tt_rule *correlation_rule(const struct tt_catalog *cat) {
        for (size_t i = 0; i < cat->n_rules; i++)
                if (cat->rules[i].heuristic && streq(cat->rules[i].heuristic->name, TT_CORRELATION_HEURISTIC))
                        return &cat->rules[i];
        return NULL;
}

static bool rule_allowed(const struct tt_config *cfg, const struct tt_rule *r) {
        for (size_t i = 0; i < cfg->n_allow; i++)
                if (cfg->allow[i].rule && streq(cfg->allow[i].rule, r->id) && !cfg->allow[i].match.kind)
                        return true;
        return false;
}

/* One evidence entry per joined finding: which finding, of what. */
static int evidence_of(struct tt_evidence *e, const struct tt_finding *f) {
        struct tt_observation o;
        tt_obs_init(&o, "finding", f->id);
        tt_obs_add_str(&o, "id", f->id);
        tt_obs_add_str(&o, "rule", f->rule->id);
        tt_obs_add_str(&o, "category", tt_category_to_string(f->category));
        tt_obs_add_str(&o, "severity", tt_severity_to_string(f->severity));
        tt_obs_add_str(&o, "product", f->rule->product);
        tt_obs_add_str(&o, "finding_subject", f->subject); /* "subject" is the evidence's own */
        return tt_evidence_copy(e, "correlate", &o);
}

/* Findings about one thing (one subject, or one rule seen through several
 * kinds: Tailscale's package and its tailscale0 link) are one sign, however
 * many categories it spans. */
static bool same_sign(const struct tt_finding *a, const struct tt_finding *b) {
        return a->rule == b->rule || streq(a->subject, b->subject);
}

static size_t sign_root(size_t *parent, size_t i) {
        while (parent[i] != i)
                i = parent[i] = parent[parent[i]];
        return i;
}

/* True when two different signs show two different categories. */
static int independent_signs(const struct tt_finding *findings, size_t n) {
        _cleanup_free_ size_t *parent = calloc(n, sizeof(size_t));
        _cleanup_free_ unsigned *categories = calloc(n, sizeof(unsigned));
        if (!parent || !categories)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++) {
                parent[i] = i;
                for (size_t j = 0; j < i; j++)
                        if (joins(&findings[i]) && joins(&findings[j]) && same_sign(&findings[i], &findings[j]))
                                parent[sign_root(parent, i)] = sign_root(parent, j);
        }
        for (size_t i = 0; i < n; i++)
                if (joins(&findings[i]))
                        categories[sign_root(parent, i)] |= 1u << findings[i].category;
        for (size_t i = 0; i < n; i++)
                for (size_t j = i + 1; j < n; j++)
                        if (categories[i] && categories[j] && __builtin_popcount(categories[i] | categories[j]) >= 2)
                                return 1;
        return 0;
}

int tt_correlate(const struct tt_catalog *cat, const struct tt_config *cfg, const char *host,
                 const struct tt_finding *findings, size_t n, usec_t now, struct tt_finding *ret) {
        int r = independent_signs(findings, n);
        if (r <= 0)
                return r;
        bool seen[_TT_CATEGORY_MAX] = {};
        size_t n_categories = 0;
        for (size_t i = 0; i < n; i++)
                if (joins(&findings[i]) && !seen[findings[i].category]) {
                        seen[findings[i].category] = true;
                        n_categories++;
                }
        const struct tt_rule *rule = correlation_rule(cat);
        if (!rule || rule_allowed(cfg, rule))
                return 0;

        struct tt_finding f = {
                .rule = rule,
                .category = rule->category,
                .severity = rule->severity,
                .last_seen = now,
        };
        char summary[1024];
        size_t len = (size_t) snprintf(summary, sizeof(summary), "%s: signs from %zu categories at once (",
                                       rule->product, n_categories);
        for (size_t c = 0, k = 0; c < _TT_CATEGORY_MAX; c++)
                if (seen[c] && len < sizeof(summary))
                        len += (size_t) snprintf(summary + len, sizeof(summary) - len, "%s%s", k++ ? ", " : "",
                                                 tt_category_to_string((enum tt_category) c));
        if (len < sizeof(summary))
                len += (size_t) snprintf(summary + len, sizeof(summary) - len, "):");

        /* Every sign had to be there for the verdict: it holds since the latest came. */
        double miss = 1.0;
        for (size_t i = 0; i < n; i++) {
                const struct tt_finding *j = &findings[i];
                if (!joins(j))
                        continue;
                f.first_seen = MAX(f.first_seen, j->first_seen);
                miss *= 1.0 - j->confidence / 100.0;
                if (len < sizeof(summary))
                        len += (size_t) snprintf(summary + len, sizeof(summary) - len, " %s (%s);", j->rule->product,
                                                 tt_severity_to_string(j->severity));
                if (f.n_reasons < TT_REASONS_MAX) {
                        char detail[128];
                        snprintf(detail, sizeof(detail), "finding %s, %s %s", j->id,
                                 tt_category_to_string(j->category), tt_severity_to_string(j->severity));
                        struct tt_reason *reason = &f.reasons[f.n_reasons];
                        *reason = (struct tt_reason){ .rule = j->rule, .confidence = j->confidence };
                        if (!(reason->detail = strdup(detail))) {
                                r = -ENOMEM;
                                goto fail;
                        }
                        f.n_reasons++;
                }
                if (f.n_evidence == TT_EVIDENCE_MAX) {
                        f.n_evidence_dropped++;
                        continue;
                }
                if ((r = evidence_of(&f.evidence[f.n_evidence], j)) < 0)
                        goto fail;
                f.n_evidence++;
        }
        summary[sizeof(summary) - 1] = '\0';
        if (len > 0 && len < sizeof(summary) && summary[len - 1] == ';')
                summary[len - 1] = '\0';
        f.confidence = MAX(rule->confidence, MIN((unsigned) ((1.0 - miss) * 100.0 + 0.5), 99u));
        r = -ENOMEM;
        if (!(f.subject = strdup("host")) || !(f.summary = strdup(summary)))
                goto fail;
        tt_finding_id(host, rule->id, f.subject, f.id);
        *ret = f;
        return 1;
fail:
        tt_finding_free(&f);
        return r;
}
