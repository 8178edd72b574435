/* SPDX-License-Identifier: MIT */
#include "yaml-node.h"

#include <fcntl.h>
#include <inttypes.h>
#include <strings.h>
#include <yaml.h>

#include "rootfs.h"

/* Bounds for hostile or mistaken input: config and catalog files are small. */
#define YAML_FILE_MAX (4u << 20)
#define YAML_DEPTH_MAX 32
#define YAML_NODES_MAX 200000

struct loader {
        yaml_parser_t parser;
        const char *file;
        size_t n_nodes;
        struct tt_error *err;
};

static void node_free(struct tt_yaml_node *n) {
        if (!n)
                return;
        size_t count = n->type == TT_YAML_MAPPING ? 2 * n->n_items : n->n_items;
        for (size_t i = 0; i < count; i++)
                node_free(n->items[i]);
        free(n->items);
        free(n->value);
        free(n);
}

void tt_yaml_doc_free(struct tt_yaml_doc *doc) {
        node_free(doc->root);
        free(doc->file);
        *doc = (struct tt_yaml_doc){};
}

static int loader_error(struct loader *l, const yaml_mark_t *m, const char *msg) {
        return tt_error_set(l->err, -EINVAL, "%s:%zu:%zu: %s", l->file, m->line + 1, m->column + 1, msg);
}

static int loader_parse_error(struct loader *l) {
        const yaml_mark_t *m = &l->parser.problem_mark;
        return tt_error_set(l->err, -EINVAL, "%s:%zu:%zu: %s%s%s", l->file, m->line + 1, m->column + 1,
                            l->parser.problem ? l->parser.problem : "YAML syntax error",
                            l->parser.context ? " " : "", l->parser.context ? l->parser.context : "");
}

static int node_append(struct tt_yaml_node *parent, struct tt_yaml_node *child) {
        if ((parent->n_items & (parent->n_items - 1)) == 0) {
                size_t cap = parent->n_items ? parent->n_items * 2 : 4;
                struct tt_yaml_node **n = realloc(parent->items, cap * sizeof(*n));
                if (!n)
                        return -ENOMEM;
                parent->items = n;
        }
        parent->items[parent->n_items++] = child;
        return 0;
}

/* Parses the node whose first event is *ev (consumed by the caller). */
static int load_node(struct loader *l, yaml_event_t *ev, unsigned depth, struct tt_yaml_node **ret) {
        if (depth > YAML_DEPTH_MAX)
                return loader_error(l, &ev->start_mark, "nesting too deep");
        if (++l->n_nodes > YAML_NODES_MAX)
                return loader_error(l, &ev->start_mark, "document too large");

        struct tt_yaml_node *n = calloc(1, sizeof(*n));
        if (!n)
                return -ENOMEM;
        n->file = l->file;
        n->line = (unsigned) ev->start_mark.line + 1;
        n->column = (unsigned) ev->start_mark.column + 1;

        int r = 0;
        switch (ev->type) {
        case YAML_ALIAS_EVENT:
                r = loader_error(l, &ev->start_mark, "aliases are not supported");
                goto fail;
        case YAML_SCALAR_EVENT:
                if (ev->data.scalar.anchor) {
                        r = loader_error(l, &ev->start_mark, "anchors are not supported");
                        goto fail;
                }
                n->type = TT_YAML_SCALAR;
                n->quoted = ev->data.scalar.style == YAML_SINGLE_QUOTED_SCALAR_STYLE ||
                            ev->data.scalar.style == YAML_DOUBLE_QUOTED_SCALAR_STYLE ||
                            ev->data.scalar.style == YAML_LITERAL_SCALAR_STYLE ||
                            ev->data.scalar.style == YAML_FOLDED_SCALAR_STYLE;
                n->value = strndup((const char *) ev->data.scalar.value, ev->data.scalar.length);
                if (!n->value) {
                        r = -ENOMEM;
                        goto fail;
                }
                if (strlen(n->value) != ev->data.scalar.length) {
                        r = loader_error(l, &ev->start_mark, "NUL byte in string");
                        goto fail;
                }
                *ret = n;
                return 0;
        case YAML_SEQUENCE_START_EVENT:
        case YAML_MAPPING_START_EVENT: {
                bool is_map = ev->type == YAML_MAPPING_START_EVENT;
                if ((is_map ? ev->data.mapping_start.anchor : ev->data.sequence_start.anchor)) {
                        r = loader_error(l, &ev->start_mark, "anchors are not supported");
                        goto fail;
                }
                /* A sequence of children until the end; a mapping's pairs are
                 * counted once all are there (node_free relies on this). */
                n->type = TT_YAML_SEQUENCE;
                yaml_event_type_t end = is_map ? YAML_MAPPING_END_EVENT : YAML_SEQUENCE_END_EVENT;
                for (;;) {
                        yaml_event_t child_ev;
                        if (!yaml_parser_parse(&l->parser, &child_ev)) {
                                r = loader_parse_error(l);
                                goto fail;
                        }
                        if (child_ev.type == end) {
                                yaml_event_delete(&child_ev);
                                break;
                        }
                        struct tt_yaml_node *child = NULL;
                        r = load_node(l, &child_ev, depth + 1, &child);
                        yaml_event_delete(&child_ev);
                        if (r < 0)
                                goto fail;
                        r = node_append(n, child);
                        if (r < 0) {
                                node_free(child);
                                goto fail;
                        }
                }
                if (is_map) {
                        n->type = TT_YAML_MAPPING;
                        n->n_items /= 2; /* pairs */
                        for (size_t i = 0; i < n->n_items; i++)
                                if (tt_yaml_key(n, i)->type != TT_YAML_SCALAR) {
                                        r = tt_error_at(l->err, tt_yaml_key(n, i), "mapping keys must be plain strings");
                                        goto fail;
                                }
                }
                *ret = n;
                return 0;
        }
        default:
                r = loader_error(l, &ev->start_mark, "unexpected YAML event");
                goto fail;
        }
fail:
        node_free(n);
        return r;
}

