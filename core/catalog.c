/* SPDX-License-Identifier: MIT */
#include "catalog.h"

#include <ctype.h>
#include <fnmatch.h>
#include <inttypes.h>
#include <strings.h>

#include "heuristics.h"
#include "yaml-node.h"

static const char *const severity_names[_TT_SEVERITY_MAX] = {
        [TT_SEVERITY_INFO] = "info",     [TT_SEVERITY_LOW] = "low",           [TT_SEVERITY_MEDIUM] = "medium",
        [TT_SEVERITY_HIGH] = "high",     [TT_SEVERITY_CRITICAL] = "critical",
};

static const char *const category_names[_TT_CATEGORY_MAX] = {
        [TT_CATEGORY_REMOTE_ACCESS] = "remote-access", [TT_CATEGORY_KVM] = "kvm",
        [TT_CATEGORY_FOREIGN_ROUTE] = "foreign-route", [TT_CATEGORY_REMOTE_SESSION] = "remote-session",
        [TT_CATEGORY_TAMPER] = "tamper",               [TT_CATEGORY_CORRELATION] = "correlation",
        [TT_CATEGORY_CONTEXT] = "context",
};

static int lookup_name(const char *const *names, size_t n, const char *s) {
        for (size_t i = 0; i < n; i++)
                if (streq(names[i], s))
                        return (int) i;
        return -EINVAL;
}

const char *tt_severity_to_string(enum tt_severity s) {
        return s < _TT_SEVERITY_MAX ? severity_names[s] : "?";
}

int tt_severity_from_string(const char *s, enum tt_severity *ret) {
        int i = lookup_name(severity_names, _TT_SEVERITY_MAX, s);
        if (i < 0)
                return i;
        *ret = (enum tt_severity) i;
        return 0;
}

const char *tt_category_to_string(enum tt_category c) {
        return c < _TT_CATEGORY_MAX ? category_names[c] : "?";
}

int tt_category_from_string(const char *s, enum tt_category *ret) {
        int i = lookup_name(category_names, _TT_CATEGORY_MAX, s);
        if (i < 0)
                return i;
        *ret = (enum tt_category) i;
        return 0;
}

void tt_strv_free(char **v) {
        for (size_t i = 0; v && v[i]; i++)
                free(v[i]);
        free(v);
}

static void strv_free_n(char **v, size_t n) {
        for (size_t i = 0; i < n; i++)
                free(v[i]);
        free(v);
}

/* fnmatch() cannot report a malformed pattern, so check brackets here: an
 * unclosed '[' would silently never match. */
static bool glob_valid(const char *p) {
        for (; *p; p++) {
                if (*p == '\\') {
                        if (!*++p)
                                return false;
                } else if (*p == '[') {
                        const char *q = p + 1;
                        if (*q == '!' || *q == '^')
                                q++;
                        if (*q == ']')
                                q++;
                        while (*q && *q != ']')
                                q++;
                        if (!*q)
                                return false;
                        p = q;
                }
        }
        return true;
}

static int cond_value_parse(const struct tt_yaml_node *n, const struct tt_cond *c, char **ret,
                            struct tt_error *err) {
        if (n->type != TT_YAML_SCALAR)
                return tt_error_at(err, n, "condition \"%s\" needs a string or a list of strings", c->attr);
        if (isempty(n->value))
                return tt_error_at(err, n, "condition \"%s\" has an empty value", c->attr);
        if (c->op == TT_COND_GLOB && !glob_valid(n->value))
                return tt_error_at(err, n, "bad glob \"%s\" (unclosed [ or trailing \\)", n->value);
        if (c->op == TT_COND_SUFFIX && strpbrk(n->value, "*?["))
                return tt_error_at(err, n, "a _suffix value is a plain name, not a glob: \"%s\"", n->value);
        *ret = strdup(n->value);
        return *ret ? 0 : -ENOMEM;
}

static void cond_free(struct tt_cond *c) {
        free(c->attr);
        strv_free_n(c->values, c->n_values);
}

void tt_condset_free(struct tt_condset *s) {
        for (size_t i = 0; i < s->n_conds; i++)
                cond_free(&s->conds[i]);
        free(s->conds);
        *s = (struct tt_condset){};
}

