/* SPDX-License-Identifier: MIT */
#include "error.h"

#include <stdarg.h>
#include <stdio.h>

#include "yaml-node.h"

int tt_error_set(struct tt_error *err, int r, const char *fmt, ...) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
        va_end(ap);
        return r;
}

int tt_error_at(struct tt_error *err, const struct tt_yaml_node *n, const char *fmt, ...) {
        char msg[768];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(msg, sizeof(msg), fmt, ap);
        va_end(ap);
        snprintf(err->msg, sizeof(err->msg), "%s:%u:%u: %s", n->file, n->line, n->column, msg);
        return -EINVAL;
}
