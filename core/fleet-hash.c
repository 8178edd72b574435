/* SPDX-License-Identifier: MIT */
#include "fleet-hash.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/uio.h>

#include "digest.h"
#include "util.h"

#define LABEL_MAX 64

void tt_fleet_key_clear(struct tt_fleet_key *k) {
        explicit_bzero(k, sizeof(*k));
}

static bool is_space(uint8_t c) {
        return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

int tt_fleet_key_load(const char *path, struct tt_fleet_key *ret) {
        /* O_NONBLOCK: a FIFO put there must not hang the daemon before fstat says what it is. */
        _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
        if (fd < 0)
                return -errno;
        struct stat st;
        if (fstat(fd, &st) < 0)
                return -errno;
        if (!S_ISREG(st.st_mode))
                return -EINVAL;
        struct tt_fleet_key k = {};
        /* One byte more than a key may have, to tell "too long" from "exactly full". */
        uint8_t extra;
        for (;;) {
                struct iovec iov[2] = { { k.bytes + k.len, sizeof(k.bytes) - k.len }, { &extra, 1 } };
                ssize_t n = readv(fd, iov, 2);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        int e = -errno;
                        tt_fleet_key_clear(&k);
                        return e;
                }
                if (n == 0)
                        break;
                if ((size_t) n > sizeof(k.bytes) - k.len) {
                        tt_fleet_key_clear(&k);
                        explicit_bzero(&extra, sizeof(extra));
                        return -EFBIG;
                }
                k.len += (size_t) n;
        }
        while (k.len > 0 && is_space(k.bytes[k.len - 1]))
                k.bytes[--k.len] = 0;
        if (k.len < TT_FLEET_KEY_MIN) {
                tt_fleet_key_clear(&k);
                return -EKEYREJECTED;
        }
        *ret = k;
        tt_fleet_key_clear(&k);
        return 0;
}

int tt_fleet_hash(const struct tt_fleet_key *k, const char *label, const void *value, size_t len,
                  char ret[static TT_FLEET_HASH_HEX + 1]) {
        if (k->len == 0 || isempty(label))
                return -EINVAL;
        size_t label_len = strlen(label);
        if (len > TT_FLEET_VALUE_MAX || label_len > LABEL_MAX)
                return -E2BIG;
        uint8_t msg[LABEL_MAX + 1 + TT_FLEET_VALUE_MAX];
        memcpy(msg, label, label_len);
        msg[label_len] = 0;
        if (len > 0)
                memcpy(msg + label_len + 1, value, len);
        uint8_t md[TT_SHA256_BYTES];
        tt_hmac_sha256(k->bytes, k->len, msg, label_len + 1 + len, md);
        explicit_bzero(msg, label_len + 1 + len);
        tt_hex(md, TT_FLEET_HASH_BYTES, ret);
        explicit_bzero(md, sizeof(md));
        return 0;
}
