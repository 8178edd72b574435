/* SPDX-License-Identifier: MIT */
#pragma once

/* Helpers the host probes share: bounded line reading from files opened
 * inside the root, and walking /proc/<pid> directories. */

#include <stdint.h>
#include <stdio.h>

#include "rootfs.h"

/* More /proc entries than this are not looked at (pid_max is 4194304, but a
 * laptop runs a few hundred processes). */
#define TT_PROC_MAX 65536

/* Opens a regular file inside the root for streaming. */
int tt_root_fopen(const struct tt_root *r, const char *path, FILE **ret);

/* Reads one line into buf without its "\n" or "\r\n" and returns 1, or 0 at
 * the end of the file. A line that does not fit in size-1 bytes is consumed
 * and reported as -E2BIG: the caller skips it. *budget is the number of bytes
 * the caller is still willing to read; reaching it gives -EFBIG. */
int tt_read_line(FILE *f, char *buf, size_t size, uint64_t *budget);

/* Calls fn for every /proc/<digits> directory, at most TT_PROC_MAX of them;
 * pid_fd is a directory fd. Processes that vanish or can't be opened
 * are skipped. A negative return from fn stops the walk and is returned.
 * -ENOENT when the root has no /proc. */
typedef int (*tt_proc_fn)(const struct tt_root *r, int pid_fd, unsigned pid, void *userdata);
int tt_proc_for_each(const struct tt_root *r, tt_proc_fn fn, void *userdata);

/* /proc/<pid>/comm as the kernel wrote it, without the final newline; bytes
 * in between (even a newline) are kept. */
int tt_proc_read_comm(const struct tt_root *r, int pid_fd, char *buf, size_t size);
/* The link text of /proc/<pid>/exe (never followed), without the
 * " (deleted)" the kernel appends for a replaced binary. */
int tt_proc_read_exe(const struct tt_root *r, int pid_fd, char *buf, size_t size);
