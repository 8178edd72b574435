/* SPDX-License-Identifier: MIT */
#pragma once

/* Test helpers: corpus files, throwaway directory trees laid out like sysfs,
 * and a probe's observations as text. Include after <cmocka.h>. */

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "probe.h"

static inline void fixture_mkdir_p(const char *path) {
        char p[PATH_MAX];
        assert_true(strlen(path) < sizeof(p));
        strcpy(p, path);
        for (char *s = strchr(p + 1, '/'); s; s = strchr(s + 1, '/')) {
                *s = '\0';
                assert_true(mkdir(p, 0755) == 0 || errno == EEXIST);
                *s = '/';
        }
        assert_true(mkdir(p, 0755) == 0 || errno == EEXIST);
}

/* snprintf that fails the test rather than cut. */
__attribute__((format(printf, 3, 4))) static inline void fixture_format(char *buf, size_t size, const char *fmt,
                                                                        ...) {
        va_list ap;
        va_start(ap, fmt);
        int n = vsnprintf(buf, size, fmt, ap);
        va_end(ap);
        assert_true(n >= 0 && (size_t) n < size);
}

static inline void fixture_path(char *buf, size_t size, const char *base, const char *rel) {
        fixture_format(buf, size, "%s/%s", base, rel);
}

/* Reads tests/fuzz/corpus/<target>/<name> into buf; returns its length. */
static inline size_t fixture_corpus(const char *target, const char *name, uint8_t *buf, size_t size) {
        char p[PATH_MAX];
        fixture_format(p, sizeof(p), "%s/tests/fuzz/corpus/%s/%s", TT_SOURCE_DIR, target, name);
        FILE *f = fopen(p, "rb");
        assert_non_null(f);
        size_t n = fread(buf, 1, size, f);
        assert_true(feof(f));
        fclose(f);
        return n;
}

/* Writes data under base/rel, creating the directories on the way. */
static inline void fixture_write(const char *base, const char *rel, const void *data, size_t len) {
        char p[PATH_MAX];
        fixture_path(p, sizeof(p), base, rel);
        char *slash = strrchr(p, '/');
        *slash = '\0';
        fixture_mkdir_p(p);
        *slash = '/';
        int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        assert_true(fd >= 0);
        assert_int_equal(write(fd, data, len), (ssize_t) len);
        close(fd);
}

static inline void fixture_write_str(const char *base, const char *rel, const char *text) {
        fixture_write(base, rel, text, strlen(text));
}

static inline void fixture_symlink(const char *base, const char *rel, const char *target) {
        char p[PATH_MAX];
        fixture_path(p, sizeof(p), base, rel);
        char *slash = strrchr(p, '/');
        *slash = '\0';
        fixture_mkdir_p(p);
        *slash = '/';
        assert_int_equal(symlink(target, p), 0);
}

/* A link that leads out of base: check the plain kernel does follow it
 * there, so a probe that reads nothing through it proves the confinement. */
static inline void fixture_symlink_out(const char *base, const char *rel, const char *target) {
        char p[PATH_MAX];
        fixture_symlink(base, rel, target);
        fixture_path(p, sizeof(p), base, rel);
        assert_int_equal(access(p, F_OK), 0);
}

static inline void fixture_mkdtemp(char *buf, size_t size, const char *name) {
        const char *tmp = getenv("TMPDIR");
        fixture_format(buf, size, "%s/tt-%s-XXXXXX", tmp ? tmp : "/tmp", name);
        assert_non_null(mkdtemp(buf));
}

static inline int fixture_remove_one(const char *path, const struct stat *st, int flag, struct FTW *ftw) {
        return remove(path);
}

static inline void fixture_rm_rf(const char *path) {
        assert_int_equal(nftw(path, fixture_remove_one, 16, FTW_DEPTH | FTW_PHYS), 0);
}

/* Observations a probe emitted, each as "kind subject\nkey=value\n...". */
#define FIXTURE_OBSERVATIONS_MAX 32
struct fixture_observations {
        size_t n;
        char text[FIXTURE_OBSERVATIONS_MAX][4096];
};

static inline int fixture_collect(void *userdata, const char *probe, const struct tt_observation *o) {
        struct fixture_observations *c = userdata;
        assert_true(c->n < FIXTURE_OBSERVATIONS_MAX);
        char *t = c->text[c->n++];
        size_t len = (size_t) snprintf(t, sizeof(c->text[0]), "%s %s\n", o->kind, o->subject);
        for (size_t i = 0; i < o->n_attrs; i++) {
                char buf[64];
                len += (size_t) snprintf(t + len, sizeof(c->text[0]) - len, "%s=%s\n", o->attrs[i].key,
                                         tt_attr_to_string(&o->attrs[i], buf, sizeof(buf)));
                assert_true(len < sizeof(c->text[0]));
        }
        return 0;
}

static inline int fixture_scan(const struct tt_probe *probe, const char *root_dir, struct fixture_observations *c) {
        struct tt_root root;
        assert_int_equal(tt_root_open(root_dir, &root), 0);
        struct tt_probe_ctx ctx = {
                .root = &root, .emit = fixture_collect, .userdata = c, .probe_name = probe->name,
        };
        c->n = 0;
        int r = probe->scan(&ctx);
        tt_root_close(&root);
        return r;
}

/* The observation about subject, or NULL. */
static inline const char *fixture_find(const struct fixture_observations *c, const char *subject) {
        for (size_t i = 0; i < c->n; i++) {
                const char *sp = strchr(c->text[i], ' ');
                size_t n = strlen(subject);
                if (sp && strncmp(sp + 1, subject, n) == 0 && sp[1 + n] == '\n')
                        return c->text[i];
        }
        return NULL;
}

/* How many times the observation has the line "key=value". */
static inline unsigned fixture_count(const char *text, const char *line) {
        unsigned n = 0;
        size_t len = strlen(line);
        for (const char *p = strchr(text, '\n'); p; p = strchr(p + 1, '\n'))
                if (strncmp(p + 1, line, len) == 0 && p[1 + len] == '\n')
                        n++;
        return n;
}

/* How many values the observation has for key. */
static inline unsigned fixture_count_key(const char *text, const char *key) {
        unsigned n = 0;
        size_t len = strlen(key);
        for (const char *p = strchr(text, '\n'); p; p = strchr(p + 1, '\n'))
                if (strncmp(p + 1, key, len) == 0 && p[1 + len] == '=')
                        n++;
        return n;
}
