/* SPDX-License-Identifier: MIT */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "config.h"

/* telltale pcap: the network probe over capture files. Returns the exit
 * status (0 clean, 1 findings, 2 error). */
int tt_cmd_pcap(const char *config, enum tt_output_format format, bool observations, char *const *local,
                size_t n_local, char *const *files, size_t n_files);
