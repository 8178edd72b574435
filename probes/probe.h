/* SPDX-License-Identifier: MIT */
#pragma once

/* Every probe has the same small face. A probe looks at one source and emits
 * observations through tt_emit(): facts, never verdicts. It never logs and
 * never writes output; errors come back as negative errno. */

#include <stdbool.h>
#include <stddef.h>

#include "kind.h"
#include "obs.h"
#include "rootfs.h"

struct tt_config;
struct tt_error;
struct tt_yaml_node;
typedef struct sd_event sd_event;

struct tt_probe_ctx {
        const struct tt_root *root;
        const struct tt_yaml_node *options; /* this probe's config map, may be NULL */
        /* Paths the catalog asks about (for the path probe); NULL-terminated. */
        const char *const *catalog_paths;
        const struct tt_config *config; /* the whole config (network.geoip_db ...) */
        int (*emit)(void *userdata, const char *probe, const struct tt_observation *o);
        /* Optional (event probes): what was emitted with this subject is
         * still there, e.g. a session still carrying traffic. */
        void (*still_seen)(void *userdata, const char *probe, const char *subject);
        void *userdata;
        const char *probe_name;
        /* Set by a probe for a non-fatal problem worth one line on stderr
         * (e.g. "rpm database present but not readable"). */
        char note[256];
};

int tt_emit(struct tt_probe_ctx *ctx, const struct tt_observation *o);
void tt_still_seen(struct tt_probe_ctx *ctx, const char *subject);

struct tt_probe {
        const char *name;
        /* Option keys this probe accepts besides enabled/interval. */
        const char *const *options;
        /* Optional: their values are valid (a config error names file:line:col otherwise). */
        int (*options_check)(const struct tt_yaml_node *options, struct tt_error *err);
        bool default_enabled;
        int (*scan)(struct tt_probe_ctx *ctx); /* one pass */
        /* Optional: event fds added to e, observations emitted as they come.
         * *ret_watch is what unwatch() takes to stop (reload, exit); ctx
         * lives until then. -EOPNOTSUPP: not available here (ctx->note says
         * why), which is not a failure. */
        int (*watch)(struct tt_probe_ctx *ctx, sd_event *e, void **ret_watch);
        void (*unwatch)(void *watch);
        /* Optional: link, address or route changes, heard by the daemon's one
         * rtnetlink socket (scan probes have netlink_rescan instead). */
        void (*netlink_changed)(void *watch);
        /* watch() opens packet sockets (CAP_NET_RAW): the daemon keeps that
         * privilege after start-up only when such a probe is enabled then. */
        bool packet_capture;
        /* The daemon scans again (debounced) when udev reports a device of one
         * of these subsystems added, removed or changed; NULL-terminated. */
        const char *const *udev_subsystems;
        /* ... when rtnetlink reports a link, address or route change. */
        bool netlink_rescan;
        /* ... when a logind session starts or ends. */
        bool session_rescan;
};

/* probes/registry.c */
extern const struct tt_probe *const tt_probes[];
const struct tt_probe *tt_probe_find(const char *name);
extern const struct tt_probe tt_probe_usb;
extern const struct tt_probe tt_probe_drm;
extern const struct tt_probe tt_probe_process;
extern const struct tt_probe tt_probe_socket;
extern const struct tt_probe tt_probe_package;
extern const struct tt_probe tt_probe_unit;
extern const struct tt_probe tt_probe_path;
extern const struct tt_probe tt_probe_input;
extern const struct tt_probe tt_probe_netif;
extern const struct tt_probe tt_probe_route;
extern const struct tt_probe tt_probe_resolver;
extern const struct tt_probe tt_probe_session;
extern const struct tt_probe tt_probe_netctx;
extern const struct tt_probe tt_probe_pcap;