static int cond_parse(const struct tt_yaml_node *key, const struct tt_yaml_node *val, const struct tt_kind *kind,
                      struct tt_cond *c, struct tt_error *err) {
        static const struct {
                const char *suffix;
                enum tt_cond_op op;
        } ops[] = { { "_suffix", TT_COND_SUFFIX }, { "_prefix", TT_COND_PREFIX } };

        *c = (struct tt_cond){ .op = TT_COND_GLOB };
        const char *k = key->value;
        size_t attr_len = strlen(k);
        if (!tt_kind_has_attr(kind, k))
                for (size_t i = 0; i < ELEMENTSOF(ops); i++)
                        if (endswith(k, ops[i].suffix)) {
                                c->op = ops[i].op;
                                attr_len -= strlen(ops[i].suffix);
                                break;
                        }
        c->attr = strndup(k, attr_len);
        if (!c->attr)
                return -ENOMEM;
        if (!tt_kind_has_attr(kind, c->attr)) {
                char list[512] = "";
                for (size_t i = 0; kind->attrs[i]; i++) {
                        if (i > 0)
                                strncat(list, ", ", sizeof(list) - strlen(list) - 1);
                        strncat(list, kind->attrs[i], sizeof(list) - strlen(list) - 1);
                }
                return tt_error_at(err, key, "\"%s\" has no attribute \"%s\" (it has: %s)", kind->name, c->attr,
                                   list);
        }

        size_t n = val->type == TT_YAML_SEQUENCE ? val->n_items : 1;
        if (n == 0)
                return tt_error_at(err, val, "condition \"%s\" has an empty list", k);
        c->values = calloc(n, sizeof(char *));
        if (!c->values)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++) {
                int r = cond_value_parse(val->type == TT_YAML_SEQUENCE ? val->items[i] : val, c, &c->values[i],
                                         err);
                if (r < 0)
                        return r;
                c->n_values++;
        }
        return 0;
}

int tt_condset_parse(const struct tt_yaml_node *n, const struct tt_kind *kind, struct tt_condset *ret,
                     struct tt_error *err) {
        int r = tt_yaml_expect(n, TT_YAML_MAPPING, "a condition", err);
        if (r < 0)
                return r;
        if (n->n_items == 0)
                return tt_error_at(err, n, "empty condition for \"%s\" would match everything", kind->name);
        struct tt_condset s = { .conds = calloc(n->n_items, sizeof(struct tt_cond)) };
        if (!s.conds)
                return -ENOMEM;
        for (size_t i = 0; i < n->n_items; i++) {
                for (size_t j = 0; j < i; j++)
                        if (streq(tt_yaml_key(n, i)->value, tt_yaml_key(n, j)->value)) {
                                tt_condset_free(&s);
                                return tt_error_at(err, tt_yaml_key(n, i), "duplicate key \"%s\"",
                                                   tt_yaml_key(n, i)->value);
                        }
                r = cond_parse(tt_yaml_key(n, i), tt_yaml_value(n, i), kind, &s.conds[i], err);
                s.n_conds++;
                if (r < 0) {
                        tt_condset_free(&s);
                        return r;
                }
        }
        *ret = s;
        return 0;
}

void tt_kind_match_free(struct tt_kind_match *m) {
        for (size_t i = 0; i < m->n_alts; i++)
                tt_condset_free(&m->alts[i]);
        free(m->alts);
        *m = (struct tt_kind_match){};
}

int tt_kind_match_parse(const struct tt_yaml_node *n, const struct tt_kind *kind, struct tt_kind_match *ret,
                        struct tt_error *err) {
        if (n->type == TT_YAML_SCALAR)
                return tt_error_at(err, n, "\"%s\" needs a condition map or a list of them", kind->name);
        size_t count = n->type == TT_YAML_SEQUENCE ? n->n_items : 1;
        if (count == 0)
                return tt_error_at(err, n, "\"%s\" has an empty list", kind->name);
        struct tt_kind_match m = { .kind = kind, .alts = calloc(count, sizeof(struct tt_condset)) };
        if (!m.alts)
                return -ENOMEM;
        for (size_t i = 0; i < count; i++) {
                int r = tt_condset_parse(n->type == TT_YAML_SEQUENCE ? n->items[i] : n, kind, &m.alts[i], err);
                if (r < 0) {
                        tt_kind_match_free(&m);
                        return r;
                }
                m.n_alts++;
        }
        *ret = m;
        return 0;
}

/* "5900" or "5900-5910" */
static bool int_range_parse(const char *s, int64_t *lo, int64_t *hi) {
        char buf[64];
        if (strscpy(buf, sizeof(buf), s))
                return false;
        char *dash = strchr(buf + (buf[0] == '-'), '-');
        if (dash)
                *dash = '\0';
        if (safe_atoi64(buf, 10, lo) < 0)
                return false;
        if (!dash) {
                *hi = *lo;
                return true;
        }
        return safe_atoi64(dash + 1, 10, hi) >= 0 && *hi >= *lo;
}

