/* SPDX-License-Identifier: MIT */
#pragma once

/* Load errors carry their own location text ("file:line:col: message"), so
 * loaders return -errno and the caller prints one line; libraries never log. */

#include <stddef.h>

#include "util.h"

struct tt_error {
        char msg[1024];
};

struct tt_yaml_node;

_printf_(3, 4) int tt_error_set(struct tt_error *err, int r, const char *fmt, ...);
/* "file:line:col: message", with the node's position (1-based). */
_printf_(3, 4) int tt_error_at(struct tt_error *err, const struct tt_yaml_node *n, const char *fmt, ...);
