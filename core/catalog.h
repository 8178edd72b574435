/* SPDX-License-Identifier: MIT */
#pragma once

/* Detection knowledge as data: rules loaded from config/catalog/NAME.yaml and a
 * local catalog.d/. A rule either matches observations by conditions or binds
 * its metadata to a heuristic in code (core/heuristics.c). */

#include <stdbool.h>
#include <stddef.h>

#include "error.h"
#include "kind.h"
#include "obs.h"

enum tt_severity {
        TT_SEVERITY_INFO,
        TT_SEVERITY_LOW,
        TT_SEVERITY_MEDIUM,
        TT_SEVERITY_HIGH,
        TT_SEVERITY_CRITICAL,
        _TT_SEVERITY_MAX,
};

enum tt_category {
        TT_CATEGORY_REMOTE_ACCESS,
        TT_CATEGORY_KVM,
        TT_CATEGORY_FOREIGN_ROUTE,
        TT_CATEGORY_REMOTE_SESSION,
        TT_CATEGORY_TAMPER,
        TT_CATEGORY_CORRELATION,
        TT_CATEGORY_CONTEXT,
        _TT_CATEGORY_MAX,
};

const char *tt_severity_to_string(enum tt_severity s);
int tt_severity_from_string(const char *s, enum tt_severity *ret);
const char *tt_category_to_string(enum tt_category c);
int tt_category_from_string(const char *s, enum tt_category *ret);

enum tt_cond_op {
        TT_COND_GLOB,   /* <attr>: case-insensitive glob, or int / int range */
        TT_COND_SUFFIX, /* <attr>_suffix: label-aligned DNS suffix */
        TT_COND_PREFIX, /* <attr>_prefix */
};

struct tt_cond {
        char *attr;
        enum tt_cond_op op;
        size_t n_values; /* any of them */
        char **values;
};

struct tt_condset {
        size_t n_conds; /* all of them */
        struct tt_cond *conds;
};

struct tt_kind_match {
        const struct tt_kind *kind;
        size_t n_alts; /* any of them */
        struct tt_condset *alts;
};

struct tt_heuristic;

struct tt_rule {
        char *id;
        char *product;
        char *description;
        char *technique;
        char *source; /* file:line where it was defined */
        enum tt_category category;
        enum tt_severity severity;
        unsigned confidence;
        size_t n_references;
        char **references;
        size_t n_matches;
        struct tt_kind_match *matches;
        const struct tt_heuristic *heuristic;
};

struct tt_catalog {
        size_t n_rules;
        struct tt_rule *rules;
};

/* Loads every .yaml file of each directory in order (sorted by name); a
 * directory that does not exist is skipped when optional. */
int tt_catalog_load_dir(struct tt_catalog *c, const char *dir, bool optional, struct tt_error *err);
int tt_catalog_load_file(struct tt_catalog *c, const char *path, struct tt_error *err);
void tt_catalog_free(struct tt_catalog *c);
const struct tt_rule *tt_catalog_find(const struct tt_catalog *c, const char *id);

/* Parses a condition map for KIND (as in rules and allowlist entries). */
int tt_condset_parse(const struct tt_yaml_node *n, const struct tt_kind *kind, struct tt_condset *ret,
                     struct tt_error *err);
void tt_condset_free(struct tt_condset *s);
int tt_kind_match_parse(const struct tt_yaml_node *n, const struct tt_kind *kind, struct tt_kind_match *ret,
                        struct tt_error *err);
void tt_kind_match_free(struct tt_kind_match *m);

bool tt_condset_match(const struct tt_condset *s, const struct tt_observation *o);
bool tt_kind_match_match(const struct tt_kind_match *m, const struct tt_observation *o);
bool tt_rule_match(const struct tt_rule *r, const struct tt_observation *o);

/* The path patterns path conditions name, for the path probe; NULL-terminated,
 * free with tt_strv_free(). */
int tt_catalog_paths(const struct tt_catalog *c, char ***ret);
void tt_strv_free(char **v);
