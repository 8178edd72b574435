/* SPDX-License-Identifier: MIT */
#include "core.h"

#include <stdio.h>

#include "correlate.h"
#include "heuristics.h"
#include "util.h"

struct rule_list {
        size_t n;
        const struct tt_rule **rules;
};

struct tt_core {
        const struct tt_config *cfg;
        const struct tt_catalog *cat;
        char *host;
        struct rule_list *by_kind; /* indexed like tt_kinds[] */
        size_t n_kinds;
        size_t n_findings, cap_findings;
        struct tt_finding *findings;
        char **keys; /* grouping key of each finding */
        size_t n_allowed;
};

static size_t kind_index(const struct tt_core *c, const char *name) {
        for (size_t i = 0; i < c->n_kinds; i++)
                if (streq(tt_kinds[i]->name, name))
                        return i;
        return SIZE_MAX;
}

static bool rule_uses_kind(const struct tt_rule *r, const char *kind) {
        if (r->heuristic)
                return streq(r->heuristic->kind, kind);
        for (size_t i = 0; i < r->n_matches; i++)
                if (streq(r->matches[i].kind->name, kind))
                        return true;
        return false;
}

int tt_core_new(const struct tt_config *cfg, const struct tt_catalog *cat, const char *host, struct tt_core **ret) {
        struct tt_core *c = calloc(1, sizeof(*c));
        if (!c)
                return -ENOMEM;
        c->cfg = cfg;
        c->cat = cat;
        while (tt_kinds[c->n_kinds])
                c->n_kinds++;
        c->host = strdup(host);
        c->by_kind = calloc(c->n_kinds, sizeof(struct rule_list));
        if (!c->host || !c->by_kind)
                goto oom;
        for (size_t k = 0; k < c->n_kinds; k++) {
                struct rule_list *l = &c->by_kind[k];
                l->rules = calloc(cat->n_rules + 1, sizeof(struct tt_rule *));
                if (!l->rules)
                        goto oom;
                for (size_t i = 0; i < cat->n_rules; i++)
                        if (rule_uses_kind(&cat->rules[i], tt_kinds[k]->name))
                                l->rules[l->n++] = &cat->rules[i];
        }
        *ret = c;
        return 0;
oom:
        tt_core_free(c);
        return -ENOMEM;
}

void tt_core_reset(struct tt_core *c) {
        for (size_t i = 0; i < c->n_findings; i++) {
                tt_finding_free(&c->findings[i]);
                free(c->keys[i]);
        }
        c->n_findings = 0;
        c->n_allowed = 0;
}

void tt_core_free(struct tt_core *c) {
        if (!c)
                return;
        tt_core_reset(c);
        free(c->findings);
        free(c->keys);
        for (size_t k = 0; c->by_kind && k < c->n_kinds; k++)
                free(c->by_kind[k].rules);
        free(c->by_kind);
        free(c->host);
        free(c);
}

/* The corporate VPN is never foreign routing: its interfaces (as links,
 * route and resolver devices), its wg-quick unit and its WireGuard config. */
static bool corporate_vpn(const struct tt_config *cfg, const struct tt_rule *r, const struct tt_observation *o) {
        if (r->category != TT_CATEGORY_FOREIGN_ROUTE || cfg->network.vpn_interfaces.n == 0)
                return false;
        if (streq(o->kind, "netif"))
                return tt_config_corporate_link(cfg, tt_obs_get_str(o, "name"));
        if (streq(o->kind, "route") || streq(o->kind, "resolver") || streq(o->kind, "policy_rule"))
                return tt_config_corporate_link(cfg, tt_obs_get_str(o, "dev"));
        const char *s = streq(o->kind, "unit") ? tt_obs_get_str(o, "name") :
                        streq(o->kind, "path") ? tt_obs_get_str(o, "path") : NULL;
        char ifname[64];
        if (s && sscanf(s, "wg-quick@%63[^.].service", ifname) == 1)
                return tt_config_corporate_link(cfg, ifname);
        if (s && sscanf(s, "/etc/wireguard/%63[^./].conf", ifname) == 1)
                return tt_config_corporate_link(cfg, ifname);
        return false;
}

static bool allowed(const struct tt_core *c, const struct tt_rule *r, const struct tt_observation *o) {
        if (corporate_vpn(c->cfg, r, o))
                return true;
        for (size_t i = 0; i < c->cfg->n_allow; i++) {
                const struct tt_allow *a = &c->cfg->allow[i];
                if (a->rule && !streq(a->rule, r->id))
                        continue;
                if (a->match.kind && !tt_kind_match_match(&a->match, o))
                        continue;
                return true;
        }
        return false;
}

/* Software reachable from the network is worse than software that only
 * talks out: an unattended remote-access listener on a non-loopback address
 * raises the finding one step. */
