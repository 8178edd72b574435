/* SPDX-License-Identifier: MIT */
#pragma once

/* Loads tests/fuzz/corpus/<target>/<name>.bin, the packets the generators in
 * tests/fuzz/gen/ wrote, into an exactly-sized heap buffer (so a read past
 * the end is a heap overflow under ASan). Include after cmocka.h. */

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static inline uint8_t *corpus_load(const char *target, const char *name, size_t *ret_len) {
        char path[1024];
        uint8_t tmp[65536];

        snprintf(path, sizeof(path), "%s/tests/fuzz/corpus/%s/%s.bin", TT_SOURCE_DIR, target, name);
        FILE *f = fopen(path, "rbe");
        if (!f)
                fail_msg("%s: %m", path);
        size_t n = fread(tmp, 1, sizeof(tmp), f);
        fclose(f);
        uint8_t *buf = malloc(n ? n : 1);
        assert_non_null(buf);
        memcpy(buf, tmp, n);
        *ret_len = n;
        return buf;
}

/* An exactly-sized copy of the first len bytes, for cutting a packet short. */
static inline uint8_t *prefix_dup(const uint8_t *buf, size_t len) {
        uint8_t *p = malloc(len ? len : 1);
        assert_non_null(p);
        memcpy(p, buf, len);
        return p;
}
