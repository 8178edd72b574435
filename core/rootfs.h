/* SPDX-License-Identifier: MIT */
#pragma once

/* Every file a probe reads goes through here. Paths are resolved inside the
 * root directory the way openat2(RESOLVE_IN_ROOT) does: ".." and absolute
 * symlinks cannot leave it, whatever the tree's links say. Magic links
 * (/proc/<pid>/exe, fd/N) are never followed; read them with
 * tt_root_readlink(). */

#include <dirent.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct tt_root {
        int fd;           /* O_PATH|O_DIRECTORY of the root */
        char path[4096];  /* for messages only */
        bool live;        /* root is "/": the running system */
};

int tt_root_open(const char *path, struct tt_root *ret);
void tt_root_close(struct tt_root *r);

/* Opens PATH (absolute or relative, always taken inside the root). */
int tt_root_openat(const struct tt_root *r, const char *path, int flags, int *ret_fd);
/* Same, relative to a directory fd that was itself opened inside the root. */
int tt_openat_beneath(const struct tt_root *r, int dirfd, const char *path, int flags, int *ret_fd);
int tt_root_opendir(const struct tt_root *r, const char *path, DIR **ret);
int tt_opendir_beneath(const struct tt_root *r, int dirfd, const char *path, DIR **ret);

/* A regular file only, opened O_RDONLY|O_NONBLOCK (a directory is -EISDIR;
 * a FIFO, device or socket planted in the tree is -EBADFD, never a hang). */
int tt_open_regular_beneath(const struct tt_root *r, int dirfd, const char *path, int *ret_fd);

/* Reads at most max bytes; *ret is NUL-terminated (an extra byte past *ret_len),
 * and *ret_truncated (optional) says whether the file was longer. */
int tt_read_file_fd(int fd, size_t max, char **ret, size_t *ret_len, bool *ret_truncated);
int tt_root_read_file(const struct tt_root *r, const char *path, size_t max, char **ret, size_t *ret_len);
int tt_read_file_beneath(const struct tt_root *r, int dirfd, const char *path, size_t max, char **ret,
                         size_t *ret_len);
/* First line, whitespace-stripped, bounded to size-1 bytes (sysfs attributes). */
int tt_read_line_beneath(const struct tt_root *r, int dirfd, const char *path, char *buf, size_t size);
int tt_readlink_beneath(const struct tt_root *r, int dirfd, const char *path, char *buf, size_t size);