static enum tt_severity escalate(const struct tt_rule *r, const struct tt_observation *o, char *detail,
                                 size_t size) {
        if (r->category != TT_CATEGORY_REMOTE_ACCESS || !streq(o->kind, "listener"))
                return r->severity;
        /* UDP clients bind the wildcard address on an ephemeral port, so only
         * a TCP listener says "reachable". */
        const char *bind = tt_obs_get_str(o, "bind"), *proto = tt_obs_get_str(o, "proto");
        if (!bind || streq(bind, "loopback") || !streq_ptr(proto, "tcp"))
                return r->severity;
        const char *addr = tt_obs_get_str(o, "addr");
        const struct tt_attr *port = tt_obs_get(o, "port");
        snprintf(detail, size, "listens on %s port %lld, reachable from the network", addr ? addr : "?",
                 port ? (long long) port->num : -1LL);
        return r->severity < TT_SEVERITY_CRITICAL ? r->severity + 1 : r->severity;
}

static struct tt_finding *finding_get(struct tt_core *c, const char *key, bool *ret_new) {
        for (size_t i = 0; i < c->n_findings; i++)
                if (streq(c->keys[i], key)) {
                        *ret_new = false;
                        return &c->findings[i];
                }
        if (c->n_findings == c->cap_findings) {
                size_t cap = c->cap_findings ? c->cap_findings * 2 : 16;
                struct tt_finding *f = realloc(c->findings, cap * sizeof(*f));
                if (!f)
                        return NULL;
                c->findings = f;
                char **k = realloc(c->keys, cap * sizeof(*k));
                if (!k)
                        return NULL;
                c->keys = k;
                c->cap_findings = cap;
        }
        char *k = strdup(key);
        if (!k)
                return NULL;
        c->keys[c->n_findings] = k;
        struct tt_finding *f = &c->findings[c->n_findings++];
        *f = (struct tt_finding){};
        *ret_new = true;
        return f;
}

/* Several independent tells combine: 1 - Π(1 - c). */
static unsigned combined_confidence(const struct tt_finding *f) {
        double miss = 1.0;
        for (size_t i = 0; i < f->n_reasons; i++)
                miss *= 1.0 - f->reasons[i].confidence / 100.0;
        unsigned conf = (unsigned) ((1.0 - miss) * 100.0 + 0.5);
        return MIN(conf, 99u);
}

static bool rule_stronger(const struct tt_rule *a, enum tt_severity sa, const struct tt_rule *b, enum tt_severity sb) {
        if (sa != sb)
                return sa > sb;
        if (!a->heuristic != !b->heuristic)
                return !a->heuristic; /* a product identified by the catalog names it best */
        return a->confidence > b->confidence;
}

static int finding_add(struct tt_core *c, const struct tt_kind *kind, const struct tt_rule *r, unsigned confidence,
                       const char *detail, const char *probe, const struct tt_observation *o, usec_t now) {
        char esc_detail[256] = "";
        enum tt_severity sev = escalate(r, o, esc_detail, sizeof(esc_detail));
        if (!detail && esc_detail[0])
                detail = esc_detail;

        char key[1024];
        const char *subject = kind->per_subject && o->subject ? o->subject : r->product;
        if (kind->per_subject)
                snprintf(key, sizeof(key), "s\x1f%s\x1f%s", tt_category_to_string(r->category), subject);
        else
                snprintf(key, sizeof(key), "r\x1f%s", r->id);

        bool is_new;
        struct tt_finding *f = finding_get(c, key, &is_new);
        if (!f)
                return -ENOMEM;
        if (is_new) {
                f->subject = strdup(subject);
                if (!f->subject)
                        return -ENOMEM;
                f->category = r->category;
                f->first_seen = now;
        }
        f->last_seen = now;
        if (is_new || rule_stronger(r, sev, f->rule, f->severity)) {
                f->rule = r;
                f->severity = sev;
        }

        size_t i;
        for (i = 0; i < f->n_reasons; i++)
                if (f->reasons[i].rule == r)
                        break;
        if (i == f->n_reasons && i < TT_REASONS_MAX) {
                f->reasons[i] = (struct tt_reason){ .rule = r, .confidence = confidence };
                if (detail && !(f->reasons[i].detail = strdup(detail)))
                        return -ENOMEM;
                f->n_reasons++;
        } else if (i < f->n_reasons && detail && !f->reasons[i].detail) {
                f->reasons[i].detail = strdup(detail);
        }
        f->confidence = combined_confidence(f);

        for (i = 0; i < f->n_evidence; i++) {
                struct tt_evidence *e = &f->evidence[i];
                if (streq(e->kind, o->kind) && streq(e->subject, o->subject ? o->subject : "")) {
                        e->count++;
                        return 0;
                }
        }
        if (f->n_evidence == TT_EVIDENCE_MAX) {
                f->n_evidence_dropped++;
                return 0;
        }
        int e = tt_evidence_copy(&f->evidence[f->n_evidence], probe, o);
        if (e < 0)
                return e;
        f->n_evidence++;
        return 0;
}

