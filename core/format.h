/* SPDX-License-Identifier: MIT */
#pragma once

#include "buf.h"
#include "finding.h"

/* RFC 3339 UTC with milliseconds. */
void tt_format_time(usec_t t, char buf[static 32]);
/* One JSON object, no newline. */
void tt_format_finding_json(struct tt_buf *b, const struct tt_finding *f, const char *host);
void tt_format_observation_json(struct tt_buf *b, const char *probe, const struct tt_observation *o);
/* Evidence attributes as "key=value key=value", escaped for text. */
void tt_format_evidence_text(struct tt_buf *b, const struct tt_evidence *e);
