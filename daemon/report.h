/* SPDX-License-Identifier: MIT */
#pragma once

#include <stdio.h>

#include "core.h"

/* The human report: grouped by category, most severe first, one line of
 * evidence each. Returns the number of findings shown. */
size_t tt_report_text(FILE *out, const struct tt_core *c, enum tt_severity min, const char *root);
size_t tt_report_json(FILE *out, const struct tt_core *c, enum tt_severity min);
