/* SPDX-License-Identifier: MIT */
#pragma once

/* An observation is a plain fact a probe saw: a kind ("process", "usb_device",
 * "dns"), a subject key (what it is about, stable across runs where possible:
 * "usb:1-2", "pid:812") and typed attributes. Strings are borrowed from the
 * probe for the duration of tt_emit(); the core copies what it keeps.
 * A key may repeat: that is a multi-valued attribute (e.g. several ALPNs),
 * and a condition matches when any value does. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TT_OBS_ATTRS_MAX 64

enum tt_value_type {
        TT_VALUE_STR,
        TT_VALUE_INT,
        TT_VALUE_BOOL,
};

struct tt_attr {
        const char *key;
        enum tt_value_type type;
        const char *str; /* TT_VALUE_STR */
        int64_t num;     /* TT_VALUE_INT, TT_VALUE_BOOL */
        bool hex;        /* TT_VALUE_INT: matched and printed as 4-digit hex ("1d6b") */
};

struct tt_observation {
        const char *kind;
        const char *subject;
        size_t n_attrs;
        bool attrs_truncated;
        struct tt_attr attrs[TT_OBS_ATTRS_MAX];
};

void tt_obs_init(struct tt_observation *o, const char *kind, const char *subject);
/* Adding to a full observation sets attrs_truncated and is otherwise a no-op:
 * a hostile input with many values must not make a probe fail. NULL values
 * are skipped. */
void tt_obs_add_str(struct tt_observation *o, const char *key, const char *value);
void tt_obs_add_int(struct tt_observation *o, const char *key, int64_t value);
void tt_obs_add_hex(struct tt_observation *o, const char *key, int64_t value);
void tt_obs_add_bool(struct tt_observation *o, const char *key, bool value);
const struct tt_attr *tt_obs_get(const struct tt_observation *o, const char *key);
const char *tt_obs_get_str(const struct tt_observation *o, const char *key);
/* The attribute as text, the form conditions are matched against:
 * decimal for ints, 4-digit lowercase hex for hex ints, "true"/"false". */
const char *tt_attr_to_string(const struct tt_attr *a, char *buf, size_t size);
