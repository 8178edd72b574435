/* SPDX-License-Identifier: MIT */
#include "util.h"

#include <ctype.h>
#include <strings.h>

bool strscpyl(char *dst, size_t size, const char *src, size_t srclen) {
        if (size == 0)
                return srclen > 0;
        size_t n = MIN(srclen, size - 1);
        memcpy(dst, src, n);
        dst[n] = '\0';
        return n < srclen;
}

bool strscpy(char *dst, size_t size, const char *src) {
        return strscpyl(dst, size, src, strlen(src));
}

bool startswith(const char *s, const char *prefix) {
        return strncmp(s, prefix, strlen(prefix)) == 0;
}

bool endswith(const char *s, const char *suffix) {
        size_t a = strlen(s), b = strlen(suffix);
        return a >= b && memcmp(s + a - b, suffix, b) == 0;
}

bool domain_has_suffix(const char *name, const char *suffix) {
        size_t a = strlen(name), b = strlen(suffix);
        /* A trailing root dot is not part of the name. */
        if (a > 0 && name[a - 1] == '.')
                a--;
        if (b > 0 && suffix[b - 1] == '.')
                b--;
        if (b == 0 || a < b)
                return false;
        if (strncasecmp(name + a - b, suffix, b) != 0)
                return false;
        return a == b || name[a - b - 1] == '.';
}

char *strstrip(char *s) {
        while (isspace((unsigned char) *s))
                s++;
        size_t n = strlen(s);
        while (n > 0 && isspace((unsigned char) s[n - 1]))
                s[--n] = '\0';
        return s;
}

int safe_atou64(const char *s, int base, uint64_t *ret) {
        char *end;
        if (isempty(s) || *s == '-' || isspace((unsigned char) *s))
                return -EINVAL;
        errno = 0;
        unsigned long long v = strtoull(s, &end, base);
        if (errno != 0)
                return -errno;
        if (*end != '\0')
                return -EINVAL;
        *ret = v;
        return 0;
}

int safe_atoi64(const char *s, int base, int64_t *ret) {
        char *end;
        if (isempty(s) || isspace((unsigned char) *s))
                return -EINVAL;
        errno = 0;
        long long v = strtoll(s, &end, base);
        if (errno != 0)
                return -errno;
        if (*end != '\0')
                return -EINVAL;
        *ret = v;
        return 0;
}
