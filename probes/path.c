/* SPDX-License-Identifier: MIT */
/* Files and directories the catalog names. Any path component may be a
 * shell glob (fnmatch), so one pattern covers every user's home directory. */
#include <fcntl.h>
#include <fnmatch.h>
#include <limits.h>
#include <sys/stat.h>

#include "probe.h"
#include "util.h"

#define MATCHES_PER_PATTERN_MAX 256
#define DIR_ENTRIES_MAX 4096
/* Directories read per pattern: a glob in every component must not walk the whole disk. */
#define DIRS_PER_PATTERN_MAX 1024

struct path_walk {
        struct tt_probe_ctx *ctx;
        size_t matches, dirs_read;
};

struct name_list {
        char **names;
        size_t n;
};

static void name_list_free(struct name_list *l) {
        for (size_t i = 0; i < l->n; i++)
                free(l->names[i]);
        free(l->names);
}

static int cmp_names(const void *a, const void *b) {
        return strcmp(*(char *const *) a, *(char *const *) b);
}

/* Directory entries matching glob, sorted so that output does not depend on readdir order. */
static int list_matches(const struct tt_root *r, const char *dir, const char *glob, struct name_list *ret) {
        _cleanup_closedir_ DIR *d = NULL;
        if (tt_root_opendir(r, dir, &d) < 0)
                return 0; /* absent, not a directory, not readable: nothing there */
        ret->names = calloc(DIR_ENTRIES_MAX, sizeof(char *));
        if (!ret->names)
                return -ENOMEM;
        struct dirent *de;
        for (size_t i = 0; i < DIR_ENTRIES_MAX && (de = readdir(d)); i++) {
                if (streq(de->d_name, ".") || streq(de->d_name, "..") || fnmatch(glob, de->d_name, FNM_PERIOD) != 0)
                        continue;
                ret->names[ret->n] = strdup(de->d_name);
                if (!ret->names[ret->n])
                        return -ENOMEM;
                ret->n++;
        }
        qsort(ret->names, ret->n, sizeof(char *), cmp_names);
        return 0;
}

static const char *file_type(mode_t mode) {
        if (S_ISREG(mode))
                return "file";
        if (S_ISDIR(mode))
                return "dir";
        if (S_ISLNK(mode))
                return "link";
        return "other";
}

static int emit_path(struct path_walk *w, const char *path) {
        _cleanup_close_ int fd = -1;
        /* What a symlink resolves to inside the root; a dangling one is reported as a link. */
        if (tt_root_openat(w->ctx->root, path, O_PATH, &fd) < 0 &&
            tt_root_openat(w->ctx->root, path, O_PATH | O_NOFOLLOW, &fd) < 0)
                return 0;
        struct stat st;
        if (fstat(fd, &st) < 0)
                return 0;
        char subject[PATH_MAX + 8];
        snprintf(subject, sizeof(subject), "path:%s", path);
        struct tt_observation o;
        tt_obs_init(&o, "path", subject);
        tt_obs_add_str(&o, "path", path);
        tt_obs_add_str(&o, "type", file_type(st.st_mode));
        tt_obs_add_int(&o, "owner_uid", st.st_uid);
        w->matches++;
        return tt_emit(w->ctx, &o);
}

/* path[0..len) is the expanded prefix ("" for the root), rest the pattern still to expand. */
static int expand(struct path_walk *w, char path[static PATH_MAX], size_t len, const char *rest) {
        rest += strspn(rest, "/");
        if (*rest == '\0')
                return emit_path(w, len == 0 ? "/" : path);
        size_t n = strcspn(rest, "/");
        char component[NAME_MAX + 1];
        if (strscpyl(component, sizeof(component), rest, n))
                return 0; /* no such name can exist */
        rest += n;

        if (!strpbrk(component, "*?[")) {
                if (len + 1 + n >= PATH_MAX)
                        return 0;
                path[len] = '/';
                memcpy(path + len + 1, component, n + 1);
                int e = expand(w, path, len + 1 + n, rest);
                path[len] = '\0';
                return e;
        }

        if (w->dirs_read >= DIRS_PER_PATTERN_MAX)
                return 0;
        w->dirs_read++;
        _cleanup_(name_list_free) struct name_list names = {};
        int e = list_matches(w->ctx->root, len == 0 ? "/" : path, component, &names);
        if (e < 0)
                return e;
        for (size_t i = 0; i < names.n && w->matches < MATCHES_PER_PATTERN_MAX; i++) {
                size_t k = strlen(names.names[i]);
                if (len + 1 + k >= PATH_MAX)
                        continue;
                path[len] = '/';
                memcpy(path + len + 1, names.names[i], k + 1);
                e = expand(w, path, len + 1 + k, rest);
                path[len] = '\0';
                if (e < 0)
                        return e;
        }
        return 0;
}

static int path_scan(struct tt_probe_ctx *ctx) {
        if (!ctx->catalog_paths)
                return 0;
        for (size_t i = 0; ctx->catalog_paths[i]; i++) {
                struct path_walk w = { .ctx = ctx };
                char path[PATH_MAX] = "";
                int e = expand(&w, path, 0, ctx->catalog_paths[i]);
                if (e < 0)
                        return e;
        }
        return 0;
}

const struct tt_probe tt_probe_path = {
        .name = "path",
        .default_enabled = true,
        .scan = path_scan,
};
