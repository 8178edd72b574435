/* SPDX-License-Identifier: MIT */
#pragma once

/* Country of an IP address from a MaxMind-format database (DB-IP country
 * lite, GeoLite2 Country, or ip-location-db's country files). Addresses are
 * only ever parsed as numbers: a host name is never resolved. */

#include <stdint.h>

struct tt_geo;

/* -ENOENT when there is no file at path, -EINVAL when it is not a MaxMind DB. */
int tt_geo_open(const char *path, struct tt_geo **ret);
void tt_geo_close(struct tt_geo *g);
/* ret: ISO 3166-1 alpha-2, upper case. -EINVAL when addr is not an IPv4 or
 * IPv6 address (a host name), -ENOENT when the database has no country for it. */
int tt_geo_country(const struct tt_geo *g, const char *addr, char ret[static 3]);
/* addr: 4 or 16 bytes in network order. */
int tt_geo_country_addr(const struct tt_geo *g, int family, const uint8_t *addr, char ret[static 3]);
