/* SPDX-License-Identifier: MIT */
#pragma once

/* Small helpers in the style of systemd's src/basic: cleanup attributes,
 * bounded string copies, errno conventions (negative errno returns). */

#include <dirent.h>
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define _cleanup_(f) __attribute__((cleanup(f)))
#define _unused_ __attribute__((unused))
#define _printf_(a, b) __attribute__((format(printf, a, b)))
#define _warn_unused_result_ __attribute__((warn_unused_result))

#define ELEMENTSOF(x) (sizeof(x) / sizeof((x)[0]))
#define MIN(a, b) ((a) < (b) ? (a) : (b))
#define MAX(a, b) ((a) > (b) ? (a) : (b))

static inline void freep(void *p) {
        free(*(void **) p);
}
/* p = mfree(p): frees and leaves no dangling pointer. */
static inline void *mfree(void *p) {
        free(p);
        return NULL;
}
static inline void closep(int *fd) {
        if (*fd >= 0)
                close(*fd);
}
static inline void fclosep(FILE **f) {
        if (*f)
                fclose(*f);
}
static inline void closedirp(DIR **d) {
        if (*d)
                closedir(*d);
}
#define _cleanup_free_ _cleanup_(freep)
#define _cleanup_close_ _cleanup_(closep)
#define _cleanup_fclose_ _cleanup_(fclosep)
#define _cleanup_closedir_ _cleanup_(closedirp)

/* Hand ownership out of a _cleanup_ variable. */
#define TAKE_PTR(p)                         \
        ({                                  \
                __typeof__(p) _p_ = (p);    \
                (p) = NULL;                 \
                _p_;                        \
        })
#define TAKE_FD(fd)                         \
        ({                                  \
                int _fd_ = (fd);            \
                (fd) = -1;                  \
                _fd_;                       \
        })

static inline bool streq(const char *a, const char *b) {
        return strcmp(a, b) == 0;
}
static inline bool streq_ptr(const char *a, const char *b) {
        if (!a || !b)
                return a == b;
        return strcmp(a, b) == 0;
}
static inline bool isempty(const char *s) {
        return !s || !*s;
}

/* Copies at most size-1 bytes and always terminates; returns true when
 * the source was cut. */
bool strscpy(char *dst, size_t size, const char *src);
bool strscpyl(char *dst, size_t size, const char *src, size_t srclen);
bool startswith(const char *s, const char *prefix);
bool endswith(const char *s, const char *suffix);
/* Case-insensitive DNS-style suffix: "a.b.example.com" has suffix
 * "example.com" and "example.com" itself does, "badexample.com" does not. */
bool domain_has_suffix(const char *name, const char *suffix);
char *strstrip(char *s);
int safe_atou64(const char *s, int base, uint64_t *ret);
int safe_atoi64(const char *s, int base, int64_t *ret);
