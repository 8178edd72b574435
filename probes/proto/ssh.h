/* SPDX-License-Identifier: MIT */
#pragma once

/* The SSH identification string, RFC 4253 4.2: "SSH-protoversion-
 * softwareversion SP comments CR LF", at most 255 bytes with the CR LF. A
 * lone LF is taken too, as OpenSSH does. Fields are escaped as
 * wire_text_copy() does. Pure: no I/O, no allocation. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SSH_BANNER_MAX 256 /* the line itself, and every field of it */
#define SSH_PROTOVERSION_MAX 16

struct ssh_msg {
        char banner[SSH_BANNER_MAX]; /* the whole line without CR LF */
        char protoversion[SSH_PROTOVERSION_MAX]; /* "2.0", "1.99" */
        char software[SSH_BANNER_MAX];           /* "OpenSSH_9.2p1" */
        char comments[SSH_BANNER_MAX];           /* "Debian-2+deb12u3", "" if none */
        bool truncated;                          /* a field was cut (escapes widen it) */
};

/* 0; -EAGAIN while the line has not ended and could still within 255 bytes;
 * -ENOMSG unless the input starts "SSH-"; -EBADMSG for a longer line, or one
 * without protoversion or softwareversion. */
int ssh_parse(const uint8_t *buf, size_t len, struct ssh_msg *ret);
