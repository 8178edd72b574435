/* SPDX-License-Identifier: MIT */
/* The EDID each video output read from what is plugged into it: the
 * "monitor" an IP-KVM's HDMI capture side pretends to be. */
#include <ctype.h>
#include <string.h>

#include "edid.h"
#include "probe.h"
#include "util.h"

#define DRM_CLASS_DIR "/sys/class/drm"
#define DRM_CONNECTORS_MAX 64
#define DRM_NAME_MAX 64
#define EDID_MAX (EDID_BLOCKS_MAX * EDID_BLOCK_SIZE)

/* "card0-HDMI-A-1"; "card0" and "renderD128" are no connectors. */
static bool drm_connector_name_valid(const char *name) {
        const char *p = startswith(name, "card") ? name + 4 : NULL;
        if (!p || strlen(name) >= DRM_NAME_MAX)
                return false;
        size_t digits = strspn(p, "0123456789");
        if (digits == 0 || p[digits] != '-' || p[digits + 1] == '\0')
                return false;
        for (p += digits + 1; *p; p++)
                if (!(isalnum((unsigned char) *p) || *p == '-' || *p == '_'))
                        return false;
        return true;
}

static int version_compare(const void *a, const void *b) {
        return strverscmp(a, b);
}

static void edid_to_observation(const struct edid_info *e, struct tt_observation *o) {
        tt_obs_add_str(o, "vendor", e->vendor);
        tt_obs_add_hex(o, "product", e->product);
        if (e->serial != 0)
                tt_obs_add_int(o, "serial", e->serial);
        if (!isempty(e->name))
                tt_obs_add_str(o, "name", e->name);
        if (!isempty(e->serial_string))
                tt_obs_add_str(o, "serial_string", e->serial_string);
        if (e->width_cm != 0 && e->height_cm != 0) {
                tt_obs_add_int(o, "width_cm", e->width_cm);
                tt_obs_add_int(o, "height_cm", e->height_cm);
        }
        tt_obs_add_int(o, "year", e->year);
        if (e->week >= 1 && e->week <= 54)
                tt_obs_add_int(o, "week", e->week);
        tt_obs_add_bool(o, "checksum_ok", e->checksum_ok);
        tt_obs_add_int(o, "extensions", e->extensions_declared);
}

static int drm_emit_connector(struct tt_probe_ctx *ctx, const char *connector) {
        char path[DRM_NAME_MAX + 8], subject[DRM_NAME_MAX + 8];
        _cleanup_free_ char *buf = NULL;
        size_t len;

        /* The entry is a symlink into /sys/devices: resolve it from the root. */
        snprintf(path, sizeof(path), "%s/%s/edid", DRM_CLASS_DIR, connector);
        if (tt_root_read_file(ctx->root, path, EDID_MAX, &buf, &len) < 0 || len == 0)
                return 0;

        struct tt_observation o;
        struct edid_info e;
        snprintf(subject, sizeof(subject), "edid:%s", connector);
        tt_obs_init(&o, "edid", subject);
        tt_obs_add_str(&o, "connector", connector);
        if (edid_parse((const uint8_t *) buf, len, &e) >= 0)
                edid_to_observation(&e, &o);
        else
                /* Not an EDID at all: worth seeing, and nothing in it to check. */
                tt_obs_add_bool(&o, "checksum_ok", false);
        return tt_emit(ctx, &o);
}

static int drm_scan(struct tt_probe_ctx *ctx) {
        _cleanup_closedir_ DIR *d = NULL;
        int r = tt_root_opendir(ctx->root, DRM_CLASS_DIR, &d);
        if (r == -ENOENT)
                return 0;
        if (r < 0)
                return r;

        char names[DRM_CONNECTORS_MAX][DRM_NAME_MAX];
        size_t n = 0;
        struct dirent *de;
        while ((de = readdir(d))) {
                if (!drm_connector_name_valid(de->d_name))
                        continue;
                if (n == DRM_CONNECTORS_MAX) {
                        snprintf(ctx->note, sizeof(ctx->note), "more than %d DRM connectors, the rest not read",
                                 DRM_CONNECTORS_MAX);
                        break;
                }
                strscpy(names[n++], DRM_NAME_MAX, de->d_name);
        }
        qsort(names, n, DRM_NAME_MAX, version_compare);

        for (size_t i = 0; i < n; i++) {
                r = drm_emit_connector(ctx, names[i]);
                if (r < 0)
                        return r;
        }
        return 0;
}

const struct tt_probe tt_probe_drm = {
        .name = "drm",
        .default_enabled = true,
        .scan = drm_scan,
        .udev_subsystems = (const char *const[]){ "drm", NULL },
};
