/* SPDX-License-Identifier: MIT */
#pragma once

/* The judge: observations in, findings out; no I/O of its own. Matches
 * observations against the catalog and heuristics, applies the allowlist,
 * groups what belongs together (one finding per device, one per product on
 * the host) and correlates across categories at flush. */

#include "catalog.h"
#include "config.h"
#include "finding.h"

struct tt_core;

int tt_core_new(const struct tt_config *cfg, const struct tt_catalog *cat, const char *host, struct tt_core **ret);
void tt_core_free(struct tt_core *c);
/* -EINVAL for an unknown kind (a probe bug), -ENOMEM. */
int tt_core_observe(struct tt_core *c, const char *probe, const struct tt_observation *o, usec_t now);
/* Ends a pass: correlation, ids and summaries. */
int tt_core_flush(struct tt_core *c, usec_t now);
/* Forgets this pass's findings, for the next pass. */
void tt_core_reset(struct tt_core *c);

size_t tt_core_n_findings(const struct tt_core *c);
const struct tt_finding *tt_core_finding(const struct tt_core *c, size_t i);
/* Matches the allowlist suppressed in this pass. */
size_t tt_core_n_allowed(const struct tt_core *c);
const char *tt_core_host(const struct tt_core *c);