int tt_yaml_load_string(const char *name, const char *text, size_t len, struct tt_yaml_doc *ret,
                        struct tt_error *err) {
        struct tt_yaml_doc doc = { .file = strdup(name) };
        if (!doc.file)
                return -ENOMEM;
        struct loader l = { .file = doc.file, .err = err };
        if (!yaml_parser_initialize(&l.parser)) {
                free(doc.file);
                return -ENOMEM;
        }
        yaml_parser_set_input_string(&l.parser, (const unsigned char *) text, len);

        int r = 0;
        bool in_doc = false, seen_doc = false;
        for (;;) {
                yaml_event_t ev;
                if (!yaml_parser_parse(&l.parser, &ev)) {
                        r = loader_parse_error(&l);
                        break;
                }
                yaml_event_type_t t = ev.type;
                if (t == YAML_STREAM_END_EVENT) {
                        yaml_event_delete(&ev);
                        break;
                } else if (t == YAML_DOCUMENT_START_EVENT) {
                        if (seen_doc) {
                                r = loader_error(&l, &ev.start_mark, "only one YAML document per file");
                                yaml_event_delete(&ev);
                                break;
                        }
                        in_doc = seen_doc = true;
                } else if (t == YAML_DOCUMENT_END_EVENT) {
                        in_doc = false;
                } else if (in_doc && t != YAML_STREAM_START_EVENT) {
                        r = load_node(&l, &ev, 0, &doc.root);
                }
                yaml_event_delete(&ev);
                if (r < 0)
                        break;
        }
        yaml_parser_delete(&l.parser);
        if (r < 0) {
                tt_yaml_doc_free(&doc);
                return r;
        }
        *ret = doc;
        return 0;
}

int tt_yaml_load_file(const char *path, struct tt_yaml_doc *ret, struct tt_error *err) {
        _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        if (fd < 0)
                return tt_error_set(err, -errno, "%s: %s", path, strerror(errno));
        _cleanup_free_ char *text = NULL;
        size_t len;
        bool truncated;
        int r = tt_read_file_fd(fd, YAML_FILE_MAX, &text, &len, &truncated);
        if (r < 0)
                return tt_error_set(err, r, "%s: %s", path, strerror(-r));
        if (truncated)
                return tt_error_set(err, -EFBIG, "%s: file larger than %u bytes", path, YAML_FILE_MAX);
        return tt_yaml_load_string(path, text, len, ret, err);
}

bool tt_yaml_is_null(const struct tt_yaml_node *n) {
        return n->type == TT_YAML_SCALAR && !n->quoted &&
               (n->value[0] == '\0' || streq(n->value, "~") || streq(n->value, "null"));
}

/* A key with no value ("report:" with everything below commented out) is
 * the same as an absent key: its defaults apply. */
const struct tt_yaml_node *tt_yaml_get(const struct tt_yaml_node *map, const char *key) {
        if (!map || map->type != TT_YAML_MAPPING)
                return NULL;
        for (size_t i = 0; i < map->n_items; i++)
                if (streq(tt_yaml_key(map, i)->value, key))
                        return tt_yaml_is_null(tt_yaml_value(map, i)) ? NULL : tt_yaml_value(map, i);
        return NULL;
}

const char *tt_yaml_type_name(enum tt_yaml_type t) {
        switch (t) {
        case TT_YAML_SCALAR:
                return "a scalar";
        case TT_YAML_SEQUENCE:
                return "a list";
        case TT_YAML_MAPPING:
                return "a mapping";
        }
        return "?";
}

