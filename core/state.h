/* SPDX-License-Identifier: MIT */
#pragma once

/* Alert state: what the SOC has been told. Each evaluation hands over every
 * finding present now; the state turns that into events: "new" the first
 * time, "ongoing" again once per ongoing interval while it stays, "cleared"
 * when it is gone. A per-rule rate limit holds back what exceeds it (a
 * held-back "new" goes out when the window allows, a "cleared" likewise) and
 * sends a summary of what it held back at the end of each window. The state
 * is saved to a small file, so a restart neither repeats nor forgets. */

#include <stdint.h>

#include "finding.h"

#define TT_USEC_INFINITY UINT64_MAX

struct tt_state_config {
        const char *host;       /* for the ids of summary events; copied */
        uint64_t ongoing_interval_usec;
        uint64_t rate_events;   /* events per rule and window; 0: unlimited */
        uint64_t rate_interval_usec;
};

struct tt_state;

/* Gets each event; the finding is valid for the call only. */
typedef int (*tt_state_emit_t)(void *userdata, const struct tt_finding *f);

int tt_state_new(const struct tt_state_config *cfg, struct tt_state **ret);
void tt_state_free(struct tt_state *s);
int tt_state_set_config(struct tt_state *s, const struct tt_state_config *cfg);

/* -ENOENT: no file yet. -EBADMSG: damaged; the state stays empty. */
int tt_state_load(struct tt_state *s, const char *path);
/* Written to a temporary file, synced, renamed over path. */
int tt_state_save(struct tt_state *s, const char *path);
/* Changed since the last load or save. */
bool tt_state_dirty(const struct tt_state *s);

/* One evaluation: v holds every finding present now, ids computed. Stops at
 * the first error emit returns. */
int tt_state_update(struct tt_state *s, const struct tt_finding *const *v, size_t n, usec_t now,
                    tt_state_emit_t emit, void *userdata);
/* When an update would send something without any change in findings (an
 * ongoing re-send, a held-back event, a summary); TT_USEC_INFINITY if never. */
usec_t tt_state_next_due(const struct tt_state *s);
/* Findings the SOC currently holds as open. */
size_t tt_state_n_active(const struct tt_state *s);
