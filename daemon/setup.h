/* SPDX-License-Identifier: MIT */
#pragma once

#include <stdio.h>

#include "buf.h"
#include "catalog.h"
#include "config.h"
#include "core.h"
#include "probe.h"

#define TT_DEFAULT_CONFIG "/etc/telltale/telltale.yaml"

/* What every command loads first: config, shipped catalog, local catalog.d. */
struct tt_setup {
        struct tt_config cfg;
        struct tt_catalog cat;
        char catalog_dir[4096];
        char local_catalog_dir[4096];
        char **catalog_paths;
};

/* config_path NULL: the default path if it exists, else built-in defaults. */
int tt_setup_load(const char *config_path, struct tt_setup *ret, struct tt_error *err);
void tt_setup_free(struct tt_setup *s);
/* host_id from config, or "auto": the root's /etc/hostname, else (live) gethostname(). */
void tt_setup_host(const struct tt_setup *s, const struct tt_root *root, char *buf, size_t size);
bool tt_setup_probe_enabled(const struct tt_setup *s, const struct tt_probe *p);

usec_t tt_now_usec(void);

/* Where observations go: the core, or JSON lines on obs_out. The core's
 * clock is now, or clock(clock_data) when set (a capture file's time). */
struct tt_observer {
        struct tt_core *core;
        FILE *obs_out;
        struct tt_buf buf;
        usec_t now;
        usec_t (*clock)(void *data);
        void *clock_data;
};
int tt_observer_emit(void *userdata, const char *probe, const struct tt_observation *o);

/* Runs every enabled probe once. Observations go to the core, or, when
 * obs_out is set, as JSON lines to obs_out. Probe failures are reported on
 * stderr and do not stop the others. Returns the number of failed probes. */
int tt_scan_once(const struct tt_setup *s, const struct tt_root *root, struct tt_core *core, FILE *obs_out);