int tt_yaml_expect(const struct tt_yaml_node *n, enum tt_yaml_type t, const char *what, struct tt_error *err) {
        if (n->type != t)
                return tt_error_at(err, n, "%s must be %s, not %s", what, tt_yaml_type_name(t),
                                   tt_yaml_type_name(n->type));
        return 0;
}

int tt_yaml_bool(const struct tt_yaml_node *n, bool *ret, struct tt_error *err) {
        if (n->type == TT_YAML_SCALAR && !n->quoted) {
                if (streq(n->value, "true") || streq(n->value, "yes") || streq(n->value, "on")) {
                        *ret = true;
                        return 0;
                }
                if (streq(n->value, "false") || streq(n->value, "no") || streq(n->value, "off")) {
                        *ret = false;
                        return 0;
                }
        }
        return tt_error_at(err, n, "expected true or false");
}

int tt_yaml_uint(const struct tt_yaml_node *n, uint64_t max, uint64_t *ret, struct tt_error *err) {
        uint64_t v;
        if (n->type != TT_YAML_SCALAR || safe_atou64(n->value, 0, &v) < 0)
                return tt_error_at(err, n, "expected a non-negative integer");
        if (v > max)
                return tt_error_at(err, n, "value %" PRIu64 " is larger than %" PRIu64, v, max);
        *ret = v;
        return 0;
}

struct unit_suffix {
        const char *suffix;
        uint64_t factor;
};

static int parse_with_units(const struct tt_yaml_node *n, const struct unit_suffix *units, size_t n_units,
                            bool unit_required, const char *what, uint64_t *ret, struct tt_error *err) {
        if (n->type != TT_YAML_SCALAR || isempty(n->value))
                return tt_error_at(err, n, "expected %s", what);
        char *end;
        errno = 0;
        if (n->value[0] == '-')
                return tt_error_at(err, n, "expected %s", what);
        unsigned long long v = strtoull(n->value, &end, 10);
        if (errno != 0 || end == n->value)
                return tt_error_at(err, n, "expected %s", what);
        uint64_t factor = 0;
        if (*end == '\0' && !unit_required)
                factor = 1;
        for (size_t i = 0; i < n_units && factor == 0; i++)
                if (strcasecmp(end, units[i].suffix) == 0)
                        factor = units[i].factor;
        if (factor == 0)
                return tt_error_at(err, n, "expected %s, got \"%s\"", what, n->value);
        if (v > UINT64_MAX / factor)
                return tt_error_at(err, n, "value too large");
        *ret = v * factor;
        return 0;
}

int tt_yaml_duration(const struct tt_yaml_node *n, uint64_t *ret_usec, struct tt_error *err) {
        static const struct unit_suffix units[] = {
                { "us", 1ULL }, { "ms", 1000ULL }, { "s", 1000000ULL }, { "m", 60000000ULL },
                { "min", 60000000ULL }, { "h", 3600000000ULL }, { "d", 86400000000ULL },
        };
        return parse_with_units(n, units, ELEMENTSOF(units), true, "a duration like 500ms, 30s, 5m, 1h",
                                ret_usec, err);
}

int tt_yaml_size(const struct tt_yaml_node *n, uint64_t *ret, struct tt_error *err) {
        static const struct unit_suffix units[] = {
                { "B", 1ULL }, { "KiB", 1ULL << 10 }, { "MiB", 1ULL << 20 }, { "GiB", 1ULL << 30 },
                { "K", 1ULL << 10 }, { "M", 1ULL << 20 }, { "G", 1ULL << 30 },
        };
        return parse_with_units(n, units, ELEMENTSOF(units), false, "a size like 64MiB", ret, err);
}

int tt_yaml_check_keys(const struct tt_yaml_node *map, const char *const *allowed, struct tt_error *err) {
        for (size_t i = 0; i < map->n_items; i++) {
                const struct tt_yaml_node *k = tt_yaml_key(map, i);
                bool ok = false;
                for (size_t j = 0; allowed[j] && !ok; j++)
                        ok = streq(allowed[j], k->value);
                if (!ok) {
                        char list[512] = "";
                        for (size_t j = 0; allowed[j]; j++) {
                                if (j > 0)
                                        strncat(list, ", ", sizeof(list) - strlen(list) - 1);
                                strncat(list, allowed[j], sizeof(list) - strlen(list) - 1);
                        }
                        return tt_error_at(err, k, "unknown key \"%s\" (expected one of: %s)", k->value, list);
                }
                for (size_t j = 0; j < i; j++)
                        if (streq(tt_yaml_key(map, j)->value, k->value))
                                return tt_error_at(err, k, "duplicate key \"%s\" (first at line %u)", k->value,
                                                   tt_yaml_key(map, j)->line);
        }
        return 0;
}
