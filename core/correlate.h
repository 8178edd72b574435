/* SPDX-License-Identifier: MIT */
#pragma once

/* Several weak signs from different categories, active on the host at once,
 * make one strong verdict: a KVM plus a remote-access tool, or a
 * remote-access tool plus a consumer VPN, is a laptop farm. The verdict's
 * metadata is the catalog rule bound to heuristic "laptop-farm". */

#include "catalog.h"
#include "config.h"
#include "finding.h"

#define TT_CORRELATION_HEURISTIC "laptop-farm"

/* Judges one pass's findings (their ids already computed). Returns 1 and
 * fills *ret (free with tt_finding_free()) when they join, 0 when they do
 * not, when the catalog has no laptop-farm rule or the allowlist names it. */
int tt_correlate(const struct tt_catalog *cat, const struct tt_config *cfg, const char *host,
                 const struct tt_finding *findings, size_t n, usec_t now, struct tt_finding *ret);
