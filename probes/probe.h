/* SPDX-License-Identifier: MIT */
#pragma once

/* Every probe has the same small face. A probe looks at one source and emits
 * observations through tt_emit(): facts, never verdicts. It never logs and
 * never writes output; errors come back as negative errno. */

#include <stdbool.h>
#include <stddef.h>

#include "kind.h"
#include "obs.h"
#include "rootfs.h"

struct tt_yaml_node;
typedef struct sd_event sd_event;

struct tt_probe_ctx {
        const struct tt_root *root;
        const struct tt_yaml_node *options; /* this probe's config map, may be NULL */
        /* Paths the catalog asks about (for the path probe); NULL-terminated. */
        const char *const *catalog_paths;
        int (*emit)(void *userdata, const char *probe, const struct tt_observation *o);
        void *userdata;
        const char *probe_name;
        /* Set by a probe for a non-fatal problem worth one line on stderr
         * (e.g. "rpm database present but not readable"). */
        char note[256];
};

int tt_emit(struct tt_probe_ctx *ctx, const struct tt_observation *o);

struct tt_probe {
        const char *name;
        /* Option keys this probe accepts besides enabled/interval. */
        const char *const *options;
        bool default_enabled;
        int (*scan)(struct tt_probe_ctx *ctx);                 /* one pass */
        int (*watch)(struct tt_probe_ctx *ctx, sd_event *e);   /* optional: event fds */
};

/* probes/registry.c */
extern const struct tt_probe *const tt_probes[];
const struct tt_probe *tt_probe_find(const char *name);
