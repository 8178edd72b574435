/* SPDX-License-Identifier: MIT */
#include "obs.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "util.h"

void tt_obs_init(struct tt_observation *o, const char *kind, const char *subject) {
        *o = (struct tt_observation){ .kind = kind, .subject = subject };
}

static struct tt_attr *obs_append(struct tt_observation *o, const char *key, enum tt_value_type type) {
        if (o->n_attrs >= TT_OBS_ATTRS_MAX) {
                o->attrs_truncated = true;
                return NULL;
        }
        struct tt_attr *a = &o->attrs[o->n_attrs++];
        *a = (struct tt_attr){ .key = key, .type = type };
        return a;
}

void tt_obs_add_str(struct tt_observation *o, const char *key, const char *value) {
        if (!value)
                return;
        struct tt_attr *a = obs_append(o, key, TT_VALUE_STR);
        if (a)
                a->str = value;
}

void tt_obs_add_int(struct tt_observation *o, const char *key, int64_t value) {
        struct tt_attr *a = obs_append(o, key, TT_VALUE_INT);
        if (a)
                a->num = value;
}

void tt_obs_add_hex(struct tt_observation *o, const char *key, int64_t value) {
        struct tt_attr *a = obs_append(o, key, TT_VALUE_INT);
        if (a) {
                a->num = value;
                a->hex = true;
        }
}

void tt_obs_add_bool(struct tt_observation *o, const char *key, bool value) {
        struct tt_attr *a = obs_append(o, key, TT_VALUE_BOOL);
        if (a)
                a->num = value;
}

const struct tt_attr *tt_obs_get(const struct tt_observation *o, const char *key) {
        for (size_t i = 0; i < o->n_attrs; i++)
                if (streq(o->attrs[i].key, key))
                        return &o->attrs[i];
        return NULL;
}

const char *tt_obs_get_str(const struct tt_observation *o, const char *key) {
        const struct tt_attr *a = tt_obs_get(o, key);
        return a && a->type == TT_VALUE_STR ? a->str : NULL;
}

const char *tt_attr_to_string(const struct tt_attr *a, char *buf, size_t size) {
        switch (a->type) {
        case TT_VALUE_STR:
                return a->str;
        case TT_VALUE_BOOL:
                return a->num ? "true" : "false";
        case TT_VALUE_INT:
                if (a->hex)
                        snprintf(buf, size, "%04" PRIx64, (uint64_t) a->num);
                else
                        snprintf(buf, size, "%" PRId64, a->num);
                return buf;
        }
        return "";
}
