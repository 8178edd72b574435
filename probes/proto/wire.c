/* SPDX-License-Identifier: MIT */
#include "wire.h"

#include <string.h>

bool wire_text_append(char *dst, size_t size, size_t *pos, const uint8_t *src, size_t n, const char *special) {
        size_t p = *pos;
        bool fit = true;

        for (size_t i = 0; i < n; i++) {
                uint8_t c = src[i];
                char esc[4];
                size_t k;

                if (c == '\\' || (c != 0 && special && strchr(special, c))) {
                        esc[0] = '\\';
                        esc[1] = (char) c;
                        k = 2;
                } else if (c < 0x20 || c > 0x7e) {
                        esc[0] = '\\';
                        esc[1] = (char) ('0' + c / 100);
                        esc[2] = (char) ('0' + c / 10 % 10);
                        esc[3] = (char) ('0' + c % 10);
                        k = 4;
                } else {
                        esc[0] = (char) c;
                        k = 1;
                }
                if (p + k >= size) {
                        fit = false;
                        break;
                }
                memcpy(dst + p, esc, k);
                p += k;
        }
        if (size > 0)
                dst[p] = 0;
        *pos = p;
        return fit;
}

bool wire_text_copy(char *dst, size_t size, const uint8_t *src, size_t n) {
        size_t pos = 0;
        return wire_text_append(dst, size, &pos, src, n, NULL);
}
