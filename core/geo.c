/* SPDX-License-Identifier: MIT */
#include "geo.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <maxminddb.h>
#include <sys/stat.h>

#include "util.h"

struct tt_geo {
        MMDB_s db;
};

int tt_geo_open(const char *path, struct tt_geo **ret) {
        struct stat st;
        if (stat(path, &st) < 0)
                return -errno;
        if (!S_ISREG(st.st_mode))
                return -EINVAL;
        struct tt_geo *g = calloc(1, sizeof(*g));
        if (!g)
                return -ENOMEM;
        int r = MMDB_open(path, MMDB_MODE_MMAP, &g->db);
        if (r != MMDB_SUCCESS) {
                free(g);
                if (r == MMDB_OUT_OF_MEMORY_ERROR)
                        return -ENOMEM;
                return r == MMDB_FILE_OPEN_ERROR || r == MMDB_IO_ERROR ? -EIO : -EINVAL;
        }
        *ret = g;
        return 0;
}

void tt_geo_close(struct tt_geo *g) {
        if (!g)
                return;
        MMDB_close(&g->db);
        free(g);
}

/* MaxMind and DB-IP files keep the code at country.iso_code, ip-location-db's
 * at a top-level country_code. */
static int entry_country(MMDB_entry_s *entry, char ret[static 3]) {
        static const char *const maxmind[] = { "country", "iso_code", NULL };
        static const char *const ip_location_db[] = { "country_code", NULL };
        static const char *const *const paths[] = { maxmind, ip_location_db };
        for (size_t i = 0; i < ELEMENTSOF(paths); i++) {
                MMDB_entry_data_s data;
                if (MMDB_aget_value(entry, &data, paths[i]) != MMDB_SUCCESS || !data.has_data ||
                    data.type != MMDB_DATA_TYPE_UTF8_STRING || data.data_size != 2)
                        continue;
                const char *s = data.utf8_string;
                if (!isalpha((unsigned char) s[0]) || !isalpha((unsigned char) s[1]))
                        continue;
                ret[0] = (char) toupper((unsigned char) s[0]);
                ret[1] = (char) toupper((unsigned char) s[1]);
                ret[2] = '\0';
                return 0;
        }
        return -ENOENT;
}

int tt_geo_country_addr(const struct tt_geo *g, int family, const uint8_t *addr, char ret[static 3]) {
        union {
                struct sockaddr sa;
                struct sockaddr_in in;
                struct sockaddr_in6 in6;
        } sa = {};
        if (family == AF_INET) {
                sa.in.sin_family = AF_INET;
                memcpy(&sa.in.sin_addr, addr, 4);
        } else if (family == AF_INET6) {
                sa.in6.sin6_family = AF_INET6;
                memcpy(&sa.in6.sin6_addr, addr, 16);
        } else
                return -EAFNOSUPPORT;
        int mmdb_error;
        MMDB_lookup_result_s res = MMDB_lookup_sockaddr(&g->db, &sa.sa, &mmdb_error);
        if (mmdb_error != MMDB_SUCCESS)
                return mmdb_error == MMDB_IPV6_LOOKUP_IN_IPV4_DATABASE_ERROR ? -ENOENT : -EINVAL;
        if (!res.found_entry)
                return -ENOENT;
        return entry_country(&res.entry, ret);
}

int tt_geo_country(const struct tt_geo *g, const char *addr, char ret[static 3]) {
        uint8_t a[16];
        if (inet_pton(AF_INET, addr, a) == 1)
                return tt_geo_country_addr(g, AF_INET, a, ret);
        if (inet_pton(AF_INET6, addr, a) == 1)
                return tt_geo_country_addr(g, AF_INET6, a, ret);
        return -EINVAL;
}
