/* SPDX-License-Identifier: MIT */
#pragma once

/* Address → name, learnt from DNS answers, so a later flow to 203.0.113.9 is
 * attributed to relay-1.net.anydesk.com. Fixed size: the oldest entry in a
 * slot's neighbourhood is overwritten, so a flood of answers costs nothing
 * more than the table. */

#include <stddef.h>
#include <stdint.h>

#define TT_DNSCACHE_NAME_MAX 256

struct tt_dnscache;

int tt_dnscache_new(size_t entries, struct tt_dnscache **ret);
void tt_dnscache_free(struct tt_dnscache *c);
/* addr: 4 or 16 bytes per family. */
void tt_dnscache_put(struct tt_dnscache *c, int family, const uint8_t *addr, const char *name, uint64_t now);
const char *tt_dnscache_get(const struct tt_dnscache *c, int family, const uint8_t *addr);
