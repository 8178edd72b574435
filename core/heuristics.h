/* SPDX-License-Identifier: MIT */
#pragma once

/* What data can't express: code that judges the shape of an observation
 * (HID descriptor mix, gadget tells, route takeover ...). A catalog rule
 * binds its id, severity and references to a heuristic by name. */

#include <stddef.h>

#include "obs.h"

struct tt_config;

struct tt_heuristic {
        const char *name;
        const char *kind; /* the observation kind it judges */
        /* Returns 1 and fills confidence (0-100) and a one-line reason when it
         * fires, 0 when not. */
        int (*eval)(const struct tt_observation *o, unsigned *ret_confidence, char *reason, size_t size);
        /* Instead of eval, for heuristics that judge against the config (corporate VPN,
         * management networks, expected countries). */
        int (*eval_config)(const struct tt_config *cfg, const struct tt_observation *o, unsigned *ret_confidence,
                           char *reason, size_t size);
};

const struct tt_heuristic *tt_heuristic_find(const char *name);
/* Runs whichever of eval and eval_config the heuristic has; 0 for one with
 * neither (a correlation judged at flush, core/correlate.c). */
int tt_heuristic_eval(const struct tt_heuristic *h, const struct tt_config *cfg, const struct tt_observation *o,
                      unsigned *ret_confidence, char *reason, size_t size);