static bool value_match(const struct tt_cond *c, const struct tt_attr *a, const char *pattern) {
        int64_t lo, hi;
        if (a->type == TT_VALUE_INT && !a->hex && c->op == TT_COND_GLOB && int_range_parse(pattern, &lo, &hi))
                return a->num >= lo && a->num <= hi;

        char buf[32];
        const char *s = tt_attr_to_string(a, buf, sizeof(buf));
        switch (c->op) {
        case TT_COND_GLOB:
                return fnmatch(pattern, s, FNM_CASEFOLD) == 0;
        case TT_COND_SUFFIX:
                return domain_has_suffix(s, pattern);
        case TT_COND_PREFIX:
                return strncasecmp(s, pattern, strlen(pattern)) == 0;
        }
        return false;
}

static bool cond_match(const struct tt_cond *c, const struct tt_observation *o) {
        for (size_t i = 0; i < o->n_attrs; i++) {
                const struct tt_attr *a = &o->attrs[i];
                if (!streq(a->key, c->attr))
                        continue;
                for (size_t j = 0; j < c->n_values; j++)
                        if (value_match(c, a, c->values[j]))
                                return true;
        }
        return false;
}

bool tt_condset_match(const struct tt_condset *s, const struct tt_observation *o) {
        for (size_t i = 0; i < s->n_conds; i++)
                if (!cond_match(&s->conds[i], o))
                        return false;
        return true;
}

bool tt_kind_match_match(const struct tt_kind_match *m, const struct tt_observation *o) {
        if (!streq(m->kind->name, o->kind))
                return false;
        for (size_t i = 0; i < m->n_alts; i++)
                if (tt_condset_match(&m->alts[i], o))
                        return true;
        return false;
}

bool tt_rule_match(const struct tt_rule *r, const struct tt_observation *o) {
        for (size_t i = 0; i < r->n_matches; i++)
                if (tt_kind_match_match(&r->matches[i], o))
                        return true;
        return false;
}

static void rule_free(struct tt_rule *r) {
        free(r->id);
        free(r->product);
        free(r->description);
        free(r->technique);
        free(r->source);
        strv_free_n(r->references, r->n_references);
        for (size_t i = 0; i < r->n_matches; i++)
                tt_kind_match_free(&r->matches[i]);
        free(r->matches);
}

void tt_catalog_free(struct tt_catalog *c) {
        for (size_t i = 0; i < c->n_rules; i++)
                rule_free(&c->rules[i]);
        free(c->rules);
        *c = (struct tt_catalog){};
}

const struct tt_rule *tt_catalog_find(const struct tt_catalog *c, const char *id) {
        for (size_t i = 0; i < c->n_rules; i++)
                if (streq(c->rules[i].id, id))
                        return &c->rules[i];
        return NULL;
}

static bool rule_id_valid(const char *id) {
        if (!islower((unsigned char) id[0]) && !isdigit((unsigned char) id[0]))
                return false;
        for (const char *p = id; *p; p++)
                if (!islower((unsigned char) *p) && !isdigit((unsigned char) *p) && *p != '.' && *p != '-')
                        return false;
        return strlen(id) <= 128;
}

static int scalar_dup(const struct tt_yaml_node *n, const char *what, char **ret, struct tt_error *err) {
        int r = tt_yaml_expect(n, TT_YAML_SCALAR, what, err);
        if (r < 0)
                return r;
        if (isempty(n->value))
                return tt_error_at(err, n, "%s must not be empty", what);
        *ret = strdup(n->value);
        return *ret ? 0 : -ENOMEM;
}

static bool technique_valid(const char *t) {
        /* T1219, T1219.003 */
        if (t[0] != 'T' || strlen(t) < 5)
                return false;
        for (size_t i = 1; i < 5; i++)
                if (!isdigit((unsigned char) t[i]))
                        return false;
        if (t[5] == '\0')
                return true;
        return t[5] == '.' && isdigit((unsigned char) t[6]) && isdigit((unsigned char) t[7]) &&
               isdigit((unsigned char) t[8]) && t[9] == '\0';
}

