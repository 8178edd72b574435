/* SPDX-License-Identifier: MIT */
#pragma once

#include <stdio.h>

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

/* Runs every enabled probe once. Observations go to the core, or, when
 * obs_out is set, as JSON lines to obs_out. Probe failures are reported on
 * stderr and do not stop the others. Returns the number of failed probes. */
int tt_scan_once(const struct tt_setup *s, const struct tt_root *root, struct tt_core *core, FILE *obs_out);
