/* SPDX-License-Identifier: MIT */
#pragma once

/* `telltale daemon`: one sd-event loop. Periodic probes run on timers (with
 * jitter), device and network changes trigger a debounced rescan of the
 * probes that asked for them, the alert state turns findings into
 * new/ongoing/cleared events for every configured output. SIGHUP reloads
 * config and catalog (a bad one is reported and the last good one stays);
 * SIGTERM stops cleanly. sd_notify READY/STATUS/WATCHDOG when run by systemd. */

#include <stdbool.h>

struct tt_daemon_args {
        const char *config; /* NULL: the default */
        const char *root;   /* "/": the live system */
        bool foreground;    /* default output: stdout rather than the journal */
};

/* Returns the exit status: 0 after a clean stop, 2 when it cannot start. */
int tt_daemon_run(const struct tt_daemon_args *a);