static int rule_parse(const struct tt_yaml_node *n, const struct tt_catalog *c, struct tt_rule *r,
                      struct tt_error *err) {
        static const char *const keys[] = { "id",        "product",     "category", "severity",  "technique",
                                            "confidence", "description", "references", "match", "heuristic",
                                            NULL };
        int e = tt_yaml_expect(n, TT_YAML_MAPPING, "a rule", err);
        if (e < 0)
                return e;
        e = tt_yaml_check_keys(n, keys, err);
        if (e < 0)
                return e;

        static const char *const required[] = { "id", "product", "category", "severity", "technique",
                                                "description", "references", NULL };
        for (size_t i = 0; required[i]; i++)
                if (!tt_yaml_get(n, required[i]))
                        return tt_error_at(err, n, "rule is missing \"%s\"", required[i]);

        const struct tt_yaml_node *v = tt_yaml_get(n, "id");
        if ((e = scalar_dup(v, "id", &r->id, err)) < 0)
                return e;
        if (!rule_id_valid(r->id))
                return tt_error_at(err, v, "bad rule id \"%s\" (lowercase letters, digits, '.' and '-')", r->id);
        const struct tt_rule *dup = tt_catalog_find(c, r->id);
        if (dup)
                return tt_error_at(err, v, "duplicate rule id \"%s\" (first defined at %s)", r->id, dup->source);
        char src[512];
        snprintf(src, sizeof(src), "%s:%u", n->file, n->line);
        if (!(r->source = strdup(src)))
                return -ENOMEM;

        if ((e = scalar_dup(tt_yaml_get(n, "product"), "product", &r->product, err)) < 0 ||
            (e = scalar_dup(tt_yaml_get(n, "description"), "description", &r->description, err)) < 0 ||
            (e = scalar_dup(tt_yaml_get(n, "technique"), "technique", &r->technique, err)) < 0)
                return e;
        if (!technique_valid(r->technique))
                return tt_error_at(err, tt_yaml_get(n, "technique"), "bad ATT&CK technique \"%s\" (like T1219.002)",
                                   r->technique);

        v = tt_yaml_get(n, "category");
        if ((e = tt_yaml_expect(v, TT_YAML_SCALAR, "category", err)) < 0)
                return e;
        if (tt_category_from_string(v->value, &r->category) < 0)
                return tt_error_at(err, v, "unknown category \"%s\"", v->value);
        v = tt_yaml_get(n, "severity");
        if ((e = tt_yaml_expect(v, TT_YAML_SCALAR, "severity", err)) < 0)
                return e;
        if (tt_severity_from_string(v->value, &r->severity) < 0)
                return tt_error_at(err, v, "unknown severity \"%s\" (info, low, medium, high, critical)", v->value);

        r->confidence = 80;
        if ((v = tt_yaml_get(n, "confidence"))) {
                uint64_t conf;
                if ((e = tt_yaml_uint(v, 100, &conf, err)) < 0)
                        return e;
                r->confidence = (unsigned) conf;
        }

        v = tt_yaml_get(n, "references");
        if ((e = tt_yaml_expect(v, TT_YAML_SEQUENCE, "references", err)) < 0)
                return e;
        if (v->n_items == 0)
                return tt_error_at(err, v, "a rule needs at least one reference");
        if (!(r->references = calloc(v->n_items, sizeof(char *))))
                return -ENOMEM;
        for (size_t i = 0; i < v->n_items; i++) {
                if ((e = scalar_dup(v->items[i], "a reference", &r->references[i], err)) < 0)
                        return e;
                r->n_references++;
                if (!startswith(r->references[i], "https://") && !startswith(r->references[i], "http://"))
                        return tt_error_at(err, v->items[i], "a reference must be a URL");
        }

        const struct tt_yaml_node *match = tt_yaml_get(n, "match"), *heur = tt_yaml_get(n, "heuristic");
        if (!!match == !!heur)
                return tt_error_at(err, n, "a rule needs exactly one of \"match\" and \"heuristic\"");
        if (heur) {
                if ((e = tt_yaml_expect(heur, TT_YAML_SCALAR, "heuristic", err)) < 0)
                        return e;
                r->heuristic = tt_heuristic_find(heur->value);
                if (!r->heuristic)
                        return tt_error_at(err, heur, "unknown heuristic \"%s\"", heur->value);
                return 0;
        }
        if ((e = tt_yaml_expect(match, TT_YAML_MAPPING, "match", err)) < 0)
                return e;
        if (match->n_items == 0)
                return tt_error_at(err, match, "match is empty");
        if (!(r->matches = calloc(match->n_items, sizeof(struct tt_kind_match))))
                return -ENOMEM;
        for (size_t i = 0; i < match->n_items; i++) {
                const struct tt_yaml_node *k = tt_yaml_key(match, i);
                const struct tt_kind *kind = tt_kind_find(k->value);
                if (!kind)
                        return tt_error_at(err, k, "unknown observation kind \"%s\"", k->value);
                for (size_t j = 0; j < i; j++)
                        if (streq(tt_yaml_key(match, j)->value, k->value))
                                return tt_error_at(err, k, "duplicate key \"%s\"", k->value);
                if ((e = tt_kind_match_parse(tt_yaml_value(match, i), kind, &r->matches[i], err)) < 0)
                        return e;
                r->n_matches++;
        }
        return 0;
}