int tt_core_observe(struct tt_core *c, const char *probe, const struct tt_observation *o, usec_t now) {
        size_t k = kind_index(c, o->kind);
        if (k == SIZE_MAX)
                return -EINVAL;
        const struct tt_kind *kind = tt_kinds[k];
        const struct rule_list *l = &c->by_kind[k];
        for (size_t i = 0; i < l->n; i++) {
                const struct tt_rule *r = l->rules[i];
                unsigned confidence = r->confidence;
                char detail[256];
                const char *why = NULL;
                if (r->heuristic) {
                        detail[0] = '\0';
                        if (tt_heuristic_eval(r->heuristic, c->cfg, o, &confidence, detail, sizeof(detail)) <= 0)
                                continue;
                        why = detail;
                } else if (!tt_rule_match(r, o))
                        continue;
                if (allowed(c, r, o)) {
                        c->n_allowed++;
                        continue;
                }
                int e = finding_add(c, kind, r, confidence, why, probe, o, now);
                if (e < 0)
                        return e;
        }
        return 0;
}

static int summary_build(struct tt_finding *f) {
        char buf[1024];
        size_t len = 0;
#define APPEND(...)                                                                                  \
        do {                                                                                         \
                if (len < sizeof(buf))                                                               \
                        len += (size_t) snprintf(buf + len, sizeof(buf) - len, __VA_ARGS__);         \
        } while (0)
        APPEND("%s", f->rule->product);
        const struct tt_reason *primary = NULL;
        for (size_t i = 0; i < f->n_reasons; i++)
                if (f->reasons[i].rule == f->rule)
                        primary = &f->reasons[i];
        if (primary && primary->detail)
                APPEND(": %s", primary->detail);
        for (size_t i = 0; i < f->n_evidence && i < 3; i++) {
                const struct tt_evidence *e = &f->evidence[i];
                const struct tt_kind *kind = tt_kind_find(e->kind);
                APPEND("%s%s", i == 0 ? (primary && primary->detail ? "; " : ": ") : "; ", e->kind);
                for (size_t a = 0; kind && a < 3 && kind->attrs[a]; a++)
                        for (size_t j = 0; j < e->n_attrs; j++)
                                if (streq(e->attrs[j].key, kind->attrs[a])) {
                                        char nb[32];
                                        APPEND(" %s=%s", e->attrs[j].key, tt_attr_to_string(&e->attrs[j], nb, sizeof(nb)));
                                        break;
                                }
        }
        if (f->n_evidence > 3 || f->n_evidence_dropped)
                APPEND(" (+%zu more)", f->n_evidence - MIN(f->n_evidence, (size_t) 3) + f->n_evidence_dropped);
#undef APPEND
        /* Keep the cut on a byte boundary the output layer can escape. */
        buf[sizeof(buf) - 1] = '\0';
        free(f->summary);
        f->summary = strdup(buf);
        return f->summary ? 0 : -ENOMEM;
}

/* Cross-category correlation (core/correlate.c): one verdict over the pass's
 * findings, kept under its own key so a second flush replaces it. */
static int correlation_add(struct tt_core *c, usec_t now) {
        struct tt_finding joined;
        int r = tt_correlate(c->cat, c->cfg, c->host, c->findings, c->n_findings, now, &joined);
        if (r <= 0)
                return r;
        bool is_new;
        struct tt_finding *f = finding_get(c, "c\x1f" TT_CORRELATION_HEURISTIC, &is_new);
        if (!f) {
                tt_finding_free(&joined);
                return -ENOMEM;
        }
        if (!is_new)
                tt_finding_free(f);
        *f = joined;
        return 0;
}

int tt_core_flush(struct tt_core *c, usec_t now) {
        for (size_t i = 0; i < c->n_findings; i++) {
                struct tt_finding *f = &c->findings[i];
                if (startswith(c->keys[i], "c\x1f"))
                        continue; /* built by correlation_add() */
                tt_finding_id(c->host, f->rule->id, f->subject, f->id);
                int e = summary_build(f);
                if (e < 0)
                        return e;
        }
        return correlation_add(c, now);
}

size_t tt_core_n_findings(const struct tt_core *c) {
        return c->n_findings;
}

const struct tt_finding *tt_core_finding(const struct tt_core *c, size_t i) {
        return i < c->n_findings ? &c->findings[i] : NULL;
}

size_t tt_core_n_allowed(const struct tt_core *c) {
        return c->n_allowed;
}

const char *tt_core_host(const struct tt_core *c) {
        return c->host;
}
