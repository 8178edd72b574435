/* SPDX-License-Identifier: MIT */
#include "dnscache.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "util.h"

#define PROBE_DEPTH 4

struct entry {
        uint8_t family;
        uint8_t addr[16];
        uint64_t stamp;
        char name[TT_DNSCACHE_NAME_MAX];
};

struct tt_dnscache {
        size_t n;
        struct entry *e;
};

int tt_dnscache_new(size_t entries, struct tt_dnscache **ret) {
        struct tt_dnscache *c = calloc(1, sizeof(*c));
        if (!c)
                return -ENOMEM;
        c->n = entries ? entries : 1;
        c->e = calloc(c->n, sizeof(struct entry));
        if (!c->e) {
                free(c);
                return -ENOMEM;
        }
        *ret = c;
        return 0;
}

void tt_dnscache_free(struct tt_dnscache *c) {
        if (!c)
                return;
        free(c->e);
        free(c);
}

static size_t slot(const struct tt_dnscache *c, int family, const uint8_t *addr) {
        size_t len = family == AF_INET ? 4 : 16, h = 2166136261u;
        for (size_t i = 0; i < len; i++)
                h = (h ^ addr[i]) * 16777619u;
        return h % c->n;
}

void tt_dnscache_put(struct tt_dnscache *c, int family, const uint8_t *addr, const char *name, uint64_t now) {
        size_t len = family == AF_INET ? 4 : 16, base = slot(c, family, addr), victim = base;
        for (size_t i = 0; i < PROBE_DEPTH; i++) {
                struct entry *e = &c->e[(base + i) % c->n];
                if (e->family == family && memcmp(e->addr, addr, len) == 0) {
                        victim = (base + i) % c->n;
                        break;
                }
                if (e->stamp < c->e[victim].stamp)
                        victim = (base + i) % c->n;
        }
        struct entry *e = &c->e[victim];
        e->family = (uint8_t) family;
        memset(e->addr, 0, sizeof(e->addr));
        memcpy(e->addr, addr, len);
        e->stamp = now ? now : 1;
        strscpy(e->name, sizeof(e->name), name);
}

const char *tt_dnscache_get(const struct tt_dnscache *c, int family, const uint8_t *addr) {
        size_t len = family == AF_INET ? 4 : 16, base = slot(c, family, addr);
        for (size_t i = 0; i < PROBE_DEPTH; i++) {
                const struct entry *e = &c->e[(base + i) % c->n];
                if (e->family == family && memcmp(e->addr, addr, len) == 0)
                        return e->name;
        }
        return NULL;
}
