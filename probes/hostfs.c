/* SPDX-License-Identifier: MIT */
#include "hostfs.h"

#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>

#include "util.h"

int tt_root_fopen(const struct tt_root *r, const char *path, FILE **ret) {
        _cleanup_close_ int fd = -1;
        int e = tt_open_regular_beneath(r, r->fd, path, &fd);
        if (e < 0)
                return e;
        FILE *f = fdopen(fd, "r");
        if (!f)
                return -errno;
        TAKE_FD(fd);
        *ret = f;
        return 0;
}

int tt_read_line(FILE *f, char *buf, size_t size, uint64_t *budget) {
        size_t n = 0;
        bool overlong = false, seen = false;
        int c = EOF;
        for (;;) {
                if (*budget == 0)
                        return -EFBIG;
                c = getc_unlocked(f);
                if (c == EOF)
                        break;
                (*budget)--;
                seen = true;
                if (c == '\n')
                        break;
                if (n + 1 < size)
                        buf[n++] = (char) c;
                else
                        overlong = true;
        }
        if (c == EOF && ferror(f))
                return errno > 0 ? -errno : -EIO;
        if (!seen)
                return 0;
        if (n > 0 && buf[n - 1] == '\r')
                n--;
        if (size > 0)
                buf[n] = '\0';
        return overlong ? -E2BIG : 1;
}

static bool parse_pid(const char *name, unsigned *ret) {
        uint64_t v;
        for (const char *p = name; *p; p++)
                if (*p < '0' || *p > '9')
                        return false;
        if (safe_atou64(name, 10, &v) < 0 || v == 0 || v > INT32_MAX)
                return false;
        *ret = (unsigned) v;
        return true;
}

static int cmp_pid(const void *a, const void *b) {
        unsigned x = *(const unsigned *) a, y = *(const unsigned *) b;
        return x < y ? -1 : x > y;
}

int tt_proc_for_each(const struct tt_root *r, tt_proc_fn fn, void *userdata) {
        _cleanup_closedir_ DIR *d = NULL;
        int e = tt_root_opendir(r, "/proc", &d);
        if (e < 0)
                return e;
        /* In pid order, as the kernel lists them, whatever order a tree's directory has. */
        _cleanup_free_ unsigned *pids = NULL;
        size_t n = 0, cap = 0;
        struct dirent *de;
        while (n < TT_PROC_MAX && (de = readdir(d))) {
                unsigned pid;
                if (!parse_pid(de->d_name, &pid))
                        continue;
                if (n == cap) {
                        cap = MAX(cap * 2, (size_t) 256);
                        unsigned *p = reallocarray(pids, cap, sizeof(*p));
                        if (!p)
                                return -ENOMEM;
                        pids = p;
                }
                pids[n++] = pid;
        }
        if (n > 0)
                qsort(pids, n, sizeof(*pids), cmp_pid);
        for (size_t i = 0; i < n; i++) {
                char name[16];
                _cleanup_close_ int pid_fd = -1;
                snprintf(name, sizeof(name), "%u", pids[i]);
                if (tt_openat_beneath(r, dirfd(d), name, O_RDONLY | O_DIRECTORY, &pid_fd) < 0)
                        continue;
                e = fn(r, pid_fd, pids[i], userdata);
                if (e < 0)
                        return e;
        }
        return 0;
}

int tt_proc_read_comm(const struct tt_root *r, int pid_fd, char *buf, size_t size) {
        _cleanup_free_ char *data = NULL;
        size_t len;
        /* The kernel's comm is at most 15 bytes; a tree may say anything. */
        int e = tt_read_file_beneath(r, pid_fd, "comm", 64, &data, &len);
        if (e < 0)
                return e;
        if (len > 0 && data[len - 1] == '\n')
                len--;
        strscpyl(buf, size, data, len);
        return 0;
}

int tt_proc_read_exe(const struct tt_root *r, int pid_fd, char *buf, size_t size) {
        int e = tt_readlink_beneath(r, pid_fd, "exe", buf, size);
        if (e < 0)
                return e;
        size_t n = strlen(buf);
        static const char deleted[] = " (deleted)";
        if (endswith(buf, deleted))
                buf[n - strlen(deleted)] = '\0';
        return 0;
}
