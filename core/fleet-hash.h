/* SPDX-License-Identifier: MIT */
#pragma once

/* Keyed hashes of where a laptop is (its gateway's MAC, the Wi-Fi it is on),
 * so the SOC can see that two laptops share a network without anyone reading
 * which network it is. Every laptop of a fleet holds the same secret
 * (fleet.secret_file); the SIEM never needs it. */

#include <stddef.h>
#include <stdint.h>

#define TT_FLEET_KEY_MIN 16   /* bytes: below that the key could be guessed */
#define TT_FLEET_KEY_MAX 1024
#define TT_FLEET_HASH_BYTES 16 /* HMAC-SHA256 truncated to 128 bits */
#define TT_FLEET_HASH_HEX (2 * TT_FLEET_HASH_BYTES)
#define TT_FLEET_VALUE_MAX 2048

struct tt_fleet_key {
        size_t len;
        uint8_t bytes[TT_FLEET_KEY_MAX];
};

/* The key is the file's bytes without trailing whitespace, so a key written
 * with or without a final newline hashes the same on every laptop.
 * -ENOENT: no file; -EINVAL: not a regular file; -EKEYREJECTED: shorter than
 * TT_FLEET_KEY_MIN; -EFBIG: longer than TT_FLEET_KEY_MAX. */
int tt_fleet_key_load(const char *path, struct tt_fleet_key *ret);
/* Wipes the key from memory. */
void tt_fleet_key_clear(struct tt_fleet_key *k);

/* HMAC-SHA256(key, label || 0x00 || value), the first TT_FLEET_HASH_BYTES as
 * lowercase hex. The label keeps equal values of different fields apart (an
 * SSID that happens to equal a domain). -E2BIG: value longer than
 * TT_FLEET_VALUE_MAX; -EINVAL: empty key or label; -EIO: libcrypto failed. */
int tt_fleet_hash(const struct tt_fleet_key *k, const char *label, const void *value, size_t len,
                  char ret[static TT_FLEET_HASH_HEX + 1]);
