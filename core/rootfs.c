/* SPDX-License-Identifier: MIT */
#include "rootfs.h"

#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "util.h"

static int openat2_in_root(int dirfd, const char *path, int flags, uint64_t resolve) {
        /* openat2() refuses O_PATH with any flag but O_DIRECTORY/O_NOFOLLOW. */
        struct open_how how = {
                .flags = (uint64_t) flags | O_CLOEXEC | (flags & O_PATH ? 0 : O_NOCTTY),
                .resolve = resolve,
        };
        for (;;) {
                long fd = syscall(SYS_openat2, dirfd, path, &how, sizeof(how));
                if (fd >= 0)
                        return (int) fd;
                /* RESOLVE_IN_ROOT returns EAGAIN when a rename raced the lookup. */
                if (errno != EAGAIN && errno != EINTR)
                        return -errno;
        }
}

int tt_root_open(const char *path, struct tt_root *ret) {
        int fd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        struct tt_root r = { .fd = fd };
        strscpy(r.path, sizeof(r.path), path);
        struct stat a, b;
        r.live = fstat(fd, &a) == 0 && stat("/", &b) == 0 && a.st_dev == b.st_dev && a.st_ino == b.st_ino;
        *ret = r;
        return 0;
}

void tt_root_close(struct tt_root *r) {
        if (r->fd >= 0)
                close(r->fd);
        r->fd = -1;
}

int tt_openat_beneath(const struct tt_root *r, int dirfd, const char *path, int flags, int *ret_fd) {
        /* An absolute path restarts at the root, as under chroot. */
        if (*path == '/')
                dirfd = r->fd;
        if (*path == '\0')
                path = ".";
        int fd = openat2_in_root(dirfd, path, flags,
                                 RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS);
        if (fd < 0)
                return fd;
        *ret_fd = fd;
        return 0;
}

int tt_root_openat(const struct tt_root *r, const char *path, int flags, int *ret_fd) {
        return tt_openat_beneath(r, r->fd, path, flags, ret_fd);
}

int tt_opendir_beneath(const struct tt_root *r, int dirfd, const char *path, DIR **ret) {
        int fd, e = tt_openat_beneath(r, dirfd, path, O_RDONLY | O_DIRECTORY, &fd);
        if (e < 0)
                return e;
        DIR *d = fdopendir(fd);
        if (!d) {
                e = -errno;
                close(fd);
                return e;
        }
        *ret = d;
        return 0;
}

int tt_root_opendir(const struct tt_root *r, const char *path, DIR **ret) {
        return tt_opendir_beneath(r, r->fd, path, ret);
}

int tt_read_file_fd(int fd, size_t max, char **ret, size_t *ret_len, bool *ret_truncated) {
        /* Sysfs and procfs report size 0 or 4096; read in chunks up to max. */
        size_t cap = MIN(max, (size_t) 4096), len = 0;
        _cleanup_free_ char *buf = malloc(cap + 1);
        if (!buf)
                return -ENOMEM;
        for (;;) {
                if (len == cap) {
                        if (cap >= max)
                                break;
                        size_t ncap = MIN(max, cap * 2);
                        char *n = realloc(buf, ncap + 1);
                        if (!n)
                                return -ENOMEM;
                        buf = n;
                        cap = ncap;
                }
                ssize_t k = read(fd, buf + len, cap - len);
                if (k < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                if (k == 0)
                        break;
                len += (size_t) k;
        }
        bool truncated = false;
        if (len == max) {
                char c;
                ssize_t k = read(fd, &c, 1);
                truncated = k > 0;
        }
        buf[len] = '\0';
        *ret = TAKE_PTR(buf);
        if (ret_len)
                *ret_len = len;
        if (ret_truncated)
                *ret_truncated = truncated;
        return 0;
}

int tt_open_regular_beneath(const struct tt_root *r, int dirfd, const char *path, int *ret_fd) {
        _cleanup_close_ int fd = -1;
        /* O_NONBLOCK: opening a FIFO planted in a hostile tree must not hang. */
        int e = tt_openat_beneath(r, dirfd, path, O_RDONLY | O_NONBLOCK, &fd);
        if (e < 0)
                return e;
        struct stat st;
        if (fstat(fd, &st) < 0)
                return -errno;
        /* A FIFO or device in a hostile tree would block or never end. */
        if (!S_ISREG(st.st_mode))
                return S_ISDIR(st.st_mode) ? -EISDIR : -EBADFD;
        *ret_fd = TAKE_FD(fd);
        return 0;
}

int tt_read_file_beneath(const struct tt_root *r, int dirfd, const char *path, size_t max, char **ret,
                         size_t *ret_len) {
        _cleanup_close_ int fd = -1;
        int e = tt_open_regular_beneath(r, dirfd, path, &fd);
        if (e < 0)
                return e;
        return tt_read_file_fd(fd, max, ret, ret_len, NULL);
}

int tt_root_read_file(const struct tt_root *r, const char *path, size_t max, char **ret, size_t *ret_len) {
        return tt_read_file_beneath(r, r->fd, path, max, ret, ret_len);
}

int tt_read_line_beneath(const struct tt_root *r, int dirfd, const char *path, char *buf, size_t size) {
        _cleanup_free_ char *data = NULL;
        int e = tt_read_file_beneath(r, dirfd, path, size + 64, &data, NULL);
        if (e < 0)
                return e;
        char *nl = strchr(data, '\n');
        if (nl)
                *nl = '\0';
        strscpy(buf, size, strstrip(data));
        return 0;
}

int tt_readlink_beneath(const struct tt_root *r, int dirfd, const char *path, char *buf, size_t size) {
        /* Open the link's directory inside the root, then read the link text
         * itself: readlinkat() never follows the final component. */
        char dir[4096];
        const char *slash = strrchr(path, '/');
        const char *name = path;
        _cleanup_close_ int dfd = -1;
        if (slash) {
                if (strscpyl(dir, sizeof(dir), path, (size_t) (slash - path) + (slash == path)))
                        return -ENAMETOOLONG;
                int e = tt_openat_beneath(r, dirfd, dir, O_PATH | O_DIRECTORY, &dfd);
                if (e < 0)
                        return e;
                name = slash + 1;
                dirfd = dfd;
        }
        if (size == 0)
                return -EINVAL;
        ssize_t n = readlinkat(dirfd, name, buf, size - 1);
        if (n < 0)
                return -errno;
        buf[n] = '\0';
        return 0;
}
