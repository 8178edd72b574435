/* SPDX-License-Identifier: MIT */
#pragma once

/* The observation vocabulary shared by probes and the catalog: each kind and
 * the attribute names a rule may match on. The catalog loader rejects any
 * other kind or attribute, so a typo in a rule is an error, never a rule that
 * silently matches nothing. A probe emits only attributes listed here. */

#include <stdbool.h>

struct tt_kind {
        const char *name;
        /* NULL-terminated; the first three are what a finding's summary shows. */
        const char *const *attrs;
        /* Findings are per subject (one per USB device, per session, per peer)
         * rather than one per rule on the host (software seen through its
         * process, package, unit, ...). */
        bool per_subject;
};

const struct tt_kind *tt_kind_find(const char *name);
bool tt_kind_has_attr(const struct tt_kind *k, const char *attr);
extern const struct tt_kind *const tt_kinds[];
