/* SPDX-License-Identifier: MIT */
/* systemd service, socket and timer units: where they are, what they run,
 * whether they are enabled. */
#include <fcntl.h>
#include <limits.h>
#include <strings.h>

#include "probe.h"
#include "util.h"

#define UNITS_MAX 8192
#define DIR_ENTRIES_MAX 65536
#define UNIT_FILE_MAX (64 * 1024)

/* systemd's search order: the first directory holding a name wins. System
 * and user units share one namespace here (unit:<name>); a user unit named
 * like a system unit is shadowed by it. */
static const char *const unit_dirs[] = {
        "/etc/systemd/system",
        "/run/systemd/system",
        "/usr/local/lib/systemd/system",
        "/usr/lib/systemd/system",
        "/lib/systemd/system",
        "/etc/systemd/user",
        "/run/systemd/user",
        "/usr/local/lib/systemd/user",
        "/usr/lib/systemd/user",
};

/* Where `systemctl enable` puts its *.wants/ and *.requires/ links. */
static const char *const enable_dirs[] = {
        "/etc/systemd/system",
        "/etc/systemd/user",
};

struct unit_name {
        char *name;
        size_t dir; /* index into unit_dirs */
};

struct unit_list {
        struct unit_name *items;
        size_t n, cap;
        bool truncated;
};

static void unit_list_free(struct unit_list *l) {
        for (size_t i = 0; i < l->n; i++)
                free(l->items[i].name);
        free(l->items);
}

static int unit_list_add(struct unit_list *l, const char *name, size_t dir) {
        if (l->n >= UNITS_MAX) {
                l->truncated = true;
                return 0;
        }
        if (l->n == l->cap) {
                size_t cap = MAX(l->cap * 2, (size_t) 64);
                struct unit_name *n = reallocarray(l->items, cap, sizeof(*n));
                if (!n)
                        return -ENOMEM;
                l->items = n;
                l->cap = cap;
        }
        char *copy = strdup(name);
        if (!copy)
                return -ENOMEM;
        l->items[l->n++] = (struct unit_name){ .name = copy, .dir = dir };
        return 0;
}

static int cmp_unit_name(const void *a, const void *b) {
        return strcmp(((const struct unit_name *) a)->name, ((const struct unit_name *) b)->name);
}

/* By name, then by search order: the first of a run of equal names is the one systemd uses. */
static int cmp_unit_precedence(const void *a, const void *b) {
        const struct unit_name *x = a, *y = b;
        int c = cmp_unit_name(a, b);
        if (c != 0)
                return c;
        return x->dir < y->dir ? -1 : x->dir > y->dir;
}

static bool is_unit_name(const char *name) {
        return name[0] != '.' &&
               (endswith(name, ".service") || endswith(name, ".socket") || endswith(name, ".timer"));
}

/* Adds the unit names in dir; when template is set, "getty@tty1.service"
 * also adds "getty@.service", since enabling an instance enables the template's code. */
static int list_units(const struct tt_root *r, const char *dir, size_t dir_index, bool template,
                      struct unit_list *l) {
        _cleanup_closedir_ DIR *d = NULL;
        if (tt_root_opendir(r, dir, &d) < 0)
                return 0; /* absent, or not a directory */
        struct dirent *de;
        for (size_t i = 0; i < DIR_ENTRIES_MAX && (de = readdir(d)); i++) {
                if (!is_unit_name(de->d_name))
                        continue;
                int e = unit_list_add(l, de->d_name, dir_index);
                if (e < 0)
                        return e;
                const char *at = strchr(de->d_name, '@'), *dot = strrchr(de->d_name, '.');
                if (template && at && at + 1 < dot) {
                        char name[NAME_MAX + 1];
                        snprintf(name, sizeof(name), "%.*s%s", (int) (at + 1 - de->d_name), de->d_name, dot);
                        e = unit_list_add(l, name, dir_index);
                        if (e < 0)
                                return e;
                }
        }
        return 0;
}

