/* SPDX-License-Identifier: MIT */
#include "probe.h"

#include "util.h"

/* Probes in the order a scan runs them. */
const struct tt_probe *const tt_probes[] = {
        &tt_probe_process, &tt_probe_socket, &tt_probe_package, &tt_probe_unit, &tt_probe_path, &tt_probe_input,
        &tt_probe_usb,     &tt_probe_drm,    &tt_probe_netif,   &tt_probe_route, &tt_probe_resolver,
        &tt_probe_session, &tt_probe_netctx, &tt_probe_pcap,
        NULL,
};

const struct tt_probe *tt_probe_find(const char *name) {
        for (size_t i = 0; tt_probes[i]; i++)
                if (streq(tt_probes[i]->name, name))
                        return tt_probes[i];
        return NULL;
}

int tt_emit(struct tt_probe_ctx *ctx, const struct tt_observation *o) {
        return ctx->emit(ctx->userdata, ctx->probe_name, o);
}

void tt_still_seen(struct tt_probe_ctx *ctx, const char *subject) {
        if (ctx->still_seen)
                ctx->still_seen(ctx->userdata, ctx->probe_name, subject);
}
