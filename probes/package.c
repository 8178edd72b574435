/* SPDX-License-Identifier: MIT */
/* Installed packages from the dpkg status database. */
#include <fcntl.h>
#include <strings.h>

#include "hostfs.h"
#include "probe.h"
#include "util.h"

#define DPKG_STATUS "/var/lib/dpkg/status"
#define DPKG_STATUS_MAX (64ULL * 1024 * 1024)
#define DPKG_LINE_MAX 4096

struct stanza {
        char name[256], version[256], status[128];
};

/* "install ok installed", "hold ok installed": dpkg's want, error and status words. */
static bool status_installed(const char *status) {
        char want[32], flag[32], state[32], extra;
        if (sscanf(status, "%31s %31s %31s %c", want, flag, state, &extra) != 3)
                return false;
        return (streq(want, "install") || streq(want, "hold")) && streq(flag, "ok") && streq(state, "installed");
}

static int stanza_emit(struct tt_probe_ctx *ctx, struct stanza *st) {
        int e = 0;
        if (st->name[0] && status_installed(st->status)) {
                char subject[300];
                snprintf(subject, sizeof(subject), "package:%s", st->name);
                struct tt_observation o;
                tt_obs_init(&o, "package", subject);
                tt_obs_add_str(&o, "name", st->name);
                if (st->version[0])
                        tt_obs_add_str(&o, "version", st->version);
                tt_obs_add_str(&o, "status", st->status);
                tt_obs_add_str(&o, "source", "dpkg");
                e = tt_emit(ctx, &o);
        }
        *st = (struct stanza){};
        return e;
}

static void stanza_field(struct stanza *st, char *line) {
        char *colon = strchr(line, ':');
        if (!colon)
                return;
        *colon = '\0';
        const char *key = line;
        const char *value = strstrip(colon + 1);
        if (strcasecmp(key, "Package") == 0)
                strscpy(st->name, sizeof(st->name), value);
        else if (strcasecmp(key, "Version") == 0)
                strscpy(st->version, sizeof(st->version), value);
        else if (strcasecmp(key, "Status") == 0)
                strscpy(st->status, sizeof(st->status), value);
}

static int read_dpkg(struct tt_probe_ctx *ctx) {
        _cleanup_fclose_ FILE *f = NULL;
        int e = tt_root_fopen(ctx->root, DPKG_STATUS, &f);
        if (e < 0)
                return e == -ENOENT ? 0 : e;
        uint64_t budget = DPKG_STATUS_MAX;
        char line[DPKG_LINE_MAX];
        struct stanza st = {};
        for (;;) {
                e = tt_read_line(f, line, sizeof(line), &budget);
                if (e == -EFBIG) {
                        snprintf(ctx->note, sizeof(ctx->note), "%s is larger than %llu MiB; the rest was not read",
                                 DPKG_STATUS, DPKG_STATUS_MAX >> 20);
                        e = 0;
                }
                if (e == 0)
                        return stanza_emit(ctx, &st);
                if (e == -E2BIG)
                        continue; /* an overlong field can't be one we read */
                if (e < 0)
                        return e;
                if (line[0] == ' ' || line[0] == '\t') {
                        /* A continuation (Description, Conffiles); a line of only blanks still ends the stanza. */
                        if (*strstrip(line) != '\0')
                                continue;
                        line[0] = '\0';
                }
                if (line[0] == '\0') {
                        e = stanza_emit(ctx, &st);
                        if (e < 0)
                                return e;
                        continue;
                }
                stanza_field(&st, line);
        }
}

static void note_rpm(struct tt_probe_ctx *ctx) {
        static const char *const rpmdbs[] = {
                "/var/lib/rpm/rpmdb.sqlite",
                "/usr/lib/sysimage/rpm/rpmdb.sqlite",
                "/var/lib/rpm/Packages",
        };
        for (size_t i = 0; i < ELEMENTSOF(rpmdbs); i++) {
                _cleanup_close_ int fd = -1;
                /* Unreadable to us is still there. */
                int e = tt_root_openat(ctx->root, rpmdbs[i], O_RDONLY | O_NONBLOCK, &fd);
                if (e < 0 && e != -EACCES)
                        continue;
                if (ctx->note[0] == '\0')
                        snprintf(ctx->note, sizeof(ctx->note),
                                 "rpm database %s present but not read (no rpm/sqlite support built in)", rpmdbs[i]);
                return;
        }
}

static int package_scan(struct tt_probe_ctx *ctx) {
        int e = read_dpkg(ctx);
        if (e < 0)
                return e;
        note_rpm(ctx);
        return 0;
}

const struct tt_probe tt_probe_package = {
        .name = "package",
        .default_enabled = true,
        .scan = package_scan,
};