int tt_catalog_load_file(struct tt_catalog *c, const char *path, struct tt_error *err) {
        struct tt_yaml_doc doc;
        int e = tt_yaml_load_file(path, &doc, err);
        if (e < 0)
                return e;
        const struct tt_yaml_node *root = doc.root, *rules = NULL;
        if (!root) {
                e = tt_error_set(err, -EINVAL, "%s: empty catalog file", path);
                goto out;
        }
        if ((e = tt_yaml_expect(root, TT_YAML_MAPPING, "a catalog file", err)) < 0)
                goto out;
        if ((e = tt_yaml_check_keys(root, (const char *const[]){ "rules", NULL }, err)) < 0)
                goto out;
        rules = tt_yaml_get(root, "rules");
        if (!rules) {
                e = tt_error_at(err, root, "a catalog file needs \"rules:\"");
                goto out;
        }
        if ((e = tt_yaml_expect(rules, TT_YAML_SEQUENCE, "rules", err)) < 0)
                goto out;
        struct tt_rule *nr = realloc(c->rules, (c->n_rules + rules->n_items) * sizeof(struct tt_rule));
        if (!nr && rules->n_items > 0) {
                e = -ENOMEM;
                goto out;
        }
        if (nr)
                c->rules = nr;
        for (size_t i = 0; i < rules->n_items; i++) {
                struct tt_rule r = {};
                e = rule_parse(rules->items[i], c, &r, err);
                if (e < 0) {
                        rule_free(&r);
                        goto out;
                }
                c->rules[c->n_rules++] = r;
        }
        e = 0;
out:
        tt_yaml_doc_free(&doc);
        return e;
}

static int yaml_file_filter(const struct dirent *d) {
        return d->d_name[0] != '.' && (endswith(d->d_name, ".yaml") || endswith(d->d_name, ".yml"));
}

int tt_catalog_load_dir(struct tt_catalog *c, const char *dir, bool optional, struct tt_error *err) {
        struct dirent **names;
        int n = scandir(dir, &names, yaml_file_filter, alphasort);
        if (n < 0) {
                if (optional && errno == ENOENT)
                        return 0;
                return tt_error_set(err, -errno, "%s: %s", dir, strerror(errno));
        }
        int e = 0;
        for (int i = 0; i < n; i++) {
                if (e == 0) {
                        char path[4096];
                        snprintf(path, sizeof(path), "%s/%s", dir, names[i]->d_name);
                        e = tt_catalog_load_file(c, path, err);
                }
                free(names[i]);
        }
        free(names);
        return e;
}

int tt_catalog_paths(const struct tt_catalog *c, char ***ret) {
        size_t n = 0, cap = 16;
        char **v = calloc(cap + 1, sizeof(char *));
        if (!v)
                return -ENOMEM;
        for (size_t i = 0; i < c->n_rules; i++)
                for (size_t j = 0; j < c->rules[i].n_matches; j++) {
                        const struct tt_kind_match *m = &c->rules[i].matches[j];
                        if (!streq(m->kind->name, "path"))
                                continue;
                        for (size_t a = 0; a < m->n_alts; a++)
                                for (size_t k = 0; k < m->alts[a].n_conds; k++) {
                                        const struct tt_cond *cond = &m->alts[a].conds[k];
                                        if (!streq(cond->attr, "path") || cond->op != TT_COND_GLOB)
                                                continue;
                                        for (size_t x = 0; x < cond->n_values; x++) {
                                                if (n == cap) {
                                                        char **nv = realloc(v, (cap * 2 + 1) * sizeof(char *));
                                                        if (!nv) {
                                                                tt_strv_free(v);
                                                                return -ENOMEM;
                                                        }
                                                        v = nv;
                                                        cap *= 2;
                                                }
                                                if (!(v[n] = strdup(cond->values[x]))) {
                                                        tt_strv_free(v);
                                                        return -ENOMEM;
                                                }
                                                v[++n] = NULL;
                                        }
                                }
                }
        *ret = v;
        return 0;
}
