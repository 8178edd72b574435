/* SPDX-License-Identifier: MIT */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "catalog.h"
#include "obs.h"

typedef uint64_t usec_t;

#define TT_EVIDENCE_MAX 8
#define TT_REASONS_MAX 12

/* A deep copy of an observation, kept as a finding's evidence. */
struct tt_evidence {
        char *probe;
        char *kind;
        char *subject;
        unsigned count; /* times seen */
        size_t n_attrs;
        struct tt_attr *attrs; /* keys and strings owned */
};

struct tt_reason {
        const struct tt_rule *rule;
        unsigned confidence;
        char *detail; /* NULL for a plain catalog match */
};

enum tt_event {
        TT_EVENT_NEW,
        TT_EVENT_ONGOING,
        TT_EVENT_CLEARED,
};

const char *tt_event_to_string(enum tt_event e);

struct tt_finding {
        char id[33];
        enum tt_event event;
        const struct tt_rule *rule; /* the strongest of the reasons */
        char *subject;
        enum tt_category category;
        enum tt_severity severity;
        unsigned confidence;
        char *summary;
        usec_t first_seen, last_seen;
        size_t n_evidence;
        size_t n_evidence_dropped;
        struct tt_evidence evidence[TT_EVIDENCE_MAX];
        size_t n_reasons;
        struct tt_reason reasons[TT_REASONS_MAX];
};

int tt_evidence_copy(struct tt_evidence *e, const char *probe, const struct tt_observation *o);
void tt_evidence_free(struct tt_evidence *e);
void tt_finding_free(struct tt_finding *f);
/* Stable id: the same rule + subject on the same host gives the same id. */
void tt_finding_id(const char *host, const char *rule, const char *subject, char ret[static 33]);
