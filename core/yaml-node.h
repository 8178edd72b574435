/* SPDX-License-Identifier: MIT */
#pragma once

/* A YAML document loaded with libyaml into a small tree that remembers where
 * every node stood, so config and catalog errors can name file:line:col.
 * Anchors, aliases and tags are refused: config is data, and an alias bomb
 * must not blow up the daemon. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"

enum tt_yaml_type {
        TT_YAML_SCALAR,
        TT_YAML_SEQUENCE,
        TT_YAML_MAPPING,
};

struct tt_yaml_node {
        enum tt_yaml_type type;
        const char *file; /* shared, owned by the document */
        unsigned line, column;
        bool quoted;      /* scalar was quoted: never a number or bool */
        char *value;      /* scalar */
        size_t n_items;   /* sequence items, or mapping pairs (keys at 2i, values at 2i+1) */
        struct tt_yaml_node **items;
};

struct tt_yaml_doc {
        char *file;
        struct tt_yaml_node *root; /* NULL for an empty document */
};

int tt_yaml_load_file(const char *path, struct tt_yaml_doc *ret, struct tt_error *err);
int tt_yaml_load_string(const char *name, const char *text, size_t len, struct tt_yaml_doc *ret,
                        struct tt_error *err);
void tt_yaml_doc_free(struct tt_yaml_doc *doc);

static inline const struct tt_yaml_node *tt_yaml_key(const struct tt_yaml_node *map, size_t i) {
        return map->items[2 * i];
}
static inline const struct tt_yaml_node *tt_yaml_value(const struct tt_yaml_node *map, size_t i) {
        return map->items[2 * i + 1];
}
const struct tt_yaml_node *tt_yaml_get(const struct tt_yaml_node *map, const char *key);
bool tt_yaml_is_null(const struct tt_yaml_node *n);
const char *tt_yaml_type_name(enum tt_yaml_type t);

/* Typed readers: each checks the node's type and returns an error that names
 * where it stands. */
int tt_yaml_expect(const struct tt_yaml_node *n, enum tt_yaml_type t, const char *what, struct tt_error *err);
int tt_yaml_bool(const struct tt_yaml_node *n, bool *ret, struct tt_error *err);
int tt_yaml_uint(const struct tt_yaml_node *n, uint64_t max, uint64_t *ret, struct tt_error *err);
/* "500ms", "30s", "5m", "1h", "2d" → microseconds. */
int tt_yaml_duration(const struct tt_yaml_node *n, uint64_t *ret_usec, struct tt_error *err);
/* "64MiB", "512KiB", "1GiB", "4096" → bytes. */
int tt_yaml_size(const struct tt_yaml_node *n, uint64_t *ret, struct tt_error *err);
/* Checks that every key of a mapping is one of the NULL-terminated allowed
 * names and that none repeats. */
int tt_yaml_check_keys(const struct tt_yaml_node *map, const char *const *allowed, struct tt_error *err);