static int list_enabled(const struct tt_root *r, struct unit_list *enabled) {
        for (size_t i = 0; i < ELEMENTSOF(enable_dirs); i++) {
                _cleanup_closedir_ DIR *d = NULL;
                if (tt_root_opendir(r, enable_dirs[i], &d) < 0)
                        continue;
                struct dirent *de;
                for (size_t k = 0; k < DIR_ENTRIES_MAX && (de = readdir(d)); k++) {
                        if (de->d_name[0] == '.' ||
                            (!endswith(de->d_name, ".wants") && !endswith(de->d_name, ".requires")))
                                continue;
                        char path[PATH_MAX];
                        snprintf(path, sizeof(path), "%s/%s", enable_dirs[i], de->d_name);
                        int e = list_units(r, path, 0, true, enabled);
                        if (e < 0)
                                return e;
                }
        }
        if (enabled->n > 0)
                qsort(enabled->items, enabled->n, sizeof(*enabled->items), cmp_unit_name);
        return 0;
}

/* The binary of the first non-empty ExecStart= in [Service], without the
 * special prefixes ("-", "@", ":", "+", "!", "|") and arguments. */
static bool find_exec(char *text, char *buf, size_t size) {
        bool in_service = false;
        for (char *line = text, *next; line; line = next) {
                next = strchr(line, '\n');
                if (next)
                        *next++ = '\0';
                char *s = strstrip(line);
                if (*s == '[') {
                        in_service = streq(s, "[Service]");
                        continue;
                }
                char *eq = strchr(s, '=');
                if (!in_service || !eq)
                        continue;
                *eq = '\0';
                if (!streq(strstrip(s), "ExecStart"))
                        continue;
                char *v = eq + 1;
                v += strspn(v, " \t-@:+!|");
                size_t n;
                if (*v == '"' || *v == '\'') {
                        char quote = *v++;
                        n = strcspn(v, (char[]){ quote, '\0' });
                } else
                        n = strcspn(v, " \t");
                if (n == 0)
                        continue;
                strscpyl(buf, size, v, n);
                return true;
        }
        return false;
}

static int emit_unit(struct tt_probe_ctx *ctx, const struct unit_name *u, const struct unit_list *enabled) {
        char path[PATH_MAX], exec[PATH_MAX], subject[NAME_MAX + 8];
        snprintf(path, sizeof(path), "%s/%s", unit_dirs[u->dir], u->name);
        snprintf(subject, sizeof(subject), "unit:%s", u->name);
        _cleanup_free_ char *text = NULL;
        /* A masked unit links to /dev/null: not a file to read, still a unit that is there. */
        bool has_exec = tt_root_read_file(ctx->root, path, UNIT_FILE_MAX, &text, NULL) == 0 &&
                        find_exec(text, exec, sizeof(exec));
        bool is_enabled = enabled->n > 0 && bsearch(u, enabled->items, enabled->n, sizeof(*u), cmp_unit_name);

        struct tt_observation o;
        tt_obs_init(&o, "unit", subject);
        tt_obs_add_str(&o, "name", u->name);
        tt_obs_add_str(&o, "path", path);
        if (has_exec)
                tt_obs_add_str(&o, "exec", exec);
        tt_obs_add_bool(&o, "enabled", is_enabled);
        return tt_emit(ctx, &o);
}

static int unit_scan(struct tt_probe_ctx *ctx) {
        _cleanup_(unit_list_free) struct unit_list units = {}, enabled = {};
        int e = list_enabled(ctx->root, &enabled);
        if (e < 0)
                return e;
        for (size_t i = 0; i < ELEMENTSOF(unit_dirs); i++) {
                e = list_units(ctx->root, unit_dirs[i], i, false, &units);
                if (e < 0)
                        return e;
        }
        if (units.truncated || enabled.truncated)
                snprintf(ctx->note, sizeof(ctx->note), "more than %d units; the rest were not looked at",
                         UNITS_MAX);
        if (units.n == 0)
                return 0;
        qsort(units.items, units.n, sizeof(*units.items), cmp_unit_precedence);
        for (size_t i = 0; i < units.n; i++) {
                if (i > 0 && streq(units.items[i].name, units.items[i - 1].name))
                        continue; /* shadowed by an earlier directory */
                e = emit_unit(ctx, &units.items[i], &enabled);
                if (e < 0)
                        return e;
        }
        return 0;
}

const struct tt_probe tt_probe_unit = {
        .name = "unit",
        .default_enabled = true,
        .scan = unit_scan,
};
